/* Snapshots of a jail (SPEC §3 snapshot/snaplist/snapremove/rollback).
 * Layout: <jail dir>/.snapshots/SNAP/ holds
 *   root/        point-in-time copy of the jail root (btrfs: read-only subvolume
 *                snapshot; dir: reflinked copy of the overlay's upper layer, or of the
 *                whole tree for a plain directory root) made by storage->snapshot
 *   config.json  the jail's config.json at that moment
 *   fstab        the jail's fstab at that moment
 *   meta.json    name, creation time, referenced size and the jail root path then
 * A snapshot is built in .snapshots/.tmp-SNAP-PID and published with one rename;
 * snapremove unpublishes with a rename to .snapshots/.remove-SNAP-PID first; rollback
 * leaves a .snapshots/.rollback-PID marker (holding SNAP) until it is complete. The next
 * snapshot command on the jail removes the dead ones and finishes an interrupted
 * rollback (when the jail is stopped). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "error.h"
#include "jail.h"

enum { JC_SNAPSHOT_NAME_MAX = 64 };

struct jc_snapshot {
	char *name;
	char *dir;             /* <jail dir>/.snapshots/NAME */
	int64_t created;       /* seconds since the epoch */
	long created_nsec;     /* orders snapshots taken within one second */
	char *created_text;    /* as ZFS shows `creation`: "Wed Jan 10 14:03 2024" (local time) */
	uint64_t rsize;        /* bytes the jail root referenced when the snapshot was taken */
	uint64_t used;         /* bytes the snapshot's root holds now */
};

/* [A-Za-z0-9._:-]+, at most 64 characters, not starting with '.'. */
int jc_snapshot_validate_name(const char *name, struct jc_error *err);

/* Take a snapshot (running jails too). name NULL: UTC "%F_%T". *out_name (may be NULL)
 * receives the name used. -EEXIST "Snapshot already exists". */
int jc_snapshot_create(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
		       char **out_name, struct jc_error *err);
/* The jail's snapshots, oldest first. */
int jc_snapshot_list(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_snapshot **out,
		     size_t *n, struct jc_error *err);
void jc_snapshot_list_free(struct jc_snapshot *snaps, size_t n);
int jc_snapshot_remove(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
		       struct jc_error *err);
/* Remove every snapshot of the jail (e.g. before destroying it). */
int jc_snapshot_remove_all(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
/* Roll the stopped jail back to snapshot name: its root (storage->restore), config.json
 * (the current one goes to config_backup.json) and fstab (rebased to the jail's current
 * root). Snapshots taken after it are removed, as `zfs rollback -r` does; *removed
 * (may be NULL) receives their names. -EBUSY when the jail is running. */
int jc_snapshot_rollback(struct jc_ctx *ctx, struct jc_jail *jail, const char *name,
			 char ***removed, struct jc_error *err);
/* Remove dead leftovers in the jail's .snapshots and finish an interrupted rollback. */
int jc_snapshot_clean_leftovers(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
