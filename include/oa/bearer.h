/*
 * bearer.h - API clients passing with `Authorization: Bearer <JWT>`
 * (DESIGN.md section 16.1, oauth2-fcgi.yml(5) api_audiences and scopes).
 *
 * Three parts, by layer:
 *   src/gate/bearer.c        the header's token, the decision's identity from
 *                            the cache or the verifier, the Bearer challenge;
 *   src/gate/bearer_cache.c  the bounded cache: keyed BLAKE2b of the token ->
 *                            its verified identity, until min(exp, TTL);
 *                            lock-free, allocation-free reads (a seqlock per slot);
 *   src/flow/bearer_keys.c   each issuer's JWKS as the background refresh
 *                            (fcgi/jwks_refresh.c) publishes it: an atomic
 *                            pointer, the replaced set freed after a grace time;
 *   src/flow/bearer_verify.c the verifier (a cache miss): the provider by the
 *                            token's iss, oa_jwt_verify(OA_JWT_ACCESS) with the
 *                            published keys, the identity from the claims
 *                            (groups_claim, oa_identity_map), the scopes.
 * The gate cannot call the flows (tests/layers.sh), so the verifier is a
 * hook the flows set (oa_runtime_init). Nothing here waits on the network:
 * an unknown kid is refused and asks the refresh for the keys.
 */
#ifndef OA_BEARER_H
#define OA_BEARER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/response.h"
#include "oa/session.h"

#define OA_BEARER_TOKEN_MAX (16 * 1024) /* longer tokens are refused unread */
#define OA_BEARER_ENTRY_BYTES 6144      /* an identity's strings, as a session's */
#define OA_BEARER_CACHE_SLOTS 1024      /* entries the cache holds (direct-mapped) */
#define OA_BEARER_CACHE_TTL 300         /* seconds a verified token is trusted unverified */
#define OA_BEARER_REFETCH_MIN 10        /* an unknown kid refetches at most this often */
#define OA_BEARER_KEYS_TTL_MIN 60       /* Cache-Control max-age is held to ...        */
#define OA_BEARER_KEYS_TTL_MAX 86400    /* ... these bounds; without one: 3600 s      */
#define OA_BEARER_KEYS_TTL_DEFAULT 3600
#define OA_BEARER_ISSUERS_MAX 32 /* issuers whose keys are kept */

/* The strings of a verified token's identity, in an entry's data. */
enum oa_bearer_field {
    OA_BF_PROVIDER = 0,
    OA_BF_ISSUER,
    OA_BF_SUBJECT,
    OA_BF_USERNAME,
    OA_BF_EMAIL,
    OA_BF_NAME,
    OA_BF_GROUPS,
    OA_BF_WORKSPACES,
    OA_BF_ROLES,
    OA_BF_SCOPES, /* space-separated */
    OA_BF_N
};

/* A verified token: what the decision needs, flat (copied whole in and out
 * of the cache, no pointer inside). */
struct oa_bearer_entry {
    int64_t exp;   /* the token's exp */
    int64_t until; /* trusted (cached) until: min(exp, verified + OA_BEARER_CACHE_TTL) */
    int64_t iat;   /* the token's iat, else when it was verified */
    /* the identity's sid: 16 bytes of the token's keyed hash, so that what is
     * cached per identity (the signed identity token, identity_token.c) is
     * never one token's for another */
    unsigned char sid[16];
    uint32_t len; /* bytes of data in use */
    uint16_t off[OA_BF_N];
    char data[OA_BEARER_ENTRY_BYTES];
};

/* Copies the strings v (NULL: "") into e. OA_ERR_TOO_LARGE when they do
 * not fit (the token is then refused: never cut). */
enum oa_err oa_bearer_entry_set(struct oa_bearer_entry *e, const char *const v[OA_BF_N]) OA_WUR;
/* Points id's strings into e (borrowed); id->scopes is never NULL. */
void oa_bearer_entry_identity(struct oa_identity *id, const struct oa_bearer_entry *e);

/* The token of an Authorization header "Bearer <token>" (RFC 6750 2.1: the
 * scheme in any case, one or more spaces, b64token characters, nothing
 * after). False for another scheme or no header: the request is a
 * session's, as before. A malformed Bearer header gives true with *len 0
 * (then refused as an invalid token). */
bool oa_bearer_token(const char *authorization, const char **token, size_t *len);

/* True when some provider of cfg takes bearer tokens (api_audiences):
 * otherwise an Authorization header is not ours and the request is a
 * session's, as before. */
bool oa_bearer_enabled(const struct oa_config *cfg);

/* The verifier of a cache miss (src/flow/bearer_verify.c): fills *out, or
 * fails with err's message naming the check (never the token). Set once
 * before threads start. */
typedef enum oa_err (*oa_bearer_verify_fn)(struct oa_bearer_entry *out, const struct oa_config *cfg,
                                           const char *token, size_t len, int64_t now,
                                           struct oa_error *err);
void oa_bearer_set_verifier(oa_bearer_verify_fn fn);

/* The decision's identity for a token: from the cache (no allocation, no
 * lock) or the verifier (then cached). id points into a per-thread entry,
 * valid until the thread's next call. OA_OK, or an error with err's
 * message (the token is not valid: 401). */
