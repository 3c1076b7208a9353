/*
 * access.h - the config's access rules: who may pass the authorizer.
 */
#ifndef OA_ACCESS_H
#define OA_ACCESS_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/session.h"

/* What of the request besides its path the rules look at (methods,
 * hosts). Borrowed pointers; host is HTTP_HOST's name: port and one
 * trailing dot cut (host_len bytes, not NUL-terminated there). */
struct oa_access_req {
    const char *method; /* REQUEST_METHOD; NULL: unknown (a methods rule is skipped) */
    const char *host;
    size_t host_len; /* 0: no Host (a hosts rule is skipped) */
};

/* Fills q from REQUEST_METHOD and HTTP_HOST (either may be NULL). */
void oa_access_req_init(struct oa_access_req *q, const char *method, const char *http_host);

/* The first rule whose path matches norm_path (letters folded when fold)
 * and whose methods and hosts hold for q (q NULL: rules with methods or
 * hosts are skipped), or NULL. No allocation. */
const struct oa_access_rule *oa_access_match_req(const struct oa_config *cfg,
                                                 const struct oa_access_req *q,
                                                 const char *norm_path, bool fold);

/* True when id (NULL: no session) may see norm_path for the request q:
 * the first match as written AND the first match folded each allow: a
 * public rule allows everybody, another rule a session meeting its
 * conditions, no rule any session. *match gets the first rule as written
 * (NULL: none). */
bool oa_access_allowed_req(const struct oa_config *cfg, const struct oa_access_req *q,
                           const char *norm_path, const struct oa_identity *id,
                           const struct oa_access_rule **match);

/* True when some rule is public: true (only then can a request without a
 * session pass, and the decision reads its path). */
bool oa_access_any_public(const struct oa_config *cfg);

/* The first rule whose path is a prefix of norm_path (at a segment
 * boundary when the rule path does not end in '/'), or NULL. */
const struct oa_access_rule *oa_access_match(const struct oa_config *cfg, const char *norm_path);

/* The same with ASCII letters compared without regard to case. */
const struct oa_access_rule *oa_access_match_fold(const struct oa_config *cfg,
                                                  const char *norm_path);

/* True when id may see norm_path: for the first match as written AND the
 * first match with case folded, no rule matches, or that rule's
 * every given condition holds (emails, email_domains need a verified email
 * with exactly one '@'; groups/workspaces: any in common; providers). */
bool oa_access_allowed(const struct oa_config *cfg, const char *norm_path,
                       const struct oa_identity *id);
/* The same, and *match (not NULL) gets the first rule matching norm_path as
 * written (NULL: none), for the metrics' rule label. */
bool oa_access_allowed_match(const struct oa_config *cfg, const char *norm_path,
                             const struct oa_identity *id, const struct oa_access_rule **match);

#endif
