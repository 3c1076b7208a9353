/*
 * url.c - request paths, query strings and urlencoded bodies.
 *
 * Two jobs, both on untrusted bytes:
 *
 * - oa_path_normalize: the path the access rules match (DESIGN section 4,
 *   SECURITY.md checklist row 23). The query and fragment are cut on the RAW bytes,
 *   before any decoding, so "/private%3Fx" stays one path and "/private?x=/public"
 *   is "/private". Then every %XX is decoded exactly once. A decoded '/' is
 *   treated as a separator like a literal one: "/admin%2F../x" is "/x" and
 *   "/admin%2F" is "/admin/", so an encoded slash can never hide a dot-segment
 *   from a rule on "/admin/" (a server that keeps %2F encoded serves no file
 *   under /admin/ for it either, so nothing is lost). "." and ".." segments are
 *   resolved after decoding (so %2e%2e counts), ".." above the root stays at
 *   the root, and empty segments ("//") collapse. A decoded NUL or other
 *   control byte, a raw control byte, or a bad escape is refused. A backslash
 *   is a literal byte (the web servers we sit behind do not treat it as a
 *   separator on Linux). No allocation: the authorizer path calls this.
 *
 * - oa_form_get / oa_url_decode: application/x-www-form-urlencoded data
 *   (query strings, POST bodies). '+' is a space; a parameter that appears
 *   twice is refused, so a callback never picks one of two `state` or `code`
 *   values (SECURITY.md checklist row 6).
 *
 * Why not curl_easy_unescape (DESIGN section 0)? It passes a bad escape such
 * as "%zz" through silently, knows nothing of '+', and would need a second
 * pass to find decoded NULs: the byte-level checks we must write anyway ARE
 * the decoder, so a separate library call would only add an allocation.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oa/url.h"

/* Cap on a query string or urlencoded body handed to oa_form_get. */
#define OA_FORM_MAX (64 * 1024)

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int oa_pct_byte(const char *s, size_t n)
{
    int hi, lo;

    if (n < 3)
        return -1;
    hi = hexval((unsigned char)s[1]);
    lo = hexval((unsigned char)s[2]);
    if (hi < 0 || lo < 0)
        return -1;
    return hi * 16 + lo;
}

static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* Percent-decodes n bytes of src into dst (cap bytes). Returns the decoded
 * length through *len. Refuses raw and decoded control bytes. */
static enum oa_err path_decode(char *dst, size_t cap, size_t *len, const char *src, size_t n)
{
    size_t i = 0, w = 0;

    while (i < n) {
        int c = (unsigned char)src[i];

        if (c == '%') {
            c = oa_pct_byte(src + i, n - i);
            if (c < 0)
                return OA_ERR_BAD_INPUT;
            i += 3;
        } else {
            i++;
        }
        if (is_ctl((unsigned char)c))
            return OA_ERR_BAD_INPUT;
        if (w + 1 >= cap)
            return OA_ERR_TOO_LARGE;
        dst[w++] = (char)c;
    }
    *len = w;
    return OA_OK;
}

static bool is_sep(char c, bool backslash)
{
    return c == '/' || (backslash && c == '\\');
}

/* The length of segment s (n bytes) once Windows drops its trailing dots
 * and spaces; "." and ".." (after dropping spaces) stay dot-segments. */
static size_t windows_len(const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return n;
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
        n--;
    return n;
}

/* The body of oa_path_resolve, inlined into each caller so the strict
 * reading on the authorizer's path gets a copy without the flag tests. */
static inline __attribute__((always_inline)) void resolve(char *p, size_t n, bool backslash,
                                                          bool windows)
{
    size_t r = 0, w = 0;
    bool trailing = false;

    while (r < n) {
        size_t s, seglen;

        while (r < n && is_sep(p[r], backslash))
            r++;
        s = r;
        while (r < n && !is_sep(p[r], backslash))
            r++;
        seglen = windows ? windows_len(p + s, r - s) : r - s;
        trailing = r < n || seglen == 0; /* a separator follows, or nothing was there */
        if (seglen == 0)
            continue;
        if (seglen == 1 && p[s] == '.') {
            trailing = true;
            continue;
        }
        if (seglen == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (w > 0 && p[w - 1] != '/')
                w--;
            if (w > 0)
                w--; /* drop the '/' before the removed segment */
            trailing = true;
            continue;
        }
        p[w++] = '/';
        memmove(p + w, p + s, seglen);
        w += seglen;
    }
    if (w == 0 || trailing)
        p[w++] = '/';
    p[w] = '\0';
}

