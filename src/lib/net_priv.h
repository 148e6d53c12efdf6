/* Internals of jail networking, shared by the net*.c files and the unit tests.
 * net_plan.c turns a jail's properties into a plan (pure: no host access), net_link.c
 * speaks rtnetlink through libmnl, net_nat.c builds and loads the nftables rules,
 * net_dhcp.c runs the DHCP clients, net_state.c keeps the record of what a start built. */
#pragma once

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net.h"

enum {
	NET_MAX_NICS = 4,           /* vnet0 .. vnet3 */
	NET_MAX_ADDRS = 16,         /* per interface */
	NET_MAX_SHARED = 8,         /* host interfaces a shared-IP jail uses */
	NET_FIB_PREF = 1000,        /* priority of the exec_fib policy rule */
};

struct net_addr {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned plen;
};

enum net_gw_kind { NET_GW_NONE, NET_GW_AUTO, NET_GW_ADDR };

struct net_gw {
	enum net_gw_kind kind;
	uint8_t addr[16];
	char dev[IFNAMSIZ];         /* IPv6 %IFACE, as the jail names it (vnetN → ethN) */
};

struct net_nic {
	bool used;                  /* listed in interfaces */
	char bridge[IFNAMSIZ];
	unsigned mtu;               /* 0: auto */
	bool dhcp;                  /* dhcp=1 or vnetN|DHCP */
	bool rtadv;                 /* vnetN|accept_rtadv */
	bool have_mac;              /* vnetN_mac set */
	uint8_t mac[2][6];          /* host side, jail side */
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t naddrs;
};

struct net_shared {
	char ifname[IFNAMSIZ];      /* host interface; "" = the default-route interface */
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t naddrs;
};

enum { NET_FWD_TCP = 1, NET_FWD_UDP = 2 };

struct net_forward {
	unsigned proto;             /* NET_FWD_TCP | NET_FWD_UDP */
	uint16_t jail_lo, jail_hi, host_lo, host_hi;
};

enum net_uplink { NET_UPLINK_AUTO, NET_UPLINK_NONE, NET_UPLINK_NAMED };

struct net_plan {
	char *name;
	enum jc_net_mode mode;
	bool vnet, bpf, dhcp, rtsold, nat, ip_hostname, assign_localhost;
	bool ip4_disable, ip6_disable;
	bool dhcp_entry, rtadv_entry;   /* some ip4_addr/ip6_addr entry is IF|DHCP, IF|accept_rtadv */
	struct net_nic nics[NET_MAX_NICS];
	struct net_shared shared[NET_MAX_SHARED];
	size_t nshared;
	struct net_gw gw4, gw6;
	unsigned fib;               /* exec_fib: 0 = main table */
	enum net_uplink uplink;     /* vnet_default_interface */
	char uplink_name[IFNAMSIZ];
	unsigned default_mtu;
	uint8_t mac_prefix[3];
	uint8_t nat_prefix[2];
	char nat_if[IFNAMSIZ];      /* "" = the default-route interface */
	struct net_forward *fwd;
	size_t nfwd;
	char *forwards_text;        /* normalised nat_forwards, "none" */
	char *hostname;             /* for ip_hostname and the DHCP client */
	uint8_t localhost_ip[4];
	bool has_localhost_ip;
	char **vnet_interfaces;     /* NULL-terminated, may be empty */
	/* Property coherence problems (iocage's start-time checks), "" when none. */
	char *incoherent;
};

/* ---- the plan (net_plan.c) ---- */

/* Read and validate the jail's network properties. Values that do not validate (a
 * hand-edited config.json) are errors naming the jail and the property. */
int net_plan_build(const struct jc_jail *jail, struct net_plan *out, struct jc_error *err);
void net_plan_release(struct net_plan *p);
/* The coherence checks of iocage's start (dhcp needs bpf and vnet, ...), as one line. */
int net_plan_check(const struct net_plan *p, struct jc_error *err);
/* nat_forwards text (validated first) into numbers; *out is freed by the caller. */
int net_parse_forwards(const char *text, struct net_forward **out, size_t *n,
		       struct jc_error *err);
/* Deterministic MACs of one NIC: prefix, then 3 bytes of SHA-256 over the host identity,
 * the jail name and the NIC name; the jail side is the host side + 1. */
int net_mac_derive(const uint8_t prefix[3], const char *host_id, const char *jail_name,
		   const char *nic, uint8_t host[6], uint8_t jail[6], struct jc_error *err);
