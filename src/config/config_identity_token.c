/*
 * config_identity_token.c - the identity_token: mapping (DESIGN.md section
 * 16.2): key_file required, lifetime default 2m and at most 5m, audience
 * optional, public_url required (it is the token's iss); the key file is
 * read here, as session.key_file is, so that signing does no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "oa/sign_key.h"

#define IDTOKEN_LIFETIME_MAX 300 /* 5 minutes: a stolen token is short-lived */
#define IDTOKEN_LIFETIME_MIN 10
#define IDTOKEN_AUDIENCE_MAX 255

static enum oa_err load_keys(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    char **path = &cfg->identity_token.key_file;
    struct oa_error kerr = {0};
    char warn[256];
    enum oa_err e;

    if (!(cfg->identity_token.keys = calloc(1, sizeof(*cfg->identity_token.keys))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    e = oa_sign_keys_load_file(cfg->identity_token.keys, *path, warn, sizeof(warn), &kerr);
    if (e == OA_OK)
        return warn[0]
                   ? oa_cfg_warn(ld, path, NULL, "identity_token key_file '%s' is %s", *path, warn)
                   : OA_OK;
    free(cfg->identity_token.keys);
    cfg->identity_token.keys = NULL;
    if (kerr.line) { /* a bad block: the key file's own position says most */
        if (ld->err) {
            *ld->err = kerr;
            ld->err->code = OA_ERR_CONFIG;
        }
        return OA_ERR_CONFIG;
    }
    return oa_cfg_fail(ld, path, NULL, "identity_token key_file '%s': %s", *path, kerr.msg);
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
            return false;
    return true;
}

enum oa_err oa_cfg_check_identity_token(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    const char *aud = cfg->identity_token.audience;
    int64_t lt = cfg->identity_token.lifetime;

    if (!cfg->identity_token.given)
        return OA_OK;
    if (!cfg->identity_token.key_file)
        return oa_cfg_fail(ld, &cfg->identity_token.given, NULL,
                           "identity_token needs key_file (PEM: an Ed25519 or EC P-256 private "
                           "key; oauth2-fcgi --gen-identity-key FILE makes one)");
    if (lt > IDTOKEN_LIFETIME_MAX || lt < IDTOKEN_LIFETIME_MIN)
        return oa_cfg_fail(
            ld, &cfg->identity_token.lifetime, NULL,
            "identity_token lifetime must be at most 5m (and at least %ds), not %llds",
            IDTOKEN_LIFETIME_MIN, (long long)lt);
    if (aud && (!*aud || strlen(aud) > IDTOKEN_AUDIENCE_MAX || !printable(aud)))
        return oa_cfg_fail(ld, &cfg->identity_token.audience, NULL,
                           "identity_token audience must be 1 to %d printable characters "
                           "without quotes or backslashes",
                           IDTOKEN_AUDIENCE_MAX);
    if (!cfg->public_url)
        return oa_cfg_fail(ld, &cfg->identity_token.given, NULL,
                           "identity_token needs public_url: it is the token's issuer (iss)");
    return load_keys(ld);
}
