/* The property table (sorted, complete, self-consistent, iocage's defaults) and the
 * value conversions of props.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static void test_sorted_unique(void **state)
{
	(void)state;
	size_t n = 0;
	const struct jc_prop *props = jc_props(&n);
	assert_non_null(props);
	assert_true(n >= 110);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(props[i - 1].name, props[i].name) >= 0) {
			print_error("%s before %s\n", props[i - 1].name, props[i].name);
			fail();
		}
	}
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(jc_prop_find(props[i].name), &props[i]);
	assert_null(jc_prop_find("no_such_prop"));
	assert_null(jc_prop_find(""));
	assert_null(jc_prop_find(NULL));
	assert_null(jc_prop_find("createtime"));
	assert_non_null(jc_props(NULL));
}

static void test_entries_consistent(void **state)
{
	(void)state;
	size_t n;
	const struct jc_prop *props = jc_props(&n);
	for (size_t i = 0; i < n; i++) {
		const struct jc_prop *p = &props[i];
		struct jc_error err = { 0 };
		char *norm = NULL;
		assert_non_null(p->def);
		assert_non_null(p->validate);
		assert_non_null(p->help);
		assert_true(p->help[0] != '\0');
		assert_true(p->linux_meaning == NULL || p->linux_meaning[0] != '\0');
		/* Every default passes its own validator and is already canonical. */
		if (p->validate(p, p->def, &norm, &err) != 0 || strcmp(norm, p->def) != 0) {
			print_error("%s: default '%s' -> '%s' (%s)\n", p->name, p->def,
				    norm ? norm : "(null)", err.msg);
			fail();
		}
		free(norm);
		if (p->flags & JC_PROP_BOOL) {
			assert_true(p->validate == jc_validate_bool);
			assert_true(jc_streq(p->def, "0") || jc_streq(p->def, "1"));
		}
		if (p->validate == jc_validate_bool)
			assert_true(p->flags & JC_PROP_BOOL);
		if (p->flags & JC_PROP_NUMERIC) {
			long v;
			assert_int_equal(jc_parse_long(p->def, &v), 0);
		}
		/* A property is in exactly one scope. */
		unsigned scope = p->flags & (JC_PROP_READONLY | JC_PROP_DEFAULTS_ONLY | JC_PROP_JAIL_ONLY);
		assert_true(scope == 0 || (scope & (scope - 1)) == 0);
		assert_false((p->flags & JC_PROP_READONLY) && (p->flags & JC_PROP_LIVE));
		assert_false((p->flags & JC_PROP_STOPPED_ONLY) && (p->flags & JC_PROP_LIVE));
	}
}

