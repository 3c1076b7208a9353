/*
 * explain.h - --explain METHOD URL (oauth2-fcgi(8)): which access rule
 * decides for a request, under which reading of its path, and the answer
 * each web server would get, without a web server.
 */
#ifndef OA_EXPLAIN_H
#define OA_EXPLAIN_H

#include <stdio.h>

#include "oa/config.h"

/* Who asks: email NULL for a request without a session; else a session for
 * that email is sealed in memory with the config's key. */
struct oa_explain_who {
    const char *email;
    const char *groups;   /* comma-separated, or NULL */
    const char *provider; /* a configured provider's name; NULL: the first */
};

/* Runs the real decision (oa_authorizer_answer for lighttpd/Apache,
 * oa_endpoint_auth for nginx) for METHOD URL as who, and prints to out
 * what decided and both answers. URL: http(s)://HOST[:PORT]/PATH[?QUERY]
 * or /PATH[?QUERY] (then the host of public_url). 0 when explained, 2 on
 * a bad argument (said on stderr), 1 on another failure. */
int oa_explain(const struct oa_config *cfg, const char *method, const char *url,
               const struct oa_explain_who *who, FILE *out);

#endif
