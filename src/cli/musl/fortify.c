/* The static jailctl is linked against musl, with Debian's archives of jansson, libcap,
 * libseccomp and libbtrfsutil, which were compiled against glibc with _FORTIFY_SOURCE.
 * Every other symbol they use musl provides with glibc's ABI; these are the fortified
 * entry points, which glibc has and musl does not. Each checks what glibc checks and
 * aborts where glibc would. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __asprintf_chk(char **out, int flag, const char *fmt, ...);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
char *__strncpy_chk(char *dest, const char *src, size_t n, size_t destlen);

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void)flag;
	if (maxlen > slen)
		abort();
	return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
	va_end(ap);
	return n;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s, slen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= slen)
		abort();
	return n;
}

int __asprintf_chk(char **out, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(fp, fmt, ap);
	va_end(ap);
	return n;
}

char *__strncpy_chk(char *dest, const char *src, size_t n, size_t destlen)
{
	if (n > destlen)
		abort();
	return strncpy(dest, src, n);
}
