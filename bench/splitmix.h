/*
 * splitmix64: the small deterministic random source of the scenario
 * generator and of the randomised tests (one seed, one sequence, on every
 * machine).  Not for anything secret: the engine's keys come from libsodium.
 */
#ifndef SB_BENCH_SPLITMIX_H
#define SB_BENCH_SPLITMIX_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t
rnext(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A number in 0 .. n-1 (0 when n is 0). */
static inline uint64_t
rbelow(rng *r, uint64_t n)
{
    return n ? rnext(r) % n : 0;
}

/* True with probability permille / 1000. */
static inline bool
rchance(rng *r, uint32_t permille)
{
    return rbelow(r, 1000) < permille;
}

#endif
