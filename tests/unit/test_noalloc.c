/*
 * test_noalloc.c - DESIGN.md section 4.3, rule 5: the authorizer's allow path
 * makes no heap allocation. malloc is interposed and counted; a count is exact, so
 * this is a test, not a timing. (Skipped under AddressSanitizer, which owns
 * malloc.)
 */
#include <stdio.h>
#include <time.h>

#include "../../bench/fixture.h"
#include "oa/revocation.h"
#include "tap.h"

#include "../../bench/count_malloc.h"

static struct oa_fixture fx;
static struct oa_response resp;

int main(void)
{
    unsigned long before;

#ifdef OA_COUNT_MALLOC_OFF
    printf("1..0 # SKIP malloc cannot be counted under AddressSanitizer\n");
    return 0;
#endif
    ok(oa_fixture_init(&fx, (int64_t)time(NULL)) == 0, "fixture: a config and a valid cookie");
    oa_response_init(&resp);
    ok(oa_authorizer_answer(&fx.cfg, &fx.req, &resp) == OA_OK, "first decision");
    is_int(resp.status, 200, "the valid cookie is allowed");
    before = oa_allocs;
    for (int i = 0; i < 100; i++) {
        oa_response_init(&resp);
        (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
    }
    is_int(oa_allocs - before, 0, "100 allow decisions made no heap allocation");
    is_int(resp.status, 200, "and still allowed");
    /* the same with 100 000 revocations loaded (DESIGN.md section 14.1) */
    for (int i = 0; i < 100000; i++) {
        struct oa_rev_entry e = {.cutoff = INT64_MAX, .expiry = INT64_MAX};
        oa_random_bytes(e.key, sizeof(e.key));
        if (oa_revocation_add(&e) != OA_OK)
            break;
    }
    before = oa_allocs;
    for (int i = 0; i < 100; i++) {
        oa_response_init(&resp);
        (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
    }
    is_int(oa_allocs - before, 0, "with 100000 revocations loaded: still no heap allocation");
    is_int(resp.status, 200, "and still allowed");
    /* a version-1 cookie: its revocation keys are made on every read */
    {
        static char v1[8192];
        ok(oa_fixture_v1_cookie(&fx, v1, sizeof(v1), (int64_t)time(NULL)) == 0, "a v1 cookie");
        fx.req.cookie = v1;
        before = oa_allocs;
        for (int i = 0; i < 100; i++) {
            oa_response_init(&resp);
            (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
        }
        is_int(oa_allocs - before, 0, "a version-1 cookie (keys made on read): no heap allocation");
        is_int(resp.status, 200, "and allowed");
        fx.req.cookie = fx.cookie;
    }
    oa_revocation_clear();
    return tap_done();
}
