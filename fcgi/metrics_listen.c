/*
 * metrics_listen.c - metrics.listen: GET /metrics over HTTP/1.x on a
 * socket of its own (DESIGN.md section 13), for a Prometheus that should
 * not go through the web server.
 *
 * One thread per process, one connection at a time: a scrape is a few KiB
 * every few seconds. A client gets OA_METRICS_IO_MS to send its request
 * line and to read the answer, so a stalled client holds it up at most
 * that long. When metrics.allow is set, the peer's address must be in it
 * too; otherwise whoever can reach the address may read (bind it to
 * loopback, the default the documentation shows). The request is read
 * only as far as the request line: no header is ever parsed or echoed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "listen.h"
#include "live.h"
#include "log.h"
#include "metrics_listen.h"
#include "oa/metrics.h"

#define OA_METRICS_IO_MS 2000
#define OA_METRICS_POLL_MS 250
#define OA_METRICS_REQ_MAX 4096

static void io_timeouts(int c)
{
    struct timeval tv = {OA_METRICS_IO_MS / 1000, (OA_METRICS_IO_MS % 1000) * 1000};

    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Reads until the end of the request line (or of the headers). Returns
 * the bytes read, 0 on a closed/timed-out/overlong request. */
static size_t read_request(int c, char *buf, size_t cap)
{
    size_t n = 0;

    while (n + 1 < cap) {
        ssize_t r = recv(c, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return n;
    }
    return 0;
}

static void send_all(int c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void answer(int c, int status, const char *reason, const char *type, const char *body,
                   size_t len, bool head)
{
    char h[256];
    int n = snprintf(h, sizeof(h),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                     status, reason, type, len);

    if (n > 0 && (size_t)n < sizeof(h))
        send_all(c, h, (size_t)n);
    if (!head)
        send_all(c, body, len);
}

static bool peer_allowed(const struct oa_config *cfg, int c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];
    const void *a;

    if (!cfg->metrics.nnets)
        return true;
    if (getpeername(c, (struct sockaddr *)&ss, &len) != 0)
        return false;
    a = ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                 : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
    if (!inet_ntop(ss.ss_family, a, addr, sizeof(addr)))
        return false;
    return oa_cidr_match(cfg->metrics.nets, cfg->metrics.nnets, addr);
}

/* "GET /metrics HTTP/1.1" or "HEAD /metrics?x HTTP/1.0". */
static bool is_metrics(const char *req, bool *head)
{
    const char *path;

    *head = strncmp(req, "HEAD ", 5) == 0;
    if (strncmp(req, "GET ", 4) != 0 && !*head)
        return false;
    path = req + (*head ? 5 : 4);
    return strncmp(path, "/metrics", 8) == 0 && strchr(" ?", path[8]) && path[8];
}

static void serve_one(const struct oa_config *cfg, int c)
{
    static const char text[] = "text/plain; charset=utf-8";
    char req[OA_METRICS_REQ_MAX];
    struct oa_buf b = {0};
    bool head;

    io_timeouts(c);
    if (read_request(c, req, sizeof(req)) == 0)
        return;
    if (!peer_allowed(cfg, c)) {
        answer(c, 403, "Forbidden", text, "forbidden\n", 10, false);
        return;
    }
    if (!is_metrics(req, &head)) {
        answer(c, 404, "Not Found", text, "not found: try /metrics\n", 24, false);
        return;
    }
    if (oa_metrics_render(&b, cfg) != OA_OK)
        answer(c, 500, "Internal Server Error", text, "out of memory\n", 14, false);
    else
        answer(c, 200, "OK", OA_METRICS_CONTENT_TYPE, b.p, b.len, head);
    oa_buf_free(&b);
}

/* Binds metrics.listen, or returns -1 (logged once while it keeps failing). */
static int try_bind(const struct oa_config *cfg, bool *told)
{
    struct oa_error err;
    int fd = -1;

    oa_error_clear(&err);
    if (oa_listen_tcp(cfg->metrics.listen, &fd, &err) != OA_OK) {
        if (!*told)
            oa_log_write(OA_LOG_INFO,
                         "metrics.listen: %s; trying again every %d ms (another process of "
                         "this set-up may be serving the same counters there)",
                         err.msg, OA_METRICS_RETRY_MS);
        *told = true;
        return -1;
    }
    oa_log_write(OA_LOG_INFO, "metrics: serving http://%s/metrics", cfg->metrics.listen);
    *told = false;
    return fd;
}

static void *listener_main(void *arg)
{
    struct oa_metrics_listener *l = arg;
    struct pollfd p = {-1, POLLIN, 0};
    bool told = false;
    int waited = OA_METRICS_RETRY_MS;

    while (!atomic_load(&l->stop)) {
        if (p.fd < 0 && waited >= OA_METRICS_RETRY_MS) {
            waited = 0;
            p.fd = try_bind(oa_live_enter(l->live, l->slot)->cfg, &told);
            oa_live_leave(l->live, l->slot);
        }
        if (p.fd < 0) {
            poll(NULL, 0, OA_METRICS_POLL_MS);
            waited += OA_METRICS_POLL_MS;
            continue;
        }
        if (poll(&p, 1, OA_METRICS_POLL_MS) == 1 && (p.revents & POLLIN)) {
            int c = accept4(p.fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                serve_one(oa_live_enter(l->live, l->slot)->cfg, c);
                oa_live_leave(l->live, l->slot);
                close(c);
            }
        }
    }
    if (p.fd >= 0)
        close(p.fd);
    return NULL;
}

void oa_metrics_listener_start(struct oa_metrics_listener *l, struct oa_live *live, size_t slot)
{
    const struct oa_config *cfg = oa_live_current(live)->cfg;
    int e;

    l->live = live;
    l->slot = slot;
    l->running = false;
    atomic_store(&l->stop, 0);
    if (!cfg->metrics.listen)
        return;
    e = pthread_create(&l->tid, NULL, listener_main, l);
    if (e != 0)
        oa_log_write(OA_LOG_ERROR, "metrics: cannot start the listener thread: %s", strerror(e));
    l->running = e == 0;
}

void oa_metrics_listener_stop(struct oa_metrics_listener *l)
{
    if (!l->running)
        return;
    atomic_store(&l->stop, 1);
    pthread_join(l->tid, NULL);
    l->running = false;
}
