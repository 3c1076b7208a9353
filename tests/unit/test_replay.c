/* test_replay.c - the used-state table (src/flow/replay.c): a state works once,
 * entries expire after OA_REPLAY_KEEP, a full table refuses instead of
 * forgetting a live entry, and threads claiming the same state: exactly
 * one wins. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "oa/replay.h"
#include "tap.h"

#define S1 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1"
#define S2 "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2"

static atomic_int wins, replays;

static void test_once(void)
{
    const int64_t t = 1000000;

    oa_replay_reset(0);
    ok(!oa_replay_seen(S1, t), "a fresh state is not seen");
    is_int(oa_replay_claim(S1, t), OA_OK, "first claim: OA_OK");
    ok(oa_replay_seen(S1, t), "then it is seen");
    is_int(oa_replay_claim(S1, t + 1), OA_ERR_DENIED, "second claim: refused (a replay)");
    is_int(oa_replay_claim(S2, t), OA_OK, "another state: OA_OK");
    is_int(oa_replay_count(t), 2, "two entries");
    ok(oa_replay_seen(S1, t + OA_REPLAY_KEEP), "still seen at the end of its time");
    ok(oa_replay_seen(S1, t + 600 + 60), "seen for the state's lifetime plus the clock skew");
    ok(!oa_replay_seen(S1, t + OA_REPLAY_KEEP + 1), "forgotten once the state cannot open anyway");
    is_int(oa_replay_count(t + OA_REPLAY_KEEP + 1), 0, "expired entries dropped");
    is_int(oa_replay_claim("short", t), OA_ERR_BAD_INPUT, "a state under 16 chars: refused");
    is_int(oa_replay_claim(NULL, t), OA_ERR_BAD_INPUT, "no state: refused");
    ok(!oa_replay_seen(NULL, t), "no state: not seen");
    is_int(oa_replay_claim("AAAAAAAAAAAAAAAAzzz", t), OA_OK,
           "states are told apart by their first 16 chars (96 random bits)");
}

static void state_n(char *out, size_t cap, unsigned n)
{
    snprintf(out, cap, "st%014u-rest-of-the-state-value-xx", n);
}

static void test_full(void)
{
    char s[64];
    unsigned i, made = 0;
    const int64_t t = 2000000;

    oa_replay_reset(64);
    for (i = 0; i < 64; i++) {
        state_n(s, sizeof(s), i);
        made += oa_replay_claim(s, t + i) == OA_OK;
    }
    is_int(made, 64, "64 claims fill a table of 64");
    state_n(s, sizeof(s), 999);
    is_int(oa_replay_claim(s, t + 64), OA_ERR_BUSY, "full of live entries: a new claim refused");
    state_n(s, sizeof(s), 0);
    ok(oa_replay_seen(s, t + 64), "... and the oldest live entry is not forgotten");
    is_int(oa_replay_claim(s, t + 64), OA_ERR_DENIED, "... so its replay is still refused");
    state_n(s, sizeof(s), 999);
    is_int(oa_replay_claim(s, t + OA_REPLAY_KEEP + 1), OA_OK,
           "once the oldest expires there is room again");
    state_n(s, sizeof(s), 1);
    ok(oa_replay_seen(s, t + OA_REPLAY_KEEP + 1), "the next oldest is still there");
    for (i = 0; i < 200; i++) { /* the ring wraps around many times */
        state_n(s, sizeof(s), 5000 + i);
        if (oa_replay_claim(s, t + 10 * OA_REPLAY_KEEP + (int64_t)i * OA_REPLAY_KEEP) != OA_OK)
            break;
    }
    is_int(i, 200, "one claim per lifetime: the ring wraps and never fills");
    is_int(oa_replay_count(t + 10 * OA_REPLAY_KEEP + 199 * OA_REPLAY_KEEP + 1), 1,
           "one live entry");
    oa_replay_reset(0);
}

