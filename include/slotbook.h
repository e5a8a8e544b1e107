/*
 * slotbook: lock-free allocation of scarce appointment slots during
 * release-time booking surges, with codes that cannot be resold or copied.
 *
 * The model (see README.md):
 *
 *   location  an id 0 .. max_locations-1, open or closed (starts closed);
 *   slot      (location, day, window); day counts days since 1970-01-01,
 *             window is 0 .. windows_per_day-1; capacity starts at 0 and
 *             grows only by sb_release();
 *   person    a BSN (9 digits, 11-check); at most one hold or booking;
 *   hold      a place taken for hold_ms, confirmed into a booking or given
 *             back when it runs out or is cancelled;
 *   booking   a confirmed place with a code "XXXX-XXXX-XXXX-XXXX" that
 *             verifies only for its holder and is redeemed once at the desk.
 *
 * Threads: every function but sb_open() and sb_close() may be called from
 * any number of threads at once on one engine, with no registration.  The
 * engine starts no threads, but for a journal's writer.  Every call is
 * lock-free (no call ever waits for another thread; a call retries only
 * when another call made progress) and none allocates: sb_open() sizes
 * everything (sb_audit, a test aid, is the one exception).  With a journal
 * in SB_DURABLE_SYNC, a call that changes the state also waits for the
 * writer's flush of its record.
 *
 * Memory ordering: every state change is published with release semantics
 * and read with acquire semantics, so a thread that observes the effect of
 * a call (a status, a code, a read) also observes everything that call did.
 *
 * Check order: NULL pointers first (SB_INVALID_ARG), then the BSN
 * (SB_INVALID_ID), then location, day and window (SB_INVALID_ARG), before
 * any state is looked at.
 *
 * Limits (each also enforced by sb_open()):
 *   max_locations    1 .. 65,536
 *   windows_per_day  1 .. 65,535
 *   days             1 .. 36,600 (a century)
 *   slots            max_locations * days * windows_per_day <= 16,777,216
 *   max_people       1 .. 16,777,216 (a code carries 24 bits of person)
 *   holds_per_slot   1 .. 4,096 live holds (and delayed releases) per slot;
 *                    slots * holds_per_slot <= 16,777,216
 *   bookings         65,535 per person over the engine's life
 *   max_changes      0 (unlimited) .. 15 cancels and reschedules per person
 *   max_families     0 .. 16,777,216 family bookings over the engine's life;
 *                    SB_FAMILY_MAX people per family
 *   max_waiting      max_locations * max_waiting <= 16,777,216 entries
 *   stock            2^48 stickers added per location over the engine's life
 *   capacity         UINT32_MAX places per slot
 *   hold_ms          1 .. 2^31-1
 *   clock            the engine runs for at most 2^38 ms (8.7 years) after
 *                    sb_open(); later times are clamped to that bound, and
 *                    a hold taken there runs out at once (bookings go on)
 *   first_day        INT32_MIN + 1 .. INT32_MAX - days + 1 (INT32_MIN is
 *                    sb_day_from_civil's error value)
 *   code input       at most SB_CODE_INPUT_MAX characters are examined
 *   journal          16,384 records in flight (callers wait for room);
 *                    frames of at most 1 MiB
 */
#ifndef SLOTBOOK_H
#define SLOTBOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SB_BUILDING) && defined(__GNUC__)
#define SB_EXPORT __attribute__((visibility("default")))
#else
#define SB_EXPORT
#endif

#define SLOTBOOK_VERSION_MAJOR 0
#define SLOTBOOK_VERSION_MINOR 1
#define SLOTBOOK_VERSION_PATCH 0

typedef struct sb_engine sb_engine; /* opaque */

/*
 * Statuses.  Values are fixed and never renumbered; new codes may be added
 * at the end (SB_STATUS_COUNT grows), so handle unknown values gracefully.
 */
