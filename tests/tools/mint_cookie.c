/*
 * mint_cookie.c - a test-only helper (never installed) that prints a sealed
 * session cookie value for a config's keys and a made-up identity, so the
 * end-to-end tests can reach a protected page without a real provider.
 *
 * It uses the same code as the program (oa_config_load, oa_session_encode,
 * oa_seal), and can also make the cookies that must be refused: expired,
 * issued before session.not_before (revoked), sealed with a key the config
 * does not have, or sealed for the purpose "state" instead of "session".
 *
 *   mint_cookie -c CONFIG [--user U] [--email E] [--name N] [--sub S]
 *               [--provider P] [--groups a,b] [--workspaces a,b] [--roles a,b]
 *               [--expired | --revoked] [--other-key] [--purpose P]
 *               [--sid HEX] [--refresh-at T] [--login-at T] [--v1 | --v2]
 *               [--pair]
 *
 * A T is epoch seconds, or +N / -N seconds from now. The cookie is version
 * 3 (sid random unless --sid: 32 hex digits; refresh_at = iat +
 * session.refresh_after or exp; login_at = iat; user and email keys made
 * as the program makes them); --v1 writes the version-1 payload that
 * programs before the session lifecycle sealed (no sid, no keys), --v2
 * the version-2 payload sealed before roles (no roles).
 *
 * Prints the value (or NAME=VALUE with --pair) and a newline; exits 0, or
 * prints a message to stderr and exits 1 (2 for usage).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oa/config.h"
#include "oa/crypto.h"
#include "oa/err.h"
#include "oa/seal.h"
#include "oa/session.h"

struct mint_opts {
    const char *config;
    const char *purpose;
    bool expired, revoked, other_key, pair, v1, v2, has_sid;
    const char *refresh_at, *login_at;
    struct oa_identity id;
};

static void mint_usage(FILE *f)
{
    fputs("usage: mint_cookie -c CONFIG [--user U] [--email E] [--name N] [--sub S]\n"
          "                   [--provider P] [--groups a,b] [--workspaces a,b] [--roles a,b]\n"
          "                   [--expired | --revoked] [--other-key] [--purpose P] [--pair]\n"
          "                   [--sid HEX32] [--refresh-at T] [--login-at T] [--v1|--v2]\n"
          "                   (T: epoch seconds, or +N / -N from now)\n",
          f);
}

/* 32 hex digits into 16 bytes. 0 or -1. */
static int parse_hex16(unsigned char out[16], const char *hex)
{
    size_t i;

    if (strlen(hex) != 32)
        return -1;
    for (i = 0; i < 16; i++) {
        unsigned int v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)hex[2 * i]) ||
            !isxdigit((unsigned char)hex[2 * i + 1]))
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* A time option: epoch seconds, or +N / -N seconds from now. 0 or -1. */
static int parse_time(int64_t *out, const char *s, int64_t now)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = (s[0] == '+' || s[0] == '-') ? now + v : v;
    return 0;
}

/* Fills o from argv. Returns 0, or 2 on a usage error. */
static int mint_parse(struct mint_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"email", required_argument, NULL, 'e'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"sub", required_argument, NULL, 's'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"groups", required_argument, NULL, 'g'},
                                             {"workspaces", required_argument, NULL, 'w'},
                                             {"roles", required_argument, NULL, 'O'},
                                             {"v2", no_argument, NULL, '2'},
                                             {"purpose", required_argument, NULL, 'P'},
                                             {"expired", no_argument, NULL, 'E'},
                                             {"revoked", no_argument, NULL, 'R'},
                                             {"other-key", no_argument, NULL, 'K'},
                                             {"pair", no_argument, NULL, 'X'},
                                             {"sid", required_argument, NULL, 'S'},
                                             {"refresh-at", required_argument, NULL, 'F'},
                                             {"login-at", required_argument, NULL, 'L'},
                                             {"v1", no_argument, NULL, '1'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:u:e:n:s:p:g:w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'u': o->id.username = optarg; break;
        case 'e': o->id.email = optarg; break;
        case 'n': o->id.name = optarg; break;
        case 's': o->id.subject = optarg; break;
        case 'p': o->id.provider = optarg; break;
        case 'g': o->id.groups = optarg; break;
        case 'w': o->id.workspaces = optarg; break;
        case 'O': o->id.roles = optarg; break;
        case '2': o->v2 = true; break;
        case 'P': o->purpose = optarg; break;
        case 'E': o->expired = true; break;
        case 'R': o->revoked = true; break;
        case 'K': o->other_key = true; break;
        case 'X': o->pair = true; break;
        case 'S':
            if (parse_hex16(o->id.sid, optarg) != 0)
                return 2;
            o->has_sid = true;
            break;
        case 'F': o->refresh_at = optarg; break;
        case 'L': o->login_at = optarg; break;
        case '1': o->v1 = true; break;
        case 'h': mint_usage(stdout); exit(0);
        default: return 2;
        }
    }
    if (!o->config || optind != argc || (o->expired && o->revoked))
        return 2;
    return 0;
}

