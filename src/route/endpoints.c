/*
 * endpoints.c - the small responder endpoints: /userinfo, /auth, /logout,
 * /health (DESIGN.md section 3). The login and callback flows live in
 * flow.c; the pages in pages.c; the decision in authorizer.c.
 *
 * /auth shares the authorizer's decision but never answers 302: nginx's
 * auth_request turns anything but 2xx/401/403 into a 500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/authorizer.h"
#include "oa/b64url.h"
#include "oa/cookie.h"
#include "oa/crypto.h"
#include "oa/endpoints.h"
#include "oa/identity_token.h"
#include "oa/metrics.h"
#include "oa/pages.h"
#include "oa/redirect.h"
#include "oa/request_origin.h"
#include "oa/revocation.h"
#include "oa/session.h"
#include "oa/sign_key.h"
#include "oa/signin.h"
#include "oa/state.h"
#include "oa/token_cookie.h"
#include "oa/url.h"

/* Appends a comma-separated list as a JSON array of trimmed, non-empty
 * strings. Like every builder here it appends freely: the buffer remembers
 * its first error (DESIGN.md section 8.1). */
static void json_list(struct oa_buf *b, const char *list)
{
    const char *p = list ? list : "";
    int first = 1;

    oa_buf_puts(b, "[");
    while (*p) {
        const char *end = p + strcspn(p, ",");
        const char *a = p, *z = end;
        while (a < z && *a == ' ')
            a++;
        while (z > a && z[-1] == ' ')
            z--;
        if (a < z) {
            char item[1024];
            size_t n = (size_t)(z - a) < sizeof(item) - 1 ? (size_t)(z - a) : sizeof(item) - 1;
            memcpy(item, a, n);
            item[n] = '\0';
            oa_buf_puts(b, first ? "\"" : ", \"");
            oa_buf_json_str(b, item);
            oa_buf_puts(b, "\"");
            first = 0;
        }
        p = *end ? end + 1 : end;
    }
    oa_buf_puts(b, "]");
}

static void json_field(struct oa_buf *b, const char *name, const char *value)
{
    oa_buf_printf(b, "\"%s\": \"", name);
    oa_buf_json_str(b, value);
    oa_buf_puts(b, "\", ");
}

/* ", "session": "<22 base64url chars>"": what --revoke takes and the logs
 * name; null for a session sealed before there were ids (version 1). */
static void session_id(struct oa_buf *b, const struct oa_identity *id)
{
    static const unsigned char zero[sizeof(id->sid)];
    char sid[32];

    if (!memcmp(id->sid, zero, sizeof(zero)) ||
        oa_b64url_encode(sid, sizeof(sid), id->sid, sizeof(id->sid)) != OA_OK) {
        oa_buf_puts(b, ", \"session\": null");
        return;
    }
    oa_buf_printf(b, ", \"session\": \"%s\"", sid);
}

static void userinfo_body(struct oa_buf *b, const struct oa_identity *id)
{
    oa_buf_puts(b, "{");
    json_field(b, "provider", id->provider);
    json_field(b, "sub", id->subject);
    json_field(b, "user", id->username);
    json_field(b, "email", id->email);
    json_field(b, "name", id->name);
    oa_buf_puts(b, "\"groups\": ");
    json_list(b, id->groups);
    oa_buf_puts(b, ", \"workspaces\": ");
    json_list(b, id->workspaces);
    session_id(b, id);
    oa_buf_printf(b, ", \"refresh_at\": %lld, \"exp\": %lld}\n", (long long)id->refresh_at,
                  (long long)id->exp);
}

enum oa_err oa_endpoint_userinfo(struct oa_response *r, const struct oa_config *cfg,
                                 const struct oa_request *req)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb));
    struct oa_identity id;
    enum oa_err e;

    if (!sb) {
        oa_page_error_json(r, 500, "Something went wrong on our side. Please try again.");
        return OA_ERR_NOMEM;
    }
    if (oa_session_read(&id, sb, cfg, req->cookie, req->now) != OA_OK) {
        free(sb);
        oa_page_error_json(r, 401, "Not signed in.");
        return OA_OK;
    }
    oa_response_reset(r);
    userinfo_body(&r->body, &id);
    e = oa_buf_error(&r->body);
    oa_wipe(sb, sizeof(*sb));
    free(sb);
    if (!e) {
        oa_response_status(r, 200);
        e = oa_page_headers(r, OA_PAGE_JSON);
    }
    if (e)
        oa_page_error_json(r, 500, "Something went wrong on our side. Please try again.");
    return e;
}

