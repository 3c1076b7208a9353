/*
 * store.h - where the revocation list is shared (DESIGN.md section 14):
 * session.revocation_file for the processes of one host, session.store
 * (redis://HOST:PORT/DB) for several hosts. The edge does all of the I/O;
 * the core only reads and adds to the in-memory list (oa/revocation.h).
 */
#ifndef OA_STORE_H
#define OA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "oa/buf.h"
#include "oa/config.h"
#include "oa/err.h"
#include "oa/revocation.h"

/* Loads the list from the configured stores into memory and sets the
 * core's writer (oa_revocation_set_store). A file that cannot be read or
 * parsed at start is a config error (FILE:LINE): the process never starts
 * with a list it could not read. Redis is not waited for (its thread
 * loads it). Call once per serving process, before its threads. */
enum oa_err oa_store_start(const struct oa_config *cfg, struct oa_error *err) OA_WUR;
/* Starts this process's store thread (session.store: Redis; the file has
 * none). oa_server_run calls it before its threads, so that each -w
 * worker (threads do not survive a fork) follows Redis itself. A failure
 * is logged; the process serves with the list it has. */
void oa_store_threads(void);
/* A process that serves one request (CGI): reads Redis once, now. */
void oa_store_load_once(void);
/* The main thread's tick (every OA_SERVER_TICK_MS with a revocation file,
 * see oa_store_polled; at least every OA_SERVER_QUIET_TICK_MS without):
 * reads what the file gained since; purges expired entries now and then. */
void oa_store_tick(int64_t now);
/* True when the tick must come often: a revocation file is followed by
 * reading it (the other processes' revocations take effect within a tick). */
bool oa_store_polled(void);
/* Stops the Redis thread; the list stays in memory. */
void oa_store_stop(void);
/* Writes e to the configured stores (not the in-memory list: oa_revoke
 * does that). --revoke calls it directly. OA_ERR_IO with err on failure. */
enum oa_err oa_store_write(const struct oa_config *cfg, const struct oa_rev_entry *e,
                           struct oa_error *err) OA_WUR;
/* One line for /health and --check-config: "revocations: N (B bytes);
 * store: ..." ; false when the store was never loaded (/health is 503). */
bool oa_store_status(struct oa_buf *b);

#endif
