/*
 * Churn: holds expire while their owners confirm them, expired places are
 * taken over by the next reserve, cancelled places wait for a delayed
 * release, and seats run short (holds_per_slot is tiny), all on a handful
 * of people racing each other on two cores.
 *
 * Checked while running: the statuses each call may give; sb_slot_read
 * keeps its invariants.  Checked at the end, after time passes every
 * deadline: sb_audit; every slot's free places equal capacity - booked -
 * redeemed (no place lost or counted twice); the people booked there equal
 * the counters; the stats count exactly the calls made.
 */
#include "stress.h"

#define WORKERS 3
#define PEOPLE 48
#define SLOTS 3
#define CAPACITY 6

typedef struct worker {
    sb_engine *e;
    uint64_t rng;
    double until;
    uint64_t calls;
} worker;

static uint32_t *bsns;
static sb_slot slots[SLOTS];

static void
one_call(worker *w)
{
    uint32_t bsn = bsns[rng_below(&w->rng, PEOPLE)];
    sb_slot slot = slots[rng_below(&w->rng, SLOTS)];
    char code[SB_CODE_SIZE];
    sb_slot_info info;
    sb_status st;
    switch (rng_below(&w->rng, 8)) {
    case 0:
    case 1:
        st = sb_reserve(w->e, bsn, slot);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE || st == SB_NOMEM, "reserve: %s",
              sb_status_name(st));
        break;
    case 2:
    case 3:
        st = sb_confirm(w->e, bsn, code);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_EXPIRED || st == SB_DUPLICATE,
              "confirm: %s", sb_status_name(st));
        break;
    case 4:
        st = sb_book(w->e, bsn, slot, code);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE, "book: %s", sb_status_name(st));
        break;
    case 5:
        st = sb_cancel(w->e, bsn);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "cancel: %s", sb_status_name(st));
        break;
    case 6:
        st = sb_slot_read(w->e, slot, &info);
        CHECK(st == SB_OK, "slot_read: %s", sb_status_name(st));
        slot_info_ok(&info);
        break;
    default:
        if (rng_below(&w->rng, 4) == 0)
            sb_expire(w->e);
        atomic_fetch_add(&stress_clock_ms, rng_below(&w->rng, 3));
        w->calls--; /* not a counted call */
        break;
    }
    w->calls++;
}

static void *
work(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int i = 0; i < 256; i++)
            one_call(w);
    return NULL;
}

static void
final_checks(sb_engine *e, uint64_t calls)
{
    atomic_fetch_add(&stress_clock_ms, 100000);
    sb_expire(e);
    audit_ok(e, "after the churn");
    unsigned booked[SLOTS] = {0};
    for (unsigned p = 0; p < PEOPLE; p++) {
        sb_booking b;
        if (sb_lookup(e, bsns[p], &b) == SB_OK) {
            CHECK(b.state == SB_STATE_BOOKED, "person %u in state %d", p, (int)b.state);
            booked[b.slot.day - slots[0].day]++;
        }
    }
    for (int k = 0; k < SLOTS; k++) {
        sb_slot_info i;
        CHECK(sb_slot_read(e, slots[k], &i) == SB_OK, "slot_read");
        CHECK(i.capacity == CAPACITY && i.held == 0 && i.pending == 0 && i.redeemed == 0 &&
                  i.booked == booked[k] && i.free == CAPACITY - i.booked,
              "slot %d: capacity %u held %u pending %u booked %u (people %u) free %u", k,
              i.capacity, i.held, i.pending, i.booked, booked[k], i.free);
    }
    sb_stats s;
    sb_stats_read(e, &s);
    uint64_t counted = s.calls[SB_OP_RESERVE] + s.calls[SB_OP_CONFIRM] + s.calls[SB_OP_BOOK] +
                       s.calls[SB_OP_CANCEL] + s.calls[SB_OP_SLOT_READ];
    CHECK(counted == calls + SLOTS, "stats count %" PRIu64 " calls, made %" PRIu64, counted,
          calls + SLOTS);
}

int
main(void)
{
    uint64_t seed = stress_seed();
    printf("churn stress: seed %" PRIu64 ", %d workers, %.1f s\n", seed, WORKERS, stress_seconds());
    bsns = make_bsns(PEOPLE);
    sb_options o;
    sb_options_init(&o);
    o.first_day = 19174;
    o.days = SLOTS;
    o.max_locations = 1;
    o.hold_ms = 5;
    o.release_delay_ms = 7;
    o.holds_per_slot = 4;
    o.max_people = 64;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    for (int k = 0; k < SLOTS; k++) {
        slots[k] = (sb_slot){.location = 0, .window = 0, .day = 19174 + k};
        CHECK(sb_release(e, slots[k], CAPACITY) == SB_OK, "release");
    }
    sb_location_open(e, 0);

    static worker w[WORKERS];
    pthread_t t[WORKERS];
    double until = wall_seconds() + stress_seconds();
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (worker){.e = e, .rng = seed * 31 + (uint64_t)i + 1, .until = until};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    uint64_t calls = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
        calls += w[i].calls;
    }
    final_checks(e, calls);
    sb_stats s;
    sb_stats_read(e, &s);
    printf("ok: %" PRIu64 " calls, %" PRIu64 " holds expired, %" PRIu64 " reserves out of "
           "seats, %" PRIu64 " confirms too late\n",
           calls, s.expired, s.outcomes[SB_OP_RESERVE][SB_NOMEM],
           s.outcomes[SB_OP_CONFIRM][SB_EXPIRED]);
    sb_close(e);
    free(bsns);
    return 0;
}
