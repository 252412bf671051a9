/* The node: decodes frames, routes every input to the module that owns it
 * through the tables built from the module list (node_routes.h), fans
 * membership changes out to every module in the step they happen, glues
 * SWIM's incarnation ceiling to the meta store, and keeps the counters. */
#include "node.h"
#include "alloc.h"

#include "frame.h"
#include "msg_registry.h"
#include "node_ctl.h"
#include "node_routes.h"

#include <stdlib.h>
#include <string.h>

HS_STATIC_ASSERT(NODE_COUNTER_COUNT <= MSG_COUNTERS_MAX, "counters fit a stats reply");


struct node {
    node_config cfg;
    rng rng;
    node_counters counters;
    hs_probes probes;
    node_routes routes;
    /* The modules of core/base/module_list.h: one field per row, named by
     * the row's prefix, so the entry-point table below is generated. */
    node_ctl node_ctl;
    swim swim;
    meta_store meta;
    role_state role;
    bool role_ready;      /* role_init succeeded: role_free is due */
    bool running;         /* SWIM started */
    bool halted;          /* the meta store is unusable: stay out of the cluster */
    uint32_t start_inc;   /* incarnation to start with once durable */
    /* The per-step self-check (node_self_check): steps since the last full
     * recompute, and where SWIM's incremental check left its table. */
    uint64_t steps_since_full;
    swim_check_cursor swim_checked;
    /* Decode scratch: the body of the message being received (any type;
     * msg_registry_check keeps each within MSG_BODY_MAX) and its member
     * list.  Owned here, not on the stack of every datagram. */
    uint64_t rx_body[MSG_BODY_MAX / sizeof(uint64_t)];
    msg_member rx_list[MSG_SYNC_MAX];
    /* The type this step decoded into rx_body, 0 when none: read-only
     * checkers read the step's message there instead of decoding again. */
    uint16_t rx_type;
};

HS_STATIC_ASSERT(MSG_BODY_MAX % sizeof(uint64_t) == 0, "decode scratch is whole words");

/* ------------------------------------------------------------------ */
/* The module entry points, generated from the module list             */

typedef struct {
    void (*on_msg)(node *n, step_ctx *ctx, const hs_msg_in *in);
    void (*on_timer)(node *n, step_ctx *ctx, uint64_t timer_id);
    void (*on_timer_refused)(node *n, step_ctx *ctx, uint64_t timer_id, hs_status reason);
    void (*on_disk)(node *n, step_ctx *ctx, const hs_input *in);
    void (*on_send_failed)(node *n, step_ctx *ctx, const hs_input *in);
    void (*on_conn_closed)(node *n, step_ctx *ctx, uint64_t conn_id, hs_status reason);
    void (*on_member)(node *n, step_ctx *ctx, const hs_member_change *change);
    void (*on_wake)(node *n, step_ctx *ctx);
    bool (*owner_live)(const node *n, uint32_t space, uint64_t id);
    uint32_t (*tables)(const node *n, hs_table_view *out, uint32_t cap);
    void (*check)(const node *n);
} node_module_ops;

/* For row (id, prefix): prefix_<entry>(&n->prefix, ...) behind one
 * signature per entry point. */
