/*
 * Crash: a child process runs a journalled surge (SB_DURABLE_SYNC) and is
 * killed with SIGKILL at a random moment; the parent then recovers the
 * journal itself and checks that nothing acknowledged was lost.
 *
 * Each round forks a child that opens the engine on a journal in a temp
 * directory kept across rounds (so it recovers every earlier round's
 * journal, and the checkpoints some rounds make), opens the locations and
 * tops up the slots' capacity, and runs WORKERS threads that book, reserve
 * and confirm, cancel, redeem and reschedule.  Each person is owned by one
 * thread, which knows the person's state exactly and so expects exactly
 * the statuses that state allows.  Around every call the thread writes a
 * fixed-size record to a pipe: an intent before the call, and its outcome
 * (status, and the code on SB_OK) after it returned, so an outcome SB_OK
 * is an acknowledged call.  In some rounds the child's main thread takes
 * checkpoints meanwhile, so kills land in the middle of one too.
 *
 * The parent reads the pipe and at a moment drawn from the round's seed
 * (2 .. 300 ms after the child said it was ready, or in one round in eight
 * that long after the fork, which lands in recovery and setup) kills the
 * child, drains the pipe and reaps it.  It applies the acknowledged calls,
 * in pipe order, to its model of every person: the pipe order is each
 * owner's program order.  A thread whose last record is an intent had that
 * one call in flight: it may or may not have taken effect.  So, after the
 * parent opens the journal with the same options, every person must be in
 * the model's state, or (for the one person of each thread with a call in
 * flight) in the state that call leads to:
 *   none (or a hold: holds are not journalled) -> sb_lookup SB_NOT_FOUND;
 *   booked    -> sb_lookup BOOKED in the slot, its code verifies SB_OK;
 *   redeemed  -> sb_lookup REDEEMED in the slot, its code answers SB_USED;
 * and always: the last code cancelled (or moved away from) answers
 * SB_CANCELLED, a live code presented with another BSN SB_WRONG_HOLDER.
 * Then per slot booked and redeemed equal the people the model puts there
 * and nobody holds; sb_audit passes.  The model takes the state found (a
 * code issued by a call in flight is unknown, so its owner never redeems
 * it), half the rounds the parent checkpoints, and the next round's child
 * inherits the model through fork().
 *
 * SB_CRASH_ROUNDS sets the rounds (default 30); SB_STRESS_SEED repeats a
 * run's round seeds; `crash_test SEED` runs the one round SEED from a
 * fresh journal.  The kill moment is wall time, so a replay is close, not
 * exact.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

#define WORKERS 4
#define PEOPLE 4096 /* person i belongs to thread i % WORKERS */
#define LOCATIONS 8
#define DAYS 20
#define WINDOWS 2
#define NSLOTS (LOCATIONS * DAYS * WINDOWS)
#define FIRST_DAY 19174
#define MAX_PEOPLE 65536
#define TOP_UP_FREE 3 /* a slot with fewer free places at a round's start */
#define TOP_UP 6      /* gets this many more */
#define ROUNDS 30
#define KILL_MIN_US 2000
#define KILL_SPAN_US 298000
#define CHILD_LIMIT_S 20.0 /* a child never killed gives up */
#define READY_LIMIT_S 60.0 /* a child never ready fails the round */
#define ROUND_LIMIT_S 120  /* a round still running then hangs: the watchdog */

enum { P_NONE, P_HELD, P_BOOKED, P_REDEEMED };
enum { OP_BOOK, OP_RESERVE, OP_CONFIRM, OP_CANCEL, OP_REDEEM, OP_RESCHEDULE, OP_COUNT_ };
static const char *const op_name[OP_COUNT_] = {"book",   "reserve", "confirm",
                                               "cancel", "redeem",  "reschedule"};
static const char *const state_name[] = {"none", "held", "booked", "redeemed"};

typedef struct person {
    uint8_t state;
    uint8_t known;      /* code is known (a call in flight issued it otherwise) */
    uint8_t dead_known; /* dead is known */
    sb_slot slot;       /* HELD, BOOKED, REDEEMED */
    char code[SB_CODE_SIZE];
    char dead[SB_CODE_SIZE]; /* the last code cancelled or moved away from */
} person;

/* One record on the pipe: at most PIPE_BUF bytes, so each write is atomic. */
enum { M_READY = 1, M_INTENT, M_DONE };
typedef struct msg {
    uint8_t kind, thread, op, status;
    uint32_t person;
    uint32_t bsn;
    sb_slot slot;
    char code[SB_CODE_SIZE];
} msg;
_Static_assert(sizeof(msg) <= PIPE_BUF, "a record must be written atomically");

