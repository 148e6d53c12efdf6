/* General property validators; the network ones live in validate_net.c. Each accepts
 * iocage's syntax, refuses what iocage only lets through by accident (its checks are
 * substring tests), and hands back one canonical spelling to store. On error *norm is
 * left untouched. */
#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

/* Values quoted in messages are cut here so one bad value cannot flood a terminal. */
enum { SHOWN_MAX = 120, TEXT_MAX = 8192, PATH_MAX_LEN = 4095 };

static const char *prop_name(const struct jc_prop *p)
{
	return p && p->name ? p->name : "value";
}

/* Length of the UTF-8 sequence at s and its code point; 0 when broken or overlong. */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
	size_t n;
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool is_control(unsigned cp, bool allow_tab)
{
	if (cp == '\t')
		return !allow_tab;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

bool jc_text_is_clean(const char *s, bool allow_tab)
{
	const unsigned char *u = (const unsigned char *)s;
	while (u && *u) {
		unsigned cp;
		size_t n = utf8_decode(u, &cp);
		if (n == 0 || is_control(cp, allow_tab))
			return false;
		u += n;
	}
	return u != NULL;
}

void jc_validate_scrub(struct jc_error *err)
{
	if (!err)
		return;
	unsigned char *u = (unsigned char *)err->msg;
	while (*u) {
		unsigned cp;
		size_t n = utf8_decode(u, &cp);
		if (n == 0 || is_control(cp, false)) {
			*u++ = '?';
			continue;
		}
		u += n;
	}
}

int jc_validate_fail(const struct jc_prop *p, const char *shown, struct jc_error *err,
		     const char *fmt, ...)
{
	char rest[JC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	if (!shown)
		shown = "";
	size_t len = strlen(shown);
	int r = jc_error_set(err, EINVAL, "%s: '%.*s%s'%s", prop_name(p), SHOWN_MAX, shown,
			     len > SHOWN_MAX ? "..." : "", rest);
	jc_validate_scrub(err);
	return r;
}

int jc_validate_emit(char **norm, const char *text)
{
	if (norm)
		*norm = xstrdup(text);
	return 0;
}

static int emit_owned(char **norm, char *text)
{
	if (norm)
		*norm = text;
	else
		free(text);
	return 0;
}

static int missing(const struct jc_prop *p, struct jc_error *err)
{
	return jc_error_set(err, EINVAL, "%s: no value given", prop_name(p));
}

bool jc_parse_uint_range(const char *s, unsigned long long min, unsigned long long max,
			 unsigned long long *out)
{
	unsigned long long v = 0;
	if (!s || !*s)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		unsigned d = (unsigned)(*c - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return false;
	if (out)
		*out = v;
	return true;
}

bool jc_list_has_empty_field(const char *s, char sep)
{
	size_t len = strlen(s);
	char dbl[3] = { sep, sep, '\0' };
	return len == 0 || s[0] == sep || s[len - 1] == sep || strstr(s, dbl) != NULL;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Case-insensitive match against choices; stores the choice's own spelling. */
static int choose(const struct jc_prop *p, const char *v, const char *const *choices, size_t n,
		  char **norm, struct jc_error *err)
{
	char list[256] = "";
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(v, choices[i]) == 0)
			return jc_validate_emit(norm, choices[i]);
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", choices[i]);
	}
	return jc_validate_fail(p, v, err, " must be one of %s", list);
}

int jc_validate_any(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	return jc_validate_emit(norm, v);
}

int jc_validate_bool(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	if (!v)
		return missing(p, err);
	for (size_t i = 0; i < JC_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return jc_validate_emit(norm, "1");
		if (strcasecmp(v, no[i]) == 0)
			return jc_validate_emit(norm, "0");
	}
	return jc_validate_fail(p, v, err, " is not a boolean (use 0 1 on off yes no true false)");
}

static int uint_in(const struct jc_prop *p, const char *v, unsigned long long min,
		   unsigned long long max, char **norm, struct jc_error *err)
{
	unsigned long long n;
	if (!v)
		return missing(p, err);
	if (!jc_parse_uint_range(v, min, max, &n))
		return jc_validate_fail(p, v, err, " is not an integer from %llu to %llu", min, max);
	return emit_owned(norm, xasprintf("%llu", n));
}

int jc_validate_priority(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	return uint_in(p, v, 1, 99, norm, err);
}

int jc_validate_uint(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	return uint_in(p, v, 0, INT_MAX, norm, err);
}

int jc_validate_securelevel(const struct jc_prop *p, const char *v, char **norm,
			     struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcmp(v, "-1") == 0)
		return jc_validate_emit(norm, "-1");
	unsigned long long n;
	if (!jc_parse_uint_range(v, 0, 3, &n))
		return jc_validate_fail(p, v, err, " is not an integer from -1 to 3");
	return emit_owned(norm, xasprintf("%llu", n));
}

int jc_validate_new_inherit_disable(const struct jc_prop *p, const char *v, char **norm,
				    struct jc_error *err)
{
	static const char *const c[] = { "new", "inherit", "disable" };
	if (!v)
		return missing(p, err);
	/* iocage's fix_properties turns legacy ip4/ip6=none into disable. */
	if (p && (jc_streq(p->name, "ip4") || jc_streq(p->name, "ip6")) && strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "disable");
	return choose(p, v, c, JC_ARRAY_SIZE(c), norm, err);
}

int jc_validate_enforce_statfs(const struct jc_prop *p, const char *v, char **norm,
			       struct jc_error *err)
{
	static const char *const c[] = { "0", "1", "2" };
	if (!v)
		return missing(p, err);
	return choose(p, v, c, JC_ARRAY_SIZE(c), norm, err);
}

int jc_validate_nat_backend(const struct jc_prop *p, const char *v, char **norm,
			    struct jc_error *err)
{
	static const char *const c[] = { "pf", "ipfw" };
	if (!v)
		return missing(p, err);
	return choose(p, v, c, JC_ARRAY_SIZE(c), norm, err);
}

int jc_validate_type(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	static const char *const c[] = { "jail", "template", "pluginv2", "plugin", "basejail",
					 "clonejail" };
	if (!v)
		return missing(p, err);
	return choose(p, v, c, JC_ARRAY_SIZE(c), norm, err);
}

int jc_validate_onoff(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	static const char *const c[] = { "on", "off", "verify" };
	if (!v)
		return missing(p, err);
	return choose(p, v, c, JC_ARRAY_SIZE(c), norm, err);
}

int jc_validate_zfs_compression(const struct jc_prop *p, const char *v, char **norm,
				struct jc_error *err)
{
	static const char *const plain[] = { "on", "off", "lz4", "gzip", "zle", "lzjb", "zstd" };
	if (!v)
		return missing(p, err);
	for (size_t i = 0; i < JC_ARRAY_SIZE(plain); i++)
		if (strcasecmp(v, plain[i]) == 0)
			return jc_validate_emit(norm, plain[i]);
	unsigned long long level;
	if (strncasecmp(v, "gzip-", 5) == 0 && jc_parse_uint_range(v + 5, 1, 9, &level))
		return emit_owned(norm, xasprintf("gzip-%llu", level));
	if (strncasecmp(v, "zstd-", 5) == 0 && jc_parse_uint_range(v + 5, 1, 19, &level))
		return emit_owned(norm, xasprintf("zstd-%llu", level));
	return jc_validate_fail(p, v, err, " must be one of on, off, lz4, gzip, gzip-1..gzip-9, "
				"zle, lzjb, zstd, zstd-1..zstd-19");
}

int jc_validate_single_line(const struct jc_prop *p, const char *v, char **norm,
			    struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strlen(v) > TEXT_MAX)
		return jc_validate_fail(p, v, err, " is longer than %d bytes", TEXT_MAX);
	if (!jc_text_is_clean(v, true))
		return jc_validate_fail(p, v, err,
					" must be one line of text (no line breaks or control characters, valid UTF-8)");
	return jc_validate_emit(norm, v);
}

