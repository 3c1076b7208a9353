/*
 * err.c - error codes and the struct oa_error filled where a failure happens.
 */
#include <stdio.h>
#include <string.h>

#include "oa/err.h"

const char *oa_strerror(enum oa_err code)
{
    switch (code) {
    case OA_OK: return "no error";
    case OA_ERR_NOMEM: return "out of memory";
    case OA_ERR_USAGE: return "bad usage";
    case OA_ERR_CONFIG: return "bad configuration";
    case OA_ERR_IO: return "input/output error";
    case OA_ERR_BAD_INPUT: return "malformed input";
    case OA_ERR_CRYPTO: return "sealed value did not open";
    case OA_ERR_EXPIRED: return "expired";
    case OA_ERR_DENIED: return "access denied";
    case OA_ERR_PROVIDER: return "identity provider failed";
    case OA_ERR_TOO_LARGE: return "too large";
    case OA_ERR_NOT_FOUND: return "not found";
    case OA_ERR_INTERNAL: return "internal error";
    case OA_ERR_BUSY: return "too busy, try again later";
    }
    return "unknown error";
}

void oa_error_clear(struct oa_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

static void set_msg(struct oa_error *err, const char *fmt, va_list ap)
{
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    if (n < 0)
        snprintf(err->msg, sizeof(err->msg), "%s", oa_strerror(err->code));
}

enum oa_err oa_error_set(struct oa_error *err, enum oa_err code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    oa_error_clear(err);
    err->code = code;
    va_start(ap, fmt);
    set_msg(err, fmt, ap);
    va_end(ap);
    return code;
}

enum oa_err oa_error_at(struct oa_error *err, enum oa_err code, const char *file, unsigned line,
                        unsigned col, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    oa_error_clear(err);
    err->code = code;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    set_msg(err, fmt, ap);
    va_end(ap);
    return code;
}

void oa_error_format(const struct oa_error *err, char *buf, size_t cap)
{
    if (!cap)
        return;
    if (!err->file[0])
        snprintf(buf, cap, "%s", err->msg[0] ? err->msg : oa_strerror(err->code));
    else if (err->line)
        snprintf(buf, cap, "%s:%u:%u: %s", err->file, err->line, err->col, err->msg);
    else
        snprintf(buf, cap, "%s: %s", err->file, err->msg);
}
