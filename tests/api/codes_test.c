/*
 * API tests: sb_verify and sb_redeem, and booking codes seen from the
 * outside: their format, the spellings that parse, and the ones that are
 * forged.
 */
#include <ctype.h>
#include <stdio.h>

#include "helpers.h"

static fake_clock clk = {T0};
static sb_engine *e;
static const sb_slot S = {.location = 1, .window = 2, .day = DAY0 + 4};
static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
setup(void)
{
    clk.now = T0;
    sb_options o = test_options(&clk);
    e = test_open(&o);
    for (uint16_t l = 0; l < LOCATIONS; l++)
        ST_EQ(sb_location_open(e, l), SB_OK);
    ST_EQ(sb_release(e, S, 500), SB_OK);
}

static void
teardown(void)
{
    sb_close(e);
    e = NULL;
}

TestSuite(verify, .init = setup, .fini = teardown);
TestSuite(redeem, .init = setup, .fini = teardown);
TestSuite(code, .init = setup, .fini = teardown);

/* The 16 symbols of a code, dashes dropped. */
static void
symbols_of(const char *code, char out[17])
{
    int n = 0;
    for (const char *p = code; *p; p++)
        if (*p != '-')
            out[n++] = *p;
    cr_assert_eq(n, 16);
    out[16] = '\0';
}

static void
booking_eq(const sb_booking *b, uint32_t bsn, sb_slot s, sb_state state)
{
    cr_assert_eq(b->bsn, bsn);
    cr_assert_eq(b->slot.location, s.location);
    cr_assert_eq(b->slot.day, s.day);
    cr_assert_eq(b->slot.window, s.window);
    cr_assert_eq(b->state, state);
    cr_assert_eq(b->deadline_ms, 0u);
}

/* ---- sb_verify: checks in order ---------------------------------------- */

Test(verify, answers_invalid_arg_for_a_null_engine_or_code)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    sb_booking b;
    ST_EQ(sb_verify(NULL, code, BSN_A, &b), SB_INVALID_ARG);
    ST_EQ(sb_verify(e, NULL, BSN_A, &b), SB_INVALID_ARG);
    ST_EQ(sb_verify(e, NULL, BSN_A, NULL), SB_INVALID_ARG);
    ST_EQ(sb_verify(e, NULL, 0, NULL), SB_INVALID_ARG); /* before the BSN */
}

Test(verify, answers_invalid_id_for_a_bad_bsn_before_looking_at_the_code)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    const uint32_t bad[] = {0u, 1000000000u, BSN_BAD_CHECK, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ST_EQ(sb_verify(e, code, bad[i], NULL), SB_INVALID_ID);
        ST_EQ(sb_verify(e, "not a code", bad[i], NULL), SB_INVALID_ID);
        ST_EQ(sb_verify(e, "", bad[i], NULL), SB_INVALID_ID);
    }
}

