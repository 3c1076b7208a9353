/*
 * flow_fixture.c - the fx_* part of the unit tests' fixture library
 * (declarations and what each helper gives: fixture.h): a stand-in
 * provider (struct oa_http_ops answering from a table keyed by URL,
 * recording every request), a hand-built config and the run-time state
 * beside it (fx_rt, made as the edge makes it), an ES256 key to sign
 * id_tokens with, and helpers to read a response. No network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "fixture.h"

struct fx_answer fx_answers[FX_MAX];
size_t fx_nanswers;
struct fx_seen fx_seen[64];
size_t fx_nseen;

static char *fx_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void fx_reset(void)
{
    size_t i;

    for (i = 0; i < fx_nanswers; i++) {
        free(fx_answers[i].url);
        free(fx_answers[i].body);
        free(fx_answers[i].link);
    }
    for (i = 0; i < fx_nseen; i++) {
        free(fx_seen[i].method);
        free(fx_seen[i].url);
        free(fx_seen[i].body);
        free(fx_seen[i].auth_header);
        free(fx_seen[i].basic_user);
        free(fx_seen[i].basic_pass);
    }
    memset(fx_answers, 0, sizeof(fx_answers));
    memset(fx_seen, 0, sizeof(fx_seen));
    fx_nanswers = fx_nseen = 0;
}

void fx_answer(const char *url, long status, const char *body, const char *link)
{
    struct fx_answer *a = &fx_answers[fx_nanswers++];

    a->url = fx_dup(url);
    a->status = status;
    a->body = fx_dup(body);
    a->link = fx_dup(link);
}

void fx_fail(const char *url, enum oa_err transport)
{
    fx_answer(url, 0, NULL, NULL);
    fx_answers[fx_nanswers - 1].transport = transport;
}

static const struct fx_answer *fx_find(const char *url)
{
    size_t i, n;

    for (i = fx_nanswers; i-- > 0;) {
        n = strlen(fx_answers[i].url);
        if (!strcmp(fx_answers[i].url, url) ||
            (n && fx_answers[i].url[n - 1] == '*' && !strncmp(fx_answers[i].url, url, n - 1)))
            return &fx_answers[i];
    }
    return NULL;
}

/* How many requests went to url (prefix match when it ends in '*'). */
size_t fx_count(const char *url)
{
    size_t i, c = 0, n = strlen(url);

    for (i = 0; i < fx_nseen; i++)
        if (!strcmp(fx_seen[i].url, url) ||
            (url[n - 1] == '*' && !strncmp(fx_seen[i].url, url, n - 1)))
            c++;
    return c;
}

const struct fx_seen *fx_last(const char *url)
{
    size_t i;

    for (i = fx_nseen; i-- > 0;)
        if (!strcmp(fx_seen[i].url, url))
            return &fx_seen[i];
    return NULL;
}

static enum oa_err fx_send(void *ctx, const struct oa_http_opts *opts,
                           const struct oa_http_request *req, struct oa_http_response *resp,
                           struct oa_error *err)
{
    const struct fx_answer *a = fx_find(req->url);
    struct fx_seen *s = &fx_seen[fx_nseen < 63 ? fx_nseen++ : 63];
    size_t i;

    (void)ctx;
    (void)opts;
    memset(resp, 0, sizeof(*resp));
    s->method = fx_dup(req->method);
    s->url = fx_dup(req->url);
    s->body = req->body ? strndup(req->body, req->body_len) : NULL;
    s->basic_user = fx_dup(req->basic_user);
    s->basic_pass = fx_dup(req->basic_pass);
    for (i = 0; i < OA_HTTP_MAX_HEADERS && req->headers[i]; i++)
        if (!strncmp(req->headers[i], "Authorization:", 14))
            s->auth_header = fx_dup(req->headers[i]);
    if (!a)
        return oa_error_set(err, OA_ERR_PROVIDER, "no canned answer for that URL");
    if (a->transport != OA_OK)
        return oa_error_set(err, a->transport, "canned transport failure");
    resp->status = a->status;
    if (a->size) {
        resp->body = calloc(1, a->size + 1);
        memset(resp->body, ' ', a->size);
        resp->body_len = a->size;
    } else {
        resp->body = strdup(a->body ? a->body : "");
        resp->body_len = strlen(resp->body);
    }
    resp->content_type = strdup("application/json");
    resp->link = fx_dup(a->link);
    return OA_OK;
}

/* ---- the config ---------------------------------------------------- */

struct oa_config fx_cfg;
static struct oa_provider fx_prov[8];
struct oa_runtime fx_rt;

char *fx_s(const char *s)
{
    return strdup(s);
}

