/*
 * backchannel.c - OpenID Connect Back-Channel Logout 1.0 at
 * <base_path>/<provider>/backchannel-logout (signin.h, DESIGN.md section
 * 14.5; SECURITY.md, "Back-channel logout").
 *
 * The provider POSTs logout_token=<JWT> when a user signs out there. No
 * browser is involved and no cookie comes with it, so this is not behind
 * the logout CSRF check: the token's signature (the provider's id_token
 * keys) is what authenticates the request. In this order:
 *   POST urlencoded with exactly one logout_token -> else 400; an OpenID
 *   kind -> else 404; a provider-call slot (the keys may be fetched) ->
 *   else 503 + Retry-After; the provider's endpoints and keys -> else 503;
 *   the token (jwt.c OA_JWT_LOGOUT: signature, iss, aud, events, no nonce,
 *   sub/sid, jti, iat) -> else 400; its jti not used before in this
 *   process -> else 400; the revocation: sid -> that provider session
 *   (cutoff: always), sub only -> every session of that user sealed
 *   before the token's iat (a later sign-in lives); the store -> else 503
 *   (the process's own list has it already; the jti stays unused for the
 *   provider's retry); the jti marked used; 200, empty, no-store.
 * Every refusal is 400 {"error":"invalid_request"} (section 2.8) and one
 * log line naming the check; the token is never logged.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/crypto.h"
#include "oa/flow.h"
#include "oa/id_token.h"
#include "oa/inflight.h"
#include "oa/jwt.h"
#include "oa/pages.h"
#include "oa/replay.h"
#include "oa/revocation.h"
#include "oa/signin.h"
#include "oa/url.h"

_Static_assert(OA_REPLAY_JTI_KEEP >= OA_JWT_LOGOUT_AGE + 2 * OA_JWT_SKEW,
               "a jti is kept as long as its token's iat lets it be taken");

/* The answer: status, a JSON error (NULL: no body), no-store. */
static void answer(struct oa_response *r, int status, const char *error)
{
    char secs[16];
    enum oa_err e;

    oa_response_reset(r);
    oa_response_status(r, status);
    e = error ? oa_buf_puts(&r->body, "{\"error\":\"") : OA_OK;
    if (!e && error)
        e = oa_buf_puts(&r->body, error);
    if (!e && error)
        e = oa_buf_puts(&r->body, "\"}");
    if (!e)
        e = oa_page_headers(r, error ? OA_PAGE_JSON : OA_PAGE_NONE);
    snprintf(secs, sizeof(secs), "%d", OA_INFLIGHT_RETRY_AFTER);
    if (!e && status == 503)
        e = oa_response_header(r, "Retry-After", secs);
    if (e) { /* a few bytes after a reset: cannot happen, but never half an answer */
        oa_response_reset(r);
        oa_response_status(r, status);
    }
}

/* 400 and the log line (never the token). Returns code. */
static enum oa_err refuse(struct oa_response *r, const struct oa_provider *p, enum oa_err code,
                          const char *why)
{
    answer(r, 400, "invalid_request");
    oa_response_log(r, OA_LOG_WARN, "provider %s: back-channel logout refused: %s", p->name, why);
    return code;
}

/* 503 (the OP may try again) and the log line. Returns code. */
static enum oa_err later(struct oa_response *r, const struct oa_provider *p, enum oa_err code,
                         const char *why)
{
    answer(r, 503, "temporarily_unavailable");
    oa_response_log(r, OA_LOG_ERROR, "provider %s: back-channel logout not done: %s", p->name, why);
    return code;
}

