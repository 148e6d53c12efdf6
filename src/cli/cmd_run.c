/* start / stop / restart / exec / console. --rc and ALL order jails by priority (ascending
 * to start, descending to stop) and by depends; jails of equal standing run in parallel,
 * one worker process each, and one failure does not stop the others. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "dynlib.h"
#include "jail.h"
#include "runtime.h"
#include "util.h"

enum rc_state { RC_PENDING, RC_DONE, RC_FAILED };

struct rc_jail {
	char *name;
	long prio;       /* priority, lowered to that of any jail that depends on it */
	char **deps;     /* names from its depends property */
	size_t *dep;     /* the same, as indexes into the set */
	size_t ndep;
	bool selected;
	enum rc_state state;
};

struct rc_set {
	struct rc_jail *j;
	size_t n;
};

static void rc_free(struct rc_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->j[i].name);
		jc_strv_free(s->j[i].deps);
		free(s->j[i].dep);
	}
	free(s->j);
}

static ssize_t rc_find(const struct rc_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->j[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static bool is_running(struct jc_ctx *ctx, struct jc_jail *jail)
{
	struct jc_run_state st;
	struct jc_error err = { 0 };
	return jc_runtime_status(ctx, jail, &st, &err) == 0 && st.running;
}

/* Every jail with its priority and depends; select: boot=1 (rc) or all, and for stop only
 * running ones. */
static int rc_load(struct jc_ctx *ctx, bool rc, bool stopping, struct rc_set *s)
{
	struct jc_error err = { 0 };
	cleanup_strv char **names = NULL;
	if (jc_jail_names(ctx, false, &names, &err) < 0)
		return cli_fail(&err);
	s->n = jc_strv_len(names);
	s->j = xcalloc(s->n, sizeof(*s->j));
	for (size_t i = 0; i < s->n; i++) {
		struct rc_jail *r = &s->j[i];
		r->name = xstrdup(names[i]);
		struct jc_jail *jail = NULL;
		if (jc_jail_open_exact(ctx, names[i], false, &jail, &err) < 0 || !jail->effective) {
			r->deps = xcalloc(1, sizeof(char *));
			jc_jail_free(jail);
			continue;   /* corrupt: list shows it; rc leaves it alone */
		}
		r->prio = jc_jail_get_long(jail, "priority", 99);
		cleanup_free char *deps = jc_jail_get(jail, "depends");
		r->deps = jc_strsplit(deps && strcmp(deps, "none") != 0 ? deps : "", " ,");
		r->selected = (!rc || jc_jail_get_bool(jail, "boot")) &&
			      (!stopping || is_running(ctx, jail));
		jc_jail_free(jail);
	}
	return 0;
}

/* Dependencies of selected jails are selected too (start only); a dependency that does
 * not exist fails its dependent. */
static void rc_link(struct rc_set *s, bool add_deps)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < s->n; i++) {
			struct rc_jail *r = &s->j[i];
			if (!r->selected || r->dep)
				continue;
			r->dep = xcalloc(jc_strv_len(r->deps) + 1, sizeof(size_t));
			for (size_t k = 0; r->deps[k]; k++) {
				ssize_t d = rc_find(s, r->deps[k]);
				if (d < 0) {
					cli_failf("%s: depends on %s, which does not exist", r->name, r->deps[k]);
					r->state = RC_FAILED;
					continue;
				}
				r->dep[r->ndep++] = (size_t)d;
				if (add_deps && !s->j[d].selected) {
					s->j[d].selected = true;
					changed = true;
				}
			}
		}
	}
	/* A dependency starts no later than the most urgent jail that needs it. */
	for (size_t round = 0; round < s->n; round++)
		for (size_t i = 0; i < s->n; i++)
			for (size_t k = 0; s->j[i].selected && k < s->j[i].ndep; k++)
				if (s->j[s->j[i].dep[k]].prio > s->j[i].prio)
					s->j[s->j[i].dep[k]].prio = s->j[i].prio;
}

/* start: ready when every dependency is done; stop: when every selected jail that
 * depends on it is done. -1: waits; 0: ready; 1: can never run (failed dependency). */
