/* Runtime state of running jails under <run_dir>: <pool_id>/<NAME>.json (JID, the init's
 * pid and start time, cgroups, the restrictions exec must apply) and jids/<N> (host-wide
 * JID reservations). A record is trusted only while its init is the same process (pid and
 * start time), so a host reboot or a killed jail leaves nothing that blocks a start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "kernel_api.h"
#include "runtime_priv.h"
#include "util.h"

enum { INIT_DEATH_WAIT_MS = 10000 };

int rt_read_text(const char *path, char **out)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 512, used = 0;
	cleanup_free char *buf = xmalloc(cap);
	for (;;) {
		if (used + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

void rt_state_release(struct rt_state *st)
{
	free(st->path);
	free(st->root);
	rt_cgroups_release(&st->cg);
	memset(st, 0, sizeof(*st));
}

char *rt_state_path(const struct jc_ctx *ctx, const char *name)
{
	return xasprintf("%s/%s/%s.json", ctx->paths.run_dir, ctx->pool_id, name);
}

static int compare_strs(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the records in d (NAME.json), sorted. */
static char **record_names(DIR *d, size_t *count)
{
	size_t n = 0, cap = 16;
	char **names = xmalloc(cap * sizeof(char *));
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n + 1 == cap)
			names = xrealloc(names, (cap *= 2) * sizeof(char *));
		names[n++] = xstrndup(de->d_name, len - 5);
	}
	names[n] = NULL;
	qsort(names, n, sizeof(char *), compare_strs);
	*count = n;
	return names;
}

/* ---- processes ---- */

unsigned long long rt_pid_start_time(pid_t pid)
{
	char path[64], text[2048];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	/* One read: the record is generated whole, and starttime sits in its first ~300 bytes
	 * (listings check hundreds of inits). */
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* The command name may hold blanks and parentheses: fields start after the last ')'. */
	char *p = strrchr(text, ')');
	const char *f[20];
	size_t nf = 0;
	while (p && *++p && nf < JC_ARRAY_SIZE(f)) {
		if (*p == ' ')
			continue;
		f[nf++] = p;
		p += strcspn(p, " ") - 1;
	}
	if (nf < JC_ARRAY_SIZE(f) || f[0][0] == 'Z' || f[0][0] == 'X')
		return 0;
	return strtoull(f[19], NULL, 10);   /* field 22: starttime */
}

bool rt_pid_alive(pid_t pid, unsigned long long start)
{
	return start != 0 && rt_pid_start_time(pid) == start;
}

int rt_pidfd_checked(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return -ESRCH;
	int fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -ESRCH;
	/* Checked after opening: from here on the pidfd pins this very process. */
	if (!rt_pid_alive(pid, start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* ---- the state file ---- */

static json_t *cgroups_json(const struct rt_cgroups *cg)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < cg->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "path", cg->paths[i],
						     "controller", cg->controllers[i]));
	return arr;
}

static json_t *rlimits_json(const struct rt_state *st)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < st->nrlimits; i++)
		json_array_append_new(arr, json_pack("[i, I]", st->rlimits[i].resource,
						     (json_int_t)st->rlimits[i].value));
	return arr;
}

/* Pids and start times repeat from one boot to the next (a boot that starts the same
 * services starts them at the same tick), so a record also names its boot. */
int rt_state_save(const struct rt_state *st, struct jc_error *err)
{
	char boot[40];
	if (st->boot_id[0])
		memcpy(boot, st->boot_id, sizeof(boot));
	else
		jc_boot_id(boot);
	json_t *o = json_pack("{s:s, s:i, s:b, s:I, s:I, s:I, s:I, s:s, s:o, s:I, s:i, s:o, s:s}",
			      "boot_id", boot, "jid", st->jid, "running", st->running,
			      "init_pid", (json_int_t)st->init_pid,
			      "init_start", (json_int_t)st->init_start,
			      "starter_pid", (json_int_t)st->starter_pid,
			      "starter_start", (json_int_t)st->starter_start,
			      "root", st->root ? st->root : "",
			      "cgroups", cgroups_json(&st->cg),
			      "caps_keep", (json_int_t)st->caps_keep,
			      "seccomp", (int)st->seccomp,
			      "rlimits", rlimits_json(st), "last_started", st->last_started);
	cleanup_free char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	/* Runtime state does not outlive the host, so no fsync: temp file and rename keep
	 * readers from ever seeing a torn record. */
	cleanup_free char *tmp = xasprintf("%s.tmp.%d", st->path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || rename(tmp, st->path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return jc_error_errno(err, e, "%s: write", st->path);
	}
	return 0;
}

static char *bpf_path(const struct rt_state *st)
{
	size_t n = strlen(st->path);
	return xasprintf("%.*s.bpf", (int)(n > 5 ? n - 5 : n), st->path);
}

int rt_state_save_bpf(const struct rt_state *st, const struct rt_bpf *bpf, struct jc_error *err)
{
	cleanup_free char *path = bpf_path(st);
	cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	if (write(fd, bpf->data, bpf->len) != (ssize_t)bpf->len || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return jc_error_errno(err, e, "%s: write", path);
	}
	return 0;
}

void rt_state_load_bpf(const struct rt_state *st, struct rt_bpf *out)
{
	*out = (struct rt_bpf){ 0 };
	cleanup_free char *path = bpf_path(st);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size <= 0 || sb.st_size > 1 << 20 ||
	    sb.st_size % 8 != 0)
		return;   /* the filter is compiled again from the flags */
	out->data = xmalloc((size_t)sb.st_size);
	if (read(fd, out->data, (size_t)sb.st_size) != sb.st_size) {
		rt_bpf_release(out);
		return;
	}
	out->len = (size_t)sb.st_size;
}

