/*
 * API tests: the engine at its limits.  The person table full, every slot
 * full, the edges of the horizon (down to the ends of int32), the clock
 * jumping backwards and forwards by days, a full waiting list and the
 * family bookings used up: each answers its documented status, what
 * exists goes on working, and sb_audit stays clean.  (The journal's ring
 * under pressure is the stress tests' business.)
 */
#include "helpers.h"

#include <stdint.h>

#define DAY_MS UINT64_C(86400000)

static fake_clock clk = {T0};
static sb_engine *e;

/* Opens e with o, and every location, at T0. */
static void
open_with(sb_options o)
{
    clk.now = T0;
    e = test_open_all(&o);
}

static void
setup(void)
{
    open_with(test_options(&clk));
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

/* Releases places on every slot of the test horizon. */
static void
release_all(uint32_t places)
{
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < (int32_t)DAYS; d++)
            for (uint16_t w = 0; w < WINDOWS; w++)
                ST_EQ(sb_release(e, slot_at(l, d, w), places), SB_OK);
}

TestSuite(limits_people, .fini = teardown);
TestSuite(limits_full, .init = setup, .fini = teardown);
TestSuite(limits_horizon, .fini = teardown);
TestSuite(limits_clock, .init = setup, .fini = teardown);
TestSuite(limits_waiting, .fini = teardown);
TestSuite(limits_families, .fini = teardown);

/* ---- the person table full -------------------------------------------------- */

#define FEW_PEOPLE 8u

static void
open_few_people(void)
{
    sb_options o = test_options(&clk);
    o.max_people = FEW_PEOPLE;
    o.max_families = 4;
    open_with(o);
    release_all(4);
}

Test(limits_people, answers_nomem_for_every_new_person_once_max_people_are_stored)
{
    open_few_people();
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < FEW_PEOPLE; i++)
        ST_EQ(sb_reserve(e, bsn_nth(i), slot_at(0, (int32_t)i, 0)), SB_OK);
    uint32_t stranger = bsn_nth(FEW_PEOPLE), other = bsn_nth(FEW_PEOPLE + 1);
    ST_EQ(sb_reserve(e, stranger, slot_at(1, 0, 0)), SB_NOMEM);
    ST_EQ(sb_book(e, stranger, slot_at(1, 0, 0), code), SB_NOMEM);
    ST_EQ(sb_wait(e, stranger, 1, DAY0, DAY0 + 1), SB_NOMEM);
    uint32_t fam[2] = {stranger, other};
    unsigned blocker = 99;
    ST_EQ(sb_book_group_blocker(e, fam, 2, slot_at(1, 0, 0), code, &blocker), SB_NOMEM);
    cr_assert_eq(blocker, 0u, "blocker %u", blocker);
    /* Nothing was stored for them: no hold, no booking, not on the list. */
    sb_booking b;
    ST_EQ(sb_lookup(e, stranger, &b), SB_NOT_FOUND);
    ST_EQ(sb_cancel(e, stranger), SB_NOT_FOUND);
    sb_stats s;
    sb_stats_read(e, &s);
    cr_assert_eq(s.people, FEW_PEOPLE, "people %" PRIu64, s.people);
    SLOT_EQ(e, slot_at(1, 0, 0), 4, 0, 0, 0, 0, 4);
    audit_clean(e);
}

