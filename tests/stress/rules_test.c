/*
 * Rules: the sticker stock and the change limit under races.  Worker
 * threads reserve, confirm, book, cancel, reschedule and redeem over a few
 * slots of two locations (use_stock, max_changes), mostly on a small window
 * of people that race each other (sliding along a large population), while places and
 * stickers are added, location 1 closes and opens, holds run out and
 * cancelled places wait for their delayed release.
 *
 * Checked while running: the statuses each call may give; every
 * sb_slot_read answer keeps its invariants; a shelf never holds more
 * stickers than were added; nobody's successful cancels and reschedules
 * pass max_changes; sb_each_booking visits only what it was asked for.
 * Checked at the end, quiescent, once before and once after time passes
 * every deadline: sb_audit; capacity is what was released; per slot, the
 * booked and redeemed counters equal the people sb_lookup puts there; per
 * location, available + held + booked == added - redeemed (before the
 * holds that ran out are reclaimed, <=); redeems that answered SB_OK equal
 * the people redeemed; the stats count exactly the changes made; every
 * booked person's next cancel answers SB_LIMIT exactly when they made
 * max_changes changes, and then every sticker is back.
 */
#include "stress.h"

#define WORKERS 4
#define PEOPLE 65536
#define WINDOW 128
#define SLIDE_MS 400
#define LOCS 2
#define DAYS_PER_LOC 3
#define SLOTS (LOCS * DAYS_PER_LOC)
#define CAPACITY 4
#define STOCK 6
#define MAX_CHANGES 5
#define HOLD_MS 20
#define DELAY_MS 10
#define FIRST_DAY 19174
#define CODE_LOCKS 64

typedef struct worker {
    sb_engine *e;
    uint64_t rng;
    double until;
    uint64_t ops;
} worker;

static uint32_t *bsns;
static sb_slot slots[SLOTS];
/* Successful cancels and reschedules per person, counted after the call. */
static _Atomic uint32_t changes[PEOPLE];
/* Places released and stickers added, counted before the call. */
static _Atomic uint64_t released[SLOTS];
static _Atomic uint64_t added[LOCS];
static _Atomic uint64_t redeems;
/* The latest code each person was given (possibly stale: then it answers
 * SB_CANCELLED), under a striped lock of the test. */
static char codes[PEOPLE][SB_CODE_SIZE];
static pthread_mutex_t code_lock[CODE_LOCKS];

static void
remember(unsigned p, const char *code)
{
    pthread_mutex_lock(&code_lock[p % CODE_LOCKS]);
    memcpy(codes[p], code, SB_CODE_SIZE);
    pthread_mutex_unlock(&code_lock[p % CODE_LOCKS]);
}

static void
recall(unsigned p, char out[SB_CODE_SIZE])
{
    pthread_mutex_lock(&code_lock[p % CODE_LOCKS]);
    memcpy(out, codes[p], SB_CODE_SIZE);
    pthread_mutex_unlock(&code_lock[p % CODE_LOCKS]);
}

static void
changed(unsigned p)
{
    uint32_t n = atomic_fetch_add(&changes[p], 1) + 1;
    CHECK(n <= MAX_CHANGES, "person %u made %u changes, limit %u", p, n, MAX_CHANGES);
}

/* Three calls in four go to a window of WINDOW people that slides along
 * the population as the clock moves (so fresh people keep arriving to race
 * up to their change limit, and not everyone ends up redeemed); the rest
 * to anyone. */
static unsigned
pick_person(worker *w)
{
    if (rng_below(&w->rng, 4) == 0)
        return rng_below(&w->rng, PEOPLE);
    uint64_t base = atomic_load(&stress_clock_ms) / SLIDE_MS * (WINDOW / 2);
    return (unsigned)((base + rng_below(&w->rng, WINDOW)) % PEOPLE);
}

static int
slot_number(sb_slot s)
{
    CHECK(s.location < LOCS && s.window == 0 && s.day >= FIRST_DAY &&
              s.day < FIRST_DAY + DAYS_PER_LOC,
          "slot (%u, %d, %u) outside the test's slots", s.location, s.day, s.window);
    return s.location * DAYS_PER_LOC + (s.day - FIRST_DAY);
}

