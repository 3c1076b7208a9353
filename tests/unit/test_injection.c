/* test_injection.c - header and claim injection (SECURITY.md checklist rows 21,
 * 22). Hostile claims (CR/LF, NUL, control bytes, very long values,
 * non-UTF-8 bytes) go through the real callback with a stand-in provider
 * into the session, then out through the authorizer's Variable-* headers,
 * /oauth/auth's X-Auth-Request-* headers and /oauth/userinfo: each value
 * arrives unchanged and clean, or not at all. Client-sent look-alikes of
 * the identity headers (X-Auth-Request-User, X_Auth_Request_User,
 * variable-remote_user, ...) never become identity: the core reads only
 * the params of struct oa_request, so the only place a client can put
 * them is the Cookie header and the URL, tried here; the real web server
 * (lighttpd) is tried by tests/e2e/injection.sh. */
#include <ctype.h>
#include <stdbool.h>

#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/handler.h"
#include "tap.h"

#define IDP "https://idp.test"

static struct oa_provider *corp;
static char *jwks;

/* Every "name=value" the response sets for the session (chunks too),
 * joined into one Cookie header (new), or NULL when none. */
static char *session_cookie(const struct oa_response *r)
{
    struct oa_buf b = {0};
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        const char *v = r->headers[i].value;
        if (strcasecmp(r->headers[i].name, "Set-Cookie") != 0 ||
            strncmp(v, "__Host-oauth2_fcgi", 18) != 0 || strstr(v, "Max-Age=0"))
            continue;
        if ((b.len && oa_buf_puts(&b, "; ") != OA_OK) ||
            oa_buf_append(&b, v, strcspn(v, ";")) != OA_OK)
            abort();
    }
    return oa_buf_steal(&b);
}

/* Signs in at corp with an id_token whose claims are the usual ones plus
 * the members of extra (a JSON object text, put in as it is: it may hold
 * \u0000 or bytes that are not UTF-8). Returns the session Cookie header
 * (new) or NULL when the sign-in was refused. */
static char *sign_in(const char *extra)
{
    struct oa_response r;
    struct oa_request req;
    char *state = NULL, *nonce = NULL, *pair, *ans, *tok, *claims, *cookie, q[512], hdr[4096];
    size_t n = (extra ? strlen(extra) : 0) + 512;
    int64_t now = (int64_t)time(NULL);
    json_t *a;

    fx_reset();
    fx_answer(IDP "/jwks", 200, jwks, NULL);
    pair = fx_login(corp, "%2F", &state, &nonce);
    claims = malloc(n);
    if (!claims)
        abort();
    snprintf(claims, n,
             "{\"iss\":\"" IDP "\",\"aud\":\"cid-123\",\"sub\":\"u-1\",\"iat\":%lld,"
             "\"exp\":%lld,\"nonce\":\"%s\"%s%.*s}",
             (long long)now - 5, (long long)now + 600, nonce ? nonce : "",
             extra && strlen(extra) > 2 ? "," : "", extra ? (int)strlen(extra) - 2 : 0,
             extra ? extra + 1 : "");
    tok = fx_sign(claims);
    a = json_pack("{s:s,s:s,s:s}", "access_token", "at-SECRET-1", "token_type", "Bearer",
                  "id_token", tok);
    ans = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    fx_answer(IDP "/token", 200, ans, NULL);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s", state ? state : "");
    snprintf(hdr, sizeof(hdr), "%s", pair ? pair : "");
    fx_request(&req, "GET", "/oauth/corp/callback", q, hdr);
    oa_response_init(&r);
    (void)oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, corp);
    cookie = r.status == 302 ? session_cookie(&r) : NULL;
    if (!fx_log_clean(&r))
        printf("# the log line carries a secret: %s\n", r.log);
    oa_response_free(&r);
    free(state);
    free(nonce);
    free(pair);
    free(ans);
    free(tok);
    free(claims);
    return cookie;
}

static int clean_value(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

/* The header name is one of the allowed ones: prefix then [A-Za-z0-9_-]. */
static bool name_ok(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncmp(name, prefix, n) != 0 || !name[n])
        return false;
    for (name += n; *name; name++)
        if (!isalnum((unsigned char)*name) && *name != '_' && *name != '-')
            return false;
    return true;
}

static int collect(void *ctx, const char *p, size_t n)
{
    return oa_buf_append(ctx, p, n) == OA_OK ? 0 : -1;
}

/* The serialised answer: every line before the blank one is "Name: value"
 * without a stray CR; the number of header lines is what r holds. */
