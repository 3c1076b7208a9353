/*
 * revocation.c - the in-memory revocation list (revocation.h).
 * Interface only for now: nothing is ever revoked.
 */
#include <string.h>

#include "oa/revocation.h"
#include "oa/session.h"

bool oa_rev_key(enum oa_rev_kind kind, const char *a, const char *b,
                unsigned char out[OA_REV_KEY_BYTES])
{
    memset(out, 0, OA_REV_KEY_BYTES);
    return false;
}

enum oa_err oa_revocation_add(const struct oa_rev_entry *e)
{
    return OA_OK;
}

bool oa_revoked(const struct oa_identity *id)
{
    return false;
}

void oa_revocation_purge(int64_t now)
{
}

void oa_revocation_stats(size_t *entries, size_t *bytes)
{
    *entries = 0;
    *bytes = 0;
}

static oa_rev_store_fn store_fn;

void oa_revocation_set_store(oa_rev_store_fn fn)
{
    store_fn = fn;
}

enum oa_err oa_revoke(const struct oa_rev_entry *e, struct oa_error *err)
{
    enum oa_err rc = oa_revocation_add(e);

    if (rc != OA_OK)
        return oa_error_set(err, rc, "out of memory adding a revocation");
    return store_fn ? store_fn(e, err) : OA_OK;
}

void oa_revocation_clear(void)
{
}
