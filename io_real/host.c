/* The real host: epoll loop around one node.  See host.h. */
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "files.h"
#include "frame.h"
#include "loop.h"
#include "metrics.h"
#include "node.h"
#include "ring.h"
#include "tcp.h"
#include "timers.h"
#include "udp.h"

/* Host-made inputs (CONN_CLOSED, SEND_FAILED: no pointers) waiting for the
 * current step to finish, in the order they happened: a connection's
 * unsent frames are reported before its close. */
#define HOST_PENDING_EXTRA 4096u /* beyond one close per connection */

struct host {
    config cfg;
    log_sink *log;
    ioerr_sink sink;
    loop loop;
    udp udp;
    tcp tcp;
    files files;
    metrics metrics;
    timers timers;
    node *node;
    hs_outbox ob;
    ring pending;         /* hs_input, delivered after the current step */
    ring refused;         /* uint64_t timer ids the timer table refused, delivered first */
    /* SEND_FAILED inputs queued in pending, at most sf_cap: the rest of the
     * ring is reserved for CONN_CLOSED (one per connection) and refusals,
     * which are never dropped.  Beyond sf_cap, failures fold into sf_spill
     * (frames counted), delivered once pending drains. */
    uint32_t sf_queued;
    uint32_t sf_cap;
    hs_input sf_spill;    /* frames == 0: nothing spilled */
    uint64_t now_ns;
    uint64_t tick_at_ns;
    uint64_t exit_at_ns;  /* HS_TIME_NEVER until a stop signal */
    /* The node's one wake-up (hs_outbox.wake_ns), outside the timer table
     * so a full table cannot refuse it: the earliest a step asked for,
     * HS_TIME_NEVER when none is kept. */
    uint64_t wake_at_ns;
    bool stopping;
    bool stop_now;
    bool in_step;
    bool flushing;
    bool halted;          /* core said NODE_HALTED: its metadata is unusable */
    hs_event halt;        /* that record */
    host_stats stats;
    /* The host's counters as handed to core (HS_IN_HOST_COUNTERS): names
     * built once, values refreshed before each report. */
    char counter_names[NODE_HOST_COUNTERS_MAX][MSG_COUNTER_NAME_MAX + 1];
    hs_host_counter counters[NODE_HOST_COUNTERS_MAX];
    uint32_t counter_count;
};

const host_stats *host_get_stats(const host *h)
{
    return &h->stats;
}

/* Every io_real module reports here: one HOST_ERROR event record each. */
static void on_error(void *ctx, uint32_t op, int err, uint64_t detail)
{
    host *h = ctx;
    h->stats.host_errors++;
    h->stats.op_errors[op < IOERR_OP_COUNT ? op : 0]++;
    log_host_error(h->log, op, err, detail, h->now_ns);
}

/* The clock the node sees never goes backwards, even if a reading fails. */
static uint64_t clock_now(host *h)
{
    uint64_t now = loop_now_ns(&h->sink);
    if (now > h->now_ns) {
        h->now_ns = now;
    }
    return h->now_ns;
}

static void execute_send(host *h, const hs_output *out)
{
    const uint8_t *payload = hs_outbox_payload(&h->ob, out);
    if (out->u.send.channel == HS_CH_UDP) {
        udp_send(&h->udp, out->u.send.to, payload, out->u.send.len);
    } else {
        tcp_send(&h->tcp, out->u.send.conn_id, out->u.send.to, payload, out->u.send.len,
                 h->now_ns);
    }
}

