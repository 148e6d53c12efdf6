/* Validators: accepted values and their normalised form, refused values and their
 * messages, and robustness against arbitrary input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "props.h"
#include "util.h"
#include "validate.h"

static const struct jc_prop *prop(const char *name)
{
	const struct jc_prop *p = jc_prop_find(name);
	if (!p) {
		print_error("no property %s\n", name);
		fail();
	}
	return p;
}

#define OK(name, in, want) check_ok(name, in, want, __LINE__)
#define BAD(name, in, msg) check_bad(name, in, msg, __LINE__)

static void check_ok(const char *name, const char *in, const char *want, int line)
{
	struct jc_error err = { 0 };
	char *norm = NULL;
	int r = jc_prop_validate(prop(name), in, &norm, &err);
	if (r != 0 || strcmp(norm, want) != 0) {
		print_error("line %d: %s='%s': r=%d norm='%s' want='%s' err='%s'\n", line, name, in, r,
			    norm ? norm : "(null)", want, err.msg);
		fail();
	}
	free(norm);
}

/* msg: NULL (any message), a full message, or "~text" for a substring. */
static void check_bad(const char *name, const char *in, const char *msg, int line)
{
	struct jc_error err = { 0 };
	char *norm = NULL;
	int r = jc_prop_validate(prop(name), in, &norm, &err);
	bool match = !msg || (msg[0] == '~' ? strstr(err.msg, msg + 1) != NULL
					    : strcmp(err.msg, msg) == 0);
	if (r != -EINVAL || err.code != EINVAL || norm || !match ||
	    strncmp(err.msg, name, strlen(name)) != 0) {
		print_error("line %d: %s='%s': r=%d norm='%s' err='%s' want '%s'\n", line, name, in, r,
			    norm ? norm : "(null)", err.msg, msg ? msg : "(any)");
		fail();
	}
}

static void test_bool(void **state)
{
	(void)state;
	OK("boot", "on", "1");
	OK("boot", "YES", "1");
	OK("boot", "True", "1");
	OK("boot", "1", "1");
	OK("boot", "0", "0");
	OK("boot", "Off", "0");
	OK("boot", "no", "0");
	OK("boot", "FALSE", "0");
	BAD("boot", "2", "~is not a boolean");
	BAD("boot", "", NULL);
	BAD("boot", " 1", NULL);
	BAD("boot", "onn", NULL);
}

static void test_integers(void **state)
{
	(void)state;
	OK("priority", "1", "1");
	OK("priority", "99", "99");
	OK("priority", "05", "5");
	BAD("priority", "abc", "priority: 'abc' is not an integer from 1 to 99");
	BAD("priority", "0", NULL);
	BAD("priority", "100", NULL);
	BAD("priority", "-1", NULL);
	BAD("priority", "+5", NULL);
	BAD("priority", "5 ", NULL);
	BAD("priority", "1a", NULL);
	BAD("priority", "", NULL);
	OK("exec_timeout", "0", "0");
	OK("exec_timeout", "007", "7");
	OK("devfs_ruleset", "2147483647", "2147483647");
	BAD("devfs_ruleset", "2147483648", NULL);
	BAD("devfs_ruleset", "-1", NULL);
	BAD("stop_timeout", "1.5", NULL);
	BAD("children_max", "99999999999999999999999999", NULL);
	OK("securelevel", "-1", "-1");
	OK("securelevel", "0", "0");
	OK("securelevel", "3", "3");
	BAD("securelevel", "4", "securelevel: '4' is not an integer from -1 to 3");
	BAD("securelevel", "-2", NULL);
	BAD("securelevel", "high", NULL);
}

static void test_enums(void **state)
{
	(void)state;
	OK("ip4", "new", "new");
	OK("ip4", "INHERIT", "inherit");
	OK("ip6", "none", "disable");
	OK("sysvshm", "Disable", "disable");
	BAD("ip4", "maybe", "ip4: 'maybe' must be one of new, inherit, disable");
	BAD("sysvmsg", "none", NULL);
	OK("enforce_statfs", "1", "1");
	BAD("enforce_statfs", "3", NULL);
	OK("nat_backend", "PF", "pf");
	OK("nat_backend", "ipfw", "ipfw");
	BAD("nat_backend", "nftables", "nat_backend: 'nftables' must be one of pf, ipfw");
	OK("type", "template", "template");
	BAD("type", "vm", NULL);
	OK("dedup", "OFF", "off");
	OK("dedup", "verify", "verify");
	BAD("dedup", "sha256", NULL);
	OK("compression", "lz4", "lz4");
	OK("compression", "GZIP-9", "gzip-9");
	OK("compression", "zstd-19", "zstd-19");
	OK("compression", "zle", "zle");
	BAD("compression", "gzip-10", NULL);
	BAD("compression", "zstd-0", NULL);
	BAD("compression", "brotli", NULL);
}

