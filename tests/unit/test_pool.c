/* Pools: share detection, activation marks, listing and resolution, on temp directories
 * with the context's host paths pointed at temp files (exports, smb.conf, mountinfo,
 * registry). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "context.h"
#include "copytree.h"
#include "fileio.h"
#include "mountinfo.h"
#include "pool.h"
#include "storage.h"
#include "util.h"

struct fixture {
	char *tmp;
	struct jc_ctx ctx;
	char **notices;
	char **warnings;
	/* storage for the ctx paths */
	char *paths[8];
};

static bool can_mount;

static void on_msg(void *user, enum jc_msg_level level, const char *text)
{
	struct fixture *fx = user;
	if (level == JC_MSG_NOTICE)
		jc_strv_push(&fx->notices, text);
	else if (level == JC_MSG_WARNING)
		jc_strv_push(&fx->warnings, text);
}

static char *fp(struct fixture *fx, const char *rel)
{
	return xasprintf("%s/%s", fx->tmp, rel);
}

static void put(const char *path, const char *text)
{
	struct jc_error err;
	cleanup_free char *copy = xstrdup(path);
	*strrchr(copy, '/') = '\0';
	assert_int_equal(jc_mkdir_p(copy, 0755, &err), 0);
	assert_int_equal(jc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
}

static char *mkdirs(struct fixture *fx, const char *rel)
{
	char *p = fp(fx, rel);
	struct jc_error err;
	assert_int_equal(jc_mkdir_p(p, 0755, &err), 0);
	return p;
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/jc-test-pool-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	fx->tmp = xstrdup(tmpl);
	fx->notices = xcalloc(1, sizeof(char *));
	fx->warnings = xcalloc(1, sizeof(char *));
	const char *names[] = { "default", "run", "mnt", "var/pools.list", "etc/exports",
				"etc/exports.d", "etc/smb.conf", "mountinfo" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++)
		fx->paths[i] = fp(fx, names[i]);
	fx->ctx.paths = (struct jc_host_paths){
		.default_pool = fx->paths[0], .run_dir = fx->paths[1], .mnt_dir = fx->paths[2],
		.pool_registry = fx->paths[3], .exports = fx->paths[4], .exports_d = fx->paths[5],
		.smb_conf = fx->paths[6], .mountinfo = fx->paths[7],
	};
	fx->ctx.msg = on_msg;
	fx->ctx.msg_user = fx;
	free(mkdirs(fx, "mnt"));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *small = fp(fx, "small");
	umount2(small, MNT_DETACH);
	struct jc_error err;
	jc_tree_remove(fx->tmp, NULL, NULL, &err);
	for (size_t i = 0; i < JC_ARRAY_SIZE(fx->paths); i++)
		free(fx->paths[i]);
	jc_strv_free(fx->notices);
	jc_strv_free(fx->warnings);
	free(fx->tmp);
	free(fx);
	return 0;
}

/* A mountinfo line for target with the given fs type and device. */
static char *mi_line(int id, const char *dev, const char *target, const char *type)
{
	return xasprintf("%d 1 %s / %s rw,relatime - %s /dev/x rw\n", id, dev, target, type);
}

static void write_mountinfo(struct fixture *fx, char **lines)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]);
	cleanup_free char *text = xcalloc(1, len);
	for (size_t i = 0; lines[i]; i++)
		strcat(text, lines[i]);
	put(fx->ctx.paths.mountinfo, text);
}

/* ---- shares ---- */

static void expect_shared(struct fixture *fx, const char *rel, const char *what)
{
	cleanup_free char *p = mkdirs(fx, rel);
	struct jc_error err = { 0 };
	int r = jc_pool_check_not_shared(&fx->ctx, p, &err);
	if (r != -EPERM)
		fail_msg("%s: expected to be refused, got %d (%s)", rel, r, err.msg);
	assert_non_null(strstr(err.msg, what));
	assert_true(jc_str_has_prefix(err.msg, p));
}

static void expect_not_shared(struct fixture *fx, const char *rel)
{
	cleanup_free char *p = mkdirs(fx, rel);
	struct jc_error err = { 0 };
	if (jc_pool_check_not_shared(&fx->ctx, p, &err) != 0)
		fail_msg("%s: unexpectedly refused: %s", rel, err.msg);
}

