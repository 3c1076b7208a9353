/*
 * fuzz_bearer.c - bearer tokens (DESIGN.md section 16.1, src/gate/bearer.c,
 * src/flow/bearer_verify.c), through the real decision:
 *   - the input as the Authorization header of a protected request;
 *   - when the input looks like a JSON object: the input as the claims of
 *     a token signed with the provider's key, so the access-token checks
 *     (iss, aud, exp, nbf, iat, sub), the identity (email, groups, scopes)
 *     and the cache see any claims behind a good signature.
 * Invariants: the answer is 200, 401 or 403; a 401 carries the invalid_token
 * challenge and never a Location; a 200 only for claims whose iss is the
 * provider's and whose aud holds its api_audience.
 */
#include "fuzz.h"

#include "oa/authorizer.h"
#include "oa/bearer.h"
#include "oa/jwt.h"

#define ISS "https://idp.test"
#define AUD "https://api.test"

static struct oa_response resp;
static char header[OA_BEARER_TOKEN_MAX * 2];

static const char *get(const char *name)
{
    for (size_t i = 0; i < resp.nheaders; i++)
        if (strcasecmp(resp.headers[i].name, name) == 0)
            return resp.headers[i].value;
    return NULL;
}

static int decide(const char *authorization)
{
    struct oa_request req = {0};
    const char *tok;
    size_t n;
    int status;

    req.role = OA_ROLE_AUTHORIZER;
    req.method = "GET";
    req.request_uri = "/api/x";
    req.host = "app.example.com";
    req.accept = "text/html";
    req.now = FZ_NOW;
    req.authorization = authorization;
    oa_response_init(&resp);
    (void)oa_authorizer_answer(&fx_cfg, &req, &resp);
    if (resp.status != 200 && resp.status != 401 && resp.status != 403 && resp.status != 302)
        abort();
    if (resp.status == 302 && oa_bearer_token(authorization, &tok, &n))
        abort(); /* a bearer token is never sent to sign in */
    if (resp.status == 401 &&
        (get("Location") || !get("WWW-Authenticate") ||
         strcmp(get("WWW-Authenticate"), "Bearer error=\"invalid_token\"") != 0))
        abort();
    status = resp.status;
    oa_response_free(&resp);
    return status;
}

/* claims of a token that passed: the provider's iss, its audience in aud */
static void check_passed(const char *claims)
{
    json_t *c = json_loads(claims, JSON_REJECT_DUPLICATES, NULL), *aud = json_object_get(c, "aud");
    const char *iss = json_string_value(json_object_get(c, "iss"));
    bool found = json_is_string(aud) && strcmp(json_string_value(aud), AUD) == 0;
    size_t i;
    json_t *v;

    json_array_foreach(aud, i, v) found =
        found || (json_is_string(v) && !strcmp(json_string_value(v), AUD));
    if (!iss || strcmp(iss, ISS) != 0 || !found)
        abort();
    json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    char *text, *tok;

    if (!ready) {
        struct oa_provider *p;
        struct oa_jwks *jwks = NULL;
        struct oa_error err;
        char *doc;

        fx_config();
        p = fx_provider("corp", OA_PROVIDER_OIDC);
        p->issuer = fx_s(ISS);
        fx_strlist(&p->api_audiences, AUD, NULL);
        doc = fx_make_key();
        if (oa_jwks_parse(&jwks, doc, strlen(doc), &err) != OA_OK ||
            oa_bearer_keys_publish(ISS, jwks, NULL, FZ_NOW) != OA_OK)
            abort();
        free(doc);
        oa_bearer_set_verifier(oa_bearer_verify);
        ready = true;
    }
    if (size > OA_BEARER_TOKEN_MAX + 64)
        return 0;
    text = fz_str(data, size);
    (void)decide(text);
    if (size && text[0] == '{') {
        oa_bearer_cache_clear(); /* each input verified, not a previous one's entry */
        tok = fx_sign(text);
        snprintf(header, sizeof(header), "Bearer %s", tok);
        if (decide(header) == 200)
            check_passed(text);
        free(tok);
    }
    free(text);
    return 0;
}
