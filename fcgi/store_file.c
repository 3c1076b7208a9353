/*
 * store_file.c - session.revocation_file, the revocation journal of one
 * host (store_file.h, DESIGN.md section 14.2).
 *
 * Why a text journal: every process of the host (threads, lighttpd's
 * max-procs, mod_fcgid's pool, -w workers, --revoke run by hand) must see
 * a revocation within a second, without a daemon, and an administrator must
 * be able to read it. Appends are one write() of a whole line under an
 * exclusive flock on a separate lock file (the journal itself is replaced
 * by rename, so locking it would lock the old inode), then fsync. Readers
 * take no lock: they read complete lines only (a line being written has no
 * newline yet and waits for the next tick) and notice a replaced (other
 * inode) or shorter file by stat, then read it whole. Whatever they read
 * is merged into the in-memory list, whose entries only grow, so a reader
 * can never lose an entry by reading the file at a bad moment.
 *
 * Failing closed: at start a file that cannot be read or parsed stops the
 * process (OA_ERR_CONFIG, FILE:LINE); later, a file gone bad keeps the list
 * in memory and is logged once, a malformed line is skipped and logged
 * once per file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "oa/crypto.h"
#include "oa/file_mode.h"
#include "store_file.h"

#define HDR OA_STORE_FILE_HEADER
#define HDR_LEN (sizeof(HDR) - 1)
#define ENTRY_LINE_MAX 80         /* 32 + 1 + 19 + 1 + 19 + 1 = 73 */
#define ENTRY_LINE_BYTES 64       /* what a live entry costs in the file, about */
#define COMPACT_SLACK (64u << 10) /* the file may always grow this much */
#define LOCK_TRIES 200            /* x 10 ms: the lock is waited for 2 s at most */
#define TAIL_SCAN (64u << 10)     /* how far back a writer looks for the last newline */

struct oa_store_file {
    char *path;
    int fd;    /* the file followed; -1: none yet (missing at start) */
    dev_t dev; /* its identity, to notice a rename over it */
    ino_t ino;
    off_t off; /* bytes of complete lines read */
    unsigned line;
    bool bad_line_logged; /* a malformed line of this file was logged */
    bool failing;         /* the last look failed (logged once) */
    struct stat failed;   /* the file as it was then: not read again until it changes */
    char why[OA_ERROR_MSG_MAX];
};

/* ---- parsing ------------------------------------------------------------- */

