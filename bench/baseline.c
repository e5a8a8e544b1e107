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
 *            of first successful reserve or book, never removed), and an
 *            open-addressing table BSN -> number (linear probing, keyed
 *            hash, load <= 3/4).  A person has a state (none, held, booked,
 *            redeemed, expired), the slot of the hold or booking, the hold's
 *            deadline, a generation (bookings made, the live booking's)
 *            and a count of changes.
 *   slots    per slot: capacity, booked, redeemed, hold records and pending
 *            places, and the slot's holds in a doubly linked list by
 *            deadline.  Every hold lives hold_ms and the clock never goes
 *            back, so appending keeps the list sorted: the holds that ran
 *            out are the list's head.
 *   pending  a binary min-heap of delayed releases (until << 24 | slot),
 *            drained at the start of every call that reads the clock, so a
 *            due place is free at once.
 *   codes    slotbook's own generator (lib/codes.c): the same sealing of
 *            (person number, generation) under the same key derivation.
 *            Sealing and opening are pure, so they run outside the lock.
 *
 * Holds that ran out.  A hold is live while now < deadline.  A hold that
 * ran out is not counted as held, and its place is free at once for every
 * reader, but its record stays in its slot until it is reclaimed, as in
 * slotbook: by sb_expire (which counts it), by its owner's next successful
 * reserve or book (which drops it), by a reserve, book or reschedule that
 * finds every place of the slot recorded (which takes the oldest one over),
 * or by one that finds its location's shelf of stickers empty (below).
 * slotbook takes over the lowest seat rather than the oldest hold, so the
 * count a later sb_expire answers can differ where more than one hold of a
 * slot ran out; every status and every slot read is the same.
 *
 * Stickers (use_stock).  Per location a shelf: the stickers on it and all
 * ever added.  A hold or booking takes one from its location's shelf (a
 * sticker follows the person, as in slotbook): a confirm keeps it, a redeem
 * uses it up, a cancel, a reschedule to another location and the reclaim of
 * a hold that ran out give it back.  So a hold that ran out holds its
 * sticker until it is reclaimed, and sb_stock_read counts it as out until
 * then, as slotbook does.  A reserve, book or reschedule that finds the
 * shelf empty first reclaims every hold of the location that ran out (as
 * slotbook does), so a hold that ran out never causes SB_NO_STOCK: whether
 * a call answers SB_NO_STOCK depends only on the live holds and bookings,
 * which both engines agree on.  Where the engines reclaimed different
 * holds (the takeover above), the number on the shelf can differ until the
 * holds left behind are reclaimed: sb_stock_read may then answer another
 * number (every status still agrees, and after sb_expire the shelves are
 * equal again).
 *
 * Changes (max_changes).  Each person counts cancels (of a live hold or a
 * booking) and reschedules, saturating at SB_MAX_CHANGES; past max_changes
 * (when it is not 0) cancel and reschedule answer SB_LIMIT and change
 * nothing.
 *
 * sb_each_booking walks the people in order of their numbers, reading each
 * under the lock and calling back without it (so the callback may call the
 * engine).  slotbook's numbers come from striped ranges picked by a hash of
 * the BSN, not in order of arrival, so the two engines call back for the
 * same bookings in different orders.
 *
 * Seats.  slotbook gives each live hold (and each delayed release) one of
 * the slot's holds_per_slot seats; here the same limit is a count: hold
 * records + pending places <= holds_per_slot.  A reserve past it answers
 * SB_NOMEM (after taking over a hold that ran out, if any); a cancelled
 * booking that finds no room takes over a hold that ran out, and if there
 * is none either returns its place at once.
 *
 * Time: the caller's clock (or CLOCK_REALTIME) in ms since open, capped at
 * SB_MAX_TIME_MS, never going back (the largest reading folded in so far).
 * The raw clock is read before the lock, and folded in at the same points
 * as slotbook reads its clock (sb_release included: slotbook reads it there
 * for its waiting list), so both see the same times.
 */
