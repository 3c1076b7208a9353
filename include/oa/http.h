/*
 * http.h - talking to identity providers. src/net/http.c is the only file that
 * calls libcurl; everything else goes through struct oa_http_ops so tests
 * can stand in for a provider without a network.
 *
 * Policy (DESIGN.md section 6): TLS verification always on (ca_file for a
 * private CA), https only (http only with allow_http_redirect), connect and
 * total timeouts, no redirects followed, body capped at OA_HTTP_BODY_MAX,
 * Accept: application/json, a User-Agent. One curl handle per thread.
 */
#ifndef OA_HTTP_H
#define OA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "oa/err.h"

struct oa_config;

#define OA_HTTP_BODY_MAX (1024 * 1024)
#define OA_HTTP_MAX_HEADERS 8

struct oa_http_request {
    const char *method; /* "GET" or "POST" */
    const char *url;
    const char *headers[OA_HTTP_MAX_HEADERS]; /* "Name: value", NULL-terminated list */
    const char *body; /* POST body (application/x-www-form-urlencoded), or NULL */
    size_t body_len;
    const char *basic_user; /* client_secret_basic, or NULL */
    const char *basic_pass;
};

struct oa_http_response {
    long status;
    char *body; /* new, NUL-terminated; caller frees with oa_http_response_free */
    size_t body_len;
    char *content_type;  /* new or NULL */
    char *link;          /* new or NULL: the Link header (GitHub pagination) */
    char *cache_control; /* new or NULL: the Cache-Control header (a JWKS's max-age) */
};

struct oa_http_opts {
    int64_t timeout_ms;
    const char *ca_file; /* NULL: system store */
    bool allow_http;     /* allow_http_redirect: plain http provider URLs allowed */
};

/* The table tests replace. send() fills resp on any HTTP answer (any
 * status); it returns OA_ERR_PROVIDER with err's message naming the URL's
 * host and the curl error on transport failure (never a secret), or
 * OA_ERR_TOO_LARGE over the cap. */
struct oa_http_ops {
    enum oa_err (*send)(void *ctx, const struct oa_http_opts *opts,
                        const struct oa_http_request *req, struct oa_http_response *resp,
                        struct oa_error *err);
    void *ctx;
};

/* The libcurl implementation. */
extern const struct oa_http_ops oa_http_curl;

/* At exit: libcurl's global clean-up, if it was loaded (libcurl is
 * loaded at the first request, src/net/curl_load.c). */
void oa_http_global_cleanup(void);

/* Does libcurl read url as an http(s) URL of exactly this host (compared
 * case-insensitively), with no user or password? A second opinion for the
 * return-target validator (parser disagreements were CVE-2021-32786);
 * loads libcurl; false when it cannot be loaded. */
bool oa_http_url_host_is(const char *url, const char *host, size_t host_len);

/* Frees the strings in resp (not resp itself) and zeroes it; NULL is fine. */
void oa_http_response_free(struct oa_http_response *resp);

/* Fills opts from cfg->http (timeout, ca_file) and allow_http_redirect.
 * opts borrows cfg's strings. */
void oa_http_opts_from_config(struct oa_http_opts *opts, const struct oa_config *cfg);

/* Parses len bytes as one JSON object with Jansson (JSON_REJECT_DUPLICATES,
 * at most OA_HTTP_BODY_MAX bytes, no NUL inside). On success *out is new
 * (json_decref). OA_ERR_TOO_LARGE over the cap; OA_ERR_BAD_INPUT when not a
 * JSON object (what names the document in err's message, never its content). */
enum oa_err oa_json_parse_object(json_t **out, const char *body, size_t len, const char *what,
                                 struct oa_error *err) OA_WUR;

/* Sends req through ops and parses the answer's body as a JSON object,
 * whatever the status (token endpoints answer errors as JSON with 400).
 * *status gets the HTTP status; *out is new on success. Transport errors as
 * send(); OA_ERR_PROVIDER when the body is not a JSON object (message names
 * the host and the status). link (may be NULL) receives the Link header
 * (new or NULL). */
enum oa_err oa_http_json(json_t **out, long *status, char **link, const struct oa_http_ops *ops,
                         const struct oa_http_opts *opts, const struct oa_http_request *req,
                         struct oa_error *err) OA_WUR;

#endif
