/*
 * Families under races, in two phases.
 *
 * Melee: families of one to six people, a few with members of their own and
 * most sharing members with others, race for the last places of a slot
 * while the members themselves race individual reserves, books, confirms
 * and cancels, and a manager redeems, cancels and moves families already
 * booked; holds run out, cancelled places wait for a delayed release, and
 * every hold and booking takes a sticker.  Leaders (bsns[0] of a family)
 * lead families and book alone, but never join a family led by someone
 * else, so that every code the test keeps is a leader's.
 *
 *   Checked while running: the statuses (and blockers) each call may give;
 *   every sb_slot_read answer keeps held + booked + redeemed <= capacity;
 *   a fresh family code is nobody else's.
 *   Checked at the end, after time passes every deadline: sb_audit; per
 *   slot, the counters equal the people sb_lookup puts there; each person
 *   is redeemed at most once, and REDEEMED exactly then; and for every
 *   code a family booking (or a move of it) answered with, no partial
 *   family: the people it verifies for (OK or USED) are the whole family
 *   whenever one of them still verifies OK, and then sb_lookup puts every
 *   one of them in the code's slot; else the family was cancelled or moved
 *   by one of its members (the leader's code answers SB_CANCELLED) or was
 *   redeemed whole.
 *
 * Duel: rounds on a fresh engine where two families race for exactly the
 * last k places of a slot, each needing more than k / 2 (their members
 * disjoint, or one member in both).  Exactly one family is booked, whole,
 * and the other answers SB_FULL (or SB_DUPLICATE naming the shared member);
 * the slot never holds more than its capacity.
 *
 * SB_STRESS_SECONDS is split between the phases; SB_STRESS_SEED repeats a
 * run's choices.
 */
#include "stress.h"

#define FIRST_DAY 19174

/* ---- melee ------------------------------------------------------------------ */

#define LEADERS 10
#define PEOPLE 40 /* 0 .. LEADERS-1 lead, the others follow */
#define STRANGER PEOPLE
#define FAMILIES 24
#define OWN_FAMILIES 4 /* families 0..3 share no member with anyone */
#define OWN_FOLLOWERS (LEADERS + OWN_FAMILIES * (SB_FAMILY_MAX - 1))
#define SLOTS 4 /* two days at two locations */
#define CAPACITY 10
#define CONTESTED 0 /* the slot families mostly aim at */
#define LOG_MAX 16384
#define REDEEM_MAX 8 /* followers redeemed, at most */
#define BOOKERS 2
#define MEMBERS 2
_Static_assert(PEOPLE - OWN_FOLLOWERS >= SB_FAMILY_MAX - 1, "too few shared followers");

typedef struct family {
    unsigned n;
    unsigned member[SB_FAMILY_MAX]; /* person indices; member[0] leads */
} family;

/* A code a family booking or a move answered with. */
typedef struct record {
    _Atomic int ready;
    int fam;         /* the family booked, or -1 after a move */
    unsigned leader; /* the code's person */
    unsigned slot;
    char code[SB_CODE_SIZE];
} record;

typedef struct worker {
    sb_engine *e;
    uint64_t rng;
    double until;
    uint64_t ops;
} worker;

static uint32_t *bsns; /* PEOPLE + 1: the stranger last */
static family fams[FAMILIES];
static sb_slot slots[SLOTS];
static record log_[LOG_MAX];
static _Atomic unsigned nlog;
/* Successful cancels and moves, and redeems, per person. */
static _Atomic unsigned changes_ok[PEOPLE];
static _Atomic unsigned redeemed_ok[PEOPLE];
static _Atomic uint64_t booked_families, refused_full, refused_duplicate;
static _Atomic int running = 1;
static unsigned redeems; /* the manager's */

static void
family_bsns(unsigned f, uint32_t *out)
{
    for (unsigned i = 0; i < fams[f].n; i++)
        out[i] = bsns[fams[f].member[i]];
}

/* Whether p is among the first i members of fa. */
static int
among(const family *fa, unsigned i, unsigned p)
{
    for (unsigned j = 0; j < i; j++)
        if (fa->member[j] == p)
            return 1;
    return 0;
}

