/* libcurl downloads with resume and retries; file checksums through sha256.c.
 * curl_global_init/cleanup are paired in every public call: they are reference
 * counted and thread-safe in the libcurl we build against (>= 7.84), which keeps the
 * library free of global state at the cost of re-initialising TLS per fetch.
 * libcurl is loaded with dlopen() when a download starts: linked normally, its 33
 * libraries cost every jailctl command (exec, list, ...) about 12 M instructions at
 * program start (docs/BENCHMARKS.md), and only fetch needs it. */
#include "download.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dynlib.h"
#include "sha256.h"
#include "util.h"

enum { DEFAULT_RETRIES = 3 };

/* The few libcurl entry points jailctl uses, resolved from the dlopen()ed library. */
struct curl_api {
	void *handle;
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
};

static int curl_api_open(struct curl_api *api, struct jc_error *err)
{
	memset(api, 0, sizeof(*api));
	const struct jc_dl_sym syms[] = {
		{ "curl_global_init", (void **)&api->global_init },
		{ "curl_global_cleanup", (void **)&api->global_cleanup },
		{ "curl_easy_init", (void **)&api->easy_init },
		{ "curl_easy_setopt", (void **)&api->easy_setopt },
		{ "curl_easy_perform", (void **)&api->easy_perform },
		{ "curl_easy_getinfo", (void **)&api->easy_getinfo },
		{ "curl_easy_cleanup", (void **)&api->easy_cleanup },
		{ "curl_easy_strerror", (void **)&api->easy_strerror },
	};
	int r = jc_dl_load("libcurl.so.4", "libcurl4", syms, JC_ARRAY_SIZE(syms), &api->handle, err);
	if (r == 0)
		api->global_init(CURL_GLOBAL_DEFAULT);
	return r;
}

static void curl_api_close(struct curl_api *api)
{
	api->global_cleanup();
	dlclose(api->handle);
}

/* State of one transfer attempt, shared with the libcurl callbacks. */
struct xfer {
	const struct curl_api *api;
	CURL *curl;
	const char *url;
	int fd;                 /* part file, or -1 for a memory download */
	uint64_t offset;        /* bytes already in the part file when the attempt began */
	bool checked;           /* response status looked at for this attempt */
	bool discard;           /* error response: its body is not the file */
	int write_errno;        /* local write failure (e.g. disk full): not retried */
	char *mem;
	size_t len, cap, max;
	bool too_large;
	const struct jc_download *dl;
	char errbuf[CURL_ERROR_SIZE];
};

static void check_status(struct xfer *x)
{
	long code = 0;
	x->checked = true;
	x->api->easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	x->discard = code >= 400;
	/* A server that ignores Range answers 200 with the whole file: start over. */
	if (!x->discard && x->fd >= 0 && x->offset > 0 && code == 200) {
		if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
			x->write_errno = errno;
		x->offset = 0;
	}
}

static size_t write_file(struct xfer *x, const char *p, size_t n)
{
	size_t left = n;
	while (left > 0) {
		ssize_t w = write(x->fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			x->write_errno = errno;
			return 0;
		}
		p += w;
		left -= (size_t)w;
	}
	return n;
}

static size_t write_memory(struct xfer *x, const char *p, size_t n)
{
	if (x->len + n > x->max) {
		x->too_large = true;
		return 0;
	}
	if (x->len + n + 1 > x->cap) {
		x->cap = (x->len + n + 1) * 2;
		x->mem = xrealloc(x->mem, x->cap);
	}
	memcpy(x->mem + x->len, p, n);
	x->len += n;
	x->mem[x->len] = '\0';
	return n;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *user)
{
	struct xfer *x = user;
	size_t n = size * nmemb;
	if (!x->checked)
		check_status(x);
	if (x->write_errno)
		return 0;
	if (x->discard)
		return n;
	return x->fd >= 0 ? write_file(x, p, n) : write_memory(x, p, n);
}

