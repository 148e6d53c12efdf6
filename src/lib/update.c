/* pkg, create -p, update and upgrade (see update.h). */
#include "update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "fstab.h"
#include "pkg.h"
#include "release.h"
#include "rootfs.h"
#include "runtime.h"
#include "snapshot.h"
#include "util.h"

static bool release_is_busybox(const struct jc_ctx *ctx, const char *release)
{
	if (!release)
		return false;
	if (strcmp(release, "busybox") == 0)
		return true;
	cleanup_free char *path = xasprintf("%s/releases/%s/release.json", ctx->iocroot, release);
	json_t *meta = NULL;
	struct jc_error ignore = { 0 };
	if (jc_json_read_object(path, &meta, &ignore) < 0)
		return false;
	bool builtin = jc_streq(json_string_value(json_object_get(meta, "source")), "builtin");
	json_decref(meta);
	return builtin;
}

static bool jail_is_busybox(const struct jc_ctx *ctx, const struct jc_jail *jail)
{
	cleanup_free char *rel = jc_jail_get(jail, "release");
	return release_is_busybox(ctx, rel);
}

static bool has_address(const struct jc_jail *jail, const char *key)
{
	cleanup_free char *v = jc_jail_get(jail, key);
	return v && *v && strcmp(v, "none") != 0;
}

/* Linux reading of iocage's "needs an IP address": a jail whose network namespace holds
 * only loopback (no inherit, vnet, address, DHCP or NAT) cannot reach a mirror. */
static bool jail_has_network(const struct jc_jail *jail)
{
	cleanup_free char *ip4 = jc_jail_get(jail, "ip4");
	cleanup_free char *ip6 = jc_jail_get(jail, "ip6");
	return jc_streq(ip4, "inherit") || jc_streq(ip6, "inherit") ||
	       jc_jail_get_bool(jail, "vnet") || jc_jail_get_bool(jail, "dhcp") ||
	       jc_jail_get_bool(jail, "nat") || has_address(jail, "ip4_addr") ||
	       has_address(jail, "ip6_addr");
}

/* What makes package operations impossible before anything runs. */
static int check_usable(const struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	if (jail->is_template)
		return jc_error_set(err, EINVAL, "%s is a template: convert it back to a jail first "
				    "(set template=no)", jail->name);
	if (jail_is_busybox(ctx, jail))
		return jc_error_set(err, ENOTSUP, "%s: the busybox release has no package manager",
				    jail->name);
	if (!jail_has_network(jail))
		return jc_error_set(err, ENETUNREACH, "%s: the jail requires an IP address before you "
				    "can use pkg (ip4_addr, ip6_addr, vnet, dhcp, nat or ip4=inherit)",
				    jail->name);
	return 0;
}

static int is_running(struct jc_ctx *ctx, const struct jc_jail *jail, bool *running, pid_t *pid,
		      struct jc_error *err)
{
	struct jc_run_state st = { 0 };
	int r = jc_runtime_status(ctx, jail, &st, err);
	if (r < 0)
		return r;
	*running = st.running;
	if (pid)
		*pid = st.init_pid;
	return 0;
}

/* The running jail's root as seen through its init: /proc/PID/root. */
static int running_root(struct jc_ctx *ctx, const struct jc_jail *jail, char **out,
			struct jc_error *err)
{
	bool running = false;
	pid_t pid = 0;
	int r = is_running(ctx, jail, &running, &pid, err);
	if (r < 0)
		return r;
	if (!running)
		return jc_error_set(err, ESRCH, "%s is not running", jail->name);
	*out = xasprintf("/proc/%ld/root", (long)pid);
	return 0;
}

static int detect_running(struct jc_ctx *ctx, const struct jc_jail *jail, enum jc_pkg_manager *m,
			  struct jc_error *err)
{
	cleanup_free char *root = NULL;
	int r = running_root(ctx, jail, &root, err);
	if (r < 0)
		return r;
	*m = jc_pkg_detect(root);
	if (*m == JC_PKG_NONE)
		return jc_error_set(err, ENOTSUP, "%s: no package manager in the jail "
				    "(neither /usr/bin/apt-get nor /sbin/apk)", jail->name);
	return 0;
}

static int exec_pkg(struct jc_ctx *ctx, const struct jc_jail *jail, enum jc_pkg_manager m,
		    char *const args[], int *status, struct jc_error *err)
{
	cleanup_free char *http = jc_jail_get(jail, "http_proxy");
	cleanup_free char *https = jc_jail_get(jail, "https_proxy");
	cleanup_strv char **argv = jc_pkg_argv(m, http, https, args);
	return jc_runtime_exec(ctx, jail, NULL, argv, status, err);
}

