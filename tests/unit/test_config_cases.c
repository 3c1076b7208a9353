/*
 * test_config_cases.c - the table-driven config cases, one TAP line each
 * (like Jansson's test/suites): tests/cases/config/
 *   bad/<case>/oauth.yml   must fail; bad/<case>/expected holds the exact
 *                          "oauth.yml:LINE:COL: message" line (a line ending
 *                          in "..." compares only what comes before it)
 *   good/<case>/oauth.yml  must load; good/<case>/expected (optional) holds
 *                          lines that must each appear in the --check-config
 *                          summary; good/<case>/warnings (optional) holds
 *                          the config's warnings, all of them, in order
 *                          (an empty file: none; "..." as for bad cases)
 *   <case>/env             optional KEY=VALUE lines set for the case
 *   <case>/modes           optional "FILE MODE" lines (octal): chmod before
 *                          the case, back to 0644 after (git stores no
 *                          other mode); mode warnings are then compared too
 * Each case runs in its own directory, so paths in it are relative to it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oa/config.h"
#include "tap.h"

extern char **environ;

/* Unsets every variable the config looks at, so cases do not leak into each other. */
static void clear_env(void)
{
    /* OAUTH_, SPACE_HOST, OPENID_PROVIDER_URL: a Hugging Face Space's */
    static const char *const prefixes[] = {"OAUTH2_", "ARGILLA_",   "SOCIAL_AUTH_",
                                           "OAUTH_",  "SPACE_HOST", "OPENID_PROVIDER_URL"};
    int again = 1;

    while (again) {
        again = 0;
        for (char **e = environ; *e && !again; e++) {
            for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                if (!strncmp(*e, prefixes[i], strlen(prefixes[i]))) {
                    char name[256];
                    size_t n = strcspn(*e, "=");
                    if (n >= sizeof(name))
                        n = sizeof(name) - 1;
                    memcpy(name, *e, n);
                    name[n] = '\0';
                    unsetenv(name);
                    again = 1;
                    break;
                }
            }
        }
    }
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void load_env(void)
{
    FILE *f = fopen("env", "r");
    char line[1024];

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *eq;
        chomp(line);
        if (!line[0] || line[0] == '#' || !(eq = strchr(line, '=')))
            continue;
        *eq = '\0';
        setenv(line, eq + 1, 1);
    }
    fclose(f);
}

