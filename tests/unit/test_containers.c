/* Unit tests for the bounded containers: map, ring and timer heap, each
 * checked against a naive reference model under long random operation
 * sequences, plus their caps and determinism rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "map.h"
#include "ring.h"
#include "rng.h"
#include "theap.h"

#include <string.h>

/* ---- map ---- */

#define MODEL_CAP 64

typedef struct {
    uint64_t keys[MODEL_CAP];
    uint64_t values[MODEL_CAP];
    uint32_t count;
} map_model;

static int model_find(const map_model *mm, uint64_t key)
{
    for (uint32_t i = 0; i < mm->count; i++) {
        if (mm->keys[i] == key) {
            return (int)i;
        }
    }
    return -1;
}

static void test_map_against_model(void **state)
{
    (void)state;
    map m;
    assert_int_equal(map_init(&m, MODEL_CAP), HS_OK);
    map_model mm;
    memset(&mm, 0, sizeof(mm));
    rng r;
    rng_seed(&r, 99);
    for (int step = 0; step < 200000; step++) {
        /* Small key space so puts, overwrites and removes all collide. */
        uint64_t key = rng_below(&r, 96) * UINT64_C(0x100000001);
        uint64_t op = rng_below(&r, 3);
        int at = model_find(&mm, key);
        if (op == 0) {
            uint64_t value = rng_next(&r);
            hs_status st = map_put(&m, key, value);
            if (at >= 0) {
                assert_int_equal(st, HS_OK);
                mm.values[at] = value;
            } else if (mm.count == MODEL_CAP) {
                assert_int_equal(st, HS_ERR_FULL);
            } else {
                assert_int_equal(st, HS_OK);
                mm.keys[mm.count] = key;
                mm.values[mm.count++] = value;
            }
        } else if (op == 1) {
            bool removed = map_remove(&m, key);
            assert_int_equal(removed, at >= 0);
            if (at >= 0) {
                mm.keys[at] = mm.keys[mm.count - 1];
                mm.values[at] = mm.values[mm.count - 1];
                mm.count--;
            }
        } else {
            uint64_t value = 0;
            bool found = map_get(&m, key, &value);
            assert_int_equal(found, at >= 0);
            if (found) {
                assert_int_equal(value, mm.values[at]);
            }
        }
        assert_int_equal(map_count(&m), mm.count);
        if (step % 1000 == 0) {
            assert_true(map_check(&m));
        }
    }
    assert_true(map_check(&m));
    map_free(&m);
}

/* Iteration order depends only on the operation sequence: the same ops on
 * two maps give the same order. */
static void test_map_iteration_deterministic(void **state)
{
    (void)state;
    map a;
    map b;
    assert_int_equal(map_init(&a, 32), HS_OK);
    assert_int_equal(map_init(&b, 32), HS_OK);
    for (uint64_t k = 1; k <= 30; k++) {
        assert_int_equal(map_put(&a, k * 7919, k), HS_OK);
        assert_int_equal(map_put(&b, k * 7919, k), HS_OK);
    }
    for (uint64_t k = 3; k <= 30; k += 4) {
        assert_true(map_remove(&a, k * 7919));
        assert_true(map_remove(&b, k * 7919));
    }
    assert_int_equal(map_count(&a), map_count(&b));
    for (uint32_t i = 0; i < map_count(&a); i++) {
        assert_int_equal(map_key_at(&a, i), map_key_at(&b, i));
        assert_int_equal(map_value_at(&a, i), map_value_at(&b, i));
    }
    map_clear(&a);
    assert_int_equal(map_count(&a), 0);
    assert_false(map_contains(&a, 7919));
    assert_true(map_check(&a));
    map_free(&a);
    map_free(&b);
}

static void test_map_rejects_bad_cap(void **state)
{
    (void)state;
    map m;
    assert_int_equal(map_init(&m, 0), HS_ERR_INVALID);
    assert_int_equal(map_init(&m, 1), HS_OK);
    assert_int_equal(map_put(&m, 5, 1), HS_OK);
    assert_int_equal(map_put(&m, 6, 1), HS_ERR_FULL);
    assert_int_equal(map_put(&m, 5, 2), HS_OK);
    map_free(&m);
}

/* ---- ring ---- */

