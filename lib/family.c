/*
 * Families: up to SB_FAMILY_MAX people booked into one slot with one code,
 * all or none.
 *
 * A family booking is a multi-word change (every member's person word), made
 * atomic by a descriptor: the family record, whose one word decides the
 * family's state.  The booking call
 *   1. takes the stickers and the n places first (one compare-and-swap on
 *      the slot, never a partial fill);
 *   2. claims each member's word in ascending person number: a word showing
 *      nothing (or a hold that ran out) becomes PS_FAMILY on this record;
 *   3. commits: one compare-and-swap of the family word PENDING -> BOOKED,
 *      the linearisation point; every claimed member is booked at once.
 * While the family is PENDING its members are seen as they were before it
 * (person.h), so no reader sees part of a family.  Any call that wants to
 * replace a claimed member's word (the member's own reserve, or another
 * family claiming them) first swaps the family word PENDING -> ABORTED,
 * naming that member; then the booking call fails, gives its places and
 * stickers back and answers SB_DUPLICATE.  Nobody waits for anybody: each
 * failed compare-and-swap is another call's progress (lock-free), and a
 * family that loses a member to a race answers at once.
 *
 * Once BOOKED, the family word is the members' booking: the slot, the
 * code's generation (the leader's, bsns[0]), a redeemed bit per member, and
 * the change counts.  Cancel and reschedule by any member swap it; a member
 * is redeemed by setting their bit.  A member's own word stays PS_FAMILY
 * until their next call after the family ended, which swaps it for the
 * plain state it stands for (the leader's generation and every member's
 * change count brought up to date).
 *
 * Family records are never reused, so a member word's family number stays
 * valid for the engine's life; max_families bounds them.
 */
#include "person.h"

static sb_family *
family(sb_engine *e, uint32_t f)
{
    return &e->families[f];
}

static uint64_t
family_load(sb_family *fam)
{
    return atomic_load_explicit(&fam->word, memory_order_acquire);
}

static bool
family_swap(sb_family *fam, uint64_t *expect, uint64_t next)
{
    return atomic_compare_exchange_strong_explicit(&fam->word, expect, next, memory_order_acq_rel,
                                                   memory_order_acquire);
}

/* The record of family f's new word, with its members' words. */
static sb_rec
family_rec(sb_engine *e, uint32_t f, uint64_t fw)
{
    sb_family *fam = family(e, f);
    sb_rec r = {.type = REC_FAMILY, .index = f, .n = fam->n, .gen0 = fam->gen0, .word = fw};
    for (unsigned i = 0; i < fam->n; i++)
        r.m[i] = (sb_rec_member){fam->member[i], word_load(e, fam->member[i])};
    return r;
}

/* family_swap for a change the journal keeps (see word_swap_j). */
static int
family_swap_j(sb_engine *e, uint32_t f, uint64_t *expect, uint64_t next, sb_jpos *j)
{
    if (!e->journal) { /* no record to build: its members' words go unread */
        j->slot = NULL;
        return family_swap(family(e, f), expect, next);
    }
    sb_rec r = family_rec(e, f, next);
    return sb__jr_cas(e, &family(e, f)->word, expect, next, &r, j);
}

/* Waits for a journalled family swap from old to next: SB_OK, or SB_IO with
 * *undone when the word went back to old (see word_undo). */
static sb_status
family_settle(sb_engine *e, uint32_t f, uint64_t old, uint64_t next, const sb_jpos *j,
              bool *undone)
{
    sb_status st = sb__jr_wait(e, j);
    *undone = false;
    for (uint32_t tries = 0; st != SB_OK && !*undone && tries < 1000; tries++) {
        uint64_t expect = next;
        *undone = family_swap(family(e, f), &expect, old);
        if (!*undone)
            sched_yield();
    }
    return st;
}

static unsigned
member_index(const sb_family *fam, uint32_t number)
{
    unsigned i = sb__family_member(fam, number);
    if (i == fam->n)
        sb__panic(__FILE__, __LINE__, "a family word names a family without that person");
    return i;
}

static uint32_t
plus_changes(uint32_t a, uint32_t b)
{
    return a + b < SB_MAX_CHANGES ? a + b : SB_MAX_CHANGES;
}

/* Stops a family that is still claiming its members; blocker is the member
 * whose call stopped it.  No-op once the family is decided. */
