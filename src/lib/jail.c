#include "jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "copytree.h"
#include "fstab.h"
#include "props.h"
#include "storage.h"
#include "util.h"
#include "validate.h"

static char *jails_dir(const struct jc_ctx *ctx, bool templates)
{
	return xasprintf("%s/%s", ctx->iocroot, templates ? "templates" : "jails");
}

static int load_config(struct jc_ctx *ctx, struct jc_jail *jail)
{
	json_decref(jail->config);
	json_decref(jail->effective);
	free(jail->corrupt);
	jail->config = jail->effective = NULL;
	jail->corrupt = NULL;
	cleanup_free char *path = xasprintf("%s/config.json", jail->dir);
	struct jc_error err = { 0 };
	json_t *config = NULL;
	int r = jc_json_read_object(path, &config, &err);
	if (r == -ENOENT) {
		jail->corrupt = xasprintf("%s is missing its configuration", jail->name);
		return 0;
	}
	if (r < 0) {
		jail->corrupt = xstrdup(err.msg);
		return 0;
	}
	if (!json_object_get(config, "release") || !json_object_get(config, "host_hostuuid")) {
		jail->corrupt = xasprintf("%s has a corrupt configuration (no release or host_hostuuid)",
					  jail->name);
		json_decref(config);
		return 0;
	}
	jail->config = config;
	/* Shallow: values are never changed in place, only replaced, so sharing is safe. */
	jail->effective = json_copy(ctx->defaults);
	json_object_update(jail->effective, config);
	return 0;
}

int jc_jail_reload(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	(void)err;
	return load_config(ctx, jail);
}

int jc_jail_open_exact(struct jc_ctx *ctx, const char *name, bool template_dir,
		       struct jc_jail **out, struct jc_error *err)
{
	int r = jc_ctx_load_defaults(ctx, err);
	if (r < 0)
		return r;
	if (!*name || name[0] == '.' || strchr(name, '/'))
		return jc_error_set(err, EINVAL, "%s: invalid jail name", name);
	cleanup_free char *base = jails_dir(ctx, template_dir);
	cleanup_free char *dir = xasprintf("%s/%s", base, name);
	if (!jc_is_dir(dir))
		return jc_error_set(err, ENOENT, "%s not found!", name);
	struct jc_jail *jail = xcalloc(1, sizeof(*jail));
	jail->name = xstrdup(name);
	jail->dir = steal_ptr(dir);
	jail->root = xasprintf("%s/root", jail->dir);
	jail->fstab = xasprintf("%s/fstab", jail->dir);
	jail->is_template = template_dir;
	load_config(ctx, jail);
	*out = jail;
	return 0;
}

void jc_jail_free(struct jc_jail *jail)
{
	if (!jail)
		return;
	free(jail->name);
	free(jail->dir);
	free(jail->root);
	free(jail->fstab);
	free(jail->corrupt);
	json_decref(jail->config);
	json_decref(jail->effective);
	free(jail);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jc_jail_names(const struct jc_ctx *ctx, bool templates, char ***out, struct jc_error *err)
{
	cleanup_free char *dir = jails_dir(ctx, templates);
	cleanup_closedir DIR *d = opendir(dir);
	if (!d)
		return jc_error_errno(err, errno, "%s", dir);
	char **names = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Dot entries are work in progress (create, destroy) and never listed. */
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		jc_strv_push(&names, de->d_name);
	}
	qsort(names, jc_strv_len(names), sizeof(char *), compare_names);
	*out = names;
	return 0;
}

struct jc_jail_lister {
	DIR *dir;
	struct jc_json_reader rd;
};

int jc_jail_lister_open(const struct jc_ctx *ctx, bool templates, struct jc_jail_lister **out,
			struct jc_error *err)
{
	cleanup_free char *dir = jails_dir(ctx, templates);
	DIR *d = opendir(dir);
	if (!d)
		return jc_error_errno(err, errno, "%s", dir);
	*out = xcalloc(1, sizeof(**out));
	(*out)->dir = d;
	return 0;
}

