/*
 * test_bearer.c - bearer tokens (bearer.h, DESIGN.md section 16.1): a
 * real config (api_audiences, scopes), keys made here (RSA, EC with cjose,
 * Ed25519 with libsodium) and published as the refresh thread would, then
 * the real decision (oa_authorizer_answer) for good tokens and for each bad
 * one, the cache (hit without keys, expiry, no allocation on a hit), the
 * scopes, the challenge headers, the key refresh over a stand-in transport
 * (Cache-Control max-age) and the config's refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <sodium.h>

#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/b64url.h"
#include "oa/bearer.h"
#include "oa/handler.h"
#include "oa/jwt.h"
#include "oa/runtime.h"
#include "tap.h"

#include "../../bench/count_malloc.h"

#define NOW 1800000000LL
#define ISS "https://idp.example.com"
#define AUD "https://api.example.com"

static const char yaml[] = "public_url: https://app.example.com\n"
                           "providers:\n"
                           "  - name: corp\n"
                           "    issuer: " ISS "\n"
                           "    client_id: c1\n"
                           "    client_secret: s1\n"
                           "    jwks_uri: " ISS "/jwks\n"
                           "    api_audiences: [" AUD ", urn:other]\n"
                           "    introspection: true\n"
                           "  - name: other\n"
                           "    issuer: https://other.example.com\n"
                           "    client_id: c2\n"
                           "    client_secret: s2\n"
                           "access:\n"
                           "  - path: /admin\n"
                           "    scopes: [admin, write]\n"
                           "  - path: /team\n"
                           "    groups: [eng]\n"
                           "  - path: /\n";

#define BAIL_OUT(...)                                                                              \
    do {                                                                                           \
        printf("Bail out! " __VA_ARGS__);                                                          \
        printf("\n");                                                                              \
        exit(1);                                                                                   \
    } while (0)

static struct oa_config *cfg;
static struct oa_runtime rt;
static cjose_jwk_t *rsa, *ec, *rsa_other;
static unsigned char ed_pk[crypto_sign_PUBLICKEYBYTES], ed_sk[crypto_sign_SECRETKEYBYTES];
static struct oa_response resp;
static char authz[64 * 1024];

static char *b64(const void *s, size_t n)
{
    char *out = malloc(oa_b64url_len(n) + 1);
    if (oa_b64url_encode(out, oa_b64url_len(n) + 1, s, n) != OA_OK)
        abort();
    return out;
}

static char *claims_with(const char *override)
{
    json_t *c = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:b,s:[s,s]}", "iss", ISS, "aud", AUD,
                          "sub", "svc-1", "iat", (json_int_t)NOW - 10, "exp", (json_int_t)NOW + 600,
                          "scope", "read admin write", "email", "bot@example.com", "email_verified",
                          1, "groups", "eng", "ops");

    return fx_claims_override(c, override);
}

/* header.payload.sig by hand: for Ed25519 and the forged ones. */
static char *compact(const char *header, const char *claims, const char *sig)
{
    char *h = b64(header, strlen(header)), *p = b64(claims, strlen(claims));
    size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
    char *t = malloc(n);

    snprintf(t, n, "%s.%s.%s", h, p, sig);
    free(h);
    free(p);
    return t;
}

static char *ed_token(const char *kid, const char *override)
{
    char *c = claims_with(override), hdr[128], *t, *s;
    unsigned char sig[crypto_sign_BYTES];

    snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"at+jwt\"}", kid);
    t = compact(hdr, c, "");
    t[strlen(t) - 1] = '\0'; /* the input: header.payload */
    crypto_sign_detached(sig, NULL, (unsigned char *)t, strlen(t), ed_sk);
    s = b64(sig, sizeof(sig));
    t = realloc(t, strlen(t) + strlen(s) + 2);
    strcat(t, ".");
    strcat(t, s);
    free(s);
    free(c);
    return t;
}

static char *token(const cjose_jwk_t *k, const char *alg, const char *kid, const char *override)
{
    char *c = claims_with(override), *t = fx_jws(k, alg, kid, c);

    free(c);
    return t;
}

static void publish(void)
{
    char *r = cjose_jwk_to_json(rsa, false, NULL), *e = cjose_jwk_to_json(ec, false, NULL),
         *x = b64(ed_pk, sizeof(ed_pk)), doc[8192];
    struct oa_jwks *j = NULL;
    struct oa_error err;

    snprintf(
        doc, sizeof(doc),
        "{\"keys\":[%s,%s,{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"ed1\"}]}", r,
        e, x);
    if (oa_jwks_parse(&j, doc, strlen(doc), &err) != OA_OK || oa_jwks_count(j) != 3)
        BAIL_OUT("JWKS with RSA, EC and OKP keys: %s", err.msg);
    if (oa_bearer_keys_publish(ISS, j, ISS "/introspect", NOW) != OA_OK)
        BAIL_OUT("publish");
    free(r);
    free(e);
    free(x);
}

