/*
 * Surge traces (bench/trace.c): both encodings round trip byte for byte and
 * agree with each other; the binary layout is the one documented at the top
 * of trace.c; and every damaged or hostile file (truncated at each offset,
 * each byte changed, lying headers, garbage CSV) is refused with a message
 * naming the file and where, never a crash (run under ASan to see
 * over-reads).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

/* ----- scratch files ----- */

static char dir[64];

static void
make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sbtrace-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

static void
remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char p[384];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* A path in the scratch directory (a few buffers in rotation). */
static const char *
path_of(const char *name)
{
    static char buf[4][192];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static void
put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static unsigned char *
get_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert(n >= 0);
    rewind(f);
    unsigned char *b = malloc((size_t)n + 1);
    cr_assert_not_null(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ----- traces ----- */

static uint64_t
rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static sb_trace_shape
small_shape(void)
{
    sb_trace_shape s;
    memset(&s, 0, sizeof s);
    strcpy(s.scenario, "surge");
    s.seed = 0xfedcba9876543210u;
    s.locations = 4;
    s.first_day = 19800;
    s.days = 30;
    s.windows = 8;
    s.max_people = 1000;
    s.hold_ms = 600000;
    s.release_delay_ms = 500;
    s.max_changes = 3;
    s.use_stock = 1;
    s.max_families = 250;
    s.max_waiting = 100;
    return s;
}

static bool
is_person_op(unsigned op)
{
    return op <= TOP_REDEEM || op == TOP_RESCHEDULE || op == TOP_BOOK_GROUP || op == TOP_MEMBER ||
           op == TOP_WAIT;
}

static bool
is_slot_op(unsigned op)
{
    return op == TOP_RESERVE || op == TOP_BOOK || op == TOP_RELEASE || op == TOP_SLOT_READ ||
           op == TOP_RESCHEDULE || op == TOP_BOOK_GROUP;
}

/* A record valid for s, with every op (but member records: random_trace
 * makes them), code kind and field range; with families == false no op of
 * format version 3. */
static sb_trace_rec
random_rec_of(const sb_trace_shape *s, uint64_t *rng, uint64_t t_ms, bool families)
{
    sb_trace_rec r;
    memset(&r, 0, sizeof r);
    r.t_ms = t_ms;
    do
        r.op = (uint8_t)(1 + rng_next(rng) % (TOP_COUNT - 1));
    while (r.op == TOP_MEMBER || (!families && r.op >= TOP_BOOK_GROUP));
    /* Fields an op does not use may hold anything (but arg and code). */
    r.bsn = (uint32_t)rng_next(rng);
    r.location = (uint16_t)rng_next(rng);
    r.window = (uint16_t)rng_next(rng);
    r.day = (int32_t)(uint32_t)rng_next(rng);
    if (is_person_op(r.op))
        r.bsn = (uint32_t)(1 + rng_next(rng) % 999999999u);
    if (is_slot_op(r.op)) {
        r.window = (uint16_t)(rng_next(rng) % s->windows);
        r.day = s->first_day + (int32_t)(rng_next(rng) % s->days);
    }
    if (is_slot_op(r.op) || r.op == TOP_OPEN || r.op == TOP_CLOSE || r.op == TOP_NEXT_FREE ||
        r.op == TOP_STOCK || r.op == TOP_WAIT)
        r.location = (uint16_t)(rng_next(rng) % s->locations);
    if (r.op == TOP_RELEASE || r.op == TOP_STOCK)
        r.arg = (uint32_t)rng_next(rng);
    if (r.op == TOP_BOOK_GROUP)
        r.arg = (uint32_t)(1 + rng_next(rng) % 6);
    if (r.op == TOP_WAIT) {
        uint32_t from = (uint32_t)(rng_next(rng) % s->days);
        r.day = s->first_day + (int32_t)from;
        r.arg = (uint32_t)(rng_next(rng) % (s->days - from));
    }
    if (r.op == TOP_VERIFY || r.op == TOP_REDEEM) {
        r.code = (uint8_t)(1 + rng_next(rng) % (TC_COUNT - 1));
        if (r.code == TC_OF)
            r.arg = (uint32_t)(1 + rng_next(rng) % 999999999u);
        else if (r.code == TC_FORGED || r.code == TC_MUTATED)
            r.arg = rng_next(rng) % 3 == 0 ? 0 : (uint32_t)rng_next(rng);
    }
    return r;
}

static sb_trace_rec
random_rec(const sb_trace_shape *s, uint64_t *rng, uint64_t t_ms)
{
    return random_rec_of(s, rng, t_ms, true);
}

/* A family's member record after a book_group at t_ms (the fields it does
 * not use hold anything). */
static sb_trace_rec
member_rec(uint64_t *rng, uint64_t t_ms)
{
    sb_trace_rec r;
    memset(&r, 0, sizeof r);
    r.t_ms = t_ms;
    r.op = TOP_MEMBER;
    r.bsn = (uint32_t)(1 + rng_next(rng) % 999999999u);
    r.location = (uint16_t)rng_next(rng);
    r.window = (uint16_t)rng_next(rng);
    r.day = (int32_t)(uint32_t)rng_next(rng);
    return r;
}

/* n random records in time order, each book_group followed by its members;
 * with families == false only ops of format version 2. */
static sb_trace
random_trace_of(size_t n, uint64_t seed, bool families)
{
    sb_trace t;
    memset(&t, 0, sizeof t);
    t.shape = small_shape();
    t.count = n;
    t.recs = calloc(n ? n : 1, sizeof *t.recs);
    cr_assert_not_null(t.recs);
    uint64_t rng = seed | 1;
    uint64_t now = rng_next(&rng) >> 24;
    size_t last = 0; /* where the last call's records start */
    for (size_t i = 0; i < n; i++) {
        now += rng_next(&rng) % 4 == 0 ? rng_next(&rng) % 100000 : 0;
        last = i;
        t.recs[i] = random_rec_of(&t.shape, &rng, now, families);
        if (t.recs[i].op != TOP_BOOK_GROUP)
            continue;
        if (t.recs[i].arg > n - i) /* the family fits in what is left */
            t.recs[i].arg = (uint32_t)(n - i);
        for (uint32_t k = 1, size = t.recs[i].arg; k < size; k++)
            t.recs[++i] = member_rec(&rng, now);
    }
    for (size_t i = last; i < n; i++)
        t.recs[i].t_ms = UINT64_MAX; /* the largest time still round trips */
    return t;
}

static sb_trace
random_trace(size_t n, uint64_t seed)
{
    return random_trace_of(n, seed, true);
}

static void
assert_same_trace(const sb_trace *a, const sb_trace *b)
{
    cr_assert_eq(memcmp(&a->shape, &b->shape, sizeof a->shape), 0, "the shapes differ");
    cr_assert_eq(a->count, b->count);
    if (a->count > 0)
        cr_assert_eq(memcmp(a->recs, b->recs, a->count * sizeof *a->recs), 0, "the records differ");
}

/* Reading path must fail, with a message naming the file and holding
 * needle, and leave an empty trace. */
static void
assert_refused(const char *path, const char *needle)
{
    sb_trace t;
    char err[256] = "";
    cr_assert_eq(sb_trace_read(path, &t, err, sizeof err), -1, "%s was accepted", path);
    cr_assert(strstr(err, path) != NULL, "the message names no file: %s", err);
    cr_assert(needle == NULL || strstr(err, needle) != NULL, "\"%s\" not in: %s", needle, err);
    cr_assert_eq(t.count, 0);
    cr_assert_null(t.recs);
}

/* An independent bitwise CRC-32 (zlib's). */
static uint32_t
crc32_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t
get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
set_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recomputes the checksum of a binary file image after a deliberate edit. */
static void
reseal(unsigned char *b, size_t len)
{
    set_u32(b + 16, 0);
    set_u32(b + 16, crc32_bitwise(0, b, len));
}

/* A small binary trace on disk (no families, so any record may be edited
 * alone), and its bytes. */
static unsigned char *
small_binary(const char *name, size_t n, size_t *len)
{
    sb_trace t = random_trace_of(n, 99, false);
    char err[256];
    cr_assert_eq(sb_trace_write(path_of(name), &t, err, sizeof err), 0, "%s", err);
    sb_trace_free(&t);
    return get_file(path_of(name), len);
}

/* ----- op names ----- */

Test(trace_ops, every_op_name_parses_back_to_its_op)
{
    for (unsigned op = 1; op < TOP_COUNT; op++) {
        const char *name = sb_trace_op_name(op);
        cr_assert_not_null(name);
        cr_assert_eq(sb_trace_op_parse(name), op, "%s", name);
    }
    cr_assert_str_eq(sb_trace_op_name(TOP_SLOT_READ), "slot_read");
    cr_assert_str_eq(sb_trace_op_name(TOP_NEXT_FREE), "next_free");
    cr_assert_str_eq(sb_trace_op_name(TOP_RESCHEDULE), "reschedule");
    cr_assert_str_eq(sb_trace_op_name(TOP_STOCK), "stock");
    cr_assert_str_eq(sb_trace_op_name(TOP_BOOK_GROUP), "book_group");
    cr_assert_str_eq(sb_trace_op_name(TOP_MEMBER), "member");
    cr_assert_str_eq(sb_trace_op_name(TOP_WAIT), "wait");
    cr_assert_eq(TOP_EXPIRE, 13, "op numbers are on disk: new ops come after the old ones");
    cr_assert_eq(TOP_STOCK, 15);
    cr_assert_eq(TOP_WAIT, 18);
}

Test(trace_ops, unknown_ops_and_names_give_null_and_zero)
{
    cr_assert_null(sb_trace_op_name(0));
    cr_assert_null(sb_trace_op_name(TOP_COUNT));
    cr_assert_null(sb_trace_op_name(1000));
    cr_assert_eq(sb_trace_op_parse("Reserve"), 0);
    cr_assert_eq(sb_trace_op_parse("reserve "), 0);
    cr_assert_eq(sb_trace_op_parse(""), 0);
    cr_assert_eq(sb_trace_op_parse(NULL), 0);
}

/* ----- sb_trace_check ----- */

static void
assert_check_fails(const sb_trace_shape *s, const sb_trace_rec *r, const char *needle)
{
    char err[256] = "";
    cr_assert_eq(sb_trace_check(s, r, err, sizeof err), -1, "accepted; wanted \"%s\"", needle);
    cr_assert(strstr(err, needle) != NULL, "\"%s\" not in: %s", needle, err);
}

static sb_trace_rec
reserve_rec(void)
{
    sb_trace_rec r;
    memset(&r, 0, sizeof r);
    r.op = TOP_RESERVE;
    r.bsn = 111222333;
    r.location = 3;
    r.window = 7;
    r.day = 19800 + 29;
    return r;
}

Test(trace_check, random_records_of_every_op_pass)
{
    sb_trace_shape s = small_shape();
    uint64_t rng = 5;
    char err[256];
    for (int i = 0; i < 100000; i++) {
        sb_trace_rec r = random_rec(&s, &rng, (uint64_t)i);
        cr_assert_eq(sb_trace_check(&s, &r, err, sizeof err), 0, "%s", err);
    }
}

Test(trace_check, unknown_ops_and_code_kinds_and_reserved_bytes_are_refused)
{
    sb_trace_shape s = small_shape();
    sb_trace_rec r = reserve_rec();
    r.op = 0;
    assert_check_fails(&s, &r, "unknown op 0");
    r.op = TOP_COUNT;
    assert_check_fails(&s, &r, "unknown op");
    r = reserve_rec();
    r.code = TC_COUNT;
    assert_check_fails(&s, &r, "unknown code kind");
    for (int i = 0; i < 6; i++) {
        r = reserve_rec();
        r.reserved[i] = 1;
        assert_check_fails(&s, &r, "reserved byte");
    }
}

Test(trace_check, a_slot_outside_the_shape_is_refused)
{
    sb_trace_shape s = small_shape();
    sb_trace_rec r = reserve_rec();
    r.location = 4;
    assert_check_fails(&s, &r, "location 4");
    r = reserve_rec();
    r.window = 8;
    assert_check_fails(&s, &r, "window 8");
    r = reserve_rec();
    r.day = 19799;
    assert_check_fails(&s, &r, "day 19799");
    r.day = 19830;
    assert_check_fails(&s, &r, "day 19830");
    unsigned slot_ops[] = {TOP_BOOK, TOP_RELEASE, TOP_SLOT_READ, TOP_RESCHEDULE};
    for (int i = 0; i < 4; i++) {
        r = reserve_rec();
        r.op = (uint8_t)slot_ops[i];
        r.day = 0;
        assert_check_fails(&s, &r, "outside the horizon");
    }
    unsigned location_ops[] = {TOP_OPEN, TOP_CLOSE, TOP_NEXT_FREE, TOP_STOCK};
    for (int i = 0; i < 4; i++) {
        r = reserve_rec();
        r.op = (uint8_t)location_ops[i];
        r.bsn = 0;
        r.day = -5; /* unused by these ops, or a from_day: anything */
        r.window = 999;
        char err[256];
        cr_assert_eq(sb_trace_check(&s, &r, err, sizeof err), 0, "%s", err);
        r.location = 4;
        assert_check_fails(&s, &r, "location 4");
    }
}

Test(trace_check, person_ops_need_a_bsn_of_nine_digits)
{
    sb_trace_shape s = small_shape();
    for (unsigned op = TOP_RESERVE; op < TOP_COUNT; op++) {
        if (!is_person_op(op))
            continue;
        sb_trace_rec r = reserve_rec();
        r.op = (uint8_t)op;
        if (op == TOP_VERIFY || op == TOP_REDEEM)
            r.code = TC_OWN;
        if (op == TOP_BOOK_GROUP)
            r.arg = 6;
        char err[256];
        cr_assert_eq(sb_trace_check(&s, &r, err, sizeof err), 0, "%s", err);
        r.bsn = 0;
        assert_check_fails(&s, &r, "BSN 0");
        r.bsn = 1000000000u;
        assert_check_fails(&s, &r, "BSN 1000000000");
    }
}

Test(trace_check, code_kinds_belong_to_verify_and_redeem_only_and_args_to_their_kinds)
{
    sb_trace_shape s = small_shape();
    sb_trace_rec r = reserve_rec();
    r.code = TC_OWN;
    assert_check_fails(&s, &r, "only verify and redeem");
    r = reserve_rec();
    r.arg = 5;
    assert_check_fails(&s, &r, "arg 5");
    r = reserve_rec();
    r.op = TOP_VERIFY;
    assert_check_fails(&s, &r, "no code");
    r.code = TC_OLD;
    r.arg = 1;
    assert_check_fails(&s, &r, "arg 1");
    r.code = TC_OF;
    r.arg = 0;
    assert_check_fails(&s, &r, "BSN 0");
    r.arg = 1000000000u;
    assert_check_fails(&s, &r, "BSN 1000000000");
    r = reserve_rec();
    r.op = TOP_RELEASE;
    r.code = TC_FORGED;
    assert_check_fails(&s, &r, "only verify and redeem");
    r.code = TC_NONE;
    r.arg = UINT32_MAX; /* places */
    char err[256];
    cr_assert_eq(sb_trace_check(&s, &r, err, sizeof err), 0, "%s", err);
    r.op = TOP_STOCK; /* stickers */
    cr_assert_eq(sb_trace_check(&s, &r, err, sizeof err), 0, "%s", err);
    r.code = TC_OWN;
    assert_check_fails(&s, &r, "only verify and redeem");
    r = reserve_rec();
    r.op = TOP_RESCHEDULE;
    r.arg = 7;
    assert_check_fails(&s, &r, "reschedule carries arg 7");
}

Test(trace_check, a_shape_outside_the_engine_limits_is_refused)
{
    sb_trace_rec r = reserve_rec();
    sb_trace_shape s = small_shape();
    s.locations = 0;
    assert_check_fails(&s, &r, "locations = 0");
    s.locations = 65537;
    assert_check_fails(&s, &r, "locations = 65537");
    s = small_shape();
    s.days = 0;
    assert_check_fails(&s, &r, "days = 0");
    s.days = 36601;
    assert_check_fails(&s, &r, "days = 36601");
    s = small_shape();
    s.windows = 0;
    assert_check_fails(&s, &r, "windows = 0");
    s.windows = 65536;
    assert_check_fails(&s, &r, "windows = 65536");
    s = small_shape();
    s.max_people = 0;
    assert_check_fails(&s, &r, "max_people = 0");
    s.max_people = (1u << 24) + 1;
    assert_check_fails(&s, &r, "max_people");
    s = small_shape();
    s.hold_ms = 0;
    assert_check_fails(&s, &r, "hold_ms = 0");
    s = small_shape();
    s.max_changes = 16;
    assert_check_fails(&s, &r, "max_changes = 16 is outside 0..15");
    s = small_shape();
    s.use_stock = 2;
    assert_check_fails(&s, &r, "use_stock = 2 is outside 0..1");
    s = small_shape();
    s.first_day = INT32_MAX;
    s.days = 2;
    assert_check_fails(&s, &r, "INT32_MAX");
    s = small_shape();
    memset(s.scenario, 'a', sizeof s.scenario);
    assert_check_fails(&s, &r, "NUL-terminated");
    s = small_shape();
    strcpy(s.scenario, "two words");
    assert_check_fails(&s, &r, "scenario");
    s.scenario[3] = '\t';
    assert_check_fails(&s, &r, "0x09");
}

Test(trace_check, null_arguments_are_refused_with_a_message)
{
    sb_trace_shape s = small_shape();
    sb_trace_rec r = reserve_rec();
    char err[64] = "";
    cr_assert_eq(sb_trace_check(NULL, &r, err, sizeof err), -1);
    cr_assert_neq(err[0], '\0');
    cr_assert_eq(sb_trace_check(&s, NULL, NULL, 0), -1);
}

/* ----- round trips ----- */

Test(trace_binary, a_random_trace_round_trips_byte_for_byte, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(20000, 1), back;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.sbt"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.sbt"), &back, err, sizeof err), 0, "%s", err);
    assert_same_trace(&t, &back);
    size_t len;
    unsigned char *b = get_file(path_of("t.sbt"), &len);
    cr_assert_eq(len, 72 + 32 * t.count);
    cr_assert_eq(memcmp(b + 72, t.recs, 32 * t.count), 0, "records are stored as they are");
    free(b);
    sb_trace_free(&t);
    sb_trace_free(&back);
    cr_assert_null(back.recs);
}

