/*
 * audit.c - the audit record and its JSON line (audit.h).
 *
 * The record is filled by the core in fixed-size fields; the line is
 * written into a caller's buffer. Nothing here allocates or prints. The
 * JSON writer escapes every string it is given: names and emails come from
 * providers and users, so quotes, backslashes, control bytes, "<>&" (never
 * markup if a viewer sniffs the file) and bytes that are not UTF-8 are
 * all made safe; a line is always one line.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "oa/audit.h"

const char *oa_audit_event_name(enum oa_audit_event event)
{
    switch (event) {
    case OA_AUDIT_NONE: return "";
    case OA_AUDIT_SIGN_IN: return "sign_in";
    case OA_AUDIT_SIGN_IN_FAIL: return "sign_in_failed";
    case OA_AUDIT_SIGN_OUT: return "sign_out";
    case OA_AUDIT_DENIED: return "denied";
    case OA_AUDIT_REFRESH: return "refresh";
    case OA_AUDIT_REVOCATION: return "revocation";
    }
    return "";
}

void oa_audit_clear(struct oa_audit *a)
{
    a->event = OA_AUDIT_NONE;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when s does
 * not start one (a stray continuation, an overlong form, a surrogate,
 * beyond U+10FFFF, or cut short). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Copies s into a field of cap bytes, cut before a character that would
 * not fit whole. */
static void field_copy(char *dst, size_t cap, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t o = 0;

    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0)
            n = 1; /* copied as is: the JSON writer replaces it */
        if (o + n >= cap)
            break;
        memcpy(dst + o, p, n);
        o += n;
        p += n;
    }
    dst[o] = '\0';
}

void oa_audit_set(struct oa_audit *a, enum oa_audit_event event, int status, const char *provider,
                  const char *user, const char *subject, const char *rule, const char *reason)
{
    a->event = event;
    a->status = status;
    field_copy(a->provider, sizeof(a->provider), provider);
    field_copy(a->user, sizeof(a->user), user);
    field_copy(a->subject, sizeof(a->subject), subject);
    field_copy(a->rule, sizeof(a->rule), rule);
    field_copy(a->reason, sizeof(a->reason), reason);
}

bool oa_audit_request_id_ok(const char *s)
{
    static const char ok[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@_.:+/=-";
    size_t n;

    if (!s || !*s)
        return false;
    n = strspn(s, ok);
    return s[n] == '\0' && n <= OA_AUDIT_REQUEST_ID_MAX;
}

/* A bounded writer: once something did not fit, it stays failed. */
struct jw {
    char *p;
    size_t len, cap;
    bool full;
};

static void jw_put(struct jw *w, const char *s, size_t n)
{
    if (w->full || n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void jw_puts(struct jw *w, const char *s)
{
    jw_put(w, s, strlen(s));
}

/* s as a JSON string with its quotes. */
static void jw_str(struct jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    jw_put(w, "\"", 1);
    while (*p && !w->full) {
        size_t n = utf8_len(p);
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            jw_put(w, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '&') {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            jw_put(w, esc, 6);
        } else if (n == 0) {
            jw_put(w, "\\ufffd", 6);
            n = 1;
        } else {
            jw_put(w, (const char *)p, n);
        }
        p += n ? n : 1;
    }
    jw_put(w, "\"", 1);
}

/* , "name": "value" -- or null when value is empty. */
static void jw_field(struct jw *w, const char *name, const char *value)
{
    jw_puts(w, ", \"");
    jw_puts(w, name);
    jw_puts(w, "\": ");
    if (value && *value)
        jw_str(w, value);
    else
        jw_puts(w, "null");
}

static size_t jw_end(struct jw *w)
{
    jw_puts(w, "}\n");
    if (w->full) {
        if (w->cap)
            w->p[0] = '\0';
        return 0;
    }
    return w->len;
}

size_t oa_audit_json(char *out, size_t cap, const struct oa_audit *a, const char *time,
                     const char *client, const char *request_id)
{
    struct jw w = {out, 0, cap, cap == 0};
    char status[16], addr[OA_AUDIT_CLIENT_MAX], rid[OA_AUDIT_REQUEST_ID_MAX + 1];

    /* the edge's values are short; cut anyway, so the line's size is bounded */
    field_copy(addr, sizeof(addr), client);
    field_copy(rid, sizeof(rid), request_id);
    jw_puts(&w, "{\"time\": ");
    jw_str(&w, time ? time : "");
    jw_field(&w, "event", oa_audit_event_name(a->event));
    snprintf(status, sizeof(status), "%d", a->status);
    jw_puts(&w, ", \"status\": ");
    jw_puts(&w, a->status ? status : "null");
    jw_field(&w, "provider", a->provider);
    jw_field(&w, "user", a->user);
    jw_field(&w, "subject", a->subject);
    jw_field(&w, "rule", a->rule);
    jw_field(&w, "reason", a->reason);
    jw_field(&w, "client", addr);
    jw_field(&w, "request_id", rid);
    return jw_end(&w);
}

size_t oa_audit_suppressed_json(char *out, size_t cap, const char *time, unsigned long count)
{
    struct jw w = {out, 0, cap, cap == 0};
    char n[32];

    jw_puts(&w, "{\"time\": ");
    jw_str(&w, time ? time : "");
    jw_field(&w, "event", "denials_suppressed");
    snprintf(n, sizeof(n), "%lu", count);
    jw_puts(&w, ", \"count\": ");
    jw_puts(&w, n);
    return jw_end(&w);
}

void oa_audit_time(char *out, size_t cap, int64_t epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "1970-01-01T00:00:00Z");
}

bool oa_audit_bucket_take(struct oa_audit_bucket *b, int64_t now_ms, unsigned long *report)
{
    if (b->last_ms == 0) {
        b->tokens = OA_AUDIT_BURST;
    } else if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * OA_AUDIT_RATE / 1000.0;
        if (b->tokens > OA_AUDIT_BURST)
            b->tokens = OA_AUDIT_BURST;
    }
    b->last_ms = now_ms;
    if (b->tokens < 1.0) {
        b->suppressed++;
        return false;
    }
    b->tokens -= 1.0;
    *report = b->suppressed;
    b->suppressed = 0;
    return true;
}
