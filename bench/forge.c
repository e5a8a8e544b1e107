/*
 * slotbook-forge: the forgery figures.  Books PEOPLE people on an engine
 * with a fixed code_key, keeps their codes, then throws --codes codes at
 * sb_verify from --threads threads and counts the answers per kind:
 *
 *   random          16 symbols drawn uniformly from the code alphabet, in
 *                   the XXXX-XXXX-XXXX-XXXX format, with a booked person's BSN;
 *   changed         a genuine code with one symbol changed to another,
 *                   presented with another booked person's BSN;
 *   swapped         a genuine code with two different symbols swapped,
 *                   presented with its holder's BSN;
 *   changed_holder  a genuine code with one symbol changed, presented with
 *                   its holder's BSN (the forger knows whose code it was);
 *   resold          a genuine code with another valid BSN: half another
 *                   booked person's, half a random valid BSN nobody booked
 *                   with.  Not a forgery: it must answer SB_WRONG_HOLDER.
 *
 * A code passes the tag check with probability 2^-40 (lib/codes.c), so
 * 10^8 forged codes verify with probability under 10^-4: any SB_OK among
 * the forged kinds is a failure.  Mutations are of the printed symbols,
 * so every one changes the 80 bits (a changed symbol takes another value;
 * a swap takes two positions holding different symbols).
 *
 * Prints a table of statuses per kind, then one line of figures:
 *   forge codes=N threads=N seconds=X verify_per_s=X forged=N
 *   forged_verified=N resold=N resold_wrong_holder=N resold_other=N
 * Exit status 0; 1 when a forged code verified, a resold code answered
 * anything but SB_WRONG_HOLDER, or the engine failed; 2 for bad usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <slotbook.h>

#include "cli.h"
#include "splitmix.h"

#define PEOPLE 100000u
#define WINDOWS 10u     /* windows per day; PEOPLE / (WINDOWS * PLACES) days */
#define PLACES 100u     /* places per slot */
#define FIRST_DAY 20000 /* 2024-10-04; any day will do */

static const char ALPHABET[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

enum kind { K_RANDOM, K_CHANGED, K_SWAPPED, K_CHANGED_HOLDER, K_RESOLD, K_COUNT };
static const char *const KIND_NAME[K_COUNT] = {"random", "changed", "swapped", "changed_holder",
                                               "resold"};

typedef struct config {
    uint64_t codes;
    unsigned threads;
    uint64_t seed;
} config;

typedef struct booked {
    uint32_t bsn;
    char code[SB_CODE_SIZE];
} booked;

typedef struct shared {
    sb_engine *e;
    const booked *people;
    uint32_t npeople;
} shared;

typedef struct worker {
    const shared *sh;
    uint64_t codes; /* this thread's share */
    uint64_t seed;
    uint64_t counts[K_COUNT][SB_STATUS_COUNT + 1]; /* last column: unknown statuses */
} worker;

/* A valid BSN drawn uniformly from 100000000 .. 999999999. */
static uint32_t
random_bsn(rng *r)
{
    for (;;) {
        uint32_t b = 100000000u + (uint32_t)rbelow(r, 900000000u);
        if (sb_bsn_valid(b))
            return b;
    }
}

/* The position in "XXXX-XXXX-XXXX-XXXX" of symbol i (0 .. 15). */
static int
symbol_at(unsigned i)
{
    return (int)(i + i / 4);
}

static void
random_code(rng *r, char out[SB_CODE_SIZE])
{
    uint64_t bits = rnext(r), more = rnext(r);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t v = i < 12 ? bits >> (5 * i) : more >> (5 * (i - 12));
        out[symbol_at(i)] = ALPHABET[v & 31u];
    }
    out[4] = out[9] = out[14] = '-';
    out[SB_CODE_SIZE - 1] = '\0';
}

/* One symbol changed to another symbol's value. */
static void
change_one(rng *r, const char *code, char out[SB_CODE_SIZE])
{
    memcpy(out, code, SB_CODE_SIZE);
    int at = symbol_at((unsigned)rbelow(r, 16));
    const char *p = strchr(ALPHABET, out[at]);
    unsigned v = (unsigned)(p - ALPHABET);
    out[at] = ALPHABET[(v + 1u + (unsigned)rbelow(r, 31)) & 31u];
}

/* Two symbols that differ swapped (a code of 16 equal symbols is left
 * changed in one symbol instead, so every mutation is one). */
static void
swap_two(rng *r, const char *code, char out[SB_CODE_SIZE])
{
    memcpy(out, code, SB_CODE_SIZE);
    for (unsigned tries = 0; tries < 64; tries++) {
        int a = symbol_at((unsigned)rbelow(r, 16)), b = symbol_at((unsigned)rbelow(r, 16));
        if (out[a] != out[b]) {
            char c = out[a];
            out[a] = out[b];
            out[b] = c;
            return;
        }
    }
    change_one(r, code, out);
}

