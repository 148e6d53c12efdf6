/* Unit tests: built-in defaults, JSON serialisation, defaults.json life cycle, the
 * last_started writer. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fileio.h"
#include "jail.h"
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

/* The fast field scanner must agree with jansson on every input: same verdict, same
 * keys present, same texts (jc_prop_json_to_text), same types. */
static void check_fields_like_jansson(const char *json, size_t flags)
{
	static const char *const keys[] = { "a", "b", "c", "release", "" };
	struct jc_json_field f[JC_ARRAY_SIZE(keys)];
	for (size_t i = 0; i < JC_ARRAY_SIZE(keys); i++)
		f[i].key = keys[i];
	struct jc_json_reader rd = { 0 };
	size_t len = strlen(json);
	cleanup_free char *buf = xstrndup(json, len);
	struct jc_error err = { 0 };
	int r = jc_json_parse_fields(&rd, buf, len, "t.json", flags, f, JC_ARRAY_SIZE(f), &err);
	json_t *obj = json_loadb(json, len, flags, NULL);
	bool valid = obj && json_is_object(obj);
	if (r != (valid ? 0 : -EBADMSG))
		fail_msg("verdict differs for %s", json);
	for (size_t i = 0; valid && i < JC_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(obj, keys[i]);
		cleanup_free char *text = jc_prop_json_to_text(v);
		if (f[i].present != (v != NULL) || !((!text && !f[i].text) ||
		    (text && f[i].text && strcmp(text, f[i].text) == 0)) ||
		    (v && f[i].type != json_typeof(v)))
			fail_msg("field %s differs for %s", keys[i], json);
	}
	json_decref(obj);
	jc_json_reader_release(&rd);
}

static void test_json_fields_match_jansson(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"{}", " { } ", "", "{", "}", "[]", "[1]", "1", "\"a\"", "null", "{}x", "{} {}",
		"{\"a\": 1}", "{\"a\":1,\"b\":\"x\",\"c\":true,\"release\":false,\"\":null}",
		"{\"a\": -12, \"b\": 0, \"c\": 123456789012345678}", "{\"a\": -0}", "{\"a\": 01}",
		"{\"a\": 1.5}", "{\"a\": 1e3}", "{\"a\": 1E3}", "{\"a\": -}", "{\"a\": +1}",
		"{\"a\": 1234567890123456789}", "{\"a\": 99999999999999999999999}",
		"{\"a\": \"x\\\"y\"}", "{\"a\": \"\\u00e9\"}", "{\"a\": \"\xc3\xa9\"}",
		"{\"a\": \"\xff\"}", "{\"a\": \"tab\there\"}", "{\"a\": \"x\\u0000y\"}",
		"{\"a\": 1, \"a\": 2}", "{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"x\": 1, \"x\": 2}",
		"{\"a\": [1, 2, [3]], \"b\": {\"c\": {}}}", "{\"a\": [1,]}", "{\"a\": [,1]}",
		"{\"a\": {\"k\": 1, \"k\": 2}}", "{\"a\": {\"k\" 1}}", "{\"a\": 1,}", "{,\"a\": 1}",
		"{\"a\" 1}", "{\"a\": tru}", "{\"a\": truex}", "{\"a\": nul}", "{\"a\": True}",
		"{a: 1}", "{'a': 1}", "\xef\xbb\xbf{}", "{\"a\": 1}\n\r\t ", "\r\n{\"a\"\t:\n2}",
		"{\"a\": 1}\x0c", "{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		"{\"a\": \"unterminated}", "{\"a\": \"x\"", "{\"a\": 1 2}", "{\"release\": \"busybox\"}",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(inputs); i++) {
		check_fields_like_jansson(inputs[i], 0);
		check_fields_like_jansson(inputs[i], JSON_REJECT_DUPLICATES);
	}
}

/* The fast object loader takes only what jansson takes, and builds the same object. */
static void check_simple_like_jansson(const char *in)
{
	json_t *fast = jc_json_load_simple(in, strlen(in));
	if (!fast)
		return;
	json_t *slow = json_loadb(in, strlen(in), JSON_REJECT_DUPLICATES, NULL);
	if (!slow || !json_equal(fast, slow))
		fail_msg("fast path differs from jansson on: %s", in);
	json_decref(fast);
	json_decref(slow);
}

static void test_json_load_simple_matches_jansson(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"{}", " { } ", "", "{", "}", "[]", "1", "\"a\"", "null", "{}x", "{} {}",
		"{\"a\": 1}", "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":false,\"\":null}",
		"{\"a\": -12, \"b\": 0, \"c\": 123456789012345678}", "{\"a\": -0}", "{\"a\": 01}",
		"{\"a\": 1.5}", "{\"a\": 1e3}", "{\"a\": +1}", "{\"a\": 99999999999999999999}",
		"{\"a\": \"x\\\"y\"}", "{\"a\": \"\\u00e9\"}", "{\"a\": \"\xc3\xa9\"}",
		"{\"a\": \"\xff\"}", "{\"a\": \"tab\there\"}", "{\"a\": 1, \"a\": 2}",
		"{\"a\": [1]}", "{\"a\": {}}", "{\"a\": 1,}", "{,\"a\": 1}", "{\"a\" 1}",
		"{\"a\": tru}", "{\"a\": True}", "{a: 1}", "\xef\xbb\xbf{}", "{\"a\": 1}\n\r\t ",
		"\r\n{\"a\"\t:\n2}", "{\"a\": 1}\x0c", "{\"a\": \"x\"", "{\"a\": 1 2}",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(inputs); i++)
		check_simple_like_jansson(inputs[i]);
	/* What jailctl writes takes the fast path. */
	json_t *defaults = jc_builtin_defaults();
	char *text = jc_json_dump(defaults);
	json_t *fast = jc_json_load_simple(text, strlen(text));
	assert_non_null(fast);
	assert_true(json_equal(fast, defaults));
	check_simple_like_jansson(text);
	json_decref(fast);
	json_decref(defaults);
	free(text);
}

