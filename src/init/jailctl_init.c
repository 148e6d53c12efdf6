/* jailctl-init: PID 1 of a jail. It keeps the jail's pid namespace alive while nothing
 * else runs in it (iocage's "persist"), reaps every orphan, and shuts the jail down on
 * SIGTERM, SIGINT or SIGPWR: it passes SIGTERM on to every process of the jail and exits
 * once none of its children is left. jailctl stop sends SIGKILL after stop_timeout if
 * that takes too long; the kernel then kills whatever remains in the namespace.
 *
 * Static and tiny on purpose: an idle jail costs little more than this process, and it
 * runs from an fd opened on the host, so nothing of it needs to exist in the jail. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reap every exited child; false once there are no children at all. */
static bool reap(void)
{
	for (;;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0)
			continue;
		if (p < 0 && errno == EINTR)
			continue;
		return !(p < 0 && errno == ECHILD);
	}
}

int main(void)
{
	/* Jail root has the same uid and capabilities as this process: without this it could
	 * trace it, or open /proc/1/exe, which is jailctl-init's file on the host. */
	prctl(PR_SET_DUMPABLE, 0);
	sigset_t all;
	sigfillset(&all);
	/* Signals are taken synchronously: a blocked signal is queued rather than dropped
	 * (the kernel drops default-action signals sent to a namespace's init). */
	sigprocmask(SIG_BLOCK, &all, NULL);
	bool stopping = false;
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR) {
			if (!stopping)
				kill(-1, SIGTERM);
			stopping = true;
		} else if (sig != SIGCHLD) {
			continue;
		}
		if (!reap() && stopping)
			return 0;
	}
}
