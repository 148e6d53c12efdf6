/* Creating jails: clone, basejail, empty, from a template, and cloning a jail.
 * A jail is built in jails/.create-NAME-PID and published by one rename, so a crash or
 * Ctrl-C leaves at most a dot entry that list never shows and the next command removes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "copytree.h"
#include "fileio.h"
#include "fstab.h"
#include "jail.h"
#include "props.h"
#include "release.h"
#include "pkg.h"
#include "rootfs.h"
#include "storage.h"
#include "util.h"
#include "validate.h"

struct create_plan {
	const char *src_root;       /* release or template root; NULL for empty jails */
	const char *release;        /* release name recorded */
	const char *template;       /* source_template, or NULL */
	char *release_root;         /* releases/REL/root (basejail mounts) */
	const struct jc_jail *tmpl; /* template to copy config and fstab from, or NULL */
	bool basejail;
	json_t *props;              /* validated user properties (normalised, thin) */
};

static char *new_uuid(bool short_form)
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		abort();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	char *u = xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			    b[12], b[13], b[14], b[15]);
	if (short_form)
		u[8] = '\0';
	return u;
}

static bool is_uuid4(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		if ((shape[i] == '-' && c != '-') || (shape[i] == '4' && c != '4') ||
		    (shape[i] == 'y' && !strchr("89ab", c)) || (shape[i] == 'x' && !hex))
			return false;
	}
	return true;
}

static char *hostname_for(const char *name)
{
	char *h = xstrdup(name);
	for (char *p = h; *p; p++)
		if (*p == '_')
			*p = '-';
	return h;
}

/* Validate PROP=VAL arguments as jail properties and apply iocage's create-time
 * implications (dhcp ⇒ vnet+bpf, bpf ⇒ vnet, accept_rtadv ⇒ vnet). */
static int validate_props(struct jc_ctx *ctx, char **assignments, json_t *out, struct jc_error *err)
{
	for (size_t i = 0; assignments && assignments[i]; i++) {
		cleanup_free char *key = NULL, *value = NULL;
		int r = jc_prop_split_assignment(assignments[i], &key, &value, err);
		if (r < 0)
			return r;
		if (strcmp(key, "template") == 0)
			return jc_error_set(err, EINVAL, "template: create the jail, then 'set template=yes'");
		struct jc_prop_change c = { .key = key, .value = value };
		const struct jc_prop *prop = NULL;
		r = jc_prop_change_check(&c, false, &prop, err);
		if (r == 0)
			json_object_set_new(out, key, jc_prop_value_to_json(prop, c.new_text));
		jc_prop_changes_release(&c, 1);
		if (r < 0)
			return r;
	}
	const char *ip4 = json_string_value(json_object_get(out, "ip4_addr"));
	const char *ip6 = json_string_value(json_object_get(out, "ip6_addr"));
	bool dhcp = json_integer_value(json_object_get(out, "dhcp")) == 1 || (ip4 && strstr(ip4, "|DHCP"));
	bool rtadv = ip6 && strstr(ip6, "accept_rtadv");
	bool bpf = json_integer_value(json_object_get(out, "bpf")) == 1;
	if (dhcp && json_integer_value(json_object_get(out, "bpf")) != 1) {
		jc_warning(ctx, "dhcp requires bpf: setting bpf=1");
		json_object_set_new(out, "bpf", json_integer(1));
		bpf = true;
	}
	if ((dhcp || rtadv || bpf) && json_integer_value(json_object_get(out, "vnet")) != 1) {
		jc_warning(ctx, "%s requires vnet: setting vnet=1", dhcp ? "dhcp" : rtadv ? "accept_rtadv" : "bpf");
		json_object_set_new(out, "vnet", json_integer(1));
	}
	return 0;
}

static int resolve_source(struct jc_ctx *ctx, const struct jc_create_opts *opts,
			  struct create_plan *plan, struct jc_jail **tmpl, struct jc_error *err)
{
	if (opts->template) {
		int r = jc_jail_open_exact(ctx, opts->template, true, tmpl, err);
		if (r == -ENOENT)
			return jc_error_set(err, ENOENT, "template %s not found", opts->template);
		if (r < 0)
			return r;
		if ((*tmpl)->corrupt)
			return jc_error_set(err, EBADMSG, "template %s: %s", opts->template, (*tmpl)->corrupt);
		plan->src_root = (*tmpl)->root;
		plan->template = opts->template;
		plan->tmpl = *tmpl;
		plan->release = json_string_value(json_object_get((*tmpl)->config, "release"));
		return 0;
	}
	if (opts->empty) {
		plan->release = "EMPTY";
		return 0;
	}
	if (!opts->release)
		return jc_error_set(err, EINVAL, "create: a release (-r), a template (-t) or -e is required");
	int r = jc_release_validate_name(opts->release, err);
	if (r < 0)
		return r;
	if (!jc_release_exists(ctx, opts->release)) {
		jc_progress(ctx, "%s not found locally, fetching it", opts->release);
		struct jc_fetch_opts fo = { .release = opts->release };
		r = jc_release_fetch(ctx, &fo, err);
		if (r < 0)
			return r;
	}
	plan->release = opts->release;
	plan->release_root = xasprintf("%s/releases/%s/root", ctx->iocroot, opts->release);
	plan->src_root = plan->release_root;
	plan->basejail = opts->basejail || opts->clone_basejail;
	return 0;
}

