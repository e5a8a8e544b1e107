/*
 * The JSON API of slotbook-server (API.md).
 *
 * Every request goes through the same three steps: the body is parsed by
 * jansson (duplicates refused, nothing after the value), its keys are
 * checked against the route's field list, and each field is read by a
 * validator that knows its type and range (a BSN is a 9-digit string or an
 * integer, a date "YYYY-MM-DD" inside the horizon, a location below
 * --locations, the window 0, places API_PLACES_MIN .. API_PLACES_MAX).  Only when every
 * field is good does a handler call the engine, so malformed input never
 * reaches it and never changes state.  A BSN that is well formed but fails
 * the 11-check is left to the engine (SB_INVALID_ID), which owns that rule.
 *
 * The answers are built with jansson too; a failed allocation leaves a NULL
 * body that the transport answers with a fixed 503 document.
 */
#include "api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FIELDS_MAX 5

typedef api_reply (*post_fn)(const api *a, json_t *body);
typedef api_reply (*get_fn)(const api *a, api_query_fn query, void *ctx);

struct api_route {
    const char *path;
    api_method method;
    bool privileged;
    const char *fields[FIELDS_MAX]; /* the body's keys, NULL-terminated */
    post_fn post;
    get_fn get;
};

/* ---- answers ---- */

api_reply
api_error(unsigned http, const char *status, const char *message)
{
    return (api_reply){http,
                       json_pack("{s:b, s:s, s:s}", "ok", 0, "status", status, "error", message)};
}

unsigned
api_http_status(sb_status st)
{
    switch (st) {
    case SB_OK:
        return 200;
    case SB_INVALID_ID:
    case SB_INVALID_ARG:
        return 400;
    case SB_FORGED:
    case SB_WRONG_HOLDER:
        return 403;
    case SB_NOT_FOUND:
        return 404;
    case SB_FULL:
    case SB_DUPLICATE:
    case SB_CLOSED:
    case SB_USED:
    case SB_NO_STOCK:
    case SB_LIMIT:
        return 409;
    case SB_EXPIRED:
    case SB_CANCELLED:
        return 410;
    case SB_NOMEM:
    case SB_IO:
        return 503;
    default:
        return 500;
    }
}

/* The failure answer for an engine status. */
static api_reply
engine_error(sb_status st)
{
    return api_error(api_http_status(st), sb_status_name(st), sb_status_str(st));
}

/* 400 bad_request, the sentence naming the field. */
static api_reply
bad_field(const char *field, const char *what)
{
    char msg[240];
    snprintf(msg, sizeof msg, "%s: %s", field, what);
    return api_error(400, "bad_request", msg);
}

/* {"ok": true} merged with fields (stolen; NULL means none). */
static api_reply
success(json_t *fields)
{
    json_t *o = json_pack("{s:b}", "ok", 1);
    if (o != NULL && fields != NULL && json_object_update(o, fields) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(fields);
    return (api_reply){200, o};
}

/* ---- dates ---- */

/* Days since 1970-01-01 of "YYYY-MM-DD" (exactly that form), or INT32_MIN. */
static int32_t
parse_date(const char *s, size_t len)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') {
        return INT32_MIN;
    }
    static const int digits[] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
        if (s[digits[i]] < '0' || s[digits[i]] > '9') {
            return INT32_MIN;
        }
    }
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned month = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned day = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    return sb_day_from_civil(year, month, day);
}

/* "YYYY-MM-DD" of day into buf (the inverse of sb_day_from_civil, after
 * Howard Hinnant's days_from_civil essay). */
static void
format_date(int32_t day, char *buf, size_t size)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    snprintf(buf, size, "%04" PRId64 "-%02u-%02u", y, m, d);
}

static bool
in_horizon(const api *a, int32_t day)
{
    return day >= a->first_day && (int64_t)day < (int64_t)a->first_day + a->days;
}

/* A date inside the horizon, or false with a bad_request in *err. */
static bool
check_date(const api *a, const char *field, const char *s, size_t len, int32_t *out, api_reply *err)
{
    int32_t day = s != NULL ? parse_date(s, len) : INT32_MIN;
    if (day == INT32_MIN) {
        *err = bad_field(field, "must be a date \"YYYY-MM-DD\"");
        return false;
    }
    if (!in_horizon(a, day)) {
        char first[32], last[32], what[120];
        format_date(a->first_day, first, sizeof first);
        format_date((int32_t)(a->first_day + (int64_t)a->days - 1), last, sizeof last);
        snprintf(what, sizeof what, "outside the booking horizon %s .. %s", first, last);
        *err = bad_field(field, what);
        return false;
    }
    *out = day;
    return true;
}

