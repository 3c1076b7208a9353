/*
 * params.h - the params the edge reads, found in one pass.
 *
 * A web server hands a request over as a list of NAME=value strings
 * (libfcgi's envp, or the CGI environment). Looking each name up with
 * FCGX_GetParam or getenv scans that list once per name: Apache's access
 * checker sends 40 and more, the edge wants 30, and the scans were a third
 * of the program's work per check (bench/README.md). oa_params_read walks
 * the list once and keeps a pointer to every value the edge wants.
 */
#ifndef OA_PARAMS_H
#define OA_PARAMS_H

/* Every param the edge reads; one list, so the names and the slots agree. */
#define OA_PARAMS(X)                                                                               \
    X(REQUEST_METHOD)                                                                              \
    X(REQUEST_URI)                                                                                 \
    X(SCRIPT_NAME)                                                                                 \
    X(PATH_INFO)                                                                                   \
    X(QUERY_STRING)                                                                                \
    X(HTTP_HOST)                                                                                   \
    X(HTTPS)                                                                                       \
    X(REQUEST_SCHEME)                                                                              \
    X(SERVER_PORT)                                                                                 \
    X(HTTP_COOKIE)                                                                                 \
    X(HTTP_ACCEPT)                                                                                 \
    X(CONTENT_TYPE)                                                                                \
    X(CONTENT_LENGTH)                                                                              \
    X(HTTP_SEC_FETCH_MODE)                                                                         \
    X(HTTP_SEC_FETCH_DEST)                                                                         \
    X(HTTP_SEC_FETCH_SITE)                                                                         \
    X(HTTP_X_REQUESTED_WITH)                                                                       \
    X(HTTP_ORIGIN)                                                                                 \
    X(HTTP_REFERER)                                                                                \
    X(HTTP_AUTHORIZATION)                                                                          \
    X(REDIRECT_STATUS)                                                                             \
    X(REDIRECT_URL)                                                                                \
    X(REDIRECT_QUERY_STRING)                                                                       \
    X(REDIRECT_URI)                                                                                \
    X(REMOTE_ADDR)                                                                                 \
    X(OAUTH2_FCGI_PATH)                                                                            \
    X(FCGI_ROLE)                                                                                   \
    X(FCGI_APACHE_ROLE)                                                                            \
    X(REQUEST_ID)                                                                                  \
    X(UNIQUE_ID)

enum oa_param {
#define OA_PARAM_ENUM(name) OA_P_##name,
    OA_PARAMS(OA_PARAM_ENUM)
#undef OA_PARAM_ENUM
        OA_P_COUNT
};

/* The value of each param (borrowed from the list it was read from), or
 * NULL when the request has none. */
struct oa_params {
    const char *v[OA_P_COUNT];
};

/* Fills p from envp (NAME=value strings, NULL-terminated; NULL is an empty
 * list). When a name comes twice the first one counts, as with getenv and
 * FCGX_GetParam; an entry without '=' is skipped. */
void oa_params_read(struct oa_params *p, char *const *envp);

#endif