/* An X-Auth-Request-* header; empty or refused values are left out. */
static void auth_header(struct oa_response *r, const char *name, const char *value)
{
    if (value && *value)
        if (oa_response_header(r, name, value) != OA_OK)
            return; /* refused: left out */
}

enum oa_err oa_endpoint_auth(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb));
    struct oa_identity id;
    char user[1024];
    const char *who;
    enum oa_err e = OA_OK;
    enum oa_decision d;
    size_t rule;

    if (!sb) {
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return OA_ERR_NOMEM;
    }
    oa_response_reset(r);
    d = oa_authorize_at(&id, sb, cfg, req, &rule);
    /* never a redirect here: no session is a 401, and so is a page load
     * past the soft limit (nginx's error_page then asks the ErrorDocument
     * path, which answers the redirect to /refresh) */
    oa_metrics_decision(d == OA_DECISION_SIGN_IN || d == OA_DECISION_REFRESH
                            ? OA_MX_UNAUTH
                            : (enum oa_metrics_outcome)d,
                        rule);
    switch (d) {
    case OA_DECISION_ALLOW:
        oa_response_status(r, 200);
        e = oa_page_headers(r, OA_PAGE_NONE);
        auth_header(r, "X-Auth-Request-User", oa_remote_user(&id, user, sizeof(user)));
        auth_header(r, "X-Auth-Request-Email", id.email);
        auth_header(r, "X-Auth-Request-Groups", id.groups);
        auth_header(r, "X-Auth-Request-Preferred-Username", id.username);
        auth_header(r, "X-Auth-Request-Roles", id.roles);
        auth_header(r, "X-Auth-Request-Workspaces", id.workspaces);
        auth_header(r, "X-Auth-Request-Jwt", oa_identity_token(cfg, &id, req->host, req->now));
        break;
    case OA_DECISION_SIGN_IN:
    case OA_DECISION_UNAUTH:
        oa_page_error(r, req, 401,
                      oa_authorize_was_bearer() ? "The access token is not valid."
                                                : "You need to sign in to see this page.");
        break;
    case OA_DECISION_REFRESH:
        oa_page_error(r, req, 401, "Your session needs to be refreshed.");
        break;
    case OA_DECISION_FORBIDDEN:
        who = oa_remote_user(&id, user, sizeof(user));
        oa_page_forbidden(r, cfg, req, who);
        oa_response_log(r, OA_LOG_INFO, "auth: access denied: user %s (%s)", who ? who : "?",
                        id.provider);
        e = OA_ERR_DENIED;
        break;
    }
    oa_authorizer_bearer_answer(r, cfg, d); /* nginx: auth_request_set passes it on */
    /* auth_request's 401 stands for both: a page load without a session is a denial too */
    oa_authorizer_audit(r, cfg, d == OA_DECISION_SIGN_IN ? OA_DECISION_UNAUTH : d, &id);
    oa_wipe(sb, sizeof(*sb));
    free(sb);
    return e;
}

/* rd of a logout: the POST body's (urlencoded) first, else the query's.
 * New string or NULL. */
static char *logout_rd(const struct oa_request *req)
{
    char *v = NULL;
    const char *ct = req->content_type;

    if (req->body && req->body_len && ct &&
        strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
        oa_form_get(&v, req->body, req->body_len, "rd") == OA_OK)
        return v;
    if (req->query_string &&
        oa_form_get(&v, req->query_string, strlen(req->query_string), "rd") == OA_OK)
        return v;
    return NULL;
}

