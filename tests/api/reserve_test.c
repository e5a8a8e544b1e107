/*
 * API tests: sb_reserve and sb_book, their checks in the documented order,
 * and holds that ran out never blocking anyone.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;

static void
open_with(sb_options o)
{
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

TestSuite(reserve, .init = setup, .fini = teardown);
TestSuite(book, .init = setup, .fini = teardown);

static const uint32_t bad_bsns[] = {0u, 1000000000u, BSN_BAD_CHECK, UINT32_MAX, 999999999u};

/* ---- argument checks ---------------------------------------------------- */

Test(reserve, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_reserve(NULL, BSN_A, slot_at(0, 0, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(NULL, 0, slot_at(LOCATIONS, 0, 0)), SB_INVALID_ARG);
}

Test(reserve, answers_invalid_id_for_a_bsn_out_of_range_or_failing_the_11_check)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    cr_assert(!bsn_check(999999999u));
    for (size_t i = 0; i < sizeof bad_bsns / sizeof bad_bsns[0]; i++)
        ST_EQ(sb_reserve(e, bad_bsns[i], s), SB_INVALID_ID);
    SLOT_EQ(e, s, 10, 0, 0, 0, 0, 10);
}

Test(reserve, accepts_valid_bsns_including_leading_zeros)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    cr_assert(bsn_check(12u)); /* 000000012 */
    ST_EQ(sb_reserve(e, 12u, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    /* The largest 9-digit number passing the check. */
    uint32_t top = 999999999u;
    while (!bsn_check(top))
        top--;
    ST_EQ(sb_reserve(e, top, s), SB_OK);
    SLOT_EQ(e, s, 10, 4, 0, 0, 0, 6);
}

Test(reserve, checks_the_bsn_before_the_slot)
{
    ST_EQ(sb_reserve(e, BSN_BAD_CHECK, slot_at(LOCATIONS, 0, 0)), SB_INVALID_ID);
    ST_EQ(sb_reserve(e, 0, slot_at(0, DAYS, 0)), SB_INVALID_ID);
    ST_EQ(sb_reserve(e, 1000000000u, slot_at(0, 0, WINDOWS)), SB_INVALID_ID);
}

Test(reserve, answers_invalid_arg_for_a_slot_outside_the_engine)
{
    ST_EQ(sb_reserve(e, BSN_A, slot_at(LOCATIONS, 0, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(UINT16_MAX, 0, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, -1, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, DAYS, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, 0, WINDOWS)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, (sb_slot){.location = 0, .window = 0, .day = INT32_MIN}),
          SB_INVALID_ARG);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
}

Test(reserve, checks_the_slot_before_the_location_state)
{
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, DAYS, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, 0, WINDOWS)), SB_INVALID_ARG);
}

Test(reserve, accepts_the_first_and_last_day_and_window)
{
    sb_slot first = slot_at(0, 0, 0), last = slot_at(LOCATIONS - 1, DAYS - 1, WINDOWS - 1);
    ST_EQ(sb_release(e, first, 1), SB_OK);
    ST_EQ(sb_release(e, last, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, first), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, last), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_OK);
    cr_assert_eq(b.slot.location, LOCATIONS - 1);
    cr_assert_eq(b.slot.day, DAY0 + (int32_t)DAYS - 1);
    cr_assert_eq(b.slot.window, WINDOWS - 1);
}

/* ---- state checks, in order ---------------------------------------------- */

Test(reserve, answers_closed_for_a_closed_location)
{
    sb_slot s = slot_at(2, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_location_close(e, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_CLOSED);
    SLOT_EQ(e, s, 5, 0, 0, 0, 0, 5);
}

Test(reserve, answers_closed_before_duplicate_and_full)
{
    sb_slot s = slot_at(0, 0, 0), closed = slot_at(1, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    /* A person with a live hold, on a closed slot without capacity. */
    ST_EQ(sb_reserve(e, BSN_A, closed), SB_CLOSED);
    ST_EQ(sb_reserve(e, BSN_B, closed), SB_CLOSED);
}

Test(reserve, answers_duplicate_for_a_person_with_a_live_hold_in_the_same_slot)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_DUPLICATE);
    SLOT_EQ(e, s, 5, 1, 0, 0, 0, 4);
}

Test(reserve, answers_duplicate_for_a_person_with_a_live_hold_in_another_slot)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(1, 2, 1);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_release(e, t, 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, t), SB_DUPLICATE);
    SLOT_EQ(e, t, 5, 0, 0, 0, 0, 5);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.slot.location, 0);
}

