/*
 * fixture.h - a hand-built config and a valid session cookie for the
 * authorizer benchmark and the no-allocation test: the same request a
 * signed-in user's browser sends on every protected page load (a version-2
 * session cookie with its id and revocation keys, before refresh_at).
 */
#ifndef OA_BENCH_FIXTURE_H
#define OA_BENCH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/authorizer.h"
#include "oa/config.h"
#include "oa/crypto.h"
#include "oa/seal.h"
#include "oa/session.h"

struct oa_fixture {
    struct oa_config cfg;
    struct oa_provider prov;
    struct oa_access_rule rules[2];
    char *rule_emails[1];
    char *rule_domains[1];
    char *names[1];
    char cookie[OA_SESSION_CHUNKS_MAX * (OA_COOKIE_CHUNK_MAX + 64)];
    struct oa_request req;
};

/* Fills f; returns 0 or -1. The identity is typical: an OIDC user with an
 * email, a name and a few groups. */
static int oa_fixture_init(struct oa_fixture *f, int64_t now)
{
    static struct oa_response resp; /* large: keep it off the stack */
    unsigned char key[OA_KEY_BYTES];
    struct oa_identity id = {
        .provider = "corp", .issuer = "https://idp.example.com", .subject = "248289761001",
        .username = "alice", .email = "alice@example.com", .name = "Alice Example",
        .groups = "staff,ops,eng", .workspaces = "argilla"};
    const char *sc;
    size_t n;

    memset(f, 0, sizeof(*f));
    if (oa_crypto_init())
        return -1;
    oa_random_bytes(key, sizeof(key));
    if (oa_keyring_add(&f->cfg.keys, key))
        return -1;
    f->prov.name = (char *)"corp";
    f->prov.display_name = (char *)"Corp SSO";
    f->cfg.providers = &f->prov;
    f->cfg.nproviders = 1;
    f->cfg.base_path = (char *)"/oauth";
    f->cfg.public_url = (char *)"https://app.example.com";
    f->cfg.public_host = (char *)"app.example.com";
    f->cfg.public_https = true;
    f->cfg.session.cookie_name = (char *)"oauth2_fcgi";
    f->cfg.session.cookie_full = (char *)"__Host-oauth2_fcgi";
    f->cfg.session.secure = true;
    f->cfg.session.lifetime = 8 * 3600;
    /* the soft limit on, as a deployment with refresh has it: the cookie
     * (version 2, DESIGN.md 14.3) is fresh, so the decision checks it and
     * goes on to the rules */
    f->cfg.session.refresh_after = 15 * 60;
    f->rule_emails[0] = (char *)"bob@example.com";
    f->rule_domains[0] = (char *)"example.com";
    f->rules[0].path = (char *)"/admin/";
    f->rules[0].path_len = 7;
    f->rules[0].emails.v = f->rule_emails;
    f->rules[0].emails.n = 1;
    f->rules[1].path = (char *)"/";
    f->rules[1].path_len = 1;
    f->rules[1].email_domains.v = f->rule_domains;
    f->rules[1].email_domains.n = 1;
    f->cfg.access = f->rules;
    f->cfg.naccess = 2;

    f->req.role = OA_ROLE_AUTHORIZER;
    f->req.method = "GET";
    f->req.host = "app.example.com";
    f->req.https = "on";
    f->req.now = now;
    oa_response_init(&resp);
    if (oa_session_issue(&resp, &f->cfg, &f->req, &id))
        return -1;
    sc = oa_response_get(&resp, "Set-Cookie");
    if (!sc)
        return -1;
    n = strcspn(sc, ";");
    if (n >= sizeof(f->cookie))
        return -1;
    memcpy(f->cookie, sc, n);
    f->cookie[n] = '\0';
    oa_response_free(&resp);

    f->req.request_uri = "/app/reports/2026/q3.html?sort=desc";
    f->req.cookie = f->cookie;
    f->req.accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    f->req.sec_fetch_mode = "navigate";
    f->req.sec_fetch_dest = "document";
    return 0;
}

/* A version-1 session cookie (as sealed before the session lifecycle,
 * DESIGN.md 14.3) for the fixture's identity, issued at now, into out
 * ("NAME=VALUE"): the slow path of the decision, where the revocation keys
 * are made on every read. 0 or -1. */
static inline int oa_fixture_v1_cookie(const struct oa_fixture *f, char *out, size_t cap,
                                       int64_t now)
{
    static unsigned char plain[OA_SESSION_PLAIN_MAX];
    static char sealed[OA_COOKIE_CHUNK_MAX + 1];
    struct oa_identity id = {.provider = "corp",
                             .issuer = "https://idp.example.com",
                             .subject = "248289761001",
                             .username = "alice",
                             .email = "alice@example.com",
                             .name = "Alice Example",
                             .groups = "staff,ops,eng",
                             .workspaces = "argilla"};
    size_t n = 0, sn = 0;
    int w;

    id.iat = now;
    id.exp = now + f->cfg.session.lifetime;
    if (oa_session_encode(plain, sizeof(plain), &n, &id) != OA_OK || n < 99)
        return -1;
    n -= 2; /* version 3's roles (empty, last) off: version 2 */
    memmove(plain + 17, plain + 97, n - 97); /* v1: v2 without its 80 lifecycle bytes */
    plain[0] = 1;
    if (oa_seal(sealed, sizeof(sealed), &sn, plain, n - 80, "session", &f->cfg.keys) != OA_OK)
        return -1;
    w = snprintf(out, cap, "%s=%s", f->cfg.session.cookie_full, sealed);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

#endif
