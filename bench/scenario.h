/*
 * Named, seeded surge scenarios drawn from the 2022 IND planner season
 * (../shared/SPEC.md and planner-2022.md), generated as traces.
 *
 *   uniform  people each book once across people/places slots of `places`;
 *   surge    a release wave at t=0 on `slots` slots of `places`, hit by
 *            `attempts` calls from `people` people: impatient retries,
 *            reserve-then-confirm, people making several appointments;
 *   planner  a season: 7 locations opening and closing on their 2022 dates,
 *            weekly release waves of `places` per day per location with
 *            their stickers (use_stock), the sticker outage of September
 *            (Amsterdam's shelf runs empty first), people arriving over the
 *            season and surging at each wave with availability look-ups,
 *            reserves, confirms (or holds left to expire), cancels and
 *            rebookings, moves to an earlier day (reschedule), desk
 *            verifies and redeems, fraud (resold, copied and forged codes)
 *            at `fraud_permille`, and resellers moving one appointment from
 *            buyer to buyer until the change limit (max_changes = 3)
 *            stops them.  About one booking party in six is a family of 2
 *            to 5 (sb_book_group: one code, all or none; some cancel or
 *            move as a whole, each member is redeemed on their own); some
 *            people who found nothing join a location's waiting list
 *            (sb_wait, 256 places per location) instead of refreshing, and
 *            confirm the hold it offers them a few minutes after the
 *            server's periodic sb_expire runs and the next wave (or let it
 *            run out); max_families is the number of family bookings made.
 *
 * The same parameters and seed give the same trace, byte for byte.
 */
#ifndef SB_BENCH_SCENARIO_H
#define SB_BENCH_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

typedef struct sb_scenario_params {
    uint64_t seed;
    uint32_t people;         /* 0 = the scenario's default */
    uint64_t attempts;       /* surge: calls in the wave; 0 = 5 per person */
    uint32_t slots;          /* surge: slots in the wave; 0 = 10 */
    uint32_t places;         /* places per slot (uniform, surge) or per day (planner); 0 = 100 */
    uint32_t retry_permille; /* surge: share of calls that are retries; 0 = default */
    uint32_t fraud_permille; /* planner: share of desk visits with fraud; 0 = default */
    uint32_t hold_ms;        /* 0 = 600000 */
} sb_scenario_params;

/* The scenarios' names, NULL-terminated. */
extern const char *const sb_scenario_names[];

/* Fills *out (records malloc'd; free with sb_trace_free).  0, or -1 with a
 * sentence in err (unknown name, parameter out of range, out of memory). */
int sb_scenario_generate(const char *name, const sb_scenario_params *p, sb_trace *out, char *err,
                         size_t err_size);

#endif
