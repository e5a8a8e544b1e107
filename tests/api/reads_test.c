/*
 * API tests: sb_lookup, sb_slot_read, sb_next_free, sb_expire,
 * sb_stats_read and sb_audit.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;

static void
setup(void)
{
    clk.now = T0;
    sb_options o = test_options(&clk);
    e = test_open(&o);
}

static void
setup_open(void)
{
    setup();
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

TestSuite(lookup, .init = setup_open, .fini = teardown);
TestSuite(slot_read, .init = setup_open, .fini = teardown);
TestSuite(next_free, .init = setup_open, .fini = teardown);
TestSuite(expire, .init = setup_open, .fini = teardown);
TestSuite(stats, .init = setup_open, .fini = teardown);
TestSuite(audit, .init = setup_open, .fini = teardown);

/* ---- sb_lookup ----------------------------------------------------------- */

Test(lookup, answers_invalid_arg_for_a_null_engine_or_out)
{
    sb_booking b;
    ST_EQ(sb_lookup(NULL, BSN_A, &b), SB_INVALID_ARG);
    ST_EQ(sb_lookup(e, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_lookup(e, 0, NULL), SB_INVALID_ARG); /* NULL before the BSN */
}

Test(lookup, answers_invalid_id_for_a_bad_bsn)
{
    sb_booking b;
    ST_EQ(sb_lookup(e, 0, &b), SB_INVALID_ID);
    ST_EQ(sb_lookup(e, 1000000000u, &b), SB_INVALID_ID);
    ST_EQ(sb_lookup(e, BSN_BAD_CHECK, &b), SB_INVALID_ID);
    ST_EQ(sb_lookup(e, UINT32_MAX, &b), SB_INVALID_ID);
}

Test(lookup, answers_not_found_for_a_person_never_seen_or_cancelled)
{
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
}

Test(lookup, answers_not_found_once_the_hold_ran_out)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    sb_booking b;
    clk.now = T0 + HOLD_MS - 1;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    clk.now = T0 + HOLD_MS;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    cr_assert_eq(sb_expire(e), 1u);
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
}

Test(lookup, answers_a_hold_with_its_slot_and_deadline)
{
    sb_slot s = slot_at(3, 7, 2);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    clk.now = T0 + 86400000u + 4321;
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    sb_booking b;
    memset(&b, 0x5c, sizeof b);
    clk.now += 1000; /* the deadline is set at the reserve */
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.bsn, BSN_A);
    cr_assert_eq(b.state, SB_STATE_HELD);
    cr_assert_eq(b.slot.location, 3);
    cr_assert_eq(b.slot.day, DAY0 + 7);
    cr_assert_eq(b.slot.window, 2);
    cr_assert_eq(b.deadline_ms, T0 + 86400000u + 4321 + HOLD_MS);
}

Test(lookup, answers_a_booking_and_a_redeemed_booking_without_deadline)
{
    sb_slot s = slot_at(1, 9, 1);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(7), s), SB_OK);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, bsn_nth(7), code), SB_OK);
    sb_booking b;
    memset(&b, 0x5c, sizeof b);
    ST_EQ(sb_lookup(e, bsn_nth(7), &b), SB_OK);
    cr_assert_eq(b.bsn, bsn_nth(7));
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    cr_assert_eq(b.slot.location, 1);
    cr_assert_eq(b.slot.day, DAY0 + 9);
    cr_assert_eq(b.slot.window, 1);
    cr_assert_eq(b.deadline_ms, 0u);
    ST_EQ(sb_redeem(e, code, bsn_nth(7)), SB_OK);
    memset(&b, 0x5c, sizeof b);
    ST_EQ(sb_lookup(e, bsn_nth(7), &b), SB_OK);
    cr_assert_eq(b.bsn, bsn_nth(7));
    cr_assert_eq(b.state, SB_STATE_REDEEMED);
    cr_assert_eq(b.slot.location, 1);
    cr_assert_eq(b.slot.day, DAY0 + 9);
    cr_assert_eq(b.slot.window, 1);
    cr_assert_eq(b.deadline_ms, 0u);
}

