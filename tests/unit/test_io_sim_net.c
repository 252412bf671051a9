/* Unit tests for the simulated network: loss, duplication, partitions
 * (symmetric, one-way, isolate, heal), latency bounds
 * and the bounded message pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "simdist.h"
#include "simnet.h"

static simnet_params quiet(void)
{
    simnet_params p;
    memset(&p, 0, sizeof(p));
    p.latency_min_ns = HS_MS(1);
    p.latency_mean_ns = HS_MS(5);
    return p;
}

static void release_all(simnet *net, const simnet_send_result *r)
{
    for (uint32_t c = 0; c < r->count; c++) {
        simnet_release(net, r->slots[c]);
    }
}

static void test_loss_and_dup(void **state)
{
    (void)state;
    simnet net;
    simnet_params p = quiet();
    p.loss_ppm = 1000000;
    assert_int_equal(simnet_init(&net, 3, 64, &p, 1), HS_OK);
    const uint8_t bytes[4] = {1, 2, 3, 4};
    simnet_send_result r;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(simnet_send(&net, 0, 0, 1, HS_CH_UDP, bytes, 4, 0, 0, &r), HS_OK);
        assert_true(r.lost);
        assert_int_equal(r.count, 0);
    }
    p.loss_ppm = 0;
    p.dup_ppm = 1000000;
    simnet_set_params(&net, &p);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(simnet_send(&net, 0, 1, 2, HS_CH_UDP, bytes, 4, 0, 0, &r), HS_OK);
        assert_int_equal(r.count, 2);
        assert_true(r.duplicated);
        for (uint32_t c = 0; c < 2; c++) {
            const simnet_msg *m = simnet_msg_at(&net, r.slots[c]);
            assert_int_equal(m->from, 1);
            assert_int_equal(m->to, 2);
            assert_int_equal(m->len, 4);
            assert_memory_equal(simnet_payload(&net, r.slots[c]), bytes, 4);
        }
        release_all(&net, &r);
    }
    assert_int_equal(simnet_in_flight(&net), 0);
    simnet_free(&net);
}

static void part_masks(simnet *net, uint64_t a, uint64_t b, bool one_way)
{
    simset sa;
    simset sb;
    simset_from_mask(&sa, a);
    simset_from_mask(&sb, b);
    simnet_partition(net, &sa, &sb, one_way);
}

/* Links beyond the first 64 nodes: the blocked matrix spans words. */
static void test_partitions_large(void **state)
{
    (void)state;
    simnet net;
    simnet_params p = quiet();
    assert_int_equal(simnet_init(&net, SIMNET_NODES_MAX, 64, &p, 2), HS_OK);
    simset a;
    simset b;
    simset_clear(&a);
    simset_all(&b, SIMNET_NODES_MAX);
    simset_add(&a, 700);
    simset_add(&a, 3);
    simset_minus(&b, &b, &a);
    simnet_partition(&net, &a, &b, true);
    assert_true(simnet_any_cut(&net));
    assert_true(simnet_link_ok(&net, 700, 1023));
    assert_false(simnet_link_ok(&net, 1023, 700));
    assert_false(simnet_link_ok(&net, 64, 3));
    assert_true(simnet_link_ok(&net, 3, 700));
    assert_true(simnet_link_ok(&net, 700, 3));
    assert_true(simnet_link_ok(&net, 65, 1000));
    simnet_heal(&net);
    assert_false(simnet_any_cut(&net));
    assert_true(simnet_link_ok(&net, 1023, 700));
    simnet_isolate(&net, 1023);
    assert_false(simnet_link_ok(&net, 0, 1023));
    assert_false(simnet_link_ok(&net, 1023, 1022));
    assert_true(simnet_link_ok(&net, 1022, 0));
    simnet_free(&net);
}

static void test_partitions(void **state)
{
    (void)state;
    simnet net;
    simnet_params p = quiet();
    assert_int_equal(simnet_init(&net, 4, 64, &p, 2), HS_OK);
    /* {0} | {1,2}: both directions cut, 3 untouched. */
    part_masks(&net, 1u, 6u, false);
    assert_false(simnet_link_ok(&net, 0, 1));
    assert_false(simnet_link_ok(&net, 1, 0));
    assert_false(simnet_link_ok(&net, 2, 0));
    assert_true(simnet_link_ok(&net, 1, 2));
    assert_true(simnet_link_ok(&net, 0, 3));
    assert_true(simnet_link_ok(&net, 3, 1));
    simnet_send_result r;
    const uint8_t b = 7;
    assert_int_equal(simnet_send(&net, 0, 0, 1, HS_CH_UDP, &b, 1, 0, 0, &r), HS_OK);
    assert_true(r.cut);
    assert_int_equal(r.count, 0);
    assert_int_equal(simnet_send(&net, 0, 1, 0, HS_CH_UDP, &b, 1, 0, 0, &r), HS_OK);
    assert_true(r.cut);
    simnet_heal(&net);
    assert_false(simnet_any_cut(&net));
    assert_true(simnet_link_ok(&net, 0, 1));

    /* One way: group a still reaches b, b's replies never reach a. */
    part_masks(&net, 1u, 2u, true);
    assert_true(simnet_link_ok(&net, 0, 1));
    assert_false(simnet_link_ok(&net, 1, 0));
    assert_true(simnet_any_cut(&net));
    simnet_heal(&net);

    /* Isolate node 2. */
    simnet_isolate(&net, 2);
    for (uint32_t i = 0; i < 4; i++) {
        if (i != 2) {
            assert_false(simnet_link_ok(&net, i, 2));
            assert_false(simnet_link_ok(&net, 2, i));
        }
    }
    assert_true(simnet_link_ok(&net, 0, 1));
    assert_true(simnet_link_ok(&net, 2, 2));
    simnet_heal(&net);
    for (uint32_t i = 0; i < 4; i++) {
        for (uint32_t j = 0; j < 4; j++) {
            assert_true(simnet_link_ok(&net, i, j));
        }
    }
    simnet_free(&net);
}

