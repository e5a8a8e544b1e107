/*
 * Scenario generators (see scenario.h).  Open-loop: a trace says what people
 * tried, when; outcomes (full, duplicate, expired...) happen at replay.
 * Records are made in any order with a sequence number, then stably sorted
 * by time, so one seed gives one trace.
 */
#include "scenario.h"
#include "splitmix.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slotbook.h>

const char *const sb_scenario_names[] = {"uniform", "surge", "planner", NULL};

#define MS_MIN (UINT64_C(60) * 1000)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)

static double
runit(rng *r)
{
    return (double)(rnext(r) >> 11) / 9007199254740992.0;
}

/* Records with their order of making, so the sort by time is stable;
 * early ones (the planner's sticker deliveries) go before the others of
 * their millisecond. */
typedef struct item {
    sb_trace_rec rec;
    uint64_t seq;
    bool early;
} item;

typedef struct gen {
    rng r;
    item *items;
    size_t n, cap;
    bool failed;
    uint32_t *people; /* BSNs */
    uint32_t npeople;
} gen;

static void
emit(gen *g, uint64_t t, unsigned op, uint32_t bsn, uint16_t loc, int32_t day, uint16_t window,
     unsigned code, uint32_t arg)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4096;
        item *bigger = realloc(g->items, cap * sizeof *bigger);
        if (!bigger || cap > SB_TRACE_MAX_RECORDS) {
            g->failed = true;
            return;
        }
        g->items = bigger;
        g->cap = cap;
    }
    item *it = &g->items[g->n];
    memset(it, 0, sizeof *it);
    it->rec = (sb_trace_rec){.t_ms = t,
                             .bsn = bsn,
                             .arg = arg,
                             .day = day,
                             .location = loc,
                             .window = window,
                             .op = (uint8_t)op,
                             .code = (uint8_t)code};
    it->seq = g->n++;
}

/* n valid BSNs, spread out with random gaps. */
static bool
make_people(gen *g, uint32_t n)
{
    g->people = malloc((size_t)n * sizeof *g->people);
    if (!g->people)
        return false;
    uint32_t bsn = 100000000u + (uint32_t)rbelow(&g->r, 1000);
    for (uint32_t i = 0; i < n; i++) {
        bsn += 1 + (uint32_t)rbelow(&g->r, 16);
        while (!sb_bsn_valid(bsn))
            bsn++;
        g->people[i] = bsn;
    }
    g->npeople = n;
    return true;
}

static int
by_time(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->rec.t_ms != y->rec.t_ms)
        return x->rec.t_ms < y->rec.t_ms ? -1 : 1;
    if (x->early != y->early)
        return x->early ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* Sorts the records into out; the caller frees g's arrays. */
static int
finish(gen *g, sb_trace *out, char *err, size_t err_size)
{
    if (g->failed)
        return fail(err, err_size, "out of memory while generating the trace");
    qsort(g->items, g->n, sizeof *g->items, by_time);
    out->recs = malloc((g->n ? g->n : 1) * sizeof *out->recs);
    if (!out->recs)
        return fail(err, err_size, "out of memory while generating the trace");
    for (size_t i = 0; i < g->n; i++)
        out->recs[i] = g->items[i].rec;
    out->count = g->n;
    for (size_t i = 0; i < out->count; i++) {
        if (sb_trace_check(&out->shape, &out->recs[i], err, err_size) != 0) {
            sb_trace_free(out); /* a generator bug: say so rather than write it */
            return -1;
        }
    }
    return 0;
}

static void
shape(sb_trace *out, const char *name, uint64_t seed, uint32_t locations, uint32_t days,
      uint32_t windows, uint32_t people, uint32_t hold_ms)
{
    memset(out, 0, sizeof *out);
    snprintf(out->shape.scenario, sizeof out->shape.scenario, "%s", name);
    out->shape.seed = seed;
    out->shape.locations = locations;
    out->shape.days = days;
    out->shape.windows = windows;
    out->shape.max_people = people;
    out->shape.hold_ms = hold_ms;
    out->shape.first_day = sb_day_from_civil(2022, 7, 1);
    sb_trace_shape_auto(&out->shape); /* as replayed before families and waiting lists */
}

/* ---- uniform ---------------------------------------------------------------- */