/* ---- last_started: the writer lets go of the jail's lock while it flushes ---- */

/* Another command, run inside the writer's flush: this program is linked with
 * --wrap=fsync, and the first fsync after record_with armed it is where the writer has let
 * go of the lock. The command takes the lock (it must be free), does its part, lets go. */
struct other_command {
	const char *lock_path;
	char dir[64];
	void (*act)(struct other_command *o);
};

static struct other_command *armed;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fsync(int fd)
{
	struct other_command *o = armed;
	armed = NULL;   /* its own writes fsync too */
	if (o) {
		int lock = open(o->lock_path, O_RDWR | O_CLOEXEC);
		assert_true(lock >= 0);
		assert_int_equal(flock(lock, LOCK_EX | LOCK_NB), 0);
		o->act(o);
		close(lock);
	}
	return __real_fsync(fd);
}

static void set_notes(struct other_command *o)
{
	cleanup_free char *path = xasprintf("%s/config.json", o->dir);
	struct jc_error err = { 0 };
	assert_int_equal(jc_write_file_atomic(path, "{\"notes\": \"theirs\"}\n", 20, 0644, &err), 0);
}

static void rename_jail(struct other_command *o)
{
	cleanup_free char *to = xasprintf("%s-renamed", o->dir);
	assert_int_equal(rename(o->dir, to), 0);
}

static json_t *read_config(const char *dir)
{
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	struct jc_error err = { 0 };
	json_t *out = NULL;
	assert_int_equal(jc_json_read_object(path, &out, &err), 0);
	return out;
}

/* Runs the writer against act; the lock is held as a start hands it over. */
static int record_with(struct other_command *o, const char *stamp, struct jc_error *err)
{
	cleanup_free char *lock_path = xasprintf("%s.lock", o->dir);
	o->lock_path = lock_path;
	int lock_fd = -1;
	assert_int_equal(jc_lock_file(lock_path, &lock_fd, err), 0);
	armed = o->act ? o : NULL;
	struct jc_jail jail = { .name = (char *)"web", .dir = o->dir };
	int r = jc_jail_record_last_started(&jail, stamp, lock_fd, err);
	assert_null(armed);   /* the other command did run */
	close(lock_fd);
	unlink(lock_path);
	return r;
}

/* A jail directory whose config.json has notes = "mine"; its config.json path. */
static char *jail_dir(struct other_command *o)
{
	snprintf(o->dir, sizeof(o->dir), "/tmp/jailctl-unit-XXXXXX");
	assert_non_null(mkdtemp(o->dir));
	char *path = xasprintf("%s/config.json", o->dir);
	struct jc_error err = { 0 };
	assert_int_equal(jc_write_file_atomic(path, "{\"notes\": \"mine\"}\n", 18, 0644, &err), 0);
	return path;
}

static void test_last_started_merges_a_change_made_during_the_flush(void **state)
{
	(void)state;
	struct other_command o = { .act = set_notes };
	cleanup_free char *path = jail_dir(&o);
	struct jc_error err = { 0 };
	assert_int_equal(record_with(&o, "2026-12-06 03:00:00", &err), 0);
	json_t *c = read_config(o.dir);
	assert_string_equal(json_string_value(json_object_get(c, "notes")), "theirs");
	assert_string_equal(json_string_value(json_object_get(c, "last_started")),
			    "2026-12-06 03:00:00");
	json_decref(c);
	/* A later start's time already there stays. */
	o.act = NULL;
	assert_int_equal(record_with(&o, "2026-12-06 02:00:00", &err), 0);
	c = read_config(o.dir);
	assert_string_equal(json_string_value(json_object_get(c, "last_started")),
			    "2026-12-06 03:00:00");
	json_decref(c);
	unlink(path);
	rmdir(o.dir);
}

static void test_last_started_gives_up_on_a_jail_renamed_during_the_flush(void **state)
{
	(void)state;
	struct other_command o = { .act = rename_jail };
	cleanup_free char *path = jail_dir(&o);
	struct jc_error err = { 0 };
	assert_int_equal(record_with(&o, "2026-12-06 03:00:00", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "renamed or destroyed meanwhile"));
	/* The lock was the old name's: nothing written under the new one, nothing left. */
	cleanup_free char *moved = xasprintf("%s-renamed", o.dir);
	json_t *c = read_config(moved);
	assert_null(json_object_get(c, "last_started"));
	json_decref(c);
	cleanup_free char *moved_config = xasprintf("%s/config.json", moved);
	unlink(moved_config);
	assert_int_equal(rmdir(moved), 0);   /* empty: no temp file left behind */
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
		cmocka_unit_test(test_json_fields_match_jansson),
		cmocka_unit_test(test_json_load_simple_matches_jansson),
		cmocka_unit_test(test_last_started_merges_a_change_made_during_the_flush),
		cmocka_unit_test(test_last_started_gives_up_on_a_jail_renamed_during_the_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
