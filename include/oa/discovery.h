/*
 * discovery.h - what the core knows about a provider at run time: its
 * endpoints (from the config, else from OpenID discovery), its signing keys
 * (JWKS), the id_token check that uses them, and Apple's generated client
 * secret. Everything is cached per provider (struct oa_provider_cache hangs
 * off struct oa_provider), thread-safe, with a TTL and a back-off after
 * failures (DESIGN.md section 6).
 *
 * Explicit endpoints in the config always win over the discovery document;
 * the document is only fetched when the provider has an issuer and some
 * endpoint (authorize, token or jwks) is missing from the config.
 */
#ifndef OA_DISCOVERY_H
#define OA_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/http.h"

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
    bool iss_parameter_supported; /* RFC 9207: a missing iss on the callback is refused */
    bool auth_basic;              /* token_endpoint_auth_methods_supported has client_secret_basic
                                     (also true when the list is absent: the spec default) */
    bool auth_post;               /* ... has client_secret_post */
    bool discovered;              /* some value came from the discovery document */
};

/* Allocates the cache of every provider of cfg (p->cache). Call once at
 * start-up after oa_config_load; the functions below also do it lazily.
 * OA_ERR_NOMEM on failure. */
enum oa_err oa_discovery_init(struct oa_config *cfg) OA_WUR;
/* Frees the caches of cfg's providers and sets p->cache to NULL; safe to
 * call twice. oa_config_free calls oa_provider_cache_free for each. */
void oa_discovery_cleanup(struct oa_config *cfg);
void oa_provider_cache_free(struct oa_provider_cache *c);

/* p's URLs: the config's, completed from the (cached) discovery
 * document when needed. On success *out is filled (free with
 * oa_provider_urls_free). OA_ERR_PROVIDER when the document cannot be fetched
 * or is wrong (issuer mismatch, malformed), with a message naming the
 * provider; during back-off the last error is returned without a fetch,
 * and a stale document is used if there is one. */
enum oa_err oa_provider_urls_get(struct oa_provider_urls *out, const struct oa_config *cfg,
                                 const struct oa_provider *p, struct oa_error *err) OA_WUR;
void oa_provider_urls_free(struct oa_provider_urls *e);
/* True when oa_provider_urls_get may fetch the discovery document (or wait for
 * another thread's fetch): p has an issuer and misses some endpoint. */
bool oa_provider_urls_may_fetch(const struct oa_provider *p);

/* Checks an id_token from p: signature against p's JWKS (fetched and
 * cached; an unknown kid refetches once, rate-limited), then the claims as
 * oa_jwt_verify does with the issuers p may use (its issuer; for
 * google-oauth2 also "accounts.google.com"), client_id and nonce (required).
 * On success *claims is new (json_decref). OA_ERR_PROVIDER/OA_ERR_EXPIRED/
 * OA_ERR_BAD_INPUT on a bad token (message says which check failed, never
 * the token). */
enum oa_err oa_id_token_check(json_t **claims, const struct oa_config *cfg,
                              const struct oa_provider *p, const struct oa_provider_urls *ep,
                              const char *id_token, const char *nonce, struct oa_error *err) OA_WUR;

/* apple-id: the client secret to send. p->client_secret when given, else an
 * ES256 JWT made from team_id, key_id and private_key_file, cached and
 * renewed a day before it expires (lifetime OA_APPLE_SECRET_LIFETIME).
 * *out is new (free with free after oa_wipe). OA_ERR_CONFIG/OA_ERR_IO when
 * the key cannot be read. */
#define OA_APPLE_SECRET_LIFETIME (180 * 86400)
enum oa_err oa_apple_client_secret(char **out, const struct oa_config *cfg,
                                   const struct oa_provider *p, struct oa_error *err) OA_WUR;

/* Tests only: replaces the clock (seconds since the epoch); NULL restores
 * time(). */
void oa_discovery_set_clock(int64_t (*now)(void));

#endif
