/*
 * Slots: capacity counters and seats.
 *
 * Structure.  Every slot of the horizon has, from sb_open() on:
 *   - a cache line of counters (sb_slotc): cw = capacity << 32 | taken,
 *     booked, redeemed, and next_due;
 *   - holds_per_slot seats, 64-bit words, each vacant or holding one place
 *     until a deadline: a hold (with its owner's person number) or a
 *     cancelled place waiting for its delayed release (PENDING).
 *
 * taken counts every place in use: booked + redeemed + occupied seats,
 * including seats whose deadline passed and that nobody reclaimed yet.
 * A place is taken only by a compare-and-swap that keeps taken <= capacity,
 * or by taking over a seat whose deadline passed: the place moves from the
 * dead hold to the new owner without ever being counted twice.  That is the
 * capacity invariant: held + booked + redeemed + pending <= taken <= capacity
 * at every instant.
 *
 * Expired holds are free at once.  A hold whose deadline passed is taken
 * over by the next reserve that finds the slot full, counted as free by
 * sb_slot_read() and sb_next_free(), and reclaimed by sb_expire(); nothing
 * waits for a sweep.  To take over a hold, a caller must win the owner's
 * person word (HELD on this seat -> EXPIRED): the person word is the only
 * arbiter of a hold, so a confirm racing the deadline and a takeover cannot
 * both win.  Holds in one slot share one lifetime, so next_due (a lower
 * bound on the earliest deadline among the seats) lets a full slot whose
 * earliest hold is still live answer SB_FULL without scanning.  Reserves
 * fill the lowest vacant seat and seats_used marks the highest seat ever
 * filled, so scans stop there: a slot with few holds costs a few words.
 *
 * Ordering.  Every step that hands a place over releases what the place
 * carries; counters are moved in the order that never over-counts: a place
 * is added to taken before it is used, and leaves taken after it left
 * booked, redeemed or its seat.  Readers may see a place in transit in no
 * counter, never in two.
 *
 * Progress.  Everything is lock-free: each loop retries a compare-and-swap
 * that failed only because another call changed the same word.
 */
#include "internal.h"

#define CW_TAKEN(w) ((uint32_t)(w))
#define CW_CAP(w) ((uint32_t)((w) >> 32))
#define NO_SEAT UINT32_MAX

static inline sb_slotc *
counters(sb_engine *e, uint32_t slot)
{
    return &e->slots[slot];
}

static inline _Atomic uint64_t *
seat_word(sb_engine *e, uint32_t seat)
{
    return &e->seats[seat];
}

/* Scans look at seats [0, seats_used) only: claims fill the lowest vacant
 * seat, so a slot with few holds is scanned in a few words. */
static uint32_t
seats_span(sb_engine *e, uint32_t slot)
{
    return atomic_load_explicit(&counters(e, slot)->seats_used, memory_order_acquire);
}

static void
seats_grow(sb_engine *e, uint32_t slot, uint32_t k)
{
    _Atomic uint32_t *used = &counters(e, slot)->seats_used;
    uint32_t cur = atomic_load_explicit(used, memory_order_relaxed);
    while (cur < k + 1 && !atomic_compare_exchange_weak_explicit(
                              used, &cur, k + 1, memory_order_release, memory_order_relaxed)) {
    }
}

static void
taken_drop(sb_engine *e, uint32_t slot)
{
    uint64_t old = atomic_fetch_sub_explicit(&counters(e, slot)->cw, 1, memory_order_release);
    sb_assert(CW_TAKEN(old) >= 1);
}

static inline uint64_t
due_at(uint64_t word)
{
    return word >> SB_DUE_VERSION_BITS;
}

static inline uint64_t
due_make(uint64_t deadline, uint64_t old)
{
    uint64_t version = (old + 1) & ((UINT64_C(1) << SB_DUE_VERSION_BITS) - 1);
    return (deadline < SB_DUE_NEVER ? deadline : SB_DUE_NEVER) << SB_DUE_VERSION_BITS | version;
}

