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

static void bounds_refused_where_they_cannot_be_computed(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    uint64_t detect = 1;
    uint64_t converge = 1;
    assert_int_equal(swim_bounds_ns(&cfg, 0, &detect, &converge), HS_ERR_RANGE);
    assert_int_equal(swim_bounds_ns(&cfg, cfg.members_cap + 2, &detect, &converge),
                     HS_ERR_RANGE);
    assert_int_equal(swim_bounds_ns(&cfg, UINT32_MAX, &detect, &converge), HS_ERR_RANGE);
    assert_int_equal(swim_bounds_ns(&cfg, cfg.members_cap + 1, &detect, &converge), HS_OK);
    assert_int_equal(detect, swim_detection_bound_ns(&cfg, cfg.members_cap + 1));
    assert_int_equal(converge, swim_convergence_bound_ns(&cfg, cfg.members_cap + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indirect_checks_bounded_by_the_proxy_arrays),
        cmocka_unit_test(every_node_seed_reaches_swim),
        cmocka_unit_test(bounds_refused_where_they_cannot_be_computed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
