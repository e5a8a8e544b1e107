/*
 * API tests: sb_confirm, holds and their expiry, and the engine's clock
 * that never goes backwards.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot S2 = {.location = 1, .window = 1, .day = DAY0 + 1};

static void
setup(void)
{
    clk.now = T0;
    sb_options o = test_options(&clk);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, 3), SB_OK);
    ST_EQ(sb_release(e, S2, 3), SB_OK);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

TestSuite(confirm, .init = setup, .fini = teardown);
TestSuite(hold, .init = setup, .fini = teardown);
TestSuite(clock, .init = setup, .fini = teardown);

/* ---- argument checks ---------------------------------------------------- */

Test(confirm, answers_invalid_arg_for_a_null_engine_or_code)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_confirm(NULL, BSN_A, code), SB_INVALID_ARG);
    ST_EQ(sb_confirm(e, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_confirm(e, 0, NULL), SB_INVALID_ARG); /* NULL before the BSN */
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
}

Test(confirm, answers_invalid_id_for_a_bad_bsn)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, 0, code), SB_INVALID_ID);
    ST_EQ(sb_confirm(e, 1000000000u, code), SB_INVALID_ID);
    ST_EQ(sb_confirm(e, BSN_BAD_CHECK, code), SB_INVALID_ID);
    ST_EQ(sb_confirm(e, UINT32_MAX, code), SB_INVALID_ID);
}

/* ---- states -------------------------------------------------------------- */

Test(confirm, answers_not_found_for_a_person_never_seen)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
}

Test(confirm, answers_not_found_after_a_failed_reserve)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, slot_at(3, 0, 0)), SB_FULL);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
}

Test(confirm, answers_not_found_after_the_hold_or_booking_was_cancelled)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
    book_ok(e, BSN_B, S, code);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(confirm, answers_expired_once_the_hold_ran_out)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    clk.now += 1000u * HOLD_MS;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
}

Test(confirm, answers_ok_just_before_the_deadline)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS - 1;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    /* A booking does not run out. */
    clk.now = T0 + 100u * HOLD_MS;
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
}

Test(confirm, answers_expired_after_expire_reclaimed_the_hold)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 1u);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
}

Test(confirm, answers_expired_after_another_person_took_the_place_over)
{
    char code[SB_CODE_SIZE];
    sb_slot one = slot_at(2, 0, 0);
    ST_EQ(sb_release(e, one, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, one), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_B, one), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
    SLOT_EQ(e, one, 1, 0, 1, 0, 0, 0);
}

Test(confirm, answers_expired_until_the_person_reserves_again)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    /* Neither a cancel nor a refused reserve changes that. */
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(3, 0, 0)), SB_FULL);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S2), SB_CLOSED);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    /* A new hold can be confirmed. */
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
}

Test(confirm, answers_duplicate_for_a_confirmed_booking)
{
    char code[SB_CODE_SIZE], again[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    memset(again, '?', sizeof again);
    ST_EQ(sb_confirm(e, BSN_A, again), SB_DUPLICATE);
    cr_assert_eq(again[0], '?', "code written on SB_DUPLICATE");
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(confirm, answers_duplicate_for_a_booking_made_with_book_or_redeemed)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_DUPLICATE);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_DUPLICATE);
    clk.now += 100u * HOLD_MS;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_DUPLICATE);
    SLOT_EQ(e, S, 3, 0, 0, 1, 0, 2);
}

