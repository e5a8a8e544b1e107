/*
 * The latency histogram (bench/hist.c) against exact answers: each
 * distribution is also kept as a sorted array, and every quantile must be
 * at or above the true nearest-rank value and within 4% of it.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static const double quantiles[] = {0.0,  0.0001, 0.001, 0.01,  0.1,    0.25,    0.5,
                                   0.75, 0.9,    0.99,  0.999, 0.9999, 0.99999, 1.0};

static uint64_t
rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank q-th value of sorted v[0..n). */
static uint64_t
true_quantile(const uint64_t *v, size_t n, double q)
{
    double r = q * (double)n;
    size_t k = (size_t)r;
    if ((double)k < r)
        k++;
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* Records v[0..n) into a fresh histogram and checks every quantile. */
static void
check_against_sorted(uint64_t *v, size_t n)
{
    static sb_hist h;
    sb_hist_init(&h);
    for (size_t i = 0; i < n; i++)
        sb_hist_record(&h, v[i]);
    qsort(v, n, sizeof *v, cmp_u64);
    cr_assert_eq(h.count, n);
    cr_assert_eq(h.max, v[n - 1]);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++) {
        double q = quantiles[i];
        uint64_t want = true_quantile(v, n, q);
        uint64_t got = sb_hist_quantile(&h, q);
        cr_assert(got >= want, "q=%g: %llu is below the true %llu", q, (unsigned long long)got,
                  (unsigned long long)want);
        cr_assert(got * 100u <= want * 104u, "q=%g: %llu is more than 4%% above the true %llu", q,
                  (unsigned long long)got, (unsigned long long)want);
    }
    cr_assert_eq(sb_hist_quantile(&h, 1.0), v[n - 1], "q=1 is the exact maximum");
}

Test(hist, an_empty_histogram_answers_zero_for_every_quantile)
{
    sb_hist h;
    sb_hist_init(&h);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++)
        cr_assert_eq(sb_hist_quantile(&h, quantiles[i]), 0);
    cr_assert_eq(h.count, 0);
    cr_assert_eq(h.max, 0);
    cr_assert_eq(h.sum, 0);
}

Test(hist, uniform_values_one_to_n_give_quantiles_within_four_percent)
{
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = N - i; /* unsorted on purpose */
    check_against_sorted(v, N);
    free(v);
}

Test(hist, a_constant_value_is_every_quantile_within_four_percent)
{
    enum { N = 1000 };
    uint64_t v[N];
    for (size_t i = 0; i < N; i++)
        v[i] = 12345;
    check_against_sorted(v, N);
}

Test(hist, small_values_below_sixty_four_are_exact)
{
    sb_hist h;
    sb_hist_init(&h);
    for (uint64_t x = 0; x < 64; x++)
        sb_hist_record(&h, x);
    for (uint64_t x = 0; x < 64; x++)
        cr_assert_eq(sb_hist_quantile(&h, (double)(x + 1) / 64.0), x);
}

Test(hist, a_heavy_tailed_distribution_gives_quantiles_within_four_percent)
{
    /* Exponential-ish: a geometric power of two times a uniform factor. */
    enum { N = 300000 };
    uint64_t *v = malloc(N * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < N; i++) {
        uint64_t r = rng_next(&s);
        unsigned tz = (unsigned)__builtin_ctzll(r | (1ull << 30));
        v[i] = (rng_next(&s) % 1000u + 1u) << tz;
    }
    check_against_sorted(v, N);
    free(v);
}

Test(hist, random_values_up_to_two_to_the_forty_give_quantiles_within_four_percent)
{
    enum { N = 100000 };
    uint64_t *v = malloc(N * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++)
        v[i] = rng_next(&s) >> (24 + rng_next(&s) % 40u);
    v[0] = (uint64_t)1 << 40;
    check_against_sorted(v, N);
    free(v);
}

