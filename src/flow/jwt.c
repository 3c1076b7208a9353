/*
 * jwt.c - id_token verification (OpenID Connect Core 3.1.3.7) with cjose
 * for the JWKs and the JWS signature, and Jansson for the header and claims.
 *
 * Why the order matters: the header's alg is pinned to RS256/ES256 before
 * any key is looked at, so `none` and HS256-with-the-public-key-as-secret
 * never reach a verifier; the key is chosen by kid among keys of the
 * matching type only; claims are read only after the signature holds.
 * Numeric dates must be JSON integers in 1..year 9999, so no arithmetic
 * below can overflow. Nothing here fetches anything (see provider_cache.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjose/cjose.h>
#include <sodium.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/entra.h"
#include "oa/http.h"
#include "oa/jwt.h"

#define OA_JWT_HEADER_MAX 4096 /* decoded bytes of a JOSE header */
#define OA_JWT_SUB_MAX 255     /* OpenID Connect Core 2: sub is at most 255 ASCII chars */
#define OA_JWT_SKEW_MAX 3600

/* KEY_OKP: Ed25519 (RFC 8037), verified with libsodium: cjose 0.6 has no
 * OKP keys. Each type verifies exactly one alg (RS256, ES256, EdDSA). */
enum key_type { KEY_RSA, KEY_EC, KEY_OKP };

struct jwks_key {
    cjose_jwk_t *jwk;                              /* RSA, EC; NULL for OKP */
    unsigned char okp[crypto_sign_PUBLICKEYBYTES]; /* OKP: the raw public key */
    enum key_type type;
    char *kid; /* NULL when the JWK has none */
    char *alg; /* NULL when the JWK does not say */
};

struct oa_jwks {
    size_t n;
    struct jwks_key *k;
};

/* A JSON string without NUL inside, or NULL. Borrowed. */
static const char *json_cstr(const json_t *j)
{
    const char *s = json_string_value(j);

    if (!s || strlen(s) != json_string_length(j))
        return NULL;
    return s;
}

void oa_jwks_free(struct oa_jwks *jwks)
{
    if (!jwks)
        return;
    for (size_t i = 0; i < jwks->n; i++) {
        if (jwks->k[i].jwk)
            cjose_jwk_release(jwks->k[i].jwk);
        free(jwks->k[i].kid);
        free(jwks->k[i].alg);
    }
    free(jwks->k);
    free(jwks);
}

size_t oa_jwks_count(const struct oa_jwks *jwks)
{
    return jwks ? jwks->n : 0;
}

/* Whether the JWK object j is a public signing key we can use; sets *type. */
static bool jwk_usable(json_t *j, enum key_type *type)
{
    const char *kty = json_cstr(json_object_get(j, "kty"));
    json_t *use = json_object_get(j, "use");
    const char *alg = json_cstr(json_object_get(j, "alg"));

    if (!kty || (use && !(json_cstr(use) && strcmp(json_cstr(use), "sig") == 0)))
        return false;
    if (json_object_get(j, "d"))
        return false; /* a private key has no business in a JWKS */
    if (strcmp(kty, "RSA") == 0) {
        *type = KEY_RSA;
        return !alg || strcmp(alg, "RS256") == 0;
    }
    if (strcmp(kty, "EC") == 0) {
        const char *crv = json_cstr(json_object_get(j, "crv"));
        *type = KEY_EC;
        return crv && strcmp(crv, "P-256") == 0 && (!alg || strcmp(alg, "ES256") == 0);
    }
    if (strcmp(kty, "OKP") == 0) {
        const char *crv = json_cstr(json_object_get(j, "crv"));
        *type = KEY_OKP;
        return crv && strcmp(crv, "Ed25519") == 0 && (!alg || strcmp(alg, "EdDSA") == 0);
    }
    return false;
}

/* True when every key member cjose base64url-decodes is plain base64url
 * text. Found by fuzzing (tests/fuzz/corpus/fuzz_jwt/crash-jwk-b64-equals):
 * cjose 0.6.2 asserts (aborts the process) on a '=' early in such a value. */
static bool jwk_b64_ok(json_t *j)
{
    static const char *const members[] = {"n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k"};
    const char *s;
    json_t *v;

    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        v = json_object_get(j, members[i]);
        if (!v)
            continue;
        if (!(s = json_cstr(v)))
            return false;
        for (; *s; s++)
            if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                  (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
                return false;
    }
    return true;
}

