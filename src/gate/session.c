/*
 * session.c - the session payload and the sealed session cookie.
 *
 * Payload (sealed with purpose "session"), version 3 (DESIGN.md 14.3, 15.2):
 *     version(1)=3 | iat(8) | exp(8) | refresh_at(8) | login_at(8)
 *     | sid(16) | user_key(16) | email_key(16) | psid_key(16)
 *     then 9 strings, each length(2, big-endian) | bytes (no NUL inside):
 *     provider, issuer, subject, username, email, name, groups, workspaces,
 *     roles
 * (integers big-endian). Version 2 is the same without roles: still read
 * (roles "") until such cookies expire, never written. Version 1, written
 * before the session lifecycle,
 * is version(1)=1 | iat | exp | the same strings: still read until such
 * cookies expire (no session id; login_at = iat; refresh_at and the
 * revocation keys are made by oa_session_read), never written.
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
#include "oa/revocation.h"
#include "oa/seal.h"
#include "oa/seal_cache.h"
#include "oa/session.h"

#define SESSION_VERSION 3
#define SESSION_V2 2
#define SESSION_V1 1
#define SESSION_NSTR OA_SESSION_NSTR /* version 3's; versions 1 and 2 have one less */
#define SESSION_FIXED_V1 17          /* version + iat + exp */
#define SESSION_FIXED (SESSION_FIXED_V1 + 16 + 4 * 16) /* + refresh_at, login_at, 4 ids */
_Static_assert(SESSION_FIXED == OA_SESSION_FIXED_BYTES, "session.h's OA_SESSION_FIXED_BYTES");
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
    s[8] = id->roles;
}

/* The strings the provider chooses (issuer..name) are capped, so that the
 * config's largest cookie (config_maps.c) is a true bound. */
static bool provider_string(size_t i)
{
    return i >= 1 && i <= 5;
}

