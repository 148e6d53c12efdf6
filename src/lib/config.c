#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "fileio.h"
#include "props.h"
#include "util.h"

/* jansson's own scope-bound cleanup */
#define cleanup_json json_auto_t

json_t *jc_builtin_defaults(void)
{
	size_t n = 0;
	const struct jc_prop *props = jc_props(&n);
	json_t *obj = json_object();
	cleanup_free char *mac_prefix = jc_host_mac_prefix();
	for (size_t i = 0; i < n; i++) {
		const char *def = props[i].def;
		if (strcmp(props[i].name, "mac_prefix") == 0)
			def = mac_prefix;
		else if (strcmp(props[i].name, "CONFIG_VERSION") == 0)
			def = JC_CONFIG_VERSION;
		json_object_set_new(obj, props[i].name, jc_prop_value_to_json(&props[i], def));
	}
	return obj;
}

char *jc_json_dump(const json_t *obj)
{
	char *text = json_dumps(obj, JSON_SORT_KEYS | JSON_INDENT(4));
	if (!text)
		abort();
	char *out = xasprintf("%s\n", text);
	free(text);
	return out;
}

int jc_json_write_atomic(const char *path, const json_t *obj, struct jc_error *err)
{
	cleanup_free char *text = jc_json_dump(obj);
	return jc_write_file_atomic(path, text, strlen(text), 0644, err);
}

int jc_json_write_replace(const char *path, const json_t *obj, struct jc_error *err)
{
	cleanup_free char *text = jc_json_dump(obj);
	return jc_write_file_replace(path, text, strlen(text), 0644, err);
}

int jc_json_write_unsynced(const char *path, const json_t *obj, struct jc_error *err)
{
	cleanup_free char *text = jc_json_dump(obj);
	return jc_write_file_unsynced(path, text, strlen(text), 0644, err);
}

int jc_json_read_object(const char *path, json_t **out, struct jc_error *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	int r = jc_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	json_t *obj = jc_json_load_simple(data, len);
	if (obj) {
		*out = obj;
		return 0;
	}
	json_error_t jerr;
	obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return jc_error_set(err, EBADMSG, "%s: invalid JSON at line %d: %s", path, jerr.line,
				    jerr.text);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return jc_error_set(err, EBADMSG, "%s: not a JSON object", path);
	}
	*out = obj;
	return 0;
}

/* ---- selected fields of small JSON objects (listings) ---- */

/* The fast path only accepts what it can decide alone: -EAGAIN hands the buffer to
 * jansson, so a file is never judged differently from jc_json_read_object. */
enum { SCAN_MAX_DEPTH = 32, SCAN_MAX_KEYS = 64, SCAN_MAX_DIGITS = 18 };

struct scan {
	const char *p, *end;
	bool strict;   /* duplicate keys rejected (JSON_REJECT_DUPLICATES) */
};

struct span {
	const char *s;
	size_t len;
	bool in_data;   /* s points into the buffer (else a constant) */
	json_type type;
};

static void scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static bool scan_char(struct scan *s, char c)
{
	scan_ws(s);
	if (s->p >= s->end || *s->p != c)
		return false;
	s->p++;
	return true;
}

