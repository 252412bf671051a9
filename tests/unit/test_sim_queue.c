/* Unit tests for the simulator's event queue: time order, ties broken by
 * insertion order, cancellation, and the packed event fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rng.h"
#include "simq.h"

static void test_ties_by_insertion(void **state)
{
    (void)state;
    simq q;
    assert_int_equal(simq_init(&q, 1000), HS_OK);
    rng r;
    rng_seed(&r, 5);
    /* 900 events over only 10 distinct times. */
    for (uint64_t i = 0; i < 900; i++) {
        uint64_t at = rng_below(&r, 10) * 1000;
        assert_int_equal(simq_push(&q, at, SIMQ_NET, (uint32_t)(i % 7), (uint32_t)i, i, NULL),
                         HS_OK);
    }
    uint64_t last_at = 0;
    uint64_t last_arg = 0;
    bool first = true;
    simq_event ev;
    uint32_t n = 0;
    while (simq_pop(&q, &ev)) {
        assert_int_equal(ev.kind, SIMQ_NET);
        assert_int_equal(ev.node, ev.arg % 7);
        assert_int_equal(ev.gen, ev.arg);
        if (!first) {
            assert_true(ev.at_ns >= last_at);
            if (ev.at_ns == last_at) {
                assert_true(ev.arg > last_arg); /* pushed later, popped later */
            }
        }
        first = false;
        last_at = ev.at_ns;
        last_arg = ev.arg;
        n++;
    }
    assert_int_equal(n, 900);
    assert_int_equal(q.high_water, 900);
    simq_free(&q);
}

static void test_cancel_and_cap(void **state)
{
    (void)state;
    simq q;
    assert_int_equal(simq_init(&q, 3), HS_OK);
    theap_handle a = 0;
    theap_handle b = 0;
    assert_int_equal(simq_push(&q, 10, SIMQ_TIMER, 1, 0, 100, &a), HS_OK);
    assert_int_equal(simq_push(&q, 5, SIMQ_DISK, 2, 3, 200, &b), HS_OK);
    assert_int_equal(simq_push(&q, 7, SIMQ_END, 0, 0, 300, NULL), HS_OK);
    assert_int_equal(simq_push(&q, 1, SIMQ_END, 0, 0, 400, NULL), HS_ERR_FULL);
    assert_true(simq_cancel(&q, b));
    assert_false(simq_cancel(&q, b)); /* stale handle */
    uint64_t at = 0;
    assert_true(simq_peek_time(&q, &at));
    assert_int_equal(at, 7);
    simq_event ev;
    assert_true(simq_pop(&q, &ev));
    assert_int_equal(ev.kind, SIMQ_END);
    assert_true(simq_pop(&q, &ev));
    assert_int_equal(ev.kind, SIMQ_TIMER);
    assert_int_equal(ev.node, 1);
    assert_int_equal(ev.arg, 100);
    assert_false(simq_pop(&q, &ev));
    assert_int_equal(simq_count(&q), 0);
    simq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ties_by_insertion),
        cmocka_unit_test(test_cancel_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
