/*
 * The person table: BSN -> person number -> person word.
 *
 * Structure.  An open-addressing table of 64-bit entries (bsn << 32 |
 * number + 1), sized at sb_open() to a power of two at least 4/3 of
 * max_people, so the load factor stays <= 0.75 and linear probing stays
 * short.  The probe start is a keyed hash of the BSN (a seed drawn from
 * libsodium's random source), so nobody can pick BSNs that pile up.
 * Entries are inserted once and never removed: a person keeps their number
 * (and with it the generation that makes old codes answer SB_CANCELLED) for
 * the engine's life.  Memory is therefore type-stable and nothing is ever
 * reclaimed while the engine is open: no reader can see freed memory, and no
 * grace periods (RCU) are needed.
 *
 * Numbers are dense (0 .. max_people-1) so a code can carry one in 24 bits.
 * They come from SB_NUMBER_STRIPES ranges chosen by the BSN's hash, each
 * range with its own counter on its own cache line: inserts do not share one
 * contended counter.  When a range is used up the next one is tried, so
 * SB_NOMEM comes only when every range is.
 *
 * Progress.  Lookup is wait-free (at most table-size probes, in practice a
 * few).  Insert is lock-free: a compare-and-swap on an empty entry either
 * wins, or loses to another insert (of this BSN, then that one is used; or
 * of another, then probing continues).  A number taken by an insert that
 * lost to the same BSN is handed back when no later number was taken from
 * its range meanwhile; otherwise it stays unused (a rare race, bounded by
 * one number per concurrent first-time insert of one BSN).
 *
 * Ordering.  The BSN of a number is stored (release) before the entry that
 * makes it findable is published (release CAS); lookups load entries with
 * acquire, so a found number's BSN and word are visible.
 */
#include "journal.h"

#include <sodium.h>

static uint64_t
mix(uint64_t seed, uint32_t bsn)
{
    uint64_t h = (uint64_t)bsn ^ seed;
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

int
sb__people_init(sb_people *p, uint32_t max_people)
{
    uint64_t size = 16;
    while (size * 3 < (uint64_t)max_people * 4)
        size <<= 1;
    p->max = max_people;
    p->mask = size - 1;
    randombytes_buf(&p->seed, sizeof p->seed);
    p->table = sb__alloc(size * sizeof *p->table);
    p->word = sb__alloc((size_t)max_people * sizeof *p->word);
    p->bsn = sb__alloc((size_t)max_people * sizeof *p->bsn);
    if (!p->table || !p->word || !p->bsn)
        return -1;
    atomic_init(&p->lost, 0);
    atomic_init(&p->nlost, 0);
    uint32_t per = (max_people + SB_NUMBER_STRIPES - 1) / SB_NUMBER_STRIPES;
    p->per_stripe = per;
    for (uint32_t i = 0; i < SB_NUMBER_STRIPES; i++) {
        uint64_t begin = (uint64_t)i * per, end = begin + per;
        if (begin > max_people)
            begin = max_people;
        if (end > max_people)
            end = max_people;
        atomic_init(&p->stripes[i].next, (uint32_t)begin);
        p->stripes[i].end = (uint32_t)end;
    }
    return 0;
}

void
sb__people_free(sb_people *p)
{
    sb__free(p->table, (p->mask + 1) * sizeof *p->table);
    sb__free(p->word, (size_t)p->max * sizeof *p->word);
    sb__free(p->bsn, (size_t)p->max * sizeof *p->bsn);
}

uint32_t
sb__people_find(const sb_people *p, uint32_t bsn)
{
    uint64_t i = mix(p->seed, bsn);
    for (uint64_t n = 0; n <= p->mask; n++, i++) {
        uint64_t v = atomic_load_explicit(&p->table[i & p->mask], memory_order_acquire);
        if (v == 0)
            return SB_NO_PERSON;
        if ((uint32_t)(v >> 32) == bsn)
            return (uint32_t)v - 1u;
    }
    return SB_NO_PERSON;
}

/* A number from the stack of lost ones, or SB_NO_PERSON.  The tag makes a
 * stale head fail its compare-and-swap (ABA). */
static uint32_t
lost_pop(sb_people *p)
{
    uint64_t head = atomic_load_explicit(&p->lost, memory_order_acquire);
    for (uint32_t tries = 0; (uint32_t)head != 0; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint32_t number = (uint32_t)head - 1u;
        uint64_t link = atomic_load_explicit(&p->word[number], memory_order_relaxed);
        uint64_t next = ((head >> 32) + 1u) << 32 | (uint32_t)link;
        if (atomic_compare_exchange_weak_explicit(&p->lost, &head, next, memory_order_acquire,
                                                  memory_order_acquire)) {
            atomic_fetch_sub_explicit(&p->nlost, 1, memory_order_relaxed);
            atomic_store_explicit(&p->word[number], 0, memory_order_relaxed);
            return number;
        }
    }
    return SB_NO_PERSON;
}

static void
lost_push(sb_people *p, uint32_t number)
{
    uint64_t head = atomic_load_explicit(&p->lost, memory_order_relaxed);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        atomic_store_explicit(&p->word[number], (uint32_t)head, memory_order_relaxed);
        uint64_t next = ((head >> 32) + 1u) << 32 | (number + 1u);
        if (atomic_compare_exchange_weak_explicit(&p->lost, &head, next, memory_order_release,
                                                  memory_order_relaxed))
            break;
    }
    atomic_fetch_add_explicit(&p->nlost, 1, memory_order_relaxed);
}

