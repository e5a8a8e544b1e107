/*
 * API tests: sb_options_init, sb_open, sb_close, locations and sb_release.
 */
#include <time.h>

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
teardown(void)
{
    sb_close(e);
    e = NULL;
}

/* ---- sb_options_init ----------------------------------------------------- */

Test(options_init, fills_the_documented_defaults)
{
    sb_options o;
    memset(&o, 0x5a, sizeof o);
    sb_options_init(&o);
    int32_t today = (int32_t)(time(NULL) / 86400);
    cr_assert_eq(o.max_locations, 16u);
    cr_assert(o.first_day == today || o.first_day == today - 1 || o.first_day == today + 1,
              "first_day %d, today %d", o.first_day, today);
    cr_assert_eq(o.days, 120u);
    cr_assert_eq(o.windows_per_day, 1u);
    cr_assert_eq(o.max_people, 1u << 20);
    cr_assert_eq(o.hold_ms, 600000u);
    cr_assert_eq(o.release_delay_ms, 0u);
    cr_assert_eq(o.holds_per_slot, SB_HOLDS_AUTO);
    for (int i = 0; i < 32; i++)
        cr_assert_eq(o.code_key[i], 0, "code_key[%d]", i);
    cr_assert_null(o.clock_ms);
    cr_assert_null(o.clock_ctx);
    cr_assert_null(o.journal);
    cr_assert_eq(o.durable, SB_DURABLE_SYNC);
    cr_assert_eq(o.flush_ms, 5u);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(o.reserved[i], 0u);
}

Test(options_init, gives_options_that_open_an_engine)
{
    sb_options o;
    sb_options_init(&o);
    sb_engine *d = NULL;
    ST_EQ(sb_open(&o, &d), SB_OK);
    cr_assert_not_null(d);
    /* Today is inside the default horizon, at every location. */
    sb_slot s = {.location = 15, .window = 0, .day = o.first_day + 119};
    ST_EQ(sb_release(d, s, 1), SB_OK);
    ST_EQ(sb_location_open(d, 15), SB_OK);
    ST_EQ(sb_reserve(d, BSN_A, s), SB_OK);
    sb_close(d);
}

/* ---- sb_open -------------------------------------------------------------- */

Test(open, answers_invalid_arg_for_null_options)
{
    sb_engine *d = NULL;
    ST_EQ(sb_open(NULL, &d), SB_INVALID_ARG);
    cr_assert_null(d);
}

Test(open, answers_invalid_arg_for_a_null_out_pointer)
{
    sb_options o = test_options(&clk);
    ST_EQ(sb_open(&o, NULL), SB_INVALID_ARG);
}

static void
expect_refused(const sb_options *o, const char *what)
{
    sb_engine *d = NULL;
    sb_status st = sb_open(o, &d);
    cr_assert_eq(st, SB_INVALID_ARG, "%s: got %s", what, sb_status_name(st));
    cr_assert_null(d, "%s: an engine was handed out", what);
}

Test(open, answers_invalid_arg_for_each_zero_size)
{
    sb_options o;
    o = test_options(&clk);
    o.max_locations = 0;
    expect_refused(&o, "max_locations 0");
    o = test_options(&clk);
    o.days = 0;
    expect_refused(&o, "days 0");
    o = test_options(&clk);
    o.windows_per_day = 0;
    expect_refused(&o, "windows_per_day 0");
    o = test_options(&clk);
    o.max_people = 0;
    expect_refused(&o, "max_people 0");
    o = test_options(&clk);
    o.holds_per_slot = 0;
    expect_refused(&o, "holds_per_slot 0");
}

Test(open, answers_invalid_arg_for_hold_ms_zero)
{
    sb_options o = test_options(&clk);
    o.hold_ms = 0;
    expect_refused(&o, "hold_ms 0");
}

Test(open, answers_invalid_arg_for_each_size_over_its_limit)
{
    sb_options o;
    o = test_options(&clk);
    o.max_locations = 65537;
    expect_refused(&o, "max_locations 65537");
    o = test_options(&clk);
    o.days = 36601;
    expect_refused(&o, "days 36601");
    o = test_options(&clk);
    o.max_people = (1u << 24) + 1;
    expect_refused(&o, "max_people 2^24+1");
    o = test_options(&clk);
    o.holds_per_slot = 4097;
    expect_refused(&o, "holds_per_slot 4097");
    o = test_options(&clk);
    o.hold_ms = 2147483648u;
    expect_refused(&o, "hold_ms 2^31");
    /* 65536 * 257 * 1 slots > 2^24. */
    o = test_options(&clk);
    o.max_locations = 65536;
    o.days = 257;
    o.windows_per_day = 1;
    o.holds_per_slot = 1;
    expect_refused(&o, "more than 2^24 slots");
    /* 2^16 slots of 257 holds > 2^24 seats. */
    o = test_options(&clk);
    o.max_locations = 256;
    o.days = 256;
    o.windows_per_day = 1;
    o.holds_per_slot = 257;
    expect_refused(&o, "more than 2^24 seats");
}

