/* hsim shrink: delta debugging of a failing run down to a small one that
 * still fails the same way.
 *
 * A failure's signature is what must stay the same: the first violated
 * invariant's name, or for a crash the assertion and its place.  Starting
 * from the run's options, the shrinker tries, in order, keeping each change
 * that still fails with the same signature in no more events:
 *   1. fewer nodes (the smallest size that still fails, from 1 up);
 *   2. a shorter safety phase (the same schedule, cut);
 *   3. each fault class, workload and drawn option switched off or to its
 *      simplest value (loss, duplication, reordering, latency spikes and
 *      spread, partitions, crashes, crashes after writes, nodes kept down,
 *      clock drift and offset, disk write/read failures, torn writes,
 *      allocation failures, forged datagrams and streams, operator
 *      sessions, start spread, drawn SWIM settings), one join seed each;
 *   4. the SWIM settings: all at their defaults, then each moved toward
 *      the value that shortens the run (the suspicion multiplier, join
 *      backoff, gossip lifetime, reap delay, ping-req proxies and gossip
 *      retransmissions down; the push-pull, probe and reconnect periods up;
 *      the reconnect period also down to the probe period), by bisection;
 *   repeated while any of them changed something (each changes the drawn
 *   schedule), and then
 *   5. ddmin (Zeller) over the actions of the fault schedule: the smallest
 *      set of partitions, heals, crashes, restarts and leaves that still
 *      fails, as --keep-actions, and steps 2, 3 (those that keep the
 *      schedule) and 4 again.
 * Every candidate runs in a forked child (simsweep), so a crash is an
 * outcome, never the shrinker's end.  Runs and CPU time are capped. */
#ifndef SIMSHRINK_H_
#define SIMSHRINK_H_

#include <stdio.h>

#include "base.h"
#include "simopt.h"
#include "simsweep.h"

#define SIMSHRINK_RUNS_DEFAULT 3000u
#define SIMSHRINK_BUDGET_S_DEFAULT 600u /* the 10 CPU-minutes per shrink */

typedef struct {
    uint32_t max_runs;  /* candidate runs at most */
    uint64_t budget_ns; /* CPU time of the candidate runs at most */
    FILE *log;          /* one line per kept step (may be NULL) */
} simshrink_limits;

typedef struct {
    simopt first;           /* the failing run's options */
    simopt best;            /* the shrunk run's options */
    simopt_args best_args;  /* the fewest flags that give best */
    int32_t outcome;        /* simsweep_outcome: FAIL or CRASH */
    char signature[SIMSWEEP_DETAIL_MAX];
    char detail_first[SIMSWEEP_DETAIL_MAX];
    char detail_best[SIMSWEEP_DETAIL_MAX];
    uint64_t events_first;  /* the failing run's inputs up to its failure */
    uint64_t events_whole;  /* the failing run's inputs to its end, as a sweep ran it */
    uint64_t events_best;   /* the shrunk run's inputs up to its failure */
    uint64_t fail_ns;       /* simulated time of the shrunk run's failure */
    uint32_t actions_first; /* fault schedule actions */
    uint32_t actions_best;  /* drawn for the shrunk options */
    uint32_t actions_kept;  /* of those, kept by --keep-actions */
    uint32_t runs;
    uint64_t cpu_ns;
    bool budget_hit;        /* stopped by max_runs or budget_ns */
} simshrink_result;

/* Runs are measured as start->stop_at_violation says (hsim shrink sets
 * it: lengths up to the failure); events_whole is the failing run without
 * the stop.  HS_ERR_INVALID when start's options do not resolve or the run does not
 * fail (err says which); HS_ERR_NOMEM, or a fork failure's status. */
HS_MUST_USE hs_status simshrink_run(const simopt_args *start, const simshrink_limits *lim,
                                    simshrink_result *out, char *err, size_t err_cap);

/* The failure's signature in detail (a simsweep_result detail): the
 * invariant's name, or "assertion failed: EXPR at FILE:LINE". */
void simshrink_signature(int32_t outcome, const char *detail, char *out, size_t cap);

#endif /* SIMSHRINK_H_ */
