/*
 * server.h - the FastCGI accept loop: N threads, each with its own
 * FCGX_Request, and a graceful stop on SIGTERM/SIGINT.
 */
#ifndef OA_SERVER_H
#define OA_SERVER_H

#include <stdbool.h>

#include "reload.h"

/* Installs the handlers: SIGTERM/SIGINT ask for a stop, SIGUSR1 wakes a
 * thread out of accept(), SIGPIPE is ignored. Call before FCGX_Init (which
 * then leaves them alone). */
void oa_server_signals(void);

/* Unblocks the signals above (an upgrade's exec leaves them blocked). */
void oa_server_signals_unblock(void);

#define OA_SERVER_TICK_MS 250 /* how often the main thread runs the watch */
/* how often an idle main thread looks when inotify watches the files */
#define OA_SERVER_QUIET_TICK_MS 5000
#define OA_SERVER_UPGRADE 3 /* oa_server_run: drained for an upgrade */

/* What the caller adds to the loop; every field may be 0. */
struct oa_server_hooks {
    /* Run every OA_SERVER_TICK_MS by the main thread (a watch keeps the
     * tick: no quiet sleep); true: stop as on
     * SIGTERM (it logs why). */
    bool (*watch)(void *arg);
    void *arg;   /* borrowed, passed to watch */
    int upgrade; /* SIGUSR2 drains and returns OA_SERVER_UPGRADE; else it is
                    logged and ignored (a worker under a supervisor) */
};

/* Serves requests on listen_fd (0: the inherited socket) with nthreads
 * threads (at most rl->live->nslots) until SIGTERM or SIGINT, then finishes
 * the requests in hand and closes listen_fd. Each request is answered with
 * rl->live's current config and runtime; SIGHUP or a changed file reloads
 * them (reload.h). rl and hooks (may be NULL) are borrowed. Returns the
 * exit code: 0 after a stop, 1 when the threads could not run or accept
 * failed for good; OA_SERVER_UPGRADE after SIGUSR2 (the new program passed
 * --check-config), with listen_fd still open and no thread left. */
int oa_server_run(struct oa_reload *rl, int listen_fd, unsigned nthreads,
                  const struct oa_server_hooks *hooks);

#endif
