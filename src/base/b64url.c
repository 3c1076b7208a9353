/*
 * b64url.c - URL-safe base64 without padding, in both directions.
 *
 * Own code, no library (DESIGN.md section 0.1): the decoder is a table,
 * because the text decoded is a sealed value the client sent (public
 * ciphertext), a base64 key line or a JWT part, so libsodium's
 * constant-time decoder bought nothing and was 40% of an authorizer
 * decision (bench/decision). The encoder is branch-free and uses no table
 * indexed by the data, as libsodium's is: what it encodes is often secret
 * (state, PKCE verifier, nonce, a key).
 */
#include <stdint.h>

#include "oa/b64url.h"

size_t oa_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t oa_b64url_decoded_len(size_t n)
{
    if (n % 4 == 1)
        return (size_t)-1;
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/* 0xff when x < y, else 0 (x, y < 256); no branch. */
static unsigned lt_mask(unsigned x, unsigned y)
{
    return ((x - y) >> 8) & 0xffu;
}

/* The character of a 6-bit value, without a branch or a table. */
static char enc6(unsigned x)
{
    unsigned lt26 = lt_mask(x, 26), lt52 = lt_mask(x, 52), lt62 = lt_mask(x, 62);
    unsigned lt63 = lt_mask(x, 63);

    return (char)((lt26 & (x + 'A')) | (~lt26 & lt52 & (x - 26 + 'a')) |
                  (~lt52 & lt62 & (x - 52 + '0')) | (~lt62 & lt63 & '-') | (~lt63 & 0xffu & '_'));
}

enum oa_err oa_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t n)
{
    size_t i = 0, k = 0;
    uint32_t acc;

    if (out_cap < oa_b64url_len(n) + 1)
        return OA_ERR_TOO_LARGE;
    for (; i + 3 <= n; i += 3, k += 4) {
        acc = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[k] = enc6(acc >> 18);
        out[k + 1] = enc6((acc >> 12) & 63);
        out[k + 2] = enc6((acc >> 6) & 63);
        out[k + 3] = enc6(acc & 63);
    }
    if (n - i) {
        acc = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[k++] = enc6(acc >> 18);
        out[k++] = enc6((acc >> 12) & 63);
        if (n - i == 2)
            out[k++] = enc6((acc >> 6) & 63);
    }
    out[k] = '\0';
    return OA_OK;
}

static const signed char b64url_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63,
    ['_'] = 64}; /* value + 1; 0 = not in the alphabet */

/* Kept out of line: inlined into oa_b64url_decode, gcc 12 spends about one
 * instruction more per block on every authorizer decision (bench/callgrind.sh:
 * +83 a decision). */
#if defined(__GNUC__)
#define OUT_OF_LINE __attribute__((noinline))
#else
#define OUT_OF_LINE
#endif

/* Decodes n characters (n % 4 != 1) into out, which holds
 * oa_b64url_decoded_len(n) bytes. Returns 0, or -1 on a bad character or a
 * non-canonical ending. */
OUT_OF_LINE static int decode_raw(unsigned char *out, const char *in, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0, k = 0, rest;
    int bad = 0;
    uint32_t acc;

    /* whole blocks: 4 characters -> 3 bytes */
    for (; i + 4 <= n; i += 4, k += 3) {
        int a = b64url_val[p[i]] - 1, b = b64url_val[p[i + 1]] - 1;
        int c = b64url_val[p[i + 2]] - 1, d = b64url_val[p[i + 3]] - 1;
        bad |= a | b | c | d; /* negative when any is outside the alphabet */
        acc = (uint32_t)(a & 63) << 18 | (uint32_t)(b & 63) << 12 | (uint32_t)(c & 63) << 6 |
              (uint32_t)(d & 63);
        out[k] = (unsigned char)(acc >> 16);
        out[k + 1] = (unsigned char)(acc >> 8);
        out[k + 2] = (unsigned char)acc;
    }
    rest = n - i; /* 0, 2 or 3 (1 was refused by the caller's length check) */
    if (rest >= 2) {
        int a = b64url_val[p[i]] - 1, b = b64url_val[p[i + 1]] - 1;
        int c = rest == 3 ? b64url_val[p[i + 2]] - 1 : 0;
        bad |= a | b | c;
        acc = (uint32_t)(a & 63) << 18 | (uint32_t)(b & 63) << 12 | (uint32_t)(c & 63) << 6;
        out[k] = (unsigned char)(acc >> 16);
        if (rest == 3)
            out[k + 1] = (unsigned char)(acc >> 8);
        /* canonical form: the bits past the last byte must be zero */
        if (acc & (rest == 2 ? 0xffffu : 0xffu))
            bad = -1;
    } else if (rest) {
        bad = -1;
    }
    return bad < 0 ? -1 : 0;
}

enum oa_err oa_b64url_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t n)
{
    size_t want = oa_b64url_decoded_len(n);

    if (out_len)
        *out_len = 0;
    if (want == (size_t)-1)
        return OA_ERR_BAD_INPUT;
    if (want > out_cap)
        return OA_ERR_TOO_LARGE;
    if (n == 0)
        return OA_OK;
    if (decode_raw(out, in, n) != 0)
        return OA_ERR_BAD_INPUT;
    if (out_len)
        *out_len = want;
    return OA_OK;
}
