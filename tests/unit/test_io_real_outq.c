/* Output queues (io_real/outq.c): all-or-nothing pushes under the cap,
 * order kept across partial sends and compaction, memory returned when
 * drained, allocation budget respected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "outq.h"

#define BIG (1u << 30)

static void test_fifo_with_partial_sends(void **state)
{
    (void)state;
    outq q;
    outq_init(&q, 1u << 20);
    uint8_t bytes[100];
    for (uint32_t i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (uint8_t)i;
    }
    assert_int_equal(outq_push(&q, bytes, 60, BIG), HS_OK);
    assert_int_equal(outq_push(&q, bytes + 60, 40, BIG), HS_OK);
    uint32_t len = 0;
    const uint8_t *head = outq_peek(&q, &len);
    assert_int_equal(len, 100);
    assert_memory_equal(head, bytes, 100);
    outq_consume(&q, 33); /* the socket took part of it */
    head = outq_peek(&q, &len);
    assert_int_equal(len, 67);
    assert_memory_equal(head, bytes + 33, 67);
    outq_consume(&q, 67);
    assert_int_equal(outq_len(&q), 0);
    assert_null(outq_peek(&q, &len));
    outq_free(&q);
}

/* A push that would pass the cap is refused whole; the queue is unchanged. */
static void test_cap_all_or_nothing(void **state)
{
    (void)state;
    outq q;
    outq_init(&q, 10000);
    uint8_t bytes[6000];
    memset(bytes, 5, sizeof(bytes));
    assert_int_equal(outq_push(&q, bytes, 6000, BIG), HS_OK);
    assert_int_equal(outq_push(&q, bytes, 6000, BIG), HS_ERR_FULL);
    assert_int_equal(outq_len(&q), 6000);
    assert_true(outq_capacity(&q) <= 10000);
    assert_int_equal(outq_push(&q, bytes, 4000, BIG), HS_OK);
    assert_int_equal(outq_len(&q), 10000);
    assert_int_equal(outq_push(&q, bytes, 1, BIG), HS_ERR_FULL);
    outq_free(&q);
}

/* Space freed at the front is reused without growing past the cap. */
static void test_compaction_keeps_order(void **state)
{
    (void)state;
    outq q;
    outq_init(&q, 8192);
    uint8_t a[5000];
    uint8_t b[3000];
    memset(a, 1, sizeof(a));
    memset(b, 2, sizeof(b));
    assert_int_equal(outq_push(&q, a, sizeof(a), BIG), HS_OK);
    outq_consume(&q, 4000);
    assert_int_equal(outq_push(&q, b, sizeof(b), BIG), HS_OK);
    uint32_t len = 0;
    const uint8_t *head = outq_peek(&q, &len);
    assert_int_equal(len, 4000);
    assert_memory_equal(head, a, 1000);
    assert_memory_equal(head + 1000, b, 3000);
    assert_true(outq_capacity(&q) <= 8192);
    outq_free(&q);
}

static void test_drained_queue_releases_memory(void **state)
{
    (void)state;
    outq q;
    outq_init(&q, 4u << 20);
    static uint8_t big[1u << 20];
    assert_int_equal(outq_push(&q, big, sizeof(big), BIG), HS_OK);
    assert_true(outq_capacity(&q) >= sizeof(big));
    outq_clear(&q);
    assert_int_equal(outq_capacity(&q), 0);
    outq_free(&q);
}

static void test_grow_budget(void **state)
{
    (void)state;
    outq q;
    outq_init(&q, 1u << 20);
    uint8_t bytes[8000];
    memset(bytes, 0, sizeof(bytes));
    assert_int_equal(outq_push(&q, bytes, sizeof(bytes), 4096), HS_ERR_FULL);
    assert_int_equal(outq_len(&q), 0);
    assert_int_equal(outq_push(&q, bytes, sizeof(bytes), 8192), HS_OK);
    outq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_with_partial_sends),
        cmocka_unit_test(test_cap_all_or_nothing),
        cmocka_unit_test(test_compaction_keeps_order),
        cmocka_unit_test(test_drained_queue_releases_memory),
        cmocka_unit_test(test_grow_budget),
    };
    return cmocka_run_group_tests_name("outq", tests, NULL, NULL);
}
