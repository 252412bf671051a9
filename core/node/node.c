/* The node: routes each input to its owner (frame and message decoding,
 * SWIM, the meta store, control requests), keeps the counters, and
 * answers what it cannot process with an explicit error reply. */
#include "node.h"

#include "bucket.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

HS_STATIC_ASSERT(NODE_COUNTER_COUNT <= MSG_COUNTERS_MAX, "counters fit a stats reply");

struct node {
    node_config cfg;
    rng rng;
    node_counters counters;
    meta_store meta;
    swim swim;
    bool running;         /* SWIM started */
    bool halted;          /* the meta store is unusable: stay out of the cluster */
    uint32_t start_inc;   /* incarnation to start with once durable */
    bucket error_replies;
    /* Decode scratch: received member lists land here. */
    msg_member rx_list[MSG_SYNC_MAX];
    /* Members reply rows: self plus every member. */
    msg_member *reply_list;
    uint32_t reply_cap;
};

void node_config_defaults(node_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->role = ROLE_WORKER;
    swim_config_defaults(&cfg->swim);
    cfg->error_reply_per_sec = 10;
    cfg->error_reply_burst = 20;
}

hs_status node_config_check(const node_config *cfg)
{
    if (!hs_name_valid(cfg->name.bytes, cfg->name.len) || cfg->role >= NODE_ROLE_COUNT) {
        return HS_ERR_INVALID;
    }
    if (cfg->addr.port == 0 || cfg->seed_count > NODE_SEEDS_MAX) {
        return HS_ERR_INVALID;
    }
    if (cfg->swim.members_cap + 1 > MSG_MEMBERS_MAX) {
        return HS_ERR_RANGE;
    }
    if (cfg->error_reply_per_sec > 100000 || cfg->error_reply_burst > 100000) {
        return HS_ERR_RANGE;
    }
    return swim_config_check(&cfg->swim);
}

hs_status node_create(const node_config *cfg, node **out)
{
    *out = NULL;
    hs_status status = node_config_check(cfg);
    if (status != HS_OK) {
        return status;
    }
    node *n = calloc(1, sizeof(node));
    if (n == NULL) {
        return HS_ERR_NOMEM;
    }
    n->cfg = *cfg;
    rng_seed(&n->rng, cfg->rng_seed);
    meta_init(&n->meta, &cfg->name);
    status = swim_init(&n->swim, &cfg->swim, &cfg->name, cfg->addr, cfg->role, cfg->seeds,
                       cfg->seed_count);
    if (status == HS_OK) {
        n->reply_cap = cfg->swim.members_cap + 1;
        n->reply_list = malloc((size_t)n->reply_cap * sizeof(msg_member));
        status = n->reply_list == NULL ? HS_ERR_NOMEM : HS_OK;
    }
    if (status != HS_OK) {
        node_destroy(n);
        return status;
    }
    bucket_init(&n->error_replies, cfg->error_reply_per_sec, cfg->error_reply_burst);
    *out = n;
    return HS_OK;
}

void node_destroy(node *n)
{
    if (n == NULL) {
        return;
    }
    swim_free(&n->swim);
    free(n->reply_list);
    free(n);
}

/* ------------------------------------------------------------------ */
/* Error replies                                                       */

/* Replies to hostile or unknown traffic are rate limited: a flood of
 * garbage with forged sources must not turn the node into an amplifier.
 * Every suppressed reply is still counted and reported. */
