/* What a jail may touch: the device nodes of its devfs ruleset, the capabilities it keeps
 * (none of the host-level powers) and the seccomp filter that closes kernel interfaces
 * which are not namespaced. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fileio.h"
#include "runtime_priv.h"
#include "util.h"

/* ---- devfs rulesets ---- */

static const struct rt_devnode basic_nodes[] = {
	{ "null", 1, 3, 0666 }, { "zero", 1, 5, 0666 }, { "full", 1, 7, 0666 },
	{ "random", 1, 8, 0666 }, { "urandom", 1, 9, 0666 },
};
static const struct rt_devnode tty_node = { "tty", 5, 0, 0666 };
static const struct rt_devnode tun_node = { "net/tun", 10, 200, 0666 };
static const struct rt_devnode kvm_node = { "kvm", 10, 232, 0660 };

/* FreeBSD's stock rulesets read for Linux: 1 hide_all (a Linux userland still needs the
 * basic nodes, so it gets them), 2 unhide_basic, 3 unhide_login (adds ptys and tty),
 * 4 jail and 5 jail_vnet (as 3: zfs and pf nodes have no Linux counterpart). */
static const char *const ruleset_names[] = {
	NULL, "devfsrules_hide_all", "devfsrules_unhide_basic", "devfsrules_unhide_login",
	"jailctl default", "devfsrules_jail_vnet",
};

const char *rt_devfs_description(int ruleset)
{
	if (ruleset < 1 || ruleset >= (int)JC_ARRAY_SIZE(ruleset_names))
		return "unknown";
	return ruleset_names[ruleset];
}

static void push_node(struct rt_devfs *d, const struct rt_devnode *n)
{
	if (d->n < RT_MAX_DEVNODES)
		d->nodes[d->n++] = *n;
}

int rt_devfs_build(int ruleset, bool allow_tun, bool allow_vmm, struct rt_devfs *out,
		   struct jc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (ruleset < 1 || ruleset >= (int)JC_ARRAY_SIZE(ruleset_names))
		return jc_error_set(err, ENOENT, "devfs_ruleset %d does not exist! - Not starting jail",
				    ruleset);
	out->ruleset = ruleset;
	for (size_t i = 0; i < JC_ARRAY_SIZE(basic_nodes); i++)
		push_node(out, &basic_nodes[i]);
	if (ruleset >= 3) {
		out->pts = true;
		push_node(out, &tty_node);
	}
	if (allow_tun)
		push_node(out, &tun_node);
	if (allow_vmm)
		push_node(out, &kvm_node);
	return 0;
}

size_t rt_devfs_cgroup_rules(const struct rt_devfs *d, char out[][32], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n && n < max; i++)
		snprintf(out[n++], 32, "c %u:%u rwm", d->nodes[i].major, d->nodes[i].minor);
	if (d->pts && n + 2 <= max) {
		snprintf(out[n++], 32, "c 5:2 rwm");     /* ptmx */
		snprintf(out[n++], 32, "c 136:* rwm");   /* the ptys of the jail's devpts */
	}
	return n;
}

/* ---- capabilities ---- */

#define CAPBIT(c) (1ULL << (c))

/* Host-level powers no jail gets: they act on the whole machine, not on the jail's
 * namespaces (modules, raw I/O, clock, reboot, MAC policy, audit, kernel log, BPF,
 * perf, resource overrides, device creation, tracing other processes). */
static const uint64_t always_dropped =
	CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_SYS_MODULE) | CAPBIT(CAP_SYS_RAWIO) |
	CAPBIT(CAP_SYS_TIME) | CAPBIT(CAP_SYS_BOOT) | CAPBIT(CAP_MAC_ADMIN) |
	CAPBIT(CAP_MAC_OVERRIDE) | CAPBIT(CAP_SYS_PTRACE) | CAPBIT(CAP_SYS_PACCT) |
	CAPBIT(CAP_SYSLOG) | CAPBIT(CAP_WAKE_ALARM) | CAPBIT(CAP_BLOCK_SUSPEND) |
	CAPBIT(CAP_AUDIT_CONTROL) | CAPBIT(CAP_AUDIT_READ) | CAPBIT(CAP_MKNOD) |
	CAPBIT(CAP_SYS_RESOURCE) | CAPBIT(CAP_BPF) | CAPBIT(CAP_PERFMON) |
	CAPBIT(CAP_CHECKPOINT_RESTORE) | CAPBIT(CAP_SYS_TTY_CONFIG);

