#include "dynlib.h"

#include <dlfcn.h>
#include <errno.h>

int jc_dl_load(const char *soname, const char *package, const struct jc_dl_sym *syms,
	       size_t n, void **handle, struct jc_error *err)
{
	*handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!*handle)
		return jc_error_set(err, ENOENT, "%s (install %s)", dlerror(), package);
	for (size_t i = 0; i < n; i++) {
		*syms[i].slot = dlsym(*handle, syms[i].name);
		if (!*syms[i].slot) {
			dlclose(*handle);
			*handle = NULL;
			return jc_error_set(err, ENOENT, "%s: missing entry point %s", soname,
					    syms[i].name);
		}
	}
	return 0;
}

bool jc_dl_available(void)
{
	return true;
}
