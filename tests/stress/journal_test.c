/*
 * Journalled surge: worker threads make every kind of call on an engine
 * with a journal, while one of them takes checkpoints (and, in batch mode,
 * another calls sb_sync) now and then; then the engine is closed, reopened
 * from the journal, and everything acknowledged must be there.  Two
 * phases on one journal: SB_DURABLE_SYNC, then SB_DURABLE_BATCH on top of
 * what the first phase left.  Meant for ThreadSanitizer as much as for the
 * checks: the writer thread, group commit and checkpoints race the calls.
 *
 * Each worker owns its people and is the only one to call on them, so it
 * knows their state exactly but for the waiting list: a waiting person may
 * be offered a hold at any moment by another worker's cancel.  Workers
 * book, reserve and confirm, cancel, redeem, reschedule, book families of
 * their own people (sb_book_group) and manage them (a member cancels,
 * redeems, moves the whole family), join waiting lists and confirm the
 * holds they are offered, and, when they meet SB_NO_STOCK or SB_FULL, add
 * stickers (use_stock) or release places.  Every code a call answered
 * with goes into the worker's log with the status it must answer now:
 * SB_OK, or SB_CANCELLED once the worker cancelled or moved it, or SB_USED
 * once it redeemed it (a family's code is its leader's, logged for them).
 *
 *   Checked while running: each call answers a status the person's state
 *   allows; a confirmed offer is a booking at the location waited for.
 *   Checked at the end of each phase, quiescent: sb_audit.  Then, after
 *   sb_close and sb_open on the journal: records were recovered; every
 *   logged code answers its status; every person is where the model puts
 *   them (held -> not found; waiting -> waiting, or not found if they were
 *   offered a hold, which is not journalled); every member of a booked
 *   family verifies the family's code (SB_USED once redeemed); per slot,
 *   capacity is what was released, nobody holds, booked and redeemed are
 *   the model's; per location, stickers on the shelf + stickers with
 *   people == stickers added; sb_audit.
 *
 * SB_STRESS_SECONDS (default 3) is split between the phases; SB_STRESS_SEED
 * repeats a run's choices.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "stress.h"

#define WORKERS 4
#define OWNED 600
#define PEOPLE (WORKERS * OWNED) /* person i belongs to worker i / OWNED */
#define LOCS 4
#define DAYS 4
#define WINDOWS 2
#define NSLOTS (LOCS * DAYS * WINDOWS)
#define FIRST_DAY 19174
#define CAPACITY 10   /* released to each slot at the start */
#define STOCK 120     /* stickers per location at the start */
#define STOCK_MORE 24 /* added on SB_NO_STOCK */
#define MORE_PLACES 2 /* released, now and then, on SB_FULL */
#define MAX_WAITING 16
#define REDEEM_MAX (OWNED / 4) /* people a worker redeems: redeemed is for ever */
#define MAX_FAMILIES (1u << 16)
#define FAM_MAX 8192 /* families per worker the model follows */
#define LOG_MAX 65536
#define CHECKPOINT_MS 40 /* worker 0 */
#define SYNC_MS 10       /* worker 1 */
#define DEFAULT_SECONDS 3.0
#define WATCHDOG_S(seconds) (120 + (unsigned)(20 * (seconds))) /* then it hangs */

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED, P_WAITING };
static const char *const state_name[] = {"none", "held", "booked", "redeemed", "waiting"};

typedef struct person {
    uint8_t state;
    int32_t fam; /* BOOKED, REDEEMED: the worker's family, or -1 */
    int32_t log; /* BOOKED, REDEEMED alone: the code's log entry, or -1 */
    sb_slot slot;
    uint16_t wait_location; /* WAITING */
} person;

typedef struct family {
    unsigned n;
    unsigned member[SB_FAMILY_MAX]; /* member[0] leads */
    int live;                       /* booked, not cancelled */
    int32_t log;                    /* the code's entry (the leader's) */
    sb_slot slot;
    char code[SB_CODE_SIZE];
} family;

