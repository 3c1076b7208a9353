/* test_state.c - the sealed login state cookies: names, attributes,
 * round trip, constant-time state check, expiry, provider binding, single
 * use, and the bound on outstanding entries. */
#include "fixture.h"
#include "tap.h"

static struct oa_response r;

/* Seals a state entry made at time `at` into "name=value" (new). */
static char *entry_at(const struct oa_provider *p, int64_t at, char *state_out)
{
    struct oa_request req;
    struct oa_state st;
    char *pair;

    fx_request(&req, "GET", "/oauth/x/login", "", NULL);
    if (oa_state_new(&st, p->name, "/back", at) != OA_OK)
        abort();
    oa_response_init(&r);
    if (oa_state_save(&r, &fx_cfg, &req, p, &st) != OA_OK)
        abort();
    if (state_out)
        memcpy(state_out, st.state, strlen(st.state) + 1);
    pair = fx_cookie_pair(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0));
    oa_state_free(&st);
    oa_response_free(&r);
    return pair;
}

static void test_names(void)
{
    char name[OA_STATE_COOKIE_NAME_MAX];
    struct oa_state a, b;

    ok(oa_state_new(&a, "github", "/x", 100) == OA_OK &&
           oa_state_new(&b, "github", "/x", 100) == OA_OK,
       "two entries made");
    is_int(strlen(a.state), 43, "state is 256 random bits as base64url");
    is_int(strlen(a.verifier), 43, "PKCE verifier is 43 chars (RFC 7636 minimum, max entropy)");
    is_int(strlen(a.nonce), 43, "nonce is 256 bits");
    ok(strcmp(a.state, b.state) && strcmp(a.verifier, b.verifier) && strcmp(a.nonce, b.nonce) &&
           strcmp(a.state, a.verifier),
       "all values fresh and distinct");
    ok(oa_state_param_ok(a.state), "own state accepted as parameter");
    ok(oa_state_cookie_name(name, sizeof(name), &fx_cfg, a.state) == OA_OK, "cookie name");
    ok(!strncmp(name, "__Host-oauth2_fcgi_state_", 25) && !strncmp(name + 25, a.state, 8) &&
           strlen(name) == 33,
       "name is __Host-<cookie>_state_<8 chars> (no sibling subdomain can set it)");
    fx_cfg.session.secure = false;
    ok(oa_state_cookie_name(name, sizeof(name), &fx_cfg, a.state) == OA_OK &&
           !strncmp(name, "oauth2_fcgi_state_", 18),
       "no prefix when not secure (plain-http development)");
    fx_cfg.session.secure = true;
    ok(!oa_state_param_ok("short"), "short state refused");
    ok(!oa_state_param_ok("aaaaaaaaaaaaaaaaaaaaaaaaaa;b"), "state with ; refused");
    ok(!oa_state_param_ok("aaaaaaaaaaaaaaaaaaaaaaaa=bbbb"), "state with = refused");
    ok(!oa_state_param_ok(NULL), "no state refused");
    {
        char s[OA_STATE_TEXT_MAX + 2];

        memset(s, 'A', sizeof(s) - 1);
        s[21] = '\0';
        ok(!oa_state_param_ok(s), "a 21-character state refused (under 128 bits)");
        s[21] = 'A';
        s[22] = '\0';
        ok(oa_state_param_ok(s), "a 22-character state accepted");
        s[22] = 'A';
        s[OA_STATE_TEXT_MAX] = '\0';
        ok(oa_state_param_ok(s), "a state of OA_STATE_TEXT_MAX characters accepted");
        s[OA_STATE_TEXT_MAX] = 'A';
        s[OA_STATE_TEXT_MAX + 1] = '\0';
        ok(!oa_state_param_ok(s), "a state of OA_STATE_TEXT_MAX + 1 characters refused");
    }
    ok(!oa_state_param_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
       "65-char state refused");
    ok(oa_state_cookie_name(name, sizeof(name), &fx_cfg, "bad;state=xxxxxxxxxxxxxx") ==
           OA_ERR_BAD_INPUT,
       "no cookie name for a bad state");
    oa_state_free(&a);
    oa_state_free(&b);
    ok(oa_state_new(&a, "github", NULL, 1) == OA_OK && !strcmp(a.rd, "/"), "no rd -> /");
    oa_state_free(&a);
}

