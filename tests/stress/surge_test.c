/*
 * Surge: worker threads hammer two slots with every call a person makes,
 * on a small pool of BSNs so that the same person races on several cores,
 * while an admin thread releases places and a checker samples the slots.
 *
 * Checked while running: every sb_slot_read answer keeps
 * held + booked + redeemed <= capacity and the free formula; a code just
 * issued verifies for its holder (or was already cancelled or used by a
 * racing call of the same person); no code ever verifies for another BSN.
 * Checked at the end: sb_audit (counters equal the person table, no slot
 * over capacity, one entry per BSN); each person redeemed at most once;
 * of all codes a person was issued at most one is live; slot counters equal
 * what the people's lookups say.
 */
#include "stress.h"

#define WORKERS 4
#define PEOPLE 600
#define LOG_MAX 4096

typedef struct issued {
    uint16_t person;
    char code[SB_CODE_SIZE];
} issued;

typedef struct worker {
    sb_engine *e;
    uint64_t rng;
    double until;
    unsigned nlog;
    issued log[LOG_MAX];
    uint64_t ops;
} worker;

static uint32_t *bsns;
static sb_slot slots[2];
static _Atomic unsigned redeemed_ok[PEOPLE];
static _Atomic uint64_t released[2];
static _Atomic int running = 1;

static void
just_issued(worker *w, unsigned person, const char *code)
{
    sb_status st = sb_verify(w->e, code, bsns[person], NULL);
    CHECK(st == SB_OK || st == SB_CANCELLED || st == SB_USED, "fresh code %s: %s", code,
          sb_status_name(st));
    st = sb_verify(w->e, code, bsns[(person + 1) % PEOPLE], NULL);
    CHECK(st == SB_WRONG_HOLDER, "code %s with another BSN: %s", code, sb_status_name(st));
    if (w->nlog < LOG_MAX) {
        w->log[w->nlog].person = (uint16_t)person;
        memcpy(w->log[w->nlog].code, code, SB_CODE_SIZE);
        w->nlog++;
    }
}

static void
one_call(worker *w)
{
    unsigned person = rng_below(&w->rng, PEOPLE);
    uint32_t bsn = bsns[person];
    sb_slot slot = slots[rng_below(&w->rng, 2)];
    char code[SB_CODE_SIZE];
    sb_booking b;
    unsigned r = rng_below(&w->rng, 100);
    if (r < 35) {
        sb_status st = sb_reserve(w->e, bsn, slot);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE, "reserve: %s",
              sb_status_name(st));
    } else if (r < 55) {
        sb_status st = sb_confirm(w->e, bsn, code);
        if (st == SB_OK)
            just_issued(w, person, code);
    } else if (r < 65) {
        sb_status st = sb_book(w->e, bsn, slot, code);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE, "book: %s", sb_status_name(st));
        if (st == SB_OK)
            just_issued(w, person, code);
    } else if (r < 75) {
        sb_status st = sb_cancel(w->e, bsn);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED, "cancel: %s", sb_status_name(st));
    } else if (r < 82 && w->nlog) {
        issued *i = &w->log[rng_below(&w->rng, w->nlog)];
        sb_status st = sb_redeem(w->e, i->code, bsns[i->person]);
        CHECK(st == SB_OK || st == SB_CANCELLED || st == SB_USED, "redeem: %s", sb_status_name(st));
        if (st == SB_OK)
            atomic_fetch_add(&redeemed_ok[i->person], 1);
    } else if (r < 90) {
        sb_status st = sb_lookup(w->e, bsn, &b);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
        CHECK(st != SB_OK || (b.bsn == bsn && b.slot.day == slot.day), "lookup filled wrongly");
    } else if (r < 94) {
        sb_slot s;
        sb_status st = sb_next_free(w->e, 0, slot.day, &s);
        CHECK(st == SB_OK || st == SB_FULL, "next_free: %s", sb_status_name(st));
    } else if (r < 96) {
        sb_expire(w->e);
    } else {
        atomic_fetch_add(&stress_clock_ms, 1 + rng_below(&w->rng, 15));
    }
    w->ops++;
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

