/*
 * Shared helpers for the API tests: a fake clock, an engine factory with a
 * fixed code_key, slots relative to the test horizon, valid and invalid
 * BSNs computed independently of the library, and status assertions that
 * print status names; and the horizon, options and temporary directory of
 * the journal tests.  Public header only.
 */
#ifndef SB_API_TEST_HELPERS_H
#define SB_API_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <slotbook.h>

/* 2022-07-01, the first day of every test horizon, and its midnight in ms. */
#define DAY0 19174
#define T0 (UINT64_C(19174) * 86400000u)
#define DAYS 10u
#define LOCATIONS 4u
#define WINDOWS 3u
#define HOLD_MS 60000u
#define MAX_PEOPLE 1024u

/* A clock the test moves by hand. */
typedef struct fake_clock {
    uint64_t now;
} fake_clock;

static inline uint64_t
fake_clock_ms(void *ctx)
{
    return ((fake_clock *)ctx)->now;
}

/* The test code_key: 1, 2, ..., 32. */
static inline void
test_key(uint8_t key[32])
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i + 1);
}

/* Options of a small engine on the fake clock: LOCATIONS locations, DAYS
 * days from DAY0, WINDOWS windows, MAX_PEOPLE people, holds of HOLD_MS. */
static inline sb_options
test_options(fake_clock *clk)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = LOCATIONS;
    o.first_day = DAY0;
    o.days = DAYS;
    o.windows_per_day = WINDOWS;
    o.max_people = MAX_PEOPLE;
    o.hold_ms = HOLD_MS;
    test_key(o.code_key);
    o.clock_ms = fake_clock_ms;
    o.clock_ctx = clk;
    return o;
}

static inline sb_engine *
test_open(const sb_options *o)
{
    sb_engine *e = NULL;
    sb_status st = sb_open(o, &e);
    cr_assert_eq(st, SB_OK, "sb_open: %s", sb_status_name(st));
    cr_assert_not_null(e);
    return e;
}

/* The slot at location loc, DAY0 + day, window w. */
static inline sb_slot
slot_at(uint16_t loc, int32_t day, uint16_t w)
{
    sb_slot s;
    s.location = loc;
    s.window = w;
    s.day = DAY0 + day;
    return s;
}

/* The 11-check, written here from the specification (not the library's). */
static inline int
bsn_check(uint32_t bsn)
{
    if (bsn == 0 || bsn > 999999999u)
        return 0;
    int sum = 0;
    uint32_t d[9];
    for (int i = 8; i >= 0; i--) {
        d[i] = bsn % 10u;
        bsn /= 10u;
    }
    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (int)d[i];
    sum -= (int)d[8];
    return sum % 11 == 0;
}

/* The n-th valid BSN (n = 0, 1, ...) from 100000000 up.  Consecutive calls
 * with n, n+1 are cheap: the last answer is remembered. */
static inline uint32_t
bsn_nth(uint32_t n)
{
    static uint32_t last_n = UINT32_MAX, last_bsn;
    uint32_t i = 0, bsn = 100000000u;
    if (last_n != UINT32_MAX && n >= last_n) {
        i = last_n;
        bsn = last_bsn;
    } else {
        while (!bsn_check(bsn))
            bsn++;
    }
    while (i < n) {
        bsn++;
        while (!bsn_check(bsn))
            bsn++;
        i++;
    }
    last_n = n;
    last_bsn = bsn;
    return bsn;
}

/* A 9-digit number that fails the 11-check. */
#define BSN_BAD_CHECK 111222334u
/* The examples of the specification. */
#define BSN_A 111222333u
#define BSN_B 123456782u

#define ST_EQ(call, want)                                                           \
    do {                                                                            \
        sb_status st_ = (call);                                                     \
        sb_status want_ = (want);                                                   \
        cr_assert_eq(st_, want_, "%s: got %s, want %s", #call, sb_status_name(st_), \
                     sb_status_name(want_));                                        \
    } while (0)

/* test_open(), then every location of o opened. */
static inline sb_engine *
test_open_all(const sb_options *o)
{
    sb_engine *x = test_open(o);
    for (uint16_t l = 0; l < o->max_locations; l++)
        ST_EQ(sb_location_open(x, l), SB_OK);
    return x;
}

/* Asserts that sb_audit finds nothing wrong with x. */
static inline void
audit_clean(sb_engine *x)
{
    char msg[256] = "";
    sb_audit_report r;
    sb_status st = sb_audit(x, &r, msg, sizeof msg);
    cr_assert_eq(st, SB_OK, "audit: %s: %s (%" PRIu64 " violations)", sb_status_name(st), msg,
                 r.violations);
}

static inline sb_slot_info
slot_info(sb_engine *e, sb_slot s)
{
    sb_slot_info info;
    memset(&info, 0xab, sizeof info);
    ST_EQ(sb_slot_read(e, s, &info), SB_OK);
    return info;
}

