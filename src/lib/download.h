/* HTTP(S) downloads with libcurl and sha256 with OpenSSL, for fetching releases.
 * A download goes to DEST.part first and is renamed to DEST when complete, so DEST
 * is never a torn file; the .part file is kept on failure and the next download of
 * the same DEST resumes from its size (restarting when the server ignores Range).
 * Transient failures are retried a few times with a short backoff; HTTP errors
 * >= 400 fail with a message naming the URL and the status. The proxy comes from
 * the environment (libcurl's default behaviour). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* what: phase label (e.g. "Downloading rootfs.tar.xz"); total 0 = unknown. */
typedef void (*jc_progress_fn)(void *user, const char *what, uint64_t done, uint64_t total);

struct jc_download {
	const char *url;
	const char *dest;          /* final path; data is written to DEST.part first */
	const char *what;          /* progress label */
	jc_progress_fn progress;   /* may be NULL */
	void *progress_user;
	unsigned retries;          /* attempts after the first; 0 = the default (3) */
};

int jc_download_file(const struct jc_download *dl, struct jc_error *err);
/* Fetch a small document (index files) into memory, at most max bytes; *out is
 * NUL-terminated. */
int jc_download_memory(const char *url, size_t max, char **out, size_t *len, struct jc_error *err);

/* True for strings that look like URLs (scheme://...) rather than local paths. */
bool jc_is_url(const char *s);
/* base (trailing slashes ignored) + "/" + path (leading slashes ignored). */
char *jc_url_join(const char *base, const char *path);

/* Lowercase hex sha256 of a file into hex[65]. */
int jc_sha256_file(const char *path, char hex[65], struct jc_error *err);
/* 64 hex digits (either case). */
bool jc_sha256_valid(const char *hex);
/* Compare a computed digest with an expected one (case-insensitive). */
bool jc_sha256_equal(const char *a, const char *b);
