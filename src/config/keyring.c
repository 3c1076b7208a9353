/*
 * keyring.c - the session keys: the ring (add, find, wipe), a random ring
 * when there is no key file, reading a key file, and a new key's text for
 * --gen-key (the edge writes the file, fcgi/genkey.c).
 *
 * A key's id is a keyed, personalised BLAKE2b of nothing under the key
 * itself: stable across restarts, and saying nothing about the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oa/file_mode.h"
#include "oa/keyring.h"

#define KEY_FILE_MAX (64 * 1024)

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

ssize_t oa_key_file_read(char *buf, size_t cap, const char *path, char *warn, size_t wcap,
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
    len = oa_key_file_read(buf, cap, path, warn, wcap, err);
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

const struct oa_key *oa_keyring_find(const struct oa_keyring *kr,
                                     const unsigned char id[OA_KEY_ID_BYTES])
{
    size_t i;

    for (i = 0; kr && i < kr->n; i++)
        if (memcmp(kr->k[i].id, id, OA_KEY_ID_BYTES) == 0)
            return &kr->k[i];
    return NULL;
}

enum oa_err oa_key_new_line(char line[OA_KEY_LINE_BYTES])
{
    unsigned char key[OA_KEY_BYTES];

    if (sodium_init() < 0)
        return OA_ERR_CRYPTO;
    do
        randombytes_buf(key, sizeof(key));
    while (sodium_is_zero(key, sizeof(key)));
    sodium_bin2hex(line, OA_KEY_LINE_BYTES, key, sizeof(key));
    line[2 * OA_KEY_BYTES] = '\n';
    line[2 * OA_KEY_BYTES + 1] = '\0';
    sodium_memzero(key, sizeof(key));
    return OA_OK;
}
