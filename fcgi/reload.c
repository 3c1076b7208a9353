/*
 * reload.c - the config read again while serving (reload.h says when).
 *
 * What was seen of each file is updated before the load is tried, so a bad
 * file is tried, and logged, once per change and not at every tick. The new
 * config is loaded whole by oa_config_load (the same checks as at start-up,
 * key files included), given its own runtime (a new config may add or drop
 * providers: its caches start empty), and only then swapped in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "reload.h"

/* Reopens the log files after logrotate moved them (SIGHUP): log: FILE
 * and audit: FILE; stderr and syslog need none. A file that cannot be
 * opened again keeps the old one, and says so. */
static void reopen_logs(void)
{
    struct oa_error err;

    oa_error_clear(&err);
    if (oa_log_reopen(&err) != OA_OK)
        oa_log_error(OA_LOG_ERROR, &err);
    oa_error_clear(&err);
    if (oa_auditlog_reopen(&err) != OA_OK)
        oa_log_error(OA_LOG_ERROR, &err);
}

static void file_see(struct oa_reload_file *f)
{
    struct stat st;

    if (stat(f->path, &st) != 0) {
        int e = errno;
        char *path = f->path;
        memset(f, 0, sizeof(*f));
        f->path = path;
        f->errnum = e ? e : EIO;
        return;
    }
    f->errnum = 0;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim;
    f->ctime = st.st_ctim;
}

static bool file_same(const struct oa_reload_file *a, const struct oa_reload_file *b)
{
    return a->errnum == b->errnum && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void files_free(struct oa_reload_file *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].path);
    free(f);
}

/* Adds path (unless NULL or already there); the state seen is taken from
 * old (seen before the load) when it watched the same path, else now. */
static int files_add(struct oa_reload_file *f, size_t *n, const char *path,
                     const struct oa_reload_file *old, size_t nold)
{
    size_t i;

    if (!path)
        return 0;
    for (i = 0; i < *n; i++)
        if (strcmp(f[i].path, path) == 0)
            return 0;
    memset(&f[*n], 0, sizeof(f[*n]));
    if (!(f[*n].path = strdup(path)))
        return -1;
    for (i = 0; i < nold; i++)
        if (strcmp(old[i].path, path) == 0)
            break;
    if (i < nold) {
        char *p = f[*n].path;
        f[*n] = old[i];
        f[*n].path = p;
    } else {
        file_see(&f[*n]);
    }
    (*n)++;
    return 0;
}

/* The files cfg was made from: the config, its key file, the identity
 * token's key file, each apple-id private key. NULL when out of memory. */
static struct oa_reload_file *files_of(const struct oa_config *cfg, const char *config,
                                       const struct oa_reload_file *old, size_t nold, size_t *n)
{
    struct oa_reload_file *f = calloc(cfg->nproviders + 3, sizeof(*f));
    int bad = 0;

    *n = 0;
    if (!f)
        return NULL;
    bad |= files_add(f, n, config, old, nold);
    bad |= files_add(f, n, cfg->session.key_file, old, nold);
    bad |= files_add(f, n, cfg->identity_token.key_file, old, nold);
    for (size_t i = 0; i < cfg->nproviders; i++)
        bad |= files_add(f, n, cfg->providers[i].private_key_file, old, nold);
    if (bad) {
        files_free(f, *n);
        return NULL;
    }
    return f;
}

enum oa_err oa_reload_init(struct oa_reload *r, struct oa_live *live, const char *config)
{
    memset(r, 0, sizeof(*r));
    r->live = live;
    if (!(r->config = strdup(config)))
        return OA_ERR_NOMEM;
    r->f = files_of(oa_live_current(live)->cfg, r->config, NULL, 0, &r->nf);
    if (!r->f) {
        oa_reload_free(r);
        return OA_ERR_NOMEM;
    }
    return OA_OK;
}

void oa_reload_free(struct oa_reload *r)
{
    if (!r)
        return;
    files_free(r->f, r->nf);
    free(r->config);
    memset(r, 0, sizeof(*r));
}

bool oa_reload_watch(const struct oa_reload *r, struct oa_file_watch *w)
{
    bool all = r->nf > 0;

    for (size_t i = 0; i < r->nf; i++)
        all = oa_file_watch_add(w, r->f[i].path) && all;
    if (!all)
        oa_file_watch_free(w); /* a part only would leave the rest to the quiet tick */
    return all;
}

