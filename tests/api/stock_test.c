/*
 * API tests: the sticker stock (use_stock, sb_stock_add, sb_stock_read,
 * SB_NO_STOCK).  Every hold and booking holds one sticker of its location:
 * reserve and book take it, confirm keeps it, cancel and expiry give it
 * back, redeem uses it up, a reschedule to another location moves it.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
/* Three places each: S and T at location 0, U at location 1. */
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot T = {.location = 0, .window = 1, .day = DAY0 + 1};
static const sb_slot U = {.location = 1, .window = 2, .day = DAY0 + 2};
/* One place at location 0. */
static const sb_slot ONE = {.location = 0, .window = 0, .day = DAY0 + 3};
/* No place at all, at location 0. */
static const sb_slot NONE = {.location = 0, .window = 2, .day = DAY0 + 4};

#define DELAY 4000000000u

static void
open_with(sb_options o)
{
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, 3), SB_OK);
    ST_EQ(sb_release(e, T, 3), SB_OK);
    ST_EQ(sb_release(e, U, 3), SB_OK);
    ST_EQ(sb_release(e, ONE, 1), SB_OK);
}

static sb_options
stock_options(void)
{
    sb_options o = test_options(&clk);
    o.use_stock = 1;
    return o;
}

static void
setup(void)
{
    clk.now = T0;
    open_with(stock_options());
}

static void
setup_delay(void)
{
    clk.now = T0;
    sb_options o = stock_options();
    o.release_delay_ms = DELAY;
    open_with(o);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

/* Reopens the engine with o instead of the suite's options. */
static void
reopen(sb_options o)
{
    sb_close(e);
    open_with(o);
}

/* The people holding or booked (not redeemed) at location loc, by lookup. */
static uint64_t
out_at(uint16_t loc, uint32_t people)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < people; i++) {
        sb_booking b;
        if (sb_lookup(e, bsn_nth(i), &b) == SB_OK && b.slot.location == loc &&
            b.state != SB_STATE_REDEEMED)
            n++;
    }
    return n;
}

TestSuite(stock_add, .init = setup, .fini = teardown);
TestSuite(stock_read, .init = setup, .fini = teardown);
TestSuite(stock, .init = setup, .fini = teardown);
TestSuite(stock_delay, .init = setup_delay, .fini = teardown);

/* ---- sb_stock_add -------------------------------------------------------- */

Test(stock_add, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_stock_add(NULL, 0, 1), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(NULL, 0, 0), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(NULL, LOCATIONS, 1), SB_INVALID_ARG);
}

Test(stock_add, answers_invalid_arg_for_an_unknown_location_and_changes_nothing)
{
    ST_EQ(sb_stock_add(e, LOCATIONS, 5), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(e, UINT16_MAX, 5), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(e, LOCATIONS, 0), SB_INVALID_ARG);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        STOCK_EQ(e, l, 0);
}

Test(stock_add, answers_invalid_arg_for_an_engine_without_use_stock)
{
    reopen(test_options(&clk));
    ST_EQ(sb_stock_add(e, 0, 1), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(e, 0, 0), SB_INVALID_ARG);
    uint64_t n = 77;
    ST_EQ(sb_stock_read(e, 0, &n), SB_INVALID_ARG);
    cr_assert_eq(n, 77u);
    /* And no sticker is needed there. */
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    book_ok(e, BSN_B, U, code);
}

Test(stock_add, adds_to_one_location_only)
{
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 7), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_stock_add(e, LOCATIONS - 1, UINT32_MAX), SB_OK);
    STOCK_EQ(e, 0, 7);
    STOCK_EQ(e, 1, 7);
    STOCK_EQ(e, 2, 0);
    STOCK_EQ(e, LOCATIONS - 1, UINT32_MAX);
}

Test(stock_add, allows_zero)
{
    ST_EQ(sb_stock_add(e, 0, 0), SB_OK);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_stock_add(e, 0, 3), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 0), SB_OK);
    STOCK_EQ(e, 0, 3);
}

