/* Running a command in a jail through its jailctl-init (src/lib/init_proto.h): the init
 * starts it inside the jail, so this process joins no namespace or cgroup and drops
 * nothing; it sends the command with its stdio and waits for the exit status. The setns
 * path in runtime_exec.c remains for inits that take no requests. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init_proto.h"
#include "kernel_api.h"
#include "runtime_priv.h"
#include "util.h"

extern char **environ;

char *rt_init_socket_path(const struct rt_state *st)
{
	size_t n = strlen(st->path);
	if (n < 5 || strcmp(st->path + n - 5, ".json") != 0)
		return NULL;
	return xasprintf("%.*s.sock", (int)(n - 5), st->path);
}

static bool fill_addr(const char *path, struct sockaddr_un *a)
{
	*a = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(a->sun_path))
		return false;
	memcpy(a->sun_path, path, strlen(path) + 1);
	return true;
}

int rt_init_listen(const struct rt_state *st)
{
	cleanup_free char *path = rt_init_socket_path(st);
	struct sockaddr_un a;
	if (!fill_addr(path, &a))
		return -1;   /* a name too long for a socket path: exec joins the jail itself */
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	unlink(path);   /* left by a jail that was not stopped by jailctl */
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void rt_init_unlink(const struct rt_state *st)
{
	cleanup_free char *path = rt_init_socket_path(st);
	if (path)
		unlink(path);
}

/* ---- the request ---- */

static void put(char **buf, size_t *len, const void *data, size_t n)
{
	*buf = xrealloc(*buf, *len + n);
	memcpy(*buf + *len, data, n);
	*len += n;
}

static char *build_request(const struct rt_exec_opts *o, size_t *len)
{
	mode_t mask = umask(022);
	umask(mask);
	size_t argc = 0, envc = 0;
	while (o->argv[argc])
		argc++;
	while (environ && environ[envc])
		envc++;
	struct init_request h = { .version = INIT_PROTO_VERSION, .umask = mask,
				  .flags = o->clean_env ? INIT_REQ_CLEAN_ENV : 0,
				  .argc = (uint32_t)argc, .envc = (uint32_t)envc };
	char *buf = NULL;
	*len = 0;
	put(&buf, len, &h, sizeof(h));
	const char *user = o->user ? o->user : "";
	put(&buf, len, user, strlen(user) + 1);
	for (size_t i = 0; i < argc; i++)
		put(&buf, len, o->argv[i], strlen(o->argv[i]) + 1);
	for (size_t i = 0; i < envc; i++)
		put(&buf, len, environ[i], strlen(environ[i]) + 1);
	return buf;
}

/* stdin/stdout/stderr for the command: the given fds, else this process's own (closed
 * ones as /dev/null, so that the command's 0-2 are never some other file). */
static void pick_stdio(const struct rt_exec_opts *o, int fds[3], int *null_fd)
{
	const int want[3] = { o->in_fd, o->out_fd, o->err_fd };
	for (int i = 0; i < 3; i++) {
		fds[i] = want[i] >= 0 ? want[i] : i;
		if (fcntl(fds[i], F_GETFD) < 0) {
			if (*null_fd < 0)
				*null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			fds[i] = *null_fd;
		}
	}
}

static int send_request(int sock, const struct rt_exec_opts *o)
{
	size_t len;
	cleanup_free char *buf = build_request(o, &len);
	if (len > INIT_REQ_MAX)
		return 1;
	int fds[3], null_fd = -1;
	pick_stdio(o, fds, &null_fd);
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	int e = errno;
	if (null_fd >= 0)
		close(null_fd);
	/* Too big for the socket: the setns path has no such limit. */
	return n == (ssize_t)len ? 0 : (e == EMSGSIZE ? 1 : -e);
}

/* ---- waiting ---- */

/* A signal that comes before the command runs is kept for it; if the command has still
 * not started this much later, the init is wedged and jailctl gives up instead. */
enum { EARLY_SIGNAL_GRACE_MS = 2000 };

struct job {
	int sock, pidfd, sigfd;
	sigset_t early;   /* signals that came before the command's pidfd */
	int first_early;  /* the first of them, 0: none */
	long long give_up;   /* jc_now_ms() at which to stop waiting for the pidfd, -1: never */
	bool have_status, failed;
	int wait_status;
	char msg[JC_ERROR_MSG_MAX];
};

static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

/* The init sends the pidfd once the command runs, which may be after a ^C: that one is
 * passed on now. */
static void take_pidfd(struct job *j, struct msghdr *msg)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || j->pidfd >= 0)
		return;
	memcpy(&j->pidfd, CMSG_DATA(c), sizeof(int));
	for (size_t i = 0; i < JC_ARRAY_SIZE(forwarded); i++)
		if (sigismember(&j->early, forwarded[i]) == 1)
			pidfd_send_signal(j->pidfd, forwarded[i], NULL, 0);
	sigemptyset(&j->early);
}

