/* The btrfs back end: a dataset is a subvolume, a clone a writable snapshot, a snapshot a
 * read-only one, a quota a qgroup limit on the subvolume's level-0 qgroup. */
#include "storage.h"

#include <btrfsutil.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "copytree.h"
#include "fileio.h"
#include "kernel_api.h"
#include "util.h"

static int bu_fail(struct jc_error *err, enum btrfs_util_error e, const char *path)
{
	int code = errno;
	if (e == BTRFS_UTIL_ERROR_NOT_BTRFS || e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME || code == 0)
		code = EINVAL;
	return jc_error_set(err, code, "%s: %s: %s", path, btrfs_util_strerror(e), strerror(code));
}

static bool is_subvolume(const char *path)
{
	return btrfs_util_is_subvolume(path) == BTRFS_UTIL_OK;
}

static int btrfs_create(const char *path, struct jc_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_create_subvolume(path, 0, NULL, NULL);
	return e ? bu_fail(err, e, path) : 0;
}

static int btrfs_destroy(const char *path, struct jc_error *err);

/* A source that is a plain directory (not a subvolume) cannot be snapshotted: make a
 * subvolume and copy into it, reflinked so it stays cheap. */
static int copy_into_subvolume(const char *src, const char *dst, struct jc_error *err)
{
	int r = btrfs_create(dst, err);
	if (r == 0)
		r = jc_tree_copy_into(src, dst, err);
	if (r < 0) {
		struct jc_error ignored;
		btrfs_destroy(dst, &ignored);
	}
	return r;
}

static int make_snapshot(const char *src, const char *dst, bool readonly, struct jc_error *err)
{
	if (jc_path_exists(dst))
		return jc_error_set(err, EEXIST, "%s: already exists", dst);
	if (!is_subvolume(src)) {
		if (!jc_is_dir(src))
			return jc_error_set(err, ENOENT, "%s: no such dataset", src);
		int r = copy_into_subvolume(src, dst, err);
		if (r == 0 && readonly) {
			errno = 0;
			enum btrfs_util_error e = btrfs_util_set_subvolume_read_only(dst, true);
			if (e)
				r = bu_fail(err, e, dst);
		}
		return r;
	}
	errno = 0;
	int flags = readonly ? BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY : 0;
	enum btrfs_util_error e = btrfs_util_create_snapshot(src, dst, flags, NULL, NULL);
	return e ? bu_fail(err, e, dst) : 0;
}

static int btrfs_clone(const char *src, const char *dst, struct jc_error *err)
{
	return make_snapshot(src, dst, false, err);
}

static int btrfs_snapshot(const char *src, const char *dst, struct jc_error *err)
{
	return make_snapshot(src, dst, true, err);
}

/* ---- destroy ---- */

#define DELETE_FLAGS BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE

static int delete_nested(int parent_fd, const char *name, const char *path, void *user,
			 struct jc_error *err)
{
	(void)user;
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = openat(parent_fd, name, flags);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	if (btrfs_util_is_subvolume_fd(fd) != BTRFS_UTIL_OK)
		return jc_error_set(err, EBUSY, "%s: is on another filesystem; not removing it",
				    path);
	errno = 0;
	enum btrfs_util_error e = btrfs_util_delete_subvolume_fd(parent_fd, name, DELETE_FLAGS);
	return e ? bu_fail(err, e, path) : 0;
}

static int btrfs_destroy(const char *path, struct jc_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : jc_error_errno(err, errno, "%s", path);
	if (S_ISDIR(st.st_mode) && is_subvolume(path)) {
		errno = 0;
		enum btrfs_util_error e = btrfs_util_delete_subvolume(path, DELETE_FLAGS);
		return e ? bu_fail(err, e, path) : 0;
	}
	/* A plain directory: nested subvolumes show up as a different st_dev. */
	return jc_tree_remove(path, delete_nested, NULL, err);
}

/* ---- read-only ---- */

static int btrfs_set_readonly(const char *path, bool readonly, struct jc_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_set_subvolume_read_only(path, readonly);
	return e ? bu_fail(err, e, path) : 0;
}

static int btrfs_get_readonly(const char *path, bool *out, struct jc_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_get_subvolume_read_only(path, out);
	return e ? bu_fail(err, e, path) : 0;
}

/* ---- qgroups ---- */

/* Look up item (0, type, offset) in the quota tree. 1 = found, 0 = absent, -ENOENT when
 * quotas were never enabled (the tree does not exist). */
static int quota_item(int fd, uint32_t type, uint64_t offset, void *item, size_t size)
{
	struct btrfs_ioctl_search_args args;
	memset(&args, 0, sizeof(args));
	args.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
	args.key.min_type = args.key.max_type = type;
	args.key.min_offset = args.key.max_offset = offset;
	args.key.max_transid = UINT64_MAX;
	args.key.nr_items = 1;
	if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0)
		return -errno;
	if (args.key.nr_items == 0)
		return 0;
	struct btrfs_ioctl_search_header sh;
	memcpy(&sh, args.buf, sizeof(sh));
	if (sh.type != type || sh.offset != offset || sh.len < size)
		return 0;
	memcpy(item, args.buf + sizeof(sh), size);
	return 1;
}