Test(stock_add, allows_2_48_stickers_and_refuses_more_without_changing_anything)
{
    /* 65,536 adds of UINT32_MAX: 2^48 - 65,536 stickers. */
    for (uint32_t i = 0; i < 65536u; i++) {
        sb_status st = sb_stock_add(e, 1, UINT32_MAX);
        if (st != SB_OK)
            cr_assert_fail("add %u: %s", i, sb_status_name(st));
    }
    const uint64_t top = UINT64_C(1) << 48;
    STOCK_EQ(e, 1, top - 65536u);
    ST_EQ(sb_stock_add(e, 1, UINT32_MAX), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(e, 1, 65537u), SB_INVALID_ARG);
    STOCK_EQ(e, 1, top - 65536u);
    ST_EQ(sb_stock_add(e, 1, 65536u), SB_OK);
    STOCK_EQ(e, 1, top);
    ST_EQ(sb_stock_add(e, 1, 1), SB_INVALID_ARG);
    ST_EQ(sb_stock_add(e, 1, UINT32_MAX), SB_INVALID_ARG);
    STOCK_EQ(e, 1, top);
    ST_EQ(sb_stock_add(e, 1, 0), SB_OK);
    STOCK_EQ(e, 1, top);
    /* The other shelves are their own. */
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_stock_add(e, 0, UINT32_MAX), SB_OK);
    /* A full shelf still hands out and takes back stickers. */
    ST_EQ(sb_reserve(e, BSN_A, U), SB_OK);
    STOCK_EQ(e, 1, top - 1);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    STOCK_EQ(e, 1, top);
}

Test(stock_add, counts_its_calls_in_the_stats)
{
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_stock_add(e, LOCATIONS, 1), SB_INVALID_ARG);
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.outcomes[SB_OP_STOCK][SB_OK], 1u);
    cr_assert_eq(st.outcomes[SB_OP_STOCK][SB_INVALID_ARG], 1u);
}

/* ---- sb_stock_read ------------------------------------------------------- */

Test(stock_read, answers_invalid_arg_for_null_arguments)
{
    uint64_t n = 5;
    ST_EQ(sb_stock_read(NULL, 0, &n), SB_INVALID_ARG);
    ST_EQ(sb_stock_read(e, 0, NULL), SB_INVALID_ARG);
    ST_EQ(sb_stock_read(NULL, 0, NULL), SB_INVALID_ARG);
    cr_assert_eq(n, 5u);
}

Test(stock_read, answers_invalid_arg_for_an_unknown_location)
{
    uint64_t n = 5;
    ST_EQ(sb_stock_read(e, LOCATIONS, &n), SB_INVALID_ARG);
    ST_EQ(sb_stock_read(e, UINT16_MAX, &n), SB_INVALID_ARG);
    cr_assert_eq(n, 5u);
}

Test(stock_read, starts_at_zero_on_every_location)
{
    for (uint16_t l = 0; l < LOCATIONS; l++)
        STOCK_EQ(e, l, 0);
}

/* ---- SB_NO_STOCK and the check order --------------------------------------- */

Test(stock, refuses_reserve_and_book_at_zero_stickers_and_changes_nothing)
{
    char code[SB_CODE_SIZE], before[SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    memcpy(before, code, sizeof code);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_NO_STOCK);
    ST_EQ(sb_book(e, BSN_B, S, code), SB_NO_STOCK);
    cr_assert_arr_eq(code, before, sizeof code);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    STOCK_EQ(e, 0, 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_NOT_FOUND);
    /* A sticker later lets them in. */
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_book(e, BSN_B, S, code), SB_NO_STOCK);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, answers_no_stock_per_location)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 1, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_NO_STOCK);
    ST_EQ(sb_reserve(e, BSN_A, U), SB_OK);
    book_ok(e, BSN_B, U, code);
    ST_EQ(sb_reserve(e, bsn_nth(0), U), SB_NO_STOCK);
    STOCK_EQ(e, 1, 0);
    STOCK_EQ(e, 0, 0);
}

