#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "kernel_api.h"
#include "runtime.h"
#include "storage.h"
#include "usage.h"
#include "util.h"

/* Names come from the command line: keep control bytes out of one-line messages. */
static char *printable(const char *s)
{
	char *out = xstrndup(s, JC_SNAPSHOT_NAME_MAX);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

int jc_snapshot_validate_name(const char *name, struct jc_error *err)
{
	if (!name || !*name)
		return jc_error_set(err, EINVAL, "snapshot name is empty");
	size_t len = strlen(name);
	size_t good = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789._:-");
	cleanup_free char *shown = printable(name);
	if (len > JC_SNAPSHOT_NAME_MAX)
		return jc_error_set(err, EINVAL, "'%s...': snapshot names are at most %d characters",
				    shown, JC_SNAPSHOT_NAME_MAX);
	if (good != len)
		return jc_error_set(err, EINVAL, "'%s': snapshot names may only contain letters, "
				    "digits and . _ : -", shown);
	if (name[0] == '.')
		return jc_error_set(err, EINVAL, "'%s': snapshot names cannot start with '.'", name);
	return 0;
}

static char *snaps_dir(const struct jc_jail *jail)
{
	return xasprintf("%s/.snapshots", jail->dir);
}

static char *snap_path(const struct jc_jail *jail, const char *name)
{
	return xasprintf("%s/.snapshots/%s", jail->dir, name);
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* The pid after the last '-' of a leftover name, or 0. */
/* NAME.tmp.PID: the temp file of an interrupted jc_write_file_atomic. */
static bool is_atomic_temp(const char *name, long *pid)
{
	const char *dot = strrchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : 0;
	return len >= 4 && strncmp(dot - 4, ".tmp", 4) == 0 && jc_parse_long(dot + 1, pid) == 0;
}

static long leftover_pid(const char *name)
{
	long pid = 0;
	if (is_atomic_temp(name, &pid))
		return pid;
	const char *dash = strrchr(name, '-');
	if (!dash || jc_parse_long(dash + 1, &pid) < 0)
		return 0;
	return pid;
}

/* Remove a snapshot directory: the same shape as a jail directory (root dataset plus files). */
static int destroy_snapshot_dir(struct jc_ctx *ctx, const char *dir, struct jc_error *err)
{
	return jc_jail_remove_dir(ctx, dir, err);
}

/* ---- meta.json ---- */

static int write_meta(const struct jc_jail *jail, const char *dir, const char *name,
		      const struct timespec *now, uint64_t rsize, struct jc_error *err)
{
	cleanup_free char *text = jc_utc_format(now->tv_sec, "%F %T");
	json_t *meta = json_pack("{s:s, s:I, s:I, s:s, s:I, s:s}", "name", name,
				 "created", (json_int_t)now->tv_sec,
				 "created_nsec", (json_int_t)now->tv_nsec, "created_utc", text,
				 "rsize", (json_int_t)rsize, "root", jail->root);
	cleanup_free char *path = xasprintf("%s/meta.json", dir);
	int r = jc_json_write_atomic(path, meta, err);
	json_decref(meta);
	return r;
}

static char *zfs_time(int64_t secs)
{
	char buf[64];
	struct tm tm;
	time_t t = (time_t)secs;
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a %b %e %H:%M %Y", &tm);
	return xstrdup(buf);
}

static int read_snapshot(struct jc_ctx *ctx, const struct jc_jail *jail, const char *name,
			 struct jc_snapshot *out, struct jc_error *err)
{
	cleanup_free char *dir = snap_path(jail, name);
	cleanup_free char *path = xasprintf("%s/meta.json", dir);
	json_t *meta = NULL;
	int r = jc_json_read_object(path, &meta, err);
	if (r < 0)
		return r;
	*out = (struct jc_snapshot){
		.name = xstrdup(name),
		.dir = steal_ptr(dir),
		.created = json_integer_value(json_object_get(meta, "created")),
		.created_nsec = (long)json_integer_value(json_object_get(meta, "created_nsec")),
		.rsize = (uint64_t)json_integer_value(json_object_get(meta, "rsize")),
	};
	json_decref(meta);
	out->created_text = zfs_time(out->created);
	cleanup_free char *root = xasprintf("%s/root", out->dir);
	struct jc_usage u = { 0 };
	struct jc_error ignored = { 0 };
	if (ctx->storage->usage(root, &u, &ignored) == 0)
		out->used = u.used;
	return 0;
}

static void snapshot_release(struct jc_snapshot *s)
{
	free(s->name);
	free(s->dir);
	free(s->created_text);
}

void jc_snapshot_list_free(struct jc_snapshot *snaps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snapshot_release(&snaps[i]);
	free(snaps);
}

static int compare_created(const void *a, const void *b)
{
	const struct jc_snapshot *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	if (x->created_nsec != y->created_nsec)
		return x->created_nsec < y->created_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Published snapshots (no dot names), oldest first. Caller holds the lock or accepts a
 * listing that races with changes. */
static int list_locked(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_snapshot **out,
		       size_t *n, struct jc_error *err)
{
	cleanup_free char *base = snaps_dir(jail);
	struct jc_snapshot *snaps = xcalloc(1, sizeof(*snaps));
	size_t count = 0;
	cleanup_closedir DIR *d = opendir(base);
	if (!d && errno != ENOENT) {
		free(snaps);
		return jc_error_errno(err, errno, "%s", base);
	}
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct jc_snapshot s;
		struct jc_error one = { 0 };
		if (read_snapshot(ctx, jail, de->d_name, &s, &one) < 0) {
			jc_warning(ctx, "%s@%s: unreadable snapshot: %s", jail->name, de->d_name, one.msg);
			continue;
		}
		snaps = xrealloc(snaps, (count + 1) * sizeof(*snaps));
		snaps[count++] = s;
	}
	qsort(snaps, count, sizeof(*snaps), compare_created);
	*out = snaps;
	*n = count;
	return 0;
}

/* ---- create ---- */

static char *default_name(const struct timespec *now)
{
	return jc_utc_format(now->tv_sec, "%F_%T");
}

static int copy_if_exists(const char *src, const char *dst, struct jc_error *err)
{
	if (!jc_path_exists(src))
		return 0;
	return jc_copy_file_atomic(src, dst, err);
}

static int build_snapshot(struct jc_ctx *ctx, const struct jc_jail *jail, const char *tmp,
			  const char *name, struct jc_error *err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (mkdir(tmp, 0700) < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	struct jc_usage u = { 0 };
	int r = ctx->storage->usage(jail->root, &u, err);
	cleanup_free char *root = xasprintf("%s/root", tmp);
	cleanup_free char *cfg_src = xasprintf("%s/config.json", jail->dir);
	cleanup_free char *cfg = xasprintf("%s/config.json", tmp);
	cleanup_free char *fstab = xasprintf("%s/fstab", tmp);
	if (r == 0)
		r = ctx->storage->snapshot(jail->root, root, err);
	if (r == 0)
		r = copy_if_exists(cfg_src, cfg, err);
	if (r == 0)
		r = copy_if_exists(jail->fstab, fstab, err);
	/* meta.json last: a snapshot directory with it is complete. */
	if (r == 0)
		r = write_meta(jail, tmp, name, &now, u.used, err);
	return r;
}

static int clean_locked(struct jc_ctx *ctx, struct jc_jail *jail);

int jc_snapshot_create(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
		       char **out_name, struct jc_error *err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	cleanup_free char *snap = name ? xstrdup(name) : default_name(&now);
	int r = jc_snapshot_validate_name(snap, err);
	if (r < 0)
		return r;
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	cleanup_close int lock_fd = -1;
	if ((r = jc_jail_lock(ctx, jail->name, &lock_fd, err)) < 0)
		return r;
	clean_locked(ctx, jail);
	cleanup_free char *base = snaps_dir(jail);
	cleanup_free char *final = snap_path(jail, snap);
	cleanup_free char *tmp = xasprintf("%s/.tmp-%s-%ld", base, snap, (long)getpid());
	if (jc_path_exists(final))
		return jc_error_set(err, EEXIST, "%s@%s: Snapshot already exists", jail->name, snap);
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		return jc_error_errno(err, errno, "%s", base);
	r = build_snapshot(ctx, jail, tmp, snap, err);
	if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) < 0)
		r = jc_error_errno(err, errno, "%s@%s: publishing the snapshot", jail->name, snap);
	if (r < 0) {
		struct jc_error ignored = { 0 };
		destroy_snapshot_dir(ctx, tmp, &ignored);
		return jc_error_wrap(err, "%s@%s", jail->name, snap);
	}
	if (out_name)
		*out_name = steal_ptr(snap);
	return jc_fsync_parent(final, err);
}

int jc_snapshot_list(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_snapshot **out,
		     size_t *n, struct jc_error *err)
{
	return list_locked(ctx, jail, out, n, err);
}

/* ---- remove ---- */

/* Unpublish with one rename, then remove: a crash in between leaves a dot entry. */
static int remove_locked(struct jc_ctx *ctx, const struct jc_jail *jail, const char *name,
			 struct jc_error *err)
{
	cleanup_free char *path = snap_path(jail, name);
	cleanup_free char *aside = xasprintf("%s/.snapshots/.remove-%s-%ld", jail->dir, name,
					     (long)getpid());
	if (!jc_is_dir(path))
		return jc_error_set(err, ENOENT, "%s@%s: no such snapshot", jail->name, name);
	if (rename(path, aside) < 0)
		return jc_error_errno(err, errno, "%s@%s: cannot remove", jail->name, name);
	jc_fsync_parent(aside, err);
	int r = destroy_snapshot_dir(ctx, aside, err);
	if (r < 0)
		return jc_error_wrap(err, "%s@%s: removed, but cleaning up failed", jail->name, name);
	return 0;
}

int jc_snapshot_remove(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
		       struct jc_error *err)
{
	int r = jc_snapshot_validate_name(name, err);
	if (r < 0)
		return r;
	cleanup_close int lock_fd = -1;
	if ((r = jc_jail_lock(ctx, jail->name, &lock_fd, err)) < 0)
		return r;
	clean_locked(ctx, jail);
	return remove_locked(ctx, jail, name, err);
}

int jc_snapshot_remove_all(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r < 0)
		return r;
	clean_locked(ctx, jail);
	struct jc_snapshot *snaps = NULL;
	size_t n = 0;
	r = list_locked(ctx, jail, &snaps, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = remove_locked(ctx, jail, snaps[i].name, err);
	jc_snapshot_list_free(snaps, n);
	return r;
}

/* ---- rollback ---- */

static char *hostname_of(const char *name)
{
	char *h = xstrdup(name);
	for (char *p = h; *p; p++)
		if (*p == '_')
			*p = '-';
	return h;
}

/* The snapshot's config.json as it must be now: identity of the jail as it is named and
 * placed today (it may have been renamed or made a template since). */
static json_t *rolled_back_config(const struct jc_jail *jail, json_t *snap_cfg)
{
	json_t *c = json_deep_copy(snap_cfg);
	const char *old = json_string_value(json_object_get(c, "host_hostuuid"));
	if (old && strcmp(old, jail->name) != 0) {
		cleanup_free char *old_host = hostname_of(old);
		cleanup_free char *new_host = hostname_of(jail->name);
		const char *host = json_string_value(json_object_get(c, "host_hostname"));
		if (!host || strcmp(host, old_host) == 0 || strcmp(host, old) == 0)
			json_object_set_new(c, "host_hostname", json_string(new_host));
		cleanup_free char *ds = xasprintf("iocage/jails/%s/data", jail->name);
		json_object_set_new(c, "jail_zfs_dataset", json_string(ds));
	}
	json_object_set_new(c, "host_hostuuid", json_string(jail->name));
	static const char *const placement[] = { "type", "template" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(placement); i++) {
		json_t *now = jail->config ? json_object_get(jail->config, placement[i]) : NULL;
		if (now)
			json_object_set(c, placement[i], now);
		else
			json_object_del(c, placement[i]);
	}
	return c;
}

static int restore_config(struct jc_ctx *ctx, struct jc_jail *jail, const char *snap_dir,
			  struct jc_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", snap_dir);
	json_t *snap_cfg = NULL;
	int r = jc_json_read_object(path, &snap_cfg, err);
	if (r < 0)
		return r;
	json_t *c = rolled_back_config(jail, snap_cfg);
	json_decref(snap_cfg);
	/* Unchanged (a resumed rollback): keep config_backup.json as the pre-rollback one. */
	if (!jail->config || !json_equal(c, jail->config))
		r = jc_jail_write_config(ctx, jail, c, err);
	json_decref(c);
	return r;
}

static int restore_fstab(const struct jc_jail *jail, const char *snap_dir, struct jc_error *err)
{
	cleanup_free char *src = xasprintf("%s/fstab", snap_dir);
	cleanup_free char *meta_path = xasprintf("%s/meta.json", snap_dir);
	int r = jc_path_exists(src) ? jc_copy_file_atomic(src, jail->fstab, err)
				    : jc_write_file_atomic(jail->fstab, "", 0, 0644, err);
	if (r < 0)
		return r;
	json_t *meta = NULL;
	if ((r = jc_json_read_object(meta_path, &meta, err)) < 0)
		return r;
	const char *old_root = json_string_value(json_object_get(meta, "root"));
	if (old_root && strcmp(old_root, jail->root) != 0)
		r = jc_jail_rebase_fstab(jail->fstab, old_root, jail->root, err);
	json_decref(meta);
	return r;
}

/* The restored config.json decides the quota (storage->restore kept the old limit). */
static int restore_quota(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	if (!ctx->storage->can_quota)
		return 0;
	cleanup_free char *text = jc_jail_get(jail, "quota");
	uint64_t bytes = 0;
	if (text && jc_size_parse(text, &bytes) < 0)
		return jc_error_set(err, EINVAL, "%s: quota '%s' is not a size", jail->name, text);
	return ctx->storage->set_quota(jail->root, bytes, err);
}

/* Everything of a rollback but the marker; safe to run again after a crash. */
static int do_rollback(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
		       char ***removed, struct jc_error *err)
{
	cleanup_free char *dir = snap_path(jail, name);
	cleanup_free char *root = xasprintf("%s/root", dir);
	int r = ctx->storage->restore(root, jail->root, err);
	if (r == 0)
		r = restore_config(ctx, jail, dir, err);
	if (r == 0)
		r = restore_fstab(jail, dir, err);
	if (r == 0)
		r = restore_quota(ctx, jail, err);
	if (r < 0)
		return jc_error_wrap(err, "%s: rollback to %s", jail->name, name);
	struct jc_snapshot *snaps = NULL;
	size_t n = 0;
	r = list_locked(ctx, jail, &snaps, &n, err);
	size_t target = n;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(snaps[i].name, name) == 0)
			target = i;
	for (size_t i = target + 1; r == 0 && i < n; i++) {
		r = remove_locked(ctx, jail, snaps[i].name, err);
		if (r == 0 && removed)
			jc_strv_push(removed, snaps[i].name);
	}
	jc_snapshot_list_free(snaps, n);
	return r;
}

