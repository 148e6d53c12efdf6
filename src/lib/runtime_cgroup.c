/* A jail's cgroups: jailctl/jailctl-<pool_id>-<NAME> in the cgroup v2 hierarchy (always,
 * if there is one: it tracks the processes and has cgroup.kill) and in the v1 hierarchy
 * of every controller the v2 hierarchy does not have (hybrid hosts). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kernel_api.h"
#include "mountinfo.h"
#include "runtime_priv.h"
#include "util.h"

/* Controllers jailctl sets limits with, by cgroup v1 name; v2 calls blkio "io". */
static const char *const wanted_v1[] = { "memory", "pids", "cpu", "cpuset", "blkio", "devices" };
static const char *const wanted_v2[] = { "memory", "pids", "cpu", "cpuset", "io" };

enum { KILL_WAIT_MS = 10000 };

void rt_cgroups_release(struct rt_cgroups *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->paths[i]);
		free(cg->controllers[i]);
	}
	memset(cg, 0, sizeof(*cg));
}

/* The v2 cgroup, when there is one, is always first (rt_cgroups_create): where the v1
 * ones begin. */
static size_t first_v1(const struct rt_cgroups *cg)
{
	return cg->n > 0 && strcmp(cg->controllers[0], "v2") == 0 ? 1 : 0;
}

static int write_file(const char *dir, const char *file, const char *value)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		return -errno;
	return 0;
}

static char *read_small(const char *dir, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	char *text = NULL;
	if (rt_read_text(path, &text) < 0)
		return NULL;
	return jc_strstrip(text);
}

/* ---- finding the hierarchies ---- */

struct hier {
	char *mnt;
	char *opts;     /* super options: the v1 controllers */
	bool v2;
};

struct hiers {
	struct hier h[24];
	size_t n;
};

static void hiers_release(struct hiers *hs)
{
	for (size_t i = 0; i < hs->n; i++) {
		free(hs->h[i].mnt);
		free(hs->h[i].opts);
	}
}

static int scan_hiers(const struct jc_ctx *ctx, struct hiers *hs, struct jc_error *err)
{
	struct jc_mount *m = NULL;
	int r = jc_mountinfo_read_cached(ctx->paths.mountinfo, ctx->paths.run_dir, false, &m, err);
	for (size_t i = 0; r == 0 && m[i].target && hs->n < JC_ARRAY_SIZE(hs->h); i++) {
		bool v2 = strcmp(m[i].fstype, "cgroup2") == 0;
		if (v2 || strcmp(m[i].fstype, "cgroup") == 0)
			hs->h[hs->n++] = (struct hier){ xstrdup(m[i].target), xstrdup(m[i].super_opts),
							v2 };
	}
	jc_mountinfo_free(m);
	return r;
}

static bool has_token(const char *list, const char *tok, const char *seps)
{
	cleanup_strv char **v = jc_strsplit(list ? list : "", seps);
	for (size_t i = 0; v[i]; i++)
		if (strcmp(v[i], tok) == 0)
			return true;
	return false;
}

static const struct hier *find_v2(const struct hiers *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hs->h[i].v2)
			return &hs->h[i];
	return NULL;
}

static const struct hier *find_v1(const struct hiers *hs, const char *controller)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!hs->h[i].v2 && has_token(hs->h[i].opts, controller, ","))
			return &hs->h[i];
	return NULL;
}

/* ---- creating ---- */

static void add_cgroup(struct rt_cgroups *cg, const char *path, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->paths[i], path) == 0)
			return;   /* co-mounted controllers (cpu,cpuacct) share one directory */
	if (cg->n < RT_MAX_CGROUPS) {
		cg->paths[cg->n] = xstrdup(path);
		cg->controllers[cg->n++] = xstrdup(controller);
	}
}

static int make_dir(const char *path, struct jc_error *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

/* A v1 cpuset starts with no CPUs and no memory nodes: copy the parent's. */
static int cpuset_inherit(const char *dir, const char *parent, struct jc_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(files); i++) {
		cleanup_free char *cur = read_small(dir, files[i]);
		if (cur && *cur)
			continue;
		cleanup_free char *val = read_small(parent, files[i]);
		int r = val ? write_file(dir, files[i], val) : -ENOENT;
		if (r < 0)
			return jc_error_errno(err, -r, "%s/%s", dir, files[i]);
	}
	return 0;
}