static const char *const required_defaults[][2] = {
	{ "CONFIG_VERSION", "30" }, { "interfaces", "vnet0:bridge0" }, { "priority", "99" },
	{ "nat_prefix", "172.16" }, { "devfs_ruleset", "4" }, { "exec_timeout", "60" },
	{ "stop_timeout", "30" }, { "vnet", "0" }, { "exec_start", "/bin/sh /etc/rc" },
	{ "exec_stop", "/bin/sh /etc/rc.shutdown" }, { "exec_prestart", "/usr/bin/true" },
	{ "exec_poststart", "/usr/bin/true" }, { "exec_prestop", "/usr/bin/true" },
	{ "exec_poststop", "/usr/bin/true" }, { "exec_created", "/usr/bin/true" },
	{ "exec_clean", "1" }, { "login_flags", "-f root" }, { "securelevel", "2" },
	{ "enforce_statfs", "2" }, { "children_max", "0" }, { "sysvmsg", "new" },
	{ "sysvsem", "new" }, { "sysvshm", "new" }, { "ip4", "new" }, { "ip6", "new" },
	{ "ip4_addr", "none" }, { "ip6_addr", "none" }, { "defaultrouter", "auto" },
	{ "defaultrouter6", "auto" }, { "resolver", "/etc/resolv.conf" },
	{ "vnet_default_interface", "auto" }, { "vnet0_mtu", "auto" }, { "vnet3_mtu", "auto" },
	{ "vnet_default_mtu", "1500" }, { "vnet0_mac", "none" }, { "vnet3_mac", "none" },
	{ "nat_interface", "none" }, { "nat_backend", "ipfw" }, { "nat_forwards", "none" },
	{ "exec_fib", "0" }, { "min_dyn_devfs_ruleset", "1000" }, { "mount_devfs", "1" },
	{ "mount_fdescfs", "1" }, { "mount_procfs", "0" }, { "mount_linprocfs", "0" },
	{ "ip4_saddrsel", "1" }, { "ip6_saddrsel", "1" }, { "host_domainname", "none" },
	{ "hostid", "none" }, { "last_started", "none" }, { "type", "jail" },
	{ "release", "none" }, { "host_hostuuid", "none" }, { "host_hostname", "none" },
	{ "owner", "root" }, { "count", "1" }, { "mac_prefix", "02a098" },
	{ "allow_set_hostname", "1" }, { "compression", "lz4" }, { "origin", "readonly" },
	{ "mountpoint", "readonly" }, { "compressratio", "readonly" },
	{ "available", "readonly" }, { "used", "readonly" }, { "quota", "none" },
	{ "dedup", "off" }, { "reservation", "none" }, { "jail_zfs", "0" },
	{ "jail_zfs_mountpoint", "none" }, { "rlimits", "off" }, { "cpuset", "off" },
	{ "http_proxy", "none" }, { "https_proxy", "none" }, { "template", "0" },
	{ "basejail", "0" }, { "boot", "0" }, { "notes", "none" }, { "comment", "none" },
	{ "depends", "none" }, { "hostid_strict_check", "0" }, { "sync_state", "none" },
	{ "sync_target", "none" }, { "sync_tgt_zpool", "none" }, { "plugin_name", "none" },
	{ "plugin_repository", "none" }, { "exec_jail_user", "root" },
	{ "exec_system_jail_user", "0" }, { "exec_system_user", "root" },
	{ "vnet_interfaces", "none" }, { "localhost_ip", "none" }, { "dhcp", "0" },
	{ "bpf", "0" }, { "rtsold", "0" }, { "ip_hostname", "0" }, { "assign_localhost", "0" },
	{ "nat", "0" }, { "host_time", "1" }, { "cloned_release", "none" },
	{ "source_template", "none" }, { "jail_zfs_dataset", "none" },
};

static void test_required_defaults(void **state)
{
	(void)state;
	for (size_t i = 0; i < JC_ARRAY_SIZE(required_defaults); i++) {
		const struct jc_prop *p = prop(required_defaults[i][0]);
		if (strcmp(p->def, required_defaults[i][1]) != 0) {
			print_error("%s: default '%s', want '%s'\n", p->name, p->def,
				    required_defaults[i][1]);
			fail();
		}
	}
}

static void test_allow_and_rctl(void **state)
{
	(void)state;
	static const char *const allow[] = {
		"allow_sysvipc", "allow_raw_sockets", "allow_chflags", "allow_mlock",
		"allow_mount", "allow_mount_devfs", "allow_mount_fdescfs", "allow_mount_fusefs",
		"allow_mount_nullfs", "allow_mount_procfs", "allow_mount_linprocfs",
		"allow_mount_tmpfs", "allow_mount_zfs", "allow_quotas", "allow_socket_af",
		"allow_vmm", "allow_tun",
	};
	static const char *const rctl[] = {
		"memoryuse", "memorylocked", "vmemoryuse", "maxproc", "cputime", "pcpu",
		"datasize", "stacksize", "coredumpsize", "openfiles", "pseudoterminals", "swapuse",
		"nthr", "msgqqueued", "msgqsize", "nmsgq", "nsem", "nsemop", "nshm", "shmsize",
		"wallclock", "readbps", "writebps", "readiops", "writeiops",
	};
	assert_int_equal(JC_ARRAY_SIZE(rctl), 25);
	for (size_t i = 0; i < JC_ARRAY_SIZE(allow); i++) {
		const struct jc_prop *p = prop(allow[i]);
		assert_string_equal(p->def, "0");
		assert_true(p->flags & JC_PROP_BOOL);
	}
	assert_true(prop("allow_set_hostname")->flags & JC_PROP_BOOL);
	for (size_t i = 0; i < JC_ARRAY_SIZE(rctl); i++) {
		const struct jc_prop *p = prop(rctl[i]);
		assert_string_equal(p->def, "off");
		assert_true(p->validate == jc_validate_rctl);
		assert_true(p->flags & JC_PROP_LIVE);
	}
}

