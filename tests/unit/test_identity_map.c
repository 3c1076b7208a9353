/*
 * test_identity_map.c - the roles:/workspaces: maps and the groups a session
 * keeps (src/flow/identity_map.c, src/config/config_maps.c), table-driven:
 * each case is a user (provider, email, groups) and what the session gets.
 * Then the sizes: a user in 500 Entra-style groups gets a session cookie
 * under 1 KB, and --check-config's largest cookie is the cookie a sign-in
 * at every cap really makes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "oa/crypto.h"
#include "oa/identity_map.h"
#include "oa/session.h"
#include "tap.h"

static const char maps_yml[] =
    "providers:\n"
    "  - name: corp\n"
    "    issuer: https://idp.example.com\n"
    "    client_id: corp-id\n"
    "    client_secret: corp-secret\n"
    "    roles:\n"
    "      reviewer: {groups: [qa]}\n"
    "      admin: {emails: [ops@corp.example]}\n"
    "    workspaces:\n"
    "      corp-ws: {email_domains: [corp.example]}\n"
    "  - name: github\n"
    "    client_id: gh-id\n"
    "    client_secret: gh-secret\n"
    "allowed_workspaces:\n"
    "  - name: argilla\n"
    "roles:\n"
    "  admin: {groups: [admins, \"acme/platform\"], emails: [Boss@Example.com]}\n"
    "  annotator: {email_domains: [\"@example.com\", corp.example]}\n"
    "  corp-admin: {groups: [admins], providers: [corp]}\n"
    "  everyone-gh: {providers: [github]}\n"
    "workspaces:\n"
    "  team-a: {groups: [team-a]}\n"
    "  argilla: {groups: [admins]}\n"
    "keep_groups: [staff]\n"
    "access:\n"
    "  - path: /ops\n"
    "    groups: [ops]\n"
    "  - path: /admin\n"
    "    roles: [admin]\n";

struct map_case {
    const char *what;
    const char *provider; /* NULL: no provider (a bearer token's caller may have none) */
    const char *email, *groups;
    const char *want_groups, *want_ws, *want_roles;
};

static const struct map_case cases[] = {
    {"nobody special: the base workspace only, no groups kept", "corp", "x@other.example",
     "lots,of,groups", "", "argilla", ""},
    {"a group of a top-level role", "corp", NULL, "admins", "admins", "argilla",
     "admin,corp-admin"},
    {"a team as a group (GitHub's org/team)", "github", NULL, "acme,acme/platform", "acme/platform",
     "argilla", "admin,everyone-gh"},
    {"providers narrows: admins via github is no corp-admin", "github", NULL, "admins", "admins",
     "argilla", "admin,everyone-gh"},
    {"an email, without case", "github", "boss@EXAMPLE.com", "", "", "argilla",
     "admin,annotator,everyone-gh"},
    {"an email domain written with '@'", "corp", "ann@example.com", NULL, "", "argilla",
     "annotator"},
    {"no subdomains", "corp", "ann@sub.example.com", "", "", "argilla", ""},
    {"an address with two '@' is none", "corp", "a@b@example.com", "", "", "argilla", ""},
    {"per provider: adds to the top level for its users", "corp", "ops@corp.example", "qa,x", "qa",
     "argilla,corp-ws", "annotator,reviewer,admin"},
    {"per provider: nothing for the other provider's users", "github", "ops@corp.example", "qa",
     "qa", "argilla", "annotator,everyone-gh"},
    {"workspaces: the base first, then the map's, no repeats", "corp", NULL, "team-a,admins",
     "team-a,admins", "argilla,team-a", "admin,corp-admin"},
    {"kept groups in the provider's order, each once", "corp", NULL,
     "z,team-a,staff,ops,team-a,admins", "team-a,staff,ops,admins", "argilla,team-a",
     "admin,corp-admin"},
    {"groups match exactly: no substrings, no case folding", "corp", NULL, "Admins,admin,xadmins",
     "", "argilla", ""},
    {"empty items are skipped", "corp", NULL, ",,admins,", "admins", "argilla", "admin,corp-admin"},
    {"no provider: top-level entries without providers only", NULL, "boss@example.com", "admins",
     "admins", "argilla", "admin,annotator"},
};

static struct oa_config *load(const char *yml)
{
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char msg[1024];

