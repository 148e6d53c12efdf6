/* Reading and writing files inside a jail's root filesystem from the host. Paths are
 * resolved with openat2(RESOLVE_IN_ROOT), so a symlink in the jail (which the jail's
 * owner controls) can never lead a write out of the jail root. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Open rel (relative to root, resolved inside it) with flags; returns fd or <0. */
int jc_rootfs_open(const char *root, const char *rel, int flags, mode_t mode, struct jc_error *err);
/* Replace rel atomically (temp file in the same directory, rename). Not fsynced: these
 * files are either rewritten at every start (resolv.conf) or made durable by the caller's
 * jc_syncfs before it publishes a new jail. */
int jc_rootfs_write_file(const char *root, const char *rel, const void *data, size_t len,
			 mode_t mode, struct jc_error *err);
int jc_rootfs_read_file(const char *root, const char *rel, char **out, struct jc_error *err);
/* mkdir -p of rel inside root. */
int jc_rootfs_mkdir_p(const char *root, const char *rel, mode_t mode, struct jc_error *err);