static uint32_t *bsns;
static person people[PEOPLE];
static const stress_grid grid = {.first_day = FIRST_DAY, .days = DAYS, .windows = WINDOWS};
static char dir[PATH_MAX], path[PATH_MAX + 16];

/* ---- the model -------------------------------------------------------------- */

static uint64_t
splitmix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The person after the call m answered SB_OK. */
static void
apply(person *p, const msg *m)
{
    switch (m->op) {
    case OP_BOOK:
    case OP_CONFIRM:
        p->state = P_BOOKED;
        if (m->op == OP_BOOK)
            p->slot = m->slot;
        memcpy(p->code, m->code, SB_CODE_SIZE);
        p->known = 1;
        break;
    case OP_RESERVE:
        p->state = P_HELD;
        p->slot = m->slot;
        break;
    case OP_CANCEL:
        if (p->state == P_BOOKED) {
            memcpy(p->dead, p->code, SB_CODE_SIZE);
            p->dead_known = p->known;
        }
        p->state = P_NONE;
        break;
    case OP_REDEEM:
        p->state = P_REDEEMED;
        break;
    case OP_RESCHEDULE:
        memcpy(p->dead, p->code, SB_CODE_SIZE);
        p->dead_known = p->known;
        p->slot = m->slot;
        memcpy(p->code, m->code, SB_CODE_SIZE);
        p->known = 1;
        break;
    }
}

/* The person if the call m in flight took effect: its code is unknown. */
static person
landed(const person *p, const msg *m)
{
    person q = *p;
    apply(&q, m);
    if (m->op == OP_BOOK || m->op == OP_CONFIRM || m->op == OP_RESCHEDULE)
        q.known = 0;
    return q;
}

/* Holds are not journalled: after a crash a held person holds nothing. */
static person
recovered(person p)
{
    if (p.state == P_HELD)
        p.state = P_NONE;
    return p;
}

static void
describe(const person *p, char *out, size_t n)
{
    snprintf(out, n, "%s slot %u/%d/%u code %s%s, old code %s", state_name[p->state],
             p->slot.location, p->slot.day, p->slot.window, p->state >= P_BOOKED ? p->code : "-",
             p->state >= P_BOOKED && !p->known ? " (unknown)" : "", p->dead_known ? p->dead : "-");
}

/* Whether the engine holds person i as x; what it holds goes to got. */
static int
matches(sb_engine *e, unsigned i, const person *x, char *got, size_t n)
{
    uint32_t bsn = bsns[i], stranger = bsns[(i + 1) % PEOPLE];
    int coded = x->state >= P_BOOKED && x->known;
    sb_booking b = {0};
    sb_status ls = sb_lookup(e, bsn, &b);
    sb_status cs = coded ? sb_verify(e, x->code, bsn, NULL) : SB_OK;
    sb_status ws = coded ? sb_verify(e, x->code, stranger, NULL) : SB_WRONG_HOLDER;
    sb_status ds = x->dead_known ? sb_verify(e, x->dead, bsn, NULL) : SB_CANCELLED;
    snprintf(got, n, "lookup %s (state %d slot %u/%d/%u), code %s, old code %s, code of another %s",
             sb_status_name(ls), ls == SB_OK ? (int)b.state : 0, b.slot.location, b.slot.day,
             b.slot.window, coded ? sb_status_name(cs) : "-",
             x->dead_known ? sb_status_name(ds) : "-", coded ? sb_status_name(ws) : "-");
    if (ds != SB_CANCELLED || ws != SB_WRONG_HOLDER)
        return 0;
    switch (x->state) {
    case P_BOOKED:
        return ls == SB_OK && b.state == SB_STATE_BOOKED && slots_equal(b.slot, x->slot) &&
               cs == SB_OK;
    case P_REDEEMED:
        return ls == SB_OK && b.state == SB_STATE_REDEEMED && slots_equal(b.slot, x->slot) &&
               cs == SB_USED;
    default:
        return ls == SB_NOT_FOUND;
    }
}

static void
fill_options(sb_options *o)
{
    sb_options_init(o);
    o->max_locations = LOCATIONS;
    o->first_day = FIRST_DAY;
    o->days = DAYS;
    o->windows_per_day = WINDOWS;
    o->max_people = MAX_PEOPLE;
    for (int k = 0; k < 32; k++)
        o->code_key[k] = (uint8_t)(0xa5 ^ (k * 7 + 1));
    o->journal = path;
    o->durable = SB_DURABLE_SYNC;
}

