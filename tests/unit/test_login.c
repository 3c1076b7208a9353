/* test_login.c - /<base>/<provider>/login: the state cookie and the
 * authorization URL (parsed back: every parameter, PKCE S256 challenge of
 * the sealed verifier, nonce, form_post for Apple, encoding, rd checks). */
#include "fixture.h"
#include "oa/b64url.h"
#include "oa/crypto.h"
#include "tap.h"

static struct oa_response r;

/* Opens the state cookie r set and returns the entry (caller frees). */
static int opened(struct oa_state *st, const struct oa_provider *p)
{
    char *pair = fx_cookie_pair(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0));
    char *state = fx_location_param(&r, "state");
    struct oa_request req;
    int good;

    fx_request(&req, "GET", "/cb", "", pair);
    good = pair && state && oa_state_load(st, &fx_cfg, &req, p, state) == OA_OK;
    free(pair);
    free(state);
    return good;
}

static enum oa_err login(const struct oa_provider *p, const char *query)
{
    struct oa_request req;
    char path[128];

    snprintf(path, sizeof(path), "/oauth/%s/login", p->name);
    fx_request(&req, "GET", path, query, NULL);
    oa_response_free(&r);
    oa_response_init(&r);
    return oa_signin_login(&r, &fx_cfg, &fx_rt, &req, p);
}

static void check_param(const char *name, const char *want)
{
    char *v = fx_location_param(&r, name);

    is_str(v, want, "authorize URL %s", name);
    free(v);
}

static void test_github(const struct oa_provider *gh)
{
    unsigned char digest[32];
    char want[64], *challenge, *state;
    const char *loc;
    struct oa_state st;

    ok(login(gh, "rd=%2Fdashboard%3Fa%3D1") == OA_OK, "github login answers");
    is_int(r.status, 302, "302 to the provider");
    loc = oa_response_get(&r, "Location");
    ok(loc && !strncmp(loc, "https://github.test/login/oauth/authorize?response_type=code&", 61),
       "to the authorize endpoint, response_type=code");
    check_param("response_type", "code");
    check_param("client_id", "cid-123");
    check_param("redirect_uri", "https://app.example.com/oauth/github/callback");
    check_param("scope", "read:user user:email");
    check_param("code_challenge_method", "S256");
    ok(!fx_location_param(&r, "nonce"), "no nonce for GitHub (not OpenID)");
    ok(!fx_location_param(&r, "response_mode"), "no response_mode for GitHub");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "Cache-Control: no-store");
    ok(opened(&st, gh), "the state cookie opens for the state in the URL");
    state = fx_location_param(&r, "state");
    ok(state && strlen(state) >= 43, "state has >= 256 bits");
    oa_sha256(digest, st.verifier, strlen(st.verifier));
    ok(oa_b64url_encode(want, sizeof(want), digest, 32) == OA_OK, "challenge computed");
    challenge = fx_location_param(&r, "code_challenge");
    is_str(challenge, want, "code_challenge = base64url(sha256(sealed verifier))");
    ok(!strstr(loc, st.verifier), "the verifier itself never leaves in the URL");
    is_str(st.rd, "/dashboard?a=1", "rd stored after validation");
    ok(fx_log_clean(&r), "log line clean");
    free(challenge);
    free(state);
    oa_state_free(&st);
}

static void test_rd(const struct oa_provider *gh)
{
    struct oa_state st;

    ok(login(gh, "rd=https%3A%2F%2Fevil.example%2F") == OA_OK && opened(&st, gh), "foreign rd");
    is_str(st.rd, "/", "a foreign rd becomes /");
    oa_state_free(&st);
    ok(login(gh, "rd=%2F%2Fevil.example") == OA_OK && opened(&st, gh), "//host rd");
    is_str(st.rd, "/", "a scheme-relative rd becomes /");
    oa_state_free(&st);
    ok(login(gh, "") == OA_OK && opened(&st, gh), "no rd");
    is_str(st.rd, "/", "no rd -> /");
    oa_state_free(&st);
    ok(login(gh, "rd=%2Fa&rd=%2Fb") == OA_ERR_BAD_INPUT, "two rd parameters refused");
    is_int(r.status, 400, "400");
    ok(!fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "no state cookie then");
}

