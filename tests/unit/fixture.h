/*
 * fixture.h - the unit tests' fixture library (tests/unit/libfixture.a),
 * linked by every unit test and fuzz replay program; a test uses the part
 * it needs and the linker leaves the rest out.
 *
 *   core_fixture.c (cfx_*): a hand-built config (no YAML), session cookies
 *     minted with the real sealing code, the serialised answer as the web
 *     server sees it (router, pages, access, authorizer tests).
 *   flow_fixture.c (fx_*): a stand-in provider (struct oa_http_ops
 *     answering from a table keyed by URL, recording every request so a
 *     test can say "no token request was made"), a hand-built config and
 *     the run-time state beside it (fx_rt, made as the edge makes it), an
 *     ES256 key to sign id_tokens with, and helpers to read a response
 *     (login, callback, state, github tests; the fuzz targets). No network.
 *
 * Ownership as in DESIGN.md's glossary: "new" is the caller's to free,
 * "borrowed" lives in the fixture. Setup failures abort(): a fixture that
 * cannot be built is not a test result.
 */
#ifndef OA_TEST_FIXTURE_H
#define OA_TEST_FIXTURE_H

/* the libc the fixture's users lean on, as the old header-only fixture gave it */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjose/cjose.h>

#include "oa/config.h"
#include "oa/cookie.h"
#include "oa/crypto.h"
#include "oa/http.h"
#include "oa/provider_cache.h"
#include "oa/request.h"
#include "oa/response.h"
#include "oa/runtime.h"
#include "oa/session.h"
#include "oa/signin.h"
#include "oa/state.h"
#include "oa/url.h"

/* ---- core_fixture.c ------------------------------------------------- */

#define CFX_NOW ((int64_t)1900000000)

/* The fixture's providers (github, corp, huggingface), writable by a test. */
extern struct oa_provider cfx_providers[3];
/* The response cfx_cookie() issues into; a test may issue into it too. */
extern struct oa_response cfx_mint_resp;
/* cfx_cookie()'s answers (a test sizes its own copies by them). */
extern char cfx_cookie_buf[4][OA_SESSION_CHUNKS_MAX * (OA_COOKIE_CHUNK_MAX + 64)];

/* A writable copy kept until cfx_free() (borrowed). */
char *cfx_str(const char *s);
/* A list from "a|b|c" ("" gives an empty list); kept until cfx_free(). */
struct oa_strlist cfx_list(const char *bars);
/* Frees every cfx_str() and cfx_list(). */
void cfx_free(void);
/* The config: nprov providers of github, corp, huggingface; base_path
 * /oauth; public_url https://app.example.com; Secure cookies; one fixed key;
 * no rules (add them with cfx_rule). */
void cfx_config(struct oa_config *cfg, size_t nprov);
/* Adds a rule: lists as "a|b" ("" for none). */
void cfx_rule(struct oa_config *cfg, const char *path, const char *emails, const char *domains,
              const char *groups, const char *workspaces, const char *providers);
/* alice@example.com, signed in with github. */
struct oa_identity cfx_alice(void);
/* A Cookie header carrying a session for id issued at `at` (oa_session_
 * issue, its Set-Cookie parsed back), prefixed by `extra` ("" or "a=b; ").
 * Borrowed: valid for the next three calls. */
const char *cfx_cookie(const struct oa_config *cfg, const struct oa_identity *id, int64_t at,
                       const char *extra);
/* The serialised answer (new; oa_buf_free). */
struct oa_buf cfx_wire(const struct oa_response *r);
/* Number of headers named name. */
size_t cfx_count(const struct oa_response *r, const char *name);
/* 1 when hay contains needle (both non-NULL). */
bool cfx_has(const char *hay, const char *needle);

/* ---- flow_fixture.c: the stand-in provider -------------------------- */

#define FX_MAX 32

/* One canned answer: url (exact, or prefix when it ends in '*'). */
struct fx_answer {
    char *url;
    long status;
    char *body;
    char *link;
    enum oa_err transport; /* OA_OK, or what send() fails with */
    size_t size;           /* body size to fake (oversized answers); 0: strlen(body) */
};

