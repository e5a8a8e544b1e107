/*
 * slotbook-server: an HTTP front for one slotbook engine with a journal.
 * The contract is API.md; the JSON side (fields, handlers) is api.c; this
 * file is the transport and the process: options, the data directory and
 * its code key, libmicrohttpd, the static pages, the expiry thread and a
 * clean stop on SIGINT/SIGTERM.
 *
 * Threads.  libmicrohttpd runs one thread per connection
 * (MHD_USE_THREAD_PER_CONNECTION): in SB_DURABLE_SYNC a changing call
 * blocks until the journal's fdatasync carries its record, and requests in
 * flight on other connections share that flush (group commit), so blocking
 * handlers are what make the journal fast.  A background thread calls
 * sb_expire every --expire-ms.  The main thread blocks SIGINT and SIGTERM
 * before any other thread starts (they inherit the mask) and waits for them
 * with sigwait(): the stop then runs in plain code, not in a signal handler.
 *
 * A request.  The first call of the access handler sees only the headers:
 * the path, the method, the bearer token and a declared Content-Length are
 * judged there, so an unknown path, a wrong method, a missing token or a
 * body declared too large are refused before any body is read.  The body is
 * then gathered into the connection's fixed API_BODY_MAX buffer (a chunked
 * body that grows past it answers 413 too) and handled on the last call.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "api.h"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#ifndef SERVER_STATIC_DIR
#define SERVER_STATIC_DIR "static"
#endif

#define KEY_SIZE 32   /* sb_options.code_key */
#define TOKEN_MAX 256 /* a longer --token is refused */
#define STATIC_NAME_MAX 128
#define DISCARD_MAX (1u << 20) /* body bytes read before a too large one is cut off */

/* Connections served at once, each on a thread of its own (a blocking
 * durable call holds one); libmicrohttpd refuses more at the listener. */
#define CONNECTIONS_MAX 512u
/* The command line (API.md, "Command line"). */
typedef struct config {
    const char *bind;
    unsigned port;
    const char *data;
    int durable;
    const char *token;
    uint32_t locations, days, people, hold_ms, expire_ms;
    int32_t first_day;
    const char *static_dir;
} config;

/* What every connection thread reads; fixed once the daemon runs. */
typedef struct server {
    api api;
    const char *static_dir;
    uint8_t token_hash[crypto_generichash_BYTES]; /* BLAKE2b of the token */
} server;

/* One request's state, from the first call of the handler to completion. */
typedef struct request {
    const api_route *route; /* NULL: a page or a static file */
    bool refused;           /* the headers ruled the request out: */
    unsigned refusal_http;  /* its HTTP status, */
    const char *refusal;    /* status name */
    const char *why;        /* and sentence (static strings) */
    const char *allow;      /* the Allow header of a 405 */
    bool answered;          /* a response is queued */
    bool too_large;
    uint64_t received; /* body bytes, kept or dropped */
    size_t len;
    char body[API_BODY_MAX];
} request;

/* ---- responses ---- */

/* Always answered when jansson cannot allocate. */
static char oom_json[] = "{\"ok\":false,\"status\":\"SB_NOMEM\",\"error\":\"out of memory\"}";

static void
common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

/* Queues reply (consumed) as the connection's JSON answer. */
static mhd_result
send_json(struct MHD_Connection *c, api_reply reply, const char *allow)
{
    char *text = reply.body != NULL ? json_dumps(reply.body, JSON_COMPACT) : NULL;
    json_decref(reply.body);
    unsigned http = reply.http;
    struct MHD_Response *resp;
    if (text == NULL) {
        http = 503;
        resp = MHD_create_response_from_buffer(strlen(oom_json), oom_json, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
        if (resp == NULL) {
            free(text);
        }
    }
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    common_headers(resp);
    if (http == 401) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"slotbook desk\"");
    }
    if (http == 405 && allow != NULL) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    }
    mhd_result ret = MHD_queue_response(c, http, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- static pages ---- */

/* The file a page path names: "/" and "/desk" are the two pages, and
 * "/static/NAME" any file of the static directory.  False if none. */
static bool
static_name(const char *url, const char **name)
{
    if (strcmp(url, "/") == 0) {
        *name = "planner.html";
    } else if (strcmp(url, "/desk") == 0) {
        *name = "desk.html";
    } else if (strncmp(url, "/static/", 8) == 0) {
        *name = url + 8;
    } else {
        return false;
    }
    return true;
}

/* Letters, digits, '-', '_' and '.', never "..": no way out of the
 * directory (libmicrohttpd has decoded %2F and %2E by now). */
static bool
static_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > STATIC_NAME_MAX || strstr(name, "..") != NULL) {
        return false;
    }
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static const char *
content_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i][0]) == 0) {
            return types[i][1];
        }
    }
    return "application/octet-stream";
}