static void test_oidc(const struct oa_provider *corp)
{
    struct oa_state st;
    const char *loc;
    char *nonce;

    ok(login(corp, "rd=%2F") == OA_OK, "OIDC login answers");
    loc = oa_response_get(&r, "Location");
    ok(loc && !strncmp(loc, "https://idp.test/authorize?tenant=1&response_type=code&", 55),
       "an authorize URL with a query gets &");
    check_param("scope", "openid email profile");
    check_param("client_id", "cid-123");
    nonce = fx_location_param(&r, "nonce");
    ok(opened(&st, corp) && nonce && !strcmp(nonce, st.nonce), "nonce sent = nonce sealed");
    free(nonce);
    oa_state_free(&st);
}

/* offline_access: the OpenID kind asks for the scope and, with it,
 * prompt=consent (providers drop offline_access without consent); Google
 * access_type=offline instead; off: neither. The state is a sign-in's. */
static void test_offline_access(struct oa_provider *corp, struct oa_provider *google,
                                struct oa_provider *odd)
{
    struct oa_state st;
    char *v;

    ok(login(corp, "rd=%2F") == OA_OK, "offline_access off");
    v = fx_location_param(&r, "prompt");
    ok(!v, "no prompt by default");
    free(v);
    corp->offline_access = true;
    ok(login(corp, "rd=%2F") == OA_OK, "offline_access on");
    check_param("scope", "openid email profile offline_access");
    check_param("prompt", "consent");
    v = fx_location_param(&r, "access_type");
    ok(!v, "no access_type outside Google");
    free(v);
    ok(opened(&st, corp) && !st.refresh, "a sign-in's state, not a refresh's");
    oa_state_free(&st);
    corp->offline_access = false;
    odd->offline_access = true;
    free(odd->scope);
    odd->scope = fx_s("openid offline_access x");
    ok(login(odd, "rd=%2F") == OA_OK, "offline_access already in the scope");
    check_param("scope", "openid offline_access x");
    odd->offline_access = false;
    free(odd->scope);
    odd->scope = fx_s("openid x+y");
    google->offline_access = true;
    ok(login(google, "rd=%2F") == OA_OK, "google offline_access");
    check_param("access_type", "offline");
    check_param("scope", "openid email profile");
    v = fx_location_param(&r, "prompt");
    ok(!v, "google: no prompt forced");
    free(v);
    google->offline_access = false;
}

/* Google's hd= hint: one hosted_domain as is, several as "*", none: no hd. */
/* Empties a provider's hosted_domain list (the fixture's strings are heap). */
static void hd_clear(struct oa_provider *p)
{
    for (size_t i = 0; i < p->hosted_domain.n; i++)
        free(p->hosted_domain.v[i]);
    free(p->hosted_domain.v);
    p->hosted_domain.v = NULL;
    p->hosted_domain.n = 0;
}

static void test_google_hd(struct oa_provider *google)
{
    char *hd;

    ok(login(google, "rd=%2F") == OA_OK, "google login answers");
    hd = fx_location_param(&r, "hd");
    ok(!hd, "no hosted_domain: no hd parameter");
    free(hd);
    fx_strlist(&google->hosted_domain, "example.com", NULL);
    ok(login(google, "rd=%2F") == OA_OK, "google login with hosted_domain");
    check_param("hd", "example.com");
    hd_clear(google);
    fx_strlist(&google->hosted_domain, "example.com", "example.org");
    ok(login(google, "rd=%2F") == OA_OK, "google login with two hosted domains");
    check_param("hd", "*");
}

static void test_apple(const struct oa_provider *apple)
{
    const char *sc;

    ok(login(apple, "rd=%2F") == OA_OK, "apple login answers");
    check_param("response_mode", "form_post");
    check_param("scope", "name email");
    sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "SameSite=None") && strstr(sc, "Secure"), "SameSite=None; Secure");
}

static void test_encoding(struct oa_provider *odd)
{
    const char *loc;

    ok(login(odd, "rd=%2F") == OA_OK, "odd provider login");
    loc = oa_response_get(&r, "Location");
    ok(loc && strstr(loc, "client_id=a%20b%26c%3Dd%23") && strstr(loc, "scope=openid%20x%2By"),
       "client_id and scope percent-encoded");
    check_param("client_id", "a b&c=d#");
    ok(loc && strstr(loc, "redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fodd%2Fcallback"),
       "redirect_uri percent-encoded");
}

