/* The NODE module: control requests and replies, error replies, and the
 * connection counters (node_ctl.h). */
#include "node_ctl.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

HS_STATIC_ASSERT(MSG_ERROR >= 8 && MSG_STATS_RESP <= 31,
                 "NODE's message types within its module_list range");

hs_status node_ctl_init(node_ctl *c, const hs_name *name, const swim *sw, uint32_t members_cap,
                        uint32_t peers_max, uint32_t error_reply_per_sec,
                        uint32_t error_reply_burst)
{
    HS_ASSERT(sw != NULL);
    HS_ASSERT(members_cap + 1 <= MSG_MEMBERS_MAX);
    memset(c, 0, sizeof(*c));
    c->name = *name;
    c->swim = sw;
    c->reply_cap = members_cap + 1;
    c->reply_list = hs_malloc((size_t)c->reply_cap * sizeof(msg_member));
    if (c->reply_list == NULL) {
        return HS_ERR_NOMEM;
    }
    bucket_init(&c->error_replies, error_reply_per_sec, error_reply_burst);
    return peers_init(&c->peers, peers_max);
}

void node_ctl_free(node_ctl *c)
{
    peers_free(&c->peers);
    hs_free(c->reply_list);
    c->reply_list = NULL;
    c->reply_cap = 0;
}

/* ------------------------------------------------------------------ */
/* Error replies                                                       */

/* Replies to hostile or unknown traffic are rate limited: a flood of
 * garbage with forged sources must not turn the node into an amplifier.
 * Every suppressed reply is still counted and reported. */
void node_ctl_reply_error(node_ctl *c, step_ctx *ctx, const hs_msg_in *in, hs_status code,
                          uint32_t offending_type)
{
    HS_ASSERT(code != HS_OK); /* an error reply carries an error */
    HS_ASSERT(in->channel == HS_CH_UDP || in->channel == HS_CH_TCP);
    uint64_t to_key = hs_addr_key(in->from);
    if (!bucket_take(&c->error_replies, ctx->now_ns)) {
        ctx->counters->error_replies_suppressed++;
        HS_PROBE(ctx, NODE_ERROR_REPLY_SUPPRESSED);
        ctx_event(ctx, HS_EV_ERROR_REPLY_SUPPRESSED, NULL, code, offending_type, to_key);
        return;
    }
    msg_error m = {0};
    m.code = code;
    m.offending_type = offending_type;
    const char *text = hs_status_text(code);
    size_t len = strlen(text);
    len = len > MSG_DETAIL_MAX ? MSG_DETAIL_MAX : len;
    memcpy(m.detail, text, len);
    m.detail_len = (uint8_t)len;
    hs_status sent = in->channel == HS_CH_TCP
                         ? peers_send(&c->peers, ctx, in, MSG_ERROR, &m)
                         : ctx_send(ctx, in->channel, in->from, in->conn_id, MSG_ERROR, &m);
    if (sent == HS_OK) {
        ctx->counters->error_replies_sent++;
        ctx_event(ctx, HS_EV_ERROR_REPLY_SENT, NULL, code, offending_type, to_key);
    }
}

/* ------------------------------------------------------------------ */
/* Control requests (TCP)                                              */

static void reply_members(node_ctl *c, step_ctx *ctx, const hs_msg_in *in,
                          const msg_request *req)
{
    msg_members m = {0};
    m.request_id = req->request_id;
    m.node = c->name;
    msg_member_list *l = &m.members;
    l->items = c->reply_list;
    l->cap = c->reply_cap;
    swim_member self = c->swim->self;
    l->items[l->count++] = (msg_member){self.name, self.addr, self.incarnation, self.state,
                                        self.role};
    for (uint32_t i = 0; i < swim_slot_end(c->swim); i++) {
        const swim_member *mem = swim_member_slot(c->swim, i);
        if (mem == NULL) {
            continue;
        }
        HS_ASSERT(l->count < l->cap);
        l->items[l->count++] =
            (msg_member){mem->name, mem->addr, mem->incarnation, mem->state, mem->role};
    }
    HS_ASSERT(l->count == swim_member_count(c->swim) + 1);
    (void)peers_send(&c->peers, ctx, in, MSG_MEMBERS_RESP, &m); /* failures end the stream */
}

