/* The host's proxy setting (http_proxy / https_proxy, `create -S`) inside a jail: lines in
 * /etc/environment and, for releases with apt, /etc/apt/apt.conf.d/90jailctl-proxy.
 * Written at every start from the effective values, through rootfs.h so a symlink in the
 * jail can never redirect the write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "props.h"
#include "rootfs.h"
#include "util.h"

#define APT_DIR "etc/apt/apt.conf.d"
#define APT_FILE "90jailctl-proxy"

static const char *const env_keys[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY" };

/* The value as validated, or NULL for none. Quotes, backslashes, ';' and '$' are refused
 * too: the URL ends up between quotes in apt's configuration. */
static int proxy_value(const struct jc_jail *jail, const char *key, char **out,
		       struct jc_error *err)
{
	const struct jc_prop *prop = jc_prop_find(key);
	cleanup_free char *text = jc_jail_get(jail, key);
	cleanup_free char *norm = NULL;
	*out = NULL;
	if (jc_prop_validate(prop, text ? text : prop->def, &norm, err) < 0)
		return jc_error_wrap(err, "%s", jail->name);
	if (strcmp(norm, "none") == 0)
		return 0;
	if (strpbrk(norm, "\"'\\;$`"))
		return jc_error_set(err, EINVAL, "%s: %s: '%s' holds characters a proxy URL must "
				    "percent-encode", jail->name, key, norm);
	*out = steal_ptr(norm);
	return 0;
}

static bool is_proxy_line(const char *line)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(env_keys); i++) {
		size_t len = strlen(env_keys[i]);
		if (strncmp(line, env_keys[i], len) == 0 && line[len] == '=')
			return true;
	}
	return false;
}

static char *render_environment(const char *old, const char *http, const char *https)
{
	char *out = xstrdup("");
	cleanup_strv char **lines = jc_strsplit(old ? old : "", "\n");
	for (size_t i = 0; lines[i]; i++) {
		if (is_proxy_line(lines[i]))
			continue;
		char *next = xasprintf("%s%s\n", out, lines[i]);
		free(out);
		out = next;
	}
	const char *vals[] = { http, http, https, https };
	for (size_t i = 0; i < JC_ARRAY_SIZE(env_keys); i++) {
		if (!vals[i])
			continue;
		char *next = xasprintf("%s%s=%s\n", out, env_keys[i], vals[i]);
		free(out);
		out = next;
	}
	return out;
}

static int write_environment(const char *root, const char *http, const char *https,
			     struct jc_error *err)
{
	cleanup_free char *old = NULL;
	struct jc_error ignored = { 0 };
	if (jc_rootfs_read_file(root, "etc/environment", &old, &ignored) < 0 && !http && !https)
		return 0;   /* nothing to remove, nothing to add */
	cleanup_free char *text = render_environment(old, http, https);
	if (old && strcmp(old, text) == 0)
		return 0;
	return jc_rootfs_write_file(root, "etc/environment", text, strlen(text), 0644, err);
}

static int write_apt(const char *root, const char *http, const char *https,
		     struct jc_error *err)
{
	struct jc_error ignored = { 0 };
	int apt = jc_rootfs_open(root, "etc/apt", O_PATH | O_DIRECTORY, 0, &ignored);
	if (apt < 0)
		return 0;   /* no apt in this release */
	close(apt);
	if (!http && !https) {
		int dir = jc_rootfs_open(root, APT_DIR, O_PATH | O_DIRECTORY, 0, &ignored);
		if (dir < 0)
			return 0;
		int r = unlinkat(dir, APT_FILE, 0) < 0 && errno != ENOENT
			? jc_error_errno(err, errno, "%s/%s/%s", root, APT_DIR, APT_FILE) : 0;
		close(dir);
		return r;
	}
	char *text = xstrdup("// Written by jailctl from http_proxy / https_proxy.\n");
	const char *vals[] = { http, https };
	const char *names[] = { "http", "https" };
	for (size_t i = 0; i < 2; i++) {
		if (!vals[i])
			continue;
		char *next = xasprintf("%sAcquire::%s::Proxy \"%s\";\n", text, names[i], vals[i]);
		free(text);
		text = next;
	}
	int r = jc_rootfs_write_file(root, APT_DIR "/" APT_FILE, text, strlen(text), 0644, err);
	free(text);
	return r;
}

int jc_net_proxy_values(const struct jc_jail *jail, char **http, char **https,
			struct jc_error *err)
{
	*https = NULL;
	int r = proxy_value(jail, "http_proxy", http, err);
	if (r == 0)
		r = proxy_value(jail, "https_proxy", https, err);
	if (r < 0) {
		free(steal_ptr(*http));
		free(steal_ptr(*https));
	}
	return r;
}

int jc_net_write_proxy(const char *root, const char *http, const char *https,
		       struct jc_error *err)
{
	int r = write_environment(root, http, https, err);
	if (r == 0)
		r = write_apt(root, http, https, err);
	return r;
}
