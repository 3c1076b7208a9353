/*
 * server.c - threads, signals and the graceful stop.
 *
 * Every thread blocks SIGTERM/SIGINT, so they reach the main thread only,
 * which waits in ppoll(). On a stop it sets oa_stop (not libfcgi's
 * FCGX_ShutdownPending: see on_stop) and wakes the threads that wait for a
 * connection (epoll_wait, see wait_readable) with SIGUSR1 (installed
 * without SA_RESTART, so the wait returns EINTR). Only a thread marked as
 * waiting is signalled, so a connection or request in hand is never
 * interrupted; the signal is repeated until each thread has left, which
 * closes the window between checking the flag and entering the wait.
 * A second SIGTERM/SIGINT during the stop ends the process at once.
 * SIGHUP reads the config again (reload.c), as does a change of its files,
 * which the main thread looks for (below): the threads take the new
 * generation with their next request (live.c), the requests in hand finish
 * with the one they started with.
 * Once no thread waits for a connection any more, a stop closes the listening
 * socket at once (fd replaced by /dev/null, so the number is never reused
 * by a connection): this process takes no new connection while it finishes
 * the requests in hand, and a new instance sharing the socket (systemd,
 * spawn-fcgi's socket after an upgrade) gets them all. An upgrade
 * (SIGUSR2, oa_server_hooks.upgrade) drains the same way but keeps the
 * socket: the caller execs the new program on it.
 * The main thread also wakes to look at the config's files, read the
 * revocations the other processes wrote (store.c), free the generations no
 * request uses any more, and run the hooks' watch (a worker checks that its
 * supervisor still runs): every OA_SERVER_TICK_MS while one of these needs
 * it, else when inotify says a file's directory changed (file_watch.h) and
 * at least every OA_SERVER_QUIET_TICK_MS. An idle process sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "edge.h"
#include "jwks_refresh.h"
#include "live.h"
#include "log.h"
#include "metrics_listen.h"
#include "reload.h"
#include "server.h"
#include "store.h"
#include "upgrade.h"

struct oa_worker {
    pthread_t tid;
    struct oa_live *live; /* borrowed: the config and runtime each request uses */
    size_t slot;          /* this thread's slot in live */
    int listen_fd;
    int epfd;             /* this thread's epoll on listen_fd, or -1: poll() */
    atomic_int accepting; /* waiting for a connection: may be woken by SIGUSR1 */
    atomic_int done;      /* the thread has left its loop */
    int failed;           /* accept failed for good */
};

static atomic_int oa_stop;    /* SIGTERM/SIGINT seen */
static atomic_int oa_hup;     /* SIGHUP seen: reload */
static atomic_int oa_usr2;    /* SIGUSR2 seen: upgrade asked for */
static pthread_t oa_main_tid; /* woken with SIGUSR1 when a thread ends */

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&oa_stop, 1);
    /* Not FCGX_ShutdownPending(): libfcgi 2.4.2's OS_Accept then skips
     * accept() but goes on with the last socket it had closed (a unix
     * peer that sent nothing in time), closing that number over and over:
     * a thread spinning at 100% CPU that never drains (seen under load),
     * and the number may by then be another thread's connection. The
     * SIGUSR1 wake-up of the threads waiting for a connection is enough;
     * one inside FCGX_Accept_r meets the non-blocking socket's EAGAIN and
     * sees oa_stop. */
}

static void on_wake(int sig)
{
    (void)sig;
}

static void on_hup(int sig)
{
    (void)sig;
    atomic_store(&oa_hup, 1);
}

static void on_usr2(int sig)
{
    (void)sig;
    atomic_store(&oa_usr2, 1);
}

void oa_server_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: accept() must return */
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_wake;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_IGN; /* a client closing mid-answer must not kill us */
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_flags = SA_RESTART; /* before the threads start, nothing is cut short */
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_usr2; /* its default action would end the process */
    sigaction(SIGUSR2, &sa, NULL);
}

