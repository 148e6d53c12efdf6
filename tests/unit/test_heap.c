/* Unit tests: the static jailctl's heap (src/cli/musl/heap.c), driven beside glibc's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap.h"

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static int holds(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

static void test_sizes_alignment_and_reuse(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 4096, 5000, 65536, 65537,
					1 << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = jc_heap_malloc(sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_true(jc_heap_usable_size(p) >= sizes[i]);
		fill(p, sizes[i], (unsigned)i);
		assert_true(holds(p, sizes[i], (unsigned)i));
		jc_heap_free(p);
	}
	/* A freed block is what the next request of its class gets. */
	void *a = jc_heap_malloc(200);
	jc_heap_free(a);
	assert_ptr_equal(jc_heap_malloc(250), a);
	jc_heap_free(a);
	jc_heap_free(NULL);
}

static void test_calloc_zeroes_reused_blocks(void **state)
{
	(void)state;
	unsigned char *p = jc_heap_malloc(300);
	memset(p, 0xAB, 300);
	jc_heap_free(p);
	unsigned char *q = jc_heap_calloc(30, 10);
	assert_ptr_equal(q, p);
	for (size_t i = 0; i < 300; i++)
		assert_int_equal(q[i], 0);
	jc_heap_free(q);
	errno = 0;
	assert_null(jc_heap_calloc(SIZE_MAX / 2, 3));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(jc_heap_malloc(SIZE_MAX - 8));
	assert_int_equal(errno, ENOMEM);
}

static void test_realloc_keeps_contents(void **state)
{
	(void)state;
	unsigned char *p = jc_heap_realloc(NULL, 10);
	fill(p, 10, 3);
	/* Growing through every class and into a mapping of its own, then shrinking back. */
	for (size_t n = 10; n <= 300000; n = n * 3 / 2 + 1) {
		p = jc_heap_realloc(p, n);
		assert_non_null(p);
		assert_true(holds(p, 10, 3));
	}
	p = jc_heap_realloc(p, 5);
	assert_true(holds(p, 5, 3));
	/* Shrinking within a class keeps the block. */
	unsigned char *q = jc_heap_malloc(1000);
	assert_ptr_equal(jc_heap_realloc(q, 900), q);
	jc_heap_free(q);
	jc_heap_free(p);
}

static void test_memalign(void **state)
{
	(void)state;
	for (size_t align = 1; align <= 65536; align *= 2) {
		unsigned char *p = jc_heap_memalign(align, 777);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % align, 0);
		assert_true(jc_heap_usable_size(p) >= 777);
		fill(p, 777, 9);
		p = jc_heap_realloc(p, 5000);
		assert_true(holds(p, 777, 9));
		jc_heap_free(p);
	}
	errno = 0;
	assert_null(jc_heap_memalign(48, 10));
	assert_int_equal(errno, EINVAL);
}

/* Many blocks of mixed sizes alive at once: none overlaps another. */
static void test_mixed_blocks_do_not_overlap(void **state)
{
	(void)state;
	enum { N = 4000 };
	static unsigned char *blocks[N];
	static size_t sizes[N];
	unsigned seed = 12345;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245 + 12345;
			if (blocks[i] && (seed >> 16) % 2) {
				assert_true(holds(blocks[i], sizes[i], (unsigned)i));
				jc_heap_free(blocks[i]);
				blocks[i] = NULL;
			}
			if (!blocks[i]) {
				sizes[i] = (seed >> 8) % ((seed >> 4) % 5 ? 600 : 90000);
				blocks[i] = (seed >> 3) % 7 ? jc_heap_malloc(sizes[i])
							   : jc_heap_memalign(64, sizes[i]);
				assert_non_null(blocks[i]);
				fill(blocks[i], sizes[i], (unsigned)i);
			}
		}
	}
	for (int i = 0; i < N; i++) {
		assert_true(holds(blocks[i], sizes[i], (unsigned)i));
		jc_heap_free(blocks[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_alignment_and_reuse),
		cmocka_unit_test(test_calloc_zeroes_reused_blocks),
		cmocka_unit_test(test_realloc_keeps_contents),
		cmocka_unit_test(test_memalign),
		cmocka_unit_test(test_mixed_blocks_do_not_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
