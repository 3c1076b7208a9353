/*
 * test_jwt.c - id_token verification and Apple's client secret. Keys are
 * made here (cjose, libcrypto), tokens signed with fixture.h's fx_jws(),
 * and every refusal of OpenID Connect Core 3.1.3.7 and SECURITY.md
 * checklist rows 9-12 is tried.
 */
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fixture.h"
#include "oa/b64url.h"
#include "oa/jwt.h"
#include "tap.h"

#define NOW 1800000000LL
#define ISS "https://idp.example.com"
#define CID "client-1"

static cjose_jwk_t *rsa, *ec, *rsa_other;
static struct oa_jwks *jwks;
static const char *issuers[] = {ISS, "accounts.google.com"};
static const struct oa_jwt_expect expect = {issuers,         2,   CID, "n-123", NOW, 0,
                                            OA_JWT_ID_TOKEN, NULL};

static char *b64(const char *s, size_t n)
{
    char *out = malloc(oa_b64url_len(n) + 1);
    if (oa_b64url_encode(out, oa_b64url_len(n) + 1, (const unsigned char *)s, n) != OA_OK)
        abort();
    return out;
}

/* Claims with every field valid, then overrides as a JSON object text. */
static char *claims_with(const char *override)
{
    json_t *c = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "iss", ISS, "aud", CID, "sub", "u-42", "iat",
                          (json_int_t)NOW - 10, "exp", (json_int_t)NOW + 600, "nonce", "n-123");

    return fx_claims_override(c, override);
}

/* Verifies a token made by jwk/alg/kid over claims_with(override). */
static enum oa_err check(const cjose_jwk_t *jwk, const char *alg, const char *kid,
                         const char *override, json_t **claims)
{
    char *c = claims_with(override), *t = fx_jws(jwk, alg, kid, c);
    struct oa_error err;
    json_t *dummy = NULL;
    enum oa_err e = oa_jwt_verify(claims ? claims : &dummy, t, strlen(t), jwks, &expect, &err);

    if (e != OA_OK)
        printf("#   (%s)\n", err.msg);
    json_decref(dummy);
    free(c);
    free(t);
    return e;
}

static enum oa_err check_raw(const char *t)
{
    struct oa_error err;
    json_t *claims = NULL;
    enum oa_err e = oa_jwt_verify(&claims, t, strlen(t), jwks, &expect, &err);

    if (e != OA_OK)
        printf("#   (%s)\n", err.msg);
    json_decref(claims);
    return e;
}

static void make_keys(void)
{
    static const uint8_t e65537[] = {1, 0, 1};
    char *r = NULL, *e = NULL, *doc;
    size_t n;
    struct oa_error err;

    rsa = cjose_jwk_create_RSA_random(2048, e65537, 3, NULL);
    rsa_other = cjose_jwk_create_RSA_random(2048, e65537, 3, NULL);
    ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    cjose_jwk_set_kid(rsa, "rsa1", 4, NULL);
    cjose_jwk_set_kid(ec, "ec1", 3, NULL);
    r = cjose_jwk_to_json(rsa, false, NULL);
    e = cjose_jwk_to_json(ec, false, NULL);
    n = strlen(r) + strlen(e) + 64;
    doc = malloc(n);
    /* an HS key and an encryption key are in the set too: both must be skipped */
    snprintf(doc, n, "{\"keys\":[%s,%s,{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"hs\"}]}", r,
             e);
    ok(oa_jwks_parse(&jwks, doc, strlen(doc), &err) == OA_OK, "JWKS parses");
    is_int(oa_jwks_count(jwks), 2, "JWKS keeps the RSA and EC keys, skips oct");
    free(r);
    free(e);
    free(doc);
}

static void test_jwks_parse(void)
{
    struct oa_jwks *j = NULL;
    struct oa_error err;
    const char *dup = "{\"keys\":[],\"keys\":[]}";
    const char *none = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}";

    ok(oa_jwks_parse(&j, dup, strlen(dup), &err) == OA_ERR_BAD_INPUT && !j,
       "JWKS with duplicate keys refused");
    ok(oa_jwks_parse(&j, none, strlen(none), &err) == OA_ERR_BAD_INPUT && !j,
       "JWKS without a usable key refused");
    ok(oa_jwks_parse(&j, "[1]", 3, &err) == OA_ERR_BAD_INPUT && !j, "JWKS not an object refused");
}

