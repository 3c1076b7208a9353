/*
 * config_check.c - the rules of DESIGN.md section 2 beyond the providers:
 * public_url (an origin), base_path, the session cookie and its keys,
 * allowed_redirect_hosts, the access rules, http, the session lifecycle
 * (refresh_after, revocation_file, store: DESIGN.md 14) and the defaults
 * that depend on other keys (Secure, the __Host- prefix, allowed_workspaces).
 *
 * Runs after the YAML walk, so a rule can look at keys written in any order;
 * errors point back into the file through the walk's marks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_int.h"
#include "oa/url.h"

/* Lower-cases s in place; returns s. */
static char *lower(char *s)
{
    for (char *p = s; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

static bool only(const char *s, const char *set)
{
    return s[0] && strspn(s, set) == strlen(s);
}

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyz0123456789.-"

/* Rebuilds public_url as scheme://host[:port] (host lower-case, default
 * port dropped) and sets public_host and public_https from it. */
static enum oa_err origin_from(struct oa_cfg_load *ld, const struct oa_url_parts *u)
{
    struct oa_config *cfg = ld->cfg;
    const char *dflt = u->https ? "443" : "80";
    bool port = u->port && !(u->port_len == strlen(dflt) && !memcmp(u->port, dflt, u->port_len));
    char *host = NULL, *url = NULL;

    /* asprintf leaves its pointer undefined on failure: NULL it */
    if (asprintf(&host, "%.*s%s%.*s", (int)u->host_len, u->host, port ? ":" : "",
                 port ? (int)u->port_len : 0, port ? u->port : "") < 0)
        host = NULL;
    else if (asprintf(&url, "%s://%s", u->https ? "https" : "http", lower(host)) < 0)
        url = NULL;
    if (!url) {
        free(host);
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    free(cfg->public_url); /* u pointed into it: not used after this */
    cfg->public_url = url;
    cfg->public_host = host;
    cfg->public_https = u->https;
    return OA_OK;
}

static enum oa_err check_public_url(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    char *const *slot = &cfg->public_url;
    struct oa_url_parts u;
    bool split;
    enum oa_err e;

    if (!cfg->public_url)
        return OA_OK;
    split = oa_url_split(&u, cfg->public_url);
    /* a URL with a user or a path gets the origin message, not the generic one */
    if (split && (u.userinfo || (u.rest[0] && strcmp(u.rest, "/"))))
        return oa_cfg_fail(ld, slot, NULL,
                           "'public_url' must be an origin like https://app.example.com "
                           "(no path, query, fragment or user), not '%s'",
                           cfg->public_url);
    if ((e = oa_cfg_check_url(ld, slot, NULL, "public_url")))
        return e;
    if (!split) /* oa_cfg_check_url refuses what does not split */
        return oa_error_set(ld->err, OA_ERR_INTERNAL, "public_url: cannot split");
    return origin_from(ld, &u);
}

static enum oa_err check_base_path(struct oa_cfg_load *ld)
{
    char **slot = &ld->cfg->base_path;
    const char *s = *slot;
    const char *seg;

    if (!s)
        return (*slot = strdup("/oauth")) ? OA_OK
                                          : oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if (s[0] != '/' || s[strlen(s) - 1] == '/' ||
        !only(s, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") ||
        strstr(s, "//"))
        goto bad;
    for (seg = s; seg; seg = strchr(seg + 1, '/'))
        if (!strncmp(seg, "/./", 3) || !strcmp(seg, "/.") || !strncmp(seg, "/../", 4) ||
            !strcmp(seg, "/.."))
            goto bad;
    return OA_OK;
bad:
    return oa_cfg_fail(ld, slot, NULL,
                       "'base_path' must start with '/', not end with '/', and hold only "
                       "letters, digits and . _ ~ - (like /oauth), not '%s'",
                       s);
}

static enum oa_err load_keys(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    struct oa_error kerr = {0};
    char where[OA_ERROR_MSG_MAX], warn[256];

    if (!cfg->session.key_file) {
        cfg->keys_random = true;
        if (oa_keyring_random(&cfg->keys) != OA_OK)
            return oa_error_set(ld->err, OA_ERR_CRYPTO, "cannot make a random session key");
        return OA_OK;
    }
    if (oa_keyring_load_file_warn(&cfg->keys, cfg->session.key_file, warn, sizeof(warn), &kerr) ==
        OA_OK)
        return warn[0] ? oa_cfg_warn(ld, &cfg->session.key_file, NULL,
                                     "session key_file '%s' is %s", cfg->session.key_file, warn)
                       : OA_OK;
    if (kerr.line) { /* a bad line: the key file's own position says most */
        if (ld->err) {
            *ld->err = kerr;
            ld->err->code = OA_ERR_CONFIG;
        }
        return OA_ERR_CONFIG;
    }
    snprintf(where, sizeof(where), "%s", kerr.msg);
    return oa_cfg_fail(ld, &cfg->session.key_file, NULL, "session key_file '%s': %s",
                       cfg->session.key_file, where);
}

static enum oa_err check_session(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    char **name = &cfg->session.cookie_name;
    int n;

    if (!*name && !(*name = strdup("oauth2_fcgi")))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    if (!only(*name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"))
        return oa_cfg_fail(ld, name, NULL,
                           "'cookie_name' may hold only letters, digits, '_' and '-', not '%s'",
                           *name);
    if (!strncasecmp(*name, "__Host-", 7) || !strncasecmp(*name, "__Secure-", 9))
        return oa_cfg_fail(ld, name, NULL,
                           "'cookie_name' must not carry a __Host- or __Secure- prefix: "
                           "__Host- is added when the cookie is Secure");
    cfg->session.secure = !cfg->allow_http_redirect || cfg->public_https;
    n = asprintf(&cfg->session.cookie_full, "%s%s", cfg->session.secure ? "__Host-" : "", *name);
    if (n < 0) {
        cfg->session.cookie_full = NULL;
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    if (cfg->session.same_site == OA_SAME_SITE_NONE && !cfg->session.secure)
        return oa_cfg_fail(ld, &cfg->session.same_site, NULL,
                           "'same_site: none' needs a Secure cookie: an https public_url, or "
                           "allow_http_redirect: false");
    return load_keys(ld);
}

static bool host_ok(const char *h)
{
    const char *colon;
    char host[256];
    size_t n;

    if (!strncmp(h, "*.", 2))
        h += 2;
    colon = strrchr(h, ':');
    n = colon ? (size_t)(colon - h) : strlen(h);
    if (!n || n >= sizeof(host) || h[0] == '.' || h[n - 1] == '.' || strstr(h, ".."))
        return false;
    if (colon && (!only(colon + 1, "0123456789") || strlen(colon + 1) > 5))
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    return only(host, HOST_CHARS);
}

static enum oa_err check_hosts(struct oa_cfg_load *ld)
{
    struct oa_strlist *l = &ld->cfg->allowed_redirect_hosts;

    for (size_t i = 0; i < l->n; i++) {
        lower(l->v[i]);
        if (!host_ok(l->v[i]))
            return oa_cfg_fail(ld, &l->v[i], l,
                               "an allowed_redirect_hosts entry must be a host name like "
                               "docs.example.com or *.example.com (no scheme or path), not '%s'",
                               l->v[i]);
    }
    return OA_OK;
}

static enum oa_err check_list(struct oa_cfg_load *ld, struct oa_strlist *l, const char *key,
                              int at_signs)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i], *at = strchr(s, '@');
        int n = at ? 1 + (strchr(at + 1, '@') != NULL) : 0;
        if (at_signs >= 0) {
            lower(l->v[i]);
            if (n != at_signs || !s[0] || s[0] == '@' || s[strlen(s) - 1] == '@')
                return oa_cfg_fail(ld, &l->v[i], l, "'%s' in %s is not %s", s, key,
                                   at_signs ? "an email address (one '@')"
                                            : "a domain (like example.com, no '@')");
        } else if (!s[0]) {
            return oa_cfg_fail(ld, &l->v[i], l, "an entry of %s is empty", key);
        }
    }
    return OA_OK;
}

/* Why a rule path is not written as the normalised path the rules match
 * (doc/DESIGN.md section 4), or NULL. Such a rule would silently never
 * match, or match only one reading of a path. */
static const char *rule_path_problem(const char *p)
{
    const char *seg = p + 1, *end;

    if (strchr(p, '%'))
        return "holds '%': write it decoded, as the rules match decoded paths";
    if (strpbrk(p, "?#"))
        return "holds '?' or '#': a rule matches the path, never the query";
    if (strpbrk(p, "\\;"))
        return "holds '\\' or ';', which backends read as separators";
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "holds a control byte";
    for (; *seg; seg = *end ? end + 1 : end) {
        size_t n;
        end = seg + strcspn(seg, "/");
        n = (size_t)(end - seg);
        if (n == 0 && *end)
            return "holds an empty segment ('//')";
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return "holds a '.' or '..' segment";
    }
    return NULL;
}

/* The request methods a rule may name: RFC 9110's and WebDAV's (RFC 4918,
 * 3253, 4791, 5323), and PATCH. Written in capitals, as on the wire. */
static const char *const known_methods[] = {
    "GET",   "HEAD",   "POST",     "PUT",        "DELETE", "CONNECT", "OPTIONS",
    "TRACE", "PATCH",  "PROPFIND", "PROPPATCH",  "MKCOL",  "COPY",    "MOVE",
    "LOCK",  "UNLOCK", "REPORT",   "MKCALENDAR", "SEARCH", NULL};

static enum oa_err check_methods(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    struct oa_strlist *l = &r->methods;

    if (l->v && !l->n)
        return oa_cfg_fail(ld, l, r,
                           "'methods' is empty: list methods (like [GET, HEAD]) or "
                           "leave the key out");
    for (size_t i = 0; i < l->n; i++) {
        size_t k;
        for (k = 0; known_methods[k]; k++)
            if (strcmp(l->v[i], known_methods[k]) == 0)
                break;
        if (known_methods[k])
            continue;
        for (k = 0; known_methods[k]; k++)
            if (strcasecmp(l->v[i], known_methods[k]) == 0)
                return oa_cfg_fail(ld, &l->v[i], l,
                                   "method '%s' is written in capitals on the wire: %s", l->v[i],
                                   known_methods[k]);
        return oa_cfg_fail(ld, &l->v[i], l,
                           "'%s' is not a known request method (GET, HEAD, POST, PUT, "
                           "DELETE, PATCH, OPTIONS, ... or a WebDAV one)",
                           l->v[i]);
    }
    return OA_OK;
}

/* Why a hosts entry is not a host name (or "*." and one), or NULL. */
static const char *host_problem(const char *h)
{
    const char *p = h;

    if (p[0] == '*' && p[1] == '.')
        p += 2;
    if (!*p)
        return "is empty";
    if (strstr(h, "://"))
        return "is a URL: write the host name alone";
    if (strchr(p, '/'))
        return "holds a '/': a host matches the Host header, the path goes in 'path'";
    if (strchr(p, ':') && p[0] != '[')
        return "holds a port: hosts match the name alone, whatever the port";
    if (strchr(p, '*'))
        return "holds a '*' elsewhere than a leading '*.'";
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("-._[]:", *p)))
            return "holds a character a host name cannot";
    if (h[strlen(h) - 1] == '.')
        return "ends in '.': write it without (the Host's trailing dot is cut)";
    return NULL;
}

static enum oa_err check_rule_hosts(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    struct oa_strlist *l = &r->hosts;
    const char *why;

    if (l->v && !l->n)
        return oa_cfg_fail(ld, l, r,
                           "'hosts' is empty: list host names (like app.example.com) "
                           "or leave the key out");
    for (size_t i = 0; i < l->n; i++) {
        if ((why = host_problem(l->v[i])))
            return oa_cfg_fail(ld, &l->v[i], l, "host '%s' in hosts %s", l->v[i], why);
        lower(l->v[i]);
    }
    return OA_OK;
}

/* public: true lets everybody pass: conditions on the user there would
 * never be checked, so they are refused rather than silently ignored. */
static enum oa_err check_public(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    if (!r->is_public)
        return OA_OK;
    if (r->emails.n || r->email_domains.n || r->groups.n || r->workspaces.n || r->providers.n ||
        r->roles.n)
        return oa_cfg_fail(ld, &r->is_public, r,
                           "access rule '%s' is public: true and also names who may pass "
                           "(emails, email_domains, groups, workspaces, providers, roles): a "
                           "public rule lets everybody pass, so drop one or the other",
                           r->path);
    return OA_OK;
}

/* scopes: RFC 6749 3.3 scope-tokens (printable ASCII but space, '"' and
 * '\\'). A bearer token must hold them all; a cookie session holds none, so
 * such a rule is for APIs only, and a public one would check nothing. */
static enum oa_err check_scopes(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    struct oa_strlist *l = &r->scopes;

    if (!l->n)
        return OA_OK;
    if (r->is_public)
        return oa_cfg_fail(ld, l, r,
                           "access rule '%s' is public: true and names scopes: a public rule "
                           "lets everybody pass, so drop one or the other",
                           r->path);
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i];
        if (!s[0] || strlen(s) > 256)
            return oa_cfg_fail(ld, &l->v[i], l, "a scope must be 1..256 characters");
        for (const char *c = s; *c; c++)
            if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\')
                return oa_cfg_fail(ld, &l->v[i], l,
                                   "scope '%s' is not a scope token (printable ASCII without "
                                   "spaces, '\"' or '\\\\')",
                                   s);
    }
    return OA_OK;
}

