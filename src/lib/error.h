/* Error convention (docs/error-handling.md): a fallible function returns an int < 0
 * (the negated errno-style code) and fills a caller-provided struct jc_error whose
 * message names the object (jail, property, path) and says what went wrong.
 * The library never prints; the front end reports the error exactly once. */
#pragma once

#include <stddef.h>

enum { JC_ERROR_MSG_MAX = 1024 };

struct jc_error {
	int code;                    /* positive errno-style value; 0 = no error */
	char msg[JC_ERROR_MSG_MAX];  /* "<what>: <why>" */
};

/* Fill err (may be NULL) and return -code. */
int jc_error_set(struct jc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like jc_error_set, and appends ": <strerror(code)>". */
int jc_error_errno(struct jc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the existing message with context ("<context>: <old message>") and return -code. */
int jc_error_wrap(struct jc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void jc_error_clear(struct jc_error *err);
