/*
 * identity_map.c - workspaces, roles and the kept groups of a new identity
 * (identity_map.h, DESIGN.md 15.2).
 *
 * An entry of a roles: or workspaces: map (config.h struct oa_map_entry)
 * gives its name to a user who is in one of its groups, has one of its
 * emails or an address at one of its email_domains (OR), and, when it
 * lists providers, signed in through one of them (AND). The top-level
 * maps apply to everybody, a provider's to its users, after the top-level
 * ones. Comparisons are those of the access rules (access.c): groups
 * exactly, addresses without case, only a verified email with one '@'.
 *
 * Output order is stable: workspaces = allowed_workspaces, then the
 * top-level map's names, then the provider's, in the file's order; roles
 * likewise; groups in the provider's order. No name twice.
 *
 * Pure: no I/O, no clock; allocates only the three strings it returns.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/buf.h"
#include "oa/identity_map.h"

/* True when the item [a, a+n) of a comma-separated list is one of l's. */
static bool listed(const struct oa_strlist *l, const char *a, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && memcmp(l->v[i], a, n) == 0)
            return true;
    return false;
}

/* True when one item of the comma-separated groups is one of l's. */
static bool any_group(const struct oa_strlist *l, const char *groups)
{
    const char *g = groups ? groups : "";

    while (l->n && *g) {
        size_t n = strcspn(g, ",");
        if (n && listed(l, g, n))
            return true;
        g += n;
        if (*g == ',')
            g++;
    }
    return false;
}

/* The domain of a usable email (exactly one '@', something each side), or NULL. */
static const char *domain_of(const char *email)
{
    const char *at = email ? strchr(email, '@') : NULL;

    if (!at || at == email || !at[1] || strchr(at + 1, '@'))
        return NULL;
    return at + 1;
}

static bool any_nocase(const struct oa_strlist *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++)
        if (strcasecmp(l->v[i], s) == 0)
            return true;
    return false;
}

static bool entry_matches(const struct oa_map_entry *en, const struct oa_provider *p,
                          const char *email, const char *groups)
{
    const char *domain = domain_of(email);
    bool who;

    if (en->providers.n) {
        bool by = false;
        for (size_t i = 0; p && i < en->providers.n; i++)
            by = by || strcmp(en->providers.v[i], p->name) == 0;
        if (!by)
            return false;
    }
    if (!en->groups.n && !en->emails.n && !en->email_domains.n)
        return true; /* providers alone: every user of theirs */
    who = any_group(&en->groups, groups) ||
          (domain && (any_nocase(&en->emails, email) || any_nocase(&en->email_domains, domain)));
    return who;
}

/* Appends name (n bytes) to the comma-separated b unless it is there already. */
static void put_once(struct oa_buf *b, const char *name, size_t n)
{
    const char *s = b->p ? b->p : "";

    while (b->len && *s) {
        size_t k = strcspn(s, ",");
        if (k == n && memcmp(s, name, n) == 0)
            return;
        s += k;
        if (*s == ',')
            s++;
    }
    if (b->len)
        oa_buf_append(b, ",", 1);
    oa_buf_append(b, name, n);
}

static void put_map(struct oa_buf *b, const struct oa_map *m, const struct oa_provider *p,
                    const char *email, const char *groups)
{
    for (size_t i = 0; i < m->n; i++)
        if (entry_matches(&m->v[i], p, email, groups))
            put_once(b, m->v[i].name, strlen(m->v[i].name));
}

static bool kept(const struct oa_config *cfg, const char *g, size_t n)
{
    size_t lo = 0, hi = cfg->groups_named.n;

    while (lo < hi) { /* groups_named is sorted by strcmp (config_maps.c) */
        size_t mid = lo + (hi - lo) / 2;
        const char *v = cfg->groups_named.v[mid];
        int c = strncmp(v, g, n);
        if (c == 0)
            c = v[n] ? 1 : 0;
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The groups a session keeps, in the provider's order, each once. */
static char *kept_groups(const struct oa_config *cfg, const char *groups)
{
    struct oa_buf b = {0};
    const char *g = groups ? groups : "";

    if (cfg->keep_all_groups)
        return strdup(g);
    while (*g) {
        size_t n = strcspn(g, ",");
        if (n && kept(cfg, g, n))
            put_once(&b, g, n);
        g += n;
        if (*g == ',')
            g++;
    }
    return oa_buf_steal(&b); /* NULL when an append failed */
}

enum oa_err oa_identity_map(struct oa_identity_mapped *out, const struct oa_config *cfg,
                            const struct oa_provider *p, const char *email, const char *groups)
{
    struct oa_buf ws = {0}, roles = {0};

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < cfg->workspaces.n; i++)
        put_once(&ws, cfg->workspaces.v[i], strlen(cfg->workspaces.v[i]));
    put_map(&ws, &cfg->workspace_map, p, email, groups);
    put_map(&roles, &cfg->role_map, p, email, groups);
    if (p) {
        put_map(&ws, &p->workspace_map, p, email, groups);
        put_map(&roles, &p->role_map, p, email, groups);
    }
    out->workspaces = oa_buf_steal(&ws);
    out->roles = oa_buf_steal(&roles);
    out->groups = kept_groups(cfg, groups);
    if (out->groups && out->workspaces && out->roles)
        return OA_OK;
    oa_identity_mapped_free(out);
    return OA_ERR_NOMEM;
}

void oa_identity_mapped_free(struct oa_identity_mapped *m)
{
    free(m->groups);
    free(m->workspaces);
    free(m->roles);
    memset(m, 0, sizeof(*m));
}
