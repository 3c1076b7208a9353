/*
 * config.c - loading a configuration: where the file is, reading it, the
 * order of the steps (YAML walk, providers, checks, keys), and freeing.
 *
 * The steps live in their own files: config_walk.c (YAML and the key table),
 * config_env.c (environment overrides), config_provider.c (built-in
 * providers), config_check.c (the rest of the rules), config_describe.c
 * (--check-config). They share struct oa_cfg_load (config_int.h), whose marks
 * remember where each value stood in the file for error messages; the
 * helpers they share (marks, errors, warnings, strings) are config_util.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "oa/crypto.h"
#include "oa/file_mode.h"
#include "oa/sign_key.h"

#define OA_CONFIG_MAX_BYTES (1024 * 1024)

/* Numbers each load (struct oa_config.serial). */
static _Atomic uint64_t load_serial;

/* The last place looked is fixed by DESIGN.md section 2 whatever the
 * install prefix, so an operator always knows where it is. */
#define OA_CONFIG_SYSTEM_PATH "/etc/oauth2-fcgi/oauth.yml"

const char *oa_config_find(const char *explicit_path)
{
    const char *s;

    if (explicit_path && explicit_path[0])
        return explicit_path;
    if ((s = getenv("OAUTH2_FCGI_CONFIG")) && s[0])
        return s;
    if ((s = getenv("ARGILLA_AUTH_OAUTH_CFG")) && s[0])
        return s;
    if (access("./.oauth.yml", F_OK) == 0)
        return "./.oauth.yml";
    return OA_CONFIG_SYSTEM_PATH;
}

static void free_str(char **s)
{
    free(*s);
    *s = NULL;
}

static void wipe_str(char **s)
{
    if (*s)
        oa_wipe(*s, strlen(*s));
    free_str(s);
}

static void map_free(struct oa_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        oa_cfg_strlist_free(&m->v[i].groups);
        oa_cfg_strlist_free(&m->v[i].emails);
        oa_cfg_strlist_free(&m->v[i].email_domains);
        oa_cfg_strlist_free(&m->v[i].providers);
    }
    free(m->v);
}

static void provider_free(struct oa_provider *p)
{
    char **strs[] = {
        &p->name,         &p->display_name,     &p->client_id,        &p->scope,
        &p->redirect_uri, &p->issuer,           &p->base_url,         &p->api_url,
        &p->domain,       &p->user_pool_id,     &p->region,           &p->authorize_url,
        &p->token_url,    &p->userinfo_url,     &p->end_session_url,  &p->jwks_uri,
        &p->team_id,      &p->key_id,           &p->private_key_file, &p->client_id_env,
        &p->scope_env,    &p->client_secret_env};

    wipe_str(&p->client_secret);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free_str(strs[i]);
    oa_cfg_strlist_free(&p->allowed_orgs);
    oa_cfg_strlist_free(&p->allowed_teams);
    oa_cfg_strlist_free(&p->hosted_domain);
    oa_cfg_strlist_free(&p->groups_claim);
    map_free(&p->role_map);
    map_free(&p->workspace_map);
    oa_cfg_strlist_free(&p->api_audiences);
    free(p->introspection_url);
    free_str(&p->kind_name);
    free_str(&p->tenant);
    free_str(&p->graph_url);
    oa_cfg_strlist_free(&p->allowed_tenants);
    oa_cfg_strlist_free(&p->allowed_groups);
}

static void access_free(struct oa_access_rule *r)
{
    free_str(&r->path);
    oa_cfg_strlist_free(&r->emails);
    oa_cfg_strlist_free(&r->email_domains);
    oa_cfg_strlist_free(&r->groups);
    oa_cfg_strlist_free(&r->workspaces);
    oa_cfg_strlist_free(&r->providers);
    oa_cfg_strlist_free(&r->methods);
    oa_cfg_strlist_free(&r->scopes);
    oa_cfg_strlist_free(&r->hosts);
    oa_cfg_strlist_free(&r->roles);
}

void oa_config_free(struct oa_config *cfg)
{
    size_t i;

    if (!cfg)
        return;
    for (i = 0; i < cfg->nproviders; i++)
        provider_free(&cfg->providers[i]);
    free(cfg->providers);
    for (i = 0; i < cfg->naccess; i++)
        access_free(&cfg->access[i]);
    free(cfg->access);
    oa_cfg_strlist_free(&cfg->workspaces);
    oa_cfg_strlist_free(&cfg->extra_backends);
    oa_cfg_strlist_free(&cfg->allowed_redirect_hosts);
    oa_cfg_strlist_free(&cfg->warnings);
    map_free(&cfg->role_map);
    map_free(&cfg->workspace_map);
    oa_cfg_strlist_free(&cfg->keep_groups);
    free(cfg->groups_named.v); /* borrowed strings (the maps', rules', keep_groups') */
    free(cfg->file);
    free(cfg->public_url);
    free(cfg->public_host);
    free(cfg->base_path);
    free(cfg->session.key_file);
    free(cfg->session.cookie_name);
    free(cfg->session.cookie_full);
    free(cfg->session.revocation_file);
    free(cfg->session.store);
    free(cfg->http.ca_file);
    free(cfg->metrics.listen);
    oa_cfg_strlist_free(&cfg->metrics.allow);
    free(cfg->metrics.nets);
    free(cfg->metrics.dir);
    free(cfg->log_file);
    free(cfg->audit_file);
    oa_keyring_wipe(&cfg->keys);
    free(cfg->identity_token.key_file);
    free(cfg->identity_token.audience);
    oa_sign_keys_free(cfg->identity_token.keys);
    free(cfg->identity_token.keys);
    free(cfg);
}

