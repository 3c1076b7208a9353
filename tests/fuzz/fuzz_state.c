/*
 * fuzz_state.c - the login state entry: the callback's lookup of the state
 * cookie in a hostile Cookie header (oa_state_load), the login's pruning
 * of older state cookies (oa_state_save scans every one it finds), the
 * `state` parameter check, and the JSON inside the AEAD (the input sealed
 * with the fixture's key as a state entry).
 */
#include "fuzz.h"
#include "oa/seal.h"

#define FZ_STATE "AAAAAAAAAAAAAAAAAAAAAA"
#define FZ_COOKIE "__Host-oauth2_fcgi_state_AAAAAAAA"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct oa_provider *p;
    static struct oa_response r;
    struct oa_request req;
    struct oa_state st, fresh;
    char *text, *sealed, *cookie;
    size_t cap, n;

    if (!p) {
        fx_config();
        p = fx_provider("corp", OA_PROVIDER_OIDC);
    }
    text = fz_str(data, size);
    (void)oa_state_param_ok(text);
    fx_request(&req, "GET", "/oauth/corp/callback", NULL, text);
    req.now = FZ_NOW;
    if (oa_state_load(&st, &fx_cfg, &req, p, FZ_STATE) == OA_OK)
        oa_state_free(&st);
    oa_response_init(&r);
    if (oa_state_new(&fresh, "corp", "/", FZ_NOW) == OA_OK) {
        /* whatever cookies come in, the login works and its pruning is bounded */
        if (oa_state_save(&r, &fx_cfg, &req, p, &fresh) != OA_OK ||
            r.nheaders > OA_STATE_PRUNE_MAX + 1)
            abort();
        oa_state_free(&fresh);
    }
    oa_response_free(&r);
    free(text);

    /* the same bytes as the sealed JSON of an entry */
    if (size > 8192)
        return 0;
    cap = oa_sealed_len(size) + 1;
    sealed = malloc(cap);
    cookie = malloc(cap + 64);
    if (!sealed || !cookie)
        abort();
    if (oa_seal(sealed, cap, &n, data, size, "state", &fx_cfg.keys) == OA_OK) {
        snprintf(cookie, cap + 64, FZ_COOKIE "=%s", sealed);
        req.cookie = cookie;
        if (oa_state_load(&st, &fx_cfg, &req, p, FZ_STATE) == OA_OK)
            oa_state_free(&st);
    }
    free(sealed);
    free(cookie);
    return 0;
}
