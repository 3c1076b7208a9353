/*
 * config_describe.c - what --check-config prints, and the callback URL to
 * register at each provider.
 *
 * The summary never holds a secret: a client secret shows only as "set"
 * with where it came from, keys only as a count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oa/buf.h"
#include "oa/config.h"

char *oa_config_callback_url(const struct oa_config *cfg, const struct oa_provider *p,
                             const char *origin)
{
    char *s = NULL;

    if (p->redirect_uri)
        return strdup(p->redirect_uri);
    if (cfg->public_url)
        origin = cfg->public_url;
    if (asprintf(&s, "%s%s/%s/callback", origin ? origin : "<origin>", cfg->base_path, p->name) < 0)
        return NULL;
    return s;
}

static const char *kind_name(enum oa_provider_kind k)
{
    switch (k) {
    case OA_PROVIDER_GITHUB: return "github";
    case OA_PROVIDER_GOOGLE: return "google-oauth2";
    case OA_PROVIDER_HUGGINGFACE: return "huggingface";
    case OA_PROVIDER_COGNITO: return "amazon-cognito";
    case OA_PROVIDER_APPLE: return "apple-id";
    case OA_PROVIDER_OIDC: return "OpenID Connect";
    }
    return "?";
}

static enum oa_err put_list(struct oa_buf *b, const char *label, const struct oa_strlist *l)
{
    enum oa_err e;

    if (!l->n)
        return OA_OK;
    if ((e = oa_buf_printf(b, "%s:", label)))
        return e;
    for (size_t i = 0; i < l->n; i++)
        if ((e = oa_buf_printf(b, "%s%s", i ? ", " : " ", l->v[i])))
            return e;
    return oa_buf_puts(b, "\n");
}

static enum oa_err put_secret(struct oa_buf *b, const struct oa_provider *p)
{
    if (p->client_secret)
        return oa_buf_printf(b, "  client_secret: set (from %s)\n",
                             p->client_secret_from ? p->client_secret_from : "file");
    if (p->team_id)
        return oa_buf_printf(b,
                             "  client_secret: made (ES256) from team_id %s, key_id %s, "
                             "private_key_file %s\n",
                             p->team_id, p->key_id, p->private_key_file);
    return oa_buf_puts(b, "  client_secret: not set\n");
}

static enum oa_err put_provider(struct oa_buf *b, const struct oa_config *cfg,
                                const struct oa_provider *p)
{
    const struct {
        const char *label, *value;
    } fields[] = {
        {"issuer", p->issuer},
        {"base_url", p->base_url},
        {"api_url", p->api_url},
        {"domain", p->domain},
        {"user_pool_id", p->user_pool_id},
        {"authorize_url", p->authorize_url},
        {"token_url", p->token_url},
        {"userinfo_url", p->userinfo_url},
        {"end_session_url", p->end_session_url},
        {"jwks_uri", p->jwks_uri},
        {"groups_claim", p->groups_claim},
    };
    char *cb;
    enum oa_err e;

    if ((e = oa_buf_printf(b, "provider %s (%s, kind %s)\n  client_id: %s (from %s)\n", p->name,
                           p->display_name, kind_name(p->kind), p->client_id,
                           p->client_id_from ? p->client_id_from : "file")) ||
        (e = put_secret(b, p)) || (e = oa_buf_printf(b, "  scope: %s\n", p->scope)))
        return e;
    if (p->kind == OA_PROVIDER_OIDC && !p->authorize_url &&
        (e = oa_buf_puts(b, "  endpoints: from <issuer>/.well-known/openid-configuration\n")))
        return e;
    if (oa_cognito_userinfo_only(p) &&
        (e = oa_buf_puts(b, "  identity: userInfo with the access token (no issuer or "
                            "user_pool_id: the id_token is not checked)\n")))
        return e;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (fields[i].value &&
            (e = oa_buf_printf(b, "  %s: %s\n", fields[i].label, fields[i].value)))
            return e;
    if ((e = put_list(b, "  allowed_orgs", &p->allowed_orgs)) ||
        (e = put_list(b, "  allowed_teams", &p->allowed_teams)) ||
        (e = put_list(b, "  hosted_domain", &p->hosted_domain)))
        return e;
    if (!(cb = oa_config_callback_url(cfg, p, NULL)))
        return OA_ERR_NOMEM;
    e = oa_buf_printf(b, "  callback URL: %s\n", cb);
    free(cb);
    if (!e && !p->redirect_uri && !cfg->public_url)
        e = oa_buf_puts(b, "    (<origin> is taken from each request: set public_url to "
                           "register one exact URL)\n");
    return e;
}

static enum oa_err put_session(struct oa_buf *b, const struct oa_config *cfg)
{
    static const char *const ss[] = {"lax", "strict", "none"};
    char when[32];
    enum oa_err e;
    time_t t = (time_t)cfg->session.not_before;
    struct tm tm;

    if ((e = oa_buf_printf(b, "session: cookie %s%s, lifetime %llds, same_site %s\n",
                           cfg->session.cookie_full, cfg->session.secure ? " (Secure)" : "",
                           (long long)cfg->session.lifetime, ss[cfg->session.same_site])))
        return e;
    if (cfg->keys_random)
        e = oa_buf_puts(b, "session keys: one random key (sessions end with the process; "
                           "set session.key_file)\n");
    else
        e = oa_buf_printf(b, "session keys: %zu from %s\n", cfg->keys.n, cfg->session.key_file);
    if (e || !cfg->session.not_before)
        return e;
    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return OA_ERR_INTERNAL;
    return oa_buf_printf(b, "session not_before: %s\n", when);
}

static enum oa_err put_general(struct oa_buf *b, const struct oa_config *cfg)
{
    static const char *const lv[] = {"error", "warn", "info", "debug"};
    enum oa_err e;

    if ((e = oa_buf_printf(b, "config: %s\n", cfg->file)))
        return e;
    if (cfg->public_url)
        e = oa_buf_printf(b, "public_url: %s\n", cfg->public_url);
    else
        e = oa_buf_puts(b, "public_url: none (the origin is taken from each request)\n");
    if (e ||
        (e = oa_buf_printf(b, "base_path: %s\nallow_http_redirect: %s\n", cfg->base_path,
                           cfg->allow_http_redirect ? "true" : "false")) ||
        (e = put_session(b, cfg)) || (e = put_list(b, "allowed_workspaces", &cfg->workspaces)) ||
        (e = put_list(b, "allowed_redirect_hosts", &cfg->allowed_redirect_hosts)) ||
        (e = put_list(b, "extra_backends", &cfg->extra_backends)))
        return e;
    for (size_t i = 0; i < cfg->naccess; i++)
        if ((e = oa_buf_printf(b, "access rule %zu: path %s\n", i + 1, cfg->access[i].path)))
            return e;
    return oa_buf_printf(b, "http: timeout %lldms, ca_file %s\nlog: %s to %s\n",
                         (long long)cfg->http.timeout_ms,
                         cfg->http.ca_file ? cfg->http.ca_file : "(system default)",
                         lv[cfg->log_level], cfg->log == OA_LOG_SYSLOG ? "syslog" : "stderr");
}

char *oa_config_describe(const struct oa_config *cfg)
{
    struct oa_buf b = {0};

    if (put_general(&b, cfg))
        goto fail;
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (put_provider(&b, cfg, &cfg->providers[i]))
            goto fail;
    return oa_buf_steal(&b);
fail:
    oa_buf_free(&b);
    return NULL;
}