static void test_nfs_exports(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *text = xasprintf(
		"# %s/srv/commented *(rw)\n"
		"%s/srv/nfs  192.168.1.0/24(rw,sync) \\\n"
		"    10.0.0.0/8(ro)\n"
		"\"%s/srv/with space\" *(ro)\n"
		"%s/srv/esc\\040aped *(ro)\n"
		"   %s/srv/indented/ *(rw)\n",
		fx->tmp, fx->tmp, fx->tmp, fx->tmp, fx->tmp);
	put(fx->ctx.paths.exports, text);
	cleanup_free char *d1 = fp(fx, "etc/exports.d/a.exports");
	cleanup_free char *d2 = fp(fx, "etc/exports.d/b.txt");
	cleanup_free char *t1 = xasprintf("%s/srv/fromdir *(rw)\n", fx->tmp);
	cleanup_free char *t2 = xasprintf("%s/srv/ignored *(rw)\n", fx->tmp);
	put(d1, t1);
	put(d2, t2);

	expect_shared(fx, "srv/nfs", "shared over NFS (export ");
	expect_shared(fx, "srv/nfs/deeper/pool", "/srv/nfs)");
	expect_shared(fx, "srv/with space/p", "shared over NFS");
	expect_shared(fx, "srv/esc aped", "shared over NFS");
	expect_shared(fx, "srv/indented", "shared over NFS");
	expect_shared(fx, "srv/fromdir/x", "shared over NFS");
	expect_not_shared(fx, "srv/nfsx");          /* string prefix, not a component */
	expect_not_shared(fx, "srv");               /* above an export */
	expect_not_shared(fx, "srv/commented");
	expect_not_shared(fx, "srv/ignored");       /* not a *.exports file */
	expect_not_shared(fx, "10.0.0.0");

	/* a symlink into an export is caught through realpath */
	cleanup_free char *target = fp(fx, "srv/nfs/deeper");
	cleanup_free char *via = fp(fx, "via");
	assert_int_equal(symlink(target, via), 0);
	struct jc_error err;
	assert_int_equal(jc_pool_check_not_shared(&fx->ctx, via, &err), -EPERM);
}

static void test_smb_shares(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *text = xasprintf(
		"[global]\n"
		"   workgroup = X\n"
		"   path = %s/srv/global\n"
		"# [fake]\n"
		"; path = %s/srv/commented\n"
		"[media]\n"
		"   Path = %s/srv/media\n"
		"   read only = no\n"
		"[homes]\n"
		"   path = %s/home/%%S\n"
		"[old]\n"
		"   directory=\"%s/srv/old\"\n",
		fx->tmp, fx->tmp, fx->tmp, fx->tmp, fx->tmp);
	put(fx->ctx.paths.smb_conf, text);
	expect_shared(fx, "srv/media", "shared over SMB (share media)");
	expect_shared(fx, "srv/media/pool", "(share media)");
	expect_shared(fx, "home/bob/pool", "(share homes)");
	expect_shared(fx, "srv/old/x", "(share old)");
	expect_not_shared(fx, "srv/global");
	expect_not_shared(fx, "srv/commented");
	expect_not_shared(fx, "srv/mediax");
	expect_not_shared(fx, "home");
}

/* ---- activation ---- */

static void test_activate_deactivate(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *p1 = mkdirs(fx, "pool1");
	cleanup_free char *p2 = mkdirs(fx, "pool2");
	struct jc_error err;
	assert_int_equal(jc_pool_activate(&fx->ctx, p1, &err), 0);
	assert_true(jc_pool_is_active(p1));
	const char *kids[] = { "download", "images", "jails", "log", "releases", "templates" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(kids); i++) {
		cleanup_free char *k = xasprintf("%s/iocage/%s", p1, kids[i]);
		assert_true(jc_is_dir(k));
	}
	cleanup_free char *reg = NULL;
	assert_int_equal(jc_read_file(fx->ctx.paths.pool_registry, &reg, NULL, &err), 0);
	cleanup_free char *want = xasprintf("%s\n", p1);
	assert_string_equal(reg, want);
	struct statvfs vfs;
	assert_int_equal(statvfs(p1, &vfs), 0);
	if ((uint64_t)vfs.f_bavail * vfs.f_frsize >= JC_POOL_LOW_SPACE)
		assert_null(fx->warnings[0]);
	assert_null(fx->notices[0]);  /* success is for the CLI to announce */

	/* idempotent; keeps existing contents */
	cleanup_free char *keep = xasprintf("%s/iocage/jails/keep", p1);
	assert_int_equal(mkdir(keep, 0700), 0);
	assert_int_equal(jc_pool_activate(&fx->ctx, p1, &err), 0);
	assert_true(jc_is_dir(keep));

	/* one active pool at a time: p1 is found through the registry and deactivated */
	assert_int_equal(jc_pool_activate(&fx->ctx, p2, &err), 0);
	assert_false(jc_pool_is_active(p1));
	assert_true(jc_pool_is_active(p2));
	cleanup_strv char **active = NULL;
	assert_int_equal(jc_pool_list_active(&fx->ctx, &active, &err), 0);
	assert_int_equal(jc_strv_len(active), 1);
	assert_string_equal(active[0], p2);
	free(reg);
	reg = NULL;
	assert_int_equal(jc_read_file(fx->ctx.paths.pool_registry, &reg, NULL, &err), 0);
	cleanup_free char *want2 = xasprintf("%s\n%s\n", p1, p2);
	assert_string_equal(reg, want2);

	assert_int_equal(jc_pool_deactivate(&fx->ctx, p2, &err), 0);
	assert_false(jc_pool_is_active(p2));
	assert_true(jc_is_dir(keep)); /* deactivation leaves the tree */
	assert_int_equal(jc_pool_deactivate(&fx->ctx, p2, &err), -EINVAL);
	cleanup_free char *msg = xasprintf("%s is not an active pool", p2);
	assert_string_equal(err.msg, msg);
}