Test(trace_csv, a_random_trace_round_trips_byte_for_byte, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(20000, 2), back;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.csv"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.csv"), &back, err, sizeof err), 0, "%s", err);
    assert_same_trace(&t, &back);
    sb_trace_free(&t);
    sb_trace_free(&back);
}

Test(trace_files, the_same_trace_reads_back_equal_from_csv_and_binary, .init = make_dir,
     .fini = remove_dir)
{
    sb_trace t = random_trace(5000, 3), a, b;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.csv"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_write(path_of("t.sbt"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.csv"), &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.sbt"), &b, err, sizeof err), 0, "%s", err);
    assert_same_trace(&a, &b);
    /* And the binary written from the CSV reading is the same file. */
    cr_assert_eq(sb_trace_write(path_of("u.sbt"), &a, err, sizeof err), 0, "%s", err);
    size_t n1, n2;
    unsigned char *f1 = get_file(path_of("t.sbt"), &n1), *f2 = get_file(path_of("u.sbt"), &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(f1, f2, n1), 0);
    free(f1);
    free(f2);
    sb_trace_free(&t);
    sb_trace_free(&a);
    sb_trace_free(&b);
}

Test(trace_files, an_empty_trace_round_trips_in_both_encodings, .init = make_dir,
     .fini = remove_dir)
{
    sb_trace t = random_trace(0, 4), back;
    char err[256];
    const char *names[] = {"e.sbt", "e.csv"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(sb_trace_write(path_of(names[i]), &t, err, sizeof err), 0, "%s", err);
        cr_assert_eq(sb_trace_read(path_of(names[i]), &back, err, sizeof err), 0, "%s", err);
        assert_same_trace(&t, &back);
        cr_assert_null(back.recs);
    }
    sb_trace_free(&t);
}

