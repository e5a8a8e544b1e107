/*
 * API tests: sb_each_booking.  It visits exactly the live holds, bookings
 * and redeemed bookings of one location in an inclusive day range, each
 * once with what sb_lookup would say; it stops when fn says so; and fn may
 * call back into the engine (moving everyone out of a closing location).
 */
#include "helpers.h"

#include "splitmix.h"

static fake_clock clk = {T0};
static sb_engine *e;

static void
setup(void)
{
    clk.now = T0;
    sb_options o = test_options(&clk);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++) {
        ST_EQ(sb_location_open(e, l), SB_OK);
        for (int32_t d = 0; d < (int32_t)DAYS; d++)
            for (uint16_t w = 0; w < WINDOWS; w++)
                ST_EQ(sb_release(e, slot_at(l, d, w), 4), SB_OK);
    }
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

TestSuite(each, .init = setup, .fini = teardown);

/* What the visits saw. */
#define VISITS_MAX 256
typedef struct visits {
    unsigned n;
    unsigned stop_after; /* 0: never stop */
    int stop_value;
    sb_booking seen[VISITS_MAX];
} visits;

static int
record(const sb_booking *b, void *ctx)
{
    visits *v = ctx;
    cr_assert_lt(v->n, VISITS_MAX, "too many visits");
    v->seen[v->n++] = *b;
    return v->stop_after && v->n >= v->stop_after ? v->stop_value : 0;
}

static visits
walk(uint16_t loc, int32_t from, int32_t to)
{
    visits v;
    memset(&v, 0, sizeof v);
    ST_EQ(sb_each_booking(e, loc, from, to, record, &v), SB_OK);
    return v;
}

/* The visit of bsn, or NULL; asserts it was seen at most once. */
static const sb_booking *
visit_of(const visits *v, uint32_t bsn)
{
    const sb_booking *found = NULL;
    for (unsigned i = 0; i < v->n; i++) {
        if (v->seen[i].bsn == bsn) {
            cr_assert_null(found, "BSN %09u visited twice", bsn);
            found = &v->seen[i];
        }
    }
    return found;
}

static void
visited_as(const visits *v, uint32_t bsn, sb_state state, sb_slot s, uint64_t deadline)
{
    const sb_booking *b = visit_of(v, bsn);
    cr_assert_not_null(b, "BSN %09u not visited", bsn);
    cr_assert_eq(b->state, state, "BSN %09u in state %d", bsn, (int)b->state);
    cr_assert(b->slot.location == s.location && b->slot.day == s.day && b->slot.window == s.window,
              "BSN %09u at (%u, %d, %u)", bsn, b->slot.location, b->slot.day, b->slot.window);
    cr_assert_eq(b->deadline_ms, deadline, "BSN %09u deadline %" PRIu64, bsn, b->deadline_ms);
}

static int
never_called(const sb_booking *b, void *ctx)
{
    (void)b;
    (void)ctx;
    cr_assert_fail("fn called");
    return 1;
}

/* ---- arguments ------------------------------------------------------------- */

Test(each, answers_invalid_arg_for_null_engine_or_fn)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(0, 0, 0), code);
    visits v;
    memset(&v, 0, sizeof v);
    ST_EQ(sb_each_booking(NULL, 0, DAY0, DAY0, record, &v), SB_INVALID_ARG);
    ST_EQ(sb_each_booking(e, 0, DAY0, DAY0, NULL, &v), SB_INVALID_ARG);
    ST_EQ(sb_each_booking(NULL, 0, DAY0, DAY0, NULL, NULL), SB_INVALID_ARG);
    cr_assert_eq(v.n, 0u);
}

Test(each, answers_invalid_arg_for_an_unknown_location)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(0, 0, 0), code);
    ST_EQ(sb_each_booking(e, LOCATIONS, DAY0, DAY0 + 9, never_called, NULL), SB_INVALID_ARG);
    ST_EQ(sb_each_booking(e, UINT16_MAX, DAY0, DAY0 + 9, never_called, NULL), SB_INVALID_ARG);
}

