/* test_gitlab.c - the gitlab kind (provider_gitlab.c): GitLab's claim
 * shapes into groups (groups, groups_direct, the owner / maintainer /
 * developer claims as "path:role"), bad shapes refused, allowed_groups,
 * and a whole sign-in against a stand-in (discovery at the base URL,
 * id_token with groups_direct, UserInfo with groups and role claims). */
#include "fixture.h"
#include "oa/claims.h"
#include "oa/flow.h"
#include "tap.h"

#define GL "https://gitlab.test"
#define ROLE "https://gitlab.org/claims/groups/"

static struct oa_response r;
static char *jwks, *g_pair, *g_state, *g_nonce;
static struct oa_provider *gl;

static void test_groups(void)
{
    static const struct {
        const char *claims, *paths; /* paths: groups_claim "a|b", "" the kind's */
        enum oa_err want;
        const char *groups; /* or the words of why */
    } cases[] = {
        {"{\"groups\":[\"acme\",\"acme/web\"],\"groups_direct\":[\"acme/web\"]}", "", OA_OK,
         "acme,acme/web"},
        {"{\"groups_direct\":[\"acme/web\"]}", "", OA_OK, "acme/web"},
        {"{\"groups\":[\"acme\"],\"" ROLE "owner\":[\"acme\"],\"" ROLE "maintainer\":"
         "[\"acme/web\"],\"" ROLE "developer\":[\"acme/api\",\"\"]}",
         "", OA_OK, "acme,acme:owner,acme/web:maintainer,acme/api:developer"},
        {"{}", "", OA_OK, ""},
        {"{\"groups\":null}", "", OA_OK, ""},
        {"{\"groups\":\"acme\"}", "", OA_OK, "acme"},
        {"{\"groups\":[\"acme\"],\"groups_direct\":[\"x\"]}", "groups_direct", OA_OK, "x"},
        {"{\"groups\":{\"acme\":1}}", "", OA_ERR_PROVIDER, "claim 'groups' is an object"},
        {"{\"groups_direct\":[1]}", "", OA_ERR_PROVIDER, "claim 'groups_direct' holds a number"},
        {"{\"" ROLE "owner\":\"acme\"}", "", OA_ERR_PROVIDER, "is not an array of group paths"},
        {"{\"" ROLE "developer\":[{}]}", "", OA_ERR_PROVIDER, "something else than a group path"},
        {"{\"groups\":[\"a,b\",\"c\"]}", "", OA_OK, "c"},
    };
    struct oa_provider p = {0};
    char why[256];

    p.kind = OA_PROVIDER_GITLAB;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oa_buf out = {0};
        json_t *c = json_loads(cases[i].claims, 0, NULL);
        enum oa_err e;
        p.groups_claim = cfx_list(cases[i].paths);
        e = oa_gitlab_groups(&out, &p, c, why, sizeof(why));
        is_int(e, cases[i].want, "groups %zu: %s", i, cases[i].claims);
        if (e == OA_OK)
            is_str(out.p ? out.p : "", cases[i].groups, "groups %zu: the list", i);
        else
            ok(strstr(why, cases[i].groups) != NULL, "groups %zu: why names it: %s", i, why);
        oa_buf_free(&out);
        json_decref(c);
    }
    cfx_free();
}

static void test_too_many(void)
{
    struct oa_provider p = {0};
    struct oa_buf out = {0};
    json_t *c = json_object(), *a = json_array();
    char why[256], g[32];
    enum oa_err e;

    for (int i = 0; i < 10000; i++) {
        snprintf(g, sizeof(g), "grp-%d", i);
        json_array_append_new(a, json_string(g));
    }
    json_object_set_new(c, ROLE "developer", a);
    p.kind = OA_PROVIDER_GITLAB;
    e = oa_gitlab_groups(&out, &p, c, why, sizeof(why));
    ok(e == OA_ERR_TOO_LARGE && strstr(why, "more than a sign-in may bring"),
       "10,000 role groups: refused, not cut (%s)", why);
    oa_buf_free(&out);
    json_decref(c);
}

