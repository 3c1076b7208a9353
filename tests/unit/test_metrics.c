/* test_metrics.c - the counters, the Prometheus text (DESIGN.md section
 * 10), metrics.allow and the metrics keys of the config, and the
 * decisions the authorizer counts. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/cidr.h"
#include "oa/handler.h"
#include "oa/metrics.h"
#include "oa/runtime.h"
#include "tap.h"

static struct oa_metrics_block blk;
static struct oa_runtime rt; /* the run-time state beside cfg, as the edge makes it */

static void fresh(void)
{
    oa_metrics_block_init(&blk);
    oa_metrics_use(&blk);
}

static char *render(const struct oa_config *cfg)
{
    struct oa_buf b = {0};

    ok(oa_metrics_render(&b, cfg) == OA_OK, "render works");
    return oa_buf_steal(&b);
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; p && (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n'))
            return true;
    return false;
}

/* The whole text, byte for byte, without a config: only what counted. */
static void exact_text(void)
{
    char *t;
    char want[4096];

    fresh();
    oa_metrics_decision(OA_MX_ALLOW, OA_MX_RULE_NONE);
    oa_metrics_decision(OA_MX_ALLOW, OA_MX_RULE_NONE);
    oa_metrics_decision(OA_MX_FORBIDDEN, 3);
    oa_metrics_signin(0, OA_MX_CAUSE_NONCE);
    oa_metrics_call(0, OA_MX_TOKEN, 3000);
    oa_metrics_refresh(0, OA_MX_REFRESH_DEFERRED);
    oa_metrics_revocation(OA_MX_REV_BACKCHANNEL);
    oa_metrics_revocation(OA_MX_REV_LOGOUT);
    oa_metrics_revocation(OA_MX_REV_LOGOUT);
    oa_metrics_revocation(OA_MX_REV_SOURCES); /* out of range: not counted */
    oa_metrics_refresh(0, OA_MX_REFRESH_RESULTS);
    t = render(NULL);
    snprintf(
        want, sizeof(want),
        "# HELP oauth2_fcgi_build_info The running program's version, always 1.\n"
        "# TYPE oauth2_fcgi_build_info gauge\n"
        "oauth2_fcgi_build_info{version=\"%s\"} 1\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch in "
        "seconds.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds 0.000\n"
        "# HELP oauth2_fcgi_decisions_total Authorizer decisions by outcome and the access rule "
        "that matched the path.\n"
        "# TYPE oauth2_fcgi_decisions_total counter\n"
        "oauth2_fcgi_decisions_total{outcome=\"allow\",rule=\"none\",path=\"\"} 2\n"
        "oauth2_fcgi_decisions_total{outcome=\"sign_in\",rule=\"none\",path=\"\"} 0\n"
        "oauth2_fcgi_decisions_total{outcome=\"unauthorized\",rule=\"none\",path=\"\"} 0\n"
        "oauth2_fcgi_decisions_total{outcome=\"forbidden\",rule=\"4\",path=\"\"} 1\n"
        "oauth2_fcgi_decisions_total{outcome=\"forbidden\",rule=\"none\",path=\"\"} 0\n"
        "oauth2_fcgi_decisions_total{outcome=\"refresh\",rule=\"none\",path=\"\"} 0\n"
        "# HELP oauth2_fcgi_signin_starts_total Sign-ins started (the provider's login "
        "endpoint) by provider.\n"
        "# TYPE oauth2_fcgi_signin_starts_total counter\n"
        "# HELP oauth2_fcgi_signins_total Sign-ins finished (the provider's callback) by "
        "provider, result and the cause of a failure.\n"
        "# TYPE oauth2_fcgi_signins_total counter\n"
        "oauth2_fcgi_signins_total{provider=\"0\",result=\"failed\",cause=\"nonce\"} 1\n"
        "# HELP oauth2_fcgi_provider_call_duration_seconds Time of the calls to identity "
        "providers by provider and kind of call.\n"
        "# TYPE oauth2_fcgi_provider_call_duration_seconds histogram\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.005\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.01\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.025\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.05\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.1\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.25\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"0.5\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"1\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"2.5\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"5\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"10\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_bucket{provider=\"0\",call=\"token\","
        "le=\"+Inf\"} 1\n"
        "oauth2_fcgi_provider_call_duration_seconds_sum{provider=\"0\",call=\"token\"} "
        "0.003000\n"
        "oauth2_fcgi_provider_call_duration_seconds_count{provider=\"0\",call=\"token\"} 1\n"
        "# HELP oauth2_fcgi_refreshes_total Session refreshes (<base_path>/refresh) by provider "
        "and result.\n"
        "# TYPE oauth2_fcgi_refreshes_total counter\n"
        "oauth2_fcgi_refreshes_total{provider=\"0\",result=\"deferred\"} 1\n"
        "# HELP oauth2_fcgi_revocations_total Sessions revoked by this set-up's processes, by "
        "source (--revoke is not counted).\n"
        "# TYPE oauth2_fcgi_revocations_total counter\n"
        "oauth2_fcgi_revocations_total{source=\"logout\"} 2\n"
        "oauth2_fcgi_revocations_total{source=\"backchannel\"} 1\n"
        "oauth2_fcgi_revocations_total{source=\"refresh\"} 0\n",
        PACKAGE_VERSION);
    is_str(t, want, "the exposition, byte for byte");
    free(t);
}

/* Buckets are cumulative; _count is the +Inf bucket; _sum in seconds. */
static void histogram(void)
{
    static const char *const p = "oauth2_fcgi_provider_call_duration_seconds";
    char line[256], *t;

    fresh();
    oa_metrics_call(1, OA_MX_JWKS, 3000);     /* <= 5 ms */
    oa_metrics_call(1, OA_MX_JWKS, 7000);     /* <= 10 ms */
    oa_metrics_call(1, OA_MX_JWKS, 30000);    /* <= 50 ms */
    oa_metrics_call(1, OA_MX_JWKS, 5000);     /* exactly on a bound: in it */
    oa_metrics_call(1, OA_MX_JWKS, 20000000); /* past every bound */
    t = render(NULL);
#define LINE(suffix, le, v)                                                                        \
    snprintf(line, sizeof(line), "%s_bucket{provider=\"1\",call=\"jwks\",le=\"%s\"} %s", p, le,    \
             v);                                                                                   \
    ok(has_line(t, line), "%s", line)
    LINE("", "0.005", "2");
    LINE("", "0.01", "3");
    LINE("", "0.025", "3");
    LINE("", "0.05", "4");
    LINE("", "10", "4");
    LINE("", "+Inf", "5");
#undef LINE
    snprintf(line, sizeof(line), "%s_sum{provider=\"1\",call=\"jwks\"} 20.045000", p);
    ok(has_line(t, line), "%s", line);
    snprintf(line, sizeof(line), "%s_count{provider=\"1\",call=\"jwks\"} 5", p);
    ok(has_line(t, line), "%s", line);
    ok(!strstr(t, "call=\"token\""), "a kind never observed without a config is not shown");
    free(t);
}

static void escaping(void)
{
    struct oa_buf b = {0};

    ok(oa_metrics_label(&b, "a\"b\\c\nd") == OA_OK, "label escape runs");
    is_str(b.p, "a\\\"b\\\\c\\nd", "backslash, quote and newline escaped");
    oa_buf_free(&b);
}

/* With a config: rules and providers by name, every configured series
 * shown from zero, a rule path with a quote escaped. */
static void named(void)
{
    struct oa_config cfg;
    char *t;

    fresh();
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/admin/", "", "", "ops", "", "");
    cfx_rule(&cfg, "/we\"ird", "", "", "", "", "");
    oa_metrics_decision(OA_MX_ALLOW, 0);
    oa_metrics_signin(1, OA_MX_SIGNIN_OK);
    oa_metrics_signin(7, OA_MX_CAUSE_STATE);   /* not configured: by index */
    oa_metrics_signin(100, OA_MX_CAUSE_STATE); /* past the bound: other */
    oa_metrics_decision(OA_MX_FORBIDDEN, 9999);
    t = render(&cfg);
    ok(has_line(t, "oauth2_fcgi_decisions_total{outcome=\"allow\",rule=\"1\",path=\"/admin/\"} 1"),
       "a rule by number (from 1, as --check-config) and path");
    ok(has_line(
           t, "oauth2_fcgi_decisions_total{outcome=\"sign_in\",rule=\"2\",path=\"/we\\\"ird\"} 0"),
       "every rule shown from zero, its path escaped");
    ok(has_line(t, "oauth2_fcgi_decisions_total{outcome=\"forbidden\",rule=\"other\",path=\"\"} 1"),
       "an out-of-range rule counts as other");
    ok(has_line(t, "oauth2_fcgi_signins_total{provider=\"corp\",result=\"ok\",cause=\"none\"} 1"),
       "a sign-in by provider name");
    ok(has_line(
           t, "oauth2_fcgi_signins_total{provider=\"github\",result=\"failed\",cause=\"rules\"} 0"),
       "every cause of every provider shown from zero");
    ok(has_line(t, "oauth2_fcgi_signins_total{provider=\"7\",result=\"failed\",cause=\"state\"} 1"),
       "an unknown provider by index");
    ok(has_line(
           t, "oauth2_fcgi_signins_total{provider=\"other\",result=\"failed\",cause=\"state\"} 1"),
       "past the bound: other");
    ok(has_line(t, "oauth2_fcgi_signin_starts_total{provider=\"github\"} 0"), "starts from zero");
    ok(has_line(t, "oauth2_fcgi_provider_call_duration_seconds_count{provider=\"corp\",call="
                   "\"discovery\"} 0"),
       "every call kind of a configured provider shown");
    free(t);
    oa_keyring_wipe(&cfg.keys);
    cfx_free();
}

#define THREADS 4
#define PER_THREAD 100000

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++)
        oa_metrics_decision(OA_MX_ALLOW, 2);
    return NULL;
}

