/*
 * Booking codes (lib/codes.c): sealing (person, generation) into 16 Crockford
 * base32 symbols and opening them again, with fixed keys so that every run
 * checks the same codes.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static sb_code_keys
keys_from(uint8_t seed)
{
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(seed * 31u + (unsigned)i * 7u + 1u);
    sb_code_keys k;
    cr_assert_eq(sodium_init() < 0, 0);
    cr_assert_eq(sb__code_keys_init(&k, key), 0);
    return k;
}

static int
opens(const sb_code_keys *k, const char *text, uint32_t *person, uint32_t *gen)
{
    uint32_t p = UINT32_MAX, g = UINT32_MAX;
    int rc = sb__code_open(k, text, &p, &g);
    if (person)
        *person = p;
    if (gen)
        *gen = g;
    return rc;
}

/* Checks that text opens under k to exactly (person, gen). */
static void
assert_opens_to(const sb_code_keys *k, const char *text, uint32_t person, uint32_t gen)
{
    uint32_t p, g;
    cr_assert_eq(opens(k, text, &p, &g), 0, "\"%s\" does not open", text);
    cr_assert_eq(p, person, "\"%s\": person %u, want %u", text, p, person);
    cr_assert_eq(g, gen, "\"%s\": gen %u, want %u", text, g, gen);
}

static void
assert_forged(const sb_code_keys *k, const char *text)
{
    cr_assert_eq(opens(k, text, NULL, NULL), -1, "\"%s\" opens", text);
}

/* The 16 symbols of a code, without its dashes. */
static void
symbols_of(const char code[SB_CODE_SIZE], char out[17])
{
    int n = 0;
    for (int i = 0; code[i]; i++)
        if (code[i] != '-')
            out[n++] = code[i];
    cr_assert_eq(n, 16);
    out[16] = '\0';
}

/* A spread of (person, gen) pairs, edges included. */
typedef struct pg {
    uint32_t person, gen;
} pg;

static size_t
sample_pairs(pg *out, size_t max)
{
    static const uint32_t people[] = {0,
                                      1,
                                      2,
                                      3,
                                      255,
                                      256,
                                      65535,
                                      65536,
                                      1000000,
                                      SB_MAX_PEOPLE / 2,
                                      SB_MAX_PEOPLE - 2,
                                      SB_MAX_PEOPLE - 1};
    static const uint32_t gens[] = {1, 2, 3, 255, 256, 32768, SB_MAX_BOOKINGS - 1, SB_MAX_BOOKINGS};
    size_t n = 0;
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
        for (size_t j = 0; j < sizeof gens / sizeof gens[0]; j++)
            if (n < max)
                out[n++] = (pg){people[i], gens[j]};
    uint64_t x = 0x2545f4914f6cdd1du;
    while (n < max) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[n++] =
            (pg){(uint32_t)(x % SB_MAX_PEOPLE), (uint32_t)((x >> 32) % SB_MAX_BOOKINGS) + 1u};
    }
    return n;
}

static int
compare_codes(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* ---- sealing and opening ----------------------------------------------- */

Test(codes, a_sealed_code_opens_to_its_person_and_generation)
{
    sb_code_keys k = keys_from(1);
    pg pairs[4096];
    size_t n = sample_pairs(pairs, 4096);
    for (size_t i = 0; i < n; i++) {
        char code[SB_CODE_SIZE];
        sb__code_seal(&k, pairs[i].person, pairs[i].gen, code);
        assert_opens_to(&k, code, pairs[i].person, pairs[i].gen);
    }
}

Test(codes, the_edges_of_person_and_generation_round_trip)
{
    sb_code_keys k = keys_from(2);
    const pg edges[] = {{0, 1},
                        {0, SB_MAX_BOOKINGS},
                        {SB_MAX_PEOPLE - 1u, 1},
                        {SB_MAX_PEOPLE - 1u, SB_MAX_BOOKINGS}};
    char codes[4][SB_CODE_SIZE];
    for (int i = 0; i < 4; i++) {
        sb__code_seal(&k, edges[i].person, edges[i].gen, codes[i]);
        assert_opens_to(&k, codes[i], edges[i].person, edges[i].gen);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(codes[i], codes[j]);
    }
}

Test(codes, sealing_is_deterministic_for_one_key)
{
    sb_code_keys a = keys_from(3), b = keys_from(3);
    char x[SB_CODE_SIZE], y[SB_CODE_SIZE];
    sb__code_seal(&a, 4242, 7, x);
    sb__code_seal(&b, 4242, 7, y);
    cr_assert_str_eq(x, y);
}

Test(codes, distinct_pairs_give_distinct_codes)
{
    sb_code_keys k = keys_from(4);
    enum { N = 2048 };
    static char codes[N][SB_CODE_SIZE];
    for (uint32_t i = 0; i < N; i++)
        sb__code_seal(&k, i / 8, i % 8 + 1, codes[i]);
    qsort(codes, N, SB_CODE_SIZE, compare_codes);
    for (uint32_t i = 1; i < N; i++)
        cr_assert_str_neq(codes[i - 1], codes[i]);
}

Test(codes, sealing_a_person_past_the_limit_aborts, .signal = SIGABRT)
{
    sb_code_keys k = keys_from(5);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, SB_MAX_PEOPLE, 1, code);
}

