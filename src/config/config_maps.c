/*
 * config_maps.c - who the user is to the application (DESIGN.md
 * 15.2): the roles: and workspaces: maps (top level and per provider),
 * keep_groups, the groups a session keeps, and the largest session cookie
 * the config can make.
 *
 * Runs after config_check.c (the access rules are checked: their groups
 * and roles are read here). Its results:
 *   - groups_named: every group a rule or a map names, plus keep_groups,
 *     sorted and unique: a sign-in keeps only those (identity_map.c), so a
 *     user in 500 groups still gets a small cookie;
 *   - cookie_max: the longest Set-Cookie value (name=value; attributes) a
 *     sign-in can make: the strings the provider chooses at their cap
 *     (OA_SESSION_STR_MAX each), every kept group, the roles and
 *     workspaces of the provider that gives most, sealed and base64url
 *     encoded. Over OA_COOKIE_BROWSER_MAX the config is refused (no
 *     chunking: DESIGN.md 15.2 says why), naming the lists to shorten.
 * keep_groups: ["*"] keeps every group (what every session kept before the maps):
 * the size is then unbounded, which is a warning, and a sign-in whose
 * identity does not fit the session is refused with a page saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "oa/b64url.h"
#include "oa/seal.h"
#include "oa/session.h"

/* A name that can travel in a comma-separated list and a header. */
static const char *name_problem(const char *s)
{
    if (!s[0])
        return "is empty";
    for (const char *c = s; *c; c++) {
        if (*c == ',')
            return "holds a comma (the lists the backend gets are comma-separated)";
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "holds a control character";
    }
    if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
        return "starts or ends with a space";
    return NULL;
}

static enum oa_err check_names(struct oa_cfg_load *ld, struct oa_strlist *l, const char *what,
                               const void *fallback)
{
    const char *why;

    for (size_t i = 0; i < l->n; i++)
        if ((why = name_problem(l->v[i])))
            return oa_cfg_fail(ld, &l->v[i], fallback, "%s '%s' %s", what, l->v[i], why);
    return OA_OK;
}

static char *lower(char *s)
{
    for (char *c = s; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return s;
}

/* emails: one '@' with something on each side; email_domains: no '@'
 * (an entry written "@example.com" is taken as example.com). Lower-cased:
 * they are compared without case. */
static enum oa_err check_addresses(struct oa_cfg_load *ld, struct oa_map_entry *en)
{
    for (size_t i = 0; i < en->emails.n; i++) {
        char *s = lower(en->emails.v[i]), *at = strchr(s, '@');
        if (!at || at == s || !at[1] || strchr(at + 1, '@') || name_problem(s))
            return oa_cfg_fail(ld, &en->emails.v[i], en,
                               "'%s' in the emails of '%s' is not an email address (one '@')", s,
                               en->name);
    }
    for (size_t i = 0; i < en->email_domains.n; i++) {
        char *s = lower(en->email_domains.v[i]);
        if (s[0] == '@')
            memmove(s, s + 1, strlen(s));
        if (!s[0] || strchr(s, '@') || name_problem(s))
            return oa_cfg_fail(ld, &en->email_domains.v[i], en,
                               "'%s' in the email_domains of '%s' is not a domain (like "
                               "example.com)",
                               s, en->name);
    }
    return OA_OK;
}

/* One entry of the map called key (p: the provider it is in, NULL at the
 * top level). */
static enum oa_err check_entry(struct oa_cfg_load *ld, struct oa_map_entry *en, const char *key,
                               const struct oa_provider *p)
{
    const char *why = name_problem(en->name);
    enum oa_err e;

    if (why)
        return oa_cfg_fail(ld, &en->name, en, "%s name '%s' %s", key, en->name, why);
    if (!en->groups.n && !en->emails.n && !en->email_domains.n && !en->providers.n)
        return oa_cfg_fail(ld, en, NULL,
                           "%s '%s' names nobody: give groups, emails or email_domains%s", key,
                           en->name, p ? "" : " (or providers)");
    if (p && en->providers.n)
        return oa_cfg_fail(ld, &en->providers, en,
                           "%s '%s' is in provider '%s', whose users it is for: 'providers' "
                           "belongs in the top-level %s map",
                           key, en->name, p->name, key);
    if ((e = check_names(ld, &en->groups, "group", en)) || (e = check_addresses(ld, en)))
        return e;
    for (size_t i = 0; i < en->providers.n; i++)
        if (!oa_config_provider(ld->cfg, en->providers.v[i], strlen(en->providers.v[i])))
            return oa_cfg_fail(ld, &en->providers.v[i], en,
                               "%s '%s' names provider '%s', which is not configured", key,
                               en->name, en->providers.v[i]);
    return OA_OK;
}

/* As config_warn.c's for rules: a top-level entry given by groups, with no
 * providers, while GitHub or Hugging Face is configured, where a group is
 * an organization anyone can create under any free name. */
static enum oa_err warn_open_groups(struct oa_cfg_load *ld, const struct oa_map_entry *en,
                                    const char *key)
{
    const struct oa_config *cfg = ld->cfg;

    if (!en->groups.n || en->providers.n)
        return OA_OK;
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (cfg->providers[i].kind == OA_PROVIDER_GITHUB ||
            cfg->providers[i].kind == OA_PROVIDER_HUGGINGFACE)
            return oa_cfg_warn(ld, &en->groups, en,
                               "%s '%s' is given by groups without 'providers': a %s "
                               "organization of that name, which anyone can create, gets it; "
                               "add providers: [...] naming where the groups come from",
                               key, en->name, cfg->providers[i].display_name);
    return OA_OK;
}

static enum oa_err check_map(struct oa_cfg_load *ld, struct oa_map *m, const char *key,
                             const struct oa_provider *p)
{
    enum oa_err e;

    for (size_t i = 0; i < m->n; i++)
        if ((e = check_entry(ld, &m->v[i], key, p)) ||
            (!p && (e = warn_open_groups(ld, &m->v[i], key))))
            return e;
    return OA_OK;
}

static bool map_names(const struct oa_map *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].name, name))
            return true;
    return false;
}

