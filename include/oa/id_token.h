/*
 * id_token.h - checking a provider's id_token with its cached keys.
 * src/flow/id_token.c.
 */
#ifndef OA_ID_TOKEN_H
#define OA_ID_TOKEN_H

#include <jansson.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/jwt.h"
#include "oa/provider_cache.h"
#include "oa/runtime.h"

/* Checks an id_token from p: signature against p's JWKS (fetched and
 * cached in rt; an unknown kid refetches once, rate-limited), then the
 * claims as oa_jwt_verify does with the issuers p may use (its issuer; for
 * google-oauth2 also "accounts.google.com"), client_id and nonce (required).
 * On success *claims is new (json_decref). OA_ERR_PROVIDER/OA_ERR_EXPIRED/
 * OA_ERR_BAD_INPUT on a bad token (message says which check failed, never
 * the token). */
enum oa_err oa_id_token_check(json_t **claims, struct oa_runtime *rt, const struct oa_config *cfg,
                              const struct oa_provider *p, const struct oa_provider_urls *ep,
                              const char *id_token, const char *nonce, struct oa_error *err) OA_WUR;
/* The same for a token of any use (jwt.h): nonce_or_sub is the nonce
 * (OA_JWT_ID_TOKEN), the session's subject (OA_JWT_REFRESH), or unused
 * (OA_JWT_LOGOUT). The checks, the keys and the one refetch are shared. */
enum oa_err oa_token_check(json_t **claims, struct oa_runtime *rt, const struct oa_config *cfg,
                           const struct oa_provider *p, const struct oa_provider_urls *ep,
                           const char *token, enum oa_jwt_use use, const char *nonce_or_sub,
                           struct oa_error *err) OA_WUR;

#endif
