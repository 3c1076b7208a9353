/*
 * response.h - what the core answers, and the one header writer.
 *
 * Every header goes through oa_response_header(), which refuses a name
 * outside [A-Za-z0-9_-] and a value with CR, LF, NUL or any other control
 * byte: such a header is never emitted. Headers live in a fixed arena inside
 * the struct, so building an authorizer answer does not allocate; only a
 * body (error and sign-in pages, JSON) grows on the heap.
 *
 * oa_response_write() always emits "Status: NNN Reason" first (lighttpd
 * drops headers before Status; Apache needs the reason phrase).
 */
#ifndef OA_RESPONSE_H
#define OA_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/audit.h"
#include "oa/buf.h"
#include "oa/err.h"
#include "oa/log.h"

#define OA_RESPONSE_MAX_HEADERS 32
#define OA_RESPONSE_HEADER_SPACE (24 * 1024)
#define OA_RESPONSE_LOG_MAX 512

struct oa_header {
    const char *name;  /* points into space */
    const char *value; /* points into space */
};

struct oa_response {
    int status; /* 0 until set; written as 500 if never set */
    size_t nheaders;
    struct oa_header headers[OA_RESPONSE_MAX_HEADERS];
    size_t space_used;
    char space[OA_RESPONSE_HEADER_SPACE];
    struct oa_buf body; /* empty for no body */
    /* One line for the operator, written by the edge after the answer.
     * Never a secret, token, code or cookie. Empty: nothing to log. */
    enum oa_log_level log_level;
    char log[OA_RESPONSE_LOG_MAX];
    /* What the edge writes to the audit log (audit.h); event NONE: nothing.
     * Kept, like the log line, when the answer is reset. */
    struct oa_audit audit;
};

/* Initialises an empty response (status 0, no headers, no body). */
void oa_response_init(struct oa_response *r);
/* Frees the body; the struct may be reused after oa_response_init(). */
void oa_response_free(struct oa_response *r);
/* Drops headers and body (keeps the log line and the audit record), to
 * answer an error instead. */
void oa_response_reset(struct oa_response *r);

/* The standard reason phrase for a status ("Found", "Forbidden"...). */
const char *oa_status_reason(int status);

void oa_response_status(struct oa_response *r, int status);

/* Adds a header after checking it. OA_ERR_BAD_INPUT: bad name or value
 * (nothing added); OA_ERR_TOO_LARGE: arena or header slots full. */
enum oa_err oa_response_header(struct oa_response *r, const char *name, const char *value) OA_WUR;
/* Same with a value of known length (need not be NUL-terminated). */
enum oa_err oa_response_header_n(struct oa_response *r, const char *name, const char *value,
                                 size_t value_len) OA_WUR;
/* Same with a formatted value. */
enum oa_err oa_response_headerf(struct oa_response *r, const char *name, const char *fmt, ...)
    OA_PRINTF(3, 4) OA_WUR;
/* The value of the first header of that name (case-insensitive), or NULL. */
const char *oa_response_get(const struct oa_response *r, const char *name);

/* True when name/value would be accepted by oa_response_header(). */
bool oa_header_name_ok(const char *name);
bool oa_header_value_ok(const char *value, size_t len);

/* Sets the operator's log line (truncated to fit). */
void oa_response_log(struct oa_response *r, enum oa_log_level level, const char *fmt, ...)
    OA_PRINTF(3, 4);

/* Serialises: Status line, headers, blank line, body. write() returns 0 on
 * success, nonzero to stop (then OA_ERR_IO). */
enum oa_err oa_response_write(const struct oa_response *r,
                              int (*write)(void *ctx, const char *p, size_t n), void *ctx);

#endif
