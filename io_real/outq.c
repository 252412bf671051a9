/* Bounded output byte queue.  See outq.h. */
#include "outq.h"

#include <stdlib.h>
#include <string.h>

void outq_init(outq *q, uint32_t limit)
{
    HS_ASSERT(limit > 0);
    memset(q, 0, sizeof(*q));
    q->limit = limit;
}

void outq_free(outq *q)
{
    free(q->buf);
    q->buf = NULL;
    q->cap = 0;
    q->head = 0;
    q->tail = 0;
}

/* Makes room for len more bytes at the tail: compact first, then grow. */
static hs_status reserve(outq *q, uint32_t len, uint32_t grow_budget)
{
    if (q->cap - q->tail >= len) {
        return HS_OK;
    }
    uint32_t held = outq_len(q);
    if (q->head > 0) {
        memmove(q->buf, q->buf + q->head, held);
        q->head = 0;
        q->tail = held;
    }
    if (q->cap - q->tail >= len) {
        return HS_OK;
    }
    uint64_t want = q->cap == 0 ? OUTQ_CAP_MIN : q->cap;
    while (want < (uint64_t)held + len) {
        want *= 2;
    }
    if (want > q->limit) {
        want = q->limit;
    }
    HS_ASSERT(want >= (uint64_t)held + len);
    if (want - q->cap > grow_budget) {
        return HS_ERR_FULL;
    }
    uint8_t *bigger = realloc(q->buf, (size_t)want);
    if (bigger == NULL) {
        return HS_ERR_NOMEM;
    }
    q->buf = bigger;
    q->cap = (uint32_t)want;
    return HS_OK;
}

hs_status outq_push(outq *q, const uint8_t *bytes, uint32_t len, uint32_t grow_budget)
{
    if (len == 0) {
        return HS_OK;
    }
    if ((uint64_t)outq_len(q) + len > q->limit) {
        return HS_ERR_FULL;
    }
    hs_status status = reserve(q, len, grow_budget);
    if (status != HS_OK) {
        return status;
    }
    memcpy(q->buf + q->tail, bytes, len);
    q->tail += len;
    HS_ASSERT(outq_len(q) <= q->limit);
    return HS_OK;
}

const uint8_t *outq_peek(const outq *q, uint32_t *len)
{
    *len = outq_len(q);
    return *len == 0 ? NULL : q->buf + q->head;
}

void outq_consume(outq *q, uint32_t n)
{
    HS_ASSERT(n <= outq_len(q));
    q->head += n;
    if (q->head == q->tail) {
        q->head = 0;
        q->tail = 0;
        if (q->cap > OUTQ_CAP_MIN) {
            free(q->buf);
            q->buf = NULL;
            q->cap = 0;
        }
    }
}

void outq_clear(outq *q)
{
    outq_consume(q, outq_len(q));
}
