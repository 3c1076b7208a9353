/*
 * metrics.h - the counters the core increments and the Prometheus text
 * that /metrics shows (DESIGN.md section 13).
 *
 * Every counter is a 64-bit C11 atomic incremented with relaxed order: no
 * lock, no allocation, a few instructions on the authorizer's path. The
 * counters live in one fixed-size block (struct oa_metrics_block). A
 * process starts counting into a block of its own; the edge may hand the
 * core another one (oa_metrics_use) that is shared: a MAP_SHARED mapping
 * made before -w forks its workers, or a file under metrics.dir that every
 * process of a set-up maps (fcgi/metrics_map.c). Increments from every
 * thread and process then land in the same words, so whoever renders shows
 * the sum of the set-up. Labels are bounded: an access rule's number (or
 * "none"), a provider's index in the config, a small enum of outcomes and
 * causes; never anything a client sends.
 */
#ifndef OA_METRICS_H
#define OA_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/buf.h"
#include "oa/err.h"

struct oa_config;

/* The authorizer's four answers (oa_decision's order). */
enum oa_metrics_outcome {
    OA_MX_ALLOW = 0,
    OA_MX_SIGN_IN, /* 302 to the sign-in page */
    OA_MX_UNAUTH,  /* 401 */
    OA_MX_FORBIDDEN,
    OA_MX_REFRESH, /* 302 to <base_path>/refresh: past the soft limit */
    OA_MX_OUTCOMES
};

/* Why a sign-in (a callback) ended; OA_MX_SIGNIN_OK when it signed in. */
enum oa_metrics_cause {
    OA_MX_SIGNIN_OK = 0,
    OA_MX_CAUSE_REQUEST,   /* malformed callback (repeated parameter, no code, no host) */
    OA_MX_CAUSE_STATE,     /* state missing, expired, not matching its cookie */
    OA_MX_CAUSE_REPLAY,    /* state used before */
    OA_MX_CAUSE_BUSY,      /* too many sign-ins in progress (503) */
    OA_MX_CAUSE_DISCOVERY, /* the provider's endpoints could not be had */
    OA_MX_CAUSE_ISS,       /* RFC 9207 iss wrong or missing */
    OA_MX_CAUSE_PROVIDER,  /* the provider answered error= */
    OA_MX_CAUSE_TOKEN,     /* the token request (code, PKCE verifier, client auth) */
    OA_MX_CAUSE_ID_TOKEN,  /* id_token signature, iss, aud, expiry */
    OA_MX_CAUSE_NONCE,     /* id_token nonce */
    OA_MX_CAUSE_USERINFO,  /* userinfo / user API */
    OA_MX_CAUSE_RULES,     /* the provider's own limits: allowed_orgs/teams, hosted_domain */
    OA_MX_CAUSE_SESSION,   /* the session cookie could not be made */
    OA_MX_CAUSE_OTHER,
    OA_MX_CAUSES
};

/* How a refresh (<base_path>/refresh, DESIGN.md section 14) ended. */
enum oa_metrics_refresh {
    OA_MX_REFRESH_OK = 0,     /* re-validated, sealed again */
    OA_MX_REFRESH_DEFERRED,   /* the provider could not be asked now: refresh_at moved on */
    OA_MX_REFRESH_SIGNED_OUT, /* the provider no longer accepts the account: revoked */
    OA_MX_REFRESH_SIGN_IN,    /* the user must sign in (prompt=none refused, no session) */
    OA_MX_REFRESH_RESULTS
};

/* What revoked a session in this process (--revoke runs in its own). */
enum oa_metrics_revocation {
    OA_MX_REV_LOGOUT = 0,  /* /logout: the session it ends */
    OA_MX_REV_BACKCHANNEL, /* a provider's logout token */
    OA_MX_REV_REFRESH,     /* a refresh the provider refused */
    OA_MX_REV_SOURCES
};

/* The provider calls timed. */
enum oa_metrics_call { OA_MX_DISCOVERY = 0, OA_MX_JWKS, OA_MX_TOKEN, OA_MX_USERINFO, OA_MX_CALLS };

