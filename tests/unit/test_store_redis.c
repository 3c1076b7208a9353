/* test_store_redis.c - the Redis store (fcgi/store_redis*.c, DESIGN.md
 * section 14.6): its URL and entry texts; against a real redis-server
 * started here (127.0.0.1, a free port; skipped with the reason when there
 * is none): a write is a key with its expiry and a message, a process
 * loads what was there before it started and gets what is written after
 * within a second, garbage keys and messages are dropped, Redis killed
 * and started again empty: the status says unreachable, then connected,
 * one log line each, nothing taken away, the next write arrives; against
 * tests/unit/fake_redis.py (garbage, a reply cut short, silence, wrong
 * types): a write fails with the reason in about a second, nothing is
 * added, the thread stops promptly. What the store hands to the list is
 * counted by wrapping oa_revocation_add (-Wl,--wrap). */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "oa/endpoints.h"
#include "oa/response.h"
#include "store_redis.h"
#include "tap.h"

/* ---- what the store adds to the list ---- */

/* The distinct entries added, and how many times each (a sync adds
 * again what it reads: the list merges). */
#define SEEN_MAX 64
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct oa_rev_entry seen[SEEN_MAX];
static size_t seen_adds[SEEN_MAX];
static size_t nseen;

enum oa_err __real_oa_revocation_add(const struct oa_rev_entry *e);
enum oa_err __wrap_oa_revocation_add(const struct oa_rev_entry *e);

static bool same_entry(const struct oa_rev_entry *a, const struct oa_rev_entry *b)
{
    return !memcmp(a->key, b->key, OA_REV_KEY_BYTES) && a->cutoff == b->cutoff &&
           a->expiry == b->expiry;
}

enum oa_err __wrap_oa_revocation_add(const struct oa_rev_entry *e)
{
    size_t i;

    pthread_mutex_lock(&seen_mu);
    for (i = 0; i < nseen && !same_entry(&seen[i], e); i++)
        ;
    if (i == nseen && nseen < SEEN_MAX)
        seen[nseen++] = *e;
    if (i < nseen)
        seen_adds[i]++;
    pthread_mutex_unlock(&seen_mu);
    return __real_oa_revocation_add(e);
}

static struct oa_rev_entry entry(unsigned char fill, int64_t cutoff, int64_t expiry)
{
    struct oa_rev_entry e;

    memset(e.key, fill, sizeof(e.key));
    e.key[0] = 0xa5;
    e.cutoff = cutoff;
    e.expiry = expiry;
    return e;
}

/* ---- texts: no server needed ---- */

static void test_url(void)
{
    static const char *const bad[] = {"",
                                      "redis:/",
                                      "http://h:1/0",
                                      "redis://",
                                      "redis://:6379/0",
                                      "redis://h:0/0",
                                      "redis://h:65536/0",
                                      "redis://h:x/0",
                                      "redis://h:1/16",
                                      "redis://h:1/-1",
                                      "redis://u:p@h:1/0",
                                      "redis://h:1/0?x=1",
                                      "redis://h_1:1/0",
                                      "redis://-h:1/0",
                                      "redis://h:1/0/1",
                                      "redis://h:99999999999999999999999/0"};
    struct oa_redis_addr a;
    struct oa_error err;
    char name[300];

    ok(oa_redis_addr_parse(&a, "redis://10.0.0.7:6380/3", &err) == OA_OK && a.port == 6380 &&
           a.db == 3 && !strcmp(a.host, "10.0.0.7"),
       "redis://IP:PORT/DB parses");
    ok(oa_redis_addr_parse(&a, "redis://cache.example.net:6379/0", &err) == OA_OK &&
           a.port == 6379 && a.db == 0,
       "redis://NAME:PORT/DB parses");
    oa_redis_addr_name(&a, name, sizeof(name));
    is_str(name, "redis://cache.example.net:6379/0", "the name shown is the URL");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        oa_error_clear(&err);
        ok(oa_redis_addr_parse(&a, bad[i], &err) == OA_ERR_CONFIG &&
               strstr(err.msg, "session.store") && strstr(err.msg, "redis://HOST:PORT/DB"),
           "'%s' is a config error saying the form (%s)", bad[i], err.msg);
    }
}

