/*
 * redirect.c - the one return-target validator (DESIGN.md section 7,
 * SECURITY.md checklist row 20). Every redirect the program makes to a place a
 * client named (login rd, logout rd, Apache's REDIRECT_URL) goes through
 * oa_redirect_or_default(), so there is one set of rules to get right.
 *
 * The target has already been percent-decoded once (as a query value). It
 * is accepted only as:
 *
 * 1. A same-origin path: '/' then a byte other than '/' or '\'; no backslash,
 *    no control byte, space or non-ASCII byte anywhere; before the query, no
 *    %-escape of a control byte, '/' or '\' (%2F %5C %00-%1F %7F) and no bad
 *    escape; and no empty segment ("//") anywhere before the query, since
 *    "/.//evil.com" or "/a/..//evil.com" resolve to "//evil.com" (stricter
 *    than needed: "/a//b" is refused too). A lone "/" is fine. Paths such
 *    as "/javascript:alert(1)" or "/https:evil.com" are same-origin paths
 *    to a browser and pass.
 * 2. An absolute http(s) URL. The byte-level rules come first (ASCII
 *    printable only, no space or backslash anywhere; "scheme://" spelled
 *    out; an authority of [A-Za-z0-9.-] host and an optional :port, so no
 *    userinfo '@', no '%' and no IPv6 literal), and only then libcurl's URL
 *    API parses it; the host libcurl sees must be the host we saw, or the
 *    parsers disagree and the target is refused (CVE-2021-32786 was such a
 *    disagreement). The authorizer, which only passes a target on to the
 *    sign-in endpoints (they check it again in full before any redirect),
 *    skips that second opinion (oa_redirect_passable): it would load
 *    libcurl into every authorizer process for no gain. Rules:
 *    - scheme https; http only when the own origin is http (public_url is
 *      http, or no public_url, the request is not https and
 *      allow_http_redirect is set);
 *    - host: the own host (public_host, else the request's Host header) or an
 *      allowed_redirect_hosts entry: exact, or "*.example.com" for a
 *      subdomain at a dot boundary (a.example.com, not example.com, not
 *      evilexample.com). Compared case-insensitively. A host with an "xn--"
 *      (punycode) label is accepted only on an exact match, never through a
 *      wildcard (IDN look-alikes);
 *    - the own origin matches on scheme, host and port together (the web's
 *      origin), so public_url may carry a port (http://localhost:8080);
 *      every other host needs its scheme's default port;
 *    - an explicit default port (":443" for https, ":80" for http) is the
 *      same origin to a browser and is ACCEPTED.
 * Anything else is refused, and the caller redirects to "/".
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "oa/http.h"
#include "oa/redirect.h"

/* Longest target we look at; longer ones are refused. */
#define OA_REDIRECT_MAX 8192
/* Longest host[:port] we compare. */
#define OA_HOSTPORT_MAX 256

/* A host and port as (pointer, length) slices; port_len 0: none given. */
struct oa_hostport {
    const char *host;
    size_t host_len;
    const char *port;
    size_t port_len;
};

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int hexval(unsigned char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Printable ASCII, no space, no backslash. */
static bool bytes_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return false;
    }
    return true;
}

/* Rule 1: a same-origin path (bytes_ok already held). */
static bool path_ok(const char *t)
{
    size_t end = strcspn(t, "?#");

    if (t[1] == '/' || t[1] == '\\')
        return false;
    for (size_t i = 1; i < end; i++) {
        if (t[i] == '/' && t[i - 1] == '/')
            return false; /* an empty segment */
        if (t[i] == '%') {
            int c;

            if (i + 2 >= end || !is_hex((unsigned char)t[i + 1]) ||
                !is_hex((unsigned char)t[i + 2]))
                return false;
            c = hexval((unsigned char)t[i + 1]) * 16 + hexval((unsigned char)t[i + 2]);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
                return false;
        }
    }
    return true;
}

static bool str_ieq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && strncasecmp(a, b, an) == 0;
}

/* Splits "host[:port]" (n bytes). False when the host is empty or holds a
 * byte outside [A-Za-z0-9.-], or the port is not 1-5 digits. */
static bool split_hostport(struct oa_hostport *hp, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);

    hp->host = s;
    hp->host_len = colon ? (size_t)(colon - s) : n;
    hp->port = colon ? colon + 1 : NULL;
    hp->port_len = colon ? n - hp->host_len - 1 : 0;
    if (hp->host_len == 0 || hp->host_len >= OA_HOSTPORT_MAX)
        return false;
    for (size_t i = 0; i < hp->host_len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') && c != '.' &&
            c != '-')
            return false;
    }
    if (s[0] == '.' || memmem(s, hp->host_len, "..", 2))
        return false;
    if (colon && (hp->port_len == 0 || hp->port_len > 5))
        return false;
    for (size_t i = 0; i < hp->port_len; i++)
        if (hp->port[i] < '0' || hp->port[i] > '9')
            return false;
    return true;
}

