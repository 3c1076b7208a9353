/*
 * endpoints.h - the small responder endpoints under base_path (DESIGN.md
 * section 3): /userinfo, /auth (nginx auth_request), /logout, /health.
 * The router (src/route/handler.c) calls these after checking the method; each
 * fills r completely and returns the code for the log line.
 */
#ifndef OA_ENDPOINTS_H
#define OA_ENDPOINTS_H

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/runtime.h"

/* JSON identity of the session (provider, sub, user, email, name, groups,
 * workspaces, exp), or 401 JSON without one. */
enum oa_err oa_endpoint_userinfo(struct oa_response *r, const struct oa_config *cfg,
                                 const struct oa_request *req);

/* nginx auth_request: 200 with X-Auth-Request-User/-Email/-Groups/
 * -Preferred-Username/-Roles/-Workspaces, else 401 (no session) or 403 (rules refuse); never
 * a redirect. The rules see REQUEST_URI (nginx passes the original one). */
enum oa_err oa_endpoint_auth(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req);

/* Clears the session cookie(s) and any login state cookies, then 302 to
 * the provider's end-session URL (oa_signin_logout_url) or the validated rd
 * (query string, or the urlencoded POST body), default "/". */
enum oa_err oa_endpoint_logout(struct oa_response *r, const struct oa_config *cfg,
                               struct oa_runtime *rt, const struct oa_request *req);

/* The Prometheus text (src/route/endpoint_metrics.c): 404 without
 * metrics.allow, 403 for a REMOTE_ADDR outside it. */
enum oa_err oa_endpoint_metrics(struct oa_response *r, const struct oa_config *cfg,
                                const struct oa_request *req);

/* <base_path>/jwks: the identity token's public keys (a JWK Set,
 * Cache-Control max-age=300, never a private member); 404 JSON when
 * identity_token is off. */
enum oa_err oa_endpoint_jwks(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req) OA_WUR;
/* 200 "ok", text/plain; with the edge's word (oa_endpoint_set_health)
 * "ok\n" then its line, or 503 "unavailable\n" then its line when it
 * says this process must not take traffic yet. */
enum oa_err oa_endpoint_health(struct oa_response *r);
/* <base_path>/error: the page of an error the web server made itself,
 * reached through its ErrorDocument (contrib/apache's mod_fcgid file, for
 * every error Apache can answer after an allowed check: Apache's own error
 * answer would carry the checker's Variable-* headers to the browser,
 * DESIGN.md section 4). The status is REDIRECT_STATUS when that is an
 * error status (400 to 599; 401 goes to sign_in), else 404: nothing is at
 * this path. Any method (Apache's redirect keeps the method). */
enum oa_err oa_endpoint_error(struct oa_response *r, const struct oa_request *req);
/* The edge's word on /health (fcgi/store.c: the revocation stores):
 * appends its state to b; false while this process must not take traffic
 * (its shared revocation list never loaded: a balancer drops the node
 * rather than have it fail open). NULL: "ok" alone. Set before threads. */
typedef bool (*oa_health_fn)(struct oa_buf *b);
void oa_endpoint_set_health(oa_health_fn fn);

#endif
