/*
 * store_redis.h - session.store: redis://HOST:PORT/DB, the revocation list
 * shared by several hosts (DESIGN.md section 14.6).
 *
 * An entry is one key, oauth2-fcgi:rev:<32hex> = "<cutoff> <expiry>", that
 * Redis expires itself (SET ... EXAT expiry), and one message on the
 * channel oauth2-fcgi:<db>:revocations, "<32hex> <cutoff> <expiry>". Every
 * serving process runs one thread that subscribes to the channel, loads
 * every key (and again every OA_REDIS_RESYNC_S: a message can be lost)
 * and adds what it reads to the in-memory list (oa_revocation_add). The
 * authorizer never talks to Redis. Redis down or restarted: the list in
 * memory is kept (a sync only adds), one line is logged per outage and
 * one on recovery, and the thread reconnects with a back-off.
 *
 * store_redis.c is the only file that includes hiredis.h; a build without
 * hiredis links store_redis_none.c, whose start says "built without Redis
 * support". store_redis_url.c parses the URL for both.
 */
#ifndef OA_STORE_REDIS_H
#define OA_STORE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "oa/buf.h"
#include "oa/config.h"
#include "oa/err.h"
#include "oa/revocation.h"

#define OA_REDIS_RESYNC_S 60         /* full sync period: pub/sub is at-most-once */
#define OA_REDIS_TIMEOUT_MS 1000     /* connect and reply timeout of a write or a sync */
#define OA_REDIS_BACKOFF_MIN_MS 100  /* first reconnect delay, doubled up to ... */
#define OA_REDIS_BACKOFF_MAX_MS 5000 /* ... this */
#define OA_REDIS_KEY_PREFIX "oauth2-fcgi:rev:"
#define OA_REDIS_HOST_MAX 253

/* A parsed redis://HOST:PORT/DB (the grammar of config_check.c). */
struct oa_redis_addr {
    char host[OA_REDIS_HOST_MAX + 1]; /* a name of [A-Za-z0-9.-] or an IPv4 address */
    int port;                         /* 1..65535 */
    int db;                           /* 0..15 */
};

/* Parses url into a. OA_ERR_CONFIG in err (saying what is wrong, quoting
 * url: it holds no secret, there is no password in the grammar). */
enum oa_err oa_redis_addr_parse(struct oa_redis_addr *a, const char *url,
                                struct oa_error *err) OA_WUR;
/* "redis://HOST:PORT/DB" of a into buf (cap >= 300). */
void oa_redis_addr_name(const struct oa_redis_addr *a, char *buf, size_t cap);
/* "<32hex> <cutoff> <expiry>" of e into buf (cap >= 80): the message and,
 * without the key, the value. */
void oa_redis_entry_format(const struct oa_rev_entry *e, char *buf, size_t cap);
/* Parses "<32hex> <cutoff> <expiry>" (len bytes, no NUL needed) into e.
 * False on anything else (a garbage message is dropped, never added). */
bool oa_redis_entry_parse(struct oa_rev_entry *e, const char *s, size_t len);
/* Parses "<32hex>" (the tail of a key) and "<cutoff> <expiry>" (its value)
 * into e. False when either is not one. */
bool oa_redis_key_parse(struct oa_rev_entry *e, const char *hex, size_t hexlen, const char *val,
                        size_t vallen);

/* Whether url (session.store) can be used by this build: OA_ERR_CONFIG in
 * err when it is wrong or the build has no Redis support (start says the
 * same; oa_store_start calls this so that --check-config and the start
 * stop on it). No I/O. */
enum oa_err oa_store_redis_config(const char *url, struct oa_error *err) OA_WUR;
/* Starts this process's subscriber thread for url (copied). Returns at
 * once, without waiting for Redis. OA_ERR_CONFIG as oa_store_redis_config;
 * OA_ERR_INTERNAL when the thread cannot start. Call in each serving
 * process (after a -w fork: threads do not survive it), before its
 * threads; again after oa_store_redis_stop. No-op when running. */
enum oa_err oa_store_redis_start(const char *url, struct oa_error *err) OA_WUR;
/* Stops the thread (it checks a flag at least every 500 ms) and waits for
 * it. The in-memory list stays. No-op when not started. */
void oa_store_redis_stop(void);
/* A process that serves one request (CGI): one full sync now, on the
 * calling thread (1 s timeouts), no thread. Unreachable: logged, and the
 * status says so; the process serves with the list it has. */
void oa_store_redis_load_once(const char *url);
/* Writes e to url: SET (with EXAT), PUBLISH in one transaction on a fresh
 * connection with a 1 s timeout. Safe from any thread, needs no start
 * (--revoke). OA_ERR_IO with why in err. */
enum oa_err oa_store_redis_write(const char *url, const struct oa_rev_entry *e,
                                 struct oa_error *err) OA_WUR;
/* Appends "store redis://h:p/0: connected, N revocations" (or
 * "unreachable since T (why), N revocations[, not loaded yet]", or
 * "connecting, not loaded yet") to b. False until the first full sync
 * (/health answers 503 then: a balancer drops the node rather than have it
 * serve a list it never loaded). */
bool oa_store_redis_status(struct oa_buf *b);
/* Tests only: the full sync period in ms instead of OA_REDIS_RESYNC_S s
 * (0 restores it). Set before oa_store_redis_start. */
void oa_store_redis_set_resync_ms(long ms);
/* --check-config: connects once, SELECTs, counts the keys. Appends
 * "store redis://h:p/0: reachable, N revocations" or "...: unreachable
 * (why)" to b; false when unreachable (a warning: the service still runs,
 * with the list it has). */
bool oa_store_redis_probe(const char *url, struct oa_buf *b);

#endif
