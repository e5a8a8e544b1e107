/*
 * Status names and sentences (lib/status.c), against a table written out
 * here by hand: the values are part of the contract and never renumbered.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <string.h>

#include "internal.h"

static const struct {
    sb_status status;
    int value;
    const char *name;
} TABLE[] = {
    {SB_OK, 0, "SB_OK"},
    {SB_FULL, 1, "SB_FULL"},
    {SB_DUPLICATE, 2, "SB_DUPLICATE"},
    {SB_NOT_FOUND, 3, "SB_NOT_FOUND"},
    {SB_EXPIRED, 4, "SB_EXPIRED"},
    {SB_CLOSED, 5, "SB_CLOSED"},
    {SB_INVALID_ID, 6, "SB_INVALID_ID"},
    {SB_INVALID_ARG, 7, "SB_INVALID_ARG"},
    {SB_FORGED, 8, "SB_FORGED"},
    {SB_WRONG_HOLDER, 9, "SB_WRONG_HOLDER"},
    {SB_CANCELLED, 10, "SB_CANCELLED"},
    {SB_USED, 11, "SB_USED"},
    {SB_NOMEM, 12, "SB_NOMEM"},
    {SB_IO, 13, "SB_IO"},
    {SB_CORRUPT, 14, "SB_CORRUPT"},
    {SB_NO_STOCK, 15, "SB_NO_STOCK"},
    {SB_LIMIT, 16, "SB_LIMIT"},
    {SB_MISMATCH, 17, "SB_MISMATCH"},
};
#define TABLE_SIZE (sizeof TABLE / sizeof TABLE[0])

Test(status, values_are_the_fixed_numbers_of_the_table)
{
    for (size_t i = 0; i < TABLE_SIZE; i++)
        cr_assert_eq((int)TABLE[i].status, TABLE[i].value, "%s", TABLE[i].name);
    cr_assert_eq(SB_OK, 0);
    cr_assert_eq(SB_IO, 13);
    cr_assert_eq(SB_CORRUPT, 14);
    cr_assert_eq(SB_NO_STOCK, 15);
    cr_assert_eq(SB_LIMIT, 16);
    cr_assert_eq(SB_MISMATCH, 17);
}

Test(status, the_table_covers_every_status)
{
    cr_assert_eq(SB_STATUS_COUNT, TABLE_SIZE);
    cr_assert_leq(SB_STATUS_COUNT, SB_STATS_STATUSES, "stats have a column for each status");
}

Test(status, every_status_has_its_own_name)
{
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        const char *name = sb_status_name(TABLE[i].status);
        cr_assert_not_null(name);
        cr_assert_str_eq(name, TABLE[i].name);
    }
}

Test(status, every_status_has_a_distinct_sentence)
{
    for (int i = 0; i < SB_STATUS_COUNT; i++) {
        const char *s = sb_status_str((sb_status)i);
        cr_assert_not_null(s, "status %d", i);
        cr_assert_gt(strlen(s), 1, "status %d", i);
        cr_assert_str_neq(s, "unknown status", "status %d", i);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(s, sb_status_str((sb_status)j), "statuses %d and %d", i, j);
    }
}

Test(status, sentences_say_what_happened)
{
    cr_assert_str_eq(sb_status_str(SB_OK), "ok");
    cr_assert_str_eq(sb_status_str(SB_FULL), "no free capacity in that slot");
    cr_assert_str_eq(sb_status_str(SB_FORGED), "code malformed or not issued by this engine");
    cr_assert_str_eq(sb_status_str(SB_WRONG_HOLDER), "genuine code presented with another BSN");
    cr_assert_str_eq(sb_status_str(SB_IO), "journal failure");
}

Test(status, values_outside_the_table_are_unknown)
{
    static const int outside[] = {SB_STATUS_COUNT, SB_STATUS_COUNT + 1, 100, 1 << 20, INT_MAX, -1,
                                  INT_MIN};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        sb_status s = (sb_status)outside[i];
        cr_assert_str_eq(sb_status_str(s), "unknown status", "value %d", outside[i]);
        cr_assert_str_eq(sb_status_name(s), "SB_UNKNOWN", "value %d", outside[i]);
    }
}

Test(status, the_same_pointer_is_returned_every_time)
{
    for (int i = 0; i < SB_STATUS_COUNT; i++) {
        cr_assert_eq(sb_status_str((sb_status)i), sb_status_str((sb_status)i));
        cr_assert_eq(sb_status_name((sb_status)i), sb_status_name((sb_status)i));
    }
}
