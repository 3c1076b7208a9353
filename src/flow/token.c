/*
 * token.c - the kinds of request the flows make to a provider: the token
 * request (authorization_code with the PKCE verifier, or a refresh_token
 * grant for /refresh; the client authenticated by client_secret_basic or
 * client_secret_post as the provider wants) and authenticated GETs of JSON
 * APIs (UserInfo, GitHub).
 * Log lines name the endpoint (no query), the status and the provider's
 * error code; never the code, a token or the secret.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "oa/crypto.h"
#include "oa/flow.h"

#define PROVIDER_FAILED "The sign-in provider answered with an error. Try again later."

/* client_secret_post for GitHub, Google and Apple; basic for Cognito;
 * OpenID providers: basic unless the metadata lists only post. */
static bool wants_post(const struct oa_flow *f)
{
    switch (f->p->kind) {
    case OA_PROVIDER_GITHUB:
    case OA_PROVIDER_GOOGLE:
    case OA_PROVIDER_APPLE: return true;
    case OA_PROVIDER_COGNITO: return false;
    default: return f->ep.auth_post && !f->ep.auth_basic;
    }
}

/* Appends "name=value" to a form; the buffer keeps the first error
 * (DESIGN.md section 8.1). */
static void form_add(struct oa_buf *b, const char *name, const char *value)
{
    oa_buf_printf(b, "%s%s=", b->len ? "&" : "", name);
    oa_buf_urlenc(b, value ? value : "");
}

static void buf_wipe_free(struct oa_buf *b)
{
    if (b->p)
        oa_wipe(b->p, b->alloc);
    oa_buf_free(b);
}

/* A provider error code, safe for the log: printable, short. */
static void safe_code(char *out, size_t cap, json_t *v)
{
    const char *s = json_string_value(v);
    size_t i;

    for (i = 0; s && s[i] && i + 1 < cap; i++)
        out[i] = isgraph((unsigned char)s[i]) ? s[i] : '?';
    out[i] = '\0';
}

/* The client secret to send (new, wiped by the caller), or NULL. */
static enum oa_err client_secret(struct oa_flow *f, char **out)
{
    struct oa_error err;
    enum oa_err e;

    *out = NULL;
    if (f->p->kind != OA_PROVIDER_APPLE) {
        if (f->p->client_secret && !(*out = strdup(f->p->client_secret)))
            return OA_ERR_NOMEM;
        return OA_OK;
    }
    oa_error_clear(&err);
    e = oa_apple_client_secret(out, f->rt, f->cfg, f->p, &err);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "This sign-in provider is not set up.",
                            "token: apple client secret: %s", err.msg);
    return OA_OK;
}

/* The grant's own fields: the code's (code, redirect_uri, verifier), or
 * RFC 6749 section 6's refresh_token when code is NULL. */
struct grant {
    const char *code, *verifier, *redirect_uri, *refresh_token;
};

static enum oa_err token_body(struct oa_flow *f, struct oa_buf *body, struct oa_buf *user,
                              struct oa_buf *pass, const struct grant *g)
{
    char *secret = NULL;
    enum oa_err e = client_secret(f, &secret);

    if (e != OA_OK)
        return e;
    if (g->refresh_token) {
        form_add(body, "grant_type", "refresh_token");
        form_add(body, "refresh_token", g->refresh_token);
    } else {
        form_add(body, "grant_type", "authorization_code");
        form_add(body, "code", g->code);
        form_add(body, "redirect_uri", g->redirect_uri);
        form_add(body, "code_verifier", g->verifier);
    }
    if (wants_post(f)) {
        form_add(body, "client_id", f->p->client_id);
        if (secret)
            form_add(body, "client_secret", secret);
    } else {
        /* RFC 6749 2.3.1: both form-urlencoded before Basic; a failure of
         * either is the request's, so it goes into the body's error */
        oa_buf_fail(body, oa_buf_urlenc(user, f->p->client_id ? f->p->client_id : ""));
        oa_buf_fail(body, oa_buf_urlenc(pass, secret ? secret : ""));
    }
    e = oa_buf_error(body);
    if (secret)
        oa_wipe(secret, strlen(secret));
    free(secret);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.",
                            "token: cannot build the request (%s)", oa_strerror(e));
    return OA_OK;
}

