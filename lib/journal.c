/*
 * The journal: a file of flush frames, written by one writer thread, read
 * back by sb_open().
 *
 * Hand-off.  A call takes a position with one fetch-and-add on head and
 * publishes its record in the ring slot of that position (journal.h says
 * why the position comes just before the call's compare-and-swap).  The
 * writer copies published records out in position order into a frame,
 * applies them to the shadow (the durable image), writes the frame and
 * flushes it (fdatasync), then moves `durable` past them and wakes the
 * callers waiting on it.  Records published while a flush runs go into the
 * next frame: group commit, so a flush carries as many calls as arrived
 * during the one before.  No lock anywhere; callers sleep on a futex only
 * in SB_DURABLE_SYNC, and only for their own flush.
 *
 * File.  A 128-byte header (format, the engine's shape, a fingerprint of
 * code_key), then frames: a 24-byte frame header (magic, payload length,
 * frame number, payload CRC32C, header CRC32C) and the payload, a run of
 * records (u16 length, u8 type, body; little-endian).  BSNs are stored
 * masked with a keyed hash of the person number (key derived from
 * code_key), never in plain.
 *
 * Reading.  Frames are read in order; the first that is cut short or fails
 * its checksums ends the journal.  If no valid frame with a larger number
 * follows anywhere after it, that was the frame being written when the
 * process died (only the last frame can be: a frame is written only after
 * the one before was flushed), and it is cut off.  Otherwise the damage is
 * before the tail and sb_open() refuses (SB_CORRUPT).
 *
 * Checkpoint.  The writer, between two frames, writes the shadow as
 * records into "<journal>.tmp", flushes it, renames it over the journal and
 * flushes the directory, then appends to the new file.  Until the rename
 * the old journal is whole; after it, the new one is.
 *
 * Failure.  A failed write or flush fails the journal for good: `failed`
 * is set, the callers of the unflushed records answer SB_IO (and undo their
 * changes), and sb__jr_take() refuses every later call.  The writer cuts
 * the file back to its last flushed frame (best effort) and goes on only to
 * drain the ring.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HEADER_SIZE 128
#define FORMAT_VERSION 1
#define FRAME_MAGIC 0x314d5246u /* "FRM1" */
#define FRAME_HEADER 24
#define RING_SIZE 16384u
#define BUF_CAP ((size_t)1 << 20)
#define REC_MAX 160 /* the largest record but REC_STATS */
#define STATS_WORDS (SB_STATS_OPS * SB_STATS_STATUSES + 1)

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the file format is little-endian");

/* ---- errors --------------------------------------------------------------- */

static _Thread_local char last_error[320];

static void
set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

void
sb__clear_error(void)
{
    last_error[0] = '\0';
}

SB_EXPORT const char *
sb_last_error(void)
{
    return last_error;
}

/* ---- futexes ---------------------------------------------------------------- */

