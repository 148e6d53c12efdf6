/* Export and import of jails (SPEC §3 export/import, iocage §4.9).
 * An image is images/NAME_YYYY-MM-DD.tar.zst (UTC date): a pax tar compressed with zstd
 * holding NAME/config.json, NAME/fstab and the jail root as NAME/root/..., with owners
 * (numeric), modes, times, xattrs, ACLs, hard links, device nodes and sparse files.
 * Beside it NAME_YYYY-MM-DD.sha256 holds "<sha256>  NAME_YYYY-MM-DD.tar.zst" (the format
 * of sha256sum, so `sha256sum -c` works too).
 * Export writes images/.export-PID-<file> and publishes the checksum, then the archive,
 * by rename. Import verifies the checksum, checks every member, extracts into
 * jails/.create-NAME-PID (a fresh, full dataset: no clone of any release) and publishes
 * with one rename. Leftovers of dead exports/imports are removed by the next command. */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "error.h"
#include "jail.h"

/* Export a stopped jail or template; *out_path (may be NULL) receives the archive path. */
int jc_image_export(struct jc_ctx *ctx, struct jc_jail *jail, char **out_path,
		    struct jc_error *err);

/* Import the image of jail name: path NULL = the pool's images/ directory, else a
 * directory to search or the archive itself. The new jail is always a jail (an
 * exported template comes back as type=jail, template=0, as iocage). */
int jc_image_import(struct jc_ctx *ctx, const char *name, const char *path,
		    struct jc_error *err);

/* Remove temporary files of exports whose process is gone. */
int jc_image_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err);
/* clean -i: remove every image (and leftover) in images/. */
int jc_image_clean_all(struct jc_ctx *ctx, struct jc_error *err);

/* Member rules of an image of jail, exposed for tests.
 * Map an archive member name to its place in the jail directory being built:
 * "NAME" or "NAME/" → *rel NULL (the top directory); "NAME/config.json",
 * "NAME/fstab", "NAME/root" and "NAME/root/..." → that path without "NAME/". Refused:
 * absolute paths, ".." components, anything outside NAME/, other files in NAME/. */
int jc_image_member_map(const char *jail, const char *member, char **rel, struct jc_error *err);
/* A symlink at rel (mapped, under "root/") with target: an absolute target is fine
 * (the jail resolves it in its own root); a relative one must not climb out of root/. */
int jc_image_check_symlink(const char *rel, const char *target, struct jc_error *err);
/* NAME_YYYY-MM-DD.tar.zst for jail name? (exact name, so "web" never matches web_1's
 * images). */
bool jc_image_file_matches(const char *jail, const char *file);
