/*
 * The JSON side of slotbook-server: routes, field validation and the
 * handlers that call the engine (API.md is the contract).  Nothing here
 * knows about HTTP transport: server.c reads the request, checks the method
 * and the bearer token, and hands the body (or a query accessor) to
 * api_call(), which answers an HTTP status and a JSON document.
 *
 * Threads: every function may be called from any number of connection
 * threads at once; the only shared state is the engine (itself lock-free)
 * and the read-only api settings.  Handlers block only where the engine
 * does: a changing call in SB_DURABLE_SYNC waits for its journal flush.
 */
#ifndef SLOTBOOK_SERVER_API_H
#define SLOTBOOK_SERVER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <slotbook.h>

/* Request bodies larger than this answer 413 (too_large). */
#define API_BODY_MAX 4096
/* GET /api/availability covers at most this many days. */
#define API_RANGE_DAYS_MAX 62
/* POST /api/admin/release adds API_PLACES_MIN .. API_PLACES_MAX places at
 * once: a typo of the desk cannot release millions of places. */
#define API_PLACES_MIN 1
#define API_PLACES_MAX 100000

/* Settings shared by every handler; read-only once the server runs. */
typedef struct api {
    sb_engine *engine;
    uint32_t locations; /* valid location ids: 0 .. locations-1 */
    int32_t first_day;  /* the horizon: first_day .. first_day+days-1 */
    uint32_t days;
} api;

/* An answer: an HTTP status and a JSON document (owned by the receiver;
 * NULL only when memory ran out, which the transport answers with 503). */
typedef struct api_reply {
    unsigned http;
    json_t *body;
} api_reply;

/* A query-string accessor for GET handlers: the value of key, or NULL. */
typedef const char *(*api_query_fn)(void *ctx, const char *key);

typedef enum api_method { API_GET, API_POST } api_method;

typedef struct api_route api_route;

/* The route serving path, or NULL for an unknown path.  Pure. */
const api_route *api_route_find(const char *path);
api_method api_route_method(const api_route *r);
/* True when the route needs the desk/admin bearer token. */
bool api_route_privileged(const api_route *r);

/*
 * Runs route r: for POST routes, parses body[0..len) as a JSON object
 * (400 bad_json / bad_request when it is not one, or has a field the route
 * does not know) and validates every field; for GET routes, reads the query
 * through query(query_ctx, key).  Then calls the engine and builds the
 * answer.  Never changes state on malformed input.  Blocking as the engine
 * call it makes.
 */
api_reply api_call(const api *a, const api_route *r, const char *body, size_t len,
                   api_query_fn query, void *query_ctx);

/* A failure document {"ok": false, "status": status, "error": message}. */
api_reply api_error(unsigned http, const char *status, const char *message);

/* The HTTP status for a slotbook status (API.md's table). Pure. */
unsigned api_http_status(sb_status st);

#endif /* SLOTBOOK_SERVER_API_H */
