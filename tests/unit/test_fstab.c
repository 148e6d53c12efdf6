/* Unit tests: fstab entry parsing and formatting (iocage's 6-field format). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fstab.h"
#include "util.h"

static void test_six_fields(void **state)
{
	(void)state;
	struct jc_fstab_entry e;
	struct jc_error err = { 0 };
	assert_int_equal(jc_fstab_parse_line("/srv/media /mnt/media nullfs ro 0 0 # note", &e, &err), 0);
	assert_string_equal(e.src, "/srv/media");
	assert_string_equal(e.dst, "/mnt/media");
	assert_string_equal(e.fstype, "nullfs");
	assert_string_equal(e.opts, "ro");
	assert_string_equal(e.comment, "note");
	assert_false(e.system);
	cleanup_free char *line = jc_fstab_format_entry(&e);
	assert_string_equal(line, "/srv/media\t/mnt/media\tnullfs\tro\t0\t0 # note");
	jc_fstab_entry_release(&e);
}

static void test_single_path_shorthand(void **state)
{
	(void)state;
	struct jc_fstab_entry e;
	struct jc_error err = { 0 };
	assert_int_equal(jc_fstab_parse_line("/data", &e, &err), 0);
	assert_string_equal(e.src, "/data");
	assert_string_equal(e.dst, "/data");
	assert_string_equal(e.fstype, "nullfs");
	assert_string_equal(e.opts, "ro");
	jc_fstab_entry_release(&e);
}

static void test_escapes_round_trip(void **state)
{
	(void)state;
	struct jc_fstab_entry e;
	struct jc_error err = { 0 };
	assert_int_equal(jc_fstab_parse_line("/my\\040dir /in\\040jail nullfs rw 0 0", &e, &err), 0);
	assert_string_equal(e.src, "/my dir");
	cleanup_free char *line = jc_fstab_format_entry(&e);
	assert_string_equal(line, "/my\\040dir\t/in\\040jail\tnullfs\trw\t0\t0");
	jc_fstab_entry_release(&e);
}

static void test_rejects(void **state)
{
	(void)state;
	struct jc_fstab_entry e;
	struct jc_error err = { 0 };
	assert_int_equal(jc_fstab_parse_line("/a /b nullfs", &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "6 fields"));
	assert_int_equal(jc_fstab_parse_line("/a /b nullfs ro 1 0", &e, &err), -EINVAL);
	assert_int_equal(jc_fstab_parse_line("", &e, &err), -EINVAL);
}

static void test_system_flag_and_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/jailctl-fstab-XXXXXX";
	assert_non_null(mkdtemp(dir));
	cleanup_free char *path = xasprintf("%s/fstab", dir);
	struct jc_fstab f = { 0 };
	struct jc_error err = { 0 };
	struct jc_fstab_entry e = { .src = xstrdup("/r/usr"), .dst = xstrdup("/j/usr"), .fstype = xstrdup("nullfs"),
				    .opts = xstrdup("ro"), .comment = xstrdup("SYSTEM basejail mount") };
	jc_fstab_add(&f, &e);
	assert_int_equal(jc_fstab_write(path, &f, &err), 0);
	jc_fstab_release(&f);
	assert_int_equal(jc_fstab_read(path, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_true(f.entries[0].system);
	jc_fstab_remove(&f, 0);
	assert_int_equal(f.n, 0);
	jc_fstab_release(&f);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_six_fields),
		cmocka_unit_test(test_single_path_shorthand),
		cmocka_unit_test(test_escapes_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_system_flag_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
