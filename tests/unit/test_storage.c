/* Storage back ends on real filesystems: the dir back end on a temp directory (overlay
 * mounts in a private mount namespace), the btrfs back end on a loop-mounted btrfs image.
 * Runs as root; parts that need mount(2) are skipped when it is not permitted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copytree.h"
#include "fileio.h"
#include "storage.h"
#include "util.h"

struct env {
	char *tmp;         /* scratch directory for the dir back end */
	bool can_mount;    /* in a private mount namespace where mount(2) works */
	char *btrfs_dir;   /* holds the image and the mount point */
	char *btrfs_mnt;   /* NULL when no btrfs could be made */
};

static struct env env;

/* ---- helpers ---- */

static char *tp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tp(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *rel = NULL;
	assert_true(vasprintf(&rel, fmt, ap) >= 0);
	va_end(ap);
	char *p = xasprintf("%s/%s", env.tmp, rel);
	free(rel);
	return p;
}

static void put(const char *path, const char *text)
{
	struct jc_error err;
	assert_int_equal(jc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
}

static char *get(const char *path)
{
	char *text = NULL;
	struct jc_error err;
	if (jc_read_file(path, &text, NULL, &err) < 0)
		return NULL;
	return text;
}

static void assert_file(const char *path, const char *want)
{
	cleanup_free char *got = get(path);
	if (!got)
		fail_msg("%s: missing", path);
	assert_string_equal(got, want);
}

static void mkdirs(const char *path)
{
	struct jc_error err;
	assert_int_equal(jc_mkdir_p(path, 0755, &err), 0);
}

/* fork + execvp of an argv array, output discarded; exit status or -1. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		char *alt = xasprintf("/usr/sbin/%s", argv[0]);
		execv(alt, argv);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool is_mounted(const char *path)
{
	struct statx stx;
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* ---- tree copy ---- */

static void test_tree_copy(void **state)
{
	(void)state;
	cleanup_free char *src = tp("copy-src");
	cleanup_free char *dst = tp("copy-dst");
	cleanup_free char *f = tp("copy-src/file");
	cleanup_free char *sub = tp("copy-src/sub");
	cleanup_free char *hard = tp("copy-src/sub/hard");
	cleanup_free char *sym = tp("copy-src/sym");
	cleanup_free char *fifo = tp("copy-src/fifo");
	cleanup_free char *wh = tp("copy-src/whiteout");
	mkdirs(sub);
	assert_int_equal(chmod(sub, 0710), 0);
	put(f, "hello");
	assert_int_equal(chmod(f, 04751), 0);
	assert_int_equal(lchown(f, 1234, 5678), 0);
	assert_int_equal(chmod(f, 0640), 0);
	assert_int_equal(setxattr(f, "user.test", "v1", 2, 0), 0);
	struct timespec ts[2] = { { 1000000, 0 }, { 2000000, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);
	assert_int_equal(link(f, hard), 0);
	assert_int_equal(symlink("/etc", sym), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mknod(wh, S_IFCHR | 0000, makedev(0, 0)), 0);

	struct jc_error err;
	assert_int_equal(jc_tree_copy(src, dst, &err), 0);

	cleanup_free char *df = tp("copy-dst/file");
	cleanup_free char *dl = tp("copy-dst/sub/hard");
	cleanup_free char *ds = tp("copy-dst/sym");
	cleanup_free char *dff = tp("copy-dst/fifo");
	cleanup_free char *dwh = tp("copy-dst/whiteout");
	cleanup_free char *dsub = tp("copy-dst/sub");
	struct stat a, b;
	assert_int_equal(lstat(df, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_int_equal(a.st_uid, 1234);
	assert_int_equal(a.st_gid, 5678);
	assert_int_equal(a.st_mtim.tv_sec, 2000000);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(lstat(dl, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	char val[8] = { 0 };
	assert_int_equal(getxattr(df, "user.test", val, sizeof(val)), 2);
	assert_string_equal(val, "v1");
	assert_file(df, "hello");
	assert_int_equal(lstat(ds, &a), 0);
	assert_true(S_ISLNK(a.st_mode));
	char target[16] = { 0 };
	assert_int_equal(readlink(ds, target, sizeof(target) - 1), 4);
	assert_string_equal(target, "/etc");
	assert_int_equal(lstat(dff, &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_int_equal(lstat(dwh, &a), 0);
	assert_true(S_ISCHR(a.st_mode));
	assert_int_equal(a.st_rdev, makedev(0, 0));
	assert_int_equal(lstat(dsub, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0710);

	/* dst exists now: refused, and left alone */
	assert_int_equal(jc_tree_copy(src, dst, &err), -EEXIST);
	assert_true(jc_path_exists(df));
	assert_int_equal(jc_tree_remove(dst, NULL, NULL, &err), 0);
	assert_false(jc_path_exists(dst));
	assert_int_equal(jc_tree_remove(dst, NULL, NULL, &err), 0);
}

static void test_tree_remove_stops_at_mounts(void **state)
{
	(void)state;
	if (!env.can_mount)
		skip();
	cleanup_free char *keep = tp("rm-keep");
	cleanup_free char *keepf = tp("rm-keep/precious");
	cleanup_free char *tree = tp("rm-tree");
	cleanup_free char *mp = tp("rm-tree/a/mnt");
	mkdirs(keep);
	mkdirs(mp);
	put(keepf, "x");
	assert_int_equal(mount(keep, mp, NULL, MS_BIND, NULL), 0);
	struct jc_error err;
	assert_int_equal(jc_tree_remove(tree, NULL, NULL, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "mount point"));
	assert_true(jc_path_exists(keepf));
	struct jc_tree_usage *u = jc_tree_usage_new();
	assert_int_equal(jc_tree_usage_add(u, tree, &err), 0);
	jc_tree_usage_free(u);
	assert_int_equal(umount2(mp, MNT_DETACH), 0);
	assert_int_equal(jc_tree_remove(tree, NULL, NULL, &err), 0);
	assert_true(jc_path_exists(keepf));
}

/* ---- dir back end ---- */

static void test_side_files(void **state)
{
	(void)state;
	assert_true(jc_storage_is_side_file("root.upper"));
	assert_true(jc_storage_is_side_file("root.lower"));
	assert_true(jc_storage_is_side_file("root.layer12"));
	assert_true(jc_storage_is_side_file("snap.readonly"));
	assert_true(jc_storage_is_side_file("root.restore-old"));
	assert_false(jc_storage_is_side_file("root"));
	assert_false(jc_storage_is_side_file("root.layer"));
	assert_false(jc_storage_is_side_file("root.layerx"));
	assert_false(jc_storage_is_side_file(".upper"));
	const struct jc_storage_ops *ops = NULL;
	struct jc_error err;
	assert_int_equal(jc_storage_for_path(env.tmp, &ops, &err), 0);
	assert_ptr_equal(ops, &jc_storage_dir);
}

static const struct jc_storage_ops *const dir = &jc_storage_dir;

/* releases/R/root with one file, cloned to jails/j1/root. */
static void make_release_and_clone(void)
{
	cleanup_free char *rel = tp("releases/R/root");
	cleanup_free char *relf = tp("releases/R/root/etc-release");
	cleanup_free char *jail = tp("jails/j1/root");
	cleanup_free char *jdir = tp("jails/j1");
	struct jc_error err;
	cleanup_free char *rdir = tp("releases/R");
	mkdirs(rdir);
	mkdirs(jdir);
	assert_int_equal(dir->destroy(jail, &err), 0);
	if (!jc_path_exists(rel))
		assert_int_equal(dir->create(rel, &err), 0);
	put(relf, "R1\n");
	assert_int_equal(dir->clone(rel, jail, &err), 0);
}

static void test_dir_clone_layout(void **state)
{
	(void)state;
	make_release_and_clone();
	cleanup_free char *lower = tp("jails/j1/root.lower");
	cleanup_free char *upper = tp("jails/j1/root.upper");
	cleanup_free char *work = tp("jails/j1/root.work");
	cleanup_free char *jail = tp("jails/j1/root");
	assert_file(lower, "../../releases/R/root\n");
	assert_true(jc_is_dir(upper));
	assert_true(jc_is_dir(work));
	assert_true(jc_is_dir(jail));
	struct jc_error err;
	cleanup_free char *rel = tp("releases/R/root");
	assert_int_equal(dir->clone(rel, jail, &err), -EEXIST);
	assert_int_equal(dir->set_quota(jail, 1 << 20, &err), -ENOTSUP);
	assert_true(jc_str_has_prefix(err.msg, "quota: the dir back end ("));
	assert_non_null(strstr(err.msg, ") cannot enforce quotas; use a btrfs pool"));
	assert_int_equal(dir->set_quota(jail, 0, &err), 0);
	assert_int_equal(dir->destroy(jail, &err), 0);
	assert_false(jc_path_exists(lower));
	assert_false(jc_path_exists(upper));
	assert_false(jc_path_exists(work));
	assert_false(jc_path_exists(jail));
	assert_int_equal(dir->destroy(jail, &err), 0);
}

static void test_dir_overlay_lifecycle(void **state)
{
	(void)state;
	make_release_and_clone();
	cleanup_free char *jail = tp("jails/j1/root");
	cleanup_free char *jf = tp("jails/j1/root/etc-release");
	cleanup_free char *jnew = tp("jails/j1/root/new");
	cleanup_free char *relnew = tp("releases/R/root/new");
	cleanup_free char *upnew = tp("jails/j1/root.upper/new");
	struct jc_error err;
	int r = dir->mount(jail, &err);
	if (r == -EPERM)
		skip();
	assert_int_equal(r, 0);
	assert_true(is_mounted(jail));
	assert_int_equal(dir->mount(jail, &err), 0); /* already mounted: no-op */
	assert_file(jf, "R1\n");
	put(jnew, "mine\n");
	assert_false(jc_path_exists(relnew));
	assert_file(upnew, "mine\n");

	/* snapshot, change, restore */
	cleanup_free char *snaps = tp("jails/j1/snaps");
	cleanup_free char *snap = tp("jails/j1/snaps/s1");
	mkdirs(snaps);
	assert_int_equal(dir->snapshot(jail, snap, &err), 0);
	bool ro = false;
	assert_int_equal(dir->get_readonly(snap, &ro, &err), 0);
	assert_true(ro);
	cleanup_free char *snaplower = tp("jails/j1/snaps/s1.lower");
	assert_file(snaplower, "../../../releases/R/root\n");
	put(jnew, "changed\n");
	put(jf, "edited\n");
	assert_int_equal(dir->restore(snap, jail, &err), -EBUSY);
	assert_int_equal(dir->unmount(jail, &err), 0);
	assert_false(is_mounted(jail));
	assert_int_equal(dir->unmount(jail, &err), 0);
	assert_int_equal(dir->restore(snap, jail, &err), 0);
	assert_int_equal(dir->mount(jail, &err), 0);
	assert_file(jnew, "mine\n");
	assert_file(jf, "R1\n");
	cleanup_free char *left = tp("jails/j1/root.restore-old");
	assert_false(jc_path_exists(left));

	struct jc_usage u;
	assert_int_equal(dir->usage(jail, &u, &err), 0);
	assert_true(u.used > 0);
	assert_true(u.available > 0);
	assert_int_equal(u.quota, 0);

	/* destroy unmounts */
	assert_int_equal(dir->destroy(jail, &err), 0);
	assert_false(jc_path_exists(jail));
	assert_int_equal(dir->destroy(snap, &err), 0);
	cleanup_free char *snapro = tp("jails/j1/snaps/s1.readonly");
	assert_false(jc_path_exists(snapro));
}

static void test_dir_clone_of_clone(void **state)
{
	(void)state;
	make_release_and_clone();
	cleanup_free char *j1 = tp("jails/j1/root");
	cleanup_free char *j1up = tp("jails/j1/root.upper/one");
	cleanup_free char *j2dir = tp("jails/j2");
	cleanup_free char *j2 = tp("jails/j2/root");
	cleanup_free char *j3 = tp("jails/j3/root");
	cleanup_free char *j3dir = tp("jails/j3");
	put(j1up, "1\n");
	mkdirs(j2dir);
	mkdirs(j3dir);
	struct jc_error err;
	assert_int_equal(dir->clone(j1, j2, &err), 0);
	cleanup_free char *l0 = tp("jails/j2/root.layer0/one");
	assert_file(l0, "1\n");
	cleanup_free char *lower = tp("jails/j2/root.lower");
	assert_file(lower, "root.layer0\n../../releases/R/root\n");
	/* later writes to the source do not leak into the clone */
	put(j1up, "changed\n");
	assert_file(l0, "1\n");
	/* a clone of that clone copies j2's own layer too and depends on j1 for nothing */
	cleanup_free char *j2up = tp("jails/j2/root.upper/two");
	put(j2up, "2\n");
	assert_int_equal(dir->clone(j2, j3, &err), 0);
	cleanup_free char *lower3 = tp("jails/j3/root.lower");
	assert_file(lower3, "root.layer0\nroot.layer1\n../../releases/R/root\n");
	assert_int_equal(dir->destroy(j2, &err), 0);
	cleanup_free char *j2l0 = tp("jails/j2/root.layer0");
	assert_false(jc_path_exists(j2l0));

	cleanup_free char *j4 = tp("jails/j3/renamed");
	assert_int_equal(dir->rename(j3, j4, &err), 0);
	cleanup_free char *lower4 = tp("jails/j3/renamed.lower");
	assert_file(lower4, "renamed.layer0\nrenamed.layer1\n../../releases/R/root\n");
	assert_false(jc_path_exists(j3));
	assert_false(jc_path_exists(lower3));
	if (env.can_mount) {
		int r = dir->mount(j4, &err);
		if (r == 0) {
			cleanup_free char *f1 = tp("jails/j3/renamed/one");
			cleanup_free char *f2 = tp("jails/j3/renamed/two");
			cleanup_free char *f3 = tp("jails/j3/renamed/etc-release");
			assert_file(f1, "1\n");
			assert_file(f2, "2\n");
			assert_file(f3, "R1\n");
		} else {
			assert_int_equal(r, -EPERM);
		}
	}
	assert_int_equal(dir->destroy(j4, &err), 0);
	assert_int_equal(dir->destroy(j1, &err), 0);
}

/* Deletions in a clone (overlayfs whiteouts and opaque directories in its upper) survive
 * being frozen into a layer of a clone of that clone. */
static void test_dir_clone_keeps_deletions(void **state)
{
	(void)state;
	if (!env.can_mount)
		skip();
	make_release_and_clone();
	cleanup_free char *reld = tp("releases/R/root/d");
	cleanup_free char *relx = tp("releases/R/root/d/x");
	mkdirs(reld);
	put(relx, "x");
	cleanup_free char *j1 = tp("jails/j1/root");
	cleanup_free char *j1f = tp("jails/j1/root/etc-release");
	cleanup_free char *j1d = tp("jails/j1/root/d");
	cleanup_free char *j1x = tp("jails/j1/root/d/x");
	cleanup_free char *j1y = tp("jails/j1/root/d/y");
	struct jc_error err;
	int r = dir->mount(j1, &err);
	if (r == -EPERM)
		skip();
	assert_int_equal(r, 0);
	assert_int_equal(unlink(j1f), 0);
	assert_int_equal(unlink(j1x), 0);
	assert_int_equal(rmdir(j1d), 0);
	assert_int_equal(mkdir(j1d, 0755), 0);
	put(j1y, "y");
	assert_int_equal(dir->unmount(j1, &err), 0);

	cleanup_free char *j5dir = tp("jails/j5");
	cleanup_free char *j5 = tp("jails/j5/root");
	mkdirs(j5dir);
	assert_int_equal(dir->clone(j1, j5, &err), 0);
	assert_int_equal(dir->mount(j5, &err), 0);
	cleanup_free char *j5f = tp("jails/j5/root/etc-release");
	cleanup_free char *j5x = tp("jails/j5/root/d/x");
	cleanup_free char *j5y = tp("jails/j5/root/d/y");
	assert_false(jc_path_exists(j5f));
	assert_false(jc_path_exists(j5x));
	assert_file(j5y, "y");
	assert_int_equal(dir->destroy(j5, &err), 0);
	assert_int_equal(dir->destroy(j1, &err), 0);
	assert_int_equal(unlink(relx), 0);
	assert_int_equal(rmdir(reld), 0);
}

/* A restore interrupted after the commit point is finished by the next mount; one
 * interrupted before it is rolled back. */
static void test_dir_restore_recovery(void **state)
{
	(void)state;
	cleanup_free char *ds = tp("rec");
	cleanup_free char *f = tp("rec/f");
	cleanup_free char *fresh = tp("rec.restore-new");
	cleanup_free char *fresh_base = tp("rec.restore-new/base");
	cleanup_free char *fresh_f = tp("rec.restore-new/base/f");
	cleanup_free char *old = tp("rec.restore-old");
	cleanup_free char *old_base = tp("rec.restore-old/base");
	cleanup_free char *old_tmp = tp("rec.restore-old.tmp");
	cleanup_free char *old_tmp_base = tp("rec.restore-old.tmp/base");
	struct jc_error err;
	for (int forward = 0; forward < 2; forward++) {
		assert_int_equal(dir->create(ds, &err), 0);
		put(f, "old");
		mkdirs(fresh_base);
		put(fresh_f, "new");
		mkdirs(forward ? old : old_tmp);
		assert_int_equal(rename(ds, forward ? old_base : old_tmp_base), 0);
		assert_int_equal(dir->mount(ds, &err), 0);
		assert_file(f, forward ? "new" : "old");
		assert_false(jc_path_exists(fresh));
		assert_false(jc_path_exists(old));
		assert_false(jc_path_exists(old_tmp));
		assert_int_equal(dir->destroy(ds, &err), 0);
	}
}

/* Destroying a plain directory NAME leaves siblings that only look like side files
 * (jails may be called web.upper or web.restore-new). */
static void test_dir_destroy_spares_lookalikes(void **state)
{
	(void)state;
	const char *names[] = { "web.upper", "web.lower", "web.layer0", "web.restore-new",
				"web.readonly" };
	cleanup_free char *web = tp("lookalike/web");
	mkdirs(web);
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++) {
		cleanup_free char *cfg = tp("lookalike/%s/config.json", names[i]);
		cleanup_free char *d = tp("lookalike/%s", names[i]);
		mkdirs(d);
		put(cfg, "{}");
	}
	struct jc_error err;
	assert_int_equal(dir->destroy(web, &err), 0);
	assert_false(jc_path_exists(web));
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++) {
		cleanup_free char *cfg = tp("lookalike/%s/config.json", names[i]);
		assert_true(jc_path_exists(cfg));
	}
	cleanup_free char *top = tp("lookalike");
	assert_int_equal(jc_tree_remove(top, NULL, NULL, &err), 0);
}

static void test_dir_plain_snapshot(void **state)
{
	(void)state;
	cleanup_free char *ds = tp("plain");
	cleanup_free char *f = tp("plain/f");
	cleanup_free char *g = tp("plain/g");
	cleanup_free char *snap = tp("plain-snap");
	struct jc_error err;
	assert_int_equal(dir->create(ds, &err), 0);
	put(f, "v1");
	assert_int_equal(link(f, g), 0);
	struct jc_usage u;
	assert_int_equal(dir->usage(ds, &u, &err), 0);
	uint64_t before = u.used;
	assert_int_equal(dir->snapshot(ds, snap, &err), 0);
	put(f, "v2"); /* replaces f, so g keeps v1 */
	assert_int_equal(dir->restore(snap, ds, &err), 0);
	assert_file(f, "v1");
	struct stat a, b;
	assert_int_equal(stat(f, &a), 0);
	assert_int_equal(stat(g, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(dir->usage(ds, &u, &err), 0);
	assert_int_equal(u.used, before);
	assert_int_equal(dir->set_readonly(ds, true, &err), 0);
	bool ro = false;
	assert_int_equal(dir->get_readonly(ds, &ro, &err), 0);
	assert_true(ro);
	assert_int_equal(dir->set_readonly(ds, false, &err), 0);
	assert_int_equal(dir->get_readonly(ds, &ro, &err), 0);
	assert_false(ro);
	assert_int_equal(dir->destroy(ds, &err), 0);
	assert_int_equal(dir->destroy(snap, &err), 0);
}

/* ---- btrfs back end ---- */

static const struct jc_storage_ops *const bt = &jc_storage_btrfs;

static char *bp(const char *name)
{
	return xasprintf("%s/%s", env.btrfs_mnt, name);
}

#define NEED_BTRFS() do { if (!env.btrfs_mnt) skip(); } while (0)

static void test_btrfs_clone_snapshot(void **state)
{
	(void)state;
	NEED_BTRFS();
	cleanup_free char *rel = bp("rel");
	cleanup_free char *relf = bp("rel/file");
	cleanup_free char *jail = bp("jail");
	cleanup_free char *jf = bp("jail/file");
	cleanup_free char *snap = bp("snap");
	cleanup_free char *snapf = bp("snap/file");
	cleanup_free char *snapnew = bp("snap/new");
	struct jc_error err;
	const struct jc_storage_ops *ops = NULL;
	assert_int_equal(jc_storage_for_path(env.btrfs_mnt, &ops, &err), 0);
	assert_ptr_equal(ops, bt);
	assert_int_equal(bt->create(rel, &err), 0);
	put(relf, "R1");
	assert_int_equal(bt->clone(rel, jail, &err), 0);
	put(jf, "J1");
	assert_file(relf, "R1");
	assert_int_equal(bt->snapshot(jail, snap, &err), 0);
	bool ro = false;
	assert_int_equal(bt->get_readonly(snap, &ro, &err), 0);
	assert_true(ro);
	int fd = open(snapnew, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	put(jf, "J2");
	assert_file(snapf, "J1");
	assert_int_equal(bt->restore(snap, jail, &err), 0);
	assert_file(jf, "J1");
	assert_int_equal(bt->get_readonly(jail, &ro, &err), 0);
	assert_false(ro);
	put(jf, "J3"); /* writable again */
	cleanup_free char *tmp = bp("jail.restore-tmp");
	cleanup_free char *old = bp("jail.restore-old");
	assert_false(jc_path_exists(tmp));
	assert_false(jc_path_exists(old));

	/* an interrupted restore (crash after moving dst aside) is finished by mount */
	assert_int_equal(bt->clone(snap, tmp, &err), 0);
	assert_int_equal(rename(jail, old), 0);
	assert_int_equal(bt->mount(jail, &err), 0);
	assert_file(jf, "J1");
	assert_false(jc_path_exists(tmp));
	assert_false(jc_path_exists(old));

	cleanup_free char *moved = bp("moved");
	assert_int_equal(bt->rename(jail, moved, &err), 0);
	assert_int_equal(bt->rename(moved, rel, &err), -EEXIST);
	assert_int_equal(bt->destroy(moved, &err), 0);
	assert_int_equal(bt->destroy(snap, &err), 0);
	assert_false(jc_path_exists(snap));
}

static void test_btrfs_destroy_recursive(void **state)
{
	(void)state;
	NEED_BTRFS();
	cleanup_free char *tree = bp("tree");
	cleanup_free char *inner = bp("tree/inner");
	cleanup_free char *deep = bp("tree/inner/deep");
	cleanup_free char *innerf = bp("tree/inner/f");
	cleanup_free char *plain = bp("plaindir");
	cleanup_free char *plainsub = bp("plaindir/a");
	cleanup_free char *plainsv = bp("plaindir/a/sv");
	cleanup_free char *plainf = bp("plaindir/a/sv/f");
	struct jc_error err;
	assert_int_equal(bt->create(tree, &err), 0);
	assert_int_equal(bt->create(inner, &err), 0);
	assert_int_equal(bt->snapshot(tree, deep, &err), 0);
	put(innerf, "x");
	assert_int_equal(bt->destroy(tree, &err), 0);
	assert_false(jc_path_exists(tree));

	mkdirs(plainsub);
	assert_int_equal(bt->create(plainsv, &err), 0);
	put(plainf, "y");
	assert_int_equal(bt->destroy(plain, &err), 0);
	assert_false(jc_path_exists(plain));
	assert_int_equal(bt->destroy(plain, &err), 0);

	/* a plain directory as source: copied into a new subvolume */
	cleanup_free char *pf = bp("plaindir/f");
	cleanup_free char *copy = bp("copy");
	cleanup_free char *copyf = bp("copy/f");
	mkdirs(plain);
	put(pf, "z");
	assert_int_equal(bt->clone(plain, copy, &err), 0);
	assert_file(copyf, "z");
	bool ro = true;
	assert_int_equal(bt->get_readonly(copy, &ro, &err), 0);
	assert_false(ro);
	assert_int_equal(bt->destroy(copy, &err), 0);
	assert_int_equal(bt->destroy(plain, &err), 0);
}

static void write_bytes(const char *path, size_t n, int *fail_errno)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	char buf[65536];
	memset(buf, 'x', sizeof(buf));
	*fail_errno = 0;
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, buf, sizeof(buf));
		if (w < 0) {
			*fail_errno = errno;
			break;
		}
		done += (size_t)w;
	}
	if (!*fail_errno && fsync(fd) < 0)
		*fail_errno = errno;
	close(fd);
}

static void test_btrfs_usage_and_quota(void **state)
{
	(void)state;
	NEED_BTRFS();
	cleanup_free char *ds = bp("q");
	cleanup_free char *f = bp("q/data");
	cleanup_free char *big = bp("q/big");
	struct jc_error err;
	assert_int_equal(bt->create(ds, &err), 0);
	int e = 0;
	write_bytes(f, 1 << 20, &e);
	assert_int_equal(e, 0);
	struct jc_usage u;
	/* quotas are off: a tree walk */
	assert_int_equal(bt->usage(ds, &u, &err), 0);
	assert_true(u.used >= (1 << 20));
	assert_int_equal(u.quota, 0);
	assert_true(u.available > 0);
	assert_int_equal(bt->set_quota(ds, 0, &err), 0); /* no limit, quotas stay off */

	assert_int_equal(bt->set_quota(ds, 4 << 20, &err), 0);
	assert_int_equal(bt->usage(ds, &u, &err), 0);
	assert_int_equal(u.quota, 4 << 20);
	assert_true(u.used >= (1 << 20));
	assert_true(u.available <= (3 << 20));
	write_bytes(big, 16 << 20, &e);
	assert_int_equal(e, EDQUOT);
	unlink(big);

	/* a restore keeps the limit of the dataset it replaces */
	cleanup_free char *snap = bp("q-snap");
	assert_int_equal(bt->snapshot(ds, snap, &err), 0);
	assert_int_equal(bt->restore(snap, ds, &err), 0);
	assert_int_equal(bt->usage(ds, &u, &err), 0);
	assert_int_equal(u.quota, 4 << 20);
	assert_int_equal(bt->destroy(snap, &err), 0);

	assert_int_equal(bt->set_quota(ds, 0, &err), 0);
	assert_int_equal(bt->usage(ds, &u, &err), 0);
	assert_int_equal(u.quota, 0);
	write_bytes(big, 8 << 20, &e);
	assert_int_equal(e, 0);
	assert_int_equal(bt->destroy(ds, &err), 0);
}

/* ---- setup ---- */

static void setup_btrfs(void)
{
	char tmpl[] = "/tmp/jc-test-btrfs-XXXXXX";
	if (!env.can_mount || !mkdtemp(tmpl))
		return;
	env.btrfs_dir = xstrdup(tmpl);
	cleanup_free char *img = xasprintf("%s/img", tmpl);
	cleanup_free char *mnt = xasprintf("%s/mnt", tmpl);
	int fd = open(img, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 256 << 20) < 0 || mkdir(mnt, 0755) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	char *mkfs[] = { "mkfs.btrfs", "-q", img, NULL };
	/* mount(8) attaches the loop device with autoclear: it goes with the unmount, or with
	 * this mount namespace if the test dies. */
	char *mnt_argv[] = { "mount", "-o", "loop", img, mnt, NULL };
	if (run(mkfs) != 0 || run(mnt_argv) != 0) {
		print_message("btrfs tests skipped: cannot make a loop-mounted btrfs\n");
		return;
	}
	env.btrfs_mnt = steal_ptr(mnt);
}

static void teardown_btrfs(void)
{
	if (env.btrfs_mnt && umount2(env.btrfs_mnt, 0) < 0)
		umount2(env.btrfs_mnt, MNT_DETACH);
	if (env.btrfs_dir) {
		struct jc_error err;
		jc_tree_remove(env.btrfs_dir, NULL, NULL, &err);
	}
	free(env.btrfs_mnt);
	free(env.btrfs_dir);
}

static int group_setup(void **state)
{
	(void)state;
	/* A private mount namespace: every mount made here vanishes with the process. */
	env.can_mount = unshare(CLONE_NEWNS) == 0 &&
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	char tmpl[] = "/tmp/jc-test-storage-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	env.tmp = xstrdup(tmpl);
	setup_btrfs();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	teardown_btrfs();
	/* Overlays left by a failed test must go before the tree. */
	char *mps[] = { "jails/j1/root", "jails/j3/renamed", "jails/j5/root", "rm-tree/a/mnt" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(mps); i++) {
		cleanup_free char *p = xasprintf("%s/%s", env.tmp, mps[i]);
		umount2(p, MNT_DETACH);
	}
	struct jc_error err;
	jc_tree_remove(env.tmp, NULL, NULL, &err);
	free(env.tmp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_copy),
		cmocka_unit_test(test_tree_remove_stops_at_mounts),
		cmocka_unit_test(test_side_files),
		cmocka_unit_test(test_dir_clone_layout),
		cmocka_unit_test(test_dir_overlay_lifecycle),
		cmocka_unit_test(test_dir_clone_of_clone),
		cmocka_unit_test(test_dir_clone_keeps_deletions),
		cmocka_unit_test(test_dir_restore_recovery),
		cmocka_unit_test(test_dir_destroy_spares_lookalikes),
		cmocka_unit_test(test_dir_plain_snapshot),
		cmocka_unit_test(test_btrfs_clone_snapshot),
		cmocka_unit_test(test_btrfs_destroy_recursive),
		cmocka_unit_test(test_btrfs_usage_and_quota),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
