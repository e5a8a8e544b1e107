/*
 * People's calls: reserve, book, confirm, cancel, lookup, verify, redeem.
 *
 * Every call on a person is decided by one compare-and-swap on the person
 * word (people.c), its linearisation point.  The winner of that
 * compare-and-swap, and only it, then moves the place it concerns: the
 * hold's seat and the slot counters (slots.c).  So a person has at most one
 * live hold or booking however many threads race on their BSN, and a place
 * changes hands exactly once.
 *
 * While a person word says HELD on a seat, that seat holds the person's hold
 * (a reserve writes the seat before the word; a change away from HELD
 * changes the word before the seat).  The hold's deadline lives in the seat.
 *
 * Progress: lock-free.  A loop goes round again only when the person word
 * changed under it, that is, when another call on the same person succeeded.
 */
#include "person.h"

/* reserve (code == NULL) and book (code != NULL), after the argument checks. */
static sb_status
take(sb_engine *e, uint32_t bsn, sb_slot slot, uint32_t index, char *code)
{
    if (sb__jr_failed(e))
        return SB_IO; /* no new holds either: nothing could confirm them */
    if (!sb__location_is_open(e, slot.location))
        return SB_CLOSED;
    uint64_t now = sb__clock_now(&e->clock);
    uint64_t seat = 0;
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number != SB_NO_PERSON) {
        person_load(e, &p, false);
        if (sb__person_active(e, &p, now, &seat, false))
            return SB_DUPLICATE;
    }
    if (!sb__stock_take(e, slot.location, 1, now))
        return SB_NO_STOCK;
    sb_place pl;
    sb_status st = sb__place_take(e, index, now, &pl);
    /* A hold needs a seat; claim it before storing a new person, so a
     * refused reserve never uses up max_people. */
    if (st == SB_OK && !code && sb__place_claim(e, &pl, now, 0) != SB_OK)
        st = SB_NOMEM;
    if (st != SB_OK) {
        sb__stock_give(e, slot.location, 1);
        return st;
    }
    if (p.number == SB_NO_PERSON) {
        p.number = sb__people_insert(&e->people, bsn);
        if (p.number == SB_NO_PERSON) {
            sb__stock_give(e, slot.location, 1); /* first: see sb__place_return */
            sb__place_return(e, &pl);
            return SB_NOMEM;
        }
    }
    if (!code) {
        uint64_t deadline = now + e->hold_ms;
        sb__place_hold(e, &pl, p.number, deadline < SB_MAX_TIME_MS ? deadline : SB_MAX_TIME_MS);
    }
    person_load(e, &p, true);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint32_t gen = pw_gen(p.view);
        if (sb__person_active(e, &p, now, &seat, true))
            st = SB_DUPLICATE;
        else if (code && gen == SB_MAX_BOOKINGS)
            st = SB_NOMEM;
        if (st != SB_OK) {
            sb__stock_give(e, slot.location, 1); /* first: see sb__place_return */
            sb__place_return(e, &pl);
            return st;
        }
        uint64_t next = code ? pw_next(p.view, PS_BOOKED, gen + 1, index)
                             : pw_next(p.view, PS_HELD, gen, pl.seat);
        /* A booking is journalled, a hold is not. */
        sb_jpos j;
        int swapped = code ? word_swap_j(e, &p, next, &j) : word_swap(e, &p, next);
        bool undone = swapped < 0;
        if (swapped > 0 && code)
            st = word_settle(e, &p, next, &j, &undone);
        if (undone) {
            sb__stock_give(e, slot.location, 1); /* first: see sb__place_return */
            sb__place_return(e, &pl);
            return SB_IO;
        }
        if (!swapped) {
            see(e, &p, true);
            continue;
        }
        sb__leave(e, p.view, now);
        if (code) {
            sb__place_unseat(e, &pl);
            atomic_fetch_add_explicit(&e->slots[index].booked, 1, memory_order_release);
            sb__code_seal(&e->keys, p.number, gen + 1, code);
        }
        return st;
    }
}

