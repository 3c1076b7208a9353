/*
 * pages.c - what a person (or a script) sees: the sign-in page, error pages,
 * the small redirect page, and the headers every page carries.
 *
 * Every interpolated value goes through oa_buf_html (HTML) or oa_buf_json_str
 * (JSON); URLs inside pages are built with oa_buf_urlenc. Pages carry no
 * script; the one style sheet is allowed by its hash in the CSP, so an
 * injected <style> or <script> would not run even if escaping ever failed.
 */
#include <stdio.h>
#include <string.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/negotiate.h"
#include "oa/pages.h"
#include "oa/redirect.h"

/* The pages' one style sheet. Its SHA-256 goes into the CSP: change it
 * freely, the hash is computed from this very string. */
static const char page_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;"
    "background:#f3f4f6;color:#111827;"
    "font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif}"
    "main{width:100%;max-width:380px;margin:24px;padding:36px 32px 24px;background:#fff;"
    "border:1px solid #e5e7eb;border-radius:14px;box-shadow:0 10px 30px rgba(17,24,39,.08);"
    "text-align:center}"
    "h1{margin:0 0 6px;font-size:22px;font-weight:650;word-break:break-word}"
    "p{margin:0 0 24px;color:#4b5563}"
    "a.btn{display:block;margin:0 0 12px;padding:12px 16px;border:1px solid #d1d5db;"
    "border-radius:10px;background:#fff;color:#111827;font-weight:550;text-decoration:none}"
    "a.btn:hover,a.btn:focus-visible{background:#f9fafb;border-color:#6b7280;"
    "outline:2px solid transparent}"
    "a.btn:focus-visible{box-shadow:0 0 0 3px rgba(59,130,246,.45)}"
    "footer{margin-top:22px;font-size:12px;color:#9ca3af}"
    "@media (prefers-color-scheme:dark){body{background:#111827;color:#f9fafb}"
    "main{background:#1f2937;border-color:#374151;box-shadow:none}p{color:#d1d5db}"
    "a.btn{background:#111827;border-color:#4b5563;color:#f9fafb}"
    "a.btn:hover,a.btn:focus-visible{background:#374151}footer{color:#6b7280}}";

const char *oa_base_path(const struct oa_config *cfg)
{
    const char *b = cfg && cfg->base_path ? cfg->base_path : "/oauth";

    return strcmp(b, "/") == 0 ? "" : b;
}

/* 'sha256-<standard base64>' of the style sheet, into out (>= 64 bytes). */
static void css_hash(char *out, size_t cap)
{
    unsigned char h[32];
    char b[48];
    size_t i;

    oa_sha256(h, page_css, sizeof(page_css) - 1);
    if (oa_b64url_encode(b, sizeof(b), h, sizeof(h)) != OA_OK) {
        snprintf(out, cap, "'none'");
        return;
    }
    for (i = 0; b[i]; i++)
        b[i] = b[i] == '-' ? '+' : b[i] == '_' ? '/' : b[i];
    snprintf(out, cap, "'sha256-%s='", b); /* 32 bytes: 43 chars + one '=' */
}

/* The headers every page carries. referrer: the Referrer-Policy;
 * form_action: the CSP's form-action sources (HTML pages). */
static enum oa_err page_headers(struct oa_response *r, enum oa_page_kind kind, const char *referrer,
                                const char *form_action)
{
    static const char *types[] = {"text/html; charset=utf-8", "application/json",
                                  "text/plain; charset=utf-8", NULL};
    char hash[80];
    enum oa_err e = OA_OK;

    if (types[kind])
        e = oa_response_header(r, "Content-Type", types[kind]);
    if (!e)
        e = oa_response_header(r, "Cache-Control", "no-store");
    if (!e)
        e = oa_response_header(r, "X-Content-Type-Options", "nosniff");
    if (!e)
        e = oa_response_header(r, "Referrer-Policy", referrer);
    if (!e && kind == OA_PAGE_HTML) {
        css_hash(hash, sizeof(hash));
        e = oa_response_headerf(r, "Content-Security-Policy",
                                "default-src 'none'; style-src %s; base-uri 'none'; "
                                "form-action %s; frame-ancestors 'none'",
                                hash, form_action);
        if (!e)
            e = oa_response_header(r, "X-Frame-Options", "DENY");
    } else if (!e) {
        e = oa_response_header(r, "Content-Security-Policy",
                               "default-src 'none'; frame-ancestors 'none'");
    }
    return e;
}

enum oa_err oa_page_headers(struct oa_response *r, enum oa_page_kind kind)
{
    return page_headers(r, kind, "no-referrer", "'none'");
}

/* The page builders below append freely: the body remembers its first
 * error, checked once by the caller (DESIGN.md section 8.1). */

/* The page's head and the opening of the card. */
static void page_open(struct oa_buf *b, const char *title)
{
    oa_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
                   "<meta name=\"robots\" content=\"noindex,nofollow\">\n<title>");
    oa_buf_html(b, title);
    oa_buf_puts(b, "</title>\n<style>");
    oa_buf_puts(b, page_css);
    oa_buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

