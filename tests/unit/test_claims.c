/* test_claims.c - groups_claim paths (src/base/claim_path.c,
 * src/flow/claims.c), data-driven: a table of {claims JSON, paths,
 * expected groups or error}, then the path syntax, then the limits with
 * generated claims (10,000 groups, a 1 MB claim). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/claims.h"
#include "oa/flow.h"
#include "tap.h"

struct gcase {
    const char *name;
    const char *json;
    const char *paths[4]; /* NULL-terminated */
    enum oa_err want;
    const char *groups; /* the list on OA_OK; a piece of the message otherwise */
};

static const struct gcase cases[] = {
    {"plain groups", "{\"groups\":[\"a\",\"b\"]}", {"groups"}, OA_OK, "a,b"},
    {"a string is one group", "{\"groups\":\"admins\"}", {"groups"}, OA_OK, "admins"},
    {"missing claim: none", "{\"sub\":\"x\"}", {"groups"}, OA_OK, ""},
    {"null claim: none", "{\"groups\":null}", {"groups"}, OA_OK, ""},
    {"empty array: none", "{\"groups\":[]}", {"groups"}, OA_OK, ""},
    {"keycloak realm roles",
     "{\"realm_access\":{\"roles\":[\"admin\",\"user\"]}}",
     {"realm_access.roles"},
     OA_OK,
     "admin,user"},
    {"keycloak client roles",
     "{\"resource_access\":{\"my-app\":{\"roles\":[\"editor\"]},\"other\":{\"roles\":[\"x\"]}}}",
     {"resource_access.my-app.roles"},
     OA_OK,
     "editor"},
    {"cognito colon", "{\"cognito:groups\":[\"g1\"]}", {"cognito:groups"}, OA_OK, "g1"},
    {"escaped dot: URL claim name",
     "{\"https://example.com/groups\":[\"u\"]}",
     {"https://example\\.com/groups"},
     OA_OK,
     "u"},
    {"unescaped dots do not find the URL claim",
     "{\"https://example.com/groups\":[\"u\"]}",
     {"https://example.com/groups"},
     OA_OK,
     ""},
    {"escaped backslash", "{\"a\\\\b\":[\"v\"]}", {"a\\\\b"}, OA_OK, "v"},
    {"union, deduplicated, in order",
     "{\"groups\":[\"a\",\"b\",\"a\"],\"realm_access\":{\"roles\":[\"b\",\"c\"]}}",
     {"groups", "realm_access.roles"},
     OA_OK,
     "a,b,c"},
    {"union with a missing path",
     "{\"realm_access\":{\"roles\":[\"r\"]}}",
     {"groups", "realm_access.roles"},
     OA_OK,
     "r"},
    {"missing middle: none", "{\"resource_access\":{}}", {"resource_access.app.roles"}, OA_OK, ""},
    {"unicode group", "{\"groups\":[\"\\u00e9quipe\"]}", {"groups"}, OA_OK, "\xc3\xa9quipe"},
    {"empty, comma, control byte, NUL: left out (cannot travel in the list)",
     "{\"groups\":[\"\",\"a,b\",\"c\",\"d\\ne\",\"f\\u0000g\",\"h\\u007fi\"]}",
     {"groups"},
     OA_OK,
     "c"},
    {"a space first or last: left out (a trimming reader would see admin, ops)",
     "{\"groups\":[\" admin\",\"ops \",\" \",\"a b\"]}",
     {"groups"},
     OA_OK,
     "a b"},
    {"number", "{\"groups\":7}", {"groups"}, OA_ERR_PROVIDER, "claim 'groups' is a number"},
    {"boolean", "{\"groups\":true}", {"groups"}, OA_ERR_PROVIDER, "is a boolean"},
    {"object",
     "{\"realm_access\":{\"roles\":{\"a\":1}}}",
     {"realm_access.roles"},
     OA_ERR_PROVIDER,
     "claim 'realm_access.roles' is an object"},
    {"array with a number",
     "{\"groups\":[\"a\",2]}",
     {"groups"},
     OA_ERR_PROVIDER,
     "holds a number where a group name"},
    {"array with an object",
     "{\"groups\":[{\"name\":\"a\"}]}",
     {"groups"},
     OA_ERR_PROVIDER,
     "holds an object"},
    {"array with an array",
     "{\"groups\":[[\"a\"]]}",
     {"groups"},
     OA_ERR_PROVIDER,
     "holds an array"},
    {"array with null", "{\"groups\":[null]}", {"groups"}, OA_ERR_PROVIDER, "holds null"},
    {"middle not an object",
     "{\"realm_access\":\"admin\"}",
     {"realm_access.roles"},
     OA_ERR_PROVIDER,
     "the value at its name 1 is not an object"},
    {"second path bad",
     "{\"groups\":[\"a\"],\"roles\":5}",
     {"groups", "roles"},
     OA_ERR_PROVIDER,
     "claim 'roles' is a number"},
};

static void run_case(const struct gcase *c)
{
    json_t *j = json_loads(c->json, JSON_ALLOW_NUL, NULL);
    struct oa_buf out = {0};
    char msg[256];
    size_t n = 0;
    enum oa_err e;

    while (n < 4 && c->paths[n])
        n++;
    if (!j) {
        ok(0, "%s: the case's JSON parses", c->name);
        return;
    }
    e = oa_claims_groups(&out, j, c->paths, n, msg, sizeof(msg));
    if (c->want == OA_OK) {
        ok(e == OA_OK, "%s: accepted (%s)", c->name, e ? msg : "ok");
        is_str(out.p ? out.p : "", c->groups, "%s: groups", c->name);
    } else {
        ok(e == c->want, "%s: refused with %s (got %s)", c->name, oa_strerror(c->want),
           oa_strerror(e));
        ok(strstr(msg, c->groups) != NULL, "%s: message '%s' says '%s'", c->name, msg, c->groups);
    }
    oa_buf_free(&out);
    json_decref(j);
}

