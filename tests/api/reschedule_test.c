/*
 * API tests: sb_reschedule.  Every status in the documented order, what a
 * move does (new code, old code cancelled, counters of both slots, delayed
 * release of the old place), and that a refused move changes nothing.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
/* Three places each: S and T at location 0, U at location 1. */
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot T = {.location = 0, .window = 1, .day = DAY0 + 1};
static const sb_slot U = {.location = 1, .window = 2, .day = DAY0 + 2};
/* One place at location 0; no place at all at location 1. */
static const sb_slot ONE = {.location = 0, .window = 0, .day = DAY0 + 3};
static const sb_slot NONE = {.location = 1, .window = 0, .day = DAY0 + 4};

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

static void
reopen(sb_options o)
{
    sb_close(e);
    open_with(o);
}

/* Everything a refused reschedule must leave alone: the person's booking and
 * its code, the counters of every slot the tests use, the shelves. */
typedef struct picture {
    sb_booking who;
    sb_slot_info info[6];
    uint64_t stock[LOCATIONS];
} picture;

static picture
take_picture(uint32_t bsn, const char *code)
{
    picture p;
    memset(&p, 0, sizeof p);
    ST_EQ(sb_lookup(e, bsn, &p.who), SB_OK);
    ST_EQ(sb_verify(e, code, bsn, NULL), SB_OK);
    const sb_slot all[6] = {S, T, U, ONE, NONE, slot_at(2, 0, 0)};
    for (int i = 0; i < 6; i++)
        p.info[i] = slot_info(e, all[i]);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        if (sb_stock_read(e, l, &p.stock[l]) != SB_OK)
            p.stock[l] = UINT64_MAX;
    return p;
}

static void
same_picture(uint32_t bsn, const char *code, const picture *before)
{
    picture now = take_picture(bsn, code);
    cr_assert_eq(now.who.state, before->who.state);
    cr_assert_eq(now.who.slot.location, before->who.slot.location);
    cr_assert_eq(now.who.slot.day, before->who.slot.day);
    cr_assert_eq(now.who.slot.window, before->who.slot.window);
    for (int i = 0; i < 6; i++) {
        const sb_slot_info *a = &before->info[i], *b = &now.info[i];
        cr_assert(a->capacity == b->capacity && a->held == b->held && a->booked == b->booked &&
                      a->redeemed == b->redeemed && a->pending == b->pending && a->free == b->free,
                  "slot %d changed: booked %u -> %u, free %u -> %u", i, a->booked, b->booked,
                  a->free, b->free);
    }
    for (uint16_t l = 0; l < LOCATIONS; l++)
        cr_assert_eq(now.stock[l], before->stock[l], "stock of %u", l);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

/* Calls sb_reschedule expecting want, and checks the code is not written. */
static void
refused(uint32_t bsn, sb_slot s, sb_status want)
{
    char code[SB_CODE_SIZE], before[SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    memcpy(before, code, sizeof code);
    ST_EQ(sb_reschedule(e, bsn, s, code), want);
    cr_assert_arr_eq(code, before, sizeof code, "code written on %s", sb_status_name(want));
}

TestSuite(reschedule, .init = setup, .fini = teardown);
TestSuite(reschedule_delay, .init = setup_delay, .fini = teardown);

/* ---- argument checks ---------------------------------------------------- */

Test(reschedule, answers_invalid_arg_for_a_null_engine_or_code)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    picture p = take_picture(BSN_A, code);
    ST_EQ(sb_reschedule(NULL, BSN_A, T, code), SB_INVALID_ARG);
    ST_EQ(sb_reschedule(e, BSN_A, T, NULL), SB_INVALID_ARG);
    /* NULL comes before the BSN and the slot. */
    ST_EQ(sb_reschedule(e, 0, slot_at(LOCATIONS, 0, 0), NULL), SB_INVALID_ARG);
    ST_EQ(sb_reschedule(NULL, 0, slot_at(LOCATIONS, 0, 0), code), SB_INVALID_ARG);
    same_picture(BSN_A, code, &p);
}

Test(reschedule, answers_invalid_id_for_a_bad_bsn_before_the_slot)
{
    static const uint32_t bad[] = {0, 1000000000u, BSN_BAD_CHECK, UINT32_MAX, 123456781u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused(bad[i], T, SB_INVALID_ID);
        refused(bad[i], slot_at(0, DAYS, 0), SB_INVALID_ID);
        refused(bad[i], slot_at(LOCATIONS, 0, 0), SB_INVALID_ID);
    }
}

Test(reschedule, answers_invalid_arg_for_an_unknown_slot_before_any_state)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    picture p = take_picture(BSN_A, code);
    const sb_slot bad[] = {slot_at(LOCATIONS, 0, 0), slot_at(UINT16_MAX, 0, 0), slot_at(0, -1, 0),
                           slot_at(0, DAYS, 0),      slot_at(0, 0, WINDOWS),    slot_at(1, 0, 99)};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused(BSN_A, bad[i], SB_INVALID_ARG);
        /* Nobody: still the slot, not SB_NOT_FOUND. */
        refused(BSN_B, bad[i], SB_INVALID_ARG);
    }
    same_picture(BSN_A, code, &p);
}