/* One request the stand-in received. */
struct fx_seen {
    char *method, *url, *body, *auth_header, *basic_user, *basic_pass;
};

extern struct fx_answer fx_answers[FX_MAX];
extern size_t fx_nanswers;
extern struct fx_seen fx_seen[64];
extern size_t fx_nseen;

/* Forgets every canned answer and every recorded request. */
void fx_reset(void);
/* Cans an answer for url (strings copied). */
void fx_answer(const char *url, long status, const char *body, const char *link);
/* Cans a transport failure for url. */
void fx_fail(const char *url, enum oa_err transport);
/* How many requests went to url (prefix match when it ends in '*'). */
size_t fx_count(const char *url);
/* The last request to url (borrowed), or NULL. */
const struct fx_seen *fx_last(const char *url);

/* ---- flow_fixture.c: the config ------------------------------------ */

extern struct oa_config fx_cfg;
/* The provider caches and the stand-in transport, for fx_cfg. */
extern struct oa_runtime fx_rt;

/* A copy of s, never freed (the config lives as long as the test). */
char *fx_s(const char *s);
/* Sets l to the list of a and b (each may be NULL). */
void fx_strlist(struct oa_strlist *l, const char *a, const char *b);
/* (Re)makes fx_rt for fx_cfg as it stands, with the stand-in transport, as
 * fcgi/main.c does once the config is complete: fresh caches. */
void fx_runtime(void);
/* Adds a provider to fx_cfg (client cid-123, secret s3cret) and remakes
 * fx_rt (a cache for it); borrowed. */
struct oa_provider *fx_provider(const char *name, enum oa_provider_kind kind);
/* fx_cfg anew: https://app.example.com, base /oauth, Secure cookies, a
 * fixed key of 0x07 bytes, workspace argilla, fx_rt made for it. */
void fx_config(void);

/* ---- flow_fixture.c: requests and responses ------------------------ */

/* A request from a browser on https://app.example.com at the current time. */
void fx_request(struct oa_request *req, const char *method, const char *path, const char *query,
                const char *cookie);
/* The n-th Set-Cookie header whose value starts with prefix, or NULL. */
const char *fx_set_cookie(const struct oa_response *r, const char *prefix, int n);
/* How many Set-Cookie headers start with prefix. */
size_t fx_count_cookies(const struct oa_response *r, const char *prefix);
/* "name=value" of a Set-Cookie value (new). */
char *fx_cookie_pair(const char *set_cookie);
/* A parameter of the Location's query (new) or NULL. */
char *fx_location_param(const struct oa_response *r, const char *name);
/* 1 when the body contains needle. */
bool fx_body_has(const struct oa_response *r, const char *needle);

/* ---- flow_fixture.c: signing id_tokens ----------------------------- */

/* Makes the ES256 key and returns the JWKS document (new). */
char *fx_make_key(void);
/* A compact JWS of claims signed by jwk with header alg and kid (kid may be
 * NULL: no kid). New string. */
char *fx_jws(const cjose_jwk_t *jwk, const char *alg, const char *kid, const char *claims);
/* A signed id_token with claims (a JSON object text), by fx_make_key()'s
 * key (ES256, kid k1). New string. */
char *fx_sign(const char *claims);
/* base's JSON text (compact) with override's members (a JSON object text,
 * or NULL) set over it, a null member deleting that claim; base is taken.
 * New string; aborts on an override that is not JSON. */
char *fx_claims_override(json_t *base, const char *override);
/* A token endpoint answer with an id_token for iss/sub/nonce plus extra
 * claims (JSON object text or NULL). New string. */
char *fx_token_answer(const char *iss, const char *sub, const char *nonce, const char *extra);

/* ---- flow_fixture.c: a whole login --------------------------------- */

/* Runs login for p and returns the state cookie pair "name=value" (new);
 * *state and *nonce (new) from the authorize URL. */
char *fx_login(const struct oa_provider *p, const char *rd, char **state, char **nonce);
/* Reads the session cookie a response set; returns 1 when it opens. */
int fx_session(const struct oa_response *r, struct oa_identity *id, struct oa_session_buf *sb);
/* No log line ever carries these. */
int fx_log_clean(const struct oa_response *r);

#endif
