/*
 * buf.h - a growable byte buffer for pages, summaries, URLs and JSON bodies.
 *
 * Modelled on curl's dynbuf, with one step more: the buffer remembers its
 * first error. A builder appends without looking at each result and checks
 * once at the end with oa_buf_error() (DESIGN.md section 8.1):
 *
 *     oa_buf_puts(b, "<h1>");
 *     oa_buf_html(b, title);
 *     oa_buf_puts(b, "</h1>\n");
 *     return oa_buf_error(b);
 *
 * A failed append (out of memory, or over the buffer's size cap) frees the
 * bytes, so a half-written page or URL is never left behind, and every later
 * append fails with that same first error until oa_buf_free(). The cap is
 * never a truncation: exceeding it is OA_ERR_TOO_LARGE.
 *
 * A buffer starts zeroed (struct oa_buf b = {0}: the default cap,
 * OA_BUF_MAX_DEFAULT) or from oa_buf_init(b, max). p is NULL while nothing
 * was appended and after an error, else NUL-terminated. Not used on the
 * authorizer's allow path (that path does not allocate).
 */
#ifndef OA_BUF_H
#define OA_BUF_H

#include <stddef.h>

#include "oa/err.h"

/* The size cap of a buffer whose max is 0: far above any page, summary or
 * URL we build, low enough that a runaway loop fails instead of eating the
 * memory of a process shared by every request. */
#define OA_BUF_MAX_DEFAULT (1024 * 1024)

struct oa_buf {
    char *p;         /* owned; NULL when empty or failed */
    size_t len;      /* bytes in p, without the NUL */
    size_t alloc;    /* bytes allocated at p */
    size_t max;      /* the most len may reach; 0: OA_BUF_MAX_DEFAULT */
    enum oa_err err; /* the first failed append; OA_OK */
};

/* An empty buffer that may hold at most max bytes (0: the default). */
void oa_buf_init(struct oa_buf *b, size_t max);

/* The appends. Each returns the buffer's error after the call (OA_OK, or the
 * first failure, which sticks): a builder may ignore it and check
 * oa_buf_error() once at the end. */
enum oa_err oa_buf_append(struct oa_buf *b, const char *s, size_t n);
enum oa_err oa_buf_puts(struct oa_buf *b, const char *s); /* NULL is as "" */
enum oa_err oa_buf_printf(struct oa_buf *b, const char *fmt, ...) OA_PRINTF(2, 3);
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
enum oa_err oa_buf_html(struct oa_buf *b, const char *s);
/* Appends s as the inside of a JSON string (quotes not added). */
enum oa_err oa_buf_json_str(struct oa_buf *b, const char *s);
/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
enum oa_err oa_buf_urlenc(struct oa_buf *b, const char *s);

/* The first error of any append since the last oa_buf_free(), or OA_OK. */
enum oa_err oa_buf_error(const struct oa_buf *b) OA_WUR;
/* Records e (a failure of the builder's own, e.g. a nested buffer's) as if
 * an append had failed: the bytes go, later appends fail. OA_OK does
 * nothing. Returns the buffer's error. */
enum oa_err oa_buf_fail(struct oa_buf *b, enum oa_err e);

/* Gives up ownership: returns p (new, caller frees; "" allocated if empty),
 * or NULL when an append failed (or out of memory). Either way the buffer is
 * left empty, its error cleared, its cap kept. */
char *oa_buf_steal(struct oa_buf *b) OA_WUR;
/* Releases p and clears the error; the cap stays, the buffer is reusable. */
void oa_buf_free(struct oa_buf *b);

#endif
