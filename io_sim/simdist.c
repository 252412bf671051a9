/* Integer approximations of the delay distributions the simulator draws. */
#include "simdist.h"

/* P(G = k) = 2^-(k+1): count trailing zero bits of a random word. */
static uint64_t geometric(rng *r)
{
    uint64_t x = rng_next(r);
    uint64_t g = 0;
    while ((x & 1u) == 0 && g < SIMDIST_GEOM_CAP) {
        x >>= 1;
        g++;
    }
    return g;
}

uint64_t simdist_delay(rng *r, uint64_t min_ns, uint64_t mean_ns)
{
    HS_ASSERT(mean_ns >= min_ns);
    uint64_t s = mean_ns - min_ns;
    if (s == 0) {
        return min_ns;
    }
    /* E[G] = 1 and E[U] = s / 2, so E[(2 G s + 2 U) / 3] = s. */
    uint64_t g = geometric(r);
    uint64_t u = rng_below(r, s);
    return min_ns + (2 * g * s + 2 * u) / 3;
}

uint64_t simdist_delay_max(uint64_t min_ns, uint64_t mean_ns)
{
    HS_ASSERT(mean_ns >= min_ns);
    uint64_t s = mean_ns - min_ns;
    return min_ns + (2 * SIMDIST_GEOM_CAP * s + 2 * s) / 3;
}
