/* The dir back end: datasets are plain directories on any filesystem.
 *
 * A clone DST of SRC is an overlayfs layout kept beside DST:
 *   DST          empty directory, the mount point (jc_storage_mount mounts the overlay)
 *   DST.upper    the clone's own changes
 *   DST.work     overlayfs work directory
 *   DST.lower    text file, the lower layers top to bottom, one path per line
 *   DST.layerN   frozen copies of upper layers of the source, owned by DST
 * Lower paths on the same filesystem as DST are stored relative to dirname(DST), so a
 * pool (or a jail directory holding DST and its side files) can be moved or renamed as a
 * whole; paths on another filesystem stay absolute because a relative path would not
 * survive moving only one of the two.
 *
 * Cloning a clone copies the source's upper (and its own layers) into DST.layerN: an
 * overlay's lower layers must not change while mounted, and the source stays writable.
 * Only plain datasets that nobody writes to (releases, templates) are referenced directly.
 *
 * A snapshot is a copy (reflinked where the filesystem can): of the upper and lower list
 * for an overlay (it shares the immutable layers of its dataset), of the tree otherwise.
 * Read-only is recorded in DST.readonly and enforced by jailctl: a plain directory cannot
 * be made read-only as a unit. Quotas cannot be enforced. */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "copytree.h"
#include "fileio.h"
#include "kernel_api.h"
#include "util.h"

/* The kernel copies mount(2) data into one page. */
#define OVERLAY_OPTS_MAX 4096

/* ---- paths ---- */

static char *side(const char *path, const char *suffix)
{
	return xasprintf("%s%s", path, suffix);
}

/* Lexically normalized absolute path: our own paths carry no symlinks worth resolving,
 * and resolving them would bake a mount location into a relative lower entry. */
static char *abs_path(const char *p)
{
	cleanup_free char *full = NULL;
	if (p[0] != '/') {
		cleanup_free char *cwd = getcwd(NULL, 0);
		full = xasprintf("%s/%s", cwd ? cwd : "/", p);
	} else {
		full = xstrdup(p);
	}
	cleanup_strv char **parts = jc_strsplit(full, "/");
	cleanup_strv char **keep = xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			if (n > 0) {
				free(keep[--n]);
				keep[n] = NULL;
			}
			continue;
		}
		jc_strv_push(&keep, parts[i]);
		n++;
	}
	cleanup_free char *joined = jc_strv_join(keep, "/");
	return xasprintf("/%s", joined);
}

static char *parent_of(const char *abs)
{
	cleanup_free char *copy = xstrdup(abs);
	return xstrdup(dirname(copy));
}

/* target relative to the directory base (both normalized absolute paths). */
static char *relative_to(const char *base, const char *target)
{
	cleanup_strv char **b = jc_strsplit(base, "/");
	cleanup_strv char **t = jc_strsplit(target, "/");
	size_t c = 0;
	while (b[c] && t[c] && strcmp(b[c], t[c]) == 0)
		c++;
	cleanup_strv char **rel = xcalloc(1, sizeof(char *));
	for (size_t i = c; b[i]; i++)
		jc_strv_push(&rel, "..");
	for (size_t i = c; t[i]; i++)
		jc_strv_push(&rel, t[i]);
	return rel[0] ? jc_strv_join(rel, "/") : xstrdup(".");
}

static bool same_fs(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev;
}

