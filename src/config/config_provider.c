/*
 * config_provider.c - the providers: kind from the name, the built-ins'
 * defaults (DESIGN.md section 6), the environment, and the checks that make
 * a provider usable (an id and a secret, endpoints, https URLs), plus
 * Argilla's extra_backends (social-core class names mapped to built-ins).
 *
 * Explicit endpoint keys always win over a built-in's defaults (tests point
 * built-ins at a local provider that way).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "oa/claim_path.h"
#include "oa/file_mode.h"
#include "oa/url.h"

struct oa_builtin {
    const char *name;
    enum oa_provider_kind kind;
    const char *display_name;
    const char *scope;
};

static const struct oa_builtin builtins[] = {
    {"github", OA_PROVIDER_GITHUB, "GitHub", "read:user user:email"},
    {"google-oauth2", OA_PROVIDER_GOOGLE, "Google", "openid email profile"},
    {"huggingface", OA_PROVIDER_HUGGINGFACE, "Hugging Face", "openid profile"},
    {"amazon-cognito", OA_PROVIDER_COGNITO, "Amazon Cognito", "openid email profile"},
    {"apple-id", OA_PROVIDER_APPLE, "Apple", "name email"},
    /* User.Read: the access token is Graph's, for /me/transitiveMemberOf
     * when the groups overflow the id_token (provider_entra.c) */
    {"microsoft-entra", OA_PROVIDER_ENTRA, "Microsoft", "openid profile email User.Read"},
    {"gitlab", OA_PROVIDER_GITLAB, "GitLab", "openid profile email"},
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* social-core backends Argilla lists in extra_backends, and what they are here. */
static const struct {
    const char *cls;
    const char *maps_to;
} backends[] = {
    {"social_core.backends.apple.AppleIdAuth", "apple-id"},
    {"social_core.backends.github.GithubOAuth2", "github"},
    {"social_core.backends.google.GoogleOAuth2", "google-oauth2"},
    {"social_core.backends.cognito.CognitoOAuth2", "amazon-cognito"},
    {"social_core.backends.huggingface.HuggingfaceOAuth2", "huggingface"},
    {"social_core.backends.gitlab.GitLabOAuth2", "gitlab"},
    {"social_core.backends.gitlab.GitLabOpenIdConnect", "gitlab"},
    {"social_core.backends.azuread_tenant.AzureADV2TenantOAuth2", "microsoft-entra"},
    {"social_core.backends.open_id_connect.OpenIdConnectAuth", NULL}, /* generic OIDC */
};

static const struct oa_builtin *builtin(const char *name)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (!strcmp(builtins[i].name, name))
            return &builtins[i];
    return NULL;
}

/* Sets *slot to the formatted default when it is not set yet. */
static enum oa_err dflt(struct oa_cfg_load *ld, char **slot, const char *fmt, ...) OA_PRINTF(3, 4);

static enum oa_err dflt(struct oa_cfg_load *ld, char **slot, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*slot)
        return OA_OK;
    va_start(ap, fmt);
    n = vasprintf(slot, fmt, ap);
    va_end(ap);
    if (n < 0) {
        *slot = NULL;
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    return OA_OK;
}

static void trim_slash(char *s)
{
    size_t n = s ? strlen(s) : 0;

    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

/* An endpoint, issuer or base URL: https (http only with
 * allow_http_redirect), a host, no "user@" (credentials in a URL end up in
 * logs and proxies). */
enum oa_err oa_cfg_check_url(struct oa_cfg_load *ld, char *const *slot, const void *fallback,
                             const char *key)
{
    struct oa_url_parts u;

    if (!*slot)
        return OA_OK;
    if (!oa_url_split(&u, *slot) || u.userinfo)
        return oa_cfg_fail(ld, slot, fallback, "'%s' must be an absolute https:// URL, not '%s'",
                           key, *slot);
    if (!u.https && !ld->cfg->allow_http_redirect)
        return oa_cfg_fail(ld, slot, fallback,
                           "'%s' is an http:// URL: use https://, or set allow_http_redirect: true "
                           "(development only)",
                           key);
    return OA_OK;
}

static enum oa_err check_urls(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const struct {
        char **slot;
        const char *key;
    } urls[] = {
        {&p->issuer, "issuer"},
        {&p->base_url, "base_url"},
        {&p->graph_url, "graph_url"},
        {&p->api_url, "api_url"},
        {&p->domain, "domain"},
        {&p->authorize_url, "authorize_url"},
        {&p->token_url, "token_url"},
        {&p->userinfo_url, "userinfo_url"},
        {&p->end_session_url, "end_session_url"},
        {&p->jwks_uri, "jwks_uri"},
        {&p->redirect_uri, "redirect_uri"},
        {&p->introspection_url, "introspection_url"},
    };
    unsigned line, col;
    enum oa_err e;

    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *key = urls[i].key;
        if (urls[i].slot == &p->domain && !oa_cfg_mark_find(ld, &p->domain, NULL, &line, &col))
            key = "domain (from SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN)";
        if ((e = oa_cfg_check_url(ld, urls[i].slot, p, key)))
            return e;
    }
    return OA_OK;
}

