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
#include "oa/sign_key.h"

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
    case OA_PROVIDER_ENTRA: return "microsoft-entra";
    case OA_PROVIDER_GITLAB: return "gitlab";
    case OA_PROVIDER_OIDC: return "OpenID Connect";
    }
    return "?";
}

/* The put_* builders append freely: the buffer keeps the first error,
 * checked once by oa_config_describe (DESIGN.md section 8.1). */
static void put_list(struct oa_buf *b, const char *label, const struct oa_strlist *l)
{
    if (!l->n)
        return;
    oa_buf_printf(b, "%s:", label);
    for (size_t i = 0; i < l->n; i++)
        oa_buf_printf(b, "%s%s", i ? ", " : " ", l->v[i]);
    oa_buf_puts(b, "\n");
}

/* "access rule N: path P" and the request conditions, when given (the
 * number is what --explain names the rule by). */
static void put_rule(struct oa_buf *b, size_t i, const struct oa_access_rule *r)
{
    oa_buf_printf(b, "access rule %zu: path %s", i + 1, r->path);
    if (r->methods.n) {
        oa_buf_puts(b, ", methods");
        for (size_t k = 0; k < r->methods.n; k++)
            oa_buf_printf(b, "%s%s", k ? "," : " ", r->methods.v[k]);
    }
    if (r->hosts.n) {
        oa_buf_puts(b, ", hosts");
        for (size_t k = 0; k < r->hosts.n; k++)
            oa_buf_printf(b, "%s%s", k ? "," : " ", r->hosts.v[k]);
    }
    if (r->is_public)
        oa_buf_puts(b, ", public (no session needed)");
    oa_buf_puts(b, "\n");
}

static void put_secret(struct oa_buf *b, const struct oa_provider *p)
{
    if (p->client_secret)
        oa_buf_printf(b, "  client_secret: set (from %s)\n",
                      p->client_secret_from ? p->client_secret_from : "file");
    else if (p->team_id)
        oa_buf_printf(b,
                      "  client_secret: made (ES256) from team_id %s, key_id %s, "
                      "private_key_file %s\n",
                      p->team_id, p->key_id, p->private_key_file);
    else
        oa_buf_puts(b, "  client_secret: not set\n");
}

static void put_provider(struct oa_buf *b, const struct oa_config *cfg, const struct oa_provider *p)
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
        {"tenant", p->tenant},
        {"graph_url (group overage)", p->graph_url},
    };
    char *cb;

    oa_buf_printf(b, "provider %s (%s, kind %s)\n  client_id: %s (from %s)\n", p->name,
                  p->display_name, kind_name(p->kind), p->client_id,
                  p->client_id_from ? p->client_id_from : "file");
    put_secret(b, p);
    if (p->from_space)
        oa_buf_puts(b, "  configured by the Hugging Face Space (OAUTH_CLIENT_ID, "
                       "OAUTH_CLIENT_SECRET, SPACE_HOST): the file lists no providers\n");
    if (!p->scope_env)
        oa_buf_printf(b, "  scope: %s\n", p->scope);
    else if (!strcmp(p->scope_env, "OAUTH_SCOPES"))
        oa_buf_printf(b, "  scope: %s (from OAUTH_SCOPES)\n", p->scope);
    else
        oa_buf_printf(b, "  scope: %s (with %s added)\n", p->scope, p->scope_env);
    if ((p->kind == OA_PROVIDER_OIDC || p->kind == OA_PROVIDER_ENTRA ||
         p->kind == OA_PROVIDER_GITLAB) &&
        !p->authorize_url)
        oa_buf_puts(b, "  endpoints: from <issuer>/.well-known/openid-configuration\n");
    if (oa_cognito_userinfo_only(p))
        oa_buf_puts(b, "  identity: userInfo with the access token (no issuer or "
                       "user_pool_id: the id_token is not checked)\n");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (fields[i].value)
            oa_buf_printf(b, "  %s: %s\n", fields[i].label, fields[i].value);
    put_list(b, "  allowed_orgs", &p->allowed_orgs);
    put_list(b, "  allowed_teams", &p->allowed_teams);
    put_list(b, "  hosted_domain", &p->hosted_domain);
    put_list(b, "  groups_claim", &p->groups_claim);
    put_list(b, "  allowed_tenants", &p->allowed_tenants);
    put_list(b, "  allowed_groups", &p->allowed_groups);
    if (!(cb = oa_config_callback_url(cfg, p, NULL))) {
        oa_buf_fail(b, OA_ERR_NOMEM);
        return;
    }
    oa_buf_printf(b, "  callback URL: %s\n", cb);
    free(cb);
    if (!p->redirect_uri && !cfg->public_url)
        oa_buf_puts(b, "    (<origin> is taken from each request: set public_url to "
                       "register one exact URL)\n");
}

