/* Jail networking entry points: start-time checks, setup (dispatching to VNET or shared-IP
 * plumbing), teardown from the record, and the live address of a running jail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "net_priv.h"
#include "props.h"
#include "util.h"

/* ---- helpers shared by the setup files ---- */

int net_run_save(struct net_run *run, struct jc_error *err)
{
	return net_record_save(run->rec_path, run->rec, err);
}

int net_host_default(struct net_run *run, int family, char ifname[IFNAMSIZ], uint8_t gw[16],
		     struct jc_error *err)
{
	int oif = 0;
	uint8_t any[16];
	int r = nl_default_route_get(&run->host, family, run->plan.fib, gw ? gw : any, &oif, err);
	/* exec_fib: the host's table of that number first, as FreeBSD's FIB, then main. */
	if (r == -ENOENT && run->plan.fib)
		r = nl_default_route_get(&run->host, family, 0, gw ? gw : any, &oif, err);
	if (r < 0)
		return r;
	struct nl_link link;
	if (oif <= 0 || nl_link_by_index(&run->host, oif, &link, err) < 0)
		return -ENOENT;
	memcpy(ifname, link.name, IFNAMSIZ);
	return 0;
}

int net_jail_fib_rules(struct net_run *run, struct jc_error *err)
{
	if (run->plan.fib == 0)
		return 0;
	int r = nl_rule_add(&run->in, AF_INET, run->plan.fib, NET_FIB_PREF, err);
	if (r == 0 && !run->plan.ip6_disable)
		r = nl_rule_add(&run->in, AF_INET6, run->plan.fib, NET_FIB_PREF, err);
	return r;
}

