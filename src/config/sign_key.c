/*
 * sign_key.c - private signing keys from PEM (EC P-256, Ed25519), their
 * RFC 7638 thumbprints and public JWKS, and the compact JWS (sign_key.h):
 * the one signer of the identity token and of Apple's client secret. The key file of
 * identity_token: is read and parsed here at config load; signing afterwards touches no file.
 *
 * libcrypto reads the PEM. An Ed25519 key becomes libsodium's (signing is
 * then allocation-free and constant-time); a P-256 key stays an EVP_PKEY
 * and is signed with libcrypto (a miss of the token cache only).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "oa/b64url.h"
#include "oa/buf.h"
#include "oa/crypto.h"
#include "oa/keyring.h"
#include "oa/sign_key.h"

#define SIGN_KEY_FILE_MAX (64 * 1024)
#define PEM_BLOCK_MAX 16384

/* Never ask for a pass phrase (libcrypto's default would read the terminal). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static EVP_PKEY *pkey_from_pem(const char *pem, size_t len)
{
    EVP_PKEY *pkey;
    BIO *bio;

    if (len > PEM_BLOCK_MAX || !(bio = BIO_new_mem_buf(pem, (int)len)))
        return NULL;
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    return pkey;
}

/* The bignum parameter name of pkey as exactly OA_P256_BYTES big-endian bytes. */
static bool bn_param(const EVP_PKEY *pkey, const char *name, uint8_t out[OA_P256_BYTES])
{
    BIGNUM *bn = NULL;
    bool ok;

    if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
        return false;
    ok = BN_bn2binpad(bn, out, OA_P256_BYTES) == OA_P256_BYTES;
    BN_clear_free(bn);
    return ok;
}

static bool is_p256(const EVP_PKEY *pkey)
{
    char group[64] = "";

    return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
           EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                          NULL) &&
           strcmp(group, "prime256v1") == 0;
}

const char *oa_sign_alg_name(enum oa_sign_alg alg)
{
    return alg == OA_SIGN_EDDSA ? "EdDSA" : "ES256";
}

/* The public JWK members of k, in RFC 7638's order (crv, kty, x[, y]). */
static void jwk_members(struct oa_buf *b, const struct oa_sign_key *k)
{
    char x[64], y[64];

    if (k->alg == OA_SIGN_EDDSA) {
        if (oa_b64url_encode(x, sizeof(x), k->pub, 32) != OA_OK)
            oa_buf_fail(b, OA_ERR_INTERNAL);
        oa_buf_printf(b, "\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"", x);
        return;
    }
    if (oa_b64url_encode(x, sizeof(x), k->pub, OA_P256_BYTES) != OA_OK ||
        oa_b64url_encode(y, sizeof(y), k->pub + OA_P256_BYTES, OA_P256_BYTES) != OA_OK)
        oa_buf_fail(b, OA_ERR_INTERNAL);
    oa_buf_printf(b, "\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
}

/* kid = base64url(SHA-256(the canonical public JWK)), RFC 7638. */
static enum oa_err thumbprint(struct oa_sign_key *k)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    struct oa_buf b;
    enum oa_err e;

    oa_buf_init(&b, 512);
    oa_buf_puts(&b, "{");
    jwk_members(&b, k);
    oa_buf_puts(&b, "}");
    if (!(e = oa_buf_error(&b))) {
        crypto_hash_sha256(h, (const unsigned char *)b.p, b.len);
        e = oa_b64url_encode(k->kid, sizeof(k->kid), h, sizeof(h));
    }
    oa_buf_free(&b);
    return e;
}

enum oa_err oa_sign_key_from_pem(struct oa_sign_key *k, const char *pem, size_t len)
{
    unsigned char seed[32];
    size_t slen = sizeof(seed);
    EVP_PKEY *pkey = pkey_from_pem(pem, len);
    enum oa_err e = OA_ERR_BAD_INPUT;

    memset(k, 0, sizeof(*k));
    if (!pkey)
        return OA_ERR_BAD_INPUT;
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
        if (EVP_PKEY_get_raw_private_key(pkey, seed, &slen) == 1 && slen == sizeof(seed) &&
            crypto_sign_seed_keypair(k->pub, k->ed_sk, seed) == 0) {
            k->alg = OA_SIGN_EDDSA;
            e = OA_OK;
        }
        oa_wipe(seed, sizeof(seed));
        EVP_PKEY_free(pkey);
    } else if (is_p256(pkey) && bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, k->pub) &&
               bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, k->pub + OA_P256_BYTES)) {
        k->alg = OA_SIGN_ES256;
        k->evp = pkey;
        e = OA_OK;
    } else {
        EVP_PKEY_free(pkey);
    }
    if (!e && (e = thumbprint(k)) != OA_OK)
        e = OA_ERR_INTERNAL;
    return e;
}