static bool is_overlay(const char *path)
{
	cleanup_free char *lower = side(path, ".lower");
	struct stat st;
	return lstat(lower, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_mounted(const char *path)
{
	return jc_is_mount_root(AT_FDCWD, path);
}

/* overlayfs splits its options on ',' and ':' and treats '\' as an escape. */
static int check_overlay_path(const char *p, struct jc_error *err)
{
	if (strpbrk(p, ":,\\\n"))
		return jc_error_set(err, EINVAL,
				    "%s: overlayfs cannot use a path containing ':', ',', '\\' or a newline", p);
	return 0;
}

/* Own layers are named NAME.layerN; anything else in a lower list is a shared dataset. */
static bool is_own_layer(const char *lower)
{
	const char *base = strrchr(lower, '/');
	base = base ? base + 1 : lower;
	const char *dot = strrchr(base, '.');
	return dot && jc_str_has_prefix(dot, ".layer") && jc_storage_is_side_file(base);
}

/* Absolute paths of path's NAME.layerN files (any order). */
static int list_layers(const char *path, char ***out, struct jc_error *err)
{
	cleanup_free char *abs = abs_path(path);
	cleanup_free char *dir = parent_of(abs);
	const char *name = abs + strlen(dir) + (strcmp(dir, "/") != 0);
	cleanup_free char *prefix = xasprintf("%s.layer", name);
	cleanup_strv char **v = xcalloc(1, sizeof(char *));
	cleanup_closedir DIR *d = opendir(dir);
	if (!d && errno != ENOENT)
		return jc_error_errno(err, errno, "%s", dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!jc_str_has_prefix(de->d_name, prefix) || !is_own_layer(de->d_name) ||
		    strchr(de->d_name + strlen(prefix), '.'))
			continue;
		const char *sep = strcmp(dir, "/") ? "/" : "";
		cleanup_free char *full = xasprintf("%s%s%s", dir, sep, de->d_name);
		jc_strv_push(&v, full);
	}
	*out = steal_ptr(v);
	return 0;
}

/* ---- lower list file ---- */

static int read_lowers(const char *path, char ***out, struct jc_error *err)
{
	cleanup_free char *file = side(path, ".lower");
	cleanup_free char *text = NULL;
	int r = jc_read_file(file, &text, NULL, err);
	if (r < 0)
		return r;
	cleanup_free char *abs = abs_path(path);
	cleanup_free char *base = parent_of(abs);
	cleanup_strv char **lines = jc_strsplit(text, "\n");
	if (!lines[0])
		return jc_error_set(err, EINVAL, "%s: no lower layer listed", file);
	cleanup_strv char **v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; lines[i]; i++) {
		cleanup_free char *joined = lines[i][0] == '/' ? xstrdup(lines[i])
							       : xasprintf("%s/%s", base, lines[i]);
		cleanup_free char *norm = abs_path(joined);
		jc_strv_push(&v, norm);
	}
	*out = steal_ptr(v);
	return 0;
}

/* Write the lower list to file with entries relative to base_dir where they share its
 * filesystem. */
static int write_lowers(const char *file, const char *base_dir, char *const *lowers,
			struct jc_error *err)
{
	cleanup_strv char **lines = xcalloc(1, sizeof(char *));
	for (size_t i = 0; lowers[i]; i++) {
		int r = check_overlay_path(lowers[i], err);
		if (r < 0)
			return r;
		/* The parent decides: own layers are written before they are copied. */
		cleanup_free char *parent = parent_of(lowers[i]);
		cleanup_free char *rel = same_fs(base_dir, parent) ? relative_to(base_dir, lowers[i])
								   : xstrdup(lowers[i]);
		jc_strv_push(&lines, rel);
	}
	jc_strv_push(&lines, "");
	cleanup_free char *text = jc_strv_join(lines, "\n");
	return jc_write_file_atomic(file, text, strlen(text), 0644, err);
}

/* ---- helpers for building layouts ---- */