/* ---- sb_slot_read -------------------------------------------------------- */

Test(slot_read, answers_invalid_arg_for_a_null_engine_or_out)
{
    sb_slot_info in;
    ST_EQ(sb_slot_read(NULL, slot_at(0, 0, 0), &in), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(0, 0, 0), NULL), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(LOCATIONS, 0, 0), NULL), SB_INVALID_ARG);
}

Test(slot_read, answers_invalid_arg_for_a_slot_outside_the_engine)
{
    sb_slot_info in;
    ST_EQ(sb_slot_read(e, slot_at(LOCATIONS, 0, 0), &in), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(0, -1, 0), &in), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(0, DAYS, 0), &in), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(0, 0, WINDOWS), &in), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, (sb_slot){.location = 0, .window = 0, .day = INT32_MIN}, &in),
          SB_INVALID_ARG);
}

Test(slot_read, answers_zeroes_for_a_fresh_slot_open_or_closed)
{
    SLOT_EQ(e, slot_at(0, 0, 0), 0, 0, 0, 0, 0, 0);
    ST_EQ(sb_location_close(e, 2), SB_OK);
    SLOT_EQ(e, slot_at(2, DAYS - 1, WINDOWS - 1), 0, 0, 0, 0, 0, 0);
}

Test(slot_read, counts_held_booked_redeemed_and_free)
{
    sb_slot s = slot_at(2, 1, 1);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 3; i++)
        ST_EQ(sb_reserve(e, bsn_nth(i), s), SB_OK);
    for (uint32_t i = 3; i < 7; i++)
        book_ok(e, bsn_nth(i), s, code);
    ST_EQ(sb_redeem(e, code, bsn_nth(6)), SB_OK);
    SLOT_EQ(e, s, 10, 3, 3, 1, 0, 3);
    /* A closed location's counters read the same. */
    ST_EQ(sb_location_close(e, 2), SB_OK);
    SLOT_EQ(e, s, 10, 3, 3, 1, 0, 3);
}

Test(slot_read, counts_a_hold_that_ran_out_as_free_at_once)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    clk.now += 1000;
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    SLOT_EQ(e, s, 2, 2, 0, 0, 0, 0);
    clk.now = T0 + HOLD_MS;
    SLOT_EQ(e, s, 2, 1, 0, 0, 0, 1);
    clk.now = T0 + HOLD_MS + 1000;
    SLOT_EQ(e, s, 2, 0, 0, 0, 0, 2);
    cr_assert_eq(sb_expire(e), 2u);
    SLOT_EQ(e, s, 2, 0, 0, 0, 0, 2);
}

Test(slot_read, keeps_the_invariant_and_the_free_formula_through_a_workload)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = 5000;
    sb_close(e);
    e = test_open(&o);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 20), SB_OK);
    char codes[60][SB_CODE_SIZE] = {{0}};
    uint64_t x = 12345;
    for (int step = 0; step < 3000; step++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint32_t who = (uint32_t)(x >> 33) % 60;
        uint32_t bsn = bsn_nth(who);
        switch ((x >> 20) % 6) {
        case 0:
            (void)sb_reserve(e, bsn, s);
            break;
        case 1:
            (void)sb_confirm(e, bsn, codes[who]);
            break;
        case 2:
            (void)sb_book(e, bsn, s, codes[who]);
            break;
        case 3:
            (void)sb_cancel(e, bsn);
            break;
        case 4:
            (void)sb_redeem(e, codes[who], bsn);
            break;
        default:
            clk.now += (x >> 40) % 4000;
            if ((x >> 50) % 8 == 0)
                (void)sb_expire(e);
            if ((x >> 53) % 64 == 0)
                ST_EQ(sb_release(e, s, 1), SB_OK);
            break;
        }
        sb_slot_info in = slot_info(e, s);
        uint64_t used = (uint64_t)in.held + in.booked + in.redeemed;
        cr_assert_leq(used, in.capacity, "step %d", step);
        cr_assert_eq((uint64_t)in.free + used + in.pending, in.capacity, "step %d", step);
    }
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

