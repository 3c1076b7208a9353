/*
 * claim_path.c - the syntax of a groups_claim path (claims.h has what it
 * means): claim names joined by '.', "\." a '.' inside a name, "\\" a
 * '\'. Here, below the config and the flows, because the config checks a
 * path when it loads and the sign-in walks it (src/flow/claims.c).
 */
#include <stdio.h>
#include <string.h>

#include "oa/claim_path.h"

const char *oa_claim_path_next(const char *path, char *seg, size_t cap, const char **why)
{
    size_t n = 0;

    for (; *path && *path != '.'; path++) {
        char c = *path;
        if ((unsigned char)c < 0x20 || c == 0x7f) {
            *why = "a control character";
            return NULL;
        }
        if (c == '\\') {
            c = *++path;
            if (c != '.' && c != '\\') {
                *why = "'\\' not followed by '.' or '\\'";
                return NULL;
            }
        }
        if (n + 1 >= cap) {
            *why = "a name too long";
            return NULL;
        }
        seg[n++] = c;
    }
    seg[n] = '\0';
    if (!n) {
        *why = "an empty name (a '.' at the start, the end, or twice)";
        return NULL;
    }
    return *path == '.' ? path + 1 : path;
}

bool oa_claim_path_valid(const char *path, char *msg, size_t cap)
{
    char seg[OA_CLAIM_PATH_MAX + 1];
    const char *why = NULL;
    size_t depth = 0;

    if (!path || strlen(path) > OA_CLAIM_PATH_MAX)
        why = "longer than 256 bytes";
    while (!why && *path) {
        const char *rest = oa_claim_path_next(path, seg, sizeof(seg), &why);
        if (!rest)
            break;
        if (++depth > OA_CLAIM_PATH_DEPTH)
            why = "more than 8 names";
        if (!*rest && rest[-1] == '.')
            why = "an empty name (a '.' at the start, the end, or twice)";
        path = rest;
    }
    if (!why && !depth)
        why = "empty";
    if (why && cap)
        snprintf(msg, cap, "%s", why);
    return !why;
}
