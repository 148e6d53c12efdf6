/* Network property validators: addresses, interfaces, MACs, NAT, resolver, names.
 * Addresses go through inet_pton and come back in inet_ntop's canonical spelling. */
#include "validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

enum { RESOLVER_MAX = 8192, URL_MAX = 2048 };

static int missing(const struct jc_prop *p, struct jc_error *err)
{
	return jc_error_set(err, EINVAL, "%s: no value given", p && p->name ? p->name : "value");
}

static int emit_owned(char **norm, char *text)
{
	if (norm)
		*norm = text;
	else
		free(text);
	return 0;
}

/* Append item to a separator-joined list held in *out. */
static void append(char **out, const char *sep, const char *item)
{
	char *next = xasprintf("%s%s%s", *out, **out ? sep : "", item);
	free(*out);
	*out = next;
}

bool jc_parse_ipv4(const char *s, uint8_t out[4])
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	if (out)
		memcpy(out, &a, 4);
	return true;
}

bool jc_parse_ipv6(const char *s, uint8_t out[16])
{
	struct in6_addr a;
	if (!s || inet_pton(AF_INET6, s, &a) != 1)
		return false;
	if (out)
		memcpy(out, &a, 16);
	return true;
}

/* Linux accepts almost any byte in an interface name; we keep to the characters that
 * real names use, so names never clash with our separators (| : , % space). */
bool jc_valid_ifname(const char *s)
{
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

bool jc_valid_dns_name(const char *s, size_t maxlen)
{
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len == 0 || len > maxlen)
		return false;
	const char *label = s;
	while (true) {
		size_t n = strcspn(label, ".");
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)label[i]) && label[i] != '-')
				return false;
		if (!label[n])
			return true;
		label += n + 1;
	}
}

static char *ntop(int af, const void *addr)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(af, addr, buf, sizeof(buf));
	return xstrdup(buf);
}

/* Canonical text of an address of family af, NULL if s is not one. */
static char *canon_addr(int af, const char *s)
{
	uint8_t a[16];
	bool ok = af == AF_INET ? jc_parse_ipv4(s, a) : jc_parse_ipv6(s, a);
	return ok ? ntop(af, a) : NULL;
}

/* ---- ip4_addr / ip6_addr ---------------------------------------------------------- */

static int ip_cidr(const struct jc_prop *p, const char *iface, const char *addr, int af,
		   char **out, struct jc_error *err)
{
	const char *fam = af == AF_INET ? "IPv4" : "IPv6";
	unsigned long long maxmask = af == AF_INET ? 32 : 128, mask;
	const char *slash = strchr(addr, '/');
	cleanup_free char *host = slash ? xstrndup(addr, (size_t)(slash - addr)) : xstrdup(addr);
	cleanup_free char *canon = canon_addr(af, host);
	if (!canon)
		return jc_validate_fail(p, addr, err, " is not a valid %s address", fam);
	if (slash && !jc_parse_uint_range(slash + 1, 0, maxmask, &mask))
		return jc_validate_fail(p, addr, err, ": the netmask must be a number from 0 to %llu",
					maxmask);
	cleanup_free char *cidr = slash ? xasprintf("%s/%llu", canon, mask) : xstrdup(canon);
	*out = iface ? xasprintf("%s|%s", iface, cidr) : steal_ptr(cidr);
	return 0;
}

static int ip_entry(const struct jc_prop *p, const char *item, int af, char **out,
		    struct jc_error *err)
{
	const char *bar = strchr(item, '|');
	const char *addr = bar ? bar + 1 : item;
	cleanup_free char *iface = bar ? xstrndup(item, (size_t)(bar - item)) : NULL;
	if (iface && !*iface)
		return jc_validate_fail(p, item, err, ": Please provide a valid interface");
	if (iface && !jc_valid_ifname(iface))
		return jc_validate_fail(p, item, err, ": Please provide a valid interface ('%s' is not "
					"an interface name)", iface);
	if (strchr(addr, '|'))
		return jc_validate_fail(p, item, err, " must be IFACE|ADDRESS[/MASK]");
	const char *special = af == AF_INET ? "DHCP" : "accept_rtadv";
	if (strcasecmp(addr, special) == 0) {
		if (!iface)
			return jc_validate_fail(p, item, err, ": %s needs an interface, e.g. vnet0|%s",
						special, special);
		*out = xasprintf("%s|%s", iface, special);
		return 0;
	}
	return ip_cidr(p, iface, addr, af, out, err);
}