uint64_t rt_caps_keep(const struct rt_privs *p)
{
	uint64_t keep = (CAPBIT(CAP_LAST_CAP) << 1) - 1;
	keep &= ~always_dropped;
	if (!p->allow_chflags)
		keep &= ~CAPBIT(CAP_LINUX_IMMUTABLE);
	if (!p->allow_mlock)
		keep &= ~CAPBIT(CAP_IPC_LOCK);
	if (!p->allow_raw_sockets && !p->bpf)
		keep &= ~CAPBIT(CAP_NET_RAW);
	/* Like a FreeBSD VNET jail, a jail with its own virtual interfaces may configure them;
	 * in any other case interfaces, routes and firewall are the host's business. */
	if (!(p->vnet && p->own_netns))
		keep &= ~CAPBIT(CAP_NET_ADMIN);
	return keep;
}

unsigned rt_seccomp_flags(const struct rt_privs *p)
{
	return (p->allow_mount ? RT_SECCOMP_ALLOW_MOUNT : 0) |
	       (p->allow_quotas ? RT_SECCOMP_ALLOW_QUOTAS : 0) |
	       (p->allow_socket_af ? RT_SECCOMP_ALLOW_SOCKET_AF : 0);
}

int rt_caps_drop_bounding(uint64_t keep, struct jc_error *err)
{
	int max = (int)cap_max_bits();
	for (int c = 0; c < max && c < 64; c++) {
		if (keep & CAPBIT(c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL)
			return jc_error_errno(err, errno, "capability %d: cannot drop from the bounding set", c);
	}
	return 0;
}

int rt_caps_apply(uint64_t keep, struct jc_error *err)
{
	cap_t caps = cap_get_proc();
	if (!caps)
		return jc_error_errno(err, errno, "capabilities: cannot read");
	int max = (int)cap_max_bits();
	int r = cap_clear_flag(caps, CAP_INHERITABLE);
	for (int c = 0; r == 0 && c < max && c < 64; c++) {
		if (keep & CAPBIT(c))
			continue;
		cap_value_t v = (cap_value_t)c;
		r = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
		if (r == 0)
			r = cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_CLEAR);
	}
	if (r == 0)
		r = cap_set_proc(caps);
	int saved = errno;
	cap_free(caps);
	if (r < 0)
		return jc_error_errno(err, saved, "capabilities: cannot set");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return jc_error_errno(err, errno, "capabilities: cannot clear the ambient set");
	return 0;
}

/* ---- seccomp ---- */

/* Kernel interfaces that are not namespaced, or whose capability is dropped anyway
 * (defence in depth): loading code into the kernel, the kernel keyring, swap, BPF and perf,
 * accounting, port I/O, the clock, the kernel log, and file handles (open_by_handle_at
 * can reach files outside the jail root). */
static const char *const denied_syscalls[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"create_module", "open_by_handle_at", "keyctl", "add_key", "request_key", "swapon",
	"swapoff", "bpf", "perf_event_open", "acct", "lookup_dcookie", "iopl", "ioperm",
	"settimeofday", "clock_settime", "stime", "syslog", "nfsservctl", "uselib",
};
static const char *const mount_syscalls[] = {
	"mount", "umount", "umount2", "pivot_root", "move_mount", "fsopen", "fsmount",
	"fsconfig", "fspick", "open_tree", "mount_setattr",
};
static const char *const quota_syscalls[] = { "quotactl", "quotactl_fd" };

/* Socket families of a FreeBSD jail without allow_socket_af: IPv4, IPv6, local and
 * routing sockets (netlink here), plus packet sockets, which CAP_NET_RAW gates. */
static bool af_allowed(int af)
{
	return af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK ||
	       af == AF_PACKET;
}

