/*
 * audit.h - the audit record: what a request did that an operator must be
 * able to account for later (a sign-in, a sign-out, a denial), as one JSON
 * line (DESIGN.md section 8.3).
 *
 * The core fills a struct oa_audit inside the response (like the log line)
 * and never prints; the edge adds the time, the client address and the
 * request id and writes the line (fcgi/audit.c). Every field is fixed-size:
 * filling a record never allocates. A record holds names a user chose
 * (email, display names) but never a secret, token, code, state or cookie:
 * no caller passes one, and the JSON writer escapes whatever it gets.
 */
#ifndef OA_AUDIT_H
#define OA_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event names of the JSON "event" field. refresh and revocation are
 * reserved for the session refresh and token revocation to come. */
enum oa_audit_event {
    OA_AUDIT_NONE = 0,     /* nothing to audit (the default) */
    OA_AUDIT_SIGN_IN,      /* "sign_in": a session was issued */
    OA_AUDIT_SIGN_IN_FAIL, /* "sign_in_failed": login or callback refused */
    OA_AUDIT_SIGN_OUT,     /* "sign_out": a session was cleared */
    OA_AUDIT_DENIED,       /* "denied": the authorizer answered 401 or 403 */
    OA_AUDIT_REFRESH,      /* "refresh": reserved */
    OA_AUDIT_REVOCATION    /* "revocation": reserved */
};

#define OA_AUDIT_PROVIDER_MAX 64
#define OA_AUDIT_USER_MAX 256
#define OA_AUDIT_SUBJECT_MAX 256
#define OA_AUDIT_RULE_MAX 160
#define OA_AUDIT_REASON_MAX 200
/* A request id the server passes (REQUEST_ID, UNIQUE_ID) is used when it
 * is 1..64 bytes of [A-Za-z0-9@_.:+/=-]; else the edge makes one. */
#define OA_AUDIT_REQUEST_ID_MAX 64
/* A client address longer than this is cut (REMOTE_ADDR never is). */
#define OA_AUDIT_CLIENT_MAX 64
/* Room for the longest line: every field escaped at worst 6 bytes a byte. */
#define OA_AUDIT_LINE_MAX 8192

struct oa_audit {
    enum oa_audit_event event;
    int status; /* the HTTP status answered */
    char provider[OA_AUDIT_PROVIDER_MAX];
    char user[OA_AUDIT_USER_MAX]; /* email, else user name; "" unknown */
    char subject[OA_AUDIT_SUBJECT_MAX];
    char rule[OA_AUDIT_RULE_MAX];     /* the access rule that denied: "PATH (line N)" */
    char reason[OA_AUDIT_REASON_MAX]; /* why, for failures and denials */
};

/* The event's JSON name ("sign_in"...), static; "" for OA_AUDIT_NONE. */
const char *oa_audit_event_name(enum oa_audit_event event);

/* Marks a as "nothing to audit" (the response's initial state). */
void oa_audit_clear(struct oa_audit *a);

/* Sets the event and every field (NULL: empty); each value is cut to its
 * field at a UTF-8 character boundary. Never allocates. */
void oa_audit_set(struct oa_audit *a, enum oa_audit_event event, int status, const char *provider,
                  const char *user, const char *subject, const char *rule, const char *reason);

/* True when s may be used as a request id as is (see above). */
bool oa_audit_request_id_ok(const char *s);

/* Writes a's JSON line (with '\n') into out: {"time", "event", "status",
 * "provider", "user", "subject", "rule", "reason", "client", "request_id"};
 * an empty field is null. time is RFC 3339 UTC ("2026-12-02T07:45:00Z"),
 * client and request_id as given (escaped, cut to OA_AUDIT_CLIENT_MAX and
 * OA_AUDIT_REQUEST_ID_MAX). Strings are JSON-escaped; a
 * byte that is not UTF-8 becomes U+FFFD. Returns the length, or 0 when
 * out is too small (nothing usable written). */
size_t oa_audit_json(char *out, size_t cap, const struct oa_audit *a, const char *time,
                     const char *client, const char *request_id);

/* The line that says how many denials were not written:
 * {"time": T, "event": "denials_suppressed", "count": N}\n. Returns as above. */
size_t oa_audit_suppressed_json(char *out, size_t cap, const char *time, unsigned long count);

/* RFC 3339 UTC of epoch seconds into out (at least 21 bytes). */
void oa_audit_time(char *out, size_t cap, int64_t epoch);

/* The denials' rate limit: a token bucket of OA_AUDIT_BURST denials
 * refilled at OA_AUDIT_RATE a second. Not thread-safe (the edge locks). */
#define OA_AUDIT_BURST 50
#define OA_AUDIT_RATE 10
struct oa_audit_bucket {
    double tokens;
    int64_t last_ms;          /* when tokens was last refilled; 0: never */
    unsigned long suppressed; /* denials not written since the last one that was */
};

/* True when a denial at now_ms (a monotonic clock) may be written; then
 * *report is how many were suppressed before it (and the count restarts).
 * False: counted as suppressed. */
bool oa_audit_bucket_take(struct oa_audit_bucket *b, int64_t now_ms, unsigned long *report);

#endif
