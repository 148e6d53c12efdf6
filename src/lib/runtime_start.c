/* jailctl start (SPEC §6): checks, cgroups with limits, exec_prestart, the jail's init
 * in new namespaces, its root and mounts, networking, exec_start, exec_poststart,
 * last_started. Any failure undoes what was done; a jailctl killed half-way leaves a
 * state record whose starter is dead, which the next command cleans up.
 *
 * The cgroups are made first. The child shares this process's memory until it execs the
 * init (clone3 with CLONE_VM | CLONE_VFORK, this process waiting meanwhile): on a VM where
 * a page fault traps to the hypervisor, a forked child's copy-on-write faults and the
 * teardown of its copy of jailctl at the exec cost a start ~2 ms (docs/BENCHMARKS.md,
 * eighth round). Where that clone is not available a plain fork does the same work.
 * Parent and child talk over a socketpair whose child end the init keeps:
 *   child  → "R"  namespaces, cgroups, root and its files ready, about to exec the init
 *   child  → "E<message>" on any failure, then exits
 *   parent → "G"  to the init: its network is ready and exec_start is queued in its request
 *                 socket; nothing of the jail runs before (the init waits for it). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "kernel_api.h"
#include "net.h"
#include "runtime_priv.h"
#include "util.h"

enum { CHILD_SETUP_TIMEOUT_MS = 60000 };

struct start {
	struct jc_ctx *ctx;
	struct jc_jail *jail;
	struct rt_plan plan;
	struct rt_state st;
	int log_fd;
	int sock;          /* parent's end */
	int init_pidfd;
	int listen_fd;     /* the init's request socket, until it is handed over */
	struct rt_job exec_start;   /* sent before the init runs, waited for once it does */
	bool state_saved;
};

/* ---- the child: becomes the jail's init ---- */

static __attribute__((noreturn)) void child_fail(int sock, const struct jc_error *err)
{
	char msg[JC_ERROR_MSG_MAX + 1];
	int n = snprintf(msg, sizeof(msg), "E%s", err->msg);
	if (send(sock, msg, (size_t)n, MSG_NOSIGNAL) < 0)
		_exit(126);
	_exit(127);
}

static int child_finish(const struct rt_plan *p, struct jc_error *err)
{
	/* Seccomp first, while CAP_SYS_ADMIN is still held: no no_new_privs is needed, so
	 * setuid programs keep working in the jail. */
	int r = rt_seccomp_install(&p->bpf, p->seccomp, err);
	if (r == 0)
		r = rt_caps_drop_bounding(p->caps_keep, err);
	if (r == 0)
		r = rt_caps_apply(p->caps_keep, err);
	if (r < 0)
		return r;
	/* Detached from jailctl's session and terminal; stdio is the jail's /dev/null. */
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return jc_error_errno(err, errno, "/dev/null in the jail");
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	return 0;
}

static int child_setup(const struct rt_plan *p, const struct rt_cgroups *cg, bool v2_joined,
		       struct jc_error *err)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | p->ns_flags) < 0)
		return jc_error_errno(err, errno, "cannot create namespaces");
	if ((p->ns_flags & CLONE_NEWNET) && rt_loopback_up(err) < 0)
		return -1;
	if (rt_cgroups_join_self(cg, v2_joined, err) < 0)
		return -1;
	/* Rooted at the jail's cgroup, which this process has joined. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return jc_error_errno(err, errno, "cannot create the cgroup namespace");
	umask(0);   /* device nodes and /dev/shm get exactly the modes asked for */
	int r = rt_setup_root(p, err);
	umask(022);
	/* Here rather than in the parent: exec_start, already queued for the init, may
	 * run as soon as the init does, and needs these files. */
	if (r == 0)
		r = jc_net_write_proxy("/", p->http_proxy, p->https_proxy, err);
	if (r < 0)
		return r;
	rt_lower_rlimits(p->limits.rlimits, p->limits.nrlimits);
	return child_finish(p, err);
}

/* Never returns: execs the init or exits. With CLONE_VM it runs in jailctl's memory while
 * jailctl waits, so it must not return into jailctl's frames. */