static int xferinfo_cb(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ultotal;
	(void)ulnow;
	struct xfer *x = user;
	if (x->dl && x->dl->progress && !x->discard) {
		uint64_t total = dltotal > 0 ? x->offset + (uint64_t)dltotal : 0;
		x->dl->progress(x->dl->progress_user, x->dl->what, x->offset + (uint64_t)dlnow, total);
	}
	return 0;
}

static CURL *new_handle(struct xfer *x)
{
	CURL *c = x->api->easy_init();
	if (!c)
		abort();
	x->api->easy_setopt(c, CURLOPT_URL, x->url);
	x->api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	x->api->easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	x->api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps,file");
	/* A redirect must never reach into the local filesystem. */
	x->api->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp,ftps");
	x->api->easy_setopt(c, CURLOPT_USERAGENT, "jailctl/" JAILCTL_VERSION);
	x->api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled connection counts as a failure (and is retried) after a minute. */
	x->api->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	x->api->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	x->api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	x->api->easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	x->api->easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	x->api->easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (x->dl && x->dl->progress) {
		x->api->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		x->api->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		x->api->easy_setopt(c, CURLOPT_XFERINFODATA, x);
	}
	return c;
}

static const char *http_reason(long code)
{
	switch (code) {
	case 400: return "bad request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not found";
	case 410: return "gone";
	case 416: return "range not satisfiable";
	case 429: return "too many requests";
	case 500: return "internal server error";
	case 502: return "bad gateway";
	case 503: return "service unavailable";
	case 504: return "gateway timeout";
	default: return code >= 500 ? "server error" : "request refused";
	}
}

static bool http_transient(long code)
{
	return code == 408 || code == 429 || code >= 500;
}

enum outcome { DONE, RETRY, RESTART, FATAL };

/* One attempt: perform and classify. err holds the reason for anything but DONE. */
static enum outcome attempt(struct xfer *x, struct jc_error *err)
{
	x->checked = x->discard = x->too_large = false;
	x->errbuf[0] = '\0';
	CURLcode res = x->api->easy_perform(x->curl);
	long code = 0;
	x->api->easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	if (x->write_errno) {
		jc_error_errno(err, x->write_errno, "%s: write", x->dl ? x->dl->dest : x->url);
		return FATAL;
	}
	if (x->too_large) {
		jc_error_set(err, EFBIG, "%s: larger than %zu bytes", x->url, x->max);
		return FATAL;
	}
	if (res == CURLE_RANGE_ERROR || code == 416) {
		jc_error_set(err, EIO, "%s: server cannot resume the download", x->url);
		return RESTART;
	}
	if (code >= 400) {
		jc_error_set(err, code == 404 || code == 410 ? ENOENT : EIO, "%s: %s (HTTP %ld)",
			     x->url, http_reason(code), code);
		return http_transient(code) ? RETRY : FATAL;
	}
	if (res == CURLE_OK)
		return DONE;
	jc_error_set(err, EIO, "%s: %s", x->url, x->errbuf[0] ? x->errbuf : x->api->easy_strerror(res));
	switch (res) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_REMOTE_FILE_NOT_FOUND:
	case CURLE_TOO_MANY_REDIRECTS:
		return FATAL;
	default:
		return RETRY;
	}
}

