/*
 * authorizer.c - the decision made on every protected request (DESIGN.md
 * section 4) and the FCGI_ROLE=AUTHORIZER answer.
 *
 * The allow path is the hot one: it reads the cookie, opens the session,
 * normalises the path and checks the rules with no heap allocation. A
 * path that a backend may read otherwise (path_reading.h) is checked in
 * every reading, and so is the URI the server will serve after a rewrite. The
 * session buffer and the path buffers are per-thread statics (about 37 KiB:
 * too big for small stacks, and the answer is built before the next request
 * of the same thread), the headers go into the response's fixed arena.
 *
 * Output rules (each one a failure seen on a real server):
 *   ALLOW     "Status: 200 OK" and only Variable-* headers, no body; a value
 *             the header writer refuses is left out, never altered;
 *   SIGN_IN   302 Found to the sign-in page (or the only provider's login)
 *             with rd = the original URL when the validator accepts it;
 *   UNAUTH    401, JSON for JSON clients;
 *   FORBIDDEN 403 page naming the signed-in user;
 *   REFRESH   302 Found to <base_path>/refresh with rd = the original URL
 *             (a page load past the session's refresh_at, DESIGN.md 14.3).
 * Denials carry Cache-Control: no-store and the pages' security headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/access.h"
#include "oa/authorizer.h"
#include "oa/bearer.h"
#include "oa/crypto.h"
#include "oa/identity_token.h"
#include "oa/metrics.h"
#include "oa/negotiate.h"
#include "oa/pages.h"
#include "oa/path_reading.h"
#include "oa/redirect.h"
#include "oa/url.h"

#define OA_AUTHZ_PATH_MAX 8192

_Static_assert((int)OA_DECISION_ALLOW == (int)OA_MX_ALLOW &&
                   (int)OA_DECISION_SIGN_IN == (int)OA_MX_SIGN_IN &&
                   (int)OA_DECISION_UNAUTH == (int)OA_MX_UNAUTH &&
                   (int)OA_DECISION_FORBIDDEN == (int)OA_MX_FORBIDDEN &&
                   (int)OA_DECISION_REFRESH == (int)OA_MX_REFRESH,
               "a decision is its metrics outcome");

struct authz_tls {
    struct oa_session_buf sb;
    char raw[OA_AUTHZ_PATH_MAX];
    char norm[OA_AUTHZ_PATH_MAX];
    char alt[OA_AUTHZ_PATH_MAX + 2];   /* one other reading at a time */
    struct oa_access_req q;            /* the request's method and host */
    struct oa_authz_trace *trace;      /* --explain's record, normally NULL */
    bool bearer;                       /* the request carried a bearer token */
    char bearer_why[OA_ERROR_MSG_MAX]; /* why the token was refused (for the log) */
};

static _Thread_local struct authz_tls tls;

/* Normalises the path of REQUEST_URI into norm. 0 or -1. */
static int normalise(char *norm, size_t cap, char *raw, size_t raw_cap, const char *uri)
{
    size_t n;

    norm[0] = '\0';
    if (!uri || uri[0] != '/')
        return -1;
    n = strcspn(uri, "?#");
    if (n >= raw_cap)
        return -1;
    memcpy(raw, uri, n);
    raw[n] = '\0';
    if (oa_path_normalize(norm, cap, raw) == OA_OK)
        return 0;
    norm[0] = '\0';
    return -1;
}

void oa_authorize_trace(struct oa_authz_trace *t)
{
    tls.trace = t;
    if (t)
        t->n = 0;
}

/* Notes one reading for --explain (nothing when no trace is asked for). */
static void trace_note(const char *what, int reading, const char *path, const struct oa_config *cfg,
                       const struct oa_identity *id, bool ok)
{
    struct oa_authz_trace *t = tls.trace;
    struct oa_authz_step *s;

    if (!t || t->n >= OA_AUTHZ_TRACE_MAX)
        return;
    s = &t->step[t->n++];
    s->what = what;
    s->reading = reading;
    snprintf(s->path, sizeof(s->path), "%s", path ? path : "");
    s->rule = path ? oa_access_match_req(cfg, &tls.q, path, false) : NULL;
    s->rule_fold = path ? oa_access_match_req(cfg, &tls.q, path, true) : NULL;
    s->with_session = id != NULL;
    s->allowed = ok;
}

