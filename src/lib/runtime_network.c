/* Network plumbing of a jail, seen from the host: the runtime's hooks into net.h. A jail
 * either shares the host's network namespace (ip4/ip6 = inherit, no vnet) or has its own
 * with the loopback up (brought up by the jail's init before anything runs in it); VNET
 * (veth on a bridge), shared-IP (ipvlan), NAT and DHCP are built by jc_net_setup. Setup
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

int runtime_network_files(struct jc_ctx *ctx, const struct jc_jail *jail, pid_t init_pid,
			  struct jc_error *err)
{
	(void)ctx;
	/* The root as the jail's init sees it: on the dir back end it is mounted only in the
	 * jail's mount namespace. */
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)init_pid);
	return jc_net_write_proxy(root, jail, err);
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
