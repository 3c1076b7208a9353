/*
 * fuzz_config.c - the YAML config loader (oa_config_load_string): libyaml
 * events, the walker, provider entries, access rules, durations, dates.
 * Inputs that name files (key_file, ca_file, private_key_file) point to
 * paths that do not exist; the loader must refuse them cleanly.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char *desc;

    if (size > 64 * 1024)
        return 0;
    memset(&err, 0, sizeof(err));
    if (oa_config_load_string(&cfg, "fuzz.yml", (const char *)data, size, &err) == OA_OK) {
        desc = oa_config_describe(cfg);
        free(desc);
        oa_config_free(cfg);
    } else if (cfg) {
        abort(); /* on failure *out is NULL */
    }
    return 0;
}