static void put_session(struct oa_buf *b, const struct oa_config *cfg)
{
    static const char *const ss[] = {"lax", "strict", "none"};
    char when[32];
    time_t t = (time_t)cfg->session.not_before;
    struct tm tm;

    oa_buf_printf(b, "session: cookie %s%s, lifetime %llds, same_site %s\n",
                  cfg->session.cookie_full, cfg->session.secure ? " (Secure)" : "",
                  (long long)cfg->session.lifetime, ss[cfg->session.same_site]);
    if (cfg->keys_random)
        oa_buf_puts(b, "session keys: one random key (sessions end with the process; "
                       "set session.key_file)\n");
    else
        oa_buf_printf(b, "session keys: %zu from %s\n", cfg->keys.n, cfg->session.key_file);
    if (cfg->identity_token.keys && cfg->identity_token.keys->n) /* DESIGN.md 16.2 */
        oa_buf_printf(b,
                      "identity token: %s, kid %s signs (%zu key(s) published at %s/jwks), "
                      "lifetime %llds, aud %s\n",
                      oa_sign_alg_name(cfg->identity_token.keys->k[0].alg),
                      cfg->identity_token.keys->k[0].kid, cfg->identity_token.keys->n,
                      cfg->base_path ? cfg->base_path : "", (long long)cfg->identity_token.lifetime,
                      cfg->identity_token.audience ? cfg->identity_token.audience
                                                   : "the request's host");
    if (cfg->session.refresh_after)
        oa_buf_printf(b,
                      "session refresh_after: %llds (then a page load goes through "
                      "<base_path>/refresh)\n",
                      (long long)cfg->session.refresh_after);
    else
        oa_buf_puts(b, "session refresh_after: off (a session lasts its lifetime)\n");
    oa_buf_printf(b, "session revocation_file: %s\n",
                  cfg->session.revocation_file ? cfg->session.revocation_file : "none");
    oa_buf_printf(b, "session store: %s\n", cfg->session.store ? cfg->session.store : "none");
    if (!cfg->session.not_before)
        return;
    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
        oa_buf_fail(b, OA_ERR_INTERNAL);
    else
        oa_buf_printf(b, "session not_before: %s\n", when);
}

/* The metrics section, when there is one. */
static void put_metrics(struct oa_buf *b, const struct oa_config *cfg)
{
    if (!cfg->metrics.listen && !cfg->metrics.allow.n && !cfg->metrics.dir)
        return;
    oa_buf_printf(b, "metrics: listen %s, dir %s\n",
                  cfg->metrics.listen ? cfg->metrics.listen : "(none)",
                  cfg->metrics.dir ? cfg->metrics.dir
                                   : "(none: processes started one by one "
                                     "count alone)");
    put_list(b, "metrics.allow", &cfg->metrics.allow);
}

static void put_general(struct oa_buf *b, const struct oa_config *cfg)
{
    static const char *const lv[] = {"error", "warn", "info", "debug"};

    oa_buf_printf(b, "config: %s\n", cfg->file);
    if (cfg->public_url && cfg->public_url_from)
        oa_buf_printf(b, "public_url: %s (from %s: a Hugging Face Space)\n", cfg->public_url,
                      cfg->public_url_from);
    else if (cfg->public_url)
        oa_buf_printf(b, "public_url: %s\n", cfg->public_url);
    else
        oa_buf_puts(b, "public_url: none (the origin is taken from each request)\n");
    oa_buf_printf(b, "base_path: %s\nallow_http_redirect: %s\n", cfg->base_path,
                  cfg->allow_http_redirect ? "true" : "false");
    put_session(b, cfg);
    put_list(b, "allowed_workspaces", &cfg->workspaces);
    put_list(b, "allowed_redirect_hosts", &cfg->allowed_redirect_hosts);
    put_list(b, "extra_backends", &cfg->extra_backends);
    for (size_t i = 0; i < cfg->naccess; i++)
        put_rule(b, i, &cfg->access[i]);
    oa_buf_printf(b, "http: timeout %lldms, ca_file %s\nlog: %s to %s\n",
                  (long long)cfg->http.timeout_ms,
                  cfg->http.ca_file ? cfg->http.ca_file : "(system default)", lv[cfg->log_level],
                  cfg->log == OA_LOG_SYSLOG ? "syslog"
                  : cfg->log == OA_LOG_FILE ? cfg->log_file
                                            : "stderr");
    oa_buf_printf(b, "audit: %s\n",
                  cfg->audit == OA_AUDIT_TO_FILE  ? cfg->audit_file
                  : cfg->audit == OA_AUDIT_TO_LOG ? "to the log"
                                                  : "off");
    put_metrics(b, cfg);
}

char *oa_config_describe(const struct oa_config *cfg)
{
    struct oa_buf b = {0};

    put_general(&b, cfg);
    for (size_t i = 0; i < cfg->nproviders; i++)
        put_provider(&b, cfg, &cfg->providers[i]);
    return oa_buf_steal(&b); /* NULL when any append failed */
}