void rt_state_remove(const struct rt_state *st)
{
	cleanup_free char *path = bpf_path(st);
	unlink(path);
	rt_init_unlink(st);
	unlink(st->path);
}

static void load_cgroups(json_t *arr, struct rt_cgroups *cg)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		const char *ctl = json_string_value(json_object_get(v, "controller"));
		if (path && ctl && cg->n < RT_MAX_CGROUPS) {
			cg->paths[cg->n] = xstrdup(path);
			cg->controllers[cg->n++] = xstrdup(ctl);
		}
	}
}

static void load_rlimits(json_t *arr, struct rt_state *st)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (st->nrlimits < RT_MAX_RLIMITS && json_array_size(v) == 2)
			st->rlimits[st->nrlimits++] = (struct rt_rlimit){
				(int)json_integer_value(json_array_get(v, 0)),
				(rlim_t)json_integer_value(json_array_get(v, 1)),
			};
	}
}

static unsigned long long get_u64(json_t *o, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(o, key));
}

int rt_state_load(const char *path, struct rt_state *out, struct jc_error *err)
{
	memset(out, 0, sizeof(*out));
	cleanup_free char *text = NULL;
	int r = rt_read_text(path, &text);
	if (r < 0)
		return r == -ENOENT ? r : jc_error_errno(err, -r, "%s", path);
	json_t *o = json_loads(text, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return jc_error_set(err, EBADMSG, "%s: not a runtime state record", path);
	}
	out->path = xstrdup(path);
	out->jid = (int)get_u64(o, "jid");
	out->running = json_is_true(json_object_get(o, "running"));
	out->init_pid = (pid_t)get_u64(o, "init_pid");
	out->init_start = get_u64(o, "init_start");
	out->starter_pid = (pid_t)get_u64(o, "starter_pid");
	out->starter_start = get_u64(o, "starter_start");
	jc_boot_id(out->boot_id);
	out->other_boot = !jc_streq(json_string_value(json_object_get(o, "boot_id")), out->boot_id);
	const char *root = json_string_value(json_object_get(o, "root"));
	out->root = xstrdup(root ? root : "");
	out->caps_keep = get_u64(o, "caps_keep");
	out->seccomp = (unsigned)get_u64(o, "seccomp");
	load_cgroups(json_object_get(o, "cgroups"), &out->cg);
	load_rlimits(json_object_get(o, "rlimits"), out);
	const char *started = json_string_value(json_object_get(o, "last_started"));
	if (started && strlen(started) < sizeof(out->last_started))
		strcpy(out->last_started, started);
	json_decref(o);
	return 0;
}

/* ---- locks and JIDs ---- */

static int run_subdir(const struct jc_ctx *ctx, const char *sub, char **out, struct jc_error *err)
{
	*out = xasprintf("%s/%s", ctx->paths.run_dir, sub);
	return jc_mkdir_p(*out, 0700, err);
}

int rt_runtime_lock(const struct jc_ctx *ctx, const char *name, bool nonblock, int *out_fd,
		    struct jc_error *err)
{
	cleanup_free char *dir = NULL;
	int r = run_subdir(ctx, ctx->pool_id, &dir, err);
	if (r < 0)
		return r;
	cleanup_free char *path = xasprintf("%s/%s.lock", dir, name);
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	while (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) < 0) {
		if (errno == EWOULDBLOCK)
			return -EWOULDBLOCK;
		if (errno != EINTR)
			return jc_error_errno(err, errno, "%s: cannot lock", path);
	}
	*out_fd = steal_fd(fd);
	return 0;
}

