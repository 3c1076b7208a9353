/*
 * authorizer.h - the decision made on every protected request (DESIGN.md
 * section 4), shared by FCGI_ROLE=AUTHORIZER and the /oauth/auth endpoint.
 * No allocation, no I/O.
 */
#ifndef OA_AUTHORIZER_H
#define OA_AUTHORIZER_H

#include "oa/config.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/session.h"

enum oa_decision {
    OA_DECISION_ALLOW = 0, /* valid session, rules allow */
    OA_DECISION_SIGN_IN,   /* no valid session, a page load: redirect to sign in */
    OA_DECISION_UNAUTH,    /* no valid session, an API/XHR call: 401 */
    OA_DECISION_FORBIDDEN  /* valid session, rules refuse: 403 */
};

/* Decides for req; *id points into sb when a session was read. */
enum oa_decision oa_authorize(struct oa_identity *id, struct oa_session_buf *sb,
                              const struct oa_config *cfg, const struct oa_request *req);

/* Answers an FCGI_ROLE=AUTHORIZER request into r. */
enum oa_err oa_authorizer_answer(const struct oa_config *cfg, const struct oa_request *req,
                                 struct oa_response *r);

#endif