static int check_stopped(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	struct jc_run_state st = { 0 };
	int r = jc_runtime_status(ctx, jail, &st, err);
	if (r < 0)
		return r;
	if (st.running)
		return jc_error_set(err, EBUSY, "%s: the jail is running: stop it before a rollback",
				    jail->name);
	return 0;
}

int jc_snapshot_rollback(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
			 char ***removed, struct jc_error *err)
{
	int r = jc_snapshot_validate_name(name, err);
	if (r < 0)
		return r;
	cleanup_close int lock_fd = -1;
	if ((r = jc_jail_lock(ctx, jail->name, &lock_fd, err)) < 0)
		return r;
	clean_locked(ctx, jail);
	jc_jail_reload(ctx, jail, err);
	cleanup_free char *dir = snap_path(jail, name);
	cleanup_free char *meta = xasprintf("%s/meta.json", dir);
	if (!jc_path_exists(meta))
		return jc_error_set(err, ENOENT, "%s@%s: no such snapshot", jail->name, name);
	if ((r = check_stopped(ctx, jail, err)) < 0)
		return r;
	cleanup_free char *marker = xasprintf("%s/.snapshots/.rollback-%ld", jail->dir, (long)getpid());
	if ((r = jc_write_file_atomic(marker, name, strlen(name), 0600, err)) < 0)
		return r;
	if (removed)
		*removed = xcalloc(1, sizeof(char *));
	r = do_rollback(ctx, jail, name, removed, err);
	/* On failure the marker stays: the next command retries (rolls forward). */
	if (r == 0)
		unlink(marker);
	return r;
}

