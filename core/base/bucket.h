/* Token bucket on the step's clock: a rate limit that refills lazily, so
 * it needs no timer.  Used for replies a forged flood could otherwise turn
 * into an amplifier (error replies, answers to unknown sources). */
#ifndef HS_BUCKET_H_
#define HS_BUCKET_H_

#include "base.h"

typedef struct {
    uint64_t milli;    /* tokens held, in thousandths */
    uint64_t at_ns;    /* time of the last refill */
    uint32_t per_sec;  /* refill rate */
    uint32_t burst;    /* capacity in tokens */
} bucket;

/* Starts full.  per_sec and burst up to 100,000. */
void bucket_init(bucket *b, uint32_t per_sec, uint32_t burst);
/* Takes one token if one is there. */
bool bucket_take(bucket *b, uint64_t now_ns);

#endif /* HS_BUCKET_H_ */
