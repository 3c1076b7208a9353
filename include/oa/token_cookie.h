/*
 * token_cookie.h - the provider-token cookie (DESIGN.md section 14.4): the
 * refresh token (and, for GitHub, the access token) that /refresh uses to
 * check a session again with its provider without a browser round trip.
 * src/flow/token_cookie.c.
 *
 * Sealed with its own purpose ("tokens"), so neither it nor the session
 * cookie opens as the other. Path=<base_path>/ so the application behind
 * the authorizer never receives it; HttpOnly; Secure when the session
 * cookie is. Bound to the session's id, provider and subject: a cookie
 * planted by a sibling host (a __Secure- cookie can be set for the whole
 * domain) never lends its tokens to another session.
 */
#ifndef OA_TOKEN_COOKIE_H
#define OA_TOKEN_COOKIE_H

#include <stddef.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/session.h"

/* A sealed value over this is not stored (browsers drop cookies over 4 KiB). */
#define OA_TOKEN_COOKIE_MAX 3800
#define OA_TOKEN_COOKIE_NAME_MAX 160

/* An opened token cookie. Strings new (oa_token_cookie_free wipes them);
 * NULL when absent. */
struct oa_token_cookie {
    char *refresh_token;
    char *access_token;
};

/* The cookie's name: __Secure-<cookie_name>_tok when Secure, else
 * <cookie_name>_tok. OA_ERR_TOO_LARGE when it does not fit. */
enum oa_err oa_token_cookie_name(char *out, size_t cap, const struct oa_config *cfg) OA_WUR;

/* Adds the Set-Cookie for the tokens of the session id (its sid, provider
 * and subject are sealed with them); Max-Age session.lifetime.
 * OA_ERR_TOO_LARGE when the sealed value is over OA_TOKEN_COOKIE_MAX
 * (nothing added: the caller warns and falls back); OA_ERR_DENIED when
 * base_path is "" (its Path would be /, the application's too: not
 * stored either); OA_ERR_BAD_INPUT when neither token is given. */
enum oa_err oa_token_cookie_set(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_identity *id, const char *refresh_token,
                                const char *access_token) OA_WUR;

/* Reads the cookie from the Cookie header for the session id.
 * OA_ERR_NOT_FOUND: none; OA_ERR_CRYPTO: does not open or is malformed;
 * OA_ERR_DENIED: made for another session (sid, provider or subject
 * differ). On success tc is filled (oa_token_cookie_free). */
enum oa_err oa_token_cookie_read(struct oa_token_cookie *tc, const struct oa_config *cfg,
                                 const char *cookie_header, const struct oa_identity *id) OA_WUR;
void oa_token_cookie_free(struct oa_token_cookie *tc);

/* Adds the Set-Cookie that deletes it (logout, a refused refresh). */
enum oa_err oa_token_cookie_clear(struct oa_response *r, const struct oa_config *cfg) OA_WUR;

/* True when the Cookie header carries one (whatever it holds). */
bool oa_token_cookie_present(const struct oa_config *cfg, const char *cookie_header);

#endif
