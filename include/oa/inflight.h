/*
 * inflight.h - the cap on requests that talk to an identity provider at
 * once (the sign-in path must not starve the gate).
 *
 * A request that may wait on a provider (login, callback, logout's
 * discovery) takes a slot before its first provider call or provider-cache
 * lock and gives it back when it ends. There are fewer slots than threads,
 * so however slow a provider is, some thread is always free for the
 * authorizer. Taking a slot never waits: over the cap the request is
 * refused at once (503 with Retry-After), never queued.
 */
#ifndef OA_INFLIGHT_H
#define OA_INFLIGHT_H

#include <stdbool.h>

/* Seconds a refused client is told to wait (Retry-After). */
#define OA_INFLIGHT_RETRY_AFTER 5

/* Sets the number of slots; 0 means no cap (the default: plain CGI, one
 * request per process, and the unit tests). Call before the threads start. */
void oa_inflight_set_cap(unsigned cap);

/* The cap for a process of `threads` threads: max(1, threads / 2), so with
 * two threads or more at least one is never in a provider call. */
unsigned oa_inflight_cap_for(unsigned threads);

/* Takes a slot without waiting. True when taken (give it back with
 * oa_inflight_leave), false when all slots are in use. Thread-safe,
 * lock-free. */
bool oa_inflight_enter(void);

/* Gives back a slot taken by oa_inflight_enter. */
void oa_inflight_leave(void);

/* Slots in use now (for tests and the log). */
unsigned oa_inflight_now(void);

#endif
