/*
 * The mutex baseline: slotbook's semantics implemented the plain way, under
 * one global pthread mutex, so that the benchmark's ratio measures
 * slotbook's concurrency design and not work one side skips.
 *
 * Design.  Every call checks its arguments (pure, no state), then takes the
 * one mutex for all of its state work.  Everything is allocated at open;
 * no call allocates.
 *
 *   people   an array of person structs by person number (dense, in order
 *            of first successful reserve, book, family booking or wait,
 *            never removed), and an open-addressing table BSN -> number
 *            (linear probing, keyed hash, load <= 3/4).  A person has a
 *            state (none, held, booked, redeemed, expired, waiting, a
 *            family's member), the slot of the hold or booking, the hold's
 *            deadline, a generation (bookings made, the live booking's), a
 *            count of changes, and the family they were last booked with.
 *   slots    per slot: capacity, booked, redeemed, its hold records in a
 *            doubly linked list by deadline (every hold lives hold_ms and
 *            the clock never goes back, so appending keeps the list sorted:
 *            the holds that ran out are the list's head), and its delayed
 *            releases in a list by due time.
 *   families an array of family records, never reused (max_families): the
 *            members in the caller's order (member[0] leads), the slot, the
 *            code's generation, a redeemed bit per member, the change count
 *            and its base.
 *   waiting  per location a list of waiting people in order of arrival
 *            (first come, first served), each with a day range.
 *   codes    slotbook's own generator (lib/codes.c): the same sealing of
 *            (person number, generation) under the same key derivation.
 *            Sealing and opening are pure, so they run outside the lock.
 *
 * Places.  A slot's taken places are its booked and redeemed ones, its hold
 * records and its delayed releases, as in slotbook; a place nothing records
 * is free.  Holds that ran out and delayed releases that came due count as
 * free for every reader at once, but their records stay until they are
 * reclaimed, as in slotbook: by sb_expire (which counts the holds), by a
 * hold's owner's next successful reserve, book, sb_wait or family booking
 * (which drops it), by a reserve, book or reschedule that finds every place
 * of the slot recorded (which takes one over), by a call that needs a seat
 * (below) and finds none free, by a family booking or move that finds too
 * few places (every one of that slot's is reclaimed), or by a call that
 * finds its location's shelf of stickers short (every one of the
 * location's).
 *
 * Freed places and the waiting list.  Every place a call frees goes, as in
 * slotbook, to the first person waiting at its location whose range holds
 * its day, as a hold (with a sticker from the shelf, under use_stock), when
 * the location is open; else it stays free in its slot.  The places freed
 * are those slotbook frees (every sb__place_free in lib/slots.c and the
 * waiting list's release in lib/engine.c): a cancel, a reschedule away, a
 * family cancelled or moved, a dead hold dropped by its owner's next call,
 * sb_release's new places, every record a reclaim removes (but a takeover,
 * whose place goes to the caller), and a taken-over place a refused call
 * gives back.  The steps of each call, and with them the moments a sticker
 * is taken or given back, follow slotbook's order, so a waiting person gets
 * the same place in both engines.
 *
 * Seats.  slotbook gives each hold (and each delayed release) one of the
 * slot's holds_per_slot seats; here the same limit is a count: hold records
 * + delayed releases <= holds_per_slot.  A call that needs a seat and finds
 * none reclaims a dead hold or a due release of the slot if there is one,
 * as slotbook takes over a due seat.
 *
 * Stickers (use_stock).  Per location a shelf: the stickers on it and all
 * ever added.  A hold or booking takes one from its location's shelf (a
 * sticker follows the person, as in slotbook): a confirm keeps it, a redeem
 * uses it up, a cancel, a reschedule to another location and the reclaim of
 * a hold that ran out give it back; a family takes one per member.  A call
 * that finds the shelf short first reclaims every dead hold and due release
 * of the location (as slotbook does), so a hold that ran out never causes
 * SB_NO_STOCK.
 *
 * Changes (max_changes).  Each person counts cancels (of a live hold or a
 * booking) and reschedules, saturating at SB_MAX_CHANGES; past max_changes
 * (when it is not 0) cancel and reschedule answer SB_LIMIT and change
 * nothing.  A family counts from the most its members had made; when it is
 * cancelled its changes count for every member not redeemed.
 *
 * Time: the caller's clock (or CLOCK_REALTIME) in ms since open, capped at
 * SB_MAX_TIME_MS, never going back (the largest reading folded in so far).
 * The raw clock is read before the lock, and folded in at the same points
 * as slotbook reads its clock (sb_release included when there is a waiting
 * list), so both see the same times.
 *
 * Where the engines may legitimately differ (every other answer is the same
 * on one thread; tests/bench/baseline_test.c checks it):
 *   - Which dead hold or due release a takeover picks: slotbook the lowest
 *     seat, the baseline the oldest hold, then the earliest release.  So
 *     the count a later sb_expire answers, and the number on a shelf until
 *     the holds left behind are reclaimed (such a hold keeps its sticker),
 *     can differ where more than one record of a slot was due; every status
 *     and every slot read is the same, and after sb_expire the shelves are.
 *     With a waiting list the place of a hold left behind goes to a waiting
 *     person when it is reclaimed, so with several dead holds in one slot
 *     the hold a waiting person gets can come a call earlier or later.
 *   - The moment a delayed release comes due: both draw it at random in
 *     [now, now + release_delay_ms].
 *   - The order of a family's claims: slotbook claims the members in the
 *     order of its person numbers (a keyed hash), the baseline in the order
 *     of its own (arrival).  It shows only when the family booking's own
 *     reclaims (an empty shelf, a full slot, a member's dead hold dropped
 *     by the claim) give a waiting member a hold before that member is
 *     claimed: the family then answers SB_DUPLICATE in slotbook, and which
 *     members were taken off their waiting lists first (they are not put
 *     back; README.md), or whether the family is stopped at all, can
 *     differ.
 *   - sb_each_booking walks the people in order of their numbers, reading
 *     each under the lock and calling back without it (so the callback may
 *     call the engine): the same bookings as slotbook, in another order.
 *   - sb_release offers its new places to the waiting list one by one; when
 *     the slot has no seat for a waiting person's hold, slotbook goes on
 *     offering the rest (each finds no seat either), the baseline stops at
 *     once: the same outcome.
 */
#include "driver.h"
#include "internal.h"
#include "options.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED, P_EXPIRED, P_WAITING, P_MEMBER };
enum { F_BOOKED, F_CANCELLED };
#define NIL UINT32_MAX

typedef struct person {
    uint32_t bsn;
    uint8_t state;
    uint8_t changes;     /* cancels and reschedules, saturating at SB_MAX_CHANGES */
    uint16_t gen;        /* bookings made (a family's codes count for its leader) */
    uint32_t slot;       /* of the hold or booking; P_WAITING: the location */
    uint32_t prev, next; /* P_HELD: the slot's hold list; P_WAITING: the location's list */
    uint64_t deadline;   /* of the hold, ms since open */
    uint32_t fam;        /* P_MEMBER: the family; else the family the person was last
                            booked with, until their own next change (NIL: none) */
    uint16_t wfrom, wto; /* P_WAITING: the day range, in days after first_day */
} person;

/* A family booking: P_MEMBER people are active in it (booked, or redeemed). */
typedef struct family {
    uint32_t member[SB_FAMILY_MAX]; /* person numbers, the caller's order: member[0] leads */
    uint32_t slot;
    uint16_t gen, gen0; /* the generation of its latest code, of its first */
    uint8_t n, state;
    uint8_t redeemed;      /* bit i: member[i] was redeemed */
    uint8_t base, changes; /* the most changes a member had made; + the family's */
} family;

/* A list of people linked through their prev and next. */
typedef struct queue {
    uint32_t first, last, count;
} queue;

typedef struct slot {
    uint32_t capacity, booked, redeemed;
    queue held;        /* hold records, earliest deadline first: live, or ran out
                          and not reclaimed */
    uint32_t pending;  /* delayed releases: waiting, or due and not reclaimed */
    uint32_t releases; /* delayed releases (nodes), earliest first */
} slot;

/* A delayed release waiting in its slot. */
typedef struct release_node {
    uint64_t until;
    uint32_t next;
} release_node;

/* A location's waiting list, in order of arrival. */

/* A location's stickers (use_stock): available + those out = added. */
typedef struct shelf {
    uint64_t available, added;
} shelf;

