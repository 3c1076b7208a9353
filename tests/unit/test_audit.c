/* test_audit.c - the audit record (src/web/audit.c): every field JSON-
 * escaped into one line that parses back to what was put in (names and
 * emails are the user's: quotes, backslashes, newlines, control bytes,
 * markup, bytes that are not UTF-8), fields cut at a character boundary,
 * empty fields null, a buffer too small gives nothing, the server's
 * request id taken only when it looks like one, the denials' token bucket,
 * and the record kept in the response across a reset. */
#include <jansson.h>
#include <stdlib.h>

#include "oa/audit.h"
#include "oa/response.h"
#include "tap.h"

static char line[OA_AUDIT_LINE_MAX];
static struct oa_response resp;

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *parse(const char *s, size_t n)
{
    json_error_t err;
    json_t *j = json_loadb(s, n, 0, &err);

    if (!j)
        printf("# JSON error: %s at %d in %s", err.text, err.position, s);
    return j;
}

/* True when s is valid UTF-8 with no control byte. */
static int clean_utf8(const char *s)
{
    json_t *j = json_string(s);
    int ok_ = j != NULL;

    json_decref(j);
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            return 0;
    return ok_;
}

static void escaping(void)
{
    struct oa_audit a;
    size_t n;
    json_t *j;
    const char *evil_user = "eve\"}, \"event\": \"sign_in\", \"x\": \"\\\n\r\t<script>&";

    oa_audit_set(&a, OA_AUDIT_DENIED, 403, "corp", evil_user, "sub\x01\x7f", "/admin/ (line 9)",
                 "the access rules refuse this user");
    n = oa_audit_json(line, sizeof(line), &a, "2026-12-02T07:45:00Z", "127.0.0.1", "abc-1");
    ok(n > 0 && n == strlen(line), "a line is written (%zu bytes)", n);
    ok(n > 0 && line[n - 1] == '\n' && strchr(line, '\n') == line + n - 1, "exactly one line");
    ok(!strchr(line, '\r') && !strchr(line, '\t') && !strchr(line, '\x01') && !strchr(line, '\x7f'),
       "no raw control byte in the line");
    ok(!strchr(line, '<') && !strchr(line, '>') && !strchr(line, '&'), "no raw markup bytes");
    j = parse(line, n);
    ok(j && json_is_object(j), "the line is one JSON object");
    is_str(jstr(j, "event"), "denied", "event is the record's, not the user's injected one");
    is_str(jstr(j, "user"), evil_user, "user round-trips exactly");
    is_str(jstr(j, "subject"), "sub\x01\x7f", "control bytes round-trip as escapes");
    is_str(jstr(j, "provider"), "corp", "provider");
    is_str(jstr(j, "rule"), "/admin/ (line 9)", "rule");
    is_str(jstr(j, "reason"), "the access rules refuse this user", "reason");
    is_str(jstr(j, "client"), "127.0.0.1", "client address");
    is_str(jstr(j, "request_id"), "abc-1", "request id");
    is_str(jstr(j, "time"), "2026-12-02T07:45:00Z", "time");
    is_int(json_integer_value(json_object_get(j, "status")), 403, "status");
    ok(json_object_size(j) == 10, "ten fields, no injected one (%zu)", json_object_size(j));
    json_decref(j);

    /* empty fields are null; UTF-8 kept, broken UTF-8 replaced */
    oa_audit_set(&a, OA_AUDIT_SIGN_IN, 302, "github", "J\xc3\xa9r\xc3\xb4me \xe2\x9c\x93",
                 "bad\xff\xc3(\xed\xa0\x80\xc0\xaf", NULL, "");
    n = oa_audit_json(line, sizeof(line), &a, "2026-12-02T07:45:00Z", NULL, "r");
    j = parse(line, n);
    ok(j != NULL, "a line with broken UTF-8 still parses");
    is_str(jstr(j, "user"), "J\xc3\xa9r\xc3\xb4me \xe2\x9c\x93", "valid UTF-8 kept as is");
    is_str(jstr(j, "subject"),
           "bad\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
           "\xef\xbf\xbd",
           "each byte that is not UTF-8 (stray, cut short, surrogate, overlong) is U+FFFD");
    ok(json_is_null(json_object_get(j, "rule")) && json_is_null(json_object_get(j, "reason")) &&
           json_is_null(json_object_get(j, "client")),
       "empty and missing fields are null");
    is_str(jstr(j, "event"), "sign_in", "event sign_in");
    json_decref(j);
}

