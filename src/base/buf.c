/*
 * buf.c - a growable, always NUL-terminated byte buffer that remembers its
 * first error and has a size cap, with the escapers the pages need (HTML,
 * JSON string, URL query value). DESIGN.md section 8.1.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/buf.h"

/* Called through a volatile pointer so the compiler cannot drop the clearing
 * of memory that is freed right after. */
static void *(*const volatile clear_fn)(void *, int, size_t) = memset;

void oa_buf_init(struct oa_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->alloc = 0;
    b->max = max;
    b->err = OA_OK;
}

static size_t buf_max(const struct oa_buf *b)
{
    return b->max ? b->max : OA_BUF_MAX_DEFAULT;
}

/* Drops the bytes, keeps the cap. A failed buffer may hold half of a form
 * with a client secret: it is cleared before it is freed. */
static void release(struct oa_buf *b)
{
    if (b->p)
        clear_fn(b->p, 0, b->alloc);
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
}

enum oa_err oa_buf_fail(struct oa_buf *b, enum oa_err e)
{
    if (e != OA_OK && b->err == OA_OK) {
        release(b);
        b->err = e;
    }
    return b->err;
}

enum oa_err oa_buf_error(const struct oa_buf *b)
{
    return b->err;
}

/* Makes room for n more bytes plus the NUL; false (error recorded) when the
 * buffer has failed before, the cap is exceeded or memory runs out. */
static bool reserve(struct oa_buf *b, size_t n)
{
    size_t need, alloc;
    char *p;

    if (b->err)
        return false;
    if (n > buf_max(b) - b->len) {
        oa_buf_fail(b, OA_ERR_TOO_LARGE);
        return false;
    }
    need = b->len + n + 1;
    if (need <= b->alloc)
        return true;
    alloc = b->alloc ? b->alloc : 128;
    while (alloc < need)
        alloc *= 2;
    p = realloc(b->p, alloc);
    if (!p) {
        oa_buf_fail(b, OA_ERR_NOMEM);
        return false;
    }
    b->p = p;
    b->alloc = alloc;
    return true;
}

enum oa_err oa_buf_append(struct oa_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return b->err;
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

    if (b->err)
        return b->err;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return oa_buf_fail(b, OA_ERR_INTERNAL);
    if (!reserve(b, (size_t)n))
        return b->err;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return OA_OK;
}

enum oa_err oa_buf_html(struct oa_buf *b, const char *s)
{
    const char *run = s;

    if (!s)
        return oa_buf_append(b, "", 0);
    for (; *s && !b->err; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        oa_buf_append(b, run, (size_t)(s - run));
        oa_buf_puts(b, rep);
        run = s + 1;
    }
    return oa_buf_append(b, run, (size_t)(s - run));
}

enum oa_err oa_buf_json_str(struct oa_buf *b, const char *s)
{
    oa_buf_append(b, "", 0);
    for (; s && *s && !b->err; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            oa_buf_append(b, esc, 2);
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            /* controls, and never let a JSON body be sniffed into markup */
            oa_buf_printf(b, "\\u%04x", c);
        } else {
            oa_buf_append(b, (const char *)&c, 1);
        }
    }
    return b->err;
}

enum oa_err oa_buf_urlenc(struct oa_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    oa_buf_append(b, "", 0);
    for (; s && *s && !b->err; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            oa_buf_append(b, (const char *)&c, 1);
        } else {
            char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
            oa_buf_append(b, pct, 3);
        }
    }
    return b->err;
}

char *oa_buf_steal(struct oa_buf *b)
{
    char *p = b->err ? NULL : b->p ? b->p : calloc(1, 1);

    if (p == b->p)
        b->p = NULL;
    release(b);
    b->err = OA_OK;
    return p;
}

void oa_buf_free(struct oa_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = OA_OK;
}
