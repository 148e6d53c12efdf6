/* Releases in the pool: fetch (build aside, publish by rename), list, destroy, users,
 * and cleanup of what interrupted commands left behind.
 * A fetch builds releases/.fetch-<REL>-<PID>/ (the root dataset, a fetch.json naming
 * its owner, then release.json) and renames it to releases/<REL> only after success;
 * destroy first renames releases/<REL> to releases/.destroy-<REL>-<PID>. Dot names
 * whose process is gone are removed by the next fetch, list -r or destroy -r. */
#include "release.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "copytree.h"
#include "extract.h"
#include "fileio.h"
#include "mountinfo.h"
#include "release_priv.h"
#include "storage.h"
#include "util.h"

#define FETCH_PREFIX ".fetch-"
#define DESTROY_PREFIX ".destroy-"

int jc_release_validate_name(const char *name, struct jc_error *err)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= 63 && isalnum((unsigned char)name[0]);
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("._-", name[i]);
	if (ok)
		return 0;
	return jc_error_set(err, EINVAL, "'%.80s%s': invalid release name (letters, digits, '.', '_' "
			    "and '-', starting with a letter or digit, at most 63 characters)",
			    name ? name : "", n > 80 ? "..." : "");
}

static char *releases_dir(const struct jc_ctx *ctx)
{
	return xasprintf("%s/releases", ctx->iocroot);
}

static char *downloads_dir(const struct jc_ctx *ctx)
{
	return xasprintf("%s/download", ctx->iocroot);
}

bool jc_release_exists(const struct jc_ctx *ctx, const char *name)
{
	if (!ctx->iocroot || jc_release_validate_name(name, NULL) < 0)
		return false;
	cleanup_free char *root = xasprintf("%s/releases/%s/root", ctx->iocroot, name);
	return jc_is_dir(root);
}

/* ---- process identity of temporaries ---- */

/* Start time of pid in clock ticks since boot (field 22 of /proc/PID/stat), 0 if gone. */
static unsigned long long proc_starttime(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	cleanup_free char *text = NULL;
	struct jc_error ignored;
	if (jc_read_file(path, &text, NULL, &ignored) < 0)
		return 0;
	const char *p = strrchr(text, ')');
	if (!p)
		return 0;
	unsigned long long v = 0;
	/* After "pid (comm)" come fields 3.. ; starttime is field 22. */
	for (int field = 3; *p && field <= 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
		if (field == 22)
			v = strtoull(p + 1, NULL, 10);
	}
	return v;
}

/* ".fetch-REL-PID" or ".destroy-REL-PID": the pid, or 0 when name is not ours. */
static pid_t temp_owner(const char *name)
{
	if (!jc_str_has_prefix(name, FETCH_PREFIX) && !jc_str_has_prefix(name, DESTROY_PREFIX))
		return 0;
	const char *dash = strrchr(name, '-');
	long pid;
	if (!dash || jc_parse_long(dash + 1, &pid) < 0 || pid <= 0 || pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

/* Whether the process that made the temporary dir still runs (a recycled pid with
 * another start time than the one recorded in fetch.json does not count). */
static bool owner_alive(const char *dir, pid_t pid)
{
	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	cleanup_free char *meta_path = xasprintf("%s/fetch.json", dir);
	json_t *meta = NULL;
	struct jc_error ignored;
	if (jc_json_read_object(meta_path, &meta, &ignored) < 0)
		return true;
	json_int_t recorded = json_integer_value(json_object_get(meta, "starttime"));
	json_decref(meta);
	return recorded == 0 || (unsigned long long)recorded == proc_starttime(pid);
}

/* ---- removal ---- */

/* Detach what an interrupted debootstrap left mounted inside a temporary (its proc
 * and sys), deepest first; tree removal refuses mount points. */
static void unmount_below(const struct jc_ctx *ctx, const char *dir)
{
	struct jc_mount *m = NULL;
	struct jc_error ignored;
	jc_mountinfo_read(ctx->paths.mountinfo, &m, &ignored);
	size_t dlen = strlen(dir), n = 0;
	while (m[n].target)
		n++;
	for (; n > 0; n--)
		if (strncmp(m[n - 1].target, dir, dlen) == 0 && m[n - 1].target[dlen] == '/')
			umount2(m[n - 1].target, MNT_DETACH | UMOUNT_NOFOLLOW);
	jc_mountinfo_free(m);
}

/* Remove a release directory (published or temporary): its root dataset through the
 * storage back end, then the rest. */
static int remove_release_dir(const struct jc_ctx *ctx, const char *dir, struct jc_error *err)
{
	unmount_below(ctx, dir);
	cleanup_free char *root = xasprintf("%s/root", dir);
	if (jc_path_exists(root)) {
		int r = ctx->storage->destroy(root, err);
		if (r < 0)
			return r;
	}
	return jc_tree_remove(dir, NULL, NULL, err);
}

static void clean_dir(struct jc_ctx *ctx, const char *parent, bool releases)
{
	cleanup_closedir DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		pid_t pid = temp_owner(de->d_name);
		if (!pid)
			continue;
		cleanup_free char *path = xasprintf("%s/%s", parent, de->d_name);
		if (owner_alive(path, pid))
			continue;
		struct jc_error err = { 0 };
		int r = releases ? remove_release_dir(ctx, path, &err) :
			jc_tree_remove(path, NULL, NULL, &err);
		if (r < 0)
			jc_warning(ctx, "leftover of an interrupted command not removed: %s", err.msg);
		else
			jc_debug(ctx, "removed leftover %s", path);
	}
}

int jc_release_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err)
{
	int r = jc_ctx_open_pool(ctx, err);
	if (r < 0)
		return r;
	cleanup_free char *rel = releases_dir(ctx);
	cleanup_free char *dl = downloads_dir(ctx);
	clean_dir(ctx, rel, true);
	clean_dir(ctx, dl, false);
	return 0;
}