/* Families 0..3 have leaders 0..3 and followers of their own; the others
 * share leaders 4..9 and followers OWN_FOLLOWERS.. among them. */
static void
make_families(uint64_t *rng)
{
    unsigned next_own = LEADERS;
    for (unsigned f = 0; f < FAMILIES; f++) {
        family *fa = &fams[f];
        fa->n = 1 + rng_below(rng, SB_FAMILY_MAX);
        fa->member[0] =
            f < OWN_FAMILIES ? f : OWN_FAMILIES + rng_below(rng, LEADERS - OWN_FAMILIES);
        for (unsigned i = 1; i < fa->n; i++) {
            unsigned p;
            if (f < OWN_FAMILIES) {
                p = next_own++;
            } else {
                do
                    p = OWN_FOLLOWERS + rng_below(rng, PEOPLE - OWN_FOLLOWERS);
                while (among(fa, i, p));
            }
            fa->member[i] = p;
        }
    }
}

static void
log_add(int fam, unsigned leader, unsigned slot, const char *code)
{
    unsigned i = atomic_fetch_add(&nlog, 1);
    if (i >= LOG_MAX)
        return;
    record *r = &log_[i];
    r->fam = fam;
    r->leader = leader;
    r->slot = slot;
    memcpy(r->code, code, SB_CODE_SIZE);
    atomic_store_explicit(&r->ready, 1, memory_order_release);
}

static record *
log_pick(uint64_t *rng)
{
    unsigned n = atomic_load(&nlog);
    if (n > LOG_MAX)
        n = LOG_MAX;
    if (n == 0)
        return NULL;
    record *r = &log_[rng_below(rng, n)];
    return atomic_load_explicit(&r->ready, memory_order_acquire) ? r : NULL;
}

static int
same_slot(sb_slot a, sb_slot b)
{
    return a.location == b.location && a.day == b.day && a.window == b.window;
}

/* A family tries for a slot, mostly the contested one. */
static void
book_family(worker *w)
{
    unsigned f = rng_below(&w->rng, FAMILIES), n = fams[f].n;
    unsigned k = rng_below(&w->rng, 4) ? CONTESTED : rng_below(&w->rng, SLOTS);
    uint32_t b[SB_FAMILY_MAX];
    char code[SB_CODE_SIZE];
    unsigned blocker = 99;
    family_bsns(f, b);
    sb_status st = sb_book_group_blocker(w->e, b, n, slots[k], code, &blocker);
    switch (st) {
    case SB_OK: {
        CHECK(blocker == n, "blocker %u on success", blocker);
        atomic_fetch_add(&booked_families, 1);
        log_add((int)f, fams[f].member[0], k, code);
        sb_status v = sb_verify(w->e, code, bsns[STRANGER], NULL);
        CHECK(v == SB_WRONG_HOLDER, "fresh family code with a stranger: %s", sb_status_name(v));
        sb_booking out;
        v = sb_verify(w->e, code, b[0], &out);
        CHECK(v == SB_OK || v == SB_USED || v == SB_CANCELLED, "fresh family code: %s",
              sb_status_name(v));
        CHECK(v == SB_CANCELLED || same_slot(out.slot, slots[k]), "fresh code in another slot");
        break;
    }
    case SB_DUPLICATE:
        CHECK(blocker < n, "duplicate with blocker %u of %u", blocker, n);
        atomic_fetch_add(&refused_duplicate, 1);
        break;
    case SB_FULL:
        CHECK(blocker == n, "full with blocker %u", blocker);
        atomic_fetch_add(&refused_full, 1);
        break;
    case SB_NOMEM: /* max_families used up, or a leader's 65,535 bookings */
        CHECK(blocker == n || blocker == 0, "nomem with blocker %u", blocker);
        break;
    default:
        CHECK(0, "book_group: %s", sb_status_name(st));
    }
    w->ops++;
}

