/* fetch, destroy (-r), clean (-r) and the release listings of list -r / list -R. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "release.h"
#include "util.h"

/* ---- progress display ---- */

struct progress {
	bool tty;          /* stderr is a terminal: redraw a bar there */
	char *what;        /* current phase */
	double start;      /* phase start, seconds */
	double last_draw;
	uint64_t last_done;
	int last_tenth;    /* plain output: last 10% step printed */
	uint64_t last_plain;
	bool bar_open;     /* a bar line without its newline yet */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < JC_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

static void progress_finish(struct progress *p)
{
	if (p->bar_open) {
		fputc('\n', stderr);
		p->bar_open = false;
	}
}

static void draw_bar(struct progress *p, uint64_t done, uint64_t total, double elapsed)
{
	char sdone[32], stotal[32], srate[32];
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	fmt_bytes(done, sdone, sizeof(sdone));
	fmt_bytes((uint64_t)rate, srate, sizeof(srate));
	if (total == 0) {
		fprintf(stderr, "\r  %s  %s/s        ", sdone, srate);
	} else {
		int pct = (int)(done * 100 / total);
		int fill = pct / 5;
		char bar[21];
		for (int i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : ' ';
		bar[20] = '\0';
		fmt_bytes(total, stotal, sizeof(stotal));
		long eta = rate > 0 ? (long)((double)(total - done) / rate) : 0;
		fprintf(stderr, "\r  [%s] %3d%%  %s / %s  %s/s  ETA %ld:%02ld   ", bar, pct, sdone,
			stotal, srate, eta / 60, eta % 60);
	}
	fflush(stderr);
	p->bar_open = true;
}

static void plain_line(struct progress *p, uint64_t done, uint64_t total)
{
	char sdone[32], stotal[32];
	fmt_bytes(done, sdone, sizeof(sdone));
	if (total > 0) {
		int tenth = (int)(done * 10 / total);
		if (tenth <= p->last_tenth)
			return;
		p->last_tenth = tenth;
		fmt_bytes(total, stotal, sizeof(stotal));
		printf("  %d%% (%s of %s)\n", tenth * 10, sdone, stotal);
	} else {
		/* Unknown size: a line every 16 MiB. */
		if (done < p->last_plain + (16u << 20))
			return;
		p->last_plain = done;
		printf("  %s\n", sdone);
	}
	fflush(stdout);
}

static void on_progress(void *user, const char *what, uint64_t done, uint64_t total)
{
	struct progress *p = user;
	if (!p->what || strcmp(p->what, what) != 0) {
		progress_finish(p);
		free(p->what);
		p->what = xstrdup(what);
		printf("%s\n", what);
		fflush(stdout);
		p->start = now_seconds();
		p->last_draw = 0;
		p->last_done = 0;
		p->last_tenth = 0;
		p->last_plain = 0;
	}
	if (done == 0 && total == 0)
		return;
	if (!p->tty) {
		plain_line(p, done, total);
		return;
	}
	double t = now_seconds();
	bool completes = total && done >= total && p->last_done < total;
	if (done == p->last_done || (t - p->last_draw < 0.1 && !completes))
		return;
	p->last_draw = t;
	p->last_done = done;
	draw_bar(p, done, total, t - p->start);
}

/* ---- fetch ---- */

static int print_names(char **names, bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; names[i]; i++)
			json_array_append_new(arr, json_string(names[i]));
		cleanup_free char *text = jc_json_dump(arr);
		json_decref(arr);
		fputs(text, stdout);
		return 0;
	}
	for (size_t i = 0; names[i]; i++)
		printf("%s\n", names[i]);
	return 0;
}

int cli_list_remote(struct jc_ctx *ctx, const char *server, bool scripting, bool json)
{
	(void)scripting; /* a plain list either way, as iocage prints it */
	struct jc_error err = { 0 };
	cleanup_strv char **names = NULL;
	if (jc_release_list_remote(ctx, server, &names, &err) < 0)
		return cli_fail(&err);
	return print_names(names, json);
}