/* ---- sb_next_free -------------------------------------------------------- */

static void
expect_next(uint16_t loc, int32_t from, int32_t day, uint16_t window)
{
    sb_slot out;
    memset(&out, 0x5c, sizeof out);
    sb_status st = sb_next_free(e, loc, from, &out);
    cr_assert_eq(st, SB_OK, "next_free(%u, %d): %s", loc, from, sb_status_name(st));
    cr_assert_eq(out.location, loc);
    cr_assert_eq(out.day, day, "day %d, want %d", out.day, day);
    cr_assert_eq(out.window, window, "window %u, want %u", out.window, window);
}

Test(next_free, answers_invalid_arg_for_a_null_engine_or_out_or_an_unknown_location)
{
    sb_slot out;
    ST_EQ(sb_next_free(NULL, 0, DAY0, &out), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, 0, DAY0, NULL), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, LOCATIONS, DAY0, &out), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, UINT16_MAX, DAY0, &out), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, LOCATIONS, DAY0, NULL), SB_INVALID_ARG);
}

Test(next_free, answers_closed_for_a_closed_location_with_free_places)
{
    ST_EQ(sb_release(e, slot_at(1, 0, 0), 5), SB_OK);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    sb_slot out;
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_CLOSED);
    ST_EQ(sb_next_free(e, 1, DAY0 + (int32_t)DAYS, &out), SB_CLOSED);
}

Test(next_free, answers_full_when_nothing_is_free)
{
    sb_slot out;
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_FULL);
    sb_slot s = slot_at(0, 4, 1);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_FULL);
    /* Capacity at another location does not count. */
    ST_EQ(sb_release(e, slot_at(1, 4, 1), 1), SB_OK);
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_FULL);
    expect_next(1, DAY0, DAY0 + 4, 1);
}

Test(next_free, answers_full_when_from_day_is_past_the_horizon)
{
    ST_EQ(sb_release(e, slot_at(0, DAYS - 1, WINDOWS - 1), 1), SB_OK);
    expect_next(0, DAY0 + (int32_t)DAYS - 1, DAY0 + (int32_t)DAYS - 1, WINDOWS - 1);
    sb_slot out;
    ST_EQ(sb_next_free(e, 0, DAY0 + (int32_t)DAYS, &out), SB_FULL);
    ST_EQ(sb_next_free(e, 0, INT32_MAX, &out), SB_FULL);
}

Test(next_free, finds_the_first_free_slot_by_day_then_window)
{
    ST_EQ(sb_release(e, slot_at(0, 5, 0), 1), SB_OK);
    expect_next(0, DAY0, DAY0 + 5, 0);
    ST_EQ(sb_release(e, slot_at(0, 2, 2), 1), SB_OK);
    expect_next(0, DAY0, DAY0 + 2, 2);
    ST_EQ(sb_release(e, slot_at(0, 2, 1), 1), SB_OK);
    expect_next(0, DAY0, DAY0 + 2, 1);
    ST_EQ(sb_release(e, slot_at(0, 3, 0), 1), SB_OK);
    expect_next(0, DAY0, DAY0 + 2, 1);
}

Test(next_free, starts_at_from_day_or_at_the_first_day)
{
    ST_EQ(sb_release(e, slot_at(2, 0, 0), 1), SB_OK);
    ST_EQ(sb_release(e, slot_at(2, 3, 2), 1), SB_OK);
    ST_EQ(sb_release(e, slot_at(2, 6, 1), 1), SB_OK);
    expect_next(2, DAY0 - 1, DAY0, 0);
    expect_next(2, INT32_MIN, DAY0, 0);
    expect_next(2, 0, DAY0, 0);
    expect_next(2, DAY0, DAY0, 0);
    expect_next(2, DAY0 + 1, DAY0 + 3, 2);
    expect_next(2, DAY0 + 3, DAY0 + 3, 2);
    expect_next(2, DAY0 + 4, DAY0 + 6, 1);
    sb_slot out;
    ST_EQ(sb_next_free(e, 2, DAY0 + 7, &out), SB_FULL);
}

