/*
 * Waiting list under races.  Worker threads each own a set of people and
 * make them join waiting lists with random ranges (some reaching outside
 * the horizon), leave them, reserve and book directly while waiting,
 * confirm the holds the list offers them or let them run out, cancel and
 * move bookings.  A clock thread moves the shared fake clock and calls
 * sb_expire (so holds that ran out and delayed releases reach the lists),
 * an admin thread releases places and closes and opens location 2, and a
 * checker samples every slot.  max_waiting is small, so lists fill up and
 * their entries are reused all the time.
 *
 * Only a person's owner calls on them, so every change the owner did not
 * make is the library's: an offer (WAITING -> HELD) or a hold running out.
 * Each owner looks its people up and follows them.
 *
 * Checked while running: the statuses each call may give (sb_wait's
 * INVALID_ARG exactly when the clamped range is empty, CLOSED only at
 * location 2); every sb_slot_read answer keeps held + booked + redeemed <=
 * capacity and capacity <= what was released; lookups agree with what the
 * owner knows: a waiting person waits where and for the days they asked
 * (clamped), with fewer than max_waiting ahead; an offer is a live hold at
 * that location on a day of the range, with a deadline within hold_ms; a
 * waiting person who is no longer found had a hold that ran out (their
 * confirm answers SB_EXPIRED).
 * Checked at each of ROUNDS pauses, quiescent, after sb_expire at the time
 * the round ended: sb_audit; every person is in one state (lookup, and
 * sb_each_booking lists exactly the holders and the booked, once, in their
 * slot, and no waiting person; sb_wait answers SB_DUPLICATE for a waiting
 * one); per slot, the places that entered people (own reserves, books and
 * moves in, offers) minus those that left them (cancels, moves away, holds
 * that ran out) equal the people there, which equal held + booked, and
 * held + booked + pending + free == capacity; no waiting person has a free
 * place in their range, unless they could have seen it free when their
 * join returned (sb_wait takes no free place), it is at location 2 (closed
 * now and then), or a reserve of theirs raced an offer there (see
 * `returned`).  Each freed place went to one person at most: every answer
 * keeps held + booked <= capacity, and the places in and out add up.
 * At the end: probes take and cancel every free place once, which offers
 * it to the list: after that no waiting person has a free place in their
 * range at all; then every deadline passes, and once more sb_audit, the
 * people and the slots (nothing pending, free == capacity - held -
 * booked, capacity == what was released); the stats count every sb_wait
 * call.
 */
#include "stress.h"

#define WORKERS 4
#define OWNED 64
#define PROBE (WORKERS * OWNED) /* people owned; probes come after them */
#define LOCS 3
#define DAYS 6
#define WINDOWS 2
#define NSLOTS (LOCS * DAYS * WINDOWS)
#define MAX_CAPACITY 5
#define MAX_WAITING 8
#define HOLD_MS 50
#define DELAY_MS 10
#define FIRST_DAY 19174
#define TOGGLED 2 /* the location that closes and opens */
#define PROBES (NSLOTS * MAX_CAPACITY)
#define ROUNDS 8 /* pauses for the quiescent checks */

enum { NONE, WAITING, HELD, BOOKED };

typedef struct mine {
    int state;
    uint16_t loc;     /* WAITING */
    int32_t from, to; /* WAITING: clamped, relative to FIRST_DAY */
    uint32_t slot;    /* HELD, BOOKED */
    int abandon;      /* HELD: the owner lets the hold run out */
    int had_room;     /* WAITING: may see a place the list never offers */
    char code[SB_CODE_SIZE];
} mine;

typedef struct worker {
    sb_engine *e;
    uint64_t rng;
    double until;
    unsigned first; /* its people: bsns[first .. first + OWNED) */
    mine p[OWNED];
    uint64_t entered[NSLOTS], left[NSLOTS], offers[NSLOTS];
    uint64_t ops, waits, wait_ok, wait_nomem, offers_lost;
} worker;

static uint32_t *bsns;
static _Atomic uint64_t released[NSLOTS]; /* counted before the call */
static _Atomic int running;
/* Reserves and books by a waiting person that answered SB_DUPLICATE (an
 * offer came first) per slot: such a call may have taken a free place, or
 * the place of a hold that ran out, and given it back to the slot without
 * offering it to anybody (it was free all along). */