typedef struct baseline {
    pthread_mutex_t lock;
    uint32_t locations, days, windows, nslots, holds_per_slot;
    int32_t first_day;
    uint32_t hold_ms, release_delay_ms;
    uint32_t max_changes;  /* 0 = unlimited */
    uint32_t max_waiting;  /* per location; 0 = no waiting list */
    uint32_t max_families; /* family bookings over the engine's life */
    uint64_t (*clock_fn)(void *ctx);
    void *clock_ctx;
    uint64_t epoch_ms, seen_ms;
    sb_code_keys keys;
    uint64_t rng; /* xorshift64* state, for release delays */
    uint8_t *open;
    shelf *stock; /* per location; NULL without use_stock */
    slot *slots;
    person *people;
    uint32_t npeople, max_people;
    uint64_t *table; /* bsn << 32 | number + 1; 0 = empty */
    uint64_t mask, seed;
    family *families;
    uint32_t families_used;
    queue *wait; /* per location; NULL without a waiting list */
    release_node *nodes;
    uint32_t nodes_used, nodes_free; /* bump allocation, then a free list */
    size_t nodes_max;
} baseline;

/* ---- clock ---------------------------------------------------------------- */

static uint64_t
wall_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
clock_raw(const baseline *b)
{
    return b->clock_fn(b->clock_ctx);
}

/* Folds a raw reading into the engine's time (under the lock). */
static uint64_t
clock_fold(baseline *b, uint64_t raw)
{
    uint64_t rel = raw > b->epoch_ms ? raw - b->epoch_ms : 0;
    if (rel > SB_MAX_TIME_MS)
        rel = SB_MAX_TIME_MS;
    if (rel > b->seen_ms)
        b->seen_ms = rel;
    return b->seen_ms;
}

/* A freed place's moment of return: now, or a random moment in
 * [now, now + release_delay_ms]. */
static uint64_t
release_moment(baseline *b, uint64_t now)
{
    if (b->release_delay_ms == 0)
        return now;
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    uint64_t r = b->rng * UINT64_C(0x2545f4914f6cdd1d);
    uint64_t at = now + r % ((uint64_t)b->release_delay_ms + 1);
    return at > SB_MAX_TIME_MS ? SB_MAX_TIME_MS : at;
}

static uint64_t
hold_deadline(const baseline *b, uint64_t now)
{
    uint64_t deadline = now + b->hold_ms;
    return deadline < SB_MAX_TIME_MS ? deadline : SB_MAX_TIME_MS;
}

/* ---- people --------------------------------------------------------------- */

static uint64_t
mix(uint64_t seed, uint32_t bsn)
{
    uint64_t h = (uint64_t)bsn ^ seed;
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

static uint32_t
person_find(const baseline *b, uint32_t bsn)
{
    for (uint64_t i = mix(b->seed, bsn);; i++) {
        uint64_t v = b->table[i & b->mask];
        if (v == 0)
            return NIL;
        if ((uint32_t)(v >> 32) == bsn)
            return (uint32_t)v - 1u;
    }
}

/* Stores a new person (the caller checked there is room) under the next
 * number. */
static uint32_t
person_insert(baseline *b, uint32_t bsn)
{
    uint32_t n = b->npeople++;
    b->people[n] =
        (person){.bsn = bsn, .state = P_NONE, .prev = NIL, .next = NIL, .slot = NIL, .fam = NIL};
    uint64_t i = mix(b->seed, bsn);
    while (b->table[i & b->mask] != 0)
        i++;
    b->table[i & b->mask] = (uint64_t)bsn << 32 | (n + 1u);
    return n;
}

/* A live hold, a booking, a redeemed booking, or a family's. */
static bool
active(const person *p, uint64_t now)
{
    return p->state == P_BOOKED || p->state == P_REDEEMED || p->state == P_MEMBER ||
           (p->state == P_HELD && p->deadline > now);
}

static uint8_t
plus_changes(uint32_t a, uint32_t b)
{
    return (uint8_t)(a + b < SB_MAX_CHANGES ? a + b : SB_MAX_CHANGES);
}

/* ---- slots, their holds and their delayed releases ------------------------------ */

static uint32_t
slot_index(const baseline *b, sb_slot s)
{
    int64_t day = (int64_t)s.day - b->first_day;
    if (s.location >= b->locations || s.window >= b->windows || day < 0 || day >= b->days)
        return NIL;
    return ((uint32_t)s.location * b->days + (uint32_t)day) * b->windows + s.window;
}

static sb_slot
slot_of(const baseline *b, uint32_t index)
{
    sb_slot s;
    s.window = (uint16_t)(index % b->windows);
    index /= b->windows;
    s.day = b->first_day + (int32_t)(index % b->days);
    s.location = (uint16_t)(index / b->days);
    return s;
}

static uint16_t
location_of(const baseline *b, uint32_t si)
{
    return (uint16_t)(si / (b->days * b->windows));
}

/* The slot's day, in days after first_day. */
static uint32_t
day_of(const baseline *b, uint32_t si)
{
    return si / b->windows % b->days;
}

static void
queue_append(baseline *b, queue *q, uint32_t n)
{
    person *p = &b->people[n];
    p->prev = q->last;
    p->next = NIL;
    if (q->last == NIL)
        q->first = n;
    else
        b->people[q->last].next = n;
    q->last = n;
    q->count++;
}

static void
queue_unlink(baseline *b, queue *q, uint32_t n)
{
    person *p = &b->people[n];
    if (p->prev == NIL)
        q->first = p->next;
    else
        b->people[p->prev].next = p->next;
    if (p->next == NIL)
        q->last = p->prev;
    else
        b->people[p->next].prev = p->prev;
    p->prev = p->next = NIL;
    q->count--;
}

/* Places in use, dead holds and due releases included until reclaimed. */
static uint64_t
taken(const slot *s)
{
    return (uint64_t)s->booked + s->redeemed + s->held.count + s->pending;
}

static void
hold_append(baseline *b, uint32_t si, uint32_t n, uint64_t deadline)
{
    slot *s = &b->slots[si];
    person *p = &b->people[n];
    p->state = P_HELD;
    p->slot = si;
    p->deadline = deadline;
    queue_append(b, &s->held, n);
}

/* Takes the person's hold record out of its slot (the caller sets the new
 * state). */
static void
hold_unlink(baseline *b, uint32_t n)
{
    queue_unlink(b, &b->slots[b->people[n].slot].held, n);
}

/* A delayed release of a place of slot si until `until`, in due order. */
static void
pending_push(baseline *b, uint32_t si, uint64_t until)
{
    uint32_t k = b->nodes_free;
    if (k != NIL) {
        b->nodes_free = b->nodes[k].next;
    } else {
        sb_assert(b->nodes_used < b->nodes_max);
        k = b->nodes_used++;
    }
    b->nodes[k].until = until;
    uint32_t *at = &b->slots[si].releases;
    while (*at != NIL && b->nodes[*at].until <= until)
        at = &b->nodes[*at].next;
    b->nodes[k].next = *at;
    *at = k;
    b->slots[si].pending++;
}

/* Drops slot si's earliest delayed release. */
static void
pending_pop(baseline *b, uint32_t si)
{
    slot *s = &b->slots[si];
    uint32_t k = s->releases;
    sb_assert(k != NIL);
    s->releases = b->nodes[k].next;
    b->nodes[k].next = b->nodes_free;
    b->nodes_free = k;
    s->pending--;
}

static bool
hold_due(const baseline *b, const slot *s, uint64_t now)
{
    return s->held.first != NIL && b->people[s->held.first].deadline <= now;
}

static bool
release_due(const baseline *b, const slot *s, uint64_t now)
{
    return s->releases != NIL && b->nodes[s->releases].until <= now;
}

/* Hold records in the slot whose hold ran out (the head of its list). */
static uint32_t
holds_ran_out(const baseline *b, const slot *s, uint64_t now)
{
    uint32_t k = 0;
    for (uint32_t n = s->held.first; n != NIL && b->people[n].deadline <= now;
         n = b->people[n].next)
        k++;
    return k;
}

/* Delayed releases of the slot that came due (the head of its list). */
static uint32_t
releases_due(const baseline *b, const slot *s, uint64_t now)
{
    uint32_t k = 0;
    for (uint32_t i = s->releases; i != NIL && b->nodes[i].until <= now; i = b->nodes[i].next)
        k++;
    return k;
}

static sb_slot_info
slot_info(const baseline *b, const slot *s, uint64_t now)
{
    sb_slot_info in;
    in.capacity = s->capacity;
    in.held = s->held.count - holds_ran_out(b, s, now);
    in.booked = s->booked;
    in.redeemed = s->redeemed;
    in.pending = s->pending - releases_due(b, s, now);
    in.free = s->capacity - in.held - in.booked - in.redeemed - in.pending;
    return in;
}

static bool
has_free(const baseline *b, const slot *s, uint64_t now)
{
    return taken(s) < s->capacity || hold_due(b, s, now) || release_due(b, s, now);
}

/* ---- stickers ------------------------------------------------------------------ */

static void
shelf_give(baseline *b, uint16_t location, uint32_t k)
{
    if (b->stock)
        b->stock[location].available += k;
}

/* Reclaims slot si's oldest hold, which ran out: its owner's hold is over
 * and the sticker goes back; the place is the caller's to use or free. */
static void
reclaim_hold(baseline *b, uint32_t si)
{
    uint32_t n = b->slots[si].held.first;
    hold_unlink(b, n);
    b->people[n].state = P_EXPIRED;
    shelf_give(b, location_of(b, si), 1);
}

/* Takes over one record of slot si that is due (a hold that ran out, else a
 * delayed release that came due), as slotbook takes over a due seat: true
 * when there was one.  Its place stays taken, for the caller. */
static bool
take_due(baseline *b, uint32_t si, uint64_t now)
{
    const slot *s = &b->slots[si];
    if (hold_due(b, s, now))
        reclaim_hold(b, si);
    else if (release_due(b, s, now))
        pending_pop(b, si);
    else
        return false;
    return true;
}

/* ---- the waiting list ------------------------------------------------------------ */

static void
wait_append(baseline *b, uint32_t n, uint16_t location, uint32_t from, uint32_t to)
{
    queue *q = &b->wait[location];
    person *p = &b->people[n];
    p->state = P_WAITING;
    p->slot = location;
    p->wfrom = (uint16_t)from;
    p->wto = (uint16_t)to;
    queue_append(b, q, n);
}

/* Takes a waiting person off their list (the caller sets the new state). */
static void
wait_unlink(baseline *b, uint32_t n)
{
    queue_unlink(b, &b->wait[b->people[n].slot], n);
}

/* People waiting at the person's location who came before them. */
static uint32_t
wait_position(const baseline *b, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t m = b->people[n].prev; m != NIL; m = b->people[m].prev)
        k++;
    return k;
}