static enum oa_err take_string(char **out, json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    if (!s || !*s)
        return OA_ERR_NOT_FOUND;
    *out = strdup(s);
    return *out ? OA_OK : OA_ERR_NOMEM;
}

/* True for the answers that say "later", not "no": 5xx, 429. */
static bool status_transient(long status)
{
    return status >= 500 || status == 429;
}

static enum oa_err token_answer(struct oa_flow *f, struct oa_tokens *t, json_t *o, long status,
                                const char *where, bool refresh)
{
    char code[64];
    enum oa_err e;

    if (status < 200 || status > 299 || json_object_get(o, "error")) {
        safe_code(code, sizeof(code), json_object_get(o, "error"));
        f->transient = status_transient(status);
        /* a refresh the provider refuses (invalid_grant: revoked, expired,
         * the account gone) ends the session; the code's is a failed sign-in */
        return oa_flow_fail(f, refresh && !f->transient ? OA_ERR_DENIED : OA_ERR_PROVIDER, 502,
                            PROVIDER_FAILED, "token endpoint %s: HTTP %ld, error %s", where, status,
                            *code ? code : "(none)");
    }
    if (take_string(&t->access_token, o, "access_token") != OA_OK)
        return oa_flow_fail(f, OA_ERR_PROVIDER, 502, PROVIDER_FAILED,
                            "token endpoint %s: HTTP %ld without access_token", where, status);
    /* OpenID Connect Core 12.2: a refresh's answer may leave the id_token out */
    if (!refresh && oa_flow_is_oidc(f->p) && !oa_cognito_userinfo_only(f->p) &&
        take_string(&t->id_token, o, "id_token") != OA_OK)
        return oa_flow_fail(f, OA_ERR_PROVIDER, 502, PROVIDER_FAILED,
                            "token endpoint %s: HTTP %ld without id_token", where, status);
    if (refresh && (e = take_string(&t->id_token, o, "id_token")) == OA_ERR_NOMEM)
        return oa_flow_fail(f, e, 500, PROVIDER_FAILED, "token: out of memory");
    e = take_string(&t->refresh_token, o, "refresh_token");
    if (e == OA_ERR_NOMEM)
        return oa_flow_fail(f, e, 500, PROVIDER_FAILED, "token: out of memory");
    return OA_OK;
}

static enum oa_err token_request(struct oa_flow *f, struct oa_tokens *t, const struct grant *g)
{
    struct oa_buf body = {0}, user = {0}, pass = {0};
    struct oa_http_request hr = {0};
    struct oa_error err;
    char where[256];
    json_t *o = NULL;
    long status = 0;
    enum oa_err e;

    memset(t, 0, sizeof(*t));
    oa_flow_url_for_log(where, sizeof(where), f->ep.token_endpoint);
    if (!f->ep.token_endpoint)
        return oa_flow_fail(f, OA_ERR_CONFIG, 500, "This sign-in provider is not set up.",
                            "token: no token endpoint");
    e = token_body(f, &body, &user, &pass, g);
    if (e == OA_OK) {
        hr.method = "POST";
        hr.url = f->ep.token_endpoint;
        hr.headers[0] = "Content-Type: application/x-www-form-urlencoded";
        hr.body = body.p;
        hr.body_len = body.len;
        if (!wants_post(f)) {
            hr.basic_user = user.p ? user.p : "";
            hr.basic_pass = pass.p ? pass.p : "";
        }
        oa_error_clear(&err);
        uint64_t t0 = oa_metrics_now_us();
        e = oa_http_json(&o, &status, NULL, f->http, &f->opts, &hr, &err);
        oa_metrics_call(oa_flow_provider_index(f), OA_MX_TOKEN, oa_metrics_now_us() - t0);
        if (e != OA_OK) {
            /* no answer, or one that is not JSON: a 5xx page, a proxy's */
            f->transient = status == 0 || status_transient(status);
            oa_flow_fail(f, e, 502, PROVIDER_FAILED, "token endpoint %s: HTTP %ld: %s (%s)", where,
                         status, err.msg, oa_strerror(e));
        } else {
            e = token_answer(f, t, o, status, where, g->refresh_token != NULL);
        }
    }
    if (o) {
        /* tokens live in the JSON too: drop it now */
        json_decref(o);
    }
    buf_wipe_free(&body);
    buf_wipe_free(&user);
    buf_wipe_free(&pass);
    if (e != OA_OK)
        oa_tokens_free(t);
    return e;
}