Test(codes, sealing_generation_zero_aborts, .signal = SIGABRT)
{
    sb_code_keys k = keys_from(5);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, 1, 0, code);
}

Test(codes, sealing_a_generation_past_the_limit_aborts, .signal = SIGABRT)
{
    sb_code_keys k = keys_from(5);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, 1, SB_MAX_BOOKINGS + 1u, code);
}

/* ---- format ------------------------------------------------------------ */

Test(codes, a_code_is_four_groups_of_four_upper_case_crockford_symbols)
{
    sb_code_keys k = keys_from(6);
    pg pairs[2048];
    size_t n = sample_pairs(pairs, 2048);
    int seen[256] = {0};
    for (size_t i = 0; i < n; i++) {
        char code[SB_CODE_SIZE];
        memset(code, 'x', sizeof code);
        sb__code_seal(&k, pairs[i].person, pairs[i].gen, code);
        cr_assert_eq(strlen(code), SB_CODE_SIZE - 1, "%s", code);
        for (int j = 0; j < SB_CODE_SIZE - 1; j++) {
            if (j % 5 == 4) {
                cr_assert_eq(code[j], '-', "%s", code);
            } else {
                cr_assert_not_null(strchr(CROCKFORD, code[j]), "%s", code);
                cr_assert_neq(code[j], '\0');
                seen[(unsigned char)code[j]]++;
            }
        }
    }
    /* All 32 symbols occur: the alphabet is the whole of Crockford's. */
    for (int j = 0; j < 32; j++)
        cr_assert_gt(seen[(unsigned char)CROCKFORD[j]], 0, "symbol %c never used", CROCKFORD[j]);
}

/* ---- parsing ----------------------------------------------------------- */

Test(codes, parsing_ignores_dashes_and_spaces_anywhere)
{
    sb_code_keys k = keys_from(7);
    char code[SB_CODE_SIZE], sym[17], text[80];
    sb__code_seal(&k, 31337, 9, code);
    symbols_of(code, sym);
    assert_opens_to(&k, sym, 31337, 9);

    snprintf(text, sizeof text, "  %.4s %.4s %.4s %.4s  ", sym, sym + 4, sym + 8, sym + 12);
    assert_opens_to(&k, text, 31337, 9);
    snprintf(text, sizeof text, "--%.1s-%.7s- -%.8s--", sym, sym + 1, sym + 8);
    assert_opens_to(&k, text, 31337, 9);
    /* one separator after every symbol, alternating */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        text[o++] = sym[i];
        text[o++] = i % 2 ? ' ' : '-';
    }
    text[o] = '\0';
    assert_opens_to(&k, text, 31337, 9);
}

Test(codes, parsing_is_case_insensitive)
{
    sb_code_keys k = keys_from(8);
    int letters = 0;
    for (uint32_t person = 0; person < 64; person++) {
        char code[SB_CODE_SIZE];
        sb__code_seal(&k, person, 3, code);
        for (int i = 0; code[i]; i++) {
            letters += isalpha((unsigned char)code[i]) != 0;
            code[i] = (char)tolower((unsigned char)code[i]);
        }
        assert_opens_to(&k, code, person, 3);
        /* mixed case */
        for (int i = 0; i < SB_CODE_SIZE - 1; i += 2)
            code[i] = (char)toupper((unsigned char)code[i]);
        assert_opens_to(&k, code, person, 3);
    }
    cr_assert_gt(letters, 0);
}

