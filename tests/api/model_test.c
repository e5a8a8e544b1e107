/*
 * Model-based test: long random sequences of calls, each checked against a
 * tiny single-threaded reference model written from SPEC.md ("Semantics")
 * and the statuses documented in slotbook.h.  Uses <slotbook.h> only.
 *
 * The model is plain arrays: locations open or closed, each slot's
 * capacity, and per person their state (none, held, booked, redeemed), the
 * hold's slot and deadline, the booked slot, how many bookings they made,
 * and every code the engine issued them with its status (live, cancelled,
 * used).  A slot's held, booked and redeemed counts are derived from the
 * people, so the model cannot drift from itself.  Time is a fake clock that
 * only moves forward; a hold is live while now < reserved_at + hold_ms.
 *
 * Delayed releases land at moments the model cannot predict, so the random
 * sequences run with release_delay_ms = 0 and a separate test checks only
 * the bounds of delayed releases.
 *
 * Each sequence runs with or without sticker stock (use_stock) and with
 * max_changes 0 (unlimited) or 1..3, chosen by the seed: every five seeds
 * mix them, seeds 1..11 cover every pair.  The model counts each
 * person's changes (cancels and reschedules) and the stickers added to each
 * shelf; sb_reschedule moves a booking with a new code (the old one then
 * answers SB_CANCELLED); sb_each_booking walks random ranges, sometimes
 * stopping early, sometimes looking up or cancelling from inside the walk.
 *
 * Dead holds (ran out, not yet reclaimed).  Expired holds count as free at
 * once, but the engine keeps a dead hold's place and sticker until it is
 * reclaimed: by sb_expire; by a reserve, book or reschedule that finds the
 * slot full counting dead holds and takes one's place over; by its owner's
 * next successful reserve or book; or by a reserve, book or reschedule that
 * finds the location's shelf empty, which reclaims every dead hold of the
 * location before it answers SB_NO_STOCK or takes a sticker.  The model
 * follows these rules exactly but for one thing the contract leaves open:
 * which dead hold of a full slot a takeover took.  So it keeps, per slot,
 * bounds on how many dead holds are not yet reclaimed; they are exact until
 * an owner whose dead hold may or may not have been taken over reserves
 * again, and exact again after sb_expire or an empty shelf's reclaim.
 * sb_stock_read is compared after every step: the shelf holds what was added
 * less one sticker per live hold, booking and redeemed booking of the
 * location, less its dead holds not yet reclaimed; exactly when the bounds
 * meet (nearly always), else against the bounds.  No status depends on the
 * unknown: SB_NO_STOCK answers exactly when nothing is left once the dead
 * holds are back, because an empty shelf reclaims them first.
 *
 * sb_expire's count is checked against the same bounds (exact when they
 * meet); the next sb_expire answers 0, and the stats counter of reclaimed
 * holds then equals every hold that ever ran out.  At the end of each
 * sequence: sb_audit, every person's lookup, every code issued, every
 * location's walk, and the stats outcome counters against the calls the
 * test made.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slotbook.h>

#include "splitmix.h" /* bench/: the generator's random source */

/* ---- engine shape ---------------------------------------------------------- */

#define NLOC 3u
#define NDAYS 4u
#define NWIN 2u
#define NSLOTS (NLOC * NDAYS * NWIN)
#define MAX_PEOPLE 60u
#define HOLD_MS 1000u
#define NVALID 76
#define NINVALID 4
#define NPOOL (NVALID + NINVALID)
#define MAX_GEN 65535u
#define STEPS 20000
#define CLOCK_START UINT64_C(1650000000000) /* spring 2022, in ms */

static const char CROCKFORD[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* ---- the fake clock --------------------------------------------------------- */

typedef struct fake_clock {
    uint64_t now;
} fake_clock;

static uint64_t
fake_now(void *ctx)
{
    return ((fake_clock *)ctx)->now;
}

/* ---- BSNs, by the 11-check written out ------------------------------------- */

static bool
bsn_ok(uint32_t bsn)
{
    if (bsn == 0 || bsn > 999999999u)
        return false;
    int sum = 0;
    uint32_t x = bsn;
    for (int w = -1; w <= 9; w++) { /* digits from the right: d9 (-1), d8 (2), ... d1 (9) */
        if (w == 0 || w == 1)
            continue;
        sum += w * (int)(x % 10);
        x /= 10;
    }
    return sum % 11 == 0;
}

static uint32_t
bsn_make(rng *r)
{
    for (;;) {
        uint32_t head = rbelow(r, 100000000u); /* d1..d8, leading zeros allowed */
        int sum = 0;
        uint32_t x = head;
        for (int w = 2; w <= 9; w++) {
            sum += w * (int)(x % 10);
            x /= 10;
        }
        int d9 = sum % 11;
        if (d9 == 10)
            continue;
        uint32_t bsn = head * 10u + (uint32_t)d9;
        if (bsn != 0)
            return bsn;
    }
}

/* ---- the reference model ---------------------------------------------------- */

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED };
enum { C_LIVE, C_CANCELLED, C_USED };

typedef struct mcode {
    char text[SB_CODE_SIZE];
    int owner; /* index in the pool */
    int status;
    int slot;
} mcode;

typedef struct mperson {
    uint32_t bsn;
    bool valid;
    bool stored;       /* took a hold or booking once: kept for ever */
    int state;         /* P_HELD also when the hold ran out (then "expired") */
    int slot;          /* of the hold or booking */
    uint64_t deadline; /* of the hold */
    bool swept;        /* the hold ran out and is known to be reclaimed (by an
                          sb_expire, or an empty shelf at its location) */
    bool dead_noted;   /* the hold ran out and is counted in dead_lo/dead_hi */
    uint32_t gen;      /* bookings made */
    uint32_t changes;  /* cancels and reschedules made */
    int latest;        /* index of the latest code, -1 for none */
} mperson;

typedef struct model {
    bool use_stock;
    uint32_t max_changes; /* 0 = unlimited */
    bool open[NLOC];
    uint32_t capacity[NSLOTS];
    /* bounds on the dead holds of each slot not yet reclaimed (see the top) */
    uint32_t dead_lo[NSLOTS], dead_hi[NSLOTS];
    uint64_t stock_added[NLOC]; /* stickers put on each shelf */
    mperson people[NPOOL];
    uint32_t stored;
    mcode *codes;
    size_t ncodes, capcodes;
    uint64_t expired_gone; /* expired holds replaced by their owner's next reserve or book */
    uint64_t now;
    uint64_t noted_at; /* when m_note_deaths last looked */
} model;

static int32_t first_day; /* 2022-03-14 */

static int
slot_index(sb_slot s)
{
    int64_t d = (int64_t)s.day - first_day;
    if (s.location >= NLOC || s.window >= NWIN || d < 0 || d >= NDAYS)
        return -1;
    return (int)(((uint32_t)s.location * NDAYS + (uint32_t)d) * NWIN + s.window);
}

static sb_slot
slot_at(int i)
{
    sb_slot s;
    s.window = (uint16_t)((uint32_t)i % NWIN);
    s.day = first_day + (int32_t)(((uint32_t)i / NWIN) % NDAYS);
    s.location = (uint16_t)((uint32_t)i / NWIN / NDAYS);
    return s;
}

static bool
m_live(const model *m, const mperson *p)
{
    return p->state == P_HELD && m->now < p->deadline;
}

static bool
m_ran_out(const model *m, const mperson *p)
{
    return p->state == P_HELD && m->now >= p->deadline;
}

static sb_slot_info
m_slot(const model *m, int s)
{
    sb_slot_info in;
    memset(&in, 0, sizeof in);
    in.capacity = m->capacity[s];
    for (int i = 0; i < NPOOL; i++) {
        const mperson *p = &m->people[i];
        if (p->slot != s)
            continue;
        if (m_live(m, p))
            in.held++;
        else if (p->state == P_BOOKED)
            in.booked++;
        else if (p->state == P_REDEEMED)
            in.redeemed++;
    }
    uint64_t used = (uint64_t)in.held + in.booked + in.redeemed;
    cr_assert(used <= in.capacity, "the model itself broke the capacity invariant");
    in.free = in.capacity - (uint32_t)used;
    in.pending = 0;
    return in;
}

/* expired holds not yet reclaimed, in slot s (-1: all slots) */
static uint32_t
m_unreclaimed(const model *m, int s)
{
    uint32_t n = 0;
    for (int i = 0; i < NPOOL; i++) {
        const mperson *p = &m->people[i];
        if (m_ran_out(m, p) && !p->swept && (s < 0 || p->slot == s))
            n++;
    }
    return n;
}

static uint64_t
m_expired_total(const model *m)
{
    uint64_t n = m->expired_gone;
    for (int i = 0; i < NPOOL; i++)
        if (m_ran_out(m, &m->people[i]))
            n++;
    return n;
}

static bool
m_over_limit(const model *m, const mperson *p)
{
    return m->max_changes != 0 && p->changes >= m->max_changes;
}

/* a live hold, a booking or a redeemed booking: what holds a sticker */
static bool
m_has_place(const model *m, const mperson *p)
{
    return m_live(m, p) || p->state == P_BOOKED || p->state == P_REDEEMED;
}

static unsigned
m_location(int s)
{
    return (unsigned)s / (NDAYS * NWIN);
}

/* Holds that ran out since the last step join their slot's dead holds
 * (none while the clock stands: a new hold outlives the present). */
static void
m_note_deaths(model *m)
{
    if (m->noted_at == m->now)
        return;
    m->noted_at = m->now;
    for (int i = 0; i < NPOOL; i++) {
        mperson *p = &m->people[i];
        if (m_ran_out(m, p) && !p->dead_noted) {
            p->dead_noted = true;
            m->dead_lo[p->slot]++;
            m->dead_hi[p->slot]++;
        }
    }
}

/* Bounds on the stickers on each shelf now: what was added, less one per
 * live hold, booking and redeemed booking there, less the dead holds not
 * yet reclaimed.  hi < 0 when the engine let more stickers out than it
 * had: no answer of sb_stock_read fits then. */