static void
futex_wait(_Atomic uint32_t *addr, uint32_t seen, long timeout_ms)
{
    struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

static void
futex_wake(_Atomic uint32_t *addr, int n)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the calls' side ---------------------------------------------------------- */

bool
sb__jr_take_slow(sb_engine *e, sb_jpos *j)
{
    sb_journal *J = e->journal;
    if (atomic_load_explicit(&J->failed, memory_order_acquire))
        return false;
    uint64_t pos = atomic_fetch_add_explicit(&J->head, 1, memory_order_seq_cst);
    for (unsigned spins = 0;
         pos >= atomic_load_explicit(&J->freed, memory_order_acquire) + J->ring_size; spins++) {
        /* The ring is full: the writer is behind (or checkpointing).  Make
         * sure it runs, then let it. */
        if (spins == 0) {
            atomic_fetch_add_explicit(&J->kick, 1, memory_order_seq_cst);
            futex_wake(&J->kick, 1);
        }
        if (spins < 64)
            sched_yield();
        else
            nanosleep(&(struct timespec){0, 50000}, NULL);
    }
    j->pos = pos;
    j->slot = &J->ring[pos & (J->ring_size - 1)];
    return true;
}

void
sb__jr_put_slow(sb_engine *e, sb_jpos *j, const sb_rec *rec, bool done)
{
    sb_journal *J = e->journal;
    if (done)
        j->slot->rec = *rec;
    else
        j->slot->rec.type = REC_VOID;
    atomic_store_explicit(&j->slot->seq, j->pos + 1, memory_order_seq_cst);
    bool pressed = j->pos - atomic_load_explicit(&J->freed, memory_order_relaxed) > J->ring_size / 2;
    if ((J->mode == SB_DURABLE_SYNC || pressed) &&
        atomic_load_explicit(&J->idle, memory_order_seq_cst)) {
        atomic_fetch_add_explicit(&J->kick, 1, memory_order_seq_cst);
        futex_wake(&J->kick, 1);
    }
}

/* Sleeps until position pos (exclusive bound: durable > pos) is flushed. */
static sb_status
wait_durable(sb_journal *J, uint64_t pos)
{
    if (atomic_load_explicit(&J->durable, memory_order_acquire) > pos)
        return SB_OK;
    atomic_fetch_add_explicit(&J->waiters, 1, memory_order_seq_cst);
    sb_status st;
    for (;;) {
        uint32_t seen = atomic_load_explicit(&J->wake, memory_order_seq_cst);
        if (atomic_load_explicit(&J->durable, memory_order_acquire) > pos) {
            st = SB_OK;
            break;
        }
        if (atomic_load_explicit(&J->failed, memory_order_acquire)) {
            st = SB_IO;
            break;
        }
        futex_wait(&J->wake, seen, 100);
    }
    atomic_fetch_sub_explicit(&J->waiters, 1, memory_order_relaxed);
    return st;
}

sb_status
sb__jr_wait_slow(sb_engine *e, const sb_jpos *j)
{
    sb_journal *J = e->journal;
    return J->mode == SB_DURABLE_SYNC ? wait_durable(J, j->pos) : SB_OK;
}

void
sb__journal_set_io(sb_engine *e, const sb_journal_io *io)
{
    atomic_store_explicit(&e->journal->io, io, memory_order_release);
}

/* ---- records in the file -------------------------------------------------------- */

static uint32_t
bsn_mask(const sb_journal *J, uint32_t number)
{
    uint8_t in[4], out[8];
    memcpy(in, &number, sizeof in);
    crypto_shorthash(out, in, sizeof in, J->bsn_key);
    uint32_t m;
    memcpy(&m, out, sizeof m);
    return m;
}

typedef struct wbuf {
    uint8_t *p;
    size_t len;
} wbuf;

static void
put_bytes(wbuf *b, const void *v, size_t n)
{
    memcpy(b->p + b->len, v, n);
    b->len += n;
}
#define PUT(b, v)                         \
    do {                                  \
        __typeof__(v) put_v_ = (v);       \
        put_bytes((b), &put_v_, sizeof put_v_); \
    } while (0)

static void
put_person(wbuf *b, const sb_engine *e, uint32_t number, uint64_t word)
{
    uint32_t bsn = atomic_load_explicit(&e->people.bsn[number], memory_order_relaxed);
    PUT(b, number);
    PUT(b, bsn ^ bsn_mask(e->journal, number));
    PUT(b, word);
}

/* Appends rec to b: u16 length of what follows, u8 type, body. */
static void
put_rec(wbuf *b, const sb_engine *e, const sb_rec *r)
{
    size_t at = b->len;
    b->len += 2;
    PUT(b, r->type);
    switch (r->type) {
    case REC_PERSON:
        put_person(b, e, r->index, r->word);
        break;
    case REC_WAIT:
        put_person(b, e, r->index, r->word);
        PUT(b, r->entry);
        PUT(b, r->entry_word);
        PUT(b, r->ticket);
        break;
    case REC_FAMILY:
        PUT(b, r->index);
        PUT(b, r->n);
        PUT(b, r->gen0);
        PUT(b, r->word);
        for (unsigned i = 0; i < r->n; i++)
            put_person(b, e, r->m[i].number, r->m[i].word);
        break;
    case REC_CAPACITY:
        PUT(b, r->index);
        PUT(b, (uint32_t)r->word);
        break;
    case REC_LOCATION:
        PUT(b, (uint16_t)r->index);
        PUT(b, (uint8_t)r->word);
        break;
    case REC_STOCK:
        PUT(b, (uint16_t)r->index);
        PUT(b, r->word);
        break;
    default:
        sb_assert(!"a record type the writer knows");
    }
    uint16_t len = (uint16_t)(b->len - at - 2);
    memcpy(b->p + at, &len, sizeof len);
}

static void
put_stats(wbuf *b, const sb_stats *s)
{
    uint16_t len = 1 + STATS_WORDS * 8;
    PUT(b, len);
    PUT(b, (uint8_t)REC_STATS);
    for (unsigned op = 0; op < SB_STATS_OPS; op++)
        put_bytes(b, s->outcomes[op], sizeof s->outcomes[op]);
    PUT(b, s->expired);
}

/* Reading: a cursor over one frame's payload. */
typedef struct rbuf {
    const uint8_t *p;
    size_t len, at;
    bool bad;
} rbuf;

static void
get_bytes(rbuf *b, void *v, size_t n)
{
    if (b->bad || b->len - b->at < n) {
        b->bad = true;
        memset(v, 0, n);
        return;
    }
    memcpy(v, b->p + b->at, n);
    b->at += n;
}
#define GET(b, v) get_bytes((b), &(v), sizeof(v))

/* Reads a person (number, masked BSN, word) and stores the BSN at the
 * number: false when the pair does not fit the engine. */
static bool
get_person(rbuf *b, sb_engine *e, uint32_t *number, uint64_t *word)
{
    uint32_t masked;
    GET(b, *number);
    GET(b, masked);
    GET(b, *word);
    if (b->bad || *number >= e->people.max)
        return false;
    uint32_t bsn = masked ^ bsn_mask(e->journal, *number);
    return sb_bsn_valid(bsn) && sb__people_adopt(&e->people, bsn, *number);
}

/* Decodes and applies one record: false when it is malformed. */
static bool
read_rec(rbuf *b, sb_engine *e)
{
    sb_journal *J = e->journal;
    uint16_t len;
    uint8_t type;
    GET(b, len);
    size_t end = b->at + len;
    GET(b, type);
    if (b->bad || end > b->len)
        return false;
    sb_rec r = {.type = type};
    switch (type) {
    case REC_PERSON:
        if (!get_person(b, e, &r.index, &r.word))
            return false;
        break;
    case REC_WAIT:
        if (!get_person(b, e, &r.index, &r.word))
            return false;
        GET(b, r.entry);
        GET(b, r.entry_word);
        GET(b, r.ticket);
        break;
    case REC_FAMILY:
        GET(b, r.index);
        GET(b, r.n);
        GET(b, r.gen0);
        GET(b, r.word);
        if (r.n == 0 || r.n > SB_FAMILY_MAX)
            return false;
        for (unsigned i = 0; i < r.n; i++)
            if (!get_person(b, e, &r.m[i].number, &r.m[i].word))
                return false;
        break;
    case REC_CAPACITY: {
        uint32_t cap;
        GET(b, r.index);
        GET(b, cap);
        r.word = cap;
        break;
    }
    case REC_LOCATION: {
        uint16_t loc;
        uint8_t open;
        GET(b, loc);
        GET(b, open);
        r.index = loc;
        r.word = open;
        break;
    }
    case REC_STOCK: {
        uint16_t loc;
        GET(b, loc);
        GET(b, r.word);
        r.index = loc;
        break;
    }
    case REC_STATS:
        if (len != 1 + STATS_WORDS * 8)
            return false;
        for (unsigned op = 0; op < SB_STATS_OPS; op++)
            get_bytes(b, J->shadow.stats.outcomes[op], sizeof J->shadow.stats.outcomes[op]);
        GET(b, J->shadow.stats.expired);
        return !b->bad && b->at == end; /* not counted in recovered */
    default:
        return false;
    }
    J->recovered++;
    return !b->bad && b->at == end && sb__shadow_apply(&J->shadow, e, &r, true);
}

/* ---- file I/O ----------------------------------------------------------------- */

static ssize_t
io_pwrite(sb_journal *J, int fd, const void *buf, size_t n, off_t off)
{
    const sb_journal_io *io = atomic_load_explicit(&J->io, memory_order_acquire);
    if (io && io->pwrite)
        return io->pwrite(io->ctx, fd, buf, n, off);
    return pwrite(fd, buf, n, off);
}

static int
io_sync(sb_journal *J, int fd)
{
    const sb_journal_io *io = atomic_load_explicit(&J->io, memory_order_acquire);
    if (io && io->fdatasync)
        return io->fdatasync(io->ctx, fd);
    return fdatasync(fd);
}

/* Writes all n bytes at off: 0, or an errno. */
static int
write_all(sb_journal *J, int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = io_pwrite(J, fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 && errno ? errno : EIO;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static void
frame_header(uint8_t h[FRAME_HEADER], uint64_t frame, const uint8_t *payload, uint32_t len)
{
    uint32_t magic = FRAME_MAGIC, pcrc = sb__crc32c(0, payload, len);
    memcpy(h, &magic, 4);
    memcpy(h + 4, &len, 4);
    memcpy(h + 8, &frame, 8);
    memcpy(h + 16, &pcrc, 4);
    uint32_t hcrc = sb__crc32c(0, h, 20);
    memcpy(h + 20, &hcrc, 4);
}

/* Writes j->buf as the next frame of fd at *size: 0 or an errno.  The
 * payload sits after FRAME_HEADER bytes of room at the start of buf. */
static int
frame_write(sb_journal *J, int fd, uint64_t *size, uint64_t *frame)
{
    uint32_t len = (uint32_t)(J->buf_len - FRAME_HEADER);
    frame_header(J->buf, *frame, J->buf + FRAME_HEADER, len);
    int err = write_all(J, fd, J->buf, J->buf_len, *size);
    if (err)
        return err;
    *size += J->buf_len;
    (*frame)++;
    J->buf_len = FRAME_HEADER;
    return 0;
}

/* The header: format, shape, fingerprint, CRC. */
static void
header_make(sb_journal *J, const sb_engine *e, bool use_stock)
{
    uint8_t *h = J->header;
    memset(h, 0, HEADER_SIZE);
    memcpy(h, "SLOTBOOK", 8);
    uint32_t v[] = {FORMAT_VERSION, HEADER_SIZE, e->locations, e->days, (uint32_t)e->first_day,
                    e->windows, e->people.max, e->max_families, e->wait_cap, use_stock};
    memcpy(h + 8, v, sizeof v);
    memcpy(h + 48, J->fingerprint, 16);
    uint32_t crc = sb__crc32c(0, h, HEADER_SIZE - 4);
    memcpy(h + HEADER_SIZE - 4, &crc, 4);
}

static const char *const SHAPE_NAMES[] = {"format version", "header size",   "max_locations",
                                          "days",           "first_day",     "windows_per_day",
                                          "max_people",     "max_families",  "max_waiting",
                                          "use_stock"};

/* Checks a file's header against ours. */
static sb_status
header_check(const sb_journal *J, const uint8_t *h)
{
    uint32_t crc;
    memcpy(&crc, h + HEADER_SIZE - 4, 4);
    if (memcmp(h, "SLOTBOOK", 8) != 0 || crc != sb__crc32c(0, h, HEADER_SIZE - 4)) {
        set_error("%s: not a slotbook journal, or its header is damaged", J->path);
        return SB_CORRUPT;
    }
    for (unsigned i = 0; i < sizeof SHAPE_NAMES / sizeof SHAPE_NAMES[0]; i++) {
        uint32_t theirs, ours;
        memcpy(&theirs, h + 8 + 4 * i, 4);
        memcpy(&ours, J->header + 8 + 4 * i, 4);
        if (theirs != ours) {
            set_error("%s: written with %s %d, opened with %d", J->path, SHAPE_NAMES[i],
                      (int)theirs, (int)ours);
            return SB_MISMATCH;
        }
    }
    if (sodium_memcmp(h + 48, J->fingerprint, 16) != 0) {
        set_error("%s: written with another code_key", J->path);
        return SB_MISMATCH;
    }
    return SB_OK;
}

static int
sync_dir(sb_journal *J)
{
    return fsync(J->dirfd) == 0 ? 0 : errno;
}

/* ---- the writer ------------------------------------------------------------------ */

/* Copies published records out of the ring into the frame, applying them
 * to the shadow: how many it took (void ones included). */
static uint64_t
gather(sb_engine *e)
{
    sb_journal *J = e->journal;
    uint64_t head = atomic_load_explicit(&J->head, memory_order_seq_cst), n = 0;
    bool failed = atomic_load_explicit(&J->failed, memory_order_relaxed);
    wbuf b = {J->buf, J->buf_len};
    while (J->consumed < head && b.len + REC_MAX <= J->buf_cap) {
        sb_ring_slot *s = &J->ring[J->consumed & (J->ring_size - 1)];
        for (unsigned spins = 0;
             atomic_load_explicit(&s->seq, memory_order_acquire) != J->consumed + 1; spins++)
            if (spins > 64)
                sched_yield();
        if (s->rec.type != REC_VOID && !failed) {
            put_rec(&b, e, &s->rec);
            sb__shadow_apply(&J->shadow, e, &s->rec, false);
            atomic_fetch_add_explicit(&J->records, 1, memory_order_relaxed);
        }
        J->consumed++;
        n++;
        /* Freed at once: a caller waiting for room in a full ring may hold
         * the very position this loop waits for next. */
        atomic_store_explicit(&J->freed, J->consumed, memory_order_release);
    }
    J->buf_len = b.len;
    return n;
}

static void
announce(sb_journal *J)
{
    atomic_fetch_add_explicit(&J->wake, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&J->waiters, memory_order_seq_cst))
        futex_wake(&J->wake, INT_MAX);
}

static void
fail(sb_journal *J, int err)
{
    atomic_store_explicit(&J->failed, err ? err : EIO, memory_order_release);
    /* Best effort: no half-written frame stays behind for recovery. */
    if (ftruncate(J->fd, (off_t)J->size) == 0)
        (void)fdatasync(J->fd);
    J->buf_len = FRAME_HEADER;
    announce(J);
}

/* Writes and flushes the frame gathered so far; moves durable. */
static void
flush(sb_engine *e)
{
    sb_journal *J = e->journal;
    if (atomic_load_explicit(&J->failed, memory_order_relaxed)) {
        J->buf_len = FRAME_HEADER;
        return;
    }
    if (J->buf_len > FRAME_HEADER) {
        uint64_t size = J->size, frame = J->frame;
        int err = frame_write(J, J->fd, &size, &frame);
        if (!err && io_sync(J, J->fd) != 0)
            err = errno ? errno : EIO;
        if (err) {
            fail(J, err);
            return;
        }
        J->size = size;
        J->frame = frame;
        atomic_fetch_add_explicit(&J->flushes, 1, memory_order_relaxed);
        atomic_store_explicit(&J->file_bytes, J->size, memory_order_relaxed);
    }
    atomic_store_explicit(&J->durable, J->consumed, memory_order_release);
    announce(J);
}

/* Writes the shadow as a new journal and puts it in place of the old. */
static sb_status
checkpoint(sb_engine *e)
{
    sb_journal *J = e->journal;
    int fd = open(J->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_error("%s: %s", J->tmp, strerror(errno));
        return SB_IO;
    }
    uint64_t size = 0, frame = 0;
    int err = write_all(J, fd, J->header, HEADER_SIZE, 0);
    size = HEADER_SIZE;
    J->buf_len = FRAME_HEADER;
    sb_rec recs[64];
    size_t nrec = 0;
    sb_shadow_walk w = {0, 0};
    while (!err && (nrec = sb__shadow_dump(&J->shadow, e, &w, recs, 64)) != 0) {
        wbuf b = {J->buf, J->buf_len};
        for (size_t i = 0; i < nrec; i++)
            put_rec(&b, e, &recs[i]);
        J->buf_len = b.len;
        if (J->buf_len + 64 * REC_MAX > J->buf_cap)
            err = frame_write(J, fd, &size, &frame);
    }
    if (!err && J->buf_len + 8192 > J->buf_cap)
        err = frame_write(J, fd, &size, &frame);
    if (!err) {
        sb_stats s;
        sb_stats_read(e, &s);
        wbuf b = {J->buf, J->buf_len};
        put_stats(&b, &s);
        J->buf_len = b.len;
        err = frame_write(J, fd, &size, &frame);
    }
    if (!err && io_sync(J, fd) != 0)
        err = errno ? errno : EIO;
    if (!err && rename(J->tmp, J->path) != 0)
        err = errno;
    J->buf_len = FRAME_HEADER;
    if (err) {
        close(fd);
        unlink(J->tmp);
        set_error("checkpoint of %s: %s", J->path, strerror(err));
        return SB_IO;
    }
    /* The new file is the journal now: appends go to it. */
    close(J->fd);
    J->fd = fd;
    J->size = size;
    J->frame = frame;
    err = sync_dir(J);
    if (err) {
        fail(J, err);
        set_error("checkpoint of %s: %s", J->path, strerror(err));
        return SB_IO;
    }
    atomic_store_explicit(&J->file_bytes, size, memory_order_relaxed);
    atomic_fetch_add_explicit(&J->checkpoints, 1, memory_order_relaxed);
    return SB_OK;
}

/* Runs an asked-for checkpoint, after flushing what was gathered. */
static void
checkpoint_asked(sb_engine *e, uint32_t asked)
{
    sb_journal *J = e->journal;
    flush(e);
    last_error[0] = '\0';
    sb_status st = atomic_load_explicit(&J->failed, memory_order_relaxed) ? SB_IO : checkpoint(e);
    /* For the caller's sb_last_error(): this is the writer's. */
    memcpy(J->ckpt_error, last_error, sizeof J->ckpt_error);
    atomic_store_explicit(&J->ckpt_status, st, memory_order_relaxed);
    atomic_store_explicit(&J->ckpt_done, asked, memory_order_release);
    futex_wake(&J->ckpt_done, INT_MAX);
}

/* Sleeps until kicked, or until the batch flush is due. */
static void
writer_sleep(sb_journal *J, uint64_t now, uint64_t last)
{
    uint32_t k = atomic_load_explicit(&J->kick, memory_order_seq_cst);
    atomic_store_explicit(&J->idle, 1, memory_order_seq_cst);
    if (J->consumed == atomic_load_explicit(&J->head, memory_order_seq_cst)) {
        long ms = J->mode == SB_DURABLE_SYNC ? 100 : (long)J->flush_ms;
        uint64_t period = (uint64_t)J->flush_ms * 1000000u;
        if (J->consumed > atomic_load_explicit(&J->durable, memory_order_relaxed))
            ms = now - last < period ? (long)((period - (now - last)) / 1000000u) + 1 : 1;
        futex_wait(&J->kick, k, ms);
    }
    atomic_store_explicit(&J->idle, 0, memory_order_relaxed);
}

static void *
writer_main(void *arg)
{
    sb_engine *e = arg;
    sb_journal *J = e->journal;
    uint64_t last = mono_ns();
    for (;;) {
        uint64_t took = gather(e);
        uint64_t now = mono_ns();
        uint32_t asked = atomic_load_explicit(&J->ckpt_asked, memory_order_acquire);
        bool ckpt = asked != atomic_load_explicit(&J->ckpt_done, memory_order_relaxed);
        bool due = J->mode == SB_DURABLE_SYNC || J->buf_len + REC_MAX > J->buf_cap ||
                   now - last >= (uint64_t)J->flush_ms * 1000000u ||
                   atomic_load_explicit(&J->sync_asked, memory_order_acquire) >
                       atomic_load_explicit(&J->durable, memory_order_relaxed) ||
                   atomic_load_explicit(&J->stop, memory_order_acquire);
        if (J->consumed > atomic_load_explicit(&J->durable, memory_order_relaxed) && due) {
            flush(e);
            last = now;
        }
        /* Checked after every pass, so a steady stream of calls cannot
         * starve a checkpoint. */
        if (ckpt) {
            checkpoint_asked(e, asked);
            continue;
        }
        if (took)
            continue;
        if (atomic_load_explicit(&J->stop, memory_order_acquire) &&
            J->consumed == atomic_load_explicit(&J->head, memory_order_seq_cst))
            break;
        writer_sleep(J, now, last);
    }
    /* sb_close: the statistics, flushed with the last frame. */
    if (!atomic_load_explicit(&J->failed, memory_order_relaxed)) {
        sb_stats s;
        sb_stats_read(e, &s);
        wbuf b = {J->buf, J->buf_len};
        put_stats(&b, &s);
        J->buf_len = b.len;
        flush(e);
    }
    return NULL;
}

/* ---- the public calls ------------------------------------------------------------ */

SB_EXPORT sb_status
sb_sync(sb_engine *e)
{
    if (!sb__live(e) || !e->journal)
        return SB_INVALID_ARG;
    sb_journal *J = e->journal;
    uint64_t upto = atomic_load_explicit(&J->head, memory_order_seq_cst);
    uint64_t asked = atomic_load_explicit(&J->sync_asked, memory_order_relaxed);
    while (asked < upto && !atomic_compare_exchange_weak_explicit(&J->sync_asked, &asked, upto,
                                                                   memory_order_acq_rel,
                                                                   memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&J->kick, 1, memory_order_seq_cst);
    futex_wake(&J->kick, 1);
    sb_status st = upto ? wait_durable(J, upto - 1) : SB_OK;
    if (st == SB_OK && atomic_load_explicit(&J->failed, memory_order_acquire))
        st = SB_IO;
    if (st != SB_OK)
        set_error("%s: %s", J->path, strerror(atomic_load(&J->failed)));
    return st;
}

SB_EXPORT sb_status
sb_checkpoint(sb_engine *e)
{
    if (!sb__live(e) || !e->journal)
        return SB_INVALID_ARG;
    sb_journal *J = e->journal;
    uint32_t mine = atomic_fetch_add_explicit(&J->ckpt_asked, 1, memory_order_acq_rel) + 1;
    atomic_fetch_add_explicit(&J->kick, 1, memory_order_seq_cst);
    futex_wake(&J->kick, 1);
    for (;;) {
        uint32_t done = atomic_load_explicit(&J->ckpt_done, memory_order_acquire);
        if ((int32_t)(done - mine) >= 0)
            break;
        futex_wait(&J->ckpt_done, done, 100);
    }
    sb_status st = atomic_load_explicit(&J->ckpt_status, memory_order_relaxed);
    if (st != SB_OK && J->ckpt_error[0])
        set_error("%s", J->ckpt_error);
    else if (st != SB_OK)
        set_error("checkpoint of %s: the journal has failed (%s)", J->path,
                  strerror(atomic_load_explicit(&J->failed, memory_order_relaxed)));
    return st;
}

SB_EXPORT sb_status
sb_journal_read(sb_engine *e, sb_journal_info *out)
{
    if (!sb__live(e) || !e->journal || !out)
        return SB_INVALID_ARG;
    sb_journal *J = e->journal;
    out->records = atomic_load_explicit(&J->records, memory_order_relaxed);
    out->flushes = atomic_load_explicit(&J->flushes, memory_order_relaxed);
    out->bytes = atomic_load_explicit(&J->file_bytes, memory_order_relaxed);
    out->recovered = J->recovered;
    out->recover_ns = J->recover_ns;
    out->cut_bytes = J->cut_bytes;
    out->checkpoints = atomic_load_explicit(&J->checkpoints, memory_order_relaxed);
    out->error = atomic_load_explicit(&J->failed, memory_order_relaxed);
    return SB_OK;
}

/* ---- opening: create or recover ---------------------------------------------------- */

static sb_status
create(sb_engine *e)
{
    sb_journal *J = e->journal;
    int fd = open(J->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = fd < 0 ? errno : write_all(J, fd, J->header, HEADER_SIZE, 0);
    if (!err && fsync(fd) != 0)
        err = errno;
    if (fd >= 0)
        close(fd);
    if (!err && rename(J->tmp, J->path) != 0)
        err = errno;
    if (!err)
        err = sync_dir(J);
    if (err) {
        unlink(J->tmp);
        set_error("%s: cannot create: %s", J->path, strerror(err));
        return SB_IO;
    }
    J->size = HEADER_SIZE;
    return SB_OK;
}

/* Reads exactly n bytes at off: n, less at the end of the file, or -1. */
static ssize_t
read_at(int fd, void *p, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Whether h is a sound frame header; *len and *frame its fields. */
static bool
frame_ok(const uint8_t *h, uint32_t *len, uint64_t *frame)
{
    uint32_t magic, hcrc;
    memcpy(&magic, h, 4);
    memcpy(len, h + 4, 4);
    memcpy(frame, h + 8, 8);
    memcpy(&hcrc, h + 20, 4);
    return magic == FRAME_MAGIC && hcrc == sb__crc32c(0, h, 20) &&
           *len <= BUF_CAP - FRAME_HEADER;
}

/* Whether a sound frame header numbered above `after` starts anywhere in
 * the file from off on: then damage at off is not a torn tail. */
static bool
later_frame(sb_journal *J, uint64_t off, uint64_t end, uint64_t after)
{
    uint8_t *p = J->buf;
    for (; off + FRAME_HEADER <= end; off += J->buf_cap - FRAME_HEADER) {
        ssize_t got = read_at(J->fd, p, J->buf_cap, off);
        if (got < FRAME_HEADER)
            return false;
        for (size_t i = 0; i + FRAME_HEADER <= (size_t)got; i++) {
            uint32_t len;
            uint64_t frame;
            if (p[i] == (FRAME_MAGIC & 0xff) && frame_ok(p + i, &len, &frame) && frame > after)
                return true;
        }
    }
    return false;
}

/* Reading the file through a window of a few megabytes: one read for many
 * small frames. */
typedef struct reader {
    int fd;
    uint8_t *p;
    size_t cap, len;
    uint64_t start;
    bool failed; /* a read error, errno set */
} reader;

/* The n bytes at off, or NULL when the file ends before them (or a read
 * failed: r->failed). */
static const uint8_t *
window(reader *r, uint64_t off, size_t n)
{
    if (off >= r->start && off + n <= r->start + r->len)
        return r->p + (off - r->start);
    if (n > r->cap)
        return NULL;
    ssize_t got = read_at(r->fd, r->p, r->cap, off);
    if (got < 0) {
        r->failed = true;
        return NULL;
    }
    r->start = off;
    r->len = (size_t)got;
    return r->len >= n ? r->p : NULL;
}

static sb_status
recover(sb_engine *e)
{
    sb_journal *J = e->journal;
    uint64_t t0 = mono_ns();
    struct stat st;
    if (fstat(J->fd, &st) != 0) {
        set_error("%s: %s", J->path, strerror(errno));
        return SB_IO;
    }
    uint64_t end = (uint64_t)st.st_size;
    uint8_t h[HEADER_SIZE];
    ssize_t got = read_at(J->fd, h, HEADER_SIZE, 0);
    if (got < 0) {
        set_error("%s: %s", J->path, strerror(errno));
        return SB_IO;
    }
    if (got < HEADER_SIZE) {
        set_error("%s: %llu bytes, shorter than a journal header", J->path,
                  (unsigned long long)end);
        return SB_CORRUPT;
    }
    sb_status hs = header_check(J, h);
    if (hs != SB_OK)
        return hs;
    reader r = {J->fd, malloc(4 * BUF_CAP), 4 * BUF_CAP, 0, 0, false};
    if (!r.p) {
        set_error("%s: out of memory", J->path);
        return SB_NOMEM;
    }
    uint64_t off = HEADER_SIZE, frame = 0;
    sb_status s = SB_OK;
    while (off < end && s == SB_OK) {
        uint32_t len = 0;
        uint64_t number = 0;
        const uint8_t *fh = window(&r, off, FRAME_HEADER), *payload = NULL;
        if (fh && frame_ok(fh, &len, &number) && number == frame) {
            uint32_t pcrc;
            memcpy(&pcrc, fh + 16, 4);
            payload = window(&r, off + FRAME_HEADER, len);
            if (payload && sb__crc32c(0, payload, len) != pcrc)
                payload = NULL;
        }
        if (r.failed) {
            set_error("%s: %s", J->path, strerror(errno));
            s = SB_IO;
        } else if (!payload) {
            if (later_frame(J, off + 1, end, frame)) {
                set_error("%s: frame %llu at offset %llu is damaged, and later frames follow",
                          J->path, (unsigned long long)frame, (unsigned long long)off);
                s = SB_CORRUPT;
            }
            break; /* a torn tail */
        }
        rbuf b = {payload, len, 0, false};
        while (s == SB_OK && b.at < len) {
            if (!read_rec(&b, e)) {
                set_error("%s: a malformed record in frame %llu at offset %llu", J->path,
                          (unsigned long long)frame, (unsigned long long)(off + FRAME_HEADER + b.at));
                s = SB_CORRUPT;
            }
        }
        off += FRAME_HEADER + len;
        frame++;
    }
    free(r.p);
    if (s != SB_OK)
        return s;
    if (off < end) {
        if (ftruncate(J->fd, (off_t)off) != 0 || fdatasync(J->fd) != 0) {
            set_error("%s: cannot cut the torn tail: %s", J->path, strerror(errno));
            return SB_IO;
        }
        J->cut_bytes = end - off;
    }
    J->size = off;
    J->frame = frame;
    if (!sb__shadow_restore(&J->shadow, e)) {
        set_error("%s: the records do not add up (more places used than released, or a "
                  "family member of no family)",
                  J->path);
        return SB_CORRUPT;
    }
    J->recover_ns = mono_ns() - t0;
    return SB_OK;
}

static sb_status
journal_init(sb_engine *e, const sb_options *o)
{
    sb_journal *J = sb__alloc(sizeof *J);
    if (!J)
        return SB_NOMEM;
    e->journal = J;
    J->fd = J->dirfd = -1;
    J->mode = o->durable;
    J->flush_ms = o->flush_ms;
    size_t n = strlen(o->journal);
    J->path = malloc(n + 1);
    J->tmp = malloc(n + 5);
    J->ring_size = RING_SIZE;
    J->ring = sb__alloc(J->ring_size * sizeof *J->ring);
    J->buf_cap = BUF_CAP;
    J->buf = sb__alloc(J->buf_cap);
    J->buf_len = FRAME_HEADER;
    if (!J->path || !J->tmp || !J->ring || !J->buf || sb__shadow_init(&J->shadow, e) != 0)
        return SB_NOMEM;
    memcpy(J->path, o->journal, n + 1);
    memcpy(J->tmp, o->journal, n);
    memcpy(J->tmp + n, ".tmp", 5);
    static const char bsn_ctx[] = "slotbook journal: BSN mask";
    static const char fp_ctx[] = "slotbook journal: key fingerprint";
    crypto_generichash(J->bsn_key, sizeof J->bsn_key, (const uint8_t *)bsn_ctx, sizeof bsn_ctx,
                       o->code_key, sizeof o->code_key);
    crypto_generichash(J->fingerprint, sizeof J->fingerprint, (const uint8_t *)fp_ctx,
                       sizeof fp_ctx, o->code_key, sizeof o->code_key);
    header_make(J, e, o->use_stock);
    return SB_OK;
}

sb_status
sb__journal_open(sb_engine *e, const sb_options *o)
{
    sb_status st = journal_init(e, o);
    if (st != SB_OK) {
        set_error("%s: out of memory", o->journal);
        return st;
    }
    sb_journal *J = e->journal;
    char *dir = strdup(J->path);
    J->dirfd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    if (J->dirfd < 0) {
        set_error("%s: cannot open its directory: %s", J->path, strerror(errno));
        return SB_IO;
    }
    /* A checkpoint that died before its rename left this behind. */
    unlink(J->tmp);
    J->fd = open(J->path, O_RDWR | O_CLOEXEC);
    if (J->fd < 0 && errno == ENOENT) {
        st = create(e);
        if (st != SB_OK)
            return st;
        J->fd = open(J->path, O_RDWR | O_CLOEXEC);
    } else if (J->fd >= 0) {
        st = recover(e);
        if (st != SB_OK)
            return st;
    }
    if (J->fd < 0) {
        set_error("%s: %s", J->path, strerror(errno));
        return SB_IO;
    }
    atomic_store_explicit(&J->file_bytes, J->size, memory_order_relaxed);
    if (pthread_create(&J->thread, NULL, writer_main, e) != 0) {
        set_error("%s: cannot start the writer thread", J->path);
        return SB_NOMEM;
    }
    J->started = true;
    return SB_OK;
}

void
sb__journal_close(sb_engine *e)
{
    sb_journal *J = e->journal;
    if (!J)
        return;
    if (J->started) {
        atomic_store_explicit(&J->stop, 1, memory_order_release);
        atomic_fetch_add_explicit(&J->kick, 1, memory_order_seq_cst);
        futex_wake(&J->kick, 1);
        pthread_join(J->thread, NULL);
    }
    if (J->fd >= 0)
        close(J->fd);
    if (J->dirfd >= 0)
        close(J->dirfd);
    sb__shadow_free(&J->shadow, e);
    sb__free(J->ring, J->ring_size * sizeof *J->ring);
    sb__free(J->buf, J->buf_cap);
    free(J->path);
    free(J->tmp);
    sodium_memzero(J->bsn_key, sizeof J->bsn_key);
    sb__free(J, sizeof *J);
    e->journal = NULL;
}
