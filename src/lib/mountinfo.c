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

#include "fileio.h"
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

/* The next space-separated field of *p, NUL-terminated in place; NULL at the end. */
static char *next_field(char **p)
{
	char *s = *p + strspn(*p, " ");
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *e = s + strcspn(s, " ");
	*p = *e ? e + 1 : e;
	*e = '\0';
	return s;
}

static bool parse_devno(const char *s, dev_t *out)
{
	char *end;
	unsigned long maj = strtoul(s, &end, 10);
	if (end == s || *end != ':')
		return false;
	const char *m = end + 1;
	unsigned long min = strtoul(m, &end, 10);
	if (end == m || *end)
		return false;
	*out = makedev(maj, min);
	return true;
}

bool jc_mountinfo_parse_line(char *line, struct jc_mount *m)
{
	/* id parent major:minor root target options [optional...] - fstype source super */
	char *p = line, *field[6], *tok = NULL;
	size_t n = 0;
	while (n < 6 && (tok = next_field(&p)))
		field[n++] = tok;
	while ((tok = next_field(&p)) && strcmp(tok, "-") != 0)
		;
	char *fstype = tok ? next_field(&p) : NULL;
	char *source = fstype ? next_field(&p) : NULL;
	char *super = source ? next_field(&p) : NULL;
	dev_t devno;
	if (n < 6 || !fstype || !parse_devno(field[2], &devno))
		return false;
	/* The kernel writes space, tab, newline and backslash as \ooo. */
	jc_unescape_octal(field[4]);
	jc_unescape_octal(fstype);
	if (source)
		jc_unescape_octal(source);
	/* The four strings share one allocation: every command reads every mount. */
	const char *parts[4] = { field[4], fstype, source ? source : "", super ? super : "" };
	size_t len[4], total = 0;
	for (size_t i = 0; i < 4; i++)
		total += len[i] = strlen(parts[i]) + 1;
	char *out[4], *w = xmalloc(total);
	for (size_t i = 0; i < 4; i++) {
		out[i] = memcpy(w, parts[i], len[i]);
		w += len[i];
	}
	*m = (struct jc_mount){ .target = out[0], .fstype = out[1], .source = out[2],
				.super_opts = out[3], .devno = devno,
				.readonly = has_option(field[5], "ro") };
	return true;
}

void jc_mountinfo_free_one(struct jc_mount *m)
{
	free(m->target);
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
	*out = xcalloc(1, sizeof(**out));
	/* Read whole, not through stdio: the kernel makes the text afresh for each read, and
	 * stdio reads a proc file 1 KiB at a time. */
	cleanup_free char *text = NULL;
	struct jc_error e = { 0 };
	int r = path ? jc_read_file(path, &text, NULL, &e) : 0;
	if (r == -ENOENT || !path)
		return 0;
	if (r < 0) {
		*err = e;
		return r;
	}
	size_t lines = 1, n = 0;
	for (const char *c = text; (c = strchr(c, '\n')); c++)
		lines++;
	struct jc_mount *v = xrealloc(*out, (lines + 1) * sizeof(*v));
	*out = v;
	v[0].target = NULL;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!line[0])
			continue;
		if (!jc_mountinfo_parse_line(line, &v[n]))
			return jc_error_set(err, EINVAL, "%s: cannot parse mount table", path);
		v[++n].target = NULL;
	}
	return 0;
}