static void
m_shelves(const model *m, int64_t lo[NLOC], int64_t hi[NLOC])
{
    int64_t have[NLOC], dlo[NLOC] = {0}, dhi[NLOC] = {0};
    for (unsigned loc = 0; loc < NLOC; loc++)
        have[loc] = (int64_t)m->stock_added[loc];
    for (int i = 0; i < NPOOL; i++)
        if (m_has_place(m, &m->people[i]))
            have[m_location(m->people[i].slot)]--;
    for (int s = 0; s < (int)NSLOTS; s++) {
        dlo[m_location(s)] += m->dead_lo[s];
        dhi[m_location(s)] += m->dead_hi[s];
    }
    for (unsigned loc = 0; loc < NLOC; loc++) {
        lo[loc] = have[loc] - dhi[loc] < 0 ? 0 : have[loc] - dhi[loc];
        hi[loc] = have[loc] - dlo[loc];
    }
}

/* A reserve, book or reschedule into loc takes a sticker (use_stock):
 * false for SB_NO_STOCK.  An empty shelf first reclaims every dead hold of
 * loc; when the model cannot tell whether the shelf was empty, they may or
 * may not be back.  Either way the answer is known: nothing is left exactly
 * when nothing is left with every dead hold back. */
static bool
m_stock_take(model *m, unsigned loc)
{
    if (!m->use_stock)
        return true;
    int64_t lo[NLOC], hi[NLOC];
    m_shelves(m, lo, hi);
    if (lo[loc] == 0) {
        bool surely = hi[loc] == 0;
        for (int s = 0; s < (int)NSLOTS; s++) {
            if (m_location(s) != loc)
                continue;
            m->dead_lo[s] = 0;
            if (surely)
                m->dead_hi[s] = 0;
        }
        for (int i = 0; i < NPOOL && surely; i++) {
            mperson *p = &m->people[i];
            if (m_ran_out(m, p) && m_location(p->slot) == loc)
                p->swept = true;
        }
    }
    uint64_t used = 0;
    for (int i = 0; i < NPOOL; i++)
        if (m_has_place(m, &m->people[i]) && m_location(m->people[i].slot) == loc)
            used++;
    return m->stock_added[loc] > used;
}

/* A reserve, book or reschedule found a free place in slot s (and kept it,
 * or gave it back on SB_NOMEM).  When the slot was full counting its dead
 * holds, the place was one of theirs: that dead hold is reclaimed. */
static void
m_place_take(model *m, int s)
{
    uint32_t used = m->capacity[s] - m_slot(m, s).free;
    if (used + m->dead_lo[s] >= m->capacity[s]) {
        m->dead_lo[s]--;
        m->dead_hi[s]--;
    } else if (used + m->dead_hi[s] >= m->capacity[s]) {
        m->dead_hi[s]--; /* full or not: one fewer at most */
    }
}

/* The person's dead hold, replaced by their successful reserve or book, is
 * reclaimed now if a takeover did not reclaim it before. */
static void
m_drop_dead(model *m, const mperson *p)
{
    if (!m_ran_out(m, p) || p->swept)
        return;
    int s = p->slot;
    uint32_t maybe = m_unreclaimed(m, s); /* p's among them */
    if (m->dead_lo[s] > 0)
        m->dead_lo[s]--;
    if (m->dead_hi[s] > maybe - 1)
        m->dead_hi[s] = maybe - 1;
}

static sb_status
m_cancel_want(const model *m, const mperson *p)
{
    if (!p->valid)
        return SB_INVALID_ID;
    if (p->state == P_REDEEMED)
        return SB_USED;
    if (!m_live(m, p) && p->state != P_BOOKED)
        return SB_NOT_FOUND; /* nothing, or a hold that ran out */
    if (m_over_limit(m, p))
        return SB_LIMIT;
    return SB_OK;
}

static void
m_cancel(model *m, mperson *p)
{
    if (p->state == P_BOOKED)
        m->codes[p->latest].status = C_CANCELLED;
    p->state = P_NONE;
    p->changes++;
}

/* ---- one run: engine, model, clock, and where we are ------------------------ */

typedef struct run {
    uint64_t seed;
    int step, steps;
    char desc[768];
    char msg[2048];
    jmp_buf fail;
    rng r;
    fake_clock clock;
    sb_engine *e;
    model m;
    uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES];
    /* sb_expire calls, holds they reclaimed, calls whose count the model
     * knew exactly, calls that found dead holds already taken over */
    uint64_t sweeps[4];
    uint64_t walks[2];   /* sb_each_booking calls that walked, bookings shown */
    uint64_t shelves[2]; /* sb_stock_read answers checked against bounds, exactly */
    int64_t shelved;     /* stickers on all shelves at least, at the last check */
} run;

#define FAIL(run_, ...)                                                                           \
    do {                                                                                          \
        char what_[640];                                                                          \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                               \
        snprintf((run_)->msg, sizeof(run_)->msg,                                                  \
                 "seed %" PRIu64 " (use_stock %d, max_changes %" PRIu32 ") step %d (now %" PRIu64 \
                 "): %s: %s",                                                                     \
                 (run_)->seed, (int)(run_)->m.use_stock, (run_)->m.max_changes, (run_)->step,     \
                 (run_)->m.now - CLOCK_START, (run_)->desc, what_);                               \
        longjmp((run_)->fail, 1);                                                                 \
    } while (0)

static void
expect_status(run *r, sb_status want, sb_status got)
{
    if (want != got)
        FAIL(r, "expected %s, got %s", sb_status_name(want), sb_status_name(got));
}

static void
count(run *r, sb_op op, sb_status st)
{
    if ((unsigned)st < SB_STATS_STATUSES)
        r->tally[op][st]++;
}

static void describe(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
describe(run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->desc, sizeof r->desc, fmt, ap);
    va_end(ap);
}

static const char *
slot_str(sb_slot s, char buf[64])
{
    snprintf(buf, 64, "{loc %u, day %" PRId32 "%+" PRId64 ", win %u}", (unsigned)s.location,
             first_day, (int64_t)s.day - first_day, (unsigned)s.window);
    return buf;
}

/* a slot: mostly valid, sometimes outside the engine */
static sb_slot
pick_slot(run *r)
{
    if (!rchance(&r->r, 60))
        return slot_at((int)rbelow(&r->r, NSLOTS));
    sb_slot s = slot_at((int)rbelow(&r->r, NSLOTS));
    switch (rbelow(&r->r, 7)) {
    case 0:
        s.location = NLOC;
        break;
    case 1:
        s.location = UINT16_MAX;
        break;
    case 2:
        s.window = NWIN;
        break;
    case 3:
        s.window = UINT16_MAX;
        break;
    case 4:
        s.day = first_day - 1;
        break;
    case 5:
        s.day = first_day + (int32_t)NDAYS;
        break;
    default:
        s.day = rchance(&r->r, 500) ? INT32_MIN : INT32_MAX;
        break;
    }
    return s;
}

typedef bool (*person_pred)(const model *m, const mperson *p);

static bool
is_held(const model *m, const mperson *p)
{
    (void)m;
    return p->state == P_HELD;
}

static bool
is_live_held(const model *m, const mperson *p)
{
    return m_live(m, p);
}

static bool
is_active(const model *m, const mperson *p)
{
    (void)m;
    return p->state != P_NONE;
}

static bool
has_code(const model *m, const mperson *p)
{
    (void)m;
    return p->latest >= 0;
}

static bool
is_booked(const model *m, const mperson *p)
{
    (void)m;
    return p->state == P_BOOKED;
}

/* a person of the pool: with probability permille one that satisfies pred
 * (when there is one), else anyone, invalid BSNs included */
static int
pick_person(run *r, person_pred pred, uint32_t permille)
{
    if (pred && rchance(&r->r, permille)) {
        int cand[NPOOL], n = 0;
        for (int i = 0; i < NPOOL; i++)
            if (pred(&r->m, &r->m.people[i]))
                cand[n++] = i;
        if (n > 0)
            return cand[rbelow(&r->r, (uint32_t)n)];
    }
    return (int)rbelow(&r->r, NPOOL);
}

/* ---- codes ------------------------------------------------------------------ */

static void
check_code_shape(run *r, const char *code)
{
    if (strlen(code) != SB_CODE_SIZE - 1)
        FAIL(r, "issued code \"%s\" is not %d characters", code, SB_CODE_SIZE - 1);
    for (int i = 0; i < SB_CODE_SIZE - 1; i++) {
        bool dash = i == 4 || i == 9 || i == 14;
        if (dash ? code[i] != '-' : !memchr(CROCKFORD, code[i], 32) || code[i] == '\0')
            FAIL(r, "issued code \"%s\" is not XXXX-XXXX-XXXX-XXXX in upper case", code);
    }
}

static int
add_code(run *r, int owner, int slot, const char *text)
{
    model *m = &r->m;
    check_code_shape(r, text);
    for (size_t i = 0; i < m->ncodes; i++)
        if (strcmp(m->codes[i].text, text) == 0)
            FAIL(r, "issued code %s was already issued (to pool #%d)", text, m->codes[i].owner);
    if (m->ncodes == m->capcodes) {
        m->capcodes = m->capcodes ? 2 * m->capcodes : 256;
        m->codes = realloc(m->codes, m->capcodes * sizeof *m->codes);
        cr_assert_not_null(m->codes);
    }
    mcode *c = &m->codes[m->ncodes];
    memcpy(c->text, text, SB_CODE_SIZE);
    c->owner = owner;
    c->status = C_LIVE;
    c->slot = slot;
    return (int)m->ncodes++;
}

/* The same code spelled differently: case, O for 0, I/L for 1, separators
 * dropped, changed or added, padded up to SB_CODE_INPUT_MAX characters. */
static void
respell(rng *g, const char *code, char *out, size_t size)
{
    size_t o = 0;
    for (const char *c = code; *c && o + 3 < size; c++) {
        char ch = *c;
        if (ch == '-') {
            uint32_t k = rbelow(g, 4);
            if (k == 1)
                out[o++] = ' ';
            else if (k == 2)
                out[o++] = '-';
            else if (k == 3) {
                out[o++] = '-';
                out[o++] = ' ';
            }
            continue;
        }
        if (ch == '0' && rchance(g, 300))
            ch = rchance(g, 500) ? 'O' : 'o';
        else if (ch == '1' && rchance(g, 400))
            ch = "IiLl"[rbelow(g, 4)];
        else if (ch >= 'A' && ch <= 'Z' && rchance(g, 500))
            ch = (char)(ch - 'A' + 'a');
        out[o++] = ch;
        if (rchance(g, 50))
            out[o++] = rchance(g, 500) ? ' ' : '-';
    }
    if (rchance(g, 200))
        while (o < SB_CODE_INPUT_MAX && o + 1 < size)
            out[o++] = ' ';
    out[o] = '\0';
}

