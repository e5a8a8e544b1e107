/*
 * The journal (lib/journal.c): what a failing disk does to it.  The test
 * seam sb__journal_set_io stands in for the writer's pwrite and fdatasync
 * and fails them from some call on, as a full disk (ENOSPC, a short write
 * first) or a broken one (EIO) would.
 *
 * In SB_DURABLE_SYNC the call whose record could not be flushed answers
 * SB_IO and leaves the state as it was; the journal is failed for good:
 * every later call that would change the state answers SB_IO and changes
 * nothing, reads go on, sb_sync and sb_checkpoint answer SB_IO,
 * sb_journal_read reports the errno; a reopen from the file shows the state
 * before the failure.  In SB_DURABLE_BATCH the failure shows at the next
 * sb_sync and in every later call.  A checkpoint that cannot write its new
 * file answers SB_IO and the old journal goes on.
 */
#include "api/helpers.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

/* The journal tests' horizon, options and directory: api/helpers.h. */
#define NSLOTS (J_LOCATIONS * J_DAYS * J_WINDOWS)
#define NP 64u
#define MAX_CODES 64u

static fake_clock clk = {J_T0};
static sb_engine *e;
static char dir[64];
static char jpath[128];
static uint32_t P[NP];

/* ---- the seam ------------------------------------------------------------ */

enum fault_kind {
    FAULT_NONE,   /* pass everything through, counting */
    FAULT_PWRITE, /* pwrite answers -1 with err */
    FAULT_SHORT,  /* pwrite writes half, then answers -1 with err */
    FAULT_SYNC,   /* fdatasync answers -1 with err */
    FAULT_TMP,    /* pwrite to the checkpoint's new file answers -1 with err */
};

typedef struct fault {
    enum fault_kind kind;
    int err;
    _Atomic long ok_left; /* calls of the faulty kind that still succeed */
    _Atomic long failed;  /* calls failed so far (then every one fails) */
    _Atomic long pwrites, syncs, tmp_writes;
} fault;

static fault F;

/* Whether this call of the faulty kind fails: the first ok_left succeed. */
static bool
fault_now(fault *f)
{
    if (atomic_load(&f->failed) > 0) {
        atomic_fetch_add(&f->failed, 1);
        return true;
    }
    if (atomic_fetch_sub(&f->ok_left, 1) > 0)
        return false;
    atomic_fetch_add(&f->failed, 1);
    return true;
}

/* Whether fd is the checkpoint's new file, "<journal>.tmp". */
static bool
is_tmp(int fd)
{
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 4)
        return false;
    target[n] = '\0';
    return strcmp(target + n - 4, ".tmp") == 0;
}

static ssize_t
fault_pwrite(void *ctx, int fd, const void *buf, size_t n, off_t off)
{
    fault *f = ctx;
    atomic_fetch_add(&f->pwrites, 1);
    switch (f->kind) {
    case FAULT_PWRITE:
        if (fault_now(f)) {
            errno = f->err;
            return -1;
        }
        break;
    case FAULT_SHORT:
        if (fault_now(f)) {
            if (atomic_load(&f->failed) == 1 && n > 1)
                return pwrite(fd, buf, n / 2, off);
            errno = f->err;
            return -1;
        }
        break;
    case FAULT_TMP:
        if (is_tmp(fd)) {
            atomic_fetch_add(&f->tmp_writes, 1);
            errno = f->err;
            return -1;
        }
        break;
    default:
        break;
    }
    return pwrite(fd, buf, n, off);
}

static int
fault_fdatasync(void *ctx, int fd)
{
    fault *f = ctx;
    atomic_fetch_add(&f->syncs, 1);
    if (f->kind == FAULT_SYNC && fault_now(f)) {
        errno = f->err;
        return -1;
    }
    return fdatasync(fd);
}

static const sb_journal_io fault_io = {fault_pwrite, fault_fdatasync, &F};

