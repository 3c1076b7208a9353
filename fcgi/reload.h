/*
 * reload.h - reading the config and its files again while serving
 * (DESIGN.md section 10): on SIGHUP, and when the config file or a file
 * it names (session.key_file, an apple-id private_key_file) changed.
 *
 * A process started by the web server (lighttpd's bin-path, mod_fcgid)
 * gets no signal from the operator, so the main thread of every serving
 * process looks at those files (stat: device, inode, size, mtime, ctime)
 * when inotify says their directory changed (file_watch.h), and at least
 * every OA_SERVER_QUIET_TICK_MS, never on a request's thread. The new config is
 * loaded and checked whole (keys included) before it is swapped in
 * (live.h); a bad one changes nothing and is logged once, with
 * FILE:LINE:COL, until the files change again.
 */
#ifndef OA_RELOAD_H
#define OA_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "file_watch.h"
#include "live.h"

/* One watched file as last seen. */
struct oa_reload_file {
    char *path; /* owned */
    int errnum; /* stat's errno, 0 when it worked */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
};

struct oa_reload {
    struct oa_live *live;     /* borrowed */
    char *config;             /* owned: the path the config is read from */
    struct oa_reload_file *f; /* owned: the current config's files */
    size_t nf;
};

/* Watches the files of live's current generation, read from config.
 * OA_ERR_NOMEM. */
enum oa_err oa_reload_init(struct oa_reload *r, struct oa_live *live, const char *config) OA_WUR;
void oa_reload_free(struct oa_reload *r);

/* The main thread's check, every tick: reloads when forced (SIGHUP) or a
 * watched file changed. 1: a new generation is current; 0: nothing to do;
 * -1: the reload failed (logged) and the old generation stays. */
int oa_reload_tick(struct oa_reload *r, bool forced);

/* Watches the directories of the current files with w (file_watch.h);
 * false when nothing could be watched (the caller polls). */
bool oa_reload_watch(const struct oa_reload *r, struct oa_file_watch *w);

/* The same check without loading: true when a watched file changed since
 * it was last seen (updates what was seen). */
bool oa_reload_changed(struct oa_reload *r);

#endif