#define NODE_ADAPT(id, p, tlo, thi, mlo, mhi, flo, fhi)                                    \
    static void p##_a_msg(node *n, step_ctx *c, const hs_msg_in *in)                       \
    {                                                                                      \
        p##_on_msg(&n->p, c, in);                                                          \
    }                                                                                      \
    static void p##_a_timer(node *n, step_ctx *c, uint64_t t)                              \
    {                                                                                      \
        p##_on_timer(&n->p, c, t);                                                         \
    }                                                                                      \
    static void p##_a_refused(node *n, step_ctx *c, uint64_t t, hs_status r)               \
    {                                                                                      \
        p##_on_timer_refused(&n->p, c, t, r);                                              \
    }                                                                                      \
    static void p##_a_disk(node *n, step_ctx *c, const hs_input *in)                       \
    {                                                                                      \
        p##_on_disk(&n->p, c, in);                                                         \
    }                                                                                      \
    static void p##_a_send_failed(node *n, step_ctx *c, const hs_input *in)                \
    {                                                                                      \
        p##_on_send_failed(&n->p, c, in);                                                  \
    }                                                                                      \
    static void p##_a_closed(node *n, step_ctx *c, uint64_t conn, hs_status r)             \
    {                                                                                      \
        p##_on_conn_closed(&n->p, c, conn, r);                                             \
    }                                                                                      \
    static void p##_a_member(node *n, step_ctx *c, const hs_member_change *m)              \
    {                                                                                      \
        p##_on_member(&n->p, c, m);                                                        \
    }                                                                                      \
    static void p##_a_wake(node *n, step_ctx *c)                                           \
    {                                                                                      \
        p##_on_wake(&n->p, c);                                                             \
    }                                                                                      \
    static bool p##_a_live(const node *n, uint32_t space, uint64_t id)                     \
    {                                                                                      \
        return p##_owner_live(&n->p, space, id);                                           \
    }                                                                                      \
    static uint32_t p##_a_tables(const node *n, hs_table_view *out, uint32_t cap)          \
    {                                                                                      \
        return p##_tables(&n->p, out, cap);                                                \
    }                                                                                      \
    static void p##_a_check(const node *n)                                                 \
    {                                                                                      \
        p##_check(&n->p);                                                                  \
    }
HS_MODULE_LIST(NODE_ADAPT)
#undef NODE_ADAPT