/* The version-2 fields: as the program sets them at sign-in, unless given. */
static int mint_lifecycle(struct mint_opts *o, const struct oa_config *cfg, int64_t now)
{
    int64_t ra = cfg->session.refresh_after;

    o->id.refresh_at = ra > 0 && o->id.iat + ra < o->id.exp ? o->id.iat + ra : o->id.exp;
    o->id.login_at = o->id.iat;
    if (o->refresh_at && parse_time(&o->id.refresh_at, o->refresh_at, now) != 0) {
        fputs("mint_cookie: --refresh-at: epoch seconds or +N/-N\n", stderr);
        return 1;
    }
    if (o->login_at && parse_time(&o->id.login_at, o->login_at, now) != 0) {
        fputs("mint_cookie: --login-at: epoch seconds or +N/-N\n", stderr);
        return 1;
    }
    if (!o->has_sid)
        oa_random_bytes(o->id.sid, sizeof(o->id.sid));
    oa_session_keys(&o->id);
    return 0;
}

/* Sets the identity's defaults from the config and its times from the
 * options. Returns 0, or 1 when --revoked has no not_before to precede. */
static int mint_times(struct mint_opts *o, const struct oa_config *cfg)
{
    int64_t now = (int64_t)time(NULL);
    int64_t life = cfg->session.lifetime > 0 ? cfg->session.lifetime : 3600;

    if (!o->id.provider)
        o->id.provider = cfg->nproviders ? cfg->providers[0].name : "test";
    if (!o->id.issuer)
        o->id.issuer = "https://issuer.test";
    if (!o->id.username)
        o->id.username = "alice";
    if (!o->id.subject)
        o->id.subject = o->id.username;
    o->id.iat = now;
    o->id.exp = now + life;
    if (o->expired) {
        o->id.iat = now - life - 120;
        o->id.exp = now - 60;
    } else if (o->revoked) {
        if (cfg->session.not_before <= 0) {
            fputs("mint_cookie: --revoked needs session.not_before in the config\n", stderr);
            return 1;
        }
        o->id.iat = cfg->session.not_before - 60;
    }
    return mint_lifecycle(o, cfg, now);
}

/* Seals the identity and prints it. Returns 0 or 1. */
static int mint_print(const struct mint_opts *o, const struct oa_config *cfg)
{
    static unsigned char plain[OA_SESSION_PLAIN_MAX];
    static char sealed[OA_SESSION_CHUNKS_MAX * OA_COOKIE_CHUNK_MAX + 1];
    struct oa_keyring other = {0};
    const struct oa_keyring *kr = &cfg->keys;
    struct oa_identity id = o->id;
    size_t plen = 0, slen = 0;
    enum oa_err e;

    if (o->v1 || o->v2)
        id.roles = NULL; /* versions 1 and 2 have none */
    e = oa_session_encode(plain, sizeof(plain), &plen, &id);
    if (e != OA_OK) {
        fprintf(stderr, "mint_cookie: encode: %s\n", oa_strerror(e));
        return 1;
    }
    if (o->v1 || o->v2) { /* version 2 is version 3 without roles (last, empty) */
        plen -= 2;
        plain[0] = 2;
    }
    if (o->v1) { /* version 1 is version 2 without the lifecycle's 80 bytes */
        memmove(plain + 17, plain + 17 + 80, plen - 17 - 80);
        plain[0] = 1;
        plen -= 80;
    }
    if (o->other_key) {
        if (oa_keyring_random(&other) != OA_OK) {
            fputs("mint_cookie: no random key\n", stderr);
            return 1;
        }
        kr = &other;
    }
    e = oa_seal(sealed, sizeof(sealed), &slen, plain, plen, o->purpose, kr);
    oa_keyring_wipe(&other);
    if (e != OA_OK) {
        fprintf(stderr, "mint_cookie: seal: %s\n", oa_strerror(e));
        return 1;
    }
    if (slen > OA_COOKIE_CHUNK_MAX) {
        fputs("mint_cookie: the identity is too large for one cookie\n", stderr);
        return 1;
    }
    if (o->pair)
        printf("%s=", cfg->session.cookie_full);
    printf("%s\n", sealed);
    return 0;
}

int main(int argc, char **argv)
{
    struct mint_opts o = {.purpose = "session"};
    struct oa_config *cfg = NULL;
    struct oa_error err;
    char msg[OA_ERROR_FILE_MAX + OA_ERROR_MSG_MAX + 32];
    int rc;

    if (mint_parse(&o, argc, argv) != 0) {
        mint_usage(stderr);
        return 2;
    }
    oa_error_clear(&err);
    if (oa_crypto_init() != OA_OK) {
        fputs("mint_cookie: crypto init failed\n", stderr);
        return 1;
    }
    if (oa_config_load(&cfg, o.config, &err) != OA_OK) {
        oa_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "mint_cookie: %s\n", msg);
        return 1;
    }
    rc = mint_times(&o, cfg);
    if (rc == 0)
        rc = mint_print(&o, cfg);
    oa_config_free(cfg);
    return rc;
}