static uint64_t
due_load(sb_engine *e, uint32_t slot)
{
    return atomic_load_explicit(&counters(e, slot)->next_due, memory_order_acquire);
}

/* A seat was filled until deadline: lower next_due to it if it is earlier,
 * and bump the version in any case. */
static void
due_lower(sb_engine *e, uint32_t slot, uint64_t deadline)
{
    _Atomic uint64_t *due = &counters(e, slot)->next_due;
    uint64_t cur = atomic_load_explicit(due, memory_order_relaxed);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t at = due_at(cur) < deadline ? due_at(cur) : deadline;
        if (atomic_compare_exchange_weak_explicit(due, &cur, due_make(at, cur),
                                                  memory_order_acq_rel, memory_order_relaxed))
            return;
    }
}

/* After a scan found nothing due: raise next_due to the earliest live
 * deadline seen, unless a seat was filled meanwhile (then the version moved
 * and the compare-and-swap fails, keeping the lower bound). */
static void
due_raise(sb_engine *e, uint32_t slot, uint64_t seen, uint64_t earliest)
{
    if (earliest > due_at(seen))
        atomic_compare_exchange_strong_explicit(&counters(e, slot)->next_due, &seen,
                                                due_make(earliest, seen), memory_order_acq_rel,
                                                memory_order_relaxed);
}

bool
sb__seat_expire(sb_engine *e, uint32_t seat, uint64_t now)
{
    _Atomic uint64_t *sw = seat_word(e, seat);
    uint64_t s = atomic_load_explicit(sw, memory_order_acquire);
    if (seat_tag(s) != SEAT_HOLD || seat_deadline(s) > now)
        return false;
    _Atomic uint64_t *pw = &e->people.word[seat_owner(s)];
    uint64_t w = atomic_load_explicit(pw, memory_order_acquire);
    if (pw_state(w) != PS_HELD || pw_where(w) != seat)
        return false; /* the owner moved on; whoever moved it owns the seat */
    /* The seat still shows this dead hold, so the word read in between
     * describes it (a new hold on this seat is written before its word). */
    if (atomic_load_explicit(sw, memory_order_acquire) != s)
        return false;
    if (!atomic_compare_exchange_strong_explicit(pw, &w, pw_next(w, PS_EXPIRED, pw_gen(w), 0),
                                                 memory_order_acq_rel, memory_order_relaxed))
        return false;
    atomic_store_explicit(sw, seat_make(SEAT_BUSY, 0, 0), memory_order_release);
    sb__stock_give(e, sb__slot_location(e, seat / e->seats_per_slot), 1);
    sb__stat_expired(e, 1);
    return true;
}

/* Takes one seat of slot whose deadline passed; true and *seat (BUSY, the
 * caller's) on success. */
static bool
due_take(sb_engine *e, uint32_t slot, uint64_t now, uint32_t *seat)
{
    uint64_t seen = due_load(e, slot);
    if (now < due_at(seen))
        return false;
    uint32_t base = slot * e->seats_per_slot, span = seats_span(e, slot);
    uint64_t earliest = UINT64_MAX;
    for (uint32_t k = 0; k < span; k++) {
        uint32_t g = base + k;
        uint64_t s = atomic_load_explicit(seat_word(e, g), memory_order_acquire);
        unsigned tag = seat_tag(s);
        if (tag != SEAT_HOLD && tag != SEAT_PENDING)
            continue;
        if (seat_deadline(s) > now) {
            if (seat_deadline(s) < earliest)
                earliest = seat_deadline(s);
            continue;
        }
        if (tag == SEAT_HOLD ? sb__seat_expire(e, g, now)
                             : atomic_compare_exchange_strong_explicit(
                                   seat_word(e, g), &s, seat_make(SEAT_BUSY, 0, 0),
                                   memory_order_acq_rel, memory_order_relaxed)) {
            *seat = g;
            return true;
        }
    }
    due_raise(e, slot, seen, earliest);
    return false;
}