/* ---- RCTL limits ---------------------------------------------------------------- */

static const char *const rctl_no_suffix[] = {
	"cputime", "maxproc", "openfiles", "pseudoterminals", "nthr", "msgqqueued",
	"nmsgq", "nsem", "nsemop", "nshm", "wallclock", "pcpu",
};
static const char *const rctl_io[] = { "readbps", "writebps", "readiops", "writeiops" };
static const char *const rctl_no_deny[] = {
	"cputime", "wallclock", "readbps", "writebps", "readiops", "writeiops",
};
/* Signal names rctl(8) and Linux share. */
static const char *const rctl_signals[] = {
	"sighup", "sigint", "sigquit", "sigill", "sigtrap", "sigabrt", "sigbus", "sigfpe",
	"sigkill", "sigusr1", "sigsegv", "sigusr2", "sigpipe", "sigalrm", "sigterm", "sigchld",
	"sigcont", "sigstop", "sigtstp", "sigttin", "sigttou", "sigurg", "sigxcpu", "sigxfsz",
	"sigvtalrm", "sigprof", "sigwinch", "sigio", "sigsys",
};

static int rctl_action(const struct jc_prop *p, const char *v, const char *action,
		       struct jc_error *err)
{
	const char *name = prop_name(p);
	bool io = in_list(name, rctl_io, JC_ARRAY_SIZE(rctl_io));
	if (strcmp(action, "deny") == 0) {
		if (in_list(name, rctl_no_deny, JC_ARRAY_SIZE(rctl_no_deny)))
			return jc_validate_fail(p, v, err, ": deny is not supported for %s", name);
		return 0;
	}
	if (strcmp(action, "throttle") == 0) {
		if (!io)
			return jc_validate_fail(p, v, err, ": throttle is only supported for readbps, "
						"writebps, readiops and writeiops");
		return 0;
	}
	if (strcmp(action, "log") == 0 || strcmp(action, "devctl") == 0 ||
	    in_list(action, rctl_signals, JC_ARRAY_SIZE(rctl_signals)))
		return 0;
	return jc_validate_fail(p, v, err, ": action must be deny, log, devctl, throttle or a "
				"signal such as sigterm");
}

