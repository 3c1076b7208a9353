/*
 * file_watch.h - what wakes an idle main thread when a file the config
 * names may have changed (DESIGN.md section 10): inotify on the directory
 * of each watched file and of the file it resolves to. Without it every
 * serving process woke every OA_SERVER_TICK_MS to stat those files: a pool
 * of 48 mod_fcgid processes spent ~12 ms of CPU a second doing nothing,
 * ~3 us per request at bench/run's rates (bench/README.md).
 *
 * A wake only says "look": the stat comparison of reload.c decides whether
 * anything changed, so a stray event costs one tick and a missed one (a
 * file system without inotify, a directory the watch could not name) is
 * caught by the quiet tick (OA_SERVER_QUIET_TICK_MS).
 */
#ifndef OA_FILE_WATCH_H
#define OA_FILE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct oa_file_watch {
    int fd; /* the inotify descriptor (non-blocking), or -1 */
};

/* Watches every directory path depends on (its own, that of each symlink
 * on its way and that of the file it resolves to), besides what w watched
 * before (a directory watched again is the same watch; one that was
 * removed and made again is watched anew); w->fd -1 on entry means nothing
 * yet. False unless all of them are watched (no inotify, a directory it may
 * not watch): the caller then polls. */
bool oa_file_watch_add(struct oa_file_watch *w, const char *path);

/* Reads and drops the pending events; true when there were any. */
bool oa_file_watch_drain(struct oa_file_watch *w);

void oa_file_watch_free(struct oa_file_watch *w);

#endif
