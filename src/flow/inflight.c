/*
 * inflight.c - the cap on concurrent provider calls: one atomic counter.
 *
 * Why a counter and not a semaphore: a request over the cap must be
 * refused at once, never wait (a waiting thread is a thread the authorizer
 * cannot have), so only "take if below the cap" is needed, and a
 * compare-and-swap loop does that without a lock. The cap is read relaxed:
 * it is set once before the threads start.
 */
#include <stdatomic.h>

#include "oa/inflight.h"

static atomic_uint cap_slots;  /* 0: no cap */
static atomic_uint used_slots; /* slots taken now */

void oa_inflight_set_cap(unsigned cap)
{
    atomic_store(&cap_slots, cap);
}

unsigned oa_inflight_cap_for(unsigned threads)
{
    return threads / 2 > 0 ? threads / 2 : 1;
}

bool oa_inflight_enter(void)
{
    unsigned cap = atomic_load_explicit(&cap_slots, memory_order_relaxed);
    unsigned cur = atomic_load(&used_slots);

    do {
        if (cap && cur >= cap)
            return false;
    } while (!atomic_compare_exchange_weak(&used_slots, &cur, cur + 1));
    return true;
}

void oa_inflight_leave(void)
{
    unsigned cur = atomic_load(&used_slots);

    /* never below zero, even on a caller's bug */
    while (cur > 0 && !atomic_compare_exchange_weak(&used_slots, &cur, cur - 1))
        ;
}

unsigned oa_inflight_now(void)
{
    return atomic_load(&used_slots);
}
