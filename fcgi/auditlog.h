/*
 * auditlog.h - where the audit records go (audit.h, DESIGN.md section 8.3):
 * nowhere (audit: off), the program's log (audit: log) or a file of their
 * own (audit: FILE), one JSON line each. Denials are rate-limited.
 */
#ifndef OA_AUDITLOG_H
#define OA_AUDITLOG_H

#include <stddef.h>

#include "oa/audit.h"
#include "oa/config.h"
#include "oa/err.h"

/* Takes cfg's audit target; opens the file (appending, created 0640) for
 * audit: FILE. Call before threads. OA_ERR_CONFIG in err (why, as which
 * user) when it cannot be opened. */
enum oa_err oa_auditlog_open(const struct oa_config *cfg, struct oa_error *err) OA_WUR;
/* Reopens the audit file (audit: FILE; else nothing to do); on failure
 * the old file is kept. Thread-safe. */
enum oa_err oa_auditlog_reopen(struct oa_error *err) OA_WUR;
void oa_auditlog_close(void);

/* Writes a's line (nothing for event NONE or audit: off) with the time now,
 * client (REMOTE_ADDR, may be NULL) and request_id (the server's, when
 * oa_audit_request_id_ok; else one made here). A denial over the rate
 * limit is counted, not written; the next one written is preceded by a
 * "denials_suppressed" line with the count. Thread-safe. */
void oa_auditlog_write(const struct oa_audit *a, const char *client, const char *request_id);

#endif
