#include "sha256.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dynlib.h"

/* The libcrypto entry points used here; the fields take the headers' types. */
#define JC_CRYPTO_FUNCS(X) \
	X(EVP_MD_CTX_new) \
	X(EVP_MD_CTX_free) \
	X(EVP_sha256) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_DigestFinal_ex)

struct jc_sha256 {
	void *handle;
#define JC_CRYPTO_FIELD(name) __typeof__(name) *name;
	JC_CRYPTO_FUNCS(JC_CRYPTO_FIELD)
#undef JC_CRYPTO_FIELD
	EVP_MD_CTX *md;
};

static int crypto_open(struct jc_sha256 *s, struct jc_error *err)
{
#define JC_CRYPTO_SYM(name) { #name, (void **)&s->name },
	const struct jc_dl_sym syms[] = { JC_CRYPTO_FUNCS(JC_CRYPTO_SYM) };
#undef JC_CRYPTO_SYM
	return jc_dl_load("libcrypto.so.3", "libssl3", syms, JC_ARRAY_SIZE(syms), &s->handle, err);
}

int jc_sha256_begin(struct jc_sha256 **out, struct jc_error *err)
{
	cleanup_sha256 struct jc_sha256 *s = xcalloc(1, sizeof(*s));
	int r = crypto_open(s, err);
	if (r < 0)
		return r;
	s->md = s->EVP_MD_CTX_new();
	if (!s->md)
		abort();
	if (s->EVP_DigestInit_ex(s->md, s->EVP_sha256(), NULL) != 1)
		return jc_error_set(err, EIO, "libcrypto: sha256 is not available");
	*out = steal_ptr(s);
	return 0;
}

void jc_sha256_update(struct jc_sha256 *s, const void *data, size_t len)
{
	s->EVP_DigestUpdate(s->md, data, len);
}

void jc_sha256_final(struct jc_sha256 *s, unsigned char md[JC_SHA256_LEN])
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	s->EVP_DigestFinal_ex(s->md, buf, &len);
	memcpy(md, buf, JC_SHA256_LEN);
}

void jc_sha256_free(struct jc_sha256 *s)
{
	if (!s)
		return;
	if (s->md)
		s->EVP_MD_CTX_free(s->md);
	if (s->handle)
		dlclose(s->handle);
	free(s);
}

void jc_sha256_freep(struct jc_sha256 **s)
{
	int saved = errno;
	jc_sha256_free(*s);
	errno = saved;
}

int jc_sha256_buf(const void *data, size_t len, unsigned char md[JC_SHA256_LEN],
		  struct jc_error *err)
{
	cleanup_sha256 struct jc_sha256 *s = NULL;
	int r = jc_sha256_begin(&s, err);
	if (r < 0)
		return r;
	jc_sha256_update(s, data, len);
	jc_sha256_final(s, md);
	return 0;
}

int jc_sha256_fd(int fd, const char *path, char hex[65], struct jc_error *err)
{
	cleanup_sha256 struct jc_sha256 *s = NULL;
	int r = jc_sha256_begin(&s, err);
	if (r < 0)
		return r;
	enum { BUFSZ = 1 << 20 };
	cleanup_free unsigned char *buf = xmalloc(BUFSZ);
	for (;;) {
		ssize_t n = read(fd, buf, BUFSZ);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jc_error_errno(err, errno, "%s: read", path);
		if (n == 0)
			break;
		jc_sha256_update(s, buf, (size_t)n);
	}
	unsigned char md[JC_SHA256_LEN];
	jc_sha256_final(s, md);
	jc_sha256_hex(md, hex);
	return 0;
}

void jc_sha256_hex(const unsigned char md[JC_SHA256_LEN], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < JC_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}
