/* Jail networking, the pure parts: MAC derivation, NAT /30 allocation, nat_forwards into
 * nftables rule text, the plan built from properties and its coherence checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "net_priv.h"
#include "util.h"

/* ---- a jail made of properties ---- */

static struct jc_jail *fake_jail(const char *name, const char *const *props)
{
	struct jc_jail *j = xcalloc(1, sizeof(*j));
	j->name = xstrdup(name);
	j->config = json_object();
	j->effective = jc_builtin_defaults();
	for (size_t i = 0; props && props[i]; i += 2)
		json_object_set_new(j->effective, props[i], json_string(props[i + 1]));
	return j;
}

static void free_jail(struct jc_jail *j)
{
	json_decref(j->config);
	json_decref(j->effective);
	free(j->name);
	free(j);
}

/* Build the plan and run the checks; returns the check's message ("" when coherent). */
static char *check_msg(const char *const *props)
{
	struct jc_jail *j = fake_jail("web", props);
	struct net_plan p;
	struct jc_error err = { 0 };
	assert_int_equal(net_plan_build(j, &p, &err), 0);
	int r = net_plan_check(&p, &err);
	net_plan_release(&p);
	free_jail(j);
	return xstrdup(r < 0 ? err.msg : "");
}

/* ---- MACs ---- */

static void test_mac_derivation(void **state)
{
	(void)state;
	const uint8_t prefix[3] = { 0x02, 0xa0, 0x98 };
	uint8_t h1[6], j1[6], h2[6], j2[6];
	struct jc_error err = { 0 };
	assert_int_equal(net_mac_derive(prefix, "host-a", "web", "vnet0", h1, j1, &err), 0);
	assert_int_equal(net_mac_derive(prefix, "host-a", "web", "vnet0", h2, j2, &err), 0);
	assert_memory_equal(h1, h2, 6);            /* stable across starts */
	assert_memory_equal(j1, j2, 6);
	assert_memory_equal(h1, prefix, 3);        /* the prefix is kept */
	assert_memory_equal(j1, prefix, 3);
	uint32_t a = (uint32_t)h1[3] << 16 | (uint32_t)h1[4] << 8 | h1[5];
	uint32_t b = (uint32_t)j1[3] << 16 | (uint32_t)j1[4] << 8 | j1[5];
	assert_int_equal((a + 1) & 0xffffff, b);   /* jail side = host side + 1 */
	assert_int_equal(net_mac_derive(prefix, "host-a", "web2", "vnet0", h2, j2, &err), 0);
	assert_memory_not_equal(h1, h2, 6);        /* a clone (other name) differs */
	assert_int_equal(net_mac_derive(prefix, "host-a", "web", "vnet1", h2, j2, &err), 0);
	assert_memory_not_equal(h1, h2, 6);        /* each NIC differs */
	assert_int_equal(net_mac_derive(prefix, "host-b", "web", "vnet0", h2, j2, &err), 0);
	assert_memory_not_equal(h1, h2, 6);        /* another host differs */
	/* the separators keep ("ab", "c") and ("a", "bc") apart */
	assert_int_equal(net_mac_derive(prefix, "h", "ab", "c", h1, j1, &err), 0);
	assert_int_equal(net_mac_derive(prefix, "h", "a", "bc", h2, j2, &err), 0);
	assert_memory_not_equal(h1, h2, 6);
	char *text = net_mac_text(h1);
	assert_int_equal(strlen(text), 17);
	assert_true(strncmp(text, "02:a0:98:", 9) == 0);
	free(text);
}

/* ---- NAT allocation ---- */

