/*
 * signin.h - the provider flows behind /<base_path>/<provider>/login and
 * /<base_path>/<provider>/callback (DESIGN.md sections 3, 5, 6).
 * The router (src/route/handler.c) calls these; they fill r completely, an error
 * page on failure, and return the code for the log line.
 */
#ifndef OA_SIGNIN_H
#define OA_SIGNIN_H

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/runtime.h"

enum oa_err oa_signin_login(struct oa_response *r, const struct oa_config *cfg,
                            struct oa_runtime *rt, const struct oa_request *req,
                            const struct oa_provider *p);
enum oa_err oa_signin_callback(struct oa_response *r, const struct oa_config *cfg,
                               struct oa_runtime *rt, const struct oa_request *req,
                               const struct oa_provider *p);
/* <base_path>/refresh (GET/HEAD: a page load past session.refresh_after;
 * POST: a single-page app's): the session re-validated with its provider
 * and sealed again (DESIGN.md section 14). src/flow/refresh.c. */
enum oa_err oa_signin_refresh(struct oa_response *r, const struct oa_config *cfg,
                              struct oa_runtime *rt, const struct oa_request *req);
/* <base_path>/<provider>/backchannel-logout: OpenID Connect Back-Channel
 * Logout 1.0, the provider's signed logout_token revokes the sessions it
 * names (DESIGN.md section 14). src/flow/backchannel.c. */
enum oa_err oa_signin_backchannel_logout(struct oa_response *r, const struct oa_config *cfg,
                                         struct oa_runtime *rt, const struct oa_request *req,
                                         const struct oa_provider *p);
/* Where logout sends the browser after clearing the session: the provider's
 * end-session URL when it has one (new string), else NULL. */
char *oa_signin_logout_url(const struct oa_config *cfg, struct oa_runtime *rt,
                           const struct oa_request *req, const char *provider_name, const char *rd);

#endif