static int mkdir_like(const char *path, const struct stat *like, struct jc_error *err)
{
	if (mkdir(path, 0700) < 0)
		return jc_error_errno(err, errno, "%s", path);
	if (chown(path, like->st_uid, like->st_gid) < 0 || chmod(path, like->st_mode & 07777) < 0)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

static int must_not_exist(const char *path, struct jc_error *err)
{
	static const char *const suffixes[] = { "", ".upper", ".lower", ".work", ".layer0" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(suffixes); i++) {
		cleanup_free char *p = side(path, suffixes[i]);
		if (jc_path_exists(p))
			return jc_error_set(err, EEXIST, "%s: already exists", p);
	}
	return 0;
}

static int stat_dir(const char *path, struct stat *st, struct jc_error *err)
{
	if (stat(path, st) < 0)
		return jc_error_errno(err, errno, "%s", path);
	if (!S_ISDIR(st->st_mode))
		return jc_error_set(err, ENOTDIR, "%s: not a directory", path);
	return 0;
}

static int dir_destroy(const char *path, struct jc_error *err);

/* Remove what a failed build left, keeping the first error in err. */
static int undo(const char *path, int r)
{
	struct jc_error ignored;
	dir_destroy(path, &ignored);
	return r;
}

/* ---- ops ---- */

static int dir_create(const char *path, struct jc_error *err)
{
	if (mkdir(path, 0755) < 0)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

/* Plan a frozen copy of from as dst's next own layer. */
static void plan_freeze(const char *from, const char *dst, size_t *n, char ***lowers,
			char ***copies)
{
	cleanup_free char *layer = xasprintf("%s.layer%zu", dst, (*n)++);
	jc_strv_push(lowers, layer);
	jc_strv_push(copies, from);
	jc_strv_push(copies, layer);
}

/* The layers of a clone of src at dst (absolute): *lowers is its lower list and
 * *copies the pairs (from, to) to copy, so that dst depends only on datasets nobody
 * writes to: src's writable layer and src's own layers are frozen into dst.layerN. */
static int clone_plan(const char *src, const char *dst, char ***lowers, char ***copies,
		      struct jc_error *err)
{
	cleanup_strv char **v = xcalloc(1, sizeof(char *));
	cleanup_strv char **c = xcalloc(1, sizeof(char *));
	if (!is_overlay(src)) {
		cleanup_free char *abs = abs_path(src);
		jc_strv_push(&v, abs);
	} else {
		cleanup_strv char **src_lowers = NULL;
		int r = read_lowers(src, &src_lowers, err);
		if (r < 0)
			return r;
		cleanup_free char *upper = side(src, ".upper");
		size_t n = 0;
		plan_freeze(upper, dst, &n, &v, &c);
		for (size_t i = 0; src_lowers[i]; i++) {
			if (is_own_layer(src_lowers[i]))
				plan_freeze(src_lowers[i], dst, &n, &v, &c);
			else
				jc_strv_push(&v, src_lowers[i]);
		}
	}
	*lowers = steal_ptr(v);
	*copies = steal_ptr(c);
	return 0;
}

static int dir_clone(const char *src, const char *dst, struct jc_error *err)
{
	struct stat st;
	int r = stat_dir(src, &st, err);
	if (r == 0)
		r = must_not_exist(dst, err);
	cleanup_free char *abs = abs_path(dst);
	cleanup_free char *base = parent_of(abs);
	cleanup_free char *upper = side(abs, ".upper");
	cleanup_free char *work = side(abs, ".work");
	cleanup_free char *lower = side(abs, ".lower");
	if (r == 0)
		r = check_overlay_path(abs, err);
	cleanup_strv char **lowers = NULL;
	cleanup_strv char **copies = NULL;
	if (r == 0)
		r = clone_plan(src, abs, &lowers, &copies, err);
	if (r < 0)
		return r;
	/* The list first: it marks everything beside dst as ours to clean up on failure. */
	r = write_lowers(lower, base, lowers, err);
	for (size_t i = 0; r == 0 && copies[i]; i += 2)
		r = jc_tree_copy(copies[i], copies[i + 1], err);
	/* The overlay's root takes owner and mode from the upper directory. */
	if (r == 0)
		r = mkdir_like(upper, &st, err);
	if (r == 0 && mkdir(work, 0700) < 0)
		r = jc_error_errno(err, errno, "%s", work);
	if (r == 0)
		r = mkdir_like(abs, &st, err);
	return r < 0 ? undo(abs, r) : 0;
}

static int build_overlay_opts(const char *path, char **out, struct jc_error *err)
{
	cleanup_strv char **lowers = NULL;
	int r = read_lowers(path, &lowers, err);
	if (r < 0)
		return r;
	for (size_t i = 0; lowers[i]; i++) {
		if ((r = check_overlay_path(lowers[i], err)) < 0)
			return r;
		if (!jc_is_dir(lowers[i]))
			return jc_error_set(err, ENOENT, "%s: lower layer %s is missing", path,
					    lowers[i]);
	}
	cleanup_free char *abs = abs_path(path);
	if ((r = check_overlay_path(abs, err)) < 0)
		return r;
	cleanup_free char *lowerdir = jc_strv_join(lowers, ":");
	char *opts = xasprintf("lowerdir=%s,upperdir=%s.upper,workdir=%s.work", lowerdir, abs, abs);
	if (strlen(opts) >= OVERLAY_OPTS_MAX) {
		free(opts);
		return jc_error_set(err, E2BIG, "%s: too many overlay layers to mount", path);
	}
	*out = opts;
	return 0;
}

static int restore_recover(const char *dst, struct jc_error *err);

static int dir_mount(const char *path, struct jc_error *err)
{
	int r = restore_recover(path, err);
	if (r < 0 || !is_overlay(path) || is_mounted(path))
		return r;
	cleanup_free char *opts = NULL;
	r = build_overlay_opts(path, &opts, err);
	if (r < 0)
		return r;
	if (mount("overlay", path, "overlay", 0, opts) < 0)
		return jc_error_errno(err, errno, "%s: mount overlay", path);
	return 0;
}

static int dir_unmount(const char *path, struct jc_error *err)
{
	if (!is_mounted(path))
		return 0;
	/* Detach: a jail's processes may still hold it; the kernel frees it when they go. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return jc_error_errno(err, errno, "%s: unmount", path);
	return 0;
}

/* Copy the contents of dataset src into the layout at dst (which must not exist):
 * for an overlay its upper and lower list, else the whole tree. */
static int copy_dataset(const char *src, const char *dst_base, const char *dst_upper,
			const char *dst_work, const char *dst_lower, const char *lower_base,
			struct jc_error *err)
{
	struct stat st;
	int r = stat_dir(src, &st, err);
	if (r < 0)
		return r;
	if (!is_overlay(src))
		return jc_tree_copy(src, dst_base, err);
	cleanup_strv char **lowers = NULL;
	cleanup_free char *upper = side(src, ".upper");
	r = read_lowers(src, &lowers, err);
	if (r == 0)
		r = write_lowers(dst_lower, lower_base, lowers, err);
	if (r == 0)
		r = jc_tree_copy(upper, dst_upper, err);
	if (r == 0 && dst_work && mkdir(dst_work, 0700) < 0)
		r = jc_error_errno(err, errno, "%s", dst_work);
	if (r == 0)
		r = mkdir_like(dst_base, &st, err);
	return r;
}

static int dir_set_readonly(const char *path, bool readonly, struct jc_error *err);

static int dir_snapshot(const char *src, const char *dst, struct jc_error *err)
{
	int r = must_not_exist(dst, err);
	if (r < 0)
		return r;
	cleanup_free char *abs = abs_path(dst);
	cleanup_free char *base = parent_of(abs);
	cleanup_free char *upper = side(abs, ".upper");
	cleanup_free char *lower = side(abs, ".lower");
	r = copy_dataset(src, abs, upper, NULL, lower, base, err);
	if (r == 0)
		r = dir_set_readonly(abs, true, err);
	return r < 0 ? undo(abs, r) : 0;
}

/* ---- restore: build aside, then swap with a commit point ----
 * The members of a dataset that a restore replaces; its layers are immutable and shared
 * with its snapshots, and its read-only mark stays. */
static const char *const members[][2] = {
	{ "", "base" }, { ".upper", "upper" }, { ".work", "work" }, { ".lower", "lower" },
};

/* Move every existing member between dst's side names and a staging directory. */
static int move_members(const char *dst, const char *stage, bool into_stage, struct jc_error *err)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(members); i++) {
		cleanup_free char *live = side(dst, members[i][0]);
		cleanup_free char *staged = xasprintf("%s/%s", stage, members[i][1]);
		const char *from = into_stage ? live : staged;
		const char *to = into_stage ? staged : live;
		if (!jc_path_exists(from) || (!into_stage && jc_path_exists(to)))
			continue;
		if (rename(from, to) < 0)
			return jc_error_errno(err, errno, "%s: rename to %s", from, to);
	}
	return 0;
}

/* Finish or undo an interrupted restore of dst:
 *   DST.restore-tmp        new contents being built: incomplete, discard
 *   DST.restore-new        new contents complete, swap not committed
 *   DST.restore-old.tmp    old members being moved aside: move them back (roll back)
 *   DST.restore-old        commit point passed: move the new members in (roll forward) */
static int restore_recover(const char *dst, struct jc_error *err)
{
	cleanup_free char *tmp = side(dst, ".restore-tmp");
	cleanup_free char *fresh = side(dst, ".restore-new");
	cleanup_free char *old_tmp = side(dst, ".restore-old.tmp");
	cleanup_free char *old = side(dst, ".restore-old");
	int r = jc_tree_remove(tmp, NULL, NULL, err);
	if (r == 0 && jc_path_exists(old))
		r = move_members(dst, fresh, false, err);
	else if (r == 0 && jc_path_exists(old_tmp))
		r = move_members(dst, old_tmp, false, err);
	if (r == 0)
		r = jc_tree_remove(fresh, NULL, NULL, err);
	if (r == 0)
		r = jc_tree_remove(old_tmp, NULL, NULL, err);
	if (r == 0)
		r = jc_tree_remove(old, NULL, NULL, err);
	return r;
}

static int build_restore(const char *snap, const char *dst, const char *tmp, struct jc_error *err)
{
	cleanup_free char *abs = abs_path(dst);
	cleanup_free char *base = parent_of(abs);
	cleanup_free char *b = xasprintf("%s/base", tmp);
	cleanup_free char *u = xasprintf("%s/upper", tmp);
	cleanup_free char *w = xasprintf("%s/work", tmp);
	cleanup_free char *l = xasprintf("%s/lower", tmp);
	if (mkdir(tmp, 0700) < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	/* Lower entries are written relative to dst's directory, where they will live. */
	return copy_dataset(snap, b, u, w, l, base, err);
}

static int dir_restore(const char *snap, const char *dst, struct jc_error *err)
{
	int r = restore_recover(dst, err);
	if (r < 0)
		return r;
	if (is_mounted(dst))
		return jc_error_set(err, EBUSY, "%s: is mounted; stop the jail first", dst);
	cleanup_free char *tmp = side(dst, ".restore-tmp");
	cleanup_free char *fresh = side(dst, ".restore-new");
	cleanup_free char *old_tmp = side(dst, ".restore-old.tmp");
	cleanup_free char *old = side(dst, ".restore-old");
	r = build_restore(snap, dst, tmp, err);
	if (r < 0) {
		struct jc_error ignored;
		jc_tree_remove(tmp, NULL, NULL, &ignored);
		return r;
	}
	if (rename(tmp, fresh) < 0)
		return jc_error_errno(err, errno, "%s", fresh);
	if (mkdir(old_tmp, 0700) < 0)
		return jc_error_errno(err, errno, "%s", old_tmp);
	r = move_members(dst, old_tmp, true, err);
	/* Commit point: from here on recovery rolls forward. */
	if (r == 0 && rename(old_tmp, old) < 0)
		r = jc_error_errno(err, errno, "%s", old);
	if (r == 0)
		r = move_members(dst, fresh, false, err);
	if (r < 0) {
		struct jc_error ignored;
		restore_recover(dst, &ignored);
		return r;
	}
	return restore_recover(dst, err);
}

static bool is_regular(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A restore staging directory holds nothing but members. Checked so that destroying a
 * dataset NAME never takes a sibling that merely has a matching name (a jail called
 * NAME.restore-new, when a caller destroys a jail directory). */
static bool is_staging(const char *path)
{
	cleanup_closedir DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		bool known = de->d_name[0] == '.' &&
			     (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]));
		for (size_t i = 0; i < JC_ARRAY_SIZE(members); i++)
			known = known || strcmp(de->d_name, members[i][1]) == 0;
		if (!known)
			return false;
	}
	return true;
}