static void test_good(void)
{
    json_t *c = NULL;

    ok(check(rsa, "RS256", "rsa1", NULL, &c) == OA_OK, "RS256 token accepted");
    is_str(json_string_value(json_object_get(c, "sub")), "u-42", "claims returned");
    json_decref(c);
    ok(check(ec, "ES256", "ec1", NULL, NULL) == OA_OK, "ES256 token accepted");
    ok(check(rsa, "RS256", NULL, NULL, NULL) == OA_OK, "no kid: the matching key type is tried");
    ok(check(rsa, "RS256", "rsa1", "{\"iss\":\"accounts.google.com\"}", NULL) == OA_OK,
       "second allowed issuer accepted");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[\"" CID "\",\"other\"],\"azp\":\"" CID "\"}", NULL) ==
           OA_OK,
       "several audiences with azp = client_id accepted");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[\"" CID "\"]}", NULL) == OA_OK,
       "aud as a one-element array accepted");
    ok(check(rsa, "RS256", "rsa1",
             "{\"exp\":"
             "1799999950"
             "}",
             NULL) == OA_OK,
       "expired by less than the skew accepted");
}

static void test_claims(void)
{
    ok(check(rsa, "RS256", "rsa1", "{\"iss\":\"https://evil.example.com\"}", NULL) ==
           OA_ERR_PROVIDER,
       "wrong iss refused");
    ok(check(rsa, "RS256", "rsa1", "{\"iss\":\"https://idp.example.com/\"}", NULL) ==
           OA_ERR_PROVIDER,
       "iss with a trailing slash refused (exact match)");
    ok(check(rsa, "RS256", "rsa1", "{\"iss\":null}", NULL) == OA_ERR_PROVIDER, "no iss refused");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":\"other\"}", NULL) == OA_ERR_PROVIDER,
       "wrong aud refused");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[\"" CID "\",\"other\"]}", NULL) == OA_ERR_PROVIDER,
       "extra aud without azp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[\"other\"],\"azp\":\"" CID "\"}", NULL) ==
           OA_ERR_PROVIDER,
       "aud without client_id refused even with azp");
    ok(check(rsa, "RS256", "rsa1", "{\"azp\":\"other\"}", NULL) == OA_ERR_PROVIDER,
       "wrong azp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[]}", NULL) == OA_ERR_PROVIDER, "empty aud refused");
    ok(check(rsa, "RS256", "rsa1", "{\"aud\":[1]}", NULL) == OA_ERR_PROVIDER,
       "non-string aud refused");
    ok(check(rsa, "RS256", "rsa1", "{\"nonce\":\"n-124\"}", NULL) == OA_ERR_PROVIDER,
       "wrong nonce refused");
    ok(check(rsa, "RS256", "rsa1", "{\"nonce\":\"n-12\"}", NULL) == OA_ERR_PROVIDER,
       "nonce prefix refused");
    ok(check(rsa, "RS256", "rsa1", "{\"nonce\":null}", NULL) == OA_ERR_PROVIDER,
       "missing nonce refused");
    ok(check(rsa, "RS256", "rsa1", "{\"sub\":\"\"}", NULL) == OA_ERR_PROVIDER, "empty sub refused");
    ok(check(rsa, "RS256", "rsa1", "{\"sub\":null}", NULL) == OA_ERR_PROVIDER,
       "missing sub refused");
    ok(check(rsa, "RS256", "rsa1", "{\"sub\":\"a\\u0000b\"}", NULL) == OA_ERR_PROVIDER,
       "sub with NUL refused");
}

static void test_times(void)
{
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":1799999000}", NULL) == OA_ERR_EXPIRED,
       "expired refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":null}", NULL) == OA_ERR_PROVIDER, "no exp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"iat\":1800000600}", NULL) == OA_ERR_PROVIDER,
       "iat in the future refused");
    ok(check(rsa, "RS256", "rsa1", "{\"iat\":1800000030}", NULL) == OA_OK,
       "iat in the future within the skew accepted");
    ok(check(rsa, "RS256", "rsa1", "{\"nbf\":1800000600}", NULL) == OA_ERR_PROVIDER,
       "nbf in the future refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":-1}", NULL) == OA_ERR_PROVIDER,
       "negative exp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":253402300800}", NULL) == OA_ERR_PROVIDER,
       "exp after year 9999 refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":9223372036854775807}", NULL) == OA_ERR_PROVIDER,
       "exp INT64_MAX refused without overflow");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":1.9e9}", NULL) == OA_ERR_PROVIDER,
       "non-integer exp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":1e300}", NULL) == OA_ERR_PROVIDER, "huge exp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"exp\":\"1800000600\"}", NULL) == OA_ERR_PROVIDER,
       "string exp refused");
    ok(check(rsa, "RS256", "rsa1", "{\"iat\":-9223372036854775807}", NULL) == OA_ERR_PROVIDER,
       "very negative iat refused");
}

