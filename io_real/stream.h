/* TCP frame reassembly: bytes in, complete frames (or one error) out.
 *
 * Pure: no syscalls, so the fuzzer drives it exactly as the host does.  The
 * buffer grows with the bytes that actually arrived (doubling from
 * STREAM_CAP_MIN), never to a length a header merely declares, so sixteen
 * hostile bytes cannot make the node allocate a megabyte.  It never grows
 * past FRAME_HEADER_LEN + max_payload, which is the most one frame needs.
 *
 * A header that frame_parse_header refuses (bad version, reserved flags,
 * declared length over the limit) means the stream cannot be resynchronised:
 * the error is sticky and the host closes the connection with that status
 * as the HS_IN_CONN_CLOSED reason.  The checksum is not checked here: core
 * decodes each complete frame and counts a bad checksum itself. */
#ifndef STREAM_H_
#define STREAM_H_

#include "base.h"

#define STREAM_CAP_MIN 4096u

typedef struct {
    uint8_t *buf;
    uint32_t cap;       /* bytes allocated (0 until the first byte arrives) */
    uint32_t head;      /* first byte not yet consumed */
    uint32_t tail;      /* one past the last byte received */
    uint32_t max_payload;
    uint32_t cap_max;   /* FRAME_HEADER_LEN + max_payload */
    hs_status error;    /* HS_OK until the stream went bad; sticky */
} stream;

void stream_init(stream *s, uint32_t max_payload);
void stream_free(stream *s);
/* Starts over as a new, empty stream, keeping the buffer when it is within
 * the new limit: the fuzzer replays one input hundreds of times per run. */
void stream_reset(stream *s, uint32_t max_payload);

/* Room to receive into at *dst.  The buffer is compacted or grown first if
 * it is full of one incomplete frame; growth is refused with HS_ERR_FULL
 * when it would take more than grow_budget bytes, and HS_ERR_NOMEM when
 * allocation fails.  *room may be 0 when complete frames wait to be taken
 * with stream_next (the caller is applying back-pressure).  No room is
 * offered once the stream has failed. */
HS_MUST_USE hs_status stream_space(stream *s, uint32_t grow_budget, uint8_t **dst,
                                   uint32_t *room);
/* Records that n bytes were written at the pointer stream_space gave. */
void stream_commit(stream *s, uint32_t n);

/* The next complete frame: HS_OK with *frame and *len (header included;
 * valid until the next stream_consume or stream_space), HS_ERR_TRUNCATED
 * when more bytes are needed, or the sticky header error. */
HS_MUST_USE hs_status stream_next(stream *s, const uint8_t **frame, uint32_t *len);
/* Drops the frame stream_next returned (len must be that frame's length). */
void stream_consume(stream *s, uint32_t len);

/* Copies up to n bytes in (tests and the fuzzer); *taken says how many fit.
 * Returns what stream_space returned. */
HS_MUST_USE hs_status stream_feed(stream *s, const uint8_t *bytes, size_t n, uint32_t grow_budget,
                                  size_t *taken);

static inline uint32_t stream_buffered(const stream *s) { return s->tail - s->head; }
static inline uint32_t stream_capacity(const stream *s) { return s->cap; }
/* Bytes of a frame that has not finished arriving are held. */
bool stream_partial(const stream *s);

#endif /* STREAM_H_ */
