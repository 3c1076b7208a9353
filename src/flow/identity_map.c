/*
 * identity_map.c - workspaces, roles and the kept groups of a new identity
 * (identity_map.h). Step 0: the global allowed_workspaces, no roles, every
 * group kept, until the roles: and workspaces: maps are read.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/buf.h"
#include "oa/identity_map.h"

static char *joined(const struct oa_strlist *l)
{
    struct oa_buf b = {0};
    size_t i;

    for (i = 0; i < l->n; i++) {
        if (i)
            oa_buf_append(&b, ",", 1);
        oa_buf_puts(&b, l->v[i]);
    }
    return oa_buf_steal(&b); /* NULL when an append failed */
}

enum oa_err oa_identity_map(struct oa_identity_mapped *out, const struct oa_config *cfg,
                            const struct oa_provider *p, const char *email, const char *groups)
{
    (void)p;
    (void)email;
    memset(out, 0, sizeof(*out));
    out->groups = strdup(groups ? groups : "");
    out->workspaces = joined(&cfg->workspaces);
    out->roles = strdup("");
    if (out->groups && out->workspaces && out->roles)
        return OA_OK;
    oa_identity_mapped_free(out);
    return OA_ERR_NOMEM;
}

void oa_identity_mapped_free(struct oa_identity_mapped *m)
{
    free(m->groups);
    free(m->workspaces);
    free(m->roles);
    memset(m, 0, sizeof(*m));
}
