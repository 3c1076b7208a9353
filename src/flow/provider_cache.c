/*
 * provider_cache.c - a provider's run-time knowledge, cached per provider:
 * the OpenID discovery document (the provider's URLs), the JWKS, Apple's
 * generated client secret. The id_token check that uses the keys is
 * id_token.c.
 *
 * Why a cache with back-off: every login needs the endpoints and every
 * callback the keys, but providers publish them for hours; a provider that
 * is down must not be hammered by each request (exponential back-off, a
 * stale copy used meanwhile) and an attacker must not make us refetch keys
 * at will (an unknown kid refetches at most every OA_JWKS_REFETCH_MIN s).
 * One mutex per provider guards its cache; a fetch happens under it, so
 * concurrent requests wait for one fetch instead of starting many.
 * The JWKS is shared by reference count so a refresh never frees keys a
 * request is verifying with.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oa/crypto.h"
#include "oa/entra.h"
#include "oa/file_mode.h"
#include "oa/jwt.h"
#include "oa/metrics.h"
#include "oa/provider_cache.h"

#define OA_KEY_FILE_MAX 16384
#define OA_APPLE_RENEW_BEFORE 86400

/* When something was fetched and when to try again after a failure. */
struct fetch_state {
    int64_t at;       /* last success, 0: never */
    int64_t tried;    /* last attempt */
    int64_t retry_at; /* no attempt before this after a failure */
    int64_t backoff;  /* current back-off, 0 after a success */
    enum oa_err code; /* last failure */
    char msg[OA_ERROR_MSG_MAX];
};

struct oa_jwks_ref {
    struct oa_jwks *jwks;
    unsigned refs;
    struct oa_provider_cache *owner; /* whose lock guards refs */
};

struct oa_provider_cache {
    pthread_mutex_t lock;
    struct oa_provider_urls doc; /* from the discovery document; valid when doc_st.at != 0 */
    struct fetch_state doc_st;
    struct oa_jwks_ref *jwks; /* current keys, or NULL */
    char *jwks_uri;           /* where they came from */
    struct fetch_state jwks_st;
    char *apple_secret; /* generated client secret, or NULL */
    int64_t apple_exp;
};

static int64_t (*clock_fn)(void);

int64_t oa_provider_cache_now(void)
{
    return clock_fn ? clock_fn() : (int64_t)time(NULL);
}

void oa_provider_cache_set_clock(int64_t (*now)(void))
{
    clock_fn = now;
}

void oa_provider_urls_free(struct oa_provider_urls *e)
{
    if (!e)
        return;
    free(e->issuer);
    free(e->authorization_endpoint);
    free(e->token_endpoint);
    free(e->userinfo_endpoint);
    free(e->end_session_endpoint);
    free(e->jwks_uri);
    free(e->introspection_endpoint);
    memset(e, 0, sizeof(*e));
}

const struct oa_jwks *oa_jwks_ref_keys(const struct oa_jwks_ref *r)
{
    return r->jwks;
}

void oa_jwks_release(struct oa_jwks_ref *r)
{
    struct oa_provider_cache *c;

    if (!r)
        return;
    c = r->owner;
    pthread_mutex_lock(&c->lock);
    if (--r->refs == 0) {
        oa_jwks_free(r->jwks);
        free(r);
    }
    pthread_mutex_unlock(&c->lock);
}