/* Another booked person than i. */
static uint32_t
other(rng *r, uint32_t i, uint32_t n)
{
    return (i + 1u + (uint32_t)rbelow(r, n - 1u)) % n;
}

static void *
forge(void *arg)
{
    worker *w = arg;
    const shared *sh = w->sh;
    rng r = {w->seed};
    char code[SB_CODE_SIZE];
    for (uint64_t k = 0; k < w->codes; k++) {
        unsigned kind = (unsigned)(k % K_COUNT);
        uint32_t i = (uint32_t)rbelow(&r, sh->npeople);
        const booked *p = &sh->people[i];
        uint32_t bsn = p->bsn;
        switch (kind) {
        case K_RANDOM:
            random_code(&r, code);
            break;
        case K_CHANGED:
            change_one(&r, p->code, code);
            bsn = sh->people[other(&r, i, sh->npeople)].bsn;
            break;
        case K_SWAPPED:
            swap_two(&r, p->code, code);
            break;
        case K_CHANGED_HOLDER:
            change_one(&r, p->code, code);
            break;
        default:
            memcpy(code, p->code, SB_CODE_SIZE);
            bsn = (k / K_COUNT) % 2 ? sh->people[other(&r, i, sh->npeople)].bsn : random_bsn(&r);
            if (bsn == p->bsn)
                bsn = sh->people[other(&r, i, sh->npeople)].bsn;
            break;
        }
        sb_status st = sb_verify(sh->e, code, bsn, NULL);
        w->counts[kind][(unsigned)st < SB_STATUS_COUNT ? (unsigned)st : SB_STATUS_COUNT]++;
    }
    return NULL;
}

/* ---- set-up ----------------------------------------------------------------- */

static sb_status
open_engine(sb_engine **e)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = FIRST_DAY;
    o.windows_per_day = WINDOWS;
    o.days = PEOPLE / (WINDOWS * PLACES);
    o.max_people = PEOPLE;
    o.max_families = 0;
    o.max_waiting = 0;
    for (int i = 0; i < 32; i++)
        o.code_key[i] = (uint8_t)(0xa5 ^ i); /* fixed: the figures do not depend on luck */
    sb_status st = sb_open(&o, e);
    if (st != SB_OK)
        return st;
    if ((st = sb_location_open(*e, 0)) != SB_OK)
        return st;
    for (uint32_t s = 0; s < o.days * WINDOWS; s++) {
        sb_slot slot = {.location = 0,
                        .day = FIRST_DAY + (int32_t)(s / WINDOWS),
                        .window = (uint16_t)(s % WINDOWS)};
        if ((st = sb_release(*e, slot, PLACES)) != SB_OK)
            return st;
    }
    return SB_OK;
}

/* Books PEOPLE people (valid BSNs from 100000000 up), slot by slot, and
 * checks that every code verifies for its holder. */
static int
book_people(sb_engine *e, booked *people)
{
    uint32_t bsn = 100000000u;
    for (uint32_t i = 0; i < PEOPLE; i++) {
        while (!sb_bsn_valid(bsn))
            bsn++;
        sb_slot slot = {.location = 0,
                        .day = FIRST_DAY + (int32_t)(i / PLACES / WINDOWS),
                        .window = (uint16_t)(i / PLACES % WINDOWS)};
        people[i].bsn = bsn++;
        sb_status st = sb_book(e, people[i].bsn, slot, people[i].code);
        if (st == SB_OK)
            st = sb_verify(e, people[i].code, people[i].bsn, NULL);
        if (st != SB_OK)
            return fprintf(stderr, "slotbook-forge: person %u: %s\n", i, sb_status_name(st)), -1;
    }
    return 0;
}

/* ---- options ---------------------------------------------------------------- */

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: slotbook-forge [options]\n"
            "\n"
            "Books %u people on an engine with a fixed code_key, then presents N codes\n"
            "to sb_verify, in turn of five kinds: random codes, genuine codes with one\n"
            "symbol changed (another person's BSN), two symbols swapped (the holder's\n"
            "BSN), one symbol changed (the holder's BSN), and genuine codes with another\n"
            "valid BSN (resold: must answer SB_WRONG_HOLDER).  Prints the statuses per\n"
            "kind, the forged codes that verified (must be 0) and verify calls per second.\n"
            "\n"
            "options:\n"
            "  -n, --codes N     codes to present (default 100000000)\n"
            "  -t, --threads N   threads, 1 to 1024 (default: all cores)\n"
            "  -s, --seed N      seed of the codes drawn (default 1)\n"
            "  -h, --help        this text\n"
            "\n"
            "Exit status 0; 1 when a forged code verified, a resold code answered\n"
            "anything but SB_WRONG_HOLDER, or the engine failed; 2 for bad usage.\n",
            PEOPLE);
}

static int
parse_u64(const char *arg, const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (parse_count(arg, lo, hi, out) == 0)
        return 0;
    return fprintf(stderr, "slotbook-forge: %s must be %llu to %llu\n", what,
                   (unsigned long long)lo, (unsigned long long)hi),
           -1;
}