static void test_mtu(void **state)
{
	(void)state;
	OK("vnet0_mtu", "auto", "auto");
	OK("vnet3_mtu", "AUTO", "auto");
	OK("vnet1_mtu", "9000", "9000");
	OK("vnet1_mtu", "576", "576");
	OK("vnet1_mtu", "65535", "65535");
	BAD("vnet1_mtu", "575", "vnet1_mtu: '575' must be auto or a number from 576 to 65535");
	BAD("vnet1_mtu", "65536", NULL);
	BAD("vnet1_mtu", "", NULL);
	OK("vnet_default_mtu", "1500", "1500");
	BAD("vnet_default_mtu", "auto", NULL);
}

static void test_ip4_addr(void **state)
{
	(void)state;
	OK("ip4_addr", "none", "none");
	OK("ip4_addr", "NONE", "none");
	OK("ip4_addr", "vnet0|192.168.1.10/24", "vnet0|192.168.1.10/24");
	OK("ip4_addr", "192.168.1.10", "192.168.1.10");
	OK("ip4_addr", "em0|10.0.0.5/24, vnet1|10.1.0.5/16", "em0|10.0.0.5/24,vnet1|10.1.0.5/16");
	OK("ip4_addr", "vnet0|dhcp", "vnet0|DHCP");
	OK("ip4_addr", "DEFAULT|10.0.0.2/24", "DEFAULT|10.0.0.2/24");
	OK("ip4_addr", "10.0.0.1/0", "10.0.0.1/0");
	BAD("ip4_addr", "vnet0|300.1.1.1/24", "ip4_addr: '300.1.1.1/24' is not a valid IPv4 address");
	BAD("ip4_addr", "|10.0.0.1", "ip4_addr: '|10.0.0.1': Please provide a valid interface");
	BAD("ip4_addr", "bad/if|10.0.0.1", "~Please provide a valid interface");
	BAD("ip4_addr", "10.0.0.1/33", "~netmask");
	BAD("ip4_addr", "10.0.0.1/", NULL);
	BAD("ip4_addr", "10.0.0.1/a", NULL);
	BAD("ip4_addr", "010.0.0.1", NULL);
	BAD("ip4_addr", "1.2.3", NULL);
	BAD("ip4_addr", "::1", NULL);
	BAD("ip4_addr", "DHCP", "~needs an interface");
	BAD("ip4_addr", "vnet0|accept_rtadv", NULL);
	BAD("ip4_addr", "vnet0|10.0.0.1|x", NULL);
	BAD("ip4_addr", "10.0.0.1,,10.0.0.2", NULL);
	BAD("ip4_addr", "10.0.0.1,", NULL);
	BAD("ip4_addr", "", NULL);
}

static void test_ip6_addr(void **state)
{
	(void)state;
	OK("ip6_addr", "none", "none");
	OK("ip6_addr", "vnet0|2001:DB8::1/64", "vnet0|2001:db8::1/64");
	OK("ip6_addr", "2001:0db8:0000::1", "2001:db8::1");
	OK("ip6_addr", "vnet0|ACCEPT_RTADV", "vnet0|accept_rtadv");
	OK("ip6_addr", "vnet0|accept_rtadv,vnet1|fd00::2/128", "vnet0|accept_rtadv,vnet1|fd00::2/128");
	BAD("ip6_addr", "2001:db8::1/129", NULL);
	BAD("ip6_addr", "vnet0|DHCP", "ip6_addr: 'DHCP' is not a valid IPv6 address");
	BAD("ip6_addr", "10.0.0.1", NULL);
	BAD("ip6_addr", "|::1", "ip6_addr: '|::1': Please provide a valid interface");
	BAD("ip6_addr", "fe80::1%eth0", NULL);
	BAD("ip6_addr", "accept_rtadv", NULL);
}

