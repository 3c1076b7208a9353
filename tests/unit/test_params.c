/* test_params.c - the edge's one pass over a request's params (fcgi/params.c):
 * the same answers as a lookup of each name with getenv or FCGX_GetParam. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "tap.h"

static const char *const all_names[OA_P_COUNT] = {
#define NAME(n) #n,
    OA_PARAMS(NAME)
#undef NAME
};

/* What FCGX_GetParam and getenv do: the first NAME= in the list. */
static const char *lookup(const char *const *envp, const char *name)
{
    size_t n = strlen(name);

    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

static int same_as_lookup(const char *const *envp)
{
    struct oa_params p;

    oa_params_read(&p, (char *const *)envp);
    for (int i = 0; i < OA_P_COUNT; i++) {
        const char *want = lookup(envp, all_names[i]);
        if (want != p.v[i]) {
            printf("# %s: %s, not %s\n", all_names[i], p.v[i] ? p.v[i] : "(none)",
                   want ? want : "(none)");
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    static const char *const none[] = {NULL};
    static const char *const apache[] = {"HTTP_HOST=127.0.0.1:8080",
                                         "HTTP_COOKIE=oauth2_fcgi=abc",
                                         "PATH=/usr/bin:/bin",
                                         "SERVER_SIGNATURE=",
                                         "SERVER_SOFTWARE=Apache",
                                         "SERVER_NAME=127.0.0.1",
                                         "SERVER_ADDR=127.0.0.1",
                                         "SERVER_PORT=8080",
                                         "REMOTE_ADDR=127.0.0.1",
                                         "DOCUMENT_ROOT=/var/www",
                                         "REQUEST_SCHEME=http",
                                         "GATEWAY_INTERFACE=CGI/1.1",
                                         "SERVER_PROTOCOL=HTTP/1.1",
                                         "REQUEST_METHOD=GET",
                                         "QUERY_STRING=",
                                         "REQUEST_URI=/app/x?y=1",
                                         "SCRIPT_NAME=/app/x",
                                         "FCGI_ROLE=AUTHORIZER",
                                         "FCGI_APACHE_ROLE=ACCESS_CHECKER",
                                         "OAUTH2_FCGI_PATH=/app/x",
                                         NULL};
    static const char *const tricky[] = {"HTTP_HOS=short",       /* a prefix of a name */
                                         "HTTP_HOSTX=long",      /* a name with more after it */
                                         "http_host=lower",      /* names are case-sensitive */
                                         "HTTP_HOST",            /* no '=': skipped */
                                         "=no-name",             /* an empty name */
                                         "HTTP_HOST=first",      /* the first one counts */
                                         "HTTP_HOST=second",     /* a later one does not */
                                         "HTTP_COOKIE=a=b; c=d", /* '=' in the value */
                                         "REDIRECT_URL=",        /* an empty value is a value */
                                         "REDIRECT_URI=/x",      /* one letter from REDIRECT_URL */
                                         "UNIQUE_ID=u",
                                         "REQUEST_ID=r",
                                         NULL};
    const char *every[OA_P_COUNT + 1];
    char store[OA_P_COUNT][64];
    struct oa_params p;

    oa_params_read(&p, NULL);
    ok(same_as_lookup(NULL) && !p.v[OA_P_HTTP_HOST], "a NULL list has no params");
    ok(same_as_lookup(none), "an empty list has no params");
    ok(same_as_lookup(apache), "an Apache access check's params");
    oa_params_read(&p, (char *const *)apache);
    is_str(p.v[OA_P_FCGI_APACHE_ROLE], "ACCESS_CHECKER", "FCGI_APACHE_ROLE");
    is_str(p.v[OA_P_REQUEST_URI], "/app/x?y=1", "REQUEST_URI");
    ok(same_as_lookup(tricky), "prefixes, case, no '=', repeats, '=' in values");
    oa_params_read(&p, (char *const *)tricky);
    is_str(p.v[OA_P_HTTP_HOST], "first", "the first of a repeated name counts");
    is_str(p.v[OA_P_HTTP_COOKIE], "a=b; c=d", "a value keeps its '='");
    is_str(p.v[OA_P_REDIRECT_URL], "", "an empty value is there, not NULL");
    is_str(p.v[OA_P_REDIRECT_URI], "/x", "REDIRECT_URI apart from REDIRECT_URL");
    for (int i = 0; i < OA_P_COUNT; i++) {
        snprintf(store[i], sizeof(store[i]), "%s=%d", all_names[i], i);
        every[OA_P_COUNT - 1 - i] = store[i]; /* in reverse order */
    }
    every[OA_P_COUNT] = NULL;
    ok(same_as_lookup(every), "every name the edge reads is found, in any order");
    return tap_done();
}