void fx_strlist(struct oa_strlist *l, const char *a, const char *b)
{
    l->n = 0;
    l->v = calloc(2, sizeof(char *));
    if (a)
        l->v[l->n++] = fx_s(a);
    if (b)
        l->v[l->n++] = fx_s(b);
}

/* (Re)makes fx_rt for fx_cfg as it stands, with the stand-in transport, as
 * fcgi/main.c does once the config is complete: fresh caches. */
void fx_runtime(void)
{
    static const struct oa_http_ops ops = {fx_send, NULL};

    oa_runtime_free(&fx_rt);
    if (oa_runtime_init(&fx_rt, &fx_cfg, &ops) != OA_OK)
        abort();
}

struct oa_provider *fx_provider(const char *name, enum oa_provider_kind kind)
{
    struct oa_provider *p = &fx_prov[fx_cfg.nproviders++];

    p->name = fx_s(name);
    p->kind = kind;
    p->display_name = fx_s(name);
    p->client_id = fx_s("cid-123");
    p->client_secret = fx_s("s3cret");
    fx_runtime(); /* a cache for the new provider */
    return p;
}

void fx_config(void)
{
    unsigned char key[OA_KEY_BYTES];

    if (oa_crypto_init() != OA_OK)
        abort();
    memset(&fx_cfg, 0, sizeof(fx_cfg));
    memset(fx_prov, 0, sizeof(fx_prov));
    fx_cfg.providers = fx_prov;
    fx_cfg.public_url = fx_s("https://app.example.com");
    fx_cfg.public_host = fx_s("app.example.com");
    fx_cfg.public_https = true;
    fx_cfg.base_path = fx_s("/oauth");
    fx_cfg.session.cookie_name = fx_s("oauth2_fcgi");
    fx_cfg.session.cookie_full = fx_s("__Host-oauth2_fcgi");
    fx_cfg.session.secure = true;
    fx_cfg.session.lifetime = 3600;
    fx_cfg.session.same_site = OA_SAME_SITE_LAX;
    fx_cfg.http.timeout_ms = 1000;
    fx_strlist(&fx_cfg.workspaces, "argilla", NULL);
    /* the flows' tests read the groups a sign-in brings: all kept, as
     * keep_groups: ["*"] does (test_identity_map tests the trimming) */
    fx_cfg.keep_all_groups = true;
    memset(key, 7, sizeof(key));
    if (oa_keyring_add(&fx_cfg.keys, key) != OA_OK)
        abort();
    fx_runtime();
}

/* ---- requests and responses --------------------------------------- */

void fx_request(struct oa_request *req, const char *method, const char *path, const char *query,
                const char *cookie)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->path_info = path;
    req->request_uri = path;
    req->query_string = query;
    req->host = "app.example.com";
    req->https = "on";
    req->cookie = cookie;
    req->accept = "text/html";
    req->now = (int64_t)time(NULL);
}

/* The n-th Set-Cookie header whose value starts with prefix, or NULL. */
const char *fx_set_cookie(const struct oa_response *r, const char *prefix, int n)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, "Set-Cookie") &&
            !strncmp(r->headers[i].value, prefix, strlen(prefix)) && n-- == 0)
            return r->headers[i].value;
    return NULL;
}

size_t fx_count_cookies(const struct oa_response *r, const char *prefix)
{
    size_t c = 0;

    while (fx_set_cookie(r, prefix, (int)c))
        c++;
    return c;
}

/* "name=value" of a Set-Cookie value (new). */
char *fx_cookie_pair(const char *set_cookie)
{
    return set_cookie ? strndup(set_cookie, strcspn(set_cookie, ";")) : NULL;
}

/* A parameter of the Location's query (new) or NULL. */
char *fx_location_param(const struct oa_response *r, const char *name)
{
    const char *loc = oa_response_get(r, "Location"), *q;
    char *v = NULL;

    if (!loc || !(q = strchr(loc, '?')))
        return NULL;
    q++;
    if (oa_form_get(&v, q, strlen(q), name) != OA_OK)
        return NULL;
    return v;
}

bool fx_body_has(const struct oa_response *r, const char *needle)
{
    return r->body.p && strstr(r->body.p, needle) != NULL;
}

/* ---- signing id_tokens -------------------------------------------- */

static cjose_jwk_t *fx_key;

/* Makes the ES256 key and returns the JWKS document (new). */
char *fx_make_key(void)
{
    char *pub, *doc;
    json_t *k, *ks;

    fx_key = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    if (!fx_key || !cjose_jwk_set_kid(fx_key, "k1", 2, NULL))
        abort();
    pub = cjose_jwk_to_json(fx_key, false, NULL);
    k = json_loads(pub, 0, NULL);
    json_object_set_new(k, "use", json_string("sig"));
    json_object_set_new(k, "alg", json_string("ES256"));
    ks = json_pack("{s:[o]}", "keys", k);
    doc = json_dumps(ks, JSON_COMPACT);
    json_decref(ks);
    free(pub);
    return doc;
}

