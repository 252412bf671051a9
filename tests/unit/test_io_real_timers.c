/* The real host's timer table (io_real/timers.c): re-arming replaces,
 * cancel removes, due timers pop in (deadline, arming order), the cap
 * holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timers.h"

static void test_pop_in_deadline_order(void **state)
{
    (void)state;
    timers t;
    assert_int_equal(timers_init(&t, 8), HS_OK);
    assert_int_equal(timers_set(&t, 30, 300), HS_OK);
    assert_int_equal(timers_set(&t, 10, 100), HS_OK);
    assert_int_equal(timers_set(&t, 20, 200), HS_OK);
    uint64_t deadline = 0;
    assert_true(timers_next(&t, &deadline));
    assert_int_equal(deadline, 100);
    uint64_t id = 0;
    assert_false(timers_pop_due(&t, 99, &id));
    assert_true(timers_pop_due(&t, 250, &id));
    assert_int_equal(id, 10);
    assert_true(timers_pop_due(&t, 250, &id));
    assert_int_equal(id, 20);
    assert_false(timers_pop_due(&t, 250, &id));
    assert_int_equal(timers_count(&t), 1);
    timers_free(&t);
}

/* Equal deadlines fire in the order they were armed. */
static void test_ties_by_arming_order(void **state)
{
    (void)state;
    timers t;
    assert_int_equal(timers_init(&t, 8), HS_OK);
    for (uint64_t id = 5; id > 0; id--) {
        assert_int_equal(timers_set(&t, id, 1000), HS_OK);
    }
    for (uint64_t want = 5; want > 0; want--) {
        uint64_t id = 0;
        assert_true(timers_pop_due(&t, 1000, &id));
        assert_int_equal(id, want);
    }
    timers_free(&t);
}

/* Setting an armed id moves it: one armed timer per id (node.h). */
static void test_rearm_replaces(void **state)
{
    (void)state;
    timers t;
    assert_int_equal(timers_init(&t, 4), HS_OK);
    assert_int_equal(timers_set(&t, 7, 100), HS_OK);
    assert_int_equal(timers_set(&t, 7, 500), HS_OK);
    assert_int_equal(timers_count(&t), 1);
    uint64_t id = 0;
    assert_false(timers_pop_due(&t, 400, &id));
    assert_true(timers_pop_due(&t, 500, &id));
    assert_int_equal(id, 7);
    assert_int_equal(timers_count(&t), 0);
    timers_free(&t);
}

static void test_cancel(void **state)
{
    (void)state;
    timers t;
    assert_int_equal(timers_init(&t, 4), HS_OK);
    assert_int_equal(timers_set(&t, 1, 100), HS_OK);
    assert_int_equal(timers_set(&t, 2, 200), HS_OK);
    assert_true(timers_cancel(&t, 1));
    assert_false(timers_cancel(&t, 1));
    assert_false(timers_cancel(&t, 99));
    uint64_t id = 0;
    assert_true(timers_pop_due(&t, 1000, &id));
    assert_int_equal(id, 2);
    uint64_t deadline = 0;
    assert_false(timers_next(&t, &deadline));
    timers_free(&t);
}

static void test_capacity(void **state)
{
    (void)state;
    timers t;
    assert_int_equal(timers_init(&t, 3), HS_OK);
    for (uint64_t id = 1; id <= 3; id++) {
        assert_int_equal(timers_set(&t, id, id), HS_OK);
    }
    assert_int_equal(timers_set(&t, 4, 4), HS_ERR_FULL);
    assert_int_equal(timers_set(&t, 2, 50), HS_OK); /* re-arm needs no room */
    assert_true(timers_cancel(&t, 3));
    assert_int_equal(timers_set(&t, 4, 4), HS_OK);
    assert_int_equal(timers_count(&t), 3);
    timers_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pop_in_deadline_order),
        cmocka_unit_test(test_ties_by_arming_order),
        cmocka_unit_test(test_rearm_replaces),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_capacity),
    };
    return cmocka_run_group_tests_name("timers", tests, NULL, NULL);
}
