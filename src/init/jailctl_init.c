/* jailctl-init: PID 1 of a jail. It keeps the jail's pid namespace alive while nothing
 * else runs in it (iocage's "persist"), reaps every orphan, and shuts the jail down on
 * SIGTERM, SIGINT or SIGPWR: it passes SIGTERM on to every process of the jail and exits
 * once none of its children is left. jailctl stop sends SIGKILL after stop_timeout if
 * that takes too long; the kernel then kills whatever remains in the namespace.
 *
 * It waits for jailctl's "G" on the socket fd argv[2] first (the jail's network is set up
 * then; on EOF it exits). It also runs commands for jailctl (exec, exec_start, exec_stop):
 * given a listening socket as fd argv[1], it starts each requested command
 * (src/lib/init_proto.h). Its children are born inside every namespace and cgroup of the
 * jail and under its restrictions, which is what makes an exec cheap: nothing to join,
 * nothing to drop.
 *
 * Static and tiny on purpose: an idle jail costs little more than this process, and it
 * runs from an fd opened on the host, so nothing of it needs to exist in the jail. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init_proto.h"
#include "jail_user.h"

enum { MAX_CONNS = 64, CHILD_STACK = 64 * 1024 };

extern char **environ;

struct conn {
	int fd;          /* -1: free */
	pid_t child;     /* 0: no command yet */
};

struct init {
	int sigfd;
	int listen_fd;   /* -1: takes no requests */
	bool stopping;
	struct conn conns[MAX_CONNS];
};

struct request {
	unsigned flags, mask;
	const char *user;
	char **argv, **env;
};

/* ---- the command's side of the fork ---- */

static void child_fail(int conn, const char *fmt, ...)
{
	char msg[512] = "E";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (send(conn, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		_exit(126);
	_exit(127);
}

static const char *find_term(char **env)
{
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "TERM=", 5) == 0)
			return env[i] + 5;
	return NULL;
}

struct spawn {
	int conn;
	const struct request *r;
	const int *fds;
};

/* The command's side: a child that shares the init's memory (CLONE_VM | CLONE_VFORK: no
 * page tables to copy, a fork costs 3 times as much on a VM) on a stack of its own, with
 * the init waiting until it executes the command or exits. What it allocates stays in the
 * init (so the environment is built on its stack), and nothing here may block for long. */
static int run_child(void *arg)
{
	const struct spawn *s = arg;
	const struct request *r = s->r;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	for (int i = 0; i < 3; i++)
		if (s->fds[i] >= 0 && s->fds[i] != i && dup2(s->fds[i], i) < 0)
			child_fail(s->conn, "dup2: %s", strerror(errno));
	umask(r->mask);
	struct jail_user u;
	const char *name = r->user[0] ? r->user : NULL;
	if (jail_user_lookup(name, &u) < 0)
		child_fail(s->conn, "user '%s' does not exist in the jail", r->user);
	int e = jail_user_switch(&u);
	if (e < 0)
		child_fail(s->conn, "user '%s': cannot switch: %s", u.name, strerror(-e));
	if (chdir(u.home) < 0 && chdir("/") < 0)
		child_fail(s->conn, "chdir /: %s", strerror(errno));
	struct jail_user_env clean;
	if (r->flags & INIT_REQ_CLEAN_ENV) {
		jail_user_env_build(&u, find_term(r->env), &clean);
		environ = clean.envp;
	} else {
		environ = r->env;
	}
	/* execvp searches the PATH of the command's environment, as a shell would. */
	execvp(r->argv[0], r->argv);
	child_fail(s->conn, "%s: %s", r->argv[0], strerror(errno));
	return 127;
}