static void reply_stats(node_ctl *c, step_ctx *ctx, const hs_msg_in *in, const msg_request *req)
{
    msg_stats m = {0};
    m.request_id = req->request_id;
    m.node = c->name;
    m.counters.items = c->reply_counters;
    m.counters.cap = MSG_COUNTERS_MAX;
    uint32_t dropped = 0;
    m.counters.count = node_counters_report(ctx->counters, ctx->find_msg, m.counters.items,
                                            m.counters.cap, &dropped);
    if (dropped > 0) {
        ctx->counters->counters_truncated += dropped;
        HS_PROBE(ctx, NODE_COUNTERS_TRUNCATED);
        ctx_event(ctx, HS_EV_COUNTERS_TRUNCATED, NULL, NODE_TRUNC_REPLY, dropped,
                  m.counters.cap);
    }
    HS_ASSERT(m.counters.count <= m.counters.cap);
    (void)peers_send(&c->peers, ctx, in, MSG_STATS_RESP, &m); /* failures end the stream */
}

/* The HELLO this node answers a TCP peer's HELLO with. */
static msg_hello self_hello(const node_ctl *c)
{
    HS_ASSERT(c->swim != NULL);
    msg_hello h = {0};
    h.name = c->name;
    h.role = c->swim->self.role;
    h.proto_major = MSG_PROTO_MAJOR;
    h.proto_minor = MSG_PROTO_MINOR;
    h.incarnation = c->swim->self.incarnation;
    HS_ASSERT(h.name.len >= 1 && h.name.len <= HS_NAME_MAX); /* a configured name */
    return h;
}

void node_ctl_close(node_ctl *c, step_ctx *ctx, uint64_t conn_id)
{
    peers_close(&c->peers, ctx, conn_id);
    HS_ASSERT(peers_find(&c->peers, conn_id) == NULL);
}

bool node_ctl_admit(node_ctl *c, step_ctx *ctx, hs_msg_in *in)
{
    HS_ASSERT(in->channel == HS_CH_TCP);
    HS_ASSERT(in->body != NULL);
    msg_hello self = self_hello(c);
    hs_status code = HS_OK;
    switch (peers_on_tcp(&c->peers, ctx, in, &self, &code)) {
    case PEERS_DONE:
        return false;
    case PEERS_REFUSE:
        node_ctl_reply_error(c, ctx, in, code, in->type);
        return false;
    case PEERS_PASS:
        break;
    }
    const peer_binding *b = peers_find(&c->peers, in->conn_id);
    in->peer = b != NULL ? &b->hello.name : NULL;
    return true;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

void node_ctl_on_msg(node_ctl *c, step_ctx *ctx, const hs_msg_in *in)
{
    HS_ASSERT(in->body != NULL);
    HS_ASSERT(in->type >= MSG_ERROR && in->type <= MSG_STATS_RESP);
    uint64_t from_key = hs_addr_key(in->from);
    switch (in->type) {
    case MSG_ERROR: {
        /* Never answer an error with an error: two nodes would loop. */
        const msg_error *e = in->body;
        ctx->counters->error_replies_received++;
        ctx_event(ctx, HS_EV_ERROR_REPLY_RECEIVED, NULL, e->code, e->offending_type, from_key);
        return;
    }
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        ctx->counters->control_requests++;
        ctx_event(ctx, HS_EV_CONTROL_REQUEST, NULL, in->type, in->conn_id, 0);
        if (in->type == MSG_MEMBERS_REQ) {
            reply_members(c, ctx, in, in->body);
        } else {
            reply_stats(c, ctx, in, in->body);
        }
        return;
    default:
        /* A reply we never asked for (or a HELLO on UDP, which the
         * descriptor's channels already refuse). */
        ctx->counters->msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_STATE, in->type, from_key);
        node_ctl_reply_error(c, ctx, in, HS_ERR_STATE, in->type);
        return;
    }
}