/* The decision for GET path with "Bearer <t>" (t NULL: no header) at now. */
static int decide(const char *t, const char *path, int64_t now)
{
    struct oa_request req = {0};

    req.role = OA_ROLE_AUTHORIZER;
    req.method = "GET";
    req.request_uri = path;
    req.host = "app.example.com";
    req.https = "on";
    req.accept = "text/html"; /* a browser: still never a redirect */
    req.now = now;
    if (t) {
        snprintf(authz, sizeof(authz), "Bearer %s", t);
        req.authorization = authz;
    }
    oa_response_free(&resp);
    oa_response_init(&resp);
    (void)oa_authorizer_answer(cfg, &req, &resp);
    return resp.status;
}

static const char *header(const char *name)
{
    for (size_t i = 0; i < resp.nheaders; i++)
        if (strcasecmp(resp.headers[i].name, name) == 0)
            return resp.headers[i].value;
    return NULL;
}

/* 401 with the invalid_token challenge and no Location. */
static void refused(const char *t, const char *what)
{
    int st = decide(t, "/", NOW);
    const char *w = header("WWW-Authenticate");

    ok(st == 401 && w && strcmp(w, "Bearer error=\"invalid_token\"") == 0 && !header("Location"),
       "%s: 401 Bearer error=\"invalid_token\" (got %d, %s)", what, st, w ? w : "-");
}

static void allowed(const char *t, const char *path, const char *what)
{
    int st = decide(t, path, NOW);

    ok(st == 200, "%s: 200 (got %d)", what, st);
}

static void test_good(void)
{
    char *t;

    t = token(rsa, "RS256", "rsa1", NULL);
    allowed(t, "/", "RS256 token");
    is_str(header("Variable-REMOTE_USER"), "bot@example.com", "REMOTE_USER: the verified email");
    is_str(header("Variable-OAUTH2_PROVIDER"), "corp", "the provider of its iss");
    /* the token says eng and ops; only eng is named (by a rule): kept as
     * a session keeps them (identity_map.h) */
    is_str(header("Variable-OAUTH2_GROUPS"), "eng",
           "groups from the token's claims, only those a rule or map names");
    is_str(header("Variable-OAUTH2_SUB"), "svc-1", "sub");
    free(t);
    t = token(ec, "ES256", "ec1", NULL);
    allowed(t, "/", "ES256 token");
    free(t);
    t = ed_token("ed1", NULL);
    allowed(t, "/", "EdDSA (Ed25519) token");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"aud\":[\"x\",\"urn:other\"]}");
    allowed(t, "/", "aud an array holding the second api_audience");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"email_verified\":false,\"client_id\":\"cli-7\"}");
    allowed(t, "/", "a token without a verified email");
    is_str(header("Variable-REMOTE_USER"), "corp:svc-1", "REMOTE_USER: provider:sub");
    is_str(header("Variable-OAUTH2_USER"), "cli-7", "OAUTH2_USER: the client_id");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"iat\":null}");
    allowed(t, "/", "no iat (optional for an access token)");
    free(t);
    ok(decide(NULL, "/", NOW) == 302, "no Authorization header: as before (a browser: to sign in)");
    {
        struct oa_request req = {0};
        req.role = OA_ROLE_AUTHORIZER;
        req.method = "GET";
        req.request_uri = "/";
        req.now = NOW;
        req.authorization = "Basic dXNlcjpwYXNz";
        oa_response_free(&resp);
        oa_response_init(&resp);
        (void)oa_authorizer_answer(cfg, &req, &resp);
        ok(resp.status == 401 && !header("WWW-Authenticate"),
           "Authorization: Basic is not ours: the session decides (401 for an API call)");
    }
}

