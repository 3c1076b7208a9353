/*
 * test_revocation.c - the in-memory revocation list (src/gate/revocation.c,
 * DESIGN.md section 14.1): keys, insert and lookup by each of a session's
 * four keys, the cutoff, merging (cutoff and expiry only grow), the purge
 * of expired entries, growing, the core's writer hook; four reader threads
 * probing while a writer inserts 200 000 keys and the table grows many
 * times: a key once published is never missed; and the lookup makes no
 * heap allocation with 100 000 entries (malloc counted, as test_noalloc).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/crypto.h"
#include "oa/revocation.h"
#include "oa/session.h"
#include "tap.h"

#include "../../bench/count_malloc.h"

#define NKEYS 200000

static unsigned char (*keys)[16];
static atomic_size_t published;
static atomic_int writer_done;
static atomic_long misses, false_hits, checks;

static void entry(struct oa_rev_entry *e, const unsigned char *k, int64_t cutoff, int64_t expiry)
{
    memcpy(e->key, k, 16);
    e->cutoff = cutoff;
    e->expiry = expiry;
}

static void add(const struct oa_rev_entry *e)
{
    if (oa_revocation_add(e) != OA_OK)
        ok(0, "oa_revocation_add failed");
}

static void test_keys(void)
{
    unsigned char a[16], b[16], zero[16] = {0};

    ok(oa_rev_key(OA_REV_SESSION, "AAECAwQFBgcICQoLDA0ODw", NULL, a),
       "a session id: 22 base64url chars");
    ok(a[0] == 0 && a[1] == 1 && a[15] == 15, "decodes to the 16-byte id itself (no hash)");
    ok(!oa_rev_key(OA_REV_SESSION, "AAECAwQFBgcICQoLDA0OD", NULL, a) && !memcmp(a, zero, 16),
       "21 chars: refused, key zeroed");
    ok(!oa_rev_key(OA_REV_SESSION, "AAECAwQFBgcICQoLDA0ODw=", NULL, a), "23 chars: refused");
    ok(!oa_rev_key(OA_REV_SESSION, "AAECAwQFBgcICQoLDA0O+w", NULL, a), "'+' (not URL-safe)");
    ok(!oa_rev_key(OA_REV_SESSION, "AAECAwQFBgcICQoLDA0ODx", NULL, a),
       "nonzero unused low bits: refused (one text per id)");
    ok(!oa_rev_key(OA_REV_SESSION, "AAAAAAAAAAAAAAAAAAAAAA", NULL, a), "the all-zero id (none)");
    ok(oa_rev_key(OA_REV_USER, "oidc", "alice", a) && oa_rev_key(OA_REV_USER, "oidc", "alice", b) &&
           !memcmp(a, b, 16) && memcmp(a, zero, 16),
       "a user key: stable, nonzero");
    oa_rev_key(OA_REV_USER, "oidc", "bob", b);
    ok(memcmp(a, b, 16), "another subject, another key");
    oa_rev_key(OA_REV_USER, "github", "alice", b);
    ok(memcmp(a, b, 16), "another provider, another key");
    oa_rev_key(OA_REV_USER, "oidca", "lice", b);
    ok(memcmp(a, b, 16), "the NUL between provider and subject keeps them apart");
    oa_rev_key(OA_REV_PROVIDER_SID, "oidc", "alice", b);
    ok(memcmp(a, b, 16), "the same strings as a provider sid: another key (domain separated)");
    ok(oa_rev_key(OA_REV_EMAIL, "Alice@Example.COM", NULL, a) &&
           oa_rev_key(OA_REV_EMAIL, "alice@example.com", NULL, b) && !memcmp(a, b, 16),
       "email keys ignore case");
    oa_rev_key(OA_REV_EMAIL, "bob@example.com", NULL, b);
    ok(memcmp(a, b, 16), "another email, another key");
    ok(!oa_rev_key(OA_REV_USER, "oidc", NULL, a) && !oa_rev_key(OA_REV_USER, "oidc", "", a) &&
           !oa_rev_key(OA_REV_USER, "", "alice", a) && !oa_rev_key(OA_REV_EMAIL, "", NULL, a) &&
           !oa_rev_key(OA_REV_PROVIDER_SID, "https://idp", NULL, a) &&
           !oa_rev_key((enum oa_rev_kind)99, "x", "y", a),
       "empty parts and unknown kinds: refused");
    {
        char longmail[600];
        memset(longmail, 'A', sizeof(longmail) - 1);
        longmail[sizeof(longmail) - 1] = '\0';
        oa_rev_key(OA_REV_EMAIL, longmail, NULL, a);
        for (size_t i = 0; i < sizeof(longmail) - 1; i++)
            longmail[i] = 'a';
        oa_rev_key(OA_REV_EMAIL, longmail, NULL, b);
        ok(!memcmp(a, b, 16), "a 599-char email hashes the same in either case");
    }
}

static void hex16(char out[33], const unsigned char k[16])
{
    oa_hex_encode(out, 33, k, 16);
}

/* The keys are BLAKE2b-128 of fixed strings: pinned to values computed
 * elsewhere (python3 hashlib.blake2b(..., digest_size=16)), so that tools
 * and scripts can compute them and a change shows. */
