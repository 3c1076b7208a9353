/*
 * bearer_keys.c - each issuer's signing keys for bearer tokens (bearer.h,
 * DESIGN.md section 16.1), as the background refresh (fcgi/jwks_refresh.c)
 * fetches and publishes them.
 *
 * Why an atomic pointer and a grace time (as revocation.c): a verifier
 * reads the keys without a lock; the refresh swaps in a new set with a
 * release store and frees the old one OA_BEARER_KEYS_GRACE_S later, far
 * longer than one verification takes. Slots are claimed once per issuer
 * (a config names few) and never given back while the process runs, so a
 * reader that found its slot keeps finding it. An unknown kid only sets a
 * flag: the refresh, not the request, goes to the network.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "oa/bearer.h"
#include "oa/http.h"
#include "oa/jwt.h"
#include "oa/provider_cache.h"
#include "oa/runtime.h"

#define OA_BEARER_KEYS_GRACE_S 30
#define OA_BEARER_ISSUER_MAX 512

struct keyset {
    struct oa_jwks *jwks;
    char *introspect;     /* the RFC 7662 endpoint, or NULL */
    struct keyset *older; /* the retired list */
    int64_t retired_at;
};

struct issuer_slot {
    _Atomic int used; /* issuer set (release) */
    char issuer[OA_BEARER_ISSUER_MAX];
    _Atomic(struct keyset *) cur;
    _Atomic int wanted;
};

static struct issuer_slot slots[OA_BEARER_ISSUERS_MAX];
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;
static struct keyset *retired; /* under wlock */

static struct issuer_slot *find(const char *issuer)
{
    for (size_t i = 0; i < OA_BEARER_ISSUERS_MAX; i++) {
        if (!atomic_load_explicit(&slots[i].used, memory_order_acquire))
            return NULL; /* claimed in order: none after */
        if (strcmp(slots[i].issuer, issuer) == 0)
            return &slots[i];
    }
    return NULL;
}

/* Under wlock: the issuer's slot, claimed when new. */
static struct issuer_slot *claim(const char *issuer)
{
    struct issuer_slot *s = find(issuer);

    if (s || strlen(issuer) >= OA_BEARER_ISSUER_MAX)
        return s;
    for (size_t i = 0; i < OA_BEARER_ISSUERS_MAX; i++)
        if (!atomic_load_explicit(&slots[i].used, memory_order_relaxed)) {
            snprintf(slots[i].issuer, sizeof(slots[i].issuer), "%s", issuer);
            atomic_store_explicit(&slots[i].used, 1, memory_order_release);
            return &slots[i];
        }
    return NULL;
}

static void reap(int64_t now, bool all)
{
    struct keyset **p = &retired;

    while (*p) {
        if (all || now - (*p)->retired_at >= OA_BEARER_KEYS_GRACE_S) {
            struct keyset *k = *p;
            *p = k->older;
            oa_jwks_free(k->jwks);
            free(k->introspect);
            free(k);
        } else {
            p = &(*p)->older;
        }
    }
}

static int64_t mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

enum oa_err oa_bearer_keys_publish(const char *issuer, struct oa_jwks *jwks, const char *introspect,
                                   int64_t now)
{
    struct issuer_slot *s;
    struct keyset *k = NULL, *old;
    int64_t mono = mono_s();

    (void)now;
    if (jwks &&
        (!(k = calloc(1, sizeof(*k))) || (introspect && !(k->introspect = strdup(introspect))))) {
        free(k);
        oa_jwks_free(jwks);
        return OA_ERR_NOMEM;
    }
    if (k)
        k->jwks = jwks;
    pthread_mutex_lock(&wlock);
    reap(mono, false);
    s = claim(issuer);
    if (!s) {
        pthread_mutex_unlock(&wlock);
        if (k) {
            oa_jwks_free(k->jwks);
            free(k->introspect);
        }
        free(k);
        return OA_ERR_TOO_LARGE;
    }
    old = atomic_exchange_explicit(&s->cur, k, memory_order_acq_rel);
    if (old) {
        old->retired_at = mono;
        old->older = retired;
        retired = old;
    }
    pthread_mutex_unlock(&wlock);
    return OA_OK;
}

const struct oa_jwks *oa_bearer_keys_get(const char *issuer)
{
    struct issuer_slot *s = find(issuer);
    struct keyset *k = s ? atomic_load_explicit(&s->cur, memory_order_acquire) : NULL;

    return k ? k->jwks : NULL;
}

