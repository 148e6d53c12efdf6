/* A jail's fstab in iocage's 6-field format: "SRC DST FSTYPE OPTS DUMP PASS [# comment]".
 * DST is stored as the absolute host path inside the jail root, as iocage does; the CLI
 * takes and shows it as the path inside the jail. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct jc_fstab_entry {
	char *src;
	char *dst;       /* absolute host path (under the jail root) */
	char *fstype;    /* nullfs (bind), tmpfs, ... */
	char *opts;      /* ro | rw | other comma options */
	char *comment;   /* e.g. "Added by jailctl on ..." ; SYSTEM entries of basejails say so */
	bool system;     /* basejail entry managed by jailctl */
};

struct jc_fstab {
	struct jc_fstab_entry *entries;
	size_t n;
};

int jc_fstab_read(const char *path, struct jc_fstab *out, struct jc_error *err);
int jc_fstab_write(const char *path, const struct jc_fstab *fstab, struct jc_error *err);
void jc_fstab_release(struct jc_fstab *fstab);
/* Parse one entry: six fields, or a single path (= "SRC SRC nullfs ro 0 0"). */
int jc_fstab_parse_line(const char *line, struct jc_fstab_entry *out, struct jc_error *err);
char *jc_fstab_format_entry(const struct jc_fstab_entry *e);
void jc_fstab_entry_release(struct jc_fstab_entry *e);
/* Append (taking ownership of e's strings) / remove by index. */
void jc_fstab_add(struct jc_fstab *fstab, struct jc_fstab_entry *e);
void jc_fstab_remove(struct jc_fstab *fstab, size_t index);
