/*
 * duration.c - "8h", "10m", "30s", "1500ms", "2d" or a bare number of
 * seconds, for the config's lifetime and timeout keys.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oa/config.h"

int oa_duration_parse(const char *s, int64_t *ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    char *end;
    long long v;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || v < 0)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit))
            continue;
        if (v > INT64_MAX / units[i].ms)
            return -1;
        *ms = (int64_t)v * units[i].ms;
        return 0;
    }
    return -1;
}
