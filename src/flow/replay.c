/*
 * replay.c - what this process has used once, in two bounded rings: the
 * login states (callback.c) and the jti of the back-channel logout tokens
 * (backchannel.c).
 *
 * Every entry of a ring lives the same time from when it is made (now +
 * its keep), so entries expire in the order they were made: the expired
 * ones are always at the head of the ring and dropping them is a loop at
 * the head, no scan and no allocation. A lookup scans the live entries
 * (two 64-bit compares each), and this runs only on a callback or a
 * logout token, never for the authorizer. If the clock goes back, entries
 * only live longer (safe). One mutex per ring guards it; nothing under it
 * waits on anything.
 */
#include <pthread.h>
#include <string.h>

#include "oa/crypto.h"
#include "oa/replay.h"

struct replay_entry {
    uint64_t key[2];
    int64_t until;
};

struct ring {
    struct replay_entry *e;
    size_t max, head, count, capacity;
    int64_t keep;
    pthread_mutex_t lock;
};

static struct replay_entry state_slots[OA_REPLAY_MAX], jti_slots[OA_REPLAY_JTI_MAX];
static struct ring states = {
    state_slots, OA_REPLAY_MAX, 0, 0, OA_REPLAY_MAX, OA_REPLAY_KEEP, PTHREAD_MUTEX_INITIALIZER};
static struct ring jtis = {jti_slots,          OA_REPLAY_JTI_MAX,        0, 0, OA_REPLAY_JTI_MAX,
                           OA_REPLAY_JTI_KEEP, PTHREAD_MUTEX_INITIALIZER};

static int key_of(uint64_t key[2], const char *state)
{
    if (!state || strnlen(state, OA_REPLAY_KEY_CHARS) < OA_REPLAY_KEY_CHARS)
        return -1;
    memcpy(key, state, OA_REPLAY_KEY_CHARS);
    return 0;
}

/* Drops the expired entries at the head (lock held). */
static void expire(struct ring *g, int64_t now)
{
    while (g->count && g->e[g->head].until < now) {
        memset(&g->e[g->head], 0, sizeof(g->e[g->head]));
        g->head = (g->head + 1) % g->capacity;
        g->count--;
    }
}

/* Is key among the live entries (lock held)? */
static bool find(const struct ring *g, const uint64_t key[2])
{
    size_t i, at;

    for (i = 0; i < g->count; i++) {
        at = (g->head + i) % g->capacity;
        if (g->e[at].key[0] == key[0] && g->e[at].key[1] == key[1])
            return true;
    }
    return false;
}

static bool ring_seen(struct ring *g, const uint64_t key[2], int64_t now)
{
    bool seen;

    pthread_mutex_lock(&g->lock);
    expire(g, now);
    seen = find(g, key);
    pthread_mutex_unlock(&g->lock);
    return seen;
}

static enum oa_err ring_claim(struct ring *g, const uint64_t key[2], int64_t now)
{
    enum oa_err e = OA_OK;
    struct replay_entry *slot;

    pthread_mutex_lock(&g->lock);
    expire(g, now);
    if (find(g, key)) {
        e = OA_ERR_DENIED;
    } else if (g->count >= g->capacity) {
        e = OA_ERR_BUSY;
    } else {
        slot = &g->e[(g->head + g->count) % g->capacity];
        slot->key[0] = key[0];
        slot->key[1] = key[1];
        slot->until = now + g->keep;
        g->count++;
    }
    pthread_mutex_unlock(&g->lock);
    return e;
}

static void ring_reset(struct ring *g, size_t cap)
{
    pthread_mutex_lock(&g->lock);
    /* only the live entries hold anything: cheap enough for a fuzzer's
     * every input */
    for (; g->count; g->count--, g->head = (g->head + 1) % g->capacity)
        memset(&g->e[g->head], 0, sizeof(g->e[g->head]));
    g->head = 0;
    g->capacity = cap && cap <= g->max ? cap : g->max;
    pthread_mutex_unlock(&g->lock);
}

static size_t ring_count(struct ring *g, int64_t now)
{
    size_t n;

    pthread_mutex_lock(&g->lock);
    expire(g, now);
    n = g->count;
    pthread_mutex_unlock(&g->lock);
    return n;
}

bool oa_replay_seen(const char *state, int64_t now)
{
    uint64_t key[2];

    return key_of(key, state) == 0 && ring_seen(&states, key, now);
}

enum oa_err oa_replay_claim(const char *state, int64_t now)
{
    uint64_t key[2];

    if (key_of(key, state) != 0)
        return OA_ERR_BAD_INPUT;
    return ring_claim(&states, key, now);
}

void oa_replay_reset(size_t cap)
{
    ring_reset(&states, cap);
    ring_reset(&jtis, cap);
}

size_t oa_replay_count(int64_t now)
{
    return ring_count(&states, now);
}

/* A jti is the issuer's: the same jti from two issuers are two tokens.
 * SHA-256 of (iss, NUL, jti), its first 128 bits; the jti itself is
 * never kept. */
static int jti_key(uint64_t key[2], const char *iss, const char *jti)
{
    unsigned char h[32];
    size_t ni, nj;
    char buf[2 * 256 + 2];

    if (!iss || !jti || !*iss || !*jti)
        return -1;
    ni = strnlen(iss, 256);
    nj = strnlen(jti, 256);
    if (ni > 255 || nj > 255)
        return -1;
    memcpy(buf, iss, ni);
    buf[ni] = '\0';
    memcpy(buf + ni + 1, jti, nj);
    oa_sha256(h, buf, ni + 1 + nj);
    memcpy(key, h, 2 * sizeof(uint64_t));
    return 0;
}

enum oa_err oa_replay_claim_jti(const char *iss, const char *jti, int64_t now)
{
    uint64_t key[2];

    if (jti_key(key, iss, jti) != 0)
        return OA_ERR_BAD_INPUT;
    return ring_claim(&jtis, key, now);
}

bool oa_replay_seen_jti(const char *iss, const char *jti, int64_t now)
{
    uint64_t key[2];

    return jti_key(key, iss, jti) == 0 && ring_seen(&jtis, key, now);
}

size_t oa_replay_jti_count(int64_t now)
{
    return ring_count(&jtis, now);
}
