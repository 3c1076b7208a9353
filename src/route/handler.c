/*
 * handler.c - the core's one entry point: routes a request to the
 * authorizer or to a responder endpoint under base_path (DESIGN.md 3, 4).
 *
 * The endpoint is SCRIPT_NAME + PATH_INFO (or, when both are empty, the
 * normalised path of REQUEST_URI) with base_path taken off the front, so the
 * program answers the same whether the server mounts it at base_path
 * (lighttpd prefix, ScriptAlias) or at '/'. A path not under base_path, an
 * unknown endpoint or provider is a 404 page; a known endpoint with a method
 * it does not take is a 405 with Allow. HEAD is served as GET without body.
 *
 * Apache mod_fcgid turns every denial into a 401 and shows the ErrorDocument
 * (base_path/sign_in) with REDIRECT_STATUS=401 and REDIRECT_URL: whatever
 * endpoint is hit that way answers the redirect to sign in (401 for API
 * calls), with rd made from REDIRECT_URL and REDIRECT_QUERY_STRING -- or,
 * when the browser has a valid session, the 403 page: then the 401 was the
 * access rules' refusal; a valid session past its refresh_at on a page load
 * gets the redirect to <base_path>/refresh (the authorizer's REFRESH, which
 * mod_fcgid turned into a 401 and nginx's /auth answers as one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/authorizer.h"
#include "oa/bearer.h"
#include "oa/crypto.h"
#include "oa/endpoints.h"
#include "oa/handler.h"
#include "oa/negotiate.h"
#include "oa/pages.h"
#include "oa/session.h"
#include "oa/signin.h"
#include "oa/url.h"

#define OA_ENDPOINT_MAX 2048

enum oa_methods { M_GET = 1, M_HEAD = 2, M_POST = 4, M_ANY = 0xff };

static bool method_is(const struct oa_request *req, const char *m)
{
    return req->method && strcasecmp(req->method, m) == 0;
}

static int method_bit(const struct oa_request *req)
{
    if (method_is(req, "GET"))
        return M_GET;
    if (method_is(req, "HEAD"))
        return M_HEAD;
    if (method_is(req, "POST"))
        return M_POST;
    return 0x80;
}

/* The endpoint path relative to base_path ("/" at least) into out; -1 when
 * the request is not under base_path or is unparsable. */
