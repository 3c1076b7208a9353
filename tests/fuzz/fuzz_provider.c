/*
 * fuzz_provider.c - what a provider sends back, through the whole callback
 * (oa_signin_callback) with a stand-in HTTP table (tests/unit/flow_fixture.c)
 * whose answers come from the input. The first byte picks the provider;
 * the rest is split at 0x1e bytes into parts:
 *   github: token answer, /user, /user/emails, /user/orgs (every page),
 *           /user/teams (every page), the Link header of /user/orgs;
 *   OpenID kinds (corp, disco, apple-id, google-oauth2, huggingface,
 *   amazon-cognito): token answer (when it is a JSON object without an
 *   id_token, one is added: a good ES256 token whose claims are the
 *   defaults overlaid with part 1 when that is a JSON object), the claims
 *   overlay, UserInfo, then for disco the discovery document and for
 *   apple-id the form_post `user` field;
 * and for every provider part 6 is appended to the callback's query (or
 * Apple's body).
 * Whatever comes back, the answer must be a complete response, and a
 * session cookie, when set, must open; the client secret and the code
 * never reach the log line.
 */
#include <time.h>

#include "fuzz.h"
#include "oa/replay.h"

#define IDP "https://idp.test"
#define SECRET "Zq8KpL2vN4xR7tW1"
#define CODE "c0de-Mh3Jd9Qs6Fb"
#define NPROV 7
#define NPART 7

struct fz_login {
    struct oa_provider *p;
    const char *iss;
    char *pair, *state, *nonce;
};

static struct fz_login logins[NPROV];
static char *jwks_doc, *disco_doc;
static int64_t t0;

static int64_t fz_t0(void)
{
    return t0;
}

static struct oa_provider *prov(const char *name, enum oa_provider_kind kind, const char *base,
                                const char *iss)
{
    struct oa_provider *p = fx_provider(name, kind);
    char u[256];

    free(p->client_secret);
    p->client_secret = fx_s(SECRET);
    if (iss)
        p->issuer = fx_s(iss);
    if (!base)
        return p;
    snprintf(u, sizeof(u), "%s/authorize", base);
    p->authorize_url = fx_s(u);
    snprintf(u, sizeof(u), "%s/token", base);
    p->token_url = fx_s(u);
    snprintf(u, sizeof(u), "%s/jwks", base);
    p->jwks_uri = fx_s(u);
    snprintf(u, sizeof(u), "%s/userinfo", base);
    p->userinfo_url = fx_s(u);
    return p;
}

static void canned_common(void)
{
    fx_answer("https://disco.test/.well-known/openid-configuration", 200, disco_doc, NULL);
}

static void setup(void)
{
    struct oa_provider *gh;
    size_t i;

    fx_config();
    t0 = (int64_t)time(NULL);
    oa_discovery_set_clock(fz_t0);
    jwks_doc = fx_make_key();
    disco_doc =
        strdup("{\"issuer\":\"https://disco.test\",\"authorization_endpoint\":"
               "\"https://disco.test/auth\",\"token_endpoint\":\"https://disco.test/token\","
               "\"userinfo_endpoint\":\"https://disco.test/userinfo\",\"jwks_uri\":"
               "\"https://disco.test/jwks\",\"authorization_response_iss_parameter_"
               "supported\":true}");
    gh = prov("github", OA_PROVIDER_GITHUB, NULL, NULL);
    gh->base_url = fx_s("https://github.test");
    gh->api_url = fx_s("https://api.github.test");
    gh->authorize_url = fx_s("https://github.test/login/oauth/authorize");
    gh->token_url = fx_s("https://github.test/token");
    fx_strlist(&gh->allowed_orgs, "acme", NULL);
    fx_strlist(&gh->allowed_teams, "acme/ops", NULL);
    logins[0] = (struct fz_login){gh, NULL, NULL, NULL, NULL};
    logins[1] = (struct fz_login){prov("corp", OA_PROVIDER_OIDC, IDP, IDP), IDP, NULL, NULL, NULL};
    logins[2] = (struct fz_login){prov("disco", OA_PROVIDER_OIDC, NULL, "https://disco.test"),
                                  "https://disco.test", NULL, NULL, NULL};
    logins[3] = (struct fz_login){
        prov("apple-id", OA_PROVIDER_APPLE, "https://apple.test", "https://appleid.apple.com"),
        "https://appleid.apple.com", NULL, NULL, NULL};
    logins[4] = (struct fz_login){prov("google-oauth2", OA_PROVIDER_GOOGLE, "https://google.test",
                                       "https://accounts.google.com"),
                                  "accounts.google.com", NULL, NULL, NULL};
    fx_strlist(&logins[4].p->hosted_domain, "example.com", NULL);
    logins[5] = (struct fz_login){
        prov("huggingface", OA_PROVIDER_HUGGINGFACE, "https://hf.test", "https://hf.test"),
        "https://hf.test", NULL, NULL, NULL};
    logins[6] = (struct fz_login){prov("amazon-cognito", OA_PROVIDER_COGNITO,
                                       "https://cognito.test", "https://cognito.test/pool"),
                                  "https://cognito.test/pool", NULL, NULL, NULL};
    logins[6].p->domain = fx_s("https://cognito.test");
    canned_common();
    for (i = 0; i < NPROV; i++) {
        logins[i].pair = fx_login(logins[i].p, "%2Fhome", &logins[i].state, &logins[i].nonce);
        if (!logins[i].pair || !logins[i].state)
            abort();
    }
    fx_reset();
}

