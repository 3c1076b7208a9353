/*
 * identity_map.h - what the application is told about a user beyond who
 * they are: Argilla workspaces and application roles, mapped from the
 * user's groups, email and email domain by the config's roles: and
 * workspaces: maps (global and per provider), and the groups the session
 * keeps (the ones rules and maps name, plus keep_groups) so that a user in
 * hundreds of groups still gets a small cookie (DESIGN.md section 15).
 *
 * Called wherever an identity is made: a sign-in (callback.c), a refresh
 * (refresh.c) and a bearer token. Never on the authorizer's hot path: the
 * result is sealed into the session (or cached with the token).
 */
#ifndef OA_IDENTITY_MAP_H
#define OA_IDENTITY_MAP_H

#include "oa/config.h"
#include "oa/err.h"

/* All three strings are new (oa_identity_mapped_free), never NULL on
 * success, comma-separated, "" when empty. */
struct oa_identity_mapped {
    char *groups;     /* the groups kept from the provider's list, in its order */
    char *workspaces; /* allowed_workspaces first, then the mapped ones, no repeats */
    char *roles;      /* the mapped roles, no repeats */
};

/* Maps the identity p vouched for (email may be NULL or "", groups a
 * comma-separated list or NULL) through cfg's maps. On failure (only
 * OA_ERR_NOMEM) out holds nothing to free. */
enum oa_err oa_identity_map(struct oa_identity_mapped *out, const struct oa_config *cfg,
                            const struct oa_provider *p, const char *email,
                            const char *groups) OA_WUR;
void oa_identity_mapped_free(struct oa_identity_mapped *m);

#endif
