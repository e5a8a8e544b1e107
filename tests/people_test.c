/*
 * The person table (lib/people.c): BSN -> dense person number, inserted once
 * and kept for the engine's life.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "internal.h"

/* The i-th valid BSN counting up from `from` (plain search with the public
 * check, which bsn_test.c checks on its own). */
static uint32_t
nth_bsn(uint32_t from, uint32_t i)
{
    uint32_t b = from;
    for (;;) {
        while (!sb_bsn_valid(b))
            b++;
        if (i-- == 0)
            return b;
        b++;
    }
}

/* n valid BSNs, spread over the whole range, in an array the caller frees. */
static uint32_t *
bsns(uint32_t n, uint32_t from)
{
    uint32_t *out = malloc((size_t)n * sizeof *out);
    cr_assert_not_null(out);
    uint32_t b = from;
    for (uint32_t i = 0; i < n; i++) {
        while (!sb_bsn_valid(b))
            b++;
        out[i] = b;
        b += 1 + (b % 3) * 9; /* uneven gaps */
    }
    return out;
}

static void
table_open(sb_people *p, uint32_t max)
{
    cr_assert_eq(sodium_init() < 0, 0);
    cr_assert_eq(sb__people_init(p, max), 0);
}

Test(people, an_empty_table_finds_nobody_and_counts_zero)
{
    sb_people p;
    table_open(&p, 100);
    cr_assert_eq(sb__people_count(&p), 0);
    cr_assert_eq(sb__people_find(&p, 111222333), SB_NO_PERSON);
    cr_assert_eq(sb__people_find(&p, 123456782), SB_NO_PERSON);
    sb__people_free(&p);
}

Test(people, inserted_people_are_found_under_their_number)
{
    sb_people p;
    table_open(&p, 1000);
    uint32_t *b = bsns(1000, 100000000);
    uint32_t *num = malloc(1000 * sizeof *num);
    for (uint32_t i = 0; i < 1000; i++) {
        num[i] = sb__people_insert(&p, b[i]);
        cr_assert_neq(num[i], SB_NO_PERSON, "bsn %u", b[i]);
        cr_assert_eq(sb__people_find(&p, b[i]), num[i]);
    }
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert_eq(sb__people_find(&p, b[i]), num[i], "bsn %u", b[i]);
        cr_assert_eq(atomic_load(&p.bsn[num[i]]), b[i]);
        cr_assert_eq(atomic_load(&p.word[num[i]]), 0, "a new person has no hold or booking");
    }
    /* BSNs never inserted stay unknown */
    cr_assert_eq(sb__people_find(&p, 111222333), SB_NO_PERSON);
    cr_assert_eq(sb__people_find(&p, 12345672), SB_NO_PERSON);
    free(num);
    free(b);
    sb__people_free(&p);
}

Test(people, numbers_are_dense_and_below_the_maximum)
{
    static const uint32_t sizes[] = {1, 2, 10, 63, 64, 65, 100, 1000, 4097};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t max = sizes[s];
        sb_people p;
        table_open(&p, max);
        uint32_t *b = bsns(max, 200000000);
        uint8_t *used = calloc(max, 1);
        for (uint32_t i = 0; i < max; i++) {
            uint32_t n = sb__people_insert(&p, b[i]);
            cr_assert_lt(n, max, "max %u: number %u", max, n);
            cr_assert_eq(used[n], 0, "max %u: number %u given twice", max, n);
            used[n] = 1;
        }
        /* every number 0 .. max-1 handed out exactly once */
        for (uint32_t n = 0; n < max; n++)
            cr_assert_eq(used[n], 1, "max %u: number %u never given", max, n);
        free(used);
        free(b);
        sb__people_free(&p);
    }
}

Test(people, the_same_bsn_twice_gets_the_same_number)
{
    sb_people p;
    table_open(&p, 50);
    uint32_t a = sb__people_insert(&p, 111222333);
    uint32_t b = sb__people_insert(&p, 123456782);
    cr_assert_neq(a, b);
    cr_assert_eq(sb__people_insert(&p, 111222333), a);
    cr_assert_eq(sb__people_insert(&p, 123456782), b);
    cr_assert_eq(sb__people_insert(&p, 111222333), a);
    cr_assert_eq(sb__people_count(&p), 2);
    sb__people_free(&p);
}

Test(people, count_follows_distinct_insertions)
{
    sb_people p;
    table_open(&p, 300);
    uint32_t *b = bsns(300, 300000000);
    for (uint32_t i = 0; i < 300; i++) {
        sb__people_insert(&p, b[i]);
        cr_assert_eq(sb__people_count(&p), i + 1);
        sb__people_insert(&p, b[i / 2]); /* someone already known */
        cr_assert_eq(sb__people_count(&p), i + 1);
    }
    free(b);
    sb__people_free(&p);
}

