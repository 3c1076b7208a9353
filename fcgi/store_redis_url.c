/*
 * store_redis_url.c - the texts of the Redis store (store_redis.h): its
 * URL, and an entry as a message or as a key and its value. Strict
 * parsers: what Redis hands back is input like any other, and an entry
 * that does not parse is dropped, never half-added.
 */
#include <stdio.h>
#include <string.h>

#include "oa/crypto.h"
#include "store_redis.h"

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

/* Reads a decimal 0..max from s (up to end) into *out; returns the end of
 * the digits, or NULL when there is none or it is over max. */
static const char *parse_uint(const char *s, const char *end, int64_t max, int64_t *out)
{
    const char *p = s;
    int64_t v = 0;

    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (max - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    if (p == s || p - s > 19)
        return NULL;
    *out = v;
    return p;
}

static enum oa_err bad_url(struct oa_error *err, const char *url, const char *why)
{
    return oa_error_set(err, OA_ERR_CONFIG,
                        "session.store '%s': %s (expected redis://HOST:PORT/DB, e.g. "
                        "redis://127.0.0.1:6379/0)",
                        url, why);
}

/* The host of redis://HOST:...: letters, digits, '.' and '-', not
 * starting or ending with '.' or '-', no ".." (the grammar config_check.c
 * holds the file to, with FILE:LINE). Its length, or 0. */
static size_t host_len(const char *h)
{
    size_t n = strspn(h, HOST_CHARS);

    if (n == 0 || n > OA_REDIS_HOST_MAX || strchr(".-", h[0]) || strchr(".-", h[n - 1]))
        return 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (h[i] == '.' && h[i + 1] == '.')
            return 0;
    return n;
}

enum oa_err oa_redis_addr_parse(struct oa_redis_addr *a, const char *url, struct oa_error *err)
{
    const char *h, *end, *p;
    size_t hlen;
    int64_t v;

    memset(a, 0, sizeof(*a));
    if (strncmp(url, "redis://", 8) != 0)
        return bad_url(err, url, "only redis:// is supported");
    h = url + 8;
    end = h + strlen(h);
    if (!(hlen = host_len(h)))
        return bad_url(err, url, "the host must be a name or an IPv4 address");
    memcpy(a->host, h, hlen);
    p = h + hlen;
    if (*p != ':' || !(p = parse_uint(p + 1, end, 65535, &v)) || v == 0)
        return bad_url(err, url, "the port must be 1-65535");
    a->port = (int)v;
    if (*p != '/' || !(p = parse_uint(p + 1, end, 15, &v)))
        return bad_url(err, url, "the database must be 0-15");
    a->db = (int)v;
    if (*p)
        return bad_url(err, url, "unexpected text after the address (no user, password or path)");
    return OA_OK;
}

void oa_redis_addr_name(const struct oa_redis_addr *a, char *buf, size_t cap)
{
    snprintf(buf, cap, "redis://%s:%d/%d", a->host, a->port, a->db);
}

void oa_redis_entry_format(const struct oa_rev_entry *e, char *buf, size_t cap)
{
    char k[2 * OA_REV_KEY_BYTES + 1];

    oa_hex_encode(k, sizeof(k), e->key, OA_REV_KEY_BYTES);
    snprintf(buf, cap, "%s %lld %lld", k, (long long)e->cutoff, (long long)e->expiry);
}

static bool parse_hex(unsigned char key[OA_REV_KEY_BYTES], const char *s, size_t len)
{
    return len == 2 * OA_REV_KEY_BYTES && oa_hex_decode(key, OA_REV_KEY_BYTES, s, len);
}

/* "<cutoff> <expiry>" exactly (len bytes). */
static bool parse_times(struct oa_rev_entry *e, const char *s, size_t len)
{
    const char *end = s + len, *p;

    p = parse_uint(s, end, INT64_MAX, &e->cutoff);
    if (!p || p == end || *p != ' ')
        return false;
    p = parse_uint(p + 1, end, INT64_MAX, &e->expiry);
    return p == end;
}

bool oa_redis_entry_parse(struct oa_rev_entry *e, const char *s, size_t len)
{
    const size_t hl = 2 * OA_REV_KEY_BYTES;

    if (len < hl + 4 || s[hl] != ' ')
        return false;
    return parse_hex(e->key, s, hl) && parse_times(e, s + hl + 1, len - hl - 1);
}

bool oa_redis_key_parse(struct oa_rev_entry *e, const char *hex, size_t hexlen, const char *val,
                        size_t vallen)
{
    return parse_hex(e->key, hex, hexlen) && parse_times(e, val, vallen);
}