/* ---- listing ---- */

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct jc_release_info *)a)->name,
		      ((const struct jc_release_info *)b)->name);
}

static char *json_text(json_t *obj, const char *key, const char *fallback)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return xstrdup(v ? v : fallback);
}

static void read_info(const char *dir, const char *name, struct jc_release_info *info)
{
	cleanup_free char *path = xasprintf("%s/%s/release.json", dir, name);
	json_t *meta = NULL;
	struct jc_error ignored;
	if (jc_json_read_object(path, &meta, &ignored) < 0)
		meta = NULL;
	info->name = xstrdup(name);
	info->source = json_text(meta, "source", "unknown");
	info->sha256 = json_text(meta, "sha256", "none");
	info->date = json_text(meta, "date", "unknown");
	json_int_t size = json_integer_value(json_object_get(meta, "size"));
	info->size = size > 0 ? (uint64_t)size : 0;
	json_decref(meta);
}

int jc_release_list(const struct jc_ctx *ctx, struct jc_release_info **out, size_t *n,
		    struct jc_error *err)
{
	*out = NULL;
	*n = 0;
	cleanup_free char *dir = releases_dir(ctx);
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", dir);
	struct jc_release_info *infos = NULL;
	size_t count = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Dot names are fetches or destroys in progress; side files belong to datasets. */
		if (de->d_name[0] == '.' || jc_storage_is_side_file(de->d_name))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", dir, de->d_name);
		if (!jc_is_dir(path))
			continue;
		infos = xrealloc(infos, (count + 1) * sizeof(*infos));
		read_info(dir, de->d_name, &infos[count++]);
	}
	if (count)
		qsort(infos, count, sizeof(*infos), cmp_info);
	*out = infos;
	*n = count;
	return 0;
}

void jc_release_info_free(struct jc_release_info *infos, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(infos[i].name);
		free(infos[i].source);
		free(infos[i].sha256);
		free(infos[i].date);
	}
	free(infos);
}

/* ---- users and destroy ---- */

