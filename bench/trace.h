/*
 * Surge traces: what people and the administration did, in time order,
 * replayed against an engine by slotbook-replay.
 *
 * A trace has a header (the engine shape to open, the scenario and its
 * seed) and records.  Two encodings:
 *
 * Binary (".sbt", for speed): the 72-byte header (trace.c), then `count`
 * records of 32 bytes, all little-endian, fields as in the structs.  A file
 * whose size does not match, an unknown version, or a record with an
 * unknown op, code kind or a field out of range is refused with a message.
 *
 * CSV (".csv", for people): a first line
 *   # slotbook-trace 3 scenario=NAME seed=N locations=N first_day=N days=N
 *     windows=N max_people=N hold_ms=N release_delay_ms=N max_changes=N
 *     use_stock=N max_families=N max_waiting=N
 * (one line), a column line "t_ms,op,bsn,location,day,window,code", then one
 * line per record.  op is a name (reserve, confirm, book, cancel, lookup,
 * verify, redeem, release, open, close, slot_read, next_free, expire,
 * reschedule, stock, book_group, member, wait).  code says which code a
 * verify or redeem presents: "own" (the person's latest), "old" (the one
 * before it: cancelled), "of:BSN" (another person's latest: resold or
 * copied), "forged:N" (random, from seed N), "mutated:N" (the person's
 * latest with one symbol changed, which and how by N); for release it is
 * the number of places ("places:N"), for stock the number of stickers
 * delivered ("stickers:N"), for book_group the number of people in the
 * family ("family:N"), for wait the last day of the range ("until:DAY");
 * empty otherwise.
 *
 * Families.  A record has room for one BSN, a family up to SB_FAMILY_MAX
 * (6): a book_group record (the leader's BSN, the slot, arg = n people) is
 * followed at once by n - 1 member records (op member, the same t_ms, one
 * more member's BSN each, in the caller's order; arg and code 0): one call,
 * n records.  A member record anywhere else, a book_group whose members do
 * not all follow, or a family size outside 1..6 is refused.
 *
 * The waiting list.  A wait record is sb_wait(bsn, location, day, day +
 * arg): the range of days is inside the horizon.
 *
 * Version 1 files (from before max_changes, use_stock, reschedule and
 * stock) are still read, with max_changes = 0 and use_stock = 0; version 2
 * files (from before families and the waiting list) too; both with
 * max_families and max_waiting as sb_options_init() sets them
 * (sb_trace_shape_auto()), which is what they were replayed with, and
 * neither may hold the ops of a later version.  Writers write version 3.
 *
 * The codes themselves are not in the trace (an engine's key is secret and
 * random): the replayer keeps each person's latest codes as it goes.
 */
#ifndef SB_BENCH_TRACE_H
#define SB_BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef enum sb_trace_op {
    TOP_RESERVE = 1,
    TOP_CONFIRM,
    TOP_BOOK,
    TOP_CANCEL,
    TOP_LOOKUP,
    TOP_VERIFY,
    TOP_REDEEM,
    TOP_RELEASE,
    TOP_OPEN,
    TOP_CLOSE,
    TOP_SLOT_READ,
    TOP_NEXT_FREE,
    TOP_EXPIRE,
    TOP_RESCHEDULE, /* the person's booking to the record's slot */
    TOP_STOCK,      /* arg stickers delivered to the record's location */
    TOP_BOOK_GROUP, /* the family of arg people led by bsn into the slot (version 3) */
    TOP_MEMBER,     /* one more member of the book_group before it (version 3) */
    TOP_WAIT,       /* bsn waits at location from day to day + arg (version 3) */
    TOP_COUNT
} sb_trace_op;

typedef enum sb_trace_code {
    TC_NONE = 0,
    TC_OWN,
    TC_OLD,
    TC_OF,      /* arg = the other person's BSN */
    TC_FORGED,  /* arg = seed of the random code */
    TC_MUTATED, /* arg = which symbol and by how much */
    TC_COUNT
} sb_trace_code;

typedef struct sb_trace_rec {
    uint64_t t_ms;     /* ms since the trace's start */
    uint32_t bsn;      /* the person (0 for administration) */
    uint32_t arg;      /* places (release), stickers (stock), other BSN (TC_OF), seed
                          (TC_FORGED, TC_MUTATED), people (book_group), days after
                          the first (wait) */
    int32_t day;       /* days since 1970-01-01 */
    uint16_t location; /* also for open, close, next_free */
    uint16_t window;
    uint8_t op;   /* sb_trace_op */
    uint8_t code; /* sb_trace_code */
    uint8_t reserved[6];
} sb_trace_rec;
_Static_assert(sizeof(sb_trace_rec) == 32, "a trace record is 32 bytes");

typedef struct sb_trace_shape {
    char scenario[16]; /* NUL-terminated */
    uint64_t seed;
    uint32_t locations, days, windows, max_people, hold_ms, release_delay_ms;
    int32_t first_day;
    uint32_t max_changes;  /* 0 (unlimited) .. 15 */
    uint32_t use_stock;    /* 0 or 1 */
    uint32_t max_families; /* family bookings over the engine's life: 0 .. 2^24 */
    uint32_t max_waiting;  /* per location, 0 = no waiting list; locations * max_waiting
                              <= 2^24 */
} sb_trace_shape;
_Static_assert(sizeof(sb_trace_shape) == 72, "no padding: shapes compare with memcmp");

typedef struct sb_trace {
    sb_trace_shape shape;
    size_t count;
    sb_trace_rec *recs; /* malloc'd */
} sb_trace;

#define SB_TRACE_MAX_RECORDS ((size_t)1 << 31)

/* Sets max_families and max_waiting of s to what sb_options_init() gives
 * an engine of that shape: max_people / 4 (at least 1) family bookings and
 * 1,024 waiting places per location (fewer when the locations would pass
 * 2^24). */
void sb_trace_shape_auto(sb_trace_shape *s);

/* Names of ops ("reserve"...) and back; NULL / 0 when unknown. */
const char *sb_trace_op_name(unsigned op);
unsigned sb_trace_op_parse(const char *name);

/* Reads a trace (binary, or CSV when the name ends in ".csv").  0 on
 * success; -1 with a sentence in err[0..err_size) on any problem (missing
 * file, truncated, corrupt, hostile): never crashes on bad input. */
int sb_trace_read(const char *path, sb_trace *out, char *err, size_t err_size);
/* Writes a trace (binary, or CSV when the name ends in ".csv"); 0 or -1. */
int sb_trace_write(const char *path, const sb_trace *t, char *err, size_t err_size);
void sb_trace_free(sb_trace *t);
/* Checks one record and the shape it must fit; 0 or -1 with a sentence.
 * (A family's records are checked together by the readers and writers.) */
int sb_trace_check(const sb_trace_shape *shape, const sb_trace_rec *r, char *err, size_t err_size);

#endif