static int parse_fetch(int argc, char **argv, struct jc_fetch_opts *o)
{
	static const struct option opts[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "server", required_argument, NULL, 's' },
		{ "file", required_argument, NULL, 'f' },
		{ "sha256", required_argument, NULL, 'S' },
		{ "noverify", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "r:s:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->release = optarg; break;
		case 's': o->server = optarg; break;
		case 'f': o->file = optarg; break;
		case 'S': o->sha256 = optarg; break;
		case 'N': o->noverify = true; break;
		default: return cli_usage("fetch", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage("fetch", "unexpected argument '%s'", argv[optind]);
	if (o->file && !o->release)
		return cli_usage("fetch", "-f FILE needs -r NAME (the name of the new release)");
	if (o->file && o->server)
		return cli_usage("fetch", "-f and -s cannot be combined");
	if (o->sha256 && !o->file)
		return cli_usage("fetch", "--sha256 needs -f FILE");
	return 0;
}

int cmd_fetch(struct jc_ctx *ctx, int argc, char **argv)
{
	struct jc_fetch_opts o = { 0 };
	int rc = parse_fetch(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.release)
		return cli_list_remote(ctx, o.server, false, false);
	struct jc_error err = { 0 };
	if (jc_release_validate_name(o.release, &err) < 0)
		return cli_fail(&err);
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	if (jc_release_exists(ctx, o.release)) {
		printf("%s is already fetched (destroy -r %s to fetch it again)\n", o.release, o.release);
		return 0;
	}
	struct progress p = { .tty = isatty(STDERR_FILENO) == 1 };
	o.progress = on_progress;
	o.progress_user = &p;
	printf("Fetching: %s\n", o.release);
	fflush(stdout);
	int r = jc_release_fetch(ctx, &o, &err);
	progress_finish(&p);
	free(p.what);
	if (r < 0)
		return cli_fail(&err);
	printf("%s fetched\n", o.release);
	return 0;
}

/* ---- list -r ---- */

int cli_list_releases(struct jc_ctx *ctx, bool scripting, bool json)
{
	struct jc_error err = { 0 };
	if (jc_release_clean_leftovers(ctx, &err) < 0)
		return cli_fail(&err);
	struct jc_release_info *infos = NULL;
	size_t n = 0;
	if (jc_release_list(ctx, &infos, &n, &err) < 0)
		return cli_fail(&err);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:s, s:s}",
				"name", infos[i].name, "source", infos[i].source,
				"size", (json_int_t)infos[i].size, "date", infos[i].date,
				"sha256", infos[i].sha256));
		cleanup_free char *text = jc_json_dump(arr);
		json_decref(arr);
		fputs(text, stdout);
	} else {
		static const char *const header[] = { "Bases fetched" };
		struct cli_table *t = cli_table_new(1, header);
		for (size_t i = 0; i < n; i++)
			cli_table_add(t, (const char *const *)&infos[i].name);
		cli_table_print(t, scripting);
		cli_table_free(t);
	}
	jc_release_info_free(infos, n);
	return 0;
}

/* ---- destroy -r ---- */

struct destroy_opts {
	bool force, release, recursive, download;
};