/* Verifies an ES256 token whose claim `name` is value (the other claims
 * valid for NOW), with the given skew (0: the default) and clock. */
static enum oa_err time_at(const char *name, long long value, int64_t skew, int64_t now)
{
    struct oa_jwt_expect x = expect;
    char override[128], *c, *t;
    struct oa_error err;
    json_t *claims = NULL;
    enum oa_err e;

    x.skew = skew;
    x.now = now;
    snprintf(override, sizeof(override), "{\"%s\":%lld}", name, value);
    c = claims_with(override);
    t = fx_jws(ec, "ES256", "ec1", c);
    e = oa_jwt_verify(&claims, t, strlen(t), jwks, &x, &err);
    json_decref(claims);
    free(c);
    free(t);
    return e;
}

/* The exact edges of the time checks: exp + skew must be after now;
 * iat and nbf may be at most skew ahead of now. One second either side. */
static void test_time_edges(void)
{
    static const struct {
        int64_t skew, eff; /* as given; in effect */
        const char *why;
    } skews[] = {{0, OA_JWT_SKEW, "default skew"},
                 {-5, OA_JWT_SKEW, "negative skew (the default)"},
                 {1, 1, "skew 1"},
                 {120, 120, "skew 120"},
                 {3600, 3600, "skew 3600 (the cap)"},
                 {7200, 3600, "skew 7200 (capped at 3600)"}};

    for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
        int64_t k = skews[i].skew, s = skews[i].eff;
        const char *w = skews[i].why;

        ok(time_at("exp", NOW - s - 1, k, NOW) == OA_ERR_EXPIRED,
           "%s: exp one second past now - skew refused", w);
        ok(time_at("exp", NOW - s, k, NOW) == OA_ERR_EXPIRED,
           "%s: exp exactly now - skew refused (exp is the first invalid second)", w);
        ok(time_at("exp", NOW - s + 1, k, NOW) == OA_OK,
           "%s: exp one second before now - skew accepted", w);
        ok(time_at("iat", NOW + s + 1, k, NOW) == OA_ERR_PROVIDER,
           "%s: iat one second past now + skew refused", w);
        ok(time_at("iat", NOW + s, k, NOW) == OA_OK, "%s: iat exactly now + skew accepted", w);
        ok(time_at("iat", NOW + s - 1, k, NOW) == OA_OK, "%s: iat one second inside accepted", w);
        ok(time_at("nbf", NOW + s + 1, k, NOW) == OA_ERR_PROVIDER,
           "%s: nbf one second past now + skew refused", w);
        ok(time_at("nbf", NOW + s, k, NOW) == OA_OK, "%s: nbf exactly now + skew accepted", w);
        ok(time_at("nbf", NOW + s - 1, k, NOW) == OA_OK, "%s: nbf one second inside accepted", w);
    }
    ok(time_at("nbf", NOW, 0, NOW) == OA_OK, "nbf = now accepted");
    ok(time_at("nbf", 1, 0, NOW) == OA_OK, "nbf in the past accepted");
    ok(time_at("nbf", 0, 0, NOW) == OA_ERR_PROVIDER, "nbf 0 refused (out of range)");
    ok(time_at("iat", 1, 0, NOW) == OA_OK, "iat 1 (long ago) accepted");
    ok(time_at("iat", 0, 0, NOW) == OA_ERR_PROVIDER, "iat 0 refused (out of range)");
    ok(time_at("exp", OA_JWT_TIME_MAX, 0, NOW) == OA_OK, "exp at the last second of 9999 accepted");
    ok(time_at("exp", OA_JWT_TIME_MAX + 1, 0, NOW) == OA_ERR_PROVIDER,
       "exp one second after 9999 refused");
    ok(time_at("exp", NOW + 600, 0, -1) == OA_ERR_INTERNAL, "a clock before 1970: refused");
    ok(time_at("exp", NOW + 600, 0, OA_JWT_TIME_MAX + 1) == OA_ERR_INTERNAL,
       "a clock after 9999: refused");
    ok(time_at("exp", OA_JWT_TIME_MAX, 0, OA_JWT_TIME_MAX) == OA_OK,
       "a clock at the last second of 9999 works (no overflow)");
}

/* A token made of the given header JSON and the valid claims, signature sig. */
static char *forge(const char *header, const char *sig)
{
    char *c = claims_with(NULL), *h = b64(header, strlen(header)), *p = b64(c, strlen(c));
    size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
    char *t = malloc(n);

    snprintf(t, n, "%s.%s.%s", h, p, sig);
    free(c);
    free(h);
    free(p);
    return t;
}