static int read_expected(char *buf, size_t cap)
{
    FILE *f = fopen("expected", "r");
    size_t n;

    if (!f)
        return -1;
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

static int matches(const char *got, const char *want)
{
    size_t n = strlen(want);

    if (n >= 3 && !strcmp(want + n - 3, "..."))
        return !strncmp(got, want, n - 3);
    return !strcmp(got, want);
}

static void run_bad(const char *name)
{
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char want[2048], got[1024];
    enum oa_err e;

    if (read_expected(want, sizeof(want))) {
        ok(0, "bad/%s: has an expected file", name);
        return;
    }
    chomp(want);
    e = oa_config_load(&cfg, "oauth.yml", &err);
    oa_error_format(&err, got, sizeof(got));
    ok(e == OA_ERR_CONFIG && !cfg && matches(got, want), "bad/%s", name);
    if (e != OA_ERR_CONFIG || !matches(got, want))
        printf("#   code: %d\n#   got:  %s\n#   want: %s\n", (int)e, got, want);
    oa_config_free(cfg);
}

/* A warning about a case file's mode, which depends on the checkout
 * (umask, a read-only tree) rather than on the case: not compared unless
 * the case sets its modes (a modes file). */
static int mode_warning(const char *w)
{
    return w && strstr(w, "readable by others (mode ");
}

/* The warnings file, when the case has one, lists every warning in order. */
static bool warnings_match(const struct oa_config *cfg, bool strict_modes)
{
    FILE *f = fopen("warnings", "r");
    char want[16][1024];
    size_t nwant = 0, j = 0;
    bool good = true;

    if (!f)
        return true;
    while (nwant < 16 && fgets(want[nwant], sizeof(want[0]), f)) {
        chomp(want[nwant]);
        if (want[nwant][0])
            nwant++;
    }
    fclose(f);
    for (size_t i = 0; good && i < cfg->warnings.n; i++) {
        const char *w = cfg->warnings.v[i];
        if (j < nwant && matches(w, want[j]))
            j++;
        else if (!strict_modes && mode_warning(w))
            continue;
        else {
            printf("#   warning %zu: got:  %s\n#              want: %s\n", i + 1, w,
                   j < nwant ? want[j] : "(none)");
            good = false;
        }
    }
    if (good && j != nwant) {
        printf("#   missing warning: %s\n", want[j]);
        good = false;
    }
    return good;
}

/* The modes file: "FILE MODE" lines (octal), applied before the case runs
 * (git keeps no mode but 644/755: the cases about group- or
 * others-writable files make them so here). Returns -1 when one cannot be
 * set, 0 without a modes file, 1 when applied. */
static int apply_modes(int restore)
{
    FILE *f = fopen("modes", "r");
    char name[256];
    unsigned mode;
    int rc = 1;

    if (!f)
        return 0;
    while (fscanf(f, "%255s %o", name, &mode) == 2)
        if (chmod(name, restore ? 0644 : (mode_t)mode) != 0)
            rc = -1;
    fclose(f);
    return rc;
}

static void run_good(const char *name)
{
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char want[4096], got[1024], *desc = NULL, *line, *save = NULL;
    int good;

    if (oa_config_load(&cfg, "oauth.yml", &err) != OA_OK) {
        oa_error_format(&err, got, sizeof(got));
        ok(0, "good/%s", name);
        printf("#   error: %s\n", got);
        return;
    }
    desc = oa_config_describe(cfg);
    good = desc != NULL;
    for (size_t i = 0; good && i < cfg->nproviders; i++) {
        const char *s = cfg->providers[i].client_secret;
        /* short ones ("b") would match anywhere: the cases use long secrets */
        if (s && strlen(s) >= 6 && strstr(desc, s)) {
            printf("#   the summary shows %s's client_secret\n", cfg->providers[i].name);
            good = 0;
        }
    }
    if (good && !read_expected(want, sizeof(want))) {
        for (line = want; line; line = save) {
            if ((save = strchr(line, '\n')))
                *save++ = '\0';
            if (line[0] && !strstr(desc, line)) {
                printf("#   missing from the summary: %s\n", line);
                good = 0;
            }
        }
        if (!good)
            printf("# summary:\n%s", desc);
    }
    if (good)
        good = warnings_match(cfg, access("modes", F_OK) == 0);
    ok(good, "good/%s", name);
    free(desc);
    oa_config_free(cfg);
}

static void run_dir(const char *top, const char *kind)
{
    char dir[4096];
    struct dirent **names;
    int n, here = open(".", O_RDONLY | O_DIRECTORY);

    snprintf(dir, sizeof(dir), "%s/tests/cases/config/%s", top, kind);
    n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        ok(0, "cannot read %s", dir);
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[8192];
        if (names[i]->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            clear_env();
            if (chdir(path) == 0) {
                load_env();
                if (apply_modes(0) < 0)
                    ok(0, "%s/%s: cannot set the modes it needs", kind, names[i]->d_name);
                else if (!strcmp(kind, "bad"))
                    run_bad(names[i]->d_name);
                else
                    run_good(names[i]->d_name);
                apply_modes(1);
                if (fchdir(here) != 0)
                    abort();
            }
        }
        free(names[i]);
    }
    free(names);
    close(here);
}

int main(void)
{
    const char *top = getenv("top_srcdir");

    if (!top)
        top = ".";
    run_dir(top, "good");
    run_dir(top, "bad");
    clear_env();
    return tap_done();
}
