/*
 * replay.c - the states this process has used, in a bounded ring.
 *
 * Every entry lives the same time from when it is made (now +
 * OA_REPLAY_KEEP), so entries expire in the order they were made: the
 * expired ones are always at the head of the ring and dropping them is a
 * loop at the head, no scan and no allocation. A lookup scans the live
 * entries (two 64-bit compares each); at most OA_REPLAY_MAX of them, and
 * this runs only on a callback, never for the authorizer. If the clock goes
 * back, entries only live longer (safe). One mutex guards it all; nothing
 * under it waits on anything.
 */
#include <pthread.h>
#include <string.h>

#include "oa/replay.h"

struct replay_entry {
    uint64_t key[2];
    int64_t until;
};

static struct replay_entry ring[OA_REPLAY_MAX];
static size_t head, count, capacity = OA_REPLAY_MAX;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int key_of(uint64_t key[2], const char *state)
{
    if (!state || strnlen(state, OA_REPLAY_KEY_CHARS) < OA_REPLAY_KEY_CHARS)
        return -1;
    memcpy(key, state, OA_REPLAY_KEY_CHARS);
    return 0;
}

/* Drops the expired entries at the head (lock held). */
static void expire(int64_t now)
{
    while (count && ring[head].until < now) {
        memset(&ring[head], 0, sizeof(ring[head]));
        head = (head + 1) % capacity;
        count--;
    }
}

/* Is key among the live entries (lock held)? */
static bool find(const uint64_t key[2])
{
    size_t i, at;

    for (i = 0; i < count; i++) {
        at = (head + i) % capacity;
        if (ring[at].key[0] == key[0] && ring[at].key[1] == key[1])
            return true;
    }
    return false;
}

bool oa_replay_seen(const char *state, int64_t now)
{
    uint64_t key[2];
    bool seen;

    if (key_of(key, state) != 0)
        return false;
    pthread_mutex_lock(&lock);
    expire(now);
    seen = find(key);
    pthread_mutex_unlock(&lock);
    return seen;
}

enum oa_err oa_replay_claim(const char *state, int64_t now)
{
    uint64_t key[2];
    enum oa_err e = OA_OK;
    struct replay_entry *slot;

    if (key_of(key, state) != 0)
        return OA_ERR_BAD_INPUT;
    pthread_mutex_lock(&lock);
    expire(now);
    if (find(key)) {
        e = OA_ERR_DENIED;
    } else if (count >= capacity) {
        e = OA_ERR_BUSY;
    } else {
        slot = &ring[(head + count) % capacity];
        slot->key[0] = key[0];
        slot->key[1] = key[1];
        slot->until = now + OA_REPLAY_KEEP;
        count++;
    }
    pthread_mutex_unlock(&lock);
    return e;
}

void oa_replay_reset(size_t cap)
{
    pthread_mutex_lock(&lock);
    /* only the live entries hold anything: cheap enough for a fuzzer's
     * every input */
    for (; count; count--, head = (head + 1) % capacity)
        memset(&ring[head], 0, sizeof(ring[head]));
    head = 0;
    capacity = cap && cap <= OA_REPLAY_MAX ? cap : OA_REPLAY_MAX;
    pthread_mutex_unlock(&lock);
}

size_t oa_replay_count(int64_t now)
{
    size_t n;

    pthread_mutex_lock(&lock);
    expire(now);
    n = count;
    pthread_mutex_unlock(&lock);
    return n;
}
