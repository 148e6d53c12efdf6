/* Import: find the image, verify its checksum on the same open file that is then
 * extracted, check every member before writing it, and publish with one rename. */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_api.h"
#include "config.h"
#include "extract.h"
#include "fileio.h"
#include "fstab.h"
#include "kernel_api.h"
#include "props.h"
#include "sha256.h"
#include "storage.h"
#include "usage.h"
#include "util.h"
#include "validate.h"

#define IMPORT_FLAGS (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | \
		      ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_FFLAGS | \
		      ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS)

enum { CONFIG_MAX = 1 << 20, SUM_MAX = 4096 };

/* Member names come from untrusted archives: keep control bytes out of messages. */
static char *printable(const char *s)
{
	char *out = xstrndup(s, strnlen(s, 256));
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

int jc_image_member_map(const char *jail, const char *member, char **rel, struct jc_error *err)
{
	cleanup_free char *norm = NULL;
	int r = jc_member_normalize(member, &norm, err);
	if (r < 0)
		return r;
	cleanup_free char *shown = printable(member);
	size_t n = strlen(jail);
	if (!norm || strncmp(norm, jail, n) != 0 || (norm[n] != '\0' && norm[n] != '/'))
		return jc_error_set(err, EPERM, "member '%s': outside %s/", shown, jail);
	const char *rest = norm[n] ? norm + n + 1 : NULL;
	if (!rest) {
		*rel = NULL;
		return 0;
	}
	if (strcmp(rest, "config.json") != 0 && strcmp(rest, "fstab") != 0 &&
	    strcmp(rest, "root") != 0 && !jc_str_has_prefix(rest, "root/"))
		return jc_error_set(err, EPERM, "member '%s': not part of a jail image "
				    "(config.json, fstab and root/ only)", shown);
	*rel = xstrdup(rest);
	return 0;
}

int jc_image_check_symlink(const char *rel, const char *target, struct jc_error *err)
{
	cleanup_free char *shown = printable(rel);
	if (!jc_str_has_prefix(rel, "root/"))
		return jc_error_set(err, EPERM, "member '%s': a symlink outside root/", shown);
	if (!target || !*target)
		return jc_error_set(err, EPERM, "member '%s': empty symlink target", shown);
	if (target[0] == '/')
		return 0;
	/* Depth of the link's directory below root/; the target may not climb above it. */
	long depth = 0;
	for (const char *p = rel + strlen("root/"); (p = strchr(p, '/')); p++)
		depth++;
	cleanup_strv char **parts = jc_strsplit(target, "/");
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		depth += strcmp(parts[i], "..") == 0 ? -1 : 1;
		if (depth < 0) {
			cleanup_free char *tshown = printable(target);
			return jc_error_set(err, EPERM, "member '%s': symlink target '%s' leads outside "
					    "the jail root", shown, tshown);
		}
	}
	return 0;
}

/* ---- finding and verifying the image ---- */

static int scan_images(const char *dir, const char *name, char **out, struct jc_error *err)
{
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return jc_error_errno(err, errno, "%s", dir);
	cleanup_strv char **found = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while ((de = readdir(d)))
		if (jc_image_file_matches(name, de->d_name))
			jc_strv_push(&found, de->d_name);
	size_t n = jc_strv_len(found);
	if (n == 0)
		return jc_error_set(err, ENOENT, "%s: no image of %s (%s_YYYY-MM-DD.tar.zst) found in %s",
				    name, name, name, dir);
	if (n > 1) {
		char list[768] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
				 found[i]);
		return jc_error_set(err, EEXIST, "Multiple images found for %s: %s (choose one with -p FILE)",
				    name, list);
	}
	*out = xasprintf("%s/%s", dir, found[0]);
	return 0;
}

