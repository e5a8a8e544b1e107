/*
 * Status names and sentences, generated from the one table in slotbook.h
 * so that the enum, sb_status_str() and sb_status_name() cannot drift.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

SB_EXPORT const char *
sb_status_str(sb_status s)
{
    switch (s) {
#define SB_STATUS_STR_(name, value, text) \
    case name:                            \
        return text;
        SB_STATUS_TABLE(SB_STATUS_STR_)
#undef SB_STATUS_STR_
    default:
        return "unknown status";
    }
}

SB_EXPORT const char *
sb_status_name(sb_status s)
{
    switch (s) {
#define SB_STATUS_NAME_(name, value, text) \
    case name:                             \
        return #name;
        SB_STATUS_TABLE(SB_STATUS_NAME_)
#undef SB_STATUS_NAME_
    default:
        return "SB_UNKNOWN";
    }
}

_Noreturn void
sb__panic(const char *file, int line, const char *what)
{
    fprintf(stderr, "slotbook: %s:%d: assertion failed: %s\n", file, line, what);
    fflush(stderr);
    abort();
}
