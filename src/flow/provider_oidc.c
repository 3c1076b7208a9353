/*
 * provider_oidc.c - the identity of the OpenID kinds (any issuer, Google,
 * Hugging Face, Cognito, Apple): the id_token checked by id_token.c
 * (signature, iss, aud, azp, nonce, times), UserInfo when the provider has
 * it (its sub must equal the id_token's; signed claims win over it), then
 * the claims each kind uses: verified email only, groups from the kind's
 * claim, Google's hd against hosted_domain, Apple's name from the first
 * `user` POST field.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/claims.h"
#include "oa/flow.h"
#include "oa/id_token.h"
#include "oa/jwt.h"

#define NOT_VERIFIED "The sign-in provider's answer could not be verified. Start again."
#define PROVIDER_FAILED "The sign-in provider answered with an error. Try again later."

static bool wants_userinfo(const struct oa_flow *f)
{
    if (!f->ep.userinfo_endpoint)
        return false;
    switch (f->p->kind) {
    case OA_PROVIDER_APPLE: return false;
    case OA_PROVIDER_GOOGLE: return f->p->userinfo_url != NULL;
    default: return true;
    }
}

/* Fetches UserInfo and adds its claims the id_token lacks. */
static enum oa_err merge_userinfo(struct oa_flow *f, json_t *claims, const char *access_token)
{
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    const char *usub, *key;
    json_t *ui, *v;
    bool pair_in_token;
    enum oa_err e;

    e = oa_flow_get_json(f, &ui, NULL, f->ep.userinfo_endpoint, access_token, false,
                         "userinfo endpoint");
    if (e != OA_OK)
        return e;
    usub = json_string_value(json_object_get(ui, "sub"));
    if (!sub || !usub || strcmp(sub, usub) != 0) {
        json_decref(ui);
        return oa_flow_fail(f, OA_ERR_PROVIDER, 502, NOT_VERIFIED,
                            "userinfo: sub differs from the id_token's");
    }
    /* email and email_verified travel as a pair: never one from each */
    pair_in_token = json_object_get(claims, "email") || json_object_get(claims, "email_verified");
    json_object_foreach(ui, key, v)
    {
        if (pair_in_token && (!strcmp(key, "email") || !strcmp(key, "email_verified")))
            continue;
        if (!json_object_get(claims, key) && json_object_set(claims, key, v) != 0) {
            e = OA_ERR_NOMEM;
            break;
        }
    }
    json_decref(ui);
    return e;
}

static const char *claim_str(json_t *claims, const char *key)
{
    const char *s = json_string_value(json_object_get(claims, key));

    return s && *s ? s : NULL;
}

static enum oa_err set_name(struct oa_identity_draft *id, json_t *claims)
{
    const char *given = claim_str(claims, "given_name"), *family = claim_str(claims, "family_name");
    char buf[512];

    if (claim_str(claims, "name"))
        return oa_identity_draft_set(&id->name, claim_str(claims, "name"));
    if (!given && !family)
        return OA_OK;
    snprintf(buf, sizeof(buf), "%s%s%s", given ? given : "", given && family ? " " : "",
             family ? family : "");
    return oa_identity_draft_set(&id->name, buf);
}

/* Apple sends the name once, in the form_post `user` field (JSON). It is
 * not signed: it only ever fills the display name. */
static enum oa_err apple_name(struct oa_identity_draft *id, const char *user)
{
    json_t *u, *n, *parts;
    enum oa_err e = OA_OK;

    if (!user || strlen(user) > 4096)
        return OA_OK;
    u = json_loads(user, JSON_REJECT_DUPLICATES, NULL);
    n = json_object_get(u, "name");
    if (json_is_object(n)) {
        parts = json_pack("{s:O?, s:O?}", "given_name", json_object_get(n, "firstName"),
                          "family_name", json_object_get(n, "lastName"));
        e = parts ? set_name(id, parts) : OA_ERR_NOMEM;
        json_decref(parts);
    }
    json_decref(u);
    return e;
}