struct pcase {
    const char *path;
    bool valid;
};

static const struct pcase paths[] = {
    {"groups", true},
    {"realm_access.roles", true},
    {"resource_access.my-app.roles", true},
    {"cognito:groups", true},
    {"https://example\\.com/groups", true},
    {"a\\\\b", true},
    {"a.b.c.d.e.f.g.h", true},
    {"", false},
    {".groups", false},
    {"groups.", false},
    {"a..b", false},
    {"a\\b", false},
    {"a\\", false},
    {"a\tb", false},
    {"a.b.c.d.e.f.g.h.i", false},
};

static void limits(void)
{
    struct oa_buf out = {0}, text = {0};
    const char *p[] = {"groups"};
    char msg[256];
    json_t *arr = json_array(), *claims;
    char *big;
    enum oa_err e;

    for (int i = 0; i < 10000; i++) {
        char g[16];
        snprintf(g, sizeof(g), "g%d", i);
        json_array_append_new(arr, json_string(g));
    }
    claims = json_pack("{s:o}", "groups", arr);
    e = oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg));
    ok(e == OA_ERR_TOO_LARGE && strstr(msg, "10000 groups"), "10,000 groups: refused (%s)", msg);
    json_decref(claims);
    oa_buf_free(&out);

    /* OA_CLAIMS_GROUPS_MAX (2048) distinct groups fit, one more does not */
    arr = json_array();
    for (int i = 0; i < OA_CLAIMS_GROUPS_MAX + 1; i++) {
        char g[16];
        snprintf(g, sizeof(g), "%d", i);
        json_array_append_new(arr, json_string(g));
    }
    claims = json_pack("{s:o}", "groups", arr);
    e = oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg));
    ok(e == OA_ERR_TOO_LARGE && strstr(msg, "more than 2048 groups"), "2049 groups: refused (%s)",
       msg);
    oa_buf_free(&out);
    json_array_remove(arr, OA_CLAIMS_GROUPS_MAX);
    e = oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg));
    ok(e == OA_OK && out.p && !strncmp(out.p, "0,1,2,", 6) && strstr(out.p, ",2047") &&
           !strstr(out.p, ",2048"),
       "2048 groups: all kept");
    json_decref(claims);
    oa_buf_free(&out);

    /* duplicates count once: 1,000 copies of one group is one group */
    arr = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(arr, json_string("same"));
    claims = json_pack("{s:o}", "groups", arr);
    ok(oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg)) == OA_OK && out.p &&
           !strcmp(out.p, "same"),
       "1,000 copies of one group: one group");
    json_decref(claims);
    oa_buf_free(&out);

    /* a 1 MB claim: one group name of 1 MB */
    big = malloc(1 << 20);
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    claims = json_pack("{s:[s]}", "groups", big);
    e = oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg));
    ok(e == OA_ERR_TOO_LARGE && strstr(msg, "over 256 bytes"), "a 1 MB group name: refused (%s)",
       msg);
    json_decref(claims);
    oa_buf_free(&out);
    /* 700 names of 200 bytes: each fits, together (140 KB) over OA_CLAIMS_GROUPS_BYTES */
    arr = json_array();
    for (int i = 0; i < 700; i++) {
        big[200] = '\0';
        big[0] = (char)('A' + i % 26);
        big[1] = (char)('a' + i / 26 % 26);
        big[2] = (char)('a' + i / 676);
        json_array_append_new(arr, json_string(big));
    }
    claims = json_pack("{s:o}", "groups", arr);
    e = oa_claims_groups(&out, claims, p, 1, msg, sizeof(msg));
    ok(e == OA_ERR_TOO_LARGE && strstr(msg, "bytes in all"), "140 KB of groups: refused (%s)", msg);
    json_decref(claims);
    oa_buf_free(&out);
    free(big);
    oa_buf_free(&text);
}

int main(void)
{
    char msg[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        msg[0] = '\0';
        ok(oa_claim_path_valid(paths[i].path, msg, sizeof(msg)) == paths[i].valid,
           "path '%s' is %s%s%s", paths[i].path, paths[i].valid ? "valid" : "refused: ", msg, "");
    }
    {
        char longp[OA_CLAIM_PATH_MAX + 2];
        memset(longp, 'a', sizeof(longp) - 1);
        longp[sizeof(longp) - 1] = '\0';
        ok(!oa_claim_path_valid(longp, msg, sizeof(msg)), "a 257-byte path is refused");
    }
    limits();
    { /* identity_draft.c (GitHub's orgs and teams, Hugging Face's orgs): the same rule */
        struct oa_identity_draft d = {0};
        const char *const names[] = {" admin", "ops ", "a,b", "x\ty", "a b"};
        bool all = true;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            all = all && oa_identity_draft_group(&d, names[i]) == OA_OK;
        ok(all, "draft groups: each name taken or left out, no error");
        is_str(d.groups.p ? d.groups.p : "", "a b",
               "draft groups: a space first or last, a comma, a control byte: left out");
        oa_identity_draft_free(&d);
    }
    return tap_done();
}