static void assert_flag(const char *name, unsigned flag, bool set)
{
	const struct jc_prop *p = prop(name);
	if (!!(p->flags & flag) != set) {
		print_error("%s: flag %#x should be %s\n", name, flag, set ? "set" : "clear");
		fail();
	}
}

static void test_flags(void **state)
{
	(void)state;
	static const char *const live[] = {
		"notes", "comment", "memoryuse", "pcpu", "cpuset", "boot", "priority", "depends",
		"host_hostname", "exec_start", "exec_stop", "exec_prestart", "exec_poststop",
		"exec_timeout", "stop_timeout", "quota", "http_proxy", "https_proxy",
	};
	static const char *const not_live[] = {
		"dhcp", "jail_zfs", "jail_zfs_dataset", "jail_zfs_mountpoint", "template", "vnet",
		"ip4_addr", "interfaces", "allow_raw_sockets", "securelevel", "nat",
	};
	static const char *const readonly[] = {
		"CONFIG_VERSION", "origin", "mountpoint", "compressratio", "available", "used",
		"last_started", "host_hostuuid", "type", "release", "cloned_release",
		"source_template",
	};
	static const char *const defaults_only[] = { "nat_prefix", "nat_interface", "nat_backend" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(live); i++)
		assert_flag(live[i], JC_PROP_LIVE, true);
	for (size_t i = 0; i < JC_ARRAY_SIZE(not_live); i++)
		assert_flag(not_live[i], JC_PROP_LIVE, false);
	for (size_t i = 0; i < JC_ARRAY_SIZE(readonly); i++)
		assert_flag(readonly[i], JC_PROP_READONLY, true);
	for (size_t i = 0; i < JC_ARRAY_SIZE(defaults_only); i++)
		assert_flag(defaults_only[i], JC_PROP_DEFAULTS_ONLY, true);
	static const char *const stopped_only[] = {
		"dhcp", "jail_zfs", "jail_zfs_dataset", "jail_zfs_mountpoint", "template",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(stopped_only); i++)
		assert_flag(stopped_only[i], JC_PROP_STOPPED_ONLY, true);
	assert_flag("jail_zfs_dataset", JC_PROP_READONLY, false);
	assert_flag("host_hostname", JC_PROP_JAIL_ONLY, true);
	assert_flag("template", JC_PROP_JAIL_ONLY, true);
	assert_flag("http_proxy", JC_PROP_DEFAULTS_ONLY | JC_PROP_JAIL_ONLY | JC_PROP_READONLY, false);
	assert_flag("priority", JC_PROP_NUMERIC, true);
	assert_flag("exec_timeout", JC_PROP_NUMERIC, true);
}

static void test_linux_meaning(void **state)
{
	(void)state;
	static const char *const none[] = {
		"compression", "dedup", "mount_fdescfs", "mount_linprocfs", "allow_mount_zfs",
		"exec_system_user", "sync_state", "sync_target", "sync_tgt_zpool", "nat_backend",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(none); i++)
		assert_null(prop(none[i])->linux_meaning);
	assert_non_null(strstr(prop("memoryuse")->linux_meaning, "memory.max"));
	assert_non_null(strstr(prop("allow_raw_sockets")->linux_meaning, "CAP_NET_RAW"));
	assert_non_null(strstr(prop("allow_tun")->linux_meaning, "/dev/net/tun"));
	assert_non_null(strstr(prop("allow_vmm")->linux_meaning, "/dev/kvm"));
	assert_non_null(strstr(prop("sysvshm")->linux_meaning, "IPC namespace"));
	assert_non_null(strstr(prop("vnet")->linux_meaning, "veth"));
	assert_non_null(strstr(prop("quota")->linux_meaning, "qgroup"));
	assert_non_null(strstr(prop("http_proxy")->linux_meaning, "Linux addition"));
	assert_non_null(strstr(prop("https_proxy")->help, "Linux addition"));
}

