/* The kernel's mount table, /proc/self/mountinfo (proc(5)). Read by hand rather than with
 * libmount: every command reads it to find the active pool, and libmount with libblkid,
 * libselinux and libpcre2 cost 0.8 ms of dynamic loading per command, more than the whole
 * rest of `jailctl exec`'s own work. The format is fixed and small: space-separated fields,
 * optional fields ended by "-", and octal escapes for blanks and backslashes in paths. */
#include "mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "util.h"

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = opts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool jc_mountinfo_parse_line(char *line, struct jc_mount *m)
{
	/* id parent major:minor root target options [optional...] - fstype source super */
	char *field[6], *save = NULL, *tok = strtok_r(line, " ", &save);
	size_t n = 0;
	for (; tok && n < 6; tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
	char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
	char *super = source ? strtok_r(NULL, " ", &save) : NULL;
	unsigned maj, min;
	if (n < 6 || !fstype || sscanf(field[2], "%u:%u", &maj, &min) != 2)
		return false;
	/* The kernel writes space, tab, newline and backslash as \ooo. */
	jc_unescape_octal(field[4]);
	jc_unescape_octal(fstype);
	if (source)
		jc_unescape_octal(source);
	*m = (struct jc_mount){ .target = xstrdup(field[4]), .fstype = xstrdup(fstype),
				.source = xstrdup(source ? source : ""),
				.super_opts = xstrdup(super ? super : ""),
				.devno = makedev(maj, min), .readonly = has_option(field[5], "ro") };
	return true;
}

void jc_mountinfo_free_one(struct jc_mount *m)
{
	free(m->target);
	free(m->fstype);
	free(m->source);
	free(m->super_opts);
	*m = (struct jc_mount){ 0 };
}

void jc_mountinfo_free(struct jc_mount *m)
{
	for (size_t i = 0; m && m[i].target; i++)
		jc_mountinfo_free_one(&m[i]);
	free(m);
}

int jc_mountinfo_read(const char *path, struct jc_mount **out, struct jc_error *err)
{
	size_t n = 0;
	struct jc_mount *v = xcalloc(1, sizeof(*v));
	*out = v;
	FILE *f = path ? fopen(path, "re") : NULL;
	if (!f)
		return errno == ENOENT || !path ? 0 : jc_error_errno(err, errno, "%s", path);
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0;
	while (r == 0 && (len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!line[0])
			continue;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		*out = v;
		if (jc_mountinfo_parse_line(line, &v[n]))
			n++;
		else
			r = jc_error_set(err, EINVAL, "%s: cannot parse mount table", path);
		v[n].target = NULL;
	}
	fclose(f);
	return r;
}