Test(confirm, answers_ok_with_an_upper_case_code_of_16_symbols)
{
    char code[SB_CODE_SIZE];
    memset(code, 'z', sizeof code);
    ST_EQ(sb_reserve(e, BSN_A, S2), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    cr_assert_eq(code[SB_CODE_SIZE - 1], '\0');
    cr_assert_eq(strlen(code), 19u);
    cr_assert(code_well_formed(code), "code '%s'", code);
    sb_booking b;
    ST_EQ(sb_verify(e, code, BSN_A, &b), SB_OK);
    cr_assert_eq(b.bsn, BSN_A);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    cr_assert_eq(b.slot.location, S2.location);
    cr_assert_eq(b.slot.day, S2.day);
    cr_assert_eq(b.slot.window, S2.window);
}

Test(confirm, moves_the_place_from_held_to_booked)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, bsn_nth(0), S), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(1), S), SB_OK);
    SLOT_EQ(e, S, 3, 2, 0, 0, 0, 1);
    ST_EQ(sb_confirm(e, bsn_nth(0), code), SB_OK);
    SLOT_EQ(e, S, 3, 1, 1, 0, 0, 1);
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    cr_assert_eq(b.deadline_ms, 0u);
    /* The booking outlives the hold's deadline; the other hold does not. */
    clk.now += HOLD_MS;
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(confirm, works_on_a_location_closed_after_the_hold_was_taken)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_location_close(e, S.location), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
}

Test(confirm, writes_the_code_only_on_ok)
{
    char code[SB_CODE_SIZE], before[SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    memcpy(before, code, sizeof code);
    ST_EQ(sb_confirm(e, 0, code), SB_INVALID_ID);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    cr_assert_arr_eq(code, before, sizeof code);
}

Test(confirm, answers_nomem_once_the_person_made_65535_bookings)
{
    char code[SB_CODE_SIZE], last[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 65535u; i++) {
        sb_status st = sb_book(e, BSN_A, S, code);
        if (st != SB_OK)
            cr_assert_fail("booking %u: %s", i + 1, sb_status_name(st));
        st = sb_cancel(e, BSN_A);
        if (st != SB_OK)
            cr_assert_fail("cancel %u: %s", i + 1, sb_status_name(st));
    }
    memcpy(last, code, sizeof last);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    memset(code, '?', sizeof code);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOMEM);
    cr_assert_eq(code[0], '?');
    /* The hold stays a hold, and can be cancelled. */
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);
    ST_EQ(sb_verify(e, last, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    /* Nobody else is limited by it. */
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
}

/* ---- holds --------------------------------------------------------------- */

Test(hold, lasts_hold_ms_from_the_reserve)
{
    clk.now = T0 + 12345;
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);
    cr_assert_eq(b.deadline_ms, T0 + 12345 + HOLD_MS);
    clk.now = T0 + 12345 + HOLD_MS - 1;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    clk.now = T0 + 12345 + HOLD_MS;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(hold, follows_the_configured_hold_ms)
{
    sb_close(e);
    sb_options o = test_options(&clk);
    o.hold_ms = 1;
    e = test_open(&o);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_release(e, S, 1), SB_OK);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += 1;
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
}

Test(hold, of_each_person_runs_out_on_its_own_deadline)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, bsn_nth(0), S), SB_OK);
    clk.now += 1000;
    ST_EQ(sb_reserve(e, bsn_nth(1), S), SB_OK);
    clk.now += 1000;
    ST_EQ(sb_reserve(e, bsn_nth(2), S), SB_OK);
    clk.now = T0 + HOLD_MS + 1000; /* the first two ran out */
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    ST_EQ(sb_confirm(e, bsn_nth(0), code), SB_EXPIRED);
    ST_EQ(sb_confirm(e, bsn_nth(1), code), SB_EXPIRED);
    ST_EQ(sb_confirm(e, bsn_nth(2), code), SB_OK);
    cr_assert_eq(sb_expire(e), 2u);
}

Test(hold, of_a_person_is_one_at_a_time)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S2), SB_DUPLICATE);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    SLOT_EQ(e, S2, 3, 0, 0, 0, 0, 3);
    sb_audit_report r;
    ST_EQ(sb_audit(e, &r, NULL, 0), SB_OK);
    cr_assert_eq(r.held, 1u);
    cr_assert_eq(r.people, 1u);
}

/* ---- the clock ------------------------------------------------------------- */

Test(clock, never_goes_backwards_for_a_hold_that_ran_out)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS;
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    clk.now = T0; /* the caller's clock jumps back */
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(clock, uses_the_largest_time_seen_for_new_deadlines)
{
    clk.now = T0 + 5000;
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    clk.now = T0 + 1000; /* the caller's clock jumps back */
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, T0 + 5000 + HOLD_MS);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, T0 + 5000 + HOLD_MS);
}