static __attribute__((noreturn)) void child_main(const struct rt_plan *p,
						 const struct rt_cgroups *cg, bool v2_joined,
						 int sock, int init_fd, int listen_fd)
{
	struct jc_error err = { 0 };
	/* Until the init runs, the child must not outlive a killed jailctl. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (child_setup(p, cg, v2_joined, &err) < 0)
		child_fail(sock, &err);
	if (send(sock, "R", 1, MSG_NOSIGNAL) < 0)
		_exit(125);
	prctl(PR_SET_PDEATHSIG, 0);
	/* The descriptors the init keeps: where jailctl asks it to run commands, and where
	 * jailctl says "G" (EOF: jailctl gave up, and so does the init). */
	char fdarg[16] = "-", goarg[16] = "-";
	if (listen_fd >= 0 && fcntl(listen_fd, F_SETFD, 0) == 0)
		snprintf(fdarg, sizeof(fdarg), "%d", listen_fd);
	if (fcntl(sock, F_SETFD, 0) == 0)
		snprintf(goarg, sizeof(goarg), "%d", sock);
	char *const argv[] = { (char *)"jailctl-init", fdarg, goarg, NULL };
	char *const envp[] = { NULL };
	syscall(SYS_execveat, init_fd, "", argv, envp, AT_EMPTY_PATH);
	jc_error_errno(&err, errno, "cannot run jailctl-init");
	child_fail(sock, &err);
}

/* ---- the parent ---- */

