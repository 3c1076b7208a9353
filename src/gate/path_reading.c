/*
 * path_reading.c - the ways a backend may read one request path.
 *
 * The strict reading (oa_path_normalize in url.c: decoded once, %2F a
 * separator, dot-segments resolved, control bytes refused) is what the
 * web servers themselves do. The application behind them may differ:
 *
 *   raw            routes the path as it came, undecoded;
 *   keep-slash     decodes, but %2F / %5C stay inside their segment
 *                  ("/admin/x%2F..%2F..%2Fy" is under /admin/ to it);
 *   params-raw     cuts ";..." path parameters, then decodes (Tomcat:
 *                  "/app/..;/admin" is "/admin", "/admin;x=1/y" is
 *                  "/admin/y");
 *   loose          decodes, '\' separates, ";..." cut, trailing dots and
 *                  spaces of a segment dropped (Windows and Java stacks);
 *   twice          decodes twice (a proxy that decodes, then the app);
 *   raw-loose      undecoded, with the loose separators.
 *
 * Case-insensitive routing is the matcher's job (access.c), not a reading.
 * Each reading here is lenient, as those backends are: a bad escape stays
 * as written and control bytes are kept, except a NUL, which no C string
 * can carry and so cannot be matched honestly: that reading fails, and the
 * caller refuses the request.
 *
 * Everything works in place in the caller's buffer: the path is copied
 * once, and every step keeps or shortens it, except resolving, which may
 * add one '/' (room for it is checked). No allocation: the authorizer's
 * hot path calls this for ambiguous paths.
 */
#include <string.h>

#include "oa/path_reading.h"
#include "oa/url.h"

const unsigned oa_path_readings[OA_PATH_READINGS] = {
    0,
    OA_READ_DECODE | OA_READ_KEEP_SLASH,
    OA_READ_PARAMS_RAW | OA_READ_DECODE,
    OA_READ_DECODE | OA_READ_BACKSLASH | OA_READ_PARAMS | OA_READ_WINDOWS,
    OA_READ_DECODE | OA_READ_TWICE | OA_READ_BACKSLASH | OA_READ_PARAMS,
    OA_READ_PARAMS_RAW | OA_READ_BACKSLASH | OA_READ_WINDOWS,
};

/* Decodes p (n bytes) in place; keep_slash leaves %2F and %5C written.
 * Returns the new length, or (size_t)-1 when a NUL was decoded. */
static size_t decode(char *p, size_t n, bool keep_slash)
{
    size_t r = 0, w = 0;

    while (r < n) {
        int c = p[r] == '%' ? oa_pct_byte(p + r, n - r) : -1;

        if (c < 0 || (keep_slash && (c == '/' || c == '\\'))) {
            p[w++] = p[r++];
            continue;
        }
        if (c == 0)
            return (size_t)-1;
        p[w++] = (char)c;
        r += 3;
    }
    return w;
}

/* Cuts every ";..." up to the next '/' (or the end). Returns the new length. */
static size_t cut_params(char *p, size_t n)
{
    size_t r = 0, w = 0;

    while (r < n) {
        if (p[r] == ';') {
            while (r < n && p[r] != '/')
                r++;
            continue;
        }
        p[w++] = p[r++];
    }
    return w;
}

enum oa_err oa_path_read(char *out, size_t cap, const char *path, size_t n, unsigned how)
{
    if (!out || cap == 0)
        return OA_ERR_TOO_LARGE;
    out[0] = '\0';
    /* resolving in place relies on a '/' before every kept segment */
    if (!path || n == 0 || path[0] != '/')
        return OA_ERR_BAD_INPUT;
    if (n + 2 > cap)
        return OA_ERR_TOO_LARGE;
    memcpy(out, path, n);
    if (how & OA_READ_PARAMS_RAW)
        n = cut_params(out, n);
    if (how & (OA_READ_DECODE | OA_READ_TWICE)) {
        n = decode(out, n, how & OA_READ_KEEP_SLASH);
        if (n != (size_t)-1 && (how & OA_READ_TWICE))
            n = decode(out, n, how & OA_READ_KEEP_SLASH);
        if (n == (size_t)-1) {
            out[0] = '\0';
            return OA_ERR_BAD_INPUT;
        }
    }
    if (how & OA_READ_PARAMS)
        n = cut_params(out, n);
    oa_path_resolve(out, n, how & OA_READ_BACKSLASH, how & OA_READ_WINDOWS);
    return OA_OK;
}

bool oa_path_ambiguous(const char *path, size_t n)
{
    size_t i, seg = 0;

    for (i = 0; i <= n; i++) {
        char c = i < n ? path[i] : '/';

        if (c == '%' || c == '\\' || c == ';')
            return true;
        if (c != '/')
            continue;
        /* a segment [seg, i) ending in '.' or ' ', other than "." and ".." */
        if (i > seg && (path[i - 1] == '.' || path[i - 1] == ' ') &&
            !(i - seg == 1 && path[seg] == '.') &&
            !(i - seg == 2 && path[seg] == '.' && path[seg + 1] == '.'))
            return true;
        seg = i + 1;
    }
    return false;
}
