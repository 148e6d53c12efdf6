/* Releases: Linux root filesystems that jails are made from (SPEC §1, §2, §3 `fetch`).
 * Four sources: the built-in busybox release (built from the host's static busybox, no
 * network), Debian via debootstrap from the host's configured apt mirror, simplestreams
 * image servers, and tarballs (local path or URL) with a sha256.
 * A fetch builds into a temporary dataset under releases/ (a dot name, never listed) and
 * publishes it with one rename after success; leftovers of an interrupted fetch are
 * removed by the next command. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "error.h"

struct jc_fetch_opts {
	const char *release;      /* name to fetch/publish as (e.g. busybox, debian-12, alpine-3.20) */
	const char *server;       /* simplestreams server URL (-s) */
	const char *file;         /* tarball path or URL (-f) */
	const char *sha256;       /* expected sha256 of file (--sha256) */
	bool noverify;            /* --noverify: skip checksum verification (warns) */
	/* Progress: what names the phase as a line to show ("Downloading: rootfs.tar.xz",
	 * "Extracting: rootfs.tar.xz", ...); done/total are bytes (total 0 = unknown or a
	 * phase without byte counts). Without a callback each new phase is reported once
	 * through jc_progress. */
	void (*progress)(void *user, const char *what, uint64_t done, uint64_t total);
	void *progress_user;
};

struct jc_release_info {
	char *name;
	char *source;     /* "builtin", "debootstrap", "simplestreams" or "tarball" */
	char *sha256;     /* of the downloaded artefact, or "none" */
	char *date;       /* UTC fetch time, %F %T */
	uint64_t size;    /* bytes in the root */
};

/* -EEXIST when the release is already there. Cleans leftovers first. */
int jc_release_fetch(struct jc_ctx *ctx, const struct jc_fetch_opts *opts, struct jc_error *err);
bool jc_release_exists(const struct jc_ctx *ctx, const char *name);
/* Releases fetched into the pool, sorted by name. */
int jc_release_list(const struct jc_ctx *ctx, struct jc_release_info **out, size_t *n,
		    struct jc_error *err);
void jc_release_info_free(struct jc_release_info *infos, size_t n);
/* Release names a source offers for this host's architecture (no server: the built-in
 * and debootstrap ones). */
int jc_release_list_remote(struct jc_ctx *ctx, const char *server, char ***out, struct jc_error *err);
/* Remove a release (and with drop_download its download/ directory). Refused with -EBUSY
 * when jails or templates use it unless recursive (then those are destroyed first by the
 * caller; this module only checks). */
int jc_release_destroy(struct jc_ctx *ctx, const char *name, bool drop_download,
		       struct jc_error *err);
/* Names of jails/templates whose release or cloned_release is name. */
int jc_release_users(const struct jc_ctx *ctx, const char *name, char ***out, struct jc_error *err);
/* clean -r: every release and download; nothing is removed when a release is in use. */
int jc_release_clean_all(struct jc_ctx *ctx, struct jc_error *err);
/* Remove leftovers of interrupted fetches (dot-named temporaries in releases/ and download/). */
int jc_release_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err);
/* Validate a release name: ^[A-Za-z0-9][A-Za-z0-9._-]*$, at most 63 chars, not "." / "..". */
int jc_release_validate_name(const char *name, struct jc_error *err);
