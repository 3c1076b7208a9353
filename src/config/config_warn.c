/*
 * config_warn.c - what loads but is risky: warnings, not errors, because
 * each setup has a legitimate use. They carry FILE:LINE:COL like errors,
 * go into cfg->warnings, and are printed by --check-config (stderr) and
 * logged once at start-up (fcgi/main.c).
 *
 *   - an access rule with `groups` and no `providers` while a GitHub or
 *     Hugging Face provider is configured: there a group is an organisation
 *     that anyone can create under any free name, so "admins" from the
 *     company IdP is met by a GitHub org called "admins";
 *   - an access rule with `email_domains` that a google-oauth2 provider
 *     without `hosted_domain` can meet: a consumer Google account can be
 *     registered with a company address (Google then calls it verified), and
 *     only the id_token's hd claim tells a Workspace account of the domain;
 *   - session refresh on (refresh_after) with neither revocation_file nor
 *     store: a refresh the provider refuses, a logout, a back-channel logout
 *     revoke the session in the process that saw it only, while the others
 *     (lighttpd max-procs, mod_fcgid, -w, other hosts) still accept it;
 *   - an access rule that limits who may pass (emails, domains, groups,
 *     workspaces, providers, roles, scopes) but applies only to some `methods` or `hosts`,
 *     with no later rule for the same path that applies to the rest: a rule
 *     that does not apply is skipped, so the other methods or hosts reach
 *     the path with any session (a POST-only admin rule leaves GET open).
 *
 * A warning is written by oa_cfg_warn (config_util.c), which the other
 * steps use too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* The providers a rule can be met through: its list, or every one. */
static bool rule_takes(const struct oa_access_rule *r, const struct oa_provider *p)
{
    if (!r->providers.n)
        return true;
    for (size_t i = 0; i < r->providers.n; i++)
        if (!strcmp(r->providers.v[i], p->name))
            return true;
    return false;
}

/* Kinds whose groups are organisations any user can create and name. */
static bool open_groups(const struct oa_provider *p)
{
    return p->kind == OA_PROVIDER_GITHUB || p->kind == OA_PROVIDER_HUGGINGFACE;
}

static enum oa_err warn_open_groups(struct oa_cfg_load *ld, const struct oa_access_rule *r)
{
    const struct oa_config *cfg = ld->cfg;

    if (!r->groups.n || r->providers.n)
        return OA_OK;
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (open_groups(&cfg->providers[i]))
            return oa_cfg_warn(ld, &r->groups, r,
                               "access rule '%s' checks groups without 'providers': a %s "
                               "organization of that name, which anyone can create, meets it; "
                               "add providers: [...] naming where the groups come from",
                               r->path, cfg->providers[i].display_name);
    return OA_OK;
}

static enum oa_err warn_google_domains(struct oa_cfg_load *ld, const struct oa_access_rule *r)
{
    const struct oa_config *cfg = ld->cfg;

    if (!r->email_domains.n)
        return OA_OK;
    for (size_t i = 0; i < cfg->nproviders; i++) {
        const struct oa_provider *p = &cfg->providers[i];
        if (p->kind == OA_PROVIDER_GOOGLE && !p->hosted_domain.n && rule_takes(r, p))
            return oa_cfg_warn(ld, &r->email_domains, r,
                               "access rule '%s' allows email_domains through provider '%s', "
                               "which has no hosted_domain: a personal Google account "
                               "registered with such an address meets it; set hosted_domain "
                               "(the Workspace domain) on '%s'",
                               r->path, p->name, p->name);
    }
    return OA_OK;
}

static enum oa_err warn_local_revocations(struct oa_cfg_load *ld)
{
    const struct oa_config *cfg = ld->cfg;

    if (!cfg->session.refresh_after || cfg->session.revocation_file || cfg->session.store)
        return OA_OK;
    return oa_cfg_warn(ld, &cfg->session.refresh_after, NULL,
                       "session refresh is on but neither session 'revocation_file' nor 'store' "
                       "is set: revocations (a refused refresh, logout, back-channel logout) "
                       "apply to this process only; set revocation_file (one host) or store "
                       "(several)");
}

/* True when the rule says something about the user, not only the request. */
static bool limits_who(const struct oa_access_rule *r)
{
    return r->emails.n || r->email_domains.n || r->groups.n || r->workspaces.n || r->providers.n;
}

/* A later rule that applies to every method and host and takes the
 * skipped requests: the same path, or a shorter one above it that limits
 * who may pass (a bare "/" rule lets every session in). */
static bool covered_later(const struct oa_config *cfg, size_t i)
{
    const struct oa_access_rule *r = &cfg->access[i];

    for (size_t j = i + 1; j < cfg->naccess; j++) {
        const struct oa_access_rule *o = &cfg->access[j];
        if (o->methods.n || o->hosts.n)
            continue;
        if (!strcmp(o->path, r->path))
            return true;
        if (limits_who(o) && !strncmp(r->path, o->path, strlen(o->path)) &&
            (o->path[strlen(o->path) - 1] == '/' || r->path[strlen(o->path)] == '/'))
            return true;
    }
    return false;
}

static enum oa_err warn_partial_rule(struct oa_cfg_load *ld, size_t i)
{
    const struct oa_access_rule *r = &ld->cfg->access[i];

    if (r->is_public || !limits_who(r) || (!r->methods.n && !r->hosts.n) ||
        covered_later(ld->cfg, i))
        return OA_OK;
    return oa_cfg_warn(ld, r->methods.n ? (const void *)&r->methods : (const void *)&r->hosts, r,
                       "access rule '%s' limits who may pass only for its %s: a request with "
                       "another %s skips it and reaches '%s' with any session; add a later rule "
                       "for '%s' without %s",
                       r->path, r->methods.n ? "methods" : "hosts",
                       r->methods.n ? "method" : "host", r->path, r->path,
                       r->methods.n ? "methods" : "hosts");
}

enum oa_err oa_cfg_advise(struct oa_cfg_load *ld)
{
    enum oa_err e;

    if ((e = warn_local_revocations(ld)))
        return e;
    for (size_t i = 0; i < ld->cfg->naccess; i++)
        if ((e = warn_open_groups(ld, &ld->cfg->access[i])) ||
            (e = warn_google_domains(ld, &ld->cfg->access[i])) || (e = warn_partial_rule(ld, i)))
            return e;
    return OA_OK;
}
