/*
 * The mutex baseline (bench/baseline.c) answers like slotbook.
 *
 * differential  long random single-threaded sequences of every driver call,
 *               made on both engines with the same arguments, on one fake
 *               clock (both read the same ms value): every status, every
 *               read (sb_slot_info, sb_booking, sb_next_free's slot) must be
 *               identical, and a code written only on SB_OK.  Codes: both
 *               engines seal (person number, generation) with slotbook's
 *               generator; with a fixed code_key the test opens both codes
 *               and requires the same generation, the baseline's number in
 *               order of first booking or hold, and slotbook's a fixed
 *               number per person.  (slotbook draws numbers from striped
 *               ranges picked by a keyed hash of the BSN, so its numbers are
 *               not in order of arrival; with max_people = 1 both must give
 *               the same number, and the codes suite then checks the texts
 *               are equal.)
 *
 *               sb_expire's count: both engines reclaim a hold that ran out
 *               by sb_expire, by its owner's next reserve or book, or when a
 *               reserve or book on a full slot takes its place over.  Which
 *               hold a takeover picks differs (slotbook: the lowest seat;
 *               the baseline: the oldest hold), and when the owner of the
 *               hold left behind reserves again, that hold is dropped in one
 *               engine and counted by a later sb_expire in the other.  With
 *               one seat per slot there is never a choice, so those runs
 *               compare every count exactly; the others compare every
 *               slot's read right after each sb_expire instead (the counts
 *               have no other observable effect), and a second sb_expire at
 *               once answers 0 on both.
 *
 *               Delayed releases land at random moments in each engine, so
 *               the sequences run with release_delay_ms = 0; the
 *               delayed_release suite checks their bounds on both engines.
 *
 *               The sequences reschedule and walk bookings (sb_each_booking:
 *               the same bookings, compared in order of BSN, since the
 *               engines number people differently), and some runs keep
 *               sticker stock with max_changes = 3.  A hold that ran out
 *               keeps its sticker until it is reclaimed, so where the
 *               engines reclaimed different holds (above) their shelves
 *               differ for a while: every status must still agree, the
 *               shelves must agree right after sb_expire, and with one seat
 *               per slot they must agree after every call.
 *
 * Other suites call both engines through their driver tables, one after the
 * other, with the same expectations: edge statuses, limits, holds that ran
 * out, codes (also across engines with one key: a genuine code naming a
 * person or a generation the other never issued is SB_FORGED), delayed
 * releases, and threads hammering the baseline (then its audit must pass).
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "splitmix.h"
#include "internal.h" /* sb__code_keys_init, sb__code_open: to read codes */

/* ---- shape of the test engines ---------------------------------------------- */

#define NLOC 3u
#define NDAYS 4u
#define NWIN 2u
#define NSLOTS (NLOC * NDAYS * NWIN)
#define MAX_PEOPLE 60u
#define HOLD_MS 1000u
#define NVALID 76
#define NINVALID 4
#define NPOOL (NVALID + NINVALID)
#define STEPS 20000
#define FIRST_DAY 19065                     /* 2022-03-14 */
#define CLOCK_START UINT64_C(1647216000000) /* its midnight, in ms */
#define NIL UINT32_MAX

static const char CROCKFORD[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const sb_driver *const DRIVERS[] = {&sb_driver_slotbook, &sb_driver_mutex};
#define NDRIVERS 2

/* ---- clock, options, BSNs, slots ---------------------------------------------- */

typedef struct fake_clock {
    _Atomic uint64_t now;
} fake_clock;

static uint64_t
fake_now(void *ctx)
{
    return atomic_load_explicit(&((fake_clock *)ctx)->now, memory_order_relaxed);
}

static sb_options
small_options(fake_clock *clk, uint32_t holds_per_slot, bool keyed)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = NLOC;
    o.first_day = FIRST_DAY;
    o.days = NDAYS;
    o.windows_per_day = NWIN;
    o.max_people = MAX_PEOPLE;
    o.hold_ms = HOLD_MS;
    if (holds_per_slot)
        o.holds_per_slot = holds_per_slot;
    for (int i = 0; keyed && i < 32; i++)
        o.code_key[i] = (uint8_t)(7 * i + 1);
    o.clock_ms = fake_now;
    o.clock_ctx = clk;
    return o;
}

/* A valid BSN: eight random digits and the ninth that passes the 11-check. */
static uint32_t
bsn_make(rng *r)
{
    for (;;) {
        uint32_t head = rbelow(r, 100000000u), x = head;
        int sum = 0;
        for (int w = 2; w <= 9; w++, x /= 10)
            sum += w * (int)(x % 10);
        uint32_t bsn = head * 10u + (uint32_t)(sum % 11);
        if (sum % 11 != 10 && sb_bsn_valid(bsn))
            return bsn;
    }
}

static sb_slot
slot_at(uint32_t i)
{
    sb_slot s;
    s.window = (uint16_t)(i % NWIN);
    s.day = FIRST_DAY + (int32_t)(i / NWIN % NDAYS);
    s.location = (uint16_t)(i / NWIN / NDAYS);
    return s;
}

static void *
open_engine(const sb_driver *d, const sb_options *o)
{
    void *h = NULL;
    sb_status st = d->open(o, &h);
    cr_assert_eq(st, SB_OK, "%s open: %s", d->name, sb_status_name(st));
    cr_assert_not_null(h);
    return h;
}

static void
audit_ok(const sb_driver *d, void *h)
{
    char msg[256];
    sb_audit_report rep;
    sb_status st = d->audit(h, &rep, msg, sizeof msg);
    cr_assert_eq(st, SB_OK, "%s audit: %s: %s", d->name, sb_status_name(st), msg);
    cr_assert_leq(rep.held + rep.booked + rep.redeemed + rep.pending, rep.capacity);
}

/* ---- the differential run ------------------------------------------------------ */

enum { SB, MX, SIDES }; /* slotbook, the mutex baseline */

typedef struct side {
    const sb_driver *d;
    void *h;
    char latest[NPOOL][SB_CODE_SIZE]; /* the latest code issued to each person, "" none */
    char older[NPOOL][SB_CODE_SIZE];  /* the one before it */
} side;

/* What the test last saw of a person (to aim calls, not to check them). */
enum { SEEN_NONE, SEEN_HELD, SEEN_BOOKED, SEEN_REDEEMED, SEEN_WAITING, SEEN_MEMBER };

/* What a run mixes in besides the calls every run makes. */
enum {
    MIX_FAMILIES = 1, /* sb_book_group */
    MIX_WAITING = 2,  /* sb_wait, and the settles it needs (below) */
    MIX_SETTLE = 4,   /* sb_expire whenever the clock moves: no dead hold is ever left */
};

typedef struct diff {
    uint64_t seed;
    int step;
    rng r;
    fake_clock clock;
    sb_options o;
    bool keyed;        /* a fixed code_key: codes are opened and compared */
    bool exact_expire; /* one seat per slot: sb_expire counts and shelves must agree */
    bool rules;        /* use_stock and max_changes = 3 */
    sb_code_keys keys;
    side s[SIDES];
    uint32_t bsn[NPOOL];
    int seen[NPOOL];
    uint32_t capacity[NSLOTS];
    uint32_t added[NLOC];               /* stickers added per location */
    uint32_t order[NPOOL];              /* arrival order of stored people, NIL before */
    uint32_t sb_number[NPOOL];          /* slotbook's number for the person, NIL unknown */
    uint32_t stored;                    /* people stored so far */
    uint64_t expired[SIDES];            /* holds sb_expire reclaimed, per engine */
    uint64_t statuses[SB_STATUS_COUNT]; /* how often each status came up */
    unsigned mix;                       /* MIX_* */
    int leader[NPOOL];                  /* the family the person is booked with (its leader's
                                           pool index, as the test saw it), -1 none */
    int members[NPOOL][SB_FAMILY_MAX];  /* a leader's family, in the caller's order */
    unsigned nmembers[NPOOL];
    /* families booked, waiting people who confirmed the hold the list gave
     * them, family codes verified by a member who does not lead, sb_expire
     * calls made to settle */
    uint64_t families, offers, member_codes, settles;
    uint64_t group_statuses[SB_STATUS_COUNT], wait_statuses[SB_STATUS_COUNT];
    char desc[200];
} diff;

static void mismatch(diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
mismatch(diff *d, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cr_assert_fail("seed %" PRIu64 " step %d (t+%" PRIu64 " ms): %s: %s", d->seed, d->step,
                   fake_now(&d->clock) - CLOCK_START, d->desc, what);
}

static void describe(diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
describe(diff *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->desc, sizeof d->desc, fmt, ap);
    va_end(ap);
}

static void
same_status(diff *d, const sb_status st[SIDES])
{
    if (st[SB] != st[MX])
        mismatch(d, "slotbook %s, mutex %s", sb_status_name(st[SB]), sb_status_name(st[MX]));
    if ((unsigned)st[SB] < SB_STATUS_COUNT)
        d->statuses[st[SB]]++;
}

static void
same_slot(diff *d, const sb_slot a[SIDES])
{
    if (a[SB].location != a[MX].location || a[SB].day != a[MX].day || a[SB].window != a[MX].window)
        mismatch(d, "slots differ: slotbook {%u, %" PRId32 ", %u}, mutex {%u, %" PRId32 ", %u}",
                 a[SB].location, a[SB].day, a[SB].window, a[MX].location, a[MX].day, a[MX].window);
}

static void
same_info(diff *d, const sb_slot_info in[SIDES])
{
    const sb_slot_info *a = &in[SB], *b = &in[MX];
    if (a->capacity != b->capacity || a->held != b->held || a->booked != b->booked ||
        a->redeemed != b->redeemed || a->free != b->free || a->pending != b->pending)
        mismatch(d,
                 "slot reads differ: slotbook cap %u held %u booked %u redeemed %u free %u "
                 "pending %u, mutex cap %u held %u booked %u redeemed %u free %u pending %u",
                 a->capacity, a->held, a->booked, a->redeemed, a->free, a->pending, b->capacity,
                 b->held, b->booked, b->redeemed, b->free, b->pending);
    if ((uint64_t)a->held + a->booked + a->redeemed + a->pending + a->free != a->capacity)
        mismatch(d, "a read does not add up to its capacity");
}

static void
same_booking(diff *d, const sb_booking bk[SIDES])
{
    sb_slot sl[SIDES] = {bk[SB].slot, bk[MX].slot};
    same_slot(d, sl);
    if (bk[SB].bsn != bk[MX].bsn || bk[SB].state != bk[MX].state ||
        bk[SB].deadline_ms != bk[MX].deadline_ms || bk[SB].position != bk[MX].position ||
        bk[SB].last_day != bk[MX].last_day)
        mismatch(d,
                 "bookings differ: slotbook bsn %09u state %d deadline %" PRIu64
                 " position %u last day %" PRId32 ", mutex bsn %09u state %d deadline %" PRIu64
                 " position %u last day %" PRId32,
                 bk[SB].bsn, (int)bk[SB].state, bk[SB].deadline_ms, bk[SB].position,
                 bk[SB].last_day, bk[MX].bsn, (int)bk[MX].state, bk[MX].deadline_ms,
                 bk[MX].position, bk[MX].last_day);
}

static bool
code_well_formed(const char *c)
{
    if (strlen(c) != SB_CODE_SIZE - 1)
        return false;
    for (int i = 0; i < SB_CODE_SIZE - 1; i++)
        if (i % 5 == 4 ? c[i] != '-' : !strchr(CROCKFORD, c[i]) || c[i] == '\0')
            return false;
    return true;
}

/* A call that issues a code answered st on both engines, which wrote
 * code[side] (prefilled with '?' when not NULL): on SB_OK a code of person
 * `who` (a family's leader for a family's code), for the n people holders[]
 * (its members). */
static void
check_family_codes(diff *d, int who, const int *holders, unsigned n, sb_status st,
                   char code[SIDES][SB_CODE_SIZE])
{
    for (int k = 0; k < SIDES; k++) {
        if (st != SB_OK) {
            if (code[k][0] != '?' || code[k][SB_CODE_SIZE - 1] != '?')
                mismatch(d, "%s wrote a code on %s", DRIVERS[k]->name, sb_status_name(st));
            continue;
        }
        if (!code_well_formed(code[k]))
            mismatch(d, "%s issued a malformed code '%s'", DRIVERS[k]->name, code[k]);
        for (unsigned j = 0; j < n; j++) {
            memcpy(d->s[k].older[holders[j]], d->s[k].latest[holders[j]], SB_CODE_SIZE);
            memcpy(d->s[k].latest[holders[j]], code[k], SB_CODE_SIZE);
        }
    }
    if (st != SB_OK || !d->keyed)
        return;
    uint32_t num[SIDES], gen[SIDES];
    for (int k = 0; k < SIDES; k++)
        if (sb__code_open(&d->keys, code[k], &num[k], &gen[k]) != 0)
            mismatch(d, "%s's code '%s' does not open under the key", DRIVERS[k]->name, code[k]);
    if (gen[SB] != gen[MX])
        mismatch(d, "generations differ: slotbook %u, mutex %u", gen[SB], gen[MX]);
    if (num[MX] != d->order[who])
        mismatch(d, "the baseline sealed person number %u, not %u (order of arrival)", num[MX],
                 d->order[who]);
    if (d->sb_number[who] == NIL) {
        for (int i = 0; i < NPOOL; i++)
            if (d->sb_number[i] == num[SB])
                mismatch(d, "slotbook sealed number %u for two people", num[SB]);
        d->sb_number[who] = num[SB];
    } else if (d->sb_number[who] != num[SB]) {
        mismatch(d, "slotbook sealed number %u, earlier %u", num[SB], d->sb_number[who]);
    }
}

static void
check_codes(diff *d, int who, sb_status st, char code[SIDES][SB_CODE_SIZE])
{
    check_family_codes(d, who, &who, 1, st, code);
}

/* ---- picking arguments ------------------------------------------------------------ */

static sb_slot
pick_slot(diff *d)
{
    sb_slot s = slot_at(rbelow(&d->r, NSLOTS));
    if (rchance(&d->r, 950))
        return s;
    switch (rbelow(&d->r, 6)) {
    case 0:
        s.location = rchance(&d->r, 500) ? NLOC : UINT16_MAX;
        break;
    case 1:
        s.window = rchance(&d->r, 500) ? NWIN : UINT16_MAX;
        break;
    case 2:
        s.day = FIRST_DAY - 1;
        break;
    case 3:
        s.day = FIRST_DAY + (int32_t)NDAYS;
        break;
    case 4:
        s.day = INT32_MIN;
        break;
    default:
        s.day = INT32_MAX;
        break;
    }
    return s;
}

/* A person of the pool: with the given chance one last seen in state
 * `want` (when there is one), else anyone, invalid BSNs included. */
static int
pick_person(diff *d, int want, uint32_t percent)
{
    if (rchance(&d->r, 10 * percent)) {
        int cand[NPOOL], n = 0;
        for (int i = 0; i < NPOOL; i++)
            if (d->seen[i] == want)
                cand[n++] = i;
        if (n > 0)
            return cand[rbelow(&d->r, (uint32_t)n)];
    }
    return (int)rbelow(&d->r, NPOOL);
}

/* ---- one step per call ------------------------------------------------------------ */

static void
step_location(diff *d)
{
    uint16_t loc = rchance(&d->r, 900) ? (uint16_t)rbelow(&d->r, NLOC)
                                       : (uint16_t)(rchance(&d->r, 500) ? NLOC : UINT16_MAX);
    bool open = rchance(&d->r, 700);
    describe(d, "location_%s(%u)", open ? "open" : "close", loc);
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++)
        st[k] = open ? d->s[k].d->location_open(d->s[k].h, loc)
                     : d->s[k].d->location_close(d->s[k].h, loc);
    same_status(d, st);
}

/* The test's index of a slot of the engine, -1 for a slot outside it. */
static int
slot_number(sb_slot s)
{
    int64_t day = (int64_t)s.day - FIRST_DAY;
    if (s.location >= NLOC || s.window >= NWIN || day < 0 || day >= NDAYS)
        return -1;
    return (int)(((uint32_t)s.location * NDAYS + (uint32_t)day) * NWIN + s.window);
}