/* No increment is lost between threads, nor between processes sharing a
 * MAP_SHARED block (the -w workers' and metrics.dir's case). */
static void counters(void)
{
    pthread_t t[THREADS];
    struct oa_metrics_block *shared;
    pid_t pid;
    int st;

    fresh();
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    is_int(blk.decisions[OA_MX_ALLOW][2], THREADS * PER_THREAD, "threads: every increment counted");

    shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ok(shared != MAP_FAILED, "shared block mapped");
    oa_metrics_block_init(shared);
    ok(oa_metrics_block_valid(shared), "a fresh block is valid");
    oa_metrics_use(shared);
    pid = fork();
    if (pid == 0) {
        hammer(NULL);
        _exit(0);
    }
    hammer(NULL);
    waitpid(pid, &st, 0);
    is_int(shared->decisions[OA_MX_ALLOW][2], 2 * PER_THREAD,
           "processes sharing the block: the sum of both");
    shared->layout++;
    ok(!oa_metrics_block_valid(shared), "another layout is not valid");
    oa_metrics_use(NULL);
    ok(oa_metrics_block() != shared, "NULL: back to the process's own block");
    munmap(shared, sizeof(*shared));
}

static void cidr(void)
{
    struct oa_cidr n[3];

    ok(oa_cidr_parse(&n[0], "127.0.0.0/8") == 0, "v4 range");
    ok(oa_cidr_parse(&n[1], "::1") == 0, "bare v6 address");
    ok(oa_cidr_parse(&n[2], "10.1.2.3") == 0, "bare v4 address");
    ok(oa_cidr_match(n, 3, "127.9.9.9"), "in the /8");
    ok(oa_cidr_match(n, 3, "::1"), "v6 loopback");
    ok(oa_cidr_match(n, 3, "::ffff:127.0.0.1"), "v4-mapped v6 counts as v4");
    ok(oa_cidr_match(n, 3, "10.1.2.3"), "the one host");
    ok(!oa_cidr_match(n, 3, "10.1.2.4"), "its neighbour is not");
    ok(!oa_cidr_match(n, 3, "128.0.0.1"), "outside");
    ok(!oa_cidr_match(n, 3, NULL) && !oa_cidr_match(n, 3, "") && !oa_cidr_match(n, 3, "x"),
       "no or bad address: no match");
    ok(oa_cidr_parse(&n[0], "192.168.0.0/23") == 0 && oa_cidr_match(n, 1, "192.168.1.200") &&
           !oa_cidr_match(n, 1, "192.168.2.1"),
       "a prefix that is not a whole byte");
    ok(oa_cidr_parse(&n[0], "10.0.0.1/8") != 0, "host bits set: refused");
    ok(oa_cidr_parse(&n[0], "10.0.0.0/33") != 0, "v4 prefix over 32");
    ok(oa_cidr_parse(&n[0], "::/129") != 0, "v6 prefix over 128");
    ok(oa_cidr_parse(&n[0], "10.0.0.0/") != 0 && oa_cidr_parse(&n[0], "10.0.0.0/-1") != 0 &&
           oa_cidr_parse(&n[0], "10.0.0.0/8x") != 0 && oa_cidr_parse(&n[0], "localhost") != 0 &&
           oa_cidr_parse(&n[0], "") != 0,
       "malformed ranges refused, no name resolved");
    ok(oa_cidr_parse(&n[0], "0.0.0.0/0") == 0 && oa_cidr_match(n, 1, "8.8.8.8") &&
           !oa_cidr_match(n, 1, "::1"),
       "/0 is every v4 address, no v6 one");
}