void oa_path_resolve(char *p, size_t n, bool backslash, bool windows)
{
    resolve(p, n, backslash, windows);
}

/* out: caller's buffer of out_cap bytes; uri: borrowed. On error out holds
 * an empty string (when out_cap > 0). */
enum oa_err oa_path_normalize(char *out, size_t out_cap, const char *uri)
{
    size_t n, len = 0;
    enum oa_err e;

    if (!out || out_cap == 0)
        return OA_ERR_TOO_LARGE;
    out[0] = '\0';
    if (!uri || uri[0] != '/')
        return OA_ERR_BAD_INPUT;
    n = strcspn(uri, "?#");
    e = path_decode(out, out_cap, &len, uri, n);
    if (e) {
        out[0] = '\0';
        return e;
    }
    /* oa_path_resolve may add one '/' past a removed "." or ".." segment, which
     * is always shorter than what it replaced; the NUL fits since len < cap. */
    resolve(out, len, false, false);
    return OA_OK;
}

/* out, *out_len: new string (caller frees) and its length; s: borrowed. */
enum oa_err oa_url_decode(char **out, size_t *out_len, const char *s, size_t n, int plus_space)
{
    char *d;
    size_t i = 0, w = 0;

    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!s)
        return OA_ERR_BAD_INPUT;
    if (n > OA_FORM_MAX)
        return OA_ERR_TOO_LARGE;
    d = malloc(n + 1);
    if (!d)
        return OA_ERR_NOMEM;
    while (i < n) {
        int c = (unsigned char)s[i];

        if (c == '%') {
            c = oa_pct_byte(s + i, n - i);
            i += 3;
        } else {
            if (c == '+' && plus_space)
                c = ' ';
            i++;
        }
        if (c <= 0) { /* a bad escape (-1) or a NUL, raw or decoded */
            free(d);
            return OA_ERR_BAD_INPUT;
        }
        d[w++] = (char)c;
    }
    d[w] = '\0';
    *out = d;
    if (out_len)
        *out_len = w;
    return OA_OK;
}

/* Compares the urlencoded key k (n bytes) with the plain name. -1: the key
 * has a bad escape; 1: equal; 0: different. */
static int key_equals(const char *k, size_t n, const char *name)
{
    size_t i = 0, j = 0;
    int eq = 1;

    while (i < n) {
        int c = (unsigned char)k[i];

        if (c == '%') {
            c = oa_pct_byte(k + i, n - i);
            if (c < 0)
                return -1;
            i += 3;
        } else {
            if (c == '+')
                c = ' ';
            i++;
        }
        if (eq && (name[j] == '\0' || (unsigned char)name[j] != c))
            eq = 0;
        if (eq)
            j++;
    }
    return eq && name[j] == '\0';
}

/* *value: new (caller frees), NULL on error; data, name: borrowed. A bad
 * escape in any parameter NAME, or in the value asked for, is BAD_INPUT
 * (values of other parameters are not looked at). */
enum oa_err oa_form_get(char **value, const char *data, size_t len, const char *name)
{
    const char *p, *end, *found = NULL;
    size_t found_len = 0;

    *value = NULL;
    if (!data || !name || !name[0])
        return OA_ERR_NOT_FOUND;
    if (len > OA_FORM_MAX)
        return OA_ERR_TOO_LARGE;
    p = data;
    end = data + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        const char *ke = eq ? eq : pe;
        int m;

        if (pe > p) { /* empty pairs ("&&") are skipped */
            m = key_equals(p, (size_t)(ke - p), name);
            if (m < 0)
                return OA_ERR_BAD_INPUT;
            if (m && found)
                return OA_ERR_BAD_INPUT; /* given twice */
            if (m) {
                found = eq ? eq + 1 : pe;
                found_len = (size_t)(pe - found);
            }
        }
        p = amp ? amp + 1 : end;
    }
    if (!found)
        return OA_ERR_NOT_FOUND;
    return oa_url_decode(value, NULL, found, found_len, 1);
}
