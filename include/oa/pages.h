/*
 * pages.h - the HTML (or JSON) pages: sign-in and errors (DESIGN.md 3, 8).
 */
#ifndef OA_PAGES_H
#define OA_PAGES_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/request.h"
#include "oa/response.h"

/* True when the client asked for JSON (Accept: application/json first, or
 * X-Requested-With / fetch without text/html). */
bool oa_wants_json(const struct oa_request *req);

/* Replaces r's headers and body with an error answer: status, a short
 * reason a user can act on (escaped), HTML or JSON by Accept. */
void oa_page_error(struct oa_response *r, const struct oa_request *req, int status,
                   const char *reason);

/* The sign-in page: one button per provider, each a link to its login
 * carrying rd (validated again by login). */
enum oa_err oa_page_sign_in(struct oa_response *r, const struct oa_config *cfg,
                            const struct oa_request *req, const char *rd) OA_WUR;

#endif
