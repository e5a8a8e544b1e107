/*
 * Slots (lib/slots.c): capacity counters, hold seats, expiry, pending
 * releases and reads.  Each test opens a small engine on a fake clock and
 * calls the slot internals on it; holds are made with the public calls so
 * that their owners' person words are real.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "internal.h"

#define FIRST_DAY 19174 /* 2022-07-01 */
#define NO_SEAT UINT32_MAX

static _Atomic uint64_t fake_ms = 1000000; /* the caller's clock */

static uint64_t
fake_read(void *ctx)
{
    (void)ctx;
    return atomic_load(&fake_ms);
}

/* Engine time: ms since sb_open(). */
static void
set_time(sb_engine *e, uint64_t ms)
{
    atomic_store(&fake_ms, e->clock.epoch_ms + ms);
}

static uint64_t
now_of(sb_engine *e)
{
    return sb__clock_now(&e->clock);
}

typedef struct setup {
    uint32_t days, hold_ms, release_delay_ms, holds_per_slot;
} setup;

static sb_engine *
engine(setup s)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = FIRST_DAY;
    o.days = s.days ? s.days : 4;
    o.max_people = 256;
    o.hold_ms = s.hold_ms ? s.hold_ms : 100;
    o.release_delay_ms = s.release_delay_ms;
    o.holds_per_slot = s.holds_per_slot ? s.holds_per_slot : 8;
    for (int i = 0; i < 32; i++)
        o.code_key[i] = (uint8_t)(i + 1);
    o.clock_ms = fake_read;
    sb_engine *e;
    cr_assert_eq(sb_open(&o, &e), SB_OK);
    cr_assert_eq(sb_location_open(e, 0), SB_OK);
    return e;
}

static sb_slot
slot_on(uint32_t day)
{
    return (sb_slot){0, 0, FIRST_DAY + (int32_t)day};
}

static uint32_t
index_of(sb_engine *e, uint32_t day)
{
    uint32_t i = sb__slot_index(e, slot_on(day));
    cr_assert_neq(i, UINT32_MAX);
    return i;
}

/* A slot (by day) with `places` released; its index. */
static uint32_t
slot_with(sb_engine *e, uint32_t day, uint32_t places)
{
    cr_assert_eq(sb_release(e, slot_on(day), places), SB_OK);
    return index_of(e, day);
}

/* The i-th valid BSN from 100000000 up. */
static uint32_t
person(uint32_t i)
{
    static uint32_t cache[256];
    static uint32_t known = 0;
    cr_assert_lt(i, 256);
    while (known <= i) {
        uint32_t b = known ? cache[known - 1] + 1 : 100000000u;
        while (!sb_bsn_valid(b))
            b++;
        cache[known++] = b;
    }
    return cache[i];
}

static uint32_t
taken_of(sb_engine *e, uint32_t idx)
{
    return (uint32_t)atomic_load(&e->slots[idx].cw);
}

typedef struct expect {
    uint32_t capacity, held, booked, pending, free;
} expect;

/* sb__slot_read at the engine's time equals want; sb__slot_has_free agrees
 * with free, and the public read gives the same answer. */
static void
assert_slot(sb_engine *e, uint32_t idx, expect want)
{
    uint64_t now = now_of(e);
    sb_slot_info got;
    memset(&got, 0xa5, sizeof got);
    sb__slot_read(e, idx, now, &got);
    cr_assert_eq(got.capacity, want.capacity, "capacity %u, want %u", got.capacity, want.capacity);
    cr_assert_eq(got.held, want.held, "held %u, want %u", got.held, want.held);
    cr_assert_eq(got.booked, want.booked, "booked %u, want %u", got.booked, want.booked);
    cr_assert_eq(got.redeemed, 0);
    cr_assert_eq(got.pending, want.pending, "pending %u, want %u", got.pending, want.pending);
    cr_assert_eq(got.free, want.free, "free %u, want %u", got.free, want.free);
    cr_assert_eq(sb__slot_has_free(e, idx, now), want.free > 0);
    sb_slot_info pub;
    cr_assert_eq(sb_slot_read(e, sb__slot_of(e, idx), &pub), SB_OK);
    cr_assert_eq(memcmp(&pub, &got, sizeof pub), 0);
}