static void reply_error(node *n, step_ctx *ctx, const hs_input *in, hs_status code,
                        uint32_t offending_type)
{
    uint64_t to_key = hs_addr_key(in->u.recv.from);
    if (!bucket_take(&n->error_replies, ctx->now_ns)) {
        n->counters.error_replies_suppressed++;
        ctx_event(ctx, HS_EV_ERROR_REPLY_SUPPRESSED, NULL, code, offending_type, to_key);
        return;
    }
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_ERROR;
    m.u.error.code = code;
    m.u.error.offending_type = offending_type;
    const char *text = hs_status_text(code);
    size_t len = strlen(text);
    len = len > MSG_DETAIL_MAX ? MSG_DETAIL_MAX : len;
    memcpy(m.u.error.detail, text, len);
    m.u.error.detail_len = (uint8_t)len;
    if (ctx_send(ctx, in->u.recv.channel, in->u.recv.from, in->u.recv.conn_id, &m) == HS_OK) {
        n->counters.error_replies_sent++;
        ctx_event(ctx, HS_EV_ERROR_REPLY_SENT, NULL, code, offending_type, to_key);
    }
}

/* ------------------------------------------------------------------ */
/* Control requests (TCP)                                              */

static void reply_members(node *n, step_ctx *ctx, const hs_input *in, const msg *req)
{
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_MEMBERS_RESP;
    m.u.request.request_id = req->u.request.request_id;
    m.u.request.node = n->cfg.name;
    m.list = n->reply_list;
    m.list_cap = n->reply_cap;
    swim_member self = n->swim.self;
    m.list[m.list_count++] = (msg_member){self.name, self.addr, self.incarnation, self.state,
                                          self.role};
    for (uint32_t i = 0; i < swim_slot_end(&n->swim); i++) {
        const swim_member *mem = swim_member_slot(&n->swim, i);
        if (mem == NULL) {
            continue;
        }
        HS_ASSERT(m.list_count < m.list_cap);
        m.list[m.list_count++] =
            (msg_member){mem->name, mem->addr, mem->incarnation, mem->state, mem->role};
    }
    (void)ctx_send(ctx, HS_CH_TCP, in->u.recv.from, in->u.recv.conn_id, &m);
}

static void reply_stats(node *n, step_ctx *ctx, const hs_input *in, const msg *req)
{
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_STATS_RESP;
    m.u.stats.request_id = req->u.request.request_id;
    m.u.stats.node = n->cfg.name;
    m.u.stats.count = node_counters_report(&n->counters, m.u.stats.counters, MSG_COUNTERS_MAX);
    (void)ctx_send(ctx, HS_CH_TCP, in->u.recv.from, in->u.recv.conn_id, &m);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

static void dispatch(node *n, step_ctx *ctx, const hs_input *in, const msg *m)
{
    uint64_t from_key = hs_addr_key(in->u.recv.from);
    switch (m->type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        if (!n->running) {
            /* Not yet in the cluster (or halted): answering would use an
             * incarnation that is not durable. */
            n->counters.msgs_rejected++;
            ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_STATE, m->type, from_key);
            return;
        }
        swim_on_message(&n->swim, ctx, in->u.recv.from, m);
        return;
    case MSG_ERROR:
        /* Never answer an error with an error: two nodes would loop. */
        n->counters.error_replies_received++;
        ctx_event(ctx, HS_EV_ERROR_REPLY_RECEIVED, NULL, m->u.error.code,
                  m->u.error.offending_type, from_key);
        return;
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        n->counters.control_requests++;
        ctx_event(ctx, HS_EV_CONTROL_REQUEST, NULL, m->type, in->u.recv.conn_id, 0);
        if (m->type == MSG_MEMBERS_REQ) {
            reply_members(n, ctx, in, m);
        } else {
            reply_stats(n, ctx, in, m);
        }
        return;
    default:
        /* A reply we never asked for. */
        n->counters.msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_STATE, m->type, from_key);
        reply_error(n, ctx, in, HS_ERR_STATE, m->type);
        return;
    }
}

