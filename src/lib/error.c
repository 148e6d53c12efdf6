#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int error_vset(struct jc_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int error_vset(struct jc_error *err, int code, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = EIO;
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return -code;
}

int jc_error_set(struct jc_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int jc_error_errno(struct jc_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, fmt, ap);
	va_end(ap);
	if (err) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(-r));
	}
	return r;
}

int jc_error_wrap(struct jc_error *err, const char *fmt, ...)
{
	if (!err)
		return -EIO;
	char prefix[JC_ERROR_MSG_MAX];
	char old[JC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Build "<prefix>: <old>", cutting at the buffer's end. */
	size_t len = strnlen(prefix, sizeof(err->msg) - 1);
	memcpy(err->msg, prefix, len);
	size_t room = sizeof(err->msg) - 1 - len;
	size_t sep = room < 2 ? room : 2;
	memcpy(err->msg + len, ": ", sep);
	len += sep;
	room -= sep;
	size_t old_len = strnlen(old, room);
	memcpy(err->msg + len, old, old_len);
	err->msg[len + old_len] = '\0';
	if (err->code <= 0)
		err->code = EIO;
	return -err->code;
}

void jc_error_clear(struct jc_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
