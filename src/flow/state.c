/*
 * state.c - the sealed login state cookies (DESIGN.md section 5, SECURITY.md
 * checklist rows 1, 2, 5).
 *
 * Each login attempt gets its own cookie, <name>_state_<8 chars of state>,
 * so parallel tabs work; the payload (a small JSON object sealed with
 * purpose "state") holds provider, state, PKCE verifier, nonce, rd and the
 * time it was made, and for a refresh's (prompt=none) "m":"refresh" and
 * the session id it re-checks. The callback deletes it whatever the outcome, and the
 * login drops the oldest entries so the Cookie header stays bounded.
 *
 * Why __Host- (Path=/, no Domain, Secure) whenever the session cookie can
 * have it: a __Secure- cookie may be set by a sibling subdomain for the
 * whole domain, so evil.example.com could toss its own state cookie (and
 * its own code) into a victim's browser and sign the victim in as the
 * attacker (login CSRF); no other host can set a __Host- cookie. The price
 * is Path=/: the (few, small, sealed) state cookies travel with every
 * request of the site for their ten minutes. Plain-http development
 * (allow_http_redirect without an https public_url) cannot have a prefix
 * at all: there the cookies are unprefixed, under base_path, as before.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "oa/b64url.h"
#include "oa/cookie.h"
#include "oa/crypto.h"
#include "oa/seal.h"
#include "oa/state.h"

#define STATE_PURPOSE "state"
#define STATE_PLAIN_MAX 2048
#define STATE_SEALED_MAX 3000
#define STATE_SCAN_MAX 32 /* state cookies looked at during a login */
#define STATE_CLOCK_SKEW 60

static const char *cookie_base(const struct oa_config *cfg)
{
    return cfg->session.cookie_name ? cfg->session.cookie_name : "oauth2_fcgi";
}

/* "<__Host->name_state_" into out; returns its length or 0 when too long. */
static size_t state_prefix(char *out, size_t cap, const struct oa_config *cfg)
{
    int n =
        snprintf(out, cap, "%s%s_state_", cfg->session.secure ? "__Host-" : "", cookie_base(cfg));
    return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

static void state_attrs(struct oa_cookie_attrs *a, char *path, size_t cap,
                        const struct oa_config *cfg, const struct oa_provider *p, int64_t max_age)
{
    memset(a, 0, sizeof(*a));
    /* __Host- demands Path=/ (and Secure, no Domain) */
    if (cfg->session.secure)
        snprintf(path, cap, "/");
    else
        snprintf(path, cap, "%s/", cfg->base_path ? cfg->base_path : "/oauth");
    a->path = path;
    a->max_age = max_age;
    a->http_only = true;
    a->secure = cfg->session.secure;
    a->same_site = "Lax";
    if (p && p->kind == OA_PROVIDER_APPLE) {
        /* form_post is a cross-site POST: the cookie must travel with it */
        a->same_site = "None";
        a->secure = true;
    }
}

static bool b64url_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool oa_state_param_ok(const char *s)
{
    size_t n = 0;

    if (!s)
        return false;
    for (; s[n]; n++)
        if (!b64url_char((unsigned char)s[n]) || n >= OA_STATE_TEXT_MAX)
            return false;
    return n >= 22;
}

enum oa_err oa_state_new(struct oa_state *st, const char *provider, const char *rd, int64_t now)
{
    size_t plen = strlen(provider);

    memset(st, 0, sizeof(*st));
    if (plen >= sizeof(st->provider))
        return OA_ERR_TOO_LARGE;
    memcpy(st->provider, provider, plen + 1);
    oa_random_token(st->state, sizeof(st->state), OA_STATE_RANDOM_BYTES);
    oa_random_token(st->verifier, sizeof(st->verifier), OA_STATE_RANDOM_BYTES);
    oa_random_token(st->nonce, sizeof(st->nonce), OA_STATE_RANDOM_BYTES);
    if (!rd || strlen(rd) > OA_STATE_RD_MAX)
        rd = "/";
    st->rd = strdup(rd);
    st->created = now;
    return st->rd ? OA_OK : OA_ERR_NOMEM;
}

void oa_state_free(struct oa_state *st)
{
    free(st->rd);
    oa_wipe(st, sizeof(*st));
}

enum oa_err oa_state_cookie_name(char *out, size_t cap, const struct oa_config *cfg,
                                 const char *state)
{
    size_t n;

    if (!oa_state_param_ok(state))
        return OA_ERR_BAD_INPUT;
    n = state_prefix(out, cap, cfg);
    if (!n || n + OA_STATE_NAME_CHARS + 1 > cap)
        return OA_ERR_TOO_LARGE;
    memcpy(out + n, state, OA_STATE_NAME_CHARS);
    out[n + OA_STATE_NAME_CHARS] = '\0';
    return OA_OK;
}

/* Seals st into out (text). */
static enum oa_err state_seal(char *out, size_t cap, const struct oa_state *st,
                              const struct oa_config *cfg)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "p", st->provider, "s", st->state, "v",
                          st->verifier, "n", st->nonce, "r", st->rd, "t", (json_int_t)st->created);
    char plain[STATE_PLAIN_MAX], sid[32];
    size_t len, out_len;
    enum oa_err e;

    if (o && st->refresh &&
        (oa_b64url_encode(sid, sizeof(sid), st->sid, sizeof(st->sid)) != OA_OK ||
         json_object_set_new(o, "m", json_string("refresh")) != 0 ||
         json_object_set_new(o, "i", json_string(sid)) != 0)) {
        json_decref(o);
        return OA_ERR_NOMEM;
    }
    if (!o)
        return OA_ERR_NOMEM;
    len = json_dumpb(o, plain, sizeof(plain), JSON_COMPACT);
    json_decref(o);
    if (len == 0 || len > sizeof(plain))
        return OA_ERR_TOO_LARGE;
    e = oa_seal(out, cap, &out_len, (unsigned char *)plain, len, STATE_PURPOSE, &cfg->keys);
    oa_wipe(plain, sizeof(plain));
    return e;
}

