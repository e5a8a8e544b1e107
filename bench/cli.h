/*
 * Small helpers of the bench command-line tools: the monotonic clock, and
 * reading a count given as an option.
 */
#ifndef SB_BENCH_CLI_H
#define SB_BENCH_CLI_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* The monotonic clock, in nanoseconds. */
static inline uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The monotonic clock, in seconds. */
static inline double
mono_s(void)
{
    return (double)mono_ns() / 1e9;
}

/* Reads s, a decimal count from lo to hi, into *out: 0, or -1 (and *out
 * untouched) when s is anything else; the tool says what was wrong. */
static inline int
parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

#endif
