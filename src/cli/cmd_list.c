/* list: jails, templates or releases, with iocage's columns. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "net.h"
#include "props.h"
#include "runtime.h"
#include "util.h"

struct list_opts {
	bool longfmt, releases, templates, basejails, plugins, quick, remote, scripting, json;
	const char *sort;
	const char *server;
};

static const char *const short_cols[] = { "JID", "NAME", "STATE", "RELEASE", "IP4" };
static const char *const long_cols[] = { "JID", "NAME", "BOOT", "STATE", "TYPE",
					 "RELEASE", "IP4", "IP6", "TEMPLATE", "BASEJAIL" };
static const char *const quick_cols[] = { "NAME", "IP4" };
/* --json: the same columns, lower case. */
static const char *const short_keys[] = { "jid", "name", "state", "release", "ip4" };
static const char *const long_keys[] = { "jid", "name", "boot", "state", "type",
					 "release", "ip4", "ip6", "template", "basejail" };
static const char *const quick_keys[] = { "name", "ip4" };

static int parse_list_opts(int argc, char **argv, struct list_opts *o)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "release", no_argument, NULL, 'r' },
		{ "base", no_argument, NULL, 'r' },
		{ "template", no_argument, NULL, 't' },
		{ "basejails", no_argument, NULL, 'B' },
		{ "plugins", no_argument, NULL, 'P' },
		{ "quick", no_argument, NULL, 'q' },
		{ "remote", no_argument, NULL, 'R' },
		{ "sort", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "lrbtBPqRs:hH", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o->longfmt = true; break;
		case 'r':
		case 'b': o->releases = true; break;
		case 't': o->templates = true; break;
		case 'B': o->basejails = true; break;
		case 'P': o->plugins = true; break;
		case 'q': o->quick = true; break;
		case 'R': o->remote = true; break;
		case 's': o->sort = optarg; break;
		case 'S': o->server = optarg; break;
		case 'h':
		case 'H': o->scripting = true; break;
		case 'J': o->json = true; break;
		default: return cli_usage("list", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage("list", "unexpected argument '%s'", argv[optind]);
	/* With -R, -s names the image server (issue: `list -R [-s URL]`), else a sort key. */
	if (o->remote && o->sort && !o->server) {
		o->server = o->sort;
		o->sort = NULL;
	}
	return 0;
}

/* The config.json keys the columns are made of. */
enum { K_DHCP, K_IP4, K_IP6, K_BOOT, K_BASEJAIL, K_TEMPLATE, K_TYPE, K_RELEASE, K_COUNT };
static const char *const column_keys[K_COUNT] = { "dhcp", "ip4_addr", "ip6_addr", "boot",
						  "basejail", "source_template", "type", "release" };

/* Per-listing state: the column defaults converted to text once, and scratch space reused
 * from row to row, so that a row costs no allocation. */
struct row_ctx {
	struct jc_ctx *ctx;
	const struct list_opts *o;
	char *defaults[K_COUNT];
	struct jc_run_probe *probe;   /* NULL for templates, which never run */
	char *ip, *live;              /* the IP4 cell when it is not a value as stored */
	size_t ip_cap;
	char jid[16];
};

static void row_ctx_init(struct row_ctx *l, struct jc_ctx *ctx, const struct list_opts *o)
{
	*l = (struct row_ctx){ .ctx = ctx, .o = o };
	for (size_t i = 0; i < K_COUNT; i++)
		l->defaults[i] = jc_defaults_get_text(ctx, column_keys[i]);
	if (!o->templates)
		l->probe = jc_run_probe_new(ctx);
}

static void row_ctx_release(struct row_ctx *l)
{
	for (size_t i = 0; i < K_COUNT; i++)
		free(l->defaults[i]);
	jc_run_probe_free(l->probe);
	free(l->ip);
	free(l->live);
}

/* IP4 column: addresses without "iface|" and "/mask" (empty items skipped). */
static const char *ip_column(struct row_ctx *l, const char *addrs, bool dhcp)
{
	if (dhcp)
		return "DHCP";
	if (!addrs || strcmp(addrs, "none") == 0)
		return "-";
	size_t n = strlen(addrs) + 1, len = 0;
	if (l->ip_cap < n)
		l->ip = xrealloc(l->ip, l->ip_cap = n);
	for (const char *p = addrs; *p; p += strcspn(p, ",")) {
		p += strspn(p, ",");
		size_t item = strcspn(p, ",");
		if (item == 0)
			continue;
		const char *bar = memchr(p, '|', item);
		const char *a = bar ? bar + 1 : p;
		size_t alen = strcspn(a, "/,");
		if (a + alen > p + item)
			alen = (size_t)(p + item - a);
		if (len)
			l->ip[len++] = ',';
		memcpy(l->ip + len, a, alen);
		len += alen;
	}
	l->ip[len] = '\0';
	return l->ip;
}

static const char *effective(const struct row_ctx *l, const struct jc_json_field *f, int k)
{
	return f[k].present ? f[k].text : l->defaults[k];
}

/* iocage: the short listing shows bare addresses, the long one the full IFACE|ADDR/MASK
 * entries. */
static void fill_row(struct row_ctx *l, const char *name, const struct jc_json_field *f,
		     const char **cells)
{
	bool dhcp = jc_streq(effective(l, f, K_DHCP), "1");
	const char *ip4 = effective(l, f, K_IP4), *tmpl = effective(l, f, K_TEMPLATE);
	cells[0] = "-";
	cells[1] = name;
	cells[2] = jc_streq(effective(l, f, K_BOOT), "1") ? "on" : "off";
	cells[3] = "down";
	cells[4] = effective(l, f, K_TYPE);
	cells[5] = effective(l, f, K_RELEASE);
	cells[6] = l->o->longfmt ? (dhcp ? "DHCP" : ip4) : ip_column(l, ip4, dhcp);
	cells[7] = effective(l, f, K_IP6);
	cells[8] = tmpl && strcmp(tmpl, "none") != 0 ? tmpl : "-";
	cells[9] = jc_streq(effective(l, f, K_BASEJAIL), "1") ? "yes" : "no";
}

/* JID and STATE of a running jail. */
static void fill_state(struct row_ctx *l, const char *name, const char **cells)
{
	struct jc_run_state st;
	struct jc_error err = { 0 };
	if (jc_run_probe_status(l->probe, name, &st, &err) < 0 || !st.running)
		return;
	snprintf(l->jid, sizeof(l->jid), "%d", st.jid);
	cells[0] = l->jid;
	cells[3] = "up";
	/* A running DHCP jail: the lease it holds now (issue: "DHCP and the live address"). */
	if (jc_streq(cells[6], "DHCP")) {
		free(l->live);
		l->live = jc_net_live_ip4(l->ctx, NULL, st.init_pid);
		if (l->live && *l->live) {
			l->live[strcspn(l->live, "/")] = '\0';
			char *text = xasprintf("DHCP (%s)", l->live);
			free(l->live);
			cells[6] = l->live = text;
		}
	}
}

static int column_index(const char *const *cols, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(cols[i], key) == 0)
			return (int)i;
	return -1;
}

