#ifndef JAILCTL_MUSL_HEAP_H
#define JAILCTL_MUSL_HEAP_H

/* The allocator of the static jailctl (malloc.c maps malloc() and friends onto it; heap.c
 * says why it exists). Named apart from malloc so the unit tests can drive it beside glibc's. */

#include <stddef.h>

void *jc_heap_malloc(size_t size);
void *jc_heap_calloc(size_t count, size_t size);
void *jc_heap_realloc(void *ptr, size_t size);
void *jc_heap_memalign(size_t align, size_t size);
void jc_heap_free(void *ptr);
size_t jc_heap_usable_size(void *ptr);

#endif
