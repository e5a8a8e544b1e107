/*
 * The reference model of the engine (model.c): random sequences of calls,
 * each checked against a small single-threaded model written from SPEC.md
 * and the statuses documented in slotbook.h.  Two drivers share it: the
 * model test (tests/api/model_test.c), whose sequences come from seeds,
 * and the operation-sequence fuzz harness (tests/fuzz/ops_fuzz.c), whose
 * sequences are read from the fuzz input.
 *
 * In the environment, MODEL_TRACE=1 makes a failing sequence print its
 * last calls to stderr, and MODEL_CHECK_ALL=1 checks every slot, person,
 * walk and shelf after every step (slow; for finding the first step that
 * went wrong).
 */
#ifndef SB_TEST_MODEL_H
#define SB_TEST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <slotbook.h>

/* Events a sequence can reach, beyond the calls' outcomes (model.c). */
#define MODEL_EVENTS 16
extern const char *const model_event_names[MODEL_EVENTS];

/* What sequences exercised, summed over sequences. */
typedef struct model_cover {
    uint64_t tally[SB_STATS_OPS][SB_STATS_STATUSES]; /* outcomes per call */
    /* sb_expire calls, holds they reclaimed, calls whose count the model
     * knew exactly, calls that found dead holds already taken over */
    uint64_t sweeps[4];
    uint64_t walks[2];    /* sb_each_booking calls that walked, bookings shown */
    uint64_t shelves[2];  /* sb_stock_read answers checked against bounds, exactly */
    uint64_t settles;     /* sb_expire calls made first to settle dead holds */
    uint64_t families[2]; /* families booked, members booked in them */
    /* freed places: given to a waiting person; not, for want of a sticker;
     * not, the location being closed */
    uint64_t offers[3];
    uint64_t events[MODEL_EVENTS];
} model_cover;

/* One sequence of steps calls from seed, with the settings the seed picks
 * (model.c says how), then the final checks.  NULL when engine and model
 * agreed throughout, else the first disagreement (valid until the next
 * sequence).  Adds what it exercised to *cover unless cover is NULL. */
const char *model_run_seed(uint64_t seed, int steps, model_cover *cover);

/* One sequence whose choices are read from data, in order: its first two
 * bytes (little-endian) stand for the seed that picks the settings, the
 * pool of BSNs and the code key; every later choice takes the fewest bytes
 * that cover its range.  The sequence ends when the data does, or after
 * max_steps calls; the engine is checked whole more often than a seed's
 * sequence is (every few steps).  As model_run_seed otherwise. */
const char *model_run_bytes(const uint8_t *data, size_t size, int max_steps, model_cover *cover);

#endif
