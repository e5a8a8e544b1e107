/*
 * API tests: families (sb_book_group, sb_book_group_blocker).
 *
 * Every status in the documented order, with the blocker each one names;
 * what a family booking is: one code for every member and nobody else, each
 * member redeemed on their own, the whole family cancelled or moved by any
 * member, every member free to book alone once it ended; the change limit
 * counted for every member; the limits (max_people, max_families, the
 * leader's 65,535 bookings); lookup, sb_each_booking and sb_stats; and
 * sb_audit at the end of every scenario.
 */
#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
/* CAP places each: S and S3 at location 0, S2 at location 2. */
static const sb_slot S = {.location = 0, .window = 0, .day = DAY0};
static const sb_slot S2 = {.location = 2, .window = 1, .day = DAY0 + 3};
static const sb_slot S3 = {.location = 0, .window = 2, .day = DAY0 + 1};
/* Two places, at location 3. */
static const sb_slot SMALL = {.location = 3, .window = 0, .day = DAY0 + 2};
/* No place at all, at location 1. */
static const sb_slot EMPTY = {.location = 1, .window = 0, .day = DAY0 + 4};

#define CAP 8u
/* Bookings a person may make over the engine's life. */
#define MAX_BOOKINGS 65535u

/* m[0..7]: people who take part in families; STRANGER never does. */
static uint32_t m[8];
#define STRANGER bsn_nth(100)

static void
open_with(sb_options o)
{
    for (uint32_t i = 0; i < 8; i++)
        m[i] = bsn_nth(i);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, CAP), SB_OK);
    ST_EQ(sb_release(e, S2, CAP), SB_OK);
    ST_EQ(sb_release(e, S3, CAP), SB_OK);
    ST_EQ(sb_release(e, SMALL, 2), SB_OK);
}

static void
setup(void)
{
    clk.now = T0;
    open_with(test_options(&clk));
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

static void
reopen(sb_options o)
{
    sb_close(e);
    clk.now = T0;
    open_with(o);
}

static void
reopen_stock(void)
{
    sb_options o = test_options(&clk);
    o.use_stock = 1;
    reopen(o);
}

static void
reopen_changes(uint32_t max_changes)
{
    sb_options o = test_options(&clk);
    o.max_changes = max_changes;
    reopen(o);
}

TestSuite(book_group, .init = setup, .fini = teardown);
TestSuite(family, .init = setup, .fini = teardown);
TestSuite(family_reschedule, .init = setup, .fini = teardown);
TestSuite(family_changes, .init = setup, .fini = teardown);
TestSuite(family_limits, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

#define AUDIT_OK()                                                               \
    do {                                                                         \
        char msg_[256] = "";                                                     \
        sb_status st_ = sb_audit(e, NULL, msg_, sizeof msg_);                    \
        cr_assert_eq(st_, SB_OK, "sb_audit: %s: %s", sb_status_name(st_), msg_); \
    } while (0)

/* Asserts that two slot_read answers are the same. */
#define INFO_SAME(a, b)                                                                          \
    do {                                                                                         \
        sb_slot_info a_ = (a), b_ = (b);                                                         \
        cr_assert(a_.capacity == b_.capacity && a_.held == b_.held && a_.booked == b_.booked &&  \
                      a_.redeemed == b_.redeemed && a_.free == b_.free &&                        \
                      a_.pending == b_.pending,                                                  \
                  "slot changed: capacity %u/%u held %u/%u booked %u/%u redeemed %u/%u "         \
                  "free %u/%u pending %u/%u",                                                    \
                  a_.capacity, b_.capacity, a_.held, b_.held, a_.booked, b_.booked, a_.redeemed, \
                  b_.redeemed, a_.free, b_.free, a_.pending, b_.pending);                        \
    } while (0)

/* sb_book_group_blocker, asserting the status and the blocker. */
#define GROUP_EQ(bsns, n, slot, want, want_blocker)                                                \
    do {                                                                                           \
        char c_[SB_CODE_SIZE];                                                                     \
        unsigned b_ = 0xdeadu, wb_ = (want_blocker);                                               \
        sb_status st_ = sb_book_group_blocker(e, (bsns), (n), (slot), c_, &b_);                    \
        sb_status w_ = (want);                                                                     \
        cr_assert_eq(st_, w_, "book_group: got %s, want %s", sb_status_name(st_),                  \
                     sb_status_name(w_));                                                          \
        cr_assert_eq(b_, wb_, "book_group %s: blocker %u, want %u", sb_status_name(st_), b_, wb_); \
    } while (0)

/* Books the family bsns[0..n) into s; asserts SB_OK, blocker n and the code. */
static void
group_ok(const uint32_t *bsns, unsigned n, sb_slot s, char code[SB_CODE_SIZE])
{
    unsigned blocker = 0xdeadu;
    sb_status st = sb_book_group_blocker(e, bsns, n, s, code, &blocker);
    cr_assert_eq(st, SB_OK, "book_group: %s (blocker %u)", sb_status_name(st), blocker);
    cr_assert_eq(blocker, n, "blocker %u on success, want %u", blocker, n);
    cr_assert(code_well_formed(code), "malformed code '%s'", code);
}

/* Asserts sb_verify of code for bsn: the status, and on SB_OK and SB_USED
 * what it filled in. */
static void
verify_eq(const char *code, uint32_t bsn, sb_status want, sb_slot s, sb_state state)
{
    sb_booking b;
    memset(&b, 0xab, sizeof b);
    sb_status st = sb_verify(e, code, bsn, &b);
    cr_assert_eq(st, want, "verify(%s, %09u): got %s, want %s", code, bsn, sb_status_name(st),
                 sb_status_name(want));
    if (want != SB_OK && want != SB_USED)
        return;
    cr_assert_eq(b.bsn, bsn, "verify filled BSN %09u, want %09u", b.bsn, bsn);
    cr_assert(b.slot.location == s.location && b.slot.day == s.day && b.slot.window == s.window,
              "verify filled slot (%u, %d, %u)", b.slot.location, b.slot.day, b.slot.window);
    cr_assert_eq(b.state, state, "verify filled state %d", (int)b.state);
    cr_assert_eq(b.deadline_ms, 0, "verify filled a deadline");
}

/* Every member of bsns[0..n) is booked in s under code. */
static void
family_booked(const uint32_t *bsns, unsigned n, sb_slot s, const char *code)
{
    for (unsigned i = 0; i < n; i++) {
        LOOKUP_EQ(e, bsns[i], SB_STATE_BOOKED, s);
        verify_eq(code, bsns[i], SB_OK, s, SB_STATE_BOOKED);
    }
}

/* Nobody of bsns[0..n) has anything, and code answers want for each. */
static void
family_gone(const uint32_t *bsns, unsigned n, const char *code, sb_status want)
{
    for (unsigned i = 0; i < n; i++) {
        sb_booking b;
        ST_EQ(sb_lookup(e, bsns[i], &b), SB_NOT_FOUND);
        ST_EQ(sb_verify(e, code, bsns[i], NULL), want);
    }
}

static uint64_t
people_stored(void)
{
    sb_stats s;
    sb_stats_read(e, &s);
    return s.people;
}

/* bsn books alone and cancels, `times` times (unlimited changes). */
static void
book_and_cancel(uint32_t bsn, uint32_t times)
{
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < times; i++) {
        sb_status st = sb_book(e, bsn, S3, code);
        if (st != SB_OK)
            cr_assert_fail("booking %u of %09u: %s", i + 1, bsn, sb_status_name(st));
        st = sb_cancel(e, bsn);
        if (st != SB_OK)
            cr_assert_fail("cancel %u of %09u: %s", i + 1, bsn, sb_status_name(st));
    }
}

/* A member cancels the family: SB_OK. */
static void
family_cancel_ok(uint32_t bsn)
{
    ST_EQ(sb_cancel(e, bsn), SB_OK);
}

/* A member moves the family to s: SB_OK and the new code. */
static void
family_move_ok(uint32_t bsn, sb_slot s, char code[SB_CODE_SIZE])
{
    reschedule_ok(e, bsn, s, code);
}

/* ---- argument checks, in the documented order ----------------------------- */

Test(book_group, answers_invalid_arg_for_a_null_engine_bsns_or_code)
{
    char code[SB_CODE_SIZE];
    uint32_t bad[2] = {BSN_BAD_CHECK, m[0]};
    ST_EQ(sb_book_group(NULL, m, 2, S, code), SB_INVALID_ARG);
    ST_EQ(sb_book_group(NULL, NULL, 0, S, NULL), SB_INVALID_ARG);
    ST_EQ(sb_book_group_blocker(NULL, m, 2, S, code, NULL), SB_INVALID_ARG);
    ST_EQ(sb_book_group(e, NULL, 2, S, code), SB_INVALID_ARG);
    ST_EQ(sb_book_group(e, m, 2, S, NULL), SB_INVALID_ARG);
    GROUP_EQ(NULL, 2, S, SB_INVALID_ARG, 2);
    GROUP_EQ(NULL, 0, S, SB_INVALID_ARG, 0);
    /* A NULL code comes before the BSNs are looked at. */
    unsigned blocker = 0xdeadu;
    ST_EQ(sb_book_group_blocker(e, bad, 2, S, NULL, &blocker), SB_INVALID_ARG);
    cr_assert_eq(blocker, 2, "blocker %u", blocker);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    cr_assert_eq(people_stored(), 0);
    AUDIT_OK();
}

/* The header: when the status is not about one member, *blocker is n. */
Test(book_group, sets_the_blocker_to_n_for_a_null_engine)
{
    char code[SB_CODE_SIZE];
    unsigned blocker = 0xdeadu;
    ST_EQ(sb_book_group_blocker(NULL, m, 3, S, code, &blocker), SB_INVALID_ARG);
    cr_assert_eq(blocker, 3, "blocker %u, want 3", blocker);
}

Test(book_group, answers_invalid_arg_for_no_member_or_more_than_six)
{
    uint32_t seven_with_bad[7] = {m[0], m[1], BSN_BAD_CHECK, m[3], m[4], m[5], m[6]};
    GROUP_EQ(m, 0, S, SB_INVALID_ARG, 0);
    GROUP_EQ(m, SB_FAMILY_MAX + 1, S, SB_INVALID_ARG, SB_FAMILY_MAX + 1);
    /* The count comes before the BSNs. */
    GROUP_EQ(seven_with_bad, 7, S, SB_INVALID_ARG, 7);
    cr_assert_eq(SB_FAMILY_MAX, 6);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    cr_assert_eq(people_stored(), 0);
    AUDIT_OK();
}

Test(book_group, answers_invalid_id_with_the_index_of_the_bad_bsn)
{
    uint32_t last_bad[3] = {m[0], m[1], BSN_BAD_CHECK};
    uint32_t zero_first[2] = {0, m[0]};
    uint32_t too_long[2] = {m[0], 1000000000u};
    uint32_t sixth[6] = {m[0], m[1], m[2], m[3], m[4], UINT32_MAX};
    uint32_t twice_then_bad[3] = {m[0], m[0], BSN_BAD_CHECK};
    GROUP_EQ(last_bad, 3, S, SB_INVALID_ID, 2);
    GROUP_EQ(zero_first, 2, S, SB_INVALID_ID, 0);
    GROUP_EQ(too_long, 2, S, SB_INVALID_ID, 1);
    GROUP_EQ(sixth, 6, S, SB_INVALID_ID, 5);
    /* A bad BSN comes before a BSN twice and before the slot. */
    GROUP_EQ(twice_then_bad, 3, S, SB_INVALID_ID, 2);
    GROUP_EQ(last_bad, 3, slot_at(LOCATIONS, 0, 0), SB_INVALID_ID, 2);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book_group(e, last_bad, 3, S, code), SB_INVALID_ID);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    cr_assert_eq(people_stored(), 0);
    sb_booking b;
    ST_EQ(sb_lookup(e, m[0], &b), SB_NOT_FOUND);
    AUDIT_OK();
}