static json_t *initial_config(const struct jc_ctx *ctx, const char *name,
			      const struct create_plan *plan, const struct jc_create_opts *opts)
{
	json_t *c = plan->tmpl ? json_deep_copy(plan->tmpl->config) : json_object();
	static const char *const not_inherited[] = { "type", "template", "last_started", "vnet0_mac",
						     "vnet1_mac", "vnet2_mac", "vnet3_mac" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(not_inherited); i++)
		json_object_del(c, not_inherited[i]);
	cleanup_free char *host = hostname_for(name);
	cleanup_free char *ds = xasprintf("iocage/jails/%s/data", name);
	json_object_set_new(c, "host_hostuuid", json_string(name));
	json_object_set_new(c, "host_hostname", json_string(host));
	json_object_set_new(c, "release", json_string(plan->release));
	if (!opts->empty)
		json_object_set_new(c, "cloned_release", json_string(plan->release));
	json_object_set_new(c, "jail_zfs_dataset", json_string(ds));
	json_object_set_new(c, "hostid", json_sprintf("%08lx", (unsigned long)gethostid() & 0xffffffffUL));
	if (plan->template)
		json_object_set_new(c, "source_template", json_string(plan->template));
	if (plan->basejail)
		json_object_set_new(c, "basejail", json_integer(1));
	if (opts->proxy) {
		json_object_set_new(c, "http_proxy", json_string(opts->proxy));
		json_object_set_new(c, "https_proxy", json_string(opts->proxy));
	}
	json_object_update(c, plan->props);
	/* Thin: drop what equals the defaults. */
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(c, tmp, key, value) {
		if (json_equal(value, json_object_get(ctx->defaults, key)) &&
		    strcmp(key, "host_hostuuid") != 0 && strcmp(key, "release") != 0)
			json_object_del(c, key);
	}
	return c;
}

static int write_basejail_fstab(const char *fstab_path, const struct create_plan *plan,
				const char *final_root, struct jc_error *err)
{
	struct jc_fstab fstab = { 0 };
	cleanup_strv char **dirs = jc_basejail_dirs(plan->release_root);
	cleanup_free char *now = jc_utc_format(time(NULL), "%F %T");
	for (size_t i = 0; dirs[i]; i++) {
		struct jc_fstab_entry e = {
			.src = xasprintf("%s/%s", plan->release_root, dirs[i]),
			.dst = xasprintf("%s/%s", final_root, dirs[i]),
			.fstype = xstrdup("nullfs"),
			.opts = xstrdup("ro"),
			.comment = xasprintf("SYSTEM basejail mount, added by jailctl on %s", now),
			.system = true,
		};
		jc_fstab_add(&fstab, &e);
	}
	int r = jc_fstab_write(fstab_path, &fstab, err);
	jc_fstab_release(&fstab);
	return r;
}

/* /etc/hosts: the release's, with the jail's name on the 127.0.0.1 line (iocage §4.2). */
static char *render_hosts(const char *orig, const char *host)
{
	char *out = xstrdup("");
	bool found = false;
	cleanup_strv char **lines = jc_strsplit(orig ? orig : "", "\n");
	for (size_t i = 0; lines[i]; i++) {
		char *next;
		if (!found && jc_str_has_prefix(lines[i], "127.0.0.1")) {
			next = xasprintf("%s%s\t%s\n", out, lines[i], host);
			found = true;
		} else {
			next = xasprintf("%s%s\n", out, lines[i]);
		}
		free(out);
		out = next;
	}
	if (!found) {
		char *next = xasprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost\n%s", host, out);
		free(out);
		out = next;
	}
	return out;
}

struct identity {
	const char *host;
	unsigned long hostid;
};

