/*
 * decision.c - micro-benchmark of the whole authorizer decision for a valid
 * session cookie: Cookie header scan, base64url decode, XChaCha20-Poly1305
 * open, payload decode, path normalisation, access rules, and the 200 answer
 * with its Variable-* headers. Prints ns per call (median of runs) and heap
 * allocations per call (malloc is interposed and counted).
 *
 *   bench/decision [iterations-per-run] [runs]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fixture.h"

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

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 7;
    int64_t per[64];
    unsigned long a0;

#ifdef OA_COUNT_MALLOC_OFF
    fprintf(stderr, "decision: build without sanitizers to count allocations\n");
#endif

    if (iters < 1 || runs < 1 || runs > 64 || oa_fixture_init(&fx, (int64_t)time(NULL))) {
        fprintf(stderr, "decision: setup failed\n");
        return 1;
    }
    oa_response_init(&resp);
    if (oa_authorizer_answer(&fx.cfg, &fx.req, &resp) || resp.status != 200) {
        fprintf(stderr, "decision: the fixture is not allowed (status %d)\n", resp.status);
        return 1;
    }
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
    printf("decision: %ld runs x %ld calls: median %lld ns/call (min %lld, max %lld); "
           "%.3f heap allocations/call\n",
           runs, iters, (long long)per[runs / 2], (long long)per[0], (long long)per[runs - 1],
           (double)(oa_allocs - a0) / (double)(runs * iters));
    return 0;
}
