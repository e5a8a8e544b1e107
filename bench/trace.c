/*
 * Surge traces on disk (trace.h): the binary and the CSV encoding, and the
 * checks that keep a hostile or damaged file from crashing the replayer.
 *
 * Binary layout (".sbt"), all integers little-endian:
 *
 *   offset size  field
 *        0    8  magic "SBTRACE1"
 *        8    1  version = 3
 *        9    1  header size in bytes = 72
 *       10    2  windows (1..65535)
 *       12    4  count: records after the header (<= SB_TRACE_MAX_RECORDS)
 *       16    4  checksum: CRC-32 (IEEE 802.3 / zlib: reflected polynomial
 *                0xEDB88320, initial and final xor 0xFFFFFFFF) of the 64
 *                header bytes, this field read as zero, then of the records
 *       20    4  first_day (int32, days since 1970-01-01)
 *       24   16  scenario: printable non-space ASCII, NUL-terminated, zero
 *                after the NUL
 *       40    8  seed
 *       48    3  max_people - 1 (0..16,777,215 for 1..16,777,216 people)
 *       51    1  rules: max_changes (0..15) in bits 0..3, use_stock in bit 4,
 *                bits 5..7 zero
 *       52    4  hold_ms (1..2^31-1)
 *       56    4  release_delay_ms
 *       60    2  days (1..36,600)
 *       62    2  locations - 1 (0..65535 for 1..65,536 locations)
 *       64    4  max_families (0..16,777,216)
 *       68    4  max_waiting (locations * max_waiting <= 16,777,216)
 *       72       count records of 32 bytes: sb_trace_rec as in trace.h
 *
 * Every shape field of sb_trace_shape is there.  The fields of the first
 * 64 bytes are as narrow as their limits allow so that all of them, the
 * version, the header size and the checksum fit there; version 3 added the
 * families' and the waiting list's bounds after them.  Version 2 had a
 * 64-byte header (records from offset 64) and no families or waiting list;
 * version 1 had, besides, max_people in all four bytes 48..51 and no rules.
 * Both are still read: as max_changes = 0 and use_stock = 0 (version 1),
 * with the bounds of sb_trace_shape_auto(), and without the ops of version
 * 3.  The header is written byte by byte, independent of the host; the
 * records are written and read as they lie in memory, which is why this
 * file requires a little-endian host (static assertion below).
 *
 * The checksum covers the header as well as the records: CRC-32 detects
 * every error burst of up to 32 bits, so any single changed byte anywhere in
 * a file is refused.  No byte of the format is padding that may change.
 *
 * Reading never trusts a number before it is checked: the file size must
 * equal the header size + 32 * count (count checked against
 * SB_TRACE_MAX_RECORDS first) before anything is allocated; then magic,
 * version, header size, checksum, the shape's limits, every record
 * (sb_trace_check), every family's records together (a book_group followed
 * by exactly its members) and the time order of the records.  A CSV trace is read whole into one
 * buffer and split into lines in place: one allocation for the text and one for the records, sized
 * from the file's length, none per line.  Messages name the file, then the
 * record (counted from 0) or the line (counted from 1), then the problem.
 */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "trace.c reads and writes records as they lie in memory: it needs a little-endian host"
#endif

_Static_assert(offsetof(sb_trace_rec, t_ms) == 0 && offsetof(sb_trace_rec, bsn) == 8 &&
                   offsetof(sb_trace_rec, arg) == 12 && offsetof(sb_trace_rec, day) == 16 &&
                   offsetof(sb_trace_rec, location) == 20 && offsetof(sb_trace_rec, window) == 22 &&
                   offsetof(sb_trace_rec, op) == 24 && offsetof(sb_trace_rec, code) == 25 &&
                   offsetof(sb_trace_rec, reserved) == 26,
               "the on-disk record layout is the struct's");

#define HDR_SIZE 72u    /* version 3 */
#define HDR_SIZE_V2 64u /* versions 1 and 2 */
#define HDR_VERSION 3u
#define HDR_MAGIC "SBTRACE1"

enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 8,
    OFF_HDR_SIZE = 9,
    OFF_WINDOWS = 10,
    OFF_COUNT = 12,
    OFF_CRC = 16,
    OFF_FIRST_DAY = 20,
    OFF_SCENARIO = 24,
    OFF_SEED = 40,
    OFF_MAX_PEOPLE_M1 = 48, /* version 1: max_people itself, in 4 bytes */
    OFF_RULES = 51,
    OFF_HOLD_MS = 52,
    OFF_RELEASE_DELAY_MS = 56,
    OFF_DAYS = 60,
    OFF_LOCATIONS_M1 = 62,
    OFF_MAX_FAMILIES = 64, /* from version 3 on */
    OFF_MAX_WAITING = 68,
};
_Static_assert(OFF_LOCATIONS_M1 + 2 == HDR_SIZE_V2, "the first 64 bytes are full");
_Static_assert(OFF_MAX_WAITING + 4 == HDR_SIZE, "the header is exactly 72 bytes");

/* Shape limits (slotbook.h). */
#define MAX_LOCATIONS 65536u
#define MAX_DAYS 36600u
#define MAX_WINDOWS 65535u
#define MAX_PEOPLE (1u << 24)
#define MAX_HOLD_MS 0x7fffffffu
#define MAX_CHANGES 15u
#define MAX_BSN 999999999u
#define MAX_FAMILIES (1u << 24)
#define MAX_WAITING (1u << 24) /* entries over all locations */
#define FAMILY_MAX 6u          /* SB_FAMILY_MAX */
#define RULES_STOCK 0x10u

/* A CSV line, without its line ending, is at most this long. */
#define CSV_LINE_MAX 256
/* The header line, with every key at its widest, is longer. */
#define CSV_HEADER_MAX 384
#define CSV_COLUMNS "t_ms,op,bsn,location,day,window,code"
#define CSV_MAGIC "# slotbook-trace"

/* ----- messages ----- */

