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

/* Records with their order of making, so the sort by time is stable. */
typedef struct item {
    sb_trace_rec rec;
    uint64_t seq;
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
#define MAX_CHANGES 3     /* cancels and reschedules per person */
#define SPARE_STICKERS 20 /* a location's first delivery, besides those ordered */

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

/* The administration at a wave on day w: open and close locations, release
 * the next two weeks (the first wave: up to 1 August). */
static void
wave_admin(gen *g, season *s, int32_t w, uint32_t places)
{
    uint64_t t = (uint64_t)(w - s->day0) * MS_DAY + 10 * MS_HOUR;
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
    for (unsigned h = 0; h < 12; h++)
        emit(g, t + h * MS_HOUR, TOP_EXPIRE, 0, 0, 0, 0, TC_NONE, 0);
}

/* A reserve the generator makes needs a sticker at loc for day. */
static void
want_sticker(season *s, int loc, int32_t day)
{
    s->wanted[loc][day - s->day0]++;
}

/* The stickers of a wave on day w, at the wave's time (so before anybody's
 * call): the IND orders them for the reserves it expects, at most one per
 * place, and some spare the first time, so a shelf holds a little more than
 * the places people book (an empty shelf answers SB_NO_STOCK before a full
 * slot answers SB_FULL).  In the outage no stickers come: Amsterdam, the
 * one location still booking, empties its shelf at the first September
 * wave, and then answers SB_NO_STOCK, but for stickers that cancels and
 * holds running out give back, until the deliveries of 6 October. */
static void
deliver(gen *g, season *s, int32_t w)
{
    uint64_t t = (uint64_t)(w - s->day0) * MS_DAY + 10 * MS_HOUR;
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
        if (n > 0)
            emit(g, t, TOP_STOCK, 0, (uint16_t)loc, 0, 0, TC_NONE, n);
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
 * their location or another) and move their appointment there; at replay
 * that is SB_FULL unless a place came free.  Returns the day they expect to
 * come to the desk. */
static int32_t
move_earlier(gen *g, season *s, uint32_t bsn, int loc, int32_t day, int32_t w, uint64_t t)
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
    if (to != loc) /* inside a location the sticker goes along */
        want_sticker(s, to, earlier);
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
    uint64_t t = (uint64_t)(w - s->day0) * MS_DAY + 10 * MS_HOUR + MS_MIN + rbelow(&g->r, MS_HOUR);
    uint64_t days = (uint64_t)(s->released[loc] - w - 1);
    int32_t day = w + 1 + (int32_t)rbelow(&g->r, days);
    emit(g, t, TOP_BOOK, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    want_sticker(s, loc, day);
    for (unsigned sale = 0; sale < MAX_CHANGES + 2; sale++) {
        t += MS_HOUR + rbelow(&g->r, 3 * MS_HOUR);
        day = w + 1 + (int32_t)rbelow(&g->r, days);
        emit(g, t, TOP_RESCHEDULE, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
        emit(g, t + MS_MIN, TOP_VERIFY, g->people[rbelow(&g->r, g->npeople)], 0, 0, 0, TC_OF, bsn);
    }
    emit(g, t + MS_HOUR, TOP_CANCEL, bsn, 0, 0, 0, TC_NONE, 0);
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
    double u = runit(&g->r);
    uint64_t t = (uint64_t)(w - s->day0) * MS_DAY + 10 * MS_HOUR + (uint64_t)(u * u * 6 * MS_HOUR);
    for (unsigned k = 1 + (unsigned)rbelow(&g->r, 4); k > 0; k--)
        emit(g, t + k * 5000, TOP_NEXT_FREE, bsn, (uint16_t)pick_site(g, s, w), w + 1, 0, TC_NONE,
             0);
    int32_t day = w + 1 + (int32_t)rbelow(&g->r, 4) * (int32_t)rbelow(&g->r, 4);
    if (day >= s->released[loc])
        day = s->released[loc] - 1;
    if (day <= w)
        return false;
    t += 30000;
    emit(g, t, TOP_SLOT_READ, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    emit(g, t + 2000, TOP_RESERVE, bsn, (uint16_t)loc, day, 0, TC_NONE, 0);
    want_sticker(s, loc, day);
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
        want_sticker(s, other, w + 2);
    }
    if (rchance(&g->r, 40)) { /* cancels before the day: goes back to the planner */
        emit(g, t + MS_HOUR + rbelow(&g->r, (uint64_t)(day - w) * MS_DAY / 2), TOP_CANCEL, bsn, 0,
             0, 0, TC_NONE, 0);
        return false;
    }
    emit(g, t + 10 * MS_MIN, TOP_LOOKUP, bsn, 0, 0, 0, TC_NONE, 0);
    desk(g, p, s, bsn, move_earlier(g, s, bsn, loc, day, w, t));
    return true;
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
    if (!make_people(g, people))
        return fail(err, err_size, "out of memory");
    season s = {.day0 = out->shape.first_day,
                .days = SEASON_DAYS,
                .outage_from = date(9, 5),
                .outage_to = date(10, 12),
                .places = places};
    for (unsigned loc = 0; loc < LOCATIONS; loc++)
        s.released[loc] = s.day0;
    /* Release waves: the opening, every Monday, and the dates of the story. */
    static const unsigned extra[][2] = {{7, 1}, {7, 13}, {7, 21}, {10, 6}, {10, 24}, {11, 14}};
    uint8_t is_wave[SEASON_DAYS] = {0};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        is_wave[date(extra[i][0], extra[i][1]) - s.day0] = 1;
    for (int32_t d = date(7, 4); d < s.day0 + 153; d += 7) /* Mondays to 1 December */
        is_wave[d - s.day0] = 1;
    /* People arrive over the season (a backlog at the start); each comes to
     * the next waves until they hold an appointment, at most five times.  A
     * few (5 in 1,000) come once, to resell. */
    int32_t *arrival = malloc((size_t)people * sizeof *arrival);
    uint8_t *tries = calloc(people, 1), *seller = calloc(people, 1);
    if (!arrival || !tries || !seller) {
        free(arrival);
        free(tries);
        free(seller);
        return fail(err, err_size, "out of memory");
    }
    for (uint32_t i = 0; i < people; i++) {
        arrival[i] = s.day0 + (rchance(&g->r, 400) ? 0 : (int32_t)rbelow(&g->r, 150));
        seller[i] = rchance(&g->r, 5);
    }
    for (int32_t w = s.day0; w < s.day0 + s.days; w++) {
        if (!is_wave[w - s.day0])
            continue;
        wave_admin(g, &s, w, places);
        for (uint32_t i = 0; i < people; i++) {
            if (arrival[i] > w || tries[i] >= 5)
                continue;
            tries[i]++;
            if (seller[i])
                resale(g, &s, g->people[i], w);
            if (seller[i] || attempt(g, p, &s, g->people[i], w))
                tries[i] = 5;
        }
        deliver(g, &s, w);
    }
    free(arrival);
    free(tries);
    free(seller);
    return finish(g, out, err, err_size);
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
