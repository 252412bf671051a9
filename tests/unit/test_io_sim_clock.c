/* Unit tests for the simulated clock: monotonic local time, and timer
 * deadlines converted to global time that never fire early and never
 * fire later than needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rng.h"
#include "simclock.h"

static const int32_t drifts[] = {0, 1, -1, 137, -137, 20000, -20000, 100000, -100000};

static void test_offset_only(void **state)
{
    (void)state;
    simclock c;
    simclock_init(&c, HS_SEC(5), 0);
    assert_int_equal(simclock_local(&c, 0), HS_SEC(5));
    assert_int_equal(simclock_local(&c, 123), HS_SEC(5) + 123);
    assert_int_equal(simclock_global_at(&c, 0, HS_SEC(6)), HS_SEC(1));
    /* A deadline already passed fires now. */
    assert_int_equal(simclock_global_at(&c, 77, 10), 77);
}

static void test_drift_values(void **state)
{
    (void)state;
    simclock c;
    simclock_init(&c, 0, 1000); /* +0.1% */
    assert_int_equal(simclock_local(&c, HS_SEC(1)), HS_SEC(1) + HS_MS(1));
    simclock_init(&c, 0, -1000);
    assert_int_equal(simclock_local(&c, HS_SEC(1)), HS_SEC(1) - HS_MS(1));
    /* floor, not truncation, for negative drift: 999 * -1000 / 1e6 = -0.999 -> -1 */
    assert_int_equal(simclock_local(&c, 999), 998);
}

static void test_monotonic(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 11);
    for (size_t d = 0; d < sizeof(drifts) / sizeof(drifts[0]); d++) {
        simclock c;
        simclock_init(&c, rng_below(&r, HS_SEC(60)), drifts[d]);
        uint64_t t = 0;
        uint64_t prev = simclock_local(&c, 0);
        for (int i = 0; i < 20000; i++) {
            t += rng_below(&r, 1000);
            uint64_t l = simclock_local(&c, t);
            assert_true(l >= prev);
            prev = l;
        }
        /* Across the fast/slow arithmetic boundary (2^43 ns) too. */
        uint64_t base = (UINT64_C(1) << 43) - 5000;
        prev = simclock_local(&c, base);
        for (uint64_t k = 1; k < 10000; k++) {
            uint64_t l = simclock_local(&c, base + k);
            assert_true(l >= prev);
            prev = l;
        }
    }
}

/* The round trip: g = global_at(now, d) is the first global time at or
 * after now whose local time reaches d. */
static void test_never_early(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 12);
    for (size_t d = 0; d < sizeof(drifts) / sizeof(drifts[0]); d++) {
        simclock c;
        simclock_init(&c, rng_below(&r, HS_SEC(60)), drifts[d]);
        for (int i = 0; i < 20000; i++) {
            uint64_t now = rng_below(&r, HS_SEC(100000));
            if (i % 7 == 0) {
                now += UINT64_C(1) << 43; /* the 128-bit path */
            }
            uint64_t local_now = simclock_local(&c, now);
            uint64_t deadline = local_now + rng_below(&r, HS_SEC(30));
            if (i % 5 == 0 && local_now > 1000) {
                deadline = local_now - rng_below(&r, 1000); /* already due */
            }
            uint64_t g = simclock_global_at(&c, now, deadline);
            assert_true(g >= now);
            assert_true(simclock_local(&c, g) >= deadline);
            if (g > now) {
                assert_true(simclock_local(&c, g - 1) < deadline);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_only),
        cmocka_unit_test(test_drift_values),
        cmocka_unit_test(test_monotonic),
        cmocka_unit_test(test_never_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