Test(stock, checks_arguments_before_the_stock)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(NULL, BSN_A, S), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_BAD_CHECK, S), SB_INVALID_ID);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(0, DAYS, 0)), SB_INVALID_ARG);
    ST_EQ(sb_reserve(e, BSN_A, slot_at(LOCATIONS, 0, 0)), SB_INVALID_ARG);
    ST_EQ(sb_book(e, BSN_A, S, NULL), SB_INVALID_ARG);
    ST_EQ(sb_book(e, 0, S, code), SB_INVALID_ID);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, 0, WINDOWS), code), SB_INVALID_ARG);
}

Test(stock, answers_closed_before_no_stock)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_CLOSED);
    ST_EQ(sb_book(e, BSN_A, S, code), SB_CLOSED);
    ST_EQ(sb_reserve(e, BSN_A, NONE), SB_CLOSED);
}

Test(stock, answers_duplicate_before_no_stock)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 3), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), S), SB_OK);
    book_ok(e, bsn_nth(1), S, code);
    book_ok(e, bsn_nth(2), T, code);
    ST_EQ(sb_redeem(e, code, bsn_nth(2)), SB_OK);
    STOCK_EQ(e, 0, 0);
    for (uint32_t i = 0; i < 3; i++) {
        ST_EQ(sb_reserve(e, bsn_nth(i), S), SB_DUPLICATE);
        ST_EQ(sb_reserve(e, bsn_nth(i), T), SB_DUPLICATE);
        ST_EQ(sb_book(e, bsn_nth(i), T, code), SB_DUPLICATE);
    }
    /* A newcomer meets the empty shelf. */
    ST_EQ(sb_reserve(e, bsn_nth(3), T), SB_NO_STOCK);
}

Test(stock, answers_no_stock_before_full)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, NONE), SB_NO_STOCK);
    ST_EQ(sb_book(e, BSN_A, NONE, code), SB_NO_STOCK);
    /* With a sticker the slot's own answer comes, and the sticker stays. */
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, NONE), SB_FULL);
    ST_EQ(sb_book(e, BSN_A, NONE, code), SB_FULL);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_reserve(e, BSN_A, ONE), SB_OK);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, ONE), SB_FULL);
    STOCK_EQ(e, 0, 1);
}

Test(stock, gives_the_sticker_back_when_it_answers_nomem)
{
    sb_options o = stock_options();
    o.max_people = 1;
    reopen(o);
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_B, S), SB_NOMEM);
    ST_EQ(sb_book(e, BSN_B, T, code), SB_NOMEM);
    STOCK_EQ(e, 0, 4);
    /* Out of hold seats. */
    o = stock_options();
    o.holds_per_slot = 1;
    reopen(o);
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_NOMEM);
    STOCK_EQ(e, 0, 4);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

/* ---- where the stickers go ------------------------------------------------- */

Test(stock, takes_one_sticker_per_reserve_and_per_book)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 5), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 5), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), S), SB_OK);
    STOCK_EQ(e, 0, 4);
    book_ok(e, bsn_nth(1), S, code);
    STOCK_EQ(e, 0, 3);
    ST_EQ(sb_reserve(e, bsn_nth(2), T), SB_OK);
    book_ok(e, bsn_nth(3), T, code);
    STOCK_EQ(e, 0, 1);
    STOCK_EQ(e, 1, 5);
    book_ok(e, bsn_nth(4), U, code);
    STOCK_EQ(e, 1, 4);
    STOCK_EQ(e, 0, 1);
    cr_assert_eq(out_at(0, 5), 4u);
    cr_assert_eq(out_at(1, 5), 1u);
}

