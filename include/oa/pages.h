/*
 * pages.h - the HTML (or JSON) pages: sign-in and errors (DESIGN.md 3, 8).
 */
#ifndef OA_PAGES_H
#define OA_PAGES_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/request.h"
#include "oa/response.h"

/* Replaces r's headers and body with an error answer: status, a short
 * reason a user can act on (escaped), HTML or JSON by Accept. */
void oa_page_error(struct oa_response *r, const struct oa_request *req, int status,
                   const char *reason);

/* The same with the way forward: a "Start again" button linking to again
 * (a URL made by the caller, e.g. oa_page_again_url; escaped here); NULL:
 * no button. JSON clients get the JSON error alone. */
void oa_page_error_again(struct oa_response *r, const struct oa_request *req, int status,
                         const char *reason, const char *again);

/* Where a failed sign-in starts again: <base_path>/sign_in?rd=<rd> when
 * rd is known (the sign-in page checks it again), else <base_path>/ (the
 * sign-in page too). New string (caller frees), NULL without memory. */
char *oa_page_again_url(const struct oa_config *cfg, const char *rd);

/* The sign-in page: one button per provider, each a link to its login
 * carrying rd (validated again by login). */
enum oa_err oa_page_sign_in(struct oa_response *r, const struct oa_config *cfg,
                            const struct oa_request *req, const char *rd) OA_WUR;

/* --- added by core (handler/authorizer/endpoints) --- */

/* What a body is, for oa_page_headers(). */
enum oa_page_kind {
    OA_PAGE_HTML = 0, /* text/html, CSP allowing only the pages' own inline style */
    OA_PAGE_JSON,     /* application/json */
    OA_PAGE_TEXT,     /* text/plain */
    OA_PAGE_NONE      /* no body: no Content-Type */
};

/* Adds Content-Type (for kind), Cache-Control: no-store, X-Content-Type-
 * Options: nosniff, Referrer-Policy: no-referrer and a Content-Security-
 * Policy (default-src 'none', frame-ancestors 'none'; HTML: style-src with
 * the hash of the pages' style sheet). OA_ERR_TOO_LARGE when r is full. */
enum oa_err oa_page_headers(struct oa_response *r, enum oa_page_kind kind) OA_WUR;

/* oa_page_error that always answers JSON {"error": reason, "status": N}
 * (for /userinfo, whose clients are scripts). */
void oa_page_error_json(struct oa_response *r, int status, const char *reason);

/* 403 page naming the signed-in user (escaped), with a sign-out link under
 * cfg's base_path; JSON for JSON clients. */
void oa_page_forbidden(struct oa_response *r, const struct oa_config *cfg,
                       const struct oa_request *req, const char *user);

/* A 302 Found to location (added through the header writer) with a small
 * HTML body linking to it. OA_ERR_BAD_INPUT when location is refused by
 * the header writer (then r is a 500 error page). */
enum oa_err oa_page_redirect(struct oa_response *r, const struct oa_request *req,
                             const char *location) OA_WUR;

/* cfg's base_path for building URLs: "" for the root, else "/oauth"-like
 * (never a trailing slash). Borrowed. */
const char *oa_base_path(const struct oa_config *cfg);

/* The sign-out confirmation (logout CSRF): asks "Sign out?" with a form
 * that POSTs rd (validated here again) to <base_path>/logout and a link
 * back to rd; nothing secret in it. 200, not framable; its CSP lets the
 * form post to us and follow the redirect to form_origin (the provider's
 * end-session origin, or NULL); Referrer-Policy same-origin so that an old
 * browser's POST without Origin still names us. */
enum oa_err oa_page_logout_confirm(struct oa_response *r, const struct oa_config *cfg,
                                   const struct oa_request *req, const char *rd,
                                   const char *form_origin) OA_WUR;

#endif