/* A decimal int64 of 1..19 digits at s[*i..n), up to end or ' '. */
static bool parse_i64(const char *s, size_t n, size_t *i, int64_t *out)
{
    uint64_t v = 0;
    size_t start = *i;

    for (; *i < n && s[*i] != ' '; (*i)++) {
        if (s[*i] < '0' || s[*i] > '9' || *i - start >= 19)
            return false;
        v = v * 10 + (uint64_t)(s[*i] - '0');
    }
    if (*i == start || v > (uint64_t)INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

enum oa_err oa_store_file_parse_line(const char *s, size_t n, struct oa_rev_entry *e,
                                     const char **why)
{
    unsigned char acc = 0;
    size_t i = 33;

    *why = "not '<32 hex digits> <cutoff> <expiry>'";
    if (n < 36 || n > ENTRY_LINE_MAX || s[32] != ' ' ||
        !oa_hex_decode(e->key, OA_REV_KEY_BYTES, s, 32))
        return OA_ERR_BAD_INPUT;
    for (size_t k = 0; k < OA_REV_KEY_BYTES; k++)
        acc |= e->key[k];
    if (!parse_i64(s, n, &i, &e->cutoff) || i >= n || s[i] != ' ')
        return OA_ERR_BAD_INPUT;
    i++;
    if (!parse_i64(s, n, &i, &e->expiry) || i != n)
        return OA_ERR_BAD_INPUT;
    if (!acc) {
        *why = "the all-zero key names no session";
        return OA_ERR_BAD_INPUT;
    }
    return OA_OK;
}

/* What the parse of a piece of the file needs and tells. */
struct parse {
    const char *path;
    unsigned line; /* lines before the piece; then lines consumed */
    int64_t now;
    bool strict;  /* a bad line is an error (at start), not skipped */
    bool *logged; /* a skipped line was logged */
    struct oa_error *err;
};

/* Merges the complete lines of buf[0..n) (the file's bytes from offset
 * first ? 0 : later); *used gets the bytes consumed (a partial last line is
 * left). OA_ERR_CONFIG (not a revocation file, or strict and a bad line) or
 * OA_ERR_NOMEM with err at FILE:LINE. */
static enum oa_err parse_lines(const char *buf, size_t n, bool first, size_t *used, struct parse *p)
{
    size_t pos = 0;

    *used = 0;
    if (first && memcmp(buf, HDR, n < HDR_LEN ? n : HDR_LEN) != 0)
        return oa_error_at(p->err, OA_ERR_CONFIG, p->path, 1, 1,
                           "not a revocation file: the first line must be '%.*s'", (int)HDR_LEN - 1,
                           HDR);
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        struct oa_rev_entry e;
        const char *why;
        size_t len;

        if (!nl)
            break; /* being written: the next tick reads it */
        len = (size_t)(nl - (buf + pos));
        p->line++;
        if (first && pos == 0) {
            /* the header, compared above */
        } else if (len == 0) {
            /* a blank line (an editor's): nothing */
        } else if (oa_store_file_parse_line(buf + pos, len, &e, &why) != OA_OK) {
            if (p->strict)
                return oa_error_at(p->err, OA_ERR_CONFIG, p->path, p->line, 1,
                                   "revocation file: %s", why);
            if (!*p->logged)
                oa_log_write(OA_LOG_WARN,
                             "revocation file %s: line %u: %s; skipped (and any other bad "
                             "line of this file, silently); a start refuses the file until "
                             "the line is fixed or removed",
                             p->path, p->line, why);
            *p->logged = true;
        } else if (e.expiry >= p->now && oa_revocation_add(&e) != OA_OK) {
            return oa_error_at(p->err, OA_ERR_NOMEM, p->path, p->line, 1,
                               "out of memory adding a revocation");
        }
        pos += len + 1;
    }
    *used = pos;
    return OA_OK;
}

/* ---- reading ------------------------------------------------------------- */

/* Reads len bytes at from into a new buffer (caller frees). */
static enum oa_err read_at(int fd, off_t from, size_t len, char **out, const char *path,
                           struct oa_error *err)
{
    char *b = malloc(len ? len : 1);
    size_t got = 0;

    if (!b)
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory reading %s", path);
    while (got < len) {
        ssize_t r = pread(fd, b + got, len - got, from + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "cannot read: %s",
                               r < 0 ? strerror(errno) : "the file shrank while read");
        }
        got += (size_t)r;
    }
    *out = b;
    return OA_OK;
}

/* A file others may change decides which sessions live: refused, as the
 * config and key files are (src/config/file_mode.c). */
static enum oa_err judge(int fd, const struct stat *st, const char *path, struct oa_error *err)
{
    char msg[256];
    bool others_read;

    if (!S_ISREG(st->st_mode))
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "not a regular file");
    if (oa_file_mode_check(fd, &others_read, msg, sizeof(msg)) != OA_OK)
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "revocation file %s", msg);
    if ((uint64_t)st->st_size > OA_STORE_FILE_MAX)
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0,
                           "over %u MiB: refused (compact it with --revoke, or remove "
                           "expired lines)",
                           OA_STORE_FILE_MAX >> 20);
    return OA_OK;
}

/* Reads the file whole and, when it parses, follows it from now on.
 * OA_ERR_NOT_FOUND when it does not exist; else as parse_lines. */
static enum oa_err load_full(struct oa_store_file *f, int64_t now, bool strict,
                             struct oa_error *err)
{
    struct parse p = {f->path, 0, now, strict, NULL, err};
    bool logged = false;
    struct stat st;
    char *buf = NULL;
    size_t used = 0;
    enum oa_err rc;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return errno == ENOENT
                   ? OA_ERR_NOT_FOUND
                   : oa_error_at(err, OA_ERR_CONFIG, f->path, 0, 0,
                                 "cannot read the revocation file: %s", strerror(errno));
    p.logged = &logged;
    if (fstat(fd, &st) != 0)
        rc = oa_error_at(err, OA_ERR_CONFIG, f->path, 0, 0, "fstat: %s", strerror(errno));
    else if ((rc = judge(fd, &st, f->path, err)) == OA_OK &&
             (rc = read_at(fd, 0, (size_t)st.st_size, &buf, f->path, err)) == OA_OK)
        rc = parse_lines(buf, (size_t)st.st_size, true, &used, &p);
    free(buf);
    if (rc != OA_OK) {
        close(fd);
        return rc;
    }
    if (f->fd >= 0)
        close(f->fd);
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->off = (off_t)used;
    f->line = p.line;
    f->bad_line_logged = logged;
    return OA_OK;
}

