/*
 * The engine: options, opening and closing, locations, releases and the
 * slot-level reads.
 *
 * sb_open() allocates everything the engine will use (slots, seats, the
 * person table, the stat stripes) and zeroes it; afterwards no call
 * allocates.  A state word (magic) catches use after sb_close() when the
 * memory has not been reused yet.
 */
#include "journal.h"
#include "options.h"

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef SB_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#define BIG_ALLOC ((size_t)1 << 20)

static size_t
round_line(size_t size)
{
    return (size + SB_CACHE_LINE - 1) & ~(size_t)(SB_CACHE_LINE - 1);
}

/* Large arrays come from fresh pages (jemalloc or mmap), so their zeroes
 * cost nothing until a page is touched. */
void *
sb__alloc(size_t size)
{
    size = round_line(size ? size : 1);
#ifdef SB_HAVE_JEMALLOC
    return mallocx(size, MALLOCX_ALIGN(SB_CACHE_LINE) | MALLOCX_ZERO);
#else
    if (size >= BIG_ALLOC) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    void *p = aligned_alloc(SB_CACHE_LINE, size);
    if (p)
        memset(p, 0, size);
    return p;
#endif
}

void
sb__free(void *p, size_t size)
{
    if (!p)
        return;
    size = round_line(size ? size : 1);
#ifdef SB_HAVE_JEMALLOC
    sdallocx(p, size, MALLOCX_ALIGN(SB_CACHE_LINE));
#else
    if (size >= BIG_ALLOC)
        munmap(p, size);
    else
        free(p);
#endif
}

SB_EXPORT void
sb_options_init(sb_options *o)
{
    sb_assert(o != NULL);
    memset(o, 0, sizeof *o);
    o->max_locations = 16;
    o->first_day = (int32_t)(sb__wall_ms() / 86400000u);
    o->days = 120;
    o->windows_per_day = 1;
    o->max_people = 1u << 20;
    o->hold_ms = 600000;
    o->release_delay_ms = 0;
    o->holds_per_slot = SB_HOLDS_AUTO;
    o->max_families = SB_FAMILIES_AUTO;
    o->max_waiting = SB_WAITING_AUTO;
    o->durable = SB_DURABLE_SYNC;
    o->flush_ms = 5;
}

static void
engine_free(sb_engine *e)
{
    sb__free(e->slots, (size_t)e->nslots * sizeof *e->slots);
    sb__free(e->seats, (size_t)e->nslots * e->seats_per_slot * sizeof *e->seats);
    sb__free(e->open, e->locations);
    sb__free(e->stock, (size_t)e->locations * sizeof *e->stock);
    sb__free(e->families, (size_t)e->max_families * sizeof *e->families);
    sb__free(e->waitq, (size_t)e->locations * sizeof *e->waitq);
    sb__free(e->wait_ring, (size_t)e->locations * e->wait_cap * sizeof *e->wait_ring);
    sb__free(e->stats, SB_STAT_STRIPES * sizeof *e->stats);
    sb__people_free(&e->people);
    sodium_memzero(&e->keys, sizeof e->keys);
    sb__free(e, sizeof *e);
}

static sb_status
engine_keys(sb_engine *e, const uint8_t code_key[32])
{
    uint8_t key[32];
    static const uint8_t zero[32];
    if (sodium_memcmp(code_key, zero, sizeof key) == 0)
        randombytes_buf(key, sizeof key);
    else
        memcpy(key, code_key, sizeof key);
    int rc = sb__code_keys_init(&e->keys, key);
    randombytes_buf(e->rand_key, sizeof e->rand_key);
    sodium_memzero(key, sizeof key);
    return rc == 0 ? SB_OK : SB_NOMEM;
}

