/*
 * API tests: the journal (sb_options.journal, durable, flush_ms; sb_sync,
 * sb_checkpoint, sb_journal_read, sb_last_error; SB_IO, SB_CORRUPT,
 * SB_MISMATCH).
 *
 * A mixed workload (locations, releases, reserve and confirm, book, cancel,
 * redeem, reschedule, stickers, families, the waiting list, live holds) is
 * closed and recovered in both durability modes, with checkpoints in the
 * middle and at the end, and over two reopens: every slot's capacity,
 * booked and redeemed, every person's lookup, every code's verify answer
 * and every shelf come back, and holds vanish (their places and stickers
 * with them).  Then the options sb_open() refuses, the journals of another
 * code_key or shape, the durability calls and their counters, a leftover
 * checkpoint file, and a journal cut at every length or with any one bit
 * flipped: each is recovered as a state the engine was in, or refused,
 * never a crash.
 *
 * Every test works in a fresh directory under /tmp, removed at the end.
 */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every engine here has the journal tests' horizon (helpers.h). */
#define NSLOTS (J_LOCATIONS * J_DAYS * J_WINDOWS)
/* The journal's file header (lib/journal.h): shorter files are damaged. */
#define HEADER_SIZE 128u

/* People P[0..NP) and the codes issued to them. */
#define NP 256u
#define MAX_CODES 256u

static fake_clock clk = {J_T0};
static sb_engine *e;
static char dir[64];
static char jpath[128];
static uint32_t P[NP];

typedef struct issued {
    uint32_t bsn;
    char code[SB_CODE_SIZE];
} issued;
static issued codes[MAX_CODES];
static unsigned ncodes;

static void
setup(void)
{
    clk.now = J_T0;
    j_dir_make(dir, jpath, "/tmp/sb-journal-XXXXXX");
    for (uint32_t i = 0; i < NP; i++)
        P[i] = bsn_nth(i);
    ncodes = 0;
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
    j_dir_remove(dir);
}

/* Options of the test engine, journalled to jpath in durability mode. */
static sb_options
j_options(uint8_t durable)
{
    return j_test_options(&clk, jpath, durable);
}

/* Opens e with o; asserts SB_OK. */
static void
open_ok(const sb_options *o)
{
    cr_assert_null(e, "engine still open");
    sb_status st = sb_open(o, &e);
    cr_assert_eq(st, SB_OK, "sb_open: %s: %s", sb_status_name(st), sb_last_error());
    cr_assert_not_null(e);
}

static void
close_engine(void)
{
    sb_close(e);
    e = NULL;
}

/* sb_open of o, which must fail: returns the status, e stays NULL. */
static sb_status
open_fails(const sb_options *o)
{
    sb_engine *x = NULL;
    sb_status st = sb_open(o, &x);
    if (st == SB_OK) {
        sb_close(x);
        return SB_OK;
    }
    return st;
}

#define AUDIT_OK(what)                                                                       \
    do {                                                                                     \
        char msg_[256] = "";                                                                 \
        sb_status st_ = sb_audit(e, NULL, msg_, sizeof msg_);                                \
        cr_assert_eq(st_, SB_OK, "%s: sb_audit: %s: %s", (what), sb_status_name(st_), msg_); \
    } while (0)

static uint64_t
file_size(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "stat %s: %s", path, strerror(errno));
    return (uint64_t)sb.st_size;
}