static int v2_enable(const char *dir, const char *available, struct jc_error *err)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(wanted_v2); i++) {
		if (!has_token(available, wanted_v2[i], " "))
			continue;
		cleanup_free char *v = xasprintf("+%s", wanted_v2[i]);
		int r = write_file(dir, "cgroup.subtree_control", v);
		if (r < 0 && r != -EBUSY)
			return jc_error_errno(err, -r, "%s/cgroup.subtree_control: %s", dir, v);
	}
	return 0;
}

static int create_v2(const struct hier *h, const char *leaf, struct rt_cgroups *out,
		     char **v2_controllers, struct jc_error *err)
{
	*v2_controllers = read_small(h->mnt, "cgroup.controllers");
	if (!*v2_controllers)
		*v2_controllers = xstrdup("");
	cleanup_free char *parent = xasprintf("%s/jailctl", h->mnt);
	cleanup_free char *dir = xasprintf("%s/%s", parent, leaf);
	int r = v2_enable(h->mnt, *v2_controllers, err);
	if (r == 0)
		r = make_dir(parent, err);
	if (r == 0)
		r = v2_enable(parent, *v2_controllers, err);
	if (r == 0)
		r = make_dir(dir, err);
	if (r == 0)
		add_cgroup(out, dir, "v2");
	return r;
}

/* dir is <hierarchy>/jailctl/<leaf>. */
static int create_v1(const char *dir, const char *controller, struct jc_error *err)
{
	cleanup_free char *parent = xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	cleanup_free char *mnt = xstrdup(parent);
	*strrchr(mnt, '/') = '\0';
	bool cpuset = strcmp(controller, "cpuset") == 0;
	int r = make_dir(parent, err);
	if (r == 0 && cpuset)
		r = cpuset_inherit(parent, mnt, err);
	if (r == 0)
		r = make_dir(dir, err);
	if (r == 0 && cpuset)
		r = cpuset_inherit(dir, parent, err);
	return r;
}

static int name_and_create_v2(struct jc_ctx *ctx, const char *leaf, struct rt_cgroups *out,
			       struct jc_error *err)
{
	struct hiers hs = { 0 };
	int r = scan_hiers(ctx, &hs, err);
	cleanup_free char *v2c = NULL;
	const struct hier *v2 = r == 0 ? find_v2(&hs) : NULL;
	if (v2)
		r = create_v2(v2, leaf, out, &v2c, err);
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(wanted_v1); i++) {
		const char *c = wanted_v1[i];
		const char *v2name = strcmp(c, "blkio") == 0 ? "io" : c;
		if (v2c && has_token(v2c, v2name, " "))
			continue;
		const struct hier *h = find_v1(&hs, c);
		if (h) {
			cleanup_free char *dir = xasprintf("%s/jailctl/%s", h->mnt, leaf);
			add_cgroup(out, dir, c);
		}
	}
	hiers_release(&hs);
	if (r == 0 && out->n == 0)
		r = jc_error_set(err, ENOENT, "no cgroup hierarchy is mounted (see %s)",
				 ctx->paths.mountinfo);
	return r;
}

/* ---- the pool's disk, for I/O limits ---- */

static char *whole_disk(unsigned maj, unsigned min)
{
	/* Throttling applies to whole disks: a partition is replaced by its parent. */
	cleanup_free char *part = xasprintf("/sys/dev/block/%u:%u/partition", maj, min);
	if (access(part, F_OK) == 0) {
		cleanup_free char *pdev = xasprintf("/sys/dev/block/%u:%u/../dev", maj, min);
		char *text = NULL;
		if (rt_read_text(pdev, &text) == 0)
			return jc_strstrip(text);
	}
	return xasprintf("%u:%u", maj, min);
}

/* The block device under the pool: the source of the mount that holds it, when that is a
 * block device (btrfs reports an anonymous st_dev, so st_dev alone does not do). */
