/* A jail's network properties turned into a plan: which links, addresses, routes and
 * forwards a start builds. Pure: nothing here looks at the host. Every value is run
 * through its property validator first, so a hand-edited config.json cannot smuggle
 * anything unchecked into netlink messages or nftables rules. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net_priv.h"
#include "props.h"
#include "sha256.h"
#include "util.h"
#include "validate.h"

/* Effective value of key, validated and normalised. */
static int prop_value(const struct jc_jail *jail, const char *key, char **out,
		      struct jc_error *err)
{
	const struct jc_prop *prop = jc_prop_find(key);
	if (!prop)
		return jc_error_set(err, EINVAL, "%s: unknown property", key);
	cleanup_free char *text = jc_jail_get(jail, key);
	if (jc_prop_validate(prop, text ? text : prop->def, out, err) < 0)
		return jc_error_wrap(err, "%s", jail->name);
	return 0;
}

static int prop_bool(const struct jc_jail *jail, const char *key, bool *out,
		     struct jc_error *err)
{
	cleanup_free char *v = NULL;
	int r = prop_value(jail, key, &v, err);
	if (r == 0)
		*out = strcmp(v, "1") == 0;
	return r;
}

static int prop_uint(const struct jc_jail *jail, const char *key, unsigned *out,
		     struct jc_error *err)
{
	cleanup_free char *v = NULL;
	unsigned long long n;
	int r = prop_value(jail, key, &v, err);
	if (r < 0)
		return r;
	if (!jc_parse_uint_range(v, 0, 0x7fffffff, &n))
		return jc_error_set(err, EINVAL, "%s: %s: '%s' is out of range", jail->name, key, v);
	*out = (unsigned)n;
	return 0;
}

/* ---- small helpers ---- */

unsigned net_default_plen4(const uint8_t a[4])
{
	if (a[0] < 128)
		return 8;
	return a[0] < 192 ? 16 : 24;
}

char *net_addr_text(const struct net_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(a->family, a->addr, buf, sizeof(buf));
	return xasprintf("%s/%u", buf, a->plen);
}

