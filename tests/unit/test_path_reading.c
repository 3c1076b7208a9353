/* test_path_reading.c - one path, many readings: each reading a backend may
 * make of a request path (path_reading.c), and the authorizer letting a
 * request pass only when every reading, and the URI the server will serve
 * after a rewrite, is allowed. The rules are the issue's: /app/admin/ for
 * the group admins before /app/ for example.com, and a signed-in user of
 * example.com who is not an admin. */
#include <stdio.h>

#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/path_reading.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_response r;

static void reads(const char *path, unsigned how, const char *want, const char *what)
{
    char out[256];
    enum oa_err e = oa_path_read(out, sizeof(out), path, strlen(path), how);

    ok(e == OA_OK && strcmp(out, want) == 0, "%s: '%s' reads '%s' (got %d '%s')", what, path, want,
       (int)e, out);
}

static void readings(void)
{
    char small[8], big[64];

    reads("/app/admin/x%2F..%2F..%2Fy", OA_READ_DECODE, "/app/y", "decoded");
    reads("/app/admin/x%2F..%2F..%2Fy", 0, "/app/admin/x%2F..%2F..%2Fy", "raw");
    reads("/app/admin/x%2F..%2F..%2Fy", OA_READ_DECODE | OA_READ_KEEP_SLASH,
          "/app/admin/x%2F..%2F..%2Fy", "keep-slash");
    reads("/app/admin%5Cx", OA_READ_DECODE | OA_READ_KEEP_SLASH, "/app/admin%5Cx",
          "keep-slash keeps %5C");
    reads("/app/admin%2fx", OA_READ_DECODE | OA_READ_KEEP_SLASH, "/app/admin%2fx",
          "keep-slash keeps %2f");
    reads("/app/%61dmin/x", OA_READ_DECODE | OA_READ_KEEP_SLASH, "/app/admin/x",
          "keep-slash decodes the rest");
    reads("/app/admin;jsessionid=1/x", OA_READ_PARAMS_RAW | OA_READ_DECODE, "/app/admin/x",
          "params-raw");
    reads("/app/x/..;/admin/", OA_READ_PARAMS_RAW | OA_READ_DECODE, "/app/admin/",
          "params-raw: Tomcat's ..;");
    reads("/app/admin%3Bx/y", OA_READ_PARAMS_RAW | OA_READ_DECODE, "/app/admin;x/y",
          "params-raw: an encoded ';' is no parameter");
    reads("/app/admin%3Bx/y", OA_READ_DECODE | OA_READ_PARAMS, "/app/admin/y",
          "params after decoding: it is");
    reads("/app/admin%5Cx", OA_READ_DECODE | OA_READ_BACKSLASH, "/app/admin/x",
          "backslash, decoded");
    reads("/app/x\\..\\admin\\y", OA_READ_BACKSLASH, "/app/admin/y", "backslash, raw");
    reads("/app/x\\..\\admin\\y", OA_READ_DECODE, "/app/x\\..\\admin\\y",
          "backslash is a byte otherwise");
    reads("/app/admin./x", OA_READ_WINDOWS, "/app/admin/x", "windows: trailing dot");
    reads("/app/admin%20%20/x", OA_READ_DECODE | OA_READ_WINDOWS, "/app/admin/x",
          "windows: trailing spaces");
    reads("/app/x/.. /admin", OA_READ_WINDOWS, "/app/admin", "windows: '.. ' is '..'");
    reads("/app/.../admin", OA_READ_WINDOWS, "/app/admin", "windows: '...' is nothing");
    reads("/app/...", 0, "/app/...", "'...' is a name otherwise");
    reads("/app/%2561dmin/", OA_READ_DECODE | OA_READ_TWICE, "/app/admin/", "twice");
    reads("/app/%2561dmin/", OA_READ_DECODE, "/app/%61dmin/", "once");
    reads("/app/%zz/admin%", OA_READ_DECODE, "/app/%zz/admin%", "lenient: bad escapes kept");
    reads("/a%0ab", OA_READ_DECODE, "/a\nb", "lenient: a control byte kept");
    reads("//a///b/./c/../", 0, "/a/b/", "dots and empty segments resolved");
    reads("/", 0, "/", "root");
    reads("/..", OA_READ_WINDOWS, "/", "above the root stays at the root");
    ok(oa_path_read(small, sizeof(small), "/a%00b", 6, OA_READ_DECODE) == OA_ERR_BAD_INPUT,
       "a decoded NUL fails the reading");
    ok(oa_path_read(big, sizeof(big), "/a%2500", 7, OA_READ_DECODE | OA_READ_TWICE) ==
           OA_ERR_BAD_INPUT,
       "a NUL decoded the second time fails too");
    ok(oa_path_read(small, sizeof(small), "/abcde", 6, 0) == OA_OK, "6 bytes + 2 fit in 8");
    ok(oa_path_read(small, sizeof(small), "/abcdef", 7, 0) == OA_ERR_TOO_LARGE,
       "7 bytes + 2 do not fit in 8");
    ok(oa_path_read(small, 0, "/", 1, 0) == OA_ERR_TOO_LARGE, "zero capacity");
    ok(oa_path_read(small, sizeof(small), "ab/cd", 5, 0) == OA_ERR_BAD_INPUT,
       "a relative path is no reading");
    ok(oa_path_read(small, sizeof(small), "", 0, 0) == OA_ERR_BAD_INPUT, "nor an empty one");

    ok(!oa_path_ambiguous("/app/page/x.html", 16), "a plain path reads one way");
    ok(!oa_path_ambiguous("/app/../x/./y", 13), "dot-segments are no ambiguity");
    ok(oa_path_ambiguous("/app/%61", 8), "'%' is");
    ok(oa_path_ambiguous("/app\\x", 6), "'\\' is");
    ok(oa_path_ambiguous("/app;x", 6), "';' is");
    ok(oa_path_ambiguous("/app./x", 7), "a trailing dot is");
    ok(oa_path_ambiguous("/app/x.", 7), "a trailing dot at the end is");
    ok(oa_path_ambiguous("/app /x", 7), "a trailing space is");
    ok(oa_path_ambiguous("/app/...", 8), "'...' is");
}

