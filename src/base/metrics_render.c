/*
 * metrics_render.c - the Prometheus text exposition, format 0.0.4
 * (DESIGN.md section 13): # HELP and # TYPE before each family, counters
 * named _total, histograms as cumulative _bucket{le=...}, _sum and _count.
 *
 * Reads the block with relaxed loads while others count: each number is a
 * value it really had, a family need not be one instant (Prometheus takes
 * that). Called by the /metrics endpoint and the metrics listener, never
 * on the authorizer's path; the text is built in an oa_buf.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "oa/config.h"
#include "oa/metrics.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

static const char *const outcome_names[OA_MX_OUTCOMES] = {"allow", "sign_in", "unauthorized",
                                                          "forbidden", "refresh"};
static const char *const cause_names[OA_MX_CAUSES] = {
    "none",  "request",  "state", "replay",   "busy",  "discovery", "iss",  "provider_error",
    "token", "id_token", "nonce", "userinfo", "rules", "session",   "other"};
static const char *const call_names[OA_MX_CALLS] = {"discovery", "jwks", "token", "userinfo"};

static _Atomic int64_t start_ms;

void oa_metrics_mark_start(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    atomic_store(&start_ms, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static uint64_t get(const oa_mx_counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

enum oa_err oa_metrics_label(struct oa_buf *b, const char *s)
{
    const char *p = s ? s : "";

    for (; *p; p++) {
        if (*p == '\\')
            oa_buf_puts(b, "\\\\");
        else if (*p == '"')
            oa_buf_puts(b, "\\\"");
        else if (*p == '\n')
            oa_buf_puts(b, "\\n");
        else
            oa_buf_append(b, p, 1);
    }
    return oa_buf_error(b);
}

static void family(struct oa_buf *b, const char *name, const char *type, const char *help)
{
    oa_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static size_t nproviders(const struct oa_config *cfg)
{
    size_t n = cfg ? cfg->nproviders : 0;
    return n < OA_MX_PROVIDERS ? n : OA_MX_PROVIDERS;
}

/* provider="<name>" (its index when there is no config, "other" past the bound). */
static void provider_label(struct oa_buf *b, const struct oa_config *cfg, size_t i)
{
    oa_buf_puts(b, "provider=\"");
    if (i == OA_MX_PROVIDERS)
        oa_buf_puts(b, "other");
    else if (cfg && i < cfg->nproviders)
        oa_metrics_label(b, cfg->providers[i].name);
    else
        oa_buf_printf(b, "%zu", i);
    oa_buf_puts(b, "\"");
}

/* Shown: every configured provider, and any other slot that counted. */
static bool provider_shown(const struct oa_config *cfg, size_t i, bool counted)
{
    return i < nproviders(cfg) || counted;
}

static void rule_label(struct oa_buf *b, const struct oa_config *cfg, size_t slot)
{
    if (slot == OA_MX_RULE_NONE)
        oa_buf_puts(b, "rule=\"none\",path=\"\"");
    else if (slot == OA_MX_RULE_OTHER)
        oa_buf_puts(b, "rule=\"other\",path=\"\"");
    else if (slot == OA_MX_RULE_UNPARSABLE)
        oa_buf_puts(b, "rule=\"unparsable\",path=\"\"");
    else {
        /* numbered from 1, as --check-config lists them */
        oa_buf_printf(b, "rule=\"%zu\",path=\"", slot + 1);
        if (cfg && slot < cfg->naccess)
            oa_metrics_label(b, cfg->access[slot].path);
        oa_buf_puts(b, "\"");
    }
}

static void decisions(struct oa_buf *b, const struct oa_metrics_block *m,
                      const struct oa_config *cfg)
{
    size_t nrules = cfg ? (cfg->naccess < OA_MX_RULES ? cfg->naccess : OA_MX_RULES) : 0;

    family(b, "oauth2_fcgi_decisions_total", "counter",
           "Authorizer decisions by outcome and the access rule that matched the path.");
    for (size_t o = 0; o < OA_MX_OUTCOMES; o++)
        for (size_t s = 0; s < OA_MX_RULE_SLOTS; s++) {
            uint64_t v = get(&m->decisions[o][s]);
            if (!v && s >= nrules && s != OA_MX_RULE_NONE)
                continue;
            oa_buf_printf(b, "oauth2_fcgi_decisions_total{outcome=\"%s\",", outcome_names[o]);
            rule_label(b, cfg, s);
            oa_buf_printf(b, "} %llu\n", (unsigned long long)v);
        }
}

static void signins(struct oa_buf *b, const struct oa_metrics_block *m, const struct oa_config *cfg)
{
    family(b, "oauth2_fcgi_signin_starts_total", "counter",
           "Sign-ins started (the provider's login endpoint) by provider.");
    for (size_t p = 0; p < OA_MX_PROVIDER_SLOTS; p++) {
        uint64_t v = get(&m->signin_starts[p]);
        if (!provider_shown(cfg, p, v))
            continue;
        oa_buf_puts(b, "oauth2_fcgi_signin_starts_total{");
        provider_label(b, cfg, p);
        oa_buf_printf(b, "} %llu\n", (unsigned long long)v);
    }
    family(b, "oauth2_fcgi_signins_total", "counter",
           "Sign-ins finished (the provider's callback) by provider, result and the cause of a "
           "failure.");
    for (size_t p = 0; p < OA_MX_PROVIDER_SLOTS; p++)
        for (size_t c = 0; c < OA_MX_CAUSES; c++) {
            uint64_t v = get(&m->signins[p][c]);
            if (!provider_shown(cfg, p, v))
                continue;
            oa_buf_puts(b, "oauth2_fcgi_signins_total{");
            provider_label(b, cfg, p);
            oa_buf_printf(b, ",result=\"%s\",cause=\"%s\"} %llu\n", c ? "failed" : "ok",
                          cause_names[c], (unsigned long long)v);
        }
}