static void execute(host *h, const hs_output *out)
{
    switch (out->kind) {
    case HS_OUT_SEND:
        execute_send(h, out);
        break;
    case HS_OUT_CLOSE:
        tcp_close(&h->tcp, out->u.close.conn_id);
        break;
    case HS_OUT_TIMER_SET:
        if (timers_set(&h->timers, out->u.timer.timer_id, out->u.timer.deadline_ns) != HS_OK) {
            /* Core decides what a timer it cannot have means: tell it
             * after this step (HS_IN_TIMER_REFUSED), never drop it. */
            ioerr_report(&h->sink, IOERR_OP_TIMERS_FULL, 0, out->u.timer.timer_id);
            hs_status queued = ring_push(&h->refused, &out->u.timer.timer_id);
            /* One step emits at most outbox_outputs timer sets, the
             * ring's cap (flush_pending drains it first). */
            HS_ASSERT(queued == HS_OK);
        }
        break;
    case HS_OUT_TIMER_CANCEL:
        /* Cancelling a timer that already fired is normal. */
        (void)timers_cancel(&h->timers, out->u.timer.timer_id);
        break;
    case HS_OUT_DISK_WRITE:
    case HS_OUT_DISK_SYNC:
    case HS_OUT_DISK_READ:
        files_submit(&h->files, out, hs_outbox_payload(&h->ob, out));
        break;
    case HS_OUT_EVENT:
        log_event(h->log, &out->u.event, h->now_ns);
        if (out->u.event.code == HS_EV_NODE_HALTED) {
            /* The node will never join: staying up would only hide that
             * from the operator.  End the loop; hsnode exits 1. */
            h->halted = true;
            h->halt = out->u.event;
            h->stop_now = true;
        }
        break;
    case HS_OUT_EXEC:
    default:
        /* No workflow executor on this host yet (a later issue). */
        ioerr_report(&h->sink, IOERR_OP_OUTPUT_UNSUPPORTED, 0, out->kind);
        break;
    }
}

static void step_once(host *h, const hs_input *in)
{
    HS_ASSERT(!h->in_step);
    h->in_step = true;
    node_step(h->node, clock_now(h), in, &h->ob);
    h->in_step = false;
    h->stats.steps++;
    if (h->ob.wake_ns != 0 && h->ob.wake_ns < h->wake_at_ns) {
        h->wake_at_ns = h->ob.wake_ns;
    }
    for (uint32_t i = 0; i < h->ob.count; i++) {
        execute(h, &h->ob.items[i]);
    }
    hs_outbox_reset(&h->ob);
}

/* Delivers what the last steps caused: refused timers, disk completions
 * in order, then closed connections and refused sends; each may cause
 * more, which queue behind. */
static void flush_pending(host *h)
{
    if (h->flushing) {
        return;
    }
    h->flushing = true;
    for (;;) {
        hs_input in;
        uint64_t timer_id = 0;
        /* Refused timers first: a TIMER_REFUSED step arms no timer (SWIM
         * parks it, META halts), so the ring never holds more than the
         * timer sets of one other step, which is its cap. */
        if (ring_pop(&h->refused, &timer_id)) {
            memset(&in, 0, sizeof(in));
            in.kind = HS_IN_TIMER_REFUSED;
            in.u.timer_refused.timer_id = timer_id;
            in.u.timer_refused.reason = HS_ERR_FULL;
            step_once(h, &in);
        } else if (files_next_done(&h->files, &in)) {
            step_once(h, &in);
        } else if (ring_pop(&h->pending, &in)) {
            if (in.kind == HS_IN_SEND_FAILED) {
                h->sf_queued--;
            }
            step_once(h, &in);
        } else if (h->sf_spill.u.send_failed.frames > 0) {
            in = h->sf_spill;
            h->sf_spill.u.send_failed.frames = 0;
            step_once(h, &in);
        } else {
            break;
        }
    }
    h->flushing = false;
}

static void deliver(host *h, const hs_input *in)
{
    step_once(h, in);
    flush_pending(h);
}

/* ---- the host's counters, for hsctl stats and /metrics ---------------- */

static void add_counter(host *h, const char *name, uint64_t value)
{
    if (h->counter_count >= NODE_HOST_COUNTERS_MAX) {
        /* NODE_HOST_COUNTERS_MAX is sized for the list below; if it ever
         * falls short, the report says so (host_counters_truncated). */
        h->stats.counters_truncated++;
        return;
    }
    char *slot = h->counter_names[h->counter_count];
    snprintf(slot, MSG_COUNTER_NAME_MAX + 1, "%s", name);
    h->counters[h->counter_count].name = slot;
    h->counters[h->counter_count].value = value;
    h->counter_count++;
}

/* TCP counters by cause: refused_x -> host_tcp_refused.x, closed_x ->
 * host_tcp_closed.x (a label), the rest host_tcp_<name>. */
static void add_tcp_counter(host *h, const char *field, uint64_t value)
{
    char name[MSG_COUNTER_NAME_MAX + 1];
    if (strncmp(field, "refused_", 8) == 0) {
        snprintf(name, sizeof(name), "host_tcp_refused.%s", field + 8);
    } else if (strncmp(field, "closed_", 7) == 0) {
        snprintf(name, sizeof(name), "host_tcp_closed.%s", field + 7);
    } else if (strcmp(field, "closed") == 0) {
        snprintf(name, sizeof(name), "host_tcp_conns_ended");
    } else {
        snprintf(name, sizeof(name), "host_tcp_%s", field);
    }
    add_counter(h, name, value);
}

