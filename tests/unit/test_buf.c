/* test_buf.c - the growable buffer, its first-error memory and size cap
 * (DESIGN.md section 8.1), and its escapers. */
#include <stdlib.h>
#include <string.h>

#include "oa/buf.h"
#include "tap.h"

#include "../../bench/count_malloc.h"

static void escapers(void)
{
    struct oa_buf b = {0};

    ok(oa_buf_html(&b, "<a href=\"x\">&'</a>") == OA_OK, "html escape runs");
    is_str(b.p, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;", "html escapes all five");
    oa_buf_free(&b);

    ok(oa_buf_json_str(&b, "a\"b\\c\n<\x01") == OA_OK, "json escape runs");
    is_str(b.p, "a\\\"b\\\\c\\u000a\\u003c\\u0001", "json escapes quotes, controls, markup");
    oa_buf_free(&b);

    ok(oa_buf_urlenc(&b, "a b/c?d=e&f~") == OA_OK, "urlenc runs");
    is_str(b.p, "a%20b%2Fc%3Fd%3De%26f~", "urlenc keeps only unreserved");
    oa_buf_free(&b);
}

static void grow_and_steal(void)
{
    struct oa_buf b = {0};
    char *s;

    for (int i = 0; i < 1000; i++)
        oa_buf_printf(&b, "%d,", i);
    is_int(b.len, 3890, "printf grows the buffer");
    ok(oa_buf_error(&b) == OA_OK, "no error recorded");
    s = oa_buf_steal(&b);
    ok(s && b.p == NULL && b.len == 0, "steal hands over ownership");
    free(s);
    s = oa_buf_steal(&b);
    is_str(s, "", "steal of an empty buffer is an empty string");
    free(s);
}

/* Over the cap: an error, never a truncation, and it sticks. */
static void cap(void)
{
    struct oa_buf b;
    char big[64];

    oa_buf_init(&b, 8);
    ok(oa_buf_puts(&b, "12345678") == OA_OK, "exactly the cap fits");
    ok(oa_buf_puts(&b, "9") == OA_ERR_TOO_LARGE, "one byte over the cap: OA_ERR_TOO_LARGE");
    ok(b.p == NULL && b.len == 0, "the half-built content is gone, not truncated");
    ok(oa_buf_puts(&b, "") == OA_ERR_TOO_LARGE, "a later (even empty) append fails the same");
    ok(oa_buf_printf(&b, "%d", 1) == OA_ERR_TOO_LARGE, "printf too");
    ok(oa_buf_html(&b, "<") == OA_ERR_TOO_LARGE && oa_buf_json_str(&b, "x") == OA_ERR_TOO_LARGE &&
           oa_buf_urlenc(&b, " ") == OA_ERR_TOO_LARGE,
       "and every escaper");
    ok(b.p == NULL && b.len == 0, "nothing was written after the error");
    ok(oa_buf_error(&b) == OA_ERR_TOO_LARGE, "the error is kept for the one check at the end");
    ok(oa_buf_steal(&b) == NULL, "steal of a failed buffer is NULL");
    ok(oa_buf_error(&b) == OA_OK && b.max == 8, "steal clears the error, keeps the cap");

    ok(oa_buf_puts(&b, "1234") == OA_OK, "the buffer is usable again");
    ok(oa_buf_urlenc(&b, "  ") == OA_ERR_TOO_LARGE, "an escaper that crosses the cap fails");
    ok(b.p == NULL && b.len == 0, "without leaving half an escape");
    oa_buf_free(&b);
    ok(oa_buf_error(&b) == OA_OK && b.max == 8, "free clears the error, keeps the cap");
    ok(oa_buf_html(&b, "&&") == OA_ERR_TOO_LARGE, "html: &amp;&amp; is 10 bytes, over 8");
    oa_buf_free(&b);

    /* the zeroed buffer has the default cap */
    memset(big, 'x', sizeof(big));
    oa_buf_init(&b, 0);
    while (oa_buf_append(&b, big, sizeof(big)) == OA_OK && b.len <= OA_BUF_MAX_DEFAULT)
        ;
    ok(oa_buf_error(&b) == OA_ERR_TOO_LARGE, "{0}: the default cap (%d bytes) is enforced",
       OA_BUF_MAX_DEFAULT);
    oa_buf_free(&b);
}

/* The first error is the one kept; oa_buf_fail records a builder's own. */
static void first_error(void)
{
    struct oa_buf b = {0};

    oa_buf_puts(&b, "abc");
    ok(oa_buf_fail(&b, OA_ERR_INTERNAL) == OA_ERR_INTERNAL, "fail records an error");
    ok(b.p == NULL && b.len == 0, "and drops the bytes");
    ok(oa_buf_fail(&b, OA_ERR_NOMEM) == OA_ERR_INTERNAL, "a second error does not replace it");
    ok(oa_buf_puts(&b, "d") == OA_ERR_INTERNAL, "appends return the first error");
    oa_buf_free(&b);
    ok(oa_buf_fail(&b, OA_OK) == OA_OK && oa_buf_puts(&b, "e") == OA_OK, "fail(OA_OK) is a no-op");
    is_str(b.p, "e", "content after the no-op");
    oa_buf_free(&b);
}

/* Out of memory: the same sticky error (malloc is interposed). */
static void nomem(void)
{
    struct oa_buf b = {0};
    char *s;

#ifdef OA_COUNT_MALLOC_OFF
    for (int i = 0; i < 5; i++)
        printf("ok %d - # SKIP malloc cannot be interposed under AddressSanitizer\n", ++tap_n);
    return;
#endif
    if (getenv("OA_UNDER_VALGRIND")) { /* valgrind's malloc replaces the interposed one */
        for (int i = 0; i < 5; i++)
            printf("ok %d - # SKIP malloc cannot be interposed under valgrind\n", ++tap_n);
        return;
    }
    oa_buf_puts(&b, "abc");
    oa_allocs_fail = 1;
    oa_buf_printf(&b, "%0200d", 7); /* past the first 128 bytes: grows */
    oa_allocs_fail = 0;
    ok(oa_buf_error(&b) == OA_ERR_NOMEM, "a failed realloc records OA_ERR_NOMEM");
    ok(b.p == NULL && b.len == 0, "and leaves no half-built content");
    ok(oa_buf_puts(&b, "x") == OA_ERR_NOMEM, "later appends fail though memory is back");
    ok(oa_buf_steal(&b) == NULL, "steal says NULL");
    oa_allocs_fail = 1;
    s = oa_buf_steal(&b);
    oa_allocs_fail = 0;
    ok(s == NULL, "steal of an empty buffer without memory: NULL");
}

int main(void)
{
    escapers();
    grow_and_steal();
    cap();
    first_error();
    nomem();
    return tap_done();
}
