/* Everything a start needs, read from the jail's effective properties up front, so that
 * bad values are reported before anything is created, and the child that builds the jail
 * only acts on plain values. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "net.h"
#include "runtime_priv.h"
#include "util.h"

/* Every RCTL property; rt_limits_set ignores the ones that are not limits. */
static const char *const limit_keys[] = {
	"memoryuse", "memorylocked", "vmemoryuse", "maxproc", "cputime", "pcpu", "datasize",
	"stacksize", "coredumpsize", "openfiles", "pseudoterminals", "swapuse", "nthr",
	"msgqqueued", "msgqsize", "nmsgq", "nsem", "nsemop", "nshm", "shmsize", "wallclock",
	"readbps", "writebps", "readiops", "writeiops", "cpuset",
};

static bool is_none(const char *v)
{
	return !v || !*v || strcmp(v, "none") == 0;
}

char *rt_hostname_for(const char *name, const char *host_hostname)
{
	if (!is_none(host_hostname))
		return xstrdup(host_hostname);
	/* iocage's default: the name, with '_' (not valid in host names) as '-'. */
	char *h = xstrdup(name);
	for (char *p = h; *p; p++)
		if (*p == '_')
			*p = '-';
	return h;
}

char *rt_resolver_render(const char *resolver, const char *host_conf)
{
	if (resolver && strcmp(resolver, "/dev/null") == 0)
		return NULL;
	if (!resolver || strcmp(resolver, "/etc/resolv.conf") == 0 || is_none(resolver))
		return host_conf ? xstrdup(host_conf) : NULL;
	/* Literal contents, lines separated by ';'. */
	cleanup_strv char **lines = jc_strsplit(resolver, ";");
	char *out = xstrdup("");
	for (size_t i = 0; lines[i]; i++) {
		char *line = jc_strstrip(lines[i]);
		if (!*line)
			continue;
		char *next = xasprintf("%s%s\n", out, line);
		free(out);
		out = next;
	}
	return out;
}

static bool prop_is(const struct jc_jail *jail, const char *key, const char *value)
{
	cleanup_free char *v = jc_jail_get(jail, key);
	return jc_streq(v, value);
}

/* One IPC namespace covers message queues, semaphores and shared memory, so the host's
 * is shared only when all three are inherit (or the older allow_sysvipc is on). */
static void plan_ipc(const struct jc_jail *jail, struct rt_plan *p)
{
	static const char *const keys[] = { "sysvmsg", "sysvsem", "sysvshm" };
	size_t inherit = 0, disable = 0;
	for (size_t i = 0; i < JC_ARRAY_SIZE(keys); i++) {
		inherit += prop_is(jail, keys[i], "inherit");
		disable += prop_is(jail, keys[i], "disable");
	}
	if (inherit == JC_ARRAY_SIZE(keys) || jc_jail_get_bool(jail, "allow_sysvipc"))
		return;
	p->ns_flags |= CLONE_NEWIPC;
	p->ipc_disable = disable == JC_ARRAY_SIZE(keys);
}

static void plan_privs(const struct jc_jail *jail, struct rt_plan *p)
{
	bool vnet = jc_jail_get_bool(jail, "vnet");
	bool inherit = prop_is(jail, "ip4", "inherit") || prop_is(jail, "ip6", "inherit");
	if (vnet || !inherit)
		p->ns_flags |= CLONE_NEWNET;
	p->privs = (struct rt_privs){
		.allow_chflags = jc_jail_get_bool(jail, "allow_chflags"),
		.allow_mlock = jc_jail_get_bool(jail, "allow_mlock"),
		.allow_raw_sockets = jc_jail_get_bool(jail, "allow_raw_sockets"),
		.bpf = jc_jail_get_bool(jail, "bpf"),
		.vnet = vnet,
		.own_netns = (p->ns_flags & CLONE_NEWNET) != 0,
		.allow_mount = jc_jail_get_bool(jail, "allow_mount"),
		.allow_quotas = jc_jail_get_bool(jail, "allow_quotas"),
		.allow_socket_af = jc_jail_get_bool(jail, "allow_socket_af"),
	};
	p->caps_keep = rt_caps_keep(&p->privs);
	p->seccomp = rt_seccomp_flags(&p->privs);
}