Test(reserve, answers_duplicate_for_a_person_with_a_booking_in_the_same_or_another_slot)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 0, 1);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_release(e, t, 5), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_DUPLICATE);
    ST_EQ(sb_reserve(e, BSN_A, t), SB_DUPLICATE);
    SLOT_EQ(e, s, 5, 0, 1, 0, 0, 4);
    SLOT_EQ(e, t, 5, 0, 0, 0, 0, 5);
}

Test(reserve, answers_duplicate_for_a_person_with_a_redeemed_booking_in_the_same_or_another_slot)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_release(e, t, 5), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_DUPLICATE);
    ST_EQ(sb_reserve(e, BSN_A, t), SB_DUPLICATE);
    clk.now += 100u * HOLD_MS; /* redeemed is for ever */
    ST_EQ(sb_reserve(e, BSN_A, t), SB_DUPLICATE);
    SLOT_EQ(e, t, 5, 0, 0, 0, 0, 5);
}

Test(reserve, answers_duplicate_before_full)
{
    sb_slot s = slot_at(0, 0, 0), empty = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_DUPLICATE);     /* full now */
    ST_EQ(sb_reserve(e, BSN_A, empty), SB_DUPLICATE); /* no capacity at all */
}

Test(reserve, answers_full_for_a_slot_without_capacity)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_FULL);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
}

Test(reserve, answers_full_when_every_place_is_held_booked_or_redeemed)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 3), SB_OK);
    char c1[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    book_ok(e, bsn_nth(1), s, c1);
    book_ok(e, bsn_nth(2), s, c2);
    ST_EQ(sb_redeem(e, c2, bsn_nth(2)), SB_OK);
    SLOT_EQ(e, s, 3, 1, 1, 1, 0, 0);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_FULL);
    SLOT_EQ(e, s, 3, 1, 1, 1, 0, 0);
    /* One more place lets the next one in. */
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_OK);
}

Test(reserve, answers_full_before_nomem)
{
    sb_options o = test_options(&clk);
    o.max_people = 1;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_FULL);
}

Test(reserve, answers_nomem_for_a_new_person_when_max_people_are_stored)
{
    sb_options o = test_options(&clk);
    o.max_people = 3;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    for (uint32_t i = 0; i < 3; i++)
        ST_EQ(sb_reserve(e, bsn_nth(i), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_NOMEM);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book(e, bsn_nth(4), s, code), SB_NOMEM);
    /* The refused person took nothing. */
    SLOT_EQ(e, s, 10, 3, 0, 0, 0, 7);
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(3), &b), SB_NOT_FOUND);
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.people, 3u);
}

Test(reserve, lets_a_stored_person_reserve_again_when_max_people_are_stored)
{
    sb_options o = test_options(&clk);
    o.max_people = 2;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 0, 1);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    ST_EQ(sb_release(e, t, 10), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_B, s, code);
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_NOMEM);
    /* After a cancel. */
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, t), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    book_ok(e, BSN_B, t, code);
    /* After a hold ran out. */
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    SLOT_EQ(e, s, 10, 1, 0, 0, 0, 9);
    SLOT_EQ(e, t, 10, 0, 1, 0, 0, 9);
}

Test(reserve, answers_nomem_when_holds_per_slot_live_holds_fill_the_slot)
{
    sb_options o = test_options(&clk);
    o.holds_per_slot = 2;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(1), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_NOMEM);
    SLOT_EQ(e, s, 5, 2, 0, 0, 0, 3);
    /* A booking needs no hold seat, and a confirm frees one. */
    char code[SB_CODE_SIZE];
    book_ok(e, bsn_nth(3), s, code);
    ST_EQ(sb_confirm(e, bsn_nth(0), code), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_OK);
    SLOT_EQ(e, s, 5, 2, 2, 0, 0, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, stores_no_person_when_it_refuses_for_lack_of_hold_seats)
{
    sb_options o = test_options(&clk);
    o.holds_per_slot = 1;
    o.max_people = 2;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 0, 1);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_NOMEM); /* the one hold seat is live */
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.people, 1, "a refused newcomer was stored");
    /* So the second of max_people is still there for someone else. */
    ST_EQ(sb_reserve(e, bsn_nth(0), t), SB_OK);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, reuses_hold_seats_whose_holds_ran_out)
{
    sb_options o = test_options(&clk);
    o.holds_per_slot = 2;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(1), s), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(4), s), SB_NOMEM);
    SLOT_EQ(e, s, 5, 2, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, leaves_the_place_of_a_dead_hold_free_when_it_refuses_a_new_person)
{
    sb_options o = test_options(&clk);
    o.max_people = 2;
    sb_close(e);
    open_with(o);
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, t), SB_OK);
    clk.now += HOLD_MS;
    /* The only place of s is the dead hold's; the newcomer cannot be stored. */
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_NOMEM);
    SLOT_EQ(e, s, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    SLOT_EQ(e, s, 1, 1, 0, 0, 0, 0);
    SLOT_EQ(e, t, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, answers_ok_and_takes_a_hold_on_one_place)
{
    sb_slot s = slot_at(1, 3, 2);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    clk.now = T0 + 777;
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    SLOT_EQ(e, s, 2, 1, 0, 0, 0, 1);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.bsn, BSN_A);
    cr_assert_eq(b.state, SB_STATE_HELD);
    cr_assert_eq(b.slot.location, 1);
    cr_assert_eq(b.slot.day, DAY0 + 3);
    cr_assert_eq(b.slot.window, 2);
    cr_assert_eq(b.deadline_ms, T0 + 777 + HOLD_MS);
}