static enum oa_err check_rule(struct oa_cfg_load *ld, struct oa_access_rule *r)
{
    const char *why;
    enum oa_err e;

    if (!r->path)
        return oa_cfg_fail(ld, r, NULL, "an access rule needs a 'path' (like /)");
    if (r->path[0] != '/')
        return oa_cfg_fail(ld, &r->path, r, "an access rule's path must start with '/', not '%s'",
                           r->path);
    if ((why = rule_path_problem(r->path)))
        return oa_cfg_fail(ld, &r->path, r, "this access rule path %s", why);
    r->path_len = strlen(r->path);
    if ((e = check_list(ld, &r->emails, "emails", 1)) ||
        (e = check_list(ld, &r->email_domains, "email_domains", 0)) ||
        (e = check_list(ld, &r->groups, "groups", -1)) ||
        (e = check_list(ld, &r->workspaces, "workspaces", -1)) || (e = check_methods(ld, r)) ||
        (e = check_rule_hosts(ld, r)) || (e = check_public(ld, r)) || (e = check_scopes(ld, r)))
        return e;
    for (size_t i = 0; i < r->providers.n; i++)
        if (!oa_config_provider(ld->cfg, r->providers.v[i], strlen(r->providers.v[i])))
            return oa_cfg_fail(ld, &r->providers.v[i], r,
                               "access rule names provider '%s', which is not configured",
                               r->providers.v[i]);
    return OA_OK;
}