/* A single-symbol change or another malformation of a genuine code: never
 * genuine. */
static void
mutate(rng *g, const char *code, char *out, size_t size)
{
    char norm[17];
    int n = 0;
    for (const char *c = code; *c; c++)
        if (*c != '-')
            norm[n++] = *c;
    norm[16] = '\0';
    int at = (int)rbelow(g, 16);
    switch (rbelow(g, 6)) {
    case 0: /* another symbol in one place */
    case 1: {
        char ch;
        do
            ch = CROCKFORD[rbelow(g, 32)];
        while (ch == norm[at]);
        norm[at] = ch;
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", norm, norm + 4, norm + 8, norm + 12);
        break;
    }
    case 2: /* a character that is no symbol */
        norm[at] = "UuU*#!_+.,/"[rbelow(g, 11)];
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", norm, norm + 4, norm + 8, norm + 12);
        break;
    case 3: /* one symbol missing */
        memmove(norm + at, norm + at + 1, (size_t)(16 - at));
        snprintf(out, size, "%s", norm);
        break;
    case 4: /* one symbol too many */
        snprintf(out, size, "%s%c", norm, CROCKFORD[rbelow(g, 32)]);
        break;
    default: { /* genuine, but longer than SB_CODE_INPUT_MAX characters */
        size_t len = SB_CODE_INPUT_MAX + 1 + rbelow(g, 8);
        snprintf(out, size, "%s", code);
        size_t o = strlen(out);
        while (o < len && o + 1 < size)
            out[o++] = ' ';
        out[o] = '\0';
        break;
    }
    }
}

static void
garbage(rng *g, char *out, size_t size)
{
    switch (rbelow(g, 4)) {
    case 0:
        snprintf(out, size, "%s", "");
        break;
    case 1: { /* 16 random symbols: genuine with probability 2^-40 */
        char s[17];
        for (int i = 0; i < 16; i++)
            s[i] = CROCKFORD[rbelow(g, 32)];
        s[16] = '\0';
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", s, s + 4, s + 8, s + 12);
        break;
    }
    case 2: { /* random printable characters */
        size_t len = rbelow(g, 40);
        for (size_t i = 0; i < len && i + 1 < size; i++)
            out[i] = (char)(32 + rbelow(g, 95));
        out[len < size ? len : size - 1] = '\0';
        break;
    }
    default: { /* random bytes, high ones included */
        size_t len = 1 + rbelow(g, 24);
        for (size_t i = 0; i < len && i + 1 < size; i++)
            out[i] = (char)(1 + rbelow(g, 255));
        out[len < size ? len : size - 1] = '\0';
        break;
    }
    }
}

/* text with unprintable bytes as \xNN, for messages */
static void
escape(const char *text, char *out, size_t size)
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c && o + 5 < size; c++) {
        if (*c >= 32 && *c < 127 && *c != '\\' && *c != '"')
            out[o++] = (char)*c;
        else
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", *c);
    }
    out[o] = '\0';
}

/* ---- comparisons ------------------------------------------------------------ */

static bool
booking_eq(const sb_booking *a, const sb_booking *b)
{
    return a->bsn == b->bsn && a->slot.location == b->slot.location && a->slot.day == b->slot.day &&
           a->slot.window == b->slot.window && a->state == b->state &&
           a->deadline_ms == b->deadline_ms;
}

static const char *
booking_str(const sb_booking *b, char buf[160])
{
    char s[64];
    snprintf(buf, 160, "{bsn %09" PRIu32 ", slot %s, state %d, deadline %" PRIu64 "}", b->bsn,
             slot_str(b->slot, s), (int)b->state, b->deadline_ms);
    return buf;
}

static void
expect_booking(run *r, const char *what, const sb_booking *want, const sb_booking *got)
{
    char a[160], b[160];
    if (!booking_eq(want, got))
        FAIL(r, "%s: expected %s, got %s", what, booking_str(want, a), booking_str(got, b));
}

static sb_booking
m_booking(const model *m, const mperson *p)
{
    sb_booking b;
    memset(&b, 0, sizeof b);
    b.bsn = p->bsn;
    b.slot = slot_at(p->slot);
    if (p->state == P_HELD) {
        b.state = SB_STATE_HELD;
        b.deadline_ms = p->deadline;
    } else {
        b.state = p->state == P_BOOKED ? SB_STATE_BOOKED : SB_STATE_REDEEMED;
        b.deadline_ms = 0;
    }
    (void)m;
    return b;
}

/* ---- the operations, each: engine call, model answer, compare, apply -------- */

static void
op_location(run *r, bool open)
{
    model *m = &r->m;
    uint16_t loc = rchance(&r->r, 100) ? (rchance(&r->r, 500) ? NLOC : UINT16_MAX)
                                       : (uint16_t)rbelow(&r->r, NLOC);
    describe(r, "sb_location_%s(%u)", open ? "open" : "close", (unsigned)loc);
    sb_status got = open ? sb_location_open(r->e, loc) : sb_location_close(r->e, loc);
    count(r, SB_OP_LOCATION, got);
    sb_status want = loc < NLOC ? SB_OK : SB_INVALID_ARG;
    expect_status(r, want, got);
    if (want == SB_OK)
        m->open[loc] = open;
}

static void
op_release(run *r)
{
    model *m = &r->m;
    sb_slot s = pick_slot(r);
    int i = slot_index(s);
    uint32_t cap = i >= 0 ? m->capacity[i] : 0;
    uint32_t places = rbelow(&r->r, 4);
    uint32_t k = rbelow(&r->r, 1000);
    if (i >= 0 && cap > 0 && k < 30) /* past UINT32_MAX */
        places = k < 10 ? UINT32_MAX : UINT32_MAX - cap + 1u + rbelow(&r->r, cap);
    else if (i >= 0 && cap < 100 && k < 35) /* exactly to UINT32_MAX */
        places = UINT32_MAX - cap;
    char b[64];
    describe(r, "sb_release(%s, %" PRIu32 ") with capacity %" PRIu32, slot_str(s, b), places, cap);
    sb_status got = sb_release(r->e, s, places);
    count(r, SB_OP_RELEASE, got);
    sb_status want = SB_OK;
    if (i < 0 || (uint64_t)cap + places > UINT32_MAX)
        want = SB_INVALID_ARG;
    expect_status(r, want, got);
    if (want == SB_OK)
        m->capacity[i] += places;
}

/* reserve (code == false) or book */
static void
op_take(run *r, bool book)
{
    model *m = &r->m;
    int pi = pick_person(r, NULL, 0);
    mperson *p = &m->people[pi];
    sb_slot s = pick_slot(r);
    int i = slot_index(s);
    char b[64];
    describe(r, "sb_%s(%09" PRIu32 " = pool #%d, %s)", book ? "book" : "reserve", p->bsn, pi,
             slot_str(s, b));
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    sb_status got = book ? sb_book(r->e, p->bsn, s, code) : sb_reserve(r->e, p->bsn, s);
    count(r, book ? SB_OP_BOOK : SB_OP_RESERVE, got);

    /* m_stock_take also applies what looking at the shelf does: the chain
     * stops where the engine stops. */
    sb_status want = SB_OK;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (i < 0)
        want = SB_INVALID_ARG;
    else if (!m->open[s.location])
        want = SB_CLOSED;
    else if (m_has_place(m, p))
        want = SB_DUPLICATE;
    else if (!m_stock_take(m, s.location))
        want = SB_NO_STOCK;
    else if (m_slot(m, i).free == 0)
        want = SB_FULL;
    else if (!p->stored && m->stored == MAX_PEOPLE)
        want = SB_NOMEM;
    else if (book && p->gen == MAX_GEN)
        want = SB_NOMEM;
    expect_status(r, want, got);
    if (book && got != SB_OK)
        for (size_t k = 0; k < sizeof code; k++)
            if (code[k] != '#')
                FAIL(r, "sb_book wrote the code buffer on %s", sb_status_name(got));
    /* A call that got as far as taking a place may have taken over a dead
     * hold of this slot (and given the place back on SB_NOMEM). */
    if (want == SB_OK || want == SB_NOMEM)
        m_place_take(m, i);
    if (want != SB_OK)
        return;
    m_drop_dead(m, p);
    if (p->state == P_HELD) /* ran out: replaced by this call */
        m->expired_gone++;
    if (!p->stored) {
        p->stored = true;
        m->stored++;
    }
    p->slot = i;
    p->swept = false;
    p->dead_noted = false;
    if (book) {
        p->state = P_BOOKED;
        p->gen++;
        p->latest = add_code(r, pi, i, code);
    } else {
        p->state = P_HELD;
        p->deadline = m->now + HOLD_MS;
    }
}

static void
op_confirm(run *r)
{
    model *m = &r->m;
    int pi = rchance(&r->r, 700) ? pick_person(r, is_live_held, 900) : pick_person(r, is_held, 700);
    mperson *p = &m->people[pi];
    describe(r, "sb_confirm(%09" PRIu32 " = pool #%d)", p->bsn, pi);
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    sb_status got = sb_confirm(r->e, p->bsn, code);
    count(r, SB_OP_CONFIRM, got);

    sb_status want;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (p->state == P_NONE)
        want = SB_NOT_FOUND;
    else if (p->state == P_BOOKED || p->state == P_REDEEMED)
        want = SB_DUPLICATE;
    else if (!m_live(m, p))
        want = SB_EXPIRED;
    else if (p->gen == MAX_GEN)
        want = SB_NOMEM;
    else
        want = SB_OK;
    expect_status(r, want, got);
    if (got != SB_OK) {
        for (size_t k = 0; k < sizeof code; k++)
            if (code[k] != '#')
                FAIL(r, "sb_confirm wrote the code buffer on %s", sb_status_name(got));
        return;
    }
    p->state = P_BOOKED;
    p->gen++;
    p->latest = add_code(r, pi, p->slot, code);
}