#include "driver.h"
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED, P_EXPIRED };
#define NIL UINT32_MAX
#define HEAP_SLOT_BITS 24 /* SB_SLOT_BITS */
#define HEAP_SLOT_MASK ((UINT64_C(1) << HEAP_SLOT_BITS) - 1u)

typedef struct person {
    uint32_t bsn;
    uint8_t state;
    uint8_t changes;     /* cancels and reschedules, saturating at SB_MAX_CHANGES */
    uint16_t gen;        /* bookings made; the live booking's generation */
    uint32_t slot;       /* of the hold or booking */
    uint32_t prev, next; /* the slot's hold list, while P_HELD */
    uint64_t deadline;   /* of the hold, ms since open */
} person;

typedef struct slot {
    uint32_t capacity, booked, redeemed;
    uint32_t holds;       /* hold records: live, or ran out and not reclaimed */
    uint32_t pending;     /* delayed releases still waiting */
    uint32_t first, last; /* hold list, earliest deadline first */
} slot;

/* A location's stickers (use_stock): available + those out = added. */
typedef struct shelf {
    uint64_t available, added;
} shelf;

typedef struct baseline {
    pthread_mutex_t lock;
    uint32_t locations, days, windows, nslots, holds_per_slot;
    int32_t first_day;
    uint32_t hold_ms, release_delay_ms;
    uint32_t max_changes; /* 0 = unlimited */
    bool waiting_list;    /* max_waiting != 0: sb_release reads the clock */
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
    uint64_t *heap; /* pending releases, until << 24 | slot */
    size_t nheap, heap_max;
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

/* ---- pending places: a min-heap by due time ------------------------------- */

static void
heap_swap(uint64_t *a, uint64_t *c)
{
    uint64_t t = *a;
    *a = *c;
    *c = t;
}

static void
heap_push(baseline *b, uint64_t until, uint32_t si)
{
    sb_assert(b->nheap < b->heap_max);
    size_t i = b->nheap++;
    b->heap[i] = until << HEAP_SLOT_BITS | si;
    while (i > 0 && b->heap[(i - 1) / 2] > b->heap[i]) {
        heap_swap(&b->heap[(i - 1) / 2], &b->heap[i]);
        i = (i - 1) / 2;
    }
    b->slots[si].pending++;
}

static void
heap_pop(baseline *b)
{
    b->slots[b->heap[0] & HEAP_SLOT_MASK].pending--;
    b->heap[0] = b->heap[--b->nheap];
    for (size_t i = 0;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < b->nheap && b->heap[l] < b->heap[least])
            least = l;
        if (r < b->nheap && b->heap[r] < b->heap[least])
            least = r;
        if (least == i)
            return;
        heap_swap(&b->heap[i], &b->heap[least]);
        i = least;
    }
}

/* Every delayed release that is due returns its place. */
static void
settle(baseline *b, uint64_t now)
{
    while (b->nheap > 0 && b->heap[0] >> HEAP_SLOT_BITS <= now)
        heap_pop(b);
}

/* The clock folded in, and due places returned: the start of a timed call. */
static uint64_t
now_at(baseline *b, uint64_t raw)
{
    uint64_t now = clock_fold(b, raw);
    settle(b, now);
    return now;
}

/* A cancelled place's moment of return: now, or a random moment in
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
    b->people[n] = (person){.bsn = bsn, .state = P_NONE, .prev = NIL, .next = NIL};
    uint64_t i = mix(b->seed, bsn);
    while (b->table[i & b->mask] != 0)
        i++;
    b->table[i & b->mask] = (uint64_t)bsn << 32 | (n + 1u);
    return n;
}

/* A live hold, a booking or a redeemed booking. */
static bool
active(const person *p, uint64_t now)
{
    return p->state == P_BOOKED || p->state == P_REDEEMED ||
           (p->state == P_HELD && p->deadline > now);
}

