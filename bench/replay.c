/*
 * slotbook-replay: replays surge traces against slotbook and, side by side,
 * against the in-tree mutex baseline, and reports throughput, outcomes,
 * latency percentiles, memory and an invariant audit, with the ratios of
 * the two engines measured in the same process, rounds interleaved.
 *
 * With --journal the two sides are slotbook with a journal (sync or batch)
 * and slotbook in memory, on the same trace, rounds interleaved the same
 * way; each journalled round then reopens the engine from its journal and
 * times the recovery.  --callers takes a list, so one command sweeps the
 * number of concurrent callers (each replay thread is one caller that
 * blocks in its own calls, as a server thread does).
 *
 * With no trace it runs the main job: the surge and planner scenarios,
 * generated in memory at their default sizes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "replay.h"
#include "scenario.h"

#define MAX_ROUNDS 15
#define MAX_CALLERS 16                         /* counts in one --callers list */
#define JOURNAL_NAME "slotbook-replay.journal" /* the file made in a --journal DIR */
/* With --durable sync every call that changes the state waits for its
 * fdatasync (about a millisecond on a virtual disk, shared by the calls in
 * flight), so a sync run replays at about a thousand such calls a second
 * with two callers: by default it replays the first 100,000 records of
 * each trace (about 2,600 journalled calls of the planner season, 600 of
 * the surge's wave), a few seconds per round.  Fewer would leave the
 * in-memory side too short to time: thread start-up would dominate it. */
#define SYNC_RECORDS 100000
/* The soak's tolerances (see usage): a slope is flat when the last third's
 * mean resident memory is at most SOAK_RSS_PERCENT % + SOAK_RSS_MIB above
 * the first third's, and its median call latency at most SOAK_LATENCY_PERCENT %
 * above (calls/s on a shared two-core machine swing by half with the other
 * processes; the median call does not). */
#define SOAK_RSS_PERCENT 5
#define SOAK_RSS_MIB 8
#define SOAK_LATENCY_PERCENT 20
#define SOAK_MIN_CYCLES 3
#define SOAK_FAMILY_CYCLES 4096 /* cycles of family bookings the engine has room for */
#define SOAK_MAX_CYCLES 100000

typedef struct config {
    sb_replay_opts replay;
    unsigned rounds;
    bool slotbook, mutex, engine_set;
    bool json;
    const char *plot;
    const char *trace;
    char journal[4096]; /* the journal file; "" = no journal */
    size_t records;     /* replay the first records of each trace; 0 = all */
    bool records_set;
    unsigned callers[MAX_CALLERS]; /* replay threads, one comparison each */
    unsigned ncallers;
    double soak_minutes; /* --soak: 0 = no soak */
} config;

typedef struct engine_runs {
    const sb_driver *d;
    const char *name;
    sb_replay_opts o; /* this engine's: with or without the journal */
    unsigned n;
    sb_replay_result *runs[MAX_ROUNDS];
} engine_runs;

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: slotbook-replay [options] [TRACE]\n"
            "\n"
            "Replays TRACE (from slotbook-gen; .csv or binary) against slotbook and the\n"
            "mutex baseline, rounds interleaved, and prints calls per second, the ratio\n"
            "slotbook / baseline, latency percentiles per operation, outcomes per status,\n"
            "memory, and each engine's invariant audit.  With no TRACE: the main job, the\n"
            "surge and planner scenarios generated at their default sizes.\n"
            "\n"
            "With --journal: slotbook with its journal against slotbook in memory on the\n"
            "same trace, rounds interleaved, then the journal's records per flush and the\n"
            "recovery: each journalled round reopens the engine from its journal, checks\n"
            "that every record and booking came back, and times it.  The tables are\n"
            "followed by one line of key=value figures per trace and caller count,\n"
            "starting \"journal \".\n"
            "\n"
            "options:\n"
            "  -t, --threads N     replay threads (default: all cores); the same as --callers N\n"
            "  -c, --callers N[,N...]\n"
            "                      concurrent callers: replay threads, each making one call\n"
            "                      at a time and blocking in it (in sync mode until its\n"
            "                      record is flushed), as a server's threads do; a list\n"
            "                      (2,16,64) repeats the whole comparison for each count,\n"
            "                      at most 16 counts of 1 to 1024 (default: all cores)\n"
            "  -r, --rounds N      rounds per engine, interleaved (default 3, at most 15)\n"
            "  -e, --engine NAME   slotbook, mutex or both (default both; not with --journal)\n"
            "      --journal PATH  journal file, or a directory to make " JOURNAL_NAME "\n"
            "                      in; removed before every journalled round, so each starts\n"
            "                      from an empty journal (the last round's is left behind).\n"
            "                      Put it on the disk to be measured: a tmpfs never syncs\n"
            "      --durable MODE  sync (default): a call that changes the state returns once\n"
            "                      its record is on disk (fdatasync, shared by the calls in\n"
            "                      flight); batch: at once, flushed at least every 5 ms\n"
            "  -n, --records N     replay only the first N records of each trace (a family\n"
            "                      is kept whole); default all, but %d with --journal in\n"
            "                      sync mode (every change waits for a disk flush);\n"
            "                      0 = all\n"
            "      --pace[=SPEED]  replay at the recorded pace, SPEED times faster (default 1)\n"
            "      --json          one JSON object per trace (and caller count) on stdout\n"
            "                      instead of tables\n"
            "      --plot FILE     draw throughput and outcomes over the trace's time and\n"
            "                      latency percentiles per operation (.png or .svg; needs\n"
            "                      gnuplot); with no TRACE, FILE gets the scenario's name\n"
            "                      before its extension (one caller count only)\n"
            "  -q, --quiet         no progress line\n"
            "      --soak MINUTES  the soak (below) instead of the comparison\n"
            "  -h, --help          this text\n"
            "\n"
            "The sync sweep (three comparisons, at 2, 16 and 64 callers):\n"
            "  slotbook-replay --journal /var/tmp --durable sync --callers 2,16,64\n"
            "\n"
            "Exit status: 0 when every audit (and recovery) passed, 1 when one failed or\n"
            "a run could not be made, 2 for bad usage.\n",
            SYNC_RECORDS);
    fprintf(f,
            "\n"
            "The soak (--soak MINUTES): one engine, opened once, replays TRACE (default:\n"
            "the planner season) cycle after cycle until MINUTES have passed, in this\n"
            "process (no child), from --threads threads.  Each cycle replays the trace\n"
            "with the engine's clock moved on past the last cycle's end (so its holds\n"
            "run out), then runs sb_expire, cancels every person of the trace (holds,\n"
            "bookings and waiting places; redeemed bookings stay, as they do for good)\n"
            "and with --journal runs sb_checkpoint; the engine is audited after each\n"
            "replay.  The first cycle replays the whole trace; later cycles leave out\n"
            "its release records, so every cycle books the same places (capacity only\n"
            "grows) and the engine's state stays bounded.  The engine is opened with\n"
            "max_changes = 0 (the soak's own cancels would use up the lifetime limit of\n"
            "3) and room for %u cycles of family bookings (family records are never\n"
            "reused; later family bookings answer SB_NOMEM).  One line per cycle:\n"
            "calls, calls/s, the median and 99th percentile latency of a call, VmRSS;\n"
            "then the slopes, comparing the mean of the first third of the cycles after\n"
            "the first (warm-up) with the last third: flat means resident memory grew\n"
            "by at most %d%% + %d MiB and the median latency by at most %d%% (the\n"
            "median, not calls/s: calls/s move with whatever else runs on the machine).\n"
            "Exit status 1 when a slope is not flat, an audit failed or fewer than %d\n"
            "cycles ran after the first.\n"
            "  slotbook-replay --soak 30 --quiet\n",
            SOAK_FAMILY_CYCLES, SOAK_RSS_PERCENT, SOAK_RSS_MIB, SOAK_LATENCY_PERCENT,
            SOAK_MIN_CYCLES);
}