static struct oa_config *load(const char *metrics, struct oa_error *err)
{
    char yaml[1024];
    struct oa_config *cfg = NULL;

    snprintf(yaml, sizeof(yaml),
             "providers:\n  - name: github\n    client_id: x\n    client_secret: y\n%s", metrics);
    oa_error_clear(err);
    if (oa_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), err) != OA_OK)
        return NULL;
    return cfg;
}

static void config_keys(void)
{
    struct oa_error err;
    struct oa_config *cfg;
    char line[1024];

    cfg = load("metrics:\n  listen: 127.0.0.1:9464\n  allow: [127.0.0.1/32, '::1']\n"
               "  dir: /run/oauth2-fcgi\n",
               &err);
    ok(cfg && !strcmp(cfg->metrics.listen, "127.0.0.1:9464") && cfg->metrics.nnets == 2 &&
           !strcmp(cfg->metrics.dir, "/run/oauth2-fcgi"),
       "metrics keys load: %s", cfg ? "" : err.msg);
    {
        char *d = cfg ? oa_config_describe(cfg) : NULL;
        ok(d && strstr(d, "metrics: listen 127.0.0.1:9464, dir /run/oauth2-fcgi\n") &&
               strstr(d, "metrics.allow: 127.0.0.1/32, ::1\n"),
           "--check-config shows the metrics section");
        free(d);
    }
    oa_config_free(cfg);
    cfg = load("metrics:\n  allow: 10.0.0.0/8\n", &err);
    ok(cfg && cfg->metrics.nnets == 1, "allow: one value is a list of one");
    oa_config_free(cfg);
    cfg = load("", &err);
    ok(cfg && !cfg->metrics.listen && !cfg->metrics.nnets && !cfg->metrics.dir,
       "default: no listener, nobody allowed, no shared file");
    oa_config_free(cfg);

    cfg = load("metrics:\n  allow:\n    - 127.0.0.1/32\n    - 10.0.0.1/8\n", &err);
    oa_error_format(&err, line, sizeof(line));
    ok(!cfg && !strncmp(line, "t.yml:8:7: metrics.allow '10.0.0.1/8'", 37),
       "a bad range: FILE:LINE:COL of the entry: %s", line);
    cfg = load("metrics:\n  listen: 127.0.0.1:99999\n", &err);
    oa_error_format(&err, line, sizeof(line));
    ok(!cfg && strstr(line, "t.yml:6:11:") && strstr(line, "1-65535"), "a bad port: %s", line);
    cfg = load("metrics:\n  listen: 9464\n", &err);
    oa_error_format(&err, line, sizeof(line));
    ok(!cfg && strstr(line, "t.yml:6:11:") && strstr(line, "HOST:PORT"), "no host: %s", line);
    cfg = load("metrics:\n  listen: 'a b:1'\n", &err);
    ok(!cfg, "a host with a space refused");
    cfg = load("metrics:\n  dir: run/x\n", &err);
    oa_error_format(&err, line, sizeof(line));
    ok(!cfg && strstr(line, "t.yml:6:8:") && strstr(line, "absolute"), "a relative dir: %s", line);
    cfg = load("metrics:\n  lisen: 127.0.0.1:1\n", &err);
    oa_error_format(&err, line, sizeof(line));
    ok(!cfg && strstr(line, "did you mean 'listen'"), "an unknown key: %s", line);
}

