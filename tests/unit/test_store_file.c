/*
 * test_store_file.c - session.revocation_file (fcgi/store_file.c, DESIGN.md
 * section 14.2): the line parser; the start (missing file, bad header, bad
 * line at FILE:LINE, modes, size cap, expired lines); the reader following
 * the journal (appended lines only, a partial last line waits, a malformed
 * line skipped and logged once, an inode swap or a shrink read whole, a
 * corrupt file keeps the list and is logged once); the writer (creates the
 * file 0600 with its header, cuts a dead writer's partial line, refuses a
 * file that is not ours, compacts when the file outgrew its entries); and
 * a writer thread appending and compacting while the reader ticks: the
 * reader ends with every entry at its latest cutoff and never logs a bad
 * line.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "oa/crypto.h"
#include "oa/session.h"
#include "store_file.h"
#include "tap.h"

#define NOW 1700000000
#define FAR (NOW + 100000)

static char dir[64], path[128], logpath[128];

static void key_of(unsigned char k[16], unsigned n)
{
    memset(k, 0, 16);
    memcpy(k, &n, sizeof(n));
    k[15] = 0x5a;
}

static struct oa_rev_entry ent(unsigned n, int64_t cutoff, int64_t expiry)
{
    struct oa_rev_entry e;

    key_of(e.key, n);
    e.cutoff = cutoff;
    e.expiry = expiry;
    return e;
}

/* Revoked: session n sealed at iat. */
static bool revoked_at(unsigned n, int64_t iat)
{
    struct oa_identity id;

    memset(&id, 0, sizeof(id));
    key_of(id.sid, n);
    id.iat = iat;
    return oa_revoked(&id);
}

static bool revoked(unsigned n)
{
    return revoked_at(n, NOW);
}

