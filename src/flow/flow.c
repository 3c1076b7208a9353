/*
 * flow.c - the plumbing the login and callback flows share: the flow
 * context, its endpoints, failures (an error page plus one log line that
 * never holds a secret), and the request's origin for redirect_uri.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/flow.h"
#include "oa/inflight.h"
#include "oa/pages.h"
#include "oa/redirect.h"

#define BUSY "Too many sign-ins are in progress. Try again in a few seconds."

void oa_flow_start(struct oa_flow *f, struct oa_response *r, const struct oa_config *cfg,
                   struct oa_runtime *rt, const struct oa_request *req, const struct oa_provider *p)
{
    memset(f, 0, sizeof(*f));
    f->cfg = cfg;
    f->rt = rt;
    f->req = req;
    f->p = p;
    f->r = r;
    f->http = rt->http;
    oa_http_opts_from_config(&f->opts, cfg);
}

void oa_flow_done(struct oa_flow *f)
{
    oa_provider_urls_free(&f->ep);
    if (f->slot)
        oa_inflight_leave();
    f->slot = false;
}

enum oa_err oa_flow_slot(struct oa_flow *f)
{
    if (f->slot)
        return OA_OK;
    if (!oa_inflight_enter())
        return oa_flow_fail(f, OA_ERR_BUSY, 503, BUSY,
                            "too many sign-ins in progress (%u provider calls at the cap): "
                            "refused at once",
                            oa_inflight_now());
    f->slot = true;
    return OA_OK;
}

size_t oa_flow_provider_index(const struct oa_flow *f)
{
    return oa_config_provider_index(f->cfg, f->p);
}

enum oa_err oa_flow_send(struct oa_flow *f, enum oa_metrics_call kind,
                         const struct oa_http_request *hr, struct oa_http_response *resp,
                         struct oa_error *err)
{
    uint64_t t0 = oa_metrics_now_us();
    enum oa_err e = f->http->send(f->http->ctx, &f->opts, hr, resp, err);

    oa_metrics_call(oa_flow_provider_index(f), kind, oa_metrics_now_us() - t0);
    return e;
}

bool oa_flow_is_oidc(const struct oa_provider *p)
{
    return p->kind != OA_PROVIDER_GITHUB;
}

enum oa_err oa_flow_fail(struct oa_flow *f, enum oa_err code, int status, const char *reason,
                         const char *fmt, ...)
{
    char line[OA_RESPONSE_LOG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* the first failure is the one that counts */
    if (f->status)
        return code;
    f->status = status;
    f->reason = reason;
    f->cause = f->phase ? f->phase : OA_MX_CAUSE_OTHER;
    oa_response_log(f->r, status >= 500 ? OA_LOG_ERROR : OA_LOG_WARN, "provider %s: %s", f->p->name,
                    line);
    /* the log line's words (never a secret) say why */
    oa_audit_set(&f->r->audit, OA_AUDIT_SIGN_IN_FAIL, status, f->p->name, NULL, NULL, NULL, line);
    return code;
}

void oa_flow_page(struct oa_flow *f)
{
    char secs[16];
    char *again = oa_page_again_url(f->cfg, f->rd); /* NULL: the page without the link */

    oa_page_error_again(f->r, f->req, f->status ? f->status : 500,
                        f->reason ? f->reason : "Sign-in failed. Start again.", again);
    free(again);
    /* after the page, which replaces the headers; a 503 is always "later" */
    snprintf(secs, sizeof(secs), "%d", OA_INFLIGHT_RETRY_AFTER);
    if (f->status == 503 && oa_response_header(f->r, "Retry-After", secs) != OA_OK)
        f->r->status = 503; /* cannot fail: a few bytes after a reset */
}

enum oa_err oa_flow_provider_urls(struct oa_flow *f)
{
    struct oa_error err;
    enum oa_err e;

    oa_error_clear(&err);
    e = oa_provider_urls_get(&f->ep, f->rt, f->cfg, f->p, &err);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 502, "The sign-in provider cannot be reached. Try again later.",
                            "endpoints: %s (%s)", err.msg, oa_strerror(e));
    return OA_OK;
}

static bool host_char_ok(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
}

char *oa_flow_origin(const struct oa_request *req)
{
    const char *h = req->host;
    bool tls;
    size_t i, n;
    char *out;

    if (!h || !*h)
        return NULL;
    for (i = 0; h[i]; i++)
        if (!host_char_ok((unsigned char)h[i]))
            return NULL;
    tls = oa_request_https(req);
    n = strlen(h) + sizeof("https://");
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s://%s", tls ? "https" : "http", h);
    return out;
}

char *oa_flow_redirect_uri(const struct oa_flow *f)
{
    char *origin = NULL, *uri;

    if (!f->p->redirect_uri && !f->cfg->public_url) {
        origin = oa_flow_origin(f->req);
        if (!origin)
            return NULL;
    }
    uri = oa_config_callback_url(f->cfg, f->p, origin);
    free(origin);
    return uri;
}

void oa_flow_url_for_log(char *out, size_t cap, const char *url)
{
    size_t n = url ? strcspn(url, "?#") : 0;

    if (!cap)
        return;
    if (!url) {
        snprintf(out, cap, "(none)");
        return;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, url, n);
    out[n] = '\0';
}