static void test_alg(void)
{
    char *pub = cjose_jwk_to_json(rsa, false, NULL), *t, *c;
    cjose_jwk_t *hs = cjose_jwk_create_oct_spec((const uint8_t *)pub, strlen(pub), NULL);

    t = forge("{\"alg\":\"none\",\"kid\":\"rsa1\"}", "");
    ok(check_raw(t) == OA_ERR_PROVIDER, "alg none with empty signature refused");
    free(t);
    t = forge("{\"alg\":\"none\",\"kid\":\"rsa1\"}", "AAAA");
    ok(check_raw(t) == OA_ERR_PROVIDER, "alg none with a signature refused");
    free(t);
    t = forge("{\"alg\":\"None\"}", "AAAA");
    ok(check_raw(t) == OA_ERR_PROVIDER, "alg None refused");
    free(t);
    ok(check(hs, "HS256", "rsa1", NULL, NULL) == OA_ERR_PROVIDER,
       "HS256 with the RSA public key as secret refused");
    ok(check(rsa, "RS512", "rsa1", NULL, NULL) == OA_ERR_PROVIDER, "RS512 refused (pinned)");
    ok(check(rsa, "PS256", "rsa1", NULL, NULL) == OA_ERR_PROVIDER, "PS256 refused (pinned)");
    /* an RS256 signature under a header that says ES256 */
    c = claims_with(NULL);
    t = fx_jws(rsa, "RS256", "rsa1", c);
    {
        const char *hj = "{\"alg\":\"ES256\",\"kid\":\"rsa1\"}";
        char *h = b64(hj, strlen(hj));
        char *rest = strchr(t, '.'), *u = malloc(strlen(h) + strlen(rest) + 1);
        memcpy(u, h, strlen(h));
        memcpy(u + strlen(h), rest, strlen(rest) + 1);
        ok(check_raw(u) != OA_OK, "RS256 signature under an ES256 header refused");
        free(u);
        free(h);
    }
    free(t);
    free(c);
    t = forge("{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"rsa1\"}", "AAAA");
    ok(check_raw(t) == OA_ERR_PROVIDER, "duplicate alg in header refused");
    free(t);
    t = forge("{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[\"exp\"]}", "AAAA");
    ok(check_raw(t) == OA_ERR_PROVIDER, "crit header refused");
    free(t);
    /* a real signature moved under another header does not verify */
    c = claims_with(NULL);
    t = fx_jws(rsa, "RS256", "rsa1", c);
    t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
    ok(check_raw(t) == OA_ERR_PROVIDER, "tampered signature refused");
    free(t);
    free(c);
    cjose_jwk_release(hs);
    free(pub);
}

/* Verifies token t against the JWKS document doc (parsed here). */
static enum oa_err verify_with(const char *doc, const char *t)
{
    struct oa_jwks *j = NULL;
    struct oa_error err;
    json_t *claims = NULL;
    enum oa_err e;

    if (oa_jwks_parse(&j, doc, strlen(doc), &err) != OA_OK)
        return OA_ERR_CONFIG;
    e = oa_jwt_verify(&claims, t, strlen(t), j, &expect, &err);
    if (e != OA_OK)
        printf("#   (%s)\n", err.msg);
    json_decref(claims);
    oa_jwks_free(j);
    return e;
}

/* {"keys":[JWK of k]} (new); private: with the private members. */
static char *jwks_of(const cjose_jwk_t *k, bool private)
{
    char *jwk = cjose_jwk_to_json(k, private, NULL), *doc;
    size_t n = strlen(jwk) + 16;

    doc = malloc(n);
    snprintf(doc, n, "{\"keys\":[%s]}", jwk);
    free(jwk);
    return doc;
}