static char *jid_owner(const struct jc_ctx *ctx, const char *name)
{
	return xasprintf("%s %s\n", ctx->pool_id, name);
}

/* A reservation is live while the owner's state record still holds that JID. */
static bool jid_in_use(const struct jc_ctx *ctx, const char *file, int jid)
{
	cleanup_free char *text = NULL;
	if (rt_read_text(file, &text) < 0)
		return false;
	cleanup_strv char **f = jc_strsplit(text, " \n");
	if (jc_strv_len(f) != 2)
		return false;
	cleanup_free char *path = xasprintf("%s/%s/%s.json", ctx->paths.run_dir, f[0], f[1]);
	struct rt_state st;
	struct jc_error ignored = { 0 };
	if (rt_state_load(path, &st, &ignored) < 0)
		return false;
	bool used = st.jid == jid;
	rt_state_release(&st);
	return used;
}

int rt_jid_allocate(struct jc_ctx *ctx, const char *name, struct rt_state *st,
		    struct jc_error *err)
{
	cleanup_free char *dir = NULL, *piddir = NULL;
	int r = run_subdir(ctx, "jids", &dir, err);
	if (r == 0)
		r = run_subdir(ctx, ctx->pool_id, &piddir, err);
	if (r < 0)
		return r;
	cleanup_free char *lockpath = xasprintf("%s/.lock", dir);
	cleanup_close int lock = -1;
	r = jc_lock_file(lockpath, &lock, err);
	if (r < 0)
		return r;
	cleanup_free char *owner = jid_owner(ctx, name);
	for (int jid = 1; jid < 1 << 20; jid++) {
		cleanup_free char *file = xasprintf("%s/%d", dir, jid);
		if (jid_in_use(ctx, file, jid) || runtime_network_jid_busy(jid))
			continue;
		cleanup_close int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || write(fd, owner, strlen(owner)) < 0)
			return jc_error_errno(err, errno, "%s", file);
		/* The record is written under the same lock, so the reservation is never seen
		 * without the state that makes it live. */
		st->jid = jid;
		r = rt_state_save(st, err);
		if (r < 0)
			unlink(file);
		return r;
	}
	return jc_error_set(err, ENOSPC, "%s: no free JID", dir);
}

void rt_jid_release(const struct jc_ctx *ctx, const char *name, int jid)
{
	if (jid <= 0)
		return;
	cleanup_free char *dir = xasprintf("%s/jids", ctx->paths.run_dir);
	cleanup_free char *lockpath = xasprintf("%s/.lock", dir);
	cleanup_close int lock = -1;
	struct jc_error ignored = { 0 };
	if (jc_lock_file(lockpath, &lock, &ignored) < 0)
		return;
	cleanup_free char *file = xasprintf("%s/%d", dir, jid);
	cleanup_free char *text = NULL, *owner = jid_owner(ctx, name);
	if (rt_read_text(file, &text) == 0 && strcmp(text, owner) == 0)
		unlink(file);
}

/* ---- cleanup and probing ---- */