static void say(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* Copies up to len bytes of s into out[40] for a message: non-printable
 * bytes become '?', long text ends in "...". */
static const char *
shown(char out[40], const char *s, size_t len)
{
    size_t n = len < 32 ? len : 32;
    for (size_t i = 0; i < n; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* ----- ops ----- */

static const char *const op_names[TOP_COUNT] = {
    [TOP_RESERVE] = "reserve",       [TOP_CONFIRM] = "confirm",       [TOP_BOOK] = "book",
    [TOP_CANCEL] = "cancel",         [TOP_LOOKUP] = "lookup",         [TOP_VERIFY] = "verify",
    [TOP_REDEEM] = "redeem",         [TOP_RELEASE] = "release",       [TOP_OPEN] = "open",
    [TOP_CLOSE] = "close",           [TOP_SLOT_READ] = "slot_read",   [TOP_NEXT_FREE] = "next_free",
    [TOP_EXPIRE] = "expire",         [TOP_RESCHEDULE] = "reschedule", [TOP_STOCK] = "stock",
    [TOP_BOOK_GROUP] = "book_group", [TOP_MEMBER] = "member",         [TOP_WAIT] = "wait",
};

const char *
sb_trace_op_name(unsigned op)
{
    return op > 0 && op < TOP_COUNT ? op_names[op] : NULL;
}

unsigned
sb_trace_op_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (unsigned op = 1; op < TOP_COUNT; op++)
        if (strcmp(name, op_names[op]) == 0)
            return op;
    return 0;
}

void
sb_trace_shape_auto(sb_trace_shape *s)
{
    uint32_t fit = MAX_WAITING / (s->locations ? s->locations : 1);
    s->max_families = s->max_people / 4 > 0 ? s->max_people / 4 : 1;
    s->max_waiting = fit < 1024 ? fit : 1024;
}

/* The trace format version that brought op. */
static unsigned
op_version(unsigned op)
{
    return op >= TOP_BOOK_GROUP ? 3 : 1;
}

static bool
op_takes_slot(unsigned op)
{
    return op == TOP_RESERVE || op == TOP_BOOK || op == TOP_RELEASE || op == TOP_SLOT_READ ||
           op == TOP_RESCHEDULE || op == TOP_BOOK_GROUP;
}

static bool
op_takes_location(unsigned op)
{
    return op == TOP_OPEN || op == TOP_CLOSE || op == TOP_NEXT_FREE || op == TOP_STOCK ||
           op == TOP_WAIT;
}

static bool
op_is_person(unsigned op)
{
    return (op >= TOP_RESERVE && op <= TOP_REDEEM) || op == TOP_RESCHEDULE ||
           op == TOP_BOOK_GROUP || op == TOP_MEMBER || op == TOP_WAIT;
}

/* The CSV prefix of an op that carries a number in arg; NULL for the rest. */
static const char *
op_count(unsigned op)
{
    switch (op) {
    case TOP_RELEASE:
        return "places:";
    case TOP_STOCK:
        return "stickers:";
    case TOP_BOOK_GROUP:
        return "family:";
    case TOP_WAIT:
        return "until:"; /* the last day, day + arg */
    default:
        return NULL;
    }
}

static bool
op_presents_code(unsigned op)
{
    return op == TOP_VERIFY || op == TOP_REDEEM;
}

/* ----- checks ----- */

static int
shape_check(const sb_trace_shape *s, char *err, size_t err_size)
{
    const char *nul = memchr(s->scenario, '\0', sizeof s->scenario);
    if (nul == NULL) {
        say(err, err_size, "the scenario name is not NUL-terminated within 16 bytes.");
        return -1;
    }
    for (const char *c = s->scenario; c < nul; c++) {
        if (*c <= 0x20 || *c >= 0x7f) {
            say(err, err_size, "the scenario name has byte 0x%02x, not printable non-space ASCII.",
                (unsigned char)*c);
            return -1;
        }
    }
    struct {
        const char *name;
        uint64_t value, lo, hi;
    } limits[] = {
        {"locations", s->locations, 1, MAX_LOCATIONS},
        {"days", s->days, 1, MAX_DAYS},
        {"windows", s->windows, 1, MAX_WINDOWS},
        {"max_people", s->max_people, 1, MAX_PEOPLE},
        {"hold_ms", s->hold_ms, 1, MAX_HOLD_MS},
        {"max_changes", s->max_changes, 0, MAX_CHANGES},
        {"use_stock", s->use_stock, 0, 1},
        {"max_families", s->max_families, 0, MAX_FAMILIES},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (limits[i].value < limits[i].lo || limits[i].value > limits[i].hi) {
            say(err, err_size, "%s = %" PRIu64 " is outside %" PRIu64 "..%" PRIu64 ".",
                limits[i].name, limits[i].value, limits[i].lo, limits[i].hi);
            return -1;
        }
    }
    if ((uint64_t)s->locations * s->max_waiting > MAX_WAITING) {
        say(err, err_size,
            "max_waiting = %" PRIu32 " at %" PRIu32 " locations passes %u waiting places.",
            s->max_waiting, s->locations, MAX_WAITING);
        return -1;
    }
    if ((int64_t)s->first_day + s->days - 1 > INT32_MAX) {
        say(err, err_size,
            "the horizon first_day = %" PRId32 " + %" PRIu32 " days passes INT32_MAX.",
            s->first_day, s->days);
        return -1;
    }
    return 0;
}

static int
rec_check_slot(const sb_trace_shape *s, const sb_trace_rec *r, char *err, size_t err_size)
{
    const char *name = op_names[r->op];
    if (r->location >= s->locations) {
        say(err, err_size, "%s at location %u, but the shape has %" PRIu32 " locations.", name,
            r->location, s->locations);
        return -1;
    }
    int64_t last = (int64_t)s->first_day + s->days - 1;
    if (r->op == TOP_WAIT && (r->day < s->first_day || (int64_t)r->day + r->arg > last)) {
        say(err, err_size,
            "wait for days %" PRId32 "..%" PRId64 ", not inside the horizon %" PRId32 "..%" PRId64
            ".",
            r->day, (int64_t)r->day + r->arg, s->first_day, last);
        return -1;
    }
    if (!op_takes_slot(r->op))
        return 0;
    if (r->window >= s->windows) {
        say(err, err_size, "%s at window %u, but the shape has %" PRIu32 " windows a day.", name,
            r->window, s->windows);
        return -1;
    }
    if (r->day < s->first_day || r->day > last) {
        say(err, err_size, "%s on day %" PRId32 ", outside the horizon %" PRId32 "..%" PRId64 ".",
            name, r->day, s->first_day, last);
        return -1;
    }
    return 0;
}

static int
rec_check_code(const sb_trace_rec *r, char *err, size_t err_size)
{
    const char *name = op_names[r->op];
    if (!op_presents_code(r->op)) {
        if (r->code != TC_NONE) {
            say(err, err_size, "%s carries code kind %u; only verify and redeem present a code.",
                name, r->code);
            return -1;
        }
        if (!op_count(r->op) && r->arg != 0) {
            say(err, err_size, "%s carries arg %" PRIu32 "; it takes none.", name, r->arg);
            return -1;
        }
        return 0;
    }
    if (r->code == TC_NONE) {
        say(err, err_size, "%s presents no code (code kind 0).", name);
        return -1;
    }
    if ((r->code == TC_OWN || r->code == TC_OLD) && r->arg != 0) {
        say(err, err_size, "%s of an own or old code carries arg %" PRIu32 "; it takes none.", name,
            r->arg);
        return -1;
    }
    if (r->code == TC_OF && (r->arg == 0 || r->arg > MAX_BSN)) {
        say(err, err_size,
            "%s of another person's code names BSN %" PRIu32 ", not in 1..999999999.", name,
            r->arg);
        return -1;
    }
    return 0;
}

/* One record against a shape already checked. */
static int
rec_check(const sb_trace_shape *s, const sb_trace_rec *r, char *err, size_t err_size)
{
    if (r->op == 0 || r->op >= TOP_COUNT) {
        say(err, err_size, "unknown op %u.", r->op);
        return -1;
    }
    if (r->code >= TC_COUNT) {
        say(err, err_size, "unknown code kind %u.", r->code);
        return -1;
    }
    for (size_t i = 0; i < sizeof r->reserved; i++) {
        if (r->reserved[i] != 0) {
            say(err, err_size, "reserved byte %zu is 0x%02x, not 0.", i, r->reserved[i]);
            return -1;
        }
    }
    if (op_is_person(r->op) && (r->bsn == 0 || r->bsn > MAX_BSN)) {
        say(err, err_size, "%s by BSN %" PRIu32 ", not in 1..999999999.", op_names[r->op], r->bsn);
        return -1;
    }
    if ((op_takes_slot(r->op) || op_takes_location(r->op)) && rec_check_slot(s, r, err, err_size))
        return -1;
    if (r->op == TOP_BOOK_GROUP && (r->arg < 1 || r->arg > FAMILY_MAX)) {
        say(err, err_size, "book_group of a family of %" PRIu32 ", not 1..%u people.", r->arg,
            FAMILY_MAX);
        return -1;
    }
    return rec_check_code(r, err, err_size);
}

int
sb_trace_check(const sb_trace_shape *shape, const sb_trace_rec *r, char *err, size_t err_size)
{
    if (shape == NULL || r == NULL) {
        say(err, err_size, "no shape or no record to check.");
        return -1;
    }
    if (shape_check(shape, err, err_size) != 0)
        return -1;
    return rec_check(shape, r, err, err_size);
}

/* Where a trace is in a family's records: the members its book_group still
 * needs, at the group's time. */
typedef struct group_seq {
    uint32_t left;
    uint64_t t_ms;
} group_seq;

/* The next record after g; 0, or -1 with a sentence. */
static int
group_step(group_seq *g, const sb_trace_rec *r, unsigned version, char *err, size_t err_size)
{
    if (op_version(r->op) > version) {
        say(err, err_size, "%s is an op of trace format version %u, not of version %u.",
            op_names[r->op], op_version(r->op), version);
        return -1;
    }
    if (r->op == TOP_MEMBER) {
        if (g->left == 0) {
            say(err, err_size, "a member record follows no book_group that needs one.");
            return -1;
        }
        if (r->t_ms != g->t_ms) {
            say(err, err_size,
                "a member record at t_ms %" PRIu64 ", not at its book_group's %" PRIu64 ".",
                r->t_ms, g->t_ms);
            return -1;
        }
        g->left--;
        return 0;
    }
    if (g->left != 0) {
        say(err, err_size, "%s where the book_group before still needs %" PRIu32 " member%s.",
            op_names[r->op], g->left, g->left == 1 ? "" : "s");
        return -1;
    }
    if (r->op == TOP_BOOK_GROUP) {
        g->left = r->arg - 1;
        g->t_ms = r->t_ms;
    }
    return 0;
}

static int
group_end(const group_seq *g, char *err, size_t err_size)
{
    if (g->left == 0)
        return 0;
    say(err, err_size, "the trace ends where its last book_group still needs %" PRIu32 " member%s.",
        g->left, g->left == 1 ? "" : "s");
    return -1;
}

/* The shape and every record, in time order, each family's together, and
 * only ops of version: what a writer must be given and a reader must find
 * (the binary reader also checks the padding). */
static int
trace_check(const char *path, const sb_trace *t, unsigned version, char *err, size_t err_size)
{
    char why[160];
    if (shape_check(&t->shape, why, sizeof why) != 0) {
        say(err, err_size, "%s: shape: %s", path, why);
        return -1;
    }
    if (t->count > SB_TRACE_MAX_RECORDS || (t->count > 0 && t->recs == NULL)) {
        say(err, err_size, "%s: %zu records, over the limit or missing.", path, t->count);
        return -1;
    }
    group_seq g = {0, 0};
    for (size_t i = 0; i < t->count; i++) {
        if (rec_check(&t->shape, &t->recs[i], why, sizeof why) != 0 ||
            group_step(&g, &t->recs[i], version, why, sizeof why) != 0) {
            say(err, err_size, "%s: record %zu: %s", path, i, why);
            return -1;
        }
        if (i > 0 && t->recs[i].t_ms < t->recs[i - 1].t_ms) {
            say(err, err_size,
                "%s: record %zu: t_ms %" PRIu64 " is before the previous record's %" PRIu64
                "; records must be in time order.",
                path, i, t->recs[i].t_ms, t->recs[i - 1].t_ms);
            return -1;
        }
    }
    if (group_end(&g, why, sizeof why) != 0) {
        say(err, err_size, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

/* ----- CRC-32 ----- */

/* Slicing by 8 (eight table lookups per 8 bytes): about 1 GB/s, so the
 * checksum costs little next to reading the file.  t[0] is the classic
 * byte-at-a-time table; t[k][i] is t[0] applied k more times. */
typedef struct crc32_table {
    uint32_t t[8][256];
} crc32_table;

static void
crc32_init(crc32_table *c)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t x = i;
        for (int k = 0; k < 8; k++)
            x = (x >> 1) ^ (0xEDB88320u & (0u - (x & 1u)));
        c->t[0][i] = x;
    }
    for (int k = 1; k < 8; k++)
        for (uint32_t i = 0; i < 256; i++)
            c->t[k][i] = (c->t[k - 1][i] >> 8) ^ c->t[0][c->t[k - 1][i] & 0xffu];
}

/* zlib's crc32(): start with crc = 0, chain calls over consecutive bytes. */
static uint32_t
crc32_update(const crc32_table *c, uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = c->t[7][lo & 0xffu] ^ c->t[6][(lo >> 8) & 0xffu] ^ c->t[5][(lo >> 16) & 0xffu] ^
              c->t[4][lo >> 24] ^ c->t[3][p[4]] ^ c->t[2][p[5]] ^ c->t[1][p[6]] ^ c->t[0][p[7]];
    }
    for (; n > 0; n--, p++)
        crc = c->t[0][(crc ^ *p) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* Over the header's hdr_size bytes (the checksum field read as zero), then
 * the records. */
static uint32_t
trace_crc(const unsigned char hdr[HDR_SIZE], size_t hdr_size, const sb_trace_rec *recs,
          size_t count)
{
    static _Thread_local crc32_table c; /* 8 KiB: not on the stack */
    static _Thread_local bool ready;
    if (!ready) {
        crc32_init(&c);
        ready = true;
    }
    unsigned char h[HDR_SIZE];
    memcpy(h, hdr, hdr_size);
    memset(h + OFF_CRC, 0, 4);
    uint32_t crc = crc32_update(&c, 0, h, hdr_size);
    return count ? crc32_update(&c, crc, recs, count * sizeof *recs) : crc;
}

/* ----- little-endian fields ----- */

static void
put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ----- files ----- */

static bool
is_csv(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

/* Opens path for reading and finds its size: a regular file only. */
static FILE *
open_regular(const char *path, uint64_t *size, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        say(err, err_size, "%s: cannot open it: %s.", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        say(err, err_size, "%s: not a regular file.", path);
        fclose(f);
        return NULL;
    }
    *size = (uint64_t)st.st_size;
    return f;
}

/* ----- binary ----- */

static size_t
header_size(unsigned version)
{
    return version >= 3 ? HDR_SIZE : HDR_SIZE_V2;
}

static void
header_encode(unsigned char h[HDR_SIZE], const sb_trace *t)
{
    memset(h, 0, HDR_SIZE);
    memcpy(h + OFF_MAGIC, HDR_MAGIC, 8);
    h[OFF_VERSION] = HDR_VERSION;
    h[OFF_HDR_SIZE] = HDR_SIZE;
    put_le(h + OFF_WINDOWS, t->shape.windows, 2);
    put_le(h + OFF_COUNT, t->count, 4);
    put_le(h + OFF_FIRST_DAY, (uint32_t)t->shape.first_day, 4);
    /* Up to the NUL (checked before), zero after it. */
    memcpy(h + OFF_SCENARIO, t->shape.scenario, strlen(t->shape.scenario));
    put_le(h + OFF_SEED, t->shape.seed, 8);
    put_le(h + OFF_MAX_PEOPLE_M1, t->shape.max_people - 1u, 3);
    h[OFF_RULES] = (unsigned char)(t->shape.max_changes | (t->shape.use_stock ? RULES_STOCK : 0));
    put_le(h + OFF_HOLD_MS, t->shape.hold_ms, 4);
    put_le(h + OFF_RELEASE_DELAY_MS, t->shape.release_delay_ms, 4);
    put_le(h + OFF_DAYS, t->shape.days, 2);
    put_le(h + OFF_LOCATIONS_M1, t->shape.locations - 1u, 2);
    put_le(h + OFF_MAX_FAMILIES, t->shape.max_families, 4);
    put_le(h + OFF_MAX_WAITING, t->shape.max_waiting, 4);
    put_le(h + OFF_CRC, trace_crc(h, HDR_SIZE, t->recs, t->count), 4);
}

static void
header_decode(const unsigned char h[HDR_SIZE], sb_trace_shape *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->scenario, h + OFF_SCENARIO, sizeof s->scenario);
    s->seed = get_le(h + OFF_SEED, 8);
    s->locations = (uint32_t)get_le(h + OFF_LOCATIONS_M1, 2) + 1u;
    s->days = (uint32_t)get_le(h + OFF_DAYS, 2);
    s->windows = (uint32_t)get_le(h + OFF_WINDOWS, 2);
    if (h[OFF_VERSION] == 1) {
        s->max_people = (uint32_t)get_le(h + OFF_MAX_PEOPLE_M1, 4);
    } else {
        s->max_people = (uint32_t)get_le(h + OFF_MAX_PEOPLE_M1, 3) + 1u;
        s->max_changes = h[OFF_RULES] & MAX_CHANGES;
        s->use_stock = (h[OFF_RULES] & RULES_STOCK) != 0;
    }
    s->hold_ms = (uint32_t)get_le(h + OFF_HOLD_MS, 4);
    s->release_delay_ms = (uint32_t)get_le(h + OFF_RELEASE_DELAY_MS, 4);
    s->first_day = (int32_t)(uint32_t)get_le(h + OFF_FIRST_DAY, 4);
    if (h[OFF_VERSION] >= 3) {
        s->max_families = (uint32_t)get_le(h + OFF_MAX_FAMILIES, 4);
        s->max_waiting = (uint32_t)get_le(h + OFF_MAX_WAITING, 4);
    } else {
        sb_trace_shape_auto(s);
    }
}

/* Magic, version, header size, count against the limit and the file size:
 * everything that must hold before the records are allocated (h holds the
 * first 64 bytes). */
static int
header_check(const char *path, const unsigned char h[HDR_SIZE], uint64_t size, char *err,
             size_t err_size)
{
    if (memcmp(h + OFF_MAGIC, HDR_MAGIC, 8) != 0) {
        say(err, err_size, "%s: not a binary slotbook trace (no \"SBTRACE1\" magic).", path);
        return -1;
    }
    unsigned version = h[OFF_VERSION];
    if (version < 1 || version > HDR_VERSION || h[OFF_HDR_SIZE] != header_size(version)) {
        say(err, err_size,
            "%s: trace format version %u with a %u-byte header; this reader knows versions 1 and "
            "2 with a 64-byte header and 3 with a 72-byte header.",
            path, version, h[OFF_HDR_SIZE]);
        return -1;
    }
    size_t hdr = header_size(version);
    if (size < hdr) {
        say(err, err_size, "%s: %" PRIu64 " bytes, shorter than the %zu-byte header.", path, size,
            hdr);
        return -1;
    }
    uint64_t count = get_le(h + OFF_COUNT, 4);
    if (count > SB_TRACE_MAX_RECORDS) {
        say(err, err_size, "%s: the header declares %" PRIu64 " records, over the limit of %zu.",
            path, count, SB_TRACE_MAX_RECORDS);
        return -1;
    }
    if (size != hdr + count * sizeof(sb_trace_rec)) {
        say(err, err_size,
            "%s: the file has %" PRIu64 " bytes but its header declares %" PRIu64
            " records (%" PRIu64 " bytes): truncated or corrupt.",
            path, size, count, hdr + count * sizeof(sb_trace_rec));
        return -1;
    }
    return 0;
}

/* The checks that need the records: checksum, shape, padding, records. */
static int
binary_check(const char *path, const unsigned char h[HDR_SIZE], const sb_trace *t, char *err,
             size_t err_size)
{
    unsigned version = h[OFF_VERSION];
    uint32_t stored = (uint32_t)get_le(h + OFF_CRC, 4);
    uint32_t computed = trace_crc(h, header_size(version), t->recs, t->count);
    if (stored != computed) {
        say(err, err_size,
            "%s: checksum mismatch (stored 0x%08" PRIx32 ", computed 0x%08" PRIx32
            "): the file is corrupt.",
            path, stored, computed);
        return -1;
    }
    if (version >= 2 && (h[OFF_RULES] & ~(MAX_CHANGES | RULES_STOCK)) != 0) {
        say(err, err_size, "%s: shape: the rules byte 0x%02x has bits set that mean nothing.", path,
            h[OFF_RULES]);
        return -1;
    }
    const char *nul = memchr(t->shape.scenario, '\0', sizeof t->shape.scenario);
    for (const char *c = nul ? nul : t->shape.scenario + 16; c < t->shape.scenario + 16; c++) {
        if (*c != '\0') {
            say(err, err_size, "%s: shape: the scenario name has bytes after its NUL.", path);
            return -1;
        }
    }
    return trace_check(path, t, version, err, err_size);
}

static int
read_binary(const char *path, sb_trace *out, char *err, size_t err_size)
{
    uint64_t size;
    FILE *f = open_regular(path, &size, err, err_size);
    if (f == NULL)
        return -1;
    unsigned char h[HDR_SIZE];
    if (size < HDR_SIZE_V2) {
        say(err, err_size, "%s: %" PRIu64 " bytes, shorter than the 64-byte header.", path, size);
        goto fail;
    }
    if (fread(h, 1, HDR_SIZE_V2, f) != HDR_SIZE_V2) {
        say(err, err_size, "%s: cannot read the header.", path);
        goto fail;
    }
    if (header_check(path, h, size, err, err_size) != 0)
        goto fail;
    size_t rest = header_size(h[OFF_VERSION]) - HDR_SIZE_V2;
    if (rest > 0 && fread(h + HDR_SIZE_V2, 1, rest, f) != rest) {
        say(err, err_size, "%s: cannot read the header.", path);
        goto fail;
    }
    header_decode(h, &out->shape);
    out->count = (size_t)get_le(h + OFF_COUNT, 4);
    if (out->count > 0) {
        out->recs = malloc(out->count * sizeof *out->recs);
        if (out->recs == NULL) {
            say(err, err_size, "%s: out of memory for %zu records.", path, out->count);
            goto fail;
        }
        if (fread(out->recs, sizeof *out->recs, out->count, f) != out->count) {
            say(err, err_size, "%s: cannot read the records (did the file change?).", path);
            goto fail;
        }
    }
    fclose(f);
    f = NULL;
    if (binary_check(path, h, out, err, err_size) != 0)
        goto fail;
    return 0;
fail:
    if (f != NULL)
        fclose(f);
    sb_trace_free(out);
    return -1;
}

static int
write_binary(const sb_trace *t, FILE *f)
{
    unsigned char h[HDR_SIZE];
    header_encode(h, t);
    if (fwrite(h, 1, HDR_SIZE, f) != HDR_SIZE)
        return -1;
    if (t->count > 0 && fwrite(t->recs, sizeof *t->recs, t->count, f) != t->count)
        return -1;
    return 0;
}

/* ----- CSV: numbers ----- */

enum { NUM_OK = 0, NUM_BAD = -1, NUM_RANGE = -2 };

/* A decimal number of digits only (no sign, space or base prefix), whole
 * string, at most max. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return NUM_BAD;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return NUM_BAD;
    if (errno == ERANGE || v > max)
        return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

/* As parse_u64, with an optional '-' sign, within min..max. */
static int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    const char *d = *s == '-' ? s + 1 : s;
    if (*d < '0' || *d > '9')
        return NUM_BAD;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0')
        return NUM_BAD;
    if (errno == ERANGE || v < min || v > max)
        return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

/* Where a CSV problem was found, for messages. */
typedef struct csv_at {
    const char *path;
    size_t line;
    char *err;
    size_t err_size;
} csv_at;

static int
num_fail(const csv_at *at, int rc, const char *what, const char *text, const char *range)
{
    char buf[40];
    if (rc == NUM_BAD)
        say(at->err, at->err_size, "%s: line %zu: %s \"%s\" is not a decimal number.", at->path,
            at->line, what, shown(buf, text, strlen(text)));
    else
        say(at->err, at->err_size, "%s: line %zu: %s %s is out of range (%s).", at->path, at->line,
            what, shown(buf, text, strlen(text)), range);
    return -1;
}

static int
csv_u64(const csv_at *at, const char *what, const char *s, uint64_t max, const char *range,
        uint64_t *out)
{
    int rc = parse_u64(s, max, out);
    return rc == NUM_OK ? 0 : num_fail(at, rc, what, s, range);
}

/* ----- CSV: the first line ----- */

enum {
    KEY_SCENARIO,
    KEY_SEED,
    KEY_LOCATIONS,
    KEY_FIRST_DAY,
    KEY_DAYS,
    KEY_WINDOWS,
    KEY_MAX_PEOPLE,
    KEY_HOLD_MS,
    KEY_RELEASE_DELAY_MS,
    KEY_MAX_CHANGES, /* from version 2 on */
    KEY_USE_STOCK,
    KEY_MAX_FAMILIES, /* from version 3 on */
    KEY_MAX_WAITING,
    KEY_COUNT
};
static const char *const key_names[KEY_COUNT] = {
    "scenario",  "seed",         "locations",   "first_day",        "days",
    "windows",   "max_people",   "hold_ms",     "release_delay_ms", "max_changes",
    "use_stock", "max_families", "max_waiting",
};

/* The keys a header of version v has: all of them, and no others. */
static bool
key_in_version(int key, unsigned v)
{
    return key < KEY_MAX_CHANGES || (key < KEY_MAX_FAMILIES && v >= 2) || v >= 3;
}

static int
header_value(const csv_at *at, sb_trace_shape *s, int key, const char *v)
{
    uint64_t u = 0;
    int64_t i = 0;
    int rc;
    switch (key) {
    case KEY_SCENARIO:
        if (strlen(v) >= sizeof s->scenario) {
            say(at->err, at->err_size, "%s: line 1: the scenario name is over 15 characters.",
                at->path);
            return -1;
        }
        memset(s->scenario, 0, sizeof s->scenario);
        memcpy(s->scenario, v, strlen(v));
        return 0;
    case KEY_SEED:
        return csv_u64(at, "seed", v, UINT64_MAX, "0..2^64-1", &s->seed);
    case KEY_FIRST_DAY:
        rc = parse_i64(v, INT32_MIN, INT32_MAX, &i);
        if (rc != NUM_OK)
            return num_fail(at, rc, "first_day", v, "an int32");
        s->first_day = (int32_t)i;
        return 0;
    default:
        if (csv_u64(at, key_names[key], v, UINT32_MAX, "a uint32", &u) != 0)
            return -1;
        uint32_t *field[KEY_COUNT] = {
            [KEY_LOCATIONS] = &s->locations,       [KEY_DAYS] = &s->days,
            [KEY_WINDOWS] = &s->windows,           [KEY_MAX_PEOPLE] = &s->max_people,
            [KEY_HOLD_MS] = &s->hold_ms,           [KEY_RELEASE_DELAY_MS] = &s->release_delay_ms,
            [KEY_MAX_CHANGES] = &s->max_changes,   [KEY_USE_STOCK] = &s->use_stock,
            [KEY_MAX_FAMILIES] = &s->max_families, [KEY_MAX_WAITING] = &s->max_waiting,
        };
        *field[key] = (uint32_t)u;
        return 0;
    }
}

/* "# slotbook-trace 3 key=value ...": line is NUL-terminated, writable;
 * *version gets the format version. */
static int
parse_header(const csv_at *at, char *line, sb_trace_shape *s, unsigned *out_version)
{
    memset(s, 0, sizeof *s);
    size_t magic = strlen(CSV_MAGIC);
    if (strncmp(line, CSV_MAGIC, magic) != 0 || line[magic] != ' ') {
        say(at->err, at->err_size,
            "%s: line 1 is not a slotbook trace header (\"" CSV_MAGIC " 3 key=value ...\").",
            at->path);
        return -1;
    }
    unsigned seen = 0, version = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line + magic, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        if (version == 0) {
            if (strcmp(tok, "1") != 0 && strcmp(tok, "2") != 0 && strcmp(tok, "3") != 0) {
                char buf[40];
                say(at->err, at->err_size,
                    "%s: line 1: trace format version \"%s\"; this reader knows 1, 2 and 3.",
                    at->path, shown(buf, tok, strlen(tok)));
                return -1;
            }
            version = (unsigned)(tok[0] - '0');
            continue;
        }
        char *eq = strchr(tok, '=');
        int key = KEY_COUNT;
        if (eq != NULL) {
            *eq = '\0';
            for (key = 0; key < KEY_COUNT &&
                          (strcmp(tok, key_names[key]) != 0 || !key_in_version(key, version));
                 key++)
                ;
        }
        if (key == KEY_COUNT || (seen & (1u << key))) {
            char buf[40];
            say(at->err, at->err_size, "%s: line 1: \"%s\" is %s.", at->path,
                shown(buf, tok, strlen(tok)),
                key == KEY_COUNT ? "not a known key=value" : "given twice");
            return -1;
        }
        seen |= 1u << key;
        if (header_value(at, s, key, eq + 1) != 0)
            return -1;
    }
    for (int key = 0; key < KEY_COUNT; key++) {
        if (version == 0 || (key_in_version(key, version) && !(seen & (1u << key)))) {
            say(at->err, at->err_size, "%s: line 1: the header lacks %s=.", at->path,
                key_names[key]);
            return -1;
        }
    }
    if (version < 3)
        sb_trace_shape_auto(s);
    char why[160];
    if (shape_check(s, why, sizeof why) != 0) {
        say(at->err, at->err_size, "%s: line 1: %s", at->path, why);
        return -1;
    }
    *out_version = version;
    return 0;
}

/* ----- CSV: records ----- */

/* "until:DAY" of a wait record (its day parsed already) into arg. */
static int
parse_until(const csv_at *at, const char *c, sb_trace_rec *r)
{
    int64_t until = 0;
    int rc = parse_i64(c, INT32_MIN, INT32_MAX, &until);
    if (rc != NUM_OK)
        return num_fail(at, rc, "last day", c, "an int32");
    if (until < r->day) {
        say(at->err, at->err_size,
            "%s: line %zu: wait until day %" PRId64 ", before its day %" PRId32 ".", at->path,
            at->line, until, r->day);
        return -1;
    }
    r->arg = (uint32_t)(until - r->day);
    return 0;
}

/* The code column (trace.h): "", own, old, of:BSN, forged:N, mutated,
 * mutated:N (N = the mutation's seed, 0 when absent); places:N (release),
 * stickers:N (stock), family:N (book_group) and until:DAY (wait) only, and
 * always, for their ops. */
static int
parse_code(const csv_at *at, const char *c, sb_trace_rec *r)
{
    static const struct {
        const char *prefix;
        uint8_t code;
        bool number; /* a ":N" follows */
    } kinds[] = {
        {"own", TC_OWN, false}, {"old", TC_OLD, false},       {"mutated", TC_MUTATED, false},
        {"of:", TC_OF, true},   {"forged:", TC_FORGED, true}, {"mutated:", TC_MUTATED, true},
    };
    const char *count = op_count(r->op);
    char buf[40];
    uint64_t v = 0;
    if (count) {
        size_t n = strlen(count);
        if (strncmp(c, count, n) != 0) {
            say(at->err, at->err_size, "%s: line %zu: %s needs %sN, not \"%s\".", at->path,
                at->line, op_names[r->op], count, shown(buf, c, strlen(c)));
            return -1;
        }
        if (r->op == TOP_WAIT)
            return parse_until(at, c + n, r);
        if (csv_u64(at, "code number", c + n, UINT32_MAX, "a uint32", &v) != 0)
            return -1;
        r->arg = (uint32_t)v;
        return 0;
    }
    if (*c == '\0')
        return 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = strlen(kinds[k].prefix);
        if (kinds[k].number ? strncmp(c, kinds[k].prefix, n) != 0 : strcmp(c, kinds[k].prefix) != 0)
            continue;
        r->code = kinds[k].code;
        if (kinds[k].number && csv_u64(at, "code number", c + n, UINT32_MAX, "a uint32", &v) != 0)
            return -1;
        r->arg = (uint32_t)v;
        return 0;
    }
    say(at->err, at->err_size,
        "%s: line %zu: unknown or misplaced code \"%s\" (own, old, of:BSN, forged:N, "
        "mutated[:N]; places:N, stickers:N, family:N and until:DAY for release, stock, "
        "book_group and wait only).",
        at->path, at->line, shown(buf, c, strlen(c)));
    return -1;
}

/* Splits line at commas into exactly 7 fields. */
static int
split_fields(const csv_at *at, char *line, char *f[7])
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p == ',') {
            *p = '\0';
            if (n == 7) {
                n++;
                break;
            }
            f[n++] = p + 1;
        }
    }
    if (n != 7) {
        say(at->err, at->err_size, "%s: line %zu: %s 7 fields (" CSV_COLUMNS ").", at->path,
            at->line, n < 7 ? "fewer than" : "more than");
        return -1;
    }
    return 0;
}

