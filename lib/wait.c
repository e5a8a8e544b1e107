/*
 * The waiting list: instead of refreshing the planner, a person waits for a
 * place at a location within a day range, and the first one that fits gets
 * a hold when a place frees up.
 *
 * Structure.  Per location, a ring of max_waiting entries and two tickets:
 * head (every ticket below it is done) and tail (the next ticket).  Joining
 * takes ticket t from tail, makes the person word PS_WAITING on entry
 * index g = location * max_waiting + t % max_waiting, then writes the entry:
 * the person, the day range, and t's lap (so an entry left from an earlier
 * lap is never taken for this one).  The person word is the truth: an entry
 * whose person no longer waits on it is dead, and head moves past dead
 * entries only.  An entry not written yet (its joiner is between two steps)
 * stops head there, so its ring place cannot be reused under it.
 *
 * Serving.  Every call that frees a place (cancel, reschedule, a released
 * place, a hold or a delayed release reclaimed by sb_expire) hands the place
 * to sb__wait_give() instead of giving it back: it scans from head for the
 * first live entry whose range holds the slot's day, gives that person a
 * hold in a seat (seat first, then the person word PS_WAITING -> PS_HELD by
 * compare-and-swap, as a reserve does), or moves on to the next if that
 * person left meanwhile.  With nobody fitting, the place goes back to the
 * slot.  First come, first served: tickets are handed out in order and the
 * scan goes in ticket order.
 *
 * Progress: lock-free.  Every loop retries a compare-and-swap that another
 * call's success made fail; scans are bounded by max_waiting.
 */
#include "person.h"

#define ENTRY_PERSON_BITS 25 /* person number + 1; 0 = nobody */
#define ENTRY_LAPS 127u

static uint64_t
entry_make(uint32_t person_plus1, uint32_t from, uint32_t to, uint32_t lap)
{
    return (uint64_t)person_plus1 | (uint64_t)from << 25 | (uint64_t)to << 41 | (uint64_t)lap << 57;
}
static uint32_t
entry_person_plus1(uint64_t ent)
{
    return (uint32_t)(ent & ((UINT64_C(1) << ENTRY_PERSON_BITS) - 1));
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
static uint32_t
entry_lap(uint64_t ent)
{
    return (uint32_t)(ent >> 57);
}

/* 1 .. ENTRY_LAPS, so a ring place never written (0) matches no ticket. */
static uint32_t
lap_of(const sb_engine *e, uint64_t t)
{
    return (uint32_t)((t / e->wait_cap) % ENTRY_LAPS) + 1u;
}

static uint32_t
entry_index(const sb_engine *e, uint16_t location, uint64_t t)
{
    return location * e->wait_cap + (uint32_t)(t % e->wait_cap);
}

static _Atomic uint64_t *
entry_word(sb_engine *e, uint32_t g)
{
    return &e->wait_ring[g];
}

enum { ENTRY_UNWRITTEN, ENTRY_DEAD, ENTRY_LIVE };

/* The state of ticket t's entry; *ent and *word (the person's) when LIVE. */
static int
entry_state(sb_engine *e, uint16_t location, uint64_t t, uint64_t *ent, uint64_t *word)
{
    uint32_t g = entry_index(e, location, t);
    *ent = atomic_load_explicit(entry_word(e, g), memory_order_acquire);
    if (entry_lap(*ent) != lap_of(e, t))
        return ENTRY_UNWRITTEN;
    uint32_t who = entry_person_plus1(*ent);
    if (who == 0)
        return ENTRY_DEAD;
    *word = atomic_load_explicit(&e->people.word[who - 1], memory_order_acquire);
    return pw_state(*word) == PS_WAITING && pw_where(*word) == g ? ENTRY_LIVE : ENTRY_DEAD;
}

/* Moves head past the dead entries at the front. */
static void
advance(sb_engine *e, uint16_t location)
{
    sb_waitq *q = &e->waitq[location];
    uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t ent, word;
        if (head >= atomic_load_explicit(&q->tail, memory_order_acquire) ||
            entry_state(e, location, head, &ent, &word) != ENTRY_DEAD)
            return;
        atomic_compare_exchange_weak_explicit(&q->head, &head, head + 1, memory_order_acq_rel,
                                              memory_order_acquire);
    }
}

void
sb__wait_left(sb_engine *e, uint64_t view)
{
    if (pw_state(view) != PS_WAITING)
        return;
    uint32_t g = pw_where(view);
    uint64_t ent = atomic_load_explicit(entry_word(e, g), memory_order_acquire);
    /* Clear it if it still names somebody; a stale one fails the swap. */
    if (entry_person_plus1(ent) != 0)
        atomic_compare_exchange_strong_explicit(entry_word(e, g), &ent,
                                                entry_make(0, 0, 0, entry_lap(ent)),
                                                memory_order_acq_rel, memory_order_relaxed);
    advance(e, (uint16_t)(g / e->wait_cap));
}

/* Gives the counted place to the waiting person of entry ent, whose word
 * was `word`: true, or false (the place still counted, no seat) when that
 * person left meanwhile or no sticker is left. */
