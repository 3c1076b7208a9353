/* test_access.c - the access rules: path prefixes at segment boundaries,
 * email rules with exactly one '@', exact group/workspace items, providers. */
#include "fixture.h"
#include "oa/access.h"
#include "tap.h"

static struct oa_config cfg;

static struct oa_identity who(const char *email, const char *groups, const char *ws,
                              const char *provider)
{
    struct oa_identity id = cfx_alice();

    id.email = email;
    id.groups = groups;
    id.workspaces = ws;
    id.provider = provider;
    return id;
}

static const char *rule_of(const char *path)
{
    const struct oa_access_rule *r = oa_access_match(&cfg, path);

    return r ? r->path : "(none)";
}

int main(void)
{
    struct oa_identity a = who("alice@corp.com", "ops,eng", "argilla", "github");
    struct oa_identity id;

    cfx_config(&cfg, 2);
    ok(oa_access_allowed(&cfg, "/anything", &a), "no rules: a valid session is enough");
    ok(!oa_access_allowed(&cfg, NULL, &a), "no path: no access");
    ok(!oa_access_allowed(&cfg, "/x", NULL), "no identity: no access");

    cfx_rule(&cfg, "/admin/", "boss@corp.com", "", "", "", "");
    cfx_rule(&cfg, "/api", "", "", "ops", "", "");
    cfx_rule(&cfg, "/ws/", "", "", "", "argilla|other", "");
    cfx_rule(&cfg, "/gh/", "", "", "", "", "github");
    cfx_rule(&cfg, "/corp/", "", "corp.com|@partner.org", "", "", "");
    cfx_rule(&cfg, "/both/", "", "corp.com", "eng", "", "");
    cfx_rule(&cfg, "/either/", "guest@outside.org", "corp.com", "", "", "");
    cfx_rule(&cfg, "/open", "", "", "", "", "");
    cfx_rule(&cfg, "/private", "boss@corp.com", "", "", "", "");
    cfx_rule(&cfg, "/", "", "corp.com|partner.org", "", "", "");

    /* which rule: segment boundaries */
    is_str(rule_of("/admin/x"), "/admin/", "/admin/x under /admin/");
    is_str(rule_of("/admin/"), "/admin/", "/admin/ itself");
    is_str(rule_of("/admin"), "/admin/", "/admin (no slash) is covered by /admin/");
    is_str(rule_of("/administrator"), "/", "/administrator is not under /admin/");
    is_str(rule_of("/api"), "/api", "/api itself");
    is_str(rule_of("/api/v1/x"), "/api", "/api/v1/x at a segment boundary");
    is_str(rule_of("/apiary"), "/", "/apiary is not /api");
    is_str(rule_of("/api.json"), "/", "/api.json is not /api");
    is_str(rule_of("/privateer"), "/", "/privateer is not /private");
    is_str(rule_of("/private/x"), "/private", "/private/x is /private");
    is_str(rule_of("/"), "/", "/ matches the catch-all");
    is_str(rule_of("/Admin/x"), "/", "paths are case-sensitive (as the server's)");

    /* emails */
    id = who("boss@corp.com", "", "", "github");
    ok(oa_access_allowed(&cfg, "/admin/x", &id), "listed email allowed");
    id = who("BOSS@Corp.COM", "", "", "github");
    ok(oa_access_allowed(&cfg, "/admin/x", &id), "email compare is case-insensitive");
    ok(!oa_access_allowed(&cfg, "/admin/x", &a), "another email refused");
    ok(!oa_access_allowed(&cfg, "/admin", &a), "/admin refused like /admin/");
    id = who("boss@corp.com@evil.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/admin/x", &id), "two '@' refused for an email rule");
    id = who("", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/admin/x", &id), "no (verified) email refused");
    id = who("boss@corp.com ", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/admin/x", &id), "trailing space is another email");

    /* email domains */
    ok(oa_access_allowed(&cfg, "/corp/x", &a), "domain listed");
    id = who("x@CORP.com", "", "", "github");
    ok(oa_access_allowed(&cfg, "/corp/x", &id), "domain compare is case-insensitive");
    id = who("x@partner.org", "", "", "github");
    ok(oa_access_allowed(&cfg, "/corp/x", &id), "an entry written @partner.org");
    id = who("a@evil.com@corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "a@evil.com@corp.com is not corp.com");
    id = who("a@corp.com@evil.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "a@corp.com@evil.com is not corp.com");
    id = who("a@sub.corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "a subdomain is not the domain");
    id = who("a@evilcorp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "evilcorp.com is not corp.com");
    id = who("a@corp.com.evil.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "corp.com.evil.com is not corp.com");
    id = who("a@corp.co", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "corp.co is not corp.com");
    id = who("@corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "no local part refused");
    id = who("corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "no '@' refused");
    id = who("a@", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/corp/x", &id), "no domain refused");

    /* groups: exact items */
    ok(oa_access_allowed(&cfg, "/api/x", &a), "group ops in ops,eng");
    id = who("a@corp.com", "devops,eng", "", "github");
    ok(!oa_access_allowed(&cfg, "/api/x", &id), "devops is not ops");
    id = who("a@corp.com", "opsx,ops-team", "", "github");
    ok(!oa_access_allowed(&cfg, "/api/x", &id), "opsx, ops-team are not ops");
    id = who("a@corp.com", "op,o", "", "github");
    ok(!oa_access_allowed(&cfg, "/api/x", &id), "op, o (prefixes of ops) are not ops");
    id = who("a@corp.com", "eng, ops ", "", "github");
    ok(oa_access_allowed(&cfg, "/api/x", &id), "items are trimmed of spaces");
    id = who("a@corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/api", &id), "no groups refused");
    id = who("a@corp.com", "OPS", "", "github");
    ok(!oa_access_allowed(&cfg, "/api", &id), "group compare is exact (case)");
    id = who("a@corp.com", ",,", "", "github");
    ok(!oa_access_allowed(&cfg, "/api", &id), "empty items never match");

    /* workspaces */
    ok(oa_access_allowed(&cfg, "/ws/x", &a), "workspace argilla");
    id = who("a@corp.com", "", "argilla-dev", "github");
    ok(!oa_access_allowed(&cfg, "/ws/x", &id), "argilla-dev is not argilla");
    id = who("a@corp.com", "", "argil", "github");
    ok(!oa_access_allowed(&cfg, "/ws/x", &id), "argil (a prefix) is not argilla");
    id = who("a@corp.com", "", "x,other", "github");
    ok(oa_access_allowed(&cfg, "/ws/x", &id), "any workspace in common");

    /* providers */
    ok(oa_access_allowed(&cfg, "/gh/x", &a), "provider github");
    id = who("a@corp.com", "", "", "corp");
    ok(!oa_access_allowed(&cfg, "/gh/x", &id), "provider corp refused");
    id = who("a@corp.com", "", "", "GitHub");
    ok(!oa_access_allowed(&cfg, "/gh/x", &id), "provider names are exact");

    /* every given condition */
    ok(oa_access_allowed(&cfg, "/both/x", &a), "domain and group both hold");
    id = who("a@corp.com", "ops", "", "github");
    ok(!oa_access_allowed(&cfg, "/both/x", &id), "domain holds, group does not: refused");
    id = who("a@other.com", "eng", "", "github");
    ok(!oa_access_allowed(&cfg, "/both/x", &id), "group holds, domain does not: refused");

    /* emails and email_domains together: a listed address OR a listed domain */
    ok(oa_access_allowed(&cfg, "/either/x", &a), "either: an address at the domain");
    id = who("guest@outside.org", "", "", "github");
    ok(oa_access_allowed(&cfg, "/either/x", &id), "either: a listed outside address");
    id = who("other@outside.org", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/either/x", &id), "either: neither listed nor at the domain");
    id = who("guest@outside.org@corp.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/either/x", &id), "either: two '@' never pass");
    id = who("", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/either/x", &id), "either: no verified email");

    /* a rule with no condition, and first match wins */
    id = who("", "", "", "corp");
    ok(oa_access_allowed(&cfg, "/open/x", &id), "a rule without conditions: session enough");
    ok(!oa_access_allowed(&cfg, "/private/x", &a), "/private for boss only");
    ok(oa_access_allowed(&cfg, "/public", &a), "catch-all domain rule allows corp.com");
    id = who("a@gmail.com", "", "", "github");
    ok(!oa_access_allowed(&cfg, "/public", &id), "catch-all refuses gmail.com");

    /* roles (the roles: maps, sealed in the session): one of them, exactly */
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/admin/", "", "", "", "", "");
    cfg.access[0].roles = cfx_list("admin|owner");
    cfx_rule(&cfg, "/corp-admin/", "", "", "", "", "corp");
    cfg.access[1].roles = cfx_list("admin");
    id = who("a@corp.com", "", "", "github");
    {
        static const struct {
            const char *roles, *path, *provider;
            bool allowed;
            const char *what;
        } rc[] = {
            {"admin", "/admin/x", "github", true, "role admin meets [admin, owner]"},
            {"viewer,owner", "/admin/x", "github", true, "any role in common"},
            {"", "/admin/x", "github", false, "no roles: refused"},
            {"administrator,admins,Admin", "/admin/x", "github", false,
             "exact items: no prefix, no suffix, no case"},
            {" admin ", "/admin/x", "github", true, "items trimmed of spaces, as groups"},
            {",,", "/admin/x", "github", false, "empty items never match"},
            {"admin", "/corp-admin/x", "github", false, "roles AND providers: wrong provider"},
            {"admin", "/corp-admin/x", "corp", true, "roles AND providers: both hold"},
            {"viewer", "/elsewhere", "github", true, "no rule: a session is enough"},
        };
        for (size_t i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
            id.roles = rc[i].roles;
            id.provider = rc[i].provider;
            ok(oa_access_allowed(&cfg, rc[i].path, &id) == rc[i].allowed, "roles: %s", rc[i].what);
        }
        id.roles = NULL; /* a session without the field (read as "") */
        ok(!oa_access_allowed(&cfg, "/admin/x", &id), "roles: NULL roles refused");
    }

    cfx_free();
    return tap_done();
}