static mhd_result
serve_file(const server *s, struct MHD_Connection *c, const char *name)
{
    char path[PATH_MAX];
    int fd = -1;
    struct stat st;
    if (static_name_ok(name) &&
        snprintf(path, sizeof path, "%s/%s", s->static_dir, name) < (int)sizeof path) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        return send_json(c, api_error(404, "not_found", "no such page or file"), NULL);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
    if (resp == NULL) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(name));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    common_headers(resp);
    mhd_result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- requests ---- */

/* True when the request carries "Authorization: Bearer TOKEN" with the
 * server's token.  Both sides are hashed to 32 bytes and compared with
 * crypto_verify_32, so the time taken says nothing about the token, not
 * even its length. */
static bool
authorized(const server *s, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return false;
    }
    const char *t = h + 7;
    t += strspn(t, " ");
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ') {
        n--;
    }
    uint8_t hash[crypto_generichash_BYTES];
    crypto_generichash(hash, sizeof hash, (const uint8_t *)t, n, NULL, 0);
    return crypto_verify_32(hash, s->token_hash) == 0;
}

/* The declared Content-Length is over the limit. */
static bool
declared_too_large(struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v == NULL) {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    return errno != 0 || n > API_BODY_MAX;
}

static void
refuse(request *r, unsigned http, const char *status, const char *why)
{
    r->refused = true;
    r->refusal_http = http;
    r->refusal = status;
    r->why = why;
}

/* Judges the headers: records a refusal when the path, the method, the
 * token or the declared length rules the request out. */
static void
judge(const server *s, struct MHD_Connection *c, const char *url, const char *method, request *r)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    const char *name;
    r->route = api_route_find(url);
    bool want_get = r->route == NULL || api_route_method(r->route) == API_GET;
    if (r->route == NULL && !static_name(url, &name)) {
        refuse(r, 404, "not_found", "no such path (see API.md)");
    } else if (want_get ? !get : !post) {
        r->allow = want_get ? "GET, HEAD" : "POST";
        refuse(r, 405, "method_not_allowed",
               want_get ? "this path takes GET" : "this path takes POST");
    } else if (r->route != NULL && api_route_privileged(r->route) && !authorized(s, c)) {
        refuse(r, 401, "unauthorized",
               "this path needs the header \"Authorization: Bearer TOKEN\"");
    } else if (declared_too_large(c)) {
        refuse(r, 413, "too_large", "the body is larger than 4096 bytes");
    }
}

static mhd_result
send_refusal(struct MHD_Connection *c, const request *r)
{
    return send_json(c, api_error(r->refusal_http, r->refusal, r->why), r->allow);
}

static api_reply
too_large(void)
{
    return api_error(413, "too_large", "the body is larger than 4096 bytes");
}

static void
take_body(request *r, const char *data, size_t size)
{
    if (r->too_large || size > API_BODY_MAX - r->len) {
        r->too_large = true;
        return;
    }
    memcpy(r->body + r->len, data, size);
    r->len += size;
}

/* A query argument; NULL when absent or when it holds a NUL byte (%00),
 * which a C string would silently cut short. */
static const char *
query_value(void *ctx, const char *key)
{
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v, &n) !=
            MHD_YES ||
        v == NULL || strlen(v) != n) {
        return NULL;
    }
    return v;
}

