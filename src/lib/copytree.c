#include "copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kernel_api.h"
#include "util.h"

/* ---- (dev, ino) map: hard links in copies, inodes already counted in usage ---- */

struct inode_entry {
	dev_t dev;
	ino_t ino;
	char *val;
	bool used;
};

struct inode_map {
	struct inode_entry *tab;
	size_t cap, count;
};

static size_t inode_hash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static struct inode_entry *inode_slot(struct inode_entry *tab, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = inode_hash(dev, ino, cap);
	while (tab[i].used && !(tab[i].dev == dev && tab[i].ino == ino))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void inode_map_grow(struct inode_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct inode_entry *ntab = xcalloc(ncap, sizeof(*ntab));
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].used)
			*inode_slot(ntab, ncap, m->tab[i].dev, m->tab[i].ino) = m->tab[i];
	free(m->tab);
	m->tab = ntab;
	m->cap = ncap;
}

/* Returns the entry for (dev, ino); *found says whether it existed before. */
static struct inode_entry *inode_map_get(struct inode_map *m, dev_t dev, ino_t ino, bool *found)
{
	if ((m->count + 1) * 2 > m->cap)
		inode_map_grow(m);
	struct inode_entry *e = inode_slot(m->tab, m->cap, dev, ino);
	*found = e->used;
	if (!e->used) {
		e->used = true;
		e->dev = dev;
		e->ino = ino;
		e->val = NULL;
		m->count++;
	}
	return e;
}

static void inode_map_clear(struct inode_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->tab[i].val);
	free(m->tab);
	m->tab = NULL;
	m->cap = m->count = 0;
}

/* ---- helpers ---- */

bool jc_is_mount_root(int dfd, const char *name)
{
	struct statx stx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
		return false;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	/* Kernels before 5.8: a different device than the parent is the best we can tell. */
	if (!S_ISDIR(stx.stx_mode))
		return false;
	cleanup_free char *parent = xasprintf("%s/..", name);
	struct stat st;
	return fstatat(dfd, parent, &st, 0) == 0 &&
	       makedev(stx.stx_dev_major, stx.stx_dev_minor) != st.st_dev;
}

