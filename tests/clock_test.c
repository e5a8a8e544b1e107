/*
 * The engine's clock (lib/clock.c): ms since initialisation, never going
 * backwards, clamped at SB_MAX_TIME_MS; driven here by a fake clock.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"

typedef struct fake_clock {
    _Atomic uint64_t ms;
    _Atomic uint64_t reads;
} fake_clock;

static uint64_t
fake_read(void *ctx)
{
    fake_clock *f = ctx;
    atomic_fetch_add(&f->reads, 1);
    return atomic_load(&f->ms);
}

static void
fake_set(fake_clock *f, uint64_t ms)
{
    atomic_store(&f->ms, ms);
}

Test(clock, starts_at_zero_at_initialisation)
{
    fake_clock f = {1700000000000u, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    cr_assert_eq(c.epoch_ms, 1700000000000u);
    cr_assert_eq(sb__clock_now(&c), 0);
    fake_set(&f, 1700000000250u);
    cr_assert_eq(sb__clock_now(&c), 250);
}

Test(clock, reads_the_callers_clock_with_its_context_on_every_call)
{
    fake_clock f = {5, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    uint64_t before = atomic_load(&f.reads);
    for (int i = 0; i < 10; i++)
        sb__clock_now(&c);
    cr_assert_eq(atomic_load(&f.reads), before + 10);
}

Test(clock, never_goes_backwards_when_the_callers_clock_does)
{
    fake_clock f = {10000, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    fake_set(&f, 10500);
    cr_assert_eq(sb__clock_now(&c), 500);
    fake_set(&f, 10200);
    cr_assert_eq(sb__clock_now(&c), 500);
    fake_set(&f, 10500);
    cr_assert_eq(sb__clock_now(&c), 500);
    fake_set(&f, 10501);
    cr_assert_eq(sb__clock_now(&c), 501);
    /* Back to before the epoch: still the largest time seen. */
    fake_set(&f, 3);
    cr_assert_eq(sb__clock_now(&c), 501);
    fake_set(&f, 0);
    cr_assert_eq(sb__clock_now(&c), 501);
}