Test(book_group, answers_invalid_arg_with_the_index_of_a_bsn_given_twice)
{
    uint32_t again_last[4] = {m[0], m[1], m[2], m[1]};
    uint32_t leader_again[3] = {m[0], m[1], m[0]};
    uint32_t pair[2] = {m[3], m[3]};
    GROUP_EQ(again_last, 4, S, SB_INVALID_ARG, 3);
    GROUP_EQ(leader_again, 3, S, SB_INVALID_ARG, 2);
    /* Before the slot is looked at: the blocker tells the two apart. */
    GROUP_EQ(pair, 2, slot_at(0, DAYS, 0), SB_INVALID_ARG, 1);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    GROUP_EQ(pair, 2, S, SB_INVALID_ARG, 1);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    cr_assert_eq(people_stored(), 0);
    AUDIT_OK();
}

Test(book_group, answers_invalid_arg_for_an_unknown_slot)
{
    GROUP_EQ(m, 2, slot_at(LOCATIONS, 0, 0), SB_INVALID_ARG, 2);
    GROUP_EQ(m, 2, slot_at(0, -1, 0), SB_INVALID_ARG, 2);
    GROUP_EQ(m, 2, slot_at(0, DAYS, 0), SB_INVALID_ARG, 2);
    GROUP_EQ(m, 3, slot_at(0, 0, WINDOWS), SB_INVALID_ARG, 3);
    /* Before the location's state. */
    ST_EQ(sb_location_close(e, 1), SB_OK);
    GROUP_EQ(m, 1, slot_at(1, DAYS, 0), SB_INVALID_ARG, 1);
    cr_assert_eq(people_stored(), 0);
    AUDIT_OK();
}

Test(book_group, answers_closed_on_a_closed_location_before_looking_at_members)
{
    char code[SB_CODE_SIZE];
    book_ok(e, m[1], S2, code);
    ST_EQ(sb_location_close(e, 0), SB_OK);
    GROUP_EQ(m, 3, S, SB_CLOSED, 3);
    GROUP_EQ(m + 2, 2, S, SB_CLOSED, 2);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    ST_EQ(sb_location_open(e, 0), SB_OK);
    uint32_t fam[2] = {m[2], m[3]};
    group_ok(fam, 2, S, code);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    /* A family booked before its location closes stays valid. */
    ST_EQ(sb_location_close(e, 0), SB_OK);
    family_booked(fam, 2, S, code);
    AUDIT_OK();
}