/* A person's own call, or time passing. */
static void
member_call(worker *w)
{
    unsigned p = rng_below(&w->rng, PEOPLE);
    uint32_t bsn = bsns[p];
    sb_slot slot = slots[rng_below(&w->rng, SLOTS)];
    char code[SB_CODE_SIZE];
    sb_booking b;
    sb_status st;
    switch (rng_below(&w->rng, 10)) {
    case 0:
        st = sb_reserve(w->e, bsn, slot);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE || st == SB_NOMEM, "reserve: %s",
              sb_status_name(st));
        break;
    case 1:
        st = sb_confirm(w->e, bsn, code);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_EXPIRED || st == SB_DUPLICATE ||
                  st == SB_NOMEM,
              "confirm: %s", sb_status_name(st));
        break;
    case 2:
        st = sb_book(w->e, bsn, slot, code);
        CHECK(st == SB_OK || st == SB_FULL || st == SB_DUPLICATE || st == SB_NOMEM, "book: %s",
              sb_status_name(st));
        break;
    case 3:
    case 4:
    case 5:
        st = sb_cancel(w->e, bsn);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED, "cancel: %s", sb_status_name(st));
        if (st == SB_OK)
            atomic_fetch_add(&changes_ok[p], 1);
        break;
    case 6:
        st = sb_lookup(w->e, bsn, &b);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
        CHECK(st != SB_OK || b.bsn == bsn, "lookup of another BSN");
        break;
    case 7:
        if (rng_below(&w->rng, 8) == 0)
            sb_expire(w->e);
        break;
    default:
        if (rng_below(&w->rng, 4) == 0)
            atomic_fetch_add(&stress_clock_ms, 1 + rng_below(&w->rng, 2));
        break;
    }
    w->ops++;
}

/* Redeems, cancels or moves a family (or what became of its code). */
static void
manage(worker *w)
{
    record *r = log_pick(&w->rng);
    if (!r)
        return;
    unsigned who = r->leader;
    if (r->fam >= 0)
        who = fams[r->fam].member[rng_below(&w->rng, fams[r->fam].n)];
    char code[SB_CODE_SIZE];
    sb_status st;
    switch (rng_below(&w->rng, 5)) {
    case 0:
    case 1:
        /* A redeemed person never books again: past REDEEM_MAX the desk
         * only looks. */
        if (redeems < REDEEM_MAX && who >= LEADERS) {
            st = sb_redeem(w->e, r->code, bsns[who]);
            if (st == SB_OK) {
                redeems++;
                atomic_fetch_add(&redeemed_ok[who], 1);
            }
        } else {
            st = sb_verify(w->e, r->code, bsns[who], NULL);
        }
        CHECK(st == SB_OK || st == SB_USED || st == SB_CANCELLED || st == SB_WRONG_HOLDER,
              "redeem or verify: %s", sb_status_name(st));
        break;
    case 2:
    case 3:
        st = sb_cancel(w->e, bsns[who]);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED, "cancel: %s", sb_status_name(st));
        if (st == SB_OK)
            atomic_fetch_add(&changes_ok[who], 1);
        break;
    default: {
        /* Moves are made by the leader, so the new code is a leader's. */
        unsigned k = rng_below(&w->rng, SLOTS);
        st = sb_reschedule(w->e, bsns[r->leader], slots[k], code);
        CHECK(st == SB_OK || st == SB_NOT_FOUND || st == SB_USED || st == SB_DUPLICATE ||
                  st == SB_FULL || st == SB_NOMEM,
              "reschedule: %s", sb_status_name(st));
        if (st == SB_OK) {
            atomic_fetch_add(&changes_ok[r->leader], 1);
            log_add(-1, r->leader, k, code);
        }
    }
    }
    w->ops++;
}

static void *
booker(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int i = 0; i < 64; i++)
            book_family(w);
    return NULL;
}

static void *
member(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int i = 0; i < 64; i++)
            member_call(w);
    return NULL;
}

static void *
manager(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int i = 0; i < 64; i++)
            manage(w);
    return NULL;
}

