/* Unit tests: release names, archive member checks and extraction, apt sources
 * parsing, simplestreams selection, and the small download/checksum helpers. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "copytree.h"
#include "download.h"
#include "extract.h"
#include "fileio.h"
#include "release.h"
#include "release_priv.h"
#include "sha256.h"
#include "util.h"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
	char *dir = xstrdup("/tmp/jc-test-release-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void rm_tree(char *dir)
{
	struct jc_error err = { 0 };
	assert_int_equal(jc_tree_remove(dir, NULL, NULL, &err), 0);
	free(dir);
}

static void write_text(const char *path, const char *text)
{
	struct jc_error err = { 0 };
	assert_int_equal(jc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
}

/* ---- names ---- */

static void test_validate_name(void **state)
{
	(void)state;
	static const char *const good[] = { "busybox", "debian-12", "alpine-3.20", "a", "A_b.c-1",
					    "123" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(good); i++)
		assert_int_equal(jc_release_validate_name(good[i], NULL), 0);
	static const char *const bad[] = { "", ".", "..", ".hidden", "-x", "_x", "a/b", "a b",
					   "a:b", "x\n", "caf\xc3\xa9" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++) {
		struct jc_error err = { 0 };
		assert_int_equal(jc_release_validate_name(bad[i], &err), -EINVAL);
		assert_non_null(strstr(err.msg, "invalid release name"));
	}
	assert_int_equal(jc_release_validate_name(NULL, NULL), -EINVAL);
	char name[65];
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(jc_release_validate_name(name, NULL), -EINVAL);
	name[63] = '\0';
	assert_int_equal(jc_release_validate_name(name, NULL), 0);
}

/* ---- member paths ---- */

static void expect_norm(const char *name, const char *want)
{
	cleanup_free char *out = NULL;
	struct jc_error err = { 0 };
	assert_int_equal(jc_member_normalize(name, &out, &err), 0);
	if (want)
		assert_string_equal(out, want);
	else
		assert_null(out);
}

static void expect_refused(const char *name, const char *why)
{
	cleanup_free char *out = NULL;
	struct jc_error err = { 0 };
	assert_int_equal(jc_member_normalize(name, &out, &err), -EPERM);
	assert_non_null(strstr(err.msg, why));
	assert_null(out);
}

static void test_member_normalize(void **state)
{
	(void)state;
	expect_norm("./a//b/", "a/b");
	expect_norm("a/./b", "a/b");
	expect_norm("etc/passwd", "etc/passwd");
	expect_norm("..a/...", "..a/...");
	expect_norm(".", NULL);
	expect_norm("./", NULL);
	expect_refused("/etc/x", "absolute path");
	expect_refused("../../etc/x", "'..'");
	expect_refused("a/../b", "'..'");
	expect_refused("./..", "'..'");
	expect_refused("a/..", "'..'");
	struct jc_error err = { 0 };
	char *out = NULL;
	assert_int_equal(jc_member_normalize("", &out, &err), -EINVAL);
}

static void test_member_parents(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	cleanup_free char *d = xasprintf("%s/d", dir);
	cleanup_free char *bin = xasprintf("%s/bin", dir);
	cleanup_free char *f = xasprintf("%s/f", dir);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(symlink("/", bin), 0);
	write_text(f, "x");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	struct jc_error err = { 0 };
	assert_int_equal(jc_member_check_parents(fd, "bin/x", &err), -EPERM);
	assert_non_null(strstr(err.msg, "member 'bin/x': passes through symlink 'bin'"));
	assert_int_equal(jc_member_check_parents(fd, "f/x", &err), -EPERM);
	assert_non_null(strstr(err.msg, "non-directory"));
	assert_int_equal(jc_member_check_parents(fd, "d/x", &err), 0);
	assert_int_equal(jc_member_check_parents(fd, "d/e/f/g", &err), 0);
	assert_int_equal(jc_member_check_parents(fd, "bin", &err), 0); /* replaced, not followed */
	close(fd);
	rm_tree(dir);
}

/* ---- extraction ---- */

