/* test_seal_cache.c - the sealed texts a thread opened last (seal_cache.h):
 * every answer is oa_open's, a hit needs the very text, purpose and key. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "oa/seal.h"
#include "oa/seal_cache.h"
#include "tap.h"

static struct oa_keyring kr, other, same_id;
static const char P[] = "session";

/* Seals plain (a string) into text; 0 on success. */
static int seal(char *text, size_t cap, const char *plain, const struct oa_keyring *k)
{
    size_t n = 0;
    return oa_seal(text, cap, &n, (const unsigned char *)plain, strlen(plain), P, k) == OA_OK ? 0
                                                                                              : -1;
}

/* Opens text through the cache; the plain text as a string in out, or
 * "(err N)". */
static const char *open_c(char *out, size_t cap, const char *text, const char *purpose,
                          const struct oa_keyring *k)
{
    unsigned char plain[2048];
    size_t n = 99;
    enum oa_err e =
        oa_open_cached(plain, sizeof(plain), &n, text, text ? strlen(text) : 0, purpose, k);
    if (e != OA_OK) {
        snprintf(out, cap, "(err %d, len %zu)", (int)e, n);
        return out;
    }
    snprintf(out, cap, "%.*s", (int)n, (const char *)plain);
    return out;
}

static void *other_thread(void *arg)
{
    char out[256];
    unsigned long before = oa_seal_cache_hits();

    open_c(out, sizeof(out), arg, P, &kr);
    return (void *)(uintptr_t)(strcmp(out, "alice") == 0 && oa_seal_cache_hits() == before);
}

