/* Seeded pseudo-random generator: xoshiro256** seeded through splitmix64.
 *
 * Every consumer owns its own stream derived from the master seed and a
 * stream label (rng_derive), so adding draws in one subsystem never shifts
 * the draws of another.  Probabilities are integers (parts per million):
 * no floating point touches any decision that shapes a run. */
#ifndef HS_RNG_H_
#define HS_RNG_H_

#include "base.h"

typedef struct {
    uint64_t s[4];
} rng;

#define RNG_PPM 1000000u

/* splitmix64 step: also a good 64-bit mixer for deriving seeds. */
uint64_t rng_mix64(uint64_t x);

void rng_seed(rng *r, uint64_t seed);
/* A stream for (seed, label): independent of every other label. */
void rng_derive(rng *r, uint64_t seed, uint64_t label);
/* Label from a short ASCII name, so streams are named in code ("net"). */
uint64_t rng_label(const char *name);

uint64_t rng_next(rng *r);
/* Uniform in [0, bound); bound must be > 0.  Unbiased (rejection). */
uint64_t rng_below(rng *r, uint64_t bound);
/* Uniform in [lo, hi], inclusive; lo <= hi. */
uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi);
/* True with probability ppm / 1,000,000. */
bool rng_chance_ppm(rng *r, uint32_t ppm);
/* Fisher-Yates shuffle of a u32 array. */
void rng_shuffle_u32(rng *r, uint32_t *items, uint32_t count);

#endif /* HS_RNG_H_ */
