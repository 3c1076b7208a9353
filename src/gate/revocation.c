/*
 * revocation.c - the in-memory revocation list (revocation.h, DESIGN.md
 * section 14.1).
 *
 * The authorizer asks on every request whether the session is revoked, so
 * the lookup (oa_revoked) is one acquire-load of the current table and at
 * most four probe sequences (the session's id, user, email and provider-sid
 * keys, made at sign-in so nothing is hashed here), without a lock and
 * without an allocation. The table is open addressing with linear probing:
 * 32-byte slots {tag, key_hi, cutoff, expiry}, two to a cache line, the
 * home slot ((tag * cap) >> 64) of a key spread evenly over a capacity that
 * need not be a power of two, the load kept between 0.5 and 0.6 (53-64
 * bytes an entry) so that a miss ends at an empty slot within a few slots.
 *
 * Writers (the store's tick, /logout, back-channel logout, a refused
 * refresh) take one mutex. A new key fills its slot's key_hi, cutoff and
 * expiry, then publishes the tag with a release store: a reader that sees
 * the tag (acquire) sees the rest. A slot never goes back to empty in a
 * published table, so a key once seen is always found (linear probing
 * stops only at an empty slot). A known key merges in place (cutoff and
 * expiry only grow; a reader sees the old or the new value, both valid).
 * Growing and purging build a new table and publish it (release); the old
 * one is retired and freed OA_REV_GRACE_S seconds later by a later writer.
 * Readers hold the table only inside oa_revoked (a few dozen ns, no I/O,
 * no lock), so a reader that still uses a table 10 s after it was replaced
 * would have to be descheduled mid-lookup for that long: the grace time is
 * the bound we document instead of a reader count on the hot path (an
 * atomic add per request would bounce one cache line between all threads).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/revocation.h"
#include "oa/session.h"

#define OA_REV_GRACE_S 10  /* a replaced table is freed this long after */
#define OA_REV_MIN_CAP 64  /* the smallest table */
#define OA_REV_GROW_PCT 60 /* grow past this load ... */
#define OA_REV_FILL_PCT 50 /* ... to this one */

struct rev_slot {
    _Atomic uint64_t tag; /* key bytes 0..7 (0 written as 1); 0: empty */
    uint64_t key_hi;      /* key bytes 8..15; set before the tag is published */
    _Atomic int64_t cutoff;
    _Atomic int64_t expiry;
};

struct rev_table {
    struct rev_slot *slots; /* cap of them, 64-byte aligned */
    size_t cap;
    size_t count;            /* writers only */
    int64_t min_expiry;      /* the earliest expiry in the table (purge's shortcut) */
    struct rev_table *older; /* the retired list */
    int64_t retired_at;      /* monotonic seconds */
};

static _Atomic(struct rev_table *) cur;                   /* NULL: nothing revoked */
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER; /* writers */
static struct rev_table *retired;                         /* newest first; under wlock */
static oa_rev_store_fn store_fn;

/* ---- keys ---------------------------------------------------------------- */

static bool all_zero(const unsigned char *k)
{
    unsigned char acc = 0;

    for (size_t i = 0; i < OA_REV_KEY_BYTES; i++)
        acc |= k[i];
    return acc == 0;
}

/* The email, lower-cased (ASCII: providers send domains in any case and
 * local parts are in practice case-blind), fed in pieces of a stack buffer. */
