/*
 * test_noalloc.c - DESIGN section 4 rule 5: the authorizer's allow path makes
 * no heap allocation. malloc is interposed and counted; a count is exact, so
 * this is a test, not a timing. (Skipped under AddressSanitizer, which owns
 * malloc.)
 */
#include <stdio.h>
#include <time.h>

#include "../../bench/fixture.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define OA_NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OA_NO_INTERPOSE 1
#endif
#endif

static unsigned long allocs;
#ifndef OA_NO_INTERPOSE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n)
{
    allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    allocs++;
    return __libc_realloc(p, n);
}
#endif

static struct oa_fixture fx;
static struct oa_response resp;

int main(void)
{
    unsigned long before;

#ifdef OA_NO_INTERPOSE
    printf("1..0 # SKIP malloc cannot be counted under AddressSanitizer\n");
    return 0;
#endif
    ok(oa_fixture_init(&fx, (int64_t)time(NULL)) == 0, "fixture: a config and a valid cookie");
    oa_response_init(&resp);
    ok(oa_authorizer_answer(&fx.cfg, &fx.req, &resp) == OA_OK, "first decision");
    is_int(resp.status, 200, "the valid cookie is allowed");
    before = allocs;
    for (int i = 0; i < 100; i++) {
        oa_response_init(&resp);
        (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
    }
    is_int(allocs - before, 0, "100 allow decisions made no heap allocation");
    is_int(resp.status, 200, "and still allowed");
    return tap_done();
}
