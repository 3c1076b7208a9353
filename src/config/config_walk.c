/*
 * config_walk.c - the YAML walk: libyaml's document API and ONE static table
 * of the keys allowed at each level ({scope, name, type, where it goes}),
 * checked once at start-up the way lighttpd checks its modules' keys.
 *
 * Every error carries the FILE:LINE:COL (1-based) of the node at fault. An
 * unknown key gets the nearest known key of its level as a suggestion. The
 * walk only copies and type-checks values; what they must look like is
 * config_check.c's and config_provider.c's business (they find the values'
 * positions again through the marks recorded here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yaml.h>

#include "config_int.h"
#include "oa/crypto.h"

enum oa_cfg_scope {
    SC_TOP,
    SC_PROVIDER,
    SC_SESSION,
    SC_HTTP,
    SC_ACCESS,
    SC_WORKSPACE,
    SC_METRICS,
    SC_MAPENTRY, /* an entry of roles: / workspaces: (config_maps.c checks them) */
    SC_IDTOKEN
};

enum oa_cfg_type {
    KT_STR,         /* scalar -> char * */
    KT_BOOL,        /* true/false (also yes/no/on/off) -> bool */
    KT_STRLIST,     /* sequence of scalars -> struct oa_strlist */
    KT_STRLIST1,    /* one scalar or a sequence of them -> struct oa_strlist */
    KT_DURATION_S,  /* "8h" -> int64_t seconds */
    KT_DURATION_MS, /* "10s" -> int64_t milliseconds */
    KT_TIME,        /* RFC 3339 UTC -> int64_t epoch seconds */
    KT_ENUM,        /* one of choices -> int (enum) */
    KT_MAP,         /* mapping of scope sub, same base */
    KT_SEQMAP,      /* sequence of mappings of scope sub */
    KT_NAMEMAP      /* mapping NAME: {mapping of scope sub} -> struct oa_map */
};

struct oa_cfg_key {
    enum oa_cfg_scope scope;
    const char *name;
    enum oa_cfg_type type;
    size_t off;
    enum oa_cfg_scope sub;
    const char *const *choices;
};

static const char *const same_site_names[] = {"lax", "strict", "none", NULL};
static const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

_Static_assert(sizeof(enum oa_same_site) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum oa_log_level) == sizeof(int), "enum stored as int");

#define C(f) offsetof(struct oa_config, f)
#define P(f) offsetof(struct oa_provider, f)
#define A(f) offsetof(struct oa_access_rule, f)
#define E(f) offsetof(struct oa_map_entry, f)

