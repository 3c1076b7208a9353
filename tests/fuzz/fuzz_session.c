/*
 * fuzz_session.c - the Cookie header and the session cookie: finding the
 * cookie and its chunks (oa_cookie_find, oa_cookie_each), opening it with
 * the fixture's key (oa_session_read), and the decoder behind the AEAD
 * (the input sealed with the right key, so the fuzzer reaches
 * oa_session_decode with any plaintext).
 */
#include "fuzz.h"
#include "oa/seal.h"

static bool count_one(void *ctx, const char *name, size_t name_len, const char *val, size_t len)
{
    size_t *n = ctx;

    *n += name_len + len;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct oa_session_buf sb;
    static int ready;
    struct oa_identity id;
    const char *v;
    char *header, *sealed, *cookie;
    size_t vlen, n = 0, cap;
    int64_t now = FZ_NOW;

    if (!ready) {
        fx_config();
        ready = 1;
    }
    header = fz_str(data, size);
    (void)oa_cookie_find(header, "__Host-oauth2_fcgi", &v, &vlen);
    (void)oa_cookie_each(header, "__Host-oauth2_fcgi", 64, count_one, &n);
    if (oa_session_read(&id, &sb, &fx_cfg, header, now) == OA_OK)
        n += strlen(id.subject) + strlen(id.groups);
    free(header);

    /* the same bytes as a sealed plaintext: the decoder and the time checks */
    if (size > OA_SESSION_PLAIN_MAX)
        return 0;
    cap = oa_sealed_len(size) + 1;
    sealed = malloc(cap);
    cookie = malloc(cap + 32);
    if (!sealed || !cookie)
        abort();
    if (oa_seal(sealed, cap, &vlen, data, size, "session", &fx_cfg.keys) == OA_OK) {
        snprintf(cookie, cap + 32, "a=b; __Host-oauth2_fcgi=%s", sealed);
        if (oa_session_read(&id, &sb, &fx_cfg, cookie, now) == OA_OK)
            n += strlen(id.email);
    }
    free(sealed);
    free(cookie);
    return n == (size_t)-1;
}
