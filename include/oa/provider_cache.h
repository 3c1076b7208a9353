/*
 * provider_cache.h - what the core knows about a provider at run time: its
 * endpoints (from the config, else from OpenID discovery), its signing keys
 * (JWKS) and Apple's generated client secret. src/flow/provider_cache.c.
 * Everything is cached per provider in a struct oa_provider_cache of the
 * run-time state (runtime.h: the edge owns it, the config stays const),
 * thread-safe, with a TTL and a back-off after failures (DESIGN.md section
 * 6). The id_token check that uses the keys is id_token.h.
 *
 * Explicit endpoints in the config always win over the discovery document;
 * the document is only fetched when the provider has an issuer and some
 * endpoint (authorize, token or jwks) is missing from the config.
 */
#ifndef OA_PROVIDER_CACHE_H
#define OA_PROVIDER_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/http.h"
#include "oa/runtime.h"

#define OA_DISCOVERY_TTL 3600       /* seconds a good document or JWKS is used */
#define OA_DISCOVERY_BACKOFF_MIN 2  /* seconds after a first failure ... */
#define OA_DISCOVERY_BACKOFF_MAX 30 /* ... doubling up to this (30 s) */
#define OA_JWKS_REFETCH_MIN 60      /* an unknown kid refetches the JWKS at most this often */

/* The provider's URLs (its OAuth endpoints; ours are endpoints.h): a
 * private copy, safe to use after the cache moves on. Every string is new
 * (NULL when unknown); free with oa_provider_urls_free. */
struct oa_provider_urls {
    char *issuer; /* configured issuer (checked against the document) */
    char *authorization_endpoint;
    char *token_endpoint;
    char *userinfo_endpoint;
    char *end_session_endpoint;
    char *jwks_uri;
    char *introspection_endpoint; /* RFC 7662 (bearer tokens' introspection), or NULL */
    bool iss_parameter_supported; /* RFC 9207: a missing iss on the callback is refused */
    bool auth_basic;              /* token_endpoint_auth_methods_supported has client_secret_basic
                                     (also true when the list is absent: the spec default) */
    bool auth_post;               /* ... has client_secret_post */
    bool discovered;              /* some value came from the discovery document */
};

/* An empty cache (runtime.c makes one per provider). NULL: no memory. */
struct oa_provider_cache *oa_provider_cache_new(void);
void oa_provider_cache_free(struct oa_provider_cache *c);

/* p's URLs: the config's, completed from the (cached) discovery
 * document when needed. On success *out is filled (free with
 * oa_provider_urls_free). OA_ERR_PROVIDER when the document cannot be fetched
 * or is wrong (issuer mismatch, malformed), with a message naming the
 * provider; during back-off the last error is returned without a fetch,
 * and a stale document is used if there is one. */
enum oa_err oa_provider_urls_get(struct oa_provider_urls *out, struct oa_runtime *rt,
                                 const struct oa_config *cfg, const struct oa_provider *p,
                                 struct oa_error *err) OA_WUR;
void oa_provider_urls_free(struct oa_provider_urls *e);
/* True when oa_provider_urls_get may fetch the discovery document (or wait for
 * another thread's fetch): p has an issuer and misses some endpoint. */
bool oa_provider_urls_may_fetch(const struct oa_provider *p);

/* p's keys from the JWKS at uri, fetched when due; force (an unknown kid)
 * refetches at most every OA_JWKS_REFETCH_MIN s. *out is a new reference
 * (oa_jwks_release), shared with the cache so that a refresh never frees
 * keys in use; *fetched says whether this call fetched them. OA_ERR_PROVIDER
 * (the last fetch's message) when there are no keys. */
struct oa_jwks_ref;
enum oa_err oa_provider_jwks(struct oa_jwks_ref **out, bool *fetched, struct oa_runtime *rt,
                             const struct oa_config *cfg, const struct oa_provider *p,
                             const char *uri, bool force, struct oa_error *err) OA_WUR;
/* The keys of r, borrowed from r. */
const struct oa_jwks *oa_jwks_ref_keys(const struct oa_jwks_ref *r);
/* Gives r back (NULL is fine). */
void oa_jwks_release(struct oa_jwks_ref *r);

/* apple-id: the client secret to send. p->client_secret when given, else an
 * ES256 JWT made from team_id, key_id and private_key_file, cached and
 * renewed a day before it expires (lifetime OA_APPLE_SECRET_LIFETIME).
 * *out is new (free with free after oa_wipe). OA_ERR_CONFIG/OA_ERR_IO when
 * the key cannot be read. */
#define OA_APPLE_SECRET_LIFETIME (180 * 86400)
enum oa_err oa_apple_client_secret(char **out, struct oa_runtime *rt, const struct oa_config *cfg,
                                   const struct oa_provider *p, struct oa_error *err) OA_WUR;

/* The caches' clock: seconds since the epoch (time(), or the test's). */
int64_t oa_provider_cache_now(void);
/* Tests only: replaces the clock (seconds since the epoch); NULL restores
 * time(). */
void oa_provider_cache_set_clock(int64_t (*now)(void));

#endif
