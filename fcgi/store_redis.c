/*
 * store_redis.c - the Redis store (store_redis.h, DESIGN.md section 14.6):
 * the writer, the full sync, and the subscriber thread. The only file that
 * includes hiredis.h.
 *
 * hiredis 0.14 (Debian 12) shapes it: a context is dead after any error,
 * a read timeout included, so the subscriber never sets one on its reads:
 * it waits in poll() (500 ms, the stop flag's period) and reads only what
 * is there (redisBufferRead). A write or a sync uses a fresh context of
 * its own with a 1 s timeout, one per call, so nothing is shared between
 * threads and a dead context is simply freed.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_redis.h"

#define WHY_MAX 160
#define POLL_MS 500
#define SCAN_COUNT "1000"

/* This process's subscriber and what /health says about it. */
static struct {
    struct oa_redis_addr addr;
    char name[300];
    pthread_t tid;
    bool running;      /* the thread was started (start/stop: the main thread only) */
    bool once;         /* oa_store_redis_load_once ran (CGI) */
    atomic_bool stop;  /* asks the thread to end; it looks at every poll */
    size_t bad_logged; /* the thread's: keys that are not entries, last logged */
    pthread_mutex_t mu;
    /* guarded by mu: */
    bool loaded;      /* a full sync finished since start */
    bool up;          /* subscribed and synced, no error since */
    bool down_logged; /* this outage's line is written */
    time_t since;     /* when up last changed */
    char why[WHY_MAX];
} st = {.mu = PTHREAD_MUTEX_INITIALIZER};
static long resync_ms = OA_REDIS_RESYNC_S * 1000L;