static void collect_counters(host *h)
{
    h->counter_count = 0;
    /* First, so it always fits: rows this host could not report. */
    add_counter(h, "host_counters_truncated", h->stats.counters_truncated);
    add_counter(h, "host_steps", h->stats.steps);
    add_counter(h, "host_timers_fired", h->stats.timers_fired);
    add_counter(h, "host_wakeups", h->stats.wakeups);
    /* A step that outgrew its outbox (docs/design.md, "A full outbox"):
     * reserve slots taken, and what not even the reserve held. */
    add_counter(h, "host_outbox.reserve_taken", h->ob.reserve_taken);
    add_counter(h, "host_outbox.timers_lost", h->ob.refused_lost);
    add_counter(h, "host_outbox.cancels_lost", h->ob.cancels_lost);
    add_counter(h, "host_outbox.streams_lost", h->ob.streams_lost);
    add_counter(h, "host_udp_rx", h->udp.rx_datagrams);
    add_counter(h, "host_udp_tx", h->udp.tx_datagrams);
    add_counter(h, "host_udp_tx_dropped", h->udp.tx_dropped);
#define HOST_TCP_COUNTER(field) add_tcp_counter(h, #field, h->tcp.stats.field);
    TCP_STATS_LIST(HOST_TCP_COUNTER)
#undef HOST_TCP_COUNTER
    add_counter(h, "host_disk_ops", h->files.ops);
    add_counter(h, "host_disk_failures", h->files.failures);
    add_counter(h, "host_log_lines", h->log->lines);
    add_counter(h, "host_log_suppressed", h->log->suppressed);
    add_counter(h, "host_log_dropped", h->log->dropped);
#define HOST_METRICS_COUNTER(field) add_counter(h, "host_metrics." #field, h->metrics.stats.field);
    METRICS_STATS_LIST(HOST_METRICS_COUNTER)
#undef HOST_METRICS_COUNTER
    add_counter(h, "host_errors", h->stats.host_errors);
    add_counter(h, "host_send_failed_coalesced", h->stats.send_failed_coalesced);
    add_counter(h, "host_send_failed_spilled", h->stats.send_failed_spilled);
    for (uint32_t op = 1; op < IOERR_OP_COUNT; op++) {
        if (h->stats.op_errors[op] != 0) {
            char name[MSG_COUNTER_NAME_MAX + 1];
            snprintf(name, sizeof(name), "host_io_errors.%s", ioerr_op_name(op));
            add_counter(h, name, h->stats.op_errors[op]);
        }
    }
}

/* Core copies the snapshot; its next stats reply carries it. */
static void hand_counters_to_core(host *h)
{
    collect_counters(h);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_HOST_COUNTERS;
    in.u.host_counters.items = h->counters;
    in.u.host_counters.count = h->counter_count;
    deliver(h, &in);
}

/* /metrics: the list STATS_RESP would carry now. */
static uint32_t metrics_source(void *ctx, msg_counter *out, uint32_t cap)
{
    host *h = ctx;
    hand_counters_to_core(h);
    uint32_t dropped = 0;
    uint32_t n = node_counters_report(node_get_counters(h->node), msg_registry_find, out, cap,
                                      &dropped);
    h->stats.counters_truncated += dropped; /* shown as host_counters_truncated */
    return n;
}