/* The whole file in a malloc'ed buffer; its size in *n. */
static uint8_t *
read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    cr_assert_geq(len, 0);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Writes buf[0..n) as the whole of path. */
static void
write_all(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
    if (n)
        cr_assert_eq(fwrite(buf, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* ---- the state, as the public reads show it ------------------------------ */

typedef struct snap {
    sb_slot_info slot[NSLOTS];
    sb_status look_st[NP];
    sb_booking look[NP];
    unsigned ncodes;
    sb_status ver_st[MAX_CODES];
    sb_booking ver[MAX_CODES];
    uint64_t stock[J_LOCATIONS];
    int closed[J_LOCATIONS];
} snap;

static uint32_t
slot_number(uint16_t loc, uint32_t day, uint16_t w)
{
    return ((uint32_t)loc * J_DAYS + day) * J_WINDOWS + w;
}

/* Only the fields a lookup or verify answer defines for its state. */
static sb_booking
canon(const sb_booking *b)
{
    sb_booking c;
    memset(&c, 0, sizeof c);
    c.bsn = b->bsn;
    c.slot = b->slot;
    c.state = b->state;
    if (b->state == SB_STATE_HELD)
        c.deadline_ms = b->deadline_ms;
    if (b->state == SB_STATE_WAITING) {
        c.position = b->position;
        c.last_day = b->last_day;
    }
    return c;
}

static void
snap_take(snap *s)
{
    memset(s, 0, sizeof *s);
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        for (uint32_t d = 0; d < J_DAYS; d++)
            for (uint16_t w = 0; w < J_WINDOWS; w++)
                ST_EQ(sb_slot_read(e, j_at(l, (int32_t)d, w), &s->slot[slot_number(l, d, w)]),
                      SB_OK);
    for (uint32_t i = 0; i < NP; i++) {
        sb_booking b;
        memset(&b, 0, sizeof b);
        s->look_st[i] = sb_lookup(e, P[i], &b);
        if (s->look_st[i] == SB_OK)
            s->look[i] = canon(&b);
    }
    s->ncodes = ncodes;
    for (unsigned i = 0; i < ncodes; i++) {
        sb_booking b;
        memset(&b, 0, sizeof b);
        s->ver_st[i] = sb_verify(e, codes[i].code, codes[i].bsn, &b);
        if (s->ver_st[i] == SB_OK || s->ver_st[i] == SB_USED)
            s->ver[i] = canon(&b);
    }
    for (uint16_t l = 0; l < J_LOCATIONS; l++) {
        ST_EQ(sb_stock_read(e, l, &s->stock[l]), SB_OK);
        sb_slot first;
        s->closed[l] = sb_next_free(e, l, J_DAY0, &first) == SB_CLOSED;
    }
}

/* What a recovery of s shows: holds are not journalled, so their places
 * are free again, their stickers back on the shelf, and their people as
 * before the hold (every hold of these tests is a person's first call). */
static void
snap_forget_holds(snap *s)
{
    for (uint32_t i = 0; i < NSLOTS; i++) {
        sb_slot_info *si = &s->slot[i];
        s->stock[i / (J_DAYS * J_WINDOWS)] += si->held;
        si->free += si->held;
        si->held = 0;
    }
    for (uint32_t i = 0; i < NP; i++)
        if (s->look_st[i] == SB_OK && s->look[i].state == SB_STATE_HELD) {
            s->look_st[i] = SB_NOT_FOUND;
            memset(&s->look[i], 0, sizeof s->look[i]);
        }
}

static int
booking_differs(const sb_booking *a, const sb_booking *b)
{
    return a->bsn != b->bsn || a->slot.location != b->slot.location || a->slot.day != b->slot.day ||
           a->slot.window != b->slot.window || a->state != b->state ||
           a->deadline_ms != b->deadline_ms || a->position != b->position ||
           a->last_day != b->last_day;
}

static void
booking_str(char *out, size_t n, sb_status st, const sb_booking *b)
{
    snprintf(out, n, "%s state %d at (%u, +%d, %u) position %u last +%d", sb_status_name(st),
             (int)b->state, b->slot.location, b->slot.day - J_DAY0, b->slot.window, b->position,
             b->last_day ? b->last_day - J_DAY0 : 0);
}

/* 0 when got and want are the same state, else 1 with the first
 * difference in msg.  Codes are compared as far as both know them. */
static int
snap_diff(const snap *got, const snap *want, char *msg, size_t n)
{
    char g[160], w[160];
    for (uint32_t i = 0; i < NSLOTS; i++) {
        const sb_slot_info *a = &got->slot[i], *b = &want->slot[i];
        if (memcmp(a, b, sizeof *a) != 0) {
            snprintf(msg, n,
                     "slot (%u, +%u, %u): capacity %u/%u held %u/%u booked %u/%u redeemed %u/%u "
                     "pending %u/%u free %u/%u (got/want)",
                     i / (J_DAYS * J_WINDOWS), i / J_WINDOWS % J_DAYS, i % J_WINDOWS, a->capacity,
                     b->capacity, a->held, b->held, a->booked, b->booked, a->redeemed, b->redeemed,
                     a->pending, b->pending, a->free, b->free);
            return 1;
        }
    }
    for (uint32_t i = 0; i < NP; i++)
        if (got->look_st[i] != want->look_st[i] || booking_differs(&got->look[i], &want->look[i])) {
            booking_str(g, sizeof g, got->look_st[i], &got->look[i]);
            booking_str(w, sizeof w, want->look_st[i], &want->look[i]);
            snprintf(msg, n, "lookup of P[%u] %09u: got %s, want %s", i, P[i], g, w);
            return 1;
        }
    unsigned nc = got->ncodes < want->ncodes ? got->ncodes : want->ncodes;
    for (unsigned i = 0; i < nc; i++)
        if (got->ver_st[i] != want->ver_st[i] || booking_differs(&got->ver[i], &want->ver[i])) {
            booking_str(g, sizeof g, got->ver_st[i], &got->ver[i]);
            booking_str(w, sizeof w, want->ver_st[i], &want->ver[i]);
            snprintf(msg, n, "verify of code %u (%s, %09u): got %s, want %s", i, codes[i].code,
                     codes[i].bsn, g, w);
            return 1;
        }
    for (uint16_t l = 0; l < J_LOCATIONS; l++) {
        if (got->stock[l] != want->stock[l]) {
            snprintf(msg, n, "stock of location %u: got %llu, want %llu", l,
                     (unsigned long long)got->stock[l], (unsigned long long)want->stock[l]);
            return 1;
        }
        if (got->closed[l] != want->closed[l]) {
            snprintf(msg, n, "location %u: got %s, want %s", l, got->closed[l] ? "closed" : "open",
                     want->closed[l] ? "closed" : "open");
            return 1;
        }
    }
    return 0;
}

#define STATE_EQ(got, want, what)                                \
    do {                                                         \
        char m_[512];                                            \
        if (snap_diff((got), (want), m_, sizeof m_))             \
            cr_assert_fail("%s: state differs: %s", (what), m_); \
    } while (0)

static snap want, got;

/* The state of e now, as a recovery should show it. */
static void
expect_recovered(snap *s)
{
    snap_take(s);
    snap_forget_holds(s);
}

/* ---- the workload ----------------------------------------------------------- */

static void
note_code(uint32_t bsn, const char *code)
{
    cr_assert_lt(ncodes, MAX_CODES);
    cr_assert(code_well_formed(code), "malformed code '%s'", code);
    codes[ncodes].bsn = bsn;
    memcpy(codes[ncodes].code, code, SB_CODE_SIZE);
    ncodes++;
}

/* The latest code issued to bsn. */
static const char *
code_of(uint32_t bsn)
{
    for (unsigned i = ncodes; i-- > 0;)
        if (codes[i].bsn == bsn)
            return codes[i].code;
    cr_assert_fail("no code for %09u", bsn);
    return NULL;
}

static void
j_book(unsigned i, sb_slot s)
{
    char code[SB_CODE_SIZE];
    book_ok(e, P[i], s, code);
    note_code(P[i], code);
}

static void
j_reserve_confirm(unsigned i, sb_slot s)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, P[i], s), SB_OK);
    ST_EQ(sb_confirm(e, P[i], code), SB_OK);
    note_code(P[i], code);
}

