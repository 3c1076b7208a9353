/*
 * crypto.c - sealing (XChaCha20-Poly1305), keys, randomness, base64url,
 * SHA-256 and wiping. The only file that calls libsodium.
 *
 * Sealed text is URL-safe base64 (no padding) of
 *     version(1) | key id(4) | nonce(24) | ciphertext | tag(16)
 * with additional data = purpose | version | key id. The key id is a keyed,
 * personalised BLAKE2b of nothing under the key itself: stable across
 * restarts, and saying nothing about the key. The opener picks the key by
 * id, decodes and decrypts in the caller's buffer, and never allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oa/crypto.h"
#include "oa/file_mode.h"

#define SEAL_VERSION 1
#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_HEAD (1 + OA_KEY_ID_BYTES + SEAL_NONCE)
#define SEAL_OVERHEAD (SEAL_HEAD + SEAL_TAG)
#define PURPOSE_MAX 64
#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define KEY_FILE_MAX (64 * 1024)

_Static_assert(OA_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");

enum oa_err oa_crypto_init(void)
{
    return sodium_init() < 0 ? OA_ERR_CRYPTO : OA_OK;
}

/* ---- randomness, comparison, hashing, wiping ---- */

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

/* ---- base64url ---- */

size_t oa_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* Decoded length of n base64 characters without padding; (size_t)-1 when
 * no byte string encodes to that length. */
static size_t b64url_decoded_len(size_t n)
{
    if (n % 4 == 1)
        return (size_t)-1;
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/* Base64url decoding with a table. The text decoded here is a sealed value
 * the client sent (public ciphertext) or a base64 key line, so libsodium's
 * constant-time decoder buys nothing, and it was 40% of an authorizer
 * decision (bench/decision). Strict: URL-safe alphabet only, no padding,
 * and the unused low bits of the last character must be zero. */
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

/* Decodes n characters (n % 4 != 1) into out, which holds
 * b64url_decoded_len(n) bytes. Returns 0, or -1 on a bad character or a
 * non-canonical ending. */
static int b64url_decode_raw(unsigned char *out, const char *in, size_t n)
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

enum oa_err oa_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t n)
{
    if (out_cap < oa_b64url_len(n) + 1)
        return OA_ERR_TOO_LARGE;
    sodium_bin2base64(out, out_cap, in, n, B64_VARIANT);
    return OA_OK;
}

/* Strict: URL-safe alphabet only, no padding, no whitespace, no trailing
 * garbage, unused low bits of the last character zero. */
enum oa_err oa_b64url_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t n)
{
    size_t want = b64url_decoded_len(n), got = 0;

    if (out_len)
        *out_len = 0;
    if (want == (size_t)-1)
        return OA_ERR_BAD_INPUT;
    if (want > out_cap)
        return OA_ERR_TOO_LARGE;
    if (n == 0)
        return OA_OK;
    if (b64url_decode_raw(out, in, n) != 0)
        return OA_ERR_BAD_INPUT;
    got = want;
    if (out_len)
        *out_len = got;
    return OA_OK;
}

/* ---- keys ---- */

static void key_id(unsigned char id[OA_KEY_ID_BYTES], const unsigned char key[OA_KEY_BYTES])
{
    static const unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] =
        "oauth2-fcgi kid";
    static const unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {0};

    crypto_generichash_blake2b_salt_personal(id, OA_KEY_ID_BYTES, NULL, 0, key, OA_KEY_BYTES, salt,
                                             personal);
}

/* OA_ERR_CONFIG: an all-zero key, or one already in the ring;
 * OA_ERR_TOO_LARGE: the ring is full. The key is copied. */
enum oa_err oa_keyring_add(struct oa_keyring *kr, const unsigned char key[OA_KEY_BYTES])
{
    struct oa_key *k;
    size_t i;

    if (sodium_is_zero(key, OA_KEY_BYTES))
        return OA_ERR_CONFIG;
    if (kr->n >= OA_KEYRING_MAX)
        return OA_ERR_TOO_LARGE;
    k = &kr->k[kr->n];
    key_id(k->id, key);
    for (i = 0; i < kr->n; i++)
        if (memcmp(kr->k[i].id, k->id, OA_KEY_ID_BYTES) == 0) {
            sodium_memzero(k, sizeof(*k));
            return OA_ERR_CONFIG;
        }
    memcpy(k->key, key, OA_KEY_BYTES);
    kr->n++;
    return OA_OK;
}

