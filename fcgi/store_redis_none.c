/*
 * store_redis_none.c - the Redis store of a build without hiredis
 * (store_redis.h): session.store is a config error saying so, rather than
 * a service that would run with a list no other host shares.
 */
#include "store_redis.h"

static enum oa_err no_redis(const char *url, struct oa_error *err)
{
    return oa_error_set(err, OA_ERR_CONFIG,
                        "session.store '%s': built without Redis support (install "
                        "libhiredis-dev and run configure again)",
                        url ? url : "");
}

enum oa_err oa_store_redis_config(const char *url, struct oa_error *err)
{
    return no_redis(url, err);
}

enum oa_err oa_store_redis_start(const char *url, struct oa_error *err)
{
    return no_redis(url, err);
}

void oa_store_redis_stop(void)
{
}

void oa_store_redis_load_once(const char *url)
{
}

void oa_store_redis_set_resync_ms(long ms)
{
}

enum oa_err oa_store_redis_write(const char *url, const struct oa_rev_entry *e,
                                 struct oa_error *err)
{
    return no_redis(url, err);
}

bool oa_store_redis_status(struct oa_buf *b)
{
    oa_buf_puts(b, "store: built without Redis support");
    return false;
}

bool oa_store_redis_probe(const char *url, struct oa_buf *b)
{
    struct oa_error err;

    no_redis(url, &err);
    oa_buf_puts(b, err.msg);
    return false;
}