static void test_routers(void **state)
{
	(void)state;
	OK("defaultrouter", "auto", "auto");
	OK("defaultrouter", "None", "none");
	OK("defaultrouter", "192.168.1.1", "192.168.1.1");
	BAD("defaultrouter", "300.1.1.1",
	    "defaultrouter: '300.1.1.1' must be auto, none or an IPv4 address");
	BAD("defaultrouter", "::1", NULL);
	BAD("defaultrouter", "", NULL);
	OK("defaultrouter6", "auto", "auto");
	OK("defaultrouter6", "2001:DB8::1", "2001:db8::1");
	OK("defaultrouter6", "fe80::1%vnet0", "fe80::1%vnet0");
	BAD("defaultrouter6", "fe80::1%", NULL);
	BAD("defaultrouter6", "fe80::1%a/b", NULL);
	BAD("defaultrouter6", "1.2.3.4", NULL);
	OK("localhost_ip", "none", "none");
	OK("localhost_ip", "127.0.0.2", "127.0.0.2");
	BAD("localhost_ip", "10.0.0.1", "~127.0.0.0/8");
	BAD("localhost_ip", "127.0.0.256", NULL);
}

static void test_interfaces(void **state)
{
	(void)state;
	OK("interfaces", "vnet0:bridge0", "vnet0:bridge0");
	OK("interfaces", "vnet0:bridge0, vnet1:bridge1", "vnet0:bridge0,vnet1:bridge1");
	OK("interfaces", "vnet3:br-lan,vnet0:br0", "vnet3:br-lan,vnet0:br0");
	BAD("interfaces", "vnet0", "interfaces: 'vnet0': Interfaces must be specified as a pair. "
	    "EXAMPLE: vnet0:bridge0, vnet1:bridge1");
	BAD("interfaces", "vnet4:bridge0", NULL);
	BAD("interfaces", "vnet0:bridge0,vnet0:bridge1", "~listed twice");
	BAD("interfaces", "eth0:bridge0", NULL);
	BAD("interfaces", "vnet0:", NULL);
	BAD("interfaces", "vnet0:bridge:0", NULL);
	BAD("interfaces", "vnet0:a,vnet1:b,vnet2:c,vnet3:d,vnet0:e", "~at most 4");
	BAD("interfaces", "vnet0:bridge0,", NULL);
	BAD("interfaces", "none", NULL);
	BAD("interfaces", "", NULL);
	OK("vnet_default_interface", "auto", "auto");
	OK("vnet_default_interface", "none", "none");
	OK("vnet_default_interface", "enp3s0", "enp3s0");
	OK("vnet_default_interface", "eth0.100", "eth0.100");
	BAD("vnet_default_interface", "a/b", NULL);
	BAD("vnet_default_interface", "abcdefghijklmnop", NULL);
	BAD("vnet_default_interface", "", NULL);
	OK("nat_interface", "AUTO", "auto");
	OK("nat_interface", "eth0", "eth0");
	BAD("nat_interface", "eth 0", NULL);
	OK("vnet_interfaces", "none", "none");
	OK("vnet_interfaces", "eth1 eth2", "eth1 eth2");
	OK("vnet_interfaces", "eth1,eth2", "eth1 eth2");
	BAD("vnet_interfaces", "eth1 eth1", "~listed twice");
	BAD("vnet_interfaces", "a/b", NULL);
	BAD("vnet_interfaces", "", NULL);
}