static void
step_release(diff *d)
{
    sb_slot s = pick_slot(d);
    int i = slot_number(s);
    uint32_t cap = i >= 0 ? d->capacity[i] : 0;
    uint32_t places = cap < 5 ? rbelow(&d->r, 3) : 0; /* slots stay small, so they fill */
    if (d->mix & MIX_FAMILIES)                        /* but room for a family now and then */
        places = cap < 8 ? rbelow(&d->r, 5) : 0;
    if (cap > 0 && rchance(&d->r, 50)) /* past UINT32_MAX: refused */
        places = UINT32_MAX - cap + 1u + rbelow(&d->r, 2);
    describe(d, "release({%u, %" PRId64 ", %u}, %u)", s.location, (int64_t)s.day - FIRST_DAY,
             s.window, places);
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->release(d->s[k].h, s, places);
    same_status(d, st);
    if (st[SB] == SB_OK && i >= 0)
        d->capacity[i] += places;
}

static void
stored_now(diff *d, int who, sb_status st)
{
    if (st == SB_OK && d->order[who] == NIL)
        d->order[who] = d->stored++;
}

/* The family led by `leader` was cancelled: nobody is with it any more. */
static void
family_end(diff *d, int leader)
{
    for (unsigned j = 0; j < d->nmembers[leader]; j++) {
        int m = d->members[leader][j];
        if (d->leader[m] == leader) {
            d->leader[m] = -1;
            d->seen[m] = d->seen[m] == SEEN_MEMBER ? SEEN_NONE : d->seen[m];
        }
    }
}