static int copy_text(char *dst, size_t cap, json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    size_t n = s ? strlen(s) : cap;

    if (n >= cap)
        return -1;
    memcpy(dst, s, n + 1);
    return 0;
}

/* A refresh's mode and session id; OA_ERR_CRYPTO when malformed. */
static enum oa_err open_mode(struct oa_state *st, json_t *o)
{
    const char *m = json_string_value(json_object_get(o, "m"));
    const char *i = json_string_value(json_object_get(o, "i"));
    size_t n = 0;

    if (!m && !json_object_get(o, "i"))
        return OA_OK;
    if (!m || strcmp(m, "refresh") != 0 || !i ||
        oa_b64url_decode(st->sid, sizeof(st->sid), &n, i, strlen(i)) != OA_OK ||
        n != sizeof(st->sid))
        return OA_ERR_CRYPTO;
    st->refresh = true;
    return OA_OK;
}

/* Opens a sealed entry into st. OA_ERR_CRYPTO when it does not open or is
 * malformed. */
static enum oa_err state_open(struct oa_state *st, const char *val, size_t len,
                              const struct oa_config *cfg)
{
    unsigned char plain[STATE_PLAIN_MAX];
    size_t plen;
    json_t *o, *t;
    const char *rd;
    enum oa_err e = OA_ERR_CRYPTO;

    memset(st, 0, sizeof(*st));
    if (oa_open(plain, sizeof(plain), &plen, val, len, STATE_PURPOSE, &cfg->keys) != OA_OK)
        return OA_ERR_CRYPTO;
    o = json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, NULL);
    oa_wipe(plain, sizeof(plain));
    if (!o)
        return OA_ERR_CRYPTO;
    t = json_object_get(o, "t");
    rd = json_string_value(json_object_get(o, "r"));
    if (json_is_integer(t) && rd && !copy_text(st->provider, sizeof(st->provider), o, "p") &&
        !copy_text(st->state, sizeof(st->state), o, "s") &&
        !copy_text(st->verifier, sizeof(st->verifier), o, "v") &&
        !copy_text(st->nonce, sizeof(st->nonce), o, "n")) {
        st->created = json_integer_value(t);
        st->rd = strdup(rd);
        e = st->rd ? open_mode(st, o) : OA_ERR_NOMEM;
    }
    json_decref(o);
    if (e != OA_OK)
        oa_state_free(st);
    return e;
}

struct state_seen {
    char name[OA_STATE_COOKIE_NAME_MAX];
    int64_t created; /* 0: does not open */
};

struct state_scan {
    const struct oa_config *cfg;
    size_t prefix_len;
    struct state_seen seen[STATE_SCAN_MAX];
    size_t n;
};

/* Is this a name oa_state_cookie_name() can make (the prefix, then
 * OA_STATE_NAME_CHARS base64url characters)? Other names under the prefix
 * were never set by us: they are left alone, since writing a deletion for
 * a name the header writer refuses would fail the whole login. */
static bool state_name_ok(const char *name, size_t name_len, size_t prefix_len)
{
    if (name_len != prefix_len + OA_STATE_NAME_CHARS)
        return false;
    for (size_t i = prefix_len; i < name_len; i++)
        if (!b64url_char((unsigned char)name[i]))
            return false;
    return true;
}

static bool scan_one(void *ctx, const char *name, size_t name_len, const char *val, size_t len)
{
    struct state_scan *sc = ctx;
    struct state_seen *s;
    struct oa_state st;
    size_t i;

    if (sc->n >= STATE_SCAN_MAX || name_len >= sizeof(s->name) ||
        !state_name_ok(name, name_len, sc->prefix_len))
        return false;
    for (i = 0; i < sc->n; i++)
        if (strlen(sc->seen[i].name) == name_len && !memcmp(sc->seen[i].name, name, name_len))
            return false; /* the same name twice: one deletion is enough */
    s = &sc->seen[sc->n++];
    memcpy(s->name, name, name_len);
    s->name[name_len] = '\0';
    s->created = 0;
    if (state_open(&st, val, len, sc->cfg) == OA_OK) {
        s->created = st.created > 0 ? st.created : 0;
        oa_state_free(&st);
    }
    return false;
}