/* "2,16,64" into c->callers. */
static int
parse_callers(const char *arg, config *c)
{
    c->ncallers = 0;
    const char *p = arg;
    do {
        char *end;
        errno = 0;
        unsigned long n = strtoul(p, &end, 10);
        if (errno || end == p || *p == '-' || n < 1 || n > 1024 || (*end && *end != ',') ||
            (*end == ',' && !end[1]) || c->ncallers == MAX_CALLERS)
            return fprintf(stderr,
                           "slotbook-replay: callers is a list of at most %d counts of 1 to "
                           "1024, such as 2,16,64\n",
                           MAX_CALLERS),
                   -1;
        c->callers[c->ncallers++] = (unsigned)n;
        p = *end ? end + 1 : end;
    } while (*p);
    return 0;
}

/* A directory gets JOURNAL_NAME made in it; anything else is the file. */
static int
parse_journal(const char *arg, config *c)
{
    struct stat st;
    int n = stat(arg, &st) == 0 && S_ISDIR(st.st_mode)
                ? snprintf(c->journal, sizeof c->journal, "%s/%s", arg, JOURNAL_NAME)
                : snprintf(c->journal, sizeof c->journal, "%s", arg);
    if (n <= 0 || (size_t)n >= sizeof c->journal)
        return fprintf(stderr, "slotbook-replay: journal path too long\n"), -1;
    return 0;
}

static int
parse_option(int o, const char *arg, config *c)
{
    char *end;
    uint64_t v;
    errno = 0;
    switch (o) {
    case 't':
        if (parse_count(arg, 1, 1024, &v) != 0)
            return fprintf(stderr, "slotbook-replay: threads must be 1 to 1024\n"), -1;
        c->callers[0] = (unsigned)v;
        c->ncallers = 1;
        return 0;
    case 'c':
        return parse_callers(arg, c);
    case 'r':
        if (parse_count(arg, 1, MAX_ROUNDS, &v) != 0)
            return fprintf(stderr, "slotbook-replay: rounds must be 1 to %d\n", MAX_ROUNDS), -1;
        c->rounds = (unsigned)v;
        return 0;
    case 'e':
        c->slotbook = !strcmp(arg, "slotbook") || !strcmp(arg, "both");
        c->mutex = !strcmp(arg, "mutex") || !strcmp(arg, "both");
        c->engine_set = true;
        if (!c->slotbook && !c->mutex)
            return fprintf(stderr, "slotbook-replay: engine is slotbook, mutex or both\n"), -1;
        return 0;
    case 'J':
        return parse_journal(arg, c);
    case 'D':
        if (strcmp(arg, "sync") && strcmp(arg, "batch"))
            return fprintf(stderr, "slotbook-replay: durable is sync or batch\n"), -1;
        c->replay.durable = !strcmp(arg, "sync") ? SB_DURABLE_SYNC : SB_DURABLE_BATCH;
        return 0;
    case 'n':
        if (parse_count(arg, 0, SIZE_MAX, &v) != 0)
            return fprintf(stderr, "slotbook-replay: records must be a count\n"), -1;
        c->records = (size_t)v;
        c->records_set = true;
        return 0;
    case 'p':
        c->replay.pace = arg ? strtod(arg, &end) : 1.0;
        if (arg && (errno || *end || c->replay.pace <= 0))
            return fprintf(stderr, "slotbook-replay: pace must be a positive number\n"), -1;
        return 0;
    case 'j':
        c->json = true;
        return 0;
    case 'P':
        c->plot = arg;
        return 0;
    case 'q':
        c->replay.progress = false;
        return 0;
    case 'S':
        c->soak_minutes = strtod(arg, &end);
        if (errno || *end || !(c->soak_minutes > 0) || c->soak_minutes > 7 * 24 * 60)
            return fprintf(stderr, "slotbook-replay: soak is 0 to 10080 minutes\n"), -1;
        return 0;
    case 'h':
        usage(stdout);
        exit(0);
    default:
        usage(stderr);
        return -1;
    }
}

