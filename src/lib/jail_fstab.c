/* A jail's mount points: add, remove and replace entries of its fstab (SPEC §3 fstab).
 * Sources must exist on the host; destinations are paths inside the jail, resolved in the
 * jail root without following any symlink, and created when missing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fstab.h"
#include "jail.h"
#include "util.h"

struct dst_check {
	const char *rel;   /* destination relative to the jail root */
	bool is_dir;
};

/* Walk rel below root one component at a time with O_NOFOLLOW: a symlink anywhere on
 * the way (which the jail's owner controls) could point the mount outside the jail. */
static int prepare_dst(const char *root, void *arg, struct jc_error *err)
{
	const struct dst_check *c = arg;
	cleanup_close int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return jc_error_errno(err, errno, "%s", root);
	cleanup_strv char **parts = jc_strsplit(c->rel, "/");
	size_t n = jc_strv_len(parts);
	for (size_t i = 0; i < n; i++) {
		bool last = i + 1 == n;
		struct stat st;
		if (fstatat(dirfd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISLNK(st.st_mode))
				return jc_error_set(err, EPERM, "/%s: destination escapes the jail root through the symlink '%s'",
						    c->rel, parts[i]);
			if (!last && !S_ISDIR(st.st_mode))
				return jc_error_set(err, ENOTDIR, "/%s: '%s' is not a directory", c->rel, parts[i]);
		} else if (errno != ENOENT) {
			return jc_error_errno(err, errno, "/%s", c->rel);
		} else if (!last || c->is_dir) {
			if (mkdirat(dirfd, parts[i], 0755) < 0 && errno != EEXIST)
				return jc_error_errno(err, errno, "/%s: creating mount point", c->rel);
		} else {
			int fd = openat(dirfd, parts[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0)
				return jc_error_errno(err, errno, "/%s: creating mount point", c->rel);
			close(fd);
		}
		if (last)
			break;
		int next = openat(dirfd, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return jc_error_errno(err, errno, "/%s", c->rel);
		close(dirfd);
		dirfd = next;
	}
	return 0;
}

static int check_dst_syntax(const char *dst, struct jc_error *err)
{
	if (dst[0] != '/')
		return jc_error_set(err, EINVAL, "%s: the destination must be an absolute path inside the jail", dst);
	cleanup_strv char **parts = jc_strsplit(dst, "/");
	if (!parts[0])
		return jc_error_set(err, EINVAL, "%s: cannot mount over the jail root", dst);
	for (size_t i = 0; parts[i]; i++)
		if (strcmp(parts[i], "..") == 0 || strcmp(parts[i], ".") == 0)
			return jc_error_set(err, EPERM, "%s: destination escapes the jail root through '%s'", dst, parts[i]);
	return 0;
}

static int check_entry(const struct jc_fstab_entry *e, struct stat *src_st, struct jc_error *err)
{
	if (strcmp(e->fstype, "nullfs") != 0 && strcmp(e->fstype, "bind") != 0)
		return jc_error_set(err, EINVAL, "%s: unsupported file system type (use nullfs)", e->fstype);
	cleanup_strv char **opts = jc_strsplit(e->opts, ",");
	for (size_t i = 0; opts[i]; i++)
		if (strcmp(opts[i], "ro") != 0 && strcmp(opts[i], "rw") != 0)
			return jc_error_set(err, EINVAL, "%s: unsupported mount option (use ro or rw)", opts[i]);
	if (e->src[0] != '/')
		return jc_error_set(err, EINVAL, "%s: the source must be an absolute host path", e->src);
	if (stat(e->src, src_st) < 0)
		return jc_error_errno(err, errno, "%s: source", e->src);
	return check_dst_syntax(e->dst, err);
}

/* Turn a user entry (DST inside the jail) into a stored one (DST under the jail root),
 * after checking it and creating the mount point. */
int jc_jail_fstab_prepare(struct jc_ctx *ctx, const struct jc_jail *jail, const char *text,
			  struct jc_fstab_entry *out, struct jc_error *err)
{
	int r = jc_fstab_parse_line(text, out, err);
	if (r < 0)
		return r;
	struct stat st;
	r = check_entry(out, &st, err);
	if (r == 0) {
		struct dst_check c = { .rel = out->dst + 1, .is_dir = S_ISDIR(st.st_mode) };
		r = jc_jail_with_root(ctx, jail->root, prepare_dst, &c, err);
	}
	if (r < 0) {
		jc_fstab_entry_release(out);
		return r;
	}
	char *host_dst = xasprintf("%s%s", jail->root, out->dst);
	free(out->dst);
	out->dst = host_dst;
	if (!out->comment)
		out->comment = xstrdup("added by jailctl");
	return 0;
}

/* DST as the user sees it: the path inside the jail. */
const char *jc_jail_fstab_jail_path(const struct jc_jail *jail, const struct jc_fstab_entry *e)
{
	size_t l = strlen(jail->root);
	if (strncmp(e->dst, jail->root, l) == 0 && e->dst[l] == '/')
		return e->dst + l;
	return e->dst;
}