static void *claimer(void *arg)
{
    enum oa_err e = oa_replay_claim(arg, 3000000);

    if (e == OA_OK)
        atomic_fetch_add(&wins, 1);
    else if (e == OA_ERR_DENIED)
        atomic_fetch_add(&replays, 1);
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[16];
    int i, started = 0;
    char st[] = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3";

    oa_replay_reset(0);
    for (i = 0; i < 16; i++)
        started += pthread_create(&t[i], NULL, claimer, st) == 0;
    for (i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    is_int(started, 16, "16 threads claim one state at once");
    is_int(atomic_load(&wins), 1, "exactly one wins");
    is_int(atomic_load(&replays), 15, "the 15 others are refused as replays");
}

/* The logout tokens' jti: once per (iss, jti), kept as long as the token
 * could be taken, a table apart from the states. */
static void test_jti(void)
{
    const int64_t t = 5000000;
    char big[300];
    size_t i;

    oa_replay_reset(0);
    ok(!oa_replay_seen_jti("https://op", "j-1", t), "jti: a fresh jti is not seen");
    is_int(oa_replay_claim_jti("https://op", "j-1", t), OA_OK, "jti: first use taken");
    ok(oa_replay_seen_jti("https://op", "j-1", t), "jti: then it is seen");
    ok(!oa_replay_seen_jti("https://op", NULL, t), "jti: none is never seen");
    is_int(oa_replay_claim_jti("https://op", "j-1", t + 1), OA_ERR_DENIED,
           "jti: the same jti again refused (a replay)");
    is_int(oa_replay_claim_jti("https://other-op", "j-1", t), OA_OK,
           "jti: the same jti from another issuer is another token");
    is_int(oa_replay_claim_jti("https://op", "j-2", t), OA_OK, "jti: another jti taken");
    is_int(oa_replay_jti_count(t), 3, "jti: three entries");
    is_int(oa_replay_count(t), 0, "jti: the states' table is apart");
    is_int(oa_replay_claim_jti("https://op", "j-1", t + OA_REPLAY_JTI_KEEP), OA_ERR_DENIED,
           "jti: still refused at the end of the time a token's iat allows");
    ok(OA_REPLAY_JTI_KEEP >= 300 + 2 * 60, "jti: kept for the age (300 s) plus the skew both ways");
    is_int(oa_replay_jti_count(t + OA_REPLAY_JTI_KEEP + 1), 0, "jti: then forgotten");
    is_int(oa_replay_claim_jti("https://op", "", t), OA_ERR_BAD_INPUT, "jti: empty refused");
    is_int(oa_replay_claim_jti("https://op", NULL, t), OA_ERR_BAD_INPUT, "jti: none refused");
    is_int(oa_replay_claim_jti(NULL, "j", t), OA_ERR_BAD_INPUT, "jti: no issuer refused");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    is_int(oa_replay_claim_jti("https://op", big, t), OA_ERR_BAD_INPUT,
           "jti: over 255 bytes refused");
    /* "a\0bc" vs "ab\0c": the separator keeps (iss, jti) pairs apart */
    is_int(oa_replay_claim_jti("a", "bc", t), OA_OK, "jti: (a, bc) taken");
    is_int(oa_replay_claim_jti("ab", "c", t), OA_OK, "jti: (ab, c) is another pair");
    oa_replay_reset(8);
    for (i = 0; i < 8; i++) {
        char j[16];
        snprintf(j, sizeof(j), "j%zu", i);
        if (oa_replay_claim_jti("https://op", j, t) != OA_OK)
            break;
    }
    is_int(i, 8, "jti: a table of 8 takes 8");
    is_int(oa_replay_claim_jti("https://op", "j-new", t), OA_ERR_BUSY,
           "jti: full: refused, never a live entry forgotten");
    is_int(oa_replay_claim_jti("https://op", "j0", t), OA_ERR_DENIED,
           "jti: ... and a replay of the oldest still refused");
    oa_replay_reset(0);
}

int main(void)
{
    test_once();
    test_full();
    test_threads();
    test_jti();
    return tap_done();
}