static void test_prop_validate(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	char *norm = NULL;
	assert_int_equal(jc_prop_validate(prop("boot"), "yes", &norm, &err), 0);
	assert_string_equal(norm, "1");
	free(norm);
	assert_int_equal(jc_prop_validate(prop("boot"), "yes", NULL, &err), 0);
	assert_int_equal(jc_prop_validate(prop("priority"), "abc", &norm, &err), -EINVAL);
	assert_string_equal(err.msg, "priority: 'abc' is not an integer from 1 to 99");
	assert_int_equal(jc_prop_validate(NULL, "x", &norm, &err), -EINVAL);
	assert_int_equal(jc_prop_validate(prop("boot"), NULL, &norm, &err), -EINVAL);
	assert_int_equal(jc_prop_validate(prop("boot"), "x", NULL, NULL), -EINVAL);
	/* An entry without a validator accepts anything as given. */
	struct jc_prop loose = { .name = "loose", .def = "", .help = "x" };
	assert_int_equal(jc_prop_validate(&loose, "a b", &norm, &err), 0);
	assert_string_equal(norm, "a b");
	free(norm);
}

static void test_value_to_json(void **state)
{
	(void)state;
	json_t *j = jc_prop_value_to_json(prop("boot"), "1");
	assert_true(json_is_integer(j));
	assert_int_equal(json_integer_value(j), 1);
	json_decref(j);
	j = jc_prop_value_to_json(prop("boot"), "0");
	assert_int_equal(json_integer_value(j), 0);
	json_decref(j);
	j = jc_prop_value_to_json(prop("priority"), "99");
	assert_true(json_is_string(j));
	assert_string_equal(json_string_value(j), "99");
	json_decref(j);
	j = jc_prop_value_to_json(NULL, "x");
	assert_string_equal(json_string_value(j), "x");
	json_decref(j);
	assert_null(jc_prop_value_to_json(prop("boot"), NULL));
}

static void expect_text(json_t *v, const char *want)
{
	char *t = jc_prop_json_to_text(v);
	if (!want)
		assert_null(t);
	else
		assert_string_equal(t, want);
	free(t);
	json_decref(v);
}

static void test_json_to_text(void **state)
{
	(void)state;
	expect_text(json_integer(42), "42");
	expect_text(json_integer(-7), "-7");
	expect_text(json_integer(9007199254740993LL), "9007199254740993");
	expect_text(json_real(0.5), "0.5");
	expect_text(json_real(1.0), "1");
	expect_text(json_real(0.1), "0.1");
	expect_text(json_real(1.0 / 3.0), "0.3333333333333333");
	expect_text(json_string("lz4"), "lz4");
	expect_text(json_true(), "1");
	expect_text(json_false(), "0");
	expect_text(json_null(), NULL);
	expect_text(json_array(), NULL);
	expect_text(json_object(), NULL);
	assert_null(jc_prop_json_to_text(NULL));
	/* The stored form of every default reads back as the default. */
	size_t n;
	const struct jc_prop *props = jc_props(&n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = jc_prop_value_to_json(&props[i], props[i].def);
		char *t = jc_prop_json_to_text(v);
		assert_string_equal(t, props[i].def);
		free(t);
		json_decref(v);
	}
}

static void test_split_assignment(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	char *k = NULL, *v = NULL;
	assert_int_equal(jc_prop_split_assignment("boot=on", &k, &v, &err), 0);
	assert_string_equal(k, "boot");
	assert_string_equal(v, "on");
	free(k);
	free(v);
	assert_int_equal(jc_prop_split_assignment("notes=", &k, &v, &err), 0);
	assert_string_equal(k, "notes");
	assert_string_equal(v, "");
	free(k);
	free(v);
	assert_int_equal(jc_prop_split_assignment("resolver=a=b", &k, &v, &err), 0);
	assert_string_equal(k, "resolver");
	assert_string_equal(v, "a=b");
	free(k);
	free(v);
	k = v = NULL;
	assert_int_equal(jc_prop_split_assignment("boot", &k, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "'boot' is not of the form PROPERTY=VALUE");
	assert_null(k);
	assert_int_equal(jc_prop_split_assignment("=on", &k, &v, &err), -EINVAL);
	assert_int_equal(jc_prop_split_assignment(NULL, &k, &v, &err), -EINVAL);
	assert_int_equal(jc_prop_split_assignment("a\nb", &k, &v, &err), -EINVAL);
	assert_null(strchr(err.msg, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_unique),
		cmocka_unit_test(test_entries_consistent),
		cmocka_unit_test(test_required_defaults),
		cmocka_unit_test(test_allow_and_rctl),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_linux_meaning),
		cmocka_unit_test(test_prop_validate),
		cmocka_unit_test(test_value_to_json),
		cmocka_unit_test(test_json_to_text),
		cmocka_unit_test(test_split_assignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