/* ---- holds that ran out ---------------------------------------------------- */

Test(reserve, treats_a_hold_as_live_until_just_before_its_deadline)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now = T0 + HOLD_MS - 1;
    ST_EQ(sb_reserve(e, BSN_A, t), SB_DUPLICATE);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_FULL);
    clk.now = T0 + HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, t), SB_OK);
}

Test(reserve, lets_a_person_whose_hold_ran_out_reserve_again_in_the_same_slot)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    SLOT_EQ(e, s, 1, 1, 0, 0, 0, 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, T0 + 2u * HOLD_MS);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, lets_a_person_whose_hold_ran_out_reserve_another_slot_and_frees_the_old_place)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(2, 5, 1);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now += HOLD_MS + 5;
    ST_EQ(sb_reserve(e, BSN_A, t), SB_OK);
    SLOT_EQ(e, s, 1, 0, 0, 0, 0, 1);
    SLOT_EQ(e, t, 1, 1, 0, 0, 0, 0);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, gives_the_place_of_a_hold_that_ran_out_to_the_next_person_before_any_expire)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(1), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_FULL);
    clk.now += HOLD_MS;
    SLOT_EQ(e, s, 2, 0, 0, 0, 0, 2);
    sb_slot out;
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_OK);
    cr_assert_eq(out.day, DAY0);
    cr_assert_eq(out.window, 0);
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(4), s), SB_FULL);
    SLOT_EQ(e, s, 2, 2, 0, 0, 0, 0);
    /* The people whose holds were taken over hold nothing. */
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_NOT_FOUND);
    ST_EQ(sb_lookup(e, bsn_nth(1), &b), SB_NOT_FOUND);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reserve, never_takes_a_live_hold_over)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now += HOLD_MS / 2;
    ST_EQ(sb_reserve(e, BSN_B, s), SB_FULL);
    clk.now = T0 + HOLD_MS - 1;
    ST_EQ(sb_reserve(e, BSN_B, s), SB_FULL);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);
}

/* ---- sb_book ------------------------------------------------------------- */

Test(book, answers_invalid_arg_for_a_null_engine_or_code)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_book(NULL, BSN_A, s, code), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, s, NULL), SB_INVALID_ARG);
    /* NULL comes first. */
    ST_EQ(sb_book(e, 0, slot_at(LOCATIONS, 0, 0), NULL), SB_INVALID_ARG);
    SLOT_EQ(e, s, 1, 0, 0, 0, 0, 1);
}

Test(book, answers_invalid_id_for_a_bad_bsn_before_the_slot)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    for (size_t i = 0; i < sizeof bad_bsns / sizeof bad_bsns[0]; i++) {
        ST_EQ(sb_book(e, bad_bsns[i], s, code), SB_INVALID_ID);
        ST_EQ(sb_book(e, bad_bsns[i], slot_at(0, -1, 0), code), SB_INVALID_ID);
    }
    SLOT_EQ(e, s, 1, 0, 0, 0, 0, 1);
}

Test(book, answers_invalid_arg_for_a_slot_outside_the_engine)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book(e, BSN_A, slot_at(LOCATIONS, 0, 0), code), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, -1, 0), code), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, DAYS, 0), code), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, 0, WINDOWS), code), SB_INVALID_ARG);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, DAYS, 0), code), SB_INVALID_ARG);
}

Test(book, answers_closed_for_a_closed_location_before_duplicate)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0), t = slot_at(3, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_location_close(e, 3), SB_OK);
    ST_EQ(sb_book(e, BSN_A, t, code), SB_CLOSED);
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_book(e, BSN_A, t, code), SB_CLOSED);
    SLOT_EQ(e, t, 1, 0, 0, 0, 0, 1);
}

