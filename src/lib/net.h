/* Jail networking (SPEC §1 VNET/shared-IP/inherit/none rows, §7): veth pairs on Linux
 * bridges for VNET, ipvlan for shared-IP jails, addresses and routes, DHCP, and NAT with
 * port forwards in one nftables table owned by jailctl. Netlink through libmnl; nftables
 * through libnftables. The runtime calls these at start and stop. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"
#include "jail.h"

enum jc_net_mode {
	JC_NET_INHERIT,   /* ip4=inherit: the host's network namespace */
	JC_NET_NONE,      /* own namespace, loopback only */
	JC_NET_VNET,      /* veth pairs on bridges (vnet=1) */
	JC_NET_SHARED,    /* ipvlan on host interfaces (vnet=0 with addresses) */
};

/* Which network namespace the jail gets (decided before the namespaces are made). */
enum jc_net_mode jc_net_mode(const struct jc_jail *jail);

/* Start-time checks before anything is built: property coherence (iocage §2.1: dhcp needs
 * vnet and bpf, nat needs vnet and excludes bpf, accept_rtadv needs vnet, rtsold needs an
 * accept_rtadv entry), NAT host-port conflicts with other running jails. */
int jc_net_check(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err);

/* Build the jail's network once its init (host pid init_pid, in its own netns) exists.
 * jid names host-side interfaces (vnet0.<JID>). Everything made is recorded in *state (a
 * JSON object the runtime stores with the jail's runtime state) so teardown can undo it even
 * after a crash. Progress lines via jc_progress. On failure, whatever was built is undone. */
int jc_net_setup(struct jc_ctx *ctx, struct jc_jail *jail, int jid, pid_t init_pid,
		 json_t **state, struct jc_error *err);
/* Undo what jc_net_setup recorded in state (also for stale state after a crash). */
int jc_net_teardown(struct jc_ctx *ctx, const char *jail_name, json_t *state,
		    struct jc_error *err);
/* Live addresses of a running jail for list/get (DHCP lease etc.); caller frees. */
char *jc_net_live_ip4(struct jc_ctx *ctx, const struct jc_jail *jail, pid_t init_pid);
