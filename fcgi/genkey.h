/*
 * genkey.h - --gen-key FILE: a new session key file (DESIGN.md section 1).
 */
#ifndef OA_GENKEY_H
#define OA_GENKEY_H

#include "oa/err.h"

/* Writes a new random key (64 hex digits, newline) to path, mode 0600.
 * Never overwrites (O_EXCL, no symlink followed); on a failure after the
 * file was made it is removed. OA_ERR_IO (or OA_ERR_CRYPTO) with path and
 * message in err. */
enum oa_err oa_key_generate_file(const char *path, struct oa_error *err) OA_WUR;

/* --gen-identity-key FILE: a new Ed25519 private key (PKCS#8 PEM) for
 * identity_token.key_file, written the same way (0600, never overwrites). */
enum oa_err oa_identity_key_generate_file(const char *path, struct oa_error *err) OA_WUR;

#endif