Test(book, answers_duplicate_for_a_live_hold_a_booking_or_a_redeemed_booking)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 0, 1);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_release(e, t, 5), SB_OK);
    /* live hold */
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    ST_EQ(sb_book(e, bsn_nth(0), s, code), SB_DUPLICATE);
    ST_EQ(sb_book(e, bsn_nth(0), t, code), SB_DUPLICATE);
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);
    /* booking */
    book_ok(e, bsn_nth(1), s, code);
    ST_EQ(sb_book(e, bsn_nth(1), s, other), SB_DUPLICATE);
    ST_EQ(sb_book(e, bsn_nth(1), t, other), SB_DUPLICATE);
    ST_EQ(sb_verify(e, code, bsn_nth(1), NULL), SB_OK);
    /* redeemed booking */
    ST_EQ(sb_redeem(e, code, bsn_nth(1)), SB_OK);
    ST_EQ(sb_book(e, bsn_nth(1), s, other), SB_DUPLICATE);
    ST_EQ(sb_book(e, bsn_nth(1), t, other), SB_DUPLICATE);
    SLOT_EQ(e, s, 5, 1, 0, 1, 0, 3);
    SLOT_EQ(e, t, 5, 0, 0, 0, 0, 5);
}

Test(book, answers_full_for_a_slot_without_a_free_place)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_book(e, BSN_A, s, code), SB_FULL);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    ST_EQ(sb_book(e, BSN_A, s, code), SB_FULL);
}

Test(book, answers_full_before_nomem_and_nomem_for_a_new_person_over_max_people)
{
    sb_options o = test_options(&clk);
    o.max_people = 1;
    sb_close(e);
    open_with(o);
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_book(e, BSN_B, s, code), SB_FULL);
    ST_EQ(sb_book(e, BSN_B, t, code), SB_NOMEM);
    SLOT_EQ(e, t, 1, 0, 0, 0, 0, 1);
    /* The stored person needs no new entry. */
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    book_ok(e, BSN_A, t, code);
}

Test(book, answers_ok_with_a_confirmed_booking_and_its_code)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(2, 4, 1);
    ST_EQ(sb_release(e, s, 3), SB_OK);
    memset(code, 'z', sizeof code);
    ST_EQ(sb_book(e, BSN_A, s, code), SB_OK);
    cr_assert(code_well_formed(code), "code '%.*s'", SB_CODE_SIZE, code);
    SLOT_EQ(e, s, 3, 0, 1, 0, 0, 2);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    cr_assert_eq(b.deadline_ms, 0u);
    cr_assert_eq(b.slot.location, 2);
    cr_assert_eq(b.slot.day, DAY0 + 4);
    cr_assert_eq(b.slot.window, 1);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    /* Booked is not held: it does not run out. */
    clk.now += 10u * HOLD_MS;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_DUPLICATE);
}

Test(book, writes_the_code_only_on_ok)
{
    char code[SB_CODE_SIZE], before[SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    memcpy(before, code, sizeof code);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_book(e, 0, s, code), SB_INVALID_ID);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, DAYS, 0), code), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, s, code), SB_FULL);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_book(e, BSN_A, s, code), SB_CLOSED);
    cr_assert_arr_eq(code, before, sizeof code);
}

Test(book, gives_every_booking_its_own_code)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 50), SB_OK);
    char codes[50][SB_CODE_SIZE];
    for (uint32_t i = 0; i < 50; i++)
        book_ok(e, bsn_nth(i), s, codes[i]);
    for (int i = 0; i < 50; i++)
        for (int j = i + 1; j < 50; j++)
            cr_assert_str_neq(codes[i], codes[j]);
}

Test(book, replaces_the_persons_hold_that_ran_out)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0), t = slot_at(0, 2, 2);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_release(e, t, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now += HOLD_MS;
    book_ok(e, BSN_A, t, code);
    SLOT_EQ(e, s, 1, 0, 0, 0, 0, 1);
    SLOT_EQ(e, t, 1, 0, 1, 0, 0, 0);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_DUPLICATE);
    /* And in the very slot of the dead hold, when it is full. */
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    clk.now += HOLD_MS;
    book_ok(e, BSN_B, s, code);
    SLOT_EQ(e, s, 1, 0, 1, 0, 0, 0);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(book, takes_the_place_of_another_persons_hold_that_ran_out)
{
    char code[SB_CODE_SIZE];
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_book(e, BSN_B, s, code), SB_FULL);
    clk.now += HOLD_MS;
    book_ok(e, BSN_B, s, code);
    SLOT_EQ(e, s, 1, 0, 1, 0, 0, 0);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_EXPIRED);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}