Test(stock, keeps_the_sticker_on_confirm)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    STOCK_EQ(e, 0, 1);
    /* Also on a location closed after the hold was taken. */
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
    STOCK_EQ(e, 0, 0);
    /* The booking does not run out. */
    clk.now += 10u * HOLD_MS;
    sb_expire(e);
    STOCK_EQ(e, 0, 0);
}

Test(stock, gets_the_sticker_back_when_a_hold_is_cancelled)
{
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_reserve(e, BSN_B, T), SB_OK);
    STOCK_EQ(e, 0, 0);
}

Test(stock, gets_the_sticker_back_when_a_booking_is_cancelled)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    STOCK_EQ(e, 0, 1);
    /* A cancel that finds nothing gives nothing. */
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_cancel(e, BSN_B), SB_NOT_FOUND);
    STOCK_EQ(e, 0, 1);
    book_ok(e, BSN_B, S, code);
    STOCK_EQ(e, 0, 0);
}

Test(stock, gets_the_sticker_back_on_a_closed_location)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    STOCK_EQ(e, 0, 2);
}

Test(stock_delay, gets_the_sticker_back_at_once_while_the_place_waits)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    SLOT_EQ(e, S, 3, 0, 0, 0, 2, 1);
    STOCK_EQ(e, 0, 2);
    /* The places come back; no sticker with them. */
    clk.now += (uint64_t)DELAY + 1;
    sb_expire(e);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    STOCK_EQ(e, 0, 2);
}

Test(stock, leaves_the_sticker_out_of_a_hold_that_ran_out_until_it_is_reclaimed)
{
    ST_EQ(sb_stock_add(e, 0, 3), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), S), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(1), T), SB_OK);
    STOCK_EQ(e, 0, 1);
    clk.now += HOLD_MS;
    /* Not reclaimed yet: not counted, and the owner's calls that find
     * nothing live do not reclaim it either. */
    STOCK_EQ(e, 0, 1);
    char code[SB_CODE_SIZE];
    sb_booking b;
    ST_EQ(sb_cancel(e, bsn_nth(0)), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, bsn_nth(0), code), SB_EXPIRED);
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_NOT_FOUND);
    ST_EQ(sb_reschedule(e, bsn_nth(0), T, code), SB_NOT_FOUND);
    STOCK_EQ(e, 0, 1);
    cr_assert_eq(sb_expire(e), 2u);
    STOCK_EQ(e, 0, 3);
    cr_assert_eq(sb_expire(e), 0u);
    STOCK_EQ(e, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, keeps_the_sticker_of_a_hold_just_before_its_deadline)
{
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now = T0 + HOLD_MS - 1;
    cr_assert_eq(sb_expire(e), 0u);
    ST_EQ(sb_reserve(e, BSN_B, T), SB_NO_STOCK);
    STOCK_EQ(e, 0, 0);
    clk.now = T0 + HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_B, T), SB_OK);
    STOCK_EQ(e, 0, 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
}