static int seen_newer_first(const void *a, const void *b)
{
    const struct state_seen *x = a, *y = b;

    return (x->created < y->created) - (x->created > y->created);
}

/* Deletes all but the newest `keep` openable state cookies of the request
 * and keep_name (unopenable ones first), at most OA_STATE_PRUNE_MAX of
 * them. Best effort: only running out of memory fails it, never a
 * deletion that does not fit. */
static enum oa_err state_prune(struct oa_response *r, const struct oa_config *cfg,
                               const struct oa_request *req, const char *keep_name, size_t keep)
{
    struct state_scan *sc = calloc(1, sizeof(*sc));
    struct oa_cookie_attrs a;
    char prefix[OA_STATE_COOKIE_NAME_MAX], path[512];
    size_t i, kept = 0, deleted = 0;

    if (!sc)
        return OA_ERR_NOMEM;
    sc->cfg = cfg;
    sc->prefix_len = state_prefix(prefix, sizeof(prefix), cfg);
    if (sc->prefix_len)
        oa_cookie_each(req->cookie, prefix, STATE_SCAN_MAX, scan_one, sc);
    qsort(sc->seen, sc->n, sizeof(sc->seen[0]), seen_newer_first);
    /* the provider is unknown here; SameSite does not matter to a deletion */
    state_attrs(&a, path, sizeof(path), cfg, NULL, 0);
    for (i = 0; i < sc->n && deleted < OA_STATE_PRUNE_MAX; i++) {
        if (strcmp(sc->seen[i].name, keep_name) == 0)
            continue;
        if (sc->seen[i].created > 0 && kept < keep) {
            kept++;
            continue;
        }
        a.secure = cfg->session.secure || strncmp(sc->seen[i].name, "__Host-", 7) == 0;
        if (oa_cookie_set(r, sc->seen[i].name, "", 0, &a) != OA_OK)
            break;
        deleted++;
    }
    free(sc);
    return OA_OK;
}

enum oa_err oa_state_save(struct oa_response *r, const struct oa_config *cfg,
                          const struct oa_request *req, const struct oa_provider *p,
                          const struct oa_state *st)
{
    char name[OA_STATE_COOKIE_NAME_MAX], sealed[STATE_SEALED_MAX], path[512];
    struct oa_cookie_attrs a;
    enum oa_err e;

    e = oa_state_cookie_name(name, sizeof(name), cfg, st->state);
    if (e == OA_OK)
        e = state_prune(r, cfg, req, name, OA_STATE_MAX - 1);
    if (e == OA_OK)
        e = state_seal(sealed, sizeof(sealed), st, cfg);
    if (e != OA_OK)
        return e;
    state_attrs(&a, path, sizeof(path), cfg, p, OA_STATE_TTL);
    return oa_cookie_set(r, name, sealed, strlen(sealed), &a);
}

enum oa_err oa_state_load(struct oa_state *st, const struct oa_config *cfg,
                          const struct oa_request *req, const struct oa_provider *p,
                          const char *state_param)
{
    char name[OA_STATE_COOKIE_NAME_MAX];
    const char *val;
    size_t len, n;
    int64_t age;
    enum oa_err e;

    memset(st, 0, sizeof(*st));
    if (oa_state_cookie_name(name, sizeof(name), cfg, state_param) != OA_OK)
        return OA_ERR_NOT_FOUND;
    if (!oa_cookie_find(req->cookie, name, &val, &len))
        return OA_ERR_NOT_FOUND;
    e = state_open(st, val, len, cfg);
    if (e != OA_OK)
        return e;
    n = strlen(state_param);
    if (strlen(st->state) != n || !oa_memeq_ct(st->state, state_param, n))
        e = OA_ERR_CRYPTO;
    age = req->now - st->created;
    if (e == OA_OK && (age > OA_STATE_TTL || age < -STATE_CLOCK_SKEW))
        e = OA_ERR_EXPIRED;
    if (e == OA_OK && strcmp(st->provider, p->name) != 0)
        e = OA_ERR_DENIED;
    if (e != OA_OK)
        oa_state_free(st);
    return e;
}

enum oa_err oa_state_delete_all(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req)
{
    return state_prune(r, cfg, req, "", 0);
}

enum oa_err oa_state_delete(struct oa_response *r, const struct oa_config *cfg,
                            const struct oa_provider *p, const char *state_param)
{
    char name[OA_STATE_COOKIE_NAME_MAX], path[512];
    struct oa_cookie_attrs a;

    if (oa_state_cookie_name(name, sizeof(name), cfg, state_param) != OA_OK)
        return OA_OK;
    state_attrs(&a, path, sizeof(path), cfg, p, 0);
    return oa_cookie_set(r, name, "", 0, &a);
}