static void
j_reschedule(unsigned i, sb_slot s)
{
    char code[SB_CODE_SIZE];
    reschedule_ok(e, P[i], s, code);
    note_code(P[i], code);
}

static void
j_redeem(unsigned i)
{
    sb_status st = sb_redeem(e, code_of(P[i]), P[i]);
    cr_assert_eq(st, SB_OK, "redeem P[%u]: %s", i, sb_status_name(st));
}

static void
j_cancel(unsigned i)
{
    sb_status st = sb_cancel(e, P[i]);
    cr_assert_eq(st, SB_OK, "cancel P[%u]: %s", i, sb_status_name(st));
}

/* P[first .. first + n) book s as one family. */
static void
j_group(unsigned first, unsigned n, sb_slot s)
{
    uint32_t bsns[SB_FAMILY_MAX];
    char code[SB_CODE_SIZE];
    for (unsigned k = 0; k < n; k++)
        bsns[k] = P[first + k];
    sb_status st = sb_book_group(e, bsns, n, s, code);
    cr_assert_eq(st, SB_OK, "book_group P[%u..%u): %s", first, first + n, sb_status_name(st));
    for (unsigned k = 0; k < n; k++)
        note_code(bsns[k], code);
}

static void
j_wait(unsigned i, uint16_t loc, int32_t from, int32_t to)
{
    sb_status st = sb_wait(e, P[i], loc, J_DAY0 + from, J_DAY0 + to);
    cr_assert_eq(st, SB_OK, "wait P[%u]: %s", i, sb_status_name(st));
}

static void
j_hold(unsigned i, sb_slot s)
{
    sb_status st = sb_reserve(e, P[i], s);
    cr_assert_eq(st, SB_OK, "reserve P[%u]: %s", i, sb_status_name(st));
}

/* The first half of the workload: people P[0..100).  Nobody is ever
 * offered a place from a waiting list (they wait at location 3 for days 8
 * and 9, where nothing is released), so every hold is a reserve. */
static void
work_a(void)
{
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        ST_EQ(sb_stock_add(e, l, 40), SB_OK);
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        for (int32_t d = 0; d < 5; d++)
            for (uint16_t w = 0; w < J_WINDOWS; w++)
                ST_EQ(sb_release(e, j_at(l, d, w), 3), SB_OK);
    for (unsigned i = 0; i < 20; i++)
        j_book(i, j_at((uint16_t)(i % 3), (int32_t)(i % 5), (uint16_t)(i % 2)));
    for (unsigned i = 20; i < 30; i++)
        j_reserve_confirm(i, j_at(3, (int32_t)(i % 5), (uint16_t)(i % 2)));
    for (unsigned i = 0; i < 5; i++)
        j_cancel(i);
    for (unsigned i = 5; i < 10; i++)
        j_redeem(i);
    for (unsigned i = 10; i < 13; i++)
        j_reschedule(i, j_at((uint16_t)((i + 1) % 3), 4, (uint16_t)(i % 2)));
    for (unsigned i = 13; i < 15; i++)
        j_reschedule(i, j_at((uint16_t)(i % 3), (int32_t)((i + 1) % 5), (uint16_t)(i % 2)));
    j_group(30, 3, j_at(0, 2, 1));
    j_group(33, 2, j_at(1, 0, 0));
    ST_EQ(sb_release(e, j_at(2, 1, 0), 5), SB_OK);
    j_group(35, 4, j_at(2, 1, 0));
    j_cancel(34); /* the whole family of P[33], P[34] */
    j_redeem(31); /* one member of P[30..33) */
    for (unsigned i = 40; i < 44; i++)
        j_wait(i, 3, 8, 9);
    for (unsigned i = 50; i < 54; i++)
        j_hold(i, j_at((uint16_t)(i - 50), 0, 0));
    ST_EQ(sb_location_close(e, 2), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 7), SB_OK);
}

