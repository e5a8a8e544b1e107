/*
 * Statistics: one counter per operation and outcome, striped so that
 * threads do not share cache lines.  A thread picks its stripe once (round
 * robin over all threads of the process, no registration) and adds to it
 * with relaxed atomic increments: wait-free, no ordering with anything else.
 * sb_stats_read() sums the stripes.
 */
#include "internal.h"

#include <limits.h>
#include <string.h>

static _Atomic unsigned next_stripe;
static _Thread_local unsigned my_stripe = UINT_MAX;

static unsigned
stripe(void)
{
    if (my_stripe == UINT_MAX)
        my_stripe =
            atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) % SB_STAT_STRIPES;
    return my_stripe;
}

SB_EXPORT const char *
sb_op_name(sb_op op)
{
    static const char *const names[SB_OP_COUNT] = {
        [SB_OP_RESERVE] = "reserve",     [SB_OP_CONFIRM] = "confirm",
        [SB_OP_BOOK] = "book",           [SB_OP_CANCEL] = "cancel",
        [SB_OP_LOOKUP] = "lookup",       [SB_OP_VERIFY] = "verify",
        [SB_OP_REDEEM] = "redeem",       [SB_OP_RELEASE] = "release",
        [SB_OP_LOCATION] = "location",   [SB_OP_SLOT_READ] = "slot_read",
        [SB_OP_NEXT_FREE] = "next_free", [SB_OP_RESCHEDULE] = "reschedule",
        [SB_OP_STOCK] = "stock_add",     [SB_OP_BOOK_GROUP] = "book_group",
        [SB_OP_WAIT] = "wait",
    };
    return (unsigned)op < SB_OP_COUNT && names[op] ? names[op] : "unknown";
}

void
sb__stat(sb_engine *e, sb_op op, sb_status st)
{
    sb_assert((unsigned)op < SB_OP_COUNT && (unsigned)st < SB_STATUS_COUNT);
    atomic_fetch_add_explicit(&e->stats[stripe()].outcomes[op][st], 1, memory_order_relaxed);
}

void
sb__stat_expired(sb_engine *e, uint64_t n)
{
    atomic_fetch_add_explicit(&e->stats[stripe()].expired, n, memory_order_relaxed);
}

SB_EXPORT void
sb_stats_read(sb_engine *e, sb_stats *out)
{
    if (!out || !sb__live(e))
        return;
    memset(out, 0, sizeof *out);
    for (unsigned s = 0; s < SB_STAT_STRIPES; s++) {
        sb_stat_stripe *st = &e->stats[s];
        for (unsigned op = 0; op < SB_OP_COUNT; op++) {
            for (unsigned k = 0; k < SB_STATUS_COUNT; k++) {
                uint64_t v = atomic_load_explicit(&st->outcomes[op][k], memory_order_relaxed);
                out->outcomes[op][k] += v;
                out->calls[op] += v;
            }
        }
        out->expired += atomic_load_explicit(&st->expired, memory_order_relaxed);
    }
    out->people = sb__people_count(&e->people);
    out->people_max = e->people.max;
}
