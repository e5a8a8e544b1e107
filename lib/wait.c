/*
 * The waiting list: instead of refreshing the planner, a person waits for a
 * place at a location within a day range, and the first one that fits gets
 * a hold when a place frees up.
 *
 * Structure.  Per location, max_waiting entries and a ticket counter.  An
 * entry is one word (the person, the day range, a written bit and a small
 * version) plus the person's ticket.  The person word is the truth: a
 * person waits on entry g while their word says PS_WAITING on g; an entry
 * whose person no longer does is dead, and whoever finds it frees it.
 *
 * Joining claims a free entry (compare-and-swap from free), takes the next
 * ticket, makes the person word PS_WAITING on it, and marks the entry
 * written; a reader ignores an entry until it is written.  Entries are not
 * kept in order: the order is the tickets', so a person who waits for
 * months never holds up the entries of those who came and went after them.
 *
 * Serving.  Every call that frees a place (cancel, reschedule, a family
 * cancelled or moved, sb_release, a hold or a delayed release reclaimed by
 * sb_expire) hands the place to sb__wait_give() instead of giving it back:
 * it looks for the live entry with the lowest ticket whose range holds the
 * slot's day, and gives that person a hold in a seat (seat first, then the
 * person word PS_WAITING -> PS_HELD by compare-and-swap, as a reserve does),
 * or looks again if that person left meanwhile.  With nobody fitting, the
 * place goes back to the slot.  First come, first served.  A count of
 * written entries keeps the no-waiter case at one load.
 *
 * Progress: lock-free.  Every loop retries a compare-and-swap that another
 * call's success made fail; scans cost O(max_waiting).
 */
#include "person.h"

#define ENTRY_PERSON_MASK ((UINT64_C(1) << 25) - 1) /* person number + 1; 0 = free */
#define ENTRY_VERSION_SHIFT 57
#define ENTRY_WRITTEN (UINT64_C(1) << 63)

static uint64_t
entry_make(uint32_t person_plus1, uint32_t from, uint32_t to, uint64_t old)
{
    uint64_t version = ((old >> ENTRY_VERSION_SHIFT) + 1) & 0x3f;
    return (uint64_t)person_plus1 | (uint64_t)from << 25 | (uint64_t)to << 41 |
           version << ENTRY_VERSION_SHIFT;
}
static uint32_t
entry_person_plus1(uint64_t ent)
{
    return (uint32_t)(ent & ENTRY_PERSON_MASK);
}
static uint32_t
entry_from(uint64_t ent)
{
    return (uint32_t)((ent >> 25) & 0xffffu);
}
static uint32_t
entry_to(uint64_t ent)
{
    return (uint32_t)((ent >> 41) & 0xffffu);
}

static _Atomic uint64_t *
entry_word(sb_engine *e, uint32_t g)
{
    return &e->wait_ring[g].word;
}

static uint64_t
entry_load(sb_engine *e, uint32_t g)
{
    return atomic_load_explicit(entry_word(e, g), memory_order_acquire);
}

static uint16_t
entry_location(const sb_engine *e, uint32_t g)
{
    return (uint16_t)(g / e->wait_cap);
}

/* Frees entry g if it still is ent (written); counts it out. */
static void
entry_free(sb_engine *e, uint32_t g, uint64_t ent)
{
    if (atomic_compare_exchange_strong_explicit(entry_word(e, g), &ent, entry_make(0, 0, 0, ent),
                                                memory_order_acq_rel, memory_order_relaxed) &&
        (ent & ENTRY_WRITTEN))
        atomic_fetch_sub_explicit(&e->waitq[entry_location(e, g)].count, 1, memory_order_release);
}

/* A written entry's waiting person: true and *word when they still wait on
 * it; a dead entry is freed. */
static bool
entry_live(sb_engine *e, uint32_t g, uint64_t ent, uint64_t *word)
{
    if (!(ent & ENTRY_WRITTEN))
        return false;
    uint32_t who = entry_person_plus1(ent);
    *word = atomic_load_explicit(&e->people.word[who - 1], memory_order_acquire);
    if (pw_state(*word) == PS_WAITING && pw_where(*word) == g)
        return true;
    entry_free(e, g, ent);
    return false;
}