static void *
checker(void *arg)
{
    sb_engine *e = arg;
    while (atomic_load(&running)) {
        for (int k = 0; k < SLOTS; k++) {
            sb_slot_info info;
            CHECK(sb_slot_read(e, slots[k], &info) == SB_OK, "slot_read");
            slot_info_ok(&info);
            CHECK(info.capacity == CAPACITY, "capacity %u", info.capacity);
        }
    }
    return NULL;
}

static unsigned
slot_index(sb_slot s)
{
    for (unsigned k = 0; k < SLOTS; k++)
        if (same_slot(s, slots[k]))
            return k;
    CHECK(0, "a booking outside the test's slots");
    return 0;
}

/* People redeemed once at most, and REDEEMED exactly then; the counters
 * equal the people in each slot. */
static void
check_people(sb_engine *e)
{
    unsigned booked[SLOTS] = {0}, redeemed[SLOTS] = {0};
    for (unsigned p = 0; p < PEOPLE; p++) {
        unsigned ok = atomic_load(&redeemed_ok[p]);
        sb_booking b;
        sb_status st = sb_lookup(e, bsns[p], &b);
        CHECK(ok <= 1, "person %u redeemed %u times", p, ok);
        CHECK(st == SB_OK || st == SB_NOT_FOUND, "lookup: %s", sb_status_name(st));
        CHECK(st != SB_OK || b.state != SB_STATE_HELD, "a hold survived its deadline");
        CHECK((st == SB_OK && b.state == SB_STATE_REDEEMED) == (ok == 1),
              "person %u redeemed %u times, state %d", p, ok, st == SB_OK ? (int)b.state : 0);
        if (st == SB_OK)
            (b.state == SB_STATE_BOOKED ? booked : redeemed)[slot_index(b.slot)]++;
    }
    for (unsigned k = 0; k < SLOTS; k++) {
        sb_slot_info i;
        CHECK(sb_slot_read(e, slots[k], &i) == SB_OK, "slot_read");
        CHECK(i.capacity == CAPACITY && i.held == 0 && i.pending == 0 && i.booked == booked[k] &&
                  i.redeemed == redeemed[k] && i.free == CAPACITY - i.booked - i.redeemed,
              "slot %u: capacity %u held %u pending %u booked %u (people %u) redeemed %u "
              "(people %u) free %u",
              k, i.capacity, i.held, i.pending, i.booked, booked[k], i.redeemed, redeemed[k],
              i.free);
    }
}

/* The people a code verifies for (OK or USED) form a whole booking: the
 * family named, a family of the same leader, or the leader alone. */
static int
whole(const record *r, const int *in)
{
    for (unsigned f = 0; f < FAMILIES; f++) {
        if (fams[f].member[0] != r->leader || (r->fam >= 0 && (int)f != r->fam))
            continue;
        unsigned count = 0;
        for (unsigned p = 0; p < PEOPLE; p++)
            count += in[p];
        int all = count == fams[f].n;
        for (unsigned i = 0; all && i < fams[f].n; i++)
            all = in[fams[f].member[i]];
        if (all)
            return 1;
    }
    if (r->fam >= 0)
        return 0;
    for (unsigned p = 0; p < PEOPLE; p++)
        if (in[p] != (p == r->leader))
            return 0;
    return 1;
}