static int find_image(struct jc_ctx *ctx, const char *name, const char *path, char **archive,
		      char **sum, struct jc_error *err)
{
	cleanup_free char *images = xasprintf("%s/images", ctx->iocroot);
	int r = 0;
	if (path && !jc_is_dir(path)) {
		if (!jc_path_exists(path))
			return jc_error_set(err, ENOENT, "%s: no such file or directory", path);
		*archive = xstrdup(path);
	} else {
		r = scan_images(path ? path : images, name, archive, err);
	}
	if (r < 0)
		return r;
	size_t n = strlen(*archive), sl = strlen(".tar.zst");
	if (n > sl && strcmp(*archive + n - sl, ".tar.zst") == 0)
		*sum = xasprintf("%.*s.sha256", (int)(n - sl), *archive);
	else
		*sum = xasprintf("%s.sha256", *archive);
	return 0;
}

static int read_expected_sum(const char *path, char hex[65], struct jc_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return jc_error_errno(err, errno, "%s: checksum file", path);
	if (st.st_size > SUM_MAX)
		return jc_error_set(err, EINVAL, "%s: not a checksum file (too large)", path);
	cleanup_free char *text = NULL;
	int r = jc_read_file(path, &text, NULL, err);
	if (r < 0)
		return r;
	size_t len = strspn(text, "0123456789abcdefABCDEF");
	if (len != 64 || (text[64] && !strchr(" \t\r\n", text[64])))
		return jc_error_set(err, EINVAL, "%s: no sha256 in it", path);
	for (size_t i = 0; i < 64; i++)
		hex[i] = (char)(text[i] | 0x20);
	hex[64] = '\0';
	return 0;
}

/* Opens the archive and checks it against its .sha256; the fd is then rewound so the
 * very bytes verified are the ones extracted. */
