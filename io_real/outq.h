/* A connection's output queue: bytes waiting for the socket to accept them.
 *
 * Contiguous, growing by doubling from OUTQ_CAP_MIN up to a hard limit set
 * at init (the per-connection cap, e.g. 4 MiB); a push that would pass the
 * limit is refused whole with HS_ERR_FULL, so a frame is either queued
 * completely or not at all.  When the queue drains, a large buffer is
 * released so an idle connection costs no memory.  Back-pressure policy
 * (stop reading a connection whose queue is high) lives in tcp.c; this
 * module only reports lengths. */
#ifndef OUTQ_H_
#define OUTQ_H_

#include "base.h"

#define OUTQ_CAP_MIN 4096u

typedef struct {
    uint8_t *buf;
    uint32_t cap;   /* bytes allocated */
    uint32_t head;  /* first unsent byte */
    uint32_t tail;  /* one past the last queued byte */
    uint32_t limit; /* most bytes ever queued at once */
} outq;

void outq_init(outq *q, uint32_t limit);
void outq_free(outq *q);

/* Queues all len bytes or none: HS_ERR_FULL past the limit, or past
 * grow_budget bytes of new allocation; HS_ERR_NOMEM when allocation fails. */
HS_MUST_USE hs_status outq_push(outq *q, const uint8_t *bytes, uint32_t len, uint32_t grow_budget);
/* The unsent bytes, oldest first. */
const uint8_t *outq_peek(const outq *q, uint32_t *len);
/* Drops n sent bytes from the front. */
void outq_consume(outq *q, uint32_t n);
/* Drops everything (a connection that broke mid-frame). */
void outq_clear(outq *q);

static inline uint32_t outq_len(const outq *q) { return q->tail - q->head; }
static inline uint32_t outq_capacity(const outq *q) { return q->cap; }

#endif /* OUTQ_H_ */
