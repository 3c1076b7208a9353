/*
 * test_discovery.c - the provider cache (provider_cache.c: discovery
 * document, JWKS, Apple's secret, in the run-time state of runtime.c) and
 * the id_token check (id_token.c)
 * through a stand-in HTTP table (no network) and a stand-in clock: good
 * document, issuer mismatch, malformed, duplicate keys, oversize, cache
 * hit, TTL, back-off, stale use, explicit endpoints winning, unknown-kid
 * refetch with its rate limit, Apple's cached client secret.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjose/cjose.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "oa/id_token.h"
#include "oa/jwt.h"
#include "oa/provider_cache.h"
#include "oa/runtime.h"
#include "tap.h"

#define ISS "https://idp.example.com"
#define DOC_URL ISS "/.well-known/openid-configuration"
#define JWKS_URL ISS "/jwks"
#define S(lit) ((char *)(lit)) /* the config owns its strings; here they are literals */

/* One canned answer per URL. */
struct standin {
    const char *url[4];
    char *body[4];
    long status[4];
    enum oa_err fail; /* non-OK: every send fails so */
    int calls;
    char last[256];
};

static struct standin si;
static int64_t fake_now = 1800000000;

static int64_t fake_clock(void)
{
    return fake_now;
}

static enum oa_err si_send(void *ctx, const struct oa_http_opts *opts,
                           const struct oa_http_request *req, struct oa_http_response *resp,
                           struct oa_error *err)
{
    struct standin *s = ctx;

    s->calls++;
    snprintf(s->last, sizeof(s->last), "%s", req->url);
    memset(resp, 0, sizeof(*resp));
    if (s->fail != OA_OK)
        return oa_error_set(err, s->fail, "stand-in: %s failed", req->url);
    for (int i = 0; i < 4; i++) {
        if (s->url[i] && strcmp(s->url[i], req->url) == 0) {
            resp->status = s->status[i] ? s->status[i] : 200;
            resp->body = strdup(s->body[i]);
            resp->body_len = strlen(s->body[i]);
            return OA_OK;
        }
    }
    resp->status = 404;
    resp->body = strdup("{}");
    resp->body_len = 2;
    return OA_OK;
}

static void serve(int i, const char *url, const char *body, long status)
{
    free(si.body[i]);
    si.url[i] = url;
    si.body[i] = strdup(body);
    si.status[i] = status;
}

static const char *good_doc =
    "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth\","
    "\"token_endpoint\":\"" ISS "/token\",\"userinfo_endpoint\":\"" ISS "/me\","
    "\"end_session_endpoint\":\"" ISS "/logout\",\"jwks_uri\":\"" JWKS_URL "\","
    "\"authorization_response_iss_parameter_supported\":true,"
    "\"token_endpoint_auth_methods_supported\":[\"client_secret_post\",\"private_key_jwt\"]}";

static struct oa_config cfg;
static struct oa_provider prov;
static struct oa_runtime rt;
static const struct oa_http_ops si_ops = {si_send, &si};

/* A fresh run-time state for cfg, as the edge makes it at start-up. */
static void runtime_fresh(void)
{
    oa_runtime_free(&rt);
    if (oa_runtime_init(&rt, &cfg, &si_ops) != OA_OK) {
        printf("Bail out! oa_runtime_init\n");
        exit(1);
    }
}

static void reset(void)
{
    memset(&prov, 0, sizeof(prov));
    prov.name = S("corp");
    prov.issuer = S(ISS);
    prov.client_id = S("cid");
    prov.kind = OA_PROVIDER_OIDC;
    cfg.providers = &prov;
    cfg.nproviders = 1;
    cfg.allow_http_redirect = false;
    runtime_fresh();
    si.calls = 0;
    si.fail = OA_OK;
    serve(0, DOC_URL, good_doc, 200);
}

static enum oa_err get(struct oa_provider_urls *e)
{
    struct oa_error err;
    enum oa_err r = oa_provider_urls_get(e, &rt, &cfg, &prov, &err);

    if (r != OA_OK)
        printf("#   (%s)\n", err.msg);
    return r;
}