static int open_verified(const char *archive, const char *sum, int *out_fd, struct jc_error *err)
{
	char want[65], got[65] = "";
	int r = read_expected_sum(sum, want, err);
	if (r < 0)
		return r;
	cleanup_close int fd = open(archive, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", archive);
	if ((r = jc_sha256_fd(fd, archive, got, err)) < 0)
		return r;
	if (strcmp(want, got) != 0)
		return jc_error_set(err, EBADMSG, "%s: checksum mismatch (expected %s, got %s): "
				    "the image is damaged or was changed", archive, want, got);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return jc_error_errno(err, errno, "%s", archive);
	*out_fd = steal_fd(fd);
	return 0;
}

/* ---- extraction ---- */

struct import_run {
	const struct jc_archive_api *a;
	struct archive *in, *out;
	const char *jail;
	int dir_fd;
	const char *dir;        /* canonical path of the directory being built */
	bool seen_config, seen_root;
};

static int check_type(struct import_run *x, struct archive_entry *e, const char *rel,
		      const char *shown, struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	mode_t t = a->archive_entry_filetype(e);
	bool dir = t == AE_IFDIR;
	if (!rel || strcmp(rel, "root") == 0) {
		if (!dir)
			return jc_error_set(err, EPERM, "member '%s': must be a directory", shown);
		x->seen_root = x->seen_root || rel != NULL;
		return 0;
	}
	if (!jc_str_has_prefix(rel, "root/")) {
		if (t != AE_IFREG || a->archive_entry_hardlink(e) || a->archive_entry_size(e) > CONFIG_MAX)
			return jc_error_set(err, EPERM, "member '%s': must be a regular file of at most 1 MiB",
					    shown);
		x->seen_config = x->seen_config || strcmp(rel, "config.json") == 0;
		return 0;
	}
	if (t == AE_IFLNK)
		return jc_image_check_symlink(rel, a->archive_entry_symlink(e), err);
	return 0;
}

/* A hard link must name a file already extracted under root/. */
static int place_hardlink(struct import_run *x, struct archive_entry *e, const char *rel,
			  const char *shown, struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	const char *link = a->archive_entry_hardlink(e);
	cleanup_free char *target = NULL;
	struct jc_error sub = { 0 };
	struct stat st;
	if (jc_image_member_map(x->jail, link, &target, &sub) < 0 || !target ||
	    !jc_str_has_prefix(target, "root/") || !jc_str_has_prefix(rel, "root/") ||
	    jc_member_check_parents(x->dir_fd, target, &sub) < 0 ||
	    fstatat(x->dir_fd, target, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode)) {
		cleanup_free char *tshown = printable(link);
		return jc_error_set(err, EPERM, "member '%s': hard link target '%s' is not a file "
				    "of the jail root in the image", shown, tshown);
	}
	cleanup_free char *abs = xasprintf("%s/%s", x->dir, target);
	a->archive_entry_copy_hardlink(e, abs);
	return 0;
}

static int import_entry(struct import_run *x, struct archive_entry *e, struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	const char *name = a->archive_entry_pathname(e);
	if (!name)
		return jc_error_set(err, EINVAL, "member with an unreadable name");
	cleanup_free char *shown = printable(name);
	cleanup_free char *rel = NULL;
	int r = jc_image_member_map(x->jail, name, &rel, err);
	if (r == 0)
		r = check_type(x, e, rel, shown, err);
	if (r < 0 || !rel)
		return r;
	if ((r = jc_member_check_parents(x->dir_fd, rel, err)) < 0)
		return r;
	if (a->archive_entry_hardlink(e) && (r = place_hardlink(x, e, rel, shown, err)) < 0)
		return r;
	cleanup_free char *abs = xasprintf("%s/%s", x->dir, rel);
	a->archive_entry_copy_pathname(e, abs);
	return jc_archive_copy_entry(a, x->in, x->out, e, shown, err);
}

static int extract_all(struct import_run *x, struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	for (;;) {
		struct archive_entry *e;
		int r = a->archive_read_next_header(x->in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return jc_error_set(err, EIO, "%s", a->archive_error_string(x->in));
		if ((r = import_entry(x, e, err)) < 0)
			return r;
	}
	if (!x->seen_config || !x->seen_root)
		return jc_error_set(err, EINVAL, "the image has no %s/%s", x->jail,
				    x->seen_config ? "root" : "config.json");
	/* Closing applies the deferred directory modes and times. */
	if (a->archive_write_close(x->out) < ARCHIVE_WARN)
		return jc_error_set(err, EIO, "%s", a->archive_error_string(x->out));
	return 0;
}

static int extract_image(const struct jc_archive_api *a, int fd, const char *dir, const char *jail,
			 struct jc_error *err)
{
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return jc_error_errno(err, errno, "%s", dir);
	cleanup_close int dir_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return jc_error_errno(err, errno, "%s", real);
	struct import_run x = {
		.a = a, .in = a->archive_read_new(), .out = a->archive_write_disk_new(), .jail = jail,
		.dir_fd = dir_fd, .dir = real,
	};
	if (!x.in || !x.out)
		abort();
	a->archive_read_support_filter_zstd(x.in);
	a->archive_read_support_format_tar(x.in);
	a->archive_write_disk_set_options(x.out, IMPORT_FLAGS);
	int r;
	if (a->archive_read_open_fd(x.in, fd, 1 << 16) != ARCHIVE_OK)
		r = jc_error_set(err, EIO, "%s", a->archive_error_string(x.in));
	else
		r = extract_all(&x, err);
	a->archive_read_free(x.in);
	a->archive_write_free(x.out);
	return r;
}

/* ---- making it a jail of this pool ---- */

static void warn_host_hooks(struct jc_ctx *ctx, const char *jail, json_t *config)
{
	static const char *const hooks[] = { "exec_prestart", "exec_poststart", "exec_prestop",
					     "exec_poststop" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(hooks); i++) {
		const char *v = json_string_value(json_object_get(config, hooks[i]));
		if (v && strcmp(v, "/usr/bin/true") != 0)
			jc_warning(ctx, "%s: imported %s runs on this host: %s", jail, hooks[i], v);
	}
}

/* Every known property must pass its validator, as if set by hand. */
static int check_config(json_t *config, const char *jail, struct jc_error *err)
{
	const char *key;
	json_t *value;
	json_object_foreach(config, key, value) {
		const struct jc_prop *prop = jc_prop_find(key);
		cleanup_free char *text = jc_prop_json_to_text(value);
		if (!prop)
			continue;
		if (!text)
			return jc_error_set(err, EINVAL, "%s: config.json: %s has an unusable value", jail, key);
		int r = jc_prop_validate(prop, text, NULL, err);
		if (r < 0)
			return jc_error_wrap(err, "%s: config.json", jail);
	}
	return 0;
}

static int finish_config(struct jc_ctx *ctx, const char *dir, const char *jail, struct jc_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	json_t *c = NULL;
	int r = jc_json_read_object(path, &c, err);
	if (r < 0)
		return r;
	if (!json_object_get(c, "release"))
		r = jc_error_set(err, EBADMSG, "%s: config.json has no release", jail);
	if (r == 0)
		r = check_config(c, jail, err);
	if (r == 0) {
		warn_host_hooks(ctx, jail, c);
		json_object_set_new(c, "host_hostuuid", json_string(jail));
		/* An exported template comes back as a jail, as iocage does. */
		const char *type = json_string_value(json_object_get(c, "type"));
		if (type && strcmp(type, "template") == 0)
			json_object_del(c, "type");
		json_object_del(c, "template");
		r = jc_json_write_atomic(path, c, err);
	}
	json_decref(c);
	return r;
}

/* Where an fstab destination names NAME's root on the exporting pool, the length of that
 * root path, else 0. */
static size_t old_root_len(const char *dst, const char *jail)
{
	static const char *const kinds[] = { "jails", "templates" };
	for (size_t k = 0; k < JC_ARRAY_SIZE(kinds); k++) {
		cleanup_free char *needle = xasprintf("/iocage/%s/%s/root", kinds[k], jail);
		for (const char *p = strstr(dst, needle); p; p = strstr(p + 1, needle)) {
			size_t end = (size_t)(p - dst) + strlen(needle);
			if (dst[end] == '/' || dst[end] == '\0')
				return end;
		}
	}
	return 0;
}

static int rebase_destinations(const char *fstab, const char *jail, const char *root,
			       struct jc_error *err)
{
	struct jc_fstab f;
	int r = jc_fstab_read(fstab, &f, err);
	cleanup_strv char **olds = xcalloc(1, sizeof(char *));
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		size_t len = old_root_len(f.entries[i].dst, jail);
		cleanup_free char *old = len ? xstrndup(f.entries[i].dst, len) : NULL;
		bool known = !old;
		for (size_t j = 0; !known && olds[j]; j++)
			known = strcmp(olds[j], old) == 0;
		if (!known)
			jc_strv_push(&olds, old);
	}
	jc_fstab_release(&f);
	for (size_t j = 0; r == 0 && olds[j]; j++)
		r = jc_jail_rebase_fstab(fstab, olds[j], root, err);
	return r;
}

/* Basejail SYSTEM entries point at the exporting pool's release: use this pool's. Every
 * destination must now be inside the new root. */
static int fix_sources(struct jc_ctx *ctx, const char *fstab, const char *jail, const char *root,
		       struct jc_error *err)
{
	struct jc_fstab f;
	int r = jc_fstab_read(fstab, &f, err);
	bool changed = false;
	size_t rl = strlen(root);
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		struct jc_fstab_entry *e = &f.entries[i];
		const char *rel = strstr(e->src, "/iocage/releases/");
		if (e->system && rel) {
			char *src = xasprintf("%s/releases/%s", ctx->iocroot, rel + strlen("/iocage/releases/"));
			free(e->src);
			e->src = src;
			changed = true;
		}
		if (strncmp(e->dst, root, rl) != 0 || (e->dst[rl] != '/' && e->dst[rl] != '\0'))
			r = jc_error_set(err, EPERM, "%s: fstab entry %zu: destination %s is outside the "
					 "jail root", jail, i, e->dst);
		else if (!jc_path_exists(e->src))
			jc_warning(ctx, "%s: fstab source %s does not exist on this host", jail, e->src);
	}
	if (r == 0 && changed)
		r = jc_fstab_write(fstab, &f, err);
	jc_fstab_release(&f);
	return r;
}