static int
parse(int argc, char **argv, config *c)
{
    static const struct option longs[] = {{"codes", required_argument, 0, 'n'},
                                          {"threads", required_argument, 0, 't'},
                                          {"seed", required_argument, 0, 's'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (config){.codes = 100000000u, .threads = cores > 0 ? (unsigned)cores : 1, .seed = 1};
    uint64_t v;
    int o;
    while ((o = getopt_long(argc, argv, "n:t:s:h", longs, NULL)) != -1) {
        if (o == 'h') {
            usage(stdout);
            exit(0);
        }
        if (o == 'n' && parse_u64(optarg, "codes", 1, UINT64_C(1) << 50, &c->codes) == 0)
            continue;
        if (o == 't' && parse_u64(optarg, "threads", 1, 1024, &v) == 0) {
            c->threads = (unsigned)v;
            continue;
        }
        if (o == 's' && parse_u64(optarg, "seed", 0, UINT64_MAX, &c->seed) == 0)
            continue;
        if (o != 'n' && o != 't' && o != 's')
            usage(stderr);
        return -1;
    }
    if (optind < argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- the report ------------------------------------------------------------- */

static int
report(const config *c, const worker *ws, double seconds)
{
    uint64_t sum[K_COUNT][SB_STATUS_COUNT + 1] = {{0}}, per_kind[K_COUNT] = {0};
    bool seen[SB_STATUS_COUNT + 1] = {false};
    for (unsigned t = 0; t < c->threads; t++)
        for (unsigned k = 0; k < K_COUNT; k++)
            for (unsigned s = 0; s <= SB_STATUS_COUNT; s++) {
                sum[k][s] += ws[t].counts[k][s];
                per_kind[k] += ws[t].counts[k][s];
                seen[s] |= ws[t].counts[k][s] != 0;
            }
    printf("%-15s %12s", "kind", "codes");
    for (unsigned s = 0; s <= SB_STATUS_COUNT; s++)
        if (seen[s])
            printf(" %15s", s < SB_STATUS_COUNT ? sb_status_name((sb_status)s) : "unknown");
    putchar('\n');
    uint64_t forged = 0, forged_ok = 0;
    for (unsigned k = 0; k < K_COUNT; k++) {
        printf("%-15s %12llu", KIND_NAME[k], (unsigned long long)per_kind[k]);
        for (unsigned s = 0; s <= SB_STATUS_COUNT; s++)
            if (seen[s])
                printf(" %15llu", (unsigned long long)sum[k][s]);
        putchar('\n');
        if (k != K_RESOLD) {
            forged += per_kind[k];
            forged_ok += sum[k][SB_OK];
        }
    }
    uint64_t resold = per_kind[K_RESOLD], wrong = sum[K_RESOLD][SB_WRONG_HOLDER];
    printf("forge codes=%llu threads=%u seconds=%.3f verify_per_s=%.0f forged=%llu "
           "forged_verified=%llu resold=%llu resold_wrong_holder=%llu resold_other=%llu\n",
           (unsigned long long)c->codes, c->threads, seconds, (double)c->codes / seconds,
           (unsigned long long)forged, (unsigned long long)forged_ok, (unsigned long long)resold,
           (unsigned long long)wrong, (unsigned long long)(resold - wrong));
    return forged_ok == 0 && wrong == resold ? 0 : 1;
}

int
main(int argc, char **argv)
{
    config c;
    if (parse(argc, argv, &c) != 0)
        return 2;
    sb_engine *e = NULL;
    booked *people = calloc(PEOPLE, sizeof *people);
    worker *ws = calloc(c.threads, sizeof *ws);
    pthread_t *ts = calloc(c.threads, sizeof *ts);
    sb_status st = people && ws && ts ? open_engine(&e) : SB_NOMEM;
    if (st != SB_OK || book_people(e, people) != 0) {
        if (st != SB_OK)
            fprintf(stderr, "slotbook-forge: set-up: %s\n", sb_status_name(st));
        sb_close(e);
        return 1;
    }
    shared sh = {.e = e, .people = people, .npeople = PEOPLE};
    uint64_t t0 = mono_ns();
    for (unsigned t = 0; t < c.threads; t++) {
        ws[t].sh = &sh;
        ws[t].codes = c.codes / c.threads + (t < c.codes % c.threads);
        ws[t].seed = c.seed * UINT64_C(0x9e3779b97f4a7c15) + t;
        pthread_create(&ts[t], NULL, forge, &ws[t]);
    }
    for (unsigned t = 0; t < c.threads; t++)
        pthread_join(ts[t], NULL);
    double seconds = (double)(mono_ns() - t0) / 1e9;
    int rc = report(&c, ws, seconds);
    sb_close(e);
    free(people);
    free(ws);
    free(ts);
    return rc;
}