/* Map a long-format row to the columns shown. */
static void project_row(const char **full, const struct list_opts *o, const char **out)
{
	if (o->quick) {
		out[0] = full[1], out[1] = full[6];
	} else if (o->longfmt) {
		for (size_t i = 0; i < 10; i++)
			out[i] = full[i];
	} else {
		out[0] = full[0], out[1] = full[1], out[2] = full[3], out[3] = full[5], out[4] = full[6];
	}
}

static void add_jail_rows(struct row_ctx *l, struct jc_jail_lister *jails, struct cli_table *t,
			  struct cli_json_rows *json)
{
	static const char *const corrupt[10] = { "-", NULL, "off", "CORRUPT", "N/A",
						 "N/A", "N/A", "N/A", "N/A", "N/A" };
	struct jc_json_field f[K_COUNT];
	for (size_t i = 0; i < K_COUNT; i++)
		f[i].key = column_keys[i];
	const char *name;
	bool ok;
	while (jc_jail_lister_next(jails, &name, f, K_COUNT, &ok) > 0) {
		const char *full[10];
		if (ok) {
			fill_row(l, name, f, full);
			if (l->probe)
				fill_state(l, name, full);
		} else {
			memcpy(full, corrupt, sizeof(full));
			full[1] = name;
		}
		if (l->o->basejails && !jc_streq(full[9], "yes"))
			continue;
		const char *cells[10];
		project_row(full, l->o, cells);
		if (json)
			cli_json_rows_add(json, cells);
		else
			cli_table_add(t, cells);
	}
}

static const char *const *json_keys(const struct list_opts *o)
{
	return o->quick ? quick_keys : o->longfmt ? long_keys : short_keys;
}

int cmd_list(struct jc_ctx *ctx, int argc, char **argv)
{
	struct list_opts o = { 0 };
	int r = parse_list_opts(argc, argv, &o);
	if (r)
		return r;
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	if (o.releases)
		return cli_list_releases(ctx, o.scripting, o.json);
	if (o.remote && !o.plugins)
		return cli_list_remote(ctx, o.server, o.scripting, o.json);
	if (o.plugins)
		return cli_failf("list: plugin listing is not available yet");
	const char *const *cols = o.quick ? quick_cols : o.longfmt ? long_cols : short_cols;
	size_t ncols = o.quick ? 2 : o.longfmt ? 10 : 5;
	int sort_col = column_index(cols, ncols, o.sort ? o.sort : "name");
	if (sort_col < 0)
		return cli_usage("list", "cannot sort by '%s'", o.sort);
	struct jc_jail_lister *jails = NULL;
	if (jc_jail_lister_open(ctx, o.templates, &jails, &err) < 0)
		return cli_fail(&err);
	/* JSON keeps the directory's order: only the table is sorted. */
	struct cli_table *t = o.json ? NULL : cli_table_new(ncols, cols);
	struct cli_json_rows *json = o.json ? cli_json_rows_new(ncols, json_keys(&o)) : NULL;
	struct row_ctx l;
	row_ctx_init(&l, ctx, &o);
	add_jail_rows(&l, jails, t, json);
	row_ctx_release(&l);
	jc_jail_lister_close(jails);
	if (json) {
		cli_json_rows_print(json);
	} else {
		cli_table_sort(t, (size_t)sort_col, strcmp(cols[sort_col], "JID") == 0);
		cli_table_print(t, o.scripting);
	}
	cli_json_rows_free(json);
	cli_table_free(t);
	return 0;
}