/* /etc/machine-id, else the host id (gethostid) in hex. Caller frees. */
char *net_host_identity(void);
/* An IPv4 address without /MASK gets its classful mask, as FreeBSD's ifconfig does. */
unsigned net_default_plen4(const uint8_t a[4]);
char *net_addr_text(const struct net_addr *a);   /* "a/plen" */
char *net_mac_text(const uint8_t mac[6]);        /* "aa:bb:cc:dd:ee:ff" */

/* ---- NAT (net_nat.c) ---- */

struct net_used {
	uint8_t addr[4];
	unsigned plen;
};

/* First free /30 prefix.i.l/30 (i 0..255, l 0, 4, ... 252) that overlaps none of used.
 * out receives the network address. -ENOSPC when the /16 is full. */
int net_nat_pick(const uint8_t prefix[2], const struct net_used *used, size_t n,
		 uint8_t out[4]);
/* Per-jail chain names start with "j<pool_id>-<name>" so two pools never clash. */
char *net_nat_chain_prefix(const char *pool_id, const char *name);
/* nftables script adding the jail's chains (DNAT from host ports on any local address,
 * also for the host's own traffic, and masquerade out of oif). Built only from numbers
 * and validated names. */
char *net_nat_rules(const char *chain_prefix, const uint8_t jail_ip[4], const char *oif,
		    const struct net_forward *f, size_t n);
/* nftables script removing the jail's chains, harmless when they do not exist. */
char *net_nat_delete_rules(const char *chain_prefix);
/* Run an nftables script through libnftables; errors name what. */
int net_nft_run(const char *script, const char *what, struct jc_error *err);
/* First host port both lists forward for the same protocol, 0 if none. */
unsigned net_forwards_clash(const struct net_forward *a, size_t na,
			    const struct net_forward *b, size_t nb);
/* Forward as iocage writes it: tcp(80:8080). */
char *net_forward_text(const struct net_forward *f);

/* ---- netlink (net_link.c; net_link_none.c in the static jailctl) ---- */

struct mnl_socket;

struct nl {
	struct mnl_socket *sk;
	unsigned portid;
	unsigned seq;
};

struct nl_link {
	int index;
	char name[IFNAMSIZ];
	char kind[16];
	unsigned mtu;
	unsigned flags;
	int master;
	uint8_t mac[6];
	char alias[128];            /* IFLA_IFALIAS, the interface's description */
};

struct nl_addr {
	int index;
	unsigned scope;
	struct net_addr a;
};

/* A netlink route socket in the network namespace ns_fd (-1: the current one). */
int nl_open(struct nl *nl, int ns_fd, struct jc_error *err);
void nl_close(struct nl *nl);
/* -ENODEV when there is no such link. */
int nl_link_by_name(struct nl *nl, const char *name, struct nl_link *out, struct jc_error *err);
int nl_link_by_index(struct nl *nl, int index, struct nl_link *out, struct jc_error *err);
/* Every link (master >= 0 selects the ports of that bridge). */
int nl_links(struct nl *nl, int master, struct nl_link **out, size_t *n, struct jc_error *err);
/* A veth pair: host end here, peer created directly in peer_ns as peer_name. */
int nl_veth_add(struct nl *nl, const char *name, const uint8_t mac[6], const char *peer_name,
		const uint8_t peer_mac[6], unsigned mtu, int peer_ns, struct jc_error *err);
/* An ipvlan (L2) child of master created in ns as name; macvlan (bridge mode, with mac)
 * where the kernel has no ipvlan. */
int nl_slave_add(struct nl *nl, int master, const char *name, const uint8_t mac[6], int ns,
		 struct jc_error *err);
/* A bridge; 0 also when it exists already. *created tells which. */
int nl_bridge_add(struct nl *nl, const char *name, bool *created, struct jc_error *err);
/* Set up/down state (up < 0: unchanged) and master (master < 0: unchanged, 0: none). */
int nl_link_set(struct nl *nl, int index, int up, int master, struct jc_error *err);
int nl_link_move(struct nl *nl, int index, int ns, struct jc_error *err);
int nl_link_set_alias(struct nl *nl, int index, const char *alias, struct jc_error *err);
/* The host side of the jail's NIC n: "vnet<n>.<JID>". The snprintf result: >= size when
 * it does not fit. */
int net_host_ifname(char *out, size_t size, int n, int jid);
/* The description jailctl gives a jail's host-side interface (as iocage's "associated with
 * jail: ..."); teardown touches only interfaces that carry it. */
char *net_link_alias(const char *pool_id, const char *name, const char *host_ifname);
int nl_link_del(struct nl *nl, int index, struct jc_error *err);
/* nodad: IPv6 addresses usable at once (no duplicate address detection delay). */
int nl_addr_add(struct nl *nl, int index, const struct net_addr *a, bool nodad,
		struct jc_error *err);
