/*
 * callback.c - /<base_path>/<provider>/callback (DESIGN.md sections 3, 5,
 * 6; SECURITY.md checklist, "The login flow"). GET with a query, or POST with an
 * urlencoded body (Apple's form_post). In this order:
 *   duplicated parameters -> 400; state: its cookie must exist, open,
 *   match in constant time, be fresh and for this provider -> else 400 and
 *   no token request; the state not used before in this process (a replay
 *   -> 400, before any provider call), then a provider-call slot (over the
 *   cap -> 503 at once, the state cookie kept for the retry) and the state
 *   marked used (src/flow/replay.c); RFC 9207 iss; error= (only now, with a valid state);
 *   the token request; the identity; a new session; 302 to the stored rd.
 * The state cookie is deleted on every path once the state parameter is
 * readable (single use).
 *
 * A refresh's state (prompt=none from /refresh, DESIGN.md section 14.4):
 * "the user must interact" answers (login_required, interaction_required,
 * consent_required, account_selection_required) clear the session and
 * send the browser to the provider's login; an identity with the same
 * subject as the session the state names re-seals that session (its sid
 * and login_at kept); any other outcome is an ordinary sign-in.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/crypto.h"
#include "oa/flow.h"
#include "oa/identity_map.h"
#include "oa/pages.h"
#include "oa/redirect.h"
#include "oa/replay.h"
#include "oa/revocation.h"
#include "oa/session.h"
#include "oa/signin.h"
#include "oa/state.h"
#include "oa/token_cookie.h"
#include "oa/url.h"

#define EXPIRED "This sign-in link expired or was already used. Start again."
#define BAD_REQUEST "This sign-in answer is malformed. Start again."
#define USED "This sign-in link was already used. Start again."
#define FULL "Too many sign-ins are in progress. Try again in a few seconds."

struct cb_params {
    char *state, *code, *error, *error_description, *iss, *user;
};

static void params_free(struct cb_params *cp)
{
    char **all[] = {&cp->state, &cp->code, &cp->error, &cp->error_description, &cp->iss, &cp->user};
    size_t i;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (*all[i])
            memset(*all[i], 0, strlen(*all[i]));
        free(*all[i]);
        *all[i] = NULL;
    }
}

/* Reads the parameters (query, or the POST body). A parameter given twice
 * refuses the whole answer. */
static enum oa_err read_params(struct oa_flow *f, struct cb_params *cp)
{
    const struct oa_request *req = f->req;
    const char *names[] = {"state", "code", "error", "error_description", "iss", "user"};
    char **slots[] = {&cp->state, &cp->code, &cp->error, &cp->error_description,
                      &cp->iss,   &cp->user};
    const char *data = req->query_string ? req->query_string : "";
    size_t len = strlen(data), i;
    enum oa_err e;

    if (req->method && !strcmp(req->method, "POST")) {
        if (!req->content_type ||
            strncasecmp(req->content_type, "application/x-www-form-urlencoded", 33) != 0)
            return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, BAD_REQUEST,
                                "callback: POST without an urlencoded body");
        data = req->body ? req->body : "";
        len = req->body ? req->body_len : 0;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        e = oa_form_get(slots[i], data, len, names[i]);
        if (e == OA_ERR_NOT_FOUND)
            continue;
        if (e != OA_OK)
            return oa_flow_fail(f, e, 400, BAD_REQUEST, "callback: parameter %s %s", names[i],
                                e == OA_ERR_BAD_INPUT ? "repeated or badly encoded"
                                                      : oa_strerror(e));
    }
    return OA_OK;
}

static enum oa_err check_state(struct oa_flow *f, struct oa_state *st, const char *state)
{
    enum oa_err e;
    const char *why;

