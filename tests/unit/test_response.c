/* test_response.c - the one header writer and the serialiser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/response.h"
#include "tap.h"

static int collect(void *ctx, const char *p, size_t n)
{
    return oa_buf_append(ctx, p, n) != OA_OK;
}

static struct oa_response r, probe;

/* A writer that counts its calls and fails the Nth (0: never). */
struct counted {
    struct oa_buf b;
    int calls, fail_at;
};

static int counted_write(void *ctx, const char *p, size_t n)
{
    struct counted *c = ctx;

    if (++c->calls == c->fail_at)
        return -1;
    return oa_buf_append(&c->b, p, n) != OA_OK;
}

/* The writer batches: an authorizer's answer is one write; headers and a
 * body longer than its buffer come out whole, in order; a write that fails
 * at any point fails the answer. */
static void test_batched_write(void)
{
    static struct oa_response w;
    static char longv[3000], body[5000];
    struct counted c = {{0}, 0, 0};
    char want[9000];
    int n, calls;

    oa_response_init(&w);
    oa_response_status(&w, 200);
    oa_response_header(&w, "Variable-REMOTE_USER", "alice@example.com");
    oa_response_header(&w, "Variable-OAUTH2_GROUPS", "ops,dev");
    ok(oa_response_write(&w, counted_write, &c) == OA_OK && c.calls == 1,
       "an authorizer's allow is one write (%d)", c.calls);
    is_str(c.b.p,
           "Status: 200 OK\r\nVariable-REMOTE_USER: alice@example.com\r\n"
           "Variable-OAUTH2_GROUPS: ops,dev\r\n\r\n",
           "and says it all");
    oa_buf_free(&c.b);

    memset(longv, 'v', sizeof(longv) - 1);
    memset(body, 'b', sizeof(body) - 1);
    oa_response_header(&w, "X-Long", longv);
    oa_buf_puts(&w.body, body);
    c.calls = 0;
    ok(oa_response_write(&w, counted_write, &c) == OA_OK, "a header and a body over the buffer");
    n = snprintf(want, sizeof(want),
                 "Status: 200 OK\r\nVariable-REMOTE_USER: alice@example.com\r\n"
                 "Variable-OAUTH2_GROUPS: ops,dev\r\nX-Long: %s\r\n\r\n%s",
                 longv, body);
    ok(n > 0 && c.b.len == (size_t)n && memcmp(c.b.p, want, (size_t)n) == 0,
       "come out whole and in order");
    calls = c.calls;
    oa_buf_free(&c.b);
    for (int i = 1; i <= calls; i++) {
        struct counted f = {{0}, 0, i};
        if (oa_response_write(&w, counted_write, &f) != OA_ERR_IO) {
            ok(0, "a failing write %d of %d fails the answer", i, calls);
            oa_buf_free(&f.b);
            oa_response_free(&w);
            return;
        }
        oa_buf_free(&f.b);
    }
    ok(1, "a failing write fails the answer, whichever of the %d it is", calls);
    oa_response_free(&w);
}

