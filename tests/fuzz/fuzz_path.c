/*
 * fuzz_path.c - path normalisation for the access rules
 * (oa_path_normalize): the output is an absolute path with no "." or ".."
 * segment, no "//", no control byte, and normalising it again changes
 * nothing (decoded once: a "%2e" that came out of %252e stays literal
 * text, so the idempotence check runs on outputs without '%').
 * Every other reading (oa_path_read) of the same bytes: never longer than
 * the input plus the slash it may add, always absolute, no "//", and a
 * path that oa_path_ambiguous calls plain reads as the strict one does.
 */
#include "fuzz.h"

#include "oa/path_reading.h"
#include "oa/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[1024], again[1024], *uri = fz_str(data, size);
    size_t i, n;

    if (oa_path_normalize(out, sizeof(out), uri) == OA_OK) {
        n = strlen(out);
        if (n >= sizeof(out) || out[0] != '/' || strstr(out, "//") || strstr(out, "/./") ||
            strstr(out, "/../"))
            abort();
        if ((n >= 2 && !strcmp(out + n - 2, "/.")) || (n >= 3 && !strcmp(out + n - 3, "/..")))
            abort();
        for (i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                abort();
        if (!strpbrk(out, "%?#") &&
            (oa_path_normalize(again, sizeof(again), out) != OA_OK || strcmp(out, again) != 0))
            abort();
    }
    n = strcspn(uri, "?#");
    for (i = 0; i < OA_PATH_READINGS; i++) {
        if (oa_path_read(again, sizeof(again), uri, n, oa_path_readings[i]) != OA_OK)
            continue;
        if (again[0] != '/' || strstr(again, "//") || strlen(again) > n + 1)
            abort();
        if (uri[0] == '/' && !oa_path_ambiguous(uri, n) &&
            oa_path_normalize(out, sizeof(out), uri) == OA_OK && strcmp(out, again) != 0)
            abort();
    }
    free(uri);
    return 0;
}