static void
op_cancel(run *r)
{
    model *m = &r->m;
    int pi = pick_person(r, is_active, 700);
    mperson *p = &m->people[pi];
    describe(r, "sb_cancel(%09" PRIu32 " = pool #%d)", p->bsn, pi);
    sb_status got = sb_cancel(r->e, p->bsn);
    count(r, SB_OP_CANCEL, got);
    sb_status want = m_cancel_want(m, p);
    expect_status(r, want, got);
    if (want == SB_OK)
        m_cancel(m, p);
}

static void
check_lookup(run *r, int pi)
{
    model *m = &r->m;
    mperson *p = &m->people[pi];
    sb_booking got_b;
    memset(&got_b, 0xab, sizeof got_b);
    sb_status got = sb_lookup(r->e, p->bsn, &got_b);
    count(r, SB_OP_LOOKUP, got);
    sb_status want;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (m_live(m, p) || p->state == P_BOOKED || p->state == P_REDEEMED)
        want = SB_OK;
    else
        want = SB_NOT_FOUND; /* never had one, cancelled, or ran out */
    expect_status(r, want, got);
    if (want == SB_OK) {
        sb_booking want_b = m_booking(m, p);
        expect_booking(r, "sb_lookup's booking", &want_b, &got_b);
    }
}

static void
op_lookup(run *r)
{
    int pi = pick_person(r, is_active, 500);
    describe(r, "sb_lookup(%09" PRIu32 " = pool #%d)", r->m.people[pi].bsn, pi);
    check_lookup(r, pi);
}

/* a slot to move a booking to: where it is, another at its location, or
 * anywhere (outside the engine included) */
static sb_slot
pick_move(run *r, const mperson *p)
{
    uint32_t k = rbelow(&r->r, 100);
    if (p->slot < 0 || k >= 50)
        return pick_slot(r);
    sb_slot s = slot_at(p->slot);
    if (k >= 10) {
        s.day = first_day + (int32_t)rbelow(&r->r, NDAYS);
        s.window = (uint16_t)rbelow(&r->r, NWIN);
    }
    return s;
}

static void
op_reschedule(run *r)
{
    model *m = &r->m;
    int pi = pick_person(r, is_booked, 700);
    mperson *p = &m->people[pi];
    sb_slot s = pick_move(r, p);
    int i = slot_index(s);
    bool no_code = rchance(&r->r, 10);
    char b[64], a[64];
    describe(r, "sb_reschedule(%09" PRIu32 " = pool #%d, %s%s) from %s, %" PRIu32 " changes",
             p->bsn, pi, slot_str(s, b), no_code ? ", NULL code" : "",
             p->slot < 0 ? "nowhere" : slot_str(slot_at(p->slot), a), p->changes);
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    sb_status got = sb_reschedule(r->e, p->bsn, s, no_code ? NULL : code);
    count(r, SB_OP_RESCHEDULE, got);

    /* m_stock_take applies what looking at the shelf does (see op_take); a
     * move inside one location keeps its sticker and looks at no shelf */
    sb_status want = SB_OK;
    if (no_code)
        want = SB_INVALID_ARG;
    else if (!p->valid)
        want = SB_INVALID_ID;
    else if (i < 0)
        want = SB_INVALID_ARG;
    else if (p->state == P_REDEEMED)
        want = SB_USED;
    else if (p->state != P_BOOKED)
        want = SB_NOT_FOUND; /* nothing, or only a hold (live or not) */
    else if (p->slot == i)
        want = SB_DUPLICATE;
    else if (m_over_limit(m, p))
        want = SB_LIMIT;
    else if (!m->open[s.location])
        want = SB_CLOSED;
    else if (m_location(p->slot) != s.location && !m_stock_take(m, s.location))
        want = SB_NO_STOCK;
    else if (m_slot(m, i).free == 0)
        want = SB_FULL;
    else if (p->gen == MAX_GEN)
        want = SB_NOMEM;
    expect_status(r, want, got);
    if (got != SB_OK)
        for (size_t k = 0; k < sizeof code; k++)
            if (code[k] != '#')
                FAIL(r, "sb_reschedule wrote the code buffer on %s", sb_status_name(got));
    if (want == SB_OK || want == SB_NOMEM)
        m_place_take(m, i);
    int old = p->latest;
    if (want == SB_OK) {
        m->codes[old].status = C_CANCELLED;
        p->slot = i;
        p->gen++;
        p->changes++;
        p->latest = add_code(r, pi, i, code);
    }
    /* at once: the person where the model says (moved, or nothing
     * changed), the new code verifying there, the old one cancelled */
    check_lookup(r, pi);
    if (p->state != P_BOOKED || old < 0)
        return;
    for (int c = want == SB_OK ? 0 : 1; c < 2; c++) {
        const mcode *k = &m->codes[c == 0 ? old : p->latest];
        sb_booking got_b;
        memset(&got_b, 0xab, sizeof got_b);
        sb_status st = sb_verify(r->e, k->text, p->bsn, &got_b);
        count(r, SB_OP_VERIFY, st);
        if (st != (k->status == C_LIVE ? SB_OK : SB_CANCELLED))
            FAIL(r, "then sb_verify(%s code %s) answered %s", c == 0 ? "the old" : "the latest",
                 k->text, sb_status_name(st));
        if (st == SB_OK) {
            sb_booking want_b = m_booking(m, p);
            expect_booking(r, "then sb_verify's booking", &want_b, &got_b);
        }
    }
}

/* verify (redeem == false) or redeem, with a code chosen as a user might
 * present one: their own, an old one, somebody else's, altered, made up. */
static void
op_present(run *r, bool redeem)
{
    model *m = &r->m;
    char text[128];
    int pi, ci = -1; /* the code the text denotes, -1 for none */
    const char *kind;
    uint32_t k = rbelow(&r->r, 100);
    if (m->ncodes == 0)
        k = 90;
    if (k < 45) { /* the person's own latest code, maybe respelled */
        pi = redeem ? pick_person(r, is_booked, 300) : pick_person(r, has_code, 800);
        ci = m->people[pi].latest;
        if (ci < 0) {
            garbage(&r->r, text, sizeof text);
            kind = "garbage (no code of their own)";
        } else if (rchance(&r->r, 250)) {
            respell(&r->r, m->codes[ci].text, text, sizeof text);
            kind = "own latest code, respelled";
        } else {
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
            kind = "own latest code";
        }
    } else if (k < 60) { /* one of the person's older codes */
        pi = pick_person(r, has_code, 900);
        int own[64], n = 0;
        for (size_t c = 0; c < m->ncodes && n < 64; c++)
            if (m->codes[c].owner == pi)
                own[n++] = (int)c;
        if (n == 0) {
            garbage(&r->r, text, sizeof text);
            kind = "garbage (no code of their own)";
        } else {
            ci = own[rbelow(&r->r, (uint32_t)n)];
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
            kind = "one of their codes";
        }
    } else if (k < 75) { /* somebody's code, presented by anyone */
        ci = (int)rbelow(&r->r, (uint32_t)m->ncodes);
        pi = pick_person(r, NULL, 0);
        if (rchance(&r->r, 300))
            respell(&r->r, m->codes[ci].text, text, sizeof text);
        else
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
        kind = "somebody's code";
    } else if (k < 88) { /* an altered code, presented by its holder */
        int c = (int)rbelow(&r->r, (uint32_t)m->ncodes);
        pi = m->codes[c].owner;
        mutate(&r->r, m->codes[c].text, text, sizeof text);
        kind = "altered code";
    } else {
        pi = pick_person(r, NULL, 0);
        garbage(&r->r, text, sizeof text);
        kind = "garbage";
    }
    mperson *p = &m->people[pi];
    char shown[4 * sizeof text];
    escape(text, shown, sizeof shown);
    describe(r, "sb_%s(\"%s\" [%s, code #%d], %09" PRIu32 " = pool #%d)",
             redeem ? "redeem" : "verify", shown, kind, ci, p->bsn, pi);

    sb_booking got_b;
    memset(&got_b, 0xab, sizeof got_b);
    sb_status got = redeem ? sb_redeem(r->e, text, p->bsn) : sb_verify(r->e, text, p->bsn, &got_b);
    count(r, redeem ? SB_OP_REDEEM : SB_OP_VERIFY, got);

    sb_status want;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (ci < 0)
        want = SB_FORGED;
    else if (m->codes[ci].owner != pi)
        want = SB_WRONG_HOLDER;
    else if (m->codes[ci].status == C_CANCELLED)
        want = SB_CANCELLED;
    else if (m->codes[ci].status == C_USED)
        want = SB_USED;
    else
        want = SB_OK;
    expect_status(r, want, got);
    if (!redeem && (want == SB_OK || want == SB_USED)) {
        sb_booking want_b;
        memset(&want_b, 0, sizeof want_b);
        want_b.bsn = p->bsn;
        want_b.slot = slot_at(m->codes[ci].slot);
        want_b.state = want == SB_OK ? SB_STATE_BOOKED : SB_STATE_REDEEMED;
        want_b.deadline_ms = 0;
        expect_booking(r, "sb_verify's booking", &want_b, &got_b);
    }
    if (redeem && want == SB_OK) {
        m->codes[ci].status = C_USED;
        p->state = P_REDEEMED;
    }
}

static void
check_slot(run *r, sb_slot s)
{
    int i = slot_index(s);
    sb_slot_info got_i;
    memset(&got_i, 0xab, sizeof got_i);
    sb_status got = sb_slot_read(r->e, s, &got_i);
    count(r, SB_OP_SLOT_READ, got);
    expect_status(r, i < 0 ? SB_INVALID_ARG : SB_OK, got);
    if (i < 0)
        return;
    sb_slot_info w = m_slot(&r->m, i);
    if (w.capacity != got_i.capacity || w.held != got_i.held || w.booked != got_i.booked ||
        w.redeemed != got_i.redeemed || w.free != got_i.free || w.pending != got_i.pending)
        FAIL(r,
             "slot #%d: expected {capacity %" PRIu32 ", held %" PRIu32 ", booked %" PRIu32
             ", redeemed %" PRIu32 ", free %" PRIu32 ", pending %" PRIu32
             "}, got {capacity %" PRIu32 ", held %" PRIu32 ", booked %" PRIu32 ", redeemed %" PRIu32
             ", free %" PRIu32 ", pending %" PRIu32 "}",
             i, w.capacity, w.held, w.booked, w.redeemed, w.free, w.pending, got_i.capacity,
             got_i.held, got_i.booked, got_i.redeemed, got_i.free, got_i.pending);
}