/* A rule's roles must be ones a map gives: a typo would lock everybody out. */
static enum oa_err check_rule_roles(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    const struct oa_config *cfg = ld->cfg;
    enum oa_err e;

    if ((e = check_names(ld, &r->roles, "role", r)))
        return e;
    for (size_t i = 0; i < r->roles.n; i++) {
        bool found = map_names(&cfg->role_map, r->roles.v[i]);
        for (size_t k = 0; !found && k < cfg->nproviders; k++)
            found = map_names(&cfg->providers[k].role_map, r->roles.v[i]);
        if (!found)
            return oa_cfg_fail(ld, &r->roles.v[i], r,
                               "access rule '%s' requires role '%s', which no roles: map gives",
                               r->path, r->roles.v[i]);
    }
    return OA_OK;
}

/* keep_groups: names, or "*" (all: keep_all_groups). */
static enum oa_err check_keep(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;

    for (size_t i = 0; i < cfg->keep_groups.n; i++)
        if (!strcmp(cfg->keep_groups.v[i], "*"))
            cfg->keep_all_groups = true;
    if (cfg->keep_all_groups)
        return oa_cfg_warn(ld, &cfg->keep_groups, NULL,
                           "keep_groups: \"*\" keeps every group in the session: its size is "
                           "then unbounded (a sign-in whose groups do not fit is refused); "
                           "name the groups the backend needs instead");
    return check_names(ld, &cfg->keep_groups, "keep_groups entry", NULL);
}

/* ------------------------------------------------------------------ */
/* The groups a session keeps. */

struct named {
    const char **v;
    size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool add_list(struct named *g, const struct oa_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (g->n == g->cap) {
            size_t cap = g->cap ? 2 * g->cap : 16;
            const char **v = realloc(g->v, cap * sizeof(*v));
            if (!v)
                return false;
            g->v = v;
            g->cap = cap;
        }
        g->v[g->n++] = l->v[i];
    }
    return true;
}

static bool add_map(struct named *g, const struct oa_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (!add_list(g, &m->v[i].groups))
            return false;
    return true;
}