Test(verify, answers_forged_for_malformed_codes)
{
    char code[SB_CODE_SIZE], sym[17], buf[80];
    book_ok(e, BSN_A, S, code);
    symbols_of(code, sym);
    ST_EQ(sb_verify(e, "", BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_verify(e, "----", BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_verify(e, "                ", BSN_A, NULL), SB_FORGED);
    /* Too short: 15 symbols. */
    snprintf(buf, sizeof buf, "%.15s", sym);
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    /* Too long: 17 symbols, at either end. */
    snprintf(buf, sizeof buf, "%s0", sym);
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    snprintf(buf, sizeof buf, "0%s", sym);
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    snprintf(buf, sizeof buf, "%s-%c", code, sym[0]);
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    /* Two codes glued together. */
    snprintf(buf, sizeof buf, "%s%s", code, code);
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    /* A foreign character in place of one symbol, or added. */
    const char foreign[] = {'U',  'u',  '*', '#', '_',        '.',        '/',
                            '\t', '\n', '+', '=', (char)0xc3, (char)0x80, (char)0xff};
    for (size_t i = 0; i < sizeof foreign; i++) {
        strcpy(buf, code);
        buf[7] = foreign[i];
        ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
        snprintf(buf, sizeof buf, "%s%c", code, foreign[i]);
        ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    }
    /* The genuine code still verifies. */
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(verify, answers_forged_for_every_single_symbol_change_of_a_genuine_code)
{
    char code[SB_CODE_SIZE], buf[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    int changed = 0;
    for (int i = 0; i < SB_CODE_SIZE - 1; i++) {
        if (code[i] == '-')
            continue;
        for (int k = 0; k < 32; k++) {
            if (ALPHABET[k] == code[i])
                continue;
            memcpy(buf, code, sizeof buf);
            buf[i] = ALPHABET[k];
            sb_status st = sb_verify(e, buf, BSN_A, NULL);
            cr_assert_eq(st, SB_FORGED, "'%s' (from '%s'): %s", buf, code, sb_status_name(st));
            st = sb_redeem(e, buf, BSN_A);
            cr_assert_eq(st, SB_FORGED, "redeem '%s': %s", buf, sb_status_name(st));
            changed++;
        }
    }
    cr_assert_eq(changed, 16 * 31);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(verify, answers_forged_for_two_adjacent_symbols_swapped)
{
    char code[SB_CODE_SIZE], sym[17];
    book_ok(e, BSN_A, S, code);
    symbols_of(code, sym);
    int swapped = 0;
    for (int i = 0; i + 1 < 16; i++) {
        if (sym[i] == sym[i + 1])
            continue;
        char t[17];
        memcpy(t, sym, sizeof t);
        t[i] = sym[i + 1];
        t[i + 1] = sym[i];
        ST_EQ(sb_verify(e, t, BSN_A, NULL), SB_FORGED);
        swapped++;
    }
    cr_assert_gt(swapped, 0);
}

Test(verify, answers_forged_for_random_codes)
{
    /* A fixed pseudo-random sequence; each code passes with p <= 2^-40. */
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int n = 0; n < 2000; n++) {
        char t[17];
        for (int i = 0; i < 16; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t[i] = ALPHABET[x % 32];
        }
        t[16] = '\0';
        ST_EQ(sb_verify(e, t, BSN_A, NULL), SB_FORGED);
    }
}

Test(verify, answers_forged_for_a_code_of_another_engine_with_another_key)
{
    char mine[SB_CODE_SIZE], theirs[SB_CODE_SIZE];
    sb_options o = test_options(&clk);
    o.code_key[0] ^= 0x80;
    sb_engine *other = test_open(&o);
    ST_EQ(sb_location_open(other, S.location), SB_OK);
    ST_EQ(sb_release(other, S, 10), SB_OK);
    /* The same person, the same slot, the first booking in both. */
    book_ok(e, BSN_A, S, mine);
    book_ok(other, BSN_A, S, theirs);
    cr_assert_str_neq(mine, theirs);
    ST_EQ(sb_verify(e, theirs, BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_verify(other, mine, BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_redeem(e, theirs, BSN_A), SB_FORGED);
    ST_EQ(sb_verify(e, mine, BSN_A, NULL), SB_OK);
    sb_close(other);
}

Test(verify, answers_forged_across_engines_with_random_keys)
{
    sb_options o = test_options(&clk);
    memset(o.code_key, 0, sizeof o.code_key);
    sb_engine *a = test_open(&o), *b = test_open(&o);
    char ca[SB_CODE_SIZE], cb[SB_CODE_SIZE];
    ST_EQ(sb_location_open(a, S.location), SB_OK);
    ST_EQ(sb_location_open(b, S.location), SB_OK);
    ST_EQ(sb_release(a, S, 1), SB_OK);
    ST_EQ(sb_release(b, S, 1), SB_OK);
    book_ok(a, BSN_A, S, ca);
    book_ok(b, BSN_A, S, cb);
    ST_EQ(sb_verify(a, ca, BSN_A, NULL), SB_OK);
    ST_EQ(sb_verify(b, cb, BSN_A, NULL), SB_OK);
    ST_EQ(sb_verify(a, cb, BSN_A, NULL), SB_FORGED);
    ST_EQ(sb_verify(b, ca, BSN_A, NULL), SB_FORGED);
    sb_close(a);
    sb_close(b);
}

Test(verify, answers_wrong_holder_for_a_genuine_code_with_another_valid_bsn)
{
    char code[SB_CODE_SIZE], theirs[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    book_ok(e, BSN_B, S, theirs);
    /* Another booked person, and a person the engine never saw. */
    ST_EQ(sb_verify(e, code, BSN_B, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, bsn_nth(0), NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, 12u, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, theirs, BSN_A, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    ST_EQ(sb_verify(e, theirs, BSN_B, NULL), SB_OK);
}

Test(verify, answers_wrong_holder_before_cancelled_or_used)
{
    char cancelled[SB_CODE_SIZE], used[SB_CODE_SIZE];
    book_ok(e, bsn_nth(0), S, cancelled);
    ST_EQ(sb_cancel(e, bsn_nth(0)), SB_OK);
    book_ok(e, bsn_nth(1), S, used);
    ST_EQ(sb_redeem(e, used, bsn_nth(1)), SB_OK);
    ST_EQ(sb_verify(e, cancelled, BSN_A, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, used, BSN_A, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, cancelled, BSN_A), SB_WRONG_HOLDER);
    ST_EQ(sb_redeem(e, used, BSN_A), SB_WRONG_HOLDER);
    /* Also once the cancelled person books again or holds. */
    book_ok(e, bsn_nth(0), S, used);
    ST_EQ(sb_verify(e, cancelled, BSN_A, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, cancelled, bsn_nth(0), NULL), SB_CANCELLED);
}

Test(verify, reveals_nothing_to_a_wrong_holder)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    sb_booking b, before;
    memset(&b, 0x5c, sizeof b);
    memcpy(&before, &b, sizeof b);
    ST_EQ(sb_verify(e, code, BSN_B, &b), SB_WRONG_HOLDER);
    cr_assert_arr_eq(&b, &before, sizeof b);
}

Test(verify, answers_cancelled_for_the_code_of_a_cancelled_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    /* While the person holds a new place, and after that hold ran out. */
    ST_EQ(sb_reserve(e, BSN_A, S), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    clk.now += HOLD_MS;
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
    cr_assert_eq(sb_expire(e), 1u);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_CANCELLED);
}

Test(verify, answers_used_for_a_redeemed_code_and_fills_out)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    sb_booking b;
    memset(&b, 0x5c, sizeof b);
    ST_EQ(sb_verify(e, code, BSN_A, &b), SB_USED);
    booking_eq(&b, BSN_A, S, SB_STATE_REDEEMED);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_USED);
}

Test(verify, answers_ok_and_fills_out)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    sb_booking b;
    memset(&b, 0x5c, sizeof b);
    ST_EQ(sb_verify(e, code, BSN_A, &b), SB_OK);
    booking_eq(&b, BSN_A, S, SB_STATE_BOOKED);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(verify, reads_only)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    for (int i = 0; i < 100; i++)
        ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    SLOT_EQ(e, S, 500, 0, 1, 0, 0, 499);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_BOOKED);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
}

Test(verify, works_on_a_closed_location)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_location_close(e, S.location), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_USED);
}

/* ---- spellings --------------------------------------------------------- */

static void
expect_ok_spelling(const char *code, const char *spelling)
{
    sb_booking b;
    sb_status st = sb_verify(e, spelling, BSN_A, &b);
    cr_assert_eq(st, SB_OK, "'%s' for '%s': %s", spelling, code, sb_status_name(st));
    booking_eq(&b, BSN_A, S, SB_STATE_BOOKED);
}

Test(code, is_issued_in_upper_case_as_four_groups_of_four)
{
    for (uint32_t i = 0; i < 100; i++) {
        char code[SB_CODE_SIZE];
        memset(code, 'z', sizeof code);
        ST_EQ(sb_book(e, bsn_nth(i), S, code), SB_OK);
        cr_assert(code_well_formed(code), "code '%.*s'", SB_CODE_SIZE, code);
    }
}

Test(code, parses_in_lower_case)
{
    char code[SB_CODE_SIZE], buf[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    for (int i = 0; i < SB_CODE_SIZE; i++)
        buf[i] = (char)tolower((unsigned char)code[i]);
    expect_ok_spelling(code, buf);
    /* Mixed case. */
    for (int i = 0; i < SB_CODE_SIZE - 1; i += 2)
        buf[i] = code[i];
    expect_ok_spelling(code, buf);
}

Test(code, parses_without_dashes_or_with_spaces)
{
    char code[SB_CODE_SIZE], sym[17], buf[80];
    book_ok(e, BSN_A, S, code);
    symbols_of(code, sym);
    expect_ok_spelling(code, sym);
    snprintf(buf, sizeof buf, "%.4s %.4s %.4s %.4s", sym, sym + 4, sym + 8, sym + 12);
    expect_ok_spelling(code, buf);
    snprintf(buf, sizeof buf, "  %s  ", code);
    expect_ok_spelling(code, buf);
    snprintf(buf, sizeof buf, "-%.2s--%.5s - %.9s-", sym, sym + 2, sym + 7);
    expect_ok_spelling(code, buf);
    snprintf(buf, sizeof buf, "%.8s-%.8s", sym, sym + 8);
    expect_ok_spelling(code, buf);
}

Test(code, parses_o_as_0_and_i_or_l_as_1)
{
    /* Book until some code has a 0 and some code has a 1 (each symbol is in
     * a code with probability about 0.4). */
    char with0[SB_CODE_SIZE] = "", with1[SB_CODE_SIZE] = "";
    uint32_t bsn0 = 0, bsn1 = 0;
    for (uint32_t i = 0; i < 400 && (!bsn0 || !bsn1); i++) {
        char code[SB_CODE_SIZE];
        book_ok(e, bsn_nth(i), S, code);
        if (!bsn0 && strchr(code, '0')) {
            strcpy(with0, code);
            bsn0 = bsn_nth(i);
        } else if (!bsn1 && strchr(code, '1')) {
            strcpy(with1, code);
            bsn1 = bsn_nth(i);
        }
    }
    cr_assert(bsn0 && bsn1, "no code with a 0 or a 1 in 400 bookings");
    const char zeros[] = {'O', 'o'}, ones[] = {'I', 'i', 'L', 'l'};
    char buf[SB_CODE_SIZE];
    for (size_t k = 0; k < sizeof zeros; k++) {
        strcpy(buf, with0);
        for (int i = 0; buf[i]; i++)
            if (buf[i] == '0')
                buf[i] = zeros[k];
        ST_EQ(sb_verify(e, buf, bsn0, NULL), SB_OK);
    }
    for (size_t k = 0; k < sizeof ones; k++) {
        strcpy(buf, with1);
        for (int i = 0; buf[i]; i++)
            if (buf[i] == '1')
                buf[i] = ones[k];
        ST_EQ(sb_verify(e, buf, bsn1, NULL), SB_OK);
    }
    /* The alias spelling redeems, and then the canonical one is used. */
    strcpy(buf, with1);
    for (int i = 0; buf[i]; i++)
        if (buf[i] == '1')
            buf[i] = 'l';
    ST_EQ(sb_redeem(e, buf, bsn1), SB_OK);
    ST_EQ(sb_redeem(e, with1, bsn1), SB_USED);
}

Test(code, of_up_to_code_input_max_characters_is_read_and_longer_is_forged)
{
    char code[SB_CODE_SIZE], buf[SB_CODE_INPUT_MAX + 2];
    book_ok(e, BSN_A, S, code);
    memset(buf, ' ', sizeof buf);
    memcpy(buf, code, strlen(code));
    buf[SB_CODE_INPUT_MAX] = '\0';
    cr_assert_eq(strlen(buf), (size_t)SB_CODE_INPUT_MAX);
    expect_ok_spelling(code, buf);
    buf[SB_CODE_INPUT_MAX] = ' ';
    buf[SB_CODE_INPUT_MAX + 1] = '\0';
    ST_EQ(sb_verify(e, buf, BSN_A, NULL), SB_FORGED);
    /* A very long string of separators. */
    char big[4096];
    memset(big, '-', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ST_EQ(sb_verify(e, big, BSN_A, NULL), SB_FORGED);
}

Test(code, is_bound_to_its_holder_and_differs_per_booking)
{
    char a1[SB_CODE_SIZE], a2[SB_CODE_SIZE], b1[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, a1);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    book_ok(e, BSN_A, S, a2);
    book_ok(e, BSN_B, S, b1);
    cr_assert_str_neq(a1, a2);
    cr_assert_str_neq(a1, b1);
    cr_assert_str_neq(a2, b1);
    ST_EQ(sb_verify(e, a2, BSN_A, NULL), SB_OK);
    ST_EQ(sb_verify(e, a2, BSN_B, NULL), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, b1, BSN_A, NULL), SB_WRONG_HOLDER);
}

/* ---- sb_redeem ---------------------------------------------------------- */

Test(redeem, answers_invalid_arg_for_a_null_engine_or_code)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(NULL, code, BSN_A), SB_INVALID_ARG);
    ST_EQ(sb_redeem(e, NULL, BSN_A), SB_INVALID_ARG);
    ST_EQ(sb_redeem(e, NULL, 0), SB_INVALID_ARG);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(redeem, answers_invalid_id_for_a_bad_bsn)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, 0), SB_INVALID_ID);
    ST_EQ(sb_redeem(e, code, 1000000000u), SB_INVALID_ID);
    ST_EQ(sb_redeem(e, code, BSN_BAD_CHECK), SB_INVALID_ID);
    ST_EQ(sb_redeem(e, "garbage", BSN_BAD_CHECK), SB_INVALID_ID);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
}