Test(open, shares_the_seats_out_when_holds_per_slot_is_auto)
{
    /* 36,600 days of 6 windows: 219,600 slots, 2^24 / 219,600 = 76 seats
     * each (128 would pass 2^24 seats, so an explicit 128 is refused). */
    sb_options o = test_options(&clk);
    o.max_locations = 1;
    o.days = 36600;
    o.windows_per_day = 6;
    o.holds_per_slot = 128;
    expect_refused(&o, "128 seats for 219,600 slots");
    o.holds_per_slot = SB_HOLDS_AUTO;
    sb_engine *d = test_open(&o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_location_open(d, 0), SB_OK);
    ST_EQ(sb_release(d, s, 100), SB_OK);
    for (uint32_t i = 0; i < 76; i++)
        ST_EQ(sb_reserve(d, bsn_nth(i), s), SB_OK);
    ST_EQ(sb_reserve(d, bsn_nth(76), s), SB_NOMEM);
    sb_close(d);
}

Test(open, answers_invalid_arg_for_a_horizon_that_overflows_int32)
{
    sb_options o = test_options(&clk);
    o.first_day = INT32_MAX;
    o.days = 2;
    expect_refused(&o, "first_day INT32_MAX, 2 days");
}

Test(open, accepts_a_horizon_that_ends_on_the_last_int32_day)
{
    sb_options o = test_options(&clk);
    o.first_day = INT32_MAX - 1;
    o.days = 2;
    o.windows_per_day = 1;
    sb_engine *d = test_open(&o);
    sb_slot last = {.location = 0, .window = 0, .day = INT32_MAX};
    ST_EQ(sb_release(d, last, 1), SB_OK);
    ST_EQ(sb_location_open(d, 0), SB_OK);
    sb_slot out;
    ST_EQ(sb_next_free(d, 0, 0, &out), SB_OK);
    cr_assert_eq(out.day, INT32_MAX);
    ST_EQ(sb_reserve(d, BSN_A, last), SB_OK);
    sb_close(d);
}

