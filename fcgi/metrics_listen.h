/*
 * metrics_listen.h - the metrics listener of metrics.listen (DESIGN.md
 * section 10): a thread that answers GET /metrics over plain HTTP.
 */
#ifndef OA_METRICS_LISTEN_H
#define OA_METRICS_LISTEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "live.h"

struct oa_metrics_listener {
    struct oa_live *live; /* borrowed: the config each scrape reads */
    size_t slot;          /* the thread's slot in live */
    pthread_t tid;
    atomic_int stop;
    bool running;
};

/* Starts the thread when metrics.listen is set (else does nothing). It
 * binds the address, or, while another process of the set-up holds it,
 * tries again every OA_METRICS_RETRY_MS: one process serves, any other
 * takes over when it ends; they all show the same shared counters. */
void oa_metrics_listener_start(struct oa_metrics_listener *l, struct oa_live *live, size_t slot);
/* Stops and joins the thread (closing its socket); nothing when not started. */
void oa_metrics_listener_stop(struct oa_metrics_listener *l);

#define OA_METRICS_RETRY_MS 2000

#endif