static int
parse(int argc, char **argv, config *c)
{
    static const struct option longs[] = {
        {"threads", required_argument, 0, 't'}, {"callers", required_argument, 0, 'c'},
        {"rounds", required_argument, 0, 'r'},  {"engine", required_argument, 0, 'e'},
        {"journal", required_argument, 0, 'J'}, {"durable", required_argument, 0, 'D'},
        {"records", required_argument, 0, 'n'}, {"pace", optional_argument, 0, 'p'},
        {"json", no_argument, 0, 'j'},          {"plot", required_argument, 0, 'P'},
        {"quiet", no_argument, 0, 'q'},         {"soak", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (config){.replay = {.progress = isatty(2)},
                  .rounds = 3,
                  .slotbook = true,
                  .mutex = true,
                  .callers = {cores > 0 ? (unsigned)cores : 1},
                  .ncallers = 1};
    int o;
    while ((o = getopt_long(argc, argv, "t:c:r:e:n:qh", longs, NULL)) != -1)
        if (parse_option(o, optarg, c) != 0)
            return -1;
    if (argc - optind > 1) {
        usage(stderr);
        return -1;
    }
    if (c->journal[0] && c->engine_set)
        return fprintf(stderr, "slotbook-replay: --journal compares slotbook with itself in "
                               "memory; leave out --engine\n"),
               -1;
    if (c->journal[0] && !c->records_set && c->replay.durable == SB_DURABLE_SYNC)
        c->records = SYNC_RECORDS;
    if (c->plot && c->ncallers > 1)
        return fprintf(stderr, "slotbook-replay: --plot draws one caller count\n"), -1;
    c->trace = optind < argc ? argv[optind] : NULL;
    return 0;
}

/* ---- figures ---------------------------------------------------------------- */

static double
rate(const sb_replay_result *r)
{
    return r->seconds > 0 ? (double)r->calls / r->seconds : 0;
}

static int
by_rate(const void *a, const void *b)
{
    double x = rate(*(sb_replay_result *const *)a), y = rate(*(sb_replay_result *const *)b);
    return (x > y) - (x < y);
}

/* The run with the median throughput (runs sorted by rate). */
static const sb_replay_result *
median(engine_runs *e)
{
    qsort(e->runs, e->n, sizeof e->runs[0], by_rate);
    return e->runs[e->n / 2];
}

static sb_hist *
all_latency(const engine_runs *e, int op)
{
    static sb_hist h;
    sb_hist_init(&h);
    for (unsigned i = 0; i < e->n; i++)
        sb_hist_merge(&h, op < 0 ? &e->runs[i]->all : &e->runs[i]->latency[op]);
    return &h;
}

static void
human_rate(char *out, size_t n, double v)
{
    snprintf(out, n, v >= 1e6 ? "%.2f M/s" : "%.1f k/s", v >= 1e6 ? v / 1e6 : v / 1e3);
}

static void
print_tables(const sb_trace *t, const config *c, engine_runs *e, unsigned ne)
{
    const sb_replay_result *m[2] = {NULL, NULL};
    for (unsigned i = 0; i < ne; i++)
        m[i] = median(&e[i]);
    printf("\n%s (seed %llu): %zu records, %llu people, %u %s, %u rounds each\n", t->shape.scenario,
           (unsigned long long)t->shape.seed, t->count, (unsigned long long)m[0]->people,
           c->replay.threads, c->journal[0] ? "callers" : "threads", c->rounds);
    printf("  %-22s", "");
    for (unsigned i = 0; i < ne; i++)
        printf("%16s", e[i].name);
    if (ne == 2)
        printf("%12s", "ratio");
    printf("\n  %-22s", "calls/s (median)");
    for (unsigned i = 0; i < ne; i++) {
        char buf[32];
        human_rate(buf, sizeof buf, rate(m[i]));
        printf("%16s", buf);
    }
    if (ne == 2)
        printf("%11.2fx", rate(m[0]) / (rate(m[1]) > 0 ? rate(m[1]) : 1));
    static const struct {
        const char *name;
        double q;
    } qs[] = {{"p50 latency", 0.5},
              {"p99 latency", 0.99},
              {"p99.9 latency", 0.999},
              {"max latency", 1.0}};
    for (unsigned k = 0; k < 4; k++) {
        printf("\n  %-22s", qs[k].name);
        uint64_t v[2];
        for (unsigned i = 0; i < ne; i++) {
            v[i] = sb_hist_quantile(all_latency(&e[i], -1), qs[k].q);
            printf("%13llu ns", (unsigned long long)v[i]);
        }
        if (ne == 2)
            printf("%11.2fx", v[1] ? (double)v[0] / (double)v[1] : 0.0);
    }
    printf("\n  %-22s", "memory (engine)");
    for (unsigned i = 0; i < ne; i++)
        printf("%13.1f MB", (double)m[i]->rss_bytes / 1048576.0);
    printf("\n  %-22s", "bytes per person");
    for (unsigned i = 0; i < ne; i++)
        printf("%16.1f", m[i]->people ? (double)m[i]->rss_bytes / (double)m[i]->people : 0.0);
    printf("\n  %-22s", "invariant audit");
    for (unsigned i = 0; i < ne; i++) {
        bool ok = true;
        for (unsigned r = 0; r < e[i].n; r++)
            ok = ok && e[i].runs[r]->audit == SB_OK;
        printf("%16s", ok ? "OK" : "FAILED");
    }
    printf("\n  %-22s", "peak resident (process)");
    for (unsigned i = 0; i < ne; i++)
        printf("%13.1f MB", (double)m[i]->peak_rss_bytes / 1048576.0);
    char title[64];
    snprintf(title, sizeof title, "outcomes (%s, median run)", e[0].name);
    printf("\n\n  %-10s %10s %9s %6s  %-48s %s\n", "operation", "calls", "calls/s", "time", title,
           "p50/p99/p99.9/max ns");
    uint64_t busy = m[0]->all.sum ? m[0]->all.sum : 1;
    for (unsigned op = 1; op < TOP_COUNT; op++) {
        if (!m[0]->op_calls[op])
            continue;
        char out[256] = "";
        size_t used = 0;
        for (unsigned s = 0; s < SB_STATUS_COUNT && used < sizeof out; s++)
            if (m[0]->outcomes[op][s])
                used += (size_t)snprintf(out + used, sizeof out - used, "%s%s %llu",
                                         used ? ", " : "", sb_status_name((sb_status)s) + 3,
                                         (unsigned long long)m[0]->outcomes[op][s]);
        const sb_hist *h = all_latency(&e[0], (int)op);
        char per[32];
        human_rate(per, sizeof per,
                   m[0]->seconds > 0 ? (double)m[0]->op_calls[op] / m[0]->seconds : 0);
        printf("  %-10s %10llu %9s %5.1f%%  %-48s %llu/%llu/%llu/%llu\n", sb_trace_op_name(op),
               (unsigned long long)m[0]->op_calls[op], per,
               100.0 * (double)m[0]->latency[op].sum / (double)busy, out,
               (unsigned long long)sb_hist_quantile(h, 0.5),
               (unsigned long long)sb_hist_quantile(h, 0.99),
               (unsigned long long)sb_hist_quantile(h, 0.999),
               (unsigned long long)sb_hist_quantile(h, 1.0));
    }
    if (m[0]->skipped)
        printf("  (%llu verifies/redeems skipped: the person held no code to show)\n",
               (unsigned long long)m[0]->skipped);
    if (m[0]->members)
        printf("  (%llu member records replayed in their families' book_group calls)\n",
               (unsigned long long)m[0]->members);
    for (unsigned i = 0; i < ne; i++)
        for (unsigned r = 0; r < e[i].n; r++)
            if (e[i].runs[r]->audit != SB_OK)
                printf("  AUDIT FAILED (%s, round %u): %s\n", e[i].name, r + 1,
                       e[i].runs[r]->audit_msg);
}

/* ---- the journal's figures --------------------------------------------------- */

/* Whether a journalled round's recovery brought back what the round left:
 * every record written, every booking, redemption and released place, in
 * an engine that passes its audit.  Holds are never journalled, so none
 * comes back.  sb_close appends a statistics record that sb_journal_read
 * counts in recovered but not in records, hence one more may come back.
 * Else false, with a sentence in why. */
static bool
recovered_all(const sb_replay_result *r, char *why, size_t n)
{
    const sb_audit_report *a = &r->report, *b = &r->recovered_report;
    if (r->reopen != SB_OK)
        snprintf(why, n, "reopening answered %s: %s", sb_status_name(r->reopen), r->recovery_msg);
    else if (r->recovered_audit != SB_OK)
        snprintf(why, n, "the recovered engine fails its audit: %s", r->recovery_msg);
    else if (r->recovery.recovered < r->journal.records ||
             r->recovery.recovered > r->journal.records + 1)
        snprintf(why, n, "%llu records recovered of %llu written",
                 (unsigned long long)r->recovery.recovered, (unsigned long long)r->journal.records);
    else if (b->booked != a->booked || b->redeemed != a->redeemed || b->capacity != a->capacity ||
             b->held != 0)
        snprintf(why, n,
                 "recovered %llu booked, %llu redeemed, %llu places, %llu holds; the run left "
                 "%llu, %llu, %llu",
                 (unsigned long long)b->booked, (unsigned long long)b->redeemed,
                 (unsigned long long)b->capacity, (unsigned long long)b->held,
                 (unsigned long long)a->booked, (unsigned long long)a->redeemed,
                 (unsigned long long)a->capacity);
    else
        return true;
    return false;
}

/* Whether every journalled round recovered all it left. */
static bool
all_recovered(const config *c, const engine_runs *e)
{
    char why[512];
    for (unsigned r = 0; c->journal[0] && r < e[0].n; r++)
        if (!recovered_all(e[0].runs[r], why, sizeof why))
            return false;
    return true;
}

static double
per_flush(const sb_journal_info *j)
{
    return j->flushes ? (double)j->records / (double)j->flushes : 0.0;
}

static double
recover_rate(const sb_replay_result *r)
{
    return r->recovery.recover_ns
               ? (double)r->recovery.recovered * 1e9 / (double)r->recovery.recover_ns
               : 0.0;
}

/* The journal block of the tables (e[0] journalled, e[1] in memory), then
 * one line of key=value figures for scripts. */
static void
print_journal(const sb_trace *t, const config *c, engine_runs *e)
{
    const sb_replay_result *j = median(&e[0]), *m = median(&e[1]);
    const sb_journal_info *ji = &j->journal;
    printf("\n  journal (%s, median run)  %s\n", e[0].name, c->journal);
    printf("    records written        %llu in %llu flushes: %.2f records per flush, %.1f MB\n",
           (unsigned long long)ji->records, (unsigned long long)ji->flushes, per_flush(ji),
           (double)ji->bytes / 1048576.0);
    printf("    recovery               %llu records in %.2f ms: %.2f M records/s (sb_open %.2f "
           "ms)\n",
           (unsigned long long)j->recovery.recovered, (double)j->recovery.recover_ns / 1e6,
           recover_rate(j) / 1e6, (double)j->reopen_ns / 1e6);
    printf("    recovered state        %llu booked, %llu redeemed, %llu places\n",
           (unsigned long long)j->recovered_report.booked,
           (unsigned long long)j->recovered_report.redeemed,
           (unsigned long long)j->recovered_report.capacity);
    for (unsigned r = 0; r < e[0].n; r++) {
        char why[512];
        if (!recovered_all(e[0].runs[r], why, sizeof why))
            printf("  RECOVERY FAILED (round %u): %s\n", r + 1, why);
    }
    const sb_hist *h = all_latency(&e[0], -1);
    uint64_t p50 = sb_hist_quantile(h, 0.5), p99 = sb_hist_quantile(h, 0.99),
             p999 = sb_hist_quantile(h, 0.999);
    printf("journal scenario=%s durable=%s callers=%u records=%zu calls_per_s=%.0f "
           "in_memory_calls_per_s=%.0f ratio=%.4f p50_ns=%llu p99_ns=%llu p999_ns=%llu "
           "journal_records=%llu flushes=%llu records_per_flush=%.2f recovered=%llu "
           "recover_ns=%llu recover_records_per_s=%.0f recovery=%s\n",
           t->shape.scenario, e[0].name, c->replay.threads, t->count, rate(j), rate(m),
           rate(m) > 0 ? rate(j) / rate(m) : 0.0, (unsigned long long)p50, (unsigned long long)p99,
           (unsigned long long)p999, (unsigned long long)ji->records,
           (unsigned long long)ji->flushes, per_flush(ji),
           (unsigned long long)j->recovery.recovered, (unsigned long long)j->recovery.recover_ns,
           recover_rate(j), all_recovered(c, e) ? "ok" : "FAILED");
}

static void
print_json(const sb_trace *t, const config *c, engine_runs *e, unsigned ne)
{
    printf("{\"scenario\":\"%s\",\"seed\":%llu,\"records\":%zu,\"threads\":%u,\"rounds\":%u,"
           "\"engines\":[",
           t->shape.scenario, (unsigned long long)t->shape.seed, t->count, c->replay.threads,
           c->rounds);
    double med[2] = {0, 0};
    uint64_t p999[2] = {0, 0};
    for (unsigned i = 0; i < ne; i++) {
        const sb_replay_result *m = median(&e[i]);
        const sb_hist *h = all_latency(&e[i], -1);
        med[i] = rate(m);
        p999[i] = sb_hist_quantile(h, 0.999);
        printf("%s{\"name\":\"%s\",\"calls_per_s\":%.0f,\"rounds_calls_per_s\":[", i ? "," : "",
               e[i].name, med[i]);
        for (unsigned r = 0; r < e[i].n; r++)
            printf("%s%.0f", r ? "," : "", rate(e[i].runs[r]));
        printf("],\"p50_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,\"max_ns\":%llu,",
               (unsigned long long)sb_hist_quantile(h, 0.5),
               (unsigned long long)sb_hist_quantile(h, 0.99), (unsigned long long)p999[i],
               (unsigned long long)sb_hist_quantile(h, 1.0));
        printf("\"rss_bytes\":%llu,\"peak_rss_bytes\":%llu,\"people\":%llu,\"audit\":\"%s\","
               "\"skipped\":%llu,\"members\":%llu,\"ops\":{",
               (unsigned long long)m->rss_bytes, (unsigned long long)m->peak_rss_bytes,
               (unsigned long long)m->people, sb_status_name(m->audit),
               (unsigned long long)m->skipped, (unsigned long long)m->members);
        bool first = true;
        for (unsigned op = 1; op < TOP_COUNT; op++) {
            if (!m->op_calls[op])
                continue;
            const sb_hist *oh = all_latency(&e[i], (int)op);
            printf("%s\"%s\":{\"calls\":%llu,\"time_share\":%.4f,\"p50_ns\":%llu,\"p99_ns\":%llu,"
                   "\"p999_ns\":%llu,\"max_ns\":%llu,\"outcomes\":{",
                   first ? "" : ",", sb_trace_op_name(op), (unsigned long long)m->op_calls[op],
                   (double)m->latency[op].sum / (double)(m->all.sum ? m->all.sum : 1),
                   (unsigned long long)sb_hist_quantile(oh, 0.5),
                   (unsigned long long)sb_hist_quantile(oh, 0.99),
                   (unsigned long long)sb_hist_quantile(oh, 0.999),
                   (unsigned long long)sb_hist_quantile(oh, 1.0));
            bool f2 = true;
            for (unsigned s = 0; s < SB_STATUS_COUNT; s++)
                if (m->outcomes[op][s]) {
                    printf("%s\"%s\":%llu", f2 ? "" : ",", sb_status_name((sb_status)s),
                           (unsigned long long)m->outcomes[op][s]);
                    f2 = false;
                }
            printf("}}");
            first = false;
        }
        printf("}}");
    }
    printf("]");
    if (ne == 2)
        printf(",\"ratio\":{\"throughput\":%.3f,\"p999\":%.3f}", med[1] > 0 ? med[0] / med[1] : 0,
               p999[1] ? (double)p999[0] / (double)p999[1] : 0);
    if (c->journal[0]) {
        const sb_replay_result *j = median(&e[0]);
        printf(",\"journal\":{\"durable\":\"%s\",\"records\":%llu,\"flushes\":%llu,"
               "\"records_per_flush\":%.2f,\"bytes\":%llu,\"recovered\":%llu,\"recover_ns\":%llu,"
               "\"recover_records_per_s\":%.0f,\"reopen_ns\":%llu,\"recovery\":\"%s\"}",
               e[0].name, (unsigned long long)j->journal.records,
               (unsigned long long)j->journal.flushes, per_flush(&j->journal),
               (unsigned long long)j->journal.bytes, (unsigned long long)j->recovery.recovered,
               (unsigned long long)j->recovery.recover_ns, recover_rate(j),
               (unsigned long long)j->reopen_ns, all_recovered(c, e) ? "ok" : "FAILED");
    }
    printf("}\n");
}

/* ---- plot ------------------------------------------------------------------- */

static int
plot(const char *path, const sb_trace *t, const config *c, engine_runs *e, unsigned ne)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "slotbook-replay: --plot needs gnuplot (Debian: apt-get install "
                        "gnuplot-nox); no plot drawn\n");
        return -1;
    }
    const char *ext = strrchr(path, '.');
    bool svg = ext && !strcmp(ext, ".svg");
    char data[] = "/tmp/slotbook-plot-XXXXXX";
    int fd = mkstemp(data);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        return fprintf(stderr, "slotbook-replay: cannot write plot data\n"), -1;
    const sb_replay_result *m = median(&e[0]);
    uint64_t span = t->count ? t->recs[t->count - 1].t_ms : 0;
    double unit_ms = span < 180000 ? 1000.0 : span < 10800000 ? 60000.0 : 86400000.0;
    const char *unit = unit_ms == 1000.0 ? "seconds" : unit_ms == 60000.0 ? "minutes" : "days";
    for (unsigned b = 0; b < SB_REPLAY_BUCKETS; b++) {
        const sb_replay_bucket *k = &m->timeline[b];
        double secs = (double)k->busy_ns / 1e9 / c->replay.threads;
        fprintf(f, "%.3f %.0f %llu %llu %llu %llu\n",
                (double)span * (b + 0.5) / SB_REPLAY_BUCKETS / unit_ms,
                secs > 0 ? (double)k->calls / secs : 0, (unsigned long long)k->ok,
                (unsigned long long)k->full, (unsigned long long)k->duplicate,
                (unsigned long long)k->other);
    }
    fprintf(f, "\n\n");
    for (unsigned op = 1; op < TOP_COUNT; op++) {
        if (!m->op_calls[op])
            continue;
        fprintf(f, "%s", sb_trace_op_name(op));
        for (unsigned i = 0; i < ne; i++) {
            const sb_hist *h = all_latency(&e[i], (int)op);
            fprintf(f, " %llu %llu", (unsigned long long)sb_hist_quantile(h, 0.99),
                    (unsigned long long)sb_hist_quantile(h, 0.999));
        }
        fprintf(f, "\n");
    }
    fclose(f);
    char second[256] = "";
    if (ne == 2)
        snprintf(second, sizeof second,
                 ", '' index 1 using 4 title '%s p99', '' index 1 using 5 title '%s p99.9'",
                 e[1].name, e[1].name);
    char script[4096];
    snprintf(script, sizeof script,
             "set terminal %s size 1100,900 noenhanced\nset output '%s'\n"
             "set multiplot layout 3,1 title "
             "'%s: %zu records, %u threads'\n"
             "set xlabel 'trace time (%s)'\nset ylabel 'calls/s (%s, while busy)'\nset grid\n"
             "plot '%s' index 0 using 1:2 with lines lw 2 title 'throughput'\n"
             "set ylabel 'calls'\nplot '%s' index 0 using 1:3 with lines title 'ok', '' index 0 "
             "using 1:4 with lines title 'full', '' index 0 using 1:5 with lines title "
             "'duplicate', '' index 0 using 1:6 with lines title 'other'\n"
             "set xlabel ''\nset ylabel 'ns'\nset logscale y\nset style data histograms\nset "
             "style fill solid 0.8\nset xtics rotate by -30\nset key outside right top\n"
             "plot '%s' index 1 using 2:xtic(1) title '%s p99', '' index 1 using 3 title "
             "'%s p99.9'%s\nunset multiplot\n",
             svg ? "svg" : "pngcairo", path, t->shape.scenario, t->count, c->replay.threads, unit,
             e[0].name, data, data, data, e[0].name, e[0].name, second);
    FILE *g = popen("gnuplot", "w");
    int rc = -1;
    if (g) {
        fputs(script, g);
        rc = pclose(g) == 0 ? 0 : -1;
    }
    unlink(data);
    if (rc != 0)
        fprintf(stderr, "slotbook-replay: gnuplot failed to draw %s\n", path);
    else if (!c->json)
        printf("  plot: %s\n", path);
    return rc;
}