static sb_status
checked_slot(sb_engine *e, uint32_t bsn, sb_slot slot, uint32_t *index)
{
    if (!sb_bsn_valid(bsn))
        return SB_INVALID_ID;
    *index = sb__slot_index(e, slot);
    return *index == UINT32_MAX ? SB_INVALID_ARG : SB_OK;
}

SB_EXPORT sb_status
sb_reserve(sb_engine *e, uint32_t bsn, sb_slot slot)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    uint32_t index;
    sb_status st = checked_slot(e, bsn, slot, &index);
    if (st == SB_OK)
        st = take(e, bsn, slot, index, NULL);
    sb__stat(e, SB_OP_RESERVE, st);
    return st;
}

SB_EXPORT sb_status
sb_book(sb_engine *e, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE])
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    uint32_t index;
    sb_status st = code ? checked_slot(e, bsn, slot, &index) : SB_INVALID_ARG;
    if (st == SB_OK)
        st = take(e, bsn, slot, index, code);
    sb__stat(e, SB_OP_BOOK, st);
    return st;
}

static sb_status
confirm(sb_engine *e, uint32_t bsn, char *code)
{
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number == SB_NO_PERSON)
        return SB_NOT_FOUND;
    uint64_t now = sb__clock_now(&e->clock);
    person_load(e, &p, false);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t seat = 0;
        switch (pw_state(p.view)) {
        case PS_NONE:
        case PS_WAITING:
            return SB_NOT_FOUND;
        case PS_EXPIRED:
            return SB_EXPIRED;
        case PS_BOOKED:
        case PS_REDEEMED:
        case PS_FAMILY:
            return SB_DUPLICATE;
        }
        if (!sb__held_seat(e, &p, &seat)) {
            see(e, &p, false);
            continue;
        }
        if (seat_deadline(seat) <= now)
            return SB_EXPIRED;
        uint32_t gen = pw_gen(p.view), g = pw_where(p.view);
        if (gen == SB_MAX_BOOKINGS)
            return SB_NOMEM;
        uint32_t slot = g / e->seats_per_slot;
        uint64_t next = pw_next(p.view, PS_BOOKED, gen + 1, slot);
        sb_jpos j;
        int swapped = word_swap_j(e, &p, next, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped) {
            see(e, &p, false);
            continue;
        }
        /* Until the record is durable the seat still shows the hold: an
         * expiry leaves it alone (the owner moved on), an undo finds it. */
        bool undone;
        sb_status st = word_settle(e, &p, next, &j, &undone);
        if (undone)
            return SB_IO;
        /* The hold's place becomes the booking's: out of the seat first, then
         * into booked, so no reader counts it twice. */
        sb__seat_vacate(e, g, seat);
        atomic_fetch_add_explicit(&e->slots[slot].booked, 1, memory_order_release);
        sb__code_seal(&e->keys, p.number, gen + 1, code);
        return st;
    }
}

SB_EXPORT sb_status
sb_confirm(sb_engine *e, uint32_t bsn, char code[SB_CODE_SIZE])
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = !code               ? SB_INVALID_ARG
                   : sb_bsn_valid(bsn) ? confirm(e, bsn, code)
                                       : SB_INVALID_ID;
    sb__stat(e, SB_OP_CONFIRM, st);
    return st;
}

