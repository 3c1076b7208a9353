/*
 * flow.h - what the flow files (login.c, callback.c, token.c,
 * identity_draft.c, provider_*.c, logout.c) share. Not used outside the flows:
 * the router only sees signin.h.
 */
#ifndef OA_FLOW_H
#define OA_FLOW_H

#include <stdbool.h>

#include <jansson.h>

#include "oa/buf.h"
#include "oa/config.h"
#include "oa/err.h"
#include "oa/http.h"
#include "oa/metrics.h"
#include "oa/provider_cache.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/runtime.h"

/* One login or callback in progress. Everything is borrowed but ep. */
struct oa_flow {
    const struct oa_config *cfg;
    struct oa_runtime *rt; /* borrowed: the provider caches, the transport (runtime.h) */
    const struct oa_request *req;
    const struct oa_provider *p;
    struct oa_response *r;
    const struct oa_http_ops *http;
    struct oa_http_opts opts;
    struct oa_provider_urls ep; /* owned; oa_flow_done frees it */
    int status;                 /* error page status once something failed, else 0 */
    const char *reason;         /* what the error page says (borrowed, static or in rbuf) */
    char rbuf[512];             /* room for a reason made at run time */
    bool slot;                  /* holds a provider-call slot (inflight.h) */
    const char *rd;             /* where the sign-in was going, once known (borrowed) */
    /* The step in progress, and the step of the first failure: the cause
     * the metrics count (oa_flow_fail copies phase into cause). */
    enum oa_metrics_cause phase, cause;
    /* Refresh (refresh.c): the failure was the network's or the provider's
     * 5xx/429, not a refusal, so the session is deferred, not ended. */
    bool transient;
    /* The callback's token answer while the session is made (the token
     * cookie, token_cookie.h); borrowed, NULL elsewhere. */
    const struct oa_tokens *tokens;
    bool token_cookie_dropped; /* the token cookie was not stored (too large, base_path "") */
};

/* The identity while it is built: every string new or NULL; groups is a
 * comma-separated list. */
struct oa_identity_draft {
    char *issuer, *subject, *username, *email, *name;
    struct oa_buf groups;
    char *provider_sid; /* the id_token's sid claim (the provider's session), or NULL */
};

/* What the token endpoint gave. Strings new, wiped by oa_tokens_free. */
struct oa_tokens {
    char *access_token;
    char *id_token;
    char *refresh_token; /* NULL when the provider gave none */
};

/* flow.c ------------------------------------------------------------- */

/* Sets up f (no network). */
void oa_flow_start(struct oa_flow *f, struct oa_response *r, const struct oa_config *cfg,
                   struct oa_runtime *rt, const struct oa_request *req,
                   const struct oa_provider *p);
/* Frees what f owns and gives back its slot. */
void oa_flow_done(struct oa_flow *f);
/* Takes a provider-call slot (inflight.h) for the rest of the flow, once;
 * call it before anything that may wait on a provider (a request, or the
 * provider cache's lock). Over the cap: OA_ERR_BUSY, the 503 "too many
 * sign-ins" page with Retry-After (oa_flow_page), at once. */
enum oa_err oa_flow_slot(struct oa_flow *f) OA_WUR;
/* Fetches f->ep (config, else discovery). On failure: 502, log line. */
enum oa_err oa_flow_provider_urls(struct oa_flow *f) OA_WUR;
/* Records a failure: the page's status and reason (static or f->rbuf),
 * and the response's one log line (never a secret). Returns code. */
enum oa_err oa_flow_fail(struct oa_flow *f, enum oa_err code, int status, const char *reason,
                         const char *fmt, ...) OA_PRINTF(5, 6);
/* f's provider's index in the config (the metrics' provider label). */
size_t oa_flow_provider_index(const struct oa_flow *f);
/* Sends hr through f's table like f->http->send, timing it into the
 * provider-call histogram as kind. */
enum oa_err oa_flow_send(struct oa_flow *f, enum oa_metrics_call kind,
                         const struct oa_http_request *hr, struct oa_http_response *resp,
                         struct oa_error *err) OA_WUR;
/* Turns a recorded failure into the error page (replacing r's headers),
 * with a "Start again" link to the sign-in page (keeping f->rd). */
void oa_flow_page(struct oa_flow *f);
/* "https://host" of the request (https when HTTPS=on/1 or REQUEST_SCHEME
 * is https), or NULL when Host is missing or not a plain host[:port].
 * New string. */
