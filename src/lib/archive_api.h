/* libarchive, loaded with dlopen() by the operations that need it (fetch, export,
 * import): linked normally, it and its dependencies (libxml2, ICU, libstdc++, ...) cost
 * every jailctl command several milliseconds in the dynamic loader. The headers are
 * still used, so every field has exactly the type of the function it stands for. */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "error.h"
#include "util.h"

/* Every libarchive entry point jailctl calls; one line each keeps the struct and the
 * dlsym() loop in step. */
#define JC_ARCHIVE_FUNCS(X) \
	X(archive_entry_clear) \
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_stat) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_linkify) \
	X(archive_entry_linkresolver_free) \
	X(archive_entry_linkresolver_new) \
	X(archive_entry_linkresolver_set_strategy) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_set_pathname) \
	X(archive_entry_size) \
	X(archive_entry_symlink) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_filter_bytes) \
	X(archive_format) \
	X(archive_read_data_block) \
	X(archive_read_disk_descend) \
	X(archive_read_disk_new) \
	X(archive_read_disk_open) \
	X(archive_read_disk_set_behavior) \
	X(archive_read_disk_set_symlink_physical) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_next_header2) \
	X(archive_read_open_fd) \
	X(archive_read_open_filename) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_tar) \
	X(archive_set_error) \
	X(archive_write_add_filter_zstd) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_data_block) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open2) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax)

/* Owned by one operation and passed down to whatever calls libarchive. */
struct jc_archive_api {
	void *handle;
#define JC_ARCHIVE_FIELD(name) __typeof__(name) *name;
	JC_ARCHIVE_FUNCS(JC_ARCHIVE_FIELD)
#undef JC_ARCHIVE_FIELD
};

/* Load libarchive.so.13; the error names the library and its Debian package. */
int jc_archive_api_open(struct jc_archive_api *api, struct jc_error *err);
/* NULL-safe on a zeroed or already closed api. */
void jc_archive_api_close(struct jc_archive_api *api);

#define cleanup_archive_api jc_cleanup(jc_archive_api_close)
