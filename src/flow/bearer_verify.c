/*
 * bearer_verify.c - a bearer token the cache does not know (bearer.h,
 * DESIGN.md section 16.1): which provider, the signature and claims, and
 * the identity the rules see.
 *
 * Why an unverified peek first: the token's iss only picks the provider
 * (its issuer, its keys, its api_audiences); oa_jwt_verify then checks the
 * signature with that provider's keys only and iss again, so a forged iss
 * picks keys that do not verify it. The identity is made as at a sign-in:
 * the verified email only, groups by groups_claim, workspaces and roles by
 * oa_identity_map, plus the scopes (scope string, or scp string or array).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/b64url.h"
#include "oa/bearer.h"
#include "oa/buf.h"
#include "oa/claims.h"
#include "oa/flow.h"
#include "oa/http.h"
#include "oa/identity_map.h"
#include "oa/jwt.h"

#define OA_BEARER_SCOPES_MAX 2048 /* bytes of the scope list kept */

/* The iss of the token's payload, unverified, into out; false when there
 * is none (malformed: refused). */
static bool peek_iss(char *out, size_t cap, const char *token, size_t len)
{
    const char *d1 = memchr(token, '.', len), *d2;
    unsigned char *raw;
    size_t n, raw_len = 0;
    json_t *c = NULL;
    const char *iss;
    bool ok = false;

    if (!d1 || !(d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))))
        return false;
    n = (size_t)(d2 - d1 - 1);
    if (!(raw = malloc(n + 1)))
        return false;
    if (oa_b64url_decode(raw, n + 1, &raw_len, d1 + 1, n) == OA_OK && !memchr(raw, '\0', raw_len)) {
        c = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
        iss = json_string_value(json_object_get(c, "iss"));
        if (iss && strlen(iss) < cap) {
            snprintf(out, cap, "%s", iss);
            ok = true;
        }
    }
    json_decref(c);
    free(raw);
    return ok;
}

/* The provider taking bearer tokens whose issuer is iss, or NULL. */
static const struct oa_provider *provider_of(const struct oa_config *cfg, const char *iss)
{
    for (size_t i = 0; i < cfg->nproviders; i++) {
        const struct oa_provider *p = &cfg->providers[i];
        if (p->api_audiences.n && p->issuer && strcmp(p->issuer, iss) == 0)
            return p;
    }
    return NULL;
}

/* A scope token (RFC 6749 3.3): printable ASCII but space, '"', '\'. */
static bool scope_token_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
            return false;
    return n > 0;
}

/* Appends the words of a space-separated string (Entra's scp, RFC 8693's
 * scope) that are scope tokens. */
static void scopes_words(struct oa_buf *b, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        if (scope_token_ok(s, n)) {
            if (b->len)
                oa_buf_append(b, " ", 1);
            oa_buf_append(b, s, n);
        }
        s += n;
        s += strspn(s, " ");
    }
}

/* scope (a string), or scp (a string or an array of strings). */
static enum oa_err scopes_of(struct oa_buf *b, json_t *claims, struct oa_error *err)
{
    json_t *scope = json_object_get(claims, "scope"), *scp = json_object_get(claims, "scp"), *v;
    size_t i;

    if (json_is_string(scope))
        scopes_words(b, json_string_value(scope));
    if (json_is_string(scp))
        scopes_words(b, json_string_value(scp));
    else if (json_is_array(scp))
        json_array_foreach(scp, i, v)
        {
            if (json_is_string(v) && !strchr(json_string_value(v), ' '))
                scopes_words(b, json_string_value(v));
        }
    if (oa_buf_error(b) != OA_OK)
        return oa_error_set(err, OA_ERR_TOO_LARGE, "access token: too many scopes");
    return OA_OK;
}

static const char *claim_str(json_t *claims, const char *name)
{
    const char *s = json_string_value(json_object_get(claims, name));

    return s && strlen(s) == json_string_length(json_object_get(claims, name)) ? s : NULL;
}

/* The groups as a sign-in through p reads them (groups_claim's paths, else
 * the kind's): GitLab's groups, groups_direct and role claims
 * (provider_gitlab.c), Entra's groups and app roles (provider_entra.c);
 * otherwise allowed_groups and the maps would judge a token by fewer
 * groups than the same user's session. An Entra overage is not fetched
 * (Graph needs the user's own token for Graph): its groups are absent. */
