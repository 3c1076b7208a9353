/* test_callback.c - the OpenID callbacks against a stand-in provider
 * (discovery, JWKS, token, UserInfo answered from a table; id_tokens
 * signed here with an ES256 key): the happy paths (generic OIDC with
 * client_secret_basic and RFC 9207 iss, Apple's form_post, Google's hd,
 * Hugging Face orgs, Cognito), every refusal of the checklist, and the
 * logout URL. */
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fixture.h"
#include "oa/metrics.h"
#include "oa/revocation.h"
#include "oa/token_cookie.h"
#include "tap.h"

#define IDP "https://idp.test"
#define NO_TOKEN_REQUEST(url) is_int(fx_count(url), 0, "... and no token request")

static struct oa_response r;
static char *jwks, *g_pair, *g_state, *g_nonce;
static struct oa_provider *corp, *corp2, *apple, *google, *hf, *cognito, *gh;

static void canned_idp(void)
{
    fx_reset();
    fx_answer(IDP "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" IDP "\",\"authorization_endpoint\":\"" IDP "/auth\","
              "\"token_endpoint\":\"" IDP "/token\",\"userinfo_endpoint\":\"" IDP "/me\","
              "\"jwks_uri\":\"" IDP "/jwks\",\"end_session_endpoint\":\"" IDP "/logout\","
              "\"authorization_response_iss_parameter_supported\":true,"
              "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
              "\"client_secret_post\"]}",
              NULL);
    fx_answer(IDP "/jwks", 200, jwks, NULL);
    fx_answer("https://appleid.apple.com/auth/keys", 200, jwks, NULL);
    fx_answer("https://google.test/jwks", 200, jwks, NULL);
    fx_answer("https://hf.test/jwks", 200, jwks, NULL);
    fx_answer("https://cognito.test/.well-known/jwks.json", 200, jwks, NULL);
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-1\",\"name\":\"Alice A\",\"email\":\"ui@x.test\"}",
              NULL);
}

static void login(const struct oa_provider *p)
{
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(p, "%2Fhome", &g_state, &g_nonce);
}

/* The token endpoint of p answers an id_token with the login's nonce. */
static void token_ok(const char *url, const char *iss, const char *sub, const char *extra)
{
    char *ans = fx_token_answer(iss, sub, g_nonce ? g_nonce : "", extra);

    fx_answer(url, 200, ans, NULL);
    free(ans);
}

static enum oa_err callback(const struct oa_provider *p, const char *query, const char *cookie)
{
    struct oa_request req;
    char path[128];
    enum oa_err e;

    snprintf(path, sizeof(path), "/oauth/%s/callback", p->name);
    fx_request(&req, "GET", path, query, cookie);
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, p);
    printf("#   log: %s\n", r.log);
    return e;
}

/* The usual query: code, the login's state, and iss when given. */
static enum oa_err callback_std(const struct oa_provider *p, const char *iss)
{
    char q[512];

    snprintf(q, sizeof(q), "code=code-XYZ&state=%s%s%s", g_state ? g_state : "", iss ? "&iss=" : "",
             iss ? iss : "");
    return callback(p, q, g_pair);
}

static int expired_page(void)
{
    return r.status == 400 && fx_body_has(&r, "expired or was already used");
}

static void test_oidc_happy(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    const struct fx_seen *t;
    struct oa_identity id;

    canned_idp();
    login(corp);
    ok(g_pair && g_state && g_nonce, "logged in at corp (endpoints from discovery)");
    token_ok(IDP "/token", IDP, "u-1",
             "{\"email\":\"alice@example.com\",\"email_verified\":\"true\","
             "\"preferred_username\":\"alice\",\"groups\":[\"admins\",\"dev,ops\",\"qa\"]}");
    ok(callback_std(corp, "https%3A%2F%2Fidp.test") == OA_OK, "OIDC callback succeeds");
    is_int(r.status, 302, "302");
    is_str(oa_response_get(&r, "Location"), "/home", "to the stored rd");
    ok(fx_session(&r, &id, sb), "session cookie opens");
    is_str(id.subject, "u-1", "sub");
    is_str(id.issuer, IDP, "iss");
    is_str(id.email, "alice@example.com", "email_verified \"true\" keeps the id_token's email");
    is_str(id.username, "alice", "preferred_username");
    is_str(id.name, "Alice A", "name from UserInfo (same sub)");
    is_str(id.groups, "admins,qa", "groups claim; a group with a comma dropped");
    t = fx_last(IDP "/token");
    ok(t && t->basic_user && !strcmp(t->basic_user, "cid-123") && !strcmp(t->basic_pass, "s3cret"),
       "client_secret_basic");
    ok(t && t->body && !strstr(t->body, "client_secret") && strstr(t->body, "code_verifier="),
       "no secret in the body; verifier sent");
    ok(fx_last(IDP "/me") &&
           !strcmp(fx_last(IDP "/me")->auth_header, "Authorization: Bearer at-SECRET-1"),
       "UserInfo with bearer");
    ok(strstr(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "Max-Age=0") != NULL,
       "state cookie deleted");
    ok(fx_log_clean(&r), "log clean");
    ok(r.audit.event == OA_AUDIT_SIGN_IN && r.audit.status == 302 &&
           !strcmp(r.audit.provider, "corp") && !strcmp(r.audit.user, "alice@example.com") &&
           !strcmp(r.audit.subject, "u-1") && !r.audit.reason[0],
       "audited: sign_in of alice@example.com (u-1) at corp");
    free(sb);
}

/* A sign-in starts a new session: a random id (another each time),
 * login_at = now, and the provider-session key from the id_token's sid
 * (zero without one; oa_rev_key's answer whatever it is). */
/* An identity the session cannot carry (a name over OA_SESSION_STR_MAX)
 * is refused with a page saying why, never cut: no session cookie. */
