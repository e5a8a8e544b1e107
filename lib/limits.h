/*
 * Every bound of the engine, with the reason for it.  sb_open() refuses
 * options past these; the _Static_asserts tie each bound to the bits that
 * hold it.
 */
#ifndef SB_LIMITS_H
#define SB_LIMITS_H

#include <stdint.h>

/* A location id is a uint16_t. */
#define SB_MAX_LOCATIONS 65536u
/* A window is a uint16_t, and 0 windows make no slot. */
#define SB_MAX_WINDOWS 65535u
/* A century of days: far past any booking horizon, and the day arithmetic
 * first_day + days stays well inside int32. */
#define SB_MAX_DAYS 36600u
/* Slots are counted in 24 bits of a person word (booked slot). */
#define SB_SLOT_BITS 24
#define SB_MAX_SLOTS (1u << SB_SLOT_BITS)
/* A code carries 40 bits of payload: 24 bits of person number and 16 bits of
 * booking generation, so people are counted in 24 bits. */
#define SB_PERSON_BITS 24
#define SB_MAX_PEOPLE (1u << SB_PERSON_BITS)
#define SB_GEN_BITS 16
#define SB_MAX_BOOKINGS ((1u << SB_GEN_BITS) - 1u) /* generation 0 = none yet */
/* Seats (live holds and delayed releases) are addressed by 24 bits of a
 * person word; per slot they are scanned linearly, so keep them short. */
#define SB_SEAT_BITS 24
#define SB_MAX_SEATS (1u << SB_SEAT_BITS)
#define SB_MAX_HOLDS_PER_SLOT 4096u
/* Cancels and reschedules are counted per person in 4 bits of the person
 * word (saturating), so the change limit is at most 15. */
#define SB_CHANGE_BITS 4
#define SB_MAX_CHANGES ((1u << SB_CHANGE_BITS) - 1u)
/* A family booking holds its state in one word (family.c): a bit per
 * member, and its number fits where a slot index does. */
#define SB_MAX_FAMILIES (1u << SB_SEAT_BITS)
/* A waiting person's entry index fits where a seat index does. */
#define SB_MAX_WAITING (1u << SB_SEAT_BITS)
/* Stickers on one location's shelf. */
#define SB_MAX_STOCK (UINT64_C(1) << 48)
/* Seat deadlines are ms since sb_open() in 38 bits: 8.7 years. */
#define SB_TIME_BITS 38
#define SB_MAX_TIME_MS ((UINT64_C(1) << SB_TIME_BITS) - 1u)
#define SB_MAX_HOLD_MS 2147483647u
/* A retry loop around a compare-and-swap on one person or one slot word
 * goes round again only when another call changed that word, so each
 * failure is someone else's progress.  A million failures in a row on one
 * word cannot come from contention (even 64 threads on one slot lose far
 * fewer): it is a broken invariant, and sb_assert stops there rather than
 * spin for ever. */
#define SB_RETRY_MAX (1u << 20)
/* Striped counters: enough stripes that threads rarely share one. */
#define SB_STAT_STRIPES 16u
/* Person numbers are handed out from striped ranges, not one counter. */
#define SB_NUMBER_STRIPES 64u
/* Valid BSNs have 9 digits. */
#define SB_MAX_BSN 999999999u

_Static_assert(SB_MAX_PEOPLE - 1u <= (1u << SB_PERSON_BITS) - 1u, "person bits");
_Static_assert(SB_PERSON_BITS + SB_GEN_BITS == 40, "a code carries 40 payload bits");
_Static_assert(SB_MAX_SLOTS <= SB_MAX_SEATS, "a slot index fits where a seat index does");
_Static_assert(2 + SB_PERSON_BITS + SB_TIME_BITS == 64, "a seat word is full");
_Static_assert(3 + SB_GEN_BITS + SB_SEAT_BITS + SB_CHANGE_BITS <= 64 - 16,
               "a person word keeps a 16+ bit version");
_Static_assert(SB_MAX_HOLDS_PER_SLOT <= (1u << 12), "a seat index in a slot");
_Static_assert(SB_MAX_BSN < (1u << 30), "a BSN fits 30 bits");

#endif
