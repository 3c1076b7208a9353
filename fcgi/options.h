/*
 * options.h - the command line (DESIGN.md section 1):
 *   oauth2-fcgi [-c FILE] [-b ADDR:PORT | -s PATH] [-t THREADS] [-w WORKERS]
 *               [--check-config] [--gen-key FILE] [--revoke WHO] [--version] [--help]
 *   oauth2-fcgi --explain [-c FILE] METHOD URL [--as EMAIL] [--groups A,B] [--provider P]
 */
#ifndef OA_OPTIONS_H
#define OA_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"

#define OA_THREADS_MAX 256
/* Four threads: sign-ins may hold at most two (inflight.h), two stay free
 * for the authorizer however slow a provider is. */
#define OA_THREADS_DEFAULT 4
#define OA_WORKERS_MAX 64

struct oa_options {
    const char *config;           /* -c, borrowed from argv; NULL: oa_config_find's search */
    const char *bind;             /* -b ADDR:PORT, borrowed */
    const char *socket;           /* -s PATH, borrowed */
    unsigned threads;             /* -t, 1..OA_THREADS_MAX, default OA_THREADS_DEFAULT */
    bool threads_from_env;        /* threads came from $OAUTH2_FCGI_THREADS, not -t */
    unsigned workers;             /* -w, 1..OA_WORKERS_MAX; 0 (default): no supervisor */
    const char *gen_key;          /* --gen-key FILE, borrowed */
    const char *gen_identity_key; /* --gen-identity-key FILE, borrowed */
    const char *revoke;           /* --revoke WHO, borrowed (DESIGN.md section 14.5) */
    /* --explain METHOD URL (fcgi/explain.c): the rule that decides, and
     * every server's answer; all borrowed from argv */
    bool explain;
    const char *explain_method;
    const char *explain_url;
    const char *as;       /* --as EMAIL: a signed-in identity (else: no session) */
    const char *groups;   /* --groups a,b */
    const char *provider; /* --provider NAME (default: the first provider) */
    bool check_config;
    bool version;
    bool help;
};

/* Parses argv into opts. OA_OK, or OA_ERR_USAGE with the message in err. */
enum oa_err oa_options_parse(struct oa_options *opts, int argc, char **argv, struct oa_error *err);

/* The --help text. Static. */
const char *oa_options_usage(void);

#endif
