/* Network namespaces of jails: opening, entering for a moment, and their sysctls. Shared
 * by the netlink code (net_link.c) and by what the static jailctl does without it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_priv.h"

/* ---- namespaces ---- */

int net_ns_open(pid_t pid, struct jc_error *err)
{
	char path[64];
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/thread-self/ns/net");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	return fd;
}

/* Switch this thread into ns_fd; *saved receives the namespace to come back to. */
int net_ns_enter(int ns_fd, int *saved, struct jc_error *err)
{
	*saved = -1;
	if (ns_fd < 0)
		return 0;
	int fd = net_ns_open(0, err);
	if (fd < 0)
		return fd;
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(fd);
		return jc_error_errno(err, e, "cannot enter the jail's network namespace");
	}
	*saved = fd;
	return 0;
}

void net_ns_leave(int saved)
{
	if (saved < 0)
		return;
	/* Carrying on in the jail's namespace would apply host changes to the jail (and the
	 * other way round): there is no safe way forward if returning fails. */
	if (setns(saved, CLONE_NEWNET) < 0)
		abort();
	close(saved);
}

int net_sysctl(int ns_fd, const char *path, const char *value, struct jc_error *err)
{
	int saved;
	int r = net_ns_enter(ns_fd, &saved, err);
	if (r < 0)
		return r;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = errno;
	size_t len = strlen(value);
	if (fd >= 0) {
		e = write(fd, value, len) == (ssize_t)len ? 0 : errno ? errno : EIO;
		close(fd);
	}
	net_ns_leave(saved);
	return e ? jc_error_errno(err, e, "%s", path) : 0;
}
