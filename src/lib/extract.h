/* Archive extraction for releases (libarchive: tar, tar.gz, tar.xz, tar.zst, ...).
 * Owners, modes, times, xattrs, ACLs, file flags, hard links and device nodes are
 * kept. Every member is checked before anything is written for it, and the whole
 * archive is refused (with an error naming the member) when a member has an
 * absolute path, a ".." component, a hard link target outside the root, or a path
 * that passes through a symlink already in the root (e.g. `bin -> /`, then `bin/x`).
 * Creating a symlink whose target is absolute is fine: nothing is written through it. */
#pragma once

#include <stdbool.h>

#include "download.h"
#include "error.h"

/* Extract archive into the existing, empty directory root (made canonical first).
 * what labels progress (bytes of the archive read so far of its size). On failure
 * root holds a partial tree that the caller removes. */
int jc_extract_archive(const char *archive, const char *root, const char *what,
		       jc_progress_fn progress, void *user, struct jc_error *err);

/* Member path rules, exposed for tests. Normalise name to a path relative to the
 * root ("./a//b/" -> "a/b"); *out is NULL for the root itself. Refuses absolute
 * paths and ".." components with a message naming the member. */
int jc_member_normalize(const char *name, char **out, struct jc_error *err);
/* Refuse rel (normalised) when one of its parent directories, as they exist now
 * under root_fd, is a symlink or not a directory. */
int jc_member_check_parents(int root_fd, const char *rel, struct jc_error *err);

struct jc_archive_api;
struct archive;
struct archive_entry;
/* Write entry e (header, data read from in, finish) to out; errors name the member as
 * shown. Shared by release extraction and image import. */
int jc_archive_copy_entry(const struct jc_archive_api *a, struct archive *in, struct archive *out,
			  struct archive_entry *e, const char *shown, struct jc_error *err);