static uint32_t
number_take(sb_people *p, uint64_t h)
{
    for (uint32_t k = 0; k < SB_NUMBER_STRIPES; k++) {
        sb_number_stripe *s = &p->stripes[(h + k) % SB_NUMBER_STRIPES];
        uint32_t next = atomic_load_explicit(&s->next, memory_order_acquire);
        while (next < s->end) {
            if (atomic_compare_exchange_weak_explicit(&s->next, &next, next + 1,
                                                      memory_order_acquire, memory_order_acquire))
                return next;
        }
    }
    return lost_pop(p);
}

/* Gives back a number that never reached the table: to its stripe if it
 * was the stripe's last, else to the stack of lost numbers, so no number
 * of max_people is ever lost. */
static void
number_return(sb_people *p, uint32_t number)
{
    atomic_store_explicit(&p->bsn[number], 0, memory_order_relaxed);
    sb_number_stripe *s = &p->stripes[number / p->per_stripe];
    uint32_t expect = number + 1;
    /* Release: the cleared BSN is visible to whoever takes the number next. */
    if (!atomic_compare_exchange_strong_explicit(&s->next, &expect, number, memory_order_release,
                                                 memory_order_relaxed))
        lost_push(p, number);
}

uint32_t
sb__people_insert(sb_people *p, uint32_t bsn)
{
    uint64_t h = mix(p->seed, bsn);
    uint32_t number = SB_NO_PERSON;
    uint64_t i = h;
    for (uint64_t n = 0; n <= p->mask; n++, i++) {
        _Atomic uint64_t *slot = &p->table[i & p->mask];
        uint64_t v = atomic_load_explicit(slot, memory_order_acquire);
        if (v == 0) {
            if (number == SB_NO_PERSON) {
                number = number_take(p, h >> 32);
                if (number == SB_NO_PERSON)
                    return SB_NO_PERSON;
                atomic_store_explicit(&p->bsn[number], bsn, memory_order_release);
            }
            uint64_t mine = (uint64_t)bsn << 32 | (number + 1u);
            if (atomic_compare_exchange_strong_explicit(slot, &v, mine, memory_order_acq_rel,
                                                        memory_order_acquire))
                return number;
            /* Lost the entry: v now holds the winner. */
        }
        if ((uint32_t)(v >> 32) == bsn) {
            if (number != SB_NO_PERSON)
                number_return(p, number);
            return (uint32_t)v - 1u;
        }
    }
    /* The table is sized so it never fills before the numbers run out. */
    sb__panic(__FILE__, __LINE__, "person table full");
}

uint64_t
sb__people_count(const sb_people *p)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < SB_NUMBER_STRIPES; i++) {
        const sb_number_stripe *s = &p->stripes[i];
        uint64_t begin = (uint64_t)i * p->per_stripe;
        if (begin > p->max)
            begin = p->max;
        n += atomic_load_explicit((_Atomic uint32_t *)&s->next, memory_order_relaxed) - begin;
    }
    uint32_t lost = atomic_load_explicit((_Atomic uint32_t *)&p->nlost, memory_order_relaxed);
    return n > lost ? n - lost : 0;
}

bool
sb__people_adopt(sb_people *p, uint32_t bsn, uint32_t number)
{
    if (number >= p->max)
        return false;
    uint32_t have = atomic_load_explicit(&p->bsn[number], memory_order_relaxed);
    if (have == 0)
        atomic_store_explicit(&p->bsn[number], bsn, memory_order_relaxed);
    return have == 0 || have == bsn;
}

/* Enters number's BSN in the table: false if the BSN is there already. */
static bool
table_enter(sb_people *p, uint32_t bsn, uint32_t number)
{
    for (uint64_t i = mix(p->seed, bsn);; i++) {
        _Atomic uint64_t *slot = &p->table[i & p->mask];
        uint64_t v = atomic_load_explicit(slot, memory_order_relaxed);
        if (v == 0) {
            atomic_store_explicit(slot, (uint64_t)bsn << 32 | (number + 1u), memory_order_release);
            return true;
        }
        if ((uint32_t)(v >> 32) == bsn)
            return false;
    }
}

bool
sb__people_settle(sb_people *p)
{
    /* The table, in number order, each entry's line fetched a few numbers
     * ahead: the inserts land at random, and waiting for each miss in turn
     * would be most of a recovery. */
    enum { AHEAD = 64 };
    for (uint32_t n = 0; n < p->max; n++) {
        if (n + AHEAD < p->max) {
            uint32_t next = atomic_load_explicit(&p->bsn[n + AHEAD], memory_order_relaxed);
            if (next)
                __builtin_prefetch(&p->table[mix(p->seed, next) & p->mask], 1);
        }
        uint32_t bsn = atomic_load_explicit(&p->bsn[n], memory_order_relaxed);
        if (bsn && !table_enter(p, bsn, n))
            return false;
    }
    for (uint32_t i = 0; i < SB_NUMBER_STRIPES; i++) {
        sb_number_stripe *s = &p->stripes[i];
        uint32_t begin = atomic_load_explicit(&s->next, memory_order_relaxed), top = begin;
        for (uint32_t n = begin; n < s->end; n++)
            if (atomic_load_explicit(&p->bsn[n], memory_order_relaxed) != 0)
                top = n + 1;
        for (uint32_t n = begin; n < top; n++)
            if (atomic_load_explicit(&p->bsn[n], memory_order_relaxed) == 0)
                lost_push(p, n);
        atomic_store_explicit(&s->next, top, memory_order_release);
    }
    return true;
}
