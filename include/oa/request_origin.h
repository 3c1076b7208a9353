/*
 * request_origin.h - whether a browser request comes from our own pages
 * (or from the user typing the address), for state-changing GET endpoints
 * that another site could otherwise trigger (logout CSRF).
 */
#ifndef OA_REQUEST_ORIGIN_H
#define OA_REQUEST_ORIGIN_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/request.h"

/* True when the browser says the request is ours: Sec-Fetch-Site
 * same-origin or none (typed, bookmarked); without Sec-Fetch-Site, an
 * Origin (never "null") or else a Referer of our origin (public_url, else
 * the request's Host). False for anything else, and when the request
 * carries none of the three (the safe default). No allocation. */
bool oa_request_from_us(const struct oa_config *cfg, const struct oa_request *req);

/* True when the origin slice o (scheme://host[:port], n bytes) is ours. */
bool oa_origin_is_ours(const struct oa_config *cfg, const struct oa_request *req, const char *o,
                       size_t n);

#endif
