#include "pool.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fileio.h"
#include "mountinfo.h"
#include "storage.h"
#include "util.h"

/* ---- paths ---- */

/* Collapse repeated slashes and drop a trailing one. */
static char *tidy_path(const char *p)
{
	char *out = xmalloc(strlen(p) + 1);
	size_t j = 0;
	for (size_t i = 0; p[i]; i++)
		if (!(p[i] == '/' && j > 0 && out[j - 1] == '/'))
			out[j++] = p[i];
	while (j > 1 && out[j - 1] == '/')
		j--;
	out[j] = '\0';
	return out;
}

/* A configured path as the kernel sees it (symlinks resolved) when it exists. */
static char *canonical(const char *p)
{
	char *real = realpath(p, NULL);
	return real ? real : tidy_path(p);
}

/* Component-wise: /srv/a is within /srv and /srv/a, not within /sr or /srv/ab. */
static bool path_within(const char *path, const char *base)
{
	size_t n = strlen(base);
	if (strcmp(base, "/") == 0)
		return path[0] == '/';
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool path_below(const char *path, const char *base)
{
	return path_within(path, base) && strcmp(path, base) != 0;
}

/* Logical lines of a config file: backslash-newline joins lines. *out empty when the
 * file does not exist. */
static int read_logical_lines(const char *file, char ***out, struct jc_error *err)
{
	cleanup_free char *text = NULL;
	struct jc_error local;
	int r = jc_read_file(file, &text, NULL, &local);
	if (r == -ENOENT) {
		*out = xcalloc(1, sizeof(char *));
		return 0;
	}
	if (r < 0) {
		if (err)
			*err = local;
		return r;
	}
	size_t j = 0;
	for (size_t i = 0; text[i]; i++) {
		if (text[i] == '\\' && text[i + 1] == '\n') {
			text[j++] = ' ';
			i++;
			continue;
		}
		text[j++] = text[i];
	}
	text[j] = '\0';
	*out = jc_strsplit(text, "\n");
	return 0;
}

/* ---- NFS exports ---- */

/* The path field of an exports line: "quoted" or up to whitespace; \ooo octal escapes
 * (exportfs writes spaces as \040). NULL when the line has no absolute path. */
static char *export_path(const char *line)
{
	bool quoted = line[0] == '"';
	const char *p = line + quoted;
	char *out = xmalloc(strlen(p) + 1);
	size_t j = 0;
	for (; *p && (quoted ? *p != '"' : !isspace((unsigned char)*p)); p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			out[j++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
			continue;
		}
		out[j++] = *p;
	}
	out[j] = '\0';
	if (out[0] != '/') {
		free(out);
		return NULL;
	}
	return out;
}

static int check_exports_file(const char *file, const char *cand, struct jc_error *err)
{
	cleanup_strv char **lines = NULL;
	int r = read_logical_lines(file, &lines, err);
	if (r < 0)
		return r;
	for (size_t i = 0; lines[i]; i++) {
		char *line = jc_strstrip(lines[i]);
		if (!line[0] || line[0] == '#')
			continue;
		cleanup_free char *path = export_path(line);
		if (!path)
			continue;
		cleanup_free char *canon = canonical(path);
		if (path_within(cand, canon))
			return jc_error_set(err, EPERM,
					    "%s: refusing to activate a path shared over NFS (export %s)",
					    cand, path);
	}
	return 0;
}

static int exports_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);
	return de->d_name[0] != '.' && n > 8 && strcmp(de->d_name + n - 8, ".exports") == 0;
}