static void test_ring_fifo_and_cap(void **state)
{
    (void)state;
    ring r;
    assert_int_equal(ring_init(&r, sizeof(uint32_t), 4), HS_OK);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(ring_push(&r, &i), HS_OK);
    }
    uint32_t extra = 9;
    assert_int_equal(ring_push(&r, &extra), HS_ERR_FULL);
    assert_true(ring_full(&r));
    uint32_t out = 0;
    assert_true(ring_pop(&r, &out));
    assert_int_equal(out, 0);
    assert_int_equal(ring_push(&r, &extra), HS_OK);
    /* Wrapped: oldest first. */
    uint32_t expect[] = {1, 2, 3, 9};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(*(uint32_t *)ring_at(&r, i), expect[i]);
    }
    uint32_t newer = 10;
    assert_true(ring_push_evict(&r, &newer));
    assert_int_equal(*(uint32_t *)ring_at(&r, 0), 2);
    assert_int_equal(*(uint32_t *)ring_at(&r, 3), 10);
    for (uint32_t i = 0; i < 4; i++) {
        assert_true(ring_pop(&r, NULL));
    }
    assert_false(ring_pop(&r, &out));
    assert_int_equal(ring_count(&r), 0);
    ring_free(&r);
    assert_int_equal(ring_init(&r, 0, 4), HS_ERR_INVALID);
}

/* ---- timer heap ---- */

typedef struct {
    uint64_t deadline;
    uint64_t seq;
    uint64_t payload;
    theap_handle handle;
    bool live;
} heap_model_entry;

static int model_min(const heap_model_entry *e, uint32_t n)
{
    int best = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!e[i].live) {
            continue;
        }
        if (best < 0 || e[i].deadline < e[best].deadline ||
            (e[i].deadline == e[best].deadline && e[i].seq < e[best].seq)) {
            best = (int)i;
        }
    }
    return best;
}

static void test_theap_against_model(void **state)
{
    (void)state;
    enum { CAP = 50, MAX_ENTRIES = 20000 };
    theap h;
    assert_int_equal(theap_init(&h, CAP), HS_OK);
    static heap_model_entry model[MAX_ENTRIES];
    memset(model, 0, sizeof(model));
    uint32_t pushed = 0;
    uint32_t live = 0;
    rng r;
    rng_seed(&r, 5);
    for (int step = 0; step < 60000 && pushed < MAX_ENTRIES; step++) {
        uint64_t op = rng_below(&r, 4);
        if (op <= 1) {
            /* Few distinct deadlines: ties must break by insertion order. */
            uint64_t deadline = rng_below(&r, 8);
            theap_handle handle = 0;
            hs_status st = theap_push(&h, deadline, pushed, 0, &handle);
            if (live == CAP) {
                assert_int_equal(st, HS_ERR_FULL);
                continue;
            }
            assert_int_equal(st, HS_OK);
            model[pushed] = (heap_model_entry){deadline, pushed, pushed, handle, true};
            pushed++;
            live++;
        } else if (op == 2) {
            int best = model_min(model, pushed);
            uint64_t deadline = 0;
            uint64_t a = 0;
            bool got = theap_pop(&h, &deadline, &a, NULL);
            assert_int_equal(got, best >= 0);
            if (got) {
                assert_int_equal(a, model[best].payload);
                assert_int_equal(deadline, model[best].deadline);
                assert_false(theap_live(&h, model[best].handle));
                model[best].live = false;
                live--;
            }
        } else if (pushed > 0) {
            uint32_t victim = (uint32_t)rng_below(&r, pushed);
            bool cancelled = theap_cancel(&h, model[victim].handle);
            assert_int_equal(cancelled, model[victim].live);
            if (cancelled) {
                model[victim].live = false;
                live--;
            }
        }
        assert_int_equal(theap_count(&h), live);
        if (step % 500 == 0) {
            assert_true(theap_check(&h));
        }
    }
    theap_free(&h);
}

static void test_theap_reschedule(void **state)
{
    (void)state;
    theap h;
    assert_int_equal(theap_init(&h, 8), HS_OK);
    theap_handle a;
    theap_handle b;
    assert_int_equal(theap_push(&h, 10, 1, 0, &a), HS_OK);
    assert_int_equal(theap_push(&h, 20, 2, 0, &b), HS_OK);
    assert_true(theap_reschedule(&h, a, 30));
    uint64_t payload = 0;
    assert_true(theap_peek(&h, NULL, &payload, NULL));
    assert_int_equal(payload, 2);
    /* Rescheduled to an equal deadline: the rescheduled entry is newer. */
    assert_true(theap_reschedule(&h, b, 30));
    assert_true(theap_pop(&h, NULL, &payload, NULL));
    assert_int_equal(payload, 1);
    assert_true(theap_pop(&h, NULL, &payload, NULL));
    assert_int_equal(payload, 2);
    assert_false(theap_reschedule(&h, a, 1));
    assert_false(theap_cancel(&h, b));
    assert_false(theap_live(&h, 0));
    assert_true(theap_check(&h));
    theap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_against_model),
        cmocka_unit_test(test_map_iteration_deterministic),
        cmocka_unit_test(test_map_rejects_bad_cap),
        cmocka_unit_test(test_ring_fifo_and_cap),
        cmocka_unit_test(test_theap_against_model),
        cmocka_unit_test(test_theap_reschedule),
    };
    return cmocka_run_group_tests_name("containers", tests, NULL, NULL);
}
