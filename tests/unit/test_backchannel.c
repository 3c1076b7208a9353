/* test_backchannel.c - OpenID Connect Back-Channel Logout 1.0 at
 * /<p>/backchannel-logout (src/flow/backchannel.c) against a stand-in
 * provider (discovery and JWKS answered from a table, tokens signed here):
 * a sid token revokes that provider session for good, a sub-only token
 * the user's sessions sealed before it, the jti works once, every refusal
 * is 400 invalid_request with one log line naming the check (never the
 * token), busy / keys unreachable / store down are 503 + Retry-After. */
#include <stdint.h>

#include <cjose/cjose.h>

#include "fixture.h"
#include "oa/b64url.h"
#include "oa/inflight.h"
#include "oa/replay.h"
#include "oa/revocation.h"
#include "tap.h"

#define IDP "https://idp.test"
#define EVENT "{\"http://schemas.openid.net/event/backchannel-logout\":{}}"

static struct oa_response r;
static struct oa_provider *corp, *gh;
static cjose_jwk_t *key, *other;
static int64_t now;

/* What the store was asked to write. */
static struct oa_rev_entry stored[8];
static size_t nstored;
static enum oa_err store_answer = OA_OK;

static enum oa_err fake_store(const struct oa_rev_entry *e, struct oa_error *err)
{
    if (nstored < 8)
        stored[nstored++] = *e;
    if (store_answer != OA_OK)
        return oa_error_set(err, store_answer, "store down");
    return OA_OK;
}

static void canned_idp(void)
{
    char *pub = cjose_jwk_to_json(key, false, NULL);
    char doc[2048];

    fx_reset();
    fx_answer(IDP "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" IDP "\",\"authorization_endpoint\":\"" IDP "/auth\","
              "\"token_endpoint\":\"" IDP "/token\",\"jwks_uri\":\"" IDP "/jwks\","
              "\"backchannel_logout_supported\":true}",
              NULL);
    snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", pub);
    fx_answer(IDP "/jwks", 200, doc, NULL);
    free(pub);
}

/* A logout token's claims (valid), with overrides (null deletes). New. */
static char *claims(const char *override)
{
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "iss", IDP, "aud", "cid-123", "sub",
                          "u-42", "sid", "s-7", "jti", "j-1", "iat", (json_int_t)now - 5, "exp",
                          (json_int_t)now + 115, "events", json_loads(EVENT, 0, NULL));

    return fx_claims_override(c, override);
}

/* A token signed by k (kid k1) with header typ (NULL: none). New. */
static char *token_by(cjose_jwk_t *k, const char *typ, const char *override)
{
    char *c = claims(override), *out;
    cjose_header_t *h = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *ser;

    cjose_header_set(h, CJOSE_HDR_ALG, "ES256", NULL);
    cjose_header_set(h, CJOSE_HDR_KID, "k1", NULL);
    if (typ)
        cjose_header_set(h, "typ", typ, NULL);
    jws = cjose_jws_sign(k, h, (const uint8_t *)c, strlen(c), NULL);
    if (!jws || !cjose_jws_export(jws, &ser, NULL))
        abort();
    out = strdup(ser);
    cjose_jws_release(jws);
    cjose_header_release(h);
    free(c);
    return out;
}

static char *token(const char *override)
{
    return token_by(key, "logout+jwt", override);
}

/* POSTs body (content type ct) to p's back-channel logout endpoint. */
static enum oa_err post_as(const struct oa_provider *p, const char *method, const char *ct,
                           const char *body)
{
    struct oa_request req;
    char path[128];
    enum oa_err e;

    snprintf(path, sizeof(path), "/oauth/%s/backchannel-logout", p->name);
    fx_request(&req, method, path, NULL, NULL);
    req.accept = NULL;
    req.content_type = ct;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.now = now;
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_backchannel_logout(&r, &fx_cfg, &fx_rt, &req, p);
    printf("#   %d log: %s\n", r.status, r.log);
    return e;
}

/* POSTs logout_token=tok (freed here). */
static enum oa_err post_token(char *tok)
{
    size_t n = strlen(tok) + 16;
    char *body = malloc(n);
    enum oa_err e;

    snprintf(body, n, "logout_token=%s", tok);
    e = post_as(corp, "POST", "application/x-www-form-urlencoded", body);
    free(body);
    free(tok);
    return e;
}

static bool body_is(const char *want)
{
    return r.body.len == strlen(want) && memcmp(r.body.p, want, r.body.len) == 0;
}

