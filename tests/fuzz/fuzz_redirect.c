/*
 * fuzz_redirect.c - the return-target validator (oa_redirect_ok) for the
 * fixture's config (public_url https://app.example.com plus allowed hosts
 * docs.example.com and *.corp.example.com), with and without public_url
 * (then the request's Host). An accepted target must be a path or an
 * https URL and hold no control byte, space or backslash.
 */
#include "fuzz.h"

#include "oa/redirect.h"

static void check(const char *t, const struct oa_request *req)
{
    const char *out;
    size_t i;

    if (!oa_redirect_ok(&fx_cfg, req, t)) {
        out = oa_redirect_or_default(&fx_cfg, req, t);
        if (strcmp(out, "/") != 0)
            abort();
        return;
    }
    for (i = 0; t[i]; i++)
        if ((unsigned char)t[i] < 0x21 || t[i] == 0x7f || t[i] == '\\')
            abort();
    if (t[0] == '/' ? t[1] == '/' : strncasecmp(t, "https://", 8) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static char *public_url, *public_host;
    struct oa_request req;
    char *t = fz_str(data, size);

    if (!ready) {
        fx_config();
        fx_strlist(&fx_cfg.allowed_redirect_hosts, "docs.example.com", "*.corp.example.com");
        public_url = fx_cfg.public_url;
        public_host = fx_cfg.public_host;
        ready = 1;
    }
    fx_request(&req, "GET", "/oauth/corp/login", NULL, NULL);
    fx_cfg.public_url = public_url;
    fx_cfg.public_host = public_host;
    check(t, &req);
    fx_cfg.public_url = NULL;
    fx_cfg.public_host = NULL;
    req.host = "App.Example.com:8443";
    check(t, &req);
    fx_cfg.public_url = public_url;
    fx_cfg.public_host = public_host;
    free(t);
    return 0;
}
