/*
 * store.c - the revocation stores (store.h, DESIGN.md section 14): a small
 * dispatcher over the stores the config names. session.revocation_file is
 * fcgi/store_file.c; session.store (Redis) is fcgi/store_redis.c, whose
 * thread oa_store_threads starts in each serving process. The in-memory list is the core's
 * (oa/revocation.h): this file loads it, follows the stores on the main thread's tick, and gives
 * the core its writer (oa_revocation_set_store) so that /logout, back-channel logout and a refused
 * refresh reach every process.
 *
 * State: one per process, set by oa_store_start before any thread (a -w
 * worker inherits it by fork and follows the file from there); the tick
 * runs on the main thread only; the writer may run on any thread (it keeps
 * no state: the path was copied at start and is never changed, a reload
 * keeps it: fcgi/reload.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "oa/endpoints.h"
#include "store.h"
#include "store_file.h"
#include "store_redis.h"

#define OA_STORE_PURGE_S 60 /* expired entries are dropped this often */

static struct {
    bool loaded;                /* oa_store_start succeeded */
    char *file_path;            /* session.revocation_file (a copy), or NULL */
    struct oa_store_file *file; /* its reader */
    char *redis_url;            /* session.store (a copy), or NULL */
    int64_t next_purge;
} st;

/* The core's writer (oa_revoke): every configured store; the first
 * failure is reported, the others are still tried. */
static enum oa_err share(const struct oa_rev_entry *e, struct oa_error *err)
{
    enum oa_err rc = OA_OK;
    size_t n = 0, bytes = 0;

    oa_revocation_stats(&n, &bytes);
    if (st.file_path)
        rc = oa_store_file_write(st.file_path, e, (int64_t)time(NULL), n, err);
    if (st.redis_url) {
        struct oa_error other;
        enum oa_err r = oa_store_redis_write(st.redis_url, e, rc ? &other : err);
        rc = rc ? rc : r;
    }
    return rc;
}

enum oa_err oa_store_start(const struct oa_config *cfg, struct oa_error *err)
{
    int64_t now = (int64_t)time(NULL);
    const char *path = cfg->session.revocation_file;

    if (st.loaded)
        return OA_OK; /* once per process (an upgrade's loop runs the server again) */
    if (path) {
        if (!(st.file_path = strdup(path)))
            return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
        if (oa_store_file_open(&st.file, path, now, err) != OA_OK) {
            free(st.file_path);
            st.file_path = NULL;
            return err->code;
        }
    }
    /* Redis: only checked here (a build without it refuses the key); its
     * thread starts in each serving process (oa_store_threads) */
    if (cfg->session.store) {
        if (oa_store_redis_config(cfg->session.store, err) != OA_OK)
            return err->code;
        if (!(st.redis_url = strdup(cfg->session.store)))
            return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    if (st.file_path || st.redis_url) {
        oa_revocation_set_store(share);
        /* /health: the list and the stores (without any: "ok" as before) */
        oa_endpoint_set_health(oa_store_status);
    }
    st.next_purge = now + OA_STORE_PURGE_S;
    st.loaded = true;
    return OA_OK;
}

void oa_store_threads(void)
{
    struct oa_error err;

    if (st.redis_url && oa_store_redis_start(st.redis_url, &err) != OA_OK)
        oa_log_error(OA_LOG_ERROR, &err);
}

void oa_store_load_once(void)
{
    if (st.redis_url)
        oa_store_redis_load_once(st.redis_url);
}

void oa_store_tick(int64_t now)
{
    if (!st.loaded)
        return;
    if (st.file)
        oa_store_file_tick(st.file, now);
    if (now >= st.next_purge) {
        oa_revocation_purge(now);
        st.next_purge = now + OA_STORE_PURGE_S;
    }
}

bool oa_store_polled(void)
{
    return st.loaded && st.file;
}

void oa_store_stop(void)
{
    /* the Redis thread; the file needs nothing: its reader stays for a
     * server run again after an upgrade's failed exec */
    oa_store_redis_stop();
}

enum oa_err oa_store_write(const struct oa_config *cfg, const struct oa_rev_entry *e,
                           struct oa_error *err)
{
    size_t n = 0, bytes = 0;
    enum oa_err rc = OA_OK;
    struct oa_error other;

    if (!cfg->session.revocation_file && !cfg->session.store)
        return oa_error_set(err, OA_ERR_CONFIG,
                            "no session.revocation_file (nor session.store): a revocation "
                            "would reach this process only");
    oa_revocation_stats(&n, &bytes);
    if (cfg->session.revocation_file)
        rc = oa_store_file_write(cfg->session.revocation_file, e, (int64_t)time(NULL), n, err);
    if (cfg->session.store) {
        enum oa_err r = oa_store_redis_write(cfg->session.store, e, rc ? &other : err);
        rc = rc ? rc : r;
    }
    return rc;
}

bool oa_store_status(struct oa_buf *b)
{
    size_t n = 0, bytes = 0;

    oa_revocation_stats(&n, &bytes);
    oa_buf_printf(b, "revocations: %zu (%zu bytes); ", n, bytes);
    if (st.file)
        oa_store_file_status(st.file, b);
    else
        oa_buf_puts(b, "file: none");
    if (!st.redis_url)
        return st.loaded;
    /* Redis: not good until its first full read (a node that never
     * loaded the shared list is dropped by the balancer) */
    oa_buf_puts(b, "; ");
    return oa_store_redis_status(b) && st.loaded;
}
