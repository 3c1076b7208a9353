/*
 * core_fixture.c - the cfx_* part of the unit tests' fixture library
 * (declarations and what each helper gives: fixture.h): a hand-built
 * config (no YAML), session cookies minted with the real sealing code, and
 * the serialised answer as the web server sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixture.h"

#define CFX_POOL 256

static char *cfx_pool[CFX_POOL];
static size_t cfx_npool;

/* A writable copy kept until cfx_free(). */
char *cfx_str(const char *s)
{
    char *p = strdup(s);

    if (!p || cfx_npool == CFX_POOL)
        abort();
    cfx_pool[cfx_npool++] = p;
    return p;
}

/* A list from "a|b|c" ("" gives an empty list). */
struct oa_strlist cfx_list(const char *bars)
{
    struct oa_strlist l = {0};
    char *copy = cfx_str(bars), *p = copy;

    if (!*bars)
        return l;
    l.v = (char **)calloc(16, sizeof(char *));
    if (!l.v || cfx_npool == CFX_POOL)
        abort();
    cfx_pool[cfx_npool++] = (char *)l.v;
    while (p && l.n < 16) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = '\0';
        l.v[l.n++] = p;
        p = bar ? bar + 1 : NULL;
    }
    return l;
}

void cfx_free(void)
{
    while (cfx_npool)
        free(cfx_pool[--cfx_npool]);
}

struct oa_provider cfx_providers[3];
static struct oa_access_rule cfx_rules[16];

/* The config: nprov providers of github, corp, huggingface; base_path
 * /oauth; public_url https://app.example.com; Secure cookies; one fixed key;
 * no rules (add them with cfx_rule). */
void cfx_config(struct oa_config *cfg, size_t nprov)
{
    unsigned char key[OA_KEY_BYTES];

    memset(cfg, 0, sizeof(*cfg));
    memset(cfx_providers, 0, sizeof(cfx_providers));
    memset(cfx_rules, 0, sizeof(cfx_rules));
    if (oa_crypto_init() != OA_OK)
        abort();
    memset(key, 0x42, sizeof(key));
    if (oa_keyring_add(&cfg->keys, key) != OA_OK)
        abort();
    cfx_providers[0].name = cfx_str("github");
    cfx_providers[0].display_name = cfx_str("GitHub");
    cfx_providers[0].kind = OA_PROVIDER_GITHUB;
    cfx_providers[1].name = cfx_str("corp");
    cfx_providers[1].display_name = cfx_str("Corp SSO");
    cfx_providers[1].kind = OA_PROVIDER_OIDC;
    cfx_providers[2].name = cfx_str("huggingface");
    cfx_providers[2].display_name = cfx_str("Hugging Face");
    cfx_providers[2].kind = OA_PROVIDER_HUGGINGFACE;
    cfg->providers = cfx_providers;
    cfg->nproviders = nprov;
    cfg->base_path = cfx_str("/oauth");
    cfg->public_url = cfx_str("https://app.example.com");
    cfg->public_host = cfx_str("app.example.com");
    cfg->public_https = true;
    cfg->session.cookie_name = cfx_str("oauth2_fcgi");
    cfg->session.cookie_full = cfx_str("__Host-oauth2_fcgi");
    cfg->session.secure = true;
    cfg->session.lifetime = 3600;
    cfg->session.same_site = OA_SAME_SITE_LAX;
    cfg->access = cfx_rules;
    cfg->naccess = 0;
}

/* Adds a rule: lists as "a|b" ("" for none). */
void cfx_rule(struct oa_config *cfg, const char *path, const char *emails, const char *domains,
              const char *groups, const char *workspaces, const char *providers)
{
    struct oa_access_rule *r = &cfx_rules[cfg->naccess++];

    r->path = cfx_str(path);
    r->path_len = strlen(path);
    r->emails = cfx_list(emails);
    r->email_domains = cfx_list(domains);
    r->groups = cfx_list(groups);
    r->workspaces = cfx_list(workspaces);
    r->providers = cfx_list(providers);
}

struct oa_identity cfx_alice(void)
{
    struct oa_identity id = {.provider = "github",
                             .issuer = "https://github.com",
                             .subject = "42",
                             .username = "alice",
                             .email = "alice@example.com",
                             .name = "Alice <A>",
                             .groups = "ops,eng",
                             .workspaces = "argilla"};
    return id;
}

struct oa_response cfx_mint_resp;
char cfx_cookie_buf[4][OA_SESSION_CHUNKS_MAX * (OA_COOKIE_CHUNK_MAX + 64)];
static int cfx_cookie_i;

/* A Cookie header carrying a session for id issued at `at` (oa_session_
 * issue, its Set-Cookie parsed back), prefixed by `extra` ("" or "a=b; ").
 * Borrowed: valid for the next three calls. */
const char *cfx_cookie(const struct oa_config *cfg, const struct oa_identity *id, int64_t at,
                       const char *extra)
{
    struct oa_request req = {.method = "GET", .host = "app.example.com", .https = "on", .now = at};
    char *out = cfx_cookie_buf[cfx_cookie_i++ & 3];
    size_t i, len;

    oa_response_init(&cfx_mint_resp);
    if (oa_session_issue(&cfx_mint_resp, cfg, &req, id) != OA_OK)
        abort();
    len = (size_t)snprintf(out, sizeof(cfx_cookie_buf[0]), "%s", extra);
    for (i = 0; i < cfx_mint_resp.nheaders; i++) {
        const struct oa_header *h = &cfx_mint_resp.headers[i];
        size_t n = strcspn(h->value, ";");
        const char *eq = strchr(h->value, '=');
        if (strcasecmp(h->name, "Set-Cookie") != 0 || !eq || (size_t)(eq - h->value) + 1 >= n)
            continue; /* a deletion */
        if (len + n + 3 >= sizeof(cfx_cookie_buf[0]))
            abort();
        if (len && out[len - 1] != ' ') {
            memcpy(out + len, "; ", 2);
            len += 2;
        }
        memcpy(out + len, h->value, n);
        len += n;
        out[len] = '\0';
    }
    oa_response_free(&cfx_mint_resp);
    return out;
}

static int cfx_collect(void *ctx, const char *p, size_t n)
{
    return oa_buf_append(ctx, p, n) != OA_OK;
}

/* The serialised answer (new; oa_buf_free). */
struct oa_buf cfx_wire(const struct oa_response *r)
{
    struct oa_buf b = {0};

    if (oa_response_write(r, cfx_collect, &b) != OA_OK)
        abort();
    return b;
}

/* Number of headers named name. */
size_t cfx_count(const struct oa_response *r, const char *name)
{
    size_t i, n = 0;

    for (i = 0; i < r->nheaders; i++)
        n += strcasecmp(r->headers[i].name, name) == 0;
    return n;
}

int cfx_has(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}