/* Quota status flags, 0 when quotas are off. */
static int quota_status(int fd, const char *path, uint64_t *flags, struct jc_error *err)
{
	struct btrfs_qgroup_status_item status;
	int r = quota_item(fd, BTRFS_QGROUP_STATUS_KEY, 0, &status, sizeof(status));
	if (r == -ENOENT || r == 0) {
		*flags = 0;
		return 0;
	}
	if (r < 0)
		return jc_error_errno(err, -r, "%s: read quota status", path);
	*flags = le64toh(status.flags);
	return 0;
}

static int quota_enable(int fd, const char *path, struct jc_error *err)
{
	struct btrfs_ioctl_quota_ctl_args ctl = { .cmd = BTRFS_QUOTA_CTL_ENABLE };
	if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &ctl) < 0)
		return jc_error_errno(err, errno, "%s: enable quotas", path);
	/* Enabling starts a rescan of existing data; usage figures are wrong until it ends. */
	if (ioctl(fd, BTRFS_IOC_QUOTA_RESCAN_WAIT) < 0 && errno != ENOTCONN)
		return jc_error_errno(err, errno, "%s: wait for quota rescan", path);
	return 0;
}

static int open_subvolume(const char *path, uint64_t *id, struct jc_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	errno = 0;
	enum btrfs_util_error e = btrfs_util_is_subvolume_fd(fd);
	if (e == BTRFS_UTIL_OK)
		e = btrfs_util_subvolume_id_fd(fd, id);
	if (e) {
		int r = bu_fail(err, e, path);
		close(fd);
		return r;
	}
	return fd;
}

static int set_limit(int fd, const char *path, uint64_t id, uint64_t bytes, struct jc_error *err)
{
	struct btrfs_ioctl_qgroup_limit_args a;
	memset(&a, 0, sizeof(a));
	a.qgroupid = id; /* level 0: the qgroup id is the subvolume id */
	a.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
	/* All ones is the kernel's "clear this limit". */
	a.lim.max_rfer = bytes ? bytes : UINT64_MAX;
	if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &a) < 0)
		return jc_error_errno(err, errno, "%s: set quota", path);
	return 0;
}

static int btrfs_set_quota(const char *path, uint64_t bytes, struct jc_error *err)
{
	uint64_t id = 0, flags = 0;
	cleanup_close int fd = open_subvolume(path, &id, err);
	if (fd < 0)
		return fd;
	int r = quota_status(fd, path, &flags, err);
	if (r < 0)
		return r;
	if (!(flags & BTRFS_QGROUP_STATUS_FLAG_ON)) {
		if (bytes == 0)
			return 0;
		if ((r = quota_enable(fd, path, err)) < 0)
			return r;
	}
	return set_limit(fd, path, id, bytes, err);
}

/* Referenced bytes and limit of the subvolume's qgroup; false when quotas cannot tell. */
static bool qgroup_usage(int fd, uint64_t id, uint64_t *used, uint64_t *limit)
{
	uint64_t flags = 0;
	if (quota_status(fd, "", &flags, NULL) < 0 || !(flags & BTRFS_QGROUP_STATUS_FLAG_ON) ||
	    (flags & (BTRFS_QGROUP_STATUS_FLAG_RESCAN | BTRFS_QGROUP_STATUS_FLAG_INCONSISTENT)))
		return false;
	/* qgroup counters are updated at transaction commit. */
	btrfs_util_sync_fd(fd);
	struct btrfs_qgroup_info_item info;
	if (quota_item(fd, BTRFS_QGROUP_INFO_KEY, id, &info, sizeof(info)) != 1)
		return false;
	*used = le64toh(info.rfer);
	struct btrfs_qgroup_limit_item lim;
	*limit = 0;
	if (quota_item(fd, BTRFS_QGROUP_LIMIT_KEY, id, &lim, sizeof(lim)) == 1 &&
	    (le64toh(lim.flags) & BTRFS_QGROUP_LIMIT_MAX_RFER))
		*limit = le64toh(lim.max_rfer);
	return true;
}

static int btrfs_usage(const char *path, struct jc_usage *out, struct jc_error *err)
{
	uint64_t id = 0;
	cleanup_close int fd = open_subvolume(path, &id, err);
	if (fd < 0)
		return fd;
	struct statvfs vfs;
	if (fstatvfs(fd, &vfs) < 0)
		return jc_error_errno(err, errno, "%s", path);
	uint64_t fs_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	uint64_t used = 0, limit = 0;
	if (!qgroup_usage(fd, id, &used, &limit)) {
		struct jc_tree_usage *u = jc_tree_usage_new();
		int r = jc_tree_usage_add(u, path, err);
		used = jc_tree_usage_bytes(u);
		jc_tree_usage_free(u);
		if (r < 0)
			return r;
	}
	uint64_t avail = fs_free;
	if (limit) {
		uint64_t left = limit > used ? limit - used : 0;
		avail = left < fs_free ? left : fs_free;
	}
	*out = (struct jc_usage){ .used = used, .quota = limit, .available = avail };
	return 0;
}