Test(stock, conserves_stickers_when_a_reserve_takes_over_a_hold_that_ran_out)
{
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, ONE), SB_OK);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_reserve(e, BSN_B, ONE), SB_FULL);
    STOCK_EQ(e, 0, 1);
    clk.now += HOLD_MS;
    /* The full slot's dead hold goes to B: A's sticker back, B's out. */
    ST_EQ(sb_reserve(e, BSN_B, ONE), SB_OK);
    STOCK_EQ(e, 0, 1);
    LOOKUP_EQ(e, BSN_B, SB_STATE_HELD, ONE);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    cr_assert_eq(sb_expire(e), 0u);
    STOCK_EQ(e, 0, 1);
    SLOT_EQ(e, ONE, 1, 1, 0, 0, 0, 0);
    /* And again by a book, B's turn to lose it. */
    clk.now += HOLD_MS;
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, ONE, code);
    STOCK_EQ(e, 0, 1);
    SLOT_EQ(e, ONE, 1, 0, 1, 0, 0, 0);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, ONE);
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, never_answers_no_stock_because_of_a_hold_that_ran_out)
{
    /* The one sticker sits in a dead hold in a slot that is not full. */
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_B, T), SB_OK);
    STOCK_EQ(e, 0, 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
    /* Also for a book, with the dead hold on the last slot of the horizon. */
    sb_slot last = slot_at(0, DAYS - 1, WINDOWS - 1);
    ST_EQ(sb_release(e, last, 1), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(0), last), SB_OK);
    clk.now += HOLD_MS;
    char code[SB_CODE_SIZE];
    book_ok(e, bsn_nth(1), S, code);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_lookup(e, bsn_nth(0), &b), SB_NOT_FOUND);
    SLOT_EQ(e, last, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, lets_the_owner_of_a_hold_that_ran_out_reserve_again_on_its_sticker)
{
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, T), SB_OK);
    STOCK_EQ(e, 0, 0);
    LOOKUP_EQ(e, BSN_A, SB_STATE_HELD, T);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, T), SB_OK);
    STOCK_EQ(e, 0, 0);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 1, 0, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, gives_the_sticker_of_a_dead_hold_back_when_its_owner_reserves_elsewhere)
{
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    STOCK_EQ(e, 0, 1);
    clk.now += HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, U), SB_OK);
    STOCK_EQ(e, 0, 2);
    STOCK_EQ(e, 1, 0);
    clk.now += HOLD_MS;
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, T, code);
    STOCK_EQ(e, 0, 1);
    STOCK_EQ(e, 1, 1);
    SLOT_EQ(e, U, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, uses_the_sticker_up_on_redeem)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    book_ok(e, BSN_A, S, code);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    STOCK_EQ(e, 0, 1);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_USED);
    clk.now += 10u * HOLD_MS;
    sb_expire(e);
    STOCK_EQ(e, 0, 1);
    /* available + out == added - redeemed */
    book_ok(e, BSN_B, T, code);
    cr_assert_eq(stock_on(e, 0) + 1u, 2u - 1u);
}

Test(stock, moves_the_sticker_with_a_reschedule_to_another_location)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    STOCK_EQ(e, 0, 0);
    reschedule_ok(e, BSN_A, U, code);
    STOCK_EQ(e, 0, 1);
    STOCK_EQ(e, 1, 0);
    /* And back. */
    reschedule_ok(e, BSN_A, T, code);
    STOCK_EQ(e, 0, 0);
    STOCK_EQ(e, 1, 1);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, T);
}

Test(stock, keeps_the_sticker_on_a_reschedule_inside_one_location_even_with_an_empty_shelf)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    STOCK_EQ(e, 0, 0);
    reschedule_ok(e, BSN_A, T, code);
    STOCK_EQ(e, 0, 0);
    reschedule_ok(e, BSN_A, ONE, code);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    STOCK_EQ(e, 0, 1);
}