static void test_bad(void)
{
    char *pub = cjose_jwk_to_json(rsa, false, NULL), *t, big[20 * 1024 + 1];
    cjose_jwk_t *hs = cjose_jwk_create_oct_spec((const uint8_t *)pub, strlen(pub), NULL);
    char *c = claims_with(NULL);

    t = token(rsa, "RS256", "rsa1", "{\"aud\":\"https://evil.example.com\"}");
    refused(t, "wrong audience");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"aud\":\"c1\"}");
    refused(t, "the provider's client_id as audience (an id_token's) ");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"iss\":\"https://other.example.com\"}");
    refused(t, "other issuer (a provider without api_audiences)");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"iss\":\"https://unknown.example.com\"}");
    refused(t, "unknown issuer");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"exp\":1799999000}");
    refused(t, "expired");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"exp\":null}");
    refused(t, "no exp");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"nbf\":1800000500}");
    refused(t, "nbf in the future");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"iat\":1800000500}");
    refused(t, "iat in the future");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"sub\":null}");
    refused(t, "no sub");
    free(t);
    t = compact("{\"alg\":\"none\",\"kid\":\"rsa1\"}", c, "");
    refused(t, "alg none, empty signature");
    free(t);
    t = compact("{\"alg\":\"none\"}", c, "AAAA");
    refused(t, "alg none with a signature");
    free(t);
    t = token(hs, "HS256", "rsa1", NULL);
    refused(t, "HS256 signed with the RSA public key as secret");
    free(t);
    t = token(rsa_other, "RS256", "rsa1", NULL);
    refused(t, "signed by another key under a known kid");
    free(t);
    t = token(rsa, "RS256", "nope", NULL);
    refused(t, "unknown kid");
    ok(oa_bearer_keys_wanted(ISS), "unknown kid: a refetch is asked for");
    ok(!oa_bearer_keys_wanted(ISS), "... once (the flag is taken)");
    t[strlen(t) - 10] = '\0';
    refused(t, "truncated signature");
    *strrchr(t, '.') = '\0';
    refused(t, "truncated to two parts");
    free(t);
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[100] = '.';
    big[200] = '.';
    refused(big, "a 20 KB token");
    t = token(rsa, "RS256", "rsa1", NULL);
    t[5] = '*';
    refused(t, "bad base64 (a character outside b64token)");
    t[5] = '!';
    refused(t, "bad base64 ('!')");
    free(t);
    t = compact("{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", "{\"iss\":\"" ISS "\",\"iss\":\"x\"}",
                "AAAA");
    refused(t, "duplicate JSON keys in the payload");
    free(t);
    t = compact("{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"rsa1\"}", c, "AAAA");
    refused(t, "duplicate JSON keys in the header");
    free(t);
    /* wrong kty for the alg: the RSA key's kid under ES256, the EC key's under RS256,
     * an Ed25519 kid under RS256 */
    t = token(rsa, "RS256", "ec1", NULL);
    refused(t, "RS256 naming the EC key's kid (wrong kty for the alg)");
    free(t);
    t = token(ec, "ES256", "rsa1", NULL);
    refused(t, "ES256 naming the RSA key's kid (wrong kty for the alg)");
    free(t);
    t = ed_token("rsa1", NULL);
    refused(t, "EdDSA naming the RSA key's kid (wrong kty for the alg)");
    free(t);
    t = ed_token("ed1", "{\"aud\":\"nope\"}");
    refused(t, "EdDSA with a wrong audience");
    free(t);
    refused("", "an empty Bearer header");
    refused("a b", "two words");
    {
        char *h = compact("{\"alg\":\"RS256\",\"typ\":\"logout+jwt\",\"kid\":\"rsa1\"}", c, "AAAA");
        refused(h, "a logout token's typ");
        free(h);
    }
    cjose_jwk_release(hs);
    free(pub);
    free(c);
}

static void test_scopes(void)
{
    char *t = token(rsa, "RS256", "rsa1", NULL);
    const char *w;

    allowed(t, "/admin/x", "scope \"read admin write\" holds admin and write");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"scope\":\"read admin\"}");
    is_int(decide(t, "/admin/x", NOW), 403, "scope without write: 403");
    w = header("WWW-Authenticate");
    is_str(w, "Bearer error=\"insufficient_scope\", scope=\"admin write\"",
           "403 challenge names the rule's scopes");
    ok(!header("Location"), "... no redirect");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"scope\":null,\"scp\":[\"admin\",\"write\"]}");
    allowed(t, "/admin/x", "scp as an array");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"scope\":null,\"scp\":\"write admin\"}");
    allowed(t, "/admin/x", "scp as a string (Entra)");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"scope\":\"adminwrite admi\"}");
    is_int(decide(t, "/admin/x", NOW), 403, "scopes are whole words");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"groups\":[\"ops\"]}");
    is_int(decide(t, "/team/x", NOW), 403, "groups from the token: not in eng: 403");
    is_str(header("WWW-Authenticate"), "Bearer error=\"insufficient_scope\"",
           "... with a challenge (no scope to name)");
    free(t);
    /* a cookie session never passes a rule with scopes */
    {
        struct oa_identity id = cfx_alice();
        struct oa_request req = {0};
        const char *cookie;
        id.provider = "corp";
        cookie = cfx_cookie(cfg, &id, NOW, "");
        req.role = OA_ROLE_AUTHORIZER;
        req.method = "GET";
        req.request_uri = "/admin/x";
        req.now = NOW + 1;
        req.cookie = cookie;
        oa_response_free(&resp);
        oa_response_init(&resp);
        (void)oa_authorizer_answer(cfg, &req, &resp);
        is_int(resp.status, 403, "a cookie session on a rule with scopes: 403");
        req.request_uri = "/x";
        oa_response_free(&resp);
        oa_response_init(&resp);
        (void)oa_authorizer_answer(cfg, &req, &resp);
        is_int(resp.status, 200, "... and 200 elsewhere (the session works)");
    }
}

/* Apache's ErrorDocument 401 (mod_fcgid turns the access checker's 403
 * into a 401): the decision again, never a redirect. */
