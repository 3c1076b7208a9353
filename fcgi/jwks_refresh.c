/*
 * jwks_refresh.c - the bearer keys' refresh thread (jwks_refresh.h).
 *
 * Why a thread of its own rather than the main thread's tick: a fetch may
 * take http.timeout (10 s), and the tick also swaps configs and follows the
 * revocation store. Every OA_JWKS_POLL_MS it looks at the current config's
 * providers with api_audiences: one whose keys are due, or whose keys a
 * token asked for (an unknown kid, at most every OA_BEARER_REFETCH_MIN s),
 * is fetched; a failure keeps the keys it had and waits 2, 4 ... 300 s.
 * A config without such providers has nothing to poll: the thread then
 * sleeps until a reload kicks it (oa_jwks_refresh_kick), or for
 * OA_JWKS_IDLE_MS, so that an idle process does not wake 4 times a second
 * (file_watch.h says what that cost a pool of mod_fcgid processes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwks_refresh.h"
#include "log.h"
#include "oa/bearer.h"

#define OA_JWKS_POLL_MS 250
#define OA_JWKS_IDLE_MS 5000 /* no provider to poll: in case a kick was missed */
#define OA_JWKS_BACKOFF_MIN 2
#define OA_JWKS_BACKOFF_MAX 300
#define OA_JWKS_ISSUER_MAX 512

/* One issuer's schedule (the thread's own). */
struct due {
    char issuer[OA_JWKS_ISSUER_MAX];
    int64_t next_at; /* fetch at or after this */
    int64_t last_at; /* the last attempt */
    int64_t backoff;
    char *src; /* where the config said to fetch from (source_changed), or NULL */
};

static struct due *due_of(struct due *d, size_t *n, const char *issuer)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(d[i].issuer, issuer) == 0)
            return &d[i];
    if (*n >= OA_BEARER_ISSUERS_MAX || strlen(issuer) >= OA_JWKS_ISSUER_MAX)
        return NULL;
    memset(&d[*n], 0, sizeof(d[*n]));
    snprintf(d[*n].issuer, sizeof(d[*n].issuer), "%s", issuer);
    return &d[(*n)++];
}

/* True when a new config names another place for p's keys (jwks_uri,
 * introspection) than the one the keys came from: they are fetched at once,
 * not at the old keys' max-age (up to 24 h), and the old keys are dropped
 * at once, so that keys from an abandoned URL (a compromised IdP's old
 * JWKS) verify nothing more. The first
 * look only records it (a new issuer is due at once anyway). */
static bool source_changed(struct due *d, const struct oa_provider *p)
{
    char *src = NULL;
    bool first = d->src == NULL;

    if (asprintf(&src, "%s\n%s\n%d", p->jwks_uri ? p->jwks_uri : "",
                 p->introspection_url ? p->introspection_url : "", (int)p->introspection) < 0)
        return false;
    if (!first && strcmp(d->src, src) == 0) {
        free(src);
        return false;
    }
    free(d->src);
    d->src = src;
    return !first;
}

static void fetch_one(struct oa_gen *g, const struct oa_provider *p, struct due *d, int64_t now)
{
    struct oa_error err;
    int64_t ttl;

    d->last_at = now;
    if (oa_bearer_keys_fetch(&g->rt, g->cfg, p, now, &ttl, &err) == OA_OK) {
        d->next_at = now + ttl;
        d->backoff = 0;
        oa_log_write(OA_LOG_DEBUG, "bearer keys of %s fetched, next in %lld s", p->name,
                     (long long)ttl);
        return;
    }
    d->backoff = d->backoff ? d->backoff * 2 : OA_JWKS_BACKOFF_MIN;
    if (d->backoff > OA_JWKS_BACKOFF_MAX)
        d->backoff = OA_JWKS_BACKOFF_MAX;
    d->next_at = now + d->backoff;
    oa_log_error(OA_LOG_WARN, &err);
}

/* One look at the current config; true when a provider has keys to keep. */
static bool round_once(struct oa_jwks_refresh *j, struct due *d, size_t *n)
{
    struct oa_gen *g = oa_live_enter(j->live, j->slot);
    int64_t now = (int64_t)time(NULL);
    bool any = false;

    for (size_t i = 0; g && i < g->cfg->nproviders && !atomic_load(&j->stop); i++) {
        const struct oa_provider *p = &g->cfg->providers[i];
        struct due *s;
        if (!p->api_audiences.n || !p->issuer || !(s = due_of(d, n, p->issuer)))
            continue;
        any = true;
        if (source_changed(s, p)) {
            /* the keys of the old source verify nothing more, even while the
             * new one cannot be reached (its tokens get 401, not the old
             * keys' judgement) */
            if (oa_bearer_keys_publish(p->issuer, NULL, NULL, now) != OA_OK)
                oa_log_write(OA_LOG_WARN, "bearer keys of %s: the old ones stay (out of memory)",
                             p->name);
            s->next_at = 0; /* a reload named another source: now */
            s->backoff = 0;
        }
        /* the rate limit first: a want that must wait stays asked */
        if (now >= s->next_at ||
            (now - s->last_at >= OA_BEARER_REFETCH_MIN && oa_bearer_keys_wanted(p->issuer)))
            fetch_one(g, p, s, now);
    }
    oa_live_leave(j->live, j->slot);
    return any;
}

/* Until ms from now, a kick or a stop. The kick is a flag under the lock,
 * so one given while the thread was looking is not lost. */
static void nap(struct oa_jwks_refresh *j, long ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until); /* wake's clock: a clock step changes nothing */
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->stop) && !j->kicked)
        pthread_cond_timedwait(&j->wake, &j->lock, &until);
    j->kicked = false;
    pthread_mutex_unlock(&j->lock);
}

static void *refresh_main(void *arg)
{
    static struct due d[OA_BEARER_ISSUERS_MAX];
    struct oa_jwks_refresh *j = arg;
    size_t n = 0;

    while (!atomic_load(&j->stop))
        nap(j, round_once(j, d, &n) ? OA_JWKS_POLL_MS : OA_JWKS_IDLE_MS);
    for (size_t i = 0; i < n; i++) {
        free(d[i].src);
        d[i].src = NULL;
    }
    return NULL;
}

void oa_jwks_refresh_start(struct oa_jwks_refresh *j, struct oa_live *live, size_t slot)
{
    pthread_condattr_t ca;
    int e;

    memset(j, 0, sizeof(*j));
    j->live = live;
    j->slot = slot;
    pthread_mutex_init(&j->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (slot >= live->nslots) {
        oa_log_write(OA_LOG_ERROR, "bearer keys: no thread slot: bearer tokens are refused");
        return;
    }
    e = pthread_create(&j->tid, NULL, refresh_main, j);
    if (e) {
        oa_log_write(OA_LOG_ERROR, "bearer keys: cannot start the thread: %s", strerror(e));
        return;
    }
    j->running = true;
}

void oa_jwks_refresh_kick(struct oa_jwks_refresh *j)
{
    if (!j->running)
        return;
    pthread_mutex_lock(&j->lock);
    j->kicked = true;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
}

void oa_jwks_refresh_stop(struct oa_jwks_refresh *j)
{
    if (j->running) {
        pthread_mutex_lock(&j->lock);
        atomic_store(&j->stop, 1);
        pthread_cond_signal(&j->wake);
        pthread_mutex_unlock(&j->lock);
        pthread_join(j->tid, NULL);
        j->running = false;
    }
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
}