static void test_activate_bad_paths(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *missing = fp(fx, "missing");
	cleanup_free char *file = fp(fx, "file");
	put(file, "x");
	struct jc_error err;
	assert_int_equal(jc_pool_activate(&fx->ctx, missing, &err), -ENOENT);
	cleanup_free char *m1 = xasprintf("activate: %s: No such file or directory", missing);
	assert_string_equal(err.msg, m1);
	assert_int_equal(jc_pool_activate(&fx->ctx, file, &err), -ENOTDIR);
	cleanup_free char *m2 = xasprintf("%s: not a directory", file);
	assert_string_equal(err.msg, m2);

	/* an exported path is refused and nothing is created */
	cleanup_free char *exp = mkdirs(fx, "exported");
	cleanup_free char *line = xasprintf("%s *(rw)\n", exp);
	put(fx->ctx.paths.exports, line);
	assert_int_equal(jc_pool_activate(&fx->ctx, exp, &err), -EPERM);
	cleanup_free char *ioc = xasprintf("%s/iocage", exp);
	assert_false(jc_path_exists(ioc));
	assert_false(jc_pool_is_active(exp));
}

static void test_marker_file(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *p = mkdirs(fx, "marked");
	free(mkdirs(fx, "marked/iocage"));
	cleanup_free char *marker = xasprintf("%s/%s", p, JC_POOL_MARKER);
	assert_false(jc_pool_is_active(p));
	put(marker, "yes\n");
	assert_true(jc_pool_is_active(p));
	cleanup_free char *line = xasprintf("%s\n", p);
	put(fx->ctx.paths.pool_registry, line);
	cleanup_strv char **active = NULL;
	struct jc_error err;
	assert_int_equal(jc_pool_list_active(&fx->ctx, &active, &err), 0);
	assert_int_equal(jc_strv_len(active), 1);
	assert_int_equal(jc_pool_deactivate(&fx->ctx, p, &err), 0);
	assert_false(jc_path_exists(marker));
	assert_false(jc_pool_is_active(p));
}

static void test_low_space_warning(void **state)
{
	struct fixture *fx = *state;
	if (!can_mount)
		skip();
	cleanup_free char *small = mkdirs(fx, "small");
	assert_int_equal(mount("tmpfs", small, "tmpfs", 0, "size=16m"), 0);
	struct jc_error err;
	assert_int_equal(jc_pool_activate(&fx->ctx, small, &err), 0);
	assert_non_null(fx->warnings[0]);
	cleanup_free char *want = xasprintf("%s has only 0.0 GiB free; at least 10 GiB is recommended", small);
	assert_string_equal(fx->warnings[0], want);
}

/* ---- listing and resolving ---- */

static void mark(const char *pool)
{
	cleanup_free char *ioc = xasprintf("%s/iocage", pool);
	mkdir(ioc, 0755);
	assert_int_equal(setxattr(pool, JC_POOL_XATTR, "yes", 3, 0), 0);
}