static void put(const char *p, const char *text, const char *mode)
{
    FILE *f = fopen(p, mode);

    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Writes text to a new file and renames it over p (a new inode). */
static void swap_in(const char *p, const char *text)
{
    char tmp[160];

    snprintf(tmp, sizeof(tmp), "%s.new", p);
    put(tmp, text, "w");
    chmod(tmp, 0600);
    rename(tmp, p);
}

static void line_of(char *out, size_t cap, unsigned n, int64_t cutoff, int64_t expiry)
{
    unsigned char k[16];
    int w = 0;

    key_of(k, n);
    for (int i = 0; i < 16; i++)
        w += snprintf(out + w, cap - (size_t)w, "%02x", k[i]);
    snprintf(out + w, cap - (size_t)w, " %lld %lld\n", (long long)cutoff, (long long)expiry);
}

static int log_count(const char *needle)
{
    char line[2048];
    int n = 0;
    FILE *f = fopen(logpath, "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static enum oa_err write1(unsigned n, int64_t cutoff, int64_t expiry)
{
    struct oa_rev_entry e = ent(n, cutoff, expiry);
    struct oa_error err;

    oa_error_clear(&err);
    return oa_store_file_write(path, &e, NOW, 0, &err);
}

static void test_parse(void)
{
    struct oa_rev_entry e;
    const char *why;
    char l[128];

    line_of(l, sizeof(l), 7, INT64_MAX, FAR);
    ok(oa_store_file_parse_line(l, strlen(l) - 1, &e, &why) == OA_OK && e.cutoff == INT64_MAX &&
           e.expiry == FAR && e.key[15] == 0x5a && e.key[0] == 7,
       "a line: key, cutoff INT64_MAX, expiry");
    static const char *bad[] = {
        "",
        "00112233445566778899aabbccddeef 1 2",   /* 31 hex */
        "00112233445566778899aabbccddeeffa 1 2", /* 33 hex */
        "00112233445566778899aabbccddeegg 1 2",
        "00112233445566778899aabbccddeeff -1 2",
        "00112233445566778899aabbccddeeff +1 2",
        "00112233445566778899aabbccddeeff 1 2 ",
        "00112233445566778899aabbccddeeff 1  2",
        "00112233445566778899aabbccddeeff 1",
        "00112233445566778899aabbccddeeff 1 2 3",
        "00112233445566778899aabbccddeeff 9223372036854775808 2",
        "00112233445566778899aabbccddeeff 10000000000000000000 2",
        "00112233445566778899aabbccddeeff 1 2x",
        "00000000000000000000000000000000 1 2",
        "00112233445566778899aabbccddeeff\t1 2",
    };
    int refused = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refused += oa_store_file_parse_line(bad[i], strlen(bad[i]), &e, &why) == OA_ERR_BAD_INPUT;
    is_int(refused, (int)(sizeof(bad) / sizeof(bad[0])),
           "malformed lines refused (length, hex, sign, spaces, fields, overflow, zero key)");
    ok(oa_store_file_parse_line("00112233445566778899AABBCCDDEEFF 0 9223372036854775807", 54, &e,
                                &why) == OA_OK,
       "upper-case hex, cutoff 0 and expiry INT64_MAX are lines");
}

static void test_start(void)
{
    struct oa_store_file *f = NULL;
    struct oa_error err;
    char text[512], l1[96], l2[96];
    int fd;

    oa_revocation_clear();
    unlink(path);
    oa_error_clear(&err);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK && f, "a missing file: an empty list");
    {
        struct oa_buf b;
        oa_buf_init(&b, 0);
        if (f)
            oa_store_file_status(f, &b);
        ok(b.p && strstr(b.p, "(not created yet)"), "status: %s", b.p ? b.p : "");
        oa_buf_free(&b);
    }
    is_int(write1(1, INT64_MAX, FAR), OA_OK, "a write creates it");
    {
        struct stat st;
        char head[64] = {0};
        FILE *r = fopen(path, "r");
        if (r) {
            (void)!fgets(head, sizeof(head), r);
            fclose(r);
        }
        ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
        is_str(head, OA_STORE_FILE_HEADER, "with the header line");
    }
    ok(!revoked(1), "the write alone is not the local add (oa_revoke does that)");
    oa_store_file_tick(f, NOW);
    ok(revoked(1), "the reader follows the file once it exists");
    oa_store_file_close(f);

    /* bad at start: config errors with the file and the line */
    oa_revocation_clear();
    line_of(l1, sizeof(l1), 2, INT64_MAX, FAR);
    swap_in(path, "garbage\n");
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && !f && err.line == 1 &&
           !strcmp(err.file, path),
       "no header: OA_ERR_CONFIG at %s:%u", err.file, err.line);
    swap_in(path, "oauthX");
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && err.line == 1,
       "junk without a newline: refused too");
    swap_in(path, "oauth2-fcgi rev");
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK,
       "the header being written (a prefix of it): an empty list for now");
    oa_store_file_close(f);
    snprintf(text, sizeof(text), "%s%s\nnot a line\n", OA_STORE_FILE_HEADER, l1);
    swap_in(path, text);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && err.line == 4,
       "a malformed line 4 at start: OA_ERR_CONFIG at line %u (%s)", err.line, err.msg);
    snprintf(text, sizeof(text), "%s%s", OA_STORE_FILE_HEADER, l1);
    swap_in(path, text);
    chmod(path, 0620);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && strstr(err.msg, "writable"),
       "a group-writable file: refused (%s)", err.msg);
    chmod(path, 0600);
    chmod(dir, 0777);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && strstr(err.msg, "directory"),
       "in a directory others may write: refused");
    chmod(dir, 01777);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK, "unless sticky (as /tmp)");
    oa_store_file_close(f);
    chmod(dir, 0700);
    fd = open(path, O_WRONLY);
    ok(fd >= 0 && ftruncate(fd, (off_t)OA_STORE_FILE_MAX + 1) == 0, "a file over 64 MiB");
    close(fd);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG && strstr(err.msg, "MiB"),
       "is refused at start");
    if (geteuid() != 0) {
        swap_in(path, OA_STORE_FILE_HEADER);
        chmod(path, 0);
        ok(oa_store_file_open(&f, path, NOW, &err) == OA_ERR_CONFIG, "an unreadable file");
        chmod(path, 0600);
    }

    /* expired lines, a partial last line and blank lines at start */
    oa_revocation_clear();
    line_of(l1, sizeof(l1), 3, INT64_MAX, NOW - 1);
    line_of(l2, sizeof(l2), 4, INT64_MAX, FAR);
    snprintf(text, sizeof(text), "%s%s\n%s%.20s", OA_STORE_FILE_HEADER, l1, l2, l2);
    swap_in(path, text);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK, "expired, blank and partial lines: OK");
    ok(!revoked(3) && revoked(4), "the expired entry is not loaded, the live one is");
    oa_store_file_close(f);
}