static void hash_lower(struct oa_hash16 *h, const char *s)
{
    char buf[128];
    size_t n = 0;

    for (; *s; s++) {
        buf[n++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        if (n == sizeof(buf)) {
            oa_hash16_update(h, buf, n);
            n = 0;
        }
    }
    oa_hash16_update(h, buf, n);
}

/* BLAKE2b-128 of domain (with its NUL), a, and "\0" b when b is given. */
static void hash_key(unsigned char out[OA_REV_KEY_BYTES], const char *domain, const char *a,
                     const char *b, bool lower)
{
    struct oa_hash16 h;

    oa_hash16_init(&h);
    oa_hash16_update(&h, domain, strlen(domain) + 1);
    if (lower)
        hash_lower(&h, a);
    else
        oa_hash16_update(&h, a, strlen(a));
    if (b) {
        oa_hash16_update(&h, "", 1);
        oa_hash16_update(&h, b, strlen(b));
    }
    oa_hash16_final(&h, out);
}

bool oa_rev_key(enum oa_rev_kind kind, const char *a, const char *b,
                unsigned char out[OA_REV_KEY_BYTES])
{
    size_t n = 0;

    memset(out, 0, OA_REV_KEY_BYTES);
    if (!a || !*a)
        return false;
    switch (kind) {
    case OA_REV_SESSION: /* the id is random already: it is its own key */
        if (strlen(a) != 22 || oa_b64url_decode(out, OA_REV_KEY_BYTES, &n, a, 22) != OA_OK ||
            n != OA_REV_KEY_BYTES || all_zero(out)) {
            memset(out, 0, OA_REV_KEY_BYTES);
            return false;
        }
        return true;
    case OA_REV_USER:
        if (!b || !*b)
            return false;
        hash_key(out, "oa-rev-user", a, b, false);
        return true;
    case OA_REV_EMAIL: hash_key(out, "oa-rev-email", a, NULL, true); return true;
    case OA_REV_PROVIDER_SID:
        if (!b || !*b)
            return false;
        hash_key(out, "oa-rev-psid", a, b, false);
        return true;
    }
    return false;
}

/* ---- the table: what readers and writers share --------------------------- */

/* The key's two halves and its tag (bytes 0..7; 0 is the empty mark, so a
 * key whose first 8 bytes are 0 shares tag 1 with one whose are 1: told
 * apart by key_hi except with probability 2^-64 for keys that are hashes
 * or random, which they all are). */
static inline void split_key(const unsigned char *k, uint64_t *tag, uint64_t *hi)
{
    uint64_t lo;

    memcpy(&lo, k, 8);
    memcpy(hi, k + 8, 8);
    *tag = lo ? lo : 1;
}

static inline size_t home(uint64_t tag, size_t cap)
{
    return (size_t)(((unsigned __int128)tag * cap) >> 64);
}

/* True when key is in t with iat before its cutoff. The table always has
 * an empty slot (load <= 0.6), so the probe ends. */
static inline bool probe(const struct rev_table *t, const unsigned char *key, int64_t iat)
{
    uint64_t tag, hi, st;
    size_t i;

    if (all_zero(key))
        return false;
    split_key(key, &tag, &hi);
    for (i = home(tag, t->cap);;) {
        const struct rev_slot *s = &t->slots[i];
        st = atomic_load_explicit(&s->tag, memory_order_acquire);
        if (st == 0)
            return false;
        if (st == tag && s->key_hi == hi)
            return iat < atomic_load_explicit(&s->cutoff, memory_order_relaxed);
        if (++i == t->cap)
            i = 0;
    }
}

bool oa_revoked(const struct oa_identity *id)
{
    const struct rev_table *t = atomic_load_explicit(&cur, memory_order_acquire);

    if (!t)
        return false;
    return probe(t, id->sid, id->iat) || probe(t, id->user_key, id->iat) ||
           probe(t, id->email_key, id->iat) || probe(t, id->psid_key, id->iat);
}

/* ---- writers (under wlock) ----------------------------------------------- */

static int64_t mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static void table_free(struct rev_table *t)
{
    if (t) {
        free(t->slots);
        free(t);
    }
}

/* New, empty, cap slots (at least OA_REV_MIN_CAP); NULL when out of memory. */
static struct rev_table *table_new(size_t cap)
{
    struct rev_table *t = calloc(1, sizeof(*t));
    size_t bytes;

    if (cap < OA_REV_MIN_CAP)
        cap = OA_REV_MIN_CAP;
    cap |= 1; /* odd: never a power of two, whatever the history */
    bytes = (cap * sizeof(struct rev_slot) + 63) & ~(size_t)63;
    if (!t || !(t->slots = aligned_alloc(64, bytes))) {
        free(t);
        return NULL;
    }
    memset(t->slots, 0, bytes);
    t->cap = cap;
    t->min_expiry = INT64_MAX;
    return t;
}

/* The slot holding (tag, hi), or the empty slot where it goes. */
static struct rev_slot *find(struct rev_table *t, uint64_t tag, uint64_t hi)
{
    size_t i = home(tag, t->cap);

    for (;;) {
        struct rev_slot *s = &t->slots[i];
        uint64_t st = atomic_load_explicit(&s->tag, memory_order_relaxed);
        if (st == 0 || (st == tag && s->key_hi == hi))
            return s;
        if (++i == t->cap)
            i = 0;
    }
}

/* Fills an empty slot; the tag last, with release: the publication. */
static void fill(struct rev_table *t, struct rev_slot *s, uint64_t tag, uint64_t hi, int64_t cutoff,
                 int64_t expiry)
{
    s->key_hi = hi;
    atomic_store_explicit(&s->cutoff, cutoff, memory_order_relaxed);
    atomic_store_explicit(&s->expiry, expiry, memory_order_relaxed);
    atomic_store_explicit(&s->tag, tag, memory_order_release);
    t->count++;
    if (expiry < t->min_expiry)
        t->min_expiry = expiry;
}

/* Cutoff and expiry only grow: idempotent and monotonic. */
static void merge(struct rev_slot *s, int64_t cutoff, int64_t expiry)
{
    if (cutoff > atomic_load_explicit(&s->cutoff, memory_order_relaxed))
        atomic_store_explicit(&s->cutoff, cutoff, memory_order_relaxed);
    if (expiry > atomic_load_explicit(&s->expiry, memory_order_relaxed))
        atomic_store_explicit(&s->expiry, expiry, memory_order_relaxed);
}

/* A new table for want entries holding old's entries whose expiry is not
 * before now (INT64_MIN: all), not yet published; NULL when out of memory. */
static struct rev_table *rebuild(const struct rev_table *old, size_t want, int64_t now)
{
    struct rev_table *t = table_new(want * 100 / OA_REV_FILL_PCT + 1);

    if (!t || !old)
        return t;
    for (size_t i = 0; i < old->cap; i++) {
        const struct rev_slot *s = &old->slots[i];
        uint64_t tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
        int64_t exp = atomic_load_explicit(&s->expiry, memory_order_relaxed);
        if (tag && exp >= now)
            fill(t, find(t, tag, s->key_hi), tag, s->key_hi,
                 atomic_load_explicit(&s->cutoff, memory_order_relaxed), exp);
    }
    return t;
}

/* Frees the retired tables past their grace time (all of them: force). */
static void reap(bool force)
{
    int64_t now = mono_s();
    struct rev_table **p = &retired;

    while (*p) {
        if (force || now - (*p)->retired_at >= OA_REV_GRACE_S) {
            struct rev_table *t = *p;
            *p = t->older;
            table_free(t);
        } else {
            p = &(*p)->older;
        }
    }
}

/* Makes t (may be NULL: empty) the readers' table; the old one is retired. */
static void publish(struct rev_table *t)
{
    struct rev_table *old = atomic_load_explicit(&cur, memory_order_relaxed);

    atomic_store_explicit(&cur, t, memory_order_release);
    if (old) {
        old->retired_at = mono_s();
        old->older = retired;
        retired = old;
    }
}

static enum oa_err add_locked(const struct oa_rev_entry *e)
{
    struct rev_table *t = atomic_load_explicit(&cur, memory_order_relaxed), *nt;
    struct rev_slot *s = NULL;
    uint64_t tag, hi;

    split_key(e->key, &tag, &hi);
    if (t && (s = find(t, tag, hi)) && atomic_load_explicit(&s->tag, memory_order_relaxed)) {
        merge(s, e->cutoff, e->expiry);
        return OA_OK;
    }
    if (t && (t->count + 1) * 100 <= t->cap * OA_REV_GROW_PCT) {
        fill(t, s, tag, hi, e->cutoff, e->expiry);
        return OA_OK;
    }
    if (!(nt = rebuild(t, (t ? t->count : 0) + 1, INT64_MIN)))
        return OA_ERR_NOMEM;
    fill(nt, find(nt, tag, hi), tag, hi, e->cutoff, e->expiry);
    publish(nt);
    return OA_OK;
}

enum oa_err oa_revocation_add(const struct oa_rev_entry *e)
{
    enum oa_err rc;

    if (all_zero(e->key))
        return OA_ERR_BAD_INPUT; /* the mark of "no key": it would match nothing */
    pthread_mutex_lock(&wlock);
    rc = add_locked(e);
    reap(false);
    pthread_mutex_unlock(&wlock);
    return rc;
}

/* When nothing expired (now before the earliest expiry) this costs one
 * comparison; else one new table without the expired entries. Out of
 * memory keeps the table as it is (an expired entry matches only sessions
 * that have expired too). */
void oa_revocation_purge(int64_t now)
{
    struct rev_table *t, *nt;
    size_t live = 0;

    pthread_mutex_lock(&wlock);
    t = atomic_load_explicit(&cur, memory_order_relaxed);
    if (t && now > t->min_expiry) {
        int64_t least = INT64_MAX;
        for (size_t i = 0; i < t->cap; i++) {
            int64_t exp = atomic_load_explicit(&t->slots[i].expiry, memory_order_relaxed);
            if (!atomic_load_explicit(&t->slots[i].tag, memory_order_relaxed) || exp < now)
                continue;
            live++;
            if (exp < least)
                least = exp;
        }
        if (live == t->count) /* merges moved the earliest expiry on: none expired */
            t->min_expiry = least;
        else if (live == 0)
            publish(NULL);
        else if ((nt = rebuild(t, live, now)))
            publish(nt);
    }
    reap(false);
    pthread_mutex_unlock(&wlock);
}

void oa_revocation_stats(size_t *entries, size_t *bytes)
{
    struct rev_table *t;

    pthread_mutex_lock(&wlock);
    t = atomic_load_explicit(&cur, memory_order_relaxed);
    *entries = t ? t->count : 0;
    *bytes = t ? sizeof(*t) + t->cap * sizeof(struct rev_slot) : 0;
    pthread_mutex_unlock(&wlock);
}

void oa_revocation_set_store(oa_rev_store_fn fn)
{
    store_fn = fn;
}

enum oa_err oa_revoke(const struct oa_rev_entry *e, struct oa_error *err)
{
    enum oa_err rc = oa_revocation_add(e);

    if (rc != OA_OK)
        return oa_error_set(err, rc, "%s adding a revocation",
                            rc == OA_ERR_NOMEM ? "out of memory" : "an empty key");
    return store_fn ? store_fn(e, err) : OA_OK;
}

/* Frees at once, retired tables included: only with no reader running
 * (tests, the end of the process). */
void oa_revocation_clear(void)
{
    pthread_mutex_lock(&wlock);
    publish(NULL);
    reap(true);
    pthread_mutex_unlock(&wlock);
}
