/*
 * provider_entra.c - Microsoft Entra ID's identity (the microsoft-entra
 * kind; DESIGN.md section 15.1). The id_token is checked as every OpenID
 * provider's (id_token.c), its iss against the discovery document's issuer
 * (for common/organizations the {tenantid} template filled with the
 * token's own tid: jwt.c, entra.h); then:
 *   tid        a GUID, one of allowed_tenants ("*": any) when they are set;
 *   subject    sub (pairwise: this app's, stable while the app
 *              registration is; what refreshed id_tokens and logout tokens
 *              name). oid is not the subject;
 *   email      only when the token says the address was verified
 *              (xms_edov or email_verified true): Entra's email claim is
 *              whatever a tenant admin typed (the "nOAuth" takeover);
 *   username   preferred_username (the UPN, mutable: for display), else
 *              the email, else sub;
 *   groups     the groups claim (ids, or names when the app registration
 *              says so) and the roles claim (app roles), or groups_claim's
 *              paths when set. When the groups overflow the token (over 200
 *              in a code-flow id_token: _claim_names.groups, or hasgroups)
 *              they come from Microsoft Graph /me/transitiveMemberOf with
 *              the access token (scope User.Read, or GroupMember.Read.All),
 *              page by page (@odata.nextLink on graph_url's origin only, at
 *              most OA_ENTRA_GRAPH_PAGES pages), at sign-in and at refresh.
 * Every failure on the way (Graph down, an answer that is not Graph's
 * shape, a next page elsewhere, too many pages or groups, no access token)
 * stops the sign-in with a page saying so: never an identity with part of
 * its groups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/claims.h"
#include "oa/entra.h"
#include "oa/flow.h"
#include "oa/id_token.h"
#include "oa/jwt.h"

#define NOT_VERIFIED "The sign-in provider's answer could not be verified. Start again."
#define GRAPH_FAILED "Your groups could not be read from Microsoft Graph. Try again later."
#define NO_TENANT "Your organization (Microsoft Entra tenant) is not allowed here."

static const char *claim_str(json_t *claims, const char *key)
{
    const char *s = json_string_value(json_object_get(claims, key));

    return s && *s ? s : NULL;
}

bool oa_entra_tenant_allowed(const struct oa_provider *p, const char *tid)
{
    if (!oa_entra_guid(tid))
        return false;
    if (!p->allowed_tenants.n)
        return true; /* a single tenant: its issuer already said which */
    for (size_t i = 0; i < p->allowed_tenants.n; i++)
        if (!strcmp(p->allowed_tenants.v[i], "*") || !strcasecmp(p->allowed_tenants.v[i], tid))
            return true;
    return false;
}

bool oa_entra_overage(json_t *claims)
{
    json_t *names = json_object_get(claims, "_claim_names");

    return json_is_true(json_object_get(claims, "hasgroups")) ||
           (json_is_object(names) && json_object_get(names, "groups") != NULL);
}

/* The groups: groups_claim's paths, else groups and roles. */
static enum oa_err entra_groups(struct oa_buf *out, const struct oa_provider *p, json_t *claims,
                                char *why, size_t cap)
{
    static const char *const dflt[] = {"groups", "roles"};

    if (p->groups_claim.n)
        return oa_claims_groups(out, claims, (const char *const *)p->groups_claim.v,
                                p->groups_claim.n, why, cap);
    return oa_claims_groups(out, claims, dflt, 2, why, cap);
}

enum oa_err oa_entra_claims(struct oa_identity_draft *id, json_t *claims,
                            const struct oa_provider *p, char *why, size_t cap)
{
    const char *tid = claim_str(claims, "tid");
    enum oa_err e;

    if (cap)
        why[0] = '\0';
    if (!claim_str(claims, "sub"))
        return snprintf(why, cap, "the id_token has no sub"), OA_ERR_PROVIDER;
    if (!oa_entra_guid(tid))
        return snprintf(why, cap, "the id_token has no tenant id (tid)"), OA_ERR_PROVIDER;
    if (!oa_entra_tenant_allowed(p, tid))
        return snprintf(why, cap, "tenant %s is not in allowed_tenants", tid), OA_ERR_DENIED;
    e = oa_identity_draft_set(&id->issuer, claim_str(claims, "iss"));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->subject, claim_str(claims, "sub"));
    if (e == OA_OK && (oa_claim_true(json_object_get(claims, "xms_edov")) ||
                       oa_claim_true(json_object_get(claims, "email_verified"))))
        e = oa_identity_draft_set(&id->email, claim_str(claims, "email"));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->username, claim_str(claims, "preferred_username"));
    if (e == OA_OK && !id->username)
        e = oa_identity_draft_set(&id->username, id->email ? id->email : id->subject);
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->name, claim_str(claims, "name"));
    if (e == OA_OK && !oa_entra_overage(claims))
        e = entra_groups(&id->groups, p, claims, why, cap);
    return e;
}