/* A 400 invalid_request, one log line with the words, nothing stored. */
static void refused(const char *what, const char *words)
{
    char name[160];

    snprintf(name, sizeof(name), "%s: 400 invalid_request, logged (\"%s\"), nothing revoked", what,
             words);
    ok(r.status == 400 && body_is("{\"error\":\"invalid_request\"}") && strstr(r.log, words) &&
           strstr(r.log, "back-channel logout refused") && nstored == 0 &&
           !strcmp(oa_response_get(&r, "Cache-Control"), "no-store"),
       "%s", name);
}

static void test_sid(void)
{
    unsigned char want[OA_REV_KEY_BYTES];
    char *t = token(NULL);

    canned_idp();
    nstored = 0;
    is_int(post_token(strdup(t)), OA_OK, "sid token: taken");
    is_int(r.status, 200, "sid token: 200");
    is_int(r.body.len, 0, "sid token: empty body");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "sid token: no-store");
    ok(oa_rev_key(OA_REV_PROVIDER_SID, IDP, "s-7", want), "(the key of the provider's sid)");
    ok(nstored == 1 && !memcmp(stored[0].key, want, sizeof(want)),
       "sid token: that provider session revoked (iss, sid)");
    ok(nstored == 1 && stored[0].cutoff == INT64_MAX, "sid token: whenever it was sealed");
    ok(nstored == 1 && stored[0].expiry == now + fx_cfg.session.lifetime,
       "sid token: kept as long as a session can live");
    ok(!strstr(r.log, t), "sid token: the log line never holds the token");
    ok(r.audit.event == OA_AUDIT_REVOCATION && !strcmp(r.audit.provider, "corp"),
       "sid token: audited as a revocation");
    nstored = 0;
    post_token(t);
    refused("the same token again (jti)", "jti already used");
    /* the same jti from the OP with another sid: still that jti */
    post_token(token("{\"sid\":\"s-8\"}"));
    refused("another token with a used jti", "jti already used");
}

static void test_sub_only(void)
{
    unsigned char want[OA_REV_KEY_BYTES];

    canned_idp();
    nstored = 0;
    is_int(post_token(token("{\"sid\":null,\"jti\":\"j-sub\"}")), OA_OK, "sub-only token: taken");
    ok(oa_rev_key(OA_REV_USER, "corp", "u-42", want), "(the key of the user)");
    ok(nstored == 1 && !memcmp(stored[0].key, want, sizeof(want)),
       "sub-only token: the user (provider name, sub) revoked");
    ok(nstored == 1 && stored[0].cutoff == now - 5,
       "sub-only token: sessions sealed before the token's iat (a later sign-in lives)");
}

static void test_refusals(void)
{
    cjose_header_t *h;
    char *c, buf[4096], *hb, *pb;
    size_t n;

    canned_idp();
    nstored = 0;
    post_token(token_by(other, "logout+jwt", "{\"jti\":\"j-forged\"}"));
    refused("forged key", "bad signature");
    post_token(token("{\"jti\":\"j-n\",\"nonce\":\"n-1\"}"));
    refused("nonce", "nonce");
    post_token(token("{\"jti\":\"j-e\",\"events\":null}"));
    refused("no events", "events");
    post_token(token("{\"jti\":\"j-e2\",\"events\":[1]}"));
    refused("events not an object", "events");
    post_token(token("{\"jti\":\"j-a\",\"aud\":\"another-client\"}"));
    refused("wrong aud", "aud");
    post_token(token("{\"jti\":\"j-i\",\"iss\":\"https://evil.test\"}"));
    refused("wrong iss", "iss");
    post_token(token("{\"jti\":\"j-s\",\"sub\":null,\"sid\":null}"));
    refused("neither sub nor sid", "neither sub nor sid");
    post_token(token("{\"jti\":null}"));
    refused("no jti", "jti");
    post_token(token("{\"jti\":\"j-old\",\"iat\":1000000000,\"exp\":null}"));
    refused("an old iat", "iat too old");
    post_token(token_by(key, "at+jwt", "{\"jti\":\"j-typ\"}"));
    refused("typ at+jwt", "typ");
    /* an id_token (with its nonce) is no logout token */
    post_token(token_by(key, NULL, "{\"jti\":null,\"events\":null,\"nonce\":\"n-1\"}"));
    refused("an id_token", "logout token");
    /* alg none */
    c = claims("{\"jti\":\"j-none\"}");
    hb = malloc(64);
    pb = malloc(strlen(c) * 2 + 8);
    if (oa_b64url_encode(hb, 64, (const unsigned char *)"{\"alg\":\"none\"}", 14) != OA_OK ||
        oa_b64url_encode(pb, strlen(c) * 2 + 8, (const unsigned char *)c, strlen(c)) != OA_OK)
        abort();
    n = (size_t)snprintf(buf, sizeof(buf), "%s.%s.", hb, pb);
    post_token(strndup(buf, n));
    refused("alg none, no signature", "malformed");
    n = (size_t)snprintf(buf, sizeof(buf), "%s.%s.AAAA", hb, pb);
    post_token(strndup(buf, n));
    refused("alg none with a signature", "alg not allowed");
    free(c);
    free(hb);
    free(pb);
    (void)h;
    /* the request itself */
    post_as(corp, "POST", "application/json", "{\"logout_token\":\"x\"}");
    refused("a JSON body", "urlencoded");
    post_as(corp, "POST", "application/x-www-form-urlencoded", "foo=bar");
    refused("no logout_token", "no logout_token");
    c = token("{\"jti\":\"j-rep\"}");
    snprintf(buf, sizeof(buf), "logout_token=%s&logout_token=%s", c, c);
    post_as(corp, "POST", "application/x-www-form-urlencoded", buf);
    refused("logout_token twice", "repeated");
    free(c);
    post_as(corp, "POST", "application/x-www-form-urlencoded", "logout_token=%ZZ");
    refused("a badly encoded body", "badly encoded");
    post_as(corp, "POST", "application/x-www-form-urlencoded", "logout_token=abc");
    refused("not a JWT", "malformed");
    is_int(post_as(gh, "POST", "application/x-www-form-urlencoded", "logout_token=abc"),
           OA_ERR_NOT_FOUND, "GitHub (no OpenID): not found");
    is_int(r.status, 404, "GitHub: 404");
    ok(nstored == 0, "nothing was revoked by any refused request");
}

