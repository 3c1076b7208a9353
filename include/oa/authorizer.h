/*
 * authorizer.h - the decision made on every protected request (DESIGN.md
 * section 4), shared by FCGI_ROLE=AUTHORIZER and the /oauth/auth endpoint.
 * No allocation, no I/O.
 */
#ifndef OA_AUTHORIZER_H
#define OA_AUTHORIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/config.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/session.h"

enum oa_decision {
    OA_DECISION_ALLOW = 0, /* valid session, rules allow; or a public rule in every reading */
    OA_DECISION_SIGN_IN,   /* no valid session, a page load: redirect to sign in */
    OA_DECISION_UNAUTH,    /* no valid session, an API/XHR call: 401 */
    OA_DECISION_FORBIDDEN, /* valid session, rules refuse: 403 */
    OA_DECISION_REFRESH    /* valid session past refresh_at, a page load: 302 to
                              <base_path>/refresh (before the rules: a refresh may
                              change the groups); an API call passes until exp */
};

/* Decides for req; *id points into sb when a session was read (else every
 * string of *id is ""). A REQUEST_URI that does not normalise (bad escape,
 * encoded control byte, too long) matches no rule and is no access: without
 * a session the answer is the usual SIGN_IN/UNAUTH (signing in is needed
 * anyway), with one it is FORBIDDEN. */
enum oa_decision oa_authorize(struct oa_identity *id, struct oa_session_buf *sb,
                              const struct oa_config *cfg, const struct oa_request *req);
/* The same, and *rule_slot (may be NULL) gets the metrics' name of the rule
 * that decided (metrics.h): the index of the first rule matching the strict
 * reading of the path, OA_MX_RULE_NONE, or OA_MX_RULE_UNPARSABLE. The caller
 * counts the answer it gives (oa_metrics_decision). */
enum oa_decision oa_authorize_at(struct oa_identity *id, struct oa_session_buf *sb,
                                 const struct oa_config *cfg, const struct oa_request *req,
                                 size_t *rule_slot);

/* Whether the last oa_authorize_at of this thread decided on a bearer
 * token (bearer.h): its answers are then 401/403 with a Bearer challenge,
 * never a redirect. */
bool oa_authorize_was_bearer(void);
/* Adds that challenge to r for d (UNAUTH: invalid_token, logged with the
 * reason; FORBIDDEN: insufficient_scope with the deciding rule's scopes);
 * nothing when the decision was not a bearer token's. */
void oa_authorizer_bearer_answer(struct oa_response *r, const struct oa_config *cfg,
                                 enum oa_decision d);

/* What --explain shows (fcgi/explain.c): each reading of the path the
 * decision checked, in order, with the rules it met. Only filled while a
 * trace is set for the thread (oa_authorize_trace); the decision itself
 * never sets one. */
#define OA_AUTHZ_TRACE_MAX 32
struct oa_authz_step {
    const char *what; /* "REQUEST_URI", "served URI", "served path" */
    int reading;      /* -2 strict, -1 decoded (lenient), else oa_path_readings[] index */
    char path[512];   /* the path of that reading (cut to fit) */
    const struct oa_access_rule *rule;      /* first match as written, or NULL */
    const struct oa_access_rule *rule_fold; /* first match, case folded, or NULL */
    bool with_session;                      /* checked for a session, or for nobody */
    bool allowed;
};
struct oa_authz_trace {
    size_t n;
    struct oa_authz_step step[OA_AUTHZ_TRACE_MAX];
};
/* Sets (t) or clears (NULL) this thread's trace; t->n is reset. */
void oa_authorize_trace(struct oa_authz_trace *t);

/* Answers an FCGI_ROLE=AUTHORIZER request into r. */
enum oa_err oa_authorizer_answer(const struct oa_config *cfg, const struct oa_request *req,
                                 struct oa_response *r);

/* Fills r's audit record for a denial (d UNAUTH or FORBIDDEN; nothing for
 * the others): who (id), the access rule that refused the path of the last
 * oa_authorize() of this thread, and why. An allow is never audited. */
void oa_authorizer_audit(struct oa_response *r, const struct oa_config *cfg, enum oa_decision d,
                         const struct oa_identity *id);

/* The REMOTE_USER of id: the verified email when there is one, else
 * "<provider>:<subject>" formatted into buf (usernames are renamable and not
 * unique across providers, so alone they never name a user; OAUTH2_USER
 * carries the username). Returns id->email or buf; NULL when it does not fit
 * in cap (never truncated). */
const char *oa_remote_user(const struct oa_identity *id, char *buf, size_t cap);

/* The answer that sends a browser to sign in: 302 Found to
 * <base_path>/sign_in?rd=<rd> (or straight to <base_path>/<p>/login?rd=<rd>
 * when exactly one provider is configured), rd left out unless it passes
 * oa_redirect_passable (the endpoints check it in full); a small HTML body
 * and the pages' headers. Never loads libcurl. */
enum oa_err oa_sign_in_redirect(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const char *rd) OA_WUR;

/* The answer that sends a browser through the session refresh: 302 Found
 * to <base_path>/refresh?rd=<rd>, rd as for oa_sign_in_redirect. */
enum oa_err oa_refresh_redirect(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const char *rd) OA_WUR;

/* The URL the browser asked for: <origin><REQUEST_URI>, origin being
 * public_url when the request's Host is public_url's host (or absent), else
 * the request's scheme and Host. New string (caller frees), or NULL when
 * there is no REQUEST_URI path (or no memory). */
char *oa_original_url(const struct oa_config *cfg, const struct oa_request *req);

#endif