bool oa_entra_next_ok(const char *graph_url, const char *next)
{
    size_t n = graph_url ? strlen(graph_url) : 0;

    /* graph_url is an origin (no trailing '/'), or an origin and a path:
     * the next page must be under it, never another host or port */
    return n && next && !strncmp(next, graph_url, n) && next[n] == '/' && !strpbrk(next, "\r\n \t");
}

/* Adds one page's groups (Graph's "value": directoryObjects; only the
 * #microsoft.graph.group ones are groups) to ids. */
static enum oa_err graph_page(json_t *ids, json_t *page, char *why, size_t cap)
{
    json_t *value = json_object_get(page, "value"), *item;
    size_t i;

    if (!json_is_array(value))
        return snprintf(why, cap, "Graph's answer has no 'value' list"), OA_ERR_PROVIDER;
    json_array_foreach(value, i, item)
    {
        const char *type = json_string_value(json_object_get(item, "@odata.type"));
        json_t *gid = json_object_get(item, "id");
        if (!json_is_object(item) || !json_is_string(gid))
            return snprintf(why, cap, "Graph's answer has an entry without an id"), OA_ERR_PROVIDER;
        if (type && strcmp(type, "#microsoft.graph.group") != 0)
            continue; /* a directory role or an administrative unit */
        if (json_array_size(ids) >= OA_ENTRA_GRAPH_GROUPS)
            return snprintf(why, cap, "Graph lists over %d groups", OA_ENTRA_GRAPH_GROUPS),
                   OA_ERR_TOO_LARGE;
        if (json_array_append(ids, gid) != 0)
            return OA_ERR_NOMEM;
    }
    return OA_OK;
}

/* Fetches every page of /me/transitiveMemberOf into ids. */
static enum oa_err graph_fetch(struct oa_flow *f, json_t *ids, const char *token, char *why,
                               size_t cap)
{
    char *url = NULL;
    enum oa_err e = OA_OK;
    int page;

    if (asprintf(&url, "%s/v1.0/me/transitiveMemberOf?$select=id,displayName", f->p->graph_url) < 0)
        return OA_ERR_NOMEM;
    for (page = 0; url && e == OA_OK; page++) {
        json_t *doc = NULL;
        const char *next;
        if (page == OA_ENTRA_GRAPH_PAGES) {
            e = OA_ERR_TOO_LARGE;
            snprintf(why, cap, "Graph lists the groups on more than %d pages",
                     OA_ENTRA_GRAPH_PAGES);
            break;
        }
        e = oa_flow_get_json(f, &doc, NULL, url, token, false, "graph transitiveMemberOf");
        free(url);
        url = NULL;
        if (e != OA_OK)
            return e; /* the page and the log line are made */
        e = graph_page(ids, doc, why, cap);
        next = json_string_value(json_object_get(doc, "@odata.nextLink"));
        if (e == OA_OK && next && !oa_entra_next_ok(f->p->graph_url, next)) {
            e = OA_ERR_PROVIDER;
            snprintf(why, cap, "Graph's next page is not on %s", f->p->graph_url);
        }
        if (e == OA_OK && next && !(url = strdup(next)))
            e = OA_ERR_NOMEM;
        json_decref(doc);
    }
    free(url);
    return e;
}

