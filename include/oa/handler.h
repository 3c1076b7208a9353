/*
 * handler.h - the core's one entry point: a request in, a response out.
 */
#ifndef OA_HANDLER_H
#define OA_HANDLER_H

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/runtime.h"

/* Answers req into r (r initialised by the caller with oa_response_init;
 * freed by the caller). cfg and rt (the run-time state beside it: provider
 * caches, transport; runtime.h) are borrowed from the edge. Always leaves a
 * complete answer in r, an error page when something failed, and returns
 * the code of what failed (OA_OK when the request was served as intended)
 * for the edge's log line. */
enum oa_err oa_handle(const struct oa_config *cfg, struct oa_runtime *rt,
                      const struct oa_request *req, struct oa_response *r);

#endif
