/*
 * crypto.h - the small primitives: randomness, constant-time comparison,
 * SHA-256, wiping. src/base/crypto.c. Sealing is seal.h, the keys
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

#endif
