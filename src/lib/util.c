#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void jc_freep(void *p)
{
	free(*(void **)p);
	*(void **)p = NULL;
}

void jc_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

void jc_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
		*f = NULL;
	}
}

void jc_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
		*d = NULL;
	}
}

void jc_strvfreep(char ***v)
{
	jc_strv_free(*v);
	*v = NULL;
}

static void *check_alloc(void *p)
{
	if (!p)
		abort();
	return p;
}

void *xmalloc(size_t n) { return check_alloc(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check_alloc(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return check_alloc(strdup(s)); }
char *xstrndup(const char *s, size_t n) { return check_alloc(strndup(s, n)); }

char *xasprintf(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	return out;
}

size_t jc_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void jc_strv_push(char ***v, const char *s)
{
	size_t n = jc_strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

char *jc_strv_join(char *const *v, const char *sep)
{
	size_t len = 1;
	for (size_t i = 0; v[i]; i++)
		len += strlen(v[i]) + strlen(sep);
	char *out = xmalloc(len), *p = out;
	for (size_t i = 0; v[i]; i++)
		p = stpcpy(stpcpy(p, i ? sep : ""), v[i]);
	*p = '\0';
	return out;
}

void jc_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **jc_strsplit(const char *s, const char *seps)
{
	char **v = xcalloc(1, sizeof(char *));
	const char *p = s;
	while (*p) {
		size_t len = strcspn(p, seps);
		if (len > 0) {
			char *field = xstrndup(p, len);
			jc_strv_push(&v, field);
			free(field);
		}
		p += len;
		if (*p)
			p++;
	}
	return v;
}

bool jc_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool jc_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int jc_parse_long(const char *s, long *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

char *jc_strstrip(char *s)
{
	char *start = s;
	while (isspace((unsigned char)*start))
		start++;
	size_t len = strlen(start);
	while (len > 0 && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

char *jc_unescape_octal(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

char *jc_strdup_nospace(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t j = 0;
	for (size_t i = 0; s[i]; i++)
		if (!isspace((unsigned char)s[i]))
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

char *jc_utc_format(time_t t, const char *fmt)
{
	char buf[64];
	struct tm tm;
	gmtime_r(&t, &tm);
	/* fmt is checked at every call site through the format(strftime) attribute. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(buf, sizeof(buf), fmt, &tm) == 0)
		buf[0] = '\0';
#pragma GCC diagnostic pop
	return xstrdup(buf);
}

long long jc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
