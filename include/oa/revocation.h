/*
 * revocation.h - the list of revoked sessions every process keeps in
 * memory, and the keys a session is looked up by (DESIGN.md section 14).
 * src/gate/revocation.c.
 *
 * An entry says: a session whose key (its own id, its user, its email, or
 * the provider's session id) equals key and that was sealed before cutoff
 * is refused. Entries merge (cutoff and expiry only grow), so a message
 * or a logout token seen twice changes nothing. The authorizer's lookup
 * (oa_revoked) reads without a lock and never allocates; writers (the
 * store's tick and thread, /logout, back-channel logout, refresh) are
 * serialised inside. The stores that share the list between processes and
 * hosts are the edge's (fcgi/store.c): the core never does I/O for it.
 */
#ifndef OA_REVOCATION_H
#define OA_REVOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/err.h"

#define OA_REV_KEY_BYTES 16

struct oa_identity;

struct oa_rev_entry {
    unsigned char key[OA_REV_KEY_BYTES];
    int64_t cutoff; /* sessions sealed (iat) before this are refused; INT64_MAX: all */
    int64_t expiry; /* the entry can be forgotten after this (epoch seconds) */
};

/* What a key names. The session id is random (sealed in the cookie), the
 * others are hashes made at sign-in so that the lookup hashes nothing. */
enum oa_rev_kind {
    OA_REV_SESSION = 1, /* a = the session id's 22 base64url chars */
    OA_REV_USER,        /* a = provider name, b = subject */
    OA_REV_EMAIL,       /* a = email (compared lower-case) */
    OA_REV_PROVIDER_SID /* a = issuer, b = the provider's sid claim */
};

/* The key of (kind, a, b) into out. False when a (or b where used) is
 * empty or not one (a session id that is not 22 base64url chars). */
bool oa_rev_key(enum oa_rev_kind kind, const char *a, const char *b,
                unsigned char out[OA_REV_KEY_BYTES]);

/* Adds or merges e into this process's list. Thread-safe (writers take
 * a lock; readers never wait). OA_ERR_NOMEM when it cannot grow. */
enum oa_err oa_revocation_add(const struct oa_rev_entry *e) OA_WUR;
/* True when id (its session, user, email or provider-sid key) is revoked.
 * Lock-free, allocation-free: the authorizer calls it on every request. */
bool oa_revoked(const struct oa_identity *id);
/* Drops the entries whose expiry is before now. Writers' side. */
void oa_revocation_purge(int64_t now);
/* How many entries and the bytes the table holds. */
void oa_revocation_stats(size_t *entries, size_t *bytes);
/* The store's writer (the edge's, fcgi/store.c): shares an entry with
 * the other processes and hosts. NULL: this process only. Set before
 * threads start. */
typedef enum oa_err (*oa_rev_store_fn)(const struct oa_rev_entry *e, struct oa_error *err);
void oa_revocation_set_store(oa_rev_store_fn fn);
/* What the flows call to revoke (logout, back-channel logout, a refused
 * refresh): the local add, then the store's writer. The local add happens
 * even when the store fails (its error is returned in err). */
enum oa_err oa_revoke(const struct oa_rev_entry *e, struct oa_error *err) OA_WUR;
/* Empties the list (tests, and the end of the process). */
void oa_revocation_clear(void);

#endif