static int rctl_amount(const struct jc_prop *p, const char *v, const char *amount,
		       char *suffix, unsigned long long *n, struct jc_error *err)
{
	static const char units[] = "bkmgtp";
	size_t digits = strspn(amount, "0123456789");
	const char *unit = amount[digits] ? strchr(units, tolower((unsigned char)amount[digits])) : NULL;
	cleanup_free char *num = xstrndup(amount, digits);
	*suffix = '\0';
	if (digits == 0 || (amount[digits] && (!unit || amount[digits + 1])))
		return jc_validate_fail(p, v, err, ": amount must be a whole number with an optional "
					"b, k, m, g, t or p suffix");
	if (unit) {
		if (in_list(prop_name(p), rctl_no_suffix, JC_ARRAY_SIZE(rctl_no_suffix)))
			return jc_validate_fail(p, v, err, ": %s takes a plain number, without a unit "
						"suffix", prop_name(p));
		*suffix = *unit;
	}
	unsigned shift = unit ? 10u * (unsigned)(unit - units) : 0;
	if (!jc_parse_uint_range(num, 0, (unsigned long long)INT64_MAX >> shift, n))
		return jc_validate_fail(p, v, err, ": amount is too large");
	if (jc_streq(prop_name(p), "pcpu") && (*n < 1 || *n > 100 * 1024))
		return jc_validate_fail(p, v, err, ": pcpu must be from 1 to 102400 (percent of one CPU)");
	return 0;
}

int jc_validate_rctl(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "off") == 0)
		return jc_validate_emit(norm, "off");
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || eq - v > 16)
		return jc_validate_fail(p, v, err, " must be off or ACTION=AMOUNT, e.g. deny=512m");
	char action[17];
	size_t alen = (size_t)(eq - v);
	for (size_t i = 0; i < alen; i++)
		action[i] = (char)tolower((unsigned char)v[i]);
	action[alen] = '\0';
	char suffix = '\0';
	unsigned long long n = 0;
	int r = rctl_action(p, v, action, err);
	if (r == 0)
		r = rctl_amount(p, v, eq + 1, &suffix, &n, err);
	if (r < 0)
		return r;
	if (suffix)
		return emit_owned(norm, xasprintf("%s=%llu%c", action, n, suffix));
	return emit_owned(norm, xasprintf("%s=%llu", action, n));
}

/* ---- cpuset ----------------------------------------------------------------------- */

static unsigned long long host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? (unsigned long long)n : 1;
}

