/*
 * endpoint_metrics.c - <base_path>/metrics through the web server
 * (DESIGN.md section 13). Off unless metrics.allow names the clients that
 * may read it: without it the address does not exist (404), so a fresh
 * set-up shows nothing; a client outside it (REMOTE_ADDR, as the web server
 * saw it) gets 403. The text is the sum of every process that counts into
 * the same block (metrics.h).
 */
#include "oa/endpoints.h"
#include "oa/metrics.h"
#include "oa/pages.h"

enum oa_err oa_endpoint_metrics(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req)
{
    enum oa_err e;

    if (!cfg->metrics.nnets) {
        oa_page_error(r, req, 404, "There is nothing at this address.");
        return OA_ERR_NOT_FOUND;
    }
    if (!oa_cidr_match(cfg->metrics.nets, cfg->metrics.nnets, req->remote_addr)) {
        oa_page_error(r, req, 403, "You may not see this page.");
        oa_response_log(r, OA_LOG_INFO, "metrics: refused client %.64s (not in metrics.allow)",
                        req->remote_addr ? req->remote_addr : "(no REMOTE_ADDR)");
        return OA_ERR_DENIED;
    }
    oa_response_reset(r);
    e = oa_metrics_render(&r->body, cfg);
    if (e == OA_OK)
        e = oa_page_headers(r, OA_PAGE_NONE);
    if (e == OA_OK)
        e = oa_response_header(r, "Content-Type", OA_METRICS_CONTENT_TYPE);
    if (e != OA_OK) {
        oa_page_error(r, req, 500, "Something went wrong on our side. Please try again.");
        return e;
    }
    oa_response_status(r, 200);
    return OA_OK;
}
