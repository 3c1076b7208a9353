/*
 * sockpath.c - the identity (device, inode) of a unix socket's file.
 *
 * Why: a socket's path outlives nothing. During a restart the old process
 * may still be finishing its requests while the new one has already
 * removed the stale file and bound a fresh socket at the same path;
 * removing "our" path at exit would then remove the new instance's socket
 * and cut the web server off. So the file is identified by what stat(2)
 * saw at start, and only that file is ever removed or trusted.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockpath.h"

void oa_sockpath_record(struct oa_sockpath *sp, int fd, const char *path)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    struct stat st;
    size_t n;

    memset(sp, 0, sizeof(*sp));
    if (!path) {
        memset(&sa, 0, sizeof(sa));
        if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 || sa.sun_family != AF_UNIX ||
            len <= offsetof(struct sockaddr_un, sun_path) || sa.sun_path[0] == '\0')
            return; /* TCP, unnamed or abstract: no file to watch */
        n = strnlen(sa.sun_path, len - offsetof(struct sockaddr_un, sun_path));
        if (n >= sizeof(sp->path))
            return;
        memcpy(sp->path, sa.sun_path, n);
    } else {
        n = strlen(path);
        if (n >= sizeof(sp->path))
            return;
        memcpy(sp->path, path, n);
    }
    if (stat(sp->path, &st) != 0 || !S_ISSOCK(st.st_mode))
        return;
    sp->dev = st.st_dev;
    sp->ino = st.st_ino;
    sp->known = true;
}

int oa_sockpath_ours(const struct oa_sockpath *sp)
{
    struct stat st;

    if (!sp->known)
        return -1;
    if (stat(sp->path, &st) != 0)
        return 0;
    return S_ISSOCK(st.st_mode) && st.st_dev == sp->dev && st.st_ino == sp->ino;
}

void oa_sockpath_unlink(const struct oa_sockpath *sp)
{
    /* a new instance may bind between the check and the unlink: a window of
     * microseconds against the old unconditional unlink at every stop */
    if (oa_sockpath_ours(sp) == 1)
        unlink(sp->path);
}
