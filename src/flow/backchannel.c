/*
 * backchannel.c - OpenID Connect Back-Channel Logout 1.0 at
 * <base_path>/<provider>/backchannel-logout (signin.h, DESIGN.md
 * section 14). Interface only for now: answers 404.
 */
#include "oa/pages.h"
#include "oa/signin.h"

enum oa_err oa_signin_backchannel_logout(struct oa_response *r, const struct oa_config *cfg,
                                         struct oa_runtime *rt, const struct oa_request *req,
                                         const struct oa_provider *p)
{
    oa_page_error(r, req, 404, "Not found");
    return OA_ERR_NOT_FOUND;
}
