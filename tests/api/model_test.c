/*
 * Model-based test: long random sequences of calls from seeds 1 to 20,
 * each checked step by step against the reference model (tests/model/,
 * whose top comment says what it follows and how), and at the end by
 * sb_audit, every lookup, every code issued, every walk and the stats.
 * Then deterministic checks the random sequences cannot make: delayed
 * releases, the clock, and the lifetime ceilings.  Uses <slotbook.h> only.
 *
 * Run with --verbose for what the sequences exercised: each call's
 * outcomes, the sweeps, walks, shelves, families and waiting-list events.
 * MODEL_TRACE=1 prints a failing sequence's last calls.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slotbook.h>

#include "helpers.h" /* fake_clock */
#include "model.h"
#include "splitmix.h" /* bench/: the generator's random source */

#define STEPS 20000
#define MAX_GEN 65535u
#define CLOCK_START UINT64_C(1650000000000) /* spring 2022, in ms */

static int32_t first_day; /* 2022-03-14 */

static void
log_coverage(uint64_t seeds, const model_cover *c)
{
    for (int op = 0; op < SB_OP_COUNT; op++) {
        char line[1024];
        int o = snprintf(line, sizeof line, "%s:", sb_op_name((sb_op)op));
        for (int s = 0; s < SB_STATS_STATUSES && o < (int)sizeof line; s++)
            if (c->tally[op][s])
                o += snprintf(line + o, sizeof line - (size_t)o, " %s %" PRIu64,
                              sb_status_name((sb_status)s), c->tally[op][s]);
        cr_log_info("%" PRIu64 " sequences, %s", seeds, line);
    }
    cr_log_info("%" PRIu64 " sequences, sb_expire: %" PRIu64 " sweeps (%" PRIu64
                " to settle dead holds), %" PRIu64 " holds reclaimed, %" PRIu64
                " counts known exactly, %" PRIu64 " found dead holds taken over or replaced",
                seeds, c->sweeps[0], c->settles, c->sweeps[1], c->sweeps[2], c->sweeps[3]);
    cr_log_info("%" PRIu64 " sequences, sb_each_booking: %" PRIu64 " walks, %" PRIu64
                " bookings shown; sb_stock_read: %" PRIu64 " answers exact, %" PRIu64
                " within bounds",
                seeds, c->walks[0], c->walks[1], c->shelves[1], c->shelves[0]);
    cr_log_info("%" PRIu64 " sequences, families: %" PRIu64 " booked, %" PRIu64
                " members; freed places given to the waiting list: %" PRIu64
                ", not for want of a sticker: %" PRIu64 ", of the location closed: %" PRIu64,
                seeds, c->families[0], c->families[1], c->offers[0], c->offers[1], c->offers[2]);
    char line[1024];
    int o = 0;
    for (int k = 0; k < MODEL_EVENTS && o < (int)sizeof line; k++)
        o += snprintf(line + o, sizeof line - (size_t)o, "%s%s %" PRIu64, k ? ", " : "",
                      model_event_names[k], c->events[k]);
    cr_log_info("%" PRIu64 " sequences, %s", seeds, line);
}

static void
run_seeds(uint64_t first, uint64_t n)
{
    model_cover *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    int failures = 0;
    char first_msg[2048] = "";
    for (uint64_t seed = first; seed < first + n; seed++) {
        const char *msg = model_run_seed(seed, STEPS, c);
        if (msg) {
            cr_log_error("%s", msg);
            if (failures++ == 0)
                snprintf(first_msg, sizeof first_msg, "%s", msg);
        }
    }
    log_coverage(n, c);
    free(c);
    cr_assert_eq(failures, 0, "%d of %" PRIu64 " sequences disagreed with the model; first: %s",
                 failures, n, first_msg);
}

Test(model, random_sequences_from_seeds_1_to_5_agree_with_the_model, .timeout = 240)
{
    run_seeds(1, 5);
}

Test(model, random_sequences_from_seeds_6_to_10_agree_with_the_model, .timeout = 240)
{
    run_seeds(6, 5);
}

Test(model, random_sequences_from_seeds_11_to_15_agree_with_the_model, .timeout = 240)
{
    run_seeds(11, 5);
}

Test(model, random_sequences_from_seeds_16_to_20_agree_with_the_model, .timeout = 240)
{
    run_seeds(16, 5);
}

/* ---- deterministic checks the random sequences cannot make ------------------ */