static void test_error_document(void)
{
    struct oa_request req = {0};
    char *t = token(rsa, "RS256", "rsa1", "{\"scope\":\"read\"}");

    req.role = OA_ROLE_RESPONDER;
    req.method = "GET";
    req.request_uri = "/oauth/sign_in";
    req.script_name = "/oauth";
    req.path_info = "/sign_in";
    req.redirect_status = "401";
    req.redirect_url = "/admin/x";
    req.accept = "text/html";
    req.now = NOW;
    snprintf(authz, sizeof(authz), "Bearer %s", t);
    req.authorization = authz;
    oa_response_free(&resp);
    oa_response_init(&resp);
    (void)oa_handle(cfg, &rt, &req, &resp);
    is_int(resp.status, 403, "ErrorDocument: a valid token the rule refuses: 403");
    is_str(header("WWW-Authenticate"), "Bearer error=\"insufficient_scope\", scope=\"admin write\"",
           "... with the rule's scopes");
    req.authorization = "Bearer not.a.token";
    oa_response_free(&resp);
    oa_response_init(&resp);
    (void)oa_handle(cfg, &rt, &req, &resp);
    ok(resp.status == 401 && !header("Location") && header("WWW-Authenticate"),
       "ErrorDocument: an invalid token: 401 with the challenge, no redirect (got %d)",
       resp.status);
    req.authorization = NULL;
    oa_response_free(&resp);
    oa_response_init(&resp);
    (void)oa_handle(cfg, &rt, &req, &resp);
    is_int(resp.status, 302, "ErrorDocument without a token: to sign in, as before");
    free(t);
}

/* Without api_audiences anywhere, an Authorization header is not ours. */
static void test_off(void)
{
    static const char off[] = "public_url: https://app.example.com\n"
                              "providers:\n  - name: corp\n    issuer: " ISS "\n"
                              "    client_id: c1\n    client_secret: s1\n";
    struct oa_config *c = NULL;
    struct oa_identity id = cfx_alice();
    struct oa_request req = {0};
    struct oa_error err;

    if (oa_config_load_string(&c, "off.yml", off, strlen(off), &err) != OA_OK)
        BAIL_OUT("config: %s", err.msg);
    ok(!oa_bearer_enabled(c), "no api_audiences: bearer tokens off");
    ok(oa_bearer_enabled(cfg), "api_audiences: on");
    id.provider = "corp";
    req.role = OA_ROLE_AUTHORIZER;
    req.method = "GET";
    req.request_uri = "/x";
    req.now = NOW + 1;
    req.cookie = cfx_cookie(c, &id, NOW, "");
    req.authorization = "Bearer some-app-token";
    oa_response_free(&resp);
    oa_response_init(&resp);
    (void)oa_authorizer_answer(c, &req, &resp);
    ok(resp.status == 200 && !header("WWW-Authenticate"),
       "bearer tokens off: a Bearer header is the app's, the session decides (%d)", resp.status);
    oa_config_free(c);
}

/* Two tokens of one user are two identities to what caches per identity
 * (the signed identity token): their sid differs, a token's stays. */
static void test_sid(void)
{
    char *a = token(rsa, "RS256", "rsa1", "{\"jti\":\"a\"}"),
         *b = token(rsa, "RS256", "rsa1", "{\"jti\":\"b\"}");
    struct oa_identity ia, ib;
    unsigned char sa[16], zero[16] = {0};
    struct oa_error err;

    ok(oa_bearer_identify(&ia, cfg, a, strlen(a), NOW, &err) == OA_OK, "token a");
    memcpy(sa, ia.sid, 16);
    ok(oa_bearer_identify(&ib, cfg, b, strlen(b), NOW, &err) == OA_OK, "token b (same sub)");
    ok(memcmp(sa, ib.sid, 16) != 0 && memcmp(sa, zero, 16) != 0,
       "two tokens of one user: two sids, neither zero");
    ok(oa_bearer_identify(&ia, cfg, a, strlen(a), NOW + 1, &err) == OA_OK &&
           memcmp(sa, ia.sid, 16) == 0,
       "the same token (cached): the same sid");
    is_int(ia.iat, NOW - 10, "iat: the token's");
    free(a);
    free(b);
}

static void test_cache(void)
{
    char *t = token(rsa, "RS256", "rsa1", "{\"exp\":1800000100,\"sub\":\"cached\"}");
    unsigned long before;

    allowed(t, "/", "a token verified once");
    oa_bearer_keys_clear(); /* the keys are gone: only the cache can say yes now */
    allowed(t, "/", "cache hit: no keys needed");
    is_str(header("Variable-OAUTH2_SUB"), "cached", "the cached identity");
    before = oa_allocs;
    for (int i = 0; i < 100; i++)
        (void)decide(t, "/", NOW + 1);
#ifndef OA_COUNT_MALLOC_OFF
    is_int(oa_allocs - before, 0, "100 cached bearer decisions made no heap allocation");
#else
    ok(1, "# SKIP malloc not counted under AddressSanitizer");
#endif
    is_int(resp.status, 200, "... and allowed");
    is_int(decide(t, "/", NOW + 101), 401,
           "past the token's exp (min(exp, TTL)): no longer cached");
    publish();
    allowed(t, "/", "verified again when the keys are back");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"exp\":1800090000,\"sub\":\"ttl\"}");
    allowed(t, "/", "a long-lived token");
    oa_bearer_keys_clear();
    is_int(decide(t, "/", NOW + OA_BEARER_CACHE_TTL - 1), 200, "cached up to the TTL");
    is_int(decide(t, "/", NOW + OA_BEARER_CACHE_TTL + 1), 401, "checked again past the TTL");
    publish();
    allowed(t, "/", "a new config's cache (oa_bearer_cache_clear): verified again");
    /* a config loaded meanwhile (another serial) never gets this one's
     * entries, even before any epoch bump: a reload's requests in flight
     * verify under the old config and store while the new one serves */
    oa_bearer_keys_clear();
    is_int(decide(t, "/", NOW), 200, "cached under this config");
    cfg->serial++;
    is_int(decide(t, "/", NOW), 401,
           "under a config of another serial: not from the cache (verified, keys gone: 401)");
    cfg->serial--;
    publish();
    oa_bearer_cache_clear();
    oa_bearer_keys_clear();
    is_int(decide(t, "/", NOW), 401, "after a clear the entry is gone");
    publish();
    free(t);
}

