/*
 * negotiate.c - what kind of answer a request wants, from its Accept,
 * X-Requested-With and Sec-Fetch-* headers: JSON or HTML for the pages
 * (oa_wants_json), a sign-in redirect or a 401 for the authorizer
 * (oa_page_load). Below both pages.c and authorizer.c; no allocation, no
 * I/O (it runs on the authorizer path).
 */
#include <string.h>
#include <strings.h>

#include "oa/negotiate.h"

/* Calls fn on each media range of an Accept header: type (trimmed, without
 * parameters) and whether its q is 0. Stops when fn returns true. */
static bool accept_each(const char *accept,
                        bool (*fn)(const char *t, size_t n, bool q0, const void *ctx),
                        const void *ctx)
{
    const char *p = accept;

    while (p && *p) {
        const char *end = p + strcspn(p, ",");
        const char *t = p, *te;
        const char *q;
        bool q0 = false;

        while (t < end && (*t == ' ' || *t == '\t'))
            t++;
        te = t;
        while (te < end && *te != ';' && *te != ' ' && *te != '\t')
            te++;
        for (q = te; q < end; q++) {
            /* ";q=0", ";q=0.0", ";q=0.000": not acceptable */
            if (*q == ';') {
                const char *v = q + 1;
                while (v < end && *v == ' ')
                    v++;
                if (end - v >= 3 && (v[0] == 'q' || v[0] == 'Q') && v[1] == '=' && v[2] == '0') {
                    const char *d = v + 3;
                    if (d < end && *d == '.')
                        d++;
                    while (d < end && *d == '0')
                        d++;
                    while (d < end && *d == ' ')
                        d++;
                    q0 = d == end || *d == ';';
                }
            }
        }
        if (te > t && fn(t, (size_t)(te - t), q0, ctx))
            return true;
        p = *end ? end + 1 : end;
    }
    return false;
}

static bool type_is(const char *t, size_t n, bool q0, const void *ctx)
{
    const char *want = ctx;

    return !q0 && n == strlen(want) && strncasecmp(t, want, n) == 0;
}

bool oa_accept_has(const char *accept, const char *type)
{
    return accept_each(accept, type_is, type);
}

bool oa_accept_first(const char *accept, const char *type)
{
    const char *p = accept;
    const char *t, *te;
    size_t n;

    if (!p)
        return false;
    t = p;
    while (*t == ' ' || *t == '\t')
        t++;
    te = t + strcspn(t, ",; \t");
    n = (size_t)(te - t);
    if (n == strlen(type) && strncasecmp(t, type, n) == 0)
        return true;
    if (strcasecmp(type, "application/json") == 0 && n > 17 &&
        strncasecmp(t, "application/", 12) == 0 && strncasecmp(te - 5, "+json", 5) == 0)
        return true;
    return false;
}

bool oa_wants_json(const struct oa_request *req)
{
    const char *xrw = req->x_requested_with;
    const char *mode = req->sec_fetch_mode;

    if (oa_accept_first(req->accept, "application/json"))
        return true;
    if (oa_accept_has(req->accept, "text/html"))
        return false;
    if (xrw && strcasecmp(xrw, "XMLHttpRequest") == 0)
        return true;
    if (mode && *mode && strcasecmp(mode, "navigate") != 0)
        return true; /* fetch() or XHR without text/html */
    return oa_accept_has(req->accept, "application/json");
}

static bool streq_ci(const char *a, const char *b)
{
    return a && strcasecmp(a, b) == 0;
}

bool oa_page_load(const struct oa_request *req)
{
    if (!streq_ci(req->method, "GET") && !streq_ci(req->method, "HEAD"))
        return false;
    if (streq_ci(req->x_requested_with, "XMLHttpRequest"))
        return false;
    if (oa_accept_first(req->accept, "application/json"))
        return false;
    return streq_ci(req->sec_fetch_mode, "navigate") || streq_ci(req->sec_fetch_dest, "document") ||
           oa_accept_has(req->accept, "text/html");
}