/* The one logout_token of the urlencoded body into *tok (new). */
static enum oa_err read_token(struct oa_response *r, const struct oa_request *req,
                              const struct oa_provider *p, char **tok)
{
    const char *ct = req->content_type;
    size_t n = ct ? strcspn(ct, "; \t") : 0;
    enum oa_err e;

    *tok = NULL;
    if (!req->method || strcmp(req->method, "POST") != 0)
        return refuse(r, p, OA_ERR_BAD_INPUT, "not a POST");
    if (n != 33 || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return refuse(r, p, OA_ERR_BAD_INPUT, "not an application/x-www-form-urlencoded body");
    e = oa_form_get(tok, req->body ? req->body : "", req->body ? req->body_len : 0, "logout_token");
    if (e == OA_ERR_NOT_FOUND)
        return refuse(r, p, e, "no logout_token");
    if (e != OA_OK)
        return refuse(r, p, e, "logout_token repeated or badly encoded");
    return OA_OK;
}

/* The provider's endpoints and keys, fetched now if due: a failure here is
 * ours or the network's (503), not the token's (400). */
static enum oa_err keys_ready(struct oa_flow *f)
{
    const char *uri;
    struct oa_jwks_ref *k = NULL;
    struct oa_error err;
    bool fetched;
    enum oa_err e;
    char why[OA_RESPONSE_LOG_MAX];

    if ((e = oa_flow_provider_urls(f)) != OA_OK) {
        /* oa_flow_provider_urls logged why: keep it in the one line */
        snprintf(why, sizeof(why), "the provider's endpoints cannot be fetched (%.300s)",
                 f->r->log);
        return later(f->r, f->p, e, why);
    }
    uri = f->ep.jwks_uri ? f->ep.jwks_uri : f->p->jwks_uri;
    if (!uri) /* the config's: no retry will help */
        return refuse(f->r, f->p, OA_ERR_PROVIDER,
                      "the provider has no jwks_uri: its logout tokens cannot be checked");
    oa_error_clear(&err);
    e = oa_provider_jwks(&k, &fetched, f->rt, f->cfg, f->p, uri, false, &err);
    oa_jwks_release(k);
    if (e != OA_OK) {
        snprintf(why, sizeof(why), "the provider's keys cannot be fetched (%.200s)", err.msg);
        return later(f->r, f->p, e, why);
    }
    return OA_OK;
}

/* The revocation entry the token names. */
static enum oa_err entry_of(struct oa_rev_entry *re, const struct oa_config *cfg,
                            const struct oa_provider *p, json_t *claims, int64_t now,
                            const char **what)
{
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    const char *sid = json_string_value(json_object_get(claims, "sid"));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    json_int_t iat = json_integer_value(json_object_get(claims, "iat"));

    memset(re, 0, sizeof(*re));
    re->expiry = now + cfg->session.lifetime;
    if (sid) {
        /* section 2.7: with sid, that session of the provider, whenever
         * it was sealed (a refresh keeps the provider's sid) */
        *what = "provider session";
        re->cutoff = INT64_MAX;
        return oa_rev_key(OA_REV_PROVIDER_SID, iss, sid, re->key) ? OA_OK : OA_ERR_BAD_INPUT;
    }
    /* sub only: the user's sessions sealed before the token was issued; a
     * sign-in after it lives, and a replayed token changes nothing */
    *what = "user";
    re->cutoff = (int64_t)iat;
    return oa_rev_key(OA_REV_USER, p->name, sub, re->key) ? OA_OK : OA_ERR_BAD_INPUT;
}

/* Verified token -> jti not used before -> revoked -> jti marked used.
 * The jti is marked only once the revocation is shared: a 503 (store
 * down) leaves the token good for the provider's retry. Two copies at
 * once may both pass: harmless, the entries merge. */
static enum oa_err apply(struct oa_flow *f, const char *tok)
{
    struct oa_response *r = f->r;
    const struct oa_provider *p = f->p;
    const int64_t now = f->req->now;
    struct oa_rev_entry re;
    struct oa_error err;
    json_t *claims = NULL;
    const char *what = "", *iss, *jti;
    char why[OA_RESPONSE_LOG_MAX];
    enum oa_err e;

    oa_error_clear(&err);
    e = oa_token_check(&claims, f->rt, f->cfg, p, &f->ep, tok, OA_JWT_LOGOUT, NULL, &err);
    if (e != OA_OK)
        return refuse(r, p, e, err.msg);
    iss = json_string_value(json_object_get(claims, "iss"));
    jti = json_string_value(json_object_get(claims, "jti"));
    if (oa_replay_seen_jti(iss, jti, now)) {
        json_decref(claims);
        return refuse(r, p, OA_ERR_DENIED, "logout token: jti already used (a replay)");
    }
    e = entry_of(&re, f->cfg, p, claims, now, &what);
    if (e == OA_OK) {
        oa_audit_set(&r->audit, OA_AUDIT_REVOCATION, 200, p->name, NULL,
                     json_string_value(json_object_get(claims, "sub")), NULL,
                     json_object_get(claims, "sid") ? "back-channel logout: provider session"
                                                    : "back-channel logout: user");
        e = oa_revoke(&re, &err);
    }
    if (e == OA_OK && oa_replay_claim_jti(iss, jti, now) == OA_ERR_BUSY)
        oa_response_log(r, OA_LOG_WARN, "provider %s: the table of used logout tokens is full",
                        p->name); /* overwritten below: the revocation is what counts */
    json_decref(claims);
    if (e == OA_ERR_BAD_INPUT)
        return refuse(r, p, e, "logout token: sub or sid unusable as a key");
    if (e != OA_OK) {
        snprintf(why, sizeof(why), "revocation of the %s not shared (%.200s); this process has it",
                 what, err.msg);
        r->audit.status = 503;
        return later(r, p, e, why);
    }
    answer(r, 200, NULL);
    oa_response_log(r, OA_LOG_INFO, "provider %s: back-channel logout: %s revoked", p->name, what);
    return OA_OK;
}

/* Ownership: fills r completely; returns the code of what failed. */
enum oa_err oa_signin_backchannel_logout(struct oa_response *r, const struct oa_config *cfg,
                                         struct oa_runtime *rt, const struct oa_request *req,
                                         const struct oa_provider *p)
{
    struct oa_flow f;
    char *tok = NULL;
    enum oa_err e;

    if (!oa_flow_is_oidc(p)) {
        oa_page_error(r, req, 404, "Not found");
        return OA_ERR_NOT_FOUND;
    }
    if ((e = read_token(r, req, p, &tok)) != OA_OK)
        return e;
    oa_flow_start(&f, r, cfg, rt, req, p);
    /* the keys may have to be fetched: the same cap as any provider call */
    if ((e = oa_flow_slot(&f)) != OA_OK)
        e = later(r, p, e, "too many provider calls in progress");
    if (e == OA_OK)
        e = keys_ready(&f);
    if (e == OA_OK)
        e = apply(&f, tok);
    if (e != OA_OK && r->audit.event == OA_AUDIT_SIGN_IN_FAIL)
        oa_audit_clear(&r->audit); /* oa_flow_fail's: no sign-in failed here */
    oa_flow_done(&f);
    oa_wipe(tok, strlen(tok));
    free(tok);
    return e;
}