static void request(struct oa_request *req, const char *uri, const char *remote)
{
    memset(req, 0, sizeof(*req));
    req->method = "GET";
    req->request_uri = uri;
    req->host = "app.example.com";
    req->https = "on";
    req->remote_addr = remote;
    req->now = CFX_NOW;
}

/* <base_path>/metrics: 404 without metrics.allow, 403 outside it, the
 * text inside it. */
static void endpoint(void)
{
    struct oa_config cfg;
    struct oa_request req;
    struct oa_response *r = malloc(sizeof(*r));
    struct oa_cidr lo;

    fresh();
    cfx_config(&cfg, 1);
    if (oa_runtime_init(&rt, &cfg, NULL) != OA_OK)
        abort();
    request(&req, "/oauth/metrics", "127.0.0.1");
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    is_int(r->status, 404, "no metrics.allow: there is no /metrics");
    oa_response_free(r);

    oa_cidr_parse(&lo, "127.0.0.0/8");
    cfg.metrics.nets = &lo;
    cfg.metrics.nnets = 1;
    request(&req, "/oauth/metrics", "192.0.2.7");
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    is_int(r->status, 403, "a client outside metrics.allow: 403");
    ok(!r->body.p || !strstr(r->body.p, "decisions_total"), "and no numbers");
    oa_response_free(r);
    request(&req, "/oauth/metrics", NULL);
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    is_int(r->status, 403, "no REMOTE_ADDR: 403");
    oa_response_free(r);

    request(&req, "/oauth/metrics", "127.0.0.1");
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    is_int(r->status, 200, "a client inside metrics.allow: 200");
    is_str(oa_response_get(r, "Content-Type"), OA_METRICS_CONTENT_TYPE, "the 0.0.4 content type");
    is_str(oa_response_get(r, "Cache-Control"), "no-store", "not cached");
    ok(r->body.p && strstr(r->body.p, "# TYPE oauth2_fcgi_decisions_total counter"), "the text");
    oa_response_free(r);
    req.method = "POST";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    is_int(r->status, 405, "POST: 405");
    oa_response_free(r);
    free(r);
    oa_runtime_free(&rt);
    oa_keyring_wipe(&cfg.keys);
    cfx_free();
}

