/* TCP frame reassembly (io_real/stream.c): frames come out whole however
 * the bytes are split, bad headers poison the stream, memory follows the
 * data actually received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "stream.h"

#define BIG (1u << 30)

/* Writes one frame of type 16 with len payload bytes of value fill. */
static uint32_t make_frame(uint8_t *buf, uint32_t len, uint8_t fill)
{
    memset(buf + FRAME_HEADER_LEN, fill, len);
    frame_write_header(buf, 16, len);
    return FRAME_HEADER_LEN + len;
}

static void feed_all(stream *s, const uint8_t *bytes, size_t n)
{
    size_t taken = 0;
    assert_int_equal(stream_feed(s, bytes, n, BIG, &taken), HS_OK);
    assert_int_equal(taken, n);
}

static void test_one_frame(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint32_t len = make_frame(buf, 10, 0xab);
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, buf, len);
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    assert_int_equal(stream_next(&s, &frame, &got), HS_OK);
    assert_int_equal(got, len);
    assert_memory_equal(frame, buf, len);
    stream_consume(&s, got);
    assert_int_equal(stream_next(&s, &frame, &got), HS_ERR_TRUNCATED);
    assert_int_equal(stream_buffered(&s), 0);
    stream_free(&s);
}

/* Every split point of two back-to-back frames yields the same two frames. */
static void test_every_split(void **state)
{
    (void)state;
    uint8_t buf[128];
    uint32_t a = make_frame(buf, 7, 1);
    uint32_t b = make_frame(buf + a, 30, 2);
    for (uint32_t cut = 0; cut <= a + b; cut++) {
        stream s;
        stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
        const uint8_t *frame = NULL;
        uint32_t got = 0;
        uint32_t frames = 0;
        feed_all(&s, buf, cut);
        while (stream_next(&s, &frame, &got) == HS_OK) {
            assert_memory_equal(frame, buf + (frames == 0 ? 0 : a), got);
            stream_consume(&s, got);
            frames++;
        }
        assert_int_equal(stream_partial(&s), stream_buffered(&s) > 0);
        feed_all(&s, buf + cut, a + b - cut);
        while (stream_next(&s, &frame, &got) == HS_OK) {
            assert_memory_equal(frame, buf + (frames == 0 ? 0 : a), got);
            stream_consume(&s, got);
            frames++;
        }
        assert_int_equal(frames, 2);
        assert_int_equal(stream_buffered(&s), 0);
        stream_free(&s);
    }
}

static void test_bad_version_is_sticky(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint32_t len = make_frame(buf, 4, 0);
    buf[0] = 9;
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, buf, len);
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    hs_status first = stream_next(&s, &frame, &got);
    assert_int_not_equal(first, HS_OK);
    assert_int_not_equal(first, HS_ERR_TRUNCATED);
    assert_int_equal(stream_next(&s, &frame, &got), first);
    uint8_t *dst = NULL;
    uint32_t room = 0;
    assert_int_equal(stream_space(&s, BIG, &dst, &room), first);
    assert_int_equal(room, 0);
    stream_free(&s);
}

/* A header declaring more than the limit fails at once, before any
 * payload arrives and before any allocation for it. */
static void test_declared_length_over_limit(void **state)
{
    (void)state;
    uint8_t head[FRAME_HEADER_LEN];
    frame_write_header(head, 16, 0);
    head[4] = 0xff; /* length near 2^32 */
    head[5] = 0xff;
    head[6] = 0xff;
    head[7] = 0xf0;
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, head, sizeof(head));
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    assert_int_equal(stream_next(&s, &frame, &got), HS_ERR_LIMIT);
    assert_true(stream_capacity(&s) <= STREAM_CAP_MIN);
    stream_free(&s);
}

