/*
 * http.c - the HTTP client that talks to identity providers, and the only
 * file that calls libcurl (DESIGN.md sections 0 and 6).
 *
 * Every request goes out with the same policy: TLS peer and host
 * verification on (ca_file for a private CA), https only (plus http when
 * allow_http), no redirects followed, connect and total timeouts, the body
 * capped at OA_HTTP_BODY_MAX, Accept: application/json and our User-Agent.
 * One easy handle per thread, kept in a pthread key and reset between uses
 * so its connection cache survives. libcurl itself is loaded at the first
 * request (src/net/curl_load.c) and called through the table `cu`. Errors name
 * the host and curl's reason, never a body, a URL query or a secret.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/buf.h"
#include "oa/config.h"
#include "oa/curl_load.h"
#include "oa/http.h"
#include "oa/url.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define OA_HTTP_TIMEOUT_DEFAULT_MS 10000
#define OA_HTTP_HOST_MAX 256

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;
static int handle_key_ok;

/* libcurl, once loaded; set by handle_key_make() under pthread_once, so
 * every thread that got past handle_ready() sees it. */
static const struct oa_curl_api *cu;
static const char *cu_why;

static void handle_destroy(void *h)
{
    cu->easy_cleanup(h);
}

static void handle_key_make(void)
{
    cu = oa_curl(&cu_why);
    handle_key_ok = cu && pthread_key_create(&handle_key, handle_destroy) == 0;
}

/* Loads libcurl on the first call; false (and *why) when it is not usable. */
static bool handle_ready(const char **why)
{
    pthread_once(&handle_once, handle_key_make);
    if (!handle_key_ok)
        *why = cu_why ? cu_why : "no thread key for the curl handle";
    return handle_key_ok;
}

/* This thread's easy handle, reset; NULL when curl cannot make one.
 * Only after handle_ready(). */
static CURL *handle_get(void)
{
    CURL *h = pthread_getspecific(handle_key);

    if (h) {
        cu->easy_reset(h);
        return h;
    }
    h = cu->easy_init();
    if (h && pthread_setspecific(handle_key, h) != 0) {
        cu->easy_cleanup(h);
        return NULL;
    }
    return h;
}

/* The answer's body goes into a struct oa_buf capped at OA_HTTP_BODY_MAX:
 * over it (or out of memory) the append fails, and returning 0 makes curl
 * stop with CURLE_WRITE_ERROR. */
static size_t sink_write(char *data, size_t size, size_t nmemb, void *userp)
{
    size_t n = size * nmemb;

    return oa_buf_append(userp, data, n) == OA_OK ? n : 0;
}

/* host[:port] of url for log lines ("?" when it has none we can tell):
 * the port tells the operator which of several providers on one host
 * failed. Never the path or query. Does not need libcurl. */
static void url_host(char *out, size_t cap, const char *url)
{
    struct oa_url_parts u;

    if (!oa_url_split(&u, url))
        snprintf(out, cap, "?");
    else if (u.port)
        snprintf(out, cap, "%.*s:%.*s", (int)u.host_len, u.host, (int)u.port_len, u.port);
    else
        snprintf(out, cap, "%.*s", (int)u.host_len, u.host);
}

bool oa_http_url_host_is(const char *url, const char *host, size_t host_len)
{
    char *h = NULL, *user = NULL, *pass = NULL;
    const char *why;
    bool ok = false;
    CURLU *u;

    if (!handle_ready(&why) || !(u = cu->url()))
        return false;
    if (cu->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        cu->url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        cu->url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
        cu->url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_NO_PASSWORD)
        ok = strlen(h) == host_len && strncasecmp(h, host, host_len) == 0;
    cu->free(h);
    cu->free(user);
    cu->free(pass);
    cu->url_cleanup(u);
    return ok;
}

static bool has_header(const struct oa_http_request *req, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < OA_HTTP_MAX_HEADERS && req->headers[i]; i++)
        if (strncasecmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':')
            return true;
    return false;
}

/* The request headers as a curl list; *ok is 0 when memory ran out. */
static struct curl_slist *headers_make(const struct oa_http_request *req, int *ok)
{
    struct curl_slist *list = NULL, *t;