static void test_attrs(const struct oa_provider *gh, const struct oa_provider *apple)
{
    struct oa_request req;
    struct oa_state st;
    const char *sc;

    fx_request(&req, "GET", "/oauth/github/login", "", NULL);
    ok(oa_state_new(&st, gh->name, "/x", req.now) == OA_OK, "entry");
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, gh, &st) == OA_OK, "saved");
    sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "; Path=/;") && strstr(sc, "; Max-Age=600") && strstr(sc, "; Secure") &&
           strstr(sc, "; HttpOnly") && strstr(sc, "; SameSite=Lax") && !strstr(sc, "Domain"),
       "state cookie: __Host- rules (Path=/, Secure, no Domain), Max-Age=600, HttpOnly, "
       "SameSite=Lax");
    printf("# %s\n", sc ? sc : "(none)");
    ok(sc && !strstr(sc, st.verifier) && !strstr(sc, st.nonce) && !strstr(sc, "/x;"),
       "nothing readable in the sealed value");
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, apple, &st) == OA_OK, "saved for apple");
    sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "; SameSite=None") && strstr(sc, "; Secure"),
       "apple-id state cookie: SameSite=None; Secure (form_post is cross-site)");
    oa_response_free(&r);
    oa_state_free(&st);
}

static void test_load(const struct oa_provider *gh, const struct oa_provider *other)
{
    struct oa_request req;
    struct oa_state st;
    char state[80], forged[80], *pair, *tampered;
    int64_t now = (int64_t)time(NULL);

    pair = entry_at(gh, now, state);
    fx_request(&req, "GET", "/oauth/github/callback", "", pair);
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_OK, "entry opens");
    is_str(st.rd, "/back", "rd kept");
    is_str(st.provider, "github", "provider kept");
    oa_state_free(&st);
    ok(oa_state_load(&st, &fx_cfg, &req, other, state) == OA_ERR_DENIED,
       "entry for another provider refused");
    memcpy(forged, state, strlen(state) + 1);
    forged[20] = forged[20] == 'A' ? 'B' : 'A';
    ok(oa_state_load(&st, &fx_cfg, &req, gh, forged) == OA_ERR_CRYPTO,
       "same cookie name, different state refused");
    memcpy(forged, state, strlen(state) + 1);
    forged[30] = '\0';
    ok(oa_state_load(&st, &fx_cfg, &req, gh, forged) == OA_ERR_CRYPTO,
       "a prefix of the state refused");
    req.now = now + OA_STATE_TTL + 1;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_EXPIRED,
       "entry older than 10 minutes refused");
    req.now = now + OA_STATE_TTL;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_OK, "entry exactly 10 minutes old opens");
    oa_state_free(&st);
    req.now = now - 60;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_OK,
       "entry made 60 s ahead of our clock opens (skew)");
    oa_state_free(&st);
    req.now = now - 61;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_EXPIRED,
       "entry made 61 s ahead of our clock refused (from the future)");
    req.now = now;
    req.cookie = NULL;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_NOT_FOUND,
       "no cookie (used or never set) refused");
    tampered = strdup(pair);
    tampered[strlen(tampered) - 3] ^= 1;
    req.cookie = tampered;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_CRYPTO, "tampered cookie refused");
    oa_response_init(&r);
    ok(oa_state_delete(&r, &fx_cfg, gh, state) == OA_OK &&
           strstr(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "Max-Age=0"),
       "delete sets Max-Age=0");
    oa_response_free(&r);
    free(tampered);
    free(pair);
}