/* The last call: the body is complete. */
static mhd_result
respond(const server *s, struct MHD_Connection *c, const char *url, request *r)
{
    if (r->refused) {
        return send_refusal(c, r);
    }
    if (r->too_large) {
        return send_json(c, too_large(), NULL);
    }
    if (r->route != NULL) {
        return send_json(c, api_call(&s->api, r->route, r->body, r->len, query_value, c), NULL);
    }
    const char *name = "";
    static_name(url, &name);
    return serve_file(s, c, name);
}

static mhd_result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    const server *s = cls;
    request *r = *con_cls;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL) {
            return MHD_NO;
        }
        *con_cls = r;
        judge(s, c, url, method, r);
        /* A refusal goes out before the body is read when libmicrohttpd
         * takes it now; else on the last call. */
        r->answered = r->refused && send_refusal(c, r) == MHD_YES;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        r->received += *upload_data_size;
        if (!r->refused && !r->answered) {
            take_body(r, upload_data, *upload_data_size);
            /* A chunked body past the limit: answer 413 now if
             * libmicrohttpd takes it, rather than read on to the end. */
            r->answered = r->too_large && send_json(c, too_large(), NULL) == MHD_YES;
        }
        *upload_data_size = 0;
        /* Else it is read and dropped up to DISCARD_MAX, then the
         * connection is cut: nobody streams into a thread for ever. */
        return r->received <= DISCARD_MAX ? MHD_YES : MHD_NO;
    }
    return r->answered ? MHD_YES : respond(s, c, url, r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request *r = *con_cls;
    if (r != NULL) {
        free(r);
        *con_cls = NULL;
    }
}

/* ---- the expiry thread ---- */

typedef struct expirer {
    sb_engine *engine;
    uint32_t every_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    bool stop;
    pthread_t thread;
} expirer;

static void *
expire_loop(void *arg)
{
    expirer *x = arg;
    pthread_mutex_lock(&x->mu);
    while (!x->stop) {
        pthread_mutex_unlock(&x->mu);
        sb_expire(x->engine);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += x->every_ms / 1000;
        until.tv_nsec += (long)(x->every_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&x->mu);
        while (!x->stop && pthread_cond_timedwait(&x->cv, &x->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

static bool
expirer_start(expirer *x, sb_engine *e, uint32_t every_ms)
{
    x->engine = e;
    x->every_ms = every_ms;
    x->stop = false;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&x->mu, NULL);
    return pthread_create(&x->thread, NULL, expire_loop, x) == 0;
}

static void
expirer_stop(expirer *x)
{
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->thread, NULL);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
}

/* ---- the command line ---- */

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: slotbook-server [--bind ADDR] [--port N] [--data DIR] [--durable sync|batch]\n"
            "                       [--token TOKEN] [--locations N] [--first-day YYYY-MM-DD]\n"
            "                       [--days N] [--people N] [--static DIR] [--expire-ms N]\n"
            "                       [--hold-ms N]\n"
            "The desk/admin token may also come from the environment (SLOTBOOK_TOKEN);\n"
            "without either a random one is made.  See examples/booking-server/API.md.\n");
}

/* A decimal number lo .. hi (digits only, no sign or spaces). */
static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* "YYYY-MM-DD" with a year 0000 .. 9999. */
static bool
parse_day(const char *s, int32_t *out)
{
    unsigned y, m, d;
    int n = 0;
    if (strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10) {
        return false;
    }
    *out = sb_day_from_civil((int)y, m, d);
    return *out != INT32_MIN;
}

/* A token of 1 .. TOKEN_MAX visible ASCII characters (no spaces: it goes
 * into a header and a printed line). */
static bool
token_ok(const char *t)
{
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++) {
        if (t[i] < 0x21 || t[i] > 0x7e) {
            return false;
        }
    }
    return n >= 1 && n <= TOKEN_MAX;
}