static void on_frame(void *ctx, uint64_t conn_id, hs_addr peer, const uint8_t *frame,
                     uint32_t len)
{
    host *h = ctx;
    frame_header header;
    if (frame_parse_header(frame, len, FRAME_TCP_PAYLOAD_MAX, &header) == HS_OK &&
        header.type == MSG_STATS_REQ) {
        hand_counters_to_core(h);
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = HS_CH_TCP;
    in.u.recv.from = peer;
    in.u.recv.conn_id = conn_id;
    in.u.recv.bytes = frame;
    in.u.recv.len = len;
    deliver(h, &in);
}

/* A refused send joins the queued SEND_FAILED of the same connection and
 * reason just before it (a dropped queue reports its frames in a row), or
 * a new entry while fewer than sf_cap are queued, or the spill. */
static void queue_send_failed(host *h, const hs_input *in)
{
    uint32_t count = ring_count(&h->pending);
    hs_input *tail = count > 0 ? ring_at(&h->pending, count - 1) : NULL;
    if (tail != NULL && tail->kind == HS_IN_SEND_FAILED &&
        tail->u.send_failed.conn_id == in->u.send_failed.conn_id &&
        tail->u.send_failed.reason == in->u.send_failed.reason &&
        hs_addr_eq(tail->u.send_failed.to, in->u.send_failed.to)) {
        tail->u.send_failed.frames += in->u.send_failed.frames;
        h->stats.send_failed_coalesced += in->u.send_failed.frames;
        return;
    }
    if (h->sf_queued < h->sf_cap && ring_push(&h->pending, in) == HS_OK) {
        h->sf_queued++;
        return;
    }
    h->stats.send_failed_spilled += in->u.send_failed.frames;
    if (h->sf_spill.u.send_failed.frames == 0) {
        h->sf_spill = *in;
    } else {
        h->sf_spill.u.send_failed.frames += in->u.send_failed.frames;
    }
}

/* May run inside the execution of a step's outputs: queue, never step. */
static void queue_input(host *h, const hs_input *in)
{
    if (in->kind == HS_IN_SEND_FAILED) {
        queue_send_failed(h, in);
        return;
    }
    if (ring_push(&h->pending, in) != HS_OK) {
        ioerr_report(&h->sink, IOERR_OP_PENDING_FULL, 0, in->kind);
        return;
    }
    if (ring_count(&h->pending) > h->stats.pending_max) {
        h->stats.pending_max = ring_count(&h->pending);
    }
}

static void on_closed(void *ctx, uint64_t conn_id, hs_status reason)
{
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_CONN_CLOSED;
    in.u.conn_closed.conn_id = conn_id;
    in.u.conn_closed.reason = reason;
    queue_input(ctx, &in);
}

/* A TCP frame core asked for that will not be sent: core decides whether
 * to retry (step.h, HS_IN_SEND_FAILED). */
static void on_send_failed(void *ctx, uint64_t conn_id, hs_addr to, uint16_t type,
                           hs_status reason)
{
    host *h = ctx;
    ioerr_report(&h->sink, IOERR_OP_SEND_FAILED, 0, conn_id);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_SEND_FAILED;
    in.u.send_failed.channel = HS_CH_TCP;
    in.u.send_failed.to = to;
    in.u.send_failed.conn_id = conn_id;
    in.u.send_failed.msg_type = type;
    in.u.send_failed.reason = reason;
    in.u.send_failed.frames = 1;
    queue_input(h, &in);
}

static void drain_udp(host *h)
{
    for (uint32_t i = 0; i < UDP_DRAIN_MAX; i++) {
        hs_addr from;
        const uint8_t *bytes = NULL;
        uint32_t len = 0;
        hs_status status = udp_recv(&h->udp, &from, &bytes, &len);
        if (status == HS_ERR_NOT_FOUND) {
            return;
        }
        if (status != HS_OK) {
            continue; /* reported by udp_recv; other datagrams may wait */
        }
        h->stats.udp_rx++;
        hs_input in;
        memset(&in, 0, sizeof(in));
        in.kind = HS_IN_RECV;
        in.u.recv.channel = HS_CH_UDP;
        in.u.recv.from = from;
        in.u.recv.bytes = bytes;
        in.u.recv.len = len;
        deliver(h, &in);
    }
}

static void on_signal(host *h, int signo)
{
    log_field fields[2] = {{"signo", NULL, (uint64_t)signo},
                           {"grace_ms", NULL, h->cfg.leave_grace_ms}};
    if (h->stopping) {
        log_note(h->log, HS_SEV_WARN, "host_stop_now", fields, 1);
        h->stop_now = true;
        return;
    }
    log_note(h->log, HS_SEV_INFO, "host_stopping", fields, 2);
    h->stopping = true;
    h->exit_at_ns = clock_now(h) + (uint64_t)h->cfg.leave_grace_ms * HS_NS_PER_MS;
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_COMMAND;
    in.u.command.command = HS_CMD_LEAVE;
    deliver(h, &in);
}

static void dispatch(host *h, const loop_fired *f)
{
    if (f->token == LOOP_TOKEN_SIGNAL) {
        on_signal(h, f->signo);
    } else if (f->token == LOOP_TOKEN_TIMER) {
        /* Due timers are fired at the top of every iteration. */
    } else if (f->token == HOST_TOKEN_UDP) {
        drain_udp(h);
    } else if (metrics_owns(f->token)) {
        metrics_on_event(&h->metrics, f->token, f->events, clock_now(h));
    } else {
        tcp_on_event(&h->tcp, f->token, f->events, clock_now(h));
    }
    flush_pending(h);
}

static void fire_timers(host *h)
{
    uint64_t id = 0;
    for (uint32_t i = 0; i < HOST_TIMER_BATCH && timers_pop_due(&h->timers, clock_now(h), &id);
         i++) {
        h->stats.timers_fired++;
        hs_input in;
        memset(&in, 0, sizeof(in));
        in.kind = HS_IN_TIMER;
        in.u.timer.timer_id = id;
        deliver(h, &in);
    }
    if (h->wake_at_ns != HS_TIME_NEVER && clock_now(h) >= h->wake_at_ns) {
        h->wake_at_ns = HS_TIME_NEVER; /* the step may ask for the next one */
        h->stats.wakeups++;
        hs_input in;
        memset(&in, 0, sizeof(in));
        in.kind = HS_IN_WAKE;
        deliver(h, &in);
    }
}

static uint64_t next_deadline(const host *h)
{
    uint64_t deadline = h->tick_at_ns;
    uint64_t timer = 0;
    if (timers_next(&h->timers, &timer) && timer < deadline) {
        deadline = timer;
    }
    deadline = h->wake_at_ns < deadline ? h->wake_at_ns : deadline;
    return h->exit_at_ns < deadline ? h->exit_at_ns : deadline;
}

int host_run(host *h)
{
    hs_input start;
    memset(&start, 0, sizeof(start));
    start.kind = HS_IN_START;
    deliver(h, &start);
    h->tick_at_ns = clock_now(h) + HOST_TICK_NS;
    loop_fired fired[LOOP_BATCH_MAX];
    while (!h->stop_now) {
        fire_timers(h);
        uint64_t now = clock_now(h);
        if (now >= h->tick_at_ns) {
            (void)tcp_tick(&h->tcp, now);
            metrics_tick(&h->metrics, now);
            flush_pending(h);
            log_tick(h->log, now);
            h->tick_at_ns = now + HOST_TICK_NS;
        }
        if (h->stopping && now >= h->exit_at_ns) {
            break;
        }
        loop_arm(&h->loop, next_deadline(h));
        /* The timerfd wakes the loop; the 1 s cap only guards against a
         * timerfd_settime failure (reported) leaving the loop asleep. */
        uint32_t n = loop_wait(&h->loop, fired, LOOP_BATCH_MAX, 1000);
        for (uint32_t i = 0; i < n && !h->stop_now; i++) {
            dispatch(h, &fired[i]);
        }
    }
    return h->halted ? HOST_EXIT_HALTED : 0;
}

bool host_halted(const host *h, char *why, size_t why_cap)
{
    if (!h->halted) {
        return false;
    }
    const char *dir = h->cfg.data_dir;
    switch ((hs_status)h->halt.a) {
    case HS_ERR_STATE:
        snprintf(why, why_cap,
                 "data directory %s: its metadata belongs to node %s; refusing to start "
                 "(give this node its own --data-dir)",
                 dir, h->halt.subject.len > 0 ? h->halt.subject.bytes : "(unnamed)");
        break;
    case HS_ERR_CHECKSUM:
        snprintf(why, why_cap,
                 "data directory %s: no valid metadata slot (corrupt or not an hsnode "
                 "file); refusing to start, a fresh start could reuse an incarnation",
                 dir);
        break;
    case HS_ERR_RANGE:
        snprintf(why, why_cap,
                 "data directory %s: this node has used every incarnation (2^31); refusing "
                 "to start, it could only reuse one (start it under a new name)",
                 dir);
        break;
    default:
        snprintf(why, why_cap, "data directory %s: metadata unusable (%s); refusing to start",
                 dir, hs_status_name((hs_status)h->halt.a));
        break;
    }
    return true;
}

static hs_status open_sockets(host *h, char *why, size_t cap)
{
    char addr[HS_ADDR_STR_MAX];
    hs_addr_format(h->cfg.node.addr, addr);
    int err = 0;
    if (udp_open(&h->udp, h->cfg.node.addr, &h->sink, &err) != HS_OK) {
        snprintf(why, cap, "listen %s: cannot bind UDP: %s%s", addr, strerror(err),
                 err == EADDRINUSE ? " (port in use)" : "");
        return HS_ERR_IO;
    }
    if (loop_add(&h->loop, h->udp.fd, EPOLLIN, HOST_TOKEN_UDP) != HS_OK) {
        snprintf(why, cap, "listen %s: cannot watch the UDP socket", addr);
        return HS_ERR_IO;
    }
    tcp_handlers handlers = {on_frame, on_closed, on_send_failed, h};
    if (tcp_init(&h->tcp, &h->cfg.tcp, &h->loop, &h->sink, &handlers) != HS_OK) {
        snprintf(why, cap, "cannot allocate the TCP connection table");
        return HS_ERR_NOMEM;
    }
    if (tcp_listen(&h->tcp, h->cfg.node.addr, &err) != HS_OK) {
        snprintf(why, cap, "listen %s: cannot listen on TCP: %s%s", addr, strerror(err),
                 err == EADDRINUSE ? " (port in use)" : "");
        return HS_ERR_IO;
    }
    if (h->cfg.has_metrics && metrics_listen(&h->metrics, h->cfg.metrics_addr, &err) != HS_OK) {
        hs_addr_format(h->cfg.metrics_addr, addr);
        snprintf(why, cap, "metrics_listen %s: cannot listen on TCP: %s%s", addr,
                 strerror(err), err == EADDRINUSE ? " (port in use)" : "");
        return HS_ERR_IO;
    }
    return HS_OK;
}

static hs_status create_parts(host *h, char *why, size_t cap)
{
    if (loop_init(&h->loop, &h->sink) != HS_OK) {
        snprintf(why, cap, "cannot create the event loop (epoll, timerfd, signalfd)");
        return HS_ERR_IO;
    }
    hs_status status = files_open(&h->files, h->cfg.data_dir, &h->sink, why, cap);
    if (status != HS_OK) {
        return status;
    }
    status = open_sockets(h, why, cap);
    if (status != HS_OK) {
        return status;
    }
    /* The same computation the simulator uses (node_host_limits). */
    node_limits lim = node_host_limits(&h->cfg.node);
    h->sf_cap = h->cfg.tcp.conns_max;
    if (timers_init(&h->timers, lim.timers) != HS_OK ||
        hs_outbox_init(&h->ob, lim.outbox_outputs, lim.outbox_arena_bytes) != HS_OK ||
        ring_init(&h->refused, sizeof(uint64_t), lim.outbox_outputs) != HS_OK ||
        ring_init(&h->pending, sizeof(hs_input),
                  2 * h->cfg.tcp.conns_max + 64 + HOST_PENDING_EXTRA) != HS_OK) {
        snprintf(why, cap, "out of memory creating the host tables");
        return HS_ERR_NOMEM;
    }
    status = node_create(&h->cfg.node, &h->node);
    if (status != HS_OK) {
        snprintf(why, cap, "cannot create the node: %s", hs_status_text(status));
    }
    return status;
}

hs_status host_create(const config *cfg, log_sink *lg, host **out, char *why, size_t why_cap)
{
    *out = NULL;
    host *h = calloc(1, sizeof(host));
    if (h == NULL) {
        snprintf(why, why_cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    h->cfg = *cfg;
    h->log = lg;
    h->sink.fn = on_error;
    h->sink.ctx = h;
    h->exit_at_ns = HS_TIME_NEVER;
    h->wake_at_ns = HS_TIME_NEVER;
    h->loop.epoll_fd = -1;
    h->udp.fd = -1;
    h->tcp.listen_fd = -1;
    h->tcp.spare_fd = -1;
    metrics_init(&h->metrics, &h->loop, &h->sink, metrics_source, h);
    h->files.dir_fd = -1;
    h->files.lock_fd = -1;
    h->files.meta_fd = -1;
    h->now_ns = loop_now_ns(&h->sink);
    hs_status status = create_parts(h, why, why_cap);
    if (status != HS_OK) {
        files_abandon(&h->files); /* a refused start leaves no partial state */
        host_destroy(h);
        return status;
    }
    *out = h;
    return HS_OK;
}

void host_destroy(host *h)
{
    if (h == NULL) {
        return;
    }
    node_destroy(h->node);
    ring_free(&h->pending);
    ring_free(&h->refused);
    hs_outbox_free(&h->ob);
    timers_free(&h->timers);
    metrics_free(&h->metrics);
    tcp_free(&h->tcp);
    udp_close(&h->udp);
    files_close(&h->files);
    if (h->loop.epoll_fd >= 0) {
        loop_free(&h->loop);
    }
    free(h);
}