static bool
give_to(sb_engine *e, uint32_t slot, uint64_t ent, uint64_t word, uint64_t now, bool *dropped)
{
    uint16_t location = sb__slot_location(e, slot);
    person p = {entry_person_plus1(ent) - 1, word, word};
    if (!sb__stock_take_shelf(e, location, 1))
        return false;
    sb_place pl = {slot, UINT32_MAX};
    if (sb__place_claim(e, &pl, now, 0) != SB_OK) {
        /* Every seat holds a live hold: the place went back to the slot. */
        sb__stock_give(e, location, 1);
        *dropped = true;
        return false;
    }
    uint64_t deadline = now + e->hold_ms;
    sb__place_hold(e, &pl, p.number, deadline < SB_MAX_TIME_MS ? deadline : SB_MAX_TIME_MS);
    if (word_swap(e, &p, pw_next(word, PS_HELD, pw_gen(word), pl.seat))) {
        sb__wait_left(e, word);
        return true;
    }
    sb__place_unseat(e, &pl); /* the place stays counted, for the next one */
    sb__stock_give(e, location, 1);
    return false;
}

bool
sb__wait_give(sb_engine *e, uint32_t slot, uint64_t now)
{
    if (!e->wait_ring)
        return false;
    uint16_t location = sb__slot_location(e, slot);
    sb_waitq *q = &e->waitq[location];
    uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    if (head == tail || !sb__location_is_open(e, location))
        return false;
    uint32_t day = (slot / e->windows) % e->days;
    for (uint64_t t = head; t < tail; t++) {
        uint64_t ent, word;
        if (entry_state(e, location, t, &ent, &word) != ENTRY_LIVE || day < entry_from(ent) ||
            day > entry_to(ent))
            continue;
        /* The entry must still be the one the word was read for. */
        if (atomic_load_explicit(entry_word(e, entry_index(e, location, t)),
                                 memory_order_acquire) != ent)
            continue;
        bool dropped = false;
        if (give_to(e, slot, ent, word, now, &dropped))
            return true;
        if (dropped)
            return true;
    }
    return false;
}

void
sb__wait_release(sb_engine *e, uint32_t slot, uint32_t places)
{
    if (!e->wait_ring)
        return;
    sb_waitq *q = &e->waitq[sb__slot_location(e, slot)];
    uint64_t now = sb__clock_now(&e->clock);
    for (uint32_t k = 0; k < places; k++) {
        if (atomic_load_explicit(&q->head, memory_order_acquire) ==
                atomic_load_explicit(&q->tail, memory_order_acquire) ||
            sb__places_take(e, slot, 1, now) != SB_OK)
            return;
        if (!sb__wait_give(e, slot, now)) {
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
    uint64_t ent = atomic_load_explicit(entry_word(e, g), memory_order_acquire);
    return entry_person_plus1(ent) == number + 1;
}

/* Takes a ticket at location: false when the ring is full of live (or not
 * yet written) entries. */
static bool
ticket_take(sb_engine *e, uint16_t location, uint64_t *t)
{
    sb_waitq *q = &e->waitq[location];
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (tail - atomic_load_explicit(&q->head, memory_order_acquire) >= e->wait_cap) {
            advance(e, location);
            if (tail - atomic_load_explicit(&q->head, memory_order_acquire) >= e->wait_cap)
                return false;
        }
        if (atomic_compare_exchange_weak_explicit(&q->tail, &tail, tail + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *t = tail;
            return true;
        }
    }
}

static sb_status
wait_join(sb_engine *e, uint32_t bsn, uint16_t location, uint32_t from, uint32_t to)
{
    if (!sb__location_is_open(e, location))
        return SB_CLOSED;
    uint64_t now = sb__clock_now(&e->clock), seat;
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number != SB_NO_PERSON) {
        person_load(e, &p, false);
        if (sb__person_active(e, &p, now, &seat, false) || pw_state(p.view) == PS_WAITING)
            return SB_DUPLICATE;
    }
    uint64_t t;
    if (!ticket_take(e, location, &t))
        return SB_NOMEM;
    uint32_t g = entry_index(e, location, t), lap = lap_of(e, t);
    sb_status st = SB_OK;
    if (p.number == SB_NO_PERSON)
        p.number = sb__people_insert(&e->people, bsn);
    if (p.number == SB_NO_PERSON)
        st = SB_NOMEM;
    else
        person_load(e, &p, true);
    for (uint32_t tries = 0; st == SB_OK; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (sb__person_active(e, &p, now, &seat, true) || pw_state(p.view) == PS_WAITING) {
            st = SB_DUPLICATE;
            break;
        }
        if (word_swap(e, &p, pw_next(p.view, PS_WAITING, pw_gen(p.view), g))) {
            sb__leave(e, p.view, now);
            atomic_store_explicit(entry_word(e, g), entry_make(p.number + 1, from, to, lap),
                                  memory_order_release);
            return SB_OK;
        }
        see(e, &p, true);
    }
    /* The ticket was taken: mark it done so head can pass it. */
    atomic_store_explicit(entry_word(e, g), entry_make(0, 0, 0, lap), memory_order_release);
    advance(e, location);
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
    uint16_t location = (uint16_t)(g / e->wait_cap);
    uint64_t ent = atomic_load_explicit(entry_word(e, g), memory_order_acquire);
    if (entry_person_plus1(ent) != p->number + 1)
        return false; /* not written yet, or served since the word was read */
    sb_waitq *q = &e->waitq[location];
    uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    uint32_t ahead = 0;
    for (uint64_t t = head; t < tail && entry_index(e, location, t) != g; t++) {
        uint64_t other, word;
        ahead += entry_state(e, location, t, &other, &word) == ENTRY_LIVE;
    }
    out->bsn = bsn;
    out->slot = (sb_slot){location, 0, e->first_day + (int32_t)entry_from(ent)};
    out->state = SB_STATE_WAITING;
    out->deadline_ms = 0;
    out->position = ahead;
    out->last_day = e->first_day + (int32_t)entry_to(ent);
    return true;
}