static enum oa_err check_http(struct oa_cfg_load *ld)
{
    char **ca = &ld->cfg->http.ca_file;
    FILE *f;

    if (!*ca)
        return OA_OK;
    if (!(f = fopen(*ca, "r")))
        return oa_cfg_fail(ld, ca, NULL, "cannot read ca_file '%s': %s", *ca, strerror(errno));
    fclose(f);
    return OA_OK;
}

static enum oa_err default_workspaces(struct oa_cfg_load *ld)
{
    struct oa_strlist *w = &ld->cfg->workspaces;

    if (w->v)
        return OA_OK;
    if (!(w->v = calloc(2, sizeof(*w->v))) || !(w->v[0] = strdup("argilla")))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    w->n = 1;
    return OA_OK;
}

/* session.revocation_file: absolute (the process's directory is not the
 * config's) in a directory that exists; the file itself may not exist yet
 * (the first revocation creates it) and is read by the edge at start
 * (fcgi/store_file.c, which refuses one it cannot read). */
static enum oa_err check_revocation_file(struct oa_cfg_load *ld)
{
    char **f = &ld->cfg->session.revocation_file;
    const char *slash;
    char dir[4096];
    struct stat st;

    if (!*f)
        return OA_OK;
    if ((*f)[0] != '/')
        return oa_cfg_fail(ld, f, NULL, "session.revocation_file '%s' must be an absolute path",
                           *f);
    slash = strrchr(*f, '/');
    if (!slash[1] || (size_t)(slash - *f) >= sizeof(dir))
        return oa_cfg_fail(ld, f, NULL, "session.revocation_file '%s' must name a file", *f);
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - *f), *f);
    if (stat(dir[0] ? dir : "/", &st) != 0 || !S_ISDIR(st.st_mode))
        return oa_cfg_fail(ld, f, NULL,
                           "session.revocation_file '%s': no directory '%s' (create it, "
                           "writable by the user the program runs as only)",
                           *f, dir[0] ? dir : "/");
    return OA_OK;
}