static void test_key_values(void)
{
    unsigned char k[16];
    char h[33];

    oa_rev_key(OA_REV_EMAIL, "Alice@Example.com", NULL, k);
    hex16(h, k);
    is_str(h, "f294abf86dff5763d6d007e8b0deeb26",
           "email key = BLAKE2b-128(\"oa-rev-email\\0\" email)");
    oa_rev_key(OA_REV_USER, "oidc", "alice", k);
    hex16(h, k);
    is_str(h, "d48d47de82fd42a91fc9a9687618dbc3",
           "user key = BLAKE2b-128(\"oa-rev-user\\0\" provider \"\\0\" subject)");
    oa_rev_key(OA_REV_PROVIDER_SID, "https://idp", "s1", k);
    hex16(h, k);
    is_str(h, "bf7cafe234ec0b0eb9dace9c97bb7f0b",
           "provider-sid key = BLAKE2b-128(\"oa-rev-psid\\0\" issuer \"\\0\" sid)");
}

static void test_lookup(void)
{
    struct oa_identity id;
    struct oa_rev_entry e;
    unsigned char k[16];
    size_t n, bytes;

    oa_revocation_clear();
    memset(&id, 0, sizeof(id));
    id.iat = 1000;
    ok(!oa_revoked(&id), "an empty list revokes nothing");
    oa_rev_key(OA_REV_EMAIL, "alice@example.com", NULL, id.email_key);
    oa_rev_key(OA_REV_USER, "oidc", "alice", id.user_key);
    oa_random_bytes(id.sid, sizeof(id.sid));
    oa_rev_key(OA_REV_PROVIDER_SID, "https://idp", "s1", id.psid_key);

    entry(&e, id.email_key, 1000, 5000);
    is_int(oa_revocation_add(&e), OA_OK, "add an email entry, cutoff 1000");
    ok(!oa_revoked(&id), "iat 1000 is not before the cutoff: live");
    id.iat = 999;
    ok(oa_revoked(&id), "iat 999: revoked by its email key");
    e.cutoff = 500;
    is_int(oa_revocation_add(&e), OA_OK, "the same key, a lower cutoff");
    ok(oa_revoked(&id), "merge keeps the higher cutoff");
    e.cutoff = 2000;
    add(&e);
    id.iat = 1500;
    ok(oa_revoked(&id), "merge raises the cutoff (iat 1500 < 2000)");
    oa_revocation_stats(&n, &bytes);
    is_int(n, 1, "merged: one entry");

    memset(id.email_key, 0, 16);
    ok(!oa_revoked(&id), "without the email key: live");
    for (int which = 0; which < 3; which++) {
        unsigned char *key = which == 0 ? id.sid : which == 1 ? id.user_key : id.psid_key;
        entry(&e, key, INT64_MAX, 5000);
        add(&e);
        ok(oa_revoked(&id), "revoked by its %s key",
           which == 0   ? "session"
           : which == 1 ? "user"
                        : "provider-sid");
        oa_revocation_clear();
        ok(!oa_revoked(&id), "cleared: live again");
    }
    memset(k, 0, sizeof(k));
    entry(&e, k, INT64_MAX, 5000);
    is_int(oa_revocation_add(&e), OA_ERR_BAD_INPUT, "the all-zero key is refused");
    memset(&id, 0, sizeof(id));
    k[0] = 7;
    entry(&e, k, INT64_MAX, 5000);
    add(&e);
    ok(!oa_revoked(&id), "an identity without keys is never revoked");
    /* a key whose first 8 bytes are zero (tag 0 is the empty mark) */
    memset(k, 0, sizeof(k));
    k[15] = 9;
    entry(&e, k, INT64_MAX, 5000);
    is_int(oa_revocation_add(&e), OA_OK, "a key with a zero first half");
    memcpy(id.sid, k, 16);
    ok(oa_revoked(&id), "is found");
    oa_revocation_clear();
}