Test(open, accepts_a_horizon_before_1970)
{
    sb_options o = test_options(&clk);
    o.first_day = sb_day_from_civil(1969, 12, 30);
    o.days = 3;
    cr_assert_eq(o.first_day, -2);
    sb_engine *d = test_open(&o);
    sb_slot s = {.location = 1, .window = 2, .day = -1};
    ST_EQ(sb_release(d, s, 1), SB_OK);
    ST_EQ(sb_location_open(d, 1), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(d, BSN_A, s, code);
    sb_booking b;
    ST_EQ(sb_verify(d, code, BSN_A, &b), SB_OK);
    cr_assert_eq(b.slot.day, -1);
    cr_assert_eq(b.slot.window, 2);
    cr_assert_eq(b.slot.location, 1);
    sb_close(d);
}

Test(open, accepts_every_size_at_its_limit_that_fits_in_memory)
{
    sb_options o = test_options(&clk);
    o.max_locations = 65536;
    o.days = 1;
    o.windows_per_day = 1;
    o.holds_per_slot = 1;
    o.hold_ms = 2147483647u;
    sb_engine *d = test_open(&o);
    sb_slot s = {.location = 65535, .window = 0, .day = DAY0};
    ST_EQ(sb_location_open(d, 65535), SB_OK);
    ST_EQ(sb_release(d, s, 1), SB_OK);
    ST_EQ(sb_reserve(d, BSN_A, s), SB_OK);
    sb_booking b;
    ST_EQ(sb_lookup(d, BSN_A, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, T0 + 2147483647u);
    sb_close(d);

    o = test_options(&clk);
    o.max_locations = 1;
    o.days = 1;
    o.windows_per_day = 65535;
    o.holds_per_slot = 1;
    d = test_open(&o);
    s = (sb_slot){.location = 0, .window = 65534, .day = DAY0};
    ST_EQ(sb_release(d, s, 1), SB_OK);
    sb_close(d);

    o = test_options(&clk);
    o.max_locations = 1;
    o.days = 36600;
    o.windows_per_day = 1;
    o.holds_per_slot = 1;
    d = test_open(&o);
    s = (sb_slot){.location = 0, .window = 0, .day = DAY0 + 36599};
    ST_EQ(sb_release(d, s, 1), SB_OK);
    sb_close(d);

    o = test_options(&clk);
    o.max_locations = 1;
    o.days = 1;
    o.windows_per_day = 1;
    o.holds_per_slot = 4096;
    o.max_people = 8192;
    d = test_open(&o);
    s = slot_at(0, 0, 0);
    ST_EQ(sb_location_open(d, 0), SB_OK);
    ST_EQ(sb_release(d, s, 5000), SB_OK);
    for (uint32_t i = 0; i < 4096; i++)
        ST_EQ(sb_reserve(d, bsn_nth(i), s), SB_OK);
    SLOT_EQ(d, s, 5000, 4096, 0, 0, 0, 904);
    sb_close(d);
}

Test(open, answers_ok_and_hands_out_an_engine)
{
    sb_options o = test_options(&clk);
    sb_engine *d = NULL;
    ST_EQ(sb_open(&o, &d), SB_OK);
    cr_assert_not_null(d);
    sb_stats s;
    sb_stats_read(d, &s);
    cr_assert_eq(s.people, 0u);
    cr_assert_eq(s.people_max, MAX_PEOPLE);
    ST_EQ(sb_audit(d, NULL, NULL, 0), SB_OK);
    sb_close(d);
}

Test(open, copies_the_options)
{
    sb_options o = test_options(&clk);
    sb_engine *d = test_open(&o);
    o.max_locations = 1;
    o.days = 1;
    o.hold_ms = 1;
    sb_slot s = slot_at(3, 9, 2);
    ST_EQ(sb_location_open(d, 3), SB_OK);
    ST_EQ(sb_release(d, s, 1), SB_OK);
    ST_EQ(sb_reserve(d, BSN_A, s), SB_OK);
    clk.now = T0 + 2;
    sb_booking b;
    ST_EQ(sb_lookup(d, BSN_A, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, T0 + HOLD_MS);
    sb_close(d);
}

Test(open, makes_engines_that_are_independent)
{
    sb_options o = test_options(&clk);
    sb_engine *a = test_open(&o), *b = test_open(&o);
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_location_open(a, 0), SB_OK);
    ST_EQ(sb_release(a, s, 1), SB_OK);
    ST_EQ(sb_reserve(a, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(b, BSN_A, s), SB_CLOSED);
    ST_EQ(sb_location_open(b, 0), SB_OK);
    ST_EQ(sb_reserve(b, BSN_A, s), SB_FULL);
    sb_booking bk;
    ST_EQ(sb_lookup(b, BSN_A, &bk), SB_NOT_FOUND);
    sb_close(a);
    sb_close(b);
}

/* ---- sb_close ------------------------------------------------------------- */

Test(close, of_null_is_a_no_op)
{
    sb_close(NULL);
    sb_options o = test_options(&clk);
    sb_engine *d = test_open(&o);
    sb_close(NULL);
    ST_EQ(sb_location_open(d, 0), SB_OK);
    sb_close(d);
}

/* ---- status strings -------------------------------------------------------- */

Test(status, str_and_name_are_never_null)
{
    for (int s = 0; s < SB_STATUS_COUNT + 3; s++) {
        cr_assert_not_null(sb_status_str((sb_status)s));
        cr_assert_not_null(sb_status_name((sb_status)s));
    }
    cr_assert_str_eq(sb_status_name(SB_WRONG_HOLDER), "SB_WRONG_HOLDER");
    cr_assert_str_eq(sb_status_name((sb_status)999), "SB_UNKNOWN");
    cr_assert_str_eq(sb_status_str((sb_status)999), "unknown status");
}

/* ---- locations ------------------------------------------------------------ */

Test(location, every_location_starts_closed, .init = setup, .fini = teardown)
{
    for (uint16_t l = 0; l < LOCATIONS; l++) {
        sb_slot s = slot_at(l, 0, 0);
        ST_EQ(sb_release(e, s, 5), SB_OK);
        ST_EQ(sb_reserve(e, BSN_A, s), SB_CLOSED);
        char code[SB_CODE_SIZE];
        ST_EQ(sb_book(e, BSN_A, s, code), SB_CLOSED);
        sb_slot out;
        ST_EQ(sb_next_free(e, l, DAY0, &out), SB_CLOSED);
    }
}

Test(location, open_lets_reservations_in, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(2, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_location_open(e, 2), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    /* Only that location. */
    ST_EQ(sb_release(e, slot_at(1, 0, 0), 5), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, slot_at(1, 0, 0)), SB_CLOSED);
}

Test(location, open_is_idempotent, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_CLOSED);
}

Test(location, close_is_idempotent, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK); /* already closed */
    ST_EQ(sb_reserve(e, BSN_A, s), SB_CLOSED);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_CLOSED);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
}