static const node_module_ops module_ops[HS_MOD_COUNT] = {
#define NODE_OPS_ROW(id, p, tlo, thi, mlo, mhi, flo, fhi)                                  \
    [HS_MOD_##id] = {p##_a_msg,     p##_a_timer,  p##_a_refused, p##_a_disk,               \
                     p##_a_send_failed, p##_a_closed, p##_a_member, p##_a_wake,            \
                     p##_a_live,                                                           \
                     p##_a_tables,  p##_a_check},
    HS_MODULE_LIST(NODE_OPS_ROW)
#undef NODE_OPS_ROW
};

/* ------------------------------------------------------------------ */
/* Host limits and lifetime                                            */

/* Timers: each member record owns at most one timer at a time (suspicion
 * while SUSPECT, reap while DEAD or LEFT; set_state cancels one before it
 * arms the other), each ping-req relay its expiry, plus the singletons
 * (probe round, probe timeout, join, sync, reconnect, meta retry).  The
 * members term is doubled and 64 added as headroom for modules' timers
 * without a per-member owner.
 * Outputs: the largest step is a join or sync reply merging MSG_SYNC_MAX
 * entries, each making at most 8 outputs (events, a timer cancel and set,
 * gossip bookkeeping): 512, plus the reply and its events; 1024 leaves room.
 * Arena: one full TCP frame (a members reply of MSG_MEMBERS_MAX rows fits
 * FRAME_TCP_PAYLOAD_MAX) plus the UDP datagrams and disk writes of the step. */
node_limits node_host_limits(const node_config *cfg)
{
    HS_ASSERT(cfg->swim.members_cap + 1 <= MSG_MEMBERS_MAX);
    node_limits l;
    l.timers = 2 * cfg->swim.members_cap + cfg->swim.relays_cap + 64;
    l.outbox_outputs = 1024;
    l.outbox_arena_bytes = FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX + 256u * 1024u;
    HS_ASSERT(l.timers > cfg->swim.members_cap && l.outbox_outputs > HS_OUTBOX_EVENT_RESERVE);
    return l;
}

hs_status node_create(const node_config *cfg, node **out)
{
    HS_ASSERT(cfg != NULL && out != NULL);
    *out = NULL;
    hs_status status = node_config_check(cfg);
    if (status == HS_OK) {
        status = msg_registry_check();
    }
    if (status != HS_OK) {
        return status;
    }
    node *n = hs_calloc(1, sizeof(node));
    if (n == NULL) {
        return HS_ERR_NOMEM;
    }
    n->cfg = *cfg;
    rng_seed(&n->rng, cfg->rng_seed);
    node_routes_build(&n->routes);
    meta_init(&n->meta, &cfg->name);
    status = swim_init(&n->swim, &cfg->swim, &cfg->name, cfg->addr, cfg->role, cfg->seeds,
                       cfg->seed_count);
    if (status == HS_OK) {
        status = node_ctl_init(&n->node_ctl, &cfg->name, &n->swim, cfg->swim.members_cap,
                               cfg->peers_max, cfg->error_reply_per_sec, cfg->error_reply_burst);
    }
    if (status == HS_OK) {
        status = role_init(&n->role, cfg->role);
        n->role_ready = status == HS_OK;
    }
    if (status != HS_OK) {
        node_destroy(n);
        return status;
    }
    HS_ASSERT(n->role_ready && n->role.role == cfg->role);
    *out = n;
    return HS_OK;
}

void node_destroy(node *n)
{
    if (n == NULL) {
        return;
    }
    HS_ASSERT_IMPLIES(n->role_ready, n->role.role == n->cfg.role);
    if (n->role_ready) {
        role_free(&n->role);
    }
    node_ctl_free(&n->node_ctl);
    swim_free(&n->swim);
    hs_free(n);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

static hs_msg_in msg_in_of(const hs_input *in, uint16_t type, const void *body)
{
    hs_msg_in m = {in->u.recv.channel, in->u.recv.from, in->u.recv.conn_id, NULL, type, body};
    return m;
}

/* A decoded message to the module that owns its type; TCP messages pass
 * the HELLO gate (peers.h) first. */
static void route_msg(node *n, step_ctx *ctx, hs_msg_in *mi)
{
    HS_ASSERT(mi->body != NULL);
    if (mi->channel == HS_CH_TCP && !node_ctl_admit(&n->node_ctl, ctx, mi)) {
        return;
    }
    uint32_t owner = node_routes_msg(&n->routes, mi->type);
    if (owner == NODE_ROUTE_NONE) {
        /* In the catalogue but claimed by no module of the list. */
        n->counters.msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_STATE, mi->type, hs_addr_key(mi->from));
        node_ctl_reply_error(&n->node_ctl, ctx, mi, HS_ERR_STATE, mi->type);
        return;
    }
    HS_ASSERT(owner < HS_MOD_COUNT);
    module_ops[owner].on_msg(n, ctx, mi);
}

/* The frame's descriptor when the node can take it on this channel; NULL
 * after reporting (and answering) why not. */
static const msg_desc *admit_type(node *n, step_ctx *ctx, const hs_msg_in *raw)
{
    HS_ASSERT(raw->body == NULL); /* not decoded yet */
    HS_ASSERT(raw->channel == HS_CH_UDP || raw->channel == HS_CH_TCP);
    uint64_t from_key = hs_addr_key(raw->from);
    const msg_desc *desc = msg_registry_find(raw->type);
    if (desc == NULL) {
        n->counters.unknown_type++;
        HS_PROBE(ctx, NODE_UNKNOWN_TYPE);
        ctx_event(ctx, HS_EV_MSG_UNKNOWN_TYPE, NULL, raw->type, raw->channel, from_key);
        node_ctl_reply_error(&n->node_ctl, ctx, raw, HS_ERR_UNKNOWN_TYPE, raw->type);
        return NULL;
    }
    uint32_t channel_bit = raw->channel == HS_CH_UDP ? MSG_ON_UDP : MSG_ON_TCP;
    if ((desc->channels & channel_bit) == 0) {
        n->counters.wrong_channel++;
        HS_PROBE(ctx, NODE_WRONG_CHANNEL);
        ctx_event(ctx, HS_EV_MSG_WRONG_CHANNEL, NULL, raw->type, raw->channel, from_key);
        node_ctl_reply_error(&n->node_ctl, ctx, raw, HS_ERR_STATE, raw->type);
        return NULL;
    }
    HS_ASSERT(desc->type == raw->type);
    return desc;
}

static void on_recv(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_RECV);
    hs_channel channel = in->u.recv.channel;
    HS_ASSERT(channel == HS_CH_UDP || channel == HS_CH_TCP);
    uint64_t from_key = hs_addr_key(in->u.recv.from);
    n->counters.frames_rx++;
    uint32_t max = channel == HS_CH_UDP ? FRAME_UDP_PAYLOAD_MAX : FRAME_TCP_PAYLOAD_MAX;
    frame_header header;
    const uint8_t *payload = NULL;
    hs_status status = frame_decode(in->u.recv.bytes, in->u.recv.len, max, &header, &payload);
    if (status != HS_OK) {
        n->counters.frames_rejected++;
        HS_PROBE(ctx, NODE_FRAME_REJECTED);
        ctx_event(ctx, HS_EV_FRAME_REJECTED, NULL, status, channel, from_key);
        if (channel == HS_CH_TCP) {
            node_ctl_close(&n->node_ctl, ctx, in->u.recv.conn_id);
        }
        return;
    }
    node_counters_msg(&n->counters, NODE_DIR_RX, header.type, in->u.recv.len);
    hs_msg_in raw = msg_in_of(in, header.type, NULL);
    const msg_desc *desc = admit_type(n, ctx, &raw);
    if (desc == NULL) {
        return;
    }
    msg_rx_store store = {n->rx_list, HS_ARRAY_LEN(n->rx_list), NULL, 0};
    status = msg_decode(desc, payload, header.length, n->rx_body, &store);
    if (status != HS_OK) {
        n->counters.msgs_rejected++;
        HS_PROBE(ctx, NODE_MSG_REJECTED);
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, status, header.type, from_key);
        if (header.type != MSG_ERROR) {
            node_ctl_reply_error(&n->node_ctl, ctx, &raw, status, header.type);
        }
        return;
    }
    n->rx_type = header.type;
    hs_msg_in mi = msg_in_of(in, header.type, n->rx_body);
    route_msg(n, ctx, &mi);
}