static void
family_abort(sb_family *fam, uint64_t fw, unsigned blocker)
{
    while (fw_state(fw) == FS_PENDING &&
           !family_swap(fam, &fw, fw_make(FS_ABORTED, 0, 0, 0, 0, 0, blocker))) {
    }
}

uint64_t
sb__family_view(sb_engine *e, uint32_t number, uint64_t word, bool writer)
{
    sb_family *fam = family(e, pw_where(word));
    unsigned i = member_index(fam, number);
    uint64_t fw = family_load(fam);
    if (writer && fw_state(fw) == FS_PENDING) {
        family_abort(fam, fw, i);
        fw = family_load(fam);
    }
    unsigned state = pw_state(word) == PS_FAMILY_X ? PS_EXPIRED : PS_NONE;
    uint32_t gen = pw_gen(word), changes = pw_changes(word), f = pw_where(word);
    switch (fw_state(fw)) {
    case FS_BOOKED:
        return pw_make(PS_FAMILY, gen, f, changes, pw_version(word));
    case FS_CANCELLED:
        if (fw_redeemed(fw) & 1u << i)
            return pw_make(PS_FAMILY, gen, f, changes, pw_version(word));
        state = PS_NONE;
        if (i == 0)
            gen = fw_gen(fw);
        changes = plus_changes(changes, fw_changes(fw) - fw_base(fw));
        break;
    }
    /* As before the family, or after it.  The view keeps the word's
     * version, so pw_next() of it is a fresh word. */
    return pw_make(state, gen, 0, changes, pw_version(word));
}

static uint32_t
popcount(unsigned bits)
{
    return (uint32_t)__builtin_popcount(bits);
}

/* Frees k booked places of a slot that a family left. */
static void
places_leave(sb_engine *e, const person *p, uint32_t slot, uint32_t k, uint64_t now)
{
    atomic_fetch_sub_explicit(&e->slots[slot].booked, k, memory_order_release);
    for (uint32_t j = 0; j < k; j++)
        sb__slot_release(e, slot, now, sb__release_moment(e, p, now, j), true);
}

sb_status
sb__family_cancel(sb_engine *e, person *p, uint64_t now)
{
    sb_family *fam = family(e, pw_where(p->view));
    unsigned i = member_index(fam, p->number);
    uint64_t fw = family_load(fam);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (fw_redeemed(fw) & 1u << i)
            return SB_USED;
        if (fw_state(fw) != FS_BOOKED)
            return SB_NOT_FOUND; /* another member cancelled it first */
        uint32_t changes = fw_changes(fw);
        if (over_limit(e, changes))
            return SB_LIMIT;
        uint64_t next = fw_make(FS_CANCELLED, fw_redeemed(fw), fw_slot(fw), fw_gen(fw), fw_base(fw),
                                plus_changes(changes, 1), 0);
        sb_jpos j;
        int swapped = family_swap_j(e, pw_where(p->view), &fw, next, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped)
            continue;
        /* The places are freed once the cancel is durable (see cancel). */
        bool undone;
        sb_status st = family_settle(e, pw_where(p->view), fw, next, &j, &undone);
        if (!undone)
            places_leave(e, p, fw_slot(fw), fam->n - popcount(fw_redeemed(fw)), now);
        return st;
    }
}

sb_status
sb__family_reschedule(sb_engine *e, person *p, uint32_t index, uint64_t now, char *code)
{
    sb_family *fam = family(e, pw_where(p->view));
    uint16_t to = sb__slot_location(e, index);
    uint64_t fw = family_load(fam);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        if (fw_redeemed(fw) != 0)
            return SB_USED; /* the appointment took place for one of them */
        if (fw_state(fw) != FS_BOOKED)
            return SB_NOT_FOUND;
        uint32_t from = fw_slot(fw), changes = fw_changes(fw), gen = fw_gen(fw), n = fam->n;
        if (from == index)
            return SB_DUPLICATE;
        if (over_limit(e, changes))
            return SB_LIMIT;
        if (!sb__location_is_open(e, to))
            return SB_CLOSED;
        bool stickers = to != sb__slot_location(e, from);
        if (stickers && !sb__stock_take(e, to, n, now))
            return SB_NO_STOCK;
        sb_status st = sb__places_take(e, index, n, now);
        if (st == SB_OK && gen == SB_MAX_BOOKINGS) {
            sb__places_return(e, index, n);
            st = SB_NOMEM;
        }
        if (st == SB_OK) {
            uint64_t next =
                fw_make(FS_BOOKED, 0, index, gen + 1, fw_base(fw), plus_changes(changes, 1), 0);
            sb_jpos jp;
            int swapped = family_swap_j(e, pw_where(p->view), &fw, next, &jp);
            bool undone = swapped < 0;
            if (swapped > 0)
                st = family_settle(e, pw_where(p->view), fw, next, &jp, &undone);
            if (swapped > 0 && !undone) {
                /* Out of the old slot's booked before into the new one's. */
                atomic_fetch_sub_explicit(&e->slots[from].booked, n, memory_order_release);
                atomic_fetch_add_explicit(&e->slots[index].booked, n, memory_order_release);
                for (uint32_t j = 0; j < n; j++)
                    sb__slot_release(e, from, now, sb__release_moment(e, p, now, j), stickers);
                sb__code_seal(&e->keys, fam->member[0], gen + 1, code);
                return st;
            }
            if (undone)
                st = SB_IO;
            sb__places_return(e, index, n);
        }
        if (stickers)
            sb__stock_give(e, to, n);
        if (st != SB_OK)
            return st;
    }
}