Test(limits_people, keeps_serving_the_people_already_stored)
{
    open_few_people();
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE];
    for (uint32_t i = 0; i < FEW_PEOPLE; i++)
        if (i < 4)
            ST_EQ(sb_reserve(e, bsn_nth(i), slot_at(0, 0, 0)), SB_OK);
        else
            book_ok(e, bsn_nth(i), slot_at(1, (int32_t)i, 0), code);
    ST_EQ(sb_reserve(e, bsn_nth(FEW_PEOPLE), slot_at(0, 0, 0)), SB_FULL);
    ST_EQ(sb_reserve(e, bsn_nth(FEW_PEOPLE), slot_at(0, 1, 0)), SB_NOMEM);
    /* Confirm, verify, reschedule, redeem, cancel and book again. */
    ST_EQ(sb_confirm(e, bsn_nth(0), code), SB_OK);
    ST_EQ(sb_verify(e, code, bsn_nth(0), NULL), SB_OK);
    reschedule_ok(e, bsn_nth(0), slot_at(2, 3, 1), moved);
    ST_EQ(sb_verify(e, code, bsn_nth(0), NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, moved, bsn_nth(0)), SB_OK);
    ST_EQ(sb_cancel(e, bsn_nth(1)), SB_OK);
    book_ok(e, bsn_nth(1), slot_at(3, 9, 2), code);
    ST_EQ(sb_cancel(e, bsn_nth(4)), SB_OK);
    book_ok(e, bsn_nth(4), slot_at(1, 0, 0), code);
    /* A hold that ran out leaves its person stored: they reserve again. */
    clk.now += HOLD_MS + 1;
    ST_EQ(sb_reserve(e, bsn_nth(2), slot_at(0, 5, 2)), SB_OK);
    ST_EQ(sb_wait(e, bsn_nth(3), 0, DAY0, DAY0 + 2), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(FEW_PEOPLE + 5), slot_at(0, 5, 2)), SB_NOMEM);
    LOOKUP_EQ(e, bsn_nth(0), SB_STATE_REDEEMED, slot_at(2, 3, 1));
    LOOKUP_EQ(e, bsn_nth(2), SB_STATE_HELD, slot_at(0, 5, 2));
    audit_clean(e);
}

/* ---- every slot full ------------------------------------------------------- */

/* One place per slot, each booked by its own person: person (l, d, w). */
static uint32_t
occupant(uint16_t l, int32_t d, uint16_t w)
{
    return bsn_nth(((uint32_t)l * DAYS + (uint32_t)d) * WINDOWS + w);
}

static void
fill_every_slot(void)
{
    release_all(1);
    char code[SB_CODE_SIZE];
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < (int32_t)DAYS; d++)
            for (uint16_t w = 0; w < WINDOWS; w++)
                book_ok(e, occupant(l, d, w), slot_at(l, d, w), code);
}

#define STRANGER bsn_nth(LOCATIONS *DAYS *WINDOWS + 1)

Test(limits_full, answers_full_on_every_slot)
{
    fill_every_slot();
    char code[SB_CODE_SIZE];
    uint32_t fam[2] = {STRANGER, bsn_nth(LOCATIONS * DAYS * WINDOWS + 2)};
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < (int32_t)DAYS; d++)
            for (uint16_t w = 0; w < WINDOWS; w++) {
                sb_slot s = slot_at(l, d, w);
                ST_EQ(sb_reserve(e, STRANGER, s), SB_FULL);
                ST_EQ(sb_book(e, STRANGER, s, code), SB_FULL);
                ST_EQ(sb_book_group(e, fam, 2, s, code), SB_FULL);
                if (l != 0 || d != 0 || w != 0)
                    ST_EQ(sb_reschedule(e, occupant(0, 0, 0), s, code), SB_FULL);
                SLOT_EQ(e, s, 1, 0, 1, 0, 0, 0);
            }
    LOOKUP_EQ(e, occupant(0, 0, 0), SB_STATE_BOOKED, slot_at(0, 0, 0));
    audit_clean(e);
}

Test(limits_full, next_free_answers_full_from_any_day)
{
    fill_every_slot();
    sb_slot out = {0, 0, 0};
    const int32_t from[] = {
        INT32_MIN, DAY0 - 1, DAY0, DAY0 + (int32_t)DAYS - 1, DAY0 + (int32_t)DAYS, INT32_MAX};
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
            ST_EQ(sb_next_free(e, l, from[i], &out), SB_FULL);
    audit_clean(e);
}

Test(limits_full, frees_exactly_the_place_given_back)
{
    fill_every_slot();
    ST_EQ(sb_cancel(e, occupant(2, 7, 1)), SB_OK);
    sb_slot out;
    ST_EQ(sb_next_free(e, 2, DAY0, &out), SB_OK);
    cr_assert(out.location == 2 && out.day == DAY0 + 7 && out.window == 1);
    ST_EQ(sb_next_free(e, 2, DAY0 + 8, &out), SB_FULL);
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_FULL);
    ST_EQ(sb_reserve(e, STRANGER, slot_at(2, 7, 1)), SB_OK);
    ST_EQ(sb_next_free(e, 2, DAY0, &out), SB_FULL);
    audit_clean(e);
}

