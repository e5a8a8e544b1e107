/*
 * Scenario generators (bench/scenario.c): deterministic by seed, records
 * that fit their engine shape, and the shape each scenario promises.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <slotbook.h>

#include "scenario.h"

static sb_trace
make(const char *name, sb_scenario_params p)
{
    sb_trace t;
    char err[256] = "";
    cr_assert_eq(sb_scenario_generate(name, &p, &t, err, sizeof err), 0, "%s: %s", name, err);
    return t;
}

static size_t
count_op(const sb_trace *t, unsigned op)
{
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += t->recs[i].op == op;
    return n;
}

/* FNV-1a of the records. */
static uint64_t
records_hash(const sb_trace *t)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    const unsigned char *b = (const unsigned char *)t->recs;
    for (size_t i = 0; i < t->count * sizeof *t->recs; i++)
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

static int32_t
date(unsigned m, unsigned d)
{
    return sb_day_from_civil(2022, m, d);
}

Test(scenario, the_same_seed_gives_the_same_trace_byte_for_byte)
{
    for (const char *const *name = sb_scenario_names; *name; name++) {
        sb_scenario_params p = {.seed = 42, .people = 3000};
        sb_trace a = make(*name, p), b = make(*name, p);
        cr_assert_eq(a.count, b.count, "%s", *name);
        cr_assert_eq(memcmp(&a.shape, &b.shape, sizeof a.shape), 0, "%s", *name);
        cr_assert_eq(memcmp(a.recs, b.recs, a.count * sizeof *a.recs), 0, "%s", *name);
        sb_trace_free(&a);
        sb_trace_free(&b);
    }
}

Test(scenario, another_seed_gives_another_trace)
{
    for (const char *const *name = sb_scenario_names; *name; name++) {
        sb_trace a = make(*name, (sb_scenario_params){.seed = 1, .people = 3000});
        sb_trace b = make(*name, (sb_scenario_params){.seed = 2, .people = 3000});
        cr_assert(a.count != b.count || memcmp(a.recs, b.recs, a.count * sizeof *a.recs) != 0, "%s",
                  *name);
        sb_trace_free(&a);
        sb_trace_free(&b);
    }
}

Test(scenario, every_record_fits_the_shape_and_time_never_goes_back)
{
    for (const char *const *name = sb_scenario_names; *name; name++) {
        sb_trace t = make(*name, (sb_scenario_params){.seed = 7, .people = 5000});
        char err[256];
        for (size_t i = 0; i < t.count; i++) {
            cr_assert_eq(sb_trace_check(&t.shape, &t.recs[i], err, sizeof err), 0, "%s: %s", *name,
                         err);
            cr_assert(i == 0 || t.recs[i - 1].t_ms <= t.recs[i].t_ms, "%s: record %zu", *name, i);
        }
        cr_assert_str_eq(t.shape.scenario, *name);
        sb_trace_free(&t);
    }
}

Test(scenario, uniform_has_each_person_book_once_after_the_releases)
{
    sb_trace t = make("uniform", (sb_scenario_params){.seed = 3, .people = 2500, .places = 100});
    cr_assert_eq(count_op(&t, TOP_BOOK), 2500);
    cr_assert_eq(count_op(&t, TOP_RELEASE), 25);
    cr_assert_eq(count_op(&t, TOP_OPEN), 1);
    cr_assert_eq(t.shape.max_people, 2500);
    for (size_t i = 0; i < 26; i++)
        cr_assert(t.recs[i].op == TOP_OPEN || t.recs[i].op == TOP_RELEASE, "record %zu", i);
    for (size_t i = 26; i < t.count; i++)
        for (size_t j = i + 1; j < i + 50 && j < t.count; j++)
            cr_assert_neq(t.recs[i].bsn, t.recs[j].bsn, "a person books twice");
    sb_trace_free(&t);
}

Test(scenario, surge_makes_the_attempts_asked_for_on_its_slots)
{
    sb_trace t =
        make("surge", (sb_scenario_params){
                          .seed = 5, .people = 1000, .attempts = 8000, .slots = 4, .places = 30});
    cr_assert_eq(count_op(&t, TOP_RELEASE), 4);
    cr_assert_eq(t.count - 5, 8000, "attempts: %zu", t.count - 5);
    for (size_t i = 0; i < t.count; i++)
        if (t.recs[i].op == TOP_RELEASE)
            cr_assert_eq(t.recs[i].arg, 30);
    cr_assert(count_op(&t, TOP_BOOK) > 2000 && count_op(&t, TOP_RESERVE) > 2000);
    cr_assert(count_op(&t, TOP_CONFIRM) > 1000);
    sb_trace_free(&t);
}