static void test_list_active_mountinfo(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *a = mkdirs(fx, "mnt/a");
	cleanup_free char *nfs = mkdirs(fx, "mnt/nfs");
	cleanup_free char *fuse = mkdirs(fx, "mnt/fuse");
	mark(a);
	mark(nfs);
	mark(fuse);
	cleanup_free char *l1 = mi_line(20, "254:0", "/", "ext4");
	cleanup_free char *l2 = mi_line(21, "0:50", nfs, "nfs4");
	cleanup_free char *l3 = mi_line(22, "0:51", fuse, "fuse.sshfs");
	cleanup_free char *l4 = mi_line(23, "8:1", a, "xfs");
	cleanup_free char *l5 = mi_line(24, "8:1", a, "xfs"); /* same pool twice */
	cleanup_free char *bind = mkdirs(fx, "mnt/bind");
	cleanup_free char *l6 = mi_line(25, "8:1", bind, "xfs");
	char *lines[] = { l1, l2, l3, l4, l5, l6, NULL };
	write_mountinfo(fx, lines);
	cleanup_strv char **active = NULL;
	struct jc_error err;
	assert_int_equal(jc_pool_list_active(&fx->ctx, &active, &err), 0);
	assert_int_equal(jc_strv_len(active), 1);
	assert_string_equal(active[0], a);
	jc_strv_free(steal_ptr(active));
	/* the same pool seen through a bind mount is still one pool */
	if (!can_mount)
		skip();
	assert_int_equal(mount(a, bind, NULL, MS_BIND, NULL), 0);
	int r = jc_pool_list_active(&fx->ctx, &active, &err);
	umount2(bind, MNT_DETACH);
	assert_int_equal(r, 0);
	assert_int_equal(jc_strv_len(active), 1);
	assert_string_equal(active[0], a);
}

static void test_resolve_auto_mnt(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *rootbind = mkdirs(fx, "mnt/rootbind");
	cleanup_free char *outside = mkdirs(fx, "elsewhere");
	cleanup_free char *nfs = mkdirs(fx, "mnt/nfs");
	cleanup_free char *tank = mkdirs(fx, "mnt/tank");
	cleanup_free char *second = mkdirs(fx, "mnt/second");
	cleanup_free char *l1 = mi_line(20, "254:0", "/", "ext4");
	cleanup_free char *l2 = mi_line(21, "254:0", rootbind, "ext4"); /* the root fs again */
	cleanup_free char *l3 = mi_line(22, "8:1", outside, "ext4");
	cleanup_free char *l4 = mi_line(23, "0:50", nfs, "nfs");
	cleanup_free char *l5 = mi_line(24, "8:17", fx->ctx.paths.mnt_dir, "ext4"); /* not below */
	cleanup_free char *l6 = mi_line(25, "8:33", tank, "btrfs");
	cleanup_free char *l7 = mi_line(26, "8:49", second, "ext4");
	char *lines[] = { l1, l2, l3, l4, l5, l6, l7, NULL };
	write_mountinfo(fx, lines);
	cleanup_free char *pool = NULL;
	struct jc_error err;
	assert_int_equal(jc_pool_resolve(&fx->ctx, &pool, &err), 0);
	assert_string_equal(pool, tank);
	assert_true(jc_pool_is_active(tank));
	assert_false(jc_pool_is_active(second));
	cleanup_free char *want = xasprintf("Setting up %s for jailctl usage (first filesystem mounted under %s)",
					    tank, fx->ctx.paths.mnt_dir);
	assert_non_null(fx->notices[0]);
	assert_string_equal(fx->notices[0], want);

	/* next time it is simply the active pool */
	free(pool);
	pool = NULL;
	assert_int_equal(jc_pool_resolve(&fx->ctx, &pool, &err), 0);
	assert_string_equal(pool, tank);
	assert_int_equal(jc_strv_len(fx->notices), 1);

	/* two active pools: refused with both named */
	mark(second);
	free(pool);
	pool = NULL;
	assert_int_equal(jc_pool_resolve(&fx->ctx, &pool, &err), -EEXIST);
	cleanup_free char *msg = xasprintf("several pools are active (%s, %s): run 'jailctl activate POOL' to choose one",
					   tank, second);
	assert_string_equal(err.msg, msg);
}

