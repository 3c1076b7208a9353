/*
 * listen.c - opens the listening socket for -b ADDR:PORT and -s PATH, and
 * takes one passed by systemd's socket activation protocol (LISTEN_FDS).
 *
 * Not with libfcgi's FCGX_OpenSocket: it unlinks whatever file is at a unix
 * socket's path, parses "host:port" loosely, and exit()s the process when
 * bind() fails (with errno as the exit code). The socket made here is what
 * FCGX_OpenSocket would make (SO_REUSEADDR, backlog), handed to
 * FCGX_InitRequest just the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

#define OA_LISTEN_BACKLOG 128

/* host (len bytes) to one IPv4 address. 0 or -1. */
/* socket + bind + listen; -1 with errno on failure. */
static int open_listener(int family, const struct sockaddr *sa, socklen_t len)
{
    int one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int e;

    if (fd < 0)
        return -1;
    if ((family == AF_INET && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) ||
        bind(fd, sa, len) != 0 || listen(fd, OA_LISTEN_BACKLOG) != 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int resolve_ipv4(const char *host, size_t len, struct in_addr *out)
{
    char name[256];
    struct addrinfo hints, *res = NULL;

    if (len == 0 || len >= sizeof(name))
        return -1;
    memcpy(name, host, len);
    name[len] = '\0';
    if (inet_pton(AF_INET, name, out) == 1)
        return 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
        return -1;
    *out = ((const struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

enum oa_err oa_listen_tcp(const char *spec, int *fd, struct oa_error *err)
{
    const char *colon = strrchr(spec, ':');
    char addr[INET_ADDRSTRLEN];
    char bind_to[INET_ADDRSTRLEN + 8];
    struct sockaddr_in sin;
    struct in_addr in;

    if (!colon || resolve_ipv4(spec, (size_t)(colon - spec), &in) != 0) {
        return oa_error_set(err, OA_ERR_USAGE,
                            "-b %s: the address does not resolve to an IPv4 address", spec);
    }
    inet_ntop(AF_INET, &in, addr, sizeof(addr));
    snprintf(bind_to, sizeof(bind_to), "%s%s", addr, colon);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr = in;
    sin.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10)); /* checked by options.c */
    *fd = open_listener(AF_INET, (const struct sockaddr *)&sin, sizeof(sin));
    if (*fd < 0)
        return oa_error_set(err, OA_ERR_IO, "cannot listen on %s: %s", bind_to, strerror(errno));
    if ((ntohl(in.s_addr) >> 24) != 127)
        oa_log_write(OA_LOG_WARN,
                     "listening on %s, not a loopback address: keep it reachable by the web "
                     "server only (firewall), or use 127.0.0.1 or -s",
                     bind_to);
    return OA_OK;
}

/* True when a process accepts connections on the unix socket at path. */
static bool socket_alive(const char *path)
{
    struct sockaddr_un sa;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    bool alive;

    if (s < 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    alive = connect(s, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(s);
    return alive;
}

/* Removes a stale socket file. OA_ERR_IO when the path is not ours to clear. */
static enum oa_err clear_path(const char *path, struct oa_error *err)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return OA_OK;
        return oa_error_set(err, OA_ERR_IO, "-s %s: %s", path, strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode))
        return oa_error_set(err, OA_ERR_IO,
                            "-s %s: the file exists and is not a socket; not removing it", path);
    if (socket_alive(path))
        return oa_error_set(err, OA_ERR_IO, "-s %s: another process is listening on this socket",
                            path);
    if (unlink(path) != 0)
        return oa_error_set(err, OA_ERR_IO, "-s %s: cannot remove the stale socket: %s", path,
                            strerror(errno));
    return OA_OK;
}

enum oa_err oa_listen_unix(const char *path, int *fd, struct oa_error *err)
{
    struct sockaddr_un sa;
    mode_t old;
    enum oa_err e;

    if (strlen(path) >= sizeof(sa.sun_path))
        return oa_error_set(err, OA_ERR_USAGE, "-s %s: a socket path has at most %zu bytes", path,
                            sizeof(sa.sun_path) - 1);
    if ((e = clear_path(path, err)) != OA_OK)
        return e;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    old = umask(0117); /* created 0660 from the start: no window with wider modes */
    *fd = open_listener(AF_UNIX, (const struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (*fd < 0)
        return oa_error_set(err, OA_ERR_IO, "cannot listen on %s: %s", path, strerror(errno));
    if (chmod(path, 0660) != 0) {
        e = oa_error_set(err, OA_ERR_IO, "-s %s: chmod 0660: %s", path, strerror(errno));
        close(*fd);
        return e;
    }
    return OA_OK;
}

/* sd_listen_fds(3) without libsystemd: LISTEN_PID must be this process
 * (the variables are inherited by children that are not meant), fds from
 * 3 on. The variables are removed, as sd_listen_fds(1) does, so workers
 * and an upgrade's exec do not take them for their own. */
int oa_listen_systemd(int *fd, struct oa_error *err)
{
    const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
    int listening = 0;
    socklen_t len = sizeof(listening);

    if (!pid || !n || strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (strcmp(n, "1") != 0) {
        oa_error_set(err, OA_ERR_USAGE,
                     "LISTEN_FDS=%.20s: socket activation must pass exactly one socket", n);
        return -1;
    }
    if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
        oa_error_set(err, OA_ERR_USAGE, "LISTEN_FDS=1: fd 3 is not a listening socket");
        return -1;
    }
    *fd = 3;
    return 1;
}
