/* test_handler.c - routing (SCRIPT_NAME+PATH_INFO, REQUEST_URI only, mounted
 * at '/', base_path variants), 404/405, the endpoints, ErrorDocument 401. */
#include "core_fixture.h"
#include "oa/handler.h"

static struct oa_config cfg;
static struct oa_response r;

static struct oa_request rq(const char *method, const char *sn, const char *pi, const char *uri)
{
    struct oa_request q = {.method = method, .script_name = sn, .path_info = pi,
                           .request_uri = uri, .host = "app.example.com", .https = "on",
                           .accept = "text/html", .sec_fetch_mode = "navigate", .now = CFX_NOW};
    return q;
}

/* Answers q; returns the status (r kept for inspection until the next call). */
static int answer(const struct oa_request *q)
{
    oa_response_free(&r);
    oa_response_init(&r);
    (void)oa_handle(&cfg, q, &r);
    return r.status;
}

static void routing(void)
{
    struct oa_request q;

    q = rq("GET", "/oauth", "/health", "/oauth/health");
    is_int(answer(&q), 200, "SCRIPT_NAME=/oauth PATH_INFO=/health");
    is_str(r.body.p, "ok", "health says ok");
    is_str(oa_response_get(&r, "Content-Type"), "text/plain; charset=utf-8", "health text/plain");
    q = rq("GET", "", "/oauth/health", "/oauth/health");
    is_int(answer(&q), 200, "mounted at '/': PATH_INFO=/oauth/health");
    q = rq("GET", "/oauth/health", NULL, "/oauth/health");
    is_int(answer(&q), 200, "SCRIPT_NAME only (nginx)");
    q = rq("GET", NULL, NULL, "/oauth/health?x=1");
    is_int(answer(&q), 200, "REQUEST_URI only");
}

int main(void)
{
    cfx_config(&cfg, 2);
    oa_response_init(&r);
    routing();
    oa_response_free(&r);
    cfx_free();
    return tap_done();
}
