/* Unit tests for the CBOR encoder (core/enc.c) and the bounded pull
 * decoder (core/dec.c): canonical output identical to libcbor's (the
 * inline short-string paths included), overflow handling at every buffer
 * size, every kind of token, and the rejection list (tags, indefinite
 * items, breaks, floats, simple values, truncated heads, declared sizes
 * beyond the input, nesting beyond DEC_DEPTH_MAX). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "enc.h"
#include "rng.h"

/* ---- encoder -------------------------------------------------------------- */

static const uint64_t edge_values[] = {0,
                                       1,
                                       23,
                                       24,
                                       25,
                                       255,
                                       256,
                                       65535,
                                       65536,
                                       UINT64_C(0xffffffff),
                                       UINT64_C(0x100000000),
                                       UINT64_C(0xffffffffffff),
                                       UINT64_MAX - 1,
                                       UINT64_MAX};

typedef size_t (*libcbor_head_fn)(size_t, unsigned char *, size_t);

static size_t libcbor_uint(size_t v, unsigned char *buf, size_t cap)
{
    return cbor_encode_uint(v, buf, cap);
}

/* One value through our encoder and through libcbor: same bytes. */
static void check_head(void (*ours)(enc *, uint64_t), libcbor_head_fn theirs, uint64_t v)
{
    uint8_t a[16];
    uint8_t b[16];
    enc e;
    size_t len = 0;
    enc_init(&e, a, sizeof(a));
    ours(&e, v);
    assert_int_equal(enc_finish(&e, &len), HS_OK);
    size_t want = theirs((size_t)v, b, sizeof(b));
    assert_int_equal(len, want);
    assert_memory_equal(a, b, len);
    assert_int_equal(enc_head_size(v), len);
}

static void enc_uint_fn(enc *e, uint64_t v) { enc_uint(e, v); }
static void enc_map_fn(enc *e, uint64_t v) { enc_map(e, v); }
static void enc_array_fn(enc *e, uint64_t v) { enc_array(e, v); }

static void test_enc_heads_match_libcbor(void **state)
{
    HS_UNUSED(state);
    rng r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < HS_ARRAY_LEN(edge_values) + 5000; i++) {
        uint64_t v = i < HS_ARRAY_LEN(edge_values) ? edge_values[i]
                                                    : rng_next(&r) >> rng_below(&r, 64);
        check_head(enc_uint_fn, libcbor_uint, v);
        check_head(enc_map_fn, cbor_encode_map_start, v);
        check_head(enc_array_fn, cbor_encode_array_start, v);
    }
}

