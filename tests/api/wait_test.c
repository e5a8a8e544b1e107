/*
 * API tests: the waiting list (sb_wait, max_waiting, SB_STATE_WAITING).
 *
 * Every status of sb_wait in the documented order; the range clamped to the
 * horizon; who gets a place that frees up (a cancel, a reschedule away, a
 * family cancelled, sb_release, a hold reclaimed by sb_expire): the first
 * waiting person whose range holds the day, as a hold they confirm as
 * usual; people whose range does not fit keep their place; positions;
 * leaving the list (cancel, reserve, book) without counting a change; an
 * offered hold that runs out passes on at the next sb_expire; closed
 * locations, stickers and delayed releases; entries reused however long
 * one person waits; sb_stats; and sb_audit at the end of every scenario.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;

/* People: P[0..39], all distinct valid BSNs. */
#define NPEOPLE 40
static uint32_t P[NPEOPLE];

/* Slots used below: S at location 0 on day 2, T at location 0 on day 7, U
 * at location 1.  Tests release what they need. */
static const sb_slot S = {.location = 0, .window = 1, .day = DAY0 + 2};
static const sb_slot T = {.location = 0, .window = 2, .day = DAY0 + 7};
static const sb_slot U = {.location = 1, .window = 0, .day = DAY0 + 3};

#define LAST (DAYS - 1) /* the last day of the horizon, relative to DAY0 */
#define DELAY 4000000000u

static void
open_with(sb_options o)
{
    for (uint32_t i = 0; i < NPEOPLE; i++)
        P[i] = bsn_nth(i);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
}

static void
setup(void)
{
    clk.now = T0;
    open_with(test_options(&clk));
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

static void
reopen(sb_options o)
{
    sb_close(e);
    clk.now = T0;
    open_with(o);
}

static void
reopen_waiting(uint32_t max_waiting)
{
    sb_options o = test_options(&clk);
    o.max_waiting = max_waiting;
    reopen(o);
}

TestSuite(wait_status, .init = setup, .fini = teardown);
TestSuite(wait_range, .init = setup, .fini = teardown);
TestSuite(wait_serve, .init = setup, .fini = teardown);
TestSuite(wait_order, .init = setup, .fini = teardown);
TestSuite(wait_position, .init = setup, .fini = teardown);
TestSuite(wait_leave, .init = setup, .fini = teardown);
TestSuite(wait_expire, .init = setup, .fini = teardown);
TestSuite(wait_closed, .init = setup, .fini = teardown);
TestSuite(wait_stock, .init = setup, .fini = teardown);
TestSuite(wait_delay, .init = setup, .fini = teardown);
TestSuite(wait_entries, .init = setup, .fini = teardown);
TestSuite(wait_stats, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

#define WAIT_AUDIT_OK()                                                          \
    do {                                                                         \
        char msg_[256] = "";                                                     \
        sb_status st_ = sb_audit(e, NULL, msg_, sizeof msg_);                    \
        cr_assert_eq(st_, SB_OK, "sb_audit: %s: %s", sb_status_name(st_), msg_); \
    } while (0)

/* bsn joins the list of loc for days DAY0 + from .. DAY0 + to. */
static void
wait_ok(uint32_t bsn, uint16_t loc, int32_t from, int32_t to)
{
    sb_status st = sb_wait(e, bsn, loc, DAY0 + from, DAY0 + to);
    cr_assert_eq(st, SB_OK, "sb_wait(%09u, %u, +%d, +%d): %s", bsn, (unsigned)loc, from, to,
                 sb_status_name(st));
}

/* bsn waits at loc for DAY0 + from .. DAY0 + to with `position` ahead. */
static void
waiting_eq(uint32_t bsn, uint16_t loc, int32_t from, int32_t to, uint32_t position)
{
    sb_booking b;
    memset(&b, 0xab, sizeof b);
    sb_status st = sb_lookup(e, bsn, &b);
    cr_assert_eq(st, SB_OK, "lookup(%09u): %s", bsn, sb_status_name(st));
    cr_assert_eq(b.state, SB_STATE_WAITING, "%09u: state %d, want WAITING", bsn, (int)b.state);
    cr_assert_eq(b.bsn, bsn);
    cr_assert_eq(b.slot.location, loc, "%09u waits at %u, want %u", bsn, b.slot.location,
                 (unsigned)loc);
    cr_assert_eq(b.slot.window, 0, "%09u: window %u", bsn, b.slot.window);
    cr_assert_eq(b.slot.day, DAY0 + from, "%09u: first day %d, want %d", bsn, b.slot.day,
                 DAY0 + from);
    cr_assert_eq(b.last_day, DAY0 + to, "%09u: last day %d, want %d", bsn, b.last_day, DAY0 + to);
    cr_assert_eq(b.deadline_ms, 0, "%09u: a deadline while waiting", bsn);
    cr_assert_eq(b.position, position, "%09u: position %u, want %u", bsn, b.position, position);
}

/* bsn holds a place in s, given now: its deadline is now + HOLD_MS. */
static void
held_eq(uint32_t bsn, sb_slot s)
{
    sb_booking b;
    memset(&b, 0xab, sizeof b);
    sb_status st = sb_lookup(e, bsn, &b);
    cr_assert_eq(st, SB_OK, "lookup(%09u): %s", bsn, sb_status_name(st));
    cr_assert_eq(b.state, SB_STATE_HELD, "%09u: state %d, want HELD", bsn, (int)b.state);
    cr_assert_eq(b.bsn, bsn);
    cr_assert(b.slot.location == s.location && b.slot.day == s.day && b.slot.window == s.window,
              "%09u holds (%u, %d, %u), want (%u, %d, %u)", bsn, b.slot.location, b.slot.day,
              b.slot.window, s.location, s.day, s.window);
    cr_assert_eq(b.deadline_ms, clk.now + HOLD_MS, "%09u: deadline %" PRIu64 ", want %" PRIu64, bsn,
                 b.deadline_ms, clk.now + HOLD_MS);
}

static void
gone(uint32_t bsn)
{
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn, &b), SB_NOT_FOUND);
}