/* ---- members who are busy ------------------------------------------------- */

Test(book_group, answers_duplicate_for_a_member_with_a_live_hold)
{
    ST_EQ(sb_reserve(e, m[1], S2), SB_OK);
    GROUP_EQ(m, 3, S, SB_DUPLICATE, 1);
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book_group(e, m, 3, S, code), SB_DUPLICATE);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S2, CAP, 1, 0, 0, 0, CAP - 1);
    LOOKUP_EQ(e, m[1], SB_STATE_HELD, S2);
    sb_booking b;
    ST_EQ(sb_lookup(e, m[0], &b), SB_NOT_FOUND);
    ST_EQ(sb_lookup(e, m[2], &b), SB_NOT_FOUND);
    /* The hold is still the member's to confirm. */
    ST_EQ(sb_confirm(e, m[1], code), SB_OK);
    GROUP_EQ(m, 3, S, SB_DUPLICATE, 1);
    AUDIT_OK();
}

Test(book_group, answers_duplicate_for_a_member_with_a_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, m[2], S2, code);
    GROUP_EQ(m, 4, S, SB_DUPLICATE, 2);
    GROUP_EQ(m, 4, S2, SB_DUPLICATE, 2);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S2, CAP, 0, 1, 0, 0, CAP - 1);
    verify_eq(code, m[2], SB_OK, S2, SB_STATE_BOOKED);
    AUDIT_OK();
}

Test(book_group, answers_duplicate_for_a_member_with_a_redeemed_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, m[0], S2, code);
    ST_EQ(sb_redeem(e, code, m[0]), SB_OK);
    GROUP_EQ(m, 2, S, SB_DUPLICATE, 0);
    uint32_t later[3] = {m[3], m[4], m[0]};
    GROUP_EQ(later, 3, S, SB_DUPLICATE, 2);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    LOOKUP_EQ(e, m[0], SB_STATE_REDEEMED, S2);
    AUDIT_OK();
}

Test(book_group, answers_duplicate_for_a_member_of_another_family)
{
    char code[SB_CODE_SIZE];
    uint32_t first[2] = {m[3], m[1]};
    group_ok(first, 2, S2, code);
    GROUP_EQ(m, 3, S, SB_DUPLICATE, 1);
    GROUP_EQ(m + 3, 1, S, SB_DUPLICATE, 0);
    GROUP_EQ(first, 2, S2, SB_DUPLICATE, 0);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S2, CAP, 0, 2, 0, 0, CAP - 2);
    family_booked(first, 2, S2, code);
    /* A redeemed member of a cancelled family still blocks. */
    ST_EQ(sb_redeem(e, code, m[1]), SB_OK);
    family_cancel_ok(m[3]);
    GROUP_EQ(m, 3, S, SB_DUPLICATE, 1);
    uint32_t leader[2] = {m[3], m[5]};
    char code2[SB_CODE_SIZE];
    group_ok(leader, 2, S, code2);
    AUDIT_OK();
}

Test(book_group, answers_duplicate_before_no_stock_and_full)
{
    char code[SB_CODE_SIZE];
    book_ok(e, m[1], S2, code);
    GROUP_EQ(m, 2, EMPTY, SB_DUPLICATE, 1);
    reopen_stock();
    ST_EQ(sb_stock_add(e, 2, 1), SB_OK);
    book_ok(e, m[1], S2, code);
    GROUP_EQ(m, 2, EMPTY, SB_DUPLICATE, 1); /* no sticker and no place */
    GROUP_EQ(m, 2, S, SB_DUPLICATE, 1);     /* no sticker */
    STOCK_EQ(e, 0, 0);
    STOCK_EQ(e, 1, 0);
    AUDIT_OK();
}

Test(book_group, is_not_blocked_by_a_hold_that_ran_out)
{
    /* The dead hold sits on one of SMALL's two places. */
    ST_EQ(sb_reserve(e, m[1], SMALL), SB_OK);
    ST_EQ(sb_reserve(e, m[3], S2), SB_OK);
    GROUP_EQ(m, 2, SMALL, SB_DUPLICATE, 1);
    clk.now = T0 + HOLD_MS;
    char code[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    group_ok(m, 2, SMALL, code);
    SLOT_EQ(e, SMALL, 2, 0, 2, 0, 0, 0);
    family_booked(m, 2, SMALL, code);
    ST_EQ(sb_confirm(e, m[1], code2), SB_DUPLICATE);
    uint32_t other[2] = {m[2], m[3]};
    group_ok(other, 2, S, code2);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    family_booked(other, 2, S, code2);
    /* After the family, the member is free again, not in a hold. */
    family_cancel_ok(m[0]);
    ST_EQ(sb_confirm(e, m[1], code2), SB_NOT_FOUND);
    SLOT_EQ(e, SMALL, 2, 0, 0, 0, 0, 2);
    AUDIT_OK();
}

Test(book_group, is_not_blocked_by_a_hold_that_ran_out_for_its_sticker)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_reserve(e, m[1], S), SB_OK);
    STOCK_EQ(e, 0, 1);
    clk.now = T0 + HOLD_MS;
    char code[SB_CODE_SIZE];
    group_ok(m, 2, S, code);
    STOCK_EQ(e, 0, 0);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    AUDIT_OK();
    family_cancel_ok(m[1]);
    STOCK_EQ(e, 0, 2);
    AUDIT_OK();
}

/* ---- stickers, places, limits ---------------------------------------------- */

Test(book_group, answers_no_stock_when_fewer_than_n_stickers)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 0, 2), SB_OK);
    ST_EQ(sb_stock_add(e, 2, 5), SB_OK);
    GROUP_EQ(m, 3, S, SB_NO_STOCK, 3);
    STOCK_EQ(e, 0, 2);
    STOCK_EQ(e, 2, 5);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    cr_assert_eq(people_stored(), 0);
    /* No sticker and no place: the stickers come first. */
    GROUP_EQ(m, 1, EMPTY, SB_NO_STOCK, 1);
    char code[SB_CODE_SIZE];
    group_ok(m, 2, S, code);
    STOCK_EQ(e, 0, 0);
    family_booked(m, 2, S, code);
    AUDIT_OK();
}

Test(book_group, answers_full_when_fewer_than_n_places_and_takes_nothing)
{
    char code[SB_CODE_SIZE];
    for (uint32_t i = 0; i < CAP - 2; i++)
        book_ok(e, bsn_nth(20 + i), S, code);
    sb_slot_info before = slot_info(e, S);
    cr_assert_eq(before.free, 2);
    uint64_t people = people_stored();
    GROUP_EQ(m, 3, S, SB_FULL, 3);
    ST_EQ(sb_book_group(e, m, 6, S, code), SB_FULL);
    INFO_SAME(slot_info(e, S), before);
    cr_assert_eq(people_stored(), people, "a refused family stored people");
    sb_booking b;
    for (unsigned i = 0; i < 6; i++)
        ST_EQ(sb_lookup(e, m[i], &b), SB_NOT_FOUND);
    group_ok(m, 2, S, code);
    SLOT_EQ(e, S, CAP, 0, CAP, 0, 0, 0);
    GROUP_EQ(m + 2, 1, S, SB_FULL, 1);
    GROUP_EQ(m + 2, 1, EMPTY, SB_FULL, 1);
    AUDIT_OK();
}