static _Atomic uint32_t returned[NSLOTS];

static sb_slot
slot_of(uint32_t i)
{
    sb_slot s;
    s.window = (uint16_t)(i % WINDOWS);
    s.day = FIRST_DAY + (int32_t)(i / WINDOWS % DAYS);
    s.location = (uint16_t)(i / (WINDOWS * DAYS));
    return s;
}

static uint32_t
index_of(sb_slot s)
{
    CHECK(s.location < LOCS && s.window < WINDOWS && s.day >= FIRST_DAY && s.day < FIRST_DAY + DAYS,
          "slot (%u, %d, %u) outside the engine", s.location, s.day, s.window);
    return ((uint32_t)s.location * DAYS + (uint32_t)(s.day - FIRST_DAY)) * WINDOWS + s.window;
}

static uint64_t
now_ms(void)
{
    return atomic_load(&stress_clock_ms);
}

/* ---- following one person ---------------------------------------------- */

/* A hold the person was offered, seen by a lookup at [t0, t1]. */
static void
offered(worker *w, mine *p, const sb_booking *b, uint64_t t0, uint64_t t1)
{
    uint32_t bsn = b->bsn;
    CHECK(b->slot.location == p->loc, "%09u waited at %u, offered a place at %u", bsn, p->loc,
          b->slot.location);
    CHECK(b->slot.day >= FIRST_DAY + p->from && b->slot.day <= FIRST_DAY + p->to,
          "%09u waited for days %d..%d, offered day %d", bsn, p->from, p->to,
          b->slot.day - FIRST_DAY);
    CHECK(b->deadline_ms > t0 && b->deadline_ms <= t1 + HOLD_MS,
          "%09u: offered hold with deadline %" PRIu64 " seen at %" PRIu64 "..%" PRIu64, bsn,
          b->deadline_ms, t0, t1);
    uint32_t i = index_of(b->slot);
    p->state = HELD;
    p->slot = i;
    p->abandon = rng_below(&w->rng, 3) == 0;
    w->entered[i]++;
    w->offers[i]++;
}

/* Looks person k up and follows what the library did to them. */
static void
observe(worker *w, unsigned k)
{
    mine *p = &w->p[k];
    uint32_t bsn = bsns[w->first + k];
    sb_booking b;
    uint64_t t0 = now_ms();
    sb_status st = sb_lookup(w->e, bsn, &b);
    uint64_t t1 = now_ms();
    CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
    CHECK(st != SB_OK || b.bsn == bsn, "lookup filled BSN %09u for %09u", b.bsn, bsn);
    switch (p->state) {
    case NONE:
        CHECK(st == SB_NOT_FOUND, "%09u has nothing but lookup shows state %d", bsn, (int)b.state);
        break;
    case WAITING:
        if (st == SB_NOT_FOUND) {
            /* Offered a hold that ran out since. */
            char code[SB_CODE_SIZE];
            sb_status c = sb_confirm(w->e, bsn, code);
            CHECK(c == SB_EXPIRED, "%09u waited, lookup answers SB_NOT_FOUND, confirm %s", bsn,
                  sb_status_name(c));
            p->state = NONE;
            w->offers_lost++;
        } else if (b.state == SB_STATE_WAITING) {
            CHECK(b.slot.location == p->loc && b.slot.day == FIRST_DAY + p->from &&
                      b.last_day == FIRST_DAY + p->to && b.slot.window == 0 && b.deadline_ms == 0,
                  "%09u waits at %u for %d..%d, lookup shows %u for %d..%d", bsn, p->loc, p->from,
                  p->to, b.slot.location, b.slot.day - FIRST_DAY, b.last_day - FIRST_DAY);
            CHECK(b.position < MAX_WAITING, "%09u: position %u", bsn, b.position);
        } else {
            CHECK(b.state == SB_STATE_HELD, "%09u waited, now in state %d", bsn, (int)b.state);
            offered(w, p, &b, t0, t1);
        }
        break;
    case HELD:
        if (st == SB_NOT_FOUND) {
            w->left[p->slot]++; /* ran out */
            p->state = NONE;
        } else {
            CHECK(b.state == SB_STATE_HELD && index_of(b.slot) == p->slot && b.deadline_ms > t0 &&
                      b.deadline_ms <= t1 + HOLD_MS,
                  "%09u holds in slot %u, lookup shows state %d in %u, deadline %" PRIu64, bsn,
                  p->slot, (int)b.state, index_of(b.slot), b.deadline_ms);
        }
        break;
    default:
        CHECK(st == SB_OK && b.state == SB_STATE_BOOKED && index_of(b.slot) == p->slot,
              "%09u booked in slot %u, lookup: %s, state %d", bsn, p->slot, sb_status_name(st),
              st == SB_OK ? (int)b.state : 0);
        break;
    }
}

