/*
 * bearer_introspect.c - opaque bearer tokens (RFC 7662 token
 * introspection), for providers with `introspection: true` (bearer.h,
 * DESIGN.md section 16.1).
 *
 * Why it is apart: this is the one path on which a decision waits on the
 * network. It runs only on a cache miss of a token that is not a JWT, is
 * bounded by http.timeout, and its answer is cached as a verified JWT's
 * (until min(exp, OA_BEARER_CACHE_TTL)). The endpoint comes from the config
 * or the discovery document, published by the keys' refresh thread, so
 * the decision never fetches discovery itself. The answer must say
 * active: true, name one of the provider's api_audiences in aud, and, when
 * it says them, the provider's iss and times that hold; the identity is
 * then made from it as from a token's claims.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/bearer.h"
#include "oa/buf.h"
#include "oa/crypto.h"
#include "oa/http.h"
#include "oa/jwt.h"

static _Atomic(const struct oa_http_ops *) http_ops;

/* Calls in flight in this process. Each made-up opaque token costs a call
 * that may wait http.timeout; without a cap a flood of them would hold
 * every authorizer thread and starve the signed-in users' decisions. Over
 * the cap a token is refused at once (the client may retry). */
static atomic_int inflight;

void oa_bearer_introspect_inflight_add(int n)
{
    atomic_fetch_add(&inflight, n);
}

void oa_bearer_set_http(const struct oa_http_ops *ops)
{
    atomic_store_explicit(&http_ops, ops, memory_order_release);
}

static bool aud_ok(json_t *aud, const struct oa_provider *p)
{
    json_t *v;
    size_t i;

    for (size_t k = 0; k < p->api_audiences.n; k++) {
        const char *want = p->api_audiences.v[k];
        if (json_is_string(aud) && strcmp(json_string_value(aud), want) == 0)
            return true;
        json_array_foreach(aud, i, v)
        {
            if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
                return true;
        }
    }
    return false;
}

/* RFC 7662 section 2.2: what the answer must say for the token to pass. */
static enum oa_err answer_check(json_t *a, const struct oa_provider *p, int64_t now,
                                struct oa_error *err)
{
    json_t *iss = json_object_get(a, "iss"), *exp = json_object_get(a, "exp"),
           *nbf = json_object_get(a, "nbf");

    if (!json_is_true(json_object_get(a, "active")))
        return oa_error_set(err, OA_ERR_EXPIRED, "introspection: the token is not active");
    if (iss && !(json_is_string(iss) && strcmp(json_string_value(iss), p->issuer) == 0))
        return oa_error_set(err, OA_ERR_PROVIDER, "introspection: iss is not the provider's");
    if (!aud_ok(json_object_get(a, "aud"), p))
        return oa_error_set(err, OA_ERR_PROVIDER, "introspection: aud is not one of api_audiences");
    if (exp && !(json_is_integer(exp) && json_integer_value(exp) > 0 &&
                 json_integer_value(exp) <= OA_JWT_TIME_MAX && json_integer_value(exp) > now))
        return oa_error_set(err, OA_ERR_EXPIRED, "introspection: expired");
    if (nbf && !(json_is_integer(nbf) && json_integer_value(nbf) <= now + OA_JWT_SKEW))
        return oa_error_set(err, OA_ERR_PROVIDER, "introspection: not valid yet");
    if (!json_is_string(json_object_get(a, "sub")) &&
        json_is_string(json_object_get(a, "client_id"))) /* a service's token: its client */
        json_object_set(a, "sub", json_object_get(a, "client_id"));
    if (!json_is_string(json_object_get(a, "sub")))
        return oa_error_set(err, OA_ERR_PROVIDER, "introspection: no sub nor client_id");
    return OA_OK;
}

/* One provider's answer for the token. */
static enum oa_err ask(struct oa_bearer_entry *out, const struct oa_config *cfg,
                       const struct oa_provider *p, const char *url, const char *token, size_t len,
                       int64_t now, struct oa_error *err)
{
    const struct oa_http_ops *ops = atomic_load_explicit(&http_ops, memory_order_acquire);
    struct oa_http_request req = {.method = "POST",
                                  .url = url,
                                  .headers = {"Accept: application/json", NULL},
                                  .basic_user = p->client_id,
                                  .basic_pass = p->client_secret};
    struct oa_http_opts opts;
    struct oa_buf body = {0};
    json_t *a = NULL;
    long status = 0;
    enum oa_err e;

    if (!ops)
        return oa_error_set(err, OA_ERR_INTERNAL, "introspection: no transport");
    oa_buf_puts(&body, "token_type_hint=access_token&token=");
    for (size_t i = 0; i < len; i++) { /* b64token characters: only '+', '/', '=' need escaping */
        char c = token[i];
        if (c == '+' || c == '/' || c == '=')
            oa_buf_printf(&body, "%%%02X", (unsigned char)c);
        else
            oa_buf_append(&body, &c, 1);
    }
    if ((e = oa_buf_error(&body)) != OA_OK) {
        oa_buf_free(&body);
        return oa_error_set(err, e, "introspection: out of memory");
    }
    req.body = body.p;
    req.body_len = body.len;
    oa_http_opts_from_config(&opts, cfg);
    e = oa_http_json(&a, &status, NULL, ops, &opts, &req, err);
    oa_wipe(body.p, body.len); /* the token */
    oa_buf_free(&body);
    if (e == OA_OK && status != 200)
        e = oa_error_set(err, OA_ERR_PROVIDER, "introspection: provider %s answered %ld", p->name,
                         status);
    if (e == OA_OK)
        e = answer_check(a, p, now, err);
    if (e == OA_OK)
        e = oa_bearer_entry_from_claims(out, cfg, p, a, now, err);
    json_decref(a);
    return e;
}

enum oa_err oa_bearer_introspect(struct oa_bearer_entry *out, const struct oa_config *cfg,
                                 const char *token, size_t len, int64_t now, struct oa_error *err)
{
    enum oa_err e = oa_error_set(err, OA_ERR_DENIED, "introspection: no provider to ask");

    if (atomic_fetch_add(&inflight, 1) >= OA_BEARER_INTROSPECT_INFLIGHT) {
        atomic_fetch_sub(&inflight, 1);
        return oa_error_set(err, OA_ERR_BUSY, "introspection: %d calls in flight already",
                            OA_BEARER_INTROSPECT_INFLIGHT);
    }
    for (size_t i = 0; i < cfg->nproviders; i++) {
        const struct oa_provider *p = &cfg->providers[i];
        const char *url;
        if (!p->introspection || !p->api_audiences.n || !p->issuer)
            continue;
        if (!(url = oa_bearer_keys_introspection(p->issuer))) {
            e = oa_error_set(err, OA_ERR_NOT_FOUND,
                             "introspection: provider %s: no endpoint known yet", p->name);
            continue;
        }
        if ((e = ask(out, cfg, p, url, token, len, now, err)) == OA_OK)
            break;
    }
    atomic_fetch_sub(&inflight, 1);
    return e;
}