/* ---- the soak --------------------------------------------------------------- */

typedef struct soak_cycle {
    double seconds, rate;    /* the replay's wall time and calls/s */
    uint64_t p50_ns, p99_ns; /* latency of all calls; p50 is the verdict's */
    uint64_t calls, rss_bytes, ok, full, nomem;
    sb_status audit;
} soak_cycle;

/* The lifetime limits a soak would use up (see usage). */
static void
soak_overrides(sb_options *o)
{
    uint64_t families = (uint64_t)o->max_families * SOAK_FAMILY_CYCLES;
    o->max_families = families > (UINT32_C(1) << 24) ? UINT32_C(1) << 24 : (uint32_t)families;
    o->max_changes = 0;
}

/* t less its release records, in *out (records malloc'd). */
static int
without_releases(const sb_trace *t, sb_trace *out)
{
    *out = *t;
    out->count = 0;
    out->recs = malloc((t->count ? t->count : 1) * sizeof *out->recs);
    if (!out->recs)
        return -1;
    for (size_t i = 0; i < t->count; i++)
        if (t->recs[i].op != TOP_RELEASE)
            out->recs[out->count++] = t->recs[i];
    return 0;
}

/* Between cycles: the clock past the last cycle's holds, sb_expire, every
 * person of the trace cancelled (answers other than SB_OK, SB_NOT_FOUND and
 * SB_USED are counted in *odd), a checkpoint with a journal. */
