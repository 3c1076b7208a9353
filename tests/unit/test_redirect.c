/* test_redirect.c - replays the case files in tests/cases/redirect through the one
 * return-target validator, one TAP line per case.
 *
 * Case file format (see tests/cases/redirect/README):
 *   # comment
 *   @public_url URL            the fixture (directives reset per file)
 *   @allowed_redirect_hosts H1 H2 ...
 *   @host HOST[:PORT]          the request's Host header
 *   @https on                  the request came over TLS
 *   @allow_http_redirect true
 *   @decode true               percent-decode each target once ('+' is a
 *                              space) before validating; a decode failure
 *                              counts as refused
 *   ok<TAB>target   /  bad<TAB>target          target taken byte for byte
 *   okx<TAB>target  /  badx<TAB>target         target with \t \r \n \v \f
 *                                              \\ \xHH escapes
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/config.h"
#include "oa/redirect.h"
#include "oa/request.h"
#include "oa/url.h"
#include "tap.h"

#define MAX_HOSTS 16
#define MAX_FILES 64

struct fixture {
    struct oa_config cfg;
    struct oa_request req;
    char *hosts[MAX_HOSTS];
    char public_url[256], public_host[256], host[256];
    bool decode;
};

static void fixture_reset(struct fixture *f)
{
    for (size_t i = 0; i < f->cfg.allowed_redirect_hosts.n; i++)
        free(f->hosts[i]);
    memset(f, 0, sizeof(*f));
    f->cfg.allowed_redirect_hosts.v = f->hosts;
}

/* public_host: host[:port] of the URL, lower-case, as the config loader does. */
static void set_public_url(struct fixture *f, const char *url)
{
    const char *h = strstr(url, "://");
    size_t n;

    snprintf(f->public_url, sizeof(f->public_url), "%s", url);
    f->cfg.public_url = f->public_url;
    f->cfg.public_https = strncasecmp(url, "https:", 6) == 0;
    h = h ? h + 3 : url;
    n = strcspn(h, "/");
    if (n >= sizeof(f->public_host))
        n = sizeof(f->public_host) - 1;
    for (size_t i = 0; i < n; i++)
        f->public_host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
    f->public_host[n] = '\0';
    f->cfg.public_host = f->public_host;
}

static void set_hosts(struct fixture *f, char *list)
{
    for (char *h = strtok_r(list, " ", &list); h; h = strtok_r(NULL, " ", &list))
        if (f->cfg.allowed_redirect_hosts.n < MAX_HOSTS)
            f->hosts[f->cfg.allowed_redirect_hosts.n++] = strdup(h);
}

static void directive(struct fixture *f, char *line, const char *file, unsigned lineno)
{
    char *val = strchr(line, ' ');

    if (val)
        *val++ = '\0';
    else
        val = line + strlen(line);
    if (strcmp(line, "@public_url") == 0) {
        set_public_url(f, val);
    } else if (strcmp(line, "@allowed_redirect_hosts") == 0) {
        set_hosts(f, val);
    } else if (strcmp(line, "@host") == 0) {
        snprintf(f->host, sizeof(f->host), "%s", val);
        f->req.host = f->host;
    } else if (strcmp(line, "@https") == 0) {
        f->req.https = strcmp(val, "on") == 0 ? "on" : NULL;
    } else if (strcmp(line, "@allow_http_redirect") == 0) {
        f->cfg.allow_http_redirect = strcmp(val, "true") == 0;
    } else if (strcmp(line, "@decode") == 0) {
        f->decode = strcmp(val, "true") == 0;
    } else {
        ok(0, "%s:%u: unknown directive %s", file, lineno, line);
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Expands \t \r \n \v \f \\ \xHH in place. */
static void unescape(char *s)
{
    char *w = s;

    while (*s) {
        if (*s != '\\' || !s[1]) {
            *w++ = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case 'n': *w++ = '\n'; break;
        case 'v': *w++ = '\v'; break;
        case 'f': *w++ = '\f'; break;
        case 'x':
            if (hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
                *w++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
                s += 2;
            }
            break;
        default: *w++ = *s; break;
        }
        s++;
    }
    *w = '\0';
}

/* Printable form of a target for the TAP line (no control bytes). */
static void show(char *out, size_t cap, const char *s)
{
    size_t w = 0;

    for (; *s && w + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7f || c == '#')
            w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
        else
            out[w++] = (char)c;
    }
    out[w] = '\0';
}

static void run_case(const struct fixture *f, const char *file, unsigned lineno, char *line)
{
    char *tab = strchr(line, '\t'), *target, *decoded = NULL, shown[600];
    bool want, escaped, got;
    const char *res;

    if (!tab) {
        ok(0, "%s:%u: no TAB in case line", file, lineno);
        return;
    }
    *tab = '\0';
    target = tab + 1;
    want = strncmp(line, "ok", 2) == 0;
    escaped = line[want ? 2 : 3] == 'x';
    if (!want && strncmp(line, "bad", 3) != 0) {
        ok(0, "%s:%u: verdict must be ok or bad", file, lineno);
        return;
    }
    if (escaped)
        unescape(target);
    show(shown, sizeof(shown), target);
    if (f->decode && oa_url_decode(&decoded, NULL, target, strlen(target), 1) != OA_OK) {
        ok(!want, "%s:%u: %s '%s' (query decoding refuses it)", file, lineno, line, shown);
        return;
    }
    if (decoded)
        target = decoded;
    got = oa_redirect_ok(&f->cfg, &f->req, target);
    res = oa_redirect_or_default(&f->cfg, &f->req, target);
    /* the authorizer's check (no libcurl) must give the same verdict */
    ok(got == want && (want ? res == target : strcmp(res, "/") == 0) &&
           oa_redirect_passable(&f->cfg, &f->req, target) == got,
       "%s:%u: %s '%s'", file, lineno, line, shown);
    free(decoded);
}

static void run_file(const char *dir, const char *name)
{
    char path[2048], *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    struct fixture f = {0};
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "r");
    if (!fp) {
        ok(0, "open %s", path);
        return;
    }
    fixture_reset(&f);
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (line[0] == '@')
            directive(&f, line, name, lineno);
        else
            run_case(&f, name, lineno, line);
    }
    free(line);
    fclose(fp);
    fixture_reset(&f);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A few checks that need no case file: NULL arguments. */