void oa_keyring_wipe(struct oa_keyring *kr)
{
    sodium_memzero(kr, sizeof(*kr));
}

enum oa_err oa_keyring_random(struct oa_keyring *kr)
{
    unsigned char key[OA_KEY_BYTES];
    enum oa_err e;

    if (sodium_init() < 0)
        return OA_ERR_CRYPTO;
    oa_keyring_wipe(kr);
    do
        randombytes_buf(key, sizeof(key));
    while (sodium_is_zero(key, sizeof(key)));
    e = oa_keyring_add(kr, key);
    sodium_memzero(key, sizeof(key));
    return e;
}

/* One key from a trimmed line: 64 hex digits, or standard/URL-safe base64
 * (padded or not) of exactly 32 bytes. Returns 0 or -1. */
static int parse_key(unsigned char key[OA_KEY_BYTES], const char *s, size_t n)
{
    static const int variants[] = {
        sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    size_t got = 0, i;

    if (n == 2 * OA_KEY_BYTES)
        return sodium_hex2bin(key, OA_KEY_BYTES, s, n, NULL, &got, NULL) == 0 && got == OA_KEY_BYTES
                   ? 0
                   : -1;
    if (n != 43 && n != 44)
        return -1;
    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
        if (sodium_base642bin(key, OA_KEY_BYTES, s, n, NULL, &got, NULL, variants[i]) == 0 &&
            got == OA_KEY_BYTES)
            return 0;
    return -1;
}

/* Reads the whole file (capped) into buf; returns its length or -1. The
 * mode is judged on the descriptor read (file_mode.c); warn gets the
 * readable-by-others text, if any. */
static ssize_t read_key_file(char *buf, size_t cap, const char *path, char *warn, size_t wcap,
                             struct oa_error *err)
{
    struct stat st;
    size_t len = 0;
    char msg[256];
    bool others_read = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "cannot open the key file: %s",
                    strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "the key file is not a regular file");
        return -1;
    }
    if (oa_file_mode_check(fd, &others_read, msg, sizeof(msg)) != OA_OK) {
        close(fd);
        oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "the key file is %s", msg);
        return -1;
    }
    if (others_read && warn)
        snprintf(warn, wcap, "%s", msg);
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "cannot read the key file: %s",
                        strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == cap) {
            close(fd);
            oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "the key file is over %u bytes",
                        (unsigned)(cap - 1));
            return -1;
        }
    }
    close(fd);
    return (ssize_t)len;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one line (not NUL-terminated) into kr. */
static enum oa_err key_line(struct oa_keyring *kr, const char *s, size_t n, const char *path,
                            unsigned lineno, struct oa_error *err)
{
    unsigned char key[OA_KEY_BYTES];
    size_t b = 0;
    enum oa_err e;

    while (b < n && is_blank(s[b]))
        b++;
    while (n > b && is_blank(s[n - 1]))
        n--;
    if (b == n || s[b] == '#')
        return OA_OK;
    if (parse_key(key, s + b, n - b) != 0) {
        sodium_memzero(key, sizeof(key));
        return oa_error_at(err, OA_ERR_CONFIG, path, lineno, (unsigned)b + 1,
                           "line %u: a key must be 64 hex digits or base64 of 32 bytes", lineno);
    }
    e = oa_keyring_add(kr, key);
    sodium_memzero(key, sizeof(key));
    if (e == OA_ERR_TOO_LARGE)
        return oa_error_at(err, OA_ERR_CONFIG, path, lineno, (unsigned)b + 1,
                           "line %u: more than %d keys", lineno, OA_KEYRING_MAX);
    if (e != OA_OK)
        return oa_error_at(err, OA_ERR_CONFIG, path, lineno, (unsigned)b + 1,
                           "line %u: an all-zero or repeated key is refused", lineno);
    return OA_OK;
}