bool oa_reload_changed(struct oa_reload *r)
{
    bool changed = false;

    for (size_t i = 0; i < r->nf; i++) {
        struct oa_reload_file now = r->f[i];
        file_see(&now);
        if (!file_same(&now, &r->f[i])) {
            changed = true;
            r->f[i] = now;
        }
    }
    return changed;
}

/* Logs a failed reload once: the file's position, and that nothing changed. */
static int refused(const struct oa_error *err)
{
    char text[OA_ERROR_FILE_MAX + OA_ERROR_MSG_MAX + 32];

    oa_error_format(err, text, sizeof(text));
    oa_log_write(OA_LOG_ERROR, "%s (reload refused: still serving the config loaded before)", text);
    return -1;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* *now takes old's value (a copy) when they differ, with a warning that
 * key needs a restart. False only when out of memory. */
static bool keep_str(char **now, const char *old, const char *key)
{
    char *copy;

    if (same_str(*now, old))
        return true;
    if (old && !(copy = strdup(old)))
        return false;
    oa_log_write(OA_LOG_WARN, "%s: a change takes a restart; keeping the old value", key);
    free(*now);
    *now = old ? copy : NULL;
    return true;
}

/* What the new config cannot change in a running process, and what it
 * keeps of the old one: without a key file each process has a random key,
 * which a reload must not replace (every session would end); the log and
 * audit files and the metrics listener and directory were opened, bound
 * and mapped at start (by a user that may no longer be able to); the
 * revocation file is followed from start (fcgi/store.c). False
 * only when out of memory. */
static bool carry_over(struct oa_config *cfg, const struct oa_config *old)
{
    if (cfg->keys_random && old->keys_random)
        cfg->keys = old->keys;
    if (cfg->log != old->log || cfg->audit != old->audit)
        oa_log_write(OA_LOG_WARN, "log/audit: a new target takes a restart; logging on to "
                                  "the old one");
    cfg->log = old->log;
    cfg->audit = old->audit;
    return keep_str(&cfg->log_file, old->log_file, "log") &&
           keep_str(&cfg->audit_file, old->audit_file, "audit") &&
           keep_str(&cfg->metrics.listen, old->metrics.listen, "metrics.listen") &&
           keep_str(&cfg->metrics.dir, old->metrics.dir, "metrics.dir") &&
           keep_str(&cfg->session.revocation_file, old->session.revocation_file,
                    "session.revocation_file");
}

static int reload(struct oa_reload *r)
{
    struct oa_gen *cur = oa_live_current(r->live), *g;
    struct oa_reload_file *f;
    struct oa_config *cfg = NULL;
    struct oa_error err;
    size_t nf;

    oa_error_clear(&err);
    if (oa_config_load(&cfg, r->config, &err) != OA_OK)
        return refused(&err);
    if (!carry_over(cfg, cur->cfg) || !(f = files_of(cfg, r->config, r->f, r->nf, &nf))) {
        oa_config_free(cfg);
        return refused(&(struct oa_error){.code = OA_ERR_NOMEM, .msg = "out of memory"});
    }
    if (!(g = oa_gen_new(cfg, cur->rt.http))) {
        files_free(f, nf);
        return refused(&(struct oa_error){.code = OA_ERR_NOMEM, .msg = "out of memory"});
    }
    files_free(r->f, r->nf);
    r->f = f;
    r->nf = nf;
    for (size_t i = 0; i < cfg->warnings.n; i++)
        oa_log_write(OA_LOG_WARN, "%s", cfg->warnings.v[i]);
    oa_log_set_level(cfg->log_level);
    oa_live_swap(r->live, g);
    oa_log_write(OA_LOG_INFO, "reloaded %s: %zu provider%s, %zu access rule%s", r->config,
                 cfg->nproviders, cfg->nproviders == 1 ? "" : "s", cfg->naccess,
                 cfg->naccess == 1 ? "" : "s");
    return 1;
}

int oa_reload_tick(struct oa_reload *r, bool forced)
{
    bool changed = oa_reload_changed(r);

    if (forced) {
        oa_log_write(OA_LOG_INFO, "SIGHUP: reopening the logs and reading %s again", r->config);
        reopen_logs();
    }
    if (!forced && !changed)
        return 0;
    if (!forced)
        oa_log_write(OA_LOG_INFO, "%s or a file it names changed: reading it again", r->config);
    return reload(r);
}
