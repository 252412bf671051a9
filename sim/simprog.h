/* What a long sweep shows while it runs and how its failures are summed up.
 *
 * The progress line (seeds done of total, failures so far, seeds per
 * second, estimated time left) is drawn on a terminal only: the caller
 * passes whether stderr is one (isatty), and a meter made for a pipe
 * never writes.  The line is rewritten in place with '\r' at most once
 * per SIMPROG_DRAW_NS, and erased before any other output (simprog_clear)
 * so failure lines printed as they are found never interleave with it.
 *
 * Failure groups sum up a sweep's failures by cause: the invariant that
 * failed, or the assertion a crashed run hit, with the count and the
 * first few seeds of each. */
#ifndef SIMPROG_H_
#define SIMPROG_H_

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIMPROG_DRAW_NS 250000000ull /* at most four redraws a second */
#define SIMPROG_LINE_MAX 160u
#define SIMPROG_KEY_MAX 200u
#define SIMPROG_GROUPS_MAX 32u
#define SIMPROG_GROUP_SEEDS 5u

typedef struct {
    const char *what; /* "sweep", "detcheck" */
    FILE *out;        /* where the line goes (stderr) */
    bool live;        /* out is a terminal: draw at all */
    bool drawn;       /* a line is on screen now */
    uint32_t total;
    uint32_t done;
    uint32_t failed;
    uint64_t start_ns;
    uint64_t last_draw_ns;
} simprog;

void simprog_init(simprog *p, const char *what, FILE *out, bool live, uint32_t total,
                  uint64_t now_ns);
/* Records the counts; redraws when live and SIMPROG_DRAW_NS have passed
 * since the last draw (or on the last seed). */
void simprog_update(simprog *p, uint32_t done, uint32_t failed, uint64_t now_ns);
/* Erases the line, if one is drawn, so other output starts at column 0. */
void simprog_clear(simprog *p);
/* The line's text without '\r': "sweep 12/100 seeds  1 failed  40.0 seeds/s  ETA 2 s". */
void simprog_format(const simprog *p, uint64_t now_ns, char *out, size_t cap);

typedef struct {
    char key[SIMPROG_KEY_MAX];
    uint32_t count;
    uint32_t nseeds;
    uint64_t seeds[SIMPROG_GROUP_SEEDS];
} simprog_group;

typedef struct {
    simprog_group g[SIMPROG_GROUPS_MAX];
    uint32_t n;
    uint32_t other; /* failures past SIMPROG_GROUPS_MAX distinct causes */
} simprog_groups;

/* The cause of one failed seed from its outcome (simsweep_outcome) and
 * detail: the invariant's name for a violation ("no_false_dead"), or
 * "crashed: assertion failed: EXPR at FILE:LINE" without the per-seed
 * time and input, so equal assertions group together. */
void simprog_failure_key(int32_t outcome, const char *detail, char *out, size_t cap);
/* Adds one failed seed; call in seed order so each group keeps its first seeds. */
void simprog_group_add(simprog_groups *g, const char *key, uint64_t seed);

#endif /* SIMPROG_H_ */