Test(next_free, skips_slots_that_are_held_or_booked_out)
{
    sb_slot a = slot_at(0, 0, 0), b = slot_at(0, 0, 1), c = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, a, 1), SB_OK);
    ST_EQ(sb_release(e, b, 1), SB_OK);
    ST_EQ(sb_release(e, c, 1), SB_OK);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, a), SB_OK);
    book_ok(e, BSN_B, b, code);
    expect_next(0, DAY0, DAY0 + 1, 0);
    /* A redeemed place is not free either. */
    ST_EQ(sb_redeem(e, code, BSN_B), SB_OK);
    expect_next(0, DAY0, DAY0 + 1, 0);
}

Test(next_free, finds_the_place_of_a_hold_that_ran_out_before_any_expire)
{
    sb_slot a = slot_at(0, 0, 0), c = slot_at(0, 1, 0);
    ST_EQ(sb_release(e, a, 1), SB_OK);
    ST_EQ(sb_release(e, c, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, a), SB_OK);
    expect_next(0, DAY0, DAY0 + 1, 0);
    clk.now += HOLD_MS;
    expect_next(0, DAY0, DAY0, 0);
}

Test(next_free, finds_a_place_returned_by_cancel)
{
    sb_slot a = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, a, 1), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, a, code);
    sb_slot out;
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_FULL);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    expect_next(0, DAY0, DAY0, 0);
}

/* ---- sb_expire ---------------------------------------------------------- */

Test(expire, answers_0_for_a_null_engine)
{
    cr_assert_eq(sb_expire(NULL), 0u);
}

Test(expire, answers_0_when_nothing_is_due)
{
    cr_assert_eq(sb_expire(e), 0u);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_B, s, code);
    clk.now = T0 + HOLD_MS - 1;
    cr_assert_eq(sb_expire(e), 0u);
    SLOT_EQ(e, s, 5, 1, 1, 0, 0, 3);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
}

Test(expire, answers_the_number_of_holds_it_reclaimed)
{
    sb_slot s = slot_at(0, 0, 0), t = slot_at(3, 9, 2);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_release(e, t, 5), SB_OK);
    for (uint32_t i = 0; i < 3; i++)
        ST_EQ(sb_reserve(e, bsn_nth(i), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), t), SB_OK);
    clk.now += 1000;
    ST_EQ(sb_reserve(e, bsn_nth(4), t), SB_OK); /* due later */
    clk.now = T0 + HOLD_MS;
    cr_assert_eq(sb_expire(e), 4u);
    cr_assert_eq(sb_expire(e), 0u);
    SLOT_EQ(e, s, 5, 0, 0, 0, 0, 5);
    SLOT_EQ(e, t, 5, 1, 0, 0, 0, 4);
    clk.now = T0 + HOLD_MS + 1000;
    cr_assert_eq(sb_expire(e), 1u);
    cr_assert_eq(sb_expire(e), 0u);
    SLOT_EQ(e, t, 5, 0, 0, 0, 0, 5);
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.expired, 5u);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(expire, does_not_count_holds_already_taken_over_or_replaced)
{
    sb_slot one = slot_at(0, 0, 0), other = slot_at(1, 0, 0), elsewhere = slot_at(2, 0, 0);
    ST_EQ(sb_release(e, one, 1), SB_OK);
    ST_EQ(sb_release(e, other, 1), SB_OK);
    ST_EQ(sb_release(e, elsewhere, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, one), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, other), SB_OK);
    clk.now += HOLD_MS;
    /* BSN_A's place goes to someone else; BSN_B reserves elsewhere. */
    ST_EQ(sb_reserve(e, bsn_nth(0), one), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, elsewhere), SB_OK);
    cr_assert_eq(sb_expire(e), 0u);
    SLOT_EQ(e, one, 1, 1, 0, 0, 0, 0);
    SLOT_EQ(e, other, 1, 0, 0, 0, 0, 1);
    SLOT_EQ(e, elsewhere, 1, 1, 0, 0, 0, 0);
    /* Each dead hold is counted once in the stats however it went. */
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.expired, 2u);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(expire, leaves_bookings_and_live_holds_alone)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 3), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    clk.now += 100u * HOLD_MS;
    ST_EQ(sb_reserve(e, bsn_nth(0), s), SB_OK);
    cr_assert_eq(sb_expire(e), 1u);
    SLOT_EQ(e, s, 3, 1, 1, 0, 0, 1);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);
}