static void
step_take(diff *d, bool book)
{
    int who = pick_person(d, rchance(&d->r, 100) ? SEEN_WAITING : SEEN_NONE, 30);
    sb_slot s = pick_slot(d);
    bool null_code = book && rchance(&d->r, 20);
    describe(d, "%s(%09u, {%u, %" PRId64 ", %u})", book ? "book" : "reserve", d->bsn[who],
             s.location, (int64_t)s.day - FIRST_DAY, s.window);
    sb_status st[SIDES];
    char code[SIDES][SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    for (int k = 0; k < SIDES; k++)
        st[k] = book ? d->s[k].d->book(d->s[k].h, d->bsn[who], s, null_code ? NULL : code[k])
                     : d->s[k].d->reserve(d->s[k].h, d->bsn[who], s);
    same_status(d, st);
    stored_now(d, who, st[SB]);
    if (book)
        check_codes(d, who, st[SB], code);
    if (st[SB] == SB_OK) {
        d->seen[who] = book ? SEEN_BOOKED : SEEN_HELD;
        d->leader[who] = -1;
    }
}

static void
step_confirm(diff *d)
{
    int who = pick_person(d, rchance(&d->r, 300) ? SEEN_WAITING : SEEN_HELD, 70);
    bool null_code = rchance(&d->r, 20);
    describe(d, "confirm(%09u%s)", d->bsn[who], null_code ? ", NULL" : "");
    sb_status st[SIDES];
    char code[SIDES][SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->confirm(d->s[k].h, d->bsn[who], null_code ? NULL : code[k]);
    same_status(d, st);
    check_codes(d, who, st[SB], code);
    if (st[SB] == SB_OK) {
        d->offers += d->seen[who] == SEEN_WAITING; /* the hold came from the waiting list */
        d->seen[who] = SEEN_BOOKED;
    }
}

static void
step_cancel(diff *d)
{
    static const int aims[] = {SEEN_HELD, SEEN_BOOKED, SEEN_WAITING, SEEN_MEMBER};
    int who = pick_person(d, aims[rbelow(&d->r, 4)], 60);
    describe(d, "cancel(%09u)", d->bsn[who]);
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->cancel(d->s[k].h, d->bsn[who]);
    same_status(d, st);
    if (st[SB] == SB_OK && d->leader[who] >= 0)
        family_end(d, d->leader[who]); /* any member cancels the whole family */
    if (st[SB] == SB_OK)
        d->seen[who] = SEEN_NONE;
}

static void
step_reschedule(diff *d)
{
    int who = pick_person(d, rchance(&d->r, 300) ? SEEN_MEMBER : SEEN_BOOKED, 70);
    sb_slot s = pick_slot(d);
    bool null_code = rchance(&d->r, 20);
    describe(d, "reschedule(%09u, {%u, %" PRId64 ", %u}%s)", d->bsn[who], s.location,
             (int64_t)s.day - FIRST_DAY, s.window, null_code ? ", NULL" : "");
    sb_status st[SIDES];
    char code[SIDES][SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->reschedule(d->s[k].h, d->bsn[who], s, null_code ? NULL : code[k]);
    same_status(d, st);
    int leader = d->leader[who];
    if (leader >= 0) /* a member moves the whole family: the leader's new code, for all */
        check_family_codes(d, leader, d->members[leader], d->nmembers[leader], st[SB], code);
    else
        check_codes(d, who, st[SB], code);
}

static uint16_t
pick_location(diff *d)
{
    if (rchance(&d->r, 950))
        return (uint16_t)rbelow(&d->r, NLOC);
    return rchance(&d->r, 500) ? (uint16_t)NLOC : UINT16_MAX;
}

static void
step_stock_add(diff *d)
{
    uint16_t loc = pick_location(d);
    /* Stickers stay scarcer than places, so shelves run empty. */
    uint32_t count = loc < NLOC && d->added[loc] * 500 > (uint32_t)d->step ? 0 : rbelow(&d->r, 3);
    describe(d, "stock_add(%u, %u)", loc, count);
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->stock_add(d->s[k].h, loc, count);
    same_status(d, st);
    if (st[SB] == SB_OK)
        d->added[loc] += count;
}

/* The shelf of loc on both engines; the numbers must agree when exact. */
static void
read_stock(diff *d, uint16_t loc, bool null_out, bool exact)
{
    sb_status st[SIDES];
    uint64_t n[SIDES] = {UINT64_MAX, UINT64_MAX};
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->stock_read(d->s[k].h, loc, null_out ? NULL : &n[k]);
    same_status(d, st);
    if (exact && n[SB] != n[MX])
        mismatch(d, "shelves differ: slotbook %" PRIu64 " stickers, mutex %" PRIu64, n[SB], n[MX]);
}

static void
step_stock_read(diff *d)
{
    uint16_t loc = pick_location(d);
    bool null_out = rchance(&d->r, 30);
    describe(d, "stock_read(%u%s)", loc, null_out ? ", NULL" : "");
    read_stock(d, loc, null_out, d->exact_expire);
}

/* What one sb_each_booking walk was shown. */
typedef struct walk {
    sb_booking seen[NPOOL];
    int n, stop_after; /* stop_after 0: go on to the end */
} walk;

static int
walk_one(const sb_booking *b, void *ctx)
{
    walk *w = ctx;
    if (w->n < NPOOL)
        w->seen[w->n] = *b;
    w->n++;
    return w->stop_after != 0 && w->n >= w->stop_after;
}

static int
by_bsn(const void *a, const void *b)
{
    uint32_t x = ((const sb_booking *)a)->bsn, y = ((const sb_booking *)b)->bsn;
    return (x > y) - (x < y);
}

static void
walk_location(diff *d, uint16_t loc, int32_t from, int32_t to, int stop_after, bool null_fn)
{
    static walk w[SIDES];
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++) {
        w[k] = (walk){.stop_after = stop_after};
        st[k] = d->s[k].d->each_booking(d->s[k].h, loc, from, to, null_fn ? NULL : walk_one, &w[k]);
    }
    same_status(d, st);
    if (w[SB].n != w[MX].n || w[SB].n > NPOOL)
        mismatch(d, "slotbook called back %d times, mutex %d", w[SB].n, w[MX].n);
    if (stop_after != 0)
        return; /* which come first depends on the engine's person numbers */
    for (int k = 0; k < SIDES; k++)
        qsort(w[k].seen, (size_t)w[k].n, sizeof w[k].seen[0], by_bsn);
    for (int i = 0; i < w[SB].n; i++) {
        sb_booking pair[SIDES] = {w[SB].seen[i], w[MX].seen[i]};
        same_booking(d, pair);
    }
}

static void
step_each_booking(diff *d)
{
    uint16_t loc = pick_location(d);
    int32_t from = FIRST_DAY - 1 + (int32_t)rbelow(&d->r, NDAYS + 2);
    int32_t to = from - 1 + (int32_t)rbelow(&d->r, NDAYS + 1); /* to < from now and then */
    if (rchance(&d->r, 50)) {
        from = INT32_MIN;
        to = INT32_MAX;
    }
    int stop_after = rchance(&d->r, 200) ? 1 + (int)rbelow(&d->r, 3) : 0;
    bool null_fn = rchance(&d->r, 20);
    describe(d, "each_booking(%u, %" PRId64 ", %" PRId64 ", stop after %d%s)", loc,
             (int64_t)from - FIRST_DAY, (int64_t)to - FIRST_DAY, stop_after,
             null_fn ? ", NULL" : "");
    walk_location(d, loc, from, to, stop_after, null_fn);
}

static void
lookup_person(diff *d, int who, bool null_out)
{
    sb_status st[SIDES];
    sb_booking bk[SIDES];
    memset(bk, 0xab, sizeof bk);
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->lookup(d->s[k].h, d->bsn[who], null_out ? NULL : &bk[k]);
    same_status(d, st);
    same_booking(d, bk);
}

static void
step_lookup(diff *d)
{
    int who = pick_person(d, SEEN_HELD, 30);
    bool null_out = rchance(&d->r, 30);
    describe(d, "lookup(%09u%s)", d->bsn[who], null_out ? ", NULL" : "");
    lookup_person(d, who, null_out);
}

/* How a presented code is made, the same way for both engines (each from
 * its own codes). */
typedef enum code_kind {
    C_OWN,      /* the person's latest code */
    C_OLDER,    /* the one before it */
    C_OTHERS,   /* another person's latest */
    C_MUTATED,  /* the latest with one symbol changed */
    C_RESHAPED, /* the latest in lower case, O and L for 0 and 1, other separators */
    C_GARBAGE,  /* random characters */
    C_NULL,
    C_KINDS
} code_kind;

static const char *const KIND_NAMES[C_KINDS] = {"own",      "older",   "other's", "mutated",
                                                "reshaped", "garbage", "NULL"};

typedef struct presented {
    code_kind kind;
    int owner;        /* whose code */
    uint32_t pos;     /* C_MUTATED: symbol index; C_RESHAPED: style bits */
    uint32_t delta;   /* C_MUTATED: added to the symbol's value, mod 32 */
    char garbage[72]; /* C_GARBAGE */
} presented;

static void
make_garbage(rng *r, char *out, size_t size)
{
    static const char chars[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcxyzOoIiLlU -_#\t";
    size_t len = rbelow(r, (uint32_t)size);
    for (size_t i = 0; i < len; i++)
        out[i] = chars[rbelow(r, sizeof chars - 1)];
    out[len] = '\0';
}

static int
symbol_value(char c)
{
    const char *p = strchr(CROCKFORD, c);
    return p ? (int)(p - CROCKFORD) : -1;
}

/* The text one engine is shown; NULL for C_NULL. */
static const char *
code_text(const diff *d, int k, const presented *p, char out[80])
{
    const side *s = &d->s[k];
    const char *src = p->kind == C_OLDER ? s->older[p->owner] : s->latest[p->owner];
    if (p->kind == C_NULL)
        return NULL;
    if (p->kind == C_GARBAGE || src[0] == '\0')
        return p->garbage;
    strcpy(out, src);
    if (p->kind == C_MUTATED) {
        int at = (int)(p->pos + p->pos / 4); /* skip the dashes */
        out[at] = CROCKFORD[(symbol_value(out[at]) + (int)p->delta) % 32];
    } else if (p->kind == C_RESHAPED) {
        size_t o = 0;
        for (size_t i = 0; src[i]; i++) {
            char c = src[i];
            if (c == '-') {
                if (p->pos & 1)
                    continue;
                c = (p->pos & 2) ? ' ' : '-';
            } else if (c == '0' && (p->pos & 4)) {
                c = 'o';
            } else if (c == '1' && (p->pos & 8)) {
                c = 'l';
            } else if (c == '1' && (p->pos & 16)) {
                c = 'I';
            } else if (c >= 'A' && c <= 'Z') {
                c = (char)(c - 'A' + 'a');
            }
            out[o++] = c;
        }
        out[o] = '\0';
    }
    return out;
}

static void
step_present(diff *d, bool redeem)
{
    int who = pick_person(d, rchance(&d->r, 300) ? SEEN_MEMBER : SEEN_BOOKED, 60);
    presented p = {.kind = (code_kind)rbelow(&d->r, C_KINDS), .owner = who};
    if (p.kind == C_OTHERS)
        p.owner = pick_person(d, SEEN_BOOKED, 60);
    p.pos = rbelow(&d->r, p.kind == C_MUTATED ? 16 : 32);
    p.delta = 1 + rbelow(&d->r, 31);
    make_garbage(&d->r, p.garbage, sizeof p.garbage);
    uint32_t bsn = rchance(&d->r, 30) ? d->bsn[NVALID + rbelow(&d->r, NINVALID)] : d->bsn[who];
    bool null_out = rchance(&d->r, 200);
    describe(d, "%s(%s code of %09u, %09u)", redeem ? "redeem" : "verify", KIND_NAMES[p.kind],
             d->bsn[p.owner], bsn);
    sb_status st[SIDES];
    sb_booking bk[SIDES];
    memset(bk, 0xab, sizeof bk);
    for (int k = 0; k < SIDES; k++) {
        char buf[80];
        const char *text = code_text(d, k, &p, buf);
        st[k] = redeem ? d->s[k].d->redeem(d->s[k].h, text, bsn)
                       : d->s[k].d->verify(d->s[k].h, text, bsn, null_out ? NULL : &bk[k]);
    }
    same_status(d, st);
    same_booking(d, bk);
    d->member_codes += st[SB] == SB_OK && p.kind == C_OWN && bsn == d->bsn[who] &&
                       d->leader[who] >= 0 && d->leader[who] != who;
    if (redeem && st[SB] == SB_OK && d->leader[who] < 0)
        d->seen[who] = SEEN_REDEEMED;
}

static void
read_slot(diff *d, sb_slot s, bool null_out)
{
    sb_status st[SIDES];
    sb_slot_info in[SIDES];
    memset(in, 0xab, sizeof in);
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->slot_read(d->s[k].h, s, null_out ? NULL : &in[k]);
    same_status(d, st);
    if (st[SB] == SB_OK)
        same_info(d, in);
}

static void
step_slot_read(diff *d)
{
    sb_slot s = pick_slot(d);
    bool null_out = rchance(&d->r, 30);
    describe(d, "slot_read({%u, %" PRId64 ", %u}%s)", s.location, (int64_t)s.day - FIRST_DAY,
             s.window, null_out ? ", NULL" : "");
    read_slot(d, s, null_out);
}

static void
step_next_free(diff *d)
{
    uint16_t loc = rchance(&d->r, 950) ? (uint16_t)rbelow(&d->r, NLOC) : (uint16_t)NLOC;
    int32_t from = FIRST_DAY - 2 + (int32_t)rbelow(&d->r, NDAYS + 4);
    if (rchance(&d->r, 30))
        from = rchance(&d->r, 500) ? INT32_MIN : INT32_MAX;
    bool null_out = rchance(&d->r, 30);
    describe(d, "next_free(%u, %" PRId64 "%s)", loc, (int64_t)from - FIRST_DAY,
             null_out ? ", NULL" : "");
    sb_status st[SIDES];
    sb_slot out[SIDES];
    memset(out, 0xab, sizeof out);
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->next_free(d->s[k].h, loc, from, null_out ? NULL : &out[k]);
    same_status(d, st);
    same_slot(d, out);
}

static void
read_all_slots(diff *d)
{
    for (uint32_t i = 0; i < NSLOTS; i++)
        read_slot(d, slot_at(i), false);
}

/* sb_expire on both engines: the same count where it is exact, then every
 * slot and shelf alike. */
static void
expire_both(diff *d)
{
    size_t n[SIDES];
    for (int k = 0; k < SIDES; k++) {
        n[k] = d->s[k].d->expire(d->s[k].h);
        d->expired[k] += n[k];
    }
    if (d->exact_expire && n[SB] != n[MX])
        mismatch(d, "slotbook reclaimed %zu holds, mutex %zu", n[SB], n[MX]);
    read_all_slots(d);
    for (uint16_t loc = 0; loc < NLOC; loc++) /* every hold that ran out gave its sticker back */
        read_stock(d, loc, false, true);
}

/* Reclaims every dead hold first, so that the next call cannot hang on what
 * the engines may legitimately see differently (baseline.c, at the top). */
static void
settle(diff *d)
{
    char why[200];
    memcpy(why, d->desc, sizeof why);
    d->settles++;
    describe(d, "expire() to settle dead holds before %s", why);
    expire_both(d);
    memcpy(d->desc, why, sizeof why);
}

static void
step_expire(diff *d)
{
    describe(d, "expire()");
    expire_both(d);
    size_t n[SIDES];
    if (rchance(&d->r, 200)) {
        describe(d, "expire() again at once");
        for (int k = 0; k < SIDES; k++)
            if ((n[k] = d->s[k].d->expire(d->s[k].h)) != 0)
                mismatch(d, "%s reclaimed %zu more", DRIVERS[k]->name, n[k]);
    }
}

static void
step_time(diff *d)
{
    uint32_t k = rbelow(&d->r, 100);
    uint64_t now = fake_now(&d->clock);
    if (k < 75)
        now += rbelow(&d->r, 50);
    else if (k < 95)
        now += 50 + rbelow(&d->r, 550);
    else if (k < 99)
        now += HOLD_MS + rbelow(&d->r, 1500);
    else /* the caller's clock jumps back: neither engine may follow it */
        now -= rbelow(&d->r, 2000);
    describe(d, "time moves to t+%" PRId64, (int64_t)(now - CLOCK_START));
    atomic_store(&d->clock.now, now);
    if (d->mix & MIX_SETTLE)
        settle(d);
}

/* Whether a family booking of who[0..n) needs dead holds settled first
 * (with a waiting list): a member who waits could get a hold from the
 * call's own reclaims before the call claims them, and two members' dead
 * holds dropped by their claims go to the list in the order the engine
 * claims them; both orders are the engines' person numbers, which differ
 * (baseline.c, at the top).  A lookup on both engines tells who waits; a
 * person not found who was last seen holding or waiting may hold a dead
 * hold. */
static bool
group_needs_settle(diff *d, const int *who, unsigned n)
{
    unsigned dead = 0;
    for (unsigned j = 0; j < n; j++) {
        if (who[j] >= NVALID)
            continue;
        sb_status st[SIDES];
        sb_booking bk[SIDES];
        memset(bk, 0xab, sizeof bk);
        for (int k = 0; k < SIDES; k++)
            st[k] = d->s[k].d->lookup(d->s[k].h, d->bsn[who[j]], &bk[k]);
        same_status(d, st);
        if (st[SB] == SB_OK && bk[SB].state == SB_STATE_WAITING)
            return true;
        dead += st[SB] == SB_NOT_FOUND &&
                (d->seen[who[j]] == SEEN_HELD || d->seen[who[j]] == SEEN_WAITING);
    }
    return dead >= 2;
}

/* The people of a family: mostly people without a booking, now and then
 * somebody waiting, a BSN twice, an invalid one, or too many. */
static unsigned
pick_family(diff *d, int who[SB_FAMILY_MAX + 1], uint32_t bsns[SB_FAMILY_MAX + 1])
{
    uint32_t k = rbelow(&d->r, 1000);
    unsigned n = k < 20    ? 0
                 : k < 40  ? SB_FAMILY_MAX + 1
                 : k < 200 ? 1 + (unsigned)rbelow(&d->r, SB_FAMILY_MAX)
                           : 2 + (unsigned)rbelow(&d->r, 2);
    for (unsigned j = 0; j < n; j++) {
        if (j > 0 && rchance(&d->r, 15))
            who[j] = who[rbelow(&d->r, j)];
        else
            who[j] = pick_person(d, rchance(&d->r, 300) ? SEEN_WAITING : SEEN_NONE, 70);
        bsns[j] = d->bsn[who[j]];
    }
    return n;
}

static void
step_group(diff *d)
{
    int who[SB_FAMILY_MAX + 1];
    uint32_t bsns[SB_FAMILY_MAX + 1];
    unsigned n = pick_family(d, who, bsns);
    sb_slot s = pick_slot(d);
    bool null_bsns = rchance(&d->r, 10), null_code = rchance(&d->r, 10);
    /* Now and then one engine (the other learns the blocker) is given none. */
    int no_blocker = rchance(&d->r, 100) ? (int)rbelow(&d->r, SIDES) : -1;
    describe(d, "book_group(%u people from %09u, {%u, %" PRId64 ", %u}%s%s)", n, n ? bsns[0] : 0,
             s.location, (int64_t)s.day - FIRST_DAY, s.window, null_bsns ? ", NULL bsns" : "",
             null_code ? ", NULL code" : "");
    if ((d->mix & MIX_WAITING) && n <= SB_FAMILY_MAX && group_needs_settle(d, who, n))
        settle(d);
    sb_status st[SIDES];
    unsigned blocker[SIDES] = {0xdead, 0xbeef};
    char code[SIDES][SB_CODE_SIZE];
    memset(code, '?', sizeof code);
    for (int k = 0; k < SIDES; k++)
        st[k] =
            d->s[k].d->book_group(d->s[k].h, null_bsns ? NULL : bsns, n, s,
                                  null_code ? NULL : code[k], no_blocker == k ? NULL : &blocker[k]);
    same_status(d, st);
    d->group_statuses[st[SB]]++;
    if (no_blocker >= 0)
        blocker[no_blocker] = blocker[1 - no_blocker];
    if (blocker[SB] != blocker[MX] || blocker[SB] > n)
        mismatch(d, "blockers differ: slotbook %u, mutex %u", blocker[SB], blocker[MX]);
    /* New members are stored in the caller's order on SB_OK; a refused
     * family stores none of them. */
    for (unsigned j = 0; st[SB] == SB_OK && j < n; j++)
        stored_now(d, who[j], SB_OK);
    check_family_codes(d, n ? who[0] : 0, who, st[SB] == SB_OK ? n : 0, st[SB], code);
    if (st[SB] != SB_OK)
        return;
    d->families++;
    d->nmembers[who[0]] = n;
    for (unsigned j = 0; j < n; j++) {
        d->members[who[0]][j] = who[j];
        d->leader[who[j]] = who[0];
        d->seen[who[j]] = SEEN_MEMBER;
    }
}

/* A day for a waiting range: around the horizon, now and then far out. */
static int32_t
pick_wait_day(diff *d)
{
    if (rchance(&d->r, 30))
        return rchance(&d->r, 500) ? INT32_MIN : INT32_MAX;
    return FIRST_DAY - 2 + (int32_t)rbelow(&d->r, NDAYS + 4);
}

static void
step_wait(diff *d)
{
    int who = pick_person(d, rchance(&d->r, 150) ? SEEN_WAITING : SEEN_NONE, 60);
    uint16_t loc = pick_location(d);
    int32_t from = pick_wait_day(d), to = pick_wait_day(d);
    if (from > to && rchance(&d->r, 900)) {
        int32_t t = from;
        from = to;
        to = t;
    }
    describe(d, "wait(%09u, %u, %" PRId64 " .. %" PRId64 ")", d->bsn[who], loc,
             (int64_t)from - FIRST_DAY, (int64_t)to - FIRST_DAY);
    sb_status st[SIDES];
    for (int k = 0; k < SIDES; k++)
        st[k] = d->s[k].d->wait(d->s[k].h, d->bsn[who], loc, from, to);
    same_status(d, st);
    d->wait_statuses[st[SB]]++;
    stored_now(d, who, st[SB]);
    if (st[SB] == SB_OK) {
        d->seen[who] = SEEN_WAITING;
        d->leader[who] = -1;
    }
}

/* Every slot, every person, and both audits. */
static void
compare_everything(diff *d)
{
    describe(d, "all slots");
    read_all_slots(d);
    for (int i = 0; i < NPOOL; i++) {
        describe(d, "lookup(%09u) in the full comparison", d->bsn[i]);
        lookup_person(d, i, false);
    }
    for (uint16_t loc = 0; loc < NLOC; loc++) {
        describe(d, "location %u in the full comparison", loc);
        walk_location(d, loc, INT32_MIN, INT32_MAX, 0, false);
        read_stock(d, loc, false, d->exact_expire);
    }
    for (int k = 0; k < SIDES; k++)
        audit_ok(d->s[k].d, d->s[k].h);
}

static void
step(diff *d)
{
    uint32_t k = rbelow(&d->r, d->mix ? 108 : 100);
    if (k >= 104 && (d->mix & MIX_WAITING))
        step_wait(d);
    else if (k >= 100 && (d->mix & MIX_FAMILIES))
        step_group(d);
    else if (k >= 100)
        step_time(d);
    else if (k < 3)
        step_location(d);
    else if (k < 6)
        step_release(d);
    else if (k < 22)
        step_take(d, false);
    else if (k < 31)
        step_take(d, true);
    else if (k < 40)
        step_confirm(d);
    else if (k < 47)
        step_cancel(d);
    else if (k < 52)
        step_reschedule(d);
    else if (k < 54)
        step_stock_add(d);
    else if (k < 56)
        step_stock_read(d);
    else if (k < 57)
        step_each_booking(d);
    else if (k < 62)
        step_lookup(d);
    else if (k < 70)
        step_present(d, false);
    else if (k < 71)
        step_present(d, true);
    else if (k < 77)
        step_slot_read(d);
    else if (k < 82)
        step_next_free(d);
    else if (k < 85)
        step_expire(d);
    else
        step_time(d);
}

static void
diff_open(diff *d, uint64_t seed, uint32_t holds_per_slot, bool keyed, bool rules, unsigned mix)
{
    memset(d, 0, sizeof *d);
    d->seed = seed;
    d->r.s = seed * UINT64_C(0x2545f4914f6cdd1d);
    d->keyed = keyed;
    d->mix = mix;
    /* One seat per slot leaves no choice of dead hold to take over; settled
     * runs leave no dead hold at all. */
    d->exact_expire = holds_per_slot == 1 || (mix & MIX_SETTLE);
    d->rules = rules;
    atomic_init(&d->clock.now, CLOCK_START + rbelow(&d->r, 86400000u));
    d->o = small_options(&d->clock, holds_per_slot, keyed);
    d->o.use_stock = rules;
    d->o.max_changes = rules ? 3 : 0;
    /* Family records run out in some runs (the default is max_people / 4),
     * and a waiting list of 2 fills in others. */
    if (mix & MIX_FAMILIES)
        d->o.max_families = seed % 3 == 0 ? SB_FAMILIES_AUTO : seed % 3 == 1 ? 1000 : 4;
    if (mix & MIX_WAITING)
        d->o.max_waiting = seed % 2 ? SB_WAITING_AUTO : 2;
    if (keyed)
        cr_assert_eq(sb__code_keys_init(&d->keys, d->o.code_key), 0);
    for (int i = 0; i < NVALID; i++) {
        bool fresh;
        do {
            d->bsn[i] = bsn_make(&d->r);
            fresh = true;
            for (int j = 0; j < i; j++)
                fresh = fresh && d->bsn[j] != d->bsn[i];
        } while (!fresh);
    }
    static const uint32_t invalid[NINVALID] = {0, 111222334u, 1000000000u, UINT32_MAX};
    memcpy(&d->bsn[NVALID], invalid, sizeof invalid);
    for (int i = 0; i < NPOOL; i++) {
        d->order[i] = d->sb_number[i] = NIL;
        d->leader[i] = -1;
    }
    for (int k = 0; k < SIDES; k++) {
        d->s[k].d = DRIVERS[k];
        d->s[k].h = open_engine(DRIVERS[k], &d->o);
    }
    for (int k = 0; k < SIDES; k++) /* two of three locations open */
        for (uint16_t loc = 0; loc < NLOC - 1; loc++)
            d->s[k].d->location_open(d->s[k].h, loc);
}

/* What the runs of one test with families and a waiting list reached,
 * summed over its seeds (some of which run out of family records or fill
 * their waiting lists early). */
typedef struct mix_totals {
    uint64_t group_statuses[SB_STATUS_COUNT], wait_statuses[SB_STATUS_COUNT];
    uint64_t families, member_codes, offers, settles;
} mix_totals;
static mix_totals totals;

static void
totals_add(const diff *d)
{
    for (int i = 0; i < SB_STATUS_COUNT; i++) {
        totals.group_statuses[i] += d->group_statuses[i];
        totals.wait_statuses[i] += d->wait_statuses[i];
    }
    totals.families += d->families;
    totals.member_codes += d->member_codes;
    totals.offers += d->offers;
    totals.settles += d->settles;
}

static void
expect_mix(unsigned mix)
{
    cr_log_info("%" PRIu64 " families booked, %" PRIu64 " family codes shown by members, %" PRIu64
                " holds of the waiting list confirmed, %" PRIu64 " settles; book_group OK %" PRIu64
                " FULL %" PRIu64 " DUPLICATE %" PRIu64 " NOMEM %" PRIu64 "; wait OK %" PRIu64
                " DUPLICATE %" PRIu64 " NOMEM %" PRIu64,
                totals.families, totals.member_codes, totals.offers, totals.settles,
                totals.group_statuses[SB_OK], totals.group_statuses[SB_FULL],
                totals.group_statuses[SB_DUPLICATE], totals.group_statuses[SB_NOMEM],
                totals.wait_statuses[SB_OK], totals.wait_statuses[SB_DUPLICATE],
                totals.wait_statuses[SB_NOMEM]);
    if (mix & MIX_FAMILIES) {
        static const sb_status wanted[] = {SB_OK,          SB_FULL,   SB_DUPLICATE, SB_INVALID_ID,
                                           SB_INVALID_ARG, SB_CLOSED, SB_NOMEM};
        for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
            cr_expect_gt(totals.group_statuses[wanted[i]], 0, "no book_group %s",
                         sb_status_name(wanted[i]));
        cr_expect_gt(totals.member_codes, 0,
                     "no member showed a family code (%" PRIu64 " families)", totals.families);
    }
    if (mix & MIX_WAITING) {
        static const sb_status wanted[] = {SB_OK, SB_DUPLICATE, SB_INVALID_ARG, SB_CLOSED,
                                           SB_NOMEM};
        for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
            cr_expect_gt(totals.wait_statuses[wanted[i]], 0, "no wait %s",
                         sb_status_name(wanted[i]));
        cr_expect_gt(totals.offers, 0, "nobody confirmed a hold of the waiting list");
    }
    memset(&totals, 0, sizeof totals);
}

static void
diff_run_mix(uint64_t seed, uint32_t holds_per_slot, bool keyed, bool rules, unsigned mix)
{
    static diff d; /* large: not on the stack */
    diff_open(&d, seed, holds_per_slot, keyed, rules, mix);
    for (d.step = 0; d.step < STEPS; d.step++) {
        step(&d);
        if (d.step % 1000 == 999)
            compare_everything(&d);
    }
    compare_everything(&d);
    /* The run reached the interesting statuses, not only the easy ones. */
    static const sb_status wanted[] = {SB_OK,      SB_FULL,         SB_DUPLICATE,  SB_NOT_FOUND,
                                       SB_EXPIRED, SB_CLOSED,       SB_INVALID_ID, SB_INVALID_ARG,
                                       SB_FORGED,  SB_WRONG_HOLDER, SB_CANCELLED,  SB_USED,
                                       SB_NOMEM};
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
        cr_expect_gt(d.statuses[wanted[i]], 0, "seed %" PRIu64 ": no %s in the run", seed,
                     sb_status_name(wanted[i]));
    cr_expect(!rules || (d.statuses[SB_NO_STOCK] > 0 && d.statuses[SB_LIMIT] > 0),
              "seed %" PRIu64 ": no SB_NO_STOCK (%" PRIu64 ") or no SB_LIMIT (%" PRIu64 ")", seed,
              d.statuses[SB_NO_STOCK], d.statuses[SB_LIMIT]);
    cr_expect_gt(d.expired[SB] + d.expired[MX], 0, "seed %" PRIu64 ": nothing expired", seed);
    totals_add(&d);
    for (int k = 0; k < SIDES; k++)
        d.s[k].d->close(d.s[k].h);
}

static void
diff_run(uint64_t seed, uint32_t holds_per_slot, bool keyed, bool rules)
{
    diff_run_mix(seed, holds_per_slot, keyed, rules, 0);
}

TestSuite(differential, .timeout = 60);

Test(differential, answers_like_slotbook_with_the_default_holds_per_slot)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        diff_run(seed, 0, true, false);
}

Test(differential, answers_like_slotbook_with_three_seats_per_slot)
{
    for (uint64_t seed = 11; seed <= 13; seed++)
        diff_run(seed, 3, true, false);
}

Test(differential, counts_expired_holds_like_slotbook_with_one_seat_per_slot)
{
    for (uint64_t seed = 21; seed <= 22; seed++)
        diff_run(seed, 1, true, false);
}

Test(differential, answers_like_slotbook_with_random_code_keys)
{
    diff_run(31, 0, false, false);
}

Test(differential, answers_like_slotbook_with_sticker_stock_and_a_change_limit)
{
    for (uint64_t seed = 41; seed <= 43; seed++)
        diff_run(seed, 0, true, true);
    for (uint64_t seed = 51; seed <= 52; seed++)
        diff_run(seed, 3, true, true);
}

Test(differential, keeps_shelves_equal_to_slotbook_after_every_call_with_one_seat_per_slot)
{
    for (uint64_t seed = 61; seed <= 63; seed++)
        diff_run(seed, 1, true, true);
}

Test(differential, books_families_like_slotbook)
{
    for (uint64_t seed = 71; seed <= 73; seed++)
        diff_run_mix(seed, 0, true, false, MIX_FAMILIES);
    for (uint64_t seed = 74; seed <= 75; seed++)
        diff_run_mix(seed, 0, true, true, MIX_FAMILIES);
    expect_mix(MIX_FAMILIES);
}

/* One seat per slot: dead holds are left for the calls that reclaim them on
 * their way (an empty shelf, a family's full slot, their owner's next call)
 * and reach the waiting list from there. */
Test(differential, serves_the_waiting_list_like_slotbook_with_one_seat_per_slot)
{
    for (uint64_t seed = 81; seed <= 83; seed++)
        diff_run_mix(seed, 1, true, false, MIX_FAMILIES | MIX_WAITING);
    for (uint64_t seed = 84; seed <= 86; seed++)
        diff_run_mix(seed, 1, true, true, MIX_FAMILIES | MIX_WAITING);
    expect_mix(MIX_FAMILIES | MIX_WAITING);
}

/* Any number of seats: sb_expire whenever the clock moves, as a server with
 * a waiting list does, so no dead hold is left to take over. */
Test(differential, serves_the_waiting_list_like_slotbook_when_expired_as_time_moves)
{
    for (uint64_t seed = 91; seed <= 93; seed++)
        diff_run_mix(seed, 0, true, false, MIX_FAMILIES | MIX_WAITING | MIX_SETTLE);
    for (uint64_t seed = 94; seed <= 96; seed++)
        diff_run_mix(seed, 3, true, true, MIX_FAMILIES | MIX_WAITING | MIX_SETTLE);
    expect_mix(MIX_FAMILIES | MIX_WAITING);
}

/* ---- direct tests, on both engines ------------------------------------------------- */

#define ST(d, call, want)                                                                          \
    do {                                                                                           \
        sb_status st_ = (call), want_ = (want);                                                    \
        cr_assert_eq(st_, want_, "%s: %s: got %s, want %s", (d)->name, #call, sb_status_name(st_), \
                     sb_status_name(want_));                                                       \
    } while (0)

static sb_slot_info
read_info(const sb_driver *d, void *h, sb_slot s)
{
    sb_slot_info in;
    ST(d, d->slot_read(h, s, &in), SB_OK);
    return in;
}

#define INFO_EQ(d, h, s, cap, held_, booked_, redeemed_, pending_, free_)                   \
    do {                                                                                    \
        sb_slot_info i_ = read_info((d), (h), (s));                                         \
        cr_assert(i_.capacity == (cap) && i_.held == (held_) && i_.booked == (booked_) &&   \
                      i_.redeemed == (redeemed_) && i_.pending == (pending_) &&             \
                      i_.free == (free_),                                                   \
                  "%s: cap %u held %u booked %u redeemed %u pending %u free %u", (d)->name, \
                  i_.capacity, i_.held, i_.booked, i_.redeemed, i_.pending, i_.free);       \
    } while (0)

/* An engine of the small shape on its own clock, location 0 open, slot 0
 * with `places`. */
typedef struct eng {
    const sb_driver *d;
    void *h;
    fake_clock clock;
    sb_slot s0, s1; /* s1: eng_open_rules only */
} eng;

static void
eng_open(eng *e, const sb_driver *d, uint32_t holds_per_slot, uint32_t max_people,
         uint32_t release_delay_ms, uint32_t places)
{
    e->d = d;
    atomic_init(&e->clock.now, CLOCK_START);
    sb_options o = small_options(&e->clock, holds_per_slot, true);
    o.max_people = max_people;
    o.release_delay_ms = release_delay_ms;
    e->h = open_engine(d, &o);
    e->s0 = slot_at(0);
    ST(d, d->location_open(e->h, 0), SB_OK);
    ST(d, d->release(e->h, e->s0, places), SB_OK);
}

static void
eng_close(eng *e)
{
    audit_ok(e->d, e->h);
    e->d->close(e->h);
}

static void
advance(eng *e, uint64_t ms)
{
    atomic_fetch_add(&e->clock.now, ms);
}

/* The n-th valid BSN from 100000000 up (n < NBSNS), from a table made once. */
#define NBSNS 4096u
static uint32_t bsns[NBSNS];
static pthread_once_t bsns_once = PTHREAD_ONCE_INIT;

static void
bsns_fill(void)
{
    uint32_t bsn = 100000000u;
    for (uint32_t i = 0; i < NBSNS; i++, bsn++) {
        while (!sb_bsn_valid(bsn))
            bsn++;
        bsns[i] = bsn;
    }
}

static uint32_t
nth_bsn(uint32_t n)
{
    pthread_once(&bsns_once, bsns_fill);
    cr_assert_lt(n, NBSNS);
    return bsns[n];
}

TestSuite(drivers);

Test(drivers, fill_every_entry_of_their_table)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        cr_assert_not_null(d->name);
        cr_assert(d->open && d->close && d->location_open && d->location_close && d->release &&
                      d->reserve && d->confirm && d->book && d->cancel && d->lookup && d->verify &&
                      d->redeem && d->slot_read && d->next_free && d->reschedule && d->stock_add &&
                      d->stock_read && d->each_booking && d->expire && d->book_group && d->wait &&
                      d->audit,
                  "%s misses an entry", d->name);
    }
    cr_assert_str_eq(sb_driver_slotbook.name, "slotbook");
    cr_assert_str_eq(sb_driver_mutex.name, "mutex");
}