    if (oa_config_load_string(&cfg, "maps.yml", yml, strlen(yml), &err) != OA_OK) {
        oa_error_format(&err, msg, sizeof(msg));
        printf("# %s\n", msg);
        return NULL;
    }
    return cfg;
}

static void test_cases(void)
{
    struct oa_config *cfg = load(maps_yml);

    if (!cfg) {
        ok(0, "the maps config loads");
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct map_case *c = &cases[i];
        const struct oa_provider *p =
            c->provider ? oa_config_provider(cfg, c->provider, strlen(c->provider)) : NULL;
        struct oa_identity_mapped m;
        bool good = oa_identity_map(&m, cfg, p, c->email, c->groups) == OA_OK;
        good = good && !strcmp(m.groups, c->want_groups) && !strcmp(m.workspaces, c->want_ws) &&
               !strcmp(m.roles, c->want_roles);
        ok(good, "%s", c->what);
        if (!good && m.groups)
            printf("#   got groups '%s', workspaces '%s', roles '%s'\n", m.groups, m.workspaces,
                   m.roles);
        oa_identity_mapped_free(&m);
    }
    oa_config_free(cfg);
}

/* keep_groups: ["*"] keeps them all, as every session did before the maps. */
static void test_keep_all(void)
{
    static const char yml[] = "providers:\n"
                              "  - name: corp\n"
                              "    issuer: https://idp.example.com\n"
                              "    client_id: a\n"
                              "    client_secret: b\n"
                              "keep_groups: [\"*\"]\n";
    struct oa_config *cfg = load(yml);
    struct oa_identity_mapped m;

    ok(cfg && cfg->keep_all_groups && cfg->cookie_max == 0 && cfg->warnings.n == 1 &&
           strstr(cfg->warnings.v[0], "unbounded"),
       "keep_groups: [\"*\"]: all kept, size unbounded, warned");
    if (!cfg)
        return;
    ok(oa_identity_map(&m, cfg, &cfg->providers[0], NULL, "a,b,c") == OA_OK &&
           !strcmp(m.groups, "a,b,c"),
       "keep_groups: [\"*\"]: every group kept, in order");
    oa_identity_mapped_free(&m);
    oa_config_free(cfg);
}

/* Argilla's example .oauth.yml (tests/cases/config/good/argilla, the
 * documentation's file): the same OAUTH2_WORKSPACES as before the maps. */
static void test_argilla_example(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    struct oa_config *cfg = NULL;
    struct oa_error err;
    struct oa_identity_mapped m;

    snprintf(path, sizeof(path), "%s/tests/cases/config/good/argilla/oauth.yml", top ? top : "..");
    if (oa_config_load(&cfg, path, &err) != OA_OK) {
        ok(0, "Argilla's example loads");
        return;
    }
    ok(oa_identity_map(&m, cfg, &cfg->providers[2], "a@example.com", "acme,acme/ml") == OA_OK &&
           !strcmp(m.workspaces, "argilla") && !strcmp(m.roles, "") && !strcmp(m.groups, ""),
       "Argilla's example: workspaces 'argilla' as before, no roles, no groups named: none kept");
    oa_identity_mapped_free(&m);
    oa_config_free(cfg);
}

/* The Set-Cookie value oa_session_issue made for id (its length in *n). */
static const char *issue(struct oa_response *r, const struct oa_config *cfg,
                         const struct oa_identity *id, size_t *n)
{
    struct oa_request q = {.method = "GET", .now = 1800000000};

    oa_response_init(r);
    *n = 0;
    if (oa_session_issue(r, cfg, &q, id) != OA_OK || r->nheaders != 1)
        return NULL;
    *n = strlen(r->headers[0].value);
    return r->headers[0].value;
}

/* 500 groups as Entra sends them (object ids), three of which a rule or a
 * map names: the session keeps those three. */
