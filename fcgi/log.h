/*
 * log.h - the program's log: stderr (where the web server or the service
 * manager puts it), a file of its own, or syslog.
 *
 * Only the edge logs; the core hands it one line per request in the
 * response. Before the config is loaded everything goes to stderr.
 */
#ifndef OA_FLOG_H
#define OA_FLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/audit.h"
#include "oa/config.h"
#include "oa/err.h"
#include "oa/log.h"

/* Switches to target (syslog: ident "oauth2-fcgi", LOG_PID, LOG_AUTHPRIV)
 * and drops lines less severe than level. Call before starting threads. */
void oa_log_open(enum oa_log_target target, enum oa_log_level level);
/* log: FILE: opens path for appending (created 0640) and sends the lines
 * there. Call after oa_log_open, before threads. -1 with msg (why, and as
 * which user) when it cannot be opened. */
int oa_log_open_file(const char *path, char *msg, size_t cap);
/* Opens path again onto *fd (for a rotated file: the old name now names
 * the old file). -1 with msg, the old file kept. Thread-safe. */
int oa_log_reopen_fd(int *fd, const char *path, char *msg, size_t cap);
/* Reopens the log file (log: FILE; nothing to do otherwise), e.g. after
 * logrotate renamed it. 0, or -1 with msg. Thread-safe. */
int oa_log_reopen(char *msg, size_t cap);
/* One audit line (JSON, audit: log) whatever log_level says:
 * "oauth2-fcgi[pid]: audit: {...}", or syslog at LOG_NOTICE. */
void oa_log_audit(const char *json, size_t len);
/* Closes syslog or the file if open; later lines go to stderr again. */
void oa_log_close(void);
/* True when a line of that level would be written. */
bool oa_log_enabled(enum oa_log_level level);
/* Writes one line (control bytes folded to '?'). Thread-safe. */
void oa_log_write(enum oa_log_level level, const char *fmt, ...) OA_PRINTF(2, 3);
/* The level's name: "error", "warn", "info", "debug". Static. */
const char *oa_log_level_name(enum oa_log_level level);

#endif