/* Installs the seam: calls of kind fail with err after ok_left successes. */
static void
fault_arm(enum fault_kind kind, int err, long ok_left)
{
    F.kind = kind;
    F.err = err;
    atomic_store(&F.ok_left, ok_left);
    atomic_store(&F.failed, 0);
    atomic_store(&F.pwrites, 0);
    atomic_store(&F.syncs, 0);
    atomic_store(&F.tmp_writes, 0);
    sb__journal_set_io(e, &fault_io);
}

/* ---- engines ------------------------------------------------------------------ */

static void
setup(void)
{
    clk.now = J_T0;
    j_dir_make(dir, jpath, "/tmp/sb-journal-unit-XXXXXX");
    for (uint32_t i = 0; i < NP; i++)
        P[i] = bsn_nth(i);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
    j_dir_remove(dir);
}

static sb_options
options(uint8_t durable, uint32_t flush_ms)
{
    sb_options o = j_test_options(&clk, jpath, durable);
    o.flush_ms = flush_ms;
    return o;
}

static void
open_ok(const sb_options *o)
{
    sb_status st = sb_open(o, &e);
    cr_assert_eq(st, SB_OK, "sb_open: %s: %s", sb_status_name(st), sb_last_error());
}

static void
close_engine(void)
{
    sb_close(e);
    e = NULL;
}

/* ---- the state, as the public reads show it ------------------------------------ */

typedef struct issued {
    uint32_t bsn;
    char code[SB_CODE_SIZE];
} issued;
static issued codes[MAX_CODES];
static unsigned ncodes;

typedef struct snap {
    sb_slot_info slot[NSLOTS];
    sb_status look_st[NP];
    sb_booking look[NP];
    unsigned ncodes; /* codes issued when it was taken */
    sb_status ver_st[MAX_CODES];
    uint64_t stock[J_LOCATIONS];
    int closed[J_LOCATIONS];
} snap;

static snap before, after, got;

static void
snap_take(snap *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < NSLOTS; i++) {
        sb_slot sl = j_at((uint16_t)(i / (J_DAYS * J_WINDOWS)), (int32_t)(i / J_WINDOWS % J_DAYS),
                          (uint16_t)(i % J_WINDOWS));
        ST_EQ(sb_slot_read(e, sl, &s->slot[i]), SB_OK);
    }
    for (uint32_t i = 0; i < NP; i++) {
        sb_booking b;
        memset(&b, 0, sizeof b);
        s->look_st[i] = sb_lookup(e, P[i], &b);
        if (s->look_st[i] == SB_OK) {
            s->look[i].bsn = b.bsn;
            s->look[i].slot = b.slot;
            s->look[i].state = b.state;
            if (b.state == SB_STATE_HELD)
                s->look[i].deadline_ms = b.deadline_ms;
        }
    }
    s->ncodes = ncodes;
    for (unsigned i = 0; i < ncodes; i++)
        s->ver_st[i] = sb_verify(e, codes[i].code, codes[i].bsn, NULL);
    for (uint16_t l = 0; l < J_LOCATIONS; l++) {
        ST_EQ(sb_stock_read(e, l, &s->stock[l]), SB_OK);
        sb_slot first;
        s->closed[l] = sb_next_free(e, l, J_DAY0, &first) == SB_CLOSED;
    }
}

/* What a recovery of s shows: no holds (every hold here is a person's
 * first call), their places free and their stickers back. */
static void
snap_forget_holds(snap *s)
{
    for (uint32_t i = 0; i < NSLOTS; i++) {
        s->stock[i / (J_DAYS * J_WINDOWS)] += s->slot[i].held;
        s->slot[i].free += s->slot[i].held;
        s->slot[i].held = 0;
    }
    for (uint32_t i = 0; i < NP; i++)
        if (s->look_st[i] == SB_OK && s->look[i].state == SB_STATE_HELD) {
            s->look_st[i] = SB_NOT_FOUND;
            memset(&s->look[i], 0, sizeof s->look[i]);
        }
}

/* 0 when the states are the same, else 1 and the first difference.  Codes
 * are compared as far as both know them. */