static void test_refresh(void)
{
    struct oa_error err;
    int64_t ttl = 0;
    char *r = cjose_jwk_to_json(rsa, false, NULL), doc[4096], *t;

    snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", r);
    free(r);
    fx_reset();
    fx_answer(ISS "/jwks", 200, doc, NULL);
    /* introspection: true without introspection_url: the endpoint is discovery's */
    fx_answer(ISS "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth\","
              "\"token_endpoint\":\"" ISS "/token\",\"jwks_uri\":\"" ISS "/jwks\","
              "\"introspection_endpoint\":\"" ISS "/introspect-d\"}",
              NULL);
    oa_bearer_keys_clear();
    ok(oa_bearer_keys_fetch(&rt, cfg, &cfg->providers[0], NOW, &ttl, &err) == OA_OK,
       "keys fetched from jwks_uri");
    is_int(ttl, OA_BEARER_KEYS_TTL_DEFAULT, "no Cache-Control: the default TTL");
    is_int(fx_count(ISS "/jwks"), 1, "one fetch");
    is_str(oa_bearer_keys_introspection(ISS), ISS "/introspect-d",
           "the introspection endpoint from discovery, published with the keys");
    t = token(rsa, "RS256", "rsa1", "{\"sub\":\"fetched\"}");
    allowed(t, "/", "a token verified with the fetched keys");
    free(t);
    fx_answer(ISS "/jwks", 500, "oops", NULL);
    ok(oa_bearer_keys_fetch(&rt, cfg, &cfg->providers[0], NOW, &ttl, &err) != OA_OK,
       "a failed fetch is an error");
    ok(oa_bearer_keys_get(ISS) != NULL, "... and the keys it had are kept");
    is_int(oa_bearer_keys_ttl("public, max-age=600"), 600, "max-age=600");
    is_int(oa_bearer_keys_ttl("max-age=5"), OA_BEARER_KEYS_TTL_MIN, "max-age under the floor");
    is_int(oa_bearer_keys_ttl("max-age=99999999999999"), OA_BEARER_KEYS_TTL_MAX,
           "max-age over the ceiling (no overflow)");
    is_int(oa_bearer_keys_ttl("s-maxage=10, no-cache"), OA_BEARER_KEYS_TTL_DEFAULT,
           "no max-age: the default");
    is_int(oa_bearer_keys_ttl("xmax-age=10"), OA_BEARER_KEYS_TTL_DEFAULT, "max-age as a word only");
    oa_bearer_keys_clear();
    publish();
}

/* Opaque tokens: RFC 7662 introspection at the published endpoint. */
static void introspected(const char *answer, long status, const char *tok, int want,
                         const char *what)
{
    fx_reset();
    fx_answer(ISS "/introspect", status, answer, NULL);
    is_int(decide(tok, "/admin/x", NOW), want, "introspection: %s", what);
    if (want == 401)
        ok(header("WWW-Authenticate") != NULL, "... with the challenge");
}