/* The deadline of the slot's pending seat; UINT64_MAX when it has none. */
static uint64_t
pending_until(sb_engine *e, uint32_t idx)
{
    uint64_t until = UINT64_MAX;
    for (uint32_t k = 0; k < e->seats_per_slot; k++) {
        uint64_t s = atomic_load(&e->seats[idx * e->seats_per_slot + k]);
        if (seat_tag(s) == SEAT_PENDING) {
            cr_assert_eq(until, UINT64_MAX, "one pending seat expected");
            until = seat_deadline(s);
        }
    }
    return until;
}

/* ---- counting places ---------------------------------------------------- */

Test(slots, taking_places_counts_up_to_capacity_then_answers_full)
{
    sb_engine *e = engine((setup){0});
    uint32_t idx = slot_with(e, 0, 3);
    sb_place pl;
    for (uint32_t i = 0; i < 3; i++) {
        memset(&pl, 0xff, sizeof pl);
        cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_OK);
        cr_assert_eq(pl.slot, idx);
        cr_assert_eq(pl.seat, NO_SEAT, "a counted place takes no seat");
        cr_assert_eq(taken_of(e, idx), i + 1);
    }
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    cr_assert_eq(taken_of(e, idx), 3);
    /* places taken but never handed to a person are in no counter but taken */
    assert_slot(e, idx, (expect){.capacity = 3, .free = 0});
    sb_close(e);
}

Test(slots, a_release_or_a_returned_place_makes_room_for_one_more)
{
    sb_engine *e = engine((setup){0});
    uint32_t idx = slot_with(e, 1, 2);
    sb_place a, b, c;
    cr_assert_eq(sb__place_take(e, idx, 0, &a), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, 0, &b), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, 0, &c), SB_FULL);
    cr_assert_eq(sb_release(e, slot_on(1), 1), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, 0, &c), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, 0, &c), SB_FULL);
    sb__place_return(e, &a);
    assert_slot(e, idx, (expect){.capacity = 3, .free = 1});
    cr_assert_eq(sb__place_take(e, idx, 0, &a), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, 0, &c), SB_FULL);
    cr_assert_eq(taken_of(e, idx), 3);
    sb_close(e);
}

Test(slots, a_slot_without_releases_is_always_full)
{
    sb_engine *e = engine((setup){0});
    uint32_t idx = index_of(e, 2);
    sb_place pl;
    cr_assert_eq(sb__place_take(e, idx, 0, &pl), SB_FULL);
    set_time(e, 1000000);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    assert_slot(e, idx, (expect){0});
    cr_assert_eq(sb_release(e, slot_on(2), 0), SB_OK);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    sb_close(e);
}

Test(slots, places_of_one_slot_leave_the_others_alone)
{
    sb_engine *e = engine((setup){0});
    uint32_t a = slot_with(e, 0, 1), b = slot_with(e, 3, 1);
    sb_place pl;
    cr_assert_eq(sb__place_take(e, a, 0, &pl), SB_OK);
    cr_assert_eq(sb__place_take(e, a, 0, &pl), SB_FULL);
    assert_slot(e, b, (expect){.capacity = 1, .free = 1});
    cr_assert_eq(sb__place_take(e, b, 0, &pl), SB_OK);
    cr_assert_eq(pl.slot, b);
    sb_close(e);
}

/* ---- hold seats --------------------------------------------------------- */

Test(slots, a_seated_place_counts_as_held_until_its_deadline)
{
    sb_engine *e = engine((setup){0});
    uint32_t idx = slot_with(e, 0, 3);
    sb_place pl;
    cr_assert_eq(sb__place_take(e, idx, 0, &pl), SB_OK);
    cr_assert_eq(sb__place_seat(e, &pl, 5, 0, 250, 0), SB_OK);
    cr_assert_neq(pl.seat, NO_SEAT);
    cr_assert_eq(pl.seat / e->seats_per_slot, idx, "the seat belongs to the slot");
    uint64_t s = atomic_load(&e->seats[pl.seat]);
    cr_assert_eq(seat_tag(s), SEAT_HOLD);
    cr_assert_eq(seat_owner(s), 5);
    cr_assert_eq(seat_deadline(s), 250);
    assert_slot(e, idx, (expect){.capacity = 3, .held = 1, .free = 2});
    set_time(e, 249);
    assert_slot(e, idx, (expect){.capacity = 3, .held = 1, .free = 2});
    set_time(e, 250);
    assert_slot(e, idx, (expect){.capacity = 3, .held = 0, .free = 3});
    cr_assert_eq(taken_of(e, idx), 1, "counted as free, reclaimed by nobody yet");
    sb_close(e);
}