/* ---- states ---------------------------------------------------------------- */

Test(reschedule, answers_not_found_for_a_person_without_a_booking)
{
    refused(BSN_A, T, SB_NOT_FOUND);
    /* A person stored once, with nothing now. */
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    refused(BSN_A, T, SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
}

Test(reschedule, answers_not_found_for_a_live_hold_and_keeps_it)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    refused(BSN_A, T, SB_NOT_FOUND);
    refused(BSN_A, S, SB_NOT_FOUND); /* its own slot included */
    LOOKUP_EQ(e, BSN_A, SB_STATE_HELD, S);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_confirm(e, BSN_A, code), SB_OK);
}

Test(reschedule, answers_not_found_for_a_hold_that_ran_out)
{
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    clk.now += HOLD_MS;
    refused(BSN_A, T, SB_NOT_FOUND);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
    cr_assert_eq(sb_expire(e), 1u);
    refused(BSN_A, T, SB_NOT_FOUND);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reschedule, answers_not_found_for_a_cancelled_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    refused(BSN_A, T, SB_NOT_FOUND);
    refused(BSN_A, S, SB_NOT_FOUND);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
}

Test(reschedule, answers_used_for_a_redeemed_booking_before_anything_else)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    refused(BSN_A, T, SB_USED);
    refused(BSN_A, S, SB_USED);    /* before SB_DUPLICATE */
    refused(BSN_A, NONE, SB_USED); /* before SB_FULL */
    ST_EQ(sb_location_close(e, 1), SB_OK);
    refused(BSN_A, U, SB_USED); /* before SB_CLOSED */
    LOOKUP_EQ(e, BSN_A, SB_STATE_REDEEMED, S);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_USED);
    SLOT_EQ(e, S, 3, 0, 0, 1, 0, 2);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
}

Test(reschedule, answers_duplicate_for_the_slot_of_the_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, ONE, code);
    picture p = take_picture(BSN_A, code);
    refused(BSN_A, ONE, SB_DUPLICATE);
    /* Before SB_CLOSED (the slot is full as well). */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    refused(BSN_A, ONE, SB_DUPLICATE);
    same_picture(BSN_A, code, &p);
}

Test(reschedule, answers_duplicate_before_limit)
{
    sb_options o = test_options(&clk);
    o.max_changes = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    reschedule_ok(e, BSN_A, T, code);
    refused(BSN_A, T, SB_DUPLICATE);
    refused(BSN_A, S, SB_LIMIT);
}

Test(reschedule, answers_limit_before_closed_no_stock_and_full)
{
    sb_options o = test_options(&clk);
    o.max_changes = 2;
    o.use_stock = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    reschedule_ok(e, BSN_A, T, code);
    reschedule_ok(e, BSN_A, S, code);
    picture p = take_picture(BSN_A, code);
    refused(BSN_A, T, SB_LIMIT);
    refused(BSN_A, U, SB_LIMIT);    /* location 1 has no sticker */
    refused(BSN_A, NONE, SB_LIMIT); /* and no place */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    refused(BSN_A, T, SB_LIMIT);
    same_picture(BSN_A, code, &p);
}

Test(reschedule, answers_closed_before_no_stock_and_full)
{
    sb_options o = test_options(&clk);
    o.use_stock = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    picture p = take_picture(BSN_A, code);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    refused(BSN_A, U, SB_CLOSED);
    refused(BSN_A, NONE, SB_CLOSED);
    /* Inside a closed location too. */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    refused(BSN_A, T, SB_CLOSED);
    same_picture(BSN_A, code, &p);
    /* Open again, the move goes through. */
    ST_EQ(sb_location_open(e, 0), SB_OK);
    reschedule_ok(e, BSN_A, T, code);
}

