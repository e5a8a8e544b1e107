/*
 * Replaying a trace against an engine, as fast as it goes (or at the
 * recorded pace), from several threads.
 *
 * Each person's records go to one thread (by a hash of the BSN; the
 * members of a family by their leader's, so a family's calls keep their
 * order too), so a person's calls keep their order; a book_group and its
 * member records are one call.  Administration records (open, close,
 * release, stock) are run by one thread between barriers, so every call
 * sees the releases, openings and sticker deliveries that came before it in
 * the trace.  The engine's
 * clock is the trace's: each thread moves a shared clock forward to the time
 * of the record it replays, so holds expire as recorded.  Every call is timed
 * (rdtsc, calibrated) into per-thread histograms.
 *
 * With a journal (opts.journal, slotbook only) the run starts from an empty
 * journal file (a stale one is removed first), reads the journal's counters
 * before closing, then reopens the engine from the journal alone and
 * checks that it recovered every record and every booking: the cost of
 * durability and of recovery, measured on the same trace.
 */
#ifndef SB_BENCH_REPLAY_H
#define SB_BENCH_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "hist.h"
#include "trace.h"

#define SB_REPLAY_BUCKETS 120 /* timeline buckets over the trace's time */

typedef struct sb_replay_opts {
    unsigned threads;    /* >= 1 */
    double pace;         /* 0 = as fast as possible; else trace ms per wall ms */
    bool progress;       /* a progress line on stderr */
    const char *journal; /* journal file, removed before the run; NULL = in memory */
    uint8_t durable;     /* with a journal: SB_DURABLE_SYNC or SB_DURABLE_BATCH */
} sb_replay_opts;

typedef struct sb_replay_bucket {
    uint64_t calls, ok, full, duplicate, other;
    uint64_t busy_ns; /* time spent in calls */
} sb_replay_bucket;

typedef struct sb_replay_result {
    const char *engine;
    double seconds;   /* wall time of the replay, set-up excluded */
    uint64_t calls;   /* calls made (records replayed, less skipped) */
    uint64_t skipped; /* verify/redeem of a person holding no code yet */
    uint64_t members; /* member records, replayed with their book_group */
    uint64_t op_calls[TOP_COUNT];
    uint64_t outcomes[TOP_COUNT][32]; /* by sb_status */
    sb_hist latency[TOP_COUNT];
    sb_hist all;
    sb_replay_bucket timeline[SB_REPLAY_BUCKETS];
    uint64_t rss_bytes;      /* resident memory the engine added */
    uint64_t peak_rss_bytes; /* the replaying process's peak (set by the caller) */
    uint64_t people;         /* distinct people in the trace */
    sb_status audit;         /* the engine's invariant audit after the run */
    sb_audit_report report;
    char audit_msg[256];
    /* With a journal (all zero without one). */
    sb_journal_info journal;   /* read after a last sb_sync, before sb_close */
    sb_journal_info recovery;  /* read after reopening from the journal */
    uint64_t reopen_ns;        /* wall time of that sb_open */
    sb_status reopen;          /* its status */
    sb_status recovered_audit; /* the audit of the recovered engine */
    sb_audit_report recovered_report;
    char recovery_msg[256]; /* why the reopen or its audit failed */
} sb_replay_result;

/* Replays t against driver d.  0, or -1 with a sentence in err (the engine
 * would not open, out of memory, a journal with a driver that has none, a
 * stale journal that cannot be removed).  *out is fully written.  A
 * recovery that fails is reported in out->reopen, not as -1. */
int sb_replay_run(const sb_trace *t, const sb_driver *d, const sb_replay_opts *o,
                  sb_replay_result *out, char *err, size_t err_size);

/*
 * A long-lived engine, replayed into many times (slotbook-replay --soak):
 * opened once on a trace's shape, with a clock whose origin the caller
 * moves between cycles (clock_base_ms is the engine's clock at trace time
 * 0 of the next cycle, and what calls made outside a replay, from threads
 * that replay nothing, see).  overrides: when not NULL, called on the
 * options before sb_open (the soak lifts the lifetime limits there).
 */
typedef struct sb_replay_engine {
    const sb_driver *d;
    void *h;
    sb_options opts;
    uint64_t clock_base_ms;
} sb_replay_engine;

/* Opens x on t's shape (and o's journal, which is removed first).  0, or -1
 * with a sentence in err. */
int sb_replay_engine_open(sb_replay_engine *x, const sb_trace *t, const sb_driver *d,
                          const sb_replay_opts *o, void (*overrides)(sb_options *), char *err,
                          size_t err_size);

/* Replays t into x as sb_replay_run does, from x->clock_base_ms, without
 * opening or closing: *out as there, rss_bytes the growth of the whole
 * process's resident memory over the cycle, audit the engine's after it.
 * No journal counters or recovery. */
int sb_replay_cycle(sb_replay_engine *x, const sb_trace *t, const sb_replay_opts *o,
                    sb_replay_result *out, char *err, size_t err_size);

/* Closes x's engine (NULL handle: no-op). */
void sb_replay_engine_close(sb_replay_engine *x);

/* The process's resident memory now, in bytes (VmRSS). */
uint64_t sb_replay_rss_bytes(void);

#endif
