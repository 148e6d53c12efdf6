/* The context every library call takes: host paths, the message sink through which
 * the library hands notices and warnings to the front end (it never prints), and the
 * active pool once resolved. No global mutable state lives anywhere else. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct jc_storage_ops;

/* PROGRESS lines are the command's normal output ("* Starting web", "  + Started OK"). */
enum jc_msg_level { JC_MSG_DEBUG, JC_MSG_NOTICE, JC_MSG_WARNING, JC_MSG_PROGRESS };
typedef void (*jc_msg_fn)(void *user, enum jc_msg_level level, const char *text);

/* Host locations jailctl reads or writes outside a pool. Tests run in a private mount
 * namespace with tmpfs over these, so the defaults are the only values used. */
struct jc_host_paths {
	const char *default_pool;   /* embedded default pool (dir backend) */
	const char *run_dir;        /* runtime state */
	const char *mnt_dir;        /* auto-activation looks here for a mounted filesystem */
	const char *pool_registry;  /* hint list of pool paths ever activated on this host */
	const char *exports;        /* NFS exports */
	const char *exports_d;
	const char *smb_conf;       /* Samba shares */
	const char *mountinfo;      /* mount table to scan */
};

struct jc_ctx {
	struct jc_host_paths paths;
	jc_msg_fn msg;
	void *msg_user;
	bool debug;

	/* Filled by jc_ctx_open_pool. */
	char *pool;                             /* pool root (mounted filesystem or directory) */
	char *iocroot;                          /* <pool>/iocage */
	char *pool_id;                          /* 12 hex digits naming the pool in host-global
						   names (cgroups, /run/jailctl/<id>/) */
	const struct jc_storage_ops *storage;

	/* Filled by jc_ctx_load_defaults. */
	json_t *defaults;                       /* effective defaults: built-ins overlaid by the file */
	bool defaults_corrupt;                  /* file unreadable: built-ins in use, file untouched */

	/* Children left running in the background (the last_started writers of starts). */
	pid_t *children;
	size_t nchildren;
};

void jc_ctx_init(struct jc_ctx *ctx, jc_msg_fn fn, void *user);
/* Reaps the finished background children without waiting for the others, which then
 * outlive the context. */
void jc_ctx_release(struct jc_ctx *ctx);
/* Remember a background child; finished ones are reaped (without waiting) on the way, so
 * starting a thousand jails in one command does not keep a thousand zombies. */
void jc_ctx_add_child(struct jc_ctx *ctx, pid_t pid);

/* Find the active pool (auto-activating as SPEC §3 `activate` says), choose its storage
 * back end and make sure the iocage tree exists. */
int jc_ctx_open_pool(struct jc_ctx *ctx, struct jc_error *err);
/* Load defaults.json (creating or migrating it; a corrupt file gives one warning). */
int jc_ctx_load_defaults(struct jc_ctx *ctx, struct jc_error *err);

void jc_notice(const struct jc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jc_warning(const struct jc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jc_progress(const struct jc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jc_debug(const struct jc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
