/*
 * crypto.h - the small primitives: randomness, constant-time comparison,
 * SHA-256, BLAKE2b-128, hex, wiping. src/base/crypto.c. Sealing is seal.h, the keys
 * keyring.h, base64url b64url.h.
 */
#ifndef OA_CRYPTO_H
#define OA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"

/* sodium_init(); call once at start-up. OA_ERR_CRYPTO on failure. */
enum oa_err oa_crypto_init(void) OA_WUR;

void oa_random_bytes(void *buf, size_t n);
/* Random URL-safe text of n_bytes random bytes (out_cap >= 2*n_bytes). */
void oa_random_token(char *out, size_t out_cap, size_t n_bytes);
/* True when equal; time depends only on n. */
bool oa_memeq_ct(const void *a, const void *b, size_t n) OA_WUR;
void oa_wipe(void *p, size_t n);
void oa_sha256(unsigned char out[32], const void *in, size_t n);

/* n bytes from exactly 2n hex digits (either case): true; false on any
 * other text (out is then undefined). */
bool oa_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hex_len) OA_WUR;
/* 2n lower-case hex digits and a NUL into out; aborts when cap < 2n+1. */
void oa_hex_encode(char *out, size_t cap, const unsigned char *in, size_t n);

/* BLAKE2b with a 16-byte output (libsodium's crypto_generichash): the
 * revocation keys (oa_rev_key). One shot, or in parts through an opaque
 * state (large enough and aligned for libsodium's; crypto.c checks). */
#define OA_HASH16_BYTES 16
struct oa_hash16 {
    _Alignas(64) unsigned char st[384];
};
void oa_hash16(unsigned char out[OA_HASH16_BYTES], const void *in, size_t n);
void oa_hash16_init(struct oa_hash16 *h);
void oa_hash16_update(struct oa_hash16 *h, const void *in, size_t n);
/* Writes the digest and wipes the state. */
void oa_hash16_final(struct oa_hash16 *h, unsigned char out[OA_HASH16_BYTES]);

#endif