static int plan_limits(struct jc_ctx *ctx, const struct jc_jail *jail, struct rt_plan *p,
		       struct jc_error *err)
{
	rt_limits_init(&p->limits);
	for (size_t i = 0; i < JC_ARRAY_SIZE(limit_keys); i++) {
		cleanup_free char *v = jc_jail_get(jail, limit_keys[i]);
		cleanup_free char *warning = NULL;
		int r = rt_limits_set(&p->limits, limit_keys[i], v, &warning, err);
		if (r < 0)
			return jc_error_wrap(err, "%s", jail->name);
		if (warning)
			jc_warning(ctx, "%s: %s", jail->name, warning);
	}
	return 0;
}

static int plan_files(const struct jc_jail *jail, struct rt_plan *p, struct jc_error *err)
{
	cleanup_free char *resolver = jc_jail_get(jail, "resolver");
	cleanup_free char *host_conf = NULL;
	/* A missing host resolv.conf leaves the jail's alone. */
	if (jc_read_file("/etc/resolv.conf", &host_conf, NULL, err) < 0)
		host_conf = NULL;
	p->resolv = rt_resolver_render(resolver, host_conf);
	p->resolv_len = p->resolv ? strlen(p->resolv) : 0;
	if (jc_jail_get_bool(jail, "host_time") &&
	    jc_read_file("/etc/localtime", &p->localtime, &p->localtime_len, err) < 0)
		p->localtime = NULL;
	jc_error_clear(err);
	return jc_net_proxy_values(jail, &p->http_proxy, &p->https_proxy, err);
}

static int plan_fstab(const struct jc_jail *jail, struct rt_plan *p, struct jc_error *err)
{
	if (!jail->fstab || !jc_path_exists(jail->fstab))
		return 0;
	int r = jc_fstab_read(jail->fstab, &p->fstab, err);
	return r < 0 ? jc_error_wrap(err, "%s", jail->name) : 0;
}

int rt_plan_build(struct jc_ctx *ctx, struct jc_jail *jail, struct rt_plan *p,
		  struct jc_error *err)
{
	memset(p, 0, sizeof(*p));
	p->name = jail->name;
	p->root = jail->root;
	p->storage = ctx->storage;
	cleanup_free char *hh = jc_jail_get(jail, "host_hostname");
	p->hostname = rt_hostname_for(jail->name, hh);
	char *dom = jc_jail_get(jail, "host_domainname");
	if (is_none(dom))
		free(steal_ptr(dom));
	p->domainname = dom;
	p->exec_timeout = jc_jail_get_long(jail, "exec_timeout", 60);
	p->stop_timeout = jc_jail_get_long(jail, "stop_timeout", 30);
	plan_ipc(jail, p);
	plan_privs(jail, p);
	cleanup_free char *bpf_cache = xasprintf("%s/seccomp", ctx->paths.run_dir);
	int r = rt_seccomp_compile_cached(bpf_cache, p->seccomp, &p->bpf, err);
	if (r < 0)
		return jc_error_wrap(err, "%s", jail->name);
	long ruleset = jc_jail_get_long(jail, "devfs_ruleset", 4);
	r = rt_devfs_build((int)ruleset, jc_jail_get_bool(jail, "allow_tun"),
			       jc_jail_get_bool(jail, "allow_vmm"), &p->devfs, err);
	if (r < 0)
		return jc_error_wrap(err, "%s", jail->name);
	r = plan_limits(ctx, jail, p, err);
	if (r == 0)
		r = plan_files(jail, p, err);
	if (r == 0)
		r = plan_fstab(jail, p, err);
	return r;
}

void rt_plan_release(struct rt_plan *p)
{
	free(p->hostname);
	free(p->domainname);
	free(p->resolv);
	free(p->localtime);
	free(p->http_proxy);
	free(p->https_proxy);
	rt_bpf_release(&p->bpf);
	rt_limits_release(&p->limits);
	if (p->fstab.entries)
		jc_fstab_release(&p->fstab);
	memset(p, 0, sizeof(*p));
}
