/* Property values between their three forms: user text (validated and normalised),
 * stored JSON (integers for booleans, strings otherwise, as iocage writes them) and
 * the text `get` shows. */
#include "props.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "validate.h"

int jc_prop_validate(const struct jc_prop *prop, const char *value, char **normalized,
		     struct jc_error *err)
{
	if (!prop)
		return jc_error_set(err, EINVAL, "unknown property");
	if (!value)
		return jc_error_set(err, EINVAL, "%s: no value given", prop->name);
	char *norm = NULL;
	jc_prop_validate_fn fn = prop->validate ? prop->validate : jc_validate_any;
	int r = fn(prop, value, &norm, err);
	if (r < 0) {
		free(norm);
		return r;
	}
	/* A validator that has nothing to tidy may leave the value as given. */
	if (!norm)
		norm = xstrdup(value);
	if (normalized)
		*normalized = norm;
	else
		free(norm);
	return 0;
}

json_t *jc_prop_value_to_json(const struct jc_prop *prop, const char *normalized)
{
	if (!normalized)
		return NULL;
	if (prop && (prop->flags & JC_PROP_BOOL)) {
		cleanup_free char *b = NULL;
		if (jc_validate_bool(prop, normalized, &b, NULL) == 0)
			return json_integer(b[0] == '1');
	}
	return json_string(normalized);
}

/* Shortest "%.*g" text that reads back as the same double. */
static char *real_text(double d)
{
	for (int prec = 1; prec < 17; prec++) {
		char *s = xasprintf("%.*g", prec, d);
		if (strtod(s, NULL) == d)
			return s;
		free(s);
	}
	return xasprintf("%.17g", d);
}

char *jc_prop_json_to_text(const json_t *value)
{
	if (!value)
		return NULL;
	switch (json_typeof(value)) {
	case JSON_INTEGER:
		return xasprintf("%lld", (long long)json_integer_value(value));
	case JSON_REAL:
		return real_text(json_real_value(value));
	case JSON_STRING:
		return xstrdup(json_string_value(value));
	case JSON_TRUE:
		return xstrdup("1");
	case JSON_FALSE:
		return xstrdup("0");
	default:
		return NULL;
	}
}

int jc_prop_split_assignment(const char *arg, char **key, char **value, struct jc_error *err)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	if (!eq || eq == arg) {
		int r = jc_error_set(err, EINVAL, "'%.200s' is not of the form PROPERTY=VALUE",
				     arg ? arg : "");
		jc_validate_scrub(err);
		return r;
	}
	*key = xstrndup(arg, (size_t)(eq - arg));
	*value = xstrdup(eq + 1);
	return 0;
}