static int run(const struct oa_request *q)
{
    oa_response_free(&r);
    oa_response_init(&r);
    (void)oa_authorizer_answer(&cfg, q, &r);
    return r.status;
}

static struct oa_request rq(const char *uri, const char *cookie)
{
    struct oa_request q = {.role = OA_ROLE_AUTHORIZER,
                           .method = "GET",
                           .request_uri = uri,
                           .host = "app.example.com",
                           .https = "on",
                           .cookie = cookie,
                           .accept = "application/json",
                           .now = CFX_NOW};
    return q;
}

/* Every reading of an admin path refuses the non-admin; the same bytes
 * outside the admin area still pass. */
static void decisions(const char *user, const char *admin)
{
    static const struct {
        const char *uri;
        int want;
    } cases[] = {
        {"/app/page", 200},
        {"/app/admin/x", 403},
        {"/app/admin/x%2F..%2F..%2Fy", 403}, /* the backend routes the raw path */
        {"/app/admin/x%2f..%2f..%2fy", 403}, /* lower-case escapes */
        {"/app/ADMIN/x", 403},               /* case-insensitive routers */
        {"/app/Admin", 403},                 /* ... and the bare name */
        {"/APP/admin/x", 403},               /* the prefix folded too */
        {"/app/admin;jsessionid=1/x", 403},  /* Java path parameters */
        {"/app/admin;/x", 403},              /* an empty one */
        {"/app/x/..;/admin/", 403},          /* Tomcat's "..;" */
        {"/app/admin%3B/x", 403},            /* decoded ';' */
        {"/app/admin%5Cx", 403},             /* backslash as separator */
        {"/app/admin\\x", 403},              /* a raw backslash */
        {"/app/x\\..\\admin\\y", 403},       /* backslash dot-segments */
        {"/app/x%5C..%5Cadmin%5Cy", 403},    /* encoded backslash dot-segments */
        {"/app/%2561dmin/x", 403},           /* decoded twice */
        {"/app/x%252F..%252Fadmin/y", 403},  /* an encoded slash decoded twice */
        {"/app/admin./x", 403},              /* Windows drops trailing dots */
        {"/app/admin%20/x", 403},
        {"/app/admin ./x", 403}, /* ... in any order */
        {"/app/%61dmin;x=%2F../y", 403},
        /* Tomcat cuts ";..." before it decodes */ /* ... and spaces */
        {"/app/%61dmin/x", 403},                   /* an escaped letter */
        {"/app/x%2F..%2Fadmin/y", 403},            /* today's strict reading */
        {"/app/adminx", 200},                      /* another name */
        {"/app/page;v=1", 200},                    /* parameters outside the admin area */
        {"/app/a%2Fb", 200},                       /* encoded slash outside it */
        {"/app/caf%C3%A9", 200},                   /* UTF-8 */
        {"/app/x%2500", 403},                      /* a NUL on the second decoding */
    };
    size_t i;
    struct oa_request q = rq("/", user);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        q.request_uri = cases[i].uri;
        is_int(run(&q), cases[i].want, "non-admin, %s", cases[i].uri);
    }
    q.cookie = admin;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].want == 200 || strstr(cases[i].uri, "%2500"))
            continue;
        q.request_uri = cases[i].uri;
        is_int(run(&q), 200, "admin, %s", cases[i].uri);
    }
}