/* ---- sb_stats_read ------------------------------------------------------- */

Test(stats, read_with_a_null_engine_or_out_is_a_no_op)
{
    sb_stats st, before;
    memset(&st, 0x5c, sizeof st);
    memcpy(&before, &st, sizeof st);
    sb_stats_read(e, NULL);
    sb_stats_read(NULL, NULL);
    sb_stats_read(NULL, &st);
    cr_assert_arr_eq(&st, &before, sizeof st, "sb_stats_read(NULL, out) wrote to out");
}

Test(stats, start_at_zero)
{
    sb_stats st;
    memset(&st, 0x5c, sizeof st);
    sb_close(e);
    sb_options o = test_options(&clk);
    e = test_open(&o);
    sb_stats_read(e, &st);
    for (int op = 0; op < SB_STATS_OPS; op++) {
        cr_assert_eq(st.calls[op], 0u);
        for (int s = 0; s < SB_STATS_STATUSES; s++)
            cr_assert_eq(st.outcomes[op][s], 0u);
    }
    cr_assert_eq(st.expired, 0u);
    cr_assert_eq(st.people, 0u);
    cr_assert_eq(st.people_max, MAX_PEOPLE);
}

Test(stats, count_calls_per_operation_and_status)
{
    sb_slot s = slot_at(0, 0, 0);
    char code[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    sb_booking b;
    sb_slot_info in;
    sb_slot out;
    /* setup_open: LOCATIONS x location OK */
    ST_EQ(sb_location_close(e, 3), SB_OK);
    ST_EQ(sb_location_open(e, LOCATIONS), SB_INVALID_ARG);
    ST_EQ(sb_release(e, s, 2), SB_OK);
    ST_EQ(sb_release(e, slot_at(0, DAYS, 0), 1), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_DUPLICATE);
    ST_EQ(sb_reserve(e, 0, s), SB_INVALID_ID);
    ST_EQ(sb_reserve(e, BSN_B, slot_at(3, 0, 0)), SB_CLOSED);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code2), SB_NOT_FOUND);
    ST_EQ(sb_book(e, BSN_B, s, code2), SB_OK);
    ST_EQ(sb_book(e, bsn_nth(0), s, code2), SB_FULL);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_NOT_FOUND);
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    ST_EQ(sb_verify(e, "x", BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_verify(e, code, BSN_B, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code2, BSN_B, NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_USED);
    ST_EQ(sb_slot_read(e, s, &in), SB_OK);
    ST_EQ(sb_slot_read(e, slot_at(0, 0, WINDOWS), &in), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, 0, DAY0, &out), SB_OK);
    ST_EQ(sb_next_free(e, 3, DAY0, &out), SB_CLOSED);
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_FULL);

    sb_stats st;
    sb_stats_read(e, &st);
    struct {
        sb_op op;
        sb_status status;
        uint64_t n;
    } want[] = {
        {SB_OP_LOCATION, SB_OK, LOCATIONS + 1},
        {SB_OP_LOCATION, SB_INVALID_ARG, 1},
        {SB_OP_RELEASE, SB_OK, 1},
        {SB_OP_RELEASE, SB_INVALID_ARG, 1},
        {SB_OP_RESERVE, SB_OK, 1},
        {SB_OP_RESERVE, SB_DUPLICATE, 1},
        {SB_OP_RESERVE, SB_INVALID_ID, 1},
        {SB_OP_RESERVE, SB_CLOSED, 1},
        {SB_OP_CONFIRM, SB_OK, 1},
        {SB_OP_CONFIRM, SB_NOT_FOUND, 1},
        {SB_OP_BOOK, SB_OK, 1},
        {SB_OP_BOOK, SB_FULL, 1},
        {SB_OP_CANCEL, SB_OK, 1},
        {SB_OP_CANCEL, SB_NOT_FOUND, 1},
        {SB_OP_LOOKUP, SB_OK, 1},
        {SB_OP_LOOKUP, SB_NOT_FOUND, 1},
        {SB_OP_VERIFY, SB_OK, 1},
        {SB_OP_VERIFY, SB_FORGED, 1},
        {SB_OP_VERIFY, SB_WRONG_HOLDER, 1},
        {SB_OP_VERIFY, SB_CANCELLED, 1},
        {SB_OP_REDEEM, SB_OK, 1},
        {SB_OP_REDEEM, SB_USED, 1},
        {SB_OP_SLOT_READ, SB_OK, 1},
        {SB_OP_SLOT_READ, SB_INVALID_ARG, 1},
        {SB_OP_NEXT_FREE, SB_OK, 1},
        {SB_OP_NEXT_FREE, SB_CLOSED, 1},
        {SB_OP_NEXT_FREE, SB_FULL, 1},
    };
    uint64_t calls[SB_STATS_OPS] = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_eq(st.outcomes[want[i].op][want[i].status], want[i].n, "op %d %s: %llu",
                     (int)want[i].op, sb_status_name(want[i].status),
                     (unsigned long long)st.outcomes[want[i].op][want[i].status]);
        calls[want[i].op] += want[i].n;
    }
    for (int op = 0; op < SB_STATS_OPS; op++) {
        cr_assert_eq(st.calls[op], calls[op], "calls[%d] = %llu, want %llu", op,
                     (unsigned long long)st.calls[op], (unsigned long long)calls[op]);
        uint64_t sum = 0;
        for (int k = 0; k < SB_STATS_STATUSES; k++)
            sum += st.outcomes[op][k];
        cr_assert_eq(sum, st.calls[op]);
    }
    cr_assert_eq(st.people_max, MAX_PEOPLE);
}