/* ---- body fields ---- */

/* The field, or NULL with "missing" in *err. */
static json_t *
field_get(json_t *o, const char *name, api_reply *err)
{
    json_t *v = json_object_get(o, name);
    if (v == NULL) {
        *err = bad_field(name, "missing");
    }
    return v;
}

/* An integer field in lo .. hi. */
static bool
field_int(json_t *o, const char *name, json_int_t lo, json_int_t hi, const char *what,
          json_int_t *out, api_reply *err)
{
    json_t *v = field_get(o, name, err);
    if (v == NULL) {
        return false;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        *err = bad_field(name, what);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* "bsn": exactly 9 digits as a string, or an integer 0 .. 999999999.  The
 * 11-check is the engine's (SB_INVALID_ID). */
static bool
field_bsn(json_t *o, uint32_t *out, api_reply *err)
{
    json_t *v = field_get(o, "bsn", err);
    if (v == NULL) {
        return false;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 999999999) {
        *out = (uint32_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v) && json_string_length(v) == 9) {
        const char *s = json_string_value(v);
        uint32_t bsn = 0;
        size_t i = 0;
        while (i < 9 && s[i] >= '0' && s[i] <= '9') {
            bsn = bsn * 10 + (uint32_t)(s[i++] - '0');
        }
        if (i == 9) {
            *out = bsn;
            return true;
        }
    }
    *err = bad_field("bsn", "must be a string of 9 digits or an integer of at most 9 digits");
    return false;
}

static bool
field_location(const api *a, json_t *o, uint16_t *out, api_reply *err)
{
    char what[80];
    snprintf(what, sizeof what, "must be an integer 0 .. %" PRIu32, a->locations - 1);
    json_int_t v;
    if (!field_int(o, "location", 0, (json_int_t)a->locations - 1, what, &v, err)) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

/* "location", "date" and "window" (always 0: one window a day). */
static bool
field_slot(const api *a, json_t *o, sb_slot *out, api_reply *err)
{
    if (!field_location(a, o, &out->location, err)) {
        return false;
    }
    json_t *d = field_get(o, "date", err);
    if (d == NULL || !check_date(a, "date", json_string_value(d),
                                 json_is_string(d) ? json_string_length(d) : 0, &out->day, err)) {
        return false;
    }
    json_int_t w;
    if (!field_int(o, "window", 0, 0, "must be 0 (one window a day)", &w, err)) {
        return false;
    }
    out->window = (uint16_t)w;
    return true;
}

static bool
field_code(json_t *o, const char **out, api_reply *err)
{
    json_t *v = field_get(o, "code", err);
    if (v == NULL) {
        return false;
    }
    if (!json_is_string(v)) {
        *err = bad_field("code", "must be a string \"XXXX-XXXX-XXXX-XXXX\"");
        return false;
    }
    *out = json_string_value(v);
    return true;
}

/* ---- bookings ---- */

static const char *
state_name(sb_state s)
{
    switch (s) {
    case SB_STATE_HELD:
        return "held";
    case SB_STATE_BOOKED:
        return "booked";
    case SB_STATE_REDEEMED:
        return "redeemed";
    case SB_STATE_WAITING:
        return "waiting";
    }
    return "unknown";
}

static json_t *
booking_json(const sb_booking *b)
{
    char bsn[16], date[32];
    snprintf(bsn, sizeof bsn, "%09" PRIu32, b->bsn);
    format_date(b->slot.day, date, sizeof date);
    json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:s}", "bsn", bsn, "location",
                          (json_int_t)b->slot.location, "date", date, "window",
                          (json_int_t)b->slot.window, "state", state_name(b->state));
    if (o != NULL && b->state == SB_STATE_HELD) {
        json_object_set_new(o, "deadline_ms", json_integer((json_int_t)b->deadline_ms));
    }
    if (o != NULL && b->state == SB_STATE_WAITING) {
        format_date(b->last_day, date, sizeof date);
        json_object_set_new(o, "position", json_integer((json_int_t)b->position));
        json_object_set_new(o, "last_date", json_string(date));
    }
    return o;
}

/* The success answer after a changing call: the person's booking as the
 * engine has it now, and the code when there is one.  A concurrent request
 * of the same person may have changed it meanwhile: the booking is then
 * what lookup finds, or null when it is gone. */
static api_reply
booking_reply(const api *a, uint32_t bsn, const char *code)
{
    sb_booking b;
    json_t *booking = sb_lookup(a->engine, bsn, &b) == SB_OK ? booking_json(&b) : json_null();
    json_t *fields = json_pack("{s:o}", "booking", booking);
    if (fields != NULL && code != NULL) {
        json_object_set_new(fields, "code", json_string(code));
    }
    return fields != NULL ? success(fields) : (api_reply){503, NULL};
}

/* ---- people's handlers ---- */

static api_reply
post_reserve(const api *a, json_t *o)
{
    api_reply err;
    uint32_t bsn;
    sb_slot slot;
    if (!field_bsn(o, &bsn, &err) || !field_slot(a, o, &slot, &err)) {
        return err;
    }
    sb_status st = sb_reserve(a->engine, bsn, slot);
    return st == SB_OK ? booking_reply(a, bsn, NULL) : engine_error(st);
}

static api_reply
post_confirm(const api *a, json_t *o)
{
    api_reply err;
    uint32_t bsn;
    if (!field_bsn(o, &bsn, &err)) {
        return err;
    }
    char code[SB_CODE_SIZE];
    sb_status st = sb_confirm(a->engine, bsn, code);
    return st == SB_OK ? booking_reply(a, bsn, code) : engine_error(st);
}

static api_reply
post_book(const api *a, json_t *o)
{
    api_reply err;
    uint32_t bsn;
    sb_slot slot;
    if (!field_bsn(o, &bsn, &err) || !field_slot(a, o, &slot, &err)) {
        return err;
    }
    char code[SB_CODE_SIZE];
    sb_status st = sb_book(a->engine, bsn, slot, code);
    return st == SB_OK ? booking_reply(a, bsn, code) : engine_error(st);
}

static api_reply
post_cancel(const api *a, json_t *o)
{
    api_reply err;
    uint32_t bsn;
    if (!field_bsn(o, &bsn, &err)) {
        return err;
    }
    sb_status st = sb_cancel(a->engine, bsn);
    return st == SB_OK ? success(NULL) : engine_error(st);
}

static api_reply
post_lookup(const api *a, json_t *o)
{
    api_reply err;
    uint32_t bsn;
    if (!field_bsn(o, &bsn, &err)) {
        return err;
    }
    sb_booking b;
    sb_status st = sb_lookup(a->engine, bsn, &b);
    if (st != SB_OK) {
        return engine_error(st);
    }
    json_t *booking = booking_json(&b);
    return booking != NULL ? success(json_pack("{s:o}", "booking", booking))
                           : (api_reply){503, NULL};
}

/* One entry of the availability answer, or NULL with *st set on failure. */
static json_t *
day_json(const api *a, sb_slot slot, sb_status *st)
{
    sb_slot_info info;
    *st = sb_slot_read(a->engine, slot, &info);
    if (*st != SB_OK) {
        return NULL;
    }
    char date[32];
    format_date(slot.day, date, sizeof date);
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "date", date, "window",
                     (json_int_t)slot.window, "capacity", (json_int_t)info.capacity, "free",
                     (json_int_t)info.free, "held", (json_int_t)info.held, "booked",
                     (json_int_t)info.booked, "redeemed", (json_int_t)info.redeemed);
}