static int rc_ready(const struct rc_set *s, size_t i, bool stopping)
{
	if (!stopping) {
		for (size_t k = 0; k < s->j[i].ndep; k++) {
			enum rc_state d = s->j[s->j[i].dep[k]].state;
			if (d == RC_FAILED)
				return 1;
			if (d == RC_PENDING)
				return -1;
		}
		return 0;
	}
	for (size_t o = 0; o < s->n; o++)
		for (size_t k = 0; s->j[o].selected && k < s->j[o].ndep; k++)
			if (s->j[o].dep[k] == i && s->j[o].state == RC_PENDING && o != i)
				return -1;
	return 0;
}

typedef int (*jail_action)(struct jc_ctx *ctx, const char *name, bool force);

/* Run action on every jail of the group: in this process for one, else one worker each. */
static void rc_run_group(struct jc_ctx *ctx, struct rc_set *s, const size_t *group, size_t n,
			 jail_action act, bool force)
{
	if (n == 1) {
		s->j[group[0]].state = act(ctx, s->j[group[0]].name, force) == 0 ? RC_DONE : RC_FAILED;
		return;
	}
	cleanup_free pid_t *pids = xcalloc(n, sizeof(pid_t));
	fflush(NULL);
	for (size_t i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(act(ctx, s->j[group[i]].name, force) == 0 ? 0 : 1);
	}
	for (size_t i = 0; i < n; i++) {
		int ws = 0;
		bool ok = pids[i] > 0 && waitpid(pids[i], &ws, 0) == pids[i] && WIFEXITED(ws) &&
			  WEXITSTATUS(ws) == 0;
		if (pids[i] < 0)
			cli_failf("%s: cannot fork a worker", s->j[group[i]].name);
		s->j[group[i]].state = ok ? RC_DONE : RC_FAILED;
	}
}

static void rc_fail_blocked(struct rc_set *s, bool stopping)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!s->j[i].selected || s->j[i].state != RC_PENDING)
			continue;
		int ready = rc_ready(s, i, stopping);
		if (ready == 1) {
			cli_failf("%s: not started: a jail it depends on failed", s->j[i].name);
			s->j[i].state = RC_FAILED;
		}
	}
}

/* Waves: among the ready jails, the most urgent priority goes next, all of it at once. */
static int rc_execute(struct jc_ctx *ctx, struct rc_set *s, bool stopping, jail_action act,
		      bool force)
{
	cleanup_free size_t *group = xcalloc(s->n + 1, sizeof(size_t));
	for (;;) {
		rc_fail_blocked(s, stopping);
		bool found = false, pending = false;
		long best = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (!s->j[i].selected || s->j[i].state != RC_PENDING)
				continue;
			pending = true;
			if (rc_ready(s, i, stopping) != 0)
				continue;
			if (!found || (stopping ? s->j[i].prio > best : s->j[i].prio < best))
				best = s->j[i].prio;
			found = true;
		}
		if (!pending)
			break;
		if (!found) {
			for (size_t i = 0; i < s->n; i++) {
				if (s->j[i].selected && s->j[i].state == RC_PENDING) {
					cli_failf("%s: dependency cycle in 'depends'", s->j[i].name);
					s->j[i].state = RC_FAILED;
				}
			}
			break;
		}
		size_t n = 0;
		for (size_t i = 0; i < s->n; i++)
			if (s->j[i].selected && s->j[i].state == RC_PENDING && rc_ready(s, i, stopping) == 0 &&
			    s->j[i].prio == best)
				group[n++] = i;
		rc_run_group(ctx, s, group, n, act, force);
	}
	int rc = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->j[i].selected && s->j[i].state == RC_FAILED)
			rc = EXIT_FAIL;
	return rc;
}

static int rc_all(struct jc_ctx *ctx, bool rc, bool stopping, jail_action act, bool force)
{
	struct rc_set s = { 0 };
	int r = rc_load(ctx, rc, stopping, &s);
	if (r == 0) {
		rc_link(&s, !stopping);
		r = rc_execute(ctx, &s, stopping, act, force);
	}
	rc_free(&s);
	return r;
}

/* ---- one jail ---- */