    *ok = 1;
    if (!has_header(req, "Accept")) {
        list = cu->slist_append(NULL, "Accept: application/json");
        if (!list)
            goto fail;
    }
    for (size_t i = 0; i < OA_HTTP_MAX_HEADERS && req->headers[i]; i++) {
        if (strpbrk(req->headers[i], "\r\n"))
            continue; /* never let a value inject a header */
        t = cu->slist_append(list, req->headers[i]);
        if (!t)
            goto fail;
        list = t;
    }
    return list;
fail:
    cu->slist_free_all(list);
    *ok = 0;
    return NULL;
}

/* Sets the policy options; 0 on success, else the curl code. */
static CURLcode policy_set(CURL *h, const struct oa_http_opts *opts)
{
    long timeout =
        opts && opts->timeout_ms > 0 ? (long)opts->timeout_ms : OA_HTTP_TIMEOUT_DEFAULT_MS;
    const char *protos = opts && opts->allow_http ? "https,http" : "https";
    CURLcode rc = CURLE_OK;

    rc |= cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, protos);
    rc |= cu->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protos);
    rc |= cu->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= cu->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= cu->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    rc |= cu->easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (opts && opts->ca_file)
        rc |= cu->easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
    rc |= cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    rc |= cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    rc |= cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc |= cu->easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OA_HTTP_BODY_MAX);
    rc |= cu->easy_setopt(h, CURLOPT_USERAGENT, "oauth2-fcgi/" PACKAGE_VERSION);
    rc |= cu->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    return rc;
}

