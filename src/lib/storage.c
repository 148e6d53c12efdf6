#include "storage.h"

#include <ctype.h>
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "util.h"

int jc_storage_for_path(const char *path, const struct jc_storage_ops **out, struct jc_error *err)
{
	struct statfs sfs;
	if (statfs(path, &sfs) < 0)
		return jc_error_errno(err, errno, "%s", path);
	*out = sfs.f_type == BTRFS_SUPER_MAGIC ? &jc_storage_btrfs : &jc_storage_dir;
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* NAME.layer<digits> with a non-empty NAME. */
static bool is_layer_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strncmp(dot, ".layer", 6) != 0 || !dot[6])
		return false;
	for (const char *p = dot + 6; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

bool jc_storage_is_side_file(const char *name)
{
	static const char *const suffixes[] = {
		".upper", ".work", ".lower", ".readonly",
		".restore-tmp", ".restore-new", ".restore-old", ".restore-old.tmp",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(suffixes); i++)
		if (has_suffix(name, suffixes[i]))
			return true;
	return is_layer_name(name);
}