/* ---- slots and their holds -------------------------------------------------- */

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

/* Places in use, holds that ran out included until reclaimed. */
static uint64_t
taken(const slot *s)
{
    return (uint64_t)s->booked + s->redeemed + s->holds + s->pending;
}

static void
hold_append(baseline *b, uint32_t si, uint32_t n, uint64_t deadline)
{
    slot *s = &b->slots[si];
    person *p = &b->people[n];
    p->state = P_HELD;
    p->slot = si;
    p->deadline = deadline;
    p->prev = s->last;
    p->next = NIL;
    if (s->last == NIL)
        s->first = n;
    else
        b->people[s->last].next = n;
    s->last = n;
    s->holds++;
}

/* Takes the person's hold record out of its slot (the caller sets the new
 * state). */
static void
hold_unlink(baseline *b, uint32_t n)
{
    person *p = &b->people[n];
    slot *s = &b->slots[p->slot];
    if (p->prev == NIL)
        s->first = p->next;
    else
        b->people[p->prev].next = p->next;
    if (p->next == NIL)
        s->last = p->prev;
    else
        b->people[p->next].prev = p->prev;
    p->prev = p->next = NIL;
    s->holds--;
}

static uint16_t
location_of(const baseline *b, uint32_t si)
{
    return (uint16_t)(si / (b->days * b->windows));
}

/* A hold or booking in slot si gives its sticker back (use_stock). */
static void
sticker_back(baseline *b, uint32_t si)
{
    if (b->stock)
        b->stock[location_of(b, si)].available++;
}

/* Reclaims slot si's oldest hold if it ran out (its place and its sticker
 * come back): true when one was. */
static bool
reclaim_oldest(baseline *b, uint32_t si, uint64_t now)
{
    uint32_t n = b->slots[si].first;
    if (n == NIL || b->people[n].deadline > now)
        return false;
    hold_unlink(b, n);
    b->people[n].state = P_EXPIRED;
    sticker_back(b, si);
    return true;
}

/* Whether location has a sticker for a new hold or booking (always without
 * use_stock).  An empty shelf first gets back the stickers of every hold of
 * the location that ran out, as in slotbook. */
static bool
sticker_ready(baseline *b, uint16_t location, uint64_t now)
{
    if (!b->stock)
        return true;
    uint32_t per = b->days * b->windows;
    if (b->stock[location].available == 0)
        for (uint32_t si = location * per; si < (location + 1u) * per; si++)
            while (reclaim_oldest(b, si, now)) {
            }
    return b->stock[location].available > 0;
}

static void
sticker_take(baseline *b, uint16_t location)
{
    if (b->stock)
        b->stock[location].available--;
}

/* Hold records in the slot whose hold ran out (the head of its list). */
static uint32_t
holds_ran_out(const baseline *b, const slot *s, uint64_t now)
{
    uint32_t k = 0;
    for (uint32_t n = s->first; n != NIL && b->people[n].deadline <= now; n = b->people[n].next)
        k++;
    return k;
}

static sb_slot_info
slot_info(const baseline *b, const slot *s, uint64_t now)
{
    sb_slot_info in;
    in.capacity = s->capacity;
    in.held = s->holds - holds_ran_out(b, s, now);
    in.booked = s->booked;
    in.redeemed = s->redeemed;
    in.pending = s->pending;
    in.free = s->capacity - in.held - in.booked - in.redeemed - in.pending;
    return in;
}

static bool
has_free(const baseline *b, const slot *s, uint64_t now)
{
    return taken(s) < s->capacity || holds_ran_out(b, s, now) > 0;
}

/* A cancelled hold's or booking's place goes back to its slot: at once, or
 * after a random delay when the slot has a seat for it to wait in. */
