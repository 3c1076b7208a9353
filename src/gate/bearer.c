/*
 * bearer.c - the decision's side of bearer tokens (bearer.h, DESIGN.md
 * section 16.1): the token out of the Authorization header, its identity
 * from the cache or, on a miss, from the verifier the flows set, and the
 * RFC 6750 challenge of a refusal.
 *
 * Why a per-thread entry: a hit copies the cached entry into it and the
 * identity points there, so the decision allocates nothing and holds no
 * lock; a miss verifies into it (that path allocates: cjose, Jansson) and
 * then stores it in the cache.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oa/bearer.h"
#include "oa/buf.h"

static _Thread_local struct oa_bearer_entry tls_entry;
static _Atomic(oa_bearer_verify_fn) verifier;

void oa_bearer_set_verifier(oa_bearer_verify_fn fn)
{
    atomic_store_explicit(&verifier, fn, memory_order_release);
}

enum oa_err oa_bearer_entry_set(struct oa_bearer_entry *e, const char *const v[OA_BF_N])
{
    size_t at = 0;

    for (size_t i = 0; i < OA_BF_N; i++) {
        const char *s = v[i] ? v[i] : "";
        size_t n = strlen(s);
        if (n + 1 > sizeof(e->data) - at)
            return OA_ERR_TOO_LARGE;
        memcpy(e->data + at, s, n + 1);
        e->off[i] = (uint16_t)at;
        at += n + 1;
    }
    e->len = (uint32_t)at;
    return OA_OK;
}

void oa_bearer_entry_identity(struct oa_identity *id, const struct oa_bearer_entry *e)
{
    memset(id, 0, sizeof(*id));
    id->provider = e->data + e->off[OA_BF_PROVIDER];
    id->issuer = e->data + e->off[OA_BF_ISSUER];
    id->subject = e->data + e->off[OA_BF_SUBJECT];
    id->username = e->data + e->off[OA_BF_USERNAME];
    id->email = e->data + e->off[OA_BF_EMAIL];
    id->name = e->data + e->off[OA_BF_NAME];
    id->groups = e->data + e->off[OA_BF_GROUPS];
    id->workspaces = e->data + e->off[OA_BF_WORKSPACES];
    id->roles = e->data + e->off[OA_BF_ROLES];
    id->scopes = e->data + e->off[OA_BF_SCOPES];
    id->exp = e->exp;
    id->iat = e->iat;
    memcpy(id->sid, e->sid, sizeof(id->sid));
    id->refresh_at = e->exp; /* a token is never refreshed by us */
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool oa_bearer_token(const char *h, const char **token, size_t *len)
{
    size_t i = 0, n;

    *token = NULL;
    *len = 0;
    if (!h || strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\0'))
        return false;
    h += 6;
    while (*h == ' ')
        h++;
    while (b64token_char(h[i]))
        i++;
    if (i == 0)
        return true; /* a Bearer header, but no token in it: refused */
    while (h[i] == '=')
        i++; /* the padding is the token's too: "abc==" is not "abc" */
    n = i;
    while (h[i] == ' ' || h[i] == '\t')
        i++; /* trailing blanks a proxy may leave */
    if (h[i] != '\0')
        return true; /* something after the token: refused */
    *token = h;
    *len = n;
    return true;
}

bool oa_bearer_enabled(const struct oa_config *cfg)
{
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (cfg->providers[i].api_audiences.n)
            return true;
    return false;
}

enum oa_err oa_bearer_identify(struct oa_identity *id, const struct oa_config *cfg,
                               const char *token, size_t len, int64_t now, struct oa_error *err)
{
    unsigned char key[OA_BEARER_KEY_BYTES];
    oa_bearer_verify_fn fn = atomic_load_explicit(&verifier, memory_order_acquire);
    enum oa_err e;

    memset(id, 0, sizeof(*id));
    if (!token || len == 0)
        return oa_error_set(err, OA_ERR_BAD_INPUT, "bearer: malformed Authorization header");
    if (len > OA_BEARER_TOKEN_MAX)
        return oa_error_set(err, OA_ERR_TOO_LARGE, "bearer: token over %d bytes",
                            OA_BEARER_TOKEN_MAX);
    oa_bearer_cache_key(key, token, len, cfg->serial);
    if (oa_bearer_cache_get(&tls_entry, key, now)) {
        oa_bearer_entry_identity(id, &tls_entry);
        return OA_OK;
    }
    if (!fn)
        return oa_error_set(err, OA_ERR_INTERNAL, "bearer: no verifier");
    e = fn(&tls_entry, cfg, token, len, now, err);
    if (e != OA_OK)
        return e;
    memcpy(tls_entry.sid, key, sizeof(tls_entry.sid));
    oa_bearer_cache_put(key, &tls_entry);
    oa_bearer_entry_identity(id, &tls_entry);
    return OA_OK;
}

void oa_bearer_challenge(struct oa_response *r, int status, const struct oa_access_rule *rule)
{
    char v[1024];
    struct oa_buf b;

    if (status == 401) {
        if (oa_response_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"") != OA_OK)
            return; /* no room: the 401 stands without it */
        return;
    }
    oa_buf_init(&b, sizeof(v));
    oa_buf_puts(&b, "Bearer error=\"insufficient_scope\"");
    if (rule && rule->scopes.n) {
        oa_buf_puts(&b, ", scope=\"");
        for (size_t i = 0; i < rule->scopes.n; i++)
            oa_buf_printf(&b, "%s%s", i ? " " : "", rule->scopes.v[i]);
        oa_buf_puts(&b, "\"");
    }
    /* scope tokens hold no '"' nor '\' (config_check.c): nothing to escape */
    if (oa_buf_error(&b) == OA_OK)
        snprintf(v, sizeof(v), "%s", b.p);
    else
        snprintf(v, sizeof(v), "Bearer error=\"insufficient_scope\"");
    oa_buf_free(&b);
    if (oa_response_header(r, "WWW-Authenticate", v) != OA_OK)
        return; /* no room: the 403 stands without it */
}