bool
sb__family_read(sb_engine *e, const person *p, uint32_t bsn, sb_booking *out)
{
    sb_family *fam = family(e, pw_where(p->view));
    unsigned i = member_index(fam, p->number);
    uint64_t fw = family_load(fam);
    if (fw_redeemed(fw) & 1u << i)
        sb__fill(e, bsn, fw_slot(fw), SB_STATE_REDEEMED, 0, out);
    else if (fw_state(fw) == FS_BOOKED)
        sb__fill(e, bsn, fw_slot(fw), SB_STATE_BOOKED, 0, out);
    else
        return false; /* cancelled since the view was taken */
    return true;
}

sb_status
sb__family_present(sb_engine *e, person *p, uint32_t leader, uint32_t gen, uint32_t bsn,
                   bool redeem, sb_booking *out)
{
    sb_family *fam = family(e, pw_where(p->word));
    unsigned i = member_index(fam, p->number);
    bool is_leader = p->number == leader;
    uint64_t fw = family_load(fam);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        unsigned state = fw_state(fw), bit = 1u << i;
        if (state == FS_PENDING || state == FS_ABORTED) {
            /* No family code was issued: for the leader it is as before
             * the family; nobody else held a code of theirs. */
            if (!is_leader)
                return SB_WRONG_HOLDER;
            return gen > pw_gen(p->word) ? SB_FORGED : SB_CANCELLED;
        }
        if (gen > fw_gen(fw)) /* never issued, or the leader's after the family */
            return is_leader ? SB_FORGED : SB_WRONG_HOLDER;
        if (gen < fw_gen(fw))
            return is_leader || gen >= fam->gen0 ? SB_CANCELLED : SB_WRONG_HOLDER;
        uint32_t slot = fw_slot(fw);
        if (fw_redeemed(fw) & bit) {
            sb__fill(e, bsn, slot, SB_STATE_REDEEMED, 0, out);
            return SB_USED;
        }
        if (state == FS_CANCELLED)
            return SB_CANCELLED;
        if (!redeem) {
            sb__fill(e, bsn, slot, SB_STATE_BOOKED, 0, out);
            return SB_OK;
        }
        uint64_t next = fw | (uint64_t)bit << 2;
        sb_jpos j;
        int swapped = family_swap_j(e, pw_where(p->word), &fw, next, &j);
        if (swapped < 0)
            return SB_IO;
        if (!swapped)
            continue;
        bool undone;
        sb_status st = family_settle(e, pw_where(p->word), fw, next, &j, &undone);
        if (undone)
            return SB_IO;
        atomic_fetch_sub_explicit(&e->slots[slot].booked, 1, memory_order_release);
        atomic_fetch_add_explicit(&e->slots[slot].redeemed, 1, memory_order_release);
        return st;
    }
}

/* ---- sb_book_group -------------------------------------------------------- */

typedef struct group {
    sb_engine *e;
    uint32_t number[SB_FAMILY_MAX];
    unsigned n;
    uint32_t slot;
    uint16_t location;
    uint64_t now;
    uint32_t f; /* the family record */
} group;

/* Claims member i's word for the family: true, or false when the family
 * stopped (a member's call came first, or this member is active: then the
 * family is aborted naming it). */