/* Which keys of a JWKS are trusted, and which key a kid picks. */
static void test_key_rules(void)
{
    static const uint8_t e65537[] = {1, 0, 1};
    cjose_jwk_t *nokid = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    cjose_jwk_t *weak = cjose_jwk_create_RSA_random(1024, e65537, 3, NULL);
    char *c = claims_with(NULL), *doc, *t;
    struct oa_jwks *j = NULL;
    struct oa_error err;
    cjose_header_t *h;
    cjose_jws_t *jws;
    const char *ser;

    /* a key without kid: a token without kid may use it, one naming another kid may not */
    doc = jwks_of(nokid, false);
    t = fx_jws(nokid, "ES256", NULL, c);
    ok(verify_with(doc, t) == OA_OK, "a JWK without kid verifies a token without kid");
    free(t);
    t = fx_jws(nokid, "ES256", "k-other", c);
    ok(verify_with(doc, t) == OA_ERR_NOT_FOUND,
       "a JWK without kid is not tried for a token naming a kid: NOT_FOUND");
    free(t);
    free(doc);

    /* a private key has no business in a JWKS */
    doc = jwks_of(nokid, true);
    ok(strstr(doc, "\"d\"") && oa_jwks_parse(&j, doc, strlen(doc), &err) == OA_ERR_BAD_INPUT && !j,
       "a JWKS holding an EC private key (d) has no usable key");
    free(doc);

    /* RSA under 2048 bits is too weak to trust */
    doc = jwks_of(weak, false);
    ok(oa_jwks_parse(&j, doc, strlen(doc), &err) == OA_ERR_BAD_INPUT && !j,
       "a JWKS with only a 1024-bit RSA key has no usable key");
    free(doc);
    doc = jwks_of(rsa, false);
    ok(oa_jwks_parse(&j, doc, strlen(doc), &err) == OA_OK && oa_jwks_count(j) == 1,
       "... a 2048-bit one is usable");
    oa_jwks_free(j);
    free(doc);

    /* a validly signed token with a crit header (an array, as RFC 7515 says) */
    h = cjose_header_new(NULL);
    cjose_header_set(h, CJOSE_HDR_ALG, "ES256", NULL);
    cjose_header_set(h, CJOSE_HDR_KID, "ec1", NULL);
    cjose_header_set_raw(h, "crit", "[\"exp\"]", NULL);
    cjose_header_set(h, "exp", "1", NULL);
    jws = cjose_jws_sign(ec, h, (const uint8_t *)c, strlen(c), NULL);
    ok(jws && cjose_jws_export(jws, &ser, NULL) && check_raw(ser) == OA_ERR_PROVIDER,
       "a signed token with a crit header array refused");
    cjose_jws_release(jws);
    cjose_header_release(h);
    cjose_jwk_release(nokid);
    cjose_jwk_release(weak);
    free(c);
}

static void test_keys_and_shape(void)
{
    char *c = claims_with(NULL), *t, *big;
    struct oa_error err;
    json_t *claims = NULL;

    ok(check(rsa_other, "RS256", "rsa1", NULL, NULL) == OA_ERR_PROVIDER,
       "signed by another key under a known kid: bad signature");
    ok(check(rsa_other, "RS256", "rsa2", NULL, NULL) == OA_ERR_NOT_FOUND,
       "unknown kid: NOT_FOUND (caller refetches)");
    ok(check(ec, "ES256", "rsa1", NULL, NULL) == OA_ERR_NOT_FOUND,
       "kid of a key of the wrong type: NOT_FOUND");
    ok(check_raw("abc") == OA_ERR_PROVIDER, "not a JWS refused");
    ok(check_raw("a.b.c.d") == OA_ERR_PROVIDER, "four parts refused");
    ok(check_raw("a b.c.d") == OA_ERR_PROVIDER, "bad characters refused");
    ok(check_raw("") == OA_ERR_PROVIDER, "empty refused");
    /* duplicate claims, validly signed */
    t = fx_jws(rsa, "RS256", "rsa1", "{\"iss\":\"" ISS "\",\"sub\":\"a\",\"sub\":\"b\"}");
    ok(check_raw(t) == OA_ERR_PROVIDER, "duplicate claims refused");
    free(t);
    t = fx_jws(rsa, "RS256", "rsa1", "[1,2]");
    ok(check_raw(t) == OA_ERR_PROVIDER, "payload not an object refused");
    free(t);
    big = malloc(OA_JWT_MAX + 2);
    memset(big, 'A', OA_JWT_MAX + 1);
    big[OA_JWT_MAX + 1] = '\0';
    ok(oa_jwt_verify(&claims, big, OA_JWT_MAX + 1, jwks, &expect, &err) == OA_ERR_TOO_LARGE,
       "oversize token refused");
    free(big);
    free(c);
}

/* A fresh P-256 key as PKCS#8 PEM (new) and its public JWK (new). */
static char *p256_pem(cjose_jwk_t **pub)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    BIGNUM *x = NULL, *y = NULL;
    uint8_t xb[32], yb[32];
    char *data, *pem;
    long n;

    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(bio, &data);
    pem = strndup(data, (size_t)n);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    BN_bn2binpad(x, xb, 32);
    BN_bn2binpad(y, yb, 32);
    *pub = cjose_jwk_create_EC_spec(
        &(cjose_jwk_ec_keyspec){CJOSE_JWK_EC_P_256, NULL, 0, xb, 32, yb, 32}, NULL);
    BN_free(x);
    BN_free(y);
    BIO_free(bio);
    EVP_PKEY_free(k);
    return pem;
}