    if (!state)
        return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, EXPIRED, "callback: no state parameter");
    e = oa_state_load(st, f->cfg, f->req, f->p, state);
    switch (e) {
    case OA_OK: return OA_OK;
    case OA_ERR_NOT_FOUND: why = "no state cookie (expired, used, or another browser)"; break;
    case OA_ERR_EXPIRED: why = "state expired"; break;
    case OA_ERR_DENIED: why = "state was made for another provider"; break;
    default: why = "state does not match its cookie"; break;
    }
    return oa_flow_fail(f, e, 400, EXPIRED, "callback: %s", why);
}

/* A state works once (src/flow/replay.c). A replay is refused before anything
 * else, even while the slots are taken; then the slot, and only then the
 * claim, so a 503 leaves the state usable for the retry. */
static enum oa_err claim_state(struct oa_flow *f, const char *state)
{
    const int64_t now = f->req->now;
    enum oa_err e;

    if (oa_replay_seen(state, now))
        return oa_flow_fail(f, OA_ERR_DENIED, 400, USED,
                            "callback: state already used (a replay), refused before any "
                            "provider call");
    e = oa_flow_slot(f);
    if (e != OA_OK)
        return e;
    e = oa_replay_claim(state, now);
    if (e == OA_ERR_DENIED)
        return oa_flow_fail(f, e, 400, USED,
                            "callback: state already used (a replay, at the same time), refused "
                            "before any provider call");
    if (e == OA_ERR_BUSY)
        return oa_flow_fail(f, e, 503, FULL,
                            "callback: the table of used states is full (%d entries): refused",
                            OA_REPLAY_MAX);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 400, EXPIRED, "callback: state cannot be marked used");
    return OA_OK;
}

/* RFC 9207: iss, when sent, is the issuer exactly; when the metadata says
 * it is always sent, a missing one is refused. */
static enum oa_err check_iss(struct oa_flow *f, const char *iss)
{
    const char *want = f->ep.issuer;

    if (iss && want && strcmp(iss, want) != 0)
        return oa_flow_fail(f, OA_ERR_DENIED, 400, BAD_REQUEST,
                            "callback: iss parameter is not the issuer (mix-up?)");
    if (!iss && f->ep.iss_parameter_supported)
        return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, BAD_REQUEST,
                            "callback: iss parameter missing but the provider always sends it");
    return OA_OK;
}

/* Copies s for a page: printable ASCII and UTF-8 kept, control bytes
 * dropped, at most cap-1 bytes. */
static void clean_text(char *out, size_t cap, const char *s)
{
    size_t i, o = 0;

    for (i = 0; s && s[i] && o + 1 < cap; i++)
        if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
            out[o++] = s[i];
    out[o] = '\0';
}

static enum oa_err provider_error(struct oa_flow *f, const struct cb_params *cp)
{
    static const char *const user_side[] = {"access_denied", "login_required", "consent_required",
                                            "interaction_required", "account_selection_required"};
    char code[64], desc[256];
    int status = 502;
    size_t i;

    clean_text(code, sizeof(code), cp->error);
    clean_text(desc, sizeof(desc), cp->error_description);
    for (i = 0; i < sizeof(user_side) / sizeof(user_side[0]); i++)
        if (!strcmp(code, user_side[i]))
            status = 403;
    snprintf(f->rbuf, sizeof(f->rbuf), "The sign-in provider refused: %s", *desc ? desc : code);
    return oa_flow_fail(f, OA_ERR_PROVIDER, status, f->rbuf, "callback: provider answered error=%s",
                        code);
}

/* A sign-in starts a new session (DESIGN.md 14.3): a new random id (never
 * the one a cookie in this browser had: no fixation), login_at = now, and
 * the key of the provider's session (its id_token sid) that back-channel
 * logout revokes by; zero when the provider sends none. oa_session_issue
 * makes the user and email keys. */
