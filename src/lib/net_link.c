/* rtnetlink through libmnl: links (veth, bridge, ipvlan/macvlan), addresses, routes,
 * policy rules, and sysctls of a network namespace. A socket opened inside a jail's
 * network namespace keeps talking to that namespace after jailctl has switched back, so
 * jailctl itself is only ever inside a jail's namespace for the few lines that create
 * such a socket or open a sysctl file. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net_priv.h"
#include "util.h"

enum { NL_BUFSZ = 32768 };

/* ---- sockets and exchanges ---- */

int nl_open(struct nl *nl, int ns_fd, struct jc_error *err)
{
	memset(nl, 0, sizeof(*nl));
	int saved;
	int r = net_ns_enter(ns_fd, &saved, err);
	if (r < 0)
		return r;
	struct mnl_socket *sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int e = errno;
	net_ns_leave(saved);
	if (!sk)
		return jc_error_errno(err, e, "netlink socket");
	if (mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(sk);
		return jc_error_errno(err, e, "netlink socket: bind");
	}
	nl->sk = sk;
	nl->portid = mnl_socket_get_portid(sk);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* Send one request and run cb on every reply until the ACK or the end of a dump. */
static int nl_exchange(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nlh->nlmsg_seq = ++nl->seq;
	/* NLM_F_DUMP shares bits with NLM_F_EXCL and NLM_F_REPLACE: only a GET dumps. */
	bool get = (nlh->nlmsg_type & 3) == 2;
	if (!get || (nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	cleanup_free char *buf = xmalloc(NL_BUFSZ);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, NL_BUFSZ);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		errno = 0;
		int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, cb, data);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *msg_new(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return ifm;
}

/* ---- links ---- */

struct attrs {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	unsigned type = mnl_attr_get_type(attr);
	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static void attr_str(const struct nlattr *attr, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)mnl_attr_get_payload_len(attr),
		 (const char *)mnl_attr_get_payload(attr));
}

static void link_fill(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct attrs a = { tb, IFLA_MAX };
	mnl_attr_parse(nlh, sizeof(*ifm), attr_cb, &a);
	memset(l, 0, sizeof(*l));
	l->index = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		attr_str(tb[IFLA_IFNAME], l->name, sizeof(l->name));
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_IFALIAS])
		attr_str(tb[IFLA_IFALIAS], l->alias, sizeof(l->alias));
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };
		struct attrs ia = { info, IFLA_INFO_MAX };
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_cb, &ia);
		if (info[IFLA_INFO_KIND])
			attr_str(info[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
	}
}

static int link_one_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		link_fill(nlh, data);
	return MNL_CB_OK;
}

static int link_get(struct nl *nl, const char *name, int index, struct nl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETLINK, 0);
	put_ifinfo(nlh, index);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(out, 0, sizeof(*out));
	int r = nl_exchange(nl, nlh, link_one_cb, out);
	if (r == 0 && out->index == 0)
		r = -ENODEV;
	return r;
}

int nl_link_by_name(struct nl *nl, const char *name, struct nl_link *out, struct jc_error *err)
{
	int r = link_get(nl, name, 0, out);
	if (r == -ENODEV)
		return jc_error_set(err, ENODEV, "%s: no such interface", name);
	return r < 0 ? jc_error_errno(err, -r, "%s", name) : 0;
}

int nl_link_by_index(struct nl *nl, int index, struct nl_link *out, struct jc_error *err)
{
	int r = link_get(nl, NULL, index, out);
	if (r == -ENODEV)
		return jc_error_set(err, ENODEV, "interface %d: no such interface", index);
	return r < 0 ? jc_error_errno(err, -r, "interface %d", index) : 0;
}

struct link_list {
	struct nl_link *v;
	size_t n;
	int master;
};

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *l = data;
	struct nl_link link;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	link_fill(nlh, &link);
	if (l->master >= 0 && link.master != l->master)
		return MNL_CB_OK;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = link;
	return MNL_CB_OK;
}

