/*
 * replay.h - the login states already used by this process (and the
 * back-channel logout tokens' jti, at the end): a state
 * works once only, even when the same callback request
 * (URL and state cookie) is sent again, and a replay is refused before any
 * provider call.
 *
 * The table holds the state's id (its first OA_REPLAY_KEY_CHARS characters:
 * 96 random bits), never a cookie, a code or a verifier. It is per process:
 * another process of the same service (spawn-fcgi -F, mod_fcgid) has its
 * own, and there the provider's single-use code is what refuses a replay.
 */
#ifndef OA_REPLAY_H
#define OA_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/err.h"

#define OA_REPLAY_KEY_CHARS 16
/* Entries at most. An entry lives OA_REPLAY_KEEP seconds (the state's
 * lifetime plus the clock skew it is allowed), so 16384 entries are ~25
 * sign-ins a second sustained for 11 minutes in one process; each claim
 * is an authentic state from our own /login followed by a token request
 * that holds one of the few provider-call slots (inflight.h), which keeps
 * the rate of claims near that. When it is full a new claim is refused
 * (503, try again), never made by forgetting a live entry: forgetting
 * would reopen the replay. 16384 x 24 bytes = 384 KiB, touched only as
 * entries are made. */
#define OA_REPLAY_MAX 16384
#define OA_REPLAY_KEEP (600 + 60)

/* True when the state id was claimed and is still remembered. Thread-safe. */
bool oa_replay_seen(const char *state, int64_t now);

/* Remembers state as used until now + OA_REPLAY_KEEP. OA_OK when it was
 * not used before; OA_ERR_DENIED when it was (a replay); OA_ERR_BUSY when
 * the table is full of live entries; OA_ERR_BAD_INPUT when state is
 * shorter than OA_REPLAY_KEY_CHARS. Thread-safe. */
enum oa_err oa_replay_claim(const char *state, int64_t now) OA_WUR;

/* Tests only: forgets every entry and sets the capacity (0 or over
 * OA_REPLAY_MAX: OA_REPLAY_MAX). */
void oa_replay_reset(size_t capacity);

/* Live entries now (expired ones are dropped first). */
size_t oa_replay_count(int64_t now);

/* The back-channel logout tokens' jti (Back-Channel Logout 1.0 section
 * 2.6 step 8): a token works once per process. Keyed by a hash of (iss,
 * jti); kept as long as a token's iat lets it be taken (jwt.h:
 * OA_JWT_LOGOUT_AGE, plus the skew on both sides), after which the age
 * check refuses a replay anyway. 4096 x 24 bytes; tokens are signed by the
 * provider, so only it can fill the table, and a full table refuses (503,
 * the OP retries) rather than forgets. */
#define OA_REPLAY_JTI_MAX 4096
#define OA_REPLAY_JTI_KEEP (300 + 2 * 60)
/* OA_OK the first time; OA_ERR_DENIED for a jti already used;
 * OA_ERR_BUSY when full; OA_ERR_BAD_INPUT for an empty or over-255-byte
 * iss or jti. oa_replay_reset resets this table too. Thread-safe. */
enum oa_err oa_replay_claim_jti(const char *iss, const char *jti, int64_t now) OA_WUR;
/* True when (iss, jti) was claimed and is still remembered. */
bool oa_replay_seen_jti(const char *iss, const char *jti, int64_t now);
size_t oa_replay_jti_count(int64_t now);

#endif