/* Bytes a string may hold on the fast path: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

/* Printable ASCII without escapes: the text is the bytes between the quotes. */
static int scan_string(struct scan *s, struct span *out)
{
	if (s->p >= s->end || *s->p != '"')
		return -EAGAIN;
	const char *start = ++s->p;
	while (s->p < s->end && plain_byte[(unsigned char)*s->p])
		s->p++;
	if (s->p >= s->end || *s->p != '"')
		return -EAGAIN;
	*out = (struct span){ start, (size_t)(s->p++ - start), true, JSON_STRING };
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Integers only, in the form "%lld" prints them (no "-0", no leading zeros). */
static int scan_integer(struct scan *s, struct span *out)
{
	const char *start = s->p;
	if (s->p < s->end && *s->p == '-')
		s->p++;
	const char *digits = s->p;
	while (s->p < s->end && is_digit(*s->p))
		s->p++;
	size_t n = (size_t)(s->p - digits);
	if (n == 0 || n > SCAN_MAX_DIGITS || (digits[0] == '0' && (n > 1 || digits != start)))
		return -EAGAIN;
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return -EAGAIN;
	*out = (struct span){ start, (size_t)(s->p - start), true, JSON_INTEGER };
	return 0;
}

static bool scan_word(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* A value's text: out->s NULL for null, arrays and objects (jc_prop_json_to_text's NULL). */
static int scan_value(struct scan *s, int depth, struct span *out);

static int scan_container(struct scan *s, int depth, char close)
{
	if (depth >= SCAN_MAX_DEPTH || (close == '}' && s->strict))
		return -EAGAIN;   /* nested duplicate keys are jansson's to find */
	s->p++;
	if (scan_char(s, close))
		return 0;
	do {
		struct span v;
		scan_ws(s);
		if (close == '}' && (scan_string(s, &v) < 0 || !scan_char(s, ':')))
			return -EAGAIN;
		scan_ws(s);
		if (scan_value(s, depth + 1, &v) < 0)
			return -EAGAIN;
	} while (scan_char(s, ','));
	return scan_char(s, close) ? 0 : -EAGAIN;
}

static int scan_value(struct scan *s, int depth, struct span *out)
{
	*out = (struct span){ NULL, 0, false, JSON_NULL };
	if (s->p >= s->end)
		return -EAGAIN;
	switch (*s->p) {
	case '"': return scan_string(s, out);
	case '[': out->type = JSON_ARRAY; return scan_container(s, depth, ']');
	case '{': out->type = JSON_OBJECT; return scan_container(s, depth, '}');
	case 't': *out = (struct span){ "1", 1, false, JSON_TRUE }; return scan_word(s, "true") ? 0 : -EAGAIN;
	case 'f': *out = (struct span){ "0", 1, false, JSON_FALSE }; return scan_word(s, "false") ? 0 : -EAGAIN;
	case 'n': return scan_word(s, "null") ? 0 : -EAGAIN;
	default: return scan_integer(s, out);
	}
}

/* The members of the top-level object in s, each handed to each(); -EAGAIN as soon as the
 * text or each() leaves the decision to jansson. */
static int scan_members(struct scan *s, int (*each)(struct span key, struct span val, void *user),
			void *user)
{
	if (!scan_char(s, '{'))
		return -EAGAIN;
	if (!scan_char(s, '}')) {
		do {
			struct span key, val;
			scan_ws(s);
			if (scan_string(s, &key) < 0 || !scan_char(s, ':'))
				return -EAGAIN;
			scan_ws(s);
			if (scan_value(s, 1, &val) < 0 || each(key, val, user) < 0)
				return -EAGAIN;
		} while (scan_char(s, ','));
		if (!scan_char(s, '}'))
			return -EAGAIN;
	}
	scan_ws(s);
	return s->p == s->end ? 0 : -EAGAIN;
}

static bool span_eq(struct span a, const char *b)
{
	return strlen(b) == a.len && memcmp(a.s, b, a.len) == 0;
}

struct field_scan {
	bool strict;   /* duplicate keys rejected (JSON_REJECT_DUPLICATES) */
	struct span keys[SCAN_MAX_KEYS];
	size_t nkeys;
	struct jc_json_field *fields;
	struct span vals[JC_JSON_MAX_FIELDS];
	size_t n;
};

static bool seen_before(const struct field_scan *fs, struct span key)
{
	for (size_t i = 0; i < fs->nkeys; i++)
		if (fs->keys[i].len == key.len && memcmp(fs->keys[i].s, key.s, key.len) == 0)
			return true;
	return false;
}

/* One "key": value member; a later duplicate wins, as in jansson without strict. */
static int take_field(struct span key, struct span val, void *user)
{
	struct field_scan *fs = user;
	if (fs->strict && (fs->nkeys == SCAN_MAX_KEYS || seen_before(fs, key)))
		return -EAGAIN;
	if (fs->strict)
		fs->keys[fs->nkeys++] = key;
	for (size_t i = 0; i < fs->n; i++) {
		if (span_eq(key, fs->fields[i].key)) {
			fs->fields[i].present = true;
			fs->vals[i] = val;
		}
	}
	return 0;
}

static int scan_object(char *data, size_t len, bool strict, struct jc_json_field *fields,
		       size_t n)
{
	struct scan s = { data, data + len, strict };
	struct field_scan fs = { .strict = strict, .fields = fields, .n = n };
	if (scan_members(&s, take_field, &fs) < 0)
		return -EAGAIN;
	/* Valid: terminate the texts in place (the byte after each is a quote or a delimiter). */
	for (size_t i = 0; i < n; i++) {
		if (fs.vals[i].in_data)
			data[fs.vals[i].s - data + (ptrdiff_t)fs.vals[i].len] = '\0';
		fields[i].text = fs.vals[i].s;
		fields[i].type = fs.vals[i].type;
	}
	return 0;
}

static json_t *span_json(struct span v)
{
	switch (v.type) {
	case JSON_STRING: return json_stringn_nocheck(v.s, v.len);
	case JSON_INTEGER: return json_integer(strtoll(v.s, NULL, 10));
	case JSON_TRUE: return json_true();
	case JSON_FALSE: return json_false();
	case JSON_NULL: return json_null();
	default: return NULL;   /* nested: jansson's */
	}
}

/* A duplicate is an error only jansson words right. */
static int add_member(struct span key, struct span val, void *user)
{
	json_t *obj = user;
	if (json_object_getn(obj, key.s, key.len))
		return -EAGAIN;
	json_t *v = span_json(val);
	/* setn_new_nocheck takes v even when it fails. */
	return v && json_object_setn_new_nocheck(obj, key.s, key.len, v) == 0 ? 0 : -EAGAIN;
}

json_t *jc_json_load_simple(const char *data, size_t len)
{
	struct scan s = { data, data + len, false };
	json_t *obj = json_object();
	if (scan_members(&s, add_member, obj) == 0)
		return obj;
	json_decref(obj);
	return NULL;
}

static void reader_drop_owned(struct jc_json_reader *rd)
{
	for (size_t i = 0; i < JC_JSON_MAX_FIELDS; i++) {
		free(rd->owned[i]);
		rd->owned[i] = NULL;
	}
}

static int parse_fields_jansson(struct jc_json_reader *rd, const char *data, size_t len,
				const char *name, size_t flags, struct jc_json_field *fields,
				size_t n, struct jc_error *err)
{
	json_error_t jerr;
	cleanup_json *obj = json_loadb(data, len, flags, &jerr);
	if (!obj)
		return jc_error_set(err, EBADMSG, "%s: invalid JSON at line %d: %s", name, jerr.line,
				    jerr.text);
	if (!json_is_object(obj))
		return jc_error_set(err, EBADMSG, "%s: not a JSON object", name);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, fields[i].key);
		fields[i].present = v != NULL;
		fields[i].type = v ? json_typeof(v) : JSON_NULL;
		fields[i].text = rd->owned[i] = jc_prop_json_to_text(v);
	}
	return 0;
}