static void test_latency_bounds(void **state)
{
    (void)state;
    simnet net;
    simnet_params p = quiet();
    p.latency_min_ns = HS_MS(2);
    p.latency_mean_ns = HS_MS(12);
    assert_int_equal(simnet_init(&net, 2, 16, &p, 4), HS_OK);
    uint64_t max = simdist_delay_max(p.latency_min_ns, p.latency_mean_ns);
    uint64_t sum = 0;
    const uint32_t n = 20000;
    for (uint32_t i = 0; i < n; i++) {
        simnet_send_result r;
        uint8_t b = 0;
        assert_int_equal(simnet_send(&net, 1000, 0, 1, HS_CH_UDP, &b, 1, 0, 0, &r), HS_OK);
        assert_int_equal(r.count, 1);
        uint64_t d = r.at_ns[0] - 1000;
        assert_true(d >= p.latency_min_ns);
        assert_true(d <= max);
        sum += d;
        release_all(&net, &r);
    }
    /* The mean lands near the configured mean (the geometric cap trims a
     * little of the tail). */
    uint64_t mean = sum / n;
    assert_true(mean > HS_MS(11));
    assert_true(mean < HS_MS(13));
    /* Fixed latency when min == mean. */
    p.latency_mean_ns = p.latency_min_ns;
    simnet_set_params(&net, &p);
    simnet_send_result r;
    uint8_t b = 0;
    assert_int_equal(simnet_send(&net, 0, 1, 0, HS_CH_UDP, &b, 1, 0, 0, &r), HS_OK);
    assert_int_equal(r.at_ns[0], p.latency_min_ns);
    release_all(&net, &r);
    simnet_free(&net);
}

static void test_pool_bounds(void **state)
{
    (void)state;
    simnet net;
    simnet_params p = quiet();
    assert_int_equal(simnet_init(&net, 2, 4, &p, 5), HS_OK);
    uint8_t big[SIMNET_PAYLOAD_MAX + 1];
    memset(big, 0, sizeof(big));
    simnet_send_result r;
    assert_int_equal(simnet_send(&net, 0, 0, 1, HS_CH_UDP, big, sizeof(big), 0, 0, &r),
                     HS_ERR_LIMIT);
    uint32_t slots[4];
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(simnet_send(&net, 0, 0, 1, HS_CH_UDP, big, 10, 0, 0, &r), HS_OK);
        slots[i] = r.slots[0];
    }
    /* One slot left: a send needs room for a possible duplicate. */
    assert_int_equal(simnet_send(&net, 0, 0, 1, HS_CH_UDP, big, 10, 0, 0, &r), HS_ERR_FULL);
    assert_int_equal(net.stats.pool_full, 1);
    assert_int_equal(net.high_water, 3);
    for (uint32_t i = 0; i < 3; i++) {
        simnet_release(&net, slots[i]);
    }
    assert_int_equal(simnet_in_flight(&net), 0);
    simnet_free(&net);
}

/* Same seed, same draws. */
static void test_deterministic(void **state)
{
    (void)state;
    simnet a;
    simnet b;
    simnet_params p = quiet();
    p.loss_ppm = 100000;
    p.dup_ppm = 100000;
    p.reorder_ppm = 100000;
    p.reorder_max_ns = HS_MS(50);
    assert_int_equal(simnet_init(&a, 2, 8, &p, 99), HS_OK);
    assert_int_equal(simnet_init(&b, 2, 8, &p, 99), HS_OK);
    for (int i = 0; i < 500; i++) {
        simnet_send_result ra;
        simnet_send_result rb;
        uint8_t x = 1;
        assert_int_equal(simnet_send(&a, 0, 0, 1, HS_CH_UDP, &x, 1, 0, 0, &ra), HS_OK);
        assert_int_equal(simnet_send(&b, 0, 0, 1, HS_CH_UDP, &x, 1, 0, 0, &rb), HS_OK);
        assert_int_equal(ra.count, rb.count);
        for (uint32_t c = 0; c < ra.count; c++) {
            assert_int_equal(ra.at_ns[c], rb.at_ns[c]);
        }
        release_all(&a, &ra);
        release_all(&b, &rb);
    }
    simnet_free(&a);
    simnet_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_and_dup),
        cmocka_unit_test(test_partitions),
        cmocka_unit_test(test_partitions_large),
        cmocka_unit_test(test_latency_bounds),
        cmocka_unit_test(test_pool_bounds),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
