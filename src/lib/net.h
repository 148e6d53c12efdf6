/* Jail networking (SPEC §1 VNET/shared-IP/inherit/none rows, §7): veth pairs on Linux
 * bridges for VNET, ipvlan for shared-IP jails, addresses and routes, DHCP, and NAT with
 * port forwards in one nftables table owned by jailctl. Netlink through libmnl; nftables
 * through libnftables. The runtime calls these at start and stop; docs/networking.md
 * describes the behaviour. */
#pragma once

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

/* Which network namespace the jail gets (decided before the namespaces are made): the
 * runtime must not unshare the network namespace for JC_NET_INHERIT. */
enum jc_net_mode jc_net_mode(const struct jc_jail *jail);

/* Start-time checks before anything is built: property coherence with iocage's messages
 * (dhcp needs bpf and vnet, nat needs vnet and excludes bpf, accept_rtadv and bpf need
 * vnet, rtsold needs an accept_rtadv entry), a named vnet_default_interface must exist,
 * and no nat_forwards host port may be forwarded by another running jail. */
int jc_net_check(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err);

/* Build the jail's network once its init (host pid init_pid, in its own netns) exists:
 * links, addresses, routes, NAT rules, DHCP clients (waiting for their leases). jid names
 * the host-side interfaces (vnet0.<JID>). What is built is recorded first in
 * <run_dir>/net/<pool_id>/<NAME>.json, so jc_net_teardown can undo it even after a crash;
 * on failure everything built is undone before returning. Progress lines via jc_progress.
 * MACs generated at the first start are saved as vnetN_mac with jc_jail_write_config
 * (which also refreshes jail->config); it takes no lock: the caller (the runtime's start)
 * holds the jail's lock. */
int jc_net_setup(struct jc_ctx *ctx, struct jc_jail *jail, int jid, pid_t init_pid,
		 struct jc_error *err);
/* Undo what jc_net_setup recorded: DHCP clients, nftables chains, host-side veths. Bridges
 * stay, as in iocage. Nothing recorded is not an error. Call it once the jail's init is
 * dead (at stop and for stale state): the veths are taken down, and the kernel deletes
 * them with the jail's network namespace, in the background. */
int jc_net_teardown(struct jc_ctx *ctx, const char *jail_name, struct jc_error *err);
/* Whether a host-side interface named for this JID (vnetN.<JID>) still exists, as it
 * does for a moment after its jail stopped: that JID must not be handed out yet. */
bool jc_net_jid_links_exist(int jid);
/* Whether starting or stopping the jail needs netlink or nftables (anything beyond its
 * own loopback, or a network record left to tear down): the static jailctl hands such
 * jails to jailctl-full (dynlib.h). */
bool jc_net_needs_libs(struct jc_ctx *ctx, const struct jc_jail *jail);

/* Live IPv4 addresses of a running jail ("a/n,..."), for list/get of DHCP and NAT jails;
 * NULL when it has none or cannot be looked at. Caller frees. */
char *jc_net_live_ip4(struct jc_ctx *ctx, const struct jc_jail *jail, pid_t init_pid);

/* The jail's effective http_proxy / https_proxy, validated; NULL for none (caller frees). */
int jc_net_proxy_values(const struct jc_jail *jail, char **http, char **https,
			struct jc_error *err);
/* Those values into the jail's /etc/environment and, where the release has apt,
 * /etc/apt/apt.conf.d/90jailctl-proxy; a proxy of none (NULL) removes what jailctl wrote.
 * root is the jail root as the caller sees it. */
int jc_net_write_proxy(const char *root, const char *http, const char *https,
		       struct jc_error *err);

/* jailctl is the script of the DHCP clients it starts: udhcpc runs it as "jailctl EVENT"
 * with JC_NET_DHCP_HOOK_ENV set; main() hands such a call here. Applies the lease (from
 * udhcpc's environment) to the interface in the current network namespace. */
#define JC_NET_DHCP_HOOK_ENV "JAILCTL_DHCP_HOOK"
int jc_net_dhcp_event(const char *event, struct jc_error *err);