#define SB_STATUS_TABLE(X)                                            \
    X(SB_OK, 0, "ok")                                                 \
    X(SB_FULL, 1, "no free capacity in that slot")                    \
    X(SB_DUPLICATE, 2, "this person already has a hold or a booking") \
    X(SB_NOT_FOUND, 3, "no hold or booking for this person")          \
    X(SB_EXPIRED, 4, "the hold ran out")                              \
    X(SB_CLOSED, 5, "the location is closed")                         \
    X(SB_INVALID_ID, 6, "BSN out of range or failing the 11-check")   \
    X(SB_INVALID_ARG, 7, "invalid argument")                          \
    X(SB_FORGED, 8, "code malformed or not issued by this engine")    \
    X(SB_WRONG_HOLDER, 9, "genuine code presented with another BSN")  \
    X(SB_CANCELLED, 10, "code of a cancelled booking")                \
    X(SB_USED, 11, "code already redeemed")                           \
    X(SB_NOMEM, 12, "a preallocated limit is exhausted")              \
    X(SB_IO, 13, "journal failure")                                   \
    X(SB_CORRUPT, 14, "invariant check failed, or journal damaged")   \
    X(SB_NO_STOCK, 15, "the location has no sticker left")            \
    X(SB_LIMIT, 16, "the person's change limit is reached")           \
    X(SB_MISMATCH, 17, "journal of another engine shape or code_key")

typedef enum sb_status {
#define SB_STATUS_ENUM_(name, value, text) name = value,
    SB_STATUS_TABLE(SB_STATUS_ENUM_)
#undef SB_STATUS_ENUM_
        SB_STATUS_COUNT
} sb_status;

/* A sentence for s; "unknown status" for values outside the table.  Never
 * NULL, static storage, thread-safe. */
SB_EXPORT const char *sb_status_str(sb_status s);
/* The enumerator's name ("SB_FULL"); "SB_UNKNOWN" outside the table. */
SB_EXPORT const char *sb_status_name(sb_status s);

typedef struct sb_slot {
    uint16_t location;
    uint16_t window;
    int32_t day; /* days since 1970-01-01 */
} sb_slot;

/* Days since 1970-01-01 of a proleptic Gregorian civil date; INT32_MIN if
 * the month or day is invalid or the year is outside -1,000,000 ..
 * 1,000,000.  Pure function. */
SB_EXPORT int32_t sb_day_from_civil(int year, unsigned month, unsigned day);

/* 1 if bsn is a valid BSN (0 < bsn <= 999999999, 11-check), else 0. */
SB_EXPORT int sb_bsn_valid(uint32_t bsn);

typedef enum sb_state {
    SB_STATE_HELD = 1,
    SB_STATE_BOOKED,
    SB_STATE_REDEEMED,
    SB_STATE_WAITING /* on the waiting list (sb_wait) */
} sb_state;

typedef struct sb_booking {
    uint32_t bsn;
    sb_slot slot; /* WAITING: the location and the first day of the range */
    sb_state state;
    uint64_t deadline_ms; /* the hold's deadline (clock ms) when HELD, else 0 */
    uint32_t position;    /* WAITING: people waiting ahead at the location */
    int32_t last_day;     /* WAITING: the last day of the range */
} sb_booking;

typedef struct sb_slot_info {
    uint32_t capacity; /* places released so far */
    uint32_t held;     /* live holds */
    uint32_t booked;   /* confirmed, not yet redeemed */
    uint32_t redeemed; /* redeemed at the desk */
    uint32_t free;     /* capacity - held - booked - redeemed - pending */
    uint32_t pending;  /* cancelled places waiting for a delayed release */
} sb_slot_info;

/* Operations, as counted in sb_stats. */
typedef enum sb_op {
    SB_OP_RESERVE,
    SB_OP_CONFIRM,
    SB_OP_BOOK,
    SB_OP_CANCEL,
    SB_OP_LOOKUP,
    SB_OP_VERIFY,
    SB_OP_REDEEM,
    SB_OP_RELEASE,
    SB_OP_LOCATION, /* sb_location_open and sb_location_close */
    SB_OP_SLOT_READ,
    SB_OP_NEXT_FREE,
    SB_OP_RESCHEDULE,
    SB_OP_STOCK,      /* sb_stock_add */
    SB_OP_BOOK_GROUP, /* sb_book_group and sb_book_group_blocker */
    SB_OP_WAIT,
    SB_OP_COUNT
} sb_op;

