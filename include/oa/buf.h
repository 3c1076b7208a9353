/*
 * buf.h - a growable byte buffer for pages, summaries and JSON bodies.
 *
 * Not used on the authorizer's allow path (that path does not allocate).
 * A buffer starts zeroed (struct oa_buf b = {0}); p is always NUL-terminated
 * once anything was appended. oa_buf_free releases it.
 */
#ifndef OA_BUF_H
#define OA_BUF_H

#include <stddef.h>

#include "oa/err.h"

struct oa_buf {
    char *p;
    size_t len;
    size_t cap;
};

enum oa_err oa_buf_append(struct oa_buf *b, const char *s, size_t n) OA_WUR;
enum oa_err oa_buf_puts(struct oa_buf *b, const char *s) OA_WUR;
enum oa_err oa_buf_printf(struct oa_buf *b, const char *fmt, ...) OA_PRINTF(2, 3) OA_WUR;
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
enum oa_err oa_buf_html(struct oa_buf *b, const char *s) OA_WUR;
/* Appends s as the inside of a JSON string (quotes not added). */
enum oa_err oa_buf_json_str(struct oa_buf *b, const char *s) OA_WUR;
/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
enum oa_err oa_buf_urlenc(struct oa_buf *b, const char *s) OA_WUR;
/* Gives up ownership: returns p (new, caller frees; "" allocated if empty). */
char *oa_buf_steal(struct oa_buf *b);
void oa_buf_free(struct oa_buf *b);

#endif
