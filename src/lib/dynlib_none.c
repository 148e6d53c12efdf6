/* The static jailctl's side of dynlib.h: no optional library is ever loaded here. */
#include "dynlib.h"

int jc_dl_load(const char *soname, const char *package, const struct jc_dl_sym *syms,
	       size_t n, void **handle, struct jc_error *err)
{
	(void)package;
	(void)syms;
	(void)n;
	*handle = NULL;
	return jc_error_set(err, JC_DL_UNAVAILABLE, "%s: not available to the static jailctl "
			    "(jailctl-full loads it)", soname);
}

bool jc_dl_available(void)
{
	return false;
}
