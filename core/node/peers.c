/* TCP peer bindings made by HELLO (peers.h), kept in a dense array of
 * peers_max entries allocated at node creation: a lookup scans at most
 * count entries, and only for TCP frames, which carry control traffic. */
#include "peers.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

hs_status peers_init(peers *p, uint32_t cap)
{
    HS_ASSERT(cap >= PEERS_MAX_MIN && cap <= PEERS_MAX_MAX);
    memset(p, 0, sizeof(*p));
    p->slots = hs_calloc(cap, sizeof(peer_binding));
    if (p->slots == NULL) {
        return HS_ERR_NOMEM;
    }
    p->cap = cap;
    HS_ASSERT(p->count == 0 && p->cap == cap);
    return HS_OK;
}

void peers_free(peers *p)
{
    hs_free(p->slots);
    p->slots = NULL;
    p->cap = 0;
    p->count = 0;
}

static int32_t peers_index(const peers *p, uint64_t conn_id)
{
    HS_ASSERT(p->count <= p->cap);
    for (uint32_t i = 0; i < p->count; i++) {
        if (p->slots[i].conn_id == conn_id) {
            return (int32_t)i;
        }
    }
    return -1;
}

const peer_binding *peers_find(const peers *p, uint64_t conn_id)
{
    int32_t i = peers_index(p, conn_id);
    return i >= 0 ? &p->slots[i] : NULL;
}

static void peers_remove_at(peers *p, uint32_t i)
{
    HS_ASSERT(i < p->count);
    /* The last binding fills the hole: order follows the operations only. */
    p->slots[i] = p->slots[p->count - 1];
    p->count--;
    HS_ASSERT(p->count < p->cap);
}

hs_status peers_send(peers *p, step_ctx *ctx, const hs_msg_in *in, uint16_t type,
                     const void *body)
{
    HS_ASSERT(in->channel == HS_CH_TCP && in->conn_id != 0);
    hs_status status = ctx_send(ctx, HS_CH_TCP, in->from, in->conn_id, type, body);
    if (status != HS_OK) {
        /* The frame did not go out (counted and reported by ctx_send): the
         * peer would read the next one in its place, so the stream ends. */
        peers_close(p, ctx, in->conn_id);
    }
    HS_ASSERT(status == HS_OK || peers_index(p, in->conn_id) < 0);
    return status;
}

void peers_close(peers *p, step_ctx *ctx, uint64_t conn_id)
{
    HS_ASSERT(conn_id != 0);
    if (hs_outbox_close(ctx->ob, conn_id) != HS_OK) {
        /* Reported by the outbox (OUTBOX_FULL).  The close still goes out,
         * through the event reserve: a connection core forgot but the host
         * keeps open would take frames nobody routes. */
        ctx->counters->outbox_overflows++;
        hs_outbox_close_stream(ctx->ob, conn_id);
    }
    int32_t i = peers_index(p, conn_id);
    if (i >= 0) {
        peers_remove_at(p, (uint32_t)i);
    }
    HS_ASSERT(peers_index(p, conn_id) < 0);
}

/* The table is full: the binding whose connection was quiet the longest
 * goes, and core closes that connection (ties: the lowest slot). */
static void peers_evict(peers *p, step_ctx *ctx, uint64_t by_conn)
{
    HS_ASSERT(p->count == p->cap && p->count > 0);
    uint32_t oldest = 0;
    for (uint32_t i = 1; i < p->count; i++) {
        if (p->slots[i].active_ns < p->slots[oldest].active_ns) {
            oldest = i;
        }
    }
    peer_binding victim = p->slots[oldest];
    ctx->counters->tables_full++;
    ctx->counters->peers_evicted++;
    ctx_event(ctx, HS_EV_TABLE_FULL, &victim.hello.name, HS_TABLE_PEERS, p->cap, p->count);
    HS_PROBE(ctx, NODE_PEER_EVICTED);
    ctx_event(ctx, HS_EV_PEER_EVICTED, &victim.hello.name, victim.conn_id, by_conn,
              ctx->now_ns - victim.active_ns);
    peers_close(p, ctx, victim.conn_id);
    HS_ASSERT(p->count == p->cap - 1);
}

static hs_status peers_bind(peers *p, step_ctx *ctx, uint64_t conn_id, const msg_hello *h)
{
    HS_ASSERT(p->count <= p->cap && h != NULL);
    if (h->proto_major != MSG_PROTO_MAJOR) {
        return HS_ERR_VERSION;
    }
    if (peers_index(p, conn_id) >= 0) {
        return HS_ERR_STATE;
    }
    if (p->count == p->cap) {
        peers_evict(p, ctx, conn_id);
    }
    p->slots[p->count++] = (peer_binding){conn_id, ctx->now_ns, *h};
    p->high_water = p->count > p->high_water ? p->count : p->high_water;
    HS_ASSERT(p->count <= p->cap);
    HS_ASSERT(p->high_water >= p->count && p->high_water <= p->cap);
    return HS_OK;
}

static peers_verdict on_hello(peers *p, step_ctx *ctx, const hs_msg_in *in,
                              const msg_hello *self, hs_status *code)
{
    HS_ASSERT(in->type == MSG_HELLO && self != NULL && code != NULL);
    const msg_hello *h = in->body;
    hs_status st = peers_bind(p, ctx, in->conn_id, h);
    if (st != HS_OK) {
        ctx->counters->hello_refused++;
        HS_PROBE(ctx, NODE_HELLO_REFUSED);
        ctx_event(ctx, HS_EV_HELLO_REFUSED, &h->name, st, in->conn_id, h->proto_major);
        *code = st;
        return PEERS_REFUSE;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(peers_index(p, in->conn_id) >= 0); /* O(count) */
    }
    ctx->counters->hello_bound++;
    ctx_event(ctx, HS_EV_HELLO_BOUND, &h->name, in->conn_id, h->role,
              (uint64_t)h->proto_major << 32 | h->proto_minor);
    (void)peers_send(p, ctx, in, MSG_HELLO, self); /* a failure ends the stream */
    return PEERS_DONE;
}

peers_verdict peers_on_tcp(peers *p, step_ctx *ctx, const hs_msg_in *in, const msg_hello *self,
                           hs_status *code)
{
    HS_ASSERT(in->channel == HS_CH_TCP && in->body != NULL);
    HS_ASSERT(code != NULL && self != NULL);
    *code = HS_OK;
    if (in->type == MSG_HELLO) {
        return on_hello(p, ctx, in, self, code);
    }
    int32_t i = peers_index(p, in->conn_id);
    if (i >= 0) {
        p->slots[i].active_ns = ctx->now_ns; /* eviction spares the active */
        return PEERS_PASS;
    }
    /* Never answer an error with an error, bound or not. */
    if (in->type == MSG_ERROR) {
        return PEERS_PASS;
    }
    ctx->counters->hello_missing++;
    HS_PROBE(ctx, NODE_HELLO_MISSING);
    ctx_event(ctx, HS_EV_HELLO_MISSING, NULL, in->type, in->conn_id, hs_addr_key(in->from));
    *code = HS_ERR_STATE;
    return PEERS_REFUSE;
}

void peers_on_closed(peers *p, uint64_t conn_id)
{
    int32_t i = peers_index(p, conn_id);
    if (i >= 0) {
        peers_remove_at(p, (uint32_t)i);
    }
    HS_ASSERT(peers_index(p, conn_id) < 0);
}
