/*
 * slotbook-gen: writes the trace of a named, seeded scenario (scenario.h),
 * binary or CSV by the output file's name.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"

static void
usage(FILE *f)
{
    fputs("usage: slotbook-gen SCENARIO -o FILE [options]\n"
          "\n"
          "Writes a surge trace for slotbook-replay.  SCENARIO is one of:\n"
          "  uniform   people each book once across people/places slots\n"
          "  surge     a release wave on a few slots hit by many attempts with retries\n"
          "  planner   the 2022 IND planner season: 7 locations, weekly waves with their\n"
          "            stickers, holds, cancels, moves to earlier days, desk verifies and\n"
          "            redeems, fraud, the September sticker outage, resellers stopped by\n"
          "            the change limit, families booked together (book_group) and people\n"
          "            on the waiting list (wait) served as places free up\n"
          "FILE ending in .csv is written as CSV (t_ms,op,bsn,location,day,window,code),\n"
          "anything else in the binary format (see bench/trace.h).\n"
          "\n"
          "options:\n"
          "  -o, --output FILE     where to write the trace (required)\n"
          "  -p, --people N        people (uniform 1000000, surge 200000, planner 42800)\n"
          "  -a, --attempts N      surge: calls in the wave (default 5 per person)\n"
          "  -s, --slots N         surge: slots in the wave (default 10)\n"
          "  -P, --places N        places per slot, per day for planner (default 100)\n"
          "  -r, --retry PERMILLE  surge: share of calls that are retries (default 800)\n"
          "  -f, --fraud PERMILLE  planner: share of desk visits with fraud (default 40)\n"
          "  -H, --hold-ms N       hold lifetime in ms (default 600000)\n"
          "  -S, --seed N          random seed (default 1)\n"
          "  -h, --help            this text\n",
          f);
}

static int
number(const char *s, uint64_t max, uint64_t *out)
{
    if (parse_count(s, 0, max, out) == 0)
        return 0;
    fprintf(stderr, "slotbook-gen: '%s' is not a number from 0 to %llu\n", s,
            (unsigned long long)max);
    return -1;
}

int
main(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, 0, 'o'},
                                          {"people", required_argument, 0, 'p'},
                                          {"attempts", required_argument, 0, 'a'},
                                          {"slots", required_argument, 0, 's'},
                                          {"places", required_argument, 0, 'P'},
                                          {"retry", required_argument, 0, 'r'},
                                          {"fraud", required_argument, 0, 'f'},
                                          {"hold-ms", required_argument, 0, 'H'},
                                          {"seed", required_argument, 0, 'S'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    sb_scenario_params p = {.seed = 1};
    const char *output = NULL;
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "o:p:a:s:P:r:f:H:S:h", longs, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'p':
            bad = number(optarg, 16000000, &v);
            p.people = (uint32_t)v;
            break;
        case 'a':
            bad = number(optarg, UINT64_C(1) << 30, &v);
            p.attempts = v;
            break;
        case 's':
            bad = number(optarg, 36600, &v);
            p.slots = (uint32_t)v;
            break;
        case 'P':
            bad = number(optarg, 1000000, &v);
            p.places = (uint32_t)v;
            break;
        case 'r':
            bad = number(optarg, 1000, &v);
            p.retry_permille = (uint32_t)v;
            break;
        case 'f':
            bad = number(optarg, 1000, &v);
            p.fraud_permille = (uint32_t)v;
            break;
        case 'H':
            bad = number(optarg, 2147483647u, &v);
            p.hold_ms = (uint32_t)v;
            break;
        case 'S':
            bad = number(optarg, UINT64_MAX, &v);
            p.seed = v;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (optind != argc - 1 || !output) {
        usage(stderr);
        return 2;
    }
    sb_trace t;
    char err[256];
    if (sb_scenario_generate(argv[optind], &p, &t, err, sizeof err) != 0) {
        fprintf(stderr, "slotbook-gen: %s\n", err);
        return 1;
    }
    int rc = sb_trace_write(output, &t, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "slotbook-gen: %s\n", err);
    else
        fprintf(stderr, "slotbook-gen: %s: %zu records (%s, seed %llu)\n", output, t.count,
                t.shape.scenario, (unsigned long long)t.shape.seed);
    sb_trace_free(&t);
    return rc ? 1 : 0;
}
