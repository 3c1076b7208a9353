/*
 * runtime.c - the run-time state the edge owns beside the const config: a
 * cache per provider (provider_cache.c) and the HTTP transport.
 *
 * Why apart from the config: the config is read by every thread and never
 * written after loading; the caches change at run time under their own
 * locks. Made whole before any thread starts, so nothing is created lazily
 * and no pointer in shared memory is ever written after start-up.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/bearer.h"
#include "oa/provider_cache.h"
#include "oa/runtime.h"

enum oa_err oa_runtime_init(struct oa_runtime *rt, const struct oa_config *cfg,
                            const struct oa_http_ops *http)
{
    size_t i, n = cfg ? cfg->nproviders : 0;

    memset(rt, 0, sizeof(*rt));
    rt->http = http && http->send ? http : &oa_http_curl;
    /* bearer tokens (bearer.h): the gate's verifier, and a new config's
     * maps and audiences make the cached identities stale */
    oa_bearer_set_verifier(oa_bearer_verify);
    oa_bearer_set_http(rt->http);
    oa_bearer_cache_clear();
    if (n == 0)
        return OA_OK;
    if (!(rt->cache = calloc(n, sizeof(*rt->cache))))
        return OA_ERR_NOMEM;
    rt->ncache = n;
    for (i = 0; i < n; i++)
        if (!(rt->cache[i] = oa_provider_cache_new())) {
            oa_runtime_free(rt);
            return OA_ERR_NOMEM;
        }
    return OA_OK;
}

void oa_runtime_free(struct oa_runtime *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->ncache; i++)
        oa_provider_cache_free(rt->cache[i]);
    free(rt->cache);
    memset(rt, 0, sizeof(*rt));
}