/* One reading made into tls.alt and checked; false when it cannot be made. */
static bool reading_allowed(const struct oa_config *cfg, const struct oa_identity *id,
                            const char *what, int i, const char *path, size_t n, unsigned how)
{
    const struct oa_access_rule *r;
    bool made = oa_path_read(tls.alt, sizeof(tls.alt), path, n, how) == OA_OK;
    bool ok = made && oa_access_allowed_req(cfg, &tls.q, tls.alt, id, &r);

    if (tls.trace)
        trace_note(what, i, made ? tls.alt : NULL, cfg, id, ok);
    return ok;
}

/* True when every reading of path (n bytes) that a backend may make is
 * allowed (path_reading.h); first, the lenient decoded reading unless the
 * caller has checked the strict one. A reading that cannot be made (a NUL,
 * too long) refuses. */
static bool readings_allowed(const struct oa_config *cfg, const struct oa_identity *id,
                             const char *what, const char *path, size_t n, bool strict_checked)
{
    size_t i;

    if (!strict_checked && !reading_allowed(cfg, id, what, -1, path, n, OA_READ_DECODE))
        return false;
    if (!oa_path_ambiguous(path, n))
        return true;
    for (i = 0; i < OA_PATH_READINGS; i++)
        if (!reading_allowed(cfg, id, what, (int)i, path, n, oa_path_readings[i]))
            return false;
    return true;
}

/* The URI the server will serve after its rewrites (lighttpd's
 * REDIRECT_URI, raw; nginx's $uri passed as OAUTH2_FCGI_PATH, decoded) is
 * checked as well: deny when either is denied. Only stricter: a client
 * cannot set these params (its headers arrive as HTTP_*). */
static bool served_allowed(const struct oa_config *cfg, const struct oa_identity *id,
                           const struct oa_request *req)
{
    const char *u = req->served_uri, *p = req->served_path;

    if (u && *u && strcmp(u, req->request_uri) != 0) {
        size_t n = strcspn(u, "?#");
        if (u[0] != '/' || !readings_allowed(cfg, id, "served URI", u, n, false))
            return false;
    }
    /* nginx sends $uri on every request: skip it when it is what the
     * strict reading of REQUEST_URI gave and reads only one way */
    if (p && *p) {
        size_t n = strlen(p);
        if (p[0] != '/')
            return false;
        if ((strcmp(p, tls.norm) != 0 || oa_path_ambiguous(p, n)) &&
            !readings_allowed(cfg, id, "served path", p, n, false))
            return false;
    }
    return true;
}

/* The path rules of doc/DESIGN.md section 4: the strict reading of
 * REQUEST_URI must parse and be allowed, and so must every other reading
 * of it and of the URI the server will serve. id NULL: no session, and
 * then every reading must meet a public rule (the least privilege of all
 * readings decides, public or not). */
static bool path_allowed(const struct oa_config *cfg, const struct oa_identity *id,
                         const struct oa_request *req, const struct oa_access_rule **rule)
{
    bool ok = oa_access_allowed_req(cfg, &tls.q, tls.norm, id, rule);

    if (tls.trace)
        trace_note("REQUEST_URI", -2, tls.norm, cfg, id, ok);
    if (!ok)
        return false;
    if (!readings_allowed(cfg, id, "REQUEST_URI", tls.raw, strlen(tls.raw), true))
        return false;
    return served_allowed(cfg, id, req);
}

static void identity_empty(struct oa_identity *id)
{
    memset(id, 0, sizeof(*id));
    id->provider = id->issuer = id->subject = id->username = "";
    id->email = id->name = id->groups = id->workspaces = id->roles = "";
}

/* The metrics' name of rule (metrics.h): its index, or OA_MX_RULE_NONE. */
static size_t slot_of(const struct oa_config *cfg, const struct oa_access_rule *rule)
{
    return rule ? (size_t)(rule - cfg->access) : OA_MX_RULE_NONE;
}

/* A request with `Authorization: Bearer` (bearer.h): the token, not a
 * cookie, says who it is; a refused token is a 401 even for a page load
 * (an API client cannot follow a redirect), never a public pass. */
