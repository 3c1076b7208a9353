/*
 * test_config.c - unit tests of the configuration loader: durations, the
 * environment's precedence, the built-ins' defaults, the summary (no
 * secrets), callback URLs, and the shared examples (Argilla, CVAT) loading
 * as they are. The error cases are table-driven in test_config_cases.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oa/config.h"
#include "tap.h"

static const char *top;

static struct oa_config *load_str(const char *yaml, struct oa_error *err)
{
    struct oa_config *cfg = NULL;

    if (oa_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), err) != OA_OK)
        return NULL;
    return cfg;
}

static void test_durations(void)
{
    int64_t ms = 0;

    ok(oa_duration_parse("8h", &ms) == 0 && ms == 8 * 3600000LL, "8h");
    ok(oa_duration_parse("10m", &ms) == 0 && ms == 600000, "10m");
    ok(oa_duration_parse("30s", &ms) == 0 && ms == 30000, "30s");
    ok(oa_duration_parse("1500ms", &ms) == 0 && ms == 1500, "1500ms");
    ok(oa_duration_parse("2d", &ms) == 0 && ms == 2 * 86400000LL, "2d");
    ok(oa_duration_parse("45", &ms) == 0 && ms == 45000, "bare number is seconds");
    ok(oa_duration_parse("0", &ms) == 0 && ms == 0, "0 parses (the config refuses it)");
    ok(oa_duration_parse("", &ms) == -1, "empty refused");
    ok(oa_duration_parse("h", &ms) == -1, "unit alone refused");
    ok(oa_duration_parse("-5s", &ms) == -1, "negative refused");
    ok(oa_duration_parse(" 5s", &ms) == -1, "leading space refused");
    ok(oa_duration_parse("5 s", &ms) == -1, "inner space refused");
    ok(oa_duration_parse("5x", &ms) == -1, "unknown unit refused");
    ok(oa_duration_parse("5sec", &ms) == -1, "long unit refused");
    ok(oa_duration_parse("99999999999999999999s", &ms) == -1, "overflow refused");
    ok(oa_duration_parse("9223372036854775807d", &ms) == -1, "multiplication overflow refused");
    ok(oa_duration_parse(NULL, &ms) == -1, "NULL refused");
}

static const char *gh = "providers:\n  - name: github\n";

static void clear_github_env(void)
{
    const char *v[] = {"OAUTH2_GITHUB_CLIENT_ID",         "OAUTH2_GITHUB_CLIENT_SECRET",
                       "ARGILLA_OAUTH2_GITHUB_CLIENT_ID", "ARGILLA_OAUTH2_GITHUB_CLIENT_SECRET",
                       "SOCIAL_AUTH_GITHUB_CLIENT_ID",    "SOCIAL_AUTH_GITHUB_CLIENT_SECRET"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        unsetenv(v[i]);
}

static void test_env_precedence(void)
{
    struct oa_error err;
    struct oa_config *cfg;
    const char *file = "providers:\n  - name: github\n    client_id: fid\n"
                       "    client_secret: fsecret\n";

    clear_github_env();
    cfg = load_str(file, &err);
    ok(cfg != NULL, "file only loads");
    if (cfg) {
        is_str(cfg->providers[0].client_id, "fid", "client_id from the file");
        is_str(cfg->providers[0].client_id_from, "file", "source: file");
        is_str(cfg->providers[0].client_secret_from, "file", "secret source: file");
    }
    oa_config_free(cfg);

    setenv("SOCIAL_AUTH_GITHUB_CLIENT_ID", "sid", 1);
    setenv("SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "ssecret", 1);
    cfg = load_str(file, &err);
    ok(cfg && !strcmp(cfg->providers[0].client_id, "sid"), "SOCIAL_AUTH_ beats the file");
    if (cfg)
        is_str(cfg->providers[0].client_id_from, "SOCIAL_AUTH_GITHUB_CLIENT_ID", "source named");
    oa_config_free(cfg);

    setenv("ARGILLA_OAUTH2_GITHUB_CLIENT_ID", "aid", 1);
    cfg = load_str(file, &err);
    ok(cfg && !strcmp(cfg->providers[0].client_id, "aid"), "ARGILLA_ beats SOCIAL_AUTH_");
    if (cfg) {
        is_str(cfg->providers[0].client_secret, "ssecret", "secret still from SOCIAL_AUTH_");
        is_str(cfg->providers[0].client_secret_from, "SOCIAL_AUTH_GITHUB_CLIENT_SECRET",
               "secret source");
    }
    oa_config_free(cfg);

    setenv("OAUTH2_GITHUB_CLIENT_ID", "oid", 1);
    setenv("OAUTH2_GITHUB_CLIENT_SECRET", "osecret", 1);
    cfg = load_str(file, &err);
    ok(cfg && !strcmp(cfg->providers[0].client_id, "oid"), "OAUTH2_ beats ARGILLA_");
    if (cfg) {
        is_str(cfg->providers[0].client_secret, "osecret", "OAUTH2_ secret");
        is_str(cfg->providers[0].client_id_from, "OAUTH2_GITHUB_CLIENT_ID", "source named");
    }
    oa_config_free(cfg);

    setenv("OAUTH2_GITHUB_CLIENT_ID", "", 1);
    cfg = load_str(file, &err);
    ok(cfg && !strcmp(cfg->providers[0].client_id, "aid"), "an empty variable counts as unset");
    oa_config_free(cfg);

    clear_github_env();
    setenv("OAUTH2_GITHUB_CLIENT_ID", "oid", 1);
    setenv("OAUTH2_GITHUB_CLIENT_SECRET", "osecret", 1);
    cfg = load_str(gh, &err);
    ok(cfg != NULL, "a provider with nothing in the file loads from the environment");
    oa_config_free(cfg);

    clear_github_env();
    setenv("OAUTH2_GITHUB_CLIENT_ID", "oid", 1);
    cfg = load_str(gh, &err);
    ok(!cfg && err.code == OA_ERR_CONFIG, "no secret anywhere is an error");
    ok(strstr(err.msg, "OAUTH2_GITHUB_CLIENT_SECRET") &&
           strstr(err.msg, "ARGILLA_OAUTH2_GITHUB_CLIENT_SECRET") &&
           strstr(err.msg, "SOCIAL_AUTH_GITHUB_CLIENT_SECRET") &&
           strstr(err.msg, "'client_secret'"),
       "the error names every place looked: %s", err.msg);
    clear_github_env();

    setenv("SOCIAL_AUTH_GOOGLE_CLIENT_ID", "gid", 1);
    setenv("SOCIAL_AUTH_GOOGLE_CLIENT_SECRET", "gsecret", 1);
    setenv("OAUTH2_CORP_SSO_CLIENT_ID", "cid", 1);
    setenv("OAUTH2_CORP_SSO_CLIENT_SECRET", "csecret", 1);
    cfg = load_str("providers:\n  - name: google-oauth2\n  - name: corp-sso\n"
                   "    issuer: https://idp.example.com\n",
                   &err);
    ok(cfg != NULL, "SOCIAL_AUTH_GOOGLE_* for google-oauth2, OAUTH2_CORP_SSO_* for corp-sso");
    if (cfg) {
        is_str(cfg->providers[0].client_id_from, "SOCIAL_AUTH_GOOGLE_CLIENT_ID", "google source");
        is_str(cfg->providers[1].client_secret_from, "OAUTH2_CORP_SSO_CLIENT_SECRET",
               "'-' becomes '_' in the variable name");
    }
    oa_config_free(cfg);
    unsetenv("SOCIAL_AUTH_GOOGLE_CLIENT_ID");
    unsetenv("SOCIAL_AUTH_GOOGLE_CLIENT_SECRET");
    unsetenv("OAUTH2_CORP_SSO_CLIENT_ID");
    unsetenv("OAUTH2_CORP_SSO_CLIENT_SECRET");
}

static void test_defaults(void)
{
    struct oa_error err;
    struct oa_config *cfg;
    const struct oa_provider *p;

    cfg = load_str("providers:\n"
                   "  - {name: github, client_id: a, client_secret: b}\n"
                   "  - {name: google-oauth2, client_id: a, client_secret: b}\n"
                   "  - {name: huggingface, client_id: a, client_secret: b}\n"
                   "  - {name: amazon-cognito, client_id: a, client_secret: b,\n"
                   "     domain: 'https://x.auth.eu-west-1.amazoncognito.com/'}\n"
                   "  - {name: apple-id, client_id: a, client_secret: b}\n"
                   "  - {name: corp, client_id: a, client_secret: b, issuer: https://i.example}\n",
                   &err);
    ok(cfg != NULL, "every built-in loads: %s", cfg ? "" : err.msg);
    if (!cfg)
        return;
    is_str(cfg->base_path, "/oauth", "base_path default");
    is_str(cfg->session.cookie_name, "oauth2_fcgi", "cookie_name default");
    is_str(cfg->session.cookie_full, "__Host-oauth2_fcgi", "__Host- prefix when Secure");
    ok(cfg->session.secure, "Secure by default");
    is_int(cfg->session.lifetime, 8 * 3600, "lifetime 8h");
    is_int(cfg->session.same_site, OA_SAME_SITE_LAX, "same_site lax");
    is_int(cfg->http.timeout_ms, 10000, "timeout 10s");
    is_int(cfg->log_level, OA_LOG_INFO, "log_level info");
    is_int(cfg->log, OA_LOG_STDERR, "log stderr");
    ok(cfg->log_file == NULL, "no log file");
    is_int(cfg->audit, OA_AUDIT_OFF, "audit off by default");
    ok(cfg->keys_random && cfg->keys.n == 1, "a random key without key_file");
    ok(cfg->workspaces.n == 1 && !strcmp(cfg->workspaces.v[0], "argilla"), "workspaces [argilla]");
    ok(cfg->public_url == NULL && cfg->public_host == NULL, "no public_url");

    p = oa_config_provider(cfg, "github", 6);
    ok(p && p->kind == OA_PROVIDER_GITHUB, "github kind");
    if (p) {
        is_str(p->display_name, "GitHub", "github display name");
        is_str(p->base_url, "https://github.com", "github base_url");
        is_str(p->api_url, "https://api.github.com", "github api_url");
        is_str(p->authorize_url, "https://github.com/login/oauth/authorize", "github authorize");
        is_str(p->token_url, "https://github.com/login/oauth/access_token", "github token");
        is_str(p->scope, "read:user user:email", "github scope");
    }
    p = oa_config_provider(cfg, "google-oauth2xyz", 13);
    ok(p && p->kind == OA_PROVIDER_GOOGLE, "lookup by length");
    if (p) {
        is_str(p->issuer, "https://accounts.google.com", "google issuer");
        is_str(p->scope, "openid email profile", "google scope");
        is_str(p->display_name, "Google", "google display name");
    }
    p = oa_config_provider(cfg, "huggingface", 11);
    ok(p && p->kind == OA_PROVIDER_HUGGINGFACE, "huggingface kind");
    if (p) {
        is_str(p->issuer, "https://huggingface.co", "hf issuer");
        is_str(p->scope, "openid profile", "hf scope");
        is_str(p->display_name, "Hugging Face", "hf display name");
    }
    p = oa_config_provider(cfg, "amazon-cognito", 14);
    ok(p && p->kind == OA_PROVIDER_COGNITO, "cognito kind");
    if (p) {
        is_str(p->authorize_url, "https://x.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
               "cognito authorize (trailing slash of the domain trimmed)");
        is_str(p->token_url, "https://x.auth.eu-west-1.amazoncognito.com/oauth2/token",
               "cognito token");
        is_str(p->userinfo_url, "https://x.auth.eu-west-1.amazoncognito.com/oauth2/userInfo",
               "cognito userinfo");
        is_str(p->end_session_url, "https://x.auth.eu-west-1.amazoncognito.com/logout",
               "cognito logout");
        is_str(p->display_name, "Amazon Cognito", "cognito display name");
    }
    p = oa_config_provider(cfg, "apple-id", 8);
    ok(p && p->kind == OA_PROVIDER_APPLE, "apple kind");
    if (p) {
        is_str(p->authorize_url, "https://appleid.apple.com/auth/authorize", "apple authorize");
        is_str(p->token_url, "https://appleid.apple.com/auth/token", "apple token");
        is_str(p->jwks_uri, "https://appleid.apple.com/auth/keys", "apple jwks");
        is_str(p->issuer, "https://appleid.apple.com", "apple issuer");
        is_str(p->scope, "name email", "apple scope");
    }
    p = oa_config_provider(cfg, "corp", 4);
    ok(p && p->kind == OA_PROVIDER_OIDC, "other names are OIDC");
    if (p) {
        is_str(p->display_name, "corp", "display name defaults to the name");
        is_str(p->scope, "openid email profile", "oidc scope");
        ok(p->authorize_url == NULL, "endpoints left to discovery");
    }
    ok(oa_config_provider(cfg, "nope", 4) == NULL, "unknown provider: NULL");
    oa_config_free(cfg);

    cfg = load_str("providers:\n  - name: github\n    client_id: a\n    client_secret: b\n"
                   "    base_url: https://ghe.example.com/\n    allowed_orgs: [acme]\n"
                   "    token_url: http://127.0.0.1:9/tok\nallow_http_redirect: true\n",
                   &err);
    ok(cfg != NULL, "github enterprise loads: %s", cfg ? "" : err.msg);
    if (cfg) {
        p = &cfg->providers[0];
        is_str(p->api_url, "https://ghe.example.com/api/v3", "enterprise api_url");
        is_str(p->authorize_url, "https://ghe.example.com/login/oauth/authorize",
               "enterprise authorize");
        is_str(p->token_url, "http://127.0.0.1:9/tok", "explicit endpoint wins");
        is_str(p->scope, "read:user user:email read:org", "read:org with allowed_orgs");
        ok(!cfg->session.secure, "not Secure with allow_http_redirect and no https public_url");
        is_str(cfg->session.cookie_full, "oauth2_fcgi", "no __Host- prefix then");
    }
    oa_config_free(cfg);
}

static void test_describe_and_callback(void)
{
    struct oa_error err;
    struct oa_config *cfg;
    char *s, *d;

    cfg = load_str("providers:\n  - name: github\n    client_id: the-id\n"
                   "    client_secret: s3cr3t-value\n"
                   "  - name: corp\n    client_id: c\n    client_secret: other-s3cr3t\n"
                   "    issuer: https://idp.example.com\n"
                   "    redirect_uri: https://app.example.com/custom/cb\n"
                   "public_url: https://App.Example.com:443/\nbase_path: /auth\n",
                   &err);
    ok(cfg != NULL, "config with public_url loads: %s", cfg ? "" : err.msg);
    if (!cfg)
        return;
    is_str(cfg->public_url, "https://app.example.com", "public_url normalised");
    is_str(cfg->public_host, "app.example.com", "public_host");
    ok(cfg->public_https, "public_https");
    s = oa_config_callback_url(cfg, &cfg->providers[0], "https://ignored.example");
    is_str(s, "https://app.example.com/auth/github/callback", "callback from public_url");
    free(s);
    s = oa_config_callback_url(cfg, &cfg->providers[1], NULL);
    is_str(s, "https://app.example.com/custom/cb", "redirect_uri wins");
    free(s);
    d = oa_config_describe(cfg);
    ok(d != NULL, "describe");
    if (d) {
        ok(!strstr(d, "s3cr3t"), "no secret in the summary");
        ok(strstr(d, "client_secret: set (from file)") != NULL, "secret shown as set");
        ok(strstr(d, "callback URL: https://app.example.com/auth/github/callback") != NULL,
           "callback URL line");
        ok(strstr(d, "client_id: the-id (from file)") != NULL, "client_id and source");
    }
    free(d);
    oa_config_free(cfg);

    cfg =
        load_str("providers:\n  - {name: github, client_id: a, client_secret: zz-secret}\n", &err);
    ok(cfg != NULL, "config without public_url loads");
    if (!cfg)
        return;
    s = oa_config_callback_url(cfg, &cfg->providers[0], "https://req.example");
    is_str(s, "https://req.example/oauth/github/callback", "callback from the request's origin");
    free(s);
    s = oa_config_callback_url(cfg, &cfg->providers[0], NULL);
    is_str(s, "<origin>/oauth/github/callback", "placeholder origin");
    free(s);
    d = oa_config_describe(cfg);
    ok(d && strstr(d, "callback URL: <origin>/oauth/github/callback") &&
           strstr(d, "taken from each request") && !strstr(d, "zz-secret"),
       "describe without public_url: <origin> and a note");
    free(d);
    oa_config_free(cfg);
}

static void test_errors(void)
{
    struct oa_error err;
    char line[1024];
    struct oa_config *cfg;

    cfg = load_str("providers:\n  - name: github\n    clent_id: x\n", &err);
    oa_error_format(&err, line, sizeof(line));
    is_str(line, "t.yml:3:5: unknown key 'clent_id' in provider (did you mean 'client_id'?)",
           "the brief's example message");
    ok(!cfg, "no config on error");
    cfg = load_str("providers:\n  - name: github\n    client_id: x\n    client_secret: TOPSECRET\n"
                   "    token_url: http://x.example/t\n",
                   &err);
    ok(!cfg && err.code == OA_ERR_CONFIG && !strstr(err.msg, "TOPSECRET"),
       "error messages never hold the secret");
    ok(oa_config_load(&cfg, "/nonexistent/oauth.yml", &err) == OA_ERR_CONFIG && !cfg,
       "a missing file is a config error");
}

static void test_find(void)
{
    unsetenv("OAUTH2_FCGI_CONFIG");
    unsetenv("ARGILLA_AUTH_OAUTH_CFG");
    is_str(oa_config_find("/x.yml"), "/x.yml", "explicit path first");
    setenv("ARGILLA_AUTH_OAUTH_CFG", "/argilla.yml", 1);
    is_str(oa_config_find(NULL), "/argilla.yml", "ARGILLA_AUTH_OAUTH_CFG");
    setenv("OAUTH2_FCGI_CONFIG", "/own.yml", 1);
    is_str(oa_config_find(NULL), "/own.yml", "OAUTH2_FCGI_CONFIG before Argilla's");
    unsetenv("OAUTH2_FCGI_CONFIG");
    unsetenv("ARGILLA_AUTH_OAUTH_CFG");
    if (access("./.oauth.yml", F_OK) != 0)
        ok(strstr(oa_config_find(NULL), "/oauth2-fcgi/oauth.yml") != NULL, "system default");
    else
        is_str(oa_config_find(NULL), "./.oauth.yml", "./.oauth.yml");
}

static struct oa_config *load_example(const char *name)
{
    char path[4096];
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char line[1024];

    snprintf(path, sizeof(path), "%s/tests/cases/config/good/%s/oauth.yml", top, name);
    if (oa_config_load(&cfg, path, &err) != OA_OK) {
        oa_error_format(&err, line, sizeof(line));
        printf("# %s\n", line);
    }
    return cfg;
}

static void test_examples(void)
{
    struct oa_config *cfg;
    char path[4096], line[512];
    FILE *f;

    cfg = load_example("argilla");
    ok(cfg && cfg->nproviders == 3, "Argilla's example loads as is");
    if (cfg) {
        is_str(cfg->providers[0].client_id, "<client_id>", "placeholders accepted as given");
        ok(cfg->workspaces.n == 1 && !strcmp(cfg->workspaces.v[0], "argilla"), "workspaces");
    }
    oa_config_free(cfg);

    cfg = load_example("argilla-apple");
    ok(cfg && cfg->providers[0].kind == OA_PROVIDER_APPLE && cfg->extra_backends.n == 1,
       "Argilla's Apple example loads as is");
    oa_config_free(cfg);

    cfg = load_example("cvat");
    ok(!cfg, "CVAT's file needs its environment");
    snprintf(path, sizeof(path), "%s/tests/cases/config/good/cvat/env", top);
    if ((f = fopen(path, "r"))) {
        while (fgets(line, sizeof(line), f)) {
            char *eq = strchr(line, '=');
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '#' || !eq)
                continue;
            *eq = '\0';
            setenv(line, eq + 1, 1);
        }
        fclose(f);
    }
    cfg = load_example("cvat");
    ok(cfg && cfg->nproviders == 3, "CVAT's file loads with cvat.env");
    if (cfg) {
        is_str(cfg->providers[0].client_id, "google-client-id",
               "google id from SOCIAL_AUTH_GOOGLE_");
        is_str(cfg->providers[2].authorize_url,
               "https://example-prefix.auth.us-east-1.amazoncognito.com/oauth2/authorize",
               "cognito domain from SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN");
        is_str(cfg->providers[2].client_secret_from, "SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET",
               "cognito secret source");
    }
    oa_config_free(cfg);
}

/* log: stderr | syslog | FILE and audit: off | log | FILE. */
static void test_log_targets(void)
{
    static const struct {
        const char *yaml;
        int log, audit;
        const char *log_file, *audit_file;
    } cases[] = {
        {"log: stderr\n", OA_LOG_STDERR, OA_AUDIT_OFF, NULL, NULL},
        {"log: syslog\naudit: log\n", OA_LOG_SYSLOG, OA_AUDIT_TO_LOG, NULL, NULL},
        {"log: /var/log/oa.log\naudit: off\n", OA_LOG_FILE, OA_AUDIT_OFF, "/var/log/oa.log", NULL},
        {"audit: /var/log/oa/audit.json\n", OA_LOG_STDERR, OA_AUDIT_TO_FILE, NULL,
         "/var/log/oa/audit.json"},
    };
    const char *bad[] = {"log: oa.log\n",    "log: Syslog\n",      "audit: yes\n",
                         "audit: ./a.log\n", "audit: /var/log/\n", "log: \"/tmp/a\\nb\"\n"};
    struct oa_error err;
    struct oa_config *cfg;
    char yaml[512];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(yaml, sizeof(yaml),
                 "providers:\n  - {name: github, client_id: a, "
                 "client_secret: b}\n%s",
                 cases[i].yaml);
        cfg = load_str(yaml, &err);
        ok(cfg != NULL, "loads: %s", cases[i].yaml);
        if (!cfg)
            continue;
        is_int(cfg->log, cases[i].log, "log target of %s", cases[i].yaml);
        is_int(cfg->audit, cases[i].audit, "audit target of %s", cases[i].yaml);
        ok(cases[i].log_file ? cfg->log_file && !strcmp(cfg->log_file, cases[i].log_file)
                             : !cfg->log_file,
           "log file of %s", cases[i].yaml);
        ok(cases[i].audit_file ? cfg->audit_file && !strcmp(cfg->audit_file, cases[i].audit_file)
                               : !cfg->audit_file,
           "audit file of %s", cases[i].yaml);
        oa_config_free(cfg);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(yaml, sizeof(yaml),
                 "providers:\n  - {name: github, client_id: a, "
                 "client_secret: b}\n%s",
                 bad[i]);
        cfg = load_str(yaml, &err);
        ok(!cfg && err.code == OA_ERR_CONFIG && err.line == 3 && strstr(err.msg, "must be"),
           "refused at line 3: %s (%s)", bad[i], err.msg);
        oa_config_free(cfg);
    }
}

int main(void)
{
    top = getenv("top_srcdir");
    if (!top)
        top = ".";
    test_durations();
    test_env_precedence();
    test_defaults();
    test_describe_and_callback();
    test_errors();
    test_find();
    test_examples();
    test_log_targets();
    return tap_done();
}
