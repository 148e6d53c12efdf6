/* Unit tests for the runtime's pure pieces: RCTL values, limits and the cgroup files that
 * express them, cpusets, devfs rulesets, capability sets, resolver text, and the page-cache
 * trim of a started jail against fake cgroup directories. */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "jail_user.h"
#include "runtime_priv.h"
#include "util.h"

static void test_rctl_values(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	struct rt_rctl r;
	assert_int_equal(rt_rctl_parse("memoryuse", "deny=512m", &r, &err), 0);
	assert_int_equal(r.action, RT_RCTL_DENY);
	assert_true(r.amount == 512ULL << 20);
	assert_int_equal(rt_rctl_parse("readbps", "throttle=10K", &r, &err), 0);
	assert_int_equal(r.action, RT_RCTL_THROTTLE);
	assert_true(r.amount == 10240);
	assert_int_equal(rt_rctl_parse("maxproc", "sigterm=40", &r, &err), 0);
	assert_int_equal(r.action, RT_RCTL_SIG);
	assert_true(rt_rctl_enforced(&r));
	assert_int_equal(rt_rctl_parse("pcpu", "log=20", &r, &err), 0);
	assert_false(rt_rctl_enforced(&r));
	assert_int_equal(rt_rctl_parse("memoryuse", "off", &r, &err), 0);
	assert_int_equal(r.action, RT_RCTL_OFF);
	assert_int_equal(rt_rctl_parse("memoryuse", "1g", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "memoryuse"));
	assert_int_equal(rt_rctl_parse("memoryuse", "deny=1x", &r, &err), -EINVAL);
	assert_int_equal(rt_rctl_parse("memoryuse", "deny=", &r, &err), -EINVAL);
	assert_int_equal(rt_rctl_parse("memoryuse", "nuke=1", &r, &err), -EINVAL);
	assert_int_equal(rt_rctl_parse("memoryuse", "deny=99999999999p", &r, &err), -EINVAL);
}

static void test_limits_from_properties(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	struct rt_limits l;
	rt_limits_init(&l);
	assert_int_equal(rt_limits_set(&l, "memoryuse", "deny=64m", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "pcpu", "deny=50", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "maxproc", "deny=100", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "nthr", "deny=40", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "openfiles", "deny=256", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "pseudoterminals", "deny=8", NULL, &err), 0);
	assert_int_equal(rt_limits_set(&l, "comment", "anything", NULL, &err), 0);
	assert_true(l.memory == 64LL << 20);
	assert_true(l.cpu_quota == 50000);
	assert_true(l.pids == 40);            /* maxproc and nthr share pids.max: the lower */
	assert_true(l.ptys == 8);
	assert_int_equal(l.nrlimits, 1);
	assert_int_equal(l.rlimits[0].resource, RLIMIT_NOFILE);
	assert_true(l.rlimits[0].value == 256);

	char *warning = NULL;
	assert_int_equal(rt_limits_set(&l, "swapuse", "log=1g", &warning, &err), 0);
	assert_non_null(warning);
	assert_true(l.swap == RT_UNLIMITED);
	free(warning);
	assert_int_equal(rt_limits_set(&l, "nshm", "deny=4", &warning, &err), 0);
	assert_non_null(strstr(warning, "no effect"));
	free(warning);
	assert_int_equal(rt_limits_set(&l, "memoryuse", "bad", NULL, &err), -EINVAL);
	rt_limits_release(&l);
}

static void test_cpuset(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	char *out = NULL;
	assert_int_equal(rt_cpuset_parse("off", &out, &err), 0);
	assert_null(out);
	assert_int_equal(rt_cpuset_parse("all", &out, &err), 0);
	assert_null(out);
	assert_int_equal(rt_cpuset_parse("0,1", &out, &err), 0);
	assert_string_equal(out, "0,1");
	free(out);
	assert_int_equal(rt_cpuset_parse("0-3", &out, &err), 0);
	assert_string_equal(out, "0-3");
	free(out);
	assert_int_equal(rt_cpuset_parse("0;rm", &out, &err), -EINVAL);
	assert_int_equal(rt_cpuset_parse("-1", &out, &err), -EINVAL);
}