/* ---- what a person does ---------------------------------------------- */

/* Free places at loc over days from..to, and whether a call in flight may
 * have given one back to the slot there (see `returned`). */
static uint32_t
room_in(sb_engine *e, uint16_t loc, int32_t from, int32_t to, int *racy)
{
    uint32_t room = 0;
    for (int32_t d = from; d <= to; d++) {
        for (uint16_t win = 0; win < WINDOWS; win++) {
            sb_slot_info info;
            sb_slot s = {.location = loc, .window = win, .day = FIRST_DAY + d};
            CHECK(sb_slot_read(e, s, &info) == SB_OK, "slot_read");
            room += info.free;
            if (racy && atomic_load(&returned[index_of(s)]))
                *racy = 1;
        }
    }
    return room;
}

static void
join(worker *w, unsigned k)
{
    mine *p = &w->p[k];
    uint16_t loc = (uint16_t)rng_below(&w->rng, LOCS);
    int32_t from = (int32_t)rng_below(&w->rng, DAYS + 3) - 2;
    int32_t to = from + (int32_t)rng_below(&w->rng, 5) - 1;
    int32_t cf = from < 0 ? 0 : from, ct = to > DAYS - 1 ? DAYS - 1 : to;
    sb_status st = sb_wait(w->e, bsns[w->first + k], loc, FIRST_DAY + from, FIRST_DAY + to);
    w->waits++;
    if (cf > ct) {
        CHECK(st == SB_INVALID_ARG, "wait for %d..%d: %s", from, to, sb_status_name(st));
        return;
    }
    CHECK(st == SB_OK || st == SB_NOMEM || (st == SB_CLOSED && loc == TOGGLED),
          "wait at %u for %d..%d: %s", loc, from, to, sb_status_name(st));
    w->wait_nomem += st == SB_NOMEM;
    if (st != SB_OK)
        return;
    w->wait_ok++;
    /* A place free when the join is over may stay free (sb_wait takes none),
     * and so may one freed while the location is closed.  Any other place
     * that frees up in the range is offered, to them or to someone before
     * them. */
    int room = loc == TOGGLED || room_in(w->e, loc, cf, ct, NULL) > 0;
    *p = (mine){.state = WAITING, .loc = loc, .from = cf, .to = ct, .had_room = room};
}

/* reserve (book == 0) or book, from NONE or WAITING. */
static void
take(worker *w, unsigned k, int book)
{
    mine *p = &w->p[k];
    uint32_t i = rng_below(&w->rng, NSLOTS);
    sb_slot s = slot_of(i);
    uint32_t bsn = bsns[w->first + k];
    sb_status st = book ? sb_book(w->e, bsn, s, p->code) : sb_reserve(w->e, bsn, s);
    CHECK(st == SB_OK || st == SB_FULL || (st == SB_CLOSED && s.location == TOGGLED) ||
              (st == SB_NOMEM && !book) || (st == SB_DUPLICATE && p->state == WAITING),
          "%s by a person in state %d: %s", book ? "book" : "reserve", p->state,
          sb_status_name(st));
    if (st == SB_DUPLICATE) {
        atomic_fetch_add(&returned[i], 1);
        observe(w, k); /* an offer came first */
        CHECK(p->state != WAITING, "%09u: duplicate, but still waiting", bsn);
        return;
    }
    if (st != SB_OK)
        return;
    p->state = book ? BOOKED : HELD;
    p->slot = i;
    p->abandon = rng_below(&w->rng, 3) == 0;
    w->entered[i]++;
    if (book)
        CHECK(sb_verify(w->e, p->code, bsn, NULL) == SB_OK, "fresh code does not verify");
}

