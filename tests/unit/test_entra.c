/* test_entra.c - the microsoft-entra kind (provider_entra.c, entra.h,
 * config_entra.c): issuer templates and discovery issuers, the claims'
 * mapping (tid, allowed_tenants, verified email only, groups and roles),
 * Graph's next pages, and whole sign-ins against a stand-in (discovery with
 * the {tenantid} template, JWKS, token, Graph): group overage over pages,
 * and every bad answer (another tenant, a hostile nextLink, Graph 500,
 * garbage, too many pages or groups) refusing with a page, never an
 * identity with part of its groups. Data-driven: one table per concern. */
#include "fixture.h"
#include "oa/claims.h"
#include "oa/entra.h"
#include "oa/flow.h"
#include "tap.h"

#define LOGIN "https://login.test"
#define GRAPH "https://graph.test"
#define TID "72f988bf-86f1-41af-91ab-2d7cd011db47"
#define TID2 "11111111-2222-3333-4444-555555555555"
#define G1 "aaaaaaaa-0000-0000-0000-000000000001"
#define G2 "aaaaaaaa-0000-0000-0000-000000000002"
#define FIRST GRAPH "/v1.0/me/transitiveMemberOf?$select=id,displayName"

static struct oa_response r;
static char *jwks, *g_pair, *g_state, *g_nonce;
static struct oa_provider *entra;

/* ---- tables without the network ------------------------------------ */

