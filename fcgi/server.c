/*
 * server.c - threads, signals and the graceful stop.
 *
 * Every thread blocks SIGTERM/SIGINT, so they reach the main thread only,
 * which waits in sigsuspend(). On a stop it tells libfcgi
 * (FCGX_ShutdownPending) and then wakes the threads that sit in accept()
 * with SIGUSR1 (installed without SA_RESTART, and the requests are
 * initialised with FCGI_FAIL_ACCEPT_ON_INTR, so accept() returns EINTR).
 * Only a thread marked as accepting is signalled, so a request in hand is
 * never interrupted; the signal is repeated until each thread has left,
 * which closes the window between checking the flag and entering accept().
 * A second SIGTERM/SIGINT during the stop ends the process at once.
 * There is no reload (the config is read at start only): SIGHUP, which
 * logrotate or a closing terminal may send, is only logged by the main
 * thread, never the default action that would end the process.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "edge.h"
#include "log.h"
#include "server.h"

struct oa_worker {
    pthread_t tid;
    const struct oa_config *cfg;
    int listen_fd;
    atomic_int accepting; /* in FCGX_Accept_r: may be woken by SIGUSR1 */
    atomic_int done;      /* the thread has left its loop */
    int failed;           /* accept failed for good */
};

static atomic_int oa_stop;    /* SIGTERM/SIGINT seen */
static atomic_int oa_hup;     /* SIGHUP seen, not logged yet */
static pthread_t oa_main_tid; /* woken with SIGUSR1 when a thread ends */

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&oa_stop, 1);
    FCGX_ShutdownPending();
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
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Errors after which accept() on this socket will never work. */
static int accept_hopeless(int e)
{
    return e == EBADF || e == ENOTSOCK || e == EINVAL || e == EOPNOTSUPP || e == EFAULT;
}

/* One accept; returns 0 with a request, 1 to try again, -1 to leave. */
static int accept_one(struct oa_worker *w, FCGX_Request *req)
{
    int rc;

    atomic_store(&w->accepting, 1);
    if (atomic_load(&oa_stop)) {
        atomic_store(&w->accepting, 0);
        return -1;
    }
    rc = FCGX_Accept_r(req);
    atomic_store(&w->accepting, 0);
    if (rc >= 0)
        return 0;
    if (atomic_load(&oa_stop))
        return -1;
    if (rc == -EINTR)
        return 1;
    if (rc > -10000 && accept_hopeless(-rc)) {
        oa_log_write(OA_LOG_ERROR, "accept on fd %d failed: %s", w->listen_fd, strerror(-rc));
        w->failed = 1;
        return -1;
    }
    oa_log_write(OA_LOG_WARN, "accept failed: %s", rc > -10000 ? strerror(-rc) : "libfcgi error");
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
    if (FCGX_InitRequest(&req, w->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        oa_log_write(OA_LOG_ERROR, "FCGX_InitRequest failed");
        w->failed = 1;
    } else {
        while ((rc = accept_one(w, &req)) >= 0) {
            if (rc == 0) {
                oa_edge_serve_fcgx(w->cfg, &req);
                FCGX_Finish_r(&req);
            }
        }
        FCGX_Free(&req, 1);
    }
    atomic_store(&w->done, 1);
    pthread_kill(oa_main_tid, SIGUSR1);
    return NULL;
}

static int all_done(struct oa_worker *w, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (!atomic_load(&w[i].done))
            return 0;
    return 1;
}

/* Wakes the threads in accept() until every thread has left its loop.
 * A second SIGTERM/SIGINT ends the process at once. */
static void drain(struct oa_worker *w, unsigned n)
{
    struct timespec tick = {0, 50 * 1000000L};
    sigset_t stopset;
    unsigned i;

    sigemptyset(&stopset);
    sigaddset(&stopset, SIGTERM);
    sigaddset(&stopset, SIGINT);
    while (!all_done(w, n)) {
        for (i = 0; i < n; i++)
            if (!atomic_load(&w[i].done) && atomic_load(&w[i].accepting))
                pthread_kill(w[i].tid, SIGUSR1);
        if (sigtimedwait(&stopset, NULL, &tick) > 0) {
            oa_log_write(OA_LOG_WARN, "second stop signal: exiting without waiting");
            _exit(1);
        }
    }
}

static unsigned start_workers(struct oa_worker *w, unsigned n, const struct oa_config *cfg,
                              int listen_fd)
{
    unsigned i;
    int e;

    for (i = 0; i < n; i++) {
        w[i].cfg = cfg;
        w[i].listen_fd = listen_fd;
        e = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
        if (e != 0) {
            oa_log_write(OA_LOG_ERROR, "cannot start thread %u of %u: %s", i + 1, n, strerror(e));
            break;
        }
    }
    return i;
}

int oa_server_run(const struct oa_config *cfg, int listen_fd, unsigned nthreads)
{
    struct oa_worker *w = calloc(nthreads, sizeof(*w));
    sigset_t block, old, waitmask;
    unsigned i, started;
    int failed = 0;

    if (!w) {
        oa_log_write(OA_LOG_ERROR, "out of memory");
        return 1;
    }
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    waitmask = old;
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGUSR1);
    sigdelset(&waitmask, SIGHUP);
    oa_main_tid = pthread_self();
    started = start_workers(w, nthreads, cfg, listen_fd);
    if (started == nthreads)
        oa_log_write(OA_LOG_INFO, "ready: %u thread%s", nthreads, nthreads == 1 ? "" : "s");
    else
        atomic_store(&oa_stop, 1);
    while (!atomic_load(&oa_stop) && !all_done(w, started)) {
        sigsuspend(&waitmask);
        if (atomic_exchange(&oa_hup, 0))
            oa_log_write(OA_LOG_WARN, "SIGHUP ignored: there is no reload; restart oauth2-fcgi "
                                      "to read the config again");
    }
    if (atomic_load(&oa_stop) && started == nthreads)
        oa_log_write(OA_LOG_INFO, "stopping after the requests in hand");
    atomic_store(&oa_stop, 1);
    FCGX_ShutdownPending();
    drain(w, started);
    for (i = 0; i < started; i++) {
        pthread_join(w[i].tid, NULL);
        failed |= w[i].failed;
    }
    free(w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return failed || started != nthreads ? 1 : 0;
}