static enum oa_decision bearer_decide(struct oa_identity *id, const struct oa_config *cfg,
                                      const struct oa_request *req, const char *tok, size_t n,
                                      bool norm_ok, size_t *rule_slot)
{
    const struct oa_access_rule *rule = NULL;
    struct oa_error err;
    bool ok;

    tls.bearer = true;
    if (oa_bearer_identify(id, cfg, tok, n, req->now, &err) != OA_OK) {
        identity_empty(id);
        snprintf(tls.bearer_why, sizeof(tls.bearer_why), "%s", err.msg);
        if (norm_ok)
            *rule_slot = slot_of(cfg, oa_access_match_req(cfg, &tls.q, tls.norm, false));
        return OA_DECISION_UNAUTH;
    }
    if (!norm_ok)
        return OA_DECISION_FORBIDDEN;
    ok = path_allowed(cfg, id, req, &rule);
    *rule_slot = slot_of(cfg, rule);
    return ok ? OA_DECISION_ALLOW : OA_DECISION_FORBIDDEN;
}

bool oa_authorize_was_bearer(void)
{
    return tls.bearer;
}

void oa_authorizer_bearer_answer(struct oa_response *r, const struct oa_config *cfg,
                                 enum oa_decision d)
{
    if (!tls.bearer)
        return;
    if (d == OA_DECISION_UNAUTH) {
        oa_bearer_challenge(r, 401, NULL);
        oa_response_log(r, OA_LOG_INFO, "bearer token refused: %s", tls.bearer_why);
    } else if (d == OA_DECISION_FORBIDDEN) {
        oa_bearer_challenge(r, 403,
                            tls.norm[0] ? oa_access_match_req(cfg, &tls.q, tls.norm, false) : NULL);
    }
}

enum oa_decision oa_authorize_at(struct oa_identity *id, struct oa_session_buf *sb,
                                 const struct oa_config *cfg, const struct oa_request *req,
                                 size_t *rule_slot)
{
    int norm_ok =
        normalise(tls.norm, sizeof(tls.norm), tls.raw, sizeof(tls.raw), req->request_uri) == 0;
    const struct oa_access_rule *rule = NULL;
    const char *tok;
    size_t ignored, tok_len;
    bool ok;

    if (!rule_slot)
        rule_slot = &ignored;
    *rule_slot = OA_MX_RULE_UNPARSABLE;
    oa_access_req_init(&tls.q, req->method, req->host);
    identity_empty(id);
    tls.bearer = false;
    if (oa_bearer_token(req->authorization, &tok, &tok_len) && oa_bearer_enabled(cfg))
        return bearer_decide(id, cfg, req, tok, tok_len, norm_ok, rule_slot);
    if (oa_session_read(id, sb, cfg, req->cookie, req->now) != OA_OK) {
        identity_empty(id);
        /* without a session only public rules, in every reading, pass */
        if (norm_ok && oa_access_any_public(cfg) && path_allowed(cfg, NULL, req, &rule)) {
            *rule_slot = slot_of(cfg, rule);
            return OA_DECISION_ALLOW;
        }
        if (norm_ok)
            *rule_slot = slot_of(cfg, oa_access_match_req(cfg, &tls.q, tls.norm, false));
        return oa_page_load(req) ? OA_DECISION_SIGN_IN : OA_DECISION_UNAUTH;
    }
    if (!norm_ok)
        return OA_DECISION_FORBIDDEN;
    /* past the soft limit: a page load refreshes first (the rules may
     * then see other groups); an API call cannot follow a redirect to the
     * provider and passes until exp; a public page passes as it is */
    if (oa_session_stale(id, req->now) && oa_page_load(req)) {
        if (oa_access_any_public(cfg) && path_allowed(cfg, NULL, req, &rule)) {
            *rule_slot = slot_of(cfg, rule);
            return OA_DECISION_ALLOW;
        }
        *rule_slot = slot_of(cfg, oa_access_match_req(cfg, &tls.q, tls.norm, false));
        return OA_DECISION_REFRESH;
    }
    ok = path_allowed(cfg, id, req, &rule);
    *rule_slot = slot_of(cfg, rule);
    return ok ? OA_DECISION_ALLOW : OA_DECISION_FORBIDDEN;
}

enum oa_decision oa_authorize(struct oa_identity *id, struct oa_session_buf *sb,
                              const struct oa_config *cfg, const struct oa_request *req)
{
    return oa_authorize_at(id, sb, cfg, req, NULL);
}

const char *oa_remote_user(const struct oa_identity *id, char *buf, size_t cap)
{
    int n;

    if (id->email && *id->email)
        return id->email;
    if ((!id->provider || !*id->provider) && (!id->subject || !*id->subject))
        return ""; /* nobody: a public rule let a request without a session pass */
    n = snprintf(buf, cap, "%s:%s", id->provider ? id->provider : "",
                 id->subject ? id->subject : "");
    return (n < 0 || (size_t)n >= cap) ? NULL : buf;
}

