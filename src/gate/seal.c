/*
 * seal.c - sealing (XChaCha20-Poly1305) under the key ring.
 *
 * Sealed text is URL-safe base64 (no padding) of
 *     version(1) | key id(4) | nonce(24) | ciphertext | tag(16)
 * with additional data = purpose | version | key id. The opener picks the
 * key by id (keyring.c), decodes and decrypts in the caller's buffer, and
 * never allocates.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "oa/b64url.h"
#include "oa/seal.h"

#define SEAL_VERSION 1
#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_HEAD (1 + OA_KEY_ID_BYTES + SEAL_NONCE)
#define SEAL_OVERHEAD (SEAL_HEAD + SEAL_TAG)
#define PURPOSE_MAX 64
_Static_assert(SEAL_OVERHEAD == OA_SEAL_OVERHEAD, "seal.h's OA_SEAL_OVERHEAD");

_Static_assert(OA_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");

size_t oa_sealed_len(size_t plain_len)
{
    return oa_b64url_len(plain_len + SEAL_OVERHEAD);
}

/* ad = purpose | version | key id; returns its length, 0 if purpose is too long. */
static size_t make_ad(unsigned char *ad, const char *purpose, const unsigned char *head)
{
    size_t n = strlen(purpose);

    if (n > PURPOSE_MAX)
        return 0;
    memcpy(ad, purpose, n);
    memcpy(ad + n, head, 1 + OA_KEY_ID_BYTES);
    return n + 1 + OA_KEY_ID_BYTES;
}

/* Seals with kr->k[0]. OA_ERR_INTERNAL without a key or with a bad
 * purpose; OA_ERR_TOO_LARGE when out is short; OA_ERR_NOMEM. Allocates a
 * scratch buffer (sealing happens at login, not on every request). */
enum oa_err oa_seal(char *out, size_t out_cap, size_t *out_len, const unsigned char *plain,
                    size_t plain_len, const char *purpose, const struct oa_keyring *kr)
{
    unsigned char ad[PURPOSE_MAX + 1 + OA_KEY_ID_BYTES];
    unsigned char *raw;
    size_t adlen, raw_len;
    unsigned long long clen = 0;
    enum oa_err e;

    if (out_len)
        *out_len = 0;
    if (!kr || kr->n == 0 || !purpose)
        return OA_ERR_INTERNAL;
    if (plain_len > (size_t)-1 / 2 - SEAL_OVERHEAD || out_cap < oa_sealed_len(plain_len) + 1)
        return OA_ERR_TOO_LARGE;
    raw_len = plain_len + SEAL_OVERHEAD;
    raw = malloc(raw_len);
    if (!raw)
        return OA_ERR_NOMEM;
    raw[0] = SEAL_VERSION;
    memcpy(raw + 1, kr->k[0].id, OA_KEY_ID_BYTES);
    randombytes_buf(raw + 1 + OA_KEY_ID_BYTES, SEAL_NONCE);
    adlen = make_ad(ad, purpose, raw);
    e = OA_ERR_INTERNAL;
    if (adlen &&
        crypto_aead_xchacha20poly1305_ietf_encrypt(raw + SEAL_HEAD, &clen, plain, plain_len, ad,
                                                   adlen, NULL, raw + 1 + OA_KEY_ID_BYTES,
                                                   kr->k[0].key) == 0 &&
        clen == plain_len + SEAL_TAG)
        e = oa_b64url_encode(out, out_cap, raw, raw_len);
    sodium_memzero(raw, raw_len);
    free(raw);
    if (e == OA_OK && out_len)
        *out_len = oa_sealed_len(plain_len);
    return e;
}

/* Where the bytes of a sealed record go while decoding: the header and tag
 * to the stack, the ciphertext (body_len bytes) to the caller's buffer. */
struct route {
    unsigned char *head, *body, *tag;
    size_t body_len;
};

/* Stores n decoded bytes that sit at offset pos of the record: up to three
 * copies (header, body, tag), not a branch per byte. */
static void route_bytes(const struct route *rt, size_t pos, const unsigned char *b, size_t n)
{
    size_t end = pos + n, body_end = SEAL_HEAD + rt->body_len, lo, hi;

    if (pos < SEAL_HEAD) {
        hi = end < SEAL_HEAD ? end : SEAL_HEAD;
        memcpy(rt->head + pos, b, hi - pos);
    }
    lo = pos > SEAL_HEAD ? pos : SEAL_HEAD;
    hi = end < body_end ? end : body_end;
    if (lo < hi)
        memcpy(rt->body + (lo - SEAL_HEAD), b + (lo - pos), hi - lo);
    lo = pos > body_end ? pos : body_end;
    if (lo < end)
        memcpy(rt->tag + (lo - body_end), b + (lo - pos), end - lo);
}

/* Streams the base64 text through a small stack buffer so that the
 * ciphertext lands at the start of the caller's plain buffer (decrypted
 * there in place): no allocation, and plain_cap need only hold the text.
 * Returns 0, or -1 on a bad character or non-canonical ending. */
static int decode_routed(const struct route *rt, const char *in, size_t n)
{
    unsigned char chunk[192];
    size_t pos = 0, off = 0;

    while (off < n) {
        size_t take = n - off > 256 ? 256 : n - off, got = 0;
        if (oa_b64url_decode(chunk, sizeof(chunk), &got, in + off, take) != OA_OK)
            return -1;
        route_bytes(rt, pos, chunk, got);
        pos += got;
        off += take;
    }
    return 0; /* chunk held ciphertext only: nothing to wipe */
}

/* Opens sealed text into plain. OA_ERR_CRYPTO for anything that does not
 * open (plain is wiped then); OA_ERR_TOO_LARGE when plain_cap is short. */
enum oa_err oa_open(unsigned char *plain, size_t plain_cap, size_t *plain_len, const char *in,
                    size_t in_len, const char *purpose, const struct oa_keyring *kr)
{
    unsigned char head[SEAL_HEAD], tag[SEAL_TAG], ad[PURPOSE_MAX + 1 + OA_KEY_ID_BYTES];
    const struct oa_key *k;
    size_t raw_len = oa_b64url_decoded_len(in_len), adlen;
    struct route rt = {head, plain, tag, 0};

    if (plain_len)
        *plain_len = 0;
    if (!in || !purpose || raw_len == (size_t)-1 || raw_len < SEAL_OVERHEAD)
        return OA_ERR_CRYPTO;
    rt.body_len = raw_len - SEAL_OVERHEAD;
    if (rt.body_len > plain_cap)
        return OA_ERR_TOO_LARGE;
    if (decode_routed(&rt, in, in_len) != 0 || head[0] != SEAL_VERSION ||
        !(k = oa_keyring_find(kr, head + 1)) || !(adlen = make_ad(ad, purpose, head)) ||
        crypto_aead_xchacha20poly1305_ietf_decrypt_detached(plain, NULL, plain, rt.body_len, tag,
                                                            ad, adlen, head + 1 + OA_KEY_ID_BYTES,
                                                            k->key) != 0) {
        sodium_memzero(plain, rt.body_len);
        return OA_ERR_CRYPTO;
    }
    if (plain_len)
        *plain_len = rt.body_len;
    return OA_OK;
}