static void test_prune(const struct oa_provider *gh)
{
    struct oa_buf hdr = {0};
    struct oa_request req;
    struct oa_state st;
    char *pairs[6], names[6][64];
    int64_t now = (int64_t)time(NULL);
    size_t i, deleted = 0;
    const char *sc;

    for (i = 0; i < 5; i++) {
        pairs[i] = entry_at(gh, now - 100 + (int64_t)i * 10, NULL);
        snprintf(names[i], sizeof(names[i]), "%.*s", (int)strcspn(pairs[i], "="), pairs[i]);
        ok(oa_buf_printf(&hdr, "%s%s", i ? "; " : "", pairs[i]) == OA_OK, "cookie %zu", i);
    }
    ok(oa_buf_puts(&hdr, "; __Host-oauth2_fcgi_state_garbage1=xyz; other=1") == OA_OK,
       "plus a garbage state cookie");
    fx_request(&req, "GET", "/oauth/github/login", "", hdr.p);
    ok(oa_state_new(&st, gh->name, "/", now) == OA_OK, "new entry");
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, gh, &st) == OA_OK, "saved with 5 outstanding");
    for (i = 0; (sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", (int)i)); i++)
        if (strstr(sc, "Max-Age=0"))
            deleted++;
    is_int(deleted, 3, "the 2 oldest and the garbage one deleted (3 kept + 1 new = 4)");
    ok(strstr(fx_set_cookie(&r, names[0], 0), "Max-Age=0") &&
           strstr(fx_set_cookie(&r, names[1], 0), "Max-Age=0"),
       "the oldest are the ones deleted");
    ok(!fx_set_cookie(&r, names[2], 0) && !fx_set_cookie(&r, names[4], 0), "newer ones untouched");
    ok(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_garbage1=;", 0) != NULL,
       "unopenable one deleted");
    oa_response_free(&r);
    oa_state_free(&st);
    for (i = 0; i < 5; i++)
        free(pairs[i]);
    oa_buf_free(&hdr);
}

/* Hostile cookie jars (e.g. cookies tossed from a sibling subdomain): the
 * login still works, its answer stays small, and names we never set are
 * not touched (a deletion the header writer refuses once failed the whole
 * login: found by fuzz_state). */
static void test_prune_hostile(const struct oa_provider *gh)
{
    struct oa_buf hdr = {0};
    struct oa_request req;
    struct oa_state st;
    int64_t now = (int64_t)time(NULL);
    size_t i, deleted;
    const char *sc;

    for (i = 0; i < 40; i++)
        ok(oa_buf_printf(&hdr, "%s__Host-oauth2_fcgi_state_J%07zu=junk", i ? "; " : "", i) == OA_OK,
           "junk state cookie %zu", i);
    fx_request(&req, "GET", "/oauth/github/login", "", hdr.p);
    ok(oa_state_new(&st, gh->name, "/", now) == OA_OK, "new entry");
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, gh, &st) == OA_OK, "40 junk state cookies: login works");
    for (i = 0, deleted = 0; (sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", (int)i)); i++)
        deleted += strstr(sc, "Max-Age=0") != NULL;
    is_int(deleted, OA_STATE_PRUNE_MAX, "at most OA_STATE_PRUNE_MAX deletions in one answer");
    is_int(i, OA_STATE_PRUNE_MAX + 1, "plus the new entry");
    oa_response_free(&r);
    oa_state_free(&st);
    oa_buf_free(&hdr);

    fx_request(&req, "GET", "/oauth/github/login", "",
               "__Host-oauth2_fcgi_state_AB(CDEFG=1; __Host-oauth2_fcgi_state_ABCDEFGHIJ=2; "
               "__Host-oauth2_fcgi_state_ABC=3; __Host-oauth2_fcgi_state_\x01"
               "BCDEFGH=4; "
               "__Host-oauth2_fcgi_state_ABCD\xff"
               "FGH=5");
    ok(oa_state_new(&st, gh->name, "/", now) == OA_OK, "new entry");
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, gh, &st) == OA_OK,
       "state-prefixed names we never make: login works");
    is_int(r.nheaders, 1, "... and they are left alone (only the new entry is set)");
    oa_response_free(&r);
    oa_state_free(&st);
}

