/*
 * The journal: what the calls that change the durable state hand to the
 * writer thread (journal.c), how the writer keeps the durable image of the
 * state (shadow.c), and how sb_open() reads it back (recover.c).
 *
 * Order.  A call that changes the durable state takes a position in the
 * journal's ring just before the compare-and-swap that decides it, and
 * publishes its record (or a void one, when the swap lost) just after.  So
 * positions follow the swaps: for one person (or family, location, slot) the
 * journal holds the changes in the order they took effect, and a place
 * freed by one call and taken by another is freed at a smaller position.
 * Any prefix of the journal is therefore a state the engine was in, but for
 * holds (never journalled).
 */
#ifndef SB_JOURNAL_H
#define SB_JOURNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "internal.h"

/* ---- records ------------------------------------------------------------ */

/* Each record is the new image of what the call changed, never a delta, so
 * applying a record twice (a checkpoint's snapshot already holds it) is
 * harmless. */
enum {
    REC_PERSON = 1,   /* a person's word */
    REC_FAMILY = 2,   /* a family's word and members (members' words) */
    REC_WAIT = 3,     /* a person's word and their waiting entry */
    REC_CAPACITY = 4, /* a slot's capacity */
    REC_LOCATION = 5, /* a location open or closed */
    REC_STOCK = 6,    /* stickers added at a location so far */
    REC_STATS = 7,    /* the call counters (checkpoints and sb_close) */
    REC_VOID = 8,     /* in the ring only: a position whose swap lost */
};

typedef struct sb_rec_member {
    uint32_t number;
    uint64_t word;
} sb_rec_member;

typedef struct sb_rec {
    uint8_t type;
    uint8_t n;        /* FAMILY: members */
    uint16_t gen0;    /* FAMILY */
    uint32_t index;   /* person number, family, slot or location */
    uint64_t word;    /* person or family word, capacity, open, stickers */
    uint32_t entry;   /* WAIT: entry index */
    uint64_t entry_word;
    uint64_t ticket;
    sb_rec_member m[SB_FAMILY_MAX]; /* FAMILY */
} sb_rec;

/* ---- the ring and the writer -------------------------------------------- */

typedef struct sb_ring_slot {
    _Atomic uint64_t seq; /* position + 1 once published; 0 = not yet */
    sb_rec rec;
} sb_ring_slot;

/* Test seam: the writer's pwrite and fdatasync.  NULL members are the
 * system's. */
typedef struct sb_journal_io {
    ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t n, off_t offset);
    int (*fdatasync)(void *ctx, int fd);
    void *ctx;
} sb_journal_io;

/* The durable image of the state: the last journalled value of each thing,
 * kept by the writer (and by recovery), written out by a checkpoint. */
typedef struct sb_shadow {
    uint64_t *word;     /* max_people person words; 0 = never journalled */
    uint64_t *family;   /* max_families family words */
    uint64_t *entry;    /* locations * wait_cap entry words */
    uint64_t *ticket;   /* and their tickets */
    uint32_t *capacity; /* nslots */
    uint64_t *stock;    /* locations: stickers added */
    uint8_t *open;      /* locations */
    uint8_t *has;       /* max_people bits: the person has a record */
    uint32_t families;  /* family records seen: highest index + 1 */
    sb_stats stats;     /* the last REC_STATS */
} sb_shadow;

typedef struct sb_journal {
    /* Set at sb_open(), read-only afterwards. */
    char *path, *tmp;
    int fd, dirfd;
    uint8_t mode;
    uint32_t flush_ms;
    uint8_t bsn_key[16];     /* masks BSNs in the file */
    uint8_t fingerprint[16]; /* of code_key, in the header */
    uint8_t header[128];     /* the file header, rewritten by checkpoints */
    sb_ring_slot *ring;
    uint64_t ring_size; /* a power of two */
    pthread_t thread;
    bool started;

    /* Producers. */
    alignas(SB_CACHE_LINE) _Atomic uint64_t head; /* next position */
    /* The writer. */
    alignas(SB_CACHE_LINE) _Atomic uint64_t freed;   /* positions below are copied out */
    _Atomic uint64_t durable;                        /* positions below are flushed */
    _Atomic uint32_t wake;                           /* futex: durable moved or failed */
    _Atomic uint32_t waiters;                        /* callers sleeping on wake */
    _Atomic int failed;                              /* errno of the failure, 0 = none */
    alignas(SB_CACHE_LINE) _Atomic uint32_t kick;    /* futex: work for the writer */
    _Atomic uint32_t idle;                           /* the writer sleeps on kick */
    _Atomic uint32_t stop;                           /* sb_close */
    _Atomic uint32_t ckpt_asked, ckpt_done;          /* sb_checkpoint: futex on done */
    _Atomic int ckpt_status;
    char ckpt_error[320]; /* the last checkpoint's sb_last_error(), ckpt_done orders it */
    _Atomic uint64_t sync_asked;                     /* sb_sync in batch mode */
    _Atomic(const sb_journal_io *) io;

    /* The writer's own (and recovery's, before the writer starts). */
    uint64_t consumed; /* next position to copy out */
    uint64_t size;     /* bytes in the file */
    uint64_t frame;    /* next frame's number */
    uint8_t *buf;      /* the frame being built */
    size_t buf_len, buf_cap;
    sb_shadow shadow;

    /* For sb_journal_read. */
    _Atomic uint64_t records, flushes, checkpoints, file_bytes;
    uint64_t recovered, recover_ns, cut_bytes;
} sb_journal;