/* The directory holds the file's name: whoever may write it may swap the
 * file (unless the sticky bit keeps others' names). */
static enum oa_err judge_dir(const char *path, struct oa_error *err)
{
    char copy[PATH_MAX];
    struct stat st;
    const char *dir;

    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "path too long");
    dir = dirname(copy);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "no directory %s", dir);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0,
                           "its directory %s is writable by %s (mode %04o): whoever can "
                           "replace the file can undo revocations; chmod go-w it",
                           dir, (st.st_mode & S_IWOTH) ? "others" : "its group",
                           (unsigned)st.st_mode & 07777);
    return OA_OK;
}

enum oa_err oa_store_file_open(struct oa_store_file **out, const char *path, int64_t now,
                               struct oa_error *err)
{
    struct oa_store_file *f = calloc(1, sizeof(*f));
    enum oa_err rc;

    *out = NULL;
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    f->fd = -1;
    rc = judge_dir(path, err);
    if (rc == OA_OK && (rc = load_full(f, now, true, err)) == OA_ERR_NOT_FOUND) {
        oa_log_write(OA_LOG_INFO,
                     "revocation file %s does not exist yet: nothing is revoked; the first "
                     "revocation creates it",
                     path);
        rc = OA_OK;
    }
    if (rc != OA_OK) {
        oa_store_file_close(f);
        return rc;
    }
    *out = f;
    return OA_OK;
}

/* A look at the file failed: logged once, the list kept. */
static void trouble(struct oa_store_file *f, const struct stat *st, const struct oa_error *err)
{
    char text[OA_ERROR_FILE_MAX + OA_ERROR_MSG_MAX + 32];
    size_t n = 0;

    oa_error_format(err, text, sizeof(text));
    snprintf(f->why, sizeof(f->why), "%s", err->msg);
    if (st)
        f->failed = *st;
    else
        memset(&f->failed, 0, sizeof(f->failed));
    if (f->failing)
        return;
    f->failing = true;
    oa_revocation_stats(&n, &(size_t){0});
    oa_log_write(OA_LOG_ERROR, "%s (revocation file; keeping the %zu revocations in memory)", text,
                 n);
}

static void recovered(struct oa_store_file *f)
{
    size_t n = 0;

    if (!f->failing)
        return;
    f->failing = false;
    f->why[0] = '\0';
    oa_revocation_stats(&n, &(size_t){0});
    oa_log_write(OA_LOG_INFO, "revocation file %s: read again (%zu revocations)", f->path, n);
}

static bool same_as_failed(const struct oa_store_file *f, const struct stat *st)
{
    return f->failing && st->st_dev == f->failed.st_dev && st->st_ino == f->failed.st_ino &&
           st->st_size == f->failed.st_size && st->st_mtim.tv_sec == f->failed.st_mtim.tv_sec &&
           st->st_mtim.tv_nsec == f->failed.st_mtim.tv_nsec && st->st_mode == f->failed.st_mode;
}

/* The lines appended since the last look. */
static void read_tail(struct oa_store_file *f, const struct stat *st, int64_t now)
{
    struct oa_error err;
    struct parse p = {f->path, f->line, now, false, &f->bad_line_logged, &err};
    size_t len = (size_t)(st->st_size - f->off), used;
    char *buf;

    oa_error_clear(&err);
    if ((uint64_t)st->st_size > OA_STORE_FILE_MAX) {
        oa_error_at(&err, OA_ERR_CONFIG, f->path, 0, 0, "over %u MiB: not read",
                    OA_STORE_FILE_MAX >> 20);
        trouble(f, st, &err);
        return;
    }
    if (read_at(f->fd, f->off, len, &buf, f->path, &err) != OA_OK) {
        trouble(f, st, &err);
        return;
    }
    if (parse_lines(buf, len, f->off == 0, &used, &p) != OA_OK) {
        free(buf);
        trouble(f, st, &err);
        return;
    }
    free(buf);
    if (p.line > f->line)
        oa_log_write(OA_LOG_DEBUG, "revocation file %s: read lines %u-%u", f->path, f->line + 1,
                     p.line);
    f->off += (off_t)used;
    f->line = p.line;
    recovered(f);
}

