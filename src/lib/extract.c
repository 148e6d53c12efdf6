/* Extraction with archive_write_disk into a fresh root, with our own member checks.
 * archive_write_disk has no directory-fd API and chdir() is process-wide, so members
 * are re-rooted to absolute paths under the canonical root before writing. That is
 * why ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS is not passed: absolute member names
 * are refused by jc_member_normalize before re-rooting, which is stricter anyway.
 * Owners are taken numerically from the archive (no name lookup on the host, whose
 * users have nothing to do with the release's /etc/passwd). libarchive is loaded per
 * extraction (archive_api.h). */
#include "extract.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_api.h"
#include "util.h"

#define EXTRACT_FLAGS (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | \
		       ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_FFLAGS | \
		       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS)

/* Member names come from untrusted archives: keep control bytes out of messages. */
static char *printable(const char *s)
{
	size_t n = strnlen(s, 256);
	char *out = xstrndup(s, n);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

int jc_member_normalize(const char *name, char **out, struct jc_error *err)
{
	cleanup_free char *shown = printable(name ? name : "");
	if (!name || !*name)
		return jc_error_set(err, EINVAL, "member '': empty path");
	if (name[0] == '/')
		return jc_error_set(err, EPERM, "member '%s': absolute path", shown);
	cleanup_free char *norm = xcalloc(1, strlen(name) + 1);
	size_t used = 0;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return jc_error_set(err, EPERM, "member '%s': '..' component escapes the root",
					    shown);
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (used)
				norm[used++] = '/';
			memcpy(norm + used, p, len);
			used += len;
		}
		p += len;
		p += strspn(p, "/");
	}
	*out = used ? steal_ptr(norm) : NULL;
	return 0;
}