/* The URI the server will serve after a rewrite is checked as well. */
static void served(const char *user, const char *admin)
{
    struct oa_request q = rq("/dash/x", user);

    is_int(run(&q), 200, "no rewrite known: /dash/x passes");
    q.served_uri = "/app/admin/x";
    is_int(run(&q), 403, "lighttpd REDIRECT_URI into the admin area: refused");
    q.served_uri = "/app/admin/x?a=1";
    is_int(run(&q), 403, "with a query");
    q.served_uri = "/app/%61dmin/x";
    is_int(run(&q), 403, "served URI decoded");
    q.served_uri = "/app/ADMIN;x=1/y";
    is_int(run(&q), 403, "served URI read every way");
    q.served_uri = "/app/page";
    is_int(run(&q), 200, "served URI outside the admin area: passes");
    q.served_uri = "dash";
    is_int(run(&q), 403, "a served URI that is no path: refused");
    q.served_uri = NULL;
    q.served_path = "/app/admin/x";
    is_int(run(&q), 403, "nginx $uri into the admin area: refused");
    q.served_path = "/app/x/../admin/y";
    is_int(run(&q), 403, "a decoded path resolved again");
    q.served_path = "/app/page";
    is_int(run(&q), 200, "$uri outside: passes");
    q.request_uri = "/app/page";
    q.served_path = "/app/page";
    is_int(run(&q), 200, "$uri equal to the request: passes");
    q.request_uri = "/app/admin/x";
    q.served_path = "/app/page";
    is_int(run(&q), 403, "a served path never widens: REQUEST_URI still decides");
    q.cookie = admin;
    q.request_uri = "/dash/x";
    q.served_path = "/app/admin/x";
    is_int(run(&q), 200, "admin through the rewrite: passes");
}

int main(void)
{
    struct oa_identity id = cfx_alice(), boss = cfx_alice();
    char user[4096], admin[4096];

    readings();
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/app/admin/", "", "", "admins", "", "");
    cfx_rule(&cfg, "/app/", "", "example.com", "", "", "");
    boss.groups = "admins";
    snprintf(user, sizeof(user), "%s", cfx_cookie(&cfg, &id, CFX_NOW, ""));
    snprintf(admin, sizeof(admin), "%s", cfx_cookie(&cfg, &boss, CFX_NOW, ""));
    decisions(user, admin);
    served(user, admin);
    oa_response_free(&r);
    cfx_free();
    return tap_done();
}