static sb_status
soak_reset(sb_replay_engine *x, const sb_trace *t, uint64_t *odd)
{
    uint64_t span = t->count ? t->recs[t->count - 1].t_ms : 0;
    x->clock_base_ms += span + (uint64_t)x->opts.hold_ms + 86400000u;
    x->d->expire(x->h);
    for (size_t i = 0; i < t->count; i++) {
        if (t->recs[i].bsn == 0)
            continue;
        sb_status st = x->d->cancel(x->h, t->recs[i].bsn);
        *odd += st != SB_OK && st != SB_NOT_FOUND && st != SB_USED;
    }
    x->d->expire(x->h);
    return x->opts.journal ? sb_checkpoint(x->h) : SB_OK;
}

static soak_cycle
soak_figures(const sb_replay_result *r)
{
    soak_cycle k = {.seconds = r->seconds,
                    .calls = r->calls,
                    .audit = r->audit,
                    .rss_bytes = sb_replay_rss_bytes()};
    k.rate = r->seconds > 0 ? (double)r->calls / r->seconds : 0;
    k.p50_ns = sb_hist_quantile(&r->all, 0.5);
    k.p99_ns = sb_hist_quantile(&r->all, 0.99);
    for (unsigned op = 0; op < TOP_COUNT; op++) {
        k.ok += r->outcomes[op][SB_OK];
        k.full += r->outcomes[op][SB_FULL];
        k.nomem += r->outcomes[op][SB_NOMEM];
    }
    return k;
}

