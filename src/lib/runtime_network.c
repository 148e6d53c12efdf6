/* Network plumbing of a jail, seen from the host. Today a jail either shares the host's
 * network namespace (ip4/ip6 = inherit, no vnet) or has its own with only the loopback
 * up (brought up by the jail's init before anything runs in it). VNET (veth on a bridge),
 * shared-IP (ipvlan) and NAT belong in these two hooks: setup runs after the jail's
 * namespaces exist and before anything runs in them; teardown runs at stop, after a
 * failed start and when stale state is cleaned, so it must tolerate a partial setup. */
#include "runtime_priv.h"

int runtime_network_setup(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_plan *plan,
			  pid_t init_pid, int jid, struct jc_error *err)
{
	(void)ctx;
	(void)jail;
	(void)plan;
	(void)init_pid;
	(void)jid;
	(void)err;
	return 0;
}

int runtime_network_teardown(struct jc_ctx *ctx, const char *name, int jid, struct jc_error *err)
{
	(void)ctx;
	(void)name;
	(void)jid;
	(void)err;
	return 0;
}
