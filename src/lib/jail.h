/* Jails and templates on a pool: lookup by name or unique prefix, effective configuration
 * (defaults.json overlaid by the thin config.json), property updates with backup,
 * create / destroy / rename / clone / template conversion, fstab.
 * Every change takes the jail's lock (<iocroot>/.locks/NAME.lock). Creation builds in a
 * dot-named directory (jails/.create-NAME-PID) and publishes by rename; list never shows
 * dot entries and the next command removes leftovers whose pid is gone. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "context.h"
#include "error.h"

struct jc_jail {
	char *name;
	char *dir;          /* <iocroot>/jails/NAME or <iocroot>/templates/NAME */
	char *root;         /* dir/root */
	char *fstab;        /* dir/fstab */
	bool is_template;
	json_t *config;     /* thin config.json; NULL when corrupt */
	json_t *effective;  /* defaults overlaid by config; NULL when corrupt */
	char *corrupt;      /* why config.json could not be used, else NULL */
};

/* Find a jail (or template) by exact name, else unique prefix. */
int jc_jail_open(struct jc_ctx *ctx, const char *name, struct jc_jail **out, struct jc_error *err);
/* Open by exact name in jails/ or templates/ without prefix matching. */
int jc_jail_open_exact(struct jc_ctx *ctx, const char *name, bool template_dir,
		       struct jc_jail **out, struct jc_error *err);
void jc_jail_free(struct jc_jail *jail);
/* Re-read config.json (e.g. after taking the lock). */
int jc_jail_reload(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);

/* Names in jails/ (or templates/), sorted, dot entries skipped. */
int jc_jail_names(const struct jc_ctx *ctx, bool templates, char ***out, struct jc_error *err);

/* Walks jails/ (or templates/) for listings, in directory order, dot entries skipped: each
 * entry with selected fields of its thin config.json (not merged with the defaults), read
 * with one openat relative to the directory and one read. */
struct jc_jail_lister;
int jc_jail_lister_open(const struct jc_ctx *ctx, bool templates, struct jc_jail_lister **out,
			struct jc_error *err);
/* 1 and the next entry (*config_ok false when its config.json is missing or unusable; the
 * fields then stay empty), 0 at the end. name and texts stay valid until the next call. */
int jc_jail_lister_next(struct jc_jail_lister *l, const char **name, struct jc_json_field *fields,
			size_t n, bool *config_ok);
void jc_jail_lister_close(struct jc_jail_lister *l);

/* Effective value as text (caller frees), NULL when unknown or corrupt. */
char *jc_jail_get(const struct jc_jail *jail, const char *key);
bool jc_jail_get_bool(const struct jc_jail *jail, const char *key);
long jc_jail_get_long(const struct jc_jail *jail, const char *key, long fallback);

/* The jail's lock; held until the fd is closed. */
int jc_jail_lock(const struct jc_ctx *ctx, const char *name, int *out_fd, struct jc_error *err);

/* Validate then apply changes to config.json (backup first). running: the jail is up,
 * so properties that cannot change while running are refused. *restart_needed is set
 * when a stored change only takes effect at the next start. */
int jc_jail_update(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_prop_change *changes,
		   size_t n, bool running, bool *restart_needed, struct jc_error *err);
/* Low-level: write props into config.json under the already-held lock, no validation. */
int jc_jail_write_config(struct jc_ctx *ctx, struct jc_jail *jail, json_t *config,
			 struct jc_error *err);

struct jc_create_opts {
	const char *release;      /* -r */
	const char *name;         /* -n */
	const char *uuid;         /* -u */
	const char *template;     /* -t */
	const char *proxy;        /* -S */
	const char *pkglist;      /* -p (file) */
	bool basejail;            /* -b */
	bool clone_basejail;      /* -B */
	bool empty;               /* -e */
	bool short_uuid;          /* -s */
	int count;                /* -c, default 1 */
	char **props;             /* PROP=VAL..., NULL-terminated */
};

/* Create one or more jails; *out_names (may be NULL) receives the created names. */
int jc_jail_create(struct jc_ctx *ctx, const struct jc_create_opts *opts, char ***out_names,
		   struct jc_error *err);
int jc_jail_destroy(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
int jc_jail_rename(struct jc_ctx *ctx, struct jc_jail *jail, const char *new_name,
		   struct jc_error *err);
int jc_jail_clone(struct jc_ctx *ctx, struct jc_jail *src, const char *new_name, char **props,
		  struct jc_error *err);
int jc_jail_set_template(struct jc_ctx *ctx, struct jc_jail *jail, bool template,
			 struct jc_error *err);
/* Name rule plus collision with existing jails and templates ('.' and '_' are equal). */
int jc_jail_check_name_free(const struct jc_ctx *ctx, const char *name, struct jc_error *err);
int jc_jail_rebase_fstab(const char *fstab_path, const char *old_root, const char *new_root,
			 struct jc_error *err);
/* Record facts learnt at run time (last_started, generated vnetN_mac) in config.json
 * without a backup, so config_backup.json keeps the user's previous settings. The caller
 * holds the jail's lock. */
int jc_jail_record_facts(struct jc_jail *jail, json_t *facts, struct jc_error *err);
/* last_started = stamp into config.json, for a caller holding the jail's lock as lock_fd
 * that may let go of it while the new file is flushed (the slow part): the jail's other
 * commands do not wait for that. Merged again if config.json changed meanwhile; a later
 * stamp already there is kept. Returns holding the lock. */
int jc_jail_record_last_started(struct jc_jail *jail, const char *stamp, int lock_fd,
				struct jc_error *err);
/* The same facts into the in-memory configuration only (config and effective). */
void jc_jail_note_facts(struct jc_jail *jail, json_t *facts);
/* Remove a jail directory (root dataset, snapshots, files). */
int jc_jail_remove_dir(struct jc_ctx *ctx, const char *dir, struct jc_error *err);
/* Writable clone of a jail, template or release root. A plain-directory root on the dir
 * back end (empty or imported jails) is copied, since an overlay over it would show later
 * writes to the source. */
int jc_jail_clone_root(struct jc_ctx *ctx, const char *src, const char *dst, struct jc_error *err);
/* Remove leftovers of interrupted creates/destroys (dot entries whose pid is gone). */
int jc_jail_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err);

/* Run fn with the jail root's contents visible at root: directly on btrfs; on the dir
 * back end in a child process that mounts the overlay in a private mount namespace, so
 * nothing is ever mounted on the host. */
typedef int (*jc_root_fn)(const char *root, void *arg, struct jc_error *err);
int jc_jail_with_root(struct jc_ctx *ctx, const char *root, jc_root_fn fn, void *arg,
		      struct jc_error *err);

struct jc_fstab_entry;
/* Parse a user fstab entry (DST inside the jail), check source and destination, create
 * the mount point; out->dst becomes the host path under the jail root. */
int jc_jail_fstab_prepare(struct jc_ctx *ctx, const struct jc_jail *jail, const char *text,
			  struct jc_fstab_entry *out, struct jc_error *err);
const char *jc_jail_fstab_jail_path(const struct jc_jail *jail, const struct jc_fstab_entry *e);

/* System directories of a release that a basejail mounts read-only (real directories only:
 * a merged-/usr symlink such as bin -> usr/bin needs no mount). NULL-terminated. */
char **jc_basejail_dirs(const char *release_root);