Test(slots, seats_are_looked_for_from_the_hint)
{
    sb_engine *e = engine((setup){.holds_per_slot = 8});
    uint32_t idx = slot_with(e, 0, 3);
    sb_place a, b, c;
    cr_assert_eq(sb__place_take(e, idx, 0, &a), SB_OK);
    cr_assert_eq(sb__place_seat(e, &a, 1, 0, 100, 5), SB_OK);
    cr_assert_eq(a.seat, idx * 8 + 5);
    cr_assert_eq(sb__place_take(e, idx, 0, &b), SB_OK);
    cr_assert_eq(sb__place_seat(e, &b, 2, 0, 100, 13), SB_OK); /* 13 % 8 == 5: taken, so 6 */
    cr_assert_eq(b.seat, idx * 8 + 6);
    cr_assert_eq(sb__place_take(e, idx, 0, &c), SB_OK);
    cr_assert_eq(sb__place_seat(e, &c, 3, 0, 100, 7), SB_OK);
    cr_assert_eq(c.seat, idx * 8 + 7);
    assert_slot(e, idx, (expect){.capacity = 3, .held = 3, .free = 0});
    sb_close(e);
}

Test(slots, with_every_seat_holding_a_live_hold_no_place_is_seated)
{
    sb_engine *e = engine((setup){.holds_per_slot = 2});
    uint32_t idx = slot_with(e, 0, 5);
    sb_place pl;
    for (uint32_t i = 0; i < 2; i++) {
        cr_assert_eq(sb__place_take(e, idx, 0, &pl), SB_OK);
        cr_assert_eq(sb__place_seat(e, &pl, i, 0, 100, 0), SB_OK);
    }
    cr_assert_eq(sb__place_take(e, idx, 0, &pl), SB_OK);
    cr_assert_eq(sb__place_seat(e, &pl, 9, 0, 100, 0), SB_NOMEM);
    cr_assert_eq(taken_of(e, idx), 2, "the place went back");
    assert_slot(e, idx, (expect){.capacity = 5, .held = 2, .free = 3});
    sb_close(e);
}

Test(slots, reserves_fill_a_slot_and_their_holds_read_as_held)
{
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 3);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(sb_reserve(e, person(i), slot_on(0)), SB_OK);
        assert_slot(e, idx, (expect){.capacity = 3, .held = i + 1, .free = 2 - i});
    }
    cr_assert_eq(sb_reserve(e, person(3), slot_on(0)), SB_FULL);
    sb_place pl;
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    sb_close(e);
}

/* ---- expiry ------------------------------------------------------------- */

Test(slots, an_expired_hold_makes_a_full_slot_takeable_again)
{
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 2);
    cr_assert_eq(sb_reserve(e, person(0), slot_on(0)), SB_OK);
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK);
    sb_place a, b, c;
    set_time(e, 99);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &a), SB_FULL);
    set_time(e, 100);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &a), SB_OK);
    cr_assert_neq(a.seat, NO_SEAT, "the place of a dead hold is taken over");
    cr_assert_eq(a.seat / e->seats_per_slot, idx);
    cr_assert_eq(seat_tag(atomic_load(&e->seats[a.seat])), SEAT_BUSY);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &b), SB_OK);
    cr_assert_neq(b.seat, NO_SEAT);
    cr_assert_neq(b.seat, a.seat);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &c), SB_FULL);
    cr_assert_eq(taken_of(e, idx), 2, "a takeover moves a place, it adds none");
    /* Both owners lost their holds for good. */
    char code[SB_CODE_SIZE];
    sb_booking bk;
    for (uint32_t i = 0; i < 2; i++) {
        uint32_t n = sb__people_find(&e->people, person(i));
        cr_assert_eq(pw_state(atomic_load(&e->people.word[n])), PS_EXPIRED);
        cr_assert_eq(sb_confirm(e, person(i), code), SB_EXPIRED);
        cr_assert_eq(sb_lookup(e, person(i), &bk), SB_NOT_FOUND);
    }
    sb__place_return(e, &a);
    sb__place_return(e, &b);
    cr_assert_eq(atomic_load(&e->seats[a.seat]), 0);
    assert_slot(e, idx, (expect){.capacity = 2, .free = 2});
    sb_close(e);
}

