/*
 * crypto.h - sealing, keys, randomness, encodings. src/gate/crypto.c is the only
 * file that calls libsodium.
 *
 * A sealed value is text (URL-safe base64, no padding) of
 *     version(1) | key id(4) | nonce(24) | XChaCha20-Poly1305 ciphertext+tag
 * with additional data = purpose string | version | key id, so a value
 * sealed for one purpose ("state", "session") never opens as another, and
 * the opener picks its key by id instead of trying every key.
 */
#ifndef OA_CRYPTO_H
#define OA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/err.h"

#define OA_KEY_BYTES 32
#define OA_KEY_ID_BYTES 4
#define OA_KEYRING_MAX 16

struct oa_key {
    unsigned char id[OA_KEY_ID_BYTES]; /* derived from the key: stable across restarts */
    unsigned char key[OA_KEY_BYTES];
};

/* The first key seals; every key opens (rotation). */
struct oa_keyring {
    size_t n;
    struct oa_key k[OA_KEYRING_MAX];
};

/* sodium_init(); call once at start-up. OA_ERR_CRYPTO on failure. */
enum oa_err oa_crypto_init(void) OA_WUR;

/* Loads a key file: one key a line (64 hex digits, or base64/base64url of
 * 32 bytes); blank lines and # comments skipped. A bad line is an error
 * with file:line; a file that group or others may write is refused
 * (file_mode.c, on the open descriptor); one that others may read is
 * accepted, with the warning's text in warn (cap bytes; "" when none; warn
 * may be NULL). */
enum oa_err oa_keyring_load_file_warn(struct oa_keyring *kr, const char *path, char *warn,
                                      size_t cap, struct oa_error *err) OA_WUR;
/* The same without the warning. */
enum oa_err oa_keyring_load_file(struct oa_keyring *kr, const char *path,
                                 struct oa_error *err) OA_WUR;
/* One random key (no key file: sessions end with the process). */
enum oa_err oa_keyring_random(struct oa_keyring *kr) OA_WUR;
/* Adds one raw key at the end (tests, rotation). */
enum oa_err oa_keyring_add(struct oa_keyring *kr, const unsigned char key[OA_KEY_BYTES]) OA_WUR;
void oa_keyring_wipe(struct oa_keyring *kr);

/* --gen-key: writes a new random key (hex, newline) to path, mode 0600,
 * refusing to overwrite an existing file. */
enum oa_err oa_key_generate_file(const char *path, struct oa_error *err) OA_WUR;

/* Length of the sealed text for plain_len bytes of plaintext. */
size_t oa_sealed_len(size_t plain_len);

/* Seals plain into out (text, NUL-terminated). OA_ERR_TOO_LARGE when
 * out_cap < oa_sealed_len()+1. */
enum oa_err oa_seal(char *out, size_t out_cap, size_t *out_len, const unsigned char *plain,
                    size_t plain_len, const char *purpose, const struct oa_keyring *kr) OA_WUR;
/* Opens sealed text. OA_ERR_CRYPTO: malformed, unknown key id, tampered or
 * wrong purpose; OA_ERR_TOO_LARGE: plain_cap too small. Does not allocate. */
enum oa_err oa_open(unsigned char *plain, size_t plain_cap, size_t *plain_len, const char *in,
                    size_t in_len, const char *purpose, const struct oa_keyring *kr) OA_WUR;

void oa_random_bytes(void *buf, size_t n);
/* Random URL-safe text of n_bytes random bytes (out_cap >= 2*n_bytes). */
void oa_random_token(char *out, size_t out_cap, size_t n_bytes);
/* True when equal; time depends only on n. */
bool oa_memeq_ct(const void *a, const void *b, size_t n) OA_WUR;
void oa_wipe(void *p, size_t n);
void oa_sha256(unsigned char out[32], const void *in, size_t n);

/* URL-safe base64 without padding. encode: out_cap >= oa_b64url_len(n)+1.
 * decode: OA_ERR_BAD_INPUT on a bad character, OA_ERR_TOO_LARGE on cap. */
size_t oa_b64url_len(size_t n);
enum oa_err oa_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t n) OA_WUR;
enum oa_err oa_b64url_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t n) OA_WUR;

#endif