static int run_steps(struct jc_ctx *ctx, const struct jc_jail *jail, enum jc_pkg_manager m,
		     char ***steps, struct jc_error *err)
{
	for (size_t i = 0; steps[i]; i++) {
		cleanup_free char *line = NULL;
		for (size_t j = 0; steps[i][j]; j++) {
			char *next = xasprintf("%s %s", line ? line : jc_pkg_manager_name(m), steps[i][j]);
			free(line);
			line = next;
		}
		jc_progress(ctx, "  + Running: %s", line);
		int status = 0;
		int r = exec_pkg(ctx, jail, m, steps[i], &status, err);
		if (r < 0)
			return r;
		if (status != 0)
			return jc_error_set(err, EIO, "%s: '%s' failed (exit status %d)", jail->name,
					    line, status);
	}
	return 0;
}

int jc_pkg_run(struct jc_ctx *ctx, struct jc_jail *jail, char *const args[], int *exit_status,
	       struct jc_error *err)
{
	bool running = false;
	int r = is_running(ctx, jail, &running, NULL, err);
	if (r < 0)
		return r;
	if (!running)
		return jc_error_set(err, ESRCH, "%s is not running", jail->name);
	enum jc_pkg_manager m = JC_PKG_NONE;
	if ((r = check_usable(ctx, jail, err)) < 0 || (r = detect_running(ctx, jail, &m, err)) < 0)
		return r;
	return exec_pkg(ctx, jail, m, args, exit_status, err);
}

int jc_pkg_provision(struct jc_ctx *ctx, struct jc_jail *jail, char *const pkgs[],
		     struct jc_error *err)
{
	int r = check_usable(ctx, jail, err);
	if (r < 0)
		return r;
	if ((r = jc_runtime_start(ctx, jail, err)) < 0)
		return r;
	enum jc_pkg_manager m = JC_PKG_NONE;
	r = detect_running(ctx, jail, &m, err);
	if (r == 0) {
		jc_progress(ctx, "* Installing packages in %s with %s", jail->name,
			    jc_pkg_manager_name(m));
		char ***steps = jc_pkg_install_steps(m, pkgs);
		r = run_steps(ctx, jail, m, steps, err);
		jc_pkg_steps_free(steps);
	}
	if (r == 0 && !jc_jail_get_bool(jail, "boot"))
		r = jc_runtime_stop(ctx, jail, false, err);
	return r;
}

/* ---- safety snapshot and rollback ---- */

typedef int (*guarded_fn)(struct jc_ctx *ctx, struct jc_jail *jail, void *arg,
			  struct jc_error *err);

static int set_running(struct jc_ctx *ctx, struct jc_jail *jail, bool want, bool force,
		       struct jc_error *err)
{
	bool running = false;
	int r = is_running(ctx, jail, &running, NULL, err);
	if (r < 0 || running == want)
		return r;
	return want ? jc_runtime_start(ctx, jail, err) : jc_runtime_stop(ctx, jail, force, err);
}

static void roll_back(struct jc_ctx *ctx, struct jc_jail *jail, const char *snap,
		      bool was_running, struct jc_error *err)
{
	struct jc_error e2 = { 0 };
	jc_progress(ctx, "* Rolling %s back to snapshot %s", jail->name, snap);
	int r = set_running(ctx, jail, false, true, &e2);
	if (r == 0)
		r = jc_snapshot_rollback(ctx, jail, snap, NULL, &e2);
	if (r == 0)
		r = jc_jail_reload(ctx, jail, &e2);
	if (r == 0 && was_running)
		r = set_running(ctx, jail, true, false, &e2);
	if (r < 0) {
		jc_warning(ctx, "%s: rollback to %s failed: %s", jail->name, snap, e2.msg);
		return;
	}
	jc_progress(ctx, "  + Rolled back to %s", snap);
	(void)err;
}

static int guarded(struct jc_ctx *ctx, struct jc_jail *jail, const char *prefix, bool need_running,
		   guarded_fn body, void *arg, struct jc_error *err)
{
	bool was_running = false;
	int r = is_running(ctx, jail, &was_running, NULL, err);
	if (r < 0)
		return r;
	cleanup_free char *stamp = jc_utc_format(time(NULL), "%F_%H-%M-%S");
	cleanup_free char *snap = xasprintf("%s_%s", prefix, stamp);
	jc_progress(ctx, "* Creating snapshot %s of %s", snap, jail->name);
	if ((r = jc_snapshot_create(ctx, jail, snap, NULL, err)) < 0)
		return r;
	r = set_running(ctx, jail, need_running, false, err);
	if (r == 0)
		r = body(ctx, jail, arg, err);
	if (r == 0)
		r = set_running(ctx, jail, was_running, false, err);
	if (r < 0) {
		roll_back(ctx, jail, snap, was_running, err);
		return r;
	}
	jc_progress(ctx, "  + Snapshot %s kept: remove it with 'jailctl snapremove -n %s %s'",
		    snap, snap, jail->name);
	return 0;
}