/* ------------------------------------------------------------------ */
/* Timers, disk, host refusals                                         */

static void on_timer(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_TIMER);
    uint64_t id = in->u.timer.timer_id;
    uint32_t owner = node_routes_timer(&n->routes, hs_timer_kind(id));
    HS_ASSERT(owner < HS_MOD_COUNT || owner == NODE_ROUTE_NONE);
    if (owner == NODE_ROUTE_NONE) {
        n->counters.timers_unowned++;
        ctx_event(ctx, HS_EV_TIMER_UNOWNED, NULL, id, hs_timer_kind(id), 0);
        return;
    }
    if (!module_ops[owner].owner_live(n, HS_ID_TIMER, id)) {
        /* The host fired a timer we cancelled, or one for an owner that is
         * gone (freed or reused slot): a host bug worth seeing. */
        n->counters.timers_stale++;
        HS_PROBE(ctx, NODE_TIMER_STALE);
        ctx_event(ctx, HS_EV_TIMER_STALE, NULL, id, 0, 0);
        return;
    }
    module_ops[owner].on_timer(n, ctx, id);
}

/* A timer the host's table or this step's outbox could not take. */
static void refuse_timer(node *n, step_ctx *ctx, uint64_t id, hs_status reason)
{
    HS_ASSERT(reason != HS_OK);
    n->counters.timers_refused++;
    uint32_t owner = node_routes_timer(&n->routes, hs_timer_kind(id));
    if (owner == NODE_ROUTE_NONE) {
        n->counters.timers_unowned++;
        ctx_event(ctx, HS_EV_TIMER_UNOWNED, NULL, id, hs_timer_kind(id), 0);
        return;
    }
    HS_ASSERT(owner < HS_MOD_COUNT);
    /* The owner decides: re-arm with backoff, or give up on purpose; both
     * with an event. */
    module_ops[owner].on_timer_refused(n, ctx, id, reason);
    HS_ASSERT(n->counters.timers_refused > 0);
}

