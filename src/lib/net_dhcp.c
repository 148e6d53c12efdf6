/* DHCP for VNET jails: busybox's udhcpc (the host's static busybox, so any release works)
 * runs as a host process inside the jail's network namespace for the jail's lifetime. Its
 * event script is jailctl itself (JC_NET_DHCP_HOOK_ENV set), which applies the lease
 * through netlink in that namespace: nothing of the DHCP client or its script runs inside
 * the jail, and nothing is written into the jail's files. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel_api.h"
#include "net_priv.h"
#include "runtime_priv.h"
#include "util.h"
#include "validate.h"

#define BUSYBOX "/bin/busybox"

enum { POLL_MS = 10, KILL_WAIT_MS = 2000 };

static int open_log(const struct jc_ctx *ctx, const char *name)
{
	cleanup_free char *path = xasprintf("%s/log/%s-console.log", ctx->iocroot, name);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	return fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/* Runs in the forked child: become a daemon in the jail's network namespace. */
static void __attribute__((noreturn)) dhcp_child(int ns_fd, int log_fd, int pipe_wr,
						 char *const argv[], char *const envp[])
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0 || setns(ns_fd, CLONE_NEWNET) < 0)
		_exit(126);
	/* A second fork leaves the client to init: jailctl never has to reap it. */
	pid_t pid = fork();
	if (pid != 0) {
		(void)!write(pipe_wr, &pid, sizeof(pid));
		_exit(pid < 0 ? 126 : 0);
	}
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
	execve(BUSYBOX, argv, envp);
	_exit(127);
}

/* Into the jail's cgroups (from the runtime's state): the client counts against the jail's
 * limits and is killed with the jail's other processes when it stops. */
static void join_jail_cgroups(const struct jc_ctx *ctx, const char *name, pid_t pid)
{
	struct rt_state st;
	struct jc_error e = { 0 };
	cleanup_free char *path = rt_state_path(ctx, name);
	if (rt_state_load(path, &st, &e) < 0)
		return;
	if (rt_cgroups_attach(&st.cg, pid, &e) < 0)
		jc_debug(ctx, "%s: DHCP client stays outside the jail's cgroups: %s", name, e.msg);
	rt_state_release(&st);
}

int net_dhcp_spawn(const struct jc_ctx *ctx, const struct net_plan *p, int ns_fd,
		   const char *ifname, pid_t *out_pid, unsigned long long *out_start,
		   struct jc_error *err)
{
	if (access(BUSYBOX, X_OK) < 0)
		return jc_error_errno(err, errno, "%s: DHCP needs %s (install busybox-static)",
				      p->name, BUSYBOX);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return jc_error_errno(err, errno, "/proc/self/exe");
	self[n] = '\0';
	cleanup_free char *host = xasprintf("hostname:%s", p->hostname);
	cleanup_free char *table = xasprintf("JAILCTL_DHCP_TABLE=%u", p->fib);
	char *const argv[] = { "udhcpc", "-f", "-i", (char *)ifname, "-s", self, "-t", "3",
			       "-T", "1", "-A", "2", "-x", host, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", JC_NET_DHCP_HOOK_ENV "=1",
			       table, NULL };
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	cleanup_close int rd = fds[0], wr = fds[1];
	cleanup_close int log_fd = open_log(ctx, p->name);
	pid_t child = fork();
	if (child < 0)
		return jc_error_errno(err, errno, "%s: fork", p->name);
	if (child == 0)
		dhcp_child(ns_fd, log_fd, wr, argv, envp);
	close(steal_fd(wr));
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	pid_t pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    read(rd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || pid <= 0)
		return jc_error_set(err, EIO, "%s: cannot start the DHCP client on %s", p->name,
				    ifname);
	*out_pid = pid;
	*out_start = net_pid_start(pid);
	join_jail_cgroups(ctx, p->name, pid);
	return 0;
}