typedef struct issued {
    uint32_t bsn;
    sb_status expect;
    char code[SB_CODE_SIZE];
} issued;

typedef struct worker {
    sb_engine *e;
    unsigned t;
    uint64_t rng;
    double until;
    double next_admin; /* the next checkpoint or sync */
    unsigned nlog, nfam;
    issued log[LOG_MAX];
    family fam[FAM_MAX];
    unsigned redeemed; /* people, over the run */
    uint64_t ops, checkpoints, syncs, families, offers;
} worker;

static uint32_t *bsns;
static person people[PEOPLE];
static worker workers[WORKERS];
static _Atomic uint32_t released[NSLOTS];
static _Atomic uint64_t added[LOCS];
static char dir[PATH_MAX], path[PATH_MAX + 16];
static const stress_grid grid = {.first_day = FIRST_DAY, .days = DAYS, .windows = WINDOWS};

#define EXPECT(w, i, what, st, cond)                                       \
    CHECK(cond, "worker %u, bsn %u (%s): %s answered %s", (w)->t, bsns[i], \
          state_name[people[i].state], what, sb_status_name(st))

/* ---- the log of codes ------------------------------------------------------ */

static int32_t
log_add(worker *w, uint32_t bsn, const char *code)
{
    if (w->nlog == LOG_MAX)
        return -1;
    issued *is = &w->log[w->nlog];
    is->bsn = bsn;
    is->expect = SB_OK;
    memcpy(is->code, code, SB_CODE_SIZE);
    return (int32_t)w->nlog++;
}

static void
log_set(worker *w, int32_t entry, sb_status expect)
{
    if (entry >= 0)
        w->log[entry].expect = expect;
}

/* ---- on SB_FULL and SB_NO_STOCK --------------------------------------------- */

static void
more_places(worker *w, sb_slot slot)
{
    if (rng_below(&w->rng, 4) != 0)
        return;
    sb_status st = sb_release(w->e, slot, MORE_PLACES);
    CHECK(st == SB_OK, "release: %s", sb_status_name(st));
    atomic_fetch_add(&released[grid_index(&grid, slot)], MORE_PLACES);
}

static void
more_stock(worker *w, uint16_t location)
{
    sb_status st = sb_stock_add(w->e, location, STOCK_MORE);
    CHECK(st == SB_OK, "stock_add: %s", sb_status_name(st));
    atomic_fetch_add(&added[location], STOCK_MORE);
}

/* A refusal for want of places or stickers: sometimes more of them. */
static int
short_of(worker *w, sb_status st, sb_slot slot)
{
    if (st == SB_FULL)
        more_places(w, slot);
    else if (st == SB_NO_STOCK)
        more_stock(w, slot.location);
    return st == SB_FULL || st == SB_NO_STOCK;
}

/* ---- calls by state ------------------------------------------------------------ */

static void
booked_alone(worker *w, unsigned i, sb_slot slot, const char *code)
{
    person *p = &people[i];
    p->state = P_BOOKED;
    p->fam = -1;
    p->slot = slot;
    p->log = log_add(w, bsns[i], code);
}

/* A family of the worker's free people, led by i. */
static void
book_family(worker *w, unsigned i, sb_slot slot)
{
    if (w->nfam == FAM_MAX)
        return;
    family *f = &w->fam[w->nfam];
    f->n = 1;
    f->member[0] = i;
    unsigned want = 1 + rng_below(&w->rng, SB_FAMILY_MAX), base = w->t * OWNED;
    for (unsigned tries = 0; f->n < want && tries < 4 * SB_FAMILY_MAX; tries++) {
        unsigned j = base + rng_below(&w->rng, OWNED), dup = 0;
        for (unsigned k = 0; k < f->n; k++)
            dup |= f->member[k] == j;
        if (!dup && people[j].state == P_NONE)
            f->member[f->n++] = j;
    }
    uint32_t b[SB_FAMILY_MAX];
    for (unsigned k = 0; k < f->n; k++)
        b[k] = bsns[f->member[k]];
    sb_status st = sb_book_group(w->e, b, f->n, slot, f->code);
    EXPECT(w, i, "book_group", st, st == SB_OK || st == SB_NOMEM || short_of(w, st, slot));
    if (st != SB_OK)
        return;
    f->live = 1;
    f->slot = slot;
    f->log = log_add(w, b[0], f->code);
    for (unsigned k = 0; k < f->n; k++) {
        person *m = &people[f->member[k]];
        m->state = P_BOOKED;
        m->fam = (int32_t)w->nfam;
        m->log = -1;
        m->slot = slot;
    }
    w->nfam++;
    w->families++;
}

