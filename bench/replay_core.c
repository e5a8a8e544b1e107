/*
 * The replay (see replay.h).  Set-up (person index, per-thread plans, code
 * store) happens before the clock starts; the timed part only reads the
 * trace, calls the engine and records into thread-private counters.
 */
#include "replay.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h" /* mono_ns */
#include "splitmix.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSC 1
#endif

static const char ALPHABET[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The value of each code symbol; -1 for any other character. */
static int
symbol_value(char c)
{
    static signed char table[256];
    static _Atomic int ready;
    if (!atomic_load_explicit(&ready, memory_order_acquire)) {
        signed char t[256];
        memset(t, -1, sizeof t);
        for (int i = 0; i < 32; i++)
            t[(unsigned char)ALPHABET[i]] = (signed char)i;
        memcpy(table, t, sizeof t); /* every thread writes the same bytes */
        atomic_store_explicit(&ready, 1, memory_order_release);
    }
    return table[(unsigned char)c];
}

/* ---- time ------------------------------------------------------------------- */

static inline uint64_t
ticks(void)
{
#ifdef HAVE_RDTSC
    return __rdtsc();
#else
    return mono_ns();
#endif
}

/* Nanoseconds per tick, measured against the monotonic clock. */
static double
tick_ns(void)
{
#ifdef HAVE_RDTSC
    uint64_t n0 = mono_ns(), t0 = ticks();
    while (mono_ns() - n0 < 20000000u) {
    }
    uint64_t n1 = mono_ns(), t1 = ticks();
    return t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 1.0;
#else
    return 1.0;
#endif
}

/* jemalloc's control call, when the process runs on jemalloc. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

/* Hands memory freed earlier (the generator's, say) back to the system, so
 * that an engine's pages count as new pages, not as reused ones. */
static void
allocator_purge(void)
{
    if (mallctl)
        mallctl("arena.4096.purge", NULL, NULL, NULL, 0); /* MALLCTL_ARENAS_ALL */
    malloc_trim(0);
}

uint64_t
sb_replay_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- people and their codes ------------------------------------------------- */

/* BSN -> dense index, built once per replay (open addressing). */
typedef struct people {
    uint64_t mask;
    uint64_t *slots; /* bsn << 32 | index + 1 */
    uint32_t count;
} people;

static uint64_t
mix(uint32_t x)
{
    uint64_t h = x * UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static uint32_t
people_index(const people *p, uint32_t bsn)
{
    for (uint64_t i = mix(bsn);; i++) {
        uint64_t v = p->slots[i & p->mask];
        if (v == 0)
            return UINT32_MAX;
        if ((uint32_t)(v >> 32) == bsn)
            return (uint32_t)v - 1u;
    }
}

static void
people_add(people *p, uint32_t bsn)
{
    if (bsn == 0)
        return;
    for (uint64_t i = mix(bsn);; i++) {
        uint64_t *v = &p->slots[i & p->mask];
        if (*v == 0) {
            *v = (uint64_t)bsn << 32 | (p->count++ + 1u);
            return;
        }
        if ((uint32_t)(*v >> 32) == bsn)
            return;
    }
}

static int
people_build(people *p, const sb_trace *t)
{
    uint64_t size = 1024;
    while (size < t->count * 2 + 2)
        size <<= 1;
    p->mask = size - 1;
    p->count = 0;
    p->slots = calloc(size, sizeof *p->slots);
    if (!p->slots)
        return -1;
    for (size_t i = 0; i < t->count; i++) {
        people_add(p, t->recs[i].bsn);
        if (t->recs[i].code == TC_OF)
            people_add(p, t->recs[i].arg);
    }
    return 0;
}

/* A person's latest and previous codes, 80 bits each as two words, and
 * the family booking (its book_group record + 1) that gave them their
 * latest, 0 when their own call did: a family moved by any member gives
 * every member who is still with it the new code. */
typedef struct codes {
    _Atomic uint64_t latest[2], previous[2];
    _Atomic uint32_t family;
} codes;

static void
code_pack(const char *text, uint64_t out[2])
{
    out[0] = out[1] = 0;
    int n = 0;
    for (const char *c = text; *c && n < 16; c++) {
        int v = symbol_value(*c);
        if (v < 0)
            continue;
        out[n / 8] = out[n / 8] << 5 | (uint64_t)v;
        n++;
    }
    out[0] |= UINT64_C(1) << 40; /* marks "has a code" */
}

static void
code_unpack(const uint64_t in[2], char out[SB_CODE_SIZE])
{
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        out[o++] = ALPHABET[(in[i / 8] >> (35 - 5 * (i % 8))) & 31u];
    }
    out[o] = '\0';
}

static void
code_store(codes *c, const char *text)
{
    uint64_t v[2];
    code_pack(text, v);
    for (int i = 0; i < 2; i++) {
        atomic_store_explicit(&c->previous[i],
                              atomic_load_explicit(&c->latest[i], memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&c->latest[i], v[i], memory_order_relaxed);
    }
}

/* The code a verify or redeem presents (who: the code's owner, from the
 * plan); false when there is none to show. */
static bool
code_for(codes *all, uint32_t who, const sb_trace_rec *r, char out[SB_CODE_SIZE])
{
    uint64_t v[2];
    if (r->code == TC_FORGED) {
        uint64_t s = r->arg * UINT64_C(0x9e3779b97f4a7c15) + 1;
        v[0] = s & ((UINT64_C(1) << 40) - 1);
        v[1] = (s * UINT64_C(0xbf58476d1ce4e5b9)) >> 24;
        code_unpack(v, out);
        return true;
    }
    if (who == UINT32_MAX)
        return false;
    _Atomic uint64_t *src = r->code == TC_OLD ? all[who].previous : all[who].latest;
    v[0] = atomic_load_explicit(&src[0], memory_order_relaxed);
    v[1] = atomic_load_explicit(&src[1], memory_order_relaxed);
    if (!(v[0] >> 40))
        return false;
    code_unpack(v, out);
    if (r->code == TC_MUTATED) {
        int pos = (int)(r->arg % 16u), at = pos + pos / 4;
        int cur = symbol_value(out[at]);
        out[at] = ALPHABET[((cur > 0 ? cur : 0) + 1 + (int)((r->arg / 16u) % 31u)) % 32];
    }
    return true;
}

/* ---- the plan: who replays what ---------------------------------------------- */

static bool
is_admin(unsigned op)
{
    return op == TOP_OPEN || op == TOP_CLOSE || op == TOP_RELEASE || op == TOP_STOCK;
}

/* A segment: a run of administration records, then the people's records up
 * to the next administration record. */
typedef struct segment {
    size_t admin_begin, admin_end; /* record indices */
    size_t *mine_end;              /* per thread: end offset in its own list */
} segment;

typedef struct plan {
    uint32_t *owner; /* per record: the person whose code it makes or shows (a member
                        record: the member) */
    uint8_t *bucket; /* per record: its timeline bucket */
    size_t nseg;
    segment *seg;
    size_t **mine; /* per thread: record indices, in order */
    size_t *nmine;
    size_t *seg_ends; /* nseg * threads */
    size_t members;   /* member records: no call of their own */
} plan;

static void
plan_free(plan *p, unsigned threads)
{
    if (p->mine)
        for (unsigned i = 0; i < threads; i++)
            free(p->mine[i]);
    free(p->mine);
    free(p->nmine);
    free(p->seg);
    free(p->seg_ends);
    free(p->owner);
    free(p->bucket);
}

static uint32_t
key_root(uint32_t *parent, uint32_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* Per person the BSN whose hash picks their thread: their own, or for the
 * members of a family (of any family linked to theirs by a shared member)
 * the same one, so that a family's calls keep their order. */
static uint32_t *
thread_keys(const sb_trace *t, const people *pp, const uint32_t *owner)
{
    uint32_t *parent = malloc(((size_t)pp->count + 1) * sizeof *parent);
    uint32_t *key = calloc((size_t)pp->count + 1, sizeof *key);
    if (!parent || !key) {
        free(parent);
        free(key);
        return NULL;
    }
    for (uint32_t i = 0; i <= pp->count; i++)
        parent[i] = i;
    for (size_t i = 0; i < t->count; i++) {
        if (t->recs[i].bsn != 0)
            key[people_index(pp, t->recs[i].bsn)] = t->recs[i].bsn;
        if (t->recs[i].op == TOP_MEMBER)
            parent[key_root(parent, owner[i])] = key_root(parent, owner[i - 1]);
    }
    for (uint32_t i = 0; i < pp->count; i++)
        key[i] = key[key_root(parent, i)];
    free(parent);
    return key;
}

static int
plan_build(plan *p, const sb_trace *t, const people *pp, unsigned threads)
{
    memset(p, 0, sizeof *p);
    p->owner = malloc((t->count + 1) * sizeof *p->owner);
    p->bucket = malloc(t->count + 1);
    if (!p->owner || !p->bucket)
        return -1;
    uint64_t span = t->count ? t->recs[t->count - 1].t_ms : 0;
    _Static_assert(SB_REPLAY_BUCKETS <= 256, "a bucket number fits a byte");
    for (size_t i = 0; i < t->count; i++) {
        const sb_trace_rec *r = &t->recs[i];
        p->owner[i] = people_index(pp, r->code == TC_OF ? r->arg : r->bsn);
        p->bucket[i] = (uint8_t)((double)r->t_ms / (double)(span + 1) * SB_REPLAY_BUCKETS);
    }
    size_t nseg = 1;
    for (size_t i = 1; i < t->count; i++)
        nseg += is_admin(t->recs[i].op) && !is_admin(t->recs[i - 1].op);
    p->seg = calloc(nseg, sizeof *p->seg);
    p->seg_ends = calloc(nseg * threads, sizeof *p->seg_ends);
    p->mine = calloc(threads, sizeof *p->mine);
    p->nmine = calloc(threads, sizeof *p->nmine);
    uint32_t *key = thread_keys(t, pp, p->owner);
    if (!p->seg || !p->seg_ends || !p->mine || !p->nmine || !key) {
        free(key);
        return -1;
    }
    for (unsigned i = 0; i < threads; i++)
        if (!(p->mine[i] = malloc((t->count + 1) * sizeof **p->mine))) {
            free(key);
            return -1;
        }
    size_t s = 0, i = 0;
    while (i < t->count) {
        segment *g = &p->seg[s];
        g->mine_end = &p->seg_ends[s * threads];
        g->admin_begin = i;
        while (i < t->count && is_admin(t->recs[i].op))
            i++;
        g->admin_end = i;
        for (; i < t->count && !is_admin(t->recs[i].op); i++) {
            const sb_trace_rec *r = &t->recs[i];
            if (r->op == TOP_MEMBER) { /* replayed with its book_group */
                p->members++;
                continue;
            }
            uint32_t k = r->bsn ? key[people_index(pp, r->bsn)] : 0;
            unsigned who = (unsigned)((k ? mix(k) >> 7 : i) % threads);
            p->mine[who][p->nmine[who]++] = i;
        }
        for (unsigned k = 0; k < threads; k++)
            g->mine_end[k] = p->nmine[k];
        s++;
    }
    p->nseg = s;
    free(key);
    return 0;
}

/* ---- threads ---------------------------------------------------------------- */

/* A barrier that spins (then yields) instead of sleeping: replay threads
 * meet at every administration record, and a futex sleep and wake-up costs
 * tens of microseconds on a virtual machine, time that would count against
 * both engines alike. */
typedef struct spin_barrier {
    _Atomic unsigned waiting;
    _Atomic unsigned generation;
    unsigned threads;
} spin_barrier;

static void
spin_barrier_wait(spin_barrier *b)
{
    unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->waiting, 1, memory_order_acq_rel) + 1 == b->threads) {
        atomic_store_explicit(&b->waiting, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->generation, 1, memory_order_release);
        return;
    }
    for (unsigned spins = 0; atomic_load_explicit(&b->generation, memory_order_acquire) == gen;
         spins++)
        if (spins > 1000)
            sched_yield();
}

typedef struct shared {
    const sb_trace *t;
    const sb_driver *d;
    void *h;
    const sb_replay_opts *o;
    plan plan;
    people people;
    codes *codes;
    spin_barrier barrier;
    uint64_t clock_base; /* ms of the trace's t = 0 */
    _Atomic uint64_t done;
    uint64_t wall_start_ns;
    double ns_per_tick;
} shared;

typedef struct local {
    shared *sh;
    unsigned id;
    uint64_t seen_ms;
    uint64_t skipped;
    uint64_t op_calls[TOP_COUNT];
    uint64_t outcomes[TOP_COUNT][32];
    sb_hist latency[TOP_COUNT];
    sb_replay_bucket timeline[SB_REPLAY_BUCKETS];
} local;

/* The trace time of the record this thread replays.  Each thread has its
 * own, so moving the clock shares no cache line between threads; the engine
 * keeps the largest time any thread showed it, as it does with a real clock. */
static _Thread_local uint64_t thread_trace_ms;

static uint64_t
replay_clock(void *ctx)
{
    const shared *sh = ctx;
    return sh->clock_base + thread_trace_ms;
}

static void
clock_forward(local *l, uint64_t t)
{
    if (t > l->seen_ms)
        thread_trace_ms = l->seen_ms = t;
}

static void
pace(local *l, uint64_t t)
{
    const sb_replay_opts *o = l->sh->o;
    if (o->pace <= 0)
        return;
    uint64_t due = l->sh->wall_start_ns + (uint64_t)((double)t / o->pace * 1e6);
    uint64_t now = mono_ns();
    if (due > now) {
        struct timespec ts = {(time_t)((due - now) / 1000000000u),
                              (long)((due - now) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

/* A book_group record and its members: one call.  On SB_OK every member
 * keeps the family's code, linked to the family. */
static sb_status
call_group(shared *sh, size_t index, char code[SB_CODE_SIZE])
{
    const sb_trace_rec *r = &sh->t->recs[index];
    const uint32_t *owner = sh->plan.owner;
    uint32_t bsns[SB_FAMILY_MAX];
    unsigned blocker, n = r->arg;
    for (unsigned k = 0; k < n; k++)
        bsns[k] = r[k].bsn;
    sb_slot slot = {.location = r->location, .window = r->window, .day = r->day};
    sb_status st = sh->d->book_group(sh->h, bsns, n, slot, code, &blocker);
    for (unsigned k = 0; st == SB_OK && k < n; k++) {
        if (owner[index + k] == UINT32_MAX)
            continue;
        code_store(&sh->codes[owner[index + k]], code);
        atomic_store_explicit(&sh->codes[owner[index + k]].family, (uint32_t)index + 1u,
                              memory_order_relaxed);
    }
    return st;
}

/* A new code of the person's own (book, confirm, reschedule).  A reschedule
 * by a family's member moved the whole family: the members still with it
 * get the new code too. */
static void
own_code(shared *sh, const sb_trace_rec *r, uint32_t who, const char *code)
{
    if (who == UINT32_MAX)
        return;
    code_store(&sh->codes[who], code);
    uint32_t f = atomic_load_explicit(&sh->codes[who].family, memory_order_relaxed);
    if (r->op != TOP_RESCHEDULE || f == 0) {
        atomic_store_explicit(&sh->codes[who].family, 0, memory_order_relaxed);
        return;
    }
    const sb_trace_rec *group = &sh->t->recs[f - 1];
    for (uint32_t k = 0; k < group->arg; k++) {
        uint32_t m = sh->plan.owner[f - 1 + k];
        if (m != who && m != UINT32_MAX &&
            atomic_load_explicit(&sh->codes[m].family, memory_order_relaxed) == f)
            code_store(&sh->codes[m], code);
    }
}

static sb_status
call(local *l, size_t index, bool *skipped)
{
    shared *sh = l->sh;
    const sb_driver *d = sh->d;
    const sb_trace_rec *r = &sh->t->recs[index];
    uint32_t owner = sh->plan.owner[index];
    sb_slot slot = {.location = r->location, .window = r->window, .day = r->day};
    char code[SB_CODE_SIZE];
    sb_booking b;
    sb_slot_info info;
    sb_status st;
    switch (r->op) {
    case TOP_RESERVE:
        return d->reserve(sh->h, r->bsn, slot);
    case TOP_CONFIRM:
    case TOP_BOOK:
    case TOP_RESCHEDULE:
        st = r->op == TOP_BOOK         ? d->book(sh->h, r->bsn, slot, code)
             : r->op == TOP_RESCHEDULE ? d->reschedule(sh->h, r->bsn, slot, code)
                                       : d->confirm(sh->h, r->bsn, code);
        if (st == SB_OK)
            own_code(sh, r, owner, code);
        return st;
    case TOP_BOOK_GROUP:
        return call_group(sh, index, code);
    case TOP_WAIT:
        return d->wait(sh->h, r->bsn, r->location, r->day, (int32_t)((int64_t)r->day + r->arg));
    case TOP_CANCEL:
        return d->cancel(sh->h, r->bsn);
    case TOP_LOOKUP:
        return d->lookup(sh->h, r->bsn, &b);
    case TOP_VERIFY:
    case TOP_REDEEM:
        if (!code_for(sh->codes, owner, r, code)) {
            *skipped = true;
            return SB_OK;
        }
        return r->op == TOP_VERIFY ? d->verify(sh->h, code, r->bsn, &b)
                                   : d->redeem(sh->h, code, r->bsn);
    case TOP_RELEASE:
        return d->release(sh->h, slot, r->arg);
    case TOP_STOCK:
        return d->stock_add(sh->h, r->location, r->arg);
    case TOP_OPEN:
        return d->location_open(sh->h, r->location);
    case TOP_CLOSE:
        return d->location_close(sh->h, r->location);
    case TOP_SLOT_READ:
        return d->slot_read(sh->h, slot, &info);
    case TOP_NEXT_FREE:
        return d->next_free(sh->h, r->location, r->day, &slot);
    default:
        d->expire(sh->h);
        return SB_OK;
    }
}

static void
replay_one(local *l, size_t index)
{
    const sb_trace_rec *r = &l->sh->t->recs[index];
    clock_forward(l, r->t_ms);
    pace(l, r->t_ms);
    bool skipped = false;
    uint64_t t0 = ticks();
    sb_status st = call(l, index, &skipped);
    uint64_t dt = ticks() - t0;
    if (skipped) {
        l->skipped++;
        return;
    }
    uint64_t ns = (uint64_t)((double)dt * l->sh->ns_per_tick);
    unsigned op = r->op;
    l->op_calls[op]++;
    l->outcomes[op][(unsigned)st < 32 ? st : 31]++;
    sb_hist_record(&l->latency[op], ns);
    sb_replay_bucket *b = &l->timeline[l->sh->plan.bucket[index]];
    b->calls++;
    b->busy_ns += ns;
    b->ok += st == SB_OK;
    b->full += st == SB_FULL;
    b->duplicate += st == SB_DUPLICATE;
    b->other += st != SB_OK && st != SB_FULL && st != SB_DUPLICATE;
}

static void
progress(local *l, size_t n)
{
    shared *sh = l->sh;
    uint64_t done = atomic_fetch_add_explicit(&sh->done, n, memory_order_relaxed) + n;
    if (l->id == 0 && sh->o->progress)
        fprintf(stderr, "\r  %s: %5.1f%% of %zu records", sh->d->name,
                100.0 * (double)(done + sh->plan.members) /
                    (double)(sh->t->count ? sh->t->count : 1),
                sh->t->count);
}

static void *
worker(void *arg)
{
    local *l = arg;
    shared *sh = l->sh;
    size_t pos = 0;
    for (size_t s = 0; s < sh->plan.nseg; s++) {
        const segment *g = &sh->plan.seg[s];
        spin_barrier_wait(&sh->barrier);
        if (l->id == 0)
            for (size_t i = g->admin_begin; i < g->admin_end; i++)
                replay_one(l, i);
        spin_barrier_wait(&sh->barrier);
        size_t end = g->mine_end[l->id], batch = 0;
        for (; pos < end; pos++) {
            replay_one(l, sh->plan.mine[l->id][pos]);
            if (++batch == 65536) {
                progress(l, batch);
                batch = 0;
            }
        }
        progress(l, batch + (l->id == 0 ? g->admin_end - g->admin_begin : 0));
    }
    return NULL;
}

/* ---- the run ---------------------------------------------------------------- */

static int
failure(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

static void
merge(sb_replay_result *out, const local *l)
{
    out->skipped += l->skipped;
    for (unsigned op = 0; op < TOP_COUNT; op++) {
        out->op_calls[op] += l->op_calls[op];
        out->calls += l->op_calls[op];
        for (unsigned s = 0; s < 32; s++)
            out->outcomes[op][s] += l->outcomes[op][s];
        sb_hist_merge(&out->latency[op], &l->latency[op]);
        sb_hist_merge(&out->all, &l->latency[op]);
    }
    for (unsigned b = 0; b < SB_REPLAY_BUCKETS; b++) {
        sb_replay_bucket *x = &out->timeline[b];
        const sb_replay_bucket *y = &l->timeline[b];
        x->calls += y->calls;
        x->ok += y->ok;
        x->full += y->full;
        x->duplicate += y->duplicate;
        x->other += y->other;
        x->busy_ns += y->busy_ns;
    }
}

static int
run_threads(shared *sh, sb_replay_result *out, char *err, size_t err_size)
{
    unsigned n = sh->o->threads;
    local *ls = calloc(n, sizeof *ls);
    pthread_t *ts = calloc(n, sizeof *ts);
    if (!ls || !ts) {
        free(ls);
        free(ts);
        return failure(err, err_size, "out of memory for %u threads", n);
    }
    sh->barrier = (spin_barrier){.threads = n};
    sh->wall_start_ns = mono_ns();
    for (unsigned i = 0; i < n; i++) {
        ls[i].sh = sh;
        ls[i].id = i;
        for (unsigned op = 0; op < TOP_COUNT; op++)
            sb_hist_init(&ls[i].latency[op]);
        pthread_create(&ts[i], NULL, worker, &ls[i]);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(ts[i], NULL);
    out->seconds = (double)(mono_ns() - sh->wall_start_ns) / 1e9;
    if (sh->o->progress)
        fputc('\n', stderr);
    for (unsigned i = 0; i < n; i++)
        merge(out, &ls[i]);
    free(ls);
    free(ts);
    return 0;
}

/* ---- the journal ------------------------------------------------------------ */

/* A journal needs a code key (a recovered engine's codes verify only with
 * the key that made them): a fixed one per trace seed, so that the engine
 * reopened from the journal has the key of the run that wrote it. */
static void
journal_key(const sb_trace *t, uint8_t key[32])
{
    rng r = {t->shape.seed ^ UINT64_C(0x736c6f74626f6f6b)};
    for (int i = 0; i < 32; i += 8) {
        uint64_t v = rnext(&r);
        memcpy(key + i, &v, 8);
    }
}

/* With o's journal: d must keep one, and every run starts from an empty
 * journal: one left by an earlier run would be recovered (or refused as
 * another engine's) instead.  Its ".tmp" sibling (a checkpoint cut short)
 * goes too.  0, or -1 with err. */
static int
journal_prepare(const sb_driver *d, const sb_replay_opts *o, char *err, size_t err_size)
{
    if (!o->journal)
        return 0;
    if (!d->journal_read)
        return failure(err, err_size, "%s keeps no journal", d->name);
    const char *path = o->journal;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return failure(err, err_size, "journal path too long: %s", path);
    if (unlink(path) != 0 && errno != ENOENT)
        return failure(err, err_size, "cannot remove the stale journal %s: %s", path,
                       strerror(errno));
    if (unlink(tmp) != 0 && errno != ENOENT)
        return failure(err, err_size, "cannot remove %s: %s", tmp, strerror(errno));
    return 0;
}

/* Reopens the engine from the journal the run left (opts as the run's),
 * and records how long recovery took and what came back.  The replay's
 * clock shows the trace's start, which is fine: holds are not recovered. */
static void
journal_recover(const sb_driver *d, const sb_options *opts, sb_replay_result *out)
{
    void *h = NULL;
    uint64_t t0 = mono_ns();
    out->reopen = d->open(opts, &h);
    out->reopen_ns = mono_ns() - t0;
    if (out->reopen != SB_OK) {
        snprintf(out->recovery_msg, sizeof out->recovery_msg, "%s", sb_last_error());
        return;
    }
    d->journal_read(h, &out->recovery);
    out->recovered_audit =
        d->audit(h, &out->recovered_report, out->recovery_msg, sizeof out->recovery_msg);
    d->close(h);
}

/* ---- the engine's options, and the run -------------------------------------- */

/* The options of an engine of t's shape, on the replay's clock of sh (set
 * by the caller when sh is NULL). */
static void
engine_options(const sb_trace *t, const sb_replay_opts *o, shared *sh, sb_options *opts)
{
    sb_options_init(opts);
    opts->max_locations = t->shape.locations;
    opts->first_day = t->shape.first_day;
    opts->days = t->shape.days;
    opts->windows_per_day = (uint16_t)t->shape.windows;
    opts->max_people = t->shape.max_people;
    opts->hold_ms = t->shape.hold_ms;
    opts->release_delay_ms = t->shape.release_delay_ms;
    opts->max_changes = t->shape.max_changes;
    opts->use_stock = (uint8_t)t->shape.use_stock;
    opts->max_families = t->shape.max_families;
    opts->max_waiting = t->shape.max_waiting;
    opts->clock_ms = replay_clock;
    opts->clock_ctx = sh;
    if (o->journal) {
        opts->journal = o->journal;
        opts->durable = o->durable;
        journal_key(t, opts->code_key);
    }
}

/* Opens d's engine with opts: 0, or -1 with err (and *h NULL). */
static int
engine_open(const sb_driver *d, const sb_options *opts, void **h, char *err, size_t err_size)
{
    sb_status st = d->open(opts, h);
    if (st == SB_OK)
        return 0;
    *h = NULL;
    return failure(err, err_size, "%s: open: %s%s%s", d->name, sb_status_str(st),
                   opts->journal ? ": " : "", opts->journal ? sb_last_error() : "");
}

/* The start of every replay: *out zeroed, and the replay's state for t, d
 * and o; NULL with err when o asks for no thread or too many, or out of
 * memory. */
static shared *
replay_start(const sb_trace *t, const sb_driver *d, const sb_replay_opts *o, sb_replay_result *out,
             char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    out->engine = d->name;
    sb_hist_init(&out->all);
    for (unsigned op = 0; op < TOP_COUNT; op++)
        sb_hist_init(&out->latency[op]);
    if (o->threads == 0 || o->threads > 1024) {
        failure(err, err_size, "threads must be 1 to 1024");
        return NULL;
    }
    shared *sh = calloc(1, sizeof *sh);
    if (!sh) {
        failure(err, err_size, "out of memory");
        return NULL;
    }
    sh->t = t;
    sh->d = d;
    sh->o = o;
    return sh;
}

/* The plan, the people and their code store built.  0, or -1 with err. */
static int
replay_prepare(shared *sh, sb_replay_result *out, char *err, size_t err_size)
{
    sh->ns_per_tick = tick_ns();
    if (people_build(&sh->people, sh->t) != 0 ||
        plan_build(&sh->plan, sh->t, &sh->people, sh->o->threads) != 0 ||
        !(sh->codes = calloc(sh->people.count + 1, sizeof *sh->codes)))
        return failure(err, err_size, "out of memory for the replay plan");
    out->people = sh->people.count;
    out->members = sh->plan.members;
    /* Touch the code store now, so its pages are not counted as the engine's
     * (volatile: a compiler may drop a memset of fresh calloc'd memory). */
    volatile char *page = (volatile char *)sh->codes;
    for (size_t b = 0; b < (sh->people.count + 1) * sizeof *sh->codes; b += 4096)
        page[b] = 0;
    return 0;
}

static void
replay_free(shared *sh)
{
    free(sh->codes);
    free(sh->people.slots);
    plan_free(&sh->plan, sh->o->threads);
    free(sh);
}

int
sb_replay_run(const sb_trace *t, const sb_driver *d, const sb_replay_opts *o, sb_replay_result *out,
              char *err, size_t err_size)
{
    shared *sh = replay_start(t, d, o, out, err, err_size);
    if (!sh)
        return -1;
    if (journal_prepare(d, o, err, err_size) != 0) {
        replay_free(sh);
        return -1;
    }
    sh->clock_base = (uint64_t)t->shape.first_day * 86400000u;
    int rc = -1;
    if (replay_prepare(sh, out, err, err_size) != 0)
        goto done;
    sb_options opts;
    engine_options(t, o, sh, &opts);
    allocator_purge();
    uint64_t rss0 = sb_replay_rss_bytes();
    if (engine_open(d, &opts, &sh->h, err, err_size) != 0)
        goto done;
    rc = run_threads(sh, out, err, err_size);
    uint64_t rss1 = sb_replay_rss_bytes();
    out->rss_bytes = rss1 > rss0 ? rss1 - rss0 : 0;
    out->audit = d->audit(sh->h, &out->report, out->audit_msg, sizeof out->audit_msg);
    if (o->journal) {
        /* In batch mode the last calls' records may still wait for the
         * writer, uncounted: count them once they are on disk. */
        if (d->sync(sh->h) != SB_OK && rc == 0)
            rc = failure(err, err_size, "%s: sb_sync: %s", d->name, sb_last_error());
        d->journal_read(sh->h, &out->journal);
    }
    d->close(sh->h);
    if (o->journal && rc == 0)
        journal_recover(d, &opts, out);
done:
    replay_free(sh);
    return rc;
}

/* ---- a long-lived engine (the soak) ----------------------------------------- */

/* The clock of a long-lived engine: the caller's origin, moved between
 * cycles, plus the trace time this thread replays (0 in a thread that
 * replays nothing). */
static uint64_t
engine_clock(void *ctx)
{
    const sb_replay_engine *x = ctx;
    return x->clock_base_ms + thread_trace_ms;
}

int
sb_replay_engine_open(sb_replay_engine *x, const sb_trace *t, const sb_driver *d,
                      const sb_replay_opts *o, void (*overrides)(sb_options *), char *err,
                      size_t err_size)
{
    memset(x, 0, sizeof *x);
    x->d = d;
    x->clock_base_ms = (uint64_t)t->shape.first_day * 86400000u;
    if (journal_prepare(d, o, err, err_size) != 0)
        return -1;
    engine_options(t, o, NULL, &x->opts);
    x->opts.clock_ms = engine_clock;
    x->opts.clock_ctx = x;
    if (overrides)
        overrides(&x->opts);
    return engine_open(d, &x->opts, &x->h, err, err_size);
}

int
sb_replay_cycle(sb_replay_engine *x, const sb_trace *t, const sb_replay_opts *o,
                sb_replay_result *out, char *err, size_t err_size)
{
    shared *sh = replay_start(t, x->d, o, out, err, err_size);
    if (!sh)
        return -1;
    sh->h = x->h;
    sh->clock_base = x->clock_base_ms;
    int rc = replay_prepare(sh, out, err, err_size);
    if (rc == 0) {
        uint64_t rss0 = sb_replay_rss_bytes();
        rc = run_threads(sh, out, err, err_size);
        uint64_t rss1 = sb_replay_rss_bytes();
        out->rss_bytes = rss1 > rss0 ? rss1 - rss0 : 0;
        out->audit = x->d->audit(x->h, &out->report, out->audit_msg, sizeof out->audit_msg);
    }
    replay_free(sh);
    return rc;
}

void
sb_replay_engine_close(sb_replay_engine *x)
{
    if (x->h)
        x->d->close(x->h);
    x->h = NULL;
}
