/*
 * decision.c - micro-benchmark of the whole authorizer decision for a valid
 * session cookie: Cookie header scan, base64url decode, XChaCha20-Poly1305
 * open, payload decode, path normalisation, access rules, and the 200 answer
 * with its Variable-* headers. Prints ns per call (median of runs) and heap
 * allocations per call (malloc is interposed and counted).
 *
 *   bench/decision [-R N] [-J] [-b] [iterations-per-run] [runs]
 *
 * -J adds the signed identity (identity_token, DESIGN.md 16.2): the same
 * decisions timed without and with the token (cached: one session, as a
 * browser's page loads), their difference, and the uncached signature
 * (EdDSA and ES256: a new session, or 30 s before the token's exp).
 *
 * -R N loads N random revocations (src/gate/revocation.c) first, so the
 * decision's lookup probes a table of that size (a miss, as for almost
 * every request), prints the table's bytes per entry, and times the lookup
 * alone (oa_revoked with four random keys, a different identity each call
 * so the probes miss the cache as they would in a server).
 *
 * -b times a bearer token's decision instead (DESIGN.md section 16.1): an
 * RS256 JWT access token (about 900 bytes) whose identity the cache holds,
 * so the decision is the keyed BLAKE2b of the token, the cache read and the
 * rules; first it prints the cost of a cache miss (the RS256 verification,
 * claims and identity: oa_bearer_verify) for comparison.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjose/cjose.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fixture.h"
#include "oa/bearer.h"
#include "oa/identity_token.h"
#include "oa/jwt.h"
#include "oa/revocation.h"
#include "oa/sign_key.h"

#include "count_malloc.h" /* counts every heap allocation */

static struct oa_fixture fx;
static struct oa_response resp;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Pseudo-random bytes from a fixed seed (splitmix64): every run loads the
 * same table and probes the same keys, so two runs of different lengths
 * differ by the decisions alone (bench/callgrind.sh subtracts them). */
static uint64_t prng_state = 0x0a2f5e0d1c3b4a59ull;
static void prng_bytes(unsigned char *out, size_t n)
{
    while (n) {
        uint64_t z = (prng_state += 0x9e3779b97f4a7c15ull);
        size_t k = n < 8 ? n : 8;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        memcpy(out, &z, k);
        out += k;
        n -= k;
    }
}

/* N random entries (cutoff: all sessions) into the list; 0 or -1. */
static int load_revocations(long n)
{
    struct oa_rev_entry e;
    size_t entries, bytes;

    for (long i = 0; i < n; i++) {
        prng_bytes(e.key, sizeof(e.key));
        e.cutoff = INT64_MAX;
        e.expiry = INT64_MAX;
        if (oa_revocation_add(&e) != OA_OK)
            return -1;
    }
    oa_revocation_stats(&entries, &bytes);
    printf("revocations: %zu entries, %zu bytes (%.1f bytes/entry)\n", entries, bytes,
           entries ? (double)bytes / (double)entries : 0.0);
    return 0;
}

/* The lookup alone: ns per oa_revoked for identities with four random
 * (absent) keys, 64 Ki of them cycled so the table's lines are cold. */
static void time_lookup(long n)
{
    enum { IDS = 1 << 16 };
    static struct oa_identity ids[IDS];
    long calls = 4000000, hits = 0;
    int64_t t0;

    for (int i = 0; i < IDS; i++) {
        prng_bytes(ids[i].sid, 16);
        prng_bytes(ids[i].user_key, 16);
        prng_bytes(ids[i].email_key, 16);
        prng_bytes(ids[i].psid_key, 16);
    }
    t0 = now_ns();
    for (long i = 0; i < calls; i++)
        hits += oa_revoked(&ids[i & (IDS - 1)]);
    printf("lookup: %.1f ns per oa_revoked (4 keys, misses) with %ld entries (%ld hits)\n",
           (double)(now_ns() - t0) / (double)calls, n, hits);
}

#define BEARER_ISS "https://idp.example.com"
static char bearer_header[8192];

/* The fixture's provider takes bearer tokens; fx.req carries one (signed
 * here with a new RS256 key, published as the refresh thread would). */
