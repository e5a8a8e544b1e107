/*
 * Civil dates to day numbers (lib/calendar.c), against an independent day
 * counter: walking the calendar one day at a time, and a closed formula
 * counting leap years.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdint.h>

#include "internal.h"

static int
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_length(int64_t y, unsigned m)
{
    static const unsigned len[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days from 0000-01-01 to y-01-01, proleptic Gregorian: 365 per year and one
 * per leap year among 0 .. y-1. */
static int64_t
days_before_year(int64_t y)
{
    int64_t last = y - 1;
    int64_t leaps = floor_div(last, 4) - floor_div(last, 100) + floor_div(last, 400) + 1;
    return 365 * y + leaps;
}

static int64_t
reference_day(int64_t y, unsigned m, unsigned d)
{
    int64_t n = days_before_year(y) - days_before_year(1970);
    for (unsigned k = 1; k < m; k++)
        n += month_length(y, k);
    return n + d - 1;
}

Test(calendar, the_epoch_is_day_zero)
{
    cr_assert_eq(sb_day_from_civil(1970, 1, 1), 0);
    cr_assert_eq(sb_day_from_civil(1970, 1, 2), 1);
    cr_assert_eq(sb_day_from_civil(1969, 12, 31), -1);
}

Test(calendar, known_dates_have_their_day_numbers)
{
    cr_assert_eq(sb_day_from_civil(2022, 7, 1), 19174);
    cr_assert_eq(sb_day_from_civil(2000, 1, 1), 10957);
    cr_assert_eq(sb_day_from_civil(2038, 1, 19), 24855); /* 2^31 s */
    cr_assert_eq(sb_day_from_civil(1900, 1, 1), -25567);
    cr_assert_eq(sb_day_from_civil(0, 3, 1), -719468);
}

Test(calendar, leap_days_follow_the_gregorian_rule)
{
    cr_assert_neq(sb_day_from_civil(2000, 2, 29), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2024, 2, 29), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(1600, 2, 29), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(0, 2, 29), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(-4, 2, 29), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(-400, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(1900, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2023, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2100, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(-1, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(-100, 2, 29), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2024, 2, 30), INT32_MIN);

    cr_assert_eq(sb_day_from_civil(2024, 2, 29) + 1, sb_day_from_civil(2024, 3, 1));
    cr_assert_eq(sb_day_from_civil(2000, 2, 29) + 1, sb_day_from_civil(2000, 3, 1));
    cr_assert_eq(sb_day_from_civil(1900, 2, 28) + 1, sb_day_from_civil(1900, 3, 1));
}

Test(calendar, months_outside_one_to_twelve_are_invalid)
{
    cr_assert_eq(sb_day_from_civil(2022, 0, 1), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 13, 1), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, UINT_MAX, 1), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2022, 1, 1), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2022, 12, 1), INT32_MIN);
}

Test(calendar, days_outside_the_month_are_invalid)
{
    cr_assert_eq(sb_day_from_civil(2022, 1, 0), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 1, 32), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 1, UINT_MAX), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 4, 31), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 6, 31), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 9, 31), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(2022, 11, 31), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2022, 1, 31), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2022, 4, 30), INT32_MIN);
    cr_assert_neq(sb_day_from_civil(2022, 12, 31), INT32_MIN);
}

Test(calendar, years_up_to_a_million_either_way_are_valid)
{
    int32_t last = sb_day_from_civil(1000000, 12, 31);
    int32_t first = sb_day_from_civil(-1000000, 1, 1);
    cr_assert_neq(last, INT32_MIN);
    cr_assert_neq(first, INT32_MIN);
    cr_assert_eq(last, reference_day(1000000, 12, 31));
    cr_assert_eq(first, reference_day(-1000000, 1, 1));
    cr_assert_gt(last, 0);
    cr_assert_lt(first, 0);
}

Test(calendar, years_beyond_a_million_are_invalid)
{
    cr_assert_eq(sb_day_from_civil(1000001, 1, 1), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(-1000001, 12, 31), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(INT_MAX, 1, 1), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(INT_MIN, 1, 1), INT32_MIN);
    cr_assert_eq(sb_day_from_civil(INT_MIN, 12, 31), INT32_MIN);
}

Test(calendar, every_day_from_1600_to_2400_matches_a_day_counter)
{
    /* Walk forward from 1970-01-01 and backward from 1969-12-31. */
    int64_t n = 0;
    for (int y = 1970; y <= 2400; y++)
        for (unsigned m = 1; m <= 12; m++)
            for (unsigned d = 1; d <= month_length(y, m); d++, n++)
                if (sb_day_from_civil(y, m, d) != n)
                    cr_assert_fail("%d-%02u-%02u: got %d, counted %lld", y, m, d,
                                   sb_day_from_civil(y, m, d), (long long)n);
    n = -1;
    for (int y = 1969; y >= 1600; y--)
        for (unsigned m = 12; m >= 1; m--)
            for (unsigned d = month_length(y, m); d >= 1; d--, n--)
                if (sb_day_from_civil(y, m, d) != n)
                    cr_assert_fail("%d-%02u-%02u: got %d, counted %lld", y, m, d,
                                   sb_day_from_civil(y, m, d), (long long)n);
    /* Each invalid day just past a month's end is refused. */
    for (int y = 1600; y <= 2400; y++)
        for (unsigned m = 1; m <= 12; m++)
            cr_assert_eq(sb_day_from_civil(y, m, month_length(y, m) + 1), INT32_MIN, "%d-%02u", y,
                         m);
}

Test(calendar, dates_across_the_whole_range_match_the_leap_year_formula)
{
    uint64_t x = 88172645463325252u; /* xorshift64, fixed seed */
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int y = (int)(x % 2000001u) - 1000000;
        unsigned m = (unsigned)((x >> 24) % 12u) + 1;
        unsigned d = (unsigned)((x >> 32) % month_length(y, m)) + 1;
        int64_t want = reference_day(y, m, d);
        if (sb_day_from_civil(y, m, d) != want)
            cr_assert_fail("%d-%02u-%02u: got %d, want %lld", y, m, d, sb_day_from_civil(y, m, d),
                           (long long)want);
    }
}

Test(calendar, year_boundaries_around_centuries_and_negative_years_are_one_day_apart)
{
    static const int years[] = {-1000000, -400, -101, -100, -5,   -4,   -1,   0,    1,     99,
                                100,      399,  400,  1899, 1900, 1999, 2000, 2099, 999999};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        int y = years[i];
        cr_assert_eq(sb_day_from_civil(y, 12, 31) + 1, sb_day_from_civil(y + 1, 1, 1), "year %d",
                     y);
        int32_t len = sb_day_from_civil(y + 1, 1, 1) - sb_day_from_civil(y, 1, 1);
        cr_assert_eq(len, is_leap(y) ? 366 : 365, "year %d", y);
    }
}
