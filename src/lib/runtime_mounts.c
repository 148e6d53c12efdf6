/* The jail's root, built inside its own mount namespace by the child that becomes its
 * init: the storage back end's mount, fstab (nullfs = bind), /proc with the sensitive
 * files masked, read-only /sys, a private /dev, resolv.conf and localtime, then
 * pivot_root. Every path inside the jail is resolved relative to the root's fd with
 * openat2(RESOLVE_IN_ROOT), and every mount is attached to an fd (new mount API), so a
 * symlink planted in the jail can never redirect a mount or a write onto the host. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel_api.h"
#include "runtime_priv.h"
#include "storage.h"
#include "util.h"

static int openat2_fd(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = (unsigned long long)flags | O_CLOEXEC, .resolve = resolve };
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define BENEATH_NOLINKS (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

int rt_open_in_root(int rootfd, const char *path, bool create_dirs, struct jc_error *err)
{
	while (*path == '/')
		path++;
	int fd = openat2_fd(rootfd, *path ? path : ".", O_PATH | O_DIRECTORY, IN_ROOT);
	if (fd >= 0 || fd != -ENOENT || !create_dirs)
		return fd >= 0 ? fd : jc_error_errno(err, -fd, "/%s", path);
	/* Walk down, creating what is missing; each step starts from an fd that is already
	 * known to be inside the root. */
	cleanup_strv char **parts = jc_strsplit(path, "/");
	cleanup_close int cur = openat2_fd(rootfd, ".", O_PATH | O_DIRECTORY, IN_ROOT);
	cleanup_free char *prefix = xstrdup("");
	for (size_t i = 0; cur >= 0 && parts[i]; i++) {
		char *next_prefix = xasprintf("%s%s%s", prefix, *prefix ? "/" : "", parts[i]);
		free(prefix);
		prefix = next_prefix;
		int next = openat2_fd(rootfd, prefix, O_PATH | O_DIRECTORY, IN_ROOT);
		if (next == -ENOENT) {
			if (mkdirat(cur, parts[i], 0755) < 0 && errno != EEXIST)
				return jc_error_errno(err, errno, "/%s: cannot create", prefix);
			next = openat2_fd(cur, parts[i], O_PATH | O_DIRECTORY, BENEATH_NOLINKS);
		}
		if (next < 0)
			return jc_error_errno(err, -next, "/%s", prefix);
		close(cur);
		cur = next;
	}
	if (cur < 0)
		return jc_error_errno(err, -cur, "/%s", path);
	return steal_fd(cur);
}

/* A file to mount over (file bind mounts): created empty when missing. */
static int open_file_in_root(int rootfd, const char *path, struct jc_error *err)
{
	while (*path == '/')
		path++;
	int fd = openat2_fd(rootfd, path, O_PATH, IN_ROOT);
	if (fd != -ENOENT)
		return fd >= 0 ? fd : jc_error_errno(err, -fd, "/%s", path);
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	cleanup_close int dfd = rt_open_in_root(rootfd, slash ? dir : "", true, err);
	if (dfd < 0)
		return dfd;
	int nfd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (nfd < 0 && errno != EEXIST)
		return jc_error_errno(err, errno, "/%s: cannot create", path);
	if (nfd >= 0)
		close(nfd);
	fd = openat2_fd(dfd, base, O_PATH, BENEATH_NOLINKS);
	return fd >= 0 ? fd : jc_error_errno(err, -fd, "/%s", path);
}

/* ---- mounting onto fds ---- */