/* Imports one JWK into k; false when it is not usable (skipped). */
static bool jwk_take(struct jwks_key *k, json_t *j)
{
    const char *kid = json_cstr(json_object_get(j, "kid"));
    const char *alg = json_cstr(json_object_get(j, "alg"));
    cjose_err cerr;

    memset(k, 0, sizeof(*k));
    if (!json_is_object(j) || !jwk_usable(j, &k->type))
        return false;
    if ((json_object_get(j, "kid") && !kid) || !jwk_b64_ok(j))
        return false;
    if (k->type == KEY_OKP) {
        const char *x = json_cstr(json_object_get(j, "x"));
        size_t n = 0;
        if (!x || oa_b64url_decode(k->okp, sizeof(k->okp), &n, x, strlen(x)) != OA_OK ||
            n != sizeof(k->okp))
            return false;
        goto named;
    }
    k->jwk = cjose_jwk_import_json((cjose_header_t *)j, &cerr);
    if (!k->jwk)
        return false;
    if (k->type == KEY_RSA && cjose_jwk_get_keysize(k->jwk, &cerr) < 2048)
        goto skip; /* too weak to trust */
named:
    if ((kid && !(k->kid = strdup(kid))) || (alg && !(k->alg = strdup(alg))))
        goto skip;
    return true;
skip:
    cjose_jwk_release(k->jwk);
    free(k->kid);
    free(k->alg);
    memset(k, 0, sizeof(*k));
    return false;
}

enum oa_err oa_jwks_parse(struct oa_jwks **out, const char *json, size_t len, struct oa_error *err)
{
    json_t *doc, *keys;
    struct oa_jwks *jw;
    enum oa_err e;
    size_t n;

    *out = NULL;
    e = oa_json_parse_object(&doc, json, len, "JWKS", err);
    if (e != OA_OK)
        return e;
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys) || json_array_size(keys) == 0 || json_array_size(keys) > 100) {
        json_decref(doc);
        return oa_error_set(err, OA_ERR_BAD_INPUT, "JWKS: no \"keys\" array");
    }
    n = json_array_size(keys);
    jw = calloc(1, sizeof(*jw));
    if (!jw || !(jw->k = calloc(n, sizeof(*jw->k)))) {
        free(jw);
        json_decref(doc);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (jwk_take(&jw->k[jw->n], json_array_get(keys, i)))
            jw->n++;
    json_decref(doc);
    if (jw->n == 0) {
        oa_jwks_free(jw);
        return oa_error_set(err, OA_ERR_BAD_INPUT, "JWKS: no usable RS256/ES256/EdDSA signing key");
    }
    *out = jw;
    return OA_OK;
}

/* The protected header, parsed strictly (duplicates refused). New, or NULL. */
static json_t *header_parse(const char *token, size_t len)
{
    unsigned char raw[OA_JWT_HEADER_MAX];
    const char *dot = memchr(token, '.', len);
    size_t raw_len;
    json_t *h;

    if (!dot || dot == token)
        return NULL;
    if (oa_b64url_decode(raw, sizeof(raw), &raw_len, token, (size_t)(dot - token)) != OA_OK)
        return NULL;
    if (memchr(raw, '\0', raw_len))
        return NULL;
    h = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
    if (h && !json_is_object(h)) {
        json_decref(h);
        h = NULL;
    }
    return h;
}

/* Compact JWS shape: three base64url parts, none empty but the payload's. */
static bool compact_shape_ok(const char *t, size_t len)
{
    size_t dots = 0, first = 0, last = 0;

    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '.') {
            if (dots == 0)
                first = i;
            last = i;
            dots++;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_')) {
            return false;
        }
    }
    return dots == 2 && first > 0 && last + 1 < len;
}

/* typ (RFC 7515 4.1.9: case-insensitive, "application/" may be left out)
 * says what the token is: a logout token says logout+jwt (Back-Channel
 * Logout 1.0 section 4.1), which an id_token must not; a logout token may
 * also say JWT or nothing (OPs before the typ was recommended). */
static enum oa_err typ_check(const json_t *h, enum oa_jwt_use use, struct oa_error *err)
{
    json_t *jtyp = json_object_get(h, "typ");
    const char *typ = json_cstr(jtyp);
    bool logout, jwt;