/* The operation's name: its function's without "sb_" ("reserve", ...,
 * "stock_add", "book_group", "wait"; "location" for sb_location_open and
 * sb_location_close); "unknown" for values outside the enum.  Never NULL,
 * static storage, thread-safe. */
SB_EXPORT const char *sb_op_name(sb_op op);

#define SB_STATS_OPS 16      /* room for new operations */
#define SB_STATS_STATUSES 32 /* room for new statuses */

/* Counters since sb_open().  outcomes[op][status] counts the calls of op
 * that answered status; calls[op] is their sum. */
typedef struct sb_stats {
    uint64_t calls[SB_STATS_OPS];
    uint64_t outcomes[SB_STATS_OPS][SB_STATS_STATUSES];
    uint64_t expired; /* holds reclaimed after their deadline */
    uint64_t people;  /* people stored (each is kept for the engine's life) */
    uint64_t people_max;
} sb_stats;

/* Options.  Always fill with sb_options_init() first, then change fields:
 * fields added in later versions get their defaults that way. */
#define SB_HOLDS_AUTO UINT32_MAX
#define SB_FAMILIES_AUTO UINT32_MAX
#define SB_WAITING_AUTO UINT32_MAX
typedef struct sb_options {
    uint32_t max_locations;          /* default 16 */
    int32_t first_day;               /* first day of the horizon; default: today (UTC);
                                        set it with a journal (part of its shape) */
    uint32_t days;                   /* horizon length in days; default 120 */
    uint16_t windows_per_day;        /* >= 1; default 1 */
    uint32_t max_people;             /* size of the person table; default 1 << 20 */
    uint32_t hold_ms;                /* hold lifetime; default 600000 (10 min) */
    uint32_t release_delay_ms;       /* cancelled places return after a random delay
                                        in [0, release_delay_ms]; default 0 = at once */
    uint32_t holds_per_slot;         /* live holds + delayed releases per slot;
                                        default SB_HOLDS_AUTO: 128, or fewer so
                                        that slots * holds_per_slot <= 2^24 */
    uint32_t max_changes;            /* cancels + reschedules per person over the
                                        engine's life; 0 = unlimited (default),
                                        at most 15 */
    uint8_t use_stock;               /* 1: every hold and booking needs a sticker
                                        from its location's stock (sb_stock_add);
                                        default 0: no stock is kept */
    uint32_t max_families;           /* family bookings over the engine's life
                                        (sb_book_group); 0 = none; default
                                        SB_FAMILIES_AUTO: max_people / 4 */
    uint32_t max_waiting;            /* waiting-list places per location (sb_wait);
                                        0 = no waiting list; default
                                        SB_WAITING_AUTO: 1,024, or less so that
                                        max_locations * max_waiting <= 2^24 */
    uint8_t code_key[32];            /* secret for codes; all zero = random per engine */
    uint64_t (*clock_ms)(void *ctx); /* NULL = wall clock (CLOCK_REALTIME) in ms */
    void *clock_ctx;
    /* Durability (README, "Durability").  With a journal, code_key must
     * be set: the codes of a recovered engine verify only with it. */
    const char *journal; /* journal file; NULL = memory only (default) */
    uint8_t durable;     /* SB_DURABLE_SYNC (default) or SB_DURABLE_BATCH */
    uint32_t flush_ms;   /* SB_DURABLE_BATCH: longest time between flushes,
                            1 .. 60,000; default 5 */
    uint64_t reserved[6]; /* zero */
} sb_options;

/* Durability modes.
 *   SB_DURABLE_SYNC   a journalled call returns SB_OK only once its record
 *                     is on stable storage (fdatasync); calls in flight
 *                     share each flush (group commit).  A crash loses
 *                     nothing that was acknowledged.
 *   SB_DURABLE_BATCH  journalled calls return at once; a writer thread
 *                     flushes at least every flush_ms.  A crash loses at
 *                     most the calls of the last flush_ms (plus the flush
 *                     in progress); sb_sync() waits for everything before. */