/* The ticket of a live entry, read consistently with it: false when the
 * entry changed meanwhile. */
static bool
entry_ticket(sb_engine *e, uint32_t g, uint64_t ent, uint64_t *ticket)
{
    *ticket = atomic_load_explicit(&e->wait_ring[g].ticket, memory_order_acquire);
    return entry_load(e, g) == ent;
}

void
sb__wait_left(sb_engine *e, uint64_t view)
{
    if (pw_state(view) != PS_WAITING)
        return;
    uint32_t g = pw_where(view);
    uint64_t ent = entry_load(e, g), word;
    /* Its person left: entry_live() finds it dead and frees it (a joiner
     * that has not marked it written yet frees it itself). */
    if (entry_person_plus1(ent) != 0)
        entry_live(e, g, ent, &word);
}

typedef struct pick {
    uint32_t g;
    uint64_t ent, word, ticket;
} pick;

/* The first come live entry at location whose range holds day. */
static bool
first_fitting(sb_engine *e, uint16_t location, uint32_t day, pick *best)
{
    bool found = false;
    uint32_t base = location * e->wait_cap;
    for (uint32_t g = base; g < base + e->wait_cap; g++) {
        uint64_t ent = entry_load(e, g), word, ticket;
        if (!(ent & ENTRY_WRITTEN) || day < entry_from(ent) || day > entry_to(ent) ||
            !entry_live(e, g, ent, &word) || !entry_ticket(e, g, ent, &ticket))
            continue;
        if (!found || ticket < best->ticket) {
            *best = (pick){g, ent, word, ticket};
            found = true;
        }
    }
    return found;
}

/* Gives the counted place to the picked person: SB_OK, SB_FULL when no
 * seat was free for a hold (the place went back to the slot), SB_NO_STOCK
 * when no sticker is left, SB_NOT_FOUND when they left meanwhile (the
 * caller keeps the place on the last two). */
static sb_status
give_to(sb_engine *e, uint32_t slot, const pick *pk, uint64_t now)
{
    uint16_t location = sb__slot_location(e, slot);
    person p = {entry_person_plus1(pk->ent) - 1, pk->word, pk->word};
    if (!sb__stock_take_shelf(e, location, 1))
        return SB_NO_STOCK;
    sb_place pl = {slot, UINT32_MAX, false};
    if (sb__place_claim(e, &pl, now, 0) != SB_OK) {
        sb__stock_give(e, location, 1);
        return SB_FULL;
    }
    uint64_t deadline = now + e->hold_ms;
    sb__place_hold(e, &pl, p.number, deadline < SB_MAX_TIME_MS ? deadline : SB_MAX_TIME_MS);
    if (word_swap(e, &p, pw_next(pk->word, PS_HELD, pw_gen(pk->word), pl.seat))) {
        entry_free(e, pk->g, pk->ent);
        return SB_OK;
    }
    sb__place_unseat(e, &pl); /* the place stays counted, for the next one */
    sb__stock_give(e, location, 1);
    return SB_NOT_FOUND;
}

sb_status
sb__wait_give(sb_engine *e, uint32_t slot, uint64_t now)
{
    if (!e->wait_ring)
        return SB_NOT_FOUND;
    uint16_t location = sb__slot_location(e, slot);
    if (atomic_load_explicit(&e->waitq[location].count, memory_order_acquire) == 0 ||
        !sb__location_is_open(e, location))
        return SB_NOT_FOUND;
    uint32_t day = (slot / e->windows) % e->days;
    pick best = {0, 0, 0, 0};
    for (uint32_t tries = 0; first_fitting(e, location, day, &best); tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        sb_status st = give_to(e, slot, &best, now);
        if (st != SB_NOT_FOUND)
            return st;
        /* they left: the next one */
    }
    return SB_NOT_FOUND;
}

