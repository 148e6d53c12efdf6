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

/* IP4 column: addresses without "iface|" and "/mask", "DHCP" for dhcp jails. */
static char *ip_column(const char *addrs, bool dhcp)
{
	if (dhcp)
		return xstrdup("DHCP");
	if (!addrs || strcmp(addrs, "none") == 0)
		return xstrdup("-");
	cleanup_strv char **items = jc_strsplit(addrs, ",");
	char *out = xstrdup("");
	for (size_t i = 0; items[i]; i++) {
		char *a = strchr(items[i], '|') ? strchr(items[i], '|') + 1 : items[i];
		a[strcspn(a, "/")] = '\0';
		char *next = xasprintf("%s%s%s", out, *out ? "," : "", a);
		free(out);
		out = next;
	}
	return out;
}

struct jail_row {
	char *cells[10];
};

/* The defaults of the columns, converted to text once per listing, not once per jail. */
struct list_defaults {
	char *dhcp, *ip4_addr, *ip6_addr, *boot, *basejail, *source_template, *type, *release;
};

static void list_defaults_init(const struct jc_ctx *ctx, struct list_defaults *d)
{
	d->dhcp = jc_defaults_get_text(ctx, "dhcp");
	d->ip4_addr = jc_defaults_get_text(ctx, "ip4_addr");
	d->ip6_addr = jc_defaults_get_text(ctx, "ip6_addr");
	d->boot = jc_defaults_get_text(ctx, "boot");
	d->basejail = jc_defaults_get_text(ctx, "basejail");
	d->source_template = jc_defaults_get_text(ctx, "source_template");
	d->type = jc_defaults_get_text(ctx, "type");
	d->release = jc_defaults_get_text(ctx, "release");
}

static void list_defaults_release(struct list_defaults *d)
{
	free(d->dhcp), free(d->ip4_addr), free(d->ip6_addr), free(d->boot);
	free(d->basejail), free(d->source_template), free(d->type), free(d->release);
}

static char *effective(json_t *config, const char *def, const char *key)
{
	json_t *v = json_object_get(config, key);
	if (v)
		return jc_prop_json_to_text(v);
	return def ? xstrdup(def) : NULL;
}

static int compare_strs(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* iocage: the short listing shows bare addresses, the long one the full IFACE|ADDR/MASK
 * entries. */
static void fill_row(const struct list_defaults *d, const char *name, json_t *config, bool longfmt,
		     char **cells)
{
	if (!config) {
		const char *na[] = { "-", name, "off", "CORRUPT", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A" };
		for (size_t i = 0; i < 10; i++)
			cells[i] = xstrdup(na[i]);
		return;
	}
	cleanup_free char *dhcp = effective(config, d->dhcp, "dhcp");
	cleanup_free char *ip4 = effective(config, d->ip4_addr, "ip4_addr");
	cleanup_free char *boot = effective(config, d->boot, "boot");
	cleanup_free char *basejail = effective(config, d->basejail, "basejail");
	cleanup_free char *tmpl = effective(config, d->source_template, "source_template");
	cells[0] = xstrdup("-");
	cells[1] = xstrdup(name);
	cells[2] = xstrdup(jc_streq(boot, "1") ? "on" : "off");
	cells[3] = xstrdup("down");
	cells[4] = effective(config, d->type, "type");
	cells[5] = effective(config, d->release, "release");
	cells[6] = longfmt ? xstrdup(jc_streq(dhcp, "1") ? "DHCP" : ip4) : ip_column(ip4, jc_streq(dhcp, "1"));
	cells[7] = effective(config, d->ip6_addr, "ip6_addr");
	cells[8] = xstrdup(tmpl && strcmp(tmpl, "none") != 0 ? tmpl : "-");
	cells[9] = xstrdup(jc_streq(basejail, "1") ? "yes" : "no");
}

/* JID and STATE of a running jail; jc_runtime_status reads only the name (and cleans up
 * the record of a jail that died), so no full jail needs to be opened per row. */
static void fill_state(struct jc_ctx *ctx, const char *name, char **cells)
{
	struct jc_jail jail = { .name = (char *)name };
	struct jc_run_state st;
	struct jc_error err = { 0 };
	if (jc_runtime_status(ctx, &jail, &st, &err) < 0 || !st.running)
		return;
	free(cells[0]);
	cells[0] = xasprintf("%d", st.jid);
	free(cells[3]);
	cells[3] = xstrdup("up");
	/* A running DHCP jail: the lease it holds now (issue: "DHCP and the live address"). */
	if (jc_streq(cells[6], "DHCP")) {
		cleanup_free char *live = jc_net_live_ip4(ctx, NULL, st.init_pid);
		if (live && *live) {
			live[strcspn(live, "/")] = '\0';
			free(cells[6]);
			cells[6] = xasprintf("DHCP (%s)", live);
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

static json_t *row_json(const char *const *cols, size_t n, char **cells)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *key = xstrdup(cols[i]);
		for (char *p = key; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		json_object_set_new(obj, key, json_string(cells[i]));
	}
	return obj;
}

/* Map a long-format row to the columns shown. */
static void project_row(char **full, const struct list_opts *o, const char **out)
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

static bool has_record(char **recorded, const char *name)
{
	return bsearch(&name, recorded, jc_strv_len(recorded), sizeof(char *), compare_strs) != NULL;
}

static void add_jail_rows(struct jc_ctx *ctx, const struct list_opts *o, DIR *d,
			  const char *dir, struct cli_table *t, json_t *arr,
			  const char *const *cols, size_t ncols)
{
	struct list_defaults defs;
	list_defaults_init(ctx, &defs);
	cleanup_strv char **recorded = NULL;
	struct jc_error rerr = { 0 };
	if (jc_runtime_recorded_names(ctx, &recorded, &rerr) < 0)
		recorded = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Dot entries are work in progress (being created or destroyed): never listed. */
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *cfg_path = xasprintf("%s/%s/config.json", dir, de->d_name);
		json_t *config = NULL;
		struct jc_error err = { 0 };
		if (jc_json_read_object(cfg_path, &config, &err) < 0)
			config = NULL;
		char *full[10] = { 0 };
		fill_row(&defs, de->d_name, config, o->longfmt, full);
		if (config && !o->templates && has_record(recorded, de->d_name))
			fill_state(ctx, de->d_name, full);
		json_decref(config);
		if (!o->basejails || jc_streq(full[9], "yes")) {
			const char *cells[10] = { 0 };
			project_row(full, o, cells);
			cli_table_add(t, cells);
			json_array_append_new(arr, row_json(cols, ncols, (char **)cells));
		}
		for (size_t i = 0; i < 10; i++)
			free(full[i]);
	}
	list_defaults_release(&defs);
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
	cleanup_free char *dir = xasprintf("%s/%s", ctx->iocroot, o.templates ? "templates" : "jails");
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return cli_failf("%s: %s", dir, strerror(errno));
	struct cli_table *t = cli_table_new(ncols, (const char *const *)cols);
	json_t *arr = json_array();
	add_jail_rows(ctx, &o, d, dir, t, arr, cols, ncols);
	cli_table_sort(t, (size_t)sort_col, strcmp(cols[sort_col], "JID") == 0);
	if (o.json) {
		cleanup_free char *text = jc_json_dump(arr);
		fputs(text, stdout);
	} else {
		cli_table_print(t, o.scripting);
	}
	json_decref(arr);
	cli_table_free(t);
	return 0;
}