Test(book_group, answers_full_and_gives_the_stickers_back)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 3, 10), SB_OK);
    GROUP_EQ(m, 3, SMALL, SB_FULL, 3);
    STOCK_EQ(e, 3, 10);
    SLOT_EQ(e, SMALL, 2, 0, 0, 0, 0, 2);
    char code[SB_CODE_SIZE];
    group_ok(m, 2, SMALL, code);
    STOCK_EQ(e, 3, 8);
    AUDIT_OK();
}

Test(book_group, answers_full_before_nomem)
{
    sb_options o = test_options(&clk);
    o.max_families = 0;
    reopen(o);
    GROUP_EQ(m, 3, EMPTY, SB_FULL, 3);
    GROUP_EQ(m, 3, SMALL, SB_FULL, 3);
    GROUP_EQ(m, 2, SMALL, SB_NOMEM, 2);
    AUDIT_OK();
}

Test(book_group, answers_nomem_naming_the_first_new_member_past_max_people)
{
    sb_options o = test_options(&clk);
    o.max_people = 4;
    o.max_families = 8;
    o.use_stock = 1;
    reopen(o);
    ST_EQ(sb_stock_add(e, 0, 10), SB_OK);
    ST_EQ(sb_reserve(e, m[0], S), SB_OK);
    ST_EQ(sb_cancel(e, m[0]), SB_OK);
    ST_EQ(sb_reserve(e, m[1], S), SB_OK);
    ST_EQ(sb_cancel(e, m[1]), SB_OK);
    /* m[0], m[1] are stored; m[2] and m[3] fit; m[4] does not. */
    uint32_t fam[5] = {m[0], m[2], m[1], m[3], m[4]};
    GROUP_EQ(fam, 5, S, SB_NOMEM, 4);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    STOCK_EQ(e, 0, 10);
    /* The refused family stored none of its new members. */
    sb_stats st;
    sb_stats_read(e, &st);
    cr_assert_eq(st.people, 2, "people stored: %llu", (unsigned long long)st.people);
    sb_booking b;
    for (unsigned i = 0; i < 5; i++)
        ST_EQ(sb_lookup(e, m[i], &b), SB_NOT_FOUND);
    char code[SB_CODE_SIZE];
    group_ok(m, 4, S, code);
    family_booked(m, 4, S, code);
    STOCK_EQ(e, 0, 6);
    /* Now the table is full: a family of one new person does not fit. */
    uint32_t fam2[1] = {m[4]};
    GROUP_EQ(fam2, 1, S, SB_NOMEM, 0);
    AUDIT_OK();
}

Test(book_group, answers_nomem_when_max_families_were_made)
{
    sb_options o = test_options(&clk);
    o.max_families = 1;
    reopen(o);
    char code[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    group_ok(m, 2, S, code);
    GROUP_EQ(m + 2, 2, S, SB_NOMEM, 2);
    GROUP_EQ(m + 2, 1, S2, SB_NOMEM, 1);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    book_ok(e, m[2], S, code2);
    /* Family records are never reused: a cancel gives none back. */
    family_cancel_ok(m[1]);
    GROUP_EQ(m, 2, S, SB_NOMEM, 2);
    SLOT_EQ(e, S, CAP, 0, 1, 0, 0, CAP - 1);
    book_ok(e, m[0], S, code2);
    AUDIT_OK();
}

Test(book_group, answers_nomem_for_every_family_when_max_families_is_0)
{
    sb_options o = test_options(&clk);
    o.max_families = 0;
    reopen(o);
    GROUP_EQ(m, 1, S, SB_NOMEM, 1);
    GROUP_EQ(m, 6, S, SB_NOMEM, 6);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    char code[SB_CODE_SIZE];
    for (unsigned i = 0; i < 6; i++)
        book_ok(e, m[i], S, code);
    AUDIT_OK();
}

Test(book_group, allows_a_quarter_of_max_people_families_by_default)
{
    sb_options o = test_options(&clk);
    cr_assert_eq(o.max_families, SB_FAMILIES_AUTO);
    o.max_people = 8;
    reopen(o);
    char code[SB_CODE_SIZE];
    group_ok(m, 1, S, code);
    group_ok(m + 1, 1, S, code);
    GROUP_EQ(m + 2, 1, S, SB_NOMEM, 1);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    AUDIT_OK();
}

/* A refused family gives back what it took: max_families = 0 refuses every
 * family, and must not use up max_people on the way (sb_reserve claims
 * everything before it stores a new person, for the same reason). */
Test(book_group, stores_no_member_of_a_family_it_refuses)
{
    sb_options o = test_options(&clk);
    o.max_families = 0;
    o.max_people = 3;
    reopen(o);
    GROUP_EQ(m, 3, S, SB_NOMEM, 3);
    cr_assert_eq(people_stored(), 0, "%" PRIu64 " people stored by a refused family",
                 people_stored());
    ST_EQ(sb_reserve(e, m[4], S), SB_OK);
    AUDIT_OK();
}

Test(book_group, accepts_a_null_blocker_and_sets_it_to_n_on_success)
{
    char code[SB_CODE_SIZE];
    ST_EQ(sb_book_group_blocker(e, m, 2, S, code, NULL), SB_OK);
    cr_assert(code_well_formed(code));
    family_booked(m, 2, S, code);
    ST_EQ(sb_book_group_blocker(e, m + 1, 2, S, code, NULL), SB_DUPLICATE);
    uint32_t six[6] = {m[2], m[3], m[4], m[5], m[6], m[7]};
    group_ok(six, 6, S, code);
    family_booked(six, 6, S, code);
    SLOT_EQ(e, S, CAP, 0, CAP, 0, 0, 0);
    AUDIT_OK();
}

/* ---- the family's code ----------------------------------------------------- */

Test(family, has_one_code_that_verifies_for_every_member_and_nobody_else)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    family_booked(m, 3, S, code);
    /* Strangers: never seen, booked alone, in another family. */
    book_ok(e, m[5], S, other);
    uint32_t fam2[2] = {m[3], m[4]};
    group_ok(fam2, 2, S2, other);
    ST_EQ(sb_verify(e, code, STRANGER, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, m[5], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, m[3], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, m[4], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, code, m[4]), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, other, m[0], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, other, m[1], NULL), SB_WRONG_HOLDER);
    /* A changed symbol is a forgery. */
    char forged[SB_CODE_SIZE];
    memcpy(forged, code, SB_CODE_SIZE);
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    ST_EQ(sb_verify(e, forged, m[1], NULL), SB_FORGED);
    family_booked(m, 3, S, code);
    AUDIT_OK();
}

