/*
 * bearer_cache.c - verified bearer tokens, by the keyed BLAKE2b of the
 * token (bearer.h, DESIGN.md section 16.1).
 *
 * Why this shape: the decision reads the cache on every bearer request and
 * must neither allocate nor wait, so a read is a seqlock read: the slot's
 * sequence (even: stable), the entry copied out, the sequence again; a
 * change means a writer was there and the read is a miss (the token is then
 * verified again, never trusted half-copied). Writers (a miss that
 * verified) take a mutex with trylock: a busy cache skips the store rather
 * than making a request wait. Direct-mapped slots bound the memory
 * (OA_BEARER_CACHE_SLOTS entries, allocated at the first store). The hash
 * key is random per process, so slots cannot be aimed at from outside and
 * a hash seen in a dump says nothing about the token; the table holds no
 * token. The key covers the serial of the config the token was verified
 * under (bearer.h), so an entry made under an old config never answers a
 * request under a new one (a new config also bumps the epoch, which ends
 * every older entry at once).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "oa/bearer.h"

struct slot {
    _Atomic uint32_t seq; /* odd while a writer is in */
    uint32_t epoch;
    unsigned char key[OA_BEARER_KEY_BYTES];
    struct oa_bearer_entry e;
};

static _Atomic(struct slot *) table;
static _Atomic uint32_t epoch = 1;
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static unsigned char hash_key[crypto_generichash_KEYBYTES];

static void key_make(void)
{
    randombytes_buf(hash_key, sizeof(hash_key));
}

void oa_bearer_cache_key(unsigned char key[OA_BEARER_KEY_BYTES], const char *token, size_t len,
                         uint64_t cfg_serial)
{
    crypto_generichash_state st;
    unsigned char serial[8];

    for (int i = 0; i < 8; i++)
        serial[i] = (unsigned char)(cfg_serial >> (8 * i));
    pthread_once(&key_once, key_make);
    crypto_generichash_init(&st, hash_key, sizeof(hash_key), OA_BEARER_KEY_BYTES);
    crypto_generichash_update(&st, serial, sizeof(serial));
    crypto_generichash_update(&st, (const unsigned char *)token, len);
    crypto_generichash_final(&st, key, OA_BEARER_KEY_BYTES);
}

static size_t slot_of(const unsigned char key[OA_BEARER_KEY_BYTES])
{
    uint64_t h;

    memcpy(&h, key, sizeof(h));
    return (size_t)(h % OA_BEARER_CACHE_SLOTS);
}

bool oa_bearer_cache_get(struct oa_bearer_entry *out, const unsigned char key[OA_BEARER_KEY_BYTES],
                         int64_t now)
{
    struct slot *t = atomic_load_explicit(&table, memory_order_acquire), *s;
    uint32_t seq, len;

    if (!t)
        return false;
    s = &t[slot_of(key)];
    seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    if ((seq & 1) || seq == 0 || s->epoch != atomic_load_explicit(&epoch, memory_order_relaxed) ||
        memcmp(s->key, key, OA_BEARER_KEY_BYTES) != 0 || s->e.until <= now)
        return false;
    len = s->e.len;
    if (len > sizeof(out->data))
        return false; /* torn: the sequence check below would say so too */
    out->exp = s->e.exp;
    out->until = s->e.until;
    out->iat = s->e.iat;
    memcpy(out->sid, s->e.sid, sizeof(out->sid));
    out->len = len;
    memcpy(out->off, s->e.off, sizeof(out->off));
    memcpy(out->data, s->e.data, len);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->seq, memory_order_relaxed) != seq)
        return false;
    for (size_t i = 0; i < OA_BF_N; i++)
        if (out->off[i] >= len)
            return false;
    return out->data[len - 1] == '\0';
}

void oa_bearer_cache_put(const unsigned char key[OA_BEARER_KEY_BYTES],
                         const struct oa_bearer_entry *e)
{
    struct slot *t, *s;
    uint32_t seq;

    if (e->len == 0 || e->len > sizeof(e->data) || pthread_mutex_trylock(&wlock) != 0)
        return;
    t = atomic_load_explicit(&table, memory_order_relaxed);
    if (!t) {
        t = calloc(OA_BEARER_CACHE_SLOTS, sizeof(*t));
        if (!t) {
            pthread_mutex_unlock(&wlock);
            return;
        }
        atomic_store_explicit(&table, t, memory_order_release);
    }
    s = &t[slot_of(key)];
    seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    s->epoch = atomic_load_explicit(&epoch, memory_order_relaxed);
    memcpy(s->key, key, OA_BEARER_KEY_BYTES);
    s->e.exp = e->exp;
    s->e.until = e->until;
    s->e.iat = e->iat;
    memcpy(s->e.sid, e->sid, sizeof(s->e.sid));
    s->e.len = e->len;
    memcpy(s->e.off, e->off, sizeof(e->off));
    memcpy(s->e.data, e->data, e->len);
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
    pthread_mutex_unlock(&wlock);
}

void oa_bearer_cache_clear(void)
{
    pthread_mutex_lock(&wlock);
    atomic_fetch_add_explicit(&epoch, 1, memory_order_relaxed);
    pthread_mutex_unlock(&wlock);
}

void oa_bearer_cache_free(void)
{
    pthread_mutex_lock(&wlock);
    struct slot *t = atomic_exchange(&table, NULL);
    if (t) {
        sodium_memzero(t, OA_BEARER_CACHE_SLOTS * sizeof(*t));
        free(t);
    }
    pthread_mutex_unlock(&wlock);
}