/* The second half: changes to people of the first, and P[100..160). */
static void
work_b(void)
{
    j_cancel(15);
    j_redeem(16);
    j_reschedule(17, j_at(0, 3, 0));
    j_redeem(37); /* a member of P[35..39) */
    j_cancel(30); /* the family of P[30..33), P[31] redeemed */
    ST_EQ(sb_location_open(e, 2), SB_OK);
    ST_EQ(sb_release(e, j_at(2, 3, 1), 4), SB_OK);
    for (unsigned i = 100; i < 104; i++)
        j_book(i, j_at(2, 3, 1));
    for (unsigned i = 110; i < 113; i++)
        j_wait(i, 3, 8, 9);
    j_cancel(41); /* leaves the waiting list */
    ST_EQ(sb_release(e, j_at(0, 4, 0), 3), SB_OK);
    for (unsigned i = 104; i < 107; i++)
        j_reserve_confirm(i, j_at(0, 4, 0));
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_stock_add(e, 3, 2), SB_OK);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    for (unsigned i = 150; i < 153; i++)
        j_hold(i, j_at(0, 1, 1));
    j_book(107, j_at(3, 2, 0));
    j_cancel(107);
    j_book(107, j_at(3, 3, 1));
}

/* ---- round trips ------------------------------------------------------------ */

TestSuite(journal_round_trip, .init = setup, .fini = teardown);

/* Runs both halves in mode durable, with checkpoints where asked, closes,
 * recovers and compares. */
static void
round_trip(uint8_t durable, int checkpoint_mid, int checkpoint_end)
{
    sb_options o = j_options(durable);
    open_ok(&o);
    work_a();
    if (checkpoint_mid)
        ST_EQ(sb_checkpoint(e), SB_OK);
    work_b();
    if (checkpoint_end)
        ST_EQ(sb_checkpoint(e), SB_OK);
    sb_journal_info ji;
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    cr_assert_eq(ji.checkpoints, (uint64_t)(checkpoint_mid + checkpoint_end));
    cr_assert_eq(ji.error, 0);
    AUDIT_OK("before close");
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered");
    AUDIT_OK("recovered");
}

Test(journal_round_trip, brings_back_every_change_in_sync_mode)
{
    round_trip(SB_DURABLE_SYNC, 0, 0);
}

Test(journal_round_trip, brings_back_every_change_in_batch_mode)
{
    round_trip(SB_DURABLE_BATCH, 0, 0);
}

Test(journal_round_trip, brings_back_every_change_around_a_checkpoint_in_sync_mode)
{
    round_trip(SB_DURABLE_SYNC, 1, 0);
}

Test(journal_round_trip, brings_back_every_change_around_a_checkpoint_in_batch_mode)
{
    round_trip(SB_DURABLE_BATCH, 1, 0);
}

Test(journal_round_trip, brings_back_a_checkpoint_taken_last_in_sync_mode)
{
    round_trip(SB_DURABLE_SYNC, 0, 1);
}

Test(journal_round_trip, brings_back_two_checkpoints_the_last_at_the_end_in_batch_mode)
{
    round_trip(SB_DURABLE_BATCH, 1, 1);
}

Test(journal_round_trip, lets_the_recovered_engine_go_on)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    work_a();
    close_engine();
    open_ok(&o);
    /* Old codes redeem, the freed places and stickers of the holds are
     * taken, new people get numbers of their own. */
    j_redeem(10);
    ST_EQ(sb_redeem(e, code_of(P[10]), P[10]), SB_USED);
    ST_EQ(sb_redeem(e, code_of(P[5]), P[5]), SB_USED);
    ST_EQ(sb_cancel(e, P[6]), SB_USED);
    ST_EQ(sb_book(e, P[18], j_at(0, 0, 0), (char[SB_CODE_SIZE]){0}), SB_DUPLICATE);
    ST_EQ(sb_location_open(e, 2), SB_OK);
    for (unsigned i = 50; i < 54; i++)
        j_book(i, j_at((uint16_t)(i - 50), 0, 0));
    for (unsigned i = 200; i < 210; i++)
        j_book(i, j_at(3, (int32_t)(i % 5), (uint16_t)(i % 2)));
    AUDIT_OK("after more calls");
    sb_audit_report r;
    ST_EQ(sb_audit(e, &r, NULL, 0), SB_OK);
    cr_assert_eq(r.held, 0);
}

/* ---- reopening again ----------------------------------------------------------- */

TestSuite(journal_reopen, .init = setup, .fini = teardown);

Test(journal_reopen, twice_gives_the_combined_state)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    work_a();
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "first recovery");
    work_b();
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "second recovery");
    AUDIT_OK("second recovery");
    /* A reopen with nothing done in between changes nothing. */
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "third recovery");
    sb_journal_info ji;
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    cr_assert_gt(ji.recovered, 0);
}

Test(journal_reopen, after_a_checkpoint_of_a_recovered_engine_in_batch_mode)
{
    sb_options o = j_options(SB_DURABLE_BATCH);
    open_ok(&o);
    work_a();
    close_engine();
    open_ok(&o);
    ST_EQ(sb_checkpoint(e), SB_OK);
    work_b();
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered after a checkpoint");
    ST_EQ(sb_checkpoint(e), SB_OK);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered from a checkpoint alone");
    AUDIT_OK("recovered");
}