static enum oa_err token_groups(struct oa_buf *out, const struct oa_provider *p, json_t *claims,
                                char *why, size_t cap)
{
    static const char *const entra[] = {"groups", "roles"};

    if (p->groups_claim.n)
        return oa_claims_provider_groups(out, p, claims, why, cap);
    if (p->kind == OA_PROVIDER_GITLAB)
        return oa_gitlab_groups(out, p, claims, why, cap);
    if (p->kind == OA_PROVIDER_ENTRA)
        return oa_claims_groups(out, claims, entra, 2, why, cap);
    return oa_claims_provider_groups(out, p, claims, why, cap);
}

/* Whether the token says it is an access token for Bearer use, or says
 * nothing: an introspection answer's token_type (RFC 7662 2.2: the OAuth
 * token type, "bearer") and Keycloak's typ claim ("Bearer"; "ID",
 * "Refresh", "Offline", "Logout" are its other tokens, which carry an aud
 * too: an id_token or a refresh token must not pass as an access token). */
static bool kind_ok(json_t *claims)
{
    static const char *const other[] = {"ID", "Refresh", "Offline", "Logout"};
    json_t *tt = json_object_get(claims, "token_type"), *typ = json_object_get(claims, "typ");

    if (tt && !(json_is_string(tt) && (!strcasecmp(json_string_value(tt), "bearer") ||
                                       !strcasecmp(json_string_value(tt), "access_token"))))
        return false;
    for (size_t i = 0; json_is_string(typ) && i < sizeof(other) / sizeof(other[0]); i++)
        if (!strcasecmp(json_string_value(typ), other[i]))
            return false;
    return true;
}

/* What a sign-in through p refuses, p's token is refused too: allowed_groups
 * (gitlab, microsoft-entra), Entra's tid and allowed_tenants, Google's hd
 * and hosted_domain. Without it a user these keep out of the browser
 * passes, with a token, every rule that names no group. groups: the
 * provider's, before any map. */
static enum oa_err sign_in_gates(const struct oa_provider *p, json_t *claims, const char *groups,
                                 struct oa_error *err)
{
    const char *hd = claim_str(claims, "hd");
    bool hd_ok = false;

    if (!oa_allowed_groups_ok(p, groups))
        return oa_error_set(err, OA_ERR_DENIED, "access token: in none of allowed_groups");
    if (p->kind == OA_PROVIDER_ENTRA && !oa_entra_tenant_allowed(p, claim_str(claims, "tid")))
        return oa_error_set(err, OA_ERR_DENIED,
                            "access token: no tid, or a tenant not in allowed_tenants");
    if (p->kind != OA_PROVIDER_GOOGLE || !p->hosted_domain.n)
        return OA_OK;
    for (size_t i = 0; hd && i < p->hosted_domain.n; i++)
        hd_ok =
            hd_ok || !strcmp(p->hosted_domain.v[i], "*") || !strcasecmp(hd, p->hosted_domain.v[i]);
    return hd_ok ? OA_OK
                 : oa_error_set(err, OA_ERR_DENIED, "access token: hd is not one of hosted_domain");
}

enum oa_err oa_bearer_entry_from_claims(struct oa_bearer_entry *out, const struct oa_config *cfg,
                                        const struct oa_provider *p, json_t *claims, int64_t now,
                                        struct oa_error *err)
{
    struct oa_identity_mapped m = {0};
    struct oa_buf groups = {0}, scopes;
    const char *v[OA_BF_N] = {0};
    const char *email = NULL, *user;
    char why[256];
    json_int_t exp = json_is_integer(json_object_get(claims, "exp"))
                         ? json_integer_value(json_object_get(claims, "exp"))
                         : now + OA_BEARER_CACHE_TTL; /* introspection without exp */
    enum oa_err e;