enum oa_err oa_bearer_identify(struct oa_identity *id, const struct oa_config *cfg,
                               const char *token, size_t len, int64_t now,
                               struct oa_error *err) OA_WUR;

/* Adds the RFC 6750 challenge to r: status 401 "invalid_token", 403
 * "insufficient_scope" with scope="<the rule's scopes>" when rule has some. */
void oa_bearer_challenge(struct oa_response *r, int status, const struct oa_access_rule *rule);

/* The cache (src/gate/bearer_cache.c). key is the keyed hash of a token
 * and of the serial of the config it is verified under (config.h): an
 * entry verified under one config never answers a request under another,
 * whatever the order of a reload's swap and the requests in flight. */
#define OA_BEARER_KEY_BYTES 32
void oa_bearer_cache_key(unsigned char key[OA_BEARER_KEY_BYTES], const char *token, size_t len,
                         uint64_t cfg_serial);
/* Copies the entry of key into *out when it is there and until > now. */
bool oa_bearer_cache_get(struct oa_bearer_entry *out, const unsigned char key[OA_BEARER_KEY_BYTES],
                         int64_t now);
/* Stores e under key (skipped when another writer holds the cache). */
void oa_bearer_cache_put(const unsigned char key[OA_BEARER_KEY_BYTES],
                         const struct oa_bearer_entry *e);
/* Forgets every entry (a new config: its maps and audiences may differ). */
void oa_bearer_cache_clear(void);
/* Frees the cache (end of the process, tests): no reader may be running. */
void oa_bearer_cache_free(void);

/* The keys (src/flow/bearer_keys.c). */
struct oa_jwks;
struct oa_runtime;
/* Makes jwks (taken, NULL: forget) the keys of issuer, and introspect (a
 * copy is kept; NULL: none) its RFC 7662 endpoint; the set it replaces is
 * freed after a grace time. OA_ERR_NOMEM/OA_ERR_TOO_LARGE (too many
 * issuers): jwks is freed. */
enum oa_err oa_bearer_keys_publish(const char *issuer, struct oa_jwks *jwks, const char *introspect,
                                   int64_t now) OA_WUR;
/* The introspection endpoint published with issuer's keys (borrowed, as
 * the keys), or NULL. */
const char *oa_bearer_keys_introspection(const char *issuer);
/* The keys of issuer (borrowed: valid for the grace time), or NULL.
 * Lock-free. */
const struct oa_jwks *oa_bearer_keys_get(const char *issuer);
/* A token named a kid the keys do not have: asks the refresh to fetch
 * them (it refetches at most every OA_BEARER_REFETCH_MIN s). */
void oa_bearer_keys_want(const char *issuer);
/* Whether a refetch was asked since the last call (and clears it). */
bool oa_bearer_keys_wanted(const char *issuer);
/* Fetches p's JWKS now (jwks_uri, or discovery) and publishes it.
 * *ttl gets the seconds until the next fetch (max-age within the bounds).
 * Blocks up to http.timeout: the refresh thread's, never a request's. */
enum oa_err oa_bearer_keys_fetch(struct oa_runtime *rt, const struct oa_config *cfg,
                                 const struct oa_provider *p, int64_t now, int64_t *ttl,
                                 struct oa_error *err) OA_WUR;
/* Frees every key set (tests, end of the process). */
void oa_bearer_keys_clear(void);
/* The max-age of a Cache-Control value within the bounds, or the default. */
int64_t oa_bearer_keys_ttl(const char *cache_control);

/* The entry of a verified token's claims (or an introspection answer's)
 * for provider p: identity, maps, scopes, exp; until = min(exp, now + TTL). */
enum oa_err oa_bearer_entry_from_claims(struct oa_bearer_entry *out, const struct oa_config *cfg,
                                        const struct oa_provider *p, json_t *claims, int64_t now,
                                        struct oa_error *err) OA_WUR;

/* Opaque tokens (src/flow/bearer_introspect.c, RFC 7662): asked of each
 * provider with introspection: true at the endpoint its keys' refresh
 * published, POST with its client credentials, bounded by http.timeout.
 * The one network call a decision can make (a cache miss of an opaque
 * token only). active, aud in api_audiences, iss and times checked. */
enum oa_err oa_bearer_introspect(struct oa_bearer_entry *out, const struct oa_config *cfg,
                                 const char *token, size_t len, int64_t now,
                                 struct oa_error *err) OA_WUR;
/* At most this many introspection calls wait at once in a process; over
 * it oa_bearer_introspect answers OA_ERR_BUSY at once (a 401: a flood of
 * made-up opaque tokens must not hold every authorizer thread). */
#define OA_BEARER_INTROSPECT_INFLIGHT 4
/* Tests: counts n more (or fewer) calls as in flight. */
void oa_bearer_introspect_inflight_add(int n);
/* The transport introspection uses (oa_runtime_init sets its own). */
struct oa_http_ops;
void oa_bearer_set_http(const struct oa_http_ops *ops);

/* The verifier (src/flow/bearer_verify.c), an oa_bearer_verify_fn. */
enum oa_err oa_bearer_verify(struct oa_bearer_entry *out, const struct oa_config *cfg,
                             const char *token, size_t len, int64_t now,
                             struct oa_error *err) OA_WUR;

#endif
