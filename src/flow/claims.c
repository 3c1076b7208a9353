/*
 * claims.c - groups from an OpenID provider's claims by path
 * (groups_claim), the way Keycloak (realm_access.roles,
 * resource_access.<client>.roles), Cognito (cognito:groups), Auth0
 * (namespaced "https://..." claims) and plain "groups" providers put them.
 *
 * The claims come from the provider, so they are judged, never trusted to
 * be small or well-shaped: a value that is not a string or an array of
 * strings, or more groups than a session cookie can carry, refuses the
 * sign-in with a message naming the claim: never a list cut short. Only a
 * group name the comma-separated list cannot carry (empty, a comma, a
 * control byte, a space first or last) is left out, as identity_draft.c
 * does for every provider: that only ever takes access away.
 */
#include <stdio.h>
#include <string.h>

#include "oa/claim_path.h"
#include "oa/claims.h"
#include "oa/flow.h"

json_t *oa_claim_at(json_t *claims, const char *path, size_t *not_object)
{
    char seg[OA_CLAIM_PATH_MAX + 1];
    const char *why = NULL;
    json_t *v = claims;
    size_t depth = 0;

    if (not_object)
        *not_object = 0;
    while (v && *path) {
        if (!(path = oa_claim_path_next(path, seg, sizeof(seg), &why)))
            return NULL;
        if (!json_is_object(v)) {
            if (not_object)
                *not_object = depth;
            return NULL;
        }
        v = json_object_get(v, seg);
        depth++;
    }
    return v;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* The groups gathered so far: borrowed strings of the claims, each once. */
struct groups {
    const char *v[OA_CLAIMS_GROUPS_MAX]; /* 16 KiB: fine on a thread's stack */
    size_t n, bytes;
};

#define FAIL(code, ...) (snprintf(msg, cap, __VA_ARGS__), (code))

/* Adds one group of the claim at path (unless already there). */
static enum oa_err add_group(struct groups *g, const json_t *s, const char *path, char *msg,
                             size_t cap)
{
    const char *v = json_string_value(s);
    size_t len;

    if (!v)
        return FAIL(OA_ERR_PROVIDER, "claim '%s' holds %s where a group name (a string) was due",
                    path, json_kind(s));
    len = json_string_length(s);
    if (len > OA_CLAIMS_GROUP_LEN_MAX)
        return FAIL(OA_ERR_TOO_LARGE, "claim '%s' holds a group name over %d bytes", path,
                    OA_CLAIMS_GROUP_LEN_MAX);
    if (!oa_identity_group_ok(v, len))
        return OA_OK; /* a name the list cannot carry is left out (flow.h) */
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->v[i], v))
            return OA_OK;
    if (g->n == OA_CLAIMS_GROUPS_MAX)
        return FAIL(OA_ERR_TOO_LARGE,
                    "claim '%s' brings more than %d groups, more than a sign-in may bring", path,
                    OA_CLAIMS_GROUPS_MAX);
    g->bytes += len + (g->n ? 1 : 0);
    if (g->bytes > OA_CLAIMS_GROUPS_BYTES)
        return FAIL(OA_ERR_TOO_LARGE,
                    "claim '%s' brings groups over %d bytes in all, more than a sign-in may "
                    "bring",
                    path, OA_CLAIMS_GROUPS_BYTES);
    g->v[g->n++] = v;
    return OA_OK;
}

static enum oa_err add_claim(struct groups *g, json_t *claims, const char *path, char *msg,
                             size_t cap)
{
    size_t not_object, i;
    json_t *v = oa_claim_at(claims, path, &not_object), *item;
    enum oa_err e = OA_OK;

    if (not_object)
        return FAIL(OA_ERR_PROVIDER,
                    "claim '%s' cannot be followed: the value at its name %zu is not an object",
                    path, not_object);
    if (!v || json_is_null(v))
        return OA_OK; /* no such claim: no groups from it */
    if (json_is_string(v))
        return add_group(g, v, path, msg, cap);
    if (!json_is_array(v))
        return FAIL(OA_ERR_PROVIDER, "claim '%s' is %s, not a string or an array of strings", path,
                    json_kind(v));
    if (json_array_size(v) > OA_CLAIMS_ARRAY_MAX)
        return FAIL(OA_ERR_TOO_LARGE, "claim '%s' brings %zu groups, more than a sign-in may bring",
                    path, json_array_size(v));
    json_array_foreach(v, i, item)
    {
        if ((e = add_group(g, item, path, msg, cap)))
            break;
    }
    return e;
}

enum oa_err oa_claims_groups(struct oa_buf *out, json_t *claims, const char *const *paths,
                             size_t npaths, char *msg, size_t cap)
{
    struct groups g;
    enum oa_err e;

    g.n = g.bytes = 0;
    if (cap)
        msg[0] = '\0';
    for (size_t i = 0; i < npaths; i++)
        if ((e = add_claim(&g, claims, paths[i], msg, cap)))
            return e;
    for (size_t i = 0; i < g.n; i++) {
        if (out->len)
            oa_buf_append(out, ",", 1);
        oa_buf_puts(out, g.v[i]);
    }
    if ((e = oa_buf_error(out)))
        return FAIL(e, "out of memory");
    return OA_OK;
}

enum oa_err oa_claims_provider_groups(struct oa_buf *out, const struct oa_provider *p,
                                      json_t *claims, char *msg, size_t cap)
{
    static const char *const cognito[] = {"cognito:groups"}, *const plain[] = {"groups"};

    if (p->groups_claim.n)
        return oa_claims_groups(out, claims, (const char *const *)p->groups_claim.v,
                                p->groups_claim.n, msg, cap);
    return oa_claims_groups(out, claims, p->kind == OA_PROVIDER_COGNITO ? cognito : plain, 1, msg,
                            cap);
}
