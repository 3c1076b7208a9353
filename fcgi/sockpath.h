/*
 * sockpath.h - "is the unix socket file at this path still ours?", for
 * the graceful stop (remove the file only if it is still ours) and for
 * workers whose supervisor is gone (leave once a new instance has put its
 * own socket at the path).
 */
#ifndef OA_SOCKPATH_H
#define OA_SOCKPATH_H

#include <stdbool.h>
#include <sys/types.h>

struct oa_sockpath {
    char path[108]; /* sizeof(sun_path); "" when the socket has no file */
    dev_t dev;
    ino_t ino;
    bool known; /* path, dev and ino hold the file seen at start */
};

/* Remembers which file names the listening socket fd: path when given
 * (-s), else the socket's own address (an inherited unix socket), as it is
 * now. A TCP or abstract socket leaves sp->known false. Never fails. */
void oa_sockpath_record(struct oa_sockpath *sp, int fd, const char *path);

/* 1 while the file at sp->path is still the one recorded, 0 when it is
 * gone or another file (another instance's socket) took its place, -1 when
 * nothing was recorded. */
int oa_sockpath_ours(const struct oa_sockpath *sp);

/* Removes the socket file if it is still ours; a file another instance
 * put there meanwhile is left alone. */
void oa_sockpath_unlink(const struct oa_sockpath *sp);

#endif