static int ip_addr_list(const struct jc_prop *p, const char *v, int af, char **norm,
			struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	/* iocage's set strips spaces from address lists. */
	cleanup_free char *s = jc_strdup_nospace(v);
	if (strcasecmp(s, "none") == 0)
		return jc_validate_emit(norm, "none");
	if (jc_list_has_empty_field(s, ','))
		return jc_validate_fail(p, v, err, " must be none or a comma-separated list of "
					"[IFACE|]ADDRESS[/MASK]");
	cleanup_strv char **items = jc_strsplit(s, ",");
	cleanup_free char *out = xstrdup("");
	for (size_t i = 0; items[i]; i++) {
		cleanup_free char *entry = NULL;
		int r = ip_entry(p, items[i], af, &entry, err);
		if (r < 0)
			return r;
		append(&out, ",", entry);
	}
	return emit_owned(norm, steal_ptr(out));
}

int jc_validate_ip4_addr(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	return ip_addr_list(p, v, AF_INET, norm, err);
}

int jc_validate_ip6_addr(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	return ip_addr_list(p, v, AF_INET6, norm, err);
}

/* auto and none are keywords of several properties; "" when v is neither. */
static const char *keyword(const char *v, bool allow_auto)
{
	if (strcasecmp(v, "none") == 0)
		return "none";
	if (allow_auto && strcasecmp(v, "auto") == 0)
		return "auto";
	return "";
}

int jc_validate_defaultrouter(const struct jc_prop *p, const char *v, char **norm,
			      struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (*keyword(v, true))
		return jc_validate_emit(norm, keyword(v, true));
	char *canon = canon_addr(AF_INET, v);
	if (!canon)
		return jc_validate_fail(p, v, err, " must be auto, none or an IPv4 address");
	return emit_owned(norm, canon);
}

int jc_validate_defaultrouter6(const struct jc_prop *p, const char *v, char **norm,
			       struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (*keyword(v, true))
		return jc_validate_emit(norm, keyword(v, true));
	const char *pct = strchr(v, '%');
	cleanup_free char *addr = pct ? xstrndup(v, (size_t)(pct - v)) : xstrdup(v);
	cleanup_free char *canon = canon_addr(AF_INET6, addr);
	if (!canon || (pct && !jc_valid_ifname(pct + 1)))
		return jc_validate_fail(p, v, err, " must be auto, none or an IPv6 address "
					"(with an optional %%IFACE)");
	return emit_owned(norm, pct ? xasprintf("%s%s", canon, pct) : steal_ptr(canon));
}

int jc_validate_localhost_ip(const struct jc_prop *p, const char *v, char **norm,
			     struct jc_error *err)
{
	uint8_t a[4];
	if (!v)
		return missing(p, err);
	if (*keyword(v, false))
		return jc_validate_emit(norm, "none");
	if (!jc_parse_ipv4(v, a) || a[0] != 127)
		return jc_validate_fail(p, v, err, " must be none or an IPv4 address in 127.0.0.0/8");
	return emit_owned(norm, ntop(AF_INET, a));
}

/* ---- interfaces ------------------------------------------------------------------- */

static int interface_pair(const struct jc_prop *p, const char *item, bool used[4],
			  struct jc_error *err)
{
	const char *colon = strchr(item, ':');
	if (!colon)
		return jc_validate_fail(p, item, err, ": Interfaces must be specified as a pair. "
					"EXAMPLE: vnet0:bridge0, vnet1:bridge1");
	size_t nlen = (size_t)(colon - item);
	if (nlen != 5 || strncmp(item, "vnet", 4) != 0 || item[4] < '0' || item[4] > '3')
		return jc_validate_fail(p, item, err, ": the jail side must be vnet0, vnet1, vnet2 or "
					"vnet3");
	if (used[item[4] - '0'])
		return jc_validate_fail(p, item, err, ": vnet%c is listed twice", item[4]);
	used[item[4] - '0'] = true;
	if (!jc_valid_ifname(colon + 1))
		return jc_validate_fail(p, item, err, ": '%s' is not a valid bridge name", colon + 1);
	return 0;
}

