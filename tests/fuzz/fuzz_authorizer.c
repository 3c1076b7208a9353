/*
 * fuzz_authorizer.c - the whole authorizer decision and answer
 * (oa_authorizer_answer), the code every protected request runs. The input
 * is split at 0x1e bytes into: Cookie header, REQUEST_URI, Accept, method,
 * Host, REDIRECT_URI (the served URI), OAUTH2_FCGI_PATH (the served path). A Cookie part that
 * starts with "@S" gets a valid session cookie (alice, corp) in its place, so the fuzzer also
 * drives the allow and forbid paths (access rules on the normalised path) with any URI. Properties:
 * the first line is a known status; 200 only with the valid session and only Variable-* headers,
 * and never when any reading of the request's or the served path (path_reading.h) falls under
 * /admin/ in any case; no header value holds a control byte; a 302's Location is on the own origin.
 */
#include <strings.h>

#include "fuzz.h"

#include "oa/authorizer.h"
#include "oa/path_reading.h"
#include "oa/seal.h"

#define NPART 7

static char *good_cookie;

static void setup(void)
{
    static struct oa_access_rule rules[2];
    struct oa_identity id = {.provider = "corp",
                             .issuer = "https://idp.test",
                             .subject = "u-1",
                             .username = "alice",
                             .email = "alice@example.com",
                             .name = "Alice",
                             .groups = "ops,dev",
                             .workspaces = "argilla",
                             .iat = FZ_NOW - 10,
                             .exp = FZ_NOW + 3600};
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[9000];
    size_t len, n;

    fx_config();
    fx_provider("corp", OA_PROVIDER_OIDC);
    fx_provider("github", OA_PROVIDER_GITHUB);
    rules[0].path = fx_s("/admin/");
    rules[0].path_len = 7;
    fx_strlist(&rules[0].emails, "boss@example.com", NULL);
    rules[1].path = fx_s("/");
    rules[1].path_len = 1;
    fx_strlist(&rules[1].email_domains, "example.com", NULL);
    fx_cfg.access = rules;
    fx_cfg.naccess = 2;
    if (oa_session_encode(plain, sizeof(plain), &len, &id) != OA_OK ||
        oa_seal(sealed, sizeof(sealed), &n, plain, len, "session", &fx_cfg.keys) != OA_OK)
        abort();
    good_cookie = malloc(n + 32);
    if (!good_cookie)
        abort();
    snprintf(good_cookie, n + 32, "__Host-oauth2_fcgi=%s", sealed);
}

static bool admin_path(const char *p)
{
    return strncasecmp(p, "/admin/", 7) == 0 || strcasecmp(p, "/admin") == 0;
}

/* True when some reading of uri (up to '?' or '#' unless whole) is under
 * /admin/, which alice may not see. */
static bool reads_admin(const char *uri, bool whole)
{
    static char out[20000];
    size_t n, i;

    if (!uri || uri[0] != '/')
        return false;
    n = whole ? strlen(uri) : strcspn(uri, "?#");
    if (oa_path_read(out, sizeof(out), uri, n, OA_READ_DECODE) == OA_OK && admin_path(out))
        return true;
    for (i = 0; i < OA_PATH_READINGS; i++)
        if (oa_path_read(out, sizeof(out), uri, n, oa_path_readings[i]) == OA_OK && admin_path(out))
            return true;
    return false;
}

static void check(const struct oa_response *r, int valid)
{
    const char *loc;
    size_t i, j;

    if (r->status != 200 && r->status != 302 && r->status != 401 && r->status != 403 &&
        r->status != 400 && r->status != 500)
        abort();
    if (r->status == 200 && !valid)
        abort(); /* never 200 without the valid session */
    for (i = 0; i < r->nheaders; i++) {
        if (r->status == 200 && strncmp(r->headers[i].name, "Variable-", 9) != 0)
            abort();
        for (j = 0; r->headers[i].value[j]; j++)
            if ((unsigned char)r->headers[i].value[j] < 0x20 || r->headers[i].value[j] == 0x7f)
                abort();
    }
    loc = oa_response_get(r, "Location");
    if (r->status == 302 &&
        (!loc || (loc[0] != '/' && strncmp(loc, "https://app.example.com/", 24) != 0) ||
         loc[1] == '/' || loc[1] == '\\'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct oa_response r;
    const uint8_t *part[NPART];
    size_t len[NPART], n, i;
    char *s[NPART], *cookie;
    struct oa_request req;
    int valid;

    if (!good_cookie)
        setup();
    n = fz_split(data, size, part, len, NPART);
    for (i = 0; i < NPART; i++)
        s[i] = i < n ? fz_str(part[i], len[i]) : NULL;
    valid = s[0] && !strncmp(s[0], "@S", 2);
    cookie = s[0];
    if (valid) {
        size_t m = strlen(good_cookie) + strlen(s[0]) + 4;
        cookie = malloc(m);
        if (!cookie)
            abort();
        snprintf(cookie, m, "%s%s", good_cookie, s[0] + 2);
    }
    memset(&req, 0, sizeof(req));
    req.role = OA_ROLE_AUTHORIZER;
    req.cookie = cookie;
    req.request_uri = s[1];
    req.accept = s[2];
    req.method = s[3] ? s[3] : "GET";
    req.host = s[4] ? s[4] : "app.example.com";
    req.https = "on";
    req.served_uri = s[5];
    req.served_path = s[6];
    req.now = FZ_NOW;
    oa_response_init(&r);
    (void)oa_authorizer_answer(&fx_cfg, &req, &r);
    check(&r, valid);
    if (r.status == 200 &&
        (reads_admin(req.request_uri, false) ||
         (req.served_uri && *req.served_uri && strcmp(req.served_uri, req.request_uri) &&
          reads_admin(req.served_uri, false)) ||
         (req.served_path && *req.served_path && reads_admin(req.served_path, true))))
        abort();            /* a reading into /admin/ let through */
    if (getenv("FZ_DEBUG")) /* what a seed reaches */
        fprintf(stderr, "%d %s\n", r.status, r.log);
    oa_response_free(&r);
    if (cookie != s[0])
        free(cookie);
    for (i = 0; i < NPART; i++)
        free(s[i]);
    return 0;
}