static const struct rt_cg_setting *find(const struct rt_cg_setting *s, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].file, file) == 0)
			return &s[i];
	return NULL;
}

static void test_cgroup_settings_v2(void **state)
{
	(void)state;
	struct rt_limits l;
	rt_limits_init(&l);
	l.memory = 64LL << 20;
	l.cpu_quota = 50000;
	l.rbps = 1048576;
	struct rt_cg_setting s[RT_MAX_SETTINGS];
	size_t n = rt_cgroup_settings(&l, true, false, "7:0", s);
	assert_string_equal(find(s, n, "memory.max")->value, "67108864");
	assert_string_equal(find(s, n, "cpu.max")->value, "50000 100000");
	assert_string_equal(find(s, n, "io.max")->value,
			    "7:0 rbps=1048576 wbps=max riops=max wiops=max");
	assert_null(find(s, n, "pids.max"));          /* unlimited: a new cgroup already is */
	assert_null(find(s, n, "memory.swap.max"));
	/* live changes write the unlimited values too */
	n = rt_cgroup_settings(&l, true, true, NULL, s);
	assert_string_equal(find(s, n, "pids.max")->value, "max");
	assert_string_equal(find(s, n, "memory.swap.max")->value, "max");
	assert_null(find(s, n, "io.max"));            /* no known disk */
}

static void test_cgroup_settings_v1(void **state)
{
	(void)state;
	struct rt_limits l;
	rt_limits_init(&l);
	l.memory = 64LL << 20;
	l.swap = 16LL << 20;
	l.pids = 10;
	l.cpu_quota = 150000;
	l.wiops = 100;
	l.cpuset = xstrdup("1");
	struct rt_cg_setting s[RT_MAX_SETTINGS];
	size_t n = rt_cgroup_settings(&l, false, false, "8:0", s);
	assert_string_equal(find(s, n, "memory.limit_in_bytes")->value, "67108864");
	assert_string_equal(find(s, n, "memory.memsw.limit_in_bytes")->value, "83886080");
	assert_string_equal(find(s, n, "memory.memsw.limit_in_bytes")->controller, "memory");
	assert_string_equal(find(s, n, "pids.max")->value, "10");
	assert_string_equal(find(s, n, "cpu.cfs_quota_us")->value, "150000");
	assert_string_equal(find(s, n, "cpu.cfs_period_us")->value, "100000");
	assert_string_equal(find(s, n, "cpuset.cpus")->value, "1");
	assert_string_equal(find(s, n, "blkio.throttle.write_iops_device")->value, "8:0 100");
	assert_null(find(s, n, "blkio.throttle.read_bps_device"));
	rt_limits_release(&l);
	rt_limits_init(&l);
	n = rt_cgroup_settings(&l, false, true, "8:0", s);
	/* memsw is lifted before the memory limit, so every write stays valid */
	assert_string_equal(s[0].file, "memory.memsw.limit_in_bytes");
	assert_string_equal(s[0].value, "-1");
	assert_string_equal(find(s, n, "memory.limit_in_bytes")->value, "-1");
	assert_string_equal(find(s, n, "cpu.cfs_quota_us")->value, "-1");
	assert_string_equal(find(s, n, "blkio.throttle.read_bps_device")->value, "8:0 0");
	assert_string_equal(find(s, n, "cpuset.cpus")->value, "");
}

static bool has_node(const struct rt_devfs *d, const char *name, unsigned maj, unsigned min)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->nodes[i].name, name) == 0)
			return d->nodes[i].major == maj && d->nodes[i].minor == min;
	return false;
}

