/*
 * jwt.h - id_token verification and the ES256 signer for Apple's client
 * secret, with cjose (JWK, JWS) and Jansson (claims). Pure functions: no
 * network, no cache, the time is an argument; src/flow/provider_cache.c and id_token.c feed them
 * the provider's keys.
 *
 * Verification order: size cap, parse, header alg pinned to RS256/ES256
 * (EdDSA too for access tokens; none, HS*, anything else refused before any
 * key is touched; a key verifies only its kty/crv's alg), key by kid,
 * signature, then claims (OpenID Connect Core 3.1.3.7).
 */
#ifndef OA_JWT_H
#define OA_JWT_H

/* The messages of the two refusals the metrics tell apart (metrics.h causes). */
#define OA_JWT_ISS_WRONG "id_token: iss is not the provider's issuer"
#define OA_JWT_NONCE_WRONG "id_token: nonce missing or wrong"

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "oa/err.h"

#define OA_JWT_MAX (64 * 1024)         /* bytes of a compact JWT we look at */
#define OA_JWT_SKEW 60                 /* seconds of clock skew allowed */
#define OA_JWT_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z: later is absurd */

/* A parsed JWKS (opaque; the cjose keys usable for signatures). */
struct oa_jwks;

/* Parses a JWKS document ({"keys":[...]}, JSON_REJECT_DUPLICATES, capped at
 * OA_HTTP_BODY_MAX). Keys that are not RSA, EC P-256 or OKP Ed25519, or
 * whose "use" is not "sig", are skipped. On success *out is new (oa_jwks_free).
 * OA_ERR_BAD_INPUT when malformed or without a usable key. */
enum oa_err oa_jwks_parse(struct oa_jwks **out, const char *json, size_t len,
                          struct oa_error *err) OA_WUR;
void oa_jwks_free(struct oa_jwks *jwks);
/* Number of usable keys. */
size_t oa_jwks_count(const struct oa_jwks *jwks);

/* What a token is for: the claims each must carry differ, and a token of
 * one use is refused as another (OpenID Connect Back-Channel Logout 1.0
 * section 4.1: a logout token must never pass as an id_token). */
enum oa_jwt_use {
    OA_JWT_ID_TOKEN = 0, /* a sign-in's id_token: nonce = expect->nonce; header typ
                          * logout+jwt refused */
    OA_JWT_REFRESH,      /* a refreshed id_token: nonce ignored (OIDC Core 12.2),
                          * sub = expect->sub */
    OA_JWT_LOGOUT,       /* a back-channel logout token: events member, no nonce,
                          * sub and/or sid, jti, iat at most OA_JWT_LOGOUT_AGE old,
                          * typ absent, JWT or logout+jwt */
    OA_JWT_ACCESS        /* an API's bearer token (RFC 9068, bearer.h): aud holds one
                          * of expect->audiences (no azp check), exp and sub required,
                          * iat optional, typ logout+jwt refused; EdDSA (Ed25519)
                          * allowed besides RS256 and ES256 */
};

/* The back-channel logout event (Back-Channel Logout 1.0 section 2.4). */
#define OA_JWT_LOGOUT_EVENT "http://schemas.openid.net/event/backchannel-logout"
/* How old (iat) a logout token may be, before the skew: the OP sends it at
 * once; an old one is a replay the jti table may have forgotten. */
#define OA_JWT_LOGOUT_AGE 300
/* The claims' strings we keep (OpenID Connect Core 2: sub at most 255). */
#define OA_JWT_CLAIM_MAX 255

/* What the claims must say. Initialisers that stop after skew get
 * use = OA_JWT_ID_TOKEN. */
struct oa_jwt_expect {
    const char *const *issuers; /* iss must equal one of these exactly */
    size_t nissuers;
    const char *client_id; /* aud must contain it; azp if present equals it */
    const char *nonce;     /* OA_JWT_ID_TOKEN: required, the token's nonce must equal it */
    int64_t now;           /* seconds since the epoch */
    int64_t skew;          /* seconds; 0 means OA_JWT_SKEW */
    enum oa_jwt_use use;
    const char *sub; /* OA_JWT_REFRESH: required, the token's sub must equal it */
    /* OA_JWT_ACCESS: aud must hold one of these (client_id is not used) */
    const char *const *audiences;
    size_t naudiences;
    /* microsoft-entra: an issuer may be the {tenantid} template, matched
     * with the token's own tid (entra.h) */
    bool tid_template;
};

/* Verifies a compact JWS token (len bytes; an id_token, or a logout token
 * by expect->use) against jwks and expect.
 * On success *claims is new (json_decref) and holds the payload object.
 * Errors (err's message names the check, never the token):
 *   OA_ERR_NOT_FOUND  no key in jwks has the token's kid (refetch the JWKS
 *                     once and try again);
 *   OA_ERR_EXPIRED    exp passed (with skew);
 *   OA_ERR_TOO_LARGE  over OA_JWT_MAX;
 *   OA_ERR_PROVIDER   any other refusal: malformed, alg not allowed, typ of
 *                     another use, bad signature, iss/aud/azp/nonce/sub/iat
 *                     wrong, absurd times; a logout token's events, sub/sid,
 *                     jti, age. */
enum oa_err oa_jwt_verify(json_t **claims, const char *token, size_t len,
                          const struct oa_jwks *jwks, const struct oa_jwt_expect *expect,
                          struct oa_error *err) OA_WUR;

/* Makes Apple's client secret: an ES256 JWT with header {alg, kid} and
 * claims iss=team_id, iat=now, exp=now+lifetime, aud=https://appleid.apple.com,
 * sub=client_id, signed with the EC P-256 private key in pem (PEM text of
 * the .p8 file, PKCS#8). lifetime must be 1..180 days (15777000 s at most).
 * On success *out is new (free). OA_ERR_CONFIG when the key is not an
 * EC P-256 private key or an argument is out of range. */
enum oa_err oa_jwt_apple_secret(char **out, const char *pem, size_t pem_len, const char *key_id,
                                const char *team_id, const char *client_id, int64_t now,
                                int64_t lifetime, struct oa_error *err) OA_WUR;

#endif