static void test_purge(void)
{
    struct oa_identity a, b;
    struct oa_rev_entry e;
    size_t n, bytes;

    oa_revocation_clear();
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    oa_random_bytes(a.sid, 16);
    oa_random_bytes(b.sid, 16);
    entry(&e, a.sid, INT64_MAX, 100);
    add(&e);
    entry(&e, b.sid, INT64_MAX, 10000);
    add(&e);
    oa_revocation_purge(100);
    oa_revocation_stats(&n, &bytes);
    is_int(n, 2, "purge at the expiry itself keeps the entry");
    oa_revocation_purge(101);
    oa_revocation_stats(&n, &bytes);
    is_int(n, 1, "purge after it drops it");
    ok(!oa_revoked(&a) && oa_revoked(&b), "the expired one is gone, the other stays");
    e.expiry = 20000;
    add(&e);
    oa_revocation_stats(&n, &bytes);
    oa_revocation_purge(10001);
    {
        size_t n2, bytes2;
        oa_revocation_stats(&n2, &bytes2);
        ok(oa_revoked(&b) && n2 == 1, "a merged (later) expiry keeps it past the first one");
    }
    oa_revocation_purge(20001);
    oa_revocation_stats(&n, &bytes);
    ok(n == 0 && bytes == 0 && !oa_revoked(&b), "all expired: an empty list");
}

static void test_grow(void)
{
    struct oa_identity id;
    struct oa_rev_entry e;
    size_t n, bytes, found = 0, wrong = 0;
    unsigned char k[16];

    oa_revocation_clear();
    memset(&id, 0, sizeof(id));
    for (unsigned i = 0; i < 20000; i++) {
        memset(k, 0, 16);
        memcpy(k, &i, sizeof(i));
        oa_hash16(k, k, 16);
        entry(&e, k, INT64_MAX, 1000 + i);
        if (oa_revocation_add(&e) != OA_OK)
            break;
    }
    for (unsigned i = 0; i < 20000; i++) {
        memset(k, 0, 16);
        memcpy(k, &i, sizeof(i));
        oa_hash16(id.sid, k, 16);
        found += oa_revoked(&id);
        id.sid[3] ^= 0x40; /* a key not in the list */
        wrong += oa_revoked(&id);
    }
    is_int(found, 20000, "20000 entries (grown from 64 slots): every one found");
    is_int(wrong, 0, "no key outside the list matches");
    oa_revocation_stats(&n, &bytes);
    is_int(n, 20000, "stats: 20000 entries");
    ok(bytes / n >= 53 && bytes / n <= 66, "%zu bytes an entry (53-64 + the header)", bytes / n);
    oa_revocation_purge(1000 + 10000);
    oa_revocation_stats(&n, &bytes);
    is_int(n, 10000, "purge of the half that expired: 10000 left");
    ok(bytes / n >= 53 && bytes / n <= 66, "the purged table is sized for them: %zu B/entry",
       bytes / n);
    oa_revocation_clear();
}

static int fail_store_calls;
static enum oa_err failing_store(const struct oa_rev_entry *e, struct oa_error *err)
{
    (void)e;
    fail_store_calls++;
    return oa_error_set(err, OA_ERR_IO, "the store is down");
}