static void
cancel(worker *w, unsigned k)
{
    mine *p = &w->p[k];
    sb_status st = sb_cancel(w->e, bsns[w->first + k]);
    if (p->state == WAITING) {
        /* Left the list, or cancelled an offer not seen yet, or the offer
         * ran out.  Neither the offer nor its end was counted. */
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "cancel while waiting: %s", sb_status_name(st));
    } else if (p->state == HELD) {
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "cancel of a hold: %s", sb_status_name(st));
        w->left[p->slot]++;
    } else {
        CHECK(st == SB_OK, "cancel of a booking: %s", sb_status_name(st));
        w->left[p->slot]++;
    }
    p->state = NONE;
}

static void
confirm(worker *w, unsigned k)
{
    mine *p = &w->p[k];
    uint32_t bsn = bsns[w->first + k];
    sb_status st = sb_confirm(w->e, bsn, p->code);
    CHECK(st == SB_OK || st == SB_EXPIRED, "confirm: %s", sb_status_name(st));
    if (st == SB_OK) {
        p->state = BOOKED;
        CHECK(sb_verify(w->e, p->code, bsn, NULL) == SB_OK, "fresh code does not verify");
    } else {
        w->left[p->slot]++;
        p->state = NONE;
    }
}

static void
move(worker *w, unsigned k)
{
    mine *p = &w->p[k];
    uint32_t i = rng_below(&w->rng, NSLOTS);
    sb_slot s = slot_of(i);
    char code[SB_CODE_SIZE];
    sb_status st = sb_reschedule(w->e, bsns[w->first + k], s, code);
    CHECK(st == SB_OK || st == SB_FULL || (st == SB_DUPLICATE && i == p->slot) ||
              (st == SB_CLOSED && s.location == TOGGLED),
          "reschedule: %s", sb_status_name(st));
    if (st != SB_OK)
        return;
    w->left[p->slot]++;
    w->entered[i]++;
    p->slot = i;
    memcpy(p->code, code, SB_CODE_SIZE);
}

static void
one_call(worker *w)
{
    unsigned k = rng_below(&w->rng, OWNED);
    observe(w, k);
    unsigned r = rng_below(&w->rng, 100);
    switch (w->p[k].state) {
    case NONE:
        if (r < 50)
            join(w, k);
        else if (r < 75)
            take(w, k, 0);
        else if (r < 90)
            take(w, k, 1);
        break;
    case WAITING:
        if (r < 10)
            cancel(w, k);
        else if (r < 16)
            take(w, k, 0);
        else if (r < 20)
            take(w, k, 1);
        break;
    case HELD:
        if (w->p[k].abandon)
            break; /* let it run out */
        if (r < 50)
            confirm(w, k);
        else if (r < 60)
            cancel(w, k);
        break;
    default:
        if (r < 15)
            cancel(w, k);
        else if (r < 25)
            move(w, k);
        break;
    }
    w->ops++;
}

static void *
work(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int i = 0; i < 64; i++)
            one_call(w);
    return NULL;
}

/* ---- the other threads ------------------------------------------------- */

static void
pause_us(long us)
{
    struct timespec ts = {us / 1000000, us % 1000000 * 1000};
    nanosleep(&ts, NULL);
}

static void *
ticker(void *arg)
{
    sb_engine *e = arg;
    while (atomic_load(&running)) {
        atomic_fetch_add(&stress_clock_ms, 1);
        sb_expire(e);
        pause_us(20);
    }
    return NULL;
}

typedef struct admin_state {
    sb_engine *e;
    uint64_t rng;
    unsigned n;
    long gap_us;
} admin_state;

/* Releases one place into a random slot not yet at MAX_CAPACITY every
 * gap_us (as many tries as places in half the run), so places stay scarce
 * and keep coming; closes and opens location TOGGLED now and then. */