/* ---- restore ----
 * restore(snap, dst) builds a writable snapshot of snap at DST.restore-tmp (a snapshot
 * appears whole or not at all), renames DST to DST.restore-old, renames the new one to
 * DST and deletes the old one. A crash leaves one of these states, which the next
 * restore or mount of DST finishes:
 *   DST and DST.restore-tmp          not swapped yet: delete the new one
 *   no DST, DST.restore-old + -tmp   half swapped: move the new one in
 *   DST and DST.restore-old          swapped: delete the old one */
static int btrfs_recover(const char *dst, struct jc_error *err)
{
	cleanup_free char *tmp = xasprintf("%s.restore-tmp", dst);
	cleanup_free char *old = xasprintf("%s.restore-old", dst);
	if (!jc_path_exists(dst) && jc_path_exists(old)) {
		const char *back = jc_path_exists(tmp) ? tmp : old;
		if (rename(back, dst) < 0)
			return jc_error_errno(err, errno, "%s: rename to %s", back, dst);
	}
	int r = btrfs_destroy(tmp, err);
	if (r == 0)
		r = btrfs_destroy(old, err);
	return r;
}

/* Read-only flag and quota limit of dst, carried over to its restored contents. */
struct subvol_props {
	bool readonly;
	uint64_t limit;
};

static void read_props(const char *path, struct subvol_props *p)
{
	*p = (struct subvol_props){ 0 };
	if (!is_subvolume(path))
		return;
	btrfs_util_get_subvolume_read_only(path, &p->readonly);
	uint64_t id = 0, used = 0;
	cleanup_close int fd = open_subvolume(path, &id, NULL);
	if (fd >= 0)
		qgroup_usage(fd, id, &used, &p->limit);
}

static int apply_props(const char *path, const struct subvol_props *p, struct jc_error *err)
{
	int r = 0;
	if (p->limit)
		r = btrfs_set_quota(path, p->limit, err);
	if (r == 0 && p->readonly)
		r = btrfs_set_readonly(path, true, err);
	return r;
}

static int btrfs_restore(const char *snap, const char *dst, struct jc_error *err)
{
	int r = btrfs_recover(dst, err);
	if (r < 0)
		return r;
	cleanup_free char *tmp = xasprintf("%s.restore-tmp", dst);
	cleanup_free char *old = xasprintf("%s.restore-old", dst);
	struct subvol_props props;
	read_props(dst, &props);
	r = make_snapshot(snap, tmp, false, err);
	if (r == 0)
		r = apply_props(tmp, &(struct subvol_props){ .limit = props.limit }, err);
	if (r < 0) {
		struct jc_error ignored;
		btrfs_destroy(tmp, &ignored);
		return r;
	}
	if (jc_path_exists(dst) && rename(dst, old) < 0) {
		r = jc_error_errno(err, errno, "%s: rename to %s", dst, old);
		struct jc_error ignored;
		btrfs_destroy(tmp, &ignored);
		return r;
	}
	if (rename(tmp, dst) < 0) {
		r = jc_error_errno(err, errno, "%s: rename to %s", tmp, dst);
		struct jc_error ignored;
		btrfs_recover(dst, &ignored);
		return r;
	}
	r = btrfs_destroy(old, err);
	if (r == 0 && props.readonly)
		r = btrfs_set_readonly(dst, true, err);
	return r;
}

/* ---- the rest ---- */

static int btrfs_mount(const char *path, struct jc_error *err)
{
	/* Subvolumes are visible where they are; only leftovers of a restore to finish. */
	return btrfs_recover(path, err);
}

static int btrfs_unmount(const char *path, struct jc_error *err)
{
	(void)path;
	(void)err;
	return 0;
}

static int btrfs_rename(const char *from, const char *to, struct jc_error *err)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
		return jc_error_errno(err, errno, "%s: rename to %s", from, to);
	return 0;
}

const struct jc_storage_ops jc_storage_btrfs = {
	.name = "btrfs",
	.can_quota = true,
	.clone_needs_mount = false,
	.create = btrfs_create,
	.clone = btrfs_clone,
	.snapshot = btrfs_snapshot,
	.restore = btrfs_restore,
	.destroy = btrfs_destroy,
	.set_readonly = btrfs_set_readonly,
	.set_quota = btrfs_set_quota,
	.usage = btrfs_usage,
	.mount = btrfs_mount,
	.unmount = btrfs_unmount,
	.rename = btrfs_rename,
	.get_readonly = btrfs_get_readonly,
};
