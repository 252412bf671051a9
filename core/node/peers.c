/* TCP peer bindings made by HELLO (peers.h), kept in a dense fixed array:
 * a lookup scans at most PEERS_MAX entries, and only for TCP frames, which
 * carry control traffic. */
#include "peers.h"

#include <string.h>

void peers_init(peers *p)
{
    memset(p, 0, sizeof(*p));
    HS_ASSERT(p->count == 0);
}

static int32_t peers_index(const peers *p, uint64_t conn_id)
{
    HS_ASSERT(p->count <= PEERS_MAX);
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

static hs_status peers_bind(peers *p, step_ctx *ctx, uint64_t conn_id, const msg_hello *h)
{
    HS_ASSERT(p->count <= PEERS_MAX && h != NULL);
    if (h->proto_major != MSG_PROTO_MAJOR) {
        return HS_ERR_VERSION;
    }
    if (peers_index(p, conn_id) >= 0) {
        return HS_ERR_STATE;
    }
    if (p->count == PEERS_MAX) {
        ctx_event(ctx, HS_EV_TABLE_FULL, &h->name, HS_TABLE_PEERS, PEERS_MAX, 0);
        return HS_ERR_FULL;
    }
    p->slots[p->count++] = (peer_binding){conn_id, *h};
    p->high_water = p->count > p->high_water ? p->count : p->high_water;
    HS_ASSERT(p->count <= PEERS_MAX);
    HS_ASSERT(p->high_water >= p->count && p->high_water <= PEERS_MAX);
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
        ctx_event(ctx, HS_EV_HELLO_REFUSED, &h->name, st, in->conn_id, h->proto_major);
        *code = st;
        return PEERS_REFUSE;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(peers_index(p, in->conn_id) >= 0); /* O(PEERS_MAX) */
    }
    ctx->counters->hello_bound++;
    ctx_event(ctx, HS_EV_HELLO_BOUND, &h->name, in->conn_id, h->role,
              (uint64_t)h->proto_major << 32 | h->proto_minor);
    (void)ctx_send(ctx, HS_CH_TCP, in->from, in->conn_id, MSG_HELLO, self);
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
    /* Never answer an error with an error, bound or not. */
    if (in->type == MSG_ERROR || peers_index(p, in->conn_id) >= 0) {
        return PEERS_PASS;
    }
    ctx->counters->hello_missing++;
    ctx_event(ctx, HS_EV_HELLO_MISSING, NULL, in->type, in->conn_id, hs_addr_key(in->from));
    *code = HS_ERR_STATE;
    return PEERS_REFUSE;
}

void peers_on_closed(peers *p, uint64_t conn_id)
{
    int32_t i = peers_index(p, conn_id);
    if (i < 0) {
        return;
    }
    HS_ASSERT(p->count > 0 && (uint32_t)i < p->count);
    /* The last binding fills the hole: order follows the operations only. */
    p->slots[i] = p->slots[p->count - 1];
    p->count--;
    HS_ASSERT(peers_index(p, conn_id) < 0);
}
