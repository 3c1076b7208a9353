/*
 * refresh.c - <base_path>/refresh: the session checked again with its
 * provider and sealed again (signin.h, DESIGN.md section 14.4).
 *
 * GET/HEAD come from the authorizer's 302 once session.refresh_after has
 * passed (rd = the page); POST from a single-page app's script, and only
 * from our own origin (oa_request_from_us: another site must not make a
 * browser spend its refresh token). No, expired or revoked session: GET
 * signs in again (rd kept), POST 401. Not stale yet: nothing asked of the
 * provider. Otherwise, the first that applies:
 *   (a) the token cookie's refresh token: a refresh_token grant, the
 *       identity fetched again (id_token when given, UserInfo; GitHub's
 *       API), a new refresh token replacing the old (RFC 6749 section 6);
 *   (b) GitHub: the stored access token, the API asked again;
 *   (c) GET: the browser to the provider with prompt=none (OpenID kinds;
 *       GitHub and Apple without prompt), finished by the callback;
 *   (d) POST: 401 {"error":"navigation_required"}.
 * The identity's new values are sealed (the access rules then see the new
 * groups). A refusal (invalid_grant, UserInfo 401, a rule of the provider
 * now 403, another subject) ends the session: its id revoked, both cookies
 * deleted, a page saying so. A failure that says "later" (network, 5xx,
 * 429, every provider slot taken, a refresh of the same session running in
 * this process) defers: the same session sealed again with refresh_at =
 * min(now + OA_REFRESH_DEFER, exp), so the authorizer lets the page through
 * instead of sending it back here in a loop.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "oa/authorizer.h"
#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/flow.h"
#include "oa/identity_map.h"
#include "oa/metrics.h"
#include "oa/negotiate.h"
#include "oa/pages.h"
#include "oa/redirect.h"
#include "oa/request_origin.h"
#include "oa/revocation.h"
#include "oa/session.h"
#include "oa/signin.h"
#include "oa/token_cookie.h"
#include "oa/url.h"

#define OA_REFRESH_DEFER 60 /* seconds a deferred refresh waits */
#define FLIGHT_MAX 64       /* refreshes running at once in a process */

/* ---- single flight: one refresh per session id per process ------------ */

static unsigned char flight[FLIGHT_MAX][16];
static bool flight_used[FLIGHT_MAX];
static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;

/* Claims sid; false when a refresh of it runs (or the table is full). */
static bool flight_enter(const unsigned char sid[16], int *slot)
{
    int i, free_at = -1;

    pthread_mutex_lock(&flight_lock);
    for (i = 0; i < FLIGHT_MAX; i++) {
        if (flight_used[i] && !memcmp(flight[i], sid, 16))
            break;
        if (!flight_used[i] && free_at < 0)
            free_at = i;
    }
    if (i == FLIGHT_MAX && free_at >= 0) {
        memcpy(flight[free_at], sid, 16);
        flight_used[free_at] = true;
    }
    pthread_mutex_unlock(&flight_lock);
    *slot = i == FLIGHT_MAX ? free_at : -1;
    return *slot >= 0;
}

static void flight_leave(int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&flight_lock);
    flight_used[slot] = false;
    pthread_mutex_unlock(&flight_lock);
}

/* ---- one refresh ------------------------------------------------------ */

struct refresh {
    struct oa_flow f;
    struct oa_identity old; /* the session as read (points into sb) */
    struct oa_session_buf *sb;
    bool post;
    char *rd; /* GET: where the page goes afterwards (validated), new */
};

static bool is_post(const struct oa_request *req)
{
    return req->method && !strcmp(req->method, "POST");
}

/* The finished answer: GET 302 rd, POST 204; no-store either way. */
static enum oa_err answer_done(struct refresh *x)
{
    struct oa_response *r = x->f.r;
    enum oa_err e;

    if (!x->post)
        return oa_page_redirect(r, x->f.req, x->rd);
    oa_response_status(r, 204);
    e = oa_response_header(r, "Cache-Control", "no-store");
    return e;
}