static char *pool_blkdev(const struct jc_ctx *ctx)
{
	struct jc_mount *m = NULL;
	struct jc_error ignored;
	if (!ctx->pool || jc_mountinfo_read_cached(ctx->paths.mountinfo, ctx->paths.run_dir, false,
						   &m, &ignored) < 0) {
		jc_mountinfo_free(m);
		return NULL;
	}
	const char *best_src = NULL;
	size_t best_len = 0;
	for (size_t i = 0; m[i].target; i++) {
		const char *t = m[i].target;
		size_t len = strlen(t);
		bool inside = strcmp(t, "/") == 0 ||
			      (strncmp(ctx->pool, t, len) == 0 && (ctx->pool[len] == '/' || !ctx->pool[len]));
		if (inside && len >= best_len) {
			best_src = m[i].source;
			best_len = len;
		}
	}
	struct stat st;
	bool blk = best_src && stat(best_src, &st) == 0 && S_ISBLK(st.st_mode);
	jc_mountinfo_free(m);
	return blk ? whole_disk(major(st.st_rdev), minor(st.st_rdev)) : NULL;
}

/* ---- writing limits ---- */

static bool has_io(const struct rt_limits *l)
{
	return l->rbps != RT_UNLIMITED || l->wbps != RT_UNLIMITED || l->riops != RT_UNLIMITED ||
	       l->wiops != RT_UNLIMITED;
}

static int write_setting(const char *dir, const struct rt_cg_setting *s, struct jc_error *err)
{
	const char *value = s->value;
	cleanup_free char *parent = NULL, *inherited = NULL;
	if (strcmp(s->file, "cpuset.cpus") == 0 && !*value) {
		/* cpuset off: the parent's CPUs (v2 accepts the empty string, v1 does not). */
		parent = xstrdup(dir);
		*strrchr(parent, '/') = '\0';
		inherited = read_small(parent, "cpuset.cpus.effective");
		if (!inherited)
			inherited = read_small(parent, "cpuset.cpus");
		value = inherited ? inherited : "";
	}
	int r = write_file(dir, s->file, value);
	/* memsw exists only with swap accounting; without it there is nothing to limit. */
	if (r == -ENOENT && strstr(s->file, "memsw"))
		return 0;
	if (r < 0)
		return jc_error_errno(err, -r, "%s/%s: cannot write '%s'", dir, s->file, value);
	return 0;
}

