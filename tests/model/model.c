/*
 * The reference model (model.h): long random sequences of calls, each
 * checked against a tiny single-threaded model written from SPEC.md
 * ("Semantics") and the statuses documented in slotbook.h.  Uses
 * <slotbook.h> only.
 *
 * Every choice a sequence makes (which call, whom, which slot, how far the
 * clock moves) is drawn from a draws: a seed's splitmix64 sequence, or the
 * bytes of a fuzz input.  A seed's sequences are the same on every run:
 * the engine's own random draws (the seed of its person table, which
 * decides each person's number and so every code) come from libsodium's
 * random source, which the model replaces with a splitmix64 sequence
 * started afresh for each sequence.
 *
 * The model is plain arrays: locations open or closed, each slot's
 * capacity, and per person their state (none, held, booked, redeemed,
 * waiting, a family's member), the hold's slot and deadline, the booked
 * slot, how many bookings they made, and every code the engine issued
 * with its status (live, cancelled, used).  A slot's held, booked and
 * redeemed counts are derived from the people, so the model cannot drift
 * from itself.  Time is a fake clock that only moves forward; a hold is
 * live while now < reserved_at + hold_ms.
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
 * next successful reserve, book, sb_wait or family booking; by a family
 * booking or move that finds its slot full counting them (all of the
 * slot's); or by a reserve, book, reschedule or family booking that finds
 * the location's shelf short, which reclaims every dead hold of the
 * location before it answers SB_NO_STOCK or takes its stickers.  The model
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
 * holds then equals every hold that ever ran out.
 *
 * Families (sb_book_group, sb_book_group_blocker) are records of the model
 * too: members, slot, code, a redeemed bit per member, and the changes
 * counted from the most any member had made.  Every status comes with its
 * blocker; the family's code verifies per member (SB_USED once that member
 * was redeemed) and for nobody else; any member cancels or moves the whole
 * family (SB_USED once one was redeemed), the places of the members not
 * redeemed coming back; a family's changes count for every member.
 *
 * The waiting list (sb_wait) is a ticket per waiting person.  Every place a
 * call frees goes, as a hold, to the earliest person waiting at its
 * location whose range holds its day, if the location is open and (with
 * use_stock) a sticker is on the shelf once the freed place's own is back;
 * else back to the slot.  The model frees places where the library does:
 * a cancel, a reschedule away, a family cancelled or moved, sb_release,
 * sb_expire (a dead hold's sticker back first), a reserve, book,
 * reschedule or family booking that finds the shelf short (it reclaims the
 * location's dead holds, slot by slot), a family booking or move that finds
 * its slot full counting dead holds (it reclaims that slot's), and a dead
 * hold dropped by its owner's next reserve, book, sb_wait or family
 * booking.  A reserve that takes over a dead hold of a full slot frees
 * nothing (the place goes from one to the other), unless it is refused
 * after that: then the place is freed.  Where those hand a place to a waiting
 * person, the model must know each dead hold's fate exactly: so in the
 * sequences with a waiting list it never lets its bounds part, and before
 * a call whose outcome would hang on what it cannot know (whose dead hold
 * a takeover took, or the order in which the engine claims a family's
 * members: the engine's person numbers, which no call shows) the sequence
 * calls sb_expire first, which reclaims every dead hold ("settles").
 *
 * Each seed (a fuzz input: its first two bytes) picks use_stock,
 * max_changes, max_waiting (none, 2, 4 or the
 * default) and max_families (few enough to run out, the default, plenty,
 * or none); each five seeds pair the list with both stock settings.
 *
 * Where the header is silent the model follows the library, and says so
 * where it does: a member who left a cancelled family and made any change
 * of their own since (reserve, book, sb_wait, another family) gets
 * SB_WRONG_HOLDER for the old family code (README.md documents "booked
 * alone"); a reserve or book whose own shelf reclaim gave its waiting
 * caller a hold answers SB_DUPLICATE.
 *
 * At the end of each sequence: sb_audit, every person's lookup, every code
 * issued (a family's by each member), every location's walk, and the stats
 * outcome counters against the calls the test made.
 */
#include "model.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "splitmix.h" /* bench/: the generator's random source */

/* A bug of the model itself (not a disagreement with the engine). */
#define model_assert(cond, what)                                                            \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: the model failed: %s (%s)\n", __FILE__, __LINE__, what, \
                    #cond);                                                                 \
            abort();                                                                        \
        }                                                                                   \
    } while (0)
#define model_assert_ptr(p) model_assert((p) != NULL, "out of memory")

/* ---- the engine's random source ---------------------------------------------- */

static rng sodium_rng;

static const char *
sodium_rng_name(void)
{
    return "slotbook-model";
}

static uint32_t
sodium_rng_random(void)
{
    return (uint32_t)rnext(&sodium_rng);
}

static void
sodium_rng_buf(void *const buf, const size_t size)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)rnext(&sodium_rng);
}

static randombytes_implementation sodium_rng_impl = {
    .implementation_name = sodium_rng_name,
    .random = sodium_rng_random,
    .buf = sodium_rng_buf,
};

/* Makes libsodium's random source, and with it the engine opened next, a
 * function of seed.  Installed before libsodium's first use in the
 * process, as randombytes_set_implementation() asks, and libsodium is
 * initialised then, so its own first draws do not shift a sequence's. */
static void
sodium_rng_start(uint64_t seed)
{
    static bool installed;
    if (!installed) {
        model_assert(randombytes_set_implementation(&sodium_rng_impl) == 0 && sodium_init() >= 0,
                     "libsodium's random source cannot be replaced");
        installed = true;
    }
    sodium_rng.s = seed ^ UINT64_C(0x5eed50d1);
}

/* ---- where the choices come from -------------------------------------------- */

/* A seed's splitmix64 sequence (in == NULL), or the bytes of a fuzz input:
 * a choice among n takes one byte for n <= 256, two for n <= 65536, and
 * so on; a chance takes one byte.  Past the input's end the seed's
 * sequence takes over, so that the step under way ends (a choice redrawn
 * until it differs, as in mutate(), would never end on zeros); no step
 * starts after it. */
typedef struct draws {
    rng g;
    const uint8_t *in;
    size_t left;
} draws;

static uint8_t
dbyte(draws *d)
{
    d->left--;
    return *d->in++;
}

/* A number in 0 .. n-1 (0 when n is 0). */
static uint64_t
dbelow(draws *d, uint64_t n)
{
    if (!d->in || d->left == 0)
        return rbelow(&d->g, n);
    if (n == 0)
        return 0;
    uint64_t v = 0;
    for (uint64_t span = n - 1; d->left > 0; span >>= 8) {
        v = v << 8 | dbyte(d);
        if (span < 256)
            break;
    }
    return v % n;
}

/* True with probability permille / 1000. */
static bool
dchance(draws *d, uint32_t permille)
{
    if (!d->in || d->left == 0)
        return rchance(&d->g, permille);
    return dbyte(d) * 1000u / 256u < permille;
}

/* A seed for a generator of its own, for choices the sequence's order may
 * not steer (see walk_visit). */
static uint64_t
dseed(const draws *d)
{
    return d->g.s ^ d->left;
}

