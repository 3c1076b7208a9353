/*
 * auditlog.c - the audit log's writer (auditlog.h).
 *
 * A line is formatted by the core's oa_audit_json (escaped, one line) and
 * written with one write(2) on a descriptor opened O_APPEND, so lines of
 * threads and of worker processes sharing the file never interleave.
 * Denials are what a client can cause at will (a script hammering a
 * protected URL): they pass a token bucket per process, and what it drops
 * is counted and reported, never silently lost. The mutex is taken only
 * for an audited request; an allowed request never comes here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditlog.h"
#include "log.h"

/* Set once before threads, read-only afterwards (but the fd's file, which
 * oa_auditlog_reopen swaps under the same number). */
static enum oa_audit_target target = OA_AUDIT_OFF;
static int audit_fd = -1;
static char audit_path[4096];

static pthread_mutex_t bucket_lock = PTHREAD_MUTEX_INITIALIZER;
static struct oa_audit_bucket bucket;
static atomic_ulong request_seq;

enum oa_err oa_auditlog_open(const struct oa_config *cfg, struct oa_error *err)
{
    target = cfg->audit;
    if (target != OA_AUDIT_TO_FILE)
        return OA_OK;
    target = OA_AUDIT_OFF; /* until the file is open */
    if (strlen(cfg->audit_file) >= sizeof(audit_path))
        return oa_error_set(err, OA_ERR_CONFIG, "audit: %s: the path is too long", cfg->audit_file);
    audit_fd = oa_log_append(cfg->audit_file);
    if (audit_fd < 0)
        return oa_log_open_error(err, "audit", cfg->audit_file);
    snprintf(audit_path, sizeof(audit_path), "%s", cfg->audit_file);
    target = OA_AUDIT_TO_FILE;
    return OA_OK;
}

enum oa_err oa_auditlog_reopen(struct oa_error *err)
{
    if (target != OA_AUDIT_TO_FILE || audit_fd < 0)
        return OA_OK;
    return oa_log_reopen_fd(audit_fd, audit_path, err);
}

void oa_auditlog_close(void)
{
    if (audit_fd >= 0)
        close(audit_fd);
    audit_fd = -1;
    target = OA_AUDIT_OFF;
}

static void emit(const char *line, size_t n)
{
    if (target == OA_AUDIT_TO_LOG) {
        oa_log_audit(line, n);
        return;
    }
    while (n > 0) {
        ssize_t w = write(audit_fd, line, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* an audit line that cannot be written is dropped, never blocks */
        line += w;
        n -= (size_t)w;
    }
}

/* A request id of our own: this process's id and start, and a counter. */
static void make_request_id(char *out, size_t cap)
{
    static _Atomic long started;
    long t0 = atomic_load(&started);

    if (!t0) {
        long now = (long)time(NULL);
        atomic_compare_exchange_strong(&started, &t0, now);
        t0 = atomic_load(&started);
    }
    snprintf(out, cap, "%lx-%lx-%lu", t0, (long)getpid(), atomic_fetch_add(&request_seq, 1) + 1);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when a may be written; *suppressed set to the denials dropped
 * before it (to report first). Every event but a denial passes. */
static bool rate_ok(const struct oa_audit *a, unsigned long *suppressed)
{
    bool ok;

    *suppressed = 0;
    pthread_mutex_lock(&bucket_lock);
    if (a->event == OA_AUDIT_DENIED) {
        ok = oa_audit_bucket_take(&bucket, monotonic_ms(), suppressed);
    } else {
        ok = true;
        *suppressed = bucket.suppressed;
        bucket.suppressed = 0;
    }
    pthread_mutex_unlock(&bucket_lock);
    return ok;
}

void oa_auditlog_write(const struct oa_audit *a, const char *client, const char *request_id)
{
    char line[OA_AUDIT_LINE_MAX], when[32], rid[OA_AUDIT_REQUEST_ID_MAX + 1];
    unsigned long suppressed;
    size_t n;

    if (a->event == OA_AUDIT_NONE || target == OA_AUDIT_OFF)
        return;
    if (!rate_ok(a, &suppressed))
        return;
    oa_audit_time(when, sizeof(when), (int64_t)time(NULL));
    if (suppressed && (n = oa_audit_suppressed_json(line, sizeof(line), when, suppressed)))
        emit(line, n);
    if (!oa_audit_request_id_ok(request_id)) {
        make_request_id(rid, sizeof(rid));
        request_id = rid;
    }
    n = oa_audit_json(line, sizeof(line), a, when, client, request_id);
    if (n)
        emit(line, n);
}