char *oa_flow_origin(const struct oa_request *req);
/* The redirect_uri for f's provider. New string or NULL (NOMEM / no host). */
char *oa_flow_redirect_uri(const struct oa_flow *f);
/* The log's name for a URL: scheme://host/path, never the query.
 * Writes into out (always NUL-terminated). */
void oa_flow_url_for_log(char *out, size_t cap, const char *url);
/* True for the kinds that speak OpenID Connect (id_token, nonce). */
bool oa_flow_is_oidc(const struct oa_provider *p);

/* token.c ------------------------------------------------------------ */

/* The token request (authorization_code + PKCE verifier), client
 * authentication as the provider needs. On failure: 502, log line. */
enum oa_err oa_flow_token(struct oa_flow *f, struct oa_tokens *t, const char *code,
                          const char *verifier, const char *redirect_uri) OA_WUR;
void oa_tokens_free(struct oa_tokens *t);
/* The refresh request (RFC 6749 section 6: grant_type=refresh_token),
 * client authentication as for the code. The id_token is optional in the
 * answer. A refusal (HTTP 400/401, invalid_grant...) fails with
 * OA_ERR_DENIED; the network, 5xx and 429 set f->transient. */
enum oa_err oa_flow_refresh_token(struct oa_flow *f, struct oa_tokens *t,
                                  const char *refresh_token) OA_WUR;
/* GET url with the bearer token; the answer must be 2xx JSON (object, or
 * array when want_array). what names it in the log. *out new; *link new or
 * NULL when link is not NULL. On failure: 502, log line. */
enum oa_err oa_flow_get_json(struct oa_flow *f, json_t **out, char **link, const char *url,
                             const char *bearer, bool want_array, const char *what) OA_WUR;

/* identity_draft.c --------------------------------------------------------- */

/* Replaces *slot with a copy of v (NULL or "" leave it NULL). */
enum oa_err oa_identity_draft_set(char **slot, const char *v) OA_WUR;
/* Can a group name (len bytes) go into a comma-separated list as it is:
 * not empty, no comma, no control byte (NUL included), no space first or
 * last? A name that cannot is left out, never altered: leaving a group out
 * only ever takes access away. Used by every reader of groups. */
bool oa_identity_group_ok(const char *g, size_t len);
/* Appends one group (skipped unless oa_identity_group_ok). */
enum oa_err oa_identity_draft_group(struct oa_identity_draft *id, const char *g) OA_WUR;
/* Adds the groups of a claim: a string, or an array of strings or of
 * objects with "name" (or "preferred_username"). */
enum oa_err oa_identity_draft_groups_from(struct oa_identity_draft *id, json_t *claim) OA_WUR;
/* True when v is JSON true or the string "true". */
bool oa_claim_true(json_t *v);
void oa_identity_draft_free(struct oa_identity_draft *id);

/* login.c ------------------------------------------------------------ */

/* The 302 to f's provider's authorization endpoint for a new state entry
 * (rd; refresh_sid non-NULL: a refresh's, which the callback finishes in
 * place of a sign-in) with prompt (NULL: none sent). f->ep must be
 * fetched. On failure: the page's status and reason, log line. */
enum oa_err oa_flow_authorize(struct oa_flow *f, const char *rd, const char *prompt,
                              const unsigned char *refresh_sid) OA_WUR;

/* refresh.c ---------------------------------------------------------- */

struct oa_identity;
/* Seals the session again for the re-checked identity ident: the sid and
 * login_at of old kept, new iat/refresh_at/exp; the token cookie replaced
 * when t has a refresh token (or GitHub's access token). Adds the
 * Set-Cookie headers to f->r; the status is the caller's. */
enum oa_err oa_refresh_reissue(struct oa_flow *f, const struct oa_identity *old,
                               const struct oa_identity_draft *ident,
                               const struct oa_tokens *t) OA_WUR;
/* The token cookie after a sign-in or a refresh, for the session id (sid,
 * provider, subject) and the tokens t: set when t has something to keep,
 * else deleted when the request carries one. Too large: not stored, a
 * warning in the log line. */
enum oa_err oa_refresh_token_cookie(struct oa_flow *f, const struct oa_identity *id,
                                    const struct oa_tokens *t) OA_WUR;

/* provider_github.c -------------------------------------------------- */

/* /user, /user/emails, /user/orgs, /user/teams; enforces allowed_orgs and
 * allowed_teams (403). */
