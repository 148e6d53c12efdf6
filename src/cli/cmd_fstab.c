/* fstab: a jail's mount points, iocage's format, live on a running jail. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "fstab.h"
#include "jail.h"
#include "runtime.h"
#include "util.h"

enum fstab_action { FSTAB_NONE, FSTAB_ADD, FSTAB_REMOVE, FSTAB_REPLACE, FSTAB_LIST, FSTAB_EDIT };

struct fstab_opts {
	enum fstab_action action;
	long index;
	bool scripting, json;
};

static int parse_fstab_opts(int argc, char **argv, struct fstab_opts *o)
{
	static const struct option opts[] = {
		{ "add", no_argument, NULL, 'a' },
		{ "remove", no_argument, NULL, 'r' },
		{ "replace", required_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "edit", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	/* '+': the entry that follows JAIL may itself contain words starting with '-'. */
	while ((c = getopt_long(argc, argv, "+arR:lehH", opts, NULL)) != -1) {
		enum fstab_action a = FSTAB_NONE;
		switch (c) {
		case 'a': a = FSTAB_ADD; break;
		case 'r': a = FSTAB_REMOVE; break;
		case 'R':
			a = FSTAB_REPLACE;
			if (jc_parse_long(optarg, &o->index) < 0 || o->index < 0)
				return cli_usage("fstab", "-R: '%s' is not an index", optarg);
			break;
		case 'l': a = FSTAB_LIST; break;
		case 'e': a = FSTAB_EDIT; break;
		case 'h':
		case 'H': o->scripting = true; continue;
		case 'J': o->json = true; continue;
		default: return cli_usage("fstab", "unknown option");
		}
		if (o->action != FSTAB_NONE)
			return cli_usage("fstab", "choose one of -a, -r, -R, -l, -e");
		o->action = a;
	}
	if (o->action == FSTAB_NONE)
		return cli_usage("fstab", "choose one of -a, -r, -R, -l, -e");
	if (optind >= argc)
		return cli_usage("fstab", "expected a JAIL");
	return 0;
}

static int list_fstab(const struct jc_jail *jail, const struct jc_fstab *f, const struct fstab_opts *o)
{
	if (o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < f->n; i++) {
			const struct jc_fstab_entry *e = &f->entries[i];
			json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:b}", "index", (json_int_t)i,
							     "source", e->src, "destination",
							     jc_jail_fstab_jail_path(jail, e), "fstype", e->fstype,
							     "options", e->opts, "system", e->system));
		}
		char *text = json_dumps(arr, JSON_INDENT(4));
		printf("%s\n", text);
		free(text);
		json_decref(arr);
		return 0;
	}
	const char *cols[] = { "INDEX", "FSTAB ENTRY" };
	struct cli_table *t = cli_table_new(2, cols);
	for (size_t i = 0; i < f->n; i++) {
		cleanup_free char *idx = xasprintf("%zu", i);
		cleanup_free char *line = jc_fstab_format_entry(&f->entries[i]);
		const char *cells[] = { idx, line };
		cli_table_add(t, cells);
	}
	cli_table_print(t, o->scripting);
	cli_table_free(t);
	return 0;
}

static long find_entry(const struct jc_jail *jail, const struct jc_fstab *f, const char *text)
{
	long idx = -1;
	if (jc_parse_long(text, &idx) == 0)
		return idx >= 0 && (size_t)idx < f->n ? idx : -1;
	struct jc_fstab_entry want;
	struct jc_error err = { 0 };
	if (jc_fstab_parse_line(text, &want, &err) < 0)
		return -1;
	long found = -1;
	for (size_t i = 0; i < f->n && found < 0; i++) {
		const struct jc_fstab_entry *e = &f->entries[i];
		if (strcmp(e->src, want.src) == 0 && strcmp(jc_jail_fstab_jail_path(jail, e), want.dst) == 0)
			found = (long)i;
	}
	jc_fstab_entry_release(&want);
	return found;
}

struct fstab_job {
	struct jc_ctx *ctx;
	struct jc_jail *jail;
	struct jc_fstab fstab;
	bool running;
};