Test(limits_full, is_full_with_live_holds_and_free_again_when_they_run_out)
{
    release_all(1);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < (int32_t)DAYS; d++)
            for (uint16_t w = 0; w < WINDOWS; w++)
                ST_EQ(sb_reserve(e, occupant(l, d, w), slot_at(l, d, w)), SB_OK);
    sb_slot out;
    ST_EQ(sb_reserve(e, STRANGER, slot_at(3, 9, 2)), SB_FULL);
    ST_EQ(sb_next_free(e, 3, DAY0, &out), SB_FULL);
    clk.now += HOLD_MS + 1;
    ST_EQ(sb_next_free(e, 3, DAY0, &out), SB_OK);
    cr_assert(out.location == 3 && out.day == DAY0 && out.window == 0);
    ST_EQ(sb_reserve(e, STRANGER, slot_at(3, 9, 2)), SB_OK);
    audit_clean(e);
}

/* ---- the horizon's edges ------------------------------------------------------ */

static sb_options
horizon_options(int32_t first_day, uint32_t days)
{
    sb_options o = test_options(&clk);
    o.max_locations = 1;
    o.first_day = first_day;
    o.days = days;
    o.windows_per_day = 1;
    return o;
}

static sb_slot
day_slot(int32_t day)
{
    sb_slot s = {.location = 0, .window = 0, .day = day};
    return s;
}

/* On an open engine of one location and one window: the first and last
 * days work, the days either side answer SB_INVALID_ARG everywhere. */
static void
check_edges(int32_t first, int32_t last)
{
    char code[SB_CODE_SIZE];
    sb_slot out;
    ST_EQ(sb_release(e, day_slot(first), 2), SB_OK);
    ST_EQ(sb_release(e, day_slot(last), 2), SB_OK);
    book_ok(e, BSN_A, day_slot(first), code);
    book_ok(e, BSN_B, day_slot(last), code);
    LOOKUP_EQ(e, BSN_B, SB_STATE_BOOKED, day_slot(last));
    ST_EQ(sb_verify(e, code, BSN_B, NULL), SB_OK);
    ST_EQ(sb_next_free(e, 0, INT32_MIN, &out), SB_OK);
    cr_assert_eq(out.day, first);
    ST_EQ(sb_next_free(e, 0, last, &out), SB_OK);
    cr_assert_eq(out.day, last);
    ST_EQ(sb_wait(e, bsn_nth(5), 0, last, last), SB_OK);
    ST_EQ(sb_wait(e, bsn_nth(6), 0, first, first), SB_OK);
    sb_slot_info info;
    const int64_t outside[] = {(int64_t)first - 1, (int64_t)last + 1};
    for (size_t i = 0; i < 2; i++) {
        if (outside[i] < INT32_MIN || outside[i] > INT32_MAX)
            continue;
        sb_slot s = day_slot((int32_t)outside[i]);
        ST_EQ(sb_release(e, s, 1), SB_INVALID_ARG);
        ST_EQ(sb_reserve(e, bsn_nth(7), s), SB_INVALID_ARG);
        ST_EQ(sb_book(e, bsn_nth(7), s, code), SB_INVALID_ARG);
        ST_EQ(sb_reschedule(e, BSN_A, s, code), SB_INVALID_ARG);
        ST_EQ(sb_slot_read(e, s, &info), SB_INVALID_ARG);
        ST_EQ(sb_wait(e, bsn_nth(7), 0, s.day, s.day), SB_INVALID_ARG);
        uint32_t fam[2] = {bsn_nth(7), bsn_nth(8)};
        ST_EQ(sb_book_group(e, fam, 2, s, code), SB_INVALID_ARG);
    }
    if (last < INT32_MAX)
        ST_EQ(sb_next_free(e, 0, last + 1, &out), SB_FULL);
    audit_clean(e);
}

Test(limits_horizon, takes_its_first_and_last_day_and_nothing_outside)
{
    open_with(horizon_options(DAY0, DAYS));
    check_edges(DAY0, DAY0 + (int32_t)DAYS - 1);
}