static void page_close(struct oa_buf *b)
{
    oa_buf_puts(b, "<footer>Protected by oauth2-fcgi</footer>\n</main>\n</body>\n</html>\n");
}

/* Status + headers of a page whose body is already in r. A body that failed
 * to build (already emptied by the buffer) and a header failure both still
 * leave a body-less answer with that status. */
static void page_finish(struct oa_response *r, int status, enum oa_page_kind kind)
{
    if (oa_buf_error(&r->body) != OA_OK)
        oa_buf_free(&r->body);
    oa_response_status(r, status);
    if (oa_page_headers(r, kind) != OA_OK) {
        r->nheaders = 0;
        r->space_used = 0;
        oa_buf_free(&r->body);
        if (oa_page_headers(r, OA_PAGE_NONE) != OA_OK)
            r->nheaders = 0; /* an empty arena always takes them */
    }
}

static void json_error_body(struct oa_buf *b, int status, const char *reason)
{
    oa_buf_puts(b, "{\"error\": \"");
    oa_buf_json_str(b, reason);
    oa_buf_printf(b, "\", \"status\": %d}\n", status);
}

void oa_page_error_json(struct oa_response *r, int status, const char *reason)
{
    oa_response_reset(r);
    json_error_body(&r->body, status, reason ? reason : oa_status_reason(status));
    page_finish(r, status, OA_PAGE_JSON);
}

/* The HTML error body: title "NNN Reason", the reason, who is signed in
 * (optional) and an optional way forward: a button linking to href (a URL
 * made here, escaped as an attribute) labelled label. */
static void html_error_body(struct oa_buf *b, int status, const char *reason, const char *who,
                            const char *href, const char *label)
{
    char title[64];

    snprintf(title, sizeof(title), "%d %s", status, oa_status_reason(status));
    page_open(b, title);
    oa_buf_puts(b, "<h1>");
    oa_buf_html(b, title);
    oa_buf_puts(b, "</h1>\n<p>");
    oa_buf_html(b, reason);
    if (who) {
        oa_buf_puts(b, "</p>\n<p>Signed in as <strong>");
        oa_buf_html(b, who);
        oa_buf_puts(b, "</strong>.");
    }
    oa_buf_puts(b, "</p>\n");
    if (href) {
        oa_buf_puts(b, "<a class=\"btn\" href=\"");
        oa_buf_html(b, href);
        oa_buf_puts(b, "\">");
        oa_buf_html(b, label);
        oa_buf_puts(b, "</a>\n");
    }
    page_close(b);
}

void oa_page_error_again(struct oa_response *r, const struct oa_request *req, int status,
                         const char *reason, const char *again)
{
    if (!reason)
        reason = oa_status_reason(status);
    if (req && oa_wants_json(req)) {
        oa_page_error_json(r, status, reason);
        return;
    }
    oa_response_reset(r);
    html_error_body(&r->body, status, reason, NULL, again, "Start again");
    page_finish(r, status, OA_PAGE_HTML);
}

void oa_page_error(struct oa_response *r, const struct oa_request *req, int status,
                   const char *reason)
{
    oa_page_error_again(r, req, status, reason, NULL);
}

char *oa_page_again_url(const struct oa_config *cfg, const char *rd)
{
    struct oa_buf url = {0};

    oa_buf_puts(&url, oa_base_path(cfg));
    oa_buf_puts(&url, "/");
    if (rd && *rd) {
        oa_buf_puts(&url, "sign_in?rd=");
        oa_buf_urlenc(&url, rd);
    }
    return oa_buf_steal(&url); /* NULL when an append failed */
}

void oa_page_forbidden(struct oa_response *r, const struct oa_config *cfg,
                       const struct oa_request *req, const char *user)
{
    static const char reason[] = "Your account may not see this page.";
    char logout[600];

    if (oa_wants_json(req)) {
        oa_page_error_json(r, 403, reason);
        return;
    }
    oa_response_reset(r);
    snprintf(logout, sizeof(logout), "%s/logout", oa_base_path(cfg));
    html_error_body(&r->body, 403, reason, user && *user ? user : NULL, logout,
                    "Sign in as someone else");
    page_finish(r, 403, OA_PAGE_HTML);
}

enum oa_err oa_page_redirect(struct oa_response *r, const struct oa_request *req,
                             const char *location)
{
    enum oa_err e;

    oa_response_reset(r);
    e = oa_response_header(r, "Location", location);
    if (e) {
        oa_response_log(r, OA_LOG_ERROR, "redirect target refused by the header writer");
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return OA_ERR_BAD_INPUT;
    }
    page_open(&r->body, "Redirecting");
    oa_buf_puts(&r->body, "<h1>Redirecting</h1>\n<p><a href=\"");
    oa_buf_html(&r->body, location);
    oa_buf_puts(&r->body, "\">Continue</a></p>\n");
    page_close(&r->body);
    if (oa_buf_error(&r->body) != OA_OK)
        oa_buf_free(&r->body); /* the Location header is the answer */
    oa_response_status(r, 302);
    if (oa_page_headers(r, OA_PAGE_HTML) != OA_OK) {
        oa_buf_free(&r->body);
        return OA_ERR_TOO_LARGE;
    }
    return OA_OK;
}