    /* RFC 9449 7.1, RFC 8705 3: a token bound to a key (cnf: DPoP's jkt,
     * mTLS's x5t#S256) is only good with a proof of that key, which an
     * Authorization: Bearer request does not carry: a stolen one replayed
     * as a plain bearer token must not pass */
    if (json_object_get(claims, "cnf"))
        return oa_error_set(err, OA_ERR_DENIED,
                            "access token: bound to a key (cnf): no proof of possession here");
    if (!kind_ok(claims))
        return oa_error_set(err, OA_ERR_DENIED,
                            "access token: another kind of token (token_type or typ says so)");
    if (oa_claim_true(json_object_get(claims, "email_verified")))
        email = claim_str(claims, "email");
    user = claim_str(claims, "preferred_username");
    if (!user)
        user = claim_str(claims, "client_id"); /* a service's token (client credentials) */
    e = token_groups(&groups, p, claims, why, sizeof(why));
    if (e != OA_OK) {
        oa_buf_free(&groups);
        return oa_error_set(err, e == OA_ERR_NOMEM ? e : OA_ERR_PROVIDER,
                            "access token: groups: %s", why);
    }
    oa_buf_init(&scopes, OA_BEARER_SCOPES_MAX);
    if ((e = sign_in_gates(p, claims, groups.len ? groups.p : "", err)) == OA_OK &&
        (e = scopes_of(&scopes, claims, err)) == OA_OK &&
        (e = oa_identity_map(&m, cfg, p, email, groups.len ? groups.p : "")) != OA_OK)
        oa_error_set(err, e, "access token: out of memory");
    if (e == OA_OK) {
        v[OA_BF_PROVIDER] = p->name;
        v[OA_BF_ISSUER] = claim_str(claims, "iss");
        v[OA_BF_SUBJECT] = claim_str(claims, "sub");
        v[OA_BF_USERNAME] = user ? user : email ? email : v[OA_BF_SUBJECT];
        v[OA_BF_EMAIL] = email;
        v[OA_BF_NAME] = claim_str(claims, "name");
        v[OA_BF_GROUPS] = m.groups;
        v[OA_BF_WORKSPACES] = m.workspaces;
        v[OA_BF_ROLES] = m.roles;
        v[OA_BF_SCOPES] = scopes.len ? scopes.p : "";
        if (oa_bearer_entry_set(out, v) != OA_OK)
            e = oa_error_set(err, OA_ERR_TOO_LARGE, "access token: its identity is too large");
    }
    out->exp = (int64_t)exp;
    out->iat = json_is_integer(json_object_get(claims, "iat"))
                   ? (int64_t)json_integer_value(json_object_get(claims, "iat"))
                   : now;
    out->until =
        (int64_t)exp < now + OA_BEARER_CACHE_TTL ? (int64_t)exp : now + OA_BEARER_CACHE_TTL;
    oa_identity_mapped_free(&m);
    oa_buf_free(&groups);
    oa_buf_free(&scopes);
    return e;
}

enum oa_err oa_bearer_verify(struct oa_bearer_entry *out, const struct oa_config *cfg,
                             const char *token, size_t len, int64_t now, struct oa_error *err)
{
    char iss[1024];
    const struct oa_provider *p;
    const struct oa_jwks *keys;
    struct oa_jwt_expect x = {0};
    json_t *claims = NULL;
    enum oa_err e;

    memset(out, 0, offsetof(struct oa_bearer_entry, data));
    if (len > OA_BEARER_TOKEN_MAX)
        return oa_error_set(err, OA_ERR_TOO_LARGE, "access token: over %d bytes",
                            OA_BEARER_TOKEN_MAX);
    if (!peek_iss(iss, sizeof(iss), token, len)) {
        for (size_t i = 0; i < cfg->nproviders; i++)
            if (cfg->providers[i].introspection && cfg->providers[i].api_audiences.n)
                return oa_bearer_introspect(out, cfg, token, len, now, err); /* opaque */
        return oa_error_set(err, OA_ERR_BAD_INPUT, "access token: malformed (no iss)");
    }
    if (!(p = provider_of(cfg, iss)))
        return oa_error_set(err, OA_ERR_DENIED,
                            "access token: no provider with api_audiences has its issuer");
    if (!(keys = oa_bearer_keys_get(p->issuer))) {
        oa_bearer_keys_want(p->issuer);
        return oa_error_set(err, OA_ERR_NOT_FOUND, "access token: provider %s: no keys yet",
                            p->name);
    }
    x.issuers = (const char *const *)&p->issuer;
    x.nissuers = 1;
    x.audiences = (const char *const *)p->api_audiences.v;
    x.naudiences = p->api_audiences.n;
    x.now = now;
    x.use = OA_JWT_ACCESS;
    e = oa_jwt_verify(&claims, token, len, keys, &x, err);
    if (e == OA_ERR_NOT_FOUND)
        oa_bearer_keys_want(p->issuer); /* a new kid: the refresh fetches, rate-limited */
    if (e == OA_OK)
        e = oa_bearer_entry_from_claims(out, cfg, p, claims, now, err);
    json_decref(claims);
    return e;
}
