/*
 * jwt_sign.c - the ES256 JWT that Sign in with Apple wants as client_secret
 * (DESIGN.md section 6): header {alg ES256, kid}, claims iss=team_id, iat,
 * exp (at most six months later), aud=https://appleid.apple.com,
 * sub=client_id, signed with the .p8 key.
 *
 * sign_key.c (libcrypto) reads the PKCS#8 PEM and hands us the raw P-256
 * numbers (the identity token's key file is read the same way); cjose
 * makes the JWK and the JWS (raw R||S signature, as JWS requires). The
 * private scalar is wiped as soon as cjose has its copy.
 */
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>

#include "oa/crypto.h"
#include "oa/jwt.h"
#include "oa/sign_key.h"

#define OA_APPLE_AUD "https://appleid.apple.com"
#define OA_APPLE_LIFETIME_MAX 15777000 /* Apple's limit: six months */

/* An EC P-256 private JWK from PEM text (sign_key.c reads the numbers);
 * NULL when it is not one. */
static cjose_jwk_t *p256_jwk_from_pem(const char *pem, size_t pem_len)
{
    uint8_t d[OA_P256_BYTES], x[OA_P256_BYTES], y[OA_P256_BYTES];
    cjose_jwk_ec_keyspec spec;
    cjose_jwk_t *jwk = NULL;
    cjose_err cerr;

    if (oa_pem_p256(pem, pem_len, d, x, y) == OA_OK) {
        spec = (cjose_jwk_ec_keyspec){CJOSE_JWK_EC_P_256, d, sizeof(d), x, sizeof(x), y, sizeof(y)};
        jwk = cjose_jwk_create_EC_spec(&spec, &cerr);
    }
    oa_wipe(d, sizeof(d));
    return jwk;
}

/* The compact JWS of claims signed by jwk; new string or NULL. */
static char *es256_sign(cjose_jwk_t *jwk, const char *kid, const char *claims)
{
    cjose_header_t *hdr;
    cjose_jws_t *jws = NULL;
    const char *ser = NULL;
    cjose_err cerr;
    char *out = NULL;

    hdr = cjose_header_new(&cerr);
    if (hdr && cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_ES256, &cerr) &&
        cjose_header_set(hdr, CJOSE_HDR_KID, kid, &cerr))
        jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)claims, strlen(claims), &cerr);
    if (jws && cjose_jws_export(jws, &ser, &cerr))
        out = strdup(ser);
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    return out;
}

enum oa_err oa_jwt_apple_secret(char **out, const char *pem, size_t pem_len, const char *key_id,
                                const char *team_id, const char *client_id, int64_t now,
                                int64_t lifetime, struct oa_error *err)
{
    cjose_jwk_t *jwk;
    json_t *claims;
    char *text;

    *out = NULL;
    if (!pem || !key_id || !*key_id || !team_id || !*team_id || !client_id || !*client_id)
        return oa_error_set(err, OA_ERR_CONFIG, "apple-id: team_id, key_id and client_id needed");
    if (lifetime <= 0 || lifetime > OA_APPLE_LIFETIME_MAX || now <= 0 || now > OA_JWT_TIME_MAX)
        return oa_error_set(err, OA_ERR_CONFIG, "apple-id: client secret lifetime out of range");
    jwk = p256_jwk_from_pem(pem, pem_len);
    if (!jwk)
        return oa_error_set(err, OA_ERR_CONFIG,
                            "apple-id: private_key_file is not an EC P-256 "
                            "private key (PEM, PKCS#8)");
    claims = json_pack("{s:s, s:I, s:I, s:s, s:s}", "iss", team_id, "iat", (json_int_t)now, "exp",
                       (json_int_t)(now + lifetime), "aud", OA_APPLE_AUD, "sub", client_id);
    text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    if (text)
        *out = es256_sign(jwk, key_id, text);
    free(text);
    json_decref(claims);
    cjose_jwk_release(jwk);
    if (!*out)
        return oa_error_set(err, OA_ERR_CRYPTO, "apple-id: signing the client secret failed");
    return OA_OK;
}