static void test_500_groups(void)
{
    static char yml[2048], groups[500 * 37 + 1];
    struct oa_config *cfg;
    struct oa_identity_mapped m;
    struct oa_identity id = {0};
    struct oa_response r;
    size_t used = 0, n = 0;

    for (int i = 0; i < 500; i++)
        used +=
            (size_t)snprintf(groups + used, sizeof(groups) - used, "%s%08x-1d2e-4f3a-9b8c-%012x",
                             i ? "," : "", 0x5a000000u + i, 0xabc000u + i);
    snprintf(yml, sizeof(yml),
             "providers:\n"
             "  - name: entra\n"
             "    issuer: https://login.microsoftonline.com/tid/v2.0\n"
             "    client_id: a\n"
             "    client_secret: b\n"
             "roles:\n"
             "  admin: {groups: [\"5a000007-1d2e-4f3a-9b8c-000000abc007\"]}\n"
             "workspaces:\n"
             "  research: {groups: [\"5a0001f3-1d2e-4f3a-9b8c-000000abc1f3\"]}\n"
             "access:\n"
             "  - path: /ops\n"
             "    groups: [\"5a000100-1d2e-4f3a-9b8c-000000abc100\"]\n");
    cfg = load(yml);
    ok(cfg && strlen(groups) > 18000, "500 groups (%zu bytes)", strlen(groups));
    if (!cfg)
        return;
    ok(oa_identity_map(&m, cfg, &cfg->providers[0], "u@example.com", groups) == OA_OK &&
           !strcmp(m.groups, "5a000007-1d2e-4f3a-9b8c-000000abc007,"
                             "5a000100-1d2e-4f3a-9b8c-000000abc100,"
                             "5a0001f3-1d2e-4f3a-9b8c-000000abc1f3") &&
           !strcmp(m.roles, "admin") && !strcmp(m.workspaces, "argilla,research"),
       "the three named groups kept, role and workspace mapped");
    id.provider = "entra";
    id.issuer = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
    id.subject = "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ";
    id.username = "user@contoso.onmicrosoft.com";
    id.email = "user@contoso.onmicrosoft.com";
    id.name = "A User With A Fairly Long Display Name";
    id.groups = m.groups;
    id.workspaces = m.workspaces;
    id.roles = m.roles;
    ok(issue(&r, cfg, &id, &n) && n < 1024, "the session cookie is under 1 KB (%zu bytes)", n);
    oa_response_free(&r);
    id.groups = groups; /* what a session without the trimming would hold */
    ok(!issue(&r, cfg, &id, &n), "untrimmed, the same identity does not fit a session at all");
    oa_response_free(&r);
    oa_identity_mapped_free(&m);
    oa_config_free(cfg);
}

/* cfg->cookie_max is the length of the Set-Cookie value of a sign-in with
 * every string at its cap, every kept group, every role and workspace. */
static void test_cookie_max(void)
{
    static const char yml[] = "providers:\n"
                              "  - name: a-longer-provider-name\n"
                              "    issuer: https://idp.example.com\n"
                              "    client_id: a\n"
                              "    client_secret: b\n"
                              "    roles:\n"
                              "      p-role: {groups: [g3]}\n"
                              "  - name: github\n"
                              "    client_id: a\n"
                              "    client_secret: b\n"
                              "roles:\n"
                              "  admin: {groups: [g1, g2]}\n"
                              "  viewer: {groups: [g2]}\n"
                              "workspaces:\n"
                              "  w1: {groups: [g1]}\n"
                              "  argilla: {groups: [g2]}\n"
                              "keep_groups: [kept-one, g1]\n"
                              "session:\n"
                              "  lifetime: 12h\n"
                              "  same_site: strict\n";
    static char cap[OA_SESSION_STR_MAX + 1];
    struct oa_config *cfg = load(yml);
    struct oa_identity_mapped m;
    struct oa_identity id = {0};
    struct oa_response r;
    size_t n = 0;

    if (!cfg) {
        ok(0, "the cookie_max config loads");
        return;
    }
    memset(cap, 'x', OA_SESSION_STR_MAX);
    ok(oa_identity_map(&m, cfg, &cfg->providers[0], NULL, "g1,g2,g3,kept-one,other") == OA_OK,
       "mapped at every cap");
    id.provider = cfg->providers[0].name;
    id.issuer = id.subject = id.username = id.email = id.name = cap;
    id.groups = m.groups;
    id.workspaces = m.workspaces;
    id.roles = m.roles;
    ok(issue(&r, cfg, &id, &n) && n == cfg->cookie_max,
       "--check-config's largest cookie (%zu) is the real one at the caps (%zu)", cfg->cookie_max,
       n);
    oa_response_free(&r);
    oa_identity_mapped_free(&m);
    oa_config_free(cfg);
}

int main(void)
{
    if (oa_crypto_init() != OA_OK) {
        printf("Bail out! sodium\n");
        return 1;
    }
    test_cases();
    test_keep_all();
    test_argilla_example();
    test_500_groups();
    test_cookie_max();
    return tap_done();
}