static void test_resolve_default_pool(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *l1 = mi_line(20, "254:0", "/", "ext4");
	char *lines[] = { l1, NULL };
	write_mountinfo(fx, lines);
	cleanup_free char *pool = NULL;
	struct jc_error err;
	assert_int_equal(jc_pool_resolve(&fx->ctx, &pool, &err), 0);
	assert_string_equal(pool, fx->ctx.paths.default_pool);
	cleanup_free char *jails = xasprintf("%s/iocage/jails", pool);
	assert_true(jc_is_dir(jails));
	cleanup_free char *want = xasprintf("Using the embedded default pool %s", fx->ctx.paths.default_pool);
	assert_string_equal(fx->notices[0], want);
	free(pool);
	pool = NULL;
	/* found again through the default path even without a registry */
	assert_int_equal(unlink(fx->ctx.paths.pool_registry), 0);
	assert_int_equal(jc_pool_resolve(&fx->ctx, &pool, &err), 0);
	assert_string_equal(pool, fx->ctx.paths.default_pool);
	assert_int_equal(jc_strv_len(fx->notices), 1);
}

static void test_create_tree_storage(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *p = mkdirs(fx, "treepool");
	struct jc_error err;
	assert_int_equal(jc_pool_create_tree(p, &jc_storage_dir, &err), 0);
	assert_int_equal(jc_pool_create_tree(p, &jc_storage_dir, &err), 0);
	cleanup_free char *log = xasprintf("%s/iocage/log", p);
	struct stat st;
	assert_int_equal(stat(log, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	/* a symlink in place of a child is refused */
	cleanup_free char *jails = xasprintf("%s/iocage/jails", p);
	assert_int_equal(rmdir(jails), 0);
	assert_int_equal(symlink("/etc", jails), 0);
	assert_int_equal(jc_pool_create_tree(p, &jc_storage_dir, &err), -ENOTDIR);
}

/* ---- the mount table parser ---- */

static void test_mountinfo_lines(void **state)
{
	(void)state;
	struct jc_mount m;
	char l1[] = "36 35 98:0 /mnt1 /mnt/my\\040pool rw,noatime master:1 shared:2 - ext4 /dev/root rw";
	assert_true(jc_mountinfo_parse_line(l1, &m));
	assert_string_equal(m.target, "/mnt/my pool");
	assert_string_equal(m.fstype, "ext4");
	assert_string_equal(m.source, "/dev/root");
	assert_string_equal(m.super_opts, "rw");
	assert_int_equal(major(m.devno), 98);
	assert_false(m.readonly);
	jc_mountinfo_free_one(&m);
	char l2[] = "40 1 0:52 / /mnt/b\\134x ro,relatime - btrfs /dev/loop0 ro,space_cache=v2";
	assert_true(jc_mountinfo_parse_line(l2, &m));
	assert_string_equal(m.target, "/mnt/b\\x");
	assert_true(m.readonly);
	assert_int_equal(minor(m.devno), 52);
	jc_mountinfo_free_one(&m);
	/* cgroup v1: the controllers are the filesystem's options */
	char l4[] = "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct";
	assert_true(jc_mountinfo_parse_line(l4, &m));
	assert_string_equal(m.target, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(m.fstype, "cgroup");
	assert_string_equal(m.super_opts, "rw,cpu,cpuacct");
	jc_mountinfo_free_one(&m);
	/* "rootfs" as an option name must not read as "ro"; a line without "-" is malformed. */
	char l3[] = "41 1 0:53 / /r rw,rootcontext=x - xfs /dev/x rw";
	assert_true(jc_mountinfo_parse_line(l3, &m));
	assert_false(m.readonly);
	jc_mountinfo_free_one(&m);
	char bad1[] = "41 1 0:53 / /r rw shared:1 xfs /dev/x rw", bad2[] = "41 1 x / /r rw - xfs a b";
	assert_false(jc_mountinfo_parse_line(bad1, &m));
	assert_false(jc_mountinfo_parse_line(bad2, &m));
}

static void test_mountinfo_file(void **state)
{
	struct fixture *fx = *state;
	struct jc_error err = { 0 };
	struct jc_mount *m = NULL;
	/* A missing table is an empty one. */
	assert_int_equal(jc_mountinfo_read(fx->ctx.paths.mountinfo, &m, &err), 0);
	assert_null(m[0].target);
	jc_mountinfo_free(m);
	put(fx->ctx.paths.mountinfo, "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n\ngarbage\n");
	assert_true(jc_mountinfo_read(fx->ctx.paths.mountinfo, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "cannot parse mount table"));
	assert_string_equal(m[0].target, "/");
	jc_mountinfo_free(m);
}

/* ---- the cached mount table ---- */

static size_t mount_count(const struct jc_mount *m)
{
	size_t n = 0;
	while (m[n].target)
		n++;
	return n;
}

static bool has_target(const struct jc_mount *m, const char *target)
{
	for (size_t i = 0; m[i].target; i++)
		if (strcmp(m[i].target, target) == 0)
			return true;
	return false;
}

/* Replaces the mount text of the cached copy, keeping what identifies the table. */
static void edit_copy(const char *cache, const char *text)
{
	struct jc_error err = { 0 };
	cleanup_free char *data = NULL;
	size_t len = 0;
	assert_int_equal(jc_read_file(cache, &data, &len, &err), 0);
	char *second = strchr(data, '\n') + 1;   /* "BOOT_ID COUNT\n", then COUNT ids */
	char *end = strchr(second, '\n');
	size_t n = strtoul(strrchr(second, ' ') + 1, NULL, 10);
	size_t klen = (size_t)(end + 1 - data) + n * sizeof(uint64_t);
	assert_true(klen <= len);
	cleanup_free char *out = xmalloc(klen + strlen(text));
	memcpy(out, data, klen);
	memcpy(out + klen, text, strlen(text));
	assert_int_equal(jc_write_file_atomic(cache, out, klen + strlen(text), 0644, &err), 0);
}

static struct jc_mount *read_cached(struct fixture *fx, const char *path, bool fresh)
{
	struct jc_error err = { 0 };
	struct jc_mount *m = NULL;
	assert_int_equal(jc_mountinfo_read_cached(path, fx->ctx.paths.run_dir, fresh, &m, &err), 0);
	return m;
}

static void test_mountinfo_cache(void **state)
{
	struct fixture *fx = *state;
	const char *self = "/proc/self/mountinfo";
	const char *copied = "1 0 8:1 / /from-the-copy rw - ext4 /dev/sda1 rw\n";
	free(mkdirs(fx, "run"));
	cleanup_free char *cache = fp(fx, "run/mounts.cache");
	/* A table other than this process's own is read as it is, never copied. */
	put(fx->ctx.paths.mountinfo, "1 0 8:1 / /fixture rw - ext4 /dev/sda1 rw\n");
	struct jc_mount *m = read_cached(fx, fx->ctx.paths.mountinfo, false);
	assert_string_equal(m[0].target, "/fixture");
	jc_mountinfo_free(m);
	assert_false(jc_path_exists(cache));

	struct jc_error err = { 0 };
	struct jc_mount *direct = NULL;
	assert_int_equal(jc_mountinfo_read(self, &direct, &err), 0);
	m = read_cached(fx, self, false);
	assert_int_equal(mount_count(m), mount_count(direct));
	for (size_t i = 0; direct[i].target; i++)
		assert_string_equal(m[i].target, direct[i].target);
	jc_mountinfo_free(m);
	jc_mountinfo_free(direct);
	if (!jc_path_exists(cache))
		skip();   /* a kernel without listmount(2) (before 6.8): nothing is copied */

	/* While the mounts stay, the copy is what is read... */
	edit_copy(cache, copied);
	m = read_cached(fx, self, false);
	assert_string_equal(m[0].target, "/from-the-copy");
	jc_mountinfo_free(m);
	/* ...unless asked for a fresh one, which replaces it. */
	m = read_cached(fx, self, true);
	assert_false(has_target(m, "/from-the-copy"));
	jc_mountinfo_free(m);
	m = read_cached(fx, self, false);
	assert_false(has_target(m, "/from-the-copy"));
	jc_mountinfo_free(m);

	/* A copy made for other mounts (or another boot) is not used. */
	put(cache, "jailctl-mounts-1\nanother-boot 0\n1 0 8:1 / /stale rw - ext4 /dev/sda1 rw\n");
	m = read_cached(fx, self, false);
	assert_false(has_target(m, "/stale"));
	jc_mountinfo_free(m);
	if (!can_mount)
		return;
	/* A mount that comes makes the copy stale. */
	edit_copy(cache, copied);
	cleanup_free char *small = mkdirs(fx, "small");
	assert_int_equal(mount("tmpfs", small, "tmpfs", 0, "size=1m"), 0);
	m = read_cached(fx, self, false);
	assert_true(has_target(m, small));
	assert_false(has_target(m, "/from-the-copy"));
	jc_mountinfo_free(m);
}

int main(void)
{
	can_mount = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nfs_exports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smb_shares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activate_deactivate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activate_bad_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marker_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_space_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_active_mountinfo, setup, teardown),
		cmocka_unit_test(test_mountinfo_lines),
		cmocka_unit_test_setup_teardown(test_mountinfo_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mountinfo_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_auto_mnt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_default_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_tree_storage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