Test(codes, o_reads_as_zero_and_i_and_l_read_as_one)
{
    sb_code_keys k = keys_from(9);
    static const char zeros[] = "oO";
    static const char ones[] = "iIlL";
    int swapped = 0;
    for (uint32_t person = 0; person < 400; person++) {
        char code[SB_CODE_SIZE], alias[SB_CODE_SIZE];
        sb__code_seal(&k, person, 1, code);
        for (int variant = 0; variant < 4; variant++) {
            memcpy(alias, code, sizeof code);
            int changed = 0;
            for (int i = 0; alias[i]; i++) {
                if (alias[i] == '0') {
                    alias[i] = zeros[(variant + i) % 2];
                    changed++;
                } else if (alias[i] == '1') {
                    alias[i] = ones[(variant + i) % 4];
                    changed++;
                }
            }
            if (!changed)
                break;
            assert_opens_to(&k, alias, person, 1);
            swapped += changed;
        }
    }
    cr_assert_gt(swapped, 100); /* plenty of codes hold a 0 or a 1 */
}

Test(codes, a_u_is_not_a_symbol)
{
    sb_code_keys k = keys_from(10);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, 12, 1, code);
    for (int pos = 0; pos < SB_CODE_SIZE - 1; pos++) {
        if (code[pos] == '-')
            continue;
        char bad[SB_CODE_SIZE];
        memcpy(bad, code, sizeof code);
        bad[pos] = 'U';
        assert_forged(&k, bad);
        bad[pos] = 'u';
        assert_forged(&k, bad);
    }
}

Test(codes, a_character_outside_the_accepted_set_anywhere_is_refused)
{
    sb_code_keys k = keys_from(11);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, 99, 2, code);
    assert_opens_to(&k, code, 99, 2);
    /* Every byte that is not a symbol, an alias or a separator, inserted
     * before the code, at a dash, in the middle and at the end. */
    static const int where[] = {0, 4, 10, SB_CODE_SIZE - 1};
    int refused = 0;
    for (int c = 1; c < 256; c++) {
        if (strchr("- oOiIlL", c) || strchr(CROCKFORD, toupper(c)))
            continue;
        for (int w = 0; w < 4; w++) {
            int pos = where[w];
            char text[SB_CODE_SIZE + 1];
            memcpy(text, code, (size_t)pos);
            text[pos] = (char)c;
            memcpy(text + pos + 1, code + pos, sizeof code - (size_t)pos);
            cr_assert_eq(opens(&k, text, NULL, NULL), -1, "byte 0x%02x at %d opens", c, pos);
            refused++;
        }
    }
    /* 255 bytes minus 32 symbols, 22 lower-case symbols, 6 aliases, 2 separators */
    cr_assert_eq(refused, (255 - 32 - 22 - 6 - 2) * 4);
}

Test(codes, fifteen_or_seventeen_symbols_are_refused)
{
    sb_code_keys k = keys_from(12);
    char code[SB_CODE_SIZE], sym[17], text[32];
    sb__code_seal(&k, 5, 5, code);
    symbols_of(code, sym);
    for (int drop = 0; drop < 16; drop++) {
        memcpy(text, sym, (size_t)drop);
        strcpy(text + drop, sym + drop + 1);
        cr_assert_eq(strlen(text), 15);
        assert_forged(&k, text);
    }
    for (int pos = 0; pos <= 16; pos++)
        for (int s = 0; s < 32; s += 7) {
            memcpy(text, sym, (size_t)pos);
            text[pos] = CROCKFORD[s];
            strcpy(text + pos + 1, sym + pos);
            cr_assert_eq(strlen(text), 17);
            assert_forged(&k, text);
        }
    snprintf(text, sizeof text, "%s0", code);
    assert_forged(&k, text);
    snprintf(text, sizeof text, "%s", code);
    text[strlen(text) - 1] = '\0';
    assert_forged(&k, text);
}