static int deny_names(scmp_filter_ctx sc, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;   /* not on this architecture */
		int r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int deny_userns(scmp_filter_ctx sc)
{
	/* User namespaces would hand the jail a fresh set of capabilities over new
	 * namespaces; clone3 hides its flags in memory, so it reports ENOSYS and libc falls
	 * back to clone, whose flags a filter can see. */
	int r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

static int deny_socket_families(scmp_filter_ctx sc)
{
	for (int af = 0; af < AF_MAX; af++) {
		if (af_allowed(af))
			continue;
		int r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
					 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af));
		if (r < 0)
			return r;
	}
	return seccomp_rule_add(sc, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
				SCMP_A0(SCMP_CMP_GE, (scmp_datum_t)AF_MAX));
}

static int build_filter(scmp_filter_ctx sc, unsigned flags)
{
	/* Without this libseccomp sets no_new_privs, and setuid programs (su, ping) in the
	 * jail would stop working; the filter is loaded while CAP_SYS_ADMIN is still held. */
	int r = seccomp_attr_set(sc, SCMP_FLTATR_CTL_NNP, 0);
	/* The i386 entry points must not be a way around the filter. x32 is not added: x32
	 * programs, which Debian's kernels run only when booted with syscall.x32=y, are then
	 * killed at their first call (libseccomp's bad-arch action), and the filter loaded at
	 * every start is 192 instructions instead of 226. */
	if (r == 0 && seccomp_arch_native() == SCMP_ARCH_X86_64)
		seccomp_arch_add(sc, SCMP_ARCH_X86);
	if (r == 0)
		r = deny_names(sc, denied_syscalls, JC_ARRAY_SIZE(denied_syscalls));
	if (r == 0 && !(flags & RT_SECCOMP_ALLOW_MOUNT))
		r = deny_names(sc, mount_syscalls, JC_ARRAY_SIZE(mount_syscalls));
	if (r == 0 && !(flags & RT_SECCOMP_ALLOW_QUOTAS))
		r = deny_names(sc, quota_syscalls, JC_ARRAY_SIZE(quota_syscalls));
	if (r == 0)
		r = deny_userns(sc);
	/* On i386 socket() may go through socketcall(), whose arguments a filter cannot
	 * read; the rules still cover the direct syscall everywhere it exists. */
	if (r == 0 && !(flags & RT_SECCOMP_ALLOW_SOCKET_AF))
		r = deny_socket_families(sc);
	return r;
}

void rt_bpf_release(struct rt_bpf *b)
{
	free(b->data);
	*b = (struct rt_bpf){ 0 };
}

int rt_seccomp_compile(unsigned flags, struct rt_bpf *out, struct jc_error *err)
{
	*out = (struct rt_bpf){ 0 };
	scmp_filter_ctx sc = seccomp_init(SCMP_ACT_ALLOW);
	if (!sc)
		return jc_error_set(err, ENOMEM, "seccomp: cannot create a filter");
	cleanup_close int fd = memfd_create("jailctl-seccomp", MFD_CLOEXEC);
	int r = fd < 0 ? -errno : build_filter(sc, flags);
	if (r == 0)
		r = seccomp_export_bpf(sc, fd);
	seccomp_release(sc);
	if (r < 0)
		return jc_error_errno(err, -r, "seccomp: cannot build the filter");
	off_t len = lseek(fd, 0, SEEK_END);
	out->data = xmalloc(len > 0 ? (size_t)len : 1);
	if (len <= 0 || pread(fd, out->data, (size_t)len, 0) != len) {
		rt_bpf_release(out);
		return jc_error_set(err, EIO, "seccomp: cannot read the compiled filter");
	}
	out->len = (size_t)len;
	return 0;
}

/* ---- the compiled filter, cached ---- */

/* libseccomp takes ~1 ms to compile the filter, on every start. Its output depends only on
 * the flags, on this binary (its rules, and the libseccomp linked into it) and on the
 * kernel, whose API level libseccomp probes: all of them are in the cache file's name, so a
 * new binary or kernel never meets an old filter. */