static void test_good(void)
{
    struct oa_provider_urls e;

    reset();
    ok(rt.ncache == 1 && rt.cache[0] && rt.http == &si_ops,
       "the run-time state: a cache per provider, the transport given");
    ok(get(&e) == OA_OK, "good document");
    is_str(si.last, DOC_URL, "fetched <issuer>/.well-known/openid-configuration");
    is_str(e.authorization_endpoint, ISS "/auth", "authorization_endpoint");
    is_str(e.token_endpoint, ISS "/token", "token_endpoint");
    is_str(e.userinfo_endpoint, ISS "/me", "userinfo_endpoint");
    is_str(e.end_session_endpoint, ISS "/logout", "end_session_endpoint");
    is_str(e.jwks_uri, JWKS_URL, "jwks_uri");
    is_str(e.issuer, ISS, "issuer");
    ok(e.iss_parameter_supported, "RFC 9207 iss supported");
    ok(e.auth_post && !e.auth_basic, "auth methods: post, not basic");
    ok(e.discovered, "marked discovered");
    oa_provider_urls_free(&e);
    ok(get(&e) == OA_OK && si.calls == 1, "second call: cache hit, no fetch");
    oa_provider_urls_free(&e);
    fake_now += OA_DISCOVERY_TTL;
    ok(get(&e) == OA_OK && si.calls == 2, "after the TTL: fetched again");
    oa_provider_urls_free(&e);
}

static void test_explicit(void)
{
    struct oa_provider_urls e;

    reset();
    prov.token_url = S("https://other.example.com/token");
    ok(get(&e) == OA_OK, "explicit token_url with discovery");
    is_str(e.token_endpoint, "https://other.example.com/token", "explicit endpoint wins");
    is_str(e.authorization_endpoint, ISS "/auth", "the rest from discovery");
    oa_provider_urls_free(&e);
    reset();
    prov.authorize_url = S("https://sso.example.com/a");
    prov.token_url = S("https://sso.example.com/t");
    prov.jwks_uri = S("https://sso.example.com/k");
    ok(get(&e) == OA_OK && si.calls == 0, "all endpoints explicit: no fetch");
    ok(e.auth_basic && !e.discovered && !e.iss_parameter_supported, "defaults without document");
    oa_provider_urls_free(&e);
    reset();
    prov.issuer = S(ISS "/");
    serve(0, DOC_URL,
          "{\"issuer\":\"" ISS "/\",\"authorization_endpoint\":\"" ISS "/a\","
          "\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS "/k\"}",
          200);
    ok(get(&e) == OA_OK, "issuer with a trailing slash");
    is_str(si.last, DOC_URL, "slash not doubled in the discovery URL");
    ok(e.auth_basic && !e.auth_post, "no auth method list: basic");
    oa_provider_urls_free(&e);
}

/* The document doc (or a transport failure) must be refused. */
static void refused(const char *doc, long status, const char *what)
{
    struct oa_provider_urls e;

    reset();
    serve(0, DOC_URL, doc, status);
    ok(get(&e) == OA_ERR_PROVIDER && !e.token_endpoint, "%s refused", what);
}

static void test_bad(void)
{
    struct oa_provider_urls e;
    char *big;

    refused("{\"issuer\":\"https://evil.example.com\",\"authorization_endpoint\":\"" ISS
            "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS "/k\"}",
            200, "issuer mismatch");
    refused("{\"issuer\":\"" ISS "/\",\"authorization_endpoint\":\"" ISS
            "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS "/k\"}",
            200, "issuer differing by a slash");
    refused("{\"issuer\":\"" ISS "\",", 200, "malformed JSON");
    refused("[1,2]", 200, "a JSON array");
    refused("{\"issuer\":\"https://evil.example.com\",\"issuer\":\"" ISS
            "\",\"authorization_endpoint\":\"" ISS "/a\",\"token_endpoint\":\"" ISS
            "/t\",\"jwks_uri\":\"" ISS "/k\"}",
            200, "duplicate keys");
    refused("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"http://idp.example.com/a\","
            "\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS "/k\"}",
            200, "http endpoint without allow_http_redirect");
    refused("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/a\","
            "\"jwks_uri\":\"" ISS "/k\"}",
            200, "no token_endpoint");
    refused("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/a\","
            "\"token_endpoint\":5,\"jwks_uri\":\"" ISS "/k\"}",
            200, "non-string endpoint");
    refused(good_doc, 500, "HTTP 500");
    reset();
    big = malloc(OA_HTTP_BODY_MAX + 16);
    memset(big, ' ', OA_HTTP_BODY_MAX + 15);
    big[0] = '{';
    big[OA_HTTP_BODY_MAX + 14] = '}';
    big[OA_HTTP_BODY_MAX + 15] = '\0';
    serve(0, DOC_URL, big, 200);
    free(big);
    ok(get(&e) == OA_ERR_TOO_LARGE, "oversize document refused");
    reset();
    si.fail = OA_ERR_TOO_LARGE;
    ok(get(&e) == OA_ERR_TOO_LARGE, "the client's TOO_LARGE passed on");
}