/* Side directories (.upper .work .layerN) are only ours when the .lower list marks
 * path as an overlay; clone and snapshot write it first and destroy removes it last,
 * so an interrupted build or destroy is still recognized and cleaned. */
static int remove_overlay_sides(const char *path, struct jc_error *err)
{
	cleanup_strv char **layers = NULL;
	int r = list_layers(path, &layers, err);
	static const char *const dirs[] = { ".upper", ".work" };
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(dirs); i++) {
		cleanup_free char *p = side(path, dirs[i]);
		r = jc_tree_remove(p, NULL, NULL, err);
	}
	for (size_t i = 0; r == 0 && layers[i]; i++)
		r = jc_tree_remove(layers[i], NULL, NULL, err);
	cleanup_free char *lower = side(path, ".lower");
	if (r == 0 && unlink(lower) < 0 && errno != ENOENT)
		r = jc_error_errno(err, errno, "%s", lower);
	return r;
}

static int dir_destroy(const char *path, struct jc_error *err)
{
	bool overlay = is_overlay(path);
	int r = dir_unmount(path, err);
	/* Base first: if it holds a mount, nothing else is lost. */
	if (r == 0)
		r = jc_tree_remove(path, NULL, NULL, err);
	if (r == 0 && overlay)
		r = remove_overlay_sides(path, err);
	cleanup_free char *ro = side(path, ".readonly");
	if (r == 0 && is_regular(ro) && unlink(ro) < 0)
		r = jc_error_errno(err, errno, "%s", ro);
	static const char *const staging[] = {
		".restore-tmp", ".restore-new", ".restore-old.tmp", ".restore-old",
	};
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(staging); i++) {
		cleanup_free char *p = side(path, staging[i]);
		if (is_staging(p))
			r = jc_tree_remove(p, NULL, NULL, err);
	}
	return r;
}

