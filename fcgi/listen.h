/*
 * listen.h - the sockets the program binds itself (-b, -s), for servers
 * that connect to a running FastCGI program (nginx, mod_authnz_fcgi).
 */
#ifndef OA_LISTEN_H
#define OA_LISTEN_H

#include <stddef.h>

#include "oa/err.h"

/* Listens on "IPV4ADDR:PORT" (a host name is resolved to one IPv4 address;
 * a warning is logged when it is not a loopback address). On success *fd
 * is the listening socket. OA_ERR_USAGE for an address that cannot be
 * used, OA_ERR_IO when binding fails; err says why. */
enum oa_err oa_listen_tcp(const char *spec, int *fd, struct oa_error *err) OA_WUR;

/* Listens on a unix socket at path, mode 0660. A stale socket file is
 * removed first; a live one (another process answers on it) or a file that
 * is not a socket is left alone and refused (OA_ERR_IO); a path too long
 * for a socket is OA_ERR_USAGE. */
enum oa_err oa_listen_unix(const char *path, int *fd, struct oa_error *err) OA_WUR;

/* systemd's socket activation (LISTEN_PID, LISTEN_FDS; the unit without
 * StandardInput=socket, or systemd-socket-activate): 1 with *fd the
 * passed socket (fd 3), 0 when none is passed to this process, -1 when
 * what is passed cannot be used (OA_ERR_USAGE in err). */
int oa_listen_systemd(int *fd, struct oa_error *err);

#endif