static void test_too_large(void)
{
    char claims[600];

    canned_idp();
    login(corp);
    snprintf(claims, sizeof(claims),
             "{\"email\":\"alice@example.com\",\"email_verified\":true,\"name\":\"%0300d\"}", 7);
    token_ok(IDP "/token", IDP, "u-1", claims);
    ok(callback_std(corp, "https%3A%2F%2Fidp.test") != OA_OK && r.status == 403,
       "a 300-byte name: the sign-in is refused (403)");
    ok(fx_body_has(&r, "too long for a session") && !fx_body_has(&r, "keep_groups"),
       "... with a page saying why: the details, not the groups");
    ok(strstr(r.log, "name is over 256 bytes") != NULL, "... and a log line naming the field");
    ok(!fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0), "... and no session cookie");
}

static void test_new_session(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    static const unsigned char zero[16];
    unsigned char first[16], want[16];
    struct oa_identity id;
    int64_t before = (int64_t)time(NULL), after;

    canned_idp();
    login(corp);
    token_ok(IDP "/token", IDP, "u-1",
             "{\"email\":\"alice@example.com\",\"email_verified\":true,\"sid\":\"op-session-1\"}");
    ok(callback_std(corp, "https%3A%2F%2Fidp.test") == OA_OK && fx_session(&r, &id, sb),
       "signed in, the session opens");
    after = (int64_t)time(NULL);
    ok(memcmp(id.sid, zero, 16) != 0, "the session has an id");
    ok(id.login_at >= before && id.login_at <= after && id.login_at == id.iat,
       "login_at = the sign-in time");
    ok(id.refresh_at == id.exp, "refresh off: refresh_at = exp");
    if (!oa_rev_key(OA_REV_PROVIDER_SID, IDP, "op-session-1", want))
        memset(want, 0, sizeof(want));
    ok(!memcmp(id.psid_key, want, 16), "psid_key = the key of (issuer, id_token sid)");
    if (!oa_rev_key(OA_REV_USER, "corp", "u-1", want))
        memset(want, 0, sizeof(want));
    ok(!memcmp(id.user_key, want, 16), "user_key = the key of (provider, subject)");
    memcpy(first, id.sid, 16);
    login(corp);
    token_ok(IDP "/token", IDP, "u-1", "{\"email\":\"alice@example.com\"}");
    ok(callback_std(corp, "https%3A%2F%2Fidp.test") == OA_OK && fx_session(&r, &id, sb),
       "signed in again (no sid claim)");
    ok(memcmp(id.sid, first, 16) != 0 && memcmp(id.sid, zero, 16) != 0,
       "another sign-in, another session id");
    ok(!memcmp(id.psid_key, zero, 16), "no sid claim: no provider-session key");
    free(sb);
}

static void test_state_faults(void)
{
    char q[512], *pair2, *state2;

    canned_idp();
    login(corp);
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) == OA_OK, "first use works");
    fx_reset();
    canned_idp();
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, NULL) != OA_OK && expired_page(),
       "replayed state (its cookie was deleted by the first use): 400 expired");
    NO_TOKEN_REQUEST(IDP "/token");

    ok(callback(corp, "code=code-XYZ&iss=" IDP, g_pair) != OA_OK && expired_page(),
       "no state parameter: 400");
    ok(fx_body_has(&r, "href=\"/oauth/\">Start again</a>"),
       "no state, no rd known: Start again links to the sign-in page under base_path");
    ok(r.audit.event == OA_AUDIT_SIGN_IN_FAIL && strstr(r.audit.reason, "no state"),
       "audited: sign_in_failed, no state parameter");
    ok(!strstr(r.audit.reason, "code-XYZ"), "the audit record never holds the code");
    NO_TOKEN_REQUEST(IDP "/token");

    pair2 = fx_login(corp2, NULL, &state2, NULL);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s", state2, IDP);
    ok(callback(corp, q, pair2) != OA_OK && expired_page(),
       "state made for another provider: 400 (mix-up)");
    NO_TOKEN_REQUEST(IDP "/token");
    free(pair2);
    free(state2);

    login(corp);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&state=%s&iss=%s", g_state, g_state, IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_BAD_INPUT && r.status == 400, "duplicated state: 400");
    NO_TOKEN_REQUEST(IDP "/token");
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&code=other&iss=%s", g_state, IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_BAD_INPUT && r.status == 400, "duplicated code: 400");
    NO_TOKEN_REQUEST(IDP "/token");
    /* a repeated parameter refuses the whole answer, whichever it is: a
     * repeated error= must not be dropped and the code exchanged instead */
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s&error=access_denied&error=x", g_state,
             IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_BAD_INPUT && r.status == 400, "duplicated error: 400");
    NO_TOKEN_REQUEST(IDP "/token");
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s&iss=%s", g_state, IDP, IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_BAD_INPUT && r.status == 400, "duplicated iss: 400");
    NO_TOKEN_REQUEST(IDP "/token");

    {
        struct oa_request req;

        snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s", g_state, IDP);
        fx_request(&req, "GET", "/oauth/corp/callback", q, g_pair);
        req.now += OA_STATE_TTL + 5;
        oa_response_free(&r);
        oa_response_init(&r);
        ok(oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, corp) == OA_ERR_EXPIRED && expired_page(),
           "state older than 10 minutes: 400");
        NO_TOKEN_REQUEST(IDP "/token");
    }
}

