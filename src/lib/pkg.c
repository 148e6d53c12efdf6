/* Package managers of Linux releases: detection, package lists, argv building and the
 * apt suite rewrite (see pkg.h). */
#include "pkg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "release_priv.h"
#include "rootfs.h"
#include "util.h"

enum { PKG_NAME_MAX = 255 };

bool jc_pkg_name_valid(const char *name)
{
	if (!name || !isalnum((unsigned char)name[0]) || strlen(name) > PKG_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+._:-", *p))
			return false;
	return true;
}

static int pkglist_from_json(json_t *doc, const char *what, char ***out, struct jc_error *err)
{
	json_t *pkgs = json_is_object(doc) ? json_object_get(doc, "pkgs") : NULL;
	if (!json_is_array(pkgs))
		return jc_error_set(err, EINVAL, "%s: expected {\"pkgs\": [\"name\", ...]}", what);
	if (json_array_size(pkgs) == 0)
		return jc_error_set(err, EINVAL, "%s: the package list is empty", what);
	cleanup_strv char **v = xcalloc(1, sizeof(char *));
	size_t i;
	json_t *p;
	json_array_foreach(pkgs, i, p) {
		const char *name = json_string_value(p);
		if (!name)
			return jc_error_set(err, EINVAL, "%s: pkgs[%zu] is not a string", what, i);
		if (!jc_pkg_name_valid(name))
			return jc_error_set(err, EINVAL, "%s: '%s' is not a valid package name", what, name);
		jc_strv_push(&v, name);
	}
	*out = steal_ptr(v);
	return 0;
}

int jc_pkglist_parse(const char *text, const char *what, char ***out, struct jc_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return jc_error_set(err, EINVAL, "%s: not valid JSON: %s (line %d)", what, jerr.text,
				    jerr.line);
	int r = pkglist_from_json(doc, what, out, err);
	json_decref(doc);
	return r;
}

int jc_pkglist_load(const char *path, char ***out, struct jc_error *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = jc_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	if (strlen(text) != len)
		return jc_error_set(err, EINVAL, "%s: not valid JSON (NUL byte)", path);
	return jc_pkglist_parse(text, path, out, err);
}

static bool has_file(const char *root, const char *rel)
{
	struct jc_error ignore = { 0 };
	int fd = jc_rootfs_open(root, rel, O_PATH | O_CLOEXEC, 0, &ignore);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

enum jc_pkg_manager jc_pkg_detect(const char *root)
{
	if (has_file(root, "usr/bin/apt-get"))
		return JC_PKG_APT;
	if (has_file(root, "sbin/apk"))
		return JC_PKG_APK;
	return JC_PKG_NONE;
}

const char *jc_pkg_manager_name(enum jc_pkg_manager m)
{
	return m == JC_PKG_APT ? "apt-get" : m == JC_PKG_APK ? "apk" : "none";
}

static bool proxy_set(const char *p)
{
	return p && *p && strcmp(p, "none") != 0;
}

char **jc_pkg_argv(enum jc_pkg_manager m, const char *http_proxy, const char *https_proxy,
		   char *const args[])
{
	char **v = xcalloc(1, sizeof(char *));
	static const char *const head[] = { "/usr/bin/env", "-i",
					    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					    "HOME=/root", "LC_ALL=C" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(head); i++)
		jc_strv_push(&v, head[i]);
	if (m == JC_PKG_APT)
		jc_strv_push(&v, "DEBIAN_FRONTEND=noninteractive");
	if (proxy_set(http_proxy)) {
		cleanup_free char *e = xasprintf("http_proxy=%s", http_proxy);
		jc_strv_push(&v, e);
	}
	if (proxy_set(https_proxy)) {
		cleanup_free char *e = xasprintf("https_proxy=%s", https_proxy);
		jc_strv_push(&v, e);
	}
	jc_strv_push(&v, m == JC_PKG_APT ? "/usr/bin/apt-get" : "/sbin/apk");
	for (size_t i = 0; args && args[i]; i++)
		jc_strv_push(&v, args[i]);
	return v;
}

static void push_step(char ****steps, size_t *n, char **step)
{
	*steps = xrealloc(*steps, (*n + 2) * sizeof(char **));
	(*steps)[(*n)++] = step;
	(*steps)[*n] = NULL;
}

static char **strv_of(const char *const *words, char *const *more)
{
	char **v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; words[i]; i++)
		jc_strv_push(&v, words[i]);
	for (size_t i = 0; more && more[i]; i++)
		jc_strv_push(&v, more[i]);
	return v;
}

char ***jc_pkg_install_steps(enum jc_pkg_manager m, char *const pkgs[])
{
	char ***steps = NULL;
	size_t n = 0;
	if (m == JC_PKG_APT) {
		push_step(&steps, &n, strv_of((const char *[]){ "update", NULL }, NULL));
		push_step(&steps, &n, strv_of((const char *[]){ "install", "-y", NULL }, pkgs));
	} else if (m == JC_PKG_APK) {
		push_step(&steps, &n, strv_of((const char *[]){ "add", NULL }, pkgs));
	}
	return steps ? steps : xcalloc(1, sizeof(char **));
}

static char ***upgrade_steps(enum jc_pkg_manager m, const char *apt_verb)
{
	char ***steps = NULL;
	size_t n = 0;
	if (m == JC_PKG_APT) {
		push_step(&steps, &n, strv_of((const char *[]){ "update", NULL }, NULL));
		push_step(&steps, &n, strv_of((const char *[]){ "-y", apt_verb, NULL }, NULL));
	} else if (m == JC_PKG_APK) {
		push_step(&steps, &n, strv_of((const char *[]){ "upgrade", NULL }, NULL));
	}
	return steps ? steps : xcalloc(1, sizeof(char **));
}

char ***jc_pkg_upgrade_steps(enum jc_pkg_manager m)
{
	return upgrade_steps(m, "upgrade");
}

char ***jc_pkg_full_upgrade_steps(enum jc_pkg_manager m)
{
	return upgrade_steps(m, "full-upgrade");
}

void jc_pkg_steps_free(char ***steps)
{
	for (size_t i = 0; steps && steps[i]; i++)
		jc_strv_free(steps[i]);
	free(steps);
}

static bool suite_token_at(const char *p, const char *old, size_t ol)
{
	if (strncmp(p, old, ol) != 0)
		return false;
	char c = p[ol];
	return c == '\0' || isspace((unsigned char)c) || c == '-' || c == '/';
}

char *jc_apt_sources_rewrite(const char *text, const char *old_suite, const char *new_suite)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		abort();
	size_t ol = strlen(old_suite);
	bool line_start = true, comment = false, tok_start = true;
	for (const char *p = text; *p;) {
		if (line_start && !isspace((unsigned char)*p))
			comment = *p == '#';
		if (*p == '\n')
			comment = false;
		line_start = *p == '\n' || (line_start && isspace((unsigned char)*p));
		if (isspace((unsigned char)*p)) {
			fputc(*p++, f);
			tok_start = true;
			continue;
		}
		if (tok_start && !comment && suite_token_at(p, old_suite, ol)) {
			fputs(new_suite, f);
			p += ol;
		} else {
			fputc(*p++, f);
		}
		tok_start = false;
	}
	fclose(f);
	return buf;
}