TestSuite(opening);

Test(opening, refuses_the_options_slotbook_refuses)
{
    fake_clock clk = {0};
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        void *h = NULL;
        sb_options good = small_options(&clk, 0, true), o;
        ST(d, d->open(NULL, &h), SB_INVALID_ARG);
        ST(d, d->open(&good, NULL), SB_INVALID_ARG);
#define REFUSED(field, value)                   \
    do {                                        \
        o = good;                               \
        o.field = (value);                      \
        ST(d, d->open(&o, &h), SB_INVALID_ARG); \
    } while (0)
        REFUSED(max_locations, 0);
        REFUSED(max_locations, SB_MAX_LOCATIONS + 1);
        REFUSED(days, 0);
        REFUSED(days, SB_MAX_DAYS + 1);
        REFUSED(windows_per_day, 0);
        REFUSED(max_people, 0);
        REFUSED(max_people, SB_MAX_PEOPLE + 1);
        REFUSED(hold_ms, 0);
        REFUSED(hold_ms, SB_MAX_HOLD_MS + 1);
        REFUSED(holds_per_slot, 0);
        REFUSED(holds_per_slot, SB_MAX_HOLDS_PER_SLOT + 1);
        REFUSED(first_day, INT32_MIN);
        REFUSED(first_day, INT32_MAX);
        REFUSED(max_changes, SB_MAX_CHANGES + 1);
        REFUSED(use_stock, 2);
        REFUSED(max_families, SB_MAX_FAMILIES + 1);
        REFUSED(max_waiting, SB_MAX_WAITING / NLOC + 1); /* 3 locations of it pass 2^24 */
#undef REFUSED
        o = good; /* the largest of each */
        o.max_families = SB_MAX_FAMILIES;
        o.max_waiting = SB_MAX_WAITING / NLOC;
        ST(d, d->open(&o, &h), SB_OK);
        d->close(h);
        o = good; /* none of either */
        o.max_families = 0;
        o.max_waiting = 0;
        ST(d, d->open(&o, &h), SB_OK);
        d->close(h);
        o = good; /* 786,420 slots of 4,096 seats: too many seats */
        o.windows_per_day = 65535;
        o.holds_per_slot = SB_MAX_HOLDS_PER_SLOT;
        ST(d, d->open(&o, &h), SB_INVALID_ARG);
        o = good; /* too many slots */
        o.max_locations = SB_MAX_LOCATIONS;
        o.days = SB_MAX_DAYS;
        o.holds_per_slot = 1;
        ST(d, d->open(&o, &h), SB_INVALID_ARG);
        ST(d, d->open(&good, &h), SB_OK);
        d->close(h);
        d->close(NULL);
    }
}

TestSuite(arguments);

Test(arguments, are_checked_before_any_state_in_the_documented_order)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        char code[SB_CODE_SIZE];
        sb_booking bk;
        sb_slot_info in;
        sb_slot out, bad = e.s0;
        bad.window = NWIN;
        uint32_t ok = nth_bsn(1), wrong = 111222334u;
        uint64_t n;
        walk w = {0};
        /* no engine */
        ST(d, d->location_open(NULL, 0), SB_INVALID_ARG);
        ST(d, d->release(NULL, e.s0, 1), SB_INVALID_ARG);
        ST(d, d->reserve(NULL, wrong, bad), SB_INVALID_ARG);
        ST(d, d->book(NULL, wrong, bad, code), SB_INVALID_ARG);
        ST(d, d->confirm(NULL, wrong, code), SB_INVALID_ARG);
        ST(d, d->cancel(NULL, wrong), SB_INVALID_ARG);
        ST(d, d->lookup(NULL, wrong, &bk), SB_INVALID_ARG);
        ST(d, d->verify(NULL, "x", wrong, &bk), SB_INVALID_ARG);
        ST(d, d->redeem(NULL, "x", wrong), SB_INVALID_ARG);
        ST(d, d->slot_read(NULL, e.s0, &in), SB_INVALID_ARG);
        ST(d, d->next_free(NULL, 0, FIRST_DAY, &out), SB_INVALID_ARG);
        ST(d, d->reschedule(NULL, wrong, bad, code), SB_INVALID_ARG);
        ST(d, d->stock_add(NULL, 0, 1), SB_INVALID_ARG);
        ST(d, d->stock_read(NULL, 0, &n), SB_INVALID_ARG);
        ST(d, d->each_booking(NULL, 0, FIRST_DAY, FIRST_DAY, walk_one, &w), SB_INVALID_ARG);
        ST(d, d->audit(NULL, NULL, NULL, 0), SB_INVALID_ARG);
        ST(d, d->book_group(NULL, &wrong, 1, bad, code, NULL), SB_INVALID_ARG);
        ST(d, d->wait(NULL, wrong, 0, FIRST_DAY, FIRST_DAY), SB_INVALID_ARG);
        cr_assert_eq(d->expire(NULL), 0);
        /* NULL pointers before the BSN, the BSN before the slot */
        ST(d, d->book(e.h, wrong, bad, NULL), SB_INVALID_ARG);
        ST(d, d->confirm(e.h, wrong, NULL), SB_INVALID_ARG);
        ST(d, d->lookup(e.h, wrong, NULL), SB_INVALID_ARG);
        ST(d, d->verify(e.h, NULL, wrong, &bk), SB_INVALID_ARG);
        ST(d, d->redeem(e.h, NULL, wrong), SB_INVALID_ARG);
        ST(d, d->reschedule(e.h, wrong, bad, NULL), SB_INVALID_ARG);
        ST(d, d->reserve(e.h, wrong, bad), SB_INVALID_ID);
        ST(d, d->reschedule(e.h, wrong, bad, code), SB_INVALID_ID);
        ST(d, d->book(e.h, 0, bad, code), SB_INVALID_ID);
        ST(d, d->verify(e.h, "garbage", wrong, NULL), SB_INVALID_ID);
        /* the slot before any state (location 2 is closed) */
        bad.location = 2;
        ST(d, d->reserve(e.h, ok, bad), SB_INVALID_ARG);
        ST(d, d->reschedule(e.h, ok, bad, code), SB_INVALID_ARG);
        bad.window = 0;
        ST(d, d->reserve(e.h, ok, bad), SB_CLOSED);
        ST(d, d->location_close(e.h, NLOC), SB_INVALID_ARG);
        ST(d, d->slot_read(e.h, e.s0, NULL), SB_INVALID_ARG);
        ST(d, d->next_free(e.h, 0, FIRST_DAY, NULL), SB_INVALID_ARG);
        ST(d, d->next_free(e.h, NLOC, FIRST_DAY, &out), SB_INVALID_ARG);
        ST(d, d->next_free(e.h, 2, FIRST_DAY, &out), SB_CLOSED);
        ST(d, d->next_free(e.h, 0, FIRST_DAY + (int32_t)NDAYS, &out), SB_FULL);
        ST(d, d->next_free(e.h, 0, INT32_MIN, &out), SB_OK);
        cr_assert(out.location == 0 && out.day == FIRST_DAY && out.window == 0);
        eng_close(&e);
    }
}

TestSuite(release);

Test(release, adds_places_up_to_uint32_max_and_refuses_past_it)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 2);
        ST(d, d->release(e.h, e.s0, 0), SB_OK);
        ST(d, d->release(e.h, e.s0, UINT32_MAX - 1), SB_INVALID_ARG);
        INFO_EQ(d, e.h, e.s0, 2, 0, 0, 0, 0, 2);
        ST(d, d->release(e.h, e.s0, UINT32_MAX - 2), SB_OK);
        INFO_EQ(d, e.h, e.s0, UINT32_MAX, 0, 0, 0, 0, UINT32_MAX);
        ST(d, d->release(e.h, e.s0, 1), SB_INVALID_ARG);
        ST(d, d->release(e.h, slot_at(NSLOTS - 1), 3), SB_OK); /* on a closed location */
        eng_close(&e);
    }
}

TestSuite(limits);

Test(limits, answer_nomem_for_a_new_person_past_max_people_after_full)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, 2, 0, 2);
        char code[SB_CODE_SIZE];
        ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(2), e.s0), SB_FULL); /* full before nomem */
        ST(d, d->release(e.h, e.s0, 1), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(2), e.s0), SB_NOMEM);
        ST(d, d->book(e.h, nth_bsn(2), e.s0, code), SB_NOMEM);
        INFO_EQ(d, e.h, e.s0, 3, 1, 1, 0, 0, 1); /* nothing changed */
        /* stored people may come back */
        ST(d, d->cancel(e.h, nth_bsn(1)), SB_OK);
        ST(d, d->book(e.h, nth_bsn(1), e.s0, code), SB_OK);
        eng_close(&e);
    }
}