static int check_exports_dir(const char *dir, const char *cand, struct jc_error *err)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, exports_filter, alphasort);
	if (n < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0
							   : jc_error_errno(err, errno, "%s", dir);
	int r = 0;
	for (int i = 0; i < n; i++) {
		if (r == 0) {
			cleanup_free char *file = xasprintf("%s/%s", dir, list[i]->d_name);
			r = check_exports_file(file, cand, err);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

/* ---- Samba shares ---- */

/* Samba matches parameter names ignoring case and spaces; "directory" is a synonym of
 * "path". */
static bool is_path_key(const char *key)
{
	cleanup_free char *k = jc_strdup_nospace(key);
	return strcasecmp(k, "path") == 0 || strcasecmp(k, "directory") == 0;
}

/* Is cand inside the share path value? A %-substitution (/home/%S) makes the share
 * cover everything strictly below the part before it. */
static bool share_covers(const char *value, const char *cand)
{
	const char *pct = strchr(value, '%');
	if (!pct) {
		cleanup_free char *canon = canonical(value);
		return path_within(cand, canon);
	}
	cleanup_free char *prefix = xstrndup(value, (size_t)(pct - value));
	char *slash = strrchr(prefix, '/');
	if (!slash)
		return false;
	slash[slash == prefix] = '\0';
	cleanup_free char *canon = canonical(prefix);
	return path_below(cand, canon);
}

static int check_smb_conf(const char *file, const char *cand, struct jc_error *err)
{
	cleanup_strv char **lines = NULL;
	int r = read_logical_lines(file, &lines, err);
	if (r < 0)
		return r;
	cleanup_free char *section = NULL;
	for (size_t i = 0; lines[i]; i++) {
		char *line = jc_strstrip(lines[i]);
		if (!line[0] || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			char *end = strchr(line, ']');
			if (end)
				*end = '\0';
			free(section);
			section = xstrdup(line + 1);
			jc_strstrip(section);
			continue;
		}
		char *eq = strchr(line, '=');
		if (!section || strcasecmp(section, "global") == 0 || !eq)
			continue;
		*eq = '\0';
		if (!is_path_key(line))
			continue;
		char *value = jc_strstrip(eq + 1);
		size_t n = strlen(value);
		if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
			value[n - 1] = '\0';
			value++;
		}
		if (value[0] == '/' && share_covers(value, cand))
			return jc_error_set(err, EPERM,
					    "%s: refusing to activate a path shared over SMB (share %s)",
					    cand, section);
	}
	return 0;
}

int jc_pool_check_not_shared(const struct jc_ctx *ctx, const char *path, struct jc_error *err)
{
	cleanup_free char *cand = realpath(path, NULL);
	if (!cand)
		return jc_error_errno(err, errno, "%s", path);
	int r = 0;
	if (ctx->paths.exports)
		r = check_exports_file(ctx->paths.exports, cand, err);
	if (r == 0 && ctx->paths.exports_d)
		r = check_exports_dir(ctx->paths.exports_d, cand, err);
	if (r == 0 && ctx->paths.smb_conf)
		r = check_smb_conf(ctx->paths.smb_conf, cand, err);
	return r;
}

/* ---- the mark ---- */

bool jc_pool_is_active(const char *path)
{
	char buf[8];
	ssize_t n = getxattr(path, JC_POOL_XATTR, buf, sizeof(buf));
	if (n == 3 && memcmp(buf, "yes", 3) == 0)
		return true;
	cleanup_free char *marker = xasprintf("%s/%s", path, JC_POOL_MARKER);
	struct stat st;
	return lstat(marker, &st) == 0 && S_ISREG(st.st_mode);
}

static int mark_set(const char *pool, struct jc_error *err)
{
	if (setxattr(pool, JC_POOL_XATTR, "yes", 3, 0) == 0)
		return 0;
	if (errno != ENOTSUP && errno != EOPNOTSUPP)
		return jc_error_errno(err, errno, "%s: set %s", pool, JC_POOL_XATTR);
	/* Filesystems without user xattrs (some FUSE, vfat) get a marker file instead. */
	cleanup_free char *marker = xasprintf("%s/%s", pool, JC_POOL_MARKER);
	return jc_write_file_atomic(marker, "yes\n", 4, 0644, err);
}

static int mark_clear(const char *pool, struct jc_error *err)
{
	if (removexattr(pool, JC_POOL_XATTR) < 0 && errno != ENODATA && errno != ENOTSUP &&
	    errno != EOPNOTSUPP)
		return jc_error_errno(err, errno, "%s: remove %s", pool, JC_POOL_XATTR);
	cleanup_free char *marker = xasprintf("%s/%s", pool, JC_POOL_MARKER);
	if (unlink(marker) < 0 && errno != ENOENT)
		return jc_error_errno(err, errno, "%s", marker);
	return 0;
}

/* ---- registry: a hint list of pools ever activated here ---- */

/* Serializes activation changes (and registry rewrites) across concurrent commands, so
 * two activations cannot leave two pools marked. *fd is -1 without a registry. */
static int pool_lock(const struct jc_ctx *ctx, int *fd, struct jc_error *err)
{
	*fd = -1;
	const char *reg = ctx->paths.pool_registry;
	if (!reg)
		return 0;
	cleanup_free char *dir = xstrdup(reg);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int r = jc_mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
	}
	cleanup_free char *lockpath = xasprintf("%s.lock", reg);
	return jc_lock_file(lockpath, fd, err);
}

/* Called with the pool lock held. */
static int registry_add(const struct jc_ctx *ctx, const char *pool, struct jc_error *err)
{
	const char *reg = ctx->paths.pool_registry;
	if (!reg)
		return 0;
	cleanup_strv char **lines = NULL;
	int r = read_logical_lines(reg, &lines, err);
	if (r < 0)
		return r;
	for (size_t i = 0; lines[i]; i++)
		if (strcmp(jc_strstrip(lines[i]), pool) == 0)
			return 0;
	jc_strv_push(&lines, pool);
	size_t len = 0;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + 1;
	cleanup_free char *text = xmalloc(len + 1);
	text[0] = '\0';
	for (size_t i = 0; lines[i]; i++)
		if (lines[i][0])
			strcat(strcat(text, lines[i]), "\n");
	return jc_write_file_atomic(reg, text, strlen(text), 0644, err);
}

/* ---- listing and resolving ---- */

/* Only these are scanned: a stat on a network or FUSE mount can hang for minutes, and
 * pseudo filesystems cannot hold a pool. */
static bool is_local_fs(const char *type)
{
	static const char *const types[] = {
		"btrfs", "ext2", "ext3", "ext4", "xfs", "f2fs", "tmpfs", "zfs", "bcachefs",
		"jfs", "reiserfs", "nilfs2",
	};
	for (size_t i = 0; type && i < JC_ARRAY_SIZE(types); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/* Also the same directory seen through another mount (a bind mount of the pool). */
static bool same_dir(const char *a, const struct stat *b)
{
	struct stat st;
	return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

static void add_if_active(char ***found, const char *cand)
{
	/* Every command looks at every mount: one stat rules out all but pools. */
	for (size_t i = 0; (*found)[i]; i++)
		if (strcmp((*found)[i], cand) == 0)   /* the registry names pools as found */
			return;
	cleanup_free char *ioc = xasprintf("%s/iocage", cand);
	if (!jc_is_dir(ioc))
		return;
	cleanup_free char *real = realpath(cand, NULL);
	struct stat st;
	if (!real || stat(real, &st) < 0)
		return;
	for (size_t i = 0; (*found)[i]; i++)
		if (strcmp((*found)[i], real) == 0 || same_dir((*found)[i], &st))
			return;
	if (jc_pool_is_active(real))
		jc_strv_push(found, real);
}

static int list_active(const struct jc_ctx *ctx, bool fresh, char ***out, struct jc_error *err)
{
	struct jc_mount *mounts = NULL;
	int r = jc_mountinfo_read_cached(ctx->paths.mountinfo, ctx->paths.run_dir, fresh, &mounts,
					 err);
	if (r < 0) {
		jc_mountinfo_free(mounts);
		return r;
	}
	cleanup_strv char **found = xcalloc(1, sizeof(char *));
	for (size_t i = 0; mounts[i].target; i++)
		if (is_local_fs(mounts[i].fstype))
			add_if_active(&found, mounts[i].target);
	jc_mountinfo_free(mounts);
	cleanup_strv char **reg = NULL;
	if (ctx->paths.pool_registry) {
		r = read_logical_lines(ctx->paths.pool_registry, &reg, err);
		if (r < 0)
			return r;
		for (size_t i = 0; reg[i]; i++)
			if (jc_strstrip(reg[i])[0] == '/')
				add_if_active(&found, reg[i]);
	}
	if (ctx->paths.default_pool)
		add_if_active(&found, ctx->paths.default_pool);
	*out = steal_ptr(found);
	return 0;
}

int jc_pool_list_active(const struct jc_ctx *ctx, char ***out, struct jc_error *err)
{
	int r = list_active(ctx, false, out, err);
	/* The cached mount table is stale after a mount was moved (it keeps its id): one
	 * pool found is checked on disk and right; none or several is looked at again. */
	if (r == 0 && jc_strv_len(*out) != 1) {
		jc_strv_free(*out);
		*out = NULL;
		r = list_active(ctx, true, out, err);
	}
	return r;
}

static void warn_low_space(const struct jc_ctx *ctx, const char *pool)
{
	struct statvfs vfs;
	if (statvfs(pool, &vfs) < 0)
		return;
	uint64_t bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (bytes < JC_POOL_LOW_SPACE)
		jc_warning(ctx, "%s has only %.1f GiB free; at least 10 GiB is recommended", pool,
			   (double)bytes / (double)(1ull << 30));
}

static int deactivate_others(const struct jc_ctx *ctx, const char *keep, struct jc_error *err)
{
	cleanup_strv char **active = NULL;
	int r = jc_pool_list_active(ctx, &active, err);
	for (size_t i = 0; r == 0 && active[i]; i++)
		if (strcmp(active[i], keep) != 0)
			r = mark_clear(active[i], err);
	return r;
}

int jc_pool_activate(struct jc_ctx *ctx, const char *path, struct jc_error *err)
{
	cleanup_free char *real = realpath(path, NULL);
	if (!real)
		return jc_error_errno(err, errno, "activate: %s", path);
	if (!jc_is_dir(real))
		return jc_error_set(err, ENOTDIR, "%s: not a directory", path);
	int r = jc_pool_check_not_shared(ctx, real, err);
	const struct jc_storage_ops *storage = NULL;
	if (r == 0)
		r = jc_storage_for_path(real, &storage, err);
	/* The tree first: a failure there leaves the previous pool active. */
	if (r == 0)
		r = jc_pool_create_tree(real, storage, err);
	cleanup_close int lock = -1;
	if (r == 0)
		r = pool_lock(ctx, &lock, err);
	if (r == 0)
		r = deactivate_others(ctx, real, err);
	if (r == 0)
		r = mark_set(real, err);
	if (r == 0)
		r = registry_add(ctx, real, err);
	if (r == 0)
		warn_low_space(ctx, real);
	return r;
}

int jc_pool_deactivate(struct jc_ctx *ctx, const char *path, struct jc_error *err)
{
	cleanup_free char *real = realpath(path, NULL);
	if (!real)
		return jc_error_errno(err, errno, "deactivate: %s", path);
	cleanup_close int lock = -1;
	int r = pool_lock(ctx, &lock, err);
	if (r < 0)
		return r;
	if (!jc_pool_is_active(real))
		return jc_error_set(err, EINVAL, "%s is not an active pool", path);
	return mark_clear(real, err);
}

/* The first local filesystem mounted strictly below mnt_dir that is not the root
 * filesystem, activated. *out stays NULL when there is none. */
static int auto_activate(struct jc_ctx *ctx, char **out, struct jc_error *err)
{
	struct jc_mount *m = NULL;
	int r = jc_mountinfo_read(ctx->paths.mountinfo, &m, err);
	dev_t rootdev = 0;
	for (size_t i = 0; r == 0 && m[i].target; i++)
		if (strcmp(m[i].target, "/") == 0)
			rootdev = m[i].devno;
	cleanup_free char *mnt = ctx->paths.mnt_dir ? canonical(ctx->paths.mnt_dir) : NULL;
	for (size_t i = 0; r == 0 && mnt && m[i].target && !*out; i++) {
		/* Never auto-activate a tmpfs (gone at reboot) or a read-only mount: those are
		 * somebody else's scratch or system mounts, not storage meant for jails. */
		if (!is_local_fs(m[i].fstype) || strcmp(m[i].fstype, "tmpfs") == 0 || m[i].readonly ||
		    !path_below(m[i].target, mnt) || m[i].devno == rootdev || !jc_is_dir(m[i].target))
			continue;
		struct jc_error e2 = { 0 };
		if (jc_pool_activate(ctx, m[i].target, &e2) < 0) {
			/* Not usable (shared, read-only, ...): say why and try the next one. */
			jc_warning(ctx, "%s", e2.msg);
			continue;
		}
		jc_notice(ctx, "Setting up %s for jailctl usage (first filesystem mounted under %s)",
			  m[i].target, ctx->paths.mnt_dir);
		*out = realpath(m[i].target, NULL);
		if (!*out)
			*out = xstrdup(m[i].target);
	}
	jc_mountinfo_free(m);
	return r;
}

static int use_default_pool(struct jc_ctx *ctx, char **out, struct jc_error *err)
{
	const char *def = ctx->paths.default_pool;
	if (!def)
		return jc_error_set(err, ENOENT, "no active pool: run 'jailctl activate POOL'");
	int r = jc_mkdir_p(def, 0755, err);
	if (r == 0)
		r = jc_pool_activate(ctx, def, err);
	if (r < 0)
		return r;
	jc_notice(ctx, "Using the embedded default pool %s", def);
	*out = canonical(def);
	return 0;
}

int jc_pool_resolve(struct jc_ctx *ctx, char **out, struct jc_error *err)
{
	cleanup_strv char **active = NULL;
	int r = jc_pool_list_active(ctx, &active, err);
	if (r < 0)
		return r;
	size_t n = jc_strv_len(active);
	if (n == 1) {
		*out = xstrdup(active[0]);
		return 0;
	}
	if (n > 1) {
		size_t len = 1;
		for (size_t i = 0; i < n; i++)
			len += strlen(active[i]) + 2;
		cleanup_free char *list = xcalloc(1, len);
		for (size_t i = 0; i < n; i++)
			strcat(strcat(list, i ? ", " : ""), active[i]);
		return jc_error_set(err, EEXIST,
				    "several pools are active (%s): run 'jailctl activate POOL' to choose one",
				    list);
	}
	*out = NULL;
	r = auto_activate(ctx, out, err);
	if (r < 0 || *out)
		return r;
	return use_default_pool(ctx, out, err);
}

/* ---- the iocage tree ---- */

int jc_pool_create_tree(const char *pool, const struct jc_storage_ops *storage,
			struct jc_error *err)
{
	static const struct {
		const char *name;
		mode_t mode;
	} children[] = {
		{ "download", 0755 }, { "images", 0755 }, { "jails", 0755 },
		{ "log", 0750 }, /* console logs may hold secrets printed by exec_start */
		{ "releases", 0755 }, { "templates", 0755 },
	};
	cleanup_free char *root = xasprintf("%s/iocage", pool);
	struct stat st;
	if (lstat(root, &st) < 0) {
		if (errno != ENOENT)
			return jc_error_errno(err, errno, "%s", root);
		int r = storage->create(root, err);
		if (r < 0)
			return r;
	} else if (!S_ISDIR(st.st_mode)) {
		return jc_error_set(err, ENOTDIR, "%s: not a directory", root);
	}
	for (size_t i = 0; i < JC_ARRAY_SIZE(children); i++) {
		cleanup_free char *p = xasprintf("%s/%s", root, children[i].name);
		/* Every command comes here: one lstat when the tree is there. A symlink would
		 * put jails somewhere the pool does not control. */
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (mkdir(p, children[i].mode) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "%s", p);
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			return jc_error_set(err, ENOTDIR, "%s: not a directory", p);
	}
	return 0;
}
