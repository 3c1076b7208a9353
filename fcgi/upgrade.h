/*
 * upgrade.h - replacing the running program with a new binary on the same
 * listening socket (SIGUSR2), for set-ups where nothing else holds the
 * socket (spawn-fcgi, -s, -b): the process execs the program file it was
 * started from, with the same arguments, in place (same pid, so
 * spawn-fcgi's pid file, lighttpd and systemd keep tracking it), and the
 * socket stays open throughout, so the kernel queues connections meanwhile
 * and none is refused.
 */
#ifndef OA_UPGRADE_H
#define OA_UPGRADE_H

#include <stddef.h>

#include "oa/err.h"

/* Environment variable naming the inherited listening fd after an upgrade. */
#define OA_UPGRADE_ENV "OAUTH2_FCGI_LISTEN_FD"

/* Remembers argv (borrowed: lives as long as main's) and the program's
 * path. Call once at start. */
void oa_upgrade_init(int argc, char **argv);

/* Runs the program file with the same arguments and --check-config: OA_OK
 * when it passes (logged), OA_ERR_CONFIG when it fails, OA_ERR_IO when it
 * cannot run; err says why ("upgrade refused: ..."), for the caller's log. */
enum oa_err oa_upgrade_check(struct oa_error *err) OA_WUR;

/* Execs the program with listen_fd as fd 0 and OA_UPGRADE_ENV set. Signals
 * stay blocked across the exec (the new image unblocks them). Returns only
 * on failure: OA_ERR_IO or OA_ERR_NOMEM, err says why ("upgrade failed: ..."). */
enum oa_err oa_upgrade_exec(int listen_fd, struct oa_error *err);

/* After an upgrade: 1 with *fd the listening socket handed over (and the
 * variable removed), 0 when OA_UPGRADE_ENV is unset, -1 when it does not
 * name a listening socket (OA_ERR_USAGE in err). */
int oa_upgrade_inherited(int *fd, struct oa_error *err);

#endif
