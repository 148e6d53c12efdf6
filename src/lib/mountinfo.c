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
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (const char *c = text; (c = strchr(c, '\n')); c++)
		n++;
	return n;
}

/* Parses the table's text in place. */
static int parse_text(const char *path, char *text, struct jc_mount **out, struct jc_error *err)
{
	size_t n = 0;
	/* A last line without its newline, and the terminating entry. */
	struct jc_mount *v = xcalloc(count_lines(text) + 2, sizeof(*v));
	*out = v;
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

int jc_mountinfo_read(const char *path, struct jc_mount **out, struct jc_error *err)
{
	/* Read whole, not through stdio: the kernel makes the text afresh for each read, and
	 * stdio reads a proc file 1 KiB at a time. */
	cleanup_free char *text = NULL;
	struct jc_error e = { 0 };
	int r = path ? jc_read_file(path, &text, NULL, &e) : 0;
	if (r == -ENOENT || !path) {
		*out = xcalloc(1, sizeof(**out));
		return 0;
	}
	if (r < 0) {
		*out = xcalloc(1, sizeof(**out));
		*err = e;
		return r;
	}
	return parse_text(path, text, out, err);
}

/* ---- the cached table ---- */

#define SELF_MOUNTINFO "/proc/self/mountinfo"
#define CACHE_MAGIC "jailctl-mounts-1\n"
#ifndef SYS_listmount
#define SYS_listmount 458   /* one number on every architecture (the unified table) */
#endif

/* listmount(2)'s request (linux/mount.h, Linux 6.8), named apart from the header's. */
struct list_request {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

/* The unique, never reused ids of every mount of this namespace; -1 without listmount. */
static ssize_t list_mount_ids(uint64_t **out)
{
	size_t cap = 128, n = 0;
	struct list_request req = { .size = sizeof(req), .mnt_id = ~(uint64_t)0 /* LSMT_ROOT */ };
	uint64_t *ids = NULL;
	for (;;) {
		ids = xrealloc(ids, cap * sizeof(*ids));
		long got = syscall(SYS_listmount, &req, ids + n, cap - n, 0);
		if (got < 0) {
			free(ids);
			return -1;
		}
		n += (size_t)got;
		if (n < cap)
			break;
		req.param = ids[n - 1];   /* full: go on after the last one */
		cap *= 2;
	}
	*out = ids;
	return (ssize_t)n;
}

/* What a cached copy must begin with: the boot (ids restart at every boot) and the ids. */
static char *cache_key(const uint64_t *ids, size_t n, size_t *len)
{
	char boot[40];
	jc_boot_id(boot);
	cleanup_free char *head = xasprintf(CACHE_MAGIC "%s %zu\n", boot, n);
	size_t hlen = strlen(head);
	*len = hlen + n * sizeof(*ids);
	char *key = xmalloc(*len);
	memcpy(key, head, hlen);
	memcpy(key + hlen, ids, n * sizeof(*ids));
	return key;
}

/* Replaces the copy, unless the table changed while it was read (then the text may belong
 * to another set of ids) or listmount does not see what mountinfo shows. */
static void cache_store(const char *cache, const char *key, size_t klen, const uint64_t *ids,
			size_t n, const char *text)
{
	uint64_t *again = NULL;
	ssize_t m = list_mount_ids(&again);
	bool same = m == (ssize_t)n && memcmp(again, ids, n * sizeof(*ids)) == 0 &&
		    count_lines(text) == n;
	free(again);
	if (!same)
		return;
	size_t tlen = strlen(text);
	cleanup_free char *data = xmalloc(klen + tlen);
	memcpy(data, key, klen);
	memcpy(data + klen, text, tlen);
	cleanup_free char *tmp = xasprintf("%s.%ld", cache, (long)getpid());
	struct jc_error e = { 0 };
	if (jc_write_file_unsynced(tmp, data, klen + tlen, 0644, &e) < 0 || rename(tmp, cache) < 0)
		unlink(tmp);
}

int jc_mountinfo_read_cached(const char *path, const char *cache_dir, bool fresh,
			     struct jc_mount **out, struct jc_error *err)
{
	uint64_t *ids = NULL;
	ssize_t n = -1;
	if (!path || !cache_dir || strcmp(path, SELF_MOUNTINFO) != 0 || (n = list_mount_ids(&ids)) < 0)
		return jc_mountinfo_read(path, out, err);
	size_t klen, len = 0;
	cleanup_free char *key = cache_key(ids, (size_t)n, &klen);
	cleanup_free char *cache = xasprintf("%s/mounts.cache", cache_dir);
	cleanup_free char *data = NULL;
	struct jc_error e = { 0 };
	if (!fresh && jc_read_file(cache, &data, &len, &e) == 0 && len >= klen &&
	    memcmp(data, key, klen) == 0) {
		free(ids);
		return parse_text(path, data + klen, out, err);
	}
	cleanup_free char *text = NULL;
	if (jc_read_file(path, &text, NULL, &e) < 0) {
		free(ids);
		return jc_mountinfo_read(path, out, err);   /* its answer to a missing table */
	}
	cache_store(cache, key, klen, ids, (size_t)n, text);
	free(ids);
	return parse_text(path, text, out, err);
}