/* bsn confirms its hold in s and gets a code that verifies and redeems. */
static void
confirm_works(uint32_t bsn, sb_slot s)
{
    char code[SB_CODE_SIZE];
    sb_booking b;
    ST_EQ(sb_confirm(e, bsn, code), SB_OK);
    cr_assert(code_well_formed(code), "malformed code '%s'", code);
    LOOKUP_EQ(e, bsn, SB_STATE_BOOKED, s);
    memset(&b, 0xab, sizeof b);
    ST_EQ(sb_verify(e, code, bsn, &b), SB_OK);
    cr_assert(b.slot.location == s.location && b.slot.day == s.day && b.slot.window == s.window &&
                  b.state == SB_STATE_BOOKED,
              "verify filled (%u, %d, %u) state %d", b.slot.location, b.slot.day, b.slot.window,
              (int)b.state);
    ST_EQ(sb_verify(e, code, bsn == P[NPEOPLE - 1] ? P[0] : P[NPEOPLE - 1], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, code, bsn), SB_OK);
    ST_EQ(sb_redeem(e, code, bsn), SB_USED);
}

static uint64_t
wait_outcome(sb_status st)
{
    sb_stats s;
    sb_stats_read(e, &s);
    return s.outcomes[SB_OP_WAIT][st];
}

static uint64_t
people_stored(void)
{
    sb_stats s;
    sb_stats_read(e, &s);
    return s.people;
}

static int
count_booking(const sb_booking *b, void *ctx)
{
    (void)b;
    (*(unsigned *)ctx)++;
    return 0;
}

/* ---- statuses, in the documented order ------------------------------------ */

Test(wait_status, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_wait(NULL, P[0], 0, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    ST_EQ(sb_wait(NULL, BSN_BAD_CHECK, 0, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    ST_EQ(sb_wait(NULL, P[0], 0xffff, DAY0 + 5, DAY0), SB_INVALID_ARG);
}

Test(wait_status, answers_invalid_id_before_looking_at_location_or_range)
{
    ST_EQ(sb_wait(e, 0, 0, DAY0, DAY0), SB_INVALID_ID);
    ST_EQ(sb_wait(e, 1000000000u, 0, DAY0, DAY0), SB_INVALID_ID);
    ST_EQ(sb_wait(e, BSN_BAD_CHECK, 0, DAY0, DAY0), SB_INVALID_ID);
    ST_EQ(sb_wait(e, BSN_BAD_CHECK, 0xffff, DAY0 + 5, DAY0), SB_INVALID_ID);
    ST_EQ(sb_wait(e, BSN_BAD_CHECK, 0, INT32_MIN, INT32_MIN), SB_INVALID_ID);
    reopen_waiting(0);
    ST_EQ(sb_wait(e, BSN_BAD_CHECK, 0, DAY0, DAY0), SB_INVALID_ID);
    cr_assert_eq(people_stored(), 0);
}

Test(wait_status, answers_invalid_arg_for_an_unknown_location)
{
    ST_EQ(sb_wait(e, P[0], LOCATIONS, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0xffff, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    /* Before the location's state and the person's. */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_wait(e, P[0], LOCATIONS, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    gone(P[0]);
    cr_assert_eq(people_stored(), 0);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_invalid_arg_for_an_engine_without_a_waiting_list)
{
    reopen_waiting(0);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_wait(e, P[0], 0, DAY0, DAY0 + LAST), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 2, DAY0 + 2), SB_INVALID_ARG);
    gone(P[0]);
    cr_assert_eq(people_stored(), 0);
    /* Everything else works as usual. */
    char code[SB_CODE_SIZE];
    book_ok(e, P[1], S, code);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_invalid_arg_for_a_range_outside_the_horizon)
{
    ST_EQ(sb_wait(e, P[0], 0, DAY0 - 10, DAY0 - 1), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + DAYS, DAY0 + DAYS + 5), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + DAYS, INT32_MAX), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, INT32_MIN, DAY0 - 1), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, INT32_MIN, INT32_MIN), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, INT32_MAX, INT32_MAX), SB_INVALID_ARG);
    gone(P[0]);
    cr_assert_eq(people_stored(), 0);
    /* One day inside is enough. */
    ST_EQ(sb_wait(e, P[0], 0, DAY0 - 10, DAY0), SB_OK);
    ST_EQ(sb_wait(e, P[1], 0, DAY0 + LAST, DAY0 + DAYS + 5), SB_OK);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_invalid_arg_when_from_is_after_to)
{
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 5, DAY0 + 4), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + DAYS + 1, DAY0 - 1), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, INT32_MAX, INT32_MIN), SB_INVALID_ARG);
    gone(P[0]);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 4, DAY0 + 4), SB_OK);
    waiting_eq(P[0], 0, 4, 4, 0);
    WAIT_AUDIT_OK();
}

Test(wait_status, checks_the_range_before_the_location_is_closed)
{
    ST_EQ(sb_location_close(e, 2), SB_OK);
    ST_EQ(sb_wait(e, P[0], 2, DAY0 + 5, DAY0 + 4), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 2, DAY0 - 5, DAY0 - 4), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 2, DAY0, DAY0 + 4), SB_CLOSED);
}

