/* test_cognito.c - Amazon Cognito's claims into an identity
 * (src/flow/provider_cognito.c): userInfo's shapes, email_verified as a string
 * ("false" is a non-empty string and must not verify anything),
 * cognito:username / username, cognito:groups. */
#include <stdlib.h>
#include <string.h>

#include "oa/flow.h"
#include "tap.h"

/* Maps the JSON text; the identity's strings are "" when NULL. */
static enum oa_err map(struct oa_identity_draft *id, const char *text, const char *groups_claim)
{
    json_t *j = json_loads(text, 0, NULL);
    char *paths[1] = {(char *)groups_claim}, why[256];
    struct oa_provider p = {.kind = OA_PROVIDER_COGNITO};
    enum oa_err e;

    p.groups_claim.v = paths;
    p.groups_claim.n = groups_claim ? 1 : 0;
    memset(id, 0, sizeof(*id));
    if (!j)
        return OA_ERR_BAD_INPUT;
    e = oa_cognito_claims(id, j, "https://pool.example", &p, why, sizeof(why));
    json_decref(j);
    return e;
}

static const char *s(const char *v)
{
    return v ? v : "";
}

int main(void)
{
    struct oa_identity_draft id;
    struct oa_provider p;

    ok(map(&id,
           "{\"sub\":\"s-1\",\"email\":\"a@example.com\",\"email_verified\":\"true\","
           "\"cognito:username\":\"alice\",\"username\":\"other\",\"name\":\"Alice A\","
           "\"cognito:groups\":[\"admins\",\"dev\"]}",
           NULL) == OA_OK,
       "full userInfo maps");
    is_str(s(id.subject), "s-1", "sub");
    is_str(s(id.email), "a@example.com", "email_verified \"true\": verified email");
    is_str(s(id.username), "alice", "cognito:username before username");
    is_str(s(id.name), "Alice A", "name");
    is_str(s(id.issuer), "https://pool.example", "issuer as given");
    is_str(id.groups.p ? id.groups.p : "", "admins,dev", "cognito:groups");
    oa_identity_draft_free(&id);

    ok(map(&id, "{\"sub\":\"s-2\",\"email\":\"b@example.com\",\"email_verified\":\"false\"}",
           NULL) == OA_OK,
       "email_verified \"false\" maps");
    is_str(s(id.email), "", "email_verified \"false\" (a string): no email");
    is_str(s(id.username), "s-2", "no username, no verified email: the sub");
    oa_identity_draft_free(&id);

    ok(map(&id, "{\"sub\":\"s-3\",\"email\":\"c@example.com\",\"email_verified\":\"False\"}",
           NULL) == OA_OK &&
           !id.email,
       "email_verified \"False\": no email");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-4\",\"email\":\"d@example.com\"}", NULL) == OA_OK && !id.email,
       "no email_verified: no email");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-5\",\"email\":\"e@example.com\",\"email_verified\":1}", NULL) ==
               OA_OK &&
           !id.email,
       "email_verified 1 (a number): no email");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-6\",\"email\":\"f@example.com\",\"email_verified\":true}", NULL) ==
               OA_OK &&
           id.email && !strcmp(id.email, "f@example.com"),
       "email_verified true (the id_token's boolean): email");
    is_str(s(id.username), "f@example.com", "no username: the verified email");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-7\",\"email_verified\":\"true\",\"username\":\"gus\"}", NULL) ==
               OA_OK &&
           !id.email,
       "verified but no email: none");
    is_str(s(id.username), "gus", "username when there is no cognito:username");
    oa_identity_draft_free(&id);

    ok(map(&id, "{\"email\":\"h@example.com\",\"email_verified\":\"true\"}", NULL) ==
           OA_ERR_PROVIDER,
       "no sub: refused");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"\"}", NULL) == OA_ERR_PROVIDER, "empty sub: refused");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":7}", NULL) == OA_ERR_PROVIDER, "sub not a string: refused");
    oa_identity_draft_free(&id);

    ok(map(&id, "{\"sub\":\"s-8\",\"cognito:groups\":[\"a,b\",\"c\"],\"roles\":[\"r\"]}", NULL) ==
           OA_OK,
       "groups with a comma");
    is_str(id.groups.p ? id.groups.p : "", "c", "a group with a comma is dropped");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-9\",\"cognito:groups\":[\"a\"],\"roles\":[\"r\"]}", "roles") == OA_OK,
       "groups_claim");
    is_str(id.groups.p ? id.groups.p : "", "r", "groups from groups_claim");
    oa_identity_draft_free(&id);
    ok(map(&id, "{\"sub\":\"s-10\",\"given_name\":\"Ann\",\"family_name\":\"Bee\"}", NULL) == OA_OK,
       "given and family name");
    is_str(s(id.name), "Ann Bee", "name from given_name and family_name");
    oa_identity_draft_free(&id);

    memset(&p, 0, sizeof(p));
    p.kind = OA_PROVIDER_COGNITO;
    ok(oa_cognito_userinfo_only(&p), "cognito, no issuer, no jwks_uri: userInfo");
    p.jwks_uri = (char *)"https://x/jwks";
    ok(!oa_cognito_userinfo_only(&p), "cognito with jwks_uri: id_token");
    p.jwks_uri = NULL;
    p.issuer = (char *)"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X";
    ok(!oa_cognito_userinfo_only(&p), "cognito with issuer: id_token");
    p.issuer = NULL;
    p.kind = OA_PROVIDER_OIDC;
    ok(!oa_cognito_userinfo_only(&p), "not cognito: never");
    return tap_done();
}
