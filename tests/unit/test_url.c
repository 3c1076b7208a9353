/* test_url.c - path normalisation for the access rules, and urlencoded
 * form/query parsing (duplicates, '+', bad escapes, empty, missing). */
#include <stdlib.h>
#include <string.h>

#include "oa/url.h"
#include "tap.h"

/* One normalisation case: input, expected output (NULL: refused with err). */
struct norm_case {
    const char *in;
    const char *want;
    enum oa_err err;
};

static const struct norm_case norm_cases[] = {
    /* plain paths */
    {"/", "/", OA_OK},
    {"/index.html", "/index.html", OA_OK},
    {"/a/b/c", "/a/b/c", OA_OK},
    {"/a/b/", "/a/b/", OA_OK},
    /* query and fragment cut on the raw bytes, before decoding */
    {"/private?x=/public", "/private", OA_OK},
    {"/private#/public", "/private", OA_OK},
    {"/a?b#c", "/a", OA_OK},
    {"/a#b?c", "/a", OA_OK},
    {"/?", "/", OA_OK},
    {"/private%3Fx=/public", "/private?x=/public", OA_OK},
    {"/private%23frag", "/private#frag", OA_OK},
    {"/p?q=%zz", "/p", OA_OK}, /* the query is not ours to check */
    /* dot segments */
    {"/a/./b/../c", "/a/c", OA_OK},
    {"/a/b/..", "/a/", OA_OK},
    {"/a/b/.", "/a/b/", OA_OK},
    {"/..", "/", OA_OK},
    {"/../../etc/passwd", "/etc/passwd", OA_OK},
    {"/a/../../b", "/b", OA_OK},
    {"/./", "/", OA_OK},
    {"/...", "/...", OA_OK},
    {"/a/..b/c", "/a/..b/c", OA_OK},
    {"/a/.b", "/a/.b", OA_OK},
    /* encoded dots count as dots */
    {"/%2e%2e", "/", OA_OK},
    {"/admin/%2e%2e/public", "/public", OA_OK},
    {"/public/%2E%2E/admin/", "/admin/", OA_OK},
    {"/a/%2e/b", "/a/b", OA_OK},
    {"/a/.%2e/b", "/b", OA_OK},
    /* decoded '/' is a separator */
    {"/admin%2F..", "/", OA_OK},
    {"/admin%2F../x", "/x", OA_OK},
    {"/admin%2F", "/admin/", OA_OK},
    {"/admin%2fsecret", "/admin/secret", OA_OK},
    {"/public%2F..%2Fadmin/", "/admin/", OA_OK},
    {"/public/..%2fadmin", "/admin", OA_OK},
    /* empty segments collapse */
    {"//x", "/x", OA_OK},
    {"//admin//secret", "/admin/secret", OA_OK},
    {"/a///b/", "/a/b/", OA_OK},
    {"/a/%2F/b", "/a/b", OA_OK},
    /* decoded once only */
    {"/%252e%252e/admin", "/%2e%2e/admin", OA_OK},
    {"/a%2520b", "/a%20b", OA_OK},
    {"/a%20b", "/a b", OA_OK},
    /* backslash is a literal byte */
    {"/a\\..\\b", "/a\\..\\b", OA_OK},
    {"/a%5c..%5cb", "/a\\..\\b", OA_OK},
    /* non-ASCII bytes pass through */
    {"/caf%C3%A9", "/caf\xc3\xa9", OA_OK},
    /* refused: control bytes, bad escapes */
    {"/a%00b", NULL, OA_ERR_BAD_INPUT},
    {"/a%00", NULL, OA_ERR_BAD_INPUT},
    {"/a%0a", NULL, OA_ERR_BAD_INPUT},
    {"/a%0D%0ASet-Cookie:x", NULL, OA_ERR_BAD_INPUT},
    {"/a%09b", NULL, OA_ERR_BAD_INPUT},
    {"/a%7f", NULL, OA_ERR_BAD_INPUT},
    {"/a\tb", NULL, OA_ERR_BAD_INPUT},
    {"/a\x01", NULL, OA_ERR_BAD_INPUT},
    {"/a%", NULL, OA_ERR_BAD_INPUT},
    {"/a%2", NULL, OA_ERR_BAD_INPUT},
    {"/a%zz", NULL, OA_ERR_BAD_INPUT},
    {"/a%g0", NULL, OA_ERR_BAD_INPUT},
    {"/a%%32%65", NULL, OA_ERR_BAD_INPUT},
    {"/a%2?x", NULL, OA_ERR_BAD_INPUT},
    /* refused: not a path */
    {"", NULL, OA_ERR_BAD_INPUT},
    {"a/b", NULL, OA_ERR_BAD_INPUT},
    {"http://h/a", NULL, OA_ERR_BAD_INPUT},
    {"%2Fadmin", NULL, OA_ERR_BAD_INPUT},
    {"?x", NULL, OA_ERR_BAD_INPUT},
};