/* The first IPv4 address of ifname, "a/n", or NULL. */
static char *ifname_ip4(struct nl *nl, const char *ifname)
{
	struct nl_link link;
	struct jc_error ignored = { 0 };
	if (nl_link_by_name(nl, ifname, &link, &ignored) < 0)
		return NULL;
	cleanup_free struct nl_addr *addrs = NULL;
	size_t n = 0;
	if (nl_addrs(nl, AF_INET, &addrs, &n, &ignored) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (addrs[i].index == link.index)
			return net_addr_text(&addrs[i].a);
	return NULL;
}

int net_dhcp_wait(int ns_fd, const char *ifname, pid_t pid, unsigned long long start,
		  long timeout_ms, char **addr, struct jc_error *err)
{
	struct nl nl;
	int r = nl_open(&nl, ns_fd, err);
	if (r < 0)
		return r;
	long long deadline = jc_now_ms() + timeout_ms;
	for (;;) {
		*addr = ifname_ip4(&nl, ifname);
		if (*addr)
			break;
		if (net_pid_start(pid) != start) {
			r = jc_error_set(err, ESRCH, "the DHCP client on %s exited", ifname);
			break;
		}
		if (jc_now_ms() >= deadline) {
			r = jc_error_set(err, ETIMEDOUT, "no lease on %s within %ld s", ifname,
					 (timeout_ms + 999) / 1000);
			break;
		}
		struct timespec ts = { 0, POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	nl_close(&nl);
	return r;
}

void net_dhcp_kill(pid_t pid, unsigned long long start)
{
	int fd = pid > 0 ? pidfd_open(pid, 0) : -1;
	if (fd < 0)
		return;
	/* Checked after opening: from here on the pidfd pins this very process. */
	if (start != 0 && net_pid_start(pid) == start) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		pidfd_send_signal(fd, SIGTERM, NULL, 0);
		if (poll(&p, 1, KILL_WAIT_MS) == 0) {
			pidfd_send_signal(fd, SIGKILL, NULL, 0);
			poll(&p, 1, KILL_WAIT_MS);
		}
	}
	close(fd);
}

/* ---- the event script ---- */

static unsigned lease_plen(const uint8_t ip[4])
{
	unsigned long long n;
	const char *mask = getenv("mask");
	if (mask && jc_parse_uint_range(mask, 0, 32, &n))
		return (unsigned)n;
	uint8_t sub[4];
	const char *subnet = getenv("subnet");
	if (subnet && jc_parse_ipv4(subnet, sub)) {
		uint32_t m = (uint32_t)sub[0] << 24 | (uint32_t)sub[1] << 16 | (uint32_t)sub[2] << 8 |
			     sub[3];
		return (unsigned)__builtin_popcount(m);
	}
	return net_default_plen4(ip);
}

/* Remove the interface's IPv4 addresses except keep (NULL: all). */
static int flush_ip4(struct nl *nl, int index, const struct net_addr *keep, struct jc_error *err)
{
	cleanup_free struct nl_addr *addrs = NULL;
	size_t n = 0;
	int r = nl_addrs(nl, AF_INET, &addrs, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (addrs[i].index != index)
			continue;
		if (keep && addrs[i].a.plen == keep->plen && memcmp(addrs[i].a.addr, keep->addr, 4) == 0)
			continue;
		r = nl_addr_del(nl, index, &addrs[i].a, err);
	}
	return r;
}

static int lease_apply(struct nl *nl, int index, struct jc_error *err)
{
	struct net_addr a = { .family = AF_INET };
	const char *ip = getenv("ip");
	if (!ip || !jc_parse_ipv4(ip, a.addr))
		return jc_error_set(err, EINVAL, "DHCP lease without a valid address");
	a.plen = lease_plen(a.addr);
	int r = flush_ip4(nl, index, &a, err);
	if (r == 0)
		r = nl_addr_add(nl, index, &a, false, err);
	unsigned long long table = 0;
	const char *t = getenv("JAILCTL_DHCP_TABLE");
	if (r < 0 || (t && !jc_parse_uint_range(t, 0, 0x7fffffff, &table)))
		return r;
	/* The first router the server offers becomes the default route. */
	cleanup_strv char **routers = jc_strsplit(getenv("router") ? getenv("router") : "", " ");
	uint8_t gw[16] = { 0 };
	if (routers[0] && jc_parse_ipv4(routers[0], gw))
		r = nl_route_default(nl, AF_INET, gw, index, (unsigned)table, false, err);
	return r;
}

int jc_net_dhcp_event(const char *event, struct jc_error *err)
{
	const char *ifname = getenv("interface");
	if (!ifname || !jc_valid_ifname(ifname))
		return jc_error_set(err, EINVAL, "DHCP event %s: no valid interface", event);
	bool deconfig = strcmp(event, "deconfig") == 0;
	if (!deconfig && strcmp(event, "bound") != 0 && strcmp(event, "renew") != 0)
		return 0;   /* leasefail, nak: nothing to change */
	struct nl nl;
	int r = nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	struct nl_link link;
	r = nl_link_by_name(&nl, ifname, &link, err);
	if (r == 0 && deconfig)
		r = flush_ip4(&nl, link.index, NULL, err);
	if (r == 0)
		r = nl_link_set(&nl, link.index, 1, -1, err);
	if (r == 0 && !deconfig)
		r = lease_apply(&nl, link.index, err);
	nl_close(&nl);
	return r < 0 ? jc_error_wrap(err, "DHCP %s on %s", event, ifname) : 0;
}