const char *oa_session_str_too_long(const struct oa_identity *id)
{
    static const char *const names[SESSION_NSTR] = {"provider", "issuer",     "subject",
                                                    "username", "email",      "name",
                                                    "groups",   "workspaces", "roles"};
    const char *s[SESSION_NSTR];

    strings_of(id, s);
    for (size_t i = 0; i < SESSION_NSTR; i++)
        if (provider_string(i) && s[i] && strlen(s[i]) > OA_SESSION_STR_MAX)
            return names[i];
    return NULL;
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
    put_be64(plain + 17, id->refresh_at);
    put_be64(plain + 25, id->login_at);
    memcpy(plain + 33, id->sid, 16);
    memcpy(plain + 49, id->user_key, 16);
    memcpy(plain + 65, id->email_key, 16);
    memcpy(plain + 81, id->psid_key, 16);
    strings_of(id, s);
    for (i = 0; i < SESSION_NSTR; i++) {
        size_t l = s[i] ? strlen(s[i]) : 0;
        if (l > 0xffff || l + 2 > cap - n || (provider_string(i) && l > OA_SESSION_STR_MAX))
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

/* The fixed part: version 3's and 2's, or version 1's (no session id, no
 * keys: refresh_at = exp, login_at = iat). *n is where the strings start; 0
 * when the version is unknown or the fixed part does not fit. */
static void decode_fixed(struct oa_identity *id, const unsigned char *plain, size_t len, size_t *n)
{
    *n = 0;
    if (len < SESSION_FIXED_V1 ||
        (plain[0] != SESSION_VERSION && plain[0] != SESSION_V2 && plain[0] != SESSION_V1))
        return;
    id->iat = get_be64(plain + 1);
    id->exp = get_be64(plain + 9);
    if (plain[0] == SESSION_V1) {
        id->refresh_at = id->exp;
        id->login_at = id->iat;
        *n = SESSION_FIXED_V1;
        return;
    }
    if (len < SESSION_FIXED)
        return;
    id->refresh_at = get_be64(plain + 17);
    id->login_at = get_be64(plain + 25);
    memcpy(id->sid, plain + 33, 16);
    memcpy(id->user_key, plain + 49, 16);
    memcpy(id->email_key, plain + 65, 16);
    memcpy(id->psid_key, plain + 81, 16);
    *n = SESSION_FIXED;
}

/* Every length is checked against what is left before any byte is read. */
enum oa_err oa_session_decode(struct oa_identity *id, unsigned char *plain, size_t len)
{
    const char *s[SESSION_NSTR] = {0};
    size_t n, i, nstr;

    memset(id, 0, sizeof(*id));
    decode_fixed(id, plain, len, &n);
    if (n == 0) {
        memset(id, 0, sizeof(*id));
        return OA_ERR_BAD_INPUT;
    }
    nstr = plain[0] == SESSION_VERSION ? SESSION_NSTR : SESSION_NSTR - 1;
    s[SESSION_NSTR - 1] = ""; /* roles, before version 3 */
    for (i = 0; i < nstr; i++) {
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
    id->roles = s[8];
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

void oa_session_keys(struct oa_identity *id)
{
    if (!oa_rev_key(OA_REV_USER, id->provider, id->subject, id->user_key))
        memset(id->user_key, 0, sizeof(id->user_key));
    if (!oa_rev_key(OA_REV_EMAIL, id->email, NULL, id->email_key))
        memset(id->email_key, 0, sizeof(id->email_key));
}

/* When the session should next go through <base_path>/refresh: iat +
 * refresh_after, or exp when refresh is off (or would come after exp). */
static int64_t refresh_at_of(const struct oa_config *cfg, int64_t iat, int64_t exp)
{
    int64_t ra = cfg->session.refresh_after;

    if (ra <= 0 || iat > INT64_MAX - ra || iat + ra >= exp)
        return exp;
    return iat + ra;
}

/* A version-1 cookie (sealed before the lifecycle) carries no keys and no
 * refresh time: the keys are made here, a few hashes on every read of
 * such a cookie (the slow path, until they have all expired: at most
 * session.lifetime after the upgrade), so that a revocation of the user or
 * the email reaches them too. Its session id stays zero: nobody knows it. */
static void upgrade_v1(struct oa_identity *id, const struct oa_config *cfg)
{
    oa_session_keys(id);
    id->refresh_at = refresh_at_of(cfg, id->iat, id->exp);
}

bool oa_session_stale(const struct oa_identity *id, int64_t now)
{
    return now >= id->refresh_at;
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
    /* the same cookie comes on request after request: seal_cache.h */
    if (oa_open_cached(sb->plain, sizeof(sb->plain), &plen, sb->sealed, n, PURPOSE, &cfg->keys) !=
        OA_OK)
        return OA_ERR_CRYPTO;
    sb->plain_len = plen;
    if (oa_session_decode(id, sb->plain, plen) != OA_OK) {
        memset(id, 0, sizeof(*id));
        return OA_ERR_BAD_INPUT;
    }
    if (sb->plain[0] == SESSION_V1) /* decoding leaves the version byte in place */
        upgrade_v1(id, cfg);
    if (!times_ok(id, cfg, now))
        return OA_ERR_EXPIRED;
    /* revoked behaves as expired for every reader (authorizer, /auth,
     * /userinfo, ErrorDocument, /logout, /refresh): sign in again */
    if (oa_revoked(id))
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
                             size_t n, int64_t max_age, size_t *nchunks)
{
    struct oa_cookie_attrs a = attrs_of(cfg, max_age);
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

/* Seals s (times as given) into the cookie(s) of r, Max-Age = what is left
 * until s->exp. OA_ERR_TOO_LARGE: the identity does not fit (refused, never
 * truncated); OA_ERR_INTERNAL: no key or no cookie name; errors of
 * oa_cookie_set. */
static enum oa_err seal_and_set(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req, const struct oa_identity *s)
{
    static const size_t sealed_cap = OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1;
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1];
    int64_t max_age = s->exp > req->now ? s->exp - req->now : 1;
    size_t plen = 0, n = 0, nchunks = 0;
    enum oa_err e;

    e = oa_session_encode(plain, sizeof(plain), &plen, s);
    if (e == OA_OK)
        e = oa_seal(sealed, sealed_cap, &n, plain, plen, PURPOSE, &cfg->keys);
    oa_wipe(plain, sizeof(plain));
    if (e == OA_OK)
        e = set_value(r, cfg, sealed, n, max_age, &nchunks);
    oa_wipe(sealed, n); /* the cookie is a bearer credential */
    if (e == OA_OK)
        e = delete_stale(r, cfg, req->cookie, nchunks);
    return e;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;

    while (n--)
        acc |= *p++;
    return acc == 0;
}

static bool can_issue(const struct oa_config *cfg)
{
    return cfg->session.cookie_full && cfg->keys.n > 0 && cfg->session.lifetime > 0;
}

enum oa_err oa_session_issue(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id)
{
    struct oa_identity s = *id;
    enum oa_err e;

    if (!can_issue(cfg))
        return OA_ERR_INTERNAL;
    s.iat = req->now;
    s.exp =
        req->now > INT64_MAX - cfg->session.lifetime ? INT64_MAX : req->now + cfg->session.lifetime;
    s.refresh_at = refresh_at_of(cfg, s.iat, s.exp);
    if (s.login_at == 0)
        s.login_at = req->now;
    if (all_zero(s.sid, sizeof(s.sid)))
        oa_random_bytes(s.sid, sizeof(s.sid));
    oa_session_keys(&s);
    e = seal_and_set(r, cfg, req, &s);
    oa_wipe(&s, sizeof(s));
    return e;
}

enum oa_err oa_session_defer(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id,
                             int64_t until)
{
    struct oa_identity s = *id;
    enum oa_err e;

    if (!can_issue(cfg))
        return OA_ERR_INTERNAL;
    if (s.exp <= req->now)
        return OA_ERR_EXPIRED;
    s.refresh_at = until < s.exp ? until : s.exp;
    if (all_zero(s.sid, sizeof(s.sid)))
        oa_random_bytes(s.sid, sizeof(s.sid));
    e = seal_and_set(r, cfg, req, &s);
    oa_wipe(&s, sizeof(s));
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
