/* snapshot / snaplist / snapremove / rollback / df. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "image.h"
#include "jail.h"
#include "runtime.h"
#include "snapshot.h"
#include "usage.h"
#include "util.h"

struct table_opts {
	bool scripting, longfmt, json;
	const char *sort;
};

static const struct option table_long_opts[] = {
	{ "long", no_argument, NULL, 'l' },
	{ "sort", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'J' },
	{ NULL, 0, NULL, 0 },
};

static int parse_table_opts(const char *cmd, int argc, char **argv, struct table_opts *o)
{
	int c;
	while ((c = getopt_long(argc, argv, "hHls:", table_long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case 'H': o->scripting = true; break;
		case 'l': o->longfmt = true; break;
		case 's': o->sort = optarg; break;
		case 'J': o->json = true; break;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	return 0;
}

/* Leftovers of killed commands go first, as with every jailctl command that changes
 * the pool; a failure here must not stop the command. */
static void clean_pool(struct jc_ctx *ctx)
{
	struct jc_error ignored = { 0 };
	jc_jail_clean_leftovers(ctx, &ignored);
	jc_image_clean_leftovers(ctx, &ignored);
}

static int open_jail(struct jc_ctx *ctx, const char *name, struct jc_jail **jail)
{
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	clean_pool(ctx);
	if (jc_jail_open(ctx, name, jail, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* Options may come before or after JAIL, as in iocage; exactly one JAIL. */
static int parse_name_opt(const char *cmd, int argc, char **argv, const char *shortopts,
			  const char **snap, bool *force)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == 'n')
			*snap = optarg;
		else if (c == 'f' && force)
			*force = true;
		else
			return cli_usage(cmd, "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage(cmd, "expected exactly one JAIL");
	return 0;
}

int cmd_snapshot(struct jc_ctx *ctx, int argc, char **argv)
{
	const char *snap = NULL;
	int rc = parse_name_opt("snapshot", argc, argv, "n:", &snap, NULL);
	struct jc_jail *jail = NULL;
	if (rc || (rc = open_jail(ctx, argv[optind], &jail)))
		return rc;
	struct jc_error err = { 0 };
	cleanup_free char *name = NULL;
	if (jc_snapshot_create(ctx, jail, snap, &name, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("Snapshot: %s@%s created.\n", jail->name, name);
	jc_jail_free(jail);
	return rc;
}

int cmd_snapremove(struct jc_ctx *ctx, int argc, char **argv)
{
	const char *snap = NULL;
	int rc = parse_name_opt("snapremove", argc, argv, "n:", &snap, NULL);
	if (rc == 0 && !snap)
		rc = cli_usage("snapremove", "-n SNAPSHOT is required");
	struct jc_jail *jail = NULL;
	if (rc || (rc = open_jail(ctx, argv[optind], &jail)))
		return rc;
	struct jc_error err = { 0 };
	if (jc_snapshot_remove(ctx, jail, snap, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("Snapshot: %s@%s destroyed.\n", jail->name, snap);
	jc_jail_free(jail);
	return rc;
}

static int rollback_checks(struct jc_ctx *ctx, const struct jc_jail *jail, const char *snap)
{
	struct jc_error err = { 0 };
	struct jc_run_state st = { 0 };
	if (jc_snapshot_validate_name(snap, &err) < 0 || jc_runtime_status(ctx, jail, &st, &err) < 0)
		return cli_fail(&err);
	if (st.running)
		return cli_failf("%s: the jail is running: stop it before a rollback", jail->name);
	cleanup_free char *meta = xasprintf("%s/.snapshots/%s/meta.json", jail->dir, snap);
	if (access(meta, F_OK) != 0)
		return cli_failf("%s@%s: no such snapshot", jail->name, snap);
	return 0;
}

int cmd_rollback(struct jc_ctx *ctx, int argc, char **argv)
{
	const char *snap = NULL;
	bool force = false;
	int rc = parse_name_opt("rollback", argc, argv, "n:f", &snap, &force);
	if (rc == 0 && !snap)
		rc = cli_usage("rollback", "-n SNAPSHOT is required");
	struct jc_jail *jail = NULL;
	if (rc || (rc = open_jail(ctx, argv[optind], &jail)))
		return rc;
	cleanup_free char *question = xasprintf("This will roll %s back to %s and destroy every "
						"snapshot taken after it", jail->name, snap);
	struct jc_error err = { 0 };
	cleanup_strv char **removed = NULL;
	if ((rc = rollback_checks(ctx, jail, snap)) != 0) {
		/* refused, reported */
	} else if (!force && !cli_confirm(question)) {
		printf("Not rolling back %s\n", jail->name);
	} else if (jc_snapshot_rollback(ctx, jail, snap, &removed, &err) < 0) {
		rc = cli_fail(&err);
	} else {
		for (size_t i = 0; removed[i]; i++)
			printf("Snapshot: %s@%s destroyed.\n", jail->name, removed[i]);
		printf("Rolled back to: %s@%s\n", jail->name, snap);
	}
	jc_jail_free(jail);
	return rc;
}

/* ---- snaplist ---- */

static const char *const snap_cols[] = { "NAME", "CREATED", "RSIZE", "USED" };

static int compare_snap_key(const struct jc_snapshot *a, const struct jc_snapshot *b, int key)
{
	uint64_t x = key == 2 ? a->rsize : a->used, y = key == 2 ? b->rsize : b->used;
	switch (key) {
	case 0: return strcmp(a->name, b->name);
	case 1: return 0; /* the library lists oldest first */
	default: return x < y ? -1 : x > y;
	}
}

static void sort_snaps(struct jc_snapshot *s, size_t n, int key)
{
	/* Insertion sort: stable, so ties keep creation order; lists are short. */
	for (size_t i = 1; i < n; i++) {
		struct jc_snapshot cur = s[i];
		size_t j = i;
		for (; j > 0 && compare_snap_key(&s[j - 1], &cur, key) > 0; j--)
			s[j] = s[j - 1];
		s[j] = cur;
	}
}

static int column_of(const char *const *cols, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(cols[i], key) == 0)
			return (int)i;
	return -1;
}

/* Print a listing as JSON or as the table, then free both. */
static void emit_listing(struct cli_table *t, json_t *arr, const struct table_opts *o)
{
	if (o->json) {
		cleanup_free char *text = jc_json_dump(arr);
		fputs(text, stdout);
	} else {
		cli_table_print(t, o->scripting);
	}
	json_decref(arr);
	cli_table_free(t);
}

static void print_snaps(const struct jc_ctx *ctx, const struct jc_jail *jail,
			const struct jc_snapshot *s, size_t n, const struct table_opts *o)
{
	json_t *arr = json_array();
	struct cli_table *t = cli_table_new(4, snap_cols);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *name = o->longfmt ? xasprintf("%s/%s/%s@%s", ctx->iocroot,
					jail->is_template ? "templates" : "jails", jail->name, s[i].name)
					     : xstrdup(s[i].name);
		cleanup_free char *rsize = jc_size_format(s[i].rsize);
		cleanup_free char *used = jc_size_format(s[i].used);
		const char *cells[] = { name, s[i].created_text, rsize, used };
		cli_table_add(t, cells);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "name", name, "created",
						     s[i].created_text, "rsize", (json_int_t)s[i].rsize,
						     "used", (json_int_t)s[i].used));
	}
	emit_listing(t, arr, o);
}

int cmd_snaplist(struct jc_ctx *ctx, int argc, char **argv)
{
	struct table_opts o = { 0 };
	int rc = parse_table_opts("snaplist", argc, argv, &o);
	if (rc == 0 && argc - optind != 1)
		rc = cli_usage("snaplist", "expected exactly one JAIL");
	int key = column_of(snap_cols, 4, o.sort ? o.sort : "created");
	if (rc == 0 && key < 0)
		rc = cli_usage("snaplist", "cannot sort by '%s' (name, created, rsize, used)", o.sort);
	struct jc_jail *jail = NULL;
	if (rc || (rc = open_jail(ctx, argv[optind], &jail)))
		return rc;
	struct jc_error err = { 0 };
	struct jc_snapshot *snaps = NULL;
	size_t n = 0;
	jc_snapshot_clean_leftovers(ctx, jail, &err);
	if (jc_snapshot_list(ctx, jail, &snaps, &n, &err) < 0) {
		rc = cli_fail(&err);
	} else {
		sort_snaps(snaps, n, key);
		print_snaps(ctx, jail, snaps, n, &o);
	}
	jc_snapshot_list_free(snaps, n);
	jc_jail_free(jail);
	return rc;
}

/* ---- df ---- */

static const char *const df_cols[] = { "NAME", "CRT", "RES", "QTA", "USE", "AVA" };

static uint64_t size_or_zero(const char *text)
{
	uint64_t v = 0;
	return jc_size_parse(text, &v) == 0 ? v : 0;
}

static int compare_df(const void *a, const void *b, void *arg)
{
	const struct jc_df_row *x = a, *y = b;
	int key = *(const int *)arg;
	uint64_t vx = 0, vy = 0;
	switch (key) {
	case 0: return strcmp(x->name, y->name);
	case 1: return strcmp(x->crt, y->crt);
	case 2: vx = size_or_zero(x->res), vy = size_or_zero(y->res); break;
	case 3: vx = size_or_zero(x->qta), vy = size_or_zero(y->qta); break;
	case 4: vx = x->used, vy = y->used; break;
	default: vx = x->avail, vy = y->avail; break;
	}
	if (vx != vy)
		return vx < vy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void print_df(const struct jc_df_row *rows, size_t n, const struct table_opts *o)
{
	json_t *arr = json_array();
	struct cli_table *t = cli_table_new(6, df_cols);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *use = jc_size_format(rows[i].used);
		cleanup_free char *ava = jc_size_format(rows[i].avail);
		const char *cells[] = { rows[i].name, rows[i].crt, rows[i].res, rows[i].qta, use, ava };
		cli_table_add(t, cells);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "name",
						     rows[i].name, "crt", rows[i].crt, "res", rows[i].res,
						     "qta", rows[i].qta, "use", (json_int_t)rows[i].used,
						     "ava", (json_int_t)rows[i].avail));
	}
	emit_listing(t, arr, o);
}

int cmd_df(struct jc_ctx *ctx, int argc, char **argv)
{
	struct table_opts o = { 0 };
	int rc = parse_table_opts("df", argc, argv, &o);
	if (rc)
		return rc;
	if (optind != argc)
		return cli_usage("df", "unexpected argument '%s'", argv[optind]);
	int key = column_of(df_cols, 6, o.sort ? o.sort : "name");
	if (key < 0)
		return cli_usage("df", "cannot sort by '%s' (name, crt, res, qta, use, ava)", o.sort);
	struct jc_error err = { 0 };
	struct jc_df_row *rows = NULL;
	size_t n = 0;
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_df(ctx, &rows, &n, &err) < 0)
		return cli_fail(&err);
	qsort_r(rows, n, sizeof(*rows), compare_df, &key);
	print_df(rows, n, &o);
	jc_df_rows_free(rows, n);
	return 0;
}
