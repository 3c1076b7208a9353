/*
 * request_origin.c - is this request from our own pages? (Fetch Metadata,
 * then Origin, then Referer.)
 *
 * Browsers send Sec-Fetch-Site on every request since 2020-2023 (Chrome 76,
 * Firefox 90, Safari 16.4), and pages cannot forge it: it is the best
 * witness. Older browsers send Origin on POST and on cross-origin requests,
 * and a Referer unless a policy strips it. A request with none of them
 * cannot be told apart from a cross-site one, so it is treated as one: the
 * caller then asks the user (a confirmation page), which costs a click,
 * never a forged action.
 *
 * "Ours" is public_url's origin when it is configured. Without it, the
 * request's Host (behind a TLS-terminating proxy the program may see http
 * while the browser's Origin says https: the scheme is only held against
 * an Origin that downgrades an https request to http).
 */
#include <string.h>
#include <strings.h>

#include "oa/redirect.h"
#include "oa/request_origin.h"

static bool streq_ci(const char *a, const char *b)
{
    return a && strcasecmp(a, b) == 0;
}

/* Length of host[:port] without the scheme's default port. */
static size_t without_default_port(const char *hp, size_t n, bool https)
{
    const char *dflt = https ? ":443" : ":80";
    size_t d = strlen(dflt);

    if (n > d && !memcmp(hp + n - d, dflt, d))
        return n - d;
    return n;
}

static bool same_ci(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && an > 0 && strncasecmp(a, b, an) == 0;
}

bool oa_origin_is_ours(const struct oa_config *cfg, const struct oa_request *req, const char *o,
                       size_t n)
{
    bool https;
    const char *hp;
    size_t hn;

    if (n > 8 && !strncasecmp(o, "https://", 8)) {
        https = true;
        hp = o + 8;
    } else if (n > 7 && !strncasecmp(o, "http://", 7)) {
        https = false;
        hp = o + 7;
    } else {
        return false;
    }
    hn = without_default_port(hp, n - (size_t)(hp - o), https);
    if (memchr(hp, '/', hn) || memchr(hp, '@', hn))
        return false;
    if (cfg->public_url)
        return https == cfg->public_https && cfg->public_host &&
               same_ci(hp, hn, cfg->public_host, strlen(cfg->public_host));
    if (!https && oa_request_https(req))
        return false;
    return req->host &&
           same_ci(hp, hn, req->host, without_default_port(req->host, strlen(req->host), https));
}

/* The origin part of a Referer: up to the first '/', '?' or '#' after "://". */
static bool referer_is_ours(const struct oa_config *cfg, const struct oa_request *req,
                            const char *ref)
{
    const char *sep = strstr(ref, "://");
    size_t n;

    if (!sep)
        return false;
    n = (size_t)(sep + 3 - ref) + strcspn(sep + 3, "/?#");
    return oa_origin_is_ours(cfg, req, ref, n);
}

bool oa_request_from_us(const struct oa_config *cfg, const struct oa_request *req)
{
    const char *site = req->sec_fetch_site;

    if (site && *site)
        return streq_ci(site, "same-origin") || streq_ci(site, "none");
    if (req->origin && *req->origin)
        return oa_origin_is_ours(cfg, req, req->origin, strlen(req->origin));
    if (req->referer && *req->referer)
        return referer_is_ours(cfg, req, req->referer);
    return false;
}
