/* The static jailctl's heap. musl's allocator gives each group of blocks above half a page
 * its own mapping and unmaps it as soon as it empties: one `jailctl start` made 96 mmap and
 * 95 munmap calls, each followed by page faults, and that cost more than musl's start-up
 * saves (docs/BENCHMARKS.md, ninth round). jailctl is a short-lived program, so this heap
 * keeps freed blocks on a list per size class for the next request of that class and never
 * hands small blocks back to the kernel; only blocks above 64 KiB get mappings of their own.
 *
 * Every block is preceded by a 16-byte header: its size class, or LARGE with the length of
 * its mapping, or ALIGNED with the distance back to the block an aligned request was cut
 * from. The state is global because malloc's is; a spin lock keeps it whole should a
 * thread ever call in (jailctl has none today). */
#include "heap.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { HEADER = 16, ARENA_SIZE = 256 * 1024 };

struct header {
	size_t kind; /* a class index, LARGE or ALIGNED */
	size_t extra; /* LARGE: the mapping's length; ALIGNED: the offset back */
};

/* Sizes in steps of a quarter to a half, so no block wastes more than a third of itself. */
static const size_t class_size[] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
	6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536,
};
enum { NCLASSES = sizeof(class_size) / sizeof(class_size[0]), LARGE = NCLASSES, ALIGNED };

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];
static char *arena_next, *arena_end;
static atomic_flag heap_lock = ATOMIC_FLAG_INIT;

static void lock(void)
{
	while (atomic_flag_test_and_set_explicit(&heap_lock, memory_order_acquire))
		;
}

static void unlock(void)
{
	atomic_flag_clear_explicit(&heap_lock, memory_order_release);
}

static struct header *header_of(void *ptr)
{
	return (struct header *)((char *)ptr - HEADER);
}

static size_t class_for(size_t size)
{
	size_t lo = 0, hi = NCLASSES - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (class_size[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void *map(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* A new block of class c from the current arena, starting another when it runs out (the
 * rest of the old one is left unused: at most one block's worth). */
static struct header *carve(size_t c)
{
	size_t need = HEADER + class_size[c];
	if (!arena_next || (size_t)(arena_end - arena_next) < need) {
		char *arena = map(ARENA_SIZE);
		if (!arena)
			return NULL;
		arena_next = arena;
		arena_end = arena + ARENA_SIZE;
	}
	struct header *h = (struct header *)arena_next;
	arena_next += need;
	return h;
}

static void *alloc_large(size_t size)
{
	size_t length = (HEADER + size + 4095) & ~(size_t)4095;
	struct header *h = map(length);
	if (!h)
		return NULL;
	*h = (struct header){ .kind = LARGE, .extra = length };
	return (char *)h + HEADER;
}

void *jc_heap_malloc(size_t size)
{
	if (size > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	if (size > class_size[NCLASSES - 1]) {
		void *p = alloc_large(size);
		if (!p)
			errno = ENOMEM;
		return p;
	}
	size_t c = class_for(size ? size : 1);
	lock();
	struct header *h = (struct header *)free_lists[c];
	if (h)
		free_lists[c] = free_lists[c]->next;
	else
		h = carve(c);
	unlock();
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	*h = (struct header){ .kind = c };
	return (char *)h + HEADER;
}

void jc_heap_free(void *ptr)
{
	if (!ptr)
		return;
	struct header *h = header_of(ptr);
	if (h->kind == ALIGNED) {
		jc_heap_free((char *)ptr - h->extra);
		return;
	}
	if (h->kind == LARGE) {
		munmap(h, h->extra);
		return;
	}
	size_t c = h->kind;
	lock();
	struct free_block *b = (struct free_block *)h;
	b->next = free_lists[c];
	free_lists[c] = b;
	unlock();
}

size_t jc_heap_usable_size(void *ptr)
{
	if (!ptr)
		return 0;
	struct header *h = header_of(ptr);
	if (h->kind == ALIGNED) {
		char *base = (char *)ptr - h->extra;
		return jc_heap_usable_size(base) - h->extra;
	}
	if (h->kind == LARGE)
		return h->extra - HEADER;
	return class_size[h->kind];
}

void *jc_heap_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = jc_heap_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *jc_heap_realloc(void *ptr, size_t size)
{
	if (!ptr)
		return jc_heap_malloc(size);
	size_t have = jc_heap_usable_size(ptr);
	if (size <= have)
		return ptr;
	void *p = jc_heap_malloc(size);
	if (!p)
		return NULL;
	memcpy(p, ptr, have);   /* size > have here */
	jc_heap_free(ptr);
	return p;
}

/* align is a power of two; anything up to 16 every block already has. */
void *jc_heap_memalign(size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (align <= HEADER)
		return jc_heap_malloc(size);
	if (size > SIZE_MAX / 2 - align) {
		errno = ENOMEM;
		return NULL;
	}
	char *base = jc_heap_malloc(size + align);
	if (!base)
		return NULL;
	uintptr_t at = ((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1);
	if (at == (uintptr_t)base)
		return base;
	/* base is 16-aligned and align above 16, so the gap holds a header. */
	char *p = (char *)at;
	*header_of(p) = (struct header){ .kind = ALIGNED, .extra = (size_t)(p - base) };
	return p;
}