static int write_identity(const char *root, const struct identity *id, struct jc_error *err)
{
	cleanup_free char *hostname = xasprintf("%s\n", id->host);
	int r = jc_rootfs_write_file(root, "etc/hostname", hostname, strlen(hostname), 0644, err);
	if (r < 0)
		return r;
	cleanup_free char *orig = NULL;
	struct jc_error ignore = { 0 };
	jc_rootfs_read_file(root, "etc/hosts", &orig, &ignore);
	cleanup_free char *hosts = render_hosts(orig, id->host);
	r = jc_rootfs_write_file(root, "etc/hosts", hosts, strlen(hosts), 0644, err);
	if (r < 0)
		return r;
	/* glibc's gethostid() reads 4 bytes in host order from /etc/hostid. */
	uint32_t raw = (uint32_t)id->hostid;
	return jc_rootfs_write_file(root, "etc/hostid", &raw, sizeof(raw), 0644, err);
}

static int identity_cb(const char *root, void *arg, struct jc_error *err)
{
	int r = write_identity(root, arg, err);
	return r < 0 ? r : jc_pkg_install_sysv_rc(root, err);
}

static int build_jail(struct jc_ctx *ctx, const char *tmp, const char *name,
		      const struct create_plan *plan, const struct jc_create_opts *opts,
		      struct jc_error *err)
{
	cleanup_free char *root = xasprintf("%s/root", tmp);
	cleanup_free char *final_root = xasprintf("%s/jails/%s/root", ctx->iocroot, name);
	int r = plan->src_root ? jc_jail_clone_root(ctx, plan->src_root, root, err)
			       : ctx->storage->create(root, err);
	if (r < 0)
		return r;
	cleanup_free char *fstab = xasprintf("%s/fstab", tmp);
	if (plan->basejail)
		r = write_basejail_fstab(fstab, plan, final_root, err);
	else if (plan->tmpl && jc_path_exists(plan->tmpl->fstab)) {
		r = jc_copy_file_atomic(plan->tmpl->fstab, fstab, err);
		if (r == 0)
			r = jc_jail_rebase_fstab(fstab, plan->tmpl->root, final_root, err);
	} else
		r = jc_write_file_unsynced(fstab, "", 0, 0644, err);
	if (r < 0)
		return r;
	json_t *config = initial_config(ctx, name, plan, opts);
	cleanup_free char *cfg = xasprintf("%s/config.json", tmp);
	r = jc_json_write_unsynced(cfg, config, err);
	json_decref(config);
	if (r < 0 || opts->empty)
		return r;
	cleanup_free char *host = hostname_for(name);
	struct identity id = { .host = host, .hostid = (unsigned long)gethostid() };
	return jc_jail_with_root(ctx, root, identity_cb, &id, err);
}

static int create_one(struct jc_ctx *ctx, const char *name, const struct create_plan *plan,
		      const struct jc_create_opts *opts, struct jc_error *err)
{
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, name, &lock_fd, err);
	if (r < 0)
		return r;
	r = jc_jail_check_name_free(ctx, name, err);
	if (r < 0)
		return r;
	cleanup_free char *tmp = xasprintf("%s/jails/.create-%s-%ld", ctx->iocroot, name, (long)getpid());
	cleanup_free char *final = xasprintf("%s/jails/%s", ctx->iocroot, name);
	if (mkdir(tmp, 0755) < 0)
		return jc_error_errno(err, errno, "%s", tmp);
	r = build_jail(ctx, tmp, name, plan, opts, err);
	/* One syncfs makes the whole unpublished jail durable before the publishing rename. */
	if (r == 0)
		r = jc_syncfs(tmp, err);
	if (r == 0 && rename(tmp, final) < 0)
		r = jc_error_errno(err, errno, "%s: publishing the new jail", name);
	if (r < 0) {
		struct jc_error ignore = { 0 };
		jc_jail_remove_dir(ctx, tmp, &ignore);
		return jc_error_wrap(err, "%s", name);
	}
	return jc_fsync_parent(final, err);
}

static int plan_names(const struct jc_create_opts *opts, char ***out, struct jc_error *err)
{
	int count = opts->count > 0 ? opts->count : 1;
	if (opts->uuid && !is_uuid4(opts->uuid))
		return jc_error_set(err, EINVAL, "%s: not a valid UUID4", opts->uuid);
	if (opts->uuid && count > 1)
		return jc_error_set(err, EINVAL, "create: -u cannot be combined with a count above 1");
	const char *base = opts->name ? opts->name : opts->uuid;
	char **names = xcalloc(1, sizeof(char *));
	for (int i = 1; i <= count; i++) {
		cleanup_free char *n = base ? (count > 1 ? xasprintf("%s_%d", base, i) : xstrdup(base))
					    : new_uuid(opts->short_uuid);
		jc_strv_push(&names, n);
	}
	*out = names;
	return 0;
}

