/* Sets of node indexes (0-based) for the simulator: partition groups,
 * the nodes kept down, cut links.  A fixed bitmap of SIMSET_BITS bits, so
 * a set is a value (copied, stored in a schedule action) and every
 * operation costs at most SIMSET_WORDS words. */
#ifndef SIMSET_H_
#define SIMSET_H_

#include <string.h>

#include "base.h"

#define SIMSET_BITS 1024u
#define SIMSET_WORDS (SIMSET_BITS / 64u)

typedef struct {
    uint64_t w[SIMSET_WORDS];
} simset;

static inline void simset_clear(simset *s) { memset(s, 0, sizeof(*s)); }

static inline void simset_add(simset *s, uint32_t i)
{
    HS_ASSERT(i < SIMSET_BITS);
    s->w[i / 64] |= UINT64_C(1) << (i % 64);
}

static inline bool simset_has(const simset *s, uint32_t i)
{
    HS_ASSERT(i < SIMSET_BITS);
    return (s->w[i / 64] >> (i % 64) & 1u) != 0;
}

/* {0, .., n - 1} */
static inline void simset_all(simset *s, uint32_t n)
{
    HS_ASSERT(n <= SIMSET_BITS);
    simset_clear(s);
    for (uint32_t k = 0; k < n / 64; k++) {
        s->w[k] = UINT64_MAX;
    }
    if (n % 64 != 0) {
        s->w[n / 64] = (UINT64_C(1) << (n % 64)) - 1;
    }
}

/* The set from a mask of the first 64 indexes (bit i: node i). */
static inline void simset_from_mask(simset *s, uint64_t mask)
{
    simset_clear(s);
    s->w[0] = mask;
}

/* *out = a minus b */
static inline void simset_minus(simset *out, const simset *a, const simset *b)
{
    for (uint32_t k = 0; k < SIMSET_WORDS; k++) {
        out->w[k] = a->w[k] & ~b->w[k];
    }
}

static inline bool simset_empty(const simset *s)
{
    uint64_t any = 0;
    for (uint32_t k = 0; k < SIMSET_WORDS; k++) {
        any |= s->w[k];
    }
    return any == 0;
}

static inline bool simset_eq(const simset *a, const simset *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* Words that hold indexes below n: what a record of a set over n nodes
 * needs to carry. */
static inline uint32_t simset_words_for(uint32_t n)
{
    return n == 0 ? 1 : (n + 63) / 64;
}

#endif /* SIMSET_H_ */
