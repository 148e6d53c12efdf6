#include "archive_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "dynlib.h"
#include "util.h"

int jc_archive_api_open(struct jc_archive_api *api, struct jc_error *err)
{
	memset(api, 0, sizeof(*api));
#define JC_ARCHIVE_SYM(name) { #name, (void **)&api->name },
	const struct jc_dl_sym syms[] = { JC_ARCHIVE_FUNCS(JC_ARCHIVE_SYM) };
#undef JC_ARCHIVE_SYM
	return jc_dl_load("libarchive.so.13", "libarchive13", syms, JC_ARRAY_SIZE(syms),
			  &api->handle, err);
}

void jc_archive_api_close(struct jc_archive_api *api)
{
	if (api->handle)
		dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}
