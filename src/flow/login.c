/*
 * login.c - /<base_path>/<provider>/login?rd=URL (DESIGN.md section 3):
 * a new sealed state entry in its own cookie, then a 302 to the provider's
 * authorization endpoint with state, PKCE S256 and (OpenID kinds) nonce.
 * Every query value is percent-encoded. /refresh sends the browser the same
 * way with prompt=none (DESIGN.md section 14.4).
 *
 * offline_access (a refresh token for /refresh): the generic OpenID kind
 * asks for the offline_access scope, and with it prompt=consent, because
 * OpenID Connect Core 11 lets a provider ignore offline_access without
 * consent (oidc-provider drops it); Google wants access_type=offline
 * instead (a scope it does not know is an error). The other kinds issue
 * refresh tokens, or not, without being asked.
 */
#include <stdlib.h>
#include <string.h>

#include "oa/b64url.h"
#include "oa/crypto.h"
#include "oa/flow.h"
#include "oa/redirect.h"
#include "oa/signin.h"
#include "oa/state.h"
#include "oa/url.h"

static const char *default_scope(const struct oa_provider *p)
{
    switch (p->kind) {
    case OA_PROVIDER_GITHUB:
        return (p->allowed_orgs.n || p->allowed_teams.n) ? "read:user user:email read:org"
                                                         : "read:user user:email";
    case OA_PROVIDER_HUGGINGFACE: return "openid profile";
    case OA_PROVIDER_APPLE: return "name email";
    case OA_PROVIDER_ENTRA: return "openid profile email User.Read";
    default: return "openid email profile";
    }
}

/* Google's hd= hint: the one domain, or "*" (any Workspace account) for
 * several. A hint only: the callback checks the id_token's hd claim. */
static const char *hosted_domain_hint(const struct oa_provider *p)
{
    return p->hosted_domain.n == 1 ? p->hosted_domain.v[0] : "*";
}

/* Appends "&name=value"; the buffer keeps the first error (DESIGN.md
 * section 8.1). */
static void add_param(struct oa_buf *b, const char *name, const char *value)
{
    oa_buf_printf(b, "&%s=", name);
    oa_buf_urlenc(b, value);
}

/* True when the scope list s holds the word w. */
static bool has_scope(const char *s, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = s; (p = strstr(p, w)) != NULL; p += n)
        if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static bool asks_offline_scope(const struct oa_provider *p)
{
    return p->offline_access && p->kind == OA_PROVIDER_OIDC;
}

/* Entra gives a refresh token for the offline_access scope, without a
 * consent prompt of ours. */
static bool adds_offline_scope(const struct oa_provider *p)
{
    return asks_offline_scope(p) || (p->offline_access && p->kind == OA_PROVIDER_ENTRA);
}

/* scope, then prompt (the caller's, else consent when offline_access
 * needs it), access_type. */
static void add_scope_prompt(struct oa_buf *b, const struct oa_provider *p, const char *prompt)
{
    const char *scope = p->scope ? p->scope : default_scope(p);

    oa_buf_puts(b, "&scope=");
    oa_buf_urlenc(b, scope);
    if (adds_offline_scope(p) && !has_scope(scope, "offline_access"))
        oa_buf_puts(b, "%20offline_access");
    /* prompt=none cannot consent: a refresh without a token keeps none */
    if (!prompt && asks_offline_scope(p))
        prompt = "consent";
    if (prompt)
        add_param(b, "prompt", prompt);
    if (p->offline_access && p->kind == OA_PROVIDER_GOOGLE)
        add_param(b, "access_type", "offline");
}

/* The authorization URL for st (new string in *out). */
static enum oa_err authorize_url(char **out, const struct oa_flow *f, const struct oa_state *st,
                                 const char *redirect_uri, const char *prompt)
{
    const struct oa_provider *p = f->p;
    const char *base = f->ep.authorization_endpoint;
    unsigned char digest[32];
    char challenge[64];
    struct oa_buf b = {0};
    enum oa_err e;

    oa_sha256(digest, st->verifier, strlen(st->verifier));
    e = oa_b64url_encode(challenge, sizeof(challenge), digest, sizeof(digest));
    if (e != OA_OK)
        return e;
    oa_buf_printf(&b, "%s%cresponse_type=code", base, strchr(base, '?') ? '&' : '?');
    add_param(&b, "client_id", p->client_id ? p->client_id : "");
    add_param(&b, "redirect_uri", redirect_uri);
    add_scope_prompt(&b, p, prompt);
    add_param(&b, "state", st->state);
    if (oa_flow_is_oidc(p))
        add_param(&b, "nonce", st->nonce);
    add_param(&b, "code_challenge", challenge);
    add_param(&b, "code_challenge_method", "S256");
    if (p->kind == OA_PROVIDER_APPLE)
        add_param(&b, "response_mode", "form_post");
    if (p->kind == OA_PROVIDER_GOOGLE && p->hosted_domain.n)
        add_param(&b, "hd", hosted_domain_hint(p));
    e = oa_buf_error(&b);
    *out = oa_buf_steal(&b);
    return e ? e : *out ? OA_OK : OA_ERR_NOMEM;
}

