#include "fstab.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "util.h"

/* fstab(5) escapes blanks in fields as octal (\040 space, \011 tab, \134 backslash). */
static char *unescape_field(const char *s)
{
	return jc_unescape_octal(xstrdup(s));
}

static char *escape_field(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *o = out;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\\' || *p == '\n' || *p == '#')
			o += sprintf(o, "\\%03o", (unsigned char)*p);
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static bool has_control_chars(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

void jc_fstab_entry_release(struct jc_fstab_entry *e)
{
	free(e->src);
	free(e->dst);
	free(e->fstype);
	free(e->opts);
	free(e->comment);
	memset(e, 0, sizeof(*e));
}

int jc_fstab_parse_line(const char *line, struct jc_fstab_entry *out, struct jc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (has_control_chars(line) && strchr(line, '\t') == NULL)
		return jc_error_set(err, EINVAL, "fstab entry '%s': contains control characters", line);
	cleanup_free char *copy = xstrdup(line);
	char *hash = strchr(copy, '#');
	if (hash) {
		*hash = '\0';
		out->comment = jc_strstrip(xstrdup(hash + 1));
	}
	cleanup_strv char **f = jc_strsplit(copy, " \t");
	size_t n = jc_strv_len(f);
	if (n != 1 && n != 6) {
		free(out->comment);
		out->comment = NULL;
		return jc_error_set(err, EINVAL,
				    "fstab entry '%s': expected 6 fields (SRC DST FSTYPE OPTIONS DUMP PASS) or a single path",
				    line);
	}
	out->src = unescape_field(f[0]);
	out->dst = unescape_field(n == 6 ? f[1] : f[0]);
	out->fstype = xstrdup(n == 6 ? f[2] : "nullfs");
	out->opts = xstrdup(n == 6 ? f[3] : "ro");
	out->system = out->comment && strstr(out->comment, "SYSTEM") != NULL;
	if (n == 6 && (strcmp(f[4], "0") != 0 || strcmp(f[5], "0") != 0)) {
		jc_fstab_entry_release(out);
		return jc_error_set(err, EINVAL, "fstab entry '%s': DUMP and PASS must be 0", line);
	}
	return 0;
}

char *jc_fstab_format_entry(const struct jc_fstab_entry *e)
{
	cleanup_free char *src = escape_field(e->src);
	cleanup_free char *dst = escape_field(e->dst);
	if (e->comment && *e->comment)
		return xasprintf("%s\t%s\t%s\t%s\t0\t0 # %s", src, dst, e->fstype, e->opts, e->comment);
	return xasprintf("%s\t%s\t%s\t%s\t0\t0", src, dst, e->fstype, e->opts);
}

static void fstab_append(struct jc_fstab *fstab, struct jc_fstab_entry *e)
{
	fstab->entries = xrealloc(fstab->entries, (fstab->n + 1) * sizeof(*e));
	fstab->entries[fstab->n++] = *e;
	memset(e, 0, sizeof(*e));
}

void jc_fstab_add(struct jc_fstab *fstab, struct jc_fstab_entry *e)
{
	fstab_append(fstab, e);
}

void jc_fstab_remove(struct jc_fstab *fstab, size_t index)
{
	if (index >= fstab->n)
		return;
	jc_fstab_entry_release(&fstab->entries[index]);
	memmove(&fstab->entries[index], &fstab->entries[index + 1],
		(fstab->n - index - 1) * sizeof(fstab->entries[0]));
	fstab->n--;
}

int jc_fstab_read(const char *path, struct jc_fstab *out, struct jc_error *err)
{
	memset(out, 0, sizeof(*out));
	cleanup_free char *data = NULL;
	int r = jc_read_file(path, &data, NULL, err);
	if (r == -ENOENT)
		return 0; /* no fstab = no entries */
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cleanup_free char *trimmed = jc_strstrip(xstrdup(line));
		if (!*trimmed || *trimmed == '#')
			continue;
		struct jc_fstab_entry e;
		r = jc_fstab_parse_line(trimmed, &e, err);
		if (r < 0) {
			jc_fstab_release(out);
			return jc_error_wrap(err, "%s", path);
		}
		fstab_append(out, &e);
	}
	return 0;
}

int jc_fstab_write(const char *path, const struct jc_fstab *fstab, struct jc_error *err)
{
	size_t cap = 1, len = 0;
	cleanup_free char *text = xcalloc(1, 1);
	for (size_t i = 0; i < fstab->n; i++) {
		cleanup_free char *line = jc_fstab_format_entry(&fstab->entries[i]);
		size_t l = strlen(line);
		cap = len + l + 2;
		text = xrealloc(text, cap);
		memcpy(text + len, line, l);
		len += l;
		text[len++] = '\n';
		text[len] = '\0';
	}
	return jc_write_file_atomic(path, text, len, 0644, err);
}

void jc_fstab_release(struct jc_fstab *fstab)
{
	for (size_t i = 0; i < fstab->n; i++)
		jc_fstab_entry_release(&fstab->entries[i]);
	free(fstab->entries);
	fstab->entries = NULL;
	fstab->n = 0;
}