static void *
admin(void *arg)
{
    admin_state *a = arg;
    for (; atomic_load(&running); a->n++) {
        uint32_t i = rng_below(&a->rng, NSLOTS);
        if (atomic_load(&released[i]) < MAX_CAPACITY) {
            atomic_fetch_add(&released[i], 1);
            CHECK(sb_release(a->e, slot_of(i), 1) == SB_OK, "release");
        }
        if (a->n % 16 == 0)
            CHECK((a->n / 16 % 2 ? sb_location_open : sb_location_close)(a->e, TOGGLED) == SB_OK,
                  "open/close");
        pause_us(a->gap_us);
    }
    return NULL;
}

static void *
checker(void *arg)
{
    sb_engine *e = arg;
    while (atomic_load(&running)) {
        for (uint32_t i = 0; i < NSLOTS; i++) {
            sb_slot_info info;
            uint64_t cap = atomic_load(&released[i]);
            CHECK(sb_slot_read(e, slot_of(i), &info) == SB_OK, "slot_read");
            slot_info_ok(&info);
            cap = cap > atomic_load(&released[i]) ? cap : atomic_load(&released[i]);
            CHECK(info.capacity <= cap, "slot %u: capacity %u, released %" PRIu64, i, info.capacity,
                  cap);
        }
    }
    return NULL;
}

/* ---- the end ------------------------------------------------------------- */

static int
bsn_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

typedef struct walk {
    worker *w;
    unsigned seen[PROBE];
} walk;

/* sb_each_booking: each person seen is a holder or booked there. */
static int
walk_one(const sb_booking *b, void *ctx)
{
    walk *wk = ctx;
    const uint32_t *at = bsearch(&b->bsn, bsns, PROBE, sizeof *bsns, bsn_cmp);
    CHECK(at != NULL, "sb_each_booking: unknown BSN %09u", b->bsn);
    unsigned n = (unsigned)(at - bsns);
    mine *p = &wk->w[n / OWNED].p[n % OWNED];
    CHECK((p->state == HELD || p->state == BOOKED) && p->slot == index_of(b->slot) &&
              b->state == (p->state == HELD ? SB_STATE_HELD : SB_STATE_BOOKED),
          "sb_each_booking: %09u in state %d at slot %u, the person is in state %d at %u", b->bsn,
          (int)b->state, index_of(b->slot), p->state, p->slot);
    wk->seen[n]++;
    return 0;
}

/* sb_wait calls made by the final checks. */
static uint64_t final_waits;

/* One state per person; per slot, places in == places out + people there,
 * and no place lost (once `settled`, no delayed release is pending). */
static void
check_people(sb_engine *e, worker *w, int settled)
{
    static walk wk;
    memset(&wk, 0, sizeof wk);
    wk.w = w;
    for (uint16_t l = 0; l < LOCS; l++)
        CHECK(sb_each_booking(e, l, FIRST_DAY, FIRST_DAY + DAYS - 1, walk_one, &wk) == SB_OK,
              "each_booking");
    uint64_t held[NSLOTS] = {0}, booked[NSLOTS] = {0}, in[NSLOTS] = {0}, out[NSLOTS] = {0};
    for (unsigned n = 0; n < PROBE; n++) {
        mine *p = &w[n / OWNED].p[n % OWNED];
        CHECK(wk.seen[n] == (p->state == HELD || p->state == BOOKED),
              "%09u in state %d seen %u times by sb_each_booking", bsns[n], p->state, wk.seen[n]);
        if (p->state == HELD)
            held[p->slot]++;
        if (p->state == BOOKED)
            booked[p->slot]++;
        if (p->state == WAITING) {
            CHECK(sb_wait(e, bsns[n], 0, FIRST_DAY, FIRST_DAY) == SB_DUPLICATE,
                  "a waiting person may wait twice");
            final_waits++;
        }
    }
    for (int t = 0; t < WORKERS; t++)
        for (uint32_t i = 0; i < NSLOTS; i++)
            in[i] += w[t].entered[i], out[i] += w[t].left[i];
    for (uint32_t i = 0; i < NSLOTS; i++) {
        sb_slot_info info;
        CHECK(sb_slot_read(e, slot_of(i), &info) == SB_OK, "slot_read");
        CHECK(info.capacity == atomic_load(&released[i]), "slot %u: capacity %u, released %" PRIu64,
              i, info.capacity, atomic_load(&released[i]));
        CHECK(info.held == held[i] && info.booked == booked[i] && info.redeemed == 0 &&
                  (info.pending == 0 || !settled) &&
                  info.free + info.pending == info.capacity - info.held - info.booked,
              "slot %u: capacity %u held %u/%" PRIu64 " booked %u/%" PRIu64 " pending %u free %u",
              i, info.capacity, info.held, held[i], info.booked, booked[i], info.pending,
              info.free);
        CHECK(in[i] - out[i] == held[i] + booked[i],
              "slot %u: %" PRIu64 " places entered people, %" PRIu64 " left, %" PRIu64
              " people there",
              i, in[i], out[i], held[i] + booked[i]);
    }
}

