/*
 * err.h - one error enum for the whole program, and the struct that carries
 * the detail of a failure from where it happens to the edge that logs it.
 *
 * The core never prints: it fills a struct oa_error and returns the code.
 */
#ifndef OA_ERR_H
#define OA_ERR_H

#include <stdarg.h>

enum oa_err {
    OA_OK = 0,
    OA_ERR_NOMEM,     /* out of memory */
    OA_ERR_USAGE,     /* bad command line */
    OA_ERR_CONFIG,    /* bad configuration (file:line:col in struct oa_error) */
    OA_ERR_IO,        /* a file or socket failed */
    OA_ERR_BAD_INPUT, /* malformed input from a client or provider */
    OA_ERR_CRYPTO,    /* a seal did not open, or a crypto primitive failed */
    OA_ERR_EXPIRED,   /* a sealed value, token or state is past its time */
    OA_ERR_DENIED,    /* the access rules refuse */
    OA_ERR_PROVIDER,  /* the identity provider failed or answered wrongly */
    OA_ERR_TOO_LARGE, /* input over a cap */
    OA_ERR_NOT_FOUND, /* no such thing (parameter, cookie, endpoint) */
    OA_ERR_INTERNAL,  /* a bug or an impossible state */
    OA_ERR_BUSY       /* a cap on work in progress is reached: try again later */
};

#define OA_ERROR_FILE_MAX 256
#define OA_ERROR_MSG_MAX 512

/* Where and why something failed. line/col are 1-based, 0 when unknown. */
struct oa_error {
    enum oa_err code;
    char file[OA_ERROR_FILE_MAX];
    unsigned line;
    unsigned col;
    char msg[OA_ERROR_MSG_MAX];
};

#if defined(__GNUC__)
#define OA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define OA_WUR __attribute__((warn_unused_result))
#else
#define OA_PRINTF(f, a)
#define OA_WUR
#endif

/* A short, static English phrase for a code. Never NULL. */
const char *oa_strerror(enum oa_err code);

/* Fills err (may be NULL) with code and a formatted message; returns code so
 * callers can write `return oa_error_set(err, OA_ERR_X, "...")`. */
enum oa_err oa_error_set(struct oa_error *err, enum oa_err code, const char *fmt, ...)
    OA_PRINTF(3, 4);

/* Same, with a file position (for config errors). */
enum oa_err oa_error_at(struct oa_error *err, enum oa_err code, const char *file, unsigned line,
                        unsigned col, const char *fmt, ...) OA_PRINTF(6, 7);

/* Writes "FILE:LINE:COL: msg" (or just "msg" without a file) into buf. */
void oa_error_format(const struct oa_error *err, char *buf, size_t cap);

/* Clears err to OA_OK and empty strings. */
void oa_error_clear(struct oa_error *err);

#endif
