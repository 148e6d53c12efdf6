/* Prints docs/properties.md from the property table, so the document cannot drift
 * from the code (a unit test diffs the two). Usage: gen-props-doc > docs/properties.md */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "util.h"
#include "validate.h"

struct rule {
	jc_prop_validate_fn fn;
	const char *rule;
};

/* How each validator reads a value; every validator the table uses must be here. */
static const struct rule rules[] = {
	{ jc_validate_bool, "`0 1 on off yes no true false` in any case, stored as 1/0." },
	{ jc_validate_priority, "an integer from 1 to 99, digits only (iocage accepted anything "
	  "containing a digit)." },
	{ jc_validate_uint, "an integer from 0 to 2147483647, digits only." },
	{ jc_validate_securelevel, "-1, 0, 1, 2 or 3." },
	{ jc_validate_new_inherit_disable, "new, inherit or disable, in any case (for ip4 and ip6 "
	  "iocage's legacy none is read as disable)." },
	{ jc_validate_enforce_statfs, "0, 1 or 2." },
	{ jc_validate_nat_backend, "pf or ipfw." },
	{ jc_validate_type, "jail, template, pluginv2, plugin, basejail or clonejail." },
	{ jc_validate_mtu, "auto or an integer from 576 to 65535." },
	{ jc_validate_default_mtu, "an integer from 576 to 65535." },
	{ jc_validate_ip4_addr, "none, or a comma-separated list (spaces ignored) of "
	  "`IFACE|ADDR[/MASK]`, `ADDR[/MASK]` or `IFACE|DHCP`. Addresses must be IPv4 "
	  "(inet_pton), masks 0-32; stored in canonical form, DHCP upper case. An empty IFACE "
	  "is refused (\"Please provide a valid interface\"), and DHCP needs an interface." },
	{ jc_validate_ip6_addr, "none, or a comma-separated list (spaces ignored) of "
	  "`IFACE|ADDR[/MASK]`, `ADDR[/MASK]` or `IFACE|accept_rtadv`. Addresses must be IPv6 "
	  "(inet_pton), masks 0-128; stored in canonical (compressed, lower-case) form. An empty "
	  "IFACE is refused, and accept_rtadv needs an interface." },
	{ jc_validate_defaultrouter, "auto, none or an IPv4 address." },
	{ jc_validate_defaultrouter6, "auto, none or an IPv6 address, optionally followed by "
	  "`%IFACE`." },
	{ jc_validate_localhost_ip, "none or an IPv4 address in 127.0.0.0/8." },
	{ jc_validate_interfaces, "comma-separated `vnetN:BRIDGE` pairs (spaces ignored), N from "
	  "0 to 3, each vnetN once, at most 4; BRIDGE is an interface name. An entry without `:` "
	  "gets iocage's message \"Interfaces must be specified as a pair\"." },
	{ jc_validate_vnet_default_interface, "auto, none or an interface name (whether it exists "
	  "is checked at start)." },
	{ jc_validate_nat_interface, "auto, none or an interface name." },
	{ jc_validate_ifname_or_none, "none or an interface name." },
	{ jc_validate_ifname_list, "none or interface names separated by spaces or commas, each "
	  "once; stored space-separated." },
	{ jc_validate_mac_pair, "none (or empty), or two different MAC addresses, host side then "
	  "jail side, separated by a space or comma, each written `aa:bb:cc:dd:ee:ff`, "
	  "`aa-bb-cc-dd-ee-ff` or `aabbccddeeff`; stored lower-case with colons. Multicast and "
	  "all-zero addresses are refused (a veth cannot use them)." },
	{ jc_validate_mac_prefix, "6 hex digits whose second digit is 2, 6, a or e (locally "
	  "administered unicast); stored lower-case." },
	{ jc_validate_nat_prefix, "two octets `X.Y` without leading zeros where X.Y.0.0 is "
	  "private: 10.Y, 172.16 to 172.31, or 192.168." },
	{ jc_validate_nat_forwards, "none, or a comma-separated list of `PROTO(PORT)`, "
	  "`PROTO(JAILPORT:HOSTPORT)` or `PROTO(START-END)` with PROTO tcp, udp or tcp/udp; a "
	  "bare `N` means `tcp(N)`. Ports 1-65535, ranges ascending, and a host port may be "
	  "forwarded only once per protocol." },
	{ jc_validate_rctl, "off, or `ACTION=AMOUNT`: ACTION deny, log, devctl, throttle or a "
	  "signal (sigterm, sigkill, ...); AMOUNT a whole number with an optional b, k, m, g, t "
	  "or p suffix (powers of 1024), stored lower-case. No suffix for cputime, maxproc, "
	  "openfiles, pseudoterminals, nthr, msgqqueued, nmsgq, nsem, nsemop, nshm, wallclock "
	  "and pcpu; deny is refused for cputime, wallclock, readbps, writebps, readiops and "
	  "writeiops; throttle is only for those last four; pcpu is 1 to 102400." },
	{ jc_validate_cpuset, "off, all, a comma-separated list of CPU numbers (each once) or a "
	  "range `A-B` with A < B; every CPU must exist on this host." },
	{ jc_validate_hostid, "none, a UUID or 8 hex digits (the Linux /etc/hostid form); stored "
	  "lower-case." },
	{ jc_validate_resolver, "/etc/resolv.conf or none (the host's file is copied), "
	  "/dev/null (the jail's file is left alone), or resolv.conf lines separated by `;`: "
	  "`nameserver IP`, `search DOMAIN...`, `domain DOMAIN`, `options ...` or "
	  "`sortlist ...`. Other paths are refused; lines are stored with single spaces." },
	{ jc_validate_hostname, "none or an RFC 1123 host name: dot-separated labels of letters, "
	  "digits and `-` (not first or last), 1-63 bytes each and at most 64 bytes in all (the "
	  "kernel's limit for UTS names)." },
	{ jc_validate_domainname, "none or a name following the host name rule." },
	{ jc_validate_size, "none, or a positive number (decimals allowed) with a K, M, G or T "
	  "suffix in any case and an optional B; stored as `20G`." },
	{ jc_validate_depends, "none or jail names separated by spaces, each once." },
	{ jc_validate_username, "a user name (`[a-z_][a-z0-9_-]*`, optionally ending in `$`, at "
	  "most 32 bytes) or a numeric uid." },
	{ jc_validate_abs_path_or_none, "none or an absolute path other than `/` without `..`; "
	  "stored without `.` components and doubled slashes." },
	{ jc_validate_dataset, "none or a relative path of names made of letters, digits, `.`, "
	  "`_`, `:` and `-` (no `.` or `..`)." },
	{ jc_validate_proxy_url, "none or an `http://` or `https://` URL with a valid host and "
	  "optional port, without spaces." },
	{ jc_validate_zfs_compression, "on, off, lz4, gzip, gzip-1 to gzip-9, zle, lzjb, zstd, "
	  "zstd-1 to zstd-19." },
	{ jc_validate_onoff, "on, off or verify." },
	{ jc_validate_single_line, "one line of UTF-8 text without control characters (tabs "
	  "allowed), at most 8192 bytes." },
};

