/*
 * API tests: sb_cancel, rebooking, codes of cancelled bookings,
 * release_delay_ms, and the 65,535 bookings a person may make.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot S2 = {.location = 2, .window = 2, .day = DAY0 + 3};

/* Large enough that a zero delay (the place back at once) has probability
 * 1 / (DELAY + 1) < 3e-10 per cancel. */
#define DELAY 4000000000u

static void
open_with(sb_options o)
{
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, 3), SB_OK);
    ST_EQ(sb_release(e, S2, 3), SB_OK);
}

static void
setup(void)
{
    clk.now = T0;
    open_with(test_options(&clk));
}

static void
setup_delay(void)
{
    clk.now = T0;
    sb_options o = test_options(&clk);
    o.release_delay_ms = DELAY;
    open_with(o);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

TestSuite(cancel, .init = setup, .fini = teardown);
TestSuite(rebook, .init = setup, .fini = teardown);
TestSuite(release_delay, .init = setup_delay, .fini = teardown);

/* ---- argument checks ---------------------------------------------------- */

Test(cancel, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_cancel(NULL, BSN_A), SB_INVALID_ARG);
    ST_EQ(sb_cancel(NULL, 0), SB_INVALID_ARG);
}

Test(cancel, answers_invalid_id_for_a_bad_bsn)
{
    ST_EQ(sb_cancel(e, 0), SB_INVALID_ID);
    ST_EQ(sb_cancel(e, 1000000000u), SB_INVALID_ID);
    ST_EQ(sb_cancel(e, BSN_BAD_CHECK), SB_INVALID_ID);
    ST_EQ(sb_cancel(e, UINT32_MAX), SB_INVALID_ID);
}

/* ---- states -------------------------------------------------------------- */

Test(cancel, answers_not_found_for_a_person_who_never_had_a_hold)
{
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(3, 0, 0)), SB_FULL);
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
}

Test(cancel, drops_a_live_hold_and_returns_its_place)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(cancel, drops_a_booking_and_returns_its_place)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S2, code);
    SLOT_EQ(e, S2, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S2, 3, 0, 0, 0, 0, 3);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(cancel, answers_not_found_the_second_time)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(cancel, answers_not_found_for_a_hold_that_ran_out)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS;
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    /* Also once sb_expire reclaimed it. */
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    clk.now += HOLD_MS;
    cr_assert_eq(sb_expire(e), 2u);
    ST_EQ(sb_cancel(e, BSN_B), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(cancel, answers_ok_for_a_hold_just_before_its_deadline)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS - 1;
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(cancel, answers_used_for_a_redeemed_booking_and_keeps_it)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    SLOT_EQ(e, S, 3, 0, 0, 1, 0, 2);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_REDEEMED);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_USED);
}

Test(cancel, works_on_a_closed_location)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_location_close(e, S.location), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

Test(cancel, gives_the_place_to_the_next_person_at_once)
{
    sb_slot one = slot_at(1, 0, 0);
    ST_EQ(sb_release(e, one, 1), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, one, code);
    ST_EQ(sb_reserve(e, BSN_B, one), SB_FULL);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    sb_slot out;
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_OK);
    cr_assert_eq(out.day, one.day);
    cr_assert_eq(out.window, one.window);
    ST_EQ(sb_reserve(e, BSN_B, one), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, one), SB_FULL);
}

/* ---- rebooking and old codes -------------------------------------------- */

Test(rebook, is_allowed_at_once_after_a_cancel)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S2), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    book_ok(e, BSN_A, S, code);
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
    SLOT_EQ(e, S2, 3, 0, 0, 0, 0, 3);
}

Test(rebook, leaves_the_old_code_cancelled_and_the_new_one_ok)
{
    char old[SB_CODE_SIZE], fresh[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, old);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_verify(e, old, BSN_A, NULL), SB_CANCELLED);
    book_ok(e, BSN_A, S, fresh);
    cr_assert_str_neq(old, fresh);
    ST_EQ(sb_verify(e, old, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, old, BSN_A), SB_CANCELLED);
    ST_EQ(sb_verify(e, fresh, BSN_A, NULL), SB_OK);
    ST_EQ(sb_redeem(e, fresh, BSN_A), SB_OK);
    ST_EQ(sb_verify(e, old, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, old, BSN_A), SB_CANCELLED);
}