static void on_recv(node *n, step_ctx *ctx, const hs_input *in)
{
    hs_channel channel = in->u.recv.channel;
    uint64_t from_key = hs_addr_key(in->u.recv.from);
    n->counters.frames_rx++;
    uint32_t max = channel == HS_CH_UDP ? FRAME_UDP_PAYLOAD_MAX : FRAME_TCP_PAYLOAD_MAX;
    frame_header header;
    const uint8_t *payload = NULL;
    hs_status status = frame_decode(in->u.recv.bytes, in->u.recv.len, max, &header, &payload);
    if (status != HS_OK) {
        n->counters.frames_rejected++;
        ctx_event(ctx, HS_EV_FRAME_REJECTED, NULL, status, channel, from_key);
        if (channel == HS_CH_TCP && hs_outbox_close(ctx->ob, in->u.recv.conn_id) != HS_OK) {
            n->counters.outbox_overflows++;
        }
        return;
    }
    node_counters_msg(&n->counters, NODE_DIR_RX, header.type, in->u.recv.len);
    const msg_type_info *info = msg_info(header.type);
    if (info == NULL) {
        n->counters.unknown_type++;
        ctx_event(ctx, HS_EV_MSG_UNKNOWN_TYPE, NULL, header.type, channel, from_key);
        reply_error(n, ctx, in, HS_ERR_UNKNOWN_TYPE, header.type);
        return;
    }
    uint32_t channel_bit = channel == HS_CH_UDP ? MSG_ON_UDP : MSG_ON_TCP;
    if ((info->channels & channel_bit) == 0) {
        n->counters.wrong_channel++;
        ctx_event(ctx, HS_EV_MSG_WRONG_CHANNEL, NULL, header.type, channel, from_key);
        reply_error(n, ctx, in, HS_ERR_STATE, header.type);
        return;
    }
    msg m;
    m.list = n->rx_list;
    m.list_cap = HS_ARRAY_LEN(n->rx_list);
    m.list_count = 0;
    status = msg_decode(header.type, payload, header.length, &m);
    if (status != HS_OK) {
        n->counters.msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, status, header.type, from_key);
        if (header.type != MSG_ERROR) {
            reply_error(n, ctx, in, status, header.type);
        }
        return;
    }
    dispatch(n, ctx, in, &m);
}

/* ------------------------------------------------------------------ */
/* Start-up, disk, timers, commands                                    */

static void try_start(node *n, step_ctx *ctx)
{
    uint32_t ceiling = n->meta.durable.inc_ceiling;
    if (n->running || n->halted || ceiling < n->start_inc + SWIM_INC_WINDOW) {
        return;
    }
    n->running = true;
    ctx_event(ctx, HS_EV_NODE_READY, NULL, n->start_inc, ceiling, 0);
    swim_start(&n->swim, ctx, n->start_inc, ceiling);
}

static void on_disk_done(node *n, step_ctx *ctx, const hs_input *in)
{
    meta_outcome outcome;
    if (!meta_on_disk_done(&n->meta, ctx, in, &outcome)) {
        n->counters.inputs_unhandled++;
        ctx_event(ctx, HS_EV_INPUT_UNHANDLED, NULL, in->kind, 0, 0);
        return;
    }
    switch (outcome) {
    case META_LOADED:
        /* Never reuse an incarnation: a recovered ceiling may have been
         * used up to its last value before the crash. */
        n->start_inc = n->meta.durable.seq == 0 ? 0 : n->meta.durable.inc_ceiling + 1;
        meta_want_ceiling(&n->meta, ctx, n->start_inc + SWIM_INC_WINDOW);
        break;
    case META_DURABLE:
        if (n->running) {
            swim_ceiling_durable(&n->swim, ctx, n->meta.durable.inc_ceiling);
        } else {
            try_start(n, ctx);
        }
        break;
    case META_FAILED_NOW:
        /* The node stays out of the cluster; the host stops the process
         * with a clear message when it sees this record. */
        n->halted = true;
        ctx_event(ctx, HS_EV_NODE_HALTED, &n->meta.failure_owner, n->meta.failure, 0, 0);
        break;
    case META_NOTHING:
        break;
    }
}