static void on_timer_refused(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_TIMER_REFUSED);
    refuse_timer(n, ctx, in->u.timer_refused.timer_id, in->u.timer_refused.reason);
}

/* Timer sets this step's outbox had no room for go back to their owners as
 * refusals, in the order they were set, so none is lost silently.  An
 * owner's answer to a refusal arms no timer (SWIM parks it for its next
 * step, the meta store gives up), so the list is empty after one pass. */
static void hand_back_refused(node *n, step_ctx *ctx)
{
    hs_outbox *ob = ctx->ob;
    uint32_t count = ob->refused_count;
    HS_ASSERT(count <= ob->refused_cap);
    if (count > 0) {
        HS_PROBE(ctx, NODE_TIMERS_HANDED_BACK);
    }
    for (uint32_t i = 0; i < count; i++) {
        refuse_timer(n, ctx, ob->refused_timers[i], HS_ERR_FULL);
    }
    HS_ASSERT_MSG(ob->refused_count == count, "node: a refusal's answer armed no timer");
    ob->refused_count = 0;
}

/* The host keeps one wake-up per node, not one per module: every module
 * hears it and those with nothing parked ignore it. */
static void on_wake(node *n, step_ctx *ctx)
{
    HS_ASSERT(ctx->ob->wake_ns == 0); /* nothing asked yet in this step */
    n->counters.wakeups++;
    for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
        module_ops[m].on_wake(n, ctx);
    }
    HS_ASSERT(n->counters.wakeups > 0); /* each module asserts what it re-armed */
}

static void on_disk_done(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_DISK_DONE);
    uint64_t op = in->u.disk.op_id;
    uint32_t owner = node_routes_op(&n->routes, hs_id_kind(op));
    HS_ASSERT(owner < HS_MOD_COUNT || owner == NODE_ROUTE_NONE);
    if (owner == NODE_ROUTE_NONE || !module_ops[owner].owner_live(n, HS_ID_DISK_OP, op)) {
        /* No module issued it, or its owner moved on: never hand it to
         * whoever holds the slot now. */
        n->counters.disk_stale++;
        HS_PROBE(ctx, NODE_DISK_STALE);
        ctx_event(ctx, HS_EV_DISK_STALE, NULL, op, in->u.disk.status, 0);
        return;
    }
    module_ops[owner].on_disk(n, ctx, in);
}

static void on_send_failed(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_SEND_FAILED);
    uint16_t type = in->u.send_failed.msg_type;
    HS_ASSERT(in->u.send_failed.frames >= 1);
    n->counters.sends_failed += in->u.send_failed.frames;
    HS_PROBE(ctx, NODE_SEND_FAILED);
    ctx_event(ctx, HS_EV_SEND_FAILED, NULL, type, in->u.send_failed.reason,
              hs_addr_key(in->u.send_failed.to));
    uint32_t owner = node_routes_msg(&n->routes, type);
    if (owner != NODE_ROUTE_NONE) {
        HS_ASSERT(owner < HS_MOD_COUNT);
        module_ops[owner].on_send_failed(n, ctx, in);
    }
}

static void on_conn_closed(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_CONN_CLOSED);
    /* A connection may belong to any module: each checks its own. */
    for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
        module_ops[m].on_conn_closed(n, ctx, in->u.conn_closed.conn_id,
                                     in->u.conn_closed.reason);
    }
    role_on_conn_closed(&n->role, ctx, in->u.conn_closed.conn_id, in->u.conn_closed.reason);
}