Test(trace_csv, the_text_is_the_documented_format, .init = make_dir, .fini = remove_dir)
{
    sb_trace_rec recs[10];
    memset(recs, 0, sizeof recs);
    recs[0] = (sb_trace_rec){
        .t_ms = 0, .op = TOP_RELEASE, .location = 1, .day = 19801, .window = 2, .arg = 100};
    recs[1] = (sb_trace_rec){
        .t_ms = 5, .op = TOP_BOOK, .bsn = 111222333, .location = 1, .day = 19801, .window = 2};
    recs[2] = (sb_trace_rec){
        .t_ms = 5, .op = TOP_VERIFY, .bsn = 111222333, .code = TC_OF, .arg = 123456782};
    recs[3] = (sb_trace_rec){.t_ms = 9, .op = TOP_REDEEM, .bsn = 111222333, .code = TC_MUTATED};
    recs[4] = (sb_trace_rec){.t_ms = 10, .op = TOP_NEXT_FREE, .day = -3};
    recs[5] = (sb_trace_rec){.t_ms = 11, .op = TOP_STOCK, .location = 3, .arg = 40};
    recs[6] = (sb_trace_rec){
        .t_ms = 12, .op = TOP_RESCHEDULE, .bsn = 111222333, .location = 3, .day = 19802};
    recs[7] = (sb_trace_rec){.t_ms = 13,
                             .op = TOP_BOOK_GROUP,
                             .bsn = 111222333,
                             .location = 2,
                             .day = 19803,
                             .window = 1,
                             .arg = 2};
    recs[8] = (sb_trace_rec){.t_ms = 13, .op = TOP_MEMBER, .bsn = 123456782};
    recs[9] = (sb_trace_rec){
        .t_ms = 14, .op = TOP_WAIT, .bsn = 123456782, .location = 1, .day = 19804, .arg = 6};
    sb_trace t = {.shape = small_shape(), .count = 10, .recs = recs};
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.csv"), &t, err, sizeof err), 0, "%s", err);
    size_t len;
    char *text = (char *)get_file(path_of("t.csv"), &len);
    text[len] = '\0';
    cr_assert_str_eq(text, "# slotbook-trace 3 scenario=surge seed=18364758544493064720 "
                           "locations=4 first_day=19800 days=30 windows=8 max_people=1000 "
                           "hold_ms=600000 release_delay_ms=500 max_changes=3 use_stock=1 "
                           "max_families=250 max_waiting=100\n"
                           "t_ms,op,bsn,location,day,window,code\n"
                           "0,release,0,1,19801,2,places:100\n"
                           "5,book,111222333,1,19801,2,\n"
                           "5,verify,111222333,0,0,0,of:123456782\n"
                           "9,redeem,111222333,0,0,0,mutated\n"
                           "10,next_free,0,0,-3,0,\n"
                           "11,stock,0,3,0,0,stickers:40\n"
                           "12,reschedule,111222333,3,19802,0,\n"
                           "13,book_group,111222333,2,19803,1,family:2\n"
                           "13,member,123456782,0,0,0,\n"
                           "14,wait,123456782,1,19804,0,until:19810\n");
    free(text);
}

/* ----- the binary layout ----- */