static int
uniform(gen *g, const sb_scenario_params *p, sb_trace *out, char *err, size_t err_size)
{
    uint32_t people = p->people ? p->people : 1000000u;
    uint32_t places = p->places ? p->places : 100u;
    uint32_t slots = (people + places - 1) / places;
    uint32_t windows = slots < 100 ? slots : 100;
    uint32_t days = (slots + windows - 1) / windows;
    if (days > 36600)
        return fail(err, err_size, "uniform: %u people in slots of %u is too many slots", people,
                    places);
    shape(out, "uniform", p->seed, 1, days, windows, people, p->hold_ms ? p->hold_ms : 600000);
    if (!make_people(g, people))
        return fail(err, err_size, "out of memory");
    int32_t day0 = out->shape.first_day;
    emit(g, 0, TOP_OPEN, 0, 0, 0, 0, TC_NONE, 0);
    for (uint32_t s = 0; s < slots; s++)
        emit(g, 0, TOP_RELEASE, 0, 0, day0 + (int32_t)(s / windows), (uint16_t)(s % windows),
             TC_NONE, places);
    /* Person i books slot i % slots, people arriving in a random order over
     * a minute. */
    uint32_t *order = malloc((size_t)people * sizeof *order);
    if (!order)
        return fail(err, err_size, "out of memory");
    for (uint32_t i = 0; i < people; i++)
        order[i] = i;
    for (uint32_t i = people - 1; i > 0; i--) {
        uint32_t k = (uint32_t)rbelow(&g->r, i + 1), tmp = order[i];
        order[i] = order[k];
        order[k] = tmp;
    }
    for (uint32_t i = 0; i < people; i++) {
        uint32_t s = order[i] % slots;
        emit(g, 1 + (uint64_t)i * 60000 / people, TOP_BOOK, g->people[order[i]], 0,
             day0 + (int32_t)(s / windows), (uint16_t)(s % windows), TC_NONE, 0);
    }
    free(order);
    return finish(g, out, err, err_size);
}

/* ---- surge ------------------------------------------------------------------ */

static int
surge(gen *g, const sb_scenario_params *p, sb_trace *out, char *err, size_t err_size)
{
    uint32_t people = p->people ? p->people : 200000u;
    uint64_t attempts = p->attempts ? p->attempts : (uint64_t)people * 5;
    uint32_t slots = p->slots ? p->slots : 10u;
    uint32_t places = p->places ? p->places : 100u;
    uint32_t retry = p->retry_permille ? p->retry_permille : 800u;
    uint32_t hold_ms = p->hold_ms ? p->hold_ms : 600000u;
    if (slots > 36600 || attempts > SB_TRACE_MAX_RECORDS / 2)
        return fail(err, err_size, "surge: at most 36600 slots and 2^30 attempts");
    shape(out, "surge", p->seed, 1, slots, 1, people, hold_ms);
    if (!make_people(g, people))
        return fail(err, err_size, "out of memory");
    int32_t day0 = out->shape.first_day;
    emit(g, 0, TOP_OPEN, 0, 0, 0, 0, TC_NONE, 0);
    for (uint32_t s = 0; s < slots; s++)
        emit(g, 0, TOP_RELEASE, 0, 0, day0 + (int32_t)s, 0, TC_NONE, places);
    /* A minute of calls, most in its first seconds.  A share are retries by
     * people who called before (impatient refreshes, several appointments);
     * the rest come from people calling for the first time. */
    uint32_t fresh = 0;
    for (uint64_t i = 0; i < attempts; i++) {
        double u = runit(&g->r);
        uint64_t t = 1 + (uint64_t)(u * u * 60000.0);
        uint32_t who = (fresh == 0 || (fresh < people && !rchance(&g->r, retry)))
                           ? fresh++
                           : (uint32_t)rbelow(&g->r, fresh);
        uint32_t bsn = g->people[who];
        /* Earlier days first: people take the first free day. */
        int32_t day = day0 + (int32_t)(rbelow(&g->r, slots) * rbelow(&g->r, 1000) / 1000);
        unsigned r = (unsigned)rbelow(&g->r, 100);
        if (r < 45) {
            emit(g, t, TOP_BOOK, bsn, 0, day, 0, TC_NONE, 0);
        } else if (r < 80) {
            emit(g, t, TOP_RESERVE, bsn, 0, day, 0, TC_NONE, 0);
            if (rchance(&g->r, 700) && ++i < attempts)
                emit(g, t + 1000 + rbelow(&g->r, 30000), TOP_CONFIRM, bsn, 0, 0, 0, TC_NONE, 0);
        } else if (r < 92) {
            emit(g, t, TOP_NEXT_FREE, bsn, 0, day0, 0, TC_NONE, 0);
        } else if (r < 97) {
            emit(g, t, TOP_LOOKUP, bsn, 0, 0, 0, TC_NONE, 0);
        } else {
            emit(g, t, TOP_CANCEL, bsn, 0, 0, 0, TC_NONE, 0);
        }
    }
    return finish(g, out, err, err_size);
}