    if (!jtyp)
        return OA_OK;
    if (!typ)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: typ is not a string");
    if (strncasecmp(typ, "application/", 12) == 0)
        typ += 12;
    logout = strcasecmp(typ, "logout+jwt") == 0;
    jwt = strcasecmp(typ, "JWT") == 0;
    if (use == OA_JWT_LOGOUT && !logout && !jwt)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: typ is not logout+jwt or JWT");
    if (use != OA_JWT_LOGOUT && logout)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: typ logout+jwt (a logout token)");
    return OA_OK;
}

/* Checks the header: alg pinned, no critical extensions, typ for use.
 * Sets *type. */
static enum oa_err header_check(const json_t *h, enum oa_jwt_use use, enum key_type *type,
                                const char **kid, struct oa_error *err)
{
    const char *alg = json_cstr(json_object_get(h, "alg"));
    json_t *jkid = json_object_get(h, "kid");

    if (!alg)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: no alg in header");
    if (strcmp(alg, "RS256") == 0)
        *type = KEY_RSA;
    else if (strcmp(alg, "ES256") == 0)
        *type = KEY_EC;
    else if (strcmp(alg, "EdDSA") == 0 && use == OA_JWT_ACCESS)
        *type = KEY_OKP; /* access tokens only: id_tokens stay as they were */
    else
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: alg not allowed (RS256, ES256 only)");
    if (json_object_get(h, "crit"))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: critical header not supported");
    *kid = json_cstr(jkid);
    if (jkid && !*kid)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: kid is not a string");
    return typ_check(h, use, err);
}

/* Verifies jws with the key(s) of jwks matching type and kid. */
static enum oa_err signature_check(cjose_jws_t *jws, const struct oa_jwks *jwks, enum key_type type,
                                   const char *alg, const char *kid, struct oa_error *err)
{
    bool candidate = false;
    cjose_err cerr;

    for (size_t i = 0; i < jwks->n; i++) {
        const struct jwks_key *k = &jwks->k[i];
        if (k->type != type || (k->alg && strcmp(k->alg, alg) != 0))
            continue;
        if (kid && !(k->kid && strcmp(k->kid, kid) == 0))
            continue;
        candidate = true;
        if (cjose_jws_verify(jws, k->jwk, &cerr))
            return OA_OK;
    }
    if (!candidate)
        return oa_error_set(err, OA_ERR_NOT_FOUND, "id_token: no key in the JWKS for its kid");
    return oa_error_set(err, OA_ERR_PROVIDER, "id_token: bad signature");
}

/* A NumericDate claim: a JSON integer in 1..OA_JWT_TIME_MAX. */
static enum oa_err time_claim(const json_t *claims, const char *name, bool required, int64_t *out,
                              struct oa_error *err)
{
    json_t *j = json_object_get(claims, name);
    json_int_t v;

    *out = 0;
    if (!j)
        return required ? oa_error_set(err, OA_ERR_PROVIDER, "id_token: no %s", name) : OA_OK;
    if (!json_is_integer(j))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: %s is not an integer", name);
    v = json_integer_value(j);
    if (v <= 0 || v > OA_JWT_TIME_MAX)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: %s out of range", name);
    *out = (int64_t)v;
    return OA_OK;
}

/* exp_required false: a logout token without exp is taken (the 2022 text
 * requires it, earlier drafts did not); when present it is checked. */
static enum oa_err times_check(const json_t *claims, const struct oa_jwt_expect *x,
                               bool exp_required, struct oa_error *err)
{
    int64_t skew = x->skew > 0 ? x->skew : OA_JWT_SKEW, exp, iat, nbf;
    enum oa_err e;

    if (skew > OA_JWT_SKEW_MAX)
        skew = OA_JWT_SKEW_MAX;
    if ((e = time_claim(claims, "exp", exp_required, &exp, err)) != OA_OK ||
        (e = time_claim(claims, "iat", x->use != OA_JWT_ACCESS, &iat, err)) != OA_OK ||
        (e = time_claim(claims, "nbf", false, &nbf, err)) != OA_OK)
        return e;
    if (x->now < 0 || x->now > OA_JWT_TIME_MAX)
        return oa_error_set(err, OA_ERR_INTERNAL, "id_token: clock out of range");
    if (exp && exp + skew <= x->now)
        return oa_error_set(err, OA_ERR_EXPIRED, "id_token: expired");
    if (iat > x->now + skew)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: issued in the future");
    if (nbf && nbf > x->now + skew)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: not valid yet");
    return OA_OK;
}

