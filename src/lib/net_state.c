/* The record of what a start built, <run_dir>/net/<pool_id>/<NAME>.json: host-side links,
 * nftables chains, the NAT /30 and forwards, DHCP clients, and the jail's init (pid and
 * start time). It is written before the things it names are made, so teardown can undo a
 * start that crashed half way. Records whose init is alive tell NAT allocation which
 * addresses and host ports are taken, on every pool of the host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "net_priv.h"
#include "util.h"

static char *net_dir(const struct jc_ctx *ctx)
{
	return xasprintf("%s/net", ctx->paths.run_dir);
}

char *net_record_path(const struct jc_ctx *ctx, const char *name)
{
	return xasprintf("%s/net/%s/%s.json", ctx->paths.run_dir, ctx->pool_id, name);
}

int net_record_save(const char *path, json_t *rec, struct jc_error *err)
{
	cleanup_free char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	int r = jc_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	cleanup_free char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		abort();
	/* Runtime state does not outlive the host: no fsync, but temp file and rename so a
	 * reader never sees a torn record. */
	cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return jc_error_errno(err, e, "%s: write", path);
	}
	return 0;
}

int net_record_load(const char *path, json_t **out, struct jc_error *err)
{
	json_t *rec = NULL;
	struct jc_error e = { 0 };
	int r = jc_json_read_object(path, &rec, &e);
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		*err = e;
		return r;
	}
	*out = rec;
	return 0;
}

int net_lock(const struct jc_ctx *ctx, int *out_fd, struct jc_error *err)
{
	cleanup_free char *dir = net_dir(ctx);
	int r = jc_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	cleanup_free char *path = xasprintf("%s/.lock", dir);
	return jc_lock_file(path, out_fd, err);
}

unsigned long long net_pid_start(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *text = NULL;
	size_t len;
	struct jc_error ignored = { 0 };
	if (pid <= 0 || jc_read_file(path, &text, &len, &ignored) < 0)
		return 0;
	/* The command name may hold blanks and parentheses: fields start after the last ')'. */
	char *p = strrchr(text, ')');
	if (!p)
		return 0;
	cleanup_strv char **f = jc_strsplit(p + 1, " ");
	if (jc_strv_len(f) < 20 || f[0][0] == 'Z' || f[0][0] == 'X')
		return 0;
	return strtoull(f[19], NULL, 10);
}

static bool record_alive(json_t *rec)
{
	pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "init_pid"));
	unsigned long long start = (unsigned long long)json_integer_value(
		json_object_get(rec, "init_start"));
	return start != 0 && net_pid_start(pid) == start;
}

static void scan_pool(const char *dir, const char *pool, const char *skip_pool,
		      const char *skip_name, json_t *out)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		cleanup_free char *name = xstrndup(de->d_name, len - 5);
		if (jc_streq(pool, skip_pool) && jc_streq(name, skip_name))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", dir, de->d_name);
		json_t *rec = NULL;
		struct jc_error ignored = { 0 };
		if (net_record_load(path, &rec, &ignored) < 0)
			continue;
		if (record_alive(rec))
			json_array_append(out, rec);
		json_decref(rec);
	}
}

json_t *net_live_records(const struct jc_ctx *ctx, const char *skip_pool, const char *skip_name)
{
	json_t *out = json_array();
	cleanup_free char *dir = net_dir(ctx);
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
		scan_pool(sub, de->d_name, skip_pool, skip_name, out);
	}
	return out;
}
