/* test_curl_load.c - src/net/curl_load.c when libcurl cannot be loaded: a clear
 * reason, no crash, and no retry storm. The loading of the real libcurl is
 * tested in test_http.c (it needs the https test server). */
#include "config.h"
#undef OA_LIBCURL_SONAME
#define OA_LIBCURL_SONAME "liboa-no-such-curl.so.4"
#undef HAVE_CONFIG_H
#include "../../src/net/curl_load.c"

#include <string.h>

#include "tap.h"

int main(void)
{
    const char *why = NULL;

    ok(!oa_curl_loaded(), "nothing is loaded before the first use");
    ok(oa_curl(&why) == NULL, "a missing libcurl: no table");
    ok(why && !strcmp(why, "cannot load liboa-no-such-curl.so.4 (install libcurl4)"),
       "the reason names the file and the package: %s", why ? why : "(none)");
    why = NULL;
    ok(oa_curl(&why) == NULL && why != NULL, "a second call answers the same, without retrying");
    ok(oa_curl(NULL) == NULL, "why may be NULL");
    ok(!oa_curl_loaded(), "still not loaded");
    oa_curl_cleanup();
    why = NULL;
    ok(!oa_curl_loaded() && oa_curl(&why) == NULL && why &&
           !strcmp(why, "cannot load liboa-no-such-curl.so.4 (install libcurl4)"),
       "cleanup without a loaded libcurl changes nothing: still not loaded, same reason");
    return tap_done();
}
