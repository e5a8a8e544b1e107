/*
 * Fuzzes the booking codes: the parser (sb__code_open) and sb_verify /
 * sb_redeem with arbitrary text and BSNs.
 *
 * Input: the first 4 bytes are the BSN (little-endian; a value below
 * HOLDERS stands for that issued holder's BSN, so that mutations of a
 * genuine code meet its holder), the rest is the code text (up to the
 * first NUL), copied into a buffer of exactly its length plus the NUL.
 * Codes carry person numbers drawn at random by each engine, so no code
 * can be checked in: text starting "@k" (or "!k") stands for the k-th live
 * (or stale) code of this engine, edited by what follows (expand()).
 *
 * The engine (a fixed code_key, a fixed clock, a small shape) is opened
 * once and books a few people and a family; one booking is cancelled and
 * one rescheduled, so old codes are about.  Checks, for every input:
 *   - statuses are within SB_STATUS_COUNT;
 *   - a BSN failing the 11-check answers SB_INVALID_ID; text the parser
 *     refuses answers SB_FORGED; text it accepts seals back to the same
 *     (person, generation);
 *   - SB_OK (verify or redeem) only for a live issued code presented with
 *     one of its holders' BSNs, and a second redeem then answers SB_USED.
 * A successful redeem changes the engine: it is rebuilt for the next input.
 */
#include "fuzz.h"

#include <string.h>

#include "internal.h"

#define DAY0 20000
#define PEOPLE 6u /* booked on their own */
#define FAMILY 3u /* booked together */
#define HOLDERS (PEOPLE + FAMILY)
#define TEXT_MAX 256u /* past SB_CODE_INPUT_MAX: longer text is tried too */

/* One live issued code and who may present it. */
typedef struct issued {
    char code[SB_CODE_SIZE];
    uint32_t person, gen; /* as sb__code_open reads the code */
    uint32_t holders[FAMILY];
    unsigned nholders;
} issued;

static sb_engine *e;
static sb_code_keys keys;
static uint32_t bsn[HOLDERS];
static issued live[PEOPLE + 1]; /* each person's (one was cancelled) and the family's */
static unsigned nlive;
static char stale[2][SB_CODE_SIZE]; /* a cancelled code and a rescheduled one's old code */

static uint64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return (uint64_t)DAY0 * 86400000u;
}

static sb_slot
slot(uint16_t location, int32_t day)
{
    sb_slot s = {location, 0, DAY0 + day};
    return s;
}

static void
options(sb_options *o)
{
    sb_options_init(o);
    o->max_locations = 2;
    o->first_day = DAY0;
    o->days = 4;
    o->windows_per_day = 1;
    o->max_people = 1024;
    o->clock_ms = fixed_clock;
    for (unsigned i = 0; i < sizeof o->code_key; i++)
        o->code_key[i] = (uint8_t)(0xc0 + i);
}

static void
add_live(const char *code, const uint32_t *holders, unsigned n)
{
    issued *c = &live[nlive++];
    memcpy(c->code, code, SB_CODE_SIZE);
    FUZZ_CHECK(sb__code_open(&keys, code, &c->person, &c->gen) == 0, "issued %s", code);
    memcpy(c->holders, holders, n * sizeof *holders);
    c->nholders = n;
}

/* Opens the engine and books the people: every step must succeed. */
static void
setup(void)
{
    sb_options o;
    options(&o);
    FUZZ_CHECK(sb__code_keys_init(&keys, o.code_key) == 0, "key derivation");
    FUZZ_CHECK(sb_open(&o, &e) == SB_OK, "sb_open");
    for (uint16_t loc = 0; loc < 2; loc++) {
        FUZZ_CHECK(sb_location_open(e, loc) == SB_OK, "open %u", loc);
        for (int32_t d = 0; d < 4; d++)
            FUZZ_CHECK(sb_release(e, slot(loc, d), 8) == SB_OK, "release");
    }
    unsigned n = 0;
    for (uint32_t b = 100000000u; n < HOLDERS; b++)
        if (sb_bsn_valid(b))
            bsn[n++] = b;
    char code[SB_CODE_SIZE];
    nlive = 0;
    for (unsigned i = 0; i < PEOPLE; i++) {
        FUZZ_CHECK(sb_book(e, bsn[i], slot((uint16_t)(i % 2), (int32_t)(i % 4)), code) == SB_OK,
                   "book %u", i);
        if (i == 0) { /* cancelled: its code is stale */
            memcpy(stale[0], code, SB_CODE_SIZE);
            FUZZ_CHECK(sb_cancel(e, bsn[i]) == SB_OK, "cancel");
            continue;
        }
        if (i == 1) { /* rescheduled: the old code is stale, the new one live */
            memcpy(stale[1], code, SB_CODE_SIZE);
            FUZZ_CHECK(sb_reschedule(e, bsn[i], slot(1, 3), code) == SB_OK, "reschedule");
        }
        add_live(code, &bsn[i], 1);
    }
    FUZZ_CHECK(sb_book_group(e, bsn + PEOPLE, FAMILY, slot(0, 2), code) == SB_OK, "family");
    add_live(code, bsn + PEOPLE, FAMILY);
}