const char *jc_pkg_debian_suite(const char *release)
{
	return release ? jc_debian_suite(release) : NULL;
}

static const char sysv_rc[] =
	"#!/bin/sh\n"
	"# Written by jailctl at create: starts the services enabled for runlevel 2\n"
	"# (/etc/rc2.d/S*, as update-rc.d links them), then /etc/rc.local if executable.\n"
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PATH\n"
	"for s in /etc/rc2.d/S*; do\n"
	"\t[ -x \"$s\" ] && \"$s\" start\n"
	"done\n"
	"[ -x /etc/rc.local ] && /etc/rc.local\n"
	"exit 0\n";

static const char sysv_rc_shutdown[] =
	"#!/bin/sh\n"
	"# Written by jailctl at create: stops the runlevel-2 services in reverse order.\n"
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PATH\n"
	"for s in $(ls -r /etc/rc2.d/ 2>/dev/null); do\n"
	"\tcase \"$s\" in S*) [ -x \"/etc/rc2.d/$s\" ] && \"/etc/rc2.d/$s\" stop ;; esac\n"
	"done\n"
	"exit 0\n";

int jc_pkg_install_sysv_rc(const char *root, struct jc_error *err)
{
	if (!has_file(root, "etc/init.d") || has_file(root, "etc/rc"))
		return 0;
	int r = jc_rootfs_write_file(root, "etc/rc", sysv_rc, strlen(sysv_rc), 0755, err);
	if (r == 0 && !has_file(root, "etc/rc.shutdown"))
		r = jc_rootfs_write_file(root, "etc/rc.shutdown", sysv_rc_shutdown,
					 strlen(sysv_rc_shutdown), 0755, err);
	return r;
}