static void test_enc_strings_match_libcbor(void **state)
{
    HS_UNUSED(state);
    static char text[70000];
    static uint8_t a[70016];
    static uint8_t b[70016];
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = (char)('a' + i % 26);
    }
    static const size_t lens[] = {0, 1, 5, 22, 23, 24, 25, 63, 255, 256, 65535, 65536};
    for (size_t i = 0; i < HS_ARRAY_LEN(lens); i++) {
        size_t n = lens[i];
        enc e;
        size_t len = 0;
        enc_init(&e, a, sizeof(a));
        enc_text(&e, text, n);
        assert_int_equal(enc_finish(&e, &len), HS_OK);
        size_t head = cbor_encode_string_start(n, b, sizeof(b));
        memcpy(b + head, text, n);
        assert_int_equal(len, head + n);
        assert_memory_equal(a, b, len);
        assert_int_equal(enc_head_size(n) + n, len);

        enc_init(&e, a, sizeof(a));
        enc_bytes(&e, (const uint8_t *)text, n);
        assert_int_equal(enc_finish(&e, &len), HS_OK);
        head = cbor_encode_bytestring_start(n, b, sizeof(b));
        memcpy(b + head, text, n);
        assert_int_equal(len, head + n);
        assert_memory_equal(a, b, len);

        /* The inline short path writes the same bytes at every length,
         * including the ones it hands to the slow path (0, 256 and up). */
        memset(a, 0xee, n + 16);
        enc_init(&e, a, sizeof(a));
        enc_bytes_short(&e, (const uint8_t *)text, n);
        assert_int_equal(enc_finish(&e, &len), HS_OK);
        assert_int_equal(len, head + n);
        assert_memory_equal(a, b, len);
        assert_int_equal(a[len], 0xee);
    }
    /* Every length the short path takes, against libcbor. */
    for (size_t n = 0; n < 300; n++) {
        enc e;
        size_t len = 0;
        enc_init(&e, a, sizeof(a));
        enc_bytes_short(&e, (const uint8_t *)text, n);
        assert_int_equal(enc_finish(&e, &len), HS_OK);
        size_t head = cbor_encode_bytestring_start(n, b, sizeof(b));
        memcpy(b + head, text, n);
        assert_int_equal(len, head + n);
        assert_memory_equal(a, b, len);
        assert_int_equal(enc_head_size(n) + n, len);
    }
    /* In-place byte strings: same bytes again, content written after. */
    for (size_t n = 1; n < 256; n++) {
        enc e;
        size_t len = 0;
        memset(a, 0xee, n + 16);
        enc_init(&e, a, sizeof(a));
        uint8_t *content = enc_bytes_reserve(&e, n);
        assert_non_null(content);
        memcpy(content, text, n);
        assert_int_equal(enc_finish(&e, &len), HS_OK);
        size_t head = cbor_encode_bytestring_start(n, b, sizeof(b));
        memcpy(b + head, text, n);
        assert_int_equal(len, head + n);
        assert_ptr_equal(content, a + head);
        assert_memory_equal(a, b, len);
        assert_int_equal(a[len], 0xee);
    }
    /* An empty string may come with no pointer at all. */
    enc e;
    size_t len = 0;
    enc_init(&e, a, sizeof(a));
    enc_bytes_short(&e, NULL, 0);
    assert_int_equal(enc_finish(&e, &len), HS_OK);
    assert_int_equal(len, 1);
    assert_int_equal(a[0], 0x40);
}

static void test_enc_bool(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[4];
    enc e;
    size_t len = 0;
    enc_init(&e, buf, sizeof(buf));
    enc_bool(&e, false);
    enc_bool(&e, true);
    assert_int_equal(enc_finish(&e, &len), HS_OK);
    assert_int_equal(len, 2);
    assert_int_equal(buf[0], 0xf4);
    assert_int_equal(buf[1], 0xf5);
}

/* A mixed sequence of every item kind and width. */
static void write_sample(enc *e)
{
    enc_map(e, 3);
    enc_uint(e, 1);
    enc_uint(e, UINT64_C(0x123456789a));
    enc_uint(e, 2);
    enc_text(e, "worker-017", 10);
    enc_uint(e, 3);
    enc_array(e, 30);
    for (uint64_t i = 0; i < 30; i++) {
        enc_uint(e, i * 1000);
    }
    enc_bytes(e, (const uint8_t *)"\x00\x01\x02", 3);
    enc_text(e, "a text longer than twenty-three bytes", 37);
    enc_bool(e, true);
    /* The short byte-string paths with a one-byte and a two-byte head. */
    enc_bytes_short(e, (const uint8_t *)"\x05worker\x0a\x00\x00\x11", 11);
    enc_bytes_short(e, (const uint8_t *)"0123456789abcdefghijklmnopqrstuvwxyz", 36);
    for (size_t n = 23; n <= 24; n++) {
        uint8_t *content = enc_bytes_reserve(e, n);
        if (content != NULL) {
            memset(content, (int)n, n);
        }
    }
}

