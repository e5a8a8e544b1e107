/*
 * slotbook-book: the booking that bench/pg_compare.sh measures on
 * PostgreSQL, made on slotbook.  N callers (threads, each making one call at
 * a time and blocking in it, as a server's threads do) book random people
 * into random slots for S seconds, one sb_book each, on an engine with a
 * journal; then it prints bookings per second, latency percentiles and the
 * journal's records per flush.  The PostgreSQL side makes the same booking
 * as one transaction (UPDATE the slot's taken count under its capacity,
 * INSERT the booking under its unique BSN, COMMIT) from as many clients,
 * over as many slots of as many places.
 *
 * A trace replay (slotbook-replay --journal) would do the same bookings,
 * but it runs for as long as its trace, replays its releases one at a time
 * (each waiting for its own flush in sync mode) and times them with the
 * bookings; this tool runs for a set time, makes the releases from every
 * caller before the clock starts and times only the bookings, as pgbench
 * -T does.
 *
 * Prints one line:
 *   book durable=sync callers=64 slots=N places=N seconds=S bookings=N
 *   bookings_per_s=X full=N duplicate=N p50_ns=N p99_ns=N p999_ns=N
 *   max_ns=N records=N flushes=N records_per_flush=X
 * (records and flushes count the timed bookings only), and with a journal
 * a second line, after reopening the engine from it:
 *   recover records=N bytes=N recover_ns=N recover_records_per_s=X open_ns=N
 * Exit status 0, 1 when the engine fails (open, a release, the journal,
 * the recovery), 2 for bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slotbook.h>

#include "cli.h"
#include "hist.h"
#include "splitmix.h"

#define WINDOWS 100     /* windows per day: slot s is day s / 100, window s % 100 */
#define FIRST_DAY 20000 /* 2024-10-04; any day will do */

typedef struct config {
    char journal[4096]; /* "" = in memory */
    uint8_t durable;
    unsigned callers;
    double seconds;
    uint32_t slots, places, people;
} config;

typedef struct shared {
    const config *c;
    sb_engine *e;
    pthread_barrier_t released, go;
    _Atomic uint64_t deadline_ns;
    _Atomic bool failed;
} shared;

typedef struct caller {
    shared *sh;
    unsigned id;
    uint64_t ok, full, duplicate, nomem, other;
    sb_status first_other;
    sb_hist latency;
} caller;

static sb_slot
slot_of(uint32_t s)
{
    return (sb_slot){.location = 0,
                     .day = FIRST_DAY + (int32_t)(s / WINDOWS),
                     .window = (uint16_t)(s % WINDOWS)};
}

/* A random BSN that passes the 11-check (one number in eleven does). */
static uint32_t
random_bsn(rng *r)
{
    for (;;) {
        uint32_t bsn = (uint32_t)rbelow(r, 999999999u) + 1u;
        if (sb_bsn_valid(bsn))
            return bsn;
    }
}

static void
tally(caller *k, sb_status st)
{
    if (st == SB_OK)
        k->ok++;
    else if (st == SB_FULL)
        k->full++;
    else if (st == SB_DUPLICATE)
        k->duplicate++;
    else if (st == SB_NOMEM)
        k->nomem++;
    else if (k->other++ == 0)
        k->first_other = st;
}

/* Releases this caller's share of the slots, waits for the clock to start,
 * then books until the deadline.  A caller stops early when the person
 * table is full (SB_NOMEM) or the engine fails. */
static void *
book(void *arg)
{
    caller *k = arg;
    shared *sh = k->sh;
    const config *c = sh->c;
    for (uint32_t s = k->id; s < c->slots; s += c->callers)
        if (sb_release(sh->e, slot_of(s), c->places) != SB_OK)
            atomic_store(&sh->failed, true);
    pthread_barrier_wait(&sh->released);
    pthread_barrier_wait(&sh->go);
    uint64_t deadline = atomic_load(&sh->deadline_ns);
    rng r = {UINT64_C(0x626f6f6b) * (k->id + 1u)};
    char code[SB_CODE_SIZE];
    while (!atomic_load_explicit(&sh->failed, memory_order_relaxed)) {
        uint32_t bsn = random_bsn(&r);
        sb_slot slot = slot_of((uint32_t)rbelow(&r, c->slots));
        uint64_t t0 = mono_ns();
        sb_status st = sb_book(sh->e, bsn, slot, code);
        uint64_t t1 = mono_ns();
        sb_hist_record(&k->latency, t1 - t0);
        tally(k, st);
        if (st == SB_NOMEM || (st != SB_OK && st != SB_FULL && st != SB_DUPLICATE) ||
            t1 >= deadline)
            break;
    }
    return NULL;
}

/* ---- options ---------------------------------------------------------------- */

