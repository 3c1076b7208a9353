/*
 * seal_cache.h - the sealed texts this thread opened last, by their text
 * (src/gate/seal_cache.c).
 *
 * The authorizer opens the same session cookie on request after request:
 * base64 and XChaCha20-Poly1305 were 9,400 of a check's 36,000 instructions
 * in the program under Apache (callgrind). Opening is deterministic: the
 * same text under the same key and purpose always gives the same plain text
 * or the same refusal. So a text this thread opened before, under a key the
 * key ring still holds (the same id and the same 32 bytes) and for the same
 * purpose, gives back the plain text it gave then, without opening it
 * again. Only texts that opened are kept; a refused one is opened (and
 * refused) every time. What the reader checks after opening (expiry,
 * revocation, the provider) it checks on every request as before.
 */
#ifndef OA_SEAL_CACHE_H
#define OA_SEAL_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"
#include "oa/keyring.h"

/* The longest sealed text kept (longer ones are opened every time): a
 * session of a few hundred groups; a whole cookie is 3,800 at most. */
#define OA_SEAL_CACHE_TEXT_MAX 1536
/* Texts kept per thread (the last ones opened, oldest replaced first). */
#define OA_SEAL_CACHE_SLOTS 8

/* oa_open (seal.h), with the same results, through this thread's cache.
 * Does not allocate. */
enum oa_err oa_open_cached(unsigned char *plain, size_t plain_cap, size_t *plain_len,
                           const char *in, size_t in_len, const char *purpose,
                           const struct oa_keyring *kr) OA_WUR;

/* Empties this thread's cache and wipes it (tests; a thread about to end). */
void oa_seal_cache_clear(void);

/* How many opens this thread answered from its cache (tests, bench). */
unsigned long oa_seal_cache_hits(void);

#endif
