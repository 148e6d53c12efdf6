/* get / set: properties of jails and of the defaults (defaults.json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "jail.h"
#include "runtime.h"
#include "props.h"
#include "usage.h"
#include "util.h"

struct get_opts {
	bool all, pool, recursive, scripting, json, state, jid;
};

static int parse_get_opts(int argc, char **argv, struct get_opts *o)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "pool", no_argument, NULL, 'p' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "state", no_argument, NULL, 's' },
		{ "jid", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "aprsjhH", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'p': o->pool = true; break;
		case 'r': o->recursive = true; break;
		case 'h':
		case 'H': o->scripting = true; break;
		case 'J': o->json = true; break;
		case 's': o->state = true; break;
		case 'j': o->jid = true; break;
		default: return cli_usage("get", "unknown option");
		}
	}
	return 0;
}

static int print_all_defaults(const struct jc_ctx *ctx, bool json)
{
	if (json) {
		cleanup_free char *text = jc_json_dump(ctx->defaults);
		fputs(text, stdout);
		return 0;
	}
	/* json_object_foreach is in hash order; print sorted like the table. */
	size_t n = 0;
	const struct jc_prop *props = jc_props(&n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *v = jc_defaults_get_text(ctx, props[i].name);
		if (v)
			printf("%s:%s\n", props[i].name, v);
	}
	return 0;
}

static int get_default(struct jc_ctx *ctx, const struct get_opts *o, const char *prop_name)
{
	if (o->all)
		return print_all_defaults(ctx, o->json);
	if (!jc_prop_find(prop_name))
		return cli_failf("%s: no such property", prop_name);
	cleanup_free char *v = jc_defaults_get_text(ctx, prop_name);
	if (!v)
		return cli_failf("%s: not set in defaults", prop_name);
	if (o->json) {
		json_t *obj = json_pack("{s:s}", prop_name, v);
		cleanup_free char *text = jc_json_dump(obj);
		json_decref(obj);
		fputs(text, stdout);
	} else {
		printf("%s\n", v);
	}
	return 0;
}

static char *shown_value(const struct jc_jail *jail, const char *key)
{
	char *v = jc_jail_get(jail, key);
	if (v && strcmp(key, "last_started") == 0 && strcmp(v, "none") == 0) {
		free(v);
		return xstrdup("never");
	}
	return v;
}

static int print_jail_all(struct jc_jail *jail, const struct jc_run_state *st, bool json)
{
	if (json) {
		json_t *obj = json_deep_copy(jail->effective);
		json_object_set_new(obj, "state", json_string(st->running ? "up" : "down"));
		cleanup_free char *text = jc_json_dump(obj);
		json_decref(obj);
		fputs(text, stdout);
		return 0;
	}
	size_t n = 0;
	const struct jc_prop *props = jc_props(&n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *v = shown_value(jail, props[i].name);
		if (v)
			printf("%s:%s\n", props[i].name, v);
	}
	printf("state:%s\n", st->running ? "up" : "down");
	return 0;
}

/* A start that just returned may not have written last_started into config.json yet (its
 * writer holds the jail's lock); the runtime record has it. */
static void note_run_state(struct jc_jail *jail, const struct jc_run_state *st)
{
	if (!st->last_started[0])
		return;
	json_t *facts = json_pack("{s:s}", "last_started", st->last_started);
	jc_jail_note_facts(jail, facts);
	json_decref(facts);
}

static int show_jail(struct jc_jail *jail, const struct jc_run_state *st, const struct get_opts *o,
		     const char *prop)
{
	note_run_state(jail, st);
	if (o->state) {
		printf("%s\n", st->running ? "up" : "down");
	} else if (o->jid) {
		if (st->running)
			printf("%d\n", st->jid);
		else
			printf("-\n");
	} else if (o->all) {
		return print_jail_all(jail, st, o->json);
	} else if (!jc_prop_find(prop) && strcmp(prop, "state") != 0) {
		return cli_failf("%s: no such property", prop);
	} else {
		cleanup_free char *v = strcmp(prop, "state") == 0 ? xstrdup(st->running ? "up" : "down")
								 : shown_value(jail, prop);
		printf("%s\n", v ? v : "none");
	}
	return 0;
}

