/*
 * fuzz_form.c - query strings and urlencoded bodies: every parameter the
 * callback reads (state, code, error, error_description, iss, and Apple's
 * form_post `user`), the login's and logout's rd, and the raw decoder.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {
        "state", "code", "error", "error_description", "iss", "user", "rd", "", "a+b", "%73tate"};
    char *v, *text = fz_str(data, size);
    size_t i, n;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        v = NULL;
        if (oa_form_get(&v, text, size, names[i]) == OA_OK) {
            if (!v)
                abort();
            n = strlen(v);
            if (n > size)
                abort(); /* decoding never grows the text */
        }
        free(v);
    }
    for (i = 0; i < 2; i++) {
        v = NULL;
        if (oa_url_decode(&v, &n, text, size, (int)i) == OA_OK && (n > size || memchr(v, 0, n)))
            abort(); /* a decoded NUL is refused */
        free(v);
    }
    free(text);
    return 0;
}