/* ------------------------------------------------------------------ */
/* Start-up, the ceiling glue, commands                                */

/* The ceiling a start waits for: a window above the first incarnation, or
 * the range's end when less than a window is left (waiting for a ceiling
 * the range cannot hold would keep the node out forever, silently). */
static uint32_t start_ceiling(const node *n)
{
    uint64_t want = (uint64_t)n->start_inc + SWIM_INC_WINDOW;
    HS_ASSERT(n->start_inc <= MSG_INCARNATION_MAX);
    return want < MSG_INCARNATION_MAX ? (uint32_t)want : MSG_INCARNATION_MAX;
}

static void try_start(node *n, step_ctx *ctx)
{
    uint32_t ceiling = n->meta.durable.inc_ceiling;
    if (n->running || n->halted || ceiling < start_ceiling(n)) {
        return;
    }
    HS_ASSERT(n->start_inc <= ceiling);
    n->running = true;
    ctx_event(ctx, HS_EV_NODE_READY, NULL, n->start_inc, ceiling, 0);
    swim_start(&n->swim, ctx, n->start_inc, ceiling);
    HS_ASSERT(n->swim.started); /* node_check: running exactly when SWIM started */
}

/* What the meta store's last completion means for the node. */
static void after_meta(node *n, step_ctx *ctx)
{
    switch (meta_take_outcome(&n->meta)) {
    case META_LOADED:
        if (n->meta.durable.seq != 0 && n->meta.durable.inc_ceiling >= MSG_INCARNATION_MAX) {
            /* Every incarnation was used: starting would reuse one. */
            n->halted = true;
            HS_PROBE(ctx, NODE_HALTED);
            ctx_event(ctx, HS_EV_NODE_HALTED, &n->cfg.name, HS_ERR_RANGE, 0, 0);
            break;
        }
        /* Never reuse an incarnation: a recovered ceiling may have been
         * used up to its last value before the crash. */
        n->start_inc = n->meta.durable.seq == 0 ? 0 : n->meta.durable.inc_ceiling + 1;
        meta_want_ceiling(&n->meta, ctx, start_ceiling(n));
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
        HS_PROBE(ctx, NODE_HALTED);
        ctx_event(ctx, HS_EV_NODE_HALTED, &n->meta.failure_owner, n->meta.failure, 0, 0);
        break;
    case META_NOTHING:
        break;
    }
    /* SWIM asks for a higher durable ceiling; the meta store owns the disk. */
    if (n->swim.inc_wanted > n->meta.wanted) {
        meta_want_ceiling(&n->meta, ctx, n->swim.inc_wanted);
    }
    /* The store knows what SWIM wants (clamped to the incarnation range). */
    HS_ASSERT(n->meta.wanted >= n->swim.inc_wanted || n->meta.wanted == MSG_INCARNATION_MAX);
}

static void on_command(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_COMMAND);
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

/* Every membership change of this step reaches every module (and the
 * role) before the step ends, oldest first. */
static void fan_out_members(node *n, step_ctx *ctx)
{
    const hs_member_change *changes = NULL;
    uint32_t count = swim_changes(&n->swim, &changes);
    HS_ASSERT(count <= SWIM_CHANGES_MAX);
    for (uint32_t i = 0; i < count; i++) {
        for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
            module_ops[m].on_member(n, ctx, &changes[i]);
        }
        role_on_member(&n->role, ctx, &changes[i]);
    }
    n->counters.member_changes += count;
    swim_changes_clear(&n->swim);
    HS_ASSERT(n->swim.change_count == 0);
}

/* The host's own counters, handed over just before a stats reply or a
 * metrics scrape so both show them (docs/design/ops.md); any it could not
 * keep is counted and reported. */
