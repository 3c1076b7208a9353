/* test_pages.c - escaped error and sign-in pages, JSON or HTML by Accept,
 * the security headers and the CSP hash of the style sheet. */
#include "fixture.h"
#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/pages.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_response r;

static struct oa_request rq(const char *accept, const char *xrw, const char *mode)
{
    struct oa_request q = {.method = "GET",
                           .host = "app.example.com",
                           .https = "on",
                           .accept = accept,
                           .x_requested_with = xrw,
                           .sec_fetch_mode = mode,
                           .now = CFX_NOW};
    return q;
}

/* The CSP's style hash equals the SHA-256 of the page's <style> text. */
static int csp_matches_style(const struct oa_response *resp)
{
    const char *csp = oa_response_get(resp, "Content-Security-Policy");
    const char *s = resp->body.p ? strstr(resp->body.p, "<style>") : NULL;
    const char *e = s ? strstr(s, "</style>") : NULL;
    unsigned char h[32];
    char b[64], want[128];
    size_t i;

    if (!csp || !s || !e)
        return 0;
    s += 7;
    oa_sha256(h, s, (size_t)(e - s));
    if (oa_b64url_encode(b, sizeof(b), h, sizeof(h)) != OA_OK)
        return 0;
    for (i = 0; b[i]; i++)
        b[i] = b[i] == '-' ? '+' : b[i] == '_' ? '/' : b[i];
    snprintf(want, sizeof(want), "style-src 'sha256-%s='", b);
    return strstr(csp, want) != NULL;
}

static void security_headers(const char *what)
{
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "%s: Cache-Control no-store", what);
    is_str(oa_response_get(&r, "X-Content-Type-Options"), "nosniff", "%s: nosniff", what);
    is_str(oa_response_get(&r, "Referrer-Policy"), "no-referrer", "%s: no referrer", what);
    ok(cfx_has(oa_response_get(&r, "Content-Security-Policy"), "default-src 'none'"),
       "%s: CSP default-src 'none'", what);
    ok(cfx_has(oa_response_get(&r, "Content-Security-Policy"), "frame-ancestors 'none'"),
       "%s: CSP frame-ancestors 'none'", what);
}

static void test_errors(void)
{
    struct oa_request q = rq("text/html", NULL, "navigate");
    struct oa_buf w;

    oa_response_init(&r);
    oa_page_error(&r, &q, 400, "Bad <script>alert(1)</script> & \"quotes\"");
    w = cfx_wire(&r);
    ok(strncmp(w.p, "Status: 400 Bad Request\r\n", 25) == 0, "error: Status first");
    oa_buf_free(&w);
    is_str(oa_response_get(&r, "Content-Type"), "text/html; charset=utf-8", "error: HTML");
    ok(!cfx_has(r.body.p, "<script>"), "error: reason escaped");
    ok(cfx_has(r.body.p, "Bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
       "error: reason shown escaped");
    ok(strncmp(r.body.p, "<!DOCTYPE html>", 15) == 0, "error: HTML5 doctype");
    ok(cfx_has(r.body.p, "<title>400 Bad Request</title>"), "error: title");
    security_headers("error page");
    ok(csp_matches_style(&r), "error page: the CSP hash is the style sheet's");
    ok(!cfx_has(oa_response_get(&r, "Content-Security-Policy"), "unsafe-inline"),
       "no unsafe-inline");
    oa_response_free(&r);

    q = rq("application/json", NULL, NULL);
    oa_response_init(&r);
    oa_page_error(&r, &q, 404, "Nothing \"here\" <x>");
    is_int(r.status, 404, "JSON error status");
    is_str(oa_response_get(&r, "Content-Type"), "application/json", "JSON error type");
    is_str(r.body.p, "{\"error\": \"Nothing \\\"here\\\" \\u003cx\\u003e\", \"status\": 404}\n",
           "JSON error body escaped");
    security_headers("JSON error");
    oa_response_free(&r);

    oa_response_init(&r);
    oa_page_error_json(&r, 401, "Not signed in.");
    is_str(r.body.p, "{\"error\": \"Not signed in.\", \"status\": 401}\n", "forced JSON");
    oa_response_free(&r);

    /* an error replaces whatever was there */
    oa_response_init(&r);
    ok(oa_response_header(&r, "Location", "/x") == OA_OK, "a header before the error");
    oa_page_error(&r, NULL, 500, NULL);
    ok(oa_response_get(&r, "Location") == NULL, "error page drops earlier headers");
    ok(cfx_has(r.body.p, "Internal Server Error"), "NULL reason: the status phrase");
    oa_response_free(&r);

    q = rq("text/html", NULL, NULL);
    oa_response_init(&r);
    oa_page_forbidden(&r, &cfg, &q, "<b>mallory</b>@example.com");
    is_int(r.status, 403, "forbidden 403");
    ok(cfx_has(r.body.p, "&lt;b&gt;mallory&lt;/b&gt;@example.com"), "forbidden names the user");
    ok(!cfx_has(r.body.p, "<b>mallory"), "user escaped");
    ok(cfx_has(r.body.p, "href=\"/oauth/logout\""), "forbidden offers sign-out");
    ok(oa_response_get(&r, "Location") == NULL, "forbidden has no Location");
    oa_response_free(&r);
}

static void test_redirect(void)
{
    struct oa_request q = rq("text/html", NULL, NULL);

    oa_response_init(&r);
    ok(oa_page_redirect(&r, &q, "/x?a=1&b=\"2\"") == OA_OK, "redirect page");
    is_int(r.status, 302, "302");
    is_str(oa_response_get(&r, "Location"), "/x?a=1&b=\"2\"", "Location as given");
    ok(cfx_has(r.body.p, "href=\"/x?a=1&amp;b=&quot;2&quot;\""), "link escaped");
    security_headers("redirect");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_redirect(&r, &q, "/x\r\nSet-Cookie: a=b") == OA_ERR_BAD_INPUT,
       "CRLF location refused");
    is_int(r.status, 500, "refused location: 500");
    ok(oa_response_get(&r, "Location") == NULL, "and no Location");
    is_int(cfx_count(&r, "Set-Cookie"), 0, "and no injected header");
    oa_response_free(&r);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;

    for (; hay && (hay = strstr(hay, needle)) != NULL; hay++)
        n++;
    return n;
}

