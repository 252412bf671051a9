/* Unit tests for the frame layer (core/frame.c): the header layout and the
 * checksum definition checked against an independent XXH3 call, round
 * trips, and the rejections: truncation at every length, trailing bytes,
 * every single-bit flip, version and flags, declared lengths up to 2^32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "frame.h"

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* A frame of type around len bytes of payload (pattern bytes). */
static size_t make_frame(uint8_t *buf, uint16_t type, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        buf[FRAME_HEADER_LEN + i] = (uint8_t)(i * 7 + 3);
    }
    frame_write_header(buf, type, len);
    return FRAME_HEADER_LEN + len;
}

static void test_header_layout(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 300];
    size_t n = make_frame(buf, 0x1234, 300);
    assert_int_equal(buf[0], FRAME_VERSION);
    assert_int_equal(buf[1], 0);
    assert_int_equal(be(buf + 2, 2), 0x1234);
    assert_int_equal(be(buf + 4, 4), 300);
    /* checksum = XXH3-64(payload, seed = header bytes 0..7 big-endian) */
    uint64_t want = XXH3_64bits_withSeed(buf + FRAME_HEADER_LEN, 300, be(buf, 8));
    assert_int_equal(be(buf + 8, 8), want);
    assert_int_equal(frame_checksum(buf, buf + FRAME_HEADER_LEN, 300), want);

    frame_header h;
    const uint8_t *payload = NULL;
    assert_int_equal(frame_decode(buf, n, FRAME_UDP_PAYLOAD_MAX, &h, &payload), HS_OK);
    assert_int_equal(h.version, FRAME_VERSION);
    assert_int_equal(h.flags, 0);
    assert_int_equal(h.type, 0x1234);
    assert_int_equal(h.length, 300);
    assert_int_equal(h.checksum, want);
    assert_ptr_equal(payload, buf + FRAME_HEADER_LEN);
}

/* A fixed vector: if this changes, every peer on the old format breaks. */
static void test_known_answer(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 3] = {0};
    memcpy(buf + FRAME_HEADER_LEN, "\xa1\x01\x02", 3);
    frame_write_header(buf, 2, 3);
    static const uint8_t head[8] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03};
    assert_memory_equal(buf, head, 8);
    uint64_t seed = UINT64_C(0x0100000200000003);
    assert_int_equal(be(buf + 8, 8), XXH3_64bits_withSeed("\xa1\x01\x02", 3, seed));
}

static void test_round_trip_sizes(void **state)
{
    HS_UNUSED(state);
    static uint8_t buf[FRAME_HEADER_LEN + 70000];
    static const uint32_t lens[] = {0, 1, 15, 16, 17, 128, 129, 240, 241, 1384, 65536, 70000};
    for (size_t i = 0; i < HS_ARRAY_LEN(lens); i++) {
        size_t n = make_frame(buf, (uint16_t)i, lens[i]);
        frame_header h;
        const uint8_t *payload = NULL;
        assert_int_equal(frame_decode(buf, n, FRAME_TCP_PAYLOAD_MAX, &h, &payload), HS_OK);
        assert_int_equal(h.length, lens[i]);
        assert_int_equal(h.type, i);
        assert_int_equal(frame_parse_header(buf, FRAME_HEADER_LEN, FRAME_TCP_PAYLOAD_MAX, &h),
                         HS_OK);
    }
}

static void test_truncated_every_length(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 100];
    size_t n = make_frame(buf, 1, 100);
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        assert_non_null(copy);
        memcpy(copy, buf, len);
        frame_header h;
        const uint8_t *payload = NULL;
        assert_int_equal(frame_decode(copy, len, FRAME_UDP_PAYLOAD_MAX, &h, &payload),
                         HS_ERR_TRUNCATED);
        if (len < FRAME_HEADER_LEN) {
            assert_int_equal(frame_parse_header(copy, len, FRAME_UDP_PAYLOAD_MAX, &h),
                             HS_ERR_TRUNCATED);
        }
        free(copy);
    }
}

static void test_trailing(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 40];
    size_t n = make_frame(buf, 1, 30);
    frame_header h;
    const uint8_t *payload = NULL;
    for (size_t extra = 1; extra <= 10; extra++) {
        assert_int_equal(frame_decode(buf, n + extra, FRAME_UDP_PAYLOAD_MAX, &h, &payload),
                         HS_ERR_TRAILING);
    }
}

/* Every single-bit flip anywhere in the frame is refused; flips in the
 * payload, the type or the checksum are caught by the checksum. */