/* Keys that only one kind understands: refused elsewhere rather than ignored. */
static enum oa_err check_kind_keys(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const struct {
        const void *slot;
        bool set;
        const char *key;
        enum oa_provider_kind kind;
        const char *for_name;
    } only[] = {
        {&p->api_url, p->api_url != NULL, "api_url", OA_PROVIDER_GITHUB, "github"},
        {&p->allowed_orgs, p->allowed_orgs.n > 0, "allowed_orgs", OA_PROVIDER_GITHUB, "github"},
        {&p->allowed_teams, p->allowed_teams.n > 0, "allowed_teams", OA_PROVIDER_GITHUB, "github"},
        {&p->hosted_domain, p->hosted_domain.n > 0, "hosted_domain", OA_PROVIDER_GOOGLE,
         "google-oauth2"},
        {&p->user_pool_id, p->user_pool_id != NULL, "user_pool_id", OA_PROVIDER_COGNITO,
         "amazon-cognito"},
        {&p->region, p->region != NULL, "region", OA_PROVIDER_COGNITO, "amazon-cognito"},
        {&p->team_id, p->team_id != NULL, "team_id", OA_PROVIDER_APPLE, "apple-id"},
        {&p->key_id, p->key_id != NULL, "key_id", OA_PROVIDER_APPLE, "apple-id"},
        {&p->private_key_file, p->private_key_file != NULL, "private_key_file", OA_PROVIDER_APPLE,
         "apple-id"},
        {&p->tenant, p->tenant != NULL, "tenant", OA_PROVIDER_ENTRA, "microsoft-entra"},
        {&p->graph_url, p->graph_url != NULL, "graph_url", OA_PROVIDER_ENTRA, "microsoft-entra"},
        {&p->allowed_tenants, p->allowed_tenants.n > 0, "allowed_tenants", OA_PROVIDER_ENTRA,
         "microsoft-entra"},
    };

    for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
        if (only[i].set && p->kind != only[i].kind)
            return oa_cfg_fail(ld, only[i].slot, p, "'%s' is only for the %s provider, not '%s'",
                               only[i].key, only[i].for_name, p->name);
    for (size_t i = 0; i < p->groups_claim.n; i++) {
        char why[96];
        if (!oa_claim_path_valid(p->groups_claim.v[i], why, sizeof(why)))
            return oa_cfg_fail(ld, &p->groups_claim.v[i], &p->groups_claim,
                               "groups_claim '%s' is not a claim path (%s): names joined by "
                               "'.', with '\\.' for a '.' inside a name",
                               p->groups_claim.v[i], why);
    }
    if (p->base_url && p->kind != OA_PROVIDER_GITHUB && p->kind != OA_PROVIDER_ENTRA &&
        p->kind != OA_PROVIDER_GITLAB)
        return oa_cfg_fail(ld, &p->base_url, p,
                           "'base_url' is only for the github, gitlab and microsoft-entra "
                           "providers, not '%s'",
                           p->name);
    if (p->allowed_groups.n && p->kind != OA_PROVIDER_ENTRA && p->kind != OA_PROVIDER_GITLAB)
        return oa_cfg_fail(ld, &p->allowed_groups, p,
                           "'allowed_groups' is only for the gitlab and microsoft-entra "
                           "providers, not '%s' (access rules take 'groups:')",
                           p->name);
    if (p->groups_claim.n && p->kind == OA_PROVIDER_GITHUB)
        return oa_cfg_fail(ld, &p->groups_claim, p,
                           "'groups_claim' is for OpenID providers, not '%s' (GitHub's groups "
                           "are its orgs and teams)",
                           p->name);
    if (p->domain && p->kind != OA_PROVIDER_COGNITO)
        return oa_cfg_fail(ld, &p->domain, p,
                           "'domain' is only for the amazon-cognito provider, not '%s'", p->name);
    for (size_t i = 0; i < p->hosted_domain.n; i++) {
        char *d = p->hosted_domain.v[i];
        for (char *c = d; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (strcmp(d, "*") != 0 &&
            (!d[0] || d[0] == '.' || d[strlen(d) - 1] == '.' || strstr(d, "..") ||
             strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(d)))
            return oa_cfg_fail(ld, &p->hosted_domain.v[i], &p->hosted_domain,
                               "a hosted_domain entry must be a Google Workspace domain like "
                               "example.com (or \"*\": any Workspace account), not '%s'",
                               d);
    }
    for (size_t i = 0; i < p->allowed_teams.n; i++) {
        const char *t = p->allowed_teams.v[i], *slash = strchr(t, '/');
        if (!slash || slash == t || !slash[1] || strchr(slash + 1, '/'))
            return oa_cfg_fail(ld, &p->allowed_teams.v[i], p,
                               "an allowed_teams entry must be 'org/team', not '%s'", t);
    }
    return OA_OK;
}

static enum oa_err github_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    enum oa_err e;

    trim_slash(p->base_url);
    if (p->base_url) {
        if ((e = dflt(ld, &p->api_url, "%s/api/v3", p->base_url)))
            return e;
    } else if ((e = dflt(ld, &p->api_url, "https://api.github.com")) ||
               (e = dflt(ld, &p->base_url, "https://github.com")))
        return e;
    trim_slash(p->api_url);
    if ((e = dflt(ld, &p->authorize_url, "%s/login/oauth/authorize", p->base_url)) ||
        (e = dflt(ld, &p->token_url, "%s/login/oauth/access_token", p->base_url)))
        return e;
    if (p->allowed_orgs.n || p->allowed_teams.n)
        return dflt(ld, &p->scope, "read:user user:email read:org");
    return OA_OK;
}

