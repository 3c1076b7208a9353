/*
 * provider_cognito.c - Amazon Cognito configured by its domain alone, as
 * CVAT configures it (SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN, _CLIENT_ID,
 * _CLIENT_SECRET): no issuer, so no JWKS to check an id_token with. The
 * identity then comes, as CVAT (social-core) takes it, from Cognito's
 * userInfo endpoint (https://DOMAIN/oauth2/userInfo) called with the access
 * token that the token endpoint (https://DOMAIN/oauth2/token) gave us over
 * TLS in exchange for the code and our client secret: only the pool can
 * answer it, for the user who signed in.
 *
 * With the issuer (or user_pool_id) configured the id_token is checked like
 * any OpenID provider's (provider_oidc.c) and this file is not used.
 *
 * Cognito's userInfo claim shapes: sub; email; email_verified as a STRING
 * "true"/"false" (only "true" makes a verified email); username (the
 * id_token's cognito:username); name or given_name/family_name;
 * cognito:groups when the pool adds it (usually only in tokens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/claims.h"
#include "oa/flow.h"

#define NOT_VERIFIED "The sign-in provider's answer could not be verified. Start again."

static const char *str_claim(json_t *claims, const char *key)
{
    const char *s = json_string_value(json_object_get(claims, key));

    return s && *s ? s : NULL;
}

static enum oa_err cognito_name(struct oa_identity_draft *id, json_t *claims)
{
    const char *given = str_claim(claims, "given_name"), *family = str_claim(claims, "family_name");
    char buf[512];

    if (str_claim(claims, "name"))
        return oa_identity_draft_set(&id->name, str_claim(claims, "name"));
    if (!given && !family)
        return OA_OK;
    snprintf(buf, sizeof(buf), "%s%s%s", given ? given : "", given && family ? " " : "",
             family ? family : "");
    return oa_identity_draft_set(&id->name, buf);
}

/* Ownership: fills id's strings (new); claims and p borrowed.
 * OA_ERR_PROVIDER when there is no sub (why ""); OA_ERR_PROVIDER or
 * OA_ERR_TOO_LARGE with why (claims.h) when the groups cannot be read. */
enum oa_err oa_cognito_claims(struct oa_identity_draft *id, json_t *claims, const char *issuer,
                              const struct oa_provider *p, char *why, size_t cap)
{
    const char *user = str_claim(claims, "cognito:username");
    enum oa_err e;

    if (cap)
        why[0] = '\0';
    if (!str_claim(claims, "sub"))
        return OA_ERR_PROVIDER;
    if (!user)
        user = str_claim(claims, "username");
    e = oa_identity_draft_set(&id->issuer, issuer);
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->subject, str_claim(claims, "sub"));
    /* "false" is a non-empty string: only the claim's value counts */
    if (e == OA_OK && oa_claim_true(json_object_get(claims, "email_verified")))
        e = oa_identity_draft_set(&id->email, str_claim(claims, "email"));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->username, user ? user : id->email ? id->email : id->subject);
    if (e == OA_OK)
        e = cognito_name(id, claims);
    if (e == OA_OK)
        e = oa_claims_provider_groups(&id->groups, p, claims, why, cap);
    return e;
}

enum oa_err oa_cognito_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                const char *access_token)
{
    json_t *claims = NULL;
    char why[256];
    enum oa_err e;

    if (!f->ep.userinfo_endpoint || !access_token)
        return oa_flow_fail(f, OA_ERR_CONFIG, 500, "This sign-in provider is not set up.",
                            "amazon-cognito: no userInfo endpoint or access token");
    e = oa_flow_get_json(f, &claims, NULL, f->ep.userinfo_endpoint, access_token, false,
                         "userinfo endpoint");
    if (e != OA_OK)
        return e;
    e = oa_cognito_claims(id, claims, f->p->domain, f->p, why, sizeof(why));
    json_decref(claims);
    if ((e == OA_ERR_PROVIDER || e == OA_ERR_TOO_LARGE) && why[0]) {
        snprintf(f->rbuf, sizeof(f->rbuf),
                 "Your groups from the sign-in provider cannot be used: %s.", why);
        return oa_flow_fail(f, e, e == OA_ERR_TOO_LARGE ? 403 : 502, f->rbuf, "groups: %s", why);
    }
    if (e == OA_ERR_PROVIDER)
        return oa_flow_fail(f, e, 502, NOT_VERIFIED, "amazon-cognito: userInfo without sub");
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "identity: %s",
                            oa_strerror(e));
    return OA_OK;
}