static void test_revoke_hook(void)
{
    struct oa_identity id;
    struct oa_rev_entry e;
    struct oa_error err;

    oa_revocation_clear();
    memset(&id, 0, sizeof(id));
    oa_random_bytes(id.sid, 16);
    entry(&e, id.sid, INT64_MAX, 5000);
    oa_error_clear(&err);
    is_int(oa_revoke(&e, &err), OA_OK, "oa_revoke without a store: OA_OK");
    ok(oa_revoked(&id), "and added locally");
    oa_revocation_clear();
    oa_revocation_set_store(failing_store);
    is_int(oa_revoke(&e, &err), OA_ERR_IO, "a failing store: its error");
    ok(fail_store_calls == 1 && oa_revoked(&id), "the store was called; the local add happened");
    oa_revocation_set_store(NULL);
    oa_revocation_clear();
}

/* ---- readers while a writer grows the table ------------------------------ */

static void *reader(void *arg)
{
    struct oa_identity id;
    uint64_t x = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;

    memset(&id, 0, sizeof(id));
    while (!atomic_load(&writer_done)) {
        size_t n = atomic_load_explicit(&published, memory_order_acquire);
        if (n == 0)
            continue;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(id.sid, keys[x % n], 16);
        if (!oa_revoked(&id))
            atomic_fetch_add(&misses, 1);
        memcpy(id.sid, keys[NKEYS - 1 - x % 1000], 16); /* the last 1000: never added */
        if (n < NKEYS - 1000 && oa_revoked(&id))
            atomic_fetch_add(&false_hits, 1);
        atomic_fetch_add(&checks, 1);
    }
    return NULL;
}

/* Waits (bounded) until the readers made 50 more lookups: valgrind runs
 * one thread at a time, and the writer alone would otherwise finish before
 * any reader had a turn. */
static void let_readers_in(void)
{
    long c0 = atomic_load(&checks);

    for (int k = 0; k < 200000 && atomic_load(&checks) < c0 + 50; k++)
        sched_yield();
}

static void test_concurrent(void)
{
    pthread_t t[4];
    struct oa_rev_entry e;
    size_t added = 0, n, bytes;

    oa_revocation_clear();
    keys = malloc(sizeof(*keys) * NKEYS);
    if (!keys) {
        ok(0, "memory for the keys");
        return;
    }
    oa_random_bytes(keys, sizeof(*keys) * NKEYS);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader, (void *)(uintptr_t)(i + 1));
    for (size_t i = 0; i < NKEYS - 1000; i++) {
        entry(&e, keys[i], INT64_MAX, 1000000);
        if (oa_revocation_add(&e) != OA_OK)
            break;
        added++;
        atomic_store_explicit(&published, i + 1, memory_order_release);
        if ((i & 4095) == 0)
            let_readers_in();
    }
    atomic_store(&writer_done, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    is_int(added, NKEYS - 1000, "the writer added 199000 keys while 4 threads read");
    ok(atomic_load(&checks) > 1000, "the readers made %ld lookups meanwhile", atomic_load(&checks));
    is_int(atomic_load(&misses), 0, "no published key was ever missed (through every grow)");
    is_int(atomic_load(&false_hits), 0, "and no key never added was ever found");
    oa_revocation_stats(&n, &bytes);
    is_int(n, NKEYS - 1000, "stats: every key in");
}

/* With 100 000 entries (left from above, trimmed), lookups allocate nothing. */
static void test_noalloc(void)
{
    struct oa_identity id;
    unsigned long before;
    int hits = 0;

#ifdef OA_COUNT_MALLOC_OFF
    printf("# malloc cannot be counted under AddressSanitizer: no allocation check\n");
    return;
#endif
    memset(&id, 0, sizeof(id));
    oa_rev_key(OA_REV_USER, "oidc", "nobody", id.user_key);
    oa_rev_key(OA_REV_EMAIL, "nobody@example.com", NULL, id.email_key);
    before = oa_allocs;
    for (int i = 0; i < 100000; i++) {
        memcpy(id.sid, keys[i], 16);
        hits += oa_revoked(&id);
    }
    is_int(oa_allocs - before, 0, "100000 lookups in a 199000-entry list: no heap allocation");
    is_int(hits, 100000, "and each found its key");
}

int main(void)
{
    if (oa_crypto_init() != OA_OK)
        return 1;
    test_keys();
    test_key_values();
    test_lookup();
    test_purge();
    test_grow();
    test_revoke_hook();
    test_concurrent();
    test_noalloc();
    oa_revocation_clear();
    free(keys);
    return tap_done();
}
