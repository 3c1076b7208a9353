/*
 * metrics_map.c - the shared counter block (DESIGN.md section 13).
 *
 * The counters are atomics in one fixed-size struct, so sharing them is
 * only a question of mapping the same memory: -w's workers inherit an
 * anonymous MAP_SHARED mapping made before the fork; processes that the
 * web server starts one by one (lighttpd max-procs, mod_fcgid, spawn-fcgi
 * -F) each map the same file under metrics.dir. Whoever renders reads the
 * one block and so shows the sum; a process that dies leaves its counts in
 * it. The file is made (and sized) under an flock; a file of another
 * layout (another version of the program) is replaced by a new one, the
 * old processes keep counting into the old, unlinked, inode until they end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics_map.h"
#include "oa/metrics.h"

#define OA_METRICS_FILE "oauth2-fcgi.metrics"

static bool metrics_on(const struct oa_config *cfg)
{
    return cfg->metrics.listen || cfg->metrics.nnets || cfg->metrics.dir;
}

static struct oa_metrics_block *map_fd(int fd)
{
    void *p = mmap(NULL, sizeof(struct oa_metrics_block), PROT_READ | PROT_WRITE,
                   fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* True when fd (locked) is still the file at path: another process may
 * have replaced it while this one waited for the lock. */
static bool still_there(int fd, const char *path)
{
    struct stat a, b;

    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

/* With fd locked: a block of this layout, made when the file is new,
 * replaced when it holds another layout. NULL with errno, or with
 * errno EAGAIN: replaced, open the path again. */
static struct oa_metrics_block *attach_locked(int fd, const char *path)
{
    struct oa_metrics_block *b;
    struct stat st;
    bool fresh;

    if (fstat(fd, &st) != 0)
        return NULL;
    fresh = st.st_size == 0;
    if (!fresh && st.st_size != (off_t)sizeof(*b)) {
        unlink(path);
        errno = EAGAIN;
        return NULL;
    }
    if (fresh && ftruncate(fd, sizeof(*b)) != 0)
        return NULL;
    if (!(b = map_fd(fd)))
        return NULL;
    if (fresh) {
        oa_metrics_block_init(b);
    } else if (!oa_metrics_block_valid(b)) {
        munmap(b, sizeof(*b));
        unlink(path);
        errno = EAGAIN;
        return NULL;
    }
    return b;
}

static struct oa_metrics_block *attach_file(const char *path)
{
    for (int tries = 0; tries < 4; tries++) {
        struct oa_metrics_block *b = NULL;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        int e;

        if (fd < 0)
            return NULL;
        if (flock(fd, LOCK_EX) == 0 && still_there(fd, path))
            b = attach_locked(fd, path);
        else
            errno = EAGAIN;
        e = errno;
        /* unlocked by hand: the mapping keeps the open file (and with it
         * an flock) alive after close */
        flock(fd, LOCK_UN);
        close(fd);
        if (b)
            return b;
        if (e != EAGAIN) {
            errno = e;
            return NULL;
        }
    }
    errno = EBUSY;
    return NULL;
}

enum oa_err oa_metrics_map(const struct oa_config *cfg, struct oa_error *err)
{
    struct oa_metrics_block *b;
    char path[4096];

    if (!metrics_on(cfg))
        return OA_OK;
    if (!cfg->metrics.dir) {
        if (!(b = map_fd(-1)))
            return oa_error_set(err, OA_ERR_NOMEM, "metrics: cannot map the counters: %s",
                                strerror(errno));
        oa_metrics_block_init(b);
        oa_metrics_use(b);
        return OA_OK;
    }
    if (snprintf(path, sizeof(path), "%s/%s", cfg->metrics.dir, OA_METRICS_FILE) >=
        (int)sizeof(path))
        return oa_error_set(err, OA_ERR_CONFIG, "metrics.dir: the path is too long");
    if (!(b = attach_file(path)))
        return oa_error_set(err, OA_ERR_CONFIG,
                            "metrics.dir: cannot use %s: %s (the directory must exist and be "
                            "writable by the user oauth2-fcgi runs as)",
                            path, strerror(errno));
    oa_metrics_use(b);
    return OA_OK;
}