static void
usage(FILE *f)
{
    fputs("usage: slotbook-book [options]\n"
          "\n"
          "Books random people into random slots from CALLERS threads for SECONDS, one\n"
          "sb_book each, and prints one line: bookings per second, latency percentiles and\n"
          "the journal's records per flush; with a journal, then reopens the engine from\n"
          "it and prints a second line, the recovery's records per second.  The slotbook\n"
          "side of bench/pg_compare.sh.\n"
          "\n"
          "options:\n"
          "      --journal PATH  journal file, or a directory to make slotbook-book.journal\n"
          "                      in (removed first, and after the run); default: in memory\n"
          "      --durable MODE  sync (default) or batch\n"
          "  -c, --callers N     concurrent callers, 1 to 1024 (default 64)\n"
          "  -s, --seconds S     how long to book (default 20)\n"
          "      --slots N       slots (default 10000), each of\n"
          "      --places N      places (default 1000)\n"
          "      --people N      the engine's person table, 1 to 16777216 (default 4194304);\n"
          "                      a caller stops when it is full\n"
          "  -h, --help          this text\n",
          f);
}

static int
parse_number(const char *arg, const char *what, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(arg, &end);
    if (errno || end == arg || *end || *out < lo || *out > hi)
        return fprintf(stderr, "slotbook-book: %s must be %g to %g\n", what, lo, hi), -1;
    return 0;
}

/* A whole count from lo to hi (callers, slots, places, people). */
static int
parse_whole(const char *arg, const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (parse_count(arg, lo, hi, out) == 0)
        return 0;
    return fprintf(stderr, "slotbook-book: %s must be %llu to %llu\n", what,
                   (unsigned long long)lo, (unsigned long long)hi),
           -1;
}