Test(stock, keeps_every_sticker_where_it_was_when_a_reschedule_fails)
{
    char code[SB_CODE_SIZE];
    sb_slot u_none = slot_at(1, 5, 0), u_closed = slot_at(2, 0, 0);
    ST_EQ(sb_release(e, u_closed, 3), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    /* Another location without a sticker. */
    ST_EQ(sb_reschedule(e, BSN_A, U, code), SB_NO_STOCK);
    STOCK_EQ(e, 0, 0);
    STOCK_EQ(e, 1, 0);
    /* With one, but the slot is full. */
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    ST_EQ(sb_reschedule(e, BSN_A, u_none, code), SB_FULL);
    STOCK_EQ(e, 1, 1);
    STOCK_EQ(e, 0, 0);
    /* A closed location. */
    ST_EQ(sb_stock_add(e, 2, 1), SB_OK);
    ST_EQ(sb_location_close(e, 2), SB_OK);
    ST_EQ(sb_reschedule(e, BSN_A, u_closed, code), SB_CLOSED);
    STOCK_EQ(e, 2, 1);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, S);
    SLOT_EQ(e, S, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, balances_available_and_out_against_added_and_redeemed)
{
    /* A scripted mix; after every step available + out == added - redeemed. */
    enum { P = 12 };
    char codes[P][SB_CODE_SIZE];
    memset(codes, 0, sizeof codes);
    uint64_t added = 0, redeemed = 0;
    sb_slot slots[] = {S, T, ONE};
    ST_EQ(sb_release(e, S, 10), SB_OK);
    ST_EQ(sb_release(e, T, 10), SB_OK);
    for (uint32_t round = 0; round < 60; round++) {
        uint32_t who = (round * 7u) % P, bsn = bsn_nth(who);
        sb_slot s = slots[round % 3];
        sb_status st;
        switch (round % 6) {
        case 0:
            ST_EQ(sb_stock_add(e, 0, round % 4), SB_OK);
            added += round % 4;
            break;
        case 1:
            st = sb_book(e, bsn, s, codes[who]);
            cr_assert(st == SB_OK || st == SB_DUPLICATE || st == SB_NO_STOCK || st == SB_FULL,
                      "book: %s", sb_status_name(st));
            break;
        case 2:
            st = sb_reserve(e, bsn, s);
            cr_assert(st == SB_OK || st == SB_DUPLICATE || st == SB_NO_STOCK || st == SB_FULL,
                      "reserve: %s", sb_status_name(st));
            break;
        case 3:
            st = sb_redeem(e, codes[who], bsn);
            redeemed += st == SB_OK;
            break;
        case 4:
            sb_cancel(e, bsn);
            break;
        default:
            clk.now += HOLD_MS / 2;
            if (round % 12 == 5)
                sb_expire(e);
            break;
        }
        if (round % 12 == 5) {
            uint64_t out = out_at(0, P), avail = stock_on(e, 0);
            cr_assert_eq(avail + out, added - redeemed, "round %u: %" PRIu64 " + %" PRIu64, round,
                         avail, out);
        }
    }
    clk.now += HOLD_MS;
    sb_expire(e);
    cr_assert_eq(stock_on(e, 0) + out_at(0, P), added - redeemed);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, never_refuses_a_reschedule_because_of_a_hold_that_ran_out)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    /* Location 1's only sticker sits in a dead hold in another slot. */
    sb_slot other = slot_at(1, 7, 1);
    ST_EQ(sb_release(e, other, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, other), SB_OK);
    STOCK_EQ(e, 1, 0);
    ST_EQ(sb_reschedule(e, BSN_A, U, code), SB_NO_STOCK);
    clk.now += HOLD_MS;
    reschedule_ok(e, BSN_A, U, code);
    STOCK_EQ(e, 0, 1);
    STOCK_EQ(e, 1, 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    SLOT_EQ(e, other, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(stock, conserves_stickers_when_a_reschedule_takes_over_a_hold_that_ran_out)
{
    char code[SB_CODE_SIZE];
    sb_slot one_u = slot_at(1, 6, 0);
    ST_EQ(sb_release(e, one_u, 1), SB_OK);
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, one_u), SB_OK);
    ST_EQ(sb_reschedule(e, BSN_A, one_u, code), SB_NO_STOCK);
    STOCK_EQ(e, 1, 0);
    clk.now += HOLD_MS;
    /* The full slot's dead hold: its sticker and its place go to A. */
    reschedule_ok(e, BSN_A, one_u, code);
    STOCK_EQ(e, 0, 1);
    STOCK_EQ(e, 1, 0);
    SLOT_EQ(e, one_u, 1, 0, 1, 0, 0, 0);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    cr_assert_eq(sb_expire(e), 0u);
    STOCK_EQ(e, 1, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    STOCK_EQ(e, 1, 1);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}