static void test_macs(void **state)
{
	(void)state;
	OK("vnet0_mac", "none", "none");
	OK("vnet0_mac", "", "none");
	OK("vnet0_mac", "02:A0:98:00:00:01 02:a0:98:00:00:02", "02:a0:98:00:00:01 02:a0:98:00:00:02");
	OK("vnet2_mac", "02-a0-98-00-00-01,02a098000002", "02:a0:98:00:00:01 02:a0:98:00:00:02");
	BAD("vnet0_mac", "02:a0:98:00:00:01", NULL);
	BAD("vnet0_mac", "02a098000001 02a098000002 02a098000003", NULL);
	BAD("vnet0_mac", "02a098000001 02a098000001", "~must differ");
	BAD("vnet0_mac", "01:00:5e:00:00:01 02:a0:98:00:00:02", "~multicast");
	BAD("vnet0_mac", "02:a0:98:00:00:01 zz:a0:98:00:00:02", NULL);
	BAD("vnet0_mac", "02:a0-98:00:00:01 02:a0:98:00:00:02", NULL);
	OK("mac_prefix", "02a098", "02a098");
	OK("mac_prefix", "02A0FF", "02a0ff");
	OK("mac_prefix", "0ea0ff", "0ea0ff");
	OK("mac_prefix", "a6ffff", "a6ffff");
	BAD("mac_prefix", "zzzzzz", "~mac_prefix: 'zzzzzz' must be 6 hex digits");
	BAD("mac_prefix", "01a098", NULL);
	BAD("mac_prefix", "02a09", NULL);
	BAD("mac_prefix", "02a0988", NULL);
	BAD("mac_prefix", "", NULL);
}

static void test_nat(void **state)
{
	(void)state;
	OK("nat_prefix", "172.16", "172.16");
	OK("nat_prefix", "172.31", "172.31");
	OK("nat_prefix", "10.0", "10.0");
	OK("nat_prefix", "192.168", "192.168");
	BAD("nat_prefix", "172.32", "~not a private network");
	BAD("nat_prefix", "8.8", NULL);
	BAD("nat_prefix", "172", NULL);
	BAD("nat_prefix", "172.16.0", NULL);
	BAD("nat_prefix", "010.0", NULL);
	BAD("nat_prefix", "256.1", NULL);
	BAD("nat_prefix", "", NULL);
	OK("nat_forwards", "none", "none");
	OK("nat_forwards", "tcp(80:8080),udp(53)", "tcp(80:8080),udp(53)");
	OK("nat_forwards", "TCP(80)", "tcp(80)");
	OK("nat_forwards", "80", "tcp(80)");
	OK("nat_forwards", "tcp/udp(53)", "tcp/udp(53)");
	OK("nat_forwards", "tcp(8000-8010)", "tcp(8000-8010)");
	OK("nat_forwards", "tcp(80), udp(80)", "tcp(80),udp(80)");
	OK("nat_forwards", "tcp(80:8080),tcp(8080:80)", "tcp(80:8080),tcp(8080:80)");
	BAD("nat_forwards", "tcp(99999)",
	    "nat_forwards: 'tcp(99999)': port 99999 is out of range 1-65535");
	BAD("nat_forwards", "tcp(0)", "~port 0 is out of range");
	BAD("nat_forwards", "99999", NULL);
	BAD("nat_forwards", "icmp(80)", "~protocol");
	BAD("nat_forwards", "tcp(80", NULL);
	BAD("nat_forwards", "tcp(90-80)", NULL);
	BAD("nat_forwards", "tcp(80-80)", NULL);
	BAD("nat_forwards", "tcp(80),tcp(80)", "~already forwarded");
	BAD("nat_forwards", "tcp(22:8080),tcp/udp(8080)", "~already forwarded");
	BAD("nat_forwards", "tcp(8000-8010),tcp(8005)", "~already forwarded");
	BAD("nat_forwards", "tcp()", NULL);
	BAD("nat_forwards", "tcp(80:)", NULL);
	BAD("nat_forwards", "tcp(80x)", NULL);
	BAD("nat_forwards", "tcp(80))", NULL);
	BAD("nat_forwards", "(80)", NULL);
	BAD("nat_forwards", "", NULL);
	BAD("nat_forwards", ",", NULL);
}

