#ifndef JAILCTL_MOUNTINFO_H
#define JAILCTL_MOUNTINFO_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* One line of /proc/PID/mountinfo, the fields jailctl needs. */
struct jc_mount {
	char *target;
	char *fstype;
	char *source;       /* "" when the kernel shows none */
	char *super_opts;   /* the filesystem's options (cgroup v1: its controllers) */
	dev_t devno;
	bool readonly;
};

/* Every mount of the table at path, in order, terminated by an entry with a NULL target.
 * A missing file is an empty table; a malformed line is an error naming the file. */
int jc_mountinfo_read(const char *path, struct jc_mount **out, struct jc_error *err);
/* The same for /proc/self/mountinfo, through a copy kept in cache_dir (NULL: none) and
 * reused while the namespace's set of mounts is unchanged (listmount(2) ids: one syscall,
 * where the kernel writes the text at ~5 us a mount). A mount moved or remounted in place
 * keeps its id: fresh reads the table anew (and replaces the copy), and callers that need
 * read-only flags as they are now use jc_mountinfo_read. Other paths are read directly. */
int jc_mountinfo_read_cached(const char *path, const char *cache_dir, bool fresh,
			     struct jc_mount **out, struct jc_error *err);
/* Parses one line (no newline); false when it is not a mountinfo line. */
bool jc_mountinfo_parse_line(char *line, struct jc_mount *m);
void jc_mountinfo_free(struct jc_mount *m);
/* The strings of one entry (from jc_mountinfo_parse_line; they share one allocation). */
void jc_mountinfo_free_one(struct jc_mount *m);

#endif
