/*
 * genkey.c - --gen-key FILE: writes the key file. The key and its text
 * come from the core (src/config/keyring.c `oa_key_new_line`); the file is
 * written here because the core writes no file (DESIGN.md section 0.2).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genkey.h"
#include "oa/crypto.h"
#include "oa/keyring.h"

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

enum oa_err oa_key_generate_file(const char *path, struct oa_error *err)
{
    char line[OA_KEY_LINE_BYTES];
    int fd, bad;

    if (oa_key_new_line(line) != OA_OK)
        return oa_error_at(err, OA_ERR_CRYPTO, path, 0, 0, "libsodium did not initialise");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int saved = errno;
        oa_wipe(line, sizeof(line));
        return oa_error_at(err, OA_ERR_IO, path, 0, 0, "cannot create the key file: %s",
                           strerror(saved));
    }
    bad = fchmod(fd, 0600) != 0 || write_all(fd, line, 2 * OA_KEY_BYTES + 1) != 0 || fsync(fd) != 0;
    oa_wipe(line, sizeof(line));
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
