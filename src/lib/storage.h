/* Storage back ends behind one ops table. A "dataset" is a directory tree that can be
 * created, cloned, snapshotted and destroyed as a unit:
 *   btrfs: a subvolume; clones are writable snapshots, snapshots read-only ones;
 *          quotas are qgroup limits.
 *   dir:   a plain directory; a clone is an overlayfs layout (lower = source, upper and
 *          work beside the mount point) mounted by jc_storage_mount; snapshots are
 *          copies (reflink where the filesystem can). No quotas.
 * The back end is chosen from the filesystem type of the pool. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct jc_usage {
	uint64_t used;       /* bytes referenced by the dataset */
	uint64_t quota;      /* 0 = none */
	uint64_t available;  /* bytes that can still be written (quota or filesystem free) */
};

struct jc_storage_ops {
	const char *name;           /* "btrfs" or "dir" */
	bool can_quota;
	bool clone_needs_mount;     /* dir: clones are overlays that must be mounted to be seen */

	/* Prepare the pool (e.g. enable quotas lazily is NOT done here). */
	int (*create)(const char *path, struct jc_error *err);
	/* Writable clone of src at dst (dst must not exist). O(1) in the size of src. */
	int (*clone)(const char *src, const char *dst, struct jc_error *err);
	/* Read-only point-in-time copy of src at dst (dst must not exist). */
	int (*snapshot)(const char *src, const char *dst, struct jc_error *err);
	/* Make dst's contents equal to snapshot snap (dst must not be mounted/in use). Built
	 * aside and swapped in; an interrupted restore is finished or undone by the next
	 * restore or mount of dst. btrfs keeps dst's quota limit and read-only flag. */
	int (*restore)(const char *snap, const char *dst, struct jc_error *err);
	/* Remove a dataset and everything under it, nested subvolumes included. Missing = ok. */
	int (*destroy)(const char *path, struct jc_error *err);
	int (*set_readonly)(const char *path, bool readonly, struct jc_error *err);
	/* bytes == 0 removes the limit. -ENOTSUP where the back end cannot enforce quotas. */
	int (*set_quota)(const char *path, uint64_t bytes, struct jc_error *err);
	int (*usage)(const char *path, struct jc_usage *out, struct jc_error *err);
	/* Make a clone's contents visible at path (dir: mount the overlay); no-op otherwise,
	 * and when already mounted. Also completes an interrupted restore of path, so call it
	 * before using a dataset on either back end. */
	int (*mount)(const char *path, struct jc_error *err);
	/* Lazy (MNT_DETACH) unmount of a dir clone; no-op when not mounted and on btrfs. */
	int (*unmount)(const char *path, struct jc_error *err);
	/* Rename a dataset (dir: also its overlay side files). */
	int (*rename)(const char *from, const char *to, struct jc_error *err);
	/* Whether set_readonly(path, true) is in effect. */
	int (*get_readonly)(const char *path, bool *out, struct jc_error *err);
};

extern const struct jc_storage_ops jc_storage_btrfs;
extern const struct jc_storage_ops jc_storage_dir;

/* True for names the back ends keep beside a dataset NAME (NAME.upper, NAME.work,
 * NAME.lower, NAME.layerN, NAME.readonly, NAME.restore-*): listings of a directory of
 * datasets (e.g. snapshots) must skip them. */
bool jc_storage_is_side_file(const char *name);

/* Back end for the filesystem holding path (btrfs → btrfs, anything else → dir). */
int jc_storage_for_path(const char *path, const struct jc_storage_ops **out, struct jc_error *err);