/* ---- update ---- */

static int update_body(struct jc_ctx *ctx, struct jc_jail *jail, void *arg, struct jc_error *err)
{
	(void)arg;
	enum jc_pkg_manager m = JC_PKG_NONE;
	int r = detect_running(ctx, jail, &m, err);
	if (r < 0)
		return r;
	jc_progress(ctx, "* Updating %s with %s", jail->name, jc_pkg_manager_name(m));
	char ***steps = jc_pkg_upgrade_steps(m);
	r = run_steps(ctx, jail, m, steps, err);
	jc_pkg_steps_free(steps);
	return r;
}

int jc_jail_pkg_update(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	if (jc_jail_get_bool(jail, "basejail")) {
		if (jail_is_busybox(ctx, jail))
			return jc_error_set(err, ENOTSUP, "%s: the busybox release has no package manager",
					    jail->name);
		return jc_error_set(err, ENOTSUP, "%s: update of a basejail's release is not supported yet",
				    jail->name);
	}
	int r = check_usable(ctx, jail, err);
	if (r < 0)
		return r;
	r = guarded(ctx, jail, "ioc_update", true, update_body, NULL, err);
	if (r == 0)
		jc_progress(ctx, "%s has been updated successfully.", jail->name);
	return r;
}

/* ---- upgrade ---- */

static int set_release(struct jc_ctx *ctx, struct jc_jail *jail, const char *release,
		       struct jc_error *err)
{
	cleanup_close int lock = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock, err);
	if (r == 0)
		r = jc_jail_reload(ctx, jail, err);
	if (r < 0)
		return r;
	if (!jail->config)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	json_t *config = json_deep_copy(jail->config);
	json_object_set_new(config, "release", json_string(release));
	r = jc_jail_write_config(ctx, jail, config, err);
	json_decref(config);
	return r < 0 ? r : jc_jail_reload(ctx, jail, err);
}

struct upgrade_arg {
	const char *old_rel, *new_rel;
};

static int rebase_body(struct jc_ctx *ctx, struct jc_jail *jail, void *argp, struct jc_error *err)
{
	const struct upgrade_arg *a = argp;
	cleanup_free char *old_root = xasprintf("%s/releases/%s/root", ctx->iocroot, a->old_rel);
	cleanup_free char *new_root = xasprintf("%s/releases/%s/root", ctx->iocroot, a->new_rel);
	struct jc_fstab fstab;
	int r = jc_fstab_read(jail->fstab, &fstab, err);
	if (r < 0)
		return r;
	size_t ol = strlen(old_root), moved = 0;
	for (size_t i = 0; i < fstab.n; i++) {
		char *src = fstab.entries[i].src;
		if (!fstab.entries[i].system || strncmp(src, old_root, ol) != 0 ||
		    (src[ol] != '/' && src[ol] != '\0'))
			continue;
		fstab.entries[i].src = xasprintf("%s%s", new_root, src + ol);
		free(src);
		if (!jc_path_exists(fstab.entries[i].src))
			r = jc_error_set(err, ENOENT, "%s: %s has no %s", jail->name, a->new_rel,
					 fstab.entries[i].src + strlen(new_root));
		moved++;
	}
	if (r == 0)
		r = jc_fstab_write(jail->fstab, &fstab, err);
	jc_fstab_release(&fstab);
	if (r < 0)
		return r;
	jc_progress(ctx, "  + %zu read-only system mounts moved to %s", moved, a->new_rel);
	return set_release(ctx, jail, a->new_rel, err);
}

static int rewrite_sources_file(const char *root, const char *rel, const struct upgrade_arg *a,
				struct jc_error *err)
{
	cleanup_free char *text = NULL;
	int r = jc_rootfs_read_file(root, rel, &text, err);
	if (r < 0)
		return r;
	cleanup_free char *out = jc_apt_sources_rewrite(text, jc_pkg_debian_suite(a->old_rel),
							jc_pkg_debian_suite(a->new_rel));
	if (strcmp(out, text) == 0)
		return 0;
	return jc_rootfs_write_file(root, rel, out, strlen(out), 0644, err);
}

static bool is_sources_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && strcmp(n + l - 5, ".list") == 0) ||
			       (l > 8 && strcmp(n + l - 8, ".sources") == 0));
}

