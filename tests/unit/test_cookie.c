/* test_cookie.c - Cookie header parsing and Set-Cookie writing. */
#include <stdlib.h>

#include "oa/cookie.h"
#include "tap.h"

static struct oa_response r;

/* The value of name in h as a NUL-terminated string ("<none>" if absent). */
static const char *find(const char *h, const char *name)
{
    static char buf[256];
    const char *v;
    size_t n;

    if (!oa_cookie_find(h, name, &v, &n))
        return "<none>";
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

struct seen {
    char names[256];
    int stop_after;
    int calls;
};

static bool collect(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
    struct seen *s = ctx;
    size_t used = strlen(s->names);

    snprintf(s->names + used, sizeof(s->names) - used, "%s%.*s=%.*s", used ? "," : "", (int)nlen,
             name, (int)vlen, val);
    return ++s->calls == s->stop_after;
}

static void test_find(void)
{
    static char big[100 * 1024 + 64];
    size_t i;

    is_str(find("a=1; b=2", "b"), "2", "second cookie");
    is_str(find("a=1;b=2", "b"), "2", "no space after ;");
    is_str(find(" a = 1 ;\tb=2 ", "a"), "1", "spaces around name and value ignored");
    is_str(find(" a = 1 ;\tb=2 ", "b"), "2", "tab before name, trailing space");
    is_str(find("ab=1; a=2", "a"), "2", "names compare exactly (no prefix match)");
    is_str(find("a=1", "ab"), "<none>", "longer name not found");
    is_str(find("A=1", "a"), "<none>", "names are case-sensitive");
    is_str(find("a=1; a=2", "a"), "1", "first occurrence wins");
    is_str(find("junk; =x; a=1", "a"), "1", "malformed pairs ignored");
    is_str(find("a=", "a"), "", "empty value");
    is_str(find("a=b=c", "a"), "b=c", "value may hold '='");
    is_str(find(";;; ;", "a"), "<none>", "only separators");
    is_str(find("", "a"), "<none>", "empty header");
    is_str(find(NULL, "a"), "<none>", "NULL header");
    is_str(find("a=1", ""), "<none>", "empty name never matches");
    is_str(find("x=\"q\"; a=1", "x"), "\"q\"", "quoted value returned as sent");
    is_str(find("a", "a"), "<none>", "a name without '=' is not a cookie");

    for (i = 0; i + 8 < 100 * 1024; i += 8)
        memcpy(big + i, "zz=yyy; ", 8);
    memcpy(big + i, "a=last", 7);
    is_str(find(big, "a"), "last", "found after 100 KB of other cookies");
    is_str(find(big, "b"), "<none>", "absent in 100 KB header");
    memset(big, 'x', 100 * 1024);
    big[100 * 1024] = '\0';
    is_str(find(big, "a"), "<none>", "100 KB without separators");
}

static void test_each(void)
{
    struct seen s = {{0}, 0, 0};

    is_int(oa_cookie_each("s_0=a; x=1; s_1=b; s=c; s_2=d", "s_", 10, collect, &s), 3,
           "each: three cookies with the prefix");
    is_str(s.names, "s_0=a,s_1=b,s_2=d", "each: in order, with values");
    memset(&s, 0, sizeof(s));
    is_int(oa_cookie_each("s_0=a; s_1=b; s_2=d", "s_", 2, collect, &s), 2, "each: bounded by max");
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    is_int(oa_cookie_each("s_0=a; s_1=b", "s_", 10, collect, &s), 1, "each: fn stops it");
    memset(&s, 0, sizeof(s));
    is_int(oa_cookie_each("a=1; =2; b=3", "", 10, collect, &s), 2,
           "each: empty prefix, malformed skipped");
    is_int(oa_cookie_each(NULL, "", 10, collect, &s), 0, "each: NULL header");
}

static void test_set(void)
{
    struct oa_cookie_attrs a = {"/", 60, true, true, "Lax"};
    struct oa_cookie_attrs del = {NULL, 0, false, true, NULL};
    struct oa_cookie_attrs sess = {"/oauth", -1, false, false, "None"};
    static const char *bad_values[] = {"a b",    "a;b",  "a,b",   "a\"b",    "a\\b",
                                       "a\r\nb", "a\tb", "a\x7f", "\xc3\xa9"};
    size_t i, before;
    int refused = 1;

    oa_response_init(&r);
    ok(oa_cookie_set(&r, "__Host-x", "v-_1", 4, &a) == OA_OK, "set");
    is_str(oa_response_get(&r, "Set-Cookie"),
           "__Host-x=v-_1; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax", "attributes");
    oa_response_init(&r);
    ok(oa_cookie_set(&r, "x", "", 0, &del) == OA_OK, "delete");
    is_str(oa_response_get(&r, "Set-Cookie"),
           "x=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly",
           "delete: Max-Age=0 and an Expires in the past, default Path=/");
    oa_response_init(&r);
    ok(oa_cookie_set(&r, "x", "abc", 2, &sess) == OA_OK, "session cookie, value length honoured");
    is_str(oa_response_get(&r, "Set-Cookie"), "x=ab; Path=/oauth; SameSite=None",
           "no Max-Age for a browser-session cookie");

    oa_response_init(&r);
    for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
        if (oa_cookie_set(&r, "x", bad_values[i], strlen(bad_values[i]), &a) != OA_ERR_BAD_INPUT)
            refused = 0;
    ok(refused, "values outside cookie-octet refused");
    ok(oa_cookie_set(&r, "x", "a\0b", 3, &a) == OA_ERR_BAD_INPUT, "NUL in value refused");
    ok(oa_cookie_set(&r, "a b", "v", 1, &a) == OA_ERR_BAD_INPUT, "space in name refused");
    ok(oa_cookie_set(&r, "a=b", "v", 1, &a) == OA_ERR_BAD_INPUT, "'=' in name refused");
    ok(oa_cookie_set(&r, "a;b", "v", 1, &a) == OA_ERR_BAD_INPUT, "';' in name refused");
    ok(oa_cookie_set(&r, "", "v", 1, &a) == OA_ERR_BAD_INPUT, "empty name refused");
    {
        struct oa_cookie_attrs b = a;
        b.same_site = "lax; Domain=evil";
        ok(oa_cookie_set(&r, "x", "v", 1, &b) == OA_ERR_BAD_INPUT, "unknown SameSite refused");
        b = a;
        b.path = "/; Domain=evil.example";
        ok(oa_cookie_set(&r, "x", "v", 1, &b) == OA_ERR_BAD_INPUT, "';' in Path refused");
    }
    is_int(r.nheaders, 0, "nothing added on refusal");
    before = r.space_used;
    {
        static char v[9000];
        memset(v, 'a', sizeof(v));
        ok(oa_cookie_set(&r, "x", v, sizeof(v), &a) == OA_ERR_TOO_LARGE, "huge value refused");
    }
    ok(r.nheaders == 0 && r.space_used == before, "still nothing added");
}

int main(void)
{
    test_find();
    test_each();
    test_set();
    return tap_done();
}
