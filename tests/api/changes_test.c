/*
 * API tests: the change limit (max_changes).  Cancels of holds and of
 * bookings and reschedules count; the next one past the limit answers
 * SB_LIMIT and changes nothing; reserve, book, confirm, redeem, expiry and
 * refused calls do not count; 0 means no limit.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot T = {.location = 0, .window = 1, .day = DAY0 + 1};
static const sb_slot U = {.location = 1, .window = 2, .day = DAY0 + 2};
static const sb_slot NONE = {.location = 1, .window = 0, .day = DAY0 + 4};

#define MAX 3u

static void
open_with(sb_options o)
{
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, 5), SB_OK);
    ST_EQ(sb_release(e, T, 5), SB_OK);
    ST_EQ(sb_release(e, U, 5), SB_OK);
}

static sb_options
limit_options(uint32_t max)
{
    sb_options o = test_options(&clk);
    o.max_changes = max;
    return o;
}

static void
setup(void)
{
    clk.now = T0;
    open_with(limit_options(MAX));
}

static void
setup_unlimited(void)
{
    clk.now = T0;
    open_with(limit_options(0));
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
    open_with(o);
}

/* Asserts that bsn's booking in s with code is there, untouched. */
static void
still_booked(uint32_t bsn, sb_slot s, const char *code)
{
    LOOKUP_EQ(e, bsn, SB_STATE_BOOKED, s);
    ST_EQ(sb_verify(e, code, bsn, NULL), SB_OK);
}

TestSuite(changes, .init = setup, .fini = teardown);
TestSuite(changes_unlimited, .init = setup_unlimited, .fini = teardown);

/* ---- sb_open --------------------------------------------------------------- */

Test(changes, are_limited_to_15_by_sb_open)
{
    sb_engine *x = (sb_engine *)1;
    sb_options o = limit_options(16);
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    o = limit_options(255);
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    o = limit_options(UINT32_MAX);
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    o = limit_options(1u << 4);
    ST_EQ(sb_open(&o, &x), SB_INVALID_ARG);
    for (uint32_t max = 0; max <= 15; max++) {
        o = limit_options(max);
        x = NULL;
        ST_EQ(sb_open(&o, &x), SB_OK);
        cr_assert_not_null(x);
        sb_close(x);
    }
}

Test(changes, default_to_unlimited)
{
    sb_options o;
    sb_options_init(&o);
    cr_assert_eq(o.max_changes, 0u);
}

/* ---- what counts --------------------------------------------------------- */

Test(changes, count_cancels_of_holds)
{
    for (uint32_t i = 0; i < MAX; i++) {
        ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
        ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    }
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    /* The hold stays, and may be confirmed. */
    LOOKUP_EQ(e, BSN_A, SB_STATE_HELD, S);
    SLOT_EQ(e, S, 5, 1, 0, 0, 0, 4);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    still_booked(BSN_A, S, code);
    SLOT_EQ(e, S, 5, 0, 1, 0, 0, 4);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(changes, count_cancels_of_bookings)
{
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < MAX; i++) {
        book_ok(e, BSN_A, i % 2 ? S : U, code);
        ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    }
    book_ok(e, BSN_A, T, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    still_booked(BSN_A, T, code);
    SLOT_EQ(e, T, 5, 0, 1, 0, 0, 4);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(changes, count_reschedules)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    const sb_slot ring[3] = {S, T, U};
    book_ok(e, BSN_A, S, code);
    for (uint32_t i = 1; i <= MAX; i++)
        reschedule_ok(e, BSN_A, ring[i % 3], code);
    /* T, U, then back to S. */
    memset(other, '?', sizeof other);
    ST_EQ(sb_reschedule(e, BSN_A, T, other), SB_LIMIT);
    ST_EQ(sb_reschedule(e, BSN_A, U, other), SB_LIMIT);
    cr_assert_eq(other[0], '?');
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    still_booked(BSN_A, S, code);
    SLOT_EQ(e, S, 5, 0, 1, 0, 0, 4);
    SLOT_EQ(e, T, 5, 0, 0, 0, 0, 5);
    SLOT_EQ(e, U, 5, 0, 0, 0, 0, 5);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(changes, count_every_kind_together)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK); /* 1 */
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK); /* 2 */
    book_ok(e, BSN_A, S, code);
    reschedule_ok(e, BSN_A, U, code); /* 3 */
    ST_EQ(sb_reschedule(e, BSN_A, T, code), SB_LIMIT);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    still_booked(BSN_A, U, code);
}