static int endpoint_of(char *out, size_t cap, const struct oa_config *cfg,
                       const struct oa_request *req)
{
    const char *sn = req->script_name ? req->script_name : "";
    const char *pi = req->path_info ? req->path_info : "";
    const char *base = oa_base_path(cfg);
    char full[OA_ENDPOINT_MAX];
    size_t bl = strlen(base);
    int n;

    if (*sn || *pi) {
        n = snprintf(full, sizeof(full), "%s%s", sn, pi);
        if (n < 0 || (size_t)n >= sizeof(full))
            return -1;
    } else {
        char raw[OA_ENDPOINT_MAX];
        const char *uri = req->request_uri;
        size_t len = uri ? strcspn(uri, "?#") : 0;
        if (!uri || uri[0] != '/' || len >= sizeof(raw))
            return -1;
        memcpy(raw, uri, len);
        raw[len] = '\0';
        if (oa_path_normalize(full, sizeof(full), raw) != OA_OK)
            return -1;
    }
    if (strncmp(full, base, bl) != 0 || (full[bl] != '\0' && full[bl] != '/'))
        return -1;
    n = snprintf(out, cap, "%s", full[bl] ? full + bl : "/");
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

static void not_found(struct oa_response *r, const struct oa_request *req)
{
    oa_page_error(r, req, 404, "There is nothing at this address.");
}

/* 405 with Allow; returns whether the method was allowed. */
static bool method_ok(struct oa_response *r, const struct oa_request *req, int allowed)
{
    char allow[32];

    if (method_bit(req) & allowed)
        return true;
    snprintf(allow, sizeof(allow), "%s%s%s", allowed & M_GET ? "GET, " : "",
             allowed & M_HEAD ? "HEAD, " : "", allowed & M_POST ? "POST, " : "");
    allow[strlen(allow) - 2] = '\0';
    oa_page_error(r, req, 405, "This address does not take that kind of request.");
    if (oa_response_header(r, "Allow", allow) != OA_OK)
        r->status = 405; /* cannot fail: a constant after a reset */
    return false;
}

static enum oa_err sign_in_page(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req)
{
    char *rd = NULL;
    const char *q = req->query_string;
    enum oa_err e;

    if (q && oa_form_get(&rd, q, strlen(q), "rd") != OA_OK)
        rd = NULL;
    e = oa_page_sign_in(r, cfg, req, rd);
    free(rd);
    return e;
}

/* "/<provider>/login", "/<provider>/callback" and
 * "/<provider>/backchannel-logout" (POST only: the provider's server posts
 * a logout token, OpenID Connect Back-Channel Logout 1.0). */
static enum oa_err provider_endpoint(struct oa_response *r, const struct oa_config *cfg,
                                     struct oa_runtime *rt, const struct oa_request *req,
                                     const char *ep)
{
    const char *name = ep + 1;
    const char *slash = strchr(name, '/');
    const struct oa_provider *p;

    if (!slash || slash == name) {
        not_found(r, req);
        return OA_ERR_NOT_FOUND;
    }
    p = oa_config_provider(cfg, name, (size_t)(slash - name));
    if (p && strcmp(slash, "/login") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? oa_signin_login(r, cfg, rt, req, p) : OA_OK;
    if (p && strcmp(slash, "/callback") == 0)
        return method_ok(r, req, M_GET | M_POST) ? oa_signin_callback(r, cfg, rt, req, p) : OA_OK;
    if (p && strcmp(slash, "/backchannel-logout") == 0)
        return method_ok(r, req, M_POST) ? oa_signin_backchannel_logout(r, cfg, rt, req, p) : OA_OK;
    not_found(r, req);
    return OA_ERR_NOT_FOUND;
}

static enum oa_err route(struct oa_response *r, const struct oa_config *cfg, struct oa_runtime *rt,
                         const struct oa_request *req, const char *ep)
{
    if (strcmp(ep, "/") == 0 || strcmp(ep, "/sign_in") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? sign_in_page(r, cfg, req) : OA_OK;
    if (strcmp(ep, "/logout") == 0)
        return method_ok(r, req, M_GET | M_POST) ? oa_endpoint_logout(r, cfg, rt, req) : OA_OK;
    if (strcmp(ep, "/refresh") == 0) /* POST: a page's script refreshing before exp */
        return method_ok(r, req, M_GET | M_HEAD | M_POST) ? oa_signin_refresh(r, cfg, rt, req)
                                                          : OA_OK;
    if (strcmp(ep, "/userinfo") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? oa_endpoint_userinfo(r, cfg, req) : OA_OK;
    if (strcmp(ep, "/auth") == 0) /* auth_request keeps the original method */
        return oa_endpoint_auth(r, cfg, req);
    if (strcmp(ep, "/health") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? oa_endpoint_health(r) : OA_OK;
    if (strcmp(ep, "/error") == 0) /* an ErrorDocument: any method */
        return oa_endpoint_error(r, req);
    if (strcmp(ep, "/jwks") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? oa_endpoint_jwks(r, cfg, req) : OA_OK;
    if (strcmp(ep, "/metrics") == 0)
        return method_ok(r, req, M_GET | M_HEAD) ? oa_endpoint_metrics(r, cfg, req) : OA_OK;
    return provider_endpoint(r, cfg, rt, req, ep);
}

static bool from_error_document(const struct oa_request *req)
{
    return req->redirect_status && strcmp(req->redirect_status, "401") == 0 && req->redirect_url &&
           req->redirect_url[0] == '/';
}

/* Apache gives REDIRECT_URL decoded: encode it back (bytes outside RFC 3986
 * pchar and '/'), then the raw REDIRECT_QUERY_STRING. */
static void error_document_rd(struct oa_buf *b, const struct oa_request *req)
{
    static const char keep[] = "-._~!$&'()*+,;=:@/";
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)req->redirect_url;
    const char *q = req->redirect_query_string;

    oa_buf_puts(b, "");
    for (; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p)) {
            oa_buf_append(b, (const char *)p, 1);
        } else {
            char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            oa_buf_append(b, pct, 3);
        }
    }
    if (q && *q)
        oa_buf_printf(b, "?%s", q);
}

/* The answer for a browser that has a valid session (true when answered):
 * mod_fcgid turns the access checker's 403 into a 401 as well, so a valid
 * session here means the rules refused: the 403 page, not another sign-in
 * (which would only come back here) -- unless the session is past its
 * refresh_at and this is a page load: then the 401 was the authorizer's
 * REFRESH, and the answer is the redirect to <base_path>/refresh. */
static bool error_document_signed_in(struct oa_response *r, const struct oa_config *cfg,
                                     const struct oa_request *req, enum oa_err *e)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb)); /* ~20 KiB: not on the stack */
    struct oa_identity id;
    char user[1024];
    bool signed_in;

    if (!sb)
        return false;
    sb->plain_len = 0;
    signed_in = oa_session_read(&id, sb, cfg, req->cookie, req->now) == OA_OK;
    if (signed_in && oa_session_stale(&id, req->now) && oa_page_load(req)) {
        struct oa_buf rd = {0};
        error_document_rd(&rd, req);
        *e = oa_refresh_redirect(r, cfg, req, rd.p); /* rd.p NULL: no target */
        oa_buf_free(&rd);
    } else if (signed_in) {
        const char *who = oa_remote_user(&id, user, sizeof(user));
        oa_page_forbidden(r, cfg, req, who);
        oa_response_log(r, OA_LOG_INFO, "access denied: user %s (%s), ErrorDocument for %.200s",
                        who ? who : "?", id.provider, req->redirect_url);
        *e = OA_ERR_DENIED;
    }
    oa_wipe(sb->plain, sb->plain_len);
    free(sb);
    return signed_in;
}

