/*
 * claims.h - groups read from an OpenID provider's claims by path
 * (groups_claim: DESIGN.md section 2, oauth2-fcgi.yml(5)).
 *
 * A path is claim names joined by '.': "groups", "realm_access.roles",
 * "resource_access.app.roles", "cognito:groups". A name may hold any
 * printable character but '.' and '\'; those two are written "\." and
 * "\\" (so the claim "https://example.com/groups" is the path
 * "https://example\.com/groups").
 */
#ifndef OA_CLAIMS_H
#define OA_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "oa/buf.h"
#include "oa/claim_path.h"
#include "oa/config.h"
#include "oa/err.h"

/* What one sign-in may bring, before the maps keep only the groups that
 * rules, maps and keep_groups name (identity_map.h): a user in 2,000 Entra
 * groups (Graph's whole answer, entra.h) must still sign in, with a small
 * cookie. The session's own bound (OA_SESSION_PLAIN_MAX) is checked on
 * what is kept. */
#define OA_CLAIMS_GROUPS_MAX 2048   /* distinct groups one sign-in may bring */
#define OA_CLAIMS_GROUP_LEN_MAX 256 /* bytes of one group's name */
/* entries one claim's array may hold (duplicates included), checked before
 * the loop: a huge array costs nothing to refuse and de-duplication stays
 * bounded (OA_CLAIMS_ARRAY_MAX x OA_CLAIMS_GROUPS_MAX comparisons) */
#define OA_CLAIMS_ARRAY_MAX (4 * OA_CLAIMS_GROUPS_MAX)
#define OA_CLAIMS_GROUPS_BYTES (128 * 1024) /* bytes of the comma-separated list */

/* The value at path in claims (borrowed from claims), or NULL when a name
 * on the way is missing. *not_object (may be NULL) is set to the depth
 * (1-based) at which a value on the way was not an object, else 0. */
json_t *oa_claim_at(json_t *claims, const char *path, size_t *not_object);

/* Appends to out (comma-separated, after what it holds) the groups at each
 * of the npaths paths: their union, each group once, in order. A missing
 * claim brings none; a name that is empty or holds a comma or a control
 * byte is left out (it cannot travel in the list). Errors, with what was
 * wrong with which claim in msg: OA_ERR_PROVIDER (a value that is not a
 * string or an array of strings), OA_ERR_TOO_LARGE
 * (more than OA_CLAIMS_GROUPS_MAX groups, a group over
 * OA_CLAIMS_GROUP_LEN_MAX bytes, a list over OA_CLAIMS_GROUPS_BYTES),
 * OA_ERR_NOMEM. On error out may hold part of the list: throw it away. */
enum oa_err oa_claims_groups(struct oa_buf *out, json_t *claims, const char *const *paths,
                             size_t npaths, char *msg, size_t cap) OA_WUR;

/* oa_claims_groups over p's groups_claim paths, or the kind's default
 * (cognito:groups for amazon-cognito, groups otherwise). */
enum oa_err oa_claims_provider_groups(struct oa_buf *out, const struct oa_provider *p,
                                      json_t *claims, char *msg, size_t cap) OA_WUR;

#endif