static void new_session(struct oa_identity *id, const struct oa_identity_draft *ident, int64_t now)
{
    oa_random_bytes(id->sid, sizeof(id->sid));
    id->login_at = now;
    if (!ident->provider_sid ||
        !oa_rev_key(OA_REV_PROVIDER_SID, ident->issuer, ident->provider_sid, id->psid_key))
        memset(id->psid_key, 0, sizeof(id->psid_key));
}

static enum oa_err finish(struct oa_flow *f, struct oa_identity_draft *ident,
                          const struct oa_state *st)
{
    struct oa_identity id = {0};
    struct oa_identity_mapped m;
    const char *field;
    enum oa_err e = oa_identity_map(&m, f->cfg, f->p, ident->email, ident->groups.p);

    id.provider = f->p->name;
    id.issuer = ident->issuer;
    id.subject = ident->subject;
    id.username = ident->username;
    id.email = ident->email;
    id.name = ident->name;
    id.groups = m.groups;
    id.workspaces = m.workspaces;
    id.roles = m.roles;
    new_session(&id, ident, f->req->now);
    if (e == OA_OK)
        e = oa_session_issue(f->r, f->cfg, f->req, &id);
    if (e == OA_OK) /* refresh.c: the refresh token, bound to this session */
        e = oa_refresh_token_cookie(f, &id, f->tokens);
    if (e == OA_OK)
        e = oa_response_header(f->r, "Location", oa_redirect_or_default(f->cfg, f->req, st->rd));
    if (e == OA_OK)
        e = oa_response_header(f->r, "Cache-Control", "no-store");
    oa_identity_mapped_free(&m);
    if (e == OA_ERR_TOO_LARGE && (field = oa_session_str_too_long(&id))) /* never cut */
        return oa_flow_fail(f, e, 403,
                            "Your account's details are too long for a session (a name, "
                            "email or identifier over 256 bytes). Ask the administrator.",
                            "callback: the identity's %s is over %d bytes (refused, not cut)",
                            field, OA_SESSION_STR_MAX);
    if (e == OA_ERR_TOO_LARGE) /* never cut: refused, and the page says why */
        return oa_flow_fail(f, e, 403,
                            "Your account's details or groups are too large for a session. "
                            "Ask the administrator to name the groups the application needs "
                            "(keep_groups) instead of keeping them all.",
                            "callback: the identity does not fit the session cookie");
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.",
                            "callback: cannot issue the session (%s)", oa_strerror(e));
    oa_response_status(f->r, 302);
    oa_response_log(f->r, OA_LOG_INFO, "provider %s: signed in subject %s (%s)", f->p->name,
                    ident->subject, ident->username ? ident->username : "");
    oa_audit_set(&f->r->audit, OA_AUDIT_SIGN_IN, 302, f->p->name,
                 ident->email ? ident->email : ident->username, ident->subject, NULL, NULL);
    return OA_OK;
}

/* The prompt=none answers that mean "only the user can go on". */
static bool needs_user(const char *error)
{
    static const char *const codes[] = {"login_required", "interaction_required",
                                        "consent_required", "account_selection_required"};
    size_t i;

    for (i = 0; error && i < sizeof(codes) / sizeof(codes[0]); i++)
        if (!strcmp(error, codes[i]))
            return true;
    return false;
}

/* A refresh the provider cannot do silently: the session ends here and the
 * browser goes to the provider's login (rd kept), which will show its
 * login form. */
static enum oa_err refresh_to_login(struct oa_flow *f, const struct oa_state *st, const char *error)
{
    struct oa_buf loc = {0};
    enum oa_err e;