Test(each, answers_invalid_arg_when_from_day_is_after_to_day)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(0, 3, 0), code);
    ST_EQ(sb_each_booking(e, 0, DAY0 + 4, DAY0 + 3, never_called, NULL), SB_INVALID_ARG);
    ST_EQ(sb_each_booking(e, 0, INT32_MAX, INT32_MIN, never_called, NULL), SB_INVALID_ARG);
    /* One day is a range. */
    visits v = walk(0, DAY0 + 3, DAY0 + 3);
    cr_assert_eq(v.n, 1u);
}

Test(each, accepts_days_outside_the_horizon)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(0, 0, 0), code);
    book_ok(e, BSN_B, slot_at(0, DAYS - 1, 2), code);
    visits v = walk(0, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, 2u);
    v = walk(0, DAY0 - 100, DAY0 - 1);
    cr_assert_eq(v.n, 0u);
    v = walk(0, DAY0 + DAYS, INT32_MAX);
    cr_assert_eq(v.n, 0u);
    v = walk(0, DAY0 - 100, DAY0);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, BSN_A, SB_STATE_BOOKED, slot_at(0, 0, 0), 0);
}

Test(each, calls_nothing_on_an_empty_engine)
{
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_each_booking(e, l, INT32_MIN, INT32_MAX, never_called, NULL), SB_OK);
}

/* ---- what it visits -------------------------------------------------------- */

Test(each, visits_exactly_the_holds_bookings_and_redeemed_bookings_in_range)
{
    char code[SB_CODE_SIZE];
    const sb_slot held = slot_at(0, 1, 0), booked = slot_at(0, 2, 1), used = slot_at(0, 3, 2),
                  moved_in = slot_at(0, 5, 1), edge_lo = slot_at(0, 1, 2),
                  edge_hi = slot_at(0, 5, 0);
    /* Holds that run out: 17's is reclaimed by sb_expire, 16's is not. */
    clk.now = T0;
    ST_EQ(sb_reserve(e, bsn_nth(17), slot_at(0, 4, 1)), SB_OK);
    clk.now = T0 + 10;
    ST_EQ(sb_reserve(e, bsn_nth(16), slot_at(0, 4, 0)), SB_OK);
    clk.now = T0 + HOLD_MS;
    cr_assert_eq(sb_expire(e), 1u);
    /* Visited (days 1 .. 5 of location 0). */
    clk.now = T0 + HOLD_MS + 5;
    ST_EQ(sb_reserve(e, bsn_nth(0), held), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(4), edge_lo), SB_OK);
    book_ok(e, bsn_nth(1), booked, code);
    book_ok(e, bsn_nth(2), used, code);
    ST_EQ(sb_redeem(e, code, bsn_nth(2)), SB_OK);
    book_ok(e, bsn_nth(3), slot_at(2, 4, 0), code);
    reschedule_ok(e, bsn_nth(3), moved_in, code);
    book_ok(e, bsn_nth(5), edge_hi, code);
    /* Not visited. */
    book_ok(e, bsn_nth(10), slot_at(0, 2, 0), code);
    ST_EQ(sb_cancel(e, bsn_nth(10)), SB_OK); /* cancelled booking */
    ST_EQ(sb_reserve(e, bsn_nth(11), slot_at(0, 2, 0)), SB_OK);
    ST_EQ(sb_cancel(e, bsn_nth(11)), SB_OK);         /* cancelled hold */
    book_ok(e, bsn_nth(12), slot_at(1, 2, 1), code); /* another location */
    book_ok(e, bsn_nth(13), slot_at(0, 0, 0), code); /* the day before */
    book_ok(e, bsn_nth(14), slot_at(0, 6, 0), code); /* the day after */
    book_ok(e, bsn_nth(15), slot_at(0, 3, 0), code); /* moved away */
    reschedule_ok(e, bsn_nth(15), slot_at(3, 3, 0), code);
    /* 16's hold runs out at this very moment. */
    clk.now = T0 + 10 + HOLD_MS;

    visits v = walk(0, DAY0 + 1, DAY0 + 5);
    cr_assert_eq(v.n, 6u, "%u visits", v.n);
    const uint64_t deadline = T0 + HOLD_MS + 5 + HOLD_MS;
    visited_as(&v, bsn_nth(0), SB_STATE_HELD, held, deadline);
    visited_as(&v, bsn_nth(1), SB_STATE_BOOKED, booked, 0);
    visited_as(&v, bsn_nth(2), SB_STATE_REDEEMED, used, 0);
    visited_as(&v, bsn_nth(3), SB_STATE_BOOKED, moved_in, 0);
    visited_as(&v, bsn_nth(4), SB_STATE_HELD, edge_lo, deadline);
    visited_as(&v, bsn_nth(5), SB_STATE_BOOKED, edge_hi, 0);
    /* Every visit says what sb_lookup says. */
    for (unsigned i = 0; i < v.n; i++) {
        sb_booking b;
        ST_EQ(sb_lookup(e, v.seen[i].bsn, &b), SB_OK);
        cr_assert_eq(b.state, v.seen[i].state);
        cr_assert_eq(b.deadline_ms, v.seen[i].deadline_ms);
        cr_assert(b.slot.location == v.seen[i].slot.location && b.slot.day == v.seen[i].slot.day &&
                  b.slot.window == v.seen[i].slot.window);
    }
    /* The others are where they are. */
    v = walk(0, DAY0, DAY0);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, bsn_nth(13), SB_STATE_BOOKED, slot_at(0, 0, 0), 0);
    v = walk(0, DAY0 + 6, DAY0 + 6);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, bsn_nth(14), SB_STATE_BOOKED, slot_at(0, 6, 0), 0);
    v = walk(1, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, bsn_nth(12), SB_STATE_BOOKED, slot_at(1, 2, 1), 0);
    v = walk(2, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, 0u);
    v = walk(3, DAY0 + 3, DAY0 + 3);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, bsn_nth(15), SB_STATE_BOOKED, slot_at(3, 3, 0), 0);
    v = walk(0, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, 8u);
}