int main(void)
{
    char t[4096], t2[4096], bad[4096], big[4096], many[10][256], out[2300], want[32];
    unsigned char raw[OA_KEY_BYTES];
    unsigned long h;
    pthread_t th;
    void *res = NULL;

    if (sodium_init() < 0 || oa_keyring_random(&kr) != OA_OK || oa_keyring_random(&other) != OA_OK)
        return 99;
    /* a ring whose only key has kr's id but other bytes */
    same_id = other;
    memcpy(same_id.k[0].id, kr.k[0].id, OA_KEY_ID_BYTES);

    ok(seal(t, sizeof(t), "alice", &kr) == 0, "sealed");
    h = oa_seal_cache_hits();
    is_str(open_c(out, sizeof(out), t, P, &kr), "alice", "the first open opens");
    is_int((int)(oa_seal_cache_hits() - h), 0, "... and is no hit");
    is_str(open_c(out, sizeof(out), t, P, &kr), "alice", "the second open gives the same");
    is_int((int)(oa_seal_cache_hits() - h), 1, "... from the cache");

    /* a hit needs the very text */
    snprintf(bad, sizeof(bad), "%s", t);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    h = oa_seal_cache_hits();
    snprintf(want, sizeof(want), "(err %d, len 0)", (int)OA_ERR_CRYPTO);
    is_str(open_c(out, sizeof(out), bad, P, &kr), want, "one character changed: OA_ERR_CRYPTO");
    ok(strstr(open_c(out, sizeof(out), bad, P, &kr), "(err") != NULL, "refused again (never kept)");
    snprintf(bad, sizeof(bad), "%s", t);
    bad[strlen(bad) - 1] = '\0';
    ok(strstr(open_c(out, sizeof(out), bad, P, &kr), "(err") != NULL,
       "one character short: refused");
    is_int((int)(oa_seal_cache_hits() - h), 0, "no hit for any of them");

    /* ... the purpose it opened for */
    ok(strstr(open_c(out, sizeof(out), t, "state", &kr), "(err") != NULL,
       "the same text for another purpose: refused");
    /* ... and a key the ring still holds */
    ok(strstr(open_c(out, sizeof(out), t, P, &other), "(err") != NULL,
       "a ring without its key: refused, though kept");
    ok(strstr(open_c(out, sizeof(out), t, P, &same_id), "(err") != NULL,
       "a ring with a key of the same id but other bytes: refused");
    ok(strstr(open_c(out, sizeof(out), t, P, NULL), "(err") != NULL, "no ring: refused");
    is_str(open_c(out, sizeof(out), t, P, &kr), "alice", "its own ring again: opens");

    /* a rotated ring that still holds the key: a hit */
    {
        struct oa_keyring rot = other;
        memcpy(raw, kr.k[0].key, sizeof(raw));
        ok(oa_keyring_add(&rot, raw) == OA_OK, "a ring with a new first key and the old one");
        h = oa_seal_cache_hits();
        is_str(open_c(out, sizeof(out), t, P, &rot), "alice", "the old key still opens it");
        is_int((int)(oa_seal_cache_hits() - h), 1, "... from the cache");
        sodium_memzero(&rot, sizeof(rot));
        sodium_memzero(raw, sizeof(raw));
    }

    /* plain_cap too small: as oa_open, on a miss and on a hit */
    {
        unsigned char small[3];
        size_t n = 7;
        ok(oa_open_cached(small, sizeof(small), &n, t, strlen(t), P, &kr) == OA_ERR_TOO_LARGE &&
               n == 0,
           "a hit into a buffer too small: OA_ERR_TOO_LARGE, length 0");
        ok(seal(t2, sizeof(t2), "bob-the-builder", &kr) == 0 &&
               oa_open_cached(small, sizeof(small), &n, t2, strlen(t2), P, &kr) == OA_ERR_TOO_LARGE,
           "a miss into a buffer too small: OA_ERR_TOO_LARGE");
        is_str(open_c(out, sizeof(out), t2, P, &kr), "bob-the-builder", "then it opens");
    }

    /* longer than kept: opened every time, the same answer */
    memset(big, 'x', 1500);
    big[1500] = '\0';
    ok(seal(t2, sizeof(t2), big, &kr) == 0 && strlen(t2) > OA_SEAL_CACHE_TEXT_MAX,
       "a text over OA_SEAL_CACHE_TEXT_MAX");
    h = oa_seal_cache_hits();
    ok(strcmp(open_c(out, sizeof(out), t2, P, &kr), big) == 0 &&
           strcmp(open_c(out, sizeof(out), t2, P, &kr), big) == 0,
       "opens, twice");
    is_int((int)(oa_seal_cache_hits() - h), 0, "... never from the cache");

    /* more texts than slots: the oldest goes, every answer stays right */
    for (int i = 0; i < 10; i++) {
        snprintf(want, sizeof(want), "user-%d", i);
        if (seal(many[i], sizeof(many[i]), want, &kr) != 0 ||
            strcmp(open_c(out, sizeof(out), many[i], P, &kr), want) != 0)
            ok(0, "text %d", i);
    }
    h = oa_seal_cache_hits();
    is_str(open_c(out, sizeof(out), many[9], P, &kr), "user-9", "the last one opens");
    is_str(open_c(out, sizeof(out), many[0], P, &kr), "user-0", "the first one too");
    is_int((int)(oa_seal_cache_hits() - h), 1, "the last from the cache, the first opened again");

    /* another thread has a cache of its own */
    ok(pthread_create(&th, NULL, other_thread, t) == 0 && pthread_join(th, &res) == 0 && res,
       "another thread opens it itself (no hit there)");

    oa_seal_cache_clear();
    h = oa_seal_cache_hits();
    is_str(open_c(out, sizeof(out), many[9], P, &kr), "user-9", "after clear: opens");
    is_int((int)(oa_seal_cache_hits() - h), 0, "... not from the cache");

    ok(strstr(open_c(out, sizeof(out), NULL, P, &kr), "(err") != NULL, "NULL text: refused");
    ok(strstr(open_c(out, sizeof(out), "", P, &kr), "(err") != NULL, "empty text: refused");
    oa_keyring_wipe(&kr);
    oa_keyring_wipe(&other);
    oa_keyring_wipe(&same_id);
    oa_seal_cache_clear();
    return tap_done();
}