/* Hugging Face's orgs (objects) unless groups_claim says otherwise; else
 * the claim paths (claims.c): a bad claim stops the sign-in with a page
 * naming it, never a shorter list of groups. */
static enum oa_err set_groups(struct oa_flow *f, struct oa_identity_draft *id, json_t *claims)
{
    const struct oa_provider *p = f->p;
    char why[256];
    enum oa_err e;
    json_t *v;

    if (!p->groups_claim.n && p->kind == OA_PROVIDER_HUGGINGFACE) {
        v = json_object_get(claims, "orgs");
        return oa_identity_draft_groups_from(id, v ? v : json_object_get(claims, "organizations"));
    }
    if (p->kind == OA_PROVIDER_GITLAB) /* provider_gitlab.c */
        e = oa_gitlab_groups(&id->groups, p, claims, why, sizeof(why));
    else
        e = oa_claims_provider_groups(&id->groups, p, claims, why, sizeof(why));
    if (e == OA_ERR_PROVIDER || e == OA_ERR_TOO_LARGE) {
        snprintf(f->rbuf, sizeof(f->rbuf),
                 "Your groups from the sign-in provider cannot be used: %s.", why);
        return oa_flow_fail(f, e, e == OA_ERR_TOO_LARGE ? 403 : 502, f->rbuf, "groups: %s", why);
    }
    return e;
}

static enum oa_err claims_identity(struct oa_flow *f, struct oa_identity_draft *id, json_t *claims)
{
    const struct oa_provider *p = f->p;
    const char *user_claim =
        p->kind == OA_PROVIDER_COGNITO ? "cognito:username" : "preferred_username";
    enum oa_err e;

    e = oa_identity_draft_set(&id->issuer, claim_str(claims, "iss"));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->subject, claim_str(claims, "sub"));
    if (e == OA_OK && oa_claim_true(json_object_get(claims, "email_verified")))
        e = oa_identity_draft_set(&id->email, claim_str(claims, "email"));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->username, claim_str(claims, user_claim));
    if (e == OA_OK && !id->username)
        e = oa_identity_draft_set(&id->username, id->email ? id->email : id->subject);
    if (e == OA_OK)
        e = set_name(id, claims);
    if (e == OA_OK)
        e = set_groups(f, id, claims);
    if (e == OA_OK && !id->subject)
        e = oa_flow_fail(f, OA_ERR_PROVIDER, 502, NOT_VERIFIED, "id_token: no sub");
    if (e == OA_OK && p->allowed_groups.n)
        e = oa_allowed_groups_check(f, id);
    return e;
}

/* The hd= of the authorize request only narrows Google's account chooser:
 * anyone can edit it out. What proves a Workspace account of the domain is
 * the signed id_token's hd claim (a consumer account registered with a
 * company address has none). "*" takes any Workspace domain. */
static enum oa_err check_hosted_domain(struct oa_flow *f, json_t *claims)
{
    const struct oa_strlist *want = &f->p->hosted_domain;
    const char *hd = claim_str(claims, "hd");

    if (f->p->kind != OA_PROVIDER_GOOGLE || !want->n)
        return OA_OK;
    for (size_t i = 0; hd && i < want->n; i++)
        if (!strcmp(want->v[i], "*") || !strcasecmp(hd, want->v[i]))
            return OA_OK;
    return oa_flow_fail(
        f, OA_ERR_DENIED, 403, "This account is not in the domain allowed here.", "google: %s",
        hd ? "hd claim is not a hosted_domain" : "no hd claim (not a Workspace account)");
}

enum oa_err oa_oidc_sign_in_claims(struct oa_flow *f, json_t **claims, const struct oa_tokens *t,
                                   const char *nonce)
{
    struct oa_error err;
    enum oa_err e;

    oa_error_clear(&err);
    f->phase = OA_MX_CAUSE_ID_TOKEN;
    e = oa_id_token_check(claims, f->rt, f->cfg, f->p, &f->ep, t->id_token, nonce, &err);
    if (e != OA_OK && !strcmp(err.msg, OA_JWT_NONCE_WRONG))
        f->phase = OA_MX_CAUSE_NONCE;
    else if (e != OA_OK && !strcmp(err.msg, OA_JWT_ISS_WRONG))
        f->phase = OA_MX_CAUSE_ISS;
    if (e != OA_OK)
        return oa_flow_fail(f, e, 502, NOT_VERIFIED, "id_token refused: %s (%s)", err.msg,
                            oa_strerror(e));
    return OA_OK;
}