void oa_sign_key_free(struct oa_sign_key *k)
{
    EVP_PKEY_free(k->evp);
    sodium_memzero(k, sizeof(*k));
}

void oa_sign_keys_free(struct oa_sign_keys *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++)
        oa_sign_key_free(&ks->k[i]);
    free(ks->jwks);
    memset(ks, 0, sizeof(*ks));
}

/* The JWKS document: the public members, kid, alg and use of every key. */
static enum oa_err make_jwks(struct oa_sign_keys *ks)
{
    struct oa_buf b;

    oa_buf_init(&b, 64 * 1024);
    oa_buf_puts(&b, "{\"keys\":[");
    for (size_t i = 0; i < ks->n; i++) {
        oa_buf_puts(&b, i ? ",{" : "{");
        jwk_members(&b, &ks->k[i]);
        oa_buf_printf(&b, ",\"kid\":\"%s\",\"alg\":\"%s\",\"use\":\"sig\"}", ks->k[i].kid,
                      oa_sign_alg_name(ks->k[i].alg));
    }
    oa_buf_puts(&b, "]}\n");
    if (oa_buf_error(&b)) {
        oa_buf_free(&b);
        return OA_ERR_NOMEM;
    }
    ks->jwks = oa_buf_steal(&b);
    return ks->jwks ? OA_OK : OA_ERR_NOMEM;
}

/* The line [s, e) without its trailing blanks and CR. */
static size_t trimmed(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

/* Adds the PEM block text[start, end) that began at line; errors at name:line. */
static enum oa_err add_block(struct oa_sign_keys *ks, const char *pem, size_t len, const char *name,
                             unsigned line, struct oa_error *err)
{
    struct oa_sign_key *k;
    enum oa_err e;

    if (ks->n >= OA_SIGN_KEYS_MAX)
        return oa_error_at(err, OA_ERR_CONFIG, name, line, 1, "more than %d keys",
                           OA_SIGN_KEYS_MAX);
    k = &ks->k[ks->n];
    if (memmem(pem, len, "ENCRYPTED", 9))
        return oa_error_at(err, OA_ERR_CONFIG, name, line, 1,
                           "an encrypted key cannot be used (no pass phrase is asked)");
    e = oa_sign_key_from_pem(k, pem, len);
    if (e == OA_ERR_BAD_INPUT)
        return oa_error_at(err, OA_ERR_CONFIG, name, line, 1,
                           "not an EC P-256 or Ed25519 private key (PEM, PKCS#8)");
    if (e)
        return oa_error_at(err, e, name, line, 1, "cannot read the key");
    for (size_t i = 0; i < ks->n; i++)
        if (strcmp(ks->k[i].kid, k->kid) == 0) {
            oa_sign_key_free(k);
            return oa_error_at(err, OA_ERR_CONFIG, name, line, 1, "the same key twice");
        }
    ks->n++;
    return OA_OK;
}

/* Walks the lines: a block runs from "-----BEGIN " to "-----END "; outside
 * one only blank lines and # comments. */
static enum oa_err parse_lines(struct oa_sign_keys *ks, const char *text, size_t len,
                               const char *name, struct oa_error *err)
{
    size_t pos = 0, block = 0;
    unsigned line = 0, block_line = 0;
    bool in = false;
    enum oa_err e;

    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos, t = trimmed(s, n), b = 0;
        line++;
        while (b < t && (s[b] == ' ' || s[b] == '\t'))
            b++;
        if (!in && t - b >= 11 && memcmp(s + b, "-----BEGIN ", 11) == 0) {
            in = true;
            block = pos;
            block_line = line;
        } else if (in && t - b >= 9 && memcmp(s + b, "-----END ", 9) == 0) {
            in = false;
            if ((e = add_block(ks, text + block, pos + n - block, name, block_line, err)))
                return e;
        } else if (!in && b < t && s[b] != '#') {
            return oa_error_at(err, OA_ERR_CONFIG, name, line, (unsigned)b + 1,
                               "line %u: text outside a PEM block (-----BEGIN PRIVATE KEY-----)",
                               line);
        }
        pos += n + (nl ? 1 : 0);
    }
    if (in)
        return oa_error_at(err, OA_ERR_CONFIG, name, block_line, 1, "a PEM block without its END");
    if (!ks->n)
        return oa_error_at(err, OA_ERR_CONFIG, name, 0, 0, "the key file holds no key");
    return OA_OK;
}

enum oa_err oa_sign_keys_parse(struct oa_sign_keys *ks, const char *text, size_t len,
                               const char *name, struct oa_error *err)
{
    enum oa_err e;

    memset(ks, 0, sizeof(*ks));
    if (sodium_init() < 0)
        return oa_error_at(err, OA_ERR_CRYPTO, name, 0, 0, "libsodium did not initialise");
    e = parse_lines(ks, text, len, name, err);
    if (!e && (e = make_jwks(ks)))
        oa_error_set(err, e, "out of memory");
    if (e)
        oa_sign_keys_free(ks);
    return e;
}

