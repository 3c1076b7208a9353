/* test_buf.c - the growable buffer and its escapers. */
#include <stdlib.h>

#include "oa/buf.h"
#include "tap.h"

int main(void)
{
    struct oa_buf b = {0};
    char *s;

    ok(oa_buf_html(&b, "<a href=\"x\">&'</a>") == OA_OK, "html escape runs");
    is_str(b.p, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;", "html escapes all five");
    oa_buf_free(&b);

    ok(oa_buf_json_str(&b, "a\"b\\c\n<\x01") == OA_OK, "json escape runs");
    is_str(b.p, "a\\\"b\\\\c\\u000a\\u003c\\u0001", "json escapes quotes, controls, markup");
    oa_buf_free(&b);

    ok(oa_buf_urlenc(&b, "a b/c?d=e&f~") == OA_OK, "urlenc runs");
    is_str(b.p, "a%20b%2Fc%3Fd%3De%26f~", "urlenc keeps only unreserved");
    oa_buf_free(&b);

    for (int i = 0; i < 1000; i++)
        if (oa_buf_printf(&b, "%d,", i))
            break;
    is_int(b.len, 3890, "printf grows the buffer");
    s = oa_buf_steal(&b);
    ok(s && b.p == NULL && b.len == 0, "steal hands over ownership");
    free(s);
    s = oa_buf_steal(&b);
    is_str(s, "", "steal of an empty buffer is an empty string");
    free(s);
    return tap_done();
}