int jc_jail_lister_next(struct jc_jail_lister *l, const char **name, struct jc_json_field *fields,
			size_t n, bool *config_ok)
{
	struct dirent *de;
	/* Dot entries are work in progress (create, destroy) and never listed. */
	while ((de = readdir(l->dir)) && de->d_name[0] == '.')
		;
	if (!de)
		return 0;
	char path[sizeof(de->d_name) + sizeof("/config.json")];
	size_t len = strlen(de->d_name);
	memcpy(path, de->d_name, len);
	memcpy(path + len, "/config.json", sizeof("/config.json"));
	struct jc_error err = { 0 };
	*config_ok = jc_json_read_fields_at(&l->rd, dirfd(l->dir), path, JSON_REJECT_DUPLICATES,
					    fields, n, &err) == 0;
	if (!*config_ok)
		for (size_t i = 0; i < n; i++)
			fields[i].present = false, fields[i].text = NULL;
	*name = de->d_name;
	return 1;
}

void jc_jail_lister_close(struct jc_jail_lister *l)
{
	if (!l)
		return;
	closedir(l->dir);
	jc_json_reader_release(&l->rd);
	free(l);
}

static void collect_prefix(const struct jc_ctx *ctx, bool templates, const char *prefix,
			   char ***matches, bool **is_template)
{
	cleanup_strv char **names = NULL;
	struct jc_error err = { 0 };
	if (jc_jail_names(ctx, templates, &names, &err) < 0)
		return;
	for (size_t i = 0; names[i]; i++) {
		if (!jc_str_has_prefix(names[i], prefix))
			continue;
		size_t n = jc_strv_len(*matches);
		jc_strv_push(matches, names[i]);
		*is_template = xrealloc(*is_template, (n + 1) * sizeof(bool));
		(*is_template)[n] = templates;
	}
}

int jc_jail_open(struct jc_ctx *ctx, const char *name, struct jc_jail **out, struct jc_error *err)
{
	int r = jc_jail_open_exact(ctx, name, false, out, err);
	if (r != -ENOENT)
		return r;
	r = jc_jail_open_exact(ctx, name, true, out, err);
	if (r != -ENOENT)
		return r;
	cleanup_strv char **matches = xcalloc(1, sizeof(char *));
	cleanup_free bool *is_template = NULL;
	collect_prefix(ctx, false, name, &matches, &is_template);
	collect_prefix(ctx, true, name, &matches, &is_template);
	size_t n = jc_strv_len(matches);
	if (n == 0)
		return jc_error_set(err, ENOENT, "%s not found!", name);
	if (n > 1) {
		char list[512] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
				 matches[i]);
		return jc_error_set(err, EEXIST, "Multiple jails found for %s: %s", name, list);
	}
	return jc_jail_open_exact(ctx, matches[0], is_template[0], out, err);
}

char *jc_jail_get(const struct jc_jail *jail, const char *key)
{
	if (!jail->effective)
		return NULL;
	return jc_prop_json_to_text(json_object_get(jail->effective, key));
}

bool jc_jail_get_bool(const struct jc_jail *jail, const char *key)
{
	cleanup_free char *v = jc_jail_get(jail, key);
	return jc_streq(v, "1");
}

long jc_jail_get_long(const struct jc_jail *jail, const char *key, long fallback)
{
	cleanup_free char *v = jc_jail_get(jail, key);
	long out = fallback;
	if (!v || jc_parse_long(v, &out) < 0)
		return fallback;
	return out;
}

int jc_jail_lock(const struct jc_ctx *ctx, const char *name, int *out_fd, struct jc_error *err)
{
	cleanup_free char *dir = xasprintf("%s/.locks", ctx->iocroot);
	int r = jc_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	cleanup_free char *path = xasprintf("%s/%s.lock", dir, name);
	return jc_lock_file(path, out_fd, err);
}

static int write_config(struct jc_ctx *ctx, struct jc_jail *jail, json_t *config, bool backup,
			struct jc_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", jail->dir);
	cleanup_free char *backup_path = xasprintf("%s/config_backup.json", jail->dir);
	/* The previous file is kept so that renaming the backup restores it (SPEC §2). */
	if (backup && jc_path_exists(path)) {
		int r = jc_copy_file_atomic(path, backup_path, err);
		if (r < 0)
			return r;
	}
	int r = jc_json_write_atomic(path, config, err);
	if (r < 0)
		return r;
	return load_config(ctx, jail);
}

int jc_jail_write_config(struct jc_ctx *ctx, struct jc_jail *jail, json_t *config,
			 struct jc_error *err)
{
	return write_config(ctx, jail, config, true, err);
}

