/*
 * store_file.h - session.revocation_file: the revocation journal the
 * processes of one host share (DESIGN.md section 14.2). fcgi/store_file.c.
 *
 * The file is text: the line "oauth2-fcgi revocations 1", then one line
 * "<32 hex digits of the key> <cutoff> <expiry>" per revocation (epoch
 * seconds). Writers append one line under flock(<file>.lock) and fsync;
 * when the file has grown past twice what its live entries need it is
 * rewritten (to <file>.tmp.<pid>, fsync, rename: replaced atomically).
 * Every process follows the file on its tick: appended complete lines are
 * read, a new file (another inode) or a shorter one is read whole, and
 * whatever is read is merged into the in-memory list (oa/revocation.h):
 * a reader never loses an entry it had.
 */
#ifndef OA_STORE_FILE_H
#define OA_STORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oa/buf.h"
#include "oa/err.h"
#include "oa/revocation.h"

#define OA_STORE_FILE_MAX (64u << 20) /* a larger file is refused */
#define OA_STORE_FILE_HEADER "oauth2-fcgi revocations 1\n"

struct oa_store_file;

/* Opens path (copied) and merges its entries into the in-memory list.
 * A missing file is an empty list (the first write creates it). A file that
 * cannot be read, is over OA_STORE_FILE_MAX, is writable by group or others
 * (or sits in such a directory without the sticky bit), lacks the header or
 * has a malformed line: OA_ERR_CONFIG with the file and line in err (the
 * process must not start with a list it could not read). *out: new, free
 * with oa_store_file_close. */
enum oa_err oa_store_file_open(struct oa_store_file **out, const char *path, int64_t now,
                               struct oa_error *err) OA_WUR;
/* Follows the file: merges what it gained since the last call (complete
 * lines only), or all of it when it was replaced or shrank. A failure keeps
 * the list and is logged once (until the file is read well again); a
 * malformed line is skipped and logged once per file. Main thread only. */
void oa_store_file_tick(struct oa_store_file *f, int64_t now);
/* "file: PATH" and, when the file cannot be read now, why. */
void oa_store_file_status(const struct oa_store_file *f, struct oa_buf *b);
void oa_store_file_close(struct oa_store_file *f);

/* Appends e to the file at path (created with the header, mode 0600, when
 * missing), under flock(path.lock), with fsync; compacts it when it grew
 * past twice its live entries (live: how many the caller believes there
 * are, a hint; the file itself decides). Thread-safe (no state).
 * OA_ERR_IO with err on failure (the lock not had within 2 s, a full
 * disk, a file that is not a revocation file). */
enum oa_err oa_store_file_write(const char *path, const struct oa_rev_entry *e, int64_t now,
                                size_t live, struct oa_error *err) OA_WUR;
/* Rewrites the file now (under the lock) with its live entries, merged
 * and sorted, expired ones and bad lines dropped. OA_ERR_IO with err. */
enum oa_err oa_store_file_compact(const char *path, int64_t now, struct oa_error *err) OA_WUR;

/* One line of the file, without its newline: OA_OK with *e, or
 * OA_ERR_BAD_INPUT with why (static text). Exposed for the tests. */
enum oa_err oa_store_file_parse_line(const char *s, size_t n, struct oa_rev_entry *e,
                                     const char **why);

#endif
