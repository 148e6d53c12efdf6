/* The static jailctl has no netlink (libmnl ships no static archive, see dynlib.h), nor
 * the shared-IP setup (net_shared.c, whose getaddrinfo a static glibc program should not
 * call): its front end hands every jail with networking to jailctl-full, so that only
 * nl_open is ever reached here, by a caller that missed that, and it fails cleanly. */
#include <errno.h>

#include "dynlib.h"
#include "net_priv.h"

int nl_open(struct nl *nl, int ns_fd, struct jc_error *err)
{
	(void)ns_fd;
	nl->sk = NULL;
	return jc_error_set(err, JC_DL_UNAVAILABLE, "netlink: not available to the static "
			    "jailctl (jailctl-full has it)");
}

void nl_close(struct nl *nl)
{
	nl->sk = NULL;
}

/* Never reached: every one needs a socket from nl_open. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define UNREACHABLE() { return -ENOTSUP; }

int nl_link_by_name(struct nl *nl, const char *name, struct nl_link *out, struct jc_error *err)
	UNREACHABLE()
int nl_link_by_index(struct nl *nl, int index, struct nl_link *out, struct jc_error *err)
	UNREACHABLE()
int nl_links(struct nl *nl, int master, struct nl_link **out, size_t *n, struct jc_error *err)
	UNREACHABLE()
int nl_veth_add(struct nl *nl, const char *name, const uint8_t mac[6], const char *peer_name,
		const uint8_t peer_mac[6], unsigned mtu, int peer_ns, struct jc_error *err)
	UNREACHABLE()
int nl_slave_add(struct nl *nl, int master, const char *name, const uint8_t mac[6], int ns,
		 struct jc_error *err)
	UNREACHABLE()
int nl_bridge_add(struct nl *nl, const char *name, bool *created, struct jc_error *err)
	UNREACHABLE()
int nl_link_set(struct nl *nl, int index, int up, int master, struct jc_error *err)
	UNREACHABLE()
int nl_link_move(struct nl *nl, int index, int ns, struct jc_error *err)
	UNREACHABLE()
int nl_link_set_alias(struct nl *nl, int index, const char *alias, struct jc_error *err)
	UNREACHABLE()
int nl_link_del(struct nl *nl, int index, struct jc_error *err)
	UNREACHABLE()
int nl_addr_add(struct nl *nl, int index, const struct net_addr *a, bool nodad,
		struct jc_error *err)
	UNREACHABLE()
int nl_addr_del(struct nl *nl, int index, const struct net_addr *a, struct jc_error *err)
	UNREACHABLE()
int nl_addrs(struct nl *nl, int family, struct nl_addr **out, size_t *n, struct jc_error *err)
	UNREACHABLE()
int nl_route_default(struct nl *nl, int family, const uint8_t gw[16], int oif, unsigned table,
		     bool onlink, struct jc_error *err)
	UNREACHABLE()
int nl_default_route_get(struct nl *nl, int family, unsigned table, uint8_t gw[16], int *oif,
			 struct jc_error *err)
	UNREACHABLE()
int nl_rule_add(struct nl *nl, int family, unsigned table, unsigned pref, struct jc_error *err)
	UNREACHABLE()
int net_setup_shared(struct net_run *run, struct jc_error *err)
	UNREACHABLE()
int net_setup_local(struct net_run *run, struct jc_error *err)
	UNREACHABLE()