/* p as a NUL-terminated string (new). */
static char *part_str(const uint8_t *p, size_t n)
{
    return fz_str(p, n);
}

/* The token answer of an OpenID provider: part 0, with a good id_token
 * made from the default claims and part 1 when part 0 is an object
 * without one. New string. */
static char *token_answer(const struct fz_login *l, const char *p0, const char *p1)
{
    json_t *ans = json_loads(p0, JSON_REJECT_DUPLICATES, NULL), *c, *x;
    char *claims, *tok, *out;

    if (!json_is_object(ans) || json_object_get(ans, "id_token")) {
        json_decref(ans);
        return strdup(p0);
    }
    c = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "iss", l->iss, "aud", "cid-123", "sub", "u-1", "iat",
                  (json_int_t)t0 - 5, "exp", (json_int_t)t0 + 600, "nonce",
                  l->nonce ? l->nonce : "");
    x = json_loads(p1, 0, NULL);
    if (json_is_object(x))
        json_object_update(c, x);
    json_decref(x);
    claims = json_dumps(c, JSON_COMPACT);
    tok = fx_sign(claims);
    json_object_set_new(ans, "id_token", json_string(tok));
    out = json_dumps(ans, JSON_COMPACT);
    json_decref(ans);
    json_decref(c);
    free(claims);
    free(tok);
    return out ? out : strdup("");
}

static void canned_github(char **s)
{
    fx_answer("https://github.test/token", 200, s[0], NULL);
    fx_answer("https://api.github.test/user", 200, s[1], NULL);
    fx_answer("https://api.github.test/user/emails?per_page=100", 200, s[2], NULL);
    fx_answer("https://api.github.test/user/orgs?per_page=100*", 200, s[3], s[5][0] ? s[5] : NULL);
    fx_answer("https://api.github.test/user/teams?per_page=100*", 200, s[4], NULL);
}

static void canned_oidc(const struct fz_login *l, char **s)
{
    const char *base = l->p->token_url ? l->p->token_url : "https://disco.test/token";
    char u[256], *ans = token_answer(l, s[0], s[1]);
    size_t n = strlen(base) - strlen("/token");

    fx_answer(base, 200, ans, NULL);
    free(ans);
    snprintf(u, sizeof(u), "%.*s/userinfo", (int)n, base);
    fx_answer(u, 200, s[2], NULL);
    snprintf(u, sizeof(u), "%.*s/jwks", (int)n, base);
    fx_answer(u, 200, jwks_doc, NULL);
    if (l->p->kind == OA_PROVIDER_OIDC && !l->p->token_url && s[3][0])
        fx_answer("https://disco.test/.well-known/openid-configuration", 200, s[3], NULL);
}

