/*
 * supervise.c - the master process of -w N.
 *
 * Why a master: a process that dies (a crash, the OOM killer, kill -9)
 * must not take the gate down. The master holds the listening socket and
 * only supervises: it forks N workers that accept on the same socket (the
 * kernel hands each connection to one of them), and forks a new worker the
 * moment one dies. The socket never closes, so while a worker is missing
 * the other workers, or the kernel's queue, take the connections: no web
 * server sees a refused connect. It is single-threaded and never touches a
 * request, so there is little in it that can crash.
 *
 * A worker that dies within OA_CRASH_WINDOW_MS of its start again and
 * again (a crash loop: every request crashes it, or the socket broke) is
 * restarted after a delay doubling from 100 ms up to
 * OA_RESTART_DELAY_MAX_MS; the first quick death still restarts at once.
 * Each death is logged once, with the next restart's delay.
 *
 * If the master itself is killed (SIGKILL: it cannot drain), its workers
 * keep serving the socket they hold: under spawn-fcgi nothing else holds
 * it, and the site stays up. A worker notices the loss (its parent pid
 * changes; checked every OA_SERVER_TICK_MS), logs it once, and leaves
 * (finishing the requests in hand) only when the unix socket file it
 * serves no longer is its own: a new instance has put its socket at the
 * path, so the old workers would be orphans nobody connects to. On a TCP
 * socket or one without a file they keep serving until SIGTERM (a new
 * instance cannot bind the port while they hold it, and says so). Under
 * systemd the whole unit's cgroup is stopped when the master dies.
 * No PR_SET_PDEATHSIG: it would kill the workers with the master, and
 * with them the only holders of the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "supervise.h"
#include "upgrade.h"

#define OA_CRASH_WINDOW_MS 1000
#define OA_RESTART_DELAY_MAX_MS 5000

struct oa_slot {
    pid_t pid;       /* 0: not running */
    int64_t started; /* ms, monotonic */
    unsigned quick;  /* deaths in a row within OA_CRASH_WINDOW_MS of the start */
    int64_t due;     /* when not running: start it at this time */
};

struct oa_master {
    struct oa_reload *rl; /* each worker has its copy after fork, and reloads it */
    const struct oa_sockpath *sp;
    int fd;
    unsigned nthreads;
    struct oa_slot *slot;
    unsigned n;
    sigset_t orig; /* the mask the workers get back */
    int stopping;
    int failed;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_child(int sig)
{
    (void)sig; /* only so that SIGCHLD is queued for sigtimedwait */
}

/* ---- in the worker ---- */

struct oa_orphan_watch {
    pid_t master;
    const struct oa_sockpath *sp;
    int logged;
};

/* The worker's watch: true (leave) once the master is gone and the socket
 * file has been taken over by another instance. */
static bool orphan_check(void *arg)
{
    struct oa_orphan_watch *o = arg;

    if (getppid() == o->master)
        return false;
    if (!o->logged) {
        o->logged = 1;
        oa_log_write(OA_LOG_WARN,
                     "the supervisor (pid %ld) is gone: this worker keeps serving the socket%s",
                     (long)o->master, o->sp->known ? " while its file is ours" : " until SIGTERM");
    }
    if (oa_sockpath_ours(o->sp) == 0) {
        oa_log_write(OA_LOG_INFO,
                     "%s is now another instance's socket: finishing the "
                     "requests in hand and exiting",
                     o->sp->path);
        return true;
    }
    return false;
}

static void worker_main(const struct oa_master *m)
{
    struct oa_orphan_watch o = {getppid(), m->sp, 0};
    struct oa_server_hooks hooks = {orphan_check, &o, 0};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_SETMASK, &m->orig, NULL);
    _exit(oa_server_run(m->rl, m->fd, m->nthreads, &hooks));
}

/* ---- in the master ---- */

static void spawn(struct oa_master *m, struct oa_slot *s)
{
    pid_t pid = fork();

    if (pid < 0) {
        oa_log_write(OA_LOG_ERROR, "cannot start a worker: fork: %s; trying again in 1 s",
                     strerror(errno));
        s->due = now_ms() + 1000;
        return;
    }
    if (pid == 0)
        worker_main(m);
    s->pid = pid;
    s->started = now_ms();
}

static struct oa_slot *slot_of(struct oa_master *m, pid_t pid)
{
    unsigned i;

    for (i = 0; i < m->n; i++)
        if (m->slot[i].pid == pid)
            return &m->slot[i];
    return NULL;
}

/* The delay before restarting s, which just died. */
static int64_t restart_delay(struct oa_slot *s, int64_t now)
{
    unsigned shift;

    if (now - s->started < OA_CRASH_WINDOW_MS)
        s->quick++;
    else
        s->quick = 0;
    if (s->quick <= 1)
        return 0;
    shift = s->quick - 2 < 6 ? s->quick - 2 : 6;
    return (100 << shift) < OA_RESTART_DELAY_MAX_MS ? (100 << shift) : OA_RESTART_DELAY_MAX_MS;
}

static void log_death(const struct oa_master *m, const struct oa_slot *s, pid_t pid, int st,
                      int64_t delay)
{
    char how[64];

    if (WIFSIGNALED(st))
        snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
    if (delay == 0)
        oa_log_write(OA_LOG_WARN, "worker %u (pid %ld) %s: restarting it",
                     (unsigned)(s - m->slot) + 1, (long)pid, how);
    else
        oa_log_write(OA_LOG_ERROR,
                     "worker %u (pid %ld) %s, %u times in a row within %d ms of its start: "
                     "restarting it in %lld ms",
                     (unsigned)(s - m->slot) + 1, (long)pid, how, s->quick, OA_CRASH_WINDOW_MS,
                     (long long)delay);
}

