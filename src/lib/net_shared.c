/* Shared-IP jails (vnet=0 with addresses): for each host interface named in ip4_addr /
 * ip6_addr (the default-route interface when none is named), an ipvlan L2 child created
 * directly in the jail's network namespace under the host interface's name, holding the
 * jail's addresses. Like FreeBSD's aliases these share the host NIC and its LAN, but live
 * in the jail's own stack. Also what every jail with its own namespace gets: loopback
 * extras (assign_localhost) and ip6=disable. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net_priv.h"
#include "util.h"

/* ip_hostname: the addresses host_hostname resolves to, on the default interface. */
static int hostname_addrs(struct net_run *run, struct jc_error *err)
{
	struct net_plan *p = &run->plan;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int g = getaddrinfo(p->hostname, NULL, &hints, &res);
	if (g != 0)
		return jc_error_set(err, ENOENT, "%s: ip_hostname: %s does not resolve: %s", p->name,
				    p->hostname, gai_strerror(g));
	struct net_shared *s = NULL;
	for (size_t i = 0; i < p->nshared && !s; i++)
		s = p->shared[i].ifname[0] ? NULL : &p->shared[i];
	if (!s && p->nshared < NET_MAX_SHARED)
		s = &p->shared[p->nshared++];
	for (struct addrinfo *ai = res; s && ai && s->naddrs < NET_MAX_ADDRS; ai = ai->ai_next) {
		struct net_addr a = { .family = ai->ai_family };
		if (ai->ai_family == AF_INET && !p->ip4_disable) {
			memcpy(a.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			a.plen = net_default_plen4(a.addr);
		} else if (ai->ai_family == AF_INET6 && !p->ip6_disable) {
			memcpy(a.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
			a.plen = 64;
		} else {
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < s->naddrs && !dup; k++)
			dup = memcmp(&s->addrs[k], &a, sizeof(a)) == 0;
		if (!dup)
			s->addrs[s->naddrs++] = a;
	}
	freeaddrinfo(res);
	return 0;
}

static int shared_link(struct net_run *run, struct net_shared *s, struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	struct nl_link master, link;
	int r = nl_link_by_name(&run->host, s->ifname, &master, err);
	if (r < 0)
		return jc_error_wrap(err, "%s: ip_addr", p->name);   /* "IF: no such interface" */
	uint8_t mac[2][6];
	/* Only used where the kernel lacks ipvlan and macvlan needs an address of its own. */
	r = net_mac_derive(p->mac_prefix, run->host_id, p->name, s->ifname, mac[0], mac[1], err);
	if (r == 0)
		r = nl_slave_add(&run->host, master.index, s->ifname, mac[1], run->ns, err);
	if (r == 0)
		r = nl_link_by_name(&run->in, s->ifname, &link, err);
	for (size_t i = 0; r == 0 && i < s->naddrs; i++)
		r = nl_addr_add(&run->in, link.index, &s->addrs[i], true, err);
	if (r == 0)
		r = nl_link_set(&run->in, link.index, 1, -1, err);
	return r < 0 ? jc_error_wrap(err, "%s: %s", p->name, s->ifname) : 0;
}

/* The first jail interface with an address of family (and containing gw if given). */
static int shared_oif(struct net_run *run, int family, const uint8_t *gw)
{
	for (size_t i = 0; i < run->plan.nshared; i++) {
		const struct net_shared *s = &run->plan.shared[i];
		for (size_t k = 0; k < s->naddrs; k++) {
			if (s->addrs[k].family != family || (gw && !net_addr_contains(&s->addrs[k], gw)))
				continue;
			struct nl_link link;
			struct jc_error ignored = { 0 };
			if (nl_link_by_name(&run->in, s->ifname, &link, &ignored) == 0)
				return link.index;
		}
	}
	return 0;
}

/* The gateway is on the host NIC's LAN, which the jail's interface shares: onlink. */
static int shared_route(struct net_run *run, int family, const struct net_gw *gw,
			struct jc_error *err)
{
	uint8_t addr[16] = { 0 }, zero[16] = { 0 };
	int oif = shared_oif(run, family, NULL);
	if (gw->kind == NET_GW_NONE || oif == 0)
		return 0;
	if (gw->kind == NET_GW_ADDR) {
		memcpy(addr, gw->addr, sizeof(addr));
	} else {
		char ifname[IFNAMSIZ];
		struct jc_error ignored = { 0 };
		if (net_host_default(run, family, ifname, addr, &ignored) < 0 ||
		    memcmp(addr, zero, sizeof(addr)) == 0)
			return 0;
		/* Only through an interface the jail has a child of. */
		bool ours = false;
		for (size_t i = 0; i < run->plan.nshared && !ours; i++)
			ours = strcmp(run->plan.shared[i].ifname, ifname) == 0;
		if (!ours)
			return 0;
		struct nl_link link;
		oif = nl_link_by_name(&run->in, ifname, &link, &ignored) == 0 ? link.index : 0;
	}
	int on = shared_oif(run, family, addr);
	if (on == 0 && oif == 0)
		return 0;
	return nl_route_default(&run->in, family, addr, on ? on : oif, run->plan.fib, on == 0, err);
}

static char *options_text(const struct net_plan *p)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < p->nshared; i++) {
		for (size_t k = 0; k < p->shared[i].naddrs; k++) {
			const struct net_addr *a = &p->shared[i].addrs[k];
			cleanup_free char *text = net_addr_text(a);
			char *next = xasprintf("%s%s.addr=%s|%s ", s, a->family == AF_INET ? "ip4" : "ip6",
					       p->shared[i].ifname, text);
			free(s);
			s = next;
		}
	}
	char *out = xasprintf("%sip4=%s ip6=%s", s, p->ip4_disable ? "disable" : "new",
			      p->ip6_disable ? "disable" : "new");
	free(s);
	return out;
}

