/* Unit tests: which archive members an image may hold, and where they go. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"
#include "util.h"

static void check_map(const char *member, const char *want)
{
	struct jc_error err = { 0 };
	cleanup_free char *rel = NULL;
	assert_int_equal(jc_image_member_map("web", member, &rel, &err), 0);
	if (want)
		assert_string_equal(rel, want);
	else
		assert_null(rel);
}

static void check_refused(const char *member, const char *why)
{
	struct jc_error err = { 0 };
	char *rel = NULL;
	assert_int_equal(jc_image_member_map("web", member, &rel, &err), -EPERM);
	assert_null(rel);
	assert_non_null(strstr(err.msg, why));
	assert_null(strchr(err.msg, '\n'));
}

static void test_member_map(void **state)
{
	(void)state;
	check_map("web", NULL);
	check_map("web/", NULL);
	check_map("./web/", NULL);
	check_map("web/config.json", "config.json");
	check_map("web/fstab", "fstab");
	check_map("web/root", "root");
	check_map("web/root/", "root");
	check_map("web//root/./etc/passwd", "root/etc/passwd");
	check_refused("/web/root/etc", "absolute");
	check_refused("web/root/../../etc/passwd", "'..'");
	check_refused("../web/root", "'..'");
	check_refused("other/root/x", "outside web/");
	check_refused("webx/root", "outside web/");
	check_refused("we", "outside web/");
	check_refused(".", "outside web/");
	check_refused("web/config_backup.json", "not part of a jail image");
	check_refused("web/rootx", "not part of a jail image");
	check_refused("web/\n", "not part of a jail image");
}

static void test_symlinks(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	/* Absolute targets are resolved by the jail inside its own root. */
	assert_int_equal(jc_image_check_symlink("root/bin/sh", "/bin/busybox", &err), 0);
	assert_int_equal(jc_image_check_symlink("root/bin/sh", "busybox", &err), 0);
	assert_int_equal(jc_image_check_symlink("root/usr/lib/os-release", "../../etc/os-release", &err), 0);
	assert_int_equal(jc_image_check_symlink("root/a/b/c", "../../x", &err), 0);
	assert_int_equal(jc_image_check_symlink("root/a/b/c", "./../.././x", &err), 0);
	assert_int_equal(jc_image_check_symlink("root/x", "../etc", &err), -EPERM);
	assert_non_null(strstr(err.msg, "outside the jail root"));
	assert_int_equal(jc_image_check_symlink("root/a/b", "../../../../etc/shadow", &err), -EPERM);
	assert_int_equal(jc_image_check_symlink("root/a/b", "x/../../..", &err), -EPERM);
	assert_int_equal(jc_image_check_symlink("root/x", "", &err), -EPERM);
	assert_int_equal(jc_image_check_symlink("config.json", "/etc/passwd", &err), -EPERM);
}

static void test_file_matches(void **state)
{
	(void)state;
	assert_true(jc_image_file_matches("web", "web_2024-01-10.tar.zst"));
	assert_false(jc_image_file_matches("web", "web_1_2024-01-10.tar.zst"));
	assert_false(jc_image_file_matches("web_1", "web_2024-01-10.tar.zst"));
	assert_true(jc_image_file_matches("web_1", "web_1_2024-01-10.tar.zst"));
	assert_false(jc_image_file_matches("web", "web_2024-01-10.sha256"));
	assert_false(jc_image_file_matches("web", "web_2024-1-10.tar.zst"));
	assert_false(jc_image_file_matches("web", ".export-12-web_2024-01-10.tar.zst"));
	assert_false(jc_image_file_matches("web", "web_2024-01-10.tar.zst.tmp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_map),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_file_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