/* The one table of keys. */
static const struct oa_cfg_key keys[] = {
    {SC_TOP, "providers", KT_SEQMAP, 0, SC_PROVIDER, NULL},
    {SC_TOP, "allowed_workspaces", KT_SEQMAP, 0, SC_WORKSPACE, NULL},
    {SC_TOP, "allow_http_redirect", KT_BOOL, C(allow_http_redirect), 0, NULL},
    {SC_TOP, "extra_backends", KT_STRLIST, C(extra_backends), 0, NULL},
    {SC_TOP, "public_url", KT_STR, C(public_url), 0, NULL},
    {SC_TOP, "base_path", KT_STR, C(base_path), 0, NULL},
    {SC_TOP, "session", KT_MAP, 0, SC_SESSION, NULL},
    {SC_TOP, "allowed_redirect_hosts", KT_STRLIST, C(allowed_redirect_hosts), 0, NULL},
    {SC_TOP, "access", KT_SEQMAP, 0, SC_ACCESS, NULL},
    {SC_TOP, "http", KT_MAP, 0, SC_HTTP, NULL},
    {SC_TOP, "log_level", KT_ENUM, C(log_level), 0, log_level_names},
    /* stderr, syslog or a file; audit: off, log or a file (config_log.c) */
    {SC_TOP, "log", KT_STR, C(log_file), 0, NULL},
    {SC_TOP, "audit", KT_STR, C(audit_file), 0, NULL},
    {SC_TOP, "metrics", KT_MAP, 0, SC_METRICS, NULL},
    {SC_TOP, "roles", KT_NAMEMAP, C(role_map), SC_MAPENTRY, NULL},
    {SC_TOP, "workspaces", KT_NAMEMAP, C(workspace_map), SC_MAPENTRY, NULL},
    {SC_TOP, "keep_groups", KT_STRLIST1, C(keep_groups), 0, NULL},
    /* a mapping whose off is a bool: set when the mapping is there */
    {SC_TOP, "identity_token", KT_MAP, C(identity_token.given), SC_IDTOKEN, NULL},

    {SC_PROVIDER, "name", KT_STR, P(name), 0, NULL},
    {SC_PROVIDER, "client_id", KT_STR, P(client_id), 0, NULL},
    {SC_PROVIDER, "client_secret", KT_STR, P(client_secret), 0, NULL},
    {SC_PROVIDER, "scope", KT_STR, P(scope), 0, NULL},
    {SC_PROVIDER, "display_name", KT_STR, P(display_name), 0, NULL},
    {SC_PROVIDER, "base_url", KT_STR, P(base_url), 0, NULL},
    {SC_PROVIDER, "api_url", KT_STR, P(api_url), 0, NULL},
    {SC_PROVIDER, "allowed_orgs", KT_STRLIST, P(allowed_orgs), 0, NULL},
    {SC_PROVIDER, "allowed_teams", KT_STRLIST, P(allowed_teams), 0, NULL},
    {SC_PROVIDER, "redirect_uri", KT_STR, P(redirect_uri), 0, NULL},
    {SC_PROVIDER, "hosted_domain", KT_STRLIST1, P(hosted_domain), 0, NULL},
    {SC_PROVIDER, "domain", KT_STR, P(domain), 0, NULL},
    {SC_PROVIDER, "user_pool_id", KT_STR, P(user_pool_id), 0, NULL},
    {SC_PROVIDER, "region", KT_STR, P(region), 0, NULL},
    {SC_PROVIDER, "team_id", KT_STR, P(team_id), 0, NULL},
    {SC_PROVIDER, "key_id", KT_STR, P(key_id), 0, NULL},
    {SC_PROVIDER, "private_key_file", KT_STR, P(private_key_file), 0, NULL},
    {SC_PROVIDER, "issuer", KT_STR, P(issuer), 0, NULL},
    {SC_PROVIDER, "groups_claim", KT_STRLIST1, P(groups_claim), 0, NULL},
    {SC_PROVIDER, "offline_access", KT_BOOL, P(offline_access), 0, NULL},
    {SC_PROVIDER, "authorize_url", KT_STR, P(authorize_url), 0, NULL},
    {SC_PROVIDER, "token_url", KT_STR, P(token_url), 0, NULL},
    {SC_PROVIDER, "userinfo_url", KT_STR, P(userinfo_url), 0, NULL},
    {SC_PROVIDER, "end_session_url", KT_STR, P(end_session_url), 0, NULL},
    {SC_PROVIDER, "jwks_uri", KT_STR, P(jwks_uri), 0, NULL},
    {SC_PROVIDER, "roles", KT_NAMEMAP, P(role_map), SC_MAPENTRY, NULL},
    {SC_PROVIDER, "workspaces", KT_NAMEMAP, P(workspace_map), SC_MAPENTRY, NULL},
    {SC_PROVIDER, "api_audiences", KT_STRLIST1, P(api_audiences), 0, NULL},
    {SC_PROVIDER, "introspection", KT_BOOL, P(introspection), 0, NULL},
    {SC_PROVIDER, "introspection_url", KT_STR, P(introspection_url), 0, NULL},
    {SC_PROVIDER, "kind", KT_STR, P(kind_name), 0, NULL},
    {SC_PROVIDER, "tenant", KT_STR, P(tenant), 0, NULL},
    {SC_PROVIDER, "graph_url", KT_STR, P(graph_url), 0, NULL},
    {SC_PROVIDER, "allowed_tenants", KT_STRLIST1, P(allowed_tenants), 0, NULL},
    {SC_PROVIDER, "allowed_groups", KT_STRLIST1, P(allowed_groups), 0, NULL},

    {SC_SESSION, "key_file", KT_STR, C(session.key_file), 0, NULL},
    {SC_SESSION, "cookie_name", KT_STR, C(session.cookie_name), 0, NULL},
    {SC_SESSION, "lifetime", KT_DURATION_S, C(session.lifetime), 0, NULL},
    {SC_SESSION, "same_site", KT_ENUM, C(session.same_site), 0, same_site_names},
    {SC_SESSION, "not_before", KT_TIME, C(session.not_before), 0, NULL},
    {SC_SESSION, "refresh_after", KT_DURATION_S, C(session.refresh_after), 0, NULL},
    {SC_SESSION, "revocation_file", KT_STR, C(session.revocation_file), 0, NULL},
    {SC_SESSION, "store", KT_STR, C(session.store), 0, NULL},

    {SC_HTTP, "timeout", KT_DURATION_MS, C(http.timeout_ms), 0, NULL},
    {SC_HTTP, "ca_file", KT_STR, C(http.ca_file), 0, NULL},

    {SC_ACCESS, "path", KT_STR, A(path), 0, NULL},
    {SC_ACCESS, "emails", KT_STRLIST, A(emails), 0, NULL},
    {SC_ACCESS, "email_domains", KT_STRLIST, A(email_domains), 0, NULL},
    {SC_ACCESS, "groups", KT_STRLIST, A(groups), 0, NULL},
    {SC_ACCESS, "workspaces", KT_STRLIST, A(workspaces), 0, NULL},
    {SC_ACCESS, "providers", KT_STRLIST, A(providers), 0, NULL},
    {SC_ACCESS, "methods", KT_STRLIST1, A(methods), 0, NULL},
    {SC_ACCESS, "hosts", KT_STRLIST1, A(hosts), 0, NULL},
    {SC_ACCESS, "public", KT_BOOL, A(is_public), 0, NULL},
    {SC_ACCESS, "roles", KT_STRLIST1, A(roles), 0, NULL},
    {SC_ACCESS, "scopes", KT_STRLIST1, A(scopes), 0, NULL},

    {SC_WORKSPACE, "name", KT_STR, 0, 0, NULL},

    {SC_METRICS, "listen", KT_STR, C(metrics.listen), 0, NULL},
    {SC_METRICS, "allow", KT_STRLIST1, C(metrics.allow), 0, NULL},
    {SC_METRICS, "dir", KT_STR, C(metrics.dir), 0, NULL},

    {SC_MAPENTRY, "groups", KT_STRLIST1, E(groups), 0, NULL},
    {SC_MAPENTRY, "emails", KT_STRLIST1, E(emails), 0, NULL},
    {SC_MAPENTRY, "email_domains", KT_STRLIST1, E(email_domains), 0, NULL},
    {SC_MAPENTRY, "providers", KT_STRLIST1, E(providers), 0, NULL},
    {SC_IDTOKEN, "key_file", KT_STR, C(identity_token.key_file), 0, NULL},
    {SC_IDTOKEN, "lifetime", KT_DURATION_S, C(identity_token.lifetime), 0, NULL},
    {SC_IDTOKEN, "audience", KT_STR, C(identity_token.audience), 0, NULL},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define NODE_BUDGET 100000

static const char *scope_where(enum oa_cfg_scope sc)
{
    switch (sc) {
    case SC_TOP: return "at the top level";
    case SC_PROVIDER: return "in provider";
    case SC_SESSION: return "in session";
    case SC_HTTP: return "in http";
    case SC_ACCESS: return "in access rule";
    case SC_WORKSPACE: return "in allowed_workspaces entry";
    case SC_METRICS: return "in metrics";
    case SC_MAPENTRY: return "in a roles/workspaces entry";
    case SC_IDTOKEN: return "in identity_token";
    }
    return "";
}

static const char *scope_name(enum oa_cfg_scope sc)
{
    switch (sc) {
    case SC_TOP: return "the top level";
    case SC_PROVIDER: return "a provider entry";
    case SC_SESSION: return "session";
    case SC_HTTP: return "http";
    case SC_ACCESS: return "an access rule";
    case SC_WORKSPACE: return "an allowed_workspaces entry";
    case SC_METRICS: return "metrics";
    case SC_MAPENTRY: return "a roles/workspaces entry";
    case SC_IDTOKEN: return "identity_token";
    }
    return "";
}

static enum oa_err fail_at(struct oa_cfg_load *ld, const yaml_node_t *n, const char *fmt, ...)
    OA_PRINTF(3, 4);

static enum oa_err fail_at(struct oa_cfg_load *ld, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[OA_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return oa_error_at(ld->err, OA_ERR_CONFIG, ld->name, (unsigned)n->start_mark.line + 1,
                       (unsigned)n->start_mark.column + 1, "%s", msg);
}

static enum oa_err mark(struct oa_cfg_load *ld, const void *slot, const yaml_node_t *n)
{
    return oa_cfg_mark_add(ld, slot, (unsigned)n->start_mark.line + 1,
                           (unsigned)n->start_mark.column + 1);
}

/* Levenshtein distance of two short key names (longer ones count as far). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64], i, j;

    if (la >= 63 || lb >= 63)
        return SIZE_MAX;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

static enum oa_err unknown_key(struct oa_cfg_load *ld, const yaml_node_t *kn, const char *name,
                               enum oa_cfg_scope sc)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX, i, len = strlen(name);

    for (i = 0; i < NKEYS; i++) {
        size_t d;
        if (keys[i].scope != sc)
            continue;
        d = edit_distance(name, keys[i].name);
        if (d < bestd) {
            bestd = d;
            best = keys[i].name;
        }
    }
    if (best && bestd <= 3 && bestd < len)
        return fail_at(ld, kn, "unknown key '%s' %s (did you mean '%s'?)", name, scope_where(sc),
                       best);
    for (i = 0; i < NKEYS; i++)
        if (keys[i].scope != sc && strcmp(keys[i].name, name) == 0)
            return fail_at(ld, kn, "unknown key '%s' %s ('%s' belongs in %s)", name,
                           scope_where(sc), name, scope_name(keys[i].scope));
    return fail_at(ld, kn, "unknown key '%s' %s", name, scope_where(sc));
}

static bool is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a sequence";
    default: return "a scalar";
    }
}

/* A scalar's text, refusing embedded NUL bytes ("\0" escapes). */
static enum oa_err scalar(struct oa_cfg_load *ld, const yaml_node_t *n, const char *key,
                          const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(ld, n, "'%s' must be a single value, not %s", key, node_kind(n));
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
        return fail_at(ld, n, "'%s' contains a NUL byte", key);
    *out = (const char *)n->data.scalar.value;
    return OA_OK;
}

static enum oa_err set_str(struct oa_cfg_load *ld, const yaml_node_t *n, const char *key,
                           char **slot)
{
    const char *s = NULL;
    enum oa_err e = scalar(ld, n, key, &s);

    if (e)
        return e;
    if (!(*slot = oa_cfg_strdup(s)))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    return mark(ld, slot, n);
}

static enum oa_err set_bool(struct oa_cfg_load *ld, const yaml_node_t *n, const char *key,
                            bool *slot)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    const char *s;
    enum oa_err e = scalar(ld, n, key, &s);
    size_t i;

    if (e)
        return e;
    for (i = 0; i < 3; i++) {
        if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
            *slot = !strcasecmp(s, yes[i]);
            return mark(ld, slot, n);
        }
    }
    return fail_at(ld, n, "'%s' must be true or false, not '%s'", key, s);
}

/* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS[.frac](Z|+00:00). */
static int parse_time(const char *s, int64_t *out)
{
    struct tm tm = {0};
    char *end;
    const char *rest;
    time_t t;

    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    for (size_t i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
            return -1;
    tm.tm_year = (int)strtol(s, &end, 10) - 1900;
    tm.tm_mon = (int)strtol(s + 5, &end, 10) - 1;
    tm.tm_mday = (int)strtol(s + 8, &end, 10);
    tm.tm_hour = (int)strtol(s + 11, &end, 10);
    tm.tm_min = (int)strtol(s + 14, &end, 10);
    tm.tm_sec = (int)strtol(s + 17, &end, 10);
    rest = s + 19;
    if (*rest == '.') {
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    }
    if (strcmp(rest, "Z") && strcmp(rest, "z") && strcmp(rest, "+00:00"))
        return -1;
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return -1;
    {
        struct tm back, want = tm;
        t = timegm(&tm); /* normalises 02-31 to 03-03: refused by the round trip */
        if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != want.tm_mday ||
            back.tm_mon != want.tm_mon || back.tm_year != want.tm_year)
            return -1;
    }
    *out = (int64_t)t;
    return 0;
}

static enum oa_err set_scalar_typed(struct oa_cfg_load *ld, const struct oa_cfg_key *k,
                                    const yaml_node_t *n, void *slot)
{
    const char *s;
    int64_t v;
    enum oa_err e = scalar(ld, n, k->name, &s);

    if (e)
        return e;
    if (k->type == KT_TIME) {
        if (parse_time(s, &v))
            return fail_at(ld, n,
                           "'%s' must be an RFC 3339 UTC time like 2026-11-01T00:00:00Z, "
                           "not '%s'",
                           k->name, s);
        memcpy(slot, &v, sizeof(v));
        return mark(ld, slot, n);
    }
    if (k->type == KT_ENUM) {
        for (int i = 0; k->choices[i]; i++) {
            if (!strcmp(s, k->choices[i])) {
                *(int *)slot = i;
                return mark(ld, slot, n);
            }
        }
        if (k->choices[2])
            return fail_at(ld, n, "'%s' must be one of %s, %s, %s%s%s, not '%s'", k->name,
                           k->choices[0], k->choices[1], k->choices[2], k->choices[3] ? ", " : "",
                           k->choices[3] ? k->choices[3] : "", s);
        return fail_at(ld, n, "'%s' must be %s or %s, not '%s'", k->name, k->choices[0],
                       k->choices[1], s);
    }
    /* durations */
    if (oa_duration_parse(s, &v) || v <= 0 || (k->type == KT_DURATION_S && v < 1000))
        return fail_at(ld, n, "'%s' must be a duration like 30s, 10m, 8h or 2d%s, not '%s'",
                       k->name, k->type == KT_DURATION_S ? " (at least 1s)" : "", s);
    if (k->type == KT_DURATION_S)
        v /= 1000;
    memcpy(slot, &v, sizeof(v));
    return mark(ld, slot, n);
}