static int finish_fstab(struct jc_ctx *ctx, const char *dir, const char *jail, struct jc_error *err)
{
	cleanup_free char *fstab = xasprintf("%s/fstab", dir);
	cleanup_free char *root = xasprintf("%s/jails/%s/root", ctx->iocroot, jail);
	if (!jc_path_exists(fstab))
		return jc_write_file_atomic(fstab, "", 0, 0644, err);
	int r = rebase_destinations(fstab, jail, root, err);
	if (r == 0)
		r = fix_sources(ctx, fstab, jail, root, err);
	return r;
}

static int apply_quota(struct jc_ctx *ctx, const char *dir, const char *jail, struct jc_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	json_t *c = NULL;
	int r = jc_json_read_object(path, &c, err);
	if (r < 0)
		return r;
	const char *q = json_string_value(json_object_get(c, "quota"));
	uint64_t bytes = 0;
	if (q && jc_size_parse(q, &bytes) == 0 && bytes) {
		cleanup_free char *root = xasprintf("%s/root", dir);
		if (ctx->storage->can_quota)
			r = ctx->storage->set_quota(root, bytes, err);
		else
			jc_warning(ctx, "%s: quota=%s is not enforced on the %s back end", jail, q,
				   ctx->storage->name);
	}
	json_decref(c);
	return r;
}