/* aud contains client_id; several audiences need azp == client_id. */
static enum oa_err audience_check(const json_t *claims, const char *client_id, struct oa_error *err)
{
    json_t *aud = json_object_get(claims, "aud"), *azp = json_object_get(claims, "azp"), *v;
    bool found = false;
    size_t i;

    if (json_cstr(aud)) {
        found = strcmp(json_cstr(aud), client_id) == 0;
    } else if (json_is_array(aud) && json_array_size(aud) > 0) {
        json_array_foreach(aud, i, v)
        {
            if (!json_cstr(v))
                return oa_error_set(err, OA_ERR_PROVIDER, "id_token: aud is malformed");
            if (strcmp(json_cstr(v), client_id) == 0)
                found = true;
        }
        if (found && json_array_size(aud) > 1 && !azp)
            return oa_error_set(err, OA_ERR_PROVIDER, "id_token: several audiences and no azp");
    } else {
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: no aud");
    }
    if (!found)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: aud does not contain client_id");
    if (azp && !(json_cstr(azp) && strcmp(json_cstr(azp), client_id) == 0))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: azp is not client_id");
    return OA_OK;
}

/* An access token (RFC 9068 section 4): aud, a string or an array of
 * strings, holds one of the API's audiences; azp is the client's, which
 * is not ours to check. */
static enum oa_err access_audience_check(const json_t *claims, const struct oa_jwt_expect *x,
                                         struct oa_error *err)
{
    json_t *aud = json_object_get(claims, "aud"), *v;
    size_t i;

    if (json_cstr(aud)) {
        for (size_t k = 0; k < x->naudiences; k++)
            if (strcmp(json_cstr(aud), x->audiences[k]) == 0)
                return OA_OK;
    } else if (json_is_array(aud) && json_array_size(aud) > 0) {
        json_array_foreach(aud, i, v)
        {
            if (!json_cstr(v))
                return oa_error_set(err, OA_ERR_PROVIDER, "id_token: aud is malformed");
        }
        json_array_foreach(aud, i, v)
        {
            for (size_t k = 0; k < x->naudiences; k++)
                if (strcmp(json_cstr(v), x->audiences[k]) == 0)
                    return OA_OK;
        }
    } else {
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: no aud");
    }
    return oa_error_set(err, OA_ERR_PROVIDER, "id_token: aud is not one of api_audiences");
}

/* iss is one of the expected issuers. */
static enum oa_err issuer_check(const json_t *claims, const struct oa_jwt_expect *x,
                                struct oa_error *err)
{
    const char *iss = json_cstr(json_object_get(claims, "iss"));
    const char *tid = x->tid_template ? json_cstr(json_object_get(claims, "tid")) : NULL;

    for (size_t i = 0; iss && i < x->nissuers; i++)
        if (x->issuers[i] && (x->tid_template ? oa_entra_issuer_match(x->issuers[i], iss, tid)
                                              : strcmp(iss, x->issuers[i]) == 0))
            return OA_OK;
    return oa_error_set(err, OA_ERR_PROVIDER, OA_JWT_ISS_WRONG);
}

/* A string claim of 1..OA_JWT_CLAIM_MAX bytes (no NUL), or NULL. */
static const char *short_claim(const json_t *claims, const char *name)
{
    const char *v = json_cstr(json_object_get(claims, name));

    return v && *v && strlen(v) <= OA_JWT_CLAIM_MAX ? v : NULL;
}

/* Back-Channel Logout 1.0 section 2.4/2.6: the event, no nonce (so an
 * id_token, which always has one here, never passes as a logout token),
 * sub and/or sid, a jti for the replay table, and a recent iat. */