Test(family, books_every_member_into_the_slot)
{
    char code[SB_CODE_SIZE];
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    group_ok(m, 3, S, code);
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    for (unsigned i = 0; i < 3; i++)
        LOOKUP_EQ(e, m[i], SB_STATE_BOOKED, S);
    group_ok(m + 3, 1, S, code);
    SLOT_EQ(e, S, CAP, 0, 4, 0, 0, CAP - 4);
    LOOKUP_EQ(e, m[3], SB_STATE_BOOKED, S);
    sb_booking b;
    ST_EQ(sb_lookup(e, m[4], &b), SB_NOT_FOUND);
    AUDIT_OK();
}

Test(family, members_cannot_reserve_book_or_confirm)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    for (unsigned i = 0; i < 3; i++) {
        ST_EQ(sb_reserve(e, m[i], S), SB_DUPLICATE);
        ST_EQ(sb_reserve(e, m[i], S2), SB_DUPLICATE);
        ST_EQ(sb_book(e, m[i], S, c2), SB_DUPLICATE);
        ST_EQ(sb_book(e, m[i], S2, c2), SB_DUPLICATE);
        ST_EQ(sb_confirm(e, m[i], c2), SB_DUPLICATE);
    }
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    family_booked(m, 3, S, code);
    AUDIT_OK();
}

Test(family, redeems_each_member_on_their_own)
{
    char code[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_redeem(e, code, m[1]), SB_OK);
    ST_EQ(sb_redeem(e, code, m[1]), SB_USED);
    verify_eq(code, m[1], SB_USED, S, SB_STATE_REDEEMED);
    verify_eq(code, m[0], SB_OK, S, SB_STATE_BOOKED);
    verify_eq(code, m[2], SB_OK, S, SB_STATE_BOOKED);
    LOOKUP_EQ(e, m[1], SB_STATE_REDEEMED, S);
    LOOKUP_EQ(e, m[0], SB_STATE_BOOKED, S);
    SLOT_EQ(e, S, CAP, 0, 2, 1, 0, CAP - 3);
    ST_EQ(sb_redeem(e, code, STRANGER), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, code, m[0]), SB_OK);
    ST_EQ(sb_redeem(e, code, m[2]), SB_OK);
    for (unsigned i = 0; i < 3; i++) {
        ST_EQ(sb_redeem(e, code, m[i]), SB_USED);
        LOOKUP_EQ(e, m[i], SB_STATE_REDEEMED, S);
        ST_EQ(sb_reserve(e, m[i], S2), SB_DUPLICATE);
    }
    SLOT_EQ(e, S, CAP, 0, 0, 3, 0, CAP - 3);
    AUDIT_OK();
}

Test(family, is_cancelled_whole_by_any_member)
{
    char code[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    family_cancel_ok(m[1]);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    family_gone(m, 3, code, SB_CANCELLED);
    for (unsigned i = 0; i < 3; i++) {
        ST_EQ(sb_cancel(e, m[i]), SB_NOT_FOUND);
        ST_EQ(sb_redeem(e, code, m[i]), SB_CANCELLED);
    }
    ST_EQ(sb_verify(e, code, STRANGER, NULL), SB_WRONG_HOLDER);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    AUDIT_OK();
}

/* Without release_delay_ms the place of a cancelled booking returns at once
 * (sb_cancel); a family's places are no different. */
Test(family, returns_every_place_at_once_when_cancelled)
{
    char code[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    group_ok(m, 2, SMALL, code);
    SLOT_EQ(e, SMALL, 2, 0, 2, 0, 0, 0);
    ST_EQ(sb_cancel(e, m[1]), SB_OK);
    SLOT_EQ(e, SMALL, 2, 0, 0, 0, 0, 2);
    uint32_t fam[2] = {m[2], m[3]};
    group_ok(fam, 2, SMALL, code2);
    AUDIT_OK();
}

/* With release_delay_ms each place returns within the delay. */
Test(family, returns_every_place_within_release_delay_ms)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = 1;
    reopen(o);
    char code[SB_CODE_SIZE];
    group_ok(m, 4, S, code);
    ST_EQ(sb_cancel(e, m[2]), SB_OK);
    clk.now += 1;
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    AUDIT_OK();
}

Test(family, cancelled_by_the_leader_too)
{
    char code[SB_CODE_SIZE];
    group_ok(m, 4, S2, code);
    family_cancel_ok(m[0]);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    family_gone(m, 4, code, SB_CANCELLED);
    AUDIT_OK();
}

Test(family, keeps_redeemed_members_redeemed_when_cancelled)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_redeem(e, code, m[0]), SB_OK);
    family_cancel_ok(m[2]);
    SLOT_EQ(e, S, CAP, 0, 0, 1, 0, CAP - 1);
    verify_eq(code, m[0], SB_USED, S, SB_STATE_REDEEMED);
    verify_eq(code, m[1], SB_CANCELLED, S, SB_STATE_BOOKED);
    verify_eq(code, m[2], SB_CANCELLED, S, SB_STATE_BOOKED);
    ST_EQ(sb_cancel(e, m[0]), SB_USED);
    ST_EQ(sb_cancel(e, m[1]), SB_NOT_FOUND);
    ST_EQ(sb_cancel(e, m[2]), SB_NOT_FOUND);
    LOOKUP_EQ(e, m[0], SB_STATE_REDEEMED, S);
    sb_booking b;
    ST_EQ(sb_lookup(e, m[1], &b), SB_NOT_FOUND);
    ST_EQ(sb_reserve(e, m[0], S2), SB_DUPLICATE);
    ST_EQ(sb_reschedule(e, m[0], S2, c2), SB_USED);
    book_ok(e, m[1], S2, c2);
    SLOT_EQ(e, S, CAP, 0, 0, 1, 0, CAP - 1);
    AUDIT_OK();
}

Test(family, answers_used_to_a_redeemed_member_who_cancels)
{
    char code[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_redeem(e, code, m[1]), SB_OK);
    ST_EQ(sb_cancel(e, m[1]), SB_USED);
    SLOT_EQ(e, S, CAP, 0, 2, 1, 0, CAP - 3);
    verify_eq(code, m[0], SB_OK, S, SB_STATE_BOOKED);
    verify_eq(code, m[2], SB_OK, S, SB_STATE_BOOKED);
    AUDIT_OK();
}

