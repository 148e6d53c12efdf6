/* SHA-256 with OpenSSL's EVP, libcrypto loaded with dlopen() per digest: linked
 * normally it costs every jailctl command its load time, and only fetch, export,
 * import and VNET MAC derivation hash anything. */
#pragma once

#include <stddef.h>

#include "error.h"
#include "util.h"

enum { JC_SHA256_LEN = 32 };

/* One running digest and the library it came from. */
struct jc_sha256;

/* Start a digest; *out is freed with jc_sha256_free. */
int jc_sha256_begin(struct jc_sha256 **out, struct jc_error *err);
void jc_sha256_update(struct jc_sha256 *s, const void *data, size_t len);
/* The digest of everything updated so far; s is done after it (only free follows). */
void jc_sha256_final(struct jc_sha256 *s, unsigned char md[JC_SHA256_LEN]);
/* NULL-safe; unloads libcrypto when nothing else holds it. */
void jc_sha256_free(struct jc_sha256 *s);
void jc_sha256_freep(struct jc_sha256 **s);
#define cleanup_sha256 jc_cleanup(jc_sha256_freep)

/* One-shot digest of a buffer. */
int jc_sha256_buf(const void *data, size_t len, unsigned char md[JC_SHA256_LEN],
		  struct jc_error *err);
/* Lowercase hex sha256 of everything left to read from fd into hex[65]; path names it
 * in errors. */
int jc_sha256_fd(int fd, const char *path, char hex[65], struct jc_error *err);
/* md as 64 lowercase hex digits and a NUL. */
void jc_sha256_hex(const unsigned char md[JC_SHA256_LEN], char hex[65]);
