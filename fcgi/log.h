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
 * there. Call after oa_log_open, before threads. OA_ERR_CONFIG in err
 * (why, and as which user) when it cannot be opened. */
enum oa_err oa_log_open_file(const char *path, struct oa_error *err) OA_WUR;
/* Opens path for appending, created 0640 (a log may name users): the
 * descriptor, or -1 with errno. */
int oa_log_append(const char *path);
/* The error of a file that key ("log", "audit") names and that cannot be
 * opened (errno): OA_ERR_CONFIG, saying as which user. */
enum oa_err oa_log_open_error(struct oa_error *err, const char *key, const char *path);
/* Opens path again onto fd (for a rotated file: the old name now names
 * the old file). OA_ERR_IO in err, the old file kept. Thread-safe. */
enum oa_err oa_log_reopen_fd(int fd, const char *path, struct oa_error *err) OA_WUR;
/* Reopens the log file (log: FILE; nothing to do otherwise), e.g. after
 * logrotate renamed it. Thread-safe. */
enum oa_err oa_log_reopen(struct oa_error *err) OA_WUR;
/* One audit line (JSON, audit: log) whatever log_level says:
 * "oauth2-fcgi[pid]: audit: {...}", or syslog at LOG_NOTICE. */
void oa_log_audit(const char *json, size_t len);
/* Changes the level while threads run (a reload). */
void oa_log_set_level(enum oa_log_level level);
/* Closes syslog or the file if open; later lines go to stderr again. */
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
