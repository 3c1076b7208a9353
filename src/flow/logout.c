/*
 * logout.c - where logout sends the browser once the session is cleared:
 * the provider's end-session endpoint (config, else discovery) with
 * post_logout_redirect_uri and client_id, or Cognito's /logout with
 * client_id and logout_uri. No id_token_hint: the session never keeps
 * provider tokens. The return target is validated again and made absolute.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/flow.h"
#include "oa/inflight.h"
#include "oa/provider_cache.h"
#include "oa/redirect.h"
#include "oa/signin.h"

/* rd validated and absolute (new), or NULL without a usable origin. */
static char *absolute_rd(const struct oa_config *cfg, const struct oa_request *req, const char *rd)
{
    const char *ok = oa_redirect_or_default(cfg, req, rd);
    char *origin, *out;
    size_t n;

    if (ok[0] != '/' || ok[1] == '/')
        return strdup(ok);
    origin = cfg->public_url ? strdup(cfg->public_url) : oa_flow_origin(req);
    if (!origin)
        return NULL;
    n = strlen(origin) + strlen(ok) + 1;
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s%s", origin, ok);
    free(origin);
    return out;
}

static char *logout_url(const char *base, const char *id_name, const char *client_id,
                        const char *rd_name, const char *rd)
{
    struct oa_buf b = {0};

    oa_buf_printf(&b, "%s%c%s=", base, strchr(base, '?') ? '&' : '?', id_name);
    oa_buf_urlenc(&b, client_id ? client_id : "");
    oa_buf_printf(&b, "&%s=", rd_name);
    oa_buf_urlenc(&b, rd);
    return oa_buf_steal(&b); /* NULL when an append failed */
}

static char *cognito_logout(const struct oa_provider *p, const char *rd)
{
    struct oa_buf base = {0};
    char *out = NULL;
    size_t n;

    if (!p->domain)
        return NULL;
    n = strlen(p->domain);
    while (n && p->domain[n - 1] == '/')
        n--;
    if (!strstr(p->domain, "://"))
        oa_buf_puts(&base, "https://");
    oa_buf_append(&base, p->domain, n);
    oa_buf_puts(&base, "/logout");
    if (oa_buf_error(&base) == OA_OK)
        out = logout_url(base.p, "client_id", p->client_id, "logout_uri", rd);
    oa_buf_free(&base);
    return out;
}

/* The end-session URL from the discovery document (new) or NULL. Discovery
 * may wait on the provider: only with a provider-call slot (inflight.h);
 * without one the local logout goes on, straight to rd. */
static char *discovered_logout(struct oa_runtime *rt, const struct oa_config *cfg,
                               const struct oa_provider *p, const char *abs_rd)
{
    bool slot = oa_provider_urls_may_fetch(p);
    struct oa_provider_urls ep;
    struct oa_error err;
    char *out = NULL;

    if (slot && !oa_inflight_enter())
        return NULL;
    memset(&ep, 0, sizeof(ep));
    oa_error_clear(&err);
    if (oa_provider_urls_get(&ep, rt, cfg, p, &err) == OA_OK && ep.end_session_endpoint)
        out = logout_url(ep.end_session_endpoint, "client_id", p->client_id,
                         "post_logout_redirect_uri", abs_rd);
    oa_provider_urls_free(&ep);
    if (slot)
        oa_inflight_leave();
    return out;
}

/* Ownership: new string, or NULL when the provider has no end-session URL
 * (or on any failure: logout then simply goes to rd). */
char *oa_signin_logout_url(const struct oa_config *cfg, struct oa_runtime *rt,
                           const struct oa_request *req, const char *provider_name, const char *rd)
{
    const struct oa_provider *p;
    char *abs_rd, *out = NULL;

    if (!provider_name || !*provider_name)
        return NULL;
    p = oa_config_provider(cfg, provider_name, strlen(provider_name));
    if (!p)
        return NULL;
    abs_rd = absolute_rd(cfg, req, rd);
    if (!abs_rd)
        return NULL;
    if (p->kind == OA_PROVIDER_COGNITO) {
        out = cognito_logout(p, abs_rd);
    } else if (p->end_session_url) {
        out = logout_url(p->end_session_url, "client_id", p->client_id, "post_logout_redirect_uri",
                         abs_rd);
    } else if (oa_flow_is_oidc(p)) {
        out = discovered_logout(rt, cfg, p, abs_rd);
    }
    free(abs_rd);
    return out;
}