/* The groups of an overage: from Graph, then as from the claim. */
static enum oa_err overage_groups(struct oa_flow *f, struct oa_identity_draft *id, json_t *claims,
                                  const char *token, char *why, size_t cap)
{
    json_t *ids = json_array();
    enum oa_err e = ids ? OA_OK : OA_ERR_NOMEM;

    f->phase = OA_MX_CAUSE_USERINFO;
    if (e == OA_OK && !token)
        e = OA_ERR_PROVIDER, snprintf(why, cap,
                                      "the groups are not in the token and there is "
                                      "no access token to ask Graph with");
    if (e == OA_OK)
        e = graph_fetch(f, ids, token, why, cap);
    if (f->status) { /* Graph did not answer, or not with 2xx JSON */
        f->reason = GRAPH_FAILED;
        json_decref(ids);
        return e;
    }
    /* the claim as Graph gave it: ids, judged like a token's (claims.c) */
    if (e == OA_OK && json_object_set_new(claims, "groups", ids) != 0)
        e = OA_ERR_NOMEM;
    else if (e != OA_OK)
        json_decref(ids);
    if (e == OA_OK)
        e = entra_groups(&id->groups, f->p, claims, why, cap);
    return e;
}

/* The failure of a step that filled why: its page and log line. */
static enum oa_err fail_why(struct oa_flow *f, enum oa_err e, const char *why)
{
    if (f->status)
        return e;
    if (e == OA_ERR_DENIED) {
        f->phase = OA_MX_CAUSE_RULES;
        return oa_flow_fail(f, e, 403, NO_TENANT, "microsoft-entra: %s", why);
    }
    if ((e == OA_ERR_PROVIDER || e == OA_ERR_TOO_LARGE) && why[0]) {
        snprintf(f->rbuf, sizeof(f->rbuf),
                 "Your groups from the sign-in provider cannot be used: %s.", why);
        return oa_flow_fail(f, e, e == OA_ERR_TOO_LARGE ? 403 : 502, f->rbuf, "microsoft-entra: %s",
                            why);
    }
    return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.",
                        "microsoft-entra: identity: %s", oa_strerror(e));
}

/* The checked claims into id: the mapping, the overage, allowed_groups. */
static enum oa_err entra_identity(struct oa_flow *f, struct oa_identity_draft *id, json_t *claims,
                                  const char *access_token)
{
    char why[256];
    enum oa_err e;

    f->phase = OA_MX_CAUSE_ID_TOKEN;
    e = oa_entra_claims(id, claims, f->p, why, sizeof(why));
    if (e == OA_OK && oa_entra_overage(claims) && !f->p->groups_claim.n)
        e = overage_groups(f, id, claims, access_token, why, sizeof(why));
    if (e != OA_OK)
        return fail_why(f, e, why);
    return oa_allowed_groups_check(f, id);
}

enum oa_err oa_entra_identity(struct oa_flow *f, struct oa_identity_draft *id,
                              const struct oa_tokens *t, const char *nonce)
{
    json_t *claims = NULL;
    enum oa_err e = oa_oidc_sign_in_claims(f, &claims, t, nonce); /* the page is made */

    if (e != OA_OK)
        return e;
    e = oa_identity_draft_set(&id->provider_sid, claim_str(claims, "sid"));
    if (e == OA_OK)
        e = entra_identity(f, id, claims, t->access_token);
    json_decref(claims);
    if (e != OA_OK && !f->status)
        e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "identity: %s",
                         oa_strerror(e));
    return e;
}

enum oa_err oa_entra_refresh_identity(struct oa_flow *f, struct oa_identity_draft *id,
                                      const struct oa_tokens *t, const char *sub)
{
    json_t *claims = NULL;
    struct oa_error err;
    enum oa_err e;

    /* Entra answers a refresh with an id_token when openid was asked for:
     * without one nothing says the groups are still the same */
    if (!t->id_token)
        return oa_flow_fail(f, OA_ERR_PROVIDER, 403, NOT_VERIFIED,
                            "refresh: microsoft-entra answered without an id_token");
    oa_error_clear(&err);
    f->phase = OA_MX_CAUSE_ID_TOKEN;
    e = oa_token_check(&claims, f->rt, f->cfg, f->p, &f->ep, t->id_token, OA_JWT_REFRESH, sub,
                       &err);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 403, NOT_VERIFIED, "refresh: id_token refused: %s (%s)", err.msg,
                            oa_strerror(e));
    e = entra_identity(f, id, claims, t->access_token);
    json_decref(claims);
    if (e != OA_OK && !f->status)
        e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "refresh: %s",
                         oa_strerror(e));
    return e;
}