static int
parse_option(int o, const char *arg, config *c)
{
    double v = 0;
    uint64_t k = 0;
    struct stat st;
    int n;
    switch (o) {
    case 'J':
        n = stat(arg, &st) == 0 && S_ISDIR(st.st_mode)
                ? snprintf(c->journal, sizeof c->journal, "%s/slotbook-book.journal", arg)
                : snprintf(c->journal, sizeof c->journal, "%s", arg);
        return n > 0 && (size_t)n < sizeof c->journal
                   ? 0
                   : (fprintf(stderr, "slotbook-book: journal path too long\n"), -1);
    case 'D':
        if (strcmp(arg, "sync") && strcmp(arg, "batch"))
            return fprintf(stderr, "slotbook-book: durable is sync or batch\n"), -1;
        c->durable = !strcmp(arg, "sync") ? SB_DURABLE_SYNC : SB_DURABLE_BATCH;
        return 0;
    case 'c':
        return parse_whole(arg, "callers", 1, 1024, &k) ? -1 : (c->callers = (unsigned)k, 0);
    case 's':
        return parse_number(arg, "seconds", 0.001, 86400, &v) ? -1 : (c->seconds = v, 0);
    case 'S':
        return parse_whole(arg, "slots", 1, 1000000, &k) ? -1 : (c->slots = (uint32_t)k, 0);
    case 'P':
        return parse_whole(arg, "places", 1, 1000000000, &k) ? -1 : (c->places = (uint32_t)k, 0);
    case 'p':
        return parse_whole(arg, "people", 1, 16777216, &k) ? -1 : (c->people = (uint32_t)k, 0);
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
    static const struct option longs[] = {{"journal", required_argument, 0, 'J'},
                                          {"durable", required_argument, 0, 'D'},
                                          {"callers", required_argument, 0, 'c'},
                                          {"seconds", required_argument, 0, 's'},
                                          {"slots", required_argument, 0, 'S'},
                                          {"places", required_argument, 0, 'P'},
                                          {"people", required_argument, 0, 'p'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    *c = (config){.callers = 64, .seconds = 20, .slots = 10000, .places = 1000, .people = 1u << 22};
    int o;
    while ((o = getopt_long(argc, argv, "c:s:h", longs, NULL)) != -1)
        if (parse_option(o, optarg, c) != 0)
            return -1;
    if (optind < argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void
engine_options(const config *c, sb_options *out)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = FIRST_DAY;
    o.windows_per_day = WINDOWS;
    o.days = (c->slots + WINDOWS - 1) / WINDOWS;
    o.max_people = c->people;
    o.max_families = 0;
    o.max_waiting = 0;
    if (c->journal[0]) {
        o.journal = c->journal;
        o.durable = c->durable;
        memset(o.code_key, 0x5b, sizeof o.code_key);
    }
    *out = o;
}

static sb_status
open_engine(const config *c, sb_engine **e)
{
    sb_options o;
    engine_options(c, &o);
    if (c->journal[0] && unlink(c->journal) != 0 && errno != ENOENT) {
        fprintf(stderr, "slotbook-book: cannot remove %s: %s\n", c->journal, strerror(errno));
        return SB_IO;
    }
    sb_status st = sb_open(&o, e);
    if (st == SB_OK)
        st = sb_location_open(*e, 0);
    else
        fprintf(stderr, "slotbook-book: sb_open: %s %s\n", sb_status_str(st), sb_last_error());
    return st;
}

/* Prints the line; returns how many bookings failed for another reason
 * than a full slot, a person booked already or a full person table. */
static uint64_t
report(const config *c, sb_engine *e, caller *k, double seconds, const sb_journal_info *before)
{
    caller all = {.first_other = SB_OK};
    sb_hist_init(&all.latency);
    for (unsigned i = 0; i < c->callers; i++) {
        all.ok += k[i].ok;
        all.full += k[i].full;
        all.duplicate += k[i].duplicate;
        all.nomem += k[i].nomem;
        all.other += k[i].other;
        if (k[i].other && all.first_other == SB_OK)
            all.first_other = k[i].first_other;
        sb_hist_merge(&all.latency, &k[i].latency);
    }
    sb_journal_info after = {0};
    if (c->journal[0])
        sb_journal_read(e, &after);
    uint64_t records = after.records - before->records, flushes = after.flushes - before->flushes;
    printf("book durable=%s callers=%u slots=%u places=%u seconds=%.2f bookings=%llu "
           "bookings_per_s=%.0f full=%llu duplicate=%llu p50_ns=%llu p99_ns=%llu p999_ns=%llu "
           "max_ns=%llu records=%llu flushes=%llu records_per_flush=%.2f\n",
           !c->journal[0]                  ? "none"
           : c->durable == SB_DURABLE_SYNC ? "sync"
                                           : "batch",
           c->callers, c->slots, c->places, seconds, (unsigned long long)all.ok,
           (double)all.ok / seconds, (unsigned long long)all.full,
           (unsigned long long)all.duplicate,
           (unsigned long long)sb_hist_quantile(&all.latency, 0.5),
           (unsigned long long)sb_hist_quantile(&all.latency, 0.99),
           (unsigned long long)sb_hist_quantile(&all.latency, 0.999),
           (unsigned long long)sb_hist_quantile(&all.latency, 1.0), (unsigned long long)records,
           (unsigned long long)flushes, flushes ? (double)records / (double)flushes : 0.0);
    if (all.nomem)
        fprintf(stderr, "slotbook-book: the person table (--people %u) filled up\n", c->people);
    if (all.other)
        fprintf(stderr, "slotbook-book: %llu bookings failed, the first with %s\n",
                (unsigned long long)all.other, sb_status_name(all.first_other));
    return all.other;
}

/* Reopens the engine from the journal the run left and prints a second
 * line: "recover records=N recover_ns=N recover_records_per_s=X
 * open_ns=N" (records read back, the time sb_open spent reading them, and
 * the whole sb_open). */
static int
recover(const config *c)
{
    sb_options o;
    engine_options(c, &o);
    sb_engine *e;
    uint64_t t0 = mono_ns();
    sb_status st = sb_open(&o, &e);
    uint64_t open_ns = mono_ns() - t0;
    if (st != SB_OK)
        return fprintf(stderr, "slotbook-book: reopening: %s %s\n", sb_status_str(st),
                       sb_last_error()),
               -1;
    sb_journal_info j;
    sb_journal_read(e, &j);
    sb_close(e);
    printf("recover records=%llu bytes=%llu recover_ns=%llu recover_records_per_s=%.0f "
           "open_ns=%llu\n",
           (unsigned long long)j.recovered, (unsigned long long)j.bytes,
           (unsigned long long)j.recover_ns,
           j.recover_ns ? (double)j.recovered * 1e9 / (double)j.recover_ns : 0.0,
           (unsigned long long)open_ns);
    return 0;
}

int
main(int argc, char **argv)
{
    config c;
    if (parse(argc, argv, &c) != 0)
        return 2;
    shared sh = {.c = &c};
    if (open_engine(&c, &sh.e) != SB_OK)
        return 1;
    caller *k = calloc(c.callers, sizeof *k);
    pthread_t *t = calloc(c.callers, sizeof *t);
    if (!k || !t)
        return fprintf(stderr, "slotbook-book: out of memory\n"), 1;
    pthread_barrier_init(&sh.released, NULL, c.callers + 1);
    pthread_barrier_init(&sh.go, NULL, c.callers + 1);
    for (unsigned i = 0; i < c.callers; i++) {
        k[i] = (caller){.sh = &sh, .id = i};
        sb_hist_init(&k[i].latency);
        if (pthread_create(&t[i], NULL, book, &k[i]) != 0)
            return fprintf(stderr, "slotbook-book: cannot start %u threads\n", c.callers), 1;
    }
    pthread_barrier_wait(&sh.released);
    sb_journal_info before = {0};
    if (c.journal[0])
        sb_journal_read(sh.e, &before);
    uint64_t start = mono_ns();
    atomic_store(&sh.deadline_ns, start + (uint64_t)(c.seconds * 1e9));
    pthread_barrier_wait(&sh.go);
    for (unsigned i = 0; i < c.callers; i++)
        pthread_join(t[i], NULL);
    double seconds = (double)(mono_ns() - start) / 1e9;
    bool failed = atomic_load(&sh.failed);
    if (failed)
        fprintf(stderr, "slotbook-book: a release failed\n");
    else
        failed = report(&c, sh.e, k, seconds, &before) != 0;
    sb_close(sh.e);
    if (c.journal[0] && !failed)
        failed = recover(&c) != 0;
    if (c.journal[0])
        unlink(c.journal);
    free(k);
    free(t);
    return failed ? 1 : 0;
}