Test(redeem, answers_forged_for_a_malformed_code)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, "", BSN_A), SB_FORGED);
    ST_EQ(sb_redeem(e, "UUUU-UUUU-UUUU-UUUU", BSN_A), SB_FORGED);
    ST_EQ(sb_redeem(e, "0000-0000-0000-0000", BSN_A), SB_FORGED);
    code[3] = 'U';
    ST_EQ(sb_redeem(e, code, BSN_A), SB_FORGED);
}

Test(redeem, answers_wrong_holder_and_leaves_the_booking_unused)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_B), SB_WRONG_HOLDER);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_OK);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
}

Test(redeem, answers_cancelled_for_a_cancelled_booking)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_cancel(e, BSN_A), SB_OK);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_CANCELLED);
    SLOT_EQ(e, S, 500, 0, 0, 0, 0, 500);
}

Test(redeem, answers_ok_exactly_once_then_used)
{
    char code[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    SLOT_EQ(e, S, 500, 0, 1, 0, 0, 499);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    SLOT_EQ(e, S, 500, 0, 0, 1, 0, 499);
    for (int i = 0; i < 5; i++)
        ST_EQ(sb_redeem(e, code, BSN_A), SB_USED);
    char lower[SB_CODE_SIZE];
    for (int i = 0; i < SB_CODE_SIZE; i++)
        lower[i] = (char)tolower((unsigned char)code[i]);
    ST_EQ(sb_redeem(e, lower, BSN_A), SB_USED);
    SLOT_EQ(e, S, 500, 0, 0, 1, 0, 499);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    booking_eq(&b, BSN_A, S, SB_STATE_REDEEMED);
    ST_EQ(sb_audit(e, NULL, NULL, 0), SB_OK);
}

Test(redeem, keeps_the_redeemed_booking_the_persons_one_booking_for_ever)
{
    char code[SB_CODE_SIZE], other[SB_CODE_SIZE];
    book_ok(e, BSN_A, S, code);
    ST_EQ(sb_redeem(e, code, BSN_A), SB_OK);
    clk.now += 1000u * HOLD_MS;
    ST_EQ(sb_reserve(e, BSN_A, S), SB_DUPLICATE);
    ST_EQ(sb_book(e, BSN_A, slot_at(0, 0, 0), other), SB_DUPLICATE);
    ST_EQ(sb_confirm(e, BSN_A, other), SB_DUPLICATE);
    ST_EQ(sb_cancel(e, BSN_A), SB_USED);
    cr_assert_eq(sb_expire(e), 0u);
    sb_booking b;
    ST_EQ(sb_lookup(e, BSN_A, &b), SB_OK);
    cr_assert_eq(b.state, SB_STATE_REDEEMED);
    ST_EQ(sb_verify(e, code, BSN_A, NULL), SB_USED);
}
