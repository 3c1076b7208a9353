/*
 * explain.c - --explain METHOD URL: the decision a web server would get,
 * made by the real code, and why.
 *
 * Nothing here decides: the request is built as the edge would build it
 * from the server's params (struct oa_request), a signed-in user is a real
 * session sealed in memory with the config's key (oa_session_issue, its
 * Set-Cookie sent back as the Cookie header), and the answers are the ones
 * the program gives: oa_authorizer_answer (lighttpd and Apache,
 * FCGI_ROLE=AUTHORIZER) and oa_endpoint_auth (nginx's auth_request to
 * <base_path>/auth). The decision's trace (oa_authorize_trace) says which
 * reading of the path met which rule; the rules are numbered as
 * --check-config numbers them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explain.h"
#include "oa/access.h"
#include "oa/authorizer.h"
#include "oa/endpoints.h"
#include "oa/identity_map.h"
#include "oa/response.h"
#include "oa/session.h"
#include "oa/url.h"

#define EX_HOST_MAX 256
#define EX_URI_MAX 8192
#define EX_COOKIE_MAX (OA_SESSION_CHUNKS_MAX * (OA_COOKIE_CHUNK_MAX + 64))

/* What the URL argument gives the request. */
struct ex_target {
    char host[EX_HOST_MAX]; /* "" when none */
    char uri[EX_URI_MAX];   /* path?query */
    bool https;
};

static struct oa_response resp; /* large: off the stack */

static const char *reading_name(int i)
{
    static const char *const names[] = {"raw",   "keep-slash", "params-raw",
                                        "loose", "twice",      "raw-loose"};

    if (i == -2)
        return "strict";
    if (i == -1)
        return "decoded";
    return i >= 0 && i < 6 ? names[i] : "?";
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Splits url into t. false (said on stderr) when it is no URL we can ask. */
static bool parse_target(struct ex_target *t, const struct oa_config *cfg, const char *url)
{
    const char *rest = url, *end;
    size_t n;

    memset(t, 0, sizeof(*t));
    if (!printable(url)) {
        fprintf(stderr, "oauth2-fcgi: --explain: the URL holds a space or a control byte; "
                        "write it %%-encoded, as a client sends it\n");
        return false;
    }
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
        t->https = url[4] == 's';
        rest = url + (t->https ? 8 : 7);
        n = strcspn(rest, "/?#");
        if (n == 0 || n >= sizeof(t->host) || memchr(rest, '@', n)) {
            fprintf(stderr, "oauth2-fcgi: --explain: '%s' has no usable host\n", url);
            return false;
        }
        memcpy(t->host, rest, n);
        rest += n;
    } else if (url[0] == '/') {
        if (cfg->public_host)
            snprintf(t->host, sizeof(t->host), "%s", cfg->public_host);
        t->https = cfg->public_https;
    } else {
        fprintf(stderr,
                "oauth2-fcgi: --explain: the URL must be http(s)://HOST/PATH or /PATH, "
                "not '%s'\n",
                url);
        return false;
    }
    end = rest + strcspn(rest, "#"); /* a fragment never reaches a server */
    n = (size_t)(end - rest);
    if (n + 2 > sizeof(t->uri)) {
        fprintf(stderr, "oauth2-fcgi: --explain: the URL is too long\n");
        return false;
    }
    if (n == 0 || rest[0] == '?')
        t->uri[0] = '/'; /* "https://host" and "https://host?q" ask for "/" */
    memcpy(t->uri + strlen(t->uri), rest, n);
    return true;
}

static bool method_ok(const char *m)
{
    if (!*m || strlen(m) > 32)
        return false;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z') || *m == '-' || *m == '_'))
            return false;
    return true;
}

