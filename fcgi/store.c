/*
 * store.c - the revocation stores (store.h). Interface only for now:
 * nothing is shared, nothing is written.
 */
#include "store.h"

enum oa_err oa_store_start(const struct oa_config *cfg, struct oa_error *err)
{
    return OA_OK;
}

void oa_store_tick(int64_t now)
{
}

void oa_store_stop(void)
{
}

enum oa_err oa_store_write(const struct oa_config *cfg, const struct oa_rev_entry *e,
                           struct oa_error *err)
{
    return OA_OK;
}

bool oa_store_status(struct oa_buf *b)
{
    return true;
}