static void kill_init(const struct rt_state *st)
{
	int pfd = st->other_boot ? -1 : rt_pidfd_checked(st->init_pid, st->init_start);
	if (pfd < 0)
		return;
	pidfd_send_signal(pfd, SIGKILL, NULL, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	poll(&p, 1, INIT_DEATH_WAIT_MS);
	close(pfd);
}

int rt_state_cleanup(struct jc_ctx *ctx, struct rt_state *st, struct jc_error *err)
{
	/* The name is the state file's base name. */
	cleanup_free char *name = xstrdup(strrchr(st->path, '/') + 1);
	name[strlen(name) - strlen(".json")] = '\0';
	kill_init(st);
	struct jc_error net_err = { 0 };
	if (runtime_network_teardown(ctx, name, st->jid, &net_err) < 0)
		jc_warning(ctx, "%s", net_err.msg);
	int r = rt_cgroups_destroy(&st->cg, err);
	if (r < 0)
		return r;   /* keep the record: the next attempt needs the cgroup paths */
	rt_jid_release(ctx, name, st->jid);
	rt_state_remove(st);
	return 0;
}

static bool is_stale(const struct rt_state *st)
{
	if (st->other_boot)
		return true;
	if (st->running)
		return !rt_pid_alive(st->init_pid, st->init_start);
	/* A start in progress belongs to a live jailctl; if that one died, so did the start. */
	return !rt_pid_alive(st->starter_pid, st->starter_start);
}

static int clean_stale(struct jc_ctx *ctx, const char *name, enum rt_probe_mode mode,
		       struct rt_state *st, struct jc_error *err)
{
	cleanup_close int lock = -1;
	if (mode == RT_PROBE_CLEAN) {
		struct jc_error ignored = { 0 };
		if (rt_runtime_lock(ctx, name, true, &lock, &ignored) < 0)
			return 0;   /* a start or stop is under way: it owns the record */
		/* Re-read under the lock: the record may have changed meanwhile. */
		cleanup_free char *path = xstrdup(st->path);
		rt_state_release(st);
		int r = rt_state_load(path, st, err);
		if (r == -ENOENT)
			return 0;
		if (r < 0 || !is_stale(st))
			return r;
	}
	jc_debug(ctx, "%s: cleaning up stale runtime state (jid %d)", name, st->jid);
	int r = rt_state_cleanup(ctx, st, err);
	rt_state_release(st);
	return r;
}

int rt_state_probe(struct jc_ctx *ctx, const char *name, enum rt_probe_mode mode,
		   struct rt_state *out, struct jc_error *err)
{
	cleanup_free char *path = rt_state_path(ctx, name);
	int r = rt_state_load(path, out, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!is_stale(out))
		return out->running ? 1 : 0;
	if (mode == RT_PROBE_LOOK) {
		rt_state_release(out);
		return 0;
	}
	r = clean_stale(ctx, name, mode, out, err);
	rt_state_release(out);
	return r < 0 ? r : 0;
}

/* ---- many jails at once (listings) ---- */

struct jc_run_probe {
	struct jc_ctx *ctx;
	DIR *dir;                   /* <run_dir>/<pool_id> */
	char **names;               /* its records, sorted */
	size_t n;
	char boot[40];
	struct jc_json_reader rd;
};

struct jc_run_probe *jc_run_probe_new(struct jc_ctx *ctx)
{
	struct jc_run_probe *p = xcalloc(1, sizeof(*p));
	p->ctx = ctx;
	cleanup_free char *dir = xasprintf("%s/%s", ctx->paths.run_dir, ctx->pool_id);
	p->dir = opendir(dir);
	p->names = record_names(p->dir, &p->n);
	jc_boot_id(p->boot);
	return p;
}

void jc_run_probe_free(struct jc_run_probe *p)
{
	if (!p)
		return;
	if (p->dir)
		closedir(p->dir);
	jc_strv_free(p->names);
	jc_json_reader_release(&p->rd);
	free(p);
}

static long long field_int(const struct jc_json_field *f)
{
	return f->present && f->type == JSON_INTEGER ? strtoll(f->text, NULL, 10) : 0;
}

/* The record's status fields, typed as rt_state_load reads them: 1 when it is live (the
 * answer is in *out), 0 when jc_runtime_status must decide (stale, unreadable), -ENOENT
 * when it is gone. */
static int probe_record(struct jc_run_probe *p, const char *name, struct jc_run_state *out)
{
	struct jc_json_field f[] = {
		{ .key = "boot_id" }, { .key = "running" }, { .key = "jid" }, { .key = "init_pid" },
		{ .key = "init_start" }, { .key = "starter_pid" }, { .key = "starter_start" },
	};
	char file[NAME_MAX + sizeof(".json")];
	size_t len = strlen(name);
	if (len > NAME_MAX)
		return 0;
	memcpy(file, name, len);
	memcpy(file + len, ".json", sizeof(".json"));
	struct jc_error ignored = { 0 };
	int r = jc_json_read_fields_at(&p->rd, dirfd(p->dir), file, 0, f, JC_ARRAY_SIZE(f),
				       &ignored);
	if (r < 0)
		return r == -ENOENT ? r : 0;
	bool same_boot = f[0].present && f[0].type == JSON_STRING && strcmp(f[0].text, p->boot) == 0;
	bool running = f[1].present && f[1].type == JSON_TRUE;
	pid_t pid = (pid_t)field_int(&f[running ? 3 : 5]);
	unsigned long long start = (unsigned long long)field_int(&f[running ? 4 : 6]);
	if (!same_boot || !rt_pid_alive(pid, start))
		return 0;
	if (running)
		*out = (struct jc_run_state){ .running = true, .jid = (int)field_int(&f[2]),
					      .init_pid = pid };
	return 1;
}

int jc_run_probe_status(struct jc_run_probe *p, const char *name, struct jc_run_state *out,
			struct jc_error *err)
{
	*out = (struct jc_run_state){ 0 };
	if (!p->dir || !bsearch(&name, p->names, p->n, sizeof(char *), compare_strs))
		return 0;
	int r = probe_record(p, name, out);
	if (r != 0)
		return 0;
	struct jc_jail jail = { .name = (char *)name };
	return jc_runtime_status(p->ctx, &jail, out, err);
}