Test(wait_status, answers_closed_for_a_closed_location_before_duplicate)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, U, 1), SB_OK);
    book_ok(e, P[1], U, code);
    wait_ok(P[2], 0, 0, LAST);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    ST_EQ(sb_wait(e, P[0], 1, DAY0, DAY0 + LAST), SB_CLOSED);
    ST_EQ(sb_wait(e, P[1], 1, DAY0, DAY0 + LAST), SB_CLOSED);
    ST_EQ(sb_wait(e, P[2], 1, DAY0, DAY0 + LAST), SB_CLOSED);
    gone(P[0]);
    LOOKUP_EQ(e, P[1], SB_STATE_BOOKED, U);
    waiting_eq(P[2], 0, 0, LAST, 0);
    ST_EQ(sb_location_open(e, 1), SB_OK);
    wait_ok(P[0], 1, 0, LAST);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_duplicate_for_a_person_already_waiting)
{
    wait_ok(P[0], 0, 1, 3);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 1, DAY0 + 3), SB_DUPLICATE);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 5, DAY0 + 6), SB_DUPLICATE);
    ST_EQ(sb_wait(e, P[0], 2, DAY0, DAY0 + LAST), SB_DUPLICATE);
    waiting_eq(P[0], 0, 1, 3, 0);
    /* The first wait decides: a place on day 5 is not theirs. */
    ST_EQ(sb_release(e, slot_at(0, 5, 0), 1), SB_OK);
    ST_EQ(sb_release(e, slot_at(2, 5, 0), 1), SB_OK);
    waiting_eq(P[0], 0, 1, 3, 0);
    SLOT_EQ(e, slot_at(0, 5, 0), 1, 0, 0, 0, 0, 1);
    SLOT_EQ(e, slot_at(2, 5, 0), 1, 0, 0, 0, 0, 1);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_duplicate_for_a_live_hold_a_booking_or_a_redeemed_booking)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 3), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    book_ok(e, P[1], S, code);
    char used[SB_CODE_SIZE];
    book_ok(e, P[2], S, used);
    ST_EQ(sb_redeem(e, used, P[2]), SB_OK);
    for (uint32_t i = 0; i < 3; i++) {
        ST_EQ(sb_wait(e, P[i], 0, DAY0, DAY0 + LAST), SB_DUPLICATE);
        ST_EQ(sb_wait(e, P[i], 3, DAY0, DAY0 + LAST), SB_DUPLICATE);
    }
    held_eq(P[0], S);
    LOOKUP_EQ(e, P[1], SB_STATE_BOOKED, S);
    ST_EQ(sb_verify(e, code, P[1], NULL), SB_OK);
    LOOKUP_EQ(e, P[2], SB_STATE_REDEEMED, S);
    SLOT_EQ(e, S, 3, 1, 1, 1, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_duplicate_for_a_member_of_a_booked_family)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 3), SB_OK);
    uint32_t fam[3] = {P[0], P[1], P[2]};
    ST_EQ(sb_book_group(e, fam, 3, S, code), SB_OK);
    for (uint32_t i = 0; i < 3; i++) {
        ST_EQ(sb_wait(e, fam[i], 0, DAY0, DAY0 + LAST), SB_DUPLICATE);
        ST_EQ(sb_wait(e, fam[i], 1, DAY0, DAY0 + LAST), SB_DUPLICATE);
        LOOKUP_EQ(e, fam[i], SB_STATE_BOOKED, S);
    }
    /* A member redeemed alone still has the booking. */
    ST_EQ(sb_redeem(e, code, P[1]), SB_OK);
    ST_EQ(sb_wait(e, P[1], 0, DAY0, DAY0 + LAST), SB_DUPLICATE);
    WAIT_AUDIT_OK();
}

Test(wait_status, lets_a_person_wait_whose_hold_ran_out_or_booking_was_cancelled)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 2), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    book_ok(e, P[1], S, code);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    clk.now += HOLD_MS;
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    waiting_eq(P[0], 0, 0, LAST, 0);
    waiting_eq(P[1], 0, 0, LAST, 1);
    /* The hold that ran out is given up; the slot is empty. */
    SLOT_EQ(e, S, 2, 0, 0, 0, 0, 2);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_nomem_when_max_waiting_people_wait_at_the_location)
{
    reopen_waiting(3);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 2, 2);
    wait_ok(P[2], 0, 9, 9);
    ST_EQ(sb_wait(e, P[3], 0, DAY0, DAY0 + LAST), SB_NOMEM);
    gone(P[3]);
    /* Duplicate and closed come first. */
    ST_EQ(sb_wait(e, P[1], 0, DAY0, DAY0 + LAST), SB_DUPLICATE);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_wait(e, P[3], 0, DAY0, DAY0 + LAST), SB_CLOSED);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    /* Other locations have lists of their own. */
    wait_ok(P[4], 1, 0, LAST);
    wait_ok(P[5], 1, 0, LAST);
    wait_ok(P[6], 1, 0, LAST);
    ST_EQ(sb_wait(e, P[7], 1, DAY0, DAY0 + LAST), SB_NOMEM);
    wait_ok(P[7], 2, 0, LAST);
    /* One leaves: room for one more. */
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    wait_ok(P[3], 0, 0, LAST);
    ST_EQ(sb_wait(e, P[8], 0, DAY0, DAY0 + LAST), SB_NOMEM);
    waiting_eq(P[0], 0, 0, LAST, 0);
    waiting_eq(P[2], 0, 9, 9, 1);
    waiting_eq(P[3], 0, 0, LAST, 2);
    WAIT_AUDIT_OK();
}