static sb_status
cancel(sb_engine *e, uint32_t bsn)
{
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number == SB_NO_PERSON)
        return SB_NOT_FOUND;
    uint64_t now = sb__clock_now(&e->clock);
    person_load(e, &p, false);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t seat, old = p.view, next;
        sb_jpos j;
        int swapped;
        bool undone;
        sb_status st;
        switch (pw_state(old)) {
        case PS_REDEEMED:
            return SB_USED;
        case PS_FAMILY:
            return sb__family_cancel(e, &p, now);
        case PS_WAITING:
            /* Leaving the waiting list is not a change of a booking. */
            next = pw_next(old, PS_NONE, pw_gen(old), 0);
            if ((swapped = word_swap_j(e, &p, next, &j)) <= 0)
                break;
            /* Not undone on a journal failure: others may free the entry
             * of a person who no longer waits on it meanwhile. */
            st = sb__jr_wait(e, &j);
            sb__wait_left(e, old);
            return st;
        case PS_BOOKED:
            if (over_limit(e, pw_changes(old)))
                return SB_LIMIT;
            next = pw_change(old, PS_NONE, pw_gen(old), 0);
            if ((swapped = word_swap_j(e, &p, next, &j)) <= 0)
                break;
            /* The place is freed once the cancel is durable: until then
             * nobody else can have it, so an undo can always give it back. */
            if ((st = word_settle(e, &p, next, &j, &undone)) == SB_OK || !undone) {
                atomic_fetch_sub_explicit(&e->slots[pw_where(old)].booked, 1,
                                          memory_order_release);
                sb__slot_release(e, pw_where(old), now, sb__release_moment(e, &p, now, 0), true);
            }
            return st;
        case PS_HELD:
            if (!sb__held_seat(e, &p, &seat)) {
                see(e, &p, false);
                continue;
            }
            if (seat_deadline(seat) <= now)
                return SB_NOT_FOUND;
            if (over_limit(e, pw_changes(old)))
                return SB_LIMIT;
            /* Journalled for the change it counts. */
            next = pw_change(old, PS_NONE, pw_gen(old), 0);
            if ((swapped = word_swap_j(e, &p, next, &j)) <= 0)
                break;
            if ((st = word_settle(e, &p, next, &j, &undone)) == SB_OK || !undone)
                sb__seat_release(e, pw_where(old), seat, now, sb__release_moment(e, &p, now, 0),
                                 true);
            return st;
        default:
            return SB_NOT_FOUND;
        }
        if (swapped < 0)
            return SB_IO;
        see(e, &p, false);
    }
}

SB_EXPORT sb_status
sb_cancel(sb_engine *e, uint32_t bsn)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = sb_bsn_valid(bsn) ? cancel(e, bsn) : SB_INVALID_ID;
    sb__stat(e, SB_OP_CANCEL, st);
    return st;
}

static sb_status
reschedule(sb_engine *e, uint32_t bsn, uint32_t index, char *code)
{
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number == SB_NO_PERSON)
        return SB_NOT_FOUND;
    uint64_t now = sb__clock_now(&e->clock);
    uint16_t to = sb__slot_location(e, index);
    person_load(e, &p, false);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t old = p.view;
        if (pw_state(old) == PS_FAMILY)
            return sb__family_reschedule(e, &p, index, now, code);
        if (pw_state(old) == PS_REDEEMED)
            return SB_USED;
        if (pw_state(old) != PS_BOOKED)
            return SB_NOT_FOUND;
        uint32_t from = pw_where(old), gen = pw_gen(old);
        if (from == index)
            return SB_DUPLICATE;
        if (over_limit(e, pw_changes(old)))
            return SB_LIMIT;
        if (!sb__location_is_open(e, to))
            return SB_CLOSED;
        /* A move inside one location keeps its sticker. */
        bool sticker = to != sb__slot_location(e, from);
        if (sticker && !sb__stock_take(e, to, 1, now))
            return SB_NO_STOCK;
        sb_place pl;
        sb_status st = sb__place_take(e, index, now, &pl);
        if (st == SB_OK && gen == SB_MAX_BOOKINGS)
            st = SB_NOMEM;
        else if (st == SB_OK) {
            uint64_t next = pw_change(old, PS_BOOKED, gen + 1, index);
            sb_jpos j;
            int swapped = word_swap_j(e, &p, next, &j);
            bool undone = swapped < 0;
            if (swapped > 0)
                st = word_settle(e, &p, next, &j, &undone);
            if (undone)
                st = SB_IO; /* the new place goes back below */
            else if (swapped > 0) {
                /* Out of the old slot's booked before into the new one's, so
                 * no reader counts the person twice. */
                sb__place_unseat(e, &pl);
                atomic_fetch_sub_explicit(&e->slots[from].booked, 1, memory_order_release);
                atomic_fetch_add_explicit(&e->slots[index].booked, 1, memory_order_release);
                sb__slot_release(e, from, now, sb__release_moment(e, &p, now, 0), sticker);
                sb__code_seal(&e->keys, p.number, gen + 1, code);
                return st;
            } else
                see(e, &p, false);
        }
        /* The sticker before the place, which may go to a waiting person. */
        if (sticker)
            sb__stock_give(e, to, 1);
        if (st != SB_FULL)
            sb__place_return(e, &pl);
        if (st != SB_OK)
            return st;
    }
}

