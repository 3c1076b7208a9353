/*
 * file_watch.c - inotify on the directories of the config's files
 * (file_watch.h).
 *
 * Why the directory, not the file: a file watch follows the inode, and the
 * usual ways of changing a config replace it (an editor's rename, dpkg, a
 * Kubernetes ConfigMap swapping its ..data symlink in the directory); the
 * directory sees all of them. Why also the resolved file's directory: a
 * symlink to a file elsewhere that is then written in place.
 * IN_MODIFY is left out: a file being written wakes the thread once it is
 * closed (IN_CLOSE_WRITE), not at every write, so a half-written config is
 * not read for nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_watch.h"

#define OA_FILE_WATCH_MASK                                                                         \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB |            \
     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* Watches the directory path is in; true when it is watched. */
static bool watch_dir_of(int fd, const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;

    if (n >= sizeof(dir))
        return false;
    if (slash)
        memcpy(dir, path, n);
    else
        dir[0] = '.';
    dir[n] = '\0';
    return inotify_add_watch(fd, dir, OA_FILE_WATCH_MASK) >= 0;
}

/* Watches the directory of every symlink on the way to path (a
 * "current -> releases/X" directory link swapped in its parent, a link to
 * a link elsewhere): a watch follows the inode a link named when it was
 * set, so only the link's own directory sees the link change. True when
 * each of them is watched. */
static bool watch_links_of(int fd, const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    bool ok = true;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; ok && p <= buf + len; p++) {
        struct stat st;
        if (*p != '/' && *p != '\0')
            continue;
        char keep = *p;
        *p = '\0';
        if (lstat(buf, &st) == 0 && S_ISLNK(st.st_mode))
            ok = watch_dir_of(fd, buf);
        *p = keep;
    }
    return ok;
}

/* Every directory path depends on: its own, those of the links on the way,
 * and that of the file it resolves to. True when all are watched. */
static bool watch_path(int fd, const char *path)
{
    char *real = realpath(path, NULL);
    bool ok = watch_dir_of(fd, path) && watch_links_of(fd, path);

    if (!real)
        return ok; /* the file is not there: its own directory sees it come */
    ok = watch_dir_of(fd, real) && ok;
    free(real);
    return ok;
}

bool oa_file_watch_add(struct oa_file_watch *w, const char *path)
{
    /* kept, not made anew: closing an inotify descriptor waits for the
     * kernel to retire its marks (the main thread blocked at every event) */
    if (w->fd < 0 && (w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
        return false;
    return watch_path(w->fd, path);
}

bool oa_file_watch_drain(struct oa_file_watch *w)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool any = false;
    ssize_t got;

    if (w->fd < 0)
        return false;
    while ((got = read(w->fd, buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR))
        any |= got > 0;
    return any;
}

void oa_file_watch_free(struct oa_file_watch *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}