/* ---- the child ---------------------------------------------------------------- */

typedef struct worker {
    sb_engine *e;
    int fd;
    unsigned t;
    uint64_t rng;
    double until;
} worker;

static void
send_msg(int fd, const msg *m)
{
    for (;;) {
        ssize_t w = write(fd, m, sizeof *m);
        if (w == (ssize_t)sizeof *m)
            return;
        if (w < 0 && errno == EINTR)
            continue;
        _exit(4); /* the parent is gone */
    }
}

static void
child_fail(const msg *m, sb_status st, const char *state)
{
    fprintf(stderr, "child: thread %u: %s of bsn %u (%s) answered %s\n", m->thread, op_name[m->op],
            m->bsn, state, sb_status_name(st));
    _exit(2);
}

/* Whether st is a status op may answer to a person in state s; SB_OK is
 * always allowed where the worker calls it. */
static int
allowed(unsigned op, unsigned s, sb_status st)
{
    switch (op) {
    case OP_BOOK:
    case OP_RESCHEDULE:
        return st == SB_OK || st == SB_FULL;
    case OP_RESERVE:
        return st == SB_OK || st == SB_FULL || st == SB_NOMEM;
    case OP_CANCEL:
        return st == (s == P_REDEEMED ? SB_USED : SB_OK);
    default:
        return st == SB_OK;
    }
}

/* One call on the worker's person i, announced and reported on the pipe. */
static sb_status
call(worker *w, unsigned op, unsigned i, sb_slot slot)
{
    person *p = &people[i];
    msg m = {.kind = M_INTENT,
             .thread = (uint8_t)w->t,
             .op = (uint8_t)op,
             .person = i,
             .bsn = bsns[i],
             .slot = slot};
    memcpy(m.code, p->code, SB_CODE_SIZE);
    send_msg(w->fd, &m);
    char code[SB_CODE_SIZE] = {0};
    sb_status st = SB_INVALID_ARG;
    switch (op) {
    case OP_BOOK:
        st = sb_book(w->e, m.bsn, slot, code);
        break;
    case OP_RESERVE:
        st = sb_reserve(w->e, m.bsn, slot);
        break;
    case OP_CONFIRM:
        st = sb_confirm(w->e, m.bsn, code);
        break;
    case OP_CANCEL:
        st = sb_cancel(w->e, m.bsn);
        break;
    case OP_REDEEM:
        st = sb_redeem(w->e, p->code, m.bsn);
        break;
    case OP_RESCHEDULE:
        st = sb_reschedule(w->e, m.bsn, slot, code);
        break;
    }
    if (!allowed(op, p->state, st))
        child_fail(&m, st, state_name[p->state]);
    m.kind = M_DONE;
    m.status = (uint8_t)st;
    if (op == OP_BOOK || op == OP_CONFIRM || op == OP_RESCHEDULE)
        memcpy(m.code, code, SB_CODE_SIZE);
    send_msg(w->fd, &m);
    if (st == SB_OK)
        apply(p, &m);
    return st;
}

static void
one_person(worker *w)
{
    /* Redeemed people can do nothing more: mostly pick another. */
    unsigned i = w->t + WORKERS * rng_below(&w->rng, PEOPLE / WORKERS);
    for (int tries = 0; tries < 3 && people[i].state == P_REDEEMED; tries++)
        i = w->t + WORKERS * rng_below(&w->rng, PEOPLE / WORKERS);
    person *p = &people[i];
    sb_slot slot = grid_slot(&grid, rng_below(&w->rng, NSLOTS));
    unsigned r = rng_below(&w->rng, 100);
    switch (p->state) {
    case P_NONE:
        if (r < 50) {
            call(w, OP_BOOK, i, slot);
        } else if (call(w, OP_RESERVE, i, slot) == SB_OK) {
            call(w, r < 90 ? OP_CONFIRM : OP_CANCEL, i, p->slot);
        }
        break;
    case P_BOOKED:
        if (r < 30)
            call(w, OP_CANCEL, i, p->slot);
        else if (r < 36 && p->known)
            call(w, OP_REDEEM, i, p->slot);
        else
            call(w, OP_RESCHEDULE, i, grid_other_slot(&grid, NSLOTS, p->slot, &w->rng));
        break;
    case P_REDEEMED:
        call(w, OP_CANCEL, i, p->slot);
        break;
    default: /* a hold is always confirmed or cancelled at once */
        call(w, OP_CONFIRM, i, p->slot);
        break;
    }
}