SB_EXPORT sb_status
sb_reschedule(sb_engine *e, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE])
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    uint32_t index;
    sb_status st = code ? checked_slot(e, bsn, slot, &index) : SB_INVALID_ARG;
    if (st == SB_OK)
        st = reschedule(e, bsn, index, code);
    sb__stat(e, SB_OP_RESCHEDULE, st);
    return st;
}

/* The person's live hold, booking or redeemed booking (or place on the
 * waiting list, with waiting), read consistently: false when there is
 * none. */
static bool
person_read(sb_engine *e, person *p, uint32_t bsn, uint64_t now, bool waiting, sb_booking *out)
{
    uint64_t seat = 0;
    person_load(e, p, false);
    for (uint32_t tries = 0; waiting && pw_state(p->view) == PS_WAITING; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (sb__wait_read(e, p, bsn, out))
            return true;
        /* The entry no longer names them: they left or were given a hold
         * since the word was read (or their own join is still writing it). */
        uint64_t again = word_load(e, p->number);
        if (again == p->word)
            return false;
        p->word = again;
        see(e, p, false);
    }
    if (!sb__person_active(e, p, now, &seat, false))
        return false;
    uint32_t where = pw_where(p->view);
    switch (pw_state(p->view)) {
    case PS_HELD:
        sb__fill(e, bsn, where / e->seats_per_slot, SB_STATE_HELD, seat_deadline(seat), out);
        return true;
    case PS_BOOKED:
        sb__fill(e, bsn, where, SB_STATE_BOOKED, 0, out);
        return true;
    case PS_REDEEMED:
        sb__fill(e, bsn, where, SB_STATE_REDEEMED, 0, out);
        return true;
    default:
        return sb__family_read(e, p, bsn, out);
    }
}

static sb_status
lookup(sb_engine *e, uint32_t bsn, sb_booking *out)
{
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number == SB_NO_PERSON)
        return SB_NOT_FOUND;
    return person_read(e, &p, bsn, sb__clock_now(&e->clock), true, out) ? SB_OK : SB_NOT_FOUND;
}

SB_EXPORT sb_status
sb_lookup(sb_engine *e, uint32_t bsn, sb_booking *out)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = !out ? SB_INVALID_ARG : sb_bsn_valid(bsn) ? lookup(e, bsn, out) : SB_INVALID_ID;
    sb__stat(e, SB_OP_LOOKUP, st);
    return st;
}

/* A genuine code of person `number` presented with another BSN: a family
 * member's, or a stranger's. */
static sb_status
present_member(sb_engine *e, uint32_t number, uint32_t gen, uint32_t bsn, bool redeem,
               sb_booking *out)
{
    person p = {sb__people_find(&e->people, bsn), 0, 0};
    if (p.number == SB_NO_PERSON)
        return SB_WRONG_HOLDER;
    p.word = word_load(e, p.number);
    if (!is_family_word(p.word) || e->families[pw_where(p.word)].member[0] != number)
        return SB_WRONG_HOLDER;
    return sb__family_present(e, &p, number, gen, bsn, redeem, out);
}