/* The ErrorDocument of a request with a bearer token (Apache's, nginx's
 * error_page): never a redirect to sign in (bearer.h). mod_fcgid turns the
 * access checker's 403 into a 401, so the decision is made again for the
 * original URL: an invalid token is 401 invalid_token, a valid one the
 * rules refused is 403 insufficient_scope with the rule's scopes. */
static enum oa_err error_document_bearer(struct oa_response *r, const struct oa_config *cfg,
                                         const struct oa_request *req)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb)); /* not read: the token decides */
    struct oa_request q = *req;
    struct oa_buf uri = {0};
    struct oa_identity id;
    enum oa_decision d = OA_DECISION_UNAUTH;

    error_document_rd(&uri, req);
    q.request_uri = uri.p;
    q.served_uri = q.served_path = NULL;
    if (sb && uri.p)
        d = oa_authorize_at(&id, sb, cfg, &q, NULL);
    if (d == OA_DECISION_UNAUTH || !uri.p || !sb) {
        oa_page_error(r, req, 401, "The access token is not valid.");
        oa_bearer_challenge(r, 401, NULL);
    } else {
        char user[1024];
        oa_page_forbidden(r, cfg, req, oa_remote_user(&id, user, sizeof(user)));
        oa_authorizer_bearer_answer(r, cfg, OA_DECISION_FORBIDDEN);
    }
    oa_buf_free(&uri);
    free(sb);
    return d == OA_DECISION_UNAUTH ? OA_OK : OA_ERR_DENIED;
}

static enum oa_err error_document(struct oa_response *r, const struct oa_config *cfg,
                                  const struct oa_request *req)
{
    struct oa_buf rd = {0};
    enum oa_err e = OA_OK;
    const char *tok;
    size_t n;

    if (oa_bearer_token(req->authorization, &tok, &n) && oa_bearer_enabled(cfg))
        return error_document_bearer(r, cfg, req);
    if (error_document_signed_in(r, cfg, req, &e))
        return e;
    if (!oa_page_load(req)) {
        oa_page_error(r, req, 401, "You need to sign in to see this page.");
        return OA_OK;
    }
    error_document_rd(&rd, req);
    /* rd.p is NULL if it failed: then sign in without a target */
    e = oa_sign_in_redirect(r, cfg, req, rd.p);
    oa_buf_free(&rd);
    return e;
}

enum oa_err oa_handle(const struct oa_config *cfg, struct oa_runtime *rt,
                      const struct oa_request *req, struct oa_response *r)
{
    char ep[OA_ENDPOINT_MAX];
    enum oa_err e;

    if (req->role == OA_ROLE_AUTHORIZER)
        return oa_authorizer_answer(cfg, req, r);
    if (from_error_document(req)) {
        e = error_document(r, cfg, req);
    } else if (endpoint_of(ep, sizeof(ep), cfg, req) != 0) {
        not_found(r, req);
        e = OA_ERR_NOT_FOUND;
    } else {
        e = route(r, cfg, rt, req, ep);
    }
    if (r->status == 0) {
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        if (e == OA_OK)
            e = OA_ERR_INTERNAL;
    }
    if (method_is(req, "HEAD"))
        oa_buf_free(&r->body);
    return e;
}
