/*
 * session.c - the session payload and the sealed session cookie.
 *
 * Payload (sealed with purpose "session"):
 *     version(1) | iat(8, big-endian) | exp(8, big-endian)
 *     then 8 strings, each length(2, big-endian) | bytes (no NUL inside):
 *     provider, issuer, subject, username, email, name, groups, workspaces
 * Decoding moves each string two bytes back over its own length field and
 * NUL-terminates it there, so the identity points into the caller's buffer
 * and reading a session (every request) allocates nothing.
 *
 * The cookie is cfg->session.cookie_full, or, when the sealed text is over
 * OA_COOKIE_CHUNK_MAX, chunks NAME_0..NAME_k (at most
 * OA_SESSION_CHUNKS_MAX; the reader looks no further, whatever is sent).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "oa/cookie.h"
#include "oa/crypto.h"
#include "oa/seal.h"
#include "oa/session.h"

#define SESSION_VERSION 1
#define SESSION_NSTR 8
#define SESSION_FIXED 17     /* version + iat + exp */
#define SESSION_SKEW 60      /* seconds an iat may be ahead of our clock */
#define SESSION_NAME_MAX 256 /* cookie name plus "_N" */
static const char PURPOSE[] = "session";

static void put_be64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)(u & 0xff);
}

static int64_t get_be64(const unsigned char *p)
{
    uint64_t u = 0;
    int i;

    for (i = 0; i < 8; i++)
        u = u << 8 | p[i];
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* The identity's strings in payload order, NULL read as "". */
static void strings_of(const struct oa_identity *id, const char *s[SESSION_NSTR])
{
    s[0] = id->provider;
    s[1] = id->issuer;
    s[2] = id->subject;
    s[3] = id->username;
    s[4] = id->email;
    s[5] = id->name;
    s[6] = id->groups;
    s[7] = id->workspaces;
}

enum oa_err oa_session_encode(unsigned char *plain, size_t cap, size_t *len,
                              const struct oa_identity *id)
{
    const char *s[SESSION_NSTR];
    size_t n = SESSION_FIXED, i;

    *len = 0;
    if (cap < SESSION_FIXED)
        return OA_ERR_TOO_LARGE;
    plain[0] = SESSION_VERSION;
    put_be64(plain + 1, id->iat);
    put_be64(plain + 9, id->exp);
    strings_of(id, s);
    for (i = 0; i < SESSION_NSTR; i++) {
        size_t l = s[i] ? strlen(s[i]) : 0;
        if (l > 0xffff || l + 2 > cap - n)
            return OA_ERR_TOO_LARGE;
        plain[n] = (unsigned char)(l >> 8);
        plain[n + 1] = (unsigned char)(l & 0xff);
        if (l)
            memcpy(plain + n + 2, s[i], l);
        n += 2 + l;
    }
    *len = n;
    return OA_OK;
}

/* Every length is checked against what is left before any byte is read. */
enum oa_err oa_session_decode(struct oa_identity *id, unsigned char *plain, size_t len)
{
    const char *s[SESSION_NSTR];
    size_t n = SESSION_FIXED, i;

    memset(id, 0, sizeof(*id));
    if (len < SESSION_FIXED || plain[0] != SESSION_VERSION)
        return OA_ERR_BAD_INPUT;
    id->iat = get_be64(plain + 1);
    id->exp = get_be64(plain + 9);
    for (i = 0; i < SESSION_NSTR; i++) {
        size_t l;
        if (len - n < 2)
            return OA_ERR_BAD_INPUT;
        l = (size_t)plain[n] << 8 | plain[n + 1];
        if (l > len - n - 2 || memchr(plain + n + 2, '\0', l))
            return OA_ERR_BAD_INPUT;
        memmove(plain + n, plain + n + 2, l);
        plain[n + l] = '\0';
        s[i] = (const char *)plain + n;
        n += 2 + l;
    }
    if (n != len)
        return OA_ERR_BAD_INPUT;
    id->provider = s[0];
    id->issuer = s[1];
    id->subject = s[2];
    id->username = s[3];
    id->email = s[4];
    id->name = s[5];
    id->groups = s[6];
    id->workspaces = s[7];
    return OA_OK;
}

/* "NAME_i" into buf; -1 when it does not fit. */
static int chunk_name(char *buf, size_t cap, const char *base, size_t i)
{
    int w = snprintf(buf, cap, "%s_%zu", base, i);

    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* Copies the session's sealed text into sb->sealed: the single cookie, or
 * chunks _0, _1, ... until the first missing one (at most
 * OA_SESSION_CHUNKS_MAX lookups, each linear in the header). */
static enum oa_err gather(struct oa_session_buf *sb, size_t *n, const char *base,
                          const char *header)
{
    char name[SESSION_NAME_MAX];
    const char *v;
    size_t vlen, i;

    *n = 0;
    if (oa_cookie_find(header, base, &v, &vlen)) {
        if (vlen >= sizeof(sb->sealed))
            return OA_ERR_CRYPTO;
        memcpy(sb->sealed, v, vlen);
        *n = vlen;
        sb->sealed[vlen] = '\0';
        return OA_OK;
    }
    for (i = 0; i < OA_SESSION_CHUNKS_MAX; i++) {
        if (chunk_name(name, sizeof(name), base, i) != 0)
            return OA_ERR_NOT_FOUND;
        if (!oa_cookie_find(header, name, &v, &vlen))
            break;
        if (vlen > OA_COOKIE_CHUNK_MAX || vlen >= sizeof(sb->sealed) - *n)
            return OA_ERR_CRYPTO;
        memcpy(sb->sealed + *n, v, vlen);
        *n += vlen;
    }
    sb->sealed[*n] = '\0';
    return i == 0 ? OA_ERR_NOT_FOUND : OA_OK;
}

/* iat too far ahead (clock skew), exp passed, or issued before not_before. */
static bool times_ok(const struct oa_identity *id, const struct oa_config *cfg, int64_t now)
{
    if (id->exp <= now)
        return false;
    if (now <= INT64_MAX - SESSION_SKEW && id->iat > now + SESSION_SKEW)
        return false;
    if (cfg->session.not_before && id->iat < cfg->session.not_before)
        return false;
    return true;
}

/* A session vouches for a user only as long as the provider that vouched is
 * still trusted: one sealed for a provider taken out of the config (a
 * compromised or retired IdP, a rename) is refused, not kept for its
 * lifetime. A name compare per provider, no allocation (the hot path). */
static bool provider_configured(const struct oa_config *cfg, const char *name)
{
    return name && *name && oa_config_provider(cfg, name, strlen(name)) != NULL;
}

/* id points into sb (borrowed). Errors as in session.h. */
enum oa_err oa_session_read(struct oa_identity *id, struct oa_session_buf *sb,
                            const struct oa_config *cfg, const char *cookie_header, int64_t now)
{
    size_t n = 0, plen = 0;
    enum oa_err e;

    memset(id, 0, sizeof(*id));
    if (!cookie_header || !cfg->session.cookie_full)
        return OA_ERR_NOT_FOUND;
    e = gather(sb, &n, cfg->session.cookie_full, cookie_header);
    if (e != OA_OK)
        return e;
    sb->plain_len = 0;
    if (oa_open(sb->plain, sizeof(sb->plain), &plen, sb->sealed, n, PURPOSE, &cfg->keys) != OA_OK)
        return OA_ERR_CRYPTO;
    sb->plain_len = plen;
    if (oa_session_decode(id, sb->plain, plen) != OA_OK) {
        memset(id, 0, sizeof(*id));
        return OA_ERR_BAD_INPUT;
    }
    if (!times_ok(id, cfg, now))
        return OA_ERR_EXPIRED;
    if (!provider_configured(cfg, id->provider))
        return OA_ERR_DENIED;
    return OA_OK;
}

static const char *same_site_name(enum oa_same_site s)
{
    switch (s) {
    case OA_SAME_SITE_STRICT: return "Strict";
    case OA_SAME_SITE_NONE: return "None";
    case OA_SAME_SITE_LAX: break;
    }
    return "Lax";
}

static struct oa_cookie_attrs attrs_of(const struct oa_config *cfg, int64_t max_age)
{
    struct oa_cookie_attrs a = {"/", max_age, cfg->session.secure, true,
                                same_site_name(cfg->session.same_site)};
    return a;
}

static enum oa_err delete_cookie(struct oa_response *r, const struct oa_config *cfg,
                                 const char *name)
{
    struct oa_cookie_attrs a = attrs_of(cfg, 0);

    return oa_cookie_set(r, name, "", 0, &a);
}

/* Deletes the cookies the request carries that the new value does not use:
 * the single cookie when chunked (nchunks > 0), chunks from nchunks on. */
static enum oa_err delete_stale(struct oa_response *r, const struct oa_config *cfg,
                                const char *header, size_t nchunks)
{
    const char *base = cfg->session.cookie_full, *v;
    char name[SESSION_NAME_MAX];
    size_t vlen, i;
    enum oa_err e;

    if (nchunks && oa_cookie_find(header, base, &v, &vlen) &&
        (e = delete_cookie(r, cfg, base)) != OA_OK)
        return e;
    for (i = nchunks; i < OA_SESSION_CHUNKS_MAX; i++) {
        if (chunk_name(name, sizeof(name), base, i) != 0)
            return OA_ERR_BAD_INPUT;
        if (oa_cookie_find(header, name, &v, &vlen) && (e = delete_cookie(r, cfg, name)) != OA_OK)
            return e;
    }
    return OA_OK;
}

/* Writes the sealed text as one cookie or as chunks; sets *nchunks (0 for
 * a single cookie). */
static enum oa_err set_value(struct oa_response *r, const struct oa_config *cfg, const char *sealed,
                             size_t n, size_t *nchunks)
{
    struct oa_cookie_attrs a = attrs_of(cfg, cfg->session.lifetime);
    char name[SESSION_NAME_MAX];
    size_t i, off;
    enum oa_err e;

    *nchunks = 0;
    if (n <= OA_COOKIE_CHUNK_MAX)
        return oa_cookie_set(r, cfg->session.cookie_full, sealed, n, &a);
    if (n > OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX)
        return OA_ERR_TOO_LARGE;
    for (i = 0, off = 0; off < n; i++, off += OA_COOKIE_CHUNK_MAX) {
        size_t take = n - off < OA_COOKIE_CHUNK_MAX ? n - off : OA_COOKIE_CHUNK_MAX;
        if (chunk_name(name, sizeof(name), cfg->session.cookie_full, i) != 0)
            return OA_ERR_BAD_INPUT;
        e = oa_cookie_set(r, name, sealed + off, take, &a);
        if (e != OA_OK)
            return e;
    }
    *nchunks = i;
    return OA_OK;
}

/* OA_ERR_TOO_LARGE: the identity does not fit (refused, never truncated);
 * OA_ERR_INTERNAL: no key or no cookie name; errors of oa_cookie_set. */
enum oa_err oa_session_issue(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id)
{
    static const size_t sealed_cap = OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1;
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1];
    struct oa_identity s = *id;
    size_t plen = 0, n = 0, nchunks = 0;
    enum oa_err e;

    if (!cfg->session.cookie_full || cfg->keys.n == 0 || cfg->session.lifetime <= 0)
        return OA_ERR_INTERNAL;
    s.iat = req->now;
    s.exp =
        req->now > INT64_MAX - cfg->session.lifetime ? INT64_MAX : req->now + cfg->session.lifetime;
    e = oa_session_encode(plain, sizeof(plain), &plen, &s);
    if (e == OA_OK)
        e = oa_seal(sealed, sealed_cap, &n, plain, plen, PURPOSE, &cfg->keys);
    oa_wipe(plain, sizeof(plain));
    if (e == OA_OK)
        e = set_value(r, cfg, sealed, n, &nchunks);
    oa_wipe(sealed, n); /* the cookie is a bearer credential */
    if (e == OA_OK)
        e = delete_stale(r, cfg, req->cookie, nchunks);
    return e;
}

/* Deletes the cookie and every chunk name, whether or not the request
 * carries them (a browser may hold what a proxy did not pass on). */
enum oa_err oa_session_clear(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req)
{
    char name[SESSION_NAME_MAX];
    size_t i;
    enum oa_err e;

    if (!cfg->session.cookie_full)
        return OA_ERR_INTERNAL;
    e = delete_cookie(r, cfg, cfg->session.cookie_full);
    for (i = 0; e == OA_OK && i < OA_SESSION_CHUNKS_MAX; i++) {
        if (chunk_name(name, sizeof(name), cfg->session.cookie_full, i) != 0)
            return OA_ERR_BAD_INPUT;
        e = delete_cookie(r, cfg, name);
    }
    return e;
}
