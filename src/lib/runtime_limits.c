/* iocage's RCTL limits, read as Linux limits: cgroup files (v2 names, or their v1 twins
 * on hybrid hosts) and rlimits. Pure functions, no filesystem access. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_priv.h"
#include "util.h"

enum { CPU_PERIOD_US = 100000 };

static const struct {
	const char *name;
	enum rt_rctl_action action;
} rctl_actions[] = {
	{ "deny", RT_RCTL_DENY }, { "log", RT_RCTL_LOG }, { "devctl", RT_RCTL_DEVCTL },
	{ "throttle", RT_RCTL_THROTTLE },
};

static int parse_action(const char *s, size_t len, enum rt_rctl_action *out)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(rctl_actions); i++) {
		if (strlen(rctl_actions[i].name) == len && strncmp(s, rctl_actions[i].name, len) == 0) {
			*out = rctl_actions[i].action;
			return 0;
		}
	}
	/* sigNAME / sigNUM: FreeBSD signals the process; the nearest Linux reading enforces. */
	if (len > 3 && strncmp(s, "sig", 3) == 0) {
		*out = RT_RCTL_SIG;
		return 0;
	}
	return -EINVAL;
}

static int parse_amount(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	static const char units[] = "bkmgtp";
	unsigned shift = 0;
	if (*end) {
		const char *u = strchr(units, tolower((unsigned char)*end));
		if (!u || end[1])
			return -EINVAL;
		shift = 10 * (unsigned)(u - units);
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int rt_rctl_parse(const char *key, const char *value, struct rt_rctl *out, struct jc_error *err)
{
	*out = (struct rt_rctl){ RT_RCTL_OFF, 0 };
	if (!value || strcmp(value, "off") == 0 || strcmp(value, "none") == 0)
		return 0;
	const char *eq = strchr(value, '=');
	if (!eq || parse_action(value, (size_t)(eq - value), &out->action) < 0 ||
	    parse_amount(eq + 1, &out->amount) < 0)
		return jc_error_set(err, EINVAL, "%s: '%s' is not an RCTL value (ACTION=AMOUNT, e.g. deny=512m)",
				    key, value);
	return 0;
}

bool rt_rctl_enforced(const struct rt_rctl *r)
{
	return r->action == RT_RCTL_DENY || r->action == RT_RCTL_THROTTLE || r->action == RT_RCTL_SIG;
}

void rt_limits_init(struct rt_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->memory = l->swap = l->pids = l->cpu_quota = RT_UNLIMITED;
	l->rbps = l->wbps = l->riops = l->wiops = l->ptys = RT_UNLIMITED;
}

void rt_limits_release(struct rt_limits *l)
{
	free(l->cpuset);
	l->cpuset = NULL;
}

int rt_cpuset_parse(const char *value, char **out, struct jc_error *err)
{
	*out = NULL;
	if (!value || strcmp(value, "off") == 0 || strcmp(value, "all") == 0 ||
	    strcmp(value, "none") == 0)
		return 0;
	if (!*value || strspn(value, "0123456789,-") != strlen(value) || !isdigit((unsigned char)*value))
		return jc_error_set(err, EINVAL, "cpuset: '%s' is not a CPU list (off, all, 0,1,2 or 0-3)",
				    value);
	*out = xstrdup(value);
	return 0;
}

static const struct {
	const char *key;
	int resource;
} rlimit_keys[] = {
	{ "openfiles", RLIMIT_NOFILE },  { "memorylocked", RLIMIT_MEMLOCK },
	{ "vmemoryuse", RLIMIT_AS },     { "datasize", RLIMIT_DATA },
	{ "stacksize", RLIMIT_STACK },   { "coredumpsize", RLIMIT_CORE },
	{ "cputime", RLIMIT_CPU },
};

/* Linux has no per-jail counterpart of these (System V IPC limits are per IPC namespace
 * sysctls, wallclock has no kernel limit); they are accepted and reported. */
static const char *const no_effect_keys[] = {
	"msgqqueued", "msgqsize", "nmsgq", "nsem", "nsemop", "nshm", "shmsize", "wallclock",
};

static void set_rlimit(struct rt_limits *l, int resource, uint64_t amount)
{
	for (size_t i = 0; i < l->nrlimits; i++) {
		if (l->rlimits[i].resource == resource) {
			l->rlimits[i].value = (rlim_t)amount;
			return;
		}
	}
	if (l->nrlimits < RT_MAX_RLIMITS)
		l->rlimits[l->nrlimits++] = (struct rt_rlimit){ resource, (rlim_t)amount };
}

static long long *cgroup_slot(struct rt_limits *l, const char *key)
{
	static const char *const names[] = { "memoryuse", "swapuse", "readbps", "writebps",
					     "readiops", "writeiops", "pseudoterminals" };
	long long *slots[] = { &l->memory, &l->swap, &l->rbps, &l->wbps, &l->riops, &l->wiops,
			       &l->ptys };
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++)
		if (strcmp(key, names[i]) == 0)
			return slots[i];
	return NULL;
}

static bool is_rctl_key(const char *key)
{
	static const char *const keys[] = { "maxproc", "nthr", "pcpu" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	for (size_t i = 0; i < JC_ARRAY_SIZE(rlimit_keys); i++)
		if (strcmp(key, rlimit_keys[i].key) == 0)
			return true;
	for (size_t i = 0; i < JC_ARRAY_SIZE(no_effect_keys); i++)
		if (strcmp(key, no_effect_keys[i]) == 0)
			return true;
	return false;
}

static void apply_rctl(struct rt_limits *l, const char *key, long long v)
{
	long long *slot = cgroup_slot(l, key);
	if (slot) {
		*slot = v;
	} else if (strcmp(key, "maxproc") == 0 || strcmp(key, "nthr") == 0) {
		/* pids.max counts tasks (threads included), so both share it: the lower wins. */
		if (l->pids == RT_UNLIMITED || (v != RT_UNLIMITED && v < l->pids))
			l->pids = v;
	} else if (strcmp(key, "pcpu") == 0) {
		/* pcpu is a percentage of one CPU (may exceed 100 on several CPUs). */
		l->cpu_quota = v == RT_UNLIMITED ? v : v * (CPU_PERIOD_US / 100);
	} else {
		for (size_t i = 0; i < JC_ARRAY_SIZE(rlimit_keys); i++)
			if (strcmp(key, rlimit_keys[i].key) == 0 && v != RT_UNLIMITED)
				set_rlimit(l, rlimit_keys[i].resource, (uint64_t)v);
	}
}

int rt_limits_set(struct rt_limits *l, const char *key, const char *value, char **warning,
		  struct jc_error *err)
{
	if (warning)
		*warning = NULL;
	if (strcmp(key, "cpuset") == 0) {
		free(l->cpuset);
		return rt_cpuset_parse(value, &l->cpuset, err);
	}
	if (!cgroup_slot(l, key) && !is_rctl_key(key))
		return 0;
	struct rt_rctl r;
	int ret = rt_rctl_parse(key, value, &r, err);
	if (ret < 0 || r.action == RT_RCTL_OFF)
		return ret;
	for (size_t i = 0; i < JC_ARRAY_SIZE(no_effect_keys); i++) {
		if (strcmp(key, no_effect_keys[i]) == 0) {
			if (warning)
				*warning = xasprintf("%s=%s has no effect on Linux", key, value);
			return 0;
		}
	}
	if (!rt_rctl_enforced(&r)) {
		if (warning)
			*warning = xasprintf("%s=%s: only 'deny', 'throttle' and 'sig*' limits are "
					     "enforced on Linux, this one is not", key, value);
		return 0;
	}
	apply_rctl(l, key, r.amount > (uint64_t)INT64_MAX ? INT64_MAX : (long long)r.amount);
	return 0;
}

struct settings {
	struct rt_cg_setting *out;
	size_t n;
};

static void add(struct settings *s, const char *controller, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct settings *s, const char *controller, const char *file, const char *fmt, ...)
{
	if (s->n >= RT_MAX_SETTINGS)
		return;
	struct rt_cg_setting *e = &s->out[s->n++];
	snprintf(e->controller, sizeof(e->controller), "%s", controller);
	snprintf(e->file, sizeof(e->file), "%s", file);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->value, sizeof(e->value), fmt, ap);
	va_end(ap);
}

/* value, or unlimited_text for RT_UNLIMITED; skipped when unlimited unless all. */
static void add_num(struct settings *s, bool all, const char *controller, const char *file,
		    long long v, const char *unlimited_text)
{
	if (v != RT_UNLIMITED)
		add(s, controller, file, "%lld", v);
	else if (all)
		add(s, controller, file, "%s", unlimited_text);
}

static void v2_settings(const struct rt_limits *l, bool all, const char *blkdev, struct settings *s)
{
	add_num(s, all, "memory", "memory.max", l->memory, "max");
	add_num(s, all, "memory", "memory.swap.max", l->swap, "max");
	add_num(s, all, "pids", "pids.max", l->pids, "max");
	if (l->cpu_quota != RT_UNLIMITED)
		add(s, "cpu", "cpu.max", "%lld %d", l->cpu_quota, CPU_PERIOD_US);
	else if (all)
		add(s, "cpu", "cpu.max", "max %d", CPU_PERIOD_US);
	if (l->cpuset || all)
		add(s, "cpuset", "cpuset.cpus", "%s", l->cpuset ? l->cpuset : "");
	bool io = l->rbps != RT_UNLIMITED || l->wbps != RT_UNLIMITED ||
		  l->riops != RT_UNLIMITED || l->wiops != RT_UNLIMITED;
	if (!blkdev || !(io || all))
		return;
	char v[4][24];
	const long long vals[4] = { l->rbps, l->wbps, l->riops, l->wiops };
	for (size_t i = 0; i < 4; i++) {
		if (vals[i] == RT_UNLIMITED)
			snprintf(v[i], sizeof(v[i]), "max");
		else
			snprintf(v[i], sizeof(v[i]), "%lld", vals[i]);
	}
	add(s, "io", "io.max", "%s rbps=%s wbps=%s riops=%s wiops=%s", blkdev, v[0], v[1], v[2], v[3]);
}

static void v1_io(struct settings *s, const char *file, long long v, bool all, const char *blkdev)
{
	/* blkio: 0 removes a device's throttle rule. */
	if (v != RT_UNLIMITED || all)
		add(s, "blkio", file, "%s %lld", blkdev, v == RT_UNLIMITED ? 0 : v);
}

static void v1_settings(const struct rt_limits *l, bool all, const char *blkdev, struct settings *s)
{
	/* memsw (memory + swap) must stay >= limit_in_bytes at every write: lift it first. */
	if (all)
		add(s, "memory", "memory.memsw.limit_in_bytes", "-1");
	add_num(s, all, "memory", "memory.limit_in_bytes", l->memory, "-1");
	if (l->swap != RT_UNLIMITED && l->memory != RT_UNLIMITED)
		add(s, "memory", "memory.memsw.limit_in_bytes", "%lld", l->memory + l->swap);
	add_num(s, all, "pids", "pids.max", l->pids, "max");
	if (l->cpu_quota != RT_UNLIMITED || all) {
		add(s, "cpu", "cpu.cfs_period_us", "%d", CPU_PERIOD_US);
		add(s, "cpu", "cpu.cfs_quota_us", "%lld", l->cpu_quota);
	}
	if (l->cpuset || all)
		add(s, "cpuset", "cpuset.cpus", "%s", l->cpuset ? l->cpuset : "");
	if (blkdev) {
		v1_io(s, "blkio.throttle.read_bps_device", l->rbps, all, blkdev);
		v1_io(s, "blkio.throttle.write_bps_device", l->wbps, all, blkdev);
		v1_io(s, "blkio.throttle.read_iops_device", l->riops, all, blkdev);
		v1_io(s, "blkio.throttle.write_iops_device", l->wiops, all, blkdev);
	}
}

size_t rt_cgroup_settings(const struct rt_limits *l, bool v2, bool all, const char *blkdev,
			  struct rt_cg_setting out[RT_MAX_SETTINGS])
{
	struct settings s = { out, 0 };
	if (v2)
		v2_settings(l, all, blkdev, &s);
	else
		v1_settings(l, all, blkdev, &s);
	return s.n;
}