void
sb__wait_release(sb_engine *e, uint32_t slot, uint32_t places)
{
    if (!e->wait_ring)
        return;
    sb_waitq *q = &e->waitq[sb__slot_location(e, slot)];
    uint64_t now = sb__clock_now(&e->clock);
    for (uint32_t k = 0; k < places; k++) {
        if (atomic_load_explicit(&q->count, memory_order_acquire) == 0 ||
            sb__places_take(e, slot, 1, now) != SB_OK)
            return;
        sb_status st = sb__wait_give(e, slot, now);
        if (st != SB_OK) {
            /* Nobody fits, no sticker, or no seat for a hold (the place
             * went back already): the rest would fare no better. */
            if (st != SB_FULL)
                sb__places_return(e, slot, 1);
            return;
        }
    }
}

bool
sb__wait_audit(sb_engine *e, uint32_t number, uint64_t word)
{
    uint32_t g = pw_where(word);
    if (!e->wait_ring || g >= e->locations * e->wait_cap)
        return false;
    uint64_t ent = entry_load(e, g);
    return (ent & ENTRY_WRITTEN) && entry_person_plus1(ent) == number + 1;
}

/* Claims a free entry at location for person `number` (SB_NO_PERSON: not
 * stored yet, named later), from a spread start: false when every entry is
 * taken. */
static bool
entry_claim(sb_engine *e, uint16_t location, uint32_t number, uint32_t from, uint32_t to,
            uint32_t *g)
{
    uint32_t base = location * e->wait_cap, start = (number % e->wait_cap + location) % e->wait_cap;
    uint32_t who = number == SB_NO_PERSON ? (uint32_t)ENTRY_PERSON_MASK : number + 1;
    for (uint32_t k = 0; k < e->wait_cap; k++) {
        uint32_t at = base + (start + k) % e->wait_cap;
        uint64_t ent = entry_load(e, at), word;
        if (entry_person_plus1(ent) != 0) {
            /* Taken: being written, or live; a dead one is freed here. */
            if (!(ent & ENTRY_WRITTEN) || entry_live(e, at, ent, &word))
                continue;
            ent = entry_load(e, at);
            if (entry_person_plus1(ent) != 0)
                continue;
        }
        if (atomic_compare_exchange_strong_explicit(entry_word(e, at), &ent,
                                                    entry_make(who, from, to, ent),
                                                    memory_order_acq_rel, memory_order_relaxed)) {
            *g = at;
            return true;
        }
    }
    return false;
}

static sb_status
wait_join(sb_engine *e, uint32_t bsn, uint16_t location, uint32_t from, uint32_t to)
{
    if (!sb__location_is_open(e, location))
        return SB_CLOSED;
    uint64_t now = sb__clock_now(&e->clock), seat = 0;
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number != SB_NO_PERSON) {
        person_load(e, &p, false);
        if (sb__person_active(e, &p, now, &seat, false) || pw_state(p.view) == PS_WAITING)
            return SB_DUPLICATE;
    }
    /* The entry before a new person is stored, so a full list uses up no
     * place in the person table. */
    uint32_t g;
    if (!entry_claim(e, location, p.number, from, to, &g))
        return SB_NOMEM;
    uint64_t ent = entry_load(e, g);
    if (p.number == SB_NO_PERSON) {
        p.number = sb__people_insert(&e->people, bsn);
        if (p.number == SB_NO_PERSON) {
            entry_free(e, g, ent);
            return SB_NOMEM;
        }
        ent = (ent & ~ENTRY_PERSON_MASK) | (p.number + 1);
        atomic_store_explicit(entry_word(e, g), ent, memory_order_relaxed);
    }
    sb_waitq *q = &e->waitq[location];
    uint64_t ticket = atomic_fetch_add_explicit(&q->tickets, 1, memory_order_relaxed), next;
    atomic_store_explicit(&e->wait_ring[g].ticket, ticket, memory_order_release);
    person_load(e, &p, true);
    sb_jpos j;
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (sb__person_active(e, &p, now, &seat, true) || pw_state(p.view) == PS_WAITING) {
            entry_free(e, g, ent);
            return SB_DUPLICATE;
        }
        next = pw_next(p.view, PS_WAITING, pw_gen(p.view), g);
        sb_rec rec = {.type = REC_WAIT, .index = p.number, .word = next, .entry = g,
                      .entry_word = ent | ENTRY_WRITTEN, .ticket = ticket};
        int swapped = sb__jr_cas(e, word_of(e, p.number), &p.word, next, &rec, &j);
        if (swapped < 0) {
            entry_free(e, g, ent);
            return SB_IO;
        }
        if (swapped)
            break;
        see(e, &p, true);
    }
    /* The entry is not written yet, so nobody else frees it meanwhile. */
    bool undone;
    sb_status st = word_settle(e, &p, next, &j, &undone);
    if (undone) {
        entry_free(e, g, ent);
        return SB_IO;
    }
    sb__leave(e, p.view, now);
    atomic_fetch_add_explicit(&q->count, 1, memory_order_relaxed);
    atomic_store_explicit(entry_word(e, g), ent | ENTRY_WRITTEN, memory_order_release);
    /* If the person left before the entry was written, free it now. */
    uint64_t word;
    entry_live(e, g, ent | ENTRY_WRITTEN, &word);
    return st;
}

