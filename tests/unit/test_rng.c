/* Unit tests for the seeded generator: fixed reference values (the
 * determinism contract across compilers), stream independence, bounds and
 * rough uniformity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rng.h"

#include <string.h>

/* The first outputs for seed 1 are pinned: if they ever change, every
 * recorded seed and golden trace changes meaning. */
static void test_reference_values(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    assert_int_equal(rng_next(&r), UINT64_C(0xf9d20113ec80c6d5));
    assert_int_equal(rng_next(&r), UINT64_C(0xd16e236e5cdc6563));
    rng_derive(&r, 42, rng_label("net"));
    assert_int_equal(rng_next(&r), UINT64_C(0x388369029d8ed640));
    assert_int_equal(rng_label("net"), UINT64_C(0x2138d2192571b218));
    /* splitmix64 of 0 is a published constant. */
    assert_int_equal(rng_mix64(0), UINT64_C(0xe220a8397b1dcdaf));
}

static void test_derive_independent(void **state)
{
    (void)state;
    rng a;
    rng b;
    rng_derive(&a, 42, rng_label("net"));
    rng_derive(&b, 42, rng_label("disk"));
    int equal = 0;
    for (int i = 0; i < 1000; i++) {
        equal += rng_next(&a) == rng_next(&b);
    }
    assert_int_equal(equal, 0);
    rng c;
    rng_derive(&c, 42, rng_label("net"));
    rng_derive(&a, 42, rng_label("net"));
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rng_next(&a), rng_next(&c));
    }
    assert_true(rng_label("net") != rng_label("net2"));
}

static void test_below_and_range(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 7);
    uint32_t counts[10];
    memset(counts, 0, sizeof(counts));
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_below(&r, 10);
        assert_true(v < 10);
        counts[v]++;
    }
    /* Each bucket expects 10,000; 5 sigma is about 475. */
    for (int i = 0; i < 10; i++) {
        assert_true(counts[i] > 9500 && counts[i] < 10500);
    }
    for (int i = 0; i < 1000; i++) {
        uint64_t v = rng_range(&r, 5, 7);
        assert_true(v >= 5 && v <= 7);
    }
    assert_int_equal(rng_below(&r, 1), 0);
    assert_int_equal(rng_range(&r, 9, 9), 9);
}

static void test_chance_ppm(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 3);
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        hits += rng_chance_ppm(&r, 250000);
    }
    assert_true(hits > 24000 && hits < 26000);
    for (int i = 0; i < 1000; i++) {
        assert_false(rng_chance_ppm(&r, 0));
        assert_true(rng_chance_ppm(&r, RNG_PPM));
    }
}

static void test_shuffle_is_permutation(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 11);
    uint32_t items[64];
    for (uint32_t i = 0; i < 64; i++) {
        items[i] = i;
    }
    rng_shuffle_u32(&r, items, 64);
    uint32_t seen[64];
    memset(seen, 0, sizeof(seen));
    int moved = 0;
    for (uint32_t i = 0; i < 64; i++) {
        assert_true(items[i] < 64);
        seen[items[i]]++;
        moved += items[i] != i;
    }
    for (uint32_t i = 0; i < 64; i++) {
        assert_int_equal(seen[i], 1);
    }
    assert_true(moved > 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_derive_independent),
        cmocka_unit_test(test_below_and_range),
        cmocka_unit_test(test_chance_ppm),
        cmocka_unit_test(test_shuffle_is_permutation),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