static int
snap_diff(const snap *a, const snap *b, char *msg, size_t n)
{
    for (uint32_t i = 0; i < NSLOTS; i++)
        if (memcmp(&a->slot[i], &b->slot[i], sizeof a->slot[i]) != 0) {
            snprintf(msg, n, "slot %u: capacity %u/%u held %u/%u booked %u/%u redeemed %u/%u", i,
                     a->slot[i].capacity, b->slot[i].capacity, a->slot[i].held, b->slot[i].held,
                     a->slot[i].booked, b->slot[i].booked, a->slot[i].redeemed,
                     b->slot[i].redeemed);
            return 1;
        }
    for (uint32_t i = 0; i < NP; i++)
        if (a->look_st[i] != b->look_st[i] ||
            memcmp(&a->look[i], &b->look[i], sizeof a->look[i]) != 0) {
            snprintf(msg, n, "lookup of P[%u]: %s state %d / %s state %d", i,
                     sb_status_name(a->look_st[i]), (int)a->look[i].state,
                     sb_status_name(b->look_st[i]), (int)b->look[i].state);
            return 1;
        }
    unsigned nc = a->ncodes < b->ncodes ? a->ncodes : b->ncodes;
    for (unsigned i = 0; i < nc; i++)
        if (a->ver_st[i] != b->ver_st[i]) {
            snprintf(msg, n, "verify of code %u (%09u): %s / %s", i, codes[i].bsn,
                     sb_status_name(a->ver_st[i]), sb_status_name(b->ver_st[i]));
            return 1;
        }
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        if (a->stock[l] != b->stock[l] || a->closed[l] != b->closed[l]) {
            snprintf(msg, n, "location %u: stock %llu/%llu closed %d/%d", l,
                     (unsigned long long)a->stock[l], (unsigned long long)b->stock[l], a->closed[l],
                     b->closed[l]);
            return 1;
        }
    return 0;
}

#define STATE_EQ(a, b, what)                                                \
    do {                                                                    \
        char m_[256];                                                       \
        if (snap_diff((a), (b), m_, sizeof m_))                             \
            cr_assert_fail("%s: state differs (got/want): %s", (what), m_); \
    } while (0)

/* ---- the scenario ------------------------------------------------------------------ */

/* Slot S has ten places, T five; location 3 stays closed. */
static const sb_slot S = {.location = 0, .window = 0, .day = J_DAY0};
static const sb_slot T = {.location = 1, .window = 1, .day = J_DAY0 + 1};

/* People: A, B booked in S; C booked in T; R redeemed in S; H holds T. */
enum { A, B, C, R, H, NEW };

static void
note_code(uint32_t bsn, const char *code)
{
    cr_assert_lt(ncodes, MAX_CODES);
    codes[ncodes].bsn = bsn;
    memcpy(codes[ncodes].code, code, SB_CODE_SIZE);
    ncodes++;
}

static const char *
code_of(uint32_t bsn)
{
    for (unsigned i = ncodes; i-- > 0;)
        if (codes[i].bsn == bsn)
            return codes[i].code;
    cr_assert_fail("no code for %09u", bsn);
    return NULL;
}

static sb_status
book(unsigned i, sb_slot s)
{
    char code[SB_CODE_SIZE];
    sb_status st = sb_book(e, P[i], s, code);
    if (st == SB_OK)
        note_code(P[i], code);
    return st;
}

/* Opens a journalled engine in mode and makes the scenario's state, all
 * of it flushed. */
