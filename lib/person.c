/*
 * What the calls on a person share (person.h): what a person leaving a hold,
 * a booking or the waiting list gives back, and filling in a booking.
 */
#include "person.h"

#include <sodium.h>

/* A moment in [now, now + release_delay_ms] a seller cannot predict: keyed
 * SipHash of the person word and the time. */
uint64_t
sb__release_moment(sb_engine *e, const person *p, uint64_t now, uint32_t salt)
{
    if (e->release_delay_ms == 0)
        return now;
    uint64_t in[2] = {p->word ^ (uint64_t)salt << 32, now ^ (uint64_t)p->number << 40};
    uint64_t r;
    crypto_shorthash((unsigned char *)&r, (const unsigned char *)in, sizeof in, e->rand_key);
    uint64_t at = now + r % ((uint64_t)e->release_delay_ms + 1);
    return at > SB_MAX_TIME_MS ? SB_MAX_TIME_MS : at;
}

void
sb__leave(sb_engine *e, uint64_t view, uint64_t now)
{
    sb__wait_left(e, view);
    if (pw_state(view) != PS_HELD)
        return;
    uint32_t g = pw_where(view);
    uint64_t s = atomic_load_explicit(&e->seats[g], memory_order_acquire);
    sb__seat_release(e, g, s, now, 0, true);
    sb__stat_expired(e, 1);
}

void
sb__fill(sb_engine *e, uint32_t bsn, uint32_t slot, sb_state state, uint64_t deadline,
         sb_booking *out)
{
    if (!out)
        return;
    out->bsn = bsn;
    out->slot = sb__slot_of(e, slot);
    out->state = state;
    out->deadline_ms = state == SB_STATE_HELD ? e->clock.epoch_ms + deadline : 0;
    out->position = 0;
    out->last_day = 0;
}