bool net_addr_contains(const struct net_addr *net, const uint8_t addr[16])
{
	unsigned bits = net->plen;
	for (unsigned i = 0; bits > 0; i++) {
		unsigned take = bits < 8 ? bits : 8;
		uint8_t mask = (uint8_t)(0xff << (8 - take));
		if ((net->addr[i] & mask) != (addr[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

/* ---- checks ---- */

int net_check_forwards(struct jc_ctx *ctx, const struct net_plan *p, struct jc_error *err)
{
	if (!p->nat || p->nfwd == 0)
		return 0;
	json_t *recs = net_live_records(ctx, ctx->pool_id, p->name);
	size_t i;
	json_t *rec;
	int r = 0;
	json_array_foreach(recs, i, rec) {
		const char *text = json_string_value(json_object_get(json_object_get(rec, "nat"),
								     "forwards"));
		struct net_forward *f = NULL;
		size_t n = 0;
		struct jc_error ignored = { 0 };
		if (!text || net_parse_forwards(text, &f, &n, &ignored) < 0)
			continue;
		unsigned port = net_forwards_clash(p->fwd, p->nfwd, f, n);
		free(f);
		if (port) {
			r = jc_error_set(err, EADDRINUSE, "%s: Please correct %s port rule as another "
					 "running jail is using one of the mentioned ports (host port "
					 "%u: %s)", p->name, p->forwards_text, port,
					 json_string_value(json_object_get(rec, "name")));
			break;
		}
	}
	json_decref(recs);
	return r;
}

static int check_uplink(const struct net_plan *p, struct jc_error *err)
{
	if (p->mode != JC_NET_VNET || p->uplink != NET_UPLINK_NAMED)
		return 0;
	struct nl nl;
	int r = nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	struct nl_link link;
	r = nl_link_by_name(&nl, p->uplink_name, &link, err);
	nl_close(&nl);
	if (r == -ENODEV)
		return jc_error_set(err, ENODEV, "%s: vnet_default_interface: %s does not exist; set "
				    "property \"vnet_default_interface\" to \"auto\", \"none\" or a "
				    "valid interface", p->name, p->uplink_name);
	return r;
}

int jc_net_check(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	struct net_plan p;
	int r = net_plan_build(jail, &p, err);
	if (r == 0)
		r = net_plan_check(&p, err);
	if (r == 0)
		r = check_uplink(&p, err);
	if (r == 0)
		r = net_check_forwards(ctx, &p, err);
	net_plan_release(&p);
	return r;
}

/* ---- setup ---- */

static int save_macs(struct net_run *run, struct jc_error *err)
{
	struct jc_jail *jail = run->jail;
	if (json_object_size(run->macs) == 0)
		return 0;
	/* The runtime's start holds the jail's lock: written without taking it again. */
	return jc_jail_record_facts(jail, run->macs, err);
}

static int teardown_record(struct jc_ctx *ctx, json_t *rec, bool ns_going, struct jc_error *err);

static void run_release(struct net_run *run)
{
	nl_close(&run->host);
	nl_close(&run->in);
	if (run->ns >= 0)
		close(run->ns);
	json_decref(run->rec);
	json_decref(run->macs);
	free(run->rec_path);
	free(run->host_id);
	net_plan_release(&run->plan);
}

static int run_open(struct net_run *run, struct jc_error *err)
{
	run->ns = net_ns_open(run->init_pid, err);
	if (run->ns < 0)
		return run->ns;
	int r = nl_open(&run->host, -1, err);
	if (r == 0)
		r = nl_open(&run->in, run->ns, err);
	if (r < 0)
		return r;
	run->rec_path = net_record_path(run->ctx, run->jail->name);
	run->rec = json_pack("{s:s, s:s, s:i, s:I, s:I}", "pool", run->ctx->pool_id,
			     "name", run->jail->name, "jid", run->jid,
			     "init_pid", (json_int_t)run->init_pid,
			     "init_start", (json_int_t)net_pid_start(run->init_pid));
	run->macs = json_object();
	run->host_id = net_host_identity();
	return 0;
}

/* Loopback only, with nothing to add to it: the runtime has brought lo up already. */
static bool nothing_to_do(const struct net_plan *p)
{
	return p->mode == JC_NET_NONE && !p->ip6_disable &&
	       !(p->assign_localhost && p->has_localhost_ip);
}

bool jc_net_needs_libs(struct jc_ctx *ctx, const struct jc_jail *jail)
{
	/* A record left by an earlier start names links and rules to take down. */
	cleanup_free char *path = net_record_path(ctx, jail->name);
	if (access(path, F_OK) == 0)
		return true;
	struct net_plan p;
	struct jc_error ignored = { 0 };
	/* A plan that does not build: jailctl-full reports why, as any start would. */
	bool needs = net_plan_build(jail, &p, &ignored) < 0 ||
		     (p.mode != JC_NET_INHERIT && !nothing_to_do(&p));
	net_plan_release(&p);
	return needs;
}

static int run_setup(struct net_run *run, struct jc_error *err)
{
	if (nothing_to_do(&run->plan))
		return 0;
	int r = run_open(run, err);
	if (r < 0)
		return r;
	if (run->plan.mode == JC_NET_VNET)
		r = net_setup_vnet(run, err);
	else if (run->plan.mode == JC_NET_SHARED)
		r = net_setup_shared(run, err);
	if (r == 0)
		r = net_setup_local(run, err);
	if (r == 0)
		r = save_macs(run, err);
	return r;
}

int jc_net_setup(struct jc_ctx *ctx, struct jc_jail *jail, int jid, pid_t init_pid,
		 struct jc_error *err)
{
	struct net_run run = { .ctx = ctx, .jail = jail, .jid = jid, .init_pid = init_pid,
			       .ns = -1 };
	int r = net_plan_build(jail, &run.plan, err);
	if (r == 0)
		r = net_plan_check(&run.plan, err);
	if (r < 0 || run.plan.mode == JC_NET_INHERIT) {
		net_plan_release(&run.plan);
		return r;
	}
	/* A record left by an earlier start (its teardown failed) goes first. */
	struct jc_error old = { 0 };
	if (jc_net_teardown(ctx, jail->name, &old) < 0)
		jc_warning(ctx, "%s", old.msg);
	r = run_setup(&run, err);
	if (r < 0 && run.rec) {
		/* Undo whatever was built; the record names all of it. */
		struct jc_error ignored = { 0 };
		/* The jail's namespace lives on for now: its links are deleted here. */
		if (teardown_record(ctx, run.rec, false, &ignored) == 0)
			unlink(run.rec_path);
		else
			jc_warning(ctx, "%s: %s", jail->name, ignored.msg);
	}
	run_release(&run);
	return r;
}

/* ---- teardown ---- */

static void kill_dhcp(json_t *rec)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rec, "dhcp"), i, v)
		net_dhcp_kill((pid_t)json_integer_value(json_array_get(v, 0)),
			      (unsigned long long)json_integer_value(json_array_get(v, 1)));
}

int net_host_ifname(char *out, size_t size, int n, int jid)
{
	return snprintf(out, size, "vnet%d.%d", n, jid);
}

/* fd: any socket. Unlike a netlink request, this ioctl never waits for the rtnl lock,
 * which the kernel holds while it deletes a stopped jail's network namespace. */
static bool host_link_exists(int fd, const char *name)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(fd, SIOCGIFINDEX, &ifr) == 0;
}

bool jc_net_jid_links_exist(int jid)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (int n = 0; fd >= 0 && n < NET_MAX_NICS; n++) {
		char name[IFNAMSIZ];
		if (net_host_ifname(name, sizeof(name), n, jid) < IFNAMSIZ && host_link_exists(fd, name))
			return true;
	}
	return false;
}