static enum oa_err set_strlist(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                               const char *key, struct oa_strlist *l)
{
    yaml_node_item_t *it;
    size_t count;
    enum oa_err e;

    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, n, "'%s' must be a sequence (a list), not %s", key, node_kind(n));
    count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > ld->budget)
        return fail_at(ld, n, "'%s' is too long", key);
    ld->budget -= count;
    if (!(l->v = calloc(count + 1, sizeof(*l->v))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if ((e = mark(ld, l, n)))
        return e;
    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *item = yaml_document_get_node(doc, *it);
        if (item->type != YAML_SCALAR_NODE || is_null(item))
            return fail_at(ld, item, "each entry of '%s' must be a single value, not %s", key,
                           is_null(item) ? "empty" : node_kind(item));
        if ((e = set_str(ld, item, key, &l->v[l->n])))
            return e;
        l->n++;
    }
    return OA_OK;
}

/* A key that takes one value or a list of them (hosted_domain: a.com, or
 * [a.com, b.com]): the one value becomes a list of one. */
static enum oa_err set_strlist1(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                                const char *key, struct oa_strlist *l)
{
    enum oa_err e;

    if (n->type != YAML_SCALAR_NODE)
        return set_strlist(ld, doc, n, key, l);
    if (!(l->v = calloc(2, sizeof(*l->v))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if ((e = mark(ld, l, n)) || (e = set_str(ld, n, key, &l->v[0])))
        return e;
    l->n = 1;
    return OA_OK;
}

static enum oa_err walk_map(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *map,
                            enum oa_cfg_scope sc, void *base, const char *what);
static enum oa_err walk_seqmap(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                               const struct oa_cfg_key *k);
static enum oa_err walk_namemap(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                                const struct oa_cfg_key *k, struct oa_map *m);

static enum oa_err set_value(struct oa_cfg_load *ld, yaml_document_t *doc,
                             const struct oa_cfg_key *k, const yaml_node_t *n, void *base)
{
    void *slot = (char *)base + k->off;
    enum oa_err e;

    if (is_null(n))
        return OA_OK; /* `key:` with nothing: as if absent (Python's None) */
    switch (k->type) {
    case KT_STR: return set_str(ld, n, k->name, slot);
    case KT_BOOL: return set_bool(ld, n, k->name, slot);
    case KT_STRLIST: return set_strlist(ld, doc, n, k->name, slot);
    case KT_STRLIST1: return set_strlist1(ld, doc, n, k->name, slot);
    case KT_DURATION_S:
    case KT_DURATION_MS:
    case KT_TIME:
    case KT_ENUM: return set_scalar_typed(ld, k, n, slot);
    case KT_MAP:
        if (k->off) { /* the mapping's own flag and position */
            *(bool *)slot = true;
            if ((e = mark(ld, slot, n)))
                return e;
        }
        return walk_map(ld, doc, n, k->sub, base, k->name);
    case KT_SEQMAP: return walk_seqmap(ld, doc, n, k);
    case KT_NAMEMAP: return walk_namemap(ld, doc, n, k, slot);
    }
    return oa_error_set(ld->err, OA_ERR_INTERNAL, "bad key type");
}

static const struct oa_cfg_key *find_key(enum oa_cfg_scope sc, const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].scope == sc && !strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

/* Checks the key of pair p: a plain string, not seen before in this mapping. */
static enum oa_err check_key(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *map,
                             const yaml_node_pair_t *p, const char **name)
{
    const yaml_node_t *kn = yaml_document_get_node(doc, p->key);
    const yaml_node_pair_t *q;

    if (kn->type != YAML_SCALAR_NODE)
        return fail_at(ld, kn, "a key must be a plain name, not %s", node_kind(kn));
    if (strlen((const char *)kn->data.scalar.value) != kn->data.scalar.length)
        return fail_at(ld, kn, "a key contains a NUL byte");
    *name = (const char *)kn->data.scalar.value;
    for (q = map->data.mapping.pairs.start; q < p; q++) {
        const yaml_node_t *prev = yaml_document_get_node(doc, q->key);
        if (prev->type == YAML_SCALAR_NODE && !strcmp((const char *)prev->data.scalar.value, *name))
            return fail_at(ld, kn, "duplicate key '%s' (first at %u:%u)", *name,
                           (unsigned)prev->start_mark.line + 1,
                           (unsigned)prev->start_mark.column + 1);
    }
    return OA_OK;
}

static enum oa_err walk_map(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *map,
                            enum oa_cfg_scope sc, void *base, const char *what)
{
    const yaml_node_pair_t *p;
    enum oa_err e;

    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ld, map, "%s must be a mapping (key: value), not %s", what, node_kind(map));
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const struct oa_cfg_key *k;
        const char *name = NULL;
        if (!ld->budget--)
            return fail_at(ld, map, "too many nodes");
        if ((e = check_key(ld, doc, map, p, &name)))
            return e;
        if (!(k = find_key(sc, name)))
            return unknown_key(ld, yaml_document_get_node(doc, p->key), name, sc);
        if ((e = set_value(ld, doc, k, yaml_document_get_node(doc, p->value), base)))
            return e;
    }
    return OA_OK;
}