static void test_error_param(void)
{
    char q[512];

    canned_idp();
    ok(callback(corp, "error=access_denied&error_description=nope", NULL) == OA_ERR_BAD_INPUT &&
           expired_page(),
       "error= without a valid state: 400 expired, not the provider's text (a state failure)");
    ok(!fx_body_has(&r, "nope"), "... its description not shown");

    login(corp);
    snprintf(q, sizeof(q),
             "error=access_denied&error_description=%%3Cscript%%3Ehi%%3C%%2Fscript%%3E&"
             "state=%s&iss=%s",
             g_state, IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_PROVIDER && r.status == 403,
       "error=access_denied with a valid state: 403");
    ok(fx_body_has(&r, "&lt;script&gt;hi") && !fx_body_has(&r, "<script>hi"),
       "error_description shown, escaped");
    ok(strstr(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "Max-Age=0") != NULL,
       "state deleted");
    NO_TOKEN_REQUEST(IDP "/token");

    login(corp);
    snprintf(q, sizeof(q), "error=server_error&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, g_pair) == OA_ERR_PROVIDER && r.status == 502, "error=server_error: 502");
}

static void test_iss(void)
{
    canned_idp();
    login(corp);
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, "https%3A%2F%2Fevil.test") != OA_OK && r.status == 400,
       "iss parameter of another issuer: 400");
    NO_TOKEN_REQUEST(IDP "/token");
    /* the state was read: the way forward keeps where the sign-in was going */
    ok(fx_body_has(&r, "href=\"/oauth/sign_in?rd=%2Fhome\">Start again</a>"),
       "the error page links Start again to the sign-in page with the stored rd");
    ok(r.audit.event == OA_AUDIT_SIGN_IN_FAIL && r.audit.status == 400 &&
           !strcmp(r.audit.provider, "corp") && strstr(r.audit.reason, "iss") && !r.audit.user[0],
       "audited: sign_in_failed at corp, the reason names iss (%s)", r.audit.reason);
    login(corp);
    ok(callback_std(corp, "https%3A%2F%2Fidp.test%2F") != OA_OK && r.status == 400,
       "iss with a trailing slash: 400 (exact match)");
    login(corp);
    ok(callback_std(corp, NULL) != OA_OK && r.status == 400,
       "iss missing while the metadata says it is always sent: 400");
    NO_TOKEN_REQUEST(IDP "/token");
}

static void test_token_faults(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity id;

    canned_idp();
    login(corp);
    fx_answer(IDP "/token", 500, "{\"error\":\"server_error\"}", NULL);
    ok(callback_std(corp, IDP) == OA_ERR_PROVIDER && r.status == 502, "token 500: 502");
    ok(strstr(r.log, IDP "/token") && strstr(r.log, "500"), "log: endpoint and status");
    ok(fx_log_clean(&r) && !strstr(r.log, "code-XYZ"), "log without code or secret");

    login(corp);
    fx_answer(IDP "/token", 200, "{\"access_token\": \"at-SECRET-1\", ", NULL);
    ok(callback_std(corp, IDP) == OA_ERR_PROVIDER && r.status == 502, "malformed JSON: 502");
    ok(fx_log_clean(&r), "log clean");

    login(corp);
    fx_answer(IDP "/token", 200, "x", NULL);
    fx_answers[fx_nanswers - 1].size = OA_HTTP_BODY_MAX + 10;
    ok(callback_std(corp, IDP) != OA_OK && r.status == 502, "oversized answer: 502");

    login(corp);
    fx_answer(IDP "/token", 200, "{\"access_token\":\"at-SECRET-1\"}", NULL);
    ok(callback_std(corp, IDP) == OA_ERR_PROVIDER && r.status == 502, "no id_token: 502");

    login(corp);
    fx_fail(IDP "/token", OA_ERR_PROVIDER);
    ok(callback_std(corp, IDP) == OA_ERR_PROVIDER && r.status == 502, "transport failure: 502");

    login(corp);
    free(g_nonce);
    g_nonce = strdup("another-nonce");
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) != OA_OK && r.status == 502, "id_token with another nonce: 502");

    login(corp);
    token_ok(IDP "/token", "https://evil.test", "u-1", NULL);
    ok(callback_std(corp, IDP) != OA_OK && r.status == 502, "id_token of another issuer: 502");

    login(corp);
    token_ok(IDP "/token", IDP, "u-2", NULL);
    ok(callback_std(corp, IDP) == OA_ERR_PROVIDER && r.status == 502,
       "UserInfo sub differs from the id_token's: 502");
    ok(!fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0), "no session");

    login(corp);
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-1\"}", NULL);
    token_ok(IDP "/token", IDP, "u-1", "{\"email\":\"a@x.test\",\"email_verified\":false}");
    ok(callback_std(corp, IDP) == OA_OK && fx_session(&r, &id, sb), "unverified email");
    is_str(id.email, "", "an unverified email is not kept");
    login(corp);
    token_ok(IDP "/token", IDP, "u-1", "{\"email\":\"a@x.test\"}");
    ok(callback_std(corp, IDP) == OA_OK && fx_session(&r, &id, sb), "email without email_verified");
    is_str(id.email, "", "... not kept either");
    login(corp);
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-1\",\"email_verified\":true}", NULL);
    token_ok(IDP "/token", IDP, "u-1", "{\"email\":\"a@x.test\"}");
    ok(callback_std(corp, IDP) == OA_OK && fx_session(&r, &id, sb), "UserInfo says verified");
    is_str(id.email, "", "... but cannot vouch for the id_token's email (pairs stay whole)");
    login(corp);
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-1\",\"email\":\"u@x.test\",\"email_verified\":true}",
              NULL);
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) == OA_OK && fx_session(&r, &id, sb), "email only in UserInfo");
    is_str(id.email, "u@x.test", "a verified UserInfo email is kept");
    free(sb);
}