Test(scenario, planner_mixes_every_kind_of_call_and_some_fraud)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    for (unsigned op = TOP_RESERVE; op < TOP_COUNT; op++)
        cr_assert(count_op(&t, op) > 0, "no %s in the planner", sb_trace_op_name(op));
    size_t resold = 0, forged = 0;
    for (size_t i = 0; i < t.count; i++) {
        resold += t.recs[i].code == TC_OF;
        forged += t.recs[i].code == TC_FORGED;
    }
    cr_assert(resold > 0 && forged > 0);
    cr_assert(count_op(&t, TOP_NEXT_FREE) > count_op(&t, TOP_RESERVE),
              "availability look-ups outnumber reserves");
    cr_assert_eq(t.shape.locations, 7);
    sb_trace_free(&t);
}

Test(scenario, uniform_and_surge_replay_with_the_bounds_of_sb_options_init)
{
    const char *names[] = {"uniform", "surge"};
    for (int k = 0; k < 2; k++) {
        sb_trace t = make(names[k], (sb_scenario_params){.seed = 42, .people = 3000});
        cr_assert_eq(t.shape.max_families, 750, "%s", names[k]);
        cr_assert_eq(t.shape.max_waiting, 1024, "%s", names[k]);
        sb_trace_free(&t);
    }
}

Test(scenario, uniform_and_surge_are_the_traces_they_were_before_the_planner_got_its_rules)
{
    /* Hashes of the records made before reschedule, stock and the change
     * limit existed: those two scenarios keep their traces, byte for byte. */
    static const struct {
        const char *name;
        size_t count;
        uint64_t hash;
    } before[] = {{"uniform", 3031, UINT64_C(0x3a6b3768280b2148)},
                  {"surge", 15011, UINT64_C(0x17f07584eeb03925)}};
    for (int k = 0; k < 2; k++) {
        sb_trace t = make(before[k].name, (sb_scenario_params){.seed = 42, .people = 3000});
        cr_assert_eq(t.count, before[k].count, "%s", before[k].name);
        cr_assert_eq(records_hash(&t), before[k].hash, "%s", before[k].name);
        cr_assert(t.shape.max_changes == 0 && t.shape.use_stock == 0, "%s", before[k].name);
        sb_trace_free(&t);
    }
}

Test(scenario, planner_delivers_stickers_with_its_waves_and_none_in_the_outage)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    cr_assert_eq(t.shape.use_stock, 1);
    cr_assert_eq(t.shape.max_changes, 3);
    uint64_t day_ms = UINT64_C(86400000),
             from = (uint64_t)(date(9, 5) - t.shape.first_day) * day_ms,
             to = (uint64_t)(date(10, 6) - t.shape.first_day) * day_ms;
    size_t amsterdam_reserves = 0;
    bool stocked[7] = {false};
    for (size_t i = 0; i < t.count; i++) {
        const sb_trace_rec *r = &t.recs[i];
        bool outage = r->t_ms >= from && r->t_ms < to;
        if (r->op == TOP_STOCK) {
            cr_assert(r->arg > 0, "record %zu: an empty delivery", i);
            cr_assert_eq(r->t_ms % day_ms, 10 * 3600000u, "record %zu: not at a wave", i);
            cr_assert(!outage, "record %zu: stickers delivered in the outage", i);
            stocked[r->location] = true;
        }
        if ((r->op == TOP_RESERVE || r->op == TOP_BOOK) && !stocked[r->location])
            cr_assert_fail("record %zu: a reserve at location %u before its stickers", i,
                           r->location);
        amsterdam_reserves += outage && r->op == TOP_RESERVE && r->location == 4;
    }
    cr_assert_gt(amsterdam_reserves, 100, "Amsterdam keeps booking in the outage");
    sb_trace_free(&t);
}

Test(scenario, planner_books_families_of_two_to_five_whose_members_follow_their_leader)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    size_t groups = 0, singles = 0, sizes[7] = {0}, member_desk = 0, member_moves = 0;
    for (size_t i = 0; i < t.count; i++) {
        const sb_trace_rec *r = &t.recs[i];
        singles += r->op == TOP_RESERVE || r->op == TOP_BOOK;
        if (r->op != TOP_BOOK_GROUP)
            continue;
        groups++;
        cr_assert(r->arg >= 2 && r->arg <= 5, "record %zu: a family of %u", i, r->arg);
        sizes[r->arg]++;
        for (uint32_t k = 1; k < r->arg; k++) {
            const sb_trace_rec *m = &t.recs[i + k];
            cr_assert(m->op == TOP_MEMBER && m->t_ms == r->t_ms && m->bsn != r->bsn,
                      "record %zu: member %u of the family at %zu", i + k, k, i);
            /* The member comes to the desk, or moves the family, on their own. */
            for (size_t j = i + r->arg; j < t.count; j++) {
                if (t.recs[j].bsn != m->bsn)
                    continue;
                member_desk += t.recs[j].op == TOP_REDEEM && t.recs[j].code == TC_OWN;
                member_moves += t.recs[j].op == TOP_RESCHEDULE || t.recs[j].op == TOP_CANCEL;
            }
        }
    }
    for (unsigned n = 2; n <= 5; n++)
        cr_assert_gt(sizes[n], 0, "no family of %u", n);
    double share = (double)groups / (double)(groups + singles);
    cr_assert(share > 0.10 && share < 0.20, "families are %.1f%% of bookings", 100 * share);
    cr_assert_gt(member_desk, groups, "members are redeemed on their own");
    cr_assert_gt(member_moves, 0, "members move or cancel their family");
    cr_assert_eq(t.shape.max_families, groups, "a record for every family booking");
    sb_trace_free(&t);
}

