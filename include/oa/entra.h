/*
 * entra.h - Microsoft Entra ID (the microsoft-entra kind): what the config
 * (src/config/config_entra.c) and the sign-in (src/flow/provider_entra.c)
 * share about tenants and issuers. DESIGN.md section 15.1.
 */
#ifndef OA_ENTRA_H
#define OA_ENTRA_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/config.h"

/* The issuer template of the multi-tenant discovery documents: an
 * id_token's iss is the template with its tid in place of this. */
#define OA_ENTRA_TID_MARK "{tenantid}"
/* Group overage read from Microsoft Graph: at most this many pages of
 * /me/transitiveMemberOf and groups (more: the sign-in is refused, never
 * cut short; claims.h's bounds apply after). */
#define OA_ENTRA_GRAPH_PAGES 20
#define OA_ENTRA_GRAPH_GROUPS 2000

/* True when s is a GUID, 8-4-4-4-12 hex digits (a tid, an oid). */
bool oa_entra_guid(const char *s);
/* True for the tenants that take users of several directories (common,
 * organizations): their issuer is the {tenantid} template. */
bool oa_entra_multi_tenant(const char *tenant);
/* True when iss is what the discovery document of p may name as the
 * issuer: p's own (<base_url>/<tenant>/v2.0), the {tenantid} template for
 * common/organizations, or <base_url>/<GUID>/v2.0 for a tenant given by
 * domain (consumers included). */
bool oa_entra_doc_issuer_ok(const struct oa_provider *p, const char *iss);
/* True when iss is the issuer tmpl names for tid: tmpl itself when it has
 * no {tenantid}, else tmpl with the GUID tid put in its place. */
bool oa_entra_issuer_match(const char *tmpl, const char *iss, const char *tid);

#endif