static void test_apple(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity id;
    struct oa_request req;
    const struct fx_seen *t;
    char body[1024];

    canned_idp();
    login(apple);
    token_ok("https://appleid.apple.com/auth/token", "https://appleid.apple.com", "001.apple",
             "{\"email\":\"p@privaterelay.appleid.com\",\"email_verified\":\"true\"}");
    snprintf(body, sizeof(body),
             "state=%s&code=code-XYZ&user=%%7B%%22name%%22%%3A%%7B%%22firstName%%22%%3A%%22Ann"
             "%%22%%2C%%22lastName%%22%%3A%%22Lee%%22%%7D%%2C%%22email%%22%%3A%%22evil%%40x.test"
             "%%22%%7D",
             g_state);
    fx_request(&req, "POST", "/oauth/apple-id/callback", "", g_pair);
    req.content_type = "application/x-www-form-urlencoded";
    req.body = body;
    req.body_len = strlen(body);
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, apple) == OA_OK,
       "apple form_post callback succeeds");
    printf("#   log: %s\n", r.log);
    ok(fx_session(&r, &id, sb), "session");
    is_str(id.subject, "001.apple", "sub");
    is_str(id.email, "p@privaterelay.appleid.com", "email from the id_token, not the user field");
    is_str(id.name, "Ann Lee", "name from the first user POST");
    t = fx_last("https://appleid.apple.com/auth/token");
    ok(t && t->body && strstr(t->body, "client_secret=apple-pre-made-jwt") && !t->basic_user,
       "Apple: client_secret_post with the given secret");
    ok(strstr(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "SameSite=None") != NULL,
       "state deleted with the attributes it was set with");

    login(apple);
    snprintf(body, sizeof(body), "state=%s&code=a&code=b", g_state);
    req.body = body;
    req.body_len = strlen(body);
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, apple) == OA_ERR_BAD_INPUT && r.status == 400,
       "apple: duplicated code in the body: 400");
    req.content_type = "text/plain";
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, apple) != OA_OK && r.status == 400,
       "POST that is not urlencoded: 400");
    free(sb);
}

/* Apple without a client_secret: one is made from team_id, key_id and the
 * .p8 key, sent as client_secret, and reused for the next login. */
static void test_apple_generated(void)
{
    char keyfile[] = "/tmp/oa-test-apple-XXXXXX", body[512], first[1024];
    struct oa_request req;
    const struct fx_seen *t;
    const char *sec;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    int fd = mkstemp(keyfile);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int i;

    ok(k && f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1, "a P-256 .p8 key");
    if (f)
        fclose(f);
    EVP_PKEY_free(k);
    free(apple->client_secret);
    apple->client_secret = NULL;
    apple->team_id = fx_s("TEAM123456");
    apple->key_id = fx_s("KEY1234567");
    apple->private_key_file = fx_s(keyfile);
    for (i = 0; i < 2; i++) {
        canned_idp();
        login(apple);
        token_ok("https://appleid.apple.com/auth/token", "https://appleid.apple.com", "001.apple",
                 NULL);
        snprintf(body, sizeof(body), "state=%s&code=code-XYZ", g_state);
        fx_request(&req, "POST", "/oauth/apple-id/callback", "", g_pair);
        req.content_type = "application/x-www-form-urlencoded";
        req.body = body;
        req.body_len = strlen(body);
        oa_response_free(&r);
        oa_response_init(&r);
        ok(oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, apple) == OA_OK,
           "apple with a made secret (%d)", i);
        printf("#   log: %s\n", r.log);
        t = fx_last("https://appleid.apple.com/auth/token");
        sec = t && t->body ? strstr(t->body, "client_secret=eyJ") : NULL;
        ok(sec != NULL, "client_secret is a JWT made from the key");
        if (i == 0 && sec)
            snprintf(first, sizeof(first), "%.*s", (int)strcspn(sec, "&"), sec);
        else
            ok(sec && !strncmp(sec, first, strlen(first)), "the made secret is cached");
        ok(fx_log_clean(&r), "log clean");
    }
    unlink(keyfile);
}

/* Empties a provider's hosted_domain list (the fixture's strings are heap). */
static void hd_clear(struct oa_provider *p)
{
    for (size_t i = 0; i < p->hosted_domain.n; i++)
        free(p->hosted_domain.v[i]);
    free(p->hosted_domain.v);
    p->hosted_domain.v = NULL;
    p->hosted_domain.n = 0;
}

static void test_kinds(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity id;
    const struct fx_seen *t;

    canned_idp();
    login(google);
    token_ok("https://google.test/token", "https://accounts.google.com", "g-1",
             "{\"hd\":\"other.com\",\"email\":\"a@other.com\",\"email_verified\":true}");
    ok(callback_std(google, NULL) == OA_ERR_DENIED && r.status == 403,
       "google: hd not the hosted_domain: 403");
    login(google);
    token_ok("https://google.test/token", "https://accounts.google.com", "g-2",
             "{\"email\":\"a@example.com\",\"email_verified\":true}");
    ok(callback_std(google, NULL) == OA_ERR_DENIED && r.status == 403 && !fx_session(&r, &id, sb),
       "google: a consumer account with a company address (no hd claim): 403, no session");
    hd_clear(google);
    fx_strlist(&google->hosted_domain, "example.org", "example.com");
    login(google);
    token_ok("https://google.test/token", "https://accounts.google.com", "g-3",
             "{\"hd\":\"Example.COM\",\"email\":\"a@example.com\",\"email_verified\":true}");
    ok(callback_std(google, NULL) == OA_OK, "google: hd in the hosted_domain list (case folded)");
    hd_clear(google);
    fx_strlist(&google->hosted_domain, "*", NULL);
    login(google);
    token_ok("https://google.test/token", "https://accounts.google.com", "g-4",
             "{\"hd\":\"any.example\",\"email\":\"a@any.example\",\"email_verified\":true}");
    ok(callback_std(google, NULL) == OA_OK, "google: hosted_domain *: any Workspace domain");
    login(google);
    token_ok("https://google.test/token", "https://accounts.google.com", "g-5",
             "{\"email\":\"a@gmail.com\",\"email_verified\":true}");
    ok(callback_std(google, NULL) == OA_ERR_DENIED && r.status == 403,
       "google: hosted_domain *: a consumer account (no hd) refused");
    hd_clear(google);
    fx_strlist(&google->hosted_domain, "example.com", NULL);
    login(google);
    token_ok("https://google.test/token", "accounts.google.com", "g-1",
             "{\"hd\":\"example.com\",\"email\":\"a@example.com\",\"email_verified\":true,"
             "\"given_name\":\"Al\",\"family_name\":\"Bo\"}");
    ok(callback_std(google, NULL) == OA_OK && fx_session(&r, &id, sb),
       "google: hd matches, iss accounts.google.com accepted");
    is_str(id.email, "a@example.com", "google email");
    is_str(id.name, "Al Bo", "name from given/family");
    t = fx_last("https://google.test/token");
    ok(t && strstr(t->body, "client_secret=s3cret") && !t->basic_user, "google: secret_post");

    login(hf);
    token_ok("https://hf.test/token", "https://hf.test", "h-1",
             "{\"preferred_username\":\"hugo\"}");
    fx_answer("https://hf.test/userinfo", 200,
              "{\"sub\":\"h-1\",\"orgs\":[{\"name\":\"org-a\"},{\"preferred_username\":\"org-b\"},"
              "{\"sub\":\"x\"},\"org-c\",{\"name\":\"Acme Research\",\"preferred_username\":"
              "\"acme\"}]}",
              NULL);
    ok(callback_std(hf, NULL) == OA_OK && fx_session(&r, &id, sb), "huggingface");
    is_str(id.groups, "org-a,org-b,org-c,acme",
           "huggingface orgs as groups, by handle before display name");
    is_str(id.username, "hugo", "preferred_username");

    login(cognito);
    token_ok("https://cognito.test/oauth2/token", "https://cognito.test/pool", "c-1",
             "{\"cognito:username\":\"carol\",\"cognito:groups\":[\"g1\",\"g2\"],"
             "\"email\":\"c@x.test\",\"email_verified\":true}");
    ok(callback_std(cognito, NULL) == OA_OK && fx_session(&r, &id, sb), "cognito");
    is_str(id.username, "carol", "cognito:username");
    is_str(id.groups, "g1,g2", "cognito:groups");
    t = fx_last("https://cognito.test/oauth2/token");
    ok(t && t->basic_user && !strstr(t->body, "client_secret"), "cognito: client_secret_basic");
    free(sb);
}