enum oa_err oa_github_identity(struct oa_flow *f, struct oa_identity_draft *id,
                               const char *access_token) OA_WUR;

/* provider_oidc.c ---------------------------------------------------- */

/* The claims of t's id_token, checked (oa_id_token_check) for a sign-in
 * with nonce; *claims new (json_decref). On a refusal: the 502 page, the
 * phase for the metrics (nonce, iss, id_token) and the log line are made. */
enum oa_err oa_oidc_sign_in_claims(struct oa_flow *f, json_t **claims, const struct oa_tokens *t,
                                   const char *nonce) OA_WUR;
/* id_token (signature, iss, aud, nonce...), userinfo when configured (same
 * sub), claims per kind; google hosted_domain (403); apple's `user` field
 * (may be NULL) for the name. */
enum oa_err oa_oidc_identity(struct oa_flow *f, struct oa_identity_draft *id,
                             const struct oa_tokens *t, const char *nonce,
                             const char *apple_user) OA_WUR;

/* A refresh's identity (refresh.c): the refreshed id_token when there is
 * one (checked but for the nonce; its sub must be sub), UserInfo with the
 * new access token (same sub), the kind's claims and hosted_domain as at
 * sign-in; issuer is the session's (UserInfo has no iss). */
enum oa_err oa_oidc_refresh_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                     const struct oa_tokens *t, const char *sub,
                                     const char *issuer) OA_WUR;

/* provider_entra.c (DESIGN.md section 15.1) ------------------------- */

/* microsoft-entra: the id_token (iss against the document's issuer or its
 * {tenantid} template), tid against allowed_tenants (403), the claims,
 * the groups (Graph on overage: 502/403 pages, never fewer groups),
 * allowed_groups (403). */
enum oa_err oa_entra_identity(struct oa_flow *f, struct oa_identity_draft *id,
                              const struct oa_tokens *t, const char *nonce) OA_WUR;
/* The same at a refresh: the refreshed id_token is required (sub must be
 * sub), the overage read again with the new access token. */
enum oa_err oa_entra_refresh_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                      const struct oa_tokens *t, const char *sub) OA_WUR;
/* The mapping alone (unit tests): checked claims into id but for an
 * overage's groups. OA_ERR_PROVIDER (no sub, no tid, a bad groups claim),
 * OA_ERR_DENIED (tid not allowed), OA_ERR_TOO_LARGE, with why. */
enum oa_err oa_entra_claims(struct oa_identity_draft *id, json_t *claims,
                            const struct oa_provider *p, char *why, size_t cap) OA_WUR;
/* True when the groups overflowed the token (_claim_names.groups, hasgroups). */
bool oa_entra_overage(json_t *claims);
/* True when tid is a GUID that allowed_tenants takes (none: any). */
bool oa_entra_tenant_allowed(const struct oa_provider *p, const char *tid);
/* True when next (Graph's @odata.nextLink) is under graph_url. */
bool oa_entra_next_ok(const char *graph_url, const char *next);

/* provider_gitlab.c (DESIGN.md section 15.1) ------------------------- */

/* gitlab: groups, groups_direct and the role claims as "path:role" (or
 * groups_claim's paths), appended to out as oa_claims_groups does. */
enum oa_err oa_gitlab_groups(struct oa_buf *out, const struct oa_provider *p, json_t *claims,
                             char *why, size_t cap) OA_WUR;
/* True when p has no allowed_groups or groups (comma-separated) has one. */
bool oa_allowed_groups_ok(const struct oa_provider *p, const char *groups);
/* oa_allowed_groups_ok, else the 403 page. */
enum oa_err oa_allowed_groups_check(struct oa_flow *f, const struct oa_identity_draft *id) OA_WUR;

/* provider_cognito.c ------------------------------------------------ */

/* userInfo with the access token, its claims into id (sub, email when
 * email_verified is "true", username, name, groups). On failure: 502. */
enum oa_err oa_cognito_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                const char *access_token) OA_WUR;
/* The mapping alone (unit tests): Cognito's claims into id; issuer is what
 * the session records; groups from p's groups_claim (none: cognito:groups).
 * OA_ERR_PROVIDER without a sub (why ""); with why (cap bytes) when the
 * groups cannot be read (claims.h). */
enum oa_err oa_cognito_claims(struct oa_identity_draft *id, json_t *claims, const char *issuer,
                              const struct oa_provider *p, char *why, size_t cap) OA_WUR;

#endif