static bool
bad_option(const char *name, const char *value, const char *what)
{
    fprintf(stderr, "slotbook-server: --%s %s: %s\n", name, value, what);
    return false;
}

/* The numeric options, each with its range (the engine's limits). */
static bool
apply_number(config *cfg, const char *name, const char *v)
{
    static const struct {
        const char *name;
        size_t offset;
        uint32_t lo, hi;
    } numbers[] = {
        {"locations", offsetof(config, locations), 1, 65536},
        {"days", offsetof(config, days), 1, 36600},
        {"people", offsetof(config, people), 1, 1u << 24},
        {"hold-ms", offsetof(config, hold_ms), 1, INT32_MAX},
        {"expire-ms", offsetof(config, expire_ms), 1, 3600000},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (strcmp(name, numbers[i].name) == 0) {
            uint32_t *field = (uint32_t *)(void *)((char *)cfg + numbers[i].offset);
            if (!parse_u32(v, numbers[i].lo, numbers[i].hi, field)) {
                char what[64];
                snprintf(what, sizeof what, "must be %" PRIu32 " .. %" PRIu32, numbers[i].lo,
                         numbers[i].hi);
                return bad_option(name, v, what);
            }
            return true;
        }
    }
    return bad_option(name, v, "unknown option");
}

/* Applies one option; false (after a message) when its value is bad. */
static bool
apply_option(config *cfg, const char *name, const char *v)
{
    uint32_t port;
    if (strcmp(name, "bind") == 0) {
        cfg->bind = v;
    } else if (strcmp(name, "port") == 0) {
        if (!parse_u32(v, 0, 65535, &port)) {
            return bad_option(name, v, "must be 0 .. 65535");
        }
        cfg->port = port;
    } else if (strcmp(name, "data") == 0) {
        cfg->data = v;
    } else if (strcmp(name, "durable") == 0) {
        if (strcmp(v, "sync") != 0 && strcmp(v, "batch") != 0) {
            return bad_option(name, v, "must be sync or batch");
        }
        cfg->durable = strcmp(v, "sync") == 0 ? SB_DURABLE_SYNC : SB_DURABLE_BATCH;
    } else if (strcmp(name, "token") == 0) {
        if (!token_ok(v)) {
            return bad_option(name, "...", "must be 1 .. 256 visible ASCII characters");
        }
        cfg->token = v;
    } else if (strcmp(name, "first-day") == 0) {
        if (!parse_day(v, &cfg->first_day)) {
            return bad_option(name, v, "must be a date YYYY-MM-DD");
        }
    } else if (strcmp(name, "static") == 0) {
        cfg->static_dir = v;
    } else {
        return apply_number(cfg, name, v);
    }
    return true;
}

/* Reads the command line into cfg (defaults first).  0: go on; 1: exit 0
 * (--help); 2: a usage error, reported. */
static int
parse_args(int argc, char **argv, config *cfg)
{
    *cfg = (config){.bind = "127.0.0.1",
                    .port = 8080,
                    .data = "./slotbook-data",
                    .durable = SB_DURABLE_SYNC,
                    .token = getenv("SLOTBOOK_TOKEN"),
                    .locations = 7,
                    .days = 120,
                    .people = 1u << 20,
                    .hold_ms = 600000,
                    .expire_ms = 1000,
                    .first_day = sb_day_from_civil(2022, 9, 1),
                    .static_dir = SERVER_STATIC_DIR};
    static const struct option longs[] = {
        {"bind", required_argument, NULL, 0},      {"port", required_argument, NULL, 0},
        {"data", required_argument, NULL, 0},      {"durable", required_argument, NULL, 0},
        {"token", required_argument, NULL, 0},     {"locations", required_argument, NULL, 0},
        {"first-day", required_argument, NULL, 0}, {"days", required_argument, NULL, 0},
        {"people", required_argument, NULL, 0},    {"static", required_argument, NULL, 0},
        {"expire-ms", required_argument, NULL, 0}, {"hold-ms", required_argument, NULL, 0},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int idx, ch;
    while ((ch = getopt_long(argc, argv, "h", longs, &idx)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return 1;
        }
        if (ch != 0 || !apply_option(cfg, longs[idx].name, optarg)) {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "slotbook-server: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (cfg->token != NULL && !token_ok(cfg->token)) {
        fprintf(stderr, "slotbook-server: SLOTBOOK_TOKEN must be 1 .. 256 visible ASCII "
                        "characters\n");
        return 2;
    }
    /* Dates are printed as YYYY-MM-DD: the horizon ends by 9999-12-31. */
    if ((int64_t)cfg->first_day + cfg->days - 1 > sb_day_from_civil(9999, 12, 31)) {
        fprintf(stderr, "slotbook-server: --first-day + --days pass 9999-12-31\n");
        return 2;
    }
    return 0;
}

/* ---- the data directory ---- */

/* mkdir -p dir (mode 0700 for what it makes). */
static bool
make_dir(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        fprintf(stderr, "slotbook-server: %s: path too long\n", dir);
        return false;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }
        char was = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "slotbook-server: mkdir %s: %s\n", path, strerror(errno));
            return false;
        }
        *p = was;
        if (was == '\0') {
            break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "slotbook-server: %s: not a directory\n", dir);
        return false;
    }
    return true;
}