/* One Variable-* header; an empty value or one the writer refuses is left
 * out (the variable stays unset), never cut into something else. */
static void variable(struct oa_response *r, const char *name, const char *value)
{
    if (value && *value)
        if (oa_response_header(r, name, value) != OA_OK)
            return; /* refused: the variable stays unset */
}

static enum oa_err answer_allow(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const struct oa_identity *id)
{
    char user[1024];

    oa_response_status(r, 200);
    variable(r, "Variable-REMOTE_USER", oa_remote_user(id, user, sizeof(user)));
    variable(r, "Variable-OAUTH2_USER", id->username);
    variable(r, "Variable-OAUTH2_SUB", id->subject);
    variable(r, "Variable-OAUTH2_EMAIL", id->email);
    variable(r, "Variable-OAUTH2_NAME", id->name);
    variable(r, "Variable-OAUTH2_PROVIDER", id->provider);
    variable(r, "Variable-OAUTH2_GROUPS", id->groups);
    variable(r, "Variable-OAUTH2_WORKSPACES", id->workspaces);
    variable(r, "Variable-OAUTH2_ROLES", id->roles);
    variable(r, "Variable-OAUTH2_JWT", oa_identity_token(cfg, id, req->host, req->now));
    return OA_OK;
}

char *oa_original_url(const struct oa_config *cfg, const struct oa_request *req)
{
    struct oa_buf b = {0};
    const char *uri = req->request_uri;

    if (!uri || uri[0] != '/')
        return NULL;
    if (cfg->public_url && (!req->host || !*req->host ||
                            (cfg->public_host && strcasecmp(req->host, cfg->public_host) == 0)))
        oa_buf_puts(&b, cfg->public_url);
    else if (req->host && *req->host)
        oa_buf_printf(&b, "%s://%s", oa_request_https(req) ? "https" : "http", req->host);
    oa_buf_puts(&b, uri);
    return oa_buf_steal(&b); /* NULL when an append failed */
}

/* Appends "?rd=<rd>" to a sign-in Location, unless the whole would not fit
 * easily in a header: then the person signs in without a target. The query
 * is built in a buffer capped at the room left, so "too long" is that
 * buffer's OA_ERR_TOO_LARGE. */
static void append_rd(struct oa_buf *loc, const char *rd)
{
    const size_t limit = OA_RESPONSE_HEADER_SPACE / 2 - 1;
    struct oa_buf q;

    oa_buf_init(&q, loc->len < limit ? limit - loc->len : 1);
    oa_buf_puts(&q, "?rd=");
    oa_buf_urlenc(&q, rd);
    if (oa_buf_error(&q) != OA_ERR_TOO_LARGE) {
        oa_buf_fail(loc, oa_buf_error(&q));
        oa_buf_append(loc, q.p, q.len);
    }
    oa_buf_free(&q);
}

/* 302 to <base_path><ep>[?rd=<rd>]; ep is a path already safe in a URL.
 * rd is passed on to the endpoint, which checks it in full: here it is
 * left out unless oa_redirect_passable. */
static enum oa_err base_redirect(struct oa_response *r, const struct oa_config *cfg,
                                 const struct oa_request *req, const char *ep, const char *rd)
{
    struct oa_buf loc = {0};
    enum oa_err e;

    if (rd && (!*rd || !oa_redirect_passable(cfg, req, rd)))
        rd = NULL;
    oa_buf_puts(&loc, oa_base_path(cfg));
    oa_buf_puts(&loc, ep ? ep : "");
    if (rd)
        append_rd(&loc, rd);
    e = oa_buf_error(&loc);
    if (e) {
        oa_buf_free(&loc);
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return e;
    }
    e = oa_page_redirect(r, req, loc.p);
    oa_buf_free(&loc);
    return e;
}

enum oa_err oa_sign_in_redirect(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const char *rd)
{
    struct oa_buf ep = {0};
    enum oa_err e;

    if (cfg->nproviders != 1)
        return base_redirect(r, cfg, req, "/sign_in", rd);
    oa_buf_puts(&ep, "/");
    oa_buf_urlenc(&ep, cfg->providers[0].name);
    oa_buf_puts(&ep, "/login");
    e = oa_buf_error(&ep);
    if (e)
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
    else
        e = base_redirect(r, cfg, req, ep.p, rd);
    oa_buf_free(&ep);
    return e;
}

