/* test_identity_token.c - the signed identity for the application
 * (identity_token.h, sign_key.h, DESIGN.md section 16.2): the key file
 * (Ed25519 and EC P-256 PEM, several keys, RFC 7638 kids, bad files with
 * FILE:LINE), the config (lifetime cap, public_url needed), the claims and
 * both signatures checked against the published JWKS, the per-thread cache
 * (a hit is the same token; another session, host or key gets another;
 * expiry), the authorizer's Variable-OAUTH2_JWT, /auth's
 * X-Auth-Request-Jwt and the /jwks endpoint (never a private member). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjose/cjose.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/b64url.h"
#include "oa/endpoints.h"
#include "oa/identity_token.h"
#include "oa/sign_key.h"
#include "tap.h"

#include "../../bench/count_malloc.h" /* a cache hit allocates nothing */

/* RFC 8037 appendix A.1's Ed25519 key as PKCS#8; its thumbprint (A.3). */
#define RFC8037_PEM                                                                                \
    "-----BEGIN PRIVATE KEY-----\n"                                                                \
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"                           \
    "-----END PRIVATE KEY-----\n"
#define RFC8037_KID "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

static char dir[] = "/tmp/oa-test-idtoken-XXXXXX";

/* A new key of that type ("ED25519", "EC", "RSA") as PKCS#8 PEM (static, one at a time). */
static const char *new_pem(const char *type)
{
    static char out[4][4096];
    static int i;
    char *o = out[i++ & 3];
    EVP_PKEY *k = !strcmp(type, "EC")    ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                  : !strcmp(type, "RSA") ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                         : EVP_PKEY_Q_keygen(NULL, NULL, type);
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    o[0] = '\0';
    if (k && b && PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 &&
        (n = BIO_get_mem_data(b, &data)) > 0 && (size_t)n < sizeof(out[0])) {
        memcpy(o, data, (size_t)n);
        o[n] = '\0';
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return o;
}

/* Writes text to dir/name with mode; returns the path (static, 4 in turn). */
static const char *put(const char *name, const char *text, mode_t mode)
{
    static char paths[4][256];
    static int i;
    char *p = paths[i++ & 3];
    FILE *f;

    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(p, mode);
    return p;
}

static struct oa_config *load(const char *idtoken_yaml, struct oa_error *err)
{
    char yaml[4096];
    struct oa_config *cfg = NULL;

    snprintf(yaml, sizeof(yaml),
             "public_url: https://app.example.com\n"
             "providers:\n  - name: github\n    client_id: c\n    client_secret: s\n"
             "%s",
             idtoken_yaml);
    memset(err, 0, sizeof(*err));
    if (oa_config_load_string(&cfg, "idt.yml", yaml, strlen(yaml), err) != OA_OK)
        return NULL;
    return cfg;
}

static struct oa_config *load_key(const char *path, const char *extra)
{
    char y[1024];
    struct oa_error err;
    struct oa_config *cfg;

    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n%s", path, extra);
    cfg = load(y, &err);
    if (!cfg)
        printf("# load: %s\n", err.msg);
    return cfg;
}

/* Part i (0 header, 1 claims) of a compact JWT, decoded as JSON (new). */
static json_t *part(const char *jwt, int i)
{
    unsigned char buf[16384];
    const char *a = jwt, *dot;
    size_t n;

    for (; i > 0 && a; i--)
        a = strchr(a, '.') ? strchr(a, '.') + 1 : NULL;
    if (!a || !(dot = strchr(a, '.')))
        return NULL;
    if (oa_b64url_decode(buf, sizeof(buf), &n, a, (size_t)(dot - a)) != OA_OK)
        return NULL;
    return json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Verifies jwt against the JWKS text: the key of its kid, by its alg
 * (EdDSA with libsodium, ES256 with cjose). */
static bool verifies(const char *jwt, const char *jwks_text)
{
    json_t *h = part(jwt, 0), *jwks = json_loads(jwks_text, 0, NULL), *key = NULL, *k;
    const char *kid = h ? jstr(h, "kid") : NULL, *alg = h ? jstr(h, "alg") : NULL;
    size_t i;
    bool good = false;

    json_array_foreach(json_object_get(jwks, "keys"), i, k)
    {
        if (kid && jstr(k, "kid") && !strcmp(jstr(k, "kid"), kid))
            key = k;
    }
    if (key && alg && !strcmp(alg, "EdDSA")) {
        unsigned char pk[64], sig[64];
        size_t pn = 0, sn = 0;
        const char *last = strrchr(jwt, '.');
        const char *x = jstr(key, "x");
        if (x && last && oa_b64url_decode(pk, sizeof(pk), &pn, x, strlen(x)) == OA_OK && pn == 32 &&
            oa_b64url_decode(sig, sizeof(sig), &sn, last + 1, strlen(last + 1)) == OA_OK &&
            sn == 64)
            good = crypto_sign_verify_detached(sig, (const unsigned char *)jwt,
                                               (size_t)(last - jwt), pk) == 0;
    } else if (key && alg && !strcmp(alg, "ES256")) {
        char *kt = json_dumps(key, 0);
        cjose_err ce;
        cjose_jwk_t *jwk = kt ? cjose_jwk_import(kt, strlen(kt), &ce) : NULL;
        cjose_jws_t *jws = cjose_jws_import(jwt, strlen(jwt), &ce);
        good = jwk && jws && cjose_jws_verify(jws, jwk, &ce);
        cjose_jws_release(jws);
        cjose_jwk_release(jwk);
        free(kt);
    }
    json_decref(h);
    json_decref(jwks);
    return good;
}

/* jwt's header is {alg, kid "k1"} without typ and its signature is ks's
 * first (Ed25519) key's. */
static bool verifies_with(const char *jwt, const struct oa_sign_keys *ks)
{
    json_t *h = part(jwt, 0);
    bool good = h && jstr(h, "kid") && !strcmp(jstr(h, "kid"), "k1") && !json_object_get(h, "typ");
    const char *last = strrchr(jwt, '.');
    unsigned char sig[64];
    size_t sn = 0;

    json_decref(h);
    return good && last &&
           oa_b64url_decode(sig, sizeof(sig), &sn, last + 1, strlen(last + 1)) == OA_OK &&
           sn == 64 &&
           crypto_sign_verify_detached(sig, (const unsigned char *)jwt, (size_t)(last - jwt),
                                       ks->k[0].pub) == 0;
}

static struct oa_identity bob(void)
{
    struct oa_identity id = cfx_alice();
    id.iat = CFX_NOW - 10;
    id.exp = CFX_NOW + 3600;
    id.roles = "admin,annotator";
    memset(id.sid, 7, sizeof(id.sid));
    memset(id.user_key, 9, sizeof(id.user_key));
    return id;
}

static void test_rfc8037_kid(void)
{
    const char *p = put("rfc.pem", RFC8037_PEM, 0600);
    struct oa_config *cfg = load_key(p, "");

    ok(cfg && cfg->identity_token.keys && cfg->identity_token.keys->n == 1,
       "an Ed25519 PKCS#8 key file loads");
    if (!cfg)
        return;
    is_str(cfg->identity_token.keys->k[0].kid, RFC8037_KID,
           "the kid is the RFC 7638 thumbprint (RFC 8037 A.3's value)");
    ok(cfg->identity_token.keys->k[0].alg == OA_SIGN_EDDSA, "an Ed25519 key signs EdDSA");
    is_int(cfg->identity_token.lifetime, 120, "lifetime defaults to 2m");
    ok(cfx_has(cfg->identity_token.keys->jwks,
               "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\""),
       "the JWKS publishes the RFC's public x");
    ok(!strstr(cfg->identity_token.keys->jwks, "\"d\"") &&
           !strstr(cfg->identity_token.keys->jwks, "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"),
       "the JWKS holds no private member (d)");
    oa_config_free(cfg);
}

static void check_claims(const char *alg_want, const char *pem)
{
    const char *p = put("k.pem", pem, 0600);
    struct oa_config *cfg = load_key(p, "");
    struct oa_identity id = bob();
    char tok[OA_IDTOKEN_MAX];
    int64_t exp = 0;
    json_t *h, *c;

    ok(cfg != NULL, "%s: the key file loads", alg_want);
    if (!cfg)
        return;
    ok(oa_identity_token_make(tok, sizeof(tok), cfg, &id, "app.example.com", CFX_NOW, &exp) ==
           OA_OK,
       "%s: a token is made", alg_want);
    h = part(tok, 0);
    c = part(tok, 1);
    is_str(jstr(h, "alg"), alg_want, "%s: header alg", alg_want);
    is_str(jstr(h, "typ"), "JWT", "%s: header typ JWT", alg_want);
    is_str(jstr(h, "kid"), cfg->identity_token.keys->k[0].kid, "%s: header kid", alg_want);
    is_str(jstr(c, "iss"), "https://app.example.com", "%s: iss is public_url", alg_want);
    is_str(jstr(c, "aud"), "app.example.com", "%s: aud", alg_want);
    is_str(jstr(c, "sub"), "42", "%s: sub", alg_want);
    is_str(jstr(c, "email"), "alice@example.com", "%s: email", alg_want);
    is_str(jstr(c, "name"), "Alice <A>", "%s: name", alg_want);
    is_str(jstr(c, "preferred_username"), "alice", "%s: preferred_username", alg_want);
    is_str(jstr(c, "provider"), "github", "%s: provider", alg_want);
    ok(json_array_size(json_object_get(c, "groups")) == 2 &&
           !strcmp(json_string_value(json_array_get(json_object_get(c, "groups"), 1)), "eng"),
       "%s: groups is an array", alg_want);
    ok(json_array_size(json_object_get(c, "roles")) == 2 &&
           !strcmp(json_string_value(json_array_get(json_object_get(c, "roles"), 1)), "annotator"),
       "%s: roles is an array, items trimmed", alg_want);
    ok(json_array_size(json_object_get(c, "workspaces")) == 1, "%s: workspaces", alg_want);
    is_int(json_integer_value(json_object_get(c, "iat")), CFX_NOW, "%s: iat is now", alg_want);
    ok(jstr(c, "jti") && strlen(jstr(c, "jti")) == 22, "%s: a jti of 16 random bytes", alg_want);
    is_int(json_integer_value(json_object_get(c, "exp")), CFX_NOW + 120, "%s: exp is iat + 2m",
           alg_want);
    ok(verifies(tok, cfg->identity_token.keys->jwks), "%s: the signature verifies with the JWKS",
       alg_want);
    tok[strlen(tok) - 5] ^= 1;
    ok(!verifies(tok, cfg->identity_token.keys->jwks), "%s: a changed signature does not verify",
       alg_want);
    json_decref(h);
    json_decref(c);
    oa_config_free(cfg);
}

static void test_claims_edges(void)
{
    const char *p = put("e.pem", new_pem("ED25519"), 0600);
    struct oa_config *cfg = load_key(p, "  lifetime: 5m\n  audience: api://billing\n");
    struct oa_identity id = bob();
    char tok[OA_IDTOKEN_MAX];
    int64_t exp = 0;
    json_t *c;

    ok(cfg != NULL, "lifetime 5m and an audience load");
    if (!cfg)
        return;
    id.roles = "";
    id.workspaces = "";
    id.groups = "";
    id.name = "quote \" back \\ tab \t";
    id.exp = CFX_NOW + 60; /* the session ends before the token would */
    ok(oa_identity_token_make(tok, sizeof(tok), cfg, &id, "ignored", CFX_NOW, &exp) == OA_OK,
       "a token without roles and workspaces");
    c = part(tok, 1);
    ok(c && !json_object_get(c, "roles") && !json_object_get(c, "workspaces"),
       "empty roles and workspaces are left out");
    ok(json_is_array(json_object_get(c, "groups")) &&
           json_array_size(json_object_get(c, "groups")) == 0,
       "groups is always an array (empty here)");
    is_str(jstr(c, "name"), "quote \" back \\ tab \t",
           "quotes, backslashes, control bytes escaped");
    is_int(json_integer_value(json_object_get(c, "exp")), CFX_NOW + 60,
           "exp never passes the session's exp");
    is_str(jstr(c, "aud"), "ignored", "make puts the aud it is given");
    json_decref(c);
    /* a group's name is what the provider said, spaces and all (claims.c
     * keeps them; rules compare exactly): " admin" must never read "admin" */
    id.groups = " admin,ops ,,eng";
    id.roles = " owner";
    ok(oa_identity_token_make(tok, sizeof(tok), cfg, &id, "a", CFX_NOW, &exp) == OA_OK,
       "a token with names that start or end with a space");
    c = part(tok, 1);
    is_str(json_string_value(json_array_get(json_object_get(c, "groups"), 0)), " admin",
           "a group \" admin\" stays \" admin\" (never the group admin)");
    is_str(json_string_value(json_array_get(json_object_get(c, "groups"), 1)), "ops ",
           "a trailing space stays");
    ok(json_array_size(json_object_get(c, "groups")) == 3, "an empty item is no group");
    is_str(json_string_value(json_array_get(json_object_get(c, "roles"), 0)), " owner",
           "a role likewise");
    json_decref(c);
    id.groups = "";
    id.roles = "";
    {
        const char *t = oa_identity_token(cfg, &id, "Other.Example:8443", CFX_NOW);
        c = t ? part(t, 1) : NULL;
        is_str(jstr(c, "aud"), "api://billing", "audience: overrides the host");
        json_decref(c);
    }
    ok(oa_identity_token_make(tok, 300, cfg, &id, "a", CFX_NOW, &exp) == OA_ERR_TOO_LARGE &&
           tok[0] == '\0',
       "a token that does not fit is none, never cut");
    oa_config_free(cfg);
}

static void test_cache(void)
{
    const char *p = put("c.pem", new_pem("ED25519"), 0600);
    struct oa_config *cfg = load_key(p, "");
    struct oa_identity id = bob(), other = bob();
    char first[OA_IDTOKEN_MAX];
    const char *t, *t2;
    json_t *c;

    if (!cfg) {
        ok(0, "cache: config");
        return;
    }
    /* the operator's other host (allowed_redirect_hosts: [b.example.com]) */
    cfg->allowed_redirect_hosts.v = calloc(2, sizeof(char *));
    cfg->allowed_redirect_hosts.v[0] = strdup("b.example.com");
    cfg->allowed_redirect_hosts.v[1] = strdup("*.corp.example.com");
    cfg->allowed_redirect_hosts.n = 2;
    oa_identity_token_forget();
    t = oa_identity_token(cfg, &id, "App.Example.com:8443", CFX_NOW);
    ok(t != NULL, "a token for a session");
    snprintf(first, sizeof(first), "%s", t ? t : "");
    c = part(first, 1);
    is_str(jstr(c, "aud"), "app.example.com",
           "aud is the request's host name, lower-case, no port");
    json_decref(c);
    t2 = oa_identity_token(cfg, &id, "app.example.com", CFX_NOW + 5);
    ok(t2 == t && !strcmp(t2, first), "the same session again: the same token (a cache hit)");
    t2 = oa_identity_token(cfg, &id, "app.example.com", CFX_NOW + 89);
    ok(t2 && !strcmp(t2, first), "still the same 89 s later (exp - 30 s not reached)");
    t2 = oa_identity_token(cfg, &id, "app.example.com", CFX_NOW + 90);
    ok(t2 && strcmp(t2, first) != 0, "30 s before its exp a new token is made");
    c = t2 ? part(t2, 1) : NULL;
    is_int(json_integer_value(json_object_get(c, "iat")), CFX_NOW + 90, "with a new iat");
    json_decref(c);
    snprintf(first, sizeof(first), "%s", t2 ? t2 : "");
    other.sid[0] ^= 1;
    t2 = oa_identity_token(cfg, &other, "app.example.com", CFX_NOW + 90);
    ok(t2 && strcmp(t2, first) != 0, "another session gets another token");
    other = bob();
    other.iat += 1; /* a refresh sealed it again */
    snprintf(first, sizeof(first), "%s",
             oa_identity_token(cfg, &id, "app.example.com", CFX_NOW + 91));
    t2 = oa_identity_token(cfg, &other, "app.example.com", CFX_NOW + 91);
    ok(t2 && strcmp(t2, first) != 0, "a refreshed session (new iat) gets another token");
    t2 = oa_identity_token(cfg, &id, "b.example.com", CFX_NOW + 91);
    ok(t2 && strcmp(t2, first) != 0, "another host (aud) gets another token");
    t2 = oa_identity_token(cfg, &id, "[::1]:8080", CFX_NOW + 91);
    c = t2 ? part(t2, 1) : NULL;
    is_str(
        jstr(c, "aud"), "app.example.com",
        "an IPv6 Host (its port cut inside no bracket) that is not the operator's: public_url's");
    json_decref(c);
    /* the Host header is the client's: a name that is not the operator's
     * (public_url's, allowed_redirect_hosts) gets public_url's as aud, so
     * no token is minted for an application elsewhere */
    t2 = oa_identity_token(cfg, &id, "other-app.example.net", CFX_NOW + 91);
    c = t2 ? part(t2, 1) : NULL;
    is_str(jstr(c, "aud"), "app.example.com",
           "a Host that is not the operator's: aud is public_url's");
    json_decref(c);
    t2 = oa_identity_token(cfg, &id, "B.Example.COM:8443", CFX_NOW + 91);
    c = t2 ? part(t2, 1) : NULL;
    is_str(jstr(c, "aud"), "b.example.com", "a listed host, any case and port: its name");
    json_decref(c);
    /* a wildcard entry lets redirects go under a domain; it names no
     * application: a Host under it gets public_url's, never its own */
    t2 = oa_identity_token(cfg, &id, "payroll.corp.example.com", CFX_NOW + 91);
    c = t2 ? part(t2, 1) : NULL;
    is_str(jstr(c, "aud"), "app.example.com",
           "a Host under a *.corp.example.com entry: aud is public_url's, not the Host");
    json_decref(c);
    id.provider = "";
    ok(oa_identity_token(cfg, &id, "app.example.com", CFX_NOW) == NULL,
       "nobody (a public rule without a session) gets no token");
    oa_config_free(cfg);
}

static void test_rotation(void)
{
    char two[8192];
    const char *a = new_pem("ED25519"), *b = new_pem("EC");
    struct oa_config *cfg, *cfg2;
    struct oa_identity id = bob();
    const char *t;
    json_t *h;

    snprintf(two, sizeof(two), "# the signing key first\n%s\n# the next one\n%s", a, b);
    cfg = load_key(put("two.pem", two, 0600), "");
    ok(cfg && cfg->identity_token.keys->n == 2, "a key file with two keys");
    snprintf(two, sizeof(two), "%s%s", b, a);
    cfg2 = load_key(put("two2.pem", two, 0600), "");
    ok(cfg2 && cfg2->identity_token.keys->n == 2, "the same keys the other way round");
    if (!cfg || !cfg2)
        return;
    ok(strcmp(cfg->identity_token.keys->k[0].kid, cfg->identity_token.keys->k[1].kid) != 0,
       "each key has its own kid");
    ok(cfx_has(cfg->identity_token.keys->jwks, cfg->identity_token.keys->k[1].kid) &&
           cfx_has(cfg->identity_token.keys->jwks, cfg->identity_token.keys->k[0].kid),
       "both keys are published");
    ok(!strcmp(cfg->identity_token.keys->k[0].kid, cfg2->identity_token.keys->k[1].kid),
       "a key's kid is the same wherever it stands");
    oa_identity_token_forget();
    t = oa_identity_token(cfg, &id, "h", CFX_NOW);
    h = t ? part(t, 0) : NULL;
    ok(h && !strcmp(jstr(h, "kid"), cfg->identity_token.keys->k[0].kid) &&
           !strcmp(jstr(h, "alg"), "EdDSA"),
       "the first key signs");
    json_decref(h);
    t = oa_identity_token(cfg2, &id, "h", CFX_NOW + 1);
    h = t ? part(t, 0) : NULL;
    ok(h && !strcmp(jstr(h, "kid"), cfg2->identity_token.keys->k[0].kid) &&
           !strcmp(jstr(h, "alg"), "ES256"),
       "moved first, the new key signs at once (the cache misses)");
    ok(t && verifies(t, cfg->identity_token.keys->jwks),
       "a token of the new key verifies with the JWKS published before the move");
    json_decref(h);
    oa_config_free(cfg);
    oa_config_free(cfg2);
}

/* A config that must fail, at the file and line given ("" = any line). */
static void bad(const char *yaml, const char *where, const char *says, const char *what)
{
    struct oa_error err;
    struct oa_config *cfg = load(yaml, &err);
    char pos[300];

    snprintf(pos, sizeof(pos), "%s:%u", err.file, err.line);
    ok(!cfg && err.code == OA_ERR_CONFIG && strstr(pos, where) && strstr(err.msg, says),
       "refused: %s", what);
    if (cfg || !strstr(pos, where) || !strstr(err.msg, says))
        printf("#   %s: %s\n", pos, err.msg);
    oa_config_free(cfg);
}

static void test_bad(void)
{
    char y[1024], exp_at[300];
    const char *good = put("good.pem", new_pem("ED25519"), 0600);
    const char *p;

    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n  lifetime: 6m\n", good);
    bad(y, "idt.yml:8", "at most", "a lifetime over 5m, at the lifetime's line");
    snprintf(y, sizeof(y), "identity_token:\n  lifetime: 1m\n");
    bad(y, "idt.yml:7", "needs key_file", "identity_token without key_file");
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", good);
    {
        struct oa_error err;
        struct oa_config *cfg = NULL;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "providers:\n  - name: github\n    client_id: c\n    client_secret: s\n%s", y);
        memset(&err, 0, sizeof(err));
        ok(oa_config_load_string(&cfg, "idt.yml", yaml, strlen(yaml), &err) == OA_ERR_CONFIG &&
               strstr(err.msg, "public_url") && err.line == 6,
           "refused: identity_token without public_url (it is iss), at its line");
        if (err.line != 6)
            printf("#   %s:%u: %s\n", err.file, err.line, err.msg);
        oa_config_free(cfg);
    }
    p = put("rsa.pem", new_pem("RSA"), 0600);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    snprintf(exp_at, sizeof(exp_at), "%s:1", p);
    bad(y, exp_at, "not an EC P-256 or Ed25519", "an RSA key, at the key file's line 1");
    {
        p = put("junk.pem", "# comment\n\nnot a key\n", 0600);
        snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
        snprintf(exp_at, sizeof(exp_at), "%s:3", p);
        bad(y, exp_at, "outside a PEM block", "text outside a PEM block, at its line");
    }
    p = put("trunc.pem", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n", 0600);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    bad(y, p, "without its END", "a PEM block cut short");
    p = put(
        "broken.pem",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n-----END PRIVATE KEY-----\n",
        0600);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    bad(y, p, "not an EC P-256", "a PEM block that is no key");
    p = put("empty.pem", "# nothing yet\n", 0600);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    bad(y, "idt.yml:7", "no key", "a key file without a key");
    {
        char twice[4096];
        snprintf(twice, sizeof(twice), "%s%s", RFC8037_PEM, RFC8037_PEM);
        p = put("twice.pem", twice, 0600);
        snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
        snprintf(exp_at, sizeof(exp_at), "%s:4", p);
        bad(y, exp_at, "same key twice", "the same key twice, at the second's line");
    }
    p = put("enc.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n"
            "-----END ENCRYPTED PRIVATE KEY-----\n",
            0600);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    bad(y, p, "encrypted", "an encrypted key (no pass phrase prompt)");
    p = put("open.pem", RFC8037_PEM, 0666);
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n", p);
    bad(y, "idt.yml:7", "writ", "a key file others may write (file_mode.c), at key_file's line");
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s/missing.pem\n", dir);
    bad(y, "idt.yml:7", "cannot open", "a missing key file");
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n  audience: \"a\\\"b\"\n", good);
    bad(y, "idt.yml:8", "audience", "an audience with a quote");
    snprintf(y, sizeof(y), "identity_token:\n  key_file: %s\n  lifetim: 1m\n", good);
    bad(y, "idt.yml:8", "did you mean 'lifetime'", "an unknown key in identity_token");
}

/* The decision's answer: Variable-OAUTH2_JWT on an allow with a session;
 * /auth's X-Auth-Request-Jwt; /jwks. */
static void test_answers(void)
{
    struct oa_config cfg;
    struct oa_sign_keys ks;
    struct oa_identity id = cfx_alice();
    struct oa_request req = {.method = "GET",
                             .host = "app.example.com",
                             .https = "on",
                             .request_uri = "/app/x",
                             .now = CFX_NOW};
    static struct oa_response r;
    struct oa_error err;
    const char *jwt;
    json_t *c;

    cfx_config(&cfg, 1);
    cfx_rule(&cfg, "/app/", "alice@example.com", "", "", "", "");
    cfx_rule(&cfg, "/pub/", "", "", "", "", "");
    cfg.access[1].is_public = true;
    ok(oa_sign_keys_parse(&ks, RFC8037_PEM, strlen(RFC8037_PEM), "k", &err) == OA_OK,
       "oa_sign_keys_parse takes the PEM text");
    oa_authorizer_answer(&cfg, &req, &r);
    ok(!oa_response_get(&r, "Variable-OAUTH2_JWT"), "off: no token without identity_token");
    cfg.identity_token.keys = &ks;
    cfg.identity_token.lifetime = 120;
    req.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 5, "");
    oa_identity_token_forget();
    ok(oa_authorizer_answer(&cfg, &req, &r) == OA_OK && r.status == 200, "the authorizer allows");
    jwt = oa_response_get(&r, "Variable-OAUTH2_JWT");
    ok(jwt && verifies(jwt, ks.jwks), "ALLOW carries Variable-OAUTH2_JWT, which verifies");
    c = jwt ? part(jwt, 1) : NULL;
    is_str(jstr(c, "email"), "alice@example.com", "the token names the signed-in user");
    json_decref(c);
    {
        unsigned long before = oa_allocs;
        const char *again;
        char first[OA_IDTOKEN_MAX];
        snprintf(first, sizeof(first), "%s", jwt ? jwt : "");
        for (int i = 0; i < 100; i++)
            (void)oa_authorizer_answer(&cfg, &req, &r);
        again = oa_response_get(&r, "Variable-OAUTH2_JWT");
#ifndef OA_COUNT_MALLOC_OFF
        is_int(oa_allocs - before, 0, "100 more allows with the cached token: no heap allocation");
#else
        ok(before == oa_allocs, "allocations not counted under a sanitizer");
#endif
        ok(again && !strcmp(again, first), "and the same token each time");
    }
    req.request_uri = "/pub/x";
    req.cookie = NULL;
    ok(oa_authorizer_answer(&cfg, &req, &r) == OA_OK && r.status == 200 &&
           !oa_response_get(&r, "Variable-OAUTH2_JWT"),
       "a public rule without a session: allowed, no token");
    req.request_uri = "/app/x";
    req.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 5, "");
    ok(oa_endpoint_auth(&r, &cfg, &req) == OA_OK && r.status == 200, "/auth allows");
    jwt = oa_response_get(&r, "X-Auth-Request-Jwt");
    ok(jwt && verifies(jwt, ks.jwks), "/auth carries X-Auth-Request-Jwt for nginx");
    ok(oa_endpoint_jwks(&r, &cfg, &req) == OA_OK && r.status == 200 &&
           cfx_has(r.body.p, RFC8037_KID) && !cfx_has(r.body.p, "\"d\""),
       "/jwks publishes the key, without d");
    ok(oa_response_get(&r, "Cache-Control") &&
           strstr(oa_response_get(&r, "Cache-Control"), "max-age=300"),
       "/jwks may be cached for 5 minutes");
    cfg.identity_token.keys = NULL;
    (void)!oa_endpoint_jwks(&r, &cfg, &req);
    is_int(r.status, 404, "/jwks is 404 without identity_token");
    oa_response_reset(&r);
    oa_buf_free(&r.body);
    oa_sign_keys_free(&ks);
    cfx_free();
}

