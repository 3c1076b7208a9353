/*
 * revoke.h - what `oauth2-fcgi --revoke WHO` names (DESIGN.md section
 * 14.5). src/gate/revoke.c; the edge (fcgi/main.c) writes the entry to
 * the configured stores.
 */
#ifndef OA_REVOKE_H
#define OA_REVOKE_H

#include <stdint.h>

#include "oa/config.h"
#include "oa/err.h"
#include "oa/revocation.h"

/* The forms WHO may take, for the usage error. */
#define OA_REVOKE_FORMS                                                                            \
    "an email (alice@example.com), PROVIDER:SUBJECT with a configured provider "                   \
    "(oidc:alice), or a session id (22 base64url characters, from /userinfo or the log)"

/* WHO into *e (expiry now + session.lifetime) and *kind ("email", "user",
 * "session"; static):
 *   has '@' and no ':'         -> OA_REV_EMAIL, the sessions sealed until now;
 *   <configured provider>:<s>  -> OA_REV_USER, the sessions sealed until now;
 *   22 base64url characters    -> OA_REV_SESSION, that session for good.
 * Sessions sealed after now (a new sign-in) live. OA_ERR_USAGE otherwise,
 * the message listing the forms. */
enum oa_err oa_revoke_parse(const struct oa_config *cfg, const char *who, int64_t now,
                            struct oa_rev_entry *e, const char **kind, struct oa_error *err) OA_WUR;

#endif
