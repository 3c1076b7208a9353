/*
 * config_env.c - client ids, secrets and scopes (and Cognito's domain) from
 * the environment, so the files and environments of Argilla, CVAT and a
 * Hugging Face Space load unchanged.
 *
 * For a provider named P (upper-cased, '-' -> '_'), first found wins:
 *   OAUTH2_P_CLIENT_ID          oauth2-fcgi's own
 *   ARGILLA_OAUTH2_P_CLIENT_ID  Argilla's
 *   SOCIAL_AUTH_P_CLIENT_ID     CVAT's (SOCIAL_AUTH_GOOGLE_* for google-oauth2)
 *   SOCIAL_AUTH_P_KEY           python-social-auth's (Argilla reads them all):
 *                               SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, _GITHUB_KEY...
 *   OAUTH_CLIENT_ID             a Hugging Face Space's, for huggingface only
 *                               and only on a Space (SPACE_HOST set too)
 *   client_id in the file
 * and the same for the secret (_CLIENT_SECRET; _SECRET; OAUTH_CLIENT_SECRET).
 * SOCIAL_AUTH_P_SCOPE adds scopes to the provider's scope (the file's or
 * the built-in default), as python-social-auth adds its SCOPE setting to a
 * backend's default scope. SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN gives
 * amazon-cognito's domain when the file does not. An empty variable counts
 * as unset. The provider records which variable won (client_id_from...).
 *
 * A Hugging Face Space with OAuth on (OAUTH_CLIENT_ID and SPACE_HOST set)
 * is "already configured", as Argilla is there: public_url defaults to
 * https://$SPACE_HOST, and a file without providers gets the huggingface
 * provider (OAUTH_SCOPES its scope, OPENID_PROVIDER_URL its issuer when the
 * entry has none). A file that lists other providers and not huggingface
 * keeps its choice: the Space's sign-in is not added behind its back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "oa/buf.h"
#include "oa/crypto.h"

enum { ENV_OAUTH2, ENV_ARGILLA, ENV_SOCIAL, ENV_PSA, ENV_SPACE, ENV_N };

#define ENV_NAME_MAX 160

static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v && v[0] ? v : NULL;
}

bool oa_cfg_env_space(void)
{
    return env("SPACE_HOST") && env("OAUTH_CLIENT_ID");
}

/* P: the provider's name upper-cased, '-' -> '_'. */
static void env_upper(char *up, size_t cap, const char *name)
{
    size_t i;

    for (i = 0; name[i] && i + 1 < cap; i++) {
        char c = name[i];
        up[i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    up[i] = '\0';
}

/* Writes the variable name for source src and what ("CLIENT_ID" or
 * "CLIENT_SECRET") into buf; false when src has none for p. */
static bool env_name(char *buf, size_t cap, const struct oa_provider *p, int src, const char *what)
{
    static const char *const prefix[ENV_N] = {"OAUTH2_", "ARGILLA_OAUTH2_", "SOCIAL_AUTH_",
                                              "SOCIAL_AUTH_", "OAUTH_"};
    bool secret = !strcmp(what, "CLIENT_SECRET");
    char up[ENV_NAME_MAX / 2];

    if (src == ENV_SPACE) {
        if (p->kind != OA_PROVIDER_HUGGINGFACE)
            return false;
        snprintf(buf, cap, "OAUTH_%s", what);
        return true;
    }
    if (src == ENV_SOCIAL && p->kind == OA_PROVIDER_GOOGLE)
        snprintf(up, sizeof(up), "GOOGLE");
    else
        env_upper(up, sizeof(up), p->name);
    if (src == ENV_PSA)
        snprintf(buf, cap, "SOCIAL_AUTH_%s_%s", up, secret ? "SECRET" : "KEY");
    else
        snprintf(buf, cap, "%s%s_%s", prefix[src], up, what);
    return true;
}

/* Takes the first set variable for what; keeps the file's value otherwise. */
static enum oa_err apply_one(struct oa_cfg_load *ld, struct oa_provider *p, const char *what,
                             char **value, const char **from, char **from_env, bool secret)
{
    char name[ENV_NAME_MAX];
    const char *v;

    if (*value)
        *from = "file";
    for (int src = 0; src < ENV_N; src++) {
        if (!env_name(name, sizeof(name), p, src, what) || !(v = env(name)))
            continue;
        if (src == ENV_SPACE && !oa_cfg_env_space())
            continue;
        if (*value && secret)
            oa_wipe(*value, strlen(*value));
        free(*value);
        free(*from_env);
        *value = strdup(v);
        *from_env = strdup(name);
        if (!*value || !*from_env)
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        *from = *from_env;
        break;
    }
    return OA_OK;
}

/* The Space's scope and issuer for huggingface, when the entry has none. */
static enum oa_err apply_space(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const char *v;

    if (p->kind != OA_PROVIDER_HUGGINGFACE || !oa_cfg_env_space())
        return OA_OK;
    if (!p->scope && (v = env("OAUTH_SCOPES"))) {
        if (!(p->scope = strdup(v)) || !(p->scope_env = strdup("OAUTH_SCOPES")))
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    if (!p->issuer && (v = env("OPENID_PROVIDER_URL"))) {
        if (!(p->issuer = strdup(v)))
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        /* a trailing '/' is not the issuer huggingface.co's tokens carry */
        for (size_t n = strlen(p->issuer); n > 8 && p->issuer[n - 1] == '/'; n--)
            p->issuer[n - 1] = '\0';
    }
    return OA_OK;
}

enum oa_err oa_cfg_env_apply(struct oa_cfg_load *ld, struct oa_provider *p)
{
    const char *v;
    enum oa_err e;

    if ((e = apply_one(ld, p, "CLIENT_ID", &p->client_id, &p->client_id_from, &p->client_id_env,
                       false)))
        return e;
    if ((e = apply_one(ld, p, "CLIENT_SECRET", &p->client_secret, &p->client_secret_from,
                       &p->client_secret_env, true)))
        return e;
    if ((e = apply_space(ld, p)))
        return e;
    if (p->kind == OA_PROVIDER_COGNITO && !p->domain &&
        (v = env("SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN"))) {
        if (!(p->domain = strdup(v)))
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    return OA_OK;
}

/* True when the space-separated list has the scope word w (n bytes). */
static bool has_scope(const char *list, const char *w, size_t n)
{
    for (const char *s = list; s && *s;) {
        size_t k = strcspn(s, " ");
        if (k == n && !strncmp(s, w, n))
            return true;
        s += k;
        s += strspn(s, " ");
    }
    return false;
}

/* SOCIAL_AUTH_P_SCOPE: words separated by spaces or commas; a Python or
 * JSON list (['read:org', "user"]) is read as its words too. Each word the
 * scope lacks is added. */
enum oa_err oa_cfg_env_scope(struct oa_cfg_load *ld, struct oa_provider *p)
{
    static const char *const sep = " ,[]'\"\t";
    char up[ENV_NAME_MAX / 2], name[ENV_NAME_MAX];
    struct oa_buf b = {0};
    const char *v, *s;

    env_upper(up, sizeof(up), p->name);
    snprintf(name, sizeof(name), "SOCIAL_AUTH_%s_SCOPE", up);
    if (!(v = env(name)))
        return OA_OK;
    oa_buf_puts(&b, p->scope ? p->scope : "");
    for (s = v + strspn(v, sep); *s; s += strspn(s, sep)) {
        size_t n = strcspn(s, sep);
        if (!has_scope(b.p, s, n)) {
            if (b.len)
                oa_buf_append(&b, " ", 1);
            oa_buf_append(&b, s, n);
        }
        s += n;
    }
    if (oa_buf_error(&b) || !b.p) {
        oa_buf_free(&b);
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    free(p->scope);
    free(p->scope_env);
    p->scope = oa_buf_steal(&b);
    if (!(p->scope_env = strdup(name)))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    return OA_OK;
}

/* On a Space: public_url from SPACE_HOST when the file has none, and the
 * huggingface provider when the file has no providers. */
enum oa_err oa_cfg_env_space_apply(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;

    if (!oa_cfg_env_space())
        return OA_OK;
    if (!cfg->public_url) {
        if (asprintf(&cfg->public_url, "https://%s", env("SPACE_HOST")) < 0) {
            cfg->public_url = NULL;
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        }
        cfg->public_url_from = "SPACE_HOST";
    }
    if (cfg->nproviders)
        return OA_OK;
    /* the walk sizes the array one larger than the file's list (maybe empty) */
    if (!cfg->providers && !(cfg->providers = calloc(1, sizeof(*cfg->providers))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if (!(cfg->providers[0].name = strdup("huggingface")))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    cfg->providers[0].from_space = true;
    cfg->nproviders = 1;
    return OA_OK;
}

enum oa_err oa_cfg_env_missing(struct oa_cfg_load *ld, const struct oa_provider *p,
                               const char *what)
{
    char up[16], name[ENV_NAME_MAX];
    struct oa_buf b = {0};
    size_t i;
    enum oa_err e;

    for (i = 0; what[i] && i + 1 < sizeof(up); i++)
        up[i] = (what[i] >= 'a' && what[i] <= 'z') ? (char)(what[i] - 'a' + 'A') : what[i];
    up[i] = '\0';
    for (int src = 0; src < ENV_N; src++) {
        if (!env_name(name, sizeof(name), p, src, up))
            continue;
        oa_buf_printf(&b, "%s%s%s", src ? ", " : "", name,
                      src == ENV_SPACE ? " (on a Hugging Face Space, with SPACE_HOST)" : "");
    }
    e = oa_cfg_fail(ld, p, NULL,
                    "provider '%s' has no %s: set '%s' in its entry, or one of the "
                    "environment variables %s",
                    p->name, what, what, b.p ? b.p : "");
    oa_buf_free(&b);
    return e;
}
