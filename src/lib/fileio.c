#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int jc_fsync_parent(const char *path, struct jc_error *err)
{
	cleanup_free char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return jc_error_errno(err, errno, "%s", dir);
	if (fsync(dfd) < 0)
		return jc_error_errno(err, errno, "%s: fsync", dir);
	return 0;
}

int jc_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Plain write for files in a directory that is not published yet: the publishing step
 * makes everything durable at once (jc_syncfs), which saves an fsync per file. */
int jc_write_file_unsynced(const char *path, const void *data, size_t len, mode_t mode,
			   struct jc_error *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	int r = jc_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	return r < 0 ? jc_error_errno(err, -r, "%s: write", path) : 0;
}

int jc_syncfs(const char *path, struct jc_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	if (syncfs(fd) < 0)
		return jc_error_errno(err, errno, "%s: syncfs", path);
	return 0;
}

int jc_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct jc_error *err)
{
	/* The temp name carries the pid so concurrent writers never share a temp file. */
	cleanup_free char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	int r = jc_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return jc_error_errno(err, -r, "%s: write", path);
	}
	return 0;
}

int jc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct jc_error *err)
{
	int r = jc_write_file_replace(path, data, len, mode, err);
	return r < 0 ? r : jc_fsync_parent(path, err);
}

int jc_read_file(const char *path, char **out, size_t *len, struct jc_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	size_t cap = 4096, used = 0;
	cleanup_free char *buf = xmalloc(cap);
	for (;;) {
		if (used + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jc_error_errno(err, errno, "%s: read", path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	*out = steal_ptr(buf);
	return 0;
}

static int copy_file(const char *src, const char *dst, bool synced, struct jc_error *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	struct stat st;
	if (stat(src, &st) < 0)
		return jc_error_errno(err, errno, "%s", src);
	int r = jc_read_file(src, &data, &len, err);
	if (r < 0)
		return r;
	mode_t mode = st.st_mode & 07777;
	return synced ? jc_write_file_atomic(dst, data, len, mode, err) :
			jc_write_file_unsynced(dst, data, len, mode, err);
}

int jc_copy_file_atomic(const char *src, const char *dst, struct jc_error *err)
{
	return copy_file(src, dst, true, err);
}

int jc_copy_file_unsynced(const char *src, const char *dst, struct jc_error *err)
{
	return copy_file(src, dst, false, err);
}

int jc_lock_file(const char *lockpath, int *out_fd, struct jc_error *err)
{
	cleanup_close int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s: cannot open lock", lockpath);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return jc_error_errno(err, errno, "%s: cannot lock", lockpath);
	}
	*out_fd = steal_fd(fd);
	return 0;
}

int jc_mkdir_p(const char *path, mode_t mode, struct jc_error *err)
{
	if (jc_is_dir(path))   /* the usual case: one stat, not a mkdir per component */
		return 0;
	cleanup_free char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "%s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return jc_error_errno(err, errno, "%s", copy);
	if (!jc_is_dir(copy))
		return jc_error_set(err, ENOTDIR, "%s: not a directory", copy);
	return 0;
}

bool jc_path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool jc_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void jc_boot_id(char out[40])
{
	cleanup_free char *text = NULL;
	out[0] = '\0';
	if (jc_read_file("/proc/sys/kernel/random/boot_id", &text, NULL, &(struct jc_error){ 0 }) == 0)
		snprintf(out, 40, "%s", jc_strstrip(text));
}

int jc_open_helper(const char *name, struct jc_error *err)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return jc_error_errno(err, errno, "/proc/self/exe");
	exe[n] = '\0';
	const char *dir = dirname(exe);
	static const char *const rel[] = { "", "../libexec/jailctl/", "../lib/jailctl/" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(rel); i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s%s", dir, rel[i], name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	return jc_error_set(err, ENOENT, "%s not found next to %s or in ../libexec/jailctl", name,
			    dir);
}
