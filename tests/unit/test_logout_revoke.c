/* test_logout_revoke.c - a sign-out revokes the session it ends (its id,
 * cutoff: always), so a copy of the cookie is refused afterwards; a store
 * that cannot be written is logged and the sign-out goes on; a logout
 * that only asks for confirmation revokes nothing. Also the route of
 * /<p>/backchannel-logout (POST only). Through oa_handle, as the edge
 * calls it. Needs session ids in the cookie (session v2) and the real
 * revocation list. */
#include "fixture.h"
#include "oa/b64url.h"
#include "oa/handler.h"
#include "oa/revocation.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_runtime rt;
static struct oa_response r;

static struct oa_rev_entry stored[4];
static size_t nstored;
static enum oa_err store_answer = OA_OK;

static enum oa_err fake_store(const struct oa_rev_entry *e, struct oa_error *err)
{
    if (nstored < 4)
        stored[nstored++] = *e;
    return store_answer == OA_OK ? OA_OK : oa_error_set(err, store_answer, "store down");
}

static struct oa_request rq(const char *method, const char *pi)
{
    struct oa_request q = {.method = method,
                           .script_name = "/oauth",
                           .path_info = pi,
                           .host = "app.example.com",
                           .https = "on",
                           .accept = "text/html",
                           .sec_fetch_mode = "navigate",
                           .now = CFX_NOW + 10};
    return q;
}

static int answer(const struct oa_request *q)
{
    oa_response_free(&r);
    oa_response_init(&r);
    (void)oa_handle(&cfg, &rt, q, &r);
    printf("#   %d log: %s\n", r.status, r.log);
    return r.status;
}

static void test_logout_revokes(void)
{
    struct oa_identity id = cfx_alice();
    struct oa_request q = rq("POST", "/logout");
    unsigned char want[OA_REV_KEY_BYTES];
    char sid[32];
    const char *cookie;

    for (size_t i = 0; i < sizeof(id.sid); i++)
        id.sid[i] = (unsigned char)(0xA0 + i);
    ok(oa_b64url_encode(sid, sizeof(sid), id.sid, sizeof(id.sid)) == OA_OK && strlen(sid) == 22,
       "(the session id: 22 base64url chars)");
    ok(oa_rev_key(OA_REV_SESSION, sid, NULL, want), "(its revocation key)");
    cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    q.cookie = cookie;
    q.sec_fetch_site = "same-origin";
    nstored = 0;
    is_int(answer(&q), 302, "logout: 302");
    ok(nstored == 1 && !memcmp(stored[0].key, want, sizeof(want)),
       "logout: the session's id revoked (shared through the store)");
    ok(nstored == 1 && stored[0].cutoff == INT64_MAX &&
           stored[0].expiry == q.now + cfg.session.lifetime,
       "logout: for good, kept as long as the session could have lived");
    /* the same cookie, copied before the sign-out, is refused now */
    q = rq("GET", "/userinfo");
    q.cookie = cookie;
    q.accept = "application/json";
    is_int(answer(&q), 401, "logout: a copy of the ended session's cookie is refused");

    /* the store is down: logged, the sign-out goes on */
    id.sid[0] ^= 0xFF;
    cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    q = rq("POST", "/logout");
    q.cookie = cookie;
    q.sec_fetch_site = "same-origin";
    store_answer = OA_ERR_IO;
    nstored = 0;
    is_int(answer(&q), 302, "store down: the sign-out still happens (302)");
    ok(oa_response_get(&r, "Set-Cookie") != NULL, "store down: the cookie is still cleared");
    ok(nstored == 1 && strstr(r.log, "revoked in this process only"),
       "store down: one log line says the revocation is this process's only");
    store_answer = OA_OK;
    q = rq("GET", "/userinfo");
    q.cookie = cookie;
    q.accept = "application/json";
    is_int(answer(&q), 401, "store down: this process refuses the copy anyway");

    /* another site's logout only asks: nothing revoked */
    id.sid[1] ^= 0xFF;
    q = rq("GET", "/logout");
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    q.sec_fetch_site = "cross-site";
    nstored = 0;
    is_int(answer(&q), 200, "cross-site logout: the confirmation page");
    is_int(nstored, 0, "cross-site logout: nothing revoked");
}

static void test_route(void)
{
    struct oa_request q = rq("GET", "/corp/backchannel-logout");

    is_int(answer(&q), 405, "backchannel-logout: GET is 405");
    ok(oa_response_get(&r, "Allow") && !strcmp(oa_response_get(&r, "Allow"), "POST"),
       "backchannel-logout: Allow: POST");
    q = rq("POST", "/corp/backchannel-logout");
    q.content_type = "application/x-www-form-urlencoded";
    q.body = "x=1";
    q.body_len = 3;
    is_int(answer(&q), 400, "backchannel-logout: POST reaches it (400: no logout_token)");
    q = rq("POST", "/github/backchannel-logout");
    is_int(answer(&q), 404, "backchannel-logout: not for a provider without OpenID");
    q = rq("POST", "/nope/backchannel-logout");
    is_int(answer(&q), 404, "backchannel-logout: unknown provider 404");
}

int main(void)
{
    cfx_config(&cfg, 2);
    if (oa_runtime_init(&rt, &cfg, NULL) != OA_OK) {
        printf("Bail out! oa_runtime_init\n");
        return 1;
    }
    oa_revocation_clear();
    oa_revocation_set_store(fake_store);
    oa_response_init(&r);
    test_logout_revokes();
    test_route();
    oa_revocation_set_store(NULL);
    oa_revocation_clear();
    oa_response_free(&r);
    oa_runtime_free(&rt);
    cfx_free();
    return tap_done();
}