static void
stock_ok(sb_engine *e, uint16_t loc)
{
    uint64_t n;
    CHECK(sb_stock_read(e, loc, &n) == SB_OK, "stock_read");
    uint64_t a = atomic_load(&added[loc]);
    CHECK(n <= a, "location %u: %" PRIu64 " stickers on the shelf, %" PRIu64 " added", loc, n, a);
}

typedef struct walk_check {
    uint16_t location;
    int32_t from, to;
} walk_check;

static int
visit_ok(const sb_booking *b, void *ctx)
{
    const walk_check *c = ctx;
    CHECK(b->slot.location == c->location && b->slot.day >= c->from && b->slot.day <= c->to,
          "visited (%u, %d) walking location %u days %d..%d", b->slot.location, b->slot.day,
          c->location, c->from, c->to);
    CHECK(b->state == SB_STATE_HELD || b->state == SB_STATE_BOOKED || b->state == SB_STATE_REDEEMED,
          "visited state %d", (int)b->state);
    CHECK((b->state == SB_STATE_HELD) == (b->deadline_ms != 0), "state %d deadline %" PRIu64,
          (int)b->state, b->deadline_ms);
    (void)slot_number(b->slot);
    return 0;
}

static void
people_call(worker *w, unsigned op)
{
    unsigned p = pick_person(w);
    uint32_t bsn = bsns[p];
    sb_slot slot = slots[rng_below(&w->rng, SLOTS)];
    char code[SB_CODE_SIZE];
    sb_status st;
    switch (op) {
    case 0:
    case 1:
        st = sb_reserve(w->e, bsn, slot);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE || st == SB_NO_STOCK ||
                  st == SB_CLOSED,
              "reserve: %s", sb_status_name(st));
        break;
    case 2:
    case 3:
        st = sb_confirm(w->e, bsn, code);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_EXPIRED || st == SB_DUPLICATE,
              "confirm: %s", sb_status_name(st));
        if (st == SB_OK)
            remember(p, code);
        break;
    case 4:
        st = sb_book(w->e, bsn, slot, code);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE || st == SB_NO_STOCK ||
                  st == SB_CLOSED,
              "book: %s", sb_status_name(st));
        if (st == SB_OK)
            remember(p, code);
        break;
    case 5:
        st = sb_cancel(w->e, bsn);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED || st == SB_LIMIT, "cancel: %s",
              sb_status_name(st));
        if (st == SB_OK)
            changed(p);
        break;
    case 6:
    case 7:
        st = sb_reschedule(w->e, bsn, slot, code);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED || st == SB_DUPLICATE ||
                  st == SB_LIMIT || st == SB_CLOSED || st == SB_NO_STOCK || st == SB_FULL,
              "reschedule: %s", sb_status_name(st));
        if (st == SB_OK) {
            remember(p, code);
            changed(p);
        }
        break;
    case 8:
        recall(p, code);
        if (rng_below(&w->rng, 4)) {
            st = sb_verify(w->e, code, bsn, NULL);
            CHECK(st == SB_OK || st == SB_USED || st == SB_CANCELLED || st == SB_FORGED,
                  "verify: %s", sb_status_name(st));
            break;
        }
        st = sb_redeem(w->e, code, bsn);
        /* FORGED: no code remembered yet (""). */
        CHECK(st == SB_OK || st == SB_USED || st == SB_CANCELLED || st == SB_FORGED, "redeem: %s",
              sb_status_name(st));
        if (st == SB_OK)
            atomic_fetch_add(&redeems, 1);
        break;
    default: {
        sb_booking b;
        st = sb_lookup(w->e, bsn, &b);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
        if (st == SB_OK) {
            CHECK(b.bsn == bsn, "lookup of %09u answers %09u", bsn, b.bsn);
            (void)slot_number(b.slot);
        }
        break;
    }
    }
}

