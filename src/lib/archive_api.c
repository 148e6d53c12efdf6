#include "archive_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

int jc_archive_api_open(struct jc_archive_api *api, struct jc_error *err)
{
	memset(api, 0, sizeof(*api));
	api->handle = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!api->handle)
		return jc_error_set(err, ENOENT, "libarchive: %s (install libarchive13)",
				    dlerror());
	const char *missing = NULL;
	/* POSIX: a data pointer from dlsym may be converted to a function pointer. */
#define JC_ARCHIVE_SYM(name) \
	if (!(*(void **)&api->name = dlsym(api->handle, #name)) && !missing) \
		missing = #name;
	JC_ARCHIVE_FUNCS(JC_ARCHIVE_SYM)
#undef JC_ARCHIVE_SYM
	if (missing) {
		jc_archive_api_close(api);   /* all or nothing */
		return jc_error_set(err, ENOENT, "libarchive: missing entry point %s", missing);
	}
	return 0;
}

void jc_archive_api_close(struct jc_archive_api *api)
{
	if (api->handle)
		dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}