Test(changes, are_counted_per_person)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    for (uint32_t i = 0; i < MAX; i++) {
        book_ok(e, BSN_A, S, code);
        ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    }
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    /* B has all of its own. */
    book_ok(e, BSN_B, S, other);
    for (uint32_t i = 0; i < MAX; i++)
        reschedule_ok(e, BSN_B, i % 2 ? S : T, other);
    ST_EQ(sb_cancel(e, BSN_B), SB_LIMIT);
    still_booked(BSN_A, S, code);
    still_booked(BSN_B, (MAX - 1) % 2 ? S : T, other);
}

Test(changes, leave_reserve_book_confirm_redeem_and_expiry_uncounted)
{
    sb_options o = limit_options(2);
    reopen(o);
    char code[SB_CODE_SIZE];
    /* Many holds that run out, one replaced by a book. */
    for (int i = 0; i < 10; i++) {
        ST_EQ(sb_reserve(e, BSN_A, i % 2 ? S : U), SB_OK);
        clk.now += HOLD_MS;
        if (i % 3 == 0)
            sb_expire(e);
    }
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    book_ok(e, BSN_A, T, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK); /* 1 */
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
    reschedule_ok(e, BSN_A, U, code); /* 2 */
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    /* A person at the limit may still be redeemed at the desk. */
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    /* Another person: plenty of reserves, a book and a confirm, no change. */
    for (int i = 0; i < 10; i++) {
        ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
        clk.now += HOLD_MS;
    }
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_confirm(e, BSN_B, code), SB_OK);
    reschedule_ok(e, BSN_B, T, code);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    book_ok(e, BSN_B, T, code);
    ST_EQ(sb_cancel(e, BSN_B), SB_LIMIT);
    still_booked(BSN_B, T, code);
}

Test(changes, leave_refused_cancels_and_reschedules_uncounted)
{
    sb_options o = limit_options(1);
    reopen(o);
    char code[SB_CODE_SIZE], scratch[SB_CODE_SIZE];
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND); /* the hold ran out */
    ST_EQ(sb_reschedule(e, BSN_A, T, scratch), SB_NOT_FOUND);
    book_ok(e, BSN_A, S, code);
    for (int i = 0; i < 5; i++) {
        ST_EQ(sb_reschedule(e, BSN_A, S, scratch), SB_DUPLICATE);
        ST_EQ(sb_reschedule(e, BSN_A, NONE, scratch), SB_FULL);
        ST_EQ(sb_reschedule(e, BSN_A, slot_at(0, DAYS, 0), scratch), SB_INVALID_ARG);
    }
    ST_EQ(sb_location_close(e, 1), SB_OK);
    ST_EQ(sb_reschedule(e, BSN_A, U, scratch), SB_CLOSED);
    ST_EQ(sb_location_open(e, 1), SB_OK);
    reschedule_ok(e, BSN_A, U, code); /* 1 */
    ST_EQ(sb_reschedule(e, BSN_A, T, scratch), SB_LIMIT);
    /* Answers of SB_LIMIT do not count either: still exactly at the limit. */
    still_booked(BSN_A, U, code);
}