Test(each, skips_a_hold_from_the_moment_it_runs_out)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now = T0 + HOLD_MS - 1;
    visits v = walk(0, DAY0, DAY0);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, BSN_A, SB_STATE_HELD, s, T0 + HOLD_MS);
    clk.now = T0 + HOLD_MS;
    v = walk(0, DAY0, DAY0);
    cr_assert_eq(v.n, 0u);
    /* A confirmed hold is a booking. */
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    clk.now += 10u * HOLD_MS;
    v = walk(0, DAY0, DAY0);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, BSN_A, SB_STATE_BOOKED, s, 0);
}

Test(each, visits_the_bookings_of_a_closed_location)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(2, 0, 0), code);
    ST_EQ(sb_reserve(e, BSN_B, slot_at(2, 1, 0)), SB_OK);
    ST_EQ(sb_location_close(e, 2), SB_OK);
    visits v = walk(2, DAY0, DAY0 + DAYS - 1);
    cr_assert_eq(v.n, 2u);
    visited_as(&v, BSN_A, SB_STATE_BOOKED, slot_at(2, 0, 0), 0);
    visited_as(&v, BSN_B, SB_STATE_HELD, slot_at(2, 1, 0), T0 + HOLD_MS);
}

/* ---- stopping ---------------------------------------------------------------- */

Test(each, stops_when_fn_returns_nonzero)
{
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 10; i++)
        book_ok(e, bsn_nth(i), slot_at(0, (int32_t)(i % 3), 0), code);
    const int stops[] = {1, -1, 42, INT32_MIN};
    for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
        for (unsigned after = 1; after <= 3; after++) {
            visits v;
            memset(&v, 0, sizeof v);
            v.stop_after = after;
            v.stop_value = stops[k];
            ST_EQ(sb_each_booking(e, 0, DAY0, DAY0 + 9, record, &v), SB_OK);
            cr_assert_eq(v.n, after, "stop %d after %u: %u visits", stops[k], after, v.n);
        }
    }
    /* Going on to the end. */
    visits v = walk(0, DAY0, DAY0 + 9);
    cr_assert_eq(v.n, 10u);
    for (uint32_t i = 0; i < 10; i++)
        visited_as(&v, bsn_nth(i), SB_STATE_BOOKED, slot_at(0, (int32_t)(i % 3), 0), 0);
}

/* ---- calling back into the engine ------------------------------------------ */