static void ip(const char *s, uint8_t out[4])
{
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void expect_pick(const struct net_used *used, size_t n, const char *want)
{
	const uint8_t prefix[2] = { 172, 16 };
	uint8_t out[4], exp[4];
	assert_int_equal(net_nat_pick(prefix, used, n, out), 0);
	ip(want, exp);
	assert_memory_equal(out, exp, 4);
}

static void test_nat_pick(void **state)
{
	(void)state;
	struct net_used used[3] = { 0 };
	expect_pick(NULL, 0, "172.16.0.0");
	/* another jail's /30 */
	ip("172.16.0.0", used[0].addr);
	used[0].plen = 30;
	expect_pick(used, 1, "172.16.0.4");
	/* a host address inside the next /30 (its /32 counts, whatever its prefix) */
	ip("172.16.0.6", used[1].addr);
	used[1].plen = 32;
	expect_pick(used, 2, "172.16.0.8");
	/* a host network covering the first /24 */
	ip("172.16.0.1", used[2].addr);
	used[2].plen = 24;
	expect_pick(used, 3, "172.16.1.0");
	/* a host route over the whole /16: nothing left */
	struct net_used all = { .plen = 12 };
	ip("172.16.5.5", all.addr);
	const uint8_t prefix[2] = { 172, 16 };
	uint8_t out[4];
	assert_int_equal(net_nat_pick(prefix, &all, 1, out), -ENOSPC);
	/* addresses outside the prefix do not matter */
	ip("10.0.0.1", all.addr);
	all.plen = 8;
	expect_pick(&all, 1, "172.16.0.0");
}

/* ---- nat_forwards ---- */

static void test_forwards_parse_and_text(void **state)
{
	(void)state;
	struct net_forward *f = NULL;
	size_t n = 0;
	struct jc_error err = { 0 };
	assert_int_equal(net_parse_forwards("tcp(80:8080),udp(53),tcp/udp(8000-8010),443", &f, &n,
					    &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(f[0].proto, NET_FWD_TCP);
	assert_int_equal(f[0].jail_lo, 80);
	assert_int_equal(f[0].host_lo, 8080);
	assert_int_equal(f[1].proto, NET_FWD_UDP);
	assert_int_equal(f[1].host_lo, 53);
	assert_int_equal(f[2].proto, NET_FWD_TCP | NET_FWD_UDP);
	assert_int_equal(f[2].host_lo, 8000);
	assert_int_equal(f[2].host_hi, 8010);
	assert_int_equal(f[3].proto, NET_FWD_TCP);   /* a bare port is tcp, as iocage */
	const char *texts[] = { "tcp(80:8080)", "udp(53)", "tcp/udp(8000-8010)", "tcp(443)" };
	for (size_t i = 0; i < n; i++) {
		char *t = net_forward_text(&f[i]);
		assert_string_equal(t, texts[i]);
		free(t);
	}
	/* clashes need the same protocol and overlapping host ports */
	struct net_forward *g = NULL;
	size_t m = 0;
	assert_int_equal(net_parse_forwards("udp(8080),tcp(8010-8020)", &g, &m, &err), 0);
	assert_int_equal(net_forwards_clash(f, n, g, m), 8010);
	free(g);
	assert_int_equal(net_parse_forwards("udp(80:8080)", &g, &m, &err), 0);
	assert_int_equal(net_forwards_clash(f, 1, g, m), 0);
	free(g);
	free(f);
	/* what the validator refuses never reaches a rule */
	assert_true(net_parse_forwards("tcp(80:8080);drop", &f, &n, &err) < 0);
	assert_true(net_parse_forwards("icmp(1)", &f, &n, &err) < 0);
	assert_true(net_parse_forwards("tcp(0)", &f, &n, &err) < 0);
	assert_int_equal(net_parse_forwards("none", &f, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_nat_rule_text(void **state)
{
	(void)state;
	struct net_forward *f = NULL;
	size_t n = 0;
	struct jc_error err = { 0 };
	assert_int_equal(net_parse_forwards("tcp(80:8080),tcp/udp(8000-8010)", &f, &n, &err), 0);
	char *prefix = net_nat_chain_prefix("0123456789ab", "web.1");
	assert_string_equal(prefix, "j0123456789ab-web.1");
	const uint8_t jip[4] = { 172, 16, 0, 2 };
	char *rules = net_nat_rules(prefix, jip, "eth0", f, n);
	const char *want =
		"add table ip jailctl\n"
		"add chain ip jailctl j0123456789ab-web.1-pre { type nat hook prerouting priority -100; policy accept; }\n"
		"add chain ip jailctl j0123456789ab-web.1-out { type nat hook output priority -100; policy accept; }\n"
		"add rule ip jailctl j0123456789ab-web.1-pre fib daddr type local meta l4proto tcp th dport 8080 dnat to 172.16.0.2:80\n"
		"add rule ip jailctl j0123456789ab-web.1-out ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto tcp th dport 8080 dnat to 172.16.0.2:80\n"
		"add rule ip jailctl j0123456789ab-web.1-pre fib daddr type local meta l4proto { tcp, udp } th dport 8000-8010 dnat to 172.16.0.2\n"
		"add rule ip jailctl j0123456789ab-web.1-out ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto { tcp, udp } th dport 8000-8010 dnat to 172.16.0.2\n"
		"add chain ip jailctl j0123456789ab-web.1-post { type nat hook postrouting priority 100; policy accept; }\n"
		"add rule ip jailctl j0123456789ab-web.1-post ip saddr 172.16.0.2 oifname \"eth0\" masquerade\n";
	assert_string_equal(rules, want);
	free(rules);
	/* no forwards: masquerade only */
	rules = net_nat_rules(prefix, jip, "eth0", NULL, 0);
	assert_null(strstr(rules, "-pre"));
	assert_non_null(strstr(rules, "masquerade"));
	free(rules);
	char *del = net_nat_delete_rules(prefix);
	assert_non_null(strstr(del, "delete chain ip jailctl j0123456789ab-web.1-post\n"));
	assert_non_null(strstr(del, "add chain ip jailctl j0123456789ab-web.1-pre\n"
				    "flush chain ip jailctl j0123456789ab-web.1-pre\n"));
	free(del);
	free(prefix);
	free(f);
}

/* ---- the plan ---- */

static void test_plan_modes_and_addresses(void **state)
{
	(void)state;
	const char *vnet[] = { "vnet", "1", "interfaces", "vnet0:bridge0,vnet2:br5",
			       "ip4_addr", "vnet0|10.0.0.2/24,10.0.1.2,vnet2|DHCP",
			       "ip6_addr", "vnet2|fd00::2/64", "defaultrouter6", "fe80::1%vnet2",
			       "vnet0_mac", "02:a0:98:00:00:01 02:a0:98:00:00:02", NULL };
	struct jc_jail *j = fake_jail("web", vnet);
	struct net_plan p;
	struct jc_error err = { 0 };
	assert_int_equal(net_plan_build(j, &p, &err), 0);
	assert_int_equal(p.mode, JC_NET_VNET);
	assert_true(p.nics[0].used && p.nics[2].used && !p.nics[1].used);
	assert_string_equal(p.nics[2].bridge, "br5");
	assert_int_equal(p.nics[0].naddrs, 2);
	assert_int_equal(p.nics[0].addrs[1].plen, 8);    /* no mask: classful, as FreeBSD */
	assert_true(p.nics[2].dhcp);
	assert_int_equal(p.nics[2].naddrs, 1);
	assert_int_equal(p.gw6.kind, NET_GW_ADDR);
	assert_string_equal(p.gw6.dev, "eth2");
	assert_true(p.nics[0].have_mac);
	assert_int_equal(p.nics[0].mac[1][5], 2);
	assert_int_equal(net_plan_check(&p, &err), -EINVAL);   /* DHCP without bpf */
	net_plan_release(&p);
	free_jail(j);

	const char *shared[] = { "ip4_addr", "em0|192.168.1.50/24,192.168.1.51", NULL };
	j = fake_jail("web", shared);
	assert_int_equal(net_plan_build(j, &p, &err), 0);
	assert_int_equal(p.mode, JC_NET_SHARED);
	assert_int_equal(p.nshared, 2);
	assert_string_equal(p.shared[0].ifname, "em0");
	assert_string_equal(p.shared[1].ifname, "");    /* the default-route interface */
	assert_int_equal(p.shared[1].addrs[0].plen, 24);
	assert_int_equal(net_plan_check(&p, &err), 0);
	net_plan_release(&p);
	free_jail(j);

	const char *inherit[] = { "ip4", "inherit", "ip4_addr", "em0|192.168.1.50/24", NULL };
	j = fake_jail("web", inherit);
	assert_int_equal(jc_net_mode(j), JC_NET_INHERIT);
	free_jail(j);
	j = fake_jail("web", NULL);
	assert_int_equal(jc_net_mode(j), JC_NET_NONE);
	free_jail(j);
	/* a hand-edited value that does not validate is an error naming jail and property */
	const char *bad[] = { "nat_forwards", "tcp(80:8080) ; flush ruleset", NULL };
	j = fake_jail("web", bad);
	assert_true(net_plan_build(j, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "web: nat_forwards"));
	net_plan_release(&p);
	free_jail(j);
}

static void coherence_is(const char *const *props, const char *want)
{
	char *msg = check_msg(props);
	if (strcmp(msg, want) != 0) {
		print_error("got '%s', want '%s'\n", msg, want);
		fail();
	}
	free(msg);
}

static void test_coherence_messages(void **state)
{
	(void)state;
	coherence_is((const char *[]){ "vnet", "1", "ip4_addr", "vnet0|10.0.0.2/24", NULL }, "");
	coherence_is((const char *[]){ "vnet", "1", "dhcp", "1", NULL }, "web: dhcp requires bpf!");
	coherence_is((const char *[]){ "bpf", "1", "ip4_addr", "vnet0|DHCP", NULL },
		     "web: dhcp requires vnet!; web: bpf requires vnet!");
	coherence_is((const char *[]){ "nat", "1", NULL }, "web: nat requires vnet!");
	coherence_is((const char *[]){ "nat", "1", "vnet", "1", "bpf", "1", NULL },
		     "web: bpf should be disabled when nat is being enabled");
	coherence_is((const char *[]){ "ip6_addr", "vnet0|accept_rtadv", NULL },
		     "web: accept_rtadv requires vnet!");
	coherence_is((const char *[]){ "rtsold", "1", "vnet", "1", NULL },
		     "web: Must set at least one ip6_addr to accept_rtadv!");
	coherence_is((const char *[]){ "rtsold", "1", "vnet", "1", "ip6_addr",
				       "vnet0|accept_rtadv", NULL }, "");
	coherence_is((const char *[]){ "vnet", "1", "ip4_addr", "vnet1|10.0.0.2/24", NULL },
		     "web: ip4_addr entry 'vnet1|10.0.0.2/24' names no interface of the jail "
		     "(see interfaces)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_derivation),
		cmocka_unit_test(test_nat_pick),
		cmocka_unit_test(test_forwards_parse_and_text),
		cmocka_unit_test(test_nat_rule_text),
		cmocka_unit_test(test_plan_modes_and_addresses),
		cmocka_unit_test(test_coherence_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