static void *
child_work(void *arg)
{
    worker *w = arg;
    while (wall_seconds() < w->until)
        for (int k = 0; k < 16; k++)
            one_person(w);
    return NULL;
}

/* The engine as the parent left it: every person as the model says. */
static void
child_check(sb_engine *e)
{
    char got[256], want[160];
    for (unsigned i = 0; i < PEOPLE; i++) {
        if (!matches(e, i, &people[i], got, sizeof got)) {
            describe(&people[i], want, sizeof want);
            fprintf(stderr, "child: after reopening, bsn %u: expected %s, got %s\n", bsns[i], want,
                    got);
            _exit(2);
        }
    }
}

/* Opens every location and tops up the slots running short. */
static void
child_setup(sb_engine *e)
{
    for (uint16_t l = 0; l < LOCATIONS; l++) {
        sb_status st = sb_location_open(e, l);
        if (st != SB_OK) {
            fprintf(stderr, "child: location_open %u: %s\n", l, sb_status_name(st));
            _exit(2);
        }
    }
    for (unsigned k = 0; k < NSLOTS; k++) {
        sb_slot_info info;
        sb_status st = sb_slot_read(e, grid_slot(&grid, k), &info);
        if (st == SB_OK && info.free < TOP_UP_FREE)
            st = sb_release(e, grid_slot(&grid, k), TOP_UP);
        if (st != SB_OK) {
            fprintf(stderr, "child: top up of slot %u: %s\n", k, sb_status_name(st));
            _exit(2);
        }
    }
}

static void
child_main(int fd, uint64_t seed, int checkpoints)
{
    sb_options o;
    fill_options(&o);
    sb_engine *e;
    sb_status st = sb_open(&o, &e);
    if (st != SB_OK) {
        fprintf(stderr, "child: open: %s: %s\n", sb_status_name(st), sb_last_error());
        _exit(2);
    }
    child_check(e);
    child_setup(e);
    msg ready = {.kind = M_READY};
    send_msg(fd, &ready);

    static worker w[WORKERS];
    pthread_t t[WORKERS];
    double until = wall_seconds() + CHILD_LIMIT_S;
    for (unsigned k = 0; k < WORKERS; k++) {
        w[k] = (worker){.e = e, .fd = fd, .t = k, .rng = splitmix(seed + k + 1), .until = until};
        pthread_create(&t[k], NULL, child_work, &w[k]);
    }
    uint64_t rng = splitmix(seed ^ 0xc4ec);
    while (wall_seconds() < until) {
        struct timespec ts = {0, (long)(1 + rng_below(&rng, 20)) * 1000000L};
        nanosleep(&ts, NULL);
        if (checkpoints && (st = sb_checkpoint(e)) != SB_OK) {
            fprintf(stderr, "child: checkpoint: %s: %s\n", sb_status_name(st), sb_last_error());
            _exit(2);
        }
    }
    _exit(3); /* never killed */
}

/* ---- the parent ---------------------------------------------------------------- */

typedef struct totals {
    uint64_t kills, acks, calls, landed, lost, recovered, cut_bytes;
} totals;

static void
fail_round(int round, uint64_t seed, const char *what)
{
    fprintf(stderr, "FAIL round %d seed %llu: %s\n", round, (unsigned long long)seed, what);
    fprintf(stderr, "journal kept in %s\n", dir);
    fflush(stderr);
    exit(1);
}

typedef struct reader {
    unsigned char buf[64 * sizeof(msg)];
    size_t have;
    int ready;
    int inflight[WORKERS];
    msg last[WORKERS]; /* each thread's call in flight */
} reader;

static void
take_msg(reader *rd, const msg *m, totals *tot)
{
    if (m->kind == M_READY) {
        rd->ready = 1;
        return;
    }
    CHECK(m->thread < WORKERS && m->person < PEOPLE && m->op < OP_COUNT_ &&
              (m->kind == M_INTENT || m->kind == M_DONE),
          "a malformed record on the pipe (kind %u thread %u)", m->kind, m->thread);
    if (m->kind == M_INTENT) {
        rd->inflight[m->thread] = 1;
        rd->last[m->thread] = *m;
        return;
    }
    rd->inflight[m->thread] = 0;
    tot->calls++;
    if (m->status == SB_OK) {
        apply(&people[m->person], m);
        tot->acks++;
    }
}