typedef struct mover {
    sb_engine *e;
    uint16_t to;
    unsigned calls, moved, cancelled, redeemed_left;
    uint32_t bsn[VISITS_MAX];
    char code[VISITS_MAX][SB_CODE_SIZE];
    char scratch[SB_CODE_SIZE];
} mover;

/* Moves each booking to the same day and window at m->to, cancels each hold
 * (a hold cannot be moved), leaves redeemed bookings. */
static int
move_out(const sb_booking *b, void *ctx)
{
    mover *m = ctx;
    m->calls++;
    sb_booking now;
    ST_EQ(sb_lookup(m->e, b->bsn, &now), SB_OK);
    cr_assert_eq(now.state, b->state);
    sb_slot to = b->slot;
    to.location = m->to;
    switch (b->state) {
    case SB_STATE_BOOKED:
        cr_assert_lt(m->moved, VISITS_MAX);
        m->bsn[m->moved] = b->bsn;
        ST_EQ(sb_reschedule(m->e, b->bsn, to, m->code[m->moved]), SB_OK);
        m->moved++;
        break;
    case SB_STATE_HELD:
        ST_EQ(sb_reschedule(m->e, b->bsn, to, m->scratch), SB_NOT_FOUND);
        ST_EQ(sb_cancel(m->e, b->bsn), SB_OK);
        m->cancelled++;
        break;
    default:
        ST_EQ(sb_reschedule(m->e, b->bsn, to, m->scratch), SB_USED);
        m->redeemed_left++;
        break;
    }
    return 0;
}

Test(each, lets_fn_move_everyone_out_of_a_closing_location)
{
    enum { BOOKED = 24 };
    char old[BOOKED][SB_CODE_SIZE], code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < BOOKED; i++)
        book_ok(e, bsn_nth(i), slot_at(0, (int32_t)(i % DAYS), (uint16_t)(i % WINDOWS)), old[i]);
    ST_EQ(sb_reserve(e, bsn_nth(100), slot_at(0, 7, 1)), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(101), slot_at(0, 8, 2)), SB_OK);
    book_ok(e, bsn_nth(102), slot_at(0, 9, 0), code);
    ST_EQ(sb_redeem(e, code, bsn_nth(102)), SB_OK);
    book_ok(e, bsn_nth(103), slot_at(1, 0, 0), code); /* already at location 1 */
    /* Location 0 closes; everyone goes to location 1. */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    static mover m;
    memset(&m, 0, sizeof m);
    m.e = e;
    m.to = 1;
    ST_EQ(sb_each_booking(e, 0, DAY0, DAY0 + DAYS - 1, move_out, &m), SB_OK);
    cr_assert_eq(m.calls, BOOKED + 3u, "%u calls", m.calls);
    cr_assert_eq(m.moved, (unsigned)BOOKED);
    cr_assert_eq(m.cancelled, 2u);
    cr_assert_eq(m.redeemed_left, 1u);
    /* Nobody visited twice, and every booked person moved. */
    for (uint32_t i = 0; i < BOOKED; i++) {
        unsigned seen = 0;
        for (unsigned k = 0; k < m.moved; k++)
            seen += m.bsn[k] == bsn_nth(i);
        cr_assert_eq(seen, 1u, "BSN %09u moved %u times", bsn_nth(i), seen);
    }
    /* Location 0 keeps only the redeemed booking. */
    visits v = walk(0, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, 1u);
    visited_as(&v, bsn_nth(102), SB_STATE_REDEEMED, slot_at(0, 9, 0), 0);
    v = walk(1, INT32_MIN, INT32_MAX);
    cr_assert_eq(v.n, BOOKED + 1u);
    for (unsigned k = 0; k < m.moved; k++) {
        uint32_t bsn = m.bsn[k];
        uint32_t i = 0;
        while (bsn_nth(i) != bsn)
            i++;
        sb_slot want = slot_at(1, (int32_t)(i % DAYS), (uint16_t)(i % WINDOWS));
        visited_as(&v, bsn, SB_STATE_BOOKED, want, 0);
        ST_EQ(sb_verify(e, m.code[k], bsn, NULL), SB_OK);
        ST_EQ(sb_verify(e, old[i], bsn, NULL), SB_CANCELLED);
    }
    /* The counters of location 0 are empty but for the redeemed place. */
    for (int32_t d = 0; d < (int32_t)DAYS; d++)
        for (uint16_t w = 0; w < WINDOWS; w++) {
            sb_slot_info i = slot_info(e, slot_at(0, d, w));
            cr_assert_eq(i.held + i.booked, 0u);
            cr_assert_eq(i.redeemed, d == 9 && w == 0 ? 1u : 0u);
        }
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

