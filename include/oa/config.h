/*
 * config.h - the validated configuration (DESIGN.md section 2).
 *
 * Loaded once at start-up by oa_config_load(); read-only afterwards, shared
 * by every thread. Strings are owned by the config (freed by oa_config_free).
 * Environment variables override the file (OAUTH2_<P>_CLIENT_ID/SECRET,
 * ARGILLA_OAUTH2_*, SOCIAL_AUTH_*).
 */
#ifndef OA_CONFIG_H
#define OA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/cidr.h"
#include "oa/err.h"
#include "oa/keyring.h"
#include "oa/log.h"

struct oa_sign_keys; /* sign_key.h */

struct oa_strlist {
    char **v;
    size_t n;
};

enum oa_provider_kind {
    OA_PROVIDER_OIDC = 0, /* any OpenID provider: issuer (discovery) or explicit endpoints */
    OA_PROVIDER_GITHUB,   /* not OpenID: REST API */
    OA_PROVIDER_GOOGLE,   /* google-oauth2 */
    OA_PROVIDER_HUGGINGFACE,
    OA_PROVIDER_COGNITO, /* amazon-cognito */
    OA_PROVIDER_APPLE,   /* apple-id: form_post, ES256 client secret */
    OA_PROVIDER_ENTRA,   /* microsoft-entra: tenant, {tenantid} issuers, Graph groups */
    OA_PROVIDER_GITLAB   /* gitlab: OpenID at base_url, groups / groups_direct */
};

/* One entry of a roles: or workspaces: map (DESIGN.md 15.2):
 * the name is given to a user who is in one of groups, has one of emails
 * or an address at one of email_domains (any of those: OR), and, when
 * providers is given (top-level maps only), signed in through one of them
 * (AND). An entry with only providers gives the name to all their users. */
struct oa_map_entry {
    char *name; /* the role or workspace: no comma, no control byte */
    struct oa_strlist groups, emails, email_domains, providers;
    unsigned line, col;
};

struct oa_map {
    struct oa_map_entry *v;
    size_t n;
};

/* Where a provider's client_id/client_secret came from (for --check-config). */
struct oa_provider {
    char *name; /* as in the file: github, google-oauth2, corp... */
    enum oa_provider_kind kind;
    char *display_name; /* default: a nice name for built-ins, else name */
    char *client_id;
    char *client_secret; /* NULL for apple-id when team_id/key_id/private_key_file are given */
    const char *client_id_from;     /* static: "file", "OAUTH2_GITHUB_CLIENT_ID", ... */
    const char *client_secret_from; /* static, as above */
    /* A variable's name is made from the provider's name, so *_from point to
     * "file" (static) or to these (owned, live with the config): */
    char *client_id_env;     /* the variable client_id came from, or NULL */
    char *client_secret_env; /* the variable client_secret came from, or NULL */
    char *scope;             /* default per kind (DESIGN section 6) */
    char *scope_env;    /* OAUTH_SCOPES (set it) or SOCIAL_AUTH_P_SCOPE (added to it), or NULL */
    bool from_space;    /* added by a Hugging Face Space's environment (config_env.c) */
    char *redirect_uri; /* override; NULL: derived from public_url/base_path */
    /* endpoints: given, or filled from the kind's defaults; NULL when discovery will tell */
    char *issuer;
    char *base_url; /* github (Enterprise / tests) */
    char *api_url;  /* github API: https://api.github.com or <base_url>/api/v3 */
    char *domain;   /* amazon-cognito */
    /* amazon-cognito: the pool, for the issuer https://cognito-idp.<region>.amazonaws.com/<id>
     * (region: given, or the id's prefix "eu-west-1_"); without it nor an issuer the
     * identity is userInfo's (src/flow/provider_cognito.c) */
    char *user_pool_id, *region;
    char *authorize_url;
    char *token_url;
    char *userinfo_url;
    char *end_session_url;
    char *jwks_uri;
    /* paths of the claims holding groups (OIDC; claims.h): their union; none: the kind's default */
    struct oa_strlist groups_claim;
    bool offline_access; /* ask for a refresh token (offline_access; Google access_type=offline) */
    struct oa_strlist hosted_domain; /* google: hd= sent, the id_token's hd must be one; "*": any */
    struct oa_strlist allowed_orgs;  /* github */
    struct oa_strlist allowed_teams; /* github, "org/team" */
    char *team_id, *key_id, *private_key_file; /* apple-id */
    /* bearer tokens (bearer.h, DESIGN.md 16.1): the audiences an API access token
     * of this provider may carry (its aud must hold one); none: bearer tokens off */
    struct oa_strlist api_audiences;
    /* opaque tokens (RFC 7662): asked of the provider's introspection endpoint
     * (introspection_url, else discovery's): the one network call of a decision */
    bool introspection;
    char *introspection_url;
    char *kind_name; /* kind: a built-in's name for an entry named otherwise, or NULL */
    /* microsoft-entra (src/flow/provider_entra.c): the tenant (GUID, domain,
     * organizations, common or consumers); Graph for group overage; the
     * tenants (tids, or "*") whose users may sign in */
    char *tenant, *graph_url;
    struct oa_strlist allowed_tenants;
    struct oa_strlist allowed_groups; /* gitlab, microsoft-entra: one of them is required */
    /* roles: / workspaces: for this provider's users, added to the top-level ones */
    struct oa_map role_map, workspace_map;
    unsigned line, col; /* of the entry in the file */
};