static void test_follow(void)
{
    struct oa_store_file *f = NULL;
    struct oa_error err;
    char l[96], half[96];
    struct oa_buf b;

    oa_revocation_clear();
    swap_in(path, OA_STORE_FILE_HEADER);
    oa_error_clear(&err);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK, "open an empty journal");
    (void)write1(10, INT64_MAX, FAR);
    (void)write1(11, NOW + 1, FAR);
    oa_store_file_tick(f, NOW);
    ok(revoked(10) && revoked(11) && !revoked_at(11, NOW + 1), "a tick reads appended lines");
    oa_revocation_clear();
    oa_store_file_tick(f, NOW);
    ok(!revoked(10), "nothing new: nothing read again");
    (void)write1(12, INT64_MAX, FAR);
    oa_store_file_tick(f, NOW);
    ok(revoked(12) && !revoked(10), "only the tail is read");

    /* a partial line waits for its newline */
    line_of(l, sizeof(l), 13, INT64_MAX, FAR);
    snprintf(half, sizeof(half), "%.40s", l);
    put(path, half, "a");
    oa_store_file_tick(f, NOW);
    ok(!revoked(13), "half a line: not read");
    put(path, l + 40, "a");
    oa_store_file_tick(f, NOW);
    ok(revoked(13), "completed: read");

    /* malformed lines: skipped, one log line per file */
    put(path, "junk line one\n", "a");
    (void)write1(14, INT64_MAX, FAR);
    put(path, "junk line two\n", "a");
    oa_store_file_tick(f, NOW);
    ok(revoked(14), "a good line between junk lines is read");
    is_int(log_count("skipped"), 1, "two junk lines: one log line");
    is_int(log_count("line 6:"), 1, "naming the first one's line (6)");
    (void)write1(15, INT64_MAX, FAR);
    oa_store_file_tick(f, NOW);
    ok(revoked(15), "lines after them are read");

    /* replaced (new inode): read whole, merged */
    oa_revocation_clear();
    line_of(l, sizeof(l), 20, INT64_MAX, FAR);
    {
        char text[256];
        snprintf(text, sizeof(text), "%s%s", OA_STORE_FILE_HEADER, l);
        swap_in(path, text);
    }
    oa_store_file_tick(f, NOW);
    ok(revoked(20), "an inode swap: the new file is read whole");
    (void)write1(21, INT64_MAX, FAR);
    oa_store_file_tick(f, NOW);
    ok(revoked(21), "and followed from there");

    /* shrunk in place (same inode): read whole */
    oa_revocation_clear();
    {
        char text[256];
        FILE *w = fopen(path, "w"); /* truncates, keeps the inode */
        line_of(l, sizeof(l), 22, INT64_MAX, FAR);
        snprintf(text, sizeof(text), "%s%s", OA_STORE_FILE_HEADER, l);
        if (w) {
            fputs(text, w);
            fclose(w);
        }
    }
    oa_store_file_tick(f, NOW);
    ok(revoked(22), "a shorter file (same inode): read whole");

    /* corrupt: the list stays, one log line, then recovery */
    swap_in(path, "this is not a revocation file\n");
    oa_store_file_tick(f, NOW);
    oa_store_file_tick(f, NOW);
    ok(revoked(22), "a corrupt replacement keeps the list");
    is_int(log_count("keeping the"), 1, "logged once over two ticks");
    oa_buf_init(&b, 0);
    oa_store_file_status(f, &b);
    ok(b.p && strstr(b.p, path) && strstr(b.p, "not readable now"), "status says so: %s",
       b.p ? b.p : "");
    oa_buf_free(&b);
    unlink(path);
    oa_store_file_tick(f, NOW);
    is_int(log_count("keeping the"), 1, "deleted meanwhile: still one line");
    ok(revoked(22), "and the list kept");
    (void)write1(23, INT64_MAX, FAR);
    oa_store_file_tick(f, NOW);
    ok(revoked(23) && revoked(22), "a good file again: read, the list merged");
    is_int(log_count("read again"), 1, "recovery logged once");
    oa_store_file_close(f);
}

