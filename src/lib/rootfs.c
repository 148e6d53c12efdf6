#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int openat2_in_root(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int jc_rootfs_open(const char *root, const char *rel, int flags, mode_t mode, struct jc_error *err)
{
	cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jc_error_errno(err, errno, "%s", root);
	while (*rel == '/')
		rel++;
	int fd = openat2_in_root(rootfd, *rel ? rel : ".", flags, mode);
	if (fd < 0)
		return jc_error_errno(err, -fd, "%s/%s", root, rel);
	return fd;
}

int jc_rootfs_mkdir_p(const char *root, const char *rel, mode_t mode, struct jc_error *err)
{
	cleanup_close int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return jc_error_errno(err, errno, "%s", root);
	cleanup_strv char **parts = jc_strsplit(rel, "/");
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], "..") == 0 || strcmp(parts[i], ".") == 0)
			return jc_error_set(err, EINVAL, "%s: '%s' is not allowed in a path", rel, parts[i]);
		if (mkdirat(dirfd, parts[i], mode) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "%s/%s", root, rel);
		/* O_NOFOLLOW: a symlink planted in the jail is not a directory we enter. */
		int next = openat(dirfd, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return jc_error_errno(err, errno, "%s/%s", root, rel);
		close(dirfd);
		dirfd = next;
	}
	return 0;
}

int jc_rootfs_write_file(const char *root, const char *rel, const void *data, size_t len,
			 mode_t mode, struct jc_error *err)
{
	cleanup_free char *copy = xstrdup(rel);
	cleanup_free char *copy2 = xstrdup(rel);
	const char *dir = dirname(copy);
	const char *base = basename(copy2);
	int r = jc_rootfs_mkdir_p(root, dir, 0755, err);
	if (r < 0)
		return r;
	cleanup_close int dirfd = jc_rootfs_open(root, dir, O_PATH | O_DIRECTORY, 0, err);
	if (dirfd < 0)
		return dirfd;
	cleanup_free char *tmp = xasprintf(".%s.jailctl-%ld", base, (long)getpid());
	cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s/%s", root, rel);
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = jc_error_errno(err, errno, "%s/%s", root, rel);
			unlinkat(dirfd, tmp, 0);
			return r;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || renameat(dirfd, tmp, dirfd, base) < 0) {
		r = jc_error_errno(err, errno, "%s/%s", root, rel);
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int jc_rootfs_read_file(const char *root, const char *rel, char **out, struct jc_error *err)
{
	cleanup_close int fd = jc_rootfs_open(root, rel, O_RDONLY, 0, err);
	if (fd < 0)
		return fd;
	cleanup_fclose FILE *f = fdopen(fd, "r");
	if (!f)
		return jc_error_errno(err, errno, "%s/%s", root, rel);
	fd = -1;
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = xmalloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	*out = steal_ptr(buf);
	return 0;
}
