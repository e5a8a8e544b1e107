/*
 * One table of calls for each engine the benchmark drives: slotbook itself,
 * and the in-tree mutex baseline (baseline.c) that implements the same
 * semantics under one global pthread mutex.  The replayer calls both through
 * these pointers, so each pays the same indirection.
 */
#ifndef SB_BENCH_DRIVER_H
#define SB_BENCH_DRIVER_H

#include <slotbook.h>

typedef struct sb_driver {
    const char *name;
    sb_status (*open)(const sb_options *o, void **out);
    void (*close)(void *h);
    sb_status (*location_open)(void *h, uint16_t location);
    sb_status (*location_close)(void *h, uint16_t location);
    sb_status (*release)(void *h, sb_slot slot, uint32_t places);
    sb_status (*reserve)(void *h, uint32_t bsn, sb_slot slot);
    sb_status (*confirm)(void *h, uint32_t bsn, char code[SB_CODE_SIZE]);
    sb_status (*book)(void *h, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE]);
    sb_status (*cancel)(void *h, uint32_t bsn);
    sb_status (*lookup)(void *h, uint32_t bsn, sb_booking *out);
    sb_status (*verify)(void *h, const char *code, uint32_t bsn, sb_booking *out);
    sb_status (*redeem)(void *h, const char *code, uint32_t bsn);
    sb_status (*slot_read)(void *h, sb_slot slot, sb_slot_info *out);
    sb_status (*next_free)(void *h, uint16_t location, int32_t from_day, sb_slot *out);
    sb_status (*reschedule)(void *h, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE]);
    sb_status (*stock_add)(void *h, uint16_t location, uint32_t count);
    sb_status (*stock_read)(void *h, uint16_t location, uint64_t *available);
    sb_status (*each_booking)(void *h, uint16_t location, int32_t from_day, int32_t to_day,
                              sb_booking_fn fn, void *ctx);
    size_t (*expire)(void *h);
    /* sb_book_group_blocker (blocker may be NULL) and sb_wait. */
    sb_status (*book_group)(void *h, const uint32_t *bsns, unsigned n, sb_slot slot,
                            char code[SB_CODE_SIZE], unsigned *blocker);
    sb_status (*wait)(void *h, uint32_t bsn, uint16_t location, int32_t from_day, int32_t to_day);
    /* Full invariant walk of a quiescent engine: SB_OK or SB_CORRUPT. */
    sb_status (*audit)(void *h, sb_audit_report *out, char *msg, size_t msg_size);
    /* sb_sync and sb_journal_read; NULL for an engine without a journal
     * (the baseline). */
    sb_status (*sync)(void *h);
    sb_status (*journal_read)(void *h, sb_journal_info *out);
} sb_driver;

extern const sb_driver sb_driver_slotbook;
extern const sb_driver sb_driver_mutex;

#endif