static void test_rctl(void **state)
{
	(void)state;
	OK("memoryuse", "off", "off");
	OK("memoryuse", "OFF", "off");
	OK("memoryuse", "deny=512m", "deny=512m");
	OK("memoryuse", "DENY=512M", "deny=512m");
	OK("memoryuse", "log=1g", "log=1g");
	OK("memoryuse", "sigterm=100m", "sigterm=100m");
	OK("memoryuse", "devctl=1024", "devctl=1024");
	BAD("memoryuse", "512m", "~ACTION=AMOUNT");
	BAD("memoryuse", "deny=", NULL);
	BAD("memoryuse", "=5", NULL);
	BAD("memoryuse", "deny=abc", NULL);
	BAD("memoryuse", "deny=5x", NULL);
	BAD("memoryuse", "deny=5mm", NULL);
	BAD("memoryuse", "throttle=1m", "~throttle");
	BAD("memoryuse", "sigfoo=1m", NULL);
	BAD("memoryuse", "deny=99999999p", "~too large");
	OK("pcpu", "deny=50", "deny=50");
	BAD("pcpu", "deny=50m", "~without a unit suffix");
	BAD("pcpu", "deny=0", NULL);
	BAD("pcpu", "deny=102401", NULL);
	OK("cputime", "sigkill=10", "sigkill=10");
	BAD("cputime", "deny=10", "~deny is not supported");
	OK("readbps", "throttle=10m", "throttle=10m");
	BAD("readbps", "deny=1m", NULL);
	OK("maxproc", "deny=100", "deny=100");
	BAD("maxproc", "deny=100k", NULL);
	OK("writeiops", "throttle=100", "throttle=100");
}

static void test_cpuset(void **state)
{
	(void)state;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	char buf[64];
	OK("cpuset", "off", "off");
	OK("cpuset", "ALL", "all");
	OK("cpuset", "0", "0");
	if (ncpu >= 2) {
		OK("cpuset", "0,1", "0,1");
		OK("cpuset", "1, 0", "1,0");
		OK("cpuset", "0-1", "0-1");
	}
	snprintf(buf, sizeof(buf), "%ld", ncpu);
	BAD("cpuset", buf, "~does not exist");
	snprintf(buf, sizeof(buf), "0-%ld", ncpu);
	BAD("cpuset", buf, "~does not exist");
	BAD("cpuset", "0,0", "~listed twice");
	BAD("cpuset", "1-0", NULL);
	BAD("cpuset", "0-0", NULL);
	BAD("cpuset", "a", NULL);
	BAD("cpuset", "", NULL);
	BAD("cpuset", "0,", NULL);
	BAD("cpuset", "0-1,2", NULL);
	BAD("cpuset", "-1", NULL);
}

static void test_identity(void **state)
{
	(void)state;
	OK("hostid", "none", "none");
	OK("hostid", "0123ABCD", "0123abcd");
	OK("hostid", "A1B2C3D4-1234-5678-9ABC-DEF012345678", "a1b2c3d4-1234-5678-9abc-def012345678");
	BAD("hostid", "xyz", "~UUID");
	BAD("hostid", "0123abc", NULL);
	BAD("hostid", "a1b2c3d4123456789abcdef012345678", NULL);
	BAD("hostid", "a1b2c3d4-1234-5678-9abc-def01234567g", NULL);
	OK("host_hostname", "myjail", "myjail");
	OK("host_hostname", "web.example.com", "web.example.com");
	OK("host_hostname", "none", "none");
	OK("host_hostname", "a-b", "a-b");
	OK("host_hostname", "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghi",
	   "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghi");
	BAD("host_hostname", "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij", NULL);
	BAD("host_hostname", "my_jail", "~is not a valid host name");
	BAD("host_hostname", "-a", NULL);
	BAD("host_hostname", "a-", NULL);
	BAD("host_hostname", "a..b", NULL);
	BAD("host_hostname", "a.", NULL);
	BAD("host_hostname", "", NULL);
	OK("host_domainname", "example.com", "example.com");
	OK("host_domainname", "NONE", "none");
	BAD("host_domainname", "ex ample", NULL);
	OK("depends", "none", "none");
	OK("depends", "db web", "db web");
	OK("depends", " db   web ", "db web");
	BAD("depends", "a/b", "~depends: 'a/b': invalid character");
	BAD("depends", "db db", "~listed twice");
	BAD("depends", "default", NULL);
	BAD("depends", "", NULL);
	OK("owner", "root", "root");
	OK("exec_jail_user", "www-data", "www-data");
	OK("exec_jail_user", "_apt", "_apt");
	OK("exec_jail_user", "user$", "user$");
	OK("exec_system_user", "1000", "1000");
	BAD("owner", "Root", NULL);
	BAD("owner", "1user", NULL);
	BAD("owner", "", NULL);
	BAD("owner", "a b", NULL);
	BAD("owner", "abcdefghijklmnopqrstuvwxyzabcdefg", NULL);
	BAD("owner", "4294967295", NULL);
}