static void collect_users(const char *dir, const char *name, char ***users)
{
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *path = xasprintf("%s/%s/config.json", dir, de->d_name);
		json_t *config = NULL;
		struct jc_error ignored;
		if (jc_json_read_object(path, &config, &ignored) < 0)
			continue;
		if (jc_streq(json_string_value(json_object_get(config, "release")), name) ||
		    jc_streq(json_string_value(json_object_get(config, "cloned_release")), name))
			jc_strv_push(users, de->d_name);
		json_decref(config);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jc_release_users(const struct jc_ctx *ctx, const char *name, char ***out, struct jc_error *err)
{
	(void)err;
	char **users = xcalloc(1, sizeof(char *));
	cleanup_free char *jails = xasprintf("%s/jails", ctx->iocroot);
	cleanup_free char *templates = xasprintf("%s/templates", ctx->iocroot);
	collect_users(jails, name, &users);
	collect_users(templates, name, &users);
	qsort(users, jc_strv_len(users), sizeof(char *), cmp_str);
	*out = users;
	return 0;
}

/* Unpublish dir by renaming it to a .destroy- temporary, then remove that. */
static int destroy_dir(struct jc_ctx *ctx, const char *parent, const char *name, bool release,
		       struct jc_error *err)
{
	cleanup_free char *from = xasprintf("%s/%s", parent, name);
	cleanup_free char *to = xasprintf("%s/" DESTROY_PREFIX "%s-%ld", parent, name, (long)getpid());
	if (rename(from, to) < 0)
		return jc_error_errno(err, errno, "%s", from);
	jc_fsync_parent(from, NULL);
	return release ? remove_release_dir(ctx, to, err) : jc_tree_remove(to, NULL, NULL, err);
}

int jc_release_destroy(struct jc_ctx *ctx, const char *name, bool drop_download,
		       struct jc_error *err)
{
	int r = jc_release_validate_name(name, err);
	if (r < 0)
		return r;
	r = jc_ctx_open_pool(ctx, err);
	if (r < 0)
		return r;
	cleanup_free char *rel = releases_dir(ctx);
	cleanup_free char *dl = downloads_dir(ctx);
	cleanup_free char *rel_path = xasprintf("%s/%s", rel, name);
	cleanup_free char *dl_path = xasprintf("%s/%s", dl, name);
	bool have_rel = jc_is_dir(rel_path);
	bool have_dl = drop_download && jc_is_dir(dl_path);
	if (!have_rel && !have_dl)
		return jc_error_set(err, ENOENT, "%s: no such release", name);
	if (have_rel) {
		cleanup_strv char **users = NULL;
		r = jc_release_users(ctx, name, &users, err);
		if (r < 0)
			return r;
		if (users[0]) {
			cleanup_free char *list = jc_strv_join(users, ", ");
			return jc_error_set(err, EBUSY, "%s: release is used by %s", name, list);
		}
		r = destroy_dir(ctx, rel, name, true, err);
		if (r < 0)
			return r;
	}
	return have_dl ? destroy_dir(ctx, dl, name, false, err) : 0;
}

/* Names in dir that are releases or downloads (no dot names, no side files). */
static void list_names(const char *dir, char ***out)
{
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !jc_storage_is_side_file(de->d_name) &&
		    jc_release_validate_name(de->d_name, NULL) == 0)
			jc_strv_push(out, de->d_name);
}

