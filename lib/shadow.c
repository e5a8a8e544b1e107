/*
 * The shadow: the durable image of the engine's state, the last journalled
 * value of every person, family, waiting entry, slot capacity, location and
 * stock.  Only the writer thread touches it (and sb_open(), before the
 * writer starts), so it is plain memory.  A checkpoint writes it out; a
 * recovery reads the journal into it and then builds the live engine from
 * it, deriving everything else (slot counters, stickers on the shelf,
 * waiting counts) the way sb_audit() checks it.
 *
 * Holds are not journalled, so the shadow never holds one: a person whose
 * last journalled change was a cancel is back to that after a crash, even
 * if they had a hold since.  A waiting person given a hold is back on the
 * list with their old ticket, unless their entry was taken by a later
 * joiner (then they are back to nothing).
 */
#include "journal.h"
#include "person.h"

#include <stdlib.h>

int
sb__shadow_init(sb_shadow *s, const sb_engine *e)
{
    size_t entries = (size_t)e->locations * e->wait_cap;
    s->word = sb__alloc((size_t)e->people.max * sizeof *s->word);
    s->has = sb__alloc((size_t)e->people.max / 8 + 1);
    s->family = sb__alloc((size_t)e->max_families * sizeof *s->family);
    s->entry = sb__alloc(entries * sizeof *s->entry);
    s->ticket = sb__alloc(entries * sizeof *s->ticket);
    s->capacity = sb__alloc((size_t)e->nslots * sizeof *s->capacity);
    s->stock = sb__alloc((size_t)e->locations * sizeof *s->stock);
    s->open = sb__alloc(e->locations);
    return s->word && s->has && s->family && s->entry && s->ticket && s->capacity && s->stock &&
                   s->open
               ? 0
               : -1;
}

void
sb__shadow_free(sb_shadow *s, const sb_engine *e)
{
    size_t entries = (size_t)e->locations * e->wait_cap;
    sb__free(s->word, (size_t)e->people.max * sizeof *s->word);
    sb__free(s->has, (size_t)e->people.max / 8 + 1);
    sb__free(s->family, (size_t)e->max_families * sizeof *s->family);
    sb__free(s->entry, entries * sizeof *s->entry);
    sb__free(s->ticket, entries * sizeof *s->ticket);
    sb__free(s->capacity, (size_t)e->nslots * sizeof *s->capacity);
    sb__free(s->stock, (size_t)e->locations * sizeof *s->stock);
    sb__free(s->open, e->locations);
}

static bool
has(const sb_shadow *s, uint32_t number)
{
    return s->has[number / 8] & 1u << (number % 8);
}

static void
set_person(sb_shadow *s, uint32_t number, uint64_t word)
{
    s->word[number] = word;
    s->has[number / 8] |= (uint8_t)(1u << (number % 8));
}

/* Whether a journalled person word fits the engine. */
static bool
word_fits(const sb_engine *e, uint64_t w)
{
    switch (pw_state(w)) {
    case PS_HELD:
        return false;
    case PS_BOOKED:
    case PS_REDEEMED:
        return pw_where(w) < e->nslots;
    case PS_FAMILY:
    case PS_FAMILY_X:
        return pw_where(w) < e->max_families;
    case PS_WAITING:
        return pw_where(w) < e->locations * e->wait_cap;
    default:
        return true;
    }
}

bool
sb__shadow_apply(sb_shadow *s, sb_engine *e, const sb_rec *r, bool recovering)
{
    switch (r->type) {
    case REC_PERSON:
        if (r->index >= e->people.max || !word_fits(e, r->word))
            return false;
        set_person(s, r->index, r->word);
        return true;
    case REC_WAIT:
        if (r->index >= e->people.max || !word_fits(e, r->word) ||
            r->entry >= e->locations * e->wait_cap ||
            sb__wait_entry_person(r->entry_word) != r->index)
            return false;
        set_person(s, r->index, r->word);
        s->entry[r->entry] = r->entry_word;
        s->ticket[r->entry] = r->ticket;
        return true;
    case REC_FAMILY: {
        unsigned st = fw_state(r->word);
        if (r->index >= e->max_families || r->n == 0 || r->n > SB_FAMILY_MAX ||
            (st != FS_BOOKED && st != FS_CANCELLED) || fw_slot(r->word) >= e->nslots)
            return false;
        for (unsigned i = 0; i < r->n; i++) {
            if (r->m[i].number >= e->people.max || !word_fits(e, r->m[i].word))
                return false;
            for (unsigned k = 0; k < i; k++)
                if (r->m[k].number == r->m[i].number)
                    return false;
        }
        for (unsigned i = 0; i < r->n; i++)
            set_person(s, r->m[i].number, r->m[i].word);
        s->family[r->index] = r->word;
        if (r->index >= s->families)
            s->families = r->index + 1;
        if (recovering) {
            sb_family *fam = &e->families[r->index];
            for (unsigned i = 0; i < r->n; i++)
                fam->member[i] = r->m[i].number;
            fam->n = r->n;
            fam->gen0 = r->gen0;
        }
        return true;
    }
    case REC_CAPACITY:
        if (r->index >= e->nslots || r->word > UINT32_MAX)
            return false;
        s->capacity[r->index] = (uint32_t)r->word;
        return true;
    case REC_LOCATION:
        if (r->index >= e->locations || r->word > 1)
            return false;
        s->open[r->index] = (uint8_t)r->word;
        return true;
    case REC_STOCK:
        if (!e->stock || r->index >= e->locations || r->word > SB_MAX_STOCK)
            return false;
        s->stock[r->index] = r->word;
        return true;
    default:
        return false;
    }
}