/* ---- leftovers ---- */

static void resume_rollback(struct jc_ctx *ctx, struct jc_jail *jail, const char *marker)
{
	cleanup_free char *name = NULL;
	struct jc_error err = { 0 };
	if (jc_read_file(marker, &name, NULL, &err) < 0 ||
	    jc_snapshot_validate_name(jc_strstrip(name), &err) < 0) {
		unlink(marker);
		return;
	}
	if (check_stopped(ctx, jail, &err) < 0) {
		jc_warning(ctx, "%s: an interrupted rollback to %s is pending: %s", jail->name, name,
			   err.msg);
		return;
	}
	cleanup_free char *meta = xasprintf("%s/.snapshots/%s/meta.json", jail->dir, name);
	if (jc_path_exists(meta) && do_rollback(ctx, jail, name, NULL, &err) < 0) {
		jc_warning(ctx, "%s: finishing an interrupted rollback: %s", jail->name, err.msg);
		return;
	}
	jc_notice(ctx, "%s: finished an interrupted rollback to %s", jail->name, name);
	unlink(marker);
}

static void clean_entry(struct jc_ctx *ctx, struct jc_jail *jail, const char *base, const char *name)
{
	bool rollback = jc_str_has_prefix(name, ".rollback-");
	if (!rollback && !jc_str_has_prefix(name, ".tmp-") && !jc_str_has_prefix(name, ".remove-"))
		return;
	long pid = leftover_pid(name);
	if (pid == 0 || pid_alive(pid))
		return;
	cleanup_free char *path = xasprintf("%s/%s", base, name);
	long ignored = 0;
	if (is_atomic_temp(name, &ignored)) {
		/* The marker was never complete, so no rollback had begun. */
		unlink(path);
		return;
	}
	if (rollback) {
		resume_rollback(ctx, jail, path);
		return;
	}
	struct jc_error err = { 0 };
	if (destroy_snapshot_dir(ctx, path, &err) < 0)
		jc_warning(ctx, "cannot remove leftover %s: %s", path, err.msg);
	else
		jc_debug(ctx, "removed leftover %s", path);
}

/* Caller holds the jail lock. Temporary files of jc_write_file_atomic (NAME.tmp.PID)
 * inside snapshot directories go with them. */
static int clean_locked(struct jc_ctx *ctx, struct jc_jail *jail)
{
	cleanup_free char *base = snaps_dir(jail);
	cleanup_closedir DIR *d = opendir(base);
	if (!d)
		return 0;
	cleanup_strv char **names = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			jc_strv_push(&names, de->d_name);
	/* Rollback markers last: they list snapshots, which must be settled first. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; names[i]; i++)
			if (jc_str_has_prefix(names[i], ".rollback-") == (pass == 1))
				clean_entry(ctx, jail, base, names[i]);
	return 0;
}

int jc_snapshot_clean_leftovers(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r < 0)
		return r;
	return clean_locked(ctx, jail);
}