/* The validated rd of the query (new string, "/" by default). */
static enum oa_err login_rd(char **out, const struct oa_flow *f)
{
    const char *q = f->req->query_string ? f->req->query_string : "";
    char *rd = NULL;
    enum oa_err e = oa_form_get(&rd, q, strlen(q), "rd");

    if (e != OA_OK && e != OA_ERR_NOT_FOUND)
        return e;
    *out = strdup(oa_redirect_or_default(f->cfg, f->req, rd));
    free(rd);
    return *out ? OA_OK : OA_ERR_NOMEM;
}

static enum oa_err login_answer(struct oa_flow *f, const struct oa_state *st, const char *prompt)
{
    char *redirect_uri = oa_flow_redirect_uri(f), *url = NULL;
    enum oa_err e;

    if (!redirect_uri)
        return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, "This request has no usable Host.",
                            "login: no public_url and no usable Host header");
    e = authorize_url(&url, f, st, redirect_uri, prompt);
    free(redirect_uri);
    if (e == OA_OK)
        e = oa_state_save(f->r, f->cfg, f->req, f->p, st);
    if (e == OA_OK)
        e = oa_response_header(f->r, "Location", url);
    if (e == OA_OK)
        e = oa_response_header(f->r, "Cache-Control", "no-store");
    free(url);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not start. Try again.",
                            "login: cannot build the answer (%s)", oa_strerror(e));
    oa_response_status(f->r, 302);
    return OA_OK;
}

enum oa_err oa_flow_authorize(struct oa_flow *f, const char *rd, const char *prompt,
                              const unsigned char *refresh_sid)
{
    struct oa_state st = {0};
    enum oa_err e;

    if (!f->ep.authorization_endpoint)
        return oa_flow_fail(f, OA_ERR_CONFIG, 500, "This sign-in provider is not set up.",
                            "login: no authorization endpoint");
    e = oa_state_new(&st, f->p->name, rd, f->req->now);
    if (e != OA_OK)
        e = oa_flow_fail(f, e, 500, "Sign-in could not start. Try again.", "login: state (%s)",
                         oa_strerror(e));
    if (e == OA_OK && refresh_sid) {
        st.refresh = true;
        memcpy(st.sid, refresh_sid, sizeof(st.sid));
    }
    if (e == OA_OK)
        e = login_answer(f, &st, prompt);
    oa_state_free(&st);
    return e;
}

/* Ownership: fills r completely (302 or an error page); returns the code
 * of what failed for the log, OA_OK on a redirect to the provider. */
enum oa_err oa_signin_login(struct oa_response *r, const struct oa_config *cfg,
                            struct oa_runtime *rt, const struct oa_request *req,
                            const struct oa_provider *p)
{
    struct oa_flow f;
    char *rd = NULL;
    enum oa_err e;

    oa_flow_start(&f, r, cfg, rt, req, p);
    e = login_rd(&rd, &f);
    f.rd = rd;
    if (e != OA_OK)
        e = oa_flow_fail(&f, e, 400, "This sign-in link is malformed.",
                         "login: bad rd parameter (%s)", oa_strerror(e));
    /* discovery may wait on the provider, or on its cache's lock */
    if (e == OA_OK && oa_provider_urls_may_fetch(p))
        e = oa_flow_slot(&f);
    if (e == OA_OK)
        e = oa_flow_provider_urls(&f);
    if (e == OA_OK)
        e = oa_flow_authorize(&f, rd, NULL, NULL);
    if (e == OA_OK)
        oa_metrics_signin_start(oa_flow_provider_index(&f));
    if (e != OA_OK)
        oa_flow_page(&f);
    free(rd);
    oa_flow_done(&f);
    return e;
}
