/* Token bucket with lazy refill.  See bucket.h. */
#include "bucket.h"

#define BUCKET_RATE_MAX 100000u

void bucket_init(bucket *b, uint32_t per_sec, uint32_t burst)
{
    HS_ASSERT(per_sec <= BUCKET_RATE_MAX && burst <= BUCKET_RATE_MAX);
    b->per_sec = per_sec;
    b->burst = burst;
    b->milli = (uint64_t)burst * 1000;
    b->at_ns = 0;
    HS_ASSERT(b->milli == (uint64_t)b->burst * 1000); /* starts full */
}

bool bucket_take(bucket *b, uint64_t now_ns)
{
    /* The overflow argument below needs the rate bounded (bucket_init). */
    HS_ASSERT(b->per_sec <= BUCKET_RATE_MAX && b->burst <= BUCKET_RATE_MAX);
    uint64_t cap = (uint64_t)b->burst * 1000;
    uint64_t before_ns = b->at_ns;
    uint64_t elapsed = now_ns > before_ns ? now_ns - before_ns : 0;
    /* Clamp before multiplying: with the rate bounded the products below
     * stay below 2^59; time past the clamp is kept for the next call. */
    if (elapsed > HS_SEC(3600)) {
        elapsed = HS_SEC(3600);
    }
    /* Thousandths of a token: elapsed_ns * rate / 1e9 * 1000. */
    uint64_t refill = elapsed * b->per_sec / HS_NS_PER_MS;
    if (b->per_sec == 0 || b->milli + refill >= cap) {
        b->milli = b->per_sec == 0 ? b->milli : cap;
        b->at_ns = now_ns > before_ns ? now_ns : before_ns;
    } else {
        /* The clock moves only by the time the refill stands for: the
         * fraction of a thousandth carries over, so calls closer together
         * than one thousandth's worth of time still add up to the rate. */
        b->milli += refill;
        b->at_ns += refill * HS_NS_PER_MS / b->per_sec;
    }
    HS_ASSERT(b->milli <= cap);
    HS_ASSERT(b->at_ns >= before_ns && b->at_ns <= (now_ns > before_ns ? now_ns : before_ns));
    if (b->milli < 1000) {
        return false;
    }
    b->milli -= 1000;
    return true;
}