/* Mean of rss (what = 0) or p50_ns (1) over cycles [from, to). */
static double
soak_mean(const soak_cycle *k, size_t from, size_t to, int what)
{
    double sum = 0;
    for (size_t i = from; i < to; i++)
        sum += what ? (double)k[i].p50_ns : (double)k[i].rss_bytes;
    return to > from ? sum / (double)(to - from) : 0;
}

/* The slopes over cycles 1 .. n-1 (cycle 0 is the warm-up); 0 when flat. */
static int
soak_verdict(const soak_cycle *k, size_t n)
{
    if (n < 1 + SOAK_MIN_CYCLES) {
        printf("soak verdict=too_short cycles=%zu (at least %d after the first)\n", n,
               SOAK_MIN_CYCLES);
        return 1;
    }
    size_t third = (n - 1) / 3, lo = 1, hi = n - third;
    double rss0 = soak_mean(k, lo, lo + third, 0), rss1 = soak_mean(k, hi, n, 0);
    double lat0 = soak_mean(k, lo, lo + third, 1), lat1 = soak_mean(k, hi, n, 1);
    double rss_limit = rss0 * (1 + SOAK_RSS_PERCENT / 100.0) + SOAK_RSS_MIB * 1048576.0;
    bool rss_flat = rss1 <= rss_limit;
    bool latency_flat = lat1 <= lat0 * (1 + SOAK_LATENCY_PERCENT / 100.0);
    printf("soak cycles=%zu third=%zu rss_first_mib=%.1f rss_last_mib=%.1f rss_change_pct=%+.2f "
           "p50_ns_first=%.0f p50_ns_last=%.0f p50_change_pct=%+.2f rss=%s latency=%s\n",
           n, third, rss0 / 1048576, rss1 / 1048576, rss0 > 0 ? (rss1 / rss0 - 1) * 100 : 0, lat0,
           lat1, lat0 > 0 ? (lat1 / lat0 - 1) * 100 : 0, rss_flat ? "flat" : "growing",
           latency_flat ? "flat" : "rising");
    return rss_flat && latency_flat ? 0 : 1;
}

