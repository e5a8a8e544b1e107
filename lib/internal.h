/*
 * Internal structures shared by the files of lib/.  Each concept lives in its
 * own file; this header only declares what crosses between them.
 */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "slotbook.h"

#define SB_CACHE_LINE 64

/* Programmer errors (a broken invariant, use after close) abort loudly. */
_Noreturn void sb__panic(const char *file, int line, const char *what);
#define sb_assert(cond)                           \
    do {                                          \
        if (__builtin_expect(!(cond), 0))         \
            sb__panic(__FILE__, __LINE__, #cond); \
    } while (0)
#ifdef SB_DEBUG
#define sb_assert_slow(cond) sb_assert(cond)
#else
#define sb_assert_slow(cond) ((void)sizeof(!(cond)))
#endif

/* ---- clock.c: the engine's monotonic clock, ms since sb_open() ---------- */

typedef struct sb_clock {
    uint64_t (*fn)(void *ctx);
    void *ctx;
    uint64_t epoch_ms; /* the clock's reading at sb_open() */
    /* Largest relative time returned so far: written whenever time moves
     * forward, so it has a cache line to itself and the read-mostly fields
     * every call reads (here and after the clock) never share its line. */
    alignas(SB_CACHE_LINE) _Atomic uint64_t seen_ms;
    char pad_[SB_CACHE_LINE - sizeof(uint64_t)];
} sb_clock;
_Static_assert(offsetof(sb_clock, seen_ms) % SB_CACHE_LINE == 0, "seen_ms starts a line");
_Static_assert(sizeof(sb_clock) % SB_CACHE_LINE == 0, "and nothing follows it on that line");

void sb__clock_init(sb_clock *c, uint64_t (*fn)(void *), void *ctx);
uint64_t sb__clock_now(sb_clock *c);
uint64_t sb__wall_ms(void);

/* ---- codes.c: sealing (person, generation) into a code ------------------ */

typedef struct sb_code_keys {
    uint8_t mac[16]; /* SipHash-2-4 key for the 40-bit tag */
    uint8_t enc[16]; /* SipHash-2-4 key for the payload mask */
} sb_code_keys;

int sb__code_keys_init(sb_code_keys *k, const uint8_t code_key[32]);
void sb__code_seal(const sb_code_keys *k, uint32_t person, uint32_t gen, char out[SB_CODE_SIZE]);
/* 0 and (*person, *gen) on a genuine code, -1 on anything else. */
int sb__code_open(const sb_code_keys *k, const char *text, uint32_t *person, uint32_t *gen);

/* ---- people.c: BSN -> person number, person words ----------------------- */

/* Person word: what a person has now.  One 64-bit word so that every change
 * is a single compare-and-swap, the linearisation point of the call.
 *   bits  0..2   state (PS_*)
 *   bits  3..18  gen: bookings made; the live booking's generation
 *   bits 19..42  where: global seat index (HELD) or slot index (BOOKED,
 *                REDEEMED); 0 otherwise
 *   bits 43..46  changes: cancels and reschedules so far, saturating
 *   bits 47..63  version: +1 on every change, so a stale expected value
 *                cannot match after the word went round a cycle */
enum {
    PS_NONE = 0,
    PS_HELD = 1,
    PS_BOOKED = 2,
    PS_REDEEMED = 3,
    PS_EXPIRED = 4,
    /* A member of family `where` (family.c), the family decides the rest.
     * Before the family was booked, or once it ended, the person is as
     * before it: nothing (PS_FAMILY) or a hold that ran out (PS_FAMILY_X). */
    PS_FAMILY = 5,
    PS_FAMILY_X = 6,
    /* On the waiting list: where is the entry's index (wait.c). */
    PS_WAITING = 7,
};
#define PW_WHERE_SHIFT 19
#define PW_CHANGES_SHIFT (PW_WHERE_SHIFT + SB_SEAT_BITS)
#define PW_VERSION_SHIFT (PW_CHANGES_SHIFT + SB_CHANGE_BITS)
_Static_assert(PW_VERSION_SHIFT == 47, "a 17-bit version");

static inline unsigned
pw_state(uint64_t w)
{
    return (unsigned)(w & 7u);
}
static inline uint32_t
pw_gen(uint64_t w)
{
    return (uint32_t)((w >> 3) & 0xffffu);
}
static inline uint32_t
pw_where(uint64_t w)
{
    return (uint32_t)((w >> PW_WHERE_SHIFT) & (SB_MAX_SEATS - 1u));
}
static inline uint32_t
pw_changes(uint64_t w)
{
    return (uint32_t)((w >> PW_CHANGES_SHIFT) & SB_MAX_CHANGES);
}
static inline uint64_t
pw_make(unsigned state, uint32_t gen, uint32_t where, uint32_t changes, uint64_t version)
{
    return (uint64_t)state | (uint64_t)gen << 3 | (uint64_t)where << PW_WHERE_SHIFT |
           (uint64_t)changes << PW_CHANGES_SHIFT | version << PW_VERSION_SHIFT;
}
static inline uint64_t
pw_version(uint64_t w)
{
    return w >> PW_VERSION_SHIFT;
}
/* The word after old with a new state, gen and where; changes carried over. */
static inline uint64_t
pw_next(uint64_t old, unsigned state, uint32_t gen, uint32_t where)
{
    return pw_make(state, gen, where, pw_changes(old), pw_version(old) + 1u);
}
/* pw_next for a cancel or a reschedule: one more change counted. */
static inline uint64_t
pw_change(uint64_t old, unsigned state, uint32_t gen, uint32_t where)
{
    uint64_t next = pw_next(old, state, gen, where);
    return pw_changes(old) < SB_MAX_CHANGES ? next + (UINT64_C(1) << PW_CHANGES_SHIFT) : next;
}

typedef struct sb_number_stripe {
    alignas(SB_CACHE_LINE) _Atomic uint32_t next;
    uint32_t end;
} sb_number_stripe;

typedef struct sb_people {
    uint32_t max;            /* max_people */
    uint32_t per_stripe;     /* numbers per stripe range */
    uint64_t mask;           /* table size - 1 (a power of two) */
    uint64_t seed;           /* keyed hash, so BSNs cannot be chosen to collide */
    _Atomic uint64_t *table; /* bsn << 32 | (number + 1); 0 = empty */
    _Atomic uint64_t *word;  /* person word by number */
    _Atomic uint32_t *bsn;   /* BSN by number; 0 = unused number */
    sb_number_stripe stripes[SB_NUMBER_STRIPES];
    /* Numbers given back when their stripe had moved on: a stack linked
     * through their (unused) person words, tag << 32 | (number + 1). */
    alignas(SB_CACHE_LINE) _Atomic uint64_t lost;
    _Atomic uint32_t nlost;
} sb_people;

#define SB_NO_PERSON UINT32_MAX

int sb__people_init(sb_people *p, uint32_t max_people);
void sb__people_free(sb_people *p);
uint32_t sb__people_find(const sb_people *p, uint32_t bsn);
/* The person's number, inserting the person if new; SB_NO_PERSON when
 * max_people people are stored. */
uint32_t sb__people_insert(sb_people *p, uint32_t bsn);
uint64_t sb__people_count(const sb_people *p);

/* ---- slots.c: capacity counters and seats -------------------------------- */

/* Seat word: one place occupied until a deadline, or vacant.
 *   bits  0..1   tag (SEAT_*)
 *   bits  2..25  owner person number (HOLD)
 *   bits 26..63  deadline, ms since sb_open() (HOLD, PENDING) */
enum { SEAT_VACANT = 0, SEAT_HOLD = 1, SEAT_PENDING = 2, SEAT_BUSY = 3 };

static inline unsigned
seat_tag(uint64_t s)
{
    return (unsigned)(s & 3u);
}
static inline uint32_t
seat_owner(uint64_t s)
{
    return (uint32_t)((s >> 2) & (SB_MAX_PEOPLE - 1u));
}
static inline uint64_t
seat_deadline(uint64_t s)
{
    return s >> 26;
}
static inline uint64_t
seat_make(unsigned tag, uint32_t owner, uint64_t deadline)
{
    return (uint64_t)tag | (uint64_t)owner << 2 | deadline << 26;
}

/* One slot's counters on a cache line of their own.
 *   cw        capacity << 32 | taken.  taken counts every place in use:
 *             booked + redeemed + occupied seats (expired ones included until
 *             they are reclaimed or taken over).  Only a compare-and-swap that
 *             keeps taken <= capacity adds to it: the capacity invariant.
 *   booked, redeemed
 *   next_due  deadline << 24 | version: a lower bound on the earliest
 *             deadline among the seats, so a full slot with nothing due
 *             answers without scanning.  Every seat fill bumps the version,
 *             so a scan that raises the bound fails if a seat was filled
 *             while it looked (whatever that seat's deadline). */
#define SB_DUE_VERSION_BITS 24
#define SB_DUE_NEVER ((UINT64_C(1) << 40) - 1) /* no deadline: past any time */
#define SB_DUE_INIT (SB_DUE_NEVER << SB_DUE_VERSION_BITS)
_Static_assert(SB_TIME_BITS < 40, "a deadline fits below SB_DUE_NEVER");
typedef struct sb_slotc {
    alignas(SB_CACHE_LINE) _Atomic uint64_t cw;
    _Atomic uint32_t booked;
    _Atomic uint32_t redeemed;
    _Atomic uint64_t next_due;
    _Atomic uint32_t seats_used; /* seats [0, seats_used) were ever filled */
} sb_slotc;
_Static_assert(sizeof(sb_slotc) == SB_CACHE_LINE, "one slot, one cache line");

/* ---- stats.c ------------------------------------------------------------ */

typedef struct sb_stat_stripe {
    alignas(SB_CACHE_LINE) _Atomic uint64_t outcomes[SB_STATS_OPS][SB_STATS_STATUSES];
    _Atomic uint64_t expired;
} sb_stat_stripe;

void sb__stat(sb_engine *e, sb_op op, sb_status st);
void sb__stat_expired(sb_engine *e, uint64_t n);

/* ---- stock.c: stickers per location (use_stock) ------------------------ */

typedef struct sb_stock {
    alignas(SB_CACHE_LINE) _Atomic uint64_t available;
    _Atomic uint64_t added;    /* by sb_stock_add, for sb_audit */
    _Atomic uint64_t swept_ms; /* every hold dead by then was reclaimed */
} sb_stock;

/* Takes n stickers at location for new holds or bookings: true, or false
 * when fewer are left even after reclaiming the location's dead holds.
 * Always true without use_stock (sb__stock_take checks that inline). */
bool sb__stock_take_slow(sb_engine *e, uint16_t location, uint32_t n, uint64_t now);
/* Takes n stickers if they are on the shelf, reclaiming nothing. */
bool sb__stock_take_shelf(sb_engine *e, uint16_t location, uint32_t n);
/* Gives n stickers back (no-op without use_stock). */
void sb__stock_give(sb_engine *e, uint16_t location, uint32_t n);

/* ---- family.c: families booked together --------------------------------- */

/* Family word: the family's state, one compare-and-swap decides each change.
 *   bits  0..1   state (FS_*)
 *   bits  2..7   redeemed: one bit per member
 *   bits  8..31  slot index (BOOKED, CANCELLED)
 *   bits 32..47  gen: the code's generation (the leader's)
 *   bits 48..51  base: the most changes a member had made when it was booked
 *   bits 52..55  changes: base + cancels and reschedules of the family
 *   bits 56..58  blocker (ABORTED): the member that stopped it, or n */
enum { FS_PENDING = 0, FS_BOOKED = 1, FS_CANCELLED = 2, FS_ABORTED = 3 };

typedef struct sb_family {
    _Atomic uint64_t word;
    uint32_t member[SB_FAMILY_MAX]; /* person numbers; member[0] is the leader */
    uint16_t gen0;                  /* the gen of its first code */
    uint8_t n;
} sb_family;
_Static_assert(sizeof(sb_family) == 40, "40 bytes a family record (README, Limits)");

static inline unsigned
fw_state(uint64_t w)
{
    return (unsigned)(w & 3u);
}
static inline unsigned
fw_redeemed(uint64_t w)
{
    return (unsigned)((w >> 2) & 0x3fu);
}
static inline uint32_t
fw_slot(uint64_t w)
{
    return (uint32_t)((w >> 8) & (SB_MAX_SLOTS - 1u));
}
static inline uint32_t
fw_gen(uint64_t w)
{
    return (uint32_t)((w >> 32) & 0xffffu);
}
static inline uint32_t
fw_base(uint64_t w)
{
    return (uint32_t)((w >> 48) & SB_MAX_CHANGES);
}
static inline uint32_t
fw_changes(uint64_t w)
{
    return (uint32_t)((w >> 52) & SB_MAX_CHANGES);
}
static inline unsigned
fw_blocker(uint64_t w)
{
    return (unsigned)((w >> 56) & 7u);
}
static inline uint64_t
fw_make(unsigned state, unsigned redeemed, uint32_t slot, uint32_t gen, uint32_t base,
        uint32_t changes, unsigned blocker)
{
    return (uint64_t)state | (uint64_t)redeemed << 2 | (uint64_t)slot << 8 | (uint64_t)gen << 32 |
           (uint64_t)base << 48 | (uint64_t)changes << 52 | (uint64_t)blocker << 56;
}

/* The index of person `number` among the family's members, or fam->n. */
static inline unsigned
sb__family_member(const sb_family *fam, uint32_t number)
{
    unsigned i = 0;
    while (i < fam->n && fam->member[i] != number)
        i++;
    return i;
}

/* The plain word a family member's word stands for (see person.h). */
uint64_t sb__family_view(sb_engine *e, uint32_t number, uint64_t word, bool writer);

/* ---- wait.c: the waiting list ------------------------------------------- */

typedef struct sb_waitq {
    alignas(SB_CACHE_LINE) _Atomic uint64_t tickets; /* the next ticket */
    _Atomic uint32_t count;                          /* written entries */
} sb_waitq;

typedef struct sb_wait_entry {
    _Atomic uint64_t word;   /* person + 1, day range, version, written */
    _Atomic uint64_t ticket; /* order of arrival at the location */
} sb_wait_entry;
_Static_assert(sizeof(sb_wait_entry) == 16, "16 bytes a waiting entry (README, Limits)");

/* A counted place of slot that a call freed goes to the first waiting
 * person it fits, or back to the slot. */
void sb__place_free(sb_engine *e, uint32_t slot, uint64_t now);
/* Gives a counted place to the first waiting person it fits: SB_OK (given),
 * SB_FULL (no seat was free for a hold: the place went back to the slot),
 * else the caller still has it (SB_NOT_FOUND: nobody fits; SB_NO_STOCK). */
sb_status sb__wait_give(sb_engine *e, uint32_t slot, uint64_t now);
/* Offers up to `places` new places of slot to the waiting list. */
void sb__wait_release(sb_engine *e, uint32_t slot, uint32_t places);
/* Recovery (shadow.c): the person an entry word names, or SB_NO_PERSON;
 * storing a live entry; the location's next ticket. */
uint32_t sb__wait_entry_person(uint64_t ent);
void sb__wait_restore(sb_engine *e, uint32_t g, uint64_t ent, uint64_t ticket);
void sb__wait_tickets(sb_engine *e, uint16_t location, uint64_t next);
/* Whether a PS_WAITING word's entry names its person (sb_audit). */
bool sb__wait_audit(sb_engine *e, uint32_t number, uint64_t word);
/* Clears the entry of a person word that was PS_WAITING (view). */
void sb__wait_left(sb_engine *e, uint64_t view);

/* ---- engine.c ----------------------------------------------------------- */

#define SB_MAGIC_OPEN 0x5b0b0c0du
#define SB_MAGIC_CLOSED 0xdeadb00cu

struct sb_engine {
    _Atomic uint32_t magic;
    uint32_t locations, days, windows, nslots, seats_per_slot;
    int32_t first_day;
    uint32_t hold_ms, release_delay_ms;
    uint32_t max_changes; /* 0 = unlimited */
    sb_clock clock;
    sb_code_keys keys;
    uint8_t rand_key[16];    /* for release delays */
    sb_slotc *slots;         /* nslots */
    _Atomic uint64_t *seats; /* nslots * seats_per_slot */
    _Atomic uint8_t *open;   /* locations */
    sb_stock *stock;         /* locations, or NULL without use_stock */
    sb_family *families;     /* max_families */
    uint32_t max_families;
    uint32_t wait_cap;        /* max_waiting: ring entries per location */
    sb_waitq *waitq;          /* locations, or NULL without a waiting list */
    sb_wait_entry *wait_ring; /* locations * wait_cap */
    alignas(SB_CACHE_LINE) _Atomic uint32_t families_used;
    char pad_[SB_CACHE_LINE - sizeof(uint32_t)];
    sb_people people;
    sb_stat_stripe *stats;      /* SB_STAT_STRIPES */
    struct sb_journal *journal; /* NULL: memory only (journal.h) */
};

void *sb__alloc(size_t size); /* zeroed, cache-line aligned; NULL on failure */
void sb__free(void *p, size_t size);

/* Checks e and aborts on use after close. */
static inline bool
sb__live(const sb_engine *e)
{
    if (!e)
        return false;
    uint32_t m = atomic_load_explicit(&e->magic, memory_order_relaxed);
    if (m != SB_MAGIC_OPEN)
        sb__panic(__FILE__, __LINE__, "engine used after sb_close or not from sb_open");
    return true;
}

static inline bool
sb__stock_take(sb_engine *e, uint16_t location, uint32_t n, uint64_t now)
{
    return !e->stock || sb__stock_take_slow(e, location, n, now);
}

/* Slot index of a valid slot, or UINT32_MAX for an unknown one. */
uint32_t sb__slot_index(const sb_engine *e, sb_slot s);
/* The location of a slot index. */
static inline uint16_t
sb__slot_location(const sb_engine *e, uint32_t index)
{
    return (uint16_t)(index / (e->days * e->windows));
}
sb_slot sb__slot_of(const sb_engine *e, uint32_t index);
bool sb__location_is_open(const sb_engine *e, uint16_t loc);

/* ---- slots.c operations --------------------------------------------------- */

/* A place taken in a slot: either counted (taken + 1) or a seat taken over
 * from an expired hold or due release, still marked BUSY. */
typedef struct sb_place {
    uint32_t slot;
    uint32_t seat;   /* global seat index of its seat, or UINT32_MAX */
    bool taken_over; /* from a hold that ran out (or a due delayed release) */
} sb_place;

/* Takes a place; SB_OK or SB_FULL. */
sb_status sb__place_take(sb_engine *e, uint32_t slot, uint64_t now, sb_place *pl);
/* Takes n counted places at once (reclaiming the slot's dead holds first
 * if they are needed): SB_OK or SB_FULL, never a part. */
sb_status sb__places_take(sb_engine *e, uint32_t slot, uint32_t n, uint64_t now);
/* Gives n counted places back that were never handed to people. */
void sb__places_return(sb_engine *e, uint32_t slot, uint32_t n);
/* Gives a place back that was never handed to a person (one taken over
 * from a hold that ran out goes to the waiting list: give its sticker back
 * first). */
void sb__place_return(sb_engine *e, const sb_place *pl);
/* Gives a counted place a seat of its own (BUSY, the caller's), the first
 * vacant one from seat `hint` on (reserves pass 0, keeping seats packed): SB_OK, or
 * SB_NOMEM when every seat of the slot is live (the place is then given
 * back). */
sb_status sb__place_claim(sb_engine *e, sb_place *pl, uint64_t now, uint32_t hint);
/* Publishes the claimed seat as person's hold until deadline. */
void sb__place_hold(sb_engine *e, sb_place *pl, uint32_t person, uint64_t deadline);
/* sb__place_claim and sb__place_hold in one step. */
sb_status sb__place_seat(sb_engine *e, sb_place *pl, uint32_t person, uint64_t now,
                         uint64_t deadline, uint32_t hint);
/* Turns a place into a counted place with no seat (for a booking). */
void sb__place_unseat(sb_engine *e, sb_place *pl);

/* Frees the place of a seat this caller owns (its person word left HELD on
 * it): vacant and taken - 1, or pending until `until` when until > now.
 * With sticker, the person's sticker goes back to the slot's location
 * first, so a waiting person handed the place can take it. */
void sb__seat_release(sb_engine *e, uint32_t seat, uint64_t expect, uint64_t now, uint64_t until,
                      bool sticker);
/* Empties a seat this caller owns; its place stays counted (it became a
 * booking). */
void sb__seat_vacate(sb_engine *e, uint32_t seat, uint64_t expect);
/* A counted place (booking) goes: taken - 1, or pending until `until`;
 * sticker as for sb__seat_release. */
void sb__slot_release(sb_engine *e, uint32_t slot, uint64_t now, uint64_t until, bool sticker);
/* Tries to take the expired hold in seat from its owner (the owner's word
 * moves HELD -> EXPIRED).  true: the seat is BUSY and this caller's. */
bool sb__seat_expire(sb_engine *e, uint32_t seat, uint64_t now);
size_t sb__slot_expire(sb_engine *e, uint32_t slot, uint64_t now);
void sb__slot_read(sb_engine *e, uint32_t slot, uint64_t now, sb_slot_info *out);
bool sb__slot_has_free(sb_engine *e, uint32_t slot, uint64_t now);

#endif
