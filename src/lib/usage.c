#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "storage.h"
#include "util.h"

/* zfs_nicenum (OpenZFS), bytes flavour, so the figures look like iocage's. */
char *jc_size_format(uint64_t bytes)
{
	static const char *const units[] = { "B", "K", "M", "G", "T", "P", "E" };
	uint64_t n = bytes;
	size_t index = 0;
	while (n >= 1024 && index < JC_ARRAY_SIZE(units) - 1) {
		n /= 1024;
		index++;
	}
	uint64_t base = 1ull << (10 * index);
	if (index == 0 || bytes % base == 0)
		return xasprintf("%llu%s", (unsigned long long)n, units[index]);
	/* The most precision that still fits in five characters (10239 → 10.0K). */
	char buf[32];
	double val = (double)bytes / (double)base;
	for (int prec = 2; prec >= 0; prec--)
		if (snprintf(buf, sizeof(buf), "%.*f%s", prec, val, units[index]) <= 5)
			break;
	return xstrdup(buf);
}

int jc_size_parse(const char *text, uint64_t *out)
{
	static const char units[] = "KMGT";
	if (!text || !*text)
		return -EINVAL;
	if (strcasecmp(text, "none") == 0) {
		*out = 0;
		return 0;
	}
	size_t ip = strspn(text, "0123456789");
	size_t fp = text[ip] == '.' ? strspn(text + ip + 1, "0123456789") : 0;
	size_t numlen = ip + (text[ip] == '.' ? 1 + fp : 0);
	if (ip == 0 || (text[ip] == '.' && fp == 0))
		return -EINVAL;
	const char *u = text[numlen] ? strchr(units, text[numlen] & ~0x20) : NULL;
	const char *tail = u ? text + numlen + 1 : text + numlen;
	if (*tail == 'b' || *tail == 'B')
		tail++;
	if (*tail || (!u && text[numlen]))
		return -EINVAL;
	cleanup_free char *num = xstrndup(text, numlen);
	double bytes = strtod(num, NULL) * (u ? (double)(1ull << (10 * (1 + (u - units)))) : 1.0);
	if (bytes > 9.2e18)
		return -ERANGE;
	*out = (uint64_t)(bytes + 0.5);
	return 0;
}

static char *prop_or_none(const struct jc_jail *jail, const char *key)
{
	char *v = jc_jail_get(jail, key);
	return v ? v : xstrdup("none");
}

static int df_row(struct jc_ctx *ctx, const char *name, struct jc_df_row *row, struct jc_error *err)
{
	struct jc_jail *jail = NULL;
	int r = jc_jail_open_exact(ctx, name, false, &jail, err);
	if (r < 0)
		return r;
	struct jc_usage u = { 0 };
	r = ctx->storage->usage(jail->root, &u, err);
	if (r == 0) {
		*row = (struct jc_df_row){
			.name = xstrdup(name),
			.crt = xstrdup("1.00x"),
			.res = prop_or_none(jail, "reservation"),
			.qta = prop_or_none(jail, "quota"),
			.used = u.used,
			.avail = u.available,
		};
	}
	jc_jail_free(jail);
	return r < 0 ? jc_error_wrap(err, "%s", name) : 0;
}

int jc_df(struct jc_ctx *ctx, struct jc_df_row **out, size_t *n, struct jc_error *err)
{
	int r = jc_ctx_load_defaults(ctx, err);
	if (r < 0)
		return r;
	cleanup_strv char **names = NULL;
	r = jc_jail_names(ctx, false, &names, err);
	if (r < 0)
		return r;
	size_t count = jc_strv_len(names), used = 0;
	struct jc_df_row *rows = xcalloc(count + 1, sizeof(*rows));
	for (size_t i = 0; i < count; i++) {
		struct jc_error one = { 0 };
		if (df_row(ctx, names[i], &rows[used], &one) < 0)
			jc_warning(ctx, "%s", one.msg);
		else
			used++;
	}
	*out = rows;
	*n = used;
	return 0;
}

void jc_df_rows_free(struct jc_df_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].crt);
		free(rows[i].res);
		free(rows[i].qta);
	}
	free(rows);
}

/* Put config_backup.json back as config.json, if config.json still holds the quota that
 * failed (a concurrent set in between wins). */
static void revert_quota(struct jc_ctx *ctx, struct jc_jail *jail, const char *failed)
{
	struct jc_error ignored = { 0 };
	cleanup_close int lock_fd = -1;
	if (jc_jail_lock(ctx, jail->name, &lock_fd, &ignored) < 0)
		return;
	jc_jail_reload(ctx, jail, &ignored);
	cleanup_free char *now = jc_jail_get(jail, "quota");
	if (!jc_streq(now, failed))
		return;
	cleanup_free char *cfg = xasprintf("%s/config.json", jail->dir);
	cleanup_free char *backup = xasprintf("%s/config_backup.json", jail->dir);
	if (jc_copy_file_atomic(backup, cfg, &ignored) == 0)
		jc_jail_reload(ctx, jail, &ignored);
}

int jc_jail_apply_quota(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	cleanup_free char *text = prop_or_none(jail, "quota");
	uint64_t bytes = 0;
	if (jc_size_parse(text, &bytes) < 0)
		return jc_error_set(err, EINVAL, "%s: quota '%s' is not a size", jail->name, text);
	int r = ctx->storage->set_quota(jail->root, bytes, err);
	if (r == 0)
		return 0;
	revert_quota(ctx, jail, text);
	char why[JC_ERROR_MSG_MAX];
	snprintf(why, sizeof(why), "%s", err ? err->msg : "");
	return jc_error_set(err, -r, "%s: %s (nothing changed)", jail->name, why);
}