Test(slots, a_taken_over_seat_holds_its_new_owner)
{
    sb_engine *e = engine((setup){.hold_ms = 100, .holds_per_slot = 1});
    uint32_t idx = slot_with(e, 0, 1);
    cr_assert_eq(sb_reserve(e, person(0), slot_on(0)), SB_OK);
    set_time(e, 150);
    /* With one seat, the next reserve must take the dead hold's seat over. */
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK);
    assert_slot(e, idx, (expect){.capacity = 1, .held = 1, .free = 0});
    uint64_t s = atomic_load(&e->seats[idx]);
    cr_assert_eq(seat_tag(s), SEAT_HOLD);
    cr_assert_eq(seat_owner(s), sb__people_find(&e->people, person(1)));
    cr_assert_eq(seat_deadline(s), 250);
    set_time(e, 249);
    cr_assert_eq(sb_reserve(e, person(2), slot_on(0)), SB_FULL);
    set_time(e, 250);
    cr_assert_eq(sb_reserve(e, person(2), slot_on(0)), SB_OK);
    sb_close(e);
}

Test(slots, a_read_counts_expired_holds_as_free_before_any_sweep)
{
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 5);
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(sb_reserve(e, person(i), slot_on(0)), SB_OK);
    cr_assert_eq(sb_book(e, person(3), slot_on(0), code), SB_OK);
    assert_slot(e, idx, (expect){.capacity = 5, .held = 3, .booked = 1, .free = 1});
    set_time(e, 99);
    assert_slot(e, idx, (expect){.capacity = 5, .held = 3, .booked = 1, .free = 1});
    set_time(e, 100);
    assert_slot(e, idx, (expect){.capacity = 5, .held = 0, .booked = 1, .free = 4});
    cr_assert_eq(taken_of(e, idx), 4);
    /* the sweep reclaims the three holds, and the read does not change */
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 3);
    cr_assert_eq(taken_of(e, idx), 1);
    assert_slot(e, idx, (expect){.capacity = 5, .held = 0, .booked = 1, .free = 4});
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 0);
    sb_close(e);
}

Test(slots, a_sweep_reclaims_only_holds_past_their_deadline)
{
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 4);
    cr_assert_eq(sb_reserve(e, person(0), slot_on(0)), SB_OK); /* deadline 100 */
    set_time(e, 40);
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK); /* deadline 140 */
    set_time(e, 99);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 0);
    set_time(e, 100);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 1);
    assert_slot(e, idx, (expect){.capacity = 4, .held = 1, .free = 3});
    set_time(e, 139);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 0);
    set_time(e, 140);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 1);
    cr_assert_eq(taken_of(e, idx), 0);
    assert_slot(e, idx, (expect){.capacity = 4, .free = 4});
    sb_close(e);
}

Test(slots, a_full_slot_answers_full_until_its_earliest_hold_runs_out)
{
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 2);
    cr_assert_eq(sb_reserve(e, person(0), slot_on(0)), SB_OK); /* deadline 100 */
    set_time(e, 50);
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK); /* deadline 150 */
    sb_place pl;
    for (uint64_t t = 50; t < 100; t++) {
        set_time(e, t);
        cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL, "t %llu",
                     (unsigned long long)t);
        cr_assert_eq(sb__slot_has_free(e, idx, now_of(e)), false);
    }
    set_time(e, 100);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_OK);
    cr_assert_neq(pl.seat, NO_SEAT);
    sb__place_return(e, &pl);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_OK);
    cr_assert_eq(pl.seat, NO_SEAT, "the returned place is counted again");
    /* Full again; the next deadline is the second hold's. */
    for (uint64_t t = 100; t < 150; t++) {
        set_time(e, t);
        cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL, "t %llu",
                     (unsigned long long)t);
    }
    set_time(e, 150);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_OK);
    cr_assert_neq(pl.seat, NO_SEAT);
    sb_close(e);
}

