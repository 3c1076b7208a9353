/*
 * sign_key.h - private signing keys read from PEM (EC P-256 for ES256,
 * Ed25519 for EdDSA), their public JWKs and RFC 7638 thumbprints, and the
 * compact JWS (src/config/sign_key.c): the one signer of the identity
 * token (identity_token.h) and of Apple's ES256 client secret
 * (src/flow/jwt_sign.c).
 *
 * A key file holds one or more PEM private keys (PKCS#8 "PRIVATE KEY", or
 * SEC1 "EC PRIVATE KEY"); the first signs, every one is published
 * (rotation). The config loader reads the file (keyring.h's reader: the
 * same mode checks as session.key_file); signing does no I/O.
 */
#ifndef OA_SIGN_KEY_H
#define OA_SIGN_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "oa/err.h"

enum oa_sign_alg { OA_SIGN_ES256 = 1, OA_SIGN_EDDSA };

#define OA_SIGN_KEYS_MAX 8
#define OA_SIGN_KID_LEN 43 /* base64url of a SHA-256 thumbprint */
#define OA_SIGN_SIG_MAX 64 /* ES256: R||S; EdDSA: the Ed25519 signature */
#define OA_P256_BYTES 32

struct oa_sign_key {
    enum oa_sign_alg alg;
    char kid[OA_SIGN_KID_LEN + 1];        /* RFC 7638 thumbprint of the public key */
    unsigned char pub[2 * OA_P256_BYTES]; /* ES256: x||y; EdDSA: the 32-byte key */
    unsigned char ed_sk[64];              /* EdDSA: libsodium's secret key (seed||pk) */
    void *evp;                            /* ES256: the EVP_PKEY (owned) */
};

/* The keys of a key file, and the JWKS document that publishes them. */
struct oa_sign_keys {
    size_t n;
    struct oa_sign_key k[OA_SIGN_KEYS_MAX];
    char *jwks; /* {"keys":[...]} of the public parts only (owned) */
};

/* One key from PEM text (PKCS#8 or SEC1): EC P-256 or Ed25519, its kid
 * the thumbprint. OA_ERR_BAD_INPUT when it is no such key (an encrypted
 * one included: no pass phrase is ever asked). Free with oa_sign_key_free. */
enum oa_err oa_sign_key_from_pem(struct oa_sign_key *k, const char *pem, size_t len) OA_WUR;
void oa_sign_key_free(struct oa_sign_key *k);

/* Parses key-file text (len bytes; name for messages): PEM blocks, blank
 * lines and # comments. Errors are OA_ERR_CONFIG at name:LINE (a block
 * that is not an EC P-256 or Ed25519 private key, an encrypted key, text
 * outside a block, a repeated key, more than OA_SIGN_KEYS_MAX, none).
 * On success ks is filled (oa_sign_keys_free). */
enum oa_err oa_sign_keys_parse(struct oa_sign_keys *ks, const char *text, size_t len,
                               const char *name, struct oa_error *err) OA_WUR;
/* Reads and parses the key file at path (keyring.h's reader: regular file,
 * not writable by group or others; warn gets the readable-by-others text). */
enum oa_err oa_sign_keys_load_file(struct oa_sign_keys *ks, const char *path, char *warn,
                                   size_t wcap, struct oa_error *err) OA_WUR;
void oa_sign_keys_free(struct oa_sign_keys *ks);

/* "ES256" or "EdDSA". */
const char *oa_sign_alg_name(enum oa_sign_alg alg);
/* Signs msg (n bytes) with k into sig; returns the signature's length
 * (64), or 0 when signing failed. EdDSA does not allocate. */
size_t oa_sign(const struct oa_sign_key *k, const void *msg, size_t n,
               unsigned char sig[OA_SIGN_SIG_MAX]);

/* The compact JWS of payload (n bytes) signed by k, header {"alg", "kid"
 * [, "typ"]} (typ NULL: none), into out (cap bytes, NUL-terminated; ""
 * on failure). OA_ERR_TOO_LARGE when it does not fit, OA_ERR_CRYPTO when
 * signing failed, OA_ERR_BAD_INPUT when kid or typ hold a quote, a
 * backslash or a control byte. EdDSA allocates nothing. */
enum oa_err oa_jws_sign(char *out, size_t cap, const struct oa_sign_key *k, const char *kid,
                        const char *typ, const char *payload, size_t n) OA_WUR;

/* A new Ed25519 private key as PKCS#8 PEM, for --gen-identity-key (the
 * edge writes the file). New string in *out; the caller wipes and frees it. */
enum oa_err oa_sign_key_new_pem(char **out, size_t *len) OA_WUR;

#endif