typedef struct small {
    fake_clock clock;
    sb_engine *e;
    uint32_t bsn[256];
    rng r;
} small;

static void
small_open(small *s, uint16_t windows, uint32_t hold_ms, uint32_t release_delay_ms)
{
    memset(s, 0, sizeof *s);
    first_day = sb_day_from_civil(2022, 3, 14);
    s->r.s = 42;
    s->clock.now = CLOCK_START;
    for (int i = 0; i < 256; i++) {
        bool dup;
        do {
            do /* nine digits passing the 11-check */
                s->bsn[i] = (uint32_t)rbelow(&s->r, 1000000000u);
            while (!sb_bsn_valid(s->bsn[i]));
            dup = false;
            for (int j = 0; j < i; j++)
                dup |= s->bsn[j] == s->bsn[i];
        } while (dup);
    }
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = first_day;
    o.days = 1;
    o.windows_per_day = windows;
    o.max_people = 256;
    o.hold_ms = hold_ms;
    o.release_delay_ms = release_delay_ms;
    o.clock_ms = fake_clock_ms;
    o.clock_ctx = &s->clock;
    cr_assert_eq(sb_open(&o, &s->e), SB_OK);
    cr_assert_eq(sb_location_open(s->e, 0), SB_OK);
}

static sb_slot_info
small_read(small *s, sb_slot slot)
{
    sb_slot_info in;
    cr_assert_eq(sb_slot_read(s->e, slot, &in), SB_OK);
    return in;
}

/* Cancels `n` places of `slot` at one instant (bookings, or live holds when
 * `holds`), then walks the clock to cancel time + delay: the places wait as
 * pending, become free one way only, and are all free at the bound. */
static void
watch_delayed_release(small *s, sb_slot slot, int first, int n, bool holds, uint32_t delay)
{
    char codes[64][SB_CODE_SIZE];
    cr_assert_eq(sb_release(s->e, slot, (uint32_t)n), SB_OK);
    for (int i = 0; i < n; i++) {
        if (holds)
            cr_assert_eq(sb_reserve(s->e, s->bsn[first + i], slot), SB_OK);
        else
            cr_assert_eq(sb_book(s->e, s->bsn[first + i], slot, codes[i]), SB_OK);
    }
    sb_slot_info in = small_read(s, slot);
    cr_assert_eq(in.free, 0);
    s->clock.now += 10;
    uint64_t t = s->clock.now;
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_cancel(s->e, s->bsn[first + i]), SB_OK);
    for (int i = 0; i < n; i++) {
        sb_booking b;
        cr_assert_eq(sb_lookup(s->e, s->bsn[first + i], &b), SB_NOT_FOUND);
        if (!holds)
            cr_assert_eq(sb_verify(s->e, codes[i], s->bsn[first + i], NULL), SB_CANCELLED);
    }
    uint32_t last_free = 0;
    bool waited = false;
    for (;;) {
        in = small_read(s, slot);
        cr_assert_eq(in.capacity, (uint32_t)n);
        cr_assert_eq(in.held + in.booked + in.redeemed, 0,
                     "at +%" PRIu64 " ms the cancelled places are still held or booked",
                     s->clock.now - t);
        cr_assert_eq(in.free + in.pending, (uint32_t)n,
                     "at +%" PRIu64 " ms: free %" PRIu32 " + pending %" PRIu32 " != %d",
                     s->clock.now - t, in.free, in.pending, n);
        cr_assert_geq(in.free, last_free, "a place went from free back to pending");
        last_free = in.free;
        waited |= in.pending > 0;
        sb_slot next;
        sb_status nf = sb_next_free(s->e, 0, first_day, &next);
        if (in.free > 0)
            cr_assert_eq(nf, SB_OK);
        if (s->clock.now >= t + delay)
            break;
        if (rchance(&s->r, 300))
            cr_assert_eq(sb_expire(s->e), 0, "no hold ran out, none may be reclaimed");
        s->clock.now += 1 + rbelow(&s->r, 40);
        if (s->clock.now > t + delay)
            s->clock.now = t + delay;
    }
    cr_assert_eq(in.pending, 0, "places still pending at cancel time + release_delay_ms");
    cr_assert_eq(in.free, (uint32_t)n);
    cr_assert(waited, "all %d places came back at the instant of the cancel: no delay", n);
    /* and they can be taken */
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_reserve(s->e, s->bsn[first + i], slot), SB_OK);
    cr_assert_eq(small_read(s, slot).free, 0);
}

