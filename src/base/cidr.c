/*
 * cidr.c - address ranges and the test of a client address (cidr.h).
 * inet_pton only: no name is ever resolved, so a range means what it says.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "oa/cidr.h"

/* addr into out (16 bytes), AF_INET or AF_INET6; a v4-mapped v6 address
 * becomes AF_INET. 0 or -1. */
static int parse_addr(const char *s, int *family, unsigned char *out)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out) != 1)
        return -1;
    *family = AF_INET6;
    if (memcmp(out, mapped, sizeof(mapped)) == 0) {
        memmove(out, out + 12, 4);
        memset(out + 4, 0, 12);
        *family = AF_INET;
    }
    return 0;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;

    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    return ((a[whole] ^ b[whole]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

int oa_cidr_parse(struct oa_cidr *out, const char *s)
{
    char host[64];
    const char *slash = s ? strchr(s, '/') : NULL;
    size_t n = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
    unsigned max;

    if (!s || n == 0 || n >= sizeof(host))
        return -1;
    memcpy(host, s, n);
    host[n] = '\0';
    if (parse_addr(host, &out->family, out->addr) != 0)
        return -1;
    max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        char *end;
        unsigned long p;
        if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
            return -1;
        p = strtoul(slash + 1, &end, 10);
        if (*end || p > max)
            return -1;
        out->prefix = (unsigned)p;
    }
    /* host bits set ("10.0.0.1/8") is a typo more often than a wish */
    for (unsigned bit = out->prefix; bit < max; bit++)
        if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
            return -1;
    return 0;
}

bool oa_cidr_match(const struct oa_cidr *nets, size_t n, const char *addr)
{
    unsigned char a[16];
    int family;

    if (!addr || parse_addr(addr, &family, a) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (nets[i].family == family && prefix_equal(a, nets[i].addr, nets[i].prefix))
            return true;
    return false;
}