static int add_entry(struct fstab_job *job, const char *text, long replace_index)
{
	struct jc_error err = { 0 };
	struct jc_fstab_entry e;
	if (jc_jail_fstab_prepare(job->ctx, job->jail, text, &e, &err) < 0)
		return cli_fail(&err);
	if (replace_index >= 0) {
		if ((size_t)replace_index >= job->fstab.n) {
			jc_fstab_entry_release(&e);
			return cli_failf("fstab: %s has no entry %ld", job->jail->name, replace_index);
		}
		if (job->running && jc_runtime_umount_entry(job->ctx, job->jail, &job->fstab.entries[replace_index], &err) < 0) {
			jc_fstab_entry_release(&e);
			return cli_fail(&err);
		}
		jc_fstab_entry_release(&job->fstab.entries[replace_index]);
		job->fstab.entries[replace_index] = e;
	} else {
		jc_fstab_add(&job->fstab, &e);
	}
	const struct jc_fstab_entry *added = replace_index >= 0 ? &job->fstab.entries[replace_index]
								: &job->fstab.entries[job->fstab.n - 1];
	if (job->running && jc_runtime_mount_entry(job->ctx, job->jail, added, &err) < 0)
		return cli_fail(&err);
	if (jc_fstab_write(job->jail->fstab, &job->fstab, &err) < 0)
		return cli_fail(&err);
	printf("Successfully added mount to %s's fstab\n", job->jail->name);
	return 0;
}

static int remove_entry(struct fstab_job *job, const char *text)
{
	struct jc_error err = { 0 };
	long idx = find_entry(job->jail, &job->fstab, text);
	if (idx < 0)
		return cli_failf("fstab: %s: no such entry in %s's fstab", text, job->jail->name);
	if (job->fstab.entries[idx].system)
		return cli_failf("fstab: entry %ld is a basejail SYSTEM mount and cannot be removed", idx);
	if (job->running && jc_runtime_umount_entry(job->ctx, job->jail, &job->fstab.entries[idx], &err) < 0)
		return cli_fail(&err);
	jc_fstab_remove(&job->fstab, (size_t)idx);
	if (jc_fstab_write(job->jail->fstab, &job->fstab, &err) < 0)
		return cli_fail(&err);
	printf("Successfully removed mount from %s's fstab\n", job->jail->name);
	return 0;
}

/* -e: edit a copy with $EDITOR (argv split on blanks, no shell), check it, then replace. */
static int edit_fstab(struct fstab_job *job)
{
	struct jc_error err = { 0 };
	cleanup_free char *tmp = xasprintf("%s.edit.%ld", job->jail->fstab, (long)getpid());
	if (jc_fstab_write(tmp, &job->fstab, &err) < 0)
		return cli_fail(&err);
	const char *editor = getenv("EDITOR");
	cleanup_strv char **argv = jc_strsplit(editor && *editor ? editor : "vi", " \t");
	jc_strv_push(&argv, tmp);
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	struct jc_fstab edited;
	int rc = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = cli_failf("fstab: editor %s failed; %s unchanged", argv[0], job->jail->fstab);
	else if (jc_fstab_read(tmp, &edited, &err) < 0)
		rc = cli_fail(&err);
	else {
		if (jc_fstab_write(job->jail->fstab, &edited, &err) < 0)
			rc = cli_fail(&err);
		jc_fstab_release(&edited);
		if (rc == 0 && job->running)
			printf("%s is running: restart it for the edited fstab to take effect\n", job->jail->name);
	}
	unlink(tmp);
	return rc;
}

int cmd_fstab(struct jc_ctx *ctx, int argc, char **argv)
{
	struct fstab_opts o = { .index = -1 };
	int r = parse_fstab_opts(argc, argv, &o);
	if (r)
		return r;
	struct jc_error err = { 0 };
	struct fstab_job job = { .ctx = ctx };
	if (jc_jail_open(ctx, argv[optind], &job.jail, &err) < 0)
		return cli_fail(&err);
	/* The entry: one quoted argument or several words joined with spaces. */
	cleanup_free char *entry = jc_strv_join(argv + optind + 1, " ");
	cleanup_close int lock_fd = -1;
	struct jc_run_state st = { 0 };
	int rc = 0;
	if (jc_jail_lock(ctx, job.jail->name, &lock_fd, &err) < 0 ||
	    jc_fstab_read(job.jail->fstab, &job.fstab, &err) < 0 ||
	    jc_runtime_status(ctx, job.jail, &st, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	job.running = st.running;
	bool needs_entry = o.action == FSTAB_ADD || o.action == FSTAB_REMOVE || o.action == FSTAB_REPLACE;
	if (needs_entry && !*entry) {
		rc = cli_usage("fstab", "expected an ENTRY");
		goto out;
	}
	switch (o.action) {
	case FSTAB_ADD: rc = add_entry(&job, entry, -1); break;
	case FSTAB_REPLACE: rc = add_entry(&job, entry, o.index); break;
	case FSTAB_REMOVE: rc = remove_entry(&job, entry); break;
	case FSTAB_LIST: rc = list_fstab(job.jail, &job.fstab, &o); break;
	case FSTAB_EDIT: rc = edit_fstab(&job); break;
	case FSTAB_NONE: break;
	}
out:
	jc_fstab_release(&job.fstab);
	jc_jail_free(job.jail);
	return rc;
}
