/*
 * server.h - the FastCGI accept loop: N threads, each with its own
 * FCGX_Request, and a graceful stop on SIGTERM/SIGINT.
 */
#ifndef OA_SERVER_H
#define OA_SERVER_H

#include "oa/config.h"

/* Installs the handlers: SIGTERM/SIGINT ask for a stop, SIGUSR1 wakes a
 * thread out of accept(), SIGPIPE is ignored. Call before FCGX_Init (which
 * then leaves them alone). */
void oa_server_signals(void);

/* Serves requests on listen_fd (0: the inherited socket) with nthreads
 * threads until SIGTERM or SIGINT, then finishes the requests in hand.
 * cfg is borrowed and must outlive the call. Returns the exit code: 0 after
 * a stop, 1 when the threads could not run or accept failed for good. */
int oa_server_run(const struct oa_config *cfg, int listen_fd, unsigned nthreads);

#endif