static void
when_none(worker *w, unsigned i)
{
    person *p = &people[i];
    sb_slot slot = grid_slot(&grid, rng_below(&w->rng, NSLOTS));
    char code[SB_CODE_SIZE];
    unsigned r = rng_below(&w->rng, 100);
    sb_status st;
    if (r < 25) {
        st = sb_book(w->e, bsns[i], slot, code);
        EXPECT(w, i, "book", st, st == SB_OK || short_of(w, st, slot));
        if (st == SB_OK)
            booked_alone(w, i, slot, code);
    } else if (r < 45) {
        st = sb_reserve(w->e, bsns[i], slot);
        EXPECT(w, i, "reserve", st, st == SB_OK || st == SB_NOMEM || short_of(w, st, slot));
        if (st == SB_OK) {
            p->state = P_HELD;
            p->slot = slot;
        }
    } else if (r < 60) {
        book_family(w, i, slot);
    } else if (r < 75) {
        int32_t from = FIRST_DAY + (int32_t)rng_below(&w->rng, DAYS);
        int32_t to = from + (int32_t)rng_below(&w->rng, DAYS);
        st = sb_wait(w->e, bsns[i], slot.location, from, to);
        EXPECT(w, i, "wait", st, st == SB_OK || st == SB_NOMEM);
        if (st == SB_OK) {
            p->state = P_WAITING;
            p->wait_location = slot.location;
        }
    } else {
        sb_booking b;
        st = sb_lookup(w->e, bsns[i], &b);
        EXPECT(w, i, "lookup", st, st == SB_NOT_FOUND);
    }
}

static void
when_held(worker *w, unsigned i)
{
    person *p = &people[i];
    char code[SB_CODE_SIZE];
    sb_status st;
    if (rng_below(&w->rng, 100) < 80) {
        st = sb_confirm(w->e, bsns[i], code);
        EXPECT(w, i, "confirm", st, st == SB_OK);
        booked_alone(w, i, p->slot, code);
    } else {
        st = sb_cancel(w->e, bsns[i]);
        EXPECT(w, i, "cancel", st, st == SB_OK);
        p->state = P_NONE;
    }
}

/* A waiting person may have been offered a hold meanwhile. */
static void
when_waiting(worker *w, unsigned i)
{
    person *p = &people[i];
    char code[SB_CODE_SIZE];
    sb_booking b;
    sb_status st;
    unsigned r = rng_below(&w->rng, 100);
    if (r < 40) {
        st = sb_confirm(w->e, bsns[i], code);
        EXPECT(w, i, "confirm", st, st == SB_OK || st == SB_NOT_FOUND);
        if (st != SB_OK)
            return;
        st = sb_verify(w->e, code, bsns[i], &b);
        EXPECT(w, i, "verify of a confirmed offer", st,
               st == SB_OK && b.state == SB_STATE_BOOKED && b.slot.location == p->wait_location);
        booked_alone(w, i, b.slot, code);
        w->offers++;
    } else if (r < 60) {
        st = sb_cancel(w->e, bsns[i]);
        EXPECT(w, i, "cancel", st, st == SB_OK);
        p->state = P_NONE;
    } else {
        st = sb_lookup(w->e, bsns[i], &b);
        EXPECT(w, i, "lookup", st,
               st == SB_OK && (b.state == SB_STATE_WAITING || b.state == SB_STATE_HELD) &&
                   b.slot.location == p->wait_location);
    }
}