int nl_addr_del(struct nl *nl, int index, const struct net_addr *a, struct jc_error *err);
int nl_addrs(struct nl *nl, int family, struct nl_addr **out, size_t *n, struct jc_error *err);
/* Default route via gw (table 0: main); replace existing; onlink: gateway need not be on
 * a connected network. */
int nl_route_default(struct nl *nl, int family, const uint8_t gw[16], int oif, unsigned table,
		     bool onlink, struct jc_error *err);
/* The host's default route of family in table (0: main): gateway (zero when the route has
 * none) and interface. -ENOENT when there is none. */
int nl_default_route_get(struct nl *nl, int family, unsigned table, uint8_t gw[16], int *oif,
			 struct jc_error *err);
/* ip rule add from all lookup table pref pref. */
int nl_rule_add(struct nl *nl, int family, unsigned table, unsigned pref, struct jc_error *err);

/* Write a sysctl (path under /proc/sys) in the network namespace ns_fd (-1: current). */
int net_sysctl(int ns_fd, const char *path, const char *value, struct jc_error *err);
/* The network namespace of a process, or of the caller (pid 0). */
int net_ns_open(pid_t pid, struct jc_error *err);
/* Switch this thread into ns_fd (-1: stay); *saved receives the namespace to come back
 * to, which net_ns_leave restores (aborting if it cannot: see there). */
int net_ns_enter(int ns_fd, int *saved, struct jc_error *err);
void net_ns_leave(int saved);

/* ---- the record of a start (net_state.c) ---- */

/* <run_dir>/net/<pool_id>/NAME.json */
char *net_record_path(const struct jc_ctx *ctx, const char *name);
int net_record_save(const char *path, json_t *rec, struct jc_error *err);
/* -ENOENT when there is none. */
int net_record_load(const char *path, json_t **out, struct jc_error *err);
/* Host-wide lock serialising NAT address and port allocation. */
int net_lock(const struct jc_ctx *ctx, int *out_fd, struct jc_error *err);
/* Records of running jails (their init alive) on any pool, except (pool_id, name). */
json_t *net_live_records(const struct jc_ctx *ctx, const char *skip_pool, const char *skip_name);
/* Start time of pid from /proc (0 when gone). */
unsigned long long net_pid_start(pid_t pid);

/* ---- DHCP (net_dhcp.c) ---- */

/* Start a DHCP client for ifname in the jail's network namespace; pid and start
 * identify it for teardown. */
int net_dhcp_spawn(const struct jc_ctx *ctx, const struct net_plan *p, int ns_fd,
		   const char *ifname, pid_t *pid, unsigned long long *start, struct jc_error *err);
/* Wait until ifname in ns has an IPv4 address (the lease), at most timeout_ms; *addr gets
 * "a/n". -ETIMEDOUT, or -ESRCH when the client died. */
int net_dhcp_wait(int ns_fd, const char *ifname, pid_t pid, unsigned long long start,
		  long timeout_ms, char **addr, struct jc_error *err);
void net_dhcp_kill(pid_t pid, unsigned long long start);

/* ---- a start in progress (net.c, net_vnet.c, net_shared.c) ---- */

struct net_run {
	struct jc_ctx *ctx;
	struct jc_jail *jail;
	struct net_plan plan;
	int jid;
	pid_t init_pid;
	int ns;                     /* the jail's network namespace */
	struct nl host, in;         /* netlink in the host's and in the jail's namespace */
	json_t *rec;                /* the record (see net_state.c) */
	char *rec_path;
	json_t *macs;               /* vnetN_mac values generated by this start */
	char *host_id;
};

int net_run_save(struct net_run *run, struct jc_error *err);
/* Host's default route of family: interface name (and gateway); -ENOENT when none. */
int net_host_default(struct net_run *run, int family, char ifname[IFNAMSIZ], uint8_t gw[16],
		     struct jc_error *err);
/* Policy rule for exec_fib and the default routes of the jail. */
int net_jail_fib_rules(struct net_run *run, struct jc_error *err);
bool net_addr_contains(const struct net_addr *net, const uint8_t addr[16]);

/* No host port of p's nat_forwards may be forwarded by another running jail (iocage's
 * message). Called under net_lock when it must be exact. */
int net_check_forwards(struct jc_ctx *ctx, const struct net_plan *p, struct jc_error *err);

int net_setup_vnet(struct net_run *run, struct jc_error *err);
int net_setup_shared(struct net_run *run, struct jc_error *err);
/* Loopback-only and shared jails: assign_localhost, ip6=disable. */
int net_setup_local(struct net_run *run, struct jc_error *err);
