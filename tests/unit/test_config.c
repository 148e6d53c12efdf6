/* Unit tests: built-in defaults, JSON serialisation, defaults.json life cycle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fileio.h"
#include "props.h"
#include "util.h"

struct captured {
	int warnings;
	int notices;
};

static void capture(void *user, enum jc_msg_level level, const char *text)
{
	(void)text;
	struct captured *c = user;
	if (level == JC_MSG_WARNING)
		c->warnings++;
	else if (level == JC_MSG_NOTICE)
		c->notices++;
}

struct fixture {
	char dir[64];
	struct jc_ctx ctx;
	struct captured msgs;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/jailctl-config-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	jc_ctx_init(&f->ctx, capture, &f->msgs);
	/* Point the context at a ready iocroot without resolving a pool. */
	f->ctx.pool = xstrdup(f->dir);
	f->ctx.iocroot = xstrdup(f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "defaults.json", "defaults_backup.json", ".defaults.json.lock" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++) {
		cleanup_free char *p = xasprintf("%s/%s", f->dir, names[i]);
		unlink(p);
	}
	rmdir(f->dir);
	jc_ctx_release(&f->ctx);
	free(f);
	return 0;
}

static void test_builtin_defaults(void **state)
{
	(void)state;
	json_t *d = jc_builtin_defaults();
	size_t n = 0;
	jc_props(&n);
	assert_int_equal(json_object_size(d), n);
	assert_string_equal(json_string_value(json_object_get(d, "interfaces")), "vnet0:bridge0");
	assert_int_equal(json_integer_value(json_object_get(d, "vnet")), 0);
	assert_string_equal(json_string_value(json_object_get(d, "CONFIG_VERSION")), JC_CONFIG_VERSION);
	/* the host-derived mac_prefix passes its own validator */
	const char *mp = json_string_value(json_object_get(d, "mac_prefix"));
	struct jc_error err = { 0 };
	assert_int_equal(jc_prop_validate(jc_prop_find("mac_prefix"), mp, NULL, &err), 0);
	json_decref(d);
}

static void test_json_dump_sorted_indented(void **state)
{
	(void)state;
	json_t *obj = json_pack("{s:i,s:s}", "b", 1, "a", "x");
	cleanup_free char *text = jc_json_dump(obj);
	assert_string_equal(text, "{\n    \"a\": \"x\",\n    \"b\": 1\n}\n");
	json_decref(obj);
}

static void test_defaults_created_then_loaded(void **state)
{
	struct fixture *f = *state;
	struct jc_error err = { 0 };
	assert_int_equal(jc_ctx_load_defaults(&f->ctx, &err), 0);
	assert_int_equal(f->msgs.notices, 1);
	assert_false(f->ctx.defaults_corrupt);
	cleanup_free char *v = jc_defaults_get_text(&f->ctx, "priority");
	assert_string_equal(v, "99");
}

static void test_defaults_update_and_reject(void **state)
{
	struct fixture *f = *state;
	struct jc_error err = { 0 };
	struct jc_prop_change ok[] = { { .key = "priority", .value = "7" }, { .key = "vnet", .value = "yes" } };
	assert_int_equal(jc_defaults_update(&f->ctx, ok, 2, &err), 0);
	assert_string_equal(ok[0].old_text, "99");
	assert_string_equal(ok[1].new_text, "1");
	jc_prop_changes_release(ok, 2);
	struct jc_prop_change bad[] = { { .key = "priority", .value = "8" }, { .key = "ip4", .value = "maybe" } };
	assert_true(jc_defaults_update(&f->ctx, bad, 2, &err) < 0);
	assert_non_null(strstr(err.msg, "ip4"));
	jc_prop_changes_release(bad, 2);
	cleanup_free char *v = jc_defaults_get_text(&f->ctx, "priority");
	assert_string_equal(v, "7");
	struct jc_prop_change ro[] = { { .key = "CONFIG_VERSION", .value = "1" } };
	assert_true(jc_defaults_update(&f->ctx, ro, 1, &err) < 0);
	struct jc_prop_change unknown[] = { { .key = "nope", .value = "1" } };
	assert_int_equal(jc_defaults_update(&f->ctx, unknown, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nope"));
}

static void test_corrupt_defaults(void **state)
{
	struct fixture *f = *state;
	struct jc_error err = { 0 };
	cleanup_free char *path = xasprintf("%s/defaults.json", f->dir);
	assert_int_equal(jc_write_file_atomic(path, "{oops", 5, 0644, &err), 0);
	assert_int_equal(jc_ctx_load_defaults(&f->ctx, &err), 0);
	assert_true(f->ctx.defaults_corrupt);
	assert_int_equal(f->msgs.warnings, 1);
	struct jc_prop_change c[] = { { .key = "priority", .value = "5" } };
	assert_true(jc_defaults_update(&f->ctx, c, 1, &err) < 0);
	jc_prop_changes_release(c, 1);
	cleanup_free char *data = NULL;
	assert_int_equal(jc_read_file(path, &data, NULL, &err), 0);
	assert_string_equal(data, "{oops");
}

static void test_split_assignment(void **state)
{
	(void)state;
	struct jc_error err = { 0 };
	cleanup_free char *k = NULL, *v = NULL;
	assert_int_equal(jc_prop_split_assignment("notes=a=b", &k, &v, &err), 0);
	assert_string_equal(k, "notes");
	assert_string_equal(v, "a=b");
	char *k2 = NULL, *v2 = NULL;
	assert_true(jc_prop_split_assignment("notes", &k2, &v2, &err) < 0);
	assert_true(jc_prop_split_assignment("=x", &k2, &v2, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_json_dump_sorted_indented),
		cmocka_unit_test_setup_teardown(test_defaults_created_then_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_update_and_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_defaults, setup, teardown),
		cmocka_unit_test(test_split_assignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