/* verify (redeem == false) and redeem, after the argument checks. */
static sb_status
present(sb_engine *e, const char *text, uint32_t bsn, bool redeem, sb_booking *out)
{
    uint32_t number, gen;
    if (sb__code_open(&e->keys, text, &number, &gen) != 0 || number >= e->people.max)
        return SB_FORGED;
    uint32_t holder = atomic_load_explicit(&e->people.bsn[number], memory_order_acquire);
    if (holder == 0)
        return SB_FORGED;
    if (holder != bsn)
        return present_member(e, number, gen, bsn, redeem, out);
    person p = {number, 0, 0};
    person_load(e, &p, false);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        /* A family's code is its leader's; a member's own codes are older. */
        if (pw_state(p.view) == PS_FAMILY && e->families[pw_where(p.view)].member[0] == number)
            return sb__family_present(e, &p, number, gen, bsn, redeem, out);
        if (gen > pw_gen(p.view))
            return SB_FORGED; /* same key, but never issued here */
        unsigned state = pw_state(p.view);
        if (gen < pw_gen(p.view) || (state != PS_BOOKED && state != PS_REDEEMED))
            return SB_CANCELLED;
        uint32_t slot = pw_where(p.view);
        if (state == PS_REDEEMED) {
            sb__fill(e, bsn, slot, SB_STATE_REDEEMED, 0, out);
            return SB_USED;
        }
        if (!redeem) {
            sb__fill(e, bsn, slot, SB_STATE_BOOKED, 0, out);
            return SB_OK;
        }
        uint64_t next = pw_next(p.view, PS_REDEEMED, gen, slot);
        sb_jpos j;
        int swapped = word_swap_j(e, &p, next, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped) {
            see(e, &p, false);
            continue;
        }
        bool undone;
        sb_status st = word_settle(e, &p, next, &j, &undone);
        if (undone)
            return SB_IO;
        atomic_fetch_sub_explicit(&e->slots[slot].booked, 1, memory_order_release);
        atomic_fetch_add_explicit(&e->slots[slot].redeemed, 1, memory_order_release);
        return st;
    }
}

SB_EXPORT sb_status
sb_verify(sb_engine *e, const char *code, uint32_t bsn, sb_booking *out)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = !code               ? SB_INVALID_ARG
                   : sb_bsn_valid(bsn) ? present(e, code, bsn, false, out)
                                       : SB_INVALID_ID;
    sb__stat(e, SB_OP_VERIFY, st);
    return st;
}

SB_EXPORT sb_status
sb_redeem(sb_engine *e, const char *code, uint32_t bsn)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = !code               ? SB_INVALID_ARG
                   : sb_bsn_valid(bsn) ? present(e, code, bsn, true, NULL)
                                       : SB_INVALID_ID;
    sb__stat(e, SB_OP_REDEEM, st);
    return st;
}

SB_EXPORT sb_status
sb_each_booking(sb_engine *e, uint16_t location, int32_t from_day, int32_t to_day, sb_booking_fn fn,
                void *ctx)
{
    if (!sb__live(e) || !fn || location >= e->locations || from_day > to_day)
        return SB_INVALID_ARG;
    uint64_t now = sb__clock_now(&e->clock);
    for (uint32_t number = 0; number < e->people.max; number++) {
        uint32_t bsn = atomic_load_explicit(&e->people.bsn[number], memory_order_acquire);
        person p = {number, 0, 0};
        sb_booking b;
        if (bsn == 0 || !person_read(e, &p, bsn, now, false, &b))
            continue;
        if (b.slot.location != location || b.slot.day < from_day || b.slot.day > to_day)
            continue;
        if (fn(&b, ctx) != 0)
            break;
    }
    return SB_OK;
}
