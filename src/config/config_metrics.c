/*
 * config_metrics.c - the metrics section (DESIGN.md section 13):
 *   listen  "host:port" of the metrics listener (an IPv4 address or a name
 *           that resolves to one; port 1-65535);
 *   allow   CIDRs (or single addresses) whose clients may read
 *           <base_path>/metrics; none: the endpoint does not exist (404);
 *   dir     an absolute directory for the counters' shared file, so that
 *           processes the web server starts one by one count together.
 * Errors point at the value in the file.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

static enum oa_err check_listen(struct oa_cfg_load *ld)
{
    char **l = &ld->cfg->metrics.listen;
    const char *colon, *p;
    unsigned long port = 0;

    if (!*l)
        return OA_OK;
    colon = strrchr(*l, ':');
    if (!colon || colon == *l || strspn(*l, HOST_CHARS) != (size_t)(colon - *l))
        return oa_cfg_fail(ld, l, NULL,
                           "metrics.listen '%s' must be HOST:PORT (an IPv4 address or host "
                           "name, e.g. 127.0.0.1:9464)",
                           *l);
    for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
        port = port * 10 + (unsigned long)(*p - '0');
    if (p == colon + 1 || *p || port == 0 || port > 65535)
        return oa_cfg_fail(ld, l, NULL, "metrics.listen '%s': the port must be 1-65535", *l);
    return OA_OK;
}

static enum oa_err check_allow(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    struct oa_strlist *a = &cfg->metrics.allow;

    if (!a->n)
        return OA_OK;
    if (!(cfg->metrics.nets = calloc(a->n, sizeof(*cfg->metrics.nets))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < a->n; i++) {
        if (oa_cidr_parse(&cfg->metrics.nets[i], a->v[i]) != 0)
            return oa_cfg_fail(ld, &a->v[i], a,
                               "metrics.allow '%s' is not an address or ADDRESS/PREFIX with "
                               "the host bits zero (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1/128)",
                               a->v[i]);
        cfg->metrics.nnets++;
    }
    return OA_OK;
}

static enum oa_err check_dir(struct oa_cfg_load *ld)
{
    char **d = &ld->cfg->metrics.dir;

    if (*d && (*d)[0] != '/')
        return oa_cfg_fail(ld, d, NULL, "metrics.dir '%s' must be an absolute path", *d);
    return OA_OK;
}

enum oa_err oa_cfg_metrics_check(struct oa_cfg_load *ld)
{
    enum oa_err e;

    if ((e = check_listen(ld)) || (e = check_allow(ld)))
        return e;
    return check_dir(ld);
}