Test(stats, count_calls_refused_for_a_null_pointer_argument)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_release(e, slot_at(0, 0, 0), 2), SB_OK);
    book_ok(e, BSN_A, slot_at(0, 0, 0), code);
    ST_EQ(sb_book(e, BSN_B, slot_at(0, 0, 0), NULL), SB_INVALID_ARG);
    ST_EQ(sb_confirm(e, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_lookup(e, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_verify(e, NULL, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_redeem(e, NULL, BSN_A), SB_INVALID_ARG);
    ST_EQ(sb_slot_read(e, slot_at(0, 0, 0), NULL), SB_INVALID_ARG);
    ST_EQ(sb_next_free(e, 0, DAY0, NULL), SB_INVALID_ARG);
    sb_stats st;
    sb_stats_read(e, &st);
    const sb_op ops[] = {SB_OP_BOOK,   SB_OP_CONFIRM,   SB_OP_LOOKUP,   SB_OP_VERIFY,
                         SB_OP_REDEEM, SB_OP_SLOT_READ, SB_OP_NEXT_FREE};
    const char *names[] = {"book",   "confirm",   "lookup",   "verify",
                           "redeem", "slot_read", "next_free"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        cr_expect_eq(st.outcomes[ops[i]][SB_INVALID_ARG], 1u,
                     "sb_%s answered SB_INVALID_ARG for a NULL pointer but "
                     "outcomes[%s][SB_INVALID_ARG] = %llu",
                     names[i], names[i], (unsigned long long)st.outcomes[ops[i]][SB_INVALID_ARG]);
}

Test(stats, count_people_stored)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 3), SB_OK);
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 3; i++)
        book_ok(e, bsn_nth(i), s, code);
    ST_EQ(sb_cancel(e, bsn_nth(0)), SB_OK);
    book_ok(e, bsn_nth(0), s, code);
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.people, 3u);
}