/* cfg->groups_named: borrowed strings, sorted, unique ("*" left out). */
static enum oa_err make_named(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    struct named g = {0};
    bool ok = add_list(&g, &cfg->keep_groups) && add_map(&g, &cfg->role_map) &&
              add_map(&g, &cfg->workspace_map);
    size_t i, n = 0;

    for (i = 0; ok && i < cfg->nproviders; i++)
        ok = add_map(&g, &cfg->providers[i].role_map) &&
             add_map(&g, &cfg->providers[i].workspace_map);
    for (i = 0; ok && i < cfg->naccess; i++)
        ok = add_list(&g, &cfg->access[i].groups);
    if (!ok) {
        free(g.v);
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    if (g.n)
        qsort(g.v, g.n, sizeof(*g.v), cmp_str);
    for (i = 0; i < g.n; i++)
        if (strcmp(g.v[i], "*") && (n == 0 || strcmp(g.v[n - 1], g.v[i])))
            g.v[n++] = g.v[i];
    cfg->groups_named.v = (char **)g.v; /* borrowed: config.c frees the array only */
    cfg->groups_named.n = n;
    return OA_OK;
}

/* ------------------------------------------------------------------ */
/* The largest cookie. */

/* Bytes of the comma-separated union of the names of maps (each may be
 * NULL) and of base, each name once. */
static size_t union_len(const struct oa_strlist *base, const struct oa_map *a,
                        const struct oa_map *b)
{
    const struct oa_map *maps[] = {a, b};
    size_t len = 0, count = 0;

    for (size_t i = 0; base && i < base->n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(base->v[k], base->v[i]);
        if (!seen) {
            len += strlen(base->v[i]);
            count++;
        }
    }
    for (size_t m = 0; m < 2; m++) {
        for (size_t i = 0; maps[m] && i < maps[m]->n; i++) {
            const char *s = maps[m]->v[i].name;
            bool seen = false;
            for (size_t k = 0; base && k < base->n && !seen; k++)
                seen = !strcmp(base->v[k], s);
            /* a: names unique within a map (the YAML keys); b after a */
            for (size_t k = 0; m == 1 && a && k < a->n && !seen; k++)
                seen = !strcmp(a->v[k].name, s);
            if (!seen) {
                len += strlen(s);
                count++;
            }
        }
    }
    return len + (count ? count - 1 : 0);
}

static size_t digits(int64_t v)
{
    size_t n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Bytes of the Set-Cookie value oa_cookie_set writes for a session of
 * plain bytes (session.c's attributes: Path=/, Max-Age=lifetime, Secure,
 * HttpOnly, SameSite). */
static size_t cookie_len(const struct oa_config *cfg, size_t plain)
{
    static const char *const ss[] = {"Lax", "Strict", "None"};

    return strlen(cfg->session.cookie_full) + 1 + oa_b64url_len(plain + OA_SEAL_OVERHEAD) +
           strlen("; Path=/; Max-Age=") + digits(cfg->session.lifetime) +
           (cfg->session.secure ? strlen("; Secure") : 0) + strlen("; HttpOnly; SameSite=") +
           strlen(ss[cfg->session.same_site]);
}

static size_t groups_len(const struct oa_config *cfg)
{
    size_t len = 0;

    for (size_t i = 0; i < cfg->groups_named.n; i++)
        len += strlen(cfg->groups_named.v[i]) + (i ? 1 : 0);
    return len;
}

/* The largest plaintext through provider p: fixed part, lengths, the
 * provider's name, its five strings at the cap, the kept groups, the
 * roles and workspaces p's users can get (all of them at once). */
static size_t plain_max(const struct oa_config *cfg, const struct oa_provider *p, size_t groups)
{
    return OA_SESSION_FIXED_BYTES + 2 * OA_SESSION_NSTR + strlen(p->name) + 5 * OA_SESSION_STR_MAX +
           groups + union_len(NULL, &cfg->role_map, &p->role_map) +
           union_len(&cfg->workspaces, &cfg->workspace_map, &p->workspace_map);
}

static enum oa_err check_size(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    size_t groups = groups_len(cfg), best = 0;

    cfg->cookie_max = 0;
    if (cfg->keep_all_groups || !cfg->session.cookie_full)
        return OA_OK;
    for (size_t i = 0; i < cfg->nproviders; i++) {
        size_t n = cookie_len(cfg, plain_max(cfg, &cfg->providers[i], groups));
        if (n > best)
            best = n;
    }
    cfg->cookie_max = best;
    if (best <= OA_COOKIE_BROWSER_MAX)
        return OA_OK;
    return oa_cfg_fail(ld, cfg->groups_named.n ? (const void *)&cfg->keep_groups : NULL, NULL,
                       "the largest session cookie this config can make is %zu bytes, over "
                       "the %d bytes browsers keep of one cookie: shorten the groups the "
                       "session keeps (%zu bytes: keep_groups and the groups named by access "
                       "rules and roles:/workspaces: maps) or the roles: and workspaces: maps",
                       best, OA_COOKIE_BROWSER_MAX, groups);
}

enum oa_err oa_cfg_maps_check(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    enum oa_err e;

    if ((e = check_map(ld, &cfg->role_map, "roles", NULL)) ||
        (e = check_map(ld, &cfg->workspace_map, "workspaces", NULL)))
        return e;
    for (size_t i = 0; i < cfg->nproviders; i++)
        if ((e = check_map(ld, &cfg->providers[i].role_map, "roles", &cfg->providers[i])) ||
            (e = check_map(ld, &cfg->providers[i].workspace_map, "workspaces", &cfg->providers[i])))
            return e;
    for (size_t i = 0; i < cfg->naccess; i++)
        if ((e = check_rule_roles(ld, &cfg->access[i])))
            return e;
    if ((e = check_keep(ld)) || (e = make_named(ld)))
        return e;
    return check_size(ld);
}
