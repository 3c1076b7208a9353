/*
 * log.c - where the operator's lines go: stderr with a
 * "oauth2-fcgi[pid]: level: " prefix, or syslog(3).
 *
 * Each line is formatted into a local buffer and written with one write(2),
 * so lines from several threads never interleave. A line is always one
 * line: control bytes are folded so a client cannot forge log entries.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define OA_LOG_LINE_MAX 1024

/* Set once at start-up before threads, read-only afterwards. */
static enum oa_log_target log_target = OA_LOG_STDERR;
static enum oa_log_level log_level = OA_LOG_INFO;

void oa_log_open(enum oa_log_target target, enum oa_log_level level)
{
    log_level = level;
    if (target == OA_LOG_SYSLOG && log_target != OA_LOG_SYSLOG)
        openlog("oauth2-fcgi", LOG_PID, LOG_AUTHPRIV);
    log_target = target;
}

void oa_log_close(void)
{
    if (log_target == OA_LOG_SYSLOG)
        closelog();
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
    write_all(STDERR_FILENO, line, (size_t)n);
}

void oa_log_set_level(enum oa_log_level level)
{
    /* a reload's new log_level; threads read it as they log (an aligned
     * int: the store is atomic where this runs) */
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}