int jc_validate_interfaces(const struct jc_prop *p, const char *v, char **norm,
			   struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	cleanup_free char *s = jc_strdup_nospace(v);
	if (jc_list_has_empty_field(s, ','))
		return jc_validate_fail(p, v, err, ": Interfaces must be specified as a pair. "
					"EXAMPLE: vnet0:bridge0, vnet1:bridge1");
	cleanup_strv char **items = jc_strsplit(s, ",");
	if (jc_strv_len(items) > 4)
		return jc_validate_fail(p, v, err, ": at most 4 interfaces (vnet0 to vnet3)");
	bool used[4] = { false, false, false, false };
	for (size_t i = 0; items[i]; i++) {
		int r = interface_pair(p, items[i], used, err);
		if (r < 0)
			return r;
	}
	return emit_owned(norm, steal_ptr(s));
}

static int ifname_or(const struct jc_prop *p, const char *v, bool allow_auto, char **norm,
		     struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (*keyword(v, allow_auto))
		return jc_validate_emit(norm, keyword(v, allow_auto));
	if (!jc_valid_ifname(v))
		return jc_validate_fail(p, v, err, " must be %snone or an interface name (1-15 letters, "
					"digits, '_', '.' or '-')", allow_auto ? "auto, " : "");
	return jc_validate_emit(norm, v);
}

int jc_validate_vnet_default_interface(const struct jc_prop *p, const char *v, char **norm,
				       struct jc_error *err)
{
	return ifname_or(p, v, true, norm, err);
}

int jc_validate_nat_interface(const struct jc_prop *p, const char *v, char **norm,
			      struct jc_error *err)
{
	return ifname_or(p, v, true, norm, err);
}

int jc_validate_ifname_or_none(const struct jc_prop *p, const char *v, char **norm,
			       struct jc_error *err)
{
	return ifname_or(p, v, false, norm, err);
}

int jc_validate_ifname_list(const struct jc_prop *p, const char *v, char **norm,
			    struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (*keyword(v, false))
		return jc_validate_emit(norm, "none");
	cleanup_strv char **names = jc_strsplit(v, " ,\t");
	if (!names[0])
		return jc_validate_fail(p, v, err, " must be none or interface names separated by spaces");
	cleanup_free char *out = xstrdup("");
	for (size_t i = 0; names[i]; i++) {
		if (!jc_valid_ifname(names[i]))
			return jc_validate_fail(p, names[i], err, " is not a valid interface name");
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return jc_validate_fail(p, names[i], err, " is listed twice");
		append(&out, " ", names[i]);
	}
	return emit_owned(norm, steal_ptr(out));
}