static int apply_to(const struct rt_cgroups *cg, size_t from, size_t to, const struct rt_limits *l,
		    bool all, const char *blkdev, struct jc_error *err)
{
	for (size_t i = from; i < to; i++) {
		bool v2 = strcmp(cg->controllers[i], "v2") == 0;
		struct rt_cg_setting set[RT_MAX_SETTINGS];
		size_t n = rt_cgroup_settings(l, v2, all, blkdev, set);
		for (size_t j = 0; j < n; j++) {
			if (!v2 && strcmp(set[j].controller, cg->controllers[i]) != 0)
				continue;
			if (v2) {
				/* Only controllers enabled for the jail's cgroup have files. */
				cleanup_free char *f = xasprintf("%s/%s", cg->paths[i], set[j].file);
				if (access(f, F_OK) < 0)
					continue;
			}
			int r = write_setting(cg->paths[i], &set[j], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int deny_devices(const struct rt_cgroups *cg, size_t from, const struct rt_devfs *d,
			struct jc_error *err)
{
	for (size_t i = from; i < cg->n; i++) {
		if (strcmp(cg->controllers[i], "devices") != 0)
			continue;
		int r = write_file(cg->paths[i], "devices.deny", "a");
		char rules[RT_MAX_DEVNODES + 2][32];
		size_t n = rt_devfs_cgroup_rules(d, rules, JC_ARRAY_SIZE(rules));
		for (size_t j = 0; r == 0 && j < n; j++)
			r = write_file(cg->paths[i], "devices.allow", rules[j]);
		if (r < 0)
			return jc_error_errno(err, -r, "%s: device rules", cg->paths[i]);
	}
	return 0;
}

static bool has_controller(const struct rt_cgroups *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->controllers[i], controller) == 0)
			return true;
	return false;
}

/* Pure cgroup v2 hosts: a BPF program does the devices controller's work. Where a v1
 * devices hierarchy applies the rules (hybrid hosts) it is not added: loading and attaching
 * it costs a start up to 0.8 ms here. */
static int v2_device_rules(const struct rt_cgroups *cg, const struct rt_devfs *d,
			   struct jc_error *err)
{
	if (cg->n == 0 || strcmp(cg->controllers[0], "v2") != 0 || has_controller(cg, "devices"))
		return 0;
	return rt_devcg_attach(cg->paths[0], d, err);
}

static void warn_io(struct jc_ctx *ctx, const char *name, const struct rt_limits *l,
		    const char *blkdev)
{
	if (has_io(l) && !blkdev)
		jc_warning(ctx, "%s: the pool's disk is unknown, I/O limits (readbps, writebps, "
			   "readiops, writeiops) are not applied", name);
}

int rt_cgroups_create(struct jc_ctx *ctx, const char *name, const struct rt_plan *plan,
		      struct rt_cgroups *out, struct jc_error *err)
{
	memset(out, 0, sizeof(*out));
	cleanup_free char *leaf = xasprintf("jailctl-%s-%s", ctx->pool_id, name);
	int r = name_and_create_v2(ctx, leaf, out, err);
	cleanup_free char *blkdev = has_io(&plan->limits) ? pool_blkdev(ctx) : NULL;
	if (r == 0)
		r = apply_to(out, 0, first_v1(out), &plan->limits, false, blkdev, err);
	if (r == 0)
		r = v2_device_rules(out, &plan->devfs, err);
	if (r < 0) {
		struct jc_error ignored = { 0 };
		rt_cgroups_destroy(out, &ignored);
		rt_cgroups_release(out);
		return jc_error_wrap(err, "%s: cgroup", name);
	}
	warn_io(ctx, name, &plan->limits, blkdev);
	return 0;
}

int rt_cgroups_create_rest(struct jc_ctx *ctx, const char *name, const struct rt_plan *plan,
			   struct rt_cgroups *cg, struct jc_error *err)
{
	int r = 0;
	size_t v1 = first_v1(cg);
	for (size_t i = v1; r == 0 && i < cg->n; i++)
		r = create_v1(cg->paths[i], cg->controllers[i], err);
	cleanup_free char *blkdev = has_io(&plan->limits) ? pool_blkdev(ctx) : NULL;
	if (r == 0)
		r = deny_devices(cg, v1, &plan->devfs, err);
	if (r == 0)
		r = apply_to(cg, v1, cg->n, &plan->limits, false, blkdev, err);
	return r < 0 ? jc_error_wrap(err, "%s: cgroup", name) : 0;
}

int rt_cgroups_apply(struct jc_ctx *ctx, const struct rt_cgroups *cg, const struct rt_limits *l,
		     struct jc_error *err)
{
	cleanup_free char *blkdev = pool_blkdev(ctx);
	return apply_to(cg, 0, cg->n, l, true, blkdev, err);
}

int rt_cgroups_attach(const struct rt_cgroups *cg, pid_t pid, struct jc_error *err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		int r = write_file(cg->paths[i], "cgroup.procs", buf);
		if (r < 0)
			return jc_error_errno(err, -r, "%s: cannot join", cg->paths[i]);
	}
	return 0;
}

int rt_cgroup_v2_fd(const struct rt_cgroups *cg)
{
	return first_v1(cg) == 1 ? open(cg->paths[0], O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
}

#if defined(__x86_64__)
/* As glibc's vfork: the return address is kept in a register across the syscall and put
 * back after it, in the parent and in the child alike, so nothing the child calls can
 * overwrite the one the parent returns through. */
__asm__(".text\n"
	".globl rt_clone3_shared_vm\n"
	".type rt_clone3_shared_vm,@function\n"
	"rt_clone3_shared_vm:\n"
	"	pop %rdx\n"
	"	mov $435, %eax\n"   /* __NR_clone3 */
	"	syscall\n"
	"	push %rdx\n"
	"	ret\n"
	".size rt_clone3_shared_vm, .-rt_clone3_shared_vm\n");
#else
long rt_clone3_shared_vm(struct clone_args *args, size_t size)
{
	(void)args;
	(void)size;
	return -ENOSYS;
}
#endif

/* No clone3 (kernel < 5.7) or no CLONE_INTO_CGROUP: fork, the child then joins the slow
 * way. CLONE_NEWPID is the only extra flag callers use. */
static pid_t fork_fallback(unsigned long long extra, int *out_pidfd)
{
	cleanup_close int self_ns = -1;
	if (extra & CLONE_NEWPID) {
		self_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self_ns < 0 || unshare(CLONE_NEWPID) < 0)
			return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		return 0;
	int e = errno;
	if (self_ns >= 0)
		setns(self_ns, CLONE_NEWPID);
	if (pid > 0 && out_pidfd)
		*out_pidfd = pidfd_open(pid, 0);
	errno = e;
	return pid;
}

pid_t rt_fork_into_cgroup(const struct rt_cgroups *cg, unsigned long long extra, int *out_pidfd,
			  bool *v2_joined)
{
	*v2_joined = false;
	if (out_pidfd)
		*out_pidfd = -1;
	cleanup_close int cgfd = -1;
	if (first_v1(cg) == 1)
		cgfd = open(cg->paths[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	int pidfd = -1;
	struct clone_args args = {
		.flags = extra | CLONE_PIDFD | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0,
	};
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return fork_fallback(extra, out_pidfd);
	if (pid == 0) {
		*v2_joined = cgfd >= 0;
		return 0;
	}
	if (pid > 0 && out_pidfd)
		*out_pidfd = pidfd;
	else if (pidfd >= 0)
		close(pidfd);
	return pid;
}

int rt_cgroups_join_self(const struct rt_cgroups *cg, bool v2_joined, struct jc_error *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		bool v2 = strcmp(cg->controllers[i], "v2") == 0;
		if (v2 && v2_joined)
			continue;
		int r = write_file(cg->paths[i], v2 ? "cgroup.procs" : "tasks", "0");
		if (r < 0)
			return jc_error_errno(err, -r, "%s: cannot join", cg->paths[i]);
	}
	return 0;
}

/* ---- killing and removing ---- */

static pid_t *read_procs(const char *dir, size_t *n)
{
	cleanup_free char *text = read_small(dir, "cgroup.procs");
	*n = 0;
	if (!text)
		return NULL;
	cleanup_strv char **v = jc_strsplit(text, "\n");
	pid_t *pids = xcalloc(jc_strv_len(v) + 1, sizeof(pid_t));
	for (size_t i = 0; v[i]; i++) {
		long p;
		if (jc_parse_long(v[i], &p) == 0 && p > 0)
			pids[(*n)++] = (pid_t)p;
	}
	return pids;
}

int rt_cgroups_signal(const struct rt_cgroups *cg, int sig, pid_t skip)
{
	if (cg->n == 0)
		return 0;
	size_t n = 0;
	cleanup_free pid_t *pids = read_procs(cg->paths[0], &n);
	for (size_t i = 0; i < n; i++)
		if (pids[i] != skip)
			kill(pids[i], sig);
	return (int)n;
}

/* SIGKILL every process and wait on each one's pidfd until it is gone; repeat while
 * anything is left (a process may have forked before the signal landed). */
static int kill_and_wait(const char *dir, struct jc_error *err)
{
	for (int round = 0; round < 100; round++) {
		size_t n = 0;
		cleanup_free pid_t *pids = read_procs(dir, &n);
		if (n == 0)
			return 0;
		for (size_t i = 0; i < n; i++) {
			cleanup_close int pfd = pidfd_open(pids[i], 0);
			if (pfd < 0)
				continue;
			pidfd_send_signal(pfd, SIGKILL, NULL, 0);
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			if (poll(&p, 1, KILL_WAIT_MS) == 0)
				return jc_error_set(err, ETIMEDOUT, "%s: process %d does not die",
						    dir, (int)pids[i]);
		}
	}
	return jc_error_set(err, EBUSY, "%s: processes keep appearing", dir);
}

/* v2: cgroup.kill, then wait for "populated 0" in cgroup.events (it signals POLLPRI). */
static bool v2_kill_wait(const char *dir)
{
	cleanup_free char *events = xasprintf("%s/cgroup.events", dir);
	cleanup_close int fd = open(events, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || write_file(dir, "cgroup.kill", "1") < 0)
		return false;
	for (int i = 0; i < 1000; i++) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return false;
		buf[n] = '\0';
		if (strstr(buf, "populated 0"))
			return true;
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		if (poll(&p, 1, KILL_WAIT_MS) <= 0)
			return false;
	}
	return false;
}

int rt_cgroups_destroy(const struct rt_cgroups *cg, struct jc_error *err)
{
	int ret = 0;
	for (size_t i = 0; i < cg->n; i++) {
		/* Usually empty already (the init's death took its pid namespace along): then
		 * one rmdir is all, without reading cgroup.procs in every hierarchy. */
		if (rmdir(cg->paths[i]) == 0 || errno == ENOENT)
			continue;
		bool done = strcmp(cg->controllers[i], "v2") == 0 && v2_kill_wait(cg->paths[i]);
		int r = done ? 0 : kill_and_wait(cg->paths[i], err);
		if (r == 0 && rmdir(cg->paths[i]) < 0 && errno != ENOENT)
			r = jc_error_errno(err, errno, "%s: cannot remove", cg->paths[i]);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- trimming the page cache of a started jail ---- */

/* Below this, a trim is not worth its cost (docs/runtime.md, "Memory of an idle jail"). */
enum { TRIM_MIN_BYTES = 512 * 1024 };

struct memcg {
	const char *dir;
	bool v2;
};

/* The jail's memory cgroup: v1 "memory" (hybrid hosts), else the v2 cgroup when the memory
 * controller is enabled there (its memory.reclaim exists). */
static bool find_memcg(const struct rt_cgroups *cg, struct memcg *out)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (strcmp(cg->controllers[i], "memory") == 0) {
			*out = (struct memcg){ cg->paths[i], false };
			return true;
		}
	}
	if (first_v1(cg) == 0)
		return false;
	cleanup_free char *f = xasprintf("%s/memory.reclaim", cg->paths[0]);
	*out = (struct memcg){ cg->paths[0], true };
	return access(f, W_OK) == 0;
}

static long long stat_value(char **lines, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; lines[i]; i++) {
		long v;
		if (strncmp(lines[i], key, klen) == 0 && lines[i][klen] == ' ' &&
		    jc_parse_long(lines[i] + klen + 1, &v) == 0)
			return v;
	}
	return 0;
}

/* Page cache that reclaim can drop without hurting a running process: not shmem (it
 * needs swap) and not mapped (the jail's processes would fault it right back). */
static long long trimmable_bytes(const struct memcg *m)
{
	cleanup_free char *text = read_small(m->dir, "memory.stat");
	if (!text)
		return -1;
	cleanup_strv char **lines = jc_strsplit(text, "\n");
	long long v = stat_value(lines, m->v2 ? "file" : "cache") - stat_value(lines, "shmem") -
		      stat_value(lines, m->v2 ? "file_mapped" : "mapped_file");
	return v > 0 ? v : 0;
}

/* v1 force_empty reclaims, tasks present or not (3.16+), until the cgroup is empty or
 * reclaim fails five times, anonymous memory included when there is swap. The cgroup's
 * swappiness 0 confines it to the page cache (memcg reclaim then never swaps); the old
 * value goes back. */
static int trim_v1(const char *dir)
{
	cleanup_free char *old = read_small(dir, "memory.swappiness");
	if (!old)
		return -ENOENT;
	bool swap_off = strcmp(old, "0") == 0;
	int r = swap_off ? 0 : write_file(dir, "memory.swappiness", "0");
	if (r < 0)
		return r;   /* no reclaim that could swap the jail's processes out */
	r = write_file(dir, "memory.force_empty", "0");
	int rs = swap_off ? 0 : write_file(dir, "memory.swappiness", old);
	return r < 0 ? r : rs;
}

/* v2 memory.reclaim of just that many bytes, page cache only where the kernel knows
 * "swappiness=0" (older ones: EINVAL); -EAGAIN means it reclaimed less than asked, fine. */
static int trim_v2(const char *dir, long long bytes)
{
	char req[48];
	snprintf(req, sizeof(req), "%lld swappiness=0", bytes);
	int r = write_file(dir, "memory.reclaim", req);
	if (r == -EINVAL) {
		*strchr(req, ' ') = '\0';
		r = write_file(dir, "memory.reclaim", req);
	}
	return r == -EAGAIN ? 0 : r;
}

static long long elapsed_us(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000LL + (t.tv_nsec - t0->tv_nsec) / 1000;
}

void rt_cgroups_trim(const struct jc_ctx *ctx, const char *name, const struct rt_cgroups *cg)
{
	struct memcg m;
	if (!find_memcg(cg, &m))
		return;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long long bytes = trimmable_bytes(&m);
	if (bytes < TRIM_MIN_BYTES) {
		jc_debug(ctx, "%s: %lld KiB of page cache, not trimmed", name, bytes / 1024);
		return;
	}
	int r = m.v2 ? trim_v2(m.dir, bytes) : trim_v1(m.dir);
	long long us = elapsed_us(&t0);
	if (r < 0)
		jc_debug(ctx, "%s: trimming the page cache (%s): %s", name, m.dir, strerror(-r));
	else if (ctx->debug)   /* the second memory.stat read is for this message only */
		jc_debug(ctx, "%s: page cache trimmed from %lld to %lld KiB in %lld us", name,
			 bytes / 1024, trimmable_bytes(&m) / 1024, us);
}