static void test_backoff(void)
{
    struct oa_provider_urls e;

    reset();
    si.fail = OA_ERR_PROVIDER;
    ok(get(&e) == OA_ERR_PROVIDER && si.calls == 1, "failure: one fetch");
    ok(get(&e) == OA_ERR_PROVIDER && si.calls == 1, "during back-off: no fetch, same error");
    fake_now += OA_DISCOVERY_BACKOFF_MIN;
    ok(get(&e) == OA_ERR_PROVIDER && si.calls == 2, "after the back-off: tried again");
    fake_now += OA_DISCOVERY_BACKOFF_MIN;
    ok(get(&e) == OA_ERR_PROVIDER && si.calls == 2, "back-off doubled");
    fake_now += OA_DISCOVERY_BACKOFF_MIN;
    si.fail = OA_OK;
    ok(get(&e) == OA_OK && si.calls == 3, "recovered after the doubled back-off");
    oa_provider_urls_free(&e);
    /* stale document used while the provider is down */
    fake_now += OA_DISCOVERY_TTL;
    si.fail = OA_ERR_PROVIDER;
    ok(get(&e) == OA_OK && si.calls == 4, "provider down after the TTL: stale document used");
    is_str(e.token_endpoint, ISS "/token", "stale document's endpoint");
    oa_provider_urls_free(&e);
    ok(get(&e) == OA_OK && si.calls == 4, "and no fetch during back-off");
    oa_provider_urls_free(&e);
}

/* A long outage: the back-off stops growing at 30 s, so a provider that
 * comes back is used again within 30 s, not minutes later. */
static void test_backoff_cap(void)
{
    struct oa_provider_urls e;
    int i, calls;

    reset();
    si.fail = OA_ERR_PROVIDER;
    for (i = 0; i < 60 * 60; i++) { /* an hour of a request every second */
        get(&e);
        fake_now += 1;
    }
    ok(OA_DISCOVERY_BACKOFF_MAX <= 30, "the back-off is capped at 30 s at most");
    calls = si.calls;
    si.fail = OA_OK;
    for (i = 0; i <= 30 && get(&e) != OA_OK; i++)
        fake_now += 1;
    ok(i <= 30, "provider back after an hour down: used again within 30 s");
    ok(si.calls == calls + 1, "... with one fetch");
    oa_provider_urls_free(&e);
}

/* A JWKS text with the public forms of the given keys (new). */
static char *jwks_text(cjose_jwk_t *a, cjose_jwk_t *b)
{
    char *ja = cjose_jwk_to_json(a, false, NULL),
         *jb = b ? cjose_jwk_to_json(b, false, NULL) : NULL;
    size_t n = strlen(ja) + (jb ? strlen(jb) : 0) + 32;
    char *out = malloc(n);

    snprintf(out, n, "{\"keys\":[%s%s%s]}", ja, jb ? "," : "", jb ? jb : "");
    free(ja);
    free(jb);
    return out;
}

static char *token(cjose_jwk_t *k, const char *kid)
{
    char claims[512];
    cjose_header_t *h = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *ser;
    char *out;

    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":\"cid\",\"sub\":\"s1\",\"nonce\":\"N\",\"iat\":%lld,"
             "\"exp\":%lld}",
             (long long)fake_now, (long long)fake_now + 300);
    cjose_header_set(h, CJOSE_HDR_ALG, "ES256", NULL);
    cjose_header_set(h, CJOSE_HDR_KID, kid, NULL);
    jws = cjose_jws_sign(k, h, (const uint8_t *)claims, strlen(claims), NULL);
    cjose_jws_export(jws, &ser, NULL);
    out = strdup(ser);
    cjose_jws_release(jws);
    cjose_header_release(h);
    return out;
}

static enum oa_err id_check(const char *t, const char *nonce)
{
    struct oa_provider_urls e;
    struct oa_error err;
    json_t *claims = NULL;
    enum oa_err r;

    if (get(&e) != OA_OK)
        return OA_ERR_INTERNAL;
    r = oa_id_token_check(&claims, &rt, &cfg, &prov, &e, t, nonce, &err);
    if (r != OA_OK)
        printf("#   (%s)\n", err.msg);
    json_decref(claims);
    oa_provider_urls_free(&e);
    return r;
}

