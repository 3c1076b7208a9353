/*
 * identity_token.h - the signed identity for the application (DESIGN.md
 * section 16.2): on every allow with a session the authorizer adds a
 * short-lived JWT (Variable-OAUTH2_JWT; X-Auth-Request-Jwt for nginx)
 * that the application verifies against <base_path>/jwks instead of
 * trusting headers. src/gate/identity_token.c.
 *
 * Header {alg (EdDSA or ES256), kid, typ JWT}; claims iss (public_url),
 * aud (identity_token.audience, else the request's host name, lower-case,
 * without the port), sub,
 * email, name, preferred_username, groups (array), roles and workspaces
 * (arrays, when non-empty), provider, jti (random), iat, exp (iat + lifetime, never past
 * the session's exp).
 *
 * The decision stays in microseconds: each thread keeps the tokens it made
 * last, keyed by the session (sid, iat, user key), the audience and the
 * signing key, until 30 s before their exp. A hit takes no lock and
 * allocates nothing; a miss signs (Ed25519: tens of microseconds).
 */
#ifndef OA_IDENTITY_TOKEN_H
#define OA_IDENTITY_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/session.h"

/* Bytes of a token we make; an identity whose token would be longer gets
 * none (the variable stays unset). */
#define OA_IDTOKEN_MAX 11264
/* Tokens each thread keeps. */
#define OA_IDTOKEN_CACHE 4
/* A cached token is handed out until this long before its exp (at most
 * half its lifetime): the application never gets one about to expire. */
#define OA_IDTOKEN_MARGIN 30

/* The token for id (an opened session) at the request's host, at now.
 * NULL when identity_token is off, id has no session (a public rule let
 * nobody pass), or the token cannot be made. Points into this thread's
 * cache: valid until the thread's next call. */
const char *oa_identity_token(const struct oa_config *cfg, const struct oa_identity *id,
                              const char *host, int64_t now);

/* Makes a token (no cache) into out (cap bytes, NUL-terminated) for the
 * audience aud; *exp gets its exp. OA_ERR_TOO_LARGE when it does not fit,
 * OA_ERR_CRYPTO when signing failed, OA_ERR_CONFIG when off. */
enum oa_err oa_identity_token_make(char *out, size_t cap, const struct oa_config *cfg,
                                   const struct oa_identity *id, const char *aud, int64_t now,
                                   int64_t *exp) OA_WUR;

/* Empties this thread's cache (tests; the bench's uncached mode). */
void oa_identity_token_forget(void);

#endif
