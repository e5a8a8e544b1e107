/*
 * A latency histogram in the manner of HdrHistogram: log-linear buckets
 * (each power of two of nanoseconds split into 32 linear sub-buckets, so a
 * recorded value is known to within 1/32, about 3%), from 1 ns to 2^40 ns.
 * Recording is one increment of a thread's own histogram (no sharing);
 * histograms of several threads are merged before percentiles are read.
 */
#ifndef SB_BENCH_HIST_H
#define SB_BENCH_HIST_H

#include <stdint.h>

#define SB_HIST_SUB_BITS 5
#define SB_HIST_MAX_POW 40
#define SB_HIST_BUCKETS ((SB_HIST_MAX_POW + 1) << SB_HIST_SUB_BITS)

typedef struct sb_hist {
    uint64_t count;
    uint64_t max;
    uint64_t sum;
    uint64_t buckets[SB_HIST_BUCKETS];
} sb_hist;

void sb_hist_init(sb_hist *h);
void sb_hist_record(sb_hist *h, uint64_t ns);
void sb_hist_merge(sb_hist *into, const sb_hist *from);
/* The value at quantile q (0 <= q <= 1): an upper bound of the bucket that
 * holds it, never below the true value and within about 3% of it; 0 for an
 * empty histogram.  q = 1 gives the exact maximum. */
uint64_t sb_hist_quantile(const sb_hist *h, double q);

#endif