char *net_link_alias(const char *pool_id, const char *name, const char *host_ifname)
{
	/* vnetN.<JID> is ethN in the jail. */
	char n = strlen(host_ifname) > 4 ? host_ifname[4] : '?';
	return xasprintf("associated with jail: %s as nic: eth%c (jailctl pool %s)", name, n,
			 pool_id);
}

/* The kernel may delete the pair with the jail's namespace between the lookup and this
 * request: a link that is gone is as good as one that is down. */
static int set_down_unless_gone(struct nl *nl, int index, struct jc_error *err)
{
	struct jc_error failed = { 0 };
	int r = nl_link_set(nl, index, 0, -1, &failed);
	if (r == -ENODEV || r == 0)
		return 0;
	return jc_error_set(err, failed.code, "%s", failed.msg);
}

/* Only links that still carry this jail's description: after a crash the JID in their
 * names may belong to another jail by now. Deleting a veth waits for an RCU barrier
 * (10-35 ms here), so once the jail's namespace is going (its init is dead) the host ends
 * are only taken down, which stops their bridge ports at once; the kernel deletes each
 * pair with the namespace that holds its other end. */
static int release_links(json_t *rec, bool ns_going, struct jc_error *err)
{
	json_t *links = json_object_get(rec, "host_links");
	const char *pool = json_string_value(json_object_get(rec, "pool"));
	const char *jail = json_string_value(json_object_get(rec, "name"));
	if (json_array_size(links) == 0 || !pool || !jail)
		return 0;
	cleanup_close int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct nl nl = { 0 };
	int r = 0;
	size_t i;
	json_t *v;
	json_array_foreach(links, i, v) {
		struct nl_link link;
		struct jc_error ignored = { 0 };
		const char *name = json_string_value(v);
		/* After a stop, often gone already with the jail's namespace. */
		if (r < 0 || !name || (fd >= 0 && !host_link_exists(fd, name)))
			continue;
		if (!nl.sk && (r = nl_open(&nl, -1, err)) < 0)
			break;
		if (nl_link_by_name(&nl, name, &link, &ignored) < 0)
			continue;
		cleanup_free char *alias = net_link_alias(pool, jail, name);
		/* Deleting one end of a veth pair removes the other. */
		if (strcmp(link.alias, alias) == 0 && ns_going)
			r = set_down_unless_gone(&nl, link.index, err);
		else if (strcmp(link.alias, alias) == 0)
			r = nl_link_del(&nl, link.index, err);
	}
	nl_close(&nl);
	return r;
}

static int teardown_record(struct jc_ctx *ctx, json_t *rec, bool ns_going, struct jc_error *err)
{
	(void)ctx;
	kill_dhcp(rec);
	int r = 0;
	const char *chains = json_string_value(json_object_get(rec, "nft"));
	if (chains) {
		cleanup_free char *script = net_nat_delete_rules(chains);
		r = net_nft_run(script, chains, err);
	}
	struct jc_error later = { 0 };
	int r2 = release_links(rec, ns_going, r < 0 ? &later : err);
	return r < 0 ? r : r2;
}

int jc_net_teardown(struct jc_ctx *ctx, const char *jail_name, struct jc_error *err)
{
	cleanup_free char *path = net_record_path(ctx, jail_name);
	json_t *rec = NULL;
	int r = net_record_load(path, &rec, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		/* An unreadable record cannot name anything: drop it. */
		unlink(path);
		return jc_error_wrap(err, "%s", jail_name);
	}
	r = teardown_record(ctx, rec, true, err);
	json_decref(rec);
	/* Kept after a failure, so the next stop or cleanup tries again. */
	if (r == 0)
		unlink(path);
	return r < 0 ? jc_error_wrap(err, "%s: network teardown", jail_name) : 0;
}

/* ---- live addresses ---- */

char *jc_net_live_ip4(struct jc_ctx *ctx, const struct jc_jail *jail, pid_t init_pid)
{
	(void)ctx;
	(void)jail;
	struct jc_error ignored = { 0 };
	int ns = net_ns_open(init_pid, &ignored);
	if (ns < 0)
		return NULL;
	struct nl nl;
	int r = nl_open(&nl, ns, &ignored);
	close(ns);
	if (r < 0)
		return NULL;
	cleanup_free struct nl_addr *addrs = NULL;
	size_t n = 0;
	char *out = NULL;
	if (nl_addrs(&nl, AF_INET, &addrs, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (addrs[i].scope != 0 || addrs[i].a.addr[0] == 127)
				continue;
			cleanup_free char *text = net_addr_text(&addrs[i].a);
			char *next = xasprintf("%s%s%s", out ? out : "", out ? "," : "", text);
			free(out);
			out = next;
		}
	}
	nl_close(&nl);
	return out;
}