static void test_writer(void)
{
    struct oa_store_file *f = NULL;
    struct oa_error err;
    char l[96], text[512];
    struct stat a, b;

    oa_revocation_clear();
    line_of(l, sizeof(l), 30, INT64_MAX, FAR);
    snprintf(text, sizeof(text), "%s%s%.30s", OA_STORE_FILE_HEADER, l, l);
    swap_in(path, text);
    is_int(write1(31, INT64_MAX, FAR), OA_OK, "a write after a dead writer's partial line");
    oa_error_clear(&err);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK && revoked(30) && revoked(31),
       "the partial line was cut: the file reads clean (%s)", err.msg);
    oa_store_file_close(f);
    swap_in(path, "somebody else's file\n");
    is_int(write1(32, INT64_MAX, FAR), OA_ERR_IO, "a file that is not ours: not written");
    swap_in(path, "oauth2-fcgi revo");
    is_int(write1(33, INT64_MAX, FAR), OA_OK, "a header cut short: started over");

    /* automatic compaction: duplicates past 64 KiB + 2 x live */
    swap_in(path, OA_STORE_FILE_HEADER);
    {
        FILE *w = fopen(path, "a");
        for (unsigned i = 0; w && i < 2000; i++) {
            line_of(l, sizeof(l), 40 + i % 10, NOW + i, i < 1000 ? NOW - 1 : FAR);
            fputs(l, w);
        }
        if (w)
            fclose(w);
    }
    stat(path, &a);
    is_int(write1(50, INT64_MAX, FAR), OA_OK, "a write to a %lld-byte file of 10 keys",
           (long long)a.st_size);
    stat(path, &b);
    ok(b.st_ino != a.st_ino && b.st_size < 1024, "compacted: a new file of %lld bytes",
       (long long)b.st_size);
    oa_revocation_clear();
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK, "which reads");
    ok(revoked_at(40, NOW + 1989) && !revoked_at(40, NOW + 1990) && revoked(50),
       "merged: the latest cutoff of each key, the new line kept");
    oa_store_file_close(f);
}

/* Root (an administrator's --revoke) creates the files for the directory's
 * owner, the user the serving processes run as; compaction keeps them so. */
static void test_owner(void)
{
    char sub[160], p[200], lp[210];
    struct oa_rev_entry e = ent(60, INT64_MAX, FAR);
    struct oa_error err;
    struct stat a, b;

    if (geteuid() != 0) {
        printf("# not root: the ownership of files root creates is not tested\n");
        return;
    }
    snprintf(sub, sizeof(sub), "%s/svc", dir);
    snprintf(p, sizeof(p), "%s/revoked", sub);
    snprintf(lp, sizeof(lp), "%s.lock", p);
    mkdir(sub, 0700);
    if (chown(sub, 65534, 65534) != 0) {
        ok(0, "chown a directory to 65534");
        return;
    }
    oa_error_clear(&err);
    is_int(oa_store_file_write(p, &e, NOW, 0, &err), OA_OK, "root writes into a service's dir");
    ok(stat(p, &a) == 0 && a.st_uid == 65534 && a.st_gid == 65534 && stat(lp, &b) == 0 &&
           b.st_uid == 65534,
       "the journal and its lock belong to the directory's owner");
    ok(oa_store_file_compact(p, NOW, &err) == OA_OK && stat(p, &b) == 0 && b.st_ino != a.st_ino &&
           b.st_uid == 65534 && (b.st_mode & 0777) == 0600,
       "a compaction by root keeps owner and mode");
}