SB_EXPORT sb_status
sb_open(const sb_options *o, sb_engine **out)
{
    sb__clear_error();
    if (!o || !out || !sb__options_valid(o))
        return SB_INVALID_ARG;
    *out = NULL;
    if (sodium_init() < 0)
        return SB_NOMEM;
    sb_engine *e = sb__alloc(sizeof *e);
    if (!e)
        return SB_NOMEM;
    e->locations = o->max_locations;
    e->days = o->days;
    e->windows = o->windows_per_day;
    e->first_day = o->first_day;
    e->nslots = o->max_locations * o->days * o->windows_per_day;
    e->seats_per_slot = sb__holds_of(o);
    e->hold_ms = o->hold_ms;
    e->release_delay_ms = o->release_delay_ms;
    e->max_changes = o->max_changes;
    e->max_families = sb__families_of(o);
    e->wait_cap = sb__waiting_of(o);
    e->slots = sb__alloc((size_t)e->nslots * sizeof *e->slots);
    e->seats = sb__alloc((size_t)e->nslots * e->seats_per_slot * sizeof *e->seats);
    e->open = sb__alloc(e->locations);
    e->stats = sb__alloc(SB_STAT_STRIPES * sizeof *e->stats);
    if (o->use_stock)
        e->stock = sb__alloc((size_t)e->locations * sizeof *e->stock);
    if (e->max_families)
        e->families = sb__alloc((size_t)e->max_families * sizeof *e->families);
    if (e->wait_cap) {
        e->waitq = sb__alloc((size_t)e->locations * sizeof *e->waitq);
        e->wait_ring = sb__alloc((size_t)e->locations * e->wait_cap * sizeof *e->wait_ring);
    }
    int people = sb__people_init(&e->people, o->max_people);
    if (!e->slots || !e->seats || !e->open || !e->stats || (o->use_stock && !e->stock) ||
        (e->max_families && !e->families) || (e->wait_cap && (!e->waitq || !e->wait_ring)) ||
        people != 0 || engine_keys(e, o->code_key) != SB_OK) {
        engine_free(e);
        return SB_NOMEM;
    }
    for (uint32_t i = 0; i < e->nslots; i++)
        atomic_init(&e->slots[i].next_due, SB_DUE_INIT);
    sb__clock_init(&e->clock, o->clock_ms, o->clock_ctx);
    atomic_store_explicit(&e->magic, SB_MAGIC_OPEN, memory_order_release);
    if (o->journal) {
        sb_status st = sb__journal_open(e, o);
        if (st != SB_OK) {
            sb__journal_close(e);
            engine_free(e);
            return st;
        }
    }
    *out = e;
    return SB_OK;
}

SB_EXPORT void
sb_close(sb_engine *e)
{
    if (!sb__live(e))
        return;
    sb__journal_close(e);
    atomic_store_explicit(&e->magic, SB_MAGIC_CLOSED, memory_order_relaxed);
    engine_free(e);
}

uint32_t
sb__slot_index(const sb_engine *e, sb_slot s)
{
    int64_t day = (int64_t)s.day - e->first_day;
    if (s.location >= e->locations || s.window >= e->windows || day < 0 || day >= e->days)
        return UINT32_MAX;
    return ((uint32_t)s.location * e->days + (uint32_t)day) * e->windows + s.window;
}

sb_slot
sb__slot_of(const sb_engine *e, uint32_t index)
{
    sb_slot s;
    s.window = (uint16_t)(index % e->windows);
    index /= e->windows;
    s.day = e->first_day + (int32_t)(index % e->days);
    s.location = (uint16_t)(index / e->days);
    return s;
}

bool
sb__location_is_open(const sb_engine *e, uint16_t loc)
{
    return atomic_load_explicit(&e->open[loc], memory_order_acquire) != 0;
}

/* Sets a location's state; with a journal, once its record is durable
 * (a failed journal changes nothing). */
static sb_status
location_swap(sb_engine *e, uint16_t location, uint8_t open)
{
    _Atomic uint8_t *flag = &e->open[location];
    uint8_t cur = atomic_load_explicit(flag, memory_order_acquire);
    for (uint32_t tries = 0; cur != open; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        sb_jpos j;
        if (!sb__jr_take(e, &j))
            return SB_IO;
        bool swapped = atomic_compare_exchange_strong_explicit(flag, &cur, open,
                                                               memory_order_acq_rel,
                                                               memory_order_acquire);
        sb_rec rec = {.type = REC_LOCATION, .index = location, .word = open};
        sb__jr_put(e, &j, &rec, swapped);
        if (!swapped)
            continue;
        if (sb__jr_wait(e, &j) != SB_OK) {
            uint8_t back = open;
            atomic_compare_exchange_strong_explicit(flag, &back, (uint8_t)!open,
                                                    memory_order_acq_rel, memory_order_relaxed);
            return SB_IO;
        }
        return SB_OK;
    }
    return sb__jr_failed(e) ? SB_IO : SB_OK;
}

