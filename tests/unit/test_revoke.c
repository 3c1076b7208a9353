/* test_revoke.c - `--revoke WHO` (src/gate/revoke.c): an email, a
 * PROVIDER:SUBJECT of a configured provider, a session id; each gives the
 * key revocation.c makes for it and the right cutoff; anything else is a
 * usage error listing the three forms. */
#include "fixture.h"
#include "oa/revoke.h"
#include "tap.h"

#define NOW ((int64_t)1900000000)

static struct oa_config cfg;

static void is_entry(const char *who, enum oa_rev_kind k, const char *a, const char *b,
                     int64_t cutoff, const char *want_kind)
{
    struct oa_rev_entry e;
    unsigned char want[OA_REV_KEY_BYTES];
    struct oa_error err;
    const char *kind = NULL;
    enum oa_err rc;

    oa_error_clear(&err);
    rc = oa_revoke_parse(&cfg, who, NOW, &e, &kind, &err);
    if (rc != OA_OK)
        printf("#   (%s)\n", err.msg);
    ok(rc == OA_OK && oa_rev_key(k, a, b, want) && !memcmp(e.key, want, sizeof(want)) &&
           e.cutoff == cutoff && e.expiry == NOW + cfg.session.lifetime && kind &&
           !strcmp(kind, want_kind),
       "'%s': %s, cutoff %s", who, want_kind, cutoff == INT64_MAX ? "always" : "now");
}

static void is_usage(const char *who, const char *words)
{
    struct oa_rev_entry e;
    struct oa_error err;
    const char *kind;
    enum oa_err rc;

    oa_error_clear(&err);
    rc = oa_revoke_parse(&cfg, who, NOW, &e, &kind, &err);
    printf("#   (%s)\n", err.msg);
    ok(rc == OA_ERR_USAGE && strstr(err.msg, words) && strstr(err.msg, "PROVIDER:SUBJECT") &&
           strstr(err.msg, "22 base64url"),
       "'%s': usage error (%s), the three forms listed",
       !who                ? "(null)"
       : strchr(who, '\n') ? "(a newline)"
                           : who,
       words);
}

int main(void)
{
    cfx_config(&cfg, 2);
    is_entry("alice@example.com", OA_REV_EMAIL, "alice@example.com", NULL, NOW + 1, "email");
    is_entry("Alice@Example.COM", OA_REV_EMAIL, "alice@example.com", NULL, NOW + 1, "email");
    is_entry("corp:alice", OA_REV_USER, "corp", "alice", NOW + 1, "user");
    is_entry("corp:a:b@c", OA_REV_USER, "corp", "a:b@c", NOW + 1, "user");
    is_entry("github:12345", OA_REV_USER, "github", "12345", NOW + 1, "user");
    is_entry("AAECAwQFBgcICQoLDA0ODw", OA_REV_SESSION, "AAECAwQFBgcICQoLDA0ODw", NULL, INT64_MAX,
             "session");
    is_entry("-_-_-_-_-_-_-_-_-_-_-A", OA_REV_SESSION, "-_-_-_-_-_-_-_-_-_-_-A", NULL, INT64_MAX,
             "session");
    is_usage("nope:alice", "no configured provider");
    is_usage(":alice", "no configured provider");
    is_usage("corp:", "no subject");
    is_usage("Corp:alice", "no configured provider");
    is_usage("@example.com", "not an email");
    is_usage("alice@", "not an email");
    is_usage("a@b@c", "not an email");
    is_usage("alice", "not one of the three forms");
    is_usage("AAECAwQFBgcICQoLDA0OD", "not one of the three forms");   /* 21 */
    is_usage("AAECAwQFBgcICQoLDA0ODwA", "not one of the three forms"); /* 23 */
    is_usage("AAECAwQFBgcICQoLDA0OD+", "not one of the three forms");  /* not url-safe */
    is_usage("", "empty");
    is_usage("alice @example.com", "space");
    is_usage("alice\n@example.com", "control");
    is_usage(NULL, "empty");
    cfx_free();
    return tap_done();
}