SB_EXPORT sb_status
sb_wait(sb_engine *e, uint32_t bsn, uint16_t location, int32_t from_day, int32_t to_day)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = SB_INVALID_ARG;
    int64_t from = (int64_t)from_day - e->first_day, to = (int64_t)to_day - e->first_day;
    if (from < 0)
        from = 0;
    if (to >= e->days)
        to = (int64_t)e->days - 1;
    if (!sb_bsn_valid(bsn))
        st = SB_INVALID_ID;
    else if (e->wait_ring && location < e->locations && from <= to)
        st = wait_join(e, bsn, location, (uint32_t)from, (uint32_t)to);
    sb__stat(e, SB_OP_WAIT, st);
    return st;
}

bool
sb__wait_read(sb_engine *e, const person *p, uint32_t bsn, sb_booking *out)
{
    uint32_t g = pw_where(p->view);
    uint16_t location = entry_location(e, g);
    uint64_t ent = entry_load(e, g), mine;
    if (!(ent & ENTRY_WRITTEN) || entry_person_plus1(ent) != p->number + 1 ||
        !entry_ticket(e, g, ent, &mine))
        return false; /* not written yet, or left since the word was read */
    uint32_t ahead = 0, base = location * e->wait_cap;
    for (uint32_t at = base; at < base + e->wait_cap; at++) {
        uint64_t other = entry_load(e, at), word, ticket;
        ahead += at != g && entry_live(e, at, other, &word) &&
                 entry_ticket(e, at, other, &ticket) && ticket < mine;
    }
    out->bsn = bsn;
    out->slot = (sb_slot){location, 0, e->first_day + (int32_t)entry_from(ent)};
    out->state = SB_STATE_WAITING;
    out->deadline_ms = 0;
    out->position = ahead;
    out->last_day = e->first_day + (int32_t)entry_to(ent);
    return true;
}

uint32_t
sb__wait_entry_person(uint64_t ent)
{
    uint32_t who = entry_person_plus1(ent);
    return who == 0 || who == ENTRY_PERSON_MASK ? SB_NO_PERSON : who - 1;
}

void
sb__wait_restore(sb_engine *e, uint32_t g, uint64_t ent, uint64_t ticket)
{
    atomic_store_explicit(&e->wait_ring[g].ticket, ticket, memory_order_relaxed);
    atomic_store_explicit(entry_word(e, g), ent | ENTRY_WRITTEN, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->waitq[entry_location(e, g)].count, 1, memory_order_relaxed);
}

void
sb__wait_tickets(sb_engine *e, uint16_t location, uint64_t next)
{
    atomic_store_explicit(&e->waitq[location].tickets, next, memory_order_relaxed);
}
