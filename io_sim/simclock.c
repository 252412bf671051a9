/* Per-node simulated clock: offset plus linear drift, and its inverse for
 * turning local timer deadlines into global event times. */
#include "simclock.h"

#define PPM 1000000

void simclock_init(simclock *c, uint64_t offset_ns, int32_t drift_ppm)
{
    HS_ASSERT(drift_ppm > -SIMCLOCK_DRIFT_MAX_PPM - 1 && drift_ppm < SIMCLOCK_DRIFT_MAX_PPM + 1);
    c->offset_ns = offset_ns;
    c->drift_ppm = drift_ppm;
}

/* floor(a / b) for b > 0; C division truncates towards zero. */
static __int128 floor_div(__int128 a, __int128 b)
{
    __int128 q = a / b;
    if ((a % b) != 0 && a < 0) {
        q -= 1;
    }
    return q;
}

/* Below this, t * drift fits an int64 for any |drift| <= 10^6: the common
 * case avoids 128-bit division (days of simulated time). */
#define FAST_T_MAX (UINT64_C(1) << 43)

/* Local time as a wide integer so the inverse can overshoot safely. */
static __int128 local_wide(const simclock *c, uint64_t t)
{
    if (c->drift_ppm == 0) {
        return (__int128)c->offset_ns + t;
    }
    if (t < FAST_T_MAX) {
        int64_t prod = (int64_t)t * c->drift_ppm;
        int64_t q = prod / PPM;
        if (prod % PPM != 0 && prod < 0) {
            q -= 1;
        }
        return (__int128)c->offset_ns + t + q;
    }
    __int128 tt = (__int128)t;
    return (__int128)c->offset_ns + tt + floor_div(tt * c->drift_ppm, PPM);
}

uint64_t simclock_local(const simclock *c, uint64_t global_ns)
{
    __int128 v = local_wide(c, global_ns);
    HS_ASSERT(v >= 0 && v <= (__int128)UINT64_MAX);
    return (uint64_t)v;
}

uint64_t simclock_global_at(const simclock *c, uint64_t now_global_ns, uint64_t local_deadline_ns)
{
    if (local_wide(c, now_global_ns) >= (__int128)local_deadline_ns) {
        return now_global_ns;
    }
    if (local_deadline_ns == HS_TIME_NEVER) {
        return HS_TIME_NEVER;
    }
    /* Solve t * (1e6 + drift) / 1e6 >= deadline - offset, then correct the
     * estimate by single steps: local() is a floor, so the first guess can
     * be one or two nanoseconds off in either direction. */
    if (c->drift_ppm == 0) {
        return local_deadline_ns - c->offset_ns; /* > now: local(now) < deadline */
    }
    __int128 need = (__int128)local_deadline_ns - (__int128)c->offset_ns;
    __int128 rate = PPM + c->drift_ppm;
    if (need >= 0 && need < (__int128)FAST_T_MAX) {
        /* need * 10^6 < 2^63, so 64-bit arithmetic is exact.  With
         * f(t) = t + floor(t * drift / 10^6) (local time minus offset),
         * t0 = ceil(need * 10^6 / rate) is the least t with f(t) >= need:
         * t0 * rate >= need * 10^6 makes f(t0) > need - 1, an integer, so
         * f(t0) >= need; and (t0 - 1) * rate < need * 10^6 makes
         * f(t0 - 1) < need.  No correction steps are needed. */
        int64_t num = (int64_t)need * PPM;
        int64_t r64 = (int64_t)rate;
        uint64_t t0 = (uint64_t)((num + r64 - 1) / r64);
        return t0 > now_global_ns ? t0 : now_global_ns;
    }
    __int128 t = floor_div(need * PPM, rate);
    if (t < (__int128)now_global_ns) {
        t = now_global_ns;
    }
    while (local_wide(c, (uint64_t)t) < (__int128)local_deadline_ns) {
        t++;
    }
    while (t > (__int128)now_global_ns &&
           local_wide(c, (uint64_t)(t - 1)) >= (__int128)local_deadline_ns) {
        t--;
    }
    if (t > (__int128)(UINT64_MAX - 1)) {
        return HS_TIME_NEVER;
    }
    return (uint64_t)t;
}
