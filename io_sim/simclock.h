/* Simulated per-node clock: a fixed offset and a linear drift over the
 * simulator's global time.
 *
 *   local_ns(t) = offset_ns + t + floor(t * drift_ppm / 1,000,000)
 *
 * drift_ppm lies in (-1,000,000, 1,000,000), so local time is monotonic
 * (non-decreasing) in t.  Timers a node sets are absolute deadlines on its
 * own clock; simclock_global_at converts them to the earliest global time at
 * which the local clock has reached the deadline, so a timer never fires
 * early on the node's clock.  Integer math only (128-bit intermediates). */
#ifndef SIMCLOCK_H_
#define SIMCLOCK_H_

#include "base.h"

#define SIMCLOCK_DRIFT_MAX_PPM 100000 /* 10%: far beyond any real oscillator */

typedef struct {
    uint64_t offset_ns;
    int32_t drift_ppm;
} simclock;

void simclock_init(simclock *c, uint64_t offset_ns, int32_t drift_ppm);
/* The node's local time at global time t. */
uint64_t simclock_local(const simclock *c, uint64_t global_ns);
/* The earliest global time g >= now_global with local(g) >= local_deadline. */
uint64_t simclock_global_at(const simclock *c, uint64_t now_global_ns, uint64_t local_deadline_ns);

#endif /* SIMCLOCK_H_ */