static enum oa_err logout_claims_check(const json_t *claims, const struct oa_jwt_expect *x,
                                       int64_t skew, struct oa_error *err)
{
    json_t *events = json_object_get(claims, "events"), *sub = json_object_get(claims, "sub"),
           *sid = json_object_get(claims, "sid");
    int64_t iat = 0;

    if (!json_is_object(events) || !json_is_object(json_object_get(events, OA_JWT_LOGOUT_EVENT)))
        return oa_error_set(err, OA_ERR_PROVIDER,
                            "id_token: events has no back-channel logout event object");
    if (json_object_get(claims, "nonce"))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: nonce present (prohibited)");
    if (!sub && !sid)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: neither sub nor sid");
    if ((sub && !short_claim(claims, "sub")) || (sid && !short_claim(claims, "sid")))
        return oa_error_set(err, OA_ERR_PROVIDER,
                            "id_token: sub or sid empty, too long or not a "
                            "string");
    if (!short_claim(claims, "jti"))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: jti missing, empty or too long");
    if (time_claim(claims, "iat", true, &iat, err) != OA_OK)
        return OA_ERR_PROVIDER;
    if (iat < x->now - OA_JWT_LOGOUT_AGE - skew)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: iat too old (over %d s)",
                            OA_JWT_LOGOUT_AGE);
    return OA_OK;
}

static enum oa_err claims_check(const json_t *claims, const struct oa_jwt_expect *x,
                                struct oa_error *err)
{
    const char *nonce = json_cstr(json_object_get(claims, "nonce"));
    const char *sub = json_cstr(json_object_get(claims, "sub"));
    int64_t skew = x->skew > 0 ? x->skew : OA_JWT_SKEW;
    enum oa_err e;

    if ((e = issuer_check(claims, x, err)) != OA_OK ||
        (e = (x->use == OA_JWT_ACCESS ? access_audience_check(claims, x, err)
                                      : audience_check(claims, x->client_id, err))) != OA_OK ||
        (e = times_check(claims, x, x->use != OA_JWT_LOGOUT, err)) != OA_OK)
        return e;
    if (x->use == OA_JWT_LOGOUT)
        return logout_claims_check(claims, x, skew > OA_JWT_SKEW_MAX ? OA_JWT_SKEW_MAX : skew, err);
    if (x->use == OA_JWT_ID_TOKEN && (!nonce || strlen(nonce) != strlen(x->nonce) ||
                                      !oa_memeq_ct(nonce, x->nonce, strlen(nonce))))
        return oa_error_set(err, OA_ERR_PROVIDER, OA_JWT_NONCE_WRONG);
    if (!sub || !*sub || strlen(sub) > OA_JWT_SUB_MAX)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: sub missing, empty or too long");
    if (x->use == OA_JWT_REFRESH && strcmp(sub, x->sub) != 0)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: sub is not the session's");
    return OA_OK;
}

/* EdDSA (RFC 8037): the signature over "header.payload" with the Ed25519
 * key(s) of kid; then the payload, decoded, into *plain (new). */