static int dir_set_readonly(const char *path, bool readonly, struct jc_error *err)
{
	if (!jc_is_dir(path))
		return jc_error_set(err, ENOENT, "%s: no such dataset", path);
	cleanup_free char *mark = side(path, ".readonly");
	if (readonly)
		return jc_write_file_atomic(mark, "readonly\n", 9, 0644, err);
	if (unlink(mark) < 0 && errno != ENOENT)
		return jc_error_errno(err, errno, "%s", mark);
	return 0;
}

static int dir_get_readonly(const char *path, bool *out, struct jc_error *err)
{
	if (!jc_is_dir(path))
		return jc_error_set(err, ENOENT, "%s: no such dataset", path);
	cleanup_free char *mark = side(path, ".readonly");
	*out = jc_path_exists(mark);
	return 0;
}

static const char *fs_type_name(const char *path)
{
	struct statfs sfs;
	if (statfs(path, &sfs) < 0)
		return "unknown filesystem";
	switch ((unsigned long)sfs.f_type) {
	case EXT4_SUPER_MAGIC: return "ext4";
	case XFS_SUPER_MAGIC: return "xfs";
	case TMPFS_MAGIC: return "tmpfs";
	case F2FS_SUPER_MAGIC: return "f2fs";
	case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
	default: return "unknown filesystem";
	}
}

