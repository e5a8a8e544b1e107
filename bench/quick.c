/*
 * A quick throughput figure for the engine alone (the surge replay with its
 * mutex baseline is bench/'s main tool, still to come): calls per second of
 * two workloads, on 1 and 2 threads, people pre-generated.
 *
 *   uniform  N people each sb_book once across N/100 slots of 100 places
 *   surge    5N attempts by N people (sb_book with retries) on 10 slots of
 *            100 places: almost every call answers SB_FULL or SB_DUPLICATE
 *
 * Prints one line per figure: "quick <workload> threads=<n> calls=<n>
 * seconds=<s> mcalls_per_s=<x>".  Usage: quick [people] (default 1000000).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <slotbook.h>

typedef struct job {
    sb_engine *e;
    const uint32_t *bsn;
    const sb_slot *slot;
    size_t begin, end;
    uint64_t ok;
} job;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
    job *j = arg;
    char code[SB_CODE_SIZE];
    for (size_t i = j->begin; i < j->end; i++)
        j->ok += sb_book(j->e, j->bsn[i], j->slot[i], code) == SB_OK;
    return NULL;
}

static void
measure(const char *name, uint32_t people, size_t calls, const uint32_t *bsn, const sb_slot *slot,
        uint32_t nslots, unsigned threads)
{
    sb_options o;
    sb_options_init(&o);
    o.first_day = 19174;
    o.days = nslots;
    o.max_locations = 1;
    o.max_people = people;
    sb_engine *e;
    if (sb_open(&o, &e) != SB_OK) {
        fprintf(stderr, "sb_open failed\n");
        exit(1);
    }
    sb_location_open(e, 0);
    for (uint32_t d = 0; d < nslots; d++)
        sb_release(e, (sb_slot){.location = 0, .window = 0, .day = 19174 + (int32_t)d}, 100);
    job j[2];
    pthread_t t[2];
    double t0 = now_s();
    for (unsigned i = 0; i < threads; i++) {
        j[i] = (job){e, bsn, slot, calls * i / threads, calls * (i + 1) / threads, 0};
        pthread_create(&t[i], NULL, run, &j[i]);
    }
    uint64_t ok = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        ok += j[i].ok;
    }
    double s = now_s() - t0;
    printf("quick %s threads=%u calls=%zu booked=%" PRIu64 " seconds=%.3f mcalls_per_s=%.2f\n",
           name, threads, calls, ok, s, (double)calls / s / 1e6);
    sb_close(e);
}

int
main(int argc, char **argv)
{
    uint32_t people = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
    if (people < 1000 || people > 16000000u) {
        fprintf(stderr, "usage: quick [people 1000..16000000]\n");
        return 2;
    }
    size_t calls = (size_t)people * 5;
    uint32_t *bsn = malloc(calls * sizeof *bsn);
    sb_slot *slot = malloc(calls * sizeof *slot);
    uint32_t *pool = malloc(people * sizeof *pool);
    if (!bsn || !slot || !pool)
        return 1;
    uint32_t b = 100000000u;
    for (uint32_t i = 0; i < people; i++) {
        while (!sb_bsn_valid(++b)) {
        }
        pool[i] = b;
    }
    uint64_t x = 88172645463325252u;
    for (uint32_t i = people - 1; i > 0; i--) { /* shuffle the people */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t k = (uint32_t)(x % (i + 1)), tmp = pool[i];
        pool[i] = pool[k], pool[k] = tmp;
    }
    uint32_t nslots = people / 100;
    for (uint32_t i = 0; i < people; i++) {
        bsn[i] = pool[i];
        slot[i] = (sb_slot){.location = 0, .window = 0, .day = 19174 + (int32_t)(i % nslots)};
    }
    for (unsigned t = 1; t <= 2; t++)
        measure("uniform", people, people, bsn, slot, nslots, t);
    for (size_t i = 0; i < calls; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bsn[i] = pool[x % people];
        slot[i] = (sb_slot){.location = 0, .window = 0, .day = 19174 + (int32_t)(x >> 40) % 10};
    }
    for (unsigned t = 1; t <= 2; t++)
        measure("surge", people, calls, bsn, slot, 10, t);
    free(bsn);
    free(slot);
    free(pool);
    return 0;
}
