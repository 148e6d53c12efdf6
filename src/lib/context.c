#include "context.h"

#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "config.h"
#include "pool.h"
#include "storage.h"
#include "util.h"

void jc_ctx_init(struct jc_ctx *ctx, jc_msg_fn fn, void *user)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->paths = (struct jc_host_paths){
		.default_pool = "/var/lib/jailctl",
		.run_dir = "/run/jailctl",
		.mnt_dir = "/mnt",
		.pool_registry = "/var/lib/jailctl/pools.list",
		.exports = "/etc/exports",
		.exports_d = "/etc/exports.d",
		.smb_conf = "/etc/samba/smb.conf",
		.mountinfo = "/proc/self/mountinfo",
	};
	ctx->msg = fn;
	ctx->msg_user = user;
}

static void reap_children(struct jc_ctx *ctx)
{
	size_t kept = 0;
	for (size_t i = 0; i < ctx->nchildren; i++)
		if (waitpid(ctx->children[i], NULL, WNOHANG) == 0)
			ctx->children[kept++] = ctx->children[i];
	ctx->nchildren = kept;
}

void jc_ctx_add_child(struct jc_ctx *ctx, pid_t pid)
{
	reap_children(ctx);
	ctx->children = xrealloc(ctx->children, (ctx->nchildren + 1) * sizeof(pid_t));
	ctx->children[ctx->nchildren++] = pid;
}

void jc_ctx_release(struct jc_ctx *ctx)
{
	reap_children(ctx);
	free(ctx->children);
	ctx->children = NULL;
	ctx->nchildren = 0;
	free(ctx->pool);
	free(ctx->iocroot);
	free(ctx->pool_id);
	ctx->pool_id = NULL;
	json_decref(ctx->defaults);
	ctx->pool = ctx->iocroot = NULL;
	ctx->defaults = NULL;
}

/* Host-global names (cgroups, runtime dirs) carry the pool's identity so that two pools
 * on one host, or two test runs side by side, never collide: a 48-bit FNV-1a hash of the
 * pool path. Not cryptographic on purpose: it runs on every command, and initialising
 * OpenSSL for it cost a sixth of an `exec` (docs/BENCHMARKS.md). */
static char *pool_id_for(const char *pool)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)pool; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return xasprintf("%012llx", (unsigned long long)(h >> 16));
}

int jc_ctx_open_pool(struct jc_ctx *ctx, struct jc_error *err)
{
	if (ctx->pool)
		return 0;
	cleanup_free char *pool = NULL;
	int r = jc_pool_resolve(ctx, &pool, err);
	if (r < 0)
		return r;
	r = jc_storage_for_path(pool, &ctx->storage, err);
	if (r < 0)
		return r;
	r = jc_pool_create_tree(pool, ctx->storage, err);
	if (r < 0)
		return r;
	ctx->iocroot = xasprintf("%s/iocage", pool);
	ctx->pool_id = pool_id_for(pool);
	ctx->pool = steal_ptr(pool);
	jc_debug(ctx, "pool %s (%s back end)", ctx->pool, ctx->storage->name);
	return 0;
}

int jc_ctx_load_defaults(struct jc_ctx *ctx, struct jc_error *err)
{
	if (ctx->defaults)
		return 0;
	int r = jc_ctx_open_pool(ctx, err);
	if (r < 0)
		return r;
	return jc_defaults_load(ctx, &ctx->defaults, &ctx->defaults_corrupt, err);
}

static void emit(const struct jc_ctx *ctx, enum jc_msg_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void emit(const struct jc_ctx *ctx, enum jc_msg_level level, const char *fmt, va_list ap)
{
	if (!ctx->msg || (level == JC_MSG_DEBUG && !ctx->debug))
		return;
	cleanup_free char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	ctx->msg(ctx->msg_user, level, text);
}

void jc_notice(const struct jc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(ctx, JC_MSG_NOTICE, fmt, ap);
	va_end(ap);
}

void jc_warning(const struct jc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(ctx, JC_MSG_WARNING, fmt, ap);
	va_end(ap);
}

void jc_progress(const struct jc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(ctx, JC_MSG_PROGRESS, fmt, ap);
	va_end(ap);
}

void jc_debug(const struct jc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(ctx, JC_MSG_DEBUG, fmt, ap);
	va_end(ap);
}