enum { GIVE_NONE, GIVE_HELD, GIVE_NO_SEAT };

/* A freed place of slot si goes, as a hold, to the first person waiting at
 * its location whose range holds its day: GIVE_HELD; GIVE_NONE when nobody
 * fits, the location is closed or (use_stock) no sticker is on the shelf;
 * GIVE_NO_SEAT when the slot has no seat for a hold.  Either way but the
 * first the place stays free in its slot. */
static int
wait_give(baseline *b, uint32_t si, uint64_t now)
{
    if (!b->wait)
        return GIVE_NONE;
    uint16_t location = location_of(b, si);
    if (b->wait[location].count == 0 || !b->open[location])
        return GIVE_NONE;
    uint32_t day = day_of(b, si), n = b->wait[location].first;
    while (n != NIL && (day < b->people[n].wfrom || day > b->people[n].wto))
        n = b->people[n].next;
    if (n == NIL || (b->stock && b->stock[location].available == 0))
        return GIVE_NONE;
    const slot *s = &b->slots[si];
    if (s->held.count + s->pending >= b->holds_per_slot && !take_due(b, si, now))
        return GIVE_NO_SEAT;
    if (b->stock)
        b->stock[location].available--;
    wait_unlink(b, n);
    hold_append(b, si, n, hold_deadline(b, now));
    return GIVE_HELD;
}

/* A place of slot si that a call freed (nothing records it any more): to
 * the waiting list, or free in its slot. */
static void
place_free(baseline *b, uint32_t si, uint64_t now)
{
    wait_give(b, si, now);
}

/* Reclaims every dead hold and due release of slot si, their places freed
 * one by one (a hold's sticker back first): the number of holds. */
static size_t
slot_expire(baseline *b, uint32_t si, uint64_t now)
{
    size_t holds = 0;
    for (; hold_due(b, &b->slots[si], now); holds++) {
        reclaim_hold(b, si);
        place_free(b, si, now);
    }
    while (release_due(b, &b->slots[si], now)) {
        pending_pop(b, si);
        place_free(b, si, now);
    }
    return holds;
}

/* A booked place of slot si (already out of booked) returns: it waits as a
 * delayed release in a seat, one whose record was due if none is vacant
 * (that record's place is freed instead), or is freed at once. */
static void
slot_release(baseline *b, uint32_t si, uint64_t now)
{
    uint64_t until = release_moment(b, now);
    if (until > now) {
        const slot *s = &b->slots[si];
        if (s->held.count + s->pending < b->holds_per_slot) {
            pending_push(b, si, until);
            return;
        }
        if (take_due(b, si, now)) {
            pending_push(b, si, until);
            place_free(b, si, now);
            return;
        }
    }
    place_free(b, si, now);
}

/* A cancelled hold's place (its record just removed) waits in its seat as
 * a delayed release, or is freed at once. */
static void
seat_release(baseline *b, uint32_t si, uint64_t now)
{
    uint64_t until = release_moment(b, now);
    if (until > now)
        pending_push(b, si, until);
    else
        place_free(b, si, now);
}

/* k stickers of location for new holds or bookings (always there without
 * use_stock): a shelf with too few first gets back every dead hold of the
 * location (each freed place offered to the waiting list), as in slotbook. */
static bool
stock_take(baseline *b, uint16_t location, uint32_t k, uint64_t now)
{
    if (!b->stock)
        return true;
    uint32_t per = b->days * b->windows;
    if (b->stock[location].available < k)
        for (uint32_t si = location * per; si < (location + 1u) * per; si++)
            slot_expire(b, si, now);
    if (b->stock[location].available < k)
        return false;
    b->stock[location].available -= k;
    return true;
}

/* A place of slot si for a new hold or booking: one never used, else one
 * taken over from a due record (*over).  The caller records it, or frees a
 * taken-over one if it is refused later. */
static bool
place_take(baseline *b, uint32_t si, uint64_t now, bool *over)
{
    const slot *s = &b->slots[si];
    *over = false;
    if (taken(s) < s->capacity)
        return true;
    *over = take_due(b, si, now);
    return *over;
}

/* A seat for a new hold: a place taken over came with one; else a vacant
 * one, else one taken over from a due record (its place is the hold's, and
 * the place taken goes back to the slot). */
static bool
seat_take(baseline *b, uint32_t si, uint64_t now, bool *over)
{
    const slot *s = &b->slots[si];
    if (*over || s->held.count + s->pending < b->holds_per_slot)
        return true;
    *over = take_due(b, si, now);
    return *over;
}

/* k places of slot si at once (a family): when too few are left, every due
 * record of the slot is reclaimed first (their places freed), as in
 * slotbook, then it looks again. */
static bool
places_take(baseline *b, uint32_t si, uint32_t k, uint64_t now)
{
    if (taken(&b->slots[si]) + k <= b->slots[si].capacity)
        return true;
    slot_expire(b, si, now);
    return taken(&b->slots[si]) + k <= b->slots[si].capacity;
}

/* What a person's new state replaces: off the waiting list, or a dead hold
 * unlinked; the family link ends.  Returns the slot whose place a dead
 * hold leaves (NIL for none): the caller drops it once the new state is in
 * place (drop_dead). */
static uint32_t
replace(baseline *b, uint32_t n)
{
    person *p = &b->people[n];
    uint32_t dead = NIL;
    if (p->state == P_WAITING) {
        wait_unlink(b, n);
    } else if (p->state == P_HELD) {
        dead = p->slot;
        hold_unlink(b, n);
    }
    p->fam = NIL;
    return dead;
}

/* A dead hold replaced by its owner's call: its sticker back, then its
 * place freed. */
static void
drop_dead(baseline *b, uint32_t si, uint64_t now)
{
    if (si == NIL)
        return;
    shelf_give(b, location_of(b, si), 1);
    place_free(b, si, now);
}

/* ---- open and close ---------------------------------------------------------- */

static void
b_close(void *h)
{
    baseline *b = h;
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    sodium_memzero(&b->keys, sizeof b->keys);
    free(b->open);
    free(b->stock);
    free(b->slots);
    free(b->people);
    free(b->table);
    free(b->families);
    free(b->wait);
    free(b->nodes);
    free(b);
}

