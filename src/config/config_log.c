/*
 * config_log.c - where the log and the audit log go (DESIGN.md section 8.3):
 *   log:   stderr (default) | syslog | /an/absolute/FILE
 *   audit: off (default) | log | /an/absolute/FILE
 * The walk stores the text in log_file / audit_file; here it becomes the
 * target, and the text stays only when it is a file. A file must be an
 * absolute path: a web server starts the program in a directory of its
 * choosing. The file itself is opened by the edge at start-up (fcgi/log.c,
 * fcgi/audit.c), as the user the program runs as.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* A file path: absolute, one line, not a directory name. */
static bool file_ok(const char *s)
{
    size_t n = strlen(s);

    if (s[0] != '/' || s[n - 1] == '/')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static enum oa_err check_log(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    char **slot = &cfg->log_file;

    if (!*slot || !strcmp(*slot, "stderr"))
        cfg->log = OA_LOG_STDERR;
    else if (!strcmp(*slot, "syslog"))
        cfg->log = OA_LOG_SYSLOG;
    else if (file_ok(*slot))
        cfg->log = OA_LOG_FILE;
    else
        return oa_cfg_fail(ld, slot, NULL,
                           "'log' must be stderr, syslog or the absolute path of a file "
                           "(e.g. /var/log/oauth2-fcgi.log), not '%s'",
                           *slot);
    if (cfg->log != OA_LOG_FILE) {
        free(*slot);
        *slot = NULL;
    }
    return OA_OK;
}

static enum oa_err check_audit(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    char **slot = &cfg->audit_file;

    if (!*slot || !strcmp(*slot, "off"))
        cfg->audit = OA_AUDIT_OFF;
    else if (!strcmp(*slot, "log"))
        cfg->audit = OA_AUDIT_TO_LOG;
    else if (file_ok(*slot))
        cfg->audit = OA_AUDIT_TO_FILE;
    else
        return oa_cfg_fail(ld, slot, NULL,
                           "'audit' must be off, log or the absolute path of a file "
                           "(e.g. /var/log/oauth2-fcgi/audit.log), not '%s'",
                           *slot);
    if (cfg->audit != OA_AUDIT_TO_FILE) {
        free(*slot);
        *slot = NULL;
    }
    return OA_OK;
}

enum oa_err oa_cfg_check_log(struct oa_cfg_load *ld)
{
    enum oa_err e = check_log(ld);

    return e ? e : check_audit(ld);
}
