/*
 * curl_load.h - libcurl, loaded when the first provider request needs it.
 *
 * The program is not linked against libcurl: an authorizer-only process
 * never talks to a provider, and libcurl with the libraries it pulls in
 * (GnuTLS, Kerberos, LDAP, libssh2, ...) was half of its resident memory.
 * oa_curl() dlopens the libcurl found at build time on the first call,
 * resolves the functions src/net/http.c uses, checks the version and runs
 * curl_global_init, once per process (thread-safe). Only src/net/http.c calls
 * through the table.
 */
#ifndef OA_CURL_LOAD_H
#define OA_CURL_LOAD_H

#include <curl/curl.h>
#include <stdbool.h>

struct oa_curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    curl_version_info_data *(*version_info)(CURLversion);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int,
                             struct curl_header **);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
    void (*url_cleanup)(CURLU *);
    void (*free)(void *);
};

/* The loaded libcurl (borrowed, lives until exit), or NULL when it cannot
 * be loaded, lacks a function or is older than 7.85; then, if why is not
 * NULL, *why is a static message saying which (it names the library file,
 * never anything secret). */
const struct oa_curl_api *oa_curl(const char **why);

/* Whether oa_curl() has loaded libcurl in this process (for tests and
 * --check-config); does not load it. */
bool oa_curl_loaded(void);

/* curl_global_cleanup when libcurl was loaded; the library stays mapped. */
void oa_curl_cleanup(void);

#endif
