/* NAT for VNET jails: a /30 per jail from nat_prefix, masquerade out of the NAT interface,
 * nat_forwards as DNAT. Every rule lives in the table `ip jailctl`, in chains of the jail's
 * own ("j<pool_id>-<NAME>-pre/-out/-post", base chains on the nat hooks), so a jail's rules
 * are added and removed as a whole and nothing else in the host's ruleset is touched.
 * Rule text is built only from numbers and names that passed validation. */
#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "net_priv.h"
#include "util.h"

#define NFT_TABLE "ip jailctl"

/* ---- /30 allocation ---- */

static uint32_t ip4_u32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static bool overlaps(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	unsigned len = alen < blen ? alen : blen;
	uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
	return (a & mask) == (b & mask);
}

int net_nat_pick(const uint8_t prefix[2], const struct net_used *used, size_t n,
		 uint8_t out[4])
{
	for (unsigned i = 0; i < 256; i++) {
		for (unsigned l = 0; l < 256; l += 4) {
			uint8_t cand[4] = { prefix[0], prefix[1], (uint8_t)i, (uint8_t)l };
			bool taken = false;
			for (size_t k = 0; k < n && !taken; k++)
				taken = overlaps(ip4_u32(cand), 30, ip4_u32(used[k].addr), used[k].plen);
			if (!taken) {
				memcpy(out, cand, 4);
				return 0;
			}
		}
	}
	return -ENOSPC;
}

/* ---- forwards ---- */

char *net_forward_text(const struct net_forward *f)
{
	static const char *const names[] = { "", "tcp", "udp", "tcp/udp" };
	const char *proto = names[f->proto & 3];
	if (f->jail_lo != f->jail_hi)
		return xasprintf("%s(%u-%u)", proto, f->jail_lo, f->jail_hi);
	if (f->jail_lo != f->host_lo)
		return xasprintf("%s(%u:%u)", proto, f->jail_lo, f->host_lo);
	return xasprintf("%s(%u)", proto, f->jail_lo);
}

unsigned net_forwards_clash(const struct net_forward *a, size_t na,
			    const struct net_forward *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++) {
			if (!(a[i].proto & b[j].proto) || a[i].host_hi < b[j].host_lo ||
			    b[j].host_hi < a[i].host_lo)
				continue;
			return a[i].host_lo > b[j].host_lo ? a[i].host_lo : b[j].host_lo;
		}
	}
	return 0;
}

/* ---- rule text ---- */

char *net_nat_chain_prefix(const char *pool_id, const char *name)
{
	/* nft identifiers start with a letter and may hold letters, digits, '.', '_', '-'
	 * and '/': a jail name (validated: [A-Za-z0-9._-]) always fits after "j<id>-". */
	return xasprintf("j%s-%s", pool_id, name);
}

