/* Configuration files: defaults.json (versioned, migrated with a backup) and each jail's
 * thin config.json (only what differs from defaults, previous version kept in
 * config_backup.json). JSON is written with sorted keys and 4-space indent, atomically,
 * under an flock so concurrent updates never lose one another. */
#pragma once

#include <jansson.h>

#include "context.h"
#include "props.h"
#include "error.h"

/* jailctl's configuration version: iocage's '29' plus jailctl's Linux additions. */
#define JC_CONFIG_VERSION "30"

/* All properties with their built-in defaults (CONFIG_VERSION included). */
json_t *jc_builtin_defaults(void);

/* Serialise obj as jailctl writes config files (sorted keys, 4-space indent, newline). */
char *jc_json_dump(const json_t *obj);
int jc_json_write_atomic(const char *path, const json_t *obj, struct jc_error *err);
/* Atomic but not durable (see jc_write_file_replace). */
int jc_json_write_replace(const char *path, const json_t *obj, struct jc_error *err);
/* For a file in a directory not published yet (see jc_write_file_unsynced). */
int jc_json_write_unsynced(const char *path, const json_t *obj, struct jc_error *err);
/* Parse a JSON object file; -ENOENT when missing, -EBADMSG (with a message) when invalid.
 * Duplicate keys are invalid. */
int jc_json_read_object(const char *path, json_t **out, struct jc_error *err);
/* The fast path of jc_json_read_object, on the field scanner below: a flat object of plain
 * ASCII strings, integers, booleans and null, which is what jailctl's own config.json
 * and defaults.json hold. NULL for anything else (nesting, escapes, non-ASCII, reals,
 * duplicates, errors), which jansson then decides, so no file is judged differently. */
json_t *jc_json_load_simple(const char *data, size_t len);

/* Load <iocroot>/defaults.json: create when missing (notice), migrate older versions
 * (old file kept as defaults_backup.json), warn and use built-ins when corrupt. */
int jc_defaults_load(struct jc_ctx *ctx, json_t **out, bool *corrupt, struct jc_error *err);

/* One requested change and, after a successful update, what it replaced. */
struct jc_prop_change {
	const char *key;
	const char *value;   /* as given by the user */
	char *old_text;      /* filled: previous effective value */
	char *new_text;      /* filled: normalised new value */
};

/* Validate every change first (nothing written if one is bad), then apply them to
 * defaults.json in one locked read-modify-write. */
int jc_defaults_update(struct jc_ctx *ctx, struct jc_prop_change *changes, size_t n,
		       struct jc_error *err);
void jc_prop_changes_release(struct jc_prop_change *changes, size_t n);
/* Look up, check the scope (default or jail) and validate one change; fills new_text. */
int jc_prop_change_check(struct jc_prop_change *c, bool on_default, const struct jc_prop **out,
			 struct jc_error *err);

/* Effective value of key in the defaults as text (caller frees); NULL if unknown. */
char *jc_defaults_get_text(const struct jc_ctx *ctx, const char *key);

/* Host-derived mac_prefix: first 3 bytes of the default-route NIC's MAC, made locally
 * administered unicast; random when there is none. */
char *jc_host_mac_prefix(void);

/* Selected top-level fields of many small JSON object files (listings), as text: jansson
 * costs ~150 instructions a byte, more than the rest of a listing together. Plain files
 * (ASCII strings without escapes, integers, literals) are scanned in place; anything else
 * goes through jansson, which has the last word on validity and gives the messages. */
enum { JC_JSON_MAX_FIELDS = 16 };

struct jc_json_field {
	const char *key;   /* in */
	const char *text;  /* out: as jc_prop_json_to_text gives it; NULL if absent or no text */
	bool present;      /* out: the key is in the object (text may still be NULL: null, []) */
	json_type type;    /* out, when present: the value's JSON type */
};

/* Owns the read buffer and the texts of the jansson path, reused from file to file. */
struct jc_json_reader {
	char *buf;
	size_t cap;
	char *owned[JC_JSON_MAX_FIELDS];
};

/* Fill fields[0..n) (n <= JC_JSON_MAX_FIELDS) from the object in data[0..len); data[len]
 * must be writable (strings are terminated in place). flags: jansson's decoding flags
 * (JSON_REJECT_DUPLICATES). -EBADMSG as jc_json_read_object; name names the file. Texts
 * stay valid until the next call with rd and while data is unchanged. */
int jc_json_parse_fields(struct jc_json_reader *rd, char *data, size_t len, const char *name,
			 size_t flags, struct jc_json_field *fields, size_t n, struct jc_error *err);
/* The same for the file path relative to dirfd: one openat and (for a file smaller than
 * the buffer) one read. -errno when it cannot be read. */
int jc_json_read_fields_at(struct jc_json_reader *rd, int dirfd, const char *path, size_t flags,
			   struct jc_json_field *fields, size_t n, struct jc_error *err);
void jc_json_reader_release(struct jc_json_reader *rd);