static void test_null_args(void)
{
    struct oa_config cfg = {0};

    ok(!oa_redirect_ok(NULL, NULL, NULL), "NULL target refused");
    ok(oa_redirect_ok(NULL, NULL, "/x"), "a path needs no config");
    ok(!oa_redirect_ok(NULL, NULL, "https://a.example.com/"), "no config: no absolute URL");
    ok(!oa_redirect_ok(&cfg, NULL, "https://a.example.com/"), "no own host: no absolute URL");
    is_str(oa_redirect_or_default(NULL, NULL, NULL), "/", "NULL target gives /");
}

/* libcurl's second opinion: the byte rules take "0x7f.1" for a host name,
 * libcurl (a browser too) for the address 127.0.0.1. The hosts differ, so
 * oa_redirect_ok() refuses; oa_redirect_passable() has no second opinion
 * and lets it through to the sign-in endpoints, which check it in full. */
static void test_second_opinion(void)
{
    struct oa_config cfg = {0};
    struct oa_request req = {0};

    req.host = "0x7f.1";
    req.https = "on";
    ok(oa_redirect_ok(&cfg, &req, "https://app.example.com/") == false &&
           oa_redirect_ok(&cfg, &req, "/x"),
       "own host 0x7f.1: a path passes, another host does not");
    ok(!oa_redirect_ok(&cfg, &req, "https://0x7f.1/x"),
       "https://0x7f.1/ refused: libcurl reads the host as 127.0.0.1 (parsers disagree)");
    ok(oa_redirect_passable(&cfg, &req, "https://0x7f.1/x"),
       "... while the authorizer's check, without libcurl, passes it on");
    is_str(oa_redirect_or_default(&cfg, &req, "https://0x7f.1/x"), "/", "... and it becomes /");
    req.host = "app.example.com";
    ok(oa_redirect_ok(&cfg, &req, "https://app.example.com/x"),
       "the same check with a plain own host passes (the second opinion agrees)");
}

/* The length cap: a target of up to 8192 bytes is looked at, a longer one
 * refused whatever it holds. */
static void test_length_cap(void)
{
    static char t[8194];

    memset(t, 'a', sizeof(t) - 1);
    t[0] = '/';
    t[8192] = '\0';
    ok(oa_redirect_ok(NULL, NULL, t) && oa_redirect_passable(NULL, NULL, t),
       "a path of 8192 bytes accepted");
    t[8192] = 'a';
    t[8193] = '\0';
    ok(!oa_redirect_ok(NULL, NULL, t) && !oa_redirect_passable(NULL, NULL, t),
       "a path of 8193 bytes refused");
    is_str(oa_redirect_or_default(NULL, NULL, t), "/", "... and becomes /");
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char dir[1024], *names[MAX_FILES];
    size_t nnames = 0;
    struct dirent *de;
    DIR *d;

    test_null_args();
    test_length_cap();
    test_second_opinion();
    snprintf(dir, sizeof(dir), "%s/tests/cases/redirect", top ? top : ".");
    d = opendir(dir);
    if (!d) {
        ok(0, "open %s", dir);
        return tap_done();
    }
    while ((de = readdir(d)) != NULL && nnames < MAX_FILES) {
        size_t len = strlen(de->d_name);

        if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
            names[nnames++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nnames, sizeof(names[0]), cmp_names);
    ok(nnames >= 3, "found %zu case files in %s", nnames, dir);
    for (size_t i = 0; i < nnames; i++) {
        run_file(dir, names[i]);
        free(names[i]);
    }
    return tap_done();
}
