/* test_live.c - the generation swap of a reload (fcgi/live.c): a request
 * keeps the generation it entered with until it leaves, a swapped-out
 * generation is freed only when no slot names it, and threads entering
 * and leaving while the main thread swaps never see a freed one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "tap.h"

/* A generation whose config's base_path names it, so a reader can tell
 * which one it has (and ASan, in a --enable-sanitizers build, any reader
 * of a freed one). */
static struct oa_gen *gen_named(const char *name)
{
    char yaml[256];
    struct oa_config *cfg = NULL;
    struct oa_error err;

    snprintf(yaml, sizeof(yaml),
             "providers:\n  - name: corp\n    client_id: c\n    client_secret: s\n"
             "    authorize_url: https://idp.example/a\n    token_url: https://idp.example/t\n"
             "    userinfo_url: https://idp.example/u\nbase_path: /%s\n",
             name);
    if (oa_config_load_string(&cfg, "test.yml", yaml, strlen(yaml), &err) != OA_OK) {
        fprintf(stderr, "# %s:%u:%u: %s\n", err.file, err.line, err.col, err.msg);
        return NULL;
    }
    return oa_gen_new(cfg, NULL);
}

static void test_swap_waits_for_the_request(void)
{
    struct oa_live live;
    struct oa_gen *a = gen_named("a"), *b = gen_named("b"), *g;

    ok(a && b, "two generations made");
    ok(oa_live_init(&live, a, 2) == OA_OK, "live with 2 slots");
    g = oa_live_enter(&live, 0);
    ok(g == a, "a request enters with the current generation");
    oa_live_swap(&live, b);
    ok(oa_live_current(&live) == b, "after the swap b is current");
    is_str(g->cfg->base_path, "/a", "the request in flight still reads its own config");
    ok(oa_live_enter(&live, 1) == b, "a new request (another thread) enters with b");
    ok(oa_live_reap(&live) == 1, "a is kept while the first request uses it");
    oa_live_leave(&live, 0);
    ok(oa_live_reap(&live) == 0, "a is freed once that request left");
    oa_live_leave(&live, 1);
    ok(oa_live_reap(&live) == 0, "the current generation is never retired");
    is_str(oa_live_current(&live)->cfg->base_path, "/b", "b still current");
    oa_live_free(&live);
}

static void test_many_retired(void)
{
    struct oa_live live;
    struct oa_gen *g;

    ok(oa_live_init(&live, gen_named("g0"), 3) == OA_OK, "live with 3 slots");
    oa_live_enter(&live, 0); /* holds g0 */
    oa_live_swap(&live, gen_named("g1"));
    oa_live_enter(&live, 1); /* holds g1 */
    oa_live_swap(&live, gen_named("g2"));
    g = oa_live_enter(&live, 2); /* holds g2 (current) */
    oa_live_swap(&live, gen_named("g3"));
    ok(oa_live_reap(&live) == 3, "three swapped-out generations wait for their requests");
    oa_live_leave(&live, 1);
    ok(oa_live_reap(&live) == 2, "the middle one goes when its request left");
    is_str(g->cfg->base_path, "/g2", "the others are intact");
    oa_live_leave(&live, 0);
    oa_live_leave(&live, 2);
    ok(oa_live_reap(&live) == 0, "all freed once no request holds them");
    is_str(oa_live_current(&live)->cfg->base_path, "/g3", "g3 is current");
    oa_live_free(&live); /* frees also what a test left retired */
}

#define NTHREADS 4
#define NSWAPS 200

static struct oa_live shared;
static atomic_int stop;
static atomic_long bad, served;

static void *reader(void *arg)
{
    size_t slot = (size_t)(uintptr_t)arg;

    while (!atomic_load(&stop)) {
        struct oa_gen *g = oa_live_enter(&shared, slot);
        /* a freed generation's config would not read /gN */
        if (!g->cfg || strncmp(g->cfg->base_path, "/g", 2) != 0)
            atomic_fetch_add(&bad, 1);
        atomic_fetch_add(&served, 1);
        oa_live_leave(&shared, slot);
    }
    return NULL;
}

static void test_concurrent_swaps(void)
{
    pthread_t t[NTHREADS];
    char name[16];
    int i, started = 0;

    ok(oa_live_init(&shared, gen_named("g0"), NTHREADS) == OA_OK, "shared live");
    for (i = 0; i < NTHREADS; i++)
        started += pthread_create(&t[i], NULL, reader, (void *)(uintptr_t)i) == 0;
    ok(started == NTHREADS, "%d reader threads", NTHREADS);
    for (i = 1; i <= NSWAPS; i++) {
        long seen = atomic_load(&served);
        snprintf(name, sizeof(name), "g%d", i);
        oa_live_swap(&shared, gen_named(name));
        /* a busy machine may not run the readers at all meanwhile: wait
         * for a few entries after each swap, so that they interleave */
        while (started && atomic_load(&served) < seen + 3 * NTHREADS)
            sched_yield();
    }
    atomic_store(&stop, 1);
    for (i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    ok(atomic_load(&served) > 0, "the readers entered %ld times", atomic_load(&served));
    ok(atomic_load(&bad) == 0, "no reader saw a freed or foreign generation");
    ok(oa_live_reap(&shared) == 0, "every swapped-out generation freed once the readers left");
    is_str(oa_live_current(&shared)->cfg->base_path, "/g200", "the last one is current");
    oa_live_free(&shared);
}

int main(void)
{
    test_swap_waits_for_the_request();
    test_many_retired();
    test_concurrent_swaps();
    return tap_done();
}
