/* test_inflight.c - the cap on concurrent provider calls (src/flow/inflight.c):
 * the cap for a thread count, taking and giving back, never over the cap,
 * never below zero, and under real threads racing for the slots. */
#include <pthread.h>
#include <stdatomic.h>

#include "oa/inflight.h"
#include "tap.h"

#define RACERS 8
#define ROUNDS 20000

static atomic_uint inside, worst;

static void *racer(void *arg)
{
    unsigned i, now, w;

    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        if (!oa_inflight_enter())
            continue;
        now = atomic_fetch_add(&inside, 1) + 1;
        w = atomic_load(&worst);
        while (now > w && !atomic_compare_exchange_weak(&worst, &w, now))
            ;
        atomic_fetch_sub(&inside, 1);
        oa_inflight_leave();
    }
    return NULL;
}

static void test_cap_for(void)
{
    is_int(oa_inflight_cap_for(1), 1, "-t 1: cap 1 (nothing to spare)");
    is_int(oa_inflight_cap_for(2), 1, "-t 2: cap 1, one thread always free");
    is_int(oa_inflight_cap_for(3), 1, "-t 3: cap 1");
    is_int(oa_inflight_cap_for(4), 2, "-t 4 (the default): cap 2");
    is_int(oa_inflight_cap_for(256), 128, "-t 256: cap 128");
    ok(oa_inflight_cap_for(2) < 2 && oa_inflight_cap_for(9) < 9 && oa_inflight_cap_for(100) < 100,
       "below the thread count whenever there are two threads or more");
}

static void test_enter_leave(void)
{
    oa_inflight_set_cap(0);
    ok(oa_inflight_enter() && oa_inflight_enter() && oa_inflight_enter(), "no cap: always enters");
    oa_inflight_leave();
    oa_inflight_leave();
    oa_inflight_leave();
    is_int(oa_inflight_now(), 0, "all given back");

    oa_inflight_set_cap(2);
    ok(oa_inflight_enter(), "cap 2: first slot");
    ok(oa_inflight_enter(), "cap 2: second slot");
    ok(!oa_inflight_enter(), "cap 2: a third is refused at once (never waits)");
    is_int(oa_inflight_now(), 2, "two in use");
    oa_inflight_leave();
    ok(oa_inflight_enter(), "a slot given back can be taken again");
    oa_inflight_leave();
    oa_inflight_leave();
    is_int(oa_inflight_now(), 0, "none in use");
    oa_inflight_leave();
    is_int(oa_inflight_now(), 0, "an extra leave does not go below zero");
    ok(oa_inflight_enter() && oa_inflight_enter() && !oa_inflight_enter(),
       "... and the cap still holds after it");
    oa_inflight_leave();
    oa_inflight_leave();
}

static void test_threads(void)
{
    pthread_t t[RACERS];
    int i, started = 0;

    oa_inflight_set_cap(3);
    for (i = 0; i < RACERS; i++)
        started += pthread_create(&t[i], NULL, racer, NULL) == 0;
    is_int(started, RACERS, "%d threads race for 3 slots", RACERS);
    for (i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    ok(atomic_load(&worst) >= 1 && atomic_load(&worst) <= 3,
       "never more than 3 inside at once (worst seen: %u)", atomic_load(&worst));
    is_int(oa_inflight_now(), 0, "every slot given back");
    oa_inflight_set_cap(0);
}

int main(void)
{
    test_cap_for();
    test_enter_leave();
    test_threads();
    return tap_done();
}
