/* Disk usage of jails (`df`) and the quota property (SPEC §3 `df`).
 * Figures come from the storage back end: btrfs qgroups (or a du-style walk while
 * quotas are off), a du-style walk of the jail's own layers on the dir back end.
 * Sizes print as ZFS does (zfs_nicenum: 512B, 96K, 12.3M, 1.20G). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "error.h"
#include "jail.h"

/* One row of `df`: iocage's NAME CRT RES QTA USE AVA. */
struct jc_df_row {
	char *name;
	char *crt;        /* compression ratio: always "1.00x" (no transparent compression) */
	char *res;        /* reservation property ("none" or e.g. "10G") */
	char *qta;        /* quota property ("none" or e.g. "10G") */
	uint64_t used;
	uint64_t avail;
};

/* Rows for every jail of the active pool (templates are not listed, as iocage), by name.
 * A jail whose usage cannot be read is reported through a warning and skipped. */
int jc_df(struct jc_ctx *ctx, struct jc_df_row **out, size_t *n, struct jc_error *err);
void jc_df_rows_free(struct jc_df_row *rows, size_t n);

/* Enforce the jail's quota property on its root dataset (after `set quota=...`).
 * When it cannot be enforced (the dir back end, or the btrfs ioctl fails) the
 * previous config.json (config_backup.json, written by that update) is put back, so a
 * refused quota changes nothing, and the error names the back end. quota=none always
 * succeeds. */
int jc_jail_apply_quota(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);

/* ZFS-style human-readable size (caller frees): "0B", "512B", "96K", "12.3M", "1.20G". */
char *jc_size_format(uint64_t bytes);
/* "none" → 0, "20G" / "1.5M" / "512K" / "2T" (optional trailing B) → bytes (powers of
 * 1024). -EINVAL for anything else. */
int jc_size_parse(const char *text, uint64_t *out);