static void
check_record(sb_engine *e, const record *r, unsigned idx)
{
    sb_status st[PEOPLE];
    sb_booking out[PEOPLE];
    int in[PEOPLE];
    unsigned live = 0, used = 0;
    for (unsigned p = 0; p < PEOPLE; p++) {
        st[p] = sb_verify(e, r->code, bsns[p], &out[p]);
        CHECK(st[p] == SB_OK || st[p] == SB_USED || st[p] == SB_CANCELLED ||
                  st[p] == SB_WRONG_HOLDER,
              "code %u (%s) with person %u: %s", idx, r->code, p, sb_status_name(st[p]));
        in[p] = st[p] == SB_OK || st[p] == SB_USED;
        live += st[p] == SB_OK;
        used += st[p] == SB_USED;
    }
    sb_status s = sb_verify(e, r->code, bsns[STRANGER], NULL);
    CHECK(s == SB_WRONG_HOLDER, "code %u with a stranger: %s", idx, sb_status_name(s));
    /* The leader's own code answers for the leader: never another's. */
    CHECK(st[r->leader] != SB_WRONG_HOLDER, "code %u: its leader is a wrong holder", idx);
    if (live > 0 || (used > 0 && whole(r, in))) {
        CHECK(whole(r, in), "code %u (family %d): a partial family: %u live, %u used", idx, r->fam,
              live, used);
        for (unsigned p = 0; p < PEOPLE; p++) {
            if (!in[p])
                continue;
            sb_booking b;
            CHECK(sb_lookup(e, bsns[p], &b) == SB_OK, "code %u: member %u not found", idx, p);
            CHECK(b.state == (st[p] == SB_OK ? SB_STATE_BOOKED : SB_STATE_REDEEMED),
                  "code %u: member %u in state %d, code says %s", idx, p, (int)b.state,
                  sb_status_name(st[p]));
            CHECK(same_slot(b.slot, slots[r->slot]) && same_slot(out[p].slot, slots[r->slot]),
                  "code %u: member %u outside the code's slot", idx, p);
        }
        return;
    }
    /* Ended: nobody verifies OK; the leader's code is cancelled unless the
     * leader was redeemed, and a member cancelled or moved it. */
    CHECK(st[r->leader] == SB_CANCELLED || st[r->leader] == SB_USED, "code %u: leader answers %s",
          idx, sb_status_name(st[r->leader]));
    if (r->fam < 0)
        return;
    unsigned changes = 0;
    for (unsigned i = 0; i < fams[r->fam].n; i++)
        changes += atomic_load(&changes_ok[fams[r->fam].member[i]]);
    CHECK(changes > 0, "code %u: family %d ended without a cancel or move", idx, r->fam);
}

static void
melee(uint64_t seed, double seconds)
{
    uint64_t rng = seed;
    make_families(&rng);
    sb_options o;
    sb_options_init(&o);
    o.first_day = FIRST_DAY;
    o.days = 2;
    o.max_locations = 2;
    o.hold_ms = 20;
    o.release_delay_ms = 3;
    o.max_people = 256;
    o.max_families = 1u << 18;
    o.use_stock = 1;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    for (unsigned k = 0; k < SLOTS; k++) {
        slots[k] = (sb_slot){
            .location = (uint16_t)(k / 2), .window = 0, .day = FIRST_DAY + (int32_t)(k % 2)};
        CHECK(sb_release(e, slots[k], CAPACITY) == SB_OK, "release");
    }
    for (uint16_t l = 0; l < 2; l++) {
        CHECK(sb_stock_add(e, l, 1u << 30) == SB_OK, "stock");
        CHECK(sb_location_open(e, l) == SB_OK, "open location");
    }

    enum { THREADS = BOOKERS + MEMBERS + 1 };
    static worker w[THREADS];
    pthread_t t[THREADS], tc;
    double until = wall_seconds() + seconds;
    for (int i = 0; i < THREADS; i++) {
        w[i] =
            (worker){.e = e, .rng = seed + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15u, .until = until};
        void *(*fn)(void *) = i < BOOKERS ? booker : i < BOOKERS + MEMBERS ? member : manager;
        CHECK(pthread_create(&t[i], NULL, fn, &w[i]) == 0, "pthread_create");
    }
    CHECK(pthread_create(&tc, NULL, checker, e) == 0, "pthread_create");
    uint64_t ops = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ops += w[i].ops;
    }
    atomic_store(&running, 0);
    pthread_join(tc, NULL);

    atomic_fetch_add(&stress_clock_ms, 1000000);
    sb_expire(e);
    audit_ok(e, "after the melee");
    check_people(e);
    unsigned n = atomic_load(&nlog);
    if (n > LOG_MAX)
        n = LOG_MAX;
    for (unsigned i = 0; i < n; i++)
        check_record(e, &log_[i], i);
    audit_ok(e, "after the checks");
    sb_stats s;
    sb_stats_read(e, &s);
    CHECK(s.outcomes[SB_OP_BOOK_GROUP][SB_OK] == atomic_load(&booked_families),
          "stats count %" PRIu64 " families booked, the test %" PRIu64,
          s.outcomes[SB_OP_BOOK_GROUP][SB_OK], atomic_load(&booked_families));
    printf("melee ok: %" PRIu64 " calls, %" PRIu64 " families booked, %" PRIu64 " full, %" PRIu64
           " duplicate, %u codes checked\n",
           ops, atomic_load(&booked_families), atomic_load(&refused_full),
           atomic_load(&refused_duplicate), n);
    sb_close(e);
}