static void limits(void)
{
    struct oa_audit a;
    char big[2000], small[64];
    size_t i, n;
    json_t *j;

    /* 2-byte characters: a field is cut before a character that does not fit */
    for (i = 0; i + 2 < sizeof(big); i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    big[i] = '\0';
    oa_audit_set(&a, OA_AUDIT_SIGN_IN, 302, big, big, big, big, big);
    ok(strlen(a.user) < OA_AUDIT_USER_MAX && strlen(a.user) % 2 == 0 && clean_utf8(a.user),
       "user cut at a character boundary (%zu bytes)", strlen(a.user));
    ok(strlen(a.provider) < OA_AUDIT_PROVIDER_MAX && clean_utf8(a.provider), "provider cut");
    ok(clean_utf8(a.reason) && clean_utf8(a.rule) && clean_utf8(a.subject), "every field cut");
    /* the worst case fits the line buffer: every byte escaped to 6 */
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memset(big, '\x01', sizeof(big) - 1);
    oa_audit_set(&a, OA_AUDIT_DENIED, 403, big, big, big, big, big);
    n = oa_audit_json(line, sizeof(line), &a, "2026-12-02T07:45:00Z", big, "x");
    ok(n > 0, "the worst case (every byte escaped) fits OA_AUDIT_LINE_MAX (%zu)", n);
    j = parse(line, n);
    ok(j != NULL, "... and parses");
    json_decref(j);
    n = oa_audit_json(small, sizeof(small), &a, "2026-12-02T07:45:00Z", "c", "x");
    ok(n == 0 && small[0] == '\0', "a buffer too small: 0 and nothing half-written");
    n = oa_audit_suppressed_json(line, sizeof(line), "2026-12-02T07:45:00Z", 1234);
    j = parse(line, n);
    is_str(jstr(j, "event"), "denials_suppressed", "suppressed line: its event");
    is_int(json_integer_value(json_object_get(j, "count")), 1234, "suppressed line: the count");
    json_decref(j);
}

static void names_and_ids(void)
{
    char t[32];

    is_str(oa_audit_event_name(OA_AUDIT_SIGN_IN_FAIL), "sign_in_failed", "sign_in_failed");
    is_str(oa_audit_event_name(OA_AUDIT_SIGN_OUT), "sign_out", "sign_out");
    is_str(oa_audit_event_name(OA_AUDIT_REFRESH), "refresh", "refresh reserved");
    is_str(oa_audit_event_name(OA_AUDIT_REVOCATION), "revocation", "revocation reserved");
    ok(oa_audit_request_id_ok("Zp3xXn8AAAEAAC2vqGkAAAAA"), "Apache UNIQUE_ID accepted");
    ok(oa_audit_request_id_ok("5f3b2a1c9d8e7f60a1b2c3d4e5f60718"), "nginx $request_id accepted");
    ok(!oa_audit_request_id_ok("a b"), "a space refused");
    ok(!oa_audit_request_id_ok("a\"b"), "a quote refused");
    ok(!oa_audit_request_id_ok(""), "empty refused");
    ok(!oa_audit_request_id_ok(NULL), "absent refused");
    ok(!oa_audit_request_id_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
       "65 bytes refused");
    oa_audit_time(t, sizeof(t), 1796197500);
    is_str(t, "2026-12-02T07:45:00Z", "RFC 3339 UTC");
}

static void bucket(void)
{
    struct oa_audit_bucket b = {0};
    unsigned long report = 99, passed = 0;
    int64_t now = 1000000;
    int i;

    for (i = 0; i < OA_AUDIT_BURST + 30; i++)
        if (oa_audit_bucket_take(&b, now, &report))
            passed++;
    is_int(passed, OA_AUDIT_BURST, "a burst of denials: the first %d pass", OA_AUDIT_BURST);
    is_int(b.suppressed, 30, "the others are counted");
    ok(!oa_audit_bucket_take(&b, now + 50, &report), "not a whole token after 50 ms");
    ok(oa_audit_bucket_take(&b, now + 200, &report), "a token again after 200 ms (%d/s)",
       OA_AUDIT_RATE);
    is_int(report, 31, "the one that passes reports the 31 suppressed before it");
    is_int(b.suppressed, 0, "and the count restarts");
    ok(oa_audit_bucket_take(&b, now + 3600000, &report) && report == 0,
       "an hour later: passes, nothing to report");
    passed = 0;
    for (i = 0; i < OA_AUDIT_BURST + 5; i++)
        if (oa_audit_bucket_take(&b, now + 3600000, &report))
            passed++;
    ok(passed <= OA_AUDIT_BURST, "the bucket never holds more than the burst (%lu)", passed);
}

static void in_the_response(void)
{
    oa_response_init(&resp);
    ok(resp.audit.event == OA_AUDIT_NONE, "a new response has nothing to audit");
    oa_audit_set(&resp.audit, OA_AUDIT_SIGN_OUT, 302, "corp", "alice", "1", NULL, NULL);
    ok(oa_response_header(&resp, "X-A", "b") == OA_OK, "a header");
    oa_response_reset(&resp);
    ok(resp.audit.event == OA_AUDIT_SIGN_OUT && !strcmp(resp.audit.user, "alice"),
       "a reset (an error page instead) keeps the record, like the log line");
    oa_response_free(&resp);
}

int main(void)
{
    escaping();
    limits();
    names_and_ids();
    bucket();
    in_the_response();
    return tap_done();
}