static void test_allowed(void)
{
    static const struct {
        const char *allowed, *groups;
        bool want;
    } cases[] = {
        {"", "", true},
        {"acme", "acme,other", true},
        {"ACME/Web", "acme/web", true},
        {"acme", "acme/web", false}, /* a subgroup's member is not the parent's */
        {"acme/web", "acme", false},
        {"acme:owner", "acme,acme:owner", true},
        {"acme:owner", "acme", false},
        {"acme", "", false},
        {"acm", "acme", false},
    };
    struct oa_provider p = {0};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p.allowed_groups = cfx_list(cases[i].allowed);
        ok(oa_allowed_groups_ok(&p, cases[i].groups) == cases[i].want,
           "allowed_groups %zu: [%s] for %s -> %d", i, cases[i].allowed, cases[i].groups,
           cases[i].want);
    }
    cfx_free();
}

static void canned(const char *userinfo)
{
    fx_reset();
    fx_answer(GL "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" GL "\",\"authorization_endpoint\":\"" GL "/oauth/authorize\","
              "\"token_endpoint\":\"" GL "/oauth/token\",\"userinfo_endpoint\":\"" GL
              "/oauth/userinfo\",\"jwks_uri\":\"" GL "/oauth/discovery/keys\"}",
              NULL);
    fx_answer(GL "/oauth/discovery/keys", 200, jwks, NULL);
    fx_answer(GL "/oauth/userinfo", 200, userinfo, NULL);
}

static enum oa_err sign_in(void)
{
    struct oa_request req;
    char q[512], *ans;
    enum oa_err e;

    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(gl, "%2Fhome", &g_state, &g_nonce);
    ans = fx_token_answer(GL, "42", g_nonce ? g_nonce : "",
                          "{\"nickname\":\"octo\",\"preferred_username\":\"octo\","
                          "\"email\":\"octo@example.com\",\"email_verified\":true,"
                          "\"groups_direct\":[\"acme/web\"]}");
    fx_answer(GL "/oauth/token", 200, ans, NULL);
    free(ans);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s", g_state ? g_state : "");
    fx_request(&req, "GET", "/oauth/gitlab/callback", q, g_pair);
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, gl);
    printf("#   log: %s\n", r.log);
    return e;
}

/* Frees a list fx_strlist made (the fixture keeps no track of it). */
static void list_free(struct oa_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void test_signin(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity id;

    canned("{\"sub\":\"42\",\"name\":\"Octo Cat\",\"groups\":[\"acme\",\"acme/web\"],"
           "\"" ROLE "maintainer\":[\"acme/web\"]}");
    ok(sign_in() == OA_OK, "gitlab sign-in");
    ok(fx_session(&r, &id, sb), "the session opens");
    is_str(id.subject, "42", "sub");
    is_str(id.issuer, GL, "issuer = base URL");
    is_str(id.username, "octo", "preferred_username");
    is_str(id.email, "octo@example.com", "verified email");
    is_str(id.groups, "acme,acme/web,acme/web:maintainer",
           "UserInfo's groups, the id_token's groups_direct, the role claim");

    canned("{\"sub\":\"42\",\"groups\":{\"acme\":true}}");
    ok(sign_in() != OA_OK && r.status == 502 && fx_body_has(&r, "claim") &&
           !fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0),
       "a groups claim of the wrong shape: a page naming it, no session");

    fx_strlist(&gl->allowed_groups, "acme/api", "acme/web:owner");
    canned("{\"sub\":\"42\",\"groups\":[\"acme\",\"acme/web\"]}");
    ok(sign_in() == OA_ERR_DENIED && r.status == 403 && fx_body_has(&r, "group allowed"),
       "allowed_groups: in none of them, 403");
    list_free(&gl->allowed_groups);
    fx_strlist(&gl->allowed_groups, "acme/api", "acme/web");
    canned("{\"sub\":\"42\",\"groups\":[\"acme\",\"acme/web\"]}");
    ok(sign_in() == OA_OK, "allowed_groups: a member signs in");
    list_free(&gl->allowed_groups);
    free(sb);
}

int main(void)
{
    fx_config();
    jwks = fx_make_key();
    gl = fx_provider("gitlab", OA_PROVIDER_GITLAB);
    gl->issuer = fx_s(GL);
    gl->base_url = fx_s(GL);
    oa_response_init(&r);
    test_groups();
    test_too_many();
    test_allowed();
    test_signin();
    oa_response_free(&r);
    free(g_pair);
    free(g_state);
    free(g_nonce);
    free(jwks);
    return tap_done();
}
