/*
 * identity_token.c - the signed identity for the application
 * (identity_token.h, DESIGN.md section 16.2): the claims written into a
 * fixed buffer (no allocation), signed with the first key of the key file
 * (sign_key.h), and a small per-thread cache so that the decision signs
 * once per session and audience every few minutes, not on every request.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "oa/b64url.h"
#include "oa/identity_token.h"
#include "oa/redirect.h"
#include "oa/sign_key.h"

#define CLAIMS_MAX 8192
#define AUD_MAX 256

/* A JSON text written into a fixed buffer; bad once anything did not fit. */
struct jw {
    char *p;
    size_t cap, len;
    bool bad;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (w->bad || n >= w->cap - w->len) {
        w->bad = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void jw_puts(struct jw *w, const char *s)
{
    jw_raw(w, s, strlen(s));
}

/* A JSON string of s[0, n): quotes, backslashes and control bytes escaped
 * (the session's strings are UTF-8 from the provider's JSON). */
static void jw_str(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;

    jw_raw(w, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jw_raw(w, s + run, i - run);
        if (c == '"' || c == '\\')
            jw_raw(w, (const char[]){'\\', (char)c}, 2);
        else
            jw_raw(w, esc, sizeof(esc));
        run = i + 1;
    }
    jw_raw(w, s + run, n - run);
    jw_raw(w, "\"", 1);
}

/* ,"name":"value" - left out when value is empty. */
static void jw_field(struct jw *w, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    jw_raw(w, ",\"", 2);
    jw_puts(w, name);
    jw_raw(w, "\":", 2);
    jw_str(w, value, strlen(value));
}

/* ,"name":["a","b"] of a comma-separated list (empty items skipped; an
 * item is never trimmed: " admin" is a group of its own, not admin, and
 * the rules compare names exactly); left out when empty unless always. */
static void jw_list(struct jw *w, const char *name, const char *list, bool always)
{
    const char *p = list ? list : "";
    bool first = true;

    if (!always && !*p)
        return;
    jw_raw(w, ",\"", 2);
    jw_puts(w, name);
    jw_raw(w, "\":[", 3);
    while (*p) {
        const char *end = p + strcspn(p, ","), *a = p, *z = end;
        if (a < z) {
            if (!first)
                jw_raw(w, ",", 1);
            jw_str(w, a, (size_t)(z - a));
            first = false;
        }
        p = *end ? end + 1 : end;
    }
    jw_raw(w, "]", 1);
}

static void jw_int(struct jw *w, const char *name, int64_t v)
{
    char num[48];
    int n = snprintf(num, sizeof(num), ",\"%s\":%lld", name, (long long)v);

    jw_raw(w, num, n > 0 ? (size_t)n : 0);
}

static void claims(struct jw *w, const struct oa_config *cfg, const struct oa_identity *id,
                   const char *aud, int64_t now, int64_t exp)
{
    unsigned char rnd[16];
    char jti[32];

    /* each token its own id (RFC 7519 4.1.7): two sessions of one user
     * never share a token, and an application may refuse a replay */
    randombytes_buf(rnd, sizeof(rnd));
    if (oa_b64url_encode(jti, sizeof(jti), rnd, sizeof(rnd)) != OA_OK)
        jti[0] = '\0';
    jw_puts(w, "{\"iss\":");
    jw_str(w, cfg->public_url, strlen(cfg->public_url));
    jw_field(w, "aud", aud);
    jw_field(w, "sub", id->subject);
    jw_field(w, "email", id->email);
    jw_field(w, "name", id->name);
    jw_field(w, "preferred_username", id->username);
    jw_list(w, "groups", id->groups, true);
    jw_list(w, "roles", id->roles, false);
    jw_list(w, "workspaces", id->workspaces, false);
    jw_field(w, "provider", id->provider);
    jw_field(w, "jti", jti);
    jw_int(w, "iat", now);
    jw_int(w, "exp", exp);
    jw_raw(w, "}", 1);
}

enum oa_err oa_identity_token_make(char *out, size_t cap, const struct oa_config *cfg,
                                   const struct oa_identity *id, const char *aud, int64_t now,
                                   int64_t *exp)
{
    static _Thread_local char body[CLAIMS_MAX];
    const struct oa_sign_keys *ks = cfg->identity_token.keys;
    struct jw w = {body, sizeof(body), 0, false};

    if (cap)
        out[0] = '\0';
    if (!ks || !ks->n || !cfg->public_url)
        return OA_ERR_CONFIG;
    *exp = now + cfg->identity_token.lifetime;
    if (id->exp > 0 && id->exp < *exp)
        *exp = id->exp; /* never outlives the session */
    claims(&w, cfg, id, aud, now, *exp);
    if (w.bad)
        return OA_ERR_TOO_LARGE;
    return oa_jws_sign(out, cap, &ks->k[0], ks->k[0].kid, "JWT", body, w.len);
}

/* One cached token and what it was made for. */
struct cached {
    const struct oa_config *cfg; /* with the kid: a reload with other keys misses */
    char kid[OA_SIGN_KID_LEN + 1];
    unsigned char sid[sizeof(((struct oa_identity *)0)->sid)];
    unsigned char user_key[sizeof(((struct oa_identity *)0)->user_key)];
    int64_t iat;   /* the session's: a refresh seals anew */
    int64_t until; /* handed out while now < until */
    char aud[AUD_MAX];
    char token[OA_IDTOKEN_MAX];
};

static _Thread_local struct {
    struct cached e[OA_IDTOKEN_CACHE];
    unsigned next; /* round robin: the oldest goes */
} cache;

void oa_identity_token_forget(void)
{
    memset(&cache, 0, sizeof(cache));
}

static bool same(const struct cached *c, const struct oa_config *cfg, const struct oa_identity *id,
                 const char *aud, const char *kid)
{
    return c->cfg == cfg && c->iat == id->iat && !memcmp(c->sid, id->sid, sizeof(c->sid)) &&
           !memcmp(c->user_key, id->user_key, sizeof(c->user_key)) && !strcmp(c->aud, aud) &&
           !strcmp(c->kid, kid);
}

/* The length of host's name: without its port; an IPv6 literal keeps its
 * brackets. */
static size_t host_name_len(const char *host)
{
    const char *end;

    if (host[0] == '[')
        end = strchr(host, ']') ? strchr(host, ']') + 1 : host + strlen(host);
    else
        end = strchr(host, ':') ? strchr(host, ':') : host + strlen(host);
    return (size_t)(end - host);
}

/* Is the request's host name (n bytes) one of the operator's own:
 * public_url's, or an exact entry of allowed_redirect_hosts (a
 * "*.example.com" entry is not: under it Host could name any application
 * of the domain)? The Host header is the client's to choose, and a token
 * minted for a name the operator never served (aud: another application
 * that trusts the same keys) would let a user carry it there. */
static bool own_host(const struct oa_config *cfg, const char *h, size_t n)
{
    const char *pub = cfg->public_host;

    if (pub && host_name_len(pub) == n && !strncasecmp(pub, h, n))
        return true;
    return oa_redirect_host_named(cfg, h, n);
}

/* The audience: the configured one, else the request's host name when it
 * is one of the operator's own (own_host), else public_url's, lower-case
 * and without its port (servers differ: nginx's fastcgi_params send Host
 * without the port, Apache and lighttpd with it; the application knows its
 * name, not the port a proxy listened on), into buf. NULL when too long. */
static const char *audience(char buf[AUD_MAX], const struct oa_config *cfg, const char *host)
{
    size_t i, n;

    if (cfg->identity_token.audience)
        return cfg->identity_token.audience;
    if (!host || !*host || !own_host(cfg, host, host_name_len(host)))
        host = cfg->public_host ? cfg->public_host : "";
    n = host_name_len(host);
    if (n + 1 > AUD_MAX)
        return NULL;
    for (i = 0; i < n; i++)
        buf[i] = (host[i] >= 'A' && host[i] <= 'Z') ? (char)(host[i] + 32) : host[i];
    buf[n] = '\0';
    return buf;
}

const char *oa_identity_token(const struct oa_config *cfg, const struct oa_identity *id,
                              const char *host, int64_t now)
{
    const struct oa_sign_keys *ks = cfg->identity_token.keys;
    char abuf[AUD_MAX];
    const char *aud, *kid;
    struct cached *c;
    int64_t exp, margin;
    size_t i;

    if (!ks || !ks->n || !id->provider || !*id->provider || !(aud = audience(abuf, cfg, host)))
        return NULL;
    kid = ks->k[0].kid;
    for (i = 0; i < OA_IDTOKEN_CACHE; i++) {
        c = &cache.e[i];
        if (now < c->until && same(c, cfg, id, aud, kid))
            return c->token;
    }
    c = &cache.e[cache.next++ % OA_IDTOKEN_CACHE];
    c->until = 0;
    if (oa_identity_token_make(c->token, sizeof(c->token), cfg, id, aud, now, &exp) != OA_OK)
        return NULL;
    c->cfg = cfg;
    memcpy(c->kid, kid, sizeof(c->kid));
    memcpy(c->sid, id->sid, sizeof(c->sid));
    memcpy(c->user_key, id->user_key, sizeof(c->user_key));
    c->iat = id->iat;
    snprintf(c->aud, sizeof(c->aud), "%s", aud);
    margin = (exp - now) / 2 < OA_IDTOKEN_MARGIN ? (exp - now) / 2 : OA_IDTOKEN_MARGIN;
    c->until = exp - margin;
    return c->token;
}