static enum oa_err walk_entry(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                              enum oa_cfg_scope sc, size_t i)
{
    struct oa_config *cfg = ld->cfg;
    unsigned line = (unsigned)n->start_mark.line + 1, col = (unsigned)n->start_mark.column + 1;
    enum oa_err e;

    if (sc == SC_PROVIDER) {
        struct oa_provider *p = &cfg->providers[cfg->nproviders++];
        p->line = line;
        p->col = col;
        if ((e = mark(ld, p, n)))
            return e;
        return walk_map(ld, doc, n, sc, p, "a provider entry");
    }
    if (sc == SC_ACCESS) {
        struct oa_access_rule *r = &cfg->access[cfg->naccess++];
        r->line = line;
        r->col = col;
        if ((e = mark(ld, r, n)))
            return e;
        return walk_map(ld, doc, n, sc, r, "an access rule");
    }
    /* SC_WORKSPACE: {name: x} */
    cfg->workspaces.n++;
    if ((e = walk_map(ld, doc, n, sc, &cfg->workspaces.v[i], "an allowed_workspaces entry")))
        return e;
    if (!cfg->workspaces.v[i])
        return fail_at(ld, n, "an allowed_workspaces entry needs a name");
    return OA_OK;
}

/* providers, access, allowed_workspaces: arrays sized once, so marks stay valid. */
static enum oa_err walk_seqmap(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                               const struct oa_cfg_key *k)
{
    struct oa_config *cfg = ld->cfg;
    yaml_node_item_t *it;
    size_t count, i = 0;
    void *arr;
    enum oa_err e;

    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, n, "'%s' must be a sequence (a list), not %s", k->name, node_kind(n));
    count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > ld->budget)
        return fail_at(ld, n, "'%s' is too long", k->name);
    ld->budget -= count;
    if (k->sub == SC_PROVIDER)
        arr = cfg->providers = calloc(count + 1, sizeof(*cfg->providers));
    else if (k->sub == SC_ACCESS)
        arr = cfg->access = calloc(count + 1, sizeof(*cfg->access));
    else
        arr = cfg->workspaces.v = calloc(count + 1, sizeof(*cfg->workspaces.v));
    if (!arr)
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if ((e = mark(ld, arr, n)))
        return e;
    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
        const yaml_node_t *item = yaml_document_get_node(doc, *it);
        if (item->type != YAML_MAPPING_NODE)
            return fail_at(ld, item, "each entry of '%s' must be a mapping (key: value), not %s",
                           k->name, is_null(item) ? "empty" : node_kind(item));
        if ((e = walk_entry(ld, doc, item, k->sub, i)))
            return e;
    }
    return OA_OK;
}