/* The session's provider name (for its end-session URL), copied into out;
 * who signs out into the sign_out audit record *who (event NONE without a
 * session: there is nobody to sign out); its id into sid (zero: none). */
static void session_provider(char *out, size_t cap, struct oa_audit *who,
                             unsigned char sid[OA_REV_KEY_BYTES], const struct oa_config *cfg,
                             const struct oa_request *req)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb));
    struct oa_identity id;

    out[0] = '\0';
    memset(sid, 0, OA_REV_KEY_BYTES);
    oa_audit_clear(who);
    if (!sb)
        return;
    if (oa_session_read(&id, sb, cfg, req->cookie, req->now) == OA_OK) {
        snprintf(out, cap, "%s", id.provider);
        memcpy(sid, id.sid, OA_REV_KEY_BYTES);
        oa_audit_set(who, OA_AUDIT_SIGN_OUT, 302, id.provider,
                     id.email && *id.email ? id.email : id.username, id.subject, NULL, NULL);
    }
    oa_wipe(sb, sizeof(*sb));
    free(sb);
}

/* "scheme://host[:port]" of url into out ("" when it does not split). */
static void origin_of(char *out, size_t cap, const char *url)
{
    struct oa_url_parts u;

    out[0] = '\0';
    if (url && oa_url_split(&u, url))
        snprintf(out, cap, "%s://%.*s%s%.*s", u.https ? "https" : "http", (int)u.host_len, u.host,
                 u.port ? ":" : "", u.port ? (int)u.port_len : 0, u.port ? u.port : "");
}

/* Logout CSRF: a logout another site started (a link, an image, a form)
 * would sign the user out of every protected app, and a sign-in that
 * follows can then be steered. Only a request the browser says is ours
 * (request_origin.c) signs out at once; any other GET or POST is answered
 * with a confirmation page whose form POSTs back from our own origin. */
static enum oa_err logout_confirm(struct oa_response *r, const struct oa_config *cfg,
                                  struct oa_runtime *rt, const struct oa_request *req,
                                  const char *provider, const char *rd)
{
    char *end_session = oa_signin_logout_url(cfg, rt, req, provider, rd);
    char form_origin[512];
    enum oa_err e;

    origin_of(form_origin, sizeof(form_origin), end_session);
    free(end_session);
    e = oa_page_logout_confirm(r, cfg, req, rd, form_origin[0] ? form_origin : NULL);
    if (!e)
        oa_response_log(r, OA_LOG_INFO, "logout: not from our own pages (%s): asked to confirm",
                        req->sec_fetch_site && *req->sec_fetch_site ? "Sec-Fetch-Site"
                        : req->origin && *req->origin               ? "Origin"
                        : req->referer && *req->referer             ? "Referer"
                                                                    : "no origin headers");
    return e;
}

/* The session being ended is revoked by its id (cutoff: always), so a copy
 * of its cookie (another browser profile, a stolen one) dies with it. A
 * session without an id (sealed before ids existed) has nothing to revoke.
 * A store that cannot be written is logged and the sign-out goes on: this
 * process refuses the session already, and the cookie is cleared. */
static void revoke_session(struct oa_response *r, const struct oa_config *cfg,
                           const unsigned char sid[OA_REV_KEY_BYTES], int64_t now)
{
    static const unsigned char none[OA_REV_KEY_BYTES];
    struct oa_rev_entry e = {.cutoff = INT64_MAX, .expiry = now + cfg->session.lifetime};
    struct oa_error err;
    char id[32];

    if (!memcmp(sid, none, sizeof(none)))
        return;
    if (oa_b64url_encode(id, sizeof(id), sid, OA_REV_KEY_BYTES) != OA_OK ||
        !oa_rev_key(OA_REV_SESSION, id, NULL, e.key)) {
        oa_response_log(r, OA_LOG_ERROR, "logout: the session's id makes no key: not revoked");
        return;
    }
    oa_error_clear(&err);
    oa_metrics_revocation(OA_MX_REV_LOGOUT);
    if (oa_revoke(&e, &err) != OA_OK)
        oa_response_log(r, OA_LOG_ERROR, "logout: session %s revoked in this process only (%.200s)",
                        id, err.msg);
}