static const char *const refresh_names[OA_MX_REFRESH_RESULTS] = {"ok", "deferred", "signed_out",
                                                                 "sign_in"};
static const char *const revocation_names[OA_MX_REV_SOURCES] = {"logout", "backchannel", "refresh"};

/* Refreshes by provider and result; revocations made here by source. */
static void lifecycle(struct oa_buf *b, const struct oa_metrics_block *m,
                      const struct oa_config *cfg)
{
    family(b, "oauth2_fcgi_refreshes_total", "counter",
           "Session refreshes (<base_path>/refresh) by provider and result.");
    for (size_t p = 0; p < OA_MX_PROVIDER_SLOTS; p++)
        for (size_t k = 0; k < OA_MX_REFRESH_RESULTS; k++) {
            uint64_t v = get(&m->refreshes[p][k]);
            if (!provider_shown(cfg, p, v))
                continue;
            oa_buf_puts(b, "oauth2_fcgi_refreshes_total{");
            provider_label(b, cfg, p);
            oa_buf_printf(b, ",result=\"%s\"} %llu\n", refresh_names[k], (unsigned long long)v);
        }
    family(b, "oauth2_fcgi_revocations_total", "counter",
           "Sessions revoked by this set-up's processes, by source (--revoke is not counted).");
    for (size_t k = 0; k < OA_MX_REV_SOURCES; k++)
        oa_buf_printf(b, "oauth2_fcgi_revocations_total{source=\"%s\"} %llu\n", revocation_names[k],
                      (unsigned long long)get(&m->revocations[k]));
}

static uint64_t hist_count(const struct oa_metrics_hist *h)
{
    uint64_t n = 0;

    for (size_t i = 0; i <= OA_MX_BUCKETS; i++)
        n += get(&h->bucket[i]);
    return n;
}

static void hist_series(struct oa_buf *b, const struct oa_metrics_hist *h,
                        const struct oa_config *cfg, size_t p, size_t k)
{
    static const char name[] = "oauth2_fcgi_provider_call_duration_seconds";
    uint64_t cum = 0;

    for (size_t i = 0; i <= OA_MX_BUCKETS; i++) {
        cum += get(&h->bucket[i]);
        oa_buf_printf(b, "%s_bucket{", name);
        provider_label(b, cfg, p);
        if (i < OA_MX_BUCKETS)
            oa_buf_printf(b, ",call=\"%s\",le=\"%g\"} %llu\n", call_names[k],
                          (double)oa_metrics_bucket_us[i] / 1e6, (unsigned long long)cum);
        else
            oa_buf_printf(b, ",call=\"%s\",le=\"+Inf\"} %llu\n", call_names[k],
                          (unsigned long long)cum);
    }
    oa_buf_printf(b, "%s_sum{", name);
    provider_label(b, cfg, p);
    oa_buf_printf(b, ",call=\"%s\"} %.6f\n", call_names[k], (double)get(&h->sum_us) / 1e6);
    oa_buf_printf(b, "%s_count{", name);
    provider_label(b, cfg, p);
    /* the +Inf bucket's value, so the two always agree */
    oa_buf_printf(b, ",call=\"%s\"} %llu\n", call_names[k], (unsigned long long)cum);
}

static void calls(struct oa_buf *b, const struct oa_metrics_block *m, const struct oa_config *cfg)
{
    family(b, "oauth2_fcgi_provider_call_duration_seconds", "histogram",
           "Time of the calls to identity providers by provider and kind of call.");
    for (size_t p = 0; p < OA_MX_PROVIDER_SLOTS; p++)
        for (size_t k = 0; k < OA_MX_CALLS; k++)
            if (provider_shown(cfg, p, hist_count(&m->calls[p][k]) > 0))
                hist_series(b, &m->calls[p][k], cfg, p, k);
}

enum oa_err oa_metrics_render(struct oa_buf *b, const struct oa_config *cfg)
{
    const struct oa_metrics_block *m = oa_metrics_block();
    int64_t st = atomic_load(&start_ms);

    family(b, "oauth2_fcgi_build_info", "gauge", "The running program's version, always 1.");
    oa_buf_puts(b, "oauth2_fcgi_build_info{version=\"");
    oa_metrics_label(b, PACKAGE_VERSION);
    oa_buf_puts(b, "\"} 1\n");
    family(b, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.");
    oa_buf_printf(b, "process_start_time_seconds %lld.%03lld\n", (long long)(st / 1000),
                  (long long)(st % 1000));
    decisions(b, m, cfg);
    signins(b, m, cfg);
    calls(b, m, cfg);
    lifecycle(b, m, cfg);
    return oa_buf_error(b);
}