static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(char **s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *piece = NULL;
	if (vasprintf(&piece, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *next = xasprintf("%s%s", *s, piece);
	free(piece);
	free(*s);
	*s = next;
}

static void forward_rule(char **s, const char *chain, const char *match, const char *ip,
			 const struct net_forward *f)
{
	const char *proto = f->proto == (NET_FWD_TCP | NET_FWD_UDP) ? "{ tcp, udp }"
			    : f->proto == NET_FWD_UDP ? "udp" : "tcp";
	char ports[16], target[32];
	if (f->host_lo == f->host_hi)
		snprintf(ports, sizeof(ports), "%u", f->host_lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", f->host_lo, f->host_hi);
	/* A range keeps its ports; a single port may be mapped to another jail port. */
	if (f->jail_lo == f->jail_hi)
		snprintf(target, sizeof(target), "%s:%u", ip, f->jail_lo);
	else
		snprintf(target, sizeof(target), "%s", ip);
	append(s, "add rule " NFT_TABLE " %s %sfib daddr type local meta l4proto %s th dport %s "
	       "dnat to %s\n", chain, match, proto, ports, target);
}

char *net_nat_rules(const char *prefix, const uint8_t jail_ip[4], const char *oif,
		    const struct net_forward *f, size_t n)
{
	char ip[16];
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", jail_ip[0], jail_ip[1], jail_ip[2], jail_ip[3]);
	char *s = xstrdup("add table " NFT_TABLE "\n");
	if (n > 0) {
		append(&s, "add chain " NFT_TABLE " %s-pre { type nat hook prerouting priority -100; "
		       "policy accept; }\n", prefix);
		append(&s, "add chain " NFT_TABLE " %s-out { type nat hook output priority -100; "
		       "policy accept; }\n", prefix);
	}
	cleanup_free char *pre = xasprintf("%s-pre", prefix);
	cleanup_free char *out = xasprintf("%s-out", prefix);
	/* Forwards answer on every address of the host (fib daddr type local), like pf's
	 * rdr to the NAT interface's address plus the host's other addresses; traffic the
	 * host itself sends to those addresses is redirected too (output hook). Loopback
	 * addresses are left alone: the jail could not answer a 127.0.0.1 source. */
	for (size_t i = 0; i < n; i++) {
		forward_rule(&s, pre, "", ip, &f[i]);
		forward_rule(&s, out, "ip daddr != 127.0.0.0/8 ", ip, &f[i]);
	}
	append(&s, "add chain " NFT_TABLE " %s-post { type nat hook postrouting priority 100; "
	       "policy accept; }\n", prefix);
	append(&s, "add rule " NFT_TABLE " %s-post ip saddr %s oifname \"%s\" masquerade\n", prefix,
	       ip, oif);
	return s;
}

char *net_nat_delete_rules(const char *prefix)
{
	static const char *const kinds[] = { "pre", "out", "post" };
	char *s = xstrdup("add table " NFT_TABLE "\n");
	/* "add chain" first makes the delete succeed whether the chain exists or not. */
	for (size_t i = 0; i < JC_ARRAY_SIZE(kinds); i++)
		append(&s, "add chain " NFT_TABLE " %s-%s\nflush chain " NFT_TABLE " %s-%s\n"
		       "delete chain " NFT_TABLE " %s-%s\n", prefix, kinds[i], prefix, kinds[i],
		       prefix, kinds[i]);
	return s;
}

/* ---- libnftables ---- */

/* libnftables reports errors over several lines (message, the rule, carets). */
static void first_error_line(const char *text, char *out, size_t size)
{
	const char *line = text ? strstr(text, "Error:") : NULL;
	if (!line)
		line = text ? text : "";
	size_t len = strcspn(line, "\n");
	snprintf(out, size, "%.*s", (int)len, line);
}

/* The libnftables entry points used here, loaded for one run: linked normally the
 * library and its dependencies cost every jailctl command their load time, and only
 * NAT jails use it. The fields take the header's types. */
#define NFT_FUNCS(X) \
	X(nft_ctx_new) \
	X(nft_ctx_free) \
	X(nft_ctx_buffer_output) \
	X(nft_ctx_buffer_error) \
	X(nft_ctx_get_error_buffer) \
	X(nft_run_cmd_from_buffer)

struct nft_api {
	void *handle;
#define NFT_FIELD(name) __typeof__(name) *name;
	NFT_FUNCS(NFT_FIELD)
#undef NFT_FIELD
};

static void nft_api_close(struct nft_api *api)
{
	if (api->handle)
		dlclose(api->handle);
	api->handle = NULL;
}

static int nft_api_open(struct nft_api *api, const char *what, struct jc_error *err)
{
	memset(api, 0, sizeof(*api));
#define NFT_SYM(name) { #name, (void **)&api->name },
	const struct jc_dl_sym syms[] = { NFT_FUNCS(NFT_SYM) };
#undef NFT_SYM
	int r = jc_dl_load("libnftables.so.1", "libnftables1", syms, JC_ARRAY_SIZE(syms),
			   &api->handle, err);
	return r < 0 ? jc_error_wrap(err, "%s", what) : 0;
}

int net_nft_run(const char *script, const char *what, struct jc_error *err)
{
	jc_cleanup(nft_api_close) struct nft_api api = { 0 };
	int r = nft_api_open(&api, what, err);
	if (r < 0)
		return r;
	struct nft_ctx *nft = api.nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return jc_error_set(err, ENOMEM, "%s: cannot use nftables", what);
	api.nft_ctx_buffer_output(nft);
	api.nft_ctx_buffer_error(nft);
	if (api.nft_run_cmd_from_buffer(nft, script) != 0) {
		char line[512];
		first_error_line(api.nft_ctx_get_error_buffer(nft), line, sizeof(line));
		r = jc_error_set(err, EIO, "%s: nftables: %s", what, line);
	}
	api.nft_ctx_free(nft);
	return r;
}