static void test_devfs_rulesets(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	struct rt_devfs d;
	assert_int_equal(rt_devfs_build(4, false, false, &d, &err), 0);
	assert_true(d.pts);
	assert_int_equal(d.n, 6);
	assert_true(has_node(&d, "null", 1, 3) && has_node(&d, "zero", 1, 5));
	assert_true(has_node(&d, "full", 1, 7) && has_node(&d, "random", 1, 8));
	assert_true(has_node(&d, "urandom", 1, 9) && has_node(&d, "tty", 5, 0));
	assert_false(has_node(&d, "net/tun", 10, 200));
	assert_string_equal(rt_devfs_description(4), "jailctl default");

	char rules[RT_MAX_DEVNODES + 2][32];
	size_t n = rt_devfs_cgroup_rules(&d, rules, RT_MAX_DEVNODES + 2);
	assert_int_equal(n, 8);
	assert_string_equal(rules[0], "c 1:3 rwm");
	assert_string_equal(rules[6], "c 5:2 rwm");
	assert_string_equal(rules[7], "c 136:* rwm");

	assert_int_equal(rt_devfs_build(4, true, true, &d, &err), 0);
	assert_true(has_node(&d, "net/tun", 10, 200) && has_node(&d, "kvm", 10, 232));
	assert_int_equal(rt_devfs_build(2, false, false, &d, &err), 0);
	assert_false(d.pts);
	assert_false(has_node(&d, "tty", 5, 0));
	assert_int_equal(rt_devfs_build(0, false, false, &d, &err), -ENOENT);
	assert_int_equal(rt_devfs_build(6, false, false, &d, &err), -ENOENT);
	assert_string_equal(err.msg, "devfs_ruleset 6 does not exist! - Not starting jail");
}

#define HAS(keep, cap) (((keep) >> (cap)) & 1)

static void test_caps_for_allow_props(void **state)
{
	(void)state;
	struct rt_privs p = { .own_netns = true };
	uint64_t keep = rt_caps_keep(&p);
	static const int dropped[] = {
		CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_SYS_BOOT,
		CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_SYS_PTRACE, CAP_SYS_PACCT, CAP_SYSLOG,
		CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_MKNOD,
		CAP_SYS_RESOURCE, CAP_BPF, CAP_PERFMON, CAP_CHECKPOINT_RESTORE,
		CAP_LINUX_IMMUTABLE, CAP_IPC_LOCK, CAP_NET_RAW, CAP_NET_ADMIN,
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(dropped); i++)
		assert_false(HAS(keep, dropped[i]));
	static const int kept[] = {
		CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_KILL, CAP_SETUID, CAP_SETGID,
		CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SYS_NICE, CAP_AUDIT_WRITE,
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(kept); i++)
		assert_true(HAS(keep, kept[i]));

	p = (struct rt_privs){ .allow_chflags = true, .allow_mlock = true, .allow_raw_sockets = true,
			       .vnet = true, .own_netns = true };
	keep = rt_caps_keep(&p);
	assert_true(HAS(keep, CAP_LINUX_IMMUTABLE) && HAS(keep, CAP_IPC_LOCK));
	assert_true(HAS(keep, CAP_NET_RAW) && HAS(keep, CAP_NET_ADMIN));
	assert_false(HAS(keep, CAP_SYS_ADMIN));
	/* the host's network namespace is never configurable from a jail */
	p = (struct rt_privs){ .vnet = true, .own_netns = false };
	assert_false(HAS(rt_caps_keep(&p), CAP_NET_ADMIN));
	p = (struct rt_privs){ .bpf = true };
	assert_true(HAS(rt_caps_keep(&p), CAP_NET_RAW));

	p = (struct rt_privs){ .allow_mount = true, .allow_socket_af = true };
	assert_int_equal(rt_seccomp_flags(&p), RT_SECCOMP_ALLOW_MOUNT | RT_SECCOMP_ALLOW_SOCKET_AF);
	p = (struct rt_privs){ 0 };
	assert_int_equal(rt_seccomp_flags(&p), 0);
}