static void test_introspection(void)
{
    const struct fx_seen *seen;

    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u-9\",\"iss\":\"" ISS
                 "\",\"scope\":\"read admin write\",\"exp\":1800000100}",
                 200, "opaque-token-1", 200, "an active opaque token passes");
    is_str(header("Variable-OAUTH2_SUB"), "u-9", "the answer's sub");
    seen = fx_last(ISS "/introspect");
    ok(seen && seen->body && strstr(seen->body, "token=opaque-token-1") &&
           strstr(seen->body, "token_type_hint=access_token"),
       "POSTed token and token_type_hint");
    ok(seen && seen->basic_user && strcmp(seen->basic_user, "c1") == 0,
       "with the client's credentials (basic)");
    is_int(decide("opaque-token-1", "/admin/x", NOW + 1), 200, "cached: passes again");
    is_int(fx_count(ISS "/introspect"), 1, "... without another call");
    introspected("{\"active\":true,\"aud\":[\"" AUD "\"],\"client_id\":\"svc\",\"scope\":\"read\"}",
                 200, "opaque-token-2", 403, "an active token without scope admin: 403");
    introspected("{\"active\":false}", 200, "opaque-token-3", 401, "active false: 401");
    introspected("{\"active\":true,\"aud\":\"urn:nope\",\"sub\":\"u\"}", 200, "opaque-token-4", 401,
                 "another audience: 401");
    introspected("{\"active\":true,\"sub\":\"u\"}", 200, "opaque-token-5", 401, "no aud: 401");
    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\",\"iss\":\"https://x\"}", 200,
                 "opaque-token-6", 401, "another iss: 401");
    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\",\"exp\":1799999999}", 200,
                 "opaque-token-7", 401, "expired: 401");
    introspected("{\"active\":\"true\",\"aud\":\"" AUD "\",\"sub\":\"u\"}", 200, "opaque-token-8",
                 401, "active a string: 401");
    introspected("{\"error\":\"invalid_client\"}", 401, "opaque-token-9", 401,
                 "the endpoint refuses us: 401");
    introspected("not json", 200, "opaque-token-10", 401, "not JSON: 401");
    /* the cap on calls in flight: with OA_BEARER_INTROSPECT_INFLIGHT
     * waiting already, a new opaque token is refused without a call */
    oa_bearer_introspect_inflight_add(OA_BEARER_INTROSPECT_INFLIGHT);
    {
        size_t calls = fx_count(ISS "/introspect");
        fx_answer(ISS "/introspect", 200, "{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\"}",
                  NULL);
        is_int(decide("opaque-token-cap", "/admin/x", NOW), 401,
               "introspection: calls in flight at the cap: 401 at once");
        is_int(fx_count(ISS "/introspect"), calls, "... without a call to the provider");
    }
    oa_bearer_introspect_inflight_add(-OA_BEARER_INTROSPECT_INFLIGHT);
    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\",\"scope\":\"admin write\"}",
                 200, "opaque-token-cap2", 200, "below the cap again: asked and passes");
    introspected("{\"active\":true,\"aud\":\"" AUD
                 "\",\"sub\":\"u\",\"token_type\":\"Bearer\",\"scope\":\"admin write\"}",
                 200, "opaque-token-13", 200, "token_type Bearer passes");
    introspected("{\"active\":true,\"aud\":\"" AUD
                 "\",\"sub\":\"u\",\"token_type\":\"refresh_token\"}",
                 200, "opaque-token-14", 401, "token_type refresh_token: 401");
    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\",\"typ\":\"Refresh\"}", 200,
                 "opaque-token-15", 401, "Keycloak's typ Refresh (a refresh token): 401");
    introspected("{\"active\":true,\"aud\":\"" AUD "\",\"sub\":\"u\",\"token_type\":\"DPoP\","
                 "\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}",
                 200, "opaque-token-12", 401, "a DPoP-bound token (cnf) sent as Bearer: 401");
    fx_reset();
    fx_fail(ISS "/introspect", OA_ERR_PROVIDER);
    is_int(decide("opaque-token-11", "/", NOW), 401, "introspection: transport failure: 401");
    {
        char *t = token(rsa, "RS256", "rsa1", "{\"sub\":\"jwt-not-introspected\"}");
        fx_reset();
        allowed(t, "/", "a JWT is verified, not introspected");
        is_int(fx_count(ISS "/introspect"), 0, "... no introspection call");
        free(t);
    }
}

static void config_refused(const char *text, const char *needle, const char *what)
{
    struct oa_config *c = NULL;
    struct oa_error err;
    enum oa_err e = oa_config_load_string(&c, "t.yml", text, strlen(text), &err);

    ok(e != OA_OK && strstr(err.msg, needle) && strcmp(err.file, "t.yml") == 0 && err.line > 0,
       "config: %s (%s:%u: %s)", what, err.file, err.line, e != OA_OK ? err.msg : "loaded");
    oa_config_free(c);
}

static void test_config(void)
{
    const char *gh = "providers:\n  - name: github\n    client_id: a\n    client_secret: b\n"
                     "    api_audiences: x\n";
    const char *pub = "providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                      "    client_secret: b\naccess:\n  - path: /\n    public: true\n"
                      "    scopes: [a]\n";
    const char *badscope = "providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                           "    client_secret: b\naccess:\n  - path: /\n    scopes: ['a b']\n";
    const char *dup = "providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                      "    client_secret: b\n    api_audiences: [x, x]\n";
    const char *same = "providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                       "    client_secret: b\n    api_audiences: [x]\n  - name: corp2\n"
                       "    issuer: " ISS "\n    client_id: a\n    client_secret: b\n"
                       "    api_audiences: [y]\n";

    config_refused(gh, "api_audiences", "api_audiences on github refused with FILE:LINE");
    config_refused(pub, "scopes", "public: true with scopes refused");
    config_refused(badscope, "scope token", "a scope with a space refused");
    config_refused(dup, "twice", "an audience listed twice refused");
    config_refused(same, "same issuer", "two bearer providers with one issuer refused");
    config_refused("providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                   "    client_secret: b\n    introspection: true\n",
                   "api_audiences", "introspection without api_audiences refused");
    config_refused("providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                   "    client_secret: b\n    api_audiences: x\n"
                   "    introspection_url: " ISS "/i\n",
                   "introspection: true", "introspection_url without introspection refused");
    config_refused("providers:\n  - name: corp\n    issuer: " ISS "\n    client_id: a\n"
                   "    client_secret: b\n    api_audiences: x\n    introspection: true\n"
                   "    introspection_url: ftp://x/i\n",
                   "introspection_url", "introspection_url not https refused");
    is_int(cfg->providers[0].api_audiences.n, 2, "api_audiences parsed");
    is_int(cfg->access[0].scopes.n, 2, "scopes parsed");
}