static int dir_set_quota(const char *path, uint64_t bytes, struct jc_error *err)
{
	if (bytes == 0)
		return 0; /* no limit is what this back end always has */
	return jc_error_set(err, ENOTSUP,
			    "quota: the dir back end (%s) cannot enforce quotas; use a btrfs pool",
			    fs_type_name(path));
}

static int dir_usage(const char *path, struct jc_usage *out, struct jc_error *err)
{
	struct statvfs vfs;
	if (statvfs(path, &vfs) < 0)
		return jc_error_errno(err, errno, "%s", path);
	struct jc_tree_usage *u = jc_tree_usage_new();
	cleanup_strv char **layers = NULL;
	int r;
	if (is_overlay(path)) {
		/* The mount point itself would show the lower layers, which are not ours. */
		cleanup_free char *upper = side(path, ".upper");
		r = jc_tree_usage_add(u, upper, err);
		if (r == 0)
			r = list_layers(path, &layers, err);
		for (size_t i = 0; r == 0 && layers[i]; i++)
			r = jc_tree_usage_add(u, layers[i], err);
	} else {
		r = jc_tree_usage_add(u, path, err);
	}
	*out = (struct jc_usage){
		.used = jc_tree_usage_bytes(u),
		.available = (uint64_t)vfs.f_bavail * vfs.f_frsize,
	};
	jc_tree_usage_free(u);
	return r;
}

