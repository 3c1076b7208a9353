/*
 * provider_gitlab.c - GitLab's groups (the gitlab kind, gitlab.com or a
 * self-managed base_url; DESIGN.md section 15.1). GitLab is an OpenID
 * provider (issuer = base_url): its id_token, UserInfo and the identity
 * are provider_oidc.c's; what is GitLab's own is where the groups are:
 *   groups          UserInfo: full paths ("group", "group/subgroup") of
 *                   the groups the user is in, directly or through an
 *                   ancestor group;
 *   groups_direct   id_token: the paths of the direct memberships;
 *   https://gitlab.org/claims/groups/owner, .../maintainer,
 *   .../developer   UserInfo: the paths where the user has that role,
 *                   given here as "path:owner", "path:maintainer",
 *                   "path:developer" (a GitLab path has no ':').
 * All of them (or groups_claim's paths when set) make the groups, judged
 * as every claim is (claims.c: a bad shape or too many refuse the
 * sign-in). allowed_groups, when set, must name one of them (exactly,
 * case aside: a parent group does not take in its subgroups' members, nor
 * the other way).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oa/claims.h"
#include "oa/flow.h"

static const char *const role_claims[][2] = {
    {"https://gitlab.org/claims/groups/owner", "owner"},
    {"https://gitlab.org/claims/groups/maintainer", "maintainer"},
    {"https://gitlab.org/claims/groups/developer", "developer"},
};

#define FAIL(code, ...) (snprintf(why, cap, __VA_ARGS__), (code))

/* The role claims as one array of "path:role" into roles. */
static enum oa_err role_groups(json_t *roles, json_t *claims, char *why, size_t cap)
{
    char g[OA_CLAIMS_GROUP_LEN_MAX + 32];

    for (size_t r = 0; r < sizeof(role_claims) / sizeof(role_claims[0]); r++) {
        json_t *v = json_object_get(claims, role_claims[r][0]), *item;
        size_t i;
        if (!v || json_is_null(v))
            continue;
        if (!json_is_array(v))
            return FAIL(OA_ERR_PROVIDER, "claim '%s' is not an array of group paths",
                        role_claims[r][0]);
        if (json_array_size(v) > OA_CLAIMS_ARRAY_MAX)
            return FAIL(OA_ERR_TOO_LARGE,
                        "claim '%s' brings %zu groups, more than a sign-in may bring",
                        role_claims[r][0], json_array_size(v));
        json_array_foreach(v, i, item)
        {
            const char *s = json_string_value(item);
            if (!s)
                return FAIL(OA_ERR_PROVIDER, "claim '%s' holds something else than a group path",
                            role_claims[r][0]);
            if (!*s)
                continue;
            if ((size_t)snprintf(g, sizeof(g), "%s:%s", s, role_claims[r][1]) >= sizeof(g))
                return FAIL(OA_ERR_TOO_LARGE, "claim '%s' holds a group path over %d bytes",
                            role_claims[r][0], OA_CLAIMS_GROUP_LEN_MAX);
            if (json_array_append_new(roles, json_string(g)) != 0)
                return OA_ERR_NOMEM;
        }
    }
    return OA_OK;
}

enum oa_err oa_gitlab_groups(struct oa_buf *out, const struct oa_provider *p, json_t *claims,
                             char *why, size_t cap)
{
    static const char *const paths[] = {"groups", "groups_direct", "gitlab roles"};
    json_t *view, *roles, *g, *gd;
    enum oa_err e;

    if (cap)
        why[0] = '\0';
    if (p->groups_claim.n)
        return oa_claims_groups(out, claims, (const char *const *)p->groups_claim.v,
                                p->groups_claim.n, why, cap);
    /* a view with the two claims as they are and the roles made into
     * groups, so claims.c judges and joins all three at once */
    view = json_object();
    roles = json_array();
    e = view && roles ? OA_OK : OA_ERR_NOMEM;
    if (e == OA_OK)
        e = role_groups(roles, claims, why, cap);
    g = json_object_get(claims, "groups");
    gd = json_object_get(claims, "groups_direct");
    if (e == OA_OK && ((g && json_object_set(view, "groups", g)) ||
                       (gd && json_object_set(view, "groups_direct", gd)) ||
                       json_object_set(view, "gitlab roles", roles)))
        e = OA_ERR_NOMEM;
    if (e == OA_OK)
        e = oa_claims_groups(out, view, paths, 3, why, cap);
    json_decref(roles);
    json_decref(view);
    if (e == OA_ERR_NOMEM && cap && !why[0])
        snprintf(why, cap, "out of memory");
    return e;
}

bool oa_allowed_groups_ok(const struct oa_provider *p, const char *groups)
{
    const char *g = groups ? groups : "";

    if (!p->allowed_groups.n)
        return true;
    while (*g) {
        size_t n = strcspn(g, ",");
        for (size_t i = 0; i < p->allowed_groups.n; i++)
            if (strlen(p->allowed_groups.v[i]) == n && !strncasecmp(p->allowed_groups.v[i], g, n))
                return true;
        g += n;
        if (*g == ',')
            g++;
    }
    return false;
}

enum oa_err oa_allowed_groups_check(struct oa_flow *f, const struct oa_identity_draft *id)
{
    if (oa_allowed_groups_ok(f->p, id->groups.p))
        return OA_OK;
    f->phase = OA_MX_CAUSE_RULES;
    return oa_flow_fail(f, OA_ERR_DENIED, 403, "You are not a member of a group allowed here.",
                        "%s is in none of allowed_groups", id->username ? id->username : "?");
}