enum oa_err oa_oidc_identity(struct oa_flow *f, struct oa_identity_draft *id,
                             const struct oa_tokens *t, const char *nonce, const char *apple_user)
{
    json_t *claims = NULL;
    enum oa_err e = oa_oidc_sign_in_claims(f, &claims, t, nonce);

    if (e != OA_OK)
        return e;
    /* the provider's session (back-channel logout names it), from the
     * signed id_token itself, before userinfo is merged in */
    e = oa_identity_draft_set(&id->provider_sid, claim_str(claims, "sid"));
    if (e == OA_OK && wants_userinfo(f) && (f->phase = OA_MX_CAUSE_USERINFO))
        e = merge_userinfo(f, claims, t->access_token);
    if (e == OA_OK && (f->phase = OA_MX_CAUSE_RULES))
        e = check_hosted_domain(f, claims);
    if (e == OA_OK && (f->phase = OA_MX_CAUSE_ID_TOKEN))
        e = claims_identity(f, id, claims);
    if (e == OA_OK && f->p->kind == OA_PROVIDER_APPLE)
        e = apple_name(id, apple_user);
    json_decref(claims);
    if (e != OA_OK && !f->status)
        e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "identity: %s",
                         oa_strerror(e));
    return e;
}

/* ---- refresh (DESIGN.md section 14.4) ------------------------------- */

/* The refreshed id_token checked as a refresh's (jwt.h OA_JWT_REFRESH:
 * signature, iss, aud, azp, times; the nonce ignored, OpenID Connect Core
 * 12.2; its sub must be the session's). */
static enum oa_err refresh_id_token(struct oa_flow *f, json_t **claims, const char *id_token,
                                    const char *sub)
{
    struct oa_error err;
    enum oa_err e;

    oa_error_clear(&err);
    f->phase = OA_MX_CAUSE_ID_TOKEN;
    e = oa_token_check(claims, f->rt, f->cfg, f->p, &f->ep, id_token, OA_JWT_REFRESH, sub, &err);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 403, NOT_VERIFIED, "refresh: id_token refused: %s (%s)", err.msg,
                            oa_strerror(e));
    return OA_OK;
}

enum oa_err oa_oidc_refresh_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                     const struct oa_tokens *t, const char *sub, const char *issuer)
{
    json_t *claims = NULL;
    enum oa_err e = OA_OK;
    bool userinfo;

    if (t->id_token)
        e = refresh_id_token(f, &claims, t->id_token, sub);
    /* without an id_token, UserInfo wherever the provider has one */
    userinfo = claims ? wants_userinfo(f) : f->ep.userinfo_endpoint != NULL;
    if (e == OA_OK && !claims && !userinfo) {
        f->transient = true; /* nothing to re-check with: keep the session as it is */
        return oa_flow_fail(f, OA_ERR_PROVIDER, 502, PROVIDER_FAILED,
                            "refresh: no id_token and no UserInfo to check the session with");
    }
    if (e == OA_OK && !claims &&
        !(claims = json_pack("{s:s, s:s}", "sub", sub, "iss", issuer ? issuer : "")))
        e = OA_ERR_NOMEM;
    if (e == OA_OK && userinfo && (f->phase = OA_MX_CAUSE_USERINFO))
        e = merge_userinfo(f, claims, t->access_token);
    if (e == OA_OK && (f->phase = OA_MX_CAUSE_RULES))
        e = check_hosted_domain(f, claims);
    if (e == OA_OK && (f->phase = OA_MX_CAUSE_ID_TOKEN))
        e = claims_identity(f, id, claims);
    json_decref(claims);
    if (e != OA_OK && !f->status)
        e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "refresh: %s",
                         oa_strerror(e));
    return e;
}
