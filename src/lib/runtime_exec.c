/* Running programs for a jail: inside it (exec, exec_start/exec_stop, console), joined to
 * its cgroups and namespaces under the jail's restrictions, and on the host (the
 * exec_pre/post* hooks). Entering goes through a pidfd of the jail's init, which pins
 * that very process, so a recycled pid can never lead into something else. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "jail_user.h"
#include "kernel_api.h"
#include "runtime_priv.h"
#include "util.h"

#define JAIL_NS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

void rt_lower_rlimits(const struct rt_rlimit *l, size_t n)
{
	/* Only ever lowered: raising a hard limit needs CAP_SYS_RESOURCE. */
	for (size_t i = 0; i < n; i++) {
		struct rlimit cur;
		if (getrlimit(l[i].resource, &cur) < 0)
			continue;
		if (l[i].value < cur.rlim_max)
			cur.rlim_max = l[i].value;
		if (l[i].value < cur.rlim_cur || cur.rlim_cur > cur.rlim_max)
			cur.rlim_cur = cur.rlim_max < l[i].value ? cur.rlim_max : l[i].value;
		setrlimit(l[i].resource, &cur);
	}
}

static int become_user(const struct rt_state *st, const struct rt_bpf *bpf,
		       const struct jail_user *u, struct jc_error *err)
{
	int r = rt_seccomp_install(bpf, st->seccomp, err);
	if (r == 0)
		r = rt_caps_drop_bounding(st->caps_keep, err);
	if (r < 0)
		return r;
	r = jail_user_switch(u);
	if (r < 0)
		return jc_error_errno(err, -r, "user '%s': cannot switch", u->name);
	/* A non-root uid has lost every capability with setuid(); root keeps the jail's set. */
	return u->uid == 0 ? rt_caps_apply(st->caps_keep, err) : 0;
}

static int setup_stdio(const struct rt_exec_opts *o, struct jc_error *err)
{
	if (o->tty_fd >= 0) {
		if (setsid() < 0 || ioctl(o->tty_fd, TIOCSCTTY, 0) < 0)
			return jc_error_errno(err, errno, "console: cannot take the terminal");
		for (int i = 0; i < 3; i++)
			if (dup2(o->tty_fd, i) < 0)
				return jc_error_errno(err, errno, "console: dup2");
		return 0;
	}
	const int fds[3] = { o->in_fd, o->out_fd, o->err_fd };
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && fds[i] != i && dup2(fds[i], i) < 0)
			return jc_error_errno(err, errno, "dup2");
	return 0;
}

static int child_setup(const struct rt_state *st, const struct rt_bpf *bpf, int pidfd,
		       bool v2_joined, const struct rt_exec_opts *o, struct jail_user *u,
		       struct jc_error *err)
{
	/* The cgroups first: joining them needs the host's view of /sys/fs/cgroup, and the
	 * cgroup namespace entered next is rooted at the jail's cgroup. */
	int r = rt_cgroups_join_self(&st->cg, v2_joined, err);
	if (r < 0)
		return r;
	if (setns(pidfd, JAIL_NS) < 0)
		return jc_error_errno(err, errno, "cannot enter the jail's namespaces");
	r = setup_stdio(o, err);
	if (r == 0 && jail_user_lookup(o->user, u) < 0)
		r = jc_error_set(err, ENOENT, "user '%s' does not exist in the jail", o->user);
	if (r < 0)
		return r;
	rt_lower_rlimits(st->rlimits, st->nrlimits);
	r = become_user(st, bpf, u, err);
	if (r < 0)
		return r;
	if (chdir(u->home) < 0 && chdir("/") < 0)
		return jc_error_errno(err, errno, "chdir /");
	if (o->clean_env)
		jail_user_clean_env(u, getenv("TERM"));
	return 0;
}

static void report_and_exit(int errfd, const struct jc_error *err)
{
	if (write(errfd, err->msg, strlen(err->msg)) < 0)
		_exit(126);
	_exit(127);
}