char *net_mac_text(const uint8_t m[6])
{
	return xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* iocage reports every coherence problem of a start at once. */
static void plan_note(struct net_plan *p, const char *msg)
{
	char *next = xasprintf("%s%s%s: %s", p->incoherent, *p->incoherent ? "; " : "", p->name,
			       msg);
	free(p->incoherent);
	p->incoherent = next;
}

static bool hex_byte(const char *s, uint8_t *out)
{
	unsigned v;
	if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
	    sscanf(s, "%2x", &v) != 1)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* "aa:bb:cc:dd:ee:ff" (the validator's normal form), ended by NUL or a blank. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	if (strnlen(s, 18) < 17 || (s[17] != '\0' && s[17] != ' '))
		return false;
	for (size_t i = 0; i < 6; i++)
		if (!hex_byte(s + 3 * i, &mac[i]) || (i < 5 && s[3 * i + 2] != ':'))
			return false;
	return true;
}

/* ---- addresses ---- */

static int parse_cidr(int family, const char *s, struct net_addr *out)
{
	const char *slash = strchr(s, '/');
	cleanup_free char *host = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	memset(out, 0, sizeof(*out));
	out->family = family;
	bool ok = family == AF_INET ? jc_parse_ipv4(host, out->addr) : jc_parse_ipv6(host, out->addr);
	if (!ok)
		return -EINVAL;
	unsigned long long plen;
	if (slash && !jc_parse_uint_range(slash + 1, 0, family == AF_INET ? 32 : 128, &plen))
		return -EINVAL;
	if (slash)
		out->plen = (unsigned)plen;
	else
		out->plen = family == AF_INET ? net_default_plen4(out->addr) : 64;
	return 0;
}

/* vnetN → N, -1 otherwise. */
static int vnet_index(const char *iface)
{
	if (strlen(iface) == 5 && strncmp(iface, "vnet", 4) == 0 && iface[4] >= '0' &&
	    iface[4] <= '3')
		return iface[4] - '0';
	return -1;
}

static int push_addr(struct net_addr *arr, size_t *n, const struct net_addr *a,
		     const char *where, struct jc_error *err)
{
	if (*n >= NET_MAX_ADDRS)
		return jc_error_set(err, E2BIG, "%s: more than %d addresses", where, NET_MAX_ADDRS);
	arr[(*n)++] = *a;
	return 0;
}

static struct net_shared *shared_for(struct net_plan *p, const char *iface)
{
	for (size_t i = 0; i < p->nshared; i++)
		if (strcmp(p->shared[i].ifname, iface) == 0)
			return &p->shared[i];
	if (p->nshared >= NET_MAX_SHARED)
		return NULL;
	struct net_shared *s = &p->shared[p->nshared++];
	snprintf(s->ifname, sizeof(s->ifname), "%s", iface);
	return s;
}

static int vnet_entry(struct net_plan *p, const char *key, const char *item, const char *iface,
		      const char *addr, int family, struct jc_error *err)
{
	int n = vnet_index(iface);
	if (n < 0 || !p->nics[n].used) {
		cleanup_free char *msg = xasprintf("%s entry '%s' names no interface of the jail "
						   "(see interfaces)", key, item);
		plan_note(p, msg);
		return 0;
	}
	struct net_nic *nic = &p->nics[n];
	if (strcasecmp(addr, "DHCP") == 0) {
		nic->dhcp = true;
		return 0;
	}
	if (strcasecmp(addr, "accept_rtadv") == 0) {
		nic->rtadv = true;
		return 0;
	}
	struct net_addr a;
	if (parse_cidr(family, addr, &a) < 0)
		return jc_error_set(err, EINVAL, "%s: %s: bad entry '%s'", p->name, key, item);
	return push_addr(nic->addrs, &nic->naddrs, &a, p->name, err);
}

static int shared_entry(struct net_plan *p, const char *key, const char *item, const char *iface,
			const char *addr, int family, struct jc_error *err)
{
	/* DHCP and accept_rtadv need vnet: the coherence checks report them. */
	if (strcasecmp(addr, "DHCP") == 0 || strcasecmp(addr, "accept_rtadv") == 0)
		return 0;
	(void)item;
	if ((family == AF_INET && p->ip4_disable) || (family == AF_INET6 && p->ip6_disable))
		return 0;
	struct net_addr a;
	if (parse_cidr(family, addr, &a) < 0)
		return jc_error_set(err, EINVAL, "%s: %s: bad entry '%s'", p->name, key, item);
	/* iocage drops the interface DEFAULT: the default-route interface is used. */
	struct net_shared *s = shared_for(p, strcmp(iface, "DEFAULT") == 0 ? "" : iface);
	if (!s)
		return jc_error_set(err, E2BIG, "%s: %s: more than %d host interfaces", p->name, key,
				    NET_MAX_SHARED);
	return push_addr(s->addrs, &s->naddrs, &a, p->name, err);
}

static int plan_addrs(struct net_plan *p, const struct jc_jail *jail, const char *key, int family,
		      struct jc_error *err)
{
	cleanup_free char *v = NULL;
	int r = prop_value(jail, key, &v, err);
	if (r < 0 || strcmp(v, "none") == 0)
		return r;
	cleanup_strv char **items = jc_strsplit(v, ",");
	for (size_t i = 0; items[i] && r == 0; i++) {
		char *bar = strchr(items[i], '|');
		const char *addr = bar ? bar + 1 : items[i];
		cleanup_free char *iface = bar ? xstrndup(items[i], (size_t)(bar - items[i]))
					       : xstrdup(p->vnet ? "vnet0" : "");
		p->dhcp_entry |= strcasecmp(addr, "DHCP") == 0;
		p->rtadv_entry |= strcasecmp(addr, "accept_rtadv") == 0;
		if (p->vnet)
			r = vnet_entry(p, key, items[i], iface, addr, family, err);
		else
			r = shared_entry(p, key, items[i], iface, addr, family, err);
	}
	return r;
}

/* ---- interfaces, MACs, gateways ---- */

static int plan_nics(struct net_plan *p, const struct jc_jail *jail, struct jc_error *err)
{
	cleanup_free char *v = NULL;
	int r = prop_value(jail, "interfaces", &v, err);
	if (r < 0)
		return r;
	cleanup_strv char **items = jc_strsplit(v, ",");
	for (size_t i = 0; items[i]; i++) {
		struct net_nic *nic = &p->nics[items[i][4] - '0'];   /* validated: vnetN:BRIDGE */
		nic->used = true;
		snprintf(nic->bridge, sizeof(nic->bridge), "%s", strchr(items[i], ':') + 1);
	}
	for (int n = 0; n < NET_MAX_NICS; n++) {
		char key[16];
		cleanup_free char *mtu = NULL, *mac = NULL;
		snprintf(key, sizeof(key), "vnet%d_mtu", n);
		if ((r = prop_value(jail, key, &mtu, err)) < 0)
			return r;
		p->nics[n].mtu = strcmp(mtu, "auto") == 0 ? 0 : (unsigned)strtoul(mtu, NULL, 10);
		snprintf(key, sizeof(key), "vnet%d_mac", n);
		if ((r = prop_value(jail, key, &mac, err)) < 0)
			return r;
		if (strcmp(mac, "none") != 0)
			p->nics[n].have_mac = strlen(mac) == 35 && parse_mac(mac, p->nics[n].mac[0]) &&
					      parse_mac(mac + 18, p->nics[n].mac[1]);
		if (p->dhcp && p->nics[n].used)
			p->nics[n].dhcp = true;   /* dhcp=1: every interface (iocage's legacy rule) */
	}
	return 0;
}

static int plan_gw(struct net_plan *p, const struct jc_jail *jail, const char *key, int family,
		   struct net_gw *gw, struct jc_error *err)
{
	cleanup_free char *v = NULL;
	int r = prop_value(jail, key, &v, err);
	if (r < 0)
		return r;
	memset(gw, 0, sizeof(*gw));
	if (strcmp(v, "none") == 0)
		return 0;
	if (strcmp(v, "auto") == 0) {
		gw->kind = NET_GW_AUTO;
		return 0;
	}
	char *pct = strchr(v, '%');
	if (pct) {
		*pct = '\0';
		int n = vnet_index(pct + 1);
		if (n >= 0)
			snprintf(gw->dev, sizeof(gw->dev), "eth%d", n);
		else
			snprintf(gw->dev, sizeof(gw->dev), "%s", pct + 1);
	}
	bool ok = family == AF_INET ? jc_parse_ipv4(v, gw->addr) : jc_parse_ipv6(v, gw->addr);
	if (!ok)
		return jc_error_set(err, EINVAL, "%s: %s: '%s' is not an address", p->name, key, v);
	gw->kind = NET_GW_ADDR;
	return 0;
}

static int plan_uplink(struct net_plan *p, const struct jc_jail *jail, struct jc_error *err)
{
	cleanup_free char *v = NULL;
	int r = prop_value(jail, "vnet_default_interface", &v, err);
	if (r < 0)
		return r;
	p->uplink = strcmp(v, "auto") == 0 ? NET_UPLINK_AUTO
		    : strcmp(v, "none") == 0 ? NET_UPLINK_NONE : NET_UPLINK_NAMED;
	snprintf(p->uplink_name, sizeof(p->uplink_name), "%s", v);
	cleanup_free char *pre = NULL;
	if ((r = prop_value(jail, "mac_prefix", &pre, err)) < 0)
		return r;
	for (size_t i = 0; i < 3; i++)
		hex_byte(pre + 2 * i, &p->mac_prefix[i]);
	return prop_uint(jail, "vnet_default_mtu", &p->default_mtu, err);
}

/* ---- NAT ---- */

static int fwd_port(const char *s, char **end, uint16_t *out)
{
	unsigned long v = strtoul(s, end, 10);
	if (*end == s || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* One normalised entry: tcp(80), udp(53:5353), tcp/udp(8000-8010). */
static int parse_forward(const char *item, struct net_forward *f)
{
	const char *open = strchr(item, '(');
	if (!open)
		return -EINVAL;
	size_t plen = (size_t)(open - item);
	f->proto = plen == 3 && strncmp(item, "tcp", 3) == 0 ? NET_FWD_TCP
		   : plen == 3 && strncmp(item, "udp", 3) == 0 ? NET_FWD_UDP
		   : plen == 7 && strncmp(item, "tcp/udp", 7) == 0 ? NET_FWD_TCP | NET_FWD_UDP : 0;
	char *end;
	if (!f->proto || fwd_port(open + 1, &end, &f->jail_lo) < 0)
		return -EINVAL;
	f->jail_hi = f->host_lo = f->host_hi = f->jail_lo;
	if (*end == ':' && fwd_port(end + 1, &end, &f->host_lo) == 0)
		f->host_hi = f->host_lo;
	else if (*end == '-' && fwd_port(end + 1, &end, &f->jail_hi) == 0)
		f->host_hi = f->jail_hi;
	return strcmp(end, ")") == 0 && f->jail_lo <= f->jail_hi ? 0 : -EINVAL;
}

int net_parse_forwards(const char *text, struct net_forward **out, size_t *n,
		       struct jc_error *err)
{
	cleanup_free char *norm = NULL;
	*out = NULL;
	*n = 0;
	if (jc_prop_validate(jc_prop_find("nat_forwards"), text, &norm, err) < 0)
		return -EINVAL;
	if (strcmp(norm, "none") == 0)
		return 0;
	cleanup_strv char **items = jc_strsplit(norm, ",");
	struct net_forward *f = xcalloc(jc_strv_len(items), sizeof(*f));
	for (size_t i = 0; items[i]; i++) {
		if (parse_forward(items[i], &f[i]) < 0) {
			free(f);
			return jc_error_set(err, EINVAL, "nat_forwards: cannot read '%s'", items[i]);
		}
	}
	*out = f;
	*n = jc_strv_len(items);
	return 0;
}

static int plan_nat(struct net_plan *p, const struct jc_jail *jail, struct jc_error *err)
{
	cleanup_free char *pre = NULL, *nif = NULL;
	int r = prop_value(jail, "nat_prefix", &pre, err);
	if (r == 0)
		r = prop_value(jail, "nat_interface", &nif, err);
	if (r == 0)
		r = prop_value(jail, "nat_forwards", &p->forwards_text, err);
	if (r < 0)
		return r;
	unsigned x = 0, y = 0;
	sscanf(pre, "%u.%u", &x, &y);
	p->nat_prefix[0] = (uint8_t)x;
	p->nat_prefix[1] = (uint8_t)y;
	if (strcmp(nif, "none") != 0 && strcmp(nif, "auto") != 0)
		snprintf(p->nat_if, sizeof(p->nat_if), "%s", nif);
	if (net_parse_forwards(p->forwards_text, &p->fwd, &p->nfwd, err) < 0)
		return jc_error_wrap(err, "%s", p->name);
	return 0;
}

/* ---- the plan ---- */

static int plan_flags(struct net_plan *p, const struct jc_jail *jail, struct jc_error *err)
{
	const struct { const char *key; bool *out; } flags[] = {
		{ "vnet", &p->vnet }, { "bpf", &p->bpf }, { "dhcp", &p->dhcp },
		{ "rtsold", &p->rtsold }, { "nat", &p->nat }, { "ip_hostname", &p->ip_hostname },
		{ "assign_localhost", &p->assign_localhost },
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(flags); i++) {
		int r = prop_bool(jail, flags[i].key, flags[i].out, err);
		if (r < 0)
			return r;
	}
	cleanup_free char *ip4 = NULL, *ip6 = NULL;
	int r = prop_value(jail, "ip4", &ip4, err);
	if (r == 0)
		r = prop_value(jail, "ip6", &ip6, err);
	if (r < 0)
		return r;
	p->ip4_disable = strcmp(ip4, "disable") == 0;
	p->ip6_disable = strcmp(ip6, "disable") == 0;
	if (p->vnet)
		p->mode = JC_NET_VNET;
	else if (strcmp(ip4, "inherit") == 0 || strcmp(ip6, "inherit") == 0)
		p->mode = JC_NET_INHERIT;
	return prop_uint(jail, "exec_fib", &p->fib, err);
}

static int plan_misc(struct net_plan *p, const struct jc_jail *jail, struct jc_error *err)
{
	cleanup_free char *host = NULL, *lo = NULL, *vif = NULL;
	int r = prop_value(jail, "host_hostname", &host, err);
	if (r == 0)
		r = prop_value(jail, "localhost_ip", &lo, err);
	if (r == 0)
		r = prop_value(jail, "vnet_interfaces", &vif, err);
	if (r < 0)
		return r;
	if (strcmp(host, "none") == 0) {
		free(host);
		host = xstrdup(p->name);
		for (char *c = host; *c; c++)
			*c = *c == '_' ? '-' : *c;
	}
	p->hostname = steal_ptr(host);
	p->has_localhost_ip = jc_parse_ipv4(lo, p->localhost_ip);
	p->vnet_interfaces = strcmp(vif, "none") == 0 ? jc_strsplit("", " ") : jc_strsplit(vif, " ");
	return 0;
}

static void plan_coherence(struct net_plan *p)
{
	bool wants_dhcp = p->dhcp || p->dhcp_entry;
	if (wants_dhcp && !p->bpf)
		plan_note(p, "dhcp requires bpf!");
	else if (wants_dhcp && !p->vnet)
		plan_note(p, "dhcp requires vnet!");
	if (p->nat && !p->vnet)
		plan_note(p, "nat requires vnet!");
	if (p->nat && p->bpf)
		plan_note(p, "bpf should be disabled when nat is being enabled");
	if (p->rtadv_entry && !p->vnet)
		plan_note(p, "accept_rtadv requires vnet!");
	if (p->bpf && !p->vnet)
		plan_note(p, "bpf requires vnet!");
	if (p->rtsold && !p->rtadv_entry)
		plan_note(p, "Must set at least one ip6_addr to accept_rtadv!");
}

int net_plan_build(const struct jc_jail *jail, struct net_plan *p, struct jc_error *err)
{
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(jail->name);
	p->incoherent = xstrdup("");
	p->mode = JC_NET_NONE;
	if (!jail->effective)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name,
				    jail->corrupt ? jail->corrupt : "configuration unreadable");
	int r = plan_flags(p, jail, err);
	if (r == 0)
		r = plan_nics(p, jail, err);
	if (r == 0)
		r = plan_addrs(p, jail, "ip4_addr", AF_INET, err);
	if (r == 0)
		r = plan_addrs(p, jail, "ip6_addr", AF_INET6, err);
	if (r == 0)
		r = plan_gw(p, jail, "defaultrouter", AF_INET, &p->gw4, err);
	if (r == 0)
		r = plan_gw(p, jail, "defaultrouter6", AF_INET6, &p->gw6, err);
	if (r == 0)
		r = plan_uplink(p, jail, err);
	if (r == 0)
		r = plan_nat(p, jail, err);
	if (r == 0)
		r = plan_misc(p, jail, err);
	if (r < 0)
		return r;
	if (p->mode == JC_NET_NONE && (p->nshared > 0 || p->ip_hostname))
		p->mode = JC_NET_SHARED;
	plan_coherence(p);
	return 0;
}

void net_plan_release(struct net_plan *p)
{
	free(p->name);
	free(p->fwd);
	free(p->forwards_text);
	free(p->hostname);
	free(p->incoherent);
	jc_strv_free(p->vnet_interfaces);
	memset(p, 0, sizeof(*p));
}

int net_plan_check(const struct net_plan *p, struct jc_error *err)
{
	if (p->incoherent && *p->incoherent)
		return jc_error_set(err, EINVAL, "%s", p->incoherent);
	return 0;
}

enum jc_net_mode jc_net_mode(const struct jc_jail *jail)
{
	struct net_plan p;
	struct jc_error ignored = { 0 };
	/* A jail whose properties do not validate fails jc_net_check; until then it gets
	 * the safest mode: its own namespace. */
	enum jc_net_mode mode = net_plan_build(jail, &p, &ignored) < 0 ? JC_NET_NONE : p.mode;
	net_plan_release(&p);
	return mode;
}

/* ---- MAC addresses ---- */

int net_mac_derive(const uint8_t prefix[3], const char *host_id, const char *jail_name,
		   const char *nic, uint8_t host[6], uint8_t jail[6], struct jc_error *err)
{
	/* NUL separators keep ("ab", "c") and ("a", "bc") apart. */
	size_t lh = strlen(host_id) + 1, lj = strlen(jail_name) + 1, ln = strlen(nic) + 1;
	cleanup_free char *buf = xmalloc(lh + lj + ln);
	memcpy(buf, host_id, lh);
	memcpy(buf + lh, jail_name, lj);
	memcpy(buf + lh + lj, nic, ln);
	unsigned char md[JC_SHA256_LEN];
	int r = jc_sha256_buf(buf, lh + lj + ln, md, err);
	if (r < 0)
		return r;
	memcpy(host, prefix, 3);
	memcpy(host + 3, md, 3);
	/* The jail side is the host side + 1 within the last three bytes, as iocage's. */
	uint32_t low = ((uint32_t)md[0] << 16 | (uint32_t)md[1] << 8 | md[2]) + 1;
	memcpy(jail, prefix, 3);
	jail[3] = (uint8_t)(low >> 16);
	jail[4] = (uint8_t)(low >> 8);
	jail[5] = (uint8_t)low;
	return 0;
}

char *net_host_identity(void)
{
	FILE *f = fopen("/etc/machine-id", "re");
	char line[128] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	jc_strstrip(line);
	if (*line)
		return xstrdup(line);
	return xasprintf("hostid-%08lx", (unsigned long)gethostid() & 0xffffffffUL);
}
