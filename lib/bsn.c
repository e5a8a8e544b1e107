/*
 * The BSN 11-check: with digits d1..d9 from the left,
 * 9*d1 + 8*d2 + ... + 2*d8 - d9 must be divisible by 11.  Pure, wait-free.
 */
#include "internal.h"

SB_EXPORT int
sb_bsn_valid(uint32_t bsn)
{
    if (bsn == 0 || bsn > SB_MAX_BSN)
        return 0;
    int sum = -(int)(bsn % 10u);
    uint32_t rest = bsn / 10u;
    for (int weight = 2; weight <= 9; weight++) {
        sum += weight * (int)(rest % 10u);
        rest /= 10u;
    }
    return sum % 11 == 0;
}
