/*
 * config_entra.c - the microsoft-entra kind's settings (DESIGN.md section
 * 15.1): tenant (a GUID, a domain, organizations, common or consumers),
 * base_url (the authority's origin, https://login.microsoftonline.com; a
 * national cloud's or a test's stand-in otherwise), graph_url (Microsoft
 * Graph, for group overage) and allowed_tenants. The issuer it makes,
 * <base_url>/<tenant>/v2.0, is where the discovery document is read; what
 * the tokens' iss may be is the document's (entra.h).
 *
 * common and organizations let any Entra directory sign in: a config must
 * then say which tenants (allowed_tenants, tids) or "*" for any, as
 * mod_auth_openidc and oauth2-proxy users learn the hard way (a token from
 * a stranger's tenant is a valid token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "oa/entra.h"

bool oa_entra_guid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    size_t i, d = 0;

    if (!s || strlen(s) != 36)
        return false;
    for (i = 0; i < 36; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i]) {
            return false;
        }
    }
    return true;
}

bool oa_entra_multi_tenant(const char *tenant)
{
    return tenant && (!strcmp(tenant, "common") || !strcmp(tenant, "organizations"));
}

/* iss is "<base>/<seg>/v2.0" with seg the n bytes at *seg. */
static bool issuer_parts(const char *base, const char *iss, const char **seg, size_t *n)
{
    size_t blen = strlen(base), ilen = strlen(iss);

    if (ilen < blen + 7 || strncmp(iss, base, blen) != 0 || iss[blen] != '/' ||
        strcmp(iss + ilen - 5, "/v2.0") != 0)
        return false;
    *seg = iss + blen + 1;
    *n = ilen - blen - 1 - 5;
    return *n > 0 && !memchr(*seg, '/', *n);
}

bool oa_entra_doc_issuer_ok(const struct oa_provider *p, const char *iss)
{
    const char *seg;
    char guid[40];
    size_t n;

    if (!iss || !p->base_url || !p->tenant)
        return false;
    if (p->issuer && !strcmp(iss, p->issuer))
        return true;
    if (!issuer_parts(p->base_url, iss, &seg, &n))
        return false;
    if (oa_entra_multi_tenant(p->tenant))
        return n == strlen(OA_ENTRA_TID_MARK) && !memcmp(seg, OA_ENTRA_TID_MARK, n);
    if (oa_entra_guid(p->tenant) || n >= sizeof(guid))
        return false; /* a GUID tenant's document names itself */
    memcpy(guid, seg, n);
    guid[n] = '\0';
    return oa_entra_guid(guid);
}

bool oa_entra_issuer_match(const char *tmpl, const char *iss, const char *tid)
{
    const char *mark = tmpl ? strstr(tmpl, OA_ENTRA_TID_MARK) : NULL;
    size_t pre, mlen = strlen(OA_ENTRA_TID_MARK);

    if (!tmpl || !iss)
        return false;
    if (!mark)
        return !strcmp(tmpl, iss);
    if (!oa_entra_guid(tid))
        return false;
    pre = (size_t)(mark - tmpl);
    return strlen(iss) == strlen(tmpl) - mlen + 36 && !strncmp(iss, tmpl, pre) &&
           !strncmp(iss + pre, tid, 36) && !strcmp(iss + pre + 36, tmpl + pre + mlen);
}

static void lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static void trim_slash(char *s)
{
    size_t n = s ? strlen(s) : 0;

    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

static enum oa_err set_default(struct oa_cfg_load *ld, char **slot, const char *a, const char *b,
                               const char *c)
{
    if (*slot)
        return OA_OK;
    if (asprintf(slot, "%s%s%s", a, b ? b : "", c ? c : "") < 0) {
        *slot = NULL;
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    }
    return OA_OK;
}

static enum oa_err check_tenants(struct oa_cfg_load *ld, struct oa_provider *p)
{
    for (size_t i = 0; i < p->allowed_tenants.n; i++) {
        char *t = p->allowed_tenants.v[i];
        lower(t);
        if (strcmp(t, "*") != 0 && !oa_entra_guid(t))
            return oa_cfg_fail(ld, &p->allowed_tenants.v[i], &p->allowed_tenants,
                               "an allowed_tenants entry must be a tenant id (a GUID like "
                               "72f988bf-86f1-41af-91ab-2d7cd011db47; the token's tid) or "
                               "\"*\", not '%s'",
                               t);
    }
    if (oa_entra_multi_tenant(p->tenant) && !p->allowed_tenants.n)
        return oa_cfg_fail(ld, &p->tenant, p,
                           "provider '%s': tenant '%s' lets users of ANY Microsoft Entra "
                           "directory sign in: list the tenant ids allowed in 'allowed_tenants' "
                           "(or allowed_tenants: [\"*\"] to take every directory)",
                           p->name, p->tenant);
    return OA_OK;
}

enum oa_err oa_cfg_entra_defaults(struct oa_cfg_load *ld, struct oa_provider *p)
{
    enum oa_err e;
    const char *t = p->tenant;

    if (!t)
        return oa_cfg_fail(ld, &p->name, p,
                           "provider '%s' needs its 'tenant': the directory's id (a GUID) or "
                           "domain (contoso.onmicrosoft.com), or organizations / common (any "
                           "work account, with allowed_tenants) or consumers",
                           p->name);
    lower(p->tenant);
    if (!t[0] || t[0] == '.' || t[0] == '-' || strstr(t, "..") ||
        strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(t))
        return oa_cfg_fail(ld, &p->tenant, p,
                           "'tenant' must be a tenant id (GUID), a domain, organizations, "
                           "common or consumers, not '%s'",
                           t);
    trim_slash(p->base_url);
    trim_slash(p->graph_url);
    if ((e = set_default(ld, &p->base_url, "https://login.microsoftonline.com", NULL, NULL)) ||
        (e = set_default(ld, &p->graph_url, "https://graph.microsoft.com", NULL, NULL)) ||
        (e = set_default(ld, &p->issuer, p->base_url, "/", p->tenant)))
        return e;
    if (strcmp(p->issuer + strlen(p->issuer) - (strlen(p->issuer) >= 5 ? 5 : 0), "/v2.0") != 0) {
        char *full = NULL;
        if (asprintf(&full, "%s/v2.0", p->issuer) < 0)
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        free(p->issuer);
        p->issuer = full;
    }
    return check_tenants(ld, p);
}