/* ---- a writer appending and compacting while the reader ticks ------------ */

#define ROUNDS 30
#define KEYS 40
static atomic_int writing;

static void *writer_main(void *arg)
{
    struct oa_error err;

    (void)arg;
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned k = 0; k < KEYS; k++)
            if (write1(100 + k, NOW + r, FAR) != OA_OK)
                atomic_store(&writing, -1);
        oa_error_clear(&err);
        if (oa_store_file_compact(path, NOW, &err) != OA_OK)
            atomic_store(&writing, -1);
    }
    if (atomic_load(&writing) == 1)
        atomic_store(&writing, 0);
    return NULL;
}

static void test_concurrent(void)
{
    struct oa_store_file *f = NULL;
    struct oa_error err;
    struct timespec ms = {0, 1000000L};
    pthread_t t;
    int bad_before = log_count("skipped"), trouble_before = log_count("keeping the"), all = 0;
    unsigned long ticks = 0;
    struct stat st;
    ino_t last = 0, swaps = 0;

    oa_revocation_clear();
    swap_in(path, OA_STORE_FILE_HEADER);
    oa_error_clear(&err);
    ok(oa_store_file_open(&f, path, NOW, &err) == OA_OK, "a reader on a fresh journal");
    atomic_store(&writing, 1);
    pthread_create(&t, NULL, writer_main, NULL);
    while (atomic_load(&writing) == 1) {
        oa_store_file_tick(f, NOW);
        ticks++;
        if (stat(path, &st) == 0 && st.st_ino != last) {
            swaps += last != 0;
            last = st.st_ino;
        }
        nanosleep(&ms, NULL);
    }
    pthread_join(t, NULL);
    oa_store_file_tick(f, NOW);
    is_int(atomic_load(&writing), 0, "the writer's %d appends and %d compactions all worked",
           ROUNDS * KEYS, ROUNDS);
    ok(swaps >= 2, "the reader saw the file replaced %lu times in %lu ticks", (unsigned long)swaps,
       ticks);
    for (unsigned k = 0; k < KEYS; k++)
        all += revoked_at(100 + k, NOW + ROUNDS - 2) && !revoked_at(100 + k, NOW + ROUNDS - 1);
    is_int(all, KEYS, "every key at its latest cutoff");
    is_int(log_count("skipped") - bad_before, 0, "no line was ever read half-written");
    is_int(log_count("keeping the") - trouble_before, 0, "no read failed");
    oa_store_file_close(f);
}

int main(void)
{
    struct oa_error err;

    if (oa_crypto_init() != OA_OK)
        return 1;
    snprintf(dir, sizeof(dir), "/tmp/oa-store-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    chmod(dir, 0700);
    snprintf(path, sizeof(path), "%s/revoked", dir);
    snprintf(logpath, sizeof(logpath), "%s/log", dir);
    oa_log_open(OA_LOG_FILE, OA_LOG_INFO);
    oa_error_clear(&err);
    if (oa_log_open_file(logpath, &err) != OA_OK)
        return 1;
    test_parse();
    test_start();
    test_follow();
    test_writer();
    test_owner();
    test_concurrent();
    oa_log_close();
    oa_revocation_clear();
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
            printf("# could not remove %s\n", dir);
    }
    return tap_done();
}