/* roles: / workspaces: a mapping of names (the role or workspace, duplicates
 * refused by check_key) to a mapping of who gets it. The array is sized
 * once, so the marks stay valid; what the names and lists must look like
 * is config_maps.c's business. */
static enum oa_err walk_namemap(struct oa_cfg_load *ld, yaml_document_t *doc, const yaml_node_t *n,
                                const struct oa_cfg_key *k, struct oa_map *m)
{
    const yaml_node_pair_t *p;
    size_t count;
    enum oa_err e;

    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'%s' must be a mapping (NAME: {groups: [...], ...}), not %s",
                       k->name, node_kind(n));
    count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > ld->budget)
        return fail_at(ld, n, "'%s' is too long", k->name);
    ld->budget -= count;
    if (!(m->v = calloc(count + 1, sizeof(*m->v))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if ((e = mark(ld, m, n)))
        return e;
    for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = yaml_document_get_node(doc, p->key),
                          *vn = yaml_document_get_node(doc, p->value);
        struct oa_map_entry *en = &m->v[m->n];
        const char *name = NULL;
        if ((e = check_key(ld, doc, n, p, &name)))
            return e;
        if (vn->type != YAML_MAPPING_NODE)
            return fail_at(ld, vn,
                           "%s '%s' must say who gets it ({groups: [...], emails: [...], "
                           "email_domains: [...]%s}), not %s",
                           k->name, name, k->scope == SC_TOP ? ", providers: [...]" : "",
                           is_null(vn) ? "nothing" : node_kind(vn));
        m->n++;
        en->line = (unsigned)kn->start_mark.line + 1;
        en->col = (unsigned)kn->start_mark.column + 1;
        if (!(en->name = strdup(name)))
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        if ((e = mark(ld, &en->name, kn)) || (e = mark(ld, en, kn)) ||
            (e = walk_map(ld, doc, vn, k->sub, en, "a roles/workspaces entry")))
            return e;
    }
    return OA_OK;
}