Test(location, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_location_open(NULL, 0), SB_INVALID_ARG);
    ST_EQ(sb_location_close(NULL, 0), SB_INVALID_ARG);
}

Test(location, answers_invalid_arg_for_an_unknown_location, .init = setup, .fini = teardown)
{
    ST_EQ(sb_location_open(e, LOCATIONS), SB_INVALID_ARG);
    ST_EQ(sb_location_close(e, LOCATIONS), SB_INVALID_ARG);
    ST_EQ(sb_location_open(e, UINT16_MAX), SB_INVALID_ARG);
    ST_EQ(sb_location_close(e, UINT16_MAX), SB_INVALID_ARG);
    /* Nothing else was opened by it. */
    for (uint16_t l = 0; l < LOCATIONS; l++) {
        sb_slot out;
        ST_EQ(sb_next_free(e, l, DAY0, &out), SB_CLOSED);
    }
}

Test(location, closing_keeps_existing_bookings_and_holds_working, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(1, 2, 1);
    ST_EQ(sb_release(e, s, 5), SB_OK);
    ST_EQ(sb_location_open(e, 1), SB_OK);
    char a[SB_CODE_SIZE], b[SB_CODE_SIZE], c[SB_CODE_SIZE];
    book_ok(e, bsn_nth(0), s, a);
    book_ok(e, bsn_nth(1), s, b);
    ST_EQ(sb_reserve(e, bsn_nth(2), s), SB_OK);
    ST_EQ(sb_reserve(e, bsn_nth(3), s), SB_OK);
    ST_EQ(sb_location_close(e, 1), SB_OK);

    sb_booking bk;
    ST_EQ(sb_lookup(e, bsn_nth(0), &bk), SB_OK);
    cr_assert_eq(bk.state, SB_STATE_BOOKED);
    ST_EQ(sb_verify(e, a, bsn_nth(0), NULL), SB_OK);
    ST_EQ(sb_redeem(e, a, bsn_nth(0)), SB_OK);
    ST_EQ(sb_cancel(e, bsn_nth(1)), SB_OK);
    ST_EQ(sb_confirm(e, bsn_nth(2), c), SB_OK);
    ST_EQ(sb_cancel(e, bsn_nth(3)), SB_OK);
    SLOT_EQ(e, s, 5, 0, 1, 1, 0, 3);
    /* The places freed by cancelling are not offered while closed. */
    ST_EQ(sb_reserve(e, bsn_nth(4), s), SB_CLOSED);
    ST_EQ(sb_book(e, bsn_nth(1), s, b), SB_CLOSED);
}

Test(location, reopening_accepts_reservations_again, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(3, 9, 2);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_location_open(e, 3), SB_OK);
    ST_EQ(sb_location_close(e, 3), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_CLOSED);
    ST_EQ(sb_location_open(e, 3), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
}

/* ---- sb_release ----------------------------------------------------------- */

Test(release, answers_invalid_arg_for_a_null_engine)
{
    ST_EQ(sb_release(NULL, slot_at(0, 0, 0), 1), SB_INVALID_ARG);
}

Test(release, answers_invalid_arg_for_a_slot_outside_the_engine, .init = setup, .fini = teardown)
{
    ST_EQ(sb_release(e, slot_at(LOCATIONS, 0, 0), 1), SB_INVALID_ARG);
    ST_EQ(sb_release(e, slot_at(UINT16_MAX, 0, 0), 1), SB_INVALID_ARG);
    ST_EQ(sb_release(e, slot_at(0, -1, 0), 1), SB_INVALID_ARG);
    ST_EQ(sb_release(e, slot_at(0, DAYS, 0), 1), SB_INVALID_ARG);
    ST_EQ(sb_release(e, (sb_slot){.location = 0, .window = 0, .day = INT32_MIN}, 1),
          SB_INVALID_ARG);
    ST_EQ(sb_release(e, (sb_slot){.location = 0, .window = 0, .day = INT32_MAX}, 1),
          SB_INVALID_ARG);
    ST_EQ(sb_release(e, slot_at(0, 0, WINDOWS), 1), SB_INVALID_ARG);
    ST_EQ(sb_release(e, slot_at(0, 0, UINT16_MAX), 1), SB_INVALID_ARG);
    /* Nothing landed anywhere. */
    sb_audit_report r;
    ST_EQ(sb_audit(e, &r, NULL, 0), SB_OK);
    cr_assert_eq(r.capacity, 0u);
}