/* The location of a query string: decimal digits only, below --locations. */
static bool
query_location(const api *a, const char *s, uint16_t *out, api_reply *err)
{
    uint32_t v = 0;
    size_t n = s != NULL ? strlen(s) : 0;
    bool ok = n >= 1 && n <= 5;
    for (size_t i = 0; ok && i < n; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (!ok || v >= a->locations) {
        char what[80];
        snprintf(what, sizeof what, "must be an integer 0 .. %" PRIu32, a->locations - 1);
        *err = bad_field("location", what);
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

static api_reply
availability_reply(const api *a, uint16_t location, int32_t from, int32_t to)
{
    json_t *days = json_array();
    for (int32_t d = from; days != NULL && d <= to; d++) {
        sb_status st;
        json_t *day = day_json(a, (sb_slot){.location = location, .day = d, .window = 0}, &st);
        if (day == NULL) {
            json_decref(days);
            return st != SB_OK ? engine_error(st) : (api_reply){503, NULL};
        }
        json_array_append_new(days, day);
    }
    sb_slot next;
    sb_status st = sb_next_free(a->engine, location, from, &next);
    json_t *next_json = json_null();
    if (st == SB_OK) {
        char date[32];
        format_date(next.day, date, sizeof date);
        next_json = json_pack("{s:s, s:I}", "date", date, "window", (json_int_t)next.window);
    }
    char first[32], last[32];
    format_date(from, first, sizeof first);
    format_date(to, last, sizeof last);
    return success(json_pack("{s:I, s:s, s:s, s:o, s:o}", "location", (json_int_t)location,
                             "from", first, "to", last, "days", days, "next_free", next_json));
}

/* from must lie in the horizon; to may lie past its last day (a planner
 * showing two weeks near the end of the horizon) and is cut to it. */
static api_reply
get_availability(const api *a, api_query_fn query, void *ctx)
{
    api_reply err;
    uint16_t location;
    int32_t from, to;
    const char *f = query(ctx, "from"), *t = query(ctx, "to");
    if (!query_location(a, query(ctx, "location"), &location, &err) ||
        !check_date(a, "from", f, f != NULL ? strlen(f) : 0, &from, &err)) {
        return err;
    }
    to = t != NULL ? parse_date(t, strlen(t)) : INT32_MIN;
    if (to == INT32_MIN) {
        return bad_field("to", "must be a date \"YYYY-MM-DD\"");
    }
    if (to < from) {
        return bad_field("to", "must not be before from");
    }
    if ((int64_t)to - from + 1 > API_RANGE_DAYS_MAX) {
        return bad_field("to", "the range covers at most 62 days");
    }
    int32_t last = (int32_t)(a->first_day + (int64_t)a->days - 1);
    return availability_reply(a, location, from, to < last ? to : last);
}

/* ---- desk and admin handlers ---- */

static api_reply
post_verify(const api *a, json_t *o)
{
    api_reply err;
    const char *code;
    uint32_t bsn;
    if (!field_code(o, &code, &err) || !field_bsn(o, &bsn, &err)) {
        return err;
    }
    sb_booking b;
    sb_status st = sb_verify(a->engine, code, bsn, &b);
    if (st != SB_OK) {
        return engine_error(st);
    }
    json_t *booking = booking_json(&b);
    return booking != NULL ? success(json_pack("{s:o}", "booking", booking))
                           : (api_reply){503, NULL};
}

static api_reply
post_redeem(const api *a, json_t *o)
{
    api_reply err;
    const char *code;
    uint32_t bsn;
    if (!field_code(o, &code, &err) || !field_bsn(o, &bsn, &err)) {
        return err;
    }
    sb_status st = sb_redeem(a->engine, code, bsn);
    return st == SB_OK ? success(NULL) : engine_error(st);
}

static api_reply
post_release(const api *a, json_t *o)
{
    api_reply err;
    sb_slot slot;
    json_int_t places;
    char places_what[64];
    snprintf(places_what, sizeof places_what, "must be an integer %d .. %d", API_PLACES_MIN,
             API_PLACES_MAX);
    if (!field_slot(a, o, &slot, &err) ||
        !field_int(o, "places", API_PLACES_MIN, API_PLACES_MAX, places_what, &places, &err)) {
        return err;
    }
    sb_status st = sb_release(a->engine, slot, (uint32_t)places);
    return st == SB_OK ? success(NULL) : engine_error(st);
}

static api_reply
post_open(const api *a, json_t *o)
{
    api_reply err;
    uint16_t location;
    if (!field_location(a, o, &location, &err)) {
        return err;
    }
    sb_status st = sb_location_open(a->engine, location);
    return st == SB_OK ? success(NULL) : engine_error(st);
}

static api_reply
post_close(const api *a, json_t *o)
{
    api_reply err;
    uint16_t location;
    if (!field_location(a, o, &location, &err)) {
        return err;
    }
    sb_status st = sb_location_close(a->engine, location);
    return st == SB_OK ? success(NULL) : engine_error(st);
}

static api_reply
get_stats(const api *a, api_query_fn query, void *ctx)
{
    (void)query;
    (void)ctx;
    sb_stats st;
    sb_stats_read(a->engine, &st);
    json_t *calls = json_object();
    for (unsigned op = 0; calls != NULL && op < SB_OP_COUNT; op++) {
        json_object_set_new(calls, sb_op_name((sb_op)op),
                            json_integer((json_int_t)st.calls[op]));
    }
    sb_journal_info j;
    json_t *journal = json_null();
    if (sb_journal_read(a->engine, &j) == SB_OK) {
        journal = json_pack("{s:I, s:I, s:I}", "records", (json_int_t)j.records, "flushes",
                            (json_int_t)j.flushes, "bytes", (json_int_t)j.bytes);
    }
    return success(json_pack("{s:o, s:I, s:o}", "calls", calls, "people", (json_int_t)st.people,
                             "journal", journal));
}

/* ---- routing ---- */

static const api_route routes[] = {
    {"/api/availability", API_GET, false, {NULL}, NULL, get_availability},
    {"/api/reserve",
     API_POST,
     false,
     {"bsn", "location", "date", "window", NULL},
     post_reserve,
     NULL},
    {"/api/confirm", API_POST, false, {"bsn", NULL}, post_confirm, NULL},
    {"/api/book", API_POST, false, {"bsn", "location", "date", "window", NULL}, post_book, NULL},
    {"/api/cancel", API_POST, false, {"bsn", NULL}, post_cancel, NULL},
    {"/api/lookup", API_POST, false, {"bsn", NULL}, post_lookup, NULL},
    {"/api/desk/verify", API_POST, true, {"code", "bsn", NULL}, post_verify, NULL},
    {"/api/desk/redeem", API_POST, true, {"code", "bsn", NULL}, post_redeem, NULL},
    {"/api/admin/release",
     API_POST,
     true,
     {"location", "date", "window", "places", NULL},
     post_release,
     NULL},
    {"/api/admin/open", API_POST, true, {"location", NULL}, post_open, NULL},
    {"/api/admin/close", API_POST, true, {"location", NULL}, post_close, NULL},
    {"/api/admin/stats", API_GET, true, {NULL}, NULL, get_stats},
};

const api_route *
api_route_find(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].path, path) == 0) {
            return &routes[i];
        }
    }
    return NULL;
}