static int
parse_record(const csv_at *at, char *line, const sb_trace_shape *s, sb_trace_rec *r)
{
    char *f[7];
    if (split_fields(at, line, f) != 0)
        return -1;
    memset(r, 0, sizeof *r);
    uint64_t u = 0;
    int64_t i = 0;
    if (csv_u64(at, "t_ms", f[0], UINT64_MAX, "0..2^64-1", &r->t_ms) != 0)
        return -1;
    r->op = (uint8_t)sb_trace_op_parse(f[1]);
    if (r->op == 0) {
        char buf[40];
        say(at->err, at->err_size, "%s: line %zu: unknown op \"%s\".", at->path, at->line,
            shown(buf, f[1], strlen(f[1])));
        return -1;
    }
    if (csv_u64(at, "bsn", f[2], UINT32_MAX, "a uint32", &u) != 0)
        return -1;
    r->bsn = (uint32_t)u;
    if (csv_u64(at, "location", f[3], UINT16_MAX, "0..65535", &u) != 0)
        return -1;
    r->location = (uint16_t)u;
    int rc = parse_i64(f[4], INT32_MIN, INT32_MAX, &i);
    if (rc != NUM_OK)
        return num_fail(at, rc, "day", f[4], "an int32");
    r->day = (int32_t)i;
    if (csv_u64(at, "window", f[5], UINT16_MAX, "0..65535", &u) != 0)
        return -1;
    r->window = (uint16_t)u;
    if (parse_code(at, f[6], r) != 0)
        return -1;
    char why[160];
    if (rec_check(s, r, why, sizeof why) != 0) {
        say(at->err, at->err_size, "%s: line %zu: %s", at->path, at->line, why);
        return -1;
    }
    return 0;
}