/* A state cookie for corp sealed here with any rd (the login would have
 * refused most of these): g_pair, g_state, g_nonce. */
static void state_with_rd(const char *rd)
{
    struct oa_response sr;
    struct oa_request req;
    struct oa_state st;

    fx_request(&req, "GET", "/oauth/corp/login", "", NULL);
    oa_response_init(&sr);
    if (oa_state_new(&st, "corp", rd, req.now) != OA_OK ||
        oa_state_save(&sr, &fx_cfg, &req, corp, &st) != OA_OK)
        abort();
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_cookie_pair(fx_set_cookie(&sr, "__Host-oauth2_fcgi_state_", 0));
    g_state = strdup(st.state);
    g_nonce = strdup(st.nonce);
    oa_state_free(&st);
    oa_response_free(&sr);
}

/* A full callback at corp; the Location it answers with (static copy). */
static const char *landing(void)
{
    static char loc[512];
    const char *l;

    token_ok(IDP "/token", IDP, "u-1", NULL);
    if (callback_std(corp, IDP) != OA_OK || r.status != 302)
        return "(sign-in failed)";
    l = oa_response_get(&r, "Location");
    snprintf(loc, sizeof(loc), "%s", l ? l : "(none)");
    return loc;
}

/* The callback checks the stored return target again before it redirects:
 * the config may have changed since the login (public_url,
 * allowed_redirect_hosts), and the state's rd is only as good as the
 * validator at callback time. */
static void test_stored_rd(void)
{
    static const char *const refused[] = {"//evil.test/x",
                                          "https://evil.test/x",
                                          "/\\evil.test",
                                          "javascript:alert(1)",
                                          "http://app.example.com/x",
                                          "/a//evil.test",
                                          "https://app.example.com@evil.test/"};
    static char new_url[] = "https://new.example.com", new_host[] = "new.example.com",
                http_url[] = "http://app.example.com";
    char *old_url = fx_cfg.public_url, *old_host = fx_cfg.public_host;

    canned_idp();
    state_with_rd("/back?x=1");
    is_str(landing(), "/back?x=1", "a stored same-origin path is where the callback lands");
    state_with_rd("https://app.example.com/back");
    is_str(landing(), "https://app.example.com/back",
           "a stored URL on the own origin is where the callback lands");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        state_with_rd(refused[i]);
        is_str(landing(), "/", "a stored rd the validator refuses (%s) lands on /", refused[i]);
    }

    /* allowed_redirect_hosts lost an entry between login and callback */
    fx_strlist(&fx_cfg.allowed_redirect_hosts, "other.example.com", NULL);
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(corp, "https%3A%2F%2Fother.example.com%2Fdash", &g_state, &g_nonce);
    fx_cfg.allowed_redirect_hosts.n = 0;
    is_str(landing(), "/",
           "rd on a host no longer in allowed_redirect_hosts: the callback lands on /");
    fx_cfg.allowed_redirect_hosts.n = 1;
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(corp, "https%3A%2F%2Fother.example.com%2Fdash", &g_state, &g_nonce);
    is_str(landing(), "https://other.example.com/dash",
           "... while it still is listed, the callback lands there");

    /* public_url moved to another host between login and callback */
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(corp, "https%3A%2F%2Fapp.example.com%2Fdash", &g_state, &g_nonce);
    fx_cfg.public_url = new_url;
    fx_cfg.public_host = new_host;
    is_str(landing(), "/", "rd on the old public_url's host: the callback lands on /");
    fx_cfg.public_url = old_url;
    fx_cfg.public_host = old_host;

    /* public_url went from https to http: an https rd on the same host is
     * another origin now */
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(corp, "https%3A%2F%2Fapp.example.com%2Fdash", &g_state, &g_nonce);
    fx_cfg.public_url = http_url;
    fx_cfg.public_https = false;
    is_str(landing(), "/", "rd on https after public_url became http: the callback lands on /");
    fx_cfg.public_url = old_url;
    fx_cfg.public_https = true;
    fx_cfg.allowed_redirect_hosts.n = 0;
}