/* Seals a session for who and writes its Cookie header into cookie. */
static bool mint(char *cookie, size_t cap, const struct oa_config *cfg,
                 const struct oa_request *req, const struct oa_explain_who *who)
{
    const char *at = strchr(who->email, '@');
    char user[256];
    struct oa_identity id = {0};
    struct oa_identity_mapped m;
    size_t used = 0;
    bool ok;

    snprintf(user, sizeof(user), "%.*s", at ? (int)(at - who->email) : 0, who->email);
    id.provider = who->provider ? who->provider : cfg->providers[0].name;
    id.issuer = "";
    id.subject = who->email;
    id.username = user;
    id.email = who->email;
    id.name = "";
    /* mapped as a sign-in maps (identity_map.h): roles, workspaces, kept groups */
    if (oa_identity_map(&m, cfg, oa_config_provider(cfg, id.provider, strlen(id.provider)),
                        who->email, who->groups) != OA_OK)
        return false;
    id.groups = m.groups;
    id.workspaces = m.workspaces;
    id.roles = m.roles;
    oa_response_init(&resp);
    ok = oa_session_issue(&resp, cfg, req, &id) == OA_OK;
    oa_identity_mapped_free(&m);
    if (!ok) {
        oa_response_free(&resp);
        return false;
    }
    cookie[0] = '\0';
    for (size_t i = 0; i < resp.nheaders; i++) {
        const char *v = resp.headers[i].value;
        size_t n = strcspn(v, ";");
        if (strcasecmp(resp.headers[i].name, "Set-Cookie") != 0 || used + n + 3 > cap)
            continue;
        used += (size_t)snprintf(cookie + used, cap - used, "%s%.*s", used ? "; " : "", (int)n, v);
    }
    oa_response_free(&resp);
    return used > 0;
}

/* What the roles:/workspaces: maps make of who, as a sign-in would. */
static void print_mapped(FILE *out, const struct oa_config *cfg, const struct oa_explain_who *who)
{
    const char *pn = who->provider ? who->provider : cfg->providers[0].name;
    struct oa_identity_mapped m;

    if (oa_identity_map(&m, cfg, oa_config_provider(cfg, pn, strlen(pn)), who->email,
                        who->groups) != OA_OK)
        return;
    fprintf(out, "mapped: roles %s; workspaces %s; session groups %s\n",
            *m.roles ? m.roles : "none", *m.workspaces ? m.workspaces : "none",
            *m.groups ? m.groups : "none");
    oa_identity_mapped_free(&m);
}

static void print_rule(FILE *out, const struct oa_config *cfg, const struct oa_access_rule *r)
{
    if (!r) {
        fputs("no rule (a valid session is enough)", out);
        return;
    }
    fprintf(out, "rule %zu (path %s, line %u%s)", (size_t)(r - cfg->access) + 1, r->path, r->line,
            r->is_public ? ", public" : "");
}

/* The readings the decision checked and what each met. */
static void print_trace(FILE *out, const struct oa_config *cfg, const struct oa_authz_trace *t)
{
    const struct oa_authz_step *deny = NULL;

    fputs("readings checked:\n", out);
    if (!t->n)
        fputs("  none: without a session only a public rule lets a request pass, and no "
              "rule is public\n",
              out);
    for (size_t i = 0; i < t->n; i++) {
        const struct oa_authz_step *s = &t->step[i];
        fprintf(out, "  %-11s %-10s %-40s ", s->what, reading_name(s->reading),
                s->path[0] ? s->path : "(cannot be read: refused)");
        print_rule(out, cfg, s->rule);
        if (s->rule_fold != s->rule) {
            fputs("; case folded: ", out);
            print_rule(out, cfg, s->rule_fold);
        }
        fprintf(out, " -> %s\n", s->allowed ? "passes" : "REFUSED");
        if (!s->allowed && !deny)
            deny = s;
    }
    if (deny)
        fprintf(out, "decided by: the %s reading of %s (%s)\n", reading_name(deny->reading),
                deny->what, deny->path[0] ? deny->path : "unreadable");
    else if (t->n)
        fputs("decided by: every reading passes\n", out);
}

static void print_headers(FILE *out, const struct oa_response *r, const char *prefix)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strncasecmp(r->headers[i].name, prefix, strlen(prefix)) == 0)
            fprintf(out, "    %s: %s\n", r->headers[i].name, r->headers[i].value);
}

static void print_answer(FILE *out, const char *who, const struct oa_response *r,
                         const char *prefix)
{
    fprintf(out, "%s: %d %s\n", who, r->status, oa_status_reason(r->status));
    if (r->status == 200)
        print_headers(out, r, prefix);
    else
        print_headers(out, r, "Location");
}

static const char *decision_name(enum oa_decision d)
{
    switch (d) {
    case OA_DECISION_ALLOW: return "allow";
    case OA_DECISION_SIGN_IN: return "sign in (no session, a page load)";
    case OA_DECISION_UNAUTH: return "not signed in (401)";
    case OA_DECISION_FORBIDDEN: return "forbidden (403)";
    case OA_DECISION_REFRESH: return "refresh the session first";
    }
    return "?";
}