Test(limits_horizon, ends_at_the_largest_int32_day)
{
    open_with(horizon_options(INT32_MAX - 9, 10));
    check_edges(INT32_MAX - 9, INT32_MAX);
}

Test(limits_horizon, of_one_day_at_the_largest_int32_day)
{
    open_with(horizon_options(INT32_MAX, 1));
    check_edges(INT32_MAX, INT32_MAX);
}

Test(limits_horizon, starts_one_day_after_the_smallest_int32)
{
    open_with(horizon_options(INT32_MIN + 1, 10));
    check_edges(INT32_MIN + 1, INT32_MIN + 10);
}

Test(limits_horizon, refuses_a_horizon_past_int32)
{
    sb_options o = horizon_options(INT32_MAX - 8, 10);
    sb_engine *x = NULL;
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    cr_assert_null(x);
    o = horizon_options(INT32_MAX, 2);
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    o = horizon_options(0, 36600);
    o.first_day = INT32_MAX - 36598;
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    cr_assert_null(x);
}

/* INT32_MIN is sb_day_from_civil's error value, so the header's Limits
 * start first_day one day later: a horizon starting there is refused. */
Test(limits_horizon, refuses_the_smallest_int32_as_first_day)
{
    sb_options o = horizon_options(INT32_MIN, 10);
    sb_engine *x = NULL;
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    cr_assert_null(x);
}

/* ---- the clock jumping ------------------------------------------------------ */

Test(limits_clock, going_back_by_days_keeps_a_holds_deadline)
{
    release_all(2);
    sb_slot s = slot_at(0, 0, 0);
    clk.now = T0 + 3 * DAY_MS;
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    uint64_t deadline = b.deadline_ms;
    cr_assert_neq(deadline, 0);
    const uint64_t back[] = {T0 + 2 * DAY_MS, T0, T0 - 2 * DAY_MS, 0};
    for (size_t i = 0; i < sizeof back / sizeof back[0]; i++) {
        clk.now = back[i];
        ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
        cr_assert_eq(b.state, SB_STATE_HELD);
        cr_assert_eq(b.deadline_ms, deadline, "deadline %" PRIu64 ", was %" PRIu64, b.deadline_ms,
                     deadline);
        SLOT_EQ(e, s, 2, 1, 0, 0, 0, 1);
        cr_assert_eq(sb_expire(e), 0u);
    }
    /* Time stood still while the clock was back: the hold runs out
     * HOLD_MS after it was taken, by the latest time the engine saw. */
    clk.now = T0 + 3 * DAY_MS + HOLD_MS - 1;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    clk.now = T0 + 3 * DAY_MS + HOLD_MS + 1;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    audit_clean(e);
}

Test(limits_clock, a_hold_taken_while_the_clock_is_back_gets_a_full_hold_ms)
{
    release_all(2);
    clk.now = T0 + 3 * DAY_MS;
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, 0, 0)), SB_OK);
    clk.now = T0 + DAY_MS;
    ST_EQ(sb_reserve(e, BSN_B, slot_at(0, 0, 0)), SB_OK);
    sb_booking a, b;
    ST_EQ(sb_lookup(e, BSN_A, &a), SB_OK);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, a.deadline_ms, "a hold taken later ends no earlier");
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_B, NULL), SB_OK);
    audit_clean(e);
}

Test(limits_clock, going_forward_by_days_expires_holds_and_leaves_bookings)
{
    release_all(3);
    sb_slot s = slot_at(1, 2, 1);
    char code[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_OK);
    SLOT_EQ(e, s, 3, 2, 1, 0, 0, 0);
    clk.now += 2 * DAY_MS;
    SLOT_EQ(e, s, 3, 0, 1, 0, 0, 2);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, BSN_B, code2), SB_EXPIRED);
    ST_EQ(sb_cancel(e, bsn_nth(3)), SB_NOT_FOUND);
    cr_assert_eq(sb_expire(e), 2u);
    cr_assert_eq(sb_expire(e), 0u);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, s);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code2), SB_OK);
    clk.now += 30 * DAY_MS;
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_verify(e, code2, BSN_B, NULL), SB_OK);
    SLOT_EQ(e, s, 3, 0, 1, 1, 0, 1);
    audit_clean(e);
}