static bool wire_ok(const struct oa_response *r)
{
    struct oa_buf b = {0};
    const char *p, *end;
    size_t lines = 0;
    bool good = true;

    if (oa_response_write(r, collect, &b) != OA_OK || !b.p)
        return false;
    for (p = b.p; (end = strstr(p, "\r\n")) && end != p; p = end + 2) {
        if (memchr(p, '\n', (size_t)(end - p)) || memchr(p, '\r', (size_t)(end - p)) ||
            !memchr(p, ':', (size_t)(end - p)))
            good = false;
        lines++;
    }
    good = good && lines == r->nheaders + 1; /* + Status */
    oa_buf_free(&b);
    return good;
}

struct seen {
    int status, headers_clean, names_ok, wire_ok;
    char *name, *user; /* new or NULL: Variable-OAUTH2_NAME / -REMOTE_USER or X-Auth-Request-User */
    char *groups;
};

static void seen_free(struct seen *s)
{
    free(s->name);
    free(s->user);
    free(s->groups);
    memset(s, 0, sizeof(*s));
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The authorizer's answer for cookie. */
static void authorizer(struct seen *s, const char *cookie)
{
    struct oa_response r;
    struct oa_request req;
    size_t i;

    memset(s, 0, sizeof(*s));
    fx_request(&req, "GET", NULL, NULL, cookie);
    req.role = OA_ROLE_AUTHORIZER;
    req.request_uri = "/app/page";
    oa_response_init(&r);
    (void)oa_authorizer_answer(&fx_cfg, &req, &r);
    s->status = r.status;
    s->headers_clean = s->names_ok = 1;
    for (i = 0; i < r.nheaders; i++) {
        s->headers_clean &= clean_value(r.headers[i].value);
        if (r.status == 200)
            s->names_ok &= name_ok(r.headers[i].name, "Variable-");
    }
    s->wire_ok = wire_ok(&r);
    s->name = dup_or_null(oa_response_get(&r, "Variable-OAUTH2_NAME"));
    s->user = dup_or_null(oa_response_get(&r, "Variable-REMOTE_USER"));
    s->groups = dup_or_null(oa_response_get(&r, "Variable-OAUTH2_GROUPS"));
    oa_response_free(&r);
}

/* /oauth/auth (nginx auth_request) for cookie. */
static void auth_endpoint(struct seen *s, const char *cookie)
{
    struct oa_response r;
    struct oa_request req;
    size_t i;

    memset(s, 0, sizeof(*s));
    fx_request(&req, "GET", "/auth", NULL, cookie);
    req.script_name = "/oauth";
    req.request_uri = "/oauth/auth";
    req.accept = "*/*";
    oa_response_init(&r);
    (void)oa_handle(&fx_cfg, &fx_rt, &req, &r);
    s->status = r.status;
    s->headers_clean = s->names_ok = 1;
    for (i = 0; i < r.nheaders; i++) {
        s->headers_clean &= clean_value(r.headers[i].value);
        if (!strncasecmp(r.headers[i].name, "X-Auth-Request", 14))
            s->names_ok &= name_ok(r.headers[i].name, "X-Auth-Request-");
    }
    s->wire_ok = wire_ok(&r);
    s->user = dup_or_null(oa_response_get(&r, "X-Auth-Request-User"));
    s->groups = dup_or_null(oa_response_get(&r, "X-Auth-Request-Groups"));
    oa_response_free(&r);
}

/* /oauth/userinfo: the JSON body parses back; its name (new or NULL). */
static char *userinfo_name(const char *cookie, int *json_ok)
{
    struct oa_response r;
    struct oa_request req;
    json_t *j;
    char *name = NULL;

    fx_request(&req, "GET", "/userinfo", NULL, cookie);
    req.script_name = "/oauth";
    req.request_uri = "/oauth/userinfo";
    req.accept = "application/json";
    oa_response_init(&r);
    (void)oa_handle(&fx_cfg, &fx_rt, &req, &r);
    j = r.body.p ? json_loadb(r.body.p, r.body.len, 0, NULL) : NULL;
    *json_ok = r.status == 200 && json_is_object(j);
    if (json_string_value(json_object_get(j, "name")))
        name = strdup(json_string_value(json_object_get(j, "name")));
    json_decref(j);
    oa_response_free(&r);
    return name;
}

enum hostile_outcome { SIGNS_IN, REFUSED };

/* One hostile claim set: sign in; then the value either reaches every
 * output unchanged and clean, or is absent. Each case says whether its
 * sign-in must succeed or be refused: a sign-in that failed for some other
 * reason must not pass as a refusal (the ten checks below would never run). */
static void hostile(const char *what, const char *extra, enum hostile_outcome want)
{
    char *cookie = sign_in(extra);
    struct seen a, b;
    int json_ok = 0;
    char *ui;

    if (want == REFUSED) {
        ok(cookie == NULL, "%s: sign-in refused (the value reaches nothing)", what);
        free(cookie);
        return;
    }
    ok(cookie != NULL, "%s: sign-in succeeds", what);
    authorizer(&a, cookie);
    is_int(a.status, 200, "%s: authorizer allows the signed-in user", what);
    ok(a.headers_clean && a.names_ok, "%s: only Variable-[A-Za-z0-9_-] headers, clean values",
       what);
    ok(a.wire_ok, "%s: the authorizer's answer has no extra header line", what);
    ok(!a.name || clean_value(a.name), "%s: OAUTH2_NAME is clean or absent", what);
    ok(!a.user || (clean_value(a.user) && !strstr(a.user, "admin")),
       "%s: REMOTE_USER is clean and not the injected one", what);
    ok(!a.groups || (clean_value(a.groups) && !strstr(a.groups, "X-Evil")),
       "%s: OAUTH2_GROUPS is clean and holds no injected text", what);
    auth_endpoint(&b, cookie);
    is_int(b.status, 200, "%s: /oauth/auth answers 200", what);
    ok(b.headers_clean && b.names_ok && b.wire_ok,
       "%s: /oauth/auth's X-Auth-Request-* headers are clean", what);
    ok(!b.user || (clean_value(b.user) && !strstr(b.user, "admin")),
       "%s: X-Auth-Request-User is clean and not the injected one", what);
    ui = userinfo_name(cookie, &json_ok);
    ok(json_ok, "%s: /oauth/userinfo is a JSON object that parses back", what);
    seen_free(&a);
    seen_free(&b);
    free(ui);
    free(cookie);
}

static void test_hostile_claims(void)
{
    char *longname = malloc(4001), *huge = malloc(60001), extra[70000];
    char *cookie;
    struct seen a;

    hostile("CR/LF in name",
            "{\"email\":\"eve@example.com\",\"email_verified\":true,"
            "\"name\":\"Eve\\r\\nVariable-REMOTE_USER: admin\"}",
            SIGNS_IN);
    hostile("LF in preferred_username",
            "{\"preferred_username\":\"bob\\nX-Auth-Request-User: admin\"}", SIGNS_IN);
    hostile("CR/LF in a verified email",
            "{\"email\":\"eve@example.com\\r\\nX-Auth-Request-User: admin\","
            "\"email_verified\":true}",
            SIGNS_IN);
    hostile("CR/LF in a group", "{\"groups\":[\"ops\\r\\nX-Evil: 1\",\"dev\",\"a\\u0007b\"]}",
            SIGNS_IN);
    /* Jansson refuses a \u0000 in the claims: the whole sign-in fails */
    hostile("NUL in name", "{\"name\":\"Eve\\u0000admin\"}", REFUSED);
    hostile("other control bytes in name", "{\"name\":\"E\\u0001v\\u001be\\u007f\"}", SIGNS_IN);
    hostile("a header-name look-alike in name", "{\"name\":\"x: y\"}", SIGNS_IN);

    /* the same, checked for the value itself: the name with CR/LF is gone */
    cookie = sign_in("{\"name\":\"Eve\\r\\nVariable-REMOTE_USER: admin\"}");
    authorizer(&a, cookie);
    ok(cookie && a.status == 200 && a.name == NULL,
       "a name with CR/LF: Variable-OAUTH2_NAME is left out, not altered");
    seen_free(&a);
    free(cookie);
    cookie = sign_in("{\"name\":\"Zo\\u00eb \\u00c5s\"}");
    authorizer(&a, cookie);
    ok(a.name && !strcmp(a.name, "Zo\xc3\xab \xc3\x85s"), "a UTF-8 name reaches the app unchanged");
    seen_free(&a);
    free(cookie);

    /* very long values: whole, or refused; never cut */
    memset(longname, 'L', 4000);
    longname[4000] = '\0';
    snprintf(extra, sizeof(extra), "{\"name\":\"%s\"}", longname);
    /* over the session's cap on a provider's string (OA_SESSION_STR_MAX,
     * which bounds the largest cookie): refused with a page, not cut */
    hostile("a 4000-byte name", extra, REFUSED);
    longname[OA_SESSION_STR_MAX] = '\0';
    snprintf(extra, sizeof(extra), "{\"name\":\"%s\"}", longname);
    hostile("a name at the cap", extra, SIGNS_IN);
    cookie = sign_in(extra);
    authorizer(&a, cookie);
    /* it fits the session and the header arena: it must arrive, and whole */
    ok(cookie && a.name && !strcmp(a.name, longname), "a name at the cap reaches the app whole");
    seen_free(&a);
    free(cookie);
    memset(huge, 'H', 60000);
    huge[60000] = '\0';
    snprintf(extra, sizeof(extra), "{\"name\":\"%s\"}", huge);
    ok(sign_in(extra) == NULL, "a 60000-byte name: sign-in refused (token or session cap)");

    /* non-UTF-8 bytes in the claims: Jansson refuses the payload */
    ok(sign_in("{\"name\":\"\xff\xfe\"}") == NULL,
       "non-UTF-8 bytes in the id_token's claims: sign-in refused");
    cookie = sign_in("{\"name\":\"a\"}");
    ok(cookie != NULL, "... while the same token with a plain name signs in (the check is real)");
    free(cookie);
    free(longname);
    free(huge);
}

/* A session sealed with bytes no provider could send (as if a parser
 * let them through): the outputs still carry nothing unclean. */
static void test_sealed_bytes(void)
{
    struct oa_identity id = {.provider = "corp",
                             .issuer = IDP,
                             .subject = "u-1",
                             .username = "u\xff\xfe",
                             .email = "e@example.com",
                             .name = "N\r\nX: y\x01",
                             .groups = "g\xc3\x28,ok",
                             .workspaces = "argilla"};
    struct oa_response r;
    struct oa_request req;
    struct seen a, b;
    char *cookie;

    fx_request(&req, "GET", "/oauth/corp/callback", NULL, NULL);
    oa_response_init(&r);
    ok(oa_session_issue(&r, &fx_cfg, &req, &id) == OA_OK, "a session with odd bytes is sealed");
    cookie = session_cookie(&r);
    oa_response_free(&r);
    authorizer(&a, cookie);
    is_int(a.status, 200, "odd bytes: authorizer allows");
    ok(a.headers_clean && a.names_ok && a.wire_ok, "odd bytes: no control byte in any header");
    ok(a.name == NULL, "odd bytes: the name with CR/LF and \\x01 is left out");
    auth_endpoint(&b, cookie);
    ok(b.headers_clean && b.names_ok && b.wire_ok, "odd bytes: /oauth/auth headers are clean");
    seen_free(&a);
    seen_free(&b);
    free(cookie);
}

/* Client-sent look-alikes. struct oa_request has no place for an
 * arbitrary header (the edge copies only the params it names), so a
 * client can only try the Cookie header and the URL. */
static void test_client_lookalikes(void)
{
    static const char *mimic =
        "X-Auth-Request-User=admin; X_Auth_Request_User=admin; x-auth-request-user=admin; "
        "Variable-REMOTE_USER=admin; variable-remote_user=admin; REMOTE_USER=admin; "
        "OAUTH2_USER=admin; HTTP_X_AUTH_REQUEST_USER=admin";
    struct seen a, b;
    char *cookie, *both;
    size_t n;

    authorizer(&a, mimic);
    ok(a.status == 302 || a.status == 401, "look-alike cookies only: no session (%d)", a.status);
    ok(!a.user && !a.name, "look-alike cookies only: no Variable-* identity");
    seen_free(&a);
    auth_endpoint(&b, mimic);
    is_int(b.status, 401, "look-alike cookies only: /oauth/auth says 401");
    ok(!b.user, "look-alike cookies only: no X-Auth-Request-User");
    seen_free(&b);

    cookie = sign_in("{\"email\":\"alice@example.com\",\"email_verified\":true}");
    n = (cookie ? strlen(cookie) : 0) + strlen(mimic) + 8;
    both = malloc(n);
    snprintf(both, n, "%s; %s", mimic, cookie ? cookie : "");
    authorizer(&a, both);
    ok(a.status == 200 && a.user && !strcmp(a.user, "alice@example.com"),
       "a real session among look-alikes: REMOTE_USER is the session's user");
    seen_free(&a);
    auth_endpoint(&b, both);
    ok(b.status == 200 && b.user && !strcmp(b.user, "alice@example.com"),
       "... and X-Auth-Request-User is the session's user");
    seen_free(&b);
    free(both);
    free(cookie);
}

int main(void)
{
    fx_config();
    jwks = fx_make_key();
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s(IDP);
    corp->authorize_url = fx_s(IDP "/authorize");
    corp->token_url = fx_s(IDP "/token");
    corp->jwks_uri = fx_s(IDP "/jwks");
    fx_reset();
    test_hostile_claims();
    test_sealed_bytes();
    test_client_lookalikes();
    fx_reset();
    free(jwks);
    return tap_done();
}