static void test_resolver_text(void **state)
{
	(void)state;
	const char *host = "nameserver 10.0.0.1\n";
	char *t = rt_resolver_render("/etc/resolv.conf", host);
	assert_string_equal(t, host);
	free(t);
	t = rt_resolver_render("none", host);
	assert_string_equal(t, host);
	free(t);
	assert_null(rt_resolver_render("/dev/null", host));
	assert_null(rt_resolver_render("/etc/resolv.conf", NULL));
	t = rt_resolver_render("nameserver 1.1.1.1; nameserver 9.9.9.9;search example.org;", host);
	assert_string_equal(t, "nameserver 1.1.1.1\nnameserver 9.9.9.9\nsearch example.org\n");
	free(t);
}

static void test_hostname(void **state)
{
	(void)state;
	char *h = rt_hostname_for("my_jail", "none");
	assert_string_equal(h, "my-jail");
	free(h);
	h = rt_hostname_for("my_jail", NULL);
	assert_string_equal(h, "my-jail");
	free(h);
	h = rt_hostname_for("web", "www.example.org");
	assert_string_equal(h, "www.example.org");
	free(h);
}

/* The cached filter is the compiled one; a damaged cache file is never loaded. */
static char *only_cache_file(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *found = NULL;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "seccomp-", 8) == 0) {
			assert_null(found);
			found = xasprintf("%s/%s", dir, e->d_name);
		}
	closedir(d);
	assert_non_null(found);
	return found;
}

static void test_seccomp_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/jailctl-bpf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct jc_error err = { 0 };
	struct rt_bpf plain, first, again;
	assert_int_equal(rt_seccomp_compile(RT_SECCOMP_ALLOW_MOUNT, &plain, &err), 0);
	assert_int_equal(rt_seccomp_compile_cached(dir, RT_SECCOMP_ALLOW_MOUNT, &first, &err), 0);
	cleanup_free char *path = only_cache_file(dir);
	assert_int_equal(rt_seccomp_compile_cached(dir, RT_SECCOMP_ALLOW_MOUNT, &again, &err), 0);
	assert_int_equal(first.len, plain.len);
	assert_int_equal(again.len, plain.len);
	assert_memory_equal(first.data, plain.data, plain.len);
	assert_memory_equal(again.data, plain.data, plain.len);
	rt_bpf_release(&again);
	/* The file is what is loaded: a whole-instruction file stands for the filter. */
	assert_int_equal(truncate(path, 16), 0);
	assert_int_equal(rt_seccomp_compile_cached(dir, RT_SECCOMP_ALLOW_MOUNT, &again, &err), 0);
	assert_int_equal(again.len, 16);
	rt_bpf_release(&again);
	/* A truncated file (not whole instructions) is compiled again and replaced. */
	assert_int_equal(truncate(path, 13), 0);
	assert_int_equal(rt_seccomp_compile_cached(dir, RT_SECCOMP_ALLOW_MOUNT, &again, &err), 0);
	assert_int_equal(again.len, plain.len);
	assert_memory_equal(again.data, plain.data, plain.len);
	rt_bpf_release(&again);
	/* So is a file others could have written. */
	assert_int_equal(chmod(path, 0666), 0);
	struct rt_bpf other;
	assert_int_equal(rt_seccomp_compile_cached(dir, 0, &other, &err), 0);
	assert_int_equal(rt_seccomp_compile_cached(dir, RT_SECCOMP_ALLOW_MOUNT, &again, &err), 0);
	assert_memory_equal(again.data, plain.data, plain.len);
	rt_bpf_release(&again);
	rt_bpf_release(&other);
	rt_bpf_release(&first);
	rt_bpf_release(&plain);
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* jailctl and jailctl-full each keep their own filter: writing one drops only the oldest
 * files, down to 16, never every other binary's. */