static void set_log(struct refresh *x, enum oa_log_level lvl, const char *what)
{
    oa_response_log(x->f.r, lvl, "refresh: provider %s, subject %s: %s", x->old.provider,
                    x->old.subject, what);
}

/* The same session sealed again with refresh_at moved OA_REFRESH_DEFER
 * ahead (never past exp, which is kept: oa_session_defer). */
static enum oa_err defer(struct refresh *x, const char *why)
{
    const int64_t now = x->f.req->now;
    char line[OA_RESPONSE_LOG_MAX];
    enum oa_err e;

    snprintf(line, sizeof(line), "deferred %ds (%s)", OA_REFRESH_DEFER, why);
    oa_metrics_refresh(oa_flow_provider_index(&x->f), OA_MX_REFRESH_DEFERRED);
    oa_response_reset(x->f.r);
    e = answer_done(x);
    if (e == OA_OK)
        e = oa_session_defer(x->f.r, x->f.cfg, x->f.req, &x->old, now + OA_REFRESH_DEFER);
    set_log(x, OA_LOG_WARN, line);
    if (e != OA_OK)
        oa_page_error(x->f.r, x->f.req, 500, "Something went wrong on our side. Please try again.");
    return e;
}

/* The session's id as revocation names it, and the entry that kills it.
 * Returns how far it went, for the log line. */
static const char *revoke_session(struct refresh *x)
{
    struct oa_rev_entry ent = {{0}, INT64_MAX, 0};
    struct oa_error err;
    char sid[32];

    oa_error_clear(&err);
    ent.expiry = x->f.req->now + x->f.cfg->session.lifetime;
    if (oa_b64url_encode(sid, sizeof(sid), x->old.sid, sizeof(x->old.sid)) != OA_OK ||
        !oa_rev_key(OA_REV_SESSION, sid, NULL, ent.key))
        return "cookies deleted (a session without an id)";
    oa_metrics_revocation(OA_MX_REV_REFRESH);
    if (oa_revoke(&ent, &err) != OA_OK)
        return "session revoked in this process only (the store failed)";
    return "session revoked";
}

/* The provider no longer accepts the account: the session ends here. */
static enum oa_err refuse(struct refresh *x)
{
    const struct oa_config *cfg = x->f.cfg;
    const struct oa_request *req = x->f.req;
    struct oa_response *r = x->f.r;
    char reason[256], line[OA_RESPONSE_LOG_MAX];
    bool json = x->post || oa_wants_json(req);
    const char *done;
    enum oa_err e;

    snprintf(line, sizeof(line), "%s", r->log);
    oa_metrics_refresh(oa_flow_provider_index(&x->f), OA_MX_REFRESH_SIGNED_OUT);
    done = revoke_session(x);
    snprintf(reason, sizeof(reason), "You were signed out: %s no longer accepts this account.",
             x->old.provider);
    oa_page_error(r, req, json ? 401 : 403, reason);
    e = oa_session_clear(r, cfg, req);
    if (e == OA_OK)
        e = oa_token_cookie_clear(r, cfg);
    oa_response_log(r, OA_LOG_WARN,
                    "refresh: provider %s no longer accepts subject %s: signed out, %s (%s)",
                    x->old.provider, x->old.subject, done, line);
    oa_audit_set(&r->audit, OA_AUDIT_SIGN_OUT, r->status, x->old.provider,
                 *x->old.email ? x->old.email : x->old.username, x->old.subject, NULL,
                 "the provider refused the refresh");
    return e == OA_OK ? OA_ERR_DENIED : e;
}

/* What a failed mechanism becomes: a defer when it says "later". */
static enum oa_err failed(struct refresh *x, enum oa_err e)
{
    if (e == OA_ERR_BUSY || e == OA_ERR_NOMEM || e == OA_ERR_INTERNAL || e == OA_ERR_IO ||
        x->f.transient)
        return defer(x, x->f.r->log[0] ? x->f.r->log : oa_strerror(e)) == OA_OK ? OA_OK : e;
    return refuse(x);
}

