/*
 * jwks_refresh.h - the thread that keeps the bearer tokens' keys (bearer.h,
 * DESIGN.md section 16.1): each provider with api_audiences has its JWKS
 * fetched at start, again when Cache-Control max-age (within bounds) runs
 * out, with a back-off after failures, and soon after a token named an
 * unknown kid (at most every OA_BEARER_REFETCH_MIN s). The decision only
 * reads what this thread published: it never waits on the network.
 */
#ifndef OA_JWKS_REFRESH_H
#define OA_JWKS_REFRESH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "live.h"

struct oa_jwks_refresh {
    struct oa_live *live; /* borrowed: the config the keys are for */
    size_t slot;          /* the thread's slot in live */
    pthread_t tid;
    pthread_mutex_t lock; /* with wake: a prompt stop */
    pthread_cond_t wake;
    atomic_int stop;
    bool kicked; /* under lock: look at the config again now */
    bool running;
};

/* Starts the thread on live's slot. A failure to start is logged (bearer
 * tokens are then refused: no keys). */
void oa_jwks_refresh_start(struct oa_jwks_refresh *j, struct oa_live *live, size_t slot);
/* After a reload: the thread looks at the new config now (a config
 * without api_audiences lets it sleep, see jwks_refresh.c). */
void oa_jwks_refresh_kick(struct oa_jwks_refresh *j);
/* Stops and joins it (a fetch in flight ends within http.timeout). */
void oa_jwks_refresh_stop(struct oa_jwks_refresh *j);

#endif
