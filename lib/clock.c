/*
 * The engine's clock: ms since sb_open(), never going backwards.
 *
 * The caller's clock (or CLOCK_REALTIME) is read on every call; the engine
 * keeps the largest relative time it has returned in one atomic word and
 * answers max(reading, largest).  The word is written only when time moves
 * forward (at most about once per ms per thread), so it stays mostly shared
 * in every core's cache.  Lock-free: a failed compare-and-swap means another
 * thread moved time forward, which is all this call needed.
 */
#include "internal.h"

#include <time.h>

uint64_t
sb__wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
wall_clock(void *ctx)
{
    (void)ctx;
    return sb__wall_ms();
}

void
sb__clock_init(sb_clock *c, uint64_t (*fn)(void *), void *ctx)
{
    c->fn = fn ? fn : wall_clock;
    c->ctx = ctx;
    c->epoch_ms = c->fn(c->ctx);
    atomic_init(&c->seen_ms, 0);
}

uint64_t
sb__clock_now(sb_clock *c)
{
    uint64_t raw = c->fn(c->ctx);
    uint64_t rel = raw > c->epoch_ms ? raw - c->epoch_ms : 0;
    if (rel > SB_MAX_TIME_MS)
        rel = SB_MAX_TIME_MS;
    uint64_t seen = atomic_load_explicit(&c->seen_ms, memory_order_relaxed);
    while (rel > seen) {
        if (atomic_compare_exchange_weak_explicit(&c->seen_ms, &seen, rel, memory_order_relaxed,
                                                  memory_order_relaxed))
            return rel;
    }
    return seen > rel ? seen : rel;
}
