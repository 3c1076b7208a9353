/*
 * live.h - the config and run-time state requests are answered with, and
 * their swap on a reload (DESIGN.md section 10).
 *
 * A generation is one loaded config with the struct oa_runtime made for it
 * (a new config may add or drop providers, so each has its own caches). The
 * main thread of a process swaps in a new generation; a request in flight
 * keeps the one it started with until it is answered. Each serving thread
 * has a slot (a hazard pointer) naming the generation it uses: a swapped-out
 * generation is freed by the main thread once no slot names it. Entering
 * and leaving are two atomic stores and a load: no lock, no allocation, no
 * shared counter the threads would fight over.
 */
#ifndef OA_LIVE_H
#define OA_LIVE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/runtime.h"

struct oa_gen {
    struct oa_config *cfg; /* owned */
    struct oa_runtime rt;  /* owned, made for cfg */
    struct oa_gen *next;   /* the list of swapped-out generations */
};

/* One thread's slot, on a cache line of its own: each request writes it. */
struct oa_live_slot {
    alignas(64) _Atomic(struct oa_gen *) gen;
};

struct oa_live {
    _Atomic(struct oa_gen *) cur; /* owned: what a new request gets */
    struct oa_live_slot *slot;    /* owned, nslots */
    size_t nslots;
    struct oa_gen *retired; /* owned: swapped out, freed once no slot names them */
};

/* Makes a generation of cfg (taken: freed with the generation, also on
 * failure) with a runtime using http (NULL: libcurl). NULL when out of
 * memory. */
struct oa_gen *oa_gen_new(struct oa_config *cfg, const struct oa_http_ops *http);
/* Frees the runtime, then the config; NULL is ignored. */
void oa_gen_free(struct oa_gen *g);

/* Starts with first (taken) and nslots slots, all empty. OA_ERR_NOMEM
 * (first is freed). */
enum oa_err oa_live_init(struct oa_live *live, struct oa_gen *first, size_t nslots) OA_WUR;
/* Frees every generation. Only when no thread serves any more. */
void oa_live_free(struct oa_live *live);

/* The generation a request of the thread of slot i uses until
 * oa_live_leave: never freed before then. */
struct oa_gen *oa_live_enter(struct oa_live *live, size_t i);
void oa_live_leave(struct oa_live *live, size_t i);

/* The current generation, for the main thread (which alone swaps). */
struct oa_gen *oa_live_current(struct oa_live *live);
/* Makes g (taken) current; the one before is retired. Main thread only. */
void oa_live_swap(struct oa_live *live, struct oa_gen *g);
/* Frees the retired generations no slot names; returns how many are left
 * (waiting for requests in flight). Main thread only. */
size_t oa_live_reap(struct oa_live *live);

#endif