static int cpuset_range(const struct jc_prop *p, const char *v, const char *s,
			unsigned long long ncpu, char **norm, struct jc_error *err)
{
	const char *dash = strchr(s, '-');
	cleanup_free char *a = xstrndup(s, (size_t)(dash - s));
	unsigned long long lo, hi;
	if (!jc_parse_uint_range(a, 0, ULLONG_MAX, &lo) ||
	    !jc_parse_uint_range(dash + 1, 0, ULLONG_MAX, &hi))
		return jc_validate_fail(p, v, err, " must be off, all, a list like 0,1,2 or a range like 0-3");
	if (lo >= hi)
		return jc_validate_fail(p, v, err, ": the range must go from a lower to a higher CPU");
	if (hi >= ncpu)
		return jc_validate_fail(p, v, err, ": CPU %llu does not exist (this host has CPUs 0-%llu)",
					hi, ncpu - 1);
	return emit_owned(norm, xasprintf("%llu-%llu", lo, hi));
}

static int cpuset_list(const struct jc_prop *p, const char *v, const char *s,
		       unsigned long long ncpu, char **norm, struct jc_error *err)
{
	if (jc_list_has_empty_field(s, ','))
		return jc_validate_fail(p, v, err, " must be off, all, a list like 0,1,2 or a range like 0-3");
	cleanup_strv char **cpus = jc_strsplit(s, ",");
	cleanup_free bool *seen = xcalloc((size_t)ncpu, sizeof(bool));
	cleanup_free char *out = xstrdup("");
	for (size_t i = 0; cpus[i]; i++) {
		unsigned long long c;
		if (!jc_parse_uint_range(cpus[i], 0, ULLONG_MAX, &c))
			return jc_validate_fail(p, v, err, " must be off, all, a list like 0,1,2 or a "
						"range like 0-3");
		if (c >= ncpu)
			return jc_validate_fail(p, v, err, ": CPU %llu does not exist (this host has "
						"CPUs 0-%llu)", c, ncpu - 1);
		if (seen[c])
			return jc_validate_fail(p, v, err, ": CPU %llu is listed twice", c);
		seen[c] = true;
		char *next = xasprintf("%s%s%llu", out, i ? "," : "", c);
		free(out);
		out = next;
	}
	return emit_owned(norm, steal_ptr(out));
}