static void test_logout(void)
{
    struct oa_request req;
    char *u;

    canned_idp();
    fx_request(&req, "GET", "/oauth/logout", "", NULL);
    u = oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "corp", "/bye");
    is_str(u,
           IDP "/logout?client_id=cid-123&post_logout_redirect_uri="
               "https%3A%2F%2Fapp.example.com%2Fbye",
           "OIDC end_session from discovery");
    free(u);
    u = oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "corp", "https://evil.test/");
    is_str(u,
           IDP "/logout?client_id=cid-123&post_logout_redirect_uri="
               "https%3A%2F%2Fapp.example.com%2F",
           "a foreign rd becomes /");
    free(u);
    u = oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "cognito", "/");
    is_str(u,
           "https://cognito.test/logout?client_id=cid-123&logout_uri="
           "https%3A%2F%2Fapp.example.com%2F",
           "Cognito /logout");
    free(u);
    ok(oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "github", "/") == NULL, "GitHub: none");
    ok(oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "nosuch", "/") == NULL,
       "unknown provider: none");
    ok(oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "", "/") == NULL, "no provider: none");
}

/* amazon-cognito with its domain alone (CVAT's settings): no id_token is
 * checked; the identity is userInfo's, called with the access token. */
static void test_cognito_domain_only(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_provider *cd = fx_provider("amazon-cognito", OA_PROVIDER_COGNITO);
    const struct fx_seen *t;
    struct oa_identity id;

    cd->domain = fx_s("https://pool.test");
    cd->authorize_url = fx_s("https://pool.test/oauth2/authorize");
    cd->token_url = fx_s("https://pool.test/oauth2/token");
    cd->userinfo_url = fx_s("https://pool.test/oauth2/userInfo");
    ok(oa_cognito_userinfo_only(cd), "domain alone: userInfo mode");
    canned_idp();
    login(cd);
    /* an id_token nobody can check here: never looked at */
    fx_answer("https://pool.test/oauth2/token", 200,
              "{\"access_token\":\"cog-AT-1\",\"id_token\":\"not.a.jwt\",\"token_type\":"
              "\"Bearer\"}",
              NULL);
    fx_answer("https://pool.test/oauth2/userInfo", 200,
              "{\"sub\":\"c-9\",\"email\":\"dave@example.com\",\"email_verified\":\"true\","
              "\"username\":\"dave\",\"name\":\"Dave D\",\"cognito:groups\":[\"ops\"]}",
              NULL);
    ok(callback_std(cd, NULL) == OA_OK && fx_session(&r, &id, sb),
       "cognito domain only: signed in from userInfo");
    is_str(id.subject, "c-9", "sub from userInfo");
    is_str(id.email, "dave@example.com", "email_verified \"true\": the email");
    is_str(id.username, "dave", "userInfo's username");
    is_str(id.name, "Dave D", "name");
    is_str(id.groups, "ops", "cognito:groups");
    is_str(id.issuer, "https://pool.test", "the domain is the issuer recorded");
    is_str(id.provider, "amazon-cognito", "provider");
    t = fx_last("https://pool.test/oauth2/userInfo");
    ok(t && t->auth_header && !strcmp(t->auth_header, "Authorization: Bearer cog-AT-1"),
       "userInfo called with the access token");
    t = fx_last("https://pool.test/oauth2/token");
    ok(t && t->basic_user && !strcmp(t->basic_user, "cid-123"), "token: client_secret_basic");

    login(cd);
    fx_answer("https://pool.test/oauth2/token", 200, "{\"access_token\":\"cog-AT-2\"}", NULL);
    fx_answer("https://pool.test/oauth2/userInfo", 200,
              "{\"sub\":\"c-10\",\"email\":\"eve@example.com\",\"email_verified\":\"false\","
              "\"username\":\"eve\"}",
              NULL);
    ok(callback_std(cd, NULL) == OA_OK && fx_session(&r, &id, sb),
       "no id_token in the token answer: still signed in");
    is_str(id.email, "", "email_verified \"false\" (a string): no email");
    is_str(id.username, "eve", "username");

    login(cd);
    fx_answer("https://pool.test/oauth2/token", 200, "{\"access_token\":\"cog-AT-3\"}", NULL);
    fx_answer("https://pool.test/oauth2/userInfo", 200, "{\"email\":\"x@example.com\"}", NULL);
    ok(callback_std(cd, NULL) != OA_OK && r.status == 502 && !fx_session(&r, &id, sb),
       "userInfo without sub: 502, no session");
    login(cd);
    fx_answer("https://pool.test/oauth2/token", 200, "{\"access_token\":\"cog-AT-4\"}", NULL);
    fx_answer("https://pool.test/oauth2/userInfo", 401, "{\"error\":\"invalid_token\"}", NULL);
    ok(callback_std(cd, NULL) != OA_OK && r.status == 502 && !fx_session(&r, &id, sb),
       "userInfo refuses the token: 502, no session");

    cd->issuer = fx_s("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool");
    ok(!oa_cognito_userinfo_only(cd), "with an issuer: the id_token is checked instead");
    free(cd->issuer);
    cd->issuer = NULL;
    fx_cfg.nproviders--; /* later tests do not know it */
    free(sb);
}

static struct oa_provider *explicit(const char *name, enum oa_provider_kind kind, const char *base,
                                    const char *iss)
{
    struct oa_provider *p = fx_provider(name, kind);
    char u[256];

    p->issuer = fx_s(iss);
    snprintf(u, sizeof(u), "%s/authorize", base);
    p->authorize_url = fx_s(u);
    snprintf(u, sizeof(u), "%s/token", base);
    p->token_url = fx_s(u);
    snprintf(u, sizeof(u), "%s/jwks", base);
    p->jwks_uri = fx_s(u);
    return p;
}

/* The sign-in counters (metrics.h): each callback counted once, by
 * provider, with the cause of the step that failed. */
static uint64_t signins(const struct oa_provider *p, enum oa_metrics_cause c)
{
    return oa_metrics_block()->signins[oa_config_provider_index(&fx_cfg, p)][c];
}

