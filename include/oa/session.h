/*
 * session.h - the signed-in user's identity and the sealed session cookie.
 *
 * The payload is a compact binary record (not JSON) so that opening it on
 * the authorizer path needs no allocation and no parser: strings come out as
 * pointers into the caller's struct oa_session_buf.
 */
#ifndef OA_SESSION_H
#define OA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/request.h"
#include "oa/response.h"

/* Identity. In an opened session every string points into the buf (NUL-
 * terminated, never NULL: "" when absent). When sealing, the caller's
 * strings are read (NULL means ""). groups and workspaces are
 * comma-separated lists. */
struct oa_identity {
    const char *provider; /* config name, e.g. "github" */
    const char *issuer;   /* iss, or the provider's base for GitHub */
    const char *subject;  /* sub; GitHub's numeric id */
    const char *username; /* preferred_username / login / cognito:username */
    const char *email;    /* only a verified email, else "" */
    const char *name;
    const char *groups;
    const char *workspaces;
    const char *roles; /* application roles (identity_map.h); comma-separated */
    /* A bearer token's scopes, space-separated (bearer.h); NULL for a cookie
     * session, never sealed: a rule with scopes never passes a session. */
    const char *scopes;
    int64_t iat; /* sealed at (a refresh seals again) */
    int64_t exp; /* ends at: the hard limit (session.lifetime after iat) */
    /* The lifecycle (DESIGN.md section 14). */
    int64_t refresh_at; /* past this a page load goes through <base_path>/refresh; = exp: never */
    int64_t login_at;   /* the first sign-in; kept by a refresh */
    unsigned char sid[16]; /* this session's id, random at sign-in, kept by a refresh */
    /* What revocation looks the session up by (oa_rev_key, made at sign-in
     * and sealed so the lookup hashes nothing); all-zero: none. */
    unsigned char user_key[16];  /* OA_REV_USER (provider, subject) */
    unsigned char email_key[16]; /* OA_REV_EMAIL */
    unsigned char psid_key[16];  /* OA_REV_PROVIDER_SID (issuer, the id_token's sid) */
};

/* The largest session plaintext; an identity that does not fit is refused
 * at login (OA_ERR_TOO_LARGE), never truncated silently. */
#define OA_SESSION_PLAIN_MAX 6144
/* Session cookie chunks: a value over OA_COOKIE_CHUNK_MAX is split into
 * NAME_0..NAME_k; at most OA_SESSION_CHUNKS_MAX are read. */
#define OA_COOKIE_CHUNK_MAX 3800
#define OA_SESSION_CHUNKS_MAX 4
/* The payload's shape (session.c), for the config's largest-cookie bound
 * (config_maps.c): version 3's fixed part, its strings (each after a
 * 2-byte length), and the cap on each string the provider chooses
 * (issuer, subject, username, email, name): a longer one is refused at
 * sign-in (OA_ERR_TOO_LARGE), never cut. */
#define OA_SESSION_FIXED_BYTES 97
#define OA_SESSION_NSTR 9
#define OA_SESSION_STR_MAX 256
/* What browsers keep of one cookie (RFC 6265 6.1: name, value and
 * attributes): the config's largest session cookie must fit in one. */
#define OA_COOKIE_BROWSER_MAX 4096

struct oa_session_buf {
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1]; /* reassembled chunks */
    size_t plain_len; /* bytes of plain in use after oa_session_read (what to wipe) */
};

/* The name of the provider's string of id (issuer, subject, username,
 * email, name) over OA_SESSION_STR_MAX, or NULL: what a refused sign-in's
 * page names (static). */
const char *oa_session_str_too_long(const struct oa_identity *id);
/* Encodes identity into plain (no crypto), version 3 (session.c has the
 * layout). OA_ERR_TOO_LARGE if over cap or one of the provider's strings
 * is over OA_SESSION_STR_MAX. */
enum oa_err oa_session_encode(unsigned char *plain, size_t cap, size_t *len,
                              const struct oa_identity *id) OA_WUR;
/* Decodes plain into id (pointers into plain, which must be writable: the
 * decoder NUL-terminates in place). Reads version 3, version 2 (then
 * roles is "") and version 1 (also sid and keys zero, login_at = iat,
 * refresh_at = exp).
 * OA_ERR_BAD_INPUT when malformed. */
enum oa_err oa_session_decode(struct oa_identity *id, unsigned char *plain, size_t len) OA_WUR;

/* Reads the session from the Cookie header: finds the cookie (or its
 * chunks), opens it with the config's keys, checks purpose, expiry (now),
 * not_before. OA_ERR_NOT_FOUND: no cookie; OA_ERR_CRYPTO: does not open;
 * OA_ERR_EXPIRED: too old, before not_before, or revoked (oa_revoked: a
 * revoked session is an expired one for every reader); OA_ERR_BAD_INPUT: malformed;
 * OA_ERR_DENIED: sealed for a provider that is no longer configured.
 * A version-1 cookie gets its revocation keys made here (oa_session_keys)
 * and refresh_at = iat + session.refresh_after (or exp).
 * Does not allocate. id points into sb. */
enum oa_err oa_session_read(struct oa_identity *id, struct oa_session_buf *sb,
                            const struct oa_config *cfg, const char *cookie_header,
                            int64_t now) OA_WUR;

/* True when the session is past its soft limit (now >= refresh_at): a
 * page load goes through <base_path>/refresh first; an API call still
 * passes until exp. */
bool oa_session_stale(const struct oa_identity *id, int64_t now);

/* Fills id->user_key and id->email_key from its provider, subject and
 * email (oa_rev_key; zero where there is nothing to key on). */
void oa_session_keys(struct oa_identity *id);

/* Seals a new session for id and adds its Set-Cookie header(s) to r,
 * clearing chunks the request had that the new value does not use.
 * iat = now, exp = now + lifetime, refresh_at = now + refresh_after (exp
 * when off); user_key and email_key are made from the strings; the
 * caller's sid, login_at and psid_key are kept (a refresh keeps them), a
 * zero sid gets a random one and login_at 0 becomes now. */
enum oa_err oa_session_issue(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id) OA_WUR;

/* Seals id again with refresh_at = min(until, exp) and nothing else
 * changed (iat, exp, sid, keys as read): a refresh that cannot finish now
 * (the provider is down) lets the session go on for a while instead of
 * sending every page load back to /refresh. OA_ERR_EXPIRED when past exp. */
enum oa_err oa_session_defer(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req, const struct oa_identity *id,
                             int64_t until) OA_WUR;

/* Adds Set-Cookie headers that delete the session cookie and every chunk,
 * with the attributes they were set with. */
enum oa_err oa_session_clear(struct oa_response *r, const struct oa_config *cfg,
                             const struct oa_request *req) OA_WUR;

#endif
