/*
 * The BSN 11-check (lib/bsn.c), against an independent implementation that
 * works on the decimal digits d1..d9 as the specification writes them.
 */
#include <criterion/criterion.h>

#include <stdint.h>

#include "internal.h"

/* Writes the 9 digits of bsn, d[0] = d1 (leftmost), leading zeros kept. */
static void
digits_of(uint32_t bsn, int d[9])
{
    for (int i = 8; i >= 0; i--) {
        d[i] = (int)(bsn % 10u);
        bsn /= 10u;
    }
}

static uint32_t
number_of(const int d[9])
{
    uint32_t n = 0;
    for (int i = 0; i < 9; i++)
        n = n * 10u + (uint32_t)d[i];
    return n;
}

/* 9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9, mod 11. */
static int
reference_valid(uint64_t bsn)
{
    if (bsn == 0 || bsn > 999999999u)
        return 0;
    int d[9];
    digits_of((uint32_t)bsn, d);
    static const int weight[9] = {9, 8, 7, 6, 5, 4, 3, 2, -1};
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += weight[i] * d[i];
    return ((sum % 11) + 11) % 11 == 0;
}

Test(bsn, the_examples_of_the_specification_are_valid)
{
    cr_assert_eq(sb_bsn_valid(111222333), 1);
    cr_assert_eq(sb_bsn_valid(123456782), 1);
    cr_assert_eq(reference_valid(111222333), 1);
    cr_assert_eq(reference_valid(123456782), 1);
}

Test(bsn, zero_and_numbers_past_nine_digits_are_invalid)
{
    cr_assert_eq(sb_bsn_valid(0), 0);
    cr_assert_eq(sb_bsn_valid(1000000000u), 0);
    cr_assert_eq(sb_bsn_valid(UINT32_MAX), 0);
    /* Past nine digits even numbers whose digit sum passes are refused:
     * 1111222333 = 1 followed by a valid-looking tail. */
    cr_assert_eq(sb_bsn_valid(1111222333u), 0);
    for (uint64_t b = 1000000000u; b <= UINT32_MAX; b += 9973u)
        cr_assert_eq(sb_bsn_valid((uint32_t)b), 0, "bsn %llu", (unsigned long long)b);
}

Test(bsn, the_largest_nine_digit_numbers_follow_the_check)
{
    for (uint32_t b = 999000000u; b <= 999999999u; b++)
        if (sb_bsn_valid(b) != reference_valid(b))
            cr_assert_fail("bsn %u: library %d, reference %d", b, sb_bsn_valid(b),
                           reference_valid(b));
}

Test(bsn, every_number_up_to_two_million_agrees_with_the_reference)
{
    for (uint32_t b = 0; b <= 2000000u; b++)
        if (sb_bsn_valid(b) != reference_valid(b))
            cr_assert_fail("bsn %u: library %d, reference %d", b, sb_bsn_valid(b),
                           reference_valid(b));
}

Test(bsn, numbers_sampled_across_the_range_agree_with_the_reference)
{
    int valid = 0;
    for (uint32_t b = 1; b <= 999999999u; b += 7919u) {
        cr_assert_eq(sb_bsn_valid(b), reference_valid(b), "bsn %u", b);
        valid += reference_valid(b);
    }
    /* About one number in eleven passes. */
    cr_assert_gt(valid, 126000 / 11 - 2000);
    cr_assert_lt(valid, 126000 / 11 + 2000);
}

Test(bsn, leading_zero_bsns_are_valid)
{
    /* 012345672: 8*1 + 7*2 + 6*3 + 5*4 + 4*5 + 3*6 + 2*7 - 2 = 110. */
    cr_assert_eq(sb_bsn_valid(12345672u), 1);
    cr_assert_eq(reference_valid(12345672u), 1);

    /* The smallest valid BSN (000000012) and nothing below it. */
    uint32_t smallest = 0;
    for (uint32_t b = 1; smallest == 0; b++)
        if (reference_valid(b))
            smallest = b;
    cr_assert_lt(smallest, 100000000u);
    cr_assert_eq(sb_bsn_valid(smallest), 1, "bsn %u", smallest);
    for (uint32_t b = 1; b < smallest; b++)
        cr_assert_eq(sb_bsn_valid(b), 0, "bsn %u", b);

    /* Valid BSNs with a leading zero, sampled across 10000000..99999999
     * (each sample tries 11 consecutive numbers). */
    int found = 0;
    for (uint32_t b = 10000000u; b < 100000000u; b += 1000003u)
        for (uint32_t k = 0; k < 11; k++)
            if (reference_valid(b + k)) {
                cr_assert_eq(sb_bsn_valid(b + k), 1, "bsn %u", b + k);
                found++;
                break;
            }
    cr_assert_gt(found, 80);
}

Test(bsn, every_single_digit_change_of_a_valid_bsn_fails_the_check)
{
    int bsns = 0;
    for (uint32_t b = 1; b <= 999999999u; b += 104729u) {
        if (!reference_valid(b))
            continue;
        bsns++;
        int d[9];
        digits_of(b, d);
        for (int pos = 0; pos < 9; pos++) {
            int original = d[pos];
            for (int digit = 0; digit <= 9; digit++) {
                if (digit == original)
                    continue;
                d[pos] = digit;
                uint32_t changed = number_of(d);
                int expect = reference_valid(changed);
                cr_assert_eq(sb_bsn_valid(changed), expect, "bsn %u -> %u", b, changed);
                /* 11 is prime and no weight is 0 mod 11: one wrong digit is
                 * always caught. */
                cr_assert_eq(expect, 0, "bsn %u -> %u", b, changed);
            }
            d[pos] = original;
        }
    }
    cr_assert_gt(bsns, 500);
}

Test(bsn, swapping_two_neighbouring_different_digits_fails_the_check)
{
    /* The weights of neighbours differ by 1 (and d8/d9 by 3), so a transposition
     * changes the sum by a non-multiple of 11. */
    int swaps = 0;
    for (uint32_t b = 1; b <= 999999999u; b += 1000003u) {
        if (!reference_valid(b))
            continue;
        int d[9];
        digits_of(b, d);
        for (int pos = 0; pos < 8; pos++) {
            if (d[pos] == d[pos + 1])
                continue;
            int t = d[pos];
            d[pos] = d[pos + 1];
            d[pos + 1] = t;
            uint32_t swapped = number_of(d);
            cr_assert_eq(sb_bsn_valid(swapped), reference_valid(swapped), "%u -> %u", b, swapped);
            cr_assert_eq(sb_bsn_valid(swapped), 0, "%u -> %u", b, swapped);
            d[pos + 1] = d[pos];
            d[pos] = t;
            swaps++;
        }
    }
    cr_assert_gt(swaps, 100);
}
