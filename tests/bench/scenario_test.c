/*
 * Scenario generators (bench/scenario.c): deterministic by seed, records
 * that fit their engine shape, and the shape each scenario promises.
 */
#include <criterion/criterion.h>

#include <string.h>

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