static void test_apple(void)
{
    cjose_jwk_t *pub;
    char *pem = p256_pem(&pub), *secret = NULL, *rsapem;
    struct oa_error err;
    cjose_jws_t *jws;
    cjose_header_t *h;
    uint8_t *plain;
    size_t plen, slen;
    json_t *c;
    unsigned char sig[128];
    EVP_PKEY *rk;
    BIO *bio;
    char *data;
    long n;

    ok(oa_jwt_apple_secret(&secret, pem, strlen(pem), "KEY123", "TEAM123", "com.example.web", NOW,
                           180 * 86400, &err) == OA_OK,
       "Apple client secret made");
    jws = secret ? cjose_jws_import(secret, strlen(secret), NULL) : NULL;
    ok(jws && cjose_jws_verify(jws, pub, NULL), "Apple client secret verifies with the public key");
    h = jws ? cjose_jws_get_protected(jws) : NULL;
    is_str(h ? cjose_header_get(h, "alg", NULL) : NULL, "ES256", "header alg ES256");
    is_str(h ? cjose_header_get(h, "kid", NULL) : NULL, "KEY123", "header kid");
    ok(jws && cjose_jws_get_plaintext(jws, &plain, &plen, NULL), "payload readable");
    c = jws ? json_loadb((const char *)plain, plen, 0, NULL) : NULL;
    is_str(json_string_value(json_object_get(c, "iss")), "TEAM123", "iss = team_id");
    is_str(json_string_value(json_object_get(c, "sub")), "com.example.web", "sub = client_id");
    is_str(json_string_value(json_object_get(c, "aud")), "https://appleid.apple.com", "aud");
    is_int(json_integer_value(json_object_get(c, "iat")), NOW, "iat = now");
    is_int(json_integer_value(json_object_get(c, "exp")), NOW + 180 * 86400, "exp = now + 180 d");
    ok(secret &&
           oa_b64url_decode(sig, sizeof(sig), &slen, strrchr(secret, '.') + 1,
                            strlen(strrchr(secret, '.') + 1)) == OA_OK &&
           slen == 64,
       "signature is raw R||S (64 bytes)");
    json_decref(c);
    cjose_jws_release(jws);
    free(secret);
    secret = NULL;
    ok(oa_jwt_apple_secret(&secret, pem, strlen(pem), "K", "T", "c", NOW, 200 * 86400, &err) ==
               OA_ERR_CONFIG &&
           !secret,
       "lifetime over six months refused");
    ok(oa_jwt_apple_secret(&secret, "junk", 4, "K", "T", "c", NOW, 86400, &err) == OA_ERR_CONFIG,
       "not a PEM key refused");
    rk = EVP_RSA_gen(2048);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, rk, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(bio, &data);
    rsapem = strndup(data, (size_t)n);
    ok(oa_jwt_apple_secret(&secret, rsapem, strlen(rsapem), "K", "T", "c", NOW, 86400, &err) ==
           OA_ERR_CONFIG,
       "an RSA key refused");
    free(rsapem);
    BIO_free(bio);
    EVP_PKEY_free(rk);
    cjose_jwk_release(pub);
    free(pem);
}

/* ---- logout tokens (Back-Channel Logout 1.0) and the uses apart ---- */

#define EVENT "{\"http://schemas.openid.net/event/backchannel-logout\":{}}"

/* A valid logout token's claims, then overrides (null deletes). */
static char *logout_claims(const char *override)
{
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "iss", ISS, "aud", CID, "sub",
                          "u-42", "sid", "s-7", "jti", "j-1", "iat", (json_int_t)NOW - 10, "exp",
                          (json_int_t)NOW + 110, "events", json_loads(EVENT, 0, NULL));

    return fx_claims_override(c, override);
}

/* Signs claims with rsa (kid rsa1), header typ (NULL: none). New string. */
static char *sign_typ(const char *typ, const char *claims)
{
    cjose_header_t *h = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *ser;
    char *out;

    cjose_header_set(h, CJOSE_HDR_ALG, "RS256", NULL);
    cjose_header_set(h, CJOSE_HDR_KID, "rsa1", NULL);
    if (typ)
        cjose_header_set(h, "typ", typ, NULL);
    jws = cjose_jws_sign(rsa, h, (const uint8_t *)claims, strlen(claims), NULL);
    if (!jws || !cjose_jws_export(jws, &ser, NULL))
        abort();
    out = strdup(ser);
    cjose_jws_release(jws);
    cjose_header_release(h);
    return out;
}