/* The input has run out (never, for a seed's sequence). */
static bool
ddry(const draws *d)
{
    return d->in && d->left == 0;
}

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
bsn_make(draws *r)
{
    for (;;) {
        uint32_t head = dbelow(r, 100000000u); /* d1..d8, leading zeros allowed */
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

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED, P_WAITING, P_MEMBER };
enum { C_LIVE, C_CANCELLED, C_USED };
enum { F_BOOKED, F_CANCELLED };

/* Events counted for --verbose runs: where the places given to waiting
 * people came from, and family and list edges the sequences reached. */
enum {
    EV_FROM_CANCEL,    /* a cancel of a hold or booking */
    EV_FROM_MOVE,      /* a reschedule away */
    EV_FROM_FAMILY,    /* a family cancelled or moved */
    EV_FROM_RELEASE,   /* sb_release */
    EV_FROM_EXPIRE,    /* sb_expire */
    EV_FROM_SHELF,     /* an empty shelf's reclaim */
    EV_FROM_FULL,      /* a family finding its slot full */
    EV_FROM_DROP,      /* a dead hold dropped by its owner's next call */
    EV_FROM_REFUSED,   /* a dead hold taken over by a call then refused */
    EV_FAMILY_CANCEL,  /* a family cancelled (by any member) */
    EV_FAMILY_PARTLY,  /* ... with some members redeemed */
    EV_FAMILY_MOVE,    /* a family moved */
    EV_MEMBER_REDEEM,  /* a member redeemed */
    EV_FORMER_MEMBER,  /* a former member's old family code: SB_WRONG_HOLDER */
    EV_OWN_CALL_OFFER, /* a waiting reserver given a hold by their own call */
    EV_WAIT_LOOKUP,    /* a waiting person looked up */
    EV_COUNT
};
_Static_assert(EV_COUNT == MODEL_EVENTS, "model.h counts the events");
const char *const model_event_names[MODEL_EVENTS] = {
    "offers from a cancel",
    "from a reschedule away",
    "from a family",
    "from sb_release",
    "from sb_expire",
    "from an empty shelf",
    "from a family's full slot",
    "from an owner's next call",
    "from a refused takeover",
    "families cancelled",
    "with members redeemed",
    "families moved",
    "members redeemed",
    "former members refused",
    "reservers served by their own call",
    "waiting people looked up",
};

#define MOST_CHANGES 15u /* the header's ceiling of max_changes: counts stop there */

typedef struct mcode {
    char text[SB_CODE_SIZE];
    int owner;    /* the person the code names: its holder, or the family's leader */
    int fam;      /* the family booking it was issued to; -1 for a person's own */
    uint32_t gen; /* the owner's bookings made when it was issued */
    int status;   /* own code: live, cancelled or used; family code: live or cancelled
                     (moved or cancelled), used per member (mfamily.redeemed) */
    int slot;
} mcode;

typedef struct mfamily {
    int n;
    int member[SB_FAMILY_MAX]; /* pool indices, in the caller's order: member[0] leads */
    int slot;
    int state;
    unsigned redeemed; /* bit i: member[i] was redeemed */
    uint32_t base;     /* the most changes a member had made when it was booked */
    uint32_t changes;  /* base + the family's cancels and reschedules */
    uint32_t gen;      /* of its latest code (the leader's bookings made) */
    int code;          /* its latest code */
} mfamily;

typedef struct mperson {
    uint32_t bsn;
    bool valid;
    bool stored;       /* took part in a call that stored them: kept for ever */
    int state;         /* P_HELD also when the hold ran out (then "expired") */
    int slot;          /* of the hold or booking (a member's: the family's) */
    uint64_t deadline; /* of the hold */
    bool swept;        /* the hold ran out and is known to be reclaimed (by an
                          sb_expire, or an empty shelf at its location) */
    bool dead_noted;   /* the hold ran out and is counted in dead_lo/dead_hi */
    uint32_t gen;      /* bookings made (a family's codes count for its leader) */
    uint32_t changes;  /* cancels and reschedules made (a member's family counts in
                          mfamily.changes until it is cancelled) */
    int latest;        /* index of the latest code, -1 for none */
    int fam;           /* P_MEMBER: the family */
    int link;          /* the family the person was last booked with, until their own
                          next change of state: -1 for none (see op_present) */
    uint16_t wloc;     /* P_WAITING: the location, the range of days (offsets from
                          first_day, clamped) and the ticket (order of arrival) */
    int32_t wfrom, wto;
    uint64_t ticket;
} mperson;

typedef struct model {
    bool use_stock;
    uint32_t max_changes;  /* 0 = unlimited */
    bool waiting;          /* the engine keeps a waiting list */
    uint32_t max_waiting;  /* per location */
    uint32_t max_families; /* family bookings over the engine's life */
    bool open[NLOC];
    uint32_t capacity[NSLOTS];
    /* bounds on the dead holds of each slot not yet reclaimed (see the top) */
    uint32_t dead_lo[NSLOTS], dead_hi[NSLOTS];
    uint64_t stock_added[NLOC]; /* stickers put on each shelf */
    mperson people[NPOOL];
    uint32_t stored;
    mcode *codes;
    size_t ncodes, capcodes;
    mfamily *fams;
    size_t nfams, capfams; /* every family booked; nfams is also the records used */
    uint64_t tickets;
    uint64_t expired_gone; /* expired holds replaced by their owner's next call */
    /* freed places: given to a waiting person; a waiting person fit but no
     * sticker was left; a waiting person fit but the location was closed */
    uint64_t offers[3];
    int why;                   /* what frees the places offered now (EV_FROM_*) */
    uint64_t events[EV_COUNT]; /* what the sequence exercised, for --verbose */
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

static unsigned
m_location(int s)
{
    return (unsigned)s / (NDAYS * NWIN);
}

/* the slot's day, as an offset from first_day */
static int32_t
m_day(int s)
{
    return (int32_t)(((unsigned)s / NWIN) % NDAYS);
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

static int
m_member_index(const mfamily *f, int pi)
{
    for (int i = 0; i < f->n; i++)
        if (f->member[i] == pi)
            return i;
    return -1;
}

static bool
m_member_redeemed(const model *m, const mperson *p, int pi)
{
    if (p->state != P_MEMBER)
        return false;
    const mfamily *f = &m->fams[p->fam];
    return f->redeemed >> m_member_index(f, pi) & 1u;
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
        else if (p->state == P_MEMBER && m_member_redeemed(m, p, i))
            in.redeemed++;
        else if (p->state == P_MEMBER)
            in.booked++;
    }
    uint64_t used = (uint64_t)in.held + in.booked + in.redeemed;
    model_assert(used <= in.capacity, "the model itself broke the capacity invariant");
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
m_over_limit(const model *m, uint32_t changes)
{
    return m->max_changes != 0 && changes >= m->max_changes;
}

static void
m_count_change(uint32_t *changes)
{
    if (*changes < MOST_CHANGES)
        (*changes)++;
}

/* a live hold, a booking, a redeemed booking or a family's: what holds a
 * sticker, and what makes reserve, book, confirm and sb_wait answer
 * SB_DUPLICATE */
static bool
m_has_place(const model *m, const mperson *p)
{
    return m_live(m, p) || p->state == P_BOOKED || p->state == P_REDEEMED || p->state == P_MEMBER;
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

/* ---- the waiting list -------------------------------------------------------- */

static uint32_t
m_waiting_at(const model *m, unsigned loc)
{
    uint32_t n = 0;
    for (int i = 0; i < NPOOL; i++)
        n += m->people[i].state == P_WAITING && m->people[i].wloc == loc;
    return n;
}

/* people waiting ahead of p at p's location, whatever their range */
static uint32_t
m_position(const model *m, const mperson *p)
{
    uint32_t n = 0;
    for (int i = 0; i < NPOOL; i++) {
        const mperson *q = &m->people[i];
        n += q->state == P_WAITING && q->wloc == p->wloc && q->ticket < p->ticket;
    }
    return n;
}

/* the first come of those waiting at loc whose range holds day; -1 for none */
static int
m_first_waiting(const model *m, unsigned loc, int32_t day)
{
    int best = -1;
    for (int i = 0; i < NPOOL; i++) {
        const mperson *q = &m->people[i];
        if (q->state == P_WAITING && q->wloc == loc && q->wfrom <= day && day <= q->wto &&
            (best < 0 || q->ticket < m->people[best].ticket))
            best = i;
    }
    return best;
}

/* A counted place of slot s was freed: it goes, as a hold, to the first
 * person waiting at its location whose range holds its day, when the
 * location is open and (use_stock) a sticker is on the shelf, which the
 * hold takes; else back to the slot (nothing to do: the model derives the
 * slot's counters from the people).  In the waiting sequences the dead
 * holds are known exactly (see run_steps), so the shelf is too. */
static bool
m_offer(model *m, int s)
{
    if (!m->waiting)
        return false;
    unsigned loc = m_location(s);
    int w = m_first_waiting(m, loc, m_day(s));
    if (w < 0)
        return false;
    if (!m->open[loc]) {
        m->offers[2]++;
        return false;
    }
    if (m->use_stock) {
        int64_t lo[NLOC], hi[NLOC];
        m_shelves(m, lo, hi);
        model_assert(lo[loc] == hi[loc], "the model lost track of a shelf in a waiting sequence");
        if (lo[loc] < 1) {
            m->offers[1]++;
            return false;
        }
    }
    mperson *p = &m->people[w];
    p->state = P_HELD;
    p->slot = s;
    p->deadline = m->now + HOLD_MS;
    p->swept = false;
    p->dead_noted = false;
    m->offers[0]++;
    m->events[m->why]++;
    return true;
}

/* k places of slot s freed at once (a cancel, a reschedule away, a family
 * cancelled or moved, a dead hold dropped by its owner's next call): their
 * stickers are back first, then each place is offered. */
static void
m_offer_back(model *m, int s, uint32_t k, int why)
{
    m->why = why;
    for (uint32_t j = 0; j < k; j++)
        m_offer(m, s);
}

/* Every dead hold of slot s not yet reclaimed is reclaimed now (sb_expire,
 * an empty shelf, a family that finds the slot full): its sticker back on
 * the shelf, then its place offered to the list.  Exact in the
 * waiting sequences, where dead_lo == dead_hi. */
static uint32_t
m_reclaim_slot(model *m, int s)
{
    uint32_t k = m->dead_lo[s];
    for (int i = 0; i < NPOOL; i++) {
        mperson *p = &m->people[i];
        if (m_ran_out(m, p) && p->slot == s)
            p->swept = true;
    }
    m->dead_lo[s] = m->dead_hi[s] = 0;
    for (uint32_t j = 0; j < k; j++)
        m_offer(m, s);
    return k;
}

/* ---- dead holds, stickers and places taken ----------------------------------- */

/* A reserve, book, reschedule or family booking at loc takes n stickers
 * (use_stock): false for SB_NO_STOCK.  A shelf with fewer than n first
 * reclaims every dead hold of loc, slot by slot; when the model cannot
 * tell whether it had fewer, they may or may not be back.  Either way the
 * answer is known: too few are left exactly when too few are left with
 * every dead hold back. */
static bool
m_stock_take(model *m, unsigned loc, uint32_t n)
{
    if (!m->use_stock)
        return true;
    int64_t lo[NLOC], hi[NLOC];
    m_shelves(m, lo, hi);
    if (lo[loc] < (int64_t)n) {
        bool surely = hi[loc] < (int64_t)n;
        for (int s = 0; s < (int)NSLOTS; s++) {
            if (m_location(s) != loc)
                continue;
            if (surely) {
                m->why = EV_FROM_SHELF;
                m_reclaim_slot(m, s);
            } else
                m->dead_lo[s] = 0;
        }
    }
    uint64_t used = 0;
    for (int i = 0; i < NPOOL; i++)
        if (m_has_place(m, &m->people[i]) && m_location(m->people[i].slot) == loc)
            used++;
    return m->stock_added[loc] >= used + n;
}

/* A reserve, book or reschedule found a free place in slot s.  When the
 * slot was full counting its dead holds, the place was one of theirs: that
 * dead hold is reclaimed.  True when it surely was (a call refused after
 * that frees the place: m_place_return). */
static bool
m_place_take(model *m, int s)
{
    uint32_t used = m->capacity[s] - m_slot(m, s).free;
    if (used + m->dead_lo[s] >= m->capacity[s]) {
        m->dead_lo[s]--;
        m->dead_hi[s]--;
        return true;
    }
    if (used + m->dead_hi[s] >= m->capacity[s])
        m->dead_hi[s]--; /* full or not: one fewer at most */
    return false;
}

/* A call refused after m_place_take gives the place back: a place taken
 * over from a dead hold is freed like any other, to the waiting list; a
 * fresh one just goes back (the model derives the counters).  In the
 * waiting sequences the bounds meet, so the model knows which it was. */
static void
m_place_return(model *m, int s, bool taken_over)
{
    if (taken_over)
        m_offer_back(m, s, 1, EV_FROM_REFUSED);
}

/* A family booking or move takes n places of slot s at once: when fewer
 * than n are left counting the dead holds, every dead hold of s is
 * reclaimed first (their places offered to the list), then it looks
 * again.  False for SB_FULL. */
static bool
m_places_take(model *m, int s, uint32_t n)
{
    uint64_t cap = m->capacity[s], used = cap - m_slot(m, s).free;
    if (used + m->dead_hi[s] + n <= cap)
        return true;
    if (used + m->dead_lo[s] + n > cap) {
        m->why = EV_FROM_FULL;
        m_reclaim_slot(m, s);
    } else
        m->dead_lo[s] = 0; /* maybe reclaimed (no waiting list here) */
    used = cap - m_slot(m, s).free;
    return used + n <= cap;
}

/* What the model knows of p's dead hold (ran out, not known reclaimed):
 * 1 not yet reclaimed, 0 reclaimed (or none), -1 either (a takeover in
 * its slot reclaimed one of several dead holds, the contract does not say
 * whose). */
static int
m_dead_fate(const model *m, const mperson *p)
{
    if (!m_ran_out(m, p) || p->swept)
        return 0;
    int s = p->slot;
    if (m->dead_lo[s] == m_unreclaimed(m, s))
        return 1;
    return m->dead_hi[s] == 0 ? 0 : -1;
}

/* The person's dead hold, replaced by their own successful call, is
 * reclaimed now if nothing reclaimed it before: true when it surely was
 * not (its place is freed now and offered to the list). */
static bool
m_drop_dead(model *m, const mperson *p)
{
    if (!m_ran_out(m, p) || p->swept)
        return false;
    int s = p->slot, fate = m_dead_fate(m, p);
    uint32_t maybe = m_unreclaimed(m, s); /* p's among them */
    model_assert(fate >= 0 || !m->waiting, "an unsettled dead hold in a waiting sequence");
    if (m->dead_lo[s] > 0)
        m->dead_lo[s]--;
    if (m->dead_hi[s] > maybe - 1)
        m->dead_hi[s] = maybe - 1;
    return fate == 1;
}

/* Before p's own successful call (reserve, book, sb_wait, family booking)
 * replaces what they had: a dead hold is dropped (counted as expired) and
 * the link to a cancelled family ends.  Returns the slot whose place the
 * dead hold freed, -1 for none: the caller offers it (m_offer_back) once
 * p's new state is in place, as the engine does. */
static int
m_replace(model *m, mperson *p)
{
    int freed = -1;
    if (m_ran_out(m, p)) {
        m->expired_gone++;
        if (m_drop_dead(m, p))
            freed = p->slot;
    }
    p->link = -1;
    return freed;
}

/* ---- cancels ------------------------------------------------------------------ */

static sb_status
m_cancel_want(const model *m, const mperson *p, int pi)
{
    if (!p->valid)
        return SB_INVALID_ID;
    if (p->state == P_REDEEMED || m_member_redeemed(m, p, pi))
        return SB_USED;
    if (p->state == P_MEMBER)
        return m_over_limit(m, m->fams[p->fam].changes) ? SB_LIMIT : SB_OK;
    if (p->state == P_WAITING)
        return SB_OK; /* leaving the list is no change */
    if (!m_live(m, p) && p->state != P_BOOKED)
        return SB_NOT_FOUND; /* nothing, or a hold that ran out */
    if (m_over_limit(m, p->changes))
        return SB_LIMIT;
    return SB_OK;
}

/* The places a family leaves when it is cancelled: its members' not yet
 * redeemed. */
static uint32_t
m_family_places(const mfamily *f)
{
    return (uint32_t)f->n - (uint32_t)__builtin_popcount(f->redeemed);
}

/* Any member cancels the family: the members not yet redeemed have nothing
 * now (the family's changes counted for each), the redeemed stay redeemed,
 * and the places left are offered to the list. */
static void
m_family_cancel(model *m, mfamily *f)
{
    m_count_change(&f->changes);
    f->state = F_CANCELLED;
    m->codes[f->code].status = C_CANCELLED;
    for (int i = 0; i < f->n; i++) {
        mperson *q = &m->people[f->member[i]];
        if (f->redeemed >> i & 1u)
            continue;
        q->state = P_NONE;
        uint32_t c = q->changes + f->changes - f->base;
        q->changes = c < MOST_CHANGES ? c : MOST_CHANGES;
    }
    uint32_t k = m_family_places(f);
    m->events[EV_FAMILY_CANCEL]++;
    m->events[EV_FAMILY_PARTLY] += f->redeemed != 0;
    m_offer_back(m, f->slot, k, EV_FROM_FAMILY);
}

static void
m_cancel(model *m, mperson *p)
{
    int s = p->slot;
    switch (p->state) {
    case P_WAITING:
        p->state = P_NONE;
        return;
    case P_MEMBER:
        m_family_cancel(m, &m->fams[p->fam]);
        return;
    case P_BOOKED:
        m->codes[p->latest].status = C_CANCELLED;
        break;
    default: /* a live hold */
        break;
    }
    p->state = P_NONE;
    m_count_change(&p->changes);
    m_offer_back(m, s, 1, EV_FROM_CANCEL);
}

/* ---- one run: engine, model, clock, and where we are ------------------------ */

typedef struct run {
    uint64_t seed;
    const uint8_t *input; /* model_run_bytes: the choices, after the seed's two bytes */
    size_t input_size;
    int step, steps;
    int audit_every, check_every; /* sb_audit, check_everything every so many steps */
    char desc[768];
    char msg[2048];
    jmp_buf fail;
    draws r;
    fake_clock clock;
    sb_engine *e;
    model m;
    uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES];
    /* sb_expire calls, holds they reclaimed, calls whose count the model
     * knew exactly, calls that found dead holds already taken over */
    uint64_t sweeps[4];
    uint64_t walks[2];    /* sb_each_booking calls that walked, bookings shown */
    uint64_t shelves[2];  /* sb_stock_read answers checked against bounds, exactly */
    int64_t shelved;      /* stickers on all shelves at least, at the last check */
    uint64_t settles;     /* sb_expire calls made first to settle dead holds */
    uint64_t families[2]; /* families booked, members booked in them */
} run;

#define FAIL(run_, ...)                                                                          \
    do {                                                                                         \
        char what_[640];                                                                         \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                              \
        snprintf((run_)->msg, sizeof(run_)->msg,                                                 \
                 "seed %" PRIu64 " (use_stock %d, max_changes %" PRIu32 ", max_waiting %" PRIu32 \
                 ", max_families %" PRIu32 ") step %d (now %" PRIu64 "): %s: %s",                \
                 (run_)->seed, (int)(run_)->m.use_stock, (run_)->m.max_changes,                  \
                 (run_)->m.max_waiting, (run_)->m.max_families, (run_)->step,                    \
                 (run_)->m.now - CLOCK_START, (run_)->desc, what_);                              \
        longjmp((run_)->fail, 1);                                                                \
    } while (0)

/* MODEL_TRACE=1 in the environment: a failing sequence prints its last
 * calls (full checks left out); MODEL_CHECK_ALL=1: every slot, person, walk
 * and shelf is checked after every step, not every 500 (slow, for finding
 * the first step that went wrong). */
static bool trace_on, check_all;
#define TRACE_LEN 64
static char trace[TRACE_LEN][800];
static int traced;

static void
expect_status(run *r, sb_status want, sb_status got)
{
    if (trace_on && strncmp(r->desc, "full check", 10) != 0)
        snprintf(trace[traced++ % TRACE_LEN], sizeof trace[0], "step %d (now %" PRIu64 "): %s: %s",
                 r->step, r->m.now - CLOCK_START, r->desc, sb_status_name(got));
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
    if (!dchance(&r->r, 60))
        return slot_at((int)dbelow(&r->r, NSLOTS));
    sb_slot s = slot_at((int)dbelow(&r->r, NSLOTS));
    switch (dbelow(&r->r, 7)) {
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
        s.day = dchance(&r->r, 500) ? INT32_MIN : INT32_MAX;
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
    return p->state == P_BOOKED || p->state == P_MEMBER;
}

static bool
is_waiting(const model *m, const mperson *p)
{
    (void)m;
    return p->state == P_WAITING;
}

static bool
is_member(const model *m, const mperson *p)
{
    (void)m;
    return p->state == P_MEMBER;
}

/* valid and without a live hold or booking: may wait or join a family */
static bool
is_free(const model *m, const mperson *p)
{
    return p->valid && !m_has_place(m, p);
}

/* a person of the pool: with probability permille one that satisfies pred
 * (when there is one), else anyone, invalid BSNs included */
static int
pick_person(run *r, person_pred pred, uint32_t permille)
{
    if (pred && dchance(&r->r, permille)) {
        int cand[NPOOL], n = 0;
        for (int i = 0; i < NPOOL; i++)
            if (pred(&r->m, &r->m.people[i]))
                cand[n++] = i;
        if (n > 0)
            return cand[dbelow(&r->r, (uint32_t)n)];
    }
    return (int)dbelow(&r->r, NPOOL);
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
add_code(run *r, int owner, int fam, uint32_t gen, int slot, const char *text)
{
    model *m = &r->m;
    check_code_shape(r, text);
    for (size_t i = 0; i < m->ncodes; i++)
        if (strcmp(m->codes[i].text, text) == 0)
            FAIL(r, "issued code %s was already issued (to pool #%d)", text, m->codes[i].owner);
    if (m->ncodes == m->capcodes) {
        m->capcodes = m->capcodes ? 2 * m->capcodes : 256;
        m->codes = realloc(m->codes, m->capcodes * sizeof *m->codes);
        model_assert_ptr(m->codes);
    }
    mcode *c = &m->codes[m->ncodes];
    memcpy(c->text, text, SB_CODE_SIZE);
    c->owner = owner;
    c->fam = fam;
    c->gen = gen;
    c->status = C_LIVE;
    c->slot = slot;
    return (int)m->ncodes++;
}

/* The same code spelled differently: case, O for 0, I/L for 1, separators
 * dropped, changed or added, padded up to SB_CODE_INPUT_MAX characters. */
static void
respell(draws *g, const char *code, char *out, size_t size)
{
    size_t o = 0;
    for (const char *c = code; *c && o + 3 < size; c++) {
        char ch = *c;
        if (ch == '-') {
            uint32_t k = dbelow(g, 4);
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
        if (ch == '0' && dchance(g, 300))
            ch = dchance(g, 500) ? 'O' : 'o';
        else if (ch == '1' && dchance(g, 400))
            ch = "IiLl"[dbelow(g, 4)];
        else if (ch >= 'A' && ch <= 'Z' && dchance(g, 500))
            ch = (char)(ch - 'A' + 'a');
        out[o++] = ch;
        if (dchance(g, 50))
            out[o++] = dchance(g, 500) ? ' ' : '-';
    }
    if (dchance(g, 200))
        while (o < SB_CODE_INPUT_MAX && o + 1 < size)
            out[o++] = ' ';
    out[o] = '\0';
}

/* A single-symbol change or another malformation of a genuine code: never
 * genuine. */
static void
mutate(draws *g, const char *code, char *out, size_t size)
{
    char norm[17];
    int n = 0;
    for (const char *c = code; *c; c++)
        if (*c != '-')
            norm[n++] = *c;
    norm[16] = '\0';
    int at = (int)dbelow(g, 16);
    switch (dbelow(g, 6)) {
    case 0: /* another symbol in one place */
    case 1: {
        char ch;
        do
            ch = CROCKFORD[dbelow(g, 32)];
        while (ch == norm[at]);
        norm[at] = ch;
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", norm, norm + 4, norm + 8, norm + 12);
        break;
    }
    case 2: /* a character that is no symbol */
        norm[at] = "UuU*#!_+.,/"[dbelow(g, 11)];
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", norm, norm + 4, norm + 8, norm + 12);
        break;
    case 3: /* one symbol missing */
        memmove(norm + at, norm + at + 1, (size_t)(16 - at));
        snprintf(out, size, "%s", norm);
        break;
    case 4: /* one symbol too many */
        snprintf(out, size, "%s%c", norm, CROCKFORD[dbelow(g, 32)]);
        break;
    default: { /* genuine, but longer than SB_CODE_INPUT_MAX characters */
        size_t len = SB_CODE_INPUT_MAX + 1 + dbelow(g, 8);
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
garbage(draws *g, char *out, size_t size)
{
    switch (dbelow(g, 4)) {
    case 0:
        snprintf(out, size, "%s", "");
        break;
    case 1: { /* 16 random symbols: genuine with probability 2^-40 */
        char s[17];
        for (int i = 0; i < 16; i++)
            s[i] = CROCKFORD[dbelow(g, 32)];
        s[16] = '\0';
        snprintf(out, size, "%.4s-%.4s-%.4s-%.4s", s, s + 4, s + 8, s + 12);
        break;
    }
    case 2: { /* random printable characters */
        size_t len = dbelow(g, 40);
        for (size_t i = 0; i < len && i + 1 < size; i++)
            out[i] = (char)(32 + dbelow(g, 95));
        out[len < size ? len : size - 1] = '\0';
        break;
    }
    default: { /* random bytes, high ones included */
        size_t len = 1 + dbelow(g, 24);
        for (size_t i = 0; i < len && i + 1 < size; i++)
            out[i] = (char)(1 + dbelow(g, 255));
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
           a->deadline_ms == b->deadline_ms && a->position == b->position &&
           a->last_day == b->last_day;
}

static const char *
booking_str(const sb_booking *b, char buf[192])
{
    char s[64];
    snprintf(buf, 192,
             "{bsn %09" PRIu32 ", slot %s, state %d, deadline %" PRIu64 ", position %" PRIu32
             ", last day %+" PRId64 "}",
             b->bsn, slot_str(b->slot, s), (int)b->state, b->deadline_ms, b->position,
             (int64_t)b->last_day - first_day);
    return buf;
}

static void
expect_booking(run *r, const char *what, const sb_booking *want, const sb_booking *got)
{
    char a[192], b[192];
    if (!booking_eq(want, got))
        FAIL(r, "%s: expected %s, got %s", what, booking_str(want, a), booking_str(got, b));
}

/* what sb_lookup shows of pool #pi (who has something) */
static sb_booking
m_booking(const model *m, int pi)
{
    const mperson *p = &m->people[pi];
    sb_booking b;
    memset(&b, 0, sizeof b);
    b.bsn = p->bsn;
    switch (p->state) {
    case P_WAITING:
        b.slot = (sb_slot){p->wloc, 0, first_day + p->wfrom};
        b.state = SB_STATE_WAITING;
        b.position = m_position(m, p);
        b.last_day = first_day + p->wto;
        break;
    case P_HELD:
        b.slot = slot_at(p->slot);
        b.state = SB_STATE_HELD;
        b.deadline_ms = p->deadline;
        break;
    case P_MEMBER:
        b.slot = slot_at(p->slot);
        b.state = m_member_redeemed(m, p, pi) ? SB_STATE_REDEEMED : SB_STATE_BOOKED;
        break;
    default:
        b.slot = slot_at(p->slot);
        b.state = p->state == P_BOOKED ? SB_STATE_BOOKED : SB_STATE_REDEEMED;
        break;
    }
    return b;
}

/* ---- the operations, each: engine call, model answer, compare, apply -------- */

static void
op_location(run *r, bool open)
{
    model *m = &r->m;
    uint16_t loc = dchance(&r->r, 100) ? (dchance(&r->r, 500) ? NLOC : UINT16_MAX)
                                       : (uint16_t)dbelow(&r->r, NLOC);
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
    uint32_t places = dbelow(&r->r, 4);
    uint32_t k = dbelow(&r->r, 1000);
    if (i >= 0 && cap > 0 && k < 30) /* past UINT32_MAX */
        places = k < 10 ? UINT32_MAX : UINT32_MAX - cap + 1u + dbelow(&r->r, cap);
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
    if (want != SB_OK)
        return;
    m->capacity[i] += places;
    /* The new places go to the people waiting they fit, one by one, until
     * one finds nobody (or no sticker). */
    m->why = EV_FROM_RELEASE;
    for (uint32_t given = 0; given < places && m_offer(m, i); given++) {
    }
}

static void op_expire(run *r);
static void check_slot(run *r, sb_slot s);
static int32_t pick_day(run *r);

/* Before a call that may drop p's dead hold (p's own reserve, book, wait
 * or family booking) frees its place to the waiting list, the model must
 * know whether a takeover reclaimed it already, which the contract leaves
 * open (see the top): then the sequence calls sb_expire first, which
 * reclaims every dead hold.  So too when p's reserve or book into slot i
 * (-1: none) may itself take over one of several dead holds there, p's
 * own among them. */
static bool
needs_settle(const model *m, const mperson *p, int i)
{
    if (!m->waiting || !p->valid)
        return false;
    int fate = m_dead_fate(m, p);
    return fate < 0 || (fate > 0 && i >= 0 && p->slot == i && m->dead_lo[i] > 1);
}

static void
settle(run *r)
{
    r->settles++;
    op_expire(r);
}

/* reserve (code == false) or book */
static void
op_take(run *r, bool book)
{
    model *m = &r->m;
    int pi = pick_person(r, is_waiting, 100);
    mperson *p = &m->people[pi];
    sb_slot s = pick_slot(r);
    if (p->state == P_WAITING && dchance(&r->r, 700)) /* a place they wait for */
        s = (sb_slot){p->wloc, (uint16_t)dbelow(&r->r, NWIN),
                      first_day + p->wfrom +
                          (int32_t)dbelow(&r->r, (uint32_t)(p->wto - p->wfrom + 1))};
    int i = slot_index(s);
    if (needs_settle(m, p, i))
        settle(r);
    char b[64];
    describe(r, "sb_%s(%09" PRIu32 " = pool #%d, %s)", book ? "book" : "reserve", p->bsn, pi,
             slot_str(s, b));
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    sb_status got = book ? sb_book(r->e, p->bsn, s, code) : sb_reserve(r->e, p->bsn, s);
    count(r, book ? SB_OP_BOOK : SB_OP_RESERVE, got);

    /* m_stock_take also applies what looking at the shelf does: the chain
     * stops where the engine stops.  Its reclaim may give a waiting person
     * a hold, this one included: the engine then finds them busy once it
     * has the place (and gives place and sticker back). */
    sb_status want = SB_OK;
    bool late = false;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (i < 0)
        want = SB_INVALID_ARG;
    else if (!m->open[s.location])
        want = SB_CLOSED;
    else if (m_has_place(m, p))
        want = SB_DUPLICATE;
    else if (!m_stock_take(m, s.location, 1))
        want = SB_NO_STOCK;
    else if (m_slot(m, i).free == 0)
        want = SB_FULL;
    else if (!p->stored && m->stored == MAX_PEOPLE)
        want = SB_NOMEM;
    else if ((late = m_has_place(m, p))) {
        want = SB_DUPLICATE;
        m->events[EV_OWN_CALL_OFFER]++;
    } else if (book && p->gen == MAX_GEN)
        want = SB_NOMEM;
    expect_status(r, want, got);
    if (book && got != SB_OK)
        for (size_t k = 0; k < sizeof code; k++)
            if (code[k] != '#')
                FAIL(r, "sb_book wrote the code buffer on %s", sb_status_name(got));
    /* A call that got as far as taking a place may have taken over a dead
     * hold of this slot (and freed the place again when refused). */
    if (want == SB_OK || want == SB_NOMEM || late) {
        bool taken_over = m_place_take(m, i);
        if (want != SB_OK) {
            m_place_return(m, i, taken_over);
            check_slot(r, s); /* a refused call left the slot as the model says */
        }
    }
    if (want != SB_OK)
        return;
    int freed = m_replace(m, p);
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
        p->latest = add_code(r, pi, -1, p->gen, i, code);
    } else {
        p->state = P_HELD;
        p->deadline = m->now + HOLD_MS;
    }
    if (freed >= 0)
        m_offer_back(m, freed, 1, EV_FROM_DROP);
}

static void
op_confirm(run *r)
{
    model *m = &r->m;
    int pi = dchance(&r->r, 700) ? pick_person(r, is_live_held, 900) : pick_person(r, is_held, 700);
    mperson *p = &m->people[pi];
    describe(r, "sb_confirm(%09" PRIu32 " = pool #%d)", p->bsn, pi);
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    sb_status got = sb_confirm(r->e, p->bsn, code);
    count(r, SB_OP_CONFIRM, got);

    sb_status want;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (p->state == P_NONE || p->state == P_WAITING)
        want = SB_NOT_FOUND;
    else if (p->state == P_BOOKED || p->state == P_REDEEMED || p->state == P_MEMBER)
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
    p->latest = add_code(r, pi, -1, p->gen, p->slot, code);
}

static void
op_cancel(run *r)
{
    model *m = &r->m;
    int pi = pick_person(r, dchance(&r->r, 200) ? is_member : is_active, 700);
    mperson *p = &m->people[pi];
    mfamily *f = p->state == P_MEMBER ? &m->fams[p->fam] : NULL;
    describe(r, "sb_cancel(%09" PRIu32 " = pool #%d)%s", p->bsn, pi,
             f                       ? ", a member of a family"
             : p->state == P_WAITING ? ", waiting"
                                     : "");
    sb_status got = sb_cancel(r->e, p->bsn);
    count(r, SB_OP_CANCEL, got);
    sb_status want = m_cancel_want(m, p, pi);
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
    else if (m_has_place(m, p) || p->state == P_WAITING)
        want = SB_OK;
    else
        want = SB_NOT_FOUND; /* never had one, cancelled, or ran out */
    expect_status(r, want, got);
    if (want == SB_OK) {
        sb_booking want_b = m_booking(m, pi);
        m->events[EV_WAIT_LOOKUP] += p->state == P_WAITING;
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

/* ---- codes presented ------------------------------------------------------- */

/* whether pool #pi may present code ci as their own: its holder, or a
 * member of the family it was issued to */
static bool
code_of(const model *m, int ci, int pi)
{
    const mcode *c = &m->codes[ci];
    return c->owner == pi || (c->fam >= 0 && m_member_index(&m->fams[c->fam], pi) >= 0);
}

/* sb_verify and sb_redeem of code ci (-1: not a genuine code) presented by
 * pool #pi, by the header.  A family's code verifies for each member and
 * nobody else, per member: SB_USED once that member was redeemed,
 * SB_CANCELLED once the family was moved (an older code) or cancelled.
 * The one exception is documented in README.md ("Edges worth knowing"): a
 * member, not the leader, who left a cancelled family and booked alone
 * since gets SB_WRONG_HOLDER; the library does so once the member made any
 * change of their own (reserve, book, sb_wait, another family: p->link),
 * and so does the model. */
static sb_status
present_want(const model *m, int ci, int pi)
{
    const mperson *p = &m->people[pi];
    if (!p->valid)
        return SB_INVALID_ID;
    if (ci < 0)
        return SB_FORGED;
    const mcode *c = &m->codes[ci];
    if (c->fam < 0) {
        if (c->owner != pi)
            return SB_WRONG_HOLDER;
        return c->status == C_LIVE ? SB_OK : c->status == C_USED ? SB_USED : SB_CANCELLED;
    }
    const mfamily *f = &m->fams[c->fam];
    int idx = m_member_index(f, pi);
    if (idx < 0 || (idx > 0 && p->link != c->fam))
        return SB_WRONG_HOLDER;
    if (ci != f->code)
        return SB_CANCELLED;
    if (f->redeemed >> idx & 1u)
        return SB_USED;
    return f->state == F_CANCELLED ? SB_CANCELLED : SB_OK;
}

/* counts the documented edge: a former member refused their old code */
static void
note_former_member(model *m, int ci, int pi, sb_status want)
{
    if (want == SB_WRONG_HOLDER && ci >= 0 && m->codes[ci].fam >= 0 &&
        m_member_index(&m->fams[m->codes[ci].fam], pi) > 0)
        m->events[EV_FORMER_MEMBER]++;
}

/* what sb_verify fills in for SB_OK and SB_USED */
static sb_booking
present_booking(const model *m, int ci, int pi, sb_status want)
{
    sb_booking b;
    memset(&b, 0, sizeof b);
    b.bsn = m->people[pi].bsn;
    b.slot = slot_at(m->codes[ci].slot);
    b.state = want == SB_OK ? SB_STATE_BOOKED : SB_STATE_REDEEMED;
    return b;
}

/* sb_redeem of code ci by pool #pi answered SB_OK */
static void
m_redeem(model *m, int ci, int pi)
{
    mcode *c = &m->codes[ci];
    if (c->fam < 0) {
        c->status = C_USED;
        m->people[pi].state = P_REDEEMED;
        return;
    }
    mfamily *f = &m->fams[c->fam];
    f->redeemed |= 1u << m_member_index(f, pi);
    m->events[EV_MEMBER_REDEEM]++;
}

/* sb_verify(code ci, pool #pi) now, against the model: what a call that
 * changed a booking must have changed at once */
static void
check_code(run *r, int ci, int pi, const char *what)
{
    model *m = &r->m;
    sb_booking got_b;
    memset(&got_b, 0xab, sizeof got_b);
    sb_status want = present_want(m, ci, pi);
    note_former_member(m, ci, pi, want);
    sb_status got = sb_verify(r->e, m->codes[ci].text, m->people[pi].bsn, &got_b);
    count(r, SB_OP_VERIFY, got);
    if (got != want)
        FAIL(r, "%s: sb_verify(code #%d %s, pool #%d) answered %s, expected %s", what, ci,
             m->codes[ci].text, pi, sb_status_name(got), sb_status_name(want));
    if (want == SB_OK || want == SB_USED) {
        sb_booking want_b = present_booking(m, ci, pi, want);
        expect_booking(r, what, &want_b, &got_b);
    }
}

/* ---- reschedule ------------------------------------------------------------- */

/* a slot to move a booking to: where it is, another at its location, or
 * anywhere (outside the engine included) */
static sb_slot
pick_move(run *r, const mperson *p)
{
    uint32_t k = (uint32_t)dbelow(&r->r, 100);
    if (p->slot < 0 || k >= 50)
        return pick_slot(r);
    sb_slot s = slot_at(p->slot);
    if (k >= 10) {
        s.day = first_day + (int32_t)dbelow(&r->r, NDAYS);
        s.window = (uint16_t)dbelow(&r->r, NWIN);
    }
    return s;
}

/* sb_reschedule of a family member's booking: the family's answer */
static sb_status
m_family_move_want(model *m, const mfamily *f, int i, sb_slot s)
{
    uint32_t n = (uint32_t)f->n;
    if (f->redeemed)
        return SB_USED;
    if (f->slot == i)
        return SB_DUPLICATE;
    if (m_over_limit(m, f->changes))
        return SB_LIMIT;
    if (!m->open[s.location])
        return SB_CLOSED;
    if (m_location(f->slot) != s.location && !m_stock_take(m, s.location, n))
        return SB_NO_STOCK;
    if (!m_places_take(m, i, n))
        return SB_FULL;
    if (m->people[f->member[0]].gen == MAX_GEN)
        return SB_NOMEM;
    return SB_OK;
}

/* the family moved to slot i with a new code: the old places (and, to
 * another location, their stickers) are free, the places offered to the
 * list */
static void
m_family_move(run *r, mfamily *f, int fi, int i, const char *code)
{
    model *m = &r->m;
    int from = f->slot;
    uint32_t n = (uint32_t)f->n;
    m->codes[f->code].status = C_CANCELLED;
    f->slot = i;
    f->gen++;
    m->people[f->member[0]].gen = f->gen;
    m_count_change(&f->changes);
    f->code = add_code(r, f->member[0], fi, f->gen, i, code);
    for (int k = 0; k < f->n; k++) {
        m->people[f->member[k]].slot = i;
        m->people[f->member[k]].latest = f->code;
    }
    m_offer_back(m, from, n, EV_FROM_FAMILY);
    m->events[EV_FAMILY_MOVE]++;
}

static void
op_reschedule(run *r)
{
    model *m = &r->m;
    int pi = pick_person(r, is_booked, 700);
    mperson *p = &m->people[pi];
    sb_slot s = pick_move(r, p);
    int i = slot_index(s);
    bool no_code = dchance(&r->r, 10);
    int fi = p->state == P_MEMBER ? p->fam : -1;
    mfamily *f = fi >= 0 ? &m->fams[fi] : NULL;
    char b[64], a[64];
    describe(r, "sb_reschedule(%09" PRIu32 " = pool #%d, %s%s) from %s, %" PRIu32 " changes%s",
             p->bsn, pi, slot_str(s, b), no_code ? ", NULL code" : "",
             p->slot < 0 ? "nowhere" : slot_str(slot_at(p->slot), a), f ? f->changes : p->changes,
             f ? ", a member of a family" : "");
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
    else if (f)
        want = m_family_move_want(m, f, i, s);
    else if (p->state == P_REDEEMED)
        want = SB_USED;
    else if (p->state != P_BOOKED)
        want = SB_NOT_FOUND; /* nothing, or only a hold (live or not), or waiting */
    else if (p->slot == i)
        want = SB_DUPLICATE;
    else if (m_over_limit(m, p->changes))
        want = SB_LIMIT;
    else if (!m->open[s.location])
        want = SB_CLOSED;
    else if (m_location(p->slot) != s.location && !m_stock_take(m, s.location, 1))
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
    if (!f && (want == SB_OK || want == SB_NOMEM)) {
        bool taken_over = m_place_take(m, i);
        if (want != SB_OK)
            m_place_return(m, i, taken_over);
    }
    int old = p->latest;
    if (want == SB_OK && f) {
        m_family_move(r, f, fi, i, code);
    } else if (want == SB_OK) {
        int from = p->slot;
        m->codes[old].status = C_CANCELLED;
        p->slot = i;
        p->gen++;
        m_count_change(&p->changes);
        p->latest = add_code(r, pi, -1, p->gen, i, code);
        m_offer_back(m, from, 1, EV_FROM_MOVE);
    }
    /* at once: the person where the model says (moved, or nothing
     * changed), the new code verifying there, the old one cancelled */
    check_lookup(r, pi);
    if (old >= 0 && want == SB_OK)
        check_code(r, old, pi, "then the old code");
    if (p->latest >= 0 && (p->state == P_BOOKED || p->state == P_MEMBER))
        check_code(r, p->latest, pi, "then the latest code");
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
    uint32_t k = (uint32_t)dbelow(&r->r, 100);
    if (m->ncodes == 0)
        k = 90;
    if (k < 45) { /* the person's own latest code, maybe respelled */
        pi = redeem ? pick_person(r, dchance(&r->r, 400) ? is_member : is_booked, 300)
                    : pick_person(r, has_code, 800);
        ci = m->people[pi].latest;
        if (ci < 0) {
            garbage(&r->r, text, sizeof text);
            kind = "garbage (no code of their own)";
        } else if (dchance(&r->r, 250)) {
            respell(&r->r, m->codes[ci].text, text, sizeof text);
            kind = "own latest code, respelled";
        } else {
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
            kind = "own latest code";
        }
    } else if (k < 60) { /* one of the person's older codes, their families' included */
        pi = pick_person(r, has_code, 900);
        int own[64], n = 0;
        for (size_t c = m->ncodes; c-- > 0 && n < 64;)
            if (code_of(m, (int)c, pi))
                own[n++] = (int)c;
        if (n == 0) {
            garbage(&r->r, text, sizeof text);
            kind = "garbage (no code of their own)";
        } else {
            ci = own[dbelow(&r->r, (uint32_t)n)];
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
            kind = "one of their codes";
        }
    } else if (k < 75) { /* somebody's code, presented by anyone */
        ci = (int)dbelow(&r->r, (uint32_t)m->ncodes);
        pi = pick_person(r, NULL, 0);
        if (dchance(&r->r, 300))
            respell(&r->r, m->codes[ci].text, text, sizeof text);
        else
            snprintf(text, sizeof text, "%s", m->codes[ci].text);
        kind = "somebody's code";
    } else if (k < 88) { /* an altered code, presented by its holder */
        int c = (int)dbelow(&r->r, (uint32_t)m->ncodes);
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
    describe(r, "sb_%s(\"%s\" [%s, code #%d%s], %09" PRIu32 " = pool #%d)",
             redeem ? "redeem" : "verify", shown, kind, ci,
             ci >= 0 && m->codes[ci].fam >= 0 ? ", a family's" : "", p->bsn, pi);

    sb_booking got_b;
    memset(&got_b, 0xab, sizeof got_b);
    sb_status got = redeem ? sb_redeem(r->e, text, p->bsn) : sb_verify(r->e, text, p->bsn, &got_b);
    count(r, redeem ? SB_OP_REDEEM : SB_OP_VERIFY, got);

    sb_status want = present_want(m, ci, pi);
    note_former_member(m, ci, pi, want);
    expect_status(r, want, got);
    if (!redeem && (want == SB_OK || want == SB_USED)) {
        sb_booking want_b = present_booking(m, ci, pi, want);
        expect_booking(r, "sb_verify's booking", &want_b, &got_b);
    }
    if (redeem && want == SB_OK)
        m_redeem(m, ci, pi);
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
    uint16_t loc = dchance(&r->r, 80) ? (dchance(&r->r, 500) ? NLOC : UINT16_MAX)
                                      : (uint16_t)dbelow(&r->r, NLOC);
    int32_t from;
    uint32_t k = dbelow(&r->r, 100);
    if (k < 3)
        from = INT32_MIN;
    else if (k < 6)
        from = INT32_MAX;
    else
        from = first_day - 3 + (int32_t)dbelow(&r->r, NDAYS + 6);
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
    if (dchance(&r->r, unknown_permille))
        return dchance(&r->r, 500) ? NLOC : UINT16_MAX;
    return (uint16_t)dbelow(&r->r, NLOC);
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
    bool null_out = dchance(&r->r, 300);
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
    uint32_t k = dbelow(&r->r, 10);
    uint32_t n = k < 2   ? 0
                 : k < 9 ? 1 + (uint32_t)dbelow(&r->r, 3)
                         : 4 + (uint32_t)dbelow(&r->r, 12);
    describe(r, "sb_stock_add(%u, %" PRIu32 ")", (unsigned)loc, n);
    sb_status got = sb_stock_add(r->e, loc, n);
    count(r, SB_OP_STOCK, got);
    sb_status want = m->use_stock && loc < NLOC ? SB_OK : SB_INVALID_ARG;
    expect_status(r, want, got);
    if (want == SB_OK)
        m->stock_added[loc] += n;
}

/* ---- the waiting list ------------------------------------------------------- */

static void
op_wait(run *r)
{
    model *m = &r->m;
    int pi = pick_person(r, is_free, 850);
    mperson *p = &m->people[pi];
    uint16_t loc = pick_location(r, 30);
    int32_t from, to;
    if (dchance(&r->r, 750)) { /* inside the horizon, mostly */
        from = first_day - 1 + (int32_t)dbelow(&r->r, NDAYS + 1);
        to = from + (int32_t)dbelow(&r->r, NDAYS + 1);
    } else {
        from = pick_day(r);
        to = pick_day(r);
    }
    if (needs_settle(m, p, -1))
        settle(r);
    describe(r,
             "sb_wait(%09" PRIu32 " = pool #%d, %u, day %" PRId32 "%+" PRId64 " .. %" PRId32
             "%+" PRId64 ") with %" PRIu32 " waiting there",
             p->bsn, pi, (unsigned)loc, first_day, (int64_t)from - first_day, first_day,
             (int64_t)to - first_day, loc < NLOC ? m_waiting_at(m, loc) : 0);
    sb_status got = sb_wait(r->e, p->bsn, loc, from, to);
    count(r, SB_OP_WAIT, got);

    int64_t f = (int64_t)from - first_day, t = (int64_t)to - first_day;
    f = f < 0 ? 0 : f;
    t = t > (int64_t)NDAYS - 1 ? (int64_t)NDAYS - 1 : t;
    sb_status want = SB_OK;
    if (!p->valid)
        want = SB_INVALID_ID;
    else if (!m->waiting || loc >= NLOC || f > t)
        want = SB_INVALID_ARG;
    else if (!m->open[loc])
        want = SB_CLOSED;
    else if (m_has_place(m, p) || p->state == P_WAITING)
        want = SB_DUPLICATE;
    else if (m_waiting_at(m, loc) >= m->max_waiting)
        want = SB_NOMEM;
    else if (!p->stored && m->stored == MAX_PEOPLE)
        want = SB_NOMEM;
    expect_status(r, want, got);
    if (want != SB_OK)
        return;
    if (!p->stored) {
        p->stored = true;
        m->stored++;
    }
    /* A dead hold given up by joining goes to those already waiting. */
    int freed = m_replace(m, p);
    p->state = P_NONE;
    if (freed >= 0)
        m_offer_back(m, freed, 1, EV_FROM_DROP);
    p->state = P_WAITING;
    p->wloc = loc;
    p->wfrom = (int32_t)f;
    p->wto = (int32_t)t;
    p->ticket = m->tickets++;
    p->slot = -1;
}

/* ---- families --------------------------------------------------------------- */

/* Whether the model must settle dead holds (sb_expire) before a family
 * booking of who[0..n) into slot i: the engine claims the members in the
 * order of its person numbers, which no call shows, and a claim drops the
 * member's dead hold, whose place goes to the list; and the call's own
 * reclaims (stock, places) may give a waiting member a hold, which stops
 * the family half-way through its claims.  Either way what happens hangs
 * on that order, so the sequence takes the dead holds away first. */
static bool
needs_group_settle(const model *m, const int *who, unsigned n, int i)
{
    if (!m->waiting)
        return false;
    for (unsigned k = 0; k < n; k++) {
        const mperson *p = &m->people[who[k]];
        if (!p->valid)
            continue;
        if (m_dead_fate(m, p) < 0)
            return true;
        if (m_dead_fate(m, p) > 0 && m_waiting_at(m, m_location(p->slot)) > 0)
            return true;
    }
    if (i < 0)
        return false;
    unsigned loc = m_location(i);
    bool dead = false, member_waits = false;
    for (int s = 0; s < (int)NSLOTS; s++)
        dead |= m_location(s) == loc && m->dead_hi[s] > 0;
    for (unsigned k = 0; k < n; k++)
        member_waits |= m->people[who[k]].state == P_WAITING && m->people[who[k]].wloc == loc;
    return dead && member_waits;
}

static int
new_family(run *r)
{
    model *m = &r->m;
    if (m->nfams == m->capfams) {
        m->capfams = m->capfams ? 2 * m->capfams : 64;
        m->fams = realloc(m->fams, m->capfams * sizeof *m->fams);
        model_assert_ptr(m->fams);
    }
    memset(&m->fams[m->nfams], 0, sizeof *m->fams);
    return (int)m->nfams++;
}

/* sb_book_group(_blocker)'s answer and blocker, by the header; applies what
 * the call did on the way (stickers and places reclaimed, members stored) */
static sb_status
m_group_want(model *m, const int *who, unsigned n, int i, sb_slot s, bool null_arg,
             unsigned *blocker)
{
    *blocker = n;
    if (null_arg || n == 0 || n > SB_FAMILY_MAX)
        return SB_INVALID_ARG;
    for (unsigned k = 0; k < n; k++)
        if (!m->people[who[k]].valid) {
            *blocker = k;
            return SB_INVALID_ID;
        }
    for (unsigned k = 0; k < n; k++)
        for (unsigned j = 0; j < k; j++)
            if (who[j] == who[k]) {
                *blocker = k;
                return SB_INVALID_ARG;
            }
    if (i < 0)
        return SB_INVALID_ARG;
    if (!m->open[s.location])
        return SB_CLOSED;
    for (unsigned k = 0; k < n; k++)
        if (m_has_place(m, &m->people[who[k]])) {
            *blocker = k;
            return SB_DUPLICATE;
        }
    if (!m_stock_take(m, s.location, n))
        return SB_NO_STOCK;
    if (!m_places_take(m, i, n))
        return SB_FULL;
    if (m->people[who[0]].gen == MAX_GEN) {
        *blocker = 0;
        return SB_NOMEM;
    }
    if (m->nfams >= m->max_families)
        return SB_NOMEM;
    /* A family refused for max_people stores none of its new members; the
     * blocker is the first new one past it. */
    unsigned stored = m->stored;
    for (unsigned k = 0; k < n; k++) {
        if (!m->people[who[k]].stored && stored++ == MAX_PEOPLE) {
            *blocker = k;
            return SB_NOMEM;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        mperson *p = &m->people[who[k]];
        if (!p->stored) {
            p->stored = true;
            m->stored++;
        }
    }
    for (unsigned k = 0; k < n; k++)
        model_assert(
            !m_has_place(m, &m->people[who[k]]),
            "a member got a hold during the call: the model cannot tell the claims' order");
    return SB_OK;
}

/* the family who[0..n) booked into slot i with code */
static void
m_family_book(run *r, const int *who, unsigned n, int i, const char *code)
{
    model *m = &r->m;
    int fi = new_family(r);
    mfamily *f = &m->fams[fi];
    mperson *leader = &m->people[who[0]];
    f->n = (int)n;
    f->slot = i;
    f->state = F_BOOKED;
    for (unsigned k = 0; k < n; k++) {
        f->member[k] = who[k];
        if (m->people[who[k]].changes > f->base)
            f->base = m->people[who[k]].changes;
    }
    f->changes = f->base;
    f->gen = ++leader->gen;
    f->code = add_code(r, who[0], fi, f->gen, i, code);
    for (unsigned k = 0; k < n; k++) {
        mperson *p = &m->people[who[k]];
        int freed = m_replace(m, p);
        p->state = P_MEMBER;
        p->fam = fi;
        p->link = fi;
        p->slot = i;
        p->latest = f->code;
        p->swept = false;
        p->dead_noted = false;
        if (freed >= 0)
            m_offer_back(m, freed, 1, EV_FROM_DROP);
    }
    r->families[0]++;
    r->families[1] += n;
}

static void
op_group(run *r)
{
    model *m = &r->m;
    uint32_t k = (uint32_t)dbelow(&r->r, 1000);
    unsigned n = k < 15    ? 0
                 : k < 30  ? SB_FAMILY_MAX + 1
                 : k < 150 ? 4 + (unsigned)dbelow(&r->r, SB_FAMILY_MAX - 3)
                           : 1 + (unsigned)dbelow(&r->r, 3);
    int who[SB_FAMILY_MAX + 1];
    uint32_t bsns[SB_FAMILY_MAX + 1];
    for (unsigned j = 0; j < n; j++) {
        if (j > 0 && dchance(&r->r, 12)) { /* a BSN twice */
            who[j] = who[dbelow(&r->r, j)];
        } else {
            bool again;
            int tries = 0;
            do {
                who[j] = pick_person(r, is_free, 850);
                again = false;
                for (unsigned x = 0; x < j; x++)
                    again |= who[x] == who[j];
            } while (again && ++tries < 8);
        }
        bsns[j] = m->people[who[j]].bsn;
    }
    sb_slot s = pick_slot(r);
    int i = slot_index(s);
    bool null_bsns = dchance(&r->r, 5), null_code = dchance(&r->r, 5);
    uint32_t how = (uint32_t)dbelow(&r->r, 10); /* 0: sb_book_group; 1: a NULL blocker */
    if (needs_group_settle(m, who, n <= SB_FAMILY_MAX ? n : 0, i))
        settle(r);
    char b[64], list[160];
    int o = 0;
    for (unsigned j = 0; j < n && o < (int)sizeof list; j++)
        o += snprintf(list + o, sizeof list - (size_t)o, "%s#%d", j ? " " : "", who[j]);
    if (n == 0)
        snprintf(list, sizeof list, "nobody");
    describe(r, "sb_book_group%s(%s [pool %s], %u, %s%s)", how == 0 ? "" : "_blocker",
             null_bsns ? "NULL" : "bsns", list, n, slot_str(s, b), null_code ? ", NULL code" : "");
    char code[SB_CODE_SIZE];
    memset(code, '#', sizeof code);
    unsigned got_blocker = 0xdead;
    sb_status got =
        how == 0 ? sb_book_group(r->e, null_bsns ? NULL : bsns, n, s, null_code ? NULL : code)
                 : sb_book_group_blocker(r->e, null_bsns ? NULL : bsns, n, s,
                                         null_code ? NULL : code, how == 1 ? NULL : &got_blocker);
    count(r, SB_OP_BOOK_GROUP, got);

    unsigned want_blocker;
    sb_status want = m_group_want(m, who, n, i, s, null_bsns || null_code, &want_blocker);
    expect_status(r, want, got);
    if (how >= 2 && got_blocker != want_blocker)
        FAIL(r, "answered %s with blocker %u, expected %u", sb_status_name(got), got_blocker,
             want_blocker);
    if (got != SB_OK) {
        for (size_t x = 0; x < sizeof code; x++)
            if (code[x] != '#')
                FAIL(r, "sb_book_group wrote the code buffer on %s", sb_status_name(got));
        return;
    }
    m_family_book(r, who, n, i, code);
    /* at once: every member booked there, the code theirs */
    for (unsigned j = 0; j < n; j++)
        check_lookup(r, who[j]);
    check_code(r, m->people[who[0]].latest, who[dbelow(&r->r, n)], "then the family's code");
}

/* ---- sb_each_booking: one walk and what it must show ------------------------ */

typedef struct walk {
    run *r;
    bool want[NPOOL];    /* in range when the walk began */
    bool changed[NPOOL]; /* changed by a cancel inside the walk: may be seen or not */
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

/* whether pool #pi has a hold or booking at loc between from and to */
static bool
in_walk(const model *m, int pi, uint16_t loc, int32_t from, int32_t to)
{
    const mperson *p = &m->people[pi];
    if (!m_has_place(m, p))
        return false;
    sb_slot s = slot_at(p->slot);
    return s.location == loc && s.day >= from && s.day <= to;
}

/* fn cancels pool #pi inside the walk: a family's other members and the
 * people the list gives the freed places to change too, and the walk may
 * show them as they are now or not at all */
static int
walk_cancel(walk *w, int pi)
{
    run *r = w->r;
    model *m = &r->m;
    mperson *p = &m->people[pi];
    sb_booking before[NPOOL];
    bool had[NPOOL];
    for (int i = 0; i < NPOOL; i++) {
        had[i] = m_has_place(m, &m->people[i]);
        before[i] = m_booking(m, i);
    }
    sb_status want = m_cancel_want(m, p, pi);
    sb_status got = sb_cancel(r->e, p->bsn);
    count(r, SB_OP_CANCEL, got);
    if (got != want)
        return walk_fail(w, "sb_cancel(pool #%d) inside the walk: expected %s, got %s", pi,
                         sb_status_name(want), sb_status_name(got));
    if (want != SB_OK)
        return 0;
    m_cancel(m, p);
    for (int i = 0; i < NPOOL; i++) {
        sb_booking now = m_booking(m, i);
        if (had[i] != m_has_place(m, &m->people[i]) || !booking_eq(&before[i], &now))
            w->changed[i] = true;
    }
    return 0;
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
    char x[192], y[192];
    int call = ++w->calls;
    int pi = pool_index(m, b->bsn);
    if (pi < 0)
        return walk_fail(w, "call %d shows BSN %09" PRIu32 ", nobody in the pool", call, b->bsn);
    if (w->seen[pi])
        return walk_fail(w, "call %d shows pool #%d a second time", call, pi);
    w->seen[pi] = true;
    mperson *p = &m->people[pi];
    if (w->changed[pi] ? !m_has_place(m, p) : !w->want[pi])
        return walk_fail(w, "call %d shows pool #%d, who has nothing in range: %s", call, pi,
                         booking_str(b, x));
    sb_booking want_b = m_booking(m, pi);
    if (!booking_eq(&want_b, b))
        return walk_fail(w, "call %d shows pool #%d as %s, expected %s", call, pi,
                         booking_str(b, x), booking_str(&want_b, y));
    /* Decided per person, not by the order of the walk (the engine's
     * person numbers, which no call shows): the sequence stays the same
     * on every run as far as it can. */
    rng g = {dseed(&r->r) ^ (uint64_t)(pi + 1) * UINT64_C(0x9e3779b97f4a7c15)};
    if (rchance(&g, w->act)) {
        if (rchance(&g, 500)) {
            sb_booking got_b;
            memset(&got_b, 0xab, sizeof got_b);
            sb_status got = sb_lookup(r->e, p->bsn, &got_b);
            count(r, SB_OP_LOOKUP, got);
            if (got != SB_OK || !booking_eq(&want_b, &got_b))
                return walk_fail(w, "sb_lookup(pool #%d) inside the walk: %s %s, expected %s", pi,
                                 sb_status_name(got), booking_str(&got_b, x),
                                 booking_str(&want_b, y));
        } else if (walk_cancel(w, pi)) {
            return 1;
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
    for (int pi = 0; pi < NPOOL && loc < NLOC; pi++)
        w.want[pi] = in_walk(m, pi, loc, from, to);
    sb_status got = sb_each_booking(r->e, loc, from, to, no_fn ? NULL : walk_visit, &w);
    if (w.err[0])
        FAIL(r, "%s", w.err);
    sb_status want = no_fn || loc >= NLOC || from > to ? SB_INVALID_ARG : SB_OK;
    expect_status(r, want, got);
    if (want != SB_OK && w.calls != 0)
        FAIL(r, "fn was called %d times on %s", w.calls, sb_status_name(got));
    if (stop_after != 0 && w.calls > stop_after)
        FAIL(r, "fn was called %d times, it asked to stop at call %d", w.calls, stop_after);
    /* Everyone in range who did not change meanwhile was shown, unless fn
     * stopped the walk (then it was called exactly stop_after times). */
    bool stopped = stop_after != 0 && w.calls == stop_after;
    for (int pi = 0; pi < NPOOL && want == SB_OK && !stopped; pi++)
        if (w.want[pi] && !w.changed[pi] && !w.seen[pi]) {
            char x[192];
            sb_booking b = m_booking(m, pi);
            FAIL(r, "the walk missed pool #%d's %s", pi, booking_str(&b, x));
        }
    r->walks[0] += want == SB_OK;
    r->walks[1] += (uint64_t)w.calls;
}

/* a day for a walk's range: around the horizon, sometimes far out */
static int32_t
pick_day(run *r)
{
    uint32_t k = dbelow(&r->r, 100);
    if (k < 3)
        return INT32_MIN;
    if (k < 6)
        return INT32_MAX;
    return first_day - 2 + (int32_t)dbelow(&r->r, NDAYS + 4);
}

static void
op_each_booking(run *r)
{
    uint16_t loc = pick_location(r, 50);
    int32_t from = pick_day(r), to = pick_day(r);
    if (from > to && dchance(&r->r, 850)) {
        int32_t t = from;
        from = to;
        to = t;
    }
    bool no_fn = dchance(&r->r, 20);
    int stop_after = dchance(&r->r, 200) ? 1 + (int)dbelow(&r->r, 3) : 0;
    uint32_t act = dchance(&r->r, 300) ? 300 : 0;
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
    /* Slot by slot: each dead hold's sticker back, then its place to the
     * first person waiting it fits (exact in the waiting sequences, where
     * least == most). */
    if (m->waiting && least != most)
        FAIL(r, "the model lost track of dead holds in a waiting sequence");
    m->why = EV_FROM_EXPIRE;
    for (int s = 0; s < (int)NSLOTS; s++)
        m_reclaim_slot(m, s);
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

/* every code issued, presented by each person it was issued to (its
 * holder; a family's code: every member) */
static void
check_codes(run *r)
{
    model *m = &r->m;
    for (size_t c = 0; c < m->ncodes; c++) {
        const mcode *k = &m->codes[c];
        int n = k->fam >= 0 ? m->fams[k->fam].n : 1;
        for (int j = 0; j < n; j++) {
            int pi = k->fam >= 0 ? m->fams[k->fam].member[j] : k->owner;
            describe(r, "final check: sb_verify(\"%s\" [code #%zu%s], %09" PRIu32 " = pool #%d)",
                     k->text, c, k->fam >= 0 ? ", a family's" : "", m->people[pi].bsn, pi);
            check_code(r, (int)c, pi, "sb_verify's booking");
        }
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
    uint32_t k = dbelow(&r->r, 100);
    uint64_t dt = 0;
    if (k < 8) { /* to the very edge of a hold: its deadline, or 1 ms before */
        int pi = pick_person(r, is_live_held, 1000);
        const mperson *p = &r->m.people[pi];
        if (m_live(&r->m, p)) {
            r->clock.now = p->deadline - dbelow(&r->r, 2);
            if (r->clock.now < r->m.now)
                r->clock.now = r->m.now;
            r->m.now = r->clock.now;
            return;
        }
    }
    if (k < 45)
        dt = 0;
    else if (k < 80)
        dt = 1 + dbelow(&r->r, 50);
    else if (k < 95)
        dt = dbelow(&r->r, 1200);
    else
        dt = HOLD_MS + dbelow(&r->r, 3 * HOLD_MS); /* past any hold */
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
    uint32_t bad_check = m->people[dbelow(&r->r, NVALID)].bsn;
    bad_check = bad_check - bad_check % 10 + (bad_check % 10 + 1) % 10;
    m->people[n++].bsn = bad_check;
    m->people[n++].bsn = 123456789u;
    m->people[n++].bsn = 0;
    m->people[n++].bsn = dchance(&r->r, 500) ? 1000000000u : UINT32_MAX;
    for (int i = 0; i < NPOOL; i++) {
        mperson *p = &m->people[i];
        p->valid = bsn_ok(p->bsn);
        model_assert(p->valid == (i < NVALID), "the test pool misclassified a BSN");
        describe(r, "sb_bsn_valid(%09" PRIu32 ")", p->bsn);
        expect_status(r, p->valid ? SB_OK : SB_INVALID_ID,
                      sb_bsn_valid(p->bsn) ? SB_OK : SB_INVALID_ID);
        p->state = P_NONE;
        p->slot = -1;
        p->latest = -1;
        p->fam = -1;
        p->link = -1;
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
    uint32_t k = (uint32_t)dbelow(&r->r, 1185 + stock + release);
    if (k >= 1185 + stock)
        op_release(r);
    else if (k >= 1185)
        op_stock_add(r);
    else if (k >= 1135)
        op_wait(r);
    else if (k >= 1085)
        op_group(r);
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

/* Opens the engine with the settings the seed picks and makes the pool,
 * all from the seed's own sequence. */
static void
start(run *r)
{
    uint64_t seed = r->seed;
    /* splitmix64 walks one cycle by a fixed step: start each seed at a
     * scrambled point of it, not a few steps from its neighbour */
    r->r.g.s = seed;
    r->r.g.s = rnext(&r->r.g);
    r->clock.now = CLOCK_START + dbelow(&r->r, 1000000);
    r->m.now = r->clock.now;
    make_pool(r);
    sodium_rng_start(seed);

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
    /* A key of the seed's, so a sequence is the same on every run (codes
     * steer respell()). */
    for (size_t k = 0; k < sizeof o.code_key; k++)
        o.code_key[k] = (uint8_t)(seed * 131 + k + 1);
    /* Half the seeds without a change limit: with one, every person ends
     * up with a booking they may not give back, and the sequence goes
     * quiet.  Seeds 1..11 cover each pair of the two options. */
    r->m.use_stock = seed % 2 == 0;
    r->m.max_changes = seed / 2 % 2 == 0 ? 0 : 1 + (uint32_t)(seed / 4 % 3);
    o.use_stock = r->m.use_stock;
    o.max_changes = r->m.max_changes;
    /* A waiting list in four seeds of five, two of them short enough to
     * fill; family records from few (soon SB_NOMEM) to plenty, and none in
     * the last seed.  Each five seeds pair the list with both stock
     * settings. */
    static const uint32_t waiting[5] = {0, SB_WAITING_AUTO, 2, SB_WAITING_AUTO, 4};
    static const uint32_t families[4] = {100000, 3, SB_FAMILIES_AUTO, 100000};
    o.max_waiting = waiting[seed % 5];
    o.max_families = seed % 20 == 0 ? 0 : families[seed / 5 % 4];
    r->m.waiting = o.max_waiting != 0;
    r->m.max_waiting = o.max_waiting == SB_WAITING_AUTO ? 1024 : o.max_waiting;
    r->m.max_families = o.max_families == SB_FAMILIES_AUTO ? MAX_PEOPLE / 4 : o.max_families;
    describe(r, "sb_open");
    expect_status(r, SB_OK, sb_open(&o, &r->e));
}

/* The steps of one sequence and the checks at its end. */
__attribute__((noinline)) static void
sequence(run *r)
{
    start(r);
    if (r->input) { /* from here on, the choices are the input's */
        r->r.in = r->input;
        r->r.left = r->input_size;
    }
    for (r->step = 1; r->step <= r->steps && !ddry(&r->r); r->step++) {
        one_step(r);
        if (r->step % r->audit_every == 0)
            check_audit(r);
        if (r->step % r->check_every == 0 || check_all)
            check_everything(r);
    }
    describe(r, "end of sequence");
    check_audit(r);
    op_expire(r);
    check_everything(r);
    check_codes(r);
    check_stats(r);
}

static void
cover_add(model_cover *c, const run *r)
{
    for (int op = 0; op < SB_STATS_OPS; op++)
        for (int s = 0; s < SB_STATS_STATUSES; s++)
            c->tally[op][s] += r->tally[op][s];
    for (int k = 0; k < 4; k++)
        c->sweeps[k] += r->sweeps[k];
    for (int k = 0; k < 2; k++) {
        c->walks[k] += r->walks[k];
        c->shelves[k] += r->shelves[k];
        c->families[k] += r->families[k];
    }
    for (int k = 0; k < 3; k++)
        c->offers[k] += r->m.offers[k];
    for (int k = 0; k < EV_COUNT; k++)
        c->events[k] += r->m.events[k];
    c->settles += r->settles;
}

/* Runs the sequence r was set up for; NULL when engine and model agreed
 * throughout, else the first disagreement (in r).  Nothing here lives
 * across the longjmp but r. */
static const char *
guarded(run *r, model_cover *cover)
{
    first_day = sb_day_from_civil(2022, 3, 14);
    trace_on = getenv("MODEL_TRACE") != NULL;
    check_all = getenv("MODEL_CHECK_ALL") != NULL;
    traced = 0;
    const char *msg = NULL;
    if (setjmp(r->fail)) {
        for (int k = traced > TRACE_LEN ? traced - TRACE_LEN : 0; k < traced; k++)
            fprintf(stderr, "seed %" PRIu64 " %s\n", r->seed, trace[k % TRACE_LEN]);
        msg = r->msg;
    } else {
        sequence(r);
    }
    if (cover)
        cover_add(cover, r);
    sb_close(r->e);
    r->e = NULL;
    free(r->m.codes);
    r->m.codes = NULL;
    free(r->m.fams);
    r->m.fams = NULL;
    return msg;
}

static run the_run;

const char *
model_run_seed(uint64_t seed, int steps, model_cover *cover)
{
    run *r = &the_run;
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->steps = steps;
    r->audit_every = 16;
    r->check_every = 500;
    return guarded(r, cover);
}

const char *
model_run_bytes(const uint8_t *data, size_t size, int max_steps, model_cover *cover)
{
    run *r = &the_run;
    memset(r, 0, sizeof *r);
    static const uint8_t none[1];
    r->seed = size >= 2 ? (uint64_t)data[0] | (uint64_t)data[1] << 8 : 0;
    r->input = size > 2 ? data + 2 : none;
    r->input_size = size > 2 ? size - 2 : 0;
    r->steps = max_steps;
    r->audit_every = 1;
    r->check_every = 8;
    return guarded(r, cover);
}
