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

bool oa_file_watch_set(struct oa_file_watch *w, const char *const *paths, size_t n)
{
    bool any = false;

    /* kept, not made anew: closing an inotify descriptor waits for the
     * kernel to retire its marks (the main thread blocked at every event) */
    if (w->fd < 0 && (w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char *real;
        if (!paths[i])
            continue;
        any |= watch_dir_of(w->fd, paths[i]);
        if ((real = realpath(paths[i], NULL))) {
            any |= watch_dir_of(w->fd, real);
            free(real);
        }
    }
    if (!any)
        oa_file_watch_free(w);
    return any;
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
