/*
 * redirect.h - the one return-target validator (DESIGN.md section 7), used
 * by every redirect: login rd, logout rd, ErrorDocument REDIRECT_URL.
 */
#ifndef OA_REDIRECT_H
#define OA_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/config.h"
#include "oa/request.h"

/* True when target (already query-decoded once) is a same-origin path, or
 * an https URL (http only when the origin is http) on the own host or an
 * allowed_redirect_hosts entry, default port only, no userinfo. The own
 * host is public_url's, else the request's Host. */
/* True when the request came over TLS: HTTPS=on/1 or REQUEST_SCHEME=https.
 * The one answer to that question for every origin the program builds or
 * compares (redirect targets, sign-in URLs, callback URLs, logout CSRF). */
bool oa_request_https(const struct oa_request *req);
/* Is host (n bytes, a name without port) named in allowed_redirect_hosts
 * by an exact entry? A "*.example.com" entry names no host: it lets
 * redirects go under a domain, it does not say that every name there is
 * one application (the identity token's audience, identity_token.c). */
bool oa_redirect_host_named(const struct oa_config *cfg, const char *host, size_t n);

bool oa_redirect_ok(const struct oa_config *cfg, const struct oa_request *req, const char *target);

/* oa_redirect_ok() without libcurl's second opinion on an absolute URL
 * (which loads libcurl): for a target that is only passed on as the rd of
 * our own sign-in endpoints, which check it with oa_redirect_ok() before
 * redirecting to it (the authorizer's answers). */
bool oa_redirect_passable(const struct oa_config *cfg, const struct oa_request *req,
                          const char *target);

/* target when oa_redirect_ok(), else "/". Borrowed (target or static). */
const char *oa_redirect_or_default(const struct oa_config *cfg, const struct oa_request *req,
                                   const char *target);

#endif