Test(model, cancelled_places_wait_as_pending_and_are_free_by_cancel_time_plus_the_delay)
{
    small s;
    uint32_t delay = 2000;
    small_open(&s, 3, 600000, delay);
    sb_slot a = {0, 0, first_day}, b = {0, 1, first_day}, c = {0, 2, first_day};
    watch_delayed_release(&s, a, 0, 40, false, delay); /* bookings */
    watch_delayed_release(&s, b, 40, 30, true, delay); /* live holds */

    /* A reserve meanwhile succeeds exactly when slot_read shows a free place. */
    char code[SB_CODE_SIZE];
    int n = 5;
    cr_assert_eq(sb_release(s.e, c, (uint32_t)n), SB_OK);
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_book(s.e, s.bsn[100 + i], c, code), SB_OK);
    s.clock.now += 10;
    uint64_t t = s.clock.now;
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_cancel(s.e, s.bsn[100 + i]), SB_OK);
    int next = 200, taken = 0;
    for (;;) {
        sb_slot_info in = small_read(&s, c);
        cr_assert_eq(in.held, (uint32_t)taken);
        cr_assert_eq(in.free + in.pending + in.held, (uint32_t)n);
        sb_status st = sb_reserve(s.e, s.bsn[next], c);
        cr_assert_eq(st, in.free > 0 ? SB_OK : SB_FULL,
                     "at +%" PRIu64 " ms slot_read said free %" PRIu32 ", reserve answered %s",
                     s.clock.now - t, in.free, sb_status_name(st));
        if (st == SB_OK) {
            taken++;
            next++;
        }
        if (s.clock.now >= t + delay)
            break;
        s.clock.now += 1 + rbelow(&s.r, 60);
        if (s.clock.now > t + delay)
            s.clock.now = t + delay;
    }
    /* at the bound every place is back: the rest can be reserved now */
    while (taken < n) {
        cr_assert_eq(sb_reserve(s.e, s.bsn[next++], c), SB_OK);
        taken++;
    }
    cr_assert_eq(sb_reserve(s.e, s.bsn[next], c), SB_FULL);
    cr_assert_eq(sb_audit(s.e, NULL, NULL, 0), SB_OK);
    sb_close(s.e);
}

Test(model, the_engine_uses_the_largest_time_it_has_seen)
{
    small s;
    uint32_t hold = 1000;
    small_open(&s, 1, hold, 0);
    sb_slot a = {0, 0, first_day};
    sb_booking bk;
    char code[SB_CODE_SIZE];
    cr_assert_eq(sb_release(s.e, a, 3), SB_OK);
    uint64_t t = s.clock.now += 100;
    cr_assert_eq(sb_reserve(s.e, s.bsn[0], a), SB_OK);
    s.clock.now = t - 50; /* backwards */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_OK);
    cr_assert_eq(bk.state, SB_STATE_HELD);
    cr_assert_eq(bk.deadline_ms, t + hold);
    s.clock.now = t + hold - 1;
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_OK);
    s.clock.now = t; /* backwards again: still t + hold - 1 for the engine */
    cr_assert_eq(sb_slot_read(s.e, a, &(sb_slot_info){0}), SB_OK);
    s.clock.now = t + hold; /* the hold runs out */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_NOT_FOUND);
    s.clock.now = t + 10; /* back before the deadline: it stays out */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_NOT_FOUND);
    cr_assert_eq(sb_confirm(s.e, s.bsn[0], code), SB_EXPIRED);
    cr_assert_eq(sb_cancel(s.e, s.bsn[0]), SB_NOT_FOUND);
    sb_slot_info in = small_read(&s, a);
    cr_assert_eq(in.held, 0);
    cr_assert_eq(in.free, 3);
    /* a new hold runs from the largest time seen, not the clock's reading */
    cr_assert_eq(sb_reserve(s.e, s.bsn[1], a), SB_OK);
    cr_assert_eq(sb_lookup(s.e, s.bsn[1], &bk), SB_OK);
    cr_assert_eq(bk.deadline_ms, t + hold + hold);
    cr_assert_eq(sb_expire(s.e), 1);
    sb_close(s.e);
}

