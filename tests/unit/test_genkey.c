/* test_genkey.c - --gen-key's file (fcgi/genkey.c): mode 0600, one hex
 * line that loads as a key file, never over an existing file or through a
 * symlink. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genkey.h"
#include "oa/crypto.h"
#include "oa/keyring.h"
#include "tap.h"

static char tmpdir[] = "/tmp/oa-test-genkey-XXXXXX";

static void test_gen_key(void)
{
    struct oa_keyring kr = {0};
    struct oa_error err;
    struct stat st;
    char path[128], buf[128];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/gen.key", tmpdir);
    umask(022);
    ok(oa_key_generate_file(path, &err) == OA_OK, "gen-key writes a file");
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600");
    fd = open(path, O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    if (fd >= 0)
        close(fd);
    ok(n == 65 && buf[64] == '\n' && strspn(buf, "0123456789abcdef") == 64,
       "64 hex digits and a newline");
    ok(oa_keyring_load_file(&kr, path, &err) == OA_OK && kr.n == 1, "the generated file loads");
    ok(oa_key_generate_file(path, &err) == OA_ERR_IO, "refuses to overwrite");
    fd = open(path, O_RDONLY);
    ok(fd >= 0 && read(fd, buf + 65, 63) == 63 && memcmp(buf, buf + 65, 63) == 0,
       "existing key unchanged");
    if (fd >= 0)
        close(fd);
    snprintf(buf, sizeof(buf), "%s/link.key", tmpdir);
    ok(symlink(path, buf) == 0 && oa_key_generate_file(buf, &err) == OA_ERR_IO,
       "refuses a symlink");
    unlink(buf);
    unlink(path);
    oa_keyring_wipe(&kr);
}

int main(void)
{
    if (oa_crypto_init() != OA_OK || !mkdtemp(tmpdir)) {
        printf("Bail out! init\n");
        return 1;
    }
    test_gen_key();
    rmdir(tmpdir);
    return tap_done();
}