enum kind { REG, DIR_, SYM, HARD };
struct member {
	enum kind kind;
	const char *name;
	const char *target;  /* symlink or hard link target; file content for REG */
};

static void make_tar(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		switch (m[i].kind) {
		case REG:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(m[i].target));
			break;
		case DIR_:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case SYM:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, m[i].target);
			break;
		case HARD:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, m[i].target);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].kind == REG)
			archive_write_data(a, m[i].target, strlen(m[i].target));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static void test_extract_good(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	cleanup_free char *tar = xasprintf("%s/good.tar.gz", dir);
	cleanup_free char *root = xasprintf("%s/root", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	const struct member m[] = {
		{ DIR_, "./", NULL }, { DIR_, "./etc/", NULL }, { REG, "./etc/hostname", "box\n" },
		{ SYM, "./bin", "/usr/bin" }, { DIR_, "usr/bin", NULL },
		{ HARD, "etc/hostname2", "./etc/hostname" },
	};
	make_tar(tar, m, JC_ARRAY_SIZE(m));
	struct jc_error err = { 0 };
	assert_int_equal(jc_extract_archive(tar, root, "good.tar.gz", NULL, NULL, &err), 0);
	cleanup_free char *host = xasprintf("%s/etc/hostname", root);
	cleanup_free char *host2 = xasprintf("%s/etc/hostname2", root);
	cleanup_free char *bin = xasprintf("%s/bin", root);
	struct stat a, b;
	assert_int_equal(stat(host, &a), 0);
	assert_int_equal(stat(host2, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	char target[64] = { 0 };
	assert_true(readlink(bin, target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "/usr/bin");
	rm_tree(dir);
}

static void expect_extract_refused(const struct member *m, size_t n, const char *why)
{
	char *dir = make_tmpdir();
	cleanup_free char *tar = xasprintf("%s/bad.tar.gz", dir);
	cleanup_free char *root = xasprintf("%s/root", dir);
	cleanup_free char *outside = xasprintf("%s/outside", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	/* Members name the outside directory through @OUT@. */
	struct member copy[8];
	char *targets[8] = { 0 };
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		copy[i] = m[i];
		if (m[i].target && strcmp(m[i].target, "@OUT@") == 0)
			copy[i].target = targets[i] = xstrdup(outside);
	}
	make_tar(tar, copy, n);
	struct jc_error err = { 0 };
	assert_true(jc_extract_archive(tar, root, "bad.tar.gz", NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "bad.tar.gz: "));
	assert_non_null(strstr(err.msg, why));
	cleanup_free char *escaped = xasprintf("%s/x", outside);
	assert_false(jc_path_exists(escaped));
	for (size_t i = 0; i < n; i++)
		free(targets[i]);
	rm_tree(dir);
}

static void test_extract_refused(void **state)
{
	(void)state;
	const struct member through[] = { { SYM, "bin", "@OUT@" }, { REG, "bin/x", "evil" } };
	expect_extract_refused(through, 2, "member 'bin/x': passes through symlink 'bin'");
	const struct member dotdot[] = { { DIR_, "etc", NULL }, { REG, "../../etc/x", "evil" } };
	expect_extract_refused(dotdot, 2, "member '../../etc/x': '..' component");
	const struct member absolute[] = { { REG, "/tmp/x", "evil" } };
	expect_extract_refused(absolute, 1, "member '/tmp/x': absolute path");
	const struct member hard[] = { { HARD, "etc/shadow", "../../../etc/shadow" } };
	expect_extract_refused(hard, 1, "hard link target '../../../etc/shadow' is outside the root");
	const struct member hard_sym[] = { { SYM, "lnk", "@OUT@" }, { HARD, "h", "lnk/f" } };
	expect_extract_refused(hard_sym, 2, "outside the root");
}

static void test_extract_not_an_archive(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	cleanup_free char *junk = xasprintf("%s/junk.tar.xz", dir);
	cleanup_free char *root = xasprintf("%s/root", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	write_text(junk, "this is not an archive at all, not even close to one\n");
	struct jc_error err = { 0 };
	assert_true(jc_extract_archive(junk, root, "junk.tar.xz", NULL, NULL, &err) < 0);
	assert_true(jc_str_has_prefix(err.msg, "junk.tar.xz: "));
	rm_tree(dir);
}

/* ---- apt sources ---- */

static void test_apt_one_line(void **state)
{
	(void)state;
	cleanup_free char *m = NULL;
	const char *text =
		"# deb http://192.0.2.9/debian bookworm main\n"
		"deb-src http://192.0.2.8/debian bookworm main\n"
		"deb https://192.0.2.7/cloud cloud-sdk-bookworm main\n"
		"deb http://192.0.2.6/debian-security bookworm-security main\n"
		"deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://192.0.2.1/debian bookworm main # x\n"
		"deb http://192.0.2.2/debian bookworm main\n";
	assert_int_equal(jc_apt_parse_list(text, &m), 1);
	assert_string_equal(m, "http://192.0.2.1/debian");
	cleanup_free char *none = NULL;
	assert_int_equal(jc_apt_parse_list("deb cdrom:[x]/ bookworm main\n\n", &none), 0);
	assert_null(none);
	cleanup_free char *spaced = NULL;
	assert_int_equal(jc_apt_parse_list("  deb [ trusted=yes ] file:/srv/mirror trixie main\n", &spaced), 1);
	assert_string_equal(spaced, "file:/srv/mirror");
}

static void test_apt_deb822(void **state)
{
	(void)state;
	const char *text =
		"Types: deb\n"
		"URIs: http://192.0.2.5/debian\n"
		"Suites: bookworm\n"
		"Components: main\n"
		"Enabled: no\n"
		"\n"
		"# comment\n"
		"Types: deb-src\n"
		"URIs: http://192.0.2.4/debian\n"
		"Suites: bookworm\n"
		"\n"
		"Types: deb\n"
		"URIs: http://192.0.2.3/debian-security\n"
		"Suites: bookworm-security\n"
		"\n"
		"types: deb deb-src\n"
		"uris: mirror+file:/etc/apt/mirrors.txt\n"
		" http://192.0.2.1/debian\n"
		"suites: bookworm bookworm-updates\n"
		"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
	cleanup_free char *m = NULL;
	assert_int_equal(jc_apt_parse_deb822(text, &m), 1);
	assert_string_equal(m, "http://192.0.2.1/debian");
	cleanup_free char *none = NULL;
	assert_int_equal(jc_apt_parse_deb822("Types: deb\nURIs: http://192.0.2.1/x\nSuites: nodistro\n", &none), 0);
}

static void test_apt_mirror_files(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	cleanup_free char *list = xasprintf("%s/sources.list", dir);
	cleanup_free char *d = xasprintf("%s/sources.list.d", dir);
	cleanup_free char *a = xasprintf("%s/a.list", d);
	cleanup_free char *b = xasprintf("%s/b.sources", d);
	cleanup_free char *c = xasprintf("%s/c.list", d);
	cleanup_free char *off = xasprintf("%s/0.list.disabled", d);
	struct jc_error err = { 0 };
	cleanup_free char *m0 = NULL;
	assert_int_equal(jc_apt_mirror(dir, &m0, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no Debian mirror configured"));
	write_text(list, "# nothing here\n");
	assert_int_equal(mkdir(d, 0755), 0);
	write_text(off, "deb http://192.0.2.9/debian bookworm main\n");
	write_text(a, "deb https://192.0.2.8/repo nodistro main\n");
	write_text(b, "Types: deb\nURIs: http://192.0.2.1/debian\nSuites: trixie\n");
	write_text(c, "deb http://192.0.2.2/debian bookworm main\n");
	cleanup_free char *m = NULL;
	assert_int_equal(jc_apt_mirror(dir, &m, &err), 0);
	assert_string_equal(m, "http://192.0.2.1/debian");
	write_text(list, "deb http://192.0.2.3/debian bullseye main contrib\n");
	cleanup_free char *m2 = NULL;
	assert_int_equal(jc_apt_mirror(dir, &m2, &err), 0);
	assert_string_equal(m2, "http://192.0.2.3/debian");
	rm_tree(dir);
}

static void test_debian_suites(void **state)
{
	(void)state;
	assert_string_equal(jc_debian_suite("debian-11"), "bullseye");
	assert_string_equal(jc_debian_suite("debian-12"), "bookworm");
	assert_string_equal(jc_debian_suite("debian-13"), "trixie");
	assert_null(jc_debian_suite("debian-99"));
	assert_null(jc_debian_suite("busybox"));
}

/* ---- simplestreams ---- */

static const char products_json[] =
	"{\"products\": {"
	" \"alpine:3.20:amd64:default\": {\"arch\": \"amd64\", \"os\": \"Alpine\", \"release\": \"3.20\","
	"   \"variant\": \"default\", \"aliases\": \"alpine/3.20/default,alpine/3.20\","
	"   \"versions\": {"
	"     \"20240101_13:00\": {\"items\": {\"root.tar.xz\": {\"ftype\": \"root.tar.xz\","
	"        \"path\": \"images/alpine/old/rootfs.tar.xz\", \"sha256\": \"" "1111111111111111111111111111111111111111111111111111111111111111" "\", \"size\": 10}}},"
	"     \"20240301_13:00\": {\"items\": {\"root.tar.xz\": {\"ftype\": \"root.tar.xz\","
	"        \"path\": \"images/alpine/new/rootfs.tar.xz\", \"sha256\": \"" "2222222222222222222222222222222222222222222222222222222222222222" "\", \"size\": 20},"
	"        \"lxd.tar.xz\": {\"ftype\": \"lxd.tar.xz\", \"path\": \"x\", \"sha256\": \"33\"}}},"
	"     \"20240401_13:00\": {\"items\": {\"disk.qcow2\": {\"ftype\": \"disk-kvm.img\","
	"        \"path\": \"images/alpine/vm/disk.qcow2\", \"sha256\": \"44\"}}}}},"
	" \"alpine:3.20:arm64:default\": {\"arch\": \"arm64\", \"os\": \"Alpine\", \"release\": \"3.20\","
	"   \"variant\": \"default\", \"versions\": {\"20240501_13:00\": {\"items\": {\"root.tar.xz\": {"
	"     \"ftype\": \"root.tar.xz\", \"path\": \"images/alpine/arm/rootfs.tar.xz\", \"sha256\": \"" "5555555555555555555555555555555555555555555555555555555555555555" "\"}}}}},"
	" \"alpine:3.20:amd64:cloud\": {\"arch\": \"amd64\", \"os\": \"Alpine\", \"release\": \"3.20\","
	"   \"variant\": \"cloud\", \"versions\": {\"20240101_13:00\": {\"items\": {\"root.tar.xz\": {"
	"     \"ftype\": \"root.tar.xz\", \"path\": \"images/alpine/cloud/rootfs.tar.xz\", \"sha256\": \"" "6666666666666666666666666666666666666666666666666666666666666666" "\"}}}}},"
	" \"debian:bookworm:amd64:default\": {\"arch\": \"amd64\", \"os\": \"Debian\", \"release\": \"bookworm\","
	"   \"variant\": \"default\", \"aliases\": \"debian/bookworm/default,debian/bookworm,debian/12\","
	"   \"versions\": {\"20240101_05:24\": {\"items\": {\"root.tar.xz\": {"
	"     \"ftype\": \"root.tar.xz\", \"path\": \"images/debian/rootfs.tar.xz\", \"sha256\": \"" "7777777777777777777777777777777777777777777777777777777777777777" "\"}}}}},"
	" \"fedora:40:arm64:default\": {\"arch\": \"arm64\", \"os\": \"Fedora\", \"release\": \"40\","
	"   \"variant\": \"default\", \"versions\": {\"20240101_05:24\": {\"items\": {\"root.tar.xz\": {"
	"     \"ftype\": \"root.tar.xz\", \"path\": \"images/fedora/rootfs.tar.xz\", \"sha256\": \"" "8888888888888888888888888888888888888888888888888888888888888888" "\"}}}}},"
	" \"centos:9:amd64:default\": {\"arch\": \"amd64\", \"os\": \"Centos\", \"release\": \"9\","
	"   \"versions\": {\"20240101_05:24\": {\"items\": {\"disk.qcow2\": {"
	"     \"ftype\": \"disk-kvm.img\", \"path\": \"images/centos/disk.qcow2\", \"sha256\": \"99\"}}}}}"
	"}}";

static json_t *load_products(void)
{
	json_error_t jerr;
	json_t *doc = json_loads(products_json, 0, &jerr);
	if (!doc)
		fail_msg("products JSON: %s (line %d)", jerr.text, jerr.line);
	json_t *p = json_incref(json_object_get(doc, "products"));
	json_decref(doc);
	return p;
}

static void test_ss_select(void **state)
{
	(void)state;
	json_t *products = load_products();
	struct jc_ss_image img = { 0 };
	struct jc_error err = { 0 };
	assert_int_equal(jc_ss_select(products, "alpine-3.20", "amd64", &img, &err), 0);
	assert_string_equal(img.product, "alpine:3.20:amd64:default");
	assert_string_equal(img.version, "20240301_13:00");   /* newest with a root.tar.xz */
	assert_string_equal(img.path, "images/alpine/new/rootfs.tar.xz");
	assert_int_equal(img.size, 20);
	jc_ss_image_clear(&img);
	assert_int_equal(jc_ss_select(products, "alpine-3.20", "arm64", &img, &err), 0);
	assert_string_equal(img.path, "images/alpine/arm/rootfs.tar.xz");
	jc_ss_image_clear(&img);
	assert_int_equal(jc_ss_select(products, "ALPINE-3.20-cloud", "amd64", &img, &err), 0);
	assert_string_equal(img.product, "alpine:3.20:amd64:cloud");
	jc_ss_image_clear(&img);
	/* Aliases, '/' read as '-'. */
	assert_int_equal(jc_ss_select(products, "debian-12", "amd64", &img, &err), 0);
	assert_string_equal(img.product, "debian:bookworm:amd64:default");
	jc_ss_image_clear(&img);
	assert_int_equal(jc_ss_select(products, "debian-bookworm", "amd64", &img, &err), 0);
	jc_ss_image_clear(&img);
	assert_int_equal(jc_ss_select(products, "fedora-40", "amd64", &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not offered for this host's architecture (amd64)"));
	assert_int_equal(jc_ss_select(products, "centos-9", "amd64", &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no root.tar.xz image"));
	assert_int_equal(jc_ss_select(products, "nosuch-1", "amd64", &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nosuch-1: no such image"));
	json_decref(products);
}

static void test_ss_names(void **state)
{
	(void)state;
	json_t *products = load_products();
	cleanup_strv char **amd = jc_ss_names(products, "amd64");
	assert_int_equal(jc_strv_len(amd), 3);
	assert_string_equal(amd[0], "alpine-3.20");
	assert_string_equal(amd[1], "alpine-3.20-cloud");
	assert_string_equal(amd[2], "debian-bookworm");
	cleanup_strv char **arm = jc_ss_names(products, "arm64");
	assert_int_equal(jc_strv_len(arm), 2);
	assert_string_equal(arm[0], "alpine-3.20");
	assert_string_equal(arm[1], "fedora-40");
	json_decref(products);
}

static void test_ss_index(void **state)
{
	(void)state;
	json_t *index = json_loads("{\"format\": \"index:1.0\", \"index\": {"
				   "\"other\": {\"datatype\": \"image-ids\", \"path\": \"x.json\"},"
				   "\"images\": {\"datatype\": \"image-downloads\","
				   "\"path\": \"streams/v1/images.json\"}}}", 0, NULL);
	assert_non_null(index);
	const char *path = NULL;
	struct jc_error err = { 0 };
	assert_int_equal(jc_ss_products_path(index, &path, &err), 0);
	assert_string_equal(path, "streams/v1/images.json");
	json_decref(index);
	json_t *junk = json_loads("{\"hello\": 1}", 0, NULL);
	assert_int_equal(jc_ss_products_path(junk, &path, &err), -EBADMSG);
	json_decref(junk);
}

static void test_arch_map(void **state)
{
	(void)state;
	assert_string_equal(jc_arch_from_machine("x86_64"), "amd64");
	assert_string_equal(jc_arch_from_machine("aarch64"), "arm64");
	assert_string_equal(jc_arch_from_machine("armv7l"), "armhf");
	assert_string_equal(jc_arch_from_machine("ppc64le"), "ppc64el");
	assert_null(jc_arch_from_machine("pdp11"));
	const char *host = NULL;
	assert_int_equal(jc_host_arch(&host, NULL), 0);
	assert_non_null(host);
}

/* ---- download helpers ---- */

static void test_url_helpers(void **state)
{
	(void)state;
	assert_true(jc_is_url("http://127.0.0.1/x"));
	assert_true(jc_is_url("file:///tmp/x.tar"));
	assert_false(jc_is_url("/tmp/x.tar"));
	assert_false(jc_is_url("x.tar"));
	assert_false(jc_is_url("://x"));
	cleanup_free char *a = jc_url_join("http://127.0.0.1:8000/", "/streams/v1/index.json");
	assert_string_equal(a, "http://127.0.0.1:8000/streams/v1/index.json");
	cleanup_free char *b = jc_url_join("http://127.0.0.1:8000/img", "images/x");
	assert_string_equal(b, "http://127.0.0.1:8000/img/images/x");
	cleanup_free char *s = jc_ss_server_url("127.0.0.1:8000");
	assert_string_equal(s, "http://127.0.0.1:8000");
}

static void test_sha256(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	cleanup_free char *f = xasprintf("%s/abc", dir);
	write_text(f, "abc");
	char hex[65];
	struct jc_error err = { 0 };
	assert_int_equal(jc_sha256_file(f, hex, &err), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(jc_sha256_valid(hex));
	assert_true(jc_sha256_equal(hex, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	assert_false(jc_sha256_valid("abc"));
	assert_false(jc_sha256_valid("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	cleanup_free char *missing = xasprintf("%s/missing", dir);
	assert_int_equal(jc_sha256_file(missing, hex, &err), -ENOENT);
	/* the one-shot helper gives the same digest */
	unsigned char md[JC_SHA256_LEN];
	assert_int_equal(jc_sha256_buf("abc", 3, md, &err), 0);
	jc_sha256_hex(md, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	rm_tree(dir);
}

/* ---- busybox ---- */

static void test_busybox_build(void **state)
{
	(void)state;
	if (access(JC_BUSYBOX_BIN, X_OK) != 0)
		skip();
	char *dir = make_tmpdir();
	cleanup_free char *root = xasprintf("%s/root", dir);
	assert_int_equal(mkdir(root, 0700), 0);
	struct jc_error err = { 0 };
	assert_int_equal(jc_busybox_build(JC_BUSYBOX_BIN, root, &err), 0);
	static const char *const files[] = { "bin/sh", "bin/busybox", "usr/sbin/httpd", "etc/passwd",
					     "etc/group", "etc/shadow", "etc/hosts", "etc/hostname",
					     "etc/rc", "etc/rc.shutdown", "etc/rc.conf", "etc/rc.d/httpd" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(files); i++) {
		cleanup_free char *p = xasprintf("%s/%s", root, files[i]);
		assert_true(jc_path_exists(p));
	}
	struct stat st;
	cleanup_free char *tmp = xasprintf("%s/tmp", root);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_name),
		cmocka_unit_test(test_member_normalize),
		cmocka_unit_test(test_member_parents),
		cmocka_unit_test(test_extract_good),
		cmocka_unit_test(test_extract_refused),
		cmocka_unit_test(test_extract_not_an_archive),
		cmocka_unit_test(test_apt_one_line),
		cmocka_unit_test(test_apt_deb822),
		cmocka_unit_test(test_apt_mirror_files),
		cmocka_unit_test(test_debian_suites),
		cmocka_unit_test(test_ss_select),
		cmocka_unit_test(test_ss_names),
		cmocka_unit_test(test_ss_index),
		cmocka_unit_test(test_arch_map),
		cmocka_unit_test(test_url_helpers),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_busybox_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