void oa_provider_cache_free(struct oa_provider_cache *c)
{
    if (!c)
        return;
    oa_provider_urls_free(&c->doc);
    if (c->jwks && --c->jwks->refs == 0) {
        oa_jwks_free(c->jwks->jwks);
        free(c->jwks);
    }
    free(c->jwks_uri);
    if (c->apple_secret) {
        oa_wipe(c->apple_secret, strlen(c->apple_secret));
        free(c->apple_secret);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

struct oa_provider_cache *oa_provider_cache_new(void)
{
    struct oa_provider_cache *c = calloc(1, sizeof(*c));

    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

/* p's cache in rt: rt's caches follow cfg's providers (runtime.c). NULL when
 * p is not one of cfg's or rt was made for another config. */
static struct oa_provider_cache *cache_of(const struct oa_runtime *rt, const struct oa_config *cfg,
                                          const struct oa_provider *p)
{
    uintptr_t at = (uintptr_t)p, first = cfg ? (uintptr_t)cfg->providers : 0;
    size_t i;

    /* compared as addresses: p may point anywhere (a caller's bug) */
    if (!rt || !cfg || at < first || (at - first) % sizeof(*p) != 0)
        return NULL;
    i = (at - first) / sizeof(*p);
    return i < cfg->nproviders && i < rt->ncache ? rt->cache[i] : NULL;
}

/* The error when a provider has no cache: a caller's bug, not the provider's. */
static enum oa_err no_cache(const struct oa_provider *p, struct oa_error *err)
{
    return oa_error_set(err, OA_ERR_INTERNAL, "provider %s: no run-time cache", p->name);
}

/* Records a failure in st and starts or doubles the back-off. */
static void fetch_failed(struct fetch_state *st, int64_t now, const struct oa_error *err)
{
    st->backoff = st->backoff ? st->backoff * 2 : OA_DISCOVERY_BACKOFF_MIN;
    if (st->backoff > OA_DISCOVERY_BACKOFF_MAX)
        st->backoff = OA_DISCOVERY_BACKOFF_MAX;
    st->retry_at = now + st->backoff;
    st->code = err->code != OA_OK ? err->code : OA_ERR_PROVIDER;
    snprintf(st->msg, sizeof(st->msg), "%s", err->msg);
}

static void fetch_ok(struct fetch_state *st, int64_t now)
{
    st->at = now;
    st->backoff = 0;
    st->retry_at = 0;
}

/* GETs url through rt's transport; the body of a 200 answer into *resp,
 * the call timed as kind for p. */
static enum oa_err get_200(struct oa_http_response *resp, const struct oa_runtime *rt,
                           const struct oa_config *cfg, const struct oa_provider *p,
                           enum oa_metrics_call kind, const char *url, const char *what,
                           struct oa_error *err)
{
    struct oa_http_request req = {.method = "GET", .url = url};
    const struct oa_http_ops *ops = rt->http;
    struct oa_http_opts opts;
    uint64_t t0 = oa_metrics_now_us();
    enum oa_err e;

    oa_http_opts_from_config(&opts, cfg);
    e = ops->send(ops->ctx, &opts, &req, resp, err);
    oa_metrics_call(oa_config_provider_index(cfg, p), kind, oa_metrics_now_us() - t0);
    if (e != OA_OK)
        return e;
    if (resp->status != 200) {
        e = oa_error_set(err, OA_ERR_PROVIDER, "%s: HTTP status %ld", what, resp->status);
        oa_http_response_free(resp);
    }
    return e;
}

/* A URL the policy allows: https, or http when allow_http_redirect. */
static bool url_allowed(const struct oa_config *cfg, const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 ||
                 (cfg->allow_http_redirect && strncmp(u, "http://", 7) == 0));
}

/* doc[name] as a new string into *out (NULL when absent). -1: present but
 * not an allowed URL, or no memory. */
static int doc_url(char **out, const struct oa_config *cfg, json_t *doc, const char *name)
{
    json_t *v = json_object_get(doc, name);
    const char *s = json_string_value(v);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!s || strlen(s) != json_string_length(v) || !url_allowed(cfg, s))
        return -1;
    *out = strdup(s);
    return *out ? 0 : -1;
}

static void doc_auth_methods(struct oa_provider_urls *e, json_t *doc)
{
    json_t *m = json_object_get(doc, "token_endpoint_auth_methods_supported"), *v;
    size_t i;

    if (!json_is_array(m)) {
        e->auth_basic = true; /* the default of OpenID Connect Discovery 1.0 section 3 */
        return;
    }
    json_array_foreach(m, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strcmp(s, "client_secret_basic") == 0)
            e->auth_basic = true;
        if (s && strcmp(s, "client_secret_post") == 0)
            e->auth_post = true;
    }
}