    oa_buf_printf(&loc, "%s/", oa_base_path(f->cfg));
    oa_buf_urlenc(&loc, f->p->name);
    oa_buf_puts(&loc, "/login?rd=");
    oa_buf_urlenc(&loc, oa_redirect_or_default(f->cfg, f->req, st->rd));
    e = oa_buf_error(&loc);
    if (e == OA_OK)
        e = oa_session_clear(f->r, f->cfg, f->req);
    if (e == OA_OK && oa_token_cookie_present(f->cfg, f->req->cookie))
        e = oa_token_cookie_clear(f->r, f->cfg);
    if (e == OA_OK)
        e = oa_response_header(f->r, "Location", loc.p);
    if (e == OA_OK)
        e = oa_response_header(f->r, "Cache-Control", "no-store");
    oa_buf_free(&loc);
    if (e != OA_OK)
        return oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.",
                            "callback: refresh: cannot build the answer (%s)", oa_strerror(e));
    oa_response_status(f->r, 302);
    oa_metrics_refresh(oa_flow_provider_index(f), OA_MX_REFRESH_SIGN_IN);
    oa_response_log(f->r, OA_LOG_INFO,
                    "provider %s: refresh without the user refused (%s): session cleared, to login",
                    f->p->name, error);
    return OA_OK;
}

/* A refresh's identity: the same subject re-seals the session the state
 * names (when the browser still has it); anything else signs in anew. */
static enum oa_err refresh_finish(struct oa_flow *f, struct oa_identity_draft *ident,
                                  const struct oa_state *st, const struct oa_tokens *t)
{
    struct oa_session_buf *sb = malloc(sizeof(*sb));
    struct oa_identity old;
    enum oa_err e =
        sb ? oa_session_read(&old, sb, f->cfg, f->req->cookie, f->req->now) : OA_ERR_NOMEM;
    bool same = e == OA_OK && !memcmp(old.sid, st->sid, sizeof(old.sid)) &&
                !strcmp(old.provider, f->p->name) && ident->subject &&
                !strcmp(old.subject, ident->subject);

    if (same) {
        e = oa_refresh_reissue(f, &old, ident, t);
        if (e == OA_OK)
            e = oa_response_header(f->r, "Location",
                                   oa_redirect_or_default(f->cfg, f->req, st->rd));
        if (e == OA_OK)
            e = oa_response_header(f->r, "Cache-Control", "no-store");
        if (e != OA_OK && !f->status)
            e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.",
                             "callback: refresh: cannot issue the session (%s)", oa_strerror(e));
        if (e == OA_OK) {
            oa_response_status(f->r, 302);
            oa_metrics_refresh(oa_flow_provider_index(f), OA_MX_REFRESH_OK);
            oa_response_log(f->r, OA_LOG_INFO, "provider %s: refreshed subject %s (prompt=none)",
                            f->p->name, ident->subject);
        }
    }
    if (sb) {
        oa_wipe(sb, sizeof(*sb));
        free(sb);
    }
    if (same)
        return e;
    e = finish(f, ident, st);
    if (e == OA_OK)
        oa_response_log(f->r, OA_LOG_WARN,
                        "provider %s: a refresh signed in subject %s, not the session's: a new "
                        "session",
                        f->p->name, ident->subject);
    return e;
}

