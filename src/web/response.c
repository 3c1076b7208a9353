/*
 * response.c - the response struct and the one header writer.
 *
 * Every header the program emits passes oa_header_name_ok() and
 * oa_header_value_ok() here; nothing else writes headers. Headers are kept
 * in a fixed arena so an authorizer answer costs no allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oa/response.h"

void oa_response_init(struct oa_response *r)
{
    r->status = 0;
    r->nheaders = 0;
    r->space_used = 0;
    oa_buf_init(&r->body, 0);
    r->log_level = OA_LOG_INFO;
    r->log[0] = '\0';
    oa_audit_clear(&r->audit);
}

void oa_response_free(struct oa_response *r)
{
    oa_buf_free(&r->body);
}

void oa_response_reset(struct oa_response *r)
{
    r->nheaders = 0;
    r->space_used = 0;
    oa_buf_free(&r->body);
}

const char *oa_status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 302: return "Found";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
}

void oa_response_status(struct oa_response *r, int status)
{
    r->status = status;
}

/* 1 for the bytes a header name may hold: [A-Za-z0-9_-]. A table, because
 * the authorizer checks eight names on every allowed request. */
static const unsigned char name_byte_ok[256] = {
    ['-'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

bool oa_header_name_ok(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;

    if (!name || !*name)
        return false;
    while (name_byte_ok[*p])
        p++;
    return *p == '\0' && (size_t)(p - (const unsigned char *)name) <= 128;
}

/* Refuses CR, LF, NUL and every other control byte (HTAB included: a value
 * we emit never needs one, and some servers fold on it). */
bool oa_header_value_ok(const char *value, size_t len)
{
    size_t i;

    if (!value)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* Copies n bytes + NUL into the arena; NULL when full. */
static const char *arena_copy(struct oa_response *r, const char *s, size_t n)
{
    char *dst;

    if (n >= sizeof(r->space) - r->space_used)
        return NULL;
    dst = r->space + r->space_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    r->space_used += n + 1;
    return dst;
}

enum oa_err oa_response_header_n(struct oa_response *r, const char *name, const char *value,
                                 size_t value_len)
{
    size_t mark = r->space_used;
    const char *n, *v;

    if (!oa_header_name_ok(name) || !oa_header_value_ok(value, value_len))
        return OA_ERR_BAD_INPUT;
    if (r->nheaders >= OA_RESPONSE_MAX_HEADERS)
        return OA_ERR_TOO_LARGE;
    n = arena_copy(r, name, strlen(name));
    v = n ? arena_copy(r, value, value_len) : NULL;
    if (!v) {
        r->space_used = mark;
        return OA_ERR_TOO_LARGE;
    }
    r->headers[r->nheaders].name = n;
    r->headers[r->nheaders].value = v;
    r->nheaders++;
    return OA_OK;
}

enum oa_err oa_response_header(struct oa_response *r, const char *name, const char *value)
{
    if (!value)
        return OA_ERR_BAD_INPUT;
    return oa_response_header_n(r, name, value, strlen(value));
}

enum oa_err oa_response_headerf(struct oa_response *r, const char *name, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return OA_ERR_INTERNAL;
    if ((size_t)n >= sizeof(tmp))
        return OA_ERR_TOO_LARGE;
    return oa_response_header_n(r, name, tmp, (size_t)n);
}

const char *oa_response_get(const struct oa_response *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void oa_response_log(struct oa_response *r, enum oa_log_level level, const char *fmt, ...)
{
    va_list ap;
    char *p;

    r->log_level = level;
    va_start(ap, fmt);
    vsnprintf(r->log, sizeof(r->log), fmt, ap);
    va_end(ap);
    /* A log line is one line: fold any control byte a caller let through. */
    for (p = r->log; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* The answer goes out in as few writes as it fits in: each write is a
 * FastCGI record or a stdio call, and an authorizer's answer of eight
 * headers was 34 of them. */
struct out {
    char buf[2048];
    size_t len;
    int (*write)(void *ctx, const char *p, size_t n);
    void *ctx;
    int failed;
};

static void out_flush(struct out *o)
{
    if (!o->failed && o->len && o->write(o->ctx, o->buf, o->len))
        o->failed = 1;
    o->len = 0;
}

static void out_put(struct out *o, const char *p, size_t n)
{
    if (o->len + n > sizeof(o->buf))
        out_flush(o);
    if (o->failed)
        return;
    if (n > sizeof(o->buf)) { /* a long body: straight through */
        if (o->write(o->ctx, p, n))
            o->failed = 1;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_put(o, s, strlen(s));
}

enum oa_err oa_response_write(const struct oa_response *r,
                              int (*write)(void *ctx, const char *p, size_t n), void *ctx)
{
    struct out o = {.len = 0, .write = write, .ctx = ctx, .failed = 0};
    int status = r->status >= 100 && r->status <= 999 ? r->status : 500;
    char code[5] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), ' ', '\0'};
    size_t i;

    out_str(&o, "Status: ");
    out_str(&o, code);
    out_str(&o, oa_status_reason(status));
    out_put(&o, "\r\n", 2);
    for (i = 0; i < r->nheaders; i++) {
        out_str(&o, r->headers[i].name);
        out_put(&o, ": ", 2);
        out_str(&o, r->headers[i].value);
        out_put(&o, "\r\n", 2);
    }
    out_put(&o, "\r\n", 2);
    if (r->body.len)
        out_put(&o, r->body.p, r->body.len);
    out_flush(&o);
    return o.failed ? OA_ERR_IO : OA_OK;
}
