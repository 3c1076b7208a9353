/*
 * seal_cache.c - the sealed texts this thread opened last (seal_cache.h).
 *
 * Why per thread: the authorizer reads it on every request, and a table of
 * its own needs no lock and no atomics; a thread that serves a user once
 * warms it for that user's next requests on that thread. Why the whole text
 * and the whole key are compared, not a hash: a hit then says, without any
 * argument about collisions, that oa_open would open these very bytes with
 * this very key, and it did. The text compare is memcmp, not constant-time:
 * it stops at the first differing 32-byte block, and the first block
 * already holds 24 characters of the seal's random nonce, so timing tells a
 * prober nothing it could build a cookie from.
 */
#include <string.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/seal.h"
#include "oa/seal_cache.h"

#define PURPOSE_MAX 16
/* plain text of the longest text kept: its base64 decoded, less the seal */
#define PLAIN_MAX (OA_SEAL_CACHE_TEXT_MAX / 4 * 3 - OA_SEAL_OVERHEAD)

struct entry {
    size_t text_len; /* 0: empty */
    size_t plain_len;
    char purpose[PURPOSE_MAX];
    struct oa_key key; /* the key that opened it: its id and bytes */
    char text[OA_SEAL_CACHE_TEXT_MAX];
    unsigned char plain[PLAIN_MAX];
};

static _Thread_local struct {
    struct entry e[OA_SEAL_CACHE_SLOTS];
    unsigned next;      /* the slot the next store takes */
    unsigned long hits; /* opens answered from the cache */
} cache;

/* The key id a sealed text names (its bytes 1..4, the first 8 characters
 * decoded). false when the text is too short or not base64url. */
static bool key_id_of(unsigned char id[OA_KEY_ID_BYTES], const char *in, size_t in_len)
{
    unsigned char head[6];
    size_t n = 0;

    if (in_len < 8 || oa_b64url_decode(head, sizeof(head), &n, in, 8) != OA_OK || n != 6)
        return false;
    memcpy(id, head + 1, OA_KEY_ID_BYTES);
    return true;
}

/* The entry holding exactly this text for this purpose, under a key kr
 * still has (same id, same bytes); NULL when none. */
static const struct entry *find(const char *in, size_t in_len, const char *purpose,
                                const struct oa_keyring *kr)
{
    for (unsigned i = 0; i < OA_SEAL_CACHE_SLOTS; i++) {
        const struct entry *e = &cache.e[i];
        const struct oa_key *k;

        if (e->text_len != in_len || memcmp(e->text, in, in_len) != 0 ||
            strcmp(e->purpose, purpose) != 0)
            continue;
        k = oa_keyring_find(kr, e->key.id);
        if (k && oa_memeq_ct(k->key, e->key.key, OA_KEY_BYTES))
            return e;
    }
    return NULL;
}

/* Keeps a text that opened, in the oldest slot (wiped first). */
static void store(const char *in, size_t in_len, const char *purpose, const unsigned char *plain,
                  size_t plain_len, const struct oa_keyring *kr)
{
    unsigned char id[OA_KEY_ID_BYTES];
    const struct oa_key *k;
    struct entry *e;

    if (in_len > OA_SEAL_CACHE_TEXT_MAX || plain_len > PLAIN_MAX ||
        strlen(purpose) >= PURPOSE_MAX || !key_id_of(id, in, in_len) ||
        !(k = oa_keyring_find(kr, id)))
        return;
    e = &cache.e[cache.next];
    cache.next = (cache.next + 1) % OA_SEAL_CACHE_SLOTS;
    oa_wipe(e, sizeof(*e));
    memcpy(e->text, in, in_len);
    memcpy(e->plain, plain, plain_len);
    e->plain_len = plain_len;
    memcpy(e->purpose, purpose, strlen(purpose) + 1);
    e->key = *k;
    e->text_len = in_len;
}

enum oa_err oa_open_cached(unsigned char *plain, size_t plain_cap, size_t *plain_len,
                           const char *in, size_t in_len, const char *purpose,
                           const struct oa_keyring *kr)
{
    const struct entry *e = in && purpose && in_len && in_len <= OA_SEAL_CACHE_TEXT_MAX
                                ? find(in, in_len, purpose, kr)
                                : NULL;
    enum oa_err err;
    size_t n = 0;

    if (e) {
        if (plain_len)
            *plain_len = 0;
        if (e->plain_len > plain_cap)
            return OA_ERR_TOO_LARGE; /* as oa_open: the cap is checked first */
        memcpy(plain, e->plain, e->plain_len);
        if (plain_len)
            *plain_len = e->plain_len;
        cache.hits++;
        return OA_OK;
    }
    err = oa_open(plain, plain_cap, &n, in, in_len, purpose, kr);
    if (plain_len)
        *plain_len = n;
    if (err == OA_OK)
        store(in, in_len, purpose, plain, n, kr);
    return err;
}

void oa_seal_cache_clear(void)
{
    oa_wipe(&cache, sizeof(cache));
}

unsigned long oa_seal_cache_hits(void)
{
    return cache.hits;
}