static void on_host_counters(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(in->kind == HS_IN_HOST_COUNTERS);
    uint32_t dropped = node_counters_set_host(&n->counters, in->u.host_counters.items,
                                              in->u.host_counters.count);
    if (dropped > 0) {
        n->counters.counters_truncated += dropped;
        ctx_event(ctx, HS_EV_COUNTERS_TRUNCATED, NULL, NODE_TRUNC_HOST_SET, dropped,
                  NODE_HOST_COUNTERS_MAX);
    }
}

static void route_input(node *n, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(n->running == n->swim.started);
    switch (in->kind) {
    case HS_IN_START:
        ctx_event(ctx, HS_EV_NODE_START, NULL, n->cfg.role, n->cfg.swim.members_cap, 0);
        meta_start(&n->meta, ctx);
        break;
    case HS_IN_RECV:
        on_recv(n, ctx, in);
        break;
    case HS_IN_TIMER:
        on_timer(n, ctx, in);
        break;
    case HS_IN_DISK_DONE:
        on_disk_done(n, ctx, in);
        break;
    case HS_IN_COMMAND:
        on_command(n, ctx, in);
        break;
    case HS_IN_CONN_CLOSED:
        on_conn_closed(n, ctx, in);
        break;
    case HS_IN_SEND_FAILED:
        on_send_failed(n, ctx, in);
        break;
    case HS_IN_TIMER_REFUSED:
        on_timer_refused(n, ctx, in);
        break;
    case HS_IN_WAKE:
        on_wake(n, ctx);
        break;
    case HS_IN_HOST_COUNTERS:
        /* The host's own counters, handed over just before a stats reply
         * or a metrics scrape so both show them (docs/design/ops.md). */
        on_host_counters(n, ctx, in);
        break;
    default:
        /* EXEC_REPORT and RESOURCE arrive with the executor's issue. */
        n->counters.inputs_unhandled++;
        ctx_event(ctx, HS_EV_INPUT_UNHANDLED, NULL, in->kind, 0, 0);
        break;
    }
    HS_ASSERT(ctx->ob->count <= ctx->ob->cap);
}