static void test_normalize_table(void)
{
    char out[256];

    for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
        const struct norm_case *c = &norm_cases[i];
        enum oa_err e = oa_path_normalize(out, sizeof(out), c->in);

        if (c->want) {
            ok(e == OA_OK && strcmp(out, c->want) == 0, "normalize '%s' -> '%s' (got %d '%s')",
               c->in, c->want, (int)e, out);
        } else {
            ok(e == c->err && out[0] == '\0', "normalize '%s' refused (got %d)", c->in, (int)e);
        }
    }
}

static void test_normalize_limits(void)
{
    char small[8], big[5000], in[5000];
    enum oa_err e;

    e = oa_path_normalize(small, sizeof(small), "/abcdef");
    ok(e == OA_OK && strcmp(small, "/abcdef") == 0, "7 bytes fit in 8");
    e = oa_path_normalize(small, sizeof(small), "/abcdefg");
    is_int(e, OA_ERR_TOO_LARGE, "8 bytes do not fit in 8");
    e = oa_path_normalize(small, sizeof(small), "/%61%62%63%64%65%66");
    ok(e == OA_OK && strcmp(small, "/abcdef") == 0, "size counts decoded bytes");
    /* the decoded input must fit, even when dot-segments shorten it */
    e = oa_path_normalize(small, 2, "/..");
    is_int(e, OA_ERR_TOO_LARGE, "'/..' needs room for its decoded bytes");
    e = oa_path_normalize(small, 4, "/..");
    ok(e == OA_OK && strcmp(small, "/") == 0, "'/..' fits in 4");
    e = oa_path_normalize(small, 0, "/");
    is_int(e, OA_ERR_TOO_LARGE, "zero capacity");
    e = oa_path_normalize(small, sizeof(small), NULL);
    is_int(e, OA_ERR_BAD_INPUT, "NULL uri");

    /* a long path of "a/../" pairs resolves to the root */
    in[0] = '\0';
    for (int i = 0; i < 900; i++)
        memcpy(in + i * 5, "/a/..", 6);
    e = oa_path_normalize(big, sizeof(big), in);
    ok(e == OA_OK && strcmp(big, "/") == 0, "900 x '/a/..' is '/'");
    /* a long path of 4000 bytes is kept */
    memset(in, 'x', sizeof(in));
    in[0] = '/';
    in[4000] = '\0';
    e = oa_path_normalize(big, sizeof(big), in);
    ok(e == OA_OK && strlen(big) == 4000, "4000-byte path kept");
    e = oa_path_normalize(big, 4000, in);
    is_int(e, OA_ERR_TOO_LARGE, "4000-byte path in 4000 bytes: too large");
    /* many '..' above the root */
    for (int i = 0; i < 900; i++)
        memcpy(in + i * 3, "/..", 4);
    e = oa_path_normalize(big, sizeof(big), in);
    ok(e == OA_OK && strcmp(big, "/") == 0, "900 x '/..' stays at the root");
}

/* oa_form_get: value wanted (NULL: err). */
static void form_case(const char *data, const char *name, const char *want, enum oa_err err)
{
    char *v = (char *)"unset";
    enum oa_err e = oa_form_get(&v, data, strlen(data), name);

    if (want)
        ok(e == OA_OK && v && strcmp(v, want) == 0, "form '%s' %s = '%s' (got %d '%s')", data, name,
           want, (int)e, v ? v : "(null)");
    else
        ok(e == err && v == NULL, "form '%s' %s refused %d (got %d)", data, name, (int)err, (int)e);
    free(v);
}