static int open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static DIR *dir_stream(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* ---- xattrs ---- */

/* Either fd-based (path == NULL) or, for symlinks and device nodes that cannot be
 * opened, through /proc/self/fd/<dirfd>/<name> so no path outside our fds is resolved. */
struct xnode {
	int fd;
	const char *path;
};

static ssize_t x_list(struct xnode n, char *buf, size_t size)
{
	return n.path ? llistxattr(n.path, buf, size) : flistxattr(n.fd, buf, size);
}

static ssize_t x_get(struct xnode n, const char *name, void *buf, size_t size)
{
	return n.path ? lgetxattr(n.path, name, buf, size) : fgetxattr(n.fd, name, buf, size);
}

static int x_set(struct xnode n, const char *name, const void *val, size_t size)
{
	return n.path ? lsetxattr(n.path, name, val, size, 0) : fsetxattr(n.fd, name, val, size, 0);
}

static bool xattr_ignorable(int e, bool symlink)
{
	/* user.* xattrs are refused on symlinks (EPERM); the target may lack xattrs. */
	return e == ENOTSUP || e == EOPNOTSUPP || (symlink && e == EPERM);
}

static int copy_one_xattr(struct xnode s, struct xnode d, const char *name, bool symlink,
			  const char *dpath, struct jc_error *err)
{
	for (;;) {
		ssize_t size = x_get(s, name, NULL, 0);
		if (size < 0 && errno == ENODATA)
			return 0; /* removed meanwhile */
		if (size < 0)
			return jc_error_errno(err, errno, "%s: xattr %s", dpath, name);
		cleanup_free char *val = xmalloc((size_t)size + 1);
		ssize_t got = x_get(s, name, val, (size_t)size);
		if (got < 0 && (errno == ERANGE || errno == ENODATA))
			continue;
		if (got < 0)
			return jc_error_errno(err, errno, "%s: xattr %s", dpath, name);
		if (x_set(d, name, val, (size_t)got) < 0 && !xattr_ignorable(errno, symlink))
			return jc_error_errno(err, errno, "%s: set xattr %s", dpath, name);
		return 0;
	}
}

static int copy_xattrs(struct xnode s, struct xnode d, bool symlink, const char *dpath,
		       struct jc_error *err)
{
	cleanup_free char *names = NULL;
	ssize_t len;
	for (;;) {
		len = x_list(s, NULL, 0);
		if (len <= 0)
			return (len < 0 && !xattr_ignorable(errno, symlink))
				       ? jc_error_errno(err, errno, "%s: list xattrs", dpath)
				       : 0;
		free(names);
		names = xmalloc((size_t)len);
		len = x_list(s, names, (size_t)len);
		if (len >= 0)
			break;
		if (errno != ERANGE)
			return jc_error_errno(err, errno, "%s: list xattrs", dpath);
	}
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(names + off) + 1) {
		int r = copy_one_xattr(s, d, names + off, symlink, dpath, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- copy ---- */

struct copy_ctx {
	int dst_root;           /* hard links are made relative to it */
	struct inode_map links; /* source (dev, ino) -> first destination path, dst_root-relative */
};

/* Owner before mode (chown clears set-id bits), xattrs after chown (it drops
 * security.capability), times last. */
static int set_meta_fd(int sfd, int dfd, const struct stat *st, const char *dpath,
		       struct jc_error *err)
{
	if (fchown(dfd, st->st_uid, st->st_gid) < 0)
		return jc_error_errno(err, errno, "%s: chown", dpath);
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return jc_error_errno(err, errno, "%s: chmod", dpath);
	struct xnode s = { .fd = sfd }, d = { .fd = dfd };
	int r = copy_xattrs(s, d, false, dpath, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (futimens(dfd, ts) < 0)
		return jc_error_errno(err, errno, "%s: set times", dpath);
	return 0;
}

static int set_meta_at(int sdir, int ddir, const char *name, const struct stat *st,
		       const char *dpath, struct jc_error *err)
{
	bool symlink = S_ISLNK(st->st_mode);
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return jc_error_errno(err, errno, "%s: chown", dpath);
	if (!symlink && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return jc_error_errno(err, errno, "%s: chmod", dpath);
	cleanup_free char *sp = xasprintf("/proc/self/fd/%d/%s", sdir, name);
	cleanup_free char *dp = xasprintf("/proc/self/fd/%d/%s", ddir, name);
	struct xnode s = { .path = sp }, d = { .path = dp };
	int r = copy_xattrs(s, d, symlink, dpath, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return jc_error_errno(err, errno, "%s: set times", dpath);
	return 0;
}

static int copy_data(int in, int out, const char *dpath, struct jc_error *err)
{
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	bool cfr = true;
	for (;;) {
		ssize_t n;
		if (cfr) {
			n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
				      errno == EINVAL)) {
				/* The offsets moved past what was copied: read/write resumes there. */
				cfr = false;
				continue;
			}
		} else {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			for (ssize_t off = 0; n > 0 && off < n;) {
				ssize_t w = write(out, buf + off, (size_t)(n - off));
				if (w < 0 && errno != EINTR)
					return jc_error_errno(err, errno, "%s: write", dpath);
				off += w > 0 ? w : 0;
			}
		}
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return jc_error_errno(err, errno, "%s: copy", dpath);
	}
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     const char *dpath, struct jc_error *err)
{
	/* O_PATH first: if a jail swapped the file for a fifo or device, opening it for
	 * reading could block or have side effects. */
	cleanup_close int pfd = openat(sdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return jc_error_errno(err, errno, "%s: open source", dpath);
	struct stat now;
	if (fstat(pfd, &now) < 0 || now.st_ino != st->st_ino || !S_ISREG(now.st_mode))
		return jc_error_set(err, EAGAIN, "%s: source changed during copy", dpath);
	cleanup_free char *proc = xasprintf("/proc/self/fd/%d", pfd);
	cleanup_close int in = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return jc_error_errno(err, errno, "%s: open source", dpath);
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int out = openat(ddir, name, flags, 0600);
	if (out < 0)
		return jc_error_errno(err, errno, "%s", dpath);
	int r = copy_data(in, out, dpath, err);
	if (r < 0)
		return r;
	return set_meta_fd(in, out, st, dpath, err);
}

static int copy_symlink(int sdir, int ddir, const char *name, const struct stat *st,
			const char *dpath, struct jc_error *err)
{
	size_t cap = (size_t)st->st_size + 2;
	cleanup_free char *target = xmalloc(cap);
	ssize_t n = readlinkat(sdir, name, target, cap);
	if (n < 0)
		return jc_error_errno(err, errno, "%s: readlink", dpath);
	if ((size_t)n >= cap)
		return jc_error_set(err, EAGAIN, "%s: symlink changed during copy", dpath);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return jc_error_errno(err, errno, "%s", dpath);
	return set_meta_at(sdir, ddir, name, st, dpath, err);
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const char *dpath, const char *rel,
		    struct jc_error *err);

static int copy_subdir(struct copy_ctx *c, int sdir, int ddir, const char *name,
		       const struct stat *st, const char *dpath, const char *rel,
		       struct jc_error *err)
{
	if (mkdirat(ddir, name, 0700) < 0)
		return jc_error_errno(err, errno, "%s", dpath);
	cleanup_close int s = open_dir_at(sdir, name);
	cleanup_close int d = open_dir_at(ddir, name);
	if (s < 0 || d < 0)
		return jc_error_errno(err, errno, "%s: open", dpath);
	struct stat now;
	if (fstat(s, &now) < 0 || now.st_ino != st->st_ino)
		return jc_error_set(err, EAGAIN, "%s: source changed during copy", dpath);
	/* Another mount (or btrfs subvolume) inside the tree: keep the mount point only. */
	bool other = jc_is_mount_root(sdir, name);
	struct stat parent;
	if (fstat(sdir, &parent) == 0 && parent.st_dev != st->st_dev)
		other = true;
	if (!other) {
		int r = copy_dir(c, s, d, dpath, rel, err);
		if (r < 0)
			return r;
	}
	return set_meta_fd(s, d, st, dpath, err);
}

static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name,
		      const char *dpath, const char *rel, struct jc_error *err)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s: stat source", dpath);
	struct inode_entry *link = NULL;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		bool found;
		link = inode_map_get(&c->links, st.st_dev, st.st_ino, &found);
		if (found && link->val) {
			if (linkat(c->dst_root, link->val, ddir, name, 0) < 0)
				return jc_error_errno(err, errno, "%s: link", dpath);
			return 0;
		}
	}
	int r;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_subdir(c, sdir, ddir, name, &st, dpath, rel, err);
	case S_IFREG:
		r = copy_file(sdir, ddir, name, &st, dpath, err);
		break;
	case S_IFLNK:
		r = copy_symlink(sdir, ddir, name, &st, dpath, err);
		break;
	default: /* devices, fifos, sockets (overlayfs whiteouts are 0:0 char devices) */
		if (mknodat(ddir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return jc_error_errno(err, errno, "%s: mknod", dpath);
		r = set_meta_at(sdir, ddir, name, &st, dpath, err);
	}
	if (r == 0 && link)
		link->val = xstrdup(rel);
	return r;
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const char *dpath, const char *rel,
		    struct jc_error *err)
{
	cleanup_closedir DIR *d = dir_stream(sfd);
	if (!d)
		return jc_error_errno(err, errno, "%s: read source directory", dpath);
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (is_dot(de->d_name))
			continue;
		cleanup_free char *cpath = xasprintf("%s/%s", dpath, de->d_name);
		cleanup_free char *crel = rel ? xasprintf("%s/%s", rel, de->d_name)
					      : xstrdup(de->d_name);
		int r = copy_entry(c, sfd, dfd, de->d_name, cpath, crel, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return jc_error_errno(err, errno, "%s: read source directory", dpath);
	return 0;
}

static int tree_copy(const char *src, const char *dst, bool create, struct jc_error *err)
{
	cleanup_close int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return jc_error_errno(err, errno, "%s", src);
	struct stat st;
	if (fstat(sfd, &st) < 0)
		return jc_error_errno(err, errno, "%s", src);
	if (create && mkdir(dst, 0700) < 0)
		return jc_error_errno(err, errno, "%s", dst);
	cleanup_close int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return jc_error_errno(err, errno, "%s", dst);
	struct copy_ctx c = { .dst_root = dfd };
	int r = copy_dir(&c, sfd, dfd, dst, NULL, err);
	inode_map_clear(&c.links);
	if (r == 0)
		r = set_meta_fd(sfd, dfd, &st, dst, err);
	return r;
}

int jc_tree_copy(const char *src, const char *dst, struct jc_error *err)
{
	struct stat st;
	if (lstat(dst, &st) == 0)
		return jc_error_set(err, EEXIST, "%s: already exists", dst);
	int r = tree_copy(src, dst, true, err);
	if (r < 0) {
		struct jc_error ignored;
		jc_tree_remove(dst, NULL, NULL, &ignored);
	}
	return r;
}

int jc_tree_copy_into(const char *src, const char *dst, struct jc_error *err)
{
	return tree_copy(src, dst, false, err);
}

/* ---- remove ---- */

static int remove_contents(int dfd, const char *path, jc_tree_other_dev_fn hook, void *user,
			   struct jc_error *err);

static int remove_subdir(int dfd, const char *name, const struct stat *st, dev_t parent_dev,
			 const char *path, jc_tree_other_dev_fn hook, void *user,
			 struct jc_error *err)
{
	if (jc_is_mount_root(dfd, name))
		return jc_error_set(err, EBUSY, "%s: is a mount point; not removing it", path);
	if (st->st_dev != parent_dev) {
		if (!hook)
			return jc_error_set(err, EBUSY, "%s: is on another filesystem; not removing it",
					    path);
		return hook(dfd, name, path, user, err);
	}
	cleanup_close int cfd = open_dir_at(dfd, name);
	if (cfd < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	int r = remove_contents(cfd, path, hook, user, err);
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return jc_error_errno(err, errno, "%s: remove", path);
	return 0;
}

static int remove_contents(int dfd, const char *path, jc_tree_other_dev_fn hook, void *user,
			   struct jc_error *err)
{
	struct stat self;
	if (fstat(dfd, &self) < 0)
		return jc_error_errno(err, errno, "%s", path);
	cleanup_closedir DIR *d = dir_stream(dfd);
	if (!d)
		return jc_error_errno(err, errno, "%s", path);
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (is_dot(de->d_name))
			continue;
		cleanup_free char *cpath = xasprintf("%s/%s", path, de->d_name);
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return jc_error_errno(err, errno, "%s", cpath);
		}
		int r = 0;
		if (S_ISDIR(st.st_mode))
			r = remove_subdir(dfd, de->d_name, &st, self.st_dev, cpath, hook, user,
					  err);
		else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
			r = jc_error_errno(err, errno, "%s: remove", cpath);
		if (r < 0)
			return r;
	}
	if (errno)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

int jc_tree_remove(const char *path, jc_tree_other_dev_fn hook, void *user, struct jc_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return jc_error_errno(err, errno, "%s: remove", path);
		return 0;
	}
	if (jc_is_mount_root(AT_FDCWD, path))
		return jc_error_set(err, EBUSY, "%s: is a mount point; not removing it", path);
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	int r = remove_contents(fd, path, hook, user, err);
	if (r < 0)
		return r;
	if (rmdir(path) < 0 && errno != ENOENT)
		return jc_error_errno(err, errno, "%s: remove", path);
	return 0;
}

/* ---- usage ---- */

struct jc_tree_usage {
	struct inode_map seen;
	uint64_t bytes;
};

struct jc_tree_usage *jc_tree_usage_new(void)
{
	return xcalloc(1, sizeof(struct jc_tree_usage));
}

void jc_tree_usage_free(struct jc_tree_usage *u)
{
	if (!u)
		return;
	inode_map_clear(&u->seen);
	free(u);
}

uint64_t jc_tree_usage_bytes(const struct jc_tree_usage *u)
{
	return u->bytes;
}

static void usage_count(struct jc_tree_usage *u, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) {
		bool found;
		inode_map_get(&u->seen, st->st_dev, st->st_ino, &found);
		if (found)
			return;
	}
	u->bytes += (uint64_t)st->st_blocks * 512;
}

static int usage_dir(struct jc_tree_usage *u, int dfd, const char *path, struct jc_error *err)
{
	struct stat self;
	if (fstat(dfd, &self) < 0)
		return jc_error_errno(err, errno, "%s", path);
	cleanup_closedir DIR *d = dir_stream(dfd);
	if (!d)
		return jc_error_errno(err, errno, "%s", path);
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (is_dot(de->d_name))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return jc_error_errno(err, errno, "%s/%s", path, de->d_name);
		}
		usage_count(u, &st);
		if (!S_ISDIR(st.st_mode) || st.st_dev != self.st_dev ||
		    jc_is_mount_root(dfd, de->d_name))
			continue;
		cleanup_close int cfd = open_dir_at(dfd, de->d_name);
		if (cfd < 0)
			continue;
		cleanup_free char *cpath = xasprintf("%s/%s", path, de->d_name);
		int r = usage_dir(u, cfd, cpath, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

int jc_tree_usage_add(struct jc_tree_usage *u, const char *path, struct jc_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	usage_count(u, &st);
	if (!S_ISDIR(st.st_mode))
		return 0;
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	return usage_dir(u, fd, path, err);
}