Test(trace_binary, the_header_has_the_documented_layout_and_checksum, .init = make_dir,
     .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 3, &len);
    sb_trace_shape s = small_shape();
    cr_assert_eq(len, 72 + 3 * 32);
    cr_assert_eq(memcmp(b, "SBTRACE1", 8), 0);
    cr_assert_eq(b[8], 3, "version");
    cr_assert_eq(b[9], 72, "header size");
    cr_assert_eq(b[10] | b[11] << 8, (int)s.windows);
    cr_assert_eq(get_u32(b + 12), 3, "count");
    cr_assert_eq((int32_t)get_u32(b + 20), s.first_day);
    cr_assert_eq(memcmp(b + 24, "surge\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
    cr_assert_eq(get_u32(b + 40) | (uint64_t)get_u32(b + 44) << 32, s.seed);
    cr_assert_eq(get_u32(b + 48) & 0xffffff, s.max_people - 1);
    cr_assert_eq(b[51], 0x13, "rules: max_changes 3, use_stock in bit 4");
    cr_assert_eq(get_u32(b + 52), s.hold_ms);
    cr_assert_eq(get_u32(b + 56), s.release_delay_ms);
    cr_assert_eq(b[60] | b[61] << 8, (int)s.days);
    cr_assert_eq(b[62] | b[63] << 8, (int)s.locations - 1);
    cr_assert_eq(get_u32(b + 64), s.max_families);
    cr_assert_eq(get_u32(b + 68), s.max_waiting);
    uint32_t stored = get_u32(b + 16);
    reseal(b, len);
    cr_assert_eq(get_u32(b + 16), stored, "CRC-32 of the header (field zeroed) and the records");
    free(b);
}

Test(trace_binary, the_widest_shape_round_trips, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(10, 5), back;
    memset(t.shape.scenario, 0, sizeof t.shape.scenario);
    memcpy(t.shape.scenario, "abcdefghijklm=~", 15);
    t.shape.seed = UINT64_MAX;
    t.shape.locations = 65536;
    t.shape.days = 36600;
    t.shape.windows = 65535;
    t.shape.max_people = 1u << 24;
    t.shape.hold_ms = INT32_MAX;
    t.shape.release_delay_ms = UINT32_MAX;
    t.shape.max_changes = 15;
    t.shape.max_families = 1u << 24;
    t.shape.max_waiting = 256; /* 65,536 locations of 256: 2^24 */
    t.shape.first_day = INT32_MAX - 36599;
    for (size_t i = 0; i < t.count; i++) {
        if (is_slot_op(t.recs[i].op))
            t.recs[i].day = INT32_MAX;
        if (t.recs[i].op == TOP_WAIT) {
            t.recs[i].day = INT32_MAX - 1;
            t.recs[i].arg = 1;
        }
    }
    char err[256];
    const char *names[] = {"w.sbt", "w.csv"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(sb_trace_write(path_of(names[i]), &t, err, sizeof err), 0, "%s", err);
        cr_assert_eq(sb_trace_read(path_of(names[i]), &back, err, sizeof err), 0, "%s", err);
        assert_same_trace(&t, &back);
        sb_trace_free(&back);
    }
    t.shape.first_day = INT32_MIN;
    t.shape.locations = 1;
    t.shape.max_people = 1;
    t.shape.max_changes = 0;
    t.shape.use_stock = 0;
    t.shape.max_families = 0;
    t.shape.max_waiting = 0;
    memset(t.shape.scenario, 0, sizeof t.shape.scenario); /* the empty name */
    for (size_t i = 0; i < t.count; i++) {
        t.recs[i].day = INT32_MIN;
        t.recs[i].location = 0;
        if (t.recs[i].op == TOP_WAIT)
            t.recs[i].arg = 0;
    }
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(sb_trace_write(path_of(names[i]), &t, err, sizeof err), 0, "%s", err);
        cr_assert_eq(sb_trace_read(path_of(names[i]), &back, err, sizeof err), 0, "%s", err);
        assert_same_trace(&t, &back);
        sb_trace_free(&back);
    }
    sb_trace_free(&t);
}

Test(trace_binary, bytes_after_the_scenario_name_are_written_as_zeros, .init = make_dir,
     .fini = remove_dir)
{
    sb_trace t = random_trace(2, 11), back;
    memcpy(t.shape.scenario, "ab\0garbage", 11);
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.sbt"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.sbt"), &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(back.shape.scenario, "ab\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
    sb_trace_free(&back);
    sb_trace_free(&t);
}

/* ----- damaged and hostile binary files ----- */

Test(trace_binary, a_file_truncated_at_every_offset_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    const char *p = path_of("cut.sbt");
    for (size_t n = 0; n < len; n++) {
        put_file(p, b, n);
        assert_refused(p, n < 64   ? "shorter than the 64-byte header"
                          : n < 72 ? "shorter than the 72-byte header"
                                   : "truncated or corrupt");
    }
    free(b);
}

Test(trace_binary, a_file_with_families_cut_or_changed_anywhere_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    sb_trace t = random_trace(40, 12);
    size_t groups = 0;
    for (size_t i = 0; i < t.count; i++)
        groups += t.recs[i].op == TOP_BOOK_GROUP && t.recs[i].arg > 1;
    cr_assert_gt(groups, 0, "the trace has families");
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("f.sbt"), &t, err, sizeof err), 0, "%s", err);
    sb_trace_free(&t);
    size_t len;
    unsigned char *b = get_file(path_of("f.sbt"), &len);
    const char *p = path_of("bad.sbt");
    for (size_t n = 0; n < len; n += 7) {
        put_file(p, b, n);
        assert_refused(p, NULL);
    }
    for (size_t i = 0; i < len; i++) {
        b[i] ^= 0x20;
        put_file(p, b, len);
        assert_refused(p, NULL);
        b[i] ^= 0x20;
    }
    free(b);
}

Test(trace_binary, a_file_with_bytes_appended_is_refused, .init = make_dir, .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    unsigned char *longer = calloc(len + 64, 1);
    memcpy(longer, b, len);
    const char *p = path_of("long.sbt");
    size_t extra[] = {1, 31, 32, 64};
    for (int i = 0; i < 4; i++) {
        put_file(p, longer, len + extra[i]);
        assert_refused(p, "truncated or corrupt");
    }
    free(longer);
    free(b);
}

Test(trace_binary, every_single_changed_byte_is_refused, .init = make_dir, .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    const char *p = path_of("flip.sbt");
    const unsigned char masks[] = {0x01, 0x10, 0x80, 0xff};
    for (size_t i = 0; i < len; i++) {
        for (int m = 0; m < 4; m++) {
            b[i] ^= masks[m];
            put_file(p, b, len);
            assert_refused(p, NULL);
            b[i] ^= masks[m];
        }
    }
    /* The untouched bytes still read. */
    put_file(p, b, len);
    sb_trace t;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    sb_trace_free(&t);
    free(b);
}

Test(trace_binary, a_header_declaring_a_huge_count_is_refused_before_allocating, .init = make_dir,
     .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    const char *p = path_of("huge.sbt");
    set_u32(b + 12, UINT32_MAX);
    reseal(b, len);
    put_file(p, b, len);
    assert_refused(p, "over the limit");
    set_u32(b + 12, (uint32_t)SB_TRACE_MAX_RECORDS);
    reseal(b, len);
    put_file(p, b, len);
    assert_refused(p, "truncated or corrupt");
    free(b);
}

Test(trace_binary, a_count_that_does_not_match_the_size_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    const char *p = path_of("count.sbt");
    uint32_t counts[] = {0, 4, 6, 1000};
    for (int i = 0; i < 4; i++) {
        set_u32(b + 12, counts[i]);
        reseal(b, len);
        put_file(p, b, len);
        assert_refused(p, "truncated or corrupt");
    }
    free(b);
}

