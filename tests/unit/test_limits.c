/* Fixed arrays sized by config limits (review 4.10): the configuration
 * that fills an array exactly is accepted and one more is refused, so the
 * static asserts in swim.h and node.h and the key table agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "node.h"
#include "swim.h"

static void indirect_checks_bounded_by_the_proxy_arrays(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    cfg.indirect_checks = SWIM_INDIRECT_CHECKS_MAX;
    assert_int_equal(swim_config_check(&cfg), HS_OK);
    cfg.indirect_checks = SWIM_INDIRECT_CHECKS_MAX + 1;
    assert_int_not_equal(swim_config_check(&cfg), HS_OK);
}

static void every_node_seed_reaches_swim(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    hs_name name;
    assert_int_equal(hs_name_set(&name, "n1", 2), HS_OK);
    hs_addr seeds[NODE_SEEDS_MAX];
    for (uint32_t i = 0; i < NODE_SEEDS_MAX; i++) {
        seeds[i] = (hs_addr){.ip = 0x0a000002u + i, .port = 7946};
    }
    swim s;
    assert_int_equal(swim_init(&s, &cfg, &name, (hs_addr){.ip = 0x0a000001u, .port = 7946}, 0,
                               seeds, NODE_SEEDS_MAX),
                     HS_OK);
    assert_int_equal(s.seed_count, NODE_SEEDS_MAX);
    swim_free(&s);
}

/* swim_init keeps at most SWIM_SEEDS_MAX seeds, whatever it is handed. */
static void seeds_past_the_array_are_dropped(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    hs_name name;
    assert_int_equal(hs_name_set(&name, "n1", 2), HS_OK);
    hs_addr seeds[SWIM_SEEDS_MAX + 3];
    for (uint32_t i = 0; i < SWIM_SEEDS_MAX + 3; i++) {
        seeds[i] = (hs_addr){.ip = 0x0a000002u + i, .port = 7946};
    }
    swim s;
    assert_int_equal(swim_init(&s, &cfg, &name, (hs_addr){.ip = 0x0a000001u, .port = 7946}, 0,
                               seeds, SWIM_SEEDS_MAX + 3),
                     HS_OK);
    assert_int_equal(s.seed_count, SWIM_SEEDS_MAX);
    for (uint32_t i = 0; i < SWIM_SEEDS_MAX; i++) {
        assert_true(hs_addr_eq(s.seeds[i], seeds[i]));
    }
    swim_free(&s);
}

static void bounds_refused_where_they_cannot_be_computed(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    uint64_t detect = 1;
    uint64_t converge = 1;
    assert_int_equal(swim_bounds_ns(&cfg, 0, &detect, &converge), HS_ERR_RANGE);
    /* A refusal leaves no figure a caller could print by mistake. */
    assert_int_equal(detect, 0);
    assert_int_equal(converge, 0);
    assert_int_equal(swim_bounds_ns(&cfg, cfg.members_cap + 2, &detect, &converge),
                     HS_ERR_RANGE);
    assert_int_equal(swim_bounds_ns(&cfg, UINT32_MAX, &detect, &converge), HS_ERR_RANGE);
    assert_int_equal(swim_bounds_ns(&cfg, cfg.members_cap + 1, &detect, &converge), HS_OK);
    assert_int_equal(detect, swim_detection_bound_ns(&cfg, cfg.members_cap + 1));
    assert_int_equal(converge, swim_convergence_bound_ns(&cfg, cfg.members_cap + 1));
}

/* The suspicion scale is max(1, floor(log10 n)): the bounds, recomputed
 * here from docs/swim.md's formulas, at the sizes where log10 steps. */
static uint64_t scale_of(uint32_t n)
{
    uint64_t digits = 0;
    for (uint64_t p = 10; p <= n; p *= 10) {
        digits++;
    }
    return digits > 1 ? digits : 1;
}

static void bounds_follow_the_formulas_at_log_steps(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    cfg.members_cap = 2000;
    static const uint32_t sizes[] = {1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t n = sizes[i];
        uint64_t period = (uint64_t)cfg.probe_interval_ms * HS_NS_PER_MS;
        uint64_t suspicion = cfg.suspicion_mult * scale_of(n) * period;
        uint64_t walk = 2 * (uint64_t)n * period;
        uint64_t detect = 2 * (walk + suspicion) + 2 * period;
        uint64_t converge = suspicion + ((uint64_t)n - 1) * cfg.reconnect_interval_ms *
                                            HS_NS_PER_MS +
                            4 * (uint64_t)n * period + 2 * period;
        converge += converge / 10;
        assert_int_equal(swim_detection_bound_ns(&cfg, n), detect);
        assert_int_equal(swim_convergence_bound_ns(&cfg, n), converge);
        uint64_t d = 0;
        uint64_t c = 0;
        assert_int_equal(swim_bounds_ns(&cfg, n, &d, &c), HS_OK);
        assert_int_equal(d, detect);
        assert_int_equal(c, converge);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indirect_checks_bounded_by_the_proxy_arrays),
        cmocka_unit_test(every_node_seed_reaches_swim),
        cmocka_unit_test(seeds_past_the_array_are_dropped),
        cmocka_unit_test(bounds_refused_where_they_cannot_be_computed),
        cmocka_unit_test(bounds_follow_the_formulas_at_log_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