/* ---- planner ---------------------------------------------------------------- */

#define LOCATIONS 7
#define SEASON_DAYS 184
#define AMSTERDAM 4
#define MAX_CHANGES 3       /* cancels and reschedules per person */
#define SPARE_STICKERS 20   /* a location's first delivery, besides those ordered */
#define FAMILY_PERMILLE 160 /* booking parties that are families of 2 to 5 */
#define MAX_WAITING 256     /* waiting places per location */
#define MAX_MOMENTS 4096    /* sb_expire runs and waves over the season */

/* 2022 dates of each location (planner-2022.md): when booking opens, from
 * which day it has pick-ups, and when it stops (0 = open to the end).  The
 * sticker outage (5 September to 12 October) closes every location but
 * Amsterdam, which keeps its time slots and runs out of stickers instead
 * (deliver() below). */
typedef struct site {
    unsigned open_m, open_d, from_m, from_d, close_m, close_d;
    unsigned places_permille; /* share of `places` per day */
} site;

static const site SITES[LOCATIONS] = {
    {7, 1, 7, 1, 10, 1, 1000},    /* 0 Den Bosch: not listed from October */
    {7, 1, 7, 1, 10, 1, 1000},    /* 1 Rijswijk */
    {7, 13, 7, 18, 11, 1, 600},   /* 2 Assen: booking from 07-13, pick-ups 07-18 */
    {7, 13, 7, 18, 9, 1, 600},    /* 3 Nieuwegein: closed 09-01 */
    {7, 13, 7, 19, 0, 0, 1000},   /* 4 Amsterdam: ~100 a day; moved 11-16 */
    {7, 20, 7, 25, 11, 1, 600},   /* 5 Deventer */
    {10, 6, 10, 12, 11, 1, 1000}, /* 6 Rotterdam (Ahoy): 10-12 to 11-01 */
};

typedef struct season {
    int32_t day0, days;
    int32_t outage_from, outage_to; /* no appointments in [from, to) */
    int32_t released[LOCATIONS];    /* days released so far: up to this day */
    uint32_t places;                /* per day, before a site's share */
    /* Stickers by location and day: the reserves a wave aims there (that
     * need a sticker), and the stickers delivered for the day so far. */
    uint32_t wanted[LOCATIONS][SEASON_DAYS], delivered[LOCATIONS][SEASON_DAYS];
    bool stocked[LOCATIONS]; /* had its first delivery */
    /* When places reach the waiting list: the waves' releases and the
     * server's sb_expire runs, in time order. */
    uint64_t moments[MAX_MOMENTS];
    size_t nmoments;
    uint8_t is_wave[SEASON_DAYS];
    uint32_t groups; /* book_group records made */
} season;

static int32_t
date(unsigned m, unsigned d)
{
    return sb_day_from_civil(2022, m, d);
}

static bool
site_books(const season *s, unsigned loc, int32_t day_now)
{
    const site *x = &SITES[loc];
    int32_t close = x->close_m ? date(x->close_m, x->close_d) : s->day0 + s->days;
    bool outage = day_now >= s->outage_from && day_now < date(10, 6) && loc != AMSTERDAM;
    return day_now >= date(x->open_m, x->open_d) && day_now < close && !outage;
}

/* Whether location loc hands out passes on day. */
static bool
site_serves(const season *s, unsigned loc, int32_t day)
{
    const site *x = &SITES[loc];
    int32_t close = x->close_m ? date(x->close_m, x->close_d) : s->day0 + s->days;
    bool outage = day >= s->outage_from && day < s->outage_to && loc != AMSTERDAM;
    return day >= date(x->from_m, x->from_d) && day < close && !outage;
}

static uint64_t
wave_time(const season *s, int32_t w)
{
    return (uint64_t)(w - s->day0) * MS_DAY + 10 * MS_HOUR;
}

/* The administration at a wave on day w: open and close locations, release
 * the next two weeks (the first wave: up to 1 August). */
static void
wave_admin(gen *g, season *s, int32_t w, uint32_t places)
{
    uint64_t t = wave_time(s, w);
    int32_t until = w == s->day0 ? date(8, 1) : w + 15;
    if (until > s->day0 + s->days)
        until = s->day0 + s->days;
    for (unsigned loc = 0; loc < LOCATIONS; loc++) {
        bool books = site_books(s, loc, w);
        emit(g, t, books ? TOP_OPEN : TOP_CLOSE, 0, (uint16_t)loc, 0, 0, TC_NONE, 0);
        if (!books)
            continue;
        for (int32_t d = s->released[loc] > w ? s->released[loc] : w + 1; d < until; d++)
            if (site_serves(s, loc, d))
                emit(g, t, TOP_RELEASE, 0, (uint16_t)loc, d, 0, TC_NONE,
                     places * SITES[loc].places_permille / 1000);
        if (until > s->released[loc])
            s->released[loc] = until;
    }
}

