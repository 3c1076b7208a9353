/*
 * supervise.h - -w N: a master process that runs N worker processes on
 * one listening socket and restarts any that dies.
 */
#ifndef OA_SUPERVISE_H
#define OA_SUPERVISE_H

#include "oa/err.h"
#include "reload.h"
#include "sockpath.h"

/* Runs nworkers processes, each oa_server_run(rl, listen_fd, nthreads),
 * until SIGTERM/SIGINT (forwarded: the workers drain; the master closes
 * its copy of the socket at once and exits when they are gone) or SIGUSR2
 * (an upgrade: the new program passes --check-config, the workers drain,
 * and the master execs the new program in place on the same socket).
 * A worker that dies is restarted at once; one that keeps dying within
 * OA_CRASH_WINDOW_MS of its start is restarted with a growing delay.
 * SIGHUP is passed on to the workers, which reload themselves; the master
 * reloads too (on SIGHUP, and every OA_SERVER_TICK_MS when a file changed),
 * so that a worker it starts later has the config the others have.
 * rl and sp are borrowed. OA_OK when every worker stopped cleanly;
 * OA_ERR_NOMEM before any started, OA_ERR_INTERNAL when a worker did not
 * stop cleanly; err says which. */
enum oa_err oa_supervise_run(struct oa_reload *rl, int listen_fd, unsigned nworkers,
                             unsigned nthreads, const struct oa_sockpath *sp,
                             struct oa_error *err) OA_WUR;

#endif