/* Receive one message; "" on EOF. Bounded so a wedged child cannot hang jailctl. */
static int recv_msg(int sock, char *buf, size_t len, struct jc_error *err)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, CHILD_SETUP_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return jc_error_set(err, ETIMEDOUT, "the jail's init did not finish its setup");
	ssize_t n;
	while ((n = recv(sock, buf, len - 1, 0)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return jc_error_errno(err, errno, "talking to the jail's init");
	buf[n] = '\0';
	return 0;
}

static int expect(struct start *s, char what, struct jc_error *err)
{
	char buf[JC_ERROR_MSG_MAX + 2];
	int r = recv_msg(s->sock, buf, sizeof(buf), err);
	if (r < 0)
		return jc_error_wrap(err, "%s", s->jail->name);
	if (buf[0] == what)
		return 0;
	if (buf[0] == 'E')
		return jc_error_set(err, EIO, "%s: %s", s->jail->name, buf + 1);
	return jc_error_set(err, EIO, "%s: the jail's init exited during setup", s->jail->name);
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The child's frames below this one never returned: AddressSanitizer still has them marked
 * (as it unmarks a real vfork child's), and this process's next calls reuse that stack. */
static __attribute__((noinline)) void rt_forget_child_stack(void)
{
	enum { CHILD_STACK_MAX = 1 << 20 };
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	__asan_unpoison_memory_region((void *)(here - CHILD_STACK_MAX), CHILD_STACK_MAX);
}
#else
static void rt_forget_child_stack(void)
{
}
#endif

/* PID 1 of a new pid namespace, born in the jail's cgroup v2, sharing this process's memory
 * until it execs the init (else a fork). */
static pid_t clone_child(struct start *s, int sock, int init_fd)
{
	cleanup_close int cgfd = rt_cgroup_v2_fd(&s->st.cg);
	struct clone_args args = {
		.flags = CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_PIDFD | CLONE_INTO_CGROUP,
		.pidfd = (uint64_t)(uintptr_t)&s->init_pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgfd,
	};
	fflush(NULL);
	long pid = cgfd >= 0 ? rt_clone3_shared_vm(&args, sizeof(args)) : -ENOSYS;
	if (pid == 0)
		child_main(&s->plan, &s->st.cg, true, sock, init_fd, s->listen_fd);
	if (pid > 0) {
		rt_forget_child_stack();
		return (pid_t)pid;
	}
	/* No clone3 with CLONE_INTO_CGROUP here (or not on this architecture). */
	bool v2_joined = false;
	pid_t child = rt_fork_into_cgroup(&s->st.cg, CLONE_NEWPID, &s->init_pidfd, &v2_joined);
	if (child == 0)
		child_main(&s->plan, &s->st.cg, v2_joined, sock, init_fd, s->listen_fd);
	return child;
}

static int fork_init(struct start *s, int init_fd, pid_t *out, struct jc_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return jc_error_errno(err, errno, "socketpair");
	pid_t pid = clone_child(s, sv[1], init_fd);
	/* A child sharing the memory wrote errno too: only a failed fork's is ours. */
	int e = pid < 0 ? errno : 0;
	close(sv[1]);
	if (s->listen_fd >= 0)
		close(steal_fd(s->listen_fd));
	s->sock = sv[0];
	if (pid < 0 || s->init_pidfd < 0)
		return jc_error_errno(err, e ? e : EIO, "%s: cannot create the jail's init", s->jail->name);
	*out = pid;
	return 0;
}

static int spawn_init(struct start *s, struct jc_error *err)
{
	cleanup_close int init_fd = jc_open_helper("jailctl-init", err);
	if (init_fd < 0)
		return init_fd;
	pid_t pid = 0;
	/* Before the child, which joins them as it starts and runs while this process waits. */
	int r = rt_cgroups_create_rest(s->ctx, s->jail->name, &s->plan, &s->st.cg, err);
	if (r < 0)
		return r;
	s->listen_fd = rt_init_listen(&s->st);
	if (s->listen_fd < 0)
		jc_debug(s->ctx, "%s: no request socket; exec will join the jail itself", s->jail->name);
	r = fork_init(s, init_fd, &pid, err);
	if (r < 0)
		return r;
	s->st.init_pid = pid;
	s->st.init_start = rt_pid_start_time(pid);
	/* A shared-memory child has run or failed by now; a forked one is waited for. */
	r = expect(s, 'R', err);
	if (r == 0)
		r = rt_state_save(&s->st, err);
	if (r == 0)
		r = runtime_network_setup(s->ctx, s->jail, &s->plan, pid, s->st.jid, err);
	/* Queued in the init's socket now, exec_start starts the moment the init may run
	 * instead of after a round trip to this process. */
	if (r == 0)
		r = rt_job_send(s->ctx, s->jail, &s->st, "exec_start", s->log_fd, &s->exec_start, err);
	if (r == 0 && send(s->sock, "G", 1, MSG_NOSIGNAL) < 0)
		r = jc_error_set(err, EIO, "%s: the jail's init exited during setup", s->jail->name);
	return r;
}

/* ---- checks ---- */

static int check_hostid(const struct jc_jail *jail, struct jc_error *err)
{
	if (!jc_jail_get_bool(jail, "hostid_strict_check"))
		return 0;
	cleanup_free char *want = jc_jail_get(jail, "hostid");
	/* The same form create records: glibc's host id (from /etc/hostid) as 8 hex digits. */
	cleanup_free char *have = xasprintf("%08lx", (unsigned long)gethostid() & 0xffffffffUL);
	if (want && strcasecmp(jc_strstrip(want), have) == 0)
		return 0;
	return jc_error_set(err, EPERM, "%s: hostid is not matching and 'hostid_strict_check' is on! "
			    "- Not starting jail", jail->name);
}

static int checks(struct start *s, struct jc_error *err)
{
	struct jc_jail *jail = s->jail;
	if (jail->is_template)
		return jc_error_set(err, EINVAL, "%s is a template: convert it back with "
				    "'jailctl set template=no %s' to start it", jail->name, jail->name);
	if (!jail->effective)
		return jc_error_set(err, EINVAL, "%s: %s", jail->name,
				    jail->corrupt ? jail->corrupt : "corrupt configuration");
	struct rt_state cur;
	int r = rt_state_probe(s->ctx, jail->name, RT_PROBE_CLEAN_LOCKED, &cur, err);
	rt_state_release(&cur);
	if (r > 0)
		return jc_error_set(err, EEXIST, "%s is already running!", jail->name);
	if (r == 0)
		r = check_hostid(jail, err);
	return r < 0 ? r : jc_net_check(s->ctx, jail, err);
}

/* ---- rollback and completion ---- */

static void rollback(struct start *s)
{
	struct jc_error ignored = { 0 };
	if (s->init_pidfd >= 0) {
		pidfd_send_signal(s->init_pidfd, SIGKILL, NULL, 0);
		waitpid(s->st.init_pid, NULL, 0);
	}
	runtime_network_teardown(s->ctx, s->jail->name, s->st.jid, &ignored);
	rt_cgroups_destroy(&s->st.cg, &ignored);
	/* Nothing below exists before the record: a start refused while planning (a bad
	 * property value) has no record path, no socket and no JID. */
	if (s->state_saved) {
		rt_init_unlink(&s->st);
		rt_jid_release(s->ctx, s->jail->name, s->st.jid);
		rt_state_remove(&s->st);
	}
}

/* ---- last_started ---- */

void rt_stamp_started(struct rt_state *st)
{
	cleanup_free char *stamp = jc_utc_format(time(NULL), "%F %T");
	snprintf(st->last_started, sizeof(st->last_started), "%s", stamp ? stamp : "");
}

/* Only keep[] stays open (ascending, -1 entries skipped); stdio goes to /dev/null, so no
 * caller waiting for the end of a pipe waits for this process. */
static void detach(const int keep[2])
{
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	unsigned lo = 3;
	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static int write_started(struct jc_ctx *ctx, struct jc_jail *jail, const char *stamp,
			 int lock_fd, int log_fd)
{
	struct jc_error err = { 0 };
	int r = jc_jail_record_last_started(jail, stamp, lock_fd, &err);
	if (r < 0 && log_fd >= 0)
		dprintf(log_fd, "jailctl: %s: cannot record last_started: %s\n", jail->name, err.msg);
	else if (r < 0)
		jc_warning(ctx, "%s: cannot record last_started: %s", jail->name, err.msg);
	return r;
}

/* Writing config.json takes a disk flush, often longer than all the rest of a start. A
 * child that inherits the jail's lock does it, so start returns once the jail runs, and
 * lets go of the lock while the file is flushed, so stop and the next start do not wait
 * for it either (docs/runtime.md, "last_started"). Readers show the runtime record's value
 * while the jail runs. The child is not waited for (a second fork to hand it to init
 * would cost start 0.45 ms); the context reaps it once it is done (jc_ctx_add_child). */
void rt_mark_started(struct jc_ctx *ctx, struct jc_jail *jail, const struct rt_state *st,
		     int lock_fd, int log_fd)
{
	json_t *facts = json_pack("{s:s}", "last_started", st->last_started);
	jc_jail_note_facts(jail, facts);
	pid_t pid = fork();
	if (pid == 0) {
		const int keep[2] = { lock_fd < log_fd ? lock_fd : log_fd,
				      lock_fd < log_fd ? log_fd : lock_fd };
		detach(keep);
		_exit(write_started(ctx, jail, st->last_started, lock_fd, log_fd) < 0 ? 1 : 0);
	}
	if (pid > 0)
		jc_ctx_add_child(ctx, pid);
	else if (pid < 0)
		write_started(ctx, jail, st->last_started, lock_fd, -1);
	json_decref(facts);
}

static int run_start(struct start *s, struct jc_error *err)
{
	struct jc_ctx *ctx = s->ctx;
	struct jc_jail *jail = s->jail;
	int r = rt_plan_build(ctx, jail, &s->plan, err);
	if (r < 0)
		return r;
	s->st.path = rt_state_path(ctx, jail->name);
	s->st.root = xstrdup(jail->root);
	s->st.starter_pid = getpid();
	s->st.starter_start = rt_pid_start_time(getpid());
	jc_boot_id(s->st.boot_id);   /* once: the record is saved four times */
	s->st.caps_keep = s->plan.caps_keep;
	s->st.seccomp = s->plan.seccomp;
	memcpy(s->st.rlimits, s->plan.limits.rlimits, sizeof(s->st.rlimits));
	s->st.nrlimits = s->plan.limits.nrlimits;
	r = rt_jid_allocate(ctx, jail->name, &s->st, err);
	if (r < 0)
		return r;
	s->state_saved = true;
	r = rt_state_save_bpf(&s->st, &s->plan.bpf, err);
	if (r == 0)
		r = rt_cgroups_create(ctx, jail->name, &s->plan, &s->st.cg, err);
	if (r == 0)
		r = rt_state_save(&s->st, err);
	if (r == 0)
		r = rt_open_console_log(ctx, jail->name, &s->log_fd, err);
	if (r == 0)
		r = rt_run_hook(ctx, jail, "exec_prestart", s->st.jid, 0, s->log_fd,
				s->plan.exec_timeout, err);
	if (r == 0)
		r = spawn_init(s, err);
	if (r < 0)
		return r;
	jc_progress(ctx, "  + Started OK");
	jc_progress(ctx, "  + Using devfs_ruleset: %d (%s)", s->plan.devfs.ruleset,
		    rt_devfs_description(s->plan.devfs.ruleset));
	r = rt_job_finish(jail, &s->st, s->init_pidfd, s->plan.exec_timeout, &s->exec_start, err);
	if (r < 0)
		return r;
	jc_progress(ctx, "  + Starting services OK");
	r = rt_run_hook(ctx, jail, "exec_poststart", s->st.jid, s->st.init_pid, s->log_fd,
			s->plan.exec_timeout, err);
	if (r < 0)
		return r;
	jc_progress(ctx, "  + Executing poststart OK");
	rt_cgroups_trim(ctx, jail->name, &s->st.cg);
	s->st.running = true;
	rt_stamp_started(&s->st);
	return rt_state_save(&s->st, err);
}

int jc_runtime_start(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	struct start s = { .ctx = ctx, .jail = jail, .log_fd = -1, .sock = -1, .init_pidfd = -1,
			   .listen_fd = -1, .exec_start = RT_JOB_NONE };
	jc_progress(ctx, "* Starting %s", jail->name);
	cleanup_close int lock = -1, rlock = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock, err);
	if (r == 0)
		r = rt_runtime_lock(ctx, jail->name, false, &rlock, err);
	if (r == 0)
		r = jc_jail_reload(ctx, jail, err);
	if (r == 0)
		r = checks(&s, err);
	if (r < 0)
		return r;
	r = run_start(&s, err);
	if (r < 0)
		rollback(&s);
	else
		rt_mark_started(ctx, jail, &s.st, lock, s.log_fd);
	if (s.log_fd >= 0)
		close(s.log_fd);
	if (s.sock >= 0)
		close(s.sock);
	if (s.init_pidfd >= 0)
		close(s.init_pidfd);
	rt_job_release(&s.exec_start);
	rt_state_release(&s.st);
	rt_plan_release(&s.plan);
	return r;
}