static void
give_back(baseline *b, uint32_t si, uint64_t now)
{
    uint64_t until = release_moment(b, now);
    slot *s = &b->slots[si];
    if (until > now && (s->holds + s->pending < b->holds_per_slot || reclaim_oldest(b, si, now)))
        heap_push(b, until, si);
}

/* ---- open and close ---------------------------------------------------------- */

static bool
options_valid(const sb_options *o)
{
    if (o->max_locations == 0 || o->max_locations > SB_MAX_LOCATIONS || o->days == 0 ||
        o->days > SB_MAX_DAYS || o->windows_per_day == 0 || o->max_people == 0 ||
        o->max_people > SB_MAX_PEOPLE || o->hold_ms == 0 || o->hold_ms > SB_MAX_HOLD_MS ||
        o->holds_per_slot == 0 || o->holds_per_slot > SB_MAX_HOLDS_PER_SLOT ||
        o->max_changes > SB_MAX_CHANGES || o->use_stock > 1)
        return false;
    if (o->first_day == INT32_MIN || (int64_t)o->first_day + o->days - 1 > INT32_MAX)
        return false;
    uint64_t slots = (uint64_t)o->max_locations * o->days * o->windows_per_day;
    return slots <= SB_MAX_SLOTS && slots * o->holds_per_slot <= SB_MAX_SEATS;
}

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
    free(b->heap);
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
    b->heap_max = o->release_delay_ms ? (size_t)b->nslots * o->holds_per_slot : 0;
    b->open = calloc(b->locations, sizeof *b->open);
    b->stock = o->use_stock ? calloc(b->locations, sizeof *b->stock) : NULL;
    b->slots = calloc(b->nslots, sizeof *b->slots);
    b->people = calloc(o->max_people, sizeof *b->people);
    b->table = calloc(size, sizeof *b->table);
    b->heap = b->heap_max ? calloc(b->heap_max, sizeof *b->heap) : NULL;
    return b->open && (b->stock || !o->use_stock) && b->slots && b->people && b->table &&
           (b->heap || !b->heap_max);
}

static sb_status
b_open(const sb_options *o, void **out)
{
    if (!o || !out || !options_valid(o))
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
    b->holds_per_slot = o->holds_per_slot;
    b->hold_ms = o->hold_ms;
    b->release_delay_ms = o->release_delay_ms;
    b->max_changes = o->max_changes;
    b->waiting_list = o->max_waiting != 0;
    b->max_people = o->max_people;
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b);
        return SB_NOMEM;
    }
    if (!alloc_all(b, o) || keys_init(b, o->code_key) != 0) {
        b_close(b);
        return SB_NOMEM;
    }
    for (uint32_t i = 0; i < b->nslots; i++)
        b->slots[i].first = b->slots[i].last = NIL;
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
        /* slotbook offers new places to its waiting list, reading the clock
         * for it (nobody waits here: the baseline has no list). */
        if (b->waiting_list)
            now_at(b, raw);
    }
    pthread_mutex_unlock(&b->lock);
    return st;
}

/* ---- reserve and book ------------------------------------------------------------ */

/* What a successful book or confirm must seal into its code, after the lock. */
typedef struct sealing {
    uint32_t number, gen;
} sealing;

/* Whether slot si has a place for a new hold or booking: one never used,
 * else the one of its oldest hold that ran out (reclaimed). */
static bool
place_ready(baseline *b, uint32_t si, uint64_t now)
{
    const slot *s = &b->slots[si];
    return taken(s) < s->capacity || reclaim_oldest(b, si, now);
}

/* reserve (book == false) and book, under the lock: statuses in the order
 * of sb_reserve. */
