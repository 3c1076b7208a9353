/* test_log.c - the edge's log and audit files (fcgi/log.c, fcgi/auditlog.c):
 * log: FILE gets the prefixed lines and is made 0640; a path that cannot
 * be opened is a config error saying why; after a rotation (the file
 * renamed) a reopen sends the next lines to a new file at the old name and
 * none to the old one; audit lines are written whatever log_level says;
 * audit: FILE gets one JSON line per record with the request id given or
 * one made here; a flood of denials is cut at the burst and the dropped
 * ones are counted in the next line. */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "log.h"
#include "tap.h"

static char tmpdir[] = "/tmp/oa-test-log-XXXXXX";
static char text[256 * 1024];

/* The whole file into text (empty when it cannot be read). */
static const char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;

    if (f)
        fclose(f);
    text[n] = '\0';
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_log_file(void)
{
    char path[128], moved[128], bad[128];
    struct oa_error err;
    struct stat st;

    snprintf(path, sizeof(path), "%s/oa.log", tmpdir);
    snprintf(moved, sizeof(moved), "%s/oa.log.1", tmpdir);
    snprintf(bad, sizeof(bad), "%s/no-such-dir/oa.log", tmpdir);
    umask(022);
    oa_error_clear(&err);
    ok(oa_log_open_file(bad, &err) == OA_ERR_CONFIG && strstr(err.msg, "log: cannot open") &&
           strstr(err.msg, "No such file or directory") && strstr(err.msg, "uid "),
       "a log file that cannot be opened: a config error saying why and as whom (%s)", err.msg);
    oa_log_open(OA_LOG_FILE, OA_LOG_INFO);
    ok(oa_log_open_file(path, &err) == OA_OK, "log: FILE opens");
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640, "... made 0640 whatever the umask");
    oa_log_write(OA_LOG_WARN, "first line\nwith a forged line");
    oa_log_write(OA_LOG_DEBUG, "not at info");
    slurp(path);
    ok(strstr(text, "]: warn: first line?with a forged line\n") != NULL,
       "the line is in the file, prefixed, one line");
    ok(!strstr(text, "not at info"), "log_level still applies");
    ok(rename(path, moved) == 0, "the file rotated (renamed)");
    oa_log_write(OA_LOG_ERROR, "before the reopen");
    ok(oa_log_reopen(&err) == OA_OK, "reopen");
    oa_log_write(OA_LOG_ERROR, "after the reopen");
    ok(strstr(slurp(path), "after the reopen") && !strstr(text, "before the reopen") &&
           !strstr(text, "first line"),
       "after a reopen: a new file at the old name with the new lines only");
    ok(strstr(slurp(moved), "before the reopen") && !strstr(text, "after the reopen"),
       "the rotated file keeps what came before");
    oa_log_open(OA_LOG_FILE, OA_LOG_ERROR);
    oa_log_audit("{\"event\": \"denied\"}\n", 20);
    ok(strstr(slurp(path), "]: audit: {\"event\": \"denied\"}\n") != NULL,
       "an audit line is written at log_level error too, without its own newline doubled");
    oa_log_close();
}

static void test_audit_file(void)
{
    struct oa_config cfg = {0};
    struct oa_audit a;
    struct oa_error err;
    char path[128], moved[128], want[128];
    size_t written;
    json_t *j;
    int i;

    snprintf(path, sizeof(path), "%s/audit.log", tmpdir);
    snprintf(moved, sizeof(moved), "%s/audit.log.1", tmpdir);
    cfg.audit = OA_AUDIT_TO_FILE;
    cfg.audit_file = path;
    ok(oa_auditlog_open(&cfg, &err) == OA_OK, "audit: FILE opens");
    oa_audit_set(&a, OA_AUDIT_SIGN_IN, 302, "corp", "al\"ice@example.com", "1", NULL, NULL);
    oa_auditlog_write(&a, "192.0.2.1", "Zp3xXn8AAAEAAC2vqGkAAAAA");
    oa_audit_clear(&a);
    oa_auditlog_write(&a, "192.0.2.1", NULL);
    j = json_loads(slurp(path), 0, NULL);
    ok(j && !strcmp(json_string_value(json_object_get(j, "user")), "al\"ice@example.com") &&
           !strcmp(json_string_value(json_object_get(j, "request_id")),
                   "Zp3xXn8AAAEAAC2vqGkAAAAA") &&
           !strcmp(json_string_value(json_object_get(j, "client")), "192.0.2.1"),
       "one JSON line: user, the server's request id, client");
    json_decref(j);
    ok(count(text, "\n") == 1, "a record with no event writes nothing");

    oa_audit_set(&a, OA_AUDIT_DENIED, 401, NULL, NULL, NULL, NULL, "not signed in");
    for (i = 0; i < OA_AUDIT_BURST + 25; i++)
        oa_auditlog_write(&a, "192.0.2.2", "bad id\"");
    slurp(path);
    /* the bucket refills 10 a second: a slow machine may let one more through */
    written = count(text, "\"event\": \"denied\"");
    ok(written >= OA_AUDIT_BURST && written <= OA_AUDIT_BURST + 2,
       "a flood of %d denials: the burst of %d written (%zu)", OA_AUDIT_BURST + 25, OA_AUDIT_BURST,
       written);
    ok(!strstr(text, "bad id"), "a request id that is not one is replaced");
    ok(count(text, "\"request_id\": \"") == written + 1, "... by one made here");
    oa_audit_set(&a, OA_AUDIT_SIGN_OUT, 302, "corp", "alice", "1", NULL, NULL);
    ok(rename(path, moved) == 0, "the audit file rotated");
    ok(oa_auditlog_reopen(&err) == OA_OK, "reopen");
    oa_auditlog_write(&a, "192.0.2.1", NULL);
    slurp(path);
    snprintf(want, sizeof(want), "\"event\": \"denials_suppressed\", \"count\": %zu}\n",
             (size_t)(OA_AUDIT_BURST + 25) - written);
    ok(strstr(text, want) && strstr(text, "\"event\": \"sign_out\""),
       "the next line (a sign-out) comes after a line counting the dropped denials");
    ok(strstr(text, "denials_suppressed") < strstr(text, "sign_out"), "... in that order");
    oa_auditlog_close();
    oa_auditlog_write(&a, "192.0.2.1", NULL);
    ok(count(slurp(path), "\n") == 2, "closed: nothing more is written");

    cfg.audit_file = "/nonexistent-dir/audit.log";
    ok(oa_auditlog_open(&cfg, &err) == OA_ERR_CONFIG && strstr(err.msg, "audit: cannot open"),
       "an audit file that cannot be opened: a config error (%s)", err.msg);
    oa_auditlog_write(&a, "192.0.2.1", NULL);
    ok(count(slurp(path), "\n") == 2, "... and nothing is written anywhere");
}

int main(void)
{
    static const char *const made[] = {"oa.log", "oa.log.1", "audit.log", "audit.log.1"};
    char path[128];

    if (!mkdtemp(tmpdir))
        return 99;
    test_log_file();
    test_audit_file();
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, made[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return tap_done();
}
