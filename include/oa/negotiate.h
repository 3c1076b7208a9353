/*
 * negotiate.h - content negotiation: what kind of answer a request wants
 * (DESIGN.md sections 3, 4). Used by the pages (JSON or HTML), the
 * authorizer and the router (a page load or a script's call). No
 * allocation, no I/O.
 */
#ifndef OA_NEGOTIATE_H
#define OA_NEGOTIATE_H

#include <stdbool.h>

#include "oa/request.h"

/* True when the Accept header lists media type `type` (exact, case-
 * insensitive, parameters ignored) with a q other than 0. */
bool oa_accept_has(const char *accept, const char *type);
/* True when the first media range of Accept is `type` (or, for
 * "application/json", any "+json" type). */
bool oa_accept_first(const char *accept, const char *type);

/* True when the client asked for JSON (Accept: application/json first, or
 * X-Requested-With / fetch without text/html). */
bool oa_wants_json(const struct oa_request *req);

/* True for a page load: GET or HEAD, and Sec-Fetch-Mode navigate or
 * Sec-Fetch-Dest document or Accept listing text/html, and not
 * X-Requested-With: XMLHttpRequest, and Accept not starting with JSON. */
bool oa_page_load(const struct oa_request *req);

#endif