struct oa_access_rule {
    char *path; /* prefix of the normalised request path */
    size_t path_len;
    struct oa_strlist emails;
    struct oa_strlist email_domains;
    struct oa_strlist groups;
    struct oa_strlist workspaces;
    struct oa_strlist providers;
    struct oa_strlist roles; /* one of the identity's roles (roles: maps) */
    /* Conditions on the request, not the user (access.c): the rule is
     * skipped when they do not hold. methods: exact tokens (GET also covers
     * HEAD); hosts: lower-case names, "*.example.com" for any subdomain. */
    struct oa_strlist methods;
    struct oa_strlist hosts;
    bool is_public; /* public: true: passes without a session */
    /* scopes a bearer token must all hold (its scope/scp); a rule with scopes
     * never passes a cookie session (access.c) */
    struct oa_strlist scopes;
    unsigned line, col;
};

enum oa_same_site { OA_SAME_SITE_LAX = 0, OA_SAME_SITE_STRICT, OA_SAME_SITE_NONE };
enum oa_log_target { OA_LOG_STDERR = 0, OA_LOG_SYSLOG, OA_LOG_FILE };
/* Where the audit log goes (audit.h): nowhere, the log, its own file. */
enum oa_audit_target { OA_AUDIT_OFF = 0, OA_AUDIT_TO_LOG, OA_AUDIT_TO_FILE };