sb_status
sb__place_take(sb_engine *e, uint32_t slot, uint64_t now, sb_place *pl)
{
    pl->slot = slot;
    pl->seat = NO_SEAT;
    pl->taken_over = false;
    _Atomic uint64_t *cw = &counters(e, slot)->cw;
    uint64_t w = atomic_load_explicit(cw, memory_order_acquire);
    for (uint32_t tries = 0; CW_TAKEN(w) < CW_CAP(w); tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (atomic_compare_exchange_weak_explicit(cw, &w, w + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return SB_OK;
    }
    pl->taken_over = due_take(e, slot, now, &pl->seat);
    return pl->taken_over ? SB_OK : SB_FULL;
}

sb_status
sb__places_take(sb_engine *e, uint32_t slot, uint32_t n, uint64_t now)
{
    _Atomic uint64_t *cw = &counters(e, slot)->cw;
    for (int round = 0; round < 2; round++) {
        uint64_t w = atomic_load_explicit(cw, memory_order_acquire);
        for (uint32_t tries = 0; (uint64_t)CW_TAKEN(w) + n <= CW_CAP(w); tries++) {
            sb_assert(tries < SB_RETRY_MAX);
            if (atomic_compare_exchange_weak_explicit(cw, &w, w + n, memory_order_acq_rel,
                                                      memory_order_acquire))
                return SB_OK;
        }
        if (round == 0)
            sb__slot_expire(e, slot, now);
    }
    return SB_FULL;
}

void
sb__places_return(sb_engine *e, uint32_t slot, uint32_t n)
{
    uint64_t old = atomic_fetch_sub_explicit(&counters(e, slot)->cw, n, memory_order_release);
    sb_assert(CW_TAKEN(old) >= n);
}

void
sb__place_free(sb_engine *e, uint32_t slot, uint64_t now)
{
    sb_status st = sb__wait_give(e, slot, now);
    if (st != SB_OK && st != SB_FULL)
        taken_drop(e, slot);
}

void
sb__place_return(sb_engine *e, const sb_place *pl)
{
    if (pl->seat != NO_SEAT)
        atomic_store_explicit(seat_word(e, pl->seat), 0, memory_order_release);
    /* A place taken over from a hold that ran out frees up now, and goes to
     * the waiting list like any other; a place that was free stays free. */
    if (pl->taken_over)
        sb__place_free(e, pl->slot, sb__clock_now(&e->clock));
    else
        taken_drop(e, pl->slot);
}

sb_status
sb__place_claim(sb_engine *e, sb_place *pl, uint64_t now, uint32_t hint)
{
    if (pl->seat != NO_SEAT)
        return SB_OK; /* the place came with a seat taken over, BUSY already */
    uint64_t busy = seat_make(SEAT_BUSY, 0, 0);
    uint32_t base = pl->slot * e->seats_per_slot;
    for (uint32_t k = 0; k < e->seats_per_slot; k++) {
        uint32_t at = (hint + k) % e->seats_per_slot, g = base + at;
        uint64_t vacant = 0;
        if (atomic_load_explicit(seat_word(e, g), memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong_explicit(seat_word(e, g), &vacant, busy,
                                                    memory_order_acq_rel, memory_order_relaxed)) {
            seats_grow(e, pl->slot, at);
            pl->seat = g;
            return SB_OK;
        }
    }
    /* No vacant seat: take over a due one.  Its place is already counted, so
     * the one this call added goes back. */
    pl->taken_over = due_take(e, pl->slot, now, &pl->seat);
    taken_drop(e, pl->slot);
    return pl->taken_over ? SB_OK : SB_NOMEM;
}

void
sb__place_hold(sb_engine *e, sb_place *pl, uint32_t person, uint64_t deadline)
{
    sb_assert(pl->seat != NO_SEAT);
    atomic_store_explicit(seat_word(e, pl->seat), seat_make(SEAT_HOLD, person, deadline),
                          memory_order_release);
    due_lower(e, pl->slot, deadline);
}

sb_status
sb__place_seat(sb_engine *e, sb_place *pl, uint32_t person, uint64_t now, uint64_t deadline,
               uint32_t hint)
{
    sb_status st = sb__place_claim(e, pl, now, hint);
    if (st == SB_OK)
        sb__place_hold(e, pl, person, deadline);
    return st;
}

void
sb__place_unseat(sb_engine *e, sb_place *pl)
{
    if (pl->seat != NO_SEAT)
        atomic_store_explicit(seat_word(e, pl->seat), 0, memory_order_release);
    pl->seat = NO_SEAT;
}

void
sb__seat_vacate(sb_engine *e, uint32_t seat, uint64_t expect)
{
    bool swapped = atomic_compare_exchange_strong_explicit(
        seat_word(e, seat), &expect, 0, memory_order_acq_rel, memory_order_relaxed);
    sb_assert(swapped); /* only the winner of the owner's word changes the seat */
}

void
sb__seat_release(sb_engine *e, uint32_t seat, uint64_t expect, uint64_t now, uint64_t until,
                 bool sticker)
{
    uint32_t slot = seat / e->seats_per_slot;
    if (sticker)
        sb__stock_give(e, sb__slot_location(e, slot), 1);
    uint64_t next = until > now ? seat_make(SEAT_PENDING, 0, until) : 0;
    bool swapped = atomic_compare_exchange_strong_explicit(
        seat_word(e, seat), &expect, next, memory_order_acq_rel, memory_order_relaxed);
    /* The caller won the owner's word away from this hold, and only that
     * winner may change the seat. */
    sb_assert(swapped);
    if (next)
        due_lower(e, slot, until);
    else
        sb__place_free(e, slot, now);
}

void
sb__slot_release(sb_engine *e, uint32_t slot, uint64_t now, uint64_t until, bool sticker)
{
    if (sticker)
        sb__stock_give(e, sb__slot_location(e, slot), 1);
    if (until > now) {
        uint64_t pending = seat_make(SEAT_PENDING, 0, until);
        uint32_t base = slot * e->seats_per_slot, seat;
        for (uint32_t k = 0; k < e->seats_per_slot; k++) {
            uint64_t vacant = 0;
            if (atomic_compare_exchange_strong_explicit(seat_word(e, base + k), &vacant, pending,
                                                        memory_order_acq_rel,
                                                        memory_order_relaxed)) {
                seats_grow(e, slot, k);
                due_lower(e, slot, until);
                return;
            }
        }
        /* No vacant seat: wait in one whose deadline passed; the place that
         * seat held is free now. */
        if (due_take(e, slot, now, &seat)) {
            atomic_store_explicit(seat_word(e, seat), pending, memory_order_release);
            due_lower(e, slot, until);
            sb__place_free(e, slot, now);
            return;
        }
        /* Every seat is live: the place returns at once (documented). */
    }
    sb__place_free(e, slot, now);
}

size_t
sb__slot_expire(sb_engine *e, uint32_t slot, uint64_t now)
{
    uint64_t seen = due_load(e, slot);
    if (now < due_at(seen))
        return 0;
    size_t holds = 0;
    uint64_t earliest = UINT64_MAX;
    uint32_t base = slot * e->seats_per_slot, span = seats_span(e, slot);
    for (uint32_t k = 0; k < span; k++) {
        uint32_t g = base + k;
        uint64_t s = atomic_load_explicit(seat_word(e, g), memory_order_acquire);
        unsigned tag = seat_tag(s);
        if (tag != SEAT_HOLD && tag != SEAT_PENDING)
            continue;
        if (seat_deadline(s) > now) {
            if (seat_deadline(s) < earliest)
                earliest = seat_deadline(s);
        } else if (tag == SEAT_HOLD) {
            if (sb__seat_expire(e, g, now)) {
                atomic_store_explicit(seat_word(e, g), 0, memory_order_release);
                sb__place_free(e, slot, now);
                holds++;
            }
        } else if (atomic_compare_exchange_strong_explicit(
                       seat_word(e, g), &s, 0, memory_order_acq_rel, memory_order_relaxed)) {
            sb__place_free(e, slot, now);
        }
    }
    due_raise(e, slot, seen, earliest);
    return holds;
}

typedef struct seat_count {
    uint32_t held, pending, due;
    uint64_t earliest; /* the earliest deadline still to come */
} seat_count;

static seat_count
seats_count(sb_engine *e, uint32_t slot, uint64_t now)
{
    seat_count n = {0, 0, 0, UINT64_MAX};
    uint32_t base = slot * e->seats_per_slot, span = seats_span(e, slot);
    for (uint32_t k = 0; k < span; k++) {
        uint64_t s = atomic_load_explicit(seat_word(e, base + k), memory_order_acquire);
        unsigned tag = seat_tag(s);
        if (tag != SEAT_HOLD && tag != SEAT_PENDING)
            continue;
        if (seat_deadline(s) <= now)
            n.due++;
        else if (tag == SEAT_HOLD)
            n.held++;
        else
            n.pending++;
        if (seat_deadline(s) > now && seat_deadline(s) < n.earliest)
            n.earliest = seat_deadline(s);
    }
    return n;
}

static uint32_t
clamp_sub(uint32_t a, uint32_t b)
{
    return a > b ? a - b : 0;
}

void
sb__slot_read(sb_engine *e, uint32_t slot, uint64_t now, sb_slot_info *out)
{
    sb_slotc *c = counters(e, slot);
    uint64_t w;
    int32_t booked, redeemed;
    seat_count n;
    /* next_due has no deadline while no seat is occupied. */
    bool has_seats = due_at(due_load(e, slot)) != SB_DUE_NEVER;
    for (int tries = 0;; tries++) {
        w = atomic_load_explicit(&c->cw, memory_order_acquire);
        booked = (int32_t)atomic_load_explicit(&c->booked, memory_order_acquire);
        redeemed = (int32_t)atomic_load_explicit(&c->redeemed, memory_order_acquire);
        n = has_seats ? seats_count(e, slot, now) : (seat_count){0, 0, 0, UINT64_MAX};
        if (tries == 8 ||
            (w == atomic_load_explicit(&c->cw, memory_order_acquire) &&
             booked == (int32_t)atomic_load_explicit(&c->booked, memory_order_acquire) &&
             redeemed == (int32_t)atomic_load_explicit(&c->redeemed, memory_order_acquire)))
            break;
    }
    /* A place in transit may be missed by one counter; clamp so the answer
     * keeps the invariant even then. */
    uint32_t cap = CW_CAP(w);
    out->capacity = cap;
    out->booked = booked > 0 ? (uint32_t)booked : 0;
    if (out->booked > cap)
        out->booked = cap;
    out->redeemed = redeemed > 0 ? (uint32_t)redeemed : 0;
    if (out->redeemed > cap - out->booked)
        out->redeemed = cap - out->booked;
    uint32_t room = cap - out->booked - out->redeemed;
    out->held = n.held < room ? n.held : room;
    room -= out->held;
    out->pending = n.pending < room ? n.pending : room;
    room -= out->pending;
    uint32_t free = clamp_sub(cap, clamp_sub(CW_TAKEN(w), n.due));
    out->free = free < room ? free : room;
}

bool
sb__slot_has_free(sb_engine *e, uint32_t slot, uint64_t now)
{
    sb_slotc *c = counters(e, slot);
    uint64_t w = atomic_load_explicit(&c->cw, memory_order_acquire);
    if (CW_TAKEN(w) < CW_CAP(w))
        return true;
    uint64_t seen = due_load(e, slot);
    if (now < due_at(seen) || CW_CAP(w) == 0)
        return false;
    seat_count n = seats_count(e, slot, now);
    if (n.due > 0)
        return true;
    due_raise(e, slot, seen, n.earliest);
    return false;
}