Test(reschedule, answers_no_stock_before_full_for_another_location_only)
{
    sb_options o = test_options(&clk);
    o.use_stock = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_stock_add(e, 0, 1), SB_OK);
    book_ok(e, BSN_A, S, code);
    picture p = take_picture(BSN_A, code);
    refused(BSN_A, U, SB_NO_STOCK);
    refused(BSN_A, NONE, SB_NO_STOCK);
    same_picture(BSN_A, code, &p);
    /* Inside the location the empty shelf does not matter. */
    ST_EQ(sb_release(e, slot_at(0, 9, 0), 0), SB_OK);
    refused(BSN_A, slot_at(0, 9, 0), SB_FULL);
    reschedule_ok(e, BSN_A, T, code);
    /* With a sticker there, the full slot answers. */
    ST_EQ(sb_stock_add(e, 1, 1), SB_OK);
    refused(BSN_A, NONE, SB_FULL);
    reschedule_ok(e, BSN_A, U, code);
}

Test(reschedule, answers_full_for_a_slot_without_a_free_place)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    /* Full of a booking. */
    book_ok(e, BSN_B, ONE, other);
    picture p = take_picture(BSN_A, code);
    refused(BSN_A, NONE, SB_FULL);
    refused(BSN_A, ONE, SB_FULL);
    same_picture(BSN_A, code, &p);
    /* Full of a live hold; until it runs out. */
    ST_EQ(sb_cancel(e, BSN_B), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, ONE), SB_OK);
    clk.now += HOLD_MS - 1;
    refused(BSN_A, ONE, SB_FULL);
    clk.now += 1;
    reschedule_ok(e, BSN_A, ONE, code);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_B, &b), SB_NOT_FOUND);
    ST_EQ(sb_confirm(e, BSN_B, other), SB_EXPIRED);
    SLOT_EQ(e, ONE, 1, 0, 1, 0, 0, 0);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reschedule, answers_nomem_after_65535_bookings_and_full_before)
{
    char code[SB_CODE_SIZE], last[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    /* Each move is a booking of its own: 65,534 more. */
    for (uint32_t i = 1; i < 65535u; i++) {
        sb_status st = sb_reschedule(e, BSN_A, i % 2 ? T : S, code);
        if (st != SB_OK)
            cr_assert_fail("move %u: %s", i, sb_status_name(st));
    }
    memcpy(last, code, sizeof last);
    picture p = take_picture(BSN_A, last);
    refused(BSN_A, NONE, SB_FULL);
    refused(BSN_A, T, SB_NOMEM);
    refused(BSN_A, U, SB_NOMEM);
    same_picture(BSN_A, last, &p);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, S);
    ST_EQ(sb_redeem(e, last, BSN_A), SB_OK);
}

/* ---- what a move does --------------------------------------------------- */

Test(reschedule, moves_the_booking_with_a_new_code)
{
    char old[SB_CODE_SIZE], fresh[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, old);
    memset(fresh, 'z', sizeof fresh);
    ST_EQ(sb_reschedule(e, BSN_A, T, fresh), SB_OK);
    cr_assert(code_well_formed(fresh), "code '%.*s'", SB_CODE_SIZE, fresh);
    cr_assert_str_neq(old, fresh);
    sb_booking b;
    memset(&b, 0, sizeof b);
    ST_EQ(sb_verify(e, fresh, BSN_A, &b), SB_OK);
    cr_assert_eq(b.bsn, BSN_A);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    cr_assert(b.slot.location == T.location && b.slot.day == T.day && b.slot.window == T.window);
    ST_EQ(sb_verify(e, old, BSN_A, NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, old, BSN_A), SB_CANCELLED);
    ST_EQ(sb_verify(e, fresh, BSN_B, NULL), SB_WRONG_HOLDER);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, T);
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, 0u);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
    /* The new code is the one redeemed at the desk. */
    ST_EQ(sb_redeem(e, fresh, BSN_A), SB_OK);
    SLOT_EQ(e, T, 3, 0, 0, 1, 0, 2);
    ST_EQ(sb_verify(e, old, BSN_A, NULL), SB_CANCELLED);
}