static void
admin_call(worker *w, unsigned op)
{
    unsigned k = rng_below(&w->rng, SLOTS);
    uint16_t loc = (uint16_t)rng_below(&w->rng, LOCS);
    sb_slot_info info;
    switch (op) {
    case 10:
        CHECK(sb_slot_read(w->e, slots[k], &info) == SB_OK, "slot_read");
        slot_info_ok(&info);
        stock_ok(w->e, loc);
        break;
    case 11:
        /* Rarely: supply lags demand, so shelves and slots run empty. */
        if (rng_below(&w->rng, 8) != 0)
            break;
        if (rng_below(&w->rng, 2)) {
            atomic_fetch_add(&released[k], 1);
            CHECK(sb_release(w->e, slots[k], 1) == SB_OK, "release");
        } else {
            atomic_fetch_add(&added[loc], 1);
            CHECK(sb_stock_add(w->e, loc, 1) == SB_OK, "stock_add");
        }
        break;
    case 12:
        if (rng_below(&w->rng, 4) == 0)
            sb_expire(w->e);
        atomic_fetch_add(&stress_clock_ms, rng_below(&w->rng, 3));
        break;
    case 13:
        if (rng_below(&w->rng, 64) == 0) {
            sb_status st =
                rng_below(&w->rng, 2) ? sb_location_close(w->e, 1) : sb_location_open(w->e, 1);
            CHECK(st == SB_OK, "location: %s", sb_status_name(st));
        }
        break;
    default:
        if (rng_below(&w->rng, 256) == 0) {
            int32_t from = FIRST_DAY + (int32_t)rng_below(&w->rng, DAYS_PER_LOC);
            walk_check c = {loc, from, from + (int32_t)rng_below(&w->rng, DAYS_PER_LOC)};
            sb_status st = sb_each_booking(w->e, loc, c.from, c.to, visit_ok, &c);
            CHECK(st == SB_OK, "each_booking: %s", sb_status_name(st));
        }
        break;
    }
}

static void *
work(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until) {
        for (int i = 0; i < 256; i++) {
            unsigned op = rng_below(&w->rng, 15);
            if (op < 10)
                people_call(w, op);
            else
                admin_call(w, op);
            w->ops++;
        }
    }
    return NULL;
}

/* What sb_lookup says of everyone. */
typedef struct census {
    uint64_t held[SLOTS], booked[SLOTS], redeemed[SLOTS];
    uint64_t with_booking; /* booked or redeemed */
    uint8_t state[PEOPLE]; /* 0: nothing, else sb_state */
} census;

static void
take_census(sb_engine *e, census *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned p = 0; p < PEOPLE; p++) {
        sb_booking b;
        sb_status st = sb_lookup(e, bsns[p], &b);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
        if (st != SB_OK)
            continue;
        int k = slot_number(b.slot);
        c->state[p] = (uint8_t)b.state;
        switch (b.state) {
        case SB_STATE_HELD:
            c->held[k]++;
            break;
        case SB_STATE_BOOKED:
            c->booked[k]++;
            c->with_booking++;
            break;
        default:
            c->redeemed[k]++;
            c->with_booking++;
            break;
        }
    }
}

static uint64_t
per_location(const uint64_t *per_slot, uint16_t loc)
{
    uint64_t n = 0;
    for (int d = 0; d < DAYS_PER_LOC; d++)
        n += per_slot[loc * DAYS_PER_LOC + d];
    return n;
}

/* Per location: available + held + booked against added - redeemed. */
static void
stickers_ok(sb_engine *e, const census *c, int exact, const char *when)
{
    for (uint16_t l = 0; l < LOCS; l++) {
        uint64_t avail;
        CHECK(sb_stock_read(e, l, &avail) == SB_OK, "stock_read");
        uint64_t out = per_location(c->held, l) + per_location(c->booked, l);
        uint64_t used = per_location(c->redeemed, l), a = atomic_load(&added[l]);
        CHECK(used <= a, "%s: location %u redeemed %" PRIu64 " > added %" PRIu64, when, l, used, a);
        CHECK(exact ? avail + out == a - used : avail + out <= a - used,
              "%s: location %u: available %" PRIu64 " + out %" PRIu64 " vs added %" PRIu64
              " - redeemed %" PRIu64,
              when, l, avail, out, a, used);
    }
}