static void backoff(unsigned n)
{
	/* 0.1 s, 0.2 s, 0.4 s: well under a second for the default three retries. */
	unsigned ms = 100u << (n < 4 ? n : 4);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int truncate_part(struct xfer *x, struct jc_error *err)
{
	if (ftruncate(x->fd, 0) < 0)
		return jc_error_errno(err, errno, "%s.part: truncate", x->dl->dest);
	return 0;
}

static int gave_up(struct jc_error *err, unsigned attempts)
{
	char msg[JC_ERROR_MSG_MAX];
	memcpy(msg, err->msg, sizeof(msg));
	if (attempts < 2)
		return -err->code;
	return jc_error_set(err, err->code, "%s (gave up after %u attempts)", msg, attempts);
}

/* Run attempts until one succeeds or the retries are used up. */
static int run_attempts(struct xfer *x, unsigned retries, struct jc_error *err)
{
	for (unsigned n = 0;; n++) {
		if (x->fd >= 0) {
			off_t size = lseek(x->fd, 0, SEEK_END);
			if (size < 0)
				return jc_error_errno(err, errno, "%s.part", x->dl->dest);
			x->offset = (uint64_t)size;
			x->api->easy_setopt(x->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)size);
		} else {
			x->len = 0;
		}
		enum outcome o = attempt(x, err);
		if (o == DONE)
			return 0;
		if (o == FATAL)
			return -err->code;
		if (o == RESTART && x->fd >= 0 && truncate_part(x, err) < 0)
			return -err->code;
		if (n >= retries)
			return gave_up(err, n + 1);
		backoff(n);
	}
}

/* Open and lock DEST.part; a concurrent downloader of the same file waits, and one
 * that finds its part file renamed away meanwhile opens a fresh one. */
static int open_part(const char *part, int *out, struct jc_error *err)
{
	for (;;) {
		cleanup_close int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return jc_error_errno(err, errno, "%s", part);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return jc_error_errno(err, errno, "%s: lock", part);
		struct stat a, b;
		if (fstat(fd, &a) < 0)
			return jc_error_errno(err, errno, "%s", part);
		if (stat(part, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*out = steal_fd(fd);
			return 0;
		}
	}
}

int jc_download_file(const struct jc_download *dl, struct jc_error *err)
{
	cleanup_free char *part = xasprintf("%s.part", dl->dest);
	struct curl_api api;
	struct xfer x = { .api = &api, .url = dl->url, .fd = -1, .dl = dl };
	int r = curl_api_open(&api, err);
	if (r < 0)
		return r;
	r = open_part(part, &x.fd, err);
	if (r < 0) {
		curl_api_close(&api);
		return r;
	}
	x.curl = new_handle(&x);
	r = run_attempts(&x, dl->retries ? dl->retries : DEFAULT_RETRIES, err);
	api.easy_cleanup(x.curl);
	curl_api_close(&api);
	if (r == 0 && fsync(x.fd) < 0)
		r = jc_error_errno(err, errno, "%s: fsync", part);
	if (r == 0 && rename(part, dl->dest) < 0)
		r = jc_error_errno(err, errno, "%s: rename", part);
	struct stat st;
	/* An empty part file is no partial download worth keeping. */
	if (r < 0 && fstat(x.fd, &st) == 0 && st.st_size == 0)
		unlink(part);
	close(x.fd);
	return r;
}

int jc_download_memory(const char *url, size_t max, char **out, size_t *len, struct jc_error *err)
{
	struct curl_api api;
	struct xfer x = { .api = &api, .url = url, .fd = -1, .max = max };
	int r = curl_api_open(&api, err);
	if (r < 0)
		return r;
	x.curl = new_handle(&x);
	r = run_attempts(&x, DEFAULT_RETRIES, err);
	api.easy_cleanup(x.curl);
	curl_api_close(&api);
	if (r < 0) {
		free(x.mem);
		return r;
	}
	if (!x.mem)
		x.mem = xstrdup("");
	*out = x.mem;
	if (len)
		*len = x.len;
	return 0;
}

bool jc_is_url(const char *s)
{
	const char *p = s;
	if (!isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return strncmp(p, "://", 3) == 0;
}

char *jc_url_join(const char *base, const char *path)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	return xasprintf("%.*s/%s", (int)n, base, path);
}

int jc_sha256_file(const char *path, char hex[65], struct jc_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	return jc_sha256_fd(fd, path, hex, err);
}

bool jc_sha256_valid(const char *hex)
{
	size_t n = 0;
	for (; hex[n]; n++)
		if (!isxdigit((unsigned char)hex[n]))
			return false;
	return n == 64;
}

bool jc_sha256_equal(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}