void node_step(node *n, uint64_t now_ns, const hs_input *in, hs_outbox *ob)
{
    HS_ASSERT(in->kind < HS_IN_COUNT);
    HS_ASSERT(n->swim.change_count == 0); /* drained by the previous step */
    step_ctx ctx = {now_ns, ob, &n->rng, &n->counters, msg_registry_find, &n->probes};
    n->rx_type = 0;
    route_input(n, &ctx, in);
    /* A refusal handed back can fail the meta store (after_meta halts the
     * node then), and after_meta or a member change can set timers that
     * do not fit: a second pass settles both, a third finds nothing. */
    for (uint32_t pass = 0; pass == 0 || ob->refused_count > 0; pass++) {
        HS_ASSERT_MSG(pass < 3, "node: refused timers settle in two passes");
        hand_back_refused(n, &ctx);
        after_meta(n, &ctx);
        fan_out_members(n, &ctx);
    }
    if (n->cfg.self_check) {
        node_self_check(n);
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

const void *node_step_msg(const node *n, uint16_t *type)
{
    HS_ASSERT(n != NULL && type != NULL);
    *type = n->rx_type;
    HS_ASSERT(n->rx_type == 0 || msg_registry_find(n->rx_type) != NULL);
    return n->rx_type == 0 ? NULL : n->rx_body;
}

const hs_probes *node_probes(const node *n)
{
    HS_ASSERT(n != NULL);
    return &n->probes;
}

const node_counters *node_get_counters(const node *n)
{
    return &n->counters;
}

const meta_store *node_meta(const node *n)
{
    return &n->meta;
}

const peers *node_peers(const node *n)
{
    return &n->node_ctl.peers;
}

const role_state *node_role_state(const node *n)
{
    return &n->role;
}

bool node_running(const node *n)
{
    return n->running;
}

bool node_exhausted(const node *n)
{
    HS_ASSERT(n != NULL);
    bool exhausted = n->halted && n->meta.phase != META_FAILED &&
                     n->meta.durable.inc_ceiling >= MSG_INCARNATION_MAX;
    HS_ASSERT(!exhausted || !n->running);
    return exhausted;
}

uint32_t node_timer_module(const node *n, uint64_t timer_id)
{
    return node_routes_timer(&n->routes, hs_timer_kind(timer_id));
}

uint32_t node_msg_module(const node *n, uint32_t type)
{
    return node_routes_msg(&n->routes, type);
}

uint32_t node_op_module(const node *n, uint64_t op_id)
{
    return node_routes_op(&n->routes, hs_id_kind(op_id));
}

bool node_owner_live(const node *n, uint32_t space, uint64_t id)
{
    HS_ASSERT(space == HS_ID_TIMER || space == HS_ID_DISK_OP);
    uint32_t owner = space == HS_ID_TIMER ? node_timer_module(n, id) : node_op_module(n, id);
    return owner != NODE_ROUTE_NONE && module_ops[owner].owner_live(n, space, id);
}

bool node_timer_owner_live(const node *n, uint64_t timer_id)
{
    return node_owner_live(n, HS_ID_TIMER, timer_id);
}

uint32_t node_tables(const node *n, hs_table_view *out, uint32_t cap)
{
    HS_ASSERT(cap >= NODE_TABLES_MAX);
    uint32_t count = 0;
    for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
        count += module_ops[m].tables(n, out + count, cap - count);
        HS_ASSERT(count <= cap);
    }
    count += role_tables(&n->role, out + count, cap - count);
    HS_ASSERT(count <= cap);
    return count;
}

/* Every module's check, SWIM's full recompute or its incremental one. */
static void check_modules(const node *n, bool swim_full)
{
    for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
        if (m != HS_MOD_SWIM || swim_full) {
            module_ops[m].check(n);
        }
    }
    role_check(&n->role);
    HS_ASSERT_MSG(n->role.role == n->cfg.role, "node: role state matches the node's role");
    HS_ASSERT_MSG(n->running == n->swim.started, "node: running exactly when SWIM started");
    HS_ASSERT_MSG(!n->halted || n->meta.phase == META_FAILED ||
                      n->meta.durable.inc_ceiling >= MSG_INCARNATION_MAX,
                  "node: halted only by a failed store or used-up incarnations");
}

void node_check(const node *n)
{
    check_modules(n, true);
}

/* Steps between two full recomputes: NODE_FULL_CHECK_STEPS, or more for a
 * table so large that the recompute would cost more than
 * NODE_CHECK_ITEMS_PER_STEP records per step on average. */
static uint64_t full_check_period(const swim *s)
{
    uint64_t items = (uint64_t)s->slot_end + s->gossip_end + s->cfg.relays_cap;
    uint64_t period = items / NODE_CHECK_ITEMS_PER_STEP;
    return period > NODE_FULL_CHECK_STEPS ? period : NODE_FULL_CHECK_STEPS;
}

/* After a step: SWIM's full recompute is O(members + gossip + relays), too
 * much per step at 1,024 members, so each step checks what it could have
 * changed (swim_check_step) and every full_check_period steps (and whenever
 * the incremental check cannot cover the step) recomputes it all: a
 * corruption the incremental check misses is caught within that many steps
 * of this node (docs/design/perf.md). */
void node_self_check(node *n)
{
    n->steps_since_full++;
    bool full = n->steps_since_full >= full_check_period(&n->swim);
    if (!full) {
        full = !swim_check_step(&n->swim, &n->swim_checked);
    }
    check_modules(n, full);
    if (full) {
        swim_check_mark(&n->swim, &n->swim_checked);
        n->steps_since_full = 0;
    }
    HS_ASSERT(n->swim_checked.view_version == n->swim.view_version);
    HS_ASSERT(n->steps_since_full < full_check_period(&n->swim) + 1);
}
