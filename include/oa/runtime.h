/*
 * runtime.h - what changes while the program runs, beside the read-only
 * config: each provider's cache (discovery document, JWKS, Apple's client
 * secret; src/flow/provider_cache.c) and the HTTP transport the flows talk
 * to providers through. src/flow/runtime.c.
 *
 * Owned by the edge, one per loaded config (a generation, fcgi/live.c):
 * made with its config before any request can see it (at start-up, before
 * any thread; on a reload, before the swap), passed beside the config to
 * every request (oa_handle), and freed with its config once no request
 * uses them. The core borrows it; the config stays const throughout
 * (DESIGN.md section 10).
 */
#ifndef OA_RUNTIME_H
#define OA_RUNTIME_H

#include <stddef.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/http.h"

struct oa_provider_cache;

struct oa_runtime {
    struct oa_provider_cache **cache; /* owned: cache[i] is cfg->providers[i]'s */
    size_t ncache;
    const struct oa_http_ops *http; /* borrowed: &oa_http_curl, or a test's stand-in */
};

/* Makes a cache for every provider of cfg (borrowed, must outlive rt) and
 * sets the transport: http, or &oa_http_curl when http is NULL. Call before
 * threads start; the caches lock themselves afterwards. OA_ERR_NOMEM (rt
 * left empty). */
enum oa_err oa_runtime_init(struct oa_runtime *rt, const struct oa_config *cfg,
                            const struct oa_http_ops *http) OA_WUR;
/* Frees the caches and zeroes rt; safe on a zeroed rt and twice. */
void oa_runtime_free(struct oa_runtime *rt);

#endif
