/* Changes to a running jail: fstab entries mounted or unmounted in its mount namespace,
 * limits rewritten in its cgroups, its hostname set in its UTS namespace. A mount is
 * made on the host side (the source is opened before anything of the jail is touched)
 * and only attached from inside, by a short-lived child that joined the jail's mount
 * namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_api.h"
#include "runtime_priv.h"
#include "util.h"

/* Run fn in a child that has joined the namespaces ns of the jail's init; its error
 * comes back through a pipe. */
typedef int (*in_jail_fn)(void *arg, struct jc_error *err);

static int run_in_ns(int pidfd, int ns, in_jail_fn fn, void *arg, struct jc_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return jc_error_errno(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		struct jc_error e = { 0 };
		int r = setns(pidfd, ns) < 0 ? jc_error_errno(&e, errno, "cannot enter the jail") : fn(arg, &e);
		if (r < 0 && write(p[1], e.msg, strlen(e.msg)) < 0)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	char msg[JC_ERROR_MSG_MAX];
	ssize_t n;
	while ((n = read(p[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = '\0';
		return jc_error_set(err, EIO, "%s", msg);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return jc_error_set(err, EIO, "the helper in the jail failed");
	return 0;
}

/* The running jail's state and a pidfd on its init; 0 when not running. */
static int open_jail(struct jc_ctx *ctx, const struct jc_jail *jail, struct rt_state *st,
		     int *pidfd, struct jc_error *err)
{
	int r = rt_state_probe(ctx, jail->name, RT_PROBE_CLEAN, st, err);
	if (r <= 0)
		return r;
	*pidfd = rt_pidfd_checked(st->init_pid, st->init_start);
	return *pidfd < 0 ? 0 : 1;
}

/* A pidfd of the init of a jail that must be running. */
static int running_pidfd(struct jc_ctx *ctx, const struct jc_jail *jail, int *pidfd,
			 struct jc_error *err)
{
	struct rt_state st;
	int r = open_jail(ctx, jail, &st, pidfd, err);
	rt_state_release(&st);
	if (r == 0)
		r = jc_error_set(err, ESRCH, "%s is not running!", jail->name);
	return r < 0 ? r : 0;
}

struct attach_arg {
	const struct jc_jail *jail;
	const struct jc_fstab_entry *e;
	int mfd;
	bool isdir;
};

static int attach_in_jail(void *arg, struct jc_error *err)
{
	struct attach_arg *a = arg;
	/* After setns the root is the jail's: resolve the destination from there. */
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jc_error_errno(err, errno, "/");
	return rt_fstab_attach(rootfd, a->jail->root, a->e, a->mfd, a->isdir, err);
}

int jc_runtime_mount_entry(struct jc_ctx *ctx, const struct jc_jail *jail,
			   const struct jc_fstab_entry *entry, struct jc_error *err)
{
	cleanup_close int pfd = -1, mfd = -1;
	int r = running_pidfd(ctx, jail, &pfd, err);
	if (r < 0)
		return r;
	struct attach_arg a = { .jail = jail, .e = entry };
	r = rt_fstab_detached(entry, &mfd, &a.isdir, err);
	a.mfd = mfd;
	if (r == 0)
		r = run_in_ns(pfd, CLONE_NEWNS, attach_in_jail, &a, err);
	return r < 0 ? jc_error_wrap(err, "%s", jail->name) : 0;
}

static int umount_in_jail(void *arg, struct jc_error *err)
{
	const char *dst = arg;
	if (umount2(dst, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return jc_error_errno(err, errno, "%s: cannot unmount", dst);
	return 0;
}

int jc_runtime_umount_entry(struct jc_ctx *ctx, const struct jc_jail *jail,
			    const struct jc_fstab_entry *entry, struct jc_error *err)
{
	const char *dst = rt_jail_relative(jail->root, entry->dst);
	if (!dst || !*dst)
		return jc_error_set(err, EINVAL, "%s: fstab destination %s is not inside the jail root",
				    jail->name, entry->dst);
	cleanup_close int pfd = -1;
	int r = running_pidfd(ctx, jail, &pfd, err);
	if (r < 0)
		return r;
	r = run_in_ns(pfd, CLONE_NEWNS, umount_in_jail, (void *)dst, err);
	return r < 0 ? jc_error_wrap(err, "%s", jail->name) : 0;
}

static int set_uts(void *arg, struct jc_error *err)
{
	char **names = arg;
	if (sethostname(names[0], strlen(names[0])) < 0)
		return jc_error_errno(err, errno, "hostname '%s'", names[0]);
	if (setdomainname(names[1], strlen(names[1])) < 0)
		return jc_error_errno(err, errno, "domain name '%s'", names[1]);
	return 0;
}

static int apply_uts(const struct jc_jail *jail, int pidfd, struct jc_error *err)
{
	cleanup_free char *hh = jc_jail_get(jail, "host_hostname");
	cleanup_free char *host = rt_hostname_for(jail->name, hh);
	cleanup_free char *dom = jc_jail_get(jail, "host_domainname");
	char *names[2] = { host, dom && strcmp(dom, "none") != 0 ? dom : (char *)"" };
	return run_in_ns(pidfd, CLONE_NEWUTS, set_uts, names, err);
}

/* Limits that live in cgroups; rlimits bind only processes started afterwards. */
static const char *const live_limit_keys[] = {
	"memoryuse", "swapuse", "pcpu", "maxproc", "nthr", "cpuset",
	"readbps", "writebps", "readiops", "writeiops",
};

static const char *const rlimit_keys[] = {
	"openfiles", "memorylocked", "vmemoryuse", "datasize", "stacksize", "coredumpsize", "cputime",
};

static bool is_rlimit_key(const char *key)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(rlimit_keys); i++)
		if (strcmp(key, rlimit_keys[i]) == 0)
			return true;
	return false;
}

static void lower_running(const char *cgroup, const struct rt_limits *l)
{
	cleanup_free char *path = xasprintf("%s/cgroup.procs", cgroup);
	cleanup_free char *text = NULL;
	if (rt_read_text(path, &text) < 0)
		return;
	cleanup_strv char **pids = jc_strsplit(text, "\n");
	for (size_t i = 0; pids[i]; i++) {
		long pid;
		if (jc_parse_long(pids[i], &pid) < 0)
			continue;
		for (size_t j = 0; j < l->nrlimits; j++) {
			struct rlimit cur;
			if (prlimit((pid_t)pid, l->rlimits[j].resource, NULL, &cur) < 0 ||
			    l->rlimits[j].value >= cur.rlim_max)
				continue;
			cur.rlim_max = l->rlimits[j].value;
			if (cur.rlim_cur > cur.rlim_max)
				cur.rlim_cur = cur.rlim_max;
			prlimit((pid_t)pid, l->rlimits[j].resource, &cur, NULL);
		}
	}
}

static bool is_limit_key(const char *key)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(live_limit_keys); i++)
		if (strcmp(key, live_limit_keys[i]) == 0)
			return true;
	return false;
}

static int apply_limits(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
			struct jc_error *err)
{
	struct rt_limits l;
	rt_limits_init(&l);
	int r = 0;
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(live_limit_keys); i++) {
		cleanup_free char *v = jc_jail_get(jail, live_limit_keys[i]);
		cleanup_free char *warning = NULL;
		r = rt_limits_set(&l, live_limit_keys[i], v, &warning, err);
		if (warning)
			jc_warning(ctx, "%s: %s", jail->name, warning);
	}
	if (r == 0)
		r = rt_cgroups_apply(ctx, &st->cg, &l, err);
	rt_limits_release(&l);
	return r;
}

/* rlimits: recorded for processes exec'd from now on, and lowered on the running ones
 * (raising a hard limit needs CAP_SYS_RESOURCE, which jailctl does not count on). */
static int apply_rlimits(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	cleanup_close int lock = -1;
	int r = rt_runtime_lock(ctx, jail->name, false, &lock, err);
	struct rt_state st;
	int pidfd = -1;
	if (r == 0)
		r = open_jail(ctx, jail, &st, &pidfd, err);
	cleanup_close int pfd = pidfd;
	if (r <= 0) {
		rt_state_release(&st);
		return r;
	}
	struct rt_limits l;
	rt_limits_init(&l);
	for (size_t i = 0; r == 0 && i < JC_ARRAY_SIZE(rlimit_keys); i++) {
		cleanup_free char *v = jc_jail_get(jail, rlimit_keys[i]);
		r = rt_limits_set(&l, rlimit_keys[i], v, NULL, err);
	}
	if (r == 0) {
		memcpy(st.rlimits, l.rlimits, sizeof(st.rlimits));
		st.nrlimits = l.nrlimits;
		r = rt_state_save(&st, err);
	}
	if (r == 0 && st.cg.n > 0)
		lower_running(st.cg.paths[0], &l);
	rt_limits_release(&l);
	rt_state_release(&st);
	return r;
}

int jc_runtime_apply_live(struct jc_ctx *ctx, const struct jc_jail *jail, const char *key,
			  struct jc_error *err)
{
	bool uts = strcmp(key, "host_hostname") == 0 || strcmp(key, "host_domainname") == 0;
	if (is_rlimit_key(key)) {
		int r = apply_rlimits(ctx, jail, err);
		return r < 0 ? jc_error_wrap(err, "%s", jail->name) : 0;
	}
	if (!uts && !is_limit_key(key))
		return 0;   /* used at the next start, hook or exec, or no runtime effect */
	struct rt_state st;
	int pidfd = -1;
	int r = open_jail(ctx, jail, &st, &pidfd, err);
	cleanup_close int pfd = pidfd;
	if (r > 0)
		r = uts ? apply_uts(jail, pfd, err) : apply_limits(ctx, jail, &st, err);
	rt_state_release(&st);
	return r < 0 ? jc_error_wrap(err, "%s", jail->name) : 0;
}