static void test_seccomp_cache_keeps_other_binaries(void **state)
{
	(void)state;
	char dir[] = "/tmp/jailctl-bpf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 20; i++) {
		cleanup_free char *path = xasprintf("%s/seccomp-other-%02d.bpf", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		struct timespec t[2] = { { .tv_sec = 1000000 + i }, { .tv_sec = 1000000 + i } };
		assert_int_equal(futimens(fd, t), 0);
		close(fd);
	}
	struct jc_error err = { 0 };
	struct rt_bpf bpf;
	assert_int_equal(rt_seccomp_compile_cached(dir, 0, &bpf, &err), 0);
	rt_bpf_release(&bpf);
	int kept = 0, own = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "seccomp-other-", 14) == 0) {
			kept++;
			/* the five oldest went */
			assert_true(atoi(e->d_name + 14) >= 5);
		} else if (strncmp(e->d_name, "seccomp-", 8) == 0) {
			own++;
		}
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
	assert_int_equal(own, 1);
	assert_int_equal(kept, 15);
}

/* ---- trimming a started jail's page cache, against fake cgroup directories ---- */

static void put_text(const char *dir, const char *file, const char *text)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get_text(const char *dir, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	char *text = NULL;
	assert_int_equal(rt_read_text(path, &text), 0);
	return text;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Trims a fake jail whose cgroups are a v2 directory and, for v1, a "memory" one. */
static void trim_fake(const char *v2dir, const char *v1dir)
{
	struct jc_ctx ctx;
	jc_ctx_init(&ctx, NULL, NULL);
	struct rt_cgroups cg = { 0 };
	cg.paths[cg.n] = xstrdup(v2dir);
	cg.controllers[cg.n++] = xstrdup("v2");
	if (v1dir) {
		cg.paths[cg.n] = xstrdup(v1dir);
		cg.controllers[cg.n++] = xstrdup("memory");
	}
	rt_cgroups_trim(&ctx, "j", &cg);
	rt_cgroups_release(&cg);
}

static void test_trim_v1(void **state)
{
	(void)state;
	char v2[] = "/tmp/jailctl-trim2-XXXXXX", v1[] = "/tmp/jailctl-trim1-XXXXXX";
	assert_non_null(mkdtemp(v2));
	assert_non_null(mkdtemp(v1));
	/* 2 MiB of cache, 1.5 MiB of it mapped: 512 KiB are worth trimming. */
	put_text(v1, "memory.stat", "cache 2097152\nrss 40960\nshmem 0\nmapped_file 1572864\n"
		 "total_cache 9999999999\n");
	put_text(v1, "memory.swappiness", "60\n");
	put_text(v1, "memory.force_empty", "");
	trim_fake(v2, v1);
	cleanup_free char *fe = get_text(v1, "memory.force_empty");
	cleanup_free char *sw = get_text(v1, "memory.swappiness");
	assert_string_equal(fe, "0");
	assert_string_equal(sw, "60\n");   /* the jail's own swappiness is back */
	/* One page less is left alone: not worth a reclaim. */
	put_text(v1, "memory.stat", "cache 2093056\nshmem 0\nmapped_file 1572864\n");
	put_text(v1, "memory.force_empty", "");
	trim_fake(v2, v1);
	cleanup_free char *fe2 = get_text(v1, "memory.force_empty");
	assert_string_equal(fe2, "");
	/* Without swappiness 0 the reclaim could swap the jail's processes out: none. */
	put_text(v1, "memory.stat", "cache 8388608\n");
	cleanup_free char *swappiness = xasprintf("%s/memory.swappiness", v1);
	unlink(swappiness);
	trim_fake(v2, v1);
	cleanup_free char *fe3 = get_text(v1, "memory.force_empty");
	assert_string_equal(fe3, "");
	remove_dir(v1);
	remove_dir(v2);
}

static void test_trim_v2(void **state)
{
	(void)state;
	char v2[] = "/tmp/jailctl-trim2-XXXXXX";
	assert_non_null(mkdtemp(v2));
	/* No memory controller on v2 (no memory.reclaim) and no v1 one: nothing is written. */
	put_text(v2, "memory.stat", "file 4194304\n");
	trim_fake(v2, NULL);
	put_text(v2, "memory.reclaim", "");
	put_text(v2, "memory.stat", "anon 40960\nfile 4194304\nshmem 65536\nfile_mapped 131072\n");
	trim_fake(v2, NULL);
	cleanup_free char *req = get_text(v2, "memory.reclaim");
	assert_string_equal(req, "3997696 swappiness=0");   /* 4 MiB - 64 KiB - 128 KiB */
	remove_dir(v2);
}

/* Background children (last_started writers) are reaped once done, without waiting for
 * those still running. */
static pid_t child_until_eof(const int gate[2])
{
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(gate[1]);
		_exit(read(gate[0], &c, 1) < 0);
	}
	return pid;
}