/* user_pool_id (and region, else the id's "<region>_" prefix) make the
 * issuer and its JWKS, so the id_token is checked; an issuer given as is
 * wins. Without either, the identity is userInfo's (provider_cognito.c). */
static enum oa_err cognito_pool(struct oa_cfg_load *ld, struct oa_provider *p)
{
    static const char id_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    const char *id = p->user_pool_id, *us;
    int rlen;
    enum oa_err e;

    if (p->region && (!p->region[0] || strspn(p->region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                           strlen(p->region)))
        return oa_cfg_fail(ld, &p->region, p,
                           "'region' must be an AWS region like eu-west-1, not '%s'", p->region);
    if (!id)
        return p->region ? oa_cfg_fail(ld, &p->region, p,
                                       "'region' needs 'user_pool_id' (like eu-west-1_AbCdEf123)")
                         : OA_OK;
    us = strchr(id, '_');
    if (!us || us == id || !us[1] || strspn(id, id_chars) != strlen(id))
        return oa_cfg_fail(ld, &p->user_pool_id, p,
                           "'user_pool_id' must look like eu-west-1_AbCdEf123, not '%s'", id);
    rlen = p->region ? (int)strlen(p->region) : (int)(us - id);
    if ((e = dflt(ld, &p->issuer, "https://cognito-idp.%.*s.amazonaws.com/%s", rlen,
                  p->region ? p->region : id, id)))
        return e;
    return dflt(ld, &p->jwks_uri, "%s/.well-known/jwks.json", p->issuer);
}

static enum oa_err cognito_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    enum oa_err e;