static void
when_booked_alone(worker *w, unsigned i)
{
    person *p = &people[i];
    char code[SB_CODE_SIZE];
    sb_booking b;
    sb_status st;
    unsigned r = rng_below(&w->rng, 100);
    if (r < 25) {
        st = sb_cancel(w->e, bsns[i]);
        EXPECT(w, i, "cancel", st, st == SB_OK);
        log_set(w, p->log, SB_CANCELLED);
        p->state = P_NONE;
    } else if (r < 40 && p->log >= 0 && w->redeemed < REDEEM_MAX) {
        st = sb_redeem(w->e, w->log[p->log].code, bsns[i]);
        EXPECT(w, i, "redeem", st, st == SB_OK);
        log_set(w, p->log, SB_USED);
        p->state = P_REDEEMED;
        w->redeemed++;
    } else if (r < 80) {
        sb_slot to = grid_other_slot(&grid, NSLOTS, p->slot, &w->rng);
        st = sb_reschedule(w->e, bsns[i], to, code);
        EXPECT(w, i, "reschedule", st, st == SB_OK || short_of(w, st, to));
        if (st != SB_OK)
            return;
        log_set(w, p->log, SB_CANCELLED);
        booked_alone(w, i, to, code);
    } else {
        st = sb_lookup(w->e, bsns[i], &b);
        EXPECT(w, i, "lookup", st,
               st == SB_OK && b.state == SB_STATE_BOOKED && slots_equal(b.slot, p->slot));
    }
}

static void
family_cancelled(worker *w, family *f)
{
    f->live = 0;
    if (people[f->member[0]].state != P_REDEEMED)
        log_set(w, f->log, SB_CANCELLED);
    for (unsigned k = 0; k < f->n; k++) {
        person *m = &people[f->member[k]];
        if (m->state != P_REDEEMED) {
            m->state = P_NONE;
            m->fam = -1;
        }
    }
}

static void
family_moved(worker *w, family *f, sb_slot to, const char *code)
{
    log_set(w, f->log, SB_CANCELLED);
    memcpy(f->code, code, SB_CODE_SIZE);
    f->log = log_add(w, bsns[f->member[0]], code);
    f->slot = to;
    for (unsigned k = 0; k < f->n; k++)
        people[f->member[k]].slot = to;
}

static void
when_in_family(worker *w, unsigned i)
{
    person *p = &people[i];
    family *f = &w->fam[p->fam];
    char code[SB_CODE_SIZE];
    sb_booking b;
    sb_status st;
    unsigned r = rng_below(&w->rng, 100), redeemed = 0;
    for (unsigned k = 0; k < f->n; k++)
        redeemed += people[f->member[k]].state == P_REDEEMED;
    if (r < 20) {
        st = sb_cancel(w->e, bsns[i]);
        EXPECT(w, i, "family cancel", st, st == SB_OK);
        family_cancelled(w, f);
    } else if (r < 45 && w->redeemed < REDEEM_MAX) {
        st = sb_redeem(w->e, f->code, bsns[i]);
        EXPECT(w, i, "family redeem", st, st == SB_OK);
        p->state = P_REDEEMED;
        w->redeemed++;
        if (i == f->member[0])
            log_set(w, f->log, SB_USED);
    } else if (r < 80) {
        sb_slot to = grid_other_slot(&grid, NSLOTS, f->slot, &w->rng);
        st = sb_reschedule(w->e, bsns[i], to, code);
        EXPECT(w, i, "family reschedule", st,
               redeemed ? st == SB_USED : st == SB_OK || short_of(w, st, to));
        if (st == SB_OK)
            family_moved(w, f, to, code);
    } else {
        st = sb_verify(w->e, f->code, bsns[i], &b);
        EXPECT(w, i, "family verify", st,
               st == SB_OK && b.state == SB_STATE_BOOKED && slots_equal(b.slot, f->slot));
    }
}