/* Fixed bounds: rules and providers past them are counted as "other". */
#define OA_MX_RULES 64
#define OA_MX_RULE_NONE OA_MX_RULES             /* no rule matched the path */
#define OA_MX_RULE_OTHER (OA_MX_RULES + 1)      /* a rule past OA_MX_RULES */
#define OA_MX_RULE_UNPARSABLE (OA_MX_RULES + 2) /* the path could not be read */
#define OA_MX_RULE_SLOTS (OA_MX_RULES + 3)
#define OA_MX_PROVIDERS 32
#define OA_MX_PROVIDER_SLOTS (OA_MX_PROVIDERS + 1) /* the last: "other" */
/* Upper bounds (microseconds) of the latency buckets; +Inf is one more. */
#define OA_MX_BUCKETS 11
extern const uint64_t oa_metrics_bucket_us[OA_MX_BUCKETS];

#define OA_METRICS_MAGIC "oa2fcgiM"
#define OA_METRICS_LAYOUT 2u

typedef _Atomic uint64_t oa_mx_counter;

struct oa_metrics_hist {
    oa_mx_counter bucket[OA_MX_BUCKETS + 1]; /* not cumulative; the last is over every bound */
    oa_mx_counter sum_us;
};

/* The block: plain words, so it may sit in memory shared by processes
 * (every field address-free: the atomics are lock-free, checked in
 * metrics.c). A file holding it starts with magic and layout. */
struct oa_metrics_block {
    char magic[8];
    uint32_t layout; /* OA_METRICS_LAYOUT */
    uint32_t size;   /* sizeof(struct oa_metrics_block) */
    oa_mx_counter decisions[OA_MX_OUTCOMES][OA_MX_RULE_SLOTS];
    oa_mx_counter signin_starts[OA_MX_PROVIDER_SLOTS];
    oa_mx_counter signins[OA_MX_PROVIDER_SLOTS][OA_MX_CAUSES];
    struct oa_metrics_hist calls[OA_MX_PROVIDER_SLOTS][OA_MX_CALLS];
    oa_mx_counter refreshes[OA_MX_PROVIDER_SLOTS][OA_MX_REFRESH_RESULTS];
    oa_mx_counter revocations[OA_MX_REV_SOURCES];
};

/* Zeroes b and writes its header. */
void oa_metrics_block_init(struct oa_metrics_block *b);
/* True when b's header is this program's (a file made by another version is not). */
bool oa_metrics_block_valid(const struct oa_metrics_block *b);
/* Counts into b from now on (borrowed; it outlives every counting thread).
 * NULL: back to the process's own block. Call before threads start. */
void oa_metrics_use(struct oa_metrics_block *b);
/* The block counted into now. */
struct oa_metrics_block *oa_metrics_block(void);
/* Records this process's start time (process_start_time_seconds). */
void oa_metrics_mark_start(void);

/* The increments. Out-of-range values go to the "other" slots. */
void oa_metrics_decision(enum oa_metrics_outcome o, size_t rule_slot);
void oa_metrics_signin_start(size_t provider);
void oa_metrics_signin(size_t provider, enum oa_metrics_cause c);
void oa_metrics_call(size_t provider, enum oa_metrics_call kind, uint64_t us);
void oa_metrics_refresh(size_t provider, enum oa_metrics_refresh result);
void oa_metrics_revocation(enum oa_metrics_revocation source);
/* A monotonic clock in microseconds, for oa_metrics_call. */
uint64_t oa_metrics_now_us(void);

/* Appends the exposition (text format 0.0.4) of the current block to b,
 * rules and providers named from cfg (NULL: by index only). Returns b's
 * error. The content type to send with it: */
#define OA_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
enum oa_err oa_metrics_render(struct oa_buf *b, const struct oa_config *cfg);
/* Appends s escaped as a label value (backslash, double quote, newline). */
enum oa_err oa_metrics_label(struct oa_buf *b, const char *s);

#endif
