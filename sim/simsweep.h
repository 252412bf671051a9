/* Seed sweeps and determinism checks, one forked child per run.
 *
 * Forking gives every run a fresh process: no state, global or heap, can
 * leak from one seed into the next, and a run that dies on an assertion or
 * a sanitizer report is recorded as a failure instead of ending the sweep.
 * Each child sends one fixed-size result back over a pipe. */
#ifndef SIMSWEEP_H_
#define SIMSWEEP_H_

#include <signal.h>
#include <stdio.h>

#include "base.h"
#include "probe.h"
#include "simopt.h"

#define SIMSWEEP_DETAIL_MAX 320u
#define SIMSWEEP_SEEDS_MAX 10000000u

typedef enum {
    SIMSWEEP_PASS = 0,
    SIMSWEEP_FAIL = 1,  /* an invariant failed */
    SIMSWEEP_CRASH = 2, /* the child died (assertion, sanitizer, signal) */
    SIMSWEEP_ERROR = 3, /* the run could not be set up */
} simsweep_outcome;

typedef struct {
    uint64_t seed;
    uint32_t run;
    int32_t outcome; /* simsweep_outcome */
    uint64_t events;
    uint64_t sim_ns;
    uint64_t hash;
    uint64_t violations;
    uint64_t probes[HS_PROBE_COUNT]; /* coverage probe hits (0 for a crashed run) */
    uint32_t done; /* set by the parent when the record arrived (0: never run) */
    uint32_t sched_drawn; /* fault schedule actions as drawn (hsim shrink) */
    char detail[SIMSWEEP_DETAIL_MAX];
} simsweep_result;

/* How a sweep or detcheck ended. */
typedef enum {
    SIMSWEEP_RAN_ALL = 0,
    SIMSWEEP_STOPPED = 1,     /* on_result asked to stop (--max-failures) */
    SIMSWEEP_INTERRUPTED = 2, /* *interrupt was set (SIGINT) */
} simsweep_stop;

/* What the caller sees while a sweep runs, in the parent process: on_result
 * is called with each record as its child reports (in completion order,
 * not seed order) and returns false to stop the sweep; the children still
 * running are then killed and their seeds are left not done.  interrupt
 * (may be NULL) is polled after every child: a SIGINT handler sets it, and
 * the wait it interrupts returns EINTR, so the sweep stops at once.  Each
 * child resets SIGINT to its default.  stop is written before return. */
typedef struct {
    bool (*on_result)(void *ctx, const simsweep_result *r);
    void *ctx;
    volatile sig_atomic_t *interrupt;
    simsweep_stop stop;
} simsweep_watch;

/* One run in this process; rolls (may be NULL) receives the rolling trace
 * hash after every event as little-endian u64s; perturb_event (0 = none)
 * goes to sim_set_perturb_event. */
void simsweep_run_seed(const simopt_args *a, uint64_t seed, FILE *rolls, uint64_t perturb_event,
                       simsweep_result *r);

/* The CPU seconds each child started from now on may use (0: no limit):
 * past it the kernel ends the child (SIGXCPU), which reports as a crash.
 * hsim shrink bounds every candidate by what is left of its budget. */
void simsweep_set_child_cpu_s(uint64_t seconds);

/* Runs seeds first..last (inclusive), jobs at a time.  results has
 * last - first + 1 entries, filled in seed order; an entry whose done is 0
 * was not run (the sweep stopped early).  watch may be NULL. */
HS_MUST_USE hs_status simsweep_sweep(const simopt_args *a, uint64_t first, uint64_t last,
                                     uint32_t jobs, simsweep_result *results,
                                     simsweep_watch *watch);

typedef struct {
    uint64_t seed;
    bool match;
    uint64_t hash[2];
    uint64_t events[2];
    int32_t outcome[2];
    uint32_t done;         /* both runs reported and were compared */
    uint64_t first_diff;   /* 1-based event index, 0 when they match */
    char where[2][2048];   /* trace of that event in each run */
} simsweep_detcheck_result;

/* Runs each seed twice, each in its own child, and compares the trace
 * hashes; a mismatch is localised to the first differing event.  watch
 * (may be NULL) gets each run's record as it arrives and, once both runs
 * of a seed are compared, on_seed (may be NULL) gets the seed's result and
 * returns false to stop; a seed left not done keeps done == 0 (results
 * must come zeroed, as from calloc).
 * perturb_event != 0 checks the checker: the second run of every seed
 * hashes one extra byte at that input (sim_set_perturb_event), so every
 * seed that reaches it must mismatch there. */
typedef bool (*simsweep_seed_fn)(void *ctx, const simsweep_detcheck_result *d);

HS_MUST_USE hs_status simsweep_detcheck(const simopt_args *a, uint64_t first, uint64_t last,
                                        uint32_t jobs, uint64_t perturb_event,
                                        simsweep_detcheck_result *results,
                                        simsweep_watch *watch, simsweep_seed_fn on_seed);

/* Parses "A..B" or "N". */
HS_MUST_USE hs_status simsweep_parse_range(const char *text, uint64_t *first, uint64_t *last);

#endif /* SIMSWEEP_H_ */