Test(limits, answer_nomem_for_a_hold_past_holds_per_slot_but_let_books_through)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 2, MAX_PEOPLE, 0, 5);
        char code[SB_CODE_SIZE];
        ST(d, d->reserve(e.h, nth_bsn(0), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(2), e.s0), SB_NOMEM);
        ST(d, d->book(e.h, nth_bsn(2), e.s0, code), SB_OK);
        INFO_EQ(d, e.h, e.s0, 5, 2, 1, 0, 0, 2);
        /* a hold that ran out gives its seat to the next hold */
        advance(&e, HOLD_MS);
        ST(d, d->reserve(e.h, nth_bsn(3), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(4), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(5), e.s0), SB_NOMEM);
        INFO_EQ(d, e.h, e.s0, 5, 2, 1, 0, 0, 2);
        ST(d, d->confirm(e.h, nth_bsn(3), code), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(5), e.s0), SB_OK);
        eng_close(&e);
    }
}

Test(limits, answer_nomem_after_65535_bookings_of_one_person)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        char code[SB_CODE_SIZE], first[SB_CODE_SIZE];
        uint32_t bsn = nth_bsn(0);
        for (uint32_t i = 0; i < SB_MAX_BOOKINGS; i++) {
            sb_status st = d->book(e.h, bsn, e.s0, code);
            if (st != SB_OK)
                cr_assert_fail("%s: booking %u: %s", d->name, i + 1, sb_status_name(st));
            if (i == 0)
                memcpy(first, code, sizeof code);
            ST(d, d->cancel(e.h, bsn), SB_OK);
        }
        ST(d, d->book(e.h, bsn, e.s0, code), SB_NOMEM);
        ST(d, d->reserve(e.h, bsn, e.s0), SB_OK);
        ST(d, d->confirm(e.h, bsn, code), SB_NOMEM);
        ST(d, d->verify(e.h, first, bsn, NULL), SB_CANCELLED);
        INFO_EQ(d, e.h, e.s0, 1, 1, 0, 0, 0, 0);
        eng_close(&e);
    }
}

TestSuite(holds);

Test(holds, that_ran_out_free_their_place_at_once_and_answer_expired_on_confirm)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        char code[SB_CODE_SIZE];
        sb_booking bk;
        sb_slot out;
        uint32_t a = nth_bsn(0), b = nth_bsn(1);
        ST(d, d->release(e.h, slot_at(1), 1), SB_OK);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        ST(d, d->reserve(e.h, b, e.s0), SB_FULL);
        ST(d, d->next_free(e.h, 0, FIRST_DAY, &out), SB_OK);
        cr_assert_eq(out.window, 1, "%s: slot 0 is full", d->name);
        advance(&e, HOLD_MS - 1);
        ST(d, d->lookup(e.h, a, &bk), SB_OK);
        cr_assert_eq(bk.deadline_ms, CLOCK_START + HOLD_MS);
        advance(&e, 1);
        INFO_EQ(d, e.h, e.s0, 1, 0, 0, 0, 0, 1);
        ST(d, d->next_free(e.h, 0, FIRST_DAY, &out), SB_OK);
        cr_assert_eq(out.window, 0, "%s: the hold ran out", d->name);
        ST(d, d->lookup(e.h, a, &bk), SB_NOT_FOUND);
        ST(d, d->cancel(e.h, a), SB_NOT_FOUND);
        ST(d, d->confirm(e.h, a, code), SB_EXPIRED);
        ST(d, d->reserve(e.h, b, e.s0), SB_OK); /* takes the place over */
        ST(d, d->confirm(e.h, a, code), SB_EXPIRED);
        ST(d, d->reserve(e.h, a, e.s0), SB_FULL);
        ST(d, d->confirm(e.h, a, code), SB_EXPIRED); /* until a reserve succeeds */
        cr_assert_eq(d->expire(e.h), 0, "%s: the hold was taken over", d->name);
        eng_close(&e);
    }
}

Test(holds, that_ran_out_let_their_owner_reserve_again_and_are_counted_by_expire_once)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 5); /* a place to spare: no takeover */
        sb_booking bk;
        for (uint32_t i = 0; i < 4; i++)
            ST(d, d->reserve(e.h, nth_bsn(i), e.s0), SB_OK);
        advance(&e, HOLD_MS + 5);
        ST(d, d->reserve(e.h, nth_bsn(0), e.s0), SB_OK); /* drops its own old hold */
        ST(d, d->lookup(e.h, nth_bsn(0), &bk), SB_OK);
        cr_assert_eq(bk.deadline_ms, CLOCK_START + 2 * HOLD_MS + 5);
        INFO_EQ(d, e.h, e.s0, 5, 1, 0, 0, 0, 4);
        cr_assert_eq(d->expire(e.h), 3, "%s", d->name);
        cr_assert_eq(d->expire(e.h), 0, "%s", d->name);
        INFO_EQ(d, e.h, e.s0, 5, 1, 0, 0, 0, 4);
        eng_close(&e);
    }
}

Test(holds, keep_their_deadline_when_the_clock_goes_back)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        sb_booking bk;
        uint32_t a = nth_bsn(0);
        advance(&e, 10 * HOLD_MS);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        atomic_store(&e.clock.now, CLOCK_START); /* the caller's clock jumps back */
        ST(d, d->lookup(e.h, a, &bk), SB_OK);
        cr_assert_eq(bk.deadline_ms, CLOCK_START + 11 * HOLD_MS, "%s", d->name);
        advance(&e, 11 * HOLD_MS - 1);
        ST(d, d->lookup(e.h, a, &bk), SB_OK);
        advance(&e, 1);
        ST(d, d->lookup(e.h, a, &bk), SB_NOT_FOUND);
        eng_close(&e);
    }
}

Test(holds, run_out_at_once_past_the_engines_time_limit)
{
    /* The engine's clock stops at SB_MAX_TIME_MS after open; a hold's
     * deadline is capped there, so a hold taken then is never live. */
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        char code[SB_CODE_SIZE];
        sb_booking bk;
        advance(&e, SB_MAX_TIME_MS + 5);
        ST(d, d->reserve(e.h, nth_bsn(0), e.s0), SB_OK);
        ST(d, d->lookup(e.h, nth_bsn(0), &bk), SB_NOT_FOUND);
        ST(d, d->confirm(e.h, nth_bsn(0), code), SB_EXPIRED);
        ST(d, d->book(e.h, nth_bsn(1), e.s0, code), SB_OK);
        ST(d, d->lookup(e.h, nth_bsn(1), &bk), SB_OK);
        cr_assert_eq(bk.state, SB_STATE_BOOKED, "%s", d->name);
        eng_close(&e);
    }
}

TestSuite(codes);

Test(codes, are_identical_when_both_engines_number_people_alike)
{
    /* With max_people = 1 slotbook, too, gives the only person number 0, so
     * both seal the same (number, generation): the same texts, and each
     * engine accepts the other's codes. */
    fake_clock clk;
    atomic_init(&clk.now, CLOCK_START);
    sb_options o = small_options(&clk, 0, true);
    o.max_people = 1;
    void *h[SIDES];
    for (int k = 0; k < SIDES; k++) {
        h[k] = open_engine(DRIVERS[k], &o);
        ST(DRIVERS[k], DRIVERS[k]->location_open(h[k], 0), SB_OK);
        ST(DRIVERS[k], DRIVERS[k]->release(h[k], slot_at(0), 1), SB_OK);
    }
    uint32_t bsn = nth_bsn(7);
    char code[SIDES][SB_CODE_SIZE], old[SB_CODE_SIZE] = "";
    for (int round = 0; round < 50; round++) {
        for (int k = 0; k < SIDES; k++) {
            const sb_driver *d = DRIVERS[k];
            if (round % 2)
                ST(d, d->book(h[k], bsn, slot_at(0), code[k]), SB_OK);
            else {
                ST(d, d->reserve(h[k], bsn, slot_at(0)), SB_OK);
                ST(d, d->confirm(h[k], bsn, code[k]), SB_OK);
            }
        }
        cr_assert_str_eq(code[SB], code[MX], "round %d", round);
        for (int k = 0; k < SIDES; k++) {
            const sb_driver *d = DRIVERS[k];
            ST(d, d->verify(h[k], code[1 - k], bsn, NULL), SB_OK);
            ST(d, d->verify(h[k], code[1 - k], nth_bsn(8), NULL), SB_WRONG_HOLDER);
            if (old[0])
                ST(d, d->verify(h[k], old, bsn, NULL), SB_CANCELLED);
            ST(d, d->cancel(h[k], bsn), SB_OK);
        }
        memcpy(old, code[SB], sizeof old);
    }
    /* A genuine code of a generation the other engine never issued: each
     * engine in turn gets one booking ahead of the other. */
    for (int k = 0; k < SIDES; k++) {
        const sb_driver *d = DRIVERS[k], *other = DRIVERS[1 - k];
        for (int n = 0; n <= k; n++) {
            ST(d, d->book(h[k], bsn, slot_at(0), code[k]), SB_OK);
            ST(d, d->cancel(h[k], bsn), SB_OK);
        }
        ST(other, other->verify(h[1 - k], code[k], bsn, NULL), SB_FORGED);
    }
    for (int k = 0; k < SIDES; k++)
        DRIVERS[k]->close(h[k]);
}

Test(codes, that_name_a_person_never_stored_are_forged)
{
    /* Engines with the same key: one issues codes, the other (nobody
     * stored) must answer SB_FORGED, not SB_WRONG_HOLDER. */
    fake_clock clk;
    atomic_init(&clk.now, CLOCK_START);
    sb_options o = small_options(&clk, 0, true);
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k], *other = DRIVERS[1 - k];
        void *h = open_engine(d, &o), *g = open_engine(other, &o);
        char code[SB_CODE_SIZE];
        ST(d, d->location_open(h, 0), SB_OK);
        ST(d, d->release(h, slot_at(0), 10), SB_OK);
        for (uint32_t i = 0; i < 10; i++) {
            ST(d, d->book(h, nth_bsn(i), slot_at(0), code), SB_OK);
            ST(other, other->verify(g, code, nth_bsn(i), NULL), SB_FORGED);
            ST(other, other->redeem(g, code, nth_bsn(i)), SB_FORGED);
        }
        d->close(h);
        other->close(g);
    }
}

Test(codes, answer_forged_wrong_holder_cancelled_and_used_in_that_order)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 3);
        char a1[SB_CODE_SIZE], a2[SB_CODE_SIZE], b1[SB_CODE_SIZE], forged[SB_CODE_SIZE];
        sb_booking bk;
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2);
        ST(d, d->book(e.h, a, e.s0, a1), SB_OK);
        ST(d, d->book(e.h, b, e.s0, b1), SB_OK);
        memcpy(forged, a1, sizeof forged);
        forged[0] = forged[0] == 'X' ? 'Y' : 'X';
        ST(d, d->verify(e.h, forged, a, NULL), SB_FORGED);
        ST(d, d->verify(e.h, "", a, NULL), SB_FORGED);
        ST(d, d->verify(e.h, "0000-0000-0000-000U", a, NULL), SB_FORGED);
        ST(d, d->verify(e.h, a1, b, NULL), SB_WRONG_HOLDER);
        ST(d, d->verify(e.h, a1, c, NULL), SB_WRONG_HOLDER); /* c was never stored */
        ST(d, d->verify(e.h, a1, a, &bk), SB_OK);
        cr_assert(bk.bsn == a && bk.state == SB_STATE_BOOKED && bk.deadline_ms == 0);
        ST(d, d->cancel(e.h, a), SB_OK);
        ST(d, d->verify(e.h, a1, b, NULL), SB_WRONG_HOLDER); /* before any state */
        ST(d, d->verify(e.h, a1, a, NULL), SB_CANCELLED);
        ST(d, d->redeem(e.h, a1, a), SB_CANCELLED);
        ST(d, d->book(e.h, a, e.s0, a2), SB_OK);
        ST(d, d->verify(e.h, a1, a, NULL), SB_CANCELLED);
        ST(d, d->redeem(e.h, a2, a), SB_OK);
        ST(d, d->redeem(e.h, a2, a), SB_USED);
        ST(d, d->verify(e.h, a2, a, &bk), SB_USED);
        cr_assert(bk.state == SB_STATE_REDEEMED);
        ST(d, d->cancel(e.h, a), SB_USED);
        ST(d, d->reserve(e.h, a, e.s0), SB_DUPLICATE);
        ST(d, d->lookup(e.h, a, &bk), SB_OK);
        cr_assert(bk.state == SB_STATE_REDEEMED);
        INFO_EQ(d, e.h, e.s0, 3, 0, 1, 1, 0, 1);
        eng_close(&e);
    }
}

Test(codes, of_another_engine_are_forged)
{
    fake_clock clk;
    atomic_init(&clk.now, CLOCK_START);
    sb_options o = small_options(&clk, 0, true), other = o;
    memset(other.code_key, 0, sizeof other.code_key); /* a random key */
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        void *h = open_engine(d, &o), *g = open_engine(d, &other);
        char code[SB_CODE_SIZE];
        ST(d, d->location_open(g, 0), SB_OK);
        ST(d, d->release(g, slot_at(0), 1), SB_OK);
        ST(d, d->book(g, nth_bsn(0), slot_at(0), code), SB_OK);
        ST(d, d->verify(h, code, nth_bsn(0), NULL), SB_FORGED);
        d->close(h);
        d->close(g);
    }
}

TestSuite(delayed_release);

Test(delayed_release, keeps_cancelled_places_pending_within_the_delay)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 1000, 40);
        char code[SB_CODE_SIZE];
        for (uint32_t i = 0; i < 40; i++) {
            if (i % 2)
                ST(d, d->book(e.h, nth_bsn(i), e.s0, code), SB_OK);
            else
                ST(d, d->reserve(e.h, nth_bsn(i), e.s0), SB_OK);
        }
        for (uint32_t i = 0; i < 40; i++)
            ST(d, d->cancel(e.h, nth_bsn(i)), SB_OK);
        sb_slot_info in = read_info(d, e.h, e.s0);
        cr_assert(in.held == 0 && in.booked == 0 && in.redeemed == 0 &&
                      in.pending + in.free == 40 && in.pending > 30,
                  "%s: pending %u free %u", d->name, in.pending, in.free);
        ST(d, d->reserve(e.h, nth_bsn(50), e.s0), in.free ? SB_OK : SB_FULL);
        audit_ok(d, e.h);
        uint32_t last = in.pending;
        for (int t = 0; t < 10; t++) { /* places come back, never go */
            advance(&e, 100);
            in = read_info(d, e.h, e.s0);
            cr_assert_leq(in.pending, last, "%s", d->name);
            last = in.pending;
        }
        cr_assert_eq(in.pending, 0, "%s: every place is back after the delay", d->name);
        cr_assert_eq(in.free + in.held, 40, "%s", d->name);
        eng_close(&e);
    }
}

Test(delayed_release, returns_a_booking_at_once_when_the_slot_has_no_seat_to_wait_in)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 2, MAX_PEOPLE, 1000000, 4);
        char code[SB_CODE_SIZE];
        ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(2), e.s0), SB_OK);
        ST(d, d->cancel(e.h, nth_bsn(0)), SB_OK);
        INFO_EQ(d, e.h, e.s0, 4, 2, 0, 0, 0, 2);
        eng_close(&e);
    }
}

/* ---- stickers, changes, reschedule, each_booking ------------------------------------ */

/* An engine with use_stock and max_changes on its own clock: locations 0
 * and 1 open with empty shelves, s0 (location 0) and s1 (the first slot of
 * location 1) with `places` each. */
static void
eng_open_rules(eng *e, const sb_driver *d, uint32_t max_changes, uint32_t places)
{
    e->d = d;
    atomic_init(&e->clock.now, CLOCK_START);
    sb_options o = small_options(&e->clock, 0, true);
    o.use_stock = 1;
    o.max_changes = max_changes;
    e->h = open_engine(d, &o);
    e->s0 = slot_at(0);
    e->s1 = slot_at(NDAYS * NWIN);
    for (uint16_t loc = 0; loc < 2; loc++)
        ST(d, d->location_open(e->h, loc), SB_OK);
    ST(d, d->release(e->h, e->s0, places), SB_OK);
    ST(d, d->release(e->h, e->s1, places), SB_OK);
}

