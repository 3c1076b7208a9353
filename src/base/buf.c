/*
 * buf.c - a growable, always NUL-terminated byte buffer with the escapers
 * the pages need (HTML, JSON string, URL query value).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/buf.h"

/* Makes room for n more bytes plus the NUL. */
static enum oa_err reserve(struct oa_buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (n > SIZE_MAX / 2 - b->len)
        return OA_ERR_TOO_LARGE;
    need = b->len + n + 1;
    if (need <= b->cap)
        return OA_OK;
    cap = b->cap ? b->cap : 128;
    while (cap < need)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p)
        return OA_ERR_NOMEM;
    b->p = p;
    b->cap = cap;
    return OA_OK;
}

enum oa_err oa_buf_append(struct oa_buf *b, const char *s, size_t n)
{
    enum oa_err e = reserve(b, n);

    if (e)
        return e;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return OA_OK;
}

enum oa_err oa_buf_puts(struct oa_buf *b, const char *s)
{
    return oa_buf_append(b, s ? s : "", s ? strlen(s) : 0);
}

enum oa_err oa_buf_printf(struct oa_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum oa_err e;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return OA_ERR_INTERNAL;
    e = reserve(b, (size_t)n);
    if (e)
        return e;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return OA_OK;
}

enum oa_err oa_buf_html(struct oa_buf *b, const char *s)
{
    enum oa_err e = OA_OK;
    const char *run = s;

    if (!s)
        return oa_buf_append(b, "", 0);
    for (; *s && !e; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        e = oa_buf_append(b, run, (size_t)(s - run));
        if (!e)
            e = oa_buf_puts(b, rep);
        run = s + 1;
    }
    return e ? e : oa_buf_append(b, run, (size_t)(s - run));
}

enum oa_err oa_buf_json_str(struct oa_buf *b, const char *s)
{
    enum oa_err e = oa_buf_append(b, "", 0);

    for (; s && *s && !e; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            e = oa_buf_append(b, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            e = oa_buf_printf(b, "\\u%04x", c);
        } else if (c == '<' || c == '>' || c == '&') {
            /* never let a JSON body be sniffed into markup */
            e = oa_buf_printf(b, "\\u%04x", c);
        } else {
            e = oa_buf_append(b, (const char *)&c, 1);
        }
    }
    return e;
}

enum oa_err oa_buf_urlenc(struct oa_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    enum oa_err e = oa_buf_append(b, "", 0);

    for (; s && *s && !e; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            e = oa_buf_append(b, (const char *)&c, 1);
        } else {
            char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
            e = oa_buf_append(b, pct, 3);
        }
    }
    return e;
}

char *oa_buf_steal(struct oa_buf *b)
{
    char *p = b->p;

    if (!p)
        p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void oa_buf_free(struct oa_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
