/* jailctl console: a login shell on a new pty of the jail's own devpts instance, relayed
 * to the caller's terminal (raw mode while it runs, window size kept in sync). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kernel_api.h"
#include "runtime_priv.h"
#include "util.h"

static int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static bool still_alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, 0) == 0;
}

/* The jail's /dev/pts/ptmx, reached through /proc/PID/root without following any link
 * the jail could have planted; the pty's other side comes from TIOCGPTPEER, no path. */
static int open_pty(const struct rt_state *st, int pidfd, int *master, int *slave, bool *has_login,
		    struct jc_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)st->init_pid);
	cleanup_close int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* The init still being alive proves path led to it and not to a recycled pid. */
	if (root < 0 || !still_alive(pidfd))
		return jc_error_errno(err, root < 0 ? errno : ESRCH, "%s", path);
	*master = open_beneath(root, "dev/pts/ptmx", O_RDWR | O_NOCTTY);
	if (*master < 0)
		return jc_error_errno(err, -*master, "the jail's /dev/pts/ptmx");
	int unlock = 0;
	if (ioctl(*master, TIOCSPTLCK, &unlock) < 0)
		return jc_error_errno(err, errno, "pty: unlock");
	*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return jc_error_errno(err, errno, "pty: open the terminal side");
	int login = open_beneath(root, "bin/login", O_PATH);
	*has_login = login >= 0;
	if (login >= 0)
		close(login);
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Returns false when the source is done. */
static bool pump(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	return n > 0 && write_all(to, buf, (size_t)n) == 0;
}

static void drain(int master)
{
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	char buf[4096];
	ssize_t n;
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			break;
}

static void relay(int master, int childfd, int sigfd)
{
	struct pollfd p[4] = {
		{ .fd = STDIN_FILENO, .events = POLLIN }, { .fd = master, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN }, { .fd = childfd, .events = POLLIN },
	};
	for (;;) {
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents && !pump(STDIN_FILENO, master))
			p[0].fd = -1;   /* caller's input ended: keep showing output */
		if (p[1].revents && !pump(master, STDOUT_FILENO))
			return;
		if (p[2].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) > 0)
				copy_winsize(master);
		}
		if (p[3].revents) {
			drain(master);
			return;
		}
	}
}

static char **login_argv(const struct jc_jail *jail, bool has_login)
{
	char **argv = NULL;
	if (!has_login) {
		jc_strv_push(&argv, "/bin/sh");
		jc_strv_push(&argv, "-l");
		return argv;
	}
	jc_strv_push(&argv, "/bin/login");
	jc_strv_push(&argv, "-p");
	cleanup_free char *flags = jc_jail_get(jail, "login_flags");
	cleanup_strv char **f = jc_strsplit(flags && strcmp(flags, "none") != 0 ? flags : "-f root",
					    " \t");
	for (size_t i = 0; f[i]; i++)
		jc_strv_push(&argv, f[i]);
	return argv;
}

static int run_console(const struct jc_jail *jail, const struct rt_state *st, int pidfd,
		       struct jc_error *err)
{
	cleanup_close int master = -1, slave = -1;
	bool has_login = false;
	int r = open_pty(st, pidfd, &master, &slave, &has_login, err);
	if (r < 0)
		return r;
	copy_winsize(master);
	cleanup_strv char **argv = login_argv(jail, has_login);
	struct rt_exec_opts o = { .argv = argv, .in_fd = -1, .out_fd = -1, .err_fd = -1,
				  .tty_fd = slave, .clean_env = true };
	pid_t pid;
	r = rt_exec_spawn(st, pidfd, &o, &pid, err);
	if (r < 0)
		return r;
	close(steal_fd(slave));
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	cleanup_close int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	cleanup_close int childfd = pidfd_open(pid, 0);
	struct termios saved;
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	relay(master, childfd, sigfd);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	waitpid(pid, NULL, 0);
	return 0;
}

int jc_runtime_console(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	struct rt_state st;
	int r = rt_state_probe(ctx, jail->name, RT_PROBE_CLEAN, &st, err);
	int pidfd = r > 0 ? rt_pidfd_checked(st.init_pid, st.init_start) : -1;
	if (r >= 0 && pidfd < 0)
		r = jc_error_set(err, ESRCH, "%s is not running!", jail->name);
	cleanup_close int pfd = pidfd;
	if (r >= 0) {
		r = run_console(jail, &st, pfd, err);
		if (r < 0)
			jc_error_wrap(err, "%s: console", jail->name);
	}
	rt_state_release(&st);
	return r < 0 ? r : 0;
}
