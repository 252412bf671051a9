/* Integer-only random distributions shared by the simulated network and
 * disk.  No floating point: every draw is exact on every compiler. */
#ifndef SIMDIST_H_
#define SIMDIST_H_

#include "base.h"
#include "rng.h"

/* Geometric draws are capped so one unlucky draw cannot stall a run. */
#define SIMDIST_GEOM_CAP 12u

/* A delay with the given minimum and mean: min plus an approximately
 * exponential extra (a geometric number of whole mean-units, plus a uniform
 * fraction), scaled so the extra's mean is (mean - min).  The extra is at
 * most (2 * SIMDIST_GEOM_CAP + 2) / 3 times (mean - min).  mean >= min. */
uint64_t simdist_delay(rng *r, uint64_t min_ns, uint64_t mean_ns);
/* The largest value simdist_delay can return. */
uint64_t simdist_delay_max(uint64_t min_ns, uint64_t mean_ns);

#endif /* SIMDIST_H_ */