void oa_store_file_tick(struct oa_store_file *f, int64_t now)
{
    struct oa_error err;
    struct stat st;

    oa_error_clear(&err);
    if (stat(f->path, &st) != 0) {
        if (errno == ENOENT && f->fd < 0)
            return; /* still not created: nothing revoked yet */
        oa_error_at(&err, OA_ERR_IO, f->path, 0, 0, "cannot be read: %s", strerror(errno));
        trouble(f, NULL, &err);
        return;
    }
    if (same_as_failed(f, &st))
        return;
    if (f->fd < 0 || st.st_dev != f->dev || st.st_ino != f->ino || st.st_size < f->off) {
        if (load_full(f, now, false, &err) != OA_OK) {
            if (err.code == OA_OK) /* gone between stat and open */
                oa_error_at(&err, OA_ERR_IO, f->path, 0, 0, "vanished while opened");
            trouble(f, &st, &err);
        } else {
            oa_log_write(OA_LOG_DEBUG, "revocation file %s: read whole (%u lines)", f->path,
                         f->line);
            recovered(f);
        }
    } else if (st.st_size > f->off) {
        read_tail(f, &st, now);
    }
}

void oa_store_file_status(const struct oa_store_file *f, struct oa_buf *b)
{
    oa_buf_printf(b, "file: %s", f->path);
    if (f->fd < 0 && !f->failing)
        oa_buf_puts(b, " (not created yet)");
    if (f->failing)
        oa_buf_printf(b, " (not readable now: %s; the list in memory is kept)", f->why);
}

void oa_store_file_close(struct oa_store_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    free(f);
}

/* ---- writing ------------------------------------------------------------- */

static void pause_10ms(void)
{
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
}

/* A file this writer creates belongs to the directory's owner when the
 * writer is root (an administrator running --revoke as root): else the
 * serving processes, which run as that owner, could not read the journal
 * or take its lock. Compaction keeps the replaced file's owner (own_like). */
static void own_like_dir(int fd, const char *path)
{
    char copy[PATH_MAX];
    struct stat st;

    if (geteuid() != 0 || snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy) ||
        stat(dirname(copy), &st) != 0)
        return;
    if (fchown(fd, st.st_uid, st.st_gid) != 0)
        oa_log_write(OA_LOG_WARN, "revocation file %s: cannot give it to uid %u", path,
                     (unsigned)st.st_uid);
}

/* flock(path.lock, LOCK_EX), waited for 2 s at most: the lock's fd. */
static int lock_take(const char *path, struct oa_error *err)
{
    char lp[PATH_MAX];
    int fd, i;

    if (snprintf(lp, sizeof(lp), "%s.lock", path) >= (int)sizeof(lp)) {
        oa_error_set(err, OA_ERR_IO, "revocation file %s: path too long", path);
        return -1;
    }
    fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        oa_error_set(err, OA_ERR_IO, "revocation file: cannot open %s: %s", lp, strerror(errno));
        return -1;
    }
    own_like_dir(fd, path);
    for (i = 0; i < LOCK_TRIES; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        pause_10ms();
    }
    oa_error_set(err, OA_ERR_IO, "revocation file: %s: %s", lp,
                 i == LOCK_TRIES ? "still locked by another writer after 2 s" : strerror(errno));
    close(fd);
    return -1;
}

static bool write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* Under the lock: a file that is not ours is not written; a last line
 * without its newline (a writer that died mid-write: readers never read
 * it) is cut off, so that our line does not glue onto it. *size: the
 * size after. */
static enum oa_err prepare(int fd, const char *path, off_t *size, struct oa_error *err)
{
    char head[HDR_LEN], tail[4096];
    off_t end = *size, from;