static void
slots_ok(sb_engine *e, const census *c, const char *when)
{
    uint64_t sum = 0;
    for (int k = 0; k < SLOTS; k++) {
        sb_slot_info i;
        CHECK(sb_slot_read(e, slots[k], &i) == SB_OK, "slot_read");
        slot_info_ok(&i);
        uint64_t cap = CAPACITY + atomic_load(&released[k]);
        CHECK(i.capacity == cap && i.held == c->held[k] && i.booked == c->booked[k] &&
                  i.redeemed == c->redeemed[k],
              "%s: slot %d: capacity %u (released %" PRIu64 ") held %u (people %" PRIu64
              ") booked %u (%" PRIu64 ") redeemed %u (%" PRIu64 ")",
              when, k, i.capacity, cap, i.held, c->held[k], i.booked, c->booked[k], i.redeemed,
              c->redeemed[k]);
        sum += i.booked + i.redeemed;
    }
    CHECK(sum == c->with_booking, "%s: slots count %" PRIu64 " bookings, people %" PRIu64, when,
          sum, c->with_booking);
}

static int
count_visit(const sb_booking *b, void *ctx)
{
    (void)b;
    (*(uint64_t *)ctx)++;
    return 0;
}

static void
final_checks(sb_engine *e)
{
    static census c;
    CHECK(sb_location_open(e, 1) == SB_OK, "open");
    audit_ok(e, "when the workers stopped");
    /* Holds that ran out keep their stickers until reclaimed: <= now. */
    take_census(e, &c);
    stickers_ok(e, &c, 0, "before expiry");

    atomic_fetch_add(&stress_clock_ms, HOLD_MS + DELAY_MS + 1);
    sb_expire(e);
    audit_ok(e, "after expiry");
    take_census(e, &c);
    slots_ok(e, &c, "after expiry");
    stickers_ok(e, &c, 1, "after expiry");
    uint64_t redeemed = 0, visits = 0;
    for (int k = 0; k < SLOTS; k++)
        redeemed += c.redeemed[k];
    CHECK(redeemed == atomic_load(&redeems), "%" PRIu64 " people redeemed, %" PRIu64 " redeems",
          redeemed, atomic_load(&redeems));
    for (uint16_t l = 0; l < LOCS; l++)
        CHECK(sb_each_booking(e, l, INT32_MIN, INT32_MAX, count_visit, &visits) == SB_OK, "each");
    CHECK(visits == c.with_booking, "each_booking visits %" PRIu64 ", people %" PRIu64, visits,
          c.with_booking);

    /* The engine counted the same changes as the workers. */
    sb_stats s;
    sb_stats_read(e, &s);
    uint64_t made = 0, at_limit = 0;
    for (unsigned p = 0; p < PEOPLE; p++)
        made += atomic_load(&changes[p]);
    CHECK(s.outcomes[SB_OP_CANCEL][SB_OK] + s.outcomes[SB_OP_RESCHEDULE][SB_OK] == made,
          "stats: %" PRIu64 " cancels + %" PRIu64 " reschedules, workers made %" PRIu64,
          s.outcomes[SB_OP_CANCEL][SB_OK], s.outcomes[SB_OP_RESCHEDULE][SB_OK], made);

    /* Everyone's next cancel: SB_LIMIT exactly at max_changes. */
    for (unsigned p = 0; p < PEOPLE; p++) {
        uint32_t n = atomic_load(&changes[p]);
        sb_status st = sb_cancel(e, bsns[p]), want;
        switch (c.state[p]) {
        case SB_STATE_BOOKED:
            want = n >= MAX_CHANGES ? SB_LIMIT : SB_OK;
            at_limit += want == SB_LIMIT;
            break;
        case SB_STATE_REDEEMED:
            want = SB_USED;
            break;
        default:
            want = SB_NOT_FOUND;
            break;
        }
        CHECK(st == want, "person %u (state %d, %u changes): cancel %s, want %s", p, c.state[p], n,
              sb_status_name(st), sb_status_name(want));
        if (st == SB_OK)
            changed(p);
    }
    take_census(e, &c);
    stickers_ok(e, &c, 1, "after the cancels");
    uint64_t booked = 0;
    for (int k = 0; k < SLOTS; k++)
        booked += c.booked[k];
    CHECK(booked == at_limit, "%" PRIu64 " still booked, %" PRIu64 " at the limit", booked,
          at_limit);
    atomic_fetch_add(&stress_clock_ms, DELAY_MS + 1);
    sb_expire(e);
    audit_ok(e, "after the cancels");
    slots_ok(e, &c, "after the cancels");
}