Test(wait_status, answers_nomem_for_a_new_person_when_max_people_are_stored)
{
    sb_options o = test_options(&clk);
    o.max_people = 2;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[0], S, code);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_wait(e, P[2], 0, DAY0, DAY0 + LAST), SB_NOMEM);
    gone(P[2]);
    cr_assert_eq(people_stored(), 2);
    /* A person already stored may wait. */
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    waiting_eq(P[0], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

/* ---- the range ------------------------------------------------------------ */

Test(wait_range, is_clamped_to_the_horizon)
{
    ST_EQ(sb_wait(e, P[0], 0, DAY0 - 100, DAY0 + 1000), SB_OK);
    ST_EQ(sb_wait(e, P[1], 1, INT32_MIN, INT32_MAX), SB_OK);
    ST_EQ(sb_wait(e, P[2], 0, DAY0 - 3, DAY0 + 2), SB_OK);
    ST_EQ(sb_wait(e, P[3], 0, DAY0 + 6, DAY0 + 1000), SB_OK);
    ST_EQ(sb_wait(e, P[4], 0, DAY0 + 3, DAY0 + 5), SB_OK);
    waiting_eq(P[0], 0, 0, LAST, 0);
    waiting_eq(P[1], 1, 0, LAST, 0);
    waiting_eq(P[2], 0, 0, 2, 1);
    waiting_eq(P[3], 0, 6, LAST, 2);
    waiting_eq(P[4], 0, 3, 5, 3);
    WAIT_AUDIT_OK();
}

Test(wait_range, holds_its_first_and_last_day)
{
    /* P[0] waits for days 3..5 only; P[1] for the last day only. */
    wait_ok(P[0], 0, 3, 5);
    ST_EQ(sb_wait(e, P[1], 0, DAY0 + LAST, INT32_MAX), SB_OK);
    ST_EQ(sb_release(e, slot_at(0, 2, 0), 1), SB_OK);
    ST_EQ(sb_release(e, slot_at(0, 6, 0), 1), SB_OK);
    waiting_eq(P[0], 0, 3, 5, 0);
    waiting_eq(P[1], 0, LAST, LAST, 1);
    ST_EQ(sb_release(e, slot_at(0, 5, 2), 1), SB_OK);
    held_eq(P[0], slot_at(0, 5, 2));
    ST_EQ(sb_release(e, slot_at(0, LAST, 1), 1), SB_OK);
    held_eq(P[1], slot_at(0, LAST, 1));
    SLOT_EQ(e, slot_at(0, 2, 0), 1, 0, 0, 0, 0, 1);
    SLOT_EQ(e, slot_at(0, 6, 0), 1, 0, 0, 0, 0, 1);
    WAIT_AUDIT_OK();
}

Test(wait_range, clamped_decides_who_is_served)
{
    /* [DAY0 - 5, DAY0] clamps to day 0 only. */
    ST_EQ(sb_wait(e, P[0], 0, DAY0 - 5, DAY0), SB_OK);
    ST_EQ(sb_release(e, slot_at(0, 1, 0), 1), SB_OK);
    waiting_eq(P[0], 0, 0, 0, 0);
    ST_EQ(sb_release(e, slot_at(0, 0, 2), 1), SB_OK);
    held_eq(P[0], slot_at(0, 0, 2));
    WAIT_AUDIT_OK();
}

/* ---- who gets a freed place --------------------------------------------- */

Test(wait_serve, gives_a_cancelled_booking_to_the_waiting_person)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[0], S, code);
    wait_ok(P[1], 0, 0, LAST);
    waiting_eq(P[1], 0, 0, LAST, 0);
    SLOT_EQ(e, S, 1, 0, 1, 0, 0, 0);
    clk.now += 1234;
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    held_eq(P[1], S);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    ST_EQ(sb_verify(e, code, P[0], NULL), SB_CANCELLED);
    /* The offered hold is a hold: reserve and wait answer duplicate. */
    ST_EQ(sb_reserve(e, P[1], T), SB_DUPLICATE);
    ST_EQ(sb_wait(e, P[1], 0, DAY0, DAY0 + LAST), SB_DUPLICATE);
    unsigned seen = 0;
    ST_EQ(sb_each_booking(e, 0, DAY0, DAY0 + LAST, count_booking, &seen), SB_OK);
    cr_assert_eq(seen, 1, "sb_each_booking saw %u", seen);
    confirm_works(P[1], S);
    SLOT_EQ(e, S, 1, 0, 0, 1, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_a_cancelled_hold_to_the_waiting_person)
{
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    wait_ok(P[1], 0, 2, 2);
    clk.now += 10;
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    held_eq(P[1], S);
    gone(P[0]);
    ST_EQ(sb_confirm(e, P[0], (char[SB_CODE_SIZE]){0}), SB_NOT_FOUND);
    confirm_works(P[1], S);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_the_old_place_of_a_reschedule)
{
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    ST_EQ(sb_release(e, U, 1), SB_OK);
    book_ok(e, P[0], S, code);
    book_ok(e, P[1], T, code);
    /* P[2] waits for T's day only, P[3] for S's day. */
    wait_ok(P[2], 0, 7, 7);
    wait_ok(P[3], 0, 2, 2);
    reschedule_ok(e, P[0], U, moved);
    held_eq(P[3], S);
    waiting_eq(P[2], 0, 7, 7, 0);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    SLOT_EQ(e, U, 1, 0, 1, 0, 0, 0);
    /* A move inside the location frees the old place too. */
    ST_EQ(sb_release(e, slot_at(0, 8, 0), 1), SB_OK);
    waiting_eq(P[2], 0, 7, 7, 0);
    reschedule_ok(e, P[1], slot_at(0, 8, 0), moved);
    held_eq(P[2], T);
    confirm_works(P[2], T);
    confirm_works(P[3], S);
    WAIT_AUDIT_OK();
}

/* A family's places are freed at once (release_delay_ms is 0), so each goes
 * to the next person waiting at once. */
Test(wait_serve, gives_each_place_of_a_cancelled_family_at_once)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 3), SB_OK);
    uint32_t fam[3] = {P[0], P[1], P[2]};
    ST_EQ(sb_book_group(e, fam, 3, S, code), SB_OK);
    for (uint32_t i = 3; i < 7; i++)
        wait_ok(P[i], 0, 0, LAST);
    clk.now += 5;
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    for (uint32_t i = 3; i < 6; i++)
        held_eq(P[i], S);
    waiting_eq(P[6], 0, 0, LAST, 0);
    for (uint32_t i = 0; i < 3; i++)
        gone(fam[i]);
    SLOT_EQ(e, S, 3, 3, 0, 0, 0, 0);
    confirm_works(P[4], S);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_the_places_a_family_left_when_it_moved_at_once)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 2), SB_OK);
    ST_EQ(sb_release(e, U, 2), SB_OK);
    uint32_t fam[2] = {P[0], P[1]};
    ST_EQ(sb_book_group(e, fam, 2, S, code), SB_OK);
    wait_ok(P[2], 0, 2, 2);
    wait_ok(P[3], 1, 0, LAST);
    wait_ok(P[4], 0, 0, LAST);
    reschedule_ok(e, P[1], U, code);
    held_eq(P[2], S);
    held_eq(P[4], S);
    waiting_eq(P[3], 1, 0, LAST, 0);
    SLOT_EQ(e, S, 2, 2, 0, 0, 0, 0);
    SLOT_EQ(e, U, 2, 0, 2, 0, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_released_places_and_keeps_the_rest_free)
{
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 2, 2);
    ST_EQ(sb_release(e, S, 0), SB_OK);
    waiting_eq(P[0], 0, 0, LAST, 0);
    clk.now += 77;
    ST_EQ(sb_release(e, S, 5), SB_OK);
    held_eq(P[0], S);
    held_eq(P[1], S);
    SLOT_EQ(e, S, 5, 2, 0, 0, 0, 3);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    SLOT_EQ(e, S, 6, 2, 0, 0, 0, 4);
    confirm_works(P[1], S);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_a_hold_that_ran_out_at_the_next_expire)
{
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    wait_ok(P[1], 0, 0, LAST);
    clk.now += HOLD_MS;
    /* Free at once for everyone's reads, but the list hears of it through
     * sb_expire. */
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    waiting_eq(P[1], 0, 0, LAST, 0);
    clk.now += 3;
    cr_assert_eq(sb_expire(e), 1);
    held_eq(P[1], S);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    gone(P[0]);
    ST_EQ(sb_confirm(e, P[0], (char[SB_CODE_SIZE]){0}), SB_EXPIRED);
    cr_assert_eq(sb_expire(e), 0);
    confirm_works(P[1], S);
    WAIT_AUDIT_OK();
}

