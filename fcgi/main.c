/*
 * main.c - oauth2-fcgi: the command line, the config, and the choice
 * between the three ways to run (DESIGN.md section 1):
 *   - a socket of its own (-b ADDR:PORT, -s PATH) for nginx and Apache's
 *     mod_authnz_fcgi;
 *   - the socket inherited on fd 0 (spawn-fcgi, mod_fcgid, lighttpd
 *     bin-path);
 *   - no socket at all: plain CGI, one request, then exit.
 * Exit codes: 0 ok, 2 config or usage error, 1 any other failure.
 *
 * Every failure reaches main as a struct oa_error (the core's and fcgi/'s
 * alike) and is written once, by fail(): to stderr before the log is
 * open, to the log after.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auditlog.h"
#include "edge.h"
#include "explain.h"
#include "genkey.h"
#include "listen.h"
#include "live.h"
#include "log.h"
#include "metrics_map.h"
#include "oa/config.h"
#include "oa/crypto.h"
#include "oa/curl_load.h"
#include "oa/http.h"
#include "oa/inflight.h"
#include "oa/metrics.h"
#include "oa/revoke.h"
#include "oa/runtime.h"
#include "options.h"
#include "reload.h"
#include "server.h"
#include "sockpath.h"
#include "store.h"
#include "store_redis.h"
#include "supervise.h"
#include "upgrade.h"

/* Under spawn-fcgi or a web server stdout/stderr may be closed: point them
 * at /dev/null so that a socket opened later never gets fd 1 or 2 (and a
 * log line never lands in a client's connection). */
static void guard_std_fds(void)
{
    int fd;

    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int nul = open("/dev/null", O_RDWR);
            if (nul >= 0 && nul != fd) {
                dup2(nul, fd);
                close(nul);
            }
        }
    }
}

/* Where fail() writes: stderr until the log is open (a person at a
 * terminal, or the web server's error log), the log afterwards. */
static bool log_open;

/* The one place a failure is written: to the log once it is open, unless
 * to_person (a message for whoever started the program by hand: stderr).
 * On stderr a config error reads "FILE:LINE:COL: message", as a
 * compiler's does; any other starts with the program's name. Returns the
 * exit code: 2 for a usage or config error, 1 for anything else. */
static int fail_to(const struct oa_error *err, bool to_person)
{
    char text[OA_ERROR_FILE_MAX + OA_ERROR_MSG_MAX + 32];

    oa_error_format(err, text, sizeof(text));
    if (log_open && !to_person)
        oa_log_write(OA_LOG_ERROR, "%s", text);
    else if (err->code == OA_ERR_CONFIG)
        fprintf(stderr, "%s\n", text);
    else
        fprintf(stderr, "oauth2-fcgi: %s\n", text);
    return err->code == OA_ERR_USAGE || err->code == OA_ERR_CONFIG ? 2 : 1;
}

static int fail(const struct oa_error *err)
{
    return fail_to(err, false);
}

static int gen_key(const char *path)
{
    struct oa_error err;

    oa_error_clear(&err);
    if (oa_key_generate_file(path, &err) != OA_OK)
        return fail(&err);
    fprintf(stderr, "oauth2-fcgi: wrote a new session key to %s (mode 0600)\n", path);
    return 0;
}

static int gen_identity_key(const char *path)
{
    struct oa_error err;

    oa_error_clear(&err);
    if (oa_identity_key_generate_file(path, &err) != OA_OK)
        return fail(&err);
    fprintf(stderr, "oauth2-fcgi: wrote a new Ed25519 identity token key to %s (mode 0600)\n",
            path);
    return 0;
}

/* session.store answers now, or a warning: the service runs without it
 * (with the list it has), so the exit status stays 0. */
static void check_store(const char *url)
{
    struct oa_buf b;

    oa_buf_init(&b, 1024);
    if (oa_store_redis_probe(url, &b))
        printf("session %s\n", b.p ? b.p : "store");
    else
        fprintf(stderr,
                "oauth2-fcgi: warning: session %s: revocations are not shared until it "
                "answers\n",
                b.p ? b.p : "store");
    oa_buf_free(&b);
}

