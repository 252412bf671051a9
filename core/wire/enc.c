/* Canonical CBOR encoder over libcbor's cbor_encode_* (see enc.h). */
#include "enc.h"

#include <cbor.h>
#include <string.h>

void enc_init(enc *e, uint8_t *buf, size_t cap)
{
    HS_ASSERT(buf != NULL || cap == 0);
    e->buf = buf;
    e->cap = cap;
    e->pos = 0;
    e->overflow = false;
}

/* Clamping cap makes every later inline fast path fail its room check. */
void enc_fail(enc *e)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->pos <= e->cap); /* so the clamp never widens the buffer */
    }
    e->overflow = true;
    e->cap = e->pos;
}

/* Records the result of one cbor_encode_* call: 0 means "did not fit". */
static void enc_advance(enc *e, size_t wrote)
{
    if (wrote == 0) {
        enc_fail(e);
        return;
    }
    HS_ASSERT(wrote <= e->cap - e->pos);
    e->pos += wrote;
}

/* False after an overflow or when not even a head byte fits; a NULL
 * buffer (cap 0) is therefore never handed to libcbor. */
static bool enc_room(enc *e)
{
    if (e->overflow || e->pos >= e->cap) {
        enc_fail(e);
        return false;
    }
    return true;
}

/* Every write either advances pos by the canonical head size or records
 * an overflow: there is no third outcome (checked in debug builds: it
 * re-derives what libcbor wrote, on the encoder's hot path). */
void enc_map_slow(enc *e, uint64_t pairs)
{
    size_t before = e->pos;
    if (enc_room(e)) {
        enc_advance(e, cbor_encode_map_start((size_t)pairs, e->buf + e->pos, e->cap - e->pos));
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + enc_head_size(pairs));
    }
}

void enc_array_slow(enc *e, uint64_t items)
{
    size_t before = e->pos;
    if (enc_room(e)) {
        enc_advance(e, cbor_encode_array_start((size_t)items, e->buf + e->pos, e->cap - e->pos));
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + enc_head_size(items));
    }
}

void enc_uint_slow(enc *e, uint64_t value)
{
    size_t before = e->pos;
    /* One- and two-byte arguments (addresses and counters aside, every
     * value the nodes send), written as cbor_encode_uint writes them:
     * 0x18 or 0x19, then the argument big-endian.  Others go to libcbor. */
    if (value >= 24 && value <= 0xffffu && !e->overflow && e->pos <= e->cap &&
        e->cap - e->pos >= 3) {
        uint8_t *p = e->buf + e->pos;
        if (value <= 0xffu) {
            p[0] = 0x18;
            p[1] = (uint8_t)value;
            e->pos += 2;
        } else {
            p[0] = 0x19;
            p[1] = (uint8_t)(value >> 8);
            p[2] = (uint8_t)value;
            e->pos += 3;
        }
        HS_ASSERT(e->pos <= e->cap);
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(e->pos == before + enc_head_size(value));
        }
        return;
    }
    if (enc_room(e)) {
        enc_advance(e, cbor_encode_uint(value, e->buf + e->pos, e->cap - e->pos));
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + enc_head_size(value));
    }
}

/* The content of a string whose head is already written. */
static void enc_content(enc *e, const void *ptr, size_t len)
{
    HS_ASSERT(!e->overflow && e->pos <= e->cap);
    if (len > e->cap - e->pos) {
        enc_fail(e);
        return;
    }
    if (len > 0) {
        memcpy(e->buf + e->pos, ptr, len);
        e->pos += len;
    }
}

void enc_text_slow(enc *e, const char *ptr, size_t len)
{
    HS_ASSERT(ptr != NULL || len == 0);
    size_t before = e->pos;
    if (!enc_room(e)) {
        return;
    }
    enc_advance(e, cbor_encode_string_start(len, e->buf + e->pos, e->cap - e->pos));
    if (!e->overflow) {
        enc_content(e, ptr, len);
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + enc_head_size(len) + len);
    }
}

void enc_bytes(enc *e, const uint8_t *ptr, size_t len)
{
    HS_ASSERT(ptr != NULL || len == 0);
    size_t before = e->pos;
    if (!enc_room(e)) {
        return;
    }
    enc_advance(e, cbor_encode_bytestring_start(len, e->buf + e->pos, e->cap - e->pos));
    if (!e->overflow) {
        enc_content(e, ptr, len);
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + enc_head_size(len) + len);
    }
}

void enc_bool(enc *e, bool value)
{
    size_t before = e->pos;
    if (enc_room(e)) {
        enc_advance(e, cbor_encode_bool(value, e->buf + e->pos, e->cap - e->pos));
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->overflow || e->pos == before + 1); /* simple values are one byte */
    }
}

hs_status enc_finish(const enc *e, size_t *len)
{
    HS_ASSERT(len != NULL);
    if (e->overflow) {
        return HS_ERR_TOO_SMALL;
    }
    HS_ASSERT(e->pos <= e->cap);
    *len = e->pos;
    return HS_OK;
}

size_t enc_head_size(uint64_t value)
{
    if (value < 24) {
        return 1;
    }
    if (value <= UINT8_MAX) {
        return 2;
    }
    if (value <= UINT16_MAX) {
        return 3;
    }
    if (value <= UINT32_MAX) {
        return 5;
    }
    return 9;
}