int nl_links(struct nl *nl, int master, struct nl_link **out, size_t *n, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	put_ifinfo(nlh, 0);
	struct link_list l = { NULL, 0, master };
	int r = nl_exchange(nl, nlh, link_list_cb, &l);
	if (r < 0) {
		free(l.v);
		return jc_error_errno(err, -r, "list interfaces");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static int talk(struct nl *nl, struct nlmsghdr *nlh)
{
	return nl_exchange(nl, nlh, NULL, NULL);
}

int nl_veth_add(struct nl *nl, const char *name, const uint8_t mac[6], const char *peer_name,
		const uint8_t peer_mac[6], unsigned mtu, int peer_ns, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	int r = talk(nl, nlh);
	(void)name;   /* the caller's message names it */
	return r < 0 ? jc_error_errno(err, -r, "cannot create the veth pair") : 0;
}

static int slave_try(struct nl *nl, int master, const char *name, const uint8_t mac[6], int ns,
		     bool ipvlan)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)master);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns);
	if (!ipvlan)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, ipvlan ? "ipvlan" : "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (ipvlan)
		mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, IPVLAN_MODE_L2);
	else
		mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return talk(nl, nlh);
}

int nl_slave_add(struct nl *nl, int master, const char *name, const uint8_t mac[6], int ns,
		 struct jc_error *err)
{
	int r = slave_try(nl, master, name, mac, ns, true);
	/* Kernels built without ipvlan: macvlan gives the jail the same shape (its own
	 * child of the host NIC, on the same LAN), with a MAC address of its own. */
	if (r == -EOPNOTSUPP)
		r = slave_try(nl, master, name, mac, ns, false);
	(void)name;   /* the caller's message names it */
	return r < 0 ? jc_error_errno(err, -r, "cannot create the jail's ipvlan interface") : 0;
}

int nl_bridge_add(struct nl *nl, const char *name, bool *created, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	int r = talk(nl, nlh);
	*created = r == 0;
	if (r == -EEXIST)
		return 0;
	return r < 0 ? jc_error_errno(err, -r, "%s: cannot create bridge", name) : 0;
}

int nl_link_set(struct nl *nl, int index, int up, int master, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = put_ifinfo(nlh, index);
	if (up >= 0) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = up ? IFF_UP : 0;
	}
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	int r = talk(nl, nlh);
	return r < 0 ? jc_error_errno(err, -r, "interface %d: cannot set %s", index,
				      master >= 0 ? "bridge" : "state") : 0;
}

int nl_link_set_alias(struct nl *nl, int index, const char *alias, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, 0);
	put_ifinfo(nlh, index);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	int r = talk(nl, nlh);
	return r < 0 ? jc_error_errno(err, -r, "interface %d: cannot set its description", index) : 0;
}

int nl_link_move(struct nl *nl, int index, int ns, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, 0);
	put_ifinfo(nlh, index);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns);
	int r = talk(nl, nlh);
	return r < 0 ? jc_error_errno(err, -r, "interface %d: cannot move it into the jail", index)
		     : 0;
}

int nl_link_del(struct nl *nl, int index, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_DELLINK, 0);
	put_ifinfo(nlh, index);
	int r = talk(nl, nlh);
	return r < 0 && r != -ENODEV ? jc_error_errno(err, -r, "interface %d: cannot delete", index)
				     : 0;
}

/* ---- addresses ---- */

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int index,
				 const struct net_addr *a, bool nodad)
{
	struct nlmsghdr *nlh = msg_new(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	ifa->ifa_flags = nodad ? IFA_F_NODAD : 0;
	size_t len = a->family == AF_INET ? 4 : 16;
	if (a->family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
	if (a->family == AF_INET && a->plen < 31 && type == RTM_NEWADDR) {
		uint8_t brd[4];
		uint32_t host = a->plen ? 0xffffffffu >> a->plen : 0xffffffffu;
		for (int i = 0; i < 4; i++)
			brd[i] = a->addr[i] | (uint8_t)(host >> (24 - 8 * i));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
	}
	return nlh;
}

int nl_addr_add(struct nl *nl, int index, const struct net_addr *a, bool nodad,
		struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = talk(nl, addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, index, a, nodad));
	if (r < 0) {
		cleanup_free char *text = net_addr_text(a);
		return jc_error_errno(err, -r, "%s: cannot add address", text);
	}
	return 0;
}

int nl_addr_del(struct nl *nl, int index, const struct net_addr *a, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = talk(nl, addr_msg(buf, RTM_DELADDR, 0, index, a, false));
	if (r < 0 && r != -EADDRNOTAVAIL) {
		cleanup_free char *text = net_addr_text(a);
		return jc_error_errno(err, -r, "%s: cannot remove address", text);
	}
	return 0;
}

struct addr_list {
	struct nl_addr *v;
	size_t n;
};

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct attrs a = { tb, IFA_MAX };
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &a);
	const struct nlattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!at || mnl_attr_get_payload_len(at) != len)
		return MNL_CB_OK;
	struct nl_addr e = { .index = (int)ifa->ifa_index, .scope = ifa->ifa_scope };
	e.a.family = ifa->ifa_family;
	e.a.plen = ifa->ifa_prefixlen;
	memcpy(e.a.addr, mnl_attr_get_payload(at), len);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = e;
	return MNL_CB_OK;
}

