/* test_negotiate.c - content negotiation: Accept parsing, JSON or HTML for
 * the pages (oa_wants_json), a page load or a script's call for the
 * authorizer (oa_page_load). */
#include <stddef.h>

#include "oa/negotiate.h"
#include "tap.h"

/* Only what negotiation reads: the method and the four headers. */
static struct oa_request rq(const char *accept, const char *xrw, const char *mode)
{
    return (struct oa_request){
        .method = "GET", .accept = accept, .x_requested_with = xrw, .sec_fetch_mode = mode};
}

static void test_accept(void)
{
    struct oa_request q;

    ok(oa_accept_has("text/html,application/xhtml+xml;q=0.9", "text/html"), "has text/html");
    ok(oa_accept_has(" TEXT/HTML ; q=0.5", "text/html"), "case and spaces");
    ok(!oa_accept_has("text/html;q=0", "text/html"), "q=0 is refusal");
    ok(!oa_accept_has("text/html;q=0.000", "text/html"), "q=0.000 is refusal");
    ok(oa_accept_has("text/html;q=0.01", "text/html"), "q=0.01 is acceptance");
    ok(!oa_accept_has("text/htmlx", "text/html"), "no prefix match");
    ok(!oa_accept_has(NULL, "text/html"), "no Accept");
    ok(oa_accept_first("application/json, text/html", "application/json"), "JSON first");
    ok(oa_accept_first("application/problem+json", "application/json"), "+json first");
    ok(!oa_accept_first("text/html, application/json", "application/json"), "JSON not first");

    q = rq("application/json", NULL, NULL);
    ok(oa_wants_json(&q), "Accept: application/json wants JSON");
    q = rq("application/json, text/html", NULL, NULL);
    ok(oa_wants_json(&q), "JSON first wins over html");
    q = rq("text/html,application/xhtml+xml,*/*;q=0.8", NULL, "navigate");
    ok(!oa_wants_json(&q), "a browser navigation wants HTML");
    q = rq("*/*", "XMLHttpRequest", NULL);
    ok(oa_wants_json(&q), "XHR wants JSON");
    q = rq("*/*", NULL, "cors");
    ok(oa_wants_json(&q), "fetch() without text/html wants JSON");
    q = rq(NULL, NULL, NULL);
    ok(!oa_wants_json(&q), "curl with no Accept gets HTML");
    q = rq("text/html", "XMLHttpRequest", NULL);
    ok(!oa_wants_json(&q), "XHR asking for text/html gets HTML");
}

/* oa_page_load decides SIGN_IN (302) against UNAUTH (401) for a request
 * without a session. */
static void test_page_load(void)
{
    struct oa_request q;

    q = rq("text/html,application/xhtml+xml,*/*;q=0.8", NULL, NULL);
    ok(oa_page_load(&q), "GET listing text/html is a page load");
    q.method = "head";
    ok(oa_page_load(&q), "HEAD (any case) is a page load");
    q.method = "POST";
    ok(!oa_page_load(&q), "POST is never a page load");
    q = rq(NULL, NULL, "navigate");
    ok(oa_page_load(&q), "Sec-Fetch-Mode navigate is a page load");
    q = rq(NULL, NULL, NULL);
    ok(!oa_page_load(&q), "no Accept, no Sec-Fetch-*: not a page load");
    q.sec_fetch_dest = "document";
    ok(oa_page_load(&q), "Sec-Fetch-Dest document is a page load");
    q = rq("text/html", "xmlhttprequest", "navigate");
    ok(!oa_page_load(&q), "X-Requested-With: XMLHttpRequest is not a page load");
    q = rq("application/json, text/html", NULL, "navigate");
    ok(!oa_page_load(&q), "Accept starting with JSON is not a page load");
    q = rq("text/html;q=0", NULL, NULL);
    ok(!oa_page_load(&q), "text/html with q=0 is not a page load");
}

int main(void)
{
    test_accept();
    test_page_load();
    return tap_done();
}