int jc_validate_cpuset(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	cleanup_free char *s = jc_strdup_nospace(v);
	if (strcasecmp(s, "off") == 0 || strcasecmp(s, "all") == 0) {
		for (char *c = s; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		return emit_owned(norm, steal_ptr(s));
	}
	if (strchr(s, '-') && !strchr(s, ','))
		return cpuset_range(p, v, s, host_cpus(), norm, err);
	return cpuset_list(p, v, s, host_cpus(), norm, err);
}

/* ---- identity, sizes, names, paths -------------------------------------------------- */

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static char *lower_dup(const char *s)
{
	char *out = xstrdup(s);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return out;
}

int jc_validate_hostid(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	size_t len = strlen(v);
	bool uuid = len == 36 && v[8] == '-' && v[13] == '-' && v[18] == '-' && v[23] == '-' &&
		    all_hex(v, 8) && all_hex(v + 9, 4) && all_hex(v + 14, 4) && all_hex(v + 19, 4) &&
		    all_hex(v + 24, 12);
	if (!uuid && !(len == 8 && all_hex(v, 8)))
		return jc_validate_fail(p, v, err, " must be none, a UUID or 8 hex digits");
	return emit_owned(norm, lower_dup(v));
}

int jc_validate_size(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	static const char units[] = "KMGT";
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	size_t ip = strspn(v, "0123456789");
	size_t fp = v[ip] == '.' ? strspn(v + ip + 1, "0123456789") : 0;
	size_t numlen = ip + (v[ip] == '.' ? 1 + fp : 0);
	const char *u = v[numlen] ? strchr(units, toupper((unsigned char)v[numlen])) : NULL;
	const char *tail = u ? v + numlen + 1 : v + numlen;
	if (*tail == 'b' || *tail == 'B')
		tail++;
	if (ip == 0 || (v[ip] == '.' && fp == 0) || !u || *tail)
		return jc_validate_fail(p, v, err, " must be none or a size with a K, M, G or T "
					"suffix, e.g. 20G");
	cleanup_free char *num = xstrndup(v, numlen);
	double bytes = strtod(num, NULL) * (double)(1ull << (10 * (1 + (u - units))));
	if (bytes < 1)
		return jc_validate_fail(p, v, err, " must be more than zero (none means no limit)");
	if (bytes > 9.2e18)
		return jc_validate_fail(p, v, err, " is too large");
	const char *start = num;
	while (start[0] == '0' && start[1] >= '0' && start[1] <= '9')
		start++;
	return emit_owned(norm, xasprintf("%s%c", start, *u));
}

int jc_validate_jail_name(const char *name, struct jc_error *err)
{
	static const char *const reserved[] = { ".", "..", "default", "help", "ALL" };
	if (!name || !*name)
		return jc_error_set(err, EINVAL, "jail name is empty");
	size_t len = strlen(name);
	size_t good = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789._-");
	int r = 0;
	if (len > 63)
		r = jc_error_set(err, EINVAL, "'%.63s...': jail names are at most 63 characters", name);
	else if (good != len)
		r = jc_error_set(err, EINVAL, "'%s': invalid character in jail name (allowed: letters, "
				 "digits, '.', '_' and '-')", name);
	else if (in_list(name, reserved, JC_ARRAY_SIZE(reserved)))
		r = jc_error_set(err, EINVAL, "'%s' is a reserved name and cannot name a jail", name);
	jc_validate_scrub(err);
	return r;
}

int jc_validate_depends(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	cleanup_strv char **names = jc_strsplit(v, " \t");
	if (!names[0])
		return jc_validate_fail(p, v, err, " must be none or jail names separated by spaces");
	for (size_t i = 0; names[i]; i++) {
		if (jc_validate_jail_name(names[i], err) < 0)
			return jc_error_wrap(err, "%s", prop_name(p));
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return jc_validate_fail(p, names[i], err, " is listed twice");
	}
	return emit_owned(norm, jc_strv_join(names, " "));
}

int jc_validate_username(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	unsigned long long uid;
	if (v[0] >= '0' && v[0] <= '9') {
		if (!jc_parse_uint_range(v, 0, 4294967294ull, &uid))
			return jc_validate_fail(p, v, err, " is not a valid uid (0-4294967294)");
		return emit_owned(norm, xasprintf("%llu", uid));
	}
	size_t len = strlen(v);
	size_t body = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	bool ok = len >= 1 && len <= 32 && (v[0] == '_' || (v[0] >= 'a' && v[0] <= 'z')) &&
		  (body == len || (body == len - 1 && v[len - 1] == '$'));
	if (!ok)
		return jc_validate_fail(p, v, err, " is not a valid user name (lower-case letters, "
					"digits, '_' and '-', at most 32) or uid");
	return jc_validate_emit(norm, v);
}

int jc_validate_abs_path_or_none(const struct jc_prop *p, const char *v, char **norm,
				 struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	if (v[0] != '/' || strlen(v) > PATH_MAX_LEN || !jc_text_is_clean(v, false))
		return jc_validate_fail(p, v, err, " must be none or an absolute path");
	cleanup_strv char **parts = jc_strsplit(v, "/");
	cleanup_free char *out = xstrdup("");
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], "..") == 0)
			return jc_validate_fail(p, v, err, " must not contain '..'");
		if (strcmp(parts[i], ".") == 0)
			continue;
		char *next = xasprintf("%s/%s", out, parts[i]);
		free(out);
		out = next;
	}
	if (!*out)
		return jc_validate_fail(p, v, err, " must not be the jail's root directory");
	return emit_owned(norm, steal_ptr(out));
}

int jc_validate_dataset(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err)
{
	if (!v)
		return missing(p, err);
	if (strcasecmp(v, "none") == 0)
		return jc_validate_emit(norm, "none");
	if (jc_list_has_empty_field(v, '/') || strlen(v) > PATH_MAX_LEN)
		return jc_validate_fail(p, v, err, " must be none or a relative path like "
					"iocage/jails/NAME/data");
	cleanup_strv char **parts = jc_strsplit(v, "/");
	for (size_t i = 0; parts[i]; i++) {
		size_t len = strlen(parts[i]);
		if (strspn(parts[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789._:-") != len ||
		    strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0 || len > 255)
			return jc_validate_fail(p, v, err, ": '%s' is not a valid dataset name "
						"(letters, digits, '.', '_', ':' and '-')", parts[i]);
	}
	return jc_validate_emit(norm, v);
}