/* Alg confusion and claim types (audit): a key verifies only the alg its
 * kty/crv says, keys for other algs or curves are never taken, numeric
 * dates are JSON integers, aud strings. */
static void test_confusion(void)
{
    static const char *const keys[] = {
        "{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"k\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"k\","
        "\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"k\",\"x\":\"AAAA\"}",
        "{\"kty\":\"oct\",\"kid\":\"k\",\"k\":\"c2VjcmV0\"}",
    };
    char *c = claims_with(NULL), *t, doc[1024];
    struct oa_jwks *j = NULL;
    struct oa_error err;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", keys[i]);
        ok(oa_jwks_parse(&j, doc, strlen(doc), &err) != OA_OK && !j,
           "a JWKS with only %s: no usable key", keys[i]);
    }
    t = token(rsa, "PS256", "rsa1", NULL);
    refused(t, "PS256 with the RSA key (RS256 only)");
    free(t);
    t = compact("{\"alg\":\"ES384\",\"kid\":\"ec1\"}", c, "AAAA");
    refused(t, "ES384 header");
    free(t);
    t = compact(
        "{\"alg\":\"EdDSA\",\"kid\":\"ec1\"}", c,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    refused(t, "EdDSA naming the EC key's kid");
    free(t);
    free(c);
    {
        static const char *const bad[] = {
            "{\"exp\":1800000600.5}",
            "{\"exp\":\"1800000600\"}",
            "{\"exp\":-1}",
            "{\"exp\":100000000000000000}",
            "{\"nbf\":\"0\"}",
            "{\"iat\":1.5}",
            "{\"aud\":[\"" AUD "\",7]}",
            "{\"aud\":[]}",
            "{\"aud\":{\"x\":1}}",
            "{\"sub\":7}",
            "{\"sub\":\"\"}",
            "{\"iss\":[\"" ISS "\"]}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            t = token(rsa, "RS256", "rsa1", bad[i]);
            refused(t, bad[i]);
            free(t);
        }
    }
    t = token(rsa, "RS256", "rsa1",
              "{\"scope\":null,\"scp\":[\"admin write\",7,null,\"admin\",\"wr\\\"ite\"]}");
    is_int(decide(t, "/admin/x", NOW), 403,
           "scp array: a word with a space, non-strings and a quote are no scopes (write missing)");
    free(t);
    t = token(rsa, "RS256", "rsa1", "{\"scope\":\"  admin   write \"}");
    is_int(decide(t, "/admin/x", NOW), 200, "scope with extra spaces: admin and write");
    free(t);
}

#define TID "72f988bf-86f1-41af-91ab-2d7cd011db47"

/* One token of claims (override) at the decision: its status, the cache
 * cleared first (a gate changed since). */
static int gated(const char *override)
{
    char *t = token(rsa, "RS256", "rsa1", override);
    int st;

    oa_bearer_cache_clear();
    st = decide(t, "/", NOW);
    free(t);
    return st;
}

/* What a sign-in through the provider refuses, its token is refused too:
 * allowed_groups, Entra's allowed_tenants (and tid), Google's hosted_domain. */
