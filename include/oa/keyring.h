/*
 * keyring.h - the session keys: up to OA_KEYRING_MAX keys, the first seals,
 * every one opens (rotation). src/config/keyring.c.
 *
 * A key's id is derived from the key (a keyed, personalised BLAKE2b of
 * nothing), so it is stable across restarts and says nothing about the key.
 */
#ifndef OA_KEYRING_H
#define OA_KEYRING_H

#include <stddef.h>
#include <sys/types.h>

#include "oa/err.h"

#define OA_KEY_BYTES 32
#define OA_KEY_ID_BYTES 4
#define OA_KEYRING_MAX 16
/* A key-file line of a new key: 64 hex digits, '\n' and a NUL. */
#define OA_KEY_LINE_BYTES (2 * OA_KEY_BYTES + 2)

struct oa_key {
    unsigned char id[OA_KEY_ID_BYTES]; /* derived from the key: stable across restarts */
    unsigned char key[OA_KEY_BYTES];
};

/* The first key seals; every key opens (rotation). */
struct oa_keyring {
    size_t n;
    struct oa_key k[OA_KEYRING_MAX];
};

/* Loads a key file: one key a line (64 hex digits, or base64/base64url of
 * 32 bytes); blank lines and # comments skipped. A bad line is an error
 * with file:line; a file that group or others may write is refused
 * (file_mode.c, on the open descriptor); one that others may read is
 * accepted, with the warning's text in warn (cap bytes; "" when none; warn
 * may be NULL). kr is replaced (wiped first, and again on failure). */
enum oa_err oa_keyring_load_file_warn(struct oa_keyring *kr, const char *path, char *warn,
                                      size_t cap, struct oa_error *err) OA_WUR;
/* The same without the warning. */
enum oa_err oa_keyring_load_file(struct oa_keyring *kr, const char *path,
                                 struct oa_error *err) OA_WUR;
/* Reads a whole key file (capped at cap - 1 bytes) into buf; returns its
 * length or -1 (err at path). The mode is judged on the descriptor read
 * (file_mode.c: refused when group or others may write); warn gets the
 * readable-by-others text, if any. Also the identity token's key file
 * (sign_key.h). */
ssize_t oa_key_file_read(char *buf, size_t cap, const char *path, char *warn, size_t wcap,
                         struct oa_error *err);
/* One random key (no key file: sessions end with the process). */
enum oa_err oa_keyring_random(struct oa_keyring *kr) OA_WUR;
/* Adds one raw key (copied) at the end (tests, rotation). OA_ERR_CONFIG: an
 * all-zero key, or one already in the ring; OA_ERR_TOO_LARGE: the ring is
 * full. */
enum oa_err oa_keyring_add(struct oa_keyring *kr, const unsigned char key[OA_KEY_BYTES]) OA_WUR;
void oa_keyring_wipe(struct oa_keyring *kr);
/* Finds the key of id in kr (may be NULL); NULL when none. Points into kr. */
const struct oa_key *oa_keyring_find(const struct oa_keyring *kr,
                                     const unsigned char id[OA_KEY_ID_BYTES]);

/* A new random key (never all-zero) as a key-file line, for --gen-key
 * (fcgi/genkey.c writes the file: the core writes no file). The caller
 * wipes line after use. OA_ERR_CRYPTO when libsodium cannot start. */
enum oa_err oa_key_new_line(char line[OA_KEY_LINE_BYTES]) OA_WUR;

#endif