/* Waiting people who have a free place in their range; *strict counts
 * those of them who should not (see join()). */
static unsigned
waiting_with_room(sb_engine *e, worker *w, unsigned *strict)
{
    unsigned bad = 0;
    *strict = 0;
    for (unsigned n = 0; n < PROBE; n++) {
        mine *p = &w[n / OWNED].p[n % OWNED];
        if (p->state != WAITING)
            continue;
        int racy = 0;
        if (room_in(e, p->loc, p->from, p->to, &racy) == 0)
            continue;
        bad++;
        if (!p->had_room && !racy) {
            *strict += 1;
            fprintf(stderr, "%09u waits at %u for days %d..%d with a place free there\n", bsns[n],
                    p->loc, p->from, p->to);
        }
    }
    return bad;
}

/* Looks everyone up again (after the library may have offered places). */
static void
observe_all(worker *w)
{
    for (int t = 0; t < WORKERS; t++)
        for (unsigned k = 0; k < OWNED; k++)
            observe(&w[t], k);
}

/* Probes take every free place of the open locations, then cancel them all;
 * once their delayed releases are due, sb_expire offers each place to the
 * list.  (One probe per place: a person holds one place at a time.) */
static void
probe_free_places(sb_engine *e)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < NSLOTS; i++) {
        sb_slot_info info;
        CHECK(sb_slot_read(e, slot_of(i), &info) == SB_OK, "slot_read");
        for (uint32_t f = 0; f < info.free; f++, n++) {
            CHECK(n < PROBES, "more free places than probes");
            sb_status st = sb_reserve(e, bsns[PROBE + n], slot_of(i));
            CHECK(st == SB_OK, "probe reserve of a free place: %s", sb_status_name(st));
        }
    }
    for (unsigned k = 0; k < n; k++)
        CHECK(sb_cancel(e, bsns[PROBE + k]) == SB_OK, "probe cancel");
    atomic_fetch_add(&stress_clock_ms, DELAY_MS);
    sb_expire(e);
    printf("probed %u free places\n", n);
}

/* Untainted waiting people the pauses looked at, and those of them with
 * a free place in their range (legitimately: tainted). */
static uint64_t strict_checked, roomy_seen;

/* At a pause, quiescent, at the time the round ended: holds that ran out and
 * delayed releases that are due reach the lists; then nobody waits for a
 * place in their range that freed up while they waited. */
static void
pause_checks(sb_engine *e, worker *w)
{
    sb_expire(e);
    audit_ok(e, "at a pause");
    observe_all(w);
    check_people(e, w, 0);
    unsigned strict;
    roomy_seen += waiting_with_room(e, w, &strict);
    CHECK(strict == 0,
          "after sb_expire, %u people wait with a free place in their range that was "
          "never offered",
          strict);
    for (unsigned n = 0; n < PROBE; n++)
        strict_checked +=
            w[n / OWNED].p[n % OWNED].state == WAITING && !w[n / OWNED].p[n % OWNED].had_room;
}

/* After the last pause: every free place is offered once more; then every
 * deadline passes and everything is settled. */