/* The text of a CSV file, and where the next line starts. */
typedef struct csv_text {
    const char *buf;
    size_t size, pos;
} csv_text;

/* The next line into out[max + 1], NUL-terminated, without its "\n" or
 * "\r\n".  1 for a line, 0 at the end, -1 on a bad line. */
static int
next_line(csv_text *x, csv_at *at, char *out, size_t max)
{
    if (x->pos >= x->size)
        return 0;
    at->line++;
    const char *start = x->buf + x->pos;
    const char *nl = memchr(start, '\n', x->size - x->pos);
    size_t len = nl ? (size_t)(nl - start) : x->size - x->pos;
    x->pos += len + (nl != NULL);
    if (len > 0 && start[len - 1] == '\r')
        len--;
    if (len > max) {
        say(at->err, at->err_size, "%s: line %zu is longer than %zu characters.", at->path,
            at->line, max);
        return -1;
    }
    if (memchr(start, '\0', len) != NULL) {
        say(at->err, at->err_size, "%s: line %zu contains a NUL byte.", at->path, at->line);
        return -1;
    }
    memcpy(out, start, len);
    out[len] = '\0';
    return 1;
}

/* Reads the whole file into a NUL-terminated buffer. */
static char *
slurp(const char *path, size_t *len, char *err, size_t err_size)
{
    uint64_t size;
    FILE *f = open_regular(path, &size, err, err_size);
    if (f == NULL)
        return NULL;
    char *buf = size < SIZE_MAX ? malloc((size_t)size + 1) : NULL;
    if (buf == NULL) {
        say(err, err_size, "%s: out of memory for %" PRIu64 " bytes.", path, size);
        fclose(f);
        return NULL;
    }
    if (fread(buf, 1, (size_t)size, f) != size) {
        say(err, err_size, "%s: cannot read it (did the file change?).", path);
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

/* At most how many records the text can hold: a record line has at least
 * 15 characters ("0,book,1,0,0,0," less one) and a line ending, except
 * perhaps the last, and the first two lines are no records. */
static size_t
csv_capacity(const char *buf, size_t size)
{
    size_t lines = 0;
    for (const char *p = buf; (p = memchr(p, '\n', size - (size_t)(p - buf))) != NULL; p++)
        lines++;
    if (size > 0 && buf[size - 1] != '\n')
        lines++;
    size_t by_lines = lines > 2 ? lines - 2 : 0;
    size_t by_bytes = size / 16 + 1;
    return by_lines < by_bytes ? by_lines : by_bytes;
}

static int
parse_csv(csv_text *x, csv_at *at, sb_trace *out)
{
    char line[CSV_HEADER_MAX + 1];
    int rc = next_line(x, at, line, CSV_HEADER_MAX);
    if (rc <= 0) {
        if (rc == 0)
            say(at->err, at->err_size, "%s: the file is empty.", at->path);
        return -1;
    }
    unsigned version;
    if (parse_header(at, line, &out->shape, &version) != 0)
        return -1;
    rc = next_line(x, at, line, CSV_LINE_MAX);
    if (rc <= 0 || strcmp(line, CSV_COLUMNS) != 0) {
        if (rc >= 0)
            say(at->err, at->err_size, "%s: line 2 is not the column line \"" CSV_COLUMNS "\".",
                at->path);
        return -1;
    }
    size_t cap = csv_capacity(x->buf, x->size);
    if (cap > SB_TRACE_MAX_RECORDS)
        cap = SB_TRACE_MAX_RECORDS;
    if (cap > 0 && (out->recs = malloc(cap * sizeof *out->recs)) == NULL) {
        say(at->err, at->err_size, "%s: out of memory for %zu records.", at->path, cap);
        return -1;
    }
    group_seq g = {0, 0};
    char why[160];
    while ((rc = next_line(x, at, line, CSV_LINE_MAX)) > 0) {
        if (out->count == cap) {
            say(at->err, at->err_size, "%s: line %zu: more records than the file can hold.",
                at->path, at->line);
            return -1;
        }
        sb_trace_rec *r = &out->recs[out->count];
        if (parse_record(at, line, &out->shape, r) != 0)
            return -1;
        if (group_step(&g, r, version, why, sizeof why) != 0) {
            say(at->err, at->err_size, "%s: line %zu: %s", at->path, at->line, why);
            return -1;
        }
        if (out->count > 0 && r->t_ms < r[-1].t_ms) {
            say(at->err, at->err_size,
                "%s: line %zu: t_ms %" PRIu64 " is before the previous record's %" PRIu64
                "; records must be in time order.",
                at->path, at->line, r->t_ms, r[-1].t_ms);
            return -1;
        }
        out->count++;
    }
    if (rc == 0 && group_end(&g, why, sizeof why) != 0) {
        say(at->err, at->err_size, "%s: %s", at->path, why);
        return -1;
    }
    return rc;
}

static int
read_csv(const char *path, sb_trace *out, char *err, size_t err_size)
{
    size_t size;
    char *buf = slurp(path, &size, err, err_size);
    if (buf == NULL)
        return -1;
    csv_text x = {buf, size, 0};
    csv_at at = {path, 0, err, err_size};
    int rc = parse_csv(&x, &at, out);
    free(buf);
    if (rc != 0) {
        sb_trace_free(out);
        return -1;
    }
    return 0;
}

/* ----- CSV: writing ----- */

/* Decimal digits of v at p; returns the end. */
static char *
put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* Decimal digits of v, with a '-' when it is negative. */
static char *
put_i64(char *p, int64_t v)
{
    if (v < 0)
        *p++ = '-';
    return put_u64(p, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

static char *
put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *
put_code(char *p, const sb_trace_rec *r)
{
    switch (r->code) {
    case TC_OWN:
        return put_str(p, "own");
    case TC_OLD:
        return put_str(p, "old");
    case TC_OF:
        return put_u64(put_str(p, "of:"), r->arg);
    case TC_FORGED:
        return put_u64(put_str(p, "forged:"), r->arg);
    case TC_MUTATED:
        return r->arg ? put_u64(put_str(p, "mutated:"), r->arg) : put_str(p, "mutated");
    default:
        if (r->op == TOP_WAIT)
            return put_i64(put_str(p, "until:"), (int64_t)r->day + r->arg);
        return op_count(r->op) ? put_u64(put_str(p, op_count(r->op)), r->arg) : p;
    }
}

/* One record line, at most 20+1+10+1+10+1+5+1+11+1+5+1+20+1 < 100 bytes. */
static char *
put_record(char *p, const sb_trace_rec *r)
{
    p = put_u64(p, r->t_ms);
    *p++ = ',';
    p = put_str(p, op_names[r->op]);
    *p++ = ',';
    p = put_u64(p, r->bsn);
    *p++ = ',';
    p = put_u64(p, r->location);
    *p++ = ',';
    p = put_i64(p, r->day);
    *p++ = ',';
    p = put_u64(p, r->window);
    *p++ = ',';
    p = put_code(p, r);
    *p++ = '\n';
    return p;
}

static int
write_csv(const sb_trace *t, FILE *f)
{
    const sb_trace_shape *s = &t->shape;
    if (fprintf(f,
                CSV_MAGIC " 3 scenario=%s seed=%" PRIu64 " locations=%" PRIu32 " first_day=%" PRId32
                          " days=%" PRIu32 " windows=%" PRIu32 " max_people=%" PRIu32
                          " hold_ms=%" PRIu32 " release_delay_ms=%" PRIu32 " max_changes=%" PRIu32
                          " use_stock=%" PRIu32 " max_families=%" PRIu32 " max_waiting=%" PRIu32
                          "\n" CSV_COLUMNS "\n",
                s->scenario, s->seed, s->locations, s->first_day, s->days, s->windows,
                s->max_people, s->hold_ms, s->release_delay_ms, s->max_changes, s->use_stock,
                s->max_families, s->max_waiting) < 0)
        return -1;
    enum { CHUNK = 1 << 16, LINE = 128 };
    char *buf = malloc(CHUNK);
    if (buf == NULL)
        return -1;
    char *p = buf;
    int rc = 0;
    for (size_t i = 0; i < t->count && rc == 0; i++) {
        p = put_record(p, &t->recs[i]);
        if (p - buf > CHUNK - LINE || i + 1 == t->count) {
            if (fwrite(buf, 1, (size_t)(p - buf), f) != (size_t)(p - buf))
                rc = -1;
            p = buf;
        }
    }
    free(buf);
    return rc;
}

/* ----- the interface ----- */

int
sb_trace_read(const char *path, sb_trace *out, char *err, size_t err_size)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (path == NULL || out == NULL) {
        say(err, err_size, "sb_trace_read: no path or no trace to fill.");
        return -1;
    }
    return is_csv(path) ? read_csv(path, out, err, err_size)
                        : read_binary(path, out, err, err_size);
}

int
sb_trace_write(const char *path, const sb_trace *t, char *err, size_t err_size)
{
    if (path == NULL || t == NULL) {
        say(err, err_size, "sb_trace_write: no path or no trace.");
        return -1;
    }
    /* Refuse before touching the file: what is written can be read back. */
    if (trace_check(path, t, HDR_VERSION, err, err_size) != 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        say(err, err_size, "%s: cannot create it: %s.", path, strerror(errno));
        return -1;
    }
    int rc = is_csv(path) ? write_csv(t, f) : write_binary(t, f);
    int saved = errno;
    if (rc != 0 || ferror(f)) {
        fclose(f);
        rc = -1;
    } else if (fclose(f) != 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0) {
        say(err, err_size, "%s: write failed: %s.", path, strerror(saved));
        /* A partial CSV could read as a shorter trace: remove it (but only
         * a regular file: never a device such as /dev/full). */
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            remove(path);
    }
    return rc;
}

void
sb_trace_free(sb_trace *t)
{
    if (t == NULL)
        return;
    free(t->recs);
    memset(t, 0, sizeof *t);
}