Test(changes, answer_limit_only_after_the_other_states)
{
    sb_options o = limit_options(1);
    reopen(o);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    /* At the limit with nothing: not found, before and after a hold ran out. */
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    ST_EQ(sb_cancel(e, BSN_A), SB_NOT_FOUND);
    ST_EQ(sb_reschedule(e, BSN_A, T, code), SB_NOT_FOUND);
    /* With a redeemed booking: used. */
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    ST_EQ(sb_reschedule(e, BSN_A, T, code), SB_USED);
    /* Bad arguments first. */
    ST_EQ(sb_cancel(NULL, BSN_A), SB_INVALID_ARG);
    ST_EQ(sb_cancel(e, BSN_BAD_CHECK), SB_INVALID_ID);
}

Test(changes, changes_nothing_when_it_answers_limit)
{
    sb_options o = limit_options(1);
    o.use_stock = 1;
    o.release_delay_ms = 1000;
    reopen(o);
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_stock_add(e, 1, 2), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    clk.now += 1000; /* the delayed place is back */
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    clk.now += 1000;
    ST_EQ(sb_reserve(e, BSN_B, T), SB_OK);
    SLOT_EQ(e, S, 5, 0, 1, 0, 0, 4);
    SLOT_EQ(e, T, 5, 1, 0, 0, 0, 4);
    STOCK_EQ(e, 0, 0);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    ST_EQ(sb_reschedule(e, BSN_A, U, code), SB_LIMIT);
    ST_EQ(sb_cancel(e, BSN_B), SB_LIMIT);
    SLOT_EQ(e, S, 5, 0, 1, 0, 0, 4);
    SLOT_EQ(e, T, 5, 1, 0, 0, 0, 4);
    SLOT_EQ(e, U, 5, 0, 0, 0, 0, 5);
    STOCK_EQ(e, 0, 0);
    STOCK_EQ(e, 1, 2);
    still_booked(BSN_A, S, code);
    LOOKUP_EQ(e, BSN_B, SB_STATE_HELD, T);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(changes, allow_exactly_15_at_the_top_limit)
{
    sb_options o = limit_options(15);
    reopen(o);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    for (int i = 0; i < 15; i++) {
        sb_status st = i % 2 ? sb_cancel(e, BSN_A) : sb_reschedule(e, BSN_A, T, code);
        if (st != SB_OK)
            cr_assert_fail("change %d: %s", i + 1, sb_status_name(st));
        if (i % 2)
            book_ok(e, BSN_A, S, code);
    }
    /* 15 changes: 8 reschedules to T and 7 cancels; booked in T now. */
    still_booked(BSN_A, T, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_LIMIT);
    ST_EQ(sb_reschedule(e, BSN_A, S, code), SB_LIMIT);
    still_booked(BSN_A, T, code);
}

/* ---- no limit -------------------------------------------------------------- */

Test(changes_unlimited, allow_40_cancel_and_rebook_cycles)
{
    char code[SB_CODE_SIZE];
    for (int i = 0; i < 40; i++) {
        book_ok(e, BSN_A, i % 2 ? S : U, code);
        sb_status st = sb_cancel(e, BSN_A);
        if (st != SB_OK)
            cr_assert_fail("cancel %d: %s", i + 1, sb_status_name(st));
    }
    for (int i = 0; i < 40; i++) {
        ST_EQ(sb_reserve(e, BSN_A, T), SB_OK);
        sb_status st = sb_cancel(e, BSN_A);
        if (st != SB_OK)
            cr_assert_fail("cancel of hold %d: %s", i + 1, sb_status_name(st));
    }
    book_ok(e, BSN_A, S, code);
    for (int i = 0; i < 40; i++) {
        sb_status st = sb_reschedule(e, BSN_A, i % 2 ? S : T, code);
        if (st != SB_OK)
            cr_assert_fail("reschedule %d: %s", i + 1, sb_status_name(st));
    }
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    SLOT_EQ(e, S, 5, 0, 0, 0, 0, 5);
    SLOT_EQ(e, T, 5, 0, 0, 0, 0, 5);
    SLOT_EQ(e, U, 5, 0, 0, 0, 0, 5);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}