int jc_release_clean_all(struct jc_ctx *ctx, struct jc_error *err)
{
	int r = jc_release_clean_leftovers(ctx, err);
	if (r < 0)
		return r;
	cleanup_free char *rel = releases_dir(ctx);
	cleanup_free char *dl = downloads_dir(ctx);
	cleanup_strv char **names = xcalloc(1, sizeof(char *));
	list_names(rel, &names);
	/* Check every release first: nothing is removed when one is still in use. */
	for (size_t i = 0; names[i]; i++) {
		cleanup_strv char **users = NULL;
		jc_release_users(ctx, names[i], &users, err);
		if (users[0]) {
			cleanup_free char *list = jc_strv_join(users, ", ");
			return jc_error_set(err, EBUSY, "%s: release is used by %s", names[i], list);
		}
	}
	for (size_t i = 0; names[i]; i++) {
		r = destroy_dir(ctx, rel, names[i], true, err);
		if (r < 0)
			return r;
	}
	cleanup_strv char **downloads = xcalloc(1, sizeof(char *));
	list_names(dl, &downloads);
	for (size_t i = 0; downloads[i]; i++) {
		r = destroy_dir(ctx, dl, downloads[i], false, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- fetch ---- */

struct fetch_job {
	struct jc_ctx *ctx;
	const struct jc_fetch_opts *opts;
	const char *name;
	char *tmpdir;       /* releases/.fetch-<REL>-<PID> */
	char *root;         /* its root dataset */
	char *dldir;        /* download/<REL> */
	char *phase;        /* last phase announced through jc_progress */
	json_t *meta;       /* release.json beyond name, date and size */
};

/* Progress goes to the caller's callback; without one (e.g. create fetching a missing
 * release) each new phase becomes one progress line. */
static void job_progress(void *user, const char *what, uint64_t done, uint64_t total)
{
	struct fetch_job *j = user;
	if (j->opts->progress) {
		j->opts->progress(j->opts->progress_user, what, done, total);
		return;
	}
	if (j->phase && strcmp(j->phase, what) == 0)
		return;
	free(j->phase);
	j->phase = xstrdup(what);
	jc_progress(j->ctx, "%s", what);
}

static void job_phase(struct fetch_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void job_phase(struct fetch_job *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	job_progress(j, text, 0, 0);
}

static int make_temp(struct fetch_job *j, struct jc_error *err)
{
	cleanup_free char *rel = releases_dir(j->ctx);
	j->tmpdir = xasprintf("%s/" FETCH_PREFIX "%s-%ld", rel, j->name, (long)getpid());
	if (jc_path_exists(j->tmpdir)) {
		int r = remove_release_dir(j->ctx, j->tmpdir, err);
		if (r < 0)
			return r;
	}
	if (mkdir(j->tmpdir, 0755) < 0)
		return jc_error_errno(err, errno, "%s", j->tmpdir);
	json_t *owner = json_pack("{s:I, s:I, s:s}", "pid", (json_int_t)getpid(), "starttime",
				  (json_int_t)proc_starttime(getpid()), "release", j->name);
	cleanup_free char *owner_path = xasprintf("%s/fetch.json", j->tmpdir);
	int r = jc_json_write_atomic(owner_path, owner, err);
	json_decref(owner);
	if (r < 0)
		return r;
	j->root = xasprintf("%s/root", j->tmpdir);
	r = j->ctx->storage->create(j->root, err);
	if (r == 0 && chmod(j->root, 0755) < 0)
		r = jc_error_errno(err, errno, "%s", j->root);
	return r;
}

static int publish(struct fetch_job *j, struct jc_error *err)
{
	struct jc_tree_usage *u = jc_tree_usage_new();
	int r = jc_tree_usage_add(u, j->root, err);
	uint64_t size = jc_tree_usage_bytes(u);
	jc_tree_usage_free(u);
	if (r < 0)
		return r;
	cleanup_free char *date = jc_utc_format(time(NULL), "%F %T");
	json_object_set_new(j->meta, "name", json_string(j->name));
	json_object_set_new(j->meta, "date", json_string(date));
	json_object_set_new(j->meta, "size", json_integer((json_int_t)size));
	cleanup_free char *meta_path = xasprintf("%s/release.json", j->tmpdir);
	r = jc_json_write_atomic(meta_path, j->meta, err);
	if (r < 0)
		return r;
	cleanup_free char *owner_path = xasprintf("%s/fetch.json", j->tmpdir);
	unlink(owner_path);
	/* Jails never write to a release; their clones are writable snapshots of it. */
	if (strcmp(j->ctx->storage->name, "btrfs") == 0) {
		r = j->ctx->storage->set_readonly(j->root, true, err);
		if (r < 0)
			return r;
	}
	cleanup_free char *rel = releases_dir(j->ctx);
	cleanup_free char *final = xasprintf("%s/%s", rel, j->name);
	if (rename(j->tmpdir, final) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return jc_error_set(err, EEXIST, "%s: release was fetched by another command meanwhile",
					    j->name);
		return jc_error_errno(err, errno, "%s", final);
	}
	free(j->tmpdir);
	j->tmpdir = NULL;
	return jc_fsync_parent(final, err);
}

static int make_dldir(struct fetch_job *j, struct jc_error *err)
{
	cleanup_free char *dl = downloads_dir(j->ctx);
	cleanup_free char *dir = xasprintf("%s/%s", dl, j->name);
	int r = jc_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	char real[PATH_MAX];
	/* debootstrap's --cache-dir must be absolute. */
	if (!realpath(dir, real))
		return jc_error_errno(err, errno, "%s", dir);
	j->dldir = xstrdup(real);
	return 0;
}

static int fetch_busybox(struct fetch_job *j, struct jc_error *err)
{
	char hex[65];
	int r = jc_sha256_file(JC_BUSYBOX_BIN, hex, err);
	if (r < 0)
		return jc_error_wrap(err, "busybox (install busybox-static)");
	job_phase(j, "Building: busybox from %s", JC_BUSYBOX_BIN);
	r = make_temp(j, err);
	if (r == 0)
		r = jc_busybox_build(JC_BUSYBOX_BIN, j->root, err);
	if (r < 0)
		return r;
	json_object_set_new(j->meta, "source", json_string("builtin"));
	json_object_set_new(j->meta, "sha256", json_string(hex));
	json_object_set_new(j->meta, "file", json_string(JC_BUSYBOX_BIN));
	return 0;
}

static int fetch_debootstrap(struct fetch_job *j, const char *suite, struct jc_error *err)
{
	cleanup_free char *mirror = NULL;
	int r = jc_apt_mirror("/etc/apt", &mirror, err);
	if (r == 0)
		r = make_dldir(j, err);
	if (r < 0)
		return r;
	cleanup_free char *log = xasprintf("%s/debootstrap.log", j->dldir);
	job_phase(j, "Running: debootstrap --variant=minbase %s %s", suite, mirror);
	r = make_temp(j, err);
	if (r < 0)
		return r;
	struct jc_fetch_opts o = *j->opts;
	o.progress = job_progress;
	o.progress_user = j;
	r = jc_debootstrap_run(j->ctx, &o, suite, mirror, j->root, j->dldir, log, err);
	if (r < 0)
		return r;
	/* As iocage does: a jail gets its resolver configuration when it starts. */
	cleanup_free char *resolv = xasprintf("%s/etc/resolv.conf", j->root);
	unlink(resolv);
	json_object_set_new(j->meta, "source", json_string("debootstrap"));
	json_object_set_new(j->meta, "sha256", json_string("none"));
	json_object_set_new(j->meta, "mirror", json_string(mirror));
	json_object_set_new(j->meta, "suite", json_string(suite));
	return 0;
}

/* File name for a download: the last path component of the URL, made safe. */
static char *url_basename(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	cleanup_free char *path = xstrndup(p, strcspn(p, "?#"));
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : "";
	if (!*base || base[0] == '.' || jc_str_has_prefix(base, "release.json"))
		return xstrdup("archive");
	char *out = xstrdup(base);
	for (char *c = out; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-+", *c))
			*c = '_';
	return out;
}

/* Checks the archive at path against expected (NULL: nothing to compare, warn). */
static int verify_archive(struct fetch_job *j, const char *path, const char *shown,
			  const char *expected, char hex[65], struct jc_error *err)
{
	cleanup_free char *base = xstrdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	job_phase(j, "Verifying: %s", base);
	int r = jc_sha256_file(path, hex, err);
	if (r < 0)
		return r;
	if (j->opts->noverify)
		jc_warning(j->ctx, "%s: %s: checksum not verified (--noverify)", j->name, shown);
	else if (!expected)
		jc_warning(j->ctx, "%s: %s: no --sha256 given, nothing was verified", j->name, shown);
	else if (!jc_sha256_equal(hex, expected))
		return jc_error_set(err, EBADMSG, "%s: sha256 mismatch: expected %s, got %s", shown,
				    expected, hex);
	return 0;
}

/* Download url into download/<REL>/ (reusing a complete copy with the expected
 * checksum), or take a local path as it is; then verify. */
static int obtain_archive(struct fetch_job *j, const char *src, const char *expected,
			  char **path, char hex[65], struct jc_error *err)
{
	if (!jc_is_url(src)) {
		struct stat st;
		if (stat(src, &st) < 0)
			return jc_error_errno(err, errno, "%s", src);
		if (!S_ISREG(st.st_mode))
			return jc_error_set(err, EINVAL, "%s: not a regular file", src);
		*path = xstrdup(src);
		return verify_archive(j, src, src, expected, hex, err);
	}
	int r = make_dldir(j, err);
	if (r < 0)
		return r;
	cleanup_free char *fname = url_basename(src);
	cleanup_free char *dest = xasprintf("%s/%s", j->dldir, fname);
	char cached[65];
	struct jc_error ignored;
	if (expected && jc_sha256_file(dest, cached, &ignored) == 0 && jc_sha256_equal(cached, expected)) {
		job_phase(j, "Using cached: %s", fname);
	} else {
		unlink(dest);
		cleanup_free char *what = xasprintf("Downloading: %s", fname);
		struct jc_download dl = { .url = src, .dest = dest, .what = what,
					  .progress = job_progress, .progress_user = j };
		r = jc_download_file(&dl, err);
		if (r < 0)
			return r;
	}
	r = verify_archive(j, dest, src, expected, hex, err);
	if (r < 0) {
		/* A bad copy must not be taken for a cached one; the next fetch starts over. */
		unlink(dest);
		return r;
	}
	cleanup_free char *sum_path = xasprintf("%s.sha256", dest);
	cleanup_free char *sum = xasprintf("%s  %s\n", hex, fname);
	r = jc_write_file_atomic(sum_path, sum, strlen(sum), 0644, err);
	if (r == 0)
		*path = steal_ptr(dest);
	return r;
}

static int extract_into_temp(struct fetch_job *j, const char *path, struct jc_error *err)
{
	int r = make_temp(j, err);
	if (r < 0)
		return r;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	r = jc_extract_archive(path, j->root, base, job_progress, j, err);
	return r < 0 ? jc_error_wrap(err, "%s", j->name) : 0;
}

static int fetch_simplestreams(struct fetch_job *j, struct jc_error *err)
{
	const char *arch;
	int r = jc_host_arch(&arch, err);
	if (r < 0)
		return r;
	cleanup_free char *server = jc_ss_server_url(j->opts->server);
	job_phase(j, "Fetching index: %s", server);
	json_t *products = NULL;
	r = jc_ss_load(server, &products, err);
	if (r < 0)
		return r;
	struct jc_ss_image img = { 0 };
	r = jc_ss_select(products, j->name, arch, &img, err);
	json_decref(products);
	if (r < 0)
		return jc_error_wrap(err, "%s", server);
	cleanup_free char *url = jc_url_join(server, img.path);
	cleanup_free char *path = NULL;
	char hex[65];
	r = obtain_archive(j, url, img.sha256, &path, hex, err);
	if (r == 0)
		r = extract_into_temp(j, path, err);
	if (r == 0) {
		json_object_set_new(j->meta, "source", json_string("simplestreams"));
		json_object_set_new(j->meta, "server", json_string(server));
		json_object_set_new(j->meta, "product", json_string(img.product));
		json_object_set_new(j->meta, "version", json_string(img.version));
		json_object_set_new(j->meta, "url", json_string(url));
		json_object_set_new(j->meta, "sha256", json_string(hex));
	}
	jc_ss_image_clear(&img);
	return r;
}

static int fetch_tarball(struct fetch_job *j, struct jc_error *err)
{
	cleanup_free char *path = NULL;
	char hex[65];
	int r = obtain_archive(j, j->opts->file, j->opts->sha256, &path, hex, err);
	if (r == 0)
		r = extract_into_temp(j, path, err);
	if (r < 0)
		return r;
	json_object_set_new(j->meta, "source", json_string("tarball"));
	json_object_set_new(j->meta, "file", json_string(j->opts->file));
	json_object_set_new(j->meta, "sha256", json_string(hex));
	json_object_set_new(j->meta, "verified", json_boolean(j->opts->sha256 && !j->opts->noverify));
	return 0;
}

static int fetch_from_source(struct fetch_job *j, struct jc_error *err)
{
	const char *suite = jc_debian_suite(j->name);
	if (j->opts->file)
		return fetch_tarball(j, err);
	if (j->opts->server)
		return fetch_simplestreams(j, err);
	if (strcmp(j->name, "busybox") == 0)
		return fetch_busybox(j, err);
	if (suite)
		return fetch_debootstrap(j, suite, err);
	return jc_error_set(err, ENOENT, "%s: unknown release; built in are busybox, debian-11, "
			    "debian-12 and debian-13 (-s SERVER fetches from an image server, "
			    "-f FILE a tarball)", j->name);
}

static int check_fetch_opts(const struct jc_fetch_opts *opts, struct jc_error *err)
{
	int r = jc_release_validate_name(opts->release, err);
	if (r < 0)
		return r;
	if (opts->sha256 && !opts->file)
		return jc_error_set(err, EINVAL, "--sha256: only with -f FILE");
	if (opts->sha256 && !jc_sha256_valid(opts->sha256))
		return jc_error_set(err, EINVAL, "--sha256: '%.80s' is not a sha256 checksum "
				    "(64 hexadecimal digits)", opts->sha256);
	return 0;
}

int jc_release_fetch(struct jc_ctx *ctx, const struct jc_fetch_opts *opts, struct jc_error *err)
{
	int r = check_fetch_opts(opts, err);
	if (r == 0)
		r = jc_release_clean_leftovers(ctx, err);
	if (r < 0)
		return r;
	if (jc_release_exists(ctx, opts->release))
		return jc_error_set(err, EEXIST, "%s: release already fetched (destroy -r it to fetch "
				    "it again)", opts->release);
	struct fetch_job j = { .ctx = ctx, .opts = opts, .name = opts->release, .meta = json_object() };
	r = fetch_from_source(&j, err);
	if (r == 0)
		r = publish(&j, err);
	if (r < 0 && j.tmpdir) {
		struct jc_error ignored;
		remove_release_dir(ctx, j.tmpdir, &ignored);
	}
	/* Only an empty download directory goes; a partial download stays for resume. */
	if (j.dldir)
		rmdir(j.dldir);
	free(j.tmpdir);
	free(j.root);
	free(j.dldir);
	free(j.phase);
	json_decref(j.meta);
	return r;
}
