/*
 * options.c - parses the command line with getopt_long, checks every value
 * once (a thread count, a bind address) so the rest of the program gets
 * only sane ones, and holds the --help text.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa/err.h"
#include "options.h"

enum {
    OPT_CHECK_CONFIG = 256,
    OPT_GEN_KEY,
    OPT_VERSION,
    OPT_HELP,
    OPT_REVOKE,
    OPT_EXPLAIN,
    OPT_AS,
    OPT_GROUPS,
    OPT_PROVIDER,
    OPT_GEN_IDENTITY_KEY
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"bind", required_argument, NULL, 'b'},
    {"socket", required_argument, NULL, 's'},
    {"threads", required_argument, NULL, 't'},
    {"workers", required_argument, NULL, 'w'},
    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
    {"gen-key", required_argument, NULL, OPT_GEN_KEY},
    {"gen-identity-key", required_argument, NULL, OPT_GEN_IDENTITY_KEY},
    {"revoke", required_argument, NULL, OPT_REVOKE},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"as", required_argument, NULL, OPT_AS},
    {"groups", required_argument, NULL, OPT_GROUPS},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

const char *oa_options_usage(void)
{
    return "Usage: oauth2-fcgi [-c FILE] [-b ADDR:PORT | -s PATH] [-t THREADS] [-w WORKERS]\n"
           "                   [--check-config] [--gen-key FILE] [--gen-identity-key FILE]\n"
           "                   [--revoke WHO] [--version]\n"
           "                   [--help]\n"
           "       oauth2-fcgi --explain [-c FILE] METHOD URL [--as EMAIL] [--groups A,B]\n"
           "                   [--provider NAME]\n"
           "\n"
           "OAuth2 / OpenID Connect sign-in as a FastCGI responder and authorizer.\n"
           "Without -b or -s it accepts on the socket inherited on fd 0 (spawn-fcgi,\n"
           "mod_fcgid, lighttpd bin-path), or serves one request as a plain CGI program.\n"
           "\n"
           "  -c, --config FILE     config file (default: $OAUTH2_FCGI_CONFIG,\n"
           "                        $ARGILLA_AUTH_OAUTH_CFG, ./.oauth.yml,\n"
           "                        /etc/oauth2-fcgi/oauth.yml)\n"
           "  -b, --bind ADDR:PORT  listen on a TCP address (IPv4, e.g. 127.0.0.1:9000)\n"
           "  -s, --socket PATH     listen on a unix socket (mode 0660)\n"
           "  -t, --threads N       serve N requests at once (default 4); at most\n"
           "                        max(1, N/2) of them talk to a provider at once,\n"
           "                        so the others stay free for the authorizer;\n"
           "                        without -t: $OAUTH2_FCGI_THREADS, if set\n"
           "  -w, --workers N       run N worker processes of -t threads each under a\n"
           "                        supervisor that restarts a worker that dies\n"
           "                        (default: one process, no supervisor)\n"
           "      --check-config    validate the config, print a summary and the\n"
           "                        callback URL of every provider, and exit\n"
           "      --gen-key FILE    write a new random session key (mode 0600) and exit\n"
           "      --gen-identity-key FILE\n"
           "                        write a new Ed25519 key for identity_token (mode 0600)\n"
           "      --revoke WHO      end sessions at once in every process that shares\n"
           "                        session.revocation_file or session.store, and exit;\n"
           "                        WHO: an email (every session of it so far),\n"
           "                        PROVIDER:SUBJECT (every session of that user so far)\n"
           "                        or a session id (22 characters, from /userinfo);\n"
           "                        run it as the service's user\n"
           "      --explain METHOD URL  show which access rule decides for METHOD URL,\n"
           "                        under which reading of its path, and the answer\n"
           "                        lighttpd/Apache and nginx would get; with --as EMAIL\n"
           "                        [--groups A,B] [--provider NAME] for a signed-in\n"
           "                        user (a session made in memory), else no session\n"
           "      --version         print the version and exit\n"
           "      --help            print this help and exit\n"
           "\n"
           "Exit status: 0 ok, 2 config or usage error, 1 other failure.\n";
}

static int parse_count(const char *s, unsigned *out, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* OAUTH2_FCGI_THREADS: the thread count when -t does not give one. A web
 * server that starts the program itself and sends each process one request
 * at a time (mod_fcgid) sets it to 1 (FcgidInitialEnv): more threads would
 * only wait, and wake, for nothing. */
static enum oa_err threads_from_env(struct oa_options *opts, struct oa_error *err)
{
    const char *v = getenv("OAUTH2_FCGI_THREADS");

    if (!v)
        return OA_OK;
    if (parse_count(v, &opts->threads, OA_THREADS_MAX))
        return oa_error_set(err, OA_ERR_USAGE,
                            "OAUTH2_FCGI_THREADS wants a number of threads from 1 to 256, not '%s'",
                            v);
    opts->threads_from_env = true;
    return OA_OK;
}