static void test_metrics(void)
{
    size_t i = oa_config_provider_index(&fx_cfg, corp);
    uint64_t starts = oa_metrics_block()->signin_starts[i];
    uint64_t before[OA_MX_CAUSES], calls;
    char q[512];

    for (int c = 0; c < OA_MX_CAUSES; c++)
        before[c] = signins(corp, (enum oa_metrics_cause)c);
    calls = oa_metrics_block()->calls[i][OA_MX_TOKEN].bucket[0];
    for (int b = 1; b <= OA_MX_BUCKETS; b++)
        calls += oa_metrics_block()->calls[i][OA_MX_TOKEN].bucket[b];
    canned_idp();
    login(corp);
    is_int(oa_metrics_block()->signin_starts[i], starts + 1, "a login counts a start");
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) == OA_OK, "a sign-in");
    is_int(signins(corp, OA_MX_SIGNIN_OK), before[OA_MX_SIGNIN_OK] + 1, "counted ok");
    {
        uint64_t n = 0;
        for (int b = 0; b <= OA_MX_BUCKETS; b++)
            n += oa_metrics_block()->calls[i][OA_MX_TOKEN].bucket[b];
        is_int(n, calls + 1, "the token call timed once");
    }
    ok(callback(corp, "code=code-XYZ&iss=" IDP, g_pair) != OA_OK, "no state");
    is_int(signins(corp, OA_MX_CAUSE_STATE), before[OA_MX_CAUSE_STATE] + 1, "cause state");
    login(corp);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&state=%s&iss=%s", g_state, g_state, IDP);
    ok(callback(corp, q, g_pair) != OA_OK, "a repeated parameter");
    is_int(signins(corp, OA_MX_CAUSE_REQUEST), before[OA_MX_CAUSE_REQUEST] + 1, "cause request");
    login(corp);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=https%%3A%%2F%%2Fevil.test", g_state);
    ok(callback(corp, q, g_pair) != OA_OK, "iss parameter of another issuer");
    is_int(signins(corp, OA_MX_CAUSE_ISS), before[OA_MX_CAUSE_ISS] + 1, "cause iss");
    login(corp);
    fx_answer(IDP "/token", 500, "{\"error\":\"server_error\"}", NULL);
    ok(callback_std(corp, IDP) != OA_OK, "token endpoint 500");
    is_int(signins(corp, OA_MX_CAUSE_TOKEN), before[OA_MX_CAUSE_TOKEN] + 1, "cause token");
    login(corp);
    free(g_nonce);
    g_nonce = strdup("another-nonce");
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) != OA_OK, "another nonce");
    is_int(signins(corp, OA_MX_CAUSE_NONCE), before[OA_MX_CAUSE_NONCE] + 1, "cause nonce");
    login(corp);
    token_ok(IDP "/token", "https://evil.test", "u-1", NULL);
    ok(callback_std(corp, IDP) != OA_OK, "id_token of another issuer");
    is_int(signins(corp, OA_MX_CAUSE_ISS), before[OA_MX_CAUSE_ISS] + 2, "cause iss (id_token)");
    login(corp);
    snprintf(q, sizeof(q), "error=access_denied&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, g_pair) != OA_OK, "the provider's error=");
    is_int(signins(corp, OA_MX_CAUSE_PROVIDER), before[OA_MX_CAUSE_PROVIDER] + 1,
           "cause provider_error");
    is_int(signins(corp, OA_MX_CAUSE_OTHER), before[OA_MX_CAUSE_OTHER], "nothing as other");
}

/* A token answer with an id_token for sub (the login's nonce) and a
 * refresh token. */
static void token_with_refresh(const char *sub)
{
    char *ans = fx_token_answer(IDP, sub, g_nonce ? g_nonce : "", NULL), *out;
    json_t *o = json_loads(ans, 0, NULL);

    json_object_set_new(o, "refresh_token", json_string("rt-SECRET-1"));
    out = json_dumps(o, JSON_COMPACT);
    fx_answer(IDP "/token", 200, out, NULL);
    free(out);
    free(ans);
    json_decref(o);
}

/* The browser's Cookie: its session (a sign-in at corp as sub, two minutes
 * ago) and, after /refresh sent it to the provider, the refresh's state
 * cookie; g_state/g_nonce are the refresh's. */
static char refresh_jar[8192];
static struct oa_session_buf refresh_sb;

static struct oa_identity refresh_start(const char *sub)
{
    struct oa_identity id = {0}, opened = {0};
    struct oa_request req;
    char *pair, *spair;

    id.provider = "corp";
    id.issuer = IDP;
    id.subject = sub;
    id.username = "alice";
    id.groups = "old";
    fx_request(&req, "GET", "/", NULL, NULL);
    req.now -= 120;
    oa_response_free(&r);
    oa_response_init(&r);
    if (oa_session_issue(&r, &fx_cfg, &req, &id) != OA_OK)
        printf("# issue failed\n");
    pair = fx_cookie_pair(fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0));
    if (oa_session_read(&opened, &refresh_sb, &fx_cfg, pair, req.now) != OA_OK)
        printf("# session does not open\n");
    fx_request(&req, "GET", "/oauth/refresh", "rd=%2Fpage", pair);
    oa_response_free(&r);
    oa_response_init(&r);
    if (oa_signin_refresh(&r, &fx_cfg, &fx_rt, &req) != OA_OK)
        printf("# refresh did not go to the provider: %s\n", r.log);
    free(g_state);
    free(g_nonce);
    g_state = fx_location_param(&r, "state");
    g_nonce = fx_location_param(&r, "nonce");
    spair = fx_cookie_pair(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0));
    snprintf(refresh_jar, sizeof(refresh_jar), "%s; %s", pair, spair ? spair : "");
    free(pair);
    free(spair);
    return opened;
}

