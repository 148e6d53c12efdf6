/* Export: the jail's tree read with archive_read_disk, written as pax + zstd through
 * a writer that hashes what it writes, so the checksum costs no second pass. */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive_api.h"
#include "copytree.h"
#include "fileio.h"
#include "runtime.h"
#include "sha256.h"
#include "util.h"

enum { COPY_BUF = 1 << 16 };

struct export_job {
	const struct jc_jail *jail;
	const char *tmp_archive;
	const char *tmp_sum;
	const char *file_name;   /* NAME_DATE.tar.zst, for the checksum line */
	pid_t parent;
	const struct jc_archive_api *a;
	struct jc_sha256 *sha;   /* of the bytes written */
	/* filled while writing */
	int fd;
	int write_errno;
	struct archive *out;
	struct archive_entry_linkresolver *links;
	char *buf;
};

static la_ssize_t write_cb(struct archive *ar, void *user, const void *data, size_t len)
{
	struct export_job *job = user;
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(job->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			job->write_errno = errno;
			job->a->archive_set_error(ar, errno, "%s: %s", job->tmp_archive, strerror(errno));
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	jc_sha256_update(job->sha, data, len);
	return (la_ssize_t)len;
}

static int archive_fail(const struct export_job *job, struct archive *ar, struct jc_error *err,
			const char *what)
{
	const struct jc_archive_api *a = job->a;
	int code = a->archive_errno(ar) > 0 ? a->archive_errno(ar) : EIO;
	return jc_error_set(err, code, "%s: %s", what, a->archive_error_string(ar));
}

static int write_header(struct export_job *job, struct archive_entry *e, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	int r = a->archive_write_header(job->out, e);
	if (r < ARCHIVE_WARN)
		return archive_fail(job, job->out, err, a->archive_entry_pathname(e));
	return 0;
}

static int write_bytes(struct export_job *job, const void *data, size_t len, const char *what,
		       struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	const char *p = data;
	while (len > 0) {
		la_ssize_t n = a->archive_write_data(job->out, p, len);
		if (n <= 0)
			return archive_fail(job, job->out, err, what);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Holes are handed to the writer as zeros: the pax writer knows the sparse map from
 * the entry and stores only the data regions. */
static int write_zeros(struct export_job *job, int64_t count, const char *what, struct jc_error *err)
{
	static const char zeros[4096];
	while (count > 0) {
		size_t n = count > (int64_t)sizeof(zeros) ? sizeof(zeros) : (size_t)count;
		int r = write_bytes(job, zeros, n, what, err);
		if (r < 0)
			return r;
		count -= (int64_t)n;
	}
	return 0;
}

static int copy_disk_data(struct export_job *job, struct archive *disk, struct archive_entry *e,
			  struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	const char *what = a->archive_entry_pathname(e);
	int64_t done = 0, size = a->archive_entry_size(e);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = a->archive_read_data_block(disk, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return archive_fail(job, disk, err, what);
		if (off > done && (r = write_zeros(job, off - done, what, err)) < 0)
			return r;
		if ((r = write_bytes(job, buf, len, what, err)) < 0)
			return r;
		done = off + (int64_t)len;
	}
	return done < size ? write_zeros(job, size - done, what, err) : 0;
}

/* One entry read from disk: renamed into the archive's NAME/root/..., hard links
 * resolved, sockets skipped (tar cannot hold them, and a stopped jail needs none). */
static int export_disk_entry(struct export_job *job, struct archive *disk, struct archive_entry *e,
			     const char *root, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	if (a->archive_entry_filetype(e) == AE_IFSOCK)
		return 0;
	const char *path = a->archive_entry_pathname(e);
	size_t rl = strlen(root);
	if (!path || strncmp(path, root, rl) != 0)
		return jc_error_set(err, EIO, "%s: unexpected path from the tree walk", path ? path : "?");
	cleanup_free char *name = xasprintf("%s/root%s", job->jail->name, path + rl);
	a->archive_entry_copy_pathname(e, name);
	struct archive_entry *sparse = NULL;
	a->archive_entry_linkify(job->links, &e, &sparse);
	int r = write_header(job, e, err);
	bool data = a->archive_entry_filetype(e) == AE_IFREG && !a->archive_entry_hardlink(e) &&
		    a->archive_entry_size(e) > 0;
	if (r == 0 && data)
		r = copy_disk_data(job, disk, e, err);
	return r;
}

static int walk_root(struct export_job *job, const char *root, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	struct archive *disk = a->archive_read_disk_new();
	struct archive_entry *e = a->archive_entry_new();
	if (!disk || !e)
		abort();
	a->archive_read_disk_set_symlink_physical(disk);
	a->archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	int r = 0;
	if (a->archive_read_disk_open(disk, root) != ARCHIVE_OK)
		r = archive_fail(job, disk, err, root);
	while (r == 0) {
		a->archive_entry_clear(e);
		int ar = a->archive_read_next_header2(disk, e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = archive_fail(job, disk, err, root);
			break;
		}
		if (a->archive_entry_filetype(e) == AE_IFDIR)
			a->archive_read_disk_descend(disk);
		r = export_disk_entry(job, disk, e, root, err);
	}
	a->archive_entry_free(e);
	a->archive_read_free(disk);
	return r;
}

/* NAME/ itself, then NAME/config.json and NAME/fstab (regular files, read whole). */
static int export_top(struct export_job *job, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	struct stat st;
	if (stat(job->jail->dir, &st) < 0)
		return jc_error_errno(err, errno, "%s", job->jail->dir);
	struct archive_entry *e = a->archive_entry_new();
	a->archive_entry_copy_stat(e, &st);
	a->archive_entry_set_pathname(e, job->jail->name);
	int r = write_header(job, e, err);
	a->archive_entry_free(e);
	return r;
}

static int export_file(struct export_job *job, const char *path, const char *member,
		       struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jc_error_errno(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return jc_error_set(err, EINVAL, "%s: not a regular file", path);
	struct archive_entry *e = a->archive_entry_new();
	a->archive_entry_copy_stat(e, &st);
	cleanup_free char *name = xasprintf("%s/%s", job->jail->name, member);
	a->archive_entry_set_pathname(e, name);
	int r = write_header(job, e, err);
	a->archive_entry_free(e);
	int64_t left = st.st_size;
	while (r == 0 && left > 0) {
		ssize_t n = read(fd, job->buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return jc_error_errno(err, n < 0 ? errno : EIO, "%s: read", path);
		r = write_bytes(job, job->buf, (size_t)n, path, err);
		left -= n;
	}
	return r;
}

static int open_writer(struct export_job *job, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	job->out = a->archive_write_new();
	if (!job->out)
		abort();
	if (a->archive_write_set_format_pax(job->out) != ARCHIVE_OK ||
	    a->archive_write_add_filter_zstd(job->out) != ARCHIVE_OK)
		return archive_fail(job, job->out, err, "zstd/pax");
	/* Level 3 is zstd's default; threads keep big jails quick (ignored when unsupported). */
	a->archive_write_set_filter_option(job->out, "zstd", "compression-level", "3");
	a->archive_write_set_filter_option(job->out, "zstd", "threads", "0");
	a->archive_write_set_bytes_in_last_block(job->out, 1);
	job->links = a->archive_entry_linkresolver_new();
	a->archive_entry_linkresolver_set_strategy(job->links, a->archive_format(job->out));
	if (a->archive_write_open2(job->out, job, NULL, write_cb, NULL, NULL) != ARCHIVE_OK)
		return archive_fail(job, job->out, err, job->tmp_archive);
	return 0;
}

static int finish_sum(struct export_job *job, struct jc_error *err)
{
	unsigned char md[JC_SHA256_LEN];
	char hex[65];
	jc_sha256_final(job->sha, md);
	jc_sha256_hex(md, hex);
	cleanup_free char *line = xasprintf("%s  %s\n", hex, job->file_name);
	return jc_write_file_atomic(job->tmp_sum, line, strlen(line), 0644, err);
}

static int write_archive(struct export_job *job, const char *root, struct jc_error *err)
{
	const struct jc_archive_api *a = job->a;
	cleanup_free char *cfg = xasprintf("%s/config.json", job->jail->dir);
	int r = open_writer(job, err);
	if (r == 0)
		r = export_top(job, err);
	if (r == 0)
		r = export_file(job, cfg, "config.json", err);
	if (r == 0)
		r = export_file(job, job->jail->fstab, "fstab", err);
	if (r == 0)
		r = walk_root(job, root, err);
	if (r == 0 && a->archive_write_close(job->out) != ARCHIVE_OK)
		r = archive_fail(job, job->out, err, job->tmp_archive);
	if (r == 0 && fsync(job->fd) < 0)
		r = jc_error_errno(err, errno, "%s: fsync", job->tmp_archive);
	if (r == 0)
		r = finish_sum(job, err);
	return r;
}

/* Runs with the jail root visible at root: in a child process on the dir back end, which
 * must not outlive the command (a killed export must not go on writing). */
static int export_cb(const char *root, void *arg, struct jc_error *err)
{
	struct export_job *job = arg;
	if (getpid() != job->parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != job->parent)
			return jc_error_set(err, EINTR, "export: the command was interrupted");
	}
	job->fd = open(job->tmp_archive, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (job->fd < 0)
		return jc_error_errno(err, errno, "%s", job->tmp_archive);
	job->buf = xmalloc(COPY_BUF);
	int r = write_archive(job, root, err);
	if (job->out)
		job->a->archive_write_free(job->out);
	if (job->links)
		job->a->archive_entry_linkresolver_free(job->links);
	free(job->buf);
	close(job->fd);
	return r;
}

static int check_stopped(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	struct jc_run_state st = { 0 };
	int r = jc_runtime_status(ctx, jail, &st, err);
	if (r == 0 && st.running)
		r = jc_error_set(err, EBUSY, "%s: the jail is running: stop it before exporting",
				 jail->name);
	return r;
}

/* Checksum first, then the archive: an archive is never published without its sum. */
static int publish(const char *tmp_sum, const char *sum, const char *tmp_archive,
		   const char *archive, struct jc_error *err)
{
	if (rename(tmp_sum, sum) < 0)
		return jc_error_errno(err, errno, "%s", sum);
	if (rename(tmp_archive, archive) < 0)
		return jc_error_errno(err, errno, "%s", archive);
	return jc_fsync_parent(archive, err);
}

int jc_image_export(struct jc_ctx *ctx, struct jc_jail *jail, char **out_path,
		    struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	jc_image_clean_leftovers(ctx, err);
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r == 0)
		r = check_stopped(ctx, jail, err);
	if (r < 0)
		return r;
	/* Both libraries are loaded before anything is written. */
	cleanup_archive_api struct jc_archive_api api = { 0 };
	cleanup_sha256 struct jc_sha256 *sha = NULL;
	if ((r = jc_archive_api_open(&api, err)) < 0 || (r = jc_sha256_begin(&sha, err)) < 0)
		return jc_error_wrap(err, "%s: export", jail->name);
	cleanup_free char *images = xasprintf("%s/images", ctx->iocroot);
	if ((r = jc_mkdir_p(images, 0755, err)) < 0)
		return r;
	cleanup_free char *date = jc_utc_format(time(NULL), "%F");
	cleanup_free char *file = xasprintf("%s_%s.tar.zst", jail->name, date);
	long pid = (long)getpid();
	cleanup_free char *archive = xasprintf("%s/%s", images, file);
	cleanup_free char *sum = xasprintf("%s/%s_%s.sha256", images, jail->name, date);
	cleanup_free char *tmp_archive = xasprintf("%s/.export-%ld-%s", images, pid, file);
	cleanup_free char *tmp_sum = xasprintf("%s/.export-%ld-%s_%s.sha256", images, pid, jail->name, date);
	struct export_job job = {
		.jail = jail, .tmp_archive = tmp_archive, .tmp_sum = tmp_sum, .file_name = file,
		.parent = getpid(), .a = &api, .sha = sha, .fd = -1,
	};
	r = jc_jail_with_root(ctx, jail->root, export_cb, &job, err);
	if (r == 0)
		r = publish(tmp_sum, sum, tmp_archive, archive, err);
	if (r < 0) {
		unlink(tmp_archive);
		unlink(tmp_sum);
		return jc_error_wrap(err, "%s: export", jail->name);
	}
	if (out_path)
		*out_path = steal_ptr(archive);
	return 0;
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* .export-PID-... (and jc_write_file_atomic's ...tmp.PID under it). */
static bool dead_leftover(const char *name)
{
	if (!jc_str_has_prefix(name, ".export-"))
		return false;
	const char *p = name + strlen(".export-");
	cleanup_free char *digits = xstrndup(p, strspn(p, "0123456789"));
	long pid = 0;
	return *digits && jc_parse_long(digits, &pid) == 0 && !pid_alive(pid);
}

static int clean_images(struct jc_ctx *ctx, bool all, struct jc_error *err)
{
	int r = jc_ctx_open_pool(ctx, err);
	if (r < 0)
		return r;
	cleanup_free char *images = xasprintf("%s/images", ctx->iocroot);
	cleanup_closedir DIR *d = opendir(images);
	if (!d)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", images);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!all && !dead_leftover(de->d_name))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", images, de->d_name);
		if ((r = jc_tree_remove(path, NULL, NULL, err)) < 0)
			return r;
		jc_debug(ctx, "removed %s", path);
	}
	return 0;
}

int jc_image_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err)
{
	return clean_images(ctx, false, err);
}

int jc_image_clean_all(struct jc_ctx *ctx, struct jc_error *err)
{
	return clean_images(ctx, true, err);
}

bool jc_image_file_matches(const char *jail, const char *file)
{
	size_t n = strlen(jail);
	static const char shape[] = "_dddd-dd-dd.tar.zst";
	if (strncmp(file, jail, n) != 0 || strlen(file + n) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		char c = file[n + i];
		if (shape[i] == 'd' ? !(c >= '0' && c <= '9') : c != shape[i])
			return false;
	}
	return true;
}