static void test_later(void)
{
    char *t;
    unsigned cap = 1;

    canned_idp();
    /* every provider-call slot taken */
    oa_inflight_set_cap(cap);
    ok(oa_inflight_enter(), "(the only provider-call slot taken)");
    nstored = 0;
    is_int(post_token(token("{\"jti\":\"j-busy\"}")), OA_ERR_BUSY, "busy: refused at once");
    is_int(r.status, 503, "busy: 503");
    ok(oa_response_get(&r, "Retry-After") != NULL, "busy: Retry-After");
    ok(nstored == 0, "busy: nothing revoked");
    oa_inflight_leave();
    oa_inflight_set_cap(16);
    is_int(post_token(token("{\"jti\":\"j-busy\"}")), OA_OK,
           "busy: the OP's retry of the same token is taken (its jti was not used)");
    /* the store cannot be written */
    store_answer = OA_ERR_IO;
    nstored = 0;
    is_int(post_token(token("{\"jti\":\"j-store\"}")), OA_ERR_IO, "store down: an error");
    is_int(r.status, 503, "store down: 503");
    ok(oa_response_get(&r, "Retry-After") != NULL, "store down: Retry-After");
    ok(nstored == 1 && strstr(r.log, "this process has it"),
       "store down: the write was tried, the log says the process's own list has it");
    store_answer = OA_OK;
    nstored = 0;
    is_int(post_token(token("{\"jti\":\"j-store\"}")), OA_OK,
           "store back: the OP's retry of the same token is taken (its jti was not marked)");
    ok(nstored == 1, "store back: ... and written");
    post_token(token("{\"jti\":\"j-store\"}"));
    is_int(r.status, 400, "store back: once taken, the jti is used");
    /* the provider's keys cannot be fetched (a fresh cache) */
    fx_runtime();
    fx_reset();
    fx_fail(IDP "/.well-known/openid-configuration", OA_ERR_IO);
    fx_fail(IDP "/jwks", OA_ERR_IO);
    nstored = 0;
    t = token("{\"jti\":\"j-keys\"}");
    post_token(t);
    is_int(r.status, 503, "keys unreachable: 503 (ours, not the token's)");
    ok(oa_response_get(&r, "Retry-After") != NULL, "keys unreachable: Retry-After");
    ok(nstored == 0, "keys unreachable: nothing revoked");
    canned_idp();
}

int main(void)
{
    now = (int64_t)time(NULL);
    fx_config();
    key = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    other = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    if (!key || !other || !cjose_jwk_set_kid(key, "k1", 2, NULL) ||
        !cjose_jwk_set_kid(other, "k1", 2, NULL))
        abort();
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s(IDP);
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    oa_inflight_set_cap(16);
    oa_replay_reset(0);
    oa_revocation_set_store(fake_store);
    oa_response_init(&r);
    test_sid();
    test_sub_only();
    test_refusals();
    test_later();
    oa_revocation_set_store(NULL);
    oa_response_free(&r);
    cjose_jwk_release(key);
    cjose_jwk_release(other);
    fx_reset();
    return tap_done();
}
