/*
 * access.c - the config's access rules: who may pass the authorizer.
 *
 * Rules are tried in order against the normalised path (decoded once, dot-
 * segments resolved, query cut: oa_path_normalize); the first whose path
 * matches decides. A rule path matches:
 *   - ending in '/': every path under it, and the path without that
 *     slash ("/admin/" also covers "/admin", so the bare name never falls
 *     through to a weaker rule below);
 *   - otherwise: the path itself and everything under it at a segment
 *     boundary ("/api" covers "/api" and "/api/x", never "/apiary").
 * Within the matching rule every given condition must hold (AND); within
 * one condition any listed value will do (OR). emails and email_domains are
 * one condition, "who by address": an address listed in emails OR at a
 * domain in email_domains passes (as oauth2-proxy's authenticated-emails
 * and email-domain combine), so a rule can name a domain plus a few
 * outside addresses:
 *   emails         the identity's verified email, exactly one '@', equals
 *                  one entry (case-insensitive);
 *   email_domains  the part after that '@' equals one entry (case-
 *                  insensitive; an entry may be written "@example.com");
 *                  no subdomains;
 *   groups, workspaces  one item of the identity's comma-separated list
 *                  equals one entry exactly (no substrings: "ops" is not
 *                  "devops");
 *   providers      the identity's provider name equals one entry;
 *   roles          one of the identity's roles (the roles: maps, sealed
 *                  in the session) equals one entry exactly.
 * No rule matching: a valid session is enough. No allocation.
 *
 * Request conditions (methods, hosts) say when a rule applies at all: a
 * rule whose methods or hosts do not match this request is skipped, as if
 * it were not there, and the next rule is tried (first match still wins).
 *   methods  REQUEST_METHOD equals one entry (a rule listing GET also
 *            applies to HEAD, which servers answer with the GET handler);
 *   hosts    the Host, port and one trailing dot cut, equals one entry
 *            (case-insensitive); "*.example.com" is any name ending in
 *            ".example.com" (not example.com itself). No Host: skipped.
 * public: true allows everybody, with or without a session (id NULL).
 * Every other rule, and no rule at all, needs a session.
 *
 * Case: the rules are matched twice, as written and with ASCII letters
 * folded, and both first matches must allow (a case-insensitive backend
 * serves /ADMIN/ as /admin/; doc/DESIGN.md section 4, "Path readings").
 * The folded pass compares the method without case too ("delete" meets a
 * DELETE rule), the written pass exactly ("options" is not a public
 * OPTIONS rule's): whichever reading is stricter decides.
 */
#include <string.h>
#include <strings.h>

#include "oa/access.h"

static int prefix_cmp(const char *path, const char *rule, size_t n, bool fold)
{
    return fold ? strncasecmp(path, rule, n) : strncmp(path, rule, n);
}

static bool rule_path_matches(const struct oa_access_rule *r, const char *path, bool fold)
{
    size_t n = r->path_len ? r->path_len : (r->path ? strlen(r->path) : 0);

    if (!r->path || n == 0)
        return false;
    if (r->path[n - 1] == '/') {
        if (prefix_cmp(path, r->path, n, fold) == 0)
            return true;
        /* "/admin/" also covers "/admin" itself */
        return n > 1 && strlen(path) == n - 1 && prefix_cmp(path, r->path, n - 1, fold) == 0;
    }
    if (prefix_cmp(path, r->path, n, fold) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/';
}

void oa_access_req_init(struct oa_access_req *q, const char *method, const char *http_host)
{
    const char *h = http_host ? http_host : "";
    size_t n;

    q->method = method;
    if (*h == '[') { /* an IPv6 literal: up to its ']' */
        const char *end = strchr(h, ']');
        n = end ? (size_t)(end - h) + 1 : strlen(h);
    } else {
        n = strcspn(h, ":");
    }
    if (n > 1 && h[n - 1] == '.') /* "app.example.com." is the same name */
        n--;
    q->host = h;
    q->host_len = n;
}

static bool method_matches(const struct oa_strlist *l, const char *m, bool fold)
{
    size_t i;

    if (!m)
        return false;
    for (i = 0; i < l->n; i++) {
        const char *v = l->v[i];
        if (fold ? strcasecmp(v, m) == 0 : strcmp(v, m) == 0)
            return true;
        /* GET covers HEAD: the server answers HEAD with the GET handler */
        if (strcmp(v, "GET") == 0 && (fold ? strcasecmp(m, "HEAD") == 0 : strcmp(m, "HEAD") == 0))
            return true;
    }
    return false;
}

static bool host_matches(const struct oa_strlist *l, const char *h, size_t n)
{
    size_t i;

    if (n == 0)
        return false;
    for (i = 0; i < l->n; i++) {
        const char *v = l->v[i];
        size_t vn = strlen(v);
        if (v[0] == '*' && v[1] == '.') {
            /* "*.example.com": ".example.com" at the end, one label or more before */
            if (n > vn - 1 && strncasecmp(h + n - (vn - 1), v + 1, vn - 1) == 0)
                return true;
        } else if (vn == n && strncasecmp(h, v, n) == 0) {
            return true;
        }
    }
    return false;
}

/* True when the rule's request conditions hold for q (none given: always). */
static bool rule_applies(const struct oa_access_rule *r, const struct oa_access_req *q, bool fold)
{
    if (r->methods.n && !(q && method_matches(&r->methods, q->method, fold)))
        return false;
    if (r->hosts.n && !(q && host_matches(&r->hosts, q->host, q->host_len)))
        return false;
    return true;
}

const struct oa_access_rule *oa_access_match_req(const struct oa_config *cfg,
                                                 const struct oa_access_req *q,
                                                 const char *norm_path, bool fold)
{
    size_t i;

    if (!norm_path)
        return NULL;
    for (i = 0; i < cfg->naccess; i++)
        if (rule_path_matches(&cfg->access[i], norm_path, fold) &&
            rule_applies(&cfg->access[i], q, fold))
            return &cfg->access[i];
    return NULL;
}

const struct oa_access_rule *oa_access_match(const struct oa_config *cfg, const char *norm_path)
{
    return oa_access_match_req(cfg, NULL, norm_path, false);
}

const struct oa_access_rule *oa_access_match_fold(const struct oa_config *cfg,
                                                  const char *norm_path)
{
    return oa_access_match_req(cfg, NULL, norm_path, true);
}

bool oa_access_any_public(const struct oa_config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->naccess; i++)
        if (cfg->access[i].is_public)
            return true;
    return false;
}