/* Where a restored person's place counts: *slot and whether redeemed;
 * false when the person has no place. */
static bool
place_of(const sb_engine *e, uint32_t number, uint64_t w, uint32_t *slot, bool *redeemed)
{
    switch (pw_state(w)) {
    case PS_BOOKED:
    case PS_REDEEMED:
        *slot = pw_where(w);
        *redeemed = pw_state(w) == PS_REDEEMED;
        return true;
    case PS_FAMILY:
    case PS_FAMILY_X: {
        const sb_family *fam = &e->families[pw_where(w)];
        unsigned i = sb__family_member(fam, number);
        uint64_t fw = atomic_load_explicit(&fam->word, memory_order_relaxed);
        if (i == fam->n)
            return false;
        *slot = fw_slot(fw);
        *redeemed = fw_redeemed(fw) & 1u << i;
        return fw_state(fw) == FS_BOOKED || *redeemed;
    }
    default:
        return false;
    }
}

bool
sb__shadow_restore(sb_shadow *s, sb_engine *e)
{
    for (uint32_t f = 0; f < s->families; f++) {
        uint64_t fw = s->family[f] ? s->family[f] : fw_make(FS_ABORTED, 0, 0, 0, 0, 0, 0);
        atomic_store_explicit(&e->families[f].word, fw, memory_order_relaxed);
    }
    atomic_store_explicit(&e->families_used, s->families, memory_order_relaxed);

    /* Live waiting entries: those whose person still waits on them. */
    for (uint32_t loc = 0; e->wait_ring && loc < e->locations; loc++) {
        uint64_t next = 0;
        for (uint32_t g = loc * e->wait_cap; g < (loc + 1) * e->wait_cap; g++) {
            uint32_t who = sb__wait_entry_person(s->entry[g]);
            if (who == SB_NO_PERSON)
                continue;
            if (s->ticket[g] >= next)
                next = s->ticket[g] + 1;
            uint64_t w = s->word[who];
            if (has(s, who) && pw_state(w) == PS_WAITING && pw_where(w) == g)
                sb__wait_restore(e, g, s->entry[g], s->ticket[g]);
        }
        sb__wait_tickets(e, (uint16_t)loc, next);
    }

    uint64_t *sticker = calloc(e->locations, sizeof *sticker);
    if (!sticker)
        return false;
    bool ok = true;
    for (uint32_t n = 0; n < e->people.max; n++) {
        if (n % 8 == 0 && s->has[n / 8] == 0) {
            n += 7; /* a byte of nobody */
            continue;
        }
        if (!has(s, n))
            continue;
        uint64_t w = s->word[n];
        if (pw_state(w) == PS_WAITING && !sb__wait_audit(e, n, w))
            s->word[n] = w = pw_make(PS_NONE, pw_gen(w), 0, pw_changes(w), pw_version(w));
        /* A family member must be listed by a family the journal made
         * (the engine relies on it). */
        if (pw_state(w) == PS_FAMILY || pw_state(w) == PS_FAMILY_X) {
            uint32_t f = pw_where(w);
            ok &= f < s->families && s->family[f] != 0 &&
                  sb__family_member(&e->families[f], n) < e->families[f].n;
            if (!ok)
                break;
        }
        atomic_store_explicit(&e->people.word[n], w, memory_order_relaxed);
        uint32_t slot;
        bool redeemed;
        if (place_of(e, n, w, &slot, &redeemed)) {
            sb_slotc *c = &e->slots[slot];
            atomic_fetch_add_explicit(redeemed ? &c->redeemed : &c->booked, 1,
                                      memory_order_relaxed);
            atomic_fetch_add_explicit(&c->cw, 1, memory_order_relaxed);
            sticker[sb__slot_location(e, slot)]++;
        }
    }
    /* And a booked family's members all point at it. */
    for (uint32_t f = 0; ok && f < s->families; f++) {
        const sb_family *fam = &e->families[f];
        if (fw_state(s->family[f]) != FS_BOOKED)
            continue;
        for (unsigned i = 0; i < fam->n; i++) {
            uint64_t w =
                atomic_load_explicit(&e->people.word[fam->member[i]], memory_order_relaxed);
            ok &= is_family_word(w) && pw_where(w) == f;
        }
    }
    ok = ok && sb__people_settle(&e->people);
    for (uint32_t i = 0; i < e->nslots; i++) {
        _Atomic uint64_t *cw = &e->slots[i].cw;
        uint64_t taken = atomic_load_explicit(cw, memory_order_relaxed);
        ok &= taken <= s->capacity[i];
        atomic_store_explicit(cw, (uint64_t)s->capacity[i] << 32 | taken, memory_order_relaxed);
    }
    for (uint32_t loc = 0; loc < e->locations; loc++) {
        atomic_store_explicit(&e->open[loc], s->open[loc], memory_order_relaxed);
        if (!e->stock)
            continue;
        ok &= sticker[loc] <= s->stock[loc];
        atomic_store_explicit(&e->stock[loc].added, s->stock[loc], memory_order_relaxed);
        atomic_store_explicit(&e->stock[loc].available, s->stock[loc] - sticker[loc],
                              memory_order_relaxed);
    }
    free(sticker);

    for (unsigned op = 0; op < SB_STATS_OPS; op++)
        for (unsigned k = 0; k < SB_STATS_STATUSES; k++)
            atomic_store_explicit(&e->stats[0].outcomes[op][k], s->stats.outcomes[op][k],
                                  memory_order_relaxed);
    atomic_store_explicit(&e->stats[0].expired, s->stats.expired, memory_order_relaxed);
    return ok;
}