static void test_sizes_paths(void **state)
{
	(void)state;
	OK("quota", "none", "none");
	OK("quota", "20G", "20G");
	OK("quota", "20g", "20G");
	OK("quota", "1.5T", "1.5T");
	OK("quota", "512MB", "512M");
	OK("reservation", "010G", "10G");
	OK("reservation", "0.5k", "0.5K");
	BAD("quota", "20", "~suffix");
	BAD("quota", "G", NULL);
	BAD("quota", "20X", NULL);
	BAD("quota", "-1G", NULL);
	BAD("quota", "0G", "~more than zero");
	BAD("quota", "1.G", NULL);
	BAD("quota", "20GBB", NULL);
	BAD("quota", "99999999999T", "~too large");
	OK("jail_zfs_mountpoint", "none", "none");
	OK("jail_zfs_mountpoint", "/data", "/data");
	OK("jail_zfs_mountpoint", "/data//x/./y/", "/data/x/y");
	BAD("jail_zfs_mountpoint", "data", NULL);
	BAD("jail_zfs_mountpoint", "/a/../b", "~'..'");
	BAD("jail_zfs_mountpoint", "/", NULL);
	BAD("jail_zfs_mountpoint", "/a\nb", NULL);
	OK("jail_zfs_dataset", "none", "none");
	OK("jail_zfs_dataset", "iocage/jails/web/data", "iocage/jails/web/data");
	BAD("jail_zfs_dataset", "/abs", NULL);
	BAD("jail_zfs_dataset", "a//b", NULL);
	BAD("jail_zfs_dataset", "a/../b", NULL);
	BAD("jail_zfs_dataset", "a b", NULL);
}

static void test_resolver(void **state)
{
	(void)state;
	OK("resolver", "/etc/resolv.conf", "/etc/resolv.conf");
	OK("resolver", "none", "none");
	OK("resolver", "/dev/null", "/dev/null");
	OK("resolver", "nameserver 8.8.8.8; search example.com", "nameserver 8.8.8.8;search example.com");
	OK("resolver", "NAMESERVER  2001:DB8::1;;", "nameserver 2001:db8::1");
	OK("resolver", "nameserver fe80::1%eth0", "nameserver fe80::1%eth0");
	OK("resolver", "options ndots:2 rotate;domain lan", "options ndots:2 rotate;domain lan");
	OK("resolver", "sortlist 130.155.160.0/255.255.240.0 130.155.0.0",
	   "sortlist 130.155.160.0/255.255.240.0 130.155.0.0");
	BAD("resolver", "/etc/other", "~only paths");
	BAD("resolver", "nameserver 300.1.1.1", "~invalid nameserver line");
	BAD("resolver", "nameserver", NULL);
	BAD("resolver", "nameserver 1.1.1.1 2.2.2.2", NULL);
	BAD("resolver", "bogus line", "~lines must start with");
	BAD("resolver", "nameserver 1.1.1.1\nnameserver 2.2.2.2", NULL);
	BAD("resolver", ";;;", NULL);
	BAD("resolver", "", NULL);
	BAD("resolver", "search -bad-", NULL);
	BAD("resolver", "domain a b", NULL);
	BAD("resolver", "sortlist 1.2.3", NULL);
}

static void test_proxy_text(void **state)
{
	(void)state;
	OK("http_proxy", "none", "none");
	OK("http_proxy", "http://proxy:3128", "http://proxy:3128");
	OK("https_proxy", "HTTPS://proxy.example.com/", "https://proxy.example.com/");
	OK("http_proxy", "http://user:pw@[2001:db8::1]:8080", "http://user:pw@[2001:db8::1]:8080");
	OK("http_proxy", "http://10.0.0.1:3128/", "http://10.0.0.1:3128/");
	BAD("http_proxy", "ftp://x", "~http://");
	BAD("http_proxy", "http://", NULL);
	BAD("http_proxy", "http://a b", NULL);
	BAD("http_proxy", "http://host:99999", NULL);
	BAD("http_proxy", "http://host:", NULL);
	BAD("http_proxy", "http://[::1", NULL);
	BAD("http_proxy", "proxy:3128", NULL);
	OK("notes", "hello world", "hello world");
	OK("notes", "tab\there", "tab\there");
	OK("notes", "", "");
	OK("comment", "h\xc3\xa9llo", "h\xc3\xa9llo");
	BAD("notes", "a\nb", "~one line");
	BAD("notes", "a\rb", NULL);
	BAD("notes", "\x1b[31mred", NULL);
	BAD("notes", "\xff", NULL);
	BAD("notes", "\xc0\xaf", NULL);
	BAD("exec_start", "a\x7f", NULL);
	char *lng = xmalloc(8194);
	memset(lng, 'a', 8193);
	lng[8193] = '\0';
	BAD("notes", lng, "~longer than 8192");
	lng[8192] = '\0';
	OK("notes", lng, lng);
	free(lng);
}

