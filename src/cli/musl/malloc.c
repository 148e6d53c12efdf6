/* malloc() and friends of the static jailctl, in place of musl's (heap.c says why). musl
 * takes a program's own definitions of these over its allocator when linking statically. */
#include <errno.h>
#include <stddef.h>

#include "heap.h"

void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **out, size_t align, size_t size);
void *memalign(size_t align, size_t size);
size_t malloc_usable_size(void *ptr);

void *malloc(size_t size) { return jc_heap_malloc(size); }
void *calloc(size_t count, size_t size) { return jc_heap_calloc(count, size); }
void *realloc(void *ptr, size_t size) { return jc_heap_realloc(ptr, size); }
void free(void *ptr) { jc_heap_free(ptr); }
void *aligned_alloc(size_t align, size_t size) { return jc_heap_memalign(align, size); }
void *memalign(size_t align, size_t size) { return jc_heap_memalign(align, size); }
size_t malloc_usable_size(void *ptr) { return jc_heap_usable_size(ptr); }

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *))
		return EINVAL;
	int saved = errno;
	void *p = jc_heap_memalign(align, size);
	int r = p ? 0 : errno;
	errno = saved;
	if (p)
		*out = p;
	return r;
}