static void test_refresh_mode(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity old, id;
    const char *loc;
    char q[512], *p;

    fx_cfg.session.refresh_after = 60; /* refresh_start's session is 120 s old: stale */
    canned_idp();
    old = refresh_start("u-1");
    ok(g_state && g_nonce, "/refresh sent the browser with a refresh state");
    snprintf(q, sizeof(q), "error=login_required&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, refresh_jar) == OA_OK, "prompt=none answered login_required");
    is_int(r.status, 302, "302");
    loc = oa_response_get(&r, "Location");
    is_str(loc, "/oauth/corp/login?rd=%2Fpage", "to the provider's login, rd kept");
    p = (char *)fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0);
    ok(p && strstr(p, "Max-Age=0"), "session cleared");
    NO_TOKEN_REQUEST(IDP "/token");

    const char *codes[] = {"interaction_required", "consent_required",
                           "account_selection_required"};
    for (size_t i = 0; i < 3; i++) {
        canned_idp();
        refresh_start("u-1");
        snprintf(q, sizeof(q), "error=%s&state=%s&iss=%s", codes[i], g_state, IDP);
        ok(callback(corp, q, refresh_jar) == OA_OK && r.status == 302 &&
               !strcmp(oa_response_get(&r, "Location"), "/oauth/corp/login?rd=%2Fpage"),
           "%s: to login", codes[i]);
    }
    canned_idp();
    refresh_start("u-1");
    snprintf(q, sizeof(q), "error=access_denied&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, refresh_jar) != OA_OK && r.status == 403,
       "access_denied in a refresh: the provider's refusal page as at sign-in");

    canned_idp();
    old = refresh_start("u-1");
    token_ok(IDP "/token", IDP, "u-1", "{\"groups\":[\"new\"]}");
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, refresh_jar) == OA_OK && r.status == 302, "prompt=none: a code");
    is_str(oa_response_get(&r, "Location"), "/page", "to rd");
    ok(fx_session(&r, &id, sb), "a session");
    is_str(id.subject, "u-1", "same subject");
    is_str(id.groups, "new", "new groups");
    ok(!memcmp(id.sid, old.sid, sizeof(id.sid)) && id.login_at == old.login_at,
       "same sub: sid and login_at kept");
    ok(strstr(r.log, "refreshed") != NULL, "log: refreshed");

    canned_idp();
    old = refresh_start("u-1");
    token_ok(IDP "/token", IDP, "u-7", NULL);
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-7\"}", NULL);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s&iss=%s", g_state, IDP);
    ok(callback(corp, q, refresh_jar) == OA_OK && r.status == 302 && fx_session(&r, &id, sb) &&
           !strcmp(id.subject, "u-7") && strstr(r.log, "not the session's"),
       "another subject: a new session, logged");
    free(sb);
}

/* A sign-in whose token answer has a refresh token leaves it in the token
 * cookie, bound to the new session; without one, no token cookie. */
static void test_token_cookie_at_signin(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_token_cookie tc;
    struct oa_identity id;
    const char *c;
    char *pair;

    canned_idp();
    login(corp);
    token_with_refresh("u-1");
    ok(callback_std(corp, IDP) == OA_OK && r.status == 302, "sign-in with a refresh token");
    c = fx_set_cookie(&r, "__Secure-oauth2_fcgi_tok=", 0);
    ok(c && strstr(c, "Path=/oauth/") && strstr(c, "HttpOnly") && strstr(c, "Secure") &&
           !strstr(c, "Domain"),
       "token cookie under base_path, HttpOnly, Secure");
    pair = fx_cookie_pair(c);
    ok(fx_session(&r, &id, sb) && pair && oa_token_cookie_read(&tc, &fx_cfg, pair, &id) == OA_OK &&
           !strcmp(tc.refresh_token, "rt-SECRET-1"),
       "holds the refresh token, bound to the session");
    oa_token_cookie_free(&tc);
    free(pair);
    ok(fx_log_clean(&r) && !strstr(r.log, "rt-SECRET"), "log clean");

    canned_idp();
    login(corp);
    token_ok(IDP "/token", IDP, "u-1", NULL);
    ok(callback_std(corp, IDP) == OA_OK && !fx_set_cookie(&r, "__Secure-oauth2_fcgi_tok=", 0),
       "no refresh token: no token cookie");
    free(sb);
}

int main(void)
{
    fx_config();
    jwks = fx_make_key();
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s(IDP);
    corp2 = fx_provider("corp2", OA_PROVIDER_OIDC);
    corp2->issuer = fx_s(IDP);
    apple = explicit("apple-id", OA_PROVIDER_APPLE, "https://appleid.apple.com/auth",
                     "https://appleid.apple.com");
    free(apple->jwks_uri);
    apple->jwks_uri = fx_s("https://appleid.apple.com/auth/keys");
    free(apple->client_secret);
    apple->client_secret = fx_s("apple-pre-made-jwt");
    google = explicit("google-oauth2", OA_PROVIDER_GOOGLE, "https://google.test",
                      "https://accounts.google.com");
    fx_strlist(&google->hosted_domain, "example.com", NULL);
    hf = explicit("huggingface", OA_PROVIDER_HUGGINGFACE, "https://hf.test", "https://hf.test");
    hf->userinfo_url = fx_s("https://hf.test/userinfo");
    cognito = explicit("cognito", OA_PROVIDER_COGNITO, "https://cognito.test/oauth2",
                       "https://cognito.test/pool");
    free(cognito->jwks_uri);
    cognito->jwks_uri = fx_s("https://cognito.test/.well-known/jwks.json");
    cognito->kind = OA_PROVIDER_COGNITO;
    cognito->domain = fx_s("https://cognito.test");
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    oa_response_init(&r);
    test_oidc_happy();
    test_too_large();
    test_new_session();
    test_state_faults();
    test_error_param();
    test_iss();
    test_token_faults();
    test_apple();
    test_apple_generated();
    test_kinds();
    test_stored_rd();
    test_cognito_domain_only();
    test_logout();
    test_metrics();
    test_refresh_mode();
    test_token_cookie_at_signin();
    oa_response_free(&r);
    fx_reset();
    free(g_pair);
    free(g_state);
    free(g_nonce);
    free(jwks);
    return tap_done();
}
