/*
 * live.c - the generation in use and its swap (live.h says why a slot per
 * thread, a hazard pointer, rather than a shared reference count).
 *
 * Correctness: a thread publishes the generation it read in its slot, then
 * reads the current one again; only if both agree does it use it. The main
 * thread first makes the new generation current, then scans the slots. Both
 * sides use sequentially consistent atomics, so either the scan sees the
 * slot (the old generation waits) or the thread's second read sees the new
 * generation (it retries with that one): a generation is never freed while
 * a request uses it.
 */
#include <stdlib.h>
#include <string.h>

#include "live.h"

struct oa_gen *oa_gen_new(struct oa_config *cfg, const struct oa_http_ops *http)
{
    struct oa_gen *g = calloc(1, sizeof(*g));

    if (!g) {
        oa_config_free(cfg);
        return NULL;
    }
    g->cfg = cfg;
    if (oa_runtime_init(&g->rt, cfg, http) != OA_OK) {
        oa_gen_free(g);
        return NULL;
    }
    return g;
}

void oa_gen_free(struct oa_gen *g)
{
    if (!g)
        return;
    oa_runtime_free(&g->rt);
    oa_config_free(g->cfg);
    free(g);
}

enum oa_err oa_live_init(struct oa_live *live, struct oa_gen *first, size_t nslots)
{
    memset(live, 0, sizeof(*live));
    /* aligned_alloc wants a multiple of the alignment: the slot is one line */
    live->slot = aligned_alloc(alignof(struct oa_live_slot),
                               (nslots ? nslots : 1) * sizeof(struct oa_live_slot));
    if (!live->slot) {
        oa_gen_free(first);
        return OA_ERR_NOMEM;
    }
    live->nslots = nslots;
    for (size_t i = 0; i < nslots; i++)
        atomic_init(&live->slot[i].gen, NULL);
    atomic_init(&live->cur, first);
    return OA_OK;
}

void oa_live_free(struct oa_live *live)
{
    struct oa_gen *g, *next;

    if (!live)
        return;
    for (g = live->retired; g; g = next) {
        next = g->next;
        oa_gen_free(g);
    }
    oa_gen_free(atomic_load(&live->cur));
    free(live->slot);
    memset(live, 0, sizeof(*live));
}

struct oa_gen *oa_live_enter(struct oa_live *live, size_t i)
{
    _Atomic(struct oa_gen *) *slot = &live->slot[i].gen;
    struct oa_gen *g = atomic_load(&live->cur), *again;

    for (;;) {
        atomic_store(slot, g);
        again = atomic_load(&live->cur);
        if (again == g)
            return g;
        g = again; /* swapped meanwhile: the old one may already be freed */
    }
}

void oa_live_leave(struct oa_live *live, size_t i)
{
    atomic_store(&live->slot[i].gen, NULL);
}

struct oa_gen *oa_live_current(struct oa_live *live)
{
    return atomic_load(&live->cur);
}

void oa_live_swap(struct oa_live *live, struct oa_gen *g)
{
    struct oa_gen *old = atomic_exchange(&live->cur, g);

    old->next = live->retired;
    live->retired = old;
    oa_live_reap(live);
}

static int in_use(struct oa_live *live, const struct oa_gen *g)
{
    for (size_t i = 0; i < live->nslots; i++)
        if (atomic_load(&live->slot[i].gen) == g)
            return 1;
    return 0;
}

size_t oa_live_reap(struct oa_live *live)
{
    struct oa_gen **p = &live->retired, *g;
    size_t left = 0;

    while ((g = *p)) {
        if (in_use(live, g)) {
            p = &g->next;
            left++;
        } else {
            *p = g->next;
            oa_gen_free(g);
        }
    }
    return left;
}