Test(slots, a_stale_deadline_bound_left_by_a_cancel_still_finds_the_later_hold)
{
    /* After a cancel the slot's lower bound on deadlines is stale; the slot
     * must still find the later hold when it runs out. */
    sb_engine *e = engine((setup){.hold_ms = 100});
    uint32_t idx = slot_with(e, 0, 1);
    cr_assert_eq(sb_reserve(e, person(0), slot_on(0)), SB_OK); /* deadline 100 */
    cr_assert_eq(sb_cancel(e, person(0)), SB_OK);
    set_time(e, 60);
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK); /* deadline 160 */
    sb_place pl;
    set_time(e, 120); /* past the stale bound: a scan finds the live hold */
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    assert_slot(e, idx, (expect){.capacity = 1, .held = 1, .free = 0});
    set_time(e, 159);
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_FULL);
    set_time(e, 160);
    assert_slot(e, idx, (expect){.capacity = 1, .held = 0, .free = 1});
    cr_assert_eq(sb_reserve(e, person(2), slot_on(0)), SB_OK);
    sb_close(e);
}

/* ---- delayed releases --------------------------------------------------- */

Test(slots, a_cancelled_place_is_pending_until_its_moment_then_free)
{
    enum { SLOTS = 16, DELAY = 1000 };
    sb_engine *e = engine((setup){.days = SLOTS, .hold_ms = 100000, .release_delay_ms = DELAY});
    uint32_t idx[SLOTS];
    uint64_t until[SLOTS];
    char code[SB_CODE_SIZE];
    int delayed = 0;
    set_time(e, 10);
    for (uint32_t d = 0; d < SLOTS; d++) {
        idx[d] = slot_with(e, d, 1);
        /* half the slots cancel a hold, half a booking */
        if (d % 2)
            cr_assert_eq(sb_reserve(e, person(d), slot_on(d)), SB_OK);
        else
            cr_assert_eq(sb_book(e, person(d), slot_on(d), code), SB_OK);
        cr_assert_eq(sb_cancel(e, person(d)), SB_OK);
        until[d] = pending_until(e, idx[d]);
        if (until[d] == UINT64_MAX) {
            until[d] = 10; /* its moment was now: back at once */
        } else {
            cr_assert_gt(until[d], 10);
            cr_assert_leq(until[d], 10 + DELAY);
            delayed++;
        }
    }
    cr_assert_gt(delayed, 0, "the random moments cannot all be now");
    for (uint64_t t = 10; t <= 10 + DELAY + 1; t++) {
        set_time(e, t);
        for (uint32_t d = 0; d < SLOTS; d++) {
            uint32_t pending = t < until[d];
            assert_slot(e, idx[d], (expect){.capacity = 1, .pending = pending, .free = !pending});
        }
    }
    sb_close(e);
}

Test(slots, a_pending_place_is_refused_until_its_moment_then_taken)
{
    enum { SLOTS = 8, DELAY = 500 };
    sb_engine *e = engine((setup){.days = SLOTS, .release_delay_ms = DELAY});
    uint32_t idx[SLOTS];
    uint64_t until[SLOTS];
    for (uint32_t d = 0; d < SLOTS; d++) {
        idx[d] = slot_with(e, d, 1);
        cr_assert_eq(sb_reserve(e, person(d), slot_on(d)), SB_OK);
        cr_assert_eq(sb_cancel(e, person(d)), SB_OK);
        until[d] = pending_until(e, idx[d]);
    }
    int checked = 0;
    for (uint64_t t = 0; t <= DELAY; t++) {
        set_time(e, t);
        for (uint32_t d = 0; d < SLOTS; d++) {
            if (until[d] == UINT64_MAX || until[d] < t)
                continue; /* released at once, or done */
            sb_status want = t < until[d] ? SB_FULL : SB_OK;
            cr_assert_eq(sb_reserve(e, person(100 + d), slot_on(d)), want, "slot %u, t %llu", d,
                         (unsigned long long)t);
            if (want == SB_OK) {
                assert_slot(e, idx[d], (expect){.capacity = 1, .held = 1});
                cr_assert_eq(pending_until(e, idx[d]), UINT64_MAX);
                checked++;
            }
        }
    }
    cr_assert_gt(checked, 0);
    sb_close(e);
}