static CURLcode request_set(CURL *h, const struct oa_http_request *req)
{
    CURLcode rc = CURLE_OK;

    rc |= cu->easy_setopt(h, CURLOPT_URL, req->url);
    if (req->method && strcmp(req->method, "POST") == 0) {
        rc |= cu->easy_setopt(h, CURLOPT_POST, 1L);
        rc |= cu->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        rc |= cu->easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    } else {
        rc |= cu->easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (req->basic_user) {
        rc |= cu->easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        rc |= cu->easy_setopt(h, CURLOPT_USERNAME, req->basic_user);
        rc |= cu->easy_setopt(h, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
    }
    return rc;
}

/* Copies the answer's status, Content-Type and Link into resp. */
static enum oa_err answer_take(CURL *h, struct oa_buf *body, struct oa_http_response *resp,
                               struct oa_error *err)
{
    char *ct = NULL;
    struct curl_header *link = NULL, *cc = NULL;

    cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    cu->easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    if (ct && !(resp->content_type = strdup(ct)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    if (cu->easy_header(h, "Link", 0, CURLH_HEADER, -1, &link) == CURLHE_OK && link->value &&
        !(resp->link = strdup(link->value)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    if (cu->easy_header(h, "Cache-Control", 0, CURLH_HEADER, -1, &cc) == CURLHE_OK && cc->value &&
        !(resp->cache_control = strdup(cc->value)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    resp->body_len = body->len;
    if (!(resp->body = oa_buf_steal(body)))
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    return OA_OK;
}

static enum oa_err curl_send(void *ctx, const struct oa_http_opts *opts,
                             const struct oa_http_request *req, struct oa_http_response *resp,
                             struct oa_error *err)
{
    char host[OA_HTTP_HOST_MAX];
    struct oa_buf s;
    struct curl_slist *hdrs;
    const char *why;
    enum oa_err e = OA_OK;
    CURLcode rc;
    CURL *h;
    int ok;

    memset(resp, 0, sizeof(*resp));
    oa_buf_init(&s, OA_HTTP_BODY_MAX);
    url_host(host, sizeof(host), req->url);
    if (!req->url || (req->method && strcmp(req->method, "GET") && strcmp(req->method, "POST")))
        return oa_error_set(err, OA_ERR_INTERNAL, "HTTP request to %s: bad method or URL", host);
    if (!handle_ready(&why))
        return oa_error_set(err, OA_ERR_INTERNAL, "HTTP request to %s: %s", host, why);
    h = handle_get();
    if (!h)
        return oa_error_set(err, OA_ERR_NOMEM, "HTTP request to %s: no curl handle", host);
    hdrs = headers_make(req, &ok);
    if (!ok)
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    rc = policy_set(h, opts);
    rc |= request_set(h, req);
    rc |= cu->easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    rc |= cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    rc |= cu->easy_setopt(h, CURLOPT_WRITEDATA, &s);
    if (rc != CURLE_OK) {
        e = oa_error_set(err, OA_ERR_INTERNAL, "HTTP request to %s: curl setup failed", host);
        goto out;
    }
    rc = cu->easy_perform(h);
    if (oa_buf_error(&s) == OA_ERR_TOO_LARGE || rc == CURLE_FILESIZE_EXCEEDED)
        e = oa_error_set(err, OA_ERR_TOO_LARGE, "HTTP answer from %s: over %d bytes", host,
                         OA_HTTP_BODY_MAX);
    else if (rc != CURLE_OK)
        e = oa_error_set(err, OA_ERR_PROVIDER, "HTTP request to %s failed: %s", host,
                         cu->easy_strerror(rc));
    else
        e = answer_take(h, &s, resp, err);
out:
    /* the handle must not keep pointers into this call's memory */
    cu->easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    cu->easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    cu->slist_free_all(hdrs);
    oa_buf_free(&s);
    if (e != OA_OK)
        oa_http_response_free(resp);
    return e;
}

const struct oa_http_ops oa_http_curl = {curl_send, NULL};

void oa_http_global_cleanup(void)
{
    oa_curl_cleanup();
}

void oa_http_response_free(struct oa_http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->content_type);
    free(resp->link);
    free(resp->cache_control);
    memset(resp, 0, sizeof(*resp));
}

void oa_http_opts_from_config(struct oa_http_opts *opts, const struct oa_config *cfg)
{
    memset(opts, 0, sizeof(*opts));
    if (!cfg)
        return;
    opts->timeout_ms = cfg->http.timeout_ms;
    opts->ca_file = cfg->http.ca_file;
    opts->allow_http = cfg->allow_http_redirect;
}

enum oa_err oa_json_parse_object(json_t **out, const char *body, size_t len, const char *what,
                                 struct oa_error *err)
{
    json_error_t jerr;
    json_t *j;

    *out = NULL;
    if (len > OA_HTTP_BODY_MAX)
        return oa_error_set(err, OA_ERR_TOO_LARGE, "%s: over %d bytes", what, OA_HTTP_BODY_MAX);
    if (!body || memchr(body, '\0', len))
        return oa_error_set(err, OA_ERR_BAD_INPUT, "%s: not JSON", what);
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return oa_error_set(err, OA_ERR_BAD_INPUT, "%s: bad JSON at line %d column %d", what,
                            jerr.line, jerr.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return oa_error_set(err, OA_ERR_BAD_INPUT, "%s: not a JSON object", what);
    }
    *out = j;
    return OA_OK;
}

enum oa_err oa_http_json(json_t **out, long *status, char **link, const struct oa_http_ops *ops,
                         const struct oa_http_opts *opts, const struct oa_http_request *req,
                         struct oa_error *err)
{
    struct oa_http_response resp = {0};
    char host[OA_HTTP_HOST_MAX], what[OA_HTTP_HOST_MAX + 64];
    enum oa_err e;

    *out = NULL;
    *status = 0;
    if (link)
        *link = NULL;
    e = ops->send(ops->ctx, opts, req, &resp, err);
    if (e != OA_OK)
        return e;
    *status = resp.status;
    url_host(host, sizeof(host), req->url);
    snprintf(what, sizeof(what), "answer from %s (HTTP %ld)", host, resp.status);
    e = oa_json_parse_object(out, resp.body, resp.body_len, what, err);
    if (e == OA_ERR_BAD_INPUT)
        e = err ? (err->code = OA_ERR_PROVIDER) : OA_ERR_PROVIDER;
    if (e == OA_OK && link) {
        *link = resp.link;
        resp.link = NULL;
    }
    oa_http_response_free(&resp);
    return e;
}