static enum oa_err provider_ready(struct refresh *x, bool need_slot)
{
    enum oa_err e = need_slot ? oa_flow_slot(&x->f) : OA_OK;

    if (e == OA_OK && (e = oa_flow_provider_urls(&x->f)) != OA_OK)
        x->f.transient = true; /* discovery failed: the provider's side, for now */
    return e;
}

enum oa_err oa_refresh_token_cookie(struct oa_flow *f, const struct oa_identity *id,
                                    const struct oa_tokens *t)
{
    const char *rt = t ? t->refresh_token : NULL;
    const char *at = t && f->p->kind == OA_PROVIDER_GITHUB ? t->access_token : NULL;
    enum oa_err e = OA_OK;

    if (rt || at) {
        e = oa_token_cookie_set(f->r, f->cfg, id, rt, at);
        if (e != OA_ERR_TOO_LARGE && e != OA_ERR_DENIED)
            return e;
        /* the session works without it: /refresh falls back to the browser */
        f->token_cookie_dropped = true;
        e = OA_OK;
    }
    if (oa_token_cookie_present(f->cfg, f->req->cookie))
        e = oa_token_cookie_clear(f->r, f->cfg);
    return e;
}

static const unsigned char zero_sid[16];

enum oa_err oa_refresh_reissue(struct oa_flow *f, const struct oa_identity *old,
                               const struct oa_identity_draft *ident, const struct oa_tokens *t)
{
    struct oa_identity id = *old;
    struct oa_identity_mapped m;
    enum oa_err e = oa_identity_map(&m, f->cfg, f->p, ident->email, ident->groups.p);

    if (e != OA_OK)
        return e;
    id.provider = f->p->name;
    id.issuer = ident->issuer ? ident->issuer : old->issuer;
    id.subject = ident->subject;
    id.username = ident->username;
    id.email = ident->email;
    id.name = ident->name;
    id.groups = m.groups; /* mapped again: the groups may have changed */
    id.workspaces = m.workspaces;
    id.roles = m.roles;
    /* sid and login_at stay; iat, refresh_at, exp and the user/email keys
     * are the issuer's (the email may have changed) */
    id.iat = id.exp = id.refresh_at = 0;
    memset(id.user_key, 0, sizeof(id.user_key));
    memset(id.email_key, 0, sizeof(id.email_key));
    if (!memcmp(id.sid, zero_sid, sizeof(id.sid))) /* a session from before ids */
        oa_random_bytes(id.sid, sizeof(id.sid));
    e = oa_session_issue(f->r, f->cfg, f->req, &id);
    if (e == OA_OK)
        e = oa_refresh_token_cookie(f, &id, t);
    oa_identity_mapped_free(&m);
    return e;
}

/* The identity again with t's access token, by kind; sub must not change. */
static enum oa_err identity_again(struct refresh *x, struct oa_identity_draft *ident,
                                  const struct oa_tokens *t)
{
    struct oa_flow *f = &x->f;
    enum oa_err e;

    f->phase = OA_MX_CAUSE_USERINFO;
    if (f->p->kind == OA_PROVIDER_GITHUB)
        e = oa_github_identity(f, ident, t->access_token);
    else if (oa_cognito_userinfo_only(f->p))
        e = oa_cognito_identity(f, ident, t->access_token);
    else if (f->p->kind == OA_PROVIDER_ENTRA)
        e = oa_entra_refresh_identity(f, ident, t, x->old.subject);
    else
        e = oa_oidc_refresh_identity(f, ident, t, x->old.subject, x->old.issuer);
    if (e == OA_OK && (!ident->subject || strcmp(ident->subject, x->old.subject) != 0))
        e = oa_flow_fail(f, OA_ERR_DENIED, 403, "This is another account.",
                         "refresh: the provider answered another subject");
    return e;
}

