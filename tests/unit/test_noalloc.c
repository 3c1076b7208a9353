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
    /* a rule requiring a role: met by a session carrying roles, no allocation */
    {
        static char *roles[] = {(char *)"annotator"};
        static char with_roles[8192];
        struct oa_identity id = {.provider = "corp",
                                 .subject = "7",
                                 .email = "bob@example.com",
                                 .roles = "viewer,annotator"};
        const char *sc;
        oa_response_init(&resp);
        sc = oa_session_issue(&resp, &fx.cfg, &fx.req, &id) == OA_OK
                 ? oa_response_get(&resp, "Set-Cookie")
                 : NULL;
        snprintf(with_roles, sizeof(with_roles), "%.*s", sc ? (int)strcspn(sc, ";") : 0,
                 sc ? sc : "");
        oa_response_free(&resp);
        fx.rules[1].roles.v = roles;
        fx.rules[1].roles.n = 1;
        fx.req.cookie = with_roles;
        before = oa_allocs;
        for (int i = 0; i < 100; i++) {
            oa_response_init(&resp);
            (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
        }
        is_int(oa_allocs - before, 0, "a rule requiring a role: no heap allocation");
        is_int(resp.status, 200, "and allowed");
        fx.req.cookie = fx.cookie;
        oa_response_init(&resp);
        (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
        is_int(resp.status, 403, "a session without that role: 403");
        oa_response_free(&resp); /* a denial has a body */
        fx.rules[1].roles.n = 0;
    }
    /* public: true, methods and hosts: a request without a session that a
     * public rule lets through, read every way, allocates nothing either */
    {
        static char *methods[] = {(char *)"GET"}, *hosts[] = {(char *)"*.example.com"};
        fx.rules[0].methods.v = methods;
        fx.rules[0].methods.n = 1;
        fx.rules[0].hosts.v = hosts;
        fx.rules[0].hosts.n = 1;
        fx.rules[1].is_public = true;
        fx.rules[1].email_domains.n = 0;
        fx.req.cookie = NULL;
        fx.req.request_uri = "/app/a%20b;v=1/q3.html?x=1";
        before = oa_allocs;
        for (int i = 0; i < 100; i++) {
            oa_response_init(&resp);
            (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
        }
        is_int(oa_allocs - before, 0,
               "a public pass without a session (every reading): no heap allocation");
        is_int(resp.status, 200, "and allowed");
    }
    oa_revocation_clear();
    return tap_done();
}