static void
prepare(uint8_t durable, uint32_t flush_ms)
{
    ncodes = 0;
    sb_options o = options(durable, flush_ms);
    open_ok(&o);
    for (uint16_t l = 0; l < 3; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    for (uint16_t l = 0; l < J_LOCATIONS; l++)
        ST_EQ(sb_stock_add(e, l, 20), SB_OK);
    ST_EQ(sb_release(e, S, 10), SB_OK);
    ST_EQ(sb_release(e, T, 5), SB_OK);
    ST_EQ(book(A, S), SB_OK);
    ST_EQ(book(B, S), SB_OK);
    ST_EQ(book(C, T), SB_OK);
    ST_EQ(book(R, S), SB_OK);
    ST_EQ(sb_redeem(e, code_of(P[R]), P[R]), SB_OK);
    ST_EQ(sb_reserve(e, P[H], T), SB_OK);
    ST_EQ(sb_sync(e), SB_OK);
}

#define EXPECT_IO(call)                                                                 \
    do {                                                                                \
        sb_status st_ = (call);                                                         \
        cr_expect_eq(st_, SB_IO, "%s: got %s, want SB_IO", #call, sb_status_name(st_)); \
    } while (0)

/* Every journalled call that would change the state answers SB_IO, and
 * nothing changes; the reads go on.  (A reserve, which journals nothing,
 * is checked on its own: holds_are_refused.) */
static void
changes_are_refused(int err)
{
    snap_take(&before);
    char code[SB_CODE_SIZE];
    uint32_t fam[2] = {P[NEW + 40], P[NEW + 41]};
    EXPECT_IO(sb_book(e, P[NEW + 42], S, code));
    EXPECT_IO(sb_confirm(e, P[H], code));
    EXPECT_IO(sb_cancel(e, P[B]));
    EXPECT_IO(sb_cancel(e, P[H]));
    EXPECT_IO(sb_release(e, S, 1));
    EXPECT_IO(sb_location_open(e, 3));
    EXPECT_IO(sb_location_close(e, 0));
    EXPECT_IO(sb_stock_add(e, 0, 1));
    EXPECT_IO(sb_reschedule(e, P[A], T, code));
    EXPECT_IO(sb_redeem(e, code_of(P[C]), P[C]));
    EXPECT_IO(sb_book_group(e, fam, 2, T, code));
    EXPECT_IO(sb_wait(e, P[NEW + 43], 0, J_DAY0, J_DAY0 + 9));
    snap_take(&after);
    STATE_EQ(&after, &before, "after the refused calls");

    sb_booking b;
    ST_EQ(sb_lookup(e, P[A], &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    ST_EQ(sb_verify(e, code_of(P[A]), P[A], NULL), SB_OK);
    ST_EQ(sb_verify(e, code_of(P[R]), P[R], NULL), SB_USED);
    sb_slot_info si;
    ST_EQ(sb_slot_read(e, S, &si), SB_OK);
    sb_slot next;
    ST_EQ(sb_next_free(e, 0, J_DAY0, &next), SB_OK);
    sb_stats stats;
    memset(&stats, 0, sizeof stats);
    sb_stats_read(e, &stats);
    cr_assert_gt(stats.calls[SB_OP_BOOK], 0);

    ST_EQ(sb_sync(e), SB_IO);
    cr_assert_str_not_empty(sb_last_error(), "sb_sync: SB_IO and no sb_last_error");
    ST_EQ(sb_checkpoint(e), SB_IO);
    sb_journal_info ji;
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    if (err)
        cr_assert_eq(ji.error, err, "journal error %d, want %d", ji.error, err);
    else
        cr_assert_neq(ji.error, 0, "journal error 0 after a failure");
}

/* Closes, reopens from the file with the system's I/O and compares with
 * want (holds forgotten); the recovered engine works. */
static void
recovers(snap *want)
{
    close_engine();
    sb_options o = options(SB_DURABLE_SYNC, 5);
    open_ok(&o);
    snap_forget_holds(want);
    snap_take(&got);
    STATE_EQ(&got, want, "recovered");
    audit_clean(e);
    sb_journal_info ji;
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    cr_assert_eq(ji.error, 0);
    ST_EQ(book(NEW + 20, S), SB_OK);
    ST_EQ(sb_sync(e), SB_OK);
}

enum failing_call { ON_BOOK, ON_CANCEL, ON_CONFIRM };

/* SB_DURABLE_SYNC: the call `on` is the first whose flush fails. */
static void
sync_failure(enum fault_kind kind, int err, enum failing_call on)
{
    prepare(SB_DURABLE_SYNC, 5);
    snap_take(&before);
    static snap kept;
    kept = before;
    fault_arm(kind, err, 0);
    char code[SB_CODE_SIZE];
    switch (on) {
    case ON_BOOK:
        ST_EQ(book(NEW, S), SB_IO);
        ST_EQ(sb_lookup(e, P[NEW], &(sb_booking){0}), SB_NOT_FOUND);
        break;
    case ON_CANCEL:
        ST_EQ(sb_cancel(e, P[A]), SB_IO);
        ST_EQ(sb_verify(e, code_of(P[A]), P[A], NULL), SB_OK);
        break;
    default:
        ST_EQ(sb_confirm(e, P[H], code), SB_IO);
        break;
    }
    snap_take(&after);
    STATE_EQ(&after, &before, "after the call that failed");
    changes_are_refused(kind == FAULT_SHORT ? 0 : err);
    cr_assert_gt(atomic_load(&F.failed), 0, "the seam failed nothing");
    recovers(&kept);
}

TestSuite(journal_sync_failure, .init = setup, .fini = teardown, .timeout = 60);

Test(journal_sync_failure, seam_passes_calls_through)
{
    prepare(SB_DURABLE_SYNC, 5);
    fault_arm(FAULT_NONE, 0, 0);
    ST_EQ(book(NEW, S), SB_OK);
    cr_assert_gt(atomic_load(&F.pwrites), 0, "the writer does not use the seam's pwrite");
    cr_assert_gt(atomic_load(&F.syncs), 0, "the writer does not use the seam's fdatasync");
    snap_take(&before);
    recovers(&before);
}

Test(journal_sync_failure, of_pwrite_with_enospc_fails_a_book)
{
    sync_failure(FAULT_PWRITE, ENOSPC, ON_BOOK);
}

Test(journal_sync_failure, of_pwrite_with_eio_fails_a_cancel)
{
    sync_failure(FAULT_PWRITE, EIO, ON_CANCEL);
}

Test(journal_sync_failure, of_pwrite_with_eio_fails_a_confirm)
{
    sync_failure(FAULT_PWRITE, EIO, ON_CONFIRM);
}

Test(journal_sync_failure, of_a_short_write_then_enospc_fails_a_book)
{
    sync_failure(FAULT_SHORT, ENOSPC, ON_BOOK);
}

Test(journal_sync_failure, of_fdatasync_with_eio_fails_a_book)
{
    sync_failure(FAULT_SYNC, EIO, ON_BOOK);
}

Test(journal_sync_failure, of_fdatasync_with_eio_fails_a_cancel)
{
    sync_failure(FAULT_SYNC, EIO, ON_CANCEL);
}

/* A hold is not journalled, but it changes the state: after the failure
 * a reserve answers SB_IO like every other change. */
Test(journal_sync_failure, refuses_a_reserve_afterwards)
{
    prepare(SB_DURABLE_SYNC, 5);
    fault_arm(FAULT_PWRITE, EIO, 0);
    ST_EQ(book(NEW, S), SB_IO);
    snap_take(&before);
    ST_EQ(sb_reserve(e, P[NEW + 44], S), SB_IO);
    ST_EQ(sb_reserve(e, P[NEW + 45], T), SB_IO);
    snap_take(&after);
    STATE_EQ(&after, &before, "after the refused reserves");
}

/* The seam lets three writes through: the books before answer SB_OK and
 * stay, the one whose write fails answers SB_IO and goes. */
static void
failure_after_calls(enum fault_kind kind, int err)
{
    prepare(SB_DURABLE_SYNC, 5);
    fault_arm(kind, err, 3);
    unsigned ok = 0;
    sb_status st = SB_OK;
    for (unsigned i = NEW; i < NEW + 10; i++) {
        snap_take(&before);
        st = book(i, S);
        if (st != SB_OK)
            break;
        ok++;
    }
    ST_EQ(st, SB_IO);
    cr_assert(ok >= 1 && ok <= 3, "%u books went through 3 writes", ok);
    static snap kept;
    snap_take(&after);
    STATE_EQ(&after, &before, "after the book that failed");
    kept = before;
    changes_are_refused(err);
    recovers(&kept);
}

Test(journal_sync_failure, after_three_good_writes_keeps_the_calls_before)
{
    failure_after_calls(FAULT_PWRITE, EIO);
}

Test(journal_sync_failure, after_three_good_fdatasyncs_keeps_the_calls_before)
{
    failure_after_calls(FAULT_SYNC, EIO);
}

/* ---- batch mode ----------------------------------------------------------------------- */

TestSuite(journal_batch_failure, .init = setup, .fini = teardown, .timeout = 60);

/* SB_DURABLE_BATCH, flushing only on sb_sync: a book answers at once, the
 * sb_sync after it answers SB_IO, and so does every later change.  A
 * recovery shows the state before the book or after it. */
static void
batch_failure(enum fault_kind kind, int err)
{
    prepare(SB_DURABLE_BATCH, 60000);
    static snap kept, with_book;
    snap_take(&kept);
    fault_arm(kind, err, 0);
    ST_EQ(book(NEW, S), SB_OK);
    snap_take(&with_book);
    ST_EQ(sb_sync(e), SB_IO);
    cr_assert_str_not_empty(sb_last_error());
    changes_are_refused(err);
    close_engine();
    sb_options o = options(SB_DURABLE_SYNC, 5);
    open_ok(&o);
    snap_forget_holds(&kept);
    snap_forget_holds(&with_book);
    snap_take(&got);
    char m1[256], m2[256];
    if (snap_diff(&got, &kept, m1, sizeof m1) && snap_diff(&got, &with_book, m2, sizeof m2))
        cr_assert_fail("recovered neither the state before the book (%s) nor after it (%s)", m1,
                       m2);
    audit_clean(e);
}

Test(journal_batch_failure, of_pwrite_shows_at_the_next_sync)
{
    batch_failure(FAULT_PWRITE, ENOSPC);
}

Test(journal_batch_failure, of_fdatasync_shows_at_the_next_sync)
{
    batch_failure(FAULT_SYNC, EIO);
}

Test(journal_batch_failure, of_the_writer_alone_fails_later_calls)
{
    prepare(SB_DURABLE_BATCH, 1);
    fault_arm(FAULT_PWRITE, EIO, 0);
    ST_EQ(book(NEW, S), SB_OK);
    /* The writer flushes within 1 ms; wait up to 5 s for it to fail. */
    sb_journal_info ji;
    for (int i = 0; i < 5000; i++) {
        ST_EQ(sb_journal_read(e, &ji), SB_OK);
        if (ji.error)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    cr_assert_eq(ji.error, EIO, "journal error %d, want EIO", ji.error);
    changes_are_refused(EIO);
    EXPECT_IO(sb_reserve(e, P[NEW + 44], S));
}

/* ---- checkpoints ------------------------------------------------------------------------ */

TestSuite(journal_checkpoint_failure, .init = setup, .fini = teardown, .timeout = 60);

Test(journal_checkpoint_failure, leaves_the_old_journal_in_use)
{
    prepare(SB_DURABLE_SYNC, 5);
    fault_arm(FAULT_TMP, ENOSPC, 0);
    sb_status st = sb_checkpoint(e);
    if (atomic_load(&F.tmp_writes) == 0) {
        /* The checkpoint does not write through the seam: nothing failed. */
        ST_EQ(st, SB_OK);
        cr_skip_test("the checkpoint's writes do not go through sb__journal_set_io");
    }
    ST_EQ(st, SB_IO);
    cr_assert_str_not_empty(sb_last_error());
    /* The journal goes on. */
    ST_EQ(book(NEW, S), SB_OK);
    ST_EQ(sb_cancel(e, P[B]), SB_OK);
    ST_EQ(sb_sync(e), SB_OK);
    sb_journal_info ji;
    ST_EQ(sb_journal_read(e, &ji), SB_OK);
    cr_assert_eq(ji.error, 0, "a failed checkpoint failed the journal: %d", ji.error);
    snap_take(&before);
    recovers(&before);
    /* And a later checkpoint works. */
    ST_EQ(sb_checkpoint(e), SB_OK);
}