/* One engine, cycle after cycle for c->soak_minutes (see usage). */
static int
soak(const sb_trace *t, const config *c)
{
    sb_replay_opts o = c->replay;
    o.threads = c->callers[0];
    o.journal = c->journal[0] ? c->journal : NULL;
    o.progress = false;
    sb_trace later;
    soak_cycle *k = calloc(SOAK_MAX_CYCLES, sizeof *k);
    sb_replay_result *r = malloc(sizeof *r);
    sb_replay_engine x;
    char err[512];
    if (!k || !r || without_releases(t, &later) != 0) {
        free(k);
        free(r);
        return fprintf(stderr, "slotbook-replay: out of memory\n"), 1;
    }
    int rc = 0;
    size_t n = 0;
    uint64_t odd = 0, nomem[TOP_COUNT] = {0};
    if (sb_replay_engine_open(&x, t, &sb_driver_slotbook, &o, soak_overrides, err, sizeof err))
        rc = fprintf(stderr, "slotbook-replay: %s\n", err) > 0;
    printf("soak: %s (%zu records, %zu without releases), %u threads, %.1f minutes%s\n",
           t->shape.scenario, t->count, later.count, o.threads, c->soak_minutes,
           o.journal ? ", journal with a checkpoint per cycle" : "");
    printf("%6s %9s %11s %12s %7s %7s %9s %9s %9s %7s %8s\n", "cycle", "seconds", "calls",
           "calls/s", "p50_ns", "p99_ns", "rss_mib", "ok", "full", "nomem", "audit");
    double end = mono_s() + c->soak_minutes * 60;
    while (rc == 0 && n < SOAK_MAX_CYCLES && (n == 0 || mono_s() < end)) {
        if (sb_replay_cycle(&x, n == 0 ? t : &later, &o, r, err, sizeof err) != 0) {
            rc = fprintf(stderr, "slotbook-replay: %s\n", err) > 0;
            break;
        }
        sb_status st = soak_reset(&x, t, &odd);
        k[n] = soak_figures(r);
        for (unsigned op = 0; op < TOP_COUNT; op++)
            nomem[op] += r->outcomes[op][SB_NOMEM];
        printf("%6zu %9.3f %11" PRIu64 " %12.0f %7" PRIu64 " %7" PRIu64 " %9.1f %9" PRIu64
               " %9" PRIu64 " %7" PRIu64 " %8s\n",
               n, k[n].seconds, k[n].calls, k[n].rate, k[n].p50_ns, k[n].p99_ns,
               (double)k[n].rss_bytes / 1048576, k[n].ok, k[n].full, k[n].nomem,
               sb_status_name(k[n].audit));
        fflush(stdout);
        if (k[n].audit != SB_OK)
            rc = fprintf(stderr, "slotbook-replay: cycle %zu: audit: %s\n", n, r->audit_msg) > 0;
        if (st != SB_OK)
            rc = fprintf(stderr, "slotbook-replay: sb_checkpoint: %s\n", sb_last_error()) > 0;
        n++;
    }
    if (odd)
        rc = fprintf(stderr,
                     "slotbook-replay: %" PRIu64 " cancels between cycles answered "
                     "neither SB_OK, SB_NOT_FOUND nor SB_USED\n",
                     odd) > 0;
    printf("soak nomem");
    for (unsigned op = 0; op < TOP_COUNT; op++)
        if (nomem[op])
            printf(" %s=%" PRIu64, sb_trace_op_name(op), nomem[op]);
    printf("\n");
    if (rc == 0)
        rc = soak_verdict(k, n);
    sb_replay_engine_close(&x);
    free(later.recs);
    free(k);
    free(r);
    return rc;
}

/* ---- main ------------------------------------------------------------------- */

/* One run in a child process, so that each engine starts from a fresh
 * allocator and its resident memory is its own: the child replays, writes
 * the result to a pipe and exits.  (Forked before any thread starts.) */