static int open_jail(struct jc_ctx *ctx, const char *name, struct jc_jail **out)
{
	struct jc_error err = { 0 };
	if (jc_jail_open(ctx, name, out, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* The static jailctl (dynlib.h) starts and stops one jail without networking itself;
 * for more it is replaced by jailctl-full before anything is done. */
static bool static_one_jail(int argc, char **argv, bool batch_option)
{
	return jc_dl_available() ||
	       (!batch_option && argc - optind == 1 && strcmp(argv[optind], "ALL") != 0);
}

/* Opened, nothing done yet: the last moment to hand the jail to jailctl-full. */
static int open_jail_here(struct jc_ctx *ctx, const char *name, struct jc_jail **out)
{
	int rc = open_jail(ctx, name, out);
	if (rc == 0 && !jc_dl_available() && jc_runtime_needs_libs(ctx, *out)) {
		jc_jail_free(*out);
		*out = NULL;
		return cli_exec_full();
	}
	return rc;
}

/* In a batch (--rc, ALL) a jail that is already up is not an error. Frees jail. */
static int start_opened(struct jc_ctx *ctx, struct jc_jail *jail, bool batch)
{
	int rc = 0;
	struct jc_error err = { 0 };
	if (batch && is_running(ctx, jail))
		jc_notice(ctx, "%s is already running", jail->name);
	else if (jc_runtime_start(ctx, jail, &err) < 0)
		rc = cli_fail(&err);
	jc_jail_free(jail);
	return rc;
}

static int start_one(struct jc_ctx *ctx, const char *name, bool batch)
{
	struct jc_jail *jail = NULL;
	int rc = open_jail(ctx, name, &jail);
	return rc ? rc : start_opened(ctx, jail, batch);
}

static int start_batch(struct jc_ctx *ctx, const char *name, bool force)
{
	(void)force;
	return start_one(ctx, name, true);
}

static int stop_one(struct jc_ctx *ctx, const char *name, bool force)
{
	struct jc_jail *jail = NULL;
	int rc = open_jail_here(ctx, name, &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	if (jc_runtime_stop(ctx, jail, force, &err) < 0)
		rc = cli_fail(&err);
	jc_jail_free(jail);
	return rc;
}

/* iocage's start of one jail brings up what it depends on first, recursively. */
static int start_with_deps(struct jc_ctx *ctx, const char *name, char ***chain)
{
	for (size_t i = 0; *chain && (*chain)[i]; i++)
		if (strcmp((*chain)[i], name) == 0)
			return cli_failf("%s: dependency cycle in 'depends'", name);
	struct jc_jail *jail = NULL;
	int rc = open_jail_here(ctx, name, &jail);
	if (rc)
		return rc;
	cleanup_free char *deps = jc_jail_get(jail, "depends");
	cleanup_strv char **v = jc_strsplit(deps && strcmp(deps, "none") != 0 ? deps : "", " ,");
	if (!v[0])
		return start_opened(ctx, jail, false);   /* the usual case: no second open */
	if (!jc_dl_available()) {
		jc_jail_free(jail);
		return cli_exec_full();   /* its dependencies may have networking */
	}
	cleanup_free char *real = xstrdup(jail->name);
	jc_jail_free(jail);
	jc_strv_push(chain, real);
	for (size_t i = 0; rc == 0 && v[i]; i++) {
		struct jc_jail *dep = NULL;
		rc = open_jail(ctx, v[i], &dep);
		bool up = rc == 0 && is_running(ctx, dep);
		jc_jail_free(dep);
		if (rc == 0 && !up)
			rc = start_with_deps(ctx, v[i], chain);
	}
	size_t top = jc_strv_len(*chain) - 1;
	free((*chain)[top]);
	(*chain)[top] = NULL;
	return rc ? rc : start_one(ctx, real, false);
}

static int load(struct jc_ctx *ctx)
{
	struct jc_error err = { 0 };
	return jc_ctx_load_defaults(ctx, &err) < 0 ? cli_fail(&err) : 0;
}

/* ---- commands ---- */

int cmd_start(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "rc", no_argument, NULL, 'R' }, { NULL, 0, NULL, 0 } };
	bool rc = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'R')
			return cli_usage("start", "unknown option");
		rc = true;
	}
	if (!rc && optind >= argc)
		return cli_usage("start", "a jail name, ALL or --rc is required");
	if (!static_one_jail(argc, argv, rc))
		return cli_exec_full();
	if (load(ctx))
		return EXIT_FAIL;
	if (rc)
		return rc_all(ctx, true, false, start_batch, false);
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		cleanup_strv char **chain = NULL;
		int r = strcmp(argv[i], "ALL") == 0 ? rc_all(ctx, false, false, start_batch, false)
						    : start_with_deps(ctx, argv[i], &chain);
		if (r)
			ret = r;
	}
	return ret;
}