static void
op_slot_read(run *r)
{
    sb_slot s = pick_slot(r);
    char b[64];
    describe(r, "sb_slot_read(%s)", slot_str(s, b));
    check_slot(r, s);
}

static void
op_next_free(run *r)
{
    model *m = &r->m;
    uint16_t loc = rchance(&r->r, 80) ? (rchance(&r->r, 500) ? NLOC : UINT16_MAX)
                                      : (uint16_t)rbelow(&r->r, NLOC);
    int32_t from;
    uint32_t k = rbelow(&r->r, 100);
    if (k < 3)
        from = INT32_MIN;
    else if (k < 6)
        from = INT32_MAX;
    else
        from = first_day - 3 + (int32_t)rbelow(&r->r, NDAYS + 6);
    describe(r, "sb_next_free(%u, day %" PRId32 "%+" PRId64 ")", (unsigned)loc, first_day,
             (int64_t)from - first_day);
    sb_slot got_s;
    memset(&got_s, 0xab, sizeof got_s);
    sb_status got = sb_next_free(r->e, loc, from, &got_s);
    count(r, SB_OP_NEXT_FREE, got);

    sb_status want = SB_FULL;
    sb_slot want_s = {0, 0, 0};
    if (loc >= NLOC)
        want = SB_INVALID_ARG;
    else if (!m->open[loc])
        want = SB_CLOSED;
    else {
        int64_t start = from > first_day ? from : first_day;
        for (int64_t d = start; d < (int64_t)first_day + NDAYS && want == SB_FULL; d++)
            for (uint16_t w = 0; w < NWIN && want == SB_FULL; w++) {
                sb_slot s = {loc, w, (int32_t)d};
                if (m_slot(m, slot_index(s)).free > 0) {
                    want = SB_OK;
                    want_s = s;
                }
            }
    }
    expect_status(r, want, got);
    if (want == SB_OK && (got_s.location != want_s.location || got_s.day != want_s.day ||
                          got_s.window != want_s.window)) {
        char a[64], b[64];
        FAIL(r, "expected slot %s, got %s", slot_str(want_s, a), slot_str(got_s, b));
    }
}

/* a location: mostly one of the engine's, sometimes an unknown one */
static uint16_t
pick_location(run *r, uint32_t unknown_permille)
{
    if (rchance(&r->r, unknown_permille))
        return rchance(&r->r, 500) ? NLOC : UINT16_MAX;
    return (uint16_t)rbelow(&r->r, NLOC);
}

/* sb_stock_read(loc) against the model: exact when it knows every dead
 * hold's fate, else within its bounds (see the top). */
static void
check_shelf(run *r, uint16_t loc, bool null_out, const int64_t shelf_lo[NLOC],
            const int64_t shelf_hi[NLOC])
{
    model *m = &r->m;
    uint64_t got_n = UINT64_MAX;
    sb_status got = sb_stock_read(r->e, loc, null_out ? NULL : &got_n);
    sb_status want = m->use_stock && loc < NLOC && !null_out ? SB_OK : SB_INVALID_ARG;
    if (want != got)
        FAIL(r, "sb_stock_read(%u%s): expected %s, got %s", (unsigned)loc, null_out ? ", NULL" : "",
             sb_status_name(want), sb_status_name(got));
    if (want != SB_OK)
        return;
    int64_t lo = shelf_lo[loc], hi = shelf_hi[loc];
    r->shelves[lo == hi]++;
    if (got_n > INT64_MAX || (int64_t)got_n < lo || (int64_t)got_n > hi)
        FAIL(r,
             "sb_stock_read(%u) = %" PRIu64 ", the model expects %" PRId64 " .. %" PRId64
             " (%" PRIu64 " added)",
             (unsigned)loc, got_n, lo, hi, m->stock_added[loc]);
}

/* every shelf, after every step */
static void
check_stock(run *r)
{
    int64_t lo[NLOC] = {0}, hi[NLOC] = {0};
    r->shelved = 0;
    if (r->m.use_stock)
        m_shelves(&r->m, lo, hi);
    for (uint16_t loc = 0; loc < NLOC; loc++) {
        check_shelf(r, loc, false, lo, hi);
        r->shelved += r->m.use_stock ? lo[loc] : 0;
    }
}

static void
op_stock_read(run *r)
{
    uint16_t loc = pick_location(r, 300);
    bool null_out = rchance(&r->r, 300);
    describe(r, "sb_stock_read(%u%s)", (unsigned)loc, null_out ? ", NULL" : "");
    int64_t lo[NLOC] = {0}, hi[NLOC] = {0};
    if (r->m.use_stock)
        m_shelves(&r->m, lo, hi);
    check_shelf(r, loc, null_out, lo, hi);
}

static void
op_stock_add(run *r)
{
    model *m = &r->m;
    uint16_t loc = pick_location(r, 50);
    uint32_t k = rbelow(&r->r, 10);
    uint32_t n = k < 2   ? 0
                 : k < 9 ? 1 + (uint32_t)rbelow(&r->r, 3)
                         : 4 + (uint32_t)rbelow(&r->r, 12);
    describe(r, "sb_stock_add(%u, %" PRIu32 ")", (unsigned)loc, n);
    sb_status got = sb_stock_add(r->e, loc, n);
    count(r, SB_OP_STOCK, got);
    sb_status want = m->use_stock && loc < NLOC ? SB_OK : SB_INVALID_ARG;
    expect_status(r, want, got);
    if (want == SB_OK)
        m->stock_added[loc] += n;
}

/* ---- sb_each_booking: one walk and what it must show ------------------------ */

typedef struct walk {
    run *r;
    bool want[NPOOL]; /* in range when the walk began */
    bool seen[NPOOL];
    int calls;
    int stop_after; /* fn asks to stop at this call; 0: never */
    uint32_t act;   /* permille of calls where fn looks up or cancels the person */
    char err[640];  /* the first disagreement inside the walk */
} walk;