Test(wait_serve, lets_a_reserve_take_a_hold_that_ran_out_before_expire)
{
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    wait_ok(P[1], 0, 0, LAST);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, P[2], S), SB_OK);
    held_eq(P[2], S);
    cr_assert_eq(sb_expire(e), 0);
    waiting_eq(P[1], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

Test(wait_serve, gives_a_dead_hold_to_those_before_its_owner_when_the_owner_joins)
{
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[0], S), SB_OK);
    wait_ok(P[1], 0, 2, 2);
    clk.now += HOLD_MS + 1;
    /* P[0] gives up the hold that ran out by joining: P[1] was first. */
    wait_ok(P[0], 0, 2, 2);
    held_eq(P[1], S);
    waiting_eq(P[0], 0, 2, 2, 0);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_serve, skips_people_whose_range_does_not_fit_and_keeps_their_place)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    book_ok(e, P[0], S, code);
    book_ok(e, P[1], T, code);
    wait_ok(P[2], 0, 5, LAST); /* T's day, not S's */
    wait_ok(P[3], 1, 0, LAST); /* another location */
    wait_ok(P[4], 0, 0, 3);    /* S's day */
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    held_eq(P[4], S);
    waiting_eq(P[2], 0, 5, LAST, 0);
    waiting_eq(P[3], 1, 0, LAST, 0);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    held_eq(P[2], T);
    waiting_eq(P[3], 1, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

Test(wait_serve, returns_the_place_to_the_slot_when_nobody_fits)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[0], S, code);
    wait_ok(P[1], 0, 3, LAST);
    wait_ok(P[2], 2, 0, LAST);
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    waiting_eq(P[1], 0, 3, LAST, 0);
    waiting_eq(P[2], 2, 0, LAST, 0);
    ST_EQ(sb_reserve(e, P[3], S), SB_OK);
    WAIT_AUDIT_OK();
}

/* ---- first come, first served ------------------------------------------- */

Test(wait_order, serves_fitting_people_in_the_order_they_came)
{
    char code[SB_CODE_SIZE];
    /* Five places on different days and windows, booked by P[10..14]. */
    sb_slot at[5];
    for (uint32_t k = 0; k < 5; k++) {
        at[k] = slot_at(0, (int32_t)(2 * k), (uint16_t)(k % WINDOWS));
        ST_EQ(sb_release(e, at[k], 1), SB_OK);
        book_ok(e, P[10 + k], at[k], code);
    }
    for (uint32_t i = 0; i < 6; i++)
        wait_ok(P[i], 0, 0, LAST);
    for (uint32_t k = 0; k < 5; k++) {
        clk.now += 100;
        ST_EQ(sb_cancel(e, P[10 + (4 - k)]), SB_OK);
        for (uint32_t i = 0; i <= k; i++)
            LOOKUP_EQ(e, P[i], SB_STATE_HELD, at[4 - i]);
        held_eq(P[k], at[4 - k]);
        for (uint32_t i = k + 1; i < 6; i++)
            waiting_eq(P[i], 0, 0, LAST, i - k - 1);
    }
    WAIT_AUDIT_OK();
}

Test(wait_order, serves_the_first_whose_range_holds_each_day)
{
    char code[SB_CODE_SIZE];
    sb_slot d0 = slot_at(0, 0, 0), d5 = slot_at(0, 5, 1);
    ST_EQ(sb_release(e, d0, 3), SB_OK);
    ST_EQ(sb_release(e, d5, 2), SB_OK);
    for (uint32_t i = 0; i < 3; i++)
        book_ok(e, P[10 + i], d0, code);
    for (uint32_t i = 3; i < 5; i++)
        book_ok(e, P[10 + i], d5, code);
    wait_ok(P[0], 0, 5, LAST);
    wait_ok(P[1], 0, 0, LAST);
    wait_ok(P[2], 0, 0, 1);
    wait_ok(P[3], 0, 5, 5);
    ST_EQ(sb_cancel(e, P[10]), SB_OK);
    LOOKUP_EQ(e, P[1], SB_STATE_HELD, d0);
    ST_EQ(sb_cancel(e, P[11]), SB_OK);
    LOOKUP_EQ(e, P[2], SB_STATE_HELD, d0);
    waiting_eq(P[0], 0, 5, LAST, 0);
    waiting_eq(P[3], 0, 5, 5, 1);
    ST_EQ(sb_cancel(e, P[13]), SB_OK);
    LOOKUP_EQ(e, P[0], SB_STATE_HELD, d5);
    waiting_eq(P[3], 0, 5, 5, 0);
    ST_EQ(sb_cancel(e, P[12]), SB_OK);
    SLOT_EQ(e, d0, 3, 2, 0, 0, 0, 1);
    waiting_eq(P[3], 0, 5, 5, 0);
    ST_EQ(sb_cancel(e, P[14]), SB_OK);
    LOOKUP_EQ(e, P[3], SB_STATE_HELD, d5);
    SLOT_EQ(e, d5, 2, 2, 0, 0, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_order, serves_a_release_of_several_places_in_order)
{
    for (uint32_t i = 0; i < 4; i++)
        wait_ok(P[i], 0, 0, LAST);
    ST_EQ(sb_release(e, S, 2), SB_OK);
    held_eq(P[0], S);
    held_eq(P[1], S);
    waiting_eq(P[2], 0, 0, LAST, 0);
    waiting_eq(P[3], 0, 0, LAST, 1);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    held_eq(P[2], T);
    waiting_eq(P[3], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

Test(wait_order, puts_a_person_who_left_and_came_back_at_the_end)
{
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    waiting_eq(P[1], 0, 0, LAST, 0);
    waiting_eq(P[0], 0, 0, LAST, 1);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    held_eq(P[1], S);
    waiting_eq(P[0], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

/* ---- positions ------------------------------------------------------------ */

Test(wait_position, counts_everyone_waiting_ahead_at_the_location_whatever_their_range)
{
    wait_ok(P[0], 0, 0, 0);
    wait_ok(P[1], 1, 0, LAST);
    wait_ok(P[2], 0, 5, 5);
    wait_ok(P[3], 0, 0, LAST);
    wait_ok(P[4], 1, 2, 2);
    waiting_eq(P[0], 0, 0, 0, 0);
    waiting_eq(P[1], 1, 0, LAST, 0);
    waiting_eq(P[2], 0, 5, 5, 1);
    waiting_eq(P[3], 0, 0, LAST, 2);
    waiting_eq(P[4], 1, 2, 2, 1);
    WAIT_AUDIT_OK();
}

Test(wait_position, shrinks_as_people_ahead_leave_or_are_served)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, T, 2), SB_OK);
    for (uint32_t i = 0; i < 7; i++)
        wait_ok(P[i], 0, 0, i == 1 ? 2 : LAST);
    waiting_eq(P[6], 0, 0, LAST, 6);
    ST_EQ(sb_cancel(e, P[3]), SB_OK); /* leaves */
    waiting_eq(P[6], 0, 0, LAST, 5);
    waiting_eq(P[2], 0, 0, LAST, 2);
    ST_EQ(sb_release(e, S, 1), SB_OK); /* P[0] is served */
    held_eq(P[0], S);
    waiting_eq(P[1], 0, 0, 2, 0);
    waiting_eq(P[6], 0, 0, LAST, 4);
    ST_EQ(sb_reserve(e, P[4], T), SB_OK); /* reserves: off the list */
    waiting_eq(P[6], 0, 0, LAST, 3);
    book_ok(e, P[5], T, code); /* books: off the list */
    waiting_eq(P[6], 0, 0, LAST, 2);
    ST_EQ(sb_release(e, slot_at(0, 4, 0), 1), SB_OK); /* P[2] is served, P[1] does not fit */
    held_eq(P[2], slot_at(0, 4, 0));
    waiting_eq(P[1], 0, 0, 2, 0);
    waiting_eq(P[6], 0, 0, LAST, 1);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    waiting_eq(P[6], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

Test(wait_position, does_not_count_people_whose_offered_hold_ran_out)
{
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    wait_ok(P[0], 0, 2, 2);
    wait_ok(P[1], 0, 5, 5);
    wait_ok(P[2], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], S);
    waiting_eq(P[2], 0, 0, LAST, 1);
    clk.now += HOLD_MS;
    waiting_eq(P[2], 0, 0, LAST, 1);
    gone(P[0]);
    WAIT_AUDIT_OK();
}

/* ---- leaving the list ----------------------------------------------------- */

Test(wait_leave, by_cancel_answers_ok_and_the_place_goes_to_the_next)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    gone(P[0]);
    ST_EQ(sb_cancel(e, P[0]), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, P[0], code), SB_NOT_FOUND);
    waiting_eq(P[1], 0, 0, LAST, 0);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[1], S);
    gone(P[0]);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    WAIT_AUDIT_OK();
}