static bool
claim(group *g, unsigned i)
{
    sb_engine *e = g->e;
    sb_family *fam = family(e, g->f);
    person p = {g->number[i], 0, 0};
    uint64_t seat = 0;
    person_load(e, &p, true);
    for (uint32_t tries = 0;; tries++) {
        sb_assert(tries < SB_RETRY_MAX);
        uint64_t fw = family_load(fam);
        if (fw_state(fw) != FS_PENDING)
            return false;
        if (sb__person_active(e, &p, g->now, &seat, true)) {
            family_abort(fam, fw, i);
            return false;
        }
        bool expired = pw_state(p.view) == PS_EXPIRED || pw_state(p.view) == PS_HELD;
        uint64_t next = pw_next(p.view, expired ? PS_FAMILY_X : PS_FAMILY, pw_gen(p.view), g->f);
        if (!word_swap(e, &p, next)) {
            see(e, &p, true);
            continue;
        }
        sb__leave(e, p.view, g->now);
        return true;
    }
}

/* Claims every member and commits: SB_OK, or the status of the family's
 * failure with *blocker set.  Every family claims in the same order
 * (ascending person number): of two families racing for shared members,
 * the later to claim the lowest shared one stops the other and goes on,
 * where claims in the callers' orders could stop each other both. */