static void test_form(void)
{
    form_case("state=abc&code=xyz", "state", "abc", OA_OK);
    form_case("state=abc&code=xyz", "code", "xyz", OA_OK);
    form_case("a=1&b=2&c=3", "b", "2", OA_OK);
    form_case("rd=%2Fadmin%3Fx%3D1", "rd", "/admin?x=1", OA_OK);
    form_case("q=a+b%2Bc", "q", "a b+c", OA_OK);
    form_case("first+name=J", "first name", "J", OA_OK);
    form_case("first%20name=J", "first name", "J", OA_OK);
    form_case("%73tate=enc", "state", "enc", OA_OK);
    form_case("state=", "state", "", OA_OK);
    form_case("state", "state", "", OA_OK);
    form_case("&&state=x&&", "state", "x", OA_OK);
    form_case("state=a=b", "state", "a=b", OA_OK);
    form_case("x=%zz&state=ok", "state", "ok", OA_OK); /* other values are not read */
    form_case("State=x&state=y", "state", "y", OA_OK); /* names are case-sensitive */
    form_case("states=x&state=y&sstate=z", "state", "y", OA_OK);
    form_case("state=%E2%9C%93", "state", "\xe2\x9c\x93", OA_OK);
    /* duplicates */
    form_case("state=a&state=b", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("state=a&state=a", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("code=1&x=2&code=1", "code", NULL, OA_ERR_BAD_INPUT);
    form_case("state=a&st%61te=b", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("state&state=b", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("code=1&code", "code", NULL, OA_ERR_BAD_INPUT);
    /* bad escapes */
    form_case("state=%zz", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("state=abc%", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("state=abc%4", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("st%zzate=x&state=y", "state", NULL, OA_ERR_BAD_INPUT);
    form_case("state=a%00b", "state", NULL, OA_ERR_BAD_INPUT);
    /* missing, empty */
    form_case("", "state", NULL, OA_ERR_NOT_FOUND);
    form_case("&&&", "state", NULL, OA_ERR_NOT_FOUND);
    form_case("code=1", "state", NULL, OA_ERR_NOT_FOUND);
    form_case("=state", "state", NULL, OA_ERR_NOT_FOUND);
    form_case("sta=te", "state", NULL, OA_ERR_NOT_FOUND);
    form_case("statex=1", "state", NULL, OA_ERR_NOT_FOUND);
}

static void test_form_limits(void)
{
    size_t n = 64 * 1024 + 1;
    char *big = malloc(n + 1), *v = NULL;
    enum oa_err e;

    memset(big, 'a', n);
    memcpy(big, "state=", 6);
    big[n] = '\0';
    e = oa_form_get(&v, big, n, "state");
    ok(e == OA_ERR_TOO_LARGE && v == NULL, "form over 64 KiB refused");
    e = oa_form_get(&v, big, n - 1, "state");
    ok(e == OA_OK && v && strlen(v) == n - 1 - 6, "form of 64 KiB accepted");
    free(v);
    free(big);

    /* len is honoured: data need not be NUL-terminated at len */
    e = oa_form_get(&v, "state=abc&state=def", 9, "state");
    ok(e == OA_OK && v && strcmp(v, "abc") == 0, "only len bytes are read");
    free(v);
    /* a raw NUL inside len ends nothing but cannot be in a value */
    e = oa_form_get(&v, "state=a\0b", 9, "state");
    ok(e == OA_ERR_BAD_INPUT && v == NULL, "raw NUL in the value refused");
    e = oa_form_get(&v, NULL, 0, "state");
    ok(e == OA_ERR_NOT_FOUND && v == NULL, "NULL data is not found");
}

static void test_decode(void)
{
    char *s = NULL;
    size_t n = 99;

    ok(oa_url_decode(&s, &n, "a+b%20c%2B", 10, 1) == OA_OK && strcmp(s, "a b c+") == 0 && n == 6,
       "decode with plus_space");
    free(s);
    ok(oa_url_decode(&s, &n, "a+b", 3, 0) == OA_OK && strcmp(s, "a+b") == 0,
       "decode without plus_space keeps '+'");
    free(s);
    ok(oa_url_decode(&s, &n, "", 0, 1) == OA_OK && strcmp(s, "") == 0 && n == 0, "decode empty");
    free(s);
    ok(oa_url_decode(&s, &n, "%41%4a%4A%7e", 12, 0) == OA_OK && strcmp(s, "AJJ~") == 0,
       "decode hex in both cases");
    free(s);
    ok(oa_url_decode(&s, &n, "%0d%0a", 6, 0) == OA_OK && strcmp(s, "\r\n") == 0,
       "decode keeps CR LF (the caller checks its own bytes)");
    free(s);
    ok(oa_url_decode(&s, &n, "%2", 2, 0) == OA_ERR_BAD_INPUT && s == NULL, "short escape");
    ok(oa_url_decode(&s, &n, "%x1", 3, 0) == OA_ERR_BAD_INPUT && s == NULL, "bad hex");
    ok(oa_url_decode(&s, &n, "a%00", 4, 0) == OA_ERR_BAD_INPUT && s == NULL, "decoded NUL");
    ok(oa_url_decode(&s, &n, "%252F", 5, 0) == OA_OK && strcmp(s, "%2F") == 0, "decodes once");
    free(s);
}

/* oa_url_split: the configuration's URLs, without libcurl. */
static void test_split(void)
{
    static const struct {
        const char *url;
        int ok, https, userinfo;
        const char *host, *port, *rest;
    } cases[] = {
        {"https://idp.example.com", 1, 1, 0, "idp.example.com", NULL, ""},
        {"https://idp.example.com/", 1, 1, 0, "idp.example.com", NULL, "/"},
        {"http://127.0.0.1:8080/realms/x?a=b", 1, 0, 0, "127.0.0.1", "8080", "/realms/x?a=b"},
        {"https://Idp.Example.COM:443", 1, 1, 0, "Idp.Example.COM", "443", ""},
        {"https://[::1]:9443/token", 1, 1, 0, "[::1]", "9443", "/token"},
        {"https://[::1]", 1, 1, 0, "[::1]", NULL, ""},
        {"https://u:p@idp.example.com/x", 1, 1, 1, "idp.example.com", NULL, "/x"},
        {"https://a@b@idp.example.com", 1, 1, 1, "idp.example.com", NULL, ""},
        {"https://login_host.example.com.", 1, 1, 0, "login_host.example.com.", NULL, ""},
        {"https://idp.example.com#frag", 1, 1, 0, "idp.example.com", NULL, "#frag"},
        {"https://idp.example.com?q", 1, 1, 0, "idp.example.com", NULL, "?q"},
        {"HTTPS://idp.example.com", 0, 0, 0, NULL, NULL, NULL},
        {"ftp://idp.example.com", 0, 0, 0, NULL, NULL, NULL},
        {"https:/idp.example.com", 0, 0, 0, NULL, NULL, NULL},
        {"idp.example.com/authorize", 0, 0, 0, NULL, NULL, NULL},
        {"https://", 0, 0, 0, NULL, NULL, NULL},
        {"https:///path", 0, 0, 0, NULL, NULL, NULL},
        {"https://:443/", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com:", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com:0", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com:65536", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com:123456", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com:44a", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp..example.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://.example.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com\\@evil.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.exa mple.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com/a\tb", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp.example.com/\r\n", 0, 0, 0, NULL, NULL, NULL},
        {"https://id\xc3\xa9.example.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://idp%2eexample.com", 0, 0, 0, NULL, NULL, NULL},
        {"https://[::1", 0, 0, 0, NULL, NULL, NULL},
        {"https://[::g]", 0, 0, 0, NULL, NULL, NULL},
        {"https://[::1]x", 0, 0, 0, NULL, NULL, NULL},
        {"https://u@", 0, 0, 0, NULL, NULL, NULL},
    };
    struct oa_url_parts u;
    char shown[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = oa_url_split(&u, cases[i].url);
        size_t j = 0;

        /* the URL for the test's name, control and non-ASCII bytes as '?' */
        for (; cases[i].url[j] && j + 1 < sizeof(shown); j++)
            shown[j] = (cases[i].url[j] > 0x20 && cases[i].url[j] < 0x7f) ? cases[i].url[j] : '?';
        shown[j] = '\0';
        if (!cases[i].ok) {
            ok(!got, "split refuses %s", shown);
            continue;
        }
        ok(got && u.https == cases[i].https && u.userinfo == cases[i].userinfo &&
               u.host_len == strlen(cases[i].host) && !memcmp(u.host, cases[i].host, u.host_len) &&
               (cases[i].port ? u.port && u.port_len == strlen(cases[i].port) &&
                                    !memcmp(u.port, cases[i].port, u.port_len)
                              : u.port == NULL) &&
               !strcmp(u.rest, cases[i].rest),
           "split %s", shown);
    }
    ok(!oa_url_split(&u, NULL), "split refuses NULL");
}

int main(void)
{
    test_normalize_table();
    test_normalize_limits();
    test_form();
    test_form_limits();
    test_decode();
    test_split();
    return tap_done();
}