static int check_config(const struct oa_config *cfg)
{
    char *text = oa_config_describe(cfg);
    struct oa_error err;
    const char *why;

    if (!text)
        return fail(&(struct oa_error){.code = OA_ERR_NOMEM, .msg = "out of memory"});
    fputs(text, stdout);
    free(text);
    for (size_t i = 0; i < cfg->warnings.n; i++)
        fprintf(stderr, "oauth2-fcgi: %s\n", cfg->warnings.v[i]);
    if (cfg->keys_random)
        fprintf(stderr, "oauth2-fcgi: warning: no session.key_file: sessions end when the "
                        "process stops\n");
    /* the revocation file as the start reads it: a corrupt one would stop
     * the start (and an upgrade, which runs --check-config first, after
     * its exec); the list is loaded and dropped with the process */
    oa_error_clear(&err);
    if (oa_store_start(cfg, &err) != OA_OK)
        return fail(&err);
    oa_store_stop();
    if (cfg->session.store)
        check_store(cfg->session.store);
    /* the server loads libcurl only at the first provider request: try it now */
    if (!oa_curl(&why)) {
        oa_error_set(&err, OA_ERR_IO, "%s: signing in cannot work", why);
        return fail(&err);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

/* --revoke WHO (DESIGN.md section 14.5): the entry written to every
 * configured store, which the serving processes read within a second. */
static int revoke_cli(const struct oa_config *cfg, const char *who)
{
    const char *file = cfg->session.revocation_file, *store = cfg->session.store, *kind;
    struct oa_rev_entry e;
    struct oa_error err;

    oa_error_clear(&err);
    if (!file && !store) {
        oa_error_set(&err, OA_ERR_USAGE,
                     "--revoke needs session.revocation_file or session.store in %s: without "
                     "them a revocation reaches no serving process",
                     cfg->file ? cfg->file : "the config");
        return fail(&err);
    }
    if (oa_revoke_parse(cfg, who, (int64_t)time(NULL), &e, &kind, &err) != OA_OK)
        return fail(&err);
    if (oa_store_write(cfg, &e, &err) != OA_OK) {
        if (err.code == OA_ERR_USAGE || err.code == OA_ERR_CONFIG)
            err.code = OA_ERR_IO; /* the config was fine: the store failed */
        return fail(&err);
    }
    printf("revoked %s (%s) in %s%s%s\n", who, kind, file ? file : "", file && store ? " and " : "",
           store ? store : "");
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Opens -b / -s, or takes fd 0 (or the socket an upgrade handed over).
 * OA_OK with *cgi set for CGI; else err says why, and *cgi is -1 when there
 * is neither a socket nor a CGI request (a person ran it by hand). */
static enum oa_err pick_socket(const struct oa_options *opts, int *fd, int *cgi,
                               struct oa_error *err)
{
    enum oa_err e = OA_OK;
    int up;

    *cgi = 0;
    *fd = 0;
    up = oa_upgrade_inherited(fd, err);
    if (up == 0)
        up = oa_listen_systemd(fd, err);
    if (up < 0)
        e = err->code;
    else if (up > 0 && *fd == 0)
        oa_log_write(OA_LOG_INFO, "upgraded: serving the socket of the program before");
    else if (up > 0)
        oa_log_write(OA_LOG_INFO, "serving the socket passed by systemd (LISTEN_FDS)");
    else if (opts->bind)
        e = oa_listen_tcp(opts->bind, fd, err);
    else if (opts->socket)
        e = oa_listen_unix(opts->socket, fd, err);
    else if (FCGX_IsCGI()) {
        *cgi = getenv("GATEWAY_INTERFACE") ? 1 : -1;
        if (*cgi < 0)
            return oa_error_set(err, OA_ERR_USAGE,
                                "no FastCGI socket on fd 0 and no CGI request "
                                "(GATEWAY_INTERFACE unset): use -b ADDR:PORT or -s PATH, a "
                                "spawner such as spawn-fcgi, or see --help");
    }
    return e;
}

/* Caps the requests that talk to a provider at once below the thread
 * count (src/flow/inflight.c), so a slow provider cannot take every thread from
 * the authorizer. One thread cannot be shared: say so, and what to do. */
static void limit_provider_calls(unsigned threads, bool from_env)
{
    unsigned cap = oa_inflight_cap_for(threads);

    oa_inflight_set_cap(cap);
    if (threads < 2 && from_env) /* mod_fcgid: one request at a time per process anyway */
        oa_log_write(OA_LOG_DEBUG, "OAUTH2_FCGI_THREADS=%u: one request at a time", threads);
    else if (threads < 2)
        oa_log_write(OA_LOG_WARN,
                     "-t %u: a sign-in waiting on its provider delays every authorizer answer "
                     "of this process; use -t 4 (the default) or more, or run the /oauth "
                     "endpoints as a process of their own on another socket",
                     threads);
    else
        oa_log_write(OA_LOG_DEBUG, "at most %u of %u threads talk to a provider at once", cap,
                     threads);
}

/* The server proper: one process, or a supervisor of -w workers. An
 * upgrade (SIGUSR2) execs the new program here and does not return. */
static int run_server(const struct oa_options *opts, struct oa_reload *rl, int fd)
{
    struct oa_server_hooks hooks = {NULL, NULL, 1};
    struct oa_sockpath sp;
    struct oa_error err;
    int rc;

    /* -s: the file made here; inherited: the file the socket is bound to */
    oa_sockpath_record(&sp, fd, opts->socket);
    if (opts->workers)
        rc = oa_supervise_run(rl, fd, opts->workers, opts->threads, &sp, &err) ? fail(&err) : 0;
    else
        while ((rc = oa_server_run(rl, fd, opts->threads, &hooks)) == OA_SERVER_UPGRADE)
            if (oa_upgrade_exec(fd, &err) != OA_OK) /* returns only when the exec failed */
                oa_log_error(OA_LOG_ERROR, &err);   /* serve on */
    if (opts->socket)
        oa_sockpath_unlink(&sp); /* not a new instance's socket at the same path */
    return rc;
}

/* The counters every thread and process of the set-up share (before any
 * fork or thread). Processes the web server starts one by one share them
 * only through metrics.dir: say so when that is how this one was started. */
static enum oa_err count_metrics(const struct oa_options *opts, const struct oa_config *cfg,
                                 int cgi, struct oa_error *err)
{
    oa_metrics_mark_start();
    if (oa_metrics_map(cfg, err) != OA_OK)
        return err->code;
    if ((cfg->metrics.listen || cfg->metrics.nnets) && !cfg->metrics.dir &&
        (cgi || (!opts->bind && !opts->socket && !opts->workers)))
        oa_log_write(OA_LOG_INFO,
                     "metrics: counting in this process only; when the web server starts "
                     "several (max-procs, mod_fcgid, CGI), set metrics.dir so that /metrics "
                     "shows their sum");
    return OA_OK;
}

static int serve(const struct oa_options *opts, struct oa_reload *rl)
{
    struct oa_gen *g = oa_live_current(rl->live);
    const struct oa_config *cfg = g->cfg;
    struct oa_error err;
    int fd, cgi;

    if (FCGX_Init() != 0)
        return fail(&(struct oa_error){.code = OA_ERR_INTERNAL, .msg = "FCGX_Init failed"});
    if (pick_socket(opts, &fd, &cgi, &err) != OA_OK)
        return fail_to(&err, cgi < 0);
    if (count_metrics(opts, cfg, cgi, &err) != OA_OK)
        return fail(&err);
    /* the revocation list, before any thread or worker (CGI: loaded once);
     * one that cannot be read is a config error: never serve without it */
    if (oa_store_start(cfg, &err) != OA_OK)
        return fail(&err);
    for (size_t i = 0; i < cfg->warnings.n; i++)
        oa_log_write(OA_LOG_WARN, "%s", cfg->warnings.v[i]);
    if (cfg->keys_random)
        oa_log_write(OA_LOG_WARN, cgi ? "no session.key_file: as a CGI program every request "
                                        "has a new key, so sign-in cannot complete"
                                      : "no session.key_file: sessions end when the process "
                                        "stops");
    if (cgi) {
        oa_store_load_once(); /* Redis, read once: a CGI process has no thread */
        return oa_edge_serve_cgi(cfg, &g->rt) == 0 ? 0 : 1;
    }
    limit_provider_calls(opts->threads, opts->threads_from_env);
    return run_server(opts, rl, fd);
}

/* The first generation (the config, and the runtime made for it before
 * any thread starts: DESIGN.md section 10), what swaps it on a reload,
 * and the server. */
static int serve_loaded(const struct oa_options *opts, struct oa_config *cfg)
{
    struct oa_gen *g = oa_gen_new(cfg, NULL);
    struct oa_live live;
    struct oa_reload rl;
    int rc;

    if (!g || oa_live_init(&live, g, (size_t)opts->threads + 2) != OA_OK) /* metrics, JWKS */
        return fail(&(struct oa_error){.code = OA_ERR_NOMEM,
                                       .msg = "out of memory preparing the provider caches"});
    if (oa_reload_init(&rl, &live, oa_live_current(&live)->cfg->file) != OA_OK) {
        rc = fail(&(struct oa_error){.code = OA_ERR_NOMEM, .msg = "out of memory"});
    } else {
        rc = serve(opts, &rl);
        oa_http_global_cleanup();
    }
    oa_reload_free(&rl);
    oa_live_free(&live);
    return rc;
}

/* The log (stderr, syslog, log: FILE) and the audit log, opened by the
 * user the program runs as (spawn-fcgi -u, systemd User=, the web
 * server's user) before any thread. A file that cannot be opened stops the
 * start with the reason on stderr, as "CONFIG: log: ..." (exit 2): the
 * log itself is not there to say it. */
static int open_logs(const struct oa_config *cfg)
{
    struct oa_error why, err;

    oa_log_open(cfg->log, cfg->log_level);
    log_open = true;
    oa_error_clear(&why);
    if ((cfg->log == OA_LOG_FILE && oa_log_open_file(cfg->log_file, &why) != OA_OK) ||
        oa_auditlog_open(cfg, &why) != OA_OK) {
        oa_error_clear(&err);
        oa_error_at(&err, why.code, cfg->file, 0, 0, "%s", why.msg);
        return fail_to(&err, true);
    }
    return 0;
}

static int run(const struct oa_options *opts)
{
    struct oa_config *cfg = NULL;
    struct oa_error err;
    int rc;

    if (oa_crypto_init() != OA_OK)
        return fail(
            &(struct oa_error){.code = OA_ERR_CRYPTO, .msg = "libsodium failed to initialise"});
    if (opts->gen_key)
        return gen_key(opts->gen_key);
    if (opts->gen_identity_key)
        return gen_identity_key(opts->gen_identity_key);
    oa_error_clear(&err);
    if (oa_config_load(&cfg, oa_config_find(opts->config), &err) != OA_OK)
        return fail(&err);
    if (opts->explain) {
        struct oa_explain_who who = {opts->as, opts->groups, opts->provider};
        rc = oa_explain(cfg, opts->explain_method, opts->explain_url, &who, stdout);
        oa_config_free(cfg);
        return rc;
    }
    if (opts->check_config || opts->revoke) {
        rc = opts->revoke ? revoke_cli(cfg, opts->revoke) : check_config(cfg);
        oa_config_free(cfg);
        return rc;
    }
    rc = open_logs(cfg); /* nonzero: said on stderr */
    if (rc == 0)
        rc = serve_loaded(opts, cfg); /* cfg is the first generation's now */
    else
        oa_config_free(cfg);
    oa_auditlog_close();
    oa_log_close();
    log_open = false;
    return rc;
}

int main(int argc, char **argv)
{
    struct oa_options opts;
    struct oa_error err;
    int rc;

    guard_std_fds();
    oa_error_clear(&err);
    if (oa_options_parse(&opts, argc, argv, &err) != OA_OK) {
        rc = fail(&err);
        fputs("Try 'oauth2-fcgi --help'.\n", stderr);
        return rc;
    }
    if (opts.help) {
        fputs(oa_options_usage(), stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (opts.version) {
        printf("oauth2-fcgi %s\n", PACKAGE_VERSION);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    oa_server_signals();
    oa_server_signals_unblock();
    oa_upgrade_init(argc, argv);
    return run(&opts);
}