static uint64_t
shelf_of(const sb_driver *d, void *h, uint16_t loc)
{
    uint64_t n = UINT64_MAX;
    ST(d, d->stock_read(h, loc, &n), SB_OK);
    return n;
}

#define SHELF_EQ(d, h, loc, want)                                                        \
    cr_assert_eq(shelf_of((d), (h), (loc)), (uint64_t)(want), "%s: shelf %u", (d)->name, \
                 (unsigned)(loc))

TestSuite(stickers);

Test(stickers, follow_the_person_from_reserve_to_cancel_or_the_desk)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 3);
        char code[SB_CODE_SIZE];
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2);
        ST(d, d->reserve(e.h, a, e.s0), SB_NO_STOCK);
        ST(d, d->stock_add(e.h, 0, 2), SB_OK);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        ST(d, d->book(e.h, b, e.s0, code), SB_OK);
        SHELF_EQ(d, e.h, 0, 0);
        ST(d, d->reserve(e.h, c, e.s0), SB_NO_STOCK); /* a place is left, no sticker */
        ST(d, d->confirm(e.h, a, code), SB_OK);       /* the booking keeps the sticker */
        SHELF_EQ(d, e.h, 0, 0);
        ST(d, d->cancel(e.h, b), SB_OK);
        SHELF_EQ(d, e.h, 0, 1);
        ST(d, d->redeem(e.h, code, a), SB_OK); /* used up at the desk */
        SHELF_EQ(d, e.h, 0, 1);
        ST(d, d->book(e.h, c, e.s0, code), SB_OK);
        SHELF_EQ(d, e.h, 0, 0);
        SHELF_EQ(d, e.h, 1, 0);
        INFO_EQ(d, e.h, e.s0, 3, 0, 1, 1, 0, 1);
        eng_close(&e);
    }
}

Test(stickers, are_checked_before_places_and_come_back_when_a_call_fails)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 1);
        char code[SB_CODE_SIZE];
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_NO_STOCK); /* full too: stock first */
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_FULL);
        SHELF_EQ(d, e.h, 0, 1);
        eng_close(&e);
    }
}

Test(stickers, of_holds_that_ran_out_are_out_until_reclaimed_but_never_cause_no_stock)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 5);
        char code[SB_CODE_SIZE];
        uint32_t a = nth_bsn(0), b = nth_bsn(1);
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        advance(&e, HOLD_MS);
        SHELF_EQ(d, e.h, 0, 0); /* the hold ran out, its sticker is not back yet */
        INFO_EQ(d, e.h, e.s0, 5, 0, 0, 0, 0, 5);
        /* An empty shelf reclaims the location's dead holds first: here the
         * sticker comes back, then the slot (never released) is full. */
        ST(d, d->reserve(e.h, b, slot_at(1)), SB_FULL);
        SHELF_EQ(d, e.h, 0, 1);
        cr_assert_eq(d->expire(e.h), 0, "%s: reclaimed already", d->name);
        ST(d, d->confirm(e.h, a, code), SB_EXPIRED);
        ST(d, d->reserve(e.h, b, e.s0), SB_OK);
        advance(&e, HOLD_MS);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK); /* b's dead hold gives its sticker */
        SHELF_EQ(d, e.h, 0, 0);
        advance(&e, HOLD_MS);
        cr_assert_eq(d->expire(e.h), 1, "%s", d->name);
        SHELF_EQ(d, e.h, 0, 1);
        eng_close(&e);
    }
}

Test(stickers, are_refused_without_use_stock_for_unknown_locations_and_past_2_to_the_48_added)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        uint64_t n;
        char code[SB_CODE_SIZE];
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        ST(d, d->stock_add(e.h, 0, 1), SB_INVALID_ARG);
        ST(d, d->stock_read(e.h, 0, &n), SB_INVALID_ARG);
        ST(d, d->reserve(e.h, nth_bsn(0), e.s0), SB_OK); /* no stickers needed */
        eng_close(&e);
        eng_open_rules(&e, d, 0, 1);
        ST(d, d->stock_add(e.h, NLOC, 1), SB_INVALID_ARG);
        ST(d, d->stock_read(e.h, NLOC, &n), SB_INVALID_ARG);
        ST(d, d->stock_read(e.h, 0, NULL), SB_INVALID_ARG);
        for (uint32_t i = 0; i < 65536; i++)
            if (d->stock_add(e.h, 0, UINT32_MAX) != SB_OK)
                cr_assert_fail("%s: add %u refused", d->name, i);
        ST(d, d->stock_add(e.h, 0, 65536), SB_OK); /* exactly 2^48 */
        ST(d, d->stock_add(e.h, 0, 1), SB_INVALID_ARG);
        ST(d, d->stock_add(e.h, 0, 0), SB_OK);
        SHELF_EQ(d, e.h, 0, SB_MAX_STOCK);
        /* The bound is on stickers added, not on the shelf. */
        ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
        ST(d, d->redeem(e.h, code, nth_bsn(0)), SB_OK);
        SHELF_EQ(d, e.h, 0, SB_MAX_STOCK - 1);
        ST(d, d->stock_add(e.h, 0, 1), SB_INVALID_ARG);
        eng_close(&e);
    }
}

TestSuite(changes);

Test(changes, end_at_max_changes_with_limit_and_change_nothing)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 3, 5);
        char code[SB_CODE_SIZE];
        sb_booking bk;
        sb_slot s0b = slot_at(1);
        uint32_t a = nth_bsn(0), c = nth_bsn(2);
        ST(d, d->release(e.h, s0b, 5), SB_OK);
        ST(d, d->stock_add(e.h, 0, 10), SB_OK);
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK); /* 1 */
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK); /* 2: a hold's cancel counts too */
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->reschedule(e.h, a, s0b, code), SB_OK); /* 3 */
        ST(d, d->reschedule(e.h, a, s0b, code), SB_DUPLICATE);
        ST(d, d->reschedule(e.h, a, e.s0, code), SB_LIMIT);
        ST(d, d->cancel(e.h, a), SB_LIMIT);
        ST(d, d->lookup(e.h, a, &bk), SB_OK);
        cr_assert(bk.state == SB_STATE_BOOKED && bk.slot.window == 1, "%s", d->name);
        INFO_EQ(d, e.h, e.s0, 5, 0, 0, 0, 0, 5);
        INFO_EQ(d, e.h, s0b, 5, 0, 1, 0, 0, 4);
        SHELF_EQ(d, e.h, 0, 9);
        ST(d, d->redeem(e.h, code, a), SB_OK);
        ST(d, d->cancel(e.h, a), SB_USED);
        ST(d, d->reschedule(e.h, a, e.s0, code), SB_USED);
        /* A hold that ran out is not found before the limit is looked at. */
        for (int i = 0; i < 3; i++) {
            ST(d, d->reserve(e.h, c, e.s0), SB_OK);
            ST(d, d->cancel(e.h, c), SB_OK);
        }
        ST(d, d->reserve(e.h, c, e.s0), SB_OK);
        ST(d, d->cancel(e.h, c), SB_LIMIT);
        advance(&e, HOLD_MS);
        ST(d, d->cancel(e.h, c), SB_NOT_FOUND);
        eng_close(&e);
    }
}

Test(changes, are_unlimited_with_max_changes_0)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 1);
        char code[SB_CODE_SIZE];
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        for (int i = 0; i < 40; i++) {
            ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
            ST(d, d->cancel(e.h, nth_bsn(0)), SB_OK);
        }
        eng_close(&e);
    }
}

TestSuite(reschedule);

Test(reschedule, answers_in_the_documented_order_and_moves_place_sticker_and_code)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 1);
        char old[SB_CODE_SIZE], code[SB_CODE_SIZE], next[SB_CODE_SIZE];
        sb_booking bk;
        uint32_t a = nth_bsn(0), b = nth_bsn(1);
        sb_slot closed = slot_at(2 * NDAYS * NWIN), s1b = slot_at(NDAYS * NWIN + 1);
        ST(d, d->stock_add(e.h, 0, 5), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s1, code), SB_NOT_FOUND); /* nobody */
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s1, code), SB_NOT_FOUND); /* a hold is no booking */
        ST(d, d->confirm(e.h, a, old), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s0, code), SB_DUPLICATE);
        ST(d, d->reschedule(e.h, a, closed, code), SB_CLOSED);
        ST(d, d->reschedule(e.h, a, e.s1, code), SB_NO_STOCK);
        ST(d, d->stock_add(e.h, 1, 2), SB_OK);
        ST(d, d->book(e.h, b, e.s1, code), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s1, code), SB_FULL);
        SHELF_EQ(d, e.h, 1, 1);
        ST(d, d->release(e.h, e.s1, 1), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s1, code), SB_OK);
        cr_assert_str_neq(code, old);
        ST(d, d->verify(e.h, old, a, NULL), SB_CANCELLED);
        ST(d, d->verify(e.h, code, a, &bk), SB_OK);
        cr_assert(bk.slot.location == 1 && bk.state == SB_STATE_BOOKED, "%s", d->name);
        SHELF_EQ(d, e.h, 0, 5);
        SHELF_EQ(d, e.h, 1, 0);
        INFO_EQ(d, e.h, e.s0, 1, 0, 0, 0, 0, 1);
        INFO_EQ(d, e.h, e.s1, 2, 0, 2, 0, 0, 0);
        /* Inside one location the sticker goes along: no shelf needed. */
        ST(d, d->release(e.h, s1b, 1), SB_OK);
        ST(d, d->reschedule(e.h, a, s1b, next), SB_OK);
        ST(d, d->verify(e.h, code, a, NULL), SB_CANCELLED);
        ST(d, d->redeem(e.h, next, a), SB_OK);
        ST(d, d->reschedule(e.h, a, e.s0, code), SB_USED);
        eng_close(&e);
    }
}

TestSuite(each_booking);

/* A callback that moves every booking it is shown to another slot, calling
 * the engine from inside the walk. */
typedef struct mover {
    const sb_driver *d;
    void *h;
    sb_slot to;
    int calls, moved;
} mover;

static int
move_one(const sb_booking *b, void *ctx)
{
    mover *m = ctx;
    char code[SB_CODE_SIZE];
    m->calls++;
    if (b->state == SB_STATE_BOOKED && m->d->reschedule(m->h, b->bsn, m->to, code) == SB_OK)
        m->moved++;
    return 0;
}

Test(each_booking, shows_live_holds_and_bookings_and_lets_the_callback_move_them)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 10);
        sb_slot s1 = slot_at(NDAYS * NWIN), day1 = slot_at(NWIN);
        char code[SB_CODE_SIZE];
        ST(d, d->location_open(e.h, 1), SB_OK);
        ST(d, d->release(e.h, s1, 10), SB_OK);
        ST(d, d->release(e.h, day1, 10), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(2), e.s0), SB_OK); /* runs out below */
        advance(&e, HOLD_MS);
        ST(d, d->book(e.h, nth_bsn(0), e.s0, code), SB_OK);
        ST(d, d->reserve(e.h, nth_bsn(1), e.s0), SB_OK);
        ST(d, d->book(e.h, nth_bsn(3), e.s0, code), SB_OK);
        ST(d, d->redeem(e.h, code, nth_bsn(3)), SB_OK);
        ST(d, d->book(e.h, nth_bsn(4), s1, code), SB_OK);
        ST(d, d->book(e.h, nth_bsn(5), day1, code), SB_OK);
        walk w = {0};
        ST(d, d->each_booking(e.h, 0, FIRST_DAY, FIRST_DAY, walk_one, &w), SB_OK);
        cr_assert_eq(w.n, 3, "%s: a booking, a live hold and a redeemed booking", d->name);
        w = (walk){.stop_after = 2};
        ST(d, d->each_booking(e.h, 0, INT32_MIN, INT32_MAX, walk_one, &w), SB_OK);
        cr_assert_eq(w.n, 2, "%s: stopped", d->name);
        mover m = {.d = d, .h = e.h, .to = s1};
        ST(d, d->each_booking(e.h, 0, FIRST_DAY, FIRST_DAY + 1, move_one, &m), SB_OK);
        cr_assert(m.calls == 4 && m.moved == 2, "%s: %d calls, %d moved", d->name, m.calls,
                  m.moved);
        w = (walk){0};
        ST(d, d->each_booking(e.h, 1, INT32_MIN, INT32_MAX, walk_one, &w), SB_OK);
        cr_assert_eq(w.n, 3, "%s", d->name);
        ST(d, d->each_booking(e.h, 0, FIRST_DAY, FIRST_DAY, NULL, &w), SB_INVALID_ARG);
        ST(d, d->each_booking(e.h, NLOC, FIRST_DAY, FIRST_DAY, walk_one, &w), SB_INVALID_ARG);
        ST(d, d->each_booking(e.h, 0, FIRST_DAY + 1, FIRST_DAY, walk_one, &w), SB_INVALID_ARG);
        eng_close(&e);
    }
}

/* ---- families and the waiting list, on both engines -------------------------------- */

/* An engine of the small shape with options o (made with small_options on
 * e's clock), location 0 open, slot 0 with `places`. */
static void
eng_start(eng *e, const sb_driver *d, const sb_options *o, uint32_t places)
{
    e->d = d;
    e->h = open_engine(d, o);
    e->s0 = slot_at(0);
    e->s1 = slot_at(NDAYS * NWIN);
    ST(d, d->location_open(e->h, 0), SB_OK);
    ST(d, d->release(e->h, e->s0, places), SB_OK);
}

static sb_booking
look(const sb_driver *d, void *h, uint32_t bsn, sb_status want)
{
    sb_booking bk;
    memset(&bk, 0xab, sizeof bk);
    ST(d, d->lookup(h, bsn, &bk), want);
    return bk;
}

/* The person's booking: state, slot and (for a hold) deadline. */
#define BOOKING_EQ(d, h, who_, state_, slot_, deadline_)                                           \
    do {                                                                                           \
        sb_booking b_ = look((d), (h), (who_), SB_OK);                                             \
        sb_slot s_ = (slot_);                                                                      \
        cr_assert(b_.state == (state_) && b_.slot.location == s_.location &&                       \
                      b_.slot.day == s_.day && b_.slot.window == s_.window &&                      \
                      b_.deadline_ms == (deadline_) && b_.position == 0 && b_.last_day == 0,       \
                  "%s: %09u: state %d at {%u, %" PRId32 ", %u} until %" PRIu64, (d)->name, (who_), \
                  (int)b_.state, b_.slot.location, b_.slot.day, b_.slot.window, b_.deadline_ms);   \
    } while (0)

/* The person waits at location 0 from `from` to `last`, `position` people
 * ahead. */
#define WAITING_EQ(d, h, who_, from, last, position_)                                          \
    do {                                                                                       \
        sb_booking b_ = look((d), (h), (who_), SB_OK);                                         \
        cr_assert(b_.state == SB_STATE_WAITING && b_.bsn == (who_) && b_.slot.location == 0 && \
                      b_.slot.window == 0 && b_.slot.day == (from) && b_.last_day == (last) && \
                      b_.position == (position_) && b_.deadline_ms == 0,                       \
                  "%s: %09u: state %d from %" PRId32 " to %" PRId32 ", %u ahead", (d)->name,   \
                  (who_), (int)b_.state, b_.slot.day, b_.last_day, b_.position);               \
    } while (0)

#define GROUP_ST(d, h, list, n, slot, code, want, want_blocker)                                \
    do {                                                                                       \
        unsigned bl_ = 0xdead;                                                                 \
        ST((d), (d)->book_group((h), (list), (n), (slot), (code), &bl_), (want));              \
        cr_assert_eq(bl_, (unsigned)(want_blocker), "%s: blocker %u, want %u", (d)->name, bl_, \
                     (unsigned)(want_blocker));                                                \
    } while (0)