static int walk_fail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Notes what went wrong inside the walk (reported after it: no longjmp
 * across the engine's frames) and asks the walk to stop. */
static int
walk_fail(walk *w, const char *fmt, ...)
{
    if (w->err[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
    }
    return 1;
}

static int
pool_index(const model *m, uint32_t bsn)
{
    for (int i = 0; i < NVALID; i++)
        if (m->people[i].bsn == bsn)
            return i;
    return -1;
}

/* A person the walk shows.  fn may call the engine: like a server moving
 * people off a closing location, it sometimes looks the person up or
 * cancels them. */
static int
walk_visit(const sb_booking *b, void *ctx)
{
    walk *w = ctx;
    run *r = w->r;
    model *m = &r->m;
    char x[160], y[160];
    int call = ++w->calls;
    int pi = pool_index(m, b->bsn);
    if (pi < 0)
        return walk_fail(w, "call %d shows BSN %09" PRIu32 ", nobody in the pool", call, b->bsn);
    if (w->seen[pi])
        return walk_fail(w, "call %d shows pool #%d a second time", call, pi);
    w->seen[pi] = true;
    mperson *p = &m->people[pi];
    if (!w->want[pi])
        return walk_fail(w, "call %d shows pool #%d, who has nothing in range: %s", call, pi,
                         booking_str(b, x));
    sb_booking want_b = m_booking(m, p);
    if (!booking_eq(&want_b, b))
        return walk_fail(w, "call %d shows pool #%d as %s, expected %s", call, pi,
                         booking_str(b, x), booking_str(&want_b, y));
    if (rchance(&r->r, w->act)) {
        if (rchance(&r->r, 500)) {
            sb_booking got_b;
            memset(&got_b, 0xab, sizeof got_b);
            sb_status got = sb_lookup(r->e, p->bsn, &got_b);
            count(r, SB_OP_LOOKUP, got);
            if (got != SB_OK || !booking_eq(&want_b, &got_b))
                return walk_fail(w, "sb_lookup(pool #%d) inside the walk: %s %s, expected %s", pi,
                                 sb_status_name(got), booking_str(&got_b, x),
                                 booking_str(&want_b, y));
        } else {
            sb_status want = m_cancel_want(m, p);
            sb_status got = sb_cancel(r->e, p->bsn);
            count(r, SB_OP_CANCEL, got);
            if (got != want)
                return walk_fail(w, "sb_cancel(pool #%d) inside the walk: expected %s, got %s", pi,
                                 sb_status_name(want), sb_status_name(got));
            if (want == SB_OK)
                m_cancel(m, p);
        }
    }
    return w->stop_after != 0 && call >= w->stop_after;
}

static void
check_walk(run *r, uint16_t loc, int32_t from, int32_t to, bool no_fn, int stop_after, uint32_t act)
{
    model *m = &r->m;
    walk w;
    memset(&w, 0, sizeof w);
    w.r = r;
    w.stop_after = stop_after;
    w.act = act;
    int in_range = 0;
    for (int pi = 0; pi < NPOOL && loc < NLOC; pi++) {
        const mperson *p = &m->people[pi];
        if (!m_has_place(m, p))
            continue;
        sb_slot s = slot_at(p->slot);
        w.want[pi] = s.location == loc && s.day >= from && s.day <= to;
        in_range += w.want[pi];
    }
    sb_status got = sb_each_booking(r->e, loc, from, to, no_fn ? NULL : walk_visit, &w);
    if (w.err[0])
        FAIL(r, "%s", w.err);
    sb_status want = no_fn || loc >= NLOC || from > to ? SB_INVALID_ARG : SB_OK;
    expect_status(r, want, got);
    int calls = stop_after != 0 && stop_after < in_range ? stop_after : in_range;
    if (want != SB_OK)
        calls = 0;
    if (w.calls != calls)
        FAIL(r, "fn was called %d times, expected %d (%d in range)", w.calls, calls, in_range);
    for (int pi = 0; pi < NPOOL && calls == in_range; pi++)
        if (w.want[pi] && !w.seen[pi]) {
            char x[160];
            sb_booking b = m_booking(m, &m->people[pi]);
            FAIL(r, "the walk missed pool #%d's %s", pi, booking_str(&b, x));
        }
    r->walks[0] += want == SB_OK;
    r->walks[1] += (uint64_t)w.calls;
}

/* a day for a walk's range: around the horizon, sometimes far out */
static int32_t
pick_day(run *r)
{
    uint32_t k = rbelow(&r->r, 100);
    if (k < 3)
        return INT32_MIN;
    if (k < 6)
        return INT32_MAX;
    return first_day - 2 + (int32_t)rbelow(&r->r, NDAYS + 4);
}

static void
op_each_booking(run *r)
{
    uint16_t loc = pick_location(r, 50);
    int32_t from = pick_day(r), to = pick_day(r);
    if (from > to && rchance(&r->r, 850)) {
        int32_t t = from;
        from = to;
        to = t;
    }
    bool no_fn = rchance(&r->r, 20);
    int stop_after = rchance(&r->r, 200) ? 1 + (int)rbelow(&r->r, 3) : 0;
    uint32_t act = rchance(&r->r, 300) ? 300 : 0;
    describe(r,
             "sb_each_booking(%u, day %" PRId32 "%+" PRId64 " .. %" PRId32 "%+" PRId64
             ", %s), fn stopping at call %d, acting on %" PRIu32 " permille",
             (unsigned)loc, first_day, (int64_t)from - first_day, first_day,
             (int64_t)to - first_day, no_fn ? "NULL fn" : "fn", stop_after, act);
    check_walk(r, loc, from, to, no_fn, stop_after, act);
}

static void
check_expired_stat(run *r)
{
    sb_stats st;
    sb_stats_read(r->e, &st);
    uint64_t want = m_expired_total(&r->m);
    if (st.expired != want)
        FAIL(r,
             "after a sweep, stats.expired should count every hold that ran out (%" PRIu64
             "), got %" PRIu64,
             want, st.expired);
}

static void
op_expire(run *r)
{
    model *m = &r->m;
    uint32_t least = 0, most = 0, dead = m_unreclaimed(m, -1);
    for (int s = 0; s < (int)NSLOTS; s++) {
        if (m->dead_lo[s] > m->dead_hi[s] || m->dead_hi[s] > m_unreclaimed(m, s))
            FAIL(r,
                 "the model's own bounds broke: slot #%d has %" PRIu32 " .. %" PRIu32
                 " dead holds unreclaimed of %" PRIu32 " not known reclaimed",
                 s, m->dead_lo[s], m->dead_hi[s], m_unreclaimed(m, s));
        least += m->dead_lo[s];
        most += m->dead_hi[s];
    }
    describe(r,
             "sb_expire() with %" PRIu32 " .. %" PRIu32 " dead holds unreclaimed (%" PRIu32
             " ran out since the last sweep, some maybe taken over or replaced)",
             least, most, dead);
    size_t got = sb_expire(r->e);
    if (got > most || got < least)
        FAIL(r, "expected a count in [%" PRIu32 ", %" PRIu32 "], got %zu", least, most, got);
    r->sweeps[0]++;
    r->sweeps[1] += got;
    r->sweeps[2] += least == most;
    r->sweeps[3] += got < dead;
    for (int i = 0; i < NPOOL; i++)
        if (m_ran_out(m, &m->people[i]))
            m->people[i].swept = true;
    memset(m->dead_lo, 0, sizeof m->dead_lo);
    memset(m->dead_hi, 0, sizeof m->dead_hi);
    got = sb_expire(r->e);
    if (got != 0)
        FAIL(r, "a second sb_expire at the same time reclaimed %zu holds", got);
    check_expired_stat(r);
}

/* every slot and every person against the model */
static void
check_everything(run *r)
{
    for (int i = 0; i < (int)NSLOTS; i++) {
        char b[64];
        describe(r, "full check: sb_slot_read(%s)", slot_str(slot_at(i), b));
        check_slot(r, slot_at(i));
    }
    for (int pi = 0; pi < NPOOL; pi++) {
        describe(r, "full check: sb_lookup(%09" PRIu32 " = pool #%d)", r->m.people[pi].bsn, pi);
        check_lookup(r, pi);
    }
    for (uint16_t loc = 0; loc < NLOC; loc++) {
        describe(r, "full check: sb_each_booking(%u, every day)", (unsigned)loc);
        check_walk(r, loc, INT32_MIN, INT32_MAX, false, 0, 0);
    }
    describe(r, "full check: sb_stock_read");
    check_stock(r);
}

static void
check_audit(run *r)
{
    char msg[256] = "";
    sb_audit_report rep;
    sb_status st = sb_audit(r->e, &rep, msg, sizeof msg);
    if (st != SB_OK)
        FAIL(r, "sb_audit answered %s after this step (%" PRIu64 " violations: %s)",
             sb_status_name(st), rep.violations, msg);
}

static void
check_codes(run *r)
{
    model *m = &r->m;
    for (size_t c = 0; c < m->ncodes; c++) {
        const mcode *k = &m->codes[c];
        const mperson *p = &m->people[k->owner];
        describe(r, "final check: sb_verify(\"%s\" [code #%zu], %09" PRIu32 " = pool #%d)", k->text,
                 c, p->bsn, k->owner);
        sb_booking b;
        sb_status got = sb_verify(r->e, k->text, p->bsn, &b);
        count(r, SB_OP_VERIFY, got);
        expect_status(r,
                      k->status == C_LIVE   ? SB_OK
                      : k->status == C_USED ? SB_USED
                                            : SB_CANCELLED,
                      got);
    }
}

static void
check_stats(run *r)
{
    sb_stats st;
    sb_stats_read(r->e, &st);
    describe(r, "final check: sb_stats_read");
    for (int op = 0; op < SB_OP_COUNT; op++) {
        uint64_t calls = 0;
        for (int s = 0; s < SB_STATS_STATUSES; s++) {
            calls += r->tally[op][s];
            if (st.outcomes[op][s] != r->tally[op][s])
                FAIL(r, "outcomes[op %d][%s] = %" PRIu64 ", the test made %" PRIu64, op,
                     sb_status_name((sb_status)s), st.outcomes[op][s], r->tally[op][s]);
        }
        if (st.calls[op] != calls)
            FAIL(r, "calls[op %d] = %" PRIu64 ", the test made %" PRIu64, op, st.calls[op], calls);
    }
    if (st.people != r->m.stored)
        FAIL(r, "stats.people = %" PRIu64 ", the model stored %" PRIu32, st.people, r->m.stored);
}

/* ---- one sequence ----------------------------------------------------------- */

static void
advance_clock(run *r)
{
    uint32_t k = rbelow(&r->r, 100);
    uint64_t dt = 0;
    if (k < 8) { /* to the very edge of a hold: its deadline, or 1 ms before */
        int pi = pick_person(r, is_live_held, 1000);
        const mperson *p = &r->m.people[pi];
        if (m_live(&r->m, p)) {
            r->clock.now = p->deadline - rbelow(&r->r, 2);
            if (r->clock.now < r->m.now)
                r->clock.now = r->m.now;
            r->m.now = r->clock.now;
            return;
        }
    }
    if (k < 45)
        dt = 0;
    else if (k < 80)
        dt = 1 + rbelow(&r->r, 50);
    else if (k < 95)
        dt = rbelow(&r->r, 1200);
    else
        dt = HOLD_MS + rbelow(&r->r, 3 * HOLD_MS); /* past any hold */
    r->clock.now += dt;
    r->m.now = r->clock.now;
}

static void
make_pool(run *r)
{
    model *m = &r->m;
    int n = 0;
    m->people[n++].bsn = 111222333u; /* the examples in SPEC.md */
    m->people[n++].bsn = 123456782u;
    while (n < NVALID) {
        uint32_t b = bsn_make(&r->r);
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup |= m->people[i].bsn == b;
        if (!dup)
            m->people[n++].bsn = b;
    }
    /* invalid: failing the 11-check, out of range */
    uint32_t bad_check = m->people[rbelow(&r->r, NVALID)].bsn;
    bad_check = bad_check - bad_check % 10 + (bad_check % 10 + 1) % 10;
    m->people[n++].bsn = bad_check;
    m->people[n++].bsn = 123456789u;
    m->people[n++].bsn = 0;
    m->people[n++].bsn = rchance(&r->r, 500) ? 1000000000u : UINT32_MAX;
    for (int i = 0; i < NPOOL; i++) {
        mperson *p = &m->people[i];
        p->valid = bsn_ok(p->bsn);
        cr_assert_eq(p->valid, i < NVALID, "test pool: BSN %09" PRIu32 " misclassified", p->bsn);
        cr_assert_eq(sb_bsn_valid(p->bsn), p->valid, "sb_bsn_valid(%09" PRIu32 ")", p->bsn);
        p->state = P_NONE;
        p->slot = -1;
        p->latest = -1;
    }
}

static void
one_step(run *r)
{
    model *m = &r->m;
    advance_clock(r);
    m_note_deaths(m);
    uint32_t total = 0;
    for (int i = 0; i < (int)NSLOTS; i++)
        total += m->capacity[i] > 1000 ? 1000 : m->capacity[i];
    /* keep places scarce: release often while there are few, rarely after */
    uint32_t release = total < 48 ? 100 : 3;
    /* and stickers: add often while the shelves are nearly bare (as the
     * last step left them) */
    uint32_t stock = m->use_stock && r->shelved < 2 ? 40 : 4;
    uint32_t k = rbelow(&r->r, 1085 + stock + release);
    if (k >= 1085 + stock)
        op_release(r);
    else if (k >= 1085)
        op_stock_add(r);
    else if (k >= 1080)
        op_stock_read(r);
    else if (k >= 1060)
        op_each_booking(r);
    else if (k >= 1000)
        op_reschedule(r);
    else if (k < 20)
        op_location(r, true);
    else if (k < 25)
        op_location(r, false);
    else if (k < 30)
        op_lookup(r);
    else if (k < 210)
        op_take(r, false);
    else if (k < 300)
        op_take(r, true);
    else if (k < 450)
        op_confirm(r);
    else if (k < 550)
        op_cancel(r);
    else if (k < 640)
        op_lookup(r);
    else if (k < 760)
        op_present(r, false);
    else if (k < 765)
        op_present(r, true);
    else if (k < 780)
        op_present(r, false);
    else if (k < 880)
        op_slot_read(r);
    else if (k < 980)
        op_next_free(r);
    else
        op_expire(r);
    check_stock(r);
}

static void
free_run(run *r)
{
    sb_close(r->e);
    r->e = NULL;
    free(r->m.codes);
    r->m.codes = NULL;
}

/* The steps of one sequence and the checks at its end. */
__attribute__((noinline)) static void
run_steps(run *r)
{
    for (r->step = 1; r->step <= r->steps; r->step++) {
        one_step(r);
        if (r->step % 16 == 0)
            check_audit(r);
        if (r->step % 500 == 0)
            check_everything(r);
    }
    describe(r, "end of sequence");
    check_audit(r);
    op_expire(r);
    check_everything(r);
    check_codes(r);
    check_stats(r);
}

/* Runs body; NULL when it returned, else the message FAIL left.  Nothing
 * here lives across the longjmp but r. */
static const char *
guarded(run *r, void (*body)(run *))
{
    if (setjmp(r->fail))
        return r->msg;
    body(r);
    return NULL;
}

/* Runs one sequence; NULL when engine and model agreed throughout, else the
 * first disagreement (static storage of r). */
static const char *
run_seed(run *r, uint64_t seed, int steps)
{
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->steps = steps;
    /* splitmix64 walks one cycle by a fixed step: start each seed at a
     * scrambled point of it, not a few steps from its neighbour */
    r->r.s = seed;
    r->r.s = rnext(&r->r);
    r->clock.now = CLOCK_START + rbelow(&r->r, 1000000);
    r->m.now = r->clock.now;
    make_pool(r);

    sb_options o;
    sb_options_init(&o);
    o.max_locations = NLOC;
    o.first_day = first_day;
    o.days = NDAYS;
    o.windows_per_day = NWIN;
    o.max_people = MAX_PEOPLE;
    o.hold_ms = HOLD_MS;
    o.release_delay_ms = 0;
    o.clock_ms = fake_now;
    o.clock_ctx = &r->clock;
    /* Half the seeds without a change limit: with one, every person ends
     * up with a booking they may not give back, and the sequence goes
     * quiet.  Seeds 1..11 cover each pair of the two options. */
    r->m.use_stock = seed % 2 == 0;
    r->m.max_changes = seed / 2 % 2 == 0 ? 0 : 1 + (uint32_t)(seed / 4 % 3);
    o.use_stock = r->m.use_stock;
    o.max_changes = r->m.max_changes;
    cr_assert_eq(sb_open(&o, &r->e), SB_OK);

    const char *msg = guarded(r, run_steps);
    free_run(r);
    return msg;
}

static const char *const OP_NAMES[SB_OP_COUNT] = {
    [SB_OP_RESERVE] = "reserve",     [SB_OP_CONFIRM] = "confirm",
    [SB_OP_BOOK] = "book",           [SB_OP_CANCEL] = "cancel",
    [SB_OP_LOOKUP] = "lookup",       [SB_OP_VERIFY] = "verify",
    [SB_OP_REDEEM] = "redeem",       [SB_OP_RELEASE] = "release",
    [SB_OP_LOCATION] = "location",   [SB_OP_SLOT_READ] = "slot_read",
    [SB_OP_NEXT_FREE] = "next_free", [SB_OP_RESCHEDULE] = "reschedule",
    [SB_OP_STOCK] = "stock_add",
};

/* What the sequences exercised, for --verbose runs: outcomes per call. */
static void
log_coverage(uint64_t seeds, uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES], uint64_t sweeps[4],
             uint64_t walks[2], uint64_t shelves[2])
{
    for (int op = 0; op < SB_OP_COUNT; op++) {
        char line[1024];
        int o = snprintf(line, sizeof line, "%s:", OP_NAMES[op] ? OP_NAMES[op] : "other");
        for (int s = 0; s < SB_STATS_STATUSES && o < (int)sizeof line; s++)
            if (tally[op][s])
                o += snprintf(line + o, sizeof line - (size_t)o, " %s %" PRIu64,
                              sb_status_name((sb_status)s), tally[op][s]);
        cr_log_info("%" PRIu64 " sequences, %s", seeds, line);
    }
    cr_log_info("%" PRIu64 " sequences, sb_expire: %" PRIu64 " sweeps, %" PRIu64
                " holds reclaimed, %" PRIu64 " counts known exactly, %" PRIu64
                " found dead holds taken over or replaced",
                seeds, sweeps[0], sweeps[1], sweeps[2], sweeps[3]);
    cr_log_info("%" PRIu64 " sequences, sb_each_booking: %" PRIu64 " walks, %" PRIu64
                " bookings shown; sb_stock_read: %" PRIu64 " answers exact, %" PRIu64
                " within bounds",
                seeds, walks[0], walks[1], shelves[1], shelves[0]);
}

static void
run_seeds(uint64_t first, uint64_t n)
{
    first_day = sb_day_from_civil(2022, 3, 14);
    cr_assert_neq(first_day, INT32_MIN);
    run *r = malloc(sizeof *r);
    cr_assert_not_null(r);
    int failures = 0;
    char first_msg[2048] = "";
    uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES] = {{0}}, sweeps[4] = {0, 0, 0, 0};
    uint64_t walks[2] = {0, 0}, shelves[2] = {0, 0};
    for (uint64_t seed = first; seed < first + n; seed++) {
        const char *msg = run_seed(r, seed, STEPS);
        for (int op = 0; op < SB_STATS_OPS; op++)
            for (int s = 0; s < SB_STATS_STATUSES; s++)
                tally[op][s] += r->tally[op][s];
        for (int k = 0; k < 4; k++)
            sweeps[k] += r->sweeps[k];
        for (int k = 0; k < 2; k++) {
            walks[k] += r->walks[k];
            shelves[k] += r->shelves[k];
        }
        if (msg) {
            cr_log_error("%s", msg);
            if (failures++ == 0)
                snprintf(first_msg, sizeof first_msg, "%s", msg);
        }
    }
    free(r);
    log_coverage(n, tally, sweeps, walks, shelves);
    cr_assert_eq(failures, 0, "%d of %" PRIu64 " sequences disagreed with the model; first: %s",
                 failures, n, first_msg);
}