Test(wait_leave, by_cancel_is_not_counted_as_a_change)
{
    sb_options o = test_options(&clk);
    o.max_changes = 2;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    for (int i = 0; i < 5; i++) {
        wait_ok(P[0], 0, 0, LAST);
        ST_EQ(sb_cancel(e, P[0]), SB_OK);
    }
    book_ok(e, P[0], S, code);
    ST_EQ(sb_cancel(e, P[0]), SB_OK); /* change 1 */
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    book_ok(e, P[0], S, code);
    ST_EQ(sb_cancel(e, P[0]), SB_OK); /* change 2: the limit */
    book_ok(e, P[0], S, code);
    ST_EQ(sb_cancel(e, P[0]), SB_LIMIT);
    ST_EQ(sb_redeem(e, code, P[0]), SB_OK);
    /* At the limit a person may still leave the list. */
    char other[SB_CODE_SIZE];
    ST_EQ(sb_release(e, T, 1), SB_OK);
    book_ok(e, P[1], T, other);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    book_ok(e, P[1], T, other);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[1]), SB_OK);
    gone(P[1]);
    WAIT_AUDIT_OK();
}

Test(wait_leave, by_reserving_and_a_later_place_goes_to_the_next)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, U, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_reserve(e, P[0], U), SB_OK);
    held_eq(P[0], U);
    waiting_eq(P[1], 0, 0, LAST, 0);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], U);
    held_eq(P[1], S);
    confirm_works(P[0], U);
    WAIT_AUDIT_OK();
}

Test(wait_leave, by_booking_and_a_later_place_goes_back_to_the_slot)
{
    char code[SB_CODE_SIZE], mine[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    book_ok(e, P[0], T, mine);
    LOOKUP_EQ(e, P[0], SB_STATE_BOOKED, T);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    LOOKUP_EQ(e, P[0], SB_STATE_BOOKED, T);
    ST_EQ(sb_verify(e, mine, P[0], NULL), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    /* The entry was given back: a one-entry list has room again. */
    reopen_waiting(1);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    book_ok(e, P[0], T, mine);
    wait_ok(P[1], 0, 0, LAST);
    WAIT_AUDIT_OK();
}

Test(wait_leave, by_being_booked_in_a_family)
{
    char code[SB_CODE_SIZE], fcode[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, U, 2), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    uint32_t fam[2] = {P[2], P[0]};
    ST_EQ(sb_book_group(e, fam, 2, U, fcode), SB_OK);
    LOOKUP_EQ(e, P[0], SB_STATE_BOOKED, U);
    waiting_eq(P[1], 0, 0, LAST, 0);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    LOOKUP_EQ(e, P[0], SB_STATE_BOOKED, U);
    held_eq(P[1], S);
    WAIT_AUDIT_OK();
}

/* A family booking that fails after it looked at its members (here: the
 * leader made 65,535 bookings) changes nothing: a member who waited still
 * waits. */
Test(wait_leave, not_by_a_family_booking_that_failed)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 2), SB_OK);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    for (uint32_t i = 0; i < 65535u; i++) {
        sb_status st = sb_book(e, P[2], T, code);
        if (st != SB_OK)
            cr_assert_fail("booking %u: %s", i + 1, sb_status_name(st));
        st = sb_cancel(e, P[2]);
        if (st != SB_OK)
            cr_assert_fail("cancel %u: %s", i + 1, sb_status_name(st));
    }
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    uint32_t fam[2] = {P[2], P[1]};
    unsigned blocker = 99;
    ST_EQ(sb_book_group_blocker(e, fam, 2, S, code, &blocker), SB_NOMEM);
    cr_assert_eq(blocker, 0);
    SLOT_EQ(e, S, 2, 0, 0, 0, 0, 2);
    waiting_eq(P[0], 0, 0, LAST, 0);
    waiting_eq(P[1], 0, 0, LAST, 1);
    WAIT_AUDIT_OK();
}

