/*
 * The planner's rules of 2022, one after the other: a family booked with one
 * code, stickers running out, a reseller stopped by the change limit, a
 * waiting list handed a cancelled place, and a location closing with its
 * bookings moved elsewhere.
 *
 *   cc planner_rules.c $(pkg-config --cflags --libs slotbook)
 *
 * Exits 0 when every call answered as the comments say.
 */
#include <stdbool.h>
#include <stdio.h>

#include <slotbook.h>

enum { DEN_BOSCH, ASSEN };

static int failures;

static void
expect(const char *what, sb_status got, sb_status want)
{
    printf("  %-52s %s\n", what, sb_status_name(got));
    if (got != want) {
        printf("    expected %s\n", sb_status_name(want));
        failures++;
    }
}

/* The n-th valid BSN after 100000000, by the 11-check. */
static uint32_t
person(unsigned n)
{
    uint32_t bsn = 100000000u;
    for (unsigned k = 0; k <= n; k++)
        while (!sb_bsn_valid(++bsn)) {
        }
    return bsn;
}

/* sb_each_booking callback: moves each booking to Assen, same day. */
static int
move_to_assen(const sb_booking *b, void *ctx)
{
    sb_engine *e = ctx;
    char code[SB_CODE_SIZE];
    sb_slot to = {.location = ASSEN, .window = 0, .day = b->slot.day};
    printf("    moving %09u: %s\n", b->bsn, sb_status_name(sb_reschedule(e, b->bsn, to, code)));
    return 0;
}

int
main(void)
{
    sb_options o;
    sb_options_init(&o);
    o.first_day = sb_day_from_civil(2022, 9, 1);
    o.days = 60;
    o.max_locations = 2;
    o.use_stock = 1;   /* every booking needs a sticker */
    o.max_changes = 2; /* cancels + reschedules per BSN */
    sb_engine *e;
    if (sb_open(&o, &e) != SB_OK)
        return 1;
    sb_slot day1 = {.location = DEN_BOSCH, .window = 0, .day = o.first_day};
    sb_slot day2 = {.location = DEN_BOSCH, .window = 0, .day = o.first_day + 1};
    sb_location_open(e, DEN_BOSCH);
    sb_location_open(e, ASSEN);
    sb_release(e, day1, 5);
    sb_release(e, day2, 5);
    sb_release(e, (sb_slot){ASSEN, 0, o.first_day + 1}, 10);
    sb_stock_add(e, DEN_BOSCH, 6);
    sb_stock_add(e, ASSEN, 10);
    char code[SB_CODE_SIZE], family_code[SB_CODE_SIZE];

    printf("A family of three, one code:\n");
    uint32_t family[3] = {person(0), person(1), person(2)};
    expect("book_group 3 people on 1 September", sb_book_group(e, family, 3, day1, family_code),
           SB_OK);
    expect("the mother verifies the code", sb_verify(e, family_code, family[0], NULL), SB_OK);
    expect("a child verifies the same code", sb_verify(e, family_code, family[2], NULL), SB_OK);
    expect("a stranger with the code", sb_verify(e, family_code, person(9), NULL), SB_WRONG_HOLDER);

    printf("Stickers: 6 at Den Bosch, 3 with the family:\n");
    expect("book a fourth person", sb_book(e, person(3), day1, code), SB_OK);
    expect("book a fifth person", sb_book(e, person(4), day2, code), SB_OK);
    expect("book a sixth person", sb_book(e, person(5), day2, code), SB_OK);
    expect("book a seventh person: no sticker left", sb_book(e, person(6), day2, code),
           SB_NO_STOCK);

    printf("A reseller books under a stranger's BSN and moves it around:\n");
    uint32_t stranger = person(5);
    expect("reschedule to 1 September", sb_reschedule(e, stranger, day1, code), SB_OK);
    expect("reschedule back to 2 September", sb_reschedule(e, stranger, day2, code), SB_OK);
    expect("cancel, to free it for a buyer: limit reached", sb_cancel(e, stranger), SB_LIMIT);

    printf("The waiting list instead of refreshing:\n");
    sb_stock_add(e, DEN_BOSCH, 1);
    uint32_t waiter = person(7);
    expect("join the list for 1-2 September", sb_wait(e, waiter, DEN_BOSCH, day1.day, day2.day),
           SB_OK);
    expect("someone cancels", sb_cancel(e, person(4)), SB_OK);
    sb_booking b;
    sb_status st = sb_lookup(e, waiter, &b);
    bool held = st == SB_OK && b.state == SB_STATE_HELD && b.slot.day == day2.day;
    expect("the waiter was handed that place as a hold", held ? SB_OK : SB_NOT_FOUND, SB_OK);
    expect("the waiter confirms the offered hold", sb_confirm(e, waiter, code), SB_OK);

    printf("Den Bosch closes; its 2 September bookings move to Assen (not the reseller's):\n");
    sb_location_close(e, DEN_BOSCH);
    expect("list and move", sb_each_booking(e, DEN_BOSCH, day2.day, day2.day, move_to_assen, e),
           SB_OK);

    sb_audit_report r;
    char msg[200];
    expect("audit", sb_audit(e, &r, msg, sizeof msg), SB_OK);
    sb_close(e);
    printf("%s\n", failures ? "some calls answered unexpectedly" : "all as expected");
    return failures != 0;
}