struct oa_config {
    char *file;      /* the path it was loaded from */
    uint64_t serial; /* this load's number in the process (config.c; 0: not loaded from a file):
                        what a cache of things verified under a config is keyed by, never its
                        address, which a later config may reuse */
    struct oa_provider *providers;
    size_t nproviders;
    struct oa_strlist workspaces; /* allowed_workspaces names; default [argilla] */
    bool allow_http_redirect;
    struct oa_strlist extra_backends;
    char *public_url;            /* origin, no trailing slash; NULL: derive from the request */
    const char *public_url_from; /* static: NULL (the file) or "SPACE_HOST" (config_env.c) */
    char *public_host; /* host[:port] of public_url, lower-case; NULL without public_url */
    bool public_https; /* public_url is https */
    char *base_path;   /* default "/oauth"; starts with '/', no trailing slash */
    struct {
        char *key_file;    /* NULL: random key at start-up */
        char *cookie_name; /* as configured, default "oauth2_fcgi" */
        char *cookie_full; /* with the __Host- prefix when secure */
        bool secure;       /* Secure attribute (false only with allow_http_redirect) */
        int64_t lifetime;  /* seconds, default 8h */
        enum oa_same_site same_site;
        int64_t not_before;    /* epoch seconds, 0 = none */
        int64_t refresh_after; /* seconds; 0 = no refresh (DESIGN.md section 14) */
        char *revocation_file; /* the host's revocation journal; NULL: none */
        char *store;           /* "redis://HOST:PORT/DB" shared by hosts; NULL: none */
    } session;
    struct oa_keyring keys;                   /* loaded from key_file, or one random key */
    bool keys_random;                         /* true: no key_file (warn at start-up) */
    struct oa_strlist allowed_redirect_hosts; /* lower-case; "*.example.com" allowed */
    struct oa_access_rule *access;
    size_t naccess;
    struct {
        int64_t timeout_ms; /* default 10s */
        char *ca_file;      /* NULL: system default */
    } http;
    struct {
        char *listen;            /* "host:port" of the metrics listener; NULL: none */
        struct oa_strlist allow; /* CIDRs that may read <base_path>/metrics; none: nobody */
        struct oa_cidr *nets;    /* allow, parsed (nallow entries) */
        size_t nnets;
        char *dir; /* where the counters' shared file lives; NULL: this process tree only */
    } metrics;
    enum oa_log_level log_level; /* default info */
    enum oa_log_target log;
    char *log_file;             /* log: FILE (an absolute path), else NULL */
    enum oa_audit_target audit; /* default off */
    char *audit_file;           /* audit: FILE (an absolute path), else NULL */
    /* DESIGN.md 15.2: the top-level maps, and the groups a
     * session keeps: keep_groups plus every group a rule or a map names
     * (groups_named: sorted, unique, made at load; bsearch with strcmp).
     * keep_groups: ["*"] keeps them all (keep_all_groups; the size is then
     * unbounded). cookie_max: bytes of the largest Set-Cookie value
     * (name=value; attributes) a sign-in can make, 0 when unbounded. */
    struct oa_map role_map, workspace_map;
    struct oa_strlist keep_groups;
    bool keep_all_groups;
    struct oa_strlist groups_named;
    size_t cookie_max;
    /* The signed identity for the application (identity_token.h, DESIGN.md
     * section 16.2): off without key_file. */
    struct {
        bool given;                /* the mapping is in the file */
        char *key_file;            /* PEM, one or more keys: the first signs */
        int64_t lifetime;          /* seconds, default 120, at most 300 */
        char *audience;            /* NULL: the request's host */
        struct oa_sign_keys *keys; /* loaded from key_file (owned); NULL when off */
    } identity_token;
    /* What loads but is risky, "FILE:LINE:COL: warning: ..." (owned): printed
     * by --check-config and logged at start-up (src/config/config_warn.c). */
    struct oa_strlist warnings;
};

/* Finds the config file: explicit path, else $OAUTH2_FCGI_CONFIG, else
 * $ARGILLA_AUTH_OAUTH_CFG, else ./.oauth.yml, else /etc/oauth2-fcgi/oauth.yml.
 * Returns a borrowed string (explicit or from the environment) or a static one. */
const char *oa_config_find(const char *explicit_path);

/* Loads, applies the environment, validates, loads keys. On success *out is
 * new (free with oa_config_free). On failure err has FILE:LINE:COL and a
 * message without secrets, and *out is NULL. */
enum oa_err oa_config_load(struct oa_config **out, const char *path, struct oa_error *err) OA_WUR;
/* Same from a string (tests); name is used in error positions. */
enum oa_err oa_config_load_string(struct oa_config **out, const char *name, const char *yaml,
                                  size_t len, struct oa_error *err) OA_WUR;
void oa_config_free(struct oa_config *cfg);

/* The provider of that name (len bytes, not NUL-terminated), or NULL. */
const struct oa_provider *oa_config_provider(const struct oa_config *cfg, const char *name,
                                             size_t len);

/* p's index in cfg->providers, or cfg->nproviders when p is not one of them. */
size_t oa_config_provider_index(const struct oa_config *cfg, const struct oa_provider *p);

/* --check-config: a summary without secrets, with the callback URL to
 * register for every provider. New string, caller frees. */
char *oa_config_describe(const struct oa_config *cfg);

/* The callback URL for p: redirect_uri, or <public_url><base_path>/<name>/callback;
 * without public_url, origin is the request's (may be NULL then: "<origin>").
 * New string, caller frees. */
char *oa_config_callback_url(const struct oa_config *cfg, const struct oa_provider *p,
                             const char *origin);

/* True for amazon-cognito with its domain alone (no issuer, user_pool_id
 * or jwks_uri): the identity is then Cognito's userInfo, not an id_token
 * (its sign-in: src/flow/provider_cognito.c). */
bool oa_cognito_userinfo_only(const struct oa_provider *p);

/* Parses "8h", "10m", "30s", "1500ms", "2d", or a bare number of seconds.
 * Returns 0 and sets *ms, or -1. */
int oa_duration_parse(const char *s, int64_t *ms);

#endif