static int build(struct jc_ctx *ctx, const struct jc_archive_api *a, int fd, const char *tmp,
		 const char *jail, struct jc_error *err)
{
	cleanup_free char *root = xasprintf("%s/root", tmp);
	if (mkdir(tmp, 0755) < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	/* A full dataset of its own: an imported jail is no clone of anything here. */
	int r = ctx->storage->create(root, err);
	if (r == 0)
		r = extract_image(a, fd, tmp, jail, err);
	if (r == 0)
		r = finish_config(ctx, tmp, jail, err);
	if (r == 0)
		r = finish_fstab(ctx, tmp, jail, err);
	if (r == 0)
		r = apply_quota(ctx, tmp, jail, err);
	return r;
}

int jc_image_import(struct jc_ctx *ctx, const char *name, const char *path,
		    struct jc_error *err)
{
	int r = jc_ctx_load_defaults(ctx, err);
	if (r < 0)
		return r;
	jc_jail_clean_leftovers(ctx, err);
	jc_image_clean_leftovers(ctx, err);
	if ((r = jc_validate_jail_name(name, err)) < 0)
		return r;
	cleanup_archive_api struct jc_archive_api api = { 0 };
	if ((r = jc_archive_api_open(&api, err)) < 0)
		return jc_error_wrap(err, "%s: import", name);
	cleanup_free char *archive = NULL, *sum = NULL;
	cleanup_close int lock_fd = -1, fd = -1;
	if ((r = find_image(ctx, name, path, &archive, &sum, err)) < 0 ||
	    (r = jc_jail_lock(ctx, name, &lock_fd, err)) < 0 ||
	    (r = jc_jail_check_name_free(ctx, name, err)) < 0 ||
	    (r = open_verified(archive, sum, &fd, err)) < 0)
		return r;
	cleanup_free char *tmp = xasprintf("%s/jails/.create-%s-%ld", ctx->iocroot, name, (long)getpid());
	cleanup_free char *final = xasprintf("%s/jails/%s", ctx->iocroot, name);
	r = build(ctx, &api, fd, tmp, name, err);
	if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) < 0)
		r = jc_error_errno(err, errno, "%s: publishing the imported jail", name);
	if (r < 0) {
		struct jc_error ignored = { 0 };
		cleanup_free char *root = xasprintf("%s/root", tmp);
		ctx->storage->destroy(root, &ignored);
		jc_storage_dir.destroy(tmp, &ignored);
		return jc_error_wrap(err, "%s: import of %s", name, archive);
	}
	return jc_fsync_parent(final, err);
}
