/*
 * url.h - request paths, query strings and urlencoded bodies.
 */
#ifndef OA_URL_H
#define OA_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"

/* Normalises a request path for access rules: cuts the query and fragment,
 * percent-decodes once, resolves "." and ".." segments, collapses "//".
 * A decoded NUL or control byte, or a bad %-escape, is OA_ERR_BAD_INPUT;
 * OA_ERR_TOO_LARGE when it does not fit out_cap. Does not allocate. */
enum oa_err oa_path_normalize(char *out, size_t out_cap, const char *uri) OA_WUR;

/* Finds parameter name in an application/x-www-form-urlencoded string
 * (a query string or a POST body) of len bytes, and decodes it ('+' is a
 * space). OA_ERR_NOT_FOUND when absent; OA_ERR_BAD_INPUT when it appears
 * twice or is badly encoded. *value is new (caller frees). */
enum oa_err oa_form_get(char **value, const char *data, size_t len, const char *name) OA_WUR;

/* Resolves the dot-segments of path p (n bytes, which must start with '/')
 * in place and collapses empty segments, ".." above the root staying at the
 * root; NUL-terminates it. p needs room for n + 2 bytes (a '/' may follow a
 * removed "." or ".."). backslash: a backslash separates segments too; windows: a
 * segment's trailing dots and spaces are dropped. The one resolver of the
 * strict reading (oa_path_normalize) and of every other (path_reading.c). */
void oa_path_resolve(char *p, size_t n, bool backslash, bool windows);

/* The byte escaped at s[0] == '%' (n bytes available from s), or -1 when
 * fewer than two hex digits follow. */
int oa_pct_byte(const char *s, size_t n);

/* Percent-decodes n bytes of s into a new NUL-terminated string; plus_space:
 * '+' becomes ' '. OA_ERR_BAD_INPUT on a bad escape or a decoded NUL. */
enum oa_err oa_url_decode(char **out, size_t *out_len, const char *s, size_t n,
                          int plus_space) OA_WUR;

/* An absolute http(s) URL as slices of the string it was split from
 * (borrowed: they live as long as that string). */
struct oa_url_parts {
    bool https;
    bool userinfo;    /* the authority had "user@" (skipped) */
    const char *host; /* a name of [A-Za-z0-9._-] labels, or "[v6]" */
    size_t host_len;
    const char *port; /* NULL when none was written */
    size_t port_len;
    const char *rest; /* from the first '/', '?' or '#' after the host; may be "" */
};

/* Splits "http://" or "https://" (lower-case, as written), an authority and
 * the rest. False on any control byte, space or backslash, another scheme,
 * an empty or odd host, or a port outside 1..65535 (src/net/url_origin.c). Does
 * not allocate and does not need libcurl. */
bool oa_url_split(struct oa_url_parts *out, const char *url);

#endif