static int get_jail(struct jc_ctx *ctx, const struct get_opts *o, const char *prop, const char *name)
{
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_jail_open(ctx, name, &jail, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	struct jc_run_state st = { 0 };
	if (jail->corrupt)
		rc = cli_failf("%s", jail->corrupt);
	else if (jc_runtime_status(ctx, jail, &st, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = show_jail(jail, &st, o, prop);
	jc_jail_free(jail);
	return rc;
}

static int get_recursive(struct jc_ctx *ctx, const struct get_opts *o, const char *prop)
{
	if (!jc_prop_find(prop))
		return cli_failf("%s: no such property", prop);
	struct jc_error err = { 0 };
	cleanup_strv char **names = NULL;
	if (jc_jail_names(ctx, false, &names, &err) < 0)
		return cli_fail(&err);
	cleanup_free char *header = xasprintf("PROP - %s", prop);
	const char *cols[] = { "NAME", header };
	struct cli_table *t = cli_table_new(2, cols);
	for (size_t i = 0; names[i]; i++) {
		struct jc_jail *jail = NULL;
		if (jc_jail_open_exact(ctx, names[i], false, &jail, &err) < 0)
			continue;
		struct jc_run_state st = { 0 };
		if (!jail->corrupt && strcmp(prop, "last_started") == 0 &&
		    jc_runtime_status(ctx, jail, &st, &err) == 0)
			note_run_state(jail, &st);
		cleanup_free char *v = jail->corrupt ? xstrdup("N/A") : shown_value(jail, prop);
		const char *cells[] = { names[i], v };
		cli_table_add(t, cells);
		jc_jail_free(jail);
	}
	cli_table_print(t, o->scripting);
	cli_table_free(t);
	return 0;
}

int cmd_get(struct jc_ctx *ctx, int argc, char **argv)
{
	struct get_opts o = { 0 };
	int r = parse_get_opts(argc, argv, &o);
	if (r)
		return r;
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	int rest = argc - optind;
	if (o.pool) {
		printf("%s\n", ctx->pool);
		return 0;
	}
	if (o.recursive)
		return rest == 1 ? get_recursive(ctx, &o, argv[optind])
				 : cli_usage("get", "-r takes exactly one PROPERTY");
	const char *target = NULL, *prop = NULL;
	if ((o.all || o.state || o.jid) && rest == 1)
		target = argv[optind];
	else if (!o.all && rest == 2)
		prop = argv[optind], target = argv[optind + 1];
	else
		return cli_usage("get", "expected PROPERTY JAIL or -a JAIL");
	if (strcmp(target, "default") == 0)
		return get_default(ctx, &o, prop);
	return get_jail(ctx, &o, prop, target);
}

static int set_defaults(struct jc_ctx *ctx, char **assignments, size_t n)
{
	struct jc_error err = { 0 };
	cleanup_free struct jc_prop_change *changes = xcalloc(n, sizeof(*changes));
	cleanup_strv char **keys = xcalloc(1, sizeof(char *));
	cleanup_strv char **values = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *key = NULL, *value = NULL;
		if (jc_prop_split_assignment(assignments[i], &key, &value, &err) < 0)
			return cli_fail(&err);
		jc_strv_push(&keys, key);
		jc_strv_push(&values, value);
	}
	for (size_t i = 0; i < n; i++)
		changes[i] = (struct jc_prop_change){ .key = keys[i], .value = values[i] };
	int r = jc_defaults_update(ctx, changes, n, &err);
	if (r == 0)
		for (size_t i = 0; i < n; i++)
			printf("Default Property: %s has been updated to %s\n", changes[i].key,
			       changes[i].new_text);
	jc_prop_changes_release(changes, n);
	return r < 0 ? cli_fail(&err) : 0;
}

/* template=yes|no moves the jail between jails/ and templates/ (SPEC §4). */
static int set_template(struct jc_ctx *ctx, struct jc_jail *jail, const char *value, bool running)
{
	struct jc_error err = { 0 };
	cleanup_free char *norm = NULL;
	if (jc_prop_validate(jc_prop_find("template"), value, &norm, &err) < 0)
		return cli_fail(&err);
	if (running)
		return cli_failf("template: %s is running: stop it first", jail->name);
	bool old = jail->is_template;
	if (jc_jail_set_template(ctx, jail, strcmp(norm, "1") == 0, &err) < 0)
		return cli_fail(&err);
	printf("template: %s -> %s\n", old ? "1" : "0", norm);
	return 0;
}

static int apply_live(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_prop_change *changes, size_t n)
{
	struct jc_error err = { 0 };
	for (size_t i = 0; i < n; i++) {
		const struct jc_prop *prop = jc_prop_find(changes[i].key);
		if ((prop->flags & JC_PROP_LIVE) && jc_runtime_apply_live(ctx, jail, changes[i].key, &err) < 0)
			return cli_fail(&err);
	}
	return 0;
}

static int set_jail(struct jc_ctx *ctx, char **assignments, size_t n, const char *name)
{
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_jail_open(ctx, name, &jail, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	struct jc_run_state st = { 0 };
	cleanup_free struct jc_prop_change *changes = xcalloc(n, sizeof(*changes));
	cleanup_strv char **keys = xcalloc(1, sizeof(char *));
	cleanup_strv char **values = xcalloc(1, sizeof(char *));
	if (jc_runtime_status(ctx, jail, &st, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *key = NULL, *value = NULL;
		if (jc_prop_split_assignment(assignments[i], &key, &value, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		if (strcmp(key, "template") == 0) {
			if (n != 1) {
				rc = cli_failf("template: set it on its own");
				goto out;
			}
			rc = set_template(ctx, jail, value, st.running);
			goto out;
		}
		jc_strv_push(&keys, key);
		jc_strv_push(&values, value);
	}
	for (size_t i = 0; i < n; i++)
		changes[i] = (struct jc_prop_change){ .key = keys[i], .value = values[i] };
	bool restart = false, quota = false;
	for (size_t i = 0; i < n; i++)
		quota = quota || strcmp(keys[i], "quota") == 0;
	if (jc_jail_update(ctx, jail, changes, n, st.running, &restart, &err) < 0) {
		rc = cli_fail(&err);
	} else if (quota && jc_jail_apply_quota(ctx, jail, &err) < 0) {
		rc = cli_fail(&err); /* refused: the previous config.json is back in place */
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct jc_prop *prop = jc_prop_find(changes[i].key);
			printf("%s: %s -> %s\n", changes[i].key, changes[i].old_text ? changes[i].old_text : "none",
			       changes[i].new_text);
			if (!prop->linux_meaning)
				printf("%s: accepted, no effect on Linux\n", changes[i].key);
		}
		if (st.running)
			rc = apply_live(ctx, jail, changes, n);
		if (restart)
			printf("%s requires a jail restart for the new values to take effect\n", jail->name);
	}
	jc_prop_changes_release(changes, n);
out:
	jc_jail_free(jail);
	return rc;
}

int cmd_set(struct jc_ctx *ctx, int argc, char **argv)
{
	if (argc < 3)
		return cli_usage("set", "expected PROPERTY=VALUE... and a JAIL or 'default'");
	const char *target = argv[argc - 1];
	size_t n = (size_t)argc - 2;
	struct jc_error err = { 0 };
	/* Validate the form of every argument before touching the pool. */
	for (size_t i = 0; i < n; i++)
		if (!strchr(argv[1 + i], '='))
			return cli_failf("set: '%s' is not of the form PROPERTY=VALUE", argv[1 + i]);
	if (strchr(target, '='))
		return cli_usage("set", "the last argument must be a JAIL or 'default'");
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	if (strcmp(target, "default") == 0)
		return set_defaults(ctx, argv + 1, n);
	return set_jail(ctx, argv + 1, n, target);
}