/* The port as written, or the scheme's default when none was written. */
static void port_or_default(const struct oa_hostport *hp, bool https, const char **p, size_t *n)
{
    if (hp->port_len) {
        *p = hp->port;
        *n = hp->port_len;
    } else {
        *p = https ? "443" : "80";
        *n = https ? 3 : 2;
    }
}

static bool has_punycode_label(const char *h, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if ((i == 0 || h[i - 1] == '.') && strncasecmp(h + i, "xn--", 4) == 0)
            return true;
    return false;
}

/* Is host (n bytes) listed in allowed_redirect_hosts? */
static bool host_listed(const struct oa_config *cfg, const char *h, size_t n, bool wildcards)
{
    bool puny = has_punycode_label(h, n);

    for (size_t i = 0; i < cfg->allowed_redirect_hosts.n; i++) {
        const char *e = cfg->allowed_redirect_hosts.v[i];
        size_t en;

        if (!e)
            continue;
        en = strlen(e);
        if (str_ieq(h, n, e, en))
            return true;
        /* "*.example.com": at least one label, then ".example.com" */
        if (wildcards && !puny && en > 2 && e[0] == '*' && e[1] == '.' && n > en - 1 &&
            strncasecmp(h + n - (en - 1), e + 1, en - 1) == 0 && h[n - en] != '.')
            return true;
    }
    return false;
}

static bool host_allowed(const struct oa_config *cfg, const char *h, size_t n)
{
    return host_listed(cfg, h, n, true);
}

bool oa_redirect_host_named(const struct oa_config *cfg, const char *host, size_t n)
{
    return host_listed(cfg, host, n, false);
}

bool oa_request_https(const struct oa_request *req)
{
    if (!req)
        return false;
    if (req->https && (strcasecmp(req->https, "on") == 0 || strcmp(req->https, "1") == 0))
        return true;
    return req->scheme && strcasecmp(req->scheme, "https") == 0;
}

/* The own origin: host[:port] and whether it is https. False when unknown. */
static bool own_origin(const struct oa_config *cfg, const struct oa_request *req,
                       struct oa_hostport *own, bool *https)
{
    const char *hp;

    if (cfg && cfg->public_host) {
        hp = cfg->public_host;
        *https = cfg->public_https;
    } else {
        hp = req ? req->host : NULL;
        *https = oa_request_https(req);
    }
    if (!hp)
        return false;
    return split_hostport(own, hp, strlen(hp));
}

/* May a target use http? Only when the own origin is http. */
static bool http_allowed(const struct oa_config *cfg, const struct oa_request *req)
{
    if (cfg && cfg->public_url)
        return !cfg->public_https;
    return !oa_request_https(req) && cfg && cfg->allow_http_redirect;
}

/* Rule 2: an absolute URL (bytes_ok already held). */
static bool absolute_ok(const struct oa_config *cfg, const struct oa_request *req, const char *t,
                        bool second_opinion)
{
    struct oa_hostport hp, own;
    bool https, own_https, own_known, ok = false;
    const char *auth, *p, *op;
    size_t alen, pn, opn;

    if (strncasecmp(t, "https://", 8) == 0)
        https = true;
    else if (strncasecmp(t, "http://", 7) == 0)
        https = false;
    else
        return false;
    if (!https && !http_allowed(cfg, req))
        return false;
    auth = t + (https ? 8 : 7);
    alen = strcspn(auth, "/?#");
    if (!split_hostport(&hp, auth, alen))
        return false;
    port_or_default(&hp, https, &p, &pn);
    own_known = own_origin(cfg, req, &own, &own_https);
    if (own_known && https == own_https && str_ieq(hp.host, hp.host_len, own.host, own.host_len)) {
        port_or_default(&own, own_https, &op, &opn);
        ok = str_ieq(p, pn, op, opn);
    }
    if (!ok && str_ieq(p, pn, https ? "443" : "80", https ? 3 : 2))
        ok = cfg && host_allowed(cfg, hp.host, hp.host_len);
    if (!ok)
        return false;
    return !second_opinion || oa_http_url_host_is(t, hp.host, hp.host_len);
}

/* cfg, req, target: borrowed; any may be NULL (then only paths pass). */
static bool redirect_ok(const struct oa_config *cfg, const struct oa_request *req,
                        const char *target, bool second_opinion)
{
    size_t n;

    if (!target || !target[0])
        return false;
    n = strnlen(target, OA_REDIRECT_MAX + 1);
    if (n > OA_REDIRECT_MAX || !bytes_ok(target, n))
        return false;
    if (target[0] == '/')
        return path_ok(target);
    return absolute_ok(cfg, req, target, second_opinion);
}

bool oa_redirect_ok(const struct oa_config *cfg, const struct oa_request *req, const char *target)
{
    return redirect_ok(cfg, req, target, true);
}

bool oa_redirect_passable(const struct oa_config *cfg, const struct oa_request *req,
                          const char *target)
{
    return redirect_ok(cfg, req, target, false);
}

/* Returns target (borrowed) when valid, else the static string "/". */
const char *oa_redirect_or_default(const struct oa_config *cfg, const struct oa_request *req,
                                   const char *target)
{
    return oa_redirect_ok(cfg, req, target) ? target : "/";
}