/* The name shown at the top of the card: the site's host, else ours. */
static const char *product_name(const struct oa_config *cfg, const struct oa_request *req)
{
    if (cfg->public_host && *cfg->public_host)
        return cfg->public_host;
    if (req->host && *req->host)
        return req->host;
    return "oauth2-fcgi";
}

static void sign_in_button(struct oa_buf *b, const struct oa_config *cfg,
                           const struct oa_provider *p, const char *rd)
{
    struct oa_buf url = {0};

    /* the URL is built first, then HTML-escaped as an attribute value */
    oa_buf_puts(&url, oa_base_path(cfg));
    oa_buf_puts(&url, "/");
    oa_buf_urlenc(&url, p->name);
    oa_buf_puts(&url, "/login");
    if (rd) {
        oa_buf_puts(&url, "?rd=");
        oa_buf_urlenc(&url, rd);
    }
    oa_buf_puts(b, "<a class=\"btn\" href=\"");
    oa_buf_fail(b, oa_buf_error(&url)); /* never an empty href */
    oa_buf_html(b, url.p);
    oa_buf_free(&url);
    oa_buf_puts(b, "\">Sign in with ");
    oa_buf_html(b, p->display_name && *p->display_name ? p->display_name : p->name);
    oa_buf_puts(b, "</a>\n");
}

enum oa_err oa_page_sign_in(struct oa_response *r, const struct oa_config *cfg,
                            const struct oa_request *req, const char *rd)
{
    enum oa_err e;
    size_t i;

    if (rd && !oa_redirect_ok(cfg, req, rd))
        rd = NULL;
    oa_response_reset(r);
    page_open(&r->body, "Sign in");
    oa_buf_puts(&r->body, "<h1>");
    oa_buf_html(&r->body, product_name(cfg, req));
    oa_buf_puts(&r->body, "</h1>\n<p>Sign in to continue</p>\n");
    for (i = 0; i < cfg->nproviders; i++)
        sign_in_button(&r->body, cfg, &cfg->providers[i], rd);
    if (cfg->nproviders == 0)
        oa_buf_puts(&r->body, "<p>No sign-in method is configured.</p>\n");
    page_close(&r->body);
    e = oa_buf_error(&r->body);
    if (e) {
        oa_response_log(r, OA_LOG_ERROR, "sign-in page: %s", oa_strerror(e));
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return e;
    }
    oa_response_status(r, 200);
    e = oa_page_headers(r, OA_PAGE_HTML);
    if (e) {
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return e;
    }
    return OA_OK;
}

static void confirm_body(struct oa_buf *b, const struct oa_config *cfg,
                         const struct oa_request *req, const char *rd)
{
    page_open(b, "Sign out");
    oa_buf_puts(b, "<h1>Sign out of ");
    oa_buf_html(b, product_name(cfg, req));
    oa_buf_puts(b, "?</h1>\n<form method=\"post\" action=\"");
    oa_buf_html(b, oa_base_path(cfg));
    oa_buf_puts(b, "/logout\">\n<input type=\"hidden\" name=\"rd\" value=\"");
    oa_buf_html(b, rd);
    oa_buf_puts(b, "\">\n<button class=\"btn\" type=\"submit\" name=\"confirm\" "
                   "value=\"yes\">Sign out</button>\n</form>\n<p><a href=\"");
    oa_buf_html(b, rd);
    oa_buf_puts(b, "\">Stay signed in</a></p>\n");
    page_close(b);
}

/* The confirmation's form posts to us, and its answer may redirect to the
 * provider's end-session origin (form-action covers redirects); the POST's
 * Referer says it came from our page to a browser without Origin. */
static enum oa_err confirm_headers(struct oa_response *r, const char *form_origin)
{
    char action[600];
    int n = snprintf(action, sizeof(action), "'self'%s%s", form_origin ? " " : "",
                     form_origin ? form_origin : "");

    if (n < 0 || (size_t)n >= sizeof(action))
        snprintf(action, sizeof(action), "'self'");
    return page_headers(r, OA_PAGE_HTML, "same-origin", action);
}

enum oa_err oa_page_logout_confirm(struct oa_response *r, const struct oa_config *cfg,
                                   const struct oa_request *req, const char *rd,
                                   const char *form_origin)
{
    enum oa_err e;

    if (!rd || !oa_redirect_ok(cfg, req, rd))
        rd = "/";
    oa_response_reset(r);
    confirm_body(&r->body, cfg, req, rd);
    e = oa_buf_error(&r->body);
    if (!e) {
        oa_response_status(r, 200);
        e = confirm_headers(r, form_origin);
    }
    if (e) {
        oa_response_log(r, OA_LOG_ERROR, "sign-out page: %s", oa_strerror(e));
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
    }
    return e;
}
