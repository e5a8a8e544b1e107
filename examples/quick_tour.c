/*
 * A quick tour of slotbook: one location, one day of 100 places, a surge of
 * people from several threads, then the desk verifying and redeeming codes,
 * a resold code refused and a cancelled one worthless.
 *
 *   cc quick_tour.c $(pkg-config --cflags --libs slotbook) -lpthread
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slotbook.h>

#define THREADS 4
#define PEOPLE_PER_THREAD 5000
#define PLACES 100

typedef struct worker {
    sb_engine *e;
    sb_slot slot;
    uint32_t first; /* people are the valid BSNs after this one */
    unsigned booked, full, duplicate;
    uint32_t one_bsn;
    char one_code[SB_CODE_SIZE];
} worker;

/* The next valid BSN after bsn, by the 11-check. */
static uint32_t
next_bsn(uint32_t bsn)
{
    while (!sb_bsn_valid(++bsn)) {
    }
    return bsn;
}

static void *
surge(void *arg)
{
    worker *w = arg;
    uint32_t bsn = w->first;
    for (unsigned i = 0; i < PEOPLE_PER_THREAD; i++) {
        bsn = next_bsn(bsn);
        char code[SB_CODE_SIZE];
        sb_status st = sb_book(w->e, bsn, w->slot, code);
        if (st == SB_OK) {
            if (w->booked++ == 0) {
                w->one_bsn = bsn;
                memcpy(w->one_code, code, sizeof code);
            }
        } else if (st == SB_FULL) {
            w->full++;
        } else if (st == SB_DUPLICATE) {
            w->duplicate++;
        } else {
            fprintf(stderr, "sb_book: %s\n", sb_status_str(st));
            exit(1);
        }
    }
    return NULL;
}

static void
show(const char *what, sb_status st)
{
    printf("  %-40s %s (%s)\n", what, sb_status_name(st), sb_status_str(st));
}

int
main(void)
{
    sb_options o;
    sb_options_init(&o);
    o.first_day = sb_day_from_civil(2022, 7, 1);
    o.days = 30;
    o.max_locations = 7;
    sb_engine *e;
    sb_status st = sb_open(&o, &e);
    if (st != SB_OK) {
        fprintf(stderr, "sb_open: %s\n", sb_status_str(st));
        return 1;
    }
    /* Den Bosch opens on 1 July 2022 with 100 places. */
    sb_slot slot = {.location = 0, .window = 0, .day = sb_day_from_civil(2022, 7, 1)};
    sb_location_open(e, 0);
    sb_release(e, slot, PLACES);

    worker w[THREADS];
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (worker){.e = e, .slot = slot, .first = 100000000u + i * 20000u};
        pthread_create(&t[i], NULL, surge, &w[i]);
    }
    unsigned booked = 0, full = 0, duplicate = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        booked += w[i].booked;
        full += w[i].full;
        duplicate += w[i].duplicate;
    }
    sb_slot_info info;
    sb_slot_read(e, slot, &info);
    printf("surge: %u attempts from %u threads on %u places\n", THREADS * PEOPLE_PER_THREAD,
           THREADS, PLACES);
    printf("  booked %u, full %u, duplicate %u; slot: capacity %u booked %u free %u\n", booked,
           full, duplicate, info.capacity, info.booked, info.free);

    worker *first = &w[0];
    for (unsigned i = 1; i < THREADS && !first->booked; i++)
        first = &w[i];
    printf("at the desk with code %s:\n", first->one_code);
    show("verify by its holder", sb_verify(e, first->one_code, first->one_bsn, NULL));
    show("verify by a buyer (another BSN)", sb_verify(e, first->one_code, 111222333, NULL));
    show("redeem by its holder", sb_redeem(e, first->one_code, first->one_bsn));
    show("redeem again (a copy)", sb_redeem(e, first->one_code, first->one_bsn));
    char forged[SB_CODE_SIZE];
    memcpy(forged, first->one_code, sizeof forged);
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    show("a code with one symbol changed", sb_verify(e, forged, first->one_bsn, NULL));

    /* Someone else cancels; their place goes back and their code dies. */
    worker *second = NULL;
    for (unsigned i = 0; i < THREADS; i++)
        if (&w[i] != first && w[i].booked)
            second = &w[i];
    if (second) {
        show("cancel a booking", sb_cancel(e, second->one_bsn));
        show("its code afterwards", sb_verify(e, second->one_code, second->one_bsn, NULL));
        sb_slot_read(e, slot, &info);
        printf("  slot after the cancel: booked %u redeemed %u free %u\n", info.booked,
               info.redeemed, info.free);
    }
    sb_audit_report r;
    char msg[200];
    st = sb_audit(e, &r, msg, sizeof msg);
    printf("audit: %s (%llu people, %llu booked, %llu redeemed)%s%s\n", sb_status_name(st),
           (unsigned long long)r.people, (unsigned long long)r.booked,
           (unsigned long long)r.redeemed, st == SB_OK ? "" : ": ", msg);
    sb_close(e);
    return st == SB_OK && booked == PLACES ? 0 : 1;
}