Test(journal_reopen, in_the_other_durability_mode)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    work_a();
    close_engine();
    o.durable = SB_DURABLE_BATCH;
    o.flush_ms = 50;
    open_ok(&o);
    work_b();
    expect_recovered(&want);
    close_engine();
    o.durable = SB_DURABLE_SYNC;
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered");
}

/* ---- options ----------------------------------------------------------------- */

TestSuite(journal_options, .init = setup, .fini = teardown);

Test(journal_options, need_a_code_key)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    memset(o.code_key, 0, sizeof o.code_key);
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
    o.durable = SB_DURABLE_BATCH;
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
}

Test(journal_options, refuse_an_unknown_durability_mode)
{
    sb_options o = j_options(2);
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
    o.durable = 255;
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
}

Test(journal_options, refuse_a_flush_interval_out_of_range)
{
    sb_options o = j_options(SB_DURABLE_BATCH);
    o.flush_ms = 0;
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
    o.flush_ms = 60001;
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
    o.flush_ms = UINT32_MAX;
    ST_EQ(open_fails(&o), SB_INVALID_ARG);
    o.flush_ms = 60000;
    open_ok(&o);
    close_engine();
    o.flush_ms = 1;
    open_ok(&o);
}

Test(journal_options, default_to_sync_mode_every_5_ms)
{
    sb_options o;
    sb_options_init(&o);
    cr_assert_null(o.journal);
    cr_assert_eq(o.durable, SB_DURABLE_SYNC);
    cr_assert_eq(o.flush_ms, 5);
}

Test(journal_options, are_not_checked_without_a_journal)
{
    sb_options o = j_options(2);
    o.journal = NULL;
    o.flush_ms = 0;
    memset(o.code_key, 0, sizeof o.code_key);
    open_ok(&o);
    ST_EQ(sb_sync(e), SB_INVALID_ARG);
}

Test(journal_options, answer_io_for_a_file_in_a_missing_directory)
{
    cr_assert_str_empty(sb_last_error(), "an error before any failure");
    char path[256];
    snprintf(path, sizeof path, "%s/missing/journal", dir);
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = path;
    ST_EQ(open_fails(&o), SB_IO);
    cr_assert_str_not_empty(sb_last_error());
    cr_assert_not_null(strstr(sb_last_error(), path), "sb_last_error names no file: '%s'",
                       sb_last_error());
    o.durable = SB_DURABLE_BATCH;
    ST_EQ(open_fails(&o), SB_IO);
    cr_assert_str_not_empty(sb_last_error());
}

Test(journal_options, answer_io_for_a_directory)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = dir;
    ST_EQ(open_fails(&o), SB_IO);
    cr_assert_str_not_empty(sb_last_error());
}

/* ---- another engine's journal --------------------------------------------------- */

TestSuite(journal_mismatch, .init = setup, .fini = teardown);

/* Makes a journal with the first half of the workload and closes it. */
static void
make_journal(void)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    work_a();
    expect_recovered(&want);
    close_engine();
}

/* The journal still opens with its own options and holds what it held. */
static void
journal_intact(void)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "after the refused opens");
    close_engine();
}

Test(journal_mismatch, refuses_another_code_key)
{
    make_journal();
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.code_key[31] ^= 1;
    ST_EQ(open_fails(&o), SB_MISMATCH);
    cr_assert_str_not_empty(sb_last_error());
    o.durable = SB_DURABLE_BATCH;
    ST_EQ(open_fails(&o), SB_MISMATCH);
    journal_intact();
}

Test(journal_mismatch, refuses_another_shape)
{
    make_journal();
    for (int k = 0; k < 10; k++) {
        sb_options o = j_options(SB_DURABLE_SYNC);
        const char *what = "";
        switch (k) {
        case 0:
            what = "max_locations";
            o.max_locations = J_LOCATIONS + 1;
            break;
        case 1:
            what = "fewer max_locations";
            o.max_locations = J_LOCATIONS - 1;
            break;
        case 2:
            what = "days";
            o.days = J_DAYS + 1;
            break;
        case 3:
            what = "first_day";
            o.first_day = J_DAY0 + 1;
            break;
        case 4:
            what = "max_people";
            o.max_people = J_PEOPLE * 2;
            break;
        case 5:
            what = "windows_per_day";
            o.windows_per_day = J_WINDOWS + 1;
            break;
        case 6:
            what = "use_stock";
            o.use_stock = 0;
            break;
        case 7:
            what = "max_families";
            o.max_families = 7;
            break;
        case 8:
            what = "max_waiting";
            o.max_waiting = 9;
            break;
        default:
            what = "fewer days";
            o.days = J_DAYS - 1;
            break;
        }
        sb_status st = open_fails(&o);
        cr_assert_eq(st, SB_MISMATCH, "another %s: %s, want SB_MISMATCH", what, sb_status_name(st));
        cr_assert_str_not_empty(sb_last_error(), "another %s: no sb_last_error", what);
    }
    journal_intact();
}

