/* test_reload.c - the config read again while serving (fcgi/reload.c):
 * nothing happens while the files stay as they are; a changed config or
 * key file is loaded and swapped in; a broken one (YAML syntax, an unknown
 * key, a bad key line) keeps the old generation and is logged once, with
 * FILE:LINE:COL, until it changes again; SIGHUP's forced reload reads the
 * files even when unchanged; a random key (no key file) is kept. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "log.h"
#include "reload.h"
#include "tap.h"

static char dir[] = "/tmp/oa-test-reload-XXXXXX";
static char cfgpath[128], keypath[128], logpath[128];

#define KEY1 "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY2 "2222222222222222222222222222222222222222222222222222222222222222"

/* Writes text to path through a new file renamed over it (a new inode, as
 * editors and configuration tools do) or in place. */
static void put(const char *path, const char *text, int in_place)
{
    char tmp[160];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(in_place ? path : tmp, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    chmod(in_place ? path : tmp, 0600);
    if (!in_place)
        rename(tmp, path);
}

static void put_config(const char *access_email, const char *extra)
{
    char yaml[1024];

    snprintf(yaml, sizeof(yaml),
             "providers:\n  - name: corp\n    client_id: c\n    client_secret: s\n"
             "    authorize_url: https://idp.example/a\n    token_url: https://idp.example/t\n"
             "    userinfo_url: https://idp.example/u\n"
             "session:\n  key_file: %s\n"
             "access:\n  - path: /app/\n    emails: [%s]\n%s",
             keypath, access_email, extra);
    put(cfgpath, yaml, 0);
}

/* How many lines of the log (stderr, sent to logpath) contain what. */
static int log_count(const char *what)
{
    char line[2048];
    FILE *f = fopen(logpath, "r");
    int n = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

static const char *rule_email(struct oa_live *live)
{
    const struct oa_config *cfg = oa_live_current(live)->cfg;
    return cfg->naccess && cfg->access[0].emails.n ? cfg->access[0].emails.v[0] : "";
}

/* What was bound, mapped or opened at start stays: a reload that changes
 * metrics.listen, metrics.dir, audit: or log: keeps the old values (each
 * with a warning) and applies the rest (the rule). */
static void test_started_things_kept(struct oa_live *live, struct oa_reload *rl)
{
    const struct oa_config *cfg;

    put_config("d@example.com", "metrics:\n  listen: 127.0.0.1:9999\n  dir: /tmp/elsewhere\n"
                                "audit: /tmp/other-audit.log\nlog: syslog\n");
    ok(oa_reload_tick(rl, false) == 1, "a config changing what was set up at start: reloaded");
    cfg = oa_live_current(live)->cfg;
    is_str(rule_email(live), "d@example.com", "the new rule applies");
    ok(!cfg->metrics.listen && !cfg->metrics.dir, "metrics.listen and metrics.dir kept (none)");
    ok(cfg->audit == OA_AUDIT_OFF && !cfg->audit_file, "audit kept (off)");
    ok(cfg->log == OA_LOG_STDERR, "the log target kept");
    ok(log_count("metrics.listen: a change takes a restart") == 1 &&
           log_count("metrics.dir: a change takes a restart") == 1 &&
           log_count("audit: a change takes a restart") == 1,
       "each said once");
    ok(log_count("log/audit: a new target takes a restart") == 1, "the targets' change said");
}

/* The revocation file is followed from start (fcgi/store.c): a reload
 * that names another keeps the old one (none here), with a warning. */
static void test_revocation_file_kept(struct oa_live *live, struct oa_reload *rl)
{
    char yaml[1024];

    snprintf(yaml, sizeof(yaml),
             "providers:\n  - name: corp\n    client_id: c\n    client_secret: s\n"
             "    authorize_url: https://idp.example/a\n    token_url: https://idp.example/t\n"
             "    userinfo_url: https://idp.example/u\n"
             "session:\n  key_file: %s\n  revocation_file: %s/revoked\n"
             "access:\n  - path: /app/\n    emails: [r@example.com]\n",
             keypath, dir);
    put(cfgpath, yaml, 0);
    ok(oa_reload_tick(rl, false) == 1, "a config naming a revocation file: reloaded");
    is_str(rule_email(live), "r@example.com", "the new rule applies");
    ok(!oa_live_current(live)->cfg->session.revocation_file, "session.revocation_file kept (none)");
    is_int(log_count("session.revocation_file: a change takes a restart"), 1, "said once");
}

/* Without a key file each process has a random key: a reload keeps it
 * (a new one would end every session of the process). */
static void test_random_key_kept(void)
{
    const char *yaml = "providers:\n  - name: corp\n    client_id: c\n    client_secret: s\n"
                       "    authorize_url: https://idp.example/a\n"
                       "    token_url: https://idp.example/t\n"
                       "    userinfo_url: https://idp.example/u\n";
    char path[160], text[1024];
    struct oa_config *cfg = NULL;
    unsigned char before[OA_KEY_BYTES];
    struct oa_reload rl;
    struct oa_live live;
    struct oa_error err;

    snprintf(path, sizeof(path), "%s/random.yml", dir);
    put(path, yaml, 0);
    ok(oa_config_load(&cfg, path, &err) == OA_OK && cfg->keys_random, "no key file: a random key");
    memcpy(before, cfg->keys.k[0].key, sizeof(before));
    ok(oa_live_init(&live, oa_gen_new(cfg, NULL), 1) == OA_OK, "live");
    ok(oa_reload_init(&rl, &live, path) == OA_OK && rl.nf == 1, "one file watched");
    snprintf(text, sizeof(text), "%saccess:\n  - path: /app/\n    emails: [a@example.com]\n", yaml);
    put(path, text, 0);
    ok(oa_reload_tick(&rl, false) == 1, "reloaded");
    ok(oa_live_current(&live)->cfg->naccess == 1, "the new rule");
    ok(memcmp(oa_live_current(&live)->cfg->keys.k[0].key, before, sizeof(before)) == 0,
       "the random key is the one before: sessions survive the reload");
    oa_reload_free(&rl);
    oa_live_free(&live);
    unlink(path);
}

int main(void)
{
    struct oa_config *cfg = NULL;
    struct oa_reload rl;
    struct oa_live live;
    struct oa_error err;
    struct oa_gen *first;
    int fd;

    if (!mkdtemp(dir))
        return 1;
    snprintf(cfgpath, sizeof(cfgpath), "%s/oauth.yml", dir);
    snprintf(keypath, sizeof(keypath), "%s/session.key", dir);
    snprintf(logpath, sizeof(logpath), "%s/log", dir);
    fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    put(keypath, KEY1 "\n", 0);
    put_config("a@example.com", "");
    ok(oa_config_load(&cfg, cfgpath, &err) == OA_OK, "the first config loads");
    first = oa_gen_new(cfg, NULL);
    ok(first && oa_live_init(&live, first, 1) == OA_OK, "live");
    ok(oa_reload_init(&rl, &live, cfgpath) == OA_OK, "reload watches its files");
    ok(rl.nf == 2, "two files watched: the config and its key file (%zu)", rl.nf);
    ok(oa_reload_tick(&rl, false) == 0, "unchanged files: nothing to do");
    ok(oa_live_current(&live) == first, "the first generation stays");

    put_config("b@example.com", "");
    ok(oa_reload_tick(&rl, false) == 1, "a changed config (renamed over): reloaded");
    is_str(rule_email(&live), "b@example.com", "the new rule is current");
    ok(oa_reload_tick(&rl, false) == 0, "and only once");

    put(cfgpath, "providers: [\naccess: {\n", 1);
    ok(oa_reload_tick(&rl, false) == -1, "a YAML syntax error: refused");
    is_str(rule_email(&live), "b@example.com", "the old rule stays");
    ok(oa_reload_tick(&rl, false) == 0, "the broken file is not tried again while unchanged");
    ok(log_count("reload refused") == 1, "logged once, saying the reload was refused");
    ok(log_count("oauth.yml:3:1: YAML syntax error") == 1, "as FILE:LINE:COL: YAML syntax error");

    put_config("c@example.com", "no_such_key: 1\n");
    ok(oa_reload_tick(&rl, false) == -1, "an unknown key: refused");
    ok(log_count("reload refused") == 2, "logged once more (one line per change)");
    {
        char want[160];
        snprintf(want, sizeof(want), "%s:13:1: unknown key", cfgpath);
        ok(log_count(want) == 1, "as FILE:LINE:COL (%s)", want);
    }
    is_str(rule_email(&live), "b@example.com", "the old rule stays");
    ok(oa_reload_tick(&rl, true) == -1, "SIGHUP reads the unchanged broken file again");
    ok(log_count("reload refused") == 3, "and logs it again (the operator asked)");

    put_config("b@example.com", "");
    ok(oa_reload_tick(&rl, false) == 1, "a fixed config: reloaded");
    ok(oa_live_current(&live)->cfg->keys.n == 1, "one key");

    put(keypath, KEY2 "\n" KEY1 "\n", 1);
    ok(oa_reload_tick(&rl, false) == 1, "a rotated key file (written in place): reloaded");
    ok(oa_live_current(&live)->cfg->keys.n == 2, "two keys now");
    ok(oa_live_current(&live)->cfg->keys.k[0].key[0] == 0x22, "the new key seals");

    put(keypath, "not a key\n", 1);
    ok(oa_reload_tick(&rl, false) == -1, "a bad key file: refused");
    ok(oa_live_current(&live)->cfg->keys.n == 2, "the old keys stay");
    ok(log_count("session.key:1") == 1, "logged with the key file's FILE:LINE");

    unlink(keypath);
    ok(oa_reload_tick(&rl, false) == -1, "a key file removed: refused");
    put(keypath, KEY1 "\n", 0);
    ok(oa_reload_tick(&rl, false) == 1, "back again: reloaded");

    ok(oa_reload_tick(&rl, true) == 1, "SIGHUP reloads unchanged good files");
    ok(log_count("SIGHUP") == 2, "each SIGHUP is logged");
    test_started_things_kept(&live, &rl);
    test_revocation_file_kept(&live, &rl);
    ok(oa_live_reap(&live) == 0, "nothing in use: every old generation freed");

    oa_reload_free(&rl);
    oa_live_free(&live);
    test_random_key_kept();
    unlink(cfgpath);
    unlink(keypath);
    if (!tap_failed)
        unlink(logpath);
    rmdir(dir);
    return tap_done();
}