/* The session cookie, when set, is on a 302 and opens. */
static void check(const struct oa_response *r)
{
    struct oa_session_buf *sb;
    struct oa_identity id;
    const char *sc;
    char *pair;

    if (r->status < 200 || r->status > 599)
        abort();
    sc = fx_set_cookie(r, "__Host-oauth2_fcgi=", 0);
    if (!sc)
        return;
    if (r->status != 302)
        abort();
    sb = calloc(1, sizeof(*sb));
    pair = fx_cookie_pair(sc);
    if (!sb || !pair || oa_session_read(&id, sb, &fx_cfg, pair, t0) != OA_OK)
        abort();
    free(pair);
    free(sb);
}

/* One callback of provider l with the answers in s and this code; r is
 * answered (the caller frees it). */
static void run(struct oa_response *r, struct fz_login *l, char **s, const char *code)
{
    struct oa_request req;
    struct oa_buf q = {0};
    char path[128];

    fx_reset();
    fx_runtime(); /* fresh provider caches */
    canned_common();
    if (l->p->kind == OA_PROVIDER_GITHUB)
        canned_github(s);
    else
        canned_oidc(l, s);
    if (oa_buf_printf(&q, "code=%s&state=%s", code, l->state) != OA_OK ||
        (l->p->kind == OA_PROVIDER_APPLE && s[3][0] &&
         (oa_buf_puts(&q, "&user=") != OA_OK || oa_buf_urlenc(&q, s[3]) != OA_OK)) ||
        oa_buf_puts(&q, s[NPART - 1]) != OA_OK)
        abort();
    snprintf(path, sizeof(path), "/oauth/%s/callback", l->p->name);
    fx_request(&req, "GET", path, q.p ? q.p : "", l->pair);
    req.now = t0;
    if (l->p->kind == OA_PROVIDER_APPLE) {
        req.method = "POST";
        req.query_string = NULL;
        req.content_type = "application/x-www-form-urlencoded";
        req.body = q.p ? q.p : "";
        req.body_len = q.len;
    }
    oa_response_init(r);
    (void)oa_signin_callback(r, &fx_cfg, &fx_rt, &req, l->p);
    oa_buf_free(&q);
}

/* 16 letters and digits the fuzzer cannot guess: a new value each call
 * (splitmix64 over a counter started from the clock). */
static void fresh_secret(char out[17])
{
    static const char abc[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    static uint64_t ctr;
    uint64_t z;

    if (!ctr)
        ctr = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 16; i++) {
        z = (ctr += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        out[i] = abc[(z ^ (z >> 31)) % (sizeof(abc) - 1)];
    }
    out[16] = '\0';
}

/* The client secret and the code never reach the log line. The log may
 * quote what the provider sent (sanitised: control bytes dropped, values
 * decoded), so the fuzzer can spell the secret itself (it learns the
 * strings this harness compares); when the first run's log holds it, the
 * same input runs again with a fresh random secret and code, which no
 * input can contain: a real leak shows them too. */
static void leak_check(const struct oa_response *r, struct fz_login *l, char **s)
{
    struct oa_response r2;
    char secret2[17], code2[17];
    int leak;

    if (!strstr(r->log, SECRET) && !strstr(r->log, CODE))
        return;
    fresh_secret(secret2);
    fresh_secret(code2);
    memcpy(l->p->client_secret, secret2, sizeof(secret2));
    run(&r2, l, s, code2);
    leak = strstr(r2.log, secret2) || strstr(r2.log, code2);
    memcpy(l->p->client_secret, SECRET, sizeof(SECRET));
    oa_response_free(&r2);
    if (leak)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct oa_response r;
    const uint8_t *part[NPART];
    size_t len[NPART], n, i;
    char *s[NPART];
    struct fz_login *l;

    if (!logins[0].p)
        setup();
    if (size < 1 || size > 256 * 1024)
        return 0;
    /* the logins are made once and used by every input: forget that their
     * states were used, or every input after the first is a replay */
    oa_replay_reset(0);
    l = &logins[data[0] % NPROV];
    n = fz_split(data + 1, size - 1, part, len, NPART);
    for (i = 0; i < NPART; i++)
        s[i] = i < n ? part_str(part[i], len[i]) : strdup("");
    run(&r, l, s, CODE);
    check(&r);
    leak_check(&r, l, s);
    if (getenv("FZ_DEBUG")) /* what a seed reaches: status and log line */
        fprintf(stderr, "%s: %d %s\n", l->p->name, r.status, r.log);
    oa_response_free(&r);
    for (i = 0; i < NPART; i++)
        free(s[i]);
    return 0;
}