/* Asserts every counter of a slot, and the invariants of any answer. */
#define SLOT_EQ(e, s, cap, held_, booked_, redeemed_, pending_, free_)                \
    do {                                                                              \
        sb_slot_info i_ = slot_info((e), (s));                                        \
        cr_assert_eq(i_.capacity, (uint32_t)(cap), "capacity %u", i_.capacity);       \
        cr_assert_eq(i_.held, (uint32_t)(held_), "held %u", i_.held);                 \
        cr_assert_eq(i_.booked, (uint32_t)(booked_), "booked %u", i_.booked);         \
        cr_assert_eq(i_.redeemed, (uint32_t)(redeemed_), "redeemed %u", i_.redeemed); \
        cr_assert_eq(i_.pending, (uint32_t)(pending_), "pending %u", i_.pending);     \
        cr_assert_eq(i_.free, (uint32_t)(free_), "free %u", i_.free);                 \
    } while (0)

/* A code looks like "XXXX-XXXX-XXXX-XXXX" in upper-case Crockford base32. */
static inline int
code_well_formed(const char *code)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (strlen(code) != SB_CODE_SIZE - 1)
        return 0;
    for (int i = 0; i < SB_CODE_SIZE - 1; i++) {
        if (i % 5 == 4) {
            if (code[i] != '-')
                return 0;
        } else if (code[i] == '\0' || !strchr(alphabet, code[i])) {
            return 0;
        }
    }
    return 1;
}

/* Books bsn on s and returns its code in code; asserts SB_OK. */
static inline void
book_ok(sb_engine *e, uint32_t bsn, sb_slot s, char code[SB_CODE_SIZE])
{
    sb_status st = sb_book(e, bsn, s, code);
    cr_assert_eq(st, SB_OK, "sb_book(%09u): %s", bsn, sb_status_name(st));
    cr_assert(code_well_formed(code), "malformed code '%s'", code);
}

/* Moves bsn's booking to s and returns the new code in code; asserts SB_OK. */
static inline void
reschedule_ok(sb_engine *e, uint32_t bsn, sb_slot s, char code[SB_CODE_SIZE])
{
    sb_status st = sb_reschedule(e, bsn, s, code);
    cr_assert_eq(st, SB_OK, "sb_reschedule(%09u): %s", bsn, sb_status_name(st));
    cr_assert(code_well_formed(code), "malformed code '%s'", code);
}

/* Asserts what sb_lookup says of bsn: SB_OK, the state and the slot. */
#define LOOKUP_EQ(e, bsn, state_, s)                                                     \
    do {                                                                                 \
        sb_booking b_;                                                                   \
        sb_slot s_ = (s);                                                                \
        ST_EQ(sb_lookup((e), (bsn), &b_), SB_OK);                                        \
        cr_assert_eq(b_.state, (state_), "state %d", (int)b_.state);                     \
        cr_assert(b_.slot.location == s_.location && b_.slot.day == s_.day &&            \
                      b_.slot.window == s_.window,                                       \
                  "slot (%u, %d, %u), want (%u, %d, %u)", b_.slot.location, b_.slot.day, \
                  b_.slot.window, s_.location, s_.day, s_.window);                       \
    } while (0)

/* The stickers on location loc's shelf (use_stock engines); asserts SB_OK. */
static inline uint64_t
stock_on(sb_engine *e, uint16_t loc)
{
    uint64_t n = UINT64_MAX;
    sb_status st = sb_stock_read(e, loc, &n);
    cr_assert_eq(st, SB_OK, "sb_stock_read(%u): %s", (unsigned)loc, sb_status_name(st));
    return n;
}

#define STOCK_EQ(e, loc, want)                                                      \
    do {                                                                            \
        uint64_t n_ = stock_on((e), (loc)), want_ = (want);                         \
        cr_assert_eq(n_, want_, "stock of location %u: %" PRIu64 ", want %" PRIu64, \
                     (unsigned)(loc), n_, want_);                                   \
    } while (0)

/* ---- journalled engines (api/journal_test.c, the unit test journal_test.c) ---- */

/* Their horizon: J_LOCATIONS locations, J_DAYS days from day 20000
 * (2024-10-04), J_WINDOWS windows, J_PEOPLE people, with stock. */
#define J_DAY0 20000
#define J_T0 (UINT64_C(20000) * 86400000u)
#define J_LOCATIONS LOCATIONS
#define J_DAYS DAYS
#define J_WINDOWS 2u
#define J_PEOPLE 4096u

/* test_options() on that horizon, journalled to path in mode durable. */
static inline sb_options
j_test_options(fake_clock *clk, const char *path, uint8_t durable)
{
    sb_options o = test_options(clk);
    o.first_day = J_DAY0;
    o.windows_per_day = J_WINDOWS;
    o.max_people = J_PEOPLE;
    o.use_stock = 1;
    o.journal = path;
    o.durable = durable;
    return o;
}

/* The slot at location loc, J_DAY0 + day, window w. */
static inline sb_slot
j_at(uint16_t loc, int32_t day, uint16_t w)
{
    return (sb_slot){.location = loc, .window = w, .day = J_DAY0 + day};
}

/* Makes a fresh directory from templ (ending in XXXXXX) in dir, and names
 * the journal in it in jpath. */
static inline void
j_dir_make(char dir[64], char jpath[128], const char *templ)
{
    snprintf(dir, 64, "%s", templ);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    snprintf(jpath, 128, "%s/journal", dir);
}

/* Removes the directory path and the files in it. */
static inline void
j_dir_remove(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    char name[512];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(name, sizeof name, "%s/%s", path, de->d_name);
        unlink(name);
    }
    closedir(d);
    rmdir(path);
}

#endif
