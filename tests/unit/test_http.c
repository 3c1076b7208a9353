/*
 * test_http.c - src/net/http.c against a real local server (tests/idp/httpd.js,
 * started by tests/http.sh, which passes OA_TEST_HTTPS_PORT,
 * OA_TEST_HTTP_PORT, OA_TEST_CA (the server's CA) and OA_TEST_OTHER_CA (an
 * unrelated CA)). Without them it skips. Also checks oa_http_json.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oa/curl_load.h"
#include "oa/http.h"
#include "tap.h"

static const char *ca, *other_ca;
static char base[64], plain[64];

static enum oa_err call(struct oa_http_response *r, const char *method, const char *url,
                        const char *ca_file, bool allow_http, int64_t timeout_ms,
                        struct oa_error *err)
{
    struct oa_http_opts o = {timeout_ms, ca_file, allow_http};
    struct oa_http_request q = {.method = method, .url = url};
    enum oa_err e = oa_http_curl.send(NULL, &o, &q, r, err);

    if (e != OA_OK)
        printf("#   (%s)\n", err->msg);
    return e;
}

static void url(char *out, size_t cap, const char *b, const char *path)
{
    snprintf(out, cap, "%s%s", b, path);
}

/* A TCP port on 127.0.0.1 nobody listens on (bound then closed). */
static int closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    bind(fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(fd, (struct sockaddr *)&a, &n);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void test_tls(void)
{
    struct oa_http_response r = {0};
    struct oa_error err;
    char u[128];

    url(u, sizeof(u), base, "/json");
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_OK, "https with ca_file");
    is_int(r.status, 200, "status 200");
    is_str(r.body, "{\"ok\":true}", "body");
    is_str(r.content_type, "application/json", "content type");
    oa_http_response_free(&r);
    ok(call(&r, "GET", u, other_ca, false, 5000, &err) == OA_ERR_PROVIDER, "unknown CA refused");
    ok(strstr(err.msg, "127.0.0.1") != NULL, "error names the host");
    ok(r.body == NULL, "no body on failure");
    ok(call(&r, "GET", u, NULL, false, 5000, &err) == OA_ERR_PROVIDER,
       "system store does not know the test CA");
    snprintf(u, sizeof(u), "https://localhost:%s/json", getenv("OA_TEST_HTTPS_PORT"));
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_OK, "localhost is in the certificate");
    oa_http_response_free(&r);
}

static void test_policy(void)
{
    struct oa_http_response r = {0};
    struct oa_error err;
    char u[128];

    url(u, sizeof(u), plain, "/json");
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_ERR_PROVIDER, "http refused by default");
    ok(call(&r, "GET", u, ca, true, 5000, &err) == OA_OK && r.status == 200,
       "http allowed with allow_http");
    oa_http_response_free(&r);
    snprintf(u, sizeof(u), "ftp://127.0.0.1:%s/x", getenv("OA_TEST_HTTP_PORT"));
    ok(call(&r, "GET", u, ca, true, 5000, &err) == OA_ERR_PROVIDER, "ftp refused");
    url(u, sizeof(u), base, "/redirect");
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_OK && r.status == 302,
       "redirect not followed: the 302 is the answer");
    oa_http_response_free(&r);
    url(u, sizeof(u), base, "/big");
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_ERR_TOO_LARGE, "2 MiB body: TOO_LARGE");
    ok(r.body == NULL, "no partial body");
    url(u, sizeof(u), base, "/slow");
    ok(call(&r, "GET", u, ca, false, 300, &err) == OA_ERR_PROVIDER, "timeout");
    ok(strstr(err.msg, "imeout") != NULL, "message says timeout");
    snprintf(u, sizeof(u), "https://127.0.0.1:%d/json", closed_port());
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_ERR_PROVIDER, "connection refused");
    ok(strstr(err.msg, "127.0.0.1") && strstr(err.msg, "onnect"), "clear message: %s", err.msg);
    url(u, sizeof(u), base, "/status/500");
    ok(call(&r, "GET", u, ca, false, 5000, &err) == OA_OK && r.status == 500,
       "an HTTP error status is an answer");
    oa_http_response_free(&r);
}