Test(journal_mismatch, lets_everything_else_change)
{
    make_journal();
    sb_options o = j_options(SB_DURABLE_BATCH);
    o.flush_ms = 100;
    o.hold_ms = 1000;
    o.release_delay_ms = 10;
    o.holds_per_slot = 16;
    o.max_changes = 15;
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered with other options");
    AUDIT_OK("recovered with other options");
}

/* ---- the durability calls ---------------------------------------------------------- */

TestSuite(journal_calls, .init = setup, .fini = teardown);

Test(journal_calls, answer_invalid_arg_without_a_journal)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = NULL;
    open_ok(&o);
    sb_journal_info ji;
    ST_EQ(sb_sync(e), SB_INVALID_ARG);
    ST_EQ(sb_checkpoint(e), SB_INVALID_ARG);
    ST_EQ(sb_journal_read(e, &ji), SB_INVALID_ARG);
    ST_EQ(sb_sync(NULL), SB_INVALID_ARG);
    ST_EQ(sb_checkpoint(NULL), SB_INVALID_ARG);
    ST_EQ(sb_journal_read(NULL, &ji), SB_INVALID_ARG);
    /* The engine works as before. */
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_release(e, j_at(0, 0, 0), 1), SB_OK);
    j_book(0, j_at(0, 0, 0));
}

Test(journal_calls, answer_ok_with_a_journal)
{
    for (uint8_t mode = SB_DURABLE_SYNC; mode <= SB_DURABLE_BATCH; mode++) {
        sb_options o = j_options(mode);
        open_ok(&o);
        ST_EQ(sb_sync(e), SB_OK);
        ST_EQ(sb_location_open(e, 0), SB_OK);
        ST_EQ(sb_sync(e), SB_OK);
        ST_EQ(sb_checkpoint(e), SB_OK);
        ST_EQ(sb_sync(e), SB_OK);
        sb_journal_info ji;
        ST_EQ(sb_journal_read(e, NULL), SB_INVALID_ARG);
        ST_EQ(sb_journal_read(e, &ji), SB_OK);
        cr_assert_eq(ji.error, 0);
        close_engine();
    }
}

/* Reads the counters; asserts SB_OK, a healthy journal and its size. */
static sb_journal_info
info(void)
{
    sb_journal_info ji;
    memset(&ji, 0xab, sizeof ji);
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    cr_assert_eq(ji.error, 0, "journal error %d", ji.error);
    return ji;
}

Test(journal_calls, count_records_flushes_and_recovered_records_in_sync_mode)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    sb_journal_info a = info();
    cr_assert_eq(a.recovered, 0, "recovered %llu from a new file", (unsigned long long)a.recovered);
    cr_assert_eq(a.checkpoints, 0);
    cr_assert_eq(a.cut_bytes, 0);
    cr_assert_eq(a.bytes, file_size(jpath));
    cr_assert_geq(a.bytes, HEADER_SIZE);
    /* Each journalled call adds a record and, alone in sync mode, a flush. */
    for (int k = 0; k < 6; k++) {
        switch (k) {
        case 0:
            ST_EQ(sb_location_open(e, 0), SB_OK);
            break;
        case 1:
            ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
            break;
        case 2:
            ST_EQ(sb_release(e, j_at(0, 0, 0), 3), SB_OK);
            break;
        case 3:
            j_book(0, j_at(0, 0, 0));
            break;
        case 4:
            j_reserve_confirm(1, j_at(0, 0, 0));
            break;
        default:
            j_cancel(0);
            break;
        }
        sb_journal_info b = info();
        cr_assert_gt(b.records, a.records, "call %d: records %llu, were %llu", k,
                     (unsigned long long)b.records, (unsigned long long)a.records);
        cr_assert_gt(b.flushes, a.flushes, "call %d: flushes %llu, were %llu", k,
                     (unsigned long long)b.flushes, (unsigned long long)a.flushes);
        cr_assert_gt(b.bytes, a.bytes, "call %d: bytes %llu, were %llu", k,
                     (unsigned long long)b.bytes, (unsigned long long)a.bytes);
        cr_assert_eq(b.bytes, file_size(jpath), "call %d: bytes is not the file size", k);
        a = b;
    }
    ST_EQ(sb_checkpoint(e), SB_OK);
    sb_journal_info c = info();
    cr_assert_eq(c.checkpoints, 1);
    cr_assert_eq(c.bytes, file_size(jpath));
    close_engine();
    open_ok(&o);
    sb_journal_info r = info();
    cr_assert_gt(r.recovered, 0);
    cr_assert_eq(r.checkpoints, 0);
    cr_assert_eq(r.cut_bytes, 0);
    cr_assert_eq(r.bytes, file_size(jpath));
}

Test(journal_calls, count_flushes_in_batch_mode_after_a_sync)
{
    sb_options o = j_options(SB_DURABLE_BATCH);
    o.flush_ms = 60000; /* only sb_sync flushes within the test */
    open_ok(&o);
    sb_journal_info a = info();
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_release(e, j_at(0, 0, 0), 3), SB_OK);
    j_book(0, j_at(0, 0, 0));
    ST_EQ(sb_sync(e), SB_OK);
    sb_journal_info b = info();
    cr_assert_geq(b.records, a.records + 4, "records %llu, were %llu",
                  (unsigned long long)b.records, (unsigned long long)a.records);
    cr_assert_gt(b.flushes, 0);
    cr_assert_eq(b.bytes, file_size(jpath));
    /* The long interval does not hold back a close. */
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered");
    cr_assert_gt(info().recovered, 0);
}

