/*
 * Civil dates to day numbers (days since 1970-01-01, proleptic Gregorian),
 * after Howard Hinnant's days_from_civil.  Pure, wait-free.
 */
#include "internal.h"

#define SB_YEAR_LIMIT 1000000

static unsigned
days_in_month(int year, unsigned month)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return len[month - 1] + (month == 2 && leap);
}

SB_EXPORT int32_t
sb_day_from_civil(int year, unsigned month, unsigned day)
{
    if (year < -SB_YEAR_LIMIT || year > SB_YEAR_LIMIT || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return INT32_MIN;
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (month + 9) % 12;                       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}
