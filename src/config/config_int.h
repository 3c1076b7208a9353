/*
 * config_int.h - what the config_*.c files share while a config loads.
 *
 * The loader keeps, for every value it copied out of the YAML document, the
 * address of the field it went into and the value's position in the file
 * (struct oa_cfg_mark). The checks that run after the walk (defaults, the
 * environment, cross-field rules) use it to point their error messages at the
 * right FILE:LINE:COL without keeping the YAML document around.
 *
 * Who calls whom (no circle; DESIGN.md section 2): config.c runs the steps
 * config_walk.c, config_provider.c, config_check.c and config_warn.c in
 * that order; config_check.c uses config_provider.c's URL check and
 * config_log.c's check of log and audit, and config_provider.c
 * config_env.c; every one of them uses config_util.c,
 * which calls none of them.
 */
#ifndef OA_CONFIG_INT_H
#define OA_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/config.h"

struct oa_cfg_mark {
    const void *slot; /* address of the field (char **, int64_t *, ...) */
    unsigned line, col;
};

struct oa_cfg_load {
    struct oa_config *cfg;
    const char *name; /* file name used in messages */
    struct oa_error *err;
    struct oa_cfg_mark *marks;
    size_t nmarks, capmarks;
    unsigned top_line, top_col; /* the top-level mapping */
    size_t budget;              /* nodes left to visit (aliases cannot blow up) */
};

/* config_util.c: remembers where the value stored at slot came from. */
enum oa_err oa_cfg_mark_add(struct oa_cfg_load *ld, const void *slot, unsigned line,
                            unsigned col) OA_WUR;
/* config_util.c: position of slot's value, or of fallback's, or of the top mapping.
 * True when slot itself was found. */
bool oa_cfg_mark_find(const struct oa_cfg_load *ld, const void *slot, const void *fallback,
                      unsigned *line, unsigned *col);
/* config_util.c: an OA_ERR_CONFIG error at the position of slot (see oa_cfg_mark_find). */
enum oa_err oa_cfg_fail(struct oa_cfg_load *ld, const void *slot, const void *fallback,
                        const char *fmt, ...) OA_PRINTF(4, 5);

/* config_walk.c: fills ld->cfg from the parsed YAML text (libyaml document API). */
enum oa_err oa_cfg_walk(struct oa_cfg_load *ld, const char *yaml, size_t len) OA_WUR;

/* config_env.c: client_id/client_secret (and Cognito's domain) from the environment. */
enum oa_err oa_cfg_env_apply(struct oa_cfg_load *ld, struct oa_provider *p) OA_WUR;
/* config_env.c: true on a Hugging Face Space with OAuth (SPACE_HOST and OAUTH_CLIENT_ID). */
bool oa_cfg_env_space(void);
/* config_env.c: on a Space, public_url from SPACE_HOST and the huggingface
 * provider when the file has none (before the providers are finished). */
enum oa_err oa_cfg_env_space_apply(struct oa_cfg_load *ld) OA_WUR;
/* config_env.c: SOCIAL_AUTH_P_SCOPE added to p's scope (after the kind's defaults). */
enum oa_err oa_cfg_env_scope(struct oa_cfg_load *ld, struct oa_provider *p) OA_WUR;
/* config_env.c: the message naming every place a client_id/secret was looked for. */
enum oa_err oa_cfg_env_missing(struct oa_cfg_load *ld, const struct oa_provider *p,
                               const char *what) OA_WUR;

/* config_provider.c: kind, defaults and checks of every provider and extra_backends. */
enum oa_err oa_cfg_providers_finish(struct oa_cfg_load *ld) OA_WUR;
/* config_provider.c: checks an absolute http(s) URL given for key (http only when allowed). */
enum oa_err oa_cfg_check_url(struct oa_cfg_load *ld, char *const *slot, const void *fallback,
                             const char *key) OA_WUR;

/* config_entra.c: microsoft-entra's tenant, base_url, graph_url, issuer,
 * allowed_tenants (DESIGN.md section 15.1). */
enum oa_err oa_cfg_entra_defaults(struct oa_cfg_load *ld, struct oa_provider *p) OA_WUR;

/* config_check.c: public_url, base_path, session, hosts, access rules, keys. */
enum oa_err oa_cfg_check(struct oa_cfg_load *ld) OA_WUR;

/* config_metrics.c: metrics.listen, metrics.allow (parsed into metrics.nets), metrics.dir. */
enum oa_err oa_cfg_metrics_check(struct oa_cfg_load *ld) OA_WUR;
/* config_identity_token.c: identity_token (needs public_url; lifetime at
 * most 5m), its key file loaded into cfg->identity_token.keys. */
enum oa_err oa_cfg_check_identity_token(struct oa_cfg_load *ld) OA_WUR;
/* config_log.c: log (stderr, syslog, FILE) and audit (off, log, FILE). */
enum oa_err oa_cfg_check_log(struct oa_cfg_load *ld) OA_WUR;

/* config_util.c: a warning at the position of slot (see oa_cfg_mark_find),
 * added to cfg->warnings; OA_ERR_NOMEM only. */
enum oa_err oa_cfg_warn(struct oa_cfg_load *ld, const void *slot, const void *fallback,
                        const char *fmt, ...) OA_PRINTF(4, 5);
/* config_util.c: "FILE: warning: MSG" put first in cfg->warnings (a
 * warning about the file itself, which has no line). OA_ERR_NOMEM only. */
enum oa_err oa_config_warn_first(struct oa_config *cfg, const char *file, const char *msg) OA_WUR;
/* config_warn.c: the warnings about what loads but is risky (groups any
 * GitHub user can create, Google domains without hosted_domain). */
enum oa_err oa_cfg_advise(struct oa_cfg_load *ld) OA_WUR;

/* config_util.c: strdup that returns NULL on NULL. New string. */
char *oa_cfg_strdup(const char *s);
/* config_util.c: frees an oa_strlist's strings and array. */
void oa_cfg_strlist_free(struct oa_strlist *l);

#endif
