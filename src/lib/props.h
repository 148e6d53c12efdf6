/* The property schema: every iocage property (and jailctl's Linux additions) in one
 * table, each with its iocage default, its validator, whether it may change while
 * the jail runs, and what it means on Linux. Values are handled as text; booleans
 * are normalised to "1"/"0" and stored in JSON as integers, everything else as strings. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum jc_prop_flags {
	JC_PROP_LIVE = 1u << 0,          /* may change while the jail runs (applied live) */
	JC_PROP_DEFAULTS_ONLY = 1u << 1, /* settable only with `set KEY=VAL default` */
	JC_PROP_READONLY = 1u << 2,      /* never settable by the user (computed or identity) */
	JC_PROP_BOOL = 1u << 3,          /* boolean: stored as 1/0 */
	JC_PROP_JAIL_ONLY = 1u << 4,     /* per-jail identity: not settable on default */
	JC_PROP_NUMERIC = 1u << 5,       /* integer value (still stored as a string, as iocage) */
	JC_PROP_STOPPED_ONLY = 1u << 6,  /* refused while the jail runs (dhcp, jail_zfs*, ...) */
};

struct jc_prop;

/* Check value; on success *normalized (may be NULL if not wanted) receives the canonical
 * text to store (booleans as "1"/"0", list separators tidied). Errors name the property. */
typedef int (*jc_prop_validate_fn)(const struct jc_prop *prop, const char *value,
				   char **normalized, struct jc_error *err);

struct jc_prop {
	const char *name;
	const char *def;               /* iocage's default, as text */
	jc_prop_validate_fn validate;
	unsigned flags;
	const char *linux_meaning;     /* NULL: accepted, no effect on Linux */
	const char *help;              /* one line for docs and `help set` */
};

/* The whole table, sorted by name. */
const struct jc_prop *jc_props(size_t *count);
const struct jc_prop *jc_prop_find(const char *name);

/* Validate value for prop (runs its validator). */
int jc_prop_validate(const struct jc_prop *prop, const char *value, char **normalized,
		     struct jc_error *err);

/* Stored JSON form of an already-normalised value: integer for booleans, else string. */
json_t *jc_prop_value_to_json(const struct jc_prop *prop, const char *normalized);
/* Text form of a stored JSON value (integers, reals, strings, booleans); NULL if unusable. */
char *jc_prop_json_to_text(const json_t *value);

/* Parse "KEY=VALUE" into freshly allocated key and value; -EINVAL if there is no '='. */
int jc_prop_split_assignment(const char *arg, char **key, char **value, struct jc_error *err);