/* Makes a new random key file (0600), flushed with its directory entry. */
static bool
create_key(const char *dir, const char *path)
{
    uint8_t key[KEY_SIZE];
    randombytes_buf(key, sizeof key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0;
    int err = errno;
    sodium_memzero(key, sizeof key);
    if (fd >= 0) {
        close(fd);
    }
    int dfd = ok ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    if (!ok) {
        fprintf(stderr, "slotbook-server: cannot create %s: %s\n", path, strerror(err));
        if (fd >= 0) {
            unlink(path);
        }
    }
    return ok;
}

/* Reads the 32-byte key file; refuses any other size. */
static bool
read_key(const char *path, uint8_t key[KEY_SIZE])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "slotbook-server: %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    bool ok = S_ISREG(st.st_mode) && st.st_size == KEY_SIZE &&
              read(fd, key, KEY_SIZE) == (ssize_t)KEY_SIZE;
    close(fd);
    if (!ok) {
        fprintf(stderr,
                "slotbook-server: %s must be a file of exactly %d bytes (it has %lld); refusing "
                "to start: the journal's codes need the key it was made with (restore that "
                "file, or start with another --data directory)\n",
                path, KEY_SIZE, (long long)st.st_size);
        return false;
    }
    if ((st.st_mode & 077) != 0) {
        fprintf(stderr, "slotbook-server: warning: %s is readable by others (chmod 600 it)\n",
                path);
    }
    return true;
}

/* The code key of the data directory, made on first start.  A journal
 * without its key is refused rather than given a new key it cannot use. */
static bool
load_key(const char *dir, uint8_t key[KEY_SIZE])
{
    char path[PATH_MAX], journal[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/code.key", dir) >= (int)sizeof path ||
        snprintf(journal, sizeof journal, "%s/journal", dir) >= (int)sizeof journal) {
        fprintf(stderr, "slotbook-server: %s: path too long\n", dir);
        return false;
    }
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        if (access(journal, F_OK) == 0) {
            fprintf(stderr,
                    "slotbook-server: %s exists but %s is missing: refusing to start "
                    "(restore the key file)\n",
                    journal, path);
            return false;
        }
        if (!create_key(dir, path)) {
            return false;
        }
    }
    return read_key(path, key);
}

/* ---- the engine, the daemon, the process ---- */