static void test_origin(const struct oa_provider *gh)
{
    char *pub = fx_cfg.public_url, *host = fx_cfg.public_host;
    struct oa_request req;

    fx_cfg.public_url = NULL;
    fx_cfg.public_host = NULL;
    fx_request(&req, "GET", "/oauth/github/login", "rd=%2F", NULL);
    req.host = "intranet.example:8443";
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, gh) == OA_OK, "login without public_url");
    check_param("redirect_uri", "https://intranet.example:8443/oauth/github/callback");
    req.host = NULL;
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, gh) != OA_OK && r.status == 400,
       "no public_url and no Host: 400");
    req.host = "evil.example/x?";
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, gh) != OA_OK && r.status == 400,
       "a Host with a path: 400");
    fx_cfg.public_url = pub;
    fx_cfg.public_host = host;
}

static void test_outstanding(const struct oa_provider *gh)
{
    struct oa_buf hdr = {0};
    struct oa_request req;
    char *pairs[4], *state;
    size_t i, deleted = 0;
    const char *sc;

    for (i = 0; i < 4; i++) {
        pairs[i] = fx_login(gh, NULL, &state, NULL);
        free(state);
        if (oa_buf_printf(&hdr, "%s%s", i ? "; " : "", pairs[i]) != OA_OK)
            abort();
    }
    fx_request(&req, "GET", "/oauth/github/login", "rd=%2F", hdr.p);
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, gh) == OA_OK, "a fifth login");
    for (i = 0; (sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", (int)i)); i++)
        deleted += strstr(sc, "Max-Age=0") != NULL;
    is_int(deleted, 1, "one old entry dropped: at most 4 outstanding");
    is_int(fx_count_cookies(&r, "__Host-oauth2_fcgi_state_"), 2, "one new, one deleted");
    for (i = 0; i < 4; i++)
        free(pairs[i]);
    oa_buf_free(&hdr);
}

int main(void)
{
    struct oa_provider *gh, *corp, *apple, *odd, *google;

    fx_config();
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    gh->authorize_url = fx_s("https://github.test/login/oauth/authorize");
    gh->token_url = fx_s("https://github.test/login/oauth/access_token");
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s("https://idp.test");
    corp->authorize_url = fx_s("https://idp.test/authorize?tenant=1");
    corp->token_url = fx_s("https://idp.test/token");
    corp->jwks_uri = fx_s("https://idp.test/jwks");
    apple = fx_provider("apple-id", OA_PROVIDER_APPLE);
    apple->issuer = fx_s("https://appleid.apple.com");
    apple->authorize_url = fx_s("https://appleid.apple.com/auth/authorize");
    apple->token_url = fx_s("https://appleid.apple.com/auth/token");
    apple->jwks_uri = fx_s("https://appleid.apple.com/auth/keys");
    odd = fx_provider("odd", OA_PROVIDER_OIDC);
    free(odd->client_id);
    odd->client_id = fx_s("a b&c=d#");
    odd->scope = fx_s("openid x+y");
    odd->authorize_url = fx_s("https://odd.test/authorize");
    odd->token_url = fx_s("https://odd.test/token");
    odd->jwks_uri = fx_s("https://odd.test/jwks");
    google = fx_provider("google-oauth2", OA_PROVIDER_GOOGLE);
    google->issuer = fx_s("https://accounts.google.com");
    google->authorize_url = fx_s("https://google.test/auth");
    google->token_url = fx_s("https://google.test/token");
    google->jwks_uri = fx_s("https://google.test/jwks");
    oa_response_init(&r);
    test_github(gh);
    test_rd(gh);
    test_oidc(corp);
    test_apple(apple);
    test_google_hd(google);
    test_encoding(odd);
    test_offline_access(corp, google, odd);
    test_origin(gh);
    test_outstanding(gh);
    ok(fx_nseen == 0, "login never talks to the provider when endpoints are configured");
    oa_response_free(&r);
    fx_reset();
    return tap_done();
}
