/*
 * refresh.c - <base_path>/refresh: the session re-validated with its
 * provider and sealed again (signin.h, DESIGN.md section 14).
 * Interface only for now: answers 404.
 */
#include "oa/pages.h"
#include "oa/signin.h"

enum oa_err oa_signin_refresh(struct oa_response *r, const struct oa_config *cfg,
                              struct oa_runtime *rt, const struct oa_request *req)
{
    oa_page_error(r, req, 404, "Not found");
    return OA_ERR_NOT_FOUND;
}