static int bearer_setup(int64_t now)
{
    static const uint8_t e65537[] = {1, 0, 1};
    static char *auds[] = {(char *)"https://api.example.com"};
    cjose_jwk_t *k = cjose_jwk_create_RSA_random(2048, e65537, 3, NULL);
    cjose_header_t *h = cjose_header_new(NULL);
    struct oa_bearer_entry *e = malloc(sizeof(*e));
    struct oa_jwks *jwks = NULL;
    struct oa_error err;
    char claims[1024], doc[4096], *pub;
    const char *tok;
    cjose_jws_t *jws;
    int64_t t0;
    int n = 200;

    if (!k || !h || !e || !cjose_jwk_set_kid(k, "bench-1", 7, NULL) ||
        !(pub = cjose_jwk_to_json(k, false, NULL)))
        return -1;
    snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", pub);
    free(pub);
    if (oa_jwks_parse(&jwks, doc, strlen(doc), &err) ||
        oa_bearer_keys_publish(BEARER_ISS, jwks, NULL, now))
        return -1;
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" BEARER_ISS "\",\"aud\":\"https://api.example.com\","
             "\"sub\":\"248289761001\",\"client_id\":\"reports-cli\",\"iat\":%lld,"
             "\"exp\":%lld,\"jti\":\"mXq2Pz7b0cRk3LwE9vTfYh\",\"scope\":\"read write\","
             "\"email\":\"alice@example.com\",\"email_verified\":true,\"name\":\"Alice "
             "Example\",\"groups\":[\"staff\",\"ops\",\"eng\"]}",
             (long long)now, (long long)now + 3600);
    cjose_header_set(h, CJOSE_HDR_ALG, "RS256", NULL);
    cjose_header_set(h, CJOSE_HDR_KID, "bench-1", NULL);
    jws = cjose_jws_sign(k, h, (const uint8_t *)claims, strlen(claims), NULL);
    if (!jws || !cjose_jws_export(jws, &tok, NULL))
        return -1;
    snprintf(bearer_header, sizeof(bearer_header), "Bearer %s", tok);
    fx.prov.issuer = (char *)BEARER_ISS;
    fx.prov.api_audiences.v = auds;
    fx.prov.api_audiences.n = 1;
    fx.req.authorization = bearer_header;
    fx.req.cookie = NULL;
    oa_bearer_set_verifier(oa_bearer_verify);
    t0 = now_ns();
    for (int i = 0; i < n; i++)
        if (oa_bearer_verify(e, &fx.cfg, tok, strlen(tok), now, &err) != OA_OK) {
            fprintf(stderr, "decision: the bearer token does not verify: %s\n", err.msg);
            return -1;
        }
    printf("bearer: a %zu-byte RS256 token; a cache miss (verify, claims, identity): %.1f us\n",
           strlen(tok), (double)(now_ns() - t0) / n / 1000.0);
    cjose_jws_release(jws);
    cjose_header_release(h);
    cjose_jwk_release(k);
    free(e);
    return 0;
}

/* A key of that alg (a new one) as the config's identity_token; 0 or -1. */
static int identity_key(struct oa_sign_keys *ks, const char *type)
{
    EVP_PKEY *k = !strcmp(type, "EC") ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                      : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *b = BIO_new(BIO_s_mem());
    struct oa_error err;
    char *pem;
    long n;
    int rc = -1;

    if (k && b && PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 &&
        (n = BIO_get_mem_data(b, &pem)) > 0 &&
        oa_sign_keys_parse(ks, pem, (size_t)n, type, &err) == OA_OK)
        rc = 0;
    BIO_free(b);
    EVP_PKEY_free(k);
    fx.cfg.identity_token.keys = ks;
    fx.cfg.identity_token.lifetime = 120;
    return rc;
}

/* ns per token made (no cache): the miss of a new session. */
static double time_signing(const struct oa_identity *id, long calls)
{
    static char tok[OA_IDTOKEN_MAX];
    int64_t exp, t0 = now_ns();

    for (long i = 0; i < calls; i++)
        if (oa_identity_token_make(tok, sizeof(tok), &fx.cfg, id, "app.example.com", fx.req.now,
                                   &exp) != OA_OK)
            return -1;
    return (double)(now_ns() - t0) / (double)calls;
}