int jc_json_parse_fields(struct jc_json_reader *rd, char *data, size_t len, const char *name,
			 size_t flags, struct jc_json_field *fields, size_t n, struct jc_error *err)
{
	if (n > JC_JSON_MAX_FIELDS)
		return jc_error_set(err, EINVAL, "%s: too many fields asked for", name);
	reader_drop_owned(rd);
	for (size_t i = 0; i < n; i++)
		fields[i].present = false, fields[i].text = NULL;
	if (scan_object(data, len, flags & JSON_REJECT_DUPLICATES, fields, n) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		fields[i].present = false, fields[i].text = NULL;
	return parse_fields_jansson(rd, data, len, name, flags, fields, n, err);
}

/* Reads until a short read: a regular file returns less than asked only at its end, so
 * a small file costs one read, not a second one to see EOF. */
static int read_all_fd(struct jc_json_reader *rd, int fd, size_t *len)
{
	size_t used = 0;
	for (;;) {
		if (rd->cap - used < 2) {
			rd->cap = rd->cap ? rd->cap * 2 : 16384;
			rd->buf = xrealloc(rd->buf, rd->cap);
		}
		size_t want = rd->cap - used - 1;
		ssize_t r = read(fd, rd->buf + used, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		used += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	rd->buf[used] = '\0';
	*len = used;
	return 0;
}

int jc_json_read_fields_at(struct jc_json_reader *rd, int dirfd, const char *path, size_t flags,
			   struct jc_json_field *fields, size_t n, struct jc_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	size_t len = 0;
	int r = read_all_fd(rd, fd, &len);
	if (r < 0)
		return jc_error_errno(err, -r, "%s: read", path);
	return jc_json_parse_fields(rd, rd->buf, len, path, flags, fields, n, err);
}

void jc_json_reader_release(struct jc_json_reader *rd)
{
	reader_drop_owned(rd);
	free(rd->buf);
	rd->buf = NULL;
	rd->cap = 0;
}

static char *defaults_path(const struct jc_ctx *ctx, const char *name)
{
	return xasprintf("%s/%s", ctx->iocroot, name);
}

/* A stored value that is not valid for its property is kept as it is (a warning
 * tells the user) rather than silently replaced: the file is the user's. */
static json_t *normalise_value(const struct jc_ctx *ctx, const struct jc_prop *prop, json_t *value)
{
	cleanup_free char *text = jc_prop_json_to_text(value);
	cleanup_free char *norm = NULL;
	struct jc_error err = { 0 };
	if (text && jc_prop_validate(prop, text, &norm, &err) == 0)
		return jc_prop_value_to_json(prop, norm);
	jc_warning(ctx, "defaults.json: keeping invalid value of %s: %s", prop->name,
		   text ? err.msg : "not a string or number");
	return json_incref(value);
}

/* Migration: start from the built-in defaults of this version, keep every value the
 * old file set (normalised: booleans to 1/0), keep unknown keys, bump the version. */
static json_t *migrate_defaults(const struct jc_ctx *ctx, json_t *old)
{
	json_t *merged = jc_builtin_defaults();
	const char *key;
	json_t *value;
	json_object_foreach(old, key, value) {
		const struct jc_prop *prop = jc_prop_find(key);
		if (strcmp(key, "CONFIG_VERSION") == 0)
			continue;
		if (!prop || (prop->flags & JC_PROP_READONLY))
			json_object_set(merged, key, value);
		else
			json_object_set_new(merged, key, normalise_value(ctx, prop, value));
	}
	json_object_set_new(merged, "CONFIG_VERSION", json_string(JC_CONFIG_VERSION));
	return merged;
}

static bool is_current_version(json_t *obj)
{
	cleanup_free char *v = jc_prop_json_to_text(json_object_get(obj, "CONFIG_VERSION"));
	return jc_streq(v, JC_CONFIG_VERSION);
}

static int create_defaults(struct jc_ctx *ctx, const char *path, struct jc_error *err)
{
	jc_notice(ctx, "Default configuration missing, creating one");
	cleanup_json *builtin = jc_builtin_defaults();
	return jc_json_write_atomic(path, builtin, err);
}

static int migrate_defaults_file(struct jc_ctx *ctx, const char *path, json_t *old,
				 struct jc_error *err)
{
	cleanup_free char *backup = defaults_path(ctx, "defaults_backup.json");
	cleanup_free char *old_version = jc_prop_json_to_text(json_object_get(old, "CONFIG_VERSION"));
	int r = jc_copy_file_atomic(path, backup, err);
	if (r < 0)
		return r;
	cleanup_json *merged = migrate_defaults(ctx, old);
	r = jc_json_write_atomic(path, merged, err);
	if (r < 0)
		return r;
	jc_notice(ctx, "Migrated %s from configuration version %s to %s (previous file kept as %s)",
		  path, old_version ? old_version : "none", JC_CONFIG_VERSION, backup);
	return 0;
}

/* Create or migrate under the lock; re-check there, another command may have done it. */
static int prepare_defaults_file(struct jc_ctx *ctx, const char *path, struct jc_error *err)
{
	cleanup_free char *lock = defaults_path(ctx, ".defaults.json.lock");
	cleanup_close int lock_fd = -1;
	int r = jc_lock_file(lock, &lock_fd, err);
	if (r < 0)
		return r;
	cleanup_json *obj = NULL;
	struct jc_error read_err = { 0 };
	r = jc_json_read_object(path, &obj, &read_err);
	if (r == -ENOENT)
		return create_defaults(ctx, path, err);
	if (r < 0 || is_current_version(obj))
		return 0; /* corrupt files are reported by the caller, never rewritten */
	return migrate_defaults_file(ctx, path, obj, err);
}

/* Effective defaults: built-ins overlaid by the file, so keys missing from the file
 * still have a value. */
static json_t *overlay_builtin(json_t *file)
{
	/* Fast path for every command: a complete file needs no built-ins, whose mac_prefix
	 * alone reads the routing table. */
	size_t n = 0;
	const struct jc_prop *props = jc_props(&n);
	size_t i = 0;
	while (i < n && json_object_get(file, props[i].name))
		i++;
	if (i == n)
		return json_incref(file);
	json_t *eff = jc_builtin_defaults();
	json_object_update(eff, file);
	return eff;
}

int jc_defaults_load(struct jc_ctx *ctx, json_t **out, bool *corrupt, struct jc_error *err)
{
	cleanup_free char *path = defaults_path(ctx, "defaults.json");
	cleanup_json *obj = NULL;
	struct jc_error read_err = { 0 };
	int r = jc_json_read_object(path, &obj, &read_err);
	if (r == -ENOENT || (r == 0 && !is_current_version(obj))) {
		r = prepare_defaults_file(ctx, path, err);
		if (r < 0)
			return r;
		json_decref(obj);
		obj = NULL;
		r = jc_json_read_object(path, &obj, &read_err);
	}
	*corrupt = false;
	if (r == -EBADMSG) {
		jc_warning(ctx, "%s corrupted (delete to recreate), using memory values", path);
		*corrupt = true;
		*out = jc_builtin_defaults();
		return 0;
	}
	if (r < 0) {
		*err = read_err;
		return r;
	}
	*out = overlay_builtin(obj);
	return 0;
}

void jc_prop_changes_release(struct jc_prop_change *changes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(changes[i].old_text);
		free(changes[i].new_text);
		changes[i].old_text = changes[i].new_text = NULL;
	}
}

int jc_prop_change_check(struct jc_prop_change *c, bool on_default, const struct jc_prop **out,
			 struct jc_error *err)
{
	const struct jc_prop *prop = jc_prop_find(c->key);
	if (!prop)
		return jc_error_set(err, EINVAL, "%s: no such property", c->key);
	if (prop->flags & JC_PROP_READONLY)
		return jc_error_set(err, EPERM, "%s: read-only property, cannot be changed by the user",
				    c->key);
	if (on_default && (prop->flags & JC_PROP_JAIL_ONLY))
		return jc_error_set(err, EINVAL, "%s: can only be set on a jail, not on default",
				    c->key);
	if (!on_default && (prop->flags & JC_PROP_DEFAULTS_ONLY))
		return jc_error_set(err, EINVAL,
				    "%s: can only be set on default (jailctl set %s=VALUE default)",
				    c->key, c->key);
	free(c->new_text);
	c->new_text = NULL;
	if (out)
		*out = prop;
	return jc_prop_validate(prop, c->value, &c->new_text, err);
}

static int apply_changes(json_t *file, json_t *builtin, struct jc_prop_change *changes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct jc_prop *prop = jc_prop_find(changes[i].key);
		json_t *old = json_object_get(file, changes[i].key);
		if (!old)
			old = json_object_get(builtin, changes[i].key);
		free(changes[i].old_text);
		changes[i].old_text = jc_prop_json_to_text(old);
		json_object_set_new(file, changes[i].key,
				    jc_prop_value_to_json(prop, changes[i].new_text));
	}
	return 0;
}

int jc_defaults_update(struct jc_ctx *ctx, struct jc_prop_change *changes, size_t n,
		       struct jc_error *err)
{
	int r = jc_ctx_load_defaults(ctx, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = jc_prop_change_check(&changes[i], true, NULL, err);
		if (r < 0)
			return r;
	}
	cleanup_free char *path = defaults_path(ctx, "defaults.json");
	if (ctx->defaults_corrupt)
		return jc_error_set(err, EBADMSG,
				    "%s is corrupted (delete to recreate): not changing it", path);
	cleanup_free char *lock = defaults_path(ctx, ".defaults.json.lock");
	cleanup_close int lock_fd = -1;
	r = jc_lock_file(lock, &lock_fd, err);
	if (r < 0)
		return r;
	/* Re-read under the lock: the copy loaded at start may be stale by now. */
	cleanup_json *file = NULL;
	r = jc_json_read_object(path, &file, err);
	if (r < 0)
		return r;
	cleanup_json *builtin = jc_builtin_defaults();
	apply_changes(file, builtin, changes, n);
	r = jc_json_write_atomic(path, file, err);
	if (r < 0)
		return r;
	json_decref(ctx->defaults);
	ctx->defaults = overlay_builtin(file);
	return 0;
}

char *jc_defaults_get_text(const struct jc_ctx *ctx, const char *key)
{
	if (!ctx->defaults)
		return NULL;
	return jc_prop_json_to_text(json_object_get(ctx->defaults, key));
}

/* Name of the interface holding the IPv4 default route, from /proc/net/route. */
static char *default_route_iface(void)
{
	cleanup_fclose FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return NULL;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char ifname[IF_NAMESIZE + 1];
		unsigned long dest = 1, mask = 1;
		if (sscanf(line, "%16s %lx %*x %*x %*d %*d %*d %lx", ifname, &dest, &mask) == 3 &&
		    dest == 0 && mask == 0)
			return xstrdup(ifname);
	}
	return NULL;
}

static bool read_iface_mac(const char *ifname, unsigned char mac[3])
{
	if (strchr(ifname, '/'))
		return false;
	cleanup_free char *path = xasprintf("/sys/class/net/%s/address", ifname);
	cleanup_fclose FILE *f = fopen(path, "re");
	unsigned int b[3];
	if (!f || fscanf(f, "%2x:%2x:%2x", &b[0], &b[1], &b[2]) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		mac[i] = (unsigned char)b[i];
	return true;
}

char *jc_host_mac_prefix(void)
{
	unsigned char mac[3] = { 0 };
	cleanup_free char *iface = default_route_iface();
	if (!iface || !read_iface_mac(iface, mac)) {
		if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
			mac[0] = 0x02, mac[1] = 0xa0, mac[2] = 0x98;
	}
	/* Locally administered (bit 1 set), unicast (bit 0 clear), as iocage forces. */
	mac[0] = (unsigned char)((mac[0] | 0x02) & ~0x01);
	return xasprintf("%02x%02x%02x", mac[0], mac[1], mac[2]);
}