static void test_every_bit_flip(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 64];
    size_t n = make_frame(buf, 2, 64);
    for (size_t bit = 0; bit < n * 8; bit++) {
        uint8_t copy[sizeof(buf)];
        memcpy(copy, buf, n);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        frame_header h;
        const uint8_t *payload = NULL;
        hs_status st = frame_decode(copy, n, FRAME_UDP_PAYLOAD_MAX, &h, &payload);
        size_t byte = bit / 8;
        if (byte < 2) {
            assert_int_equal(st, HS_ERR_VERSION);
        } else if (byte < 4 || byte >= 8) {
            assert_int_equal(st, HS_ERR_CHECKSUM);
        } else {
            assert_true(st == HS_ERR_LIMIT || st == HS_ERR_TRUNCATED || st == HS_ERR_TRAILING);
        }
    }
}

static void test_version_and_flags(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 8];
    size_t n = make_frame(buf, 1, 8);
    frame_header h;
    const uint8_t *payload = NULL;
    static const uint8_t versions[] = {0, 2, 0x81, 0xff};
    for (size_t i = 0; i < HS_ARRAY_LEN(versions); i++) {
        uint8_t copy[sizeof(buf)];
        memcpy(copy, buf, n);
        copy[0] = versions[i];
        assert_int_equal(frame_decode(copy, n, FRAME_UDP_PAYLOAD_MAX, &h, &payload),
                         HS_ERR_VERSION);
        assert_int_equal(frame_parse_header(copy, n, FRAME_UDP_PAYLOAD_MAX, &h),
                         HS_ERR_VERSION);
    }
    for (unsigned flags = 1; flags < 256; flags++) {
        uint8_t copy[sizeof(buf)];
        memcpy(copy, buf, n);
        copy[1] = (uint8_t)flags;
        assert_int_equal(frame_decode(copy, n, FRAME_UDP_PAYLOAD_MAX, &h, &payload),
                         HS_ERR_VERSION);
    }
}

/* Declared lengths beyond the channel limit are refused from the header
 * alone, before any payload is looked at. */
static void test_length_limits(void **state)
{
    HS_UNUSED(state);
    static const uint32_t lens[] = {FRAME_UDP_PAYLOAD_MAX + 1, FRAME_TCP_PAYLOAD_MAX + 1,
                                    0x7fffffffu, 0x80000000u, 0xfffffff0u, 0xffffffffu};
    for (size_t i = 0; i < HS_ARRAY_LEN(lens); i++) {
        uint8_t hdr[FRAME_HEADER_LEN] = {FRAME_VERSION, 0, 0, 1};
        hdr[4] = (uint8_t)(lens[i] >> 24);
        hdr[5] = (uint8_t)(lens[i] >> 16);
        hdr[6] = (uint8_t)(lens[i] >> 8);
        hdr[7] = (uint8_t)lens[i];
        frame_header h;
        const uint8_t *payload = NULL;
        uint32_t max = lens[i] == FRAME_UDP_PAYLOAD_MAX + 1 ? FRAME_UDP_PAYLOAD_MAX
                                                            : FRAME_TCP_PAYLOAD_MAX;
        assert_int_equal(frame_parse_header(hdr, sizeof(hdr), max, &h), HS_ERR_LIMIT);
        assert_int_equal(frame_decode(hdr, sizeof(hdr), max, &h, &payload), HS_ERR_LIMIT);
    }
    /* Exactly at the limit is fine. */
    static uint8_t buf[FRAME_HEADER_LEN + FRAME_UDP_PAYLOAD_MAX];
    size_t n = make_frame(buf, 1, FRAME_UDP_PAYLOAD_MAX);
    frame_header h;
    const uint8_t *payload = NULL;
    assert_int_equal(frame_decode(buf, n, FRAME_UDP_PAYLOAD_MAX, &h, &payload), HS_OK);
    assert_int_equal(frame_decode(buf, n, FRAME_UDP_PAYLOAD_MAX - 1, &h, &payload),
                     HS_ERR_LIMIT);
}

/* frame_parse_header works on a stream prefix: header only, no checksum. */
static void test_parse_header_prefix(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[FRAME_HEADER_LEN + 50];
    make_frame(buf, 17, 50);
    frame_header h;
    assert_int_equal(frame_parse_header(buf, FRAME_HEADER_LEN, FRAME_TCP_PAYLOAD_MAX, &h),
                     HS_OK);
    assert_int_equal(h.type, 17);
    assert_int_equal(h.length, 50);
    buf[FRAME_HEADER_LEN] ^= 1; /* payload damage is not its business */
    assert_int_equal(frame_parse_header(buf, FRAME_HEADER_LEN + 50, FRAME_TCP_PAYLOAD_MAX, &h),
                     HS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_version_and_flags),
        cmocka_unit_test(test_length_limits),
        cmocka_unit_test(test_parse_header_prefix),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
