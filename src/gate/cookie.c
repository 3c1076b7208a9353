/*
 * cookie.c - reading the Cookie request header (RFC 6265 section 5.4 /
 * 4.2.1) and writing Set-Cookie through the one header writer.
 *
 * Reading never allocates and never copies: pairs are split on ';', spaces
 * and tabs around names and values are ignored, names compare exactly, a
 * pair without '=' or with an empty name is skipped, and the first cookie
 * of a name wins. Work is linear in the header's length whatever it holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "oa/cookie.h"

#define SET_COOKIE_MAX 8192

struct pair {
    const char *name, *val;
    size_t name_len, val_len;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads the next pair from *p (advanced past it). True with *out set,
 * false at the end of the header. A malformed pair gives name_len 0. */
static bool next_pair(const char **p, struct pair *out)
{
    const char *s = *p, *end, *eq;

    while (*s == ';' || is_ws(*s))
        s++;
    if (!*s)
        return false;
    end = strchr(s, ';');
    if (!end)
        end = s + strlen(s);
    *p = end;
    eq = memchr(s, '=', (size_t)(end - s));
    out->name_len = 0;
    if (!eq)
        return true;
    out->name = s;
    out->name_len = (size_t)(eq - s);
    while (out->name_len && is_ws(out->name[out->name_len - 1]))
        out->name_len--;
    out->val = eq + 1;
    while (out->val < end && is_ws(*out->val))
        out->val++;
    out->val_len = (size_t)(end - out->val);
    while (out->val_len && is_ws(out->val[out->val_len - 1]))
        out->val_len--;
    return true;
}

/* Borrowed: *val points into header. */
bool oa_cookie_find(const char *header, const char *name, const char **val, size_t *len)
{
    size_t nlen = name ? strlen(name) : 0;
    struct pair pr;

    if (!header || !nlen)
        return false;
    while (next_pair(&header, &pr))
        if (pr.name_len == nlen && memcmp(pr.name, name, nlen) == 0) {
            *val = pr.val;
            *len = pr.val_len;
            return true;
        }
    return false;
}

/* fn gets borrowed pointers into header (not NUL-terminated). */
size_t oa_cookie_each(const char *header, const char *prefix, size_t max,
                      bool (*fn)(void *ctx, const char *name, size_t name_len, const char *val,
                                 size_t val_len),
                      void *ctx)
{
    size_t plen = prefix ? strlen(prefix) : 0, calls = 0;
    struct pair pr;

    if (!header)
        return 0;
    while (calls < max && next_pair(&header, &pr)) {
        if (!pr.name_len || pr.name_len < plen || memcmp(pr.name, prefix, plen) != 0)
            continue;
        calls++;
        if (fn(ctx, pr.name, pr.name_len, pr.val, pr.val_len))
            break;
    }
    return calls;
}

/* RFC 9110 tchar. */
static bool name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return false;
    }
    return true;
}

/* RFC 6265 cookie-octet: no CTL, space, DQUOTE, comma, semicolon, backslash. */
static bool value_ok(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
            return false;
    }
    return true;
}

/* An attribute value (Path): printable, no ';'. */
static bool attr_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ';')
            return false;
    return true;
}

static bool same_site_ok(const char *s)
{
    return !s || strcmp(s, "Lax") == 0 || strcmp(s, "Strict") == 0 || strcmp(s, "None") == 0;
}

/* Appends the attributes of a to line (at *n). Returns 0, or -1 when full. */
static int put_attrs(char *line, size_t cap, size_t *n, const struct oa_cookie_attrs *a)
{
    int w;

    w = snprintf(line + *n, cap - *n, "; Path=%s", a->path ? a->path : "/");
    if (w >= 0 && (size_t)w < cap - *n && a->max_age >= 0) {
        *n += (size_t)w;
        w = snprintf(line + *n, cap - *n, "; Max-Age=%" PRId64 "%s", a->max_age,
                     a->max_age == 0 ? "; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : "");
    }
    if (w >= 0 && (size_t)w < cap - *n) {
        *n += (size_t)w;
        w = snprintf(line + *n, cap - *n, "%s%s%s%s", a->secure ? "; Secure" : "",
                     a->http_only ? "; HttpOnly" : "", a->same_site ? "; SameSite=" : "",
                     a->same_site ? a->same_site : "");
    }
    if (w < 0 || (size_t)w >= cap - *n)
        return -1;
    *n += (size_t)w;
    return 0;
}

/* OA_ERR_BAD_INPUT: a bad name, value, path or SameSite (nothing added);
 * OA_ERR_TOO_LARGE: the line or the response's header space is full. */
enum oa_err oa_cookie_set(struct oa_response *r, const char *name, const char *value,
                          size_t value_len, const struct oa_cookie_attrs *a)
{
    char line[SET_COOKIE_MAX];
    size_t nlen, n;

    if (!name_ok(name) || (!value && value_len) || (value && !value_ok(value, value_len)) || !a ||
        (a->path && (!*a->path || !attr_ok(a->path))) || !same_site_ok(a->same_site))
        return OA_ERR_BAD_INPUT;
    nlen = strlen(name);
    if (nlen + 1 + value_len >= sizeof(line))
        return OA_ERR_TOO_LARGE;
    memcpy(line, name, nlen);
    line[nlen] = '=';
    if (value_len)
        memcpy(line + nlen + 1, value, value_len);
    n = nlen + 1 + value_len;
    line[n] = '\0';
    if (put_attrs(line, sizeof(line), &n, a) != 0)
        return OA_ERR_TOO_LARGE;
    return oa_response_header_n(r, "Set-Cookie", line, n);
}