static enum oa_err exchange(struct oa_flow *f, const struct cb_params *cp,
                            const struct oa_state *st)
{
    struct oa_tokens t = {0};
    struct oa_identity_draft ident = {0};
    char *redirect_uri;
    enum oa_err e;

    f->phase = OA_MX_CAUSE_REQUEST;
    if (!cp->code)
        return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, BAD_REQUEST, "callback: no code");
    redirect_uri = oa_flow_redirect_uri(f);
    if (!redirect_uri)
        return oa_flow_fail(f, OA_ERR_BAD_INPUT, 400, BAD_REQUEST,
                            "callback: no public_url and no usable Host header");
    f->phase = OA_MX_CAUSE_TOKEN;
    e = oa_flow_token(f, &t, cp->code, st->verifier, redirect_uri);
    free(redirect_uri);
    /* the identity steps name their own phases (userinfo, rules) */
    f->phase = OA_MX_CAUSE_USERINFO;
    if (e == OA_OK && f->p->kind == OA_PROVIDER_GITHUB)
        e = oa_github_identity(f, &ident, t.access_token);
    else if (e == OA_OK && f->p->kind == OA_PROVIDER_ENTRA)
        e = oa_entra_identity(f, &ident, &t, st->nonce);
    else if (e == OA_OK && oa_cognito_userinfo_only(f->p))
        e = oa_cognito_identity(f, &ident, t.access_token);
    else if (e == OA_OK)
        e = oa_oidc_identity(f, &ident, &t, st->nonce, cp->user);
    f->tokens = &t; /* finish sets the token cookie */
    if (e == OA_OK && (f->phase = OA_MX_CAUSE_SESSION))
        e = st->refresh ? refresh_finish(f, &ident, st, &t) : finish(f, &ident, st);
    f->tokens = NULL;
    if (e == OA_OK && f->token_cookie_dropped)
        oa_response_log(
            f->r, OA_LOG_WARN,
            "provider %s: signed in subject %s; the token cookie was not stored (over %d "
            "chars, or base_path \"\"): /refresh goes through the browser",
            f->p->name, ident.subject, OA_TOKEN_COOKIE_MAX);
    oa_tokens_free(&t);
    oa_identity_draft_free(&ident);
    return e;
}

/* Ownership: fills r completely (302 with the session, or an error page);
 * returns the code of what failed for the log, OA_OK when signed in. */
enum oa_err oa_signin_callback(struct oa_response *r, const struct oa_config *cfg,
                               struct oa_runtime *rt, const struct oa_request *req,
                               const struct oa_provider *p)
{
    struct oa_flow f;
    struct cb_params cp = {0};
    struct oa_state st = {0};
    enum oa_err e, d;

    oa_flow_start(&f, r, cfg, rt, req, p);
    f.phase = OA_MX_CAUSE_REQUEST;
    e = read_params(&f, &cp);
    if (e == OA_OK && (f.phase = OA_MX_CAUSE_STATE))
        e = check_state(&f, &st, cp.state);
    if (e == OA_OK)
        f.rd = st.rd; /* "Start again" goes back there */
    if (e == OA_OK && (f.phase = OA_MX_CAUSE_REPLAY))
        e = claim_state(&f, cp.state);
    if (e == OA_OK && (f.phase = OA_MX_CAUSE_DISCOVERY))
        e = oa_flow_provider_urls(&f);
    if (e == OA_OK && (f.phase = OA_MX_CAUSE_ISS))
        e = check_iss(&f, cp.iss);
    if (e == OA_OK && cp.error && st.refresh && needs_user(cp.error))
        e = refresh_to_login(&f, &st, cp.error);
    else if (e == OA_OK && cp.error && (f.phase = OA_MX_CAUSE_PROVIDER))
        e = provider_error(&f, &cp);
    else if (e == OA_OK)
        e = exchange(&f, &cp, &st);
    if (e != OA_OK)
        oa_flow_page(&f);
    /* single use, whatever happened but "try again" (503: the state was not
     * used); after the page, which drops headers */
    d = cp.state && e != OA_ERR_BUSY ? oa_state_delete(r, cfg, p, cp.state) : OA_OK;
    if (e == OA_OK && d != OA_OK) {
        f.phase = OA_MX_CAUSE_SESSION;
        oa_flow_fail(&f, d, 500, "Sign-in could not finish. Try again.",
                     "callback: cannot delete the state cookie");
        oa_flow_page(&f);
        e = d;
    }
    oa_metrics_signin(oa_flow_provider_index(&f), e == OA_OK         ? OA_MX_SIGNIN_OK
                                                  : e == OA_ERR_BUSY ? OA_MX_CAUSE_BUSY
                                                  : f.cause          ? f.cause
                                                                     : OA_MX_CAUSE_OTHER);
    oa_state_free(&st);
    params_free(&cp);
    oa_flow_done(&f);
    return e;
}