static pid_t spawn_command(int conn, const struct request *r, const int fds[3])
{
	void *stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	struct spawn s = { .conn = conn, .r = r, .fds = fds };
	char **env = environ;   /* the child sets the shared variable for its execvp */
	pid_t pid = clone(run_child, (char *)stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
	environ = env;
	munmap(stack, CHILD_STACK);
	return pid;
}

/* ---- requests ---- */

/* Splits the strings after the header; false when the message is not a whole request. */
static bool parse_request(char *buf, size_t len, struct request *r)
{
	struct init_request h;
	if (len < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	if (h.version != INIT_PROTO_VERSION || h.argc < 1 || h.argc > INIT_REQ_MAX_STRINGS ||
	    h.envc > INIT_REQ_MAX_STRINGS)
		return false;
	size_t want = 1 + h.argc + h.envc;
	char **strs = calloc(want + 2, sizeof(char *));
	if (!strs)
		return false;
	size_t n = 0, off = sizeof(h);
	while (n < want && off < len) {
		char *end = memchr(buf + off, '\0', len - off);
		if (!end)
			break;
		strs[n++] = buf + off;
		off = (size_t)(end - buf) + 1;
	}
	if (n != want) {
		free(strs);
		return false;
	}
	/* argv and env each need their NULL: move env one slot up. */
	memmove(strs + 1 + h.argc + 1, strs + 1 + h.argc, h.envc * sizeof(char *));
	strs[1 + h.argc] = NULL;
	strs[want + 1] = NULL;
	*r = (struct request){ .flags = h.flags, .mask = h.umask & 0777, .user = strs[0],
			       .argv = strs + 1, .env = strs + 2 + h.argc };
	return true;
}

static ssize_t recv_request(int fd, char *buf, size_t len, int fds[3])
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), (nfds < 3 ? nfds : 3) * sizeof(int));
		for (size_t i = 3; i < nfds; i++) {
			int extra;
			memcpy(&extra, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(extra);
		}
	}
	if (n > 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -1;
	return n;
}

static void send_pidfd(int conn, pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (char *)"P", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (pfd >= 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pfd, sizeof(int));
	}
	sendmsg(conn, &msg, MSG_NOSIGNAL);
	if (pfd >= 0)
		close(pfd);
}

static void drop_conn(struct conn *c)
{
	close(c->fd);
	*c = (struct conn){ .fd = -1 };
}

static void refuse(struct conn *c, const char *why)
{
	send(c->fd, why, strlen(why), MSG_NOSIGNAL);
	drop_conn(c);
}

static void handle_request(struct init *in, struct conn *c)
{
	/* Not initialised: only the pages a request fills become resident, and an idle jail's
	 * memory is mostly this process. */
	char buf[INIT_REQ_MAX];
	int fds[3] = { -1, -1, -1 };
	ssize_t n = recv_request(c->fd, buf, sizeof(buf), fds);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {   /* EOF, or a message cut short */
		drop_conn(c);
		return;
	}
	struct request r = { 0 };
	pid_t pid = -1;
	if (in->stopping)
		refuse(c, "Ethe jail is stopping");
	else if (!parse_request(buf, (size_t)n, &r))
		refuse(c, "Ebad request");
	else if ((pid = spawn_command(c->fd, &r, fds)) < 0)
		refuse(c, "Ecannot fork");
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r.argv)
		free(r.argv - 1);
	if (pid > 0) {
		c->child = pid;
		send_pidfd(c->fd, pid);
	}
}

/* ---- the loop ---- */

static void accept_conn(struct init *in)
{
	int fd = accept4(in->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (in->conns[i].fd < 0) {
			in->conns[i] = (struct conn){ .fd = fd };
			return;
		}
	}
	close(fd);   /* too many at once: the caller falls back to joining the jail itself */
}

static void report_exit(struct init *in, pid_t pid, int ws)
{
	for (size_t i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &in->conns[i];
		if (c->fd >= 0 && c->child == pid) {
			struct init_status st = { .type = 'S', .wait_status = ws };
			send(c->fd, &st, sizeof(st), MSG_NOSIGNAL);
			drop_conn(c);
		}
	}
}

/* SIGTERM, SIGINT or SIGPWR: every process of the jail gets SIGTERM once, and no more
 * requests are taken. */