#define SB_DURABLE_SYNC 0
#define SB_DURABLE_BATCH 1

/* Fills o with the defaults above.  o must not be NULL. */
SB_EXPORT void sb_options_init(sb_options *o);

/*
 * Opens an engine: allocates and zeroes everything it will ever use.
 *   o    in: options (copied; the caller keeps ownership);
 *   out  out: the engine, to be freed with sb_close().
 * Returns SB_OK; SB_INVALID_ARG for NULL, a zero size, a limit above,
 * hold_ms == 0 or a horizon that overflows int32; SB_NOMEM when allocation
 * fails.  Not thread-safe with respect to the new engine (nobody has it yet).
 *
 * With o->journal set: a missing file is created; an existing one is
 * recovered (README, "Durability"): every booking, cancel, redemption,
 * release, location state, stock addition, family booking and waiting-list
 * entry comes back, and every code verifies as before; holds do not (they
 * would run out anyway).  A record torn by a crash mid-write is cut off.
 * Then also SB_INVALID_ARG when code_key is all zero, durable or flush_ms
 * is out of range; SB_IO when the file cannot be read, created or written;
 * SB_CORRUPT when it is damaged before its last flush; SB_MISMATCH when it
 * belongs to another code_key or an engine of another shape: max_locations,
 * first_day, days, windows_per_day, max_people, use_stock, max_families and
 * max_waiting must be as when it was created (the rest may change).
 * sb_last_error() then says what and where.
 */
SB_EXPORT sb_status sb_open(const sb_options *o, sb_engine **out);

/* Frees the engine.  NULL is a no-op.  No other call may be running on e or
 * made on it afterwards (use after close aborts when it is detected).  With
 * a journal, first flushes every record (and the statistics) and stops the
 * writer thread. */
SB_EXPORT void sb_close(sb_engine *e);

/* A sentence on the last failure of sb_open(), sb_checkpoint() or sb_sync()
 * in this thread (the file, the offset, the system error); "" if none.
 * Thread-local storage, valid until the thread's next such call. */
SB_EXPORT const char *sb_last_error(void);

/*
 * Durability calls (engines with a journal).
 *
 * sb_sync: waits until every record of a call that returned before it is on
 * stable storage.  SB_OK; SB_INVALID_ARG without a journal; SB_IO once the
 * journal has failed.
 *
 * sb_checkpoint: writes the engine's durable state as a compact snapshot to
 * a new file beside the journal, flushes it, renames it over the journal
 * and flushes the directory: recovery then reads the snapshot and only the
 * records after it.  A crash at any moment leaves a journal that recovers.
 * Calls go on meanwhile (those in sync mode wait for the switch).  SB_OK;
 * SB_INVALID_ARG without a journal; SB_IO when the new file cannot be
 * written (the old journal stays in use) or the journal has failed.
 *
 * After an I/O error (disk full, EIO) the journal is failed for good: the
 * calls whose records were not flushed answer SB_IO and their changes are
 * undone; every later call that would change the state answers SB_IO at
 * once, unchanged; reads go on.  Reopen the engine to recover.
 */
SB_EXPORT sb_status sb_sync(sb_engine *e);
SB_EXPORT sb_status sb_checkpoint(sb_engine *e);

typedef struct sb_journal_info {
    uint64_t records;       /* records written since sb_open() */
    uint64_t flushes;       /* fdatasync calls that carried records */
    uint64_t bytes;         /* journal file size now */
    uint64_t recovered;     /* records read back by sb_open() */
    uint64_t recover_ns;    /* time sb_open() spent reading them */
    uint64_t cut_bytes;     /* torn tail cut off by sb_open() */
    uint64_t checkpoints;   /* since sb_open() */
    int error;              /* errno of the failure; 0 while healthy */
} sb_journal_info;

/* Fills *out.  SB_OK; SB_INVALID_ARG for NULL e or out, or no journal. */
SB_EXPORT sb_status sb_journal_read(sb_engine *e, sb_journal_info *out);