static int
walk_inside(const sb_booking *b, void *ctx)
{
    unsigned *n = ctx;
    (*n)++;
    /* A nested walk of the same place sees this booking. */
    visits v;
    memset(&v, 0, sizeof v);
    ST_EQ(sb_each_booking(e, b->slot.location, b->slot.day, b->slot.day, record, &v), SB_OK);
    cr_assert_not_null(visit_of(&v, b->bsn));
    /* Booking others from inside is allowed too. */
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book(e, BSN_B, slot_at(3, 0, 0), code), SB_OK);
    return 0;
}

Test(each, lets_fn_walk_and_book_from_inside)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, slot_at(2, 1, 1), code);
    unsigned n = 0;
    ST_EQ(sb_each_booking(e, 2, DAY0, DAY0 + 9, walk_inside, &n), SB_OK);
    cr_assert_eq(n, 1u);
    LOOKUP_EQ(e, BSN_B, SB_STATE_BOOKED, slot_at(3, 0, 0));
}

/* ---- against a model ------------------------------------------------------- */

Test(each, agrees_with_lookup_after_random_calls)
{
    enum { PEOPLE = 300, STEPS = 4000 };
    static char codes[PEOPLE][SB_CODE_SIZE];
    memset(codes, 0, sizeof codes);
    rng r = {20220701};
    for (int step = 0; step < STEPS; step++) {
        uint32_t who = (uint32_t)rbelow(&r, PEOPLE), bsn = bsn_nth(who);
        sb_slot s = slot_at((uint16_t)rbelow(&r, LOCATIONS), (int32_t)rbelow(&r, DAYS),
                            (uint16_t)rbelow(&r, WINDOWS));
        char code[SB_CODE_SIZE];
        switch (rbelow(&r, 7)) {
        case 0:
            sb_reserve(e, bsn, s);
            break;
        case 1:
            if (sb_confirm(e, bsn, code) == SB_OK)
                memcpy(codes[who], code, sizeof code);
            break;
        case 2:
            if (sb_book(e, bsn, s, code) == SB_OK)
                memcpy(codes[who], code, sizeof code);
            break;
        case 3:
            sb_cancel(e, bsn);
            break;
        case 4:
            if (sb_reschedule(e, bsn, s, code) == SB_OK)
                memcpy(codes[who], code, sizeof code);
            break;
        case 5:
            if (rchance(&r, 300))
                sb_redeem(e, codes[who], bsn);
            break;
        default:
            clk.now += rbelow(&r, HOLD_MS / 20);
            break;
        }
    }
    /* Every location and a few ranges: exactly the people lookup puts there. */
    for (uint16_t l = 0; l < LOCATIONS; l++) {
        for (int32_t from = 0; from < (int32_t)DAYS; from += 3) {
            int32_t to = from + (int32_t)rbelow(&r, DAYS - (uint64_t)from);
            visits v = walk(l, DAY0 + from, DAY0 + to);
            unsigned want = 0;
            for (uint32_t p = 0; p < PEOPLE; p++) {
                sb_booking b;
                if (sb_lookup(e, bsn_nth(p), &b) != SB_OK || b.slot.location != l ||
                    b.slot.day < DAY0 + from || b.slot.day > DAY0 + to) {
                    cr_assert_null(visit_of(&v, bsn_nth(p)), "BSN %09u visited", bsn_nth(p));
                    continue;
                }
                want++;
                visited_as(&v, bsn_nth(p), b.state, b.slot, b.deadline_ms);
            }
            cr_assert_eq(v.n, want, "location %u days %d..%d: %u visits, want %u", l, from, to, v.n,
                         want);
        }
    }
}
