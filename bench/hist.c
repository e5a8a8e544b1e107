/*
 * The log-linear latency histogram of hist.h.
 *
 * Layout of the buckets: values 0..63 have one bucket each (index = value).
 * Above, each power of two [2^m, 2^(m+1)) with m >= 6 is split into 32
 * equal sub-buckets of width 2^s, s = m - 5, at indexes s*32 + (v >> s):
 * v >> s lies in 32..63, so the range of s starts right after the one of
 * s - 1.  One formula covers every value once s = max(m - 5, 0):
 *
 *   m = 63 - clz(v | 32)     (5 for v < 64)
 *   s = m - 5
 *   index = (s << 5) + (v >> s)
 *
 * No division, no branch.  A bucket's width is at most 1/32 of its lower
 * bound, so its upper bound is within 1/32 (about 3%) of any value in it.
 * 2^40 lands at index 35*32 + 32 = 1152 and 2^41 - 1 at 1183; values above
 * 2^40 all go to the last bucket (SB_HIST_BUCKETS - 1), whose bound is the
 * exact maximum.  Indexes 1184..SB_HIST_BUCKETS - 2 stay unused.
 *
 * Quantiles use the nearest rank: the q-th value is the ceil(q * count)-th
 * smallest (at least the first).  The answer is the upper bound of its
 * bucket, capped by the exact maximum: never below the true value (which is
 * at most the maximum), and the maximum itself for q = 1.
 *
 * Not thread-safe: each thread records into its own histogram and the
 * histograms are merged afterwards.
 */
#include "hist.h"

#include <string.h>

#define HIST_LIMIT ((uint64_t)1 << SB_HIST_MAX_POW)
#define HIST_LAST (SB_HIST_BUCKETS - 1)

_Static_assert(SB_HIST_SUB_BITS == 5, "the index formula assumes 32 sub-buckets");
_Static_assert((((SB_HIST_MAX_POW - SB_HIST_SUB_BITS) << SB_HIST_SUB_BITS) + 63) < HIST_LAST,
               "every value up to 2^41 - 1 has its own bucket before the last one");

static inline unsigned
bucket_of(uint64_t v)
{
    unsigned m = 63u - (unsigned)__builtin_clzll(v | 32u);
    unsigned s = m - 5u;
    return (s << 5) + (unsigned)(v >> s);
}

/* The largest value of bucket i (i < HIST_LAST). */
static uint64_t
bucket_upper(unsigned i)
{
    if (i < 64u)
        return i;
    unsigned s = (i >> 5) - 1u;
    uint64_t sub = i - (s << 5); /* 32..63 */
    return ((sub + 1u) << s) - 1u;
}

void
sb_hist_init(sb_hist *h)
{
    memset(h, 0, sizeof *h);
}

void
sb_hist_record(sb_hist *h, uint64_t ns)
{
    unsigned i = ns <= HIST_LIMIT ? bucket_of(ns) : HIST_LAST;
    h->buckets[i]++;
    h->count++;
    h->sum += ns;
    if (ns > h->max)
        h->max = ns;
}

void
sb_hist_merge(sb_hist *into, const sb_hist *from)
{
    into->count += from->count;
    into->sum += from->sum;
    if (from->max > into->max)
        into->max = from->max;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
}

/* The nearest rank of quantile q among count values: 1..count. */
static uint64_t
rank_of(double q, uint64_t count)
{
    if (!(q > 0.0)) /* also NaN */
        return 1;
    if (q >= 1.0)
        return count;
    double r = q * (double)count;
    if (r >= (double)count)
        return count;
    uint64_t k = (uint64_t)r; /* ceil without libm */
    if ((double)k < r)
        k++;
    return k < 1 ? 1 : k > count ? count : k;
}

uint64_t
sb_hist_quantile(const sb_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = rank_of(q, h->count);
    if (rank == h->count)
        return h->max;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_LAST; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t upper = bucket_upper(i);
            return upper < h->max ? upper : h->max;
        }
    }
    /* The rank lies in the last bucket (values above 2^40). */
    return h->max;
}