/* kr is replaced (wiped first, and wiped again on failure). OA_ERR_CONFIG
 * with path and line in err on any problem; the file's bytes are wiped. */
enum oa_err oa_keyring_load_file(struct oa_keyring *kr, const char *path, struct oa_error *err)
{
    return oa_keyring_load_file_warn(kr, path, NULL, 0, err);
}

enum oa_err oa_keyring_load_file_warn(struct oa_keyring *kr, const char *path, char *warn,
                                      size_t wcap, struct oa_error *err)
{
    static const size_t cap = KEY_FILE_MAX + 1;
    char *buf;
    ssize_t len;
    size_t start = 0, i;
    unsigned lineno = 0;
    enum oa_err e = OA_OK;

    oa_keyring_wipe(kr);
    if (sodium_init() < 0)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "libsodium did not initialise");
    buf = sodium_malloc(cap);
    if (!buf)
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory reading the key file");
    if (warn && wcap)
        warn[0] = '\0';
    len = read_key_file(buf, cap, path, warn, wcap, err);
    if (len < 0) {
        sodium_free(buf);
        return OA_ERR_CONFIG;
    }
    for (i = 0; i <= (size_t)len && e == OA_OK; i++) {
        if (i < (size_t)len && buf[i] != '\n')
            continue;
        lineno++;
        e = key_line(kr, buf + start, i - start, path, lineno, err);
        start = i + 1;
    }
    sodium_free(buf); /* sodium_free wipes */
    if (e == OA_OK && kr->n == 0)
        e = oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "the key file holds no key");
    if (e != OA_OK)
        oa_keyring_wipe(kr);
    return e;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Never overwrites (O_EXCL, no symlink followed); on failure after creating
 * the file it is removed. OA_ERR_IO with a message in err. */
enum oa_err oa_key_generate_file(const char *path, struct oa_error *err)
{
    unsigned char key[OA_KEY_BYTES];
    char hex[2 * OA_KEY_BYTES + 2];
    int fd, bad;

    if (sodium_init() < 0)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "libsodium did not initialise");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return oa_error_at(err, OA_ERR_IO, path, 0, 0, "cannot create the key file: %s",
                           strerror(errno));
    do
        randombytes_buf(key, sizeof(key));
    while (sodium_is_zero(key, sizeof(key)));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    hex[2 * OA_KEY_BYTES] = '\n';
    bad = fchmod(fd, 0600) != 0 || write_all(fd, hex, 2 * OA_KEY_BYTES + 1) != 0 || fsync(fd) != 0;
    sodium_memzero(key, sizeof(key));
    sodium_memzero(hex, sizeof(hex));
    if (close(fd) != 0)
        bad = 1;
    if (bad) {
        int saved = errno;
        unlink(path);
        return oa_error_at(err, OA_ERR_IO, path, 0, 0, "cannot write the key file: %s",
                           strerror(saved));
    }
    return OA_OK;
}

/* ---- sealing ---- */

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

static const struct oa_key *find_key(const struct oa_keyring *kr, const unsigned char *id)
{
    size_t i;

    for (i = 0; kr && i < kr->n; i++)
        if (memcmp(kr->k[i].id, id, OA_KEY_ID_BYTES) == 0)
            return &kr->k[i];
    return NULL;
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
        got = b64url_decoded_len(take);
        if (got == (size_t)-1 || b64url_decode_raw(chunk, in + off, take) != 0)
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
    size_t raw_len = b64url_decoded_len(in_len), adlen;
    struct route rt = {head, plain, tag, 0};

    if (plain_len)
        *plain_len = 0;
    if (!in || !purpose || raw_len == (size_t)-1 || raw_len < SEAL_OVERHEAD)
        return OA_ERR_CRYPTO;
    rt.body_len = raw_len - SEAL_OVERHEAD;
    if (rt.body_len > plain_cap)
        return OA_ERR_TOO_LARGE;
    if (decode_routed(&rt, in, in_len) != 0 || head[0] != SEAL_VERSION ||
        !(k = find_key(kr, head + 1)) || !(adlen = make_ad(ad, purpose, head)) ||
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