enum oa_err oa_sign_keys_load_file(struct oa_sign_keys *ks, const char *path, char *warn,
                                   size_t wcap, struct oa_error *err)
{
    static const size_t cap = SIGN_KEY_FILE_MAX + 1;
    char *buf;
    ssize_t len;
    enum oa_err e;

    memset(ks, 0, sizeof(*ks));
    if (sodium_init() < 0)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "libsodium did not initialise");
    if (!(buf = sodium_malloc(cap)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory reading the key file");
    if (warn && wcap)
        warn[0] = '\0';
    len = oa_key_file_read(buf, cap, path, warn, wcap, err);
    e = len < 0 ? OA_ERR_CONFIG : oa_sign_keys_parse(ks, buf, (size_t)len, path, err);
    sodium_free(buf); /* wipes */
    return e;
}

/* libcrypto's DER ECDSA signature as JWS's R||S. */
static size_t es256_sign(EVP_PKEY *pkey, const void *msg, size_t n, unsigned char sig[64])
{
    unsigned char der[80];
    const unsigned char *p = der;
    size_t dlen = sizeof(der), out = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ECDSA_SIG *s = NULL;
    const BIGNUM *r, *sv;

    if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        EVP_DigestSign(ctx, der, &dlen, msg, n) == 1 && (s = d2i_ECDSA_SIG(NULL, &p, (long)dlen))) {
        ECDSA_SIG_get0(s, &r, &sv);
        if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(sv, sig + 32, 32) == 32)
            out = 64;
    }
    ECDSA_SIG_free(s);
    EVP_MD_CTX_free(ctx);
    return out;
}

size_t oa_sign(const struct oa_sign_key *k, const void *msg, size_t n,
               unsigned char sig[OA_SIGN_SIG_MAX])
{
    if (k->alg == OA_SIGN_EDDSA)
        return crypto_sign_detached(sig, NULL, msg, n, k->ed_sk) == 0 ? 64 : 0;
    if (k->alg == OA_SIGN_ES256 && k->evp)
        return es256_sign(k->evp, msg, n, sig);
    return 0;
}

/* Appends base64url of in[0, n) at out + *len; false when it does not fit. */
static bool b64_at(char *out, size_t cap, size_t *len, const void *in, size_t n)
{
    if (oa_b64url_len(n) + 1 > cap - *len ||
        oa_b64url_encode(out + *len, cap - *len, in, n) != OA_OK)
        return false;
    *len += oa_b64url_len(n);
    return true;
}

/* A header value written as it is: no quote, backslash or control byte. */
static bool plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
            return false;
    return true;
}

enum oa_err oa_jws_sign(char *out, size_t cap, const struct oa_sign_key *k, const char *kid,
                        const char *typ, const char *payload, size_t n)
{
    unsigned char sig[OA_SIGN_SIG_MAX];
    char head[256];
    size_t len = 0, siglen;
    int hn = snprintf(head, sizeof(head), "{\"alg\":\"%s\",\"kid\":\"%s\"%s%s%s}",
                      oa_sign_alg_name(k->alg), kid, typ ? ",\"typ\":\"" : "", typ ? typ : "",
                      typ ? "\"" : "");
    enum oa_err e = OA_ERR_TOO_LARGE;

    if (cap)
        out[0] = '\0';
    if (!plain(kid) || (typ && !plain(typ)))
        return OA_ERR_BAD_INPUT;
    if (hn <= 0 || (size_t)hn >= sizeof(head) || !b64_at(out, cap, &len, head, (size_t)hn) ||
        len + 1 >= cap)
        goto fail;
    out[len++] = '.';
    if (!b64_at(out, cap, &len, payload, n) || len + 1 >= cap)
        goto fail;
    if (!(siglen = oa_sign(k, out, len, sig))) {
        e = OA_ERR_CRYPTO;
        goto fail;
    }
    out[len++] = '.';
    if (!b64_at(out, cap, &len, sig, siglen))
        goto fail;
    out[len] = '\0';
    return OA_OK;
fail:
    if (cap)
        out[0] = '\0';
    return e;
}

enum oa_err oa_sign_key_new_pem(char **out, size_t *len)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *bio = pkey ? BIO_new(BIO_s_secmem()) : NULL;
    enum oa_err e = OA_ERR_CRYPTO;
    char *data;
    long n;

    *out = NULL;
    *len = 0;
    if (bio && PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
        (n = BIO_get_mem_data(bio, &data)) > 0) {
        if ((*out = malloc((size_t)n + 1))) {
            memcpy(*out, data, (size_t)n);
            (*out)[n] = '\0';
            *len = (size_t)n;
            e = OA_OK;
        } else {
            e = OA_ERR_NOMEM;
        }
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return e;
}