static int
run_isolated(const sb_trace *t, const engine_runs *x, sb_replay_result *res, char *err,
             size_t err_size)
{
    int fd[2];
    if (pipe(fd) != 0)
        return snprintf(err, err_size, "pipe: %s", strerror(errno)), -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return snprintf(err, err_size, "fork: %s", strerror(errno)), -1;
    if (pid == 0) {
        close(fd[0]);
        int rc = sb_replay_run(t, x->d, &x->o, res, err, err_size);
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            res->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
        if (rc != 0)
            fprintf(stderr, "slotbook-replay: %s\n", err);
        const char *p = (const char *)res;
        for (size_t left = sizeof *res; rc == 0 && left > 0;) {
            ssize_t w = write(fd[1], p, left);
            if (w <= 0)
                _exit(1);
            p += w;
            left -= (size_t)w;
        }
        _exit(rc == 0 ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    while (got < sizeof *res) {
        ssize_t r = read(fd[0], (char *)res + got, sizeof *res - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof *res || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return snprintf(err, err_size, "the %s run failed (see above)", x->name), -1;
    return 0;
}

/* The engines a comparison runs: slotbook and the baseline, or slotbook
 * with its journal and slotbook in memory (the ratio is always e[0] /
 * e[1]).  Returns how many. */
static unsigned
engines(const config *c, engine_runs e[2])
{
    unsigned ne = 0;
    if (c->journal[0]) {
        e[ne] = (engine_runs){.d = &sb_driver_slotbook,
                              .name = c->replay.durable == SB_DURABLE_SYNC ? "sync" : "batch",
                              .o = c->replay};
        e[ne++].o.journal = c->journal;
        e[ne++] = (engine_runs){.d = &sb_driver_slotbook, .name = "in-memory", .o = c->replay};
        return ne;
    }
    if (c->slotbook)
        e[ne++] = (engine_runs){.d = &sb_driver_slotbook, .name = "slotbook", .o = c->replay};
    if (c->mutex)
        e[ne++] = (engine_runs){.d = &sb_driver_mutex, .name = "mutex", .o = c->replay};
    return ne;
}

static int
replay_trace(const sb_trace *t, const config *c, const char *plot_path)
{
    engine_runs e[2];
    unsigned ne = engines(c, e);
    int rc = 0;
    bool broken = false;
    char err[256];
    for (unsigned r = 0; r < c->rounds && !broken; r++) {
        for (unsigned k = 0; k < ne && !broken; k++) {
            engine_runs *x = &e[(r + k) % ne]; /* alternate who goes first */
            sb_replay_result *res = malloc(sizeof *res);
            if (!res || run_isolated(t, x, res, err, sizeof err) != 0) {
                fprintf(stderr, "slotbook-replay: %s\n", res ? err : "out of memory");
                free(res);
                broken = true;
                break;
            }
            x->runs[x->n++] = res;
            if (res->audit != SB_OK)
                rc = 1;
        }
    }
    if (broken) {
        rc = 1;
    } else {
        if (!all_recovered(c, e))
            rc = 1;
        if (c->json)
            print_json(t, c, e, ne);
        else
            print_tables(t, c, e, ne);
        if (c->journal[0] && !c->json)
            print_journal(t, c, e);
        if (plot_path)
            plot(plot_path, t, c, e, ne); /* a missing plot is reported, not fatal */
    }
    for (unsigned i = 0; i < ne; i++)
        for (unsigned r = 0; r < e[i].n; r++)
            free(e[i].runs[r]);
    return rc;
}

/* FILE.png -> FILE-surge.png */
static void
plot_name(char *out, size_t n, const char *path, const char *scenario)
{
    const char *dot = strrchr(path, '.');
    int base = dot ? (int)(dot - path) : (int)strlen(path);
    snprintf(out, n, "%.*s-%s%s", base, path, scenario, dot ? dot : "");
}

/* Keeps the first n records of t (0: all), less the start of a family cut
 * off from its members. */
static void
trace_cut(sb_trace *t, size_t n)
{
    if (n == 0 || n >= t->count)
        return;
    while (n > 0 && t->recs[n].op == TOP_MEMBER)
        n--;
    if (n > 0 && t->recs[n - 1].op == TOP_BOOK_GROUP && t->recs[n - 1].arg > 1)
        n--; /* recs[n] was its first member */
    t->count = n;
}

/* Cuts t to --records, then one comparison per caller count. */
static int
replay_sweep(sb_trace *t, const config *c, const char *plot_path)
{
    trace_cut(t, c->records);
    int rc = 0;
    for (unsigned i = 0; i < c->ncallers; i++) {
        config one = *c;
        one.replay.threads = c->callers[i];
        rc |= replay_trace(t, &one, plot_path);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    config c;
    if (parse(argc, argv, &c) != 0)
        return 2;
    char err[512];
    if (c.trace) {
        sb_trace t;
        if (sb_trace_read(c.trace, &t, err, sizeof err) != 0) {
            fprintf(stderr, "slotbook-replay: %s\n", err);
            return 1;
        }
        int rc;
        if (c.soak_minutes > 0) {
            trace_cut(&t, c.records);
            rc = soak(&t, &c);
        } else {
            rc = replay_sweep(&t, &c, c.plot);
        }
        sb_trace_free(&t);
        return rc;
    }
    if (c.soak_minutes > 0) {
        sb_scenario_params p = {.seed = 1};
        sb_trace t;
        if (sb_scenario_generate("planner", &p, &t, err, sizeof err) != 0) {
            fprintf(stderr, "slotbook-replay: %s\n", err);
            return 1;
        }
        trace_cut(&t, c.records);
        int rc = soak(&t, &c);
        sb_trace_free(&t);
        return rc;
    }
    if (!c.json && c.journal[0])
        printf("slotbook main job: the surge and planner scenarios, replayed against slotbook "
               "with its journal (%s) and in memory\n",
               c.replay.durable == SB_DURABLE_SYNC ? "sync" : "batch");
    else if (!c.json)
        printf("slotbook main job: the surge and planner scenarios, replayed against slotbook "
               "and the mutex baseline\n");
    int rc = 0;
    static const char *const jobs[] = {"surge", "planner"};
    for (unsigned j = 0; j < 2; j++) {
        sb_scenario_params p = {.seed = 1};
        sb_trace t;
        if (sb_scenario_generate(jobs[j], &p, &t, err, sizeof err) != 0) {
            fprintf(stderr, "slotbook-replay: %s\n", err);
            return 1;
        }
        char path[1024];
        if (c.plot)
            plot_name(path, sizeof path, c.plot, jobs[j]);
        rc |= replay_sweep(&t, &c, c.plot ? path : NULL);
        sb_trace_free(&t);
    }
    return rc;
}
