/*
 * store.c - the revocation stores (store.h, DESIGN.md section 14): a small
 * dispatcher over the stores the config names. session.revocation_file is
 * fcgi/store_file.c; session.store (Redis) hooks in at the places marked
 * "second store". The in-memory list is the core's (oa/revocation.h):
 * this file loads it, follows the stores on the main thread's tick, and
 * gives the core its writer (oa_revocation_set_store) so that /logout,
 * back-channel logout and a refused refresh reach every process.
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
#include "store.h"
#include "store_file.h"

#define OA_STORE_PURGE_S 60 /* expired entries are dropped this often */

static struct {
    bool loaded;                /* oa_store_start succeeded */
    char *file_path;            /* session.revocation_file (a copy), or NULL */
    struct oa_store_file *file; /* its reader */
    /* second store: session.store's state goes here */
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
    /* second store: its write here, keeping the first error */
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
    /* second store: session.store is started here (it loads on its thread) */
    if (st.file_path)
        oa_revocation_set_store(share);
    st.next_purge = now + OA_STORE_PURGE_S;
    st.loaded = true;
    return OA_OK;
}

void oa_store_tick(int64_t now)
{
    if (!st.loaded)
        return;
    if (st.file)
        oa_store_file_tick(st.file, now);
    /* second store: nothing here (its thread follows it) */
    if (now >= st.next_purge) {
        oa_revocation_purge(now);
        st.next_purge = now + OA_STORE_PURGE_S;
    }
}

void oa_store_stop(void)
{
    /* second store: its thread stops here. The file needs nothing: its
     * reader stays for a server run again after an upgrade's failed exec. */
}

enum oa_err oa_store_write(const struct oa_config *cfg, const struct oa_rev_entry *e,
                           struct oa_error *err)
{
    size_t n = 0, bytes = 0;

    if (!cfg->session.revocation_file /* && !cfg->session.store: second store */)
        return oa_error_set(err, OA_ERR_CONFIG,
                            "no session.revocation_file (nor session.store): a revocation "
                            "would reach this process only");
    oa_revocation_stats(&n, &bytes);
    return oa_store_file_write(cfg->session.revocation_file, e, (int64_t)time(NULL), n, err);
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
    /* second store: "; store: redis://..." here */
    return st.loaded;
}
