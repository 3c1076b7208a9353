/*
 * edge.c - one request from the web server to the core and back.
 *
 * Fills struct oa_request from the params (FastCGI params, or the CGI
 * environment), reads a responder's POST body (capped at
 * OA_REQUEST_BODY_MAX, never beyond CONTENT_LENGTH), calls oa_handle(),
 * writes the answer, logs the core's one line and writes its audit record
 * (auditlog.c). An authorizer request never touches stdin: its answer is
 * made from the params alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auditlog.h"
#include "edge.h"
#include "log.h"
#include "oa/handler.h"
#include "oa/pages.h"
#include "oa/request.h"
#include "oa/response.h"
#include "params.h"

extern char **environ; /* the CGI params */

static const char *nz(const char *s)
{
    return s && *s ? s : "-";
}

/* The request's path for a log line: SCRIPT_NAME + PATH_INFO, else
 * REQUEST_URI up to the query (a query may carry a code: never logged). */
static const char *log_path(const struct oa_request *req, char *buf, size_t cap)
{
    const char *uri = req->request_uri;
    int n;

    if (req->script_name || req->path_info)
        n = snprintf(buf, cap, "%s%s", req->script_name ? req->script_name : "",
                     req->path_info ? req->path_info : "");
    else if (uri)
        n = snprintf(buf, cap, "%.*s", (int)strcspn(uri, "?#"), uri);
    else
        n = snprintf(buf, cap, "-");
    if (n < 0)
        buf[0] = '\0';
    return buf;
}

/* The request's params, read once (params.h): the edge looks each one up
 * here, never in the list again. */
#define PARAM(pp, name) ((pp)->v[OA_P_##name])

/* Which FastCGI role: absent (plain CGI) and RESPONDER are responders.
 * Returns -1 for a role we do not play (FILTER). */
static int role_of(const char *role, enum oa_role *out)
{
    if (!role || strcmp(role, "RESPONDER") == 0) {
        *out = OA_ROLE_RESPONDER;
        return 0;
    }
    if (strcmp(role, "AUTHORIZER") == 0) {
        *out = OA_ROLE_AUTHORIZER;
        return 0;
    }
    return -1;
}

static void fill_request(struct oa_request *req, const struct oa_params *p)
{
    memset(req, 0, sizeof(*req));
    req->role = OA_ROLE_RESPONDER;
    req->method = PARAM(p, REQUEST_METHOD);
    req->request_uri = PARAM(p, REQUEST_URI);
    req->script_name = PARAM(p, SCRIPT_NAME);
    req->path_info = PARAM(p, PATH_INFO);
    req->query_string = PARAM(p, QUERY_STRING);
    req->host = PARAM(p, HTTP_HOST);
    req->https = PARAM(p, HTTPS);
    req->scheme = PARAM(p, REQUEST_SCHEME);
    req->server_port = PARAM(p, SERVER_PORT);
    req->cookie = PARAM(p, HTTP_COOKIE);
    req->accept = PARAM(p, HTTP_ACCEPT);
    req->content_type = PARAM(p, CONTENT_TYPE);
    req->sec_fetch_mode = PARAM(p, HTTP_SEC_FETCH_MODE);
    req->sec_fetch_dest = PARAM(p, HTTP_SEC_FETCH_DEST);
    req->x_requested_with = PARAM(p, HTTP_X_REQUESTED_WITH);
    req->redirect_status = PARAM(p, REDIRECT_STATUS);
    req->redirect_url = PARAM(p, REDIRECT_URL);
    req->redirect_query_string = PARAM(p, REDIRECT_QUERY_STRING);
    req->remote_addr = PARAM(p, REMOTE_ADDR);
    req->sec_fetch_site = PARAM(p, HTTP_SEC_FETCH_SITE);
    req->origin = PARAM(p, HTTP_ORIGIN);
    req->authorization = PARAM(p, HTTP_AUTHORIZATION);
    req->referer = PARAM(p, HTTP_REFERER);
    req->served_uri = PARAM(p, REDIRECT_URI);
    req->served_path = PARAM(p, OAUTH2_FCGI_PATH);
    req->body = NULL;
    req->body_len = 0;
    req->now = (int64_t)time(NULL);
}

