/* test_file_watch.c - what wakes an idle main thread (fcgi/file_watch.c):
 * each way a config is changed (rename over, written in place, removed,
 * touched, a symlink swapped, a symlink's target written elsewhere) makes
 * the watch readable; nothing else does; a directory that cannot be
 * watched is reported, so that the caller polls. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_watch.h"
#include "tap.h"

static char dir[] = "/tmp/oa-file-watch-XXXXXX";
static char other[] = "/tmp/oa-file-watch-other-XXXXXX";

static char *in(const char *d, const char *name)
{
    static char buf[4][256];
    static int i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", d, name);
    return buf[i];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* What the reload does (fcgi/reload.c oa_reload_watch): every path added;
 * all covered, or the watch freed and false. */
static bool set(struct oa_file_watch *w, const char *const *paths, size_t n)
{
    bool all = n > 0;

    for (size_t i = 0; i < n; i++)
        all = paths[i] && oa_file_watch_add(w, paths[i]) && all;
    if (!all)
        oa_file_watch_free(w);
    return all;
}

/* True when the watch is readable within 1 s; the events are then drained. */
static int woke(struct oa_file_watch *w)
{
    struct pollfd p = {w->fd, POLLIN, 0};

    return poll(&p, 1, 1000) == 1 && oa_file_watch_drain(w);
}

/* True when the watch stays quiet for 100 ms. */
static int quiet(struct oa_file_watch *w)
{
    struct pollfd p = {w->fd, POLLIN, 0};

    return poll(&p, 1, 100) == 0 && !oa_file_watch_drain(w);
}

static void test_changes(void)
{
    struct oa_file_watch w = {-1};
    const char *paths[] = {in(dir, "oauth.yml"), in(dir, "link.key")};
    int fd;

    put(in(dir, "oauth.yml"), "a: 1\n");
    put(in(other, "session.key"), "k1\n");
    ok(symlink(in(other, "session.key"), in(dir, "link.key")) == 0, "(a symlink to elsewhere)");
    ok(set(&w, paths, 2) && w.fd >= 0, "both directories are watched");
    ok(quiet(&w), "nothing happened: not readable");
    put(in(dir, "oauth.yml.tmp"), "a: 2\n");
    (void)woke(&w); /* the temporary file's own events */
    ok(rename(in(dir, "oauth.yml.tmp"), in(dir, "oauth.yml")) == 0 && woke(&w),
       "a file renamed over the config wakes it");
    ok(quiet(&w), "drained: quiet again");
    put(in(dir, "oauth.yml"), "a: 3\n");
    ok(woke(&w), "the config written in place wakes it (on close)");
    fd = open(in(dir, "oauth.yml"), O_WRONLY | O_APPEND);
    ok(fd >= 0 && write(fd, "b: 1\n", 5) == 5 && quiet(&w),
       "a write still open does not (a half-written file is not read)");
    if (fd >= 0)
        close(fd);
    ok(woke(&w), "its close does");
    put(in(other, "session.key"), "k2\n");
    ok(woke(&w), "the symlink's target, written in place in its own directory, wakes it");
    ok(utimensat(AT_FDCWD, in(dir, "oauth.yml"), NULL, 0) == 0 && woke(&w), "a touch wakes it");
    ok(symlink("session.key.new", in(dir, "link.tmp")) == 0 && woke(&w) &&
           rename(in(dir, "link.tmp"), in(dir, "link.key")) == 0 && woke(&w),
       "a symlink swapped in (a ConfigMap's ..data) wakes it");
    ok(unlink(in(dir, "oauth.yml")) == 0 && woke(&w), "the config removed wakes it");
    put(in(dir, "unrelated"), "x\n");
    ok(woke(&w), "another file of the directory wakes it too (the stat decides)");
    oa_file_watch_free(&w);
    ok(w.fd == -1 && !oa_file_watch_drain(&w), "freed: nothing to drain");
    unlink(in(dir, "unrelated"));
    unlink(in(dir, "link.key"));
    unlink(in(other, "session.key"));
}

static void test_unwatchable(void)
{
    struct oa_file_watch w = {-1};
    const char *gone[] = {"/nonexistent-oa-dir/oauth.yml", NULL};
    const char *one[] = {"/nonexistent-oa-dir/oauth.yml", in(dir, "oauth.yml")};
    const char *mine[] = {in(dir, "oauth.yml")};
    int fd;

    ok(!set(&w, gone, 2) && w.fd == -1, "no directory can be watched: false (the caller polls)");
    ok(!set(&w, gone, 0) && w.fd == -1, "no files: false");
    ok(!set(&w, one, 2) && w.fd == -1,
       "one file of two not covered: false (the caller polls: a change there would wait)");
    ok(set(&w, mine, 1) && w.fd >= 0, "every file covered: true");
    fd = w.fd;
    ok(set(&w, mine, 1) && w.fd == fd, "set again: the same descriptor, kept");
    ok(rmdir(dir) == 0 && woke(&w), "the directory removed wakes it");
    ok(mkdir(dir, 0700) == 0 && set(&w, mine, 1) && quiet(&w),
       "made again and set again: watched anew");
    put(in(dir, "oauth.yml"), "a: 4\n");
    ok(woke(&w), "a config written in the new directory wakes it");
    unlink(in(dir, "oauth.yml"));
    ok(!set(&w, gone, 2) && w.fd == -1, "nothing of the new set can be watched: false, and freed");
    oa_file_watch_free(&w);
}

/* A directory reached through a symlink ("current -> releases/X"): the
 * link swapped in its own directory wakes it, though the watch on the
 * file's directory follows the old release. */
static void test_linked_dir(void)
{
    struct oa_file_watch w = {-1};
    char site[300], cur[320], key[340];
    const char *paths[] = {key};

    snprintf(site, sizeof(site), "%s/site", other);
    snprintf(cur, sizeof(cur), "%s/current", site);
    snprintf(key, sizeof(key), "%s/session.key", cur);
    ok(mkdir(site, 0700) == 0 && mkdir(in(other, "r1"), 0700) == 0 &&
           mkdir(in(other, "r2"), 0700) == 0,
       "(two releases)");
    put(in(in(other, "r1"), "session.key"), "k1\n");
    put(in(in(other, "r2"), "session.key"), "k2\n");
    ok(symlink(in(other, "r1"), cur) == 0 && set(&w, paths, 1) && quiet(&w),
       "a file under a linked directory is covered");
    ok(symlink(in(other, "r2"), in(site, "next")) == 0 && woke(&w) &&
           rename(in(site, "next"), cur) == 0 && woke(&w),
       "the directory link swapped to another release wakes it");
    oa_file_watch_free(&w);
    unlink(cur);
    unlink(in(in(other, "r1"), "session.key"));
    unlink(in(in(other, "r2"), "session.key"));
    rmdir(in(other, "r1"));
    rmdir(in(other, "r2"));
    rmdir(site);
}

int main(void)
{
    if (!mkdtemp(dir) || !mkdtemp(other)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    test_changes();
    test_linked_dir();
    test_unwatchable();
    rmdir(dir);
    rmdir(other);
    return tap_done();
}
