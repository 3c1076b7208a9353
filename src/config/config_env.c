/*
 * config_env.c - client ids and secrets (and Cognito's domain) from the
 * environment, so the files of Argilla and CVAT load unchanged.
 *
 * For a provider named P (upper-cased, '-' -> '_'), first found wins:
 *   OAUTH2_P_CLIENT_ID       oauth2-fcgi's own
 *   ARGILLA_OAUTH2_P_CLIENT_ID   Argilla's
 *   SOCIAL_AUTH_P_CLIENT_ID  CVAT's (SOCIAL_AUTH_GOOGLE_* for google-oauth2)
 *   client_id in the file
 * and the same for _CLIENT_SECRET. SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN gives
 * amazon-cognito's domain when the file does not. An empty variable counts
 * as unset. The provider records which variable won (client_id_from).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "oa/crypto.h"

enum { ENV_OAUTH2, ENV_ARGILLA, ENV_SOCIAL, ENV_N };

#define ENV_NAME_MAX 160

/* Writes the variable name for source src and suffix ("CLIENT_ID"...) into buf. */
static void env_name(char *buf, size_t cap, const struct oa_provider *p, int src,
                     const char *suffix)
{
    static const char *const prefix[ENV_N] = {"OAUTH2_", "ARGILLA_OAUTH2_", "SOCIAL_AUTH_"};
    char up[ENV_NAME_MAX / 2];
    size_t i;

    if (src == ENV_SOCIAL && p->kind == OA_PROVIDER_GOOGLE)
        snprintf(up, sizeof(up), "GOOGLE");
    else {
        for (i = 0; p->name[i] && i + 1 < sizeof(up); i++) {
            char c = p->name[i];
            up[i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        }
        up[i] = '\0';
    }
    snprintf(buf, cap, "%s%s_%s", prefix[src], up, suffix);
}

/* Takes the first set variable for suffix; keeps the file's value otherwise. */
static enum oa_err apply_one(struct oa_cfg_load *ld, struct oa_provider *p, const char *suffix,
                             char **value, const char **from, char **from_env, bool secret)
{
    char name[ENV_NAME_MAX];
    const char *v;

    if (*value)
        *from = "file";
    for (int src = 0; src < ENV_N; src++) {
        env_name(name, sizeof(name), p, src, suffix);
        if (!(v = getenv(name)) || !v[0])
            continue;
        if (*value && secret)
            oa_wipe(*value, strlen(*value));
        free(*value);
        *value = strdup(v);
        *from_env = strdup(name);
        if (!*value || !*from_env)
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        *from = *from_env;
        break;
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
    if (p->kind == OA_PROVIDER_COGNITO && !p->domain &&
        (v = getenv("SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN")) && v[0]) {
        if (!(p->domain = strdup(v)))
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    return OA_OK;
}

enum oa_err oa_cfg_env_missing(struct oa_cfg_load *ld, const struct oa_provider *p,
                               const char *what)
{
    char up[16], n[ENV_N][ENV_NAME_MAX];
    size_t i;

    for (i = 0; what[i] && i + 1 < sizeof(up); i++)
        up[i] = (what[i] >= 'a' && what[i] <= 'z') ? (char)(what[i] - 'a' + 'A') : what[i];
    up[i] = '\0';
    for (int src = 0; src < ENV_N; src++)
        env_name(n[src], sizeof(n[src]), p, src, up);
    return oa_cfg_fail(ld, p, NULL,
                       "provider '%s' has no %s: set '%s' in its entry, or one of the "
                       "environment variables %s, %s, %s",
                       p->name, what, what, n[ENV_OAUTH2], n[ENV_ARGILLA], n[ENV_SOCIAL]);
}