/* The walk's phases. */
enum { WALK_CAPACITY, WALK_LOCATION, WALK_STOCK, WALK_FAMILY, WALK_PERSON, WALK_ENTRY, WALK_END };

static uint64_t
phase_size(const sb_shadow *s, const sb_engine *e, unsigned phase)
{
    switch (phase) {
    case WALK_CAPACITY:
        return e->nslots;
    case WALK_LOCATION:
        return e->locations;
    case WALK_STOCK:
        return e->stock ? e->locations : 0;
    case WALK_FAMILY:
        return s->families;
    case WALK_PERSON:
        return e->people.max;
    case WALK_ENTRY:
        return e->wait_ring ? (uint64_t)e->locations * e->wait_cap : 0;
    default:
        return 0;
    }
}

/* The record of thing i of phase, or false when it has none. */
static bool
dump_one(const sb_shadow *s, const sb_engine *e, unsigned phase, uint32_t i, sb_rec *r)
{
    *r = (sb_rec){.index = i};
    switch (phase) {
    case WALK_CAPACITY:
        r->type = REC_CAPACITY;
        r->word = s->capacity[i];
        return r->word != 0;
    case WALK_LOCATION:
        r->type = REC_LOCATION;
        r->word = s->open[i];
        return r->word != 0;
    case WALK_STOCK:
        r->type = REC_STOCK;
        r->word = s->stock[i];
        return r->word != 0;
    case WALK_FAMILY: {
        if (!s->family[i])
            return false;
        const sb_family *fam = &e->families[i];
        r->type = REC_FAMILY;
        r->word = s->family[i];
        r->n = fam->n;
        r->gen0 = fam->gen0;
        for (unsigned k = 0; k < fam->n; k++)
            r->m[k] = (sb_rec_member){fam->member[k], s->word[fam->member[k]]};
        return true;
    }
    case WALK_PERSON:
        *r = sb__rec_person(i, s->word[i]);
        return has(s, i);
    case WALK_ENTRY: {
        uint32_t who = sb__wait_entry_person(s->entry[i]);
        if (who == SB_NO_PERSON)
            return false;
        *r = (sb_rec){.type = REC_WAIT,
                      .index = who,
                      .word = s->word[who],
                      .entry = i,
                      .entry_word = s->entry[i],
                      .ticket = s->ticket[i]};
        return true;
    }
    default:
        return false;
    }
}

size_t
sb__shadow_dump(const sb_shadow *s, const sb_engine *e, sb_shadow_walk *w, sb_rec *recs, size_t max)
{
    size_t n = 0;
    while (n < max && w->phase < WALK_END) {
        if (w->i >= phase_size(s, e, w->phase)) {
            w->phase++;
            w->i = 0;
            continue;
        }
        n += dump_one(s, e, w->phase, (uint32_t)w->i++, &recs[n]);
    }
    return n;
}
