/*
 * slotbook-calibrate: what this machine does with no engine at all, to read
 * the replay's figures against the specification's reference machine (two
 * threads: about 38 M/s inserting random keys into a preallocated
 * open-addressing table with compare-and-swap, about 55 M/s incrementing one
 * shared counter).  Prints one line per figure.
 *
 *   slotbook-calibrate [keys]   (default 1000000 keys per thread)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

typedef struct job {
    _Atomic uint64_t *table;
    uint64_t mask, keys, seed;
    _Atomic uint64_t *counter;
} job;

static uint64_t
next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void *
insert(void *arg)
{
    job *j = arg;
    uint64_t x = j->seed;
    for (uint64_t i = 0; i < j->keys; i++) {
        uint64_t key = next(&x) | 1, h = (key * UINT64_C(0x9e3779b97f4a7c15)) >> 20;
        for (;; h++) {
            uint64_t empty = 0;
            _Atomic uint64_t *slot = &j->table[h & j->mask];
            if (atomic_load_explicit(slot, memory_order_relaxed) == 0 &&
                atomic_compare_exchange_strong(slot, &empty, key))
                break;
        }
    }
    return NULL;
}

static void *
count(void *arg)
{
    job *j = arg;
    for (uint64_t i = 0; i < j->keys; i++)
        atomic_fetch_add_explicit(j->counter, 1, memory_order_relaxed);
    return NULL;
}

static void
run(const char *name, void *(*fn)(void *), unsigned threads, uint64_t keys)
{
    uint64_t size = 1;
    while (size < keys * threads * 2)
        size <<= 1;
    _Atomic uint64_t *table = calloc(size, sizeof *table);
    _Atomic uint64_t counter = 0;
    if (!table) {
        fprintf(stderr, "slotbook-calibrate: out of memory\n");
        exit(1);
    }
    job j[2];
    pthread_t t[2];
    double t0 = mono_s();
    for (unsigned i = 0; i < threads; i++) {
        j[i] = (job){table, size - 1, keys, 88172645463325252u + i * 7919u, &counter};
        pthread_create(&t[i], NULL, fn, &j[i]);
    }
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double s = mono_s() - t0;
    printf("calibrate %s threads=%u ops=%llu mops_per_s=%.2f\n", name, threads,
           (unsigned long long)(keys * threads), (double)(keys * threads) / s / 1e6);
    free(table);
}

int
main(int argc, char **argv)
{
    uint64_t keys = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000u;
    if (keys < 1000 || keys > 100000000u) {
        fprintf(stderr, "usage: slotbook-calibrate [keys per thread, 1000..100000000]\n");
        return 2;
    }
    for (unsigned t = 1; t <= 2; t++)
        run("cas_insert", insert, t, keys);
    for (unsigned t = 1; t <= 2; t++)
        run("shared_counter", count, t, keys * 10);
    return 0;
}