static void test_gates(void)
{
    struct oa_provider *p = &cfg->providers[0];
    enum oa_provider_kind kind = p->kind;

    p->allowed_groups = cfx_list("eng");
    is_int(gated(NULL), 200, "allowed_groups [eng]: a token with groups eng, ops passes");
    is_int(gated("{\"groups\":[\"ops\"]}"), 401,
           "allowed_groups [eng]: a token with ops only: 401");
    is_int(gated("{\"groups\":null}"), 401, "allowed_groups [eng]: a token without groups: 401");
    is_int(gated("{\"groups\":[\"ENG\"]}"), 200, "allowed_groups: without case, as at a sign-in");
    p->allowed_groups = (struct oa_strlist){0};
    is_int(gated("{\"groups\":[\"ops\"]}"), 200, "no allowed_groups: any token passes");
    p->kind = OA_PROVIDER_ENTRA;
    p->allowed_tenants = cfx_list(TID);
    is_int(gated("{\"tid\":\"" TID "\"}"), 200, "entra: a token of an allowed tenant passes");
    is_int(gated("{\"tid\":\"00000000-0000-0000-0000-000000000001\"}"), 401,
           "entra: a token of another tenant: 401");
    is_int(gated(NULL), 401, "entra: a token without tid: 401");
    is_int(gated("{\"tid\":\"../" TID "\"}"), 401, "entra: a tid that is not a GUID: 401");
    p->allowed_groups = cfx_list("approver");
    is_int(gated("{\"tid\":\"" TID "\",\"groups\":null,\"roles\":[\"approver\"]}"), 200,
           "entra: an app role (roles claim) counts as at a sign-in (allowed_groups)");
    p->allowed_groups = (struct oa_strlist){0};
    p->allowed_tenants = (struct oa_strlist){0};
    p->kind = OA_PROVIDER_GITLAB;
    p->allowed_groups = cfx_list("acme/web:owner|acme/api");
    is_int(gated("{\"groups\":null,\"https://gitlab.org/claims/groups/owner\":[\"acme/web\"]}"),
           200, "gitlab: a role claim gives path:owner as at a sign-in (allowed_groups)");
    is_int(gated("{\"groups\":null,\"groups_direct\":[\"acme/api\"]}"), 200,
           "gitlab: groups_direct counts as at a sign-in");
    is_int(gated("{\"groups\":null,\"groups_direct\":[\"acme/other\"]}"), 401,
           "gitlab: in none of allowed_groups: 401");
    p->allowed_groups = (struct oa_strlist){0};
    p->kind = OA_PROVIDER_GOOGLE;
    p->hosted_domain = cfx_list("example.com");
    is_int(gated("{\"hd\":\"Example.com\"}"), 200, "google: hd of hosted_domain passes");
    is_int(gated("{\"hd\":\"evil.com\"}"), 401, "google: another hd: 401");
    is_int(gated(NULL), 401, "google: no hd (a consumer account): 401");
    p->hosted_domain = (struct oa_strlist){0};
    p->kind = kind;
    is_int(gated("{\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}"), 401,
           "a DPoP-bound JWT (cnf.jkt) as a plain bearer token: 401");
    is_int(gated("{\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2\"}}"), 401,
           "an mTLS-bound JWT (cnf.x5t#S256) as a plain bearer token: 401");
    is_int(gated("{\"typ\":\"ID\"}"), 401, "Keycloak's id_token (typ ID) as an access token: 401");
    is_int(gated("{\"typ\":\"Bearer\"}"), 200, "Keycloak's access token (typ Bearer) passes");
    is_int(gated("{\"token_type\":7}"), 401, "a token_type that is not a string: 401");
    oa_bearer_cache_clear();
}

static void test_header(void)
{
    const char *t;
    size_t n;

    ok(oa_bearer_token("Bearer abc.def.ghi", &t, &n) && n == 11, "Bearer token");
    ok(oa_bearer_token("bearer   abc", &t, &n) && n == 3, "scheme in any case, several spaces");
    ok(oa_bearer_token("Bearer abc==", &t, &n) && n == 5,
       "trailing '=' padding is the token's (an opaque token is introspected whole)");
    ok(oa_bearer_token("Bearer abc== ", &t, &n) && n == 5, "padding, then a blank");
    ok(oa_bearer_token("Bearer ==", &t, &n) && n == 0, "padding alone: refused");
    ok(oa_bearer_token("Bearer abc=d", &t, &n) && n == 0, "'=' inside: refused");
    ok(oa_bearer_token("Bearer", &t, &n) && n == 0, "no token: a Bearer header refused");
    ok(oa_bearer_token("Bearer a\"b", &t, &n) && n == 0, "a quote: refused");
    ok(!oa_bearer_token("Basic abc", &t, &n), "Basic: not ours");
    ok(!oa_bearer_token("Bearerabc", &t, &n), "Bearerabc: not the scheme");
    ok(!oa_bearer_token(NULL, &t, &n), "no header");
}

int main(void)
{
    static const uint8_t e65537[] = {1, 0, 1};
    struct oa_error err;

    if (oa_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), &err) != OA_OK)
        BAIL_OUT("config: %s", err.msg);
    {
        const struct oa_http_ops *stand_in;
        fx_runtime(); /* the stand-in transport, taken for this test's config */
        stand_in = fx_rt.http;
        if (oa_runtime_init(&rt, cfg, stand_in) != OA_OK)
            BAIL_OUT("runtime");
    }
    oa_bearer_set_verifier(oa_bearer_verify);
    rsa = cjose_jwk_create_RSA_random(2048, e65537, 3, NULL);
    rsa_other = cjose_jwk_create_RSA_random(2048, e65537, 3, NULL);
    ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    cjose_jwk_set_kid(rsa, "rsa1", 4, NULL);
    cjose_jwk_set_kid(rsa_other, "rsa1", 4, NULL);
    cjose_jwk_set_kid(ec, "ec1", 3, NULL);
    crypto_sign_keypair(ed_pk, ed_sk);
    publish();
    test_header();
    test_good();
    test_bad();
    test_scopes();
    test_error_document();
    test_sid();
    test_off();
    test_cache();
    test_gates();
    test_confusion();
    test_introspection();
    test_refresh();
    test_config();
    oa_bearer_keys_clear();
    oa_bearer_cache_free();
    cjose_jwk_release(rsa);
    cjose_jwk_release(rsa_other);
    cjose_jwk_release(ec);
    oa_config_free(cfg);
    oa_response_free(&resp);
    oa_runtime_free(&rt);
    oa_runtime_free(&fx_rt);
    cfx_free();
    return tap_done();
}
