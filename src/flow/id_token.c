/*
 * id_token.c - checking an id_token: the keys from the provider's cache
 * (provider_cache.c: fetched, cached, one rate-limited refetch when the
 * token names an unknown key), the signature and the claims (jwt.c), with
 * the issuers the provider may use.
 */
#include <string.h>

#include "oa/id_token.h"
#include "oa/jwt.h"
#include "oa/provider_cache.h"

/* The issuers an id_token of p may carry: ep's (or p's) issuer, and for
 * Google the host-only form it also uses. Returns how many. */
static size_t issuers_of(const char *list[3], const struct oa_provider *p,
                         const struct oa_provider_urls *ep)
{
    size_t n = 0;

    if (ep && ep->issuer)
        list[n++] = ep->issuer;
    else if (p->issuer)
        list[n++] = p->issuer;
    if (p->kind == OA_PROVIDER_GOOGLE) {
        list[n++] = "accounts.google.com";
        if (n == 1)
            list[n++] = "https://accounts.google.com";
    }
    return n;
}

enum oa_err oa_id_token_check(json_t **claims, struct oa_runtime *rt, const struct oa_config *cfg,
                              const struct oa_provider *p, const struct oa_provider_urls *ep,
                              const char *id_token, const char *nonce, struct oa_error *err)
{
    return oa_token_check(claims, rt, cfg, p, ep, id_token, OA_JWT_ID_TOKEN, nonce, err);
}

enum oa_err oa_token_check(json_t **claims, struct oa_runtime *rt, const struct oa_config *cfg,
                           const struct oa_provider *p, const struct oa_provider_urls *ep,
                           const char *id_token, enum oa_jwt_use use, const char *nonce_or_sub,
                           struct oa_error *err)
{
    const char *issuers[3];
    struct oa_jwt_expect x = {.issuers = issuers,
                              .client_id = p->client_id,
                              .nonce = use == OA_JWT_ID_TOKEN ? nonce_or_sub : NULL,
                              .sub = use == OA_JWT_REFRESH ? nonce_or_sub : NULL,
                              .now = oa_provider_cache_now(),
                              .use = use,
                              .tid_template = p->kind == OA_PROVIDER_ENTRA};
    const char *uri = ep && ep->jwks_uri ? ep->jwks_uri : p->jwks_uri;
    struct oa_jwks_ref *r = NULL;
    bool fetched;
    enum oa_err e;

    *claims = NULL;
    x.nissuers = issuers_of(issuers, p, ep);
    if (!x.nissuers || !uri || !id_token || (use != OA_JWT_LOGOUT && !nonce_or_sub))
        return oa_error_set(err, OA_ERR_PROVIDER,
                            "provider %s: no issuer, JWKS or nonce to check "
                            "the token with",
                            p->name);
    if ((e = oa_provider_jwks(&r, &fetched, rt, cfg, p, uri, false, err)) != OA_OK)
        return e;
    e = oa_jwt_verify(claims, id_token, strlen(id_token), oa_jwks_ref_keys(r), &x, err);
    oa_jwks_release(r);
    if (e == OA_ERR_NOT_FOUND && !fetched) {
        /* the provider may have rotated its keys: one rate-limited refetch */
        if ((e = oa_provider_jwks(&r, &fetched, rt, cfg, p, uri, true, err)) != OA_OK)
            return e;
        e = fetched
                ? oa_jwt_verify(claims, id_token, strlen(id_token), oa_jwks_ref_keys(r), &x, err)
                : OA_ERR_NOT_FOUND;
        oa_jwks_release(r);
    }
    if (e == OA_ERR_NOT_FOUND)
        e = oa_error_set(err, OA_ERR_PROVIDER, "provider %s: id_token signed by an unknown key",
                         p->name);
    return e;
}
