/*
 * fuzz_jwt.c - the id_token, JWS and JWKS parsing (src/flow/jwt.c):
 *   - the input as a JWKS document (oa_jwks_parse);
 *   - the input as a compact token against the fixture's ES256 JWKS, as
 *     each use (an id_token, a logout token, a refreshed id_token);
 *   - the input as the JOSE header of a token (base64url-encoded here, so
 *     the fuzzer reaches the header checks);
 *   - when the input looks like a JSON object: the input as the claims of
 *     a token signed with the fixture's key, so the claim checks (iss, aud,
 *     azp, nonce, exp, iat, sub) see any claims behind a good signature.
 */
#include "fuzz.h"

#include "oa/b64url.h"
#include "oa/jwt.h"

static const char *issuers[] = {"https://idp.test", "accounts.google.com"};

/* The token verified as each use (jwt.h). Whatever the input: claims only
 * on success; a logout token has the event and no nonce; no token passes
 * both as a sign-in's id_token (nonce required) and as a logout token
 * (nonce prohibited). */
static void verify(const char *tok, size_t len, const struct oa_jwks *jwks)
{
    static const enum oa_jwt_use uses[] = {OA_JWT_ID_TOKEN, OA_JWT_LOGOUT, OA_JWT_REFRESH};
    struct oa_jwt_expect x = {issuers, 2, "cid-123", "n-0123456789", FZ_NOW, 0, OA_JWT_ID_TOKEN,
                              "x"};
    bool passed[3] = {false, false, false};
    struct oa_error err;
    json_t *claims;

    for (size_t i = 0; i < 3; i++) {
        x.use = uses[i];
        claims = NULL;
        memset(&err, 0, sizeof(err));
        if (oa_jwt_verify(&claims, tok, len, jwks, &x, &err) == OA_OK) {
            if (!json_is_object(claims))
                abort();
            if (uses[i] == OA_JWT_LOGOUT &&
                (json_object_get(claims, "nonce") ||
                 !json_is_object(json_object_get(json_object_get(claims, "events"),
                                                 OA_JWT_LOGOUT_EVENT))))
                abort();
            passed[i] = true;
            json_decref(claims);
        } else if (claims) {
            abort();
        }
    }
    if (passed[0] && passed[1])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct oa_jwks *jwks;
    static char body[64];
    struct oa_jwks *j = NULL;
    struct oa_error err;
    char *text, *tok, *enc;
    size_t cap;

    if (!jwks) {
        char *doc;

        fx_config();
        doc = fx_make_key();
        if (oa_jwks_parse(&jwks, doc, strlen(doc), &err) != OA_OK)
            abort();
        free(doc);
        if (oa_b64url_encode(body, sizeof(body), (const unsigned char *)"{\"sub\":\"x\"}", 11) !=
            OA_OK)
            abort();
    }
    if (size > OA_JWT_MAX + 16)
        return 0;
    text = fz_str(data, size);
    if (oa_jwks_parse(&j, text, size, &err) == OA_OK)
        oa_jwks_free(j);
    verify(text, size, jwks);

    /* the input as the header */
    cap = oa_b64url_len(size) + sizeof(body) + 16;
    tok = malloc(cap);
    if (!tok || oa_b64url_encode(tok, cap, data, size) != OA_OK)
        abort();
    enc = tok + strlen(tok);
    snprintf(enc, cap - (size_t)(enc - tok), ".%s.AAAA", body);
    verify(tok, strlen(tok), jwks);
    free(tok);

    /* the input as the claims behind a good signature */
    if (size && data[0] == '{' && size < 8192) {
        tok = fx_sign(text);
        verify(tok, strlen(tok), jwks);
        free(tok);
    }
    free(text);
    return 0;
}