    if (!p->domain)
        return oa_cfg_fail(ld, &p->domain, p,
                           "provider '%s' needs its 'domain' (https://<prefix>.auth.<region>."
                           "amazoncognito.com), in its entry or in "
                           "SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN",
                           p->name);
    if (!strstr(p->domain, "://")) { /* a bare host name: https is meant */
        char *d = NULL;
        if (asprintf(&d, "https://%s", p->domain) < 0)
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        free(p->domain);
        p->domain = d;
    }
    trim_slash(p->domain);
    if ((e = cognito_pool(ld, p)))
        return e;
    if ((e = dflt(ld, &p->authorize_url, "%s/oauth2/authorize", p->domain)) ||
        (e = dflt(ld, &p->token_url, "%s/oauth2/token", p->domain)) ||
        (e = dflt(ld, &p->userinfo_url, "%s/oauth2/userInfo", p->domain)))
        return e;
    return dflt(ld, &p->end_session_url, "%s/logout", p->domain);
}

static enum oa_err apple_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    enum oa_err e;

    if ((e = dflt(ld, &p->authorize_url, "https://appleid.apple.com/auth/authorize")) ||
        (e = dflt(ld, &p->token_url, "https://appleid.apple.com/auth/token")) ||
        (e = dflt(ld, &p->jwks_uri, "https://appleid.apple.com/auth/keys")))
        return e;
    return dflt(ld, &p->issuer, "https://appleid.apple.com");
}

/* GitLab (gitlab.com or self-managed at base_url) is an OpenID provider
 * whose issuer is its base URL. */
static enum oa_err gitlab_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    enum oa_err e;

    trim_slash(p->base_url);
    if ((e = dflt(ld, &p->base_url, "https://gitlab.com")))
        return e;
    return dflt(ld, &p->issuer, "%s", p->base_url);
}

static enum oa_err kind_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const struct oa_builtin *b = builtin(p->kind_name ? p->kind_name : p->name);
    enum oa_err e = OA_OK;

    if ((e = dflt(ld, &p->display_name, "%s", b ? b->display_name : p->name)))
        return e;
    switch (p->kind) {
    case OA_PROVIDER_GITHUB: e = github_defaults(ld, p); break;
    case OA_PROVIDER_GOOGLE: e = dflt(ld, &p->issuer, "https://accounts.google.com"); break;
    case OA_PROVIDER_HUGGINGFACE: e = dflt(ld, &p->issuer, "https://huggingface.co"); break;
    case OA_PROVIDER_COGNITO: e = cognito_defaults(ld, p); break;
    case OA_PROVIDER_APPLE: e = apple_defaults(ld, p); break;
    case OA_PROVIDER_ENTRA: e = oa_cfg_entra_defaults(ld, p); break;
    case OA_PROVIDER_GITLAB: e = gitlab_defaults(ld, p); break;
    case OA_PROVIDER_OIDC:
        if (!p->issuer && (!p->authorize_url || !p->token_url))
            return oa_cfg_fail(ld, &p->name, p,
                               "provider '%s' is not built in (github, google-oauth2, "
                               "huggingface, amazon-cognito, apple-id, microsoft-entra, "
                               "gitlab; or say one with 'kind:'): give it an 'issuer' "
                               "(OpenID discovery) or 'authorize_url' and 'token_url' "
                               "(and 'userinfo_url')",
                               p->name);
        break;
    }
    if (e)
        return e;
    return dflt(ld, &p->scope, "%s", b ? b->scope : "openid email profile");
}

/* Apple's .p8 key signs our client secret: readable, and judged on the
 * open descriptor (file_mode.c): refused when group or others may write
 * it, a warning when others may read it. */
