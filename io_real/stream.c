/* Frame reassembly over frame_parse_header.  See stream.h. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"

static hs_status peek(const stream *s, uint32_t *total);

void stream_init(stream *s, uint32_t max_payload)
{
    HS_ASSERT(max_payload <= FRAME_TCP_PAYLOAD_MAX);
    memset(s, 0, sizeof(*s));
    s->max_payload = max_payload;
    s->cap_max = FRAME_HEADER_LEN + max_payload;
    s->error = HS_OK;
}

void stream_free(stream *s)
{
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;
    s->head = 0;
    s->tail = 0;
}

void stream_reset(stream *s, uint32_t max_payload)
{
    HS_ASSERT(max_payload <= FRAME_TCP_PAYLOAD_MAX);
    uint32_t cap_max = FRAME_HEADER_LEN + max_payload;
    if (s->cap > cap_max) {
        stream_free(s);
    }
    s->head = 0;
    s->tail = 0;
    s->max_payload = max_payload;
    s->cap_max = cap_max;
    s->error = HS_OK;
}

static void compact(stream *s)
{
    if (s->head == 0) {
        return;
    }
    uint32_t held = stream_buffered(s);
    memmove(s->buf, s->buf + s->head, held);
    s->head = 0;
    s->tail = held;
}

static hs_status grow(stream *s, uint32_t grow_budget)
{
    uint32_t want = s->cap == 0 ? STREAM_CAP_MIN : s->cap * 2;
    if (want > s->cap_max) {
        want = s->cap_max;
    }
    HS_ASSERT(want > s->cap);
    if (want - s->cap > grow_budget) {
        return HS_ERR_FULL;
    }
    uint8_t *bigger = realloc(s->buf, want);
    if (bigger == NULL) {
        return HS_ERR_NOMEM;
    }
    s->buf = bigger;
    s->cap = want;
    return HS_OK;
}

hs_status stream_space(stream *s, uint32_t grow_budget, uint8_t **dst, uint32_t *room)
{
    *dst = NULL;
    *room = 0;
    if (s->error != HS_OK) {
        return s->error;
    }
    if (s->tail == s->cap) {
        compact(s);
    }
    if (s->tail == s->cap) {
        /* Full of bytes: grow only if they are one unfinished frame, so a
         * caller holding complete frames back gets room 0, not memory. */
        uint32_t total = 0;
        hs_status next = peek(s, &total);
        if (next == HS_ERR_TRUNCATED) {
            HS_ASSERT(s->cap < s->cap_max);
            hs_status status = grow(s, grow_budget);
            if (status != HS_OK) {
                return status;
            }
        } else if (next != HS_OK) {
            s->error = next;
            return next;
        }
    }
    *dst = s->buf + s->tail;
    *room = s->cap - s->tail;
    return HS_OK;
}

void stream_commit(stream *s, uint32_t n)
{
    HS_ASSERT(n <= s->cap - s->tail);
    s->tail += n;
}

/* Length of the frame at the head, without changing the stream:
 * HS_ERR_TRUNCATED when more bytes are needed, or the header's refusal. */
static hs_status peek(const stream *s, uint32_t *total)
{
    *total = 0;
    uint32_t held = stream_buffered(s);
    if (held < FRAME_HEADER_LEN) {
        return HS_ERR_TRUNCATED;
    }
    frame_header header;
    hs_status status = frame_parse_header(s->buf + s->head, held, s->max_payload, &header);
    if (status != HS_OK) {
        /* frame_parse_header only sees whole headers here, so any refusal
         * is a bad header, never a short read. */
        return status == HS_ERR_TRUNCATED ? HS_ERR_MALFORMED : status;
    }
    HS_ASSERT(header.length <= s->max_payload);
    *total = FRAME_HEADER_LEN + header.length;
    return held < *total ? HS_ERR_TRUNCATED : HS_OK;
}

hs_status stream_next(stream *s, const uint8_t **frame, uint32_t *len)
{
    *frame = NULL;
    *len = 0;
    if (s->error != HS_OK) {
        return s->error;
    }
    uint32_t total = 0;
    hs_status status = peek(s, &total);
    if (status == HS_ERR_TRUNCATED) {
        return status;
    }
    if (status != HS_OK) {
        s->error = status;
        return status;
    }
    *frame = s->buf + s->head;
    *len = total;
    return HS_OK;
}

void stream_consume(stream *s, uint32_t len)
{
    HS_ASSERT(len >= FRAME_HEADER_LEN);
    HS_ASSERT(len <= stream_buffered(s));
    s->head += len;
    if (s->head == s->tail) {
        s->head = 0;
        s->tail = 0;
        /* An idle connection keeps at most STREAM_CAP_MIN: a megabyte frame
         * must not pin a megabyte per connection afterwards. */
        if (s->cap > STREAM_CAP_MIN) {
            free(s->buf);
            s->buf = NULL;
            s->cap = 0;
        }
    }
}

hs_status stream_feed(stream *s, const uint8_t *bytes, size_t n, uint32_t grow_budget,
                      size_t *taken)
{
    *taken = 0;
    while (*taken < n) {
        uint8_t *dst = NULL;
        uint32_t room = 0;
        hs_status status = stream_space(s, grow_budget, &dst, &room);
        if (status != HS_OK) {
            return status;
        }
        if (room == 0) {
            return HS_OK;
        }
        size_t chunk = n - *taken < room ? n - *taken : room;
        memcpy(dst, bytes + *taken, chunk);
        stream_commit(s, (uint32_t)chunk);
        *taken += chunk;
    }
    return HS_OK;
}

bool stream_partial(const stream *s)
{
    if (stream_buffered(s) == 0 || s->error != HS_OK) {
        return false;
    }
    uint32_t total = 0;
    return peek(s, &total) == HS_ERR_TRUNCATED;
}