void node_ctl_on_timer(node_ctl *c, step_ctx *ctx, uint64_t timer_id)
{
    /* NODE arms no timers yet (kinds 240..247 are reserved for it), so
     * owner-live is false and routing reports any such timer as stale. */
    HS_UNUSED(c);
    HS_UNUSED(ctx);
    HS_UNUSED(timer_id);
    HS_UNREACHABLE();
}

void node_ctl_on_timer_refused(node_ctl *c, step_ctx *ctx, uint64_t timer_id, hs_status reason)
{
    /* No timers of its own (see node_ctl_on_timer): nothing to re-arm. */
    HS_UNUSED(c);
    ctx_event(ctx, HS_EV_TIMER_ABANDONED, NULL, timer_id, reason, 0);
}

void node_ctl_on_disk(node_ctl *c, step_ctx *ctx, const hs_input *in)
{
    /* NODE owns no files: routing never gets here. */
    HS_UNUSED(c);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void node_ctl_on_send_failed(node_ctl *c, step_ctx *ctx, const hs_input *in)
{
    /* A reply the host could not send: the client times out and asks
     * again; the node has counted it and reported the event. */
    HS_UNUSED(c);
    HS_UNUSED(ctx);
    HS_ASSERT(in->kind == HS_IN_SEND_FAILED);
}

void node_ctl_on_conn_closed(node_ctl *c, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    peers_on_closed(&c->peers, conn_id);
    HS_ASSERT(peers_find(&c->peers, conn_id) == NULL);
    ctx->counters->tcp_conns_closed++;
    if (reason == HS_ERR_TIMEOUT) {
        /* Idle clients are closed to free the slot, not for misbehaving. */
        ctx->counters->tcp_conns_idle++;
    } else if (reason != HS_OK) {
        ctx->counters->tcp_conns_rejected++;
    }
    ctx_event(ctx, HS_EV_CONN_CLOSED, NULL, conn_id, reason, 0);
}

void node_ctl_on_member(node_ctl *c, step_ctx *ctx, const hs_member_change *change)
{
    /* Replies read the member table when asked: nothing to keep. */
    HS_UNUSED(c);
    HS_UNUSED(ctx);
    HS_UNUSED(change);
}

void node_ctl_on_wake(node_ctl *c, step_ctx *ctx)
{
    /* Parks nothing (no timers of its own): another module's wake-up. */
    HS_UNUSED(c);
    HS_UNUSED(ctx);
}

bool node_ctl_owner_live(const node_ctl *c, uint32_t space, uint64_t id)
{
    /* No timers, no disk operations. */
    HS_UNUSED(c);
    HS_UNUSED(space);
    HS_UNUSED(id);
    return false;
}

uint32_t node_ctl_tables(const node_ctl *c, hs_table_view *out, uint32_t cap)
{
    /* The reply rows are sized to the member table's cap plus self and
     * filled per reply: no table that could fill up between steps.  The
     * HELLO bindings are a table that fills with connections. */
    HS_ASSERT(cap >= 1);
    out[0] = (hs_table_view){HS_TABLE_PEERS, HS_MOD_NODE, c->peers.count, c->peers.cap,
                             c->peers.high_water};
    HS_ASSERT(c->peers.count <= c->peers.high_water);
    return 1;
}

void node_ctl_check(const node_ctl *c)
{
    HS_ASSERT_MSG(c->peers.count <= c->peers.cap && c->peers.count <= c->peers.high_water,
                  "node_ctl: peer bindings within their cap and high-water mark");
    for (uint32_t i = 0; i < c->peers.count; i++) {
        HS_ASSERT_MSG(peers_find(&c->peers, c->peers.slots[i].conn_id) == &c->peers.slots[i],
                      "node_ctl: one binding per connection");
    }
    HS_ASSERT_MSG(c->reply_list != NULL && c->reply_cap == c->swim->cfg.members_cap + 1,
                  "node_ctl: members reply rows hold self plus the member table");
    HS_ASSERT_MSG(c->error_replies.milli <= (uint64_t)c->error_replies.burst * 1000u,
                  "node_ctl: error-reply bucket within its burst");
}
