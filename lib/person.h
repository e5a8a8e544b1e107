/*
 * A person as the calls of booking.c and family.c see them: the person word
 * as loaded (the expected value of the next compare-and-swap) and the plain
 * state it stands for.
 *
 * The two differ only for a family member (PS_FAMILY, PS_FAMILY_X): while
 * the family is booked, or the member was redeemed, the view is PS_FAMILY
 * and the family decides the rest; before the family was booked and after
 * it ended, the view is the state the member is in without it (nothing, or
 * a hold that ran out), with the generation and change count the family
 * left.  Calls decide on the view and swap the word.
 */
#ifndef SB_PERSON_H
#define SB_PERSON_H

#include "journal.h"

#include <sched.h>

typedef struct person {
    uint32_t number;
    uint64_t word; /* as loaded */
    uint64_t view; /* what it stands for */
} person;

static inline _Atomic uint64_t *
word_of(sb_engine *e, uint32_t number)
{
    return &e->people.word[number];
}

static inline uint64_t
word_load(sb_engine *e, uint32_t number)
{
    return atomic_load_explicit(word_of(e, number), memory_order_acquire);
}

static inline bool
is_family_word(uint64_t w)
{
    return pw_state(w) == PS_FAMILY || pw_state(w) == PS_FAMILY_X;
}

/* Computes p->view from p->word.  A writer (a call that may replace the
 * word) first stops a family booking still claiming this person. */
static inline void
see(sb_engine *e, person *p, bool writer)
{
    p->view = is_family_word(p->word) ? sb__family_view(e, p->number, p->word, writer) : p->word;
}

/* Loads the word and sees it. */
static inline void
person_load(sb_engine *e, person *p, bool writer)
{
    p->word = word_load(e, p->number);
    see(e, p, writer);
}

/* Swaps the word from p->word to next; on failure p->word is reloaded (and
 * must be seen again). */
static inline bool
word_swap(sb_engine *e, person *p, uint64_t next)
{
    return atomic_compare_exchange_strong_explicit(word_of(e, p->number), &p->word, next,
                                                   memory_order_acq_rel, memory_order_acquire);
}

/* word_swap for a change the journal keeps: its record takes its place in
 * the journal at the swap.  1: swapped; 0: lost (p->word reloaded, to be
 * seen again); -1: the journal has failed, nothing changed. */
static inline int
word_swap_j(sb_engine *e, person *p, uint64_t next, sb_jpos *j)
{
    if (!e->journal) { /* no record to build */
        j->slot = NULL;
        return word_swap(e, p, next);
    }
    sb_rec rec = sb__rec_person(p->number, next);
    return sb__jr_cas(e, word_of(e, p->number), &p->word, next, &rec, j);
}

/* After a journalled swap to next whose record failed: puts p->word (the
 * word before) back, first letting later failed calls on the person put
 * theirs back.  false when the word went elsewhere meanwhile (a change the
 * journal does not keep); the caller then finishes its call as if it had
 * succeeded, so the engine stays consistent, and answers SB_IO all the
 * same. */
static inline bool
word_undo(sb_engine *e, const person *p, uint64_t next)
{
    for (uint32_t tries = 0; tries < 1000; tries++) {
        uint64_t expect = next;
        if (atomic_compare_exchange_strong_explicit(word_of(e, p->number), &expect, p->word,
                                                    memory_order_acq_rel, memory_order_relaxed))
            return true;
        sched_yield();
    }
    return false;
}

/* The outcome of a journalled swap once its record is durable or failed:
 * SB_OK, or SB_IO with *undone when the swap was taken back (see
 * word_undo). */
static inline sb_status
word_settle(sb_engine *e, const person *p, uint64_t next, const sb_jpos *j, bool *undone)
{
    sb_status st = sb__jr_wait(e, j);
    *undone = st != SB_OK && word_undo(e, p, next);
    return st;
}

/* The seat word of a HELD person, read consistently with the person word:
 * false (and p->word reloaded) when the person word changed meanwhile.
 * (Inline, with sb__person_active: every reserve calls them.) */
static inline bool
sb__held_seat(sb_engine *e, person *p, uint64_t *seat)
{
    *seat = atomic_load_explicit(&e->seats[pw_where(p->view)], memory_order_acquire);
    uint64_t again = word_load(e, p->number);
    if (again != p->word) {
        p->word = again;
        return false;
    }
    sb_assert(seat_tag(*seat) == SEAT_HOLD && seat_owner(*seat) == p->number);
    return true;
}

/* Whether the person has a live hold, a booking, a redeemed booking or a
 * family booking; *seat gets the hold's seat word when HELD.  Reloads and
 * sees p->word until it is read consistently with the seat. */
static inline bool
sb__person_active(sb_engine *e, person *p, uint64_t now, uint64_t *seat, bool writer)
{
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        switch (pw_state(p->view)) {
        case PS_BOOKED:
        case PS_REDEEMED:
        case PS_FAMILY:
            return true;
        case PS_HELD:
            if (!sb__held_seat(e, p, seat)) {
                see(e, p, writer);
                continue;
            }
            return seat_deadline(*seat) > now;
        default:
            return false;
        }
    }
}

/* A freed place's moment of return: now, or within release_delay_ms
 * (salt tells apart the places one call frees). */
uint64_t sb__release_moment(sb_engine *e, const person *p, uint64_t now, uint32_t salt);
/* Finishes what the view the caller's swap replaced left behind: a dead
 * hold's place and sticker go back; a waiting-list entry is cleared. */
void sb__leave(sb_engine *e, uint64_t view, uint64_t now);
/* Whether one more change is past the limit for a person with `changes`. */
static inline bool
over_limit(const sb_engine *e, uint32_t changes)
{
    return e->max_changes != 0 && changes >= e->max_changes;
}
/* Fills out (if not NULL) with a booking of bsn in slot. */
void sb__fill(sb_engine *e, uint32_t bsn, uint32_t slot, sb_state state, uint64_t deadline,
              sb_booking *out);

static inline uint16_t
seat_location(const sb_engine *e, uint32_t seat)
{
    return sb__slot_location(e, seat / e->seats_per_slot);
}

/* family.c, for a person whose view is PS_FAMILY. */
sb_status sb__family_cancel(sb_engine *e, person *p, uint64_t now);
sb_status sb__family_reschedule(sb_engine *e, person *p, uint32_t index, uint64_t now, char *code);
/* false when the family was cancelled since p was seen. */
bool sb__family_read(sb_engine *e, const person *p, uint32_t bsn, sb_booking *out);
/* sb_lookup of a waiting person: false when no longer waiting. */
bool sb__wait_read(sb_engine *e, const person *p, uint32_t bsn, sb_booking *out);
/* verify and redeem of a family code (leader, gen) presented by person p. */
sb_status sb__family_present(sb_engine *e, person *p, uint32_t leader, uint32_t gen, uint32_t bsn,
                             bool redeem, sb_booking *out);

#endif