static sb_status
location_set(sb_engine *e, uint16_t location, uint8_t open)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = location < e->locations ? location_swap(e, location, open) : SB_INVALID_ARG;
    sb__stat(e, SB_OP_LOCATION, st);
    return st;
}

SB_EXPORT sb_status
sb_location_open(sb_engine *e, uint16_t location)
{
    return location_set(e, location, 1);
}

SB_EXPORT sb_status
sb_location_close(sb_engine *e, uint16_t location)
{
    return location_set(e, location, 0);
}

/* Takes back places added by a release whose record failed, if they are
 * still free (the journal has failed: nobody takes new ones). */
static void
release_undo(_Atomic uint64_t *cw, uint32_t places)
{
    uint64_t w = atomic_load_explicit(cw, memory_order_relaxed);
    while ((uint32_t)w <= (w >> 32) - places &&
           !atomic_compare_exchange_weak_explicit(cw, &w, w - ((uint64_t)places << 32),
                                                  memory_order_acq_rel, memory_order_relaxed))
        ;
}

static sb_status
release(sb_engine *e, sb_slot slot, uint32_t places)
{
    uint32_t i = sb__slot_index(e, slot);
    if (i == UINT32_MAX)
        return SB_INVALID_ARG;
    _Atomic uint64_t *cw = &e->slots[i].cw;
    uint64_t w = atomic_load_explicit(cw, memory_order_relaxed);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if ((w >> 32) + places > UINT32_MAX)
            return SB_INVALID_ARG;
        sb_rec rec = {.type = REC_CAPACITY, .index = i, .word = (w >> 32) + places};
        sb_jpos j;
        int swapped = sb__jr_cas(e, cw, &w, w + ((uint64_t)places << 32), &rec, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped)
            continue;
        if (sb__jr_wait(e, &j) != SB_OK) {
            release_undo(cw, places);
            return SB_IO;
        }
        sb__wait_release(e, i, places);
        return SB_OK;
    }
}

SB_EXPORT sb_status
sb_release(sb_engine *e, sb_slot slot, uint32_t places)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = release(e, slot, places);
    sb__stat(e, SB_OP_RELEASE, st);
    return st;
}

SB_EXPORT sb_status
sb_slot_read(sb_engine *e, sb_slot slot, sb_slot_info *out)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    uint32_t i = sb__slot_index(e, slot);
    sb_status st = SB_INVALID_ARG;
    if (out && i != UINT32_MAX) {
        sb__slot_read(e, i, sb__clock_now(&e->clock), out);
        st = SB_OK;
    }
    sb__stat(e, SB_OP_SLOT_READ, st);
    return st;
}

static sb_status
next_free(sb_engine *e, uint16_t location, int32_t from_day, sb_slot *out)
{
    if (location >= e->locations)
        return SB_INVALID_ARG;
    if (!sb__location_is_open(e, location))
        return SB_CLOSED;
    int64_t first = (int64_t)from_day - e->first_day;
    if (first < 0)
        first = 0;
    if (first >= e->days)
        return SB_FULL;
    uint64_t now = sb__clock_now(&e->clock);
    uint32_t begin = ((uint32_t)location * e->days + (uint32_t)first) * e->windows;
    uint32_t end = ((uint32_t)location + 1) * e->days * e->windows;
    for (uint32_t i = begin; i < end; i++) {
        if (sb__slot_has_free(e, i, now)) {
            *out = sb__slot_of(e, i);
            return SB_OK;
        }
    }
    return SB_FULL;
}

SB_EXPORT sb_status
sb_next_free(sb_engine *e, uint16_t location, int32_t from_day, sb_slot *out)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    sb_status st = out ? next_free(e, location, from_day, out) : SB_INVALID_ARG;
    sb__stat(e, SB_OP_NEXT_FREE, st);
    return st;
}

SB_EXPORT size_t
sb_expire(sb_engine *e)
{
    if (!sb__live(e) || sb__jr_failed(e))
        return 0;
    uint64_t now = sb__clock_now(&e->clock);
    size_t n = 0;
    for (uint32_t i = 0; i < e->nslots; i++)
        n += sb__slot_expire(e, i, now);
    return n;
}