static const struct rule *find_rule(jc_prop_validate_fn fn)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(rules); i++)
		if (rules[i].fn == fn)
			return &rules[i];
	return NULL;
}

/* Table cells: '|' would end the cell and '*' start emphasis. */
static void cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*')
			putchar('\\');
		putchar(*s);
	}
}

static const char *live(unsigned flags)
{
	if (flags & JC_PROP_LIVE)
		return "yes";
	return (flags & JC_PROP_STOPPED_ONLY) ? "stopped only" : "no";
}

static const char *scope(unsigned flags)
{
	if (flags & JC_PROP_READONLY)
		return "read-only";
	if (flags & JC_PROP_DEFAULTS_ONLY)
		return "default only";
	if (flags & JC_PROP_JAIL_ONLY)
		return "jail only";
	return "jail, default";
}

static void print_intro(size_t n)
{
	printf("# jailctl properties\n\n"
	       "<!-- Generated by gen-props-doc from src/lib/props_table.c; do not edit. -->\n"
	       "<!-- Regenerate with: build/gen-props-doc > docs/properties.md -->\n\n"
	       "jailctl accepts all %zu properties below: every iocage property with iocage's "
	       "default, plus Linux additions marked as such. `jailctl get` shows them, "
	       "`jailctl set PROP=VALUE NAME|default` validates and stores them.\n\n", n);
	printf("- Booleans accept `0 1 on off yes no true false` in any case and are stored as "
	       "1/0 (JSON integers); other values are stored as strings in a canonical form.\n"
	       "- **Live** `yes`: a change on a running jail takes effect without a restart; "
	       "otherwise `set` says the change requires a jail restart; `stopped only`: "
	       "refused while the jail runs.\n"
	       "- **Scope**: `jail, default` can be set on a jail or on the defaults; "
	       "`default only` only with `set KEY=VALUE default`; `jail only` is per-jail "
	       "identity and cannot be set on the defaults; `read-only` is maintained by "
	       "jailctl.\n"
	       "- *accepted, no effect on Linux*: the value is validated, stored and shown as in "
	       "iocage, but nothing on Linux corresponds to it; `set` says so.\n\n");
}

static void print_table(const struct jc_prop *props, size_t n)
{
	printf("## Properties\n\n"
	       "| Property | Default | Live | Scope | Linux meaning | Description |\n"
	       "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct jc_prop *p = &props[i];
		printf("| `%s` | `", p->name);
		cell(p->def);
		printf("` | %s | %s | ", live(p->flags), scope(p->flags));
		if (p->linux_meaning)
			cell(p->linux_meaning);
		else
			printf("*accepted, no effect on Linux*");
		printf(" | ");
		cell(p->help);
		printf(" |\n");
	}
}

static void print_rules(const struct jc_prop *props, size_t n)
{
	printf("\n## Accepted values\n\n"
	       "iocage's rules, tightened where iocage only checked a substring. Values that break "
	       "a rule are refused with a one-line message naming the property and the value.\n\n");
	for (size_t r = 0; r < JC_ARRAY_SIZE(rules); r++) {
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (props[i].validate != rules[r].fn)
				continue;
			printf("%s`%s`", first ? "- " : ", ", props[i].name);
			first = false;
		}
		if (!first)
			printf(": %s\n", rules[r].rule);
	}
}

int main(void)
{
	size_t n;
	const struct jc_prop *props = jc_props(&n);
	for (size_t i = 0; i < n; i++) {
		if (!find_rule(props[i].validate)) {
			fprintf(stderr, "gen-props-doc: %s: its validator has no description\n",
				props[i].name);
			return 1;
		}
	}
	print_intro(n);
	print_table(props, n);
	print_rules(props, n);
	return fflush(stdout) == 0 ? 0 : 1;
}