/* Reads a discovery document into e (new strings). */
static enum oa_err doc_read(struct oa_provider_urls *e, const struct oa_config *cfg,
                            const struct oa_provider *p, json_t *doc, struct oa_error *err)
{
    const char *iss = json_string_value(json_object_get(doc, "issuer"));

    bool entra = p->kind == OA_PROVIDER_ENTRA;

    memset(e, 0, sizeof(*e));
    /* Entra's documents name the tenant's GUID, or the {tenantid} template
     * of common/organizations: that is the issuer then (entra.h) */
    if (!iss || (entra ? !oa_entra_doc_issuer_ok(p, iss) : strcmp(iss, p->issuer) != 0))
        return oa_error_set(err, OA_ERR_PROVIDER,
                            "provider %s: discovery document's issuer is not %s", p->name,
                            p->issuer);
    if (!(e->issuer = strdup(entra ? iss : p->issuer)) ||
        doc_url(&e->authorization_endpoint, cfg, doc, "authorization_endpoint") ||
        doc_url(&e->token_endpoint, cfg, doc, "token_endpoint") ||
        doc_url(&e->userinfo_endpoint, cfg, doc, "userinfo_endpoint") ||
        doc_url(&e->end_session_endpoint, cfg, doc, "end_session_endpoint") ||
        doc_url(&e->jwks_uri, cfg, doc, "jwks_uri") ||
        doc_url(&e->introspection_endpoint, cfg, doc, "introspection_endpoint"))
        goto bad;
    if (!e->authorization_endpoint || !e->token_endpoint || !e->jwks_uri)
        goto bad;
    e->iss_parameter_supported =
        json_is_true(json_object_get(doc, "authorization_response_iss_parameter_supported"));
    doc_auth_methods(e, doc);
    e->discovered = true;
    return OA_OK;
bad:
    oa_provider_urls_free(e);
    return oa_error_set(err, OA_ERR_PROVIDER,
                        "provider %s: discovery document lacks an endpoint or has a bad URL",
                        p->name);
}

/* Fetches and checks p's discovery document into e. */
static enum oa_err doc_fetch(struct oa_provider_urls *e, const struct oa_runtime *rt,
                             const struct oa_config *cfg, const struct oa_provider *p,
                             struct oa_error *err)
{
    static const char suffix[] = "/.well-known/openid-configuration";
    struct oa_http_response resp = {0};
    size_t n = strlen(p->issuer);
    char what[160];
    json_t *doc;
    enum oa_err r;
    char *url;

    snprintf(what, sizeof(what), "provider %s: discovery", p->name);
    if (n > 0 && p->issuer[n - 1] == '/')
        n--; /* Discovery 1.0 section 4: the slash is not doubled */
    if (!(url = malloc(n + sizeof(suffix))))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    memcpy(url, p->issuer, n);
    memcpy(url + n, suffix, sizeof(suffix));
    r = get_200(&resp, rt, cfg, p, OA_MX_DISCOVERY, url, what, err);
    free(url);
    if (r != OA_OK)
        return r;
    r = oa_json_parse_object(&doc, resp.body, resp.body_len, what, err);
    oa_http_response_free(&resp);
    if (r != OA_OK)
        return r == OA_ERR_BAD_INPUT ? (err ? (err->code = OA_ERR_PROVIDER) : OA_ERR_PROVIDER) : r;
    r = doc_read(e, cfg, p, doc, err);
    json_decref(doc);
    return r;
}

/* Whether p needs the discovery document for some endpoint. */
static bool doc_needed(const struct oa_provider *p)
{
    return p->issuer && p->kind != OA_PROVIDER_GITHUB &&
           (!p->authorize_url || !p->token_url || !p->jwks_uri ||
            (p->introspection && !p->introspection_url));
}

/* mine if set, else theirs; a new copy (or NULL). -1 on no memory. */
static int pick(char **out, const char *mine, const char *theirs)
{
    const char *s = mine ? mine : theirs;

    *out = s ? strdup(s) : NULL;
    return s && !*out ? -1 : 0;
}