static void test_jwks(void)
{
    cjose_jwk_t *k1 = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    cjose_jwk_t *k2 = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    char *t1, *t2, *j;

    cjose_jwk_set_kid(k1, "k1", 2, NULL);
    cjose_jwk_set_kid(k2, "k2", 2, NULL);
    t1 = token(k1, "k1");
    t2 = token(k2, "k2");
    reset();
    j = jwks_text(k1, NULL);
    serve(1, JWKS_URL, j, 200);
    free(j);
    ok(id_check(t1, "N") == OA_OK && si.calls == 2, "id_token verified (document + JWKS)");
    ok(id_check(t1, "N") == OA_OK && si.calls == 2, "second id_token: keys cached");
    ok(id_check(t1, "M") == OA_ERR_PROVIDER, "wrong nonce refused");
    ok(id_check(t2, "N") == OA_ERR_PROVIDER && si.calls == 2,
       "unknown kid right after the fetch: no refetch (rate limit), refused");
    fake_now += OA_JWKS_REFETCH_MIN;
    free(t2);
    t2 = token(k2, "k2");
    ok(id_check(t2, "N") == OA_ERR_PROVIDER && si.calls == 3,
       "unknown kid: one refetch, still unknown: refused");
    ok(id_check(t2, "N") == OA_ERR_PROVIDER && si.calls == 3,
       "unknown kid again at once: no refetch (rate limit)");
    j = jwks_text(k1, k2);
    serve(1, JWKS_URL, j, 200);
    free(j);
    ok(id_check(t2, "N") == OA_ERR_PROVIDER && si.calls == 3,
       "rotated keys within the rate limit: still no refetch");
    fake_now += OA_JWKS_REFETCH_MIN;
    free(t2);
    t2 = token(k2, "k2");
    ok(id_check(t2, "N") == OA_OK && si.calls == 4, "after the rate limit: refetch finds the key");
    ok(id_check(t1, "N") == OA_OK && si.calls == 4, "the old key still verifies from the new set");
    free(t1);
    free(t2);
    cjose_jwk_release(k1);
    cjose_jwk_release(k2);
}

static void test_apple(void)
{
    char path[] = "/tmp/oa-test-apple-XXXXXX";
    int fd = mkstemp(path);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    FILE *f = fdopen(fd, "w");
    char *s1 = NULL, *s2 = NULL, *s3 = NULL;
    struct oa_error err;

    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    EVP_PKEY_free(k);
    reset();
    prov.kind = OA_PROVIDER_APPLE;
    prov.client_id = S("com.example.web");
    prov.team_id = S("TEAM");
    prov.key_id = S("KEY");
    prov.private_key_file = path;
    ok(oa_apple_client_secret(&s1, &rt, &cfg, &prov, &err) == OA_OK && s1, "Apple secret made");
    fake_now += 10;
    ok(oa_apple_client_secret(&s2, &rt, &cfg, &prov, &err) == OA_OK && s2 && !strcmp(s1, s2),
       "Apple secret cached");
    fake_now += OA_APPLE_SECRET_LIFETIME - 86400;
    ok(oa_apple_client_secret(&s3, &rt, &cfg, &prov, &err) == OA_OK && s3 && strcmp(s1, s3),
       "Apple secret renewed a day before expiry");
    free(s1);
    free(s2);
    free(s3);
    unlink(path);
    prov.private_key_file = S("/nonexistent/key.p8");
    runtime_fresh();
    ok(oa_apple_client_secret(&s1, &rt, &cfg, &prov, &err) == OA_ERR_IO && !s1, "missing key file");
    prov.client_secret = S("given");
    ok(oa_apple_client_secret(&s1, &rt, &cfg, &prov, &err) == OA_OK && !strcmp(s1, "given"),
       "a given client_secret used as is");
    free(s1);
}

/* The caches live in the run-time state, not in the config: a provider is
 * found by its place in the config the state was made for, and one that is
 * not there is refused rather than given a cache made on the fly. */
static void test_runtime(void)
{
    struct oa_provider stray;
    struct oa_provider_urls e;
    struct oa_runtime none = {0};
    struct oa_error err;

    reset();
    stray = prov;
    ok(oa_provider_urls_get(&e, &rt, &cfg, &stray, &err) == OA_ERR_INTERNAL && si.calls == 0,
       "a provider not in the runtime's config: refused, nothing fetched");
    ok(oa_provider_urls_get(&e, &none, &cfg, &prov, &err) == OA_ERR_INTERNAL,
       "a runtime made for no config: refused");
    ok(get(&e) == OA_OK && si.calls == 1, "the provider of the config: served");
    oa_provider_urls_free(&e);
    oa_runtime_free(&rt);
    oa_runtime_free(&rt);
    ok(rt.ncache == 0 && !rt.cache, "oa_runtime_free twice is safe");
    ok(oa_runtime_init(&rt, &cfg, NULL) == OA_OK && rt.http == &oa_http_curl,
       "no transport given: libcurl's");
}

int main(void)
{
    oa_discovery_set_clock(fake_clock);
    test_good();
    test_explicit();
    test_bad();
    test_backoff();
    test_backoff_cap();
    test_jwks();
    test_apple();
    test_runtime();
    oa_runtime_free(&rt);
    for (int i = 0; i < 4; i++)
        free(si.body[i]);
    return tap_done();
}