/* ---- duel -------------------------------------------------------------------- */

#define DUEL_PEOPLE 32
#define PREBOOKED 5

typedef struct duelist {
    sb_engine *e;
    sb_slot slot;
    uint32_t bsns[SB_FAMILY_MAX];
    unsigned n, blocker;
    sb_status st;
    char code[SB_CODE_SIZE];
} duelist;

static duelist duelists[2];
static pthread_barrier_t duel_start, duel_done;
static _Atomic int duel_over;
static _Atomic unsigned duel_finished;

static void *
duel_thread(void *arg)
{
    duelist *d = arg;
    for (;;) {
        pthread_barrier_wait(&duel_start);
        if (atomic_load(&duel_over))
            return NULL;
        d->st = sb_book_group_blocker(d->e, d->bsns, d->n, d->slot, d->code, &d->blocker);
        atomic_fetch_add(&duel_finished, 1);
        pthread_barrier_wait(&duel_done);
    }
}

/* One round: fills the slot but for k places, then lets the two go. */
static void
duel_round(uint64_t *rng, uint64_t *wins)
{
    unsigned k = 2 + rng_below(rng, SB_FAMILY_MAX - 1); /* 2 .. 6 */
    unsigned shared = rng_below(rng, 2);
    sb_options o;
    sb_options_init(&o);
    o.first_day = FIRST_DAY;
    o.days = 1;
    o.max_locations = 1;
    o.max_people = 64;
    o.clock_ms = stress_clock;
    sb_engine *e;
    CHECK(sb_open(&o, &e) == SB_OK, "open");
    sb_slot slot = {.location = 0, .window = 0, .day = FIRST_DAY};
    CHECK(sb_release(e, slot, PREBOOKED + k) == SB_OK, "release");
    CHECK(sb_location_open(e, 0) == SB_OK, "open location");
    char code[SB_CODE_SIZE];
    for (unsigned i = 0; i < PREBOOKED; i++)
        CHECK(sb_book(e, bsns[20 + i], slot, code) == SB_OK, "prebook");
    for (unsigned d = 0; d < 2; d++) {
        duelist *x = &duelists[d];
        x->e = e;
        x->slot = slot;
        x->n = k / 2 + 1 + rng_below(rng, k - k / 2); /* k/2 < n <= k */
        x->blocker = 99;
        for (unsigned i = 0; i < x->n; i++)
            x->bsns[i] = bsns[d * SB_FAMILY_MAX + i];
    }
    /* One member in both: the second family's last member is the first's
     * first (its leader) or last.  shared_at: where it is in each. */
    unsigned shared_at[2] = {rng_below(rng, 2) ? 0 : duelists[0].n - 1, duelists[1].n - 1};
    if (shared)
        duelists[1].bsns[shared_at[1]] = duelists[0].bsns[shared_at[0]];
    atomic_store(&duel_finished, 0);
    pthread_barrier_wait(&duel_start);
    while (atomic_load(&duel_finished) < 2) {
        sb_slot_info info;
        CHECK(sb_slot_read(e, slot, &info) == SB_OK, "slot_read");
        slot_info_ok(&info);
        /* Places are taken and booked n at a time: nothing, or one whole
         * family, never both families or part of one. */
        unsigned n0 = duelists[0].n, n1 = duelists[1].n, got = info.booked - PREBOOKED;
        unsigned taken = k - info.free;
        CHECK(info.booked >= PREBOOKED && (got == 0 || got == n0 || got == n1),
              "booked %u: %u prebooked, families of %u and %u", info.booked, PREBOOKED, n0, n1);
        CHECK(taken == 0 || taken == n0 || taken == n1,
              "free %u of the last %u: families of %u and %u", info.free, k, n0, n1);
    }
    pthread_barrier_wait(&duel_done);

    unsigned oks = (duelists[0].st == SB_OK) + (duelists[1].st == SB_OK);
    CHECK(oks == 1, "k %u, families of %u and %u%s: %s and %s", k, duelists[0].n, duelists[1].n,
          shared ? " sharing one" : "", sb_status_name(duelists[0].st),
          sb_status_name(duelists[1].st));
    duelist *win = duelists[0].st == SB_OK ? &duelists[0] : &duelists[1];
    duelist *lose = win == &duelists[0] ? &duelists[1] : &duelists[0];
    CHECK(win->blocker == win->n, "winner's blocker %u", win->blocker);
    if (lose->st == SB_DUPLICATE) {
        unsigned at = shared_at[lose == &duelists[1]];
        CHECK(shared && lose->blocker == at, "duplicate with blocker %u (shared: %u at %u)",
              lose->blocker, shared, at);
    } else {
        CHECK(lose->st == SB_FULL && lose->blocker == lose->n, "loser: %s, blocker %u",
              sb_status_name(lose->st), lose->blocker);
    }
    sb_slot_info info;
    CHECK(sb_slot_read(e, slot, &info) == SB_OK, "slot_read");
    CHECK(info.booked == PREBOOKED + win->n && info.free == k - win->n && info.held == 0,
          "after the duel: booked %u free %u held %u (winner %u of %u places)", info.booked,
          info.free, info.held, win->n, k);
    for (unsigned i = 0; i < win->n; i++) {
        sb_booking b;
        CHECK(sb_lookup(e, win->bsns[i], &b) == SB_OK && b.state == SB_STATE_BOOKED,
              "winner's member %u not booked", i);
        CHECK(sb_verify(e, win->code, win->bsns[i], NULL) == SB_OK, "winner's code, member %u", i);
    }
    for (unsigned i = 0; i < lose->n; i++) {
        sb_booking b;
        int also_winner = 0;
        for (unsigned j = 0; j < win->n; j++)
            also_winner |= win->bsns[j] == lose->bsns[i];
        CHECK(also_winner || sb_lookup(e, lose->bsns[i], &b) == SB_NOT_FOUND,
              "loser's member %u has a booking", i);
    }
    audit_ok(e, "after a duel");
    wins[win == &duelists[1]]++;
    sb_close(e);
}

