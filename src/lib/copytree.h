/* Whole-tree operations used by the storage back ends. All of them work fd-relative
 * (openat/fstatat/unlinkat with O_NOFOLLOW), never follow symlinks and never cross into
 * another mount (a different st_dev), so a tree that a jail can write to cannot redirect
 * them elsewhere on the host. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Copy the tree src to dst (dst must not exist, its parent must). Regular files are
 * reflinked where the filesystem can (FICLONE), else copied with copy_file_range or
 * read/write. Mode, owner, timestamps, xattrs, symlinks, device nodes, fifos and hard
 * links are preserved. A directory that is another mount is copied as an empty directory.
 * On failure the partial dst is removed. */
int jc_tree_copy(const char *src, const char *dst, struct jc_error *err);
/* Same, into the existing empty directory dst (which takes src's metadata); on failure
 * the caller removes dst. */
int jc_tree_copy_into(const char *src, const char *dst, struct jc_error *err);

/* Called by jc_tree_remove for a directory that lives on another device than its parent
 * (a mount point, or a nested btrfs subvolume). name is relative to parent_fd; path is for
 * messages. Return 0 once it is gone. */
typedef int (*jc_tree_other_dev_fn)(int parent_fd, const char *name, const char *path,
				    void *user, struct jc_error *err);

/* Remove path and everything under it. A missing path is success. Without a hook, a
 * mount point inside the tree is an error (EBUSY) and nothing below it is touched. */
int jc_tree_remove(const char *path, jc_tree_other_dev_fn other_dev, void *user,
		   struct jc_error *err);

/* Accumulates disk usage over one or more trees, counting each inode once. */
struct jc_tree_usage;
struct jc_tree_usage *jc_tree_usage_new(void);
void jc_tree_usage_free(struct jc_tree_usage *u);
/* Add the blocks of the tree at path (st_blocks * 512, hard links once, not crossing
 * mounts). A missing path adds nothing. */
int jc_tree_usage_add(struct jc_tree_usage *u, const char *path, struct jc_error *err);
uint64_t jc_tree_usage_bytes(const struct jc_tree_usage *u);

/* True when name (relative to dfd, not followed) is the root of a mount. st_dev alone
 * misses bind mounts of the same filesystem, which is exactly what a jail's fstab makes. */
bool jc_is_mount_root(int dfd, const char *name);