/* Entries without an interface go to the default-route interface, merged with the entry
 * that names it, if any. */
static int resolve_default(struct net_run *run, struct jc_error *err)
{
	struct net_plan *p = &run->plan;
	char def[IFNAMSIZ] = "";
	struct jc_error ignored = { 0 };
	for (size_t i = 0; i < p->nshared; i++) {
		struct net_shared *s = &p->shared[i];
		if (s->ifname[0])
			continue;
		if (!def[0] && net_host_default(run, AF_INET, def, NULL, &ignored) < 0 &&
		    net_host_default(run, AF_INET6, def, NULL, &ignored) < 0)
			return jc_error_set(err, ENETUNREACH, "%s: ip_addr without an interface: No "
					    "default interface found", p->name);
		struct net_shared *into = NULL;
		for (size_t k = 0; k < p->nshared && !into; k++)
			into = strcmp(p->shared[k].ifname, def) == 0 ? &p->shared[k] : NULL;
		if (!into) {
			memcpy(s->ifname, def, sizeof(def));
			continue;
		}
		for (size_t k = 0; k < s->naddrs && into->naddrs < NET_MAX_ADDRS; k++)
			into->addrs[into->naddrs++] = s->addrs[k];
		p->shared[i--] = p->shared[--p->nshared];
	}
	return 0;
}

int net_setup_shared(struct net_run *run, struct jc_error *err)
{
	struct net_plan *p = &run->plan;
	int r = p->ip_hostname ? hostname_addrs(run, err) : 0;
	if (r == 0)
		r = resolve_default(run, err);
	for (size_t i = 0; r == 0 && i < p->nshared; i++)
		r = shared_link(run, &p->shared[i], err);
	if (r == 0)
		r = net_jail_fib_rules(run, err);
	if (r == 0)
		r = shared_route(run, AF_INET, &p->gw4, err);
	if (r == 0 && !p->ip6_disable)
		r = shared_route(run, AF_INET6, &p->gw6, err);
	if (r < 0)
		return r;
	cleanup_free char *opts = options_text(p);
	jc_progress(run->ctx, "  + Using IP options: %s", opts);
	return 0;
}

int net_setup_local(struct net_run *run, struct jc_error *err)
{
	const struct net_plan *p = &run->plan;
	int r = 0;
	if (p->mode != JC_NET_VNET && p->ip6_disable)
		r = net_sysctl(run->ns, "/proc/sys/net/ipv6/conf/all/disable_ipv6", "1", err);
	/* The jail has a loopback of its own already; localhost_ip is added so that the
	 * address iocage would give it answers inside the jail too. */
	if (r == 0 && p->mode != JC_NET_VNET && p->assign_localhost && p->has_localhost_ip) {
		struct nl_link lo;
		struct net_addr a = { AF_INET, { 0 }, 32 };
		memcpy(a.addr, p->localhost_ip, 4);
		r = nl_link_by_name(&run->in, "lo", &lo, err);
		if (r == 0)
			r = nl_addr_add(&run->in, lo.index, &a, false, err);
	}
	return r < 0 ? jc_error_wrap(err, "%s", p->name) : 0;
}
