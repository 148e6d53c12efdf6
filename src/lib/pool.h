/* Pools: a mounted filesystem (or any directory) holding the iocage tree. Activation is
 * stored on the pool itself (xattr user.jailctl.active=yes on the pool root, or the
 * marker file <pool>/.jailctl-active where xattrs are missing) so it moves with the pool. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "error.h"

#define JC_POOL_XATTR "user.jailctl.active"
#define JC_POOL_MARKER ".jailctl-active"
#define JC_POOL_LOW_SPACE (10ull << 30)

/* Make path the active pool: refuse non-directories and NFS/SMB shares, deactivate any
 * other active pool, create the iocage tree, mark it. Warns (via ctx) below 10 GiB free. */
int jc_pool_activate(struct jc_ctx *ctx, const char *path, struct jc_error *err);
int jc_pool_deactivate(struct jc_ctx *ctx, const char *path, struct jc_error *err);
bool jc_pool_is_active(const char *path);

/* All active pools known to this host (mounted filesystems and registry entries carrying
 * the mark). *out is a NULL-terminated vector (jc_strv_free). */
int jc_pool_list_active(const struct jc_ctx *ctx, char ***out, struct jc_error *err);

/* The active pool; with none, auto-activate the first non-root filesystem mounted under
 * mnt_dir (with a notice), else the embedded default pool. More than one active: error. */
int jc_pool_resolve(struct jc_ctx *ctx, char **out, struct jc_error *err);

/* Create <pool>/iocage and its children (SPEC §2) with the given back end. Idempotent. */
int jc_pool_create_tree(const char *pool, const struct jc_storage_ops *storage, struct jc_error *err);

/* -EPERM with a message when path is inside an NFS export or SMB share of this host. */
int jc_pool_check_not_shared(const struct jc_ctx *ctx, const char *path, struct jc_error *err);
