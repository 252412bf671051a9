/* The fault schedule: a list of timed actions drawn from the seed before
 * the run starts, so it can be printed, counted and replayed.
 *
 * Two independent timelines are drawn and merged by time (stable):
 * - partitions: after a gap of [every/2, 3*every/2] ms a partition of a
 *   kind enabled in partition_kinds starts (a symmetric split into two
 *   random non-empty groups, a one-way split, or one node isolated) and a
 *   heal follows after [len/2, 3*len/2] ms; partitions do not overlap;
 * - crashes: after a gap of [every/2, 3*every/2] ms a node that is up is
 *   crashed (at least one node always stays up) and restarted after
 *   [down/2, 3*down/2] ms, unless that falls past the safety phase.
 * Nothing is scheduled at or after end_ns: the liveness phase heals and
 * restarts on its own. */
#ifndef SIMSCHED_H_
#define SIMSCHED_H_

#include "base.h"
#include "rng.h"
#include "simopt.h"
#include "simset.h"

#define SIMSCHED_MAX 8192u

typedef enum {
    SIMSCHED_PARTITION = 0, /* symmetric: group_a and group_b cut both ways */
    SIMSCHED_ASYM,          /* one way: group_a sends to group_b, hears nothing back */
    SIMSCHED_ISOLATE,       /* node cut off both ways */
    SIMSCHED_HEAL,
    SIMSCHED_CRASH,
    SIMSCHED_RESTART,
    /* The operator stops a node gracefully: a LEAVE command (as hsnode's
     * SIGTERM gives it), the process exits after SIMSCHED_LEAVE_GRACE_MS,
     * and comes back at its RESTART like a crashed one. */
    SIMSCHED_LEAVE,
    SIMSCHED_KIND_COUNT
} simsched_kind;

/* hsnode's default leave_grace_ms (io_real/config.c). */
#define SIMSCHED_LEAVE_GRACE_MS 300u

typedef struct {
    uint64_t at_ns;
    uint8_t kind; /* simsched_kind */
    uint16_t node; /* isolate, crash, restart: node index (0-based) */
    simset group_a;
    simset group_b;
} simsched_action;

typedef struct {
    simsched_action *actions;
    uint32_t count;
    uint32_t cap;
    uint32_t drawn; /* actions drawn before --keep-actions dropped any */
} simsched;

HS_MUST_USE hs_status simsched_build(simsched *s, const simopt *o, uint64_t end_ns, rng *r);
void simsched_free(simsched *s);
const char *simsched_kind_name(uint32_t kind);
/* "partition {n1,n3} | {n2,n4}", "crash n2", ... */
size_t simsched_format(const simsched_action *a, char *out, size_t cap);

#endif /* SIMSCHED_H_ */