/* CONTENT_LENGTH as a number: digits only. -1 when malformed. */
static long long content_length(const char *s)
{
    long long v = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* Reads a responder's POST body into req (*owned is new, caller frees).
 * Returns 0, or the status to refuse with (400, 413, 500), with *why set. */
static int read_body(const struct oa_edge_io *io, const struct oa_params *p, struct oa_request *req,
                     char **owned, const char **why)
{
    long long len = content_length(PARAM(p, CONTENT_LENGTH));
    char *buf;
    long got;

    *owned = NULL;
    if (!req->method || strcmp(req->method, "POST") != 0 || len == 0)
        return 0;
    if (len < 0) {
        *why = "The request's Content-Length is not a number.";
        return 400;
    }
    if (len > OA_REQUEST_BODY_MAX) {
        *why = "The request body is too large.";
        return 413;
    }
    buf = malloc((size_t)len + 1);
    if (!buf) {
        *why = "The server is out of memory, try again.";
        return 500;
    }
    got = io->read(io->ctx, buf, (size_t)len);
    if (got != (long)len) {
        free(buf);
        *why = "The request body ended early.";
        return 400;
    }
    buf[len] = '\0';
    req->body = buf;
    req->body_len = (size_t)len;
    *owned = buf;
    return 0;
}

/* Answers req into r; returns what oa_handle returned, or the edge's own
 * refusal (bad role, bad body). */
static enum oa_err answer(const struct oa_config *cfg, struct oa_runtime *rt,
                          const struct oa_edge_io *io, const struct oa_params *p,
                          struct oa_request *req, struct oa_response *r, char **body)
{
    const char *why = NULL;
    int status;

    if (role_of(PARAM(p, FCGI_ROLE), &req->role) != 0) {
        oa_page_error(r, req, 500, "This FastCGI role is not supported.");
        oa_response_log(r, OA_LOG_ERROR,
                        "FastCGI role %s is not supported (use RESPONDER or "
                        "AUTHORIZER)",
                        nz(PARAM(p, FCGI_ROLE)));
        return OA_ERR_USAGE;
    }
    if (req->role == OA_ROLE_RESPONDER) {
        status = read_body(io, p, req, body, &why);
        if (status) {
            oa_page_error(r, req, status, why);
            char path[256];
            oa_response_log(r, status == 500 ? OA_LOG_ERROR : OA_LOG_INFO, "%s %s from %s: %d %s",
                            nz(req->method), log_path(req, path, sizeof(path)),
                            nz(req->remote_addr), status, why);
            return status == 413 ? OA_ERR_TOO_LARGE : OA_ERR_BAD_INPUT;
        }
    }
    return oa_handle(cfg, rt, req, r);
}

static void log_answer(const struct oa_request *req, const struct oa_response *r, enum oa_err rc)
{
    if (r->log[0]) {
        oa_log_write(r->log_level, "%s", r->log);
        return;
    }
    if (rc != OA_OK) {
        char path[256];
        oa_log_write(OA_LOG_WARN, "%s %s from %s: %d %s", nz(req->method),
                     log_path(req, path, sizeof(path)), nz(req->remote_addr), r->status,
                     oa_strerror(rc));
    }
}

/* The audit line of r, if any, with the client's address and the server's
 * request id: REQUEST_ID (nginx: fastcgi_param REQUEST_ID $request_id;) or
 * UNIQUE_ID (Apache's mod_unique_id), never a client's header. An allowed
 * request has no record and looks nothing up. */
static void audit_answer(const struct oa_params *p, const struct oa_request *req,
                         const struct oa_response *r)
{
    const char *rid;

    if (r->audit.event == OA_AUDIT_NONE)
        return;
    rid = PARAM(p, REQUEST_ID);
    if (!rid || !*rid)
        rid = PARAM(p, UNIQUE_ID);
    oa_auditlog_write(&r->audit, req->remote_addr, rid);
}

/* mod_fcgid's access checker (FCGI_APACHE_ROLE=ACCESS_CHECKER) keeps only
 * the status of a refusal -- it answers 401 -- but merges the refusal's
 * headers into whatever Apache answers instead: the ErrorDocument, our own
 * sign-in answer with the same headers, gave "X-Frame-Options: DENY, DENY"
 * (which browsers ignore) and every other header twice. So that refusal is
 * its status alone; an allow keeps its Variable-* headers. */
static void bare_access_checker_refusal(const struct oa_params *p, const struct oa_request *req,
                                        struct oa_response *r)
{
    const char *apache_role;
    int status = r->status;

    if (req->role != OA_ROLE_AUTHORIZER || status == 200 || status == 0)
        return;
    apache_role = PARAM(p, FCGI_APACHE_ROLE);
    if (!apache_role || strcmp(apache_role, "ACCESS_CHECKER") != 0)
        return;
    oa_response_reset(r);
    oa_response_status(r, status);
}

int oa_edge_serve(const struct oa_config *cfg, struct oa_runtime *rt, const struct oa_edge_io *io)
{
    struct oa_params p;
    struct oa_request req;
    struct oa_response r;
    char *body = NULL;
    enum oa_err rc;
    int ret = 0;

    oa_params_read(&p, io->envp);
    fill_request(&req, &p);
    oa_response_init(&r);
    rc = answer(cfg, rt, io, &p, &req, &r, &body);
    bare_access_checker_refusal(&p, &req, &r);
    if (oa_response_write(&r, io->write, io->ctx) != OA_OK) {
        char path[256];
        oa_log_write(OA_LOG_DEBUG, "%s %s from %s: the client went away", nz(req.method),
                     log_path(&req, path, sizeof(path)), nz(req.remote_addr));
        ret = -1;
    }
    log_answer(&req, &r, rc);
    audit_answer(&p, &req, &r);
    oa_response_free(&r);
    free(body);
    return ret;
}

/* FastCGI: params and streams of an accepted libfcgi request. */

static long fcgx_read(void *ctx, char *buf, size_t n)
{
    FCGX_Request *req = ctx;
    size_t done = 0;

    while (done < n) {
        size_t want = n - done > INT_MAX ? INT_MAX : n - done;
        int got = FCGX_GetStr(buf + done, (int)want, req->in);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (long)done;
}

static int fcgx_write(void *ctx, const char *p, size_t n)
{
    FCGX_Request *req = ctx;

    while (n > 0) {
        size_t chunk = n > INT_MAX ? INT_MAX : n;
        if (FCGX_PutStr(p, (int)chunk, req->out) != (int)chunk)
            return -1;
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int oa_edge_serve_fcgx(const struct oa_config *cfg, struct oa_runtime *rt, struct FCGX_Request *req)
{
    struct oa_edge_io io = {req->envp, fcgx_read, fcgx_write, req};
    return oa_edge_serve(cfg, rt, &io);
}

/* Plain CGI: the process environment, stdin and stdout. */

/* read(2), not stdio: stdio would read ahead beyond CONTENT_LENGTH. */
static long cgi_read(void *ctx, char *buf, size_t n)
{
    size_t done = 0;

    (void)ctx;
    while (done < n) {
        ssize_t got = read(STDIN_FILENO, buf + done, n - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (long)done;
}

static int cgi_write(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int oa_edge_serve_cgi(const struct oa_config *cfg, struct oa_runtime *rt)
{
    struct oa_edge_io io = {environ, cgi_read, cgi_write, NULL};
    int ret = oa_edge_serve(cfg, rt, &io);

    if (fflush(stdout) != 0 && ret == 0) {
        oa_log_write(OA_LOG_DEBUG, "writing the CGI answer failed: %s", strerror(errno));
        ret = -1;
    }
    return ret;
}
