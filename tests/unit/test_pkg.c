/* Unit tests: package lists (create -p), package manager detection from a root, argv
 * building and the apt suite rewrite of a Debian upgrade. */
#include <errno.h>
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
#include "fileio.h"
#include "pkg.h"
#include "util.h"

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/jc-test-pkg-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void rm_tree(const char *path)
{
	struct jc_error err = { 0 };
	assert_int_equal(jc_tree_remove(path, NULL, NULL, &err), 0);
}

static void test_pkg_names(void **state)
{
	(void)state;
	const char *good[] = { "nginx", "libc6:amd64", "g++", "python3.11", "a", "X-y_z", "0ad" };
	const char *bad[] = { "", "-rf", "+x", "a b", "a;b", "a/b", "$(x)", "ä", "a\n", ".x" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(good); i++)
		assert_true(jc_pkg_name_valid(good[i]));
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++)
		assert_false(jc_pkg_name_valid(bad[i]));
	assert_false(jc_pkg_name_valid(NULL));
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(jc_pkg_name_valid(longname));
}

static void test_pkglist_parse(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	char **v = NULL;
	assert_int_equal(jc_pkglist_parse("{\"pkgs\": [\"nginx\", \"curl\"]}", "l", &v, &err), 0);
	assert_int_equal(jc_strv_len(v), 2);
	assert_string_equal(v[0], "nginx");
	assert_string_equal(v[1], "curl");
	jc_strv_free(v);
	const char *bad[] = { "", "nope", "[]", "{\"pkgs\": \"nginx\"}", "{\"pkgs\": []}",
			      "{\"pkgs\": [1]}", "{\"pkgs\": [\"a b\"]}", "{\"other\": [\"a\"]}",
			      "{\"pkgs\": [\"a\"], \"pkgs\": [\"b\"]}" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++) {
		v = NULL;
		assert_int_equal(jc_pkglist_parse(bad[i], "list.json", &v, &err), -EINVAL);
		assert_null(v);
		assert_non_null(strstr(err.msg, "list.json"));
	}
	assert_int_equal(jc_pkglist_parse("{\"pkgs\": [\"ok\", \"-rf\"]}", "l", &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'-rf' is not a valid package name"));
	assert_true(jc_pkglist_load("/nonexistent/list.json", &v, &err) < 0);
}

static void write_exe(const char *root, const char *rel)
{
	struct jc_error err = { 0 };
	cleanup_free char *path = xasprintf("%s/%s", root, rel);
	cleanup_free char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(jc_mkdir_p(dir, 0755, &err), 0);
	assert_int_equal(jc_write_file_atomic(path, "#!/bin/sh\n", 10, 0755, &err), 0);
}

static void test_detect(void **state)
{
	(void)state;
	cleanup_free char *root = make_tmpdir();
	assert_int_equal(jc_pkg_detect(root), JC_PKG_NONE);
	write_exe(root, "usr/sbin/apk");      /* wrong place */
	assert_int_equal(jc_pkg_detect(root), JC_PKG_NONE);
	/* merged /usr: sbin -> usr/sbin, resolved inside the root */
	cleanup_free char *sbin = xasprintf("%s/sbin", root);
	assert_int_equal(symlink("usr/sbin", sbin), 0);
	assert_int_equal(jc_pkg_detect(root), JC_PKG_APK);
	assert_string_equal(jc_pkg_manager_name(JC_PKG_APK), "apk");
	write_exe(root, "usr/bin/apt-get");
	assert_int_equal(jc_pkg_detect(root), JC_PKG_APT);
	assert_string_equal(jc_pkg_manager_name(JC_PKG_APT), "apt-get");
	/* an absolute symlink is resolved in the root, never on the host */
	cleanup_free char *root2 = make_tmpdir();
	cleanup_free char *usr = xasprintf("%s/usr", root2);
	assert_int_equal(mkdir(usr, 0755), 0);
	cleanup_free char *bin = xasprintf("%s/usr/bin", root2);
	assert_int_equal(symlink("/usr/bin", bin), 0);   /* on the host it would exist */
	assert_int_equal(jc_pkg_detect(root2), JC_PKG_NONE);
	rm_tree(root);
	rm_tree(root2);
}

static void assert_strv(char **v, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
}

static void test_argv(void **state)
{
	(void)state;
	char *args[] = { "install", "-y", "nginx", NULL };
	cleanup_strv char **a = jc_pkg_argv(JC_PKG_APT, "http://p:3128", "none", args);
	assert_strv(a, (const char *[]){ "/usr/bin/env", "-i",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		"LC_ALL=C", "DEBIAN_FRONTEND=noninteractive", "http_proxy=http://p:3128",
		"/usr/bin/apt-get", "install", "-y", "nginx", NULL });
	char *args2[] = { "add", "curl", NULL };
	cleanup_strv char **b = jc_pkg_argv(JC_PKG_APK, NULL, "http://q", args2);
	assert_strv(b, (const char *[]){ "/usr/bin/env", "-i",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		"LC_ALL=C", "https_proxy=http://q", "/sbin/apk", "add", "curl", NULL });
}

static void test_steps(void **state)
{
	(void)state;
	char *pkgs[] = { "nginx", "curl", NULL };
	char ***s = jc_pkg_install_steps(JC_PKG_APT, pkgs);
	assert_strv(s[0], (const char *[]){ "update", NULL });
	assert_strv(s[1], (const char *[]){ "install", "-y", "nginx", "curl", NULL });
	assert_null(s[2]);
	jc_pkg_steps_free(s);
	s = jc_pkg_install_steps(JC_PKG_APK, pkgs);
	assert_strv(s[0], (const char *[]){ "add", "nginx", "curl", NULL });
	assert_null(s[1]);
	jc_pkg_steps_free(s);
	s = jc_pkg_upgrade_steps(JC_PKG_APT);
	assert_strv(s[1], (const char *[]){ "-y", "upgrade", NULL });
	jc_pkg_steps_free(s);
	s = jc_pkg_full_upgrade_steps(JC_PKG_APT);
	assert_strv(s[0], (const char *[]){ "update", NULL });
	assert_strv(s[1], (const char *[]){ "-y", "full-upgrade", NULL });
	jc_pkg_steps_free(s);
	s = jc_pkg_upgrade_steps(JC_PKG_APK);
	assert_strv(s[0], (const char *[]){ "upgrade", NULL });
	jc_pkg_steps_free(s);
	s = jc_pkg_upgrade_steps(JC_PKG_NONE);
	assert_null(s[0]);
	jc_pkg_steps_free(s);
}

static void test_sources_rewrite(void **state)
{
	(void)state;
	const char *in =
		"deb http://deb.debian.org/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm-updates main contrib\n"
		"deb http://security.debian.org/debian-security bookworm-security main\n"
		"deb [arch=amd64] http://x/bookworm/ bookworm/updates main\n"
		"# deb http://old bookworm main\n"
		"deb http://x/debian bookwormish main\n"
		"\n"
		"Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n";
	const char *want =
		"deb http://deb.debian.org/debian trixie main\n"
		"deb http://deb.debian.org/debian trixie-updates main contrib\n"
		"deb http://security.debian.org/debian-security trixie-security main\n"
		"deb [arch=amd64] http://x/bookworm/ trixie/updates main\n"
		"# deb http://old bookworm main\n"
		"deb http://x/debian bookwormish main\n"
		"\n"
		"Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\n";
	cleanup_free char *out = jc_apt_sources_rewrite(in, "bookworm", "trixie");
	assert_string_equal(out, want);
	cleanup_free char *empty = jc_apt_sources_rewrite("", "bookworm", "trixie");
	assert_string_equal(empty, "");
	assert_string_equal(jc_pkg_debian_suite("debian-12"), "bookworm");
	assert_string_equal(jc_pkg_debian_suite("debian-13"), "trixie");
	assert_null(jc_pkg_debian_suite("alpine-3.20"));
	assert_null(jc_pkg_debian_suite(NULL));
}

static void test_sysv_rc(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	cleanup_free char *root = make_tmpdir();
	assert_int_equal(jc_pkg_install_sysv_rc(root, &err), 0);   /* no init.d: nothing */
	cleanup_free char *rc = xasprintf("%s/etc/rc", root);
	assert_false(jc_path_exists(rc));
	write_exe(root, "etc/init.d/nginx");
	assert_int_equal(jc_pkg_install_sysv_rc(root, &err), 0);
	struct stat st;
	assert_int_equal(stat(rc, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	cleanup_free char *text = NULL;
	size_t len = 0;
	assert_int_equal(jc_read_file(rc, &text, &len, &err), 0);
	assert_non_null(strstr(text, "/etc/rc2.d/S*"));
	cleanup_free char *shut = xasprintf("%s/etc/rc.shutdown", root);
	assert_true(jc_path_exists(shut));
	/* an existing /etc/rc (busybox release, or the user's) is kept */
	assert_int_equal(jc_write_file_atomic(rc, "mine\n", 5, 0755, &err), 0);
	assert_int_equal(jc_pkg_install_sysv_rc(root, &err), 0);
	cleanup_free char *again = NULL;
	assert_int_equal(jc_read_file(rc, &again, &len, &err), 0);
	assert_string_equal(again, "mine\n");
	rm_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkg_names),
		cmocka_unit_test(test_pkglist_parse),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_sources_rewrite),
		cmocka_unit_test(test_sysv_rc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