/* A success: the new identity sealed, the answer, the log and audit. */
static enum oa_err renewed(struct refresh *x, struct oa_identity_draft *ident,
                           const struct oa_tokens *t, const char *how)
{
    struct oa_response *r = x->f.r;
    enum oa_err e;

    oa_response_reset(r);
    e = answer_done(x);
    if (e == OA_OK)
        e = oa_refresh_reissue(&x->f, &x->old, ident, t);
    if (e != OA_OK) {
        x->f.transient = true;
        return failed(x, e);
    }
    set_log(x, x->f.token_cookie_dropped ? OA_LOG_WARN : OA_LOG_INFO,
            x->f.token_cookie_dropped ? "refreshed; the token cookie was not stored (too large, "
                                        "or base_path \"\")"
                                      : how);
    oa_audit_set(&r->audit, OA_AUDIT_REFRESH, r->status, x->old.provider,
                 ident->email ? ident->email : ident->username, ident->subject, NULL, NULL);
    oa_metrics_refresh(oa_flow_provider_index(&x->f), OA_MX_REFRESH_OK);
    return OA_OK;
}

/* (a) and (b): the provider asked directly with what the token cookie holds. */
static enum oa_err by_tokens(struct refresh *x, const struct oa_token_cookie *tc)
{
    struct oa_tokens t = {0};
    struct oa_identity_draft ident = {0};
    enum oa_err e = provider_ready(x, true);

    if (e == OA_OK && tc->refresh_token) {
        x->f.phase = OA_MX_CAUSE_TOKEN;
        e = oa_flow_refresh_token(&x->f, &t, tc->refresh_token);
        /* RFC 6749 section 6: no new one means the old one stays valid */
        if (e == OA_OK && !t.refresh_token && !(t.refresh_token = strdup(tc->refresh_token)))
            e = OA_ERR_NOMEM;
    } else if (e == OA_OK) {
        t.access_token = strdup(tc->access_token);
        e = t.access_token ? OA_OK : OA_ERR_NOMEM;
    }
    if (e == OA_OK)
        e = identity_again(x, &ident, &t);
    if (e == OA_OK)
        e = renewed(x, &ident, &t,
                    tc->refresh_token ? "refreshed (refresh token)" : "refreshed (access token)");
    else
        e = failed(x, e);
    oa_tokens_free(&t);
    oa_identity_draft_free(&ident);
    return e;
}

/* (c): the browser to the provider, which answers at once when the user
 * is still signed in there (prompt=none for the OpenID kinds; GitHub asks
 * nothing of an app it has authorised; Apple does not know prompt=none). */
static enum oa_err by_browser(struct refresh *x)
{
    const struct oa_provider *p = x->f.p;
    const char *prompt =
        p->kind == OA_PROVIDER_GITHUB || p->kind == OA_PROVIDER_APPLE ? NULL : "none";
    enum oa_err e = provider_ready(x, oa_provider_urls_may_fetch(p));

    if (e == OA_OK)
        e = oa_flow_authorize(&x->f, x->rd, prompt, x->old.sid);
    if (e != OA_OK) {
        x->f.transient = true; /* we could not send it: keep the session as it is */
        return failed(x, e);
    }
    set_log(x, OA_LOG_INFO, prompt ? "to the provider (prompt=none)" : "to the provider");
    return OA_OK;
}

static enum oa_err navigation_required(struct refresh *x)
{
    struct oa_response *r = x->f.r;
    enum oa_err e;

    oa_response_reset(r);
    oa_response_status(r, 401);
    e = oa_page_headers(r, OA_PAGE_JSON);
    if (e == OA_OK)
        e = oa_buf_puts(&r->body, "{\"error\":\"navigation_required\"}");
    set_log(x, OA_LOG_INFO, "no token to refresh with: a page load must do it");
    return e == OA_OK ? OA_ERR_NOT_FOUND : e;
}