/* The first rule for the strict reading, as the decision matches it. */
static void print_strict(FILE *out, const struct oa_config *cfg, const struct oa_request *req)
{
    static char path[EX_URI_MAX], norm[EX_URI_MAX];
    struct oa_access_req q;
    size_t n = strcspn(req->request_uri, "?#");

    memcpy(path, req->request_uri, n);
    path[n] = '\0';
    oa_access_req_init(&q, req->method, req->host);
    if (oa_path_normalize(norm, sizeof(norm), path) != OA_OK) {
        fprintf(out, "path: %s does not normalise (a bad escape, a control byte): refused\n", path);
        return;
    }
    fprintf(out, "path: %s (strict reading)\nrule: ", norm);
    print_rule(out, cfg, oa_access_match_req(cfg, &q, norm, false));
    fputc('\n', out);
}

int oa_explain(const struct oa_config *cfg, const char *method, const char *url,
               const struct oa_explain_who *who, FILE *out)
{
    static struct ex_target t;
    static char cookie[EX_COOKIE_MAX];
    static struct oa_authz_trace trace;
    static struct oa_session_buf sb;
    struct oa_request req = {0};
    struct oa_identity id;
    enum oa_decision d;

    if (!method_ok(method)) {
        fprintf(stderr, "oauth2-fcgi: --explain: '%s' is not a request method\n", method);
        return 2;
    }
    if (!parse_target(&t, cfg, url))
        return 2;
    if (who->email && who->provider &&
        !oa_config_provider(cfg, who->provider, strlen(who->provider))) {
        fprintf(stderr, "oauth2-fcgi: --explain: provider '%s' is not configured\n", who->provider);
        return 2;
    }
    req.role = OA_ROLE_AUTHORIZER;
    req.method = method;
    req.request_uri = t.uri;
    req.host = t.host[0] ? t.host : NULL;
    req.https = t.https ? "on" : NULL;
    req.now = (int64_t)time(NULL);
    /* a browser's page load: the answer without a session is the redirect */
    req.accept = "text/html,application/xhtml+xml";
    req.sec_fetch_mode = "navigate";
    req.sec_fetch_dest = "document";
    if (who->email && !mint(cookie, sizeof(cookie), cfg, &req, who)) {
        fprintf(stderr, "oauth2-fcgi: --explain: cannot seal a session for %s\n", who->email);
        return 1;
    }
    req.cookie = who->email ? cookie : NULL;

    fprintf(out, "request: %s %s%s%s%s\n", method,
            t.host[0] ? (t.https ? "https://" : "http://") : "", t.host, t.uri,
            t.host[0] ? "" : " (no Host)");
    if (who->email)
        fprintf(out, "as: %s (provider %s, groups %s), a session sealed with the config's key\n",
                who->email, who->provider ? who->provider : cfg->providers[0].name,
                who->groups && *who->groups ? who->groups : "none");
    if (who->email)
        print_mapped(out, cfg, who);
    else
        fputs("as: nobody (no session cookie)\n", out);
    print_strict(out, cfg, &req);

    oa_authorize_trace(&trace);
    d = oa_authorize(&id, &sb, cfg, &req);
    oa_authorize_trace(NULL);
    fprintf(out, "decision: %s\n", decision_name(d));
    print_trace(out, cfg, &trace);

    oa_response_init(&resp);
    (void)oa_authorizer_answer(cfg, &req, &resp);
    print_answer(out, "lighttpd/Apache authorizer, page load", &resp, "Variable-");
    oa_response_free(&resp);
    req.accept = "application/json";
    req.sec_fetch_mode = "cors";
    req.sec_fetch_dest = "empty";
    oa_response_init(&resp);
    (void)oa_authorizer_answer(cfg, &req, &resp);
    print_answer(out, "lighttpd/Apache authorizer, API call", &resp, "Variable-");
    oa_response_free(&resp);
    req.role = OA_ROLE_RESPONDER;
    oa_response_init(&resp);
    (void)oa_endpoint_auth(&resp, cfg, &req);
    print_answer(out, "nginx auth_request (<base_path>/auth)", &resp, "X-Auth-Request-");
    if (resp.status == 401)
        fputs("    (nginx's error_page 401 then sends a page load to sign in)\n", out);
    oa_response_free(&resp);
    return fflush(out) == 0 ? 0 : 1;
}