Test(hist, every_power_of_two_boundary_lands_in_a_bucket_bounding_it_within_one_thirty_second)
{
    for (unsigned k = 0; k <= SB_HIST_MAX_POW; k++) {
        uint64_t p = (uint64_t)1 << k;
        uint64_t cases[3] = {p - 1, p, p + 1};
        for (int c = 0; c < 3; c++) {
            uint64_t x = cases[c];
            if (x > ((uint64_t)1 << SB_HIST_MAX_POW))
                continue;
            sb_hist h;
            sb_hist_init(&h);
            sb_hist_record(&h, x);
            sb_hist_record(&h, x);
            sb_hist_record(&h, (uint64_t)1 << SB_HIST_MAX_POW);
            /* Rank 2 of 3 is x, not the maximum: its bucket's bound. */
            uint64_t got = sb_hist_quantile(&h, 0.5);
            cr_assert(got >= x && got - x <= x / 32u, "%llu answers %llu", (unsigned long long)x,
                      (unsigned long long)got);
        }
    }
}

Test(hist, a_single_huge_value_is_the_exact_answer_for_every_quantile)
{
    sb_hist h;
    sb_hist_init(&h);
    uint64_t huge = ((uint64_t)1 << 50) + 12345;
    sb_hist_record(&h, huge);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++)
        cr_assert_eq(sb_hist_quantile(&h, quantiles[i]), huge);
    cr_assert_eq(h.max, huge);
    cr_assert_eq(h.sum, huge);
}

Test(hist, values_past_two_to_the_forty_keep_the_maximum_exact_and_never_answer_below_it)
{
    sb_hist h;
    sb_hist_init(&h);
    for (uint64_t i = 0; i < 99; i++)
        sb_hist_record(&h, 1000 + i);
    sb_hist_record(&h, UINT64_MAX);
    cr_assert_eq(sb_hist_quantile(&h, 1.0), UINT64_MAX);
    cr_assert_eq(h.max, UINT64_MAX);
    uint64_t median = sb_hist_quantile(&h, 0.5);
    cr_assert(median >= 1049 && median <= 1049 * 104 / 100);
    /* Two huge values: the lower one is answered by the maximum. */
    sb_hist_record(&h, (uint64_t)1 << 45);
    cr_assert_eq(sb_hist_quantile(&h, 100.0 / 101.0), UINT64_MAX);
}

Test(hist, q_zero_answers_the_smallest_bucket_and_out_of_range_q_is_clamped)
{
    sb_hist h;
    sb_hist_init(&h);
    sb_hist_record(&h, 5000);
    sb_hist_record(&h, 9000);
    sb_hist_record(&h, 7000);
    uint64_t q0 = sb_hist_quantile(&h, 0.0);
    cr_assert(q0 >= 5000 && q0 <= 5000 + 5000 / 32);
    cr_assert_eq(sb_hist_quantile(&h, -1.0), q0);
    cr_assert_eq(sb_hist_quantile(&h, NAN), q0, "NaN counts as 0");
    cr_assert_eq(sb_hist_quantile(&h, 2.0), 9000);
}

Test(hist, merging_equals_recording_everything_into_one)
{
    static sb_hist parts[3], merged, all;
    for (int i = 0; i < 3; i++)
        sb_hist_init(&parts[i]);
    sb_hist_init(&merged);
    sb_hist_init(&all);
    uint64_t s = 777;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = rng_next(&s) >> (rng_next(&s) % 64u);
        sb_hist_record(&parts[i % 3], x);
        sb_hist_record(&all, x);
    }
    for (int i = 0; i < 3; i++)
        sb_hist_merge(&merged, &parts[i]);
    cr_assert_eq(memcmp(&merged, &all, sizeof all), 0);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++)
        cr_assert_eq(sb_hist_quantile(&merged, quantiles[i]), sb_hist_quantile(&all, quantiles[i]));
}

Test(hist, merging_an_empty_histogram_changes_nothing)
{
    static sb_hist h, empty, before;
    sb_hist_init(&h);
    sb_hist_init(&empty);
    for (uint64_t x = 1; x < 5000; x += 7)
        sb_hist_record(&h, x * x);
    before = h;
    sb_hist_merge(&h, &empty);
    cr_assert_eq(memcmp(&h, &before, sizeof h), 0);
    sb_hist_merge(&empty, &h);
    cr_assert_eq(memcmp(&empty, &before, sizeof h), 0);
}

Test(hist, count_sum_and_max_follow_the_recorded_values)
{
    sb_hist h;
    sb_hist_init(&h);
    sb_hist_record(&h, 10);
    sb_hist_record(&h, 0);
    sb_hist_record(&h, 300);
    cr_assert_eq(h.count, 3);
    cr_assert_eq(h.sum, 310);
    cr_assert_eq(h.max, 300);
}