/* Sixteen bytes declaring a megabyte must not allocate a megabyte. */
static void test_growth_follows_data(void **state)
{
    (void)state;
    uint8_t *buf = malloc(FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX);
    assert_non_null(buf);
    uint32_t len = make_frame(buf, FRAME_TCP_PAYLOAD_MAX, 7);
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, buf, FRAME_HEADER_LEN);
    assert_int_equal(stream_capacity(&s), STREAM_CAP_MIN);
    feed_all(&s, buf + FRAME_HEADER_LEN, 10000);
    assert_true(stream_capacity(&s) <= 4 * (FRAME_HEADER_LEN + 10000u));
    feed_all(&s, buf + FRAME_HEADER_LEN + 10000, len - FRAME_HEADER_LEN - 10000);
    assert_int_equal(stream_capacity(&s), len);
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    assert_int_equal(stream_next(&s, &frame, &got), HS_OK);
    assert_int_equal(got, len);
    stream_consume(&s, got);
    /* A drained stream gives the big buffer back. */
    assert_int_equal(stream_capacity(&s), 0);
    stream_free(&s);
    free(buf);
}

static void test_grow_budget_refused(void **state)
{
    (void)state;
    uint8_t buf[FRAME_HEADER_LEN + 9000];
    uint32_t len = make_frame(buf, 9000, 3);
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, buf, STREAM_CAP_MIN);
    size_t taken = 0;
    assert_int_equal(stream_feed(&s, buf + STREAM_CAP_MIN, len - STREAM_CAP_MIN,
                                 STREAM_CAP_MIN - 1, &taken),
                     HS_ERR_FULL);
    assert_int_equal(taken, 0);
    assert_int_equal(stream_capacity(&s), STREAM_CAP_MIN);
    /* Refusing to grow does not poison the stream: with budget it goes on. */
    feed_all(&s, buf + STREAM_CAP_MIN, len - STREAM_CAP_MIN);
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    assert_int_equal(stream_next(&s, &frame, &got), HS_OK);
    assert_int_equal(got, len);
    stream_free(&s);
}

/* Complete frames waiting (back-pressure) get room 0, not more memory. */
static void test_full_of_complete_frames_gives_no_room(void **state)
{
    (void)state;
    uint8_t buf[STREAM_CAP_MIN];
    uint32_t used = 0;
    while (used + FRAME_HEADER_LEN + 48 <= sizeof(buf)) {
        used += make_frame(buf + used, 48, (uint8_t)used);
    }
    uint32_t tail = (uint32_t)sizeof(buf) - used;
    memset(buf + used, 0, tail);
    if (tail >= FRAME_HEADER_LEN) {
        make_frame(buf + used, tail - FRAME_HEADER_LEN, 9);
    }
    stream s;
    stream_init(&s, FRAME_TCP_PAYLOAD_MAX);
    feed_all(&s, buf, sizeof(buf));
    uint8_t *dst = NULL;
    uint32_t room = 1;
    assert_int_equal(stream_space(&s, BIG, &dst, &room), HS_OK);
    assert_int_equal(room, 0);
    assert_int_equal(stream_capacity(&s), STREAM_CAP_MIN);
    stream_free(&s);
}

static void test_small_limit(void **state)
{
    (void)state;
    uint8_t buf[128];
    uint32_t len = make_frame(buf, 65, 1);
    stream s;
    stream_init(&s, 64);
    size_t taken = 0;
    assert_int_equal(stream_feed(&s, buf, len, BIG, &taken), HS_ERR_LIMIT);
    const uint8_t *frame = NULL;
    uint32_t got = 0;
    assert_int_equal(stream_next(&s, &frame, &got), HS_ERR_LIMIT);
    stream_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_frame),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_bad_version_is_sticky),
        cmocka_unit_test(test_declared_length_over_limit),
        cmocka_unit_test(test_growth_follows_data),
        cmocka_unit_test(test_grow_budget_refused),
        cmocka_unit_test(test_full_of_complete_frames_gives_no_room),
        cmocka_unit_test(test_small_limit),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
