/*
 * fuzz_revfile.c - the revocation file's reader (fcgi/store_file.c): the
 * input, split at the first FZ_SEP byte, is the file at start and what is
 * appended to it afterwards. The start either refuses with OA_ERR_CONFIG
 * naming the file, or loads; then the appended bytes are read by two
 * ticks. Asserted: every complete, well-formed, unexpired line of the
 * start's file is enforced (its key revokes a session sealed just before
 * its cutoff), and so is every such line appended, unless the appended
 * bytes made the file bad (a new header is not needed: the file keeps its
 * own); nothing crashes or leaks.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "oa/revocation.h"
#include "oa/session.h"
#include "store_file.h"

static char dir[64], path[96];

static void write_file(const uint8_t *d, size_t n, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);

    if (fd < 0)
        abort();
    if (n && write(fd, d, n) != (ssize_t)n)
        abort();
    close(fd);
}

/* Each complete line of d[0..n) that parses and is unexpired is enforced. */
static void check_enforced(const uint8_t *d, size_t n, const char *what)
{
    size_t pos = 0;

    while (pos < n) {
        const uint8_t *nl = memchr(d + pos, '\n', n - pos);
        struct oa_rev_entry e;
        struct oa_identity id;
        const char *why;
        size_t len;

        if (!nl)
            return;
        len = (size_t)(nl - (d + pos));
        if (oa_store_file_parse_line((const char *)d + pos, len, &e, &why) == OA_OK &&
            e.expiry >= FZ_NOW && e.cutoff > INT64_MIN) {
            memset(&id, 0, sizeof(id));
            memcpy(id.sid, e.key, sizeof(id.sid));
            id.iat = e.cutoff - 1;
            if (!oa_revoked(&id)) {
                fprintf(stderr, "fuzz_revfile: a line of the %s file is not enforced\n", what);
                abort();
            }
        }
        pos += len + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t len[2] = {0, 0}, np;
    struct oa_store_file *f = NULL;
    struct oa_error err;

    if (!dir[0]) {
        struct oa_error lerr;
        snprintf(dir, sizeof(dir), "/tmp/oa-fuzz-revfile-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        chmod(dir, 0700);
        snprintf(path, sizeof(path), "%s/revoked", dir);
        oa_log_open(OA_LOG_FILE, OA_LOG_ERROR);
        if (oa_log_open_file("/dev/null", &lerr) != OA_OK)
            abort();
    }
    np = fz_split(data, size, part, len, 2);
    oa_revocation_clear();
    unlink(path);
    write_file(part[0], len[0], O_TRUNC);
    oa_error_clear(&err);
    if (oa_store_file_open(&f, path, FZ_NOW, &err) != OA_OK) {
        if (f || err.code != OA_ERR_CONFIG || strcmp(err.file, path) != 0)
            abort(); /* a refusal is a config error naming the file */
        return 0;
    }
    /* the start read the complete lines; a file without its header would
     * have been refused, so every good line counts */
    check_enforced(part[0], len[0], "start");
    if (np == 2) {
        write_file(part[1], len[1], O_APPEND);
        oa_store_file_tick(f, FZ_NOW);
        oa_store_file_tick(f, FZ_NOW);
        check_enforced(part[0], len[0], "start (after the appends)");
        /* the appended complete lines: only when the start's file ended on
         * a line end (else the first appended bytes finish its last line) */
        if (len[0] >= sizeof(OA_STORE_FILE_HEADER) - 1 && part[0][len[0] - 1] == '\n')
            check_enforced(part[1], len[1], "appended");
    }
    oa_store_file_close(f);
    oa_revocation_clear();
    return 0;
}