Test(trace_binary, a_wrong_magic_version_or_header_size_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    size_t len;
    unsigned char *b = small_binary("t.sbt", 2, &len);
    const char *p = path_of("bad.sbt");
    struct {
        size_t offset;
        unsigned char value;
        const char *needle;
    } cases[] = {{0, 'X', "magic"},
                 {7, '2', "magic"},
                 {8, 4, "version 4"},
                 {8, 0, "version 0"},
                 {8, 2, "version 2 with a 72-byte header"},
                 {9, 64, "version 3 with a 64-byte header"},
                 {9, 73, "73-byte header"},
                 {9, 32, "32-byte header"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char keep = b[cases[i].offset];
        b[cases[i].offset] = cases[i].value;
        reseal(b, len);
        put_file(p, b, len);
        assert_refused(p, cases[i].needle);
        b[cases[i].offset] = keep;
    }
    /* A CSV file given a binary name. */
    const char *text = "# slotbook-trace 1 scenario=x seed=1 locations=1 first_day=0 days=1 "
                       "windows=1 max_people=1 hold_ms=1 release_delay_ms=0\n"
                       "t_ms,op,bsn,location,day,window,code\n";
    put_file(p, text, strlen(text));
    assert_refused(p, "magic");
    free(b);
}

/* The image of a binary file of format version 1 or 2 with the same
 * records as version 3 image b (which holds no op of version 3): the
 * header's last 8 bytes dropped, the version and header size changed (the
 * caller fixes the rest and reseals). */
static unsigned char *
older_binary(const unsigned char *b, size_t len, unsigned version, size_t *out_len)
{
    unsigned char *o = malloc(len - 8);
    cr_assert_not_null(o);
    memcpy(o, b, 64);
    memcpy(o + 64, b + 72, len - 72);
    o[8] = (unsigned char)version;
    o[9] = 64;
    *out_len = len - 8;
    return o;
}

Test(trace_binary, a_version_1_file_reads_with_no_change_limit_and_no_stock, .init = make_dir,
     .fini = remove_dir)
{
    /* Version 1 had max_people in bytes 48..51, no rules byte, no families
     * and no waiting list. */
    size_t len, n;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    unsigned char *v1 = older_binary(b, len, 1, &n);
    const char *p = path_of("v1.sbt");
    set_u32(v1 + 48, 1000);
    reseal(v1, n);
    put_file(p, v1, n);
    sb_trace t, v3;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.sbt"), &v3, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_people == 1000 && t.shape.max_changes == 0 && t.shape.use_stock == 0);
    cr_assert(t.shape.max_families == 250 && t.shape.max_waiting == 1024,
              "what sb_options_init gives: %u families, %u waiting", t.shape.max_families,
              t.shape.max_waiting);
    v3.shape.max_changes = 0;
    v3.shape.use_stock = 0;
    v3.shape.max_families = 250;
    v3.shape.max_waiting = 1024;
    assert_same_trace(&t, &v3);
    sb_trace_free(&t);
    sb_trace_free(&v3);
    set_u32(v1 + 48, (1u << 24) + 1); /* a version 1 max_people out of range */
    reseal(v1, n);
    put_file(p, v1, n);
    assert_refused(p, "max_people = 16777217");
    free(v1);
    free(b);
}

Test(trace_binary, a_version_2_file_reads_with_the_bounds_it_was_replayed_with, .init = make_dir,
     .fini = remove_dir)
{
    size_t len, n;
    unsigned char *b = small_binary("t.sbt", 5, &len);
    unsigned char *v2 = older_binary(b, len, 2, &n);
    const char *p = path_of("v2.sbt");
    reseal(v2, n);
    put_file(p, v2, n);
    sb_trace t, v3;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("t.sbt"), &v3, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_changes == 3 && t.shape.use_stock == 1, "the rules stay");
    cr_assert(t.shape.max_families == 250 && t.shape.max_waiting == 1024);
    v3.shape.max_families = 250;
    v3.shape.max_waiting = 1024;
    assert_same_trace(&t, &v3);
    sb_trace_free(&t);
    sb_trace_free(&v3);
    free(v2);
    free(b);
    /* The ops of version 3 are refused in a version 2 file. */
    unsigned ops[] = {TOP_BOOK_GROUP, TOP_WAIT, TOP_MEMBER};
    const char *needles[] = {"record 0: book_group is an op of trace format version 3",
                             "record 0: wait is an op of trace format version 3",
                             "record 0: member is an op of trace format version 3"};
    for (int k = 0; k < 3; k++) {
        sb_trace_rec r = reserve_rec();
        r.op = (uint8_t)ops[k];
        sb_trace one = {.shape = small_shape(), .count = 1, .recs = &r};
        if (ops[k] == TOP_MEMBER) /* a lone member: write it as a book_group, edit it after */
            r.op = TOP_BOOK_GROUP;
        r.arg = r.op == TOP_BOOK_GROUP ? 1 : 0;
        cr_assert_eq(sb_trace_write(path_of("g.sbt"), &one, err, sizeof err), 0, "%s", err);
        b = get_file(path_of("g.sbt"), &len);
        v2 = older_binary(b, len, 2, &n);
        v2[64 + 24] = (uint8_t)ops[k];
        v2[64 + 12] = ops[k] == TOP_BOOK_GROUP ? 1 : 0;
        reseal(v2, n);
        put_file(p, v2, n);
        assert_refused(p, needles[k]);
        free(v2);
        free(b);
    }
}

/* A binary file image with a correct checksum whose content is invalid. */
Test(trace_binary, invalid_content_under_a_valid_checksum_is_refused_naming_the_record,
     .init = make_dir, .fini = remove_dir)
{
    size_t len;
    unsigned char *orig = small_binary("t.sbt", 5, &len);
    unsigned char *b = malloc(len);
    const char *p = path_of("bad.sbt");
    struct {
        size_t offset;
        unsigned char value;
        const char *needle;
    } cases[] = {
        {72 + 2 * 32 + 24, 99, "record 2: unknown op 99"},
        {72 + 3 * 32 + 25, 6, "record 3: unknown code kind 6"},
        {72 + 4 * 32 + 31, 1, "record 4: reserved byte 5"},
        {67, 1, "max_families = 16777466 is outside 0..16777216"},
        {71, 1, "max_waiting = 16777316 at 4 locations passes 16777216"},
        {24 + 6, 'x', "scenario name has bytes after its NUL"},
        {24 + 1, 1, "byte 0x01"},
        {62, 0xff, NULL}, /* 256 locations instead of 4 */
        {60, 0, "days = 0"},
        {11, 0x80, NULL},
        {55, 0x80, "hold_ms = 2148083648"},
        {51, 0x33, "rules byte 0x33"},
        {51, 0x93, "rules byte 0x93"},
        {50, 0xff, NULL}, /* 16,712,680 people instead of 1,000 */
        {51, 0x1f, NULL}, /* max_changes 15 */
        {64, 0, NULL},    /* no families */
        {68, 0, NULL},    /* no waiting list */
        {69, 0x3f, NULL}, /* 16,228 waiting places at each of 4 locations */
        {66, 0xff, NULL}, /* 16,711,930 family bookings */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, orig, len);
        b[cases[i].offset] = cases[i].value;
        reseal(b, len);
        put_file(p, b, len);
        if (cases[i].needle != NULL) {
            assert_refused(p, cases[i].needle);
        } else {
            /* Growing the shape keeps the records valid. */
            sb_trace t;
            char err[256];
            cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
            sb_trace_free(&t);
        }
    }
    /* Records out of time order: swap the first and the last. */
    memcpy(b, orig, len);
    unsigned char tmp[32];
    memcpy(tmp, b + 72, 32);
    memcpy(b + 72, b + 72 + 4 * 32, 32);
    memcpy(b + 72 + 4 * 32, tmp, 32);
    reseal(b, len);
    put_file(p, b, len);
    assert_refused(p, "record 1: t_ms");
    free(b);
    free(orig);
}

Test(trace_binary, a_record_outside_a_shrunken_shape_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    sb_trace t = random_trace(0, 6);
    free(t.recs);
    sb_trace_rec r = reserve_rec();
    t.count = 1;
    t.recs = &r;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.sbt"), &t, err, sizeof err), 0, "%s", err);
    size_t len;
    unsigned char *b = get_file(path_of("t.sbt"), &len);
    b[62] = 2; /* 3 locations: location 3 is outside */
    reseal(b, len);
    put_file(path_of("t.sbt"), b, len);
    assert_refused(path_of("t.sbt"), "record 0: reserve at location 3");
    free(b);
}

/* A trace of the given records (time order and all) written as version 3
 * with its checksum right, whatever the records say. */
static void
put_binary(const char *path, const sb_trace_rec *recs, size_t n)
{
    sb_trace_rec ok = reserve_rec();
    sb_trace t = {.shape = small_shape(), .count = 1, .recs = &ok};
    char err[256];
    cr_assert_eq(sb_trace_write(path, &t, err, sizeof err), 0, "%s", err);
    size_t len;
    unsigned char *b = get_file(path, &len);
    unsigned char *c = malloc(72 + 32 * n);
    cr_assert_not_null(c);
    memcpy(c, b, 72);
    memcpy(c + 72, recs, 32 * n);
    set_u32(c + 12, (uint32_t)n);
    reseal(c, 72 + 32 * n);
    put_file(path, c, 72 + 32 * n);
    free(c);
    free(b);
}

static sb_trace_rec
group_rec(uint64_t t_ms, uint32_t bsn, uint32_t n)
{
    sb_trace_rec r = reserve_rec();
    r.t_ms = t_ms;
    r.op = TOP_BOOK_GROUP;
    r.bsn = bsn;
    r.arg = n;
    return r;
}