static int
keys_init(baseline *b, const uint8_t code_key[32])
{
    static const uint8_t zero[32];
    uint8_t key[32];
    if (sodium_memcmp(code_key, zero, sizeof key) == 0)
        randombytes_buf(key, sizeof key);
    else
        memcpy(key, code_key, sizeof key);
    int rc = sb__code_keys_init(&b->keys, key);
    sodium_memzero(key, sizeof key);
    return rc;
}

static bool
alloc_all(baseline *b, const sb_options *o)
{
    uint64_t size = 16;
    while (size * 3 < (uint64_t)o->max_people * 4)
        size <<= 1;
    b->mask = size - 1;
    b->nodes_max = o->release_delay_ms ? (size_t)b->nslots * sb__holds_of(o) : 0;
    b->open = calloc(b->locations, sizeof *b->open);
    b->stock = o->use_stock ? calloc(b->locations, sizeof *b->stock) : NULL;
    b->slots = calloc(b->nslots, sizeof *b->slots);
    b->people = calloc(o->max_people, sizeof *b->people);
    b->table = calloc(size, sizeof *b->table);
    b->families = b->max_families ? calloc(b->max_families, sizeof *b->families) : NULL;
    b->wait = b->max_waiting ? calloc(b->locations, sizeof *b->wait) : NULL;
    b->nodes = b->nodes_max ? calloc(b->nodes_max, sizeof *b->nodes) : NULL;
    return b->open && (b->stock || !o->use_stock) && b->slots && b->people && b->table &&
           (b->families || !b->max_families) && (b->wait || !b->max_waiting) &&
           (b->nodes || !b->nodes_max);
}

static void
lists_init(baseline *b)
{
    for (uint32_t i = 0; i < b->nslots; i++)
        b->slots[i].held.first = b->slots[i].held.last = b->slots[i].releases = NIL;
    for (uint32_t loc = 0; b->wait && loc < b->locations; loc++)
        b->wait[loc] = (queue){NIL, NIL, 0};
    b->nodes_free = NIL;
}

static sb_status
b_open(const sb_options *o, void **out)
{
    if (!o || !out || !sb__options_valid(o))
        return SB_INVALID_ARG;
    *out = NULL;
    if (sodium_init() < 0)
        return SB_NOMEM;
    baseline *b = calloc(1, sizeof *b);
    if (!b)
        return SB_NOMEM;
    b->locations = o->max_locations;
    b->days = o->days;
    b->windows = o->windows_per_day;
    b->nslots = o->max_locations * o->days * o->windows_per_day;
    b->first_day = o->first_day;
    b->holds_per_slot = sb__holds_of(o);
    b->hold_ms = o->hold_ms;
    b->release_delay_ms = o->release_delay_ms;
    b->max_changes = o->max_changes;
    b->max_waiting = sb__waiting_of(o);
    b->max_families = sb__families_of(o);
    b->max_people = o->max_people;
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b);
        return SB_NOMEM;
    }
    if (!alloc_all(b, o) || keys_init(b, o->code_key) != 0) {
        b_close(b);
        return SB_NOMEM;
    }
    lists_init(b);
    randombytes_buf(&b->seed, sizeof b->seed);
    randombytes_buf(&b->rng, sizeof b->rng);
    b->rng |= 1; /* xorshift needs a nonzero state */
    b->clock_fn = o->clock_ms ? o->clock_ms : wall_ms;
    b->clock_ctx = o->clock_ctx;
    b->epoch_ms = clock_raw(b);
    *out = b;
    return SB_OK;
}

/* ---- administration ---------------------------------------------------------- */

static sb_status
location_set(void *h, uint16_t location, uint8_t open)
{
    baseline *b = h;
    if (!b || location >= b->locations)
        return SB_INVALID_ARG;
    pthread_mutex_lock(&b->lock);
    b->open[location] = open;
    pthread_mutex_unlock(&b->lock);
    return SB_OK;
}

static sb_status
b_location_open(void *h, uint16_t location)
{
    return location_set(h, location, 1);
}

static sb_status
b_location_close(void *h, uint16_t location)
{
    return location_set(h, location, 0);
}

/* The new places of a release go to the waiting list one by one while
 * somebody there gets one, as in slotbook; the rest are free. */
static void
release_to_waiting(baseline *b, uint32_t si, uint32_t places, uint64_t now)
{
    queue *q = &b->wait[location_of(b, si)];
    for (uint32_t k = 0; k < places && q->count > 0; k++)
        if (taken(&b->slots[si]) >= b->slots[si].capacity || wait_give(b, si, now) != GIVE_HELD)
            return;
}