static void exec_child(const struct rt_state *st, const struct rt_bpf *bpf, int pidfd,
		       bool v2_joined, const struct rt_exec_opts *o, int errfd)
{
	struct jc_error err = { 0 };
	struct jail_user u;
	/* Until the exec, this process is the host's jailctl binary living in the jail's
	 * pid namespace: once it holds no more than jail root's capabilities, jail root could
	 * reach /proc/PID/exe and write the host binary (runc's CVE-2019-5736). Not dumpable,
	 * /proc/PID stays closed to it; the exec makes the process dumpable again. */
	prctl(PR_SET_DUMPABLE, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (child_setup(st, bpf, pidfd, v2_joined, o, &u, &err) < 0)
		report_and_exit(errfd, &err);
	execvp(o->argv[0], o->argv);
	jc_error_errno(&err, errno, "%s", o->argv[0]);
	report_and_exit(errfd, &err);
}

int rt_exec_spawn(const struct rt_state *st, int init_pidfd, const struct rt_exec_opts *o,
		  pid_t *out_pid, struct jc_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	cleanup_close int rd = pipefd[0], wr = pipefd[1];
	/* Only children are moved into a pid namespace: fork right after joining it, so the
	 * command is a process of the jail (and dies with it), then return to our own, so that
	 * later children (hooks, sanitizer helpers) stay on the host. */
	cleanup_close int self_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0)
		return jc_error_errno(err, errno, "/proc/self/ns/pid");
	struct rt_bpf bpf;
	rt_state_load_bpf(st, &bpf);
	if (setns(init_pidfd, CLONE_NEWPID) < 0) {
		rt_bpf_release(&bpf);
		return jc_error_errno(err, errno, "cannot enter the jail's pid namespace");
	}
	bool v2_joined = false;
	pid_t pid = rt_fork_into_cgroup(&st->cg, 0, NULL, &v2_joined);
	if (pid == 0)
		exec_child(st, &bpf, init_pidfd, v2_joined, o, wr);
	int fork_errno = errno;
	rt_bpf_release(&bpf);
	setns(self_ns, CLONE_NEWPID);
	if (pid < 0)
		return jc_error_errno(err, fork_errno, "fork");
	close(steal_fd(wr));
	char msg[JC_ERROR_MSG_MAX];
	ssize_t n;
	while ((n = read(rd, msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = '\0';
		waitpid(pid, NULL, 0);
		return jc_error_set(err, ENOEXEC, "%s", msg);
	}
	*out_pid = pid;
	return 0;
}

int rt_decode_status(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int rt_wait_child(pid_t pid, long timeout_s, bool kill_group, int *status)
{
	int ws = 0;
	if (timeout_s <= 0) {
		while (waitpid(pid, &ws, 0) < 0)
			if (errno != EINTR)
				return -errno;
		*status = rt_decode_status(ws);
		return 0;
	}
	cleanup_close int pfd = pidfd_open(pid, 0);
	if (pfd < 0)
		return -errno;
	long long deadline = jc_now_ms() + timeout_s * 1000LL;
	for (;;) {
		long long left = deadline - jc_now_ms();
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0)
			break;
		if (kill_group)
			kill(-pid, SIGKILL);
		pidfd_send_signal(pfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		return -ETIMEDOUT;
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*status = rt_decode_status(ws);
	return 0;
}

/* Hooks that do nothing are not worth a fork and an exec (the default is /usr/bin/true). */
static bool is_trivial(const char *cmd)
{
	static const char *const noops[] = { "", "none", "true", "/bin/true", "/usr/bin/true" };
	if (!cmd)
		return true;
	cleanup_free char *c = jc_strstrip(xstrdup(cmd));
	for (size_t i = 0; i < JC_ARRAY_SIZE(noops); i++)
		if (strcmp(c, noops[i]) == 0)
			return true;
	return false;
}

static void set_env_int(const char *name, long v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%ld", v);
	setenv(name, buf, 1);
}

static void hook_child(const struct jc_jail *jail, const char *cmd, int jid, pid_t init_pid,
		       int log_fd)
{
	setpgid(0, 0);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	if (log_fd >= 0) {
		dup2(log_fd, 1);
		dup2(log_fd, 2);
	}
	setenv("JAIL_NAME", jail->name, 1);
	setenv("JAIL_ROOT", jail->root, 1);
	if (jid > 0)
		set_env_int("JAIL_JID", jid);
	/* On the dir back end the root's files are only mounted in the jail's namespace:
	 * hooks reach them through /proc/$JAIL_PID/root. */
	if (init_pid > 0)
		set_env_int("JAIL_PID", init_pid);
	/* The admin's configured hook, as iocage runs it: one argument to /bin/sh -c. */
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static int check_status(const struct jc_jail *jail, const char *key, int r, long timeout_s,
			int status, struct jc_error *err)
{
	if (r == -ETIMEDOUT)
		return jc_error_set(err, ETIMEDOUT, "%s: %s timed out after %ld seconds", jail->name,
				    key, timeout_s);
	if (r < 0)
		return jc_error_errno(err, -r, "%s: %s", jail->name, key);
	if (status != 0)
		return jc_error_set(err, ECANCELED, "%s: %s failed (exit status %d)", jail->name, key,
				    status);
	return 0;
}

int rt_run_hook(struct jc_ctx *ctx, const struct jc_jail *jail, const char *key, int jid,
		pid_t init_pid, int log_fd, long timeout_s, struct jc_error *err)
{
	cleanup_free char *cmd = jc_jail_get(jail, key);
	if (is_trivial(cmd))
		return 0;
	jc_debug(ctx, "%s: %s: /bin/sh -c '%s'", jail->name, key, cmd);
	pid_t pid = fork();
	if (pid < 0)
		return jc_error_errno(err, errno, "%s: %s: fork", jail->name, key);
	if (pid == 0)
		hook_child(jail, cmd, jid, init_pid, log_fd);
	int status = 0;
	int r = rt_wait_child(pid, timeout_s, true, &status);
	return check_status(jail, key, r, timeout_s, status, err);
}

int rt_job_send(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
		const char *key, int log_fd, struct rt_job *job, struct jc_error *err)
{
	*job = RT_JOB_NONE;
	job->key = key;
	cleanup_free char *cmd = jc_jail_get(jail, key);
	if (is_trivial(cmd))
		return 0;
	jc_debug(ctx, "%s: %s: %s", jail->name, key, cmd);
	/* iocage splits exec_start/exec_stop on blanks; no shell is involved. */
	job->argv = jc_strsplit(cmd, " \t");
	job->user = jc_jail_get(jail, "exec_jail_user");
	job->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	job->opts = (struct rt_exec_opts){
		.user = job->user && *job->user ? job->user : NULL, .argv = job->argv,
		.in_fd = job->null_fd, .out_fd = log_fd, .err_fd = log_fd, .tty_fd = -1,
		.clean_env = jc_jail_get_bool(jail, "exec_clean"),
	};
	int r = rt_init_exec_send(st, &job->opts, &job->sock, err);
	return r < 0 ? jc_error_wrap(err, "%s: %s", jail->name, key) : 0;
}

int rt_job_finish(const struct jc_jail *jail, const struct rt_state *st, int init_pidfd,
		  long timeout_s, struct rt_job *job, struct jc_error *err)
{
	if (!job->argv)
		return 0;
	int status = 0, r;
	if (job->sock >= 0) {
		r = rt_init_exec_wait(steal_fd(job->sock), timeout_s, &status, err);
		if (r < 0 && r != -ETIMEDOUT)
			return jc_error_wrap(err, "%s: %s", jail->name, job->key);
	} else {
		pid_t pid;
		r = rt_exec_spawn(st, init_pidfd, &job->opts, &pid, err);
		if (r < 0)
			return jc_error_wrap(err, "%s: %s", jail->name, job->key);
		r = rt_wait_child(pid, timeout_s, false, &status);
	}
	return check_status(jail, job->key, r, timeout_s, status, err);
}

void rt_job_release(struct rt_job *job)
{
	jc_strv_free(job->argv);
	free(job->user);
	if (job->null_fd >= 0)
		close(job->null_fd);
	if (job->sock >= 0)
		close(job->sock);
	*job = RT_JOB_NONE;
}

int rt_run_in_jail(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
		   int init_pidfd, const char *key, int log_fd, long timeout_s,
		   struct jc_error *err)
{
	struct rt_job job;
	int r = rt_job_send(ctx, jail, st, key, log_fd, &job, err);
	if (r == 0)
		r = rt_job_finish(jail, st, init_pidfd, timeout_s, &job, err);
	rt_job_release(&job);
	return r;
}

int rt_open_console_log(const struct jc_ctx *ctx, const char *name, int *out_fd,
			struct jc_error *err)
{
	cleanup_free char *dir = xasprintf("%s/log", ctx->iocroot);
	int r = jc_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	cleanup_free char *path = xasprintf("%s/%s-console.log", dir, name);
	*out_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (*out_fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	return 0;
}

int jc_runtime_exec(struct jc_ctx *ctx, const struct jc_jail *jail, const char *user,
		    char *const argv[], int *exit_status, struct jc_error *err)
{
	struct rt_state st;
	int r = rt_state_probe(ctx, jail->name, RT_PROBE_CLEAN, &st, err);
	if (r == 0)
		r = jc_error_set(err, ESRCH, "%s is not running!", jail->name);
	struct rt_exec_opts o = {
		.user = user, .argv = argv, .in_fd = -1, .out_fd = -1, .err_fd = -1, .tty_fd = -1,
		.clean_env = jc_jail_get_bool(jail, "exec_clean"),
	};
	/* From a terminal, the command joins the jail itself and stays in the terminal's
	 * foreground process group: job control and ^C inside an interactive shell work as
	 * on the host. Scripts and pipes go through the init, which is faster. */
	if (r > 0 && !isatty(STDIN_FILENO)) {
		r = rt_init_exec(&st, &o, 0, true, exit_status, err);
		if (r <= 0) {
			rt_state_release(&st);
			return r == -ENOEXEC || r == -EINTR ? jc_error_wrap(err, "%s", jail->name) : r;
		}
	}
	/* Joining the jail needs a pidfd of its init; the init's socket needed none. */
	cleanup_close int pfd = r > 0 ? rt_pidfd_checked(st.init_pid, st.init_start) : -1;
	if (r > 0 && pfd < 0)
		r = jc_error_set(err, ESRCH, "%s is not running!", jail->name);
	pid_t pid = 0;
	if (r > 0)   /* r == 1: this jail's init takes no requests */
		r = rt_exec_spawn(&st, pfd, &o, &pid, err);
	rt_state_release(&st);
	if (r < 0)
		return r == -ENOEXEC ? jc_error_wrap(err, "%s", jail->name) : r;
	/* Like system(): the terminal's ^C and ^\ are for the command, which reports them. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	r = rt_wait_child(pid, 0, false, exit_status);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	return r < 0 ? jc_error_errno(err, -r, "%s: wait", jail->name) : 0;
}
