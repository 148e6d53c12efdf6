/* VNET jails: a veth pair per interfaces entry, the host end vnetN.<JID> on its bridge
 * (created when missing, with vnet_default_interface as uplink) or, for NAT, holding the
 * first address of the jail's /30; the jail end ethN with the jail's addresses. Then
 * default routes, NAT rules and DHCP clients. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "net_priv.h"
#include "props.h"
#include "util.h"
#include "validate.h"

enum { DHCP_TIMEOUT_S = 10 };

/* ---- the bridge and its uplink ---- */

static bool holds_addresses(struct net_run *run, int index)
{
	static const int families[] = { AF_INET, AF_INET6 };
	for (size_t f = 0; f < JC_ARRAY_SIZE(families); f++) {
		cleanup_free struct nl_addr *addrs = NULL;
		size_t n = 0;
		struct jc_error ignored = { 0 };
		if (nl_addrs(&run->host, families[f], &addrs, &n, &ignored) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (addrs[i].index == index && addrs[i].scope == 0)
				return true;
	}
	return false;
}

/* vnet_default_interface joins the bridge, unless that would hurt the host: on Linux a
 * bridge member's own addresses stop working, so a NIC carrying the host's addresses is
 * left alone (put the address on a bridge and name that bridge in interfaces instead). */
static void uplink_join(struct net_run *run, const struct nl_link *br)
{
	const struct net_plan *p = &run->plan;
	char name[IFNAMSIZ] = "";
	struct jc_error ignored = { 0 };
	if (p->uplink == NET_UPLINK_NONE)
		return;
	if (p->uplink == NET_UPLINK_NAMED)
		snprintf(name, sizeof(name), "%s", p->uplink_name);
	else if (net_host_default(run, AF_INET, name, NULL, &ignored) < 0 &&
		 net_host_default(run, AF_INET6, name, NULL, &ignored) < 0)
		return;
	struct nl_link link;
	if (strcmp(name, br->name) == 0 || nl_link_by_name(&run->host, name, &link, &ignored) < 0 ||
	    link.master == br->index || strcmp(link.kind, "bridge") == 0)
		return;
	if (link.master != 0)
		jc_warning(run->ctx, "%s: vnet_default_interface %s is a member of another bridge; "
			   "not added to %s", p->name, name, br->name);
	else if (holds_addresses(run, link.index))
		jc_warning(run->ctx, "%s: vnet_default_interface %s holds the host's addresses; not "
			   "added to %s (a bridge member loses them on Linux: give the address to a "
			   "bridge and list that bridge in interfaces)", p->name, name, br->name);
	else if (nl_link_set(&run->host, link.index, 1, br->index, &ignored) < 0)
		jc_warning(run->ctx, "%s: cannot add %s to %s: %s", p->name, name, br->name,
			   ignored.msg);
}

static int bridge_prepare(struct net_run *run, const char *name, struct nl_link *br,
			  struct jc_error *err)
{
	bool created;
	int r = nl_bridge_add(&run->host, name, &created, err);
	if (r == 0)
		r = nl_link_by_name(&run->host, name, br, err);
	if (r < 0)
		return jc_error_wrap(err, "%s", run->plan.name);
	if (strcmp(br->kind, "bridge") != 0)
		return jc_error_set(err, EINVAL, "%s: interfaces: %s exists and is not a bridge",
				    run->plan.name, name);
	if (created)
		jc_debug(run->ctx, "%s: created bridge %s", run->plan.name, name);
	if (!(br->flags & IFF_UP) && (r = nl_link_set(&run->host, br->index, 1, -1, err)) < 0)
		return r;
	uplink_join(run, br);
	return 0;
}

/* iocage: vnetN_mtu, else the MTU of the bridge's first member, else vnet_default_mtu. */
static unsigned bridge_mtu(struct net_run *run, const struct nl_link *br)
{
	cleanup_free struct nl_link *ports = NULL;
	size_t n = 0;
	struct jc_error ignored = { 0 };
	if (nl_links(&run->host, br->index, &ports, &n, &ignored) == 0 && n > 0)
		return ports[0].mtu;
	return run->plan.default_mtu;
}

/* ---- one NIC ---- */

/* "eth2", "vnet2": n is 0..3. */
static void nic_ifname(char out[IFNAMSIZ], const char *base, int n)
{
	snprintf(out, IFNAMSIZ, "%s%c", base, (char)('0' + (n & 3)));
}

static int nic_macs(struct net_run *run, int n, uint8_t mac[2][6], struct jc_error *err)
{
	struct net_nic *nic = &run->plan.nics[n];
	if (nic->have_mac) {
		memcpy(mac, nic->mac, sizeof(nic->mac));
		return 0;
	}
	char vnet[IFNAMSIZ], key[32];
	nic_ifname(vnet, "vnet", n);
	int r = net_mac_derive(run->plan.mac_prefix, run->host_id, run->plan.name, vnet, mac[0],
			       mac[1], err);
	if (r < 0)
		return r;
	cleanup_free char *a = net_mac_text(mac[0]);
	cleanup_free char *b = net_mac_text(mac[1]);
	cleanup_free char *text = xasprintf("%s %s", a, b);
	snprintf(key, sizeof(key), "%s_mac", vnet);
	json_object_set_new(run->macs, key, jc_prop_value_to_json(jc_prop_find(key), text));
	return 0;
}

static int jail_side(struct net_run *run, int n, const uint8_t *nat_net, struct jc_error *err)
{
	const struct net_nic *nic = &run->plan.nics[n];
	char ifname[IFNAMSIZ];
	nic_ifname(ifname, "eth", n);
	struct nl_link link;
	int r = nl_link_by_name(&run->in, ifname, &link, err);
	if (r == 0 && nic->rtadv) {
		cleanup_free char *ra = xasprintf("/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
		cleanup_free char *ac = xasprintf("/proc/sys/net/ipv6/conf/%s/autoconf", ifname);
		r = net_sysctl(run->ns, ra, "2", err);
		if (r == 0)
			r = net_sysctl(run->ns, ac, "1", err);
	}
	for (size_t i = 0; r == 0 && i < nic->naddrs; i++) {
		/* A DHCP interface takes its IPv4 address from the lease only, a NAT one from
		 * its /30 only (iocage replaces ip4_addr with it). */
		if ((nic->dhcp || nat_net) && nic->addrs[i].family == AF_INET)
			continue;
		r = nl_addr_add(&run->in, link.index, &nic->addrs[i], true, err);
	}
	if (r == 0 && nat_net) {
		struct net_addr a = { AF_INET, { nat_net[0], nat_net[1], nat_net[2], nat_net[3] + 2 }, 30 };
		r = nl_addr_add(&run->in, link.index, &a, false, err);
	}
	if (r == 0)
		r = nl_link_set(&run->in, link.index, 1, -1, err);
	return r < 0 ? jc_error_wrap(err, "%s: %s", run->plan.name, ifname) : 0;
}

static int nic_setup(struct net_run *run, int n, const uint8_t *nat_net, struct jc_error *err)
{
	const struct net_nic *nic = &run->plan.nics[n];
	char host_name[32], jail_name[IFNAMSIZ];
	nic_ifname(jail_name, "eth", n);
	if (net_host_ifname(host_name, sizeof(host_name), n, run->jid) >= IFNAMSIZ)
		return jc_error_set(err, ENAMETOOLONG, "%s: JID %d too large for an interface name",
				    run->plan.name, run->jid);
	struct nl_link br = { 0 }, host;
	unsigned mtu = nic->mtu;
	int r = 0;
	if (!nat_net) {
		r = bridge_prepare(run, nic->bridge, &br, err);
		if (r == 0 && !mtu)
			mtu = bridge_mtu(run, &br);
	}
	if (!mtu)
		mtu = run->plan.default_mtu;
	uint8_t mac[2][6];
	if (r == 0)
		r = nic_macs(run, n, mac, err);
	if (r == 0)
		r = nl_veth_add(&run->host, host_name, mac[0], jail_name, mac[1], mtu, run->ns, err);
	if (r == 0)
		r = nl_link_by_name(&run->host, host_name, &host, err);
	if (r == 0 && nat_net) {
		struct net_addr a = { AF_INET, { nat_net[0], nat_net[1], nat_net[2], nat_net[3] + 1 }, 30 };
		r = nl_addr_add(&run->host, host.index, &a, false, err);
	}
	if (r == 0) {
		cleanup_free char *alias = net_link_alias(run->ctx->pool_id, run->plan.name,
							  host_name);
		r = nl_link_set_alias(&run->host, host.index, alias, err);
	}
	if (r == 0)
		r = nl_link_set(&run->host, host.index, 1, nat_net ? -1 : br.index, err);
	if (r < 0)
		return jc_error_wrap(err, "%s: %s", run->plan.name, host_name);
	return jail_side(run, n, nat_net, err);
}

/* ---- NAT ---- */

static int nat_interface(struct net_run *run, char oif[IFNAMSIZ], struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	struct nl_link link;
	if (p->nat_if[0]) {
		snprintf(oif, IFNAMSIZ, "%s", p->nat_if);
		int r = nl_link_by_name(&run->host, oif, &link, err);
		return r < 0 ? jc_error_wrap(err, "%s: nat_interface", p->name) : 0;
	}
	struct jc_error ignored = { 0 };
	if (net_host_default(run, AF_INET, oif, NULL, &ignored) < 0 &&
	    net_host_default(run, AF_INET6, oif, NULL, &ignored) < 0)
		return jc_error_set(err, ENETUNREACH, "%s: nat requires nat_interface: No default "
				    "interface found", p->name);
	jc_debug(run->ctx, "%s: nat requires nat_interface, using %s", p->name, oif);
	return 0;
}

/* Addresses the new /30 must not touch: the host's, and other running NAT jails'. */
static struct net_used *nat_used(struct net_run *run, size_t *n)
{
	cleanup_free struct nl_addr *addrs = NULL;
	size_t na = 0;
	struct jc_error ignored = { 0 };
	nl_addrs(&run->host, AF_INET, &addrs, &na, &ignored);
	json_t *recs = net_live_records(run->ctx, run->ctx->pool_id, run->plan.name);
	struct net_used *used = xcalloc(na + json_array_size(recs), sizeof(*used));
	*n = 0;
	for (size_t i = 0; i < na; i++) {
		memcpy(used[*n].addr, addrs[i].a.addr, 4);
		used[(*n)++].plen = addrs[i].a.plen;
	}
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		const char *net = json_string_value(json_object_get(json_object_get(rec, "nat"), "net"));
		if (net && jc_parse_ipv4(net, used[*n].addr))
			used[(*n)++].plen = 30;
	}
	json_decref(recs);
	return used;
}

static int nat_allocate(struct net_run *run, uint8_t net[4], char oif[IFNAMSIZ],
			struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	int r = nat_interface(run, oif, err);
	cleanup_close int lock = -1;
	if (r == 0)
		r = net_lock(run->ctx, &lock, err);
	/* Checked again under the lock: another start may have taken a port meanwhile. */
	if (r == 0)
		r = net_check_forwards(run->ctx, p, err);
	if (r < 0)
		return r;
	size_t n;
	cleanup_free struct net_used *used = nat_used(run, &n);
	if (net_nat_pick(p->nat_prefix, used, n, net) < 0)
		return jc_error_set(err, ENOSPC, "%s: no free /30 left in nat_prefix %u.%u.0.0/16",
				    p->name, p->nat_prefix[0], p->nat_prefix[1]);
	char text[16];
	snprintf(text, sizeof(text), "%u.%u.%u.%u", net[0], net[1], net[2], net[3]);
	json_object_set_new(run->rec, "nat", json_pack("{s:s, s:s, s:s}", "net", text,
						       "forwards", p->forwards_text, "iface", oif));
	cleanup_free char *chains = net_nat_chain_prefix(run->ctx->pool_id, p->name);
	json_object_set_new(run->rec, "nft", json_string(chains));
	/* Saved under the lock: from now on other starts see this /30 and these ports. */
	return net_run_save(run, err);
}

static int nat_rules(struct net_run *run, const uint8_t net[4], const char *oif,
		     struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	uint8_t ip[4] = { net[0], net[1], net[2], (uint8_t)(net[3] + 2) };
	const char *chains = json_string_value(json_object_get(run->rec, "nft"));
	cleanup_free char *script = net_nat_rules(chains, ip, oif, p->fwd, p->nfwd);
	cleanup_free char *what = xasprintf("%s: NAT rules", p->name);
	int r = net_nft_run(script, what, err);
	/* The host routes for its NAT jails (on a real host: switched on for good). */
	if (r == 0)
		r = net_sysctl(-1, "/proc/sys/net/ipv4/ip_forward", "1", err);
	return r;
}

/* ---- routes ---- */

static bool jail_has(const struct net_plan *p, int family, const uint8_t gw[16], int *nic_out)
{
	for (int n = 0; n < NET_MAX_NICS; n++) {
		const struct net_nic *nic = &p->nics[n];
		for (size_t i = 0; nic->used && i < nic->naddrs; i++) {
			if (nic->addrs[i].family != family || (nic->dhcp && family == AF_INET))
				continue;
			if (!gw || net_addr_contains(&nic->addrs[i], gw)) {
				*nic_out = n;
				return true;
			}
		}
	}
	return false;
}

static int jail_ifindex(struct net_run *run, const char *name)
{
	struct nl_link link;
	struct jc_error ignored = { 0 };
	return nl_link_by_name(&run->in, name, &link, &ignored) < 0 ? 0 : link.index;
}

static int route_auto(struct net_run *run, int family, struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	char ifname[IFNAMSIZ];
	uint8_t gw[16] = { 0 }, zero[16] = { 0 };
	int nic;
	struct jc_error ignored = { 0 };
	if (!jail_has(p, family, NULL, &nic))
		return 0;
	if (net_host_default(run, family, ifname, gw, &ignored) < 0 ||
	    memcmp(gw, zero, sizeof(gw)) == 0) {
		jc_warning(run->ctx, "%s: No default gateway found for %s.", p->name,
			   family == AF_INET ? "ipv4" : "ipv6");
		return 0;
	}
	bool linklocal = family == AF_INET6 && gw[0] == 0xfe && (gw[1] & 0xc0) == 0x80;
	/* The host's gateway only serves jails on its network. */
	if (!linklocal && !jail_has(p, family, gw, &nic))
		return 0;
	char dev[IFNAMSIZ];
	nic_ifname(dev, "eth", nic);
	return nl_route_default(&run->in, family, gw, linklocal ? jail_ifindex(run, dev) : 0,
				p->fib, false, err);
}

static int route_one(struct net_run *run, int family, const struct net_gw *gw, bool skip_auto,
		     struct jc_error *err)
{
	if (gw->kind == NET_GW_AUTO)
		return skip_auto ? 0 : route_auto(run, family, err);
	if (gw->kind != NET_GW_ADDR)
		return 0;
	int oif = gw->dev[0] ? jail_ifindex(run, gw->dev) : 0;
	return nl_route_default(&run->in, family, gw->addr, oif, run->plan.fib, false, err);
}

static int vnet_routes(struct net_run *run, const uint8_t *nat_net, struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	bool dhcp = false, rtadv = false;
	for (int n = 0; n < NET_MAX_NICS; n++) {
		dhcp |= p->nics[n].used && p->nics[n].dhcp;
		rtadv |= p->nics[n].used && p->nics[n].rtadv;
	}
	int r = net_jail_fib_rules(run, err);
	if (r == 0 && nat_net) {
		uint8_t gw[16] = { nat_net[0], nat_net[1], nat_net[2], (uint8_t)(nat_net[3] + 1) };
		r = nl_route_default(&run->in, AF_INET, gw, jail_ifindex(run, "eth0"), p->fib, false,
				     err);
	} else if (r == 0 && !dhcp) {
		r = route_one(run, AF_INET, &p->gw4, false, err);
	}
	if (r == 0)
		r = route_one(run, AF_INET6, &p->gw6, rtadv, err);
	return r < 0 ? jc_error_wrap(err, "%s", p->name) : 0;
}

/* ---- DHCP ---- */

static int vnet_dhcp(struct net_run *run, struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	json_t *clients = json_array();
	json_object_set_new(run->rec, "dhcp", clients);
	/* exec_timeout bounds the wait below the 10 s default (iocage's DHCP happens during
	 * exec_start, under exec_timeout). */
	long t = jc_jail_get_long(run->jail, "exec_timeout", DHCP_TIMEOUT_S);
	long timeout_ms = (t > 0 && t < DHCP_TIMEOUT_S ? t : DHCP_TIMEOUT_S) * 1000L;
	for (int n = 0; n < NET_MAX_NICS; n++) {
		if (!p->nics[n].used || !p->nics[n].dhcp)
			continue;
		char ifname[IFNAMSIZ];
		nic_ifname(ifname, "eth", n);
		pid_t pid;
		unsigned long long start;
		int r = net_dhcp_spawn(run->ctx, p, run->ns, ifname, &pid, &start, err);
		if (r == 0) {
			json_array_append_new(clients, json_pack("[I, I]", (json_int_t)pid,
								 (json_int_t)start));
			r = net_run_save(run, err);
		}
		cleanup_free char *addr = NULL;
		if (r == 0)
			r = net_dhcp_wait(run->ns, ifname, pid, start, timeout_ms, &addr, err);
		if (r < 0) {
			jc_progress(run->ctx, "  + Acquiring DHCP address: FAILED");
			return jc_error_wrap(err, "%s: Acquiring DHCP address: FAILED", p->name);
		}
		jc_progress(run->ctx, "  + DHCP Address: %s", addr);
	}
	return 0;
}

/* ---- the whole ---- */

static int move_interfaces(struct net_run *run, struct jc_error *err)
{
	for (size_t i = 0; run->plan.vnet_interfaces[i]; i++) {
		struct nl_link link;
		int r = nl_link_by_name(&run->host, run->plan.vnet_interfaces[i], &link, err);
		if (r == 0)
			r = nl_link_move(&run->host, link.index, run->ns, err);
		if (r < 0)
			return jc_error_wrap(err, "%s: vnet_interfaces", run->plan.name);
	}
	return 0;
}

static int vnet_links(struct net_run *run, const uint8_t *nat_net, struct jc_error *err)
{
	json_t *links = json_array();
	for (int n = 0; n < NET_MAX_NICS; n++) {
		char name[32];
		net_host_ifname(name, sizeof(name), n, run->jid);
		if (run->plan.nics[n].used)
			json_array_append_new(links, json_string(name));
	}
	/* Named before they exist: a crash from here on leaves nothing teardown misses. */
	json_object_set_new(run->rec, "host_links", links);
	int r = net_run_save(run, err);
	for (int n = 0; r == 0 && n < NET_MAX_NICS; n++) {
		if (run->plan.nics[n].used)
			r = nic_setup(run, n, n == 0 ? nat_net : NULL, err);
	}
	return r == 0 ? move_interfaces(run, err) : r;
}

int net_setup_vnet(struct net_run *run, struct jc_error *err)
{
	uint8_t net[4];
	char oif[IFNAMSIZ] = "";
	bool nat = run->plan.nat;
	int r = 0;
	if (nat && !run->plan.nics[0].used)
		return jc_error_set(err, EINVAL, "%s: nat needs vnet0 in interfaces", run->plan.name);
	if (nat)
		r = nat_allocate(run, net, oif, err);
	if (r == 0)
		r = vnet_links(run, nat ? net : NULL, err);
	if (r == 0)
		r = vnet_routes(run, nat ? net : NULL, err);
	if (r == 0 && nat)
		r = nat_rules(run, net, oif, err);
	if (r < 0) {
		jc_progress(run->ctx, "  + Configuring VNET FAILED");
		return r;
	}
	jc_progress(run->ctx, "  + Configuring VNET OK");
	jc_progress(run->ctx, "  + Using IP options: vnet");
	return vnet_dhcp(run, err);
}