void oa_server_signals_unblock(void)
{
    sigset_t set;

    /* an upgrade execs this program with them blocked; a pending one
     * (a stop that came during the exec) is delivered now */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Errors after which accept() on this socket will never work. */
static bool accept_hopeless(int e)
{
    return e == EBADF || e == ENOTSOCK || e == EINVAL || e == EOPNOTSUPP || e == EFAULT;
}

/* A failing accept (EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or the
 * system is out of something) is retried every 100 ms by every thread: its
 * log line would be a flood that fills the disk it may be short of. So the
 * first failure of an episode is logged, then at most one line a minute
 * with the count, and one line when an accept works again. */
#define OA_ACCEPT_LOG_EVERY 60
static atomic_long accept_fails;      /* failures not yet counted in a line */
static atomic_llong accept_logged_at; /* when the last failure line went out */
static atomic_int accept_episode;     /* a failure line went out, no recovery line yet */

static void accept_failed(int rc)
{
    long long now = (long long)time(NULL);
    long long last = atomic_load(&accept_logged_at);
    long n = atomic_fetch_add(&accept_fails, 1) + 1;

    if (last && now - last < OA_ACCEPT_LOG_EVERY)
        return;
    if (!atomic_compare_exchange_strong(&accept_logged_at, &last, now))
        return; /* another thread logs it */
    n = atomic_exchange(&accept_fails, 0);
    atomic_store(&accept_episode, 1);
    oa_log_write(OA_LOG_WARN,
                 "accept failed: %s (%ld time%s since the last such line; retrying every "
                 "100 ms, logged at most once a minute)",
                 rc > -10000 ? strerror(-rc) : "libfcgi error", n, n == 1 ? "" : "s");
}

static void accept_worked(void)
{
    if (atomic_load(&accept_episode) && atomic_exchange(&accept_episode, 0))
        oa_log_write(OA_LOG_INFO, "accept works again");
}

/* Why the threads wait in epoll_wait/poll and not in accept(): the stop
 * wakes waiting threads with SIGUSR1, and inside FCGX_Accept_r a signal
 * may land after accept() took a connection (libfcgi then waits up to 2 s
 * for a unix socket's first bytes, and reads the params): interrupted
 * there, libfcgi drops the connection and the web server answers 502. So a
 * thread is marked accepting only while it waits for the socket to become
 * readable, which holds no connection, and FCGX_Accept_r runs on a
 * non-blocking socket: another thread or process that took the connection
 * first costs an EAGAIN, not a blocked thread. EPOLLEXCLUSIVE wakes one
 * waiter per connection instead of every thread of every worker. */
static void wait_open(struct oa_worker *w)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->listen_fd, &ev) != 0) {
        close(w->epfd);
        w->epfd = -1;
    }
}

/* Waits until listen_fd is readable: true, or false when interrupted. */
static bool wait_readable(struct oa_worker *w)
{
    struct epoll_event ev;
    struct pollfd p = {w->listen_fd, POLLIN, 0};
    int rc;

    if (w->epfd >= 0)
        rc = epoll_wait(w->epfd, &ev, 1, -1);
    else
        rc = poll(&p, 1, -1);
    return rc > 0;
}

/* Waits until the connection kept from the last request (the web server
 * set FCGI_KEEP_CONN: nginx fastcgi_keep_conn on) is readable: its next
 * request, or its close. Not the listening socket: libfcgi reads the next
 * request from the kept connection, so waiting for a new connection there
 * left that request unread until an unrelated connect came (nginx answered
 * 504 after fastcgi_read_timeout). True, or false when interrupted. */
static bool wait_kept(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};

    return poll(&p, 1, -1) > 0;
}

/* One accept; returns 0 with a request, 1 to try again, -1 to leave. An
 * idle kept connection counts as accepting: the stop wakes the thread and
 * worker_main's FCGX_Free closes the connection (no request is in hand:
 * nothing of it was read yet). */
static int accept_one(struct oa_worker *w, FCGX_Request *req)
{
    bool ready;
    int rc;

    atomic_store(&w->accepting, 1);
    if (atomic_load(&oa_stop)) {
        atomic_store(&w->accepting, 0);
        return -1;
    }
    ready = req->ipcFd >= 0 ? wait_kept(req->ipcFd) : wait_readable(w);
    atomic_store(&w->accepting, 0);
    if (atomic_load(&oa_stop))
        return -1;
    if (!ready)
        return 1;
    rc = FCGX_Accept_r(req);
    if (rc >= 0) {
        accept_worked();
        return 0;
    }
    if (atomic_load(&oa_stop))
        return -1;
    if (rc == -EINTR || rc == -EAGAIN || rc == -EWOULDBLOCK)
        return 1; /* another thread or process was first */
    if (rc > -10000 && accept_hopeless(-rc)) {
        oa_log_write(OA_LOG_ERROR, "accept on fd %d failed: %s", w->listen_fd, strerror(-rc));
        w->failed = 1;
        return -1;
    }
    accept_failed(rc);
    pause_ms(100); /* EMFILE and friends: do not spin */
    return 1;
}