/* Verifies token t for use; err's message copied into msg (may be NULL). */
static enum oa_err verify_as(const char *t, enum oa_jwt_use use, const char *sub, char *msg,
                             size_t cap)
{
    struct oa_jwt_expect x = expect;
    struct oa_error err;
    json_t *claims = NULL;
    enum oa_err e;

    x.use = use;
    x.sub = sub;
    oa_error_clear(&err);
    e = oa_jwt_verify(&claims, t, strlen(t), jwks, &x, &err);
    if (e != OA_OK)
        printf("#   (%s)\n", err.msg);
    if (msg)
        snprintf(msg, cap, "%s", e == OA_OK ? "" : err.msg);
    json_decref(claims);
    return e;
}

/* A logout token: claims overrides, header typ; verified as a logout. */
static enum oa_err logout(const char *typ, const char *override)
{
    char *c = logout_claims(override), *t = sign_typ(typ, c);
    enum oa_err e = verify_as(t, OA_JWT_LOGOUT, NULL, NULL, 0);

    free(c);
    free(t);
    return e;
}

static void test_logout(void)
{
    char msg[512], *c, *t;

    ok(logout("logout+jwt", NULL) == OA_OK, "logout: a valid logout+jwt token is taken");
    ok(logout(NULL, NULL) == OA_OK, "logout: no typ is taken (older OPs)");
    ok(logout("JWT", NULL) == OA_OK, "logout: typ JWT is taken");
    ok(logout("Logout+JWT", NULL) == OA_OK, "logout: typ compared case-insensitively");
    ok(logout("application/logout+jwt", NULL) == OA_OK, "logout: application/logout+jwt taken");
    ok(logout("at+jwt", NULL) == OA_ERR_PROVIDER, "logout: typ at+jwt refused");
    ok(logout("id_token+jwt", NULL) == OA_ERR_PROVIDER, "logout: typ id_token+jwt refused");
    ok(logout(NULL, "{\"sid\":null}") == OA_OK, "logout: sub only is taken");
    ok(logout(NULL, "{\"sub\":null}") == OA_OK, "logout: sid only is taken");
    ok(logout(NULL, "{\"sub\":null,\"sid\":null}") == OA_ERR_PROVIDER,
       "logout: neither sub nor sid refused");
    ok(logout(NULL, "{\"sid\":\"\"}") == OA_ERR_PROVIDER, "logout: empty sid refused");
    ok(logout(NULL, "{\"sid\":7}") == OA_ERR_PROVIDER, "logout: sid not a string refused");
    ok(logout(NULL, "{\"events\":null}") == OA_ERR_PROVIDER, "logout: no events refused");
    ok(logout(NULL, "{\"events\":\"x\"}") == OA_ERR_PROVIDER,
       "logout: events not an object refused");
    ok(logout(NULL, "{\"events\":{}}") == OA_ERR_PROVIDER,
       "logout: events without the member refused");
    ok(logout(NULL, "{\"events\":{\"http://schemas.openid.net/event/backchannel-logout\":true}}") ==
           OA_ERR_PROVIDER,
       "logout: the event's value not an object refused");
    ok(logout(NULL,
              "{\"events\":{\"http://schemas.openid.net/event/backchannel-logout\":{},\"x\":1}}") ==
           OA_OK,
       "logout: other events beside it are fine");
    ok(logout(NULL, "{\"nonce\":\"n-123\"}") == OA_ERR_PROVIDER, "logout: a nonce refused");
    ok(logout(NULL, "{\"jti\":null}") == OA_ERR_PROVIDER, "logout: no jti refused");
    ok(logout(NULL, "{\"jti\":\"\"}") == OA_ERR_PROVIDER, "logout: empty jti refused");
    ok(logout(NULL, "{\"aud\":\"another\"}") == OA_ERR_PROVIDER, "logout: wrong aud refused");
    ok(logout(NULL, "{\"iss\":\"https://evil.example\"}") == OA_ERR_PROVIDER,
       "logout: wrong iss refused");
    ok(logout(NULL, "{\"iat\":1799999600}") == OA_ERR_PROVIDER, "logout: iat 400 s old refused");
    ok(logout(NULL, "{\"iat\":1799999700,\"exp\":null}") == OA_OK,
       "logout: iat 300 s old (within the age plus skew) taken");
    ok(logout(NULL, "{\"iat\":null}") == OA_ERR_PROVIDER, "logout: no iat refused");
    ok(logout(NULL, "{\"iat\":1800000600}") == OA_ERR_PROVIDER,
       "logout: iat in the future refused");
    ok(logout(NULL, "{\"exp\":null}") == OA_OK, "logout: no exp taken");
    ok(logout(NULL, "{\"exp\":1799999900}") == OA_ERR_EXPIRED, "logout: exp passed refused");
    /* the log line names the check and calls it a logout token */
    c = logout_claims("{\"nonce\":\"n-123\"}");
    t = sign_typ("logout+jwt", c);
    verify_as(t, OA_JWT_LOGOUT, NULL, msg, sizeof(msg));
    ok(strncmp(msg, "logout token: nonce", 19) == 0, "logout: the message names the check");
    ok(!strstr(msg, t), "logout: the message never holds the token");
    free(c);
    free(t);
    /* an id_token is not a logout token, and back */
    c = claims_with(NULL);
    t = sign_typ(NULL, c);
    ok(verify_as(t, OA_JWT_ID_TOKEN, NULL, NULL, 0) == OA_OK, "uses: the id_token passes as one");
    ok(verify_as(t, OA_JWT_LOGOUT, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "uses: an id_token used as a logout token refused");
    free(c);
    free(t);
    c = claims_with("{\"events\":" EVENT ",\"jti\":\"j-2\"}");
    t = sign_typ(NULL, c);
    ok(verify_as(t, OA_JWT_LOGOUT, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "uses: an id_token with events and jti still refused (its nonce)");
    free(c);
    free(t);
    c = logout_claims("{\"nonce\":\"n-123\"}");
    t = sign_typ("logout+jwt", c);
    ok(verify_as(t, OA_JWT_ID_TOKEN, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "uses: a logout+jwt token used as an id_token refused (even with the nonce)");
    free(t);
    t = sign_typ(NULL, c);
    ok(verify_as(t, OA_JWT_ID_TOKEN, NULL, NULL, 0) == OA_OK,
       "uses: (the same claims without typ pass as an id_token: typ is what tells them apart)");
    free(t);
    free(c);
    c = logout_claims(NULL);
    t = sign_typ(NULL, c);
    ok(verify_as(t, OA_JWT_ID_TOKEN, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "uses: a logout token without typ used as an id_token refused (no nonce)");
    free(t);
    free(c);
    /* alg none: refused before any claim */
    {
        char *cl = logout_claims(NULL), *h = b64("{\"alg\":\"none\"}", 14),
             *pl = b64(cl, strlen(cl));
        size_t n = strlen(h) + strlen(pl) + 8;
        char *u = malloc(n);
        snprintf(u, n, "%s.%s.", h, pl);
        ok(verify_as(u, OA_JWT_LOGOUT, NULL, NULL, 0) == OA_ERR_PROVIDER,
           "logout: alg none refused");
        snprintf(u, n, "%s.%s.AAAA", h, pl);
        ok(verify_as(u, OA_JWT_LOGOUT, NULL, NULL, 0) == OA_ERR_PROVIDER,
           "logout: alg none with a signature refused");
        free(u);
        free(h);
        free(pl);
        free(cl);
    }
    /* another key (not in the JWKS) */
    c = logout_claims(NULL);
    t = fx_jws(rsa_other, "RS256", "rsa1", c);
    ok(verify_as(t, OA_JWT_LOGOUT, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "logout: signed by another key refused");
    free(t);
    free(c);
}

/* A refreshed id_token: nonce ignored, sub must be the session's. */
static void test_refresh_use(void)
{
    char *c = claims_with("{\"nonce\":null}"), *t = sign_typ(NULL, c);

    ok(verify_as(t, OA_JWT_REFRESH, "u-42", NULL, 0) == OA_OK, "refresh: no nonce, same sub taken");
    ok(verify_as(t, OA_JWT_REFRESH, "u-43", NULL, 0) == OA_ERR_PROVIDER,
       "refresh: another sub refused");
    ok(verify_as(t, OA_JWT_REFRESH, NULL, NULL, 0) == OA_ERR_INTERNAL,
       "refresh: nothing to compare sub with: refused");
    ok(verify_as(t, OA_JWT_ID_TOKEN, NULL, NULL, 0) == OA_ERR_PROVIDER,
       "refresh: the same token without a nonce is no sign-in's id_token");
    free(t);
    free(c);
}

int main(void)
{
    make_keys();
    test_jwks_parse();
    test_good();
    test_claims();
    test_times();
    test_time_edges();
    test_alg();
    test_keys_and_shape();
    test_key_rules();
    test_apple();
    test_logout();
    test_refresh_use();
    oa_jwks_free(jwks);
    cjose_jwk_release(rsa);
    cjose_jwk_release(rsa_other);
    cjose_jwk_release(ec);
    return tap_done();
}