static void
final_checks(sb_engine *e, worker *w)
{
    unsigned strict;
    CHECK(sb_location_open(e, TOGGLED) == SB_OK, "open");
    probe_free_places(e);
    observe_all(w);
    unsigned waiting = 0, after = waiting_with_room(e, w, &strict);
    for (unsigned n = 0; n < PROBE; n++)
        waiting += w[n / OWNED].p[n % OWNED].state == WAITING;
    CHECK(after == 0, "%u waiting people have a free place in their range", after);
    check_people(e, w, 0);
    audit_ok(e, "after the probe");
    atomic_fetch_add(&stress_clock_ms, 1000000);
    sb_expire(e);
    audit_ok(e, "once every deadline passed");
    observe_all(w);
    check_people(e, w, 1);
    uint64_t waits = final_waits;
    for (int t = 0; t < WORKERS; t++)
        waits += w[t].waits;
    sb_stats s;
    sb_stats_read(e, &s);
    CHECK(s.calls[SB_OP_WAIT] == waits, "stats count %" PRIu64 " waits, made %" PRIu64,
          s.calls[SB_OP_WAIT], waits);
    printf("pauses: %" PRIu64 " waiting people checked, %" PRIu64
           " waiting with a place they could see when they joined; %u waiting after the probe\n",
           strict_checked, roomy_seen, waiting);
}

/* One round: every thread runs until `until`. */
static void
run_round(sb_engine *e, worker *w, admin_state *a, double until)
{
    pthread_t t[WORKERS], tt, ta, tc;
    atomic_store(&running, 1);
    for (int i = 0; i < WORKERS; i++) {
        w[i].until = until;
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    pthread_create(&tt, NULL, ticker, e);
    pthread_create(&ta, NULL, admin, a);
    pthread_create(&tc, NULL, checker, e);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    atomic_store(&running, 0);
    pthread_join(tt, NULL);
    pthread_join(ta, NULL);
    pthread_join(tc, NULL);
}

int
main(void)
{
    uint64_t seed = stress_seed();
    printf("wait stress: seed %" PRIu64 ", %d workers, %.1f s\n", seed, WORKERS, stress_seconds());
    bsns = make_bsns(PROBE + PROBES);
    sb_options o;
    sb_options_init(&o);
    o.first_day = FIRST_DAY;
    o.days = DAYS;
    o.max_locations = LOCS;
    o.windows_per_day = WINDOWS;
    o.hold_ms = HOLD_MS;
    o.release_delay_ms = DELAY_MS;
    o.holds_per_slot = 8;
    o.max_people = 1024;
    o.max_waiting = MAX_WAITING;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    for (uint16_t l = 0; l < LOCS; l++)
        CHECK(sb_location_open(e, l) == SB_OK, "open");

    static worker w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        w[i] = (worker){.e = e,
                        .rng = seed + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15u,
                        .first = (unsigned)i * OWNED};
    long gap_us = (long)(stress_seconds() * 1e6 / (2.0 * NSLOTS * MAX_CAPACITY));
    admin_state a = {.e = e, .rng = seed ^ 0x5bd1e995u, .gap_us = gap_us > 1 ? gap_us : 1};
    double start = wall_seconds();
    for (int r = 1; r <= ROUNDS; r++) {
        run_round(e, w, &a, start + stress_seconds() * r / ROUNDS);
        pause_checks(e, w);
    }
    final_checks(e, w);
    uint64_t ops = 0, joined = 0, nomem = 0, offers = 0, lost = 0;
    for (int i = 0; i < WORKERS; i++) {
        ops += w[i].ops;
        joined += w[i].wait_ok;
        nomem += w[i].wait_nomem;
        lost += w[i].offers_lost;
        for (uint32_t k = 0; k < NSLOTS; k++)
            offers += w[i].offers[k];
    }
    CHECK(joined > 0 && offers > 0, "the run joined %" PRIu64 " times and saw %" PRIu64 " offers",
          joined, offers);
    sb_stats s;
    sb_stats_read(e, &s);
    printf("ok: %" PRIu64 " calls, %" PRIu64 " joins, %" PRIu64 " lists full, %" PRIu64
           " offers seen, %" PRIu64 " offers ran out unseen, %" PRIu64 " holds expired\n",
           ops, joined, nomem, offers, lost, s.expired);
    sb_close(e);
    free(bsns);
    return 0;
}