/*
 * Administration.  Wait-free (open/close) or lock-free (release).
 *
 * sb_location_open / sb_location_close: SB_OK (idempotent), SB_INVALID_ARG
 * for NULL e or an unknown location.  Closing refuses new reserves and books
 * (SB_CLOSED); holds taken before may still be confirmed; existing bookings
 * stay valid, cancel, lookup, verify and redeem work as usual.
 *
 * sb_release: adds places to a slot, open or closed location alike (0 is
 * allowed).  SB_OK; SB_INVALID_ARG for NULL e, an unknown slot, or a
 * capacity that would pass UINT32_MAX (nothing changes then).
 */
SB_EXPORT sb_status sb_location_open(sb_engine *e, uint16_t location);
SB_EXPORT sb_status sb_location_close(sb_engine *e, uint16_t location);
SB_EXPORT sb_status sb_release(sb_engine *e, sb_slot slot, uint32_t places);

/* People. */
#define SB_CODE_SIZE 20      /* "XXXX-XXXX-XXXX-XXXX" and NUL */
#define SB_CODE_INPUT_MAX 64 /* longer code strings answer SB_FORGED */

/*
 * sb_reserve: takes a hold on one place of slot for hold_ms.
 * Returns, in this order: SB_INVALID_ARG (NULL e), SB_INVALID_ID,
 * SB_INVALID_ARG (unknown location, day or window), SB_CLOSED,
 * SB_DUPLICATE (the person has a live hold, a booking or a redeemed booking),
 * SB_NO_STOCK (use_stock and the location has no sticker left),
 * SB_FULL (no free place; places of holds that ran out count as free),
 * SB_NOMEM (the person is new and max_people people are stored, or
 * holds_per_slot live holds and delayed releases fill the slot's seats),
 * else SB_OK.
 * A hold that ran out never blocks: the person may reserve again at once.
 * With use_stock the hold takes one sticker of the location's stock; it
 * goes back when the hold is cancelled, or once a hold that ran out is
 * reclaimed (see sb_stock_read), and stays with the booking the hold is
 * confirmed into.
 */
SB_EXPORT sb_status sb_reserve(sb_engine *e, uint32_t bsn, sb_slot slot);

/*
 * sb_confirm: turns the person's live hold into a booking and writes its
 * code to code[SB_CODE_SIZE] (upper case, NUL-terminated).
 * Returns SB_INVALID_ARG (NULL e or code), SB_INVALID_ID, SB_NOT_FOUND (no
 * hold), SB_EXPIRED (the latest hold ran out; until the person reserves
 * again), SB_DUPLICATE (already confirmed or redeemed), SB_NOMEM (65,535
 * bookings made by this person), else SB_OK.  code is written only on SB_OK.
 * Confirming works on a location closed after the hold was taken.
 */
SB_EXPORT sb_status sb_confirm(sb_engine *e, uint32_t bsn, char code[SB_CODE_SIZE]);

/* sb_book: sb_reserve and sb_confirm in one step (statuses of sb_reserve,
 * code written only on SB_OK). */
SB_EXPORT sb_status sb_book(sb_engine *e, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE]);

/*
 * sb_cancel: drops the person's live hold or booking (or their place on
 * the waiting list).  Its place returns to the slot, or goes to the first
 * person on the waiting list it fits, at once, or with release_delay_ms at
 * a random moment within the
 * delay (counted meanwhile as pending, in none of held, booked, redeemed and
 * free; it waits in one of the slot's holds_per_slot seats, and returns at
 * once when every seat holds a live hold or another delayed release).  The
 * old code then answers SB_CANCELLED for ever.
 * With use_stock the sticker returns to the location's stock at once.
 * Returns SB_INVALID_ARG, SB_INVALID_ID, SB_NOT_FOUND (nothing live, a hold
 * that ran out included), SB_USED (the booking was redeemed), SB_LIMIT (the
 * person made max_changes cancels and reschedules already; nothing
 * changes), else SB_OK.
 */
SB_EXPORT sb_status sb_cancel(sb_engine *e, uint32_t bsn);