/* A call's place in the journal. */
typedef struct sb_jpos {
    uint64_t pos;
    sb_ring_slot *slot; /* NULL without a journal */
} sb_jpos;

/* ---- journal.c ------------------------------------------------------------ */

/* Opens (creating or recovering) o->journal for e, whose arrays are
 * allocated and zero: fills them with the recovered state and starts the
 * writer.  SB_OK, or a status with sb_last_error() set. */
sb_status sb__journal_open(sb_engine *e, const sb_options *o);
/* Flushes everything, writes the statistics, stops the writer, frees. */
void sb__journal_close(sb_engine *e);

bool sb__jr_take_slow(sb_engine *e, sb_jpos *j);
void sb__jr_put_slow(sb_engine *e, sb_jpos *j, const sb_rec *rec, bool done);

/* Takes the next position: false (SB_IO) once the journal has failed.
 * Without a journal, true and j->slot NULL.  Every position taken must be
 * put, promptly: the writer waits for it. */
static inline bool
sb__jr_take(sb_engine *e, sb_jpos *j)
{
    j->slot = NULL;
    return !e->journal || sb__jr_take_slow(e, j);
}
/* Publishes the record at j (or a void one when !done). */
static inline void
sb__jr_put(sb_engine *e, sb_jpos *j, const sb_rec *rec, bool done)
{
    if (j->slot)
        sb__jr_put_slow(e, j, rec, done);
}

/* A journalled compare-and-swap: takes a position, swaps *w from *expect
 * to next, publishes rec (a void record if the swap lost).  1: swapped;
 * 0: lost, *expect reloaded; -1: the journal has failed, nothing done. */
static inline int
sb__jr_cas(sb_engine *e, _Atomic uint64_t *w, uint64_t *expect, uint64_t next, const sb_rec *rec,
           sb_jpos *j)
{
    if (!sb__jr_take(e, j))
        return -1;
    bool ok = atomic_compare_exchange_strong_explicit(w, expect, next, memory_order_acq_rel,
                                                      memory_order_acquire);
    sb__jr_put(e, j, rec, ok);
    return ok;
}
sb_status sb__jr_wait_slow(sb_engine *e, const sb_jpos *j);

/* SB_DURABLE_SYNC: waits until j is on stable storage; SB_OK or SB_IO.
 * Other modes and no journal: SB_OK at once. */
static inline sb_status
sb__jr_wait(sb_engine *e, const sb_jpos *j)
{
    return j->slot ? sb__jr_wait_slow(e, j) : SB_OK;
}

/* Whether the journal has failed (calls that would change state answer
 * SB_IO).  false without a journal. */
static inline bool
sb__jr_failed(sb_engine *e)
{
    return e->journal && atomic_load_explicit(&e->journal->failed, memory_order_acquire) != 0;
}

/* Test seam, see sb_journal_io. */
void sb__journal_set_io(sb_engine *e, const sb_journal_io *io);

/* The record of a person's new word. */
static inline sb_rec
sb__rec_person(uint32_t number, uint64_t word)
{
    sb_rec r = {.type = REC_PERSON, .index = number, .word = word};
    return r;
}

/* ---- shadow.c --------------------------------------------------------------- */

int sb__shadow_init(sb_shadow *s, const sb_engine *e);
void sb__shadow_free(sb_shadow *s, const sb_engine *e);
/* Applies one record; false when it does not fit the engine (corrupt).
 * recovering: sb_open() reads the file (a family's members are stored in
 * the engine too); else the writer applies what it writes. */
bool sb__shadow_apply(sb_shadow *s, sb_engine *e, const sb_rec *rec, bool recovering);
/* Builds the engine's live state from the shadow (at sb_open()): false
 * when the records do not add up (more booked than released). */
bool sb__shadow_restore(sb_shadow *s, sb_engine *e);
/* The shadow as records, a batch at a time: fills up to max, returns how
 * many (0 at the end).  w starts zeroed. */
typedef struct sb_shadow_walk {
    unsigned phase;
    uint64_t i;
} sb_shadow_walk;
size_t sb__shadow_dump(const sb_shadow *s, const sb_engine *e, sb_shadow_walk *w, sb_rec *recs,
                       size_t max);

/* The last sb_open()'s error message is cleared at its start. */
void sb__clear_error(void);

/* ---- crc32c.c ---------------------------------------------------------------- */

uint32_t sb__crc32c(uint32_t crc, const void *data, size_t n);

/* ---- people.c, for recovery ---------------------------------------------- */

/* Stores bsn at number (a recovered person): false if the number has
 * another BSN.  The table is built afterwards, by sb__people_settle. */
bool sb__people_adopt(sb_people *p, uint32_t bsn, uint32_t number);
/* After the adoptions: enters every stored BSN in the table (false if one
 * is stored at two numbers), and makes the numbers left unused below each
 * stripe's highest adopted one available again. */
bool sb__people_settle(sb_people *p);

#endif