static void test_jail_name(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	const char *good[] = { "web", "my.jail_1-x", "all", "a", "123" };
	const char *bad[] = { "", "a/b", "default", "help", "ALL", ".", "..", "a b", "caf\xc3\xa9" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(good); i++)
		assert_int_equal(jc_validate_jail_name(good[i], &err), 0);
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++) {
		jc_error_clear(&err);
		assert_int_equal(jc_validate_jail_name(bad[i], &err), -EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(jc_validate_jail_name(NULL, NULL), -EINVAL);
	char name[65];
	memset(name, 'x', 64);
	name[64] = '\0';
	assert_int_equal(jc_validate_jail_name(name, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 63"));
	name[63] = '\0';
	assert_int_equal(jc_validate_jail_name(name, &err), 0);
	jc_validate_jail_name("a\nb", &err);
	assert_null(strchr(err.msg, '\n'));
	assert_string_equal(err.msg, "'a?b': invalid character in jail name (allowed: letters, "
			    "digits, '.', '_' and '-')");
}

static void test_helpers(void **state)
{
	(void)state;
	uint8_t a4[4], a6[16];
	assert_true(jc_parse_ipv4("192.168.1.2", a4));
	assert_int_equal(a4[0], 192);
	assert_int_equal(a4[3], 2);
	assert_false(jc_parse_ipv4("192.168.1", a4));
	assert_false(jc_parse_ipv4(NULL, a4));
	assert_true(jc_parse_ipv6("::1", a6));
	assert_int_equal(a6[15], 1);
	assert_false(jc_parse_ipv6("1.2.3.4", a6));
	assert_true(jc_valid_ifname("eth0"));
	assert_true(jc_valid_ifname("abcdefghijklmno"));
	assert_false(jc_valid_ifname("abcdefghijklmnop"));
	assert_false(jc_valid_ifname(""));
	assert_false(jc_valid_ifname("."));
	assert_false(jc_valid_ifname("a:b"));
	assert_false(jc_valid_ifname("a/b"));
	assert_false(jc_valid_ifname(NULL));
	unsigned long long n;
	assert_true(jc_parse_uint_range("42", 0, 100, &n));
	assert_int_equal(n, 42);
	assert_false(jc_parse_uint_range("101", 0, 100, &n));
	assert_false(jc_parse_uint_range("18446744073709551616", 0, ~0ull, &n));
	assert_false(jc_parse_uint_range("", 0, 1, &n));
	assert_true(jc_list_has_empty_field("a,,b", ','));
	assert_true(jc_list_has_empty_field(",a", ','));
	assert_false(jc_list_has_empty_field("a,b", ','));
	assert_true(jc_valid_dns_name("a.b-c.d", 253));
	assert_false(jc_valid_dns_name("a.b-c.d", 3));
	char *out = NULL;
	assert_int_equal(jc_validate_any(NULL, "any\nthing", &out, NULL), 0);
	assert_string_equal(out, "any\nthing");
	free(out);
	/* Validators work without a property, without an error sink and without norm. */
	assert_int_equal(jc_validate_priority(NULL, "x", NULL, NULL), -EINVAL);
	assert_int_equal(jc_validate_ip4_addr(NULL, "10.0.0.1", NULL, NULL), 0);
	assert_int_equal(jc_validate_rctl(NULL, "deny=1m", NULL, NULL), 0);
	struct jc_error err = { 0 };
	assert_int_equal(jc_validate_bool(NULL, NULL, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "value: no value given");
}

/* Inputs that have broken hand-written parsers before. */
static const char *const nasty[] = {
	"", " ", "\t", ",", ",,", "|", "||", "|,|", ":", "(", ")", "()", "=", "==", "-", "--", "/",
	"//", "%", ".", "..", "...", "0", "-0", "+1", "1e3", "0x10", "none,none", "vnet0|", "|vnet0",
	"vnet0:", ":bridge0", "tcp(", "tcp)", "tcp(-)", "tcp(:)", "tcp(1-)", "tcp(-1)", "deny",
	"deny=", "=1", "1-", "-1", "1,", "1.", ".5", "\n", "a\nb", "\x01", "\x7f", "\xff\xfe",
	"\xc3", "\xe2\x80\xa8", "auto,none", "DHCP|DHCP", "[::1]", "http://[", "http://@",
	"http://:@:", "nameserver ;", "; ;", "a%", "%a", "fe80::1%", "02:", "02-", "  none  ",
	"18446744073709551616", "99999999999999999999999999999999999999",
};

static void check_result(const struct jc_prop *p, const char *in, int r, const char *norm,
			 const struct jc_error *err)
{
	if (r == 0) {
		/* Normalising twice changes nothing. */
		char *again = NULL;
		struct jc_error e2 = { 0 };
		int r2 = jc_prop_validate(p, norm, &again, &e2);
		if (r2 != 0 || strcmp(again, norm) != 0) {
			print_error("%s: '%s' -> '%s' -> r=%d '%s' %s\n", p->name, in, norm, r2,
				    again ? again : "(null)", e2.msg);
			fail();
		}
		free(again);
		return;
	}
	if (r != -EINVAL || err->code != EINVAL || strncmp(err->msg, p->name, strlen(p->name)) != 0 ||
	    !jc_text_is_clean(err->msg, false)) {
		print_error("%s: '%s': r=%d msg='%s'\n", p->name, in, r, err->msg);
		fail();
	}
}

static void run_one(const struct jc_prop *p, const char *in)
{
	struct jc_error err = { 0 };
	char *norm = NULL;
	int r = jc_prop_validate(p, in, &norm, &err);
	check_result(p, in, r, norm, &err);
	free(norm);
}

static void test_robustness(void **state)
{
	(void)state;
	size_t n;
	const struct jc_prop *props = jc_props(&n);
	size_t biglen = 100000;
	char *big = xmalloc(biglen + 1);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < JC_ARRAY_SIZE(nasty); k++)
			run_one(&props[i], nasty[k]);
		const char fills[] = { 'a', '1', ',', '|', ':', ' ', '\xc3' };
		for (size_t f = 0; f < sizeof(fills); f++) {
			memset(big, fills[f], biglen);
			big[biglen] = '\0';
			run_one(&props[i], big);
		}
	}
	free(big);
}

/* Deterministic random strings over an alphabet of syntax characters. */
static void test_fuzz(void **state)
{
	(void)state;
	static const char alpha[] = "0123456789abcdefxnotcpudpvnetDHCP:.,|/()-=% \t;$_@[]\xc3\xa9\n";
	size_t n;
	const struct jc_prop *props = jc_props(&n);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char buf[48];
	for (size_t i = 0; i < n; i++) {
		for (int round = 0; round < 400; round++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			size_t len = (size_t)(seed >> 59) + (size_t)(seed >> 61);
			for (size_t k = 0; k < len; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				buf[k] = alpha[(seed >> 33) % (sizeof(alpha) - 1)];
			}
			buf[len] = '\0';
			run_one(&props[i], buf);
		}
		/* Mutations of the default reach deeper into each parser. */
		for (int round = 0; round < 200; round++) {
			size_t dlen = strlen(props[i].def);
			if (dlen == 0 || dlen >= sizeof(buf))
				break;
			memcpy(buf, props[i].def, dlen + 1);
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[(seed >> 33) % dlen] = alpha[(seed >> 20) % (sizeof(alpha) - 1)];
			run_one(&props[i], buf);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_ip4_addr),
		cmocka_unit_test(test_ip6_addr),
		cmocka_unit_test(test_routers),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_rctl),
		cmocka_unit_test(test_cpuset),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_sizes_paths),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_proxy_text),
		cmocka_unit_test(test_jail_name),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