static void *worker_main(void *arg)
{
    struct oa_worker *w = arg;
    FCGX_Request req;
    sigset_t wake;
    int rc;

    sigemptyset(&wake);
    sigaddset(&wake, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
    wait_open(w);
    if (FCGX_InitRequest(&req, w->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        oa_log_write(OA_LOG_ERROR, "FCGX_InitRequest failed");
        w->failed = 1;
    } else {
        while ((rc = accept_one(w, &req)) >= 0) {
            if (rc == 0) {
                struct oa_gen *g = oa_live_enter(w->live, w->slot);
                oa_edge_serve_fcgx(g->cfg, &g->rt, &req);
                oa_live_leave(w->live, w->slot);
                FCGX_Finish_r(&req);
            }
        }
        FCGX_Free(&req, 1);
    }
    if (w->epfd >= 0)
        close(w->epfd);
    atomic_store(&w->done, 1);
    pthread_kill(oa_main_tid, SIGUSR1);
    return NULL;
}

/* True when no thread is in (or about to enter) accept(): with oa_stop set
 * first, a thread that marks itself accepting afterwards sees the stop. */
static bool none_accepting(struct oa_worker *w, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (!atomic_load(&w[i].done) && atomic_load(&w[i].accepting))
            return false;
    return true;
}

/* Closes the listening socket, keeping its number taken by /dev/null. */
static void close_listener(int fd)
{
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (nul >= 0 && dup2(nul, fd) >= 0) {
        close(nul);
        return;
    }
    if (nul >= 0)
        close(nul);
    close(fd);
}

static bool all_done(struct oa_worker *w, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (!atomic_load(&w[i].done))
            return false;
    return true;
}

/* Wakes the threads in accept() until every thread has left its loop;
 * closes the listening socket as soon as none accepts, unless keep.
 * A second SIGTERM/SIGINT ends the process at once. */
static void drain(struct oa_worker *w, unsigned n, int listen_fd, int keep)
{
    struct timespec tick = {0, 10 * 1000000L};
    sigset_t stopset;
    int closed = keep;
    unsigned i;

    sigemptyset(&stopset);
    sigaddset(&stopset, SIGTERM);
    sigaddset(&stopset, SIGINT);
    while (!all_done(w, n)) {
        for (i = 0; i < n; i++)
            if (!atomic_load(&w[i].done) && atomic_load(&w[i].accepting))
                pthread_kill(w[i].tid, SIGUSR1);
        if (!closed && none_accepting(w, n)) {
            close_listener(listen_fd);
            closed = 1;
        }
        if (sigtimedwait(&stopset, NULL, &tick) > 0) {
            oa_log_write(OA_LOG_WARN, "second stop signal: exiting without waiting");
            _exit(1);
        }
    }
    if (!closed)
        close_listener(listen_fd);
}

static unsigned start_workers(struct oa_worker *w, unsigned n, struct oa_live *live, int listen_fd)
{
    unsigned i;
    int e;

    for (i = 0; i < n; i++) {
        w[i].live = live;
        w[i].slot = i;
        w[i].listen_fd = listen_fd;
        e = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
        if (e != 0) {
            oa_log_write(OA_LOG_ERROR, "cannot start thread %u of %u: %s", i + 1, n, strerror(e));
            break;
        }
    }
    return i;
}

/* Blocks the signals the main thread waits for; *waitmask gets the mask
 * to wait with (them unblocked), *old the mask to restore. */
static void block_signals(sigset_t *old, sigset_t *waitmask)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP};
    sigset_t block;
    size_t i;

    sigemptyset(&block);
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&block, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &block, old);
    *waitmask = *old;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigdelset(waitmask, sigs[i]);
}

/* SIGUSR2: true when an upgrade may go ahead (the new program passed
 * --check-config), false when refused or not ours to do (a worker). */
static bool upgrade_asked(const struct oa_server_hooks *hooks)
{
    struct oa_error err;

    if (!hooks || !hooks->upgrade) {
        oa_log_write(OA_LOG_WARN, "SIGUSR2 ignored by a worker: send it to the supervisor");
        return false;
    }
    if (oa_upgrade_check(&err) != OA_OK) {
        oa_log_error(OA_LOG_ERROR, &err);
        return 0;
    }
    return 1;
}

/* How long the main thread may sleep: a tick while something must be
 * looked at often (a watch hook, a followed revocation file, a retired
 * generation still in use, the file watch not polled: none, or settling),
 * else the quiet tick: the file watch wakes it for a change. */
static struct timespec nap_length(bool polled, bool retired, bool ticking)
{
    bool busy = !polled || retired || ticking || oa_store_polled();
    long ms = busy ? OA_SERVER_TICK_MS : OA_SERVER_QUIET_TICK_MS;

    return (struct timespec){ms / 1000, (ms % 1000) * 1000000L};
}

/* The main thread's wait: signals, a thread that ended, the config's
 * files, the watch. Returns 1 for an upgrade, 0 for a stop. After an
 * event or a reload it settles for a tick (the file watch not polled):
 * however busy a watched directory, it looks at most every tick, as it
 * did before the watch, and a change made while a reload read the files
 * is seen at that tick. */