static enum oa_err apple_key_mode(struct oa_cfg_load *ld, struct oa_provider *p)
{
    int fd = open(p->private_key_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    bool others_read;
    char msg[256];
    enum oa_err e;

    if (fd < 0)
        return oa_cfg_fail(ld, &p->private_key_file, p, "cannot read private_key_file '%s': %s",
                           p->private_key_file, strerror(errno));
    e = oa_file_mode_check(fd, &others_read, msg, sizeof(msg));
    close(fd);
    if (e != OA_OK)
        return oa_cfg_fail(ld, &p->private_key_file, p, "private_key_file '%s' is %s",
                           p->private_key_file, msg);
    if (others_read)
        return oa_cfg_warn(ld, &p->private_key_file, p, "private_key_file '%s' is %s",
                           p->private_key_file, msg);
    return OA_OK;
}

static enum oa_err apple_secret(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const char *missing = !p->team_id ? "team_id" : !p->key_id ? "key_id" : "private_key_file";

    if (!p->team_id && !p->key_id && !p->private_key_file) {
        enum oa_err e = oa_cfg_env_missing(ld, p, "client_secret");
        if (ld->err) {
            size_t n = strlen(ld->err->msg);
            snprintf(ld->err->msg + n, sizeof(ld->err->msg) - n,
                     " (or team_id, key_id and private_key_file to make it)");
        }
        return e;
    }
    if (!p->team_id || !p->key_id || !p->private_key_file)
        return oa_cfg_fail(ld, p, NULL,
                           "provider '%s' needs team_id, key_id and private_key_file together to "
                           "make its client secret ('%s' is missing)",
                           p->name, missing);
    return apple_key_mode(ld, p);
}

static enum oa_err check_names(struct oa_cfg_load *ld, size_t i)
{
    struct oa_provider *p = &ld->cfg->providers[i];
    unsigned line, col;

    if (!p->name)
        return oa_cfg_fail(ld, p, NULL, "a provider entry needs a 'name'");
    if (!p->name[0] || strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789._-") != strlen(p->name))
        return oa_cfg_fail(ld, &p->name, p,
                           "a provider name may hold only letters, digits, '.', '_' and '-', "
                           "not '%s'",
                           p->name);
    for (size_t j = 0; j < i; j++) {
        if (!strcmp(ld->cfg->providers[j].name, p->name)) {
            oa_cfg_mark_find(ld, &ld->cfg->providers[j].name, &ld->cfg->providers[j], &line, &col);
            return oa_cfg_fail(ld, &p->name, p, "duplicate provider '%s' (first at %u:%u)", p->name,
                               line, col);
        }
    }
    return OA_OK;
}

/* api_audiences (bearer tokens, DESIGN.md 16.1): the token's iss picks the
 * provider and its JWKS checks the signature, so both must be known: an
 * issuer (configured or the kind's), not GitHub (no JWT access tokens).
 * An audience is a non-empty string without control bytes; one provider
 * lists each once, and two providers never share an issuer with bearer
 * tokens on (the iss would not say which one). Introspection (opaque
 * tokens) is on for one provider at most. */
static enum oa_err check_api_audiences(struct oa_cfg_load *ld, size_t i)
{
    struct oa_provider *p = &ld->cfg->providers[i];
    const struct oa_strlist *l = &p->api_audiences;

    if ((p->introspection || p->introspection_url) && !l->n)
        return oa_cfg_fail(ld,
                           p->introspection_url ? (const void *)&p->introspection_url
                                                : (const void *)&p->introspection,
                           p, "'introspection' is for bearer tokens: give '%s' api_audiences",
                           p->name);
    if (p->introspection_url && !p->introspection)
        return oa_cfg_fail(ld, &p->introspection_url, p,
                           "'introspection_url' without 'introspection: true' on '%s'", p->name);
    /* an opaque token does not say whose it is: with two providers
     * introspecting, each would be sent the other's live tokens */
    for (size_t k = 0; p->introspection && k < i; k++)
        if (ld->cfg->providers[k].introspection)
            return oa_cfg_fail(ld, &p->introspection, p,
                               "'introspection' on '%s' and on '%s': an opaque token does not "
                               "say which provider issued it, so each would be sent the other's "
                               "tokens; turn it on for one provider only",
                               ld->cfg->providers[k].name, p->name);
    if (!l->n)
        return OA_OK;
    if (p->kind == OA_PROVIDER_GITHUB || !p->issuer)
        return oa_cfg_fail(ld, l, p,
                           "'api_audiences' needs a provider that issues JWT access tokens "
                           "with an 'issuer' (its iss and JWKS), and '%s' has none",
                           p->name);
    for (size_t k = 0; k < l->n; k++) {
        const char *a = l->v[k];
        if (!a[0] || strlen(a) > 1024)
            return oa_cfg_fail(ld, &l->v[k], l, "an api_audiences entry must be 1..1024 bytes");
        for (const char *c = a; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return oa_cfg_fail(ld, &l->v[k], l, "api_audiences entry has a control character");
        for (size_t j = 0; j < k; j++)
            if (strcmp(l->v[j], a) == 0)
                return oa_cfg_fail(ld, &l->v[k], l, "api_audiences lists '%s' twice", a);
    }
    for (size_t j = 0; j < i; j++) {
        const struct oa_provider *q = &ld->cfg->providers[j];
        if (q->api_audiences.n && q->issuer && strcmp(q->issuer, p->issuer) == 0)
            return oa_cfg_fail(ld, l, p,
                               "providers '%s' and '%s' have the same issuer and both take "
                               "bearer tokens: a token's iss could not say which one",
                               q->name, p->name);
    }
    return OA_OK;
}

static enum oa_err provider_finish(struct oa_cfg_load *ld, size_t i)
{
    struct oa_provider *p = &ld->cfg->providers[i];
    const struct oa_builtin *b;
    enum oa_err e;