/* The session is stale and this process runs no other refresh of it. */
static enum oa_err refresh_session(struct refresh *x)
{
    struct oa_token_cookie tc;
    enum oa_err te = oa_token_cookie_read(&tc, x->f.cfg, x->f.req->cookie, &x->old), e;

    if (te == OA_OK &&
        (tc.refresh_token || (x->f.p->kind == OA_PROVIDER_GITHUB && tc.access_token)))
        e = by_tokens(x, &tc);
    else if (!x->post)
        e = by_browser(x);
    else
        e = navigation_required(x);
    if (te == OA_OK)
        oa_token_cookie_free(&tc);
    return e;
}

static enum oa_err query_rd(struct refresh *x)
{
    const char *q = x->f.req->query_string ? x->f.req->query_string : "";
    char *rd = NULL;
    enum oa_err e = oa_form_get(&rd, q, strlen(q), "rd");

    if (e != OA_OK && e != OA_ERR_NOT_FOUND)
        return e;
    x->rd = strdup(oa_redirect_or_default(x->f.cfg, x->f.req, rd));
    free(rd);
    return x->rd ? OA_OK : OA_ERR_NOMEM;
}

/* No session to refresh: GET signs in (rd kept), POST 401. */
static enum oa_err no_session(struct refresh *x, enum oa_err why)
{
    oa_response_reset(x->f.r);
    oa_response_log(x->f.r, OA_LOG_INFO, "refresh: no session to refresh (%s)", oa_strerror(why));
    if (x->post) {
        oa_page_error_json(x->f.r, 401, "Not signed in.");
        return why;
    }
    return oa_sign_in_redirect(x->f.r, x->f.cfg, x->f.req, x->rd) == OA_OK ? why : OA_ERR_INTERNAL;
}

static enum oa_err run(struct refresh *x, struct oa_response *r, const struct oa_config *cfg,
                       struct oa_runtime *rt, const struct oa_request *req)
{
    const struct oa_provider *p;
    enum oa_err e;
    int slot;

    if (x->post && !oa_request_from_us(cfg, req)) {
        oa_page_error(r, req, 403, "This request did not come from this site.");
        oa_response_log(r, OA_LOG_WARN, "refresh: POST not from our origin: refused");
        return OA_ERR_DENIED;
    }
    if ((e = query_rd(x)) != OA_OK) {
        oa_page_error(r, req, 400, "This address is malformed.");
        return e;
    }
    x->sb = malloc(sizeof(*x->sb));
    if (!x->sb) {
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return OA_ERR_NOMEM;
    }
    e = oa_session_read(&x->old, x->sb, cfg, req->cookie, req->now);
    p = e == OA_OK ? oa_config_provider(cfg, x->old.provider, strlen(x->old.provider)) : NULL;
    if (e != OA_OK || !p)
        return no_session(x, e != OA_OK ? e : OA_ERR_DENIED);
    oa_flow_start(&x->f, r, cfg, rt, req, p);
    if (!oa_session_stale(&x->old, req->now))
        return answer_done(x); /* not stale: nothing to ask */
    if (!flight_enter(x->old.sid, &slot))
        return defer(x, "a refresh of this session is running");
    e = refresh_session(x);
    flight_leave(slot);
    return e;
}

/* Ownership: fills r completely; returns the code of what failed for the
 * log, OA_OK when refreshed, deferred or sent to the provider. */
enum oa_err oa_signin_refresh(struct oa_response *r, const struct oa_config *cfg,
                              struct oa_runtime *rt, const struct oa_request *req)
{
    struct refresh x;
    enum oa_err e;

    memset(&x, 0, sizeof(x));
    x.post = is_post(req);
    x.f.r = r;
    x.f.req = req;
    x.f.cfg = cfg;
    e = run(&x, r, cfg, rt, req);
    if (x.f.rt)
        oa_flow_done(&x.f);
    if (x.sb) {
        oa_wipe(x.sb, sizeof(*x.sb));
        free(x.sb);
    }
    free(x.rd);
    return e;
}