int nl_addrs(struct nl *nl, int family, struct nl_addr **out, size_t *n, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	struct addr_list l = { NULL, 0 };
	int r = nl_exchange(nl, nlh, addr_list_cb, &l);
	if (r < 0) {
		free(l.v);
		return jc_error_errno(err, -r, "list addresses");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* ---- routes and rules ---- */

int nl_route_default(struct nl *nl, int family, const uint8_t gw[16], int oif, unsigned table,
		     bool onlink, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	unsigned t = table ? table : RT_TABLE_MAIN;
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_table = t < 256 ? (uint8_t)t : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_flags = onlink ? RTNH_F_ONLINK : 0;
	mnl_attr_put_u32(nlh, RTA_TABLE, t);
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	if (oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	int r = talk(nl, nlh);
	if (r < 0) {
		char text[64];
		inet_ntop(family, gw, text, sizeof(text));
		return jc_error_errno(err, -r, "default route via %s", text);
	}
	return 0;
}

struct route_pick {
	int family;
	unsigned table;
	bool found;
	uint32_t prio;
	uint8_t gw[16];
	int oif;
};

static void route_nexthop(const struct nlattr *mp, struct route_pick *p, uint8_t gw[16], int *oif)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	if (mnl_attr_get_payload_len(mp) < sizeof(*nh))
		return;
	*oif = nh->rtnh_ifindex;
	size_t alen = p->family == AF_INET ? 4 : 16;
	const char *at = (const char *)nh + RTNH_ALIGN(sizeof(*nh));
	const char *end = (const char *)nh + nh->rtnh_len;
	while (at + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const struct nlattr *)at;
		if (a->nla_len < sizeof(*a))
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == RTA_GATEWAY &&
		    a->nla_len - MNL_ATTR_HDRLEN == alen)
			memcpy(gw, at + MNL_ATTR_HDRLEN, alen);
		at += MNL_ALIGN(a->nla_len);
	}
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_pick *p = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_family != p->family)
		return MNL_CB_OK;
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct attrs a = { tb, RTA_MAX };
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &a);
	unsigned table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	uint32_t prio = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	if (table != (p->table ? p->table : RT_TABLE_MAIN) || (p->found && prio >= p->prio))
		return MNL_CB_OK;
	uint8_t gw[16] = { 0 };
	int oif = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	size_t alen = p->family == AF_INET ? 4 : 16;
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen)
		memcpy(gw, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	else if (tb[RTA_MULTIPATH])
		route_nexthop(tb[RTA_MULTIPATH], p, gw, &oif);
	p->found = true;
	p->prio = prio;
	p->oif = oif;
	memcpy(p->gw, gw, sizeof(gw));
	return MNL_CB_OK;
}

int nl_default_route_get(struct nl *nl, int family, unsigned table, uint8_t gw[16], int *oif,
			 struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	struct route_pick p = { .family = family, .table = table };
	int r = nl_exchange(nl, nlh, route_cb, &p);
	if (r < 0)
		return jc_error_errno(err, -r, "list routes");
	if (!p.found)
		return -ENOENT;
	memcpy(gw, p.gw, 16);
	*oif = p.oif;
	return 0;
}

int nl_rule_add(struct nl *nl, int family, unsigned table, unsigned pref, struct jc_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, pref);
	int r = talk(nl, nlh);
	if (r < 0 && r != -EEXIST)
		return jc_error_errno(err, -r, "policy rule for routing table %u", table);
	return 0;
}