Test(slots, a_sweep_returns_due_pending_places)
{
    sb_engine *e = engine((setup){.release_delay_ms = 300});
    uint32_t idx = slot_with(e, 0, 1);
    uint64_t until = UINT64_MAX;
    /* retry with new people until a cancel's moment is not now */
    for (uint32_t i = 0; until == UINT64_MAX; i++) {
        cr_assert_lt(i, 50);
        cr_assert_eq(sb_reserve(e, person(i), slot_on(0)), SB_OK);
        cr_assert_eq(sb_cancel(e, person(i)), SB_OK);
        until = pending_until(e, idx);
    }
    cr_assert_eq(taken_of(e, idx), 1, "a pending place stays taken");
    set_time(e, until - 1);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 0);
    cr_assert_eq(taken_of(e, idx), 1);
    set_time(e, until);
    cr_assert_eq(sb__slot_expire(e, idx, now_of(e)), 0, "pending places are not holds");
    cr_assert_eq(taken_of(e, idx), 0);
    cr_assert_eq(pending_until(e, idx), UINT64_MAX);
    assert_slot(e, idx, (expect){.capacity = 1, .free = 1});
    sb_close(e);
}

Test(slots, a_cancelled_booking_with_no_seat_to_wait_in_returns_at_once)
{
    sb_engine *e = engine((setup){.holds_per_slot = 1, .release_delay_ms = 100000});
    uint32_t idx = slot_with(e, 0, 2);
    char code[SB_CODE_SIZE];
    cr_assert_eq(sb_book(e, person(0), slot_on(0), code), SB_OK);
    cr_assert_eq(sb_reserve(e, person(1), slot_on(0)), SB_OK); /* the only seat */
    cr_assert_eq(sb_cancel(e, person(0)), SB_OK);
    assert_slot(e, idx, (expect){.capacity = 2, .held = 1, .free = 1});
    /* a place is free, but no seat for a second hold */
    cr_assert_eq(sb_reserve(e, person(2), slot_on(0)), SB_NOMEM);
    assert_slot(e, idx, (expect){.capacity = 2, .held = 1, .free = 1});
    sb_place pl;
    cr_assert_eq(sb__place_take(e, idx, now_of(e), &pl), SB_OK);
    sb_close(e);
}

/* ---- a sweep and a reserve interleaved ---------------------------------- */

/*
 * This file stands in for lib/stats.c (the three functions below), so that
 * sb__stat_expired, which sb__seat_expire calls right after it took a dead
 * hold's seat, can run another call at that very point: a deterministic
 * schedule of two threads, the second running a whole call between two
 * steps of the first.
 */
static void (*on_expired)(void);

void
sb__stat(sb_engine *e, sb_op op, sb_status st)
{
    (void)e;
    (void)op;
    (void)st;
}

void
sb__stat_expired(sb_engine *e, uint64_t n)
{
    (void)e;
    (void)n;
    void (*run)(void) = on_expired;
    on_expired = NULL;
    if (run)
        run();
}

void
sb_stats_read(sb_engine *e, sb_stats *out)
{
    (void)e;
    if (out)
        memset(out, 0, sizeof *out);
}

/* The i-th valid BSN from 100000000 on. */
static uint32_t
person_nth(uint32_t i)
{
    for (uint32_t b = 100000000u;; b++)
        if (sb_bsn_valid(b) && i-- == 0)
            return b;
}

static struct {
    sb_engine *e;
    uint32_t bsn;
    sb_status st;
} interloper;

static void
interloper_reserves(void)
{
    interloper.st = sb_reserve(interloper.e, interloper.bsn, slot_on(0));
}

