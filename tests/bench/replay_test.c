/*
 * The replay (bench/replay_core.c) on small traces: every record replayed,
 * audits clean, and, on one thread, slotbook and the mutex baseline answer
 * every call alike (the baseline implements the same semantics); with a
 * journal, in both durability modes, the engine reopened from it recovers
 * every record and booking.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "scenario.h"

static sb_trace
make(const char *name, sb_scenario_params p)
{
    sb_trace t;
    char err[256] = "";
    cr_assert_eq(sb_scenario_generate(name, &p, &t, err, sizeof err), 0, "%s", err);
    return t;
}

static sb_replay_result *
run(const sb_trace *t, const sb_driver *d, unsigned threads)
{
    sb_replay_result *r = malloc(sizeof *r);
    cr_assert_not_null(r);
    char err[256] = "";
    sb_replay_opts o = {.threads = threads};
    cr_assert_eq(sb_replay_run(t, d, &o, r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r->audit, SB_OK, "%s: %s", d->name, r->audit_msg);
    cr_assert_eq(r->calls + r->skipped + r->members, t->count, "%s replayed %llu of %zu", d->name,
                 (unsigned long long)(r->calls + r->skipped + r->members), t->count);
    cr_assert_eq(r->all.count, r->calls);
    return r;
}

Test(replay, a_surge_on_two_threads_books_no_more_than_the_places_released)
{
    sb_trace t =
        make("surge", (sb_scenario_params){
                          .seed = 11, .people = 3000, .attempts = 30000, .slots = 5, .places = 40});
    const sb_driver *ds[] = {&sb_driver_slotbook, &sb_driver_mutex};
    for (int i = 0; i < 2; i++) {
        sb_replay_result *r = run(&t, ds[i], 2);
        uint64_t booked = r->outcomes[TOP_BOOK][SB_OK] + r->outcomes[TOP_CONFIRM][SB_OK];
        uint64_t cancelled = r->outcomes[TOP_CANCEL][SB_OK];
        cr_assert(booked <= 200 + cancelled, "%s: %llu bookings", ds[i]->name,
                  (unsigned long long)booked);
        cr_assert(r->outcomes[TOP_RESERVE][SB_FULL] + r->outcomes[TOP_BOOK][SB_FULL] > 0);
        cr_assert(r->report.capacity == 200, "%s: capacity %llu", ds[i]->name,
                  (unsigned long long)r->report.capacity);
        free(r);
    }
    sb_trace_free(&t);
}

Test(replay, on_one_thread_slotbook_and_the_baseline_answer_every_call_alike)
{
    const char *names[] = {"surge", "planner"};
    for (int k = 0; k < 2; k++) {
        sb_trace t =
            make(names[k],
                 (sb_scenario_params){.seed = 21, .people = 3000, .attempts = 20000, .places = 20});
        sb_replay_result *a = run(&t, &sb_driver_slotbook, 1);
        sb_replay_result *b = run(&t, &sb_driver_mutex, 1);
        for (unsigned op = 1; op < TOP_COUNT; op++)
            for (unsigned s = 0; s < 32; s++)
                cr_expect_eq(a->outcomes[op][s], b->outcomes[op][s],
                             "%s: %s answered %s %llu times on slotbook, %llu on the baseline",
                             names[k], sb_trace_op_name(op), sb_status_name((sb_status)s),
                             (unsigned long long)a->outcomes[op][s],
                             (unsigned long long)b->outcomes[op][s]);
        free(a);
        free(b);
        sb_trace_free(&t);
    }
}

Test(replay, a_planner_season_on_two_threads_keeps_every_invariant)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 5, .people = 4000});
    sb_replay_result *r = run(&t, &sb_driver_slotbook, 2);
    cr_assert(r->outcomes[TOP_REDEEM][SB_OK] > 0, "somebody was served at the desk");
    cr_assert(r->outcomes[TOP_VERIFY][SB_WRONG_HOLDER] > 0, "resold codes were caught");
    cr_assert(r->outcomes[TOP_VERIFY][SB_FORGED] > 0, "guessed codes were caught");
    cr_assert(r->outcomes[TOP_CONFIRM][SB_EXPIRED] > 0, "late confirms were refused");
    cr_assert(r->outcomes[TOP_RESCHEDULE][SB_OK] > 0, "appointments were moved");
    cr_assert(r->outcomes[TOP_RESERVE][SB_NO_STOCK] > 0, "a shelf ran empty");
    cr_assert(r->outcomes[TOP_RESCHEDULE][SB_LIMIT] + r->outcomes[TOP_CANCEL][SB_LIMIT] > 0,
              "resellers ran into the change limit");
    cr_assert_eq(r->outcomes[TOP_STOCK][SB_OK], r->op_calls[TOP_STOCK], "every delivery arrived");
    free(r);
    sb_trace_free(&t);
}

Test(replay, the_rules_replay_alike_from_csv_and_on_the_baseline_on_two_threads)
{
    /* The planner written as CSV and read back replays with its rules (a
     * shape field lost on the way would change the outcomes), and the
     * baseline keeps its invariants, stickers included, on two threads. */
    sb_trace t = make("planner", (sb_scenario_params){.seed = 13, .people = 3000});
    char path[] = "/tmp/sb-replay-XXXXXX.csv", err[256] = "";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(sb_trace_write(path, &t, err, sizeof err), 0, "%s", err);
    sb_trace back;
    cr_assert_eq(sb_trace_read(path, &back, err, sizeof err), 0, "%s", err);
    unlink(path);
    cr_assert(back.shape.use_stock == 1 && back.shape.max_changes == 3);
    cr_assert(back.shape.max_families == t.shape.max_families && back.shape.max_waiting == 256);
    sb_replay_result *a = run(&t, &sb_driver_slotbook, 1), *b = run(&back, &sb_driver_slotbook, 1);
    for (unsigned op = 1; op < TOP_COUNT; op++)
        for (unsigned s = 0; s < 32; s++)
            cr_expect_eq(a->outcomes[op][s], b->outcomes[op][s], "%s %s", sb_trace_op_name(op),
                         sb_status_name((sb_status)s));
    free(a);
    free(b);
    free(run(&back, &sb_driver_mutex, 2)); /* run() checks the audit */
    sb_trace_free(&back);
    sb_trace_free(&t);
}