/* Reads what the pipe has; 0 at its end. */
static int
read_some(int fd, reader *rd, totals *tot)
{
    ssize_t n = read(fd, rd->buf + rd->have, sizeof rd->buf - rd->have);
    if (n < 0)
        return errno == EINTR ? 1 : 0;
    if (n == 0)
        return 0;
    rd->have += (size_t)n;
    size_t k = 0;
    for (; k + sizeof(msg) <= rd->have; k += sizeof(msg)) {
        msg m;
        memcpy(&m, rd->buf + k, sizeof m);
        take_msg(rd, &m, tot);
    }
    memmove(rd->buf, rd->buf + k, rd->have - k);
    rd->have -= k;
    return 1;
}

/* Runs the child until the kill moment, kills it, drains the pipe and
 * reaps it. */
static void
run_child(int round, uint64_t seed, reader *rd, totals *tot)
{
    uint64_t rng = seed;
    double delay = (KILL_MIN_US + rng_below(&rng, KILL_SPAN_US)) / 1e6;
    int from_fork = rng_below(&rng, 8) == 0;
    int checkpoints = rng_below(&rng, 3) == 0;
    printf("round %d seed %llu: kill %.1f ms after %s%s\n", round, (unsigned long long)seed,
           delay * 1e3, from_fork ? "the fork" : "ready", checkpoints ? ", checkpoints" : "");
    fflush(stdout);
    fflush(stderr);
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], seed, checkpoints);
    }
    close(fds[1]);
    double start = wall_seconds(), deadline = from_fork ? start + delay : 0;
    int killed = 0, open = 1;
    while (open) {
        double now = wall_seconds();
        if (!deadline && rd->ready)
            deadline = now + delay;
        if (!killed && deadline && now >= deadline) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        if (!killed && !deadline && now - start > READY_LIMIT_S) {
            kill(pid, SIGKILL);
            fail_round(round, seed, "the child did not get ready in time");
        }
        double wait = killed ? 1.0 : deadline ? deadline - now : 0.05;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int n = ppoll(&pfd, 1, &ts, NULL);
        if (n > 0)
            open = read_some(fds[0], rd, tot);
    }
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    if (!killed || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        char what[128];
        snprintf(what, sizeof what, "the child ended on its own (%s %d) before the kill",
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        fail_round(round, seed, what);
    }
    CHECK(rd->have == 0, "a torn record on the pipe (%zu bytes)", rd->have);
    tot->kills++;
}

/* Every person as the model says, or as the one call in flight on them
 * makes them; the model follows what was found. */
static void
check_people(sb_engine *e, int round, uint64_t seed, const reader *rd, totals *tot)
{
    const msg *flying[PEOPLE] = {0};
    for (unsigned t = 0; t < WORKERS; t++)
        if (rd->inflight[t])
            flying[rd->last[t].person] = &rd->last[t];
    char got[256], want[2][160], what[768];
    for (unsigned i = 0; i < PEOPLE; i++) {
        person now = recovered(people[i]);
        if (matches(e, i, &now, got, sizeof got)) {
            if (flying[i])
                tot->lost++;
            people[i] = now;
            continue;
        }
        describe(&now, want[0], sizeof want[0]);
        if (flying[i]) {
            person then = recovered(landed(&people[i], flying[i]));
            if (matches(e, i, &then, got, sizeof got)) {
                tot->landed++;
                people[i] = then;
                continue;
            }
            describe(&then, want[1], sizeof want[1]);
        }
        matches(e, i, &now, got, sizeof got);
        snprintf(what, sizeof what, "bsn %u: expected %s%s%s%s%s, got %s", bsns[i], want[0],
                 flying[i] ? " or, if its " : "", flying[i] ? op_name[flying[i]->op] : "",
                 flying[i] ? " in flight landed, " : "", flying[i] ? want[1] : "", got);
        fail_round(round, seed, what);
    }
}

/* Per slot, the booked and redeemed people the model puts there; nobody
 * holds after recovery. */