/* ---- offered holds that run out -------------------------------------------- */

Test(wait_expire, passes_a_hold_that_ran_out_to_the_next_at_the_next_expire)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 2, 2);
    wait_ok(P[2], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], S);
    clk.now += HOLD_MS - 1;
    cr_assert_eq(sb_expire(e), 0);
    waiting_eq(P[1], 0, 2, 2, 0);
    clk.now += 1;
    gone(P[0]);
    waiting_eq(P[1], 0, 2, 2, 0);
    cr_assert_eq(sb_expire(e), 1);
    held_eq(P[1], S);
    waiting_eq(P[2], 0, 0, LAST, 0);
    ST_EQ(sb_confirm(e, P[0], code), SB_EXPIRED);
    /* The one whose hold ran out left the list: nothing more comes to them. */
    gone(P[0]);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 1);
    held_eq(P[2], S);
    gone(P[0]);
    gone(P[1]);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 1);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    /* They may wait again. */
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    waiting_eq(P[1], 0, 0, LAST, 1);
    WAIT_AUDIT_OK();
}

/* A reserve refused for want of room in the person table (after it looked
 * at the slot, where the hold that ran out counts as free) changes
 * nothing: the place still reaches the list through sb_expire. */
Test(wait_expire, still_offers_a_hold_that_ran_out_after_a_refused_reserve)
{
    sb_options o = test_options(&clk);
    o.max_people = 2;
    reopen(o);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, P[1], S), SB_NOMEM);
    gone(P[1]);
    sb_expire(e);
    held_eq(P[0], S);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_expire, lets_an_offered_hold_be_confirmed_until_its_deadline)
{
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    held_eq(P[0], S);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    clk.now += HOLD_MS - 1;
    cr_assert_eq(sb_expire(e), 0);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, P[0], code), SB_OK);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 0);
    LOOKUP_EQ(e, P[0], SB_STATE_BOOKED, S);
    waiting_eq(P[1], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

/* ---- closed locations ----------------------------------------------------- */

Test(wait_closed, offers_nothing_while_the_location_is_closed)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 2), SB_OK);
    book_ok(e, P[8], S, code);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 0, 0, LAST);
    wait_ok(P[2], 1, 0, LAST);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_cancel(e, P[8]), SB_OK);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 1);
    waiting_eq(P[0], 0, 0, LAST, 0);
    waiting_eq(P[1], 0, 0, LAST, 1);
    SLOT_EQ(e, S, 2, 0, 0, 0, 0, 2);
    SLOT_EQ(e, T, 1, 0, 0, 0, 0, 1);
    /* Another location still serves its list. */
    ST_EQ(sb_release(e, U, 1), SB_OK);
    held_eq(P[2], U);
    /* Waiting people may still leave. */
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    waiting_eq(P[1], 0, 0, LAST, 0);
    /* Open again: the next place that frees up is offered. */
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    held_eq(P[1], S);
    WAIT_AUDIT_OK();
}

/* ---- stickers -------------------------------------------------------------- */

static void
reopen_stock(void)
{
    sb_options o = test_options(&clk);
    o.use_stock = 1;
    reopen(o);
}

Test(wait_stock, takes_a_sticker_for_an_offered_hold)
{
    reopen_stock();
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 3), SB_OK);
    ST_EQ(sb_release(e, S, 2), SB_OK);
    book_ok(e, P[9], S, code);
    STOCK_EQ(e, 0, 2);
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 1);
    WAIT_AUDIT_OK();
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[1], S);
    STOCK_EQ(e, 0, 1);
    WAIT_AUDIT_OK();
    /* An offered hold that runs out gives its sticker back. */
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 2);
    STOCK_EQ(e, 0, 3);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    WAIT_AUDIT_OK();
}

Test(wait_stock, makes_no_offer_without_a_sticker)
{
    reopen_stock();
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    waiting_eq(P[0], 0, 0, LAST, 0);
    SLOT_EQ(e, S, 1, 0, 0, 0, 0, 1);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_reserve(e, P[1], S), SB_NO_STOCK);
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[1], S), SB_OK);
    STOCK_EQ(e, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_stock, passes_a_hold_that_ran_out_on_with_its_sticker)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    STOCK_EQ(e, 0, 0);
    wait_ok(P[0], 0, 0, LAST);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 1);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 0);
    WAIT_AUDIT_OK();
}

/* The last sticker, given back by the call that frees the place, is enough:
 * right after the cancel a reserve would get place and sticker, and so
 * should the first person waiting. */
Test(wait_stock, offers_a_cancelled_booking_with_its_own_sticker)
{
    reopen_stock();
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[9], S, code);
    STOCK_EQ(e, 0, 0);
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_stock, offers_a_cancelled_hold_with_its_own_sticker)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 0);
    WAIT_AUDIT_OK();
}

Test(wait_stock, offers_the_old_place_of_a_move_away_with_its_own_sticker)
{
    reopen_stock();
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_release(e, U, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    reschedule_ok(e, P[9], U, code);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 0);
    STOCK_EQ(e, 1, 0);
    WAIT_AUDIT_OK();
}

Test(wait_stock, offers_the_place_of_a_cancelled_family_with_its_sticker)
{
    reopen_stock();
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    /* A family of one: its one place is freed at once. */
    uint32_t fam[1] = {P[9]};
    ST_EQ(sb_book_group(e, fam, 1, S, code), SB_OK);
    STOCK_EQ(e, 0, 0);
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    held_eq(P[0], S);
    STOCK_EQ(e, 0, 0);
    WAIT_AUDIT_OK();
}

/* ---- delayed releases ------------------------------------------------------ */

Test(wait_delay, offers_a_cancelled_place_when_it_is_due_and_expire_runs)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = DELAY;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, S, 1), SB_OK);
    book_ok(e, P[9], S, code);
    wait_ok(P[0], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 1, 0);
    waiting_eq(P[0], 0, 0, LAST, 0);
    cr_assert_eq(sb_expire(e), 0);
    waiting_eq(P[0], 0, 0, LAST, 0);
    clk.now += DELAY;
    waiting_eq(P[0], 0, 0, LAST, 0);
    cr_assert_eq(sb_expire(e), 0, "a delayed release is not a hold");
    held_eq(P[0], S);
    SLOT_EQ(e, S, 1, 1, 0, 0, 0, 0);
    confirm_works(P[0], S);
    WAIT_AUDIT_OK();
}

