/* test_authorizer.c - the decision table of DESIGN section 4: session state
 * (none, valid, expired, tampered, state-as-session, refused by the rules)
 * x client (page load, XHR, JSON, HEAD), checked on the wire: exact Status
 * line, only Variable-* on 200, no Location on 401/403, rd carried and
 * validated; path normalisation before the rules. */
#include "core_fixture.h"
#include "oa/authorizer.h"

static struct oa_config cfg;
static struct oa_response r; /* large: off the stack */

enum client { PAGE, XHR, JSON, HEAD, NCLIENTS };
static const char *client_name[] = {"page load", "XHR", "JSON client", "HEAD"};

static struct oa_request rq(enum client c, const char *uri, const char *cookie)
{
    struct oa_request q = {.role = OA_ROLE_AUTHORIZER, .method = "GET", .request_uri = uri,
                           .host = "app.example.com", .https = "on", .cookie = cookie,
                           .now = CFX_NOW};
    switch (c) {
    case PAGE:
        q.accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        q.sec_fetch_mode = "navigate";
        q.sec_fetch_dest = "document";
        break;
    case XHR:
        q.accept = "*/*";
        q.x_requested_with = "XMLHttpRequest";
        break;
    case JSON:
        q.accept = "application/json";
        q.sec_fetch_mode = "cors";
        q.sec_fetch_dest = "empty";
        break;
    case HEAD:
        q.method = "HEAD";
        q.accept = "text/html";
        break;
    default: break;
    }
    return q;
}

static const char *status_line(int status)
{
    switch (status) {
    case 200: return "Status: 200 OK\r\n";
    case 302: return "Status: 302 Found\r\n";
    case 401: return "Status: 401 Unauthorized\r\n";
    case 403: return "Status: 403 Forbidden\r\n";
    }
    return "?";
}

static int only_variables(const struct oa_response *resp)
{
    size_t i;

    for (i = 0; i < resp->nheaders; i++)
        if (strncmp(resp->headers[i].name, "Variable-", 9) != 0)
            return 0;
    return resp->nheaders > 0;
}

/* One cell of the table: answer, then check the wire. */
static void cell(const char *what, enum client c, const char *uri, const char *cookie, int want)
{
    struct oa_request q = rq(c, uri, cookie);
    struct oa_buf w;
    enum oa_err e;

    oa_response_init(&r);
    e = oa_authorizer_answer(&cfg, &q, &r);
    w = cfx_wire(&r);
    ok(strncmp(w.p, status_line(want), strlen(status_line(want))) == 0,
       "%s, %s: first line is Status: %d", what, client_name[c], want);
    if (want == 200) {
        ok(only_variables(&r) && r.body.len == 0 && e == OA_OK,
           "%s, %s: only Variable-* headers, no body", what, client_name[c]);
    } else if (want == 302) {
        ok(oa_response_get(&r, "Location") && r.body.len > 0 && !only_variables(&r),
           "%s, %s: Location, a small body, no Variable-*", what, client_name[c]);
    } else {
        ok(!oa_response_get(&r, "Location") && cfx_count(&r, "Variable-REMOTE_USER") == 0,
           "%s, %s: no Location, no identity", what, client_name[c]);
        if (c == JSON || c == XHR)
            ok(r.body.p && strncmp(r.body.p, "{\"error\": ", 10) == 0, "%s, %s: JSON body",
               what, client_name[c]);
        else
            ok(r.body.p && strncmp(r.body.p, "<!DOCTYPE html>", 15) == 0, "%s, %s: HTML body",
               what, client_name[c]);
    }
    oa_buf_free(&w);
    oa_response_free(&r);
}

static void table(void)
{
    struct oa_identity alice = cfx_alice();
    const char *valid = cfx_cookie(&cfg, &alice, CFX_NOW - 60, "");
    const char *expired = cfx_cookie(&cfg, &alice, CFX_NOW - 7200, "");
    static char tampered[sizeof(cfx_cookie_buf[0])];
    static char state_cookie[8192];
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[4096];
    size_t plen, slen, mid;
    int c;

    /* tampered: one character of the sealed text changed */
    snprintf(tampered, sizeof(tampered), "%s", valid);
    mid = strlen(tampered) - 10;
    tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
    /* the same identity sealed as a login state: must not pass for a session */
    alice.iat = CFX_NOW - 60;
    alice.exp = CFX_NOW + 3600;
    ok(oa_session_encode(plain, sizeof(plain), &plen, &alice) == OA_OK, "encode");
    ok(oa_seal(sealed, sizeof(sealed), &slen, plain, plen, "state", &cfg.keys) == OA_OK,
       "seal as state");
    snprintf(state_cookie, sizeof(state_cookie), "__Host-oauth2_fcgi=%s", sealed);

    for (c = 0; c < NCLIENTS; c++) {
        int deny = (c == PAGE || c == HEAD) ? 302 : 401;
        cell("no cookie", c, "/app/page?x=1", NULL, deny);
        cell("other cookies only", c, "/app/page", "a=b; theme=dark", deny);
        cell("valid", c, "/app/page?x=1", valid, 200);
        cell("expired", c, "/app/page", expired, deny);
        cell("tampered", c, "/app/page", tampered, deny);
        cell("state as session", c, "/app/page", state_cookie, deny);
        cell("rules refuse", c, "/admin/panel", valid, 403);
    }
}

int main(void)
{
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/admin/", "boss@example.com", "", "", "", "");
    cfx_rule(&cfg, "/private", "boss@example.com", "", "", "", "");
    table();
    cfx_free();
    return tap_done();
}