static sb_status
b_release(void *h, sb_slot where, uint32_t places)
{
    baseline *b = h;
    uint32_t si = b ? slot_index(b, where) : NIL;
    if (si == NIL)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    slot *s = &b->slots[si];
    sb_status st = (uint64_t)s->capacity + places > UINT32_MAX ? SB_INVALID_ARG : SB_OK;
    if (st == SB_OK) {
        s->capacity += places;
        if (b->wait) /* slotbook reads its clock for its waiting list */
            release_to_waiting(b, si, places, clock_fold(b, raw));
    }
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* ---- reserve and book ------------------------------------------------------------ */

/* What a successful book, confirm, reschedule or family booking must seal
 * into its code, after the lock. */
typedef struct sealing {
    uint32_t number, gen;
} sealing;

/* The person n, whose call was accepted, now holds or is booked in slot si
 * (the sticker is taken already). */
static void
take_commit(baseline *b, uint32_t n, uint32_t si, uint64_t now, bool book, sealing *seal)
{
    uint32_t dead = replace(b, n);
    person *p = &b->people[n];
    if (book) {
        p->state = P_BOOKED;
        p->slot = si;
        p->gen++;
        b->slots[si].booked++;
        *seal = (sealing){n, p->gen};
    } else {
        hold_append(b, si, n, hold_deadline(b, now));
    }
    drop_dead(b, dead, now);
}

/* reserve (book == false) and book, under the lock: statuses in the order
 * of sb_reserve, each step where slotbook takes it. */
static sb_status
take(baseline *b, uint32_t bsn, uint32_t si, uint16_t location, uint64_t raw, bool book,
     sealing *seal)
{
    if (!b->open[location])
        return SB_CLOSED;
    uint64_t now = clock_fold(b, raw);
    uint32_t n = person_find(b, bsn);
    if (n != NIL && active(&b->people[n], now))
        return SB_DUPLICATE;
    if (!stock_take(b, location, 1, now))
        return SB_NO_STOCK;
    bool over;
    sb_status st = SB_OK;
    if (!place_take(b, si, now, &over))
        st = SB_FULL;
    else if (!book && !seat_take(b, si, now, &over))
        st = SB_NOMEM;
    if (st != SB_OK) {
        shelf_give(b, location, 1);
        return st;
    }
    if (n == NIL && b->npeople == b->max_people)
        st = SB_NOMEM;
    else if (n == NIL)
        n = person_insert(b, bsn);
    /* The empty shelf's reclaim may have given this very person a hold from
     * the waiting list. */
    if (st == SB_OK && active(&b->people[n], now))
        st = SB_DUPLICATE;
    else if (st == SB_OK && book && b->people[n].gen == SB_MAX_BOOKINGS)
        st = SB_NOMEM;
    if (st != SB_OK) {
        if (over) /* a taken-over place is freed, a fresh one just stays free */
            place_free(b, si, now);
        shelf_give(b, location, 1);
        return st;
    }
    take_commit(b, n, si, now, book, seal);
    return SB_OK;
}

static sb_status
take_call(void *h, uint32_t bsn, sb_slot where, char *code)
{
    baseline *b = h;
    if (!b)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint32_t si = slot_index(b, where);
    if (si == NIL)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    sealing seal = {0, 0};
    pthread_mutex_lock(&b->lock);
    sb_status st = take(b, bsn, si, where.location, raw, code != NULL, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK && code)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

static sb_status
b_reserve(void *h, uint32_t bsn, sb_slot where)
{
    return take_call(h, bsn, where, NULL);
}

static sb_status
b_book(void *h, uint32_t bsn, sb_slot where, char code[SB_CODE_SIZE])
{
    if (!h || !code)
        return SB_INVALID_ARG;
    return take_call(h, bsn, where, code);
}

/* ---- confirm and cancel ---------------------------------------------------------- */

/* Whether one more cancel or reschedule is past the limit, for changes. */
static bool
over_limit(const baseline *b, uint32_t changes)
{
    return b->max_changes != 0 && changes >= b->max_changes;
}

static sb_status
confirm(baseline *b, uint32_t bsn, uint64_t raw, sealing *seal)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = clock_fold(b, raw);
    person *p = &b->people[n];
    switch (p->state) {
    case P_NONE:
    case P_WAITING:
        return SB_NOT_FOUND;
    case P_EXPIRED:
        return SB_EXPIRED;
    case P_BOOKED:
    case P_REDEEMED:
    case P_MEMBER:
        return SB_DUPLICATE;
    }
    if (p->deadline <= now)
        return SB_EXPIRED;
    if (p->gen == SB_MAX_BOOKINGS)
        return SB_NOMEM;
    hold_unlink(b, n);
    p->state = P_BOOKED;
    p->gen++;
    b->slots[p->slot].booked++;
    *seal = (sealing){n, p->gen};
    return SB_OK;
}

static sb_status
b_confirm(void *h, uint32_t bsn, char code[SB_CODE_SIZE])
{
    baseline *b = h;
    if (!b || !code)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint64_t raw = clock_raw(b);
    sealing seal = {0, 0};
    pthread_mutex_lock(&b->lock);
    sb_status st = confirm(b, bsn, raw, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

static family *
family_of(baseline *b, const person *p)
{
    return &b->families[p->fam];
}

static unsigned
member_index(const family *f, uint32_t n)
{
    unsigned i = 0;
    while (i < f->n && f->member[i] != n)
        i++;
    sb_assert(i < f->n);
    return i;
}

/* Any member cancels the family: the places of the members not redeemed
 * come back, their stickers first, and its changes count for each of
 * them. */
static sb_status
family_cancel(baseline *b, uint32_t n, uint64_t now)
{
    family *f = family_of(b, &b->people[n]);
    if (f->redeemed >> member_index(f, n) & 1u)
        return SB_USED;
    if (f->state != F_BOOKED)
        return SB_NOT_FOUND;
    if (over_limit(b, f->changes))
        return SB_LIMIT;
    f->state = F_CANCELLED;
    f->changes = plus_changes(f->changes, 1);
    uint32_t k = 0;
    for (unsigned i = 0; i < f->n; i++) {
        person *q = &b->people[f->member[i]];
        if (f->redeemed >> i & 1u)
            continue;
        q->state = P_NONE; /* the family link stays: see present() */
        q->changes = plus_changes(q->changes, (uint32_t)f->changes - f->base);
        k++;
    }
    b->slots[f->slot].booked -= k;
    shelf_give(b, location_of(b, f->slot), k);
    for (uint32_t j = 0; j < k; j++)
        slot_release(b, f->slot, now);
    return SB_OK;
}

static sb_status
cancel(baseline *b, uint32_t bsn, uint64_t raw)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = clock_fold(b, raw);
    person *p = &b->people[n];
    uint32_t si = p->slot;
    switch (p->state) {
    case P_REDEEMED:
        return SB_USED;
    case P_MEMBER:
        return family_cancel(b, n, now);
    case P_WAITING: /* leaving the list is no change of a booking */
        wait_unlink(b, n);
        p->state = P_NONE;
        return SB_OK;
    case P_BOOKED:
        if (over_limit(b, p->changes))
            return SB_LIMIT;
        p->state = P_NONE;
        p->changes = plus_changes(p->changes, 1);
        b->slots[si].booked--;
        shelf_give(b, location_of(b, si), 1); /* first: a waiting person needs it */
        slot_release(b, si, now);
        return SB_OK;
    case P_HELD:
        if (p->deadline <= now)
            return SB_NOT_FOUND;
        if (over_limit(b, p->changes))
            return SB_LIMIT;
        hold_unlink(b, n);
        p->state = P_NONE;
        p->changes = plus_changes(p->changes, 1);
        shelf_give(b, location_of(b, si), 1);
        seat_release(b, si, now);
        return SB_OK;
    default:
        return SB_NOT_FOUND;
    }
}

static sb_status
b_cancel(void *h, uint32_t bsn)
{
    baseline *b = h;
    if (!b)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    sb_status st = cancel(b, bsn, raw);
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* ---- reschedule ------------------------------------------------------------------ */

/* A member moves the whole family, statuses in the order of sb_reschedule. */
static sb_status
family_reschedule(baseline *b, uint32_t n, uint32_t si, uint64_t now, sealing *seal)
{
    family *f = family_of(b, &b->people[n]);
    if (f->redeemed != 0)
        return SB_USED; /* the appointment took place for one of them */
    if (f->state != F_BOOKED)
        return SB_NOT_FOUND;
    uint32_t from = f->slot;
    if (from == si)
        return SB_DUPLICATE;
    if (over_limit(b, f->changes))
        return SB_LIMIT;
    uint16_t to = location_of(b, si), was = location_of(b, from);
    if (!b->open[to])
        return SB_CLOSED;
    if (to != was && !stock_take(b, to, f->n, now))
        return SB_NO_STOCK;
    sb_status st = SB_OK;
    if (!places_take(b, si, f->n, now))
        st = SB_FULL;
    else if (f->gen == SB_MAX_BOOKINGS)
        st = SB_NOMEM;
    if (st != SB_OK) {
        if (to != was)
            shelf_give(b, to, f->n);
        return st;
    }
    f->slot = si;
    f->gen++;
    f->changes = plus_changes(f->changes, 1);
    b->people[f->member[0]].gen = f->gen;
    b->slots[from].booked -= f->n;
    b->slots[si].booked += f->n;
    if (to != was)
        shelf_give(b, was, f->n);
    for (unsigned j = 0; j < f->n; j++)
        slot_release(b, from, now);
    *seal = (sealing){f->member[0], f->gen};
    return SB_OK;
}

/* Statuses in the order of sb_reschedule. */
static sb_status
reschedule(baseline *b, uint32_t bsn, uint32_t si, uint64_t raw, sealing *seal)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = clock_fold(b, raw);
    person *p = &b->people[n];
    if (p->state == P_MEMBER)
        return family_reschedule(b, n, si, now, seal);
    if (p->state == P_REDEEMED)
        return SB_USED;
    if (p->state != P_BOOKED)
        return SB_NOT_FOUND;
    uint32_t from = p->slot;
    if (from == si)
        return SB_DUPLICATE;
    if (over_limit(b, p->changes))
        return SB_LIMIT;
    uint16_t to = location_of(b, si), was = location_of(b, from);
    if (!b->open[to])
        return SB_CLOSED;
    /* A move inside one location keeps its sticker. */
    if (to != was && !stock_take(b, to, 1, now))
        return SB_NO_STOCK;
    bool over;
    sb_status st = SB_OK;
    if (!place_take(b, si, now, &over))
        st = SB_FULL;
    else if (p->gen == SB_MAX_BOOKINGS)
        st = SB_NOMEM;
    if (st != SB_OK) {
        if (st == SB_NOMEM && over)
            place_free(b, si, now);
        if (to != was)
            shelf_give(b, to, 1);
        return st;
    }
    p->slot = si;
    p->gen++;
    p->changes = plus_changes(p->changes, 1);
    b->slots[from].booked--;
    b->slots[si].booked++;
    if (to != was)
        shelf_give(b, was, 1);
    slot_release(b, from, now);
    *seal = (sealing){n, p->gen};
    return SB_OK;
}

static sb_status
b_reschedule(void *h, uint32_t bsn, sb_slot where, char code[SB_CODE_SIZE])
{
    baseline *b = h;
    if (!b || !code)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint32_t si = slot_index(b, where);
    if (si == NIL)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    sealing seal = {0, 0};
    pthread_mutex_lock(&b->lock);
    sb_status st = reschedule(b, bsn, si, raw, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

/* ---- families --------------------------------------------------------------------- */

/* Claims person n for the family being booked: off the waiting list, a dead
 * hold dropped (its place freed at once, before the next member is
 * claimed, as in slotbook), the link to an earlier family ended.  Until the
 * family is booked the person is as before it: nothing, or a hold that ran
 * out. */
static void
claim(baseline *b, uint32_t n, uint64_t now)
{
    person *p = &b->people[n];
    bool expired = p->state == P_HELD || p->state == P_EXPIRED;
    uint32_t dead = replace(b, n);
    p->state = expired ? P_EXPIRED : P_NONE;
    drop_dead(b, dead, now);
}

/* Claims the members in order of their person numbers, then books the
 * family: SB_OK, or SB_DUPLICATE with *blocker when a member has a place by
 * now (the family's own reclaims gave a waiting member a hold). */
static sb_status
claim_and_commit(baseline *b, const uint32_t *num, unsigned n, uint32_t si, uint64_t now,
                 unsigned *blocker, sealing *seal)
{
    family *f = &b->families[b->families_used++]; /* used even if stopped, as in slotbook */
    unsigned order[SB_FAMILY_MAX];
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        for (; j > 0 && num[order[j - 1]] > num[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (unsigned k = 0; k < n; k++) {
        if (active(&b->people[num[order[k]]], now)) {
            *blocker = order[k];
            return SB_DUPLICATE;
        }
        claim(b, num[order[k]], now);
    }
    uint32_t base = 0, gen = b->people[num[0]].gen;
    for (unsigned i = 0; i < n; i++)
        base = b->people[num[i]].changes > base ? b->people[num[i]].changes : base;
    *f = (family){.slot = si, .n = (uint8_t)n, .state = F_BOOKED, .base = (uint8_t)base};
    f->changes = f->base;
    f->gen = f->gen0 = (uint16_t)(gen + 1);
    for (unsigned i = 0; i < n; i++) {
        f->member[i] = num[i];
        b->people[num[i]].state = P_MEMBER;
        b->people[num[i]].fam = (uint32_t)(f - b->families);
        b->people[num[i]].slot = si;
    }
    b->people[num[0]].gen = f->gen;
    b->slots[si].booked += n;
    *seal = (sealing){num[0], f->gen};
    return SB_OK;
}

/* Statuses in the order of sb_book_group, each step where slotbook takes
 * it. */
static sb_status
book_group(baseline *b, const uint32_t *bsns, unsigned n, uint32_t si, uint64_t raw,
           unsigned *blocker, sealing *seal)
{
    uint16_t location = location_of(b, si);
    if (!b->open[location])
        return SB_CLOSED;
    uint64_t now = clock_fold(b, raw);
    uint32_t num[SB_FAMILY_MAX], leader_gen = 0;
    for (unsigned i = 0; i < n; i++) {
        num[i] = person_find(b, bsns[i]);
        if (num[i] != NIL && active(&b->people[num[i]], now)) {
            *blocker = i;
            return SB_DUPLICATE;
        }
        if (i == 0 && num[0] != NIL)
            leader_gen = b->people[num[0]].gen;
    }
    if (!stock_take(b, location, n, now))
        return SB_NO_STOCK;
    if (!places_take(b, si, n, now)) {
        shelf_give(b, location, n);
        return SB_FULL;
    }
    sb_status st = SB_OK;
    if (leader_gen == SB_MAX_BOOKINGS) {
        *blocker = 0;
        st = SB_NOMEM;
    } else if (b->families_used >= b->max_families) {
        st = SB_NOMEM;
    }
    /* A family refused for max_people stores none of its new members: the
     * blocker is the first new one past it. */
    for (unsigned i = 0, stored = b->npeople; st == SB_OK && i < n; i++) {
        if (num[i] == NIL && stored++ >= b->max_people) {
            *blocker = i;
            st = SB_NOMEM;
        }
    }
    for (unsigned i = 0; st == SB_OK && i < n; i++)
        if (num[i] == NIL)
            num[i] = person_insert(b, bsns[i]);
    if (st == SB_OK)
        st = claim_and_commit(b, num, n, si, now, blocker, seal);
    if (st != SB_OK)
        shelf_give(b, location, n);
    return st;
}

/* The arguments, checked before any state as in slotbook: *blocker names
 * the member a status is about, else n. */
static sb_status
group_checked(const baseline *b, const uint32_t *bsns, unsigned n, sb_slot where, unsigned *blocker,
              uint32_t *si)
{
    if (!bsns || n == 0 || n > SB_FAMILY_MAX)
        return SB_INVALID_ARG;
    for (unsigned i = 0; i < n; i++) {
        *blocker = i;
        if (!sb_bsn_valid(bsns[i]))
            return SB_INVALID_ID;
    }
    for (unsigned i = 0; i < n; i++) {
        *blocker = i;
        for (unsigned j = 0; j < i; j++)
            if (bsns[j] == bsns[i])
                return SB_INVALID_ARG;
    }
    *blocker = n;
    *si = slot_index(b, where);
    return *si == NIL ? SB_INVALID_ARG : SB_OK;
}

static sb_status
b_book_group(void *h, const uint32_t *bsns, unsigned n, sb_slot where, char code[SB_CODE_SIZE],
             unsigned *blocker)
{
    baseline *b = h;
    unsigned mine;
    if (!blocker)
        blocker = &mine;
    *blocker = n;
    if (!b || !code)
        return SB_INVALID_ARG;
    uint32_t si;
    sb_status st = group_checked(b, bsns, n, where, blocker, &si);
    if (st != SB_OK)
        return st;
    uint64_t raw = clock_raw(b);
    sealing seal = {0, 0};
    pthread_mutex_lock(&b->lock);
    st = book_group(b, bsns, n, si, raw, blocker, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

/* ---- the waiting list's calls ----------------------------------------------------- */

/* Statuses in the order of sb_wait, after the arguments. */
static sb_status
wait_join(baseline *b, uint32_t bsn, uint16_t location, uint32_t from, uint32_t to, uint64_t raw)
{
    if (!b->open[location])
        return SB_CLOSED;
    uint64_t now = clock_fold(b, raw);
    uint32_t n = person_find(b, bsn);
    if (n != NIL && (active(&b->people[n], now) || b->people[n].state == P_WAITING))
        return SB_DUPLICATE;
    /* The list before the person table: a full list stores nobody. */
    if (b->wait[location].count >= b->max_waiting)
        return SB_NOMEM;
    if (n == NIL && b->npeople == b->max_people)
        return SB_NOMEM;
    if (n == NIL)
        n = person_insert(b, bsn);
    uint32_t dead = replace(b, n);
    b->people[n].state = P_NONE;
    drop_dead(b, dead, now); /* to those already waiting: the joiner is not on the list yet */
    wait_append(b, n, location, from, to);
    return SB_OK;
}

static sb_status
b_wait(void *h, uint32_t bsn, uint16_t location, int32_t from_day, int32_t to_day)
{
    baseline *b = h;
    if (!b)
        return SB_INVALID_ARG;
    int64_t from = (int64_t)from_day - b->first_day, to = (int64_t)to_day - b->first_day;
    if (from < 0)
        from = 0;
    if (to >= b->days)
        to = (int64_t)b->days - 1;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    if (!b->wait || location >= b->locations || from > to)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    sb_status st = wait_join(b, bsn, location, (uint32_t)from, (uint32_t)to, raw);
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* ---- lookup, verify, redeem ------------------------------------------------------- */

static void
fill(const baseline *b, uint32_t bsn, uint32_t si, sb_state state, uint64_t deadline,
     sb_booking *out)
{
    if (!out)
        return;
    *out = (sb_booking){.bsn = bsn,
                        .slot = slot_of(b, si),
                        .state = state,
                        .deadline_ms = state == SB_STATE_HELD ? b->epoch_ms + deadline : 0};
}

/* An active person's hold, booking or redeemed booking, a member's
 * included. */
static void
fill_active(baseline *b, uint32_t n, sb_booking *out)
{
    const person *p = &b->people[n];
    if (p->state == P_MEMBER) {
        const family *f = family_of(b, p);
        bool redeemed = f->redeemed >> member_index(f, n) & 1u;
        fill(b, p->bsn, f->slot, redeemed ? SB_STATE_REDEEMED : SB_STATE_BOOKED, 0, out);
        return;
    }
    sb_state state = p->state == P_HELD     ? SB_STATE_HELD
                     : p->state == P_BOOKED ? SB_STATE_BOOKED
                                            : SB_STATE_REDEEMED;
    fill(b, p->bsn, p->slot, state, p->deadline, out);
}

static sb_status
lookup(baseline *b, uint32_t bsn, uint64_t raw, sb_booking *out)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = clock_fold(b, raw);
    const person *p = &b->people[n];
    if (p->state == P_WAITING) {
        *out = (sb_booking){.bsn = bsn,
                            .slot = {(uint16_t)p->slot, 0, b->first_day + p->wfrom},
                            .state = SB_STATE_WAITING,
                            .position = wait_position(b, n),
                            .last_day = b->first_day + p->wto};
        return SB_OK;
    }
    if (!active(p, now))
        return SB_NOT_FOUND;
    fill_active(b, n, out);
    return SB_OK;
}

static sb_status
b_lookup(void *h, uint32_t bsn, sb_booking *out)
{
    baseline *b = h;
    if (!b || !out)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    sb_status st = lookup(b, bsn, raw, out);
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* A family's code (the leader's number, gen) presented by member q (its
 * leader included): per member, SB_USED once that member was redeemed. */
static sb_status
family_present(baseline *b, uint32_t q, uint32_t leader, uint32_t gen, bool redeem, sb_booking *out)
{
    family *f = family_of(b, &b->people[q]);
    unsigned i = member_index(f, q);
    bool is_leader = q == leader;
    if (gen > f->gen) /* never issued, or the leader's after the family */
        return is_leader ? SB_FORGED : SB_WRONG_HOLDER;
    if (gen < f->gen) /* an older code of the family, or the leader's own before it */
        return is_leader || gen >= f->gen0 ? SB_CANCELLED : SB_WRONG_HOLDER;
    if (f->redeemed >> i & 1u) {
        fill(b, b->people[q].bsn, f->slot, SB_STATE_REDEEMED, 0, out);
        return SB_USED;
    }
    if (f->state == F_CANCELLED)
        return SB_CANCELLED;
    if (!redeem) {
        fill(b, b->people[q].bsn, f->slot, SB_STATE_BOOKED, 0, out);
        return SB_OK;
    }
    f->redeemed |= (uint8_t)(1u << i);
    b->slots[f->slot].booked--;
    b->slots[f->slot].redeemed++;
    return SB_OK;
}

/* verify (redeem == false) and redeem, under the lock, for a code that
 * opened to (number, gen).  A genuine code shown with another BSN is
 * checked against that person's family: a member of a family the code's
 * person leads, who has made no change of their own since (their family
 * link, as slotbook's person word), may show the family's code. */
static sb_status
present(baseline *b, uint32_t number, uint32_t gen, uint32_t bsn, bool redeem, sb_booking *out)
{
    if (number >= b->npeople)
        return SB_FORGED; /* a number never given to anyone */
    person *p = &b->people[number];
    if (p->bsn != bsn) {
        uint32_t q = person_find(b, bsn);
        if (q == NIL || b->people[q].fam == NIL || family_of(b, &b->people[q])->member[0] != number)
            return SB_WRONG_HOLDER;
        return family_present(b, q, number, gen, redeem, out);
    }
    if (p->state == P_MEMBER && family_of(b, p)->member[0] == number)
        return family_present(b, number, number, gen, redeem, out);
    if (gen > p->gen)
        return SB_FORGED; /* same key, but never issued here */
    if (gen < p->gen || (p->state != P_BOOKED && p->state != P_REDEEMED))
        return SB_CANCELLED;
    if (p->state == P_REDEEMED) {
        fill(b, bsn, p->slot, SB_STATE_REDEEMED, 0, out);
        return SB_USED;
    }
    if (!redeem) {
        fill(b, bsn, p->slot, SB_STATE_BOOKED, 0, out);
        return SB_OK;
    }
    p->state = P_REDEEMED;
    b->slots[p->slot].booked--;
    b->slots[p->slot].redeemed++;
    return SB_OK;
}

static sb_status
present_call(void *h, const char *code, uint32_t bsn, bool redeem, sb_booking *out)
{
    baseline *b = h;
    if (!b || !code)
        return SB_INVALID_ARG;
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    uint32_t number, gen;
    if (sb__code_open(&b->keys, code, &number, &gen) != 0)
        return SB_FORGED;
    pthread_mutex_lock(&b->lock);
    sb_status st = present(b, number, gen, bsn, redeem, out);
    pthread_mutex_unlock(&b->lock);
    return st;
}

static sb_status
b_verify(void *h, const char *code, uint32_t bsn, sb_booking *out)
{
    return present_call(h, code, bsn, false, out);
}

static sb_status
b_redeem(void *h, const char *code, uint32_t bsn)
{
    return present_call(h, code, bsn, true, NULL);
}

/* ---- reads and housekeeping -------------------------------------------------------- */

static sb_status
b_slot_read(void *h, sb_slot where, sb_slot_info *out)
{
    baseline *b = h;
    uint32_t si = b && out ? slot_index(b, where) : NIL;
    if (si == NIL)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    *out = slot_info(b, &b->slots[si], clock_fold(b, raw));
    pthread_mutex_unlock(&b->lock);
    return SB_OK;
}

static sb_status
next_free(baseline *b, uint16_t location, int32_t from_day, uint64_t raw, sb_slot *out)
{
    if (!b->open[location])
        return SB_CLOSED;
    int64_t first = (int64_t)from_day - b->first_day;
    if (first < 0)
        first = 0;
    if (first >= b->days)
        return SB_FULL;
    uint64_t now = clock_fold(b, raw);
    uint32_t begin = ((uint32_t)location * b->days + (uint32_t)first) * b->windows;
    uint32_t end = ((uint32_t)location + 1) * b->days * b->windows;
    for (uint32_t i = begin; i < end; i++) {
        if (has_free(b, &b->slots[i], now)) {
            *out = slot_of(b, i);
            return SB_OK;
        }
    }
    return SB_FULL;
}

static sb_status
b_next_free(void *h, uint16_t location, int32_t from_day, sb_slot *out)
{
    baseline *b = h;
    if (!b || !out || location >= b->locations)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    sb_status st = next_free(b, location, from_day, raw, out);
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* Person n's live hold, booking or redeemed booking (a family's included)
 * in *out, when it is at location on a day in [from_day, to_day]. */
static bool
booking_at(baseline *b, uint32_t n, uint64_t now, uint16_t location, int32_t from_day,
           int32_t to_day, sb_booking *out)
{
    if (!active(&b->people[n], now))
        return false;
    fill_active(b, n, out);
    return out->slot.location == location && out->slot.day >= from_day && out->slot.day <= to_day;
}

/* Each person is read under the lock and called back without it, so fn may
 * call the engine (as with slotbook, the walk is not a snapshot). */
static sb_status
b_each_booking(void *h, uint16_t location, int32_t from_day, int32_t to_day, sb_booking_fn fn,
               void *ctx)
{
    baseline *b = h;
    if (!b || !fn || location >= b->locations || from_day > to_day)
        return SB_INVALID_ARG;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    uint64_t now = clock_fold(b, raw);
    pthread_mutex_unlock(&b->lock);
    for (uint32_t n = 0;; n++) {
        sb_booking bk;
        pthread_mutex_lock(&b->lock);
        bool more = n < b->npeople;
        bool found = more && booking_at(b, n, now, location, from_day, to_day, &bk);
        pthread_mutex_unlock(&b->lock);
        if (!more || (found && fn(&bk, ctx) != 0))
            return SB_OK;
    }
}

/* ---- stickers --------------------------------------------------------------------- */

static sb_status
b_stock_add(void *h, uint16_t location, uint32_t count)
{
    baseline *b = h;
    if (!b || !b->stock || location >= b->locations)
        return SB_INVALID_ARG;
    pthread_mutex_lock(&b->lock);
    shelf *sh = &b->stock[location];
    /* Bounded over the engine's life, as in slotbook. */
    sb_status st = sh->added + count > SB_MAX_STOCK ? SB_INVALID_ARG : SB_OK;
    if (st == SB_OK) {
        sh->available += count;
        sh->added += count;
    }
    pthread_mutex_unlock(&b->lock);
    return st;
}

static sb_status
b_stock_read(void *h, uint16_t location, uint64_t *available)
{
    baseline *b = h;
    if (!b || !b->stock || location >= b->locations || !available)
        return SB_INVALID_ARG;
    pthread_mutex_lock(&b->lock);
    *available = b->stock[location].available;
    pthread_mutex_unlock(&b->lock);
    return SB_OK;
}

static size_t
b_expire(void *h)
{
    baseline *b = h;
    if (!b)
        return 0;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    uint64_t now = clock_fold(b, raw);
    size_t n = 0;
    for (uint32_t i = 0; i < b->nslots; i++)
        n += slot_expire(b, i, now);
    pthread_mutex_unlock(&b->lock);
    return n;
}

/* ---- audit ------------------------------------------------------------------------ */

typedef struct audit {
    const baseline *b;
    uint64_t now;
    sb_audit_report r;
    char *msg;
    size_t msg_size;
    uint32_t *count;   /* per slot: hold records, booked people, redeemed people */
    uint32_t *waiting; /* per location: waiting people */
} audit;

static void violation(audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
violation(audit *a, const char *fmt, ...)
{
    if (a->r.violations++ == 0 && a->msg && a->msg_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(a->msg, a->msg_size, fmt, ap);
        va_end(ap);
    }
}

/* A member counts where the family is: booked, or redeemed. */
static void
audit_member(audit *a, uint32_t n)
{
    const baseline *b = a->b;
    const person *p = &b->people[n];
    if (p->fam >= b->families_used) {
        violation(a, "BSN %09u is in family %u that was never made", p->bsn, p->fam);
        return;
    }
    const family *f = &b->families[p->fam];
    unsigned i = 0;
    while (i < f->n && f->member[i] != n)
        i++;
    bool redeemed = i < f->n && (f->redeemed >> i & 1u);
    if (i == f->n || (f->state != F_BOOKED && !redeemed))
        violation(a, "BSN %09u is a member of family %u, which lacks them or ended", p->bsn,
                  p->fam);
    else
        a->count[3 * (size_t)f->slot + 1 + redeemed]++;
}

/* Every stored person is found at their own number, and counted where
 * their state says. */
static void
audit_people(audit *a)
{
    const baseline *b = a->b;
    for (uint32_t n = 0; n < b->npeople; n++) {
        const person *p = &b->people[n];
        a->r.people++;
        if (person_find(b, p->bsn) != n)
            violation(a, "BSN %09u is not found at its number %u", p->bsn, n);
        if (p->state == P_MEMBER) {
            audit_member(a, n);
        } else if (p->state == P_WAITING) {
            if (!b->wait || p->slot >= b->locations || p->wfrom > p->wto || p->wto >= b->days)
                violation(a, "BSN %09u waits where there is no list", p->bsn);
            else
                a->waiting[p->slot]++;
        } else if (p->state == P_HELD || p->state == P_BOOKED || p->state == P_REDEEMED) {
            if (p->slot >= b->nslots)
                violation(a, "BSN %09u has slot %u outside the engine", p->bsn, p->slot);
            else
                a->count[3 * (size_t)p->slot + p->state - P_HELD]++;
        }
    }
}

/* Every member of a booked family points at it. */
static void
audit_families(audit *a)
{
    const baseline *b = a->b;
    for (uint32_t f = 0; f < b->families_used; f++) {
        const family *fam = &b->families[f];
        for (unsigned i = 0; fam->n > 0 && i < fam->n; i++) {
            const person *p = &b->people[fam->member[i]];
            bool in = fam->state == F_BOOKED || (fam->redeemed >> i & 1u);
            if (in && (p->state != P_MEMBER || p->fam != f))
                violation(a, "family %u: member %u does not point at it", f, fam->member[i]);
        }
    }
}

/* Each location's waiting list: linked both ways, waiting people of that
 * location only, as many as its count. */
static void
audit_waiting(audit *a)
{
    const baseline *b = a->b;
    for (uint32_t loc = 0; b->wait && loc < b->locations; loc++) {
        const queue *q = &b->wait[loc];
        uint32_t len = 0, prev = NIL;
        for (uint32_t n = q->first; n != NIL && len <= b->npeople; n = b->people[n].next) {
            const person *p = &b->people[n];
            if (p->state != P_WAITING || p->slot != loc || p->prev != prev)
                violation(a, "location %u: waiting list broken at person %u", loc, n);
            prev = n;
            len++;
        }
        if (q->last != prev || len != q->count || len != a->waiting[loc] ||
            q->count > b->max_waiting)
            violation(a, "location %u: %u waiting, %u in its list, %u people", loc, q->count, len,
                      a->waiting[loc]);
    }
}

/* The slot's hold list (linked both ways, held people only, by deadline)
 * and its delayed releases (by due time). */
static void
audit_lists(audit *a, uint32_t si, uint32_t *holds, uint32_t *releases)
{
    const baseline *b = a->b;
    uint32_t len = 0, prev = NIL;
    uint64_t last = 0;
    for (uint32_t n = b->slots[si].held.first; n != NIL && len <= b->npeople;
         n = b->people[n].next) {
        const person *p = &b->people[n];
        if (p->state != P_HELD || p->slot != si || p->prev != prev || p->deadline < last)
            violation(a, "slot %u: hold list broken at person %u", si, n);
        a->r.held += p->deadline > a->now;
        last = p->deadline;
        prev = n;
        len++;
    }
    if (b->slots[si].held.last != prev)
        violation(a, "slot %u: hold list does not end at its last", si);
    *holds = len;
    len = 0;
    last = 0;
    for (uint32_t k = b->slots[si].releases; k != NIL && len <= b->nodes_max;
         k = b->nodes[k].next) {
        if (b->nodes[k].until < last)
            violation(a, "slot %u: delayed releases out of order", si);
        a->r.pending += b->nodes[k].until > a->now;
        last = b->nodes[k].until;
        len++;
    }
    *releases = len;
}

static void
audit_slot(audit *a, uint32_t si)
{
    const baseline *b = a->b;
    const slot *s = &b->slots[si];
    const uint32_t *c = &a->count[3 * (size_t)si];
    uint32_t holds, releases;
    audit_lists(a, si, &holds, &releases);
    a->r.slots++;
    a->r.capacity += s->capacity;
    a->r.booked += s->booked;
    a->r.redeemed += s->redeemed;
    if (taken(s) > s->capacity)
        violation(a, "slot %u: %" PRIu64 " places taken of %u", si, taken(s), s->capacity);
    if (holds != s->held.count || c[0] != s->held.count)
        violation(a, "slot %u: %u holds, %u in its list, %u people", si, s->held.count, holds,
                  c[0]);
    if (c[1] != s->booked || c[2] != s->redeemed)
        violation(a, "slot %u: counters booked %u redeemed %u, people %u and %u", si, s->booked,
                  s->redeemed, c[1], c[2]);
    if (releases != s->pending)
        violation(a, "slot %u: %u pending, %u in its list", si, s->pending, releases);
    if ((uint64_t)s->held.count + s->pending > b->holds_per_slot)
        violation(a, "slot %u: %u holds and %u pending past %u seats", si, s->held.count,
                  s->pending, b->holds_per_slot);
}

/* Every location's stickers: on the shelf + held (a hold that ran out keeps
 * its sticker until it is reclaimed), booked or redeemed there (a redeemed
 * booking used its sticker up) = added. */
static void
audit_stock(audit *a)
{
    const baseline *b = a->b;
    uint32_t per = b->days * b->windows;
    for (uint32_t loc = 0; b->stock && loc < b->locations; loc++) {
        uint64_t out = 0;
        for (uint32_t si = loc * per; si < (loc + 1u) * per; si++)
            out += (uint64_t)a->count[3 * (size_t)si] + a->count[3 * (size_t)si + 1] +
                   a->count[3 * (size_t)si + 2];
        const shelf *sh = &b->stock[loc];
        if (sh->available + out != sh->added)
            violation(a,
                      "location %u: %" PRIu64 " stickers on the shelf and %" PRIu64
                      " out or used, but %" PRIu64 " added",
                      loc, sh->available, out, sh->added);
    }
}

static sb_status
b_audit(void *h, sb_audit_report *out, char *msg, size_t msg_size)
{
    baseline *b = h;
    if (!b)
        return SB_INVALID_ARG;
    audit a = {.b = b, .msg = msg, .msg_size = msg_size};
    if (msg && msg_size)
        msg[0] = '\0';
    a.count = calloc((size_t)b->nslots * 3, sizeof *a.count);
    a.waiting = calloc(b->locations, sizeof *a.waiting);
    if (!a.count || !a.waiting) {
        free(a.count);
        free(a.waiting);
        return SB_NOMEM;
    }
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    a.now = clock_fold(b, raw);
    audit_people(&a);
    audit_families(&a);
    audit_waiting(&a);
    for (uint32_t i = 0; i < b->nslots; i++)
        audit_slot(&a, i);
    audit_stock(&a);
    pthread_mutex_unlock(&b->lock);
    free(a.count);
    free(a.waiting);
    if (out)
        *out = a.r;
    return a.r.violations ? SB_CORRUPT : SB_OK;
}

const sb_driver sb_driver_mutex = {
    .name = "mutex",
    .open = b_open,
    .close = b_close,
    .location_open = b_location_open,
    .location_close = b_location_close,
    .release = b_release,
    .reserve = b_reserve,
    .confirm = b_confirm,
    .book = b_book,
    .cancel = b_cancel,
    .lookup = b_lookup,
    .verify = b_verify,
    .redeem = b_redeem,
    .slot_read = b_slot_read,
    .next_free = b_next_free,
    .reschedule = b_reschedule,
    .stock_add = b_stock_add,
    .stock_read = b_stock_read,
    .each_booking = b_each_booking,
    .expire = b_expire,
    .book_group = b_book_group,
    .wait = b_wait,
    .audit = b_audit,
};