int jc_member_check_parents(int root_fd, const char *rel, struct jc_error *err)
{
	cleanup_free char *copy = xstrdup(rel);
	for (char *p = strchr(copy, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		struct stat st;
		/* Each earlier component was checked to be a real directory, so this lookup
		 * never follows a symlink before the one it tests. */
		if (fstatat(root_fd, copy, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				return 0;
			cleanup_free char *shown = printable(rel);
			return jc_error_errno(err, errno, "member '%s'", shown);
		}
		if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
			cleanup_free char *shown = printable(rel);
			cleanup_free char *dir = printable(copy);
			return jc_error_set(err, EPERM, "member '%s': %s '%s'", shown,
					    S_ISLNK(st.st_mode) ? "passes through symlink" :
					    "passes through non-directory", dir);
		}
		*p = '/';
	}
	return 0;
}

/* A hard link must name a file already extracted inside the root. */
static int check_hardlink(int root_fd, const char *member, const char *target, char **out,
			  struct jc_error *err)
{
	cleanup_free char *norm = NULL;
	cleanup_free char *shown = printable(member);
	cleanup_free char *tshown = printable(target);
	struct jc_error sub = { 0 };
	if (jc_member_normalize(target, &norm, &sub) < 0 || !norm)
		return jc_error_set(err, EPERM, "member '%s': hard link target '%s' is outside the root",
				    shown, tshown);
	if (jc_member_check_parents(root_fd, norm, &sub) < 0)
		return jc_error_set(err, EPERM, "member '%s': hard link target '%s' is outside the root",
				    shown, tshown);
	struct stat st;
	if (fstatat(root_fd, norm, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
		return jc_error_set(err, EPERM, "member '%s': hard link target '%s' is not a file in the archive",
				    shown, tshown);
	*out = steal_ptr(norm);
	return 0;
}

struct extract_run {
	const struct jc_archive_api *a;
	struct archive *in, *out;
	int root_fd;
	const char *root;
	const char *label;
	uint64_t total;
	jc_progress_fn progress;
	void *user;
};

/* Check one entry and re-root its paths under root. *skip for the root entry itself. */
static int place_entry(const struct jc_archive_api *a, struct archive_entry *e, int root_fd,
		       const char *root, bool *skip, struct jc_error *err)
{
	const char *name = a->archive_entry_pathname(e);
	if (!name)
		return jc_error_set(err, EINVAL, "member with an unreadable name");
	cleanup_free char *rel = NULL;
	int r = jc_member_normalize(name, &rel, err);
	if (r < 0)
		return r;
	*skip = rel == NULL;
	if (*skip)
		return 0;
	r = jc_member_check_parents(root_fd, rel, err);
	if (r < 0)
		return r;
	const char *link = a->archive_entry_hardlink(e);
	if (link) {
		cleanup_free char *target = NULL;
		r = check_hardlink(root_fd, name, link, &target, err);
		if (r < 0)
			return r;
		cleanup_free char *abs_target = xasprintf("%s/%s", root, target);
		a->archive_entry_copy_hardlink(e, abs_target);
	}
	cleanup_free char *abs = xasprintf("%s/%s", root, rel);
	a->archive_entry_copy_pathname(e, abs);
	return 0;
}

static int copy_data(const struct jc_archive_api *a, struct archive *in, struct archive *out,
		     const char *member, struct jc_error *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = a->archive_read_data_block(in, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return jc_error_set(err, EIO, "member '%s': %s", member, a->archive_error_string(in));
		if (a->archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return jc_error_set(err, a->archive_errno(out) > 0 ? a->archive_errno(out) : EIO,
					    "member '%s': %s", member, a->archive_error_string(out));
	}
}

static int write_fail(const struct jc_archive_api *a, struct archive *out, const char *shown,
		      struct jc_error *err)
{
	return jc_error_set(err, a->archive_errno(out) > 0 ? a->archive_errno(out) : EIO,
			    "member '%s': %s", shown, a->archive_error_string(out));
}

int jc_archive_copy_entry(const struct jc_archive_api *a, struct archive *in, struct archive *out,
			  struct archive_entry *e, const char *shown, struct jc_error *err)
{
	if (a->archive_write_header(out, e) < ARCHIVE_WARN)
		return write_fail(a, out, shown, err);
	if (a->archive_entry_size(e) > 0) {
		int r = copy_data(a, in, out, shown, err);
		if (r < 0)
			return r;
	}
	if (a->archive_write_finish_entry(out) < ARCHIVE_WARN)
		return write_fail(a, out, shown, err);
	return 0;
}

static int extract_entry(const struct extract_run *x, struct archive_entry *e,
			 struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	struct archive *in = x->in, *out = x->out;
	cleanup_free char *member = printable(a->archive_entry_pathname(e) ?
					      a->archive_entry_pathname(e) : "");
	bool skip = false;
	int r = place_entry(a, e, x->root_fd, x->root, &skip, err);
	if (r < 0 || skip)
		return r;
	return jc_archive_copy_entry(a, in, out, e, member, err);
}

static int extract_all(struct extract_run *x, struct jc_error *err)
{
	const struct jc_archive_api *a = x->a;
	for (;;) {
		struct archive_entry *e;
		int r = a->archive_read_next_header(x->in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return jc_error_set(err, EIO, "%s", a->archive_error_string(x->in));
		r = extract_entry(x, e, err);
		if (r < 0)
			return r;
		if (x->progress)
			x->progress(x->user, x->label, (uint64_t)a->archive_filter_bytes(x->in, -1),
				    x->total);
	}
	/* Closing applies the deferred directory modes and times. */
	if (a->archive_write_close(x->out) < ARCHIVE_WARN)
		return jc_error_set(err, EIO, "%s", a->archive_error_string(x->out));
	return 0;
}

int jc_extract_archive(const char *archive, const char *root, const char *what,
		       jc_progress_fn progress, void *user, struct jc_error *err)
{
	char real[PATH_MAX];
	if (!realpath(root, real))
		return jc_error_errno(err, errno, "%s", root);
	cleanup_close int root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return jc_error_errno(err, errno, "%s", real);
	struct stat st;
	if (stat(archive, &st) < 0)
		return jc_error_errno(err, errno, "%s", archive);
	cleanup_archive_api struct jc_archive_api api = { 0 };
	int r = jc_archive_api_open(&api, err);
	if (r < 0)
		return r;
	const struct jc_archive_api *a = &api;
	cleanup_free char *label = xasprintf("Extracting: %s", what);
	struct extract_run x = {
		.a = a, .in = a->archive_read_new(), .out = a->archive_write_disk_new(),
		.root_fd = root_fd, .root = real, .label = label, .total = (uint64_t)st.st_size,
		.progress = progress, .user = user,
	};
	if (!x.in || !x.out)
		abort();
	a->archive_read_support_filter_all(x.in);
	a->archive_read_support_format_tar(x.in);
	a->archive_write_disk_set_options(x.out, EXTRACT_FLAGS);
	if (progress)
		progress(user, label, 0, x.total);
	if (a->archive_read_open_filename(x.in, archive, 1 << 16) != ARCHIVE_OK)
		r = jc_error_set(err, EIO, "%s", a->archive_error_string(x.in));
	else
		r = extract_all(&x, err);
	a->archive_read_free(x.in);
	a->archive_write_free(x.out);
	if (r < 0)
		return jc_error_wrap(err, "%s", what);
	return 0;
}
