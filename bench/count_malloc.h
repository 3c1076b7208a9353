/*
 * count_malloc.h - counts every heap allocation of the program that
 * includes it (once, in one .c file): malloc, calloc and realloc are
 * interposed and forwarded to glibc's own entry points. Used by the
 * decision benchmark and by the test that the allow path never allocates.
 * While oa_allocs_fail is nonzero every allocation fails, for tests of the
 * out-of-memory paths. Not usable under AddressSanitizer, which owns
 * malloc: then OA_COUNT_MALLOC_OFF is defined and oa_allocs stays 0.
 */
#ifndef OA_COUNT_MALLOC_H
#define OA_COUNT_MALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define OA_COUNT_MALLOC_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OA_COUNT_MALLOC_OFF 1
#endif
#endif

static volatile unsigned long oa_allocs;
static volatile int oa_allocs_fail;

#ifndef OA_COUNT_MALLOC_OFF
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);

void *malloc(size_t n)
{
    oa_allocs++;
    return oa_allocs_fail ? NULL : __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    oa_allocs++;
    return oa_allocs_fail ? NULL : __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    oa_allocs++;
    return oa_allocs_fail ? NULL : __libc_realloc(p, n);
}
#endif

#endif