static void test_issuer_match(void)
{
    static const struct {
        const char *tmpl, *iss, *tid;
        bool want;
    } cases[] = {
        {LOGIN "/{tenantid}/v2.0", LOGIN "/" TID "/v2.0", TID, true},
        {LOGIN "/{tenantid}/v2.0", LOGIN "/" TID "/v2.0", TID2, false}, /* iss of another tid */
        {LOGIN "/{tenantid}/v2.0", LOGIN "/" TID2 "/v2.0", TID, false},
        {LOGIN "/{tenantid}/v2.0", LOGIN "/" TID "/v2.0x", TID, false},
        {LOGIN "/{tenantid}/v2.0", "https://evil.test/" TID "/v2.0", TID, false},
        {LOGIN "/{tenantid}/v2.0", LOGIN "/{tenantid}/v2.0", "{tenantid}", false},
        {LOGIN "/{tenantid}/v2.0", LOGIN "/" TID "/v2.0", NULL, false}, /* no tid */
        {LOGIN "/{tenantid}/v2.0", LOGIN "/x/v2.0", "x", false},        /* not a GUID */
        {LOGIN "/" TID "/v2.0", LOGIN "/" TID "/v2.0", NULL, true},     /* no template */
        {LOGIN "/" TID "/v2.0", LOGIN "/" TID2 "/v2.0", TID2, false},
        {NULL, LOGIN, TID, false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok(oa_entra_issuer_match(cases[i].tmpl, cases[i].iss, cases[i].tid) == cases[i].want,
           "issuer match %zu: %s vs %s (tid %s) -> %d", i, cases[i].tmpl ? cases[i].tmpl : "-",
           cases[i].iss, cases[i].tid ? cases[i].tid : "-", cases[i].want);
}

static void test_doc_issuer(void)
{
    static const struct {
        const char *tenant, *iss;
        bool want;
    } cases[] = {
        {"organizations", LOGIN "/{tenantid}/v2.0", true},
        {"common", LOGIN "/{tenantid}/v2.0", true},
        {"organizations", LOGIN "/" TID "/v2.0", false}, /* one tenant's for all: no */
        {TID, LOGIN "/" TID "/v2.0", true},
        {TID, LOGIN "/" TID2 "/v2.0", false},
        {TID, LOGIN "/{tenantid}/v2.0", false},
        {"contoso.onmicrosoft.com", LOGIN "/" TID "/v2.0", true}, /* a domain names its GUID */
        {"contoso.onmicrosoft.com", LOGIN "/{tenantid}/v2.0", false},
        {"contoso.onmicrosoft.com", LOGIN "/evil/v2.0", false},
        {"consumers", LOGIN "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0", true},
        {"organizations", "https://evil.test/{tenantid}/v2.0", false},
        {"organizations", LOGIN "/{tenantid}/v1.0", false},
        {"organizations", LOGIN "/a/{tenantid}/v2.0", false},
        {"organizations", NULL, false},
    };
    static char base[] = LOGIN;
    struct oa_provider p = {0};
    char iss[256];

    p.base_url = base;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char tenant[64];
        snprintf(tenant, sizeof(tenant), "%s", cases[i].tenant);
        p.tenant = tenant;
        snprintf(iss, sizeof(iss), LOGIN "/%s/v2.0", cases[i].tenant);
        p.issuer = iss;
        ok(oa_entra_doc_issuer_ok(&p, cases[i].iss) == cases[i].want,
           "discovery issuer %zu: tenant %s, document says %s -> %d", i, cases[i].tenant,
           cases[i].iss ? cases[i].iss : "(none)", cases[i].want);
    }
}

static void test_next_link(void)
{
    static const struct {
        const char *next;
        bool want;
    } cases[] = {
        {GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=X", true},
        {"https://evil.test/v1.0/me/transitiveMemberOf?$skiptoken=X", false},
        {GRAPH ".evil.test/v1.0/me", false}, /* a longer host */
        {GRAPH ":8443/v1.0/me", false},      /* another port */
        {"http://graph.test/v1.0/me", false},
        {GRAPH "@evil.test/v1.0", false},
        {GRAPH "/v1.0/me\r\nX: y", false},
        {GRAPH, false},
        {"", false},
        {NULL, false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok(oa_entra_next_ok(GRAPH, cases[i].next) == cases[i].want, "nextLink %zu: %s -> %d", i,
           cases[i].next ? cases[i].next : "(null)", cases[i].want);
}

static void test_claims(void)
{
    static const struct {
        const char *claims, *allowed; /* allowed: "a|b" tenants, "" none */
        enum oa_err want;
        const char *email, *username, *groups, *why;
        bool overage;
    } cases[] = {
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"preferred_username\":\"al@contoso.com\","
         "\"email\":\"al@contoso.com\",\"groups\":[\"" G1 "\"],\"roles\":[\"Admin\"]}",
         "", OA_OK, NULL, "al@contoso.com", G1 ",Admin", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"email\":\"al@contoso.com\",\"xms_edov\":true}", "",
         OA_OK, "al@contoso.com", "al@contoso.com", "", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"email\":\"al@contoso.com\",\"xms_edov\":false}", "",
         OA_OK, NULL, "s1", "", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"email\":\"al@contoso.com\","
         "\"email_verified\":\"true\"}",
         "", OA_OK, "al@contoso.com", "al@contoso.com", "", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\"}", TID, OA_OK, NULL, "s1", "", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\"}", "*", OA_OK, NULL, "s1", "", "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID2 "\"}", TID, OA_ERR_DENIED, NULL, NULL, NULL,
         "tenant " TID2 " is not in allowed_tenants", false},
        {"{\"sub\":\"s1\"}", "", OA_ERR_PROVIDER, NULL, NULL, NULL, "no tenant id", false},
        {"{\"sub\":\"s1\",\"tid\":\"contoso\"}", "*", OA_ERR_PROVIDER, NULL, NULL, NULL,
         "no tenant id", false},
        {"{\"tid\":\"" TID "\"}", "", OA_ERR_PROVIDER, NULL, NULL, NULL, "no sub", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"groups\":\"" G1 "\"}", "", OA_OK, NULL, "s1", G1,
         "", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"groups\":{\"a\":1}}", "", OA_ERR_PROVIDER, NULL,
         NULL, NULL, "claim 'groups' is an object", false},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"roles\":[1]}", "", OA_ERR_PROVIDER, NULL, NULL,
         NULL, "claim 'roles' holds a number", false},
        /* overage: the groups are not read from the token here */
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"_claim_names\":{\"groups\":\"src1\"},"
         "\"_claim_sources\":{\"src1\":{\"endpoint\":\"https://graph.windows.net/x\"}}}",
         "", OA_OK, NULL, "s1", "", "", true},
        {"{\"sub\":\"s1\",\"tid\":\"" TID "\",\"hasgroups\":true}", "", OA_OK, NULL, "s1", "", "",
         true},
    };
    struct oa_provider p = {0};
    char why[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oa_identity_draft id = {0};
        json_t *c = json_loads(cases[i].claims, 0, NULL);
        enum oa_err e;
        p.allowed_tenants = cfx_list(cases[i].allowed);
        e = oa_entra_claims(&id, c, &p, why, sizeof(why));
        is_int(e, cases[i].want, "claims %zu: %s", i, oa_strerror(cases[i].want));
        if (e == OA_OK) {
            is_str(id.email, cases[i].email, "claims %zu: email (verified only)", i);
            is_str(id.username, cases[i].username, "claims %zu: username", i);
            is_str(id.groups.p ? id.groups.p : "", cases[i].groups, "claims %zu: groups", i);
        } else {
            ok(strstr(why, cases[i].why) != NULL, "claims %zu: why names it: %s", i, why);
        }
        is_int(oa_entra_overage(c), cases[i].overage, "claims %zu: overage %d", i,
               cases[i].overage);
        oa_identity_draft_free(&id);
        json_decref(c);
    }
    cfx_free();
}

/* ---- sign-ins against the stand-in --------------------------------- */

static void canned(void)
{
    fx_reset();
    fx_answer(LOGIN "/organizations/v2.0/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" LOGIN "/{tenantid}/v2.0\","
              "\"authorization_endpoint\":\"" LOGIN "/organizations/oauth2/v2.0/authorize\","
              "\"token_endpoint\":\"" LOGIN "/organizations/oauth2/v2.0/token\","
              "\"jwks_uri\":\"" LOGIN "/organizations/discovery/v2.0/keys\","
              "\"userinfo_endpoint\":\"" GRAPH "/oidc/userinfo\","
              "\"token_endpoint_auth_methods_supported\":[\"client_secret_post\","
              "\"private_key_jwt\",\"client_secret_basic\"]}",
              NULL);
    fx_answer(LOGIN "/organizations/discovery/v2.0/keys", 200, jwks, NULL);
}

static enum oa_err sign_in(const char *tid, const char *iss_tid, const char *extra)
{
    struct oa_request req;
    char q[512], iss[128], *ans, claims[4096];
    enum oa_err e;

    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(entra, "%2Fhome", &g_state, &g_nonce);
    snprintf(iss, sizeof(iss), LOGIN "/%s/v2.0", iss_tid);
    snprintf(claims, sizeof(claims), "{\"tid\":\"%s\",\"oid\":\"o-1\",\"name\":\"Al B\"%s%s}", tid,
             extra ? "," : "", extra ? extra : "");
    ans = fx_token_answer(iss, "sub-pairwise-1", g_nonce ? g_nonce : "", claims);
    fx_answer(LOGIN "/organizations/oauth2/v2.0/token", 200, ans, NULL);
    free(ans);
    snprintf(q, sizeof(q), "code=code-XYZ&state=%s", g_state ? g_state : "");
    fx_request(&req, "GET", "/oauth/entra/callback", q, g_pair);
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, entra);
    printf("#   log: %s\n", r.log);
    return e;
}

