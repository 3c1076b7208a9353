/* test_crypto.c - sealing, key ids and rotation, base64url, key files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/keyring.h"
#include "oa/seal.h"
#include "tap.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static char tmpdir[] = "/tmp/oa-test-crypto-XXXXXX";

static void key_fill(unsigned char k[OA_KEY_BYTES], unsigned char start)
{
    for (int i = 0; i < OA_KEY_BYTES; i++)
        k[i] = (unsigned char)(start + i);
}

/* The key id in the sealed text (bytes 1..4 of the decoded record). */
static int sealed_kid(const char *s, unsigned char id[OA_KEY_ID_BYTES])
{
    unsigned char raw[6];
    size_t n;

    if (oa_b64url_decode(raw, sizeof(raw), &n, s, 8) != OA_OK || n != 6)
        return -1;
    memcpy(id, raw + 1, OA_KEY_ID_BYTES);
    return raw[0];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

static enum oa_err load_text(struct oa_keyring *kr, const char *text, struct oa_error *err)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/keys", tmpdir);
    write_file(path, text);
    oa_error_clear(err);
    return oa_keyring_load_file(kr, path, err);
}

static void test_seal(void)
{
    static const char msg[] = "the quick brown fox jumps over the lazy dog";
    unsigned char ka[OA_KEY_BYTES], kb[OA_KEY_BYTES], plain[128], id[OA_KEY_ID_BYTES];
    struct oa_keyring a = {0}, ba = {0}, b = {0};
    char s[256], s2[256], t[256];
    size_t n = 0, n2 = 0, pl = 0, bad = 0, i;

    key_fill(ka, 1);
    key_fill(kb, 101);
    ok(oa_keyring_add(&a, ka) == OA_OK, "add key A");
    ok(oa_keyring_add(&ba, kb) == OA_OK && oa_keyring_add(&ba, ka) == OA_OK, "ring B,A");
    ok(oa_keyring_add(&b, kb) == OA_OK, "ring B");
    ok(memcmp(a.k[0].id, ba.k[1].id, OA_KEY_ID_BYTES) == 0, "key id is derived from the key");
    ok(memcmp(a.k[0].id, b.k[0].id, OA_KEY_ID_BYTES) != 0, "different keys, different ids");
    ok(oa_keyring_add(&ba, ka) == OA_ERR_CONFIG, "the same key twice is refused");
    memset(kb, 0, sizeof(kb));
    ok(oa_keyring_add(&b, kb) == OA_ERR_CONFIG, "an all-zero key is refused");
    is_int(b.n, 1, "nothing added");

    ok(oa_seal(s, sizeof(s), &n, (const unsigned char *)msg, strlen(msg), "session", &a) == OA_OK,
       "seal");
    is_int(n, strlen(s), "out_len is the text length");
    is_int(n, oa_sealed_len(strlen(msg)), "oa_sealed_len is exact");
    ok(strspn(s, B64) == n, "sealed text is URL-safe base64");
    ok(oa_seal(s2, sizeof(s2), &n2, (const unsigned char *)msg, strlen(msg), "session", &a) ==
               OA_OK &&
           strcmp(s, s2) != 0,
       "a fresh nonce each time");
    ok(oa_seal(t, n, &n2, (const unsigned char *)msg, strlen(msg), "session", &a) ==
           OA_ERR_TOO_LARGE,
       "seal: short output refused");
    ok(oa_open(plain, sizeof(plain), &pl, s, n, "session", &a) == OA_OK, "open");
    ok(pl == strlen(msg) && memcmp(plain, msg, pl) == 0, "round trip");
    ok(oa_open(plain, strlen(msg), &pl, s, n, "session", &a) == OA_OK, "open: exact cap is enough");
    ok(oa_open(plain, strlen(msg) - 1, &pl, s, n, "session", &a) == OA_ERR_TOO_LARGE,
       "open: short cap is TOO_LARGE");
    ok(oa_open(plain, sizeof(plain), &pl, s, n, "state", &a) == OA_ERR_CRYPTO,
       "wrong purpose (session vs state) refused");
    ok(oa_open(plain, sizeof(plain), &pl, s, n, "sessio", &a) == OA_ERR_CRYPTO,
       "purpose prefix refused");

    for (i = 0; i < n; i++) {
        memcpy(t, s, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        if (oa_open(plain, sizeof(plain), &pl, t, n, "session", &a) != OA_ERR_CRYPTO)
            bad++;
    }
    is_int(bad, 0, "every single-character change (%zu positions) is refused", n);
    for (i = 0, bad = 0; i < n; i++)
        if (oa_open(plain, sizeof(plain), &pl, s, i, "session", &a) != OA_ERR_CRYPTO)
            bad++;
    is_int(bad, 0, "every truncation is refused");
    memcpy(t, s, n);
    memcpy(t + n, "AA", 3);
    ok(oa_open(plain, sizeof(plain), &pl, t, n + 2, "session", &a) == OA_ERR_CRYPTO,
       "trailing data refused");
    t[n] = '=';
    ok(oa_open(plain, sizeof(plain), &pl, t, n + 1, "session", &a) == OA_ERR_CRYPTO,
       "padding refused");
    ok(oa_open(plain, sizeof(plain), &pl, "!!!!", 4, "session", &a) == OA_ERR_CRYPTO,
       "garbage refused");
    ok(oa_open(plain, sizeof(plain), &pl, "", 0, "session", &a) == OA_ERR_CRYPTO, "empty refused");
    for (i = 0; i < 200; i++)
        t[i] = B64[i % 64];
    ok(oa_open(plain, sizeof(plain), &pl, t, 200, "session", &a) == OA_ERR_CRYPTO,
       "random-looking base64 refused");

    /* rotation */
    ok(oa_open(plain, sizeof(plain), &pl, s, n, "session", &ba) == OA_OK,
       "old key (second in ring) still opens");
    ok(oa_seal(s2, sizeof(s2), &n2, (const unsigned char *)msg, strlen(msg), "session", &ba) ==
           OA_OK,
       "seal with ring B,A");
    ok(sealed_kid(s2, id) == 1 && memcmp(id, ba.k[0].id, OA_KEY_ID_BYTES) == 0,
       "version 1, first key seals (key id)");
    ok(oa_open(plain, sizeof(plain), &pl, s2, n2, "session", &a) == OA_ERR_CRYPTO,
       "unknown key id refused");
    ok(oa_open(plain, sizeof(plain), &pl, s2, n2, "session", &b) == OA_OK, "B alone opens it");
    ok(sealed_kid(s, id) == 1 && memcmp(id, a.k[0].id, OA_KEY_ID_BYTES) == 0, "key id A in s");
    {
        /* same id, another key: the tag fails (no trial of other keys) */
        struct oa_keyring fake = a;
        fake.k[0].key[0] ^= 1;
        ok(oa_open(plain, sizeof(plain), &pl, s, n, "session", &fake) == OA_ERR_CRYPTO,
           "right id, wrong key refused");
        ok(plain[0] == 0 && plain[5] == 0, "failed open leaves plain wiped");
    }
    ok(oa_seal(s2, sizeof(s2), &n2, (const unsigned char *)"", 0, "state", &a) == OA_OK &&
           oa_open(plain, sizeof(plain), &pl, s2, n2, "state", &a) == OA_OK && pl == 0,
       "empty plaintext round trip");
    {
        struct oa_keyring none = {0};
        ok(oa_seal(s2, sizeof(s2), &n2, plain, 1, "state", &none) == OA_ERR_INTERNAL,
           "seal without a key refused");
        ok(oa_open(plain, sizeof(plain), &pl, s, n, "session", &none) == OA_ERR_CRYPTO,
           "open without a key refused");
    }
    oa_keyring_wipe(&a);
    is_int(a.n, 0, "wipe empties the ring");
}

/* The encoder (src/base/b64url.c, no library) writes what libsodium's
 * writes, for every length up to 100 and every byte value at each place. */
static void test_b64_sodium(void)
{
    unsigned char in[100];
    char mine[160], theirs[160];
    size_t len, i, bad = 0;

    for (len = 0; len <= sizeof(in); len++) {
        for (i = 0; i < len; i++)
            in[i] = (unsigned char)(len * 37 + i * 101);
        for (i = 0; i < 256 && (len > 0 || i == 0); i++) {
            if (len)
                in[i % len] = (unsigned char)i;
            sodium_bin2base64(theirs, sizeof(theirs), in, len,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            if (oa_b64url_encode(mine, sizeof(mine), in, len) != OA_OK || strcmp(mine, theirs))
                bad++;
        }
    }
    is_int(bad, 0, "the encoder agrees with libsodium's (lengths 0..100, every byte value)");
}

static void test_b64(void)
{
    static const struct {
        const char *bin, *txt;
    } v[] = {{"", ""},        {"f", "Zg"},        {"fo", "Zm8"},
             {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"\xfb\xff", "-_8"}};
    unsigned char out[16];
    char txt[16];
    size_t n, i;
    int good = 1;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t bl = strlen(v[i].bin);
        if (oa_b64url_encode(txt, sizeof(txt), (const unsigned char *)v[i].bin, bl) != OA_OK ||
            strcmp(txt, v[i].txt) != 0 || oa_b64url_len(bl) != strlen(v[i].txt))
            good = 0;
        if (oa_b64url_decode(out, sizeof(out), &n, v[i].txt, strlen(v[i].txt)) != OA_OK ||
            n != bl || memcmp(out, v[i].bin, bl) != 0)
            good = 0;
    }
    ok(good, "base64url vectors (RFC 4648, URL-safe alphabet)");
    ok(oa_b64url_encode(txt, 4, (const unsigned char *)"foo", 3) == OA_ERR_TOO_LARGE,
       "encode: no room for NUL");
    ok(oa_b64url_decode(out, sizeof(out), &n, "Zg==", 4) == OA_ERR_BAD_INPUT, "padding refused");
    ok(oa_b64url_decode(out, sizeof(out), &n, "Zh", 2) == OA_ERR_BAD_INPUT,
       "non-zero trailing bits refused");
    ok(oa_b64url_decode(out, sizeof(out), &n, "AAB", 3) == OA_ERR_BAD_INPUT &&
           oa_b64url_decode(out, sizeof(out), &n, "AAA", 3) == OA_OK && n == 2,
       "non-zero trailing bits refused after three characters too (AAB; AAA is fine)");
    ok(oa_b64url_decode(out, sizeof(out), &n, "Zm9v ", 5) == OA_ERR_BAD_INPUT, "space refused");
    ok(oa_b64url_decode(out, sizeof(out), &n, "Zm+v", 4) == OA_ERR_BAD_INPUT,
       "standard alphabet refused");
    ok(oa_b64url_decode(out, sizeof(out), &n, "Zm9vY", 5) == OA_ERR_BAD_INPUT,
       "impossible length refused");
    ok(oa_b64url_decode(out, 2, &n, "Zm9v", 4) == OA_ERR_TOO_LARGE, "decode cap");
    test_b64_sodium();
}

static void test_misc(void)
{
    static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                          0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                          0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                          0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char h[32];
    char tok[64], tok2[64];

    oa_sha256(h, "abc", 3);
    ok(memcmp(h, abc, 32) == 0, "sha256(abc)");
    ok(oa_memeq_ct("abcd", "abcd", 4) == 1 && oa_memeq_ct("abcd", "abce", 4) == 0, "memeq_ct");
    oa_random_token(tok, sizeof(tok), 32);
    oa_random_token(tok2, sizeof(tok2), 32);
    ok(strlen(tok) == 43 && strspn(tok, B64) == 43 && strcmp(tok, tok2) != 0,
       "random token: 43 URL-safe characters, not repeated");
}

static void test_key_file(void)
{
    struct oa_keyring kr = {0};
    struct oa_error err;
    unsigned char k[OA_KEY_BYTES];
    char text[4096], path[128];
    size_t i, off;

    key_fill(k, 0);
    ok(load_text(&kr,
                 "# keys for tests\n"
                 "\n"
                 "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F\n"
                 "   # indented comment\r\n"
                 "  AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=  \r\n"
                 "AgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICE\n"
                 "/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v4=\n"
                 "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s",
                 &err) == OA_OK,
       "key file: hex, base64 (padded), base64url, comments, CRLF, no final newline");
    is_int(kr.n, 5, "five keys");
    ok(memcmp(kr.k[0].key, k, OA_KEY_BYTES) == 0, "first key is the hex one");
    key_fill(k, 1);
    ok(memcmp(kr.k[1].key, k, OA_KEY_BYTES) == 0, "second key (base64) decoded");
    key_fill(k, 2);
    ok(memcmp(kr.k[2].key, k, OA_KEY_BYTES) == 0, "third key (base64url) decoded");
    memset(k, 0xfe, sizeof(k));
    ok(memcmp(kr.k[3].key, k, OA_KEY_BYTES) == 0, "standard alphabet with + and /");
    memset(k, 0xfb, sizeof(k));
    ok(memcmp(kr.k[4].key, k, OA_KEY_BYTES) == 0, "URL-safe alphabet with - and _");

    ok(load_text(&kr,
                 "# c\n000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
                 "00010203\n",
                 &err) == OA_ERR_CONFIG,
       "short hex refused");
    is_int(err.line, 3, "error on line 3");
    ok(strstr(err.msg, "line 3: a key must be 64 hex digits or base64 of 32 bytes") != NULL,
       "message says what a key must be: %s", err.msg);
    ok(strstr(err.file, "/keys") != NULL, "error names the file");
    is_int(kr.n, 0, "ring wiped after a failure");
    ok(load_text(&kr, "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", &err) ==
               OA_ERR_CONFIG &&
           err.line == 1,
       "bad hex digit refused (line 1)");
    ok(load_text(&kr, "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==\n", &err) == OA_ERR_CONFIG,
       "base64 of 31 bytes refused");
    ok(load_text(&kr, "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
                 &err) == OA_ERR_CONFIG,
       "extra words refused");
    ok(load_text(&kr, "\n# only comments\n\n", &err) == OA_ERR_CONFIG &&
           strstr(err.msg, "no key") != NULL,
       "a key file without keys is an error");
    ok(load_text(&kr, "", &err) == OA_ERR_CONFIG, "an empty key file is an error");
    ok(load_text(&kr, "0000000000000000000000000000000000000000000000000000000000000000\n", &err) ==
               OA_ERR_CONFIG &&
           err.line == 1,
       "an all-zero key is refused");
    for (i = 0, off = 0; i < OA_KEYRING_MAX + 1; i++) {
        memset(k, (int)i + 1, sizeof(k));
        for (int j = 0; j < OA_KEY_BYTES; j++)
            off += (size_t)snprintf(text + off, sizeof(text) - off, "%02x", k[j]);
        text[off++] = '\n';
        text[off] = '\0';
    }
    ok(load_text(&kr, text, &err) == OA_ERR_CONFIG && err.line == OA_KEYRING_MAX + 1 &&
           strstr(err.msg, "more than") != NULL,
       "more than %d keys refused, on line %d", OA_KEYRING_MAX, OA_KEYRING_MAX + 1);
    text[off - 65] = '\0';
    ok(load_text(&kr, text, &err) == OA_OK && kr.n == OA_KEYRING_MAX, "exactly %d keys load",
       OA_KEYRING_MAX);
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    ok(oa_keyring_load_file(&kr, path, &err) == OA_ERR_CONFIG && strstr(err.file, "missing"),
       "a missing key file is an error with its name");
    ok(oa_keyring_load_file(&kr, tmpdir, &err) == OA_ERR_CONFIG, "a directory is refused");
    ok(oa_keyring_random(&kr) == OA_OK && kr.n == 1, "random key ring");
    oa_keyring_wipe(&kr);
}

/* BLAKE2b-128 (the revocation keys) and hex (the revocation file). */
static void test_hash16_hex(void)
{
    unsigned char h[16], b[16];
    struct oa_hash16 st;
    char hex[33];

    oa_hash16(h, "", 0);
    oa_hex_encode(hex, sizeof(hex), h, 16);
    is_str(hex, "cae66941d9efbd404e4d88758ea67670", "BLAKE2b-128 of the empty string");
    oa_hash16_init(&st);
    oa_hash16_update(&st, "a", 1);
    oa_hash16_update(&st, "bc", 2);
    oa_hash16_final(&st, h);
    oa_hex_encode(hex, sizeof(hex), h, 16);
    is_str(hex, "cf4ab791c62b8d2b2109c90275287816", "BLAKE2b-128 of \"abc\" in two parts");
    ok(oa_hex_decode(b, 16, "CF4AB791c62b8d2b2109c90275287816", 32) && !memcmp(b, h, 16),
       "hex decodes either case");
    ok(!oa_hex_decode(b, 16, "cf4ab791c62b8d2b2109c9027528781", 31) &&
           !oa_hex_decode(b, 16, "cf4ab791c62b8d2b2109c902752878160", 33) &&
           !oa_hex_decode(b, 16, "cf4ab791c62b8d2b2109c9027528781g", 32) &&
           !oa_hex_decode(b, 16, "cf4ab791c62b8d2b 109c90275287816", 32) &&
           !oa_hex_decode(b, 16, "cf4ab791c62b8d2b:109c90275287816", 32),
       "hex: a wrong length, a non-hex digit, a space or a colon refused");
}

int main(void)
{
    char path[128];

    if (oa_crypto_init() != OA_OK || !mkdtemp(tmpdir)) {
        printf("Bail out! init\n");
        return 1;
    }
    test_seal();
    test_b64();
    test_misc();
    test_key_file();
    test_hash16_hex();
    snprintf(path, sizeof(path), "%s/keys", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return tap_done();
}
