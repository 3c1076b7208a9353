/*
 * fuzz_claims.c - groups from a provider's claims (src/flow/claims.c) and
 * groups_claim paths (src/base/claim_path.c). The first line of the input
 * is a path (used when oa_claim_path_valid takes it), the rest the claims
 * JSON. What comes out must be a list a session can carry: under the
 * limits, no empty item, no comma inside a group, no control byte; a
 * refusal always says why.
 */
#include <jansson.h>

#include "fuzz.h"
#include "oa/claims.h"

static void check_list(const char *s)
{
    size_t n = 1, len = strlen(s);

    if (len > OA_CLAIMS_GROUPS_BYTES || s[0] == ',' || (len && s[len - 1] == ','))
        abort();
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
        if (s[i] == ',' && (s[i + 1] == ',' || ++n > OA_CLAIMS_GROUPS_MAX))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *paths[4] = {"groups", "realm_access.roles", "resource_access.app.roles", NULL};
    char *text = fz_str(data, size), *nl = strchr(text, '\n'), msg[256];
    const char *json = text;
    struct oa_buf out = {0};
    size_t n = 3;
    json_t *claims;
    enum oa_err e;

    if (nl) {
        *nl = '\0';
        json = nl + 1;
        if (oa_claim_path_valid(text, msg, sizeof(msg)))
            paths[n++] = text;
        else if (!msg[0])
            abort(); /* a refused path says why */
    }
    claims = json_loads(json, JSON_ALLOW_NUL, NULL);
    if (claims) {
        msg[0] = '\0';
        e = oa_claims_groups(&out, claims, paths, n, msg, sizeof(msg));
        if (e == OA_OK && out.p)
            check_list(out.p);
        if (e != OA_OK && !msg[0])
            abort();
        oa_buf_free(&out);
        json_decref(claims);
    }
    free(text);
    return 0;
}