Test(limits_clock, back_and_forth_by_days_never_revives_a_hold)
{
    release_all(1);
    sb_slot s = slot_at(2, 0, 0);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now = T0 + 2 * DAY_MS;
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK); /* takes the place of the dead hold */
    clk.now = T0;
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
    SLOT_EQ(e, s, 1, 0, 1, 0, 0, 0);
    audit_clean(e);
}

/* ---- the waiting list full ------------------------------------------------- */

Test(limits_waiting, answers_nomem_when_the_list_is_full_and_takes_again_after_a_cancel)
{
    sb_options o = test_options(&clk);
    o.max_waiting = 3;
    open_with(o);
    for (uint32_t i = 0; i < 3; i++)
        ST_EQ(sb_wait(e, bsn_nth(i), 0, DAY0, DAY0 + 3), SB_OK);
    ST_EQ(sb_wait(e, bsn_nth(3), 0, DAY0, DAY0 + 3), SB_NOMEM);
    ST_EQ(sb_wait(e, bsn_nth(0), 0, DAY0, DAY0 + 3), SB_DUPLICATE);
    ST_EQ(sb_wait(e, bsn_nth(3), 1, DAY0, DAY0 + 3), SB_OK); /* lists are per location */
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(2), &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_WAITING);
    cr_assert_eq(b.position, 2u);
    ST_EQ(sb_cancel(e, bsn_nth(1)), SB_OK);
    ST_EQ(sb_wait(e, bsn_nth(4), 0, DAY0, DAY0 + 3), SB_OK);
    ST_EQ(sb_wait(e, bsn_nth(5), 0, DAY0, DAY0 + 3), SB_NOMEM);
    /* A freed place goes to the first in line; the list then has room. */
    ST_EQ(sb_release(e, slot_at(0, 1, 0), 1), SB_OK);
    LOOKUP_EQ(e, bsn_nth(0), SB_STATE_HELD, slot_at(0, 1, 0));
    ST_EQ(sb_wait(e, bsn_nth(5), 0, DAY0, DAY0 + 3), SB_OK);
    audit_clean(e);
}

/* ---- family bookings used up ----------------------------------------------- */

Test(limits_families, answers_nomem_once_max_families_are_made_even_after_cancels)
{
    sb_options o = test_options(&clk);
    o.max_families = 2;
    open_with(o);
    release_all(4);
    char code[SB_CODE_SIZE];
    uint32_t f1[2] = {bsn_nth(0), bsn_nth(1)}, f2[3] = {bsn_nth(2), bsn_nth(3), bsn_nth(4)};
    uint32_t f3[2] = {bsn_nth(5), bsn_nth(6)};
    ST_EQ(sb_book_group(e, f1, 2, slot_at(0, 0, 0), code), SB_OK);
    ST_EQ(sb_book_group(e, f2, 3, slot_at(0, 1, 0), code), SB_OK);
    unsigned blocker = 99;
    ST_EQ(sb_book_group_blocker(e, f3, 2, slot_at(0, 2, 0), code, &blocker), SB_NOMEM);
    cr_assert_eq(blocker, 2u, "blocker %u: the status is about no member", blocker);
    SLOT_EQ(e, slot_at(0, 2, 0), 4, 0, 0, 0, 0, 4);
    /* A cancelled family's record is not reused. */
    ST_EQ(sb_cancel(e, bsn_nth(0)), SB_OK);
    ST_EQ(sb_book_group(e, f3, 2, slot_at(0, 2, 0), code), SB_NOMEM);
    /* Everyone still books alone, the cancelled family included. */
    book_ok(e, bsn_nth(5), slot_at(0, 2, 0), code);
    book_ok(e, bsn_nth(0), slot_at(0, 2, 0), code);
    ST_EQ(sb_reschedule(e, bsn_nth(3), slot_at(1, 1, 1), code), SB_OK);
    LOOKUP_EQ(e, bsn_nth(4), SB_STATE_BOOKED, slot_at(1, 1, 1));
    audit_clean(e);
}