/* A compact JWS of claims signed by jwk with header alg and kid (kid may be
 * NULL: no kid). New string. */
char *fx_jws(const cjose_jwk_t *jwk, const char *alg, const char *kid, const char *claims)
{
    cjose_header_t *h = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *ser;
    char *out;

    cjose_header_set(h, CJOSE_HDR_ALG, alg, NULL);
    if (kid)
        cjose_header_set(h, CJOSE_HDR_KID, kid, NULL);
    jws = cjose_jws_sign(jwk, h, (const uint8_t *)claims, strlen(claims), NULL);
    if (!jws || !cjose_jws_export(jws, &ser, NULL))
        abort();
    out = strdup(ser);
    cjose_jws_release(jws);
    cjose_header_release(h);
    return out;
}

/* A signed id_token with claims (a JSON object text). New string. */
char *fx_claims_override(json_t *base, const char *override)
{
    json_t *o = override ? json_loads(override, JSON_ALLOW_NUL, NULL) : NULL;
    const char *k;
    json_t *v;
    char *s;

    if (override && !o)
        abort();
    json_object_foreach(o, k, v)
    {
        if (json_is_null(v))
            json_object_del(base, k);
        else
            json_object_set(base, k, v);
    }
    s = json_dumps(base, JSON_COMPACT);
    json_decref(base);
    json_decref(o);
    return s;
}

char *fx_sign(const char *claims)
{
    return fx_jws(fx_key, "ES256", "k1", claims);
}

/* A token endpoint answer with an id_token for iss/sub/nonce plus extra
 * claims (JSON object text or NULL). New string. */
char *fx_token_answer(const char *iss, const char *sub, const char *nonce, const char *extra)
{
    int64_t now = (int64_t)time(NULL);
    json_t *c = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "iss", iss, "aud", "cid-123", "sub", sub,
                          "iat", (json_int_t)now - 5, "exp", (json_int_t)now + 600, "nonce", nonce);
    json_t *x = extra ? json_loads(extra, 0, NULL) : NULL;
    char *claims, *tok, *out;
    json_t *ans;

    if (x)
        json_object_update(c, x);
    json_decref(x);
    claims = json_dumps(c, JSON_COMPACT);
    tok = fx_sign(claims);
    ans = json_pack("{s:s,s:s,s:s,s:i}", "access_token", "at-SECRET-1", "token_type", "Bearer",
                    "id_token", tok, "expires_in", 3600);
    out = json_dumps(ans, JSON_COMPACT);
    json_decref(ans);
    json_decref(c);
    free(claims);
    free(tok);
    return out;
}

/* ---- a whole login ----------------------------------------------- */

/* Runs login for p and returns the state cookie pair "name=value" (new);
 * *state and *nonce (new) from the authorize URL. */
char *fx_login(const struct oa_provider *p, const char *rd, char **state, char **nonce)
{
    struct oa_response r;
    struct oa_request req;
    char path[256], query[512], *pair;

    snprintf(path, sizeof(path), "/oauth/%s/login", p->name);
    snprintf(query, sizeof(query), "rd=%s", rd ? rd : "%2F");
    fx_request(&req, "GET", path, query, NULL);
    oa_response_init(&r);
    if (oa_signin_login(&r, &fx_cfg, &fx_rt, &req, p) != OA_OK)
        printf("#   login failed: %s\n", r.log);
    pair = fx_cookie_pair(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0));
    *state = fx_location_param(&r, "state");
    if (nonce)
        *nonce = fx_location_param(&r, "nonce");
    oa_response_free(&r);
    return pair;
}

/* Reads the session cookie a response set; returns 1 when it opens. */
int fx_session(const struct oa_response *r, struct oa_identity *id, struct oa_session_buf *sb)
{
    char *pair = fx_cookie_pair(fx_set_cookie(r, "__Host-oauth2_fcgi=", 0));
    int ok_ = pair && oa_session_read(id, sb, &fx_cfg, pair, (int64_t)time(NULL)) == OA_OK;

    free(pair);
    return ok_;
}

/* No log line ever carries these. */
int fx_log_clean(const struct oa_response *r)
{
    return !strstr(r->log, "s3cret") && !strstr(r->log, "at-SECRET") &&
           !strstr(r->log, "code-XYZ") && !strstr(r->log, "eyJ");
}