TestSuite(families);

Test(families, book_all_members_or_none_and_redeem_each_on_their_own)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 3);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2), x = nth_bsn(3);
        uint32_t four[] = {a, b, c, x}, three[] = {a, b, c};
        char code[SB_CODE_SIZE], none[SB_CODE_SIZE];
        memset(none, '#', sizeof none);
        sb_booking bk;
        GROUP_ST(d, e.h, four, 4, e.s0, none, SB_FULL, 4); /* never a partial fill */
        cr_assert_eq(none[0], '#', "%s wrote a code on SB_FULL", d->name);
        INFO_EQ(d, e.h, e.s0, 3, 0, 0, 0, 0, 3);
        look(d, e.h, a, SB_NOT_FOUND);
        GROUP_ST(d, e.h, three, 3, e.s0, code, SB_OK, 3);
        INFO_EQ(d, e.h, e.s0, 3, 0, 3, 0, 0, 0);
        for (int j = 0; j < 3; j++)
            BOOKING_EQ(d, e.h, three[j], SB_STATE_BOOKED, e.s0, 0);
        ST(d, d->verify(e.h, code, b, &bk), SB_OK); /* the code is every member's */
        cr_assert(bk.bsn == b && bk.state == SB_STATE_BOOKED, "%s", d->name);
        ST(d, d->verify(e.h, code, x, NULL), SB_WRONG_HOLDER); /* and nobody else's */
        ST(d, d->redeem(e.h, code, b), SB_OK);
        ST(d, d->redeem(e.h, code, b), SB_USED);
        ST(d, d->verify(e.h, code, b, &bk), SB_USED);
        cr_assert(bk.bsn == b && bk.state == SB_STATE_REDEEMED, "%s", d->name);
        ST(d, d->verify(e.h, code, a, NULL), SB_OK); /* the others are still to come */
        INFO_EQ(d, e.h, e.s0, 3, 0, 2, 1, 0, 0);
        ST(d, d->reserve(e.h, a, e.s0), SB_DUPLICATE);
        ST(d, d->book(e.h, b, e.s0, none), SB_DUPLICATE);
        ST(d, d->confirm(e.h, c, none), SB_DUPLICATE);
        ST(d, d->wait(e.h, c, 0, FIRST_DAY, FIRST_DAY), SB_DUPLICATE);
        walk w = {0};
        ST(d, d->each_booking(e.h, 0, INT32_MIN, INT32_MAX, walk_one, &w), SB_OK);
        cr_assert_eq(w.n, 3, "%s: each member is shown", d->name);
        ST(d, d->reschedule(e.h, c, slot_at(1), none), SB_USED); /* one was at the desk */
        ST(d, d->cancel(e.h, b), SB_USED);
        ST(d, d->cancel(e.h, c), SB_OK); /* the whole family: a's and c's places come back */
        INFO_EQ(d, e.h, e.s0, 3, 0, 0, 1, 0, 2);
        look(d, e.h, a, SB_NOT_FOUND);
        BOOKING_EQ(d, e.h, b, SB_STATE_REDEEMED, e.s0, 0);
        ST(d, d->verify(e.h, code, a, NULL), SB_CANCELLED);
        ST(d, d->verify(e.h, code, b, NULL), SB_USED);
        ST(d, d->cancel(e.h, a), SB_NOT_FOUND);
        ST(d, d->cancel(e.h, b), SB_USED);
        ST(d, d->book(e.h, a, e.s0, none), SB_OK);
        eng_close(&e);
    }
}

Test(families, answer_in_the_documented_order_naming_the_member_a_status_is_about)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, 4, 0, 10);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2), x = nth_bsn(3), y = nth_bsn(4);
        uint32_t bad = 111222334u;
        uint32_t ab[] = {a, b}, a_bad_c[] = {a, bad, c}, aba[] = {a, b, a}, bad_aa[] = {bad, a, a};
        uint32_t seven[] = {a, b, c, x, y, nth_bsn(5), nth_bsn(6)}, five[] = {a, b, c, x, y};
        char code[SB_CODE_SIZE];
        sb_slot closed = slot_at(2 * NDAYS * NWIN), outside = e.s0;
        outside.day = FIRST_DAY + (int32_t)NDAYS;
        GROUP_ST(d, e.h, ab, 0, e.s0, code, SB_INVALID_ARG, 0);
        GROUP_ST(d, e.h, seven, 7, e.s0, code, SB_INVALID_ARG, 7);
        GROUP_ST(d, e.h, NULL, 2, e.s0, code, SB_INVALID_ARG, 2);
        GROUP_ST(d, e.h, ab, 2, e.s0, NULL, SB_INVALID_ARG, 2);
        GROUP_ST(d, e.h, a_bad_c, 3, outside, code, SB_INVALID_ID, 1);
        GROUP_ST(d, e.h, aba, 3, outside, code, SB_INVALID_ARG, 2);
        GROUP_ST(d, e.h, bad_aa, 3, e.s0, code, SB_INVALID_ID, 0); /* the BSNs first */
        GROUP_ST(d, e.h, ab, 2, outside, code, SB_INVALID_ARG, 2);
        GROUP_ST(d, e.h, ab, 2, closed, code, SB_CLOSED, 2);
        ST(d, d->reserve(e.h, b, e.s0), SB_OK);
        GROUP_ST(d, e.h, ab, 2, e.s0, code, SB_DUPLICATE, 1);
        ST(d, d->cancel(e.h, b), SB_OK);
        /* max_people 4, b stored: a, c and x would fit, y is one too many,
         * and none of them is stored. */
        GROUP_ST(d, e.h, five, 5, e.s0, code, SB_NOMEM, 4);
        ST(d, d->reserve(e.h, nth_bsn(7), e.s0), SB_OK);
        ST(d, d->reserve(e.h, x, e.s0), SB_OK);
        ST(d, d->reserve(e.h, y, e.s0), SB_OK); /* the fourth person stored */
        ST(d, d->reserve(e.h, nth_bsn(8), e.s0), SB_NOMEM);
        INFO_EQ(d, e.h, e.s0, 10, 3, 0, 0, 0, 7);
        eng_close(&e);
    }
}

Test(families, take_a_sticker_each_and_stop_at_max_families)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        atomic_init(&e.clock.now, CLOCK_START);
        sb_options o = small_options(&e.clock, 0, true);
        o.use_stock = 1;
        o.max_families = 1;
        eng_start(&e, d, &o, 5);
        uint32_t abc[] = {nth_bsn(0), nth_bsn(1), nth_bsn(2)};
        char code[SB_CODE_SIZE];
        ST(d, d->stock_add(e.h, 0, 2), SB_OK);
        GROUP_ST(d, e.h, abc, 3, e.s0, code, SB_NO_STOCK, 3);
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        GROUP_ST(d, e.h, abc, 3, e.s0, code, SB_OK, 3);
        SHELF_EQ(d, e.h, 0, 0);
        ST(d, d->redeem(e.h, code, abc[2]), SB_OK); /* used up at the desk */
        ST(d, d->cancel(e.h, abc[0]), SB_OK);
        SHELF_EQ(d, e.h, 0, 2);
        INFO_EQ(d, e.h, e.s0, 5, 0, 0, 1, 0, 4);
        GROUP_ST(d, e.h, abc, 2, e.s0, code, SB_NOMEM, 2); /* the one family record is used */
        SHELF_EQ(d, e.h, 0, 2);
        INFO_EQ(d, e.h, e.s0, 5, 0, 0, 1, 0, 4);
        eng_close(&e);
    }
}

Test(families, move_and_cancel_as_a_whole_on_the_budget_of_the_member_with_most_changes)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 3, 6);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2), x = nth_bsn(3);
        uint32_t ba[] = {b, a}, cx[] = {c, x};
        char first[SB_CODE_SIZE], moved[SB_CODE_SIZE], code[SB_CODE_SIZE];
        sb_slot s0b = slot_at(2);
        ST(d, d->release(e.h, s0b, 6), SB_OK);
        ST(d, d->stock_add(e.h, 0, 10), SB_OK);
        ST(d, d->stock_add(e.h, 1, 10), SB_OK);
        for (int i = 0; i < 2; i++) { /* a makes two changes alone */
            ST(d, d->book(e.h, a, e.s0, code), SB_OK);
            ST(d, d->cancel(e.h, a), SB_OK);
        }
        GROUP_ST(d, e.h, ba, 2, e.s0, first, SB_OK, 2);
        ST(d, d->reschedule(e.h, a, e.s1, moved), SB_OK); /* change 3, to another location */
        BOOKING_EQ(d, e.h, b, SB_STATE_BOOKED, e.s1, 0);
        SHELF_EQ(d, e.h, 0, 10);
        SHELF_EQ(d, e.h, 1, 8);
        ST(d, d->verify(e.h, first, a, NULL), SB_CANCELLED);
        ST(d, d->verify(e.h, moved, a, NULL), SB_OK);
        ST(d, d->verify(e.h, moved, b, NULL), SB_OK);
        ST(d, d->cancel(e.h, b), SB_LIMIT); /* a had 2 of 3 left when the family was made */
        ST(d, d->reschedule(e.h, b, e.s0, code), SB_LIMIT);
        /* A family of people with no changes: a move and a cancel count for
         * each, so c has one left. */
        GROUP_ST(d, e.h, cx, 2, e.s0, code, SB_OK, 2);
        ST(d, d->reschedule(e.h, x, s0b, code), SB_OK);
        ST(d, d->reschedule(e.h, x, s0b, code), SB_DUPLICATE);
        SHELF_EQ(d, e.h, 0, 8); /* inside a location the stickers go along */
        ST(d, d->cancel(e.h, c), SB_OK);
        INFO_EQ(d, e.h, s0b, 6, 0, 0, 0, 0, 6);
        ST(d, d->book(e.h, c, e.s0, code), SB_OK);
        ST(d, d->cancel(e.h, c), SB_OK);
        ST(d, d->book(e.h, c, e.s0, code), SB_OK);
        ST(d, d->cancel(e.h, c), SB_LIMIT);
        eng_close(&e);
    }
}

Test(families, codes_answer_for_their_members_only_and_old_ones_stay_refused)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 10);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), x = nth_bsn(2), ab[] = {a, b};
        char own[SB_CODE_SIZE], fam1[SB_CODE_SIZE], fam2[SB_CODE_SIZE], later[SB_CODE_SIZE];
        sb_slot day1 = slot_at(2);
        ST(d, d->release(e.h, day1, 10), SB_OK);
        ST(d, d->book(e.h, a, e.s0, own), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK);
        GROUP_ST(d, e.h, ab, 2, e.s0, fam1, SB_OK, 2);
        ST(d, d->verify(e.h, own, a, NULL), SB_CANCELLED);     /* the leader's before */
        ST(d, d->verify(e.h, own, b, NULL), SB_WRONG_HOLDER);  /* never b's */
        ST(d, d->verify(e.h, fam1, x, NULL), SB_WRONG_HOLDER); /* a stranger */
        ST(d, d->reschedule(e.h, b, day1, fam2), SB_OK);
        ST(d, d->verify(e.h, fam1, b, NULL), SB_CANCELLED); /* the family's older code */
        ST(d, d->verify(e.h, fam2, b, NULL), SB_OK);
        ST(d, d->verify(e.h, fam1, a, NULL), SB_CANCELLED);
        ST(d, d->cancel(e.h, a), SB_OK);
        ST(d, d->verify(e.h, fam2, b, NULL), SB_CANCELLED);
        ST(d, d->verify(e.h, fam2, a, NULL), SB_CANCELLED);
        /* A member who booked alone since is no longer linked to the family
         * (README.md, "Edges worth knowing"): the old code is another's. */
        ST(d, d->book(e.h, b, e.s0, own), SB_OK);
        ST(d, d->verify(e.h, fam2, b, NULL), SB_WRONG_HOLDER);
        ST(d, d->book(e.h, a, e.s0, later), SB_OK);
        ST(d, d->verify(e.h, later, b, NULL), SB_WRONG_HOLDER);
        ST(d, d->verify(e.h, later, a, NULL), SB_OK);
        ST(d, d->verify(e.h, fam2, a, NULL), SB_CANCELLED);
        eng_close(&e);
    }
}

TestSuite(waiting);

Test(waiting, answers_in_the_documented_order)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        atomic_init(&e.clock.now, CLOCK_START);
        sb_options o = small_options(&e.clock, 0, true);
        o.max_people = 3;
        o.max_waiting = 2;
        eng_start(&e, d, &o, 1);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2), x = nth_bsn(3), bad = 111222334u;
        int32_t last = FIRST_DAY + (int32_t)NDAYS - 1;
        ST(d, d->wait(e.h, bad, NLOC, FIRST_DAY, FIRST_DAY), SB_INVALID_ID);
        ST(d, d->wait(e.h, a, NLOC, FIRST_DAY, FIRST_DAY), SB_INVALID_ARG);
        ST(d, d->wait(e.h, a, 0, FIRST_DAY - 5, FIRST_DAY - 1), SB_INVALID_ARG);
        ST(d, d->wait(e.h, a, 0, last + 1, INT32_MAX), SB_INVALID_ARG);
        ST(d, d->wait(e.h, a, 0, FIRST_DAY + 1, FIRST_DAY), SB_INVALID_ARG);
        ST(d, d->wait(e.h, a, 2, FIRST_DAY, FIRST_DAY), SB_CLOSED);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        ST(d, d->wait(e.h, a, 0, FIRST_DAY, FIRST_DAY), SB_DUPLICATE);
        ST(d, d->wait(e.h, b, 0, INT32_MIN, INT32_MAX), SB_OK); /* clamped to the horizon */
        WAITING_EQ(d, e.h, b, FIRST_DAY, last, 0);
        ST(d, d->wait(e.h, b, 1, FIRST_DAY, FIRST_DAY), SB_CLOSED);
        ST(d, d->wait(e.h, b, 0, FIRST_DAY, FIRST_DAY), SB_DUPLICATE);
        ST(d, d->wait(e.h, c, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->wait(e.h, x, 0, FIRST_DAY, FIRST_DAY), SB_NOMEM); /* the list is full */
        ST(d, d->cancel(e.h, c), SB_OK);
        ST(d, d->wait(e.h, x, 0, FIRST_DAY, FIRST_DAY), SB_NOMEM); /* and now the people */
        ST(d, d->wait(e.h, c, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->confirm(e.h, c, (char[SB_CODE_SIZE]){0}), SB_NOT_FOUND);
        ST(d, d->reschedule(e.h, c, e.s0, (char[SB_CODE_SIZE]){0}), SB_NOT_FOUND);
        eng_close(&e);
        o.max_waiting = 0;
        eng_start(&e, d, &o, 1);
        ST(d, d->wait(e.h, a, 0, FIRST_DAY, FIRST_DAY), SB_INVALID_ARG); /* no list */
        eng_close(&e);
    }
}

Test(waiting, shows_each_place_in_the_queue_and_is_left_by_a_cancel_that_is_no_change)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        atomic_init(&e.clock.now, CLOCK_START);
        sb_options o = small_options(&e.clock, 0, true);
        o.max_changes = 1;
        eng_start(&e, d, &o, 1);
        uint32_t a = nth_bsn(0), b = nth_bsn(1), c = nth_bsn(2);
        int32_t last = FIRST_DAY + (int32_t)NDAYS - 1;
        char code[SB_CODE_SIZE];
        ST(d, d->wait(e.h, a, 0, FIRST_DAY - 3, FIRST_DAY + 1), SB_OK);
        ST(d, d->wait(e.h, b, 0, FIRST_DAY + 2, FIRST_DAY + 99), SB_OK);
        ST(d, d->wait(e.h, c, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        WAITING_EQ(d, e.h, a, FIRST_DAY, FIRST_DAY + 1, 0);
        WAITING_EQ(d, e.h, b, FIRST_DAY + 2, last, 1);
        WAITING_EQ(d, e.h, c, FIRST_DAY, FIRST_DAY, 2);
        walk w = {0};
        ST(d, d->each_booking(e.h, 0, INT32_MIN, INT32_MAX, walk_one, &w), SB_OK);
        cr_assert_eq(w.n, 0, "%s: waiting is no booking", d->name);
        ST(d, d->cancel(e.h, b), SB_OK);
        look(d, e.h, b, SB_NOT_FOUND);
        WAITING_EQ(d, e.h, c, FIRST_DAY, FIRST_DAY, 1);
        ST(d, d->cancel(e.h, a), SB_OK);
        ST(d, d->cancel(e.h, a), SB_NOT_FOUND);
        ST(d, d->cancel(e.h, c), SB_OK); /* nobody waits for the place a frees below */
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK); /* a's first change: leaving the list was none */
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->cancel(e.h, a), SB_LIMIT);
        eng_close(&e);
    }
}