static void *
admin(void *arg)
{
    sb_engine *e = arg;
    uint64_t rng = 7;
    while (atomic_load(&running)) {
        unsigned k = rng_below(&rng, 2);
        uint32_t n = rng_below(&rng, 3);
        CHECK(sb_release(e, slots[k], n) == SB_OK, "release");
        atomic_fetch_add(&released[k], n);
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void *
checker(void *arg)
{
    sb_engine *e = arg;
    while (atomic_load(&running)) {
        for (int k = 0; k < 2; k++) {
            sb_slot_info info;
            CHECK(sb_slot_read(e, slots[k], &info) == SB_OK, "slot_read");
            slot_info_ok(&info);
        }
    }
    return NULL;
}

static void
final_checks(sb_engine *e, worker *w)
{
    atomic_fetch_add(&stress_clock_ms, 1000000);
    sb_expire(e);
    audit_ok(e, "after the surge");
    unsigned booked[2] = {0, 0}, redeemed[2] = {0, 0};
    for (unsigned p = 0; p < PEOPLE; p++) {
        unsigned ok = atomic_load(&redeemed_ok[p]);
        CHECK(ok <= 1, "person %u redeemed %u times", p, ok);
        sb_booking b;
        sb_status st = sb_lookup(e, bsns[p], &b);
        CHECK(st == SB_NOT_FOUND || st == SB_OK, "lookup: %s", sb_status_name(st));
        CHECK(st != SB_OK || b.state != SB_STATE_HELD, "a hold survived its deadline");
        CHECK((st == SB_OK && b.state == SB_STATE_REDEEMED) == (ok == 1),
              "person %u: redeemed %u times but state %d", p, ok, st == SB_OK ? (int)b.state : 0);
        if (st == SB_OK) {
            unsigned k = b.slot.window;
            (b.state == SB_STATE_BOOKED ? booked : redeemed)[k]++;
        }
    }
    for (int k = 0; k < 2; k++) {
        sb_slot_info info;
        sb_slot_read(e, slots[k], &info);
        CHECK(info.capacity == atomic_load(&released[k]), "capacity %u, released %" PRIu64,
              info.capacity, atomic_load(&released[k]));
        CHECK(info.booked == booked[k] && info.redeemed == redeemed[k] && info.held == 0 &&
                  info.free == info.capacity - info.booked - info.redeemed,
              "slot %d: %u/%u booked, %u/%u redeemed, held %u, free %u", k, info.booked, booked[k],
              info.redeemed, redeemed[k], info.held, info.free);
    }
    /* Of the codes one person was issued, at most one is live. */
    unsigned *live = calloc(PEOPLE, sizeof *live);
    for (int t = 0; t < WORKERS; t++) {
        for (unsigned i = 0; i < w[t].nlog; i++) {
            issued *is = &w[t].log[i];
            sb_status st = sb_verify(e, is->code, bsns[is->person], NULL);
            CHECK(st == SB_OK || st == SB_USED || st == SB_CANCELLED, "final verify: %s",
                  sb_status_name(st));
            live[is->person] += st != SB_CANCELLED;
        }
    }
    for (unsigned p = 0; p < PEOPLE; p++)
        CHECK(live[p] <= 1, "person %u has %u live codes", p, live[p]);
    free(live);
}

int
main(void)
{
    uint64_t seed = stress_seed();
    printf("surge stress: seed %" PRIu64 ", %d workers, %.1f s\n", seed, WORKERS, stress_seconds());
    bsns = make_bsns(PEOPLE);
    sb_options o;
    sb_options_init(&o);
    o.first_day = 19174;
    o.days = 1;
    o.max_locations = 1;
    o.windows_per_day = 2;
    o.hold_ms = 40;
    o.max_people = 4096;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    for (int k = 0; k < 2; k++) {
        slots[k] = (sb_slot){.location = 0, .window = (uint16_t)k, .day = 19174};
        CHECK(sb_release(e, slots[k], 50) == SB_OK, "release");
        atomic_store(&released[k], 50);
    }
    sb_location_open(e, 0);

    static worker w[WORKERS];
    pthread_t t[WORKERS], ta, tc;
    double until = wall_seconds() + stress_seconds();
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (worker){.e = e, .rng = seed + (uint64_t)i * 0x9e3779b97f4a7c15u, .until = until};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    pthread_create(&ta, NULL, admin, e);
    pthread_create(&tc, NULL, checker, e);
    uint64_t ops = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
        ops += w[i].ops;
    }
    atomic_store(&running, 0);
    pthread_join(ta, NULL);
    pthread_join(tc, NULL);

    final_checks(e, w);
    sb_stats s;
    sb_stats_read(e, &s);
    printf("ok: %" PRIu64 " calls, %" PRIu64 " holds expired, %" PRIu64 " people\n", ops, s.expired,
           s.people);
    sb_close(e);
    free(bsns);
    return 0;
}