/* The live code (person, gen) names for bsn, or NULL. */
static const issued *
find_live(uint32_t person, uint32_t gen, uint32_t holder)
{
    for (unsigned i = 0; i < nlive; i++)
        for (unsigned h = 0; h < live[i].nholders; h++)
            if (live[i].person == person && live[i].gen == gen && live[i].holders[h] == holder)
                return &live[i];
    return NULL;
}

static void
check_status(sb_status st, const char *call)
{
    FUZZ_CHECK((unsigned)st < SB_STATUS_COUNT, "%s answered %d", call, (int)st);
}

/* The parser alone: what it accepts seals back to itself. */
static int
check_parse(const char *text, uint32_t *person, uint32_t *gen)
{
    int rc = sb__code_open(&keys, text, person, gen);
    FUZZ_CHECK(rc == 0 || rc == -1, "sb__code_open returned %d", rc);
    if (rc == 0 && *person < SB_MAX_PEOPLE && *gen >= 1 && *gen <= SB_MAX_BOOKINGS) {
        char again[SB_CODE_SIZE];
        uint32_t p2, g2;
        sb__code_seal(&keys, *person, *gen, again);
        FUZZ_CHECK(sb__code_open(&keys, again, &p2, &g2) == 0 && p2 == *person && g2 == *gen,
                   "reseal of \"%s\"", text);
    }
    return rc;
}

/*
 * The text to present: raw[0..n) itself, or, for "@k" ("!k"), the k-th
 * live (stale) code edited by raw[2..n) byte by byte: '.' keeps the code's
 * character, '~' lowers it, '_' drops it, anything else replaces it; edit
 * bytes past the code's end are appended.  malloc'd, exactly its length
 * plus the NUL.
 */
static char *
expand(const uint8_t *raw, size_t n)
{
    const char *base = NULL;
    if (n >= 2 && raw[0] == '@' && raw[1] >= '0' && raw[1] <= '9')
        base = live[(raw[1] - '0') % nlive].code;
    else if (n >= 2 && raw[0] == '!' && raw[1] >= '0' && raw[1] <= '9')
        base = stale[(raw[1] - '0') % 2];
    char *text = malloc(n + SB_CODE_SIZE);
    FUZZ_CHECK(text != NULL, "out of memory");
    size_t len = 0;
    if (!base) {
        memcpy(text, raw, n);
        len = n;
    }
    size_t blen = base ? strlen(base) : 0, m = base ? n - 2 : 0;
    for (size_t i = 0; i < blen || i < m; i++) {
        char edit = i < m ? (char)raw[2 + i] : '.', c = i < blen ? base[i] : edit;
        if (i >= blen || edit == '.')
            text[len++] = c;
        else if (edit == '~')
            text[len++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        else if (edit != '_')
            text[len++] = edit;
    }
    text[len] = '\0';
    char *exact = realloc(text, len + 1);
    return exact ? exact : text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!e)
        setup();
    uint32_t who = 0;
    for (size_t i = 0; i < 4 && i < size; i++)
        who |= (uint32_t)data[i] << (8 * i);
    if (who < HOLDERS)
        who = bsn[who];
    size_t off = size < 4 ? size : 4, n = 0;
    while (off + n < size && n < TEXT_MAX && data[off + n] != 0)
        n++;
    char *text = expand(data + off, n);

    uint32_t person = 0, gen = 0;
    int parsed = check_parse(text, &person, &gen);
    const issued *genuine = parsed == 0 ? find_live(person, gen, who) : NULL;
    sb_booking b;
    sb_status v = sb_verify(e, text, who, &b);
    check_status(v, "sb_verify");
    if (!sb_bsn_valid(who))
        FUZZ_CHECK(v == SB_INVALID_ID, "verify with BSN %u: %s", who, sb_status_name(v));
    else if (parsed != 0)
        FUZZ_CHECK(v == SB_FORGED, "verify of unparsable \"%s\": %s", text, sb_status_name(v));
    FUZZ_CHECK(v != SB_OK || genuine,
               "verify of \"%s\" with BSN %u: SB_OK for a code not issued "
               "to that BSN",
               text, who);
    FUZZ_CHECK(v != SB_OK || b.bsn == who, "verify filled BSN %u for %u", b.bsn, who);
    for (unsigned i = 0; i < 2; i++)
        FUZZ_CHECK(strcmp(text, stale[i]) != 0 || v != SB_OK, "stale code %s verified", text);

    sb_status r = sb_redeem(e, text, who);
    check_status(r, "sb_redeem");
    FUZZ_CHECK(r != SB_OK || genuine,
               "redeem of \"%s\" with BSN %u: SB_OK for a code not issued "
               "to that BSN",
               text, who);
    FUZZ_CHECK(r == v, "redeem answered %s where verify answered %s", sb_status_name(r),
               sb_status_name(v));
    if (r == SB_OK) {
        sb_status again = sb_redeem(e, text, who);
        FUZZ_CHECK(again == SB_USED, "second redeem: %s", sb_status_name(again));
        sb_close(e); /* changed: the next input gets a fresh engine */
        e = NULL;
    }
    free(text);
    return 0;
}