/* Login CSRF by cookie tossing: a sibling subdomain
 * can set a __Secure- cookie for the whole domain, never a __Host- one. A
 * state cookie under the old __Secure- name (a valid sealed entry: the
 * attacker's own, from their own login) is not looked at; the deletions
 * obey the __Host- rules too (browsers drop a __Host- Set-Cookie without
 * Secure or with another Path); plain http keeps the unprefixed cookie
 * under base_path. */
static void test_host_prefix(const struct oa_provider *gh)
{
    struct oa_request req;
    struct oa_state st;
    char state[80], *pair, tossed[4096];
    const char *sc;
    int64_t now = (int64_t)time(NULL);

    pair = entry_at(gh, now, state);
    ok(pair && !strncmp(pair, "__Host-oauth2_fcgi_state_", 25), "the state cookie is __Host-");
    snprintf(tossed, sizeof(tossed), "__Secure-oauth2_fcgi_state_%s", pair ? pair + 25 : "");
    fx_request(&req, "GET", "/oauth/github/callback", "", tossed);
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_NOT_FOUND,
       "a valid entry tossed as __Secure-<name>_state_*: not found (login CSRF refused)");
    snprintf(tossed, sizeof(tossed), "oauth2_fcgi_state_%s", pair ? pair + 25 : "");
    req.cookie = tossed;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_ERR_NOT_FOUND,
       "... and as an unprefixed <name>_state_*: not found");
    req.cookie = pair;
    ok(oa_state_load(&st, &fx_cfg, &req, gh, state) == OA_OK, "the __Host- one opens");
    oa_state_free(&st);
    oa_response_init(&r);
    ok(oa_state_delete(&r, &fx_cfg, gh, state) == OA_OK, "delete");
    sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "; Path=/;") && strstr(sc, "; Secure") && strstr(sc, "Max-Age=0"),
       "the deletion has Path=/ and Secure (else a browser ignores it)");
    oa_response_free(&r);
    fx_request(&req, "GET", "/oauth/github/login", "", pair);
    ok(oa_state_new(&st, gh->name, "/", now) == OA_OK, "new entry");
    oa_response_init(&r);
    ok(oa_state_delete_all(&r, &fx_cfg, &req) == OA_OK, "delete all (logout)");
    sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "; Path=/;") && strstr(sc, "; Secure") && strstr(sc, "Max-Age=0"),
       "logout's deletion has Path=/ and Secure too");
    oa_response_free(&r);
    oa_state_free(&st);
    free(pair);

    fx_cfg.session.secure = false;
    fx_request(&req, "GET", "/oauth/github/login", "", NULL);
    ok(oa_state_new(&st, gh->name, "/", now) == OA_OK, "new entry (plain http)");
    oa_response_init(&r);
    ok(oa_state_save(&r, &fx_cfg, &req, gh, &st) == OA_OK, "saved (plain http)");
    sc = fx_set_cookie(&r, "oauth2_fcgi_state_", 0);
    ok(sc && strstr(sc, "; Path=/oauth/;") && !strstr(sc, "; Secure"),
       "plain http: unprefixed, Path=/oauth/, no Secure (the fallback)");
    oa_response_free(&r);
    oa_state_free(&st);
    fx_cfg.session.secure = true;
}

int main(void)
{
    struct oa_provider *gh, *apple, *other;

    fx_config();
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    apple = fx_provider("apple-id", OA_PROVIDER_APPLE);
    other = fx_provider("corp", OA_PROVIDER_OIDC);
    test_names();
    test_attrs(gh, apple);
    test_load(gh, other);
    test_prune(gh);
    test_prune_hostile(gh);
    test_host_prefix(gh);
    return tap_done();
}
