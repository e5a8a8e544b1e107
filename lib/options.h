/*
 * The options sb_open() accepts, with the AUTO defaults resolved: one
 * definition for the engine and for the benchmark's baseline, which must
 * refuse exactly what the engine refuses.
 */
#ifndef SB_OPTIONS_H
#define SB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "slotbook.h"

/* max_waiting, SB_WAITING_AUTO resolved. */
static inline uint32_t
sb__waiting_of(const sb_options *o)
{
    if (o->max_waiting != SB_WAITING_AUTO)
        return o->max_waiting;
    uint32_t fit = SB_MAX_WAITING / (o->max_locations ? o->max_locations : 1);
    return fit < 1024 ? fit : 1024;
}

/* max_families, SB_FAMILIES_AUTO resolved. */
static inline uint32_t
sb__families_of(const sb_options *o)
{
    if (o->max_families != SB_FAMILIES_AUTO)
        return o->max_families;
    return o->max_people / 4 > 0 ? o->max_people / 4 : 1;
}

/* holds_per_slot, SB_HOLDS_AUTO resolved: 128, or fewer so that every slot
 * gets the same share of the seats. */
static inline uint32_t
sb__holds_of(const sb_options *o)
{
    if (o->holds_per_slot != SB_HOLDS_AUTO)
        return o->holds_per_slot;
    uint64_t slots = (uint64_t)o->max_locations * o->days * o->windows_per_day;
    uint64_t fit = slots ? SB_MAX_SEATS / slots : 128;
    return fit == 0 ? 1 : fit < 128 ? (uint32_t)fit : 128;
}

/* Whether sb_open() accepts o: every limit of lib/limits.h. */
static inline bool
sb__options_valid(const sb_options *o)
{
    if (o->max_locations == 0 || o->max_locations > SB_MAX_LOCATIONS || o->days == 0 ||
        o->days > SB_MAX_DAYS || o->windows_per_day == 0 || o->max_people == 0 ||
        o->max_people > SB_MAX_PEOPLE || o->hold_ms == 0 || o->hold_ms > SB_MAX_HOLD_MS ||
        sb__holds_of(o) == 0 || sb__holds_of(o) > SB_MAX_HOLDS_PER_SLOT ||
        o->max_changes > SB_MAX_CHANGES || o->use_stock > 1 ||
        sb__families_of(o) > SB_MAX_FAMILIES ||
        (uint64_t)o->max_locations * sb__waiting_of(o) > SB_MAX_WAITING)
        return false;
    if (o->journal) {
        uint8_t any = 0;
        for (size_t i = 0; i < sizeof o->code_key; i++)
            any |= o->code_key[i];
        if (!any || o->durable > SB_DURABLE_BATCH || o->flush_ms == 0 || o->flush_ms > 60000)
            return false;
    }
    if (o->first_day == INT32_MIN || (int64_t)o->first_day + o->days - 1 > INT32_MAX)
        return false;
    uint64_t slots = (uint64_t)o->max_locations * o->days * o->windows_per_day;
    return slots <= SB_MAX_SLOTS && slots * sb__holds_of(o) <= SB_MAX_SEATS;
}

#endif