Test(release, accepts_the_first_and_last_day_and_window, .init = setup, .fini = teardown)
{
    sb_slot first = slot_at(0, 0, 0), last = slot_at(LOCATIONS - 1, DAYS - 1, WINDOWS - 1);
    ST_EQ(sb_release(e, first, 2), SB_OK);
    ST_EQ(sb_release(e, last, 3), SB_OK);
    SLOT_EQ(e, first, 2, 0, 0, 0, 0, 2);
    SLOT_EQ(e, last, 3, 0, 0, 0, 0, 3);
}

Test(release, is_allowed_on_a_closed_location, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(1, 4, 0);
    ST_EQ(sb_release(e, s, 7), SB_OK);
    SLOT_EQ(e, s, 7, 0, 0, 0, 0, 7);
    ST_EQ(sb_location_open(e, 1), SB_OK);
    ST_EQ(sb_location_close(e, 1), SB_OK);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    SLOT_EQ(e, s, 8, 0, 0, 0, 0, 8);
}

Test(release, of_zero_places_is_allowed_and_changes_nothing, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(0, 1, 1);
    ST_EQ(sb_release(e, s, 0), SB_OK);
    SLOT_EQ(e, s, 0, 0, 0, 0, 0, 0);
    ST_EQ(sb_release(e, s, 4), SB_OK);
    ST_EQ(sb_release(e, s, 0), SB_OK);
    SLOT_EQ(e, s, 4, 0, 0, 0, 0, 4);
}

Test(release, adds_up_and_touches_only_its_slot, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(2, 3, 1);
    ST_EQ(sb_release(e, s, 3), SB_OK);
    ST_EQ(sb_release(e, s, 4), SB_OK);
    SLOT_EQ(e, s, 7, 0, 0, 0, 0, 7);
    SLOT_EQ(e, slot_at(2, 3, 0), 0, 0, 0, 0, 0, 0);
    SLOT_EQ(e, slot_at(2, 3, 2), 0, 0, 0, 0, 0, 0);
    SLOT_EQ(e, slot_at(2, 2, 1), 0, 0, 0, 0, 0, 0);
    SLOT_EQ(e, slot_at(1, 3, 1), 0, 0, 0, 0, 0, 0);
}

Test(release, up_to_uint32_max_is_allowed, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, UINT32_MAX - 1), SB_OK);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    SLOT_EQ(e, s, UINT32_MAX, 0, 0, 0, 0, UINT32_MAX);
    ST_EQ(sb_release(e, s, 0), SB_OK);
}

Test(release, past_uint32_max_answers_invalid_arg_and_changes_nothing, .init = setup,
     .fini = teardown)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_release(e, s, 10), SB_OK);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, s, code);
    ST_EQ(sb_release(e, s, UINT32_MAX - 9), SB_INVALID_ARG);
    ST_EQ(sb_release(e, s, UINT32_MAX), SB_INVALID_ARG);
    SLOT_EQ(e, s, 10, 0, 1, 0, 0, 9);
    ST_EQ(sb_release(e, s, UINT32_MAX - 10), SB_OK);
    SLOT_EQ(e, s, UINT32_MAX, 0, 1, 0, 0, UINT32_MAX - 1);
    ST_EQ(sb_release(e, s, 1), SB_INVALID_ARG);
    SLOT_EQ(e, s, UINT32_MAX, 0, 1, 0, 0, UINT32_MAX - 1);
}

Test(release, of_more_places_lets_more_people_in, .init = setup, .fini = teardown)
{
    sb_slot s = slot_at(0, 0, 0);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_FULL);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_A, s), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_FULL);
    ST_EQ(sb_release(e, s, 1), SB_OK);
    ST_EQ(sb_reserve(e, BSN_B, s), SB_OK);
    SLOT_EQ(e, s, 2, 2, 0, 0, 0, 0);
}

Test(calendar, day0_of_the_tests_is_2022_07_01)
{
    cr_assert_eq(sb_day_from_civil(2022, 7, 1), DAY0);
    cr_assert_eq(sb_day_from_civil(1970, 1, 1), 0);
}
