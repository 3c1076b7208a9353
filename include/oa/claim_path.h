/*
 * claim_path.h - the syntax of a groups_claim path: claim names joined by
 * '.'; inside a name "\." is a '.' and "\\" a '\' (the claim
 * "https://example.com/groups" is the path "https://example\.com/groups").
 * What a path means: claims.h.
 */
#ifndef OA_CLAIM_PATH_H
#define OA_CLAIM_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define OA_CLAIM_PATH_MAX 256 /* bytes of one groups_claim path */
#define OA_CLAIM_PATH_DEPTH 8 /* names in one path */

/* Copies the next name of path (escapes undone) into seg (cap bytes);
 * returns the rest of path after its '.' (or its end), or NULL on a syntax
 * error with *why (static) saying what. */
const char *oa_claim_path_next(const char *path, char *seg, size_t cap, const char **why);

/* True when path is a usable groups_claim path; else false with the
 * reason in msg (cap bytes, may be 0). */
bool oa_claim_path_valid(const char *path, char *msg, size_t cap);

#endif
