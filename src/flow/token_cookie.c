/*
 * token_cookie.c - the sealed provider-token cookie (token_cookie.h,
 * DESIGN.md section 14.4).
 *
 * Payload (sealed with purpose "tokens"):
 *     version(1) | sid(16) | 4 strings, each length(2, big-endian) | bytes:
 *     provider, subject, refresh_token, access_token
 * The binding (sid, provider, subject) is compared with the session's on
 * every read, in constant time for the sid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/cookie.h"
#include "oa/crypto.h"
#include "oa/pages.h"
#include "oa/seal.h"
#include "oa/token_cookie.h"

#define TOK_VERSION 1
#define TOK_PURPOSE "tokens"
#define TOK_NSTR 4
#define TOK_PLAIN_MAX 3000 /* over OA_TOKEN_COOKIE_MAX once sealed: checked by length */
#define TOK_PATH_MAX 512

static const char *cookie_base(const struct oa_config *cfg)
{
    return cfg->session.cookie_name ? cfg->session.cookie_name : "oauth2_fcgi";
}

enum oa_err oa_token_cookie_name(char *out, size_t cap, const struct oa_config *cfg)
{
    int n =
        snprintf(out, cap, "%s%s_tok", cfg->session.secure ? "__Secure-" : "", cookie_base(cfg));

    return (n < 0 || (size_t)n >= cap) ? OA_ERR_TOO_LARGE : OA_OK;
}

/* Path=<base_path>/: the application's paths never see it. */
static void attrs(struct oa_cookie_attrs *a, char *path, size_t cap, const struct oa_config *cfg,
                  int64_t max_age)
{
    memset(a, 0, sizeof(*a));
    snprintf(path, cap, "%s/", oa_base_path(cfg));
    a->path = path;
    a->max_age = max_age;
    a->http_only = true;
    a->secure = cfg->session.secure;
    a->same_site = "Lax";
}

static size_t put_str(unsigned char *p, size_t at, size_t cap, const char *s)
{
    size_t l = s ? strlen(s) : 0;

    if (at == 0 || l > 0xffff || l + 2 > cap - at)
        return 0;
    p[at] = (unsigned char)(l >> 8);
    p[at + 1] = (unsigned char)(l & 0xff);
    if (l)
        memcpy(p + at + 2, s, l);
    return at + 2 + l;
}

/* Encodes; 0 when over cap. */
static size_t encode(unsigned char *p, size_t cap, const struct oa_identity *id, const char *rt,
                     const char *at)
{
    const char *s[TOK_NSTR] = {id->provider, id->subject, rt, at};
    size_t n = 1 + sizeof(id->sid), i;

    if (cap < n)
        return 0;
    p[0] = TOK_VERSION;
    memcpy(p + 1, id->sid, sizeof(id->sid));
    for (i = 0; i < TOK_NSTR && n; i++)
        n = put_str(p, n, cap, s[i]);
    return n;
}

enum oa_err oa_token_cookie_set(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_identity *id, const char *refresh_token,
                                const char *access_token)
{
    unsigned char plain[TOK_PLAIN_MAX];
    char sealed[OA_TOKEN_COOKIE_MAX + 1], name[OA_TOKEN_COOKIE_NAME_MAX], path[TOK_PATH_MAX];
    struct oa_cookie_attrs a;
    size_t plen, slen = 0;
    enum oa_err e;

    if ((!refresh_token || !*refresh_token) && (!access_token || !*access_token))
        return OA_ERR_BAD_INPUT;
    /* Path=/ would hand it to the application with every request */
    if (!*oa_base_path(cfg))
        return OA_ERR_DENIED;
    e = oa_token_cookie_name(name, sizeof(name), cfg);
    if (e != OA_OK)
        return e;
    plen = encode(plain, sizeof(plain), id, refresh_token, access_token);
    if (!plen || oa_sealed_len(plen) > OA_TOKEN_COOKIE_MAX)
        e = OA_ERR_TOO_LARGE;
    if (e == OA_OK)
        e = oa_seal(sealed, sizeof(sealed), &slen, plain, plen, TOK_PURPOSE, &cfg->keys);
    oa_wipe(plain, sizeof(plain));
    if (e == OA_OK) {
        attrs(&a, path, sizeof(path), cfg, cfg->session.lifetime);
        e = oa_cookie_set(r, name, sealed, slen, &a);
    }
    oa_wipe(sealed, sizeof(sealed)); /* a bearer credential */
    return e;
}

