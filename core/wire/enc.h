/* A small canonical CBOR encoder for the wire codec (msg.c).
 *
 * It writes into a caller-provided buffer through libcbor's cbor_encode_*
 * functions.  Those return 0 when the buffer is too small; the encoder
 * records that in a sticky overflow flag instead of making every caller
 * check every call, and enc_finish turns it into HS_ERR_TOO_SMALL.  After
 * an overflow further writes are ignored, so pos never exceeds cap.
 *
 * Only the subset the wire format uses is offered: unsigned integers,
 * definite text and byte strings, definite arrays and maps, booleans.
 * Every head is written at its smallest width (canonical CBOR), so the
 * size of an item is a pure function of its value (enc_head_size). */
#ifndef HS_ENC_H_
#define HS_ENC_H_

#include <string.h>

#include "base.h"

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    bool overflow;
} enc;

void enc_init(enc *e, uint8_t *buf, size_t cap);

/* General paths through libcbor; prefer the inline wrappers below. */
void enc_map_slow(enc *e, uint64_t pairs);
void enc_array_slow(enc *e, uint64_t items);
void enc_uint_slow(enc *e, uint64_t value);
void enc_text_slow(enc *e, const char *ptr, size_t len);
void enc_bytes(enc *e, const uint8_t *ptr, size_t len);
void enc_bool(enc *e, bool value);
/* Records an overflow: an item did not fit.  Clamps cap to pos, so that
 * every later inline fast path fails its room check. */
void enc_fail(enc *e);

/* Hot path: a head whose value fits the initial byte (< 24) is one byte,
 * written inline; the encoding is the one libcbor produces (a unit test
 * compares them byte for byte).  An overflow clamps cap to pos, so after
 * it every inline path falls through to the slow path, which ignores the
 * write. */
static inline bool enc_tiny(enc *e, uint8_t major, uint64_t value)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(major % 32 == 0 && e->pos <= e->cap); /* a major type; clamp kept */
    }
    if (value < 24 && e->pos < e->cap) {
        e->buf[e->pos++] = (uint8_t)(major | value);
        return true;
    }
    return false;
}

static inline void enc_map(enc *e, uint64_t pairs)
{
    if (!enc_tiny(e, 0xa0, pairs)) {
        enc_map_slow(e, pairs);
    }
}

static inline void enc_array(enc *e, uint64_t items)
{
    if (!enc_tiny(e, 0x80, items)) {
        enc_array_slow(e, items);
    }
}

static inline void enc_uint(enc *e, uint64_t value)
{
    if (!enc_tiny(e, 0x00, value)) {
        enc_uint_slow(e, value);
    }
}

/* Short text (< 24 bytes) whose head and content both fit: one head byte
 * and a copy. */
static inline void enc_text(enc *e, const char *ptr, size_t len)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT((ptr != NULL || len == 0) && e->pos <= e->cap);
    }
    if (len < 24 && len > 0 && len < e->cap - e->pos) {
        e->buf[e->pos] = (uint8_t)(0x60 | len);
        memcpy(e->buf + e->pos + 1, ptr, len);
        e->pos += 1 + len;
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(e->pos <= e->cap);
        }
        return;
    }
    enc_text_slow(e, ptr, len);
}

/* Short byte strings (1..255 bytes) whose head and content fit: one or
 * two head bytes and a copy.  An empty string goes the slow way so that
 * memcpy never sees a NULL pointer. */
static inline void enc_bytes_short(enc *e, const uint8_t *ptr, size_t len)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT((ptr != NULL || len == 0) && e->pos <= e->cap);
    }
    size_t head = len < 24 ? 1 : 2;
    if (len > 0 && len < 256 && head + len <= e->cap - e->pos) {
        if (head == 1) {
            e->buf[e->pos] = (uint8_t)(0x40 | len);
        } else {
            e->buf[e->pos] = 0x58;
            e->buf[e->pos + 1] = (uint8_t)len;
        }
        memcpy(e->buf + e->pos + head, ptr, len);
        e->pos += head + len;
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(e->pos <= e->cap);
        }
        return;
    }
    enc_bytes(e, ptr, len);
}

/* A byte string of len bytes (1..255) whose content the caller writes in
 * place, saving the copy enc_bytes_short makes: the head is written now
 * and the content's first byte returned; the caller must fill all len
 * bytes.  NULL when head and content do not fit, with the overflow
 * recorded as for any other item.  Member records take this path. */
static inline uint8_t *enc_bytes_reserve(enc *e, size_t len)
{
    HS_ASSERT(len > 0 && len < 256);
    size_t head = len < 24 ? 1 : 2;
    if (head + len > e->cap - e->pos) {
        enc_fail(e);
        return NULL;
    }
    uint8_t *p = e->buf + e->pos;
    if (head == 1) {
        p[0] = (uint8_t)(0x40 | len);
    } else {
        p[0] = 0x58;
        p[1] = (uint8_t)len;
    }
    e->pos += head + len;
    return p + head;
}

/* HS_OK and *len = bytes written, or HS_ERR_TOO_SMALL after an overflow. */
HS_MUST_USE hs_status enc_finish(const enc *e, size_t *len);

/* Bytes of the canonical head carrying value (any major type):
 * 1 below 24, then 2, 3, 5 or 9. */
size_t enc_head_size(uint64_t value);

#endif /* HS_ENC_H_ */