Test(scenario, planner_has_people_wait_and_confirm_what_the_list_offers_while_expire_runs)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    cr_assert_eq(t.shape.max_waiting, 256);
    uint64_t day_ms = UINT64_C(86400000);
    size_t waits = 0, polled = 0;
    bool expired_on[184] = {false};
    for (size_t i = 0; i < t.count; i++) {
        const sb_trace_rec *r = &t.recs[i];
        if (r->op == TOP_EXPIRE)
            expired_on[r->t_ms / day_ms] = true;
        if (r->op != TOP_WAIT)
            continue;
        waits++;
        cr_assert(r->arg >= 6 && r->day > t.shape.first_day, "record %zu: a wait for next week", i);
        /* A confirm a few minutes after an sb_expire run or a wave, within
         * the hold's ten minutes. */
        for (size_t j = i + 1; j < t.count; j++) {
            if (t.recs[j].op != TOP_CONFIRM || t.recs[j].bsn != r->bsn)
                continue;
            cr_assert_lt(t.recs[j].t_ms % (15 * 60000) % 60000, 60000);
            polled++;
            break;
        }
    }
    cr_assert_gt(waits, 100, "%zu waits", waits);
    cr_assert(polled > waits / 2 && polled < waits, "%zu of %zu waiting people look", polled,
              waits);
    for (unsigned d = 0; d < 184; d++)
        cr_assert(expired_on[d], "no sb_expire on day %u of the season", d);
    sb_trace_free(&t);
}

Test(scenario, planner_delivers_a_waves_stickers_before_its_releases)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    size_t waves = 0;
    uint64_t stocked = UINT64_MAX, counted = UINT64_MAX; /* a wave's time */
    for (size_t i = 0; i < t.count; i++) {
        const sb_trace_rec *r = &t.recs[i];
        if (r->op == TOP_STOCK)
            stocked = r->t_ms;
        if (r->op != TOP_RELEASE)
            continue;
        for (size_t j = i + 1; j < t.count && t.recs[j].t_ms == r->t_ms; j++)
            cr_assert_neq(t.recs[j].op, TOP_STOCK, "record %zu: stickers after a release", j);
        waves += stocked == r->t_ms && counted != r->t_ms;
        counted = r->t_ms;
    }
    cr_assert_gt(waves, 10);
    sb_trace_free(&t);
}

static int
by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

Test(scenario, planner_has_people_move_appointments_and_resellers_run_into_the_limit)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 9, .people = 4000});
    size_t moves = 0;
    uint32_t *who = malloc(t.count * sizeof *who);
    cr_assert_not_null(who);
    for (size_t i = 0; i < t.count; i++)
        if (t.recs[i].op == TOP_RESCHEDULE)
            who[moves++] = t.recs[i].bsn;
    cr_assert_gt(moves, count_op(&t, TOP_RESERVE) / 50, "%zu moves", moves);
    /* Resellers: people who try more moves than the limit allows. */
    qsort(who, moves, sizeof *who, by_value);
    size_t resellers = 0, run = 0;
    for (size_t i = 0; i < moves; i++) {
        run = i > 0 && who[i] == who[i - 1] ? run + 1 : 1;
        resellers += run == t.shape.max_changes + 1;
    }
    cr_assert_gt(resellers, 3, "%zu people move past the change limit", resellers);
    free(who);
    sb_trace_free(&t);
}

Test(scenario, unknown_names_and_oversized_parameters_are_refused_with_a_reason)
{
    sb_trace t;
    char err[256] = "";
    cr_assert_eq(sb_scenario_generate("rush", &(sb_scenario_params){0}, &t, err, sizeof err), -1);
    cr_assert(strstr(err, "rush") != NULL, "%s", err);
    err[0] = '\0';
    cr_assert_eq(sb_scenario_generate("uniform", &(sb_scenario_params){.people = 20000000}, &t, err,
                                      sizeof err),
                 -1);
    cr_assert(err[0] != '\0');
}