/* Collects every dead child; schedules the restart of a worker. A child
 * not in a slot is a worker of the program before an upgrade. */
static void reap(struct oa_master *m)
{
    struct oa_slot *s;
    int64_t now, delay;
    pid_t pid;
    int st;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (!(s = slot_of(m, pid)))
            continue;
        s->pid = 0;
        if (m->stopping) {
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                m->failed = 1;
            continue;
        }
        now = now_ms();
        delay = restart_delay(s, now);
        s->due = now + delay;
        log_death(m, s, pid, st, delay);
    }
}

/* Starts the workers whose time has come; returns the ms until the next
 * one is due (at most 1000). */
static int64_t start_due(struct oa_master *m)
{
    int64_t now = now_ms(), wait = 1000;
    unsigned i;

    for (i = 0; i < m->n && !m->stopping; i++) {
        struct oa_slot *s = &m->slot[i];
        if (s->pid)
            continue;
        if (s->due <= now)
            spawn(m, s);
        if (!s->pid && s->due - now < wait)
            wait = s->due > now ? s->due - now : 1;
    }
    return wait;
}

static unsigned live(const struct oa_master *m)
{
    unsigned i, k = 0;

    for (i = 0; i < m->n; i++)
        k += m->slot[i].pid != 0;
    return k;
}

static void signal_all(const struct oa_master *m, int sig)
{
    unsigned i;

    for (i = 0; i < m->n; i++)
        if (m->slot[i].pid)
            kill(m->slot[i].pid, sig);
}

/* The master's copy of the socket goes at once (the workers close theirs
 * as soon as they stop accepting); /dev/null keeps the number taken. */
static void close_socket(int fd)
{
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (nul < 0 || dup2(nul, fd) < 0)
        close(fd);
    if (nul >= 0)
        close(nul);
}

static void on_signal(struct oa_master *m, int sig)
{
    struct oa_error err;

    switch (sig) {
    case SIGTERM:
    case SIGINT:
        if (m->stopping) {
            oa_log_write(OA_LOG_WARN, "second stop signal: the workers exit without waiting");
            signal_all(m, SIGTERM); /* a worker's second one is its _exit */
            m->failed = 1;
            break;
        }
        oa_log_write(OA_LOG_INFO, "stopping: the workers finish the requests in hand");
        m->stopping = 1;
        signal_all(m, SIGTERM);
        close_socket(m->fd);
        break;
    case SIGHUP:
        /* each worker reads the config itself (and would within a tick
         * anyway when a file changed); the master reads it too (see
         * oa_supervise_run) */
        oa_log_write(OA_LOG_INFO, "SIGHUP: passed on to the workers, which read the config again");
        signal_all(m, SIGHUP);
        break;
    case SIGUSR2:
        if (m->stopping)
            break;
        if (oa_upgrade_check(&err) != OA_OK) {
            oa_log_error(OA_LOG_ERROR, &err);
            break;
        }
        signal_all(m, SIGTERM); /* they drain; the new program's workers take over */
        if (oa_upgrade_exec(m->fd, &err) != OA_OK)
            oa_log_error(OA_LOG_ERROR, &err);
        break; /* the exec failed: the draining workers are restarted as they exit */
    }
}

static void block_signals(struct oa_master *m, sigset_t *set)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR2);
    sigaddset(set, SIGCHLD);
    sigprocmask(SIG_BLOCK, set, &m->orig);
}

enum oa_err oa_supervise_run(struct oa_reload *rl, int listen_fd, unsigned nworkers,
                             unsigned nthreads, const struct oa_sockpath *sp, struct oa_error *err)
{
    struct oa_master m;
    struct timespec ts;
    sigset_t set;
    int64_t wait;
    int sig;

    memset(&m, 0, sizeof(m));
    m.rl = rl;
    m.sp = sp;
    m.fd = listen_fd;
    m.nthreads = nthreads;
    m.n = nworkers;
    if (!(m.slot = calloc(nworkers, sizeof(*m.slot))))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    block_signals(&m, &set);
    wait = start_due(&m);
    oa_log_write(OA_LOG_INFO, "supervising %u worker process%s of %u thread%s each", nworkers,
                 nworkers == 1 ? "" : "es", nthreads, nthreads == 1 ? "" : "s");
    while (!m.stopping || live(&m) > 0) {
        if (wait > OA_SERVER_TICK_MS)
            wait = OA_SERVER_TICK_MS;
        ts.tv_sec = (time_t)(wait / 1000);
        ts.tv_nsec = (long)(wait % 1000) * 1000000L;
        sig = sigtimedwait(&set, NULL, &ts);
        if (sig > 0 && sig != SIGCHLD)
            on_signal(&m, sig);
        /* the master reloads as its workers do, so that a worker it starts
         * later serves the config the others serve, not the first one */
        if (!m.stopping)
            oa_reload_tick(rl, sig == SIGHUP);
        reap(&m);
        wait = start_due(&m);
    }
    free(m.slot);
    sigprocmask(SIG_SETMASK, &m.orig, NULL);
    if (m.failed)
        return oa_error_set(err, OA_ERR_INTERNAL,
                            "a worker did not stop cleanly (a second stop signal, a crash or a "
                            "failed accept)");
    return OA_OK;
}
