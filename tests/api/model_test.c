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
 * sb_expire's count depends on which expired holds a later reserve took
 * over (unspecified), so it is checked against bounds: at most the expired
 * holds not yet reclaimed, at least those minus one per reserve or book that
 * took a place in their slot since the last sweep (SB_OK, or SB_NOMEM after
 * the place was found); the next sb_expire answers 0, and the stats counter
 * of reclaimed holds then equals every hold that ever ran out.  At the end of
 * each sequence: sb_audit, every person's lookup, every code issued, and the
 * stats outcome counters against the calls the test made.
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
    bool swept;        /* the hold ran out and an sb_expire reclaimed it */
    uint32_t gen;      /* bookings made */
    int latest;        /* index of the latest code, -1 for none */
} mperson;

typedef struct model {
    bool open[NLOC];
    uint32_t capacity[NSLOTS];
    uint32_t takeovers[NSLOTS]; /* reserves that may have taken an expired hold over */
    mperson people[NPOOL];
    uint32_t stored;
    mcode *codes;
    size_t ncodes, capcodes;
    uint64_t expired_gone; /* expired holds replaced by their owner's next reserve or book */
    uint64_t now;
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
    /* sb_expire calls, holds they reclaimed, calls where takeovers were
     * possible, calls that found some taken over */
    uint64_t sweeps[4];
} run;

#define FAIL(run_, ...)                                                                            \
    do {                                                                                           \
        char what_[640];                                                                           \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                                \
        snprintf((run_)->msg, sizeof(run_)->msg,                                                   \
                 "seed %" PRIu64 " step %d (now %" PRIu64 "): %s: %s", (run_)->seed, (run_)->step, \
                 (run_)->m.now - CLOCK_START, (run_)->desc, what_);                                \
        longjmp((run_)->fail, 1);                                                                  \
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

static void
expect_booking(run *r, const char *what, const sb_booking *want, const sb_booking *got)
{
    char a[64], b[64];
    if (want->bsn != got->bsn || want->slot.location != got->slot.location ||
        want->slot.day != got->slot.day || want->slot.window != got->slot.window ||
        want->state != got->state || want->deadline_ms != got->deadline_ms)
        FAIL(r,
             "%s: expected {bsn %09" PRIu32 ", slot %s, state %d, deadline %" PRIu64
             "}, got {bsn %09" PRIu32 ", slot %s, state %d, deadline %" PRIu64 "}",
             what, want->bsn, slot_str(want->slot, a), (int)want->state, want->deadline_ms,
             got->bsn, slot_str(got->slot, b), (int)got->state, got->deadline_ms);
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

    sb_status want = SB_OK;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (i < 0)
        want = SB_INVALID_ARG;
    else if (!m->open[s.location])
        want = SB_CLOSED;
    else if (m_live(m, p) || p->state == P_BOOKED || p->state == P_REDEEMED)
        want = SB_DUPLICATE;
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
    /* A call that got as far as taking a place may have taken over an
     * expired hold of this slot (and given the place back on SB_NOMEM). */
    if ((want == SB_OK || want == SB_NOMEM) && m_unreclaimed(m, i) > 0)
        m->takeovers[i]++;
    if (want != SB_OK)
        return;
    if (p->state == P_HELD) /* ran out: replaced by this call */
        m->expired_gone++;
    if (!p->stored) {
        p->stored = true;
        m->stored++;
    }
    p->slot = i;
    p->swept = false;
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

    sb_status want;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (m_live(m, p) || p->state == P_BOOKED)
        want = SB_OK;
    else if (p->state == P_REDEEMED)
        want = SB_USED;
    else
        want = SB_NOT_FOUND; /* nothing, or a hold that ran out */
    expect_status(r, want, got);
    if (want != SB_OK)
        return;
    if (p->state == P_BOOKED)
        m->codes[p->latest].status = C_CANCELLED;
    p->state = P_NONE;
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
    uint32_t most = m_unreclaimed(m, -1), least = 0;
    for (int s = 0; s < (int)NSLOTS; s++) {
        uint32_t u = m_unreclaimed(m, s);
        least += u > m->takeovers[s] ? u - m->takeovers[s] : 0;
    }
    describe(
        r, "sb_expire() with %" PRIu32 " expired holds unreclaimed, >= %" PRIu32 " not taken over",
        most, least);
    size_t got = sb_expire(r->e);
    if (got > most || got < least)
        FAIL(r, "expected a count in [%" PRIu32 ", %" PRIu32 "], got %zu", least, most, got);
    r->sweeps[0]++;
    r->sweeps[1] += got;
    r->sweeps[2] += least < most;
    r->sweeps[3] += got < most;
    for (int i = 0; i < NPOOL; i++)
        if (m_ran_out(m, &m->people[i]))
            m->people[i].swept = true;
    memset(m->takeovers, 0, sizeof m->takeovers);
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
    uint32_t total = 0;
    for (int i = 0; i < (int)NSLOTS; i++)
        total += m->capacity[i] > 1000 ? 1000 : m->capacity[i];
    /* keep places scarce: release often while there are few, rarely after */
    uint32_t release = total < 48 ? 100 : 3;
    uint32_t k = rbelow(&r->r, 1000 + release);
    if (k >= 1000)
        op_release(r);
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
    cr_assert_eq(sb_open(&o, &r->e), SB_OK);

    const char *msg = guarded(r, run_steps);
    free_run(r);
    return msg;
}

static const char *const OP_NAMES[SB_OP_COUNT] = {
    "reserve", "confirm", "book",     "cancel",    "lookup",    "verify",
    "redeem",  "release", "location", "slot_read", "next_free",
};

/* What the sequences exercised, for --verbose runs: outcomes per call. */
static void
log_coverage(uint64_t seeds, uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES], uint64_t sweeps[4])
{
    for (int op = 0; op < SB_OP_COUNT; op++) {
        char line[1024];
        int o = snprintf(line, sizeof line, "%s:", OP_NAMES[op]);
        for (int s = 0; s < SB_STATS_STATUSES && o < (int)sizeof line; s++)
            if (tally[op][s])
                o += snprintf(line + o, sizeof line - (size_t)o, " %s %" PRIu64,
                              sb_status_name((sb_status)s), tally[op][s]);
        cr_log_info("%" PRIu64 " sequences, %s", seeds, line);
    }
    cr_log_info("%" PRIu64 " sequences, sb_expire: %" PRIu64 " sweeps, %" PRIu64
                " holds reclaimed, %" PRIu64 " sweeps after possible takeovers, %" PRIu64
                " found some taken over",
                seeds, sweeps[0], sweeps[1], sweeps[2], sweeps[3]);
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
    for (uint64_t seed = first; seed < first + n; seed++) {
        const char *msg = run_seed(r, seed, STEPS);
        for (int op = 0; op < SB_STATS_OPS; op++)
            for (int s = 0; s < SB_STATS_STATUSES; s++)
                tally[op][s] += r->tally[op][s];
        for (int k = 0; k < 4; k++)
            sweeps[k] += r->sweeps[k];
        if (msg) {
            cr_log_error("%s", msg);
            if (failures++ == 0)
                snprintf(first_msg, sizeof first_msg, "%s", msg);
        }
    }
    free(r);
    log_coverage(n, tally, sweeps);
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
    small_open(&s, 1, 600000, 0);
    sb_slot a = {0, 0, first_day};
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
