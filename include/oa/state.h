/*
 * state.h - the login state entry (DESIGN.md section 5): one sealed cookie
 * per login attempt, bound to the provider, the `state` parameter, the PKCE
 * verifier, the nonce and the return target; ten minutes; single use; at
 * most OA_STATE_MAX outstanding per browser.
 */
#ifndef OA_STATE_H
#define OA_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"

#define OA_STATE_TTL 600         /* seconds */
#define OA_STATE_MAX 4           /* outstanding entries per browser */
#define OA_STATE_RANDOM_BYTES 32 /* state, verifier, nonce: 256 bits each */
#define OA_STATE_TEXT_MAX 64     /* longest state/verifier/nonce text accepted */
#define OA_STATE_NAME_CHARS 8    /* chars of the state in the cookie name */
/* Deletions of stale state cookies one login answer carries at most: its
 * header slots are few (OA_RESPONSE_MAX_HEADERS), so a browser with more
 * loses a few more at each login instead of failing it. */
#define OA_STATE_PRUNE_MAX 8
#define OA_STATE_RD_MAX 1536 /* a longer return target is replaced by "/" */
#define OA_STATE_COOKIE_NAME_MAX 128

struct oa_state {
    char provider[128];
    char state[OA_STATE_TEXT_MAX + 1];
    char verifier[OA_STATE_TEXT_MAX + 1];
    char nonce[OA_STATE_TEXT_MAX + 1];
    char *rd; /* new; oa_state_free */
    int64_t created;
    /* A refresh's (prompt=none, DESIGN.md section 14.4): the callback
     * re-seals the session sid instead of signing in anew. */
    bool refresh;
    unsigned char sid[16];
};

/* Fills st with fresh random state, verifier and nonce, provider and a copy
 * of rd (a validated target; "/" when longer than OA_STATE_RD_MAX).
 * OA_ERR_NOMEM; OA_ERR_TOO_LARGE for an over-long provider name. */
enum oa_err oa_state_new(struct oa_state *st, const char *provider, const char *rd,
                         int64_t now) OA_WUR;
/* Wipes st and frees rd. */
void oa_state_free(struct oa_state *st);

/* True when s is an acceptable `state` parameter: 22..OA_STATE_TEXT_MAX
 * base64url characters. */
bool oa_state_param_ok(const char *s);

/* The cookie name for a state value: <cookie_name>_state_<first 8 chars>,
 * with __Host- in front (and Path=/) when the session cookie has it, so no
 * sibling subdomain can set one (login CSRF). OA_ERR_BAD_INPUT when
 * state is not oa_state_param_ok. */
enum oa_err oa_state_cookie_name(char *out, size_t cap, const struct oa_config *cfg,
                                 const char *state) OA_WUR;

/* Login: adds the Set-Cookie for st and deletions of the oldest state
 * cookies the request carries beyond OA_STATE_MAX - 1 (unopenable ones
 * first), at most OA_STATE_PRUNE_MAX of them; names we could not have set
 * are left alone. Fails only when st cannot be sealed or set. */
enum oa_err oa_state_save(struct oa_response *r, const struct oa_config *cfg,
                          const struct oa_request *req, const struct oa_provider *p,
                          const struct oa_state *st) OA_WUR;

/* Callback: finds the cookie named after the `state` parameter, opens it,
 * compares the whole state in constant time, checks its age and provider.
 * OA_ERR_NOT_FOUND: no cookie (missing, used, or dropped); OA_ERR_CRYPTO:
 * does not open or state differs; OA_ERR_EXPIRED: too old; OA_ERR_DENIED:
 * made for another provider. On success st is filled (oa_state_free). */
enum oa_err oa_state_load(struct oa_state *st, const struct oa_config *cfg,
                          const struct oa_request *req, const struct oa_provider *p,
                          const char *state_param) OA_WUR;

/* Logout: deletes the state cookies the request carries (the names
 * oa_state_cookie_name makes, at most OA_STATE_PRUNE_MAX). Best effort:
 * fails only when out of memory. */
enum oa_err oa_state_delete_all(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req) OA_WUR;

/* Adds the Set-Cookie that deletes the cookie of state_param (single use).
 * Nothing when state_param is not acceptable. */
enum oa_err oa_state_delete(struct oa_response *r, const struct oa_config *cfg,
                            const struct oa_provider *p, const char *state_param) OA_WUR;

#endif
