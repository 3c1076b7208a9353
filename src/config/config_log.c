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

/* The two words a destination key takes besides a file, and their values. */
struct dest_key {
    const char *key;
    const char *word[2];
    int value[2];
    int file_value;
    const char *example;
};

static const struct dest_key log_key = {"log",
                                        {"stderr", "syslog"},
                                        {OA_LOG_STDERR, OA_LOG_SYSLOG},
                                        OA_LOG_FILE,
                                        "/var/log/oauth2-fcgi.log"};
static const struct dest_key audit_key = {"audit",
                                          {"off", "log"},
                                          {OA_AUDIT_OFF, OA_AUDIT_TO_LOG},
                                          OA_AUDIT_TO_FILE,
                                          "/var/log/oauth2-fcgi/audit.log"};

/* *slot (the text the walk stored, NULL when the key is absent: the first
 * word) into *target; the text is kept only when it names a file. */
static enum oa_err check_dest(struct oa_cfg_load *ld, const struct dest_key *k, char **slot,
                              int *target)
{
    if (!*slot || !strcmp(*slot, k->word[0]))
        *target = k->value[0];
    else if (!strcmp(*slot, k->word[1]))
        *target = k->value[1];
    else if (file_ok(*slot))
        *target = k->file_value;
    else
        return oa_cfg_fail(ld, slot, NULL,
                           "'%s' must be %s, %s or the absolute path of a file (e.g. %s), "
                           "not '%s'",
                           k->key, k->word[0], k->word[1], k->example, *slot);
    if (*target != k->file_value) {
        free(*slot);
        *slot = NULL;
    }
    return OA_OK;
}

_Static_assert(sizeof(enum oa_log_target) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum oa_audit_target) == sizeof(int), "enum stored as int");

enum oa_err oa_cfg_check_log(struct oa_cfg_load *ld)
{
    struct oa_config *cfg = ld->cfg;
    enum oa_err e = check_dest(ld, &log_key, &cfg->log_file, (int *)&cfg->log);

    return e ? e : check_dest(ld, &audit_key, &cfg->audit_file, (int *)&cfg->audit);
}