static void test_ctx_reaps_background_children(void **state)
{
	(void)state;
	struct jc_ctx ctx;
	jc_ctx_init(&ctx, NULL, NULL);
	int gate[2];
	assert_int_equal(pipe(gate), 0);
	pid_t running = child_until_eof(gate);
	pid_t done = fork();
	if (done == 0)
		_exit(0);
	jc_ctx_add_child(&ctx, running);
	jc_ctx_add_child(&ctx, done);
	siginfo_t si = { 0 };
	assert_int_equal(waitid(P_PID, (id_t)done, &si, WEXITED | WNOWAIT), 0);
	pid_t later = child_until_eof(gate);
	jc_ctx_add_child(&ctx, later);   /* reaps `done`, keeps `running` */
	assert_int_equal(ctx.nchildren, 2);
	assert_int_equal(waitpid(done, NULL, WNOHANG), -1);
	close(gate[0]);
	close(gate[1]);
	assert_int_equal(waitid(P_PID, (id_t)running, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(waitid(P_PID, (id_t)later, &si, WEXITED | WNOWAIT), 0);
	jc_ctx_release(&ctx);
	assert_int_equal(ctx.nchildren, 0);
	assert_int_equal(waitpid(running, NULL, WNOHANG), -1);
	assert_int_equal(waitpid(later, NULL, WNOHANG), -1);
}

/* exec_clean's environment, built without allocating for the init's child. */
static void test_clean_env(void **state)
{
	(void)state;
	struct jail_user u = { .uid = 33, .gid = 33, .name = "www-data", .home = "/srv/www",
			       .shell = "/usr/sbin/nologin" };
	struct jail_user_env e;
	jail_user_env_build(&u, "xterm", &e);
	const char *want[] = { "PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin",
			       "HOME=/srv/www", "USER=www-data", "LOGNAME=www-data",
			       "SHELL=/usr/sbin/nologin", "TERM=xterm", NULL };
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(e.envp[i], want[i]);
	assert_null(e.envp[6]);
	/* No TERM: five; a TERM too long for the space left: left out, the rest intact. */
	jail_user_env_build(&u, NULL, &e);
	assert_null(e.envp[5]);
	cleanup_free char *huge = xmalloc(JAIL_USER_ENV_BYTES);
	memset(huge, 'x', JAIL_USER_ENV_BYTES - 1);
	huge[JAIL_USER_ENV_BYTES - 1] = '\0';
	jail_user_env_build(&u, huge, &e);
	assert_string_equal(e.envp[4], "SHELL=/usr/sbin/nologin");
	assert_null(e.envp[5]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rctl_values),
		cmocka_unit_test(test_limits_from_properties),
		cmocka_unit_test(test_cpuset),
		cmocka_unit_test(test_cgroup_settings_v2),
		cmocka_unit_test(test_cgroup_settings_v1),
		cmocka_unit_test(test_devfs_rulesets),
		cmocka_unit_test(test_caps_for_allow_props),
		cmocka_unit_test(test_resolver_text),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_seccomp_cache),
		cmocka_unit_test(test_seccomp_cache_keeps_other_binaries),
		cmocka_unit_test(test_trim_v1),
		cmocka_unit_test(test_trim_v2),
		cmocka_unit_test(test_ctx_reaps_background_children),
		cmocka_unit_test(test_clean_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