void oa_store_redis_set_resync_ms(long ms)
{
    resync_ms = ms > 0 ? ms : OA_REDIS_RESYNC_S * 1000L;
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t entries_now(void)
{
    size_t n, bytes;

    oa_revocation_stats(&n, &bytes);
    return n;
}

/* hiredis writes with write(): a peer that closed raises SIGPIPE, which
 * --revoke (no handler set) would die of. Held blocked around the calls,
 * and a pending one taken away before the mask is restored. */
static void pipe_hold(sigset_t *old)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

static void pipe_release(const sigset_t *old)
{
    sigset_t s;
    struct timespec zero = {0, 0};

    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    while (sigtimedwait(&s, NULL, &zero) == SIGPIPE)
        ;
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Why c failed, in words: a read timeout is EAGAIN to hiredis. */
static const char *context_error(const redisContext *c)
{
    if (!c->err)
        return "no reply";
    if (c->err == REDIS_ERR_IO && strstr(c->errstr, "temporarily unavailable"))
        return "no answer within 1 s";
    return c->errstr;
}

/* A new context to a, with a 1 s timeout on connect and (unless
 * subscriber) on every reply. NULL with why filled. Caller frees. */
static redisContext *dial(const struct oa_redis_addr *a, bool subscriber, char *why)
{
    struct timeval tv = {OA_REDIS_TIMEOUT_MS / 1000, (OA_REDIS_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv);

    if (!c) {
        snprintf(why, WHY_MAX, "out of memory");
        return NULL;
    }
    /* the subscriber's handshake gets the timeout too; its message loop
     * reads only after poll() said readable, so the timeout never fires */
    if (!c->err && redisSetTimeout(c, tv) == REDIS_OK &&
        (!subscriber || redisEnableKeepAlive(c) == REDIS_OK))
        return c;
    snprintf(why, WHY_MAX, "%s", c->err ? context_error(c) : "cannot set the socket timeout");
    redisFree(c);
    return NULL;
}

/* The reply r is of type want, and a status/string equal to text when
 * text is not NULL. Otherwise false with why (the reply's error text, or
 * what the context says when there is no reply). */
static bool reply_is(redisContext *c, const redisReply *r, int want, const char *text,
                     const char *what, char *why)
{
    if (!r)
        snprintf(why, WHY_MAX, "%s: %s", what, context_error(c));
    else if (r->type == REDIS_REPLY_ERROR)
        snprintf(why, WHY_MAX, "%s: %.*s", what, (int)(r->len > 100 ? 100 : r->len), r->str);
    else if (r->type != want || (text && (r->len != strlen(text) || memcmp(r->str, text, r->len))))
        snprintf(why, WHY_MAX, "%s: unexpected reply (type %d)", what, r->type);
    else
        return true;
    return false;
}

/* One command with argv, its reply checked as reply_is does. */
static bool command_ok(redisContext *c, int argc, const char **argv, int want, const char *text,
                       char *why)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    bool ok = reply_is(c, r, want, text, argv[0], why);

    if (r)
        freeReplyObject(r);
    return ok;
}

static bool select_db(redisContext *c, int db, char *why)
{
    char n[8];
    const char *argv[] = {"SELECT", n};

    snprintf(n, sizeof(n), "%d", db);
    return command_ok(c, 2, argv, REDIS_REPLY_STATUS, "OK", why);
}

/* EXEC's answer: [OK, <number of subscribers>]. */
static bool exec_ok(redisContext *c, const redisReply *r, char *why)
{
    if (!reply_is(c, r, REDIS_REPLY_ARRAY, NULL, "EXEC", why))
        return false;
    if (r->elements == 2 && reply_is(c, r->element[0], REDIS_REPLY_STATUS, "OK", "SET", why) &&
        reply_is(c, r->element[1], REDIS_REPLY_INTEGER, NULL, "PUBLISH", why))
        return true;
    if (r->elements != 2)
        snprintf(why, WHY_MAX, "EXEC: %zu replies, not 2", r->elements);
    return false;
}

/* The five commands of a write, pipelined, then their five replies. */
static bool write_entry(redisContext *c, int db, const struct oa_rev_entry *e, char *why)
{
    static const char *const what[] = {"SELECT", "MULTI", "SET", "PUBLISH", "EXEC"};
    char msg[96], key[64], chan[64], dbs[8], exat[24];
    /* Redis refuses an EXAT whose milliseconds overflow: a "forever"
     * entry is kept until the year 9999 */
    long long at = e->expiry > 253402300799LL ? 253402300799LL : (long long)e->expiry;
    bool ok = true;

    oa_redis_entry_format(e, msg, sizeof(msg));
    snprintf(key, sizeof(key), OA_REDIS_KEY_PREFIX "%.32s", msg);
    snprintf(chan, sizeof(chan), "oauth2-fcgi:%d:revocations", db);
    snprintf(dbs, sizeof(dbs), "%d", db);
    snprintf(exat, sizeof(exat), "%lld", at);
    redisAppendCommandArgv(c, 2, (const char *[]){"SELECT", dbs}, NULL);
    redisAppendCommandArgv(c, 1, (const char *[]){"MULTI"}, NULL);
    redisAppendCommandArgv(c, 5, (const char *[]){"SET", key, msg + 33, "EXAT", exat}, NULL);
    redisAppendCommandArgv(c, 3, (const char *[]){"PUBLISH", chan, msg}, NULL);
    redisAppendCommandArgv(c, 1, (const char *[]){"EXEC"}, NULL);
    for (int i = 0; i < 5; i++) {
        redisReply *r = NULL;
        bool got = redisGetReply(c, (void **)&r) == REDIS_OK;

        /* every reply is read and checked; the first failure is kept */
        if (ok && i < 2)
            ok = reply_is(c, r, REDIS_REPLY_STATUS, "OK", what[i], why);
        else if (ok && i < 4)
            ok = reply_is(c, r, REDIS_REPLY_STATUS, "QUEUED", what[i], why);
        else if (ok)
            ok = exec_ok(c, r, why);
        if (r)
            freeReplyObject(r);
        if (!got)
            return false;
    }
    return ok;
}

enum oa_err oa_store_redis_write(const char *url, const struct oa_rev_entry *e,
                                 struct oa_error *err)
{
    struct oa_redis_addr a;
    char why[WHY_MAX], name[300];
    redisContext *c;
    sigset_t old;
    bool ok;

    if (oa_redis_addr_parse(&a, url ? url : "", err) != OA_OK)
        return OA_ERR_CONFIG;
    oa_redis_addr_name(&a, name, sizeof(name));
    pipe_hold(&old);
    c = dial(&a, false, why);
    ok = c && write_entry(c, a.db, e, why);
    if (c)
        redisFree(c);
    pipe_release(&old);
    if (!ok)
        return oa_error_set(err, OA_ERR_IO, "store %s: the revocation was not written: %s", name,
                            why);
    return OA_OK;
}

/* MGETs the keys of one SCAN page (r: the page's key array) and adds the
 * entries. *bad counts the keys or values that are not entries. */
static bool load_page(redisContext *c, const redisReply *keys, size_t *added, size_t *bad,
                      char *why)
{
    const size_t plen = sizeof(OA_REDIS_KEY_PREFIX) - 1;
    const char **argv = calloc(keys->elements + 1, sizeof(*argv));
    size_t *lens = calloc(keys->elements + 1, sizeof(*lens));
    redisReply *r = NULL;
    bool ok = false;

    if (!argv || !lens) {
        snprintf(why, WHY_MAX, "out of memory");
        goto out;
    }
    argv[0] = "MGET";
    lens[0] = 4;
    for (size_t i = 0; i < keys->elements; i++) {
        if (keys->element[i]->type != REDIS_REPLY_STRING) {
            snprintf(why, WHY_MAX, "SCAN: a key that is not a string");
            goto out;
        }
        argv[i + 1] = keys->element[i]->str;
        lens[i + 1] = keys->element[i]->len;
    }
    r = redisCommandArgv(c, (int)keys->elements + 1, argv, lens);
    if (!reply_is(c, r, REDIS_REPLY_ARRAY, NULL, "MGET", why))
        goto out;
    if (r->elements != keys->elements) {
        snprintf(why, WHY_MAX, "MGET: %zu values for %zu keys", r->elements, keys->elements);
        goto out;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *k = keys->element[i], *v = r->element[i];
        struct oa_rev_entry e;

        if (v->type == REDIS_REPLY_NIL)
            continue; /* expired between SCAN and MGET */
        if (v->type != REDIS_REPLY_STRING || k->len < plen ||
            !oa_redis_key_parse(&e, k->str + plen, k->len - plen, v->str, v->len)) {
            (*bad)++;
            continue;
        }
        if (oa_revocation_add(&e) != OA_OK) {
            snprintf(why, WHY_MAX, "out of memory adding a revocation");
            goto out;
        }
        (*added)++;
    }
    ok = true;
out:
    if (r)
        freeReplyObject(r);
    free(argv);
    free(lens);
    return ok;
}

/* SCAN's answer: [cursor, [keys...]]. */
static bool scan_page_ok(redisContext *c, const redisReply *r, char *why)
{
    if (!reply_is(c, r, REDIS_REPLY_ARRAY, NULL, "SCAN", why))
        return false;
    if (r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[1]->type == REDIS_REPLY_ARRAY)
        return true;
    snprintf(why, WHY_MAX, "SCAN: unexpected reply");
    return false;
}

/* Reads every entry of the store on c (SELECTed) into the list, or only
 * counts the keys (count_only: --check-config). Adds, never removes: a
 * Redis restarted empty leaves the list as it was. */
static bool sync_all(redisContext *c, bool count_only, size_t *added, size_t *bad, char *why)
{
    char cursor[32] = "0";

    *added = *bad = 0;
    do {
        const char *argv[] = {"SCAN",  cursor,    "MATCH", OA_REDIS_KEY_PREFIX "*",
                              "COUNT", SCAN_COUNT};
        redisReply *r = redisCommandArgv(c, 6, argv, NULL);
        bool ok = scan_page_ok(c, r, why);

        if (ok && count_only)
            *added += r->element[1]->elements;
        else if (ok && r->element[1]->elements)
            ok = load_page(c, r->element[1], added, bad, why);
        if (ok)
            snprintf(cursor, sizeof(cursor), "%.*s", (int)r->element[0]->len, r->element[0]->str);
        if (r)
            freeReplyObject(r);
        if (!ok)
            return false;
    } while (strcmp(cursor, "0") != 0);
    return true;
}

/* A sync on a context of its own (the subscriber's is in pub/sub mode). */
static bool resync(char *why)
{
    size_t added, bad;
    redisContext *c = dial(&st.addr, false, why);
    bool ok = c && select_db(c, st.addr.db, why) && sync_all(c, false, &added, &bad, why);

    if (c)
        redisFree(c);
    /* logged when their number changes, not at every sync */
    if (ok && bad && bad != st.bad_logged)
        oa_log_write(OA_LOG_WARN,
                     "store %s: %zu keys " OA_REDIS_KEY_PREFIX "* are not entries: ignored",
                     st.name, bad);
    if (ok)
        st.bad_logged = bad;
    return ok;
}

/* A message ["message", channel, "<32hex> <cutoff> <expiry>"] into the
 * list. Anything else (the subscribe confirmation) is not an entry. */
static void on_reply(const redisReply *r, bool *garbage_logged)
{
    struct oa_rev_entry e;
    const redisReply *p;

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message") != 0)
        return;
    p = r->element[2];
    if (p->type == REDIS_REPLY_STRING && oa_redis_entry_parse(&e, p->str, p->len)) {
        if (oa_revocation_add(&e) != OA_OK)
            oa_log_write(OA_LOG_ERROR, "store %s: out of memory adding a revocation", st.name);
        return;
    }
    if (!*garbage_logged)
        oa_log_write(OA_LOG_WARN, "store %s: a message that is not an entry: dropped", st.name);
    *garbage_logged = true;
}

/* A subscribed context (the confirmation checked), or NULL with why. */
static redisContext *subscribe(char *why)
{
    char chan[64];
    redisContext *c = dial(&st.addr, true, why);
    redisReply *r;
    bool ok;

    if (!c)
        return NULL;
    snprintf(chan, sizeof(chan), "oauth2-fcgi:%d:revocations", st.addr.db);
    r = redisCommandArgv(c, 2, (const char *[]){"SUBSCRIBE", chan}, NULL);
    ok = reply_is(c, r, REDIS_REPLY_ARRAY, NULL, "SUBSCRIBE", why);
    if (ok && (r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
               strcmp(r->element[0]->str, "subscribe") != 0 ||
               r->element[2]->type != REDIS_REPLY_INTEGER)) {
        snprintf(why, WHY_MAX, "SUBSCRIBE: unexpected reply");
        ok = false;
    }
    if (r)
        freeReplyObject(r);
    if (ok)
        return c;
    redisFree(c);
    return NULL;
}

/* Takes the messages in c until an error (why filled) or the stop flag;
 * a full sync every OA_REDIS_RESYNC_S. */
static void listen_loop(redisContext *c, char *why)
{
    int64_t next_sync = mono_ms() + resync_ms;
    bool garbage_logged = false;

    while (!atomic_load(&st.stop)) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        void *r = NULL;
        int n;

        while (redisGetReplyFromReader(c, &r) == REDIS_OK && r) {
            on_reply(r, &garbage_logged);
            freeReplyObject(r);
            r = NULL;
        }
        if (c->err) {
            snprintf(why, WHY_MAX, "%s", c->errstr);
            return;
        }
        if (mono_ms() >= next_sync) {
            if (!resync(why))
                return;
            next_sync = mono_ms() + resync_ms;
        }
        n = poll(&pfd, 1, POLL_MS);
        if (n < 0 && errno != EINTR) {
            snprintf(why, WHY_MAX, "poll: %s", strerror(errno));
            return;
        }
        if (n > 0 && redisBufferRead(c) != REDIS_OK) {
            snprintf(why, WHY_MAX, "%s", c->errstr);
            return;
        }
    }
}

static void went_up(void)
{
    size_t n = entries_now();

    pthread_mutex_lock(&st.mu);
    if (st.down_logged)
        oa_log_write(OA_LOG_WARN, "store %s reachable again: %zu revocations", st.name, n);
    else
        oa_log_write(OA_LOG_INFO, "store %s: connected, %zu revocations", st.name, n);
    st.loaded = st.up = true;
    st.down_logged = false;
    st.since = time(NULL);
    st.why[0] = '\0';
    pthread_mutex_unlock(&st.mu);
}

/* One line per outage (not one per attempt): the first failure since
 * start or since the last time it was up. */
static void went_down(const char *why)
{
    pthread_mutex_lock(&st.mu);
    if (!st.down_logged)
        oa_log_write(OA_LOG_WARN, "store %s unreachable (%s): keeping %zu revocations", st.name,
                     why, entries_now());
    if (st.up || !st.down_logged)
        st.since = time(NULL);
    st.up = false;
    st.down_logged = true;
    snprintf(st.why, sizeof(st.why), "%s", why);
    pthread_mutex_unlock(&st.mu);
}

/* Sleeps ms, waking early for the stop flag. */
static void nap(long ms)
{
    for (long left = ms; left > 0 && !atomic_load(&st.stop); left -= 100) {
        struct timespec ts = {0, (left < 100 ? left : 100) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *subscriber_main(void *arg)
{
    long backoff = OA_REDIS_BACKOFF_MIN_MS;
    char why[WHY_MAX];
    sigset_t old;

    pipe_hold(&old);
    while (!atomic_load(&st.stop)) {
        redisContext *c = subscribe(why);

        /* subscribed first, then the sync: nothing published in between
         * is missed */
        if (c && resync(why)) {
            went_up();
            backoff = OA_REDIS_BACKOFF_MIN_MS;
            listen_loop(c, why);
        }
        if (c)
            redisFree(c);
        pipe_release(&old);
        pipe_hold(&old);
        if (atomic_load(&st.stop))
            break;
        went_down(why);
        nap(backoff);
        backoff = backoff * 2 > OA_REDIS_BACKOFF_MAX_MS ? OA_REDIS_BACKOFF_MAX_MS : backoff * 2;
    }
    pipe_release(&old);
    return NULL;
}

enum oa_err oa_store_redis_config(const char *url, struct oa_error *err)
{
    struct oa_redis_addr a;

    return oa_redis_addr_parse(&a, url ? url : "", err);
}

/* The status and the address for url, before a thread or a load. */
static enum oa_err reset(const char *url, struct oa_error *err)
{
    if (oa_redis_addr_parse(&st.addr, url ? url : "", err) != OA_OK)
        return OA_ERR_CONFIG;
    oa_redis_addr_name(&st.addr, st.name, sizeof(st.name));
    pthread_mutex_lock(&st.mu);
    st.loaded = st.up = st.down_logged = false;
    st.since = time(NULL);
    st.why[0] = '\0';
    pthread_mutex_unlock(&st.mu);
    st.bad_logged = 0;
    return OA_OK;
}

void oa_store_redis_load_once(const char *url)
{
    char why[WHY_MAX];
    sigset_t old;
    bool ok;

    if (st.running || reset(url, NULL) != OA_OK)
        return;
    pipe_hold(&old);
    ok = resync(why);
    pipe_release(&old);
    if (ok)
        went_up();
    else
        went_down(why);
    st.once = true;
}

enum oa_err oa_store_redis_start(const char *url, struct oa_error *err)
{
    sigset_t all, old;
    int rc;

    if (st.running)
        return OA_OK;
    if (reset(url, err) != OA_OK)
        return OA_ERR_CONFIG;
    atomic_store(&st.stop, false);
    /* the process's signals are the main thread's to take */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&st.tid, NULL, subscriber_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return oa_error_set(err, OA_ERR_INTERNAL, "store %s: cannot start its thread: %s", st.name,
                            strerror(rc));
    st.running = true;
    return OA_OK;
}

void oa_store_redis_stop(void)
{
    if (!st.running)
        return;
    atomic_store(&st.stop, true);
    pthread_join(st.tid, NULL);
    st.running = false;
}

bool oa_store_redis_status(struct oa_buf *b)
{
    char since[32] = "";
    bool loaded, up;
    char why[WHY_MAX];
    struct tm tm;
    time_t t;

    if (!st.running && !st.once) {
        oa_buf_puts(b, "store: not started");
        return false;
    }
    pthread_mutex_lock(&st.mu);
    loaded = st.loaded;
    up = st.up;
    t = st.since;
    snprintf(why, sizeof(why), "%s", st.why);
    pthread_mutex_unlock(&st.mu);
    if (gmtime_r(&t, &tm))
        strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (up)
        oa_buf_printf(b, "store %s: connected, %zu revocations", st.name, entries_now());
    else if (!why[0])
        oa_buf_printf(b, "store %s: connecting, not loaded yet", st.name);
    else
        oa_buf_printf(b, "store %s: unreachable since %s (%s), %zu revocations%s", st.name, since,
                      why, entries_now(), loaded ? "" : ", not loaded yet");
    return loaded;
}

bool oa_store_redis_probe(const char *url, struct oa_buf *b)
{
    struct oa_redis_addr a;
    struct oa_error err;
    char why[WHY_MAX], name[300];
    size_t n = 0, bad;
    redisContext *c;
    sigset_t old;
    bool ok;

    if (oa_redis_addr_parse(&a, url ? url : "", &err) != OA_OK) {
        oa_buf_puts(b, err.msg);
        return false;
    }
    oa_redis_addr_name(&a, name, sizeof(name));
    pipe_hold(&old);
    c = dial(&a, false, why);
    ok = c && select_db(c, a.db, why) && sync_all(c, true, &n, &bad, why);
    if (c)
        redisFree(c);
    pipe_release(&old);
    if (ok)
        oa_buf_printf(b, "store %s: reachable, %zu revocations", name, n);
    else
        oa_buf_printf(b, "store %s: unreachable (%s)", name, why);
    return ok;
}
