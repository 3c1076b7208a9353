/*
 * revoke.c - the operator's `--revoke WHO` (revoke.h): which key WHO
 * names and from when. The three forms cannot be confused: an email has
 * no ':' (RFC 5322 allows one only quoted, which we refuse), a
 * PROVIDER:SUBJECT has one, and a session id is exactly 22 base64url
 * characters, none of them '@' or ':'.
 */
#include <string.h>

#include "oa/revoke.h"

#define SESSION_ID_CHARS 22

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static bool session_id_like(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!b64url_char(s[i]))
            return false;
    return i == SESSION_ID_CHARS;
}

/* Printable ASCII or UTF-8, no space: what a name on a command line is. */
static bool text_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* The configured provider named by the n bytes at s, copied into out. */
static bool provider_name(char *out, size_t cap, const struct oa_config *cfg, const char *s,
                          size_t n)
{
    if (n == 0 || n >= cap || !oa_config_provider(cfg, s, n))
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static enum oa_err bad(struct oa_error *err, const char *who, const char *why)
{
    /* WHO is echoed only when it is one printable word (never a control
     * byte into a terminal or a log) */
    return oa_error_set(err, OA_ERR_USAGE, "--revoke '%.200s': %s; WHO is %s",
                        text_ok(who) ? who : "?", why, OA_REVOKE_FORMS);
}

enum oa_err oa_revoke_parse(const struct oa_config *cfg, const char *who, int64_t now,
                            struct oa_rev_entry *e, const char **kind, struct oa_error *err)
{
    const char *colon = who ? strchr(who, ':') : NULL, *at = who ? strchr(who, '@') : NULL;
    char name[256];
    bool made;

    memset(e, 0, sizeof(*e));
    *kind = "";
    if (!who || !*who || !text_ok(who))
        return bad(err, who ? who : "", "empty, or has a space or a control character");
    e->expiry = now + cfg->session.lifetime;
    e->cutoff = now + 1; /* sealed up to now: revoked; a sign-in after it lives */
    if (at && !colon) {
        if (at == who || !at[1] || strchr(at + 1, '@'))
            return bad(err, who, "not an email address");
        *kind = "email";
        made = oa_rev_key(OA_REV_EMAIL, who, NULL, e->key);
    } else if (colon) {
        if (!provider_name(name, sizeof(name), cfg, who, (size_t)(colon - who)))
            return bad(err, who, "no configured provider has that name");
        if (!colon[1])
            return bad(err, who, "no subject after the provider's name");
        *kind = "user";
        made = oa_rev_key(OA_REV_USER, name, colon + 1, e->key);
    } else if (session_id_like(who)) {
        *kind = "session";
        e->cutoff = INT64_MAX;
        made = oa_rev_key(OA_REV_SESSION, who, NULL, e->key);
    } else {
        return bad(err, who, "not one of the three forms");
    }
    if (!made)
        return bad(err, who, "makes no revocation key");
    return OA_OK;
}