/* ---- MAC addresses -------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff (one separator throughout). */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	char sep = len == 17 ? s[2] : '\0';
	if (len != 12 && !(len == 17 && (sep == ':' || sep == '-')))
		return false;
	size_t step = sep ? 3 : 2;
	for (size_t i = 0; i < 6; i++) {
		const char *b = s + i * step;
		int hi = hexval(b[0]), lo = hexval(b[1]);
		if (hi < 0 || lo < 0 || (sep && i < 5 && b[2] != sep))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static char *mac_text(const uint8_t m[6])
{
	return xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int jc_validate_mac_pair(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	static const uint8_t zero[6];
	if (!v)
		return missing(p, err);
	cleanup_strv char **macs = jc_strsplit(v, " ,\t");
	if (!macs[0] || (!macs[1] && strcasecmp(macs[0], "none") == 0))
		return jc_validate_emit(norm, "none");
	uint8_t m[2][6];
	if (jc_strv_len(macs) != 2 || !parse_mac(macs[0], m[0]) || !parse_mac(macs[1], m[1]))
		return jc_validate_fail(p, v, err, " must be none or two MAC addresses (host side, jail "
					"side), e.g. 02:a0:98:12:34:56 02:a0:98:12:34:57");
	if (memcmp(m[0], m[1], 6) == 0)
		return jc_validate_fail(p, v, err, ": the two MAC addresses must differ");
	for (size_t i = 0; i < 2; i++)
		if ((m[i][0] & 1) || memcmp(m[i], zero, 6) == 0)
			return jc_validate_fail(p, v, err, ": '%s' is a multicast or all-zero address",
						macs[i]);
	cleanup_free char *a = mac_text(m[0]);
	cleanup_free char *b = mac_text(m[1]);
	return emit_owned(norm, xasprintf("%s %s", a, b));
}

int jc_validate_mac_prefix(const struct jc_prop *p, const char *v, char **norm,
			   struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	bool ok = strlen(v) == 6;
	for (size_t i = 0; ok && i < 6; i++)
		ok = hexval(v[i]) >= 0;
	if (!ok || !strchr("26ae", tolower((unsigned char)v[1])))
		return jc_validate_fail(p, v, err, " must be 6 hex digits with 2, 6, a or e as the "
					"second one (a locally administered unicast prefix)");
	char out[7];
	for (size_t i = 0; i < 7; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	return jc_validate_emit(norm, out);
}

/* ---- NAT ------------------------------------------------------------------------ */

static bool octet(const char *s, size_t len, unsigned *out)
{
	unsigned long long n;
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return false;
	char buf[4];
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!jc_parse_uint_range(buf, 0, 255, &n))
		return false;
	*out = (unsigned)n;
	return true;
}

int jc_validate_nat_prefix(const struct jc_prop *p, const char *v, char **norm,
			   struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	const char *dot = strchr(v, '.');
	unsigned x, y;
	if (!dot || !octet(v, (size_t)(dot - v), &x) || !octet(dot + 1, strlen(dot + 1), &y))
		return jc_validate_fail(p, v, err, " must be two octets X.Y, e.g. 172.16");
	if (!(x == 10 || (x == 172 && y >= 16 && y <= 31) || (x == 192 && y == 168)))
		return jc_validate_fail(p, v, err, ": %u.%u.0.0 is not a private network (use 10.Y, "
					"172.16-31 or 192.168)", x, y);
	return emit_owned(norm, xasprintf("%u.%u", x, y));
}

enum { FWD_TCP = 1, FWD_UDP = 2 };

struct forward {
	unsigned proto;
	unsigned long long jail_lo, jail_hi, host_lo, host_hi;
	char *text;
};

static int fwd_syntax(const struct jc_prop *p, const char *item, struct jc_error *err)
{
	return jc_validate_fail(p, item, err, " must be PROTO(PORT), PROTO(JAILPORT:HOSTPORT) or "
				"PROTO(START-END) with PROTO tcp, udp or tcp/udp");
}

static int fwd_port(const struct jc_prop *p, const char *item, const char *s, size_t len,
		    unsigned long long *out, struct jc_error *err)
{
	cleanup_free char *num = xstrndup(s, len);
	if (jc_parse_uint_range(num, 1, 65535, out))
		return 0;
	if (len > 0 && strspn(num, "0123456789") == len)
		return jc_validate_fail(p, item, err, ": port %s is out of range 1-65535", num);
	return fwd_syntax(p, item, err);
}

static int fwd_proto(const struct jc_prop *p, const char *item, size_t len, unsigned *proto,
		     struct jc_error *err)
{
	if (len == 3 && strncasecmp(item, "tcp", 3) == 0)
		*proto = FWD_TCP;
	else if (len == 3 && strncasecmp(item, "udp", 3) == 0)
		*proto = FWD_UDP;
	else if (len == 7 && strncasecmp(item, "tcp/udp", 7) == 0)
		*proto = FWD_TCP | FWD_UDP;
	else
		return jc_validate_fail(p, item, err, ": protocol must be tcp, udp or tcp/udp");
	return 0;
}

static int parse_forward(const struct jc_prop *p, const char *item, struct forward *f,
			 struct jc_error *err)
{
	static const char *const names[] = { "", "tcp", "udp", "tcp/udp" };
	const char *open = strchr(item, '(');
	size_t len = strlen(item);
	if (strspn(item, "0123456789") == len) {
		/* iocage turns a bare port N into tcp(N). */
		f->proto = FWD_TCP;
		open = NULL;
	} else if (!open || item[len - 1] != ')' || strchr(open + 1, '(')) {
		return fwd_syntax(p, item, err);
	} else if (fwd_proto(p, item, (size_t)(open - item), &f->proto, err) < 0) {
		return -EINVAL;
	}
	const char *body = open ? open + 1 : item;
	size_t blen = open ? (size_t)(item + len - 1 - body) : len;
	size_t a = strspn(body, "0123456789");
	char sep = a < blen ? body[a] : '\0';
	int r = fwd_port(p, item, body, sep ? a : blen, &f->jail_lo, err);
	if (r < 0)
		return r;
	f->jail_hi = f->host_lo = f->host_hi = f->jail_lo;
	if (sep && sep != ':' && sep != '-')
		return fwd_syntax(p, item, err);
	unsigned long long b = 0;
	if (sep && (r = fwd_port(p, item, body + a + 1, blen - a - 1, &b, err)) < 0)
		return r;
	if (sep == '-' && b <= f->jail_lo)
		return jc_validate_fail(p, item, err, ": a port range must go from a lower to a higher port");
	if (sep == '-')
		f->jail_hi = f->host_hi = b;
	if (sep == ':')
		f->host_lo = f->host_hi = b;
	f->text = sep ? xasprintf("%s(%llu%c%llu)", names[f->proto], f->jail_lo, sep, b)
		      : xasprintf("%s(%llu)", names[f->proto], f->jail_lo);
	return 0;
}

static int check_forward_clash(const struct jc_prop *p, const struct forward *f, size_t n,
			       struct jc_error *err)
{
	const struct forward *last = &f[n - 1];
	for (size_t i = 0; i + 1 < n; i++) {
		if (!(f[i].proto & last->proto) || f[i].host_hi < last->host_lo ||
		    last->host_hi < f[i].host_lo)
			continue;
		unsigned long long port = f[i].host_lo > last->host_lo ? f[i].host_lo : last->host_lo;
		return jc_validate_fail(p, last->text, err, ": host port %llu is already forwarded by "
					"'%s'", port, f[i].text);
	}
	return 0;
}

static void forwards_free(struct forward *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].text);
	free(f);
}