int main(void)
{
    struct oa_buf out = {0};
    int accepted = 0;

    oa_response_init(&r);
    ok(oa_response_header(&r, "Location", "/x") == OA_OK, "plain header accepted");
    ok(oa_response_header(&r, "Variable-REMOTE_USER", "alice") == OA_OK, "Variable- name accepted");
    ok(oa_response_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1") == OA_ERR_BAD_INPUT,
       "CRLF refused");
    ok(oa_response_header(&r, "X-Evil", "a\nb") == OA_ERR_BAD_INPUT, "LF refused");
    ok(oa_response_header_n(&r, "X-Evil", "a\0b", 3) == OA_ERR_BAD_INPUT, "NUL refused");
    ok(oa_response_header(&r, "X-Evil", "a\tb") == OA_ERR_BAD_INPUT, "tab refused");
    ok(oa_response_header(&r, "X-Evil", "a\x7f") == OA_ERR_BAD_INPUT, "DEL refused");
    /* a lone CR or LF ends a header line for some parsers: each alone,
     * anywhere in the value */
    ok(oa_response_header(&r, "X-Evil", "a\rSet-Cookie: x=1") == OA_ERR_BAD_INPUT,
       "lone CR (no LF after it) refused");
    ok(oa_response_header(&r, "X-Evil", "a\nSet-Cookie: x=1") == OA_ERR_BAD_INPUT,
       "lone LF (no CR before it) refused");
    ok(oa_response_header(&r, "X-Evil", "\r") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X-Evil", "a\r") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X-Evil", "\ra") == OA_ERR_BAD_INPUT,
       "lone CR as the whole value, at the end, at the start: refused");
    ok(oa_response_header(&r, "X-Evil", "\n") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X-Evil", "a\n") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X-Evil", "\na") == OA_ERR_BAD_INPUT,
       "lone LF as the whole value, at the end, at the start: refused");
    ok(oa_response_header(&r, "X-Evil", "a\n\rb") == OA_ERR_BAD_INPUT, "LF CR refused");
    /* every control byte, one at a time, at the start, in the middle, at
     * the end, through each entry point; every other byte passes */
    oa_response_init(&probe);
    for (int c = 0; c < 0x100; c++) {
        char mid[3] = {'a', (char)c, 'b'}, first[2] = {(char)c, 'b'}, last[2] = {'a', (char)c};
        enum oa_err want = c < 0x20 || c == 0x7f ? OA_ERR_BAD_INPUT : OA_OK;
        int as_want;

        oa_response_reset(&probe);
        as_want = oa_response_header_n(&probe, "X-Byte", mid, 3) == want &&
                  oa_response_header_n(&probe, "X-Byte", first, 2) == want &&
                  oa_response_header_n(&probe, "X-Byte", last, 2) == want &&
                  (c == 0 || oa_response_headerf(&probe, "X-Byte", "a%cb", c) == want);
        if (want != OA_OK)
            ok(as_want && probe.nheaders == 0, "control byte 0x%02x refused anywhere in a value",
               c);
        else if (!as_want)
            ok(0, "byte 0x%02x accepted in a value", c);
        else
            accepted++;
    }
    is_int(accepted, 256 - 33, "every byte but the 33 control bytes is accepted in a value");
    oa_response_free(&probe);
    ok(oa_response_header(&r, "X\rEvil", "a") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X\nEvil", "a") == OA_ERR_BAD_INPUT &&
           oa_response_header(&r, "X-Evil\r", "a") == OA_ERR_BAD_INPUT,
       "lone CR or LF in a header name refused");
    ok(oa_response_header(&r, "X Evil", "a") == OA_ERR_BAD_INPUT, "space in name refused");
    ok(oa_response_header(&r, "X:Evil", "a") == OA_ERR_BAD_INPUT, "colon in name refused");
    ok(oa_response_header(&r, "", "a") == OA_ERR_BAD_INPUT, "empty name refused");
    ok(oa_response_header(&r, "X", NULL) == OA_ERR_BAD_INPUT, "NULL value refused");
    ok(oa_response_header(&r, "X-Utf8", "J\xc3\xbcrgen") == OA_OK, "UTF-8 value accepted");
    is_int(r.nheaders, 3, "only the good headers were added");
    is_str(oa_response_get(&r, "location"), "/x", "get is case-insensitive");

    oa_response_status(&r, 302);
    ok(oa_buf_puts(&r.body, "moved") == OA_OK, "body");
    ok(oa_response_write(&r, collect, &out) == OA_OK, "write");
    is_str(out.p,
           "Status: 302 Found\r\nLocation: /x\r\nVariable-REMOTE_USER: alice\r\n"
           "X-Utf8: J\xc3\xbcrgen\r\n\r\nmoved",
           "Status first, with reason, then headers, blank line, body");
    oa_buf_free(&out);

    oa_response_reset(&r);
    ok(oa_response_write(&r, collect, &out) == OA_OK, "write after reset");
    is_str(out.p, "Status: 302 Found\r\n\r\n", "reset drops headers and body");
    oa_buf_free(&out);
    oa_response_free(&r);

    oa_response_init(&r);
    ok(oa_response_write(&r, collect, &out) == OA_OK, "write unset");
    is_str(out.p, "Status: 500 Internal Server Error\r\n\r\n", "no status is a 500, never a 200");
    oa_buf_free(&out);

    {
        static char big[OA_RESPONSE_HEADER_SPACE];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        size_t before = r.nheaders;
        ok(oa_response_header(&r, "Big", big) == OA_ERR_TOO_LARGE, "arena overflow refused");
        is_int(r.nheaders, before, "nothing half-added");
    }
    int filled = 0;
    for (int i = 0; i < OA_RESPONSE_MAX_HEADERS; i++)
        filled += oa_response_header(&r, "H", "v") == OA_OK;
    ok(filled > 0, "the free header slots fill");
    ok(oa_response_header(&r, "H", "v") == OA_ERR_TOO_LARGE, "header slots are capped");

    oa_response_log(&r, OA_LOG_WARN, "user said %s", "a\r\nb");
    is_str(r.log, "user said a??b", "log line folds control bytes");
    oa_response_free(&r);
    test_batched_write();
    return tap_done();
}