const char *oa_bearer_keys_introspection(const char *issuer)
{
    struct issuer_slot *s = find(issuer);
    struct keyset *k = s ? atomic_load_explicit(&s->cur, memory_order_acquire) : NULL;

    return k ? k->introspect : NULL;
}

void oa_bearer_keys_want(const char *issuer)
{
    struct issuer_slot *s = find(issuer);

    if (s)
        atomic_store_explicit(&s->wanted, 1, memory_order_relaxed);
}

bool oa_bearer_keys_wanted(const char *issuer)
{
    struct issuer_slot *s = find(issuer);

    return s && atomic_exchange_explicit(&s->wanted, 0, memory_order_relaxed) != 0;
}

void oa_bearer_keys_clear(void)
{
    pthread_mutex_lock(&wlock);
    for (size_t i = 0; i < OA_BEARER_ISSUERS_MAX; i++) {
        struct keyset *k = atomic_exchange(&slots[i].cur, NULL);
        if (k) {
            oa_jwks_free(k->jwks);
            free(k->introspect);
            free(k);
        }
        atomic_store(&slots[i].wanted, 0);
    }
    reap(0, true);
    pthread_mutex_unlock(&wlock);
}

int64_t oa_bearer_keys_ttl(const char *cc)
{
    const char *p = cc;
    long long v;

    while (p && (p = strcasestr(p, "max-age")) != NULL) {
        bool word = p == cc || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t';
        p += 7;
        if (!word || *p != '=')
            continue;
        p++;
        if (*p == '"')
            p++;
        if (*p < '0' || *p > '9')
            break;
        for (v = 0; *p >= '0' && *p <= '9' && v < OA_BEARER_KEYS_TTL_MAX; p++)
            v = v * 10 + (*p - '0');
        if (v < OA_BEARER_KEYS_TTL_MIN)
            return OA_BEARER_KEYS_TTL_MIN;
        return v > OA_BEARER_KEYS_TTL_MAX ? OA_BEARER_KEYS_TTL_MAX : (int64_t)v;
    }
    return OA_BEARER_KEYS_TTL_DEFAULT;
}

enum oa_err oa_bearer_keys_fetch(struct oa_runtime *rt, const struct oa_config *cfg,
                                 const struct oa_provider *p, int64_t now, int64_t *ttl,
                                 struct oa_error *err)
{
    struct oa_provider_urls urls = {0};
    struct oa_http_request req = {.method = "GET", .headers = {"Accept: application/json", NULL}};
    struct oa_http_response resp = {0};
    struct oa_http_opts opts;
    struct oa_jwks *jwks = NULL;
    const char *uri = p->jwks_uri, *introspect = p->introspection_url;
    enum oa_err e;

    *ttl = OA_BEARER_KEYS_TTL_DEFAULT;
    if (!uri || (p->introspection && !introspect)) {
        if ((e = oa_provider_urls_get(&urls, rt, cfg, p, err)) != OA_OK)
            return e;
        uri = urls.jwks_uri;
        introspect = urls.introspection_endpoint;
    }
    if (!p->introspection)
        introspect = NULL;
    if (!uri) {
        oa_provider_urls_free(&urls);
        return oa_error_set(err, OA_ERR_PROVIDER, "provider %s: no jwks_uri for bearer tokens",
                            p->name);
    }
    oa_http_opts_from_config(&opts, cfg);
    req.url = uri;
    e = rt->http->send(rt->http->ctx, &opts, &req, &resp, err);
    if (e == OA_OK && resp.status != 200)
        e = oa_error_set(err, OA_ERR_PROVIDER, "provider %s: JWKS answered %ld", p->name,
                         resp.status);
    if (e == OA_OK && (e = oa_jwks_parse(&jwks, resp.body, resp.body_len, err)) != OA_OK) {
        char why[OA_ERROR_MSG_MAX];
        snprintf(why, sizeof(why), "%s", err->msg);
        e = oa_error_set(err, OA_ERR_PROVIDER, "provider %s: %s", p->name, why);
    }
    if (e == OA_OK) {
        *ttl = oa_bearer_keys_ttl(resp.cache_control);
        if ((e = oa_bearer_keys_publish(p->issuer, jwks, introspect, now)) != OA_OK)
            oa_error_set(err, e, "provider %s: its keys cannot be kept", p->name);
    }
    oa_http_response_free(&resp);
    oa_provider_urls_free(&urls);
    return e;
}