Test(clock, a_clock_behind_the_epoch_from_the_start_reads_zero)
{
    fake_clock f = {10000, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    fake_set(&f, 9000);
    cr_assert_eq(sb__clock_now(&c), 0);
    fake_set(&f, 10000);
    cr_assert_eq(sb__clock_now(&c), 0);
    fake_set(&f, 10001);
    cr_assert_eq(sb__clock_now(&c), 1);
}

Test(clock, a_jittering_clock_gives_its_running_maximum)
{
    fake_clock f = {1000, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    uint64_t x = 0x9e3779b97f4a7c15u, max = 0;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t rel = (uint64_t)i * 3 + x % 400; /* drifts up, jumps back up to 400 ms */
        fake_set(&f, 1000 + rel);
        if (rel > max)
            max = rel;
        cr_assert_eq(sb__clock_now(&c), max, "step %d", i);
    }
}

Test(clock, clamps_at_the_largest_representable_time)
{
    fake_clock f = {777, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    fake_set(&f, 777 + SB_MAX_TIME_MS - 1);
    cr_assert_eq(sb__clock_now(&c), SB_MAX_TIME_MS - 1);
    fake_set(&f, 777 + SB_MAX_TIME_MS);
    cr_assert_eq(sb__clock_now(&c), SB_MAX_TIME_MS);
    fake_set(&f, 777 + SB_MAX_TIME_MS + 1);
    cr_assert_eq(sb__clock_now(&c), SB_MAX_TIME_MS);
    fake_set(&f, UINT64_MAX);
    cr_assert_eq(sb__clock_now(&c), SB_MAX_TIME_MS);
    fake_set(&f, 778);
    cr_assert_eq(sb__clock_now(&c), SB_MAX_TIME_MS);
}

Test(clock, the_clamped_time_fits_a_seat_deadline)
{
    uint64_t s = seat_make(SEAT_HOLD, SB_MAX_PEOPLE - 1u, SB_MAX_TIME_MS);
    cr_assert_eq(seat_deadline(s), SB_MAX_TIME_MS);
    cr_assert_eq(seat_owner(s), SB_MAX_PEOPLE - 1u);
    cr_assert_eq(seat_tag(s), SEAT_HOLD);
}

Test(clock, without_a_callers_clock_reads_the_wall_clock)
{
    uint64_t wall = sb__wall_ms();
    sb_clock c;
    sb__clock_init(&c, NULL, NULL);
    cr_assert_not_null(c.fn);
    /* The epoch is the wall clock at initialisation (a generous minute either way). */
    cr_assert_geq(c.epoch_ms + 60000, wall);
    cr_assert_leq(c.epoch_ms, wall + 60000);
    cr_assert_gt(wall, UINT64_C(1600000000000)); /* after September 2020 */
    uint64_t a = sb__clock_now(&c), b = sb__clock_now(&c);
    cr_assert_lt(a, 60000);
    cr_assert_geq(b, a);
}

Test(clock, an_engine_reports_hold_deadlines_on_the_callers_clock)
{
    fake_clock f = {50000, 0};
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = 0;
    o.days = 1;
    o.max_people = 16;
    o.hold_ms = 1000;
    o.clock_ms = fake_read;
    o.clock_ctx = &f;
    sb_engine *e;
    cr_assert_eq(sb_open(&o, &e), SB_OK);
    cr_assert_eq(e->clock.epoch_ms, 50000);
    sb_slot s = {0, 0, 0};
    cr_assert_eq(sb_location_open(e, 0), SB_OK);
    cr_assert_eq(sb_release(e, s, 1), SB_OK);
    fake_set(&f, 50300);
    cr_assert_eq(sb_reserve(e, 111222333, s), SB_OK);
    sb_booking b;
    cr_assert_eq(sb_lookup(e, 111222333, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, 51300);
    /* The caller's clock steps back: the engine's time stays put, the hold
     * stays live and its deadline does not move. */
    fake_set(&f, 40000);
    cr_assert_eq(sb__clock_now(&e->clock), 300);
    cr_assert_eq(sb_lookup(e, 111222333, &b), SB_OK);
    cr_assert_eq(b.deadline_ms, 51300);
    fake_set(&f, 51299);
    cr_assert_eq(sb_lookup(e, 111222333, &b), SB_OK);
    fake_set(&f, 51300);
    cr_assert_eq(sb_lookup(e, 111222333, &b), SB_NOT_FOUND);
    /* and once past, a step back does not revive it */
    fake_set(&f, 50500);
    cr_assert_eq(sb_lookup(e, 111222333, &b), SB_NOT_FOUND);
    sb_close(e);
}

/* Threads read a clock that another thread moves forward and back; each
 * thread's readings must never decrease, and none exceeds the largest time
 * the fake clock showed. */
typedef struct race {
    sb_clock *c;
    fake_clock *f;
    _Atomic int stop;
    _Atomic int backwards;
    _Atomic uint64_t largest_shown;
} race;

static void *
reader(void *arg)
{
    race *r = arg;
    uint64_t last = 0;
    while (!atomic_load(&r->stop)) {
        uint64_t now = sb__clock_now(r->c);
        if (now < last || now > atomic_load(&r->largest_shown))
            atomic_store(&r->backwards, 1);
        last = now;
    }
    return NULL;
}

Test(clock, concurrent_readers_never_see_time_go_backwards)
{
    fake_clock f = {0, 0};
    sb_clock c;
    sb__clock_init(&c, fake_read, &f);
    race r = {&c, &f, 0, 0, 0};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, reader, &r), 0);
    for (uint64_t step = 1; step <= 200000; step++) {
        uint64_t ms = step % 3 == 0 ? step / 2 : step; /* every third step jumps back */
        if (ms > atomic_load(&r.largest_shown))
            atomic_store(&r.largest_shown, ms);
        fake_set(&f, ms);
    }
    atomic_store(&r.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&r.backwards), 0);
    cr_assert_eq(sb__clock_now(&c), atomic_load(&r.largest_shown));
}
