/*
 * access.h - the config's access rules: who may pass the authorizer.
 */
#ifndef OA_ACCESS_H
#define OA_ACCESS_H

#include <stdbool.h>

#include "oa/config.h"
#include "oa/session.h"

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