int jc_validate_nat_forwards(const struct jc_prop *p, const char *v, char **norm,
			     struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	cleanup_free char *s = jc_strdup_nospace(v);
	if (*keyword(s, false))
		return jc_validate_emit(norm, "none");
	if (jc_list_has_empty_field(s, ','))
		return jc_validate_fail(p, v, err, " must be none or a comma-separated list like "
					"tcp(80:8080),udp(53)");
	cleanup_strv char **items = jc_strsplit(s, ",");
	size_t n = jc_strv_len(items);
	struct forward *f = xcalloc(n, sizeof(*f));
	cleanup_free char *out = xstrdup("");
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = parse_forward(p, items[i], &f[i], err);
		if (r == 0)
			r = check_forward_clash(p, f, i + 1, err);
		if (r == 0)
			append(&out, ",", f[i].text);
	}
	forwards_free(f, n);
	return r < 0 ? r : emit_owned(norm, steal_ptr(out));
}

/* ---- MTU -------------------------------------------------------------------------- */

int jc_validate_mtu(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	unsigned long long n;
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "auto") == 0)
		return jc_validate_emit(norm, "auto");
	if (!jc_parse_uint_range(v, 576, 65535, &n))
		return jc_validate_fail(p, v, err, " must be auto or a number from 576 to 65535");
	return emit_owned(norm, xasprintf("%llu", n));
}

int jc_validate_default_mtu(const struct jc_prop *p, const char *v, char **norm,
			    struct jc_error *err)
{
	unsigned long long n;
	if (!v)
		return missing(p, err);
	if (!jc_parse_uint_range(v, 576, 65535, &n))
		return jc_validate_fail(p, v, err, " must be a number from 576 to 65535");
	return emit_owned(norm, xasprintf("%llu", n));
}

/* ---- resolver ------------------------------------------------------------------ */

static bool resolver_nameserver(char **args, char **canon)
{
	if (!args[0] || args[1])
		return false;
	const char *pct = strchr(args[0], '%');
	cleanup_free char *addr = pct ? xstrndup(args[0], (size_t)(pct - args[0])) : xstrdup(args[0]);
	char *c = pct ? NULL : canon_addr(AF_INET, addr);
	if (!c)
		c = canon_addr(AF_INET6, addr);
	if (!c || (pct && !jc_valid_ifname(pct + 1))) {
		free(c);
		return false;
	}
	*canon = pct ? xasprintf("%s%s", c, pct) : xstrdup(c);
	free(c);
	return true;
}

