/* Status, stop and soft restart of jails (SPEC §6). Start is in runtime_start.c, exec
 * and hooks in runtime_exec.c, the console in runtime_console.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel_api.h"
#include "net.h"
#include "runtime_priv.h"
#include "util.h"

enum { KILL_WAIT_MS = 10000 };

bool jc_runtime_needs_libs(struct jc_ctx *ctx, const struct jc_jail *jail)
{
	/* gethostid() falls back to resolving the host's name when /etc/hostid is missing. */
	return jc_jail_get_bool(jail, "hostid_strict_check") || jc_net_needs_libs(ctx, jail);
}

int jc_runtime_status(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_run_state *out,
		      struct jc_error *err)
{
	*out = (struct jc_run_state){ 0 };
	struct rt_state st;
	int r = rt_state_probe(ctx, jail->name, RT_PROBE_CLEAN, &st, err);
	if (r > 0) {
		*out = (struct jc_run_state){ .running = true, .jid = st.jid, .init_pid = st.init_pid };
		memcpy(out->last_started, st.last_started, sizeof(out->last_started));
	}
	rt_state_release(&st);
	return r < 0 ? r : 0;
}

/* Wait for the init to exit, SIGKILL after timeout_s. The kernel kills what is left of
 * the pid namespace when its init dies. */
static int wait_init(int pidfd, pid_t pid, long timeout_s)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, timeout_s > 0 ? (int)(timeout_s * 1000) : 0)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		while ((r = poll(&p, 1, KILL_WAIT_MS)) < 0 && errno == EINTR)
			;
	}
	/* Reaped here when this jailctl started it (restart); harmless otherwise. */
	waitpid(pid, NULL, WNOHANG);
	return r > 0 ? 0 : -ETIMEDOUT;
}

static int open_running(struct jc_ctx *ctx, const struct jc_jail *jail, struct rt_state *st,
			int *out_pidfd, struct jc_error *err)
{
	int r = rt_state_probe(ctx, jail->name, RT_PROBE_CLEAN_LOCKED, st, err);
	if (r < 0)
		return r;
	*out_pidfd = r > 0 ? rt_pidfd_checked(st->init_pid, st->init_start) : -1;
	if (*out_pidfd < 0) {
		/* Gone between the two looks: clean what it left behind. */
		if (r > 0 && rt_state_cleanup(ctx, st, err) < 0)
			return -1;
		return jc_error_set(err, ESRCH, "%s is not running!", jail->name);
	}
	return 0;
}

static void stop_services(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
			  int pidfd, int log_fd, long timeout)
{
	struct jc_error e = { 0 };
	if (rt_run_in_jail(ctx, jail, st, pidfd, "exec_stop", log_fd, timeout, &e) < 0) {
		jc_progress(ctx, "  + Stopping services FAILED");
		jc_warning(ctx, "%s", e.msg);
	} else {
		jc_progress(ctx, "  + Stopping services OK");
	}
}

static int stop_locked(struct jc_ctx *ctx, struct jc_jail *jail, bool force, struct jc_error *err)
{
	struct rt_state st;
	int pidfd = -1;
	int r = open_running(ctx, jail, &st, &pidfd, err);
	if (r < 0) {
		rt_state_release(&st);
		return r;
	}
	long exec_timeout = jc_jail_get_long(jail, "exec_timeout", 60);
	long stop_timeout = jc_jail_get_long(jail, "stop_timeout", 30);
	cleanup_close int log_fd = -1, pfd = pidfd;
	if (!force) {
		r = rt_open_console_log(ctx, jail->name, &log_fd, err);
		if (r == 0)
			r = rt_run_hook(ctx, jail, "exec_prestop", st.jid, st.init_pid, log_fd, exec_timeout, err);
		if (r < 0) {
			rt_state_release(&st);
			char why[JC_ERROR_MSG_MAX];
			snprintf(why, sizeof(why), "%s", err->msg);
			return jc_error_set(err, err->code, "%s (use 'jailctl stop -f %s' to stop it anyway)",
					    why, jail->name);
		}
		jc_progress(ctx, "  + Executing prestop OK");
		stop_services(ctx, jail, &st, pfd, log_fd, exec_timeout);
	}
	rt_cgroups_signal(&st.cg, SIGTERM, 0);
	pidfd_send_signal(pfd, SIGTERM, NULL, 0);
	r = wait_init(pfd, st.init_pid, stop_timeout);
	if (r == 0)
		r = rt_state_cleanup(ctx, &st, err);
	else
		jc_error_set(err, ETIMEDOUT, "%s: the jail's init does not die", jail->name);
	rt_state_release(&st);
	if (r < 0)
		return r;
	jc_progress(ctx, "  + Removing jail process OK");
	if (force)
		return 0;
	struct jc_error e = { 0 };
	if (rt_run_hook(ctx, jail, "exec_poststop", 0, 0, log_fd, exec_timeout, &e) < 0)
		jc_warning(ctx, "%s", e.msg);
	else
		jc_progress(ctx, "  + Executing poststop OK");
	return 0;
}