static void
duel(uint64_t seed, double seconds)
{
    uint64_t rng = seed ^ 0x5bd1e995u, wins[2] = {0, 0};
    pthread_t t[2];
    CHECK(pthread_barrier_init(&duel_start, NULL, 3) == 0, "barrier");
    CHECK(pthread_barrier_init(&duel_done, NULL, 3) == 0, "barrier");
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&t[i], NULL, duel_thread, &duelists[i]) == 0, "pthread_create");
    double until = wall_seconds() + seconds;
    unsigned rounds = 0;
    while (wall_seconds() < until || rounds < 10) {
        duel_round(&rng, wins);
        rounds++;
    }
    atomic_store(&duel_over, 1);
    pthread_barrier_wait(&duel_start);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&duel_start);
    pthread_barrier_destroy(&duel_done);
    printf("duel ok: %u rounds, the first family won %" PRIu64 ", the second %" PRIu64 "\n", rounds,
           wins[0], wins[1]);
}

int
main(void)
{
    uint64_t seed = stress_seed();
    double seconds = stress_seconds();
    printf("family stress: seed %" PRIu64 ", %.1f s\n", seed, seconds);
    bsns = make_bsns(PEOPLE + 1);
    melee(seed, seconds * 0.6);
    duel(seed, seconds * 0.4);
    free(bsns);
    return 0;
}
