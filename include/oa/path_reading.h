/*
 * path_reading.h - the ways a backend may read one request path.
 *
 * The access rules are only as good as the path they are matched against,
 * and the application behind the server may read the same bytes otherwise
 * than the server did: it may route the raw path, keep %2F inside a
 * segment, strip Java's ";jsessionid=..." parameters, take '\' for '/',
 * decode twice, or ignore case. The authorizer lets a request pass only if
 * EVERY such reading is allowed (doc/DESIGN.md section 4, "Path readings";
 * oauth2-fcgi.yml(5), ACCESS RULES).
 */
#ifndef OA_PATH_READING_H
#define OA_PATH_READING_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"

/* What one reading does; combined in oa_path_readings[]. */
enum {
    OA_READ_DECODE = 1 << 0,     /* decode %XX once */
    OA_READ_TWICE = 1 << 1,      /* decode %XX twice (a proxy and then the app) */
    OA_READ_KEEP_SLASH = 1 << 2, /* %2F and %5C stay bytes of their segment */
    OA_READ_BACKSLASH = 1 << 3,  /* '\' (raw or decoded) separates segments */
    OA_READ_PARAMS_RAW = 1 << 4, /* ";..." cut from each segment before decoding (Tomcat) */
    OA_READ_PARAMS = 1 << 5,     /* ";..." cut from each segment after decoding */
    OA_READ_WINDOWS = 1 << 6,    /* trailing dots and spaces of a segment dropped */
};

/* The readings the authorizer checks besides the strict one
 * (oa_path_normalize); OA_PATH_READINGS entries. */
#define OA_PATH_READINGS 6
extern const unsigned oa_path_readings[OA_PATH_READINGS];

/* Writes into out (cap bytes) the path that the reading `how` (OA_READ_*
 * flags) makes of the n bytes at path (a path, no query): decoded as asked,
 * segments cut as asked, dot-segments resolved, empty segments collapsed.
 * Lenient, as the backends are: a bad escape stays as it is, and no byte is
 * refused (the strict reading refuses control bytes before this is asked).
 * No allocation. OA_ERR_BAD_INPUT when path does not start with '/',
 * OA_ERR_TOO_LARGE when it does not fit, else OA_OK. */
enum oa_err oa_path_read(char *out, size_t cap, const char *path, size_t n, unsigned how) OA_WUR;

/* True when some reading may differ from the strict one: the path holds
 * '%', '\', ';', or a segment ending in '.' or ' ' (other than "." and
 * ".."). A path without any of these reads the same every way but case. */
bool oa_path_ambiguous(const char *path, size_t n);

#endif