/* The config's endpoints over d's (the document's, or all NULL) into out. */
static enum oa_err provider_urls_merge(struct oa_provider_urls *out, const struct oa_provider *p,
                                       const struct oa_provider_urls *d, struct oa_error *err)
{
    if (pick(&out->issuer, p->kind == OA_PROVIDER_ENTRA && d->issuer ? d->issuer : p->issuer,
             d->issuer) ||
        pick(&out->authorization_endpoint, p->authorize_url, d->authorization_endpoint) ||
        pick(&out->token_endpoint, p->token_url, d->token_endpoint) ||
        pick(&out->userinfo_endpoint, p->userinfo_url, d->userinfo_endpoint) ||
        pick(&out->end_session_endpoint, p->end_session_url, d->end_session_endpoint) ||
        pick(&out->jwks_uri, p->jwks_uri, d->jwks_uri) ||
        pick(&out->introspection_endpoint, p->introspection_url, d->introspection_endpoint)) {
        oa_provider_urls_free(out);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    out->iss_parameter_supported = d->iss_parameter_supported;
    out->auth_basic = d->discovered ? d->auth_basic : true;
    out->auth_post = d->auth_post;
    out->discovered = d->discovered;
    return OA_OK;
}

/* Refreshes c's document when it is missing or old and the back-off
 * allows (c->lock held). A failure keeps a stale document in use. */
static void doc_refresh(struct oa_provider_cache *c, const struct oa_runtime *rt,
                        const struct oa_config *cfg, const struct oa_provider *p, int64_t now)
{
    struct oa_provider_urls fresh;
    struct oa_error ferr;

    if ((c->doc_st.at && now - c->doc_st.at < OA_DISCOVERY_TTL) || now < c->doc_st.retry_at)
        return;
    oa_error_clear(&ferr);
    c->doc_st.tried = now;
    if (doc_fetch(&fresh, rt, cfg, p, &ferr) == OA_OK) {
        oa_provider_urls_free(&c->doc);
        c->doc = fresh;
        fetch_ok(&c->doc_st, now);
    } else {
        fetch_failed(&c->doc_st, now, &ferr);
    }
}

bool oa_provider_urls_may_fetch(const struct oa_provider *p)
{
    return doc_needed(p) != 0;
}

enum oa_err oa_provider_urls_get(struct oa_provider_urls *out, struct oa_runtime *rt,
                                 const struct oa_config *cfg, const struct oa_provider *p,
                                 struct oa_error *err)
{
    static const struct oa_provider_urls none;
    struct oa_provider_cache *c;
    enum oa_err e;

    memset(out, 0, sizeof(*out));
    if (!doc_needed(p))
        return provider_urls_merge(out, p, &none, err);
    if (!(c = cache_of(rt, cfg, p)))
        return no_cache(p, err);
    pthread_mutex_lock(&c->lock);
    doc_refresh(c, rt, cfg, p, oa_provider_cache_now());
    if (c->doc_st.at)
        e = provider_urls_merge(out, p, &c->doc, err);
    else
        e = oa_error_set(err, c->doc_st.code, "%s", c->doc_st.msg);
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Fetches and parses the JWKS at uri. */
static enum oa_err jwks_fetch(struct oa_jwks **out, const struct oa_runtime *rt,
                              const struct oa_config *cfg, const struct oa_provider *p,
                              const char *uri, struct oa_error *err)
{
    struct oa_http_response resp = {0};
    char what[160];
    enum oa_err e;

    snprintf(what, sizeof(what), "provider %s: JWKS", p->name);
    e = get_200(&resp, rt, cfg, p, OA_MX_JWKS, uri, what, err);
    if (e != OA_OK)
        return e;
    e = oa_jwks_parse(out, resp.body, resp.body_len, err);
    oa_http_response_free(&resp);
    if (e == OA_ERR_BAD_INPUT)
        e = oa_error_set(err, OA_ERR_PROVIDER, "provider %s: %s", p->name, err ? err->msg : "");
    return e;
}

/* Whether the keys need fetching now (c->lock held). force: an unknown kid
 * asks, at most once per OA_JWKS_REFETCH_MIN. */
static bool jwks_due(const struct oa_provider_cache *c, const char *uri, bool force, int64_t now)
{
    int have = c->jwks && c->jwks_uri && strcmp(c->jwks_uri, uri) == 0;

    if (!have)
        return now >= c->jwks_st.retry_at;
    if (force)
        return now - c->jwks_st.tried >= OA_JWKS_REFETCH_MIN;
    return now - c->jwks_st.at >= OA_DISCOVERY_TTL && now >= c->jwks_st.retry_at;
}

static void jwks_install(struct oa_provider_cache *c, struct oa_jwks *j, const char *uri)
{
    struct oa_jwks_ref *r = calloc(1, sizeof(*r));
    char *u = strdup(uri);

    if (!r || !u) {
        free(r);
        free(u);
        oa_jwks_free(j);
        return;
    }
    r->jwks = j;
    r->refs = 1;
    r->owner = c;
    if (c->jwks && --c->jwks->refs == 0) {
        oa_jwks_free(c->jwks->jwks);
        free(c->jwks);
    }
    c->jwks = r;
    free(c->jwks_uri);
    c->jwks_uri = u;
}

enum oa_err oa_provider_jwks(struct oa_jwks_ref **out, bool *fetched, struct oa_runtime *rt,
                             const struct oa_config *cfg, const struct oa_provider *p,
                             const char *uri, bool force, struct oa_error *err)
{
    struct oa_provider_cache *c = cache_of(rt, cfg, p);
    int64_t now = oa_provider_cache_now();
    struct oa_jwks *j = NULL;
    struct oa_error ferr;
    enum oa_err e = OA_OK;

    *out = NULL;
    *fetched = false;
    if (!c)
        return no_cache(p, err);
    pthread_mutex_lock(&c->lock);
    if (jwks_due(c, uri, force, now)) {
        oa_error_clear(&ferr);
        c->jwks_st.tried = now;
        *fetched = true;
        if (jwks_fetch(&j, rt, cfg, p, uri, &ferr) == OA_OK) {
            jwks_install(c, j, uri);
            fetch_ok(&c->jwks_st, now);
        } else {
            fetch_failed(&c->jwks_st, now, &ferr);
        }
    }
    if (c->jwks && strcmp(c->jwks_uri, uri) == 0) {
        c->jwks->refs++;
        *out = c->jwks;
    } else {
        e = oa_error_set(err, c->jwks_st.code ? c->jwks_st.code : OA_ERR_PROVIDER, "%s",
                         c->jwks_st.msg[0] ? c->jwks_st.msg : "JWKS not available");
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Reads a small file into a new NUL-terminated buffer. */
static enum oa_err key_file_read(char **out, size_t *len, const char *path, struct oa_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    bool others_read;
    char msg[256];
    FILE *f;
    char *buf;
    size_t n;

    *out = NULL;
    if (fd < 0)
        return oa_error_set(err, OA_ERR_IO, "apple-id: cannot open private_key_file %s", path);
    /* judged again at each read: the file may have changed since start-up */
    if (oa_file_mode_check(fd, &others_read, msg, sizeof(msg)) != OA_OK) {
        close(fd);
        return oa_error_set(err, OA_ERR_CONFIG, "apple-id: private_key_file %s is %s", path, msg);
    }
    if (!(f = fdopen(fd, "rb"))) {
        close(fd);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    buf = malloc(OA_KEY_FILE_MAX + 1);
    n = buf ? fread(buf, 1, OA_KEY_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!buf)
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    if (n == 0 || n > OA_KEY_FILE_MAX) {
        oa_wipe(buf, OA_KEY_FILE_MAX + 1);
        free(buf);
        return oa_error_set(err, OA_ERR_CONFIG,
                            "apple-id: private_key_file %s is empty or too "
                            "big",
                            path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return OA_OK;
}

/* Makes a fresh secret into c (c->lock held). */
static enum oa_err apple_renew(struct oa_provider_cache *c, const struct oa_provider *p,
                               int64_t now, struct oa_error *err)
{
    char *pem, *secret;
    size_t len = 0;
    enum oa_err e;

    if (!p->private_key_file)
        return oa_error_set(err, OA_ERR_CONFIG,
                            "apple-id: no client_secret and no "
                            "private_key_file");
    if ((e = key_file_read(&pem, &len, p->private_key_file, err)) != OA_OK)
        return e;
    e = oa_jwt_apple_secret(&secret, pem, len, p->key_id, p->team_id, p->client_id, now,
                            OA_APPLE_SECRET_LIFETIME, err);
    oa_wipe(pem, len);
    free(pem);
    if (e != OA_OK)
        return e;
    if (c->apple_secret) {
        oa_wipe(c->apple_secret, strlen(c->apple_secret));
        free(c->apple_secret);
    }
    c->apple_secret = secret;
    c->apple_exp = now + OA_APPLE_SECRET_LIFETIME;
    return OA_OK;
}

enum oa_err oa_apple_client_secret(char **out, struct oa_runtime *rt, const struct oa_config *cfg,
                                   const struct oa_provider *p, struct oa_error *err)
{
    struct oa_provider_cache *c;
    int64_t now = oa_provider_cache_now();
    enum oa_err e = OA_OK;

    *out = NULL;
    if (p->client_secret) {
        *out = strdup(p->client_secret);
        return *out ? OA_OK : oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    if (!(c = cache_of(rt, cfg, p)))
        return no_cache(p, err);
    pthread_mutex_lock(&c->lock);
    if (!c->apple_secret || c->apple_exp - now < OA_APPLE_RENEW_BEFORE)
        e = apple_renew(c, p, now, err);
    if (e == OA_OK && !(*out = strdup(c->apple_secret)))
        e = oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    pthread_mutex_unlock(&c->lock);
    return e;
}