static void set_defaults(struct oa_config *cfg)
{
    cfg->session.lifetime = 8 * 3600;
    cfg->session.same_site = OA_SAME_SITE_LAX;
    cfg->http.timeout_ms = 10000;
    cfg->log_level = OA_LOG_INFO;
    cfg->log = OA_LOG_STDERR;
    cfg->identity_token.lifetime = 120;
}

enum oa_err oa_config_load_string(struct oa_config **out, const char *name, const char *yaml,
                                  size_t len, struct oa_error *err)
{
    struct oa_cfg_load ld = {0};
    enum oa_err e;

    *out = NULL;
    oa_error_clear(err);
    if (!(ld.cfg = calloc(1, sizeof(*ld.cfg))) || !(ld.cfg->file = strdup(name))) {
        free(ld.cfg);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    ld.cfg->serial = atomic_fetch_add(&load_serial, 1) + 1;
    ld.name = name;
    ld.err = err;
    set_defaults(ld.cfg);
    if (!(e = oa_cfg_walk(&ld, yaml, len)) && !(e = oa_cfg_providers_finish(&ld)) &&
        !(e = oa_cfg_check(&ld)) && !(e = oa_cfg_maps_check(&ld)))
        e = oa_cfg_advise(&ld);
    free(ld.marks);
    if (e) {
        oa_config_free(ld.cfg);
        return e;
    }
    *out = ld.cfg;
    return OA_OK;
}

/* Opens the config and judges its mode on the open descriptor (file_mode.c):
 * refused when group or others may write it; *warn set ("" if none) when
 * others may read it. */
static FILE *open_config(const char *path, char *warn, size_t cap, struct oa_error *err)
{
    char msg[256];
    bool others_read;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    FILE *f;

    warn[0] = '\0';
    if (fd < 0) {
        oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (oa_file_mode_check(fd, &others_read, msg, sizeof(msg)) != OA_OK) {
        close(fd);
        oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "the config file is %s", msg);
        return NULL;
    }
    if (others_read)
        snprintf(warn, cap, "%s", msg);
    if (!(f = fdopen(fd, "rb"))) {
        close(fd);
        oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    return f;
}

/* Reads the whole file (capped); new buffer in *buf, wiped and freed by the caller. */
static enum oa_err read_file(const char *path, char **buf, size_t *len, char *warn, size_t wcap,
                             struct oa_error *err)
{
    FILE *f = open_config(path, warn, wcap, err);
    size_t n = 0, cap = 4096;
    char *p;

    if (!f)
        return err ? err->code : OA_ERR_CONFIG;
    if (!(p = malloc(cap + 1))) {
        fclose(f);
        return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
    }
    for (;;) {
        size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= OA_CONFIG_MAX_BYTES) {
            fclose(f);
            oa_wipe(p, n);
            free(p);
            return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "larger than %d bytes",
                               OA_CONFIG_MAX_BYTES);
        }
        char *q = realloc(p, cap * 2 + 1);
        if (!q) {
            fclose(f);
            oa_wipe(p, n);
            free(p);
            return oa_error_set(err, OA_ERR_NOMEM, "out of memory");
        }
        p = q;
        cap *= 2;
    }
    if (ferror(f)) {
        int saved = errno;
        fclose(f);
        oa_wipe(p, n);
        free(p);
        return oa_error_at(err, OA_ERR_CONFIG, path, 0, 0, "cannot read: %s", strerror(saved));
    }
    fclose(f);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return OA_OK;
}

enum oa_err oa_config_load(struct oa_config **out, const char *path, struct oa_error *err)
{
    char *buf = NULL, warn[256];
    size_t len = 0;
    enum oa_err e;

    *out = NULL;
    if ((e = read_file(path, &buf, &len, warn, sizeof(warn), err)))
        return e;
    e = oa_config_load_string(out, path, buf, len, err);
    oa_wipe(buf, len);
    free(buf);
    if (e == OA_OK && warn[0] && (e = oa_config_warn_first(*out, path, warn)) != OA_OK) {
        oa_config_free(*out);
        *out = NULL;
        oa_error_set(err, e, "out of memory");
    }
    return e;
}
