/*
 * jwt_sign.c - the ES256 JWT that Sign in with Apple wants as client_secret
 * (DESIGN.md section 6): header {alg ES256, kid}, claims iss=team_id, iat,
 * exp (at most six months later), aud=https://appleid.apple.com,
 * sub=client_id, signed with the .p8 key.
 *
 * sign_key.c reads the PKCS#8 PEM and makes the compact JWS (raw R||S
 * signature, as JWS requires), as it does for the identity token: one
 * ES256 signer in the program.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/crypto.h"
#include "oa/jwt.h"
#include "oa/sign_key.h"

#define OA_APPLE_AUD "https://appleid.apple.com"
#define OA_APPLE_LIFETIME_MAX 15777000 /* Apple's limit: six months */

#define OA_APPLE_SECRET_MAX 2048

enum oa_err oa_jwt_apple_secret(char **out, const char *pem, size_t pem_len, const char *key_id,
                                const char *team_id, const char *client_id, int64_t now,
                                int64_t lifetime, struct oa_error *err)
{
    struct oa_sign_key k;
    char jws[OA_APPLE_SECRET_MAX];
    json_t *claims;
    char *text;
    enum oa_err e = OA_ERR_CRYPTO;

    *out = NULL;
    if (!pem || !key_id || !*key_id || !team_id || !*team_id || !client_id || !*client_id)
        return oa_error_set(err, OA_ERR_CONFIG, "apple-id: team_id, key_id and client_id needed");
    if (lifetime <= 0 || lifetime > OA_APPLE_LIFETIME_MAX || now <= 0 || now > OA_JWT_TIME_MAX)
        return oa_error_set(err, OA_ERR_CONFIG, "apple-id: client secret lifetime out of range");
    if (oa_sign_key_from_pem(&k, pem, pem_len) != OA_OK || k.alg != OA_SIGN_ES256) {
        oa_sign_key_free(&k);
        return oa_error_set(err, OA_ERR_CONFIG,
                            "apple-id: private_key_file is not an EC P-256 "
                            "private key (PEM, PKCS#8)");
    }
    claims = json_pack("{s:s, s:I, s:I, s:s, s:s}", "iss", team_id, "iat", (json_int_t)now, "exp",
                       (json_int_t)(now + lifetime), "aud", OA_APPLE_AUD, "sub", client_id);
    text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    if (text)
        e = oa_jws_sign(jws, sizeof(jws), &k, key_id, NULL, text, strlen(text));
    if (e == OA_OK && !(*out = strdup(jws)))
        e = OA_ERR_NOMEM;
    free(text);
    json_decref(claims);
    oa_sign_key_free(&k);
    if (!*out)
        return oa_error_set(err, OA_ERR_CRYPTO, "apple-id: signing the client secret failed");
    return OA_OK;
}
