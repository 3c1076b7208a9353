/*
 * url_origin.c - splits the absolute http(s) URLs of the configuration
 * (provider endpoints, issuer, public_url) into scheme, host, port and the
 * rest, as slices of the string.
 *
 * Why not libcurl's URL API: the configuration is read at start-up, and an
 * authorizer-only process must not load libcurl and its ~25 libraries at
 * all (they were half of its resident memory, bench/RESULTS.md). The rules
 * here are stricter than a general URL parser on purpose: these URLs are
 * written by an operator, and an odd one is a mistake to report at
 * start-up, not something to interpret.
 */
#include <string.h>

#include "oa/url.h"

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A registered name: labels of [A-Za-z0-9_-] joined by single dots (a
 * trailing dot is the DNS root and fine); or a bracketed IPv6 literal. */
static bool host_ok(const char *h, size_t n)
{
    if (n == 0)
        return false;
    if (h[0] == '[') {
        if (n < 4 || h[n - 1] != ']')
            return false;
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)h[i];

            if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f') && c != ':' && c != '.')
                return false;
        }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        if (c == '.') {
            if (i == 0 || h[i - 1] == '.')
                return false; /* an empty label */
        } else if (!is_alnum(c) && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

/* 1 to 65535, as 1 to 5 digits. */
static bool port_ok(const char *p, size_t n)
{
    unsigned v = 0;

    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

bool oa_url_split(struct oa_url_parts *out, const char *url)
{
    const char *auth, *at, *colon, *end;
    size_t alen;

    memset(out, 0, sizeof(*out));
    if (!url)
        return false;
    for (const char *s = url; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '\\')
            return false;
    if (strncmp(url, "https://", 8) == 0)
        out->https = true;
    else if (strncmp(url, "http://", 7) != 0)
        return false;
    auth = url + (out->https ? 8 : 7);
    alen = strcspn(auth, "/?#");
    out->rest = auth + alen;
    at = memrchr(auth, '@', alen);
    if (at) {
        out->userinfo = true;
        alen -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    end = auth + alen;
    /* the port's colon: after an IPv6 literal's ']', else the only one */
    colon = auth[0] == '[' ? memchr(auth, ']', alen) : auth;
    colon = colon ? memchr(colon, ':', (size_t)(end - colon)) : NULL;
    out->host = auth;
    out->host_len = colon ? (size_t)(colon - auth) : alen;
    if (colon) {
        out->port = colon + 1;
        out->port_len = (size_t)(end - out->port);
        if (!port_ok(out->port, out->port_len))
            return false;
    }
    return host_ok(out->host, out->host_len);
}
