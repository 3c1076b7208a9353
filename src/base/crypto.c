/*
 * crypto.c - the small primitives every other unit borrows: randomness,
 * constant-time comparison, SHA-256, BLAKE2b-128, hex and wiping, over libsodium. Sealing
 * (seal.c) and the key ring (keyring.c) are the other files that call
 * libsodium; base64url has its own unit (src/base/b64url.c).
 */
#include <stdlib.h>

#include <sodium.h>

#include "oa/b64url.h"
#include "oa/crypto.h"

enum oa_err oa_crypto_init(void)
{
    return sodium_init() < 0 ? OA_ERR_CRYPTO : OA_OK;
}

void oa_random_bytes(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

/* Aborts when the contract (out_cap >= 2*n_bytes, and room for the text and
 * its NUL) is broken: a short or empty token would be a silent weakness. */
void oa_random_token(char *out, size_t out_cap, size_t n_bytes)
{
    unsigned char raw[256];

    if (n_bytes == 0 || n_bytes > sizeof(raw) || oa_b64url_len(n_bytes) + 1 > out_cap)
        abort();
    randombytes_buf(raw, n_bytes);
    if (oa_b64url_encode(out, out_cap, raw, n_bytes) != OA_OK)
        abort();
    sodium_memzero(raw, sizeof(raw));
}

bool oa_memeq_ct(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void oa_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

void oa_sha256(unsigned char out[32], const void *in, size_t n)
{
    crypto_hash_sha256(out, in, n);
}

bool oa_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hex_len)
{
    size_t got = 0;
    const char *end = NULL;

    return hex_len == 2 * n && sodium_hex2bin(out, n, hex, hex_len, NULL, &got, &end) == 0 &&
           got == n && end == hex + hex_len;
}

void oa_hex_encode(char *out, size_t cap, const unsigned char *in, size_t n)
{
    if (cap < 2 * n + 1)
        abort();
    sodium_bin2hex(out, cap, in, n);
}

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((struct oa_hash16 *)0)->st),
               "struct oa_hash16 holds libsodium's state");
_Static_assert(_Alignof(crypto_generichash_state) <= 64, "and is aligned for it");

void oa_hash16(unsigned char out[OA_HASH16_BYTES], const void *in, size_t n)
{
    crypto_generichash(out, OA_HASH16_BYTES, in, n, NULL, 0);
}

void oa_hash16_init(struct oa_hash16 *h)
{
    crypto_generichash_init((crypto_generichash_state *)(void *)h->st, NULL, 0, OA_HASH16_BYTES);
}

void oa_hash16_update(struct oa_hash16 *h, const void *in, size_t n)
{
    crypto_generichash_update((crypto_generichash_state *)(void *)h->st, in, n);
}

void oa_hash16_final(struct oa_hash16 *h, unsigned char out[OA_HASH16_BYTES])
{
    crypto_generichash_final((crypto_generichash_state *)(void *)h->st, out, OA_HASH16_BYTES);
    sodium_memzero(h->st, sizeof(h->st));
}