int jc_jail_record_facts(struct jc_jail *jail, json_t *facts, struct jc_error *err)
{
	if (!jail->config)
		return jc_error_set(err, EBADMSG, "%s: config.json unreadable", jail->name);
	json_t *config = json_deep_copy(jail->config);
	json_object_update(config, facts);
	cleanup_free char *path = xasprintf("%s/config.json", jail->dir);
	/* Facts, not settings: a crash may lose one (the file stays whole), no caller waits. */
	int r = jc_json_write_replace(path, config, err);
	json_decref(config);
	if (r == 0)
		jc_jail_note_facts(jail, facts);
	return r;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The jail's directory, held open: it follows a rename made while the lock was let go. */
struct facts_dir {
	const char *path;
	int fd;
	struct stat st;
	char tmp[64];
};

/* Neither renamed nor destroyed: the lock held is still the one for this directory. */
static bool dir_unmoved(const struct facts_dir *d)
{
	struct stat now;
	return stat(d->path, &now) == 0 && now.st_dev == d->st.st_dev && now.st_ino == d->st.st_ino;
}

/* config.json with last_started = stamp, in the temp file (open, not yet synced); 1 when a
 * later stamp is already there. */
static int write_temp(const struct facts_dir *d, const char *stamp, struct stat *before,
		      int *out_fd, struct jc_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", d->path);
	json_t *config = NULL;
	if (fstatat(d->fd, "config.json", before, 0) < 0)
		return jc_error_errno(err, errno, "%s", path);
	int r = jc_json_read_object(path, &config, err);
	if (r < 0)
		return r;
	const char *cur = json_string_value(json_object_get(config, "last_started"));
	if (cur && strcmp(cur, stamp) >= 0) {   /* "%F %T" sorts as time does */
		json_decref(config);
		return 1;
	}
	json_object_set_new(config, "last_started", json_string(stamp));
	cleanup_free char *text = jc_json_dump(config);
	json_decref(config);
	int fd = openat(d->fd, d->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s/%s", d->path, d->tmp);
	r = jc_write_all(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return jc_error_errno(err, -r, "%s/%s", d->path, d->tmp);
	}
	*out_fd = fd;
	return 0;
}

/* One try: 1 done, 0 when config.json changed while the lock was let go, <0 error. */
static int last_started_once(const struct facts_dir *d, const char *stamp, int lock_fd,
			     struct jc_error *err)
{
	struct stat before, after;
	int fd = -1;
	int r = write_temp(d, stamp, &before, &fd, err);
	if (r != 0)
		return r;
	flock(lock_fd, LOCK_UN);
	if (fsync(fd) < 0)
		r = jc_error_errno(err, errno, "%s/%s: fsync", d->path, d->tmp);
	close(fd);
	int locked;
	while ((locked = flock(lock_fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r == 0 && locked < 0)
		r = jc_error_errno(err, errno, "%s: lock", d->path);
	if (r == 0 && !dir_unmoved(d))
		r = jc_error_set(err, ENOENT, "%s: renamed or destroyed meanwhile", d->path);
	if (r < 0) {
		unlinkat(d->fd, d->tmp, 0);
		return r;
	}
	if (fstatat(d->fd, "config.json", &after, 0) < 0 || !same_file(&before, &after)) {
		unlinkat(d->fd, d->tmp, 0);   /* somebody wrote it meanwhile: merge into theirs */
		return 0;
	}
	if (renameat(d->fd, d->tmp, d->fd, "config.json") < 0) {
		r = jc_error_errno(err, errno, "%s/config.json", d->path);
		unlinkat(d->fd, d->tmp, 0);
		return r;
	}
	return 1;
}

int jc_jail_record_last_started(struct jc_jail *jail, const char *stamp, int lock_fd,
				struct jc_error *err)
{
	struct facts_dir d = { .path = jail->dir };
	snprintf(d.tmp, sizeof(d.tmp), "config.json.tmp.%ld", (long)getpid());
	cleanup_close int fd = open(jail->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &d.st) < 0)
		return jc_error_errno(err, errno, "%s", jail->dir);
	d.fd = fd;
	for (int tries = 0; tries < 10; tries++) {
		int r = last_started_once(&d, stamp, lock_fd, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return jc_error_set(err, EAGAIN, "%s/config.json: changed by others at every try", jail->dir);
}

void jc_jail_note_facts(struct jc_jail *jail, json_t *facts)
{
	if (jail->config)
		json_object_update(jail->config, facts);
	if (jail->effective)
		json_object_update(jail->effective, facts);
}

static int check_jail_change(const struct jc_jail *jail, struct jc_prop_change *c, bool running,
			     bool *restart_needed, struct jc_error *err)
{
	const struct jc_prop *prop = NULL;
	int r = jc_prop_change_check(c, false, &prop, err);
	if (r < 0)
		return r;
	if (running && (prop->flags & JC_PROP_STOPPED_ONLY))
		return jc_error_set(err, EBUSY, "%s: cannot be changed while %s is running", c->key,
				    jail->name);
	/* A property with no effect on Linux never needs a restart. */
	if (running && !(prop->flags & JC_PROP_LIVE) && prop->linux_meaning)
		*restart_needed = true;
	return 0;
}

/* Thin config: a value equal to the default is not stored, so the jail follows the default. */
static void apply_jail_change(const struct jc_ctx *ctx, json_t *config, const struct jc_jail *jail,
			      struct jc_prop_change *c)
{
	const struct jc_prop *prop = jc_prop_find(c->key);
	free(c->old_text);
	c->old_text = jc_jail_get(jail, c->key);
	cleanup_free char *def = jc_defaults_get_text(ctx, c->key);
	if (jc_streq(def, c->new_text))
		json_object_del(config, c->key);
	else
		json_object_set_new(config, c->key, jc_prop_value_to_json(prop, c->new_text));
}

int jc_jail_update(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_prop_change *changes,
		   size_t n, bool running, bool *restart_needed, struct jc_error *err)
{
	*restart_needed = false;
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	for (size_t i = 0; i < n; i++) {
		int r = check_jail_change(jail, &changes[i], running, restart_needed, err);
		if (r < 0)
			return r;
	}
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r < 0)
		return r;
	/* Re-read under the lock so concurrent sets never lose an update. */
	load_config(ctx, jail);
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	json_t *config = json_deep_copy(jail->config);
	for (size_t i = 0; i < n; i++)
		apply_jail_change(ctx, config, jail, &changes[i]);
	r = jc_jail_write_config(ctx, jail, config, err);
	json_decref(config);
	return r;
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Remove a jail directory: its root dataset through the back end, then the rest. On
 * btrfs the back end also removes nested subvolumes (snapshots) in the directory. */
int jc_jail_remove_dir(struct jc_ctx *ctx, const char *dir, struct jc_error *err)
{
	if (ctx->storage == &jc_storage_btrfs)
		return ctx->storage->destroy(dir, err);
	cleanup_free char *root = xasprintf("%s/root", dir);
	int r = ctx->storage->destroy(root, err);
	if (r < 0)
		return r;
	return jc_tree_remove(dir, NULL, NULL, err);
}

/* Leftovers are named .create-NAME-PID / .destroy-NAME-PID; the pid tells if the command
 * that made them is still running. */
static void clean_dir_leftovers(struct jc_ctx *ctx, const char *base)
{
	cleanup_closedir DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!jc_str_has_prefix(de->d_name, ".create-") && !jc_str_has_prefix(de->d_name, ".destroy-"))
			continue;
		const char *dash = strrchr(de->d_name, '-');
		long pid = 0;
		if (!dash || jc_parse_long(dash + 1, &pid) < 0 || pid_alive(pid))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", base, de->d_name);
		struct jc_error err = { 0 };
		if (jc_jail_remove_dir(ctx, path, &err) < 0)
			jc_warning(ctx, "cannot remove leftover %s: %s", path, err.msg);
		else
			jc_debug(ctx, "removed leftover %s", path);
	}
}

int jc_jail_clean_leftovers(struct jc_ctx *ctx, struct jc_error *err)
{
	int r = jc_ctx_open_pool(ctx, err);
	if (r < 0)
		return r;
	for (int t = 0; t < 2; t++) {
		cleanup_free char *base = jails_dir(ctx, t == 1);
		clean_dir_leftovers(ctx, base);
	}
	return 0;
}

int jc_jail_destroy(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err)
{
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r < 0)
		return r;
	/* Unpublish first with one rename: a crash after it leaves a dot entry that the next
	 * command removes, never a half-destroyed jail that list shows. */
	cleanup_free char *base = jails_dir(ctx, jail->is_template);
	cleanup_free char *aside = xasprintf("%s/.destroy-%s-%ld", base, jail->name, (long)getpid());
	if (rename(jail->dir, aside) < 0)
		return jc_error_errno(err, errno, "%s: cannot destroy", jail->name);
	jc_fsync_parent(aside, err);
	r = jc_jail_remove_dir(ctx, aside, err);
	if (r < 0)
		return jc_error_wrap(err, "%s: destroyed, but cleaning up failed", jail->name);
	cleanup_free char *log = xasprintf("%s/log/%s-console.log", ctx->iocroot, jail->name);
	unlink(log);
	return 0;
}

static bool names_collide(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la != strlen(b))
		return false;
	for (size_t i = 0; i < la; i++) {
		char x = a[i] == '.' ? '_' : a[i], y = b[i] == '.' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

int jc_jail_check_name_free(const struct jc_ctx *ctx, const char *name, struct jc_error *err)
{
	int r = jc_validate_jail_name(name, err);
	if (r < 0)
		return r;
	for (int t = 0; t < 2; t++) {
		cleanup_strv char **names = NULL;
		r = jc_jail_names(ctx, t == 1, &names, err);
		if (r < 0)
			return r;
		for (size_t i = 0; names[i]; i++)
			if (names_collide(names[i], name))
				return jc_error_set(err, EEXIST, "%s: a %s named %s already exists%s", name,
						    t ? "template" : "jail", names[i],
						    strcmp(names[i], name) ? " ('.' and '_' are the same in names)" : "");
	}
	return 0;
}

/* Rewrite fstab destinations from one jail root to another (rename, clone). */
int jc_jail_rebase_fstab(const char *fstab_path, const char *old_root, const char *new_root,
			 struct jc_error *err)
{
	struct jc_fstab fstab;
	int r = jc_fstab_read(fstab_path, &fstab, err);
	if (r < 0)
		return r;
	size_t ol = strlen(old_root);
	for (size_t i = 0; i < fstab.n; i++) {
		char *dst = fstab.entries[i].dst;
		if (strncmp(dst, old_root, ol) == 0 && (dst[ol] == '/' || dst[ol] == '\0')) {
			fstab.entries[i].dst = xasprintf("%s%s", new_root, dst + ol);
			free(dst);
		}
	}
	r = fstab.n ? jc_fstab_write(fstab_path, &fstab, err) : 0;
	jc_fstab_release(&fstab);
	return r;
}

static void rename_identity(json_t *config, const char *old_name, const char *new_name)
{
	json_object_set_new(config, "host_hostuuid", json_string(new_name));
	cleanup_free char *old_host = xstrdup(old_name);
	for (char *p = old_host; *p; p++)
		if (*p == '_')
			*p = '-';
	const char *host = json_string_value(json_object_get(config, "host_hostname"));
	if (!host || strcmp(host, old_host) == 0 || strcmp(host, old_name) == 0) {
		cleanup_free char *new_host = xstrdup(new_name);
		for (char *p = new_host; *p; p++)
			if (*p == '_')
				*p = '-';
		json_object_set_new(config, "host_hostname", json_string(new_host));
	}
	cleanup_free char *ds = xasprintf("iocage/jails/%s/data", new_name);
	json_object_set_new(config, "jail_zfs_dataset", json_string(ds));
}

int jc_jail_rename(struct jc_ctx *ctx, struct jc_jail *jail, const char *new_name,
		   struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	int r = jc_jail_check_name_free(ctx, new_name, err);
	if (r < 0)
		return r;
	cleanup_close int lock_old = -1, lock_new = -1;
	if ((r = jc_jail_lock(ctx, jail->name, &lock_old, err)) < 0 ||
	    (r = jc_jail_lock(ctx, new_name, &lock_new, err)) < 0)
		return r;
	cleanup_free char *base = jails_dir(ctx, jail->is_template);
	cleanup_free char *new_dir = xasprintf("%s/%s", base, new_name);
	cleanup_free char *new_root = xasprintf("%s/root", new_dir);
	/* Config first (in the old place), then one rename publishes the renamed jail. */
	json_t *config = json_deep_copy(jail->config);
	rename_identity(config, jail->name, new_name);
	r = jc_jail_write_config(ctx, jail, config, err);
	json_decref(config);
	if (r < 0)
		return r;
	r = jc_jail_rebase_fstab(jail->fstab, jail->root, new_root, err);
	if (r < 0)
		return r;
	if (rename(jail->dir, new_dir) < 0)
		return jc_error_errno(err, errno, "%s: cannot rename to %s", jail->name, new_name);
	jc_fsync_parent(new_dir, err);
	cleanup_free char *old_log = xasprintf("%s/log/%s-console.log", ctx->iocroot, jail->name);
	cleanup_free char *new_log = xasprintf("%s/log/%s-console.log", ctx->iocroot, new_name);
	rename(old_log, new_log);
	return 0;
}

int jc_jail_set_template(struct jc_ctx *ctx, struct jc_jail *jail, bool template,
			 struct jc_error *err)
{
	if (jail->corrupt)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	if (jail->is_template == template)
		return 0;
	cleanup_close int lock_fd = -1;
	int r = jc_jail_lock(ctx, jail->name, &lock_fd, err);
	if (r < 0)
		return r;
	/* Under the lock: a start's last_started may have landed since the jail was read. */
	load_config(ctx, jail);
	if (!jail->config)
		return jc_error_set(err, EBADMSG, "%s: %s", jail->name, jail->corrupt);
	json_t *config = json_deep_copy(jail->config);
	json_object_set_new(config, "type", json_string(template ? "template" : "jail"));
	if (template)
		json_object_set_new(config, "template", json_integer(1));
	else
		json_object_del(config, "template");
	if (!template)
		ctx->storage->set_readonly(jail->root, false, err);
	r = jc_jail_write_config(ctx, jail, config, err);
	json_decref(config);
	if (r < 0)
		return r;
	cleanup_free char *base = jails_dir(ctx, template);
	cleanup_free char *new_dir = xasprintf("%s/%s", base, jail->name);
	cleanup_free char *new_root = xasprintf("%s/root", new_dir);
	r = jc_jail_rebase_fstab(jail->fstab, jail->root, new_root, err);
	if (r < 0)
		return r;
	if (rename(jail->dir, new_dir) < 0)
		return jc_error_errno(err, errno, "%s: cannot move to %s", jail->name, base);
	jc_fsync_parent(new_dir, err);
	free(jail->dir);
	free(jail->root);
	free(jail->fstab);
	jail->dir = steal_ptr(new_dir);
	jail->root = steal_ptr(new_root);
	jail->fstab = xasprintf("%s/fstab", jail->dir);
	jail->is_template = template;
	if (template)
		return ctx->storage->set_readonly(jail->root, true, err);
	return 0;
}

/* On the dir back end a clone is an overlay: mount it in a private mount namespace of a
 * child process, so nothing is ever mounted on the host. */
int jc_jail_with_root(struct jc_ctx *ctx, const char *root, jc_root_fn fn, void *arg,
		      struct jc_error *err)
{
	if (!ctx->storage->clone_needs_mount) {
		/* mount() also completes or undoes an interrupted restore. */
		int r = ctx->storage->mount(root, err);
		return r < 0 ? r : fn(root, arg, err);
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		return jc_error_errno(err, errno, "fork");
	if (pid == 0) {
		close(pipefd[0]);
		struct jc_error cerr = { 0 };
		int r = 0;
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			r = jc_error_errno(&cerr, errno, "%s: private mount namespace", root);
		if (r == 0)
			r = ctx->storage->mount(root, &cerr);
		if (r == 0)
			r = fn(root, arg, &cerr);
		if (r < 0 && write(pipefd[1], cerr.msg, strlen(cerr.msg)) < 0)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(pipefd[1]);
	char msg[JC_ERROR_MSG_MAX] = "";
	ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	msg[n > 0 ? n : 0] = '\0';
	return jc_error_set(err, EIO, "%s", msg[0] ? msg : "working in the jail root failed");
}

char **jc_basejail_dirs(const char *release_root)
{
	static const char *const candidates[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr" };
	char **out = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < JC_ARRAY_SIZE(candidates); i++) {
		cleanup_free char *p = xasprintf("%s/%s", release_root, candidates[i]);
		struct stat st;
		/* lstat: a merged-/usr symlink (bin -> usr/bin) is covered by the /usr mount. */
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			jc_strv_push(&out, candidates[i]);
	}
	return out;
}