static void
moment(season *s, uint64_t t)
{
    if (s->nmoments < MAX_MOMENTS)
        s->moments[s->nmoments++] = t;
}

/* The server's sb_expire runs, which hand the places of holds that ran out
 * to the waiting list: every 15 minutes in the first three hours of a
 * wave's surge, every 30 minutes to its end at 16:00, hourly into its
 * evening, and every four hours from 8:00 to 20:00 on other days.  Each
 * wave and each run is a moment when places reach the list. */
static void
expire_runs(gen *g, season *s)
{
    for (int32_t d = 0; d < s->days; d++) {
        uint64_t day = (uint64_t)d * MS_DAY;
        if (s->is_wave[d]) {
            for (uint64_t m = 0; m < 180; m += 15) /* the wave itself at 10:00 first */
                moment(s, day + 10 * MS_HOUR + m * MS_MIN);
            for (uint64_t m = 180; m <= 360; m += 30)
                moment(s, day + 10 * MS_HOUR + m * MS_MIN);
            for (uint64_t h = 17; h <= 22; h++)
                moment(s, day + h * MS_HOUR);
        } else {
            for (uint64_t h = 8; h <= 20; h += 4)
                moment(s, day + h * MS_HOUR);
        }
    }
    for (size_t i = 0; i < s->nmoments; i++)
        if (s->moments[i] % MS_DAY != 10 * MS_HOUR || !s->is_wave[s->moments[i] / MS_DAY])
            emit(g, s->moments[i], TOP_EXPIRE, 0, 0, 0, 0, TC_NONE, 0);
}