Test(codes, empty_and_separator_only_strings_are_refused)
{
    sb_code_keys k = keys_from(13);
    assert_forged(&k, "");
    assert_forged(&k, "-");
    assert_forged(&k, "    ");
    assert_forged(&k, "----------------");
    assert_forged(&k, "---- ---- ---- ----");
}

Test(codes, a_code_padded_to_the_input_limit_opens_and_one_more_character_is_refused)
{
    sb_code_keys k = keys_from(14);
    char code[SB_CODE_SIZE], text[SB_CODE_INPUT_MAX + 2];
    sb__code_seal(&k, 77, 77, code);
    /* exactly SB_CODE_INPUT_MAX characters: spaces, then the code */
    size_t pad = SB_CODE_INPUT_MAX - strlen(code);
    memset(text, ' ', pad);
    strcpy(text + pad, code);
    cr_assert_eq(strlen(text), SB_CODE_INPUT_MAX);
    assert_opens_to(&k, text, 77, 77);
    /* and with the padding after the code */
    strcpy(text, code);
    memset(text + strlen(code), '-', pad);
    text[SB_CODE_INPUT_MAX] = '\0';
    assert_opens_to(&k, text, 77, 77);
    /* one character longer */
    memset(text, ' ', pad + 1);
    strcpy(text + pad + 1, code);
    cr_assert_eq(strlen(text), SB_CODE_INPUT_MAX + 1);
    assert_forged(&k, text);
}

Test(codes, an_unterminated_input_is_not_read_past_the_limit)
{
    sb_code_keys k = keys_from(15);
    char code[SB_CODE_SIZE];
    sb__code_seal(&k, 8, 8, code);
    /* SB_CODE_INPUT_MAX + 1 bytes with no NUL: the code, then spaces.  Under
     * AddressSanitizer a read past the buffer aborts. */
    char *text = malloc(SB_CODE_INPUT_MAX + 1);
    cr_assert_not_null(text);
    memset(text, ' ', SB_CODE_INPUT_MAX + 1);
    memcpy(text, code, strlen(code));
    cr_assert_eq(opens(&k, text, NULL, NULL), -1);
    free(text);
}

/* ---- unforgeability ---------------------------------------------------- */

Test(codes, every_single_symbol_change_is_forged)
{
    sb_code_keys k = keys_from(16);
    pg pairs[200];
    size_t n = sample_pairs(pairs, 200);
    long tried = 0;
    for (size_t i = 0; i < n; i++) {
        char code[SB_CODE_SIZE], sym[17];
        sb__code_seal(&k, pairs[i].person, pairs[i].gen, code);
        symbols_of(code, sym);
        for (int pos = 0; pos < 16; pos++) {
            char original = sym[pos];
            for (int s = 0; s < 32; s++) {
                if (CROCKFORD[s] == original)
                    continue;
                sym[pos] = CROCKFORD[s];
                if (opens(&k, sym, NULL, NULL) != -1)
                    cr_assert_fail("%s: %c at %d -> %s opens", code, original, pos, sym);
                tried++;
            }
            sym[pos] = original;
        }
    }
    cr_assert_eq(tried, (long)n * 16 * 31);
}

Test(codes, swapping_the_two_halves_is_forged)
{
    sb_code_keys k = keys_from(17);
    for (uint32_t person = 0; person < 256; person++) {
        char code[SB_CODE_SIZE], sym[17], swapped[17];
        sb__code_seal(&k, person, 1, code);
        symbols_of(code, sym);
        memcpy(swapped, sym + 8, 8);
        memcpy(swapped + 8, sym, 8);
        swapped[16] = '\0';
        assert_forged(&k, swapped);
    }
}

Test(codes, random_strings_of_sixteen_symbols_are_forged)
{
    sb_code_keys k = keys_from(18);
    uint64_t x = 0xdeadbeefcafef00du;
    for (int i = 0; i < 100000; i++) {
        char text[17];
        for (int j = 0; j < 16; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text[j] = CROCKFORD[x >> 59];
        }
        text[16] = '\0';
        assert_forged(&k, text);
    }
}

