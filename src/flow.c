/*
 * flow.c - placeholder until the provider flows land: login and callback
 * answer a clear 501-style error page instead of pretending.
 */
#include <stddef.h>

#include "oa/flow.h"
#include "oa/pages.h"

enum oa_err oa_flow_login(struct oa_response *r, const struct oa_config *cfg,
                          const struct oa_request *req, const struct oa_provider *p)
{
    oa_page_error(r, req, 500, "Sign-in with this provider is not available yet.");
    return OA_ERR_INTERNAL;
}

enum oa_err oa_flow_callback(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_provider *p)
{
    oa_page_error(r, req, 500, "Sign-in with this provider is not available yet.");
    return OA_ERR_INTERNAL;
}

char *oa_flow_logout_url(const struct oa_config *cfg, const struct oa_request *req,
                         const char *provider_name, const char *rd)
{
    return NULL;
}