static int parse_destroy(int argc, char **argv, struct destroy_opts *o)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "release", no_argument, NULL, 'r' },
		{ "recursive", no_argument, NULL, 'R' },
		{ "download", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "frRd", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->force = true; break;
		case 'r': o->release = true; break;
		case 'R': o->recursive = true; break;
		case 'd': o->download = true; break;
		default: return cli_usage("destroy", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage("destroy", "expected at least one NAME");
	if (o->download && !o->release)
		return cli_usage("destroy", "-d needs -r");
	return 0;
}

static bool release_listed(struct jc_ctx *ctx, const char *name)
{
	struct jc_release_info *infos = NULL;
	size_t n = 0;
	struct jc_error err = { 0 };
	bool found = false;
	if (jc_release_list(ctx, &infos, &n, &err) == 0)
		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(infos[i].name, name) == 0;
	jc_release_info_free(infos, n);
	return found;
}

static int destroy_release(struct jc_ctx *ctx, const char *name, const struct destroy_opts *o)
{
	struct jc_error err = { 0 };
	if (!o->download && !release_listed(ctx, name))
		return cli_failf("%s: no such release", name);
	cleanup_strv char **users = NULL;
	if (jc_release_users(ctx, name, &users, &err) < 0)
		return cli_fail(&err);
	cleanup_free char *list = jc_strv_join(users, ", ");
	if (users[0] && !o->recursive)
		return cli_failf("%s: release is used by %s (-R destroys them too)", name, list);
	cleanup_free char *question = users[0] ?
		xasprintf("This will destroy RELEASE %s and the jails using it: %s", name, list) :
		xasprintf("This will destroy RELEASE %s", name);
	if (!o->force && !cli_confirm(question)) {
		printf("Not destroying %s\n", name);
		return 0;
	}
	if (users[0]) {
		int rc = cli_destroy_jails(ctx, users, jc_strv_len(users), true, true);
		if (rc)
			return rc;
	}
	if (jc_release_destroy(ctx, name, o->download, &err) < 0)
		return cli_fail(&err);
	printf("Destroyed %s\n", name);
	return 0;
}

int cmd_destroy(struct jc_ctx *ctx, int argc, char **argv)
{
	struct destroy_opts o = { 0 };
	int rc = parse_destroy(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.release)
		return cli_destroy_jails(ctx, argv + optind, (size_t)(argc - optind), o.force, o.recursive);
	struct jc_error err = { 0 };
	for (int i = optind; i < argc; i++)
		if (jc_release_validate_name(argv[i], &err) < 0)
			return cli_fail(&err);
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_release_clean_leftovers(ctx, &err) < 0)
		return cli_fail(&err);
	for (int i = optind; i < argc; i++) {
		rc = destroy_release(ctx, argv[i], &o);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- clean ---- */

static int clean_releases(struct jc_ctx *ctx)
{
	struct jc_error err = { 0 };
	if (jc_release_clean_all(ctx, &err) < 0)
		return cli_fail(&err);
	printf("All RELEASEs and downloads destroyed\n");
	return 0;
}

/* -a: jails first (they use templates and releases), then templates, images, releases. */
static int clean_kind(struct jc_ctx *ctx, int kind)
{
	int rc = 0;
	if (kind == 'j' || kind == 'a')
		rc = cli_clean_jails(ctx, false);
	if (rc == 0 && (kind == 't' || kind == 'a'))
		rc = cli_clean_jails(ctx, true);
	if (rc == 0 && (kind == 'i' || kind == 'a'))
		rc = cli_clean_images(ctx);
	if (rc == 0 && (kind == 'r' || kind == 'a'))
		rc = clean_releases(ctx);
	return rc;
}

static const char *clean_question(int kind)
{
	switch (kind) {
	case 'a': return "This will destroy ALL jails, templates, images, RELEASEs and downloads";
	case 'j': return "This will destroy ALL jails and their snapshots";
	case 't': return "This will destroy ALL templates and their snapshots";
	case 'i': return "This will destroy ALL exported images";
	default: return "This will destroy ALL RELEASEs and their downloads";
	}
}

int cmd_clean(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "jails", no_argument, NULL, 'j' },
		{ "base", no_argument, NULL, 'r' },
		{ "release", no_argument, NULL, 'r' },
		{ "template", no_argument, NULL, 't' },
		{ "images", no_argument, NULL, 'i' },
		{ "debug", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	int kind = 0, c;
	while ((c = getopt_long(argc, argv, "ajrbtidf", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'b': kind = 'r'; break;
		case 'a': case 'j': case 'r': case 't': case 'i': case 'd': kind = c; break;
		default: return cli_usage("clean", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage("clean", "unexpected argument '%s'", argv[optind]);
	if (!kind)
		return cli_usage("clean", "one of -a, -j, -r, -t, -i is required");
	if (kind == 'd')
		return cli_failf("clean -d: not available yet");
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	if (!force && !cli_confirm(clean_question(kind))) {
		printf("Not cleaning\n");
		return 0;
	}
	return clean_kind(ctx, kind);
}