int cmd_stop(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "rc", no_argument, NULL, 'R' },
					      { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	bool rc = false, force = false;
	int c;
	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c == 'R')
			rc = true;
		else if (c == 'f')
			force = true;
		else
			return cli_usage("stop", "unknown option");
	}
	if (!rc && optind >= argc)
		return cli_usage("stop", "a jail name, ALL or --rc is required");
	if (!static_one_jail(argc, argv, rc))
		return cli_exec_full();
	if (load(ctx))
		return EXIT_FAIL;
	if (rc)
		return rc_all(ctx, true, true, stop_one, force);
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		int r = strcmp(argv[i], "ALL") == 0 ? rc_all(ctx, false, true, stop_one, force)
						    : stop_one(ctx, argv[i], force);
		if (r)
			ret = r;
	}
	return ret;
}

static int restart_one(struct jc_ctx *ctx, const char *name, bool soft)
{
	struct jc_jail *jail = NULL;
	int rc = open_jail_here(ctx, name, &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	if (soft) {
		if (jc_runtime_restart_soft(ctx, jail, &err) < 0)
			rc = cli_fail(&err);
	} else if ((is_running(ctx, jail) && jc_runtime_stop(ctx, jail, false, &err) < 0) ||
		   jc_runtime_start(ctx, jail, &err) < 0) {
		rc = cli_fail(&err);
	}
	jc_jail_free(jail);
	return rc;
}

int cmd_restart(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "soft", no_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	bool soft = false;
	int c;
	while ((c = getopt_long(argc, argv, "s", opts, NULL)) != -1) {
		if (c != 's')
			return cli_usage("restart", "unknown option");
		soft = true;
	}
	if (optind >= argc)
		return cli_usage("restart", "a jail name or ALL is required");
	if (!static_one_jail(argc, argv, false))
		return cli_exec_full();
	if (load(ctx))
		return EXIT_FAIL;
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		cleanup_strv char **names = NULL;
		struct jc_error err = { 0 };
		if (strcmp(argv[i], "ALL") == 0 && jc_jail_names(ctx, false, &names, &err) < 0)
			return cli_fail(&err);
		if (!names)
			jc_strv_push(&names, argv[i]);
		for (size_t k = 0; names[k]; k++)
			if (restart_one(ctx, names[k], soft))
				ret = EXIT_FAIL;
	}
	return ret;
}

/* Open a jail for exec/console, starting it first with -f. */
static int open_running(struct jc_ctx *ctx, const char *name, bool force, struct jc_jail **out)
{
	int rc = force ? open_jail_here(ctx, name, out) : open_jail(ctx, name, out);
	if (rc || !force || is_running(ctx, *out))
		return rc;
	struct jc_error err = { 0 };
	if (jc_runtime_start(ctx, *out, &err) < 0) {
		jc_jail_free(*out);
		*out = NULL;
		return cli_fail(&err);
	}
	return 0;
}

int cmd_exec(struct jc_ctx *ctx, int argc, char **argv)
{
	const char *user = NULL;
	bool force = false;
	int c;
	/* '+': options end at NAME, so CMD keeps its own flags. */
	while ((c = getopt(argc, argv, "+U:f")) != -1) {
		if (c == 'U')
			user = optarg;
		else if (c == 'f')
			force = true;
		else
			return cli_usage("exec", "unknown option");
	}
	if (argc - optind < 2)
		return cli_usage("exec", "a jail name and a command are required");
	if (load(ctx))
		return EXIT_FAIL;
	struct jc_jail *jail = NULL;
	int rc = open_running(ctx, argv[optind], force, &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	int status = 0;
	if (jc_runtime_exec(ctx, jail, user, argv + optind + 1, &status, &err) < 0)
		status = cli_fail(&err);
	jc_jail_free(jail);
	return status;
}

int cmd_console(struct jc_ctx *ctx, int argc, char **argv)
{
	bool force = false;
	int c;
	while ((c = getopt(argc, argv, "f")) != -1) {
		if (c != 'f')
			return cli_usage("console", "unknown option");
		force = true;
	}
	if (argc - optind != 1)
		return cli_usage("console", "one jail name is required");
	if (load(ctx))
		return EXIT_FAIL;
	struct jc_jail *jail = NULL;
	int rc = open_running(ctx, argv[optind], force, &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	if (jc_runtime_console(ctx, jail, &err) < 0)
		rc = cli_fail(&err);
	jc_jail_free(jail);
	return rc;
}
