/*
 * genkey.c - --gen-key FILE and --gen-identity-key FILE: write the key
 * file. The key and its text come from the core (src/config/keyring.c
 * `oa_key_new_line`, src/config/sign_key.c `oa_sign_key_new_pem`); the file is
 * written here because the core writes no file (DESIGN.md section 0.2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genkey.h"
#include "oa/crypto.h"
#include "oa/keyring.h"
#include "oa/sign_key.h"

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

/* Writes text (n bytes) to a new file at path, mode 0600 (never an
 * existing one, no symlink followed); removed again when writing fails. */
static enum oa_err write_new(const char *path, const char *text, size_t n, struct oa_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), bad;

    if (fd < 0)
        return oa_error_at(err, OA_ERR_IO, path, 0, 0, "cannot create the key file: %s",
                           strerror(errno));
    bad = fchmod(fd, 0600) != 0 || write_all(fd, text, n) != 0 || fsync(fd) != 0;
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

enum oa_err oa_key_generate_file(const char *path, struct oa_error *err)
{
    char line[OA_KEY_LINE_BYTES];
    enum oa_err e;

    if (oa_key_new_line(line) != OA_OK)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "libsodium did not initialise");
    e = write_new(path, line, 2 * OA_KEY_BYTES + 1, err);
    oa_wipe(line, sizeof(line));
    return e;
}

enum oa_err oa_identity_key_generate_file(const char *path, struct oa_error *err)
{
    char *pem = NULL;
    size_t len = 0;
    enum oa_err e;

    if (oa_sign_key_new_pem(&pem, &len) != OA_OK)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "cannot make an Ed25519 key");
    e = write_new(path, pem, len, err);
    oa_wipe(pem, len);
    free(pem);
    return e;
}