static void begin_stop(struct init *in)
{
	if (!in->stopping)
		kill(-1, SIGTERM);
	in->stopping = true;
	if (in->listen_fd >= 0)
		close(in->listen_fd);
	in->listen_fd = -1;
}

/* Reap every exited child; false once there are no children at all. */
static bool reap(struct init *in)
{
	for (;;) {
		int ws = 0;
		pid_t p = waitpid(-1, &ws, WNOHANG);
		if (p > 0) {
			report_exit(in, p, ws);
			continue;
		}
		if (p < 0 && errno == EINTR)
			continue;
		return !(p < 0 && errno == ECHILD);
	}
}

/* false: the jail is stopping and nothing is left. */
static bool handle_signals(struct init *in)
{
	struct signalfd_siginfo si;
	bool chld = false;
	while (read(in->sigfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR)
			begin_stop(in);
		chld = true;
	}
	return !(chld && !reap(in) && in->stopping);
}

static int serve(struct init *in)
{
	for (;;) {
		struct pollfd p[2 + MAX_CONNS];
		struct conn *owner[2 + MAX_CONNS] = { 0 };
		nfds_t n = 0;
		p[n++] = (struct pollfd){ .fd = in->sigfd, .events = POLLIN };
		if (in->listen_fd >= 0)
			p[n++] = (struct pollfd){ .fd = in->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < MAX_CONNS; i++) {
			if (in->conns[i].fd >= 0 && in->conns[i].child == 0) {
				owner[n] = &in->conns[i];
				p[n++] = (struct pollfd){ .fd = in->conns[i].fd, .events = POLLIN };
			}
		}
		if (poll(p, n, -1) < 0)
			continue;
		if ((p[0].revents & POLLIN) && !handle_signals(in))
			return 0;
		for (nfds_t i = 1; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (owner[i])
				handle_request(in, owner[i]);
			else
				accept_conn(in);
		}
	}
}

/* Without a socket (or signalfd): signals only, as before requests existed. */
static int wait_signals(const sigset_t *all)
{
	struct init in = { .listen_fd = -1 };
	for (;;) {
		int sig = sigwaitinfo(all, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR)
			begin_stop(&in);
		else if (sig != SIGCHLD)
			continue;
		if (!reap(&in) && in.stopping)
			return 0;
	}
}

/* argv[i]: a socket descriptor handed over by jailctl, or "-". */
static int socket_arg(int argc, char **argv, int i)
{
	struct stat st;
	char *end;
	long fd = argc > i ? strtol(argv[i], &end, 10) : -1;
	if (fd < 3 || fd > 65535 || *end || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return (int)fd;
}

/* jailctl's "G": the jail's network is ready and exec_start is queued. Anything else (EOF:
 * jailctl gave up on the start) ends the jail before anything ran in it. */
static bool wait_go(int go_fd)
{
	if (go_fd < 0)
		return true;
	char c = 0;
	ssize_t n;
	while ((n = read(go_fd, &c, 1)) < 0 && errno == EINTR)
		;
	close(go_fd);
	return n == 1 && c == 'G';
}

int main(int argc, char **argv)
{
	/* Jail root has the same uid and capabilities as this process: without this it could
	 * trace it, or open /proc/1/exe, which is jailctl-init's file on the host. */
	prctl(PR_SET_DUMPABLE, 0);
	sigset_t all;
	sigfillset(&all);
	/* Signals are taken synchronously: a blocked signal is queued rather than dropped
	 * (the kernel drops default-action signals sent to a namespace's init). */
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (!wait_go(socket_arg(argc, argv, 2)))
		return 1;
	struct init in = { .listen_fd = socket_arg(argc, argv, 1) };
	for (size_t i = 0; i < MAX_CONNS; i++)
		in.conns[i].fd = -1;
	in.sigfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (in.sigfd < 0) {
		if (in.listen_fd >= 0)
			close(in.listen_fd);
		return wait_signals(&all);
	}
	return serve(&in);
}