/*
 * Families.  One appointment covers up to SB_FAMILY_MAX people, each with a
 * place at the desk.
 *
 * sb_book_group: books the n people of bsns[0..n) into slot with one code,
 * written to code: all of them or none.  The code verifies for every member
 * (each with their own BSN) and for nobody else; each member is redeemed on
 * their own; reserve, book and confirm answer SB_DUPLICATE for a member.
 * sb_cancel by any member cancels the family's appointment: the places of
 * the members not yet redeemed return (redeemed ones stay redeemed);
 * sb_reschedule by any member moves the whole family (SB_USED once a member
 * was redeemed); sb_lookup shows each member's booking.  After a cancel the
 * code answers SB_CANCELLED (SB_USED to a redeemed member); the code is the
 * leader's, so a member who has booked since gets SB_WRONG_HOLDER for it.
 * Members waiting on a list leave it when the family books them (also when
 * a racing call then stops the family).  A family's cancels
 * and reschedules count as changes for every member (max_changes): the
 * family may make as many as its member with the most changes has left.
 * Returns, in this order: SB_INVALID_ARG (NULL e, bsns or code, n == 0 or
 * n > SB_FAMILY_MAX), SB_INVALID_ID (a member's BSN), SB_INVALID_ARG (a BSN
 * twice; unknown location, day or window), SB_CLOSED, SB_DUPLICATE (a member
 * has a live hold, a booking or a redeemed booking), SB_NO_STOCK (fewer
 * than n stickers), SB_FULL (fewer than n free places), SB_NOMEM (new
 * members past max_people, max_families family bookings made, or 65,535
 * bookings made by the leader bsns[0]), else SB_OK.
 * A member's own call racing the family booking comes first: the family
 * then answers SB_DUPLICATE.  Two families racing for the last places never
 * both get a partial fill: each gets all its places or none.  Lock-free.
 *
 * sb_book_group_blocker: the same, and when the status is about one member
 * (SB_INVALID_ID, SB_INVALID_ARG for a BSN twice, SB_DUPLICATE, SB_NOMEM for
 * a new member or the leader's bookings), *blocker is that member's index in
 * bsns; else n.  blocker may be NULL.
 */
#define SB_FAMILY_MAX 6
SB_EXPORT sb_status sb_book_group(sb_engine *e, const uint32_t *bsns, unsigned n, sb_slot slot,
                                  char code[SB_CODE_SIZE]);
SB_EXPORT sb_status sb_book_group_blocker(sb_engine *e, const uint32_t *bsns, unsigned n,
                                          sb_slot slot, char code[SB_CODE_SIZE], unsigned *blocker);

/*
 * sb_reschedule: moves the person's booking to slot, atomically: either the
 * booking is in slot with a new code (written to code) and the old place is
 * freed (as by sb_cancel, release_delay_ms included), or nothing changes.
 * The old code answers SB_CANCELLED for ever.  Counts as one change.
 * Returns, in this order: SB_INVALID_ARG (NULL e or code), SB_INVALID_ID,
 * SB_INVALID_ARG (unknown location, day or window), SB_NOT_FOUND (no
 * booking: none, or only a hold), SB_USED (the booking was redeemed),
 * SB_DUPLICATE (the booking is in slot already), SB_LIMIT (max_changes
 * reached), SB_CLOSED (slot's location is closed), SB_NO_STOCK (use_stock,
 * another location, and it has no sticker left), SB_FULL, SB_NOMEM (65,535
 * bookings made by this person), else SB_OK.  code is written only on SB_OK.
 */
SB_EXPORT sb_status sb_reschedule(sb_engine *e, uint32_t bsn, sb_slot slot,
                                  char code[SB_CODE_SIZE]);

/*
 * sb_lookup: the person's live hold, booking or redeemed booking, or their
 * place on the waiting list (SB_STATE_WAITING, with position and range), in
 * *out.  Returns SB_INVALID_ARG (NULL e or out), SB_INVALID_ID, SB_NOT_FOUND
 * (never had one, cancelled, or the hold ran out), else SB_OK.  Lock-free;
 * O(max_waiting) for a waiting person (counting who is ahead), else O(1).
 */
SB_EXPORT sb_status sb_lookup(sb_engine *e, uint32_t bsn, sb_booking *out);