static void
when_redeemed(worker *w, unsigned i)
{
    sb_booking b;
    sb_status st = sb_lookup(w->e, bsns[i], &b);
    EXPECT(w, i, "lookup", st,
           st == SB_OK && b.state == SB_STATE_REDEEMED && slots_equal(b.slot, people[i].slot));
}

/* Worker 0 checkpoints every CHECKPOINT_MS, worker 1 syncs every SYNC_MS. */
static void
admin(worker *w)
{
    double now = wall_seconds();
    if (w->t > 1 || now < w->next_admin)
        return;
    sb_status st = w->t == 0 ? sb_checkpoint(w->e) : sb_sync(w->e);
    CHECK(st == SB_OK, "%s: %s: %s", w->t == 0 ? "checkpoint" : "sync", sb_status_name(st),
          sb_last_error());
    if (w->t == 0) {
        w->checkpoints++;
        w->next_admin = now + CHECKPOINT_MS / 1e3;
    } else {
        w->syncs++;
        w->next_admin = now + SYNC_MS / 1e3;
    }
}

static void *
work(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until) {
        for (int k = 0; k < 32; k++) {
            /* Redeemed people can do nothing more: mostly pick another. */
            unsigned i = w->t * OWNED + rng_below(&w->rng, OWNED);
            for (int tries = 0; tries < 3 && people[i].state == P_REDEEMED; tries++)
                i = w->t * OWNED + rng_below(&w->rng, OWNED);
            switch (people[i].state) {
            case P_NONE:
                when_none(w, i);
                break;
            case P_HELD:
                when_held(w, i);
                break;
            case P_WAITING:
                when_waiting(w, i);
                break;
            case P_REDEEMED:
                when_redeemed(w, i);
                break;
            default:
                if (people[i].fam >= 0)
                    when_in_family(w, i);
                else
                    when_booked_alone(w, i);
            }
            w->ops++;
        }
        admin(w);
    }
    return NULL;
}

/* ---- after reopening ------------------------------------------------------------ */

static void
check_codes(sb_engine *e)
{
    for (unsigned t = 0; t < WORKERS; t++) {
        worker *w = &workers[t];
        for (unsigned k = 0; k < w->nlog; k++) {
            const issued *is = &w->log[k];
            sb_status st = sb_verify(e, is->code, is->bsn, NULL);
            CHECK(st == is->expect,
                  "after reopening: worker %u, code %u %s of bsn %u: %s, expected %s", t, k,
                  is->code, is->bsn, sb_status_name(st), sb_status_name(is->expect));
        }
        for (unsigned f = 0; f < w->nfam; f++) {
            const family *fa = &w->fam[f];
            for (unsigned k = 0; fa->live && k < fa->n; k++) {
                unsigned i = fa->member[k];
                sb_status want = people[i].state == P_REDEEMED ? SB_USED : SB_OK;
                sb_status st = sb_verify(e, fa->code, bsns[i], NULL);
                CHECK(st == want,
                      "after reopening: family code %s, member %u, bsn %u: %s, expected %s",
                      fa->code, k, bsns[i], sb_status_name(st), sb_status_name(want));
            }
        }
    }
}

/* Every person where the model puts them; holds and offers are gone. */
static void
check_people(sb_engine *e, uint32_t booked[NSLOTS], uint32_t redeemed[NSLOTS])
{
    for (unsigned i = 0; i < PEOPLE; i++) {
        person *p = &people[i];
        sb_booking b;
        sb_status st = sb_lookup(e, bsns[i], &b);
        int ok;
        switch (p->state) {
        case P_BOOKED:
        case P_REDEEMED:
            ok = st == SB_OK && slots_equal(b.slot, p->slot) &&
                 b.state == (p->state == P_BOOKED ? SB_STATE_BOOKED : SB_STATE_REDEEMED);
            (p->state == P_BOOKED ? booked : redeemed)[grid_index(&grid, p->slot)]++;
            break;
        case P_WAITING:
            ok = st == SB_NOT_FOUND || (st == SB_OK && b.state == SB_STATE_WAITING &&
                                        b.slot.location == p->wait_location);
            if (st == SB_NOT_FOUND)
                p->state = P_NONE;
            break;
        default:
            ok = st == SB_NOT_FOUND;
            p->state = P_NONE;
        }
        CHECK(ok, "after reopening: bsn %u (%s at %u/%d/%u): lookup %s, state %d at %u/%d/%u",
              bsns[i], state_name[p->state], p->slot.location, p->slot.day, p->slot.window,
              sb_status_name(st), st == SB_OK ? (int)b.state : 0, b.slot.location, b.slot.day,
              b.slot.window);
    }
}