static int rewrite_sources(const char *root, const struct upgrade_arg *a, struct jc_error *err)
{
	struct jc_error ignore = { 0 };
	int fd = jc_rootfs_open(root, "etc/apt/sources.list", O_RDONLY | O_CLOEXEC, 0, &ignore);
	int r = 0;
	if (fd >= 0) {
		close(fd);
		r = rewrite_sources_file(root, "etc/apt/sources.list", a, err);
	}
	fd = jc_rootfs_open(root, "etc/apt/sources.list.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, &ignore);
	if (r < 0 || fd < 0)
		return r;
	cleanup_closedir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jc_error_errno(err, errno, "etc/apt/sources.list.d");
	}
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!is_sources_name(de->d_name))
			continue;
		cleanup_free char *rel = xasprintf("etc/apt/sources.list.d/%s", de->d_name);
		r = rewrite_sources_file(root, rel, a, err);
	}
	return r;
}

static int debian_body(struct jc_ctx *ctx, struct jc_jail *jail, void *argp, struct jc_error *err)
{
	const struct upgrade_arg *a = argp;
	enum jc_pkg_manager m = JC_PKG_NONE;
	int r = detect_running(ctx, jail, &m, err);
	if (r == 0 && m != JC_PKG_APT)
		r = jc_error_set(err, ENOTSUP, "%s: no apt-get in the jail", jail->name);
	cleanup_free char *root = NULL;
	if (r == 0)
		r = running_root(ctx, jail, &root, err);
	if (r < 0)
		return r;
	jc_progress(ctx, "* Moving apt sources of %s from %s to %s", jail->name,
		    jc_pkg_debian_suite(a->old_rel), jc_pkg_debian_suite(a->new_rel));
	if ((r = rewrite_sources(root, a, err)) < 0)
		return jc_error_wrap(err, "%s", jail->name);
	char ***steps = jc_pkg_full_upgrade_steps(m);
	r = run_steps(ctx, jail, m, steps, err);
	jc_pkg_steps_free(steps);
	return r < 0 ? r : set_release(ctx, jail, a->new_rel, err);
}

static long debian_number(const char *rel)
{
	long n = 0;
	return jc_pkg_debian_suite(rel) && jc_parse_long(rel + strlen("debian-"), &n) == 0 ? n : -1;
}

static int upgrade_checks(struct jc_ctx *ctx, struct jc_jail *jail, const char *old_rel,
			  const char *rel, struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	if (jail->is_template)
		return jc_error_set(err, EINVAL, "%s is a template: convert it back to a jail first "
				    "(set template=no)", jail->name);
	int r = jc_release_validate_name(rel, err);
	if (r < 0)
		return r;
	if (jc_streq(old_rel, rel))
		return jc_error_set(err, EEXIST, "%s: Already at %s", jail->name, rel);
	if (!old_rel || strcmp(old_rel, "EMPTY") == 0 || strcmp(old_rel, "none") == 0)
		return jc_error_set(err, ENOTSUP, "%s: an empty jail has no release to upgrade", jail->name);
	(void)ctx;
	return 0;
}

int jc_jail_upgrade(struct jc_ctx *ctx, struct jc_jail *jail, const char *rel, struct jc_error *err)
{
	cleanup_free char *old_rel = jc_jail_get(jail, "release");
	int r = upgrade_checks(ctx, jail, old_rel, rel, err);
	if (r < 0)
		return r;
	struct upgrade_arg a = { .old_rel = old_rel, .new_rel = rel };
	if (jc_jail_get_bool(jail, "basejail")) {
		if (!jc_release_exists(ctx, rel))
			return jc_error_set(err, ENOENT, "%s: release %s is not fetched: fetch %s first "
					    "(jailctl fetch -r %s)", jail->name, rel, rel, rel);
		jc_progress(ctx, "* Upgrading basejail %s from %s to %s", jail->name, old_rel, rel);
		r = guarded(ctx, jail, "ioc_upgrade", false, rebase_body, &a, err);
	} else if (debian_number(old_rel) > 0 && debian_number(rel) > 0) {
		if (debian_number(rel) < debian_number(old_rel))
			return jc_error_set(err, ENOTSUP, "%s: %s is older than %s: downgrades are not "
					    "supported", jail->name, rel, old_rel);
		if ((r = check_usable(ctx, jail, err)) < 0)
			return r;
		jc_progress(ctx, "* Upgrading %s from %s to %s", jail->name, old_rel, rel);
		r = guarded(ctx, jail, "ioc_upgrade", true, debian_body, &a, err);
	} else {
		return jc_error_set(err, ENOTSUP, "%s: cannot upgrade a clone jail from %s to %s: jailctl "
				    "upgrades basejails (any release) and Debian clone jails "
				    "(debian-N to a later debian-M) only", jail->name, old_rel, rel);
	}
	if (r == 0)
		jc_progress(ctx, "%s successfully upgraded from %s to %s!", jail->name, old_rel, rel);
	return r;
}
