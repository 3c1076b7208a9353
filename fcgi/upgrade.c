/*
 * upgrade.c - SIGUSR2: exec the new program file in place on the same
 * listening socket.
 *
 * Why in place and not a child: spawn-fcgi, lighttpd (bin-path), mod_fcgid
 * and systemd track the pid they started; a new pid would look like a
 * crash to them. Why --check-config first: once exec'ed, a binary or
 * config that does not start takes the socket down with it; the check runs
 * the very file and arguments the exec will use, so a broken one is
 * refused while the old program keeps serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "upgrade.h"

static char self[PATH_MAX]; /* the program file as started ("" unknown) */
static char **up_argv;      /* argv, borrowed */
static char **check_argv;   /* argv + "--check-config", new (lives until exit) */

/* Finds name in $PATH as execvp would; "" when not found. */
static void search_path(const char *name)
{
    const char *p = getenv("PATH");
    size_t n;

    while (p && *p) {
        n = strcspn(p, ":");
        if (n > 0 &&
            (size_t)snprintf(self, sizeof(self), "%.*s/%s", (int)n, p, name) < sizeof(self) &&
            access(self, X_OK) == 0)
            return;
        p += n + (p[n] == ':');
    }
    self[0] = '\0';
}

void oa_upgrade_init(int argc, char **argv)
{
    int i;

    up_argv = argv;
    /* a path with a slash is used as given (the program never changes
     * directory), so a symlink switched to a new release is followed anew */
    if (argc > 0 && strchr(argv[0], '/'))
        snprintf(self, sizeof(self), "%s", argv[0]);
    else if (argc > 0)
        search_path(argv[0]);
    check_argv = calloc((size_t)argc + 2, sizeof(*check_argv));
    if (!check_argv)
        return;
    for (i = 0; i < argc; i++)
        check_argv[i] = argv[i];
    check_argv[argc] = (char *)"--check-config";
}

/* In the forked child: output to /dev/null (the summary is not wanted;
 * stderr, the log, stays), no listening socket on fd 0. Never returns. */
static void run_check(void)
{
    int nul = open("/dev/null", O_RDWR);

    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
    }
    execv(self, check_argv);
    _exit(127);
}

enum oa_err oa_upgrade_check(struct oa_error *err)
{
    pid_t pid;
    int st;

    if (!self[0] || !check_argv)
        return oa_error_set(err, OA_ERR_IO, "upgrade refused: the program's path is unknown");
    pid = fork();
    if (pid < 0)
        return oa_error_set(err, OA_ERR_IO, "upgrade refused: fork: %s", strerror(errno));
    if (pid == 0)
        run_check();
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return oa_error_set(err, OA_ERR_IO, "upgrade refused: waitpid: %s", strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        oa_log_write(OA_LOG_INFO, "upgrade: %s --check-config passed; switching to it", self);
        return OA_OK;
    }
    return oa_error_set(err, OA_ERR_CONFIG,
                        "upgrade refused: %s --check-config failed (%s %d); still running the "
                        "old program",
                        self, WIFEXITED(st) ? "exit status" : "signal",
                        WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

enum oa_err oa_upgrade_exec(int listen_fd, struct oa_error *err)
{
    sigset_t block, old;
    int saved;

    if (listen_fd != 0 && dup2(listen_fd, 0) < 0)
        return oa_error_set(err, OA_ERR_IO, "upgrade failed: dup2: %s", strerror(errno));
    fcntl(0, F_SETFD, 0);
    if (setenv(OA_UPGRADE_ENV, "0", 1) != 0)
        return oa_error_set(err, OA_ERR_NOMEM, "upgrade failed: out of memory");
    /* a stop signal that comes now stays pending across the exec and
     * reaches the new program, instead of a handler about to vanish */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    execv(self, up_argv);
    saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    unsetenv(OA_UPGRADE_ENV);
    return oa_error_set(err, OA_ERR_IO, "upgrade failed: exec %s: %s", self, strerror(saved));
}

int oa_upgrade_inherited(int *fd, struct oa_error *err)
{
    const char *v = getenv(OA_UPGRADE_ENV);
    int listening = 0;
    socklen_t len = sizeof(listening);
    char *end;
    long n;

    if (!v)
        return 0;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > INT_MAX ||
        getsockopt((int)n, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
        oa_error_set(err, OA_ERR_USAGE, "%s=%.20s: not a listening socket", OA_UPGRADE_ENV, v);
        return -1;
    }
    unsetenv(OA_UPGRADE_ENV);
    *fd = (int)n;
    return 1;
}