/* One batch of iters decisions; ns per call. */
static int64_t batch(long iters)
{
    int64_t t0 = now_ns();

    for (long i = 0; i < iters; i++) {
        oa_response_init(&resp);
        (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
    }
    return (now_ns() - t0) / iters;
}

/* -J: the decision without and with the token (cached), batches taken in
 * turn so that the machine's drift falls on both; and the signatures. */
static int identity_token_mode(long iters, long runs, int64_t *per)
{
    static struct oa_sign_keys ed, ec;
    struct oa_identity id = {.provider = "corp",
                             .subject = "248289761001",
                             .username = "alice",
                             .email = "alice@example.com",
                             .name = "Alice Example",
                             .groups = "staff,ops,eng",
                             .workspaces = "argilla",
                             .roles = "",
                             .iat = fx.req.now,
                             .exp = fx.req.now + 3600};
    int64_t off[64], on[64];
    unsigned long a0;

    if (identity_key(&ed, "ED25519"))
        return -1;
    oa_response_init(&resp);
    if (oa_authorizer_answer(&fx.cfg, &fx.req, &resp) ||
        !oa_response_get(&resp, "Variable-OAUTH2_JWT")) {
        fprintf(stderr, "decision: no Variable-OAUTH2_JWT\n");
        return -1;
    }
    printf("identity token: %zu bytes (EdDSA)\n",
           strlen(oa_response_get(&resp, "Variable-OAUTH2_JWT")));
    a0 = oa_allocs;
    for (long r = 0; r < runs; r++) {
        fx.cfg.identity_token.keys = NULL;
        off[r] = batch(iters);
        fx.cfg.identity_token.keys = &ed;
        on[r] = batch(iters);
        per[r] = on[r] - off[r];
    }
    qsort(off, (size_t)runs, sizeof(off[0]), cmp_i64);
    qsort(on, (size_t)runs, sizeof(on[0]), cmp_i64);
    qsort(per, (size_t)runs, sizeof(per[0]), cmp_i64);
    printf("decision without the token: median %lld ns/call (min %lld)\n", (long long)off[runs / 2],
           (long long)off[0]);
    printf("decision with the token (cached): median %lld ns/call (min %lld); "
           "%.3f heap allocations/call (both)\n",
           (long long)on[runs / 2], (long long)on[0],
           (double)(oa_allocs - a0) / (double)(2 * runs * iters));
    printf("the token adds (cached): median %lld ns/call over %ld pairs of runs (min-min %lld)\n",
           (long long)per[runs / 2], runs, (long long)(on[0] - off[0]));
    printf("token signed (uncached): EdDSA %.0f ns", time_signing(&id, 20000));
    if (identity_key(&ec, "EC"))
        return -1;
    printf(", ES256 %.0f ns\n", time_signing(&id, 5000));
    return 0;
}

int main(int argc, char **argv)
{
    long nrev = 0;
    long iters, runs;
    int64_t per[64];
    unsigned long a0;
    bool bearer = false, idtoken = false;

    for (;;) {
        if (argc > 2 && !strcmp(argv[1], "-R")) {
            nrev = strtol(argv[2], NULL, 10);
            argc -= 2;
            argv += 2;
        } else if (argc > 1 && !strcmp(argv[1], "-J")) {
            idtoken = true;
            argc--;
            argv++;
        } else if (argc > 1 && !strcmp(argv[1], "-b")) {
            bearer = true;
            argc--;
            argv++;
        } else {
            break;
        }
    }
    iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    runs = argc > 2 ? strtol(argv[2], NULL, 10) : 7;

#ifdef OA_COUNT_MALLOC_OFF
    fprintf(stderr, "decision: build without sanitizers to count allocations\n");
#endif

    if (iters < 1 || runs < 1 || runs > 64 || oa_fixture_init(&fx, (int64_t)time(NULL))) {
        fprintf(stderr, "decision: setup failed\n");
        return 1;
    }
    if (nrev < 0 || (nrev && load_revocations(nrev))) {
        fprintf(stderr, "decision: cannot load %ld revocations\n", nrev);
        return 1;
    }
    if (nrev)
        time_lookup(nrev);
    if (bearer && bearer_setup((int64_t)time(NULL))) {
        fprintf(stderr, "decision: bearer set-up failed\n");
        return 1;
    }
    oa_response_init(&resp);
    if (oa_authorizer_answer(&fx.cfg, &fx.req, &resp) || resp.status != 200) {
        fprintf(stderr, "decision: the fixture is not allowed (status %d)\n", resp.status);
        return 1;
    }
    if (idtoken)
        return identity_token_mode(iters, runs, per) ? 1 : 0;
    a0 = oa_allocs;
    for (long r = 0; r < runs; r++) {
        int64_t t0 = now_ns();
        for (long i = 0; i < iters; i++) {
            oa_response_init(&resp);
            (void)oa_authorizer_answer(&fx.cfg, &fx.req, &resp);
        }
        per[r] = (now_ns() - t0) / iters;
    }
    qsort(per, (size_t)runs, sizeof(per[0]), cmp_i64);
    printf("decision%s: %ld runs x %ld calls: median %lld ns/call (min %lld, max %lld); "
           "%.3f heap allocations/call\n",
           bearer ? " (bearer, cached)" : "", runs, iters, (long long)per[runs / 2],
           (long long)per[0], (long long)per[runs - 1],
           (double)(oa_allocs - a0) / (double)(runs * iters));
    return 0;
}