Test(slots, a_hold_made_while_a_sweep_runs_is_not_lost_by_the_sweep)
{
    /*
     * Slot of 2 places, 8 seats.  A takes seat 0 and D seat 1 (reserves fill
     * the lowest vacant seat); A cancels.  D's hold runs out at 100.  At 100
     * sb_expire sweeps the slot: it reads seat 0 (vacant), then reclaims
     * seat 1; just then W reserves and gets seat 0 with deadline 200.  The
     * sweep then finishes having seen no live hold.  W's hold must still be
     * counted while it lives and reclaimed once it runs out.
     */
    enum { SEATS = 8 };
    sb_engine *e = engine((setup){.hold_ms = 100, .holds_per_slot = SEATS});
    uint32_t idx = slot_with(e, 0, 2);
    uint32_t a = person_nth(0), d = person_nth(1), w = person_nth(2);
    cr_assert_eq(sb_reserve(e, a, slot_on(0)), SB_OK);
    cr_assert_eq(sb_reserve(e, d, slot_on(0)), SB_OK);
    cr_assert_eq(seat_owner(atomic_load(&e->seats[idx * SEATS + 1])),
                 sb__people_find(&e->people, d));
    cr_assert_eq(sb_cancel(e, a), SB_OK);
    cr_assert_eq(atomic_load(&e->seats[idx * SEATS]), 0, "seat 0 is vacant again");

    set_time(e, 100);
    interloper.e = e;
    interloper.bsn = w;
    interloper.st = SB_INVALID_ARG;
    on_expired = interloper_reserves;
    cr_assert_eq(sb_expire(e), 1, "D's hold is reclaimed");
    cr_assert_null(on_expired, "W reserved during the sweep");
    cr_assert_eq(interloper.st, SB_OK);
    uint64_t s0 = atomic_load(&e->seats[idx * SEATS]);
    cr_assert_eq(seat_tag(s0), SEAT_HOLD, "W's hold is in seat 0");
    cr_assert_eq(seat_deadline(s0), 200);
    sb_booking b;
    cr_assert_eq(sb_lookup(e, w, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_HELD);

    /* Non-fatal from here on, so the log shows every consequence. */
    sb_slot_info info;
    sb__slot_read(e, idx, now_of(e), &info);
    cr_expect_eq(info.held, 1, "while W's hold lives: held %u, want 1", info.held);
    cr_expect_eq(info.free, 1, "while W's hold lives: free %u, want 1", info.free);

    set_time(e, 200); /* W's hold ran out */
    sb__slot_read(e, idx, now_of(e), &info);
    cr_expect_eq(info.free, 2, "after W's deadline: free %u, want 2", info.free);
    cr_expect_eq(sb__slot_has_free(e, idx, now_of(e)), true);
    size_t reclaimed = sb_expire(e);
    cr_expect_eq(reclaimed, 1, "after W's deadline sb_expire reclaimed %zu, want 1", reclaimed);
    sb_status x = sb_reserve(e, person_nth(3), slot_on(0));
    sb_status y = sb_reserve(e, person_nth(4), slot_on(0));
    cr_expect_eq(x, SB_OK, "first reserve after W's deadline: %s", sb_status_name(x));
    cr_expect_eq(y, SB_OK, "second reserve after W's deadline: %s (W's dead hold blocks it)",
                 sb_status_name(y));
    sb_close(e);
}

Test(slots, reserves_fill_the_lowest_vacant_seat_and_scans_stop_at_the_last_seat_used)
{
    enum { SEATS = 16 };
    sb_engine *e = engine((setup){.hold_ms = 100, .holds_per_slot = SEATS});
    uint32_t idx = slot_with(e, 0, 10);
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(sb_reserve(e, person_nth(i), slot_on(0)), SB_OK);
    cr_assert_eq(atomic_load(&e->slots[idx].seats_used), 3);
    cr_assert_eq(sb_cancel(e, person_nth(1)), SB_OK);
    cr_assert_eq(sb_reserve(e, person_nth(3), slot_on(0)), SB_OK);
    cr_assert_eq(seat_owner(atomic_load(&e->seats[idx * SEATS + 1])),
                 sb__people_find(&e->people, person_nth(3)), "the vacant seat 1 is reused");
    cr_assert_eq(atomic_load(&e->slots[idx].seats_used), 3, "no seat past 2 was needed");
    /* Reads, which scan only the seats used, see all three holds. */
    sb_slot_info info;
    sb__slot_read(e, idx, now_of(e), &info);
    cr_assert_eq(info.held, 3);
    cr_assert_eq(info.free, 7);
    sb_close(e);
}