enum oa_err oa_refresh_redirect(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const char *rd)
{
    return base_redirect(r, cfg, req, "/refresh", rd);
}

/* rd is the original URL; when the validator refuses it (a Host that is
 * not ours, http without allow_http_redirect), the request's path and query
 * alone, which then come back on our own origin. to is the redirect:
 * oa_sign_in_redirect or oa_refresh_redirect. */
static enum oa_err answer_redirect(struct oa_response *r, const struct oa_config *cfg,
                                   const struct oa_request *req,
                                   enum oa_err (*to)(struct oa_response *, const struct oa_config *,
                                                     const struct oa_request *, const char *))
{
    char *rd = oa_original_url(cfg, req);
    const char *target = rd;
    enum oa_err e;

    if (!rd || !oa_redirect_passable(cfg, req, rd))
        target = req->request_uri;
    e = to(r, cfg, req, target);

    free(rd);
    return e;
}

/* "PATH (line N)" of the rule that decides for the normalised path, or ""
 * (no rule matched that reading: another reading or the rewritten URI
 * refused, or the path did not parse). */
static void rule_name(char *out, size_t cap, const struct oa_config *cfg)
{
    const struct oa_access_rule *rule =
        tls.norm[0] ? oa_access_match_req(cfg, &tls.q, tls.norm, false) : NULL;

    if (!rule && tls.norm[0])
        rule = oa_access_match_req(cfg, &tls.q, tls.norm, true);
    out[0] = '\0';
    if (rule)
        snprintf(out, cap, "%s (line %u)", rule->path, rule->line);
}

void oa_authorizer_audit(struct oa_response *r, const struct oa_config *cfg, enum oa_decision d,
                         const struct oa_identity *id)
{
    char rule[OA_AUDIT_RULE_MAX];
    const char *user;

    if (d == OA_DECISION_UNAUTH) {
        oa_audit_set(&r->audit, OA_AUDIT_DENIED, 401, NULL, NULL, NULL, NULL,
                     tls.bearer ? "bearer token refused" : "not signed in");
        return;
    }
    if (d != OA_DECISION_FORBIDDEN)
        return;
    rule_name(rule, sizeof(rule), cfg);
    user = id->email && *id->email ? id->email : id->username;
    oa_audit_set(&r->audit, OA_AUDIT_DENIED, 403, id->provider, user, id->subject, rule,
                 tls.norm[0] ? "the access rules refuse this user"
                             : "the path cannot be read (refused)");
}

static void answer_forbidden(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id)
{
    char user[1024];
    const char *who = oa_remote_user(id, user, sizeof(user));

    oa_page_forbidden(r, cfg, req, who);
    oa_response_log(r, OA_LOG_INFO, "access denied: user %s (%s), path %.200s", who ? who : "?",
                    id->provider, tls.norm[0] ? tls.norm : "(unparsable)");
}

enum oa_err oa_authorizer_answer(const struct oa_config *cfg, const struct oa_request *req,
                                 struct oa_response *r)
{
    struct oa_identity id;
    enum oa_decision d;
    enum oa_err e = OA_OK;
    size_t rule;

    oa_response_reset(r);
    tls.norm[0] = '\0';
    d = oa_authorize_at(&id, &tls.sb, cfg, req, &rule);
    /* the decisions and the outcomes share their order */
    oa_metrics_decision((enum oa_metrics_outcome)d, rule);
    switch (d) {
    case OA_DECISION_ALLOW: e = answer_allow(r, cfg, req, &id); break;
    case OA_DECISION_SIGN_IN: e = answer_redirect(r, cfg, req, oa_sign_in_redirect); break;
    case OA_DECISION_REFRESH: e = answer_redirect(r, cfg, req, oa_refresh_redirect); break;
    case OA_DECISION_UNAUTH:
        oa_page_error(r, req, 401,
                      tls.bearer ? "The access token is not valid."
                                 : "You need to sign in to see this page.");
        break;
    case OA_DECISION_FORBIDDEN:
        answer_forbidden(r, cfg, req, &id);
        e = OA_ERR_DENIED;
        break;
    }
    oa_authorizer_bearer_answer(r, cfg, d); /* a bearer token's challenge (RFC 6750) */
    oa_authorizer_audit(r, cfg, d, &id);    /* nothing for an allow */
    /* only the bytes the session used: wiping the whole buffer cost more than the decision */
    oa_wipe(tls.sb.plain, tls.sb.plain_len);
    tls.sb.plain_len = 0;
    return e;
}