Test(reschedule, moves_the_counters_of_both_slots)
{
    char code[SB_CODE_SIZE];
    book_ok(e, bsn_nth(0), S, code);
    book_ok(e, bsn_nth(1), S, code);
    ST_EQ(sb_reserve(e, bsn_nth(2), S), SB_OK);
    book_ok(e, bsn_nth(3), U, code);
    SLOT_EQ(e, S, 3, 1, 2, 0, 0, 0);
    SLOT_EQ(e, U, 3, 0, 1, 0, 0, 2);
    reschedule_ok(e, bsn_nth(0), U, code);
    SLOT_EQ(e, S, 3, 1, 1, 0, 0, 1);
    SLOT_EQ(e, U, 3, 0, 2, 0, 0, 1);
    reschedule_ok(e, bsn_nth(1), U, code);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    SLOT_EQ(e, U, 3, 0, 3, 0, 0, 0);
    reschedule_ok(e, bsn_nth(3), S, code);
    SLOT_EQ(e, S, 3, 1, 1, 0, 0, 1);
    SLOT_EQ(e, U, 3, 0, 2, 0, 0, 1);
    /* The hold in S was not touched. */
    LOOKUP_EQ(e, bsn_nth(2), SB_STATE_HELD, S);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reschedule, gives_the_old_place_to_the_next_person)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    book_ok(e, BSN_A, ONE, code);
    ST_EQ(sb_book(e, BSN_B, ONE, other), SB_FULL);
    reschedule_ok(e, BSN_A, S, code);
    book_ok(e, BSN_B, ONE, other);
    SLOT_EQ(e, ONE, 1, 0, 1, 0, 0, 0);
    /* And back is full now. */
    refused(BSN_A, ONE, SB_FULL);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, S);
}

Test(reschedule, works_from_a_closed_location)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    reschedule_ok(e, BSN_A, U, code);
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, U);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(reschedule, keeps_every_earlier_code_cancelled)
{
    enum { N = 12 };
    char codes[N][SB_CODE_SIZE];
    const sb_slot ring[3] = {S, T, U};
    book_ok(e, BSN_A, S, codes[0]);
    for (int i = 1; i < N; i++)
        reschedule_ok(e, BSN_A, ring[i % 3], codes[i]);
    for (int i = 0; i < N; i++) {
        ST_EQ(sb_verify(e, codes[i], BSN_A, NULL), i == N - 1 ? SB_OK : SB_CANCELLED);
        for (int j = i + 1; j < N; j++)
            cr_assert_str_neq(codes[i], codes[j]);
    }
    LOOKUP_EQ(e, BSN_A, SB_STATE_BOOKED, ring[(N - 1) % 3]);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, U, 3, 0, 1, 0, 0, 2);
    /* Cancelled for ever: after a cancel and a new booking too. */
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    char fresh[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, fresh);
    for (int i = 0; i < N; i++)
        ST_EQ(sb_verify(e, codes[i], BSN_A, NULL), SB_CANCELLED);
}

Test(reschedule, counts_its_calls_in_the_stats)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    reschedule_ok(e, BSN_A, T, code);
    refused(BSN_A, T, SB_DUPLICATE);
    refused(BSN_B, T, SB_NOT_FOUND);
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.outcomes[SB_OP_RESCHEDULE][SB_OK], 1u);
    cr_assert_eq(st.outcomes[SB_OP_RESCHEDULE][SB_DUPLICATE], 1u);
    cr_assert_eq(st.outcomes[SB_OP_RESCHEDULE][SB_NOT_FOUND], 1u);
    cr_assert_eq(st.calls[SB_OP_RESCHEDULE], 3u);
}

/* ---- release_delay_ms ---------------------------------------------------- */

Test(reschedule_delay, keeps_the_old_place_pending_then_returns_it)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    reschedule_ok(e, BSN_A, T, code);
    SLOT_EQ(e, S, 3, 0, 0, 0, 1, 2);
    SLOT_EQ(e, T, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
    /* Pending in none of the others: one place of ONE cannot be reused. */
    book_ok(e, BSN_B, ONE, code);
    reschedule_ok(e, BSN_B, U, code);
    SLOT_EQ(e, ONE, 1, 0, 0, 0, 1, 0);
    ST_EQ(sb_reserve(e, bsn_nth(0), ONE), SB_FULL);
    /* The delay is at most release_delay_ms. */
    clk.now += DELAY;
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, ONE, 1, 0, 0, 0, 0, 1);
    ST_EQ(sb_reserve(e, bsn_nth(0), ONE), SB_OK);
    sb_expire(e);
    SLOT_EQ(e, S, 3, 0, 0, 0, 0, 3);
    SLOT_EQ(e, T, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(reschedule_delay, returns_the_old_place_at_once_when_every_seat_is_live)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = DELAY;
    o.holds_per_slot = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_reserve(e, BSN_B, S), SB_OK); /* the one seat of S */
    reschedule_ok(e, BSN_A, T, code);
    SLOT_EQ(e, S, 3, 1, 0, 0, 0, 2);
    SLOT_EQ(e, T, 3, 0, 1, 0, 0, 2);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}
