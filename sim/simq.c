/* Event queue: packs (kind, node, gen) into the heap's first payload word:
 * kind in bits 56..63, node in 32..47, gen in 0..31. */
#include "simq.h"

hs_status simq_init(simq *q, uint32_t cap)
{
    q->high_water = 0;
    return theap_init(&q->heap, cap);
}

void simq_free(simq *q)
{
    theap_free(&q->heap);
}

static uint64_t pack(simq_kind kind, uint32_t node, uint32_t gen)
{
    HS_ASSERT(node <= UINT16_MAX);
    return ((uint64_t)kind << 56) | ((uint64_t)node << 32) | gen;
}

hs_status simq_push(simq *q, uint64_t at_ns, simq_kind kind, uint32_t node, uint32_t gen,
                    uint64_t arg, theap_handle *handle)
{
    theap_handle h = 0;
    hs_status st = theap_push(&q->heap, at_ns, pack(kind, node, gen), arg, &h);
    if (st != HS_OK) {
        return st;
    }
    if (theap_count(&q->heap) > q->high_water) {
        q->high_water = theap_count(&q->heap);
    }
    if (handle != NULL) {
        *handle = h;
    }
    return HS_OK;
}

bool simq_pop(simq *q, simq_event *ev)
{
    uint64_t a = 0;
    if (!theap_pop(&q->heap, &ev->at_ns, &a, &ev->arg)) {
        return false;
    }
    ev->kind = (uint8_t)(a >> 56);
    ev->node = (uint16_t)(a >> 32);
    ev->gen = (uint32_t)a;
    return true;
}

bool simq_peek_time(const simq *q, uint64_t *at_ns)
{
    uint64_t a = 0;
    uint64_t b = 0;
    return theap_peek(&q->heap, at_ns, &a, &b);
}

bool simq_cancel(simq *q, theap_handle handle)
{
    return theap_cancel(&q->heap, handle);
}

bool simq_reschedule(simq *q, theap_handle handle, uint64_t at_ns)
{
    return theap_reschedule(&q->heap, handle, at_ns);
}