Test(family, lets_every_member_book_alone_once_cancelled)
{
    char code[SB_CODE_SIZE], own[3][SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    family_cancel_ok(m[2]);
    ST_EQ(sb_reserve(e, m[0], S2), SB_OK);
    ST_EQ(sb_confirm(e, m[0], own[0]), SB_OK);
    book_ok(e, m[1], S2, own[1]);
    book_ok(e, m[2], S, own[2]);
    for (unsigned i = 0; i < 3; i++) {
        verify_eq(own[i], m[i], SB_OK, i == 2 ? S : S2, SB_STATE_BOOKED);
        ST_EQ(sb_verify(e, own[i], m[(i + 1) % 3], NULL), SB_WRONG_HOLDER);
    }
    /* The family's code is the leader's, and stays cancelled. */
    ST_EQ(sb_verify(e, code, m[0], NULL), SB_CANCELLED);
    SLOT_EQ(e, S, CAP, 0, 1, 0, 0, CAP - 1);
    SLOT_EQ(e, S2, CAP, 0, 2, 0, 0, CAP - 2);
    GROUP_EQ(m, 3, S, SB_DUPLICATE, 0);
    for (unsigned i = 0; i < 3; i++)
        ST_EQ(sb_cancel(e, m[i]), SB_OK);
    char again[SB_CODE_SIZE];
    uint32_t fam[3] = {m[2], m[0], m[1]};
    group_ok(fam, 3, S2, again);
    family_booked(fam, 3, S2, again);
    AUDIT_OK();
}

/* The leader's own codes from before the family stay cancelled, and are
 * nobody else's. */
Test(family, leaves_the_leaders_earlier_codes_cancelled)
{
    char alone[SB_CODE_SIZE], code[SB_CODE_SIZE];
    book_ok(e, m[0], S2, alone);
    ST_EQ(sb_cancel(e, m[0]), SB_OK);
    group_ok(m, 2, S, code);
    ST_EQ(sb_verify(e, alone, m[0], NULL), SB_CANCELLED);
    ST_EQ(sb_verify(e, alone, m[1], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, alone, m[0]), SB_CANCELLED);
    family_booked(m, 2, S, code);
    AUDIT_OK();
}

/* A member who is not the leader once booked alone: that code was
 * cancelled, and joining a family must not bring it back, whatever the
 * leader's generation happens to be. */
Test(family, leaves_a_members_own_cancelled_code_cancelled)
{
    char alone[SB_CODE_SIZE], code[SB_CODE_SIZE];
    book_ok(e, m[1], S2, alone); /* m[1]'s first booking */
    ST_EQ(sb_cancel(e, m[1]), SB_OK);
    group_ok(m, 2, S, code); /* the leader's first booking too */
    verify_eq(alone, m[1], SB_CANCELLED, S, SB_STATE_BOOKED);
    ST_EQ(sb_redeem(e, alone, m[1]), SB_CANCELLED);
    ST_EQ(sb_verify(e, alone, m[0], NULL), SB_WRONG_HOLDER);
    family_booked(m, 2, S, code);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    AUDIT_OK();
}

Test(family, leaves_a_members_later_cancelled_code_cancelled)
{
    char first[SB_CODE_SIZE], second[SB_CODE_SIZE], code[SB_CODE_SIZE];
    book_ok(e, m[1], S2, first);
    ST_EQ(sb_cancel(e, m[1]), SB_OK);
    book_ok(e, m[1], S2, second);
    ST_EQ(sb_cancel(e, m[1]), SB_OK);
    group_ok(m, 2, S, code);
    ST_EQ(sb_verify(e, second, m[1], NULL), SB_CANCELLED);
    ST_EQ(sb_verify(e, first, m[1], NULL), SB_CANCELLED);
    family_booked(m, 2, S, code);
    AUDIT_OK();
}

/* Once the family ended, the leader's next code is theirs alone: genuine,
 * another person's, for a former member. */
Test(family, answers_wrong_holder_to_a_former_member_with_the_leaders_next_code)
{
    char code[SB_CODE_SIZE], next[SB_CODE_SIZE];
    group_ok(m, 2, S, code);
    family_cancel_ok(m[0]);
    book_ok(e, m[0], S2, next);
    verify_eq(next, m[0], SB_OK, S2, SB_STATE_BOOKED);
    ST_EQ(sb_verify(e, next, STRANGER, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, next, m[1], NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, m[1], NULL), SB_CANCELLED);
    AUDIT_OK();
}

static int
collect(const sb_booking *b, void *ctx)
{
    sb_booking *seen = ctx;
    for (unsigned i = 0; i < 16; i++) {
        if (seen[i].bsn == 0) {
            seen[i] = *b;
            return 0;
        }
    }
    cr_assert_fail("more than 16 bookings visited");
    return 1;
}

/* The booking each_booking reported for bsn, or NULL. */
static const sb_booking *
seen_for(const sb_booking *seen, uint32_t bsn)
{
    const sb_booking *found = NULL;
    for (unsigned i = 0; i < 16; i++) {
        if (seen[i].bsn == bsn) {
            cr_assert_null(found, "%09u visited twice", bsn);
            found = &seen[i];
        }
    }
    return found;
}

static unsigned
seen_count(const sb_booking *seen)
{
    unsigned n = 0;
    while (n < 16 && seen[n].bsn != 0)
        n++;
    return n;
}

Test(family, is_visited_member_by_member_by_each_booking)
{
    char code[SB_CODE_SIZE], alone[SB_CODE_SIZE];
    group_ok(m, 4, S, code);
    ST_EQ(sb_redeem(e, code, m[2]), SB_OK);
    book_ok(e, m[5], S3, alone);
    sb_booking seen[16];
    memset(seen, 0, sizeof seen);
    ST_EQ(sb_each_booking(e, 0, DAY0, DAY0 + 1, collect, seen), SB_OK);
    cr_assert_eq(seen_count(seen), 5, "%u visits", seen_count(seen));
    for (unsigned i = 0; i < 4; i++) {
        const sb_booking *b = seen_for(seen, m[i]);
        cr_assert_not_null(b, "member %u not visited", i);
        cr_assert(b->slot.location == S.location && b->slot.day == S.day &&
                      b->slot.window == S.window,
                  "member %u in the wrong slot", i);
        cr_assert_eq(b->state, i == 2 ? SB_STATE_REDEEMED : SB_STATE_BOOKED, "state %d",
                     (int)b->state);
    }
    cr_assert_not_null(seen_for(seen, m[5]));
    /* The whole family moves and leaves. */
    char moved[SB_CODE_SIZE];
    family_cancel_ok(m[1]);
    memset(seen, 0, sizeof seen);
    ST_EQ(sb_each_booking(e, 0, DAY0, DAY0, collect, seen), SB_OK);
    cr_assert_eq(seen_count(seen), 1, "%u visits", seen_count(seen));
    cr_assert_not_null(seen_for(seen, m[2]));
    cr_assert_eq(seen_for(seen, m[2])->state, SB_STATE_REDEEMED);
    uint32_t fam[3] = {m[0], m[1], m[3]};
    group_ok(fam, 3, S2, moved);
    memset(seen, 0, sizeof seen);
    ST_EQ(sb_each_booking(e, 2, DAY0, DAY0 + DAYS - 1, collect, seen), SB_OK);
    cr_assert_eq(seen_count(seen), 3, "%u visits", seen_count(seen));
    for (unsigned i = 0; i < 3; i++)
        cr_assert_not_null(seen_for(seen, fam[i]));
    AUDIT_OK();
}

Test(family, is_counted_in_the_stats_as_book_group)
{
    char code[SB_CODE_SIZE];
    uint32_t bad[2] = {m[0], BSN_BAD_CHECK};
    group_ok(m, 2, S, code);                                    /* OK */
    ST_EQ(sb_book_group(e, m + 2, 3, S2, code), SB_OK);         /* OK */
    ST_EQ(sb_book_group(e, m, 0, S, code), SB_INVALID_ARG);     /* INVALID_ARG */
    ST_EQ(sb_book_group(e, m + 5, 1, S, NULL), SB_INVALID_ARG); /* INVALID_ARG */
    ST_EQ(sb_book_group(e, bad, 2, S, code), SB_INVALID_ID);    /* INVALID_ID */
    GROUP_EQ(m + 1, 2, S, SB_DUPLICATE, 0);                     /* DUPLICATE */
    GROUP_EQ(m + 5, 3, SMALL, SB_FULL, 3);                      /* FULL */
    ST_EQ(sb_location_close(e, 1), SB_OK);
    GROUP_EQ(m + 5, 1, EMPTY, SB_CLOSED, 1); /* CLOSED */
    sb_stats s;
    sb_stats_read(e, &s);
    const uint64_t *o = s.outcomes[SB_OP_BOOK_GROUP];
    cr_assert_eq(o[SB_OK], 2, "%" PRIu64, o[SB_OK]);
    cr_assert_eq(o[SB_INVALID_ARG], 2, "%" PRIu64, o[SB_INVALID_ARG]);
    cr_assert_eq(o[SB_INVALID_ID], 1, "%" PRIu64, o[SB_INVALID_ID]);
    cr_assert_eq(o[SB_DUPLICATE], 1, "%" PRIu64, o[SB_DUPLICATE]);
    cr_assert_eq(o[SB_FULL], 1, "%" PRIu64, o[SB_FULL]);
    cr_assert_eq(o[SB_CLOSED], 1, "%" PRIu64, o[SB_CLOSED]);
    cr_assert_eq(s.calls[SB_OP_BOOK_GROUP], 8, "%" PRIu64, s.calls[SB_OP_BOOK_GROUP]);
    cr_assert_eq(s.calls[SB_OP_BOOK], 0, "a family counted as sb_book");
    cr_assert_eq(s.calls[SB_OP_RESERVE], 0, "a family counted as sb_reserve");
    cr_assert_eq(s.people, 5, "%" PRIu64 " people", s.people);
    /* The other operations on a family count as themselves. */
    family_cancel_ok(m[1]);
    sb_stats_read(e, &s);
    cr_assert_eq(s.outcomes[SB_OP_CANCEL][SB_OK], 1);
    cr_assert_eq(s.calls[SB_OP_BOOK_GROUP], 8);
    AUDIT_OK();
}

/* ---- sb_reschedule -------------------------------------------------------- */

Test(family_reschedule, moves_the_whole_family_by_any_member)
{
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE], again[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    family_move_ok(m[2], S2, moved);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S2, CAP, 0, 3, 0, 0, CAP - 3);
    family_booked(m, 3, S2, moved);
    for (unsigned i = 0; i < 3; i++)
        ST_EQ(sb_verify(e, code, m[i], NULL), SB_CANCELLED);
    ST_EQ(sb_verify(e, moved, STRANGER, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, STRANGER, NULL), SB_WRONG_HOLDER);
    family_move_ok(m[0], S3, again);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S3, CAP, 0, 3, 0, 0, CAP - 3);
    family_booked(m, 3, S3, again);
    for (unsigned i = 0; i < 3; i++)
        ST_EQ(sb_verify(e, moved, m[i], NULL), SB_CANCELLED);
    ST_EQ(sb_redeem(e, again, m[1]), SB_OK);
    SLOT_EQ(e, S3, CAP, 0, 2, 1, 0, CAP - 3);
    AUDIT_OK();
}