static void test_entry_text(void)
{
    static const char *const bad[] = {"",
                                      "a5",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1 2 3",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a 1 2",
                                      "g5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1 2",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 -1 2",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5  1 2",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1 2\n",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1 99999999999999999999",
                                      "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 1 x"};
    struct oa_rev_entry e = entry(0x3c, 1700000000, INT64_MAX), back;
    char text[96];

    oa_redis_entry_format(&e, text, sizeof(text));
    is_str(text, "a53c3c3c3c3c3c3c3c3c3c3c3c3c3c3c 1700000000 9223372036854775807",
           "an entry's text: 32 hex, cutoff, expiry");
    ok(oa_redis_entry_parse(&back, text, strlen(text)) && !memcmp(&back.key, &e.key, 16) &&
           back.cutoff == e.cutoff && back.expiry == e.expiry,
       "and back");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(!oa_redis_entry_parse(&back, bad[i], strlen(bad[i])), "'%.*s'%s is not an entry",
           (int)strcspn(bad[i], "\n"), bad[i], strchr(bad[i], '\n') ? " (and a newline)" : "");
    ok(oa_redis_key_parse(&back, text, 32, text + 33, strlen(text + 33)) &&
           back.expiry == INT64_MAX,
       "a key's hex and its value parse");
    ok(!oa_redis_key_parse(&back, text, 31, text + 33, strlen(text + 33)), "a short key does not");
}

#ifndef HAVE_HIREDIS
int main(void)
{
    char url[] = "redis://127.0.0.1:6379/0";
    struct oa_rev_entry e = entry(1, 1, 2);
    struct oa_error err;

    test_url();
    test_entry_text();
    ok(oa_store_redis_config(url, &err) == OA_ERR_CONFIG &&
           strstr(err.msg, "built without Redis support"),
       "without hiredis, session.store is a config error: %s", err.msg);
    ok(oa_store_redis_start(url, &err) == OA_ERR_CONFIG &&
           strstr(err.msg, "built without Redis support"),
       "... and the store does not start");
    ok(oa_store_redis_write(url, &e, &err) != OA_OK, "and nothing is written");
    return tap_done();
}
#else

/* How many times the store added exactly e. */
static size_t seen_count(const struct oa_rev_entry *e)
{
    size_t n = 0;

    pthread_mutex_lock(&seen_mu);
    for (size_t i = 0; i < nseen; i++)
        if (same_entry(&seen[i], e))
            n = seen_adds[i];
    pthread_mutex_unlock(&seen_mu);
    return n;
}

static int64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* How many distinct entries the store added. */
static size_t seen_total(void)
{
    size_t n;

    pthread_mutex_lock(&seen_mu);
    n = nseen;
    pthread_mutex_unlock(&seen_mu);
    return n;
}

/* Waits up to ms for seen_count(e) >= n; the milliseconds it took, or -1. */
static long wait_seen(const struct oa_rev_entry *e, size_t n, long ms)
{
    int64_t t0 = ms_now();

    while (ms_now() - t0 < ms) {
        if (seen_count(e) >= n)
            return (long)(ms_now() - t0);
        sleep_ms(20);
    }
    return -1;
}

static char tmpdir[] = "/tmp/oa-test-redis-XXXXXX";
static char logpath[300];