    if ((e = check_names(ld, i)))
        return e;
    b = builtin(p->kind_name ? p->kind_name : p->name);
    if (p->kind_name && !b)
        return oa_cfg_fail(ld, &p->kind_name, p,
                           "unknown kind '%s': one of github, google-oauth2, huggingface, "
                           "amazon-cognito, apple-id, microsoft-entra, gitlab (leave it out for "
                           "any OpenID provider)",
                           p->kind_name);
    p->kind = b ? b->kind : OA_PROVIDER_OIDC;
    if ((e = check_kind_keys(ld, p)) || (e = oa_cfg_env_apply(ld, p)) ||
        (e = kind_defaults(ld, p)) || (e = oa_cfg_env_scope(ld, p)))
        return e;
    if (!p->client_id || !p->client_id[0])
        return oa_cfg_env_missing(ld, p, "client_id");
    if (p->client_secret && !p->client_secret[0]) {
        free(p->client_secret);
        p->client_secret = NULL;
        p->client_secret_from = NULL;
    }
    if (!p->client_secret) {
        if (p->kind == OA_PROVIDER_APPLE)
            e = apple_secret(ld, p);
        else
            e = oa_cfg_env_missing(ld, p, "client_secret");
        if (e)
            return e;
    }
    if ((e = check_urls(ld, p)))
        return e;
    return check_api_audiences(ld, i);
}

static enum oa_err check_backends(struct oa_cfg_load *ld)
{
    const struct oa_strlist *l = &ld->cfg->extra_backends;

    for (size_t i = 0; i < l->n; i++) {
        size_t j;
        for (j = 0; j < sizeof(backends) / sizeof(backends[0]); j++)
            if (!strcmp(l->v[i], backends[j].cls))
                break;
        if (j == sizeof(backends) / sizeof(backends[0]))
            return oa_cfg_fail(ld, &l->v[i], l,
                               "unknown extra_backends class '%s': describe the provider with "
                               "keys instead: a provider entry with 'name' and 'issuer' "
                               "(OpenID discovery), or 'name', 'authorize_url', 'token_url' "
                               "and 'userinfo_url'",
                               l->v[i]);
    }
    return OA_OK;
}

enum oa_err oa_cfg_providers_finish(struct oa_cfg_load *ld)
{
    enum oa_err e;

    if ((e = oa_cfg_env_space_apply(ld)))
        return e;
    if (!ld->cfg->nproviders)
        return oa_cfg_fail(ld, ld->cfg->providers, NULL,
                           "no providers: the configuration needs a 'providers' list with at "
                           "least one entry");
    if ((e = check_backends(ld)))
        return e;
    for (size_t i = 0; i < ld->cfg->nproviders; i++)
        if ((e = provider_finish(ld, i)))
            return e;
    return OA_OK;
}

bool oa_cognito_userinfo_only(const struct oa_provider *p)
{
    return p->kind == OA_PROVIDER_COGNITO && !p->issuer && !p->jwks_uri;
}