/* The authorizer counts each answer once, by outcome and rule. */
static void decisions(void)
{
    struct oa_config cfg;
    struct oa_request req;
    struct oa_response *r = malloc(sizeof(*r));
    struct oa_identity alice = cfx_alice();
    const char *cookie;

    fresh();
    cfx_config(&cfg, 1);
    cfx_rule(&cfg, "/admin/", "", "", "nobody-has-this", "", "");
    cfx_rule(&cfg, "/app/", "", "", "", "", "");
    if (oa_runtime_init(&rt, &cfg, NULL) != OA_OK)
        abort();
    cookie = cfx_cookie(&cfg, &alice, CFX_NOW - 60, "");
    request(&req, "/app/x", "127.0.0.1");
    req.role = OA_ROLE_AUTHORIZER;
    req.cookie = cookie;
    for (int i = 0; i < 3; i++) {
        oa_response_init(r);
        oa_handle(&cfg, &rt, &req, r);
        oa_response_free(r);
    }
    is_int(blk.decisions[OA_MX_ALLOW][1], 3, "three allows under rule 1");
    req.request_uri = "/admin/";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_FORBIDDEN][0], 1, "a refusal under rule 0");
    req.request_uri = "/elsewhere";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_ALLOW][OA_MX_RULE_NONE], 1, "no rule matched: none");
    req.request_uri = "/a%00b";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_FORBIDDEN][OA_MX_RULE_UNPARSABLE], 1, "an unparsable path");
    req.cookie = NULL;
    req.request_uri = "/admin/x";
    req.accept = "text/html";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_SIGN_IN][0], 1, "no session, a page: sign_in");
    req.accept = "application/json";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_UNAUTH][0], 1, "no session, an API call: unauthorized");
    /* nginx auth_request: no session is a 401 there, never a redirect */
    req.role = OA_ROLE_RESPONDER;
    req.request_uri = "/oauth/auth";
    req.accept = "text/html";
    oa_response_init(r);
    oa_handle(&cfg, &rt, &req, r);
    oa_response_free(r);
    is_int(blk.decisions[OA_MX_UNAUTH][OA_MX_RULE_NONE], 1, "/auth without a session: 401");
    free(r);
    oa_runtime_free(&rt);
    oa_keyring_wipe(&cfg.keys);
    cfx_free();
}

int main(void)
{
    exact_text();
    histogram();
    escaping();
    named();
    counters();
    cidr();
    config_keys();
    endpoint();
    decisions();
    return tap_done();
}