Test(stats, name_every_operation_by_its_function)
{
    static const char *const want[SB_OP_COUNT] = {
        "reserve",   "confirm",   "book",       "cancel",    "lookup",
        "verify",    "redeem",    "release",    "location",  "slot_read",
        "next_free", "reschedule", "stock_add", "book_group", "wait",
    };
    for (int op = 0; op < SB_OP_COUNT; op++)
        cr_assert_str_eq(sb_op_name((sb_op)op), want[op], "op %d", op);
    cr_assert_str_eq(sb_op_name(SB_OP_COUNT), "unknown");
    cr_assert_str_eq(sb_op_name((sb_op)-1), "unknown");
    cr_assert_str_eq(sb_op_name((sb_op)1000), "unknown");
}

/* ---- sb_audit ------------------------------------------------------------ */

Test(audit, answers_invalid_arg_for_a_null_engine)
{
    sb_audit_report r;
    char msg[64];
    ST_EQ(sb_audit(NULL, &r, msg, sizeof msg), SB_INVALID_ARG);
    ST_EQ(sb_audit(NULL, NULL, NULL, 0), SB_INVALID_ARG);
}

Test(audit, answers_ok_for_a_fresh_engine)
{
    sb_audit_report r;
    char msg[64] = "junk";
    memset(&r, 0x5c, sizeof r);
    ST_EQ(sb_audit(e, &r, msg, sizeof msg), SB_OK);
    cr_assert_str_eq(msg, "");
    cr_assert_eq(r.slots, (uint64_t)LOCATIONS * DAYS * WINDOWS);
    cr_assert_eq(r.people, 0u);
    cr_assert_eq(r.held + r.booked + r.redeemed + r.pending + r.capacity, 0u);
    cr_assert_eq(r.violations, 0u);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(audit, answers_ok_after_a_workload_with_matching_totals)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = 1000000;
    sb_close(e);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    uint64_t cap = 0;
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < 3; d++)
            for (uint16_t w = 0; w < WINDOWS; w++) {
                ST_EQ(sb_release(e, slot_at(l, d, w), 4), SB_OK);
                cap += 4;
            }
    char code[SB_CODE_SIZE];
    uint32_t held = 0, booked = 0, redeemed = 0, n = 0;
    for (uint16_t l = 0; l < LOCATIONS; l++)
        for (int32_t d = 0; d < 3; d++)
            for (uint16_t w = 0; w < WINDOWS; w++) {
                sb_slot s = slot_at(l, d, w);
                ST_EQ(sb_reserve(e, bsn_nth(n++), s), SB_OK); /* held */
                held++;
                ST_EQ(sb_reserve(e, bsn_nth(n), s), SB_OK); /* confirmed */
                ST_EQ(sb_confirm(e, bsn_nth(n++), code), SB_OK);
                booked++;
                book_ok(e, bsn_nth(n), s, code); /* redeemed */
                ST_EQ(sb_redeem(e, code, bsn_nth(n++)), SB_OK);
                redeemed++;
                book_ok(e, bsn_nth(n), s, code); /* cancelled: pending */
                ST_EQ(sb_cancel(e, bsn_nth(n++)), SB_OK);
            }
    clk.now += HOLD_MS / 2;
    sb_audit_report r;
    char msg[128];
    ST_EQ(sb_audit(e, &r, msg, sizeof msg), SB_OK);
    cr_assert_str_eq(msg, "");
    cr_assert_eq(r.violations, 0u);
    cr_assert_eq(r.people, n);
    cr_assert_eq(r.capacity, cap);
    cr_assert_eq(r.held, held);
    cr_assert_eq(r.booked, booked);
    cr_assert_eq(r.redeemed, redeemed);
    cr_assert_leq(r.pending, (uint64_t)LOCATIONS * 3 * WINDOWS);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), held);
    ST_EQ(sb_audit(e, &r, msg, sizeof msg), SB_OK);
    cr_assert_eq(r.held, 0u);
    cr_assert_eq(r.booked, booked);
    clk.now += 1000000;
    (void)sb_expire(e);
    ST_EQ(sb_audit(e, &r, NULL, 0), SB_OK);
    cr_assert_eq(r.pending, 0u);
}
