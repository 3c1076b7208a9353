/* test_request_origin.c - is a request from our own pages? (logout CSRF,
 * src/web/request_origin.c): Sec-Fetch-Site first, then Origin, then Referer;
 * "ours" is public_url's origin, or, without it, the request's Host. */
#include <string.h>

#include "oa/request_origin.h"
#include "tap.h"

static struct oa_config cfg;

static struct oa_request rq(const char *site, const char *origin, const char *referer)
{
    struct oa_request q;

    memset(&q, 0, sizeof(q));
    q.method = "GET";
    q.host = "app.example.com";
    q.https = "on";
    q.sec_fetch_site = site;
    q.origin = origin;
    q.referer = referer;
    return q;
}

static int from_us(const char *site, const char *origin, const char *referer)
{
    struct oa_request q = rq(site, origin, referer);

    return oa_request_from_us(&cfg, &q);
}

int main(void)
{
    static char url[] = "https://app.example.com", host[] = "app.example.com";
    struct oa_request q;

    /* no public_url: the request's Host is ours */
    memset(&cfg, 0, sizeof(cfg));
    ok(from_us("same-origin", NULL, NULL), "Sec-Fetch-Site same-origin");
    ok(from_us("none", NULL, NULL), "Sec-Fetch-Site none (typed, bookmarked)");
    ok(!from_us("same-site", NULL, NULL), "Sec-Fetch-Site same-site: not ours");
    ok(!from_us("cross-site", "https://app.example.com", NULL),
       "cross-site wins over a matching Origin");
    ok(!from_us("", NULL, NULL), "an empty Sec-Fetch-Site and nothing else: not ours");
    ok(!from_us(NULL, NULL, NULL), "no header at all: not ours (the safe default)");
    ok(from_us(NULL, "https://app.example.com", NULL), "our Origin (the Host)");
    ok(from_us(NULL, "https://APP.EXAMPLE.COM:443", NULL), "our Origin, capitals, :443");
    ok(!from_us(NULL, "http://app.example.com", NULL),
       "an http Origin for an https request: not ours (a downgrade)");
    ok(!from_us(NULL, "https://app.example.com:8443", NULL), "another port: not ours");
    ok(!from_us(NULL, "https://app.example.com.evil.test", NULL), "our name as a prefix: not ours");
    ok(!from_us(NULL, "null", "https://app.example.com/"), "Origin null: not ours, Referer unread");
    ok(!from_us(NULL, "https://evil.test", "https://app.example.com/"),
       "a foreign Origin: not ours, Referer unread");
    ok(from_us(NULL, NULL, "https://app.example.com/app/?x=1"), "our Referer");
    ok(from_us(NULL, NULL, "https://app.example.com?x"), "our Referer, query right after the host");
    ok(!from_us(NULL, NULL, "https://app.example.com@evil.test/"),
       "a Referer with our host as user info: not ours");
    ok(!from_us(NULL, NULL, "https://evil.test/https://app.example.com/"),
       "our origin later in a foreign Referer: not ours");
    ok(!from_us(NULL, NULL, "app.example.com/x"), "a Referer without a scheme: not ours");
    ok(!from_us(NULL, NULL, "ftp://app.example.com/"), "another scheme: not ours");
    q = rq(NULL, "https://app.example.com", NULL);
    q.https = NULL; /* behind a TLS-terminating proxy the program may see http */
    ok(oa_request_from_us(&cfg, &q), "https Origin for a request seen as http: ours (a proxy)");
    q.host = "app.example.com:80";
    q.origin = "http://app.example.com";
    ok(oa_request_from_us(&cfg, &q), "http Origin, Host with :80: ours");
    q.host = NULL;
    ok(!oa_request_from_us(&cfg, &q), "no Host and no public_url: nothing is ours");

    /* public_url: its origin, whatever the Host says */
    cfg.public_url = url;
    cfg.public_host = host;
    cfg.public_https = true;
    q = rq(NULL, "https://app.example.com", NULL);
    q.host = "evil.test";
    ok(oa_request_from_us(&cfg, &q), "public_url: our Origin even with another Host");
    q = rq(NULL, "https://evil.test", NULL);
    q.host = "evil.test";
    ok(!oa_request_from_us(&cfg, &q), "public_url: an Origin equal to a forged Host is not ours");
    ok(!from_us(NULL, "http://app.example.com", NULL), "public_url https: an http Origin is not");
    return tap_done();
}