Test(codes, a_code_opens_only_under_its_own_key)
{
    sb_code_keys a = keys_from(19), b = keys_from(20);
    for (uint32_t person = 0; person < 1000; person++) {
        char ca[SB_CODE_SIZE], cb[SB_CODE_SIZE];
        sb__code_seal(&a, person, 1, ca);
        sb__code_seal(&b, person, 1, cb);
        cr_assert_str_neq(ca, cb);
        assert_opens_to(&a, ca, person, 1);
        assert_opens_to(&b, cb, person, 1);
        assert_forged(&b, ca);
        assert_forged(&a, cb);
    }
}

Test(codes, keys_differing_in_one_bit_give_unrelated_codes)
{
    uint8_t key[32] = {0};
    key[0] = 1;
    sb_code_keys a, b;
    cr_assert_eq(sodium_init() < 0, 0);
    cr_assert_eq(sb__code_keys_init(&a, key), 0);
    key[31] ^= 0x80;
    cr_assert_eq(sb__code_keys_init(&b, key), 0);
    cr_assert_neq(memcmp(a.mac, b.mac, sizeof a.mac), 0);
    cr_assert_neq(memcmp(a.enc, b.enc, sizeof a.enc), 0);
    cr_assert_neq(memcmp(a.mac, a.enc, sizeof a.mac), 0);
    char ca[SB_CODE_SIZE], cb[SB_CODE_SIZE];
    sb__code_seal(&a, 1, 1, ca);
    sb__code_seal(&b, 1, 1, cb);
    cr_assert_str_neq(ca, cb);
    assert_forged(&b, ca);
}

/* ---- what a code reveals ----------------------------------------------- */

static int
differing_symbols(const char *a, const char *b)
{
    int n = 0;
    for (int i = 0; a[i] && b[i]; i++)
        n += a[i] != b[i];
    return n;
}

Test(codes, codes_of_neighbouring_people_differ_in_the_first_half)
{
    sb_code_keys k = keys_from(21);
    char prev[SB_CODE_SIZE], code[SB_CODE_SIZE];
    sb__code_seal(&k, 0, 1, prev);
    for (uint32_t person = 1; person < 4096; person++) {
        sb__code_seal(&k, person, 1, code);
        cr_assert_neq(memcmp(prev, code, 9), 0, "%s / %s", prev, code); /* XXXX-XXXX */
        cr_assert_geq(differing_symbols(prev, code), 8, "%s / %s", prev, code);
        memcpy(prev, code, sizeof code);
    }
}

Test(codes, codes_of_one_person_with_consecutive_generations_look_unrelated)
{
    sb_code_keys k = keys_from(22);
    for (uint32_t person = 0; person < 64; person++) {
        char prev[SB_CODE_SIZE], code[SB_CODE_SIZE];
        sb__code_seal(&k, person * 1009u, 1, prev);
        for (uint32_t gen = 2; gen <= 64; gen++) {
            sb__code_seal(&k, person * 1009u, gen, code);
            cr_assert_neq(memcmp(prev, code, 4), 0, "%s / %s", prev, code); /* no shared prefix */
            cr_assert_geq(differing_symbols(prev, code), 8, "%s / %s", prev, code);
            memcpy(prev, code, sizeof code);
        }
    }
}

Test(codes, no_symbol_position_is_fixed_by_the_person_or_generation)
{
    /* Were the payload shown in clear, the symbols holding the high bits of
     * person and generation would be the same across consecutive people. */
    sb_code_keys k = keys_from(23);
    int seen[16][32] = {{0}};
    for (uint32_t person = 0; person < 1024; person++) {
        char code[SB_CODE_SIZE], sym[17];
        sb__code_seal(&k, person, 1, code);
        symbols_of(code, sym);
        for (int pos = 0; pos < 16; pos++)
            seen[pos][strchr(CROCKFORD, sym[pos]) - CROCKFORD]++;
    }
    for (int pos = 0; pos < 16; pos++) {
        int distinct = 0, most = 0;
        for (int s = 0; s < 32; s++) {
            distinct += seen[pos][s] > 0;
            if (seen[pos][s] > most)
                most = seen[pos][s];
        }
        /* 1024 draws over 32 symbols: 32 expected each */
        cr_assert_geq(distinct, 28, "position %d", pos);
        cr_assert_lt(most, 80, "position %d", pos);
    }
}
