/*
 * cookie.h - reading the Cookie request header and writing Set-Cookie.
 * No allocation: values are returned as pointer+length into the header.
 */
#ifndef OA_COOKIE_H
#define OA_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/err.h"
#include "oa/response.h"

/* The value of the first cookie called name in header (may be NULL).
 * Returns true and sets *val and *len when found, else false. */
bool oa_cookie_find(const char *header, const char *name, const char **val, size_t *len);

/* Calls fn for each cookie whose name starts with prefix (bounded by max
 * calls); fn returns true to stop. Returns the number of calls made. */
size_t oa_cookie_each(const char *header, const char *prefix, size_t max,
                      bool (*fn)(void *ctx, const char *name, size_t name_len, const char *val,
                                 size_t val_len),
                      void *ctx);

struct oa_cookie_attrs {
    const char *path; /* "/" by default */
    int64_t max_age;  /* seconds; -1: session cookie; 0: delete */
    bool secure;
    bool http_only;
    const char *same_site; /* "Lax", "Strict", "None" or NULL */
};

/* Adds one Set-Cookie header to r. The value must be cookie-octets (the
 * callers pass base64url text); anything else is OA_ERR_BAD_INPUT. */
enum oa_err oa_cookie_set(struct oa_response *r, const char *name, const char *value,
                          size_t value_len, const struct oa_cookie_attrs *a) OA_WUR;

#endif