static void test_sign_in(void)
{
    struct oa_request q = rq("text/html", NULL, "navigate");

    cfx_providers[1].display_name = cfx_str("<img src=x onerror=alert(1)>\"Corp\"");
    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "/reports?a=1&b=2") == OA_OK, "sign-in page");
    is_int(r.status, 200, "200");
    ok(strncmp(r.body.p, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0, "HTML5");
    ok(cfx_has(r.body.p, "<meta charset=\"utf-8\">"), "charset");
    ok(cfx_has(r.body.p, "<h1>app.example.com</h1>"), "product name");
    ok(cfx_has(r.body.p, "Sign in to continue"), "sign in to continue");
    is_int(count_of(r.body.p, "class=\"btn\""), 3, "one button per provider");
    ok(cfx_has(r.body.p, "href=\"/oauth/github/login?rd=%2Freports%3Fa%3D1%26b%3D2\""),
       "github button carries rd urlencoded");
    ok(cfx_has(r.body.p, ">Sign in with GitHub</a>"), "display name");
    ok(cfx_has(r.body.p, "Sign in with &lt;img src=x onerror=alert(1)&gt;&quot;Corp&quot;"),
       "hostile display name escaped");
    ok(!cfx_has(r.body.p, "<img"), "no markup injected");
    ok(!cfx_has(r.body.p, "<script"), "no script at all");
    ok(cfx_has(r.body.p, "<footer>"), "footer");
    security_headers("sign-in");
    ok(csp_matches_style(&r), "sign-in: CSP hash matches the style sheet");
    is_str(oa_response_get(&r, "X-Frame-Options"), "DENY", "X-Frame-Options");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "https://evil.example.net/\"><script>") == OA_OK,
       "sign-in with a foreign rd");
    ok(!cfx_has(r.body.p, "rd="), "a refused rd is left out");
    ok(!cfx_has(r.body.p, "evil"), "and never echoed");
    ok(cfx_has(r.body.p, "href=\"/oauth/github/login\""), "plain login link");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "javascript:alert(1)") == OA_OK, "javascript: rd");
    ok(!cfx_has(r.body.p, "javascript"), "javascript: rd left out");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "//evil.example.net/x") == OA_OK, "//host rd");
    ok(!cfx_has(r.body.p, "evil"), "//host rd left out");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "https://app.example.com/a b") == OA_OK, "space rd");
    ok(!cfx_has(r.body.p, "rd="), "rd with a space left out");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, "https://app.example.com/x?y=1") == OA_OK, "own https rd");
    ok(cfx_has(r.body.p, "?rd=https%3A%2F%2Fapp.example.com%2Fx%3Fy%3D1\""), "own origin kept");
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, NULL) == OA_OK, "no rd");
    ok(!cfx_has(r.body.p, "rd="), "no rd, no parameter");
    oa_response_free(&r);

    cfg.base_path = cfx_str("");
    oa_response_init(&r);
    ok(oa_page_sign_in(&r, &cfg, &q, NULL) == OA_OK, "root base_path");
    ok(cfx_has(r.body.p, "href=\"/github/login\""), "root base_path: /github/login");
    oa_response_free(&r);
    cfg.base_path = cfx_str("/oauth");
}

/* A page over the buffer's cap (DESIGN.md section 8.1) is an error page,
 * never a truncated page: a display name that escapes to more than the
 * default cap. */
static void test_over_cap(void)
{
    struct oa_request q = rq("text/html", NULL, "navigate");
    size_t n = OA_BUF_MAX_DEFAULT / 4; /* "&" escapes to 5 bytes */
    char *name = malloc(n + 1), *saved = cfx_providers[1].display_name;

    if (!name)
        abort();
    memset(name, '&', n);
    name[n] = '\0';
    cfx_providers[1].display_name = name;
    oa_response_init(&r);
    is_int(oa_page_sign_in(&r, &cfg, &q, NULL), OA_ERR_TOO_LARGE, "over the cap: TOO_LARGE");
    is_int(r.status, 500, "over the cap: the 500 page");
    ok(r.body.len < 4096 && !cfx_has(r.body.p, "&amp;&amp;") && cfx_has(r.body.p, "</html>"),
       "a whole small error page, nothing of the oversized one");
    oa_response_free(&r);
    cfx_providers[1].display_name = saved;
    free(name);
}

int main(void)
{
    cfx_config(&cfg, 3);
    test_errors();
    test_redirect();
    test_sign_in();
    test_over_cap();
    cfx_free();
    return tap_done();
}