static enum oa_err okp_open(uint8_t **plain, size_t *plain_len, const char *token, size_t len,
                            const struct oa_jwks *jwks, const char *kid, struct oa_error *err)
{
    const char *d1 = memchr(token, '.', len),
               *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    unsigned char sig[crypto_sign_BYTES + 1];
    bool candidate = false, good = false;
    size_t n = 0;

    if (!d2 ||
        oa_b64url_decode(sig, sizeof(sig), &n, d2 + 1, len - (size_t)(d2 + 1 - token)) != OA_OK ||
        n != crypto_sign_BYTES)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: malformed EdDSA signature");
    for (size_t i = 0; i < jwks->n && !good; i++) {
        const struct jwks_key *k = &jwks->k[i];
        if (k->type != KEY_OKP || (kid && !(k->kid && strcmp(k->kid, kid) == 0)))
            continue;
        candidate = true;
        good = crypto_sign_verify_detached(sig, (const unsigned char *)token, (size_t)(d2 - token),
                                           k->okp) == 0;
    }
    if (!candidate)
        return oa_error_set(err, OA_ERR_NOT_FOUND, "id_token: no key in the JWKS for its kid");
    if (!good)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: bad signature");
    n = (size_t)(d2 - d1 - 1);
    if (!(*plain = malloc(n + 1)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    if (oa_b64url_decode(*plain, n + 1, plain_len, d1 + 1, n) != OA_OK) {
        free(*plain);
        *plain = NULL;
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: no payload");
    }
    return OA_OK;
}

/* RS256, ES256 with cjose: the signature, then the payload into *plain (new). */
static enum oa_err cjose_open(uint8_t **plain, size_t *plain_len, const char *token, size_t len,
                              const struct oa_jwks *jwks, enum key_type type, const char *kid,
                              struct oa_error *err)
{
    cjose_err cerr;
    cjose_jws_t *jws = cjose_jws_import(token, len, &cerr);
    uint8_t *p = NULL;
    size_t n = 0;
    enum oa_err e;

    if (!jws)
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: malformed JWS");
    e = signature_check(jws, jwks, type, type == KEY_RSA ? "RS256" : "ES256", kid, err);
    if (e == OA_OK && !cjose_jws_get_plaintext(jws, &p, &n, &cerr))
        e = oa_error_set(err, OA_ERR_PROVIDER, "id_token: no payload");
    if (e == OA_OK && !(*plain = malloc(n + 1)))
        e = oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    if (e == OA_OK) {
        memcpy(*plain, p, n);
        *plain_len = n;
    }
    cjose_jws_release(jws);
    return e;
}

/* Everything up to a verified payload; *plain new on success. */
static enum oa_err jws_open(uint8_t **plain, size_t *plain_len, const char *token, size_t len,
                            const struct oa_jwks *jwks, enum oa_jwt_use use, struct oa_error *err)
{
    enum key_type type = KEY_RSA;
    const char *kid = NULL;
    enum oa_err e;
    json_t *h;

    *plain = NULL;
    if (len > OA_JWT_MAX)
        return oa_error_set(err, OA_ERR_TOO_LARGE, "id_token: over %d bytes", OA_JWT_MAX);
    if (!compact_shape_ok(token, len) || !(h = header_parse(token, len)))
        return oa_error_set(err, OA_ERR_PROVIDER, "id_token: malformed");
    e = header_check(h, use, &type, &kid, err);
    if (e == OA_OK)
        e = type == KEY_OKP ? okp_open(plain, plain_len, token, len, jwks, kid, err)
                            : cjose_open(plain, plain_len, token, len, jwks, type, kid, err);
    json_decref(h);
    return e;
}

/* The checks name the token "id_token: ..."; a logout token's refusal is
 * logged as such (the two messages the metrics compare are id_token's). */
static enum oa_err name_use(enum oa_err e, enum oa_jwt_use use, struct oa_error *err)
{
    static const char was[] = "id_token: ";
    const char *now = use == OA_JWT_ACCESS ? "access token: " : "logout token: ";
    const size_t grow = strlen(now) + 1 - sizeof(was);
    size_t n;

    if ((use != OA_JWT_LOGOUT && use != OA_JWT_ACCESS) ||
        strncmp(err->msg, was, sizeof(was) - 1) != 0)
        return e;
    n = strnlen(err->msg, sizeof(err->msg) - 1);
    if (n + grow >= sizeof(err->msg))
        n = sizeof(err->msg) - 1 - grow;
    memmove(err->msg + strlen(now), err->msg + sizeof(was) - 1, n - (sizeof(was) - 1));
    memcpy(err->msg, now, strlen(now));
    err->msg[n + grow] = '\0';
    return e;
}

enum oa_err oa_jwt_verify(json_t **claims, const char *token, size_t len,
                          const struct oa_jwks *jwks, const struct oa_jwt_expect *expect,
                          struct oa_error *err)
{
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    enum oa_err e;
    json_t *c = NULL;

    *claims = NULL;
    if (!token || !jwks || !expect ||
        (expect->use == OA_JWT_ACCESS ? !expect->naudiences : !expect->client_id) ||
        (expect->use == OA_JWT_ID_TOKEN && !expect->nonce) ||
        (expect->use == OA_JWT_REFRESH && !expect->sub))
        return oa_error_set(err, OA_ERR_INTERNAL, "id_token: nothing to check against");
    e = jws_open(&plain, &plain_len, token, len, jwks, expect->use, err);
    if (e != OA_OK)
        return name_use(e, expect->use, err);
    if (oa_json_parse_object(&c, (const char *)plain, plain_len, "id_token claims", err) != OA_OK)
        e = oa_error_set(err, OA_ERR_PROVIDER, "id_token: claims are not a JSON object");
    else
        e = claims_check(c, expect, err);
    free(plain);
    if (e != OA_OK) {
        json_decref(c);
        return name_use(e, expect->use, err);
    }
    *claims = c;
    return OA_OK;
}