int jc_runtime_stop(struct jc_ctx *ctx, struct jc_jail *jail, bool force, struct jc_error *err)
{
	jc_progress(ctx, "* Stopping %s", jail->name);
	cleanup_close int lock = -1, rlock = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock, err);
	if (r == 0)
		r = rt_runtime_lock(ctx, jail->name, false, &rlock, err);
	return r < 0 ? r : stop_locked(ctx, jail, force, err);
}

/* Every process but the init: SIGTERM to all, then SIGKILL for those still there at the
 * deadline (iocage's `pkill -j JID`, with a bound). */
static void kill_all_but_init(const struct rt_state *st, long timeout_s)
{
	if (st->cg.n == 0)
		return;
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", st->cg.paths[0]);
	cleanup_free char *text = NULL;
	if (rt_read_text(procs, &text) < 0)
		return;
	cleanup_strv char **v = jc_strsplit(text, "\n");
	size_t n = jc_strv_len(v);
	cleanup_free int *fds = xcalloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		long pid;
		fds[i] = -1;
		if (jc_parse_long(v[i], &pid) == 0 && pid != st->init_pid)
			fds[i] = pidfd_open((pid_t)pid, 0);
		if (fds[i] >= 0)
			pidfd_send_signal(fds[i], SIGTERM, NULL, 0);
	}
	long long deadline = jc_now_ms() + timeout_s * 1000LL;
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		long long left = deadline - jc_now_ms();
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		if (poll(&p, 1, left > 0 ? (int)left : 0) == 0)
			pidfd_send_signal(fds[i], SIGKILL, NULL, 0);
		close(fds[i]);
	}
}

int jc_runtime_restart_soft(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	jc_progress(ctx, "* Restarting %s", jail->name);
	cleanup_close int lock = -1, rlock = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock, err);
	if (r == 0)
		r = rt_runtime_lock(ctx, jail->name, false, &rlock, err);
	struct rt_state st = { 0 };
	int pidfd = -1;
	if (r == 0)
		r = open_running(ctx, jail, &st, &pidfd, err);
	cleanup_close int pfd = pidfd, log_fd = -1;
	long exec_timeout = jc_jail_get_long(jail, "exec_timeout", 60);
	if (r == 0)
		r = rt_open_console_log(ctx, jail->name, &log_fd, err);
	if (r == 0) {
		stop_services(ctx, jail, &st, pfd, log_fd, exec_timeout);
		kill_all_but_init(&st, jc_jail_get_long(jail, "stop_timeout", 30));
		r = rt_run_in_jail(ctx, jail, &st, pfd, "exec_start", log_fd, exec_timeout, err);
	}
	if (r == 0) {
		jc_progress(ctx, "  + Starting services OK");
		rt_stamp_started(&st);
		struct jc_error ignored = { 0 };
		rt_state_save(&st, &ignored); /* only what get shows until config.json has it */
		rt_mark_started(ctx, jail, &st, lock, log_fd);
	}
	rt_state_release(&st);
	return r;
}