static int wait_for_stop(struct oa_worker *w, unsigned n, const sigset_t *waitmask,
                         struct oa_reload *rl, const struct oa_server_hooks *hooks,
                         struct oa_jwks_refresh *jr)
{
    struct oa_file_watch fw = {-1};
    /* a watch hook ticks anyway (-w workers): no inotify instance spent */
    bool ticking = hooks && hooks->watch;
    bool watching = !ticking && oa_reload_watch(rl, &fw), retired = false;
    /* the first look after a tick: a change made since the files were
     * first seen (oa_reload_init, before the threads) is seen then */
    bool settle = true;
    int upgrade = 0;

    if (!watching && !ticking && !atomic_load(&oa_stop))
        oa_log_write(OA_LOG_INFO,
                     "the config's files are not all under an inotify watch: looking at them "
                     "every %d ms",
                     OA_SERVER_TICK_MS);

    while (!atomic_load(&oa_stop) && !all_done(w, n)) {
        bool polled = watching && !settle;
        struct pollfd p = {fw.fd, POLLIN, 0};
        struct timespec nap = nap_length(polled, retired, ticking);
        ppoll(&p, polled ? 1 : 0, &nap, waitmask);
        settle = false;
        /* set again before the look, so that a change while looking wakes
         * the next wait; a directory that went away has ended its watch */
        if (oa_file_watch_drain(&fw)) {
            watching = oa_reload_watch(rl, &fw);
            settle = true;
        }
        if (oa_reload_tick(rl, atomic_exchange(&oa_hup, 0) != 0) == 1) {
            oa_jwks_refresh_kick(jr); /* the new config may name bearer keys */
            watching = !ticking && oa_reload_watch(rl, &fw); /* and other files */
            settle = true;
        }
        oa_store_tick((int64_t)time(NULL)); /* revocations of the other processes: < 1 s */
        retired = oa_live_reap(rl->live) > 0;
        if (atomic_exchange(&oa_usr2, 0) && upgrade_asked(hooks)) {
            atomic_store(&oa_stop, 1);
            upgrade = 1;
            break;
        }
        if (hooks && hooks->watch && hooks->watch(hooks->arg))
            break;
    }
    oa_file_watch_free(&fw);
    return upgrade;
}

int oa_server_run(struct oa_reload *rl, int listen_fd, unsigned nthreads,
                  const struct oa_server_hooks *hooks)
{
    /* one slot per thread, and the metrics listener's after them */
    struct oa_worker *w = nthreads < rl->live->nslots ? calloc(nthreads, sizeof(*w)) : NULL;
    struct oa_metrics_listener ml;
    struct oa_jwks_refresh jr;
    sigset_t old, waitmask;
    unsigned i, started;
    int failed = 0, upgrade;

    if (!w) {
        oa_log_write(OA_LOG_ERROR, "out of memory");
        return 1;
    }
    atomic_store(&oa_stop, 0);
    /* shared with every process on the socket: all of them accept this way */
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    block_signals(&old, &waitmask);
    oa_main_tid = pthread_self();
    oa_metrics_listener_start(&ml, rl->live, nthreads);
    oa_jwks_refresh_start(&jr, rl->live, nthreads + 1); /* bearer tokens' keys */
    oa_store_threads(); /* Redis: each process (each -w worker) follows it itself */
    started = start_workers(w, nthreads, rl->live, listen_fd);
    if (started == nthreads)
        oa_log_write(OA_LOG_INFO, "ready: %u thread%s", nthreads, nthreads == 1 ? "" : "s");
    else
        atomic_store(&oa_stop, 1);
    upgrade = wait_for_stop(w, started, &waitmask, rl, hooks, &jr);
    if (upgrade)
        oa_log_write(OA_LOG_INFO, "upgrade: finishing the requests in hand, keeping the socket");
    else if (atomic_load(&oa_stop) && started == nthreads)
        oa_log_write(OA_LOG_INFO, "stopping after the requests in hand");
    atomic_store(&oa_stop, 1);
    /* the threads are woken with SIGUSR1 only (on_stop says why) */
    drain(w, started, listen_fd, upgrade);
    for (i = 0; i < started; i++) {
        pthread_join(w[i].tid, NULL);
        failed |= w[i].failed;
    }
    free(w);
    oa_store_stop();
    oa_metrics_listener_stop(&ml);
    oa_jwks_refresh_stop(&jr);
    oa_live_reap(rl->live); /* every thread has left: nothing retired is in use */
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (upgrade && !failed && started == nthreads)
        return OA_SERVER_UPGRADE;
    return failed || started != nthreads ? 1 : 0;
}
