/*
 * test_jwks_refresh.c - the bearer keys' refresh thread (fcgi/jwks_refresh.c,
 * DESIGN.md section 16.1) over the stand-in transport: the keys are fetched
 * at start, and a reload that names another jwks_uri drops the old keys and fetches from it at
 * once (not at the old keys' max-age), while a reload that names the same
 * one does not fetch again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "jwks_refresh.h"
#include "live.h"
#include "oa/bearer.h"
#include "tap.h"

#define ISS "https://idp.example.com"
#define JWKS                                                                                       \
    "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","                               \
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}"

/* A config with api_audiences (keys fetched from ISS jwks_path), or
 * without (jwks_path NULL: the thread has nothing to poll). */
static struct oa_gen *gen_of(const char *jwks_path)
{
    char y[1024];
    struct oa_config *cfg = NULL;
    struct oa_error err;

    snprintf(y, sizeof(y),
             "public_url: https://app.example.com\n"
             "providers:\n"
             "  - name: corp\n"
             "    issuer: " ISS "\n"
             "    client_id: c1\n"
             "    client_secret: s1\n"
             "%s%s%s",
             jwks_path ? "    jwks_uri: " ISS : "", jwks_path ? jwks_path : "",
             jwks_path ? "\n    api_audiences: [https://api.example.com]\n" : "");
    if (oa_config_load_string(&cfg, "t.yml", y, strlen(y), &err) != OA_OK) {
        printf("Bail out! config: %s\n", err.msg);
        exit(1);
    }
    return oa_gen_new(cfg, fx_rt.http);
}

/* Waits up to ms for url to have been fetched at least n times. */
static bool fetched_within(const char *url, size_t n, int ms)
{
    struct timespec ts = {0, 50 * 1000000L};

    for (int i = 0; i < ms / 50; i++) {
        if (fx_count(url) >= n)
            return true;
        nanosleep(&ts, NULL);
    }
    return false;
}

static bool fetched(const char *url, size_t n)
{
    return fetched_within(url, n, 5000);
}

/* A config without api_audiences lets the thread sleep (OA_JWKS_IDLE_MS,
 * 5 s); the kick after a reload that adds them has it fetch at once. */
static void test_kick(void)
{
    struct oa_jwks_refresh j;
    struct oa_live live;
    struct timespec nap = {0, 300 * 1000000L};

    if (oa_live_init(&live, gen_of(NULL), 1) != OA_OK) {
        printf("Bail out! live\n");
        exit(1);
    }
    oa_jwks_refresh_start(&j, &live, 0);
    nanosleep(&nap, NULL); /* asleep: no provider to poll */
    oa_live_swap(&live, gen_of("/jwks-k"));
    oa_jwks_refresh_kick(&j);
    ok(fetched_within(ISS "/jwks-k", 1, 1000),
       "a reload that adds api_audiences, kicked: the keys are fetched within 1 s");
    oa_jwks_refresh_stop(&j);
    oa_jwks_refresh_kick(&j); /* after the stop: nothing to wake, no lock taken */
    (void)oa_live_reap(&live);
    oa_live_free(&live);
    oa_bearer_keys_clear();
}

int main(void)
{
    struct oa_jwks_refresh j;
    struct oa_live live;
    struct timespec settle = {1, 0};

    fx_runtime(); /* the stand-in transport */
    fx_reset();
    fx_answer(ISS "/jwks-a", 200, JWKS, NULL);
    fx_answer(ISS "/jwks-b", 200, JWKS, NULL);
    fx_answer(ISS "/jwks-k", 200, JWKS, NULL);
    test_kick();
    if (oa_live_init(&live, gen_of("/jwks-a"), 1) != OA_OK) {
        printf("Bail out! live\n");
        return 1;
    }
    oa_jwks_refresh_start(&j, &live, 0);
    ok(fetched(ISS "/jwks-a", 1), "the keys are fetched at start from jwks_uri");
    ok(oa_bearer_keys_get(ISS) != NULL, "... and published");
    oa_live_swap(&live, gen_of("/jwks-b"));
    ok(fetched(ISS "/jwks-b", 1),
       "a reload naming another jwks_uri fetches from it at once (not at max-age)");
    oa_live_swap(&live, gen_of("/jwks-b"));
    nanosleep(&settle, NULL);
    is_int(fx_count(ISS "/jwks-b"), 1, "a reload naming the same jwks_uri does not fetch again");
    is_int(fx_count(ISS "/jwks-a"), 1, "the old jwks_uri is not asked again");
    /* a reload away from a source whose new one cannot be reached: the old
     * keys are dropped at once, not kept while the new one fails */
    fx_answer(ISS "/jwks-c", 500, "{}", NULL);
    oa_live_swap(&live, gen_of("/jwks-c"));
    ok(fetched(ISS "/jwks-c", 1), "a reload to another jwks_uri that fails: asked at once");
    nanosleep(&settle, NULL);
    ok(oa_bearer_keys_get(ISS) == NULL, "... and the old source's keys verify nothing more");
    oa_jwks_refresh_stop(&j);
    (void)oa_live_reap(&live);
    oa_live_free(&live);
    oa_bearer_keys_clear();
    oa_runtime_free(&fx_rt);
    return tap_done();
}