/* The domain of a usable email (exactly one '@', something on each side),
 * or NULL. */
static const char *email_domain(const char *email)
{
    const char *at;

    if (!email || !*email)
        return NULL;
    at = strchr(email, '@');
    if (!at || at == email || at[1] == '\0' || strchr(at + 1, '@'))
        return NULL;
    return at + 1;
}

static bool email_listed(const struct oa_strlist *l, const char *email)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->v[i] && strcasecmp(l->v[i], email) == 0)
            return true;
    return false;
}

static bool domain_listed(const struct oa_strlist *l, const char *domain)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        const char *d = l->v[i];
        if (!d)
            continue;
        if (*d == '@')
            d++;
        if (*d && strcasecmp(d, domain) == 0)
            return true;
    }
    return false;
}

/* True when one item of the comma-separated list (items trimmed of spaces)
 * equals one entry of l exactly. */
static bool any_in_common(const struct oa_strlist *l, const char *list)
{
    const char *p = list ? list : "";

    while (*p) {
        const char *end = p + strcspn(p, ",");
        const char *a = p, *b = end;
        size_t i;

        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        for (i = 0; a < b && i < l->n; i++) {
            const char *v = l->v[i];
            if (v && strlen(v) == (size_t)(b - a) && memcmp(v, a, (size_t)(b - a)) == 0)
                return true;
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

static bool provider_listed(const struct oa_strlist *l, const char *provider)
{
    size_t i;

    for (i = 0; provider && i < l->n; i++)
        if (l->v[i] && strcmp(l->v[i], provider) == 0)
            return true;
    return false;
}

/* The "who by address" condition: true when the rule names no address,
 * or the verified email is listed or at a listed domain. */
static bool address_allowed(const struct oa_access_rule *r, const char *email)
{
    const char *domain;

    if (!r->emails.n && !r->email_domains.n)
        return true;
    domain = email_domain(email);
    if (!domain)
        return false;
    return (r->emails.n && email_listed(&r->emails, email)) ||
           (r->email_domains.n && domain_listed(&r->email_domains, domain));
}

/* True when every scope of l is a word of the space-separated list
 * (a bearer token's scope); list NULL (a cookie session) holds none. */
static bool scopes_held(const struct oa_strlist *l, const char *list)
{
    if (!list)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->v[i]);
        const char *p = list;
        bool found = false;
        while (*p && !found) {
            size_t w = strcspn(p, " ");
            found = w == n && memcmp(p, l->v[i], n) == 0;
            p += w;
            p += strspn(p, " ");
        }
        if (!found)
            return false;
    }
    return true;
}

/* True when the rule lets id through; id NULL: no session, which only a
 * public rule lets through (no rule: r NULL, any session). */
static bool rule_allows(const struct oa_access_rule *r, const struct oa_identity *id)
{
    if (r && r->is_public)
        return true;
    if (!id)
        return false;
    if (!r)
        return true;
    if (!address_allowed(r, id->email))
        return false;
    if (r->groups.n && !any_in_common(&r->groups, id->groups))
        return false;
    if (r->workspaces.n && !any_in_common(&r->workspaces, id->workspaces))
        return false;
    if (r->providers.n && !provider_listed(&r->providers, id->provider))
        return false;
    if (r->roles.n && !any_in_common(&r->roles, id->roles))
        return false;
    if (r->scopes.n && !scopes_held(&r->scopes, id->scopes))
        return false;
    return true;
}

bool oa_access_allowed(const struct oa_config *cfg, const char *norm_path,
                       const struct oa_identity *id)
{
    const struct oa_access_rule *r;

    return oa_access_allowed_req(cfg, NULL, norm_path, id, &r);
}

bool oa_access_allowed_match(const struct oa_config *cfg, const char *norm_path,
                             const struct oa_identity *id, const struct oa_access_rule **match)
{
    return oa_access_allowed_req(cfg, NULL, norm_path, id, match);
}

bool oa_access_allowed_req(const struct oa_config *cfg, const struct oa_access_req *q,
                           const char *norm_path, const struct oa_identity *id,
                           const struct oa_access_rule **match)
{
    const struct oa_access_rule *r, *f;

    *match = NULL;
    if (!norm_path)
        return false;
    *match = r = oa_access_match_req(cfg, q, norm_path, false);
    if (!rule_allows(r, id))
        return false;
    f = oa_access_match_req(cfg, q, norm_path, true);
    return f == r || rule_allows(f, id);
}