/* A decimal number in [lo, hi], digits only (no sign, no leading zero
 * unless it is "0"), of n bytes at s. */
static bool number_in(const char *s, size_t n, long lo, long hi)
{
    long v = 0;

    if (!n || n > 5 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi;
}

/* redis://HOST:PORT/DB: HOST a name of letters, digits, '.' and '-' (not
 * starting or ending with either, no "..") or an IPv4 address, PORT 1-65535,
 * DB 0-15. No user or password, no path, no query: the store is reached
 * on a trusted network (DESIGN.md 14). */
static bool store_url_ok(const char *url)
{
    static const char scheme[] = "redis://";
    const char *host = url + sizeof(scheme) - 1, *colon, *slash;
    size_t hn;

    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
        return false;
    colon = strchr(host, ':');
    slash = colon ? strchr(colon, '/') : NULL;
    if (!colon || !slash)
        return false;
    hn = (size_t)(colon - host);
    if (!hn || hn > 253 ||
        strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789.-") != hn)
        return false;
    if (strchr(".-", host[0]) || strchr(".-", host[hn - 1]))
        return false;
    for (size_t i = 0; i + 1 < hn; i++)
        if (host[i] == '.' && host[i + 1] == '.')
            return false;
    return number_in(colon + 1, (size_t)(slash - colon - 1), 1, 65535) &&
           number_in(slash + 1, strlen(slash + 1), 0, 15);
}

/* The session lifecycle: the soft limit inside the hard one, the store's
 * address (the journal's path: check_revocation_file). */
static enum oa_err check_lifecycle(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    int64_t ra = cfg->session.refresh_after;

    if (ra && (ra < 1 || ra >= cfg->session.lifetime))
        return oa_cfg_fail(ld, &cfg->session.refresh_after, NULL,
                           "session 'refresh_after' (%llds) must be at least 1s and shorter than "
                           "'lifetime' (%llds): it is when a page load goes back to the provider, "
                           "lifetime when the session ends",
                           (long long)ra, (long long)cfg->session.lifetime);
    if (cfg->session.store && !store_url_ok(cfg->session.store))
        return oa_cfg_fail(ld, &cfg->session.store, NULL,
                           "session 'store' must look like redis://HOST:PORT/DB (HOST a name or an "
                           "IPv4 address, PORT 1-65535, DB 0-15; no user or password), not '%s'",
                           cfg->session.store);
    return OA_OK;
}

enum oa_err oa_cfg_check(struct oa_cfg_load *ld)
{
    enum oa_err e;

    if ((e = check_public_url(ld)) || (e = check_base_path(ld)) || (e = check_hosts(ld)) ||
        (e = check_http(ld)) || (e = oa_cfg_metrics_check(ld)) || (e = default_workspaces(ld)) ||
        (e = oa_cfg_check_log(ld)) || (e = check_revocation_file(ld)) || (e = check_lifecycle(ld)))
        return e;
    for (size_t i = 0; i < ld->cfg->naccess; i++)
        if ((e = check_rule(ld, &ld->cfg->access[i])))
            return e;
    if ((e = oa_cfg_check_identity_token(ld)))
        return e;
    return check_session(ld); /* last: it loads the keys */
}