api_method
api_route_method(const api_route *r)
{
    return r->method;
}

bool
api_route_privileged(const api_route *r)
{
    return r->privileged;
}

/* The first key of o that r does not know, or NULL. */
static const char *
unknown_field(const api_route *r, json_t *o)
{
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value)
    {
        (void)value;
        bool known = false;
        for (size_t i = 0; !known && r->fields[i] != NULL; i++) {
            known = strcmp(r->fields[i], key) == 0;
        }
        if (!known) {
            return key;
        }
    }
    return NULL;
}

/* 400 for a key the route does not take, listing those it does. */
static api_reply
unknown_reply(const api_route *r, const char *key)
{
    char name[48], what[160];
    snprintf(name, sizeof name, "%s", key); /* a key may be long; keep the answer short */
    size_t n = (size_t)snprintf(what, sizeof what, "unknown field; this endpoint takes");
    for (size_t i = 0; r->fields[i] != NULL && n < sizeof what; i++) {
        n += (size_t)snprintf(what + n, sizeof what - n, "%s %s", i > 0 ? "," : "", r->fields[i]);
    }
    return bad_field(name, what);
}

/* Parses and runs a POST route. */
static api_reply
call_post(const api *a, const api_route *r, const char *body, size_t len)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL) {
        char msg[JSON_ERROR_TEXT_LENGTH + 80];
        snprintf(msg, sizeof msg, "the body is not valid JSON: %s (line %d, column %d)", je.text,
                 je.line, je.column);
        return api_error(400, "bad_json", msg);
    }
    api_reply reply;
    const char *extra;
    if (!json_is_object(o)) {
        reply = api_error(400, "bad_request", "the body must be a JSON object");
    } else if ((extra = unknown_field(r, o)) != NULL) {
        reply = unknown_reply(r, extra);
    } else {
        reply = r->post(a, o);
    }
    json_decref(o);
    return reply;
}

api_reply
api_call(const api *a, const api_route *r, const char *body, size_t len, api_query_fn query,
         void *query_ctx)
{
    return r->method == API_GET ? r->get(a, query, query_ctx) : call_post(a, r, body, len);
}