static bool resolver_args_ok(const char *kw, char **args)
{
	size_t n = jc_strv_len(args);
	if (n == 0 || (strcmp(kw, "domain") == 0 && n != 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool ok;
		if (strcmp(kw, "options") == 0) {
			ok = jc_text_is_clean(args[i], false);
		} else if (strcmp(kw, "sortlist") == 0) {
			char *slash = strchr(args[i], '/');
			cleanup_free char *a = slash ? xstrndup(args[i], (size_t)(slash - args[i]))
						     : xstrdup(args[i]);
			ok = jc_parse_ipv4(a, NULL) && (!slash || jc_parse_ipv4(slash + 1, NULL));
		} else {
			ok = jc_valid_dns_name(args[i], 253);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* One resolv.conf line; its canonical form is appended to *out. */
static int resolver_line(const struct jc_prop *p, const char *line, char **out,
			 struct jc_error *err)
{
	static const char *const kws[] = { "nameserver", "search", "domain", "options", "sortlist" };
	cleanup_strv char **words = jc_strsplit(line, " \t");
	if (!words[0])
		return 0;
	const char *kw = NULL;
	for (size_t i = 0; i < JC_ARRAY_SIZE(kws); i++)
		if (strcasecmp(words[0], kws[i]) == 0)
			kw = kws[i];
	if (!kw)
		return jc_validate_fail(p, line, err, ": lines must start with nameserver, search, "
					"domain, options or sortlist");
	cleanup_free char *text = xstrdup(kw);
	cleanup_free char *ns = NULL;
	if (strcmp(kw, "nameserver") == 0 ? !resolver_nameserver(words + 1, &ns)
					  : !resolver_args_ok(kw, words + 1))
		return jc_validate_fail(p, line, err, ": invalid %s line", kw);
	for (size_t i = 1; words[i]; i++)
		append(&text, " ", ns ? ns : words[i]);
	append(out, ";", text);
	return 0;
}

int jc_validate_resolver(const struct jc_prop *p, const char *v, char **norm,
			 struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	if (strcmp(v, "/etc/resolv.conf") == 0 || strcmp(v, "/dev/null") == 0)
		return jc_validate_emit(norm, v);
	if (v[0] == '/')
		return jc_validate_fail(p, v, err, ": the only paths accepted are /etc/resolv.conf "
					"and /dev/null");
	if (strlen(v) > RESOLVER_MAX || !jc_text_is_clean(v, true))
		return jc_validate_fail(p, v, err, " must be resolv.conf lines separated by ';' "
					"(printable text, at most %d bytes)", RESOLVER_MAX);
	cleanup_strv char **lines = jc_strsplit(v, ";");
	cleanup_free char *out = xstrdup("");
	for (size_t i = 0; lines[i]; i++) {
		int r = resolver_line(p, lines[i], &out, err);
		if (r < 0)
			return r;
	}
	if (!*out)
		return jc_validate_fail(p, v, err, " must be /etc/resolv.conf, none, /dev/null or "
					"resolv.conf lines separated by ';'");
	return emit_owned(norm, steal_ptr(out));
}

/* ---- names and URLs --------------------------------------------------------------- */

/* The kernel's UTS host and domain names hold at most 64 bytes. */
enum { UTS_NAME_MAX = 64 };

int jc_validate_hostname(const struct jc_prop *p, const char *v, char **norm,
			 struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	if (!jc_valid_dns_name(v, UTS_NAME_MAX))
		return jc_validate_fail(p, v, err, " is not a valid host name (dot-separated labels of "
					"letters, digits and '-', at most %d bytes)", UTS_NAME_MAX);
	return jc_validate_emit(norm, v);
}

int jc_validate_domainname(const struct jc_prop *p, const char *v, char **norm,
			   struct jc_error *err)
{
	return jc_validate_hostname(p, v, norm, err);
}

static bool url_authority_ok(const char *auth, size_t len)
{
	cleanup_free char *a = xstrndup(auth, len);
	char *host = strrchr(a, '@') ? strrchr(a, '@') + 1 : a;
	char *port = NULL;
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (!close || (close[1] && close[1] != ':'))
			return false;
		*close = '\0';
		port = close[1] ? close + 2 : NULL;
		if (!jc_parse_ipv6(host + 1, NULL))
			return false;
	} else {
		port = strchr(host, ':');
		if (port)
			*port++ = '\0';
		if (!jc_valid_dns_name(host, 253))
			return false;
	}
	return !port || jc_parse_uint_range(port, 1, 65535, NULL);
}

int jc_validate_proxy_url(const struct jc_prop *p, const char *v, char **norm,
			  struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	size_t skip = strncasecmp(v, "http://", 7) == 0 ? 7 : strncasecmp(v, "https://", 8) == 0 ? 8 : 0;
	bool printable = strlen(v) <= URL_MAX;
	for (const char *c = v; printable && *c; c++)
		printable = *c > 0x20 && *c < 0x7f;
	size_t alen = skip ? strcspn(v + skip, "/?#") : 0;
	if (!skip || !printable || !url_authority_ok(v + skip, alen))
		return jc_validate_fail(p, v, err, " must be none or an http:// or https:// URL, e.g. "
					"http://proxy.example.com:3128");
	cleanup_free char *scheme = xstrndup(v, skip);
	for (char *c = scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return emit_owned(norm, xasprintf("%s%s", scheme, v + skip));
}
