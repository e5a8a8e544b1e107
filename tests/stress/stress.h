/*
 * Shared pieces of the stress tests: plain programs (not Criterion, whose
 * process arena cannot start under ThreadSanitizer) that hammer one engine
 * from several threads and check invariants while and after they run.
 *
 * Each run lasts SB_STRESS_SECONDS (default 2) of wall time per phase, and
 * prints its seed so a failure reproduces with SB_STRESS_SEED.
 */
#ifndef SB_STRESS_H
#define SB_STRESS_H

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <slotbook.h>

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static inline uint64_t
rng_next(uint64_t *s)
{
    /* xorshift64*: small, fast, good enough to pick operations. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

static inline uint32_t
rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)((rng_next(s) >> 32) % n);
}

/* n distinct valid BSNs, from 100000000 upwards. */
static inline uint32_t *
make_bsns(unsigned n)
{
    uint32_t *b = malloc(n * sizeof *b);
    CHECK(b != NULL, "out of memory");
    uint32_t bsn = 100000000u;
    for (unsigned i = 0; i < n; bsn++)
        if (sb_bsn_valid(bsn))
            b[i++] = bsn;
    return b;
}

/* A test's slots numbered location after location, in each location day
 * after day from first_day, in each day window after window. */
typedef struct stress_grid {
    int32_t first_day;
    unsigned days, windows;
} stress_grid;

/* Slot k of the grid. */
static inline sb_slot
grid_slot(const stress_grid *g, unsigned k)
{
    return (sb_slot){.location = (uint16_t)(k / (g->days * g->windows)),
                     .day = g->first_day + (int32_t)(k / g->windows % g->days),
                     .window = (uint16_t)(k % g->windows)};
}

/* The number of slot s in the grid. */
static inline unsigned
grid_index(const stress_grid *g, sb_slot s)
{
    return ((unsigned)s.location * g->days + (unsigned)(s.day - g->first_day)) * g->windows +
           s.window;
}

/* A slot of the grid's first n other than from, drawn with rng. */
static inline sb_slot
grid_other_slot(const stress_grid *g, unsigned n, sb_slot from, uint64_t *rng)
{
    unsigned k = rng_below(rng, n - 1);
    return grid_slot(g, k >= grid_index(g, from) ? k + 1 : k);
}

static inline int
slots_equal(sb_slot a, sb_slot b)
{
    return a.location == b.location && a.day == b.day && a.window == b.window;
}

/* A clock the test moves: ms, shared by all threads. */
static _Atomic uint64_t stress_clock_ms = 1000000;

static inline uint64_t
stress_clock(void *ctx)
{
    (void)ctx;
    return atomic_load_explicit(&stress_clock_ms, memory_order_relaxed);
}

static inline double
wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double
stress_seconds(void)
{
    const char *s = getenv("SB_STRESS_SECONDS");
    double v = s ? atof(s) : 2.0;
    return v > 0 ? v : 2.0;
}

static inline uint64_t
stress_seed(void)
{
    const char *s = getenv("SB_STRESS_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    return seed ? seed : 1;
}

static inline void
audit_ok(sb_engine *e, const char *when)
{
    sb_audit_report r;
    char msg[256];
    sb_status st = sb_audit(e, &r, msg, sizeof msg);
    CHECK(st == SB_OK, "audit %s: %s: %s (%" PRIu64 " violations)", when, sb_status_name(st), msg,
          r.violations);
}

/* Every answer of sb_slot_read keeps the invariant and the free formula. */
static inline void
slot_info_ok(const sb_slot_info *i)
{
    CHECK((uint64_t)i->held + i->booked + i->redeemed <= i->capacity,
          "held %u + booked %u + redeemed %u > capacity %u", i->held, i->booked, i->redeemed,
          i->capacity);
    CHECK((uint64_t)i->held + i->booked + i->redeemed + i->pending + i->free <= i->capacity,
          "free %u too large (held %u booked %u redeemed %u pending %u capacity %u)", i->free,
          i->held, i->booked, i->redeemed, i->pending, i->capacity);
}

/* Makes a fresh directory name-XXXXXX under $TMPDIR (or /tmp), its path
 * into dir (a test's journal folder). */
static inline void
stress_make_dir(char *dir, size_t n, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    CHECK(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

/* Removes a flat directory of files (a test's journal folder). */
static inline void
stress_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[PATH_MAX + 256];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

#endif