/* ---- a checkpoint that crashed ------------------------------------------------------ */

TestSuite(journal_tmp, .init = setup, .fini = teardown);

/* A checkpoint writes <journal>.tmp and renames it: a crash before the
 * rename leaves the file behind, with anything in it. */
static void
leftover_tmp_is_ignored(const uint8_t *junk, size_t n)
{
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", jpath);
    write_all(tmp, junk, n);
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered beside a leftover .tmp");
    work_b();
    ST_EQ(sb_checkpoint(e), SB_OK);
    expect_recovered(&want);
    close_engine();
    open_ok(&o);
    snap_take(&got);
    STATE_EQ(&got, &want, "recovered after a checkpoint");
    AUDIT_OK("recovered");
}

Test(journal_tmp, with_garbage_does_not_disturb_recovery)
{
    make_journal();
    uint8_t junk[5000];
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < sizeof junk; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk[i] = (uint8_t)x;
    }
    leftover_tmp_is_ignored(junk, sizeof junk);
}

Test(journal_tmp, with_half_a_journal_does_not_disturb_recovery)
{
    make_journal();
    size_t n;
    uint8_t *buf = read_all(jpath, &n);
    leftover_tmp_is_ignored(buf, n / 2);
    free(buf);
}

Test(journal_tmp, that_is_empty_does_not_disturb_recovery)
{
    make_journal();
    leftover_tmp_is_ignored(NULL, 0);
}

/* ---- damaged journals ------------------------------------------------------------------ */

/* A small journal in sync mode, one call at a time, so that every call is
 * a flush of its own: states[k] is the state after k calls as a recovery
 * shows it, sizes[k] the file's size then.  The file is copied before
 * sb_close, as a crash would leave it. */
#define MAX_STEPS 48
static snap states[MAX_STEPS];
static uint64_t sizes[MAX_STEPS];
static unsigned nsteps;
static uint8_t *image;
static size_t image_len;
static char copy[160];

static void
step(void)
{
    cr_assert_lt(nsteps, MAX_STEPS);
    expect_recovered(&states[nsteps]);
    sizes[nsteps] = file_size(jpath);
    nsteps++;
}

static void
build_small_journal(void)
{
    sb_options o = j_options(SB_DURABLE_SYNC);
    open_ok(&o);
    nsteps = 0;
    step();
    for (uint16_t l = 0; l < 3; l++) {
        ST_EQ(sb_location_open(e, l), SB_OK);
        step();
        ST_EQ(sb_stock_add(e, l, 20), SB_OK);
        step();
    }
    ST_EQ(sb_release(e, j_at(0, 0, 0), 3), SB_OK);
    step();
    ST_EQ(sb_release(e, j_at(0, 1, 1), 3), SB_OK);
    step();
    ST_EQ(sb_release(e, j_at(1, 2, 0), 6), SB_OK);
    step();
    ST_EQ(sb_release(e, j_at(2, 3, 1), 3), SB_OK);
    step();
    j_book(0, j_at(0, 0, 0));
    step();
    j_book(1, j_at(0, 0, 0));
    step();
    j_book(2, j_at(0, 1, 1));
    step();
    j_book(3, j_at(0, 1, 1));
    step();
    j_book(4, j_at(1, 2, 0));
    step();
    j_book(5, j_at(2, 3, 1));
    step();
    j_hold(6, j_at(0, 0, 0));
    step();
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, P[6], code), SB_OK);
    note_code(P[6], code);
    step();
    j_cancel(1);
    step();
    j_redeem(2);
    step();
    j_reschedule(3, j_at(1, 2, 0));
    step();
    j_group(10, 3, j_at(1, 2, 0));
    step();
    j_cancel(11);
    step();
    j_group(13, 2, j_at(0, 1, 1));
    step();
    j_redeem(14);
    step();
    j_wait(20, 2, 5, 9);
    step();
    j_wait(21, 2, 5, 9);
    step();
    ST_EQ(sb_location_close(e, 1), SB_OK);
    step();
    ST_EQ(sb_stock_add(e, 2, 5), SB_OK);
    step();
    j_hold(30, j_at(2, 3, 1));
    step();
    j_book(7, j_at(2, 3, 1));
    step();
    j_cancel(20);
    step();
    ST_EQ(sb_release(e, j_at(0, 4, 0), 2), SB_OK);
    step();
    image = read_all(jpath, &image_len);
    cr_assert_eq(image_len, sizes[nsteps - 1]);
    cr_assert_gt(image_len, HEADER_SIZE);
    snprintf(copy, sizeof copy, "%s/copy", dir);
    for (unsigned k = 1; k < nsteps; k++)
        cr_assert_geq(sizes[k], sizes[k - 1]);
}

/* The engine e was recovered from a damaged copy: returns the number of
 * the state it shows, the first from `from` on that matches, asserting
 * there is one and that sb_audit passes. */