    if (end == 0)
        return OA_OK;
    if (pread(fd, head, HDR_LEN, 0) != (ssize_t)HDR_LEN || memcmp(head, HDR, HDR_LEN) != 0) {
        if (end < (off_t)HDR_LEN && pread(fd, head, (size_t)end, 0) == end &&
            memcmp(head, HDR, (size_t)end) == 0) {
            if (ftruncate(fd, 0) != 0) /* a header cut short: start over */
                return oa_error_set(err, OA_ERR_IO, "%s: ftruncate: %s", path, strerror(errno));
            *size = 0;
            return OA_OK;
        }
        return oa_error_set(err, OA_ERR_IO,
                            "%s: line 1: not a revocation file; nothing written to it", path);
    }
    for (from = end; from > 0 && end - from < (off_t)TAIL_SCAN;) {
        size_t n = from >= (off_t)sizeof(tail) ? sizeof(tail) : (size_t)from;
        char *nl;
        from -= (off_t)n;
        if (pread(fd, tail, n, from) != (ssize_t)n)
            return oa_error_set(err, OA_ERR_IO, "%s: read: %s", path, strerror(errno));
        if ((nl = memrchr(tail, '\n', n))) {
            off_t keep = from + (nl - tail) + 1;
            if (keep != end && ftruncate(fd, keep) != 0)
                return oa_error_set(err, OA_ERR_IO, "%s: ftruncate: %s", path, strerror(errno));
            *size = keep;
            return OA_OK;
        }
    }
    return oa_error_set(err, OA_ERR_IO, "%s: no line end in its last %u KiB; nothing written", path,
                        TAIL_SCAN >> 10);
}

static int format_entry(char *out, size_t cap, const struct oa_rev_entry *e)
{
    char k[2 * OA_REV_KEY_BYTES + 1];

    oa_hex_encode(k, sizeof(k), e->key, OA_REV_KEY_BYTES);
    return snprintf(out, cap, "%s %lld %lld\n", k, (long long)e->cutoff, (long long)e->expiry);
}

static int cmp_entry(const void *a, const void *b)
{
    return memcmp(((const struct oa_rev_entry *)a)->key, ((const struct oa_rev_entry *)b)->key,
                  OA_REV_KEY_BYTES);
}

/* The live entries of buf (the whole file), merged and sorted: *out new. */
static enum oa_err collect(const char *buf, size_t n, int64_t now, struct oa_rev_entry **out,
                           size_t *count)
{
    struct oa_rev_entry *v = malloc((n / 36 + 1) * sizeof(*v)), e;
    size_t pos = HDR_LEN, k = 0, u = 0;
    const char *why;

    if (!v)
        return OA_ERR_NOMEM;
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (buf + pos)) : n - pos;
        if (nl && oa_store_file_parse_line(buf + pos, len, &e, &why) == OA_OK && e.expiry >= now)
            v[k++] = e;
        pos += len + 1;
    }
    qsort(v, k, sizeof(*v), cmp_entry);
    for (size_t i = 0; i < k; i++) {
        if (u && !memcmp(v[u - 1].key, v[i].key, OA_REV_KEY_BYTES)) {
            if (v[i].cutoff > v[u - 1].cutoff)
                v[u - 1].cutoff = v[i].cutoff;
            if (v[i].expiry > v[u - 1].expiry)
                v[u - 1].expiry = v[i].expiry;
        } else {
            v[u++] = v[i];
        }
    }
    *out = v;
    *count = u;
    return OA_OK;
}

