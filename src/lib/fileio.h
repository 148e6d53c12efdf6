/* File helpers: every write of a configuration file goes through
 * jc_write_file_atomic (temp file, fsync, rename, fsync of the directory), so a
 * crash leaves either the old or the new file, never a torn one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

int jc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct jc_error *err);
/* The same without the directory's fsync: a crash leaves the old or the new file whole but
 * may forget the rename. For facts not worth a wait (last_started): on btrfs that fsync
 * can commit a whole transaction, milliseconds that a stop right after a start waited. */
int jc_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct jc_error *err);
/* Write without fsync, for files inside a directory that is published later; the
 * publisher calls jc_syncfs once before its rename. */
int jc_write_file_unsynced(const char *path, const void *data, size_t len, mode_t mode,
			   struct jc_error *err);
/* write(2) until all of data is written; 0 or -errno. */
int jc_write_all(int fd, const void *data, size_t len);
/* syncfs(2) of the filesystem holding path (a directory). */
int jc_syncfs(const char *path, struct jc_error *err);
/* Reads a whole file; *out is NUL-terminated. */
int jc_read_file(const char *path, char **out, size_t *len, struct jc_error *err);
/* Atomic copy of src to dst (used for *_backup.json). */
int jc_copy_file_atomic(const char *src, const char *dst, struct jc_error *err);
/* The same without fsync, into a directory that is published later (see above). */
int jc_copy_file_unsynced(const char *src, const char *dst, struct jc_error *err);
/* Exclusive flock on lockpath (created 0600 when missing); *out_fd holds the lock until closed. */
int jc_lock_file(const char *lockpath, int *out_fd, struct jc_error *err);
int jc_mkdir_p(const char *path, mode_t mode, struct jc_error *err);
/* Open a program that ships with jailctl (jailctl-init, jailctl-full): next to the running
 * binary (the build tree, or libexec/jailctl itself) or in ../libexec/jailctl. */
int jc_open_helper(const char *name, struct jc_error *err);
/* This boot's id (/proc/sys/kernel/random/boot_id), "" when unreadable. */
void jc_boot_id(char out[40]);
bool jc_path_exists(const char *path);
bool jc_is_dir(const char *path);
/* fsync the directory holding path, making a rename in it durable. */
int jc_fsync_parent(const char *path, struct jc_error *err);