enum oa_err oa_endpoint_logout(struct oa_response *r, const struct oa_config *cfg,
                               struct oa_runtime *rt, const struct oa_request *req)
{
    unsigned char sid[OA_REV_KEY_BYTES];
    char provider[256];
    char *rd_param = logout_rd(req);
    const char *rd = oa_redirect_or_default(cfg, req, rd_param);
    struct oa_audit who;
    char *end_session;
    enum oa_err e;

    session_provider(provider, sizeof(provider), &who, sid, cfg, req);
    if (!oa_request_from_us(cfg, req)) {
        e = logout_confirm(r, cfg, rt, req, provider, rd);
        free(rd_param);
        return e;
    }
    end_session = oa_signin_logout_url(cfg, rt, req, provider, rd);
    e = oa_page_redirect(r, req, end_session ? end_session : rd);
    free(end_session);
    free(rd_param);
    if (!e)
        e = oa_session_clear(r, cfg, req);
    if (!e) /* the refresh token goes with the session (DESIGN.md 14.4) */
        e = oa_token_cookie_clear(r, cfg);
    if (!e)
        e = oa_state_delete_all(r, cfg, req);
    if (e) {
        oa_response_log(r, OA_LOG_ERROR, "logout: %s", oa_strerror(e));
        oa_page_error(r, req, 500, "Signing out failed on our side. Please try again.");
    } else if (who.event != OA_AUDIT_NONE) {
        r->audit = who;
    }
    revoke_session(r, cfg, sid, req->now);
    return e;
}

enum oa_err oa_endpoint_jwks(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req)
{
    const struct oa_sign_keys *ks = cfg->identity_token.keys;
    enum oa_err e;

    if (!ks || !ks->jwks) {
        oa_page_error_json(r, 404, "No identity token is configured.");
        return OA_ERR_NOT_FOUND;
    }
    oa_response_reset(r);
    oa_response_status(r, 200);
    oa_buf_puts(&r->body, ks->jwks);
    if ((e = oa_buf_error(&r->body)) ||
        (e = oa_response_header(r, "Content-Type", "application/jwk-set+json")) ||
        (e = oa_response_header(r, "Cache-Control", "public, max-age=300")) ||
        (e = oa_response_header(r, "X-Content-Type-Options", "nosniff"))) {
        oa_page_error_json(r, 500, "Something went wrong on our side. Please try again.");
        return e;
    }
    (void)req;
    return OA_OK;
}

static oa_health_fn health_fn;

void oa_endpoint_set_health(oa_health_fn fn)
{
    health_fn = fn;
}

/* REDIRECT_STATUS as an error status (400..599, three digits), else 0. */
static int error_status_of(const char *s)
{
    if (!s || strlen(s) != 3 || s[0] < '4' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9')
        return 0;
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

enum oa_err oa_endpoint_error(struct oa_response *r, const struct oa_request *req)
{
    int status = error_status_of(req->redirect_status);

    if (!status)
        status = 404;
    oa_page_error(r, req, status,
                  status >= 500   ? "The server could not answer this request. Try again later."
                  : status == 404 ? "There is nothing at this address."
                                  : "The server refused this request.");
    return OA_OK;
}

enum oa_err oa_endpoint_health(struct oa_response *r)
{
    struct oa_buf line;
    bool good = true;
    enum oa_err e;

    oa_response_reset(r);
    if (!health_fn) {
        oa_response_status(r, 200);
        e = oa_buf_puts(&r->body, "ok");
        return e ? e : oa_page_headers(r, OA_PAGE_TEXT);
    }
    oa_buf_init(&line, 1024);
    good = health_fn(&line);
    oa_response_status(r, good ? 200 : 503);
    oa_buf_puts(&r->body, good ? "ok\n" : "unavailable\n");
    oa_buf_puts(&r->body, line.p);
    oa_buf_puts(&r->body, "\n");
    oa_buf_free(&line);
    e = oa_buf_error(&r->body);
    return e ? e : oa_page_headers(r, OA_PAGE_TEXT);
}