Test(family_reschedule, frees_every_old_place_at_once)
{
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE], code2[SB_CODE_SIZE];
    group_ok(m, 2, SMALL, code);
    reschedule_ok(e, m[0], S, moved);
    SLOT_EQ(e, SMALL, 2, 0, 0, 0, 0, 2);
    SLOT_EQ(e, S, CAP, 0, 2, 0, 0, CAP - 2);
    uint32_t fam[2] = {m[2], m[3]};
    group_ok(fam, 2, SMALL, code2);
    AUDIT_OK();
}

Test(family_reschedule, frees_every_old_place_within_release_delay_ms)
{
    sb_options o = test_options(&clk);
    o.release_delay_ms = 1;
    reopen(o);
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE];
    group_ok(m, 4, S, code);
    reschedule_ok(e, m[3], S2, moved);
    clk.now += 1;
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    SLOT_EQ(e, S2, CAP, 0, 4, 0, 0, CAP - 4);
    AUDIT_OK();
}

Test(family_reschedule, answers_duplicate_for_the_same_slot)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_reschedule(e, m[1], S, c2), SB_DUPLICATE);
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    family_booked(m, 3, S, code);
    AUDIT_OK();
}

Test(family_reschedule, answers_used_once_a_member_was_redeemed)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_redeem(e, code, m[2]), SB_OK);
    for (unsigned i = 0; i < 3; i++)
        ST_EQ(sb_reschedule(e, m[i], S2, c2), SB_USED);
    SLOT_EQ(e, S, CAP, 0, 2, 1, 0, CAP - 3);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    verify_eq(code, m[0], SB_OK, S, SB_STATE_BOOKED);
    verify_eq(code, m[2], SB_USED, S, SB_STATE_REDEEMED);
    AUDIT_OK();
}

Test(family_reschedule, answers_full_when_fewer_than_n_places_and_changes_nothing)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    for (uint32_t i = 0; i < CAP - 2; i++)
        book_ok(e, bsn_nth(20 + i), S2, c2);
    sb_slot_info s_before = slot_info(e, S), s2_before = slot_info(e, S2);
    ST_EQ(sb_reschedule(e, m[1], S2, c2), SB_FULL);
    ST_EQ(sb_reschedule(e, m[0], SMALL, c2), SB_FULL);
    INFO_SAME(slot_info(e, S), s_before);
    INFO_SAME(slot_info(e, S2), s2_before);
    SLOT_EQ(e, SMALL, 2, 0, 0, 0, 0, 2);
    family_booked(m, 3, S, code);
    /* Two places are enough for two. */
    char fam2code[SB_CODE_SIZE];
    group_ok(m + 3, 2, S3, fam2code);
    family_move_ok(m[4], S2, c2);
    SLOT_EQ(e, S2, CAP, 0, CAP, 0, 0, 0);
    AUDIT_OK();
}

Test(family_reschedule, answers_closed_invalid_arg_and_not_found)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    ST_EQ(sb_location_close(e, 2), SB_OK);
    ST_EQ(sb_reschedule(e, m[1], S2, c2), SB_CLOSED);
    ST_EQ(sb_reschedule(e, m[1], slot_at(0, DAYS, 0), c2), SB_INVALID_ARG);
    ST_EQ(sb_reschedule(e, m[1], S3, NULL), SB_INVALID_ARG);
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    family_booked(m, 3, S, code);
    family_cancel_ok(m[0]);
    for (unsigned i = 0; i < 3; i++)
        ST_EQ(sb_reschedule(e, m[i], S3, c2), SB_NOT_FOUND);
    SLOT_EQ(e, S3, CAP, 0, 0, 0, 0, CAP);
    AUDIT_OK();
}