/* The next string at *at as a pointer and length; false when malformed. */
static bool get_str(const unsigned char *p, size_t len, size_t *at, const unsigned char **s,
                    size_t *l)
{
    if (len - *at < 2)
        return false;
    *l = (size_t)p[*at] << 8 | p[*at + 1];
    if (len - *at - 2 < *l)
        return false;
    *s = p + *at + 2;
    *at += 2 + *l;
    return true;
}

static bool same_str(const unsigned char *s, size_t l, const char *want)
{
    return want && strlen(want) == l && (l == 0 || memcmp(s, want, l) == 0);
}

static char *dup_or_null(const unsigned char *s, size_t l)
{
    return l ? strndup((const char *)s, l) : NULL;
}

static enum oa_err decode(struct oa_token_cookie *tc, const unsigned char *p, size_t len,
                          const struct oa_identity *id)
{
    const unsigned char *s[TOK_NSTR];
    size_t l[TOK_NSTR], at = 1 + sizeof(id->sid), i;

    if (len < at || p[0] != TOK_VERSION)
        return OA_ERR_CRYPTO;
    for (i = 0; i < TOK_NSTR; i++)
        if (!get_str(p, len, &at, &s[i], &l[i]))
            return OA_ERR_CRYPTO;
    if (at != len || memchr(s[2], '\0', l[2]) || memchr(s[3], '\0', l[3]))
        return OA_ERR_CRYPTO;
    if (!oa_memeq_ct(p + 1, id->sid, sizeof(id->sid)) || !same_str(s[0], l[0], id->provider) ||
        !same_str(s[1], l[1], id->subject))
        return OA_ERR_DENIED;
    tc->refresh_token = dup_or_null(s[2], l[2]);
    tc->access_token = dup_or_null(s[3], l[3]);
    if ((l[2] && !tc->refresh_token) || (l[3] && !tc->access_token)) {
        oa_token_cookie_free(tc);
        return OA_ERR_NOMEM;
    }
    return OA_OK;
}

enum oa_err oa_token_cookie_read(struct oa_token_cookie *tc, const struct oa_config *cfg,
                                 const char *cookie_header, const struct oa_identity *id)
{
    unsigned char plain[OA_TOKEN_COOKIE_MAX];
    char name[OA_TOKEN_COOKIE_NAME_MAX];
    const char *val;
    size_t vlen, plen;
    enum oa_err e;

    memset(tc, 0, sizeof(*tc));
    if (oa_token_cookie_name(name, sizeof(name), cfg) != OA_OK ||
        !oa_cookie_find(cookie_header, name, &val, &vlen))
        return OA_ERR_NOT_FOUND;
    if (vlen > OA_TOKEN_COOKIE_MAX ||
        oa_open(plain, sizeof(plain), &plen, val, vlen, TOK_PURPOSE, &cfg->keys) != OA_OK)
        return OA_ERR_CRYPTO;
    e = decode(tc, plain, plen, id);
    oa_wipe(plain, sizeof(plain));
    return e;
}

void oa_token_cookie_free(struct oa_token_cookie *tc)
{
    if (tc->refresh_token)
        oa_wipe(tc->refresh_token, strlen(tc->refresh_token));
    if (tc->access_token)
        oa_wipe(tc->access_token, strlen(tc->access_token));
    free(tc->refresh_token);
    free(tc->access_token);
    tc->refresh_token = tc->access_token = NULL;
}

enum oa_err oa_token_cookie_clear(struct oa_response *r, const struct oa_config *cfg)
{
    char name[OA_TOKEN_COOKIE_NAME_MAX], path[TOK_PATH_MAX];
    struct oa_cookie_attrs a;
    enum oa_err e = oa_token_cookie_name(name, sizeof(name), cfg);

    if (e != OA_OK)
        return e;
    attrs(&a, path, sizeof(path), cfg, 0);
    return oa_cookie_set(r, name, "", 0, &a);
}

bool oa_token_cookie_present(const struct oa_config *cfg, const char *cookie_header)
{
    char name[OA_TOKEN_COOKIE_NAME_MAX];
    const char *val;
    size_t vlen;

    return oa_token_cookie_name(name, sizeof(name), cfg) == OA_OK &&
           oa_cookie_find(cookie_header, name, &val, &vlen);
}