static sb_trace_rec
a_member(uint64_t t_ms, uint32_t bsn)
{
    sb_trace_rec r;
    memset(&r, 0, sizeof r);
    r.t_ms = t_ms;
    r.op = TOP_MEMBER;
    r.bsn = bsn;
    return r;
}

Test(trace_binary, a_family_whose_records_do_not_follow_each_other_is_refused, .init = make_dir,
     .fini = remove_dir)
{
    const char *p = path_of("fam.sbt");
    sb_trace_rec r[4];
    /* The good case: a family of three, then a wait. */
    r[0] = group_rec(5, 111222333, 3);
    r[1] = a_member(5, 123456782);
    r[2] = a_member(5, 100000009);
    r[3] = reserve_rec();
    r[3].t_ms = 6;
    r[3].op = TOP_WAIT;
    r[3].day = 19801;
    r[3].arg = 28; /* to 19829, the last day */
    put_binary(p, r, 4);
    sb_trace t;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.count, 4);
    sb_trace_free(&t);
    r[3].arg = 29;
    put_binary(p, r, 4);
    assert_refused(p, "record 3: wait for days 19801..19830, not inside the horizon");
    put_binary(p, r, 2);
    assert_refused(p, "the trace ends where its last book_group still needs 1 member");
    put_binary(p, r + 1, 1);
    assert_refused(p, "record 0: a member record follows no book_group");
    r[3] = r[2];
    r[2] = reserve_rec();
    r[2].t_ms = 5;
    put_binary(p, r, 4);
    assert_refused(p, "record 2: reserve where the book_group before still needs 1 member");
    r[2] = a_member(7, 100000009);
    put_binary(p, r, 3);
    assert_refused(p, "record 2: a member record at t_ms 7, not at its book_group's 5");
    r[2] = a_member(5, 100000009);
    r[2].arg = 1;
    put_binary(p, r, 3);
    assert_refused(p, "record 2: member carries arg 1");
    for (uint32_t n = 0; n <= 7; n += 7) {
        r[0] = group_rec(5, 111222333, n);
        put_binary(p, r, 1);
        assert_refused(p, n == 0 ? "record 0: book_group of a family of 0, not 1..6 people"
                                 : "record 0: book_group of a family of 7");
    }
    r[0] = group_rec(5, 0, 1);
    put_binary(p, r, 1);
    assert_refused(p, "book_group by BSN 0");
    r[0] = a_member(5, 1000000000u);
    put_binary(p, r, 1);
    assert_refused(p, "member by BSN 1000000000");
}

/* ----- hostile CSV ----- */

#define CSV_HEADER                                                                             \
    "# slotbook-trace 1 scenario=surge seed=42 locations=4 first_day=19800 days=30 windows=8 " \
    "max_people=1000 hold_ms=600000 release_delay_ms=500\n"
#define CSV_COLS "t_ms,op,bsn,location,day,window,code\n"
#define CSV_GOOD "0,reserve,111222333,1,19805,2,\n5,confirm,111222333,0,0,0,\n"

static void
assert_csv_refused(const char *text, size_t len, const char *needle)
{
    const char *p = path_of("bad.csv");
    put_file(p, text, len);
    assert_refused(p, needle);
}

#define CSV_REFUSED(text, needle) assert_csv_refused(text, sizeof(text) - 1, needle)

static void
assert_csv_reads(const char *text, size_t count)
{
    const char *p = path_of("good.csv");
    put_file(p, text, strlen(text));
    sb_trace t;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.count, count);
    cr_assert_str_eq(t.shape.scenario, "surge");
    sb_trace_free(&t);
}

Test(trace_csv, well_formed_variants_are_read, .init = make_dir, .fini = remove_dir)
{
    assert_csv_reads(CSV_HEADER CSV_COLS CSV_GOOD, 2);
    assert_csv_reads(CSV_HEADER CSV_COLS, 0);
    assert_csv_reads(CSV_HEADER CSV_COLS "0,reserve,111222333,1,19805,2,", 1);
    assert_csv_reads(CSV_HEADER "t_ms,op,bsn,location,day,window,code", 0);
    /* Keys in any order, separated by runs of blanks. */
    assert_csv_reads(
        "# slotbook-trace 1  release_delay_ms=0\thold_ms=1 max_people=1 windows=8 "
        "days=30 first_day=19800 locations=4 seed=0 scenario=surge\n" CSV_COLS CSV_GOOD,
        2);
}

Test(trace_csv, crlf_line_endings_read_the_same_as_lf, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(300, 7), back;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("t.csv"), &t, err, sizeof err), 0, "%s", err);
    size_t len;
    unsigned char *b = get_file(path_of("t.csv"), &len);
    unsigned char *crlf = malloc(2 * len);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (b[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = b[i];
    }
    put_file(path_of("crlf.csv"), crlf, n);
    cr_assert_eq(sb_trace_read(path_of("crlf.csv"), &back, err, sizeof err), 0, "%s", err);
    assert_same_trace(&t, &back);
    sb_trace_free(&back);
    /* Without the final line ending too. */
    put_file(path_of("crlf.csv"), crlf, n - 2);
    cr_assert_eq(sb_trace_read(path_of("crlf.csv"), &back, err, sizeof err), 0, "%s", err);
    assert_same_trace(&t, &back);
    sb_trace_free(&back);
    free(crlf);
    free(b);
    sb_trace_free(&t);
}

Test(trace_csv, an_empty_file_or_a_header_alone_is_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED("", "empty");
    CSV_REFUSED(CSV_HEADER, "line 2");
    CSV_REFUSED("\n", "line 1");
    CSV_REFUSED(CSV_HEADER "\n", "line 2");
    CSV_REFUSED(CSV_HEADER "t_ms,op,bsn,location,day,window\n", "line 2");
    CSV_REFUSED(CSV_COLS CSV_GOOD, "line 1");
}

Test(trace_csv, a_bad_header_line_is_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED("# slotbook-trace 4 scenario=surge\n" CSV_COLS, "version");
    CSV_REFUSED("# slotbook-trace 12 scenario=surge\n" CSV_COLS, "version");
    CSV_REFUSED("# slotbook-trace\n" CSV_COLS, "line 1");
    CSV_REFUSED("# slotbook-trace 1\n" CSV_COLS, "lacks scenario=");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=42 locations=4 first_day=19800 days=30 "
                "windows=8 max_people=1000 hold_ms=600000\n" CSV_COLS,
                "lacks release_delay_ms=");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=42 seed=43 locations=4 first_day=19800 "
                "days=30 windows=8 max_people=1000 hold_ms=600000 release_delay_ms=5\n" CSV_COLS,
                "given twice");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge colour=blue seed=42 locations=4 "
                "first_day=19800 days=30 windows=8 max_people=1000 hold_ms=600000 "
                "release_delay_ms=5\n" CSV_COLS,
                "not a known key");
    CSV_REFUSED("# slotbook-trace 1 scenario=a_name_of_16_chars seed=42 locations=4 "
                "first_day=19800 days=30 windows=8 max_people=1000 hold_ms=600000 "
                "release_delay_ms=5\n" CSV_COLS,
                "over 15 characters");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=42 locations=0 first_day=19800 days=30 "
                "windows=8 max_people=1000 hold_ms=600000 release_delay_ms=5\n" CSV_COLS,
                "locations = 0");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=-42 locations=4 first_day=19800 days=30 "
                "windows=8 max_people=1000 hold_ms=600000 release_delay_ms=5\n" CSV_COLS,
                "seed");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=42 locations=4 first_day=3000000000 "
                "days=30 windows=8 max_people=1000 hold_ms=600000 release_delay_ms=5\n" CSV_COLS,
                "out of range");
    CSV_REFUSED("# slotbook-trace 1 scenario=surge seed=42 locations=4 first_day=19800 days=30 "
                "windows=8 max_people=1000 hold_ms=6e5 release_delay_ms=5\n" CSV_COLS,
                "not a decimal number");
}

#define CSV_HEADER_2                                                                           \
    "# slotbook-trace 2 scenario=surge seed=42 locations=4 first_day=19800 days=30 windows=8 " \
    "max_people=1000 hold_ms=600000 release_delay_ms=500"