static enum oa_err syntax_error(struct oa_cfg_load *ld, const yaml_parser_t *ps)
{
    const yaml_mark_t *m = ps->problem ? &ps->problem_mark : &ps->context_mark;

    if (ps->error == YAML_MEMORY_ERROR)
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if (ps->context)
        return oa_error_at(ld->err, OA_ERR_CONFIG, ld->name, (unsigned)m->line + 1,
                           (unsigned)m->column + 1, "YAML syntax error: %s %s",
                           ps->problem ? ps->problem : "error", ps->context);
    return oa_error_at(ld->err, OA_ERR_CONFIG, ld->name, (unsigned)m->line + 1,
                       (unsigned)m->column + 1, "YAML syntax error: %s",
                       ps->problem ? ps->problem : "error");
}

/* Wipes every scalar of the document (it holds the client secrets). */
static void wipe_document(yaml_document_t *doc)
{
    yaml_node_t *n;

    for (n = doc->nodes.start; n < doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE)
            oa_wipe(n->data.scalar.value, n->data.scalar.length);
}

static enum oa_err walk_doc(struct oa_cfg_load *ld, yaml_parser_t *ps, yaml_document_t *doc)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    yaml_document_t next;
    enum oa_err e;

    if (!root || is_null(root))
        return oa_error_at(ld->err, OA_ERR_CONFIG, ld->name, 1, 1,
                           "empty configuration: a 'providers' list is required");
    ld->top_line = (unsigned)root->start_mark.line + 1;
    ld->top_col = (unsigned)root->start_mark.column + 1;
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root, "the configuration must be a mapping (key: value), not %s",
                       node_kind(root));
    if ((e = walk_map(ld, doc, root, SC_TOP, ld->cfg, "the configuration")))
        return e;
    if (!yaml_parser_load(ps, &next))
        return syntax_error(ld, ps);
    root = yaml_document_get_root_node(&next);
    if (root) {
        e = fail_at(ld, root, "more than one YAML document in the file");
        wipe_document(&next);
        yaml_document_delete(&next);
        return e;
    }
    yaml_document_delete(&next);
    return OA_OK;
}

/* libyaml's own buffers hold the text (and its secrets) too: wiped before freeing. */
static void parser_delete(yaml_parser_t *ps)
{
    if (ps->buffer.start)
        oa_wipe(ps->buffer.start, (size_t)(ps->buffer.end - ps->buffer.start));
    if (ps->raw_buffer.start)
        oa_wipe(ps->raw_buffer.start, (size_t)(ps->raw_buffer.end - ps->raw_buffer.start));
    yaml_parser_delete(ps);
}

enum oa_err oa_cfg_walk(struct oa_cfg_load *ld, const char *yaml, size_t len)
{
    yaml_parser_t ps;
    yaml_document_t doc;
    enum oa_err e;

    if (!yaml_parser_initialize(&ps))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&ps, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&ps, &doc)) {
        e = syntax_error(ld, &ps);
        parser_delete(&ps);
        return e;
    }
    ld->budget = NODE_BUDGET;
    e = walk_doc(ld, &ps, &doc);
    wipe_document(&doc);
    yaml_document_delete(&doc);
    parser_delete(&ps);
    return e;
}
