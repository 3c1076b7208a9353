/*
 * cidr.h - address ranges ("127.0.0.1/32", "10.0.0.0/8", "::1/128", or a
 * bare address for one host) and the test of a client address against
 * them (metrics.allow, DESIGN.md section 13).
 */
#ifndef OA_CIDR_H
#define OA_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct oa_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; 4 bytes used for AF_INET */
    unsigned prefix;        /* bits that must match */
};

/* Parses s; 0, or -1 (a bad address or prefix, host bits set). */
int oa_cidr_parse(struct oa_cidr *out, const char *s);
/* True when addr (a textual IPv4 or IPv6 address, as REMOTE_ADDR; an
 * IPv4-mapped IPv6 address counts as IPv4) is in one of the n ranges.
 * NULL or unparsable: false. */
bool oa_cidr_match(const struct oa_cidr *nets, size_t n, const char *addr);

#endif
