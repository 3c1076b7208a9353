/*
 * log.h - the program's log: stderr (the web server's error log) or syslog.
 *
 * Only the edge logs; the core hands it one line per request in the
 * response. Before the config is loaded everything goes to stderr.
 */
#ifndef OA_FLOG_H
#define OA_FLOG_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/log.h"

/* Switches to target (syslog: ident "oauth2-fcgi", LOG_PID, LOG_AUTHPRIV)
 * and drops lines less severe than level. Call before starting threads. */
void oa_log_open(enum oa_log_target target, enum oa_log_level level);
/* Changes the level while threads run (a reload). */
void oa_log_set_level(enum oa_log_level level);
/* Closes syslog if open; later lines go to stderr again. */
void oa_log_close(void);
/* True when a line of that level would be written. */
bool oa_log_enabled(enum oa_log_level level);
/* Writes one line (control bytes folded to '?'). Thread-safe. */
void oa_log_write(enum oa_log_level level, const char *fmt, ...) OA_PRINTF(2, 3);
/* Writes err as one line (oa_error_format: "FILE:LINE:COL: msg" or "msg"):
 * how a failure carried in struct oa_error reaches the log. */
void oa_log_error(enum oa_log_level level, const struct oa_error *err);
/* The level's name: "error", "warn", "info", "debug". Static. */
const char *oa_log_level_name(enum oa_log_level level);

#endif