Test(model, a_person_may_book_65535_times_and_then_gets_nomem)
{
    small s;
    small_open(&s, 2, 600000, 0);
    sb_slot a = {0, 0, first_day}, b = {0, 1, first_day};
    uint32_t p = s.bsn[0];
    char first[SB_CODE_SIZE], code[SB_CODE_SIZE];
    cr_assert_eq(sb_release(s.e, a, 1), SB_OK);
    cr_assert_eq(sb_book(s.e, p, a, first), SB_OK);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    for (uint32_t i = 2; i < MAX_GEN; i++) {
        sb_status st = (i & 1) ? sb_book(s.e, p, a, code) : sb_reserve(s.e, p, a);
        cr_assert_eq(st, SB_OK, "booking number %" PRIu32 ": %s", i, sb_status_name(st));
        if (!(i & 1))
            cr_assert_eq(sb_confirm(s.e, p, code), SB_OK, "booking number %" PRIu32, i);
        cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    }
    cr_assert_eq(sb_book(s.e, p, a, code), SB_OK, "booking number 65535");
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_OK);
    /* a reschedule would be booking number 65536: refused, nothing moves */
    char moved[SB_CODE_SIZE];
    memset(moved, '#', sizeof moved);
    cr_assert_eq(sb_release(s.e, b, 1), SB_OK);
    cr_assert_eq(sb_reschedule(s.e, p, b, moved), SB_NOMEM);
    cr_assert_eq(moved[0], '#', "sb_reschedule wrote a code on SB_NOMEM");
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_OK);
    cr_assert_eq(small_read(&s, a).booked, 1);
    cr_assert_eq(small_read(&s, b).free, 1);
    cr_assert_eq(sb_verify(s.e, first, p, NULL), SB_CANCELLED);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_CANCELLED);
    memset(first, '#', sizeof first);
    cr_assert_eq(sb_book(s.e, p, a, first), SB_NOMEM);
    cr_assert_eq(first[0], '#', "sb_book wrote a code on SB_NOMEM");
    cr_assert_eq(sb_reserve(s.e, p, a), SB_OK, "a hold is not a booking");
    cr_assert_eq(sb_confirm(s.e, p, first), SB_NOMEM);
    cr_assert_eq(first[0], '#', "sb_confirm wrote a code on SB_NOMEM");
    sb_booking bk;
    cr_assert_eq(sb_lookup(s.e, p, &bk), SB_OK);
    cr_assert_eq(bk.state, SB_STATE_HELD);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    cr_assert_eq(small_read(&s, a).free, 1);
    /* others are not affected */
    cr_assert_eq(sb_book(s.e, s.bsn[1], a, code), SB_OK);
    cr_assert_eq(sb_audit(s.e, NULL, NULL, 0), SB_OK);
    sb_close(s.e);
}

Test(model, a_shelf_holds_2_to_the_48_stickers_and_no_more)
{
    fake_clock clock = {CLOCK_START};
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 2;
    o.first_day = sb_day_from_civil(2022, 3, 14);
    o.days = 1;
    o.max_people = 16;
    o.use_stock = 1;
    o.clock_ms = fake_clock_ms;
    o.clock_ctx = &clock;
    sb_engine *e = NULL;
    cr_assert_eq(sb_open(&o, &e), SB_OK);
    const uint64_t most = UINT64_C(1) << 48;
    uint64_t n = 0;
    for (uint32_t i = 0; i < 65536; i++) /* 65,536 * (2^32 - 1) = 2^48 - 65,536 */
        cr_assert_eq(sb_stock_add(e, 0, UINT32_MAX), SB_OK, "add number %" PRIu32, i);
    cr_assert_eq(sb_stock_add(e, 0, 65537), SB_INVALID_ARG, "one past 2^48");
    cr_assert_eq(sb_stock_read(e, 0, &n), SB_OK);
    cr_assert_eq(n, most - 65536, "a refused add changed the shelf");
    cr_assert_eq(sb_stock_add(e, 0, 65536), SB_OK, "exactly 2^48");
    cr_assert_eq(sb_stock_add(e, 0, 1), SB_INVALID_ARG);
    cr_assert_eq(sb_stock_add(e, 0, 0), SB_OK);
    cr_assert_eq(sb_stock_read(e, 0, &n), SB_OK);
    cr_assert_eq(n, most);
    cr_assert_eq(sb_stock_read(e, 1, &n), SB_OK);
    cr_assert_eq(n, 0, "another location's shelf moved");
    sb_close(e);
}
