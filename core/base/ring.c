/* Bounded FIFO ring of fixed-size elements.
 *
 * Invariants, asserted by every operation that can break them: count <=
 * cap, and head < cap once initialised (check_ring). */
#include "ring.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static inline void check_ring(const ring *r)
{
    HS_ASSERT(r->count <= r->cap);
    /* A zeroed ring (cap 0) is a valid empty one: pop fails, push is full. */
    HS_ASSERT(r->head < r->cap || r->cap == 0);
    HS_ASSERT_IMPLIES(r->cap > 0, r->data != NULL && r->elem_size > 0);
}

hs_status ring_init(ring *r, uint32_t elem_size, uint32_t cap)
{
    memset(r, 0, sizeof(*r));
    if (elem_size == 0 || cap == 0 || (uint64_t)elem_size * cap > (UINT64_C(1) << 31)) {
        return HS_ERR_INVALID;
    }
    r->data = hs_calloc(cap, elem_size);
    if (r->data == NULL) {
        return HS_ERR_NOMEM;
    }
    r->elem_size = elem_size;
    r->cap = cap;
    check_ring(r);
    HS_ASSERT(r->count == 0);
    return HS_OK;
}

void ring_free(ring *r)
{
    hs_free(r->data);
    memset(r, 0, sizeof(*r));
}

void ring_clear(ring *r)
{
    HS_ASSERT(r->data != NULL || r->cap == 0);
    r->head = 0;
    r->count = 0;
    HS_ASSERT(r->count <= r->cap);
}

static uint8_t *slot(const ring *r, uint32_t i)
{
    HS_ASSERT(i < r->cap);
    return r->data + (size_t)i * r->elem_size;
}

hs_status ring_push(ring *r, const void *elem)
{
    check_ring(r);
    HS_ASSERT(elem != NULL);
    if (r->count == r->cap) {
        return HS_ERR_FULL;
    }
    uint32_t tail = (r->head + r->count) % r->cap;
    memcpy(slot(r, tail), elem, r->elem_size);
    r->count++;
    HS_ASSERT(r->count <= r->cap);
    return HS_OK;
}

bool ring_push_evict(ring *r, const void *elem)
{
    check_ring(r);
    HS_ASSERT(r->cap > 0); /* evicting from a zero ring would divide by zero */
    bool dropped = false;
    if (r->count == r->cap) {
        r->head = (r->head + 1) % r->cap;
        r->count--;
        dropped = true;
    }
    hs_status status = ring_push(r, elem);
    HS_ASSERT(status == HS_OK);
    HS_ASSERT_IMPLIES(dropped, r->count == r->cap);
    return dropped;
}

bool ring_pop(ring *r, void *out)
{
    check_ring(r);
    if (r->count == 0) {
        return false;
    }
    if (out != NULL) {
        memcpy(out, slot(r, r->head), r->elem_size);
    }
    r->head = (r->head + 1) % r->cap;
    r->count--;
    HS_ASSERT(r->head < r->cap && r->count < r->cap);
    return true;
}

void *ring_at(const ring *r, uint32_t i)
{
    check_ring(r);
    HS_ASSERT(i < r->count);
    return slot(r, (r->head + i) % r->cap);
}
