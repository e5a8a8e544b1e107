/*
 * The slotbook driver: each entry calls the public function of the same
 * name, so the replayer drives slotbook exactly as an application would.
 */
#include "driver.h"

static sb_status
drv_open(const sb_options *o, void **out)
{
    sb_engine *e = NULL;
    sb_status st = sb_open(o, out ? &e : NULL);
    if (out)
        *out = e;
    return st;
}

static void
drv_close(void *h)
{
    sb_close(h);
}

static sb_status
drv_location_open(void *h, uint16_t location)
{
    return sb_location_open(h, location);
}

static sb_status
drv_location_close(void *h, uint16_t location)
{
    return sb_location_close(h, location);
}

static sb_status
drv_release(void *h, sb_slot slot, uint32_t places)
{
    return sb_release(h, slot, places);
}

static sb_status
drv_reserve(void *h, uint32_t bsn, sb_slot slot)
{
    return sb_reserve(h, bsn, slot);
}

static sb_status
drv_confirm(void *h, uint32_t bsn, char code[SB_CODE_SIZE])
{
    return sb_confirm(h, bsn, code);
}

static sb_status
drv_book(void *h, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE])
{
    return sb_book(h, bsn, slot, code);
}

static sb_status
drv_cancel(void *h, uint32_t bsn)
{
    return sb_cancel(h, bsn);
}

static sb_status
drv_lookup(void *h, uint32_t bsn, sb_booking *out)
{
    return sb_lookup(h, bsn, out);
}

static sb_status
drv_verify(void *h, const char *code, uint32_t bsn, sb_booking *out)
{
    return sb_verify(h, code, bsn, out);
}

static sb_status
drv_redeem(void *h, const char *code, uint32_t bsn)
{
    return sb_redeem(h, code, bsn);
}

static sb_status
drv_slot_read(void *h, sb_slot slot, sb_slot_info *out)
{
    return sb_slot_read(h, slot, out);
}

static sb_status
drv_next_free(void *h, uint16_t location, int32_t from_day, sb_slot *out)
{
    return sb_next_free(h, location, from_day, out);
}

static sb_status
drv_reschedule(void *h, uint32_t bsn, sb_slot slot, char code[SB_CODE_SIZE])
{
    return sb_reschedule(h, bsn, slot, code);
}

static sb_status
drv_stock_add(void *h, uint16_t location, uint32_t count)
{
    return sb_stock_add(h, location, count);
}

static sb_status
drv_stock_read(void *h, uint16_t location, uint64_t *available)
{
    return sb_stock_read(h, location, available);
}

static sb_status
drv_each_booking(void *h, uint16_t location, int32_t from_day, int32_t to_day, sb_booking_fn fn,
                 void *ctx)
{
    return sb_each_booking(h, location, from_day, to_day, fn, ctx);
}

static size_t
drv_expire(void *h)
{
    return sb_expire(h);
}

static sb_status
drv_book_group(void *h, const uint32_t *bsns, unsigned n, sb_slot slot, char code[SB_CODE_SIZE],
               unsigned *blocker)
{
    return sb_book_group_blocker(h, bsns, n, slot, code, blocker);
}

static sb_status
drv_wait(void *h, uint32_t bsn, uint16_t location, int32_t from_day, int32_t to_day)
{
    return sb_wait(h, bsn, location, from_day, to_day);
}

static sb_status
drv_audit(void *h, sb_audit_report *out, char *msg, size_t msg_size)
{
    return sb_audit(h, out, msg, msg_size);
}

static sb_status
drv_sync(void *h)
{
    return sb_sync(h);
}

static sb_status
drv_journal_read(void *h, sb_journal_info *out)
{
    return sb_journal_read(h, out);
}

const sb_driver sb_driver_slotbook = {
    .name = "slotbook",
    .open = drv_open,
    .close = drv_close,
    .location_open = drv_location_open,
    .location_close = drv_location_close,
    .release = drv_release,
    .reserve = drv_reserve,
    .confirm = drv_confirm,
    .book = drv_book,
    .cancel = drv_cancel,
    .lookup = drv_lookup,
    .verify = drv_verify,
    .redeem = drv_redeem,
    .slot_read = drv_slot_read,
    .next_free = drv_next_free,
    .reschedule = drv_reschedule,
    .stock_add = drv_stock_add,
    .stock_read = drv_stock_read,
    .each_booking = drv_each_booking,
    .expire = drv_expire,
    .book_group = drv_book_group,
    .wait = drv_wait,
    .audit = drv_audit,
    .sync = drv_sync,
    .journal_read = drv_journal_read,
};