/* ADDR:PORT with a non-empty address, no '[' (libfcgi speaks IPv4 only)
 * and a port 1..65535. The address is resolved when the socket is opened. */
static bool bind_ok(const char *s)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long port;

    if (!colon || colon == s || strchr(s, '[') || strchr(s, ':') != colon)
        return false;
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    return !errno && end != colon + 1 && !*end && port >= 1 && port <= 65535;
}

static enum oa_err check_combination(const struct oa_options *opts, struct oa_error *err)
{
    if (opts->bind && opts->socket)
        return oa_error_set(err, OA_ERR_USAGE, "-b and -s cannot be used together");
    if (opts->gen_identity_key && (opts->check_config || opts->gen_key || opts->revoke ||
                                   opts->explain || opts->bind || opts->socket))
        return oa_error_set(err, OA_ERR_USAGE, "--gen-identity-key FILE runs alone");
    if (opts->check_config && opts->gen_key)
        return oa_error_set(err, OA_ERR_USAGE,
                            "--check-config and --gen-key cannot be used together");
    if (opts->explain &&
        (opts->check_config || opts->gen_key || opts->revoke || opts->bind || opts->socket))
        return oa_error_set(err, OA_ERR_USAGE,
                            "--explain runs alone (with -c only), not with --check-config, "
                            "--gen-key, --revoke, -b or -s");
    if (!opts->explain && (opts->as || opts->groups || opts->provider))
        return oa_error_set(err, OA_ERR_USAGE, "--as, --groups and --provider go with --explain");
    if (opts->revoke && (opts->check_config || opts->gen_key || opts->bind || opts->socket))
        return oa_error_set(err, OA_ERR_USAGE,
                            "--revoke runs alone (with -c only), not with --check-config, "
                            "--gen-key, -b or -s");
    return OA_OK;
}

enum oa_err oa_options_parse(struct oa_options *opts, int argc, char **argv, struct oa_error *err)
{
    enum oa_err e;
    int c;

    memset(opts, 0, sizeof(*opts));
    opts->threads = OA_THREADS_DEFAULT;
    e = threads_from_env(opts, err);
    if (e != OA_OK)
        return e;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":c:b:s:t:w:", long_options, NULL)) != -1) {
        switch (c) {
        case 'c': opts->config = optarg; break;
        case 'b':
            if (!bind_ok(optarg))
                return oa_error_set(err, OA_ERR_USAGE,
                                    "-b wants IPV4ADDR:PORT (e.g. 127.0.0.1:9000), not '%s'",
                                    optarg);
            opts->bind = optarg;
            break;
        case 's':
            if (!*optarg)
                return oa_error_set(err, OA_ERR_USAGE, "-s wants a socket path");
            opts->socket = optarg;
            break;
        case 't':
            if (parse_count(optarg, &opts->threads, OA_THREADS_MAX))
                return oa_error_set(err, OA_ERR_USAGE,
                                    "-t wants a number of threads from 1 to 256, not '%s'", optarg);
            opts->threads_from_env = false;
            break;
        case 'w':
            if (parse_count(optarg, &opts->workers, OA_WORKERS_MAX))
                return oa_error_set(err, OA_ERR_USAGE,
                                    "-w wants a number of worker processes from 1 to %d, "
                                    "not '%s'",
                                    OA_WORKERS_MAX, optarg);
            break;
        case OPT_CHECK_CONFIG: opts->check_config = true; break;
        case OPT_GEN_KEY: opts->gen_key = optarg; break;
        case OPT_GEN_IDENTITY_KEY: opts->gen_identity_key = optarg; break;
        case OPT_REVOKE: opts->revoke = optarg; break;
        case OPT_EXPLAIN: opts->explain = true; break;
        case OPT_AS: opts->as = optarg; break;
        case OPT_GROUPS: opts->groups = optarg; break;
        case OPT_PROVIDER: opts->provider = optarg; break;
        case OPT_VERSION: opts->version = true; break;
        case OPT_HELP: opts->help = true; break;
        case ':':
            return oa_error_set(err, OA_ERR_USAGE, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) {
                char name[3] = {'-', (char)optopt, '\0'};
                return oa_error_set(err, OA_ERR_USAGE, "unknown option '%s'", name);
            }
            return oa_error_set(err, OA_ERR_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (opts->explain) {
        if (argc - optind != 2)
            return oa_error_set(err, OA_ERR_USAGE,
                                "--explain wants METHOD URL (e.g. --explain GET "
                                "https://app.example.com/admin/)");
        opts->explain_method = argv[optind];
        opts->explain_url = argv[optind + 1];
        optind += 2;
    }
    if (optind < argc)
        return oa_error_set(err, OA_ERR_USAGE, "unexpected argument '%s'", argv[optind]);
    return check_combination(opts, err);
}