static void
check_slots_and_stock(sb_engine *e, const uint32_t booked[NSLOTS], const uint32_t redeemed[NSLOTS])
{
    uint64_t with_people[LOCS] = {0};
    for (unsigned k = 0; k < NSLOTS; k++) {
        sb_slot_info info;
        CHECK(sb_slot_read(e, grid_slot(&grid, k), &info) == SB_OK, "slot_read");
        CHECK(info.capacity == atomic_load(&released[k]) && info.held == 0 &&
                  info.booked == booked[k] && info.redeemed == redeemed[k],
              "after reopening: slot %u: capacity %u (released %u), held %u, booked %u (%u), "
              "redeemed %u (%u)",
              k, info.capacity, atomic_load(&released[k]), info.held, info.booked, booked[k],
              info.redeemed, redeemed[k]);
        with_people[grid_slot(&grid, k).location] += info.booked + info.redeemed;
    }
    for (uint16_t l = 0; l < LOCS; l++) {
        uint64_t shelf;
        CHECK(sb_stock_read(e, l, &shelf) == SB_OK, "stock_read");
        CHECK(shelf + with_people[l] == atomic_load(&added[l]),
              "after reopening: location %u: %" PRIu64 " on the shelf + %" PRIu64
              " with people != %" PRIu64 " added",
              l, shelf, with_people[l], atomic_load(&added[l]));
    }
}

/* ---- phases ------------------------------------------------------------------------ */

static void
fill_options(sb_options *o, uint8_t mode)
{
    sb_options_init(o);
    o->max_locations = LOCS;
    o->first_day = FIRST_DAY;
    o->days = DAYS;
    o->windows_per_day = WINDOWS;
    o->max_people = 1u << 14;
    o->use_stock = 1;
    o->max_families = MAX_FAMILIES;
    o->max_waiting = MAX_WAITING;
    for (int k = 0; k < 32; k++)
        o->code_key[k] = (uint8_t)(k * 13 + 5);
    o->journal = path;
    o->durable = mode;
    o->flush_ms = 2;
}

static sb_engine *
open_journal(uint8_t mode, const char *when)
{
    sb_options o;
    fill_options(&o, mode);
    sb_engine *e;
    sb_status st = sb_open(&o, &e);
    CHECK(st == SB_OK, "open %s: %s: %s", when, sb_status_name(st), sb_last_error());
    return e;
}

static void
first_setup(sb_engine *e)
{
    for (uint16_t l = 0; l < LOCS; l++) {
        CHECK(sb_location_open(e, l) == SB_OK, "location_open");
        CHECK(sb_stock_add(e, l, STOCK) == SB_OK, "stock_add");
        atomic_store(&added[l], STOCK);
    }
    for (unsigned k = 0; k < NSLOTS; k++) {
        CHECK(sb_release(e, grid_slot(&grid, k), CAPACITY) == SB_OK, "release");
        atomic_store(&released[k], CAPACITY);
    }
}

