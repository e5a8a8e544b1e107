/*
 * sb_audit: a full walk over slots, seats and people that checks every
 * invariant the engine keeps.  Meant for quiescent engines (tests, the end
 * of a replay): it reads each word once and does not stop other calls.
 *
 *   per slot    taken <= capacity;
 *               taken == booked + redeemed + occupied seats;
 *               no seat is BUSY (a takeover never left half done);
 *               booked, redeemed, and hold seats equal the people whose
 *               words say BOOKED, REDEEMED or HELD there;
 *   per seat    a hold seat belongs to a person whose word points at it;
 *   per person  a HELD word points at a hold seat of that person; the
 *               table finds every stored BSN at its own number once;
 *   per family  a booked family's members all point at it;
 *   per location (use_stock) stickers on the shelf + stickers with people
 *               holding or booked there + stickers redeemed there == stickers
 *               added.
 */
#include "person.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct audit {
    sb_engine *e;
    sb_audit_report r;
    char *msg;
    size_t msg_size;
    uint32_t *count;   /* per slot: booked people, redeemed people */
    uint64_t *sticker; /* per location: holds (dead or alive), bookings, redeemed */
} audit;

static void
violation(audit *a, const char *fmt, ...)
{
    if (a->r.violations++ == 0 && a->msg && a->msg_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(a->msg, a->msg_size, fmt, ap);
        va_end(ap);
    }
}

/* A family member counts where the family is booked. */
static void
audit_member(audit *a, uint32_t number, uint64_t w)
{
    sb_engine *e = a->e;
    uint32_t f = pw_where(w);
    if (f >= atomic_load_explicit(&e->families_used, memory_order_acquire)) {
        violation(a, "person %u is in family %u that was never made", number, f);
        return;
    }
    sb_family *fam = &e->families[f];
    unsigned i = sb__family_member(fam, number);
    if (i == fam->n) {
        violation(a, "person %u points at family %u that lacks them", number, f);
        return;
    }
    uint64_t fw = atomic_load_explicit(&fam->word, memory_order_acquire);
    bool redeemed = fw_redeemed(fw) & 1u << i;
    if (fw_state(fw) == FS_PENDING)
        violation(a, "family %u is still claiming its members", f);
    if (fw_state(fw) == FS_BOOKED || redeemed) {
        a->count[2 * (size_t)fw_slot(fw) + redeemed]++;
        a->sticker[sb__slot_location(e, fw_slot(fw))]++;
    }
}

/* Every member of a booked family points at it. */
static void
audit_families(audit *a)
{
    sb_engine *e = a->e;
    uint32_t used = atomic_load_explicit(&e->families_used, memory_order_acquire);
    for (uint32_t f = 0; f < used; f++) {
        sb_family *fam = &e->families[f];
        uint64_t fw = atomic_load_explicit(&fam->word, memory_order_acquire);
        if (fw_state(fw) != FS_BOOKED)
            continue;
        for (unsigned i = 0; i < fam->n; i++) {
            uint64_t w =
                atomic_load_explicit(&e->people.word[fam->member[i]], memory_order_acquire);
            if (!is_family_word(w) || pw_where(w) != f)
                violation(a, "family %u: member %u does not point at it", f, fam->member[i]);
        }
    }
}

/* Stickers are neither made nor lost. */
static void
audit_stock(audit *a)
{
    sb_engine *e = a->e;
    for (uint32_t loc = 0; e->stock && loc < e->locations; loc++) {
        uint64_t shelf = atomic_load_explicit(&e->stock[loc].available, memory_order_acquire);
        uint64_t added = atomic_load_explicit(&e->stock[loc].added, memory_order_acquire);
        if (shelf + a->sticker[loc] != added)
            violation(a, "location %u: %llu stickers on the shelf + %llu with people != %llu added",
                      loc, (unsigned long long)shelf, (unsigned long long)a->sticker[loc],
                      (unsigned long long)added);
    }
}