/* Not atomic across the side files: a whole jail can be renamed at once by renaming the
 * directory that holds the dataset and its side files, which keeps every relative lower
 * entry valid. This is for renaming a dataset within its directory. */
static int move(const char *a, const char *b, struct jc_error *err)
{
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) < 0)
		return jc_error_errno(err, errno, "%s: rename to %s", a, b);
	return 0;
}

/* Move the overlay side files of from to to, rewriting the lower list for the new
 * names of the layers (to.lower is written first, from.lower removed last). */
static int rename_overlay(const char *from, const char *to, struct jc_error *err)
{
	cleanup_strv char **lowers = NULL;
	cleanup_strv char **layers = NULL;
	int r = read_lowers(from, &lowers, err);
	if (r == 0)
		r = list_layers(from, &layers, err);
	if (r < 0)
		return r;
	for (size_t j = 0; lowers[j]; j++) {
		for (size_t i = 0; layers[i]; i++) {
			if (strcmp(lowers[j], layers[i]) == 0) {
				free(lowers[j]);
				lowers[j] = xasprintf("%s%s", to, layers[i] + strlen(from));
				break;
			}
		}
	}
	cleanup_free char *base = parent_of(to);
	cleanup_free char *new_lower = side(to, ".lower");
	r = write_lowers(new_lower, base, lowers, err);
	for (size_t i = 0; r == 0 && layers[i]; i++) {
		cleanup_free char *dst = xasprintf("%s%s", to, layers[i] + strlen(from));
		r = move(layers[i], dst, err);
	}
	static const char *const dirs[] = { ".upper", ".work" };
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(dirs); i++) {
		cleanup_free char *a = side(from, dirs[i]);
		cleanup_free char *b = side(to, dirs[i]);
		if (jc_path_exists(a))
			r = move(a, b, err);
	}
	cleanup_free char *old_lower = side(from, ".lower");
	if (r == 0 && unlink(old_lower) < 0)
		r = jc_error_errno(err, errno, "%s", old_lower);
	return r;
}

/* Not atomic across the side files: a whole jail can be renamed at once by renaming the
 * directory that holds the dataset and its side files, which keeps every relative lower
 * entry valid. This is for renaming a dataset within a directory. */
static int dir_rename(const char *from, const char *to, struct jc_error *err)
{
	if (!jc_path_exists(from))
		return jc_error_set(err, ENOENT, "%s: no such dataset", from);
	int r = must_not_exist(to, err);
	if (r < 0)
		return r;
	if (is_mounted(from))
		return jc_error_set(err, EBUSY, "%s: is mounted; stop the jail first", from);
	cleanup_free char *afrom = abs_path(from);
	cleanup_free char *ato = abs_path(to);
	if (is_overlay(afrom) && (r = rename_overlay(afrom, ato, err)) < 0)
		return r;
	cleanup_free char *ro = side(afrom, ".readonly");
	cleanup_free char *ro_to = side(ato, ".readonly");
	if (is_regular(ro) && (r = move(ro, ro_to, err)) < 0)
		return r;
	return move(afrom, ato, err);
}

const struct jc_storage_ops jc_storage_dir = {
	.name = "dir",
	.can_quota = false,
	.clone_needs_mount = true,
	.create = dir_create,
	.clone = dir_clone,
	.snapshot = dir_snapshot,
	.restore = dir_restore,
	.destroy = dir_destroy,
	.set_readonly = dir_set_readonly,
	.set_quota = dir_set_quota,
	.usage = dir_usage,
	.mount = dir_mount,
	.unmount = dir_unmount,
	.rename = dir_rename,
	.get_readonly = dir_get_readonly,
};