/* One message from the init or the command; false at EOF. */
static bool read_message(struct job *j)
{
	char buf[JC_ERROR_MSG_MAX + 1];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(j->sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (buf[0] == 'P') {
		take_pidfd(j, &msg);
	} else if (buf[0] == 'E') {
		j->failed = true;
		snprintf(j->msg, sizeof(j->msg), "%s", buf + 1);
	} else if (buf[0] == 'S' && (size_t)n >= sizeof(struct init_status)) {
		struct init_status st;
		memcpy(&st, buf, sizeof(st));
		j->wait_status = st.wait_status;
		j->have_status = true;
	}
	return true;
}

static void forward_signal(struct job *j)
{
	struct signalfd_siginfo si;
	while (read(j->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (j->pidfd >= 0) {
			pidfd_send_signal(j->pidfd, (int)si.ssi_signo, NULL, 0);
			continue;
		}
		sigaddset(&j->early, (int)si.ssi_signo);
		if (!j->first_early) {
			j->first_early = (int)si.ssi_signo;
			j->give_up = jc_now_ms() + EARLY_SIGNAL_GRACE_MS;
		}
	}
}

/* ms until the next thing to act on (the timeout, or giving up on a command that never
 * started), -1 for none. */
static int next_wait(const struct job *j, long long deadline, bool timed_out)
{
	long long now = jc_now_ms(), left = -1;
	if (deadline >= 0 && !timed_out)
		left = deadline > now ? deadline - now : 0;
	if (j->pidfd < 0 && j->give_up >= 0) {
		long long g = j->give_up > now ? j->give_up - now : 0;
		if (left < 0 || g < left)
			left = g;
	}
	return (int)left;
}

/* Until the init closes the connection; 0, -ETIMEDOUT once the command was killed, or
 * -EINTR when a signal came and the command never started. */
static int wait_job(struct job *j, long timeout_s)
{
	long long deadline = timeout_s > 0 ? jc_now_ms() + timeout_s * 1000LL : -1;
	bool timed_out = false;
	for (;;) {
		struct pollfd p[2] = { { .fd = j->sock, .events = POLLIN },
				       { .fd = j->sigfd, .events = POLLIN } };
		int left = next_wait(j, deadline, timed_out);
		int r = left == 0 ? 0 : poll(p, j->sigfd >= 0 ? 2 : 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			/* Nothing started yet (an init that does not answer): nothing to kill or
			 * wait for. Else the init reaps the killed command and reports as usual. */
			if (j->pidfd < 0 && j->give_up >= 0 && jc_now_ms() >= j->give_up)
				return -EINTR;
			if (j->pidfd < 0)
				return -ETIMEDOUT;
			pidfd_send_signal(j->pidfd, SIGKILL, NULL, 0);
			timed_out = true;
			continue;
		}
		if (j->sigfd >= 0 && (p[1].revents & POLLIN))
			forward_signal(j);
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !read_message(j))
			return timed_out ? -ETIMEDOUT : 0;
	}
}

/* Like system(): a terminal's ^C, ^\ and a hangup or TERM sent to jailctl are for the
 * command, which is not in jailctl's process group. */
static int open_sigfd(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < JC_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int connect_init(const struct rt_state *st)
{
	cleanup_free char *path = rt_init_socket_path(st);
	struct sockaddr_un a;
	if (!fill_addr(path, &a))
		return -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int rt_init_exec_send(const struct rt_state *st, const struct rt_exec_opts *o, int *out_sock,
		      struct jc_error *err)
{
	*out_sock = -1;
	int sock = connect_init(st);
	if (sock < 0)
		return 1;   /* no socket, or an init that does not listen: the setns path */
	int r = send_request(sock, o);
	if (r != 0) {
		close(sock);
		return r == 1 ? 1 : jc_error_errno(err, -r, "cannot reach the jail's init");
	}
	*out_sock = sock;
	return 0;
}

static struct job new_job(int sock)
{
	struct job j = { .sock = sock, .pidfd = -1, .sigfd = -1, .give_up = -1 };
	sigemptyset(&j.early);
	return j;
}

/* Waits for the command (j->sigfd: passing signals on, or -1) and closes the socket. */
static int finish(struct job *j, long timeout_s, int *status, struct jc_error *err)
{
	int r = wait_job(j, timeout_s);
	close(j->sock);
	if (j->pidfd >= 0)
		close(j->pidfd);
	if (r == -ETIMEDOUT)
		return r;
	if (r == -EINTR)
		return jc_error_set(err, EINTR, "gave up on SIG%s: the jail's init had not started the "
				    "command", sigabbrev_np(j->first_early));
	if (r < 0)
		return jc_error_errno(err, -r, "cannot reach the jail's init");
	if (j->failed)
		return jc_error_set(err, ENOEXEC, "%s", j->msg);
	if (!j->have_status)
		return jc_error_set(err, EPIPE, "the jail's init went away");
	*status = rt_decode_status(j->wait_status);
	return 0;
}

int rt_init_exec_wait(int sock, long timeout_s, int *status, struct jc_error *err)
{
	struct job j = new_job(sock);
	return finish(&j, timeout_s, status, err);
}

int rt_init_exec(const struct rt_state *st, const struct rt_exec_opts *o, long timeout_s,
		 bool forward_signals, int *status, struct jc_error *err)
{
	struct job j = new_job(-1);
	/* Taken before the request goes: from then on a signal is the command's, and one that
	 * came in between would otherwise end jailctl and leave the command to run. */
	sigset_t old;
	if (forward_signals)
		j.sigfd = open_sigfd(&old);
	int r = rt_init_exec_send(st, o, &j.sock, err);
	if (r == 0)
		r = finish(&j, timeout_s, status, err);
	if (j.sigfd >= 0)
		close(j.sigfd);
	if (forward_signals)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