Test(trace_csv, version_2_headers_need_the_rules_and_version_1_headers_refuse_them,
     .init = make_dir, .fini = remove_dir)
{
    const char *p = path_of("good.csv");
    const char *text = CSV_HEADER_2 " max_changes=15 use_stock=1\n" CSV_COLS CSV_GOOD;
    put_file(p, text, strlen(text));
    sb_trace t;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_changes == 15 && t.shape.use_stock == 1 && t.count == 2);
    sb_trace_free(&t);
    /* Version 1: no change limit, no stock. */
    put_file(p, CSV_HEADER CSV_COLS CSV_GOOD, strlen(CSV_HEADER CSV_COLS CSV_GOOD));
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_changes == 0 && t.shape.use_stock == 0);
    sb_trace_free(&t);
    CSV_REFUSED(CSV_HEADER_2 " use_stock=1\n" CSV_COLS, "lacks max_changes=");
    CSV_REFUSED(CSV_HEADER_2 " max_changes=3\n" CSV_COLS, "lacks use_stock=");
    CSV_REFUSED(CSV_HEADER_2 " max_changes=16 use_stock=1\n" CSV_COLS,
                "max_changes = 16 is outside 0..15");
    CSV_REFUSED(CSV_HEADER_2 " max_changes=3 use_stock=2\n" CSV_COLS,
                "use_stock = 2 is outside 0..1");
    CSV_REFUSED(CSV_HEADER_2 " max_changes=3 use_stock=-1\n" CSV_COLS, "use_stock");
    CSV_REFUSED(CSV_HEADER_2 " max_changes=3 max_changes=3 use_stock=1\n" CSV_COLS, "given twice");
    CSV_REFUSED(
        "# slotbook-trace 1 scenario=surge seed=42 locations=4 first_day=19800 days=30 "
        "windows=8 max_people=1000 hold_ms=600000 release_delay_ms=5 max_changes=3\n" CSV_COLS,
        "\"max_changes\" is not a known key");
}

#define CSV_HEADER_3 CSV_HEADER_2 " max_changes=3 use_stock=1"

Test(trace_csv, version_3_headers_need_the_family_and_waiting_bounds_and_older_ones_refuse_them,
     .init = make_dir, .fini = remove_dir)
{
#define V3                                                                           \
    "# slotbook-trace 3 scenario=surge seed=42 locations=4 first_day=19800 days=30 " \
    "windows=8 max_people=1000 hold_ms=600000 release_delay_ms=500 max_changes=3 use_stock=1"
    const char *p = path_of("good.csv");
    const char *text = V3 " max_families=7 max_waiting=4194304\n" CSV_COLS CSV_GOOD;
    put_file(p, text, strlen(text));
    sb_trace t;
    char err[256];
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_families == 7 && t.shape.max_waiting == 4194304 && t.count == 2);
    sb_trace_free(&t);
    /* Version 2: the bounds sb_options_init gives, 1000 people at 4 locations. */
    text = CSV_HEADER_3 "\n" CSV_COLS CSV_GOOD;
    put_file(p, text, strlen(text));
    cr_assert_eq(sb_trace_read(p, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.shape.max_families == 250 && t.shape.max_waiting == 1024);
    sb_trace_free(&t);
    CSV_REFUSED(V3 " max_waiting=1\n" CSV_COLS, "lacks max_families=");
    CSV_REFUSED(V3 " max_families=1\n" CSV_COLS, "lacks max_waiting=");
    CSV_REFUSED(V3 " max_families=16777217 max_waiting=1\n" CSV_COLS,
                "max_families = 16777217 is outside 0..16777216");
    CSV_REFUSED(V3 " max_families=1 max_waiting=4194305\n" CSV_COLS,
                "max_waiting = 4194305 at 4 locations passes 16777216");
    CSV_REFUSED(V3 " max_families=1 max_waiting=-1\n" CSV_COLS, "max_waiting");
    CSV_REFUSED(CSV_HEADER_3 " max_families=1\n" CSV_COLS, "\"max_families\" is not a known key");
    /* The ops of version 3 only in version 3. */
    CSV_REFUSED(CSV_HEADER_3 "\n" CSV_COLS "1,wait,111222333,1,19805,0,until:19806\n",
                "line 3: wait is an op of trace format version 3, not of version 2");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,book_group,111222333,1,19805,0,family:1\n",
                "line 3: book_group is an op of trace format version 3, not of version 1");
#undef V3
}

#define CSV_HEADER_V3                                                                          \
    "# slotbook-trace 3 scenario=surge seed=42 locations=4 first_day=19800 days=30 windows=8 " \
    "max_people=1000 hold_ms=600000 release_delay_ms=500 max_changes=3 use_stock=1 "           \
    "max_families=10 max_waiting=10\n"

Test(trace_csv, family_and_wait_records_are_read_and_checked, .init = make_dir, .fini = remove_dir)
{
    assert_csv_reads(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:3\n"
                                            "5,member,123456782,0,0,0,\n"
                                            "5,member,100000009,7,-3,9,\n"
                                            "6,book_group,100000009,1,19805,2,family:1\n"
                                            "7,wait,111222333,3,19800,0,until:19829\n"
                                            "8,wait,111222333,3,19829,0,until:19829\n",
                     6);
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:3\n"
                                       "5,member,123456782,0,0,0,\n",
                "the trace ends where its last book_group still needs 1 member");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:2\n"
                                       "5,confirm,123456782,0,0,0,\n",
                "line 4: confirm where the book_group before still needs 1 member");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:2\n"
                                       "6,member,123456782,0,0,0,\n",
                "line 4: a member record at t_ms 6, not at its book_group's 5");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,member,123456782,0,0,0,\n",
                "line 3: a member record follows no book_group");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:1\n"
                                       "5,member,123456782,0,0,0,\n",
                "line 4: a member record follows no book_group");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:7\n",
                "book_group of a family of 7, not 1..6 people");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:0\n",
                "book_group of a family of 0");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,\n",
                "book_group needs family:N");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19830,2,family:1\n",
                "book_group on day 19830, outside the horizon");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,0,1,19805,2,family:1\n", "BSN 0");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:2\n"
                                       "5,member,0,0,0,0,\n",
                "line 4: member by BSN 0");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "5,book_group,111222333,1,19805,2,family:2\n"
                                       "5,member,123456782,0,0,0,own\n",
                "only verify and redeem");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19800,0,\n", "wait needs until:N");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19800,0,until:19830\n",
                "wait for days 19800..19830, not inside the horizon 19800..19829");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19799,0,until:19800\n",
                "not inside the horizon");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19805,0,until:19804\n",
                "wait until day 19804, before its day 19805");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19805,0,until:x\n",
                "last day \"x\" is not a decimal number");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,4,19805,0,until:19805\n",
                "wait at location 4");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,0,3,19805,0,until:19805\n", "wait by BSN 0");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,wait,111222333,3,19805,0,family:2\n",
                "wait needs until:");
    CSV_REFUSED(CSV_HEADER_V3 CSV_COLS "7,confirm,111222333,3,19805,0,until:19806\n",
                "unknown or misplaced");
}

Test(trace_csv, reschedule_and_stock_records_are_read_and_checked, .init = make_dir,
     .fini = remove_dir)
{
    assert_csv_reads(CSV_HEADER CSV_COLS "0,stock,0,3,0,0,stickers:40\n"
                                         "1,reschedule,111222333,1,19805,2,\n",
                     2);
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,stock,0,1,0,0,\n", "stock needs stickers:N");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,stock,0,1,0,0,places:4\n", "stock needs stickers:N");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,release,0,1,19805,2,stickers:4\n", "release needs places:N");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,stock,0,1,0,0,stickers:4294967296\n", "out of range");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,stock,0,4,0,0,stickers:4\n", "stock at location 4");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reschedule,111222333,1,19830,2,\n", "outside the horizon");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reschedule,0,1,19805,2,\n", "reschedule by BSN 0");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reschedule,111222333,1,19805,2,own\n",
                "only verify and redeem");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reschedule,111222333,1,19805,2,stickers:1\n",
                "unknown or misplaced");
}