static size_t log_count(const char *needle)
{
    static char text[256 * 1024];
    FILE *f = fopen(logpath, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0, c = 0;

    if (f)
        fclose(f);
    text[n] = '\0';
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        c++;
    return c;
}

/* ---- servers ---- */

static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[512];

    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

static pid_t redis_pid;
static int redis_port;

static pid_t redis_start(void)
{
    char port[16];
    pid_t pid;

    snprintf(port, sizeof(port), "%d", redis_port);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir",
               tmpdir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel",
               "warning", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void redis_kill(void)
{
    if (redis_pid > 0) {
        kill(redis_pid, SIGKILL);
        waitpid(redis_pid, NULL, 0);
    }
    redis_pid = 0;
}

/* redis-cli -p PORT -n 3 ARGS: its first line of output into out. */
static bool cli(char *out, size_t cap, const char *args)
{
    char cmd[512];
    FILE *p;
    bool got;

    snprintf(cmd, sizeof(cmd), "redis-cli -h 127.0.0.1 -p %d -n 3 %s 2>&1", redis_port, args);
    if (!(p = popen(cmd, "r")))
        return false;
    got = fgets(out, (int)cap, p) != NULL;
    pclose(p);
    if (got)
        out[strcspn(out, "\n")] = '\0';
    return got;
}

/* Polls the status until it says want (and returns true), up to ms. */
static bool wait_status(const char *want, long ms, char *last, size_t cap)
{
    int64_t t0 = ms_now();

    do {
        struct oa_buf b;
        char *s;

        oa_buf_init(&b, 1024);
        (void)oa_store_redis_status(&b);
        s = oa_buf_steal(&b);
        snprintf(last, cap, "%s", s ? s : "");
        free(s);
        if (strstr(last, want))
            return true;
        sleep_ms(50);
    } while (ms_now() - t0 < ms);
    return false;
}

/* GET /health with the Redis status as the edge's word: its status, and
 * its body into body. */
/* s with its newlines shown as '|' (a TAP line is one line). Static. */
static const char *oneline(const char *s)
{
    static char buf[1024];
    size_t i;

    for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
        buf[i] = s[i] == '\n' ? '|' : s[i];
    buf[i] = '\0';
    return buf;
}

static int health(char *body, size_t cap)
{
    struct oa_response r;
    int status;

    oa_response_init(&r);
    oa_endpoint_set_health(oa_store_redis_status);
    (void)oa_endpoint_health(&r);
    status = r.status;
    snprintf(body, cap, "%s", r.body.p ? r.body.p : "");
    oa_response_free(&r);
    oa_endpoint_set_health(NULL);
    return status;
}

static bool wait_ready(const char *url)
{
    for (int i = 0; i < 100; i++) {
        struct oa_buf b;
        bool up;

        oa_buf_init(&b, 1024);
        up = oa_store_redis_probe(url, &b);
        oa_buf_free(&b);
        if (up)
            return true;
        sleep_ms(50);
    }
    return false;
}

static void test_write(const char *url, const struct oa_rev_entry *e)
{
    char out[256], args[128], want[256];
    struct oa_error err;
    long ttl;

    oa_error_clear(&err);
    ok(oa_store_redis_write(url, e, &err) == OA_OK, "a write to a running Redis works (%s)",
       err.msg);
    oa_redis_entry_format(e, out, sizeof(out));
    snprintf(want, sizeof(want), "%s", out + 33);
    snprintf(args, sizeof(args), "GET " OA_REDIS_KEY_PREFIX "%.32s", out);
    ok(cli(out, sizeof(out), args) && !strcmp(out, want),
       "its key is in database 3 with '<cutoff> <expiry>' (%s)", out);
    oa_redis_entry_format(e, out, sizeof(out));
    snprintf(args, sizeof(args), "TTL " OA_REDIS_KEY_PREFIX "%.32s", out);
    ttl = cli(out, sizeof(out), args) ? strtol(out, NULL, 10) : -9;
    ok(ttl > 3500 && ttl <= 3600, "and Redis expires it at its expiry (TTL %ld)", ttl);
}

static void test_live(const char *url, int64_t now)
{
    struct oa_rev_entry before = entry(1, now, now + 3600), after = entry(2, now, now + 3600),
                        late = entry(3, now, now + 3600), junk_next = entry(4, now, now + 3600),
                        lost = entry(5, now, now + 3600);
    struct oa_error err;
    char out[512], args[200];
    long t;

    test_write(url, &before);
    ok(cli(out, sizeof(out), "SET " OA_REDIS_KEY_PREFIX "zz junk") &&
           cli(out, sizeof(out), "SET " OA_REDIS_KEY_PREFIX "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 x"),
       "two garbage keys set");
    is_int(health(out, sizeof(out)), 503, "before the store is read /health is 503: %s",
           oneline(out));
    ok(!strncmp(out, "unavailable\n", 12), "... saying unavailable first");
    oa_store_redis_set_resync_ms(400);
    ok(oa_store_redis_start(url, &err) == OA_OK, "the subscriber starts (%s)", err.msg);
    ok(wait_status(": connected, ", 3000, out, sizeof(out)), "the status says connected: %s", out);
    is_int(health(out, sizeof(out)), 200, "after it /health is 200: %s", oneline(out));
    ok(!strncmp(out, "ok\nstore redis://", 17), "... ok first, then the store's line");
    ok(wait_seen(&before, 1, 1000) >= 0, "an entry written before the start is loaded");
    is_int(seen_total(), 1, "and only it: the garbage keys are not entries");
    ok(wait_seen(&before, 3, 1500) >= 0,
       "the sync runs again and again (every 400 ms here): the entry merges");
    is_int(log_count("are not entries: ignored"), 1, "the garbage keys are logged once");
    oa_error_clear(&err);
    ok(oa_store_redis_write(url, &after, &err) == OA_OK, "a second write works");
    t = wait_seen(&after, 1, 1000);
    ok(t >= 0, "a write after the start arrives within a second (%ld ms)", t);
    ok(cli(out, sizeof(out), "PUBLISH oauth2-fcgi:3:revocations junk"),
       "a garbage message is published");
    ok(oa_store_redis_write(url, &junk_next, &err) == OA_OK && wait_seen(&junk_next, 1, 1000) >= 0,
       "the next message still arrives");
    is_int(seen_total(), 3, "the garbage message added nothing");
    is_int(log_count("a message that is not an entry"), 1, "and was logged once");

    /* a key set without its message (a message lost): the periodic sync
     * brings it in (the test runs it every 400 ms instead of 60 s) */
    oa_redis_entry_format(&lost, args, sizeof(args));
    {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "SET " OA_REDIS_KEY_PREFIX "%.32s \"%s\"", args, args + 33);
        ok(cli(out, sizeof(out), cmd) && !strcmp(out, "OK"), "a key set without a message");
    }
    t = wait_seen(&lost, 1, 2000);
    ok(t >= 0, "the periodic sync loads it (%ld ms)", t);
    redis_kill();
    ok(wait_status("unreachable since", 2000, out, sizeof(out)),
       "Redis killed: the status says unreachable since when and why: %s", out);
    {
        struct oa_buf b;
        oa_buf_init(&b, 512);
        ok(oa_store_redis_status(&b), "a list once loaded stays good for /health");
        oa_buf_free(&b);
    }
    oa_error_clear(&err);
    t = (long)ms_now();
    ok(oa_store_redis_write(url, &late, &err) == OA_ERR_IO &&
           strstr(err.msg, "store redis://127.0.0.1:") && strstr(err.msg, "not written"),
       "a write fails with the store and the reason: %s", err.msg);
    ok((long)ms_now() - t < 1500, "and in no more than the timeout");
    sleep_ms(700); /* several reconnect attempts: still one line */
    is_int(log_count("unreachable ("), 1, "one unreachable line for the outage");
    ok(log_count("keeping ") == 1, "which says the list is kept");
    redis_pid = redis_start();
    ok(wait_status(": connected, ", 6000, out, sizeof(out)),
       "Redis back (empty): connected again within the back-off: %s", out);
    is_int(log_count("reachable again"), 1, "one reachable-again line");
    is_int(seen_total(), 4, "the empty Redis added nothing");
    {
        size_t n, bytes;
        oa_revocation_stats(&n, &bytes);
        if (n == 0)
            printf("ok %d # SKIP the in-memory list is a stub in this build\n", ++tap_n);
        else
            is_int(n, 4, "and took nothing away from the list");
    }
    ok(oa_store_redis_write(url, &late, &err) == OA_OK && wait_seen(&late, 1, 1000) >= 0,
       "a write after the restart arrives");
    snprintf(args, sizeof(args), "PUBSUB NUMSUB oauth2-fcgi:3:revocations");
    t = (long)ms_now();
    oa_store_redis_stop();
    ok((long)ms_now() - t < 1500, "stop returns within the poll period (%ld ms)",
       (long)ms_now() - t);
    sleep_ms(100);
    {
        FILE *p;
        char cmd[300];
        long subs = -1;

        snprintf(cmd, sizeof(cmd), "redis-cli -h 127.0.0.1 -p %d %s | sed -n 2p", redis_port, args);
        if ((p = popen(cmd, "r"))) {
            if (fgets(out, sizeof(out), p))
                subs = strtol(out, NULL, 10);
            pclose(p);
        }
        is_int(subs, 0, "after stop no subscriber is left on the channel");
    }
    {
        size_t adds = seen_count(&late);
        struct oa_buf b;

        oa_store_redis_load_once(url);
        ok(seen_count(&late) == adds + 1, "CGI: one load on the calling thread reads every key");
        oa_buf_init(&b, 1024);
        ok(oa_store_redis_status(&b) && b.p && strstr(b.p, ": connected, "),
           "... and the status says connected (%s)", b.p ? b.p : "");
        oa_buf_free(&b);
        redis_kill();
        oa_store_redis_load_once(url);
        oa_buf_init(&b, 1024);
        ok(!oa_store_redis_status(&b) && b.p && strstr(b.p, "unreachable since"),
           "CGI with Redis down: not loaded, unreachable (%s)", b.p ? b.p : "");
        oa_buf_free(&b);
    }
}

/* ---- the misbehaving stand-in ---- */

/* Starts fake_redis.py mode; its port, or 0. *pid: to kill. */
static int fake_start(const char *mode, pid_t *pid)
{
    const char *top = getenv("top_srcdir");
    char script[512], line[32];
    int fds[2], port = 0;
    ssize_t n;

    snprintf(script, sizeof(script), "%s/tests/unit/fake_redis.py", top ? top : ".");
    if (pipe(fds) != 0)
        return 0;
    fflush(NULL);
    if ((*pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, mode, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    n = *pid > 0 ? read(fds[0], line, sizeof(line) - 1) : -1;
    close(fds[0]);
    if (n > 0) {
        line[n] = '\0';
        port = (int)strtol(line, NULL, 10);
    }
    return port;
}

static void test_fake(const char *mode, const char *why)
{
    char url[64], out[512];
    struct oa_rev_entry e = entry(9, 1, 4102444800);
    struct oa_error err;
    size_t before = seen_total();
    pid_t pid = 0;
    int port = fake_start(mode, &pid);
    long t;

    if (!port) {
        ok(0, "fake_redis.py %s starts", mode);
        goto out;
    }
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
    oa_error_clear(&err);
    t = (long)ms_now();
    ok(oa_store_redis_write(url, &e, &err) == OA_ERR_IO && strstr(err.msg, "not written") &&
           strstr(err.msg, why),
       "%s: a write fails saying why: %s", mode, err.msg);
    ok((long)ms_now() - t < 2500, "%s: in about the timeout (%ld ms)", mode, (long)ms_now() - t);
    ok(oa_store_redis_start(url, &err) == OA_OK, "%s: the subscriber starts", mode);
    ok(wait_status("unreachable since", 3000, out, sizeof(out)) && strstr(out, "not loaded yet") &&
           strstr(out, why),
       "%s: the status says unreachable, why and not loaded: %s", mode, out);
    {
        struct oa_buf b;
        oa_buf_init(&b, 512);
        ok(!oa_store_redis_status(&b), "%s: never loaded: /health is not ok", mode);
        oa_buf_free(&b);
    }
    sleep_ms(mode[0] == 's' ? 1200 : 300);
    t = (long)ms_now();
    oa_store_redis_stop();
    ok((long)ms_now() - t < 1600, "%s: stop returns promptly (%ld ms)", mode, (long)ms_now() - t);
    is_int(seen_total(), before, "%s: nothing was added", mode);
out:
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

int main(void)
{
    char url[64];
    struct oa_error err;

    test_url();
    test_entry_text();
    {
        char u1[] = "redis://127.0.0.1:6379/2", u2[] = "redis://127.0.0.1:6379/99";
        ok(oa_store_redis_config(u1, &err) == OA_OK, "a good URL is a usable store");
        ok(oa_store_redis_config(u2, &err) == OA_ERR_CONFIG && strstr(err.msg, "0-15"),
           "a bad one is a config error: %s", err.msg);
    }
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(logpath, sizeof(logpath), "%s/oa.log", tmpdir);
    oa_log_open(OA_LOG_FILE, OA_LOG_INFO);
    if (oa_log_open_file(logpath, &err) != OA_OK) {
        ok(0, "log file: %s", err.msg);
        return tap_done();
    }
    if (!in_path("redis-server") || !in_path("redis-cli")) {
        printf("ok %d # SKIP redis-server or redis-cli not installed (apt-get install "
               "redis-server)\n",
               ++tap_n);
    } else if (!(redis_port = free_port())) {
        ok(0, "a free port");
    } else {
        snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", redis_port);
        redis_pid = redis_start();
        if (!wait_ready(url))
            ok(0, "redis-server answers on port %d", redis_port);
        else
            test_live(url, (int64_t)time(NULL));
        redis_kill();
    }
    if (in_path("python3")) {
        test_fake("garbage", "Protocol error");
        test_fake("cut", "closed the connection");
        test_fake("silent", "no answer within 1 s");
        test_fake("wrong", "unexpected reply");
    }
    oa_log_close();
    unlink(logpath);
    rmdir(tmpdir);
    return tap_done();
}
#endif