Test(family_reschedule, moves_the_stickers_between_locations)
{
    reopen_stock();
    ST_EQ(sb_stock_add(e, 0, 10), SB_OK);
    ST_EQ(sb_stock_add(e, 2, 5), SB_OK);
    ST_EQ(sb_stock_add(e, 3, 2), SB_OK);
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    STOCK_EQ(e, 0, 7);
    /* Inside one location the stickers stay. */
    family_move_ok(m[1], S3, c2);
    STOCK_EQ(e, 0, 7);
    /* Two stickers are not enough for three (and SMALL has two places). */
    ST_EQ(sb_reschedule(e, m[1], SMALL, c2), SB_NO_STOCK);
    STOCK_EQ(e, 3, 2);
    STOCK_EQ(e, 0, 7);
    family_booked(m, 3, S3, c2);
    family_move_ok(m[2], S2, code);
    STOCK_EQ(e, 0, 10);
    STOCK_EQ(e, 2, 2);
    family_booked(m, 3, S2, code);
    AUDIT_OK();
    /* A redeemed member's sticker is used up; the others come back. */
    ST_EQ(sb_redeem(e, code, m[0]), SB_OK);
    family_cancel_ok(m[1]);
    STOCK_EQ(e, 2, 4);
    SLOT_EQ(e, S2, CAP, 0, 0, 1, 0, CAP - 1);
    AUDIT_OK();
}

/* ---- max_changes --------------------------------------------------------------- */

Test(family_changes, count_for_every_member_and_stop_the_family_at_the_limit)
{
    reopen_changes(2);
    char code[SB_CODE_SIZE], moved[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    book_and_cancel(m[1], 1);
    group_ok(m, 3, S, code);
    /* m[1] has one change left, so the family has one. */
    family_move_ok(m[0], S2, moved);
    for (unsigned i = 0; i < 3; i++) {
        ST_EQ(sb_cancel(e, m[i]), SB_LIMIT);
        ST_EQ(sb_reschedule(e, m[i], S3, c2), SB_LIMIT);
    }
    SLOT_EQ(e, S2, CAP, 0, 3, 0, 0, CAP - 3);
    SLOT_EQ(e, S3, CAP, 0, 0, 0, 0, CAP);
    family_booked(m, 3, S2, moved);
    /* Redeeming is no change. */
    ST_EQ(sb_redeem(e, moved, m[2]), SB_OK);
    AUDIT_OK();
}

Test(family_changes, limit_each_members_own_changes_afterwards)
{
    reopen_changes(2);
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    book_and_cancel(m[1], 1);
    group_ok(m, 3, S, code);
    family_cancel_ok(m[2]); /* the family's one change */
    /* m[1]: one change alone, one with the family. */
    book_ok(e, m[1], S, c2);
    ST_EQ(sb_cancel(e, m[1]), SB_LIMIT);
    ST_EQ(sb_reschedule(e, m[1], S2, c2), SB_LIMIT);
    LOOKUP_EQ(e, m[1], SB_STATE_BOOKED, S);
    /* m[0] and m[2]: the family's one change. */
    for (unsigned i = 0; i < 3; i += 2) {
        book_ok(e, m[i], S, c2);
        ST_EQ(sb_cancel(e, m[i]), SB_OK);
        book_ok(e, m[i], S, c2);
        ST_EQ(sb_cancel(e, m[i]), SB_LIMIT);
    }
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    AUDIT_OK();
}

Test(family_changes, count_every_reschedule_and_the_cancel)
{
    reopen_changes(4);
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    group_ok(m, 2, S, code);
    family_move_ok(m[1], S2, c2);
    family_move_ok(m[0], S3, c2);
    family_cancel_ok(m[0]);
    /* Three changes each: one left. */
    for (unsigned i = 0; i < 2; i++) {
        book_ok(e, m[i], S, c2);
        reschedule_ok(e, m[i], S2, c2);
        ST_EQ(sb_cancel(e, m[i]), SB_LIMIT);
    }
    SLOT_EQ(e, S2, CAP, 0, 2, 0, 0, CAP - 2);
    AUDIT_OK();
}

Test(family_changes, leave_no_change_to_a_family_with_a_member_at_the_limit)
{
    reopen_changes(1);
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    book_and_cancel(m[2], 1);
    group_ok(m, 3, S, code);
    ST_EQ(sb_cancel(e, m[0]), SB_LIMIT);
    ST_EQ(sb_reschedule(e, m[1], S2, c2), SB_LIMIT);
    family_booked(m, 3, S, code);
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    /* A family without m[2] may change once. */
    uint32_t fam[2] = {m[3], m[4]};
    group_ok(fam, 2, S, code);
    family_cancel_ok(m[4]);
    AUDIT_OK();
}

Test(family_changes, are_unlimited_without_max_changes)
{
    char code[SB_CODE_SIZE];
    group_ok(m, 3, S, code);
    for (unsigned i = 0; i < 20; i++)
        family_move_ok(m[i % 3], i % 2 ? S : S2, code);
    family_booked(m, 3, S, code);
    family_cancel_ok(m[1]);
    group_ok(m, 3, S, code);
    family_cancel_ok(m[0]);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    AUDIT_OK();
}

/* ---- the leader's 65,535 bookings ------------------------------------------ */

Test(family_limits, the_leaders_65535_bookings_bound_the_family)
{
    char code[SB_CODE_SIZE], c2[SB_CODE_SIZE];
    book_and_cancel(m[0], MAX_BOOKINGS - 1);
    /* The family's code is the leader's last booking. */
    group_ok(m, 3, S, code);
    family_booked(m, 3, S, code);
    ST_EQ(sb_reschedule(e, m[1], S2, c2), SB_NOMEM);
    SLOT_EQ(e, S, CAP, 0, 3, 0, 0, CAP - 3);
    SLOT_EQ(e, S2, CAP, 0, 0, 0, 0, CAP);
    family_booked(m, 3, S, code);
    family_cancel_ok(m[2]);
    GROUP_EQ(m, 3, S, SB_NOMEM, 0);
    ST_EQ(sb_book(e, m[0], S, c2), SB_NOMEM);
    SLOT_EQ(e, S, CAP, 0, 0, 0, 0, CAP);
    /* Led by somebody else, the same people may book. */
    uint32_t fam[3] = {m[1], m[0], m[2]};
    group_ok(fam, 3, S, code);
    family_booked(fam, 3, S, code);
    AUDIT_OK();
}

/* A family refused for its leader's bookings is no family booking made:
 * max_families is not used up by it. */
Test(family_limits, a_family_refused_for_its_leader_uses_up_no_family)
{
    sb_options o = test_options(&clk);
    o.max_families = 1;
    reopen(o);
    book_and_cancel(m[0], MAX_BOOKINGS);
    GROUP_EQ(m, 2, S, SB_NOMEM, 0);
    char code[SB_CODE_SIZE];
    uint32_t fam[2] = {m[2], m[3]};
    group_ok(fam, 2, S, code);
    AUDIT_OK();
}
