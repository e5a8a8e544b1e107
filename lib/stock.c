/*
 * Sticker stock: with use_stock, every hold and booking holds one sticker of
 * its location, besides its place in the slot.
 *
 * A sticker follows the person word, like the place does: the call that
 * wins a person's word into HELD or BOOKED took a sticker just before (and
 * gives it back if it loses), and the call that wins it out of HELD or
 * BOOKED into nothing (cancel, expiry, a reschedule to another location)
 * gives it back.  A redeemed booking keeps its sticker: it was used up.
 * So available + (people holding or booked at the location) is what was
 * added, at every instant but while a call is between its two steps.
 *
 * Taking is a compare-and-swap that never goes below zero: the stock never
 * goes negative.  When it is empty, the dead holds of the location are
 * reclaimed once (their stickers come back) before SB_NO_STOCK is answered,
 * so a hold that ran out never blocks a sticker either.
 */
#include "journal.h"

static bool
take(_Atomic uint64_t *available, uint32_t k)
{
    uint64_t n = atomic_load_explicit(available, memory_order_acquire);
    for (uint32_t tries = 0; n >= k; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (atomic_compare_exchange_weak_explicit(available, &n, n - k, memory_order_acq_rel,
                                                  memory_order_acquire))
            return true;
    }
    return false;
}

bool
sb__stock_take_shelf(sb_engine *e, uint16_t location, uint32_t n)
{
    return !e->stock || take(&e->stock[location].available, n);
}

bool
sb__stock_take_slow(sb_engine *e, uint16_t location, uint32_t n, uint64_t now)
{
    _Atomic uint64_t *available = &e->stock[location].available;
    if (take(available, n))
        return true;
    /* A sweep at `now` (finished) reclaimed every hold dead by now: holds
     * taken since die later.  So one sweep a millisecond is enough. */
    _Atomic uint64_t *swept = &e->stock[location].swept_ms;
    if (atomic_load_explicit(swept, memory_order_acquire) >= now)
        return false;
    uint32_t per_location = e->days * e->windows, first = location * per_location;
    for (uint32_t i = first; i < first + per_location; i++)
        sb__slot_expire(e, i, now);
    uint64_t seen = atomic_load_explicit(swept, memory_order_relaxed);
    while (seen < now && !atomic_compare_exchange_weak_explicit(
                             swept, &seen, now, memory_order_release, memory_order_relaxed)) {
    }
    return take(available, n);
}

void
sb__stock_give(sb_engine *e, uint16_t location, uint32_t n)
{
    if (!e->stock || n == 0)
        return;
    atomic_fetch_add_explicit(&e->stock[location].available, n, memory_order_release);
}

static sb_status
stock_add(sb_engine *e, uint16_t location, uint32_t count)
{
    if (!e->stock || location >= e->locations)
        return SB_INVALID_ARG;
    /* Bounded over the engine's life, so the shelf never passes the bound
     * either, whatever comes back to it. */
    _Atomic uint64_t *added = &e->stock[location].added;
    uint64_t n = atomic_load_explicit(added, memory_order_relaxed);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (n + count > SB_MAX_STOCK)
            return SB_INVALID_ARG;
        sb_rec rec = {.type = REC_STOCK, .index = location, .word = n + count};
        sb_jpos j;
        int swapped = sb__jr_cas(e, added, &n, n + count, &rec, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped)
            continue;
        /* The stickers go on the shelf once the record is durable. */
        if (sb__jr_wait(e, &j) != SB_OK) {
            atomic_fetch_sub_explicit(added, count, memory_order_relaxed);
            return SB_IO;
        }
        atomic_fetch_add_explicit(&e->stock[location].available, count, memory_order_release);
        return SB_OK;
    }
}

SB_EXPORT sb_status
sb_stock_add(sb_engine *e, uint16_t location, uint32_t count)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = stock_add(e, location, count);
    sb__stat(e, SB_OP_STOCK, st);
    return st;
}

SB_EXPORT sb_status
sb_stock_read(sb_engine *e, uint16_t location, uint64_t *available)
{
    if (!sb__live(e) || !e->stock || location >= e->locations || !available)
        return SB_INVALID_ARG;
    *available = atomic_load_explicit(&e->stock[location].available, memory_order_acquire);
    return SB_OK;
}