static sb_status
claim_and_commit(group *g, unsigned *blocker)
{
    sb_engine *e = g->e;
    sb_family *fam = family(e, g->f);
    unsigned order[SB_FAMILY_MAX];
    for (unsigned i = 0; i < g->n; i++) {
        unsigned j = i;
        for (; j > 0 && g->number[order[j - 1]] > g->number[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (unsigned k = 0; k < g->n; k++) {
        if (!claim(g, order[k]))
            break;
    }
    uint64_t fw = family_load(fam);
    if (fw_state(fw) == FS_PENDING) {
        /* Every member is claimed, and only an abort can change the
         * family word now, so the members' words are stable. */
        uint32_t base = 0, gen = pw_gen(word_load(e, g->number[0]));
        for (unsigned i = 0; i < g->n; i++) {
            uint32_t c = pw_changes(word_load(e, g->number[i]));
            base = c > base ? c : base;
        }
        if (gen == SB_MAX_BOOKINGS) {
            family_abort(fam, fw, 0);
            *blocker = 0;
            return SB_NOMEM;
        }
        fam->gen0 = (uint16_t)(gen + 1);
        uint64_t next = fw_make(FS_BOOKED, 0, g->slot, gen + 1, base, base, 0);
        sb_jpos j;
        int swapped = family_swap_j(e, g->f, &fw, next, &j);
        if (swapped < 0) {
            family_abort(fam, fw, g->n);
            return SB_IO;
        }
        if (swapped) {
            /* A failed record takes the family back to aborted: its places
             * and stickers go back as for any failed family. */
            uint64_t aborted = fw_make(FS_ABORTED, 0, 0, 0, 0, 0, g->n);
            bool undone;
            sb_status st = family_settle(e, g->f, aborted, next, &j, &undone);
            if (undone)
                return SB_IO;
            atomic_fetch_add_explicit(&e->slots[g->slot].booked, g->n, memory_order_release);
            return st;
        }
    }
    sb_assert(fw_state(fw) == FS_ABORTED);
    *blocker = fw_blocker(fw);
    return SB_DUPLICATE;
}

/* A family record of its own, never reused: false when max_families were
 * used. */
static bool
family_new(group *g)
{
    sb_engine *e = g->e;
    uint32_t f = atomic_load_explicit(&e->families_used, memory_order_relaxed);
    do {
        if (f >= e->max_families)
            return false;
    } while (!atomic_compare_exchange_weak_explicit(&e->families_used, &f, f + 1,
                                                    memory_order_relaxed, memory_order_relaxed));
    sb_family *fam = family(e, f);
    for (unsigned i = 0; i < g->n; i++)
        fam->member[i] = g->number[i];
    fam->n = (uint8_t)g->n;
    atomic_store_explicit(&fam->word, fw_make(FS_PENDING, 0, g->slot, 0, 0, 0, 0),
                          memory_order_release);
    g->f = f;
    return true;
}

/* Whether the person table has room for the family's new members, so a
 * family refused for max_people stores none of them (a race may still fill
 * the table between this and the inserts). */
static sb_status
room_for_new(group *g, unsigned *blocker)
{
    uint64_t stored = sb__people_count(&g->e->people), max = g->e->people.max;
    for (unsigned i = 0; i < g->n; i++) {
        if (g->number[i] != SB_NO_PERSON)
            continue;
        if (stored++ >= max) {
            *blocker = i;
            return SB_NOMEM;
        }
    }
    return SB_OK;
}

static sb_status
book_group(group *g, const uint32_t *bsns, char *code, unsigned *blocker)
{
    sb_engine *e = g->e;
    if (!sb__location_is_open(e, g->location))
        return SB_CLOSED;
    g->now = sb__clock_now(&e->clock);
    uint32_t leader_gen = 0;
    for (unsigned i = 0; i < g->n; i++) {
        person p = {sb__people_find(&e->people, bsns[i]), 0, 0};
        uint64_t seat = 0;
        g->number[i] = p.number;
        if (p.number == SB_NO_PERSON)
            continue;
        person_load(e, &p, false);
        if (sb__person_active(e, &p, g->now, &seat, false)) {
            *blocker = i;
            return SB_DUPLICATE;
        }
        if (i == 0)
            leader_gen = pw_gen(p.view);
    }
    if (!sb__stock_take(e, g->location, g->n, g->now))
        return SB_NO_STOCK;
    sb_status st = sb__places_take(e, g->slot, g->n, g->now);
    /* Refuse what is known to fail before storing anyone new (both are
     * checked again where they are decided). */
    if (st == SB_OK && leader_gen == SB_MAX_BOOKINGS) {
        *blocker = 0;
        st = SB_NOMEM;
    }
    if (st == SB_OK &&
        atomic_load_explicit(&e->families_used, memory_order_relaxed) >= e->max_families)
        st = SB_NOMEM;
    if (st == SB_OK)
        st = room_for_new(g, blocker);
    for (unsigned i = 0; st == SB_OK && i < g->n; i++) {
        if (g->number[i] == SB_NO_PERSON)
            g->number[i] = sb__people_insert(&e->people, bsns[i]);
        if (g->number[i] == SB_NO_PERSON) {
            *blocker = i;
            st = SB_NOMEM;
        }
    }
    if (st == SB_OK && !family_new(g))
        st = SB_NOMEM;
    bool booked = false;
    if (st == SB_OK) {
        st = claim_and_commit(g, blocker);
        /* booked even on SB_IO when the family could not be taken back */
        booked = fw_state(family_load(family(e, g->f))) != FS_ABORTED;
    }
    if (booked) {
        sb__code_seal(&e->keys, g->number[0], family(e, g->f)->gen0, code);
        return st;
    }
    if (st != SB_FULL)
        sb__places_return(e, g->slot, g->n);
    sb__stock_give(e, g->location, g->n);
    return st;
}

static sb_status
group_checked(sb_engine *e, const uint32_t *bsns, unsigned n, sb_slot slot, group *g,
              unsigned *blocker)
{
    if (!bsns || n == 0 || n > SB_FAMILY_MAX)
        return SB_INVALID_ARG;
    for (unsigned i = 0; i < n; i++) {
        *blocker = i;
        if (!sb_bsn_valid(bsns[i]))
            return SB_INVALID_ID;
    }
    for (unsigned i = 0; i < n; i++) {
        *blocker = i;
        for (unsigned j = 0; j < i; j++)
            if (bsns[j] == bsns[i])
                return SB_INVALID_ARG;
    }
    *blocker = n;
    g->e = e;
    g->n = n;
    g->slot = sb__slot_index(e, slot);
    g->location = slot.location;
    return g->slot == UINT32_MAX ? SB_INVALID_ARG : SB_OK;
}

SB_EXPORT sb_status
sb_book_group_blocker(sb_engine *e, const uint32_t *bsns, unsigned n, sb_slot slot,
                      char code[SB_CODE_SIZE], unsigned *blocker)
{
    unsigned mine;
    if (!blocker)
        blocker = &mine;
    *blocker = n;
    if (!sb__live(e))
        return SB_INVALID_ARG;
    group g;
    sb_status st = code ? group_checked(e, bsns, n, slot, &g, blocker) : SB_INVALID_ARG;
    if (st == SB_OK)
        st = book_group(&g, bsns, code, blocker);
    sb__stat(e, SB_OP_BOOK_GROUP, st);
    return st;
}

SB_EXPORT sb_status
sb_book_group(sb_engine *e, const uint32_t *bsns, unsigned n, sb_slot slot, char code[SB_CODE_SIZE])
{
    return sb_book_group_blocker(e, bsns, n, slot, code, NULL);
}