static sb_status
take(baseline *b, uint32_t bsn, uint32_t si, uint16_t location, uint64_t raw, bool book,
     sealing *seal)
{
    if (!b->open[location])
        return SB_CLOSED;
    uint64_t now = now_at(b, raw);
    uint32_t n = person_find(b, bsn);
    if (n != NIL && active(&b->people[n], now))
        return SB_DUPLICATE;
    if (!sticker_ready(b, location, now))
        return SB_NO_STOCK;
    if (!place_ready(b, si, now))
        return SB_FULL;
    /* A hold also needs a seat: room under holds_per_slot, else the record
     * of a hold that ran out (a place taken over came with its seat). */
    slot *s = &b->slots[si];
    if (!book && s->holds + s->pending >= b->holds_per_slot && !reclaim_oldest(b, si, now))
        return SB_NOMEM;
    if (n == NIL) {
        if (b->npeople == b->max_people)
            return SB_NOMEM;
        n = person_insert(b, bsn);
    }
    person *p = &b->people[n];
    if (book && p->gen == SB_MAX_BOOKINGS)
        return SB_NOMEM;
    if (p->state == P_HELD) { /* the person's own hold that ran out */
        hold_unlink(b, n);
        sticker_back(b, p->slot);
    }
    sticker_take(b, location);
    if (book) {
        p->state = P_BOOKED;
        p->slot = si;
        p->gen++;
        s->booked++;
        *seal = (sealing){n, p->gen};
    } else {
        uint64_t deadline = now + b->hold_ms;
        hold_append(b, si, n, deadline < SB_MAX_TIME_MS ? deadline : SB_MAX_TIME_MS);
    }
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
    sealing seal;
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

/* Whether one more cancel or reschedule is past the person's limit. */
static bool
over_limit(const baseline *b, const person *p)
{
    return b->max_changes != 0 && p->changes >= b->max_changes;
}

static void
changed(person *p)
{
    if (p->changes < SB_MAX_CHANGES)
        p->changes++;
}

static sb_status
confirm(baseline *b, uint32_t bsn, uint64_t raw, sealing *seal)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = now_at(b, raw);
    person *p = &b->people[n];
    switch (p->state) {
    case P_NONE:
        return SB_NOT_FOUND;
    case P_EXPIRED:
        return SB_EXPIRED;
    case P_BOOKED:
    case P_REDEEMED:
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
    sealing seal;
    pthread_mutex_lock(&b->lock);
    sb_status st = confirm(b, bsn, raw, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

static sb_status
cancel(baseline *b, uint32_t bsn, uint64_t raw)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = now_at(b, raw);
    person *p = &b->people[n];
    switch (p->state) {
    case P_REDEEMED:
        return SB_USED;
    case P_BOOKED:
        if (over_limit(b, p))
            return SB_LIMIT;
        b->slots[p->slot].booked--;
        break;
    case P_HELD:
        if (p->deadline <= now)
            return SB_NOT_FOUND;
        if (over_limit(b, p))
            return SB_LIMIT;
        hold_unlink(b, n);
        break;
    default:
        return SB_NOT_FOUND;
    }
    p->state = P_NONE;
    changed(p);
    sticker_back(b, p->slot);
    give_back(b, p->slot, now);
    return SB_OK;
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

/* Statuses in the order of sb_reschedule. */
static sb_status
reschedule(baseline *b, uint32_t bsn, uint32_t si, uint64_t raw, sealing *seal)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = now_at(b, raw);
    person *p = &b->people[n];
    if (p->state == P_REDEEMED)
        return SB_USED;
    if (p->state != P_BOOKED)
        return SB_NOT_FOUND;
    if (p->slot == si)
        return SB_DUPLICATE;
    if (over_limit(b, p))
        return SB_LIMIT;
    uint16_t to = location_of(b, si), from = location_of(b, p->slot);
    if (!b->open[to])
        return SB_CLOSED;
    /* A move inside one location keeps its sticker. */
    if (to != from && !sticker_ready(b, to, now))
        return SB_NO_STOCK;
    if (!place_ready(b, si, now))
        return SB_FULL;
    if (p->gen == SB_MAX_BOOKINGS)
        return SB_NOMEM;
    b->slots[p->slot].booked--;
    give_back(b, p->slot, now);
    if (to != from) {
        sticker_back(b, p->slot);
        sticker_take(b, to);
    }
    p->slot = si;
    p->gen++;
    changed(p);
    b->slots[si].booked++;
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
    sealing seal;
    pthread_mutex_lock(&b->lock);
    sb_status st = reschedule(b, bsn, si, raw, &seal);
    pthread_mutex_unlock(&b->lock);
    if (st == SB_OK)
        sb__code_seal(&b->keys, seal.number, seal.gen, code);
    return st;
}

/* ---- lookup, verify, redeem ------------------------------------------------------- */

static void
fill(const baseline *b, const person *p, sb_state state, sb_booking *out)
{
    if (!out)
        return;
    *out = (sb_booking){.bsn = p->bsn,
                        .slot = slot_of(b, p->slot),
                        .state = state,
                        .deadline_ms = state == SB_STATE_HELD ? b->epoch_ms + p->deadline : 0};
}

/* The public state of an active person. */
static sb_state
state_of(const person *p)
{
    return p->state == P_HELD     ? SB_STATE_HELD
           : p->state == P_BOOKED ? SB_STATE_BOOKED
                                  : SB_STATE_REDEEMED;
}

static sb_status
lookup(baseline *b, uint32_t bsn, uint64_t raw, sb_booking *out)
{
    uint32_t n = person_find(b, bsn);
    if (n == NIL)
        return SB_NOT_FOUND;
    uint64_t now = now_at(b, raw);
    const person *p = &b->people[n];
    if (!active(p, now))
        return SB_NOT_FOUND;
    fill(b, p, state_of(p), out);
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

/* verify (redeem == false) and redeem, under the lock, for a code that
 * opened to (number, gen). */
static sb_status
present(baseline *b, uint32_t number, uint32_t gen, uint32_t bsn, bool redeem, sb_booking *out)
{
    if (number >= b->npeople)
        return SB_FORGED; /* a number never given to anyone */
    person *p = &b->people[number];
    if (p->bsn != bsn)
        return SB_WRONG_HOLDER;
    if (gen > p->gen)
        return SB_FORGED; /* same key, but never issued here */
    if (gen < p->gen || (p->state != P_BOOKED && p->state != P_REDEEMED))
        return SB_CANCELLED;
    if (p->state == P_REDEEMED) {
        fill(b, p, SB_STATE_REDEEMED, out);
        return SB_USED;
    }
    if (!redeem) {
        fill(b, p, SB_STATE_BOOKED, out);
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
    *out = slot_info(b, &b->slots[si], now_at(b, raw));
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
    uint64_t now = now_at(b, raw);
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

/* Person n's live hold, booking or redeemed booking in *out, when it is at
 * location on a day in [from_day, to_day]. */
static bool
booking_at(const baseline *b, uint32_t n, uint64_t now, uint16_t location, int32_t from_day,
           int32_t to_day, sb_booking *out)
{
    const person *p = &b->people[n];
    if (!active(p, now))
        return false;
    sb_slot s = slot_of(b, p->slot);
    if (s.location != location || s.day < from_day || s.day > to_day)
        return false;
    fill(b, p, state_of(p), out);
    return true;
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
    uint64_t now = now_at(b, raw);
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
    uint64_t now = now_at(b, raw);
    size_t n = 0;
    for (uint32_t i = 0; i < b->nslots; i++)
        while (reclaim_oldest(b, i, now))
            n++;
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
    uint32_t *count; /* per slot: held people, booked people, redeemed people, pending */
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
        if (p->state == P_HELD || p->state == P_BOOKED || p->state == P_REDEEMED) {
            if (p->slot >= b->nslots)
                violation(a, "BSN %09u has slot %u outside the engine", p->bsn, p->slot);
            else
                a->count[4 * (size_t)p->slot + p->state - P_HELD]++;
        }
    }
}

/* The slot's hold list: linked both ways, held people only, by deadline. */
static uint32_t
audit_holds(audit *a, uint32_t si)
{
    const baseline *b = a->b;
    uint32_t len = 0, prev = NIL;
    uint64_t last = 0;
    for (uint32_t n = b->slots[si].first; n != NIL && len <= b->npeople; n = b->people[n].next) {
        const person *p = &b->people[n];
        if (p->state != P_HELD || p->slot != si || p->prev != prev || p->deadline < last)
            violation(a, "slot %u: hold list broken at person %u", si, n);
        a->r.held += p->deadline > a->now;
        last = p->deadline;
        prev = n;
        len++;
    }
    if (b->slots[si].last != prev)
        violation(a, "slot %u: hold list does not end at its last", si);
    return len;
}

static void
audit_slot(audit *a, uint32_t si)
{
    const baseline *b = a->b;
    const slot *s = &b->slots[si];
    const uint32_t *c = &a->count[4 * (size_t)si];
    uint32_t len = audit_holds(a, si);
    a->r.slots++;
    a->r.capacity += s->capacity;
    a->r.booked += s->booked;
    a->r.redeemed += s->redeemed;
    a->r.pending += s->pending;
    if (taken(s) > s->capacity)
        violation(a, "slot %u: %" PRIu64 " places taken of %u", si, taken(s), s->capacity);
    if (len != s->holds || c[0] != s->holds)
        violation(a, "slot %u: %u holds, %u in its list, %u people", si, s->holds, len, c[0]);
    if (c[1] != s->booked || c[2] != s->redeemed)
        violation(a, "slot %u: counters booked %u redeemed %u, people %u and %u", si, s->booked,
                  s->redeemed, c[1], c[2]);
    if (c[3] != s->pending)
        violation(a, "slot %u: %u pending, %u in the heap", si, s->pending, c[3]);
    if ((uint64_t)s->holds + s->pending > b->holds_per_slot)
        violation(a, "slot %u: %u holds and %u pending past %u seats", si, s->holds, s->pending,
                  b->holds_per_slot);
}

static void
audit_heap(audit *a)
{
    const baseline *b = a->b;
    for (size_t i = 0; i < b->nheap; i++) {
        uint32_t si = (uint32_t)(b->heap[i] & HEAP_SLOT_MASK);
        if (si >= b->nslots || (i > 0 && b->heap[(i - 1) / 2] > b->heap[i]))
            violation(a, "pending heap broken at %zu", i);
        else
            a->count[4 * (size_t)si + 3]++;
    }
}

/* Every location's stickers: on the shelf + held, booked or redeemed there
 * = added (a hold that ran out keeps its sticker until it is reclaimed, a
 * redeemed booking used its sticker up). */
static void
audit_stock(audit *a)
{
    const baseline *b = a->b;
    uint32_t per = b->days * b->windows;
    for (uint32_t loc = 0; b->stock && loc < b->locations; loc++) {
        uint64_t out = 0;
        for (uint32_t si = loc * per; si < (loc + 1u) * per; si++)
            out += (uint64_t)a->count[4 * (size_t)si] + a->count[4 * (size_t)si + 1] +
                   a->count[4 * (size_t)si + 2];
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
    a.count = calloc((size_t)b->nslots * 4, sizeof *a.count);
    if (!a.count)
        return SB_NOMEM;
    uint64_t raw = clock_raw(b);
    pthread_mutex_lock(&b->lock);
    a.now = now_at(b, raw);
    audit_people(&a);
    audit_heap(&a);
    for (uint32_t i = 0; i < b->nslots; i++)
        audit_slot(&a, i);
    audit_stock(&a);
    pthread_mutex_unlock(&b->lock);
    free(a.count);
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
    .audit = b_audit,
};
