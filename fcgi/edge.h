/*
 * edge.h - one request through the edge: params in, struct oa_request
 * filled, the core's oa_handle() called, the answer written back and the
 * operator's line logged.
 *
 * The same code serves a FastCGI request (libfcgi's params and streams) and
 * a plain CGI request (environ, stdin, stdout) through struct oa_edge_io.
 */
#ifndef OA_EDGE_H
#define OA_EDGE_H

#include <stddef.h>

#include "oa/config.h"
#include "oa/runtime.h"

struct FCGX_Request;

/* Where a request's params, body and answer live. */
struct oa_edge_io {
    /* The params: NAME=value strings, NULL-terminated (borrowed, valid
     * for the request). */
    char *const *envp;
    /* Reads exactly n bytes unless the input ends first; returns the
     * number read, or -1 on error. Never called for an authorizer. */
    long (*read)(void *ctx, char *buf, size_t n);
    /* Writes n bytes of the answer; 0 on success. */
    int (*write)(void *ctx, const char *p, size_t n);
    void *ctx;
};

/* Serves one request from io. Returns 0 when the answer was written, -1
 * when it could not be (the client went away; logged at debug). */
int oa_edge_serve(const struct oa_config *cfg, struct oa_runtime *rt, const struct oa_edge_io *io);

/* One accepted FastCGI request (the caller accepts and finishes it). */
int oa_edge_serve_fcgx(const struct oa_config *cfg, struct oa_runtime *rt,
                       struct FCGX_Request *req);

/* One CGI request from the environment, stdin and stdout. */
int oa_edge_serve_cgi(const struct oa_config *cfg, struct oa_runtime *rt);

#endif
