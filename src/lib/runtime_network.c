/* Network plumbing of a jail, seen from the host: the runtime's hooks into net.h. A jail
 * either shares the host's network namespace (ip4/ip6 = inherit, no vnet) or has its own
 * with the loopback up (brought up by the child that becomes the jail's init, before
 * anything runs in it); VNET (veth on a bridge), shared-IP (ipvlan), NAT and DHCP are
 * built by jc_net_setup. Setup
 * runs after the jail's namespaces exist and before anything runs in them; teardown runs
 * at stop, after a failed start and when stale state is cleaned, and tolerates a partial
 * setup (net.c keeps a record of what it built). The kernel finishes it in the background
 * (the host ends of the veths go with the jail's namespace), so a JID stays unused while
 * interfaces named for it are left. */
#include "net.h"
#include "runtime_priv.h"

int runtime_network_setup(struct jc_ctx *ctx, struct jc_jail *jail, const struct rt_plan *plan,
			  pid_t init_pid, int jid, struct jc_error *err)
{
	(void)plan;
	return jc_net_setup(ctx, jail, jid, init_pid, err);
}

bool runtime_network_jid_busy(int jid)
{
	return jc_net_jid_links_exist(jid);
}

int runtime_network_teardown(struct jc_ctx *ctx, const char *name, int jid, struct jc_error *err)
{
	(void)jid;
	return jc_net_teardown(ctx, name, err);
}