Test(waiting, gives_each_freed_place_to_the_first_person_waiting_whose_range_holds_its_day)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        uint32_t a = nth_bsn(0), w1 = nth_bsn(1), w2 = nth_bsn(2), w3 = nth_bsn(3);
        char code[SB_CODE_SIZE];
        sb_slot day1 = slot_at(2);
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->wait(e.h, w1, 0, FIRST_DAY + 1, FIRST_DAY + 2), SB_OK);
        ST(d, d->wait(e.h, w2, 0, FIRST_DAY, FIRST_DAY + 3), SB_OK);
        ST(d, d->wait(e.h, w3, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        advance(&e, 10);
        ST(d, d->cancel(e.h, a), SB_OK); /* day 0: not w1's */
        BOOKING_EQ(d, e.h, w2, SB_STATE_HELD, e.s0, CLOCK_START + 10 + HOLD_MS);
        WAITING_EQ(d, e.h, w3, FIRST_DAY, FIRST_DAY, 1);
        INFO_EQ(d, e.h, e.s0, 1, 1, 0, 0, 0, 0);
        ST(d, d->confirm(e.h, w2, code), SB_OK);
        ST(d, d->verify(e.h, code, w2, NULL), SB_OK);
        /* New places: the first to w1, the second fits nobody and stays free. */
        ST(d, d->release(e.h, day1, 2), SB_OK);
        BOOKING_EQ(d, e.h, w1, SB_STATE_HELD, day1, CLOCK_START + 10 + HOLD_MS);
        INFO_EQ(d, e.h, day1, 2, 1, 0, 0, 0, 1);
        /* A move away frees the old place: to w3. */
        ST(d, d->reschedule(e.h, w2, day1, code), SB_OK);
        BOOKING_EQ(d, e.h, w3, SB_STATE_HELD, e.s0, CLOCK_START + 10 + HOLD_MS);
        INFO_EQ(d, e.h, e.s0, 1, 1, 0, 0, 0, 0);
        INFO_EQ(d, e.h, day1, 2, 1, 1, 0, 0, 0);
        eng_close(&e);
    }
}

Test(waiting, passes_an_offered_hold_that_ran_out_to_the_next_one_at_sb_expire)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 1);
        uint32_t a = nth_bsn(0), w1 = nth_bsn(1), w2 = nth_bsn(2);
        char code[SB_CODE_SIZE];
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->wait(e.h, w1, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->wait(e.h, w2, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK);
        BOOKING_EQ(d, e.h, w1, SB_STATE_HELD, e.s0, CLOCK_START + HOLD_MS);
        advance(&e, HOLD_MS);
        look(d, e.h, w1, SB_NOT_FOUND);
        INFO_EQ(d, e.h, e.s0, 1, 0, 0, 0, 0, 1); /* free at once for every reader */
        WAITING_EQ(d, e.h, w2, FIRST_DAY, FIRST_DAY, 0);
        cr_assert_eq(d->expire(e.h), 1, "%s", d->name);
        BOOKING_EQ(d, e.h, w2, SB_STATE_HELD, e.s0, CLOCK_START + 2 * HOLD_MS);
        ST(d, d->confirm(e.h, w1, code), SB_EXPIRED);
        ST(d, d->confirm(e.h, w2, code), SB_OK);
        cr_assert_eq(d->expire(e.h), 0, "%s", d->name);
        eng_close(&e);
    }
}

Test(waiting, gives_nobody_a_place_at_a_closed_location_or_from_an_empty_shelf)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open_rules(&e, d, 0, 1);
        uint32_t a = nth_bsn(0), w = nth_bsn(1);
        char code[SB_CODE_SIZE];
        sb_slot day1 = slot_at(2);
        ST(d, d->stock_add(e.h, 0, 1), SB_OK);
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->wait(e.h, w, 0, FIRST_DAY, FIRST_DAY + 3), SB_OK);
        ST(d, d->location_close(e.h, 0), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK);
        WAITING_EQ(d, e.h, w, FIRST_DAY, FIRST_DAY + 3, 0);
        INFO_EQ(d, e.h, e.s0, 1, 0, 0, 0, 0, 1);
        ST(d, d->location_open(e.h, 0), SB_OK);
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        SHELF_EQ(d, e.h, 0, 0);
        ST(d, d->release(e.h, day1, 1), SB_OK); /* no sticker for a hold: the place stays free */
        WAITING_EQ(d, e.h, w, FIRST_DAY, FIRST_DAY + 3, 0);
        INFO_EQ(d, e.h, day1, 1, 0, 0, 0, 0, 1);
        ST(d, d->cancel(e.h, a), SB_OK); /* its sticker comes back first, and goes with it */
        BOOKING_EQ(d, e.h, w, SB_STATE_HELD, e.s0, CLOCK_START + HOLD_MS);
        SHELF_EQ(d, e.h, 0, 0);
        eng_close(&e);
    }
}

Test(waiting, is_left_by_a_reserve_or_a_family_and_gets_a_dead_hold_its_owner_drops)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 2);
        uint32_t a = nth_bsn(0), x = nth_bsn(1), w1 = nth_bsn(2), w2 = nth_bsn(3), w3 = nth_bsn(4);
        uint32_t fam[] = {x, w2};
        char code[SB_CODE_SIZE];
        sb_slot win1 = slot_at(1), day1 = slot_at(2);
        ST(d, d->release(e.h, win1, 1), SB_OK);
        ST(d, d->release(e.h, day1, 2), SB_OK);
        for (int i = 2; i <= 4; i++)
            ST(d, d->wait(e.h, nth_bsn((uint32_t)i), 0, FIRST_DAY, FIRST_DAY + 3), SB_OK);
        ST(d, d->reserve(e.h, w1, e.s0), SB_OK); /* sb_wait does not look for a free place */
        BOOKING_EQ(d, e.h, w1, SB_STATE_HELD, e.s0, CLOCK_START + HOLD_MS);
        WAITING_EQ(d, e.h, w2, FIRST_DAY, FIRST_DAY + 3, 0);
        GROUP_ST(d, e.h, fam, 2, day1, code, SB_OK, 2);
        BOOKING_EQ(d, e.h, w2, SB_STATE_BOOKED, day1, 0);
        WAITING_EQ(d, e.h, w3, FIRST_DAY, FIRST_DAY + 3, 0);
        ST(d, d->confirm(e.h, w1, code), SB_OK);
        ST(d, d->reserve(e.h, a, e.s0), SB_OK);
        advance(&e, HOLD_MS);
        WAITING_EQ(d, e.h, w3, FIRST_DAY, FIRST_DAY + 3, 0); /* a dead hold, not reclaimed */
        ST(d, d->reserve(e.h, a, win1), SB_OK); /* drops a's dead hold: its place to w3 */
        BOOKING_EQ(d, e.h, w3, SB_STATE_HELD, e.s0, CLOCK_START + 2 * HOLD_MS);
        cr_assert_eq(d->expire(e.h), 0, "%s: the dead hold was dropped", d->name);
        eng_close(&e);
    }
}

Test(waiting, gets_the_places_a_cancelled_family_leaves)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 0, 3);
        uint32_t abc[] = {nth_bsn(0), nth_bsn(1), nth_bsn(2)};
        char code[SB_CODE_SIZE];
        GROUP_ST(d, e.h, abc, 3, e.s0, code, SB_OK, 3);
        ST(d, d->redeem(e.h, code, abc[1]), SB_OK);
        for (uint32_t i = 3; i < 6; i++)
            ST(d, d->wait(e.h, nth_bsn(i), 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->cancel(e.h, abc[2]), SB_OK);
        BOOKING_EQ(d, e.h, nth_bsn(3), SB_STATE_HELD, e.s0, CLOCK_START + HOLD_MS);
        BOOKING_EQ(d, e.h, nth_bsn(4), SB_STATE_HELD, e.s0, CLOCK_START + HOLD_MS);
        WAITING_EQ(d, e.h, nth_bsn(5), FIRST_DAY, FIRST_DAY, 0);
        INFO_EQ(d, e.h, e.s0, 3, 2, 0, 1, 0, 0);
        eng_close(&e);
    }
}

Test(waiting, gets_a_delayed_release_once_sb_expire_reclaims_it)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, MAX_PEOPLE, 1000, 1);
        uint32_t a = nth_bsn(0), w = nth_bsn(1);
        char code[SB_CODE_SIZE];
        ST(d, d->book(e.h, a, e.s0, code), SB_OK);
        ST(d, d->wait(e.h, w, 0, FIRST_DAY, FIRST_DAY), SB_OK);
        ST(d, d->cancel(e.h, a), SB_OK);
        sb_slot_info in = read_info(d, e.h, e.s0);
        sb_booking bk = look(d, e.h, w, SB_OK);
        /* At once (a delay of 0 drawn) or later, as a delayed release. */
        cr_assert(bk.state == SB_STATE_HELD || (bk.state == SB_STATE_WAITING && in.pending == 1),
                  "%s: state %d, pending %u", d->name, (int)bk.state, in.pending);
        advance(&e, 1000);
        cr_assert_eq(d->expire(e.h), 0, "%s: no hold ran out", d->name);
        BOOKING_EQ(d, e.h, w, SB_STATE_HELD, e.s0,
                   bk.state == SB_STATE_HELD ? CLOCK_START + HOLD_MS
                                             : CLOCK_START + 1000 + HOLD_MS);
        eng_close(&e);
    }
}

/* ---- threads ---------------------------------------------------------------------- */

#define THREADS 4
#define THREAD_CALLS 40000
#define THREAD_PEOPLE 3000u

typedef struct hammer {
    const sb_driver *d;
    void *h;
    fake_clock *clock;
    uint64_t seed;
    uint32_t bad_reads, oks;
} hammer;

static void *
hammer_run(void *arg)
{
    hammer *t = arg;
    rng r = {t->seed};
    char code[SB_CODE_SIZE], last[SB_CODE_SIZE] = "";
    uint32_t last_bsn = 0;
    sb_booking bk;
    sb_slot_info in = {0};
    sb_slot out;
    for (int i = 0; i < THREAD_CALLS; i++) {
        uint32_t bsn = nth_bsn(rbelow(&r, THREAD_PEOPLE));
        sb_slot s = slot_at(rbelow(&r, NSLOTS));
        sb_status st = SB_OK;
        uint64_t n;
        walk w = {0};
        uint32_t family[4];
        switch (rbelow(&r, 18)) {
        case 0:
            st = t->d->reserve(t->h, bsn, s);
            break;
        case 1:
            st = t->d->book(t->h, bsn, s, code);
            if (st == SB_OK) {
                memcpy(last, code, sizeof last);
                last_bsn = bsn;
            }
            break;
        case 2:
            st = t->d->confirm(t->h, bsn, code);
            break;
        case 3:
            st = t->d->cancel(t->h, bsn);
            break;
        case 4:
            st = t->d->lookup(t->h, bsn, &bk);
            break;
        case 5:
            if (last[0])
                st = rbelow(&r, 4) ? t->d->verify(t->h, last, last_bsn, &bk)
                                   : t->d->redeem(t->h, last, last_bsn);
            break;
        case 6:
            st = t->d->slot_read(t->h, s, &in);
            if ((uint64_t)in.held + in.booked + in.redeemed + in.pending + in.free != in.capacity)
                t->bad_reads++;
            break;
        case 7:
            st = t->d->next_free(t->h, s.location, FIRST_DAY, &out);
            break;
        case 8:
            t->d->expire(t->h);
            break;
        case 9:
            st = t->d->release(t->h, s, rbelow(&r, 3));
            break;
        case 10:
            st = rbelow(&r, 4) ? t->d->location_open(t->h, s.location)
                               : t->d->location_close(t->h, s.location);
            break;
        case 11:
            st = t->d->reschedule(t->h, bsn, s, code);
            break;
        case 12:
            st = rbelow(&r, 2) ? t->d->stock_add(t->h, s.location, rbelow(&r, 3))
                               : t->d->stock_read(t->h, s.location, &n);
            break;
        case 13:
            st = t->d->each_booking(t->h, s.location, FIRST_DAY, INT32_MAX, walk_one, &w);
            break;
        case 14:
            for (int j = 0; j < 4; j++)
                family[j] = nth_bsn(rbelow(&r, THREAD_PEOPLE));
            st = t->d->book_group(t->h, family, 1 + rbelow(&r, 4), s, code, NULL);
            break;
        case 15:
            st = t->d->wait(t->h, bsn, s.location, s.day, s.day + (int32_t)rbelow(&r, 3));
            break;
        default:
            atomic_fetch_add(&t->clock->now, rbelow(&r, 20));
            break;
        }
        t->oks += st == SB_OK;
    }
    return NULL;
}

TestSuite(threads, .timeout = 60);

Test(threads, leave_the_baseline_consistent_after_four_hammer_it_at_once)
{
    fake_clock clk;
    atomic_init(&clk.now, CLOCK_START);
    sb_options o = small_options(&clk, 4, true);
    o.max_people = 2000; /* fewer than the people: SB_NOMEM too */
    o.hold_ms = 200;
    o.release_delay_ms = 50;
    o.use_stock = 1;
    o.max_changes = 3;
    const sb_driver *d = &sb_driver_mutex;
    void *h = open_engine(d, &o);
    hammer t[THREADS];
    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        t[i] = (hammer){.d = d, .h = h, .clock = &clk, .seed = (uint64_t)i + 1};
        cr_assert_eq(pthread_create(&tid[i], NULL, hammer_run, &t[i]), 0);
    }
    uint32_t oks = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        cr_assert_eq(t[i].bad_reads, 0, "thread %d saw reads that do not add up", i);
        oks += t[i].oks;
    }
    cr_assert_gt(oks, THREADS * THREAD_CALLS / 4);
    audit_ok(d, h);
    d->expire(h);
    atomic_fetch_add(&clk.now, 1000);
    audit_ok(d, h);
    d->close(h);
}

typedef struct surge {
    const sb_driver *d;
    void *h;
    uint32_t first, oks, fulls;
} surge;

static void *
surge_run(void *arg)
{
    surge *s = arg;
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < 1000; i++) {
        sb_status st = s->d->book(s->h, nth_bsn(s->first + i), slot_at(0), code);
        s->oks += st == SB_OK;
        s->fulls += st == SB_FULL;
    }
    return NULL;
}

Test(threads, hand_out_exactly_the_capacity_in_a_surge)
{
    for (int k = 0; k < NDRIVERS; k++) {
        const sb_driver *d = DRIVERS[k];
        eng e;
        eng_open(&e, d, 0, 1u << 13, 0, 100);
        surge s[THREADS];
        pthread_t tid[THREADS];
        for (int i = 0; i < THREADS; i++) {
            s[i] = (surge){.d = d, .h = e.h, .first = 1000u * (uint32_t)i};
            cr_assert_eq(pthread_create(&tid[i], NULL, surge_run, &s[i]), 0);
        }
        uint32_t oks = 0, fulls = 0;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(tid[i], NULL);
            oks += s[i].oks;
            fulls += s[i].fulls;
        }
        cr_assert_eq(oks, 100, "%s", d->name);
        cr_assert_eq(fulls, THREADS * 1000 - 100, "%s", d->name);
        INFO_EQ(d, e.h, e.s0, 100, 0, 100, 0, 0, 0);
        eng_close(&e);
    }
}