Test(trace_csv, bad_numbers_are_refused_with_their_line, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED(CSV_HEADER CSV_COLS CSV_GOOD "12a,confirm,111222333,0,0,0,\n", "line 5");
    CSV_REFUSED(CSV_HEADER CSV_COLS "-1,confirm,111222333,0,0,0,\n", "not a decimal number");
    CSV_REFUSED(CSV_HEADER CSV_COLS "+1,confirm,111222333,0,0,0,\n", "line 3");
    CSV_REFUSED(CSV_HEADER CSV_COLS " 1,confirm,111222333,0,0,0,\n", "line 3");
    CSV_REFUSED(CSV_HEADER CSV_COLS "0x10,confirm,111222333,0,0,0,\n", "line 3");
    CSV_REFUSED(CSV_HEADER CSV_COLS ",confirm,111222333,0,0,0,\n", "line 3");
    CSV_REFUSED(CSV_HEADER CSV_COLS "18446744073709551616,confirm,111222333,0,0,0,\n",
                "out of range");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,confirm,4294967296,0,0,0,\n", "out of range");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,open,0,65536,0,0,\n", "location 65536 is out of range");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,open,0,0,2147483648,0,\n", "day 2147483648");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,open,0,0,-2147483649,0,\n", "day -2147483649");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,open,0,0,--1,0,\n", "day \"--1\"");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,open,0,0,0,70000,\n", "window 70000");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,release,0,0,19800,0,places:-1\n", "code number");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,verify,111222333,0,0,0,of:\n", "code number");
}

Test(trace_csv, wrong_field_counts_and_long_lines_are_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,confirm,111222333,0,0,0\n", "fewer than 7 fields");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,confirm,111222333,0,0,0,,\n", "more than 7 fields");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1\n", "line 3");
    CSV_REFUSED(CSV_HEADER CSV_COLS CSV_GOOD "\n" CSV_GOOD, "line 5");
    char line[1100];
    memset(line, '1', 1000);
    memcpy(line + 1000, ",confirm,111222333,0,0,0,\n", 27);
    char text[2000];
    int n = snprintf(text, sizeof text, "%s%s%s", CSV_HEADER, CSV_COLS, line);
    assert_csv_refused(text, (size_t)n, "line 3 is longer than 256");
    /* 256 characters are allowed, 257 are not. */
    memset(line, '0', 241);
    memcpy(line + 241, "1,open,0,0,0,0,\n", 17);
    cr_assert_eq(strlen(line), 257);
    n = snprintf(text, sizeof text, "%s%s%s", CSV_HEADER, CSV_COLS, line);
    assert_csv_reads(text, 1);
    n = snprintf(text, sizeof text, "%s%s0%s", CSV_HEADER, CSV_COLS, line);
    assert_csv_refused(text, (size_t)n, "line 3 is longer than 256");
}

Test(trace_csv, binary_junk_is_refused, .init = make_dir, .fini = remove_dir)
{
    unsigned char junk[4096];
    uint64_t rng = 77;
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (unsigned char)rng_next(&rng);
        assert_csv_refused((const char *)junk, sizeof junk, "line 1");
    }
    /* Junk after a good start, NUL bytes included. */
    char text[600] = CSV_HEADER CSV_COLS "0,reserve,111222333,1,19805,2,\n";
    size_t n = strlen(text);
    memcpy(text + n, "1,confirm,111\0\0\0,0,0,0,\n", 25);
    assert_csv_refused(text, n + 25, "line 4 contains a NUL byte");
    /* A binary trace given a CSV name. */
    size_t len;
    unsigned char *b = small_binary("t.sbt", 3, &len);
    assert_csv_refused((const char *)b, len, "line 1");
    free(b);
}

Test(trace_csv, unknown_ops_and_code_kinds_are_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve_all,111222333,1,19805,2,\n", "unknown op");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,RESERVE,111222333,1,19805,2,\n", "unknown op");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,,111222333,1,19805,2,\n", "unknown op");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,verify,111222333,0,0,0,stolen\n", "unknown");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,verify,111222333,0,0,0,own:5\n", "unknown");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,verify,111222333,0,0,0,\n", "no code");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,verify,111222333,0,0,0,places:3\n", "places:N");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,confirm,111222333,0,0,0,own\n", "only verify and redeem");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,release,0,1,19805,2,\n", "release needs places:N");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,release,0,1,19805,2,own\n", "release needs places:N");
}

Test(trace_csv, records_that_do_not_fit_the_shape_are_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve,111222333,1,19830,2,\n",
                "line 3: reserve on day 19830, outside the horizon 19800..19829");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,book,111222333,1,19799,2,\n", "outside the horizon");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve,111222333,4,19805,2,\n", "location 4");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve,111222333,1,19805,8,\n", "window 8");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve,0,1,19805,2,\n", "BSN 0");
    CSV_REFUSED(CSV_HEADER CSV_COLS "1,reserve,1000000000,1,19805,2,\n", "BSN 1000000000");
}

Test(trace_csv, records_out_of_time_order_are_refused, .init = make_dir, .fini = remove_dir)
{
    CSV_REFUSED(CSV_HEADER CSV_COLS "5,reserve,111222333,1,19805,2,\n"
                                    "5,confirm,111222333,0,0,0,\n"
                                    "4,cancel,111222333,0,0,0,\n",
                "line 5: t_ms 4 is before the previous record's 5");
}

/* ----- files ----- */

Test(trace_files, a_missing_file_is_refused_with_the_reason, .init = make_dir, .fini = remove_dir)
{
    assert_refused(path_of("missing.sbt"), "No such file");
    assert_refused(path_of("missing.csv"), "No such file");
}

Test(trace_files, a_directory_is_refused, .init = make_dir, .fini = remove_dir)
{
    assert_refused(dir, "not a regular file");
}

Test(trace_files, null_arguments_are_refused)
{
    sb_trace t;
    char err[128] = "";
    cr_assert_eq(sb_trace_read(NULL, &t, err, sizeof err), -1);
    cr_assert_neq(err[0], '\0');
    cr_assert_eq(sb_trace_read("x.sbt", NULL, NULL, 0), -1);
    cr_assert_eq(sb_trace_write(NULL, &t, err, sizeof err), -1);
    cr_assert_eq(sb_trace_write("x.sbt", NULL, err, sizeof err), -1);
    sb_trace_free(NULL);
}

Test(trace_files, an_invalid_trace_is_not_written, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(10, 8);
    for (size_t i = 0; i < t.count; i++)
        t.recs[i].t_ms = i;
    t.recs[5].t_ms = 3;
    char err[256] = "";
    cr_assert_eq(sb_trace_write(path_of("t.sbt"), &t, err, sizeof err), -1);
    cr_assert(strstr(err, "record 5") != NULL, "%s", err);
    cr_assert_eq(access(path_of("t.sbt"), F_OK), -1, "no file is left behind");
    t.recs[5].t_ms = 5;
    t.recs[6].op = 0;
    cr_assert_eq(sb_trace_write(path_of("t.csv"), &t, err, sizeof err), -1);
    cr_assert(strstr(err, "record 6: unknown op 0") != NULL, "%s", err);
    sb_trace_free(&t);
}

Test(trace_files, a_path_that_cannot_be_created_is_reported, .init = make_dir, .fini = remove_dir)
{
    sb_trace t = random_trace(3, 9);
    char err[256] = "";
    cr_assert_eq(sb_trace_write(path_of("no/such/dir.sbt"), &t, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot create") != NULL, "%s", err);
    cr_assert_eq(sb_trace_write("/dev/full", &t, err, sizeof err), -1);
    cr_assert(strstr(err, "write failed") != NULL, "%s", err);
    sb_trace_free(&t);
}

Test(trace_files, a_large_csv_trace_reads_quickly, .init = make_dir, .fini = remove_dir)
{
    /* 200,000 lines: a regression guard against per-line costs (the full
     * million lines take about a second outside sanitizers). */
    sb_trace t = random_trace(200000, 10), back;
    char err[256];
    cr_assert_eq(sb_trace_write(path_of("big.csv"), &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sb_trace_read(path_of("big.csv"), &back, err, sizeof err), 0, "%s", err);
    assert_same_trace(&t, &back);
    sb_trace_free(&back);
    sb_trace_free(&t);
}
