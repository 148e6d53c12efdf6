/* Unit tests: snapshot names, ZFS-style size formatting and parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot.h"
#include "usage.h"
#include "util.h"

static void test_snapshot_names(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	static const char *const good[] = { "s1", "2024-01-10_14:03:22", "ioc_update_1.2", "A-b.c:d_e" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(good); i++)
		assert_int_equal(jc_snapshot_validate_name(good[i], &err), 0);
	char max[65], over[66];
	memset(max, 'x', 64);
	max[64] = '\0';
	memset(over, 'x', 65);
	over[65] = '\0';
	assert_int_equal(jc_snapshot_validate_name(max, &err), 0);
	assert_int_equal(jc_snapshot_validate_name(over, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "64"));
	static const char *const bad[] = { "", ".hidden", ".", "..", "a/b", "a b", "x@y", "tab\t",
					   "new\nline", "a b\nc", "../up", "ü" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++) {
		assert_int_equal(jc_snapshot_validate_name(bad[i], &err), -EINVAL);
		assert_null(strchr(err.msg, '\n'));
	}
	assert_int_equal(jc_snapshot_validate_name(NULL, &err), -EINVAL);
}

static void check_format(uint64_t bytes, const char *want)
{
	cleanup_free char *got = jc_size_format(bytes);
	assert_string_equal(got, want);
}

static void test_size_format(void **state)
{
	(void)state;
	check_format(0, "0B");
	check_format(512, "512B");
	check_format(1023, "1023B");
	check_format(1024, "1K");
	check_format(1536, "1.50K");
	check_format(96 * 1024, "96K");
	check_format(10239, "10.0K");
	check_format((uint64_t)(12.34 * 1024 * 1024), "12.3M");
	check_format((uint64_t)(123.4 * 1024 * 1024), "123M");
	check_format((uint64_t)(1.2 * 1024 * 1024 * 1024), "1.20G");
	check_format(20ull << 30, "20G");
	check_format((5ull << 40) + (1ull << 39), "5.50T");
	check_format(UINT64_MAX, "16.0E");
}

static void test_size_parse(void **state)
{
	(void)state;
	uint64_t v = 1;
	assert_int_equal(jc_size_parse("none", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(jc_size_parse("20G", &v), 0);
	assert_int_equal(v, 20ull << 30);
	assert_int_equal(jc_size_parse("1.5M", &v), 0);
	assert_int_equal(v, 3ull << 19);
	assert_int_equal(jc_size_parse("512k", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(jc_size_parse("2TB", &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(jc_size_parse("4096", &v), 0);
	assert_int_equal(v, 4096);
	static const char *const bad[] = { "", "G", "1.G", "-1G", "1X", "1GG", "1 G", ".5G", "1e3" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(bad); i++)
		assert_int_equal(jc_size_parse(bad[i], &v), -EINVAL);
	assert_int_equal(jc_size_parse("99999999999T", &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_names),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_size_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
