/* Unit tests: error helpers, string helpers, atomic file writes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "fileio.h"
#include "util.h"

static void test_error_set_and_wrap(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	assert_int_equal(jc_error_set(&err, EINVAL, "priority: '%s' is bad", "x"), -EINVAL);
	assert_string_equal(err.msg, "priority: 'x' is bad");
	assert_int_equal(jc_error_wrap(&err, "jail %s", "web"), -EINVAL);
	assert_string_equal(err.msg, "jail web: priority: 'x' is bad");
	assert_int_equal(jc_error_errno(&err, ENOENT, "/x"), -ENOENT);
	assert_string_equal(err.msg, "/x: No such file or directory");
	assert_int_equal(jc_error_set(NULL, EPERM, "ignored"), -EPERM);
}

static void test_strsplit(void **state)
{
	(void)state;
	cleanup_strv char **v = jc_strsplit(",a,,b c,", ", ");
	assert_int_equal(jc_strv_len(v), 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	cleanup_strv char **empty = jc_strsplit("", ",");
	assert_int_equal(jc_strv_len(empty), 0);
}

static void test_strv_join(void **state)
{
	(void)state;
	char *none[] = { NULL }, *one[] = { "a", NULL }, *three[] = { "a", "", "c d", NULL };
	char *s = jc_strv_join(none, ", ");
	assert_string_equal(s, "");
	free(s);
	s = jc_strv_join(one, ", ");
	assert_string_equal(s, "a");
	free(s);
	s = jc_strv_join(three, ", ");
	assert_string_equal(s, "a, , c d");
	free(s);
}

static void test_parse_long(void **state)
{
	(void)state;
	long v = 0;
	assert_int_equal(jc_parse_long("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(jc_parse_long("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(jc_parse_long("", &v), -EINVAL);
	assert_int_equal(jc_parse_long(" 1", &v), -EINVAL);
	assert_int_equal(jc_parse_long("1x", &v), -EINVAL);
	assert_int_equal(jc_parse_long("99999999999999999999999", &v), -EINVAL);
}

static void test_strip(void **state)
{
	(void)state;
	char s[] = "  a b \t\n";
	assert_string_equal(jc_strstrip(s), "a b");
	cleanup_free char *t = jc_strdup_nospace(" vnet0 | 10.0.0.1 /24 ");
	assert_string_equal(t, "vnet0|10.0.0.1/24");
}

/* Only whole \ooo escapes up to \377 are decoded. */
static void test_unescape_octal(void **state)
{
	(void)state;
	char s[] = "a\\040b\\011c\\134d\\012";
	assert_string_equal(jc_unescape_octal(s), "a b\tc\\d\n");
	char kept[] = "\\400 \\08 \\04 x\\";
	assert_string_equal(jc_unescape_octal(kept), "\\400 \\08 \\04 x\\");
}

static void test_atomic_write_read_copy(void **state)
{
	(void)state;
	char dir[] = "/tmp/jailctl-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	cleanup_free char *path = xasprintf("%s/a/b/file.json", dir);
	cleanup_free char *parent = xasprintf("%s/a/b", dir);
	struct jc_error err = { 0 };
	assert_int_equal(jc_mkdir_p(parent, 0755, &err), 0);
	assert_int_equal(jc_write_file_atomic(path, "hello", 5, 0640, &err), 0);
	cleanup_free char *data = NULL;
	size_t len = 0;
	assert_int_equal(jc_read_file(path, &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	cleanup_free char *copy = xasprintf("%s/copy", dir);
	assert_int_equal(jc_copy_file_atomic(path, copy, &err), 0);
	cleanup_free char *data2 = NULL;
	assert_int_equal(jc_read_file(copy, &data2, NULL, &err), 0);
	assert_string_equal(data2, "hello");
	/* no temp files left behind */
	cleanup_free char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	assert_false(jc_path_exists(tmp));
	cleanup_free char *missing = xasprintf("%s/missing", dir);
	assert_int_equal(jc_read_file(missing, &data, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing"));
	unlink(path);
	unlink(copy);
	rmdir(parent);
	cleanup_free char *a = xasprintf("%s/a", dir);
	rmdir(a);
	rmdir(dir);
}

static void test_lock_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/jailctl-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	cleanup_free char *lock = xasprintf("%s/.lock", dir);
	struct jc_error err = { 0 };
	int fd = -1;
	assert_int_equal(jc_lock_file(lock, &fd, &err), 0);
	assert_true(fd >= 0);
	close(fd);
	unlink(lock);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_set_and_wrap),
		cmocka_unit_test(test_strsplit),
		cmocka_unit_test(test_strv_join),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_unescape_octal),
		cmocka_unit_test(test_atomic_write_read_copy),
		cmocka_unit_test(test_lock_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