Test(rebook, keeps_every_earlier_code_cancelled_for_ever)
{
    enum { N = 20 };
    char codes[N][SB_CODE_SIZE];
    for (int i = 0; i < N; i++) {
        book_ok(e, BSN_A, i % 2 ? S : S2, codes[i]);
        if (i + 1 < N)
            ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    }
    /* Also while the person holds, after the hold ran out, and later. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i + 1 < N; i++)
            ST_EQ(sb_verify(e, codes[i], BSN_A, NULL), SB_CANCELLED);
        ST_EQ(sb_verify(e, codes[N - 1], BSN_A, NULL), round == 0 ? SB_OK : SB_CANCELLED);
        if (round == 0) {
            ST_EQ(sb_cancel(e, BSN_A), SB_OK);
            ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
        } else {
            clk.now += 1000u * HOLD_MS;
        }
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            cr_assert_str_neq(codes[i], codes[j]);
}

Test(rebook, keeps_the_code_cancelled_when_the_place_went_to_someone_else)
{
    sb_slot one = slot_at(1, 0, 0);
    ST_EQ(sb_release(e, one, 1), SB_OK);
    char a[SB_CODE_SIZE], b[SB_CODE_SIZE];
    book_ok(e, BSN_A, one, a);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    book_ok(e, BSN_B, one, b);
    ST_EQ(sb_verify(e, a, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_verify(e, a, BSN_B, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, b, BSN_B, NULL), SB_OK);
}

Test(rebook, allows_65535_bookings_and_answers_nomem_for_the_next)
{
    char code[SB_CODE_SIZE], last[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 65535u; i++) {
        sb_status st = sb_book(e, BSN_A, S, code);
        if (st != SB_OK)
            cr_assert_fail("booking %u: %s", i + 1, sb_status_name(st));
        if (i + 1 < 65535u && (st = sb_cancel(e, BSN_A)) != SB_OK)
            cr_assert_fail("cancel %u: %s", i + 1, sb_status_name(st));
    }
    /* The 65,535th booking is a good one. */
    memcpy(last, code, sizeof last);
    ST_EQ(sb_verify(e, last, BSN_A, NULL), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    memset(code, '?', sizeof code);
    ST_EQ(sb_book(e, BSN_A, S, code), SB_NOMEM);
    cr_assert_eq(code[0], '?');
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_book(e, BSN_A, S2, code), SB_NOMEM);
    SLOT_EQ(e, S2, 3, 0, 0, 0, 0, 3);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_verify(e, last, BSN_A, NULL), SB_CANCELLED);
    /* No memory per cancelled code: still one person stored. */
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.people, 1u);
    /* Others book as usual. */
    book_ok(e, BSN_B, S, code);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

/* ---- release_delay_ms ---------------------------------------------------- */

Test(release_delay, keeps_a_cancelled_booking_pending_in_no_other_counter)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 1, 2);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
}

Test(release_delay, keeps_a_cancelled_hold_pending_in_no_other_counter)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 1, 2);
    /* The pending place outlives the hold's own deadline. */
    clk.now += HOLD_MS;
    SLOT_EQ(e, S, 3, 0, 0, 0, 1, 2);
}

Test(release_delay, does_not_offer_a_pending_place_until_its_moment)
{
    sb_slot one = slot_at(1, 0, 0);
    ST_EQ(sb_release(e, one, 1), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, one, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, one, 1, 0, 0, 0, 1, 0);
    sb_slot out;
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_FULL);
    ST_EQ(sb_reserve(e, BSN_B, one), SB_FULL);
    ST_EQ(sb_book(e, BSN_B, one, code), SB_FULL);
    cr_assert_eq(sb_expire(e), 0u);
    SLOT_EQ(e, one, 1, 0, 0, 0, 1, 0);
    /* The moment lies within [cancel, cancel + DELAY]. */
    clk.now = T0 + DELAY;
    SLOT_EQ(e, one, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_next_free(e, 1, DAY0, &out), SB_OK);
    cr_assert_eq(out.day, one.day);
    ST_EQ(sb_reserve(e, BSN_B, one), SB_OK);
    SLOT_EQ(e, one, 1, 1, 0, 0, 0, 0);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(release_delay, returns_every_place_within_the_delay_and_expire_reclaims_them)
{
    enum { N = 8 };
    sb_slot s = slot_at(3, 9, 0);
    ST_EQ(sb_release(e, s, N), SB_OK);
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < N; i++)
        book_ok(e, bsn_nth(i), s, code);
    for (uint32_t i = 0; i < N; i++) {
        ST_EQ(sb_cancel(e, bsn_nth(i)), SB_OK);
        clk.now += 1000;
    }
    sb_slot_info in = slot_info(e, s);
    cr_assert_eq(in.held + in.booked + in.redeemed, 0u);
    cr_assert_eq(in.pending + in.free, (uint32_t)N);
    cr_assert_gt(in.pending, 0u);
    /* Every moment has passed once the delay after the last cancel has. */
    clk.now = T0 + (uint64_t)(N - 1) * 1000u + DELAY;
    SLOT_EQ(e, s, N, 0, 0, 0, 0, N);
    cr_assert_eq(sb_expire(e), 0u, "pending places are not holds");
    SLOT_EQ(e, s, N, 0, 0, 0, 0, N);
    sb_audit_report r;
    ST_EQ(sb_audit(e, &r, NULL, 0), SB_OK);
    cr_assert_eq(r.pending, 0u);
    for (uint32_t i = 0; i < N; i++)
        ST_EQ(sb_reserve(e, bsn_nth(100 + i), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(200), s), SB_FULL);
}

Test(release_delay, lets_the_person_book_again_at_once_elsewhere)
{
    char code[SB_CODE_SIZE], again[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    book_ok(e, BSN_A, S2, again);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_verify(e, again, BSN_A, NULL), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 1, 2);
    SLOT_EQ(e, S2, 3, 0, 1, 0, 0, 2);
}

Test(release_delay, does_not_delay_holds_that_ran_out)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    cr_assert_eq(sb_expire(e), 1u);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}

/* In the cancel suite: a test's own .init runs after its suite's, so a
 * release_delay test cannot open the engine without the delay. */
Test(cancel, with_a_release_delay_of_zero_returns_the_place_at_once)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
}
