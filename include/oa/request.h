/*
 * request.h - what the core knows of one request.
 *
 * The FastCGI/CGI edge (fcgi/) fills it from the params; tests fill it by
 * hand. Every pointer is borrowed from the edge and NULL when the param is
 * absent. The core never reads stdin: a responder's body (POST) is read by
 * the edge, capped, and handed in here; an authorizer never has one.
 */
#ifndef OA_REQUEST_H
#define OA_REQUEST_H

#include <stddef.h>
#include <stdint.h>

enum oa_role {
    OA_ROLE_RESPONDER = 0, /* FCGI_ROLE=RESPONDER or plain CGI */
    OA_ROLE_AUTHORIZER     /* FCGI_ROLE=AUTHORIZER */
};

/* Cap on a responder body the edge reads (Apple's form_post is small). */
#define OA_REQUEST_BODY_MAX (64 * 1024)

struct oa_request {
    enum oa_role role;
    const char *method;                /* REQUEST_METHOD */
    const char *request_uri;           /* REQUEST_URI, raw (path?query) */
    const char *script_name;           /* SCRIPT_NAME */
    const char *path_info;             /* PATH_INFO */
    const char *query_string;          /* QUERY_STRING */
    const char *host;                  /* HTTP_HOST */
    const char *https;                 /* HTTPS ("on"/"1" when TLS) */
    const char *scheme;                /* REQUEST_SCHEME, if the server sets it */
    const char *server_port;           /* SERVER_PORT */
    const char *cookie;                /* HTTP_COOKIE */
    const char *accept;                /* HTTP_ACCEPT */
    const char *content_type;          /* CONTENT_TYPE */
    const char *sec_fetch_mode;        /* HTTP_SEC_FETCH_MODE */
    const char *sec_fetch_dest;        /* HTTP_SEC_FETCH_DEST */
    const char *x_requested_with;      /* HTTP_X_REQUESTED_WITH */
    const char *redirect_status;       /* REDIRECT_STATUS (Apache ErrorDocument) */
    const char *redirect_url;          /* REDIRECT_URL */
    const char *redirect_query_string; /* REDIRECT_QUERY_STRING */
    const char *remote_addr;           /* REMOTE_ADDR, for log lines only */
    const char *sec_fetch_site;        /* HTTP_SEC_FETCH_SITE (logout: who asked) */
    const char *origin;                /* HTTP_ORIGIN */
    const char *referer;               /* HTTP_REFERER */
    const char *authorization;         /* HTTP_AUTHORIZATION (a bearer token: bearer.h) */
    /* The URI the server will serve when it is not REQUEST_URI (a rewrite):
     * the authorizer checks both (doc/DESIGN.md section 4). */
    const char *served_uri;  /* REDIRECT_URI (lighttpd: the rewritten target, raw) */
    const char *served_path; /* OAUTH2_FCGI_PATH (a decoded path: nginx $uri) */
    const char *body;        /* responder POST body, NUL-terminated, or NULL */
    size_t body_len;
    int64_t now; /* seconds since the epoch, set by the edge (tests pin it) */
};

#endif