Test(people, a_full_table_refuses_newcomers_and_keeps_everyone_else)
{
    static const uint32_t sizes[] = {1, 7, 64, 130};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t max = sizes[s];
        sb_people p;
        table_open(&p, max);
        uint32_t *b = bsns(max + 20, 400000000);
        uint32_t *num = malloc((size_t)max * sizeof *num);
        for (uint32_t i = 0; i < max; i++)
            num[i] = sb__people_insert(&p, b[i]);
        cr_assert_eq(sb__people_count(&p), max);
        for (uint32_t i = max; i < max + 20; i++) {
            cr_assert_eq(sb__people_insert(&p, b[i]), SB_NO_PERSON, "max %u, newcomer %u", max,
                         i - max);
            cr_assert_eq(sb__people_find(&p, b[i]), SB_NO_PERSON);
        }
        cr_assert_eq(sb__people_count(&p), max);
        /* people already stored are still found, and insert still answers them */
        for (uint32_t i = 0; i < max; i++) {
            cr_assert_eq(sb__people_find(&p, b[i]), num[i]);
            cr_assert_eq(sb__people_insert(&p, b[i]), num[i]);
        }
        free(num);
        free(b);
        sb__people_free(&p);
    }
}

Test(people, bsns_at_the_edges_of_the_range_are_stored)
{
    sb_people p;
    table_open(&p, 8);
    uint32_t low = nth_bsn(1, 0), high = 999999999u;
    while (!sb_bsn_valid(high))
        high--;
    uint32_t a = sb__people_insert(&p, low), b = sb__people_insert(&p, high);
    cr_assert_neq(a, SB_NO_PERSON);
    cr_assert_neq(b, SB_NO_PERSON);
    cr_assert_neq(a, b);
    cr_assert_eq(sb__people_find(&p, low), a);
    cr_assert_eq(sb__people_find(&p, high), b);
    sb__people_free(&p);
}

Test(people, an_engine_stores_each_reserving_person_once)
{
    sb_options o;
    sb_options_init(&o);
    o.max_locations = 1;
    o.first_day = 0;
    o.days = 1;
    o.max_people = 3;
    sb_engine *e;
    cr_assert_eq(sb_open(&o, &e), SB_OK);
    sb_slot s = {0, 0, 0};
    cr_assert_eq(sb_location_open(e, 0), SB_OK);
    cr_assert_eq(sb_release(e, s, 10), SB_OK);
    uint32_t b[4];
    for (uint32_t i = 0; i < 4; i++)
        b[i] = nth_bsn(500000000, i);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(sb_reserve(e, b[i], s), SB_OK);
        cr_assert_eq(sb_cancel(e, b[i]), SB_OK);
        cr_assert_eq(sb_reserve(e, b[i], s), SB_OK); /* again: no new number */
        cr_assert_neq(sb__people_find(&e->people, b[i]), SB_NO_PERSON);
    }
    cr_assert_eq(sb__people_count(&e->people), 3);
    cr_assert_eq(sb_reserve(e, b[3], s), SB_NOMEM);
    cr_assert_eq(sb__people_find(&e->people, b[3]), SB_NO_PERSON);
    sb_close(e);
}

/* ---- two threads inserting the same people ----------------------------- */

typedef struct racer {
    sb_people *p;
    const uint32_t *bsn;
    uint32_t n;
    uint32_t *number; /* out, by index */
    pthread_barrier_t *go;
    int reverse;
} racer;

static void *
insert_all(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(r->go);
    for (uint32_t k = 0; k < r->n; k++) {
        uint32_t i = r->reverse ? r->n - 1 - k : k;
        r->number[i] = sb__people_insert(r->p, r->bsn[i]);
    }
    return NULL;
}

static void
race_once(uint32_t n, int reverse)
{
    sb_people p;
    /* One number to spare per thread: the one a racing insert holds until
     * it gives it back. */
    table_open(&p, n + 2);
    uint32_t *b = bsns(n, 100000000 + n);
    uint32_t *num[2] = {malloc(n * sizeof(uint32_t)), malloc(n * sizeof(uint32_t))};
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    racer r[2] = {{&p, b, n, num[0], &go, 0}, {&p, b, n, num[1], &go, reverse}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, insert_all, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);

    uint8_t *owner_seen = calloc(n + 2, 1);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_neq(num[0][i], SB_NO_PERSON, "bsn %u", b[i]);
        cr_assert_eq(num[0][i], num[1][i], "bsn %u got %u and %u", b[i], num[0][i], num[1][i]);
        cr_assert_eq(sb__people_find(&p, b[i]), num[0][i], "bsn %u", b[i]);
        cr_assert_eq(atomic_load(&p.bsn[num[0][i]]), b[i], "number %u", num[0][i]);
        cr_assert_eq(owner_seen[num[0][i]], 0, "number %u given to two BSNs", num[0][i]);
        owner_seen[num[0][i]] = 1;
    }
    /* Numbers taken by a lost race are all handed back (to their stripe,
     * or to the stack of lost numbers): n people stored, and the two spare
     * numbers still free. */
    cr_assert_eq(sb__people_count(&p), n);
    cr_assert_neq(sb__people_insert(&p, 999999990), SB_NO_PERSON);
    cr_assert_neq(sb__people_insert(&p, 999999989), SB_NO_PERSON);
    cr_assert_eq(sb__people_insert(&p, 999999977), SB_NO_PERSON, "the table is full");
    free(owner_seen);
    free(num[0]);
    free(num[1]);
    free(b);
    sb__people_free(&p);
}

Test(people, two_threads_inserting_the_same_bsns_agree_on_every_number)
{
    for (int round = 0; round < 20; round++)
        race_once(20000, 0);
}

Test(people, two_threads_inserting_in_opposite_orders_agree_on_every_number)
{
    for (int round = 0; round < 20; round++)
        race_once(20000, 1);
}