Test(wait_delay, offers_a_cancelled_hold_when_it_is_due)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = DELAY;
    reopen(o);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    ST_EQ(sb_reserve(e, P[9], S), SB_OK);
    wait_ok(P[0], 0, 2, 2);
    wait_ok(P[1], 0, 0, LAST);
    ST_EQ(sb_cancel(e, P[9]), SB_OK);
    SLOT_EQ(e, S, 1, 0, 0, 0, 1, 0);
    clk.now += DELAY;
    sb_expire(e);
    held_eq(P[0], S);
    waiting_eq(P[1], 0, 0, LAST, 0);
    WAIT_AUDIT_OK();
}

/* ---- entries ------------------------------------------------------------- */

/* One person waits for a far day the whole time; 50 times as many people as
 * the list has entries come and go, each way there is to leave. */
Test(wait_entries, are_reused_however_long_one_person_waits)
{
    reopen_waiting(4);
    char code[SB_CODE_SIZE];
    sb_slot near = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, T, 1), SB_OK);
    wait_ok(P[0], 0, LAST, LAST);
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t who = bsn_nth(100 + i);
        sb_status st = sb_wait(e, who, 0, DAY0, DAY0 + 3);
        if (st != SB_OK)
            cr_assert_fail("round %u: sb_wait: %s", i, sb_status_name(st));
        waiting_eq(who, 0, 0, 3, 1);
        switch (i % 5) {
        case 0:
            ST_EQ(sb_cancel(e, who), SB_OK);
            break;
        case 1:
            ST_EQ(sb_reserve(e, who, T), SB_OK);
            ST_EQ(sb_cancel(e, who), SB_OK);
            break;
        case 2:
            book_ok(e, who, T, code);
            ST_EQ(sb_cancel(e, who), SB_OK);
            break;
        case 3: /* served, then confirmed and cancelled */
            ST_EQ(sb_release(e, near, 1), SB_OK);
            held_eq(who, near);
            ST_EQ(sb_confirm(e, who, code), SB_OK);
            ST_EQ(sb_cancel(e, who), SB_OK);
            break;
        default: /* served, and the hold runs out */
            ST_EQ(sb_release(e, near, 1), SB_OK);
            held_eq(who, near);
            clk.now += HOLD_MS;
            cr_assert_eq(sb_expire(e), 1);
            break;
        }
        gone(who);
        waiting_eq(P[0], 0, LAST, LAST, 0);
    }
    for (uint32_t i = 1; i < 4; i++)
        wait_ok(P[i], 0, 0, LAST);
    ST_EQ(sb_wait(e, P[4], 0, DAY0, DAY0 + LAST), SB_NOMEM);
    waiting_eq(P[0], 0, LAST, LAST, 0);
    waiting_eq(P[3], 0, 0, LAST, 3);
    WAIT_AUDIT_OK();
}

Test(wait_entries, of_a_full_list_come_back_when_people_leave_it)
{
    reopen_waiting(3);
    wait_ok(P[0], 0, LAST, LAST);
    wait_ok(P[1], 0, 0, LAST);
    for (uint32_t i = 0; i < 100; i++) {
        uint32_t who = bsn_nth(100 + i), late = bsn_nth(300 + i);
        wait_ok(who, 0, 0, 0);
        ST_EQ(sb_wait(e, late, 0, DAY0, DAY0), SB_NOMEM);
        waiting_eq(who, 0, 0, 0, 2);
        /* A reserve that fails leaves the person waiting. */
        if (i % 2 == 0)
            ST_EQ(sb_reserve(e, who, S), SB_FULL);
        ST_EQ(sb_cancel(e, who), SB_OK);
        gone(who);
    }
    waiting_eq(P[1], 0, 0, LAST, 1);
    WAIT_AUDIT_OK();
}

/* ---- stats ----------------------------------------------------------------- */

Test(wait_stats, counts_every_outcome_of_sb_wait)
{
    reopen_waiting(1);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_wait(NULL, P[0], 0, DAY0, DAY0), SB_INVALID_ARG); /* no engine: not counted */
    ST_EQ(sb_wait(e, BSN_BAD_CHECK, 0, DAY0, DAY0), SB_INVALID_ID);
    ST_EQ(sb_wait(e, P[0], LOCATIONS, DAY0, DAY0), SB_INVALID_ARG);
    ST_EQ(sb_wait(e, P[0], 0, DAY0 + 3, DAY0 + 2), SB_INVALID_ARG);
    ST_EQ(sb_location_close(e, 3), SB_OK);
    ST_EQ(sb_wait(e, P[0], 3, DAY0, DAY0), SB_CLOSED);
    wait_ok(P[0], 0, 0, LAST);
    wait_ok(P[1], 1, 0, LAST);
    ST_EQ(sb_wait(e, P[0], 0, DAY0, DAY0), SB_DUPLICATE);
    ST_EQ(sb_wait(e, P[2], 0, DAY0, DAY0), SB_NOMEM);
    ST_EQ(sb_wait(e, P[3], 0, DAY0, DAY0), SB_NOMEM);
    cr_assert_eq(wait_outcome(SB_OK), 2);
    cr_assert_eq(wait_outcome(SB_INVALID_ID), 1);
    cr_assert_eq(wait_outcome(SB_INVALID_ARG), 2);
    cr_assert_eq(wait_outcome(SB_CLOSED), 1);
    cr_assert_eq(wait_outcome(SB_DUPLICATE), 1);
    cr_assert_eq(wait_outcome(SB_NOMEM), 2);
    sb_stats s;
    sb_stats_read(e, &s);
    cr_assert_eq(s.calls[SB_OP_WAIT], 9);
    /* Leaving is a cancel; being served counts no call. */
    ST_EQ(sb_cancel(e, P[0]), SB_OK);
    ST_EQ(sb_release(e, U, 1), SB_OK);
    held_eq(P[1], U);
    ST_EQ(sb_confirm(e, P[1], code), SB_OK);
    sb_stats_read(e, &s);
    cr_assert_eq(s.calls[SB_OP_WAIT], 9);
    cr_assert_eq(s.outcomes[SB_OP_CANCEL][SB_OK], 1);
    cr_assert_eq(s.calls[SB_OP_RESERVE], 0);
    cr_assert_eq(s.calls[SB_OP_CONFIRM], 1);
    WAIT_AUDIT_OK();
}
