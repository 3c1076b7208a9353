/*
 * metrics.c - the counters (include/oa/metrics.h, DESIGN.md section 13).
 *
 * Relaxed atomic adds into the block the edge chose: no lock and no
 * allocation, so the authorizer's allow path stays as it was but for one
 * locked add. The order between counters does not matter to a scrape.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "oa/metrics.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free to be shared");
_Static_assert(sizeof(oa_mx_counter) == sizeof(uint64_t), "a counter is a plain word");

/* 5 ms .. 10 s, Prometheus's default buckets. */
const uint64_t oa_metrics_bucket_us[OA_MX_BUCKETS] = {
    5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

static struct oa_metrics_block own = {.magic = OA_METRICS_MAGIC,
                                      .layout = OA_METRICS_LAYOUT,
                                      .size = sizeof(struct oa_metrics_block)};
static struct oa_metrics_block *cur = &own;

void oa_metrics_block_init(struct oa_metrics_block *b)
{
    memset(b, 0, sizeof(*b));
    memcpy(b->magic, OA_METRICS_MAGIC, sizeof(b->magic));
    b->layout = OA_METRICS_LAYOUT;
    b->size = sizeof(*b);
}

bool oa_metrics_block_valid(const struct oa_metrics_block *b)
{
    return memcmp(b->magic, OA_METRICS_MAGIC, sizeof(b->magic)) == 0 &&
           b->layout == OA_METRICS_LAYOUT && b->size == sizeof(*b);
}

void oa_metrics_use(struct oa_metrics_block *b)
{
    cur = b ? b : &own;
}

struct oa_metrics_block *oa_metrics_block(void)
{
    return cur;
}

static void add(oa_mx_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void oa_metrics_decision(enum oa_metrics_outcome o, size_t rule_slot)
{
    if ((unsigned)o >= OA_MX_OUTCOMES)
        return;
    add(&cur->decisions[o][rule_slot < OA_MX_RULE_SLOTS ? rule_slot : OA_MX_RULE_OTHER], 1);
}

static size_t provider_slot(size_t provider)
{
    return provider < OA_MX_PROVIDERS ? provider : OA_MX_PROVIDERS;
}

void oa_metrics_signin_start(size_t provider)
{
    add(&cur->signin_starts[provider_slot(provider)], 1);
}

void oa_metrics_signin(size_t provider, enum oa_metrics_cause c)
{
    if ((unsigned)c >= OA_MX_CAUSES)
        c = OA_MX_CAUSE_OTHER;
    add(&cur->signins[provider_slot(provider)][c], 1);
}

void oa_metrics_call(size_t provider, enum oa_metrics_call kind, uint64_t us)
{
    struct oa_metrics_hist *h;
    size_t i = 0;

    if ((unsigned)kind >= OA_MX_CALLS)
        return;
    h = &cur->calls[provider_slot(provider)][kind];
    while (i < OA_MX_BUCKETS && us > oa_metrics_bucket_us[i])
        i++;
    add(&h->bucket[i], 1);
    add(&h->sum_us, us);
}

void oa_metrics_refresh(size_t provider, enum oa_metrics_refresh result)
{
    if ((unsigned)result < OA_MX_REFRESH_RESULTS)
        add(&cur->refreshes[provider_slot(provider)][result], 1);
}

void oa_metrics_revocation(enum oa_metrics_revocation source)
{
    if ((unsigned)source < OA_MX_REV_SOURCES)
        add(&cur->revocations[source], 1);
}

uint64_t oa_metrics_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
