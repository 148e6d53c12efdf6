#ifndef JAILCTL_DYNLIB_H
#define JAILCTL_DYNLIB_H

/* Optional libraries (libcurl, libarchive, libcrypto, libnftables) are opened with
 * dlopen() by the operations that use them, so that no other command pays for loading
 * them at start (docs/decisions.md, "Speed").
 *
 * The static jailctl (the fast front end for start, stop, restart and exec) is linked
 * with dynlib_none.c instead: a static glibc program must not dlopen() libraries that
 * bring their own libc, so there jc_dl_load fails with JC_DL_UNAVAILABLE, and netlink
 * (libmnl, which has no static archive) is not linked in either. The front end hands
 * every operation that would need them to jailctl-full before starting it. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct jc_dl_sym {
	const char *name;
	void **slot;   /* a function pointer field, written as a data pointer (POSIX dlsym) */
};

/* The error code of jc_dl_load in the static jailctl. */
enum { JC_DL_UNAVAILABLE = ELIBACC };

/* dlopen(soname) and resolve every symbol into its slot: all or nothing. A missing
 * library is an error naming the Debian package that provides it. */
int jc_dl_load(const char *soname, const char *package, const struct jc_dl_sym *syms,
	       size_t n, void **handle, struct jc_error *err);

/* Whether this binary can load the optional libraries and talk netlink. */
bool jc_dl_available(void);

#endif
