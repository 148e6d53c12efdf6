#ifndef JAILCTL_DYNLIB_H
#define JAILCTL_DYNLIB_H

/* Optional libraries (libcurl, libarchive, libcrypto, libnftables) are opened with
 * dlopen() by the operations that use them, so that no other command pays for loading
 * them at start (docs/decisions.md, "Speed"). */
#include <stddef.h>

#include "error.h"

struct jc_dl_sym {
	const char *name;
	void **slot;   /* a function pointer field, written as a data pointer (POSIX dlsym) */
};

/* dlopen(soname) and resolve every symbol into its slot: all or nothing. A missing
 * library is an error naming the Debian package that provides it. */
int jc_dl_load(const char *soname, const char *package, const struct jc_dl_sym *syms,
	       size_t n, void **handle, struct jc_error *err);

#endif