static void on_timer(node *n, step_ctx *ctx, const hs_input *in)
{
    uint64_t id = in->u.timer.timer_id;
    uint8_t kind = hs_timer_kind(id);
    if (!node_timer_owner_live(n, id)) {
        /* The host fired a timer we cancelled: a host bug worth seeing. */
        ctx_event(ctx, HS_EV_TIMER_STALE, NULL, id, 0, 0);
        return;
    }
    if (kind == META_TIMER_RETRY) {
        meta_on_timer(&n->meta, ctx, id);
        return;
    }
    swim_on_timer(&n->swim, ctx, id);
}

static void on_command(node *n, step_ctx *ctx, const hs_input *in)
{
    if (in->u.command.command == HS_CMD_LEAVE) {
        /* Before the node runs there is no membership to leave: the host
         * simply stops. */
        if (n->running) {
            swim_leave(&n->swim, ctx);
        } else {
            ctx_event(ctx, HS_EV_NODE_LEAVING, NULL, n->swim.self.incarnation, 0, 0);
        }
        return;
    }
    n->counters.inputs_unhandled++;
    ctx_event(ctx, HS_EV_INPUT_UNHANDLED, NULL, in->kind, 0, 0);
}

static void on_conn_closed(node *n, step_ctx *ctx, const hs_input *in)
{
    hs_status reason = in->u.conn_closed.reason;
    n->counters.tcp_conns_closed++;
    if (reason == HS_ERR_TIMEOUT) {
        /* Idle clients are closed to free the slot, not for misbehaving. */
        n->counters.tcp_conns_idle++;
    } else if (reason != HS_OK) {
        n->counters.tcp_conns_rejected++;
    }
    ctx_event(ctx, HS_EV_CONN_CLOSED, NULL, in->u.conn_closed.conn_id, in->u.conn_closed.reason,
              0);
}

void node_step(node *n, uint64_t now_ns, const hs_input *in, hs_outbox *ob)
{
    step_ctx ctx = {now_ns, ob, &n->rng, &n->counters};
    switch (in->kind) {
    case HS_IN_START:
        ctx_event(&ctx, HS_EV_NODE_START, NULL, n->cfg.role, n->cfg.swim.members_cap, 0);
        meta_start(&n->meta, &ctx);
        break;
    case HS_IN_RECV:
        on_recv(n, &ctx, in);
        break;
    case HS_IN_TIMER:
        on_timer(n, &ctx, in);
        break;
    case HS_IN_DISK_DONE:
        on_disk_done(n, &ctx, in);
        break;
    case HS_IN_COMMAND:
        on_command(n, &ctx, in);
        break;
    case HS_IN_CONN_CLOSED:
        on_conn_closed(n, &ctx, in);
        break;
    case HS_IN_HOST_COUNTERS:
        node_counters_set_host(&n->counters, in->u.host_counters.items,
                               in->u.host_counters.count);
        break;
    default:
        n->counters.inputs_unhandled++;
        ctx_event(&ctx, HS_EV_INPUT_UNHANDLED, NULL, in->kind, 0, 0);
        break;
    }
    /* SWIM asks for a higher durable ceiling; the meta store owns the disk. */
    if (n->swim.inc_wanted > n->meta.wanted) {
        meta_want_ceiling(&n->meta, &ctx, n->swim.inc_wanted);
    }
}

/* ------------------------------------------------------------------ */
/* Views                                                               */

const node_config *node_get_config(const node *n)
{
    return &n->cfg;
}

const swim *node_swim(const node *n)
{
    return &n->swim;
}

const node_counters *node_get_counters(const node *n)
{
    return &n->counters;
}

const meta_store *node_meta(const node *n)
{
    return &n->meta;
}

bool node_running(const node *n)
{
    return n->running;
}

bool node_timer_owner_live(const node *n, uint64_t timer_id)
{
    uint8_t kind = hs_timer_kind(timer_id);
    if (kind == META_TIMER_RETRY) {
        return meta_timer_owner_live(&n->meta, timer_id);
    }
    return n->running && swim_timer_owner_live(&n->swim, timer_id);
}