static sb_engine *
open_engine(const config *cfg, const uint8_t key[KEY_SIZE])
{
    char journal[PATH_MAX];
    snprintf(journal, sizeof journal, "%s/journal", cfg->data); /* length checked by load_key */
    sb_options o;
    sb_options_init(&o);
    o.max_locations = cfg->locations;
    o.first_day = cfg->first_day;
    o.days = cfg->days;
    o.windows_per_day = 1;
    o.max_people = cfg->people;
    o.hold_ms = cfg->hold_ms;
    memcpy(o.code_key, key, KEY_SIZE);
    o.journal = journal;
    o.durable = (uint8_t)cfg->durable;
    sb_engine *e = NULL;
    sb_status st = sb_open(&o, &e);
    sodium_memzero(o.code_key, sizeof o.code_key);
    if (st != SB_OK) {
        const char *why = sb_last_error();
        fprintf(stderr, "slotbook-server: sb_open: %s (%s)%s%s\n", sb_status_name(st),
                sb_status_str(st), why[0] != '\0' ? ": " : "", why);
        return NULL;
    }
    return e;
}

typedef union address {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} address;

/* Starts libmicrohttpd on --bind/--port; *port is the port it got. */
static struct MHD_Daemon *
start_daemon(server *s, const config *cfg, unsigned *port)
{
    address addr;
    memset(&addr, 0, sizeof addr);
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, cfg->bind, &addr.v4.sin_addr) == 1) {
        addr.v4.sin_family = AF_INET;
        addr.v4.sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->bind, &addr.v6.sin6_addr) == 1) {
        addr.v6.sin6_family = AF_INET6;
        addr.v6.sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        fprintf(stderr, "slotbook-server: --bind %s: not an IPv4 or IPv6 address\n", cfg->bind);
        return NULL;
    }
    /* poll(), not select(): no FD_SETSIZE ceiling on descriptors. */
    if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES) {
        flags |= MHD_USE_POLL;
    }
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_SOCK_ADDR,
                         &addr.sa, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_MAX,
                         MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "slotbook-server: cannot listen on %s port %u\n", cfg->bind, cfg->port);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info != NULL ? info->port : cfg->port;
    return d;
}

/* Serves until SIGINT or SIGTERM, then stops in order: no new requests
 * (libmicrohttpd waits for those running), no expiry, the engine (which
 * flushes the journal).  The exit status. */
static int
serve(server *s, const config *cfg)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts */
    signal(SIGPIPE, SIG_IGN);
    unsigned port;
    struct MHD_Daemon *d = start_daemon(s, cfg, &port);
    expirer x;
    if (d == NULL || !expirer_start(&x, s->api.engine, cfg->expire_ms)) {
        if (d != NULL) {
            fprintf(stderr, "slotbook-server: cannot start the expiry thread\n");
            MHD_stop_daemon(d);
        }
        sb_close(s->api.engine);
        return 1;
    }
    bool v6 = strchr(cfg->bind, ':') != NULL;
    printf("slotbook-server listening on http://%s%s%s:%u token=%s\n", v6 ? "[" : "", cfg->bind,
           v6 ? "]" : "", port, cfg->token);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    MHD_stop_daemon(d);
    expirer_stop(&x);
    sb_close(s->api.engine);
    return 0;
}

int
main(int argc, char **argv)
{
    config cfg;
    int rc = parse_args(argc, argv, &cfg);
    if (rc != 0) {
        return rc == 1 ? 0 : 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "slotbook-server: libsodium failed to start\n");
        return 1;
    }
    json_object_seed(0); /* once, before the connection threads */
    char made_token[2 * 16 + 1];
    if (cfg.token == NULL) {
        uint8_t raw[16];
        randombytes_buf(raw, sizeof raw);
        cfg.token = sodium_bin2hex(made_token, sizeof made_token, raw, sizeof raw);
    }
    uint8_t key[KEY_SIZE];
    if (!make_dir(cfg.data) || !load_key(cfg.data, key)) {
        return 1;
    }
    sb_engine *e = open_engine(&cfg, key);
    sodium_memzero(key, sizeof key);
    if (e == NULL) {
        return 1;
    }
    server s = {.api = {.engine = e,
                        .locations = cfg.locations,
                        .first_day = cfg.first_day,
                        .days = cfg.days},
                .static_dir = cfg.static_dir};
    crypto_generichash(s.token_hash, sizeof s.token_hash, (const uint8_t *)cfg.token,
                       strlen(cfg.token), NULL, 0);
    return serve(&s, &cfg);
}