/*
 * sb_verify: checks code for bsn without changing anything.  Parsing is
 * case-insensitive, ignores '-' and ' ', reads O as 0 and I, L as 1.
 * Returns SB_INVALID_ARG (NULL e or code), SB_INVALID_ID, SB_FORGED
 * (malformed, or not issued by this engine's code_key), SB_WRONG_HOLDER
 * (genuine, but another person's: resold or copied; decided before any
 * state is read), SB_CANCELLED, SB_USED, else SB_OK.  out may be NULL; it is
 * filled on SB_OK and SB_USED.  Wait-free.
 */
SB_EXPORT sb_status sb_verify(sb_engine *e, const char *code, uint32_t bsn, sb_booking *out);

/* sb_redeem: as sb_verify, and marks the booking used: SB_OK exactly once
 * per booking, SB_USED afterwards.  A redeemed booking stays the person's one
 * booking for ever (reserve, book and confirm answer SB_DUPLICATE). */
SB_EXPORT sb_status sb_redeem(sb_engine *e, const char *code, uint32_t bsn);

/*
 * sb_slot_read: the slot's counters in *out.  Every answer satisfies
 * held + booked + redeemed <= capacity; a hold that ran out counts as free
 * at once.  The counters are read together and re-read until stable (a
 * bounded number of times) so the answer is a snapshot unless writers keep
 * racing on that very slot.  Returns SB_INVALID_ARG (NULL e or out, unknown
 * slot), else SB_OK.  Lock-free; cost O(holds_per_slot) when holds exist.
 */
SB_EXPORT sb_status sb_slot_read(sb_engine *e, sb_slot slot, sb_slot_info *out);

/*
 * sb_next_free: the first slot at location, by day then window, from
 * max(from_day, first_day) to the end of the horizon, with a free place.
 * Returns SB_INVALID_ARG (NULL e or out, unknown location), SB_CLOSED, SB_FULL
 * (none, or from_day past the horizon), else SB_OK with *out filled.
 */
SB_EXPORT sb_status sb_next_free(sb_engine *e, uint16_t location, int32_t from_day, sb_slot *out);

/*
 * Sticker stock (use_stock).  In September 2022 the stickers for the
 * residence documents ran out and the planner stopped: with use_stock every
 * hold and booking takes one sticker of its location besides a place in the
 * slot, both or neither.  A cancel, a reschedule away and a hold that runs
 * out give it back; a redeemed booking used it up.
 *
 * sb_stock_add: puts count more stickers on the location's shelf (0 is
 * allowed).  SB_OK; SB_INVALID_ARG for NULL e, an unknown location, an
 * engine without use_stock, or more than 2^48 stickers added to the
 * location over the engine's life (nothing changes then).  Lock-free.
 *
 * sb_stock_read: the stickers on the shelf now, in *available.  A hold that
 * ran out gives its sticker back when it is reclaimed: by sb_expire, by a
 * reserve that takes its place in a full slot, by its owner's next
 * successful reserve, book, sb_wait or family booking, or by a reserve,
 * book, reschedule or family booking at the location that finds the shelf
 * empty (it reclaims all the location's dead holds before answering
 * SB_NO_STOCK).  Until then it is
 * not counted on the shelf.  SB_INVALID_ARG as for sb_stock_add or a NULL available.
 * Wait-free.
 */
SB_EXPORT sb_status sb_stock_add(sb_engine *e, uint16_t location, uint32_t count);
SB_EXPORT sb_status sb_stock_read(sb_engine *e, uint16_t location, uint64_t *available);

/*
 * sb_each_booking: calls fn(booking, ctx) for every live hold, booking and
 * redeemed booking at location with from_day <= day <= to_day, so a server
 * can notify and move people when a location closes or moves.  fn returns 0
 * to go on, anything else to stop (sb_each_booking then returns SB_OK).
 * Each person is read consistently; the walk as a whole is not a snapshot
 * while other calls run (a booking made or moved meanwhile may be missed or
 * seen once in its old and once in its new place).  fn may call any
 * function of the engine but sb_close.
 * Returns SB_INVALID_ARG (NULL e or fn, unknown location, from_day >
 * to_day), else SB_OK.  O(people stored); allocates nothing.
 */