static unsigned
recovered_state(unsigned from, const char *what, size_t arg)
{
    snap_take(&got);
    char msg[512], first[512] = "";
    unsigned k = from;
    for (; k < nsteps; k++) {
        if (!snap_diff(&got, &states[k], msg, sizeof msg))
            break;
        if (k == from)
            strcpy(first, msg);
    }
    if (k == nsteps)
        cr_assert_fail("%s %zu: the state recovered is none the engine was in from call %u "
                       "on; against call %u: %s",
                       what, arg, from, from, first);
    char amsg[256] = "";
    sb_status st = sb_audit(e, NULL, amsg, sizeof amsg);
    cr_assert_eq(st, SB_OK, "%s %zu: sb_audit: %s: %s", what, arg, sb_status_name(st), amsg);
    return k;
}

/* The last call whose record lies wholly within the first len bytes. */
static unsigned
last_call_within(size_t len)
{
    unsigned k = 0;
    for (unsigned i = 0; i < nsteps; i++)
        if (sizes[i] <= len)
            k = i;
    return k;
}

TestSuite(journal_torn, .init = setup, .fini = teardown);

Test(journal_torn, tail_is_cut_at_every_length)
{
    build_small_journal();
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = copy;
    unsigned prev = 0;
    for (size_t len = HEADER_SIZE; len <= image_len; len++) {
        write_all(copy, image, len);
        sb_engine *x = NULL;
        sb_status st = sb_open(&o, &x);
        cr_assert_eq(st, SB_OK, "cut at %zu of %zu: %s: %s", len, image_len, sb_status_name(st),
                     sb_last_error());
        sb_engine *keep = e;
        e = x;
        /* Every call acknowledged within len bytes is there; the state is
         * one the engine was in, never older than the one of a shorter cut. */
        unsigned from = last_call_within(len);
        if (from < prev)
            from = prev;
        unsigned k = recovered_state(from, "cut at", len);
        if (len == image_len) {
            cr_assert_eq(k, nsteps - 1, "the whole file recovers state %u of %u", k, nsteps - 1);
            sb_journal_info ji;
            ST_EQ(sb_journal_read(e, &ji), SB_OK);
            cr_assert_eq(ji.cut_bytes, 0);
        }
        prev = k;
        sb_close(x);
        e = keep;
    }
    free(image);
}

Test(journal_torn, file_shorter_than_its_header_is_refused)
{
    build_small_journal();
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = copy;
    for (size_t len = 0; len < HEADER_SIZE; len++) {
        write_all(copy, image, len);
        sb_engine *x = NULL;
        sb_status st = sb_open(&o, &x);
        if (st == SB_OK) {
            /* An empty file may be taken for a new one, with nothing in it. */
            cr_assert_eq(len, 0, "cut at %zu: SB_OK", len);
            sb_engine *keep = e;
            e = x;
            cr_assert_eq(recovered_state(0, "empty file", len), 0);
            sb_close(x);
            e = keep;
            continue;
        }
        cr_assert(st == SB_CORRUPT || st == SB_IO, "cut at %zu: %s, want SB_CORRUPT or SB_IO", len,
                  sb_status_name(st));
        cr_assert_str_not_empty(sb_last_error(), "cut at %zu: no sb_last_error", len);
    }
    free(image);
}

TestSuite(journal_flip, .init = setup, .fini = teardown);

/* Opens the image with bit (off % 8) of byte off flipped: SB_CORRUPT or
 * SB_MISMATCH, or SB_OK with a state the engine was in. */
static sb_status
open_flipped(const sb_options *o, size_t off)
{
    image[off] ^= (uint8_t)(1u << (off % 8));
    write_all(copy, image, image_len);
    image[off] ^= (uint8_t)(1u << (off % 8));
    sb_engine *x = NULL;
    sb_status st = sb_open(o, &x);
    if (st == SB_OK) {
        sb_engine *keep = e;
        e = x;
        recovered_state(0, "bit flipped at", off);
        sb_close(x);
        e = keep;
        return st;
    }
    cr_assert(st == SB_CORRUPT || st == SB_MISMATCH,
              "bit flipped at %zu of %zu: %s, want SB_OK, SB_CORRUPT or SB_MISMATCH", off,
              image_len, sb_status_name(st));
    cr_assert_str_not_empty(sb_last_error(), "bit flipped at %zu: no sb_last_error", off);
    return st;
}

Test(journal_flip, of_any_bit_is_caught_or_harmless)
{
    build_small_journal();
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = copy;
    size_t stride = image_len > 16384 ? image_len / 8192 : 1;
    for (size_t off = 0; off < image_len; off += stride)
        open_flipped(&o, off);
    free(image);
}

Test(journal_flip, before_the_last_flush_is_corrupt)
{
    build_small_journal();
    sb_options o = j_options(SB_DURABLE_SYNC);
    o.journal = copy;
    size_t end = HEADER_SIZE + (image_len - HEADER_SIZE) / 2;
    cr_assert_lt(end, sizes[nsteps - 2], "the first half reaches the last flush");
    for (size_t off = HEADER_SIZE; off < end; off++) {
        sb_status st = open_flipped(&o, off);
        cr_assert_eq(st, SB_CORRUPT, "bit flipped at %zu (records %u..%zu): %s, want SB_CORRUPT",
                     off, HEADER_SIZE, image_len, sb_status_name(st));
    }
    free(image);
}
