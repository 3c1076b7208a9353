/*
 * seal.h - sealed values: authenticated encryption of a cookie's payload
 * under the key ring. src/gate/seal.c.
 *
 * A sealed value is text (URL-safe base64, no padding) of
 *     version(1) | key id(4) | nonce(24) | XChaCha20-Poly1305 ciphertext+tag
 * with additional data = purpose string | version | key id, so a value
 * sealed for one purpose ("state", "session") never opens as another, and
 * the opener picks its key by id instead of trying every key.
 */
#ifndef OA_SEAL_H
#define OA_SEAL_H

#include <stddef.h>

#include "oa/err.h"
#include "oa/keyring.h"

/* Bytes a seal adds before base64url: version, key id, nonce, tag (seal.c
 * asserts it), for bounds computed where seal.c is not called (config). */
#define OA_SEAL_OVERHEAD (1 + 4 + 24 + 16)

/* Length of the sealed text for plain_len bytes of plaintext. */
size_t oa_sealed_len(size_t plain_len);

/* Seals plain into out (text, NUL-terminated) with kr->k[0].
 * OA_ERR_TOO_LARGE when out_cap < oa_sealed_len()+1; OA_ERR_INTERNAL
 * without a key or with a bad purpose; OA_ERR_NOMEM. */
enum oa_err oa_seal(char *out, size_t out_cap, size_t *out_len, const unsigned char *plain,
                    size_t plain_len, const char *purpose, const struct oa_keyring *kr) OA_WUR;
/* Opens sealed text. OA_ERR_CRYPTO: malformed, unknown key id, tampered or
 * wrong purpose (plain wiped); OA_ERR_TOO_LARGE: plain_cap too small. Does
 * not allocate. */
enum oa_err oa_open(unsigned char *plain, size_t plain_cap, size_t *plain_len, const char *in,
                    size_t in_len, const char *purpose, const struct oa_keyring *kr) OA_WUR;

#endif