static char *bpf_cache_key(void)
{
	struct stat st;
	struct utsname u;
	if (stat("/proc/self/exe", &st) < 0 || uname(&u) < 0)
		return NULL;
	return xasprintf("seccomp-%lx.%lx.%lx.%lx-%s-", (unsigned long)st.st_dev,
			 (unsigned long)st.st_ino, (unsigned long)st.st_mtim.tv_sec,
			 (unsigned long)st.st_size, u.release);
}

/* Only a file root wrote and nobody else can change, of a sane length, is trusted. */
static int bpf_cache_read(int dirfd, const char *name, struct rt_bpf *out)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) || st.st_size <= 0 || st.st_size > 65536 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) != 0)
		return -1;
	out->data = xmalloc((size_t)st.st_size);
	out->len = (size_t)st.st_size;
	if (pread(fd, out->data, out->len, 0) != st.st_size) {
		rt_bpf_release(out);
		return -1;
	}
	return 0;
}

/* Files of other builds and kernels are dropped when a new one is written, oldest first,
 * down to a few: jailctl and jailctl-full are two binaries (dynlib.h), each with its own
 * files, and dropping every other binary's would make them recompile in turn. */
enum { BPF_CACHE_KEEP = 16 };

struct cache_file {
	char name[256];
	time_t mtime;
};

static int older_first(const void *a, const void *b)
{
	time_t x = ((const struct cache_file *)a)->mtime, y = ((const struct cache_file *)b)->mtime;
	return (x > y) - (x < y);
}

static void bpf_cache_prune(const char *dir)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct cache_file files[64];
	size_t n = 0;
	struct dirent *e;
	struct stat st;
	while (d && (e = readdir(d)) && n < JC_ARRAY_SIZE(files)) {
		if (strncmp(e->d_name, "seccomp-", 8) != 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(files[n].name, sizeof(files[n].name), "%s", e->d_name);
		files[n++].mtime = st.st_mtime;
	}
	qsort(files, n, sizeof(files[0]), older_first);
	/* Room for the one about to be written. */
	for (size_t i = 0; d && n >= BPF_CACHE_KEEP && i <= n - BPF_CACHE_KEEP; i++)
		unlinkat(dirfd(d), files[i].name, 0);
}

int rt_seccomp_compile_cached(const char *cache_dir, unsigned flags, struct rt_bpf *out,
			      struct jc_error *err)
{
	cleanup_free char *key = bpf_cache_key();
	cleanup_free char *name = key ? xasprintf("%s%x.bpf", key, flags) : NULL;
	/* Its own directory, root's only; the run directory itself may not exist yet. */
	if (name)
		mkdir(cache_dir, 0700);
	cleanup_close int dirfd = name ? open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	*out = (struct rt_bpf){ 0 };
	if (dirfd >= 0 && bpf_cache_read(dirfd, name, out) == 0)
		return 0;
	int r = rt_seccomp_compile(flags, out, err);
	if (r < 0 || dirfd < 0)
		return r;
	bpf_cache_prune(cache_dir);
	cleanup_free char *path = xasprintf("%s/%s", cache_dir, name);
	/* Atomic: a crash leaves the whole filter or none, never a shorter one. */
	struct jc_error ignored = { 0 };
	jc_write_file_atomic(path, out->data, out->len, 0600, &ignored);
	return 0;
}

int rt_seccomp_install(const struct rt_bpf *bpf, unsigned flags, struct jc_error *err)
{
	struct rt_bpf own = { 0 };
	if (!bpf || !bpf->len) {
		int r = rt_seccomp_compile(flags, &own, err);
		if (r < 0)
			return r;
		bpf = &own;
	}
	struct sock_fprog prog = {
		.len = (unsigned short)(bpf->len / sizeof(struct sock_filter)),
		.filter = bpf->data,
	};
	/* No SECCOMP_FILTER_FLAG / no_new_privs: the caller still has CAP_SYS_ADMIN. */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	int e = errno;
	rt_bpf_release(&own);
	if (r < 0)
		return jc_error_errno(err, e, "seccomp: cannot load the filter");
	return 0;
}
