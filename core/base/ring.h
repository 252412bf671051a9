/* Bounded FIFO ring of fixed-size elements.
 *
 * Used wherever a queue must never grow: rate-limit windows, recent
 * history, host byte queues.  Push on a full ring fails with HS_ERR_FULL;
 * ring_push_evict drops the oldest element instead, for histories. */
#ifndef HS_RING_H_
#define HS_RING_H_

#include "base.h"

typedef struct {
    uint8_t *data;
    uint32_t elem_size;
    uint32_t cap;
    uint32_t head;  /* index of the oldest element */
    uint32_t count;
} ring;

HS_MUST_USE hs_status ring_init(ring *r, uint32_t elem_size, uint32_t cap);
void ring_free(ring *r);
void ring_clear(ring *r);

HS_MUST_USE hs_status ring_push(ring *r, const void *elem);
/* Pushes, dropping the oldest element when full; returns true if one was dropped. */
bool ring_push_evict(ring *r, const void *elem);
bool ring_pop(ring *r, void *out);
/* Element i counted from the oldest (0) to the newest (count - 1). */
void *ring_at(const ring *r, uint32_t i);

static inline uint32_t ring_count(const ring *r) { return r->count; }
static inline uint32_t ring_cap(const ring *r) { return r->cap; }
static inline bool ring_full(const ring *r) { return r->count == r->cap; }

#endif /* HS_RING_H_ */