static void test_request(void)
{
    struct oa_http_opts o = {5000, ca, false};
    struct oa_http_request q = {.method = "POST",
                                .body = "a=1&b=2",
                                .body_len = 7,
                                .basic_user = "cid",
                                .basic_pass = "s3cret",
                                .headers = {"X-Test: yes", "Bad: a\r\nInjected: 1", NULL}};
    struct oa_http_response r = {0};
    struct oa_error err;
    json_t *j = NULL;
    char u[128], *link = NULL;
    long status;

    url(u, sizeof(u), base, "/echo");
    q.url = u;
    ok(oa_http_json(&j, &status, NULL, &oa_http_curl, &o, &q, &err) == OA_OK && status == 200,
       "POST through oa_http_json");
    is_str(json_string_value(json_object_get(j, "method")), "POST", "method POST");
    is_str(json_string_value(json_object_get(j, "body")), "a=1&b=2", "body sent");
    is_str(json_string_value(json_object_get(j, "content_type")),
           "application/x-www-form-urlencoded", "form content type");
    is_str(json_string_value(json_object_get(j, "accept")), "application/json", "Accept");
    ok(strncmp(json_string_value(json_object_get(j, "ua")), "oauth2-fcgi/", 12) == 0,
       "User-Agent oauth2-fcgi/VERSION");
    is_str(json_string_value(json_object_get(j, "authorization")),
           "Basic Y2lkOnMzY3JldA==", "basic auth");
    is_str(json_string_value(json_object_get(j, "x_test")), "yes", "extra header");
    json_decref(j);
    q = (struct oa_http_request){.method = "GET", .url = u};
    ok(oa_http_json(&j, &status, NULL, &oa_http_curl, &o, &q, &err) == OA_OK, "GET again");
    is_str(json_string_value(json_object_get(j, "method")), "GET", "reused handle: GET, not POST");
    ok(json_is_null(json_object_get(j, "authorization")), "no leftover basic auth");
    json_decref(j);
    url(u, sizeof(u), base, "/link");
    ok(oa_http_json(&j, &status, &link, &oa_http_curl, &o, &q, &err) == OA_OK && link &&
           strstr(link, "rel=\"next\""),
       "Link header returned");
    json_decref(j);
    free(link);
    url(u, sizeof(u), base, "/big");
    ok(oa_http_json(&j, &status, NULL, &oa_http_curl, &o, &q, &err) == OA_ERR_TOO_LARGE,
       "oa_http_json: TOO_LARGE passed on");
    url(u, sizeof(u), base, "/redirect");
    ok(oa_http_json(&j, &status, NULL, &oa_http_curl, &o, &q, &err) == OA_OK && status == 302,
       "oa_http_json gives the status");
    json_decref(j);
    memset(&r, 0, sizeof(r));
}

static void test_json_parse(void)
{
    struct oa_error err;
    json_t *j = NULL;

    ok(oa_json_parse_object(&j, "{\"a\":1,\"a\":2}", 13, "t", &err) == OA_ERR_BAD_INPUT,
       "duplicate keys refused");
    ok(oa_json_parse_object(&j, "{\"a\":1}\0x", 9, "t", &err) == OA_ERR_BAD_INPUT,
       "NUL inside refused");
    ok(oa_json_parse_object(&j, "\"s\"", 3, "t", &err) == OA_ERR_BAD_INPUT, "not an object");
    ok(oa_json_parse_object(&j, "{}", OA_HTTP_BODY_MAX + 1, "t", &err) == OA_ERR_TOO_LARGE,
       "over the cap refused before parsing");
    ok(oa_json_parse_object(&j, "{\"a\":1}", 7, "t", &err) == OA_OK && json_is_object(j),
       "an object parses");
    json_decref(j);
}

/* libcurl is loaded at the first use, not before (src/net/curl_load.c). */
static void test_load(void)
{
    const struct oa_curl_api *c;
    const char *why = NULL;

    ok(!oa_curl_loaded(), "libcurl is not loaded before the first provider request");
    c = oa_curl(&why);
    ok(c != NULL, "libcurl loads: %s", why ? why : "ok");
    if (!c)
        return;
    ok(c->version_info(CURLVERSION_NOW)->version_num >= 0x075500, "libcurl is 7.85 or newer");
    ok(oa_curl(NULL) == c && oa_curl_loaded(), "loaded once");
}

int main(void)
{
    const char *hp = getenv("OA_TEST_HTTPS_PORT"), *pp = getenv("OA_TEST_HTTP_PORT");

    test_json_parse();
    test_load();
    ca = getenv("OA_TEST_CA");
    other_ca = getenv("OA_TEST_OTHER_CA");
    if (!hp || !pp || !ca || !other_ca) {
        printf("ok %d # SKIP no test server (run through tests/http.sh)\n", ++tap_n);
        return tap_done();
    }
    snprintf(base, sizeof(base), "https://127.0.0.1:%s", hp);
    snprintf(plain, sizeof(plain), "http://127.0.0.1:%s", pp);
    test_tls();
    test_policy();
    test_request();
    oa_http_global_cleanup();
    return tap_done();
}
