/*
 * log.c - where the operator's lines go: stderr or a file (log: FILE) with
 * a "oauth2-fcgi[pid]: level: " prefix, or syslog(3).
 *
 * Each line is formatted into a local buffer and written with one write(2),
 * so lines from several threads never interleave. A line is always one
 * line: control bytes are folded so a client cannot forge log entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define OA_LOG_LINE_MAX 1024

/* Set once at start-up before threads, read-only afterwards. */
static enum oa_log_target log_target = OA_LOG_STDERR;
static enum oa_log_level log_level = OA_LOG_INFO;
/* The file of log: FILE (its own descriptor, kept across a reopen), else
 * stderr; log_path is the file's name for oa_log_reopen. */
static int log_fd = STDERR_FILENO;
static char log_path[4096];

void oa_log_open(enum oa_log_target target, enum oa_log_level level)
{
    log_level = level;
    if (target == OA_LOG_SYSLOG && log_target != OA_LOG_SYSLOG)
        openlog("oauth2-fcgi", LOG_PID, LOG_AUTHPRIV);
    /* a file is the target once oa_log_open_file has opened it */
    log_target = target == OA_LOG_FILE ? OA_LOG_STDERR : target;
}

/* Opens path for appending (created 0640: a log may name users). */
static int open_append(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

enum oa_err oa_log_open_file(const char *path, struct oa_error *err)
{
    int fd;

    if (strlen(path) >= sizeof(log_path))
        return oa_error_set(err, OA_ERR_CONFIG, "log: %s: the path is too long", path);
    fd = open_append(path);
    if (fd < 0)
        return oa_log_open_error(err, "log", path);
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    snprintf(log_path, sizeof(log_path), "%s", path);
    log_target = OA_LOG_FILE;
    return OA_OK;
}

enum oa_err oa_log_open_error(struct oa_error *err, const char *key, const char *path)
{
    return oa_error_set(err, OA_ERR_CONFIG,
                        "%s: cannot open %s: %s (it is opened by the user the program runs as, "
                        "uid %ld: create it writable by that user)",
                        key, path, strerror(errno), (long)geteuid());
}

int oa_log_append(const char *path)
{
    return open_append(path);
}

enum oa_err oa_log_reopen_fd(int fd, const char *path, struct oa_error *err)
{
    int nfd = open_append(path);

    if (nfd < 0)
        return oa_error_set(err, OA_ERR_IO,
                            "cannot reopen %s: %s (still writing to the file open before)", path,
                            strerror(errno));
    /* dup2 swaps the file under the same number at once: a thread writing
     * at that moment writes to the old file or the new one, never to a
     * closed descriptor */
    if (dup2(nfd, fd) < 0) {
        oa_error_set(err, OA_ERR_IO, "cannot reopen %s: %s", path, strerror(errno));
        close(nfd);
        return OA_ERR_IO;
    }
    close(nfd);
    return OA_OK;
}

enum oa_err oa_log_reopen(struct oa_error *err)
{
    if (log_target != OA_LOG_FILE || log_fd == STDERR_FILENO)
        return OA_OK;
    return oa_log_reopen_fd(log_fd, log_path, err);
}

void oa_log_close(void)
{
    if (log_target == OA_LOG_SYSLOG)
        closelog();
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = STDERR_FILENO;
    log_target = OA_LOG_STDERR;
}

bool oa_log_enabled(enum oa_log_level level)
{
    return level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

const char *oa_log_level_name(enum oa_log_level level)
{
    switch (level) {
    case OA_LOG_ERROR: return "error";
    case OA_LOG_WARN: return "warn";
    case OA_LOG_INFO: return "info";
    case OA_LOG_DEBUG: return "debug";
    }
    return "info";
}

static int syslog_priority(enum oa_log_level level)
{
    switch (level) {
    case OA_LOG_ERROR: return LOG_ERR;
    case OA_LOG_WARN: return LOG_WARNING;
    case OA_LOG_INFO: return LOG_INFO;
    case OA_LOG_DEBUG: return LOG_DEBUG;
    }
    return LOG_INFO;
}

static void fold_controls(char *p)
{
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* write(2) until done; a log that cannot be written is dropped. */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void oa_log_error(enum oa_log_level level, const struct oa_error *err)
{
    char text[OA_ERROR_FILE_MAX + OA_ERROR_MSG_MAX + 32];

    oa_error_format(err, text, sizeof(text));
    oa_log_write(level, "%s", text);
}

void oa_log_write(enum oa_log_level level, const char *fmt, ...)
{
    char msg[OA_LOG_LINE_MAX];
    char line[OA_LOG_LINE_MAX + 64];
    va_list ap;
    int n;

    if (!oa_log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fold_controls(msg);
    if (log_target == OA_LOG_SYSLOG) {
        syslog(syslog_priority(level), "%s", msg);
        return;
    }
    n = snprintf(line, sizeof(line), "oauth2-fcgi[%ld]: %s: %s\n", (long)getpid(),
                 oa_log_level_name(level), msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    write_all(log_fd, line, (size_t)n);
}

void oa_log_audit(const char *json, size_t len)
{
    char line[OA_AUDIT_LINE_MAX + 64];
    int n;

    while (len && json[len - 1] == '\n')
        len--;
    if (log_target == OA_LOG_SYSLOG) {
        syslog(LOG_NOTICE, "audit: %.*s", (int)len, json);
        return;
    }
    n = snprintf(line, sizeof(line), "oauth2-fcgi[%ld]: audit: %.*s\n", (long)getpid(), (int)len,
                 json);
    if (n > 0 && (size_t)n < sizeof(line))
        write_all(log_fd, line, (size_t)n);
}

void oa_log_set_level(enum oa_log_level level)
{
    /* a reload's new log_level; threads read it as they log (an aligned
     * int: the store is atomic where this runs) */
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}