/* Writes the entries to a new file beside path and renames it over path. */
static enum oa_err replace(const char *path, const struct stat *old, const struct oa_rev_entry *v,
                           size_t n, struct oa_error *err)
{
    char tmp[PATH_MAX], line[ENTRY_LINE_MAX + 2], dirc[PATH_MAX];
    size_t cap = HDR_LEN + n * (ENTRY_LINE_MAX + 1), len = HDR_LEN;
    char *out = malloc(cap);
    bool ok = out != NULL;
    int fd = -1, dfd;

    if (!ok || snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        free(out);
        return oa_error_set(err, OA_ERR_IO, "%s: cannot compact (out of memory)", path);
    }
    memcpy(out, HDR, HDR_LEN);
    for (size_t i = 0; i < n; i++) {
        int w = format_entry(line, sizeof(line), &v[i]);
        memcpy(out + len, line, (size_t)w);
        len += (size_t)w;
    }
    unlink(tmp); /* a crashed compaction's */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    ok = fd >= 0 && fchmod(fd, old->st_mode & 0644) == 0 &&
         (geteuid() != 0 || fchown(fd, old->st_uid, old->st_gid) == 0) && write_all(fd, out, len) &&
         fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    free(out);
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return oa_error_set(err, OA_ERR_IO, "%s: cannot compact: %s", path, strerror(e));
    }
    snprintf(dirc, sizeof(dirc), "%s", path);
    if ((dfd = open(dirname(dirc), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        (void)fsync(dfd); /* the rename itself made durable */
        close(dfd);
    }
    return OA_OK;
}

/* Under the lock: rewrites path with its live entries when force or when
 * it is over twice what they need. */
static enum oa_err compact_locked(const char *path, int64_t now, bool force, struct oa_error *err)
{
    struct oa_rev_entry *v = NULL;
    struct stat st;
    size_t n = 0;
    char *buf = NULL;
    enum oa_err rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return errno == ENOENT ? OA_OK
                               : oa_error_set(err, OA_ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > OA_STORE_FILE_MAX)
        rc = oa_error_set(err, OA_ERR_IO, "%s: not a regular file under %u MiB", path,
                          OA_STORE_FILE_MAX >> 20);
    else
        rc = read_at(fd, 0, (size_t)st.st_size, &buf, path, err);
    close(fd);
    if (rc != OA_OK) {
        if (rc != OA_ERR_NOMEM)
            err->code = rc = OA_ERR_IO;
        return rc;
    }
    if ((size_t)st.st_size < HDR_LEN || memcmp(buf, HDR, HDR_LEN) != 0)
        rc = oa_error_set(err, OA_ERR_IO, "%s: line 1: not a revocation file", path);
    else if (collect(buf, (size_t)st.st_size, now, &v, &n) != OA_OK)
        rc = oa_error_set(err, OA_ERR_NOMEM, "out of memory compacting %s", path);
    else if (force || (size_t)st.st_size > COMPACT_SLACK + 2 * n * ENTRY_LINE_BYTES)
        rc = replace(path, &st, v, n, err);
    free(buf);
    free(v);
    return rc;
}

enum oa_err oa_store_file_compact(const char *path, int64_t now, struct oa_error *err)
{
    int lk = lock_take(path, err);
    enum oa_err rc;

    if (lk < 0)
        return OA_ERR_IO;
    rc = compact_locked(path, now, true, err);
    close(lk);
    return rc;
}

/* Under the lock: one write of the line (and the header when the file is
 * new); a failed or short write is cut back so no partial line stays. */
static enum oa_err append(const char *path, const struct oa_rev_entry *e, off_t *size,
                          struct oa_error *err)
{
    char text[HDR_LEN + ENTRY_LINE_MAX + 2];
    size_t n = 0;
    struct stat st;
    enum oa_err rc;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

    if (fd < 0)
        return oa_error_set(err, OA_ERR_IO, "revocation file %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return oa_error_set(err, OA_ERR_IO, "revocation file %s: not a regular file", path);
    }
    *size = st.st_size;
    if (*size == 0)
        own_like_dir(fd, path);
    if ((rc = prepare(fd, path, size, err)) != OA_OK) {
        close(fd);
        return rc;
    }
    if (*size == 0) {
        memcpy(text, HDR, HDR_LEN);
        n = HDR_LEN;
    }
    n += (size_t)format_entry(text + n, sizeof(text) - n, e);
    if (!write_all(fd, text, n) || fsync(fd) != 0) {
        int why = errno;
        if (ftruncate(fd, *size) != 0) /* left: readers wait on it, the next writer cuts it */
            oa_log_write(OA_LOG_WARN, "revocation file %s: a partial line stays", path);
        close(fd);
        return oa_error_set(err, OA_ERR_IO, "revocation file %s: write: %s", path, strerror(why));
    }
    *size += (off_t)n;
    return close(fd) == 0 ? OA_OK
                          : oa_error_set(err, OA_ERR_IO, "revocation file %s: close: %s", path,
                                         strerror(errno));
}

enum oa_err oa_store_file_write(const char *path, const struct oa_rev_entry *e, int64_t now,
                                size_t live, struct oa_error *err)
{
    struct oa_error cerr;
    off_t size = 0;
    enum oa_err rc;
    int lk = lock_take(path, err);

    if (lk < 0)
        return OA_ERR_IO;
    rc = append(path, e, &size, err);
    if (rc == OA_OK && (size_t)size > COMPACT_SLACK + 2 * live * ENTRY_LINE_BYTES) {
        oa_error_clear(&cerr);
        if (compact_locked(path, now, false, &cerr) != OA_OK) /* the line is written: log it */
            oa_log_error(OA_LOG_WARN, &cerr);
    }
    close(lk);
    return rc;
}
