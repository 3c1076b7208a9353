/*
 * identity_draft.c - building the identity a provider vouches for, before it is
 * sealed into the session: owned strings, a comma-separated group list
 * (a group with a comma or a control byte is dropped rather than allowed
 * to forge two), and the claim shapes providers use for groups.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/flow.h"

enum oa_err oa_identity_draft_set(char **slot, const char *v)
{
    char *c;

    if (!v || !*v)
        return OA_OK;
    c = strdup(v);
    if (!c)
        return OA_ERR_NOMEM;
    free(*slot);
    *slot = c;
    return OA_OK;
}

bool oa_identity_group_ok(const char *g, size_t len)
{
    if (!g || !len || g[0] == ' ' || g[len - 1] == ' ')
        return false; /* " admin" would read admin to an application that trims */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)g[i] < 0x20 || g[i] == 0x7f || g[i] == ',')
            return false; /* NUL too: a name is never cut short */
    return true;
}

enum oa_err oa_identity_draft_group(struct oa_identity_draft *id, const char *g)
{
    if (!g || !oa_identity_group_ok(g, strlen(g)))
        return OA_OK;
    if (id->groups.len)
        oa_buf_append(&id->groups, ",", 1);
    return oa_buf_puts(&id->groups, g); /* the list's first error, if any */
}

/* A group is a string, or an object (Hugging Face's orgs): then its handle
 * (preferred_username, stable, as in the org's URL) before its display
 * name, which can change and need not be unique. */
static const char *group_name(json_t *v)
{
    const char *s = json_string_value(v);

    if (s)
        return s;
    s = json_string_value(json_object_get(v, "preferred_username"));
    if (s)
        return s;
    return json_string_value(json_object_get(v, "name"));
}

enum oa_err oa_identity_draft_groups_from(struct oa_identity_draft *id, json_t *claim)
{
    enum oa_err e = OA_OK;
    size_t i;
    json_t *v;

    if (json_is_string(claim))
        return oa_identity_draft_group(id, json_string_value(claim));
    if (!json_is_array(claim))
        return OA_OK;
    json_array_foreach(claim, i, v)
    {
        e = oa_identity_draft_group(id, group_name(v));
        if (e != OA_OK)
            break;
    }
    return e;
}

bool oa_claim_true(json_t *v)
{
    return json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
}

void oa_identity_draft_free(struct oa_identity_draft *id)
{
    free(id->issuer);
    free(id->subject);
    free(id->username);
    free(id->email);
    free(id->name);
    free(id->provider_sid);
    oa_buf_free(&id->groups);
    memset(id, 0, sizeof(*id));
}