static void test_enc_overflow_every_cap(void **state)
{
    HS_UNUSED(state);
    uint8_t full[512];
    enc e;
    size_t full_len = 0;
    enc_init(&e, full, sizeof(full));
    write_sample(&e);
    assert_int_equal(enc_finish(&e, &full_len), HS_OK);

    uint8_t buf[512 + 16];
    for (size_t cap = 0; cap <= full_len; cap++) {
        memset(buf, 0xee, sizeof(buf));
        enc_init(&e, cap > 0 ? buf : NULL, cap);
        write_sample(&e);
        size_t len = 12345;
        hs_status st = enc_finish(&e, &len);
        if (cap < full_len) {
            assert_int_equal(st, HS_ERR_TOO_SMALL);
            assert_int_equal(len, 12345); /* untouched on failure */
            assert_true(e.overflow);
        } else {
            assert_int_equal(st, HS_OK);
            assert_int_equal(len, full_len);
            assert_memory_equal(buf, full, full_len);
        }
        assert_true(e.pos <= cap);
        /* Nothing is ever written at or past cap. */
        for (size_t i = cap; i < sizeof(buf); i++) {
            assert_int_equal(buf[i], 0xee);
        }
    }
}

/* After an overflow, small items that would fit are ignored: the output
 * must not be a valid-looking prefix with holes. */
static void test_enc_overflow_is_sticky(void **state)
{
    HS_UNUSED(state);
    uint8_t buf[8];
    enc e;
    enc_init(&e, buf, sizeof(buf));
    enc_uint(&e, 1);
    enc_text(&e, "0123456789", 10); /* does not fit */
    size_t pos = e.pos;
    enc_uint(&e, 2);
    enc_map(&e, 1);
    enc_array(&e, 1);
    enc_text(&e, "x", 1);
    enc_bool(&e, true);
    enc_bytes_short(&e, (const uint8_t *)"x", 1);
    assert_null(enc_bytes_reserve(&e, 1));
    assert_int_equal(e.pos, pos);
    size_t len = 0;
    assert_int_equal(enc_finish(&e, &len), HS_ERR_TOO_SMALL);
}

/* ---- decoder: accepted kinds ---------------------------------------------- */

