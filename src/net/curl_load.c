/*
 * curl_load.c - dlopens libcurl on first use and resolves the functions
 * src/net/http.c calls (see include/oa/curl_load.h for why).
 *
 * The file name comes from configure (OA_LIBCURL_SONAME, the soname the
 * build linked its check against), so the ABI the headers describe is the
 * one loaded. RTLD_LOCAL: libcurl's symbols stay out of the global scope.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "oa/curl_load.h"

#ifndef OA_LIBCURL_SONAME
#define OA_LIBCURL_SONAME "libcurl.so.4"
#endif

static struct oa_curl_api api;
static const struct oa_curl_api *loaded;
static const char *load_why = "libcurl not loaded yet";
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* Each slot of api and the libcurl symbol that fills it. */
#define SLOT(field, sym)                                                                           \
    {                                                                                              \
        offsetof(struct oa_curl_api, field), #sym                                                  \
    }
static const struct {
    size_t offset;
    const char *symbol;
} slots[] = {
    SLOT(global_init, curl_global_init),
    SLOT(global_cleanup, curl_global_cleanup),
    SLOT(version_info, curl_version_info),
    SLOT(easy_init, curl_easy_init),
    SLOT(easy_cleanup, curl_easy_cleanup),
    SLOT(easy_reset, curl_easy_reset),
    SLOT(easy_setopt, curl_easy_setopt),
    SLOT(easy_perform, curl_easy_perform),
    SLOT(easy_getinfo, curl_easy_getinfo),
    SLOT(easy_header, curl_easy_header),
    SLOT(easy_strerror, curl_easy_strerror),
    SLOT(slist_append, curl_slist_append),
    SLOT(slist_free_all, curl_slist_free_all),
    SLOT(url, curl_url),
    SLOT(url_set, curl_url_set),
    SLOT(url_get, curl_url_get),
    SLOT(url_cleanup, curl_url_cleanup),
    SLOT(free, curl_free),
};

/* Fills api from the library handle; false when a symbol is missing. */
static bool resolve(void *lib)
{
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        void *f = dlsym(lib, slots[i].symbol);

        if (!f)
            return false;
        /* POSIX guarantees a dlsym'd function pointer round-trips through
         * void *; memcpy keeps the compiler's pedantic warning quiet. */
        memcpy((char *)&api + slots[i].offset, &f, sizeof(f));
    }
    return true;
}

static void load(void)
{
    const curl_version_info_data *v;
    void *lib = dlopen(OA_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (!lib) {
        load_why = "cannot load " OA_LIBCURL_SONAME " (install libcurl4)";
        return;
    }
    if (!resolve(lib)) {
        load_why = OA_LIBCURL_SONAME " lacks a function oauth2-fcgi needs";
        return;
    }
    v = api.version_info(CURLVERSION_NOW);
    if (!v || v->version_num < 0x075500) {
        load_why = OA_LIBCURL_SONAME " is older than 7.85: install a newer libcurl4";
        return;
    }
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        load_why = "libcurl's global set-up failed";
        return;
    }
    loaded = &api;
    load_why = NULL;
}

const struct oa_curl_api *oa_curl(const char **why)
{
    pthread_once(&load_once, load);
    if (!loaded && why)
        *why = load_why;
    return loaded;
}

bool oa_curl_loaded(void)
{
    return loaded != NULL;
}

void oa_curl_cleanup(void)
{
    if (loaded)
        loaded->global_cleanup();
}