static void
audit_people(audit *a)
{
    sb_engine *e = a->e;
    sb_people *pp = &e->people;
    for (uint64_t i = 0; i <= pp->mask; i++) {
        uint64_t v = atomic_load_explicit(&pp->table[i], memory_order_acquire);
        if (v == 0)
            continue;
        uint32_t bsn = (uint32_t)(v >> 32), number = (uint32_t)v - 1u;
        a->r.people++;
        if (sb__people_find(pp, bsn) != number ||
            atomic_load_explicit(&pp->bsn[number], memory_order_relaxed) != bsn) {
            violation(a, "BSN %09u is stored twice or at the wrong number", bsn);
            continue;
        }
        uint64_t w = atomic_load_explicit(&pp->word[number], memory_order_acquire);
        uint32_t where = pw_where(w);
        switch (pw_state(w)) {
        case PS_HELD: {
            uint64_t s = atomic_load_explicit(&e->seats[where], memory_order_acquire);
            if (seat_tag(s) != SEAT_HOLD || seat_owner(s) != number)
                violation(a, "BSN %09u is HELD on seat %u that is not its hold", bsn, where);
            a->sticker[seat_location(e, where)]++;
            break;
        }
        case PS_BOOKED:
        case PS_REDEEMED:
            a->count[2 * (size_t)where + (pw_state(w) == PS_REDEEMED)]++;
            a->sticker[sb__slot_location(e, where)]++;
            break;
        case PS_FAMILY:
        case PS_FAMILY_X:
            audit_member(a, number, w);
            break;
        case PS_WAITING:
            if (!sb__wait_audit(e, number, w))
                violation(a, "BSN %09u waits on entry %u that does not name it", bsn, where);
            break;
        }
    }
}

static void
audit_seats(audit *a, uint32_t slot, uint32_t *occupied)
{
    sb_engine *e = a->e;
    uint64_t now = sb__clock_now(&e->clock);
    for (uint32_t k = 0; k < e->seats_per_slot; k++) {
        uint32_t g = slot * e->seats_per_slot + k;
        uint64_t s = atomic_load_explicit(&e->seats[g], memory_order_acquire);
        switch (seat_tag(s)) {
        case SEAT_VACANT:
            break;
        case SEAT_BUSY:
            violation(a, "seat %u was left BUSY", g);
            break;
        case SEAT_PENDING:
            (*occupied)++;
            a->r.pending += seat_deadline(s) > now;
            break;
        case SEAT_HOLD: {
            (*occupied)++;
            a->r.held += seat_deadline(s) > now;
            uint64_t w = atomic_load_explicit(&e->people.word[seat_owner(s)], memory_order_acquire);
            if (pw_state(w) != PS_HELD || pw_where(w) != g)
                violation(a, "seat %u holds for person %u whose word does not point at it", g,
                          seat_owner(s));
            break;
        }
        }
    }
}

static void
audit_slot(audit *a, uint32_t slot)
{
    sb_slotc *c = &a->e->slots[slot];
    uint64_t w = atomic_load_explicit(&c->cw, memory_order_acquire);
    uint32_t cap = (uint32_t)(w >> 32), taken = (uint32_t)w;
    uint32_t booked = atomic_load_explicit(&c->booked, memory_order_acquire);
    uint32_t redeemed = atomic_load_explicit(&c->redeemed, memory_order_acquire);
    uint32_t occupied = 0;
    audit_seats(a, slot, &occupied);
    a->r.slots++;
    a->r.capacity += cap;
    a->r.booked += booked;
    a->r.redeemed += redeemed;
    if (taken > cap)
        violation(a, "slot %u: %u places taken of %u", slot, taken, cap);
    if ((uint64_t)booked + redeemed + occupied != taken)
        violation(a, "slot %u: booked %u + redeemed %u + seats %u != taken %u", slot, booked,
                  redeemed, occupied, taken);
    if (booked != a->count[2 * (size_t)slot] || redeemed != a->count[2 * (size_t)slot + 1])
        violation(a, "slot %u: counters booked %u redeemed %u, people %u and %u", slot, booked,
                  redeemed, a->count[2 * (size_t)slot], a->count[2 * (size_t)slot + 1]);
}

SB_EXPORT sb_status
sb_audit(sb_engine *e, sb_audit_report *out, char *msg, size_t msg_size)
{
    if (!sb__live(e))
        return SB_INVALID_ARG;
    audit a = {.e = e, .msg = msg, .msg_size = msg_size};
    if (msg && msg_size)
        msg[0] = '\0';
    a.count = calloc((size_t)e->nslots * 2, sizeof *a.count);
    a.sticker = calloc(e->locations, sizeof *a.sticker);
    if (!a.count || !a.sticker) {
        free(a.count);
        free(a.sticker);
        return SB_NOMEM;
    }
    audit_people(&a);
    audit_families(&a);
    audit_stock(&a);
    for (uint32_t i = 0; i < e->nslots; i++)
        audit_slot(&a, i);
    free(a.count);
    free(a.sticker);
    if (out)
        *out = a.r;
    return a.r.violations ? SB_CORRUPT : SB_OK;
}