enum oa_err oa_flow_token(struct oa_flow *f, struct oa_tokens *t, const char *code,
                          const char *verifier, const char *redirect_uri)
{
    const struct grant g = {code, verifier, redirect_uri, NULL};

    return token_request(f, t, &g);
}

enum oa_err oa_flow_refresh_token(struct oa_flow *f, struct oa_tokens *t, const char *refresh_token)
{
    const struct grant g = {NULL, NULL, NULL, refresh_token};

    return token_request(f, t, &g);
}

static void wipe_free(char **s)
{
    if (*s)
        oa_wipe(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

void oa_tokens_free(struct oa_tokens *t)
{
    wipe_free(&t->access_token);
    wipe_free(&t->id_token);
    wipe_free(&t->refresh_token);
}

enum oa_err oa_flow_get_json(struct oa_flow *f, json_t **out, char **link, const char *url,
                             const char *bearer, bool want_array, const char *what)
{
    struct oa_http_request hr = {0};
    struct oa_http_response resp = {0};
    struct oa_buf auth = {0};
    struct oa_error err;
    char where[256];
    json_t *j = NULL;
    enum oa_err e;

    *out = NULL;
    if (link)
        *link = NULL;
    oa_flow_url_for_log(where, sizeof(where), url);
    e = oa_buf_printf(&auth, "Authorization: Bearer %s", bearer);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "%s: %s", what,
                            oa_strerror(e));
    hr.method = "GET";
    hr.url = url;
    hr.headers[0] = auth.p;
    oa_error_clear(&err);
    e = oa_flow_send(f, OA_MX_USERINFO, &hr, &resp, &err);
    buf_wipe_free(&auth);
    if (e != OA_OK) {
        oa_http_response_free(&resp);
        f->transient = true; /* no answer: the network's */
        return oa_flow_fail(f, e, 502, PROVIDER_FAILED, "%s %s: %s (%s)", what, where, err.msg,
                            oa_strerror(e));
    }
    if (resp.status < 200 || resp.status > 299) {
        f->transient = status_transient(resp.status);
        /* 401/403: the token (or the account) is no longer accepted */
        e = oa_flow_fail(f, OA_ERR_PROVIDER, 502, PROVIDER_FAILED, "%s %s: HTTP %ld", what, where,
                         resp.status);
    }
    if (e == OA_OK) {
        j = json_loadb(resp.body ? resp.body : "", resp.body_len, JSON_REJECT_DUPLICATES, NULL);
        if (!j || (want_array ? !json_is_array(j) : !json_is_object(j)))
            e = oa_flow_fail(f, OA_ERR_PROVIDER, 502, PROVIDER_FAILED,
                             "%s %s: HTTP %ld, not a JSON %s", what, where, resp.status,
                             want_array ? "array" : "object");
    }
    if (e == OA_OK && link) {
        *link = resp.link;
        resp.link = NULL;
    }
    oa_http_response_free(&resp);
    if (e != OA_OK) {
        json_decref(j);
        return e;
    }
    *out = j;
    return OA_OK;
}