int jc_jail_create(struct jc_ctx *ctx, const struct jc_create_opts *opts, char ***out_names,
		   struct jc_error *err)
{
	int r = jc_ctx_load_defaults(ctx, err);
	if (r < 0)
		return r;
	jc_jail_clean_leftovers(ctx, err);
	cleanup_strv char **names = NULL;
	r = plan_names(opts, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++)
		if ((r = jc_jail_check_name_free(ctx, names[i], err)) < 0)
			return r;
	struct create_plan plan = { .props = json_object() };
	struct jc_jail *tmpl = NULL;
	r = validate_props(ctx, opts->props, plan.props, err);
	if (r == 0)
		r = resolve_source(ctx, opts, &plan, &tmpl, err);
	for (size_t i = 0; r == 0 && names[i]; i++)
		r = create_one(ctx, names[i], &plan, opts, err);
	json_decref(plan.props);
	free(plan.release_root);
	jc_jail_free(tmpl);
	if (r == 0 && out_names)
		*out_names = steal_ptr(names);
	return r;
}

int jc_jail_clone(struct jc_ctx *ctx, struct jc_jail *src, const char *new_name, char **props,
		  struct jc_error *err)
{
	if (src->is_template)
		return jc_error_set(err, EINVAL, "%s: you cannot clone a template, use create -t instead",
				    src->name);
	if (src->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", src->name, src->corrupt);
	json_t *user = json_object();
	int r = validate_props(ctx, props, user, err);
	cleanup_close int src_lock = -1, new_lock = -1;
	if (r == 0)
		r = jc_jail_lock(ctx, src->name, &src_lock, err);
	if (r == 0)
		r = jc_jail_lock(ctx, new_name, &new_lock, err);
	if (r == 0)
		r = jc_jail_check_name_free(ctx, new_name, err);
	if (r < 0) {
		json_decref(user);
		return r;
	}
	cleanup_free char *tmp = xasprintf("%s/jails/.create-%s-%ld", ctx->iocroot, new_name, (long)getpid());
	cleanup_free char *final = xasprintf("%s/jails/%s", ctx->iocroot, new_name);
	cleanup_free char *root = xasprintf("%s/root", tmp);
	cleanup_free char *final_root = xasprintf("%s/root", final);
	cleanup_free char *fstab = xasprintf("%s/fstab", tmp);
	cleanup_free char *cfg = xasprintf("%s/config.json", tmp);
	json_t *config = json_deep_copy(src->config);
	cleanup_free char *host = hostname_for(new_name);
	cleanup_free char *ds = xasprintf("iocage/jails/%s/data", new_name);
	json_object_set_new(config, "host_hostuuid", json_string(new_name));
	json_object_set_new(config, "host_hostname", json_string(host));
	json_object_set_new(config, "jail_zfs_dataset", json_string(ds));
	/* Clones get new MAC addresses (iocage keeps them, a known bug) and a fresh history. */
	for (int i = 0; i < 4; i++) {
		char key[16];
		snprintf(key, sizeof(key), "vnet%d_mac", i);
		json_object_del(config, key);
	}
	json_object_del(config, "last_started");
	json_object_update(config, user);
	json_decref(user);
	if (mkdir(tmp, 0755) < 0) {
		json_decref(config);
		return jc_error_errno(err, errno, "%s", tmp);
	}
	r = jc_jail_clone_root(ctx, src->root, root, err);
	/* Unpublished files: one syncfs below makes them durable before the rename. */
	if (r == 0)
		r = jc_json_write_unsynced(cfg, config, err);
	json_decref(config);
	if (r == 0 && jc_path_exists(src->fstab))
		r = jc_copy_file_unsynced(src->fstab, fstab, err);
	if (r == 0)
		r = jc_jail_rebase_fstab(fstab, src->root, final_root, err);
	if (r == 0) {
		struct identity id = { .host = host, .hostid = (unsigned long)gethostid() };
		r = jc_jail_with_root(ctx, root, identity_cb, &id, err);
	}
	if (r == 0)
		r = jc_syncfs(tmp, err);
	if (r == 0 && rename(tmp, final) < 0)
		r = jc_error_errno(err, errno, "%s: publishing the clone", new_name);
	if (r < 0) {
		struct jc_error ignore = { 0 };
		jc_jail_remove_dir(ctx, tmp, &ignore);
		return r;
	}
	return jc_fsync_parent(final, err);
}

int jc_jail_clone_root(struct jc_ctx *ctx, const char *src, const char *dst, struct jc_error *err)
{
	cleanup_free char *lower = xasprintf("%s.lower", src);
	bool plain = ctx->storage->clone_needs_mount && !jc_path_exists(lower);
	cleanup_free char *releases = xasprintf("%s/releases/", ctx->iocroot);
	/* Releases are never written by jails: an overlay straight over them is safe. */
	if (plain && !jc_str_has_prefix(src, releases))
		return jc_tree_copy(src, dst, err);
	return ctx->storage->clone(src, dst, err);
}