/* The first moment after t (s->nmoments for none). */
static size_t
moment_after(const season *s, uint64_t t)
{
    size_t lo = 0, hi = s->nmoments;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->moments[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A reserve the generator makes needs a sticker at loc for day. */
static void
want_sticker(season *s, int loc, int32_t day, uint32_t n)
{
    s->wanted[loc][day - s->day0] += n;
}

/* The stickers of a wave on day w, at the wave's time, before its releases
 * (so a waiting person the release gives a place finds one): the IND
 * orders them for the reserves it expects, at most one per place, and some
 * spare the first time, so a shelf holds a little more than the places
 * people book (an empty shelf answers SB_NO_STOCK before a full slot
 * answers SB_FULL).  In the outage no stickers come: Amsterdam, the one
 * location still booking, empties its shelf at the first September wave,
 * and then answers SB_NO_STOCK, but for stickers that cancels and holds
 * running out give back, until the deliveries of 6 October. */
static void
deliver(gen *g, season *s, int32_t w)
{
    uint64_t t = wave_time(s, w);
    bool shortage = w >= s->outage_from && w < date(10, 6);
    for (unsigned loc = 0; loc < LOCATIONS; loc++) {
        uint32_t n = 0, per_day = s->places * SITES[loc].places_permille / 1000;
        for (int32_t d = 0; d < s->days; d++) {
            uint32_t *given = &s->delivered[loc][d];
            uint32_t room = site_serves(s, loc, s->day0 + d) ? per_day - *given : 0;
            uint32_t k = s->wanted[loc][d] < room ? s->wanted[loc][d] : room;
            s->wanted[loc][d] = 0;
            if (!site_books(s, loc, w) || shortage)
                continue;
            *given += k;
            n += k;
        }
        if (n > 0 && !s->stocked[loc]) {
            n += SPARE_STICKERS;
            s->stocked[loc] = true;
        }
        if (n > 0) {
            emit(g, t, TOP_STOCK, 0, (uint16_t)loc, 0, 0, TC_NONE, n);
            if (!g->failed)
                g->items[g->n - 1].early = true;
        }
    }
}

/* A location that books at day w, or -1. */
static int
pick_site(gen *g, const season *s, int32_t w)
{
    int open[LOCATIONS], n = 0;
    for (unsigned loc = 0; loc < LOCATIONS; loc++)
        if (site_books(s, loc, w))
            open[n++] = (int)loc;
    return n ? open[rbelow(&g->r, (uint64_t)n)] : -1;
}

/* The desk on the appointment day: verify and redeem, and sometimes fraud. */
static void
desk(gen *g, const sb_scenario_params *p, const season *s, uint32_t bsn, int32_t day)
{
    uint64_t t = (uint64_t)(day - s->day0) * MS_DAY + 9 * MS_HOUR + rbelow(&g->r, 8 * MS_HOUR);
    uint32_t fraud = p->fraud_permille ? p->fraud_permille : 40;
    if (rchance(&g->r, fraud)) {
        uint32_t other = g->people[rbelow(&g->r, g->npeople)];
        switch (rbelow(&g->r, 3)) {
        case 0: /* a code bought or copied from this person, shown by another */
            emit(g, t - MS_HOUR, TOP_VERIFY, other, 0, 0, 0, TC_OF, bsn);
            emit(g, t - MS_HOUR + 1000, TOP_REDEEM, other, 0, 0, 0, TC_OF, bsn);
            break;
        case 1: /* a copy redeemed again after the holder */
            emit(g, t + 10 * MS_MIN, TOP_REDEEM, bsn, 0, 0, 0, TC_OWN, 0);
            break;
        default: /* a guessed code */
            emit(g, t - MS_HOUR, TOP_VERIFY, other, 0, 0, 0, TC_FORGED, (uint32_t)rnext(&g->r));
            break;
        }
    }
    emit(g, t, TOP_VERIFY, bsn, 0, 0, 0, TC_OWN, 0);
    emit(g, t + 60000, TOP_REDEEM, bsn, 0, 0, 0, TC_OWN, 0);
}

/* Some people look again a few hours after booking for an earlier day (at
 * their location or another) and move their appointment there (a family
 * moves as a whole, `people` of them, by any member's call); at replay that
 * is SB_FULL unless a place came free.  Returns the day they expect to come
 * to the desk. */
static int32_t
move_earlier(gen *g, season *s, uint32_t bsn, int loc, int32_t day, int32_t w, uint64_t t,
             uint32_t people)
{
    if (!rchance(&g->r, 120))
        return day;
    int to = rchance(&g->r, 250) ? pick_site(g, s, w) : loc;
    int32_t last = to == loc ? day - 1 : day; /* elsewhere the same day will do */
    if (last >= s->released[to])
        last = s->released[to] - 1;
    if (last <= w)
        return day;
    int32_t earlier = w + 1 + (int32_t)rbelow(&g->r, (uint64_t)(last - w));
    t += MS_HOUR + rbelow(&g->r, 4 * MS_HOUR);
    emit(g, t, TOP_NEXT_FREE, bsn, (uint16_t)to, w + 1, 0, TC_NONE, 0);
    emit(g, t + 3000, TOP_RESCHEDULE, bsn, (uint16_t)to, earlier, 0, TC_NONE, 0);
    if (to != loc) /* inside a location the stickers go along */
        want_sticker(s, to, earlier, people);
    return earlier;
}

/* A reseller books at a wave, then sells the appointment again and again,
 * moving it to each buyer's day (a reschedule, so a change) while the buyer
 * checks the code bought (SB_WRONG_HOLDER); past MAX_CHANGES the moves and
 * the last cancel answer SB_LIMIT. */
static void
resale(gen *g, season *s, uint32_t bsn, int32_t w)
{
    int loc = pick_site(g, s, w);
    if (loc < 0 || s->released[loc] <= w + 1)
        return;
    uint64_t t = wave_time(s, w) + MS_MIN + rbelow(&g->r, MS_HOUR);
    uint64_t days = (uint64_t)(s->released[loc] - w - 1);
    int32_t day = w + 1 + (int32_t)rbelow(&g->r, days);
    emit(g, t, TOP_BOOK, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    want_sticker(s, loc, day, 1);
    for (unsigned sale = 0; sale < MAX_CHANGES + 2; sale++) {
        t += MS_HOUR + rbelow(&g->r, 3 * MS_HOUR);
        day = w + 1 + (int32_t)rbelow(&g->r, days);
        emit(g, t, TOP_RESCHEDULE, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
        emit(g, t + MS_MIN, TOP_VERIFY, g->people[rbelow(&g->r, g->npeople)], 0, 0, 0, TC_OF, bsn);
    }
    emit(g, t + MS_HOUR, TOP_CANCEL, bsn, 0, 0, 0, TC_NONE, 0);
}

/* When a person or a family comes at a wave on day w, after the look-ups
 * they make first (at locations that book then): 0 when nothing books. */
static uint64_t
arrive(gen *g, const season *s, uint32_t bsn, int32_t w, unsigned lookups)
{
    double u = runit(&g->r);
    uint64_t t = wave_time(s, w) + (uint64_t)(u * u * 6 * MS_HOUR);
    for (unsigned k = lookups; k > 0; k--)
        emit(g, t + k * 5000, TOP_NEXT_FREE, bsn, (uint16_t)pick_site(g, s, w), w + 1, 0, TC_NONE,
             0);
    return t;
}

/* The day a party aims at, at loc from a wave on day w; 0 when none is
 * released yet. */
static int32_t
aim_day(gen *g, const season *s, int loc, int32_t w)
{
    int32_t day = w + 1 + (int32_t)rbelow(&g->r, 4) * (int32_t)rbelow(&g->r, 4);
    if (day >= s->released[loc])
        day = s->released[loc] - 1;
    return day > w ? day : 0;
}

/* One person's go at a wave on day w: look, reserve, confirm (or not),
 * perhaps a second appointment, perhaps a cancel or a move to an earlier
 * day, then the desk.  Returns whether they confirmed. */
static bool
attempt(gen *g, const sb_scenario_params *p, season *s, uint32_t bsn, int32_t w)
{
    int loc = pick_site(g, s, w);
    if (loc < 0)
        return false;
    uint64_t t = arrive(g, s, bsn, w, 1 + (unsigned)rbelow(&g->r, 4));
    int32_t day = aim_day(g, s, loc, w);
    if (day == 0)
        return false;
    t += 30000;
    emit(g, t, TOP_SLOT_READ, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    emit(g, t + 2000, TOP_RESERVE, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    want_sticker(s, loc, day, 1);
    uint64_t hold = p->hold_ms ? p->hold_ms : 600000u;
    unsigned fate = (unsigned)rbelow(&g->r, 100);
    if (fate < 5) /* confirmed too late */
        emit(g, t + hold + 60000, TOP_CONFIRM, bsn, 0, 0, 0, TC_NONE, 0);
    if (fate < 25) /* a hold left to expire */
        return false;
    emit(g, t + 2000 + rbelow(&g->r, hold / 2), TOP_CONFIRM, bsn, 0, 0, 0, TC_NONE, 0);
    if (rchance(&g->r, 50)) { /* a second appointment elsewhere */
        int other = pick_site(g, s, w);
        emit(g, t + MS_MIN, TOP_BOOK, bsn, (uint16_t)other, w + 2, 0, TC_NONE, 0);
        want_sticker(s, other, w + 2, 1);
    }
    if (rchance(&g->r, 40)) { /* cancels before the day: goes back to the planner */
        emit(g, t + MS_HOUR + rbelow(&g->r, (uint64_t)(day - w) * MS_DAY / 2), TOP_CANCEL, bsn, 0,
             0, 0, TC_NONE, 0);
        return false;
    }
    emit(g, t + 10 * MS_MIN, TOP_LOOKUP, bsn, 0, 0, 0, TC_NONE, 0);
    desk(g, p, s, bsn, move_earlier(g, s, bsn, loc, day, w, t, 1));
    return true;
}

/* A family (Ukrainian families with children, 2 to 5 people) at a wave on
 * day w: the leader looks, then books them all into one slot with one code
 * (sb_book_group); some cancel as a whole (any member's call cancels the
 * family, and it comes to the next wave again), some move as a whole to an
 * earlier day; at the desk each member is verified and redeemed on their
 * own, a child of 14 or over now and then on another day.  who[0] leads.
 * Returns whether they booked. */
static bool
family_attempt(gen *g, const sb_scenario_params *p, season *s, const uint32_t *who, unsigned n,
               int32_t w)
{
    int loc = pick_site(g, s, w);
    if (loc < 0)
        return false;
    uint64_t t = arrive(g, s, who[0], w, 1 + (unsigned)rbelow(&g->r, 3));
    int32_t day = aim_day(g, s, loc, w);
    if (day == 0)
        return false;
    t += 30000;
    emit(g, t, TOP_SLOT_READ, who[0], (uint16_t)loc, day, 0, TC_NONE, 0);
    /* One call, n records: the book_group, then its members at its time. */
    emit(g, t + 2000, TOP_BOOK_GROUP, who[0], (uint16_t)loc, day, 0, TC_NONE, n);
    for (unsigned k = 1; k < n; k++)
        emit(g, t + 2000, TOP_MEMBER, who[k], 0, 0, 0, TC_NONE, 0);
    s->groups++;
    want_sticker(s, loc, day, n);
    if (rchance(&g->r, 50)) { /* a member cancels the family's appointment */
        emit(g, t + MS_HOUR + rbelow(&g->r, (uint64_t)(day - w) * MS_DAY / 2), TOP_CANCEL,
             who[rbelow(&g->r, n)], 0, 0, 0, TC_NONE, 0);
        return false;
    }
    emit(g, t + 10 * MS_MIN, TOP_LOOKUP, who[rbelow(&g->r, n)], 0, 0, 0, TC_NONE, 0);
    day = move_earlier(g, s, who[rbelow(&g->r, n)], loc, day, w, t, n);
    unsigned later = rchance(&g->r, 200) ? 1 + (unsigned)rbelow(&g->r, n - 1) : n;
    for (unsigned k = 0; k < n; k++)
        desk(g, p, s, who[k], day + (k == later ? 1 + (int32_t)rbelow(&g->r, 3) : 0));
    return true;
}

/* A waiting person checks the planner a few minutes after moment i and
 * confirms the hold they were offered, if any. */
static void
poll(gen *g, const season *s, uint32_t bsn, size_t i)
{
    emit(g, s->moments[i] + MS_MIN + rbelow(&g->r, 7 * MS_MIN), TOP_CONFIRM, bsn, 0, 0, 0, TC_NONE,
         0);
}

/* Somebody who found nothing waits instead of refreshing: the waiting list
 * of a location for the next one to three weeks (sb_wait).  Most then check
 * the planner a few minutes after the moments places reach the list (the
 * next sb_expire runs, and the next wave's release) and confirm the hold
 * they were offered, if any (SB_NOT_FOUND while still waiting); some never
 * look and let an offered hold run out, so the next sb_expire passes its
 * place on.  Those who confirm come to the desk at the end of their range
 * (a verify or redeem without a code to show is skipped at replay). */
static void
waiter(gen *g, const sb_scenario_params *p, season *s, uint32_t bsn, int32_t w)
{
    int loc = pick_site(g, s, w);
    if (loc < 0)
        return;
    uint64_t t = arrive(g, s, bsn, w, 1 + (unsigned)rbelow(&g->r, 2));
    int32_t from = w + 1, to = from + 6 + (int32_t)rbelow(&g->r, 15);
    if (to > s->day0 + s->days - 1)
        to = s->day0 + s->days - 1;
    t += 30000;
    emit(g, t, TOP_WAIT, bsn, (uint16_t)loc, from, 0, TC_NONE, (uint32_t)(to - from));
    want_sticker(s, loc, to, 1);
    if (rchance(&g->r, 200))
        return; /* never looks: an offered hold runs out */
    size_t i = moment_after(s, t);
    for (unsigned k = 1 + (unsigned)rbelow(&g->r, 3); k > 0 && i < s->nmoments; k--, i++)
        poll(g, s, bsn, i);
    /* And at the next wave, when its release gives new places to the list,
     * and the two runs after it. */
    int32_t next = w + 1;
    while (next <= to && !s->is_wave[next - s->day0])
        next++;
    i = next <= to ? moment_after(s, wave_time(s, next) - 1) : s->nmoments;
    for (unsigned k = 0; k < 3 && i < s->nmoments; k++, i++)
        poll(g, s, bsn, i);
    if (rchance(&g->r, 100)) /* gives up waiting after a few days */
        emit(g, t + MS_DAY + rbelow(&g->r, 3 * MS_DAY), TOP_CANCEL, bsn, 0, 0, 0, TC_NONE, 0);
    else
        desk(g, p, s, bsn, to);
}

/* Booking parties: people[i] leads a family of party[i] (2 to 5), or goes
 * alone (1); a family's other members follow their leader in the people
 * array (party 0). */
static void
make_parties(gen *g, uint8_t *party, uint32_t people)
{
    static const unsigned size_permille[] = {300, 350, 250, 100}; /* 2, 3, 4, 5 */
    for (uint32_t i = 0; i < people;) {
        unsigned n = 1;
        if (rchance(&g->r, FAMILY_PERMILLE)) {
            uint32_t k = (uint32_t)rbelow(&g->r, 1000);
            for (n = 2; n < 5 && k >= size_permille[n - 2]; n++)
                k -= size_permille[n - 2];
        }
        if (n > people - i)
            n = people - i;
        party[i] = (uint8_t)n;
        for (unsigned k = 1; k < n; k++)
            party[i + k] = 0;
        i += n;
    }
}

/* One booking party's go at the wave on day w: true when they are done
 * (booked, waiting, or a reseller). */
static bool
party_go(gen *g, const sb_scenario_params *p, season *s, uint32_t i, unsigned party, bool seller,
         unsigned tries, int32_t w)
{
    if (party > 1)
        return family_attempt(g, p, s, &g->people[i], party, w);
    if (seller) {
        resale(g, s, g->people[i], w);
        return true;
    }
    /* Somebody who found nothing before, now and then somebody new. */
    if (rchance(&g->r, tries > 1 ? 250 : 50)) {
        waiter(g, p, s, g->people[i], w);
        return true;
    }
    return attempt(g, p, s, g->people[i], w);
}

/* Release waves: the opening, every Monday, and the dates of the story. */
static void
mark_waves(season *s)
{
    static const unsigned extra[][2] = {{7, 1}, {7, 13}, {7, 21}, {10, 6}, {10, 24}, {11, 14}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        s->is_wave[date(extra[i][0], extra[i][1]) - s->day0] = 1;
    for (int32_t d = date(7, 4); d < s->day0 + 153; d += 7) /* Mondays to 1 December */
        s->is_wave[d - s->day0] = 1;
}

/* People arrive over the season (a backlog at the start); each party comes
 * to the next waves until it holds an appointment or waits, at most five
 * times.  A few (5 in 1,000) come once, to resell. */
static void
season_run(gen *g, const sb_scenario_params *p, season *s, const int32_t *arrival,
           const uint8_t *seller, const uint8_t *party, uint8_t *tries)
{
    for (int32_t w = s->day0; w < s->day0 + s->days; w++) {
        if (!s->is_wave[w - s->day0])
            continue;
        wave_admin(g, s, w, s->places);
        for (uint32_t i = 0; i < g->npeople; i++) {
            if (party[i] == 0 || arrival[i] > w || tries[i] >= 5)
                continue;
            tries[i]++;
            if (party_go(g, p, s, i, party[i], seller[i] && party[i] == 1, tries[i], w))
                tries[i] = 5;
        }
        deliver(g, s, w);
    }
}

static int
planner(gen *g, const sb_scenario_params *p, sb_trace *out, char *err, size_t err_size)
{
    uint32_t people = p->people ? p->people : 42800u;
    uint32_t places = p->places ? p->places : 100u;
    shape(out, "planner", p->seed, LOCATIONS, SEASON_DAYS, 1, people,
          p->hold_ms ? p->hold_ms : 600000);
    out->shape.max_changes = MAX_CHANGES;
    out->shape.use_stock = 1;
    out->shape.max_waiting = MAX_WAITING;
    season *s = calloc(1, sizeof *s);
    if (!s || !make_people(g, people)) {
        free(s);
        return fail(err, err_size, "out of memory");
    }
    s->day0 = out->shape.first_day;
    s->days = SEASON_DAYS;
    s->outage_from = date(9, 5);
    s->outage_to = date(10, 12);
    s->places = places;
    for (unsigned loc = 0; loc < LOCATIONS; loc++)
        s->released[loc] = s->day0;
    mark_waves(s);
    expire_runs(g, s);
    int32_t *arrival = malloc((size_t)people * sizeof *arrival);
    uint8_t *tries = calloc(people, 1), *seller = calloc(people, 1), *party = calloc(people, 1);
    if (arrival && tries && seller && party) {
        for (uint32_t i = 0; i < people; i++) {
            arrival[i] = s->day0 + (rchance(&g->r, 400) ? 0 : (int32_t)rbelow(&g->r, 150));
            seller[i] = rchance(&g->r, 5);
        }
        make_parties(g, party, people);
        season_run(g, p, s, arrival, seller, party, tries);
    }
    bool ok = arrival && tries && seller && party;
    out->shape.max_families = s->groups; /* enough for every family booking to be made */
    free(arrival);
    free(tries);
    free(seller);
    free(party);
    free(s);
    return ok ? finish(g, out, err, err_size) : fail(err, err_size, "out of memory");
}

int
sb_scenario_generate(const char *name, const sb_scenario_params *p, sb_trace *out, char *err,
                     size_t err_size)
{
    if (p->people > 16000000u || p->places > 1000000u)
        return fail(err, err_size, "at most 16,000,000 people and 1,000,000 places per slot");
    gen g = {.r = {p->seed ^ UINT64_C(0x5b0b00c5eed)}};
    memset(out, 0, sizeof *out);
    int rc;
    if (strcmp(name, "uniform") == 0)
        rc = uniform(&g, p, out, err, err_size);
    else if (strcmp(name, "surge") == 0)
        rc = surge(&g, p, out, err, err_size);
    else if (strcmp(name, "planner") == 0)
        rc = planner(&g, p, out, err, err_size);
    else
        rc = fail(err, err_size, "unknown scenario '%s' (uniform, surge, planner)", name);
    free(g.items);
    free(g.people);
    return rc;
}