typedef int (*sb_booking_fn)(const sb_booking *booking, void *ctx);
SB_EXPORT sb_status sb_each_booking(sb_engine *e, uint16_t location, int32_t from_day,
                                    int32_t to_day, sb_booking_fn fn, void *ctx);

/*
 * The waiting list.  Instead of refreshing sb_next_free, a person waits for
 * a place at a location between two days.  When a place there frees up (a
 * cancel, a reschedule away, a family cancelled, sb_release, or a hold or
 * delayed release reclaimed by sb_expire), the first person on the list
 * whose range holds its day gets a hold on it at once, as if they had
 * called sb_reserve: they confirm it as usual, or it runs out and the next
 * one gets the place when sb_expire reclaims it.  First come, first served;
 * each person waits once (they leave the list when they get a hold, reserve
 * or book themselves, or cancel).  The engine has no notion of today, so
 * people whose range has passed stay on the list until the server cancels
 * them (each freed place at a location scans its max_waiting entries).  Places of holds that ran out reach the
 * list when they are reclaimed: by sb_expire, or by a call that reclaims
 * them on its way (a reserve finding the shelf short, a family booking
 * finding its slot full, the owner's next reserve).  A reserve that takes
 * such a place over in a full slot keeps it, so a server with a waiting
 * list calls sb_expire every second or so.  A
 * location that is closed gives nobody a place from its list.
 *
 * sb_wait: joins the list of location for days from_day .. to_day (clamped
 * to the horizon).  Returns, in this order: SB_INVALID_ARG (NULL e),
 * SB_INVALID_ID, SB_INVALID_ARG (unknown location, no waiting list, or no
 * day of the range inside the horizon), SB_CLOSED, SB_DUPLICATE (the person
 * waits already, or has a live hold, a booking or a redeemed booking),
 * SB_NOMEM (max_waiting people wait at the location, or the person is new
 * and max_people are stored), else SB_OK.  sb_cancel leaves the list (not
 * counted as a change); sb_lookup shows the place on it.  sb_wait does not
 * look for a place that is free already (sb_next_free and sb_reserve do).
 * Lock-free.
 */
SB_EXPORT sb_status sb_wait(sb_engine *e, uint32_t bsn, uint16_t location, int32_t from_day,
                            int32_t to_day);

/*
 * sb_expire: reclaims every hold past its deadline now, and every delayed
 * release that is due, so their seats are reusable.  Returns how many holds
 * this call reclaimed (0 for NULL e).  Not needed for correctness: expired
 * holds already count as free everywhere.  Lock-free; O(slots with due work
 * * holds_per_slot).
 */
SB_EXPORT size_t sb_expire(sb_engine *e);

/* sb_stats_read: sums the striped counters into *out (no-op if either is
 * NULL).  Counters are read one by one: a snapshot only when quiescent. */
SB_EXPORT void sb_stats_read(sb_engine *e, sb_stats *out);

/*
 * sb_audit: checks every invariant by walking all slots and people:
 * no slot over capacity; every slot's held, booked and redeemed equal the
 * people holding or booked there (family members included); no seat
 * without an owner; every member of a booked family points at it; every
 * waiting person's entry names them; with use_stock, per location, stickers
 * on the shelf + stickers with people == stickers added.  Call it only
 * while no other call runs on e (it is meant for tests and the end of a
 * replay).  out may be NULL.  Returns SB_OK when every check passes,
 * SB_INVALID_ARG for NULL e, SB_CORRUPT when one fails: then out->violations
 * counts the failures and the first is described in msg[0..msg_size) (when
 * msg is not NULL).  Allocates a scratch array of 8 bytes per slot and per
 * location (SB_NOMEM if that fails).
 */
typedef struct sb_audit_report {
    uint64_t slots, people, held, booked, redeemed, pending, capacity;
    uint64_t violations;
} sb_audit_report;
SB_EXPORT sb_status sb_audit(sb_engine *e, sb_audit_report *out, char *msg, size_t msg_size);

#ifdef __cplusplus
}
#endif

#endif /* SLOTBOOK_H */
