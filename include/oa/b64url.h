/*
 * b64url.h - URL-safe base64 without padding (RFC 4648 section 5), the text
 * form of sealed values, state, PKCE and the JOSE parts of a JWT.
 * src/base/b64url.c; no library.
 */
#ifndef OA_B64URL_H
#define OA_B64URL_H

#include <stddef.h>

#include "oa/err.h"

/* Length of the text for n bytes (no NUL). */
size_t oa_b64url_len(size_t n);
/* Length of the bytes n characters decode to; (size_t)-1 when no byte
 * string encodes to n characters (n % 4 == 1). */
size_t oa_b64url_decoded_len(size_t n);
/* Writes the text of in and a NUL into out; OA_ERR_TOO_LARGE when
 * out_cap < oa_b64url_len(n)+1. Time depends only on n (secrets are encoded:
 * state, PKCE verifier, nonce). */
enum oa_err oa_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t n) OA_WUR;
/* Strict: URL-safe alphabet only, no padding, no whitespace, no trailing
 * garbage, unused low bits of the last character zero. OA_ERR_BAD_INPUT on
 * any of these, OA_ERR_TOO_LARGE when out_cap is short; *out_len (may be
 * NULL) is 0 on error. */
enum oa_err oa_b64url_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t n) OA_WUR;

#endif