static void test_dec_kinds(void **state)
{
    HS_UNUSED(state);
    static const uint8_t in[] = {
        0xa2,                               /* map(2) */
        0x01, 0x18, 0x2a,                   /* 1: 42 */
        0x02, 0x83,                         /* 2: array(3) */
        0x63, 'a', 'b', 'c',                /* "abc" */
        0x42, 0x00, 0xff,                   /* h'00ff' */
        0xf5,                               /* true */
    };
    dec d;
    uint64_t n = 0;
    uint64_t v = 0;
    const char *text = NULL;
    const uint8_t *bytes = NULL;
    size_t len = 0;
    bool flag = false;
    dec_init(&d, in, sizeof(in));
    assert_int_equal(dec_map(&d, &n), HS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(v, 42);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(dec_array(&d, &n, 3), HS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(dec_text(&d, &text, &len, 3), HS_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(text, "abc", 3);
    assert_int_equal(dec_bytes(&d, &bytes, &len, 2), HS_OK);
    assert_int_equal(len, 2);
    assert_int_equal(bytes[1], 0xff);
    assert_int_equal(dec_bool(&d, &flag), HS_OK);
    assert_true(flag);
    assert_int_equal(dec_remaining(&d), 0);
    assert_int_equal(dec_finish(&d), HS_OK);
}

/* Every integer width, minimal or not, decodes to its value. */
static void test_dec_uint_widths(void **state)
{
    HS_UNUSED(state);
    static const struct {
        uint8_t bytes[9];
        size_t len;
        uint64_t value;
    } cases[] = {
        {{0x17}, 1, 23},
        {{0x18, 0x18}, 2, 24},
        {{0x18, 0x01}, 2, 1}, /* non-minimal: accepted */
        {{0x19, 0x00, 0x01}, 3, 1},
        {{0x19, 0xff, 0xff}, 3, 65535},
        {{0x1a, 0xff, 0xff, 0xff, 0xff}, 5, UINT64_C(0xffffffff)},
        {{0x1b, 0, 0, 0, 0, 0, 0, 0, 1}, 9, 1},
        {{0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, UINT64_MAX},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(cases); i++) {
        dec d;
        uint64_t v = 0;
        dec_init(&d, cases[i].bytes, cases[i].len);
        assert_int_equal(dec_uint(&d, &v), HS_OK);
        assert_int_equal(v, cases[i].value);
        assert_int_equal(dec_finish(&d), HS_OK);
    }
}

/* ---- decoder: the rejection list -------------------------------------------- */

typedef enum { AS_UINT, AS_MAP, AS_ARRAY, AS_TEXT, AS_BYTES, AS_BOOL, AS_SKIP } read_as;

static hs_status read_one(const uint8_t *bytes, size_t len, read_as as)
{
    dec d;
    uint64_t v = 0;
    const char *t = NULL;
    const uint8_t *b = NULL;
    size_t n = 0;
    bool flag = false;
    dec_init(&d, bytes, len);
    switch (as) {
    case AS_UINT:
        return dec_uint(&d, &v);
    case AS_MAP:
        return dec_map(&d, &v);
    case AS_ARRAY:
        return dec_array(&d, &v, UINT64_MAX);
    case AS_TEXT:
        return dec_text(&d, &t, &n, SIZE_MAX);
    case AS_BYTES:
        return dec_bytes(&d, &b, &n, SIZE_MAX);
    case AS_BOOL:
        return dec_bool(&d, &flag);
    case AS_SKIP:
        return dec_skip(&d);
    }
    return HS_ERR_INVALID;
}

typedef struct {
    const char *what;
    const char *bytes;
    size_t len;
    read_as as;
    hs_status want;
} reject_case;

#define RC(what, lit, as, want) {what, lit, sizeof(lit) - 1, as, want}

static const reject_case reject_cases[] = {
    RC("empty input", "", AS_UINT, HS_ERR_TRUNCATED),
    RC("empty input (skip)", "", AS_SKIP, HS_ERR_TRUNCATED),
    RC("uint8 head cut", "\x18", AS_UINT, HS_ERR_TRUNCATED),
    RC("uint16 head cut", "\x19\x01", AS_UINT, HS_ERR_TRUNCATED),
    RC("uint32 head cut", "\x1a\x00\x00", AS_UINT, HS_ERR_TRUNCATED),
    RC("uint64 head cut", "\x1b\x00\x00\x00\x00\x00\x00", AS_UINT, HS_ERR_TRUNCATED),
    RC("array head cut", "\x99\x01", AS_ARRAY, HS_ERR_TRUNCATED),
    RC("map head cut", "\xba\x00", AS_MAP, HS_ERR_TRUNCATED),
    RC("text head cut", "\x79\x00", AS_TEXT, HS_ERR_TRUNCATED),
    RC("reserved uint 0x1c", "\x1c", AS_UINT, HS_ERR_MALFORMED),
    RC("reserved uint 0x1f", "\x1f", AS_SKIP, HS_ERR_MALFORMED),
    RC("reserved array 0x9c", "\x9c", AS_ARRAY, HS_ERR_MALFORMED),
    RC("reserved text 0x7c", "\x7c", AS_TEXT, HS_ERR_MALFORMED),
    RC("lone break", "\xff", AS_UINT, HS_ERR_MALFORMED),
    RC("lone break (skip)", "\xff", AS_SKIP, HS_ERR_MALFORMED),
    RC("tag 1", "\xc1\x00", AS_UINT, HS_ERR_TYPE),
    RC("tag 24 (1-byte)", "\xd8\x18\x00", AS_SKIP, HS_ERR_TYPE),
    RC("tag 2^64-1", "\xdb\xff\xff\xff\xff\xff\xff\xff\xff\x00", AS_SKIP, HS_ERR_TYPE),
    RC("unassigned tag head 0xd4", "\xd4\x00", AS_SKIP, HS_ERR_MALFORMED),
    RC("indefinite text", "\x7f\x61x\xff", AS_TEXT, HS_ERR_TYPE),
    RC("indefinite bytes", "\x5f\x41x\xff", AS_BYTES, HS_ERR_TYPE),
    RC("indefinite array", "\x9f\x01\xff", AS_ARRAY, HS_ERR_TYPE),
    RC("indefinite map", "\xbf\x01\x02\xff", AS_MAP, HS_ERR_TYPE),
    RC("indefinite array (skip)", "\x9f\x01\xff", AS_SKIP, HS_ERR_TYPE),
    RC("indefinite map (skip)", "\xbf\xff", AS_SKIP, HS_ERR_TYPE),
    RC("half float", "\xf9\x3c\x00", AS_UINT, HS_ERR_TYPE),
    RC("single float", "\xfa\x3f\x80\x00\x00", AS_SKIP, HS_ERR_TYPE),
    RC("double float", "\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00", AS_SKIP, HS_ERR_TYPE),
    RC("null", "\xf6", AS_UINT, HS_ERR_TYPE),
    RC("null (skip)", "\xf6", AS_SKIP, HS_ERR_TYPE),
    RC("undefined", "\xf7", AS_SKIP, HS_ERR_TYPE),
    RC("simple 16", "\xf0", AS_SKIP, HS_ERR_MALFORMED),
    RC("simple 1-byte", "\xf8\x20", AS_SKIP, HS_ERR_MALFORMED),
    RC("reserved 0xfc", "\xfc", AS_SKIP, HS_ERR_MALFORMED),
    RC("negative where uint", "\x20", AS_UINT, HS_ERR_TYPE),
    RC("text where uint", "\x61x", AS_UINT, HS_ERR_TYPE),
    RC("uint where map", "\x01", AS_MAP, HS_ERR_TYPE),
    RC("bytes where text", "\x41x", AS_TEXT, HS_ERR_TYPE),
    RC("text where bytes", "\x61x", AS_BYTES, HS_ERR_TYPE),
    RC("uint where bool", "\x01", AS_BOOL, HS_ERR_TYPE),
    /* Declared sizes beyond the input: refused before anything else. */
    RC("array of 2^32-1", "\x9a\xff\xff\xff\xff", AS_ARRAY, HS_ERR_LIMIT),
    RC("array of 2^32", "\x9b\x00\x00\x00\x01\x00\x00\x00\x00", AS_ARRAY, HS_ERR_LIMIT),
    RC("array of 2^64-1", "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", AS_ARRAY, HS_ERR_LIMIT),
    RC("map of 2^32-1", "\xba\xff\xff\xff\xff", AS_MAP, HS_ERR_LIMIT),
    RC("map of 2^63", "\xbb\x80\x00\x00\x00\x00\x00\x00\x00", AS_MAP, HS_ERR_LIMIT),
    RC("map of 2^64-1", "\xbb\xff\xff\xff\xff\xff\xff\xff\xff", AS_MAP, HS_ERR_LIMIT),
    RC("map of 2^63 (skip)", "\xbb\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00", AS_SKIP,
       HS_ERR_LIMIT),
    RC("map of 2^64-1 (skip)", "\xbb\xff\xff\xff\xff\xff\xff\xff\xff", AS_SKIP, HS_ERR_LIMIT),
    RC("array of 2^64-1 (skip)", "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", AS_SKIP, HS_ERR_LIMIT),
    RC("text of 2^32-1", "\x7a\xff\xff\xff\xff", AS_TEXT, HS_ERR_LIMIT),
    RC("text of 2^64-1", "\x7b\xff\xff\xff\xff\xff\xff\xff\xff", AS_TEXT, HS_ERR_LIMIT),
    RC("bytes of 2^32", "\x5b\x00\x00\x00\x01\x00\x00\x00\x00", AS_BYTES, HS_ERR_LIMIT),
    RC("text of 2^64-1 (skip)", "\x7b\xff\xff\xff\xff\xff\xff\xff\xff", AS_SKIP, HS_ERR_LIMIT),
    RC("text one byte short", "\x63" "ab", AS_TEXT, HS_ERR_LIMIT),
    RC("array of 3 with 2 bytes left", "\x83\x01\x02", AS_ARRAY, HS_ERR_LIMIT),
    RC("map of 2 with 3 bytes left", "\xa2\x01\x02\x03", AS_MAP, HS_ERR_LIMIT),
    RC("map of 2 with 3 bytes left (skip)", "\xa2\x01\x02\x03", AS_SKIP, HS_ERR_LIMIT),
};

static void test_dec_rejects(void **state)
{
    HS_UNUSED(state);
    for (size_t i = 0; i < HS_ARRAY_LEN(reject_cases); i++) {
        const reject_case *c = &reject_cases[i];
        /* An exactly-sized heap copy: ASan catches a one-byte over-read. */
        uint8_t *copy = malloc(c->len > 0 ? c->len : 1);
        assert_non_null(copy);
        memcpy(copy, c->bytes, c->len);
        hs_status st = read_one(copy, c->len, c->as);
        free(copy);
        if (st != c->want) {
            print_error("case '%s': got %s, want %s\n", c->what, hs_status_name(st),
                        hs_status_name(c->want));
        }
        assert_int_equal(st, c->want);
    }
}

static void test_dec_caller_limits(void **state)
{
    HS_UNUSED(state);
    dec d;
    uint64_t n = 0;
    const char *t = NULL;
    size_t len = 0;
    dec_init(&d, (const uint8_t *)"\x83\x01\x02\x03", 4);
    assert_int_equal(dec_array(&d, &n, 2), HS_ERR_LIMIT);
    dec_init(&d, (const uint8_t *)"\x83\x01\x02\x03", 4);
    assert_int_equal(dec_array(&d, &n, 3), HS_OK);
    dec_init(&d, (const uint8_t *)"\x63" "abc", 4);
    assert_int_equal(dec_text(&d, &t, &len, 2), HS_ERR_LIMIT);
    dec_init(&d, (const uint8_t *)"\x63" "abc", 4);
    assert_int_equal(dec_text(&d, &t, &len, 3), HS_OK);
    /* A map of n pairs with exactly 2n bytes left is fine. */
    dec_init(&d, (const uint8_t *)"\xa2\x01\x02\x03\x04", 5);
    assert_int_equal(dec_map(&d, &n), HS_OK);
    assert_int_equal(n, 2);
}

static void test_dec_finish_trailing(void **state)
{
    HS_UNUSED(state);
    dec d;
    uint64_t v = 0;
    dec_init(&d, (const uint8_t *)"\x01\x02", 2);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(dec_finish(&d), HS_ERR_TRAILING);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(dec_finish(&d), HS_OK);
    assert_int_equal(dec_uint(&d, &v), HS_ERR_TRUNCATED);
}

/* ---- dec_skip ------------------------------------------------------------------ */

/* depth nested one-element arrays around a 0. */
static uint8_t *nested_arrays(size_t depth, size_t *len)
{
    uint8_t *b = malloc(depth + 1);
    assert_non_null(b);
    memset(b, 0x81, depth);
    b[depth] = 0x00;
    *len = depth + 1;
    return b;
}

static void test_dec_skip_depth(void **state)
{
    HS_UNUSED(state);
    static const size_t depths[] = {1, 2, DEC_DEPTH_MAX - 1, DEC_DEPTH_MAX, DEC_DEPTH_MAX + 1,
                                    DEC_DEPTH_MAX + 2, 100, 10000, 1000000};
    for (size_t i = 0; i < HS_ARRAY_LEN(depths); i++) {
        size_t len = 0;
        uint8_t *b = nested_arrays(depths[i], &len);
        dec d;
        dec_init(&d, b, len);
        hs_status st = dec_skip(&d);
        if (depths[i] <= DEC_DEPTH_MAX) {
            assert_int_equal(st, HS_OK);
            assert_int_equal(dec_finish(&d), HS_OK);
        } else {
            assert_int_equal(st, HS_ERR_DEPTH);
        }
        free(b);
    }
    /* Maps count as nesting too, and an empty container at the limit is
     * one level too many. */
    static const uint8_t maps[] = {0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1,
                                   0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0x80};
    dec d;
    dec_init(&d, maps, sizeof(maps));
    assert_int_equal(dec_skip(&d), HS_ERR_DEPTH);
    dec_init(&d, maps + 2, sizeof(maps) - 2);
    assert_int_equal(dec_skip(&d), HS_OK);
    assert_int_equal(dec_finish(&d), HS_OK);
}

/* Skips exactly one item of every accepted kind and leaves the next. */
static void test_dec_skip_one_item(void **state)
{
    HS_UNUSED(state);
    static const uint8_t in[] = {
        0xa4,                          /* map(4) */
        0x00, 0x83, 0x01, 0x80, 0xa0,  /* 0: [1, [], {}] */
        0x61, 'k', 0x38, 0xff,         /* "k": -256 */
        0x41, 0x00, 0xf4,              /* h'00': false */
        0x82, 0x01, 0x02, 0x62, 'v', 'w', /* [1, 2]: "vw" */
        0x17,                          /* the next item */
    };
    dec d;
    uint64_t v = 0;
    dec_init(&d, in, sizeof(in));
    assert_int_equal(dec_skip(&d), HS_OK);
    assert_int_equal(dec_remaining(&d), 1);
    assert_int_equal(dec_uint(&d, &v), HS_OK);
    assert_int_equal(v, 23);
    assert_int_equal(dec_finish(&d), HS_OK);
}

/* A complex item cut at every length is never accepted, and only ever
 * refused as truncated or as declaring more than is left. */
static void test_dec_skip_truncated_everywhere(void **state)
{
    HS_UNUSED(state);
    uint8_t full[512];
    enc e;
    size_t full_len = 0;
    enc_init(&e, full, sizeof(full));
    write_sample(&e);
    assert_int_equal(enc_finish(&e, &full_len), HS_OK);
    dec whole;
    dec_init(&whole, full, full_len);
    assert_int_equal(dec_skip(&whole), HS_OK);
    size_t item_len = whole.pos; /* the sample's first item: the map */
    assert_true(item_len > 40);
    for (size_t n = 0; n < item_len; n++) {
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        memcpy(copy, full, n);
        dec d;
        dec_init(&d, copy, n);
        hs_status st = dec_skip(&d);
        assert_true(st == HS_ERR_TRUNCATED || st == HS_ERR_LIMIT);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enc_heads_match_libcbor),
        cmocka_unit_test(test_enc_strings_match_libcbor),
        cmocka_unit_test(test_enc_bool),
        cmocka_unit_test(test_enc_overflow_every_cap),
        cmocka_unit_test(test_enc_overflow_is_sticky),
        cmocka_unit_test(test_dec_kinds),
        cmocka_unit_test(test_dec_uint_widths),
        cmocka_unit_test(test_dec_rejects),
        cmocka_unit_test(test_dec_caller_limits),
        cmocka_unit_test(test_dec_finish_trailing),
        cmocka_unit_test(test_dec_skip_depth),
        cmocka_unit_test(test_dec_skip_one_item),
        cmocka_unit_test(test_dec_skip_truncated_everywhere),
    };
    return cmocka_run_group_tests_name("enc_dec", tests, NULL, NULL);
}