Test(model, random_sequences_from_seeds_1_to_5_agree_with_the_model, .timeout = 240)
{
    run_seeds(1, 5);
}

Test(model, random_sequences_from_seeds_6_to_10_agree_with_the_model, .timeout = 240)
{
    run_seeds(6, 5);
}

Test(model, random_sequences_from_seeds_11_to_15_agree_with_the_model, .timeout = 240)
{
    run_seeds(11, 5);
}

Test(model, random_sequences_from_seeds_16_to_20_agree_with_the_model, .timeout = 240)
{
    run_seeds(16, 5);
}

/* ---- deterministic checks the random sequences cannot make ------------------ */

typedef struct small {
    fake_clock clock;
    sb_engine *e;
    uint32_t bsn[256];
    rng r;
} small;

static void
small_open(small *s, uint16_t windows, uint32_t hold_ms, uint32_t release_delay_ms)
{
    memset(s, 0, sizeof *s);
    first_day = sb_day_from_civil(2022, 3, 14);
    s->r.s = 42;
    s->clock.now = CLOCK_START;
    for (int i = 0; i < 256; i++) {
        bool dup;
        do {
            s->bsn[i] = bsn_make(&s->r);
            dup = false;
            for (int j = 0; j < i; j++)
                dup |= s->bsn[j] == s->bsn[i];
        } while (dup);
    }
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = first_day;
    o.days = 1;
    o.windows_per_day = windows;
    o.max_people = 256;
    o.hold_ms = hold_ms;
    o.release_delay_ms = release_delay_ms;
    o.clock_ms = fake_now;
    o.clock_ctx = &s->clock;
    cr_assert_eq(sb_open(&o, &s->e), SB_OK);
    cr_assert_eq(sb_location_open(s->e, 0), SB_OK);
}

static sb_slot_info
small_read(small *s, sb_slot slot)
{
    sb_slot_info in;
    cr_assert_eq(sb_slot_read(s->e, slot, &in), SB_OK);
    return in;
}

/* Cancels `n` places of `slot` at one instant (bookings, or live holds when
 * `holds`), then walks the clock to cancel time + delay: the places wait as
 * pending, become free one way only, and are all free at the bound. */