int
main(void)
{
    uint64_t seed = stress_seed();
    printf("rules stress: seed %" PRIu64 ", %d workers, %.1f s\n", seed, WORKERS, stress_seconds());
    bsns = make_bsns(PEOPLE);
    for (int i = 0; i < CODE_LOCKS; i++)
        pthread_mutex_init(&code_lock[i], NULL);
    sb_options o;
    sb_options_init(&o);
    o.first_day = FIRST_DAY;
    o.days = DAYS_PER_LOC;
    o.max_locations = LOCS;
    o.hold_ms = HOLD_MS;
    o.release_delay_ms = DELAY_MS;
    o.holds_per_slot = 1024;
    /* Room to spare: two calls of the same new BSN racing hold a second
     * person number for a moment (README, "Edges worth knowing"). */
    o.max_people = PEOPLE + PEOPLE / 4;
    o.max_changes = MAX_CHANGES;
    o.use_stock = 1;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    for (int k = 0; k < SLOTS; k++) {
        slots[k] = (sb_slot){.location = (uint16_t)(k / DAYS_PER_LOC),
                             .window = 0,
                             .day = FIRST_DAY + k % DAYS_PER_LOC};
        CHECK(sb_release(e, slots[k], CAPACITY) == SB_OK, "release");
    }
    for (uint16_t l = 0; l < LOCS; l++) {
        atomic_store(&added[l], STOCK);
        CHECK(sb_stock_add(e, l, STOCK) == SB_OK, "stock_add");
        CHECK(sb_location_open(e, l) == SB_OK, "open");
    }

    static worker w[WORKERS];
    pthread_t t[WORKERS];
    double until = wall_seconds() + stress_seconds();
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (worker){.e = e, .rng = seed * 31 + (uint64_t)i + 1, .until = until};
        CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0, "pthread_create");
    }
    uint64_t ops = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
        ops += w[i].ops;
    }
    sb_stats s;
    sb_stats_read(e, &s);
    final_checks(e);
    printf("ok: %" PRIu64 " calls; reserve ok %" PRIu64 " no_stock %" PRIu64 " full %" PRIu64
           "; reschedule ok %" PRIu64 " limit %" PRIu64 " no_stock %" PRIu64 " full %" PRIu64
           "; cancel ok %" PRIu64 " limit %" PRIu64 "; redeems %" PRIu64 "\n",
           ops, s.outcomes[SB_OP_RESERVE][SB_OK], s.outcomes[SB_OP_RESERVE][SB_NO_STOCK],
           s.outcomes[SB_OP_RESERVE][SB_FULL], s.outcomes[SB_OP_RESCHEDULE][SB_OK],
           s.outcomes[SB_OP_RESCHEDULE][SB_LIMIT], s.outcomes[SB_OP_RESCHEDULE][SB_NO_STOCK],
           s.outcomes[SB_OP_RESCHEDULE][SB_FULL], s.outcomes[SB_OP_CANCEL][SB_OK],
           s.outcomes[SB_OP_CANCEL][SB_LIMIT], atomic_load(&redeems));
    sb_close(e);
    free(bsns);
    return 0;
}