static void
check_slots(sb_engine *e, int round, uint64_t seed)
{
    static uint32_t booked[NSLOTS], redeemed[NSLOTS];
    memset(booked, 0, sizeof booked);
    memset(redeemed, 0, sizeof redeemed);
    for (unsigned i = 0; i < PEOPLE; i++) {
        if (people[i].state == P_BOOKED)
            booked[grid_index(&grid, people[i].slot)]++;
        else if (people[i].state == P_REDEEMED)
            redeemed[grid_index(&grid, people[i].slot)]++;
    }
    for (unsigned k = 0; k < NSLOTS; k++) {
        sb_slot_info info;
        sb_status st = sb_slot_read(e, grid_slot(&grid, k), &info);
        if (st == SB_OK && info.held == 0 && info.booked == booked[k] &&
            info.redeemed == redeemed[k])
            continue;
        char what[256];
        snprintf(what, sizeof what,
                 "slot %u: %s, held %u, booked %u (expected %u), redeemed %u (expected %u)", k,
                 sb_status_name(st), info.held, info.booked, booked[k], info.redeemed, redeemed[k]);
        fail_round(round, seed, what);
    }
}

static void
check_round(int round, uint64_t seed, const reader *rd, totals *tot)
{
    sb_options o;
    fill_options(&o);
    sb_engine *e;
    sb_status st = sb_open(&o, &e);
    if (st != SB_OK) {
        char what[512];
        snprintf(what, sizeof what, "recovery: %s: %s", sb_status_name(st), sb_last_error());
        fail_round(round, seed, what);
    }
    sb_journal_info ji;
    CHECK(sb_journal_read(e, &ji) == SB_OK, "journal_read");
    tot->recovered += ji.recovered;
    tot->cut_bytes += ji.cut_bytes;
    check_people(e, round, seed, rd, tot);
    check_slots(e, round, seed);
    sb_audit_report r;
    char msg_[256];
    if ((st = sb_audit(e, &r, msg_, sizeof msg_)) != SB_OK) {
        char what[512];
        snprintf(what, sizeof what, "audit: %s: %s", sb_status_name(st), msg_);
        fail_round(round, seed, what);
    }
    if (splitmix(seed ^ 0xc0de) & 1) {
        if ((st = sb_checkpoint(e)) != SB_OK) {
            char what[512];
            snprintf(what, sizeof what, "checkpoint: %s: %s", sb_status_name(st), sb_last_error());
            fail_round(round, seed, what);
        }
    }
    sb_close(e);
}

/* A hang (the parent's recovery, a checkpoint, sb_close) fails the run
 * with a message instead of waiting for the harness's timeout. */
static void
hung(int sig)
{
    (void)sig;
    static const char m[] = "crash: a round hung (watchdog); the journal is left in place\n";
    if (write(2, m, sizeof m - 1) < 0)
        _exit(3);
    abort();
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* the seeds show even if a run aborts */
    const char *s = getenv("SB_CRASH_ROUNDS");
    int rounds = s && atoi(s) > 0 ? atoi(s) : ROUNDS;
    uint64_t base = stress_seed(), one = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
    if (argc > 1)
        rounds = 1;
    stress_make_dir(dir, sizeof dir, "sb-crash");
    snprintf(path, sizeof path, "%s/journal", dir);
    if (argc > 1)
        printf("crash: one round, seed %llu, journal %s\n", (unsigned long long)one, path);
    else
        printf("crash: %d rounds, base seed %llu, journal %s\n", rounds, (unsigned long long)base,
               path);
    signal(SIGALRM, hung);
    bsns = make_bsns(PEOPLE);
    totals tot = {0};
    double t0 = wall_seconds();
    for (int round = 1; round <= rounds; round++) {
        uint64_t seed = argc > 1 ? one : splitmix(base + (uint64_t)round);
        static reader rd;
        memset(&rd, 0, sizeof rd);
        alarm(ROUND_LIMIT_S); /* not inherited by the child */
        run_child(round, seed, &rd, &tot);
        check_round(round, seed, &rd, &tot);
    }
    unsigned booked = 0, redeemed = 0;
    for (unsigned i = 0; i < PEOPLE; i++) {
        booked += people[i].state == P_BOOKED;
        redeemed += people[i].state == P_REDEEMED;
    }
    printf("ok: %d rounds, %" PRIu64 " kills, %" PRIu64 " calls, %" PRIu64
           " acks checked, in flight %" PRIu64 " landed / %" PRIu64 " not, %" PRIu64
           " records recovered, %" PRIu64 " torn bytes cut; %u booked, %u redeemed; %.1f s\n",
           rounds, tot.kills, tot.calls, tot.acks, tot.landed, tot.lost, tot.recovered,
           tot.cut_bytes, booked, redeemed, wall_seconds() - t0);
    stress_remove_dir(dir);
    free(bsns);
    return 0;
}