static void test_gen(void)
{
    char *pem = NULL;
    size_t len = 0;
    struct oa_sign_keys ks;
    struct oa_error err;

    ok(oa_sign_key_new_pem(&pem, &len) == OA_OK && pem && strstr(pem, "BEGIN PRIVATE KEY"),
       "a new Ed25519 key as PKCS#8 PEM");
    ok(pem && oa_sign_keys_parse(&ks, pem, len, "new", &err) == OA_OK && ks.n == 1 &&
           ks.k[0].alg == OA_SIGN_EDDSA,
       "which the key file reader takes");
    {
        char out[1024];
        ok(ks.n == 1 &&
               oa_jws_sign(out, sizeof(out), &ks.k[0], "a\"b", NULL, "{}", 2) == OA_ERR_BAD_INPUT &&
               out[0] == '\0',
           "a kid with a quote is refused, never written into the header");
        ok(ks.n == 1 && oa_jws_sign(out, sizeof(out), &ks.k[0], "k1", NULL, "{}", 2) == OA_OK &&
               verifies_with(out, &ks),
           "oa_jws_sign without typ (Apple's form) signs");
    }
    if (pem) {
        oa_wipe(pem, len);
        free(pem);
    }
    oa_sign_keys_free(&ks);
}

int main(void)
{
    if (!mkdtemp(dir) || oa_crypto_init() != OA_OK)
        return 1;
    test_rfc8037_kid();
    check_claims("EdDSA", new_pem("ED25519"));
    check_claims("ES256", new_pem("EC"));
    test_claims_edges();
    test_cache();
    test_rotation();
    test_bad();
    test_answers();
    test_gen();
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return tap_done();
}