/* A Graph page of n groups from id number from, with next (or none). */
static void graph_page(const char *url, int from, int n, const char *next)
{
    struct oa_buf b = {0};

    oa_buf_puts(&b,
                "{\"@odata.context\":\"" GRAPH "/v1.0/$metadata#directoryObjects\",\"value\":[");
    for (int i = 0; i < n; i++)
        oa_buf_printf(&b,
                      "%s{\"@odata.type\":\"#microsoft.graph.group\",\"id\":"
                      "\"bbbbbbbb-0000-0000-0000-%012d\",\"displayName\":\"G %d\"}",
                      i ? "," : "", from + i, from + i);
    oa_buf_puts(&b, "]");
    if (next)
        oa_buf_printf(&b, ",\"@odata.nextLink\":\"%s\"", next);
    oa_buf_puts(&b, "}");
    fx_answer(url, 200, b.p, NULL);
    oa_buf_free(&b);
}

/* The session of r, one cookie or its chunks NAME_0..NAME_k. */
static int session_of(struct oa_identity *id, struct oa_session_buf *sb)
{
    struct oa_buf c = {0};
    const char *sc;
    int ok_;

    if (fx_session(&r, id, sb))
        return 1;
    for (int n = 0; (sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_", n)) != NULL; n++) {
        char *pair = fx_cookie_pair(sc);
        if (pair && !strstr(sc, "Max-Age=0"))
            oa_buf_printf(&c, "%s%s", c.len ? "; " : "", pair);
        free(pair);
    }
    ok_ = c.p && oa_session_read(id, sb, &fx_cfg, c.p, (int64_t)time(NULL)) == OA_OK;
    oa_buf_free(&c);
    return ok_;
}

static size_t count_groups(const char *g)
{
    size_t n = g && *g ? 1 : 0;

    for (; g && *g; g++)
        n += *g == ',';
    return n;
}

#define OVERAGE                                                                                    \
    "\"_claim_names\":{\"groups\":\"src1\"},\"_claim_sources\":{\"src1\":"                         \
    "{\"endpoint\":\"https://graph.windows.net/" TID "/users/o-1/getMemberObjects\"}}"

static void test_signin(void)
{
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    struct oa_identity id;
    const struct fx_seen *s;

    canned();
    ok(sign_in(TID, TID,
               "\"groups\":[\"" G1 "\",\"" G2 "\"],\"roles\":[\"Writer\"],"
               "\"preferred_username\":\"al@contoso.com\",\"email\":\"al@contoso.com\"") == OA_OK,
       "organizations: a token of an allowed tenant signs in (iss from the {tenantid} template)");
    ok(fx_session(&r, &id, sb), "the session opens");
    is_str(id.subject, "sub-pairwise-1", "subject is sub (not oid)");
    is_str(id.issuer, LOGIN "/" TID "/v2.0", "issuer is the tenant's");
    is_str(id.groups, G1 "," G2 ",Writer", "groups and app roles");
    ok(!id.email || !*id.email, "an email Entra does not say is verified is not kept");
    is_str(id.username, "al@contoso.com", "preferred_username");
    is_int(fx_count(GRAPH "*"), 0, "no Graph call without overage");
    ok(fx_log_clean(&r), "log clean");

    canned();
    ok(sign_in(TID2, TID2, NULL) == OA_ERR_DENIED && r.status == 403 && fx_body_has(&r, "tenant") &&
           !fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0),
       "another tenant's valid token: 403 naming the tenant, no session");
    canned();
    ok(sign_in(TID2, TID, NULL) != OA_OK && r.status == 502 && fx_body_has(&r, "verified"),
       "iss of one tenant with the tid of another: refused (not verified)");
    canned();
    ok(sign_in(TID, "common", NULL) != OA_OK && r.status == 502,
       "iss that is not the template filled in: refused");

    /* overage: three pages, a directory role skipped */
    canned();
    graph_page(FIRST, 1, 40, GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=p2");
    graph_page(GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=p2", 41, 40,
               GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=p3");
    fx_answer(GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=p3", 200,
              "{\"value\":[{\"@odata.type\":\"#microsoft.graph.directoryRole\",\"id\":\"r-1\"},"
              "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"" G1 "\"}]}",
              NULL);
    ok(sign_in(TID, TID, OVERAGE ",\"roles\":[\"Writer\"]") == OA_OK,
       "overage: groups from Graph over three pages");
    ok(session_of(&id, sb), "the session opens");
    is_int(count_groups(id.groups), 82, "80 + 1 groups from Graph and the app role");
    ok(id.groups && strstr(id.groups, "bbbbbbbb-0000-0000-0000-000000000080") &&
           strstr(id.groups, G1) && strstr(id.groups, "Writer") && !strstr(id.groups, "r-1"),
       "every page's groups, the role, no directory role");
    s = fx_last(FIRST);
    ok(s && s->auth_header && !strcmp(s->auth_header, "Authorization: Bearer at-SECRET-1"),
       "Graph asked with the access token");
    is_int(fx_count("https://graph.windows.net*"), 0, "_claim_sources' endpoint never called");
    ok(fx_log_clean(&r), "log clean");

    /* the bad answers: a page, never fewer groups */
    static const struct {
        const char *what, *body;
        long status;
        int want;
        const char *page;
    } bad[] = {
        {"Graph 500", "{\"error\":{}}", 500, 502, "Microsoft Graph"},
        {"Graph garbage", "<html>", 200, 502, "Microsoft Graph"},
        {"Graph without value", "{\"values\":[]}", 200, 502, "value"},
        {"Graph entry without id", "{\"value\":[{\"displayName\":\"x\"}]}", 200, 502,
         "without an id"},
        {"hostile nextLink",
         "{\"value\":[],\"@odata.nextLink\":\"https://evil.test/v1.0/me/transitiveMemberOf\"}", 200,
         502, "next page is not on"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        canned();
        fx_answer(FIRST, bad[i].status, bad[i].body, NULL);
        ok(sign_in(TID, TID, OVERAGE) != OA_OK && r.status == bad[i].want &&
               fx_body_has(&r, bad[i].page) && !fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0),
           "%s: %d page saying '%s', no session", bad[i].what, bad[i].want, bad[i].page);
        is_int(fx_count("https://evil.test*"), 0, "%s: nothing sent elsewhere", bad[i].what);
    }

    /* more pages than allowed: a page following itself */
    canned();
    fx_answer(FIRST, 200, "{\"value\":[],\"@odata.nextLink\":\"" FIRST "\"}", NULL);
    ok(sign_in(TID, TID, OVERAGE) != OA_OK && r.status == 403 && fx_body_has(&r, "pages"),
       "Graph pages without end: refused after %d", OA_ENTRA_GRAPH_PAGES);
    is_int(fx_count(FIRST), OA_ENTRA_GRAPH_PAGES, "bounded: %d requests", OA_ENTRA_GRAPH_PAGES);

    /* 250 groups: all of them, or a page (never some) */
    canned();
    graph_page(FIRST, 1, 100, GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=q2");
    graph_page(GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=q2", 101, 100,
               GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=q3");
    graph_page(GRAPH "/v1.0/me/transitiveMemberOf?$skiptoken=q3", 201, 50, NULL);
    if (sign_in(TID, TID, OVERAGE) == OA_OK)
        ok(session_of(&id, sb) && count_groups(id.groups) == 250,
           "250 groups through Graph: all 250 in the session");
    else
        ok(r.status == 403 && fx_body_has(&r, "cannot be used"),
           "250 groups through Graph: over the session's bound, a clear 403 (never a part)");
    is_int(fx_count(GRAPH "*"), 3, "three Graph pages read");

    /* allowed_groups */
    fx_strlist(&entra->allowed_groups, G2, NULL);
    canned();
    ok(sign_in(TID, TID, "\"groups\":[\"" G1 "\"]") == OA_ERR_DENIED && r.status == 403 &&
           fx_body_has(&r, "group allowed"),
       "allowed_groups: a user in none of them gets a 403");
    canned();
    ok(sign_in(TID, TID, "\"groups\":[\"" G1 "\",\"" G2 "\"]") == OA_OK,
       "allowed_groups: a member signs in");
    free(entra->allowed_groups.v[0]);
    free(entra->allowed_groups.v);
    entra->allowed_groups.v = NULL;
    entra->allowed_groups.n = 0;
    free(sb);
}

/* ---- config -------------------------------------------------------- */

static void test_config(void)
{
    static const struct {
        const char *entry, *error; /* NULL error: loads */
    } cases[] = {
        {"{name: microsoft-entra, tenant: " TID "}", NULL},
        {"{name: microsoft-entra, tenant: contoso.onmicrosoft.com}", NULL},
        {"{name: microsoft-entra, tenant: organizations, allowed_tenants: [" TID "]}", NULL},
        {"{name: microsoft-entra, tenant: common, allowed_tenants: \"*\"}", NULL},
        {"{name: work, kind: microsoft-entra, tenant: consumers}", NULL},
        {"{name: microsoft-entra}", "needs its 'tenant'"},
        {"{name: microsoft-entra, tenant: organizations}", "ANY Microsoft Entra directory"},
        {"{name: microsoft-entra, tenant: common}", "allowed_tenants"},
        {"{name: microsoft-entra, tenant: \"con/toso\"}", "'tenant' must be"},
        {"{name: microsoft-entra, tenant: common, allowed_tenants: [contoso.com]}",
         "allowed_tenants entry must be a tenant id"},
        {"{name: microsoft-entra, tenant: " TID ", graph_url: \"http://graph.test\"}", "graph_url"},
        {"{name: corp, issuer: \"https://idp.test\", tenant: " TID "}", "only for the "
                                                                        "microsoft-entra"},
        {"{name: corp, issuer: \"https://idp.test\", allowed_tenants: [" TID "]}", "only for"},
        {"{name: corp, kind: azure}", "unknown kind 'azure'"},
        {"{name: gitlab}", NULL},
        {"{name: corp, issuer: \"https://idp.test\", allowed_groups: [a]}", "only for the gitlab"},
        {"{name: corp, issuer: \"https://idp.test\", base_url: \"https://x.test\"}",
         "only for the github, gitlab"},
    };
    char yaml[1024];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oa_config *cfg = NULL;
        struct oa_error err;
        enum oa_err e;
        snprintf(yaml, sizeof(yaml), "providers:\n  - %.*s, client_id: c, client_secret: s}\n",
                 (int)strlen(cases[i].entry) - 1, cases[i].entry);
        oa_error_clear(&err);
        e = oa_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), &err);
        if (!cases[i].error)
            ok(e == OA_OK, "config %zu loads: %s%s%s", i, cases[i].entry, e ? " -- " : "",
               e ? err.msg : "");
        else
            ok(e != OA_OK && strstr(err.msg, cases[i].error) && err.line == 2,
               "config %zu refused at its line (%u): %s -> %s", i, err.line, cases[i].entry,
               err.msg);
        oa_config_free(cfg);
    }
}

static void test_config_defaults(void)
{
    static const char yaml[] = "providers:\n"
                               "  - {name: microsoft-entra, tenant: Contoso.OnMicrosoft.com, "
                               "client_id: c, client_secret: s}\n"
                               "  - {name: gitlab, client_id: c, client_secret: s}\n"
                               "  - {name: lab, kind: gitlab, base_url: \"https://git.example/\", "
                               "client_id: c, client_secret: s}\n";
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char *d;

    oa_error_clear(&err);
    ok(oa_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), &err) == OA_OK, "loads: %s",
       err.msg);
    if (!cfg)
        return;
    is_int(cfg->providers[0].kind, OA_PROVIDER_ENTRA, "microsoft-entra kind");
    is_str(cfg->providers[0].issuer,
           "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
           "discovery at the tenant's v2.0 (lower-cased)");
    is_str(cfg->providers[0].graph_url, "https://graph.microsoft.com", "Graph default");
    is_str(cfg->providers[0].scope, "openid profile email User.Read", "entra's default scope");
    is_str(cfg->providers[0].display_name, "Microsoft", "display name");
    is_int(cfg->providers[1].kind, OA_PROVIDER_GITLAB, "gitlab kind");
    is_str(cfg->providers[1].issuer, "https://gitlab.com", "gitlab.com by default");
    is_str(cfg->providers[1].scope, "openid profile email", "gitlab's default scope");
    is_int(cfg->providers[2].kind, OA_PROVIDER_GITLAB, "kind: gitlab on another name");
    is_str(cfg->providers[2].issuer, "https://git.example", "self-managed: issuer = base_url");
    d = oa_config_describe(cfg);
    ok(d && strstr(d, "kind microsoft-entra") && strstr(d, "tenant: contoso.onmicrosoft.com") &&
           strstr(d, "kind gitlab"),
       "--check-config names the kinds and the tenant");
    free(d);
    oa_config_free(cfg);
}

int main(void)
{
    fx_config();
    jwks = fx_make_key();
    entra = fx_provider("entra", OA_PROVIDER_ENTRA);
    entra->tenant = fx_s("organizations");
    entra->base_url = fx_s(LOGIN);
    entra->issuer = fx_s(LOGIN "/organizations/v2.0");
    entra->graph_url = fx_s(GRAPH);
    entra->scope = fx_s("openid profile email User.Read");
    fx_strlist(&entra->allowed_tenants, TID, NULL);
    oa_response_init(&r);
    test_issuer_match();
    test_doc_issuer();
    test_next_link();
    test_claims();
    test_signin();
    test_config();
    test_config_defaults();
    oa_response_free(&r);
    free(g_pair);
    free(g_state);
    free(g_nonce);
    free(jwks);
    return tap_done();
}