Test(replay, a_planner_season_books_families_and_serves_its_waiting_list_on_both_engines)
{
    sb_trace t = make("planner", (sb_scenario_params){.seed = 5, .people = 4000});
    const sb_driver *ds[] = {&sb_driver_slotbook, &sb_driver_mutex};
    for (int i = 0; i < 2; i++) {
        sb_replay_result *r = run(&t, ds[i], 2);
        size_t members = 0;
        for (size_t k = 0; k < t.count; k++)
            members += t.recs[k].op == TOP_MEMBER;
        cr_assert_eq(r->members, members, "%s: member records ride with their family", ds[i]->name);
        cr_assert_eq(r->op_calls[TOP_MEMBER], 0);
        cr_assert_gt(r->outcomes[TOP_BOOK_GROUP][SB_OK], 0, "%s: families were booked",
                     ds[i]->name);
        cr_assert_gt(r->outcomes[TOP_BOOK_GROUP][SB_FULL], 0, "%s: all or none", ds[i]->name);
        cr_assert_gt(r->outcomes[TOP_WAIT][SB_OK], 0, "%s: people waited", ds[i]->name);
        cr_assert_gt(r->outcomes[TOP_CONFIRM][SB_NOT_FOUND], 0, "%s: still waiting", ds[i]->name);
        cr_assert_gt(r->latency[TOP_BOOK_GROUP].count, 0);
        cr_assert_gt(r->latency[TOP_WAIT].count, 0);
        free(r);
    }
    sb_trace_free(&t);
}

Test(replay, a_journalled_run_recovers_every_record_and_booking_in_both_modes)
{
    /* Three runs on one path (sync, batch, batch): each after the first
     * must start from an empty journal (the replay removes a stale one), so
     * it recovers its own records, not those of the runs before as well. */
    sb_trace t = make("planner", (sb_scenario_params){.seed = 7, .people = 600});
    char dir[] = "/tmp/sb-replay-journal-XXXXXX", path[64], err[256] = "";
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/replay.journal", dir);
    const uint8_t modes[] = {SB_DURABLE_SYNC, SB_DURABLE_BATCH, SB_DURABLE_BATCH};
    for (int i = 0; i < 3; i++) {
        sb_replay_opts o = {.threads = 2, .journal = path, .durable = modes[i]};
        sb_replay_result *r = malloc(sizeof *r);
        cr_assert_not_null(r);
        cr_assert_eq(sb_replay_run(&t, &sb_driver_slotbook, &o, r, err, sizeof err), 0, "%s", err);
        cr_assert_eq(r->audit, SB_OK, "%s", r->audit_msg);
        cr_assert_eq(r->calls + r->skipped + r->members, t.count);
        cr_assert_gt(r->journal.records, 0, "bookings, releases and redemptions were journalled");
        cr_assert_gt(r->journal.flushes, 0);
        cr_assert_leq(r->journal.flushes, r->journal.records);
        cr_assert_eq(r->reopen, SB_OK, "reopening: %s", r->recovery_msg);
        cr_assert_eq(r->recovered_audit, SB_OK, "%s", r->recovery_msg);
        /* Every record written, and the statistics record sb_close appends
         * (counted in recovered, not in records). */
        cr_assert(r->recovery.recovered >= r->journal.records &&
                      r->recovery.recovered <= r->journal.records + 1,
                  "recovered %llu records of %llu written",
                  (unsigned long long)r->recovery.recovered,
                  (unsigned long long)r->journal.records);
        cr_assert_gt(r->report.booked + r->report.redeemed, 0);
        cr_assert_eq(r->recovered_report.booked, r->report.booked);
        cr_assert_eq(r->recovered_report.redeemed, r->report.redeemed);
        cr_assert_eq(r->recovered_report.capacity, r->report.capacity);
        cr_assert_eq(r->recovered_report.held, 0, "holds are not journalled");
        free(r);
    }
    cr_assert_eq(unlink(path), 0, "the last run's journal is left behind");
    cr_assert_eq(rmdir(dir), 0);
    sb_trace_free(&t);
}

Test(replay, the_baseline_refuses_a_journal)
{
    sb_trace t = make("surge", (sb_scenario_params){.seed = 3, .people = 100, .attempts = 200});
    sb_replay_opts o = {.threads = 1, .journal = "/nonexistent/replay.journal"};
    sb_replay_result *r = malloc(sizeof *r);
    cr_assert_not_null(r);
    char err[256] = "";
    cr_assert_eq(sb_replay_run(&t, &sb_driver_mutex, &o, r, err, sizeof err), -1);
    cr_assert(strstr(err, "journal"), "%s", err);
    free(r);
    sb_trace_free(&t);
}
