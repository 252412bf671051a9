/* xoshiro256** (Blackman and Vigna) with splitmix64 seeding. */
#include "rng.h"

uint64_t rng_mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

void rng_seed(rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        x += UINT64_C(0x9e3779b97f4a7c15);
        r->s[i] = rng_mix64(x);
    }
    /* xoshiro's only bad state is all zeros; splitmix64 never yields four
     * zeros in a row, but say so where it matters. */
    HS_ASSERT((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

void rng_derive(rng *r, uint64_t seed, uint64_t label)
{
    rng_seed(r, rng_mix64(seed) ^ rng_mix64(label ^ UINT64_C(0x6a09e667f3bcc909)));
}

/* FNV-1a over the name: stable across compilers and platforms. */
uint64_t rng_label(const char *name)
{
    HS_ASSERT(name != NULL);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const char *p = name; *p != '\0'; p++) {
        h ^= (uint8_t)*p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    HS_ASSERT(k > 0 && k < 64); /* a shift by 64 would be undefined */
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    /* The all-zero state is a fixed point that xoshiro cannot reach from
     * any other state; seeing it means the state was overwritten. */
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT((s[0] | s[1] | s[2] | s[3]) != 0);
    }
    return result;
}

uint64_t rng_below(rng *r, uint64_t bound)
{
    HS_ASSERT(bound > 0);
    /* Reject the low values that would make the modulo biased. */
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t x = rng_next(r);
        if (x >= threshold) {
            return x % bound;
        }
    }
}

uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi)
{
    HS_ASSERT(lo <= hi);
    if (lo == 0 && hi == UINT64_MAX) {
        return rng_next(r);
    }
    uint64_t value = lo + rng_below(r, hi - lo + 1);
    HS_ASSERT(value >= lo && value <= hi);
    return value;
}

bool rng_chance_ppm(rng *r, uint32_t ppm)
{
    if (ppm == 0) {
        return false;
    }
    if (ppm >= RNG_PPM) {
        return true;
    }
    HS_ASSERT(ppm > 0 && ppm < RNG_PPM);
    return rng_below(r, RNG_PPM) < ppm;
}

void rng_shuffle_u32(rng *r, uint32_t *items, uint32_t count)
{
    HS_ASSERT(items != NULL || count == 0);
    for (uint32_t i = count; i > 1; i--) {
        uint32_t j = (uint32_t)rng_below(r, i);
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(j < i); /* rng_below's promise keeps the swap in bounds */
        }
        uint32_t tmp = items[i - 1];
        items[i - 1] = items[j];
        items[j] = tmp;
    }
}