static void
phase(uint8_t mode, uint64_t seed, double seconds)
{
    const char *name = mode == SB_DURABLE_SYNC ? "sync" : "batch";
    sb_engine *e = open_journal(mode, name);
    if (mode == SB_DURABLE_SYNC)
        first_setup(e);
    pthread_t t[WORKERS];
    double t0 = wall_seconds(), until = t0 + seconds;
    for (unsigned k = 0; k < WORKERS; k++) {
        worker *w = &workers[k];
        w->e = e;
        w->t = k;
        w->rng = seed + (mode + 1) * 0x51ed27u + k * 0x9e3779b97f4a7c15u;
        w->until = until;
        w->next_admin = t0;
        pthread_create(&t[k], NULL, work, w);
    }
    uint64_t ops = 0, ckpts = 0, syncs = 0, fams = 0, offers = 0, logged = 0;
    for (unsigned k = 0; k < WORKERS; k++) {
        pthread_join(t[k], NULL);
        ops += workers[k].ops;
        ckpts += workers[k].checkpoints;
        syncs += workers[k].syncs;
        fams += workers[k].families;
        offers += workers[k].offers;
        logged += workers[k].nlog;
    }
    unsigned in_state[5] = {0};
    for (unsigned i = 0; i < PEOPLE; i++)
        in_state[people[i].state]++;
    audit_ok(e, "after the surge");
    sb_journal_info ji;
    CHECK(sb_journal_read(e, &ji) == SB_OK, "journal_read");
    sb_close(e);

    e = open_journal(mode, "after the surge");
    sb_journal_info re;
    CHECK(sb_journal_read(e, &re) == SB_OK, "journal_read");
    CHECK(re.recovered > 0, "nothing recovered");
    static uint32_t booked[NSLOTS], redeemed[NSLOTS];
    memset(booked, 0, sizeof booked);
    memset(redeemed, 0, sizeof redeemed);
    check_codes(e);
    check_people(e, booked, redeemed);
    check_slots_and_stock(e, booked, redeemed);
    audit_ok(e, "after reopening");
    sb_close(e);
    printf("%s: %" PRIu64 " calls, %" PRIu64 " records, %" PRIu64 " flushes, %" PRIu64
           " checkpoints, %" PRIu64 " syncs, %" PRIu64 " families, %" PRIu64
           " offers confirmed; reopened: %" PRIu64 " records recovered in %.1f ms, %" PRIu64
           " codes checked; people: %u none, %u held, %u booked, %u redeemed, %u waiting\n",
           name, ops, ji.records, ji.flushes, ckpts, syncs, fams, offers, re.recovered,
           re.recover_ns / 1e6, logged, in_state[P_NONE], in_state[P_HELD], in_state[P_BOOKED],
           in_state[P_REDEEMED], in_state[P_WAITING]);
    for (unsigned k = 0; k < WORKERS; k++)
        workers[k].ops = workers[k].checkpoints = workers[k].syncs = workers[k].families =
            workers[k].offers = 0;
}

/* A hang (a call that never returns, a writer that never drains) fails the
 * run with a message instead of waiting for the harness's timeout. */
static void
hung(int sig)
{
    (void)sig;
    static const char m[] = "journal stress: hung (watchdog); the journal is left in place\n";
    if (write(2, m, sizeof m - 1) < 0)
        _exit(3);
    abort();
}

int
main(void)
{
    uint64_t seed = stress_seed();
    setvbuf(stdout, NULL, _IOLBF, 0); /* the seed shows even if a run aborts */
    const char *s = getenv("SB_STRESS_SECONDS");
    double seconds = s && atof(s) > 0 ? atof(s) : DEFAULT_SECONDS;
    stress_make_dir(dir, sizeof dir, "sb-journal");
    snprintf(path, sizeof path, "%s/journal", dir);
    printf("journal stress: seed %" PRIu64 ", %d workers, %.1f s, %s\n", seed, WORKERS, seconds,
           path);
    signal(SIGALRM, hung);
    alarm(WATCHDOG_S(seconds));
    bsns = make_bsns(PEOPLE);
    for (unsigned i = 0; i < PEOPLE; i++)
        people[i] = (person){.state = P_NONE, .fam = -1, .log = -1};
    phase(SB_DURABLE_SYNC, seed, seconds / 2);
    phase(SB_DURABLE_BATCH, seed, seconds / 2);
    stress_remove_dir(dir);
    free(bsns);
    printf("ok\n");
    return 0;
}