static int attach(int mfd, int target, const char *what, struct jc_error *err)
{
	if (move_mount(mfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return jc_error_errno(err, errno, "%s: cannot attach mount", what);
	return 0;
}

static int set_attrs(int mfd, unsigned attrs, bool recursive, const char *what,
		     struct jc_error *err)
{
	if (!attrs)
		return 0;
	struct mount_attr a = { .attr_set = attrs };
	if (mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return jc_error_errno(err, errno, "%s: cannot set mount flags", what);
	return 0;
}

/* Bind dirfd/path (a detached copy, made before anything is attached) onto target. */
static int bind_onto(int dirfd, const char *path, int target, bool recursive, unsigned attrs,
		     const char *what, struct jc_error *err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
			 (*path ? 0 : AT_EMPTY_PATH);
	cleanup_close int mfd = open_tree(dirfd, path, flags);
	if (mfd < 0)
		return jc_error_errno(err, errno, "%s: cannot bind", what);
	int r = set_attrs(mfd, attrs, recursive, what, err);
	return r < 0 ? r : attach(mfd, target, what, err);
}

/* options: "key=value,flag,..." handed to fsconfig one by one. */
static int configure(int fsfd, const char *options, const char *what, struct jc_error *err)
{
	cleanup_strv char **opts = jc_strsplit(options ? options : "", ",");
	for (size_t i = 0; opts[i]; i++) {
		char *eq = strchr(opts[i], '=');
		int r;
		if (eq) {
			*eq = '\0';
			r = fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i], eq + 1, 0);
		} else {
			r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		}
		if (r < 0)
			return jc_error_errno(err, errno, "%s: option '%s'", what, opts[i]);
	}
	return 0;
}

/* A new, still detached filesystem instance. */
static int fs_detached(const char *type, const char *source, const char *options, unsigned attrs,
		       int *out_mfd, const char *what, struct jc_error *err)
{
	cleanup_close int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return jc_error_errno(err, errno, "%s: %s", what, type);
	int r = configure(fsfd, options, what, err);
	if (r < 0)
		return r;
	if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return jc_error_errno(err, errno, "%s: source", what);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return jc_error_errno(err, errno, "%s: cannot create %s", what, type);
	*out_mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	if (*out_mfd < 0)
		return jc_error_errno(err, errno, "%s: cannot mount %s", what, type);
	return 0;
}

/* A new filesystem instance attached onto target; returns the mount fd (a dirfd of the
 * new mount's root) when out_mfd is given. */
static int fs_onto(const char *type, const char *source, const char *options, unsigned attrs,
		   int target, int *out_mfd, const char *what, struct jc_error *err)
{
	cleanup_close int mfd = -1;
	int r = fs_detached(type, source, options, attrs, &mfd, what, err);
	if (r == 0)
		r = attach(mfd, target, what, err);
	if (r == 0 && out_mfd)
		*out_mfd = steal_fd(mfd);
	return r;
}

/* ---- fstab ---- */

struct mount_opts {
	unsigned attrs;
	char *rest;      /* filesystem options */
};

static void parse_opts(const char *opts, struct mount_opts *out)
{
	static const struct {
		const char *name;
		unsigned attr;
	} flags[] = {
		{ "ro", MOUNT_ATTR_RDONLY }, { "nosuid", MOUNT_ATTR_NOSUID },
		{ "nodev", MOUNT_ATTR_NODEV }, { "noexec", MOUNT_ATTR_NOEXEC },
		{ "noatime", MOUNT_ATTR_NOATIME }, { "rw", 0 }, { "defaults", 0 },
	};
	out->attrs = 0;
	out->rest = xstrdup("");
	cleanup_strv char **v = jc_strsplit(opts ? opts : "", ",");
	for (size_t i = 0; v[i]; i++) {
		bool known = false;
		for (size_t j = 0; j < JC_ARRAY_SIZE(flags) && !known; j++) {
			if (strcmp(v[i], flags[j].name) == 0) {
				out->attrs |= flags[j].attr;
				known = true;
			}
		}
		if (!known) {
			char *next = xasprintf("%s%s%s", out->rest, *out->rest ? "," : "", v[i]);
			free(out->rest);
			out->rest = next;
		}
	}
}

/* fstab keeps DST as the host path under the jail root; the mount needs it in the jail. */
const char *rt_jail_relative(const char *root, const char *dst)
{
	size_t n = strlen(root);
	if (strncmp(dst, root, n) == 0 && (dst[n] == '/' || dst[n] == '\0'))
		return dst + n;
	return NULL;
}

static bool is_bind(const char *fstype)
{
	return strcmp(fstype, "nullfs") == 0 || strcmp(fstype, "bind") == 0 ||
	       strcmp(fstype, "none") == 0;
}

int rt_fstab_detached(const struct jc_fstab_entry *e, int *out_mfd, bool *out_isdir,
		      struct jc_error *err)
{
	struct mount_opts o;
	parse_opts(e->opts, &o);
	cleanup_free char *rest = o.rest;
	cleanup_free char *what = xasprintf("fstab: %s", e->src);
	/* A basejail's release directories: no device node of a release opens in the jail. */
	if (e->system)
		o.attrs |= MOUNT_ATTR_NODEV;
	*out_isdir = true;
	if (!is_bind(e->fstype))
		return fs_detached(e->fstype, e->src, rest, o.attrs, out_mfd, what, err);
	/* The source is a host path, cloned before anything of the jail is involved. */
	struct stat st;
	if (stat(e->src, &st) < 0)
		return jc_error_errno(err, errno, "%s", what);
	*out_isdir = S_ISDIR(st.st_mode);
	cleanup_close int mfd = open_tree(AT_FDCWD, e->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (mfd < 0)
		return jc_error_errno(err, errno, "%s: cannot bind", what);
	int r = set_attrs(mfd, o.attrs, false, what, err);
	if (r == 0)
		*out_mfd = steal_fd(mfd);
	return r;
}

int rt_fstab_attach(int rootfd, const char *root, const struct jc_fstab_entry *e, int mfd,
		    bool isdir, struct jc_error *err)
{
	const char *dst = rt_jail_relative(root, e->dst);
	if (!dst || !*dst || strcmp(dst, "/") == 0)
		return jc_error_set(err, EINVAL, "fstab: destination %s is not inside the jail root %s",
				    e->dst, root);
	cleanup_free char *what = xasprintf("fstab: %s on %s", e->src, dst);
	cleanup_close int target = isdir ? rt_open_in_root(rootfd, dst, true, err)
					 : open_file_in_root(rootfd, dst, err);
	if (target < 0)
		return jc_error_wrap(err, "%s", what);
	return attach(mfd, target, what, err);
}

int rt_mount_fstab_entry(int rootfd, const char *root, const struct jc_fstab_entry *e,
			 struct jc_error *err)
{
	cleanup_close int mfd = -1;
	bool isdir;
	int r = rt_fstab_detached(e, &mfd, &isdir, err);
	return r < 0 ? r : rt_fstab_attach(rootfd, root, e, mfd, isdir, err);
}

/* ---- /proc, /sys ---- */

static const char *const proc_masked_files[] = {
	"kcore", "keys", "timer_list", "sched_debug", "latency_stats", "timer_stats",
};
static const char *const proc_masked_dirs[] = { "acpi", "scsi" };
static const char *const proc_readonly[] = { "sysrq-trigger", "sys", "bus", "fs", "irq" };

/* sysv* = disable: an IPC namespace in which no queue, semaphore set or segment can be
 * created (the limits are per IPC namespace). */
static void ipc_disable(int procfd)
{
	static const struct {
		const char *file, *value;
	} limits[] = {
		{ "sys/kernel/msgmni", "0" }, { "sys/kernel/sem", "0 0 0 0" },
		{ "sys/kernel/shmmni", "0" }, { "sys/kernel/shmall", "0" },
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(limits); i++) {
		int fd = openat2_fd(procfd, limits[i].file, O_WRONLY, BENEATH_NOLINKS);
		if (fd < 0)
			continue;
		if (write(fd, limits[i].value, strlen(limits[i].value)) < 0) {
			/* best effort: some kernels refuse 0 for shmmni */
		}
		close(fd);
	}
}

static int mask_proc(int procfd, struct jc_error *err)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(proc_masked_files); i++) {
		cleanup_close int t = openat2_fd(procfd, proc_masked_files[i], O_PATH, BENEATH_NOLINKS);
		if (t == -ENOENT)
			continue;
		int r = t < 0 ? jc_error_errno(err, -t, "/proc/%s", proc_masked_files[i])
			      : bind_onto(AT_FDCWD, "/dev/null", t, false, MOUNT_ATTR_RDONLY,
					  proc_masked_files[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < JC_ARRAY_SIZE(proc_masked_dirs); i++) {
		cleanup_close int t = openat2_fd(procfd, proc_masked_dirs[i], O_PATH | O_DIRECTORY,
						 BENEATH_NOLINKS);
		if (t == -ENOENT)
			continue;
		int r = t < 0 ? jc_error_errno(err, -t, "/proc/%s", proc_masked_dirs[i])
			      : fs_onto("tmpfs", "tmpfs", "size=0,mode=0555", MOUNT_ATTR_RDONLY, t,
					NULL, proc_masked_dirs[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < JC_ARRAY_SIZE(proc_readonly); i++) {
		const char *name = proc_readonly[i];
		cleanup_close int t = openat2_fd(procfd, name, O_PATH, BENEATH_NOLINKS);
		if (t == -ENOENT)
			continue;
		int r = t < 0 ? jc_error_errno(err, -t, "/proc/%s", name)
			      : bind_onto(t, "", t, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					  MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int setup_proc(int rootfd, bool no_ipc, struct jc_error *err)
{
	cleanup_close int target = rt_open_in_root(rootfd, "proc", true, err);
	cleanup_close int procfd = -1;
	int r = target < 0 ? target
			   : fs_onto("proc", "proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				     MOUNT_ATTR_NOEXEC, target, &procfd, "/proc", err);
	if (r < 0)
		return r;
	if (no_ipc)
		ipc_disable(procfd);
	return mask_proc(procfd, err);
}

static int setup_sys(int rootfd, struct jc_error *err)
{
	cleanup_close int target = rt_open_in_root(rootfd, "sys", true, err);
	if (target < 0)
		return target;
	return fs_onto("sysfs", "sysfs", NULL, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, target, NULL, "/sys", err);
}

/* ---- /dev ---- */

static int make_node(int devfd, const struct rt_devnode *n, struct jc_error *err)
{
	const char *slash = strchr(n->name, '/');
	if (slash) {
		cleanup_free char *dir = xstrndup(n->name, (size_t)(slash - n->name));
		if (mkdirat(devfd, dir, 0755) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "/dev/%s", dir);
	}
	if (mknodat(devfd, n->name, S_IFCHR | n->mode, makedev(n->major, n->minor)) < 0)
		return jc_error_errno(err, errno, "/dev/%s", n->name);
	return 0;
}

static int dev_submount(int devfd, const char *dir, mode_t mode, const char *type,
			const char *options, unsigned attrs, struct jc_error *err)
{
	cleanup_free char *what = xasprintf("/dev/%s", dir);
	if (mkdirat(devfd, dir, mode) < 0)
		return jc_error_errno(err, errno, "%s", what);
	cleanup_close int t = openat2_fd(devfd, dir, O_PATH | O_DIRECTORY, BENEATH_NOLINKS);
	if (t < 0)
		return jc_error_errno(err, -t, "%s", what);
	return fs_onto(type, type, options, attrs, t, NULL, what, err);
}

static int dev_links(int devfd, bool pts, struct jc_error *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	size_t n = JC_ARRAY_SIZE(links) - (pts ? 0 : 1);
	for (size_t i = 0; i < n; i++)
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0)
			return jc_error_errno(err, errno, "/dev/%s", links[i][1]);
	return 0;
}

static int setup_dev(int rootfd, const struct rt_plan *plan, struct jc_error *err)
{
	cleanup_close int target = rt_open_in_root(rootfd, "dev", true, err);
	cleanup_close int devfd = -1;
	int r = target < 0 ? target
			   : fs_onto("tmpfs", "tmpfs", "mode=0755,size=64k", MOUNT_ATTR_NOSUID |
				     MOUNT_ATTR_NOEXEC, target, &devfd, "/dev", err);
	for (size_t i = 0; r == 0 && i < plan->devfs.n; i++)
		r = make_node(devfd, &plan->devfs.nodes[i], err);
	if (r == 0)
		r = dev_links(devfd, plan->devfs.pts, err);
	if (r == 0 && plan->devfs.pts) {
		cleanup_free char *o = xstrdup("newinstance,ptmxmode=0666,mode=0620,gid=5");
		if (plan->limits.ptys != RT_UNLIMITED) {
			char *more = xasprintf("%s,max=%lld", o, plan->limits.ptys);
			free(o);
			o = more;
		}
		r = dev_submount(devfd, "pts", 0755, "devpts", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
	}
	if (r == 0)
		r = dev_submount(devfd, "shm", 01777, "tmpfs", "mode=1777", MOUNT_ATTR_NOSUID |
				 MOUNT_ATTR_NODEV, err);
	if (r == 0)
		r = dev_submount(devfd, "mqueue", 0755, "mqueue", NULL, MOUNT_ATTR_NOSUID |
				 MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
	return r;
}

/* ---- files in the jail ---- */

/* The file as write_etc_file would leave it: a regular root-owned 0644 file with data. */
static bool etc_file_is(int etcfd, const char *name, const char *data, size_t len)
{
	cleanup_close int fd = openat(etcfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
	    st.st_uid != 0 || st.st_gid != 0 || (size_t)st.st_size != len)
		return false;
	cleanup_free char *have = xmalloc(len + 1);
	return read(fd, have, len + 1) == (ssize_t)len && memcmp(have, data, len) == 0;
}

/* Replace etc/<name> with data, never following a symlink: the old entry (file or
 * symlink) is replaced by rename, and etc itself is resolved inside the root. */
static int write_etc_file(int rootfd, const char *name, const char *data, size_t len,
			  struct jc_error *err)
{
	int etc = openat2_fd(rootfd, "etc", O_PATH | O_DIRECTORY, IN_ROOT);
	if (etc == -ENOENT)
		return 0;   /* an empty jail has no /etc to configure */
	if (etc < 0)
		return jc_error_errno(err, -etc, "/etc");
	cleanup_close int etcfd = etc;
	/* Usually the same at every start. Not rewritten then: replacing a file by rename
	 * makes btrfs start writing it back at once (0.2 ms each). */
	if (etc_file_is(etcfd, name, data, len))
		return 0;
	cleanup_free char *tmp = xasprintf(".%s.jailctl", name);
	unlinkat(etcfd, tmp, 0);
	cleanup_close int fd = openat(etcfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      0644);
	if (fd < 0)
		return jc_error_errno(err, errno, "/etc/%s", name);
	bool ok = write(fd, data, len) == (ssize_t)len && fchmod(fd, 0644) == 0;
	if (!ok || renameat(etcfd, tmp, etcfd, name) < 0) {
		int e = errno;
		unlinkat(etcfd, tmp, 0);
		return jc_error_errno(err, e, "/etc/%s", name);
	}
	return 0;
}

static int pivot(int rootfd, struct jc_error *err)
{
	/* pivot_root(".", ".") stacks the old root on top of the new one; detaching it
	 * leaves the jail root alone, without needing a directory for the old root. */
	if (fchdir(rootfd) < 0)
		return jc_error_errno(err, errno, "jail root: chdir");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return jc_error_errno(err, errno, "jail root: pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return jc_error_errno(err, errno, "jail root: detaching the host root");
	if (chdir("/") < 0)
		return jc_error_errno(err, errno, "jail root: chdir");
	return 0;
}

static int setup_uts(const struct rt_plan *plan, struct jc_error *err)
{
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		return jc_error_errno(err, errno, "hostname '%s'", plan->hostname);
	const char *dom = plan->domainname ? plan->domainname : "";
	if (setdomainname(dom, strlen(dom)) < 0)
		return jc_error_errno(err, errno, "domain name '%s'", dom);
	return 0;
}

static int mount_root(const struct rt_plan *plan, int *out_rootfd, struct jc_error *err)
{
	/* Nothing done from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jc_error_errno(err, errno, "/: cannot make mounts private");
	if (plan->storage && plan->storage->mount) {
		int r = plan->storage->mount(plan->root, err);
		if (r < 0)
			return r;
	}
	/* pivot_root needs a mount point; the bind also makes the root a mount of its own. */
	if (mount(plan->root, plan->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return jc_error_errno(err, errno, "%s: cannot bind", plan->root);
	/* Device nodes work in the jail's own /dev only: one that came with a release or was
	 * put in the jail's tree stays unusable, with or without a devices cgroup (pure
	 * cgroup v2 has none). */
	struct mount_attr nodev = { .attr_set = MOUNT_ATTR_NODEV };
	if (mount_setattr(AT_FDCWD, plan->root, AT_SYMLINK_NOFOLLOW, &nodev, sizeof(nodev)) < 0)
		return jc_error_errno(err, errno, "%s: cannot set nodev", plan->root);
	*out_rootfd = open(plan->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*out_rootfd < 0)
		return jc_error_errno(err, errno, "%s", plan->root);
	return 0;
}

int rt_setup_root(const struct rt_plan *plan, struct jc_error *err)
{
	cleanup_close int rootfd = -1;
	int r = mount_root(plan, &rootfd, err);
	for (size_t i = 0; r == 0 && i < plan->fstab.n; i++)
		r = rt_mount_fstab_entry(rootfd, plan->root, &plan->fstab.entries[i], err);
	if (r == 0)
		r = setup_proc(rootfd, plan->ipc_disable, err);
	if (r == 0)
		r = setup_sys(rootfd, err);
	if (r == 0)
		r = setup_dev(rootfd, plan, err);
	if (r == 0 && plan->resolv)
		r = write_etc_file(rootfd, "resolv.conf", plan->resolv, plan->resolv_len, err);
	if (r == 0 && plan->localtime)
		r = write_etc_file(rootfd, "localtime", plan->localtime, plan->localtime_len, err);
	if (r == 0)
		r = pivot(rootfd, err);
	if (r == 0)
		r = setup_uts(plan, err);
	return r;
}

int rt_loopback_up(struct jc_error *err)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return jc_error_errno(err, errno, "lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return jc_error_errno(err, errno, "lo: cannot bring up");
	return 0;
}