static void
watch_delayed_release(small *s, sb_slot slot, int first, int n, bool holds, uint32_t delay)
{
    char codes[64][SB_CODE_SIZE];
    cr_assert_eq(sb_release(s->e, slot, (uint32_t)n), SB_OK);
    for (int i = 0; i < n; i++) {
        if (holds)
            cr_assert_eq(sb_reserve(s->e, s->bsn[first + i], slot), SB_OK);
        else
            cr_assert_eq(sb_book(s->e, s->bsn[first + i], slot, codes[i]), SB_OK);
    }
    sb_slot_info in = small_read(s, slot);
    cr_assert_eq(in.free, 0);
    s->clock.now += 10;
    uint64_t t = s->clock.now;
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_cancel(s->e, s->bsn[first + i]), SB_OK);
    for (int i = 0; i < n; i++) {
        sb_booking b;
        cr_assert_eq(sb_lookup(s->e, s->bsn[first + i], &b), SB_NOT_FOUND);
        if (!holds)
            cr_assert_eq(sb_verify(s->e, codes[i], s->bsn[first + i], NULL), SB_CANCELLED);
    }
    uint32_t last_free = 0;
    bool waited = false;
    for (;;) {
        in = small_read(s, slot);
        cr_assert_eq(in.capacity, (uint32_t)n);
        cr_assert_eq(in.held + in.booked + in.redeemed, 0,
                     "at +%" PRIu64 " ms the cancelled places are still held or booked",
                     s->clock.now - t);
        cr_assert_eq(in.free + in.pending, (uint32_t)n,
                     "at +%" PRIu64 " ms: free %" PRIu32 " + pending %" PRIu32 " != %d",
                     s->clock.now - t, in.free, in.pending, n);
        cr_assert_geq(in.free, last_free, "a place went from free back to pending");
        last_free = in.free;
        waited |= in.pending > 0;
        sb_slot next;
        sb_status nf = sb_next_free(s->e, 0, first_day, &next);
        if (in.free > 0)
            cr_assert_eq(nf, SB_OK);
        if (s->clock.now >= t + delay)
            break;
        if (rchance(&s->r, 300))
            cr_assert_eq(sb_expire(s->e), 0, "no hold ran out, none may be reclaimed");
        s->clock.now += 1 + rbelow(&s->r, 40);
        if (s->clock.now > t + delay)
            s->clock.now = t + delay;
    }
    cr_assert_eq(in.pending, 0, "places still pending at cancel time + release_delay_ms");
    cr_assert_eq(in.free, (uint32_t)n);
    cr_assert(waited, "all %d places came back at the instant of the cancel: no delay", n);
    /* and they can be taken */
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_reserve(s->e, s->bsn[first + i], slot), SB_OK);
    cr_assert_eq(small_read(s, slot).free, 0);
}

Test(model, cancelled_places_wait_as_pending_and_are_free_by_cancel_time_plus_the_delay)
{
    small s;
    uint32_t delay = 2000;
    small_open(&s, 3, 600000, delay);
    sb_slot a = {0, 0, first_day}, b = {0, 1, first_day}, c = {0, 2, first_day};
    watch_delayed_release(&s, a, 0, 40, false, delay); /* bookings */
    watch_delayed_release(&s, b, 40, 30, true, delay); /* live holds */

    /* A reserve meanwhile succeeds exactly when slot_read shows a free place. */
    char code[SB_CODE_SIZE];
    int n = 5;
    cr_assert_eq(sb_release(s.e, c, (uint32_t)n), SB_OK);
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_book(s.e, s.bsn[100 + i], c, code), SB_OK);
    s.clock.now += 10;
    uint64_t t = s.clock.now;
    for (int i = 0; i < n; i++)
        cr_assert_eq(sb_cancel(s.e, s.bsn[100 + i]), SB_OK);
    int next = 200, taken = 0;
    for (;;) {
        sb_slot_info in = small_read(&s, c);
        cr_assert_eq(in.held, (uint32_t)taken);
        cr_assert_eq(in.free + in.pending + in.held, (uint32_t)n);
        sb_status st = sb_reserve(s.e, s.bsn[next], c);
        cr_assert_eq(st, in.free > 0 ? SB_OK : SB_FULL,
                     "at +%" PRIu64 " ms slot_read said free %" PRIu32 ", reserve answered %s",
                     s.clock.now - t, in.free, sb_status_name(st));
        if (st == SB_OK) {
            taken++;
            next++;
        }
        if (s.clock.now >= t + delay)
            break;
        s.clock.now += 1 + rbelow(&s.r, 60);
        if (s.clock.now > t + delay)
            s.clock.now = t + delay;
    }
    /* at the bound every place is back: the rest can be reserved now */
    while (taken < n) {
        cr_assert_eq(sb_reserve(s.e, s.bsn[next++], c), SB_OK);
        taken++;
    }
    cr_assert_eq(sb_reserve(s.e, s.bsn[next], c), SB_FULL);
    cr_assert_eq(sb_audit(s.e, NULL, NULL, 0), SB_OK);
    sb_close(s.e);
}

Test(model, the_engine_uses_the_largest_time_it_has_seen)
{
    small s;
    uint32_t hold = 1000;
    small_open(&s, 1, hold, 0);
    sb_slot a = {0, 0, first_day};
    sb_booking bk;
    char code[SB_CODE_SIZE];
    cr_assert_eq(sb_release(s.e, a, 3), SB_OK);
    uint64_t t = s.clock.now += 100;
    cr_assert_eq(sb_reserve(s.e, s.bsn[0], a), SB_OK);
    s.clock.now = t - 50; /* backwards */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_OK);
    cr_assert_eq(bk.state, SB_STATE_HELD);
    cr_assert_eq(bk.deadline_ms, t + hold);
    s.clock.now = t + hold - 1;
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_OK);
    s.clock.now = t; /* backwards again: still t + hold - 1 for the engine */
    cr_assert_eq(sb_slot_read(s.e, a, &(sb_slot_info){0}), SB_OK);
    s.clock.now = t + hold; /* the hold runs out */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_NOT_FOUND);
    s.clock.now = t + 10; /* back before the deadline: it stays out */
    cr_assert_eq(sb_lookup(s.e, s.bsn[0], &bk), SB_NOT_FOUND);
    cr_assert_eq(sb_confirm(s.e, s.bsn[0], code), SB_EXPIRED);
    cr_assert_eq(sb_cancel(s.e, s.bsn[0]), SB_NOT_FOUND);
    sb_slot_info in = small_read(&s, a);
    cr_assert_eq(in.held, 0);
    cr_assert_eq(in.free, 3);
    /* a new hold runs from the largest time seen, not the clock's reading */
    cr_assert_eq(sb_reserve(s.e, s.bsn[1], a), SB_OK);
    cr_assert_eq(sb_lookup(s.e, s.bsn[1], &bk), SB_OK);
    cr_assert_eq(bk.deadline_ms, t + hold + hold);
    cr_assert_eq(sb_expire(s.e), 1);
    sb_close(s.e);
}

Test(model, a_person_may_book_65535_times_and_then_gets_nomem)
{
    small s;
    small_open(&s, 2, 600000, 0);
    sb_slot a = {0, 0, first_day}, b = {0, 1, first_day};
    uint32_t p = s.bsn[0];
    char first[SB_CODE_SIZE], code[SB_CODE_SIZE];
    cr_assert_eq(sb_release(s.e, a, 1), SB_OK);
    cr_assert_eq(sb_book(s.e, p, a, first), SB_OK);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    for (uint32_t i = 2; i < MAX_GEN; i++) {
        sb_status st = (i & 1) ? sb_book(s.e, p, a, code) : sb_reserve(s.e, p, a);
        cr_assert_eq(st, SB_OK, "booking number %" PRIu32 ": %s", i, sb_status_name(st));
        if (!(i & 1))
            cr_assert_eq(sb_confirm(s.e, p, code), SB_OK, "booking number %" PRIu32, i);
        cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    }
    cr_assert_eq(sb_book(s.e, p, a, code), SB_OK, "booking number 65535");
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_OK);
    /* a reschedule would be booking number 65536: refused, nothing moves */
    char moved[SB_CODE_SIZE];
    memset(moved, '#', sizeof moved);
    cr_assert_eq(sb_release(s.e, b, 1), SB_OK);
    cr_assert_eq(sb_reschedule(s.e, p, b, moved), SB_NOMEM);
    cr_assert_eq(moved[0], '#', "sb_reschedule wrote a code on SB_NOMEM");
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_OK);
    cr_assert_eq(small_read(&s, a).booked, 1);
    cr_assert_eq(small_read(&s, b).free, 1);
    cr_assert_eq(sb_verify(s.e, first, p, NULL), SB_CANCELLED);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    cr_assert_eq(sb_verify(s.e, code, p, NULL), SB_CANCELLED);
    memset(first, '#', sizeof first);
    cr_assert_eq(sb_book(s.e, p, a, first), SB_NOMEM);
    cr_assert_eq(first[0], '#', "sb_book wrote a code on SB_NOMEM");
    cr_assert_eq(sb_reserve(s.e, p, a), SB_OK, "a hold is not a booking");
    cr_assert_eq(sb_confirm(s.e, p, first), SB_NOMEM);
    cr_assert_eq(first[0], '#', "sb_confirm wrote a code on SB_NOMEM");
    sb_booking bk;
    cr_assert_eq(sb_lookup(s.e, p, &bk), SB_OK);
    cr_assert_eq(bk.state, SB_STATE_HELD);
    cr_assert_eq(sb_cancel(s.e, p), SB_OK);
    cr_assert_eq(small_read(&s, a).free, 1);
    /* others are not affected */
    cr_assert_eq(sb_book(s.e, s.bsn[1], a, code), SB_OK);
    cr_assert_eq(sb_audit(s.e, NULL, NULL, 0), SB_OK);
    sb_close(s.e);
}

Test(model, a_shelf_holds_2_to_the_48_stickers_and_no_more)
{
    fake_clock clock = {CLOCK_START};
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 2;
    o.first_day = sb_day_from_civil(2022, 3, 14);
    o.days = 1;
    o.max_people = 16;
    o.use_stock = 1;
    o.clock_ms = fake_now;
    o.clock_ctx = &clock;
    sb_engine *e = NULL;
    cr_assert_eq(sb_open(&o, &e), SB_OK);
    const uint64_t most = UINT64_C(1) << 48;
    uint64_t n = 0;
    for (uint32_t i = 0; i < 65536; i++) /* 65,536 * (2^32 - 1) = 2^48 - 65,536 */
        cr_assert_eq(sb_stock_add(e, 0, UINT32_MAX), SB_OK, "add number %" PRIu32, i);
    cr_assert_eq(sb_stock_add(e, 0, 65537), SB_INVALID_ARG, "one past 2^48");
    cr_assert_eq(sb_stock_read(e, 0, &n), SB_OK);
    cr_assert_eq(n, most - 65536, "a refused add changed the shelf");
    cr_assert_eq(sb_stock_add(e, 0, 65536), SB_OK, "exactly 2^48");
    cr_assert_eq(sb_stock_add(e, 0, 1), SB_INVALID_ARG);
    cr_assert_eq(sb_stock_add(e, 0, 0), SB_OK);
    cr_assert_eq(sb_stock_read(e, 0, &n), SB_OK);
    cr_assert_eq(n, most);
    cr_assert_eq(sb_stock_read(e, 1, &n), SB_OK);
    cr_assert_eq(n, 0, "another location's shelf moved");
    sb_close(e);
}
